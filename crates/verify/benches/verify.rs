//! What a scan costs: a typical credential (a diploma from a batch of 65,536, so its anchor
//! proof carries a 16-hash path) from `CS1:` text to a full report, with the registry in memory
//! and without a chain, under the standard profile (Ed25519, SHA-256) and, in the same run, the
//! national profile (SM2, SM3); and its parts as floors: the bare Ed25519 and SM2
//! verifications, payload decoding (base45 + inflate) and JCS canonicalisation.
//!
//! The batch is a real Merkle tree of 65,536 leaves in which one leaf is the genuine
//! credential's; the other leaves are hashes of their index. Issuing 65,536 signed diplomas
//! would give the same path length and the same verification work, only a slower setup.

#[allow(missing_docs)]
#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use countersign_chainstate::MemoryChainState;
use countersign_credential::{credential_leaf, AnchorProof, Issuer};
use countersign_crypto::{HashAlg, Profile, SecretKey, SigAlg};
use countersign_merkle::{leaf_hash_with, MerkleTree};
use countersign_verify::{verify_json, verify_text, CheckId, CheckOutcome};
use countersign_vocab::Verdict;
use criterion::{black_box, criterion_main, Criterion};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;

const BATCH: u64 = 65_536;
const POSITION: u64 = 40_961;

/// The diploma, anchored at `POSITION` in a batch of `BATCH`, and a registry that knows it;
/// issued by the diploma department's Ed25519 key, or by an SM2 key under the national
/// profile.
fn typical(profile: Profile) -> (Value, MemoryChainState) {
    let kind = Kind::Diploma;
    let issuer = match profile {
        Profile::Standard => kind.issuer(),
        Profile::Guomi => Issuer::new(
            SecretKey::from_bytes(SigAlg::Sm2, &[0x33; 32]).expect("an SM2 secret"),
            kind.claimed_issuer_name(),
        ),
    };
    let hash = profile.hash();
    let single = issue_at(&issuer, &kind.drafts()[..1], CREATED, None);
    let mut document = single.credentials[0].clone();
    let doc = document.as_object_mut().expect("credential object");
    let leaf = credential_leaf(doc).expect("leaf");
    let leaves = (0..BATCH)
        .map(|i| {
            if i == POSITION {
                leaf
            } else {
                leaf_hash_with(hash, &i.to_be_bytes())
            }
        })
        .collect();
    let tree = MerkleTree::new_with(hash, leaves).expect("tree");
    let anchor = AnchorProof {
        registry: registry(REGISTRY),
        inclusion: tree.proof(POSITION).expect("inclusion proof"),
        hash,
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
    chain.put_issuer(issuer_record(
        issuer.did(),
        kind.registered_issuer_name(),
        kind.account(),
        &[kind.type_name()],
    ));
    chain.put_anchor(anchor_record(tree.root(), issuer.did()));
    (document, chain)
}

fn benches(c: &mut Criterion) {
    let (document, chain) = typical(Profile::Standard);
    let json = to_bytes(&document);
    let payload = countersign_payload::encode(&json);
    let clock = now();
    let online = with_chain(&clock, &chain);
    let offline = without_chain(&clock);

    // The national profile, measured in the same run.
    let (sm2_document, sm2_chain) = typical(Profile::Guomi);
    let sm2_json = to_bytes(&sm2_document);
    let sm2_payload = countersign_payload::encode(&sm2_json);
    let mut sm2_online = with_chain(&clock, &sm2_chain);
    sm2_online.policy.algorithms = countersign_crypto::Policy::only(Profile::Guomi);
    let report = verify_text(&sm2_payload, &sm2_online);
    assert_eq!(report.verdict, Verdict::Valid, "{}", describe(&report));
    assert_eq!(
        check(&report, CheckId::Revocation).detail,
        "not revoked (17 hashes checked)"
    );
    eprintln!(
        "typical SM2 credential: {} bytes of JSON, {} characters of payload",
        sm2_json.len(),
        sm2_payload.len()
    );
    c.bench_function("verify_text: CS1 payload, memory chain, SM2/SM3", |b| {
        b.iter(|| verify_text(black_box(&sm2_payload), &sm2_online))
    });
    let sm2_key = SecretKey::from_bytes(SigAlg::Sm2, &[3; 32]).expect("an SM2 secret");
    let sm2_message = [0x5a_u8; 64];
    let sm2_signature = sm2_key.sign(&sm2_message);
    let sm2_public = sm2_key.public();
    c.bench_function("sm2: verify of 64 bytes (default distinguishing ID)", |b| {
        b.iter(|| sm2_public.verify(black_box(&sm2_message), black_box(&sm2_signature)))
    });
    c.bench_function("sm3: 1 KiB", |b| {
        let data = [0x61_u8; 1024];
        b.iter(|| HashAlg::Sm3.digest(black_box(&data)))
    });
    c.bench_function("sha-256: 1 KiB", |b| {
        let data = [0x61_u8; 1024];
        b.iter(|| HashAlg::Sha256.digest(black_box(&data)))
    });

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
