//! The tamper matrix: every JSON path of a genuine credential changed, removed and given a
//! neighbour, every character and every signature bit of its proof value changed; then the
//! targeted forgeries (another key, another cryptosuite or purpose, malformed proof values)
//! and hostile inputs (truncated payloads, non-UTF-8, duplicate keys, deep nesting, huge
//! numbers, a deflate bomb). No variant may come out VALID, and each says why.

mod common;

use common::*;
use countersign_credential::eddsa_jcs::create_proof;
use countersign_credential::issue::unsigned_document;
use countersign_credential::multibase::{decode_base58btc, encode_base58btc, encode_base64url};
use countersign_credential::ANCHOR_PROOF_TYPE;
use countersign_verify::{
    verify_bytes, verify_json, verify_text, CheckId, CheckOutcome, Params, Report, SkipReason,
};
use countersign_vocab::Verdict;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use CheckId::{Anchor, Format, Issuer as IssuerCheck, Revocation, Signature};

const COULD_NOT_CHECK: CheckOutcome = CheckOutcome::Skipped(SkipReason::CouldNotCheck);
const AFTER_FAILURE: CheckOutcome = CheckOutcome::Skipped(SkipReason::AfterFailure);

fn verify(document: &Value, params: &Params<'_>) -> Report {
    verify_json(&to_bytes(document), params)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

fn pointer(path: &[Step]) -> String {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{k}"),
            Step::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// Every path below `value`, parents before children.
fn all_paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    let children: Vec<(Step, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Step::Index(i), v))
            .collect(),
        _ => Vec::new(),
    };
    for (step, child) in children {
        prefix.push(step);
        out.push(prefix.clone());
        all_paths(child, prefix, out);
        prefix.pop();
    }
}

fn get_mut<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => v
            .get_mut(k.as_str())
            .unwrap_or_else(|| panic!("no member {k}")),
        Step::Index(i) => v.get_mut(*i).unwrap_or_else(|| panic!("no element {i}")),
    })
}

/// One character changed: the middle one, to a neighbour of the same kind.
fn alter_string(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return "x".into();
    }
    let i = chars.len() / 2;
    chars[i] = match chars[i] {
        '9' => '0',
        'z' => 'a',
        'Z' => 'A',
        c if c.is_ascii_alphanumeric() => char::from(c as u8 + 1),
        '中' => '国',
        _ => '中',
    };
    chars.into_iter().collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Strings: one character; numbers: +1; booleans: negated; null: false; containers: emptied.
    Alter,
    /// Replaced by null (or 0 if it was null).
    Retype,
    /// Removed from its object or array.
    Remove,
    /// A new member (`"tamper": "x"`) beside it in its object, or a new element after it.
    AddNeighbour,
}

const CHANGES: [Change; 4] = [
    Change::Alter,
    Change::Retype,
    Change::Remove,
    Change::AddNeighbour,
];

fn apply(document: &Value, path: &[Step], change: Change) -> Value {
    let mut doc = document.clone();
    let (last, parent_path) = path.split_last().expect("non-empty path");
    match change {
        Change::Alter => {
            let target = get_mut(&mut doc, path);
            *target = match &*target {
                Value::String(s) => Value::String(alter_string(s)),
                Value::Number(n) => match n.as_u64() {
                    Some(u) => json!(u + 1),
                    None => json!(n.as_f64().unwrap_or(0.0) + 1.0),
                },
                Value::Bool(b) => Value::Bool(!b),
                Value::Null => Value::Bool(false),
                Value::Object(_) => json!({}),
                Value::Array(_) => json!([]),
            };
        }
        Change::Retype => {
            let target = get_mut(&mut doc, path);
            *target = if target.is_null() {
                json!(0)
            } else {
                Value::Null
            };
        }
        Change::Remove => match (get_mut(&mut doc, parent_path), last) {
            (Value::Object(map), Step::Key(k)) => {
                map.shift_remove(k.as_str());
            }
            (Value::Array(items), Step::Index(i)) => {
                items.remove(*i);
            }
            _ => unreachable!("path and parent disagree"),
        },
        Change::AddNeighbour => match (get_mut(&mut doc, parent_path), last) {
            (Value::Object(map), Step::Key(_)) => {
                map.insert("tamper".into(), "x".into());
            }
            (Value::Array(items), Step::Index(i)) => items.insert(i + 1, "tamper".into()),
            _ => unreachable!("path and parent disagree"),
        },
    }
    doc
}

