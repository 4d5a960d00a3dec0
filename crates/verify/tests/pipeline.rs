//! The pipeline end to end: genuine credentials of every type against an in-memory registry,
//! then one registry or clock condition at a time (revoked, suspended, unanchored, another
//! chain, stale or unreachable state), and the transports (CS1 text, PNG) and the JSON report.

mod common;

use common::*;
use countersign_chainstate::{
    AnchorRecord, ChainError, ChainState, ChainView, IssuerRecord, IssuerStatus, MemoryChainState,
    RevocationRecord, StatusChange,
};
use countersign_credential::{AnchorProof, DidKey};
use countersign_merkle::NodeHash;
use countersign_verify::json::report_to_json;
use countersign_verify::{
    verify_bytes, verify_image, verify_json, verify_text, CheckId, CheckOutcome, FixedClock,
    Params, Report, SkipReason, VerificationPolicy,
};
use countersign_vocab::Verdict;
use serde_json::Value;

use CheckId::{Anchor, Format, Issuer as IssuerCheck, Revocation, Signature, Validity};

const NOT_CONFIGURED: CheckOutcome = CheckOutcome::Skipped(SkipReason::NotConfigured);
const COULD_NOT_CHECK: CheckOutcome = CheckOutcome::Skipped(SkipReason::CouldNotCheck);

fn verify(document: &Value, params: &Params<'_>) -> Report {
    verify_json(&to_bytes(document), params)
}

/// The subject fields each type shows, in display order: key, Chinese label, English label,
/// masked on screen.
fn expected_fields(kind: Kind) -> &'static [(&'static str, &'static str, &'static str, bool)] {
    match kind {
        Kind::Licence => &[
            ("companyName", "名称", "Company name", false),
            (
                "unifiedSocialCreditCode",
                "统一社会信用代码",
                "Unified social credit code",
                false,
            ),
            ("companyType", "类型", "Company type", false),
            (
                "legalRepresentative",
                "法定代表人",
                "Legal representative",
                false,
            ),
            ("registeredCapital", "注册资本", "Registered capital", false),
            ("establishedOn", "成立日期", "Established on", false),
            ("address", "住所", "Address", false),
            ("businessScope", "经营范围", "Business scope", false),
            (
                "registrationAuthority",
                "登记机关",
                "Registration authority",
                false,
            ),
        ],
        Kind::Permit => &[
            ("name", "姓名", "Name", false),
            ("gender", "性别", "Gender", false),
            ("idNumber", "公民身份号码", "ID number", true),
            ("address", "居住地址", "Address", true),
            ("policeStation", "签发机关", "Issuing police station", false),
            ("permitNumber", "居住证编号", "Permit number", true),
        ],
        Kind::Diploma => &[
            ("name", "姓名", "Name", false),
            ("idNumber", "身份证号", "ID number", true),
            ("school", "学校名称", "School", false),
            ("major", "专业", "Major", false),
            ("level", "层次", "Level", false),
            ("studyMode", "学习形式", "Mode of study", false),
            ("graduationDate", "毕业日期", "Graduation date", false),
            ("certificateNumber", "证书编号", "Certificate number", false),
        ],
    }
}

fn expected_type_labels(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Licence => ("营业执照", "Business licence"),
        Kind::Permit => ("居住证", "Residence permit"),
        Kind::Diploma => ("学历证书", "Diploma"),
    }
}

/// Compares a report's summary with the credential it was made from.
fn summary_differences(
    kind: Kind,
    document: &Value,
    report: &Report,
    registered: bool,
) -> Vec<String> {
    let Some(s) = &report.summary else {
        return vec!["no summary".into()];
    };
    let mut diffs = Vec::new();
    let mut same = |what: &str, got: String, want: String| {
        if got != want {
            diffs.push(format!("{what}: got {got:?}, want {want:?}"));
        }
    };
    let (zh, en) = expected_type_labels(kind);
    same("type", s.type_name.clone(), kind.type_name().into());
    same(
        "type label zh",
        format!("{:?}", s.type_label_zh),
        format!("{:?}", Some(zh)),
    );
    same(
        "type label en",
        format!("{:?}", s.type_label_en),
        format!("{:?}", Some(en)),
    );
    same(
        "id",
        format!("{:?}", s.id),
        format!("{:?}", document["id"].as_str()),
    );
    same("issuer id", s.issuer_id.clone(), kind.did().to_string());
    let name = if registered {
        kind.registered_issuer_name()
    } else {
        kind.claimed_issuer_name()
    };
    same(
        "issuer name",
        format!("{:?}", s.issuer_name),
        format!("{:?}", Some(name)),
    );
    same(
        "issuer name registered",
        s.issuer_name_registered.to_string(),
        registered.to_string(),
    );
    same(
        "valid from",
        format!("{:?}", s.valid_from.map(|d| d.to_rfc3339())),
        format!(
            "{:?}",
            document["validFrom"].as_str().map(|d| t(d).to_rfc3339())
        ),
    );
    same(
        "valid until",
        format!("{:?}", s.valid_until.map(|d| d.to_rfc3339())),
        format!(
            "{:?}",
            document
                .get("validUntil")
                .and_then(Value::as_str)
                .map(|d| t(d).to_rfc3339())
        ),
    );
    let want: Vec<String> = expected_fields(kind)
        .iter()
        .map(|(key, zh, en, sensitive)| {
            let value = document["credentialSubject"][key]
                .as_str()
                .unwrap_or("<missing>");
            format!("{key}|{zh}|{en}|{value}|{sensitive}")
        })
        .collect();
    let got: Vec<String> = s
        .fields
        .iter()
        .map(|f| {
            format!(
                "{}|{}|{}|{}|{}",
                f.key, f.label_zh, f.label_en, f.value, f.sensitive
            )
        })
        .collect();
    if got != want {
        diffs.push(format!("fields:\n    got  {got:?}\n    want {want:?}"));
    }
    diffs
}

