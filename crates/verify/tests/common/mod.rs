//! Fixtures shared by the verify crate's integration tests: three issuing departments, one
//! signed and anchored batch of each credential type, a registry holding them, and helpers to
//! run the pipeline and say what differed when a report is not the one expected.
//!
//! Every value is deterministic (fixed keys, fixed UUIDs, fixed times), so a failure is
//! reproducible and a report can be compared field by field.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use countersign_chainstate::{
    AnchorRecord, ChainState, ChainView, IssuerRecord, IssuerStatus, MemoryChainState,
    RevocationReason, RevocationRecord, Source, StatusChange,
};
use countersign_credential::kinds::{resident_id_check_char, uscc_check_char};
use countersign_credential::{issue_batch, DidKey, Draft, IssuedBatch, Issuer, RegistryRef};
use countersign_merkle::NodeHash;
use countersign_verify::{
    Check, CheckId, CheckOutcome, FixedClock, Params, Report, VerificationPolicy,
};
use ed25519_dalek::SigningKey;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// The registry every fixture credential is anchored on (the first contract a local Anvil or
/// Hardhat node deploys).
pub const REGISTRY: &str = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";
/// The same contract address on Ethereum mainnet: another registry.
pub const MAINNET_REGISTRY: &str = "eip155:1:0x5fbdb2315678afecb367f032d93f642f64180aa3";

/// When the fixture issuers were registered.
pub const REGISTERED_AT: &str = "2026-01-05T02:00:00Z";
/// The proofs' `created` time.
pub const CREATED: &str = "2026-03-02T01:30:00Z";
/// When the batches were anchored.
pub const ANCHORED_AT: &str = "2026-03-02T01:35:12Z";
/// The block time of the chain view the registry answers from.
pub const BLOCK_TIME: &str = "2026-03-10T00:00:00Z";
/// Verification time: two hours after the chain view, so the chain state is fresh.
pub const NOW: &str = "2026-03-10T02:00:00Z";
/// The block of the chain view.
pub const VIEW_BLOCK: u64 = 1500;
/// The block the batches were anchored in.
pub const ANCHOR_BLOCK: u64 = 1200;

/// A time from RFC 3339 text.
pub fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// A registry reference from CAIP-10 text.
pub fn registry(text: &str) -> RegistryRef {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} is not a registry: {e}"))
}

/// The chain view of the fixture registry at [`VIEW_BLOCK`].
pub fn view_at(block_time: &str) -> ChainView {
    ChainView {
        registry: registry(REGISTRY),
        block: VIEW_BLOCK,
        block_time: t(block_time),
        checked_at: t(block_time),
        source: Source::Memory,
        stale: None,
    }
}

/// The three credential types Countersign knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 营业执照.
    Licence,
    /// 居住证.
    Permit,
    /// 学历证书.
    Diploma,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Licence, Kind::Permit, Kind::Diploma];

    /// The VC type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Licence => "BusinessLicenceCredential",
            Kind::Permit => "ResidencePermitCredential",
            Kind::Diploma => "DiplomaCredential",
        }
    }

    /// The issuing department's name as it writes it in its credentials.
    pub fn claimed_issuer_name(self) -> &'static str {
        match self {
            Kind::Licence => "朝阳区市场监管局",
            Kind::Permit => "浦东公安分局",
            Kind::Diploma => "浙大",
        }
    }

    /// The issuing department's name in the registry (deliberately not the claimed one, so a
    /// test can tell which of the two a report shows).
    pub fn registered_issuer_name(self) -> &'static str {
        match self {
            Kind::Licence => "北京市朝阳区市场监督管理局",
            Kind::Permit => "上海市公安局浦东分局",
            Kind::Diploma => "浙江大学",
        }
    }

    fn key_seed(self) -> u8 {
        match self {
            Kind::Licence => 1,
            Kind::Permit => 2,
            Kind::Diploma => 3,
        }
    }

    /// The department's issuer (key and claimed name).
    pub fn issuer(self) -> Issuer {
        Issuer::new(
            SigningKey::from_bytes(&[self.key_seed(); 32]),
            self.claimed_issuer_name(),
        )
    }

    /// The department's did:key.
    pub fn did(self) -> DidKey {
        self.issuer().did()
    }

    /// The EVM account the department anchors from.
    pub fn account(self) -> [u8; 20] {
        [0xa0 + self.key_seed(); 20]
    }

    /// The fixture batch of this kind.
    pub fn batch(self) -> &'static IssuedBatch {
        let f = fixture();
        match self {
            Kind::Licence => &f.licence,
            Kind::Permit => &f.permit,
            Kind::Diploma => &f.diploma,
        }
    }

    /// The drafts of the fixture batch.
    pub fn drafts(self) -> Vec<Draft> {
        match self {
            Kind::Licence => licence_drafts(),
            Kind::Permit => permit_drafts(),
            Kind::Diploma => diploma_drafts(),
        }
    }
}

