//! QR density of typical credentials: payload length and QR version at error correction M for
//! batches of 1, 1,000 and 65,536. Asserts the paper target (version 25 at M for a 65,536
//! batch) and prints the table docs/PROTOCOL.md reports (`cargo test -p countersign-cli --test
//! density -- --nocapture`). Also measures what a receipt's QR code would need if it carried
//! the inclusion proof of its log entry (docs/BENCHMARKS.md, PROTOCOL §9).

use countersign_credential::{credential_leaf, AnchorProof, DidKey, RegistryRef};
use countersign_crypto::{HashAlg, SecretKey, SigAlg};
use countersign_merkle::{leaf_hash_with, MerkleTree};
use serde_json::Value;

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/../../assets/demo/samples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The sample re-issued under the national profile: the same content, issued and signed by an
/// SM2 did:key with `sm2-jcs-2026`.
fn under_sm2(credential: &Value) -> Value {
    let key = SecretKey::from_bytes(SigAlg::Sm2, &[0x42; 32]).expect("an SM2 secret");
    let did = DidKey::from_public_key(key.public());
    let mut doc = credential.as_object().expect("object").clone();
    let created = match &credential["proof"] {
        Value::Array(items) => items[0]["created"].clone(),
        single => single["created"].clone(),
    };
    doc.remove("proof");
    doc["issuer"]["id"] = did.to_string().into();
    let proof = countersign_credential::eddsa_jcs::create_proof(
        &doc,
        &key,
        created.as_str().expect("created"),
    )
    .expect("signs");
    doc.insert("proof".into(), Value::Object(proof));
    Value::Object(doc)
}

