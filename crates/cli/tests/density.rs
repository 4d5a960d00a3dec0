//! QR density of typical credentials: payload length and QR version at error correction M for
//! batches of 1, 1,000 and 65,536. Asserts the paper target (version 25 at M for a 65,536
//! batch) and prints the table docs/PROTOCOL.md reports (`cargo test -p countersign-cli --test
//! density -- --nocapture`).

use countersign_credential::{credential_leaf, AnchorProof, RegistryRef};
use countersign_merkle::{leaf_hash, MerkleTree};
use serde_json::Value;

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/../../assets/demo/samples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The credential re-anchored as member `index` of a real batch of `size` leaves.
fn in_batch(credential: &Value, size: u64, index: u64) -> (Value, MerkleTree) {
    let doc = credential.as_object().expect("sample is an object");
    let leaf = credential_leaf(doc).expect("sample has a signature proof");
    let leaves = (0..size)
        .map(|i| {
            if i == index {
                leaf
            } else {
                leaf_hash(&i.to_be_bytes())
            }
        })
        .collect();
    let tree = MerkleTree::new(leaves).expect("non-empty");
    let registry: RegistryRef = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
        .parse()
        .expect("valid registry");
    let anchor = AnchorProof {
        registry,
        inclusion: tree.proof(index).expect("in range"),
    };
    let mut out = credential.clone();
    let signature = match &credential["proof"] {
        Value::Array(items) => items[0].clone(),
        single => single.clone(),
    };
    out["proof"] = Value::Array(vec![signature, Value::Object(anchor.to_json())]);
    (out, tree)
}

#[test]
fn typical_credentials_fit_qr_version_25_at_m() {
    println!("| type | batch | path hashes | JSON bytes | payload chars | QR version (M) |");
    println!("|---|---|---|---|---|---|");
    for name in [
        "valid-business-licence",
        "valid-residence-permit",
        "valid-diploma",
    ] {
        let credential = sample(name);
        for size in [1u64, 1_000, 65_536] {
            // A late index needs the widest varint; the path length is the same for all but
            // the last leaves of an unbalanced tree.
            let index = size * 3 / 5;
            let (anchored, tree) = in_batch(&credential, size, index);
            let proof = AnchorProof::from_document(anchored.as_object().expect("object"))
                .expect("anchor proof reads back");
            let leaf = credential_leaf(anchored.as_object().expect("object")).expect("leaf");
            assert_eq!(
                proof.inclusion.root(&leaf),
                Ok(tree.root()),
                "{name} batch {size}: path must lead to the root"
            );

            let compact = countersign_jcs::canonicalize(&anchored).expect("canonical");
            let payload = countersign_payload::encode(&compact);
            let info = countersign_qr::inspect(&payload, countersign_qr::EcLevel::M)
                .expect("fits a QR code");
            println!(
                "| {name} | {size} | {} | {} | {} | {} |",
                proof.inclusion.path.len(),
                compact.len(),
                payload.len(),
                info.version
            );
            assert!(
                info.mode_alphanumeric,
                "{name}: payload must use alphanumeric mode"
            );
            assert!(
                info.version <= 25,
                "{name} in a batch of {size}: QR version {} at M exceeds 25 ({} chars)",
                info.version,
                payload.len()
            );
        }
    }
}