#[test]
fn every_genuine_credential_is_valid_with_all_six_checks_passing() {
    let clock = now();
    let chain = chain();
    let params = with_chain(&clock, &chain);
    let mut problems = Vec::new();
    let mut count = 0;
    for kind in Kind::ALL {
        let batch = kind.batch();
        for (i, document) in batch.credentials.iter().enumerate() {
            count += 1;
            let report = verify(document, &params);
            let context = format!("{kind:?} #{i}");
            assert_check_order(&context, &report);
            let mut diffs = differences(&report, &ALL_PASS);
            if report.verdict != Verdict::Valid {
                diffs.push(format!("verdict {}", report.verdict.as_str()));
            }
            if !report.warnings.is_empty() {
                diffs.push(format!("unexpected warnings {:?}", report.warnings));
            }
            if report.leaf != Some(batch.leaves[i]) {
                diffs.push(format!(
                    "leaf {:?}, want {:?}",
                    report.leaf, batch.leaves[i]
                ));
            }
            if report.chain != Some(view_at(BLOCK_TIME)) {
                diffs.push(format!("chain view {:?}", report.chain));
            }
            if report.checked_at != t(NOW) {
                diffs.push(format!(
                    "checked at {}, not the injected clock's time",
                    report.checked_at
                ));
            }
            diffs.extend(summary_differences(kind, document, &report, true));
            let issuer = check(&report, IssuerCheck);
            if !issuer.detail.contains(kind.registered_issuer_name()) {
                diffs.push(format!(
                    "issuer detail {:?} does not name the registered issuer",
                    issuer.detail
                ));
            }
            if !diffs.is_empty() {
                problems.push(format!(
                    "{context}:\n  {}\n{}",
                    diffs.join("\n  "),
                    describe(&report)
                ));
            }
        }
    }
    assert_eq!(count, 13, "fixture batches changed size");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn without_a_chain_the_chain_checks_are_not_configured_and_the_verdict_unverifiable() {
    let clock = now();
    let params = without_chain(&clock);
    for kind in Kind::ALL {
        let document = credential(kind);
        let report = verify(document, &params);
        let context = format!("{kind:?} without chain");
        assert_checks(
            &context,
            &report,
            &[
                (Format, CheckOutcome::Pass, "format.ok"),
                (Signature, CheckOutcome::Pass, "signature.ok"),
                (IssuerCheck, NOT_CONFIGURED, "chain.not_configured"),
                (Validity, CheckOutcome::Pass, "validity.ok"),
                (Anchor, NOT_CONFIGURED, "chain.not_configured"),
                (Revocation, NOT_CONFIGURED, "chain.not_configured"),
            ],
        );
        assert_eq!(
            report.verdict,
            Verdict::Unverifiable,
            "{context}\n{}",
            describe(&report)
        );
        assert_eq!(
            report.chain, None,
            "{context}: no chain state was consulted"
        );
        assert!(
            check(&report, IssuerCheck)
                .detail
                .starts_with("signed by the issuer's own key"),
            "{context}: the issuer check should still say the key matched\n{}",
            describe(&report)
        );
        let diffs = summary_differences(kind, document, &report, false);
        assert!(diffs.is_empty(), "{context}: {}", diffs.join("\n"));
    }
}

fn w3c_vector() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/w3c-vc-di-eddsa/signedJCS.json"
    );
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    countersign_jcs::parse_strict(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The W3C eddsa-jcs-2022 vector is a genuine signature by did:key:z6MkrJVn…, but its issuer
/// is the URL https://vc.example/issuers/5678, not that key: nothing ties the signing key to
/// the issuer, so `issuer` fails with `issuer.not_did_key`. It carries no anchor proof, so
/// `anchor` fails with `anchor.missing`. It is a type Countersign does not know, so `format`
/// passes with `format.unknown_type` and the subject is shown generically. INVALID overall,
/// but the signature itself is reported as passing.
#[test]
fn w3c_vector_signature_passes_but_its_url_issuer_cannot_be_tied_to_the_key() {
    let document = w3c_vector();
    let clock = now();
    let chain = chain();
    let cases: [(&str, Params<'_>, Expect); 2] = [
        (
            "without chain",
            without_chain(&clock),
            (Revocation, NOT_CONFIGURED, "chain.not_configured"),
        ),
        (
            "with chain",
            with_chain(&clock, &chain),
            (Revocation, CheckOutcome::Pass, "revocation.ok"),
        ),
    ];
    for (name, params, revocation) in cases {
        let report = verify(&document, &params);
        assert_checks(
            name,
            &report,
            &[
                (Format, CheckOutcome::Pass, "format.unknown_type"),
                (Signature, CheckOutcome::Pass, "signature.ok"),
                (IssuerCheck, CheckOutcome::Fail, "issuer.not_did_key"),
                (Validity, CheckOutcome::Pass, "validity.ok"),
                (Anchor, CheckOutcome::Fail, "anchor.missing"),
                revocation,
            ],
        );
        assert_eq!(
            report.verdict,
            Verdict::Invalid,
            "{name}\n{}",
            describe(&report)
        );
        assert!(
            check(&report, Signature)
                .detail
                .contains("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"),
            "{name}: signature detail should name the signing key\n{}",
            describe(&report)
        );
        let summary = report
            .summary
            .as_ref()
            .expect("summary of a readable credential");
        assert_eq!(summary.type_name, "AlumniCredential");
        assert_eq!(
            (
                summary.type_label_zh.as_deref(),
                summary.type_label_en.as_deref()
            ),
            (None, None)
        );
        assert_eq!(summary.issuer_id, "https://vc.example/issuers/5678");
        let fields: Vec<(&str, &str, &str)> = summary
            .fields
            .iter()
            .map(|f| (f.key.as_str(), f.label_en.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("id", "id", "did:example:abcdefgh"),
                ("alumniOf", "alumniOf", "The School of Examples")
            ],
            "{name}: unknown types are shown field by field under their own keys"
        );
    }
}

#[test]
fn validity_window_is_checked_against_the_injected_clock() {
    let chain = chain();
    // (kind, now, outcome, code, detail)
    let cases = [
        (
            Kind::Licence,
            "2026-02-28T23:59:59Z",
            CheckOutcome::Fail,
            "validity.not_yet_valid",
            "valid only from 2026-03-01T00:00:00+00:00",
        ),
        (
            Kind::Licence,
            "2026-03-01T00:00:00Z",
            CheckOutcome::Pass,
            "validity.ok",
            "valid until 2046-02-28T16:00:00+00:00",
        ),
        (
            Kind::Permit,
            "2027-02-28T16:00:00Z",
            CheckOutcome::Pass,
            "validity.ok",
            "valid until 2027-02-28T16:00:00+00:00",
        ),
        (
            Kind::Permit,
            "2027-02-28T16:00:01Z",
            CheckOutcome::Fail,
            "validity.expired",
            "expired at 2027-02-28T16:00:00+00:00",
        ),
        (
            Kind::Permit,
            "2031-01-01T00:00:00Z",
            CheckOutcome::Fail,
            "validity.expired",
            "expired at 2027-02-28T16:00:00+00:00",
        ),
        (
            Kind::Diploma,
            "2025-06-29T23:59:59Z",
            CheckOutcome::Fail,
            "validity.not_yet_valid",
            "valid only from 2025-06-30T00:00:00+00:00",
        ),
        (
            Kind::Diploma,
            "2090-01-01T00:00:00Z",
            CheckOutcome::Pass,
            "validity.ok",
            "no expiry date",
        ),
    ];
    for (kind, at, outcome, code, detail) in cases {
        let clock = FixedClock(t(at));
        let report = verify(credential(kind), &with_chain(&clock, &chain));
        let context = format!("{kind:?} at {at}");
        assert_checks(&context, &report, &[(Validity, outcome, code)]);
        assert_eq!(check(&report, Validity).detail, detail, "{context}");
        let want = if outcome == CheckOutcome::Fail {
            Verdict::Invalid
        } else {
            Verdict::Valid
        };
        assert_eq!(report.verdict, want, "{context}\n{}", describe(&report));
    }
}

/// The diploma at index 5 of the batch of 8, and every node from its leaf to the root.
fn diploma_path(index: usize) -> (Value, Vec<NodeHash>) {
    let batch = Kind::Diploma.batch();
    let document = batch.credentials[index].clone();
    let proof =
        AnchorProof::from_document(document.as_object().expect("object")).expect("anchor proof");
    let nodes = proof
        .inclusion
        .nodes(&batch.leaves[index])
        .expect("well-formed path");
    (document, nodes)
}

#[test]
fn revoking_the_leaf_a_sub_batch_or_the_batch_revokes_the_credential() {
    let batch = Kind::Diploma.batch();
    let (document, nodes) = diploma_path(5);
    assert_eq!(
        nodes.len(),
        4,
        "a batch of 8 has leaf, two interior nodes and root on each path"
    );
    assert_eq!(nodes[0], batch.leaves[5]);
    assert_eq!(nodes[3], batch.root);
    let (_, path_of_0) = diploma_path(0);
    let diploma = Kind::Diploma.did();
    let other = other_issuer().did();
    let revoked_in = "was revoked in block 1300 at 2026-03-03T06:00:00+00:00 (reason: withdrawn)";
    // (case, revoked hash, revoking issuer, expected detail or None for "not revoked")
    let cases: [(&str, NodeHash, DidKey, Option<String>); 9] = [
        (
            "its leaf",
            nodes[0],
            diploma,
            Some(format!("the credential {revoked_in}")),
        ),
        (
            "its pair (leaves 4-5)",
            nodes[1],
            diploma,
            Some(format!("a sub-batch containing it {revoked_in}")),
        ),
        (
            "its half (leaves 4-7)",
            nodes[2],
            diploma,
            Some(format!("a sub-batch containing it {revoked_in}")),
        ),
        (
            "the batch root",
            nodes[3],
            diploma,
            Some(format!("its whole batch {revoked_in}")),
        ),
        ("the sibling leaf 4", batch.leaves[4], diploma, None),
        ("leaf 0's pair (leaves 0-1)", path_of_0[1], diploma, None),
        ("the other half (leaves 0-3)", path_of_0[2], diploma, None),
        ("its leaf, by another issuer", nodes[0], other, None),
        ("the batch root, by another issuer", nodes[3], other, None),
    ];
    let clock = now();
    for (case, hash, by, revoked) in cases {
        let mut chain = chain();
        chain.put_revocation(revocation_record(hash, by));
        let report = verify(&document, &with_chain(&clock, &chain));
        match revoked {
            Some(detail) => {
                assert_checks(
                    case,
                    &report,
                    &[(Revocation, CheckOutcome::Fail, "revocation.revoked")],
                );
                assert_eq!(check(&report, Revocation).detail, detail, "{case}");
                assert_eq!(report.verdict, Verdict::Invalid, "{case}");
            }
            None => {
                assert_checks(
                    case,
                    &report,
                    &[(Revocation, CheckOutcome::Pass, "revocation.ok")],
                );
                assert_eq!(
                    check(&report, Revocation).detail,
                    "not revoked (4 hashes checked)",
                    "{case}"
                );
                assert_eq!(
                    report.verdict,
                    Verdict::Valid,
                    "{case}\n{}",
                    describe(&report)
                );
            }
        }
    }
}

#[test]
fn revoking_a_sub_batch_revokes_exactly_the_credentials_below_it() {
    let batch = Kind::Diploma.batch();
    let (_, nodes) = diploma_path(5);
    let mut chain = chain();
    // nodes[2] is the right half of the batch: leaves 4..8.
    chain.put_revocation(revocation_record(nodes[2], Kind::Diploma.did()));
    let clock = now();
    let params = with_chain(&clock, &chain);
    let got: Vec<(usize, &str)> = batch
        .credentials
        .iter()
        .enumerate()
        .map(|(i, c)| (i, check(&verify(c, &params), Revocation).code))
        .collect();
    let want: Vec<(usize, &str)> = (0..8)
        .map(|i| {
            (
                i,
                if i >= 4 {
                    "revocation.revoked"
                } else {
                    "revocation.ok"
                },
            )
        })
        .collect();
    assert_eq!(got, want);
}

fn with_history(kind: Kind, changes: &[(IssuerStatus, &str)]) -> IssuerRecord {
    let mut record = kind_record(kind);
    record.history.extend(
        changes
            .iter()
            .enumerate()
            .map(|(i, &(status, at))| StatusChange {
                status,
                at: t(at),
                // Blocks in step with times: before the anchoring block or after it.
                block: if t(at) < t(ANCHORED_AT) {
                    500 + i as u64 * 100
                } else {
                    ANCHOR_BLOCK + 100 + i as u64 * 100
                },
            }),
    );
    record
}

#[test]
fn issuer_standing_at_anchoring_time_decides_the_issuer_check() {
    use IssuerStatus::{Active, Retired, Suspended};
    let kind = Kind::Licence;
    let name = kind.registered_issuer_name();
    let mut type_not_allowed = kind_record(kind);
    type_not_allowed.credential_types = vec![Kind::Diploma.type_name().into()];
    let mut registered_late = kind_record(kind);
    registered_late.history[0].at = t("2026-03-05T00:00:00Z");
    registered_late.history[0].block = ANCHOR_BLOCK + 50;
    // (case, record or None for unregistered, outcome, code, detail, verdict)
    type Case = (
        &'static str,
        Option<IssuerRecord>,
        CheckOutcome,
        &'static str,
        String,
        Verdict,
    );
    let cases: Vec<Case> = vec![
        (
            "suspended before anchoring",
            Some(with_history(kind, &[(Suspended, "2026-02-01T00:00:00Z")])),
            CheckOutcome::Fail,
            "issuer.suspended",
            format!("{name} was suspended when the batch was anchored"),
            Verdict::Invalid,
        ),
        (
            "suspended after anchoring",
            Some(with_history(kind, &[(Suspended, "2026-03-05T00:00:00Z")])),
            CheckOutcome::Warn,
            "issuer.suspended_since",
            format!(
                "{name} is registered, but has been suspended since 2026-03-05T00:00:00+00:00; this credential was anchored before that"
            ),
            Verdict::Valid,
        ),
        (
            "suspended, then reinstated before anchoring",
            Some(with_history(kind, &[(Suspended, "2026-02-01T00:00:00Z"), (Active, "2026-02-20T00:00:00Z")])),
            CheckOutcome::Pass,
            "issuer.ok",
            format!("{name} is a registered issuer"),
            Verdict::Valid,
        ),
        (
            "retired before anchoring",
            Some(with_history(kind, &[(Retired, "2026-02-01T00:00:00Z")])),
            CheckOutcome::Fail,
            "issuer.retired",
            format!("{name} had retired when the batch was anchored"),
            Verdict::Invalid,
        ),
        (
            "retired after anchoring",
            Some(with_history(kind, &[(Retired, "2026-03-05T00:00:00Z")])),
            CheckOutcome::Pass,
            "issuer.ok",
            format!("{name} is a registered issuer"),
            Verdict::Valid,
        ),
        (
            "registered only after anchoring",
            Some(registered_late),
            CheckOutcome::Fail,
            "issuer.unregistered",
            format!("{name} was not yet registered when the batch was anchored"),
            Verdict::Invalid,
        ),
        (
            "not registered for this type",
            Some(type_not_allowed),
            CheckOutcome::Fail,
            "issuer.type_not_allowed",
            format!("{name} is not registered to issue BusinessLicenceCredential"),
            Verdict::Invalid,
        ),
        (
            "not registered at all",
            None,
            CheckOutcome::Fail,
            "issuer.unregistered",
            format!("{} is not a registered issuer", kind.did()),
            Verdict::Invalid,
        ),
    ];
    let clock = now();
    for (case, record, outcome, code, detail, verdict) in cases {
        let mut chain = MemoryChainState::new(view_at(BLOCK_TIME));
        chain.put_anchor(anchor_record(kind.batch().root, kind.did()));
        if let Some(record) = record {
            chain.put_issuer(record);
        }
        let report = verify(credential(kind), &with_chain(&clock, &chain));
        assert_checks(
            case,
            &report,
            &[
                (IssuerCheck, outcome, code),
                (Anchor, CheckOutcome::Pass, "anchor.ok"),
                (Revocation, CheckOutcome::Pass, "revocation.ok"),
            ],
        );
        assert_eq!(check(&report, IssuerCheck).detail, detail, "{case}");
        assert_eq!(report.verdict, verdict, "{case}\n{}", describe(&report));
        let warned = report
            .warnings
            .iter()
            .any(|w| w.code == "issuer.suspended_since");
        assert_eq!(
            warned,
            outcome == CheckOutcome::Warn,
            "{case}: a Warn check is repeated in the warnings\n{}",
            describe(&report)
        );
    }
}

#[test]
fn anchor_check_covers_missing_foreign_and_not_yet_known_roots() {
    let kind = Kind::Licence;
    let issuer = kind.issuer();
    let drafts = kind.drafts();
    let clock = now();
    let genuine = credential(kind).clone();
    let on_mainnet = issue_at(&issuer, &drafts, CREATED, Some(registry(MAINNET_REGISTRY)));
    let unanchored = issue_at(&issuer, &drafts, CREATED, None);
    let just_before_view = issue_at(
        &issuer,
        &drafts,
        "2026-03-09T23:59:59Z",
        Some(registry(REGISTRY)),
    );
    let at_view = issue_at(&issuer, &drafts, BLOCK_TIME, Some(registry(REGISTRY)));
    let after_view = issue_at(
        &issuer,
        &drafts,
        "2026-03-10T01:00:00Z",
        Some(registry(REGISTRY)),
    );

    let mut not_anchored = MemoryChainState::new(view_at(BLOCK_TIME));
    not_anchored.put_issuer(kind_record(kind));
    let mut by_other = not_anchored.clone();
    by_other.put_anchor(anchor_record(kind.batch().root, other_issuer().did()));
    let mut mainnet_root_anchored_here = chain();
    mainnet_root_anchored_here.put_anchor(anchor_record(on_mainnet.root, kind.did()));
    let full = chain();

    let root = kind.batch().root;
    // (case, credential, chain, outcome, code, detail prefix, verdict)
    let cases: Vec<(&str, &Value, &MemoryChainState, CheckOutcome, &str, String, Verdict)> = vec![
        (
            "root not anchored",
            &genuine,
            &not_anchored,
            CheckOutcome::Fail,
            "anchor.not_found",
            format!("batch root {root} is not anchored on the registry (as of block 1500)"),
            Verdict::Invalid,
        ),
        (
            "root anchored by another issuer",
            &genuine,
            &by_other,
            CheckOutcome::Fail,
            "anchor.other_issuer",
            format!("batch root {root} was anchored by another issuer ({})", other_issuer().did()),
            Verdict::Invalid,
        ),
        (
            "anchored on another chain",
            &on_mainnet.credentials[0],
            &mainnet_root_anchored_here,
            COULD_NOT_CHECK,
            "anchor.unknown_registry",
            format!("anchored on {MAINNET_REGISTRY}, but this hall follows {REGISTRY}"),
            Verdict::Unverifiable,
        ),
        (
            "no anchoring proof",
            &unanchored.credentials[0],
            &full,
            CheckOutcome::Fail,
            "anchor.missing",
            "the credential carries no anchoring proof: it was never anchored on the registry".into(),
            Verdict::Invalid,
        ),
        (
            "signed a second before the chain view, root unknown",
            &just_before_view.credentials[0],
            &full,
            CheckOutcome::Fail,
            "anchor.not_found",
            format!("batch root {} is not anchored", just_before_view.root),
            Verdict::Invalid,
        ),
        (
            "signed at the chain view's block time, root unknown",
            &at_view.credentials[0],
            &full,
            COULD_NOT_CHECK,
            "anchor.not_yet_known",
            format!("batch root {} is not in the chain state as of block 1500; the credential is newer than that state", at_view.root),
            Verdict::Unverifiable,
        ),
        (
            "signed after the chain view, root unknown",
            &after_view.credentials[0],
            &full,
            COULD_NOT_CHECK,
            "anchor.not_yet_known",
            format!("batch root {} is not in the chain state as of block 1500; the credential is newer than that state", after_view.root),
            Verdict::Unverifiable,
        ),
    ];
    for (case, document, chain, outcome, code, detail, verdict) in cases {
        let report = verify(document, &with_chain(&clock, chain));
        assert_checks(
            case,
            &report,
            &[
                (Format, CheckOutcome::Pass, "format.ok"),
                (Signature, CheckOutcome::Pass, "signature.ok"),
                (Anchor, outcome, code),
            ],
        );
        let got = &check(&report, Anchor).detail;
        assert!(
            got.starts_with(&detail),
            "{case}: anchor detail\n  got  {got}\n  want {detail}…"
        );
        assert_eq!(report.verdict, verdict, "{case}\n{}", describe(&report));
    }
}

#[test]
fn a_state_its_source_calls_stale_is_stale_however_recently_checked() {
    // The nodes agreed on a head older than the hall allows (their chain stopped), or the
    // mirror has not caught up since a rollback: checked "now", yet not fresh.
    let mut chain = chain();
    let mut view = chain.view().expect("view");
    view.checked_at = t(NOW);
    view.stale = Some(
        "the chain's newest agreed block 1500 is older than the 10 minutes the hall allows".into(),
    );
    chain.set_view(view);
    let clock = FixedClock(t(NOW));
    let closed = VerificationPolicy {
        fail_closed_when_stale: true,
        ..VerificationPolicy::default()
    };
    for (policy, verdict) in [
        (VerificationPolicy::default(), Verdict::Valid),
        (closed, Verdict::Unverifiable),
    ] {
        let params = Params {
            clock: &clock,
            chain: Some(&chain),
            policy,
        };
        let report = verify(credential(Kind::Diploma), &params);
        let warning = report.warnings.iter().find(|w| w.code == "chain.stale");
        assert!(
            warning.is_some_and(|w| w.detail.contains("older than the 10 minutes")),
            "{}",
            describe(&report)
        );
        assert_eq!(report.verdict, verdict, "{}", describe(&report));
    }
}

#[test]
fn stale_chain_state_warns_and_fail_closed_policy_makes_it_unverifiable() {
    let chain = chain();
    let document = credential(Kind::Diploma);
    let expired = credential(Kind::Permit);
    let fresh = VerificationPolicy::default();
    let closed = VerificationPolicy {
        fail_closed_when_stale: true,
        ..VerificationPolicy::default()
    };
    // (case, credential, now, policy, stale warning, verdict)
    let cases = [
        (
            "fresh, 2 h old",
            document,
            NOW,
            fresh,
            false,
            Verdict::Valid,
        ),
        (
            "exactly 24 h old",
            document,
            "2026-03-11T00:00:00Z",
            fresh,
            false,
            Verdict::Valid,
        ),
        (
            "25 h old",
            document,
            "2026-03-11T01:00:00Z",
            fresh,
            true,
            Verdict::Valid,
        ),
        (
            "fresh, fail-closed",
            document,
            NOW,
            closed,
            false,
            Verdict::Valid,
        ),
        (
            "25 h old, fail-closed",
            document,
            "2026-03-11T01:00:00Z",
            closed,
            true,
            Verdict::Unverifiable,
        ),
        (
            "expired and stale, fail-closed",
            expired,
            "2027-06-01T00:00:00Z",
            closed,
            true,
            Verdict::Invalid,
        ),
        // A state "confirmed" an hour after now (a block stamped ahead, a clock stepped back)
        // is not fresh until then.
        (
            "checked an hour in the future",
            document,
            "2026-03-09T23:00:00Z",
            fresh,
            true,
            Verdict::Valid,
        ),
        (
            "checked an hour in the future, fail-closed",
            document,
            "2026-03-09T23:00:00Z",
            closed,
            true,
            Verdict::Unverifiable,
        ),
        (
            "checked a minute in the future: clock skew",
            document,
            "2026-03-09T23:59:00Z",
            closed,
            false,
            Verdict::Valid,
        ),
    ];
    for (case, document, at, policy, stale, verdict) in cases {
        let clock = FixedClock(t(at));
        let params = Params {
            clock: &clock,
            chain: Some(&chain),
            policy,
        };
        let report = verify(document, &params);
        let warning = report.warnings.iter().find(|w| w.code == "chain.stale");
        assert_eq!(
            warning.is_some(),
            stale,
            "{case}: chain.stale warning\n{}",
            describe(&report)
        );
        assert_eq!(report.verdict, verdict, "{case}\n{}", describe(&report));
        if case == "25 h old" {
            let detail = &warning.expect("warning").detail;
            assert_eq!(
                detail,
                "chain state is from block 1500 at 2026-03-10T00:00:00+00:00, last confirmed with the chain 25 hours ago (policy: 24 hours)",
                "{case}"
            );
            let chain_checks =
                [IssuerCheck, Anchor, Revocation].map(|id| check(&report, id).outcome);
            assert_eq!(
                chain_checks,
                [CheckOutcome::Pass; 3],
                "{case}: staleness is a warning, the checks still pass"
            );
        }
    }
}

/// A registry whose chosen lookups fail, as a node that went away or a mirror that cannot be
/// read would.
struct FlakyChain {
    inner: MemoryChainState,
    down: &'static [&'static str],
    error: ChainError,
}

impl FlakyChain {
    fn gate(&self, method: &str) -> Result<(), ChainError> {
        if self.down.contains(&method) {
            Err(self.error.clone())
        } else {
            Ok(())
        }
    }
}

impl ChainState for FlakyChain {
    fn view(&self) -> Result<ChainView, ChainError> {
        self.gate("view")?;
        self.inner.view()
    }
    fn issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, ChainError> {
        self.gate("issuer")?;
        self.inner.issuer(did)
    }
    fn anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ChainError> {
        self.gate("anchor")?;
        self.inner.anchor(root)
    }
    fn revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, ChainError> {
        self.gate("revocation")?;
        self.inner.revocation(issuer, hash)
    }
}

#[test]
fn an_unreachable_chain_makes_a_good_credential_unverifiable_never_invalid() {
    let errors = [
        ChainError::Unavailable("connection refused (http://127.0.0.1:8545)".into()),
        ChainError::Inconsistent("block 1500 has no parent".into()),
    ];
    let skipped = (COULD_NOT_CHECK, "chain.unavailable");
    let pass = |code: &'static str| (CheckOutcome::Pass, code);
    // (methods that fail, expected issuer / anchor / revocation)
    type Case = (&'static [&'static str], [(CheckOutcome, &'static str); 3]);
    let cases: [Case; 6] = [
        (&["view"], [skipped, skipped, skipped]),
        (
            &["issuer"],
            [skipped, pass("anchor.ok"), pass("revocation.ok")],
        ),
        (
            &["anchor"],
            [pass("issuer.ok"), skipped, pass("revocation.ok")],
        ),
        (
            &["revocation"],
            [pass("issuer.ok"), pass("anchor.ok"), skipped],
        ),
        (
            &["issuer", "anchor", "revocation"],
            [skipped, skipped, skipped],
        ),
        (
            &["view", "issuer", "anchor", "revocation"],
            [skipped, skipped, skipped],
        ),
    ];
    let clock = now();
    for error in &errors {
        for (down, [issuer, anchor, revocation]) in cases {
            let chain = FlakyChain {
                inner: chain(),
                down,
                error: error.clone(),
            };
            for kind in Kind::ALL {
                let report = verify(credential(kind), &with_chain(&clock, &chain));
                let case = format!("{kind:?}, {down:?} failing with {error}");
                assert_checks(
                    &case,
                    &report,
                    &[
                        (Format, CheckOutcome::Pass, "format.ok"),
                        (Signature, CheckOutcome::Pass, "signature.ok"),
                        (IssuerCheck, issuer.0, issuer.1),
                        (Validity, CheckOutcome::Pass, "validity.ok"),
                        (Anchor, anchor.0, anchor.1),
                        (Revocation, revocation.0, revocation.1),
                    ],
                );
                assert_eq!(
                    report.verdict,
                    Verdict::Unverifiable,
                    "{case}\n{}",
                    describe(&report)
                );
                for id in [IssuerCheck, Anchor, Revocation] {
                    let c = check(&report, id);
                    if c.code == "chain.unavailable" {
                        assert!(
                            c.detail.contains(&error.to_string()),
                            "{case}: {id} should say why the chain could not be asked: {:?}",
                            c.detail
                        );
                    }
                }
                assert_eq!(
                    report.chain.is_some(),
                    !down.contains(&"view"),
                    "{case}: chain view in the report"
                );
            }
        }
    }
}

#[test]
fn an_unreachable_chain_does_not_hide_a_failure_found_locally() {
    let chain = FlakyChain {
        inner: chain(),
        down: &["view"],
        error: ChainError::Unavailable("timeout".into()),
    };
    let mut forged = credential(Kind::Licence).clone();
    forged["credentialSubject"]["registeredCapital"] = "5000万元人民币".into();
    let clock = now();
    let report = verify(&forged, &with_chain(&clock, &chain));
    assert_checks(
        "forged, chain down",
        &report,
        &[(Signature, CheckOutcome::Fail, "signature.mismatch")],
    );
    assert_eq!(report.verdict, Verdict::Invalid, "{}", describe(&report));

    let late = FixedClock(t("2027-06-01T00:00:00Z"));
    let report = verify(credential(Kind::Permit), &with_chain(&late, &chain));
    assert_checks(
        "expired, chain down",
        &report,
        &[(Validity, CheckOutcome::Fail, "validity.expired")],
    );
    assert_eq!(report.verdict, Verdict::Invalid, "{}", describe(&report));
}

#[test]
fn cs1_payload_text_gives_the_same_report_as_the_json() {
    let clock = now();
    let chain = chain();
    let params = with_chain(&clock, &chain);
    for kind in Kind::ALL {
        for document in &kind.batch().credentials {
            let json = to_bytes(document);
            let direct = verify_json(&json, &params);
            assert_eq!(
                direct.verdict,
                Verdict::Valid,
                "{kind:?}\n{}",
                describe(&direct)
            );
            let payload = countersign_payload::encode(&json);
            // As pasted, as a keyboard-wedge scanner types it (Enter), and as a JSON file read.
            let inputs = [
                ("CS1 text", verify_text(&payload, &params)),
                (
                    "CS1 text + CRLF",
                    verify_text(&format!("{payload}\r\n"), &params),
                ),
                ("CS1 file", verify_bytes(payload.as_bytes(), &params)),
                (
                    "JSON text",
                    verify_text(
                        &format!("\n  {}\n", String::from_utf8_lossy(&json)),
                        &params,
                    ),
                ),
                ("JSON file", verify_bytes(&json, &params)),
            ];
            for (how, report) in inputs {
                assert_eq!(
                    report,
                    direct,
                    "{kind:?} via {how}:\n{}\nvs JSON:\n{}",
                    describe(&report),
                    describe(&direct)
                );
            }
        }
    }
}

#[test]
fn a_png_qr_code_gives_the_same_report_as_the_json() {
    let clock = now();
    let chain = chain();
    let params = with_chain(&clock, &chain);
    for kind in Kind::ALL {
        let json = to_bytes(credential(kind));
        let payload = countersign_payload::encode(&json);
        let png = countersign_qr::render_png(&payload, countersign_qr::EcLevel::M, 4, true)
            .unwrap_or_else(|e| {
                panic!("{kind:?}: cannot render {} chars as QR: {e}", payload.len())
            });
        let direct = verify_json(&json, &params);
        for (how, report) in [
            ("verify_bytes", verify_bytes(&png, &params)),
            ("verify_image", verify_image(&png, &params)),
        ] {
            assert_eq!(
                report,
                direct,
                "{kind:?} PNG via {how}:\n{}",
                describe(&report)
            );
        }
    }
}

#[test]
fn json_report_has_the_documented_fields() {
    let clock = now();
    let chain = chain();
    let kind = Kind::Permit;
    let batch = kind.batch();
    let report = verify(&batch.credentials[1], &with_chain(&clock, &chain));
    let json = report_to_json(&report);
    let fields: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "verdict",
            "checkedAt",
            "checks",
            "failing",
            "warnings",
            "leafHash",
            "credential",
            "chainState"
        ],
        "top-level members"
    );
    assert_eq!(json["verdict"], "VALID");
    assert_eq!(json["checkedAt"], "2026-03-10T02:00:00+00:00");
    let checks = json["checks"].as_array().expect("checks array");
    let rows: Vec<(String, String, String)> = checks
        .iter()
        .map(|c| {
            assert!(
                c["detail"].as_str().is_some_and(|d| !d.is_empty()),
                "check without detail: {c}"
            );
            assert!(
                c.get("skipReason").is_none(),
                "skipReason on a check that was not skipped: {c}"
            );
            (
                c["id"].to_string(),
                c["status"].to_string(),
                c["code"].to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = ALL_PASS
        .iter()
        .map(|(id, _, code)| {
            (
                format!("\"{id}\""),
                "\"pass\"".to_owned(),
                format!("\"{code}\""),
            )
        })
        .collect();
    assert_eq!(rows, want, "checks");
    assert_eq!(json["failing"], serde_json::json!([]));
    assert_eq!(json["warnings"], serde_json::json!([]));
    assert_eq!(json["leafHash"], batch.leaves[1].to_hex());
    let c = &json["credential"];
    assert_eq!(c["type"], "ResidencePermitCredential");
    assert_eq!(
        c["typeLabel"],
        serde_json::json!({"zh": "居住证", "en": "Residence permit"})
    );
    assert_eq!(
        c["issuer"],
        serde_json::json!({"id": kind.did().to_string(), "name": "上海市公安局浦东分局", "registered": true})
    );
    assert_eq!(c["id"], batch.credentials[1]["id"]);
    assert_eq!(c["validFrom"], "2026-03-01T00:00:00+00:00");
    assert_eq!(c["validUntil"], "2027-02-28T16:00:00+00:00");
    assert_eq!(
        c["fields"][2],
        serde_json::json!({
            "key": "idNumber",
            "label": {"zh": "公民身份号码", "en": "ID number"},
            "value": batch.credentials[1]["credentialSubject"]["idNumber"],
            "sensitive": true,
        })
    );
    assert_eq!(c["fields"].as_array().map(Vec::len), Some(6));
    assert_eq!(
        json["chainState"],
        serde_json::json!({"registry": REGISTRY, "block": 1500, "blockTime": "2026-03-10T00:00:00+00:00", "checkedAt": "2026-03-10T00:00:00+00:00", "source": {"kind": "memory"}})
    );
}

#[test]
fn json_report_of_failing_skipped_and_unreadable_input() {
    let clock = FixedClock(t("2026-03-11T01:00:00Z"));
    let mut chain = chain();
    let (document, nodes) = diploma_path(2);
    chain.put_revocation(revocation_record(nodes[0], Kind::Diploma.did()));
    let json = report_to_json(&verify(&document, &with_chain(&clock, &chain)));
    assert_eq!(json["verdict"], "INVALID");
    assert_eq!(json["failing"], serde_json::json!(["revocation"]));
    assert_eq!(json["warnings"][0]["code"], "chain.stale", "{json:#}");
    assert!(
        json["warnings"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("25 hours ago")),
        "{json:#}"
    );

    let json = report_to_json(&verify(&document, &without_chain(&clock)));
    assert_eq!(json["verdict"], "UNVERIFIABLE");
    assert_eq!(json["chainState"], Value::Null);
    let skip: Vec<(&str, &str)> = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "skipped")
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("?"),
                c["skipReason"].as_str().unwrap_or("<none>"),
            )
        })
        .collect();
    assert_eq!(
        skip,
        [
            ("issuer", "not_configured"),
            ("anchor", "not_configured"),
            ("revocation", "not_configured")
        ]
    );

    let json = report_to_json(&verify_text(
        "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH",
        &without_chain(&clock),
    ));
    assert_eq!(json["verdict"], "UNVERIFIABLE", "{json:#}");
    assert_eq!(
        json["checks"][0]["code"], "format.not_countersign",
        "{json:#}"
    );
    assert_eq!(
        json["checks"][0]["skipReason"], "could_not_check",
        "{json:#}"
    );
    for c in &json["checks"].as_array().expect("checks")[1..] {
        assert_eq!(
            (&c["status"], &c["skipReason"]),
            (&Value::from("skipped"), &Value::from("after_failure")),
            "{c}"
        );
    }
    for member in ["leafHash", "credential", "chainState"] {
        assert_eq!(json[member], Value::Null, "{member} of an unreadable input");
    }
}

/// `anchor.not_yet_known` gives a credential signed after the chain view the benefit of the
/// doubt. A proof `created` after the verification time itself cannot be genuine, yet it gets
/// the same amber verdict, and keeps it until the chain catches up with that date: a key
/// thief who writes created = 2099 gets UNVERIFIABLE for decades instead of INVALID.
#[test]
fn a_proof_created_after_the_verification_time_gets_no_benefit_of_the_doubt() {
    let kind = Kind::Licence;
    let future = issue_at(
        &kind.issuer(),
        &kind.drafts()[..1],
        "2099-01-01T00:00:00Z",
        Some(registry(REGISTRY)),
    );
    let clock = now();
    let chain = chain();
    let report = verify(&future.credentials[0], &with_chain(&clock, &chain));
    assert_eq!(
        check(&report, Anchor).outcome,
        CheckOutcome::Fail,
        "{}",
        describe(&report)
    );
    assert_eq!(report.verdict, Verdict::Invalid, "{}", describe(&report));
}