/// Which proof of the proof set a path is inside, if any, and whether it is the anchor proof.
fn proof_entry(document: &Value, path: &[Step]) -> Option<(usize, bool)> {
    match path {
        [Step::Key(p), Step::Index(i), ..] if p == "proof" => {
            let is_anchor = document["proof"][*i]["type"] == ANCHOR_PROOF_TYPE;
            Some((*i, is_anchor))
        }
        _ => None,
    }
}

/// Variants that are inert by design: they touch nothing that is signed, nothing the anchor
/// check reads, and not the credential's leaf.
///
/// - A new element in the proof set (`/proof/N` + neighbour): in a proof set every proof signs
///   the document without `proof`, and the pipeline reads only the eddsa-jcs-2022 proof and the
///   CountersignAnchor2026 proof from it, ignoring other entries.
///   The report says so with the warning `proof.unchecked`.
///
/// (A new member in the anchor proof object is not inert: the anchor proof reader refuses
/// members it does not define, so the anchor check fails.)
fn inert_by_design(document: &Value, path: &[Step], change: Change) -> bool {
    change == Change::AddNeighbour && path.len() == 2 && proof_entry(document, path).is_some()
}

struct Tally {
    checked: usize,
    caught_by_signature_alone: usize,
    anchor_only: usize,
    inert: Vec<String>,
    problems: Vec<String>,
}

impl Tally {
    fn problem(&mut self, what: String, report: &Report) {
        self.problems.push(format!("{what}\n{}", describe(report)));
    }
}

/// A change to signed content: `signature` fails (whatever `format` says) and nothing is VALID.
fn expect_signature_failure(tally: &mut Tally, what: String, report: &Report) {
    tally.checked += 1;
    let sig = check(report, Signature);
    if sig.outcome != CheckOutcome::Fail || !sig.code.starts_with("signature.") {
        tally.problem(format!("{what}: signature did not fail"), report);
    } else if report.verdict != Verdict::Invalid {
        tally.problem(format!("{what}: verdict not INVALID"), report);
    } else if check(report, Format).outcome == CheckOutcome::Pass {
        tally.caught_by_signature_alone += 1;
    }
    for id in [IssuerCheck, Anchor, Revocation] {
        if check(report, id).outcome != AFTER_FAILURE && sig.outcome == CheckOutcome::Fail {
            tally.problem(
                format!("{what}: {id} ran on an unverified credential"),
                report,
            );
        }
    }
}