/// A department that is registered for business licences but issued none of the fixtures.
pub fn other_issuer() -> Issuer {
    Issuer::new(
        SigningKey::from_bytes(&[9; 32]),
        "北京市海淀区市场监督管理局",
    )
}

/// A department the registry has never heard of.
pub fn unregistered_issuer() -> Issuer {
    Issuer::new(
        SigningKey::from_bytes(&[7; 32]),
        "深圳市南山区市场监督管理局",
    )
}

/// A version-4-shaped UUID, fixed per (kind, index) so runs are reproducible.
pub fn uuid_for(tag: u8, index: usize) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37) ^ tag;
    }
    bytes[10..16].copy_from_slice(&(index as u64).to_be_bytes()[2..]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A unified social credit code with its GB 32100 check character.
pub fn uscc(first17: &str) -> String {
    let check =
        uscc_check_char(first17).unwrap_or_else(|| panic!("{first17} is not 17 code characters"));
    format!("{first17}{check}")
}

/// A resident ID number with its GB 11643 check character.
pub fn resident_id(first17: &str) -> String {
    let check =
        resident_id_check_char(first17).unwrap_or_else(|| panic!("{first17} is not 17 digits"));
    format!("{first17}{check}")
}

fn subject(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("subject is not an object: {other}"),
    }
}

/// Three business licences from Chaoyang district.
pub fn licence_drafts() -> Vec<Draft> {
    let companies = [
        (
            "北京智源数科技术有限公司",
            "91110105MA01C2K8P",
            "有限责任公司（自然人投资或控股）",
            "王建国",
            "500万元人民币",
            "2019-04-18",
            "北京市朝阳区建国路88号SOHO现代城5号楼1203室",
            "技术开发、技术咨询、技术服务；软件开发；数据处理（数据处理中的银行卡中心、PUE值在1.5以上的云计算数据中心除外）",
        ),
        (
            "北京朝阳惠民便利店有限公司",
            "91110105MA04D7RX3",
            "有限责任公司（自然人独资）",
            "刘秀英",
            "50万元人民币",
            "2021-09-02",
            "北京市朝阳区望京街道阜通东大街6号院3号楼1层102",
            "销售食品；销售日用品、文具用品、五金交电；烟草制品零售",
        ),
        (
            "北京青禾餐饮管理有限公司",
            "91110105MA7H2L5Q1",
            "有限责任公司（法人独资）",
            "陈志强",
            "200万元人民币",
            "2023-02-14",
            "北京市朝阳区三里屯路19号院4号楼B1层B108",
            "餐饮服务；餐饮管理；食品销售；外卖递送服务",
        ),
    ];
    companies
        .iter()
        .enumerate()
        .map(
            |(i, (name, code17, company_type, legal, capital, established, address, scope))| {
                Draft {
                    type_name: Kind::Licence.type_name().to_owned(),
                    id: uuid_for(0x11, i),
                    subject: subject(json!({
                        "companyName": name,
                        "unifiedSocialCreditCode": uscc(code17),
                        "companyType": company_type,
                        "legalRepresentative": legal,
                        "registeredCapital": capital,
                        "establishedOn": established,
                        "address": address,
                        "businessScope": scope,
                        "registrationAuthority": "北京市朝阳区市场监督管理局",
                    })),
                    valid_from: t("2026-03-01T00:00:00Z"),
                    valid_until: Some(t("2046-02-28T16:00:00Z")),
                }
            },
        )
        .collect()
}

/// Two residence permits from Pudong.
pub fn permit_drafts() -> Vec<Draft> {
    let people = [
        (
            "李娜",
            "女",
            "32010219920815432",
            "上海市浦东新区张江镇祖冲之路1999弄12号301室",
            "沪居310115202600123",
        ),
        (
            "马俊峰",
            "男",
            "41010519880302181",
            "上海市浦东新区陆家嘴街道浦城路150号702室",
            "沪居310115202600124",
        ),
    ];
    people
        .iter()
        .enumerate()
        .map(|(i, (name, gender, id17, address, permit))| Draft {
            type_name: Kind::Permit.type_name().to_owned(),
            id: uuid_for(0x22, i),
            subject: subject(json!({
                "name": name,
                "gender": gender,
                "idNumber": resident_id(id17),
                "address": address,
                "policeStation": "上海市公安局浦东分局",
                "permitNumber": permit,
            })),
            valid_from: t("2026-03-01T00:00:00Z"),
            valid_until: Some(t("2027-02-28T16:00:00Z")),
        })
        .collect()
}

