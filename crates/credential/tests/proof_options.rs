//! The Data Integrity statements Countersign follows and the ones it refuses
//! (docs/PROTOCOL.md §2.2), one test each: the proof we emit, proofs issued before it carried
//! `@context`, `created` formats, `verificationMethod` forms, and the refused options.

use countersign_credential::eddsa_jcs::{create_proof, signing_input, verify_proof};
use countersign_credential::{DidKey, SignatureError, VC_V2_CONTEXT};
use countersign_crypto::SecretKey;
use ed25519_dalek::SigningKey;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

const CREATED: &str = "2026-11-01T09:00:00Z";

fn key() -> SecretKey {
    SecretKey::from(SigningKey::from_bytes(&[42; 32]))
}

fn unsigned() -> Map<String, Value> {
    match json!({
        "@context": [VC_V2_CONTEXT],
        "id": "urn:uuid:5b7e6c2e-3b1a-4c55-9a3e-8c1d2f7e9a10",
        "type": ["VerifiableCredential", "DiplomaCredential"],
        "issuer": {"id": DidKey::from_public_key(key().public()).to_string(), "name": "京华大学"},
        "validFrom": "2026-07-01T00:00:00Z",
        "credentialSubject": {"name": "张伟", "school": "京华大学"}
    }) {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

fn secured(proof: Map<String, Value>) -> Value {
    let mut doc = unsigned();
    doc.insert("proof".into(), Value::Object(proof));
    Value::Object(doc)
}

/// Signs `options` (proof options without `proofValue`) as the specification's Create Proof
/// does, whatever members they hold (our own `signing_input` refuses some), so that a refusal
/// is about the option, never a bad signature.
fn sign_options(options: Map<String, Value>) -> Value {
    let doc = unsigned();
    let mut config = options.clone();
    config.insert("@context".into(), json!([VC_V2_CONTEXT]));
    let hash = |v: Map<String, Value>| -> Vec<u8> {
        let canonical = countersign_jcs::canonicalize(&Value::Object(v)).expect("canonical");
        Sha256::digest(canonical).to_vec()
    };
    let data = [hash(config), hash(doc)].concat();
    let signature = key().sign(&data).to_bytes();
    let mut proof = options;
    proof.insert(
        "proofValue".into(),
        countersign_credential::multibase::encode_base58btc(&signature).into(),
    );
    secured(proof)
}

fn base_options() -> Map<String, Value> {
    let did = DidKey::from_public_key(key().public());
    match json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": CREATED,
        "verificationMethod": did.verification_method(),
        "proofPurpose": "assertionMethod",
    }) {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

#[test]
fn the_proof_we_emit_carries_the_documents_context_and_verifies() {
    let proof = create_proof(&unsigned(), &key(), CREATED).expect("signs");
    // Our signing input and the test's own reading of the specification agree.
    let mut options = proof.clone();
    options.shift_remove("proofValue");
    let input = signing_input(&unsigned(), &options).expect("canonicalises");
    assert_eq!(
        sign_options(options)["proof"]["proofValue"],
        json!(countersign_credential::multibase::encode_base58btc(
            &key().sign(&input.hash_data()).to_bytes()
        ))
    );
    assert_eq!(proof.get("@context"), Some(&json!([VC_V2_CONTEXT])));
    let signer = verify_proof(&secured(proof)).expect("verifies");
    assert_eq!(signer, DidKey::from_public_key(key().public()));
}

/// Credentials issued before the proof carried `@context`: the verification algorithm (spec
/// 3.3.2 step 4 and 3.3.5) puts the document's `@context` into the proof configuration, so
/// they verify unchanged, and removing the context from a new proof changes nothing signed.
#[test]
fn a_proof_without_context_verifies_as_the_specification_says() {
    let mut proof = create_proof(&unsigned(), &key(), CREATED).expect("signs");
    proof.shift_remove("@context");
    assert!(verify_proof(&secured(proof)).is_ok());
    assert!(verify_proof(&sign_options(base_options())).is_ok());
}

#[test]
fn a_proof_context_that_differs_from_the_documents_is_refused() {
    let mut proof = create_proof(&unsigned(), &key(), CREATED).expect("signs");
    proof.insert(
        "@context".into(),
        json!(["https://www.w3.org/ns/credentials/examples/v2"]),
    );
    assert_eq!(
        verify_proof(&secured(proof)),
        Err(SignatureError::ContextMismatch)
    );
}

#[test]
fn created_must_be_an_xml_schema_date_time_stamp() {
    for ok in [
        "2026-11-01T09:00:00Z",
        "2026-11-01T17:00:00+08:00",
        "2026-11-01T09:00:00.125Z",
    ] {
        let mut options = base_options();
        options.insert("created".into(), ok.into());
        assert!(verify_proof(&sign_options(options)).is_ok(), "{ok}");
    }
    // Optional in Data Integrity: a proof without it verifies.
    let mut options = base_options();
    options.shift_remove("created");
    assert!(verify_proof(&sign_options(options)).is_ok(), "no created");

    for bad in [
        json!("2026-11-01"),
        json!("2026-11-01T09:00:00"),
        json!("2026-11-01 09:00:00Z"),
        json!("2026-11-01t09:00:00Z"),
        json!("2026-11-01T09:00:00z"),
        json!("2026-11-01T09:00:00+0800"),
        json!(1_793_523_600),
    ] {
        let mut options = base_options();
        options.insert("created".into(), bad.clone());
        assert!(
            matches!(
                verify_proof(&sign_options(options)),
                Err(SignatureError::BadCreated { .. })
            ),
            "{bad} must be refused as a created time"
        );
    }
}

#[test]
fn verification_method_forms() {
    let did = DidKey::from_public_key(key().public());
    // The did:key verification method URL, and the bare DID (its one key).
    for vm in [did.verification_method(), did.to_string()] {
        let mut options = base_options();
        options.insert("verificationMethod".into(), vm.clone().into());
        assert!(verify_proof(&sign_options(options)).is_ok(), "{vm}");
    }
    // Refused: an embedded object (Data Integrity requires a URL string), another DID method
    // (resolving it needs the network, and a hall verifies offline), a fragment naming
    // another key.
    let other = DidKey::from_verifying_key(SigningKey::from_bytes(&[7; 32]).verifying_key());
    let refused = [
        (
            json!({"id": did.verification_method(), "type": "Multikey", "controller": did.to_string(), "publicKeyMultibase": did.multibase()}),
            "embedded",
        ),
        (json!("did:web:jyt.zj.gov.cn#key-1"), "did:web"),
        (
            json!(format!("{did}#{}", other.multibase())),
            "another key's fragment",
        ),
    ];
    for (vm, case) in refused {
        let mut options = base_options();
        options.insert("verificationMethod".into(), vm);
        let result = verify_proof(&sign_options(options));
        assert!(
            matches!(
                result,
                Err(SignatureError::MissingField("verificationMethod"))
                    | Err(SignatureError::VerificationMethod(_))
            ),
            "{case}: {result:?}"
        );
    }
}

#[test]
fn proof_purposes_other_than_assertion_method_are_refused() {
    for purpose in ["authentication", "capabilityInvocation", "keyAgreement"] {
        let mut options = base_options();
        options.insert("proofPurpose".into(), purpose.into());
        assert!(
            matches!(
                verify_proof(&sign_options(options)),
                Err(SignatureError::WrongProofPurpose { .. })
            ),
            "{purpose}"
        );
    }
}

/// Correctly signed proofs with options Countersign refuses: the refusal names the member.
#[test]
fn previous_proof_expires_domain_and_challenge_are_refused() {
    for (member, value) in [
        (
            "previousProof",
            json!("urn:uuid:4f2d0c64-7a8b-4a53-8f0c-1d2e3f4a5b6c"),
        ),
        ("expires", json!("2027-11-01T09:00:00Z")),
        ("domain", json!("zwfw.beijing.gov.cn")),
        ("challenge", json!("1f44b9a1-7c2e-4c4e-9b7e-3a2d5c6e8f90")),
    ] {
        let mut options = base_options();
        options.insert(member.into(), value);
        match verify_proof(&sign_options(options)) {
            Err(SignatureError::UnsupportedOption { member: found, .. }) => {
                assert_eq!(found, member)
            }
            other => panic!("{member}: want UnsupportedOption, got {other:?}"),
        }
    }
}

/// Followed: a proof `id` and a `nonce` are signed options with no meaning for a counter.
#[test]
fn a_proof_id_and_a_nonce_are_signed_and_accepted() {
    let mut options = base_options();
    options.insert(
        "id".into(),
        "urn:uuid:0d5b1f4e-2c3a-4b6d-8e9f-a1b2c3d4e5f6".into(),
    );
    options.insert("nonce".into(), "k3J9x2".into());
    let doc = sign_options(options);
    assert!(verify_proof(&doc).is_ok());
    let mut changed = doc.clone();
    changed["proof"]["nonce"] = "k3J9x3".into();
    assert_eq!(verify_proof(&changed), Err(SignatureError::Mismatch));
}

/// Refused: the specification accepts a document `@context` that only starts with the proof's,
/// but the contexts after it are not signed and could redefine the signed terms.
#[test]
fn contexts_appended_after_the_proofs_are_refused() {
    let proof = create_proof(&unsigned(), &key(), CREATED).expect("signs");
    let mut doc = secured(proof);
    doc["@context"] = json!([VC_V2_CONTEXT, "https://evil.example/context/v1"]);
    assert_eq!(
        verify_proof(&doc),
        Err(SignatureError::UnsignedContext { unsigned: 1 })
    );
}