fn run_matrix(kind: Kind, tally: &mut Tally) {
    let clock = now();
    let chain = chain();
    let params = with_chain(&clock, &chain);
    let document = credential(kind);
    let baseline = verify(document, &params);
    assert_checks(&format!("{kind:?} baseline"), &baseline, &ALL_PASS);

    let mut paths = Vec::new();
    all_paths(document, &mut Vec::new(), &mut paths);
    let eddsa_index = (0..2)
        .find(|&i| document["proof"][i]["type"] == "DataIntegrityProof")
        .expect("an eddsa proof in the proof set");
    let proof_value_path = vec![
        Step::Key("proof".into()),
        Step::Index(eddsa_index),
        Step::Key("proofValue".into()),
    ];

    for path in paths.iter().filter(|p| **p != proof_value_path) {
        for change in CHANGES {
            let variant = apply(document, path, change);
            let what = format!("{kind:?} {} {change:?}", pointer(path));
            let report = verify(&variant, &params);
            if inert_by_design(document, path, change) {
                tally.checked += 1;
                let sig = check(&report, Signature);
                let warned = report.warnings.iter().any(|w| w.code == "proof.unchecked");
                if sig.outcome != CheckOutcome::Pass || report.leaf != baseline.leaf || !warned {
                    tally.problem(
                        format!("{what}: expected inert (signature pass, same leaf, warning proof.unchecked)"),
                        &report,
                    );
                }
                tally
                    .inert
                    .push(format!("{what} -> {}", report.verdict.as_str()));
                continue;
            }
            // The eddsa proof's `@context` removed: the proof configuration then takes the
            // document's `@context`, the same list (spec 3.3.5), so the signature still
            // verifies by design; the credential's leaf changed, so the anchor must fail.
            let proof_context_removed = change == Change::Remove
                && *path
                    == [
                        Step::Key("proof".into()),
                        Step::Index(eddsa_index),
                        Step::Key("@context".into()),
                    ];
            let anchor_only =
                proof_context_removed || matches!(proof_entry(document, path), Some((_, true)));
            if anchor_only {
                // Inside the anchor proof (or the proof-set entry itself), or the eddsa
                // proof's @context removed: the signature still verifies by design, and
                // the anchor must fail or be uncheckable.
                tally.checked += 1;
                tally.anchor_only += 1;
                let anchor = check(&report, Anchor);
                if check(&report, Signature).outcome != CheckOutcome::Pass {
                    tally.problem(
                        format!("{what}: the anchor proof is not signed; signature should pass"),
                        &report,
                    );
                } else if !matches!(anchor.outcome, CheckOutcome::Fail | COULD_NOT_CHECK) {
                    tally.problem(
                        format!("{what}: anchor neither failed nor was uncheckable"),
                        &report,
                    );
                } else if report.verdict == Verdict::Valid {
                    tally.problem(format!("{what}: VALID"), &report);
                }
            } else {
                expect_signature_failure(tally, what, &report);
            }
        }
    }

    // The eddsa proofValue: every character changed, then every signature bit flipped, then
    // removed or retyped.
    let proof_value = document["proof"][eddsa_index]["proofValue"]
        .as_str()
        .expect("proofValue")
        .to_owned();
    let signature = decode_base58btc(&proof_value).expect("base58btc proof value");
    let with_value = |value: Value, what: String, tally: &mut Tally| {
        let mut variant = document.clone();
        variant["proof"][eddsa_index]["proofValue"] = value;
        expect_signature_failure(tally, what, &verify(&variant, &params));
    };
    let chars: Vec<char> = proof_value.chars().collect();
    for i in 0..chars.len() {
        let mut changed = chars.clone();
        changed[i] = if chars[i] == '2' { '3' } else { '2' };
        let text: String = changed.into_iter().collect();
        with_value(text.into(), format!("{kind:?} proofValue char {i}"), tally);
    }
    for bit in 0..signature.len() * 8 {
        let mut flipped = signature.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        with_value(
            encode_base58btc(&flipped).into(),
            format!("{kind:?} signature bit {bit}"),
            tally,
        );
    }
    with_value(Value::Null, format!("{kind:?} proofValue null"), tally);
    let mut removed = document.clone();
    removed["proof"][eddsa_index]
        .as_object_mut()
        .expect("proof object")
        .shift_remove("proofValue");
    expect_signature_failure(
        tally,
        format!("{kind:?} proofValue removed"),
        &verify(&removed, &params),
    );
}

#[test]
fn no_change_to_a_genuine_credential_verifies() {
    let mut tally = Tally {
        checked: 0,
        caught_by_signature_alone: 0,
        anchor_only: 0,
        inert: Vec::new(),
        problems: Vec::new(),
    };
    for kind in Kind::ALL {
        run_matrix(kind, &mut tally);
    }
    println!(
        "tamper matrix: {} variants checked; {} caught by the signature although the format was fine; \
         {} inside the anchor proof (anchor fails or is uncheckable); {} inert by design:\n  {}",
        tally.checked,
        tally.caught_by_signature_alone,
        tally.anchor_only,
        tally.inert.len(),
        tally.inert.join("\n  ")
    );
    assert!(
        tally.problems.is_empty(),
        "{} of {} variants misjudged:\n\n{}",
        tally.problems.len(),
        tally.checked,
        tally.problems.join("\n\n")
    );
    // A new proof-set element beside each of the two proofs, per credential.
    assert_eq!(
        tally.inert.len(),
        3 * 2,
        "inert variants:\n{}",
        tally.inert.join("\n")
    );
    assert!(
        tally.checked > 2_000,
        "only {} variants checked",
        tally.checked
    );
}

/// Re-signed with another department's key, keeping `issuer.id`: the signature verifies (it is
/// a real signature), but by a key that is not the issuer's.
#[test]
fn a_signature_by_a_key_other_than_the_issuers_is_refused() {
    let kind = Kind::Licence;
    let draft = &kind.drafts()[0];
    let unsigned = unsigned_document(&kind.issuer(), draft);
    let clock = now();
    let chain = chain();
    for (name, key) in [
        (
            "a registered department's key",
            SigningKey::from_bytes(&[9; 32]),
        ),
        ("an unregistered key", SigningKey::from_bytes(&[7; 32])),
    ] {
        let proof = create_proof(&unsigned, &key.clone().into(), CREATED).expect("signing");
        let mut doc = unsigned.clone();
        doc.insert(
            "proof".into(),
            Value::Array(vec![
                Value::Object(proof),
                credential(kind)["proof"][1].clone(),
            ]),
        );
        let report = verify(&Value::Object(doc), &with_chain(&clock, &chain));
        assert_checks(
            name,
            &report,
            &[
                (Format, CheckOutcome::Pass, "format.ok"),
                (Signature, CheckOutcome::Pass, "signature.ok"),
                (IssuerCheck, CheckOutcome::Fail, "issuer.key_mismatch"),
                // The re-signed credential's leaf is not in the anchored batch.
                (Anchor, CheckOutcome::Fail, "anchor.not_found"),
            ],
        );
        let signer = countersign_credential::DidKey::from_verifying_key(key.verifying_key());
        assert_eq!(
            check(&report, IssuerCheck).detail,
            format!("signed by {signer}, which is not the issuer {}", kind.did()),
            "{name}"
        );
        assert_eq!(report.verdict, Verdict::Invalid, "{name}");
    }
}

