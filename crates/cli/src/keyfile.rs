//! Issuer key files: JSON with the did:key, the name and the Multikey secret, mode 0600. The
//! secret's multicodec header says its algorithm (Ed25519, or SM2 under the national profile),
//! and the did:key says it again.

use crate::{read_file, CliError};
use countersign_credential::did_key::{secret_key_from_multibase, secret_key_multibase};
use countersign_credential::Issuer;
use countersign_crypto::{Profile, SecretKey};
use serde_json::json;
use std::path::Path;

const KEY_FILE_TYPE: &str = "countersign-issuer-key";

/// Writes a key file that only its owner can read; never overwrites.
pub fn write_key_file(path: &Path, key: &SecretKey, name: &str) -> Result<String, CliError> {
    let did = countersign_credential::DidKey::from_public_key(key.public()).to_string();
    let body = json!({
        "type": KEY_FILE_TYPE,
        "did": did,
        "name": name,
        "privateKeyMultibase": secret_key_multibase(key),
    });
    let text = serde_json::to_string_pretty(&body).map_err(|e| CliError::Failed(e.to_string()))?;
    write_private(path, &format!("{text}\n"))?;
    Ok(did)
}

/// Creates `path` readable only by its owner (0600) and writes `text`; never overwrites.
pub fn write_private(path: &Path, text: &str) -> Result<(), CliError> {
    countersign_hallkey::write_private(path, text.as_bytes())
        .map_err(|e| CliError::Failed(format!("cannot create key file {}: {e}", path.display())))
}

/// `countersign keygen`: an Ed25519 key, or an SM2 key under the national profile.
pub fn keygen(path: &Path, name: &str, profile: Profile) -> Result<(), CliError> {
    if name.trim().is_empty() {
        return Err(CliError::Usage("the issuer name must not be empty".into()));
    }
    let key = SecretKey::generate(profile.sig()).map_err(|e| CliError::Failed(e.to_string()))?;
    let did = write_key_file(path, &key, name.trim())?;
    println!("{did}");
    eprintln!(
        "key written to {} (mode 0600); register the did:key above with the governance authority",
        path.display()
    );
    Ok(())
}

/// Reads a key file into an issuer.
pub fn read_issuer(path: &Path) -> Result<Issuer, CliError> {
    let bad = |why: &str| {
        CliError::Usage(format!(
            "{} is not a Countersign issuer key file: {why}",
            path.display()
        ))
    };
    let value =
        countersign_jcs::parse_strict(&read_file(path)?).map_err(|e| bad(&e.to_string()))?;
    if value.get("type").and_then(|v| v.as_str()) != Some(KEY_FILE_TYPE) {
        return Err(bad("its type is not countersign-issuer-key"));
    }
    let secret = value
        .get("privateKeyMultibase")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad("privateKeyMultibase is missing"))?;
    let key = secret_key_from_multibase(secret).map_err(|e| bad(&e.to_string()))?;
    let name = value
        .get("name")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad("name is missing"))?;
    let issuer = Issuer::new(key, name);
    if value.get("did").and_then(|v| v.as_str()) != Some(issuer.did().to_string().as_str()) {
        return Err(bad("its did does not match its key"));
    }
    Ok(issuer)
}
