//! The national profile's published vectors (tests/vectors/countersign-sm2-jcs-2026): the W3C
//! eddsa-jcs-2022 vector's credential signed under `sm2-jcs-2026`, every intermediate value in a
//! file of the same name as the W3C folder's, reproduced byte for byte here, and checked against
//! OpenSSL 3: its SM3 of the canonical forms, and its SM2 verification of the signature.
//!
//! `COUNTERSIGN_WRITE_VECTORS=1 cargo test -p countersign-credential --test sm2_vectors` writes
//! the files (only when the profile's definition changes, which needs a new suite name).

use countersign_credential::did_key::{secret_key_from_multibase, secret_key_multibase, DidKey};
use countersign_credential::eddsa_jcs::{signing_input, verify_proof_under};
use countersign_credential::multibase::encode_base58btc;
use countersign_credential::SM2_CRYPTOSUITE;
use countersign_crypto::{Policy, Profile, SecretKey, SigAlg, Signature};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/countersign-sm2-jcs-2026")
}

fn w3c(name: &str) -> Map<String, Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/w3c-vc-di-eddsa")
        .join(name);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match countersign_jcs::parse_strict(&text) {
        Ok(Value::Object(map)) => map,
        other => panic!("{name}: {other:?}"),
    }
}

/// The vector's SM2 secret: SM3 of a fixed phrase, so anyone can derive it again.
fn secret() -> SecretKey {
    let d = countersign_crypto::HashAlg::Sm3.digest(b"Countersign sm2-jcs-2026 test vector key");
    SecretKey::from_bytes(SigAlg::Sm2, &d).expect("an SM2 secret")
}

/// Every file of the vector, computed: (name, contents).
fn computed() -> Vec<(&'static str, String)> {
    let key = secret();
    let did = DidKey::from_public_key(key.public());
    let unsigned = w3c("unsigned.json");
    let mut options = Map::new();
    options.insert("type".into(), "DataIntegrityProof".into());
    options.insert("cryptosuite".into(), SM2_CRYPTOSUITE.into());
    options.insert("created".into(), "2023-02-24T23:36:38Z".into());
    options.insert(
        "verificationMethod".into(),
        did.verification_method().into(),
    );
    options.insert("proofPurpose".into(), "assertionMethod".into());
    options.insert("@context".into(), unsigned["@context"].clone());
    let input = signing_input(&unsigned, &options).expect("canonicalises");
    let signature = key.sign(&input.hash_data());
    let mut proof = options.clone();
    proof.insert(
        "proofValue".into(),
        encode_base58btc(&signature.to_bytes()).into(),
    );
    let mut signed = unsigned.clone();
    signed.insert("proof".into(), Value::Object(proof));
    let pretty = |v: &Value| serde_json::to_string_pretty(v).expect("JSON") + "\n";
    let line = |s: String| s + "\n";
    vec![
        (
            "keyPair.json",
            pretty(&json!({
                "publicKeyMultibase": did.multibase(),
                "privateKeyMultibase": secret_key_multibase(&key),
            })),
        ),
        ("publicKey.pem", key.public().to_spki_pem()),
        ("proofConfigJCS.json", pretty(&Value::Object(options))),
        (
            "canonDocJCS.txt",
            line(String::from_utf8_lossy(&input.canonical_document).into_owned()),
        ),
        (
            "proofCanonJCS.txt",
            line(String::from_utf8_lossy(&input.canonical_proof_config).into_owned()),
        ),
        ("docHashJCS.txt", line(hex::encode(input.document_hash))),
        (
            "proofHashJCS.txt",
            line(hex::encode(input.proof_config_hash)),
        ),
        ("combinedHashJCS.txt", line(hex::encode(input.hash_data()))),
        ("sigHexJCS.txt", line(hex::encode(signature.to_bytes()))),
        ("sigDerJCS.hex", line(hex::encode(signature.to_der()))),
        (
            "sigBTC58JCS.txt",
            line(encode_base58btc(&signature.to_bytes())),
        ),
        ("signedJCS.json", pretty(&Value::Object(signed))),
    ]
}

