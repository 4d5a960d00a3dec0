//! `countersign demo`: the demo issuers, their credentials and a registry snapshot, generated
//! deterministically so the committed copy under `assets/demo` can be checked for staleness.
//!
//! DEMO ONLY: the issuer keys are derived from public seeds and must never sign anything real.

use crate::{issue::write_batch, keyfile::write_key_file, write_file, CliError};
use chrono::{DateTime, TimeZone, Utc};
use countersign_chainstate::{
    snapshot, AnchorRecord, ChainView, IssuerRecord, IssuerStatus, MemoryChainState,
    RevocationReason, RevocationRecord, Source, StatusChange,
};
use countersign_credential::kinds::{resident_id_check_char, uscc_check_char};
use countersign_credential::{issue_batch, Draft, IssuedBatch, Issuer, RegistryRef};
use countersign_crypto::{Profile, SecretKey};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The registry address anvil gives the first contract its first account deploys.
pub const DEMO_REGISTRY: &str = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";

fn at(day: u32, hour: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, min, 0)
        .single()
        .unwrap_or_default()
}

fn seeded(label: &str) -> [u8; 32] {
    Sha256::digest(format!("countersign demo {label}").as_bytes()).into()
}

fn demo_uuid(label: &str, i: usize) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&seeded(&format!("{label} {i}"))[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn id_number(first17: &str) -> String {
    format!(
        "{first17}{}",
        resident_id_check_char(first17).unwrap_or('0')
    )
}

fn uscc(first17: &str) -> String {
    format!("{first17}{}", uscc_check_char(first17).unwrap_or('0'))
}

fn subject(pairs: &[(&str, String)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
        .collect()
}

struct DemoIssuer {
    file: &'static str,
    issuer: Issuer,
    account: [u8; 20],
    types: &'static [&'static str],
}

/// A demo issuer's key: from a public seed, Ed25519 or (national profile) SM2.
fn demo_key(file: &str, profile: Profile) -> Result<SecretKey, CliError> {
    // Under the national profile the seed is labelled apart, so the two demos never share a
    // secret across algorithms.
    let label = match profile {
        Profile::Standard => file.to_owned(),
        Profile::Guomi => format!("{file} sm2"),
    };
    SecretKey::from_bytes(profile.sig(), &seeded(&label))
        .map_err(|e| CliError::Failed(format!("demo key {file}: {e}")))
}

fn demo_issuer(
    file: &'static str,
    name: &str,
    types: &'static [&'static str],
    profile: Profile,
) -> Result<DemoIssuer, CliError> {
    let key = demo_key(file, profile)?;
    let mut account = [0u8; 20];
    account.copy_from_slice(&seeded(&format!("{file} account"))[..20]);
    Ok(DemoIssuer {
        file,
        issuer: Issuer::new(key, name),
        account,
        types,
    })
}

