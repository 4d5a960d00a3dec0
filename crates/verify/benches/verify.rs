//! What a scan costs: a typical credential (a diploma from a batch of 65,536, so its anchor
//! proof carries a 16-hash path) from `CS1:` text to a full report, with the registry in memory
//! and without a chain; and its parts as floors: the bare Ed25519 verification, payload
//! decoding (base45 + inflate) and JCS canonicalisation.
//!
//! The batch is a real Merkle tree of 65,536 leaves in which one leaf is the genuine
//! credential's; the other leaves are hashes of their index. Issuing 65,536 signed diplomas
//! would give the same path length and the same verification work, only a slower setup.

#[allow(missing_docs)]
#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use countersign_chainstate::MemoryChainState;
use countersign_credential::{credential_leaf, AnchorProof};
use countersign_merkle::{leaf_hash, MerkleTree};
use countersign_verify::{verify_json, verify_text, CheckId, CheckOutcome};
use countersign_vocab::Verdict;
use criterion::{black_box, criterion_main, Criterion};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;

const BATCH: u64 = 65_536;
const POSITION: u64 = 40_961;

/// The diploma, anchored at `POSITION` in a batch of `BATCH`, and a registry that knows it.
fn typical() -> (Value, MemoryChainState) {
    let kind = Kind::Diploma;
    let issuer = kind.issuer();
    let single = issue_at(&issuer, &kind.drafts()[..1], CREATED, None);
    let mut document = single.credentials[0].clone();
    let doc = document.as_object_mut().expect("credential object");
    let leaf = credential_leaf(doc).expect("leaf");
    let leaves = (0..BATCH)
        .map(|i| {
            if i == POSITION {
                leaf
            } else {
                leaf_hash(&i.to_be_bytes())
            }
        })
        .collect();
    let tree = MerkleTree::new(leaves).expect("tree");
    let anchor = AnchorProof {
        registry: registry(REGISTRY),
        inclusion: tree.proof(POSITION).expect("inclusion proof"),
    };
    assert_eq!(
        anchor.inclusion.path.len(),
        16,
        "a batch of 65,536 has 16-hash paths"
    );
    let signature = doc.remove("proof").expect("eddsa proof");
    doc.insert(
        "proof".into(),
        Value::Array(vec![signature, Value::Object(anchor.to_json())]),
    );

    let mut chain = MemoryChainState::new(view_at(BLOCK_TIME));
    chain.put_issuer(kind_record(kind));
    chain.put_anchor(anchor_record(tree.root(), kind.did()));
    (document, chain)
}

fn benches(c: &mut Criterion) {
    let (document, chain) = typical();
    let json = to_bytes(&document);
    let payload = countersign_payload::encode(&json);
    let clock = now();
    let online = with_chain(&clock, &chain);
    let offline = without_chain(&clock);

    let report = verify_text(&payload, &online);
    assert_eq!(report.verdict, Verdict::Valid, "{}", describe(&report));
    assert_eq!(
        check(&report, CheckId::Revocation).detail,
        "not revoked (17 hashes checked)"
    );
    let report = verify_text(&payload, &offline);
    assert_eq!(
        report.verdict,
        Verdict::Unverifiable,
        "{}",
        describe(&report)
    );
    assert!(
        [CheckId::Format, CheckId::Signature, CheckId::Validity]
            .iter()
            .all(|&id| check(&report, id).outcome == CheckOutcome::Pass),
        "{}",
        describe(&report)
    );
    eprintln!(
        "typical credential: {} bytes of JSON, {} characters of payload",
        json.len(),
        payload.len()
    );

    c.bench_function("verify_text: CS1 payload, memory chain", |b| {
        b.iter(|| verify_text(black_box(&payload), &online))
    });
    c.bench_function("verify_text: CS1 payload, no chain", |b| {
        b.iter(|| verify_text(black_box(&payload), &offline))
    });
    c.bench_function("verify_json: credential JSON, memory chain", |b| {
        b.iter(|| verify_json(black_box(&json), &online))
    });

    let key = SigningKey::from_bytes(&[3; 32]);
    let message = [0x5a_u8; 64];
    let signature = key.sign(&message);
    let public = key.verifying_key();
    c.bench_function("ed25519: verify_strict of 64 bytes", |b| {
        b.iter(|| public.verify_strict(black_box(&message), black_box(&signature)))
    });

    c.bench_function("payload: decode (base45 + inflate)", |b| {
        b.iter(|| countersign_payload::decode(black_box(&payload)))
    });
    c.bench_function("jcs: parse_strict the credential", |b| {
        b.iter(|| countersign_jcs::parse_strict(black_box(&json)))
    });
    c.bench_function("credential: structure and schema", |b| {
        b.iter(|| countersign_credential::Credential::from_document(black_box(document.clone())))
    });
    c.bench_function("credential: eddsa-jcs-2022 verify_proof", |b| {
        b.iter(|| countersign_credential::verify_proof(black_box(&document)))
    });
    c.bench_function("credential: leaf hash", |b| {
        b.iter(|| credential_leaf(black_box(document.as_object().expect("object"))))
    });
    let vm = document["proof"][0]["verificationMethod"]
        .as_str()
        .expect("vm")
        .to_owned();
    let proof_value = document["proof"][0]["proofValue"]
        .as_str()
        .expect("pv")
        .to_owned();
    c.bench_function("did:key: parse a verification method", |b| {
        b.iter(|| countersign_credential::DidKey::parse(black_box(&vm)))
    });
    c.bench_function("multibase: decode the signature", |b| {
        b.iter(|| countersign_credential::multibase::decode_base58btc(black_box(&proof_value)))
    });
    c.bench_function("serde_json: clone the credential", |b| {
        b.iter(|| black_box(&document).clone())
    });
    c.bench_function("jcs: canonicalize the credential", |b| {
        b.iter(|| countersign_jcs::canonicalize(black_box(&document)))
    });
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(verify, super::benches);
}
use group::verify;
criterion_main!(verify);