/// Eight diplomas of Zhejiang University's class of 2025 (a batch deep enough to have
/// interior nodes between leaf and root).
pub fn diploma_drafts() -> Vec<Draft> {
    let graduates = [
        ("张伟", "33010620030315123", "计算机科学与技术", "本科"),
        ("王芳", "33010220021107234", "电子信息工程", "本科"),
        ("刘洋", "33038220020628345", "临床医学", "本科"),
        ("陈静", "33060220030119456", "法学", "本科"),
        ("杨帆", "33010519990923567", "控制科学与工程", "硕士研究生"),
        ("赵磊", "34010420020504678", "机械工程", "本科"),
        ("黄敏", "36010220021212789", "汉语言文学", "本科"),
        ("周杰", "33100220000730891", "数学", "硕士研究生"),
    ];
    graduates
        .iter()
        .enumerate()
        .map(|(i, (name, id17, major, level))| Draft {
            type_name: Kind::Diploma.type_name().to_owned(),
            id: uuid_for(0x33, i),
            subject: subject(json!({
                "name": name,
                "idNumber": resident_id(id17),
                "school": "浙江大学",
                "major": major,
                "level": level,
                "studyMode": "全日制",
                "graduationDate": "2025-06-30",
                "certificateNumber": format!("1033512025{:08}", 5_000_100 + i),
            })),
            valid_from: t("2025-06-30T00:00:00Z"),
            valid_until: None,
        })
        .collect()
}

/// Every fixture, built once per test binary.
pub struct Fixture {
    /// The business licence batch (3).
    pub licence: IssuedBatch,
    /// The residence permit batch (2).
    pub permit: IssuedBatch,
    /// The diploma batch (8).
    pub diploma: IssuedBatch,
    /// The registry: the three departments active since [`REGISTERED_AT`], the other
    /// department registered too, the three batches anchored at [`ANCHORED_AT`].
    pub chain: MemoryChainState,
}

/// Issues a batch at [`CREATED`] on the fixture registry.
pub fn issue(issuer: &Issuer, drafts: &[Draft]) -> IssuedBatch {
    issue_at(issuer, drafts, CREATED, Some(registry(REGISTRY)))
}

/// Issues a batch at `created` on `registry`.
pub fn issue_at(
    issuer: &Issuer,
    drafts: &[Draft],
    created: &str,
    registry: Option<RegistryRef>,
) -> IssuedBatch {
    issue_batch(issuer, drafts, t(created), registry)
        .unwrap_or_else(|e| panic!("issuing failed: {e}"))
}

/// An issuer's registry record, active since [`REGISTERED_AT`].
pub fn issuer_record(did: DidKey, name: &str, account: [u8; 20], types: &[&str]) -> IssuerRecord {
    IssuerRecord {
        did,
        profile: did.profile(),
        name: name.to_owned(),
        account,
        credential_types: types.iter().map(|s| (*s).to_owned()).collect(),
        history: vec![StatusChange {
            status: IssuerStatus::Active,
            at: t(REGISTERED_AT),
            block: 100,
        }],
    }
}

/// The registry record of a fixture kind's department.
pub fn kind_record(kind: Kind) -> IssuerRecord {
    issuer_record(
        kind.did(),
        kind.registered_issuer_name(),
        kind.account(),
        &[kind.type_name()],
    )
}

/// An anchoring of `root` by `issuer` at [`ANCHORED_AT`].
pub fn anchor_record(root: NodeHash, issuer: DidKey) -> AnchorRecord {
    AnchorRecord {
        root,
        issuer,
        account: [0xee; 20],
        block: ANCHOR_BLOCK,
        at: t(ANCHORED_AT),
    }
}

/// A revocation of `hash` by `issuer`, a day after anchoring.
pub fn revocation_record(hash: NodeHash, issuer: DidKey) -> RevocationRecord {
    RevocationRecord {
        hash,
        issuer,
        reason: RevocationReason::Withdrawn,
        block: 1300,
        at: t("2026-03-03T06:00:00Z"),
    }
}

