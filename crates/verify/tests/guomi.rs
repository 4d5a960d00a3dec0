//! The national profile (国密) through the whole pipeline: a credential signed with SM2 under
//! `sm2-jcs-2026` and anchored in an SM3 batch verifies where the hall's policy accepts it, and
//! every way of passing it off as something else (another suite's name, another hash, a
//! policy that does not accept it) is refused with its own code.

mod common;

use common::*;
use countersign_chainstate::{ChainState, MemoryChainState};
use countersign_credential::{AnchorProof, IssuedBatch, Issuer};
use countersign_crypto::{HashAlg, Profile, SecretKey, SigAlg};
use countersign_verify::{
    verify_json, CheckId, CheckOutcome, FixedClock, Params, Report, VerificationPolicy,
};
use countersign_vocab::Verdict;
use serde_json::Value;
use std::sync::OnceLock;

/// The licence department again, now holding an SM2 key (a fixed secret, so runs agree).
fn sm2_issuer() -> Issuer {
    let key = SecretKey::from_bytes(SigAlg::Sm2, &[0x5a; 32]).expect("an SM2 secret");
    Issuer::new(key, Kind::Licence.claimed_issuer_name())
}

struct Guomi {
    batch: IssuedBatch,
    chain: MemoryChainState,
}

fn guomi() -> &'static Guomi {
    static FIXTURE: OnceLock<Guomi> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let issuer = sm2_issuer();
        let batch = issue(&issuer, &licence_drafts());
        let mut chain = chain();
        chain.put_issuer(issuer_record(
            issuer.did(),
            Kind::Licence.registered_issuer_name(),
            [0x5a; 20],
            &[Kind::Licence.type_name()],
        ));
        chain.put_anchor(anchor_record(batch.root, issuer.did()));
        Guomi { batch, chain }
    })
}

fn policy(algorithms: countersign_crypto::Policy) -> VerificationPolicy {
    VerificationPolicy {
        algorithms,
        ..VerificationPolicy::default()
    }
}

fn run(document: &Value, chain: &dyn ChainState, algorithms: countersign_crypto::Policy) -> Report {
    let clock: FixedClock = now();
    let params = Params {
        clock: &clock,
        chain: Some(chain),
        policy: policy(algorithms),
    };
    verify_json(&to_bytes(document), &params)
}

fn code(report: &Report, id: CheckId) -> (CheckOutcome, String) {
    let c = report
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {} check:\n{}", id.as_str(), describe(report)));
    (c.outcome, c.code.to_string())
}

fn national() -> countersign_crypto::Policy {
    countersign_crypto::Policy::only(Profile::Guomi)
}

#[test]
fn an_sm2_credential_in_an_sm3_batch_verifies_under_the_national_profile() {
    let g = guomi();
    let doc = &g.batch.credentials[1];
    let proofs = doc["proof"].as_array().expect("a proof set");
    assert_eq!(proofs[0]["cryptosuite"], "sm2-jcs-2026");
    assert!(
        proofs[0]["verificationMethod"]
            .as_str()
            .is_some_and(|vm| vm.starts_with("did:key:zEPJ")),
        "an SM2 did:key (sm2-pub): {}",
        proofs[0]["verificationMethod"]
    );
    let anchor = AnchorProof::from_document(doc.as_object().expect("object")).expect("anchor");
    assert_eq!(anchor.hash, HashAlg::Sm3);
    let report = run(doc, &g.chain, national());
    assert_eq!(report.verdict, Verdict::Valid, "{}", describe(&report));
    // A province moving to the national profile accepts both.
    let both = countersign_crypto::Policy::new(Profile::Guomi, &[Profile::Standard]);
    assert_eq!(run(doc, &g.chain, both).verdict, Verdict::Valid);
    let standard = run(credential(Kind::Licence), &g.chain, both);
    assert_eq!(standard.verdict, Verdict::Valid, "{}", describe(&standard));
}