fn drafts(
    label: &str,
    type_name: &str,
    rows: Vec<Map<String, Value>>,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Vec<Draft> {
    rows.into_iter()
        .enumerate()
        .map(|(i, subject)| Draft {
            type_name: type_name.into(),
            id: demo_uuid(label, i),
            subject,
            valid_from: from,
            valid_until: until,
        })
        .collect()
}

fn business_licences() -> Vec<Map<String, Value>> {
    vec![
        subject(&[
            ("companyName", "北京青禾科技有限公司".into()),
            ("unifiedSocialCreditCode", uscc("91110105MA01XQ7K3")),
            ("companyType", "有限责任公司（自然人投资或控股）".into()),
            ("legalRepresentative", "王建国".into()),
            ("registeredCapital", "500万元".into()),
            ("establishedOn", "2019-04-12".into()),
            (
                "address",
                "北京市朝阳区望京街道阜通东大街6号院3号楼12层1201".into(),
            ),
            (
                "businessScope",
                "技术开发、技术咨询、技术服务；软件开发；计算机系统服务；数据处理".into(),
            ),
            ("registrationAuthority", "北京市朝阳区市场监督管理局".into()),
        ]),
        subject(&[
            ("companyName", "北京禾丰餐饮管理有限公司".into()),
            ("unifiedSocialCreditCode", uscc("91110105MA04RT2N8")),
            ("companyType", "有限责任公司".into()),
            ("legalRepresentative", "李秀英".into()),
            ("registeredCapital", "100万元".into()),
            ("establishedOn", "2021-09-30".into()),
            ("address", "北京市朝阳区三里屯路19号院5号楼1层105".into()),
            ("businessScope", "餐饮服务；餐饮管理；食品销售".into()),
            ("registrationAuthority", "北京市朝阳区市场监督管理局".into()),
        ]),
    ]
}

fn residence_permits(names: &[(&str, &str, &str)]) -> Vec<Map<String, Value>> {
    names
        .iter()
        .enumerate()
        .map(|(i, (name, gender, id17))| {
            subject(&[
                ("name", (*name).into()),
                ("gender", (*gender).into()),
                ("idNumber", id_number(id17)),
                (
                    "address",
                    format!(
                        "上海市浦东新区张江镇祖冲之路{}弄{}号{}室",
                        800 + i * 37,
                        3 + i,
                        201 + i
                    ),
                ),
                ("policeStation", "上海市公安局浦东分局张江派出所".into()),
                ("permitNumber", format!("3101150{:08}", 2026_0001 + i)),
            ])
        })
        .collect()
}

fn diplomas() -> Vec<Map<String, Value>> {
    let rows = [
        (
            "刘洋",
            "11010819980312001",
            "计算机科学与技术",
            "本科",
            "2020-06-30",
            "100031202005000123",
        ),
        (
            "陈静",
            "32058319970721002",
            "临床医学",
            "硕士研究生",
            "2022-06-30",
            "100031202202000456",
        ),
        (
            "赵磊",
            "44030519990115003",
            "土木工程",
            "本科",
            "2021-06-30",
            "100031202105000789",
        ),
    ];
    rows.iter()
        .map(|(name, id17, major, level, date, number)| {
            subject(&[
                ("name", (*name).into()),
                ("idNumber", id_number(id17)),
                ("school", "京华大学".into()),
                ("major", (*major).into()),
                ("level", (*level).into()),
                ("studyMode", "全日制".into()),
                ("graduationDate", (*date).into()),
                ("certificateNumber", (*number).into()),
            ])
        })
        .collect()
}

fn issue(
    who: &DemoIssuer,
    drafts: &[Draft],
    created: DateTime<Utc>,
    registry: RegistryRef,
) -> Result<IssuedBatch, CliError> {
    issue_batch(&who.issuer, drafts, created, Some(registry))
        .map_err(|e| CliError::Failed(format!("demo batch: {e}")))
}

fn copy_sample(from: &Path, stem: &str, to: &Path, name: &str) -> Result<(), CliError> {
    for ext in ["json", "cs1.txt", "png"] {
        let src = from.join(format!("{stem}.{ext}"));
        let dst = to.join(format!("{name}.{ext}"));
        std::fs::copy(&src, &dst)
            .map_err(|e| CliError::Failed(format!("cannot copy {}: {e}", src.display())))?;
    }
    Ok(())
}

/// Generates the demo assets into `out` (which must not exist yet or be empty), issued under
/// `profile` (the national profile's demo is generated on the fly by `scripts/demo.sh --guomi`;
/// assets/demo holds the standard one).
pub fn run(out: &Path, profile: Profile) -> Result<(), CliError> {
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CliError::Usage(format!(
            "{} exists and is not empty; remove it first",
            out.display()
        )));
    }
    let registry: RegistryRef = DEMO_REGISTRY
        .parse()
        .map_err(|e| CliError::Failed(format!("{e}")))?;
    let smr = demo_issuer(
        "chaoyang-amr",
        "北京市朝阳区市场监督管理局",
        &["BusinessLicenceCredential"],
        profile,
    )?;
    let police = demo_issuer(
        "pudong-psb",
        "上海市公安局浦东分局",
        &["ResidencePermitCredential"],
        profile,
    )?;
    let school = demo_issuer(
        "jinghua-university",
        "京华大学",
        &["DiplomaCredential"],
        profile,
    )?;
    let rogue = demo_issuer("unregistered", "某某证照服务中心", &[], profile)?;

    let keys = out.join("issuers");
    std::fs::create_dir_all(&keys)
        .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", keys.display())))?;
    for who in [&smr, &police, &school, &rogue] {
        let key = demo_key(who.file, profile)?;
        write_key_file(
            &keys.join(format!("{}.key.json", who.file)),
            &key,
            &who.issuer.name,
        )?;
    }

    let batches = out.join("batches");
    let created = at(1, 9, 0);
    let licences = issue(
        &smr,
        &drafts(
            "licence",
            "BusinessLicenceCredential",
            business_licences(),
            at(1, 0, 0),
            None,
        ),
        created,
        registry,
    )?;
    let permits = issue(
        &police,
        &drafts(
            "permit",
            "ResidencePermitCredential",
            residence_permits(&[
                ("张伟", "男", "31011519900307001"),
                ("王芳", "女", "34010419920815002"),
                ("李娜", "女", "51010719950126003"),
            ]),
            at(1, 0, 0),
            Some(
                Utc.with_ymd_and_hms(2027, 10, 31, 23, 59, 59)
                    .single()
                    .unwrap_or_default(),
            ),
        ),
        created,
        registry,
    )?;
    let expired = issue(
        &police,
        &drafts(
            "expired-permit",
            "ResidencePermitCredential",
            residence_permits(&[("孙强", "男", "31011519850603004")]),
            Utc.with_ymd_and_hms(2024, 11, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            Some(
                Utc.with_ymd_and_hms(2025, 10, 31, 23, 59, 59)
                    .single()
                    .unwrap_or_default(),
            ),
        ),
        at(1, 9, 5),
        registry,
    )?;
    let degrees = issue(
        &school,
        &drafts(
            "diploma",
            "DiplomaCredential",
            diplomas(),
            at(1, 0, 0),
            None,
        ),
        created,
        registry,
    )?;
    let rogue_batch = issue(
        &rogue,
        &drafts(
            "rogue",
            "DiplomaCredential",
            diplomas()[..1].to_vec(),
            at(1, 0, 0),
            None,
        ),
        created,
        registry,
    )?;

    for (name, who, batch) in [
        ("business-licences", &smr, &licences),
        ("residence-permits", &police, &permits),
        ("expired-permit", &police, &expired),
        ("diplomas", &school, &degrees),
        ("unregistered-issuer", &rogue, &rogue_batch),
    ] {
        write_batch(
            &batches.join(name),
            &who.issuer,
            batch,
            Some(registry),
            created,
            true,
        )?;
    }

    // The registry as a hall would mirror it: three issuers registered by governance, their
    // batches anchored, one diploma revoked.
    let mut state = MemoryChainState::new(ChainView {
        registry,
        block: 120,
        block_time: at(1, 10, 0),
        checked_at: at(1, 10, 0),
        source: Source::Memory,
        stale: None,
    });
    for (who, block) in [(&smr, 2), (&police, 3), (&school, 4)] {
        state.put_issuer(IssuerRecord {
            did: who.issuer.did(),
            profile: who.issuer.did().profile(),
            name: who.issuer.name.clone(),
            account: who.account,
            credential_types: who.types.iter().map(|t| (*t).to_owned()).collect(),
            history: vec![StatusChange {
                status: IssuerStatus::Active,
                at: at(1, 8, 0),
                block,
            }],
        });
    }
    for (who, batch, block, time) in [
        (&smr, &licences, 101, at(1, 9, 10)),
        (&police, &permits, 102, at(1, 9, 11)),
        (&police, &expired, 103, at(1, 9, 12)),
        (&school, &degrees, 104, at(1, 9, 13)),
    ] {
        state.put_anchor(AnchorRecord {
            root: batch.root,
            issuer: who.issuer.did(),
            account: who.account,
            block,
            at: time,
        });
    }
    state.put_revocation(RevocationRecord {
        hash: degrees.leaves[2],
        issuer: school.issuer.did(),
        reason: RevocationReason::Withdrawn,
        block: 110,
        at: at(1, 9, 40),
    });
    let text = serde_json::to_string_pretty(&snapshot::to_json(&state))
        .map_err(|e| CliError::Failed(e.to_string()))?;
    write_file(
        &out.join("registry-snapshot.json"),
        format!("{text}\n").as_bytes(),
    )?;

    // Named samples, one per verdict a clerk will meet.
    let samples = out.join("samples");
    std::fs::create_dir_all(&samples)
        .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", samples.display())))?;
    let mut index = Vec::new();
    for (dir, stem, name, expect, why) in [
        (
            "business-licences",
            "0001",
            "valid-business-licence",
            "VALID",
            "营业执照, anchored, issuer registered",
        ),
        (
            "residence-permits",
            "0001",
            "valid-residence-permit",
            "VALID",
            "居住证, anchored, issuer registered",
        ),
        (
            "diplomas",
            "0001",
            "valid-diploma",
            "VALID",
            "学历证书, anchored, issuer registered",
        ),
        (
            "diplomas",
            "0003",
            "revoked-diploma",
            "INVALID",
            "revoked by the school (revocation)",
        ),
        (
            "expired-permit",
            "0001",
            "expired-residence-permit",
            "INVALID",
            "validUntil 2025-10-31 (validity)",
        ),
        (
            "unregistered-issuer",
            "0001",
            "unregistered-issuer-diploma",
            "INVALID",
            "signed correctly by an issuer nobody registered (issuer, anchor)",
        ),
    ] {
        copy_sample(&batches.join(dir), stem, &samples, name)?;
        index.push((name.to_owned(), expect, why));
    }
    // A forgery: the company name changed after signing.
    let mut forged = licences.credentials[0].clone();
    forged["credentialSubject"]["companyName"] = json!("北京青禾科技集团有限公司");
    let forged_compact =
        countersign_jcs::canonicalize(&forged).map_err(|e| CliError::Failed(e.to_string()))?;
    let payload = countersign_payload::encode(&forged_compact);
    let pretty =
        serde_json::to_string_pretty(&forged).map_err(|e| CliError::Failed(e.to_string()))?;
    write_file(
        &samples.join("tampered-business-licence.json"),
        format!("{pretty}\n").as_bytes(),
    )?;
    write_file(
        &samples.join("tampered-business-licence.cs1.txt"),
        format!("{payload}\n").as_bytes(),
    )?;
    let png = countersign_qr::render_png(&payload, countersign_qr::EcLevel::M, 4, true)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    write_file(&samples.join("tampered-business-licence.png"), &png)?;
    index.push((
        "tampered-business-licence".into(),
        "INVALID",
        "company name changed after signing (signature)",
    ));

    let mut readme = String::from(
        "# Demo credentials (generated by `countersign demo`; do not edit)\n\n\
         DEMO ONLY: the issuer keys in `issuers/` come from public seeds. Verify with\n\
         `countersign verify samples/<name>.png --snapshot registry-snapshot.json`.\n\
         The snapshot is the registry as of block 120 (2026-11-01 10:00 UTC), so a verification\n\
         today also warns that the chain state is old.\n\n| sample | expected | why |\n|---|---|---|\n",
    );
    for (name, expect, why) in index {
        readme.push_str(&format!("| `{name}` | {expect} | {why} |\n"));
    }
    write_file(&out.join("README.md"), readme.as_bytes())?;
    println!("demo assets written to {}", out.display());
    Ok(())
}
