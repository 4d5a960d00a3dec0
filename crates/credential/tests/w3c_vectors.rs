//! Reproduces every intermediate value of the W3C eddsa-jcs-2022 test vectors byte for byte
//! (tests/vectors/w3c-vc-di-eddsa, copied from the spec repository with its licence note).

use countersign_credential::did_key::{secret_key_from_multibase, DidKey};
use countersign_credential::eddsa_jcs::{signing_input, verify_proof};
use countersign_credential::multibase::encode_base58btc;
use serde_json::{Map, Value};

fn vector(name: &str) -> String {
    let path = format!(
        "{}/../../tests/vectors/w3c-vc-di-eddsa/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn text_vector(name: &str) -> String {
    vector(name).trim_end_matches('\n').to_owned()
}

fn object(name: &str) -> Map<String, Value> {
    match countersign_jcs::parse_strict(vector(name).as_bytes()) {
        Ok(Value::Object(map)) => map,
        other => panic!("{name} is not a JSON object: {other:?}"),
    }
}

#[test]
fn every_intermediate_value_matches() {
    let unsigned = object("unsigned.json");
    let options = object("proofConfigJCS.json");
    let input = signing_input(&unsigned, &options).expect("vector canonicalises");

    assert_eq!(
        String::from_utf8_lossy(&input.canonical_document),
        text_vector("canonDocJCS.txt"),
        "canonical document"
    );
    assert_eq!(
        String::from_utf8_lossy(&input.canonical_proof_config),
        text_vector("proofCanonJCS.txt"),
        "canonical proof configuration"
    );
    assert_eq!(
        hex::encode(input.document_hash),
        text_vector("docHashJCS.txt"),
        "document hash"
    );
    assert_eq!(
        hex::encode(input.proof_config_hash),
        text_vector("proofHashJCS.txt"),
        "proof hash"
    );
    assert_eq!(
        hex::encode(input.hash_data()),
        text_vector("combinedHashJCS.txt"),
        "combined hash"
    );

    let keys = object("keyPair.json");
    let secret = secret_key_from_multibase(keys["privateKeyMultibase"].as_str().expect("string"))
        .expect("vector secret key");
    let did = DidKey::from_public_key(secret.public());
    assert_eq!(
        did.multibase(),
        keys["publicKeyMultibase"].as_str().expect("string")
    );

    let signature = secret.sign(&input.hash_data()).to_bytes();
    assert_eq!(
        hex::encode(signature),
        text_vector("sigHexJCS.txt"),
        "signature (hex)"
    );
    let proof_value = encode_base58btc(&signature);
    assert_eq!(
        proof_value,
        text_vector("sigBTC58JCS.txt"),
        "signature (multibase)"
    );

    let mut proof = options.clone();
    proof.insert("proofValue".into(), proof_value.into());
    let mut signed = unsigned.clone();
    signed.insert("proof".into(), Value::Object(proof));
    let expected = Value::Object(object("signedJCS.json"));
    assert_eq!(
        countersign_jcs::canonicalize(&Value::Object(signed)).expect("canonical"),
        countersign_jcs::canonicalize(&expected).expect("canonical"),
        "secured document"
    );
}

#[test]
fn the_vector_credential_verifies_and_names_its_key() {
    let signed = Value::Object(object("signedJCS.json"));
    let keys = object("keyPair.json");
    let did = verify_proof(&signed).expect("the W3C vector verifies");
    assert_eq!(
        did.multibase(),
        keys["publicKeyMultibase"].as_str().expect("string")
    );
}

#[test]
fn a_proof_context_that_is_not_a_prefix_is_refused() {
    let mut signed = object("signedJCS.json");
    if let Some(Value::Object(proof)) = signed.get_mut("proof") {
        proof.insert(
            "@context".into(),
            serde_json::json!(["https://www.w3.org/ns/credentials/examples/v2"]),
        );
    }
    assert_eq!(
        verify_proof(&Value::Object(signed)),
        Err(countersign_credential::SignatureError::ContextMismatch)
    );
}

#[test]
fn the_one_pass_verifier_agrees_with_the_two_separate_steps() {
    let demo = format!("{}/../../assets/demo/samples", env!("CARGO_MANIFEST_DIR"));
    for name in [
        "valid-business-licence",
        "valid-residence-permit",
        "revoked-diploma",
    ] {
        let text = std::fs::read_to_string(format!("{demo}/{name}.json")).expect("demo sample");
        let doc = countersign_jcs::parse_strict(text.as_bytes()).expect("strict JSON");
        let (signer, leaf) =
            countersign_credential::verify_with_leaf(&doc, &countersign_credential::any_profile())
                .expect("verifies");
        assert_eq!(Ok(signer), verify_proof(&doc), "{name}: signer");
        assert_eq!(
            Ok(leaf),
            countersign_credential::credential_leaf(doc.as_object().expect("object")),
            "{name}: leaf"
        );
    }
    // With a proof @context the signed document uses the proof's context, the leaf the
    // document's own.
    let signed = Value::Object(object("signedJCS.json"));
    let (_, leaf) =
        countersign_credential::verify_with_leaf(&signed, &countersign_credential::any_profile())
            .expect("vector verifies");
    assert_eq!(
        Ok(leaf),
        countersign_credential::credential_leaf(signed.as_object().expect("object"))
    );
}

/// Our issuing path reproduces the vector's secured credential exactly, `@context` in the
/// proof included (the form every conformant verifier accepts).
#[test]
fn create_proof_reproduces_the_vectors_secured_credential() {
    let unsigned = object("unsigned.json");
    let keys = object("keyPair.json");
    let secret = secret_key_from_multibase(keys["privateKeyMultibase"].as_str().expect("string"))
        .expect("vector secret key");
    let created = object("proofConfigJCS.json")["created"]
        .as_str()
        .expect("created")
        .to_owned();
    let proof = countersign_credential::eddsa_jcs::create_proof(&unsigned, &secret, &created)
        .expect("signs the vector");
    let mut signed = unsigned.clone();
    signed.insert("proof".into(), Value::Object(proof));
    assert_eq!(
        String::from_utf8_lossy(
            &countersign_jcs::canonicalize(&Value::Object(signed)).expect("canonical")
        ),
        String::from_utf8_lossy(
            &countersign_jcs::canonicalize(&Value::Object(object("signedJCS.json")))
                .expect("canonical")
        ),
        "secured document"
    );
}