#[test]
fn each_policy_refuses_the_other_profiles_credentials_before_checking_them() {
    let g = guomi();
    let report = run(
        &g.batch.credentials[0],
        &g.chain,
        countersign_crypto::Policy::default(),
    );
    assert_eq!(report.verdict, Verdict::Invalid, "{}", describe(&report));
    assert_eq!(
        code(&report, CheckId::Signature),
        (CheckOutcome::Fail, "signature.not_allowed".into())
    );
    let report = run(credential(Kind::Licence), &g.chain, national());
    assert_eq!(report.verdict, Verdict::Invalid, "{}", describe(&report));
    assert_eq!(
        code(&report, CheckId::Signature).1,
        "signature.not_allowed",
        "{}",
        describe(&report)
    );
}

#[test]
fn an_sm2_signature_relabelled_as_eddsa_is_refused_as_the_wrong_key_type() {
    let g = guomi();
    let mut doc = g.batch.credentials[0].clone();
    doc["proof"][0]["cryptosuite"] = "eddsa-jcs-2022".into();
    let both = countersign_crypto::Policy::new(Profile::Guomi, &[Profile::Standard]);
    let report = run(&doc, &g.chain, both);
    assert_eq!(report.verdict, Verdict::Invalid, "{}", describe(&report));
    assert_eq!(
        code(&report, CheckId::Signature),
        (CheckOutcome::Fail, "signature.key".into())
    );
}

/// The credential with its anchoring proof's hash relabelled (the path unchanged).
fn with_anchor_hash(credential: &Value, hash: HashAlg) -> Value {
    let mut doc = credential.clone();
    let mut anchor =
        AnchorProof::from_document(doc.as_object().expect("object")).expect("anchor proof");
    assert_ne!(anchor.hash, hash, "a relabelling");
    anchor.hash = hash;
    doc["proof"][1] = Value::Object(anchor.to_json());
    doc
}

#[test]
fn an_anchor_proof_naming_another_hash_is_refused() {
    let g = guomi();
    // The same path relabelled as a SHA-256 batch.
    let doc = with_anchor_hash(&g.batch.credentials[2], HashAlg::Sha256);
    let report = run(&doc, &g.chain, national());
    assert_eq!(report.verdict, Verdict::Invalid, "{}", describe(&report));
    assert_eq!(
        code(&report, CheckId::Anchor),
        (CheckOutcome::Fail, "anchor.hash_mismatch".into())
    );
    // And a standard credential claiming an SM3 batch.
    let doc = with_anchor_hash(credential(Kind::Licence), HashAlg::Sm3);
    let report = run(
        &doc,
        &fixture().chain,
        countersign_crypto::Policy::default(),
    );
    assert_eq!(
        code(&report, CheckId::Anchor).1,
        "anchor.hash_mismatch",
        "{}",
        describe(&report)
    );
}

#[test]
fn the_batch_root_is_the_sm3_tree_over_sm3_leaves() {
    let g = guomi();
    for (doc, leaf) in g.batch.credentials.iter().zip(&g.batch.leaves) {
        let anchor = AnchorProof::from_document(doc.as_object().expect("object")).expect("anchor");
        assert_eq!(anchor.hash, HashAlg::Sm3);
        assert_eq!(
            anchor.inclusion.root_with(HashAlg::Sm3, leaf),
            Ok(g.batch.root)
        );
        assert_ne!(anchor.inclusion.root(leaf), Ok(g.batch.root));
        let computed = countersign_credential::credential_leaf(doc.as_object().expect("object"))
            .expect("leaf");
        assert_eq!(&computed, leaf);
    }
}

#[test]
fn a_changed_sm2_credential_fails_its_signature() {
    let g = guomi();
    let mut doc = g.batch.credentials[0].clone();
    doc["credentialSubject"]["companyName"] = "北京假冒科技有限公司".into();
    let report = run(&doc, &g.chain, national());
    assert_eq!(report.verdict, Verdict::Invalid, "{}", describe(&report));
    assert_eq!(
        code(&report, CheckId::Signature),
        (CheckOutcome::Fail, "signature.mismatch".into())
    );
}