/// The credential re-anchored as member `index` of a real batch of `size` leaves, hashed with
/// its profile's hash.
fn in_batch(credential: &Value, size: u64, index: u64) -> (Value, MerkleTree) {
    let doc = credential.as_object().expect("sample is an object");
    let leaf = credential_leaf(doc).expect("sample has a signature proof");
    let hash = match &credential["proof"] {
        Value::Array(items) => &items[0]["cryptosuite"],
        single => &single["cryptosuite"],
    };
    let hash = if hash == "sm2-jcs-2026" {
        HashAlg::Sm3
    } else {
        HashAlg::Sha256
    };
    let leaves = (0..size)
        .map(|i| {
            if i == index {
                leaf
            } else {
                leaf_hash_with(hash, &i.to_be_bytes())
            }
        })
        .collect();
    let tree = MerkleTree::new_with(hash, leaves).expect("non-empty");
    let registry: RegistryRef = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
        .parse()
        .expect("valid registry");
    let anchor = AnchorProof {
        registry,
        inclusion: tree.proof(index).expect("in range"),
        hash,
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
    density_table(false);
}

/// The same under the national profile: SM2 signature (64 bytes r‖s, like Ed25519's), SM2
/// did:key (35 bytes with its header, one more than Ed25519's), SM3 batch (`"hash":"sm3"`).
#[test]
fn sm2_signed_credentials_fit_qr_version_25_at_m() {
    density_table(true);
}

fn density_table(sm2: bool) {
    println!(
        "{}",
        if sm2 {
            "national profile (SM2, SM3):"
        } else {
            "standard profile (Ed25519, SHA-256):"
        }
    );
    println!("| type | batch | path hashes | JSON bytes | payload chars | QR version (M) |");
    println!("|---|---|---|---|---|---|");
    for name in [
        "valid-business-licence",
        "valid-residence-permit",
        "valid-diploma",
    ] {
        let credential = if sm2 {
            under_sm2(&sample(name))
        } else {
            sample(name)
        };
        for size in [1u64, 1_000, 65_536] {
            // A late index needs the widest varint; the path length is the same for all but
            // the last leaves of an unbalanced tree.
            let index = size * 3 / 5;
            let (anchored, tree) = in_batch(&credential, size, index);
            let proof = AnchorProof::from_document(anchored.as_object().expect("object"))
                .expect("anchor proof reads back");
            let leaf = credential_leaf(anchored.as_object().expect("object")).expect("leaf");
            assert_eq!(
                proof.inclusion.root_with(proof.hash, &leaf),
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

/// A typical receipt (the one crates/receipt measures: two masked subject fields, an issuer
/// name of 11 Chinese characters, a leaf and a chain state), signed.
fn typical_receipt() -> countersign_receipt::SignedReceipt {
    use chrono::TimeZone;
    use countersign_vocab::{ChainSourceKind, ChainUsed, CredentialHash, Verdict};
    let at = |h, m, s| {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, h, m, s)
            .single()
            .expect("time")
    };
    countersign_receipt::Receipt {
        id: "R20261125-7KQ4M2XD".into(),
        hall: "BJ-CY-01".into(),
        counter: "3".into(),
        clerk: "clerk-007".into(),
        at: at(6, 3, 22),
        verdict: Verdict::Invalid,
        reasons: vec!["validity.expired".into()],
        credential_type: Some("ResidencePermitCredential".into()),
        issuer_name: Some("上海市浦东新区公安分局".into()),
        subject: [
            ("idNumber".to_string(), "310115********0017".to_string()),
            ("name".to_string(), "孙*".to_string()),
        ]
        .into_iter()
        .collect(),
        leaf: Some(CredentialHash([0xab; 32])),
        chain: Some(ChainUsed {
            source: ChainSourceKind::Mirror,
            block: 1_234_567,
            block_time: at(5, 59, 0),
        }),
    }
    .sign(&ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
    .expect("sign")
}

/// A tree whose hashes do not matter: only the proof's length is measured.
struct Shape;

impl countersign_tlog::TreeHashes for Shape {
    type Error = countersign_tlog::LogProofError;
    fn span(&self, _: u64, _: u64) -> Result<countersign_tlog::Hash, Self::Error> {
        Ok([0x5a; 32])
    }
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Would the receipt's QR code still be small if it carried its entry's inclusion proof
/// (`varint` index, `varint` size, the proof's hashes; optionally the checkpoint's root)? The
/// receipt's bytes with those appended, in its own encoding (`CSR1:` + base45), measured at
/// ECC M like the printed code; dots per module as the raster lays it out on a 58 mm and an
/// 80 mm roll (384 and 576 dots at 203 dpi, 4-module quiet zone). No assertion beyond "it still encodes": this is a measurement.
#[test]
fn a_receipt_carrying_its_inclusion_proof() {
    let payload = typical_receipt().payload();
    let prefix = countersign_receipt::PREFIX;
    let bytes = countersign_payload::base45::decode(&payload[prefix.len()..]).expect("base45");
    println!("| carried | hashes | bytes added | receipt bytes | payload chars | QR version (M) | modules | dots/module 58 mm | 80 mm |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let row = |label: &str, hashes: usize, added: usize, text: &str, total: usize| {
        let info = countersign_qr::inspect(text, countersign_qr::EcLevel::M).expect("fits");
        assert!(info.mode_alphanumeric, "{label}: alphanumeric mode");
        println!(
            "| {label} | {hashes} | {added} | {total} | {} | {} | {} | {} | {} |",
            text.len(),
            info.version,
            info.modules,
            (384 / (info.modules + 8)).clamp(1, 8),
            (576 / (info.modules + 8)).clamp(1, 8)
        );
    };
    row("nothing (today)", 0, 0, &payload, bytes.len());
    for (label, size, with_root) in [
        ("proof, 100,000 leaves", 100_000u64, false),
        ("proof, 1,000,000 leaves", 1_000_000, false),
        ("proof + root, 100,000 leaves", 100_000, true),
        ("proof + root, 1,000,000 leaves", 1_000_000, true),
    ] {
        // A late leaf: the widest index varint; its path is ⌈log2 size⌉ hashes.
        let index = size - size / 10;
        let hashes = countersign_tlog::inclusion_proof_in(&Shape, size, index)
            .expect("proof")
            .len();
        let mut extra = Vec::new();
        varint(index, &mut extra);
        varint(size, &mut extra);
        extra.extend(std::iter::repeat_n(
            0x5a,
            32 * (hashes + usize::from(with_root)),
        ));
        let mut carried = bytes.clone();
        carried.extend_from_slice(&extra);
        let text = format!("{prefix}{}", countersign_payload::base45::encode(&carried));
        row(label, hashes, extra.len(), &text, carried.len());
    }
}
