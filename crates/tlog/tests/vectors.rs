//! The transparency ecosystem's own vectors: transparency-dev/merkle's inclusion and
//! consistency proofs (every one checked as the vector says, happy or tampered), the proofs we
//! make for RFC 6962's eight-leaf tree equal to theirs, and Go's signed-note example
//! reproduced byte for byte. Sources and licences: tests/vectors/README.md.

use countersign_crypto::{Policy, SecretKey, SigAlg};
use countersign_tlog::note::{Checkpoint, NoteSigner, NoteVerifier};
use countersign_tlog::{
    consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency, verify_inclusion,
    Hash, HashAlg,
};

/// The vectors are RFC 6962's tree: SHA-256.
const SHA256: HashAlg = HashAlg::Sha256;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn vectors(kind: &str) -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/transparency-dev-merkle")
        .join(kind);
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("vector folder") {
            let path = e.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                let text = std::fs::read_to_string(&path).expect("vector");
                out.push((path, serde_json::from_str(&text).expect("json")));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A base64 hash. The vectors also hold values that are not 32 bytes (empty, truncated, "don't
/// care" placeholders compared only with each other): those become the SHA-256 of their bytes,
/// so equal placeholders stay equal and none equals a real hash.
fn hash(v: &Value) -> Option<Hash> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let bytes = match v {
        Value::Null => Vec::new(),
        v => base64::engine::general_purpose::STANDARD
            .decode(v.as_str()?)
            .ok()?,
    };
    Some(match <Hash>::try_from(bytes.as_slice()) {
        Ok(h) => h,
        Err(_) => sha2::Sha256::new()
            .chain_update(b"a vector's placeholder, not a hash: ")
            .chain_update(&bytes)
            .finalize()
            .into(),
    })
}

/// A proof: `null` (Go's empty slice) is no hashes.
fn hashes(v: &Value) -> Option<Vec<Hash>> {
    match v {
        Value::Null => Some(Vec::new()),
        v => v.as_array()?.iter().map(hash).collect(),
    }
}

#[test]
fn every_inclusion_vector_is_judged_as_it_says() {
    let all = vectors("inclusion");
    assert!(all.len() > 90, "{} inclusion vectors", all.len());
    for (path, v) in all {
        let want_err = v["wantErr"].as_bool().expect("wantErr");
        let checked = (|| {
            let index = v["leafIdx"].as_i64()?;
            let size = v["treeSize"].as_i64()?;
            let (index, size) = (u64::try_from(index).ok()?, u64::try_from(size).ok()?);
            // A leaf hash must be a hash (a root is only compared).
            let leaf = hash(&v["leafHash"])
                .filter(|_| v["leafHash"].as_str().is_some_and(|t| t.len() == 44))?;
            Some(verify_inclusion(
                SHA256,
                index,
                size,
                &leaf,
                &hashes(&v["proof"])?,
                &hash(&v["root"])?,
            ))
        })();
        let ok = matches!(checked, Some(Ok(())));
        assert_eq!(ok, !want_err, "{}: {checked:?}", path.display());
    }
}

#[test]
fn every_consistency_vector_is_judged_as_it_says() {
    let all = vectors("consistency");
    assert!(all.len() > 80, "{} consistency vectors", all.len());
    for (path, v) in all {
        let want_err = v["wantErr"].as_bool().expect("wantErr");
        let checked = (|| {
            let size1 = u64::try_from(v["size1"].as_i64()?).ok()?;
            let size2 = u64::try_from(v["size2"].as_i64()?).ok()?;
            let root_or_empty = hash;
            Some(verify_consistency(
                SHA256,
                size1,
                size2,
                &root_or_empty(&v["root1"])?,
                &root_or_empty(&v["root2"])?,
                &hashes(&v["proof"]).unwrap_or_default(),
            ))
        })();
        let ok = matches!(checked, Some(Ok(())));
        assert_eq!(ok, !want_err, "{}: {checked:?}", path.display());
    }
}

/// RFC 6962's reference tree.
fn reference_leaves() -> Vec<Hash> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| {
        let bytes: Vec<u8> = (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
            .collect();
        leaf_hash(SHA256, &bytes)
    })
    .collect()
}

#[test]
fn the_proofs_we_make_are_the_reference_proofs() {
    let leaves = reference_leaves();
    let mut compared = 0;
    for (path, v) in vectors("inclusion") {
        if v["desc"] != "happy path" {
            continue;
        }
        let size = v["treeSize"].as_u64().expect("size") as usize;
        let index = v["leafIdx"].as_u64().expect("index");
        if size > leaves.len() {
            continue;
        }
        assert_eq!(
            Some(root(SHA256, &leaves[..size])),
            hash(&v["root"]),
            "{}",
            path.display()
        );
        assert_eq!(
            inclusion_proof(SHA256, &leaves[..size], index).ok(),
            hashes(&v["proof"]),
            "{}",
            path.display()
        );
        compared += 1;
    }
    for (path, v) in vectors("consistency") {
        if v["desc"] != "happy path" {
            continue;
        }
        let size2 = v["size2"].as_u64().expect("size") as usize;
        let size1 = v["size1"].as_u64().expect("size");
        if size2 > leaves.len() {
            continue;
        }
        assert_eq!(
            consistency_proof(SHA256, &leaves[..size2], size1).ok(),
            hashes(&v["proof"]),
            "{}",
            path.display()
        );
        compared += 1;
    }
    assert!(compared >= 8, "{compared} happy paths compared");
}

const GO_SIGNER: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGNATURE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn the_go_note_example_is_reproduced_byte_for_byte() {
    let signer = NoteSigner::from_private_key(GO_SIGNER).expect("signer");
    assert_eq!(signer.verifier().encode(), GO_VERIFIER);
    let note = signer.sign(GO_TEXT).expect("sign");
    assert_eq!(note, format!("{GO_TEXT}\n{GO_SIGNATURE}"));
    let verifier = NoteVerifier::parse(GO_VERIFIER).expect("verifier");
    assert_eq!(
        verifier.open(&note, &Policy::default()).expect("opens"),
        GO_TEXT
    );
    // One character of the text changed: refused.
    let tampered = note.replacen("problem", "pr0blem", 1);
    assert!(verifier.open(&tampered, &Policy::default()).is_err());
}

#[test]
fn a_checkpoint_signs_opens_and_refuses_another_key_or_a_changed_size() {
    let leaves = reference_leaves();
    let checkpoint = Checkpoint {
        origin: "countersign.example/hall/BJ-CY-01".into(),
        size: 8,
        root: root(SHA256, &leaves),
    };
    assert_eq!(
        checkpoint.text(),
        "countersign.example/hall/BJ-CY-01\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    );
    let key = SecretKey::from_bytes(SigAlg::Ed25519, &[7; 32]).expect("key");
    let signer = NoteSigner::new("BJ-CY-01", key).expect("signer");
    let note = checkpoint.sign(&signer).expect("sign");
    let verifier = NoteVerifier::parse(&signer.verifier().encode()).expect("verifier");
    assert_eq!(
        Checkpoint::open(&note, &verifier, &Policy::default()).expect("opens"),
        checkpoint
    );
    let other_key = SecretKey::from_bytes(SigAlg::Ed25519, &[8; 32]).expect("key");
    let other = NoteSigner::new("BJ-CY-01", other_key)
        .expect("signer")
        .verifier();
    let policy = Policy::default();
    assert!(Checkpoint::open(&note, &other, &policy).is_err());
    let changed = note.replacen("\n8\n", "\n7\n", 1);
    assert!(Checkpoint::open(&changed, &verifier, &policy).is_err());
}