/// The fixtures.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let licence = issue(&Kind::Licence.issuer(), &licence_drafts());
        let permit = issue(&Kind::Permit.issuer(), &permit_drafts());
        let diploma = issue(&Kind::Diploma.issuer(), &diploma_drafts());
        let mut chain = MemoryChainState::new(view_at(BLOCK_TIME));
        for kind in Kind::ALL {
            chain.put_issuer(kind_record(kind));
        }
        let other = other_issuer();
        chain.put_issuer(issuer_record(
            other.did(),
            &other.name,
            [0xb9; 20],
            &[Kind::Licence.type_name()],
        ));
        for (kind, batch) in [
            (Kind::Licence, &licence),
            (Kind::Permit, &permit),
            (Kind::Diploma, &diploma),
        ] {
            chain.put_anchor(anchor_record(batch.root, kind.did()));
        }
        Fixture {
            licence,
            permit,
            diploma,
            chain,
        }
    })
}

/// A fresh copy of the fixture registry, for a test to change.
pub fn chain() -> MemoryChainState {
    fixture().chain.clone()
}

/// The first credential of a kind's batch.
pub fn credential(kind: Kind) -> &'static Value {
    &kind.batch().credentials[0]
}

/// A credential as the bytes a file or a QR payload carries.
pub fn to_bytes(document: &Value) -> Vec<u8> {
    serde_json::to_vec(document).unwrap_or_else(|e| panic!("cannot serialise: {e}"))
}

/// The clock at [`NOW`].
pub fn now() -> FixedClock {
    FixedClock(t(NOW))
}

/// Parameters with a chain and the default policy.
pub fn with_chain<'a>(clock: &'a FixedClock, chain: &'a dyn ChainState) -> Params<'a> {
    Params {
        clock,
        chain: Some(chain),
        policy: VerificationPolicy::default(),
    }
}

/// Parameters without a chain.
pub fn without_chain(clock: &FixedClock) -> Params<'_> {
    Params {
        clock,
        chain: None,
        policy: VerificationPolicy::default(),
    }
}

/// A report as readable lines, for assertion messages.
pub fn describe(report: &Report) -> String {
    let mut out = format!("verdict {}", report.verdict.as_str());
    for c in &report.checks {
        out.push_str(&format!(
            "\n  {:<10} {:<24} {:<26} {}",
            c.id.as_str(),
            outcome_text(c.outcome),
            c.code,
            c.detail
        ));
    }
    for w in &report.warnings {
        out.push_str(&format!("\n  warning {} {}", w.code, w.detail));
    }
    out
}

/// An outcome with its skip reason, for messages.
pub fn outcome_text(o: CheckOutcome) -> String {
    match o {
        CheckOutcome::Skipped(r) => format!("skipped({r:?})"),
        other => other.as_str().to_owned(),
    }
}

/// The check with this id; panics with the report if it is missing.
pub fn check(report: &Report, id: CheckId) -> &Check {
    report
        .check(id)
        .unwrap_or_else(|| panic!("no {id} check in\n{}", describe(report)))
}

/// What one check is expected to be.
pub type Expect = (CheckId, CheckOutcome, &'static str);

/// The differences between a report's checks and the expected outcomes and codes, one line
/// each; empty when they agree.
pub fn differences(report: &Report, expected: &[Expect]) -> Vec<String> {
    expected
        .iter()
        .filter_map(|&(id, outcome, code)| match report.check(id) {
            None => Some(format!("{id}: missing")),
            Some(c) if c.outcome != outcome || c.code != code => Some(format!(
                "{id}: expected {} {code}, got {} {} ({})",
                outcome_text(outcome),
                outcome_text(c.outcome),
                c.code,
                c.detail
            )),
            Some(_) => None,
        })
        .collect()
}

/// Asserts each listed check's outcome and code; the message lists every difference.
pub fn assert_checks(context: &str, report: &Report, expected: &[Expect]) {
    let diffs = differences(report, expected);
    assert!(
        diffs.is_empty(),
        "{context}:\n{}\nfull report:\n{}",
        diffs.join("\n"),
        describe(report)
    );
}

/// Asserts that the checks are the six documented ones, in the documented order.
pub fn assert_check_order(context: &str, report: &Report) {
    let ids: Vec<CheckId> = report.checks.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        CheckId::ALL.to_vec(),
        "{context}: checks out of order\n{}",
        describe(report)
    );
}

/// Every check passing with its `ok` code.
pub const ALL_PASS: [Expect; 6] = [
    (CheckId::Format, CheckOutcome::Pass, "format.ok"),
    (CheckId::Signature, CheckOutcome::Pass, "signature.ok"),
    (CheckId::Issuer, CheckOutcome::Pass, "issuer.ok"),
    (CheckId::Validity, CheckOutcome::Pass, "validity.ok"),
    (CheckId::Anchor, CheckOutcome::Pass, "anchor.ok"),
    (CheckId::Revocation, CheckOutcome::Pass, "revocation.ok"),
];