#[test]
fn every_intermediate_value_matches_the_published_files() {
    let files = computed();
    if std::env::var_os("COUNTERSIGN_WRITE_VECTORS").is_some() {
        std::fs::create_dir_all(dir()).expect("mkdir");
        for (name, text) in &files {
            std::fs::write(dir().join(name), text).expect("write");
        }
    }
    for (name, text) in &files {
        let path = dir().join(name);
        let published =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&published, text, "{name}");
    }
}

#[test]
fn the_published_key_pair_is_the_documented_derivation() {
    let text = std::fs::read(dir().join("keyPair.json")).expect("keyPair.json");
    let Ok(Value::Object(keys)) = countersign_jcs::parse_strict(&text) else {
        panic!("keyPair.json is not an object");
    };
    let secret = secret_key_from_multibase(keys["privateKeyMultibase"].as_str().expect("string"))
        .expect("the secret parses");
    assert_eq!(secret.public(), self::secret().public());
    let did = DidKey::from_multibase(keys["publicKeyMultibase"].as_str().expect("string"))
        .expect("the public key parses");
    assert_eq!(did.public_key(), secret.public());
    assert!(did.to_string().starts_with("did:key:zEPJ"));
}

#[test]
fn the_published_credential_verifies_under_the_national_profile_only() {
    let text = std::fs::read(dir().join("signedJCS.json")).expect("signedJCS.json");
    let signed = countersign_jcs::parse_strict(&text).expect("strict JSON");
    let signer = verify_proof_under(&signed, &Policy::only(Profile::Guomi)).expect("verifies");
    assert_eq!(signer.public_key(), secret().public());
    assert!(matches!(
        verify_proof_under(&signed, &Policy::only(Profile::Standard)),
        Err(countersign_credential::SignatureError::NotAllowed { .. })
    ));
}

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (scripts/test.sh installs it): {e}"))
}

#[test]
fn openssl_agrees_with_the_published_hashes_and_signature() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = scratch.path();
    let vector = |name: &str| {
        std::fs::read_to_string(dir().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .trim_end_matches('\n')
            .to_owned()
    };
    for (input, hash) in [
        ("canonDocJCS.txt", "docHashJCS.txt"),
        ("proofCanonJCS.txt", "proofHashJCS.txt"),
    ] {
        std::fs::write(s.join("in"), vector(input)).expect("write");
        let out = openssl(&["dgst", "-sm3", "-r", "in"], s);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            theirs.split_whitespace().next(),
            Some(vector(hash).as_str()),
            "SM3 of {input}"
        );
    }
    // What is signed is the 64 bytes of combinedHashJCS; OpenSSL hashes them with the signer's
    // Z value (SM3, default distinguishing ID) itself, as the cryptosuite does.
    let combined = hex::decode(vector("combinedHashJCS.txt")).expect("hex");
    std::fs::write(s.join("msg"), &combined).expect("write");
    std::fs::write(
        s.join("sig.der"),
        hex::decode(vector("sigDerJCS.hex")).expect("hex"),
    )
    .expect("write");
    std::fs::copy(dir().join("publicKey.pem"), s.join("pub.pem")).expect("copy");
    let verify = |msg: &str| {
        openssl(
            &[
                "pkeyutl",
                "-verify",
                "-rawin",
                "-digest",
                "sm3",
                "-pubin",
                "-inkey",
                "pub.pem",
                "-pkeyopt",
                "distid:1234567812345678",
                "-in",
                msg,
                "-sigfile",
                "sig.der",
            ],
            s,
        )
    };
    let out = verify("msg");
    assert!(
        out.status.success(),
        "OpenSSL refuses the published signature: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut changed = combined.clone();
    changed[0] ^= 1;
    std::fs::write(s.join("changed"), &changed).expect("write");
    assert!(!verify("changed").status.success());
    // The hex r‖s and the DER form are the same signature.
    let raw = Signature::from_slice(&hex::decode(vector("sigHexJCS.txt")).expect("hex"))
        .expect("64 bytes");
    assert_eq!(
        hex::encode(raw.to_der()),
        vector("sigDerJCS.hex"),
        "DER of r‖s"
    );
}