/// The honest counterpart: another registered department issuing under its own did:key but
/// claiming a different name is VALID, and the report shows the registry's name for it.
#[test]
fn a_registered_issuer_claiming_another_name_is_shown_under_its_registered_name() {
    let other = other_issuer();
    let impostor =
        countersign_credential::Issuer::new(SigningKey::from_bytes(&[9; 32]), "朝阳区市场监管局");
    let batch = issue(&impostor, &Kind::Licence.drafts());
    let mut chain = chain();
    chain.put_anchor(anchor_record(batch.root, other.did()));
    let clock = now();
    let report = verify(&batch.credentials[0], &with_chain(&clock, &chain));
    assert_checks("other department", &report, &ALL_PASS);
    let summary = report.summary.as_ref().expect("summary");
    assert_eq!(
        (
            summary.issuer_name.as_deref(),
            summary.issuer_name_registered
        ),
        (Some("北京市海淀区市场监督管理局"), true),
        "the claimed name 朝阳区市场监管局 must not be shown"
    );
}

#[test]
fn proof_options_that_are_not_an_eddsa_assertion_are_refused_with_a_specific_code() {
    let kind = Kind::Diploma;
    let document = credential(kind);
    let other_vm = other_issuer().did().verification_method();
    let signature = decode_base58btc(
        document["proof"][0]["proofValue"]
            .as_str()
            .expect("proofValue"),
    )
    .expect("base58btc");
    let vm = document["proof"][0]["verificationMethod"]
        .as_str()
        .expect("vm")
        .to_owned();
    let (did, fragment) = vm.split_once('#').expect("did#fragment");
    let mut other_fragment = alter_string(fragment);
    if other_fragment == fragment {
        other_fragment.push('x');
    }
    // (case, member of the eddsa proof, new value or None to remove it, expected code, detail part)
    let cases: Vec<(&str, &str, Option<Value>, &str, &str)> = vec![
        (
            "rdfc cryptosuite",
            "cryptosuite",
            Some("eddsa-rdfc-2022".into()),
            "signature.cryptosuite",
            "eddsa-rdfc-2022",
        ),
        (
            "ecdsa cryptosuite",
            "cryptosuite",
            Some("ecdsa-jcs-2019".into()),
            "signature.cryptosuite",
            "ecdsa-jcs-2019",
        ),
        (
            "no cryptosuite",
            "cryptosuite",
            None,
            "signature.cryptosuite",
            "unsupported cryptosuite",
        ),
        (
            "legacy proof type",
            "type",
            Some("Ed25519Signature2020".into()),
            "signature.missing",
            "no Data Integrity proof",
        ),
        (
            "authentication purpose",
            "proofPurpose",
            Some("authentication".into()),
            "signature.purpose",
            "authentication",
        ),
        (
            "capabilityInvocation purpose",
            "proofPurpose",
            Some("capabilityInvocation".into()),
            "signature.purpose",
            "capabilityInvocation",
        ),
        (
            "no purpose",
            "proofPurpose",
            None,
            "signature.malformed",
            "proofPurpose is missing",
        ),
        (
            "base64url proof value",
            "proofValue",
            Some(encode_base64url(&signature).into()),
            "signature.malformed",
            "starting with 'z', found 'u'",
        ),
        (
            "bad base58 character 0",
            "proofValue",
            Some(format!("z0{}", &encode_base58btc(&signature)[2..]).into()),
            "signature.malformed",
            "not valid base58btc",
        ),
        (
            "bad base58 character l",
            "proofValue",
            Some(format!("zl{}", &encode_base58btc(&signature)[2..]).into()),
            "signature.malformed",
            "not valid base58btc",
        ),
        (
            "63-byte signature",
            "proofValue",
            Some(encode_base58btc(&signature[..63]).into()),
            "signature.malformed",
            "holds 63",
        ),
        (
            "65-byte signature",
            "proofValue",
            Some(encode_base58btc(&[&signature[..], &[0]].concat()).into()),
            "signature.malformed",
            "holds 65",
        ),
        (
            "empty proof value",
            "proofValue",
            Some("".into()),
            "signature.malformed",
            "empty",
        ),
        (
            "header only",
            "proofValue",
            Some("z".into()),
            "signature.malformed",
            "holds 0",
        ),
        (
            "numeric proof value",
            "proofValue",
            Some(json!(12)),
            "signature.malformed",
            "proofValue is missing",
        ),
        (
            "did:web method",
            "verificationMethod",
            Some("did:web:jyt.zj.gov.cn#key-1".into()),
            "signature.key",
            "not a did:key",
        ),
        (
            "fragment naming another key",
            "verificationMethod",
            Some(format!("{did}#{other_fragment}").into()),
            "signature.key",
            "fragment",
        ),
        (
            "another issuer's key, same signature",
            "verificationMethod",
            Some(other_vm.into()),
            "signature.mismatch",
            "does not match",
        ),
        (
            "date-only created",
            "created",
            Some("2026-03-02".into()),
            "signature.malformed",
            "created time",
        ),
        (
            "created with a space for T",
            "created",
            Some("2026-03-02 01:30:00Z".into()),
            "signature.malformed",
            "created time",
        ),
        (
            "a proof chain",
            "previousProof",
            Some("urn:uuid:4f2d0c64-7a8b-4a53-8f0c-1d2e3f4a5b6c".into()),
            "signature.unsupported",
            "previousProof",
        ),
        (
            "a proof expiry",
            "expires",
            Some("2027-03-02T01:30:00Z".into()),
            "signature.unsupported",
            "expires",
        ),
        (
            "a presentation's domain",
            "domain",
            Some("zwfw.beijing.gov.cn".into()),
            "signature.unsupported",
            "domain",
        ),
        (
            "a presentation's challenge",
            "challenge",
            Some("1f44b9a1".into()),
            "signature.unsupported",
            "challenge",
        ),
        (
            "created a second later",
            "created",
            Some("2026-03-02T01:30:01Z".into()),
            "signature.mismatch",
            "does not match",
        ),
    ];
    let clock = now();
    let chain = chain();
    let mut problems = Vec::new();
    for (case, member, value, code, detail) in &cases {
        let mut variant = document.clone();
        let proof = variant["proof"][0].as_object_mut().expect("eddsa proof");
        match value {
            Some(v) => {
                proof.insert((*member).into(), v.clone());
            }
            None => {
                proof.shift_remove(*member);
            }
        }
        let report = verify(&variant, &with_chain(&clock, &chain));
        let sig = check(&report, Signature);
        if sig.outcome != CheckOutcome::Fail
            || sig.code != *code
            || !sig.detail.contains(detail)
            || report.verdict != Verdict::Invalid
        {
            problems.push(format!(
                "{case}: want {code} mentioning {detail:?}\n{}",
                describe(&report)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn a_proof_member_that_is_not_a_proof_is_refused() {
    let document = credential(Kind::Permit);
    let clock = now();
    let chain = chain();
    let cases: [(&str, Option<Value>, &str); 5] = [
        ("no proof", None, "signature.missing"),
        ("empty proof set", Some(json!([])), "signature.missing"),
        (
            "proof is a string",
            Some(json!("z3FXQje…")),
            "signature.malformed",
        ),
        (
            "only the anchor proof",
            Some(json!([document["proof"][1]])),
            "signature.missing",
        ),
        (
            "proof set of strings",
            Some(json!(["DataIntegrityProof"])),
            "signature.missing",
        ),
    ];
    for (case, proof, code) in cases {
        let mut variant = document.clone();
        let map = variant.as_object_mut().expect("object");
        match proof {
            Some(p) => {
                map.insert("proof".into(), p);
            }
            None => {
                map.shift_remove("proof");
            }
        }
        let report = verify(&variant, &with_chain(&clock, &chain));
        assert_checks(
            case,
            &report,
            &[
                (Format, CheckOutcome::Pass, "format.ok"),
                (Signature, CheckOutcome::Fail, code),
                (Anchor, AFTER_FAILURE, "skipped.after_failure"),
            ],
        );
        assert_eq!(report.verdict, Verdict::Invalid, "{case}");
    }
}

/// The spec lets a proof carry `@context`; the document's must then start with it, and the
/// signature covers only that prefix. An appended context is unsigned: the signature check
/// refuses it (docs/PROTOCOL.md §2.2), and for known types the schemas (`@context` is exactly
/// the VC 2.0 context) catch it too.
#[test]
fn an_unsigned_context_appended_under_a_proof_context_fails_the_schema() {
    let mut variant = credential(Kind::Licence).clone();
    variant["proof"][0]["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]);
    variant["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://evil.example/context/v1"
    ]);
    let clock = now();
    let chain = chain();
    let report = verify(&variant, &with_chain(&clock, &chain));
    assert_checks(
        "appended context",
        &report,
        &[
            (Format, CheckOutcome::Fail, "format.schema"),
            (Signature, CheckOutcome::Fail, "signature.unsupported"),
        ],
    );
    assert_eq!(report.verdict, Verdict::Invalid);
}

fn expect_early(report: &Report, outcome: CheckOutcome, code: &str) -> Option<String> {
    let format = check(report, Format);
    let mut diffs = Vec::new();
    if format.outcome != outcome || format.code != code {
        diffs.push(format!(
            "format {} {}, want {} {code}",
            outcome_text(format.outcome),
            format.code,
            outcome_text(outcome)
        ));
    }
    if report.verdict == Verdict::Valid {
        diffs.push("VALID".into());
    }
    if format.detail.is_empty() {
        diffs.push("format detail is empty".into());
    }
    (!diffs.is_empty()).then(|| format!("{}\n{}", diffs.join("; "), describe(report)))
}

#[test]
fn every_truncation_of_a_payload_is_refused_as_unreadable() {
    let clock = now();
    let chain = chain();
    let params = with_chain(&clock, &chain);
    let mut problems = Vec::new();
    let mut count = 0;
    for kind in Kind::ALL {
        let payload = countersign_payload::encode(&to_bytes(credential(kind)));
        assert_eq!(
            verify_text(&payload, &params).verdict,
            Verdict::Valid,
            "{kind:?} whole payload"
        );
        for cut in 0..payload.len() {
            count += 1;
            let code = match cut {
                1..=3 => "format.not_countersign",
                _ => "format.damaged",
            };
            let report = verify_text(&payload[..cut], &params);
            if let Some(p) = expect_early(&report, COULD_NOT_CHECK, code) {
                problems.push(format!("{kind:?} cut at {cut}/{}: {p}", payload.len()));
            }
        }
    }
    println!("{count} payload truncations checked");
    assert!(
        problems.is_empty(),
        "{} truncations misjudged:\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn every_truncation_of_credential_json_fails_the_format_check() {
    let clock = now();
    let chain = chain();
    let params = with_chain(&clock, &chain);
    let mut problems = Vec::new();
    let json = to_bytes(credential(Kind::Permit));
    for cut in 0..json.len() {
        let bytes = &json[..cut];
        let code = if std::str::from_utf8(bytes).is_err() {
            "format.not_utf8"
        } else {
            "format.json_syntax"
        };
        let report = verify_json(bytes, &params);
        if let Some(p) = expect_early(&report, CheckOutcome::Fail, code) {
            problems.push(format!("cut at {cut}/{}: {p}", json.len()));
        }
    }
    println!("{} JSON truncations checked", json.len());
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The genuine licence's JSON text with its first `from` replaced by `to`.
fn edited_json(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(to_bytes(credential(Kind::Licence))).expect("utf-8");
    assert!(text.contains(from), "{from} not in the credential JSON");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn hostile_and_malformed_inputs_get_a_clear_non_valid_report() {
    let licence = String::from_utf8(to_bytes(credential(Kind::Licence))).expect("utf-8");
    let capital = "\"registeredCapital\":\"500万元人民币\"";
    let mut not_utf8 = licence.clone().into_bytes();
    let chinese = licence.find('北').expect("a Chinese character");
    not_utf8[chinese + 1] = 0xff;
    let depth_1000 = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    let deep_subject = edited_json(
        capital,
        &format!(
            "\"registeredCapital\":{}\"x\"{}",
            "[".repeat(1000),
            "]".repeat(1000)
        ),
    );
    let huge_json = edited_json(
        capital,
        &format!("\"registeredCapital\":\"{}\"", "万".repeat(100_000)),
    );
    let bomb = countersign_payload::encode(&vec![b' '; 4 << 20]);
    let payload = countersign_payload::encode(licence.as_bytes());
    let upper_body = payload.strip_prefix("CS1:").expect("prefix");
    let with_bom = [&[0xef, 0xbb, 0xbf][..], licence.as_bytes()].concat();

    enum Input {
        Json(Vec<u8>),
        Text(String),
        Bytes(Vec<u8>),
    }
    use Input::{Bytes, Json, Text};
    // (case, input, outcome of format, code)
    let cases: Vec<(&str, Input, CheckOutcome, &str)> = vec![
        (
            "non-UTF-8 byte in a name",
            Json(not_utf8.clone()),
            CheckOutcome::Fail,
            "format.not_utf8",
        ),
        (
            "non-UTF-8 JSON in a CS1 payload",
            Text(countersign_payload::encode(&not_utf8)),
            CheckOutcome::Fail,
            "format.not_utf8",
        ),
        (
            "non-UTF-8 JSON file",
            Bytes(not_utf8),
            CheckOutcome::Fail,
            "format.not_utf8",
        ),
        (
            "byte order mark",
            Json(with_bom),
            CheckOutcome::Fail,
            "format.not_utf8",
        ),
        (
            "two validUntil",
            Json(edited_json(
                "\"validUntil\":",
                "\"validUntil\":\"2099-12-31T16:00:00Z\",\"validUntil\":",
            )),
            CheckOutcome::Fail,
            "format.duplicate_key",
        ),
        (
            "two companyName",
            Json(edited_json(
                "\"companyName\":",
                "\"companyName\":\"北京假冒科技有限公司\",\"companyName\":",
            )),
            CheckOutcome::Fail,
            "format.duplicate_key",
        ),
        (
            "duplicate key through a payload",
            Text(countersign_payload::encode(&edited_json(
                "\"validUntil\":",
                "\"validUntil\":\"2099-12-31T16:00:00Z\",\"validUntil\":",
            ))),
            CheckOutcome::Fail,
            "format.duplicate_key",
        ),
        (
            "arrays nested 1000 deep",
            Json(depth_1000.clone().into_bytes()),
            CheckOutcome::Fail,
            "format.too_deep",
        ),
        (
            "subject value nested 1000 deep",
            Json(deep_subject),
            CheckOutcome::Fail,
            "format.too_deep",
        ),
        (
            "nesting through a payload",
            Text(countersign_payload::encode(depth_1000.as_bytes())),
            CheckOutcome::Fail,
            "format.too_deep",
        ),
        (
            "2^64",
            Json(edited_json(
                capital,
                "\"registeredCapital\":18446744073709551616",
            )),
            CheckOutcome::Fail,
            "format.number_range",
        ),
        (
            "2^53",
            Json(edited_json(
                capital,
                "\"registeredCapital\":9007199254740992",
            )),
            CheckOutcome::Fail,
            "format.number_range",
        ),
        (
            "1e400",
            Json(edited_json(capital, "\"registeredCapital\":1e400")),
            CheckOutcome::Fail,
            "format.number_range",
        ),
        (
            "-1e400",
            Json(edited_json(capital, "\"registeredCapital\":-1e400")),
            CheckOutcome::Fail,
            "format.number_range",
        ),
        (
            "300 KB of JSON",
            Json(huge_json.clone()),
            CheckOutcome::Fail,
            "format.too_large",
        ),
        (
            "300 KB of JSON in a payload",
            Text(countersign_payload::encode(&huge_json)),
            COULD_NOT_CHECK,
            "format.too_large",
        ),
        (
            "deflate bomb (4 MiB of spaces)",
            Text(bomb.clone()),
            COULD_NOT_CHECK,
            "format.too_large",
        ),
        (
            "deflate bomb as a file",
            Bytes(bomb.into_bytes()),
            COULD_NOT_CHECK,
            "format.too_large",
        ),
        (
            "trailing garbage after JSON",
            Json([licence.as_bytes(), b"}"].concat()),
            CheckOutcome::Fail,
            "format.json_syntax",
        ),
        (
            "JSON array",
            Json(b"[1,2,3]".to_vec()),
            CheckOutcome::Fail,
            "format.not_a_credential",
        ),
        (
            "JSON string",
            Json(b"\"CS1:ABC\"".to_vec()),
            CheckOutcome::Fail,
            "format.not_a_credential",
        ),
        (
            "empty object",
            Json(b"{}".to_vec()),
            CheckOutcome::Fail,
            "format.not_a_credential",
        ),
        (
            "payload of another version",
            Text(format!("CS2:{upper_body}")),
            COULD_NOT_CHECK,
            "format.unsupported_version",
        ),
        (
            "payload typed with Caps Lock on",
            Text(payload.to_lowercase()),
            COULD_NOT_CHECK,
            "format.lowercase",
        ),
        (
            "EU health certificate",
            Text("HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N".into()),
            COULD_NOT_CHECK,
            "format.not_countersign",
        ),
        (
            "a URL",
            Text("https://countersign.example/verify?id=1".into()),
            COULD_NOT_CHECK,
            "format.not_countersign",
        ),
        (
            "base45 of garbage",
            Text("CS1:QED8WEX0".into()),
            COULD_NOT_CHECK,
            "format.damaged",
        ),
        (
            "invalid base45 length",
            Text("CS1:QED8".into()),
            COULD_NOT_CHECK,
            "format.damaged",
        ),
        (
            "binary file",
            Bytes(vec![0x00, 0xff, 0xfe, 0x80, 0x81]),
            COULD_NOT_CHECK,
            "format.unknown_input",
        ),
    ];
    let clock = now();
    let chain = chain();
    let params = with_chain(&clock, &chain);
    let mut problems = Vec::new();
    for (case, input, outcome, code) in &cases {
        let report = match input {
            Json(b) => verify_json(b, &params),
            Text(s) => verify_text(s, &params),
            Bytes(b) => verify_bytes(b, &params),
        };
        assert_check_order(case, &report);
        if let Some(p) = expect_early(&report, *outcome, code) {
            problems.push(format!("{case}: {p}"));
        }
        if report.summary.is_some() || report.leaf.is_some() {
            problems.push(format!("{case}: an unreadable input has a summary or leaf"));
        }
    }
    println!("{} hostile inputs checked", cases.len());
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// A picture of the genuine licence's QR code with a pattern of inverted modules over a
/// quarter of it: the code is found but its error correction cannot recover it.
fn damaged_qr_png() -> Vec<u8> {
    let payload = countersign_payload::encode(&to_bytes(credential(Kind::Licence)));
    let mut img =
        countersign_qr::render_luma(&payload, countersign_qr::EcLevel::M, 4).expect("render");
    let (w, h) = (img.width(), img.height());
    for y in h / 2..h {
        for x in w / 2..w {
            if ((x / 4) * 7 + (y / 4) * 13) % 3 == 0 {
                let p = img.get_pixel_mut(x, y);
                p.0[0] = 255 - p.0[0];
            }
        }
    }
    png(&img)
}

fn png(img: &image::GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png encoding");
    out
}

fn picture_cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let payload = countersign_payload::encode(&to_bytes(credential(Kind::Licence)));
    let good =
        countersign_qr::render_png(&payload, countersign_qr::EcLevel::M, 4, true).expect("render");
    vec![
        (
            "a blank page",
            png(&image::GrayImage::from_pixel(400, 300, image::Luma([255]))),
            "format.no_qr",
        ),
        (
            "a PNG cut in half",
            good[..good.len() / 2].to_vec(),
            "format.bad_image",
        ),
        (
            "a PNG header alone",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "format.bad_image",
        ),
        (
            "a JPEG header alone",
            vec![0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F'],
            "format.bad_image",
        ),
        (
            "a QR code too damaged to read",
            damaged_qr_png(),
            "format.qr_damaged",
        ),
    ]
}

fn picture_problems(filter: impl Fn(&str) -> bool) -> Vec<String> {
    let clock = now();
    let chain = chain();
    let params = with_chain(&clock, &chain);
    picture_cases()
        .into_iter()
        .filter(|(_, _, code)| filter(code))
        .filter_map(|(case, bytes, code)| {
            let report = verify_bytes(&bytes, &params);
            expect_early(&report, COULD_NOT_CHECK, code).map(|p| format!("{case}: {p}"))
        })
        .collect()
}

#[test]
fn a_picture_without_a_code_is_unreadable_with_no_qr() {
    let problems = picture_problems(|code| code == "format.no_qr");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// verify_image maps the qr crate's errors the wrong way round: `DecodeError::Unreadable`
/// (the bytes are not a decodable picture) becomes `format.qr_damaged`, and
/// `DecodeError::Damaged` (a code was found but cannot be read) falls into
/// `format.bad_image`.
#[test]
fn corrupt_pictures_and_damaged_codes_get_their_own_codes() {
    let problems = picture_problems(|code| code != "format.no_qr");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
