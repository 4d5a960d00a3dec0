//! Signing and opening bundles: the authority's key file, the signing input (a domain tag and
//! the RFC 8785 form of `bundle`), the signed file `{"bundle", "signature"}`.

use crate::error::BundleError;
use crate::model::{Bundle, FORMAT};
use crate::settings::Settings;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{json, Value};
use std::path::Path;

/// The domain tag: the signing input is these bytes, one `0x00`, then the canonical bundle.
/// A signature over a bundle can then never be taken for one over anything else the
/// authority signs.
pub const SIGNING_DOMAIN: &str = "countersign-hall-bundle-v1";

const KEY_TYPE: &str = "countersign-authority-key";

/// Bundles are small; a file beyond this is not one (and is not read whole into a parser).
pub const MAX_BUNDLE_BYTES: usize = 1024 * 1024;

/// The bytes the authority signs for `bundle` (an object): `SIGNING_DOMAIN ‖ 0x00 ‖ JCS(bundle)`.
pub fn signing_input(bundle: &Value) -> Result<Vec<u8>, String> {
    let canonical = countersign_jcs::canonicalize(bundle).map_err(|e| e.to_string())?;
    let mut input = Vec::with_capacity(SIGNING_DOMAIN.len() + 1 + canonical.len());
    input.extend_from_slice(SIGNING_DOMAIN.as_bytes());
    input.push(0);
    input.extend_from_slice(&canonical);
    Ok(input)
}

/// A public key as 64 lowercase hex digits.
pub fn key_hex(key: &VerifyingKey) -> String {
    hex::encode(key.to_bytes())
}

/// Reads a public key from 64 hex digits (`0x` and surrounding space allowed).
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let mut bytes = [0u8; 32];
    if digits.len() != 64 || hex::decode_to_slice(digits, &mut bytes).is_err() {
        return Err("an Ed25519 public key is 64 hex digits".into());
    }
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid Ed25519 public key".to_string())
}

/// The provincial IT authority's signing key.
#[derive(Debug, Clone)]
pub struct AuthorityKey {
    key: SigningKey,
}

impl AuthorityKey {
    /// A new key from the OS random source.
    pub fn generate() -> Result<Self, BundleError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| {
            BundleError::new(
                crate::ErrorKind::Random,
                format!("no system randomness: {e}"),
                "try again; if it persists, the OS random source is broken",
            )
        })?;
        Ok(Self::from_signing_key(SigningKey::from_bytes(&seed)))
    }

    /// A key from its secret (tests, imports).
    pub fn from_signing_key(key: SigningKey) -> Self {
        Self { key }
    }

    /// The public key bundles are checked against.
    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key as 64 hex digits (what `authority.pub` holds).
    pub fn public_hex(&self) -> String {
        key_hex(&self.public())
    }

    /// The key file's text: `{"type": "countersign-authority-key", "publicKey", "privateKey"}`
    /// (hex). The caller writes it readable only by its owner.
    pub fn to_file_text(&self) -> String {
        let body = json!({
            "type": KEY_TYPE,
            "publicKey": self.public_hex(),
            "privateKey": hex::encode(self.key.to_bytes()),
        });
        format!("{body:#}\n")
    }

    /// Reads a key file written by [`AuthorityKey::to_file_text`].
    pub fn read(path: &Path) -> Result<Self, BundleError> {
        let bytes = std::fs::read(path).map_err(|e| BundleError::unreadable(path, e))?;
        let bad = |why: &str| BundleError::key_file(path, why);
        let value = countersign_jcs::parse_strict(&bytes).map_err(|e| bad(&e.to_string()))?;
        if value.get("type").and_then(Value::as_str) != Some(KEY_TYPE) {
            return Err(bad(&format!("its type is not {KEY_TYPE}")));
        }
        let mut secret = [0u8; 32];
        let ok = value
            .get("privateKey")
            .and_then(Value::as_str)
            .is_some_and(|h| h.len() == 64 && hex::decode_to_slice(h, &mut secret).is_ok());
        if !ok {
            return Err(bad("privateKey is not 64 hex digits"));
        }
        let key = Self::from_signing_key(SigningKey::from_bytes(&secret));
        if value.get("publicKey").and_then(Value::as_str) != Some(key.public_hex().as_str()) {
            return Err(bad("its publicKey does not match its privateKey"));
        }
        Ok(key)
    }
}

/// Signs `bundle`: sets its `authority` to the key's public key (refusing a draft that names
/// another authority), checks every rule of the format, and returns the signed file's bytes
/// (pretty JSON, members in the order of docs/PROTOCOL.md §10.3, a final newline).
pub fn sign(bundle: &Bundle, key: &AuthorityKey) -> Result<Vec<u8>, String> {
    let mut bundle = bundle.clone();
    let public = key.public_hex();
    match &bundle.authority {
        Some(named) if *named != public => {
            return Err(format!(
                "the bundle names authority {named}, but the key signing it is {public}"
            ))
        }
        _ => bundle.authority = Some(public.clone()),
    }
    Settings::from_bundle(&bundle)?;
    let value = bundle.to_value()?;
    let signature = key.key.sign(&signing_input(&value)?);
    let file = json!({
        "bundle": value,
        "signature": {
            "publicKey": public,
            "value": hex::encode(signature.to_bytes()),
        }
    });
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    Ok(format!("{text}\n").into_bytes())
}

/// A signed bundle file read, not yet trusted: its structure is sound, its signature not
/// yet checked.
#[derive(Debug, Clone)]
pub struct Envelope {
    bundle: Value,
    signer: VerifyingKey,
    signature: Signature,
    bytes: Vec<u8>,
}

impl Envelope {
    /// Reads a signed bundle file's bytes (`path` names it in errors). Refuses what is not
    /// JSON, a bundle without a signature, and anything but `{"bundle": {…}, "signature":
    /// {"publicKey", "value"}}`.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self, BundleError> {
        let bad = |why: String| BundleError::malformed(path, why);
        let limits = countersign_jcs::Limits {
            max_depth: 32,
            max_bytes: MAX_BUNDLE_BYTES,
        };
        let value =
            countersign_jcs::parse_strict_with(bytes, &limits).map_err(|e| bad(e.to_string()))?;
        let object = value
            .as_object()
            .ok_or_else(|| bad("it is not a JSON object".into()))?;
        // A draft from `provision create` is the bundle object itself.
        if object.contains_key("format") && !object.contains_key("bundle") {
            return Err(BundleError::unsigned(path));
        }
        if let Some(other) = object.keys().find(|k| *k != "bundle" && *k != "signature") {
            return Err(bad(format!(
                "unknown member {other:?} beside bundle and signature"
            )));
        }
        let bundle = object
            .get("bundle")
            .filter(|b| b.is_object())
            .ok_or_else(|| bad("\"bundle\" is missing or not an object".into()))?
            .clone();
        let Some(signature) = object.get("signature") else {
            return Err(BundleError::unsigned(path));
        };
        let signature = signature
            .as_object()
            .ok_or_else(|| bad("\"signature\" is not an object".into()))?;
        if let Some(other) = signature
            .keys()
            .find(|k| *k != "publicKey" && *k != "value")
        {
            return Err(bad(format!("unknown member {other:?} in signature")));
        }
        let signer = signature
            .get("publicKey")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("signature.publicKey is missing".into()))
            .and_then(|t| {
                parse_public_key(t).map_err(|e| bad(format!("signature.publicKey: {e}")))
            })?;
        let mut sig = [0u8; 64];
        let ok = signature
            .get("value")
            .and_then(Value::as_str)
            .is_some_and(|h| h.len() == 128 && hex::decode_to_slice(h, &mut sig).is_ok());
        if !ok {
            return Err(bad("signature.value is not 128 hex digits".into()));
        }
        Ok(Self {
            bundle,
            signer,
            signature: Signature::from_bytes(&sig),
            bytes: bytes.to_vec(),
        })
    }

    /// The key that says it signed the bundle (not to be trusted for being there).
    pub fn signer(&self) -> &VerifyingKey {
        &self.signer
    }

    /// Checks the bundle against the `trusted` key (`from` says where that trust comes from,
    /// for messages): the signer must be that key, the signature must verify over the
    /// signing input, and the content must be a bundle of this format that keeps every rule.
    pub fn open(
        self,
        trusted: &VerifyingKey,
        from: &str,
        path: &Path,
    ) -> Result<SignedBundle, BundleError> {
        if self.signer != *trusted {
            return Err(BundleError::untrusted_key(
                path,
                &key_hex(&self.signer),
                &key_hex(trusted),
                from,
            ));
        }
        let input = signing_input(&self.bundle).map_err(|e| BundleError::malformed(path, e))?;
        trusted
            .verify_strict(&input, &self.signature)
            .map_err(|_| BundleError::bad_signature(path))?;
        // The format is read before the rest, so a newer format says "update" rather than
        // "unknown member".
        match self.bundle.get("format").and_then(Value::as_str) {
            Some(FORMAT) => {}
            Some(other) => return Err(BundleError::unsupported_format(path, other)),
            None => return Err(BundleError::malformed(path, "format is missing")),
        }
        let bundle =
            Bundle::from_value(&self.bundle).map_err(|e| BundleError::malformed(path, e))?;
        let settings =
            Settings::from_bundle(&bundle).map_err(|e| BundleError::malformed(path, e))?;
        let named = bundle.authority.as_deref().unwrap_or("");
        if named != key_hex(&self.signer) {
            return Err(BundleError::malformed(
                path,
                format!(
                    "its authority member ({named:?}) is not the key that signed it ({})",
                    key_hex(&self.signer)
                ),
            ));
        }
        Ok(SignedBundle {
            bundle,
            settings,
            authority: self.signer,
            signing_input: input,
            bytes: self.bytes,
        })
    }
}

/// A bundle whose signature verified against a trusted key and whose content keeps every rule.
#[derive(Debug, Clone)]
pub struct SignedBundle {
    bundle: Bundle,
    settings: Settings,
    authority: VerifyingKey,
    signing_input: Vec<u8>,
    bytes: Vec<u8>,
}

impl SignedBundle {
    /// The bundle as signed.
    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }

    /// Its typed view.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The authority that signed it.
    pub fn authority(&self) -> &VerifyingKey {
        &self.authority
    }

    /// The signed file's bytes, as read.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The hall id.
    pub fn hall(&self) -> &str {
        &self.settings.hall.id
    }

    /// The version.
    pub fn version(&self) -> u64 {
        self.settings.version
    }

    /// Whether `other` is the same signed content (whatever the file's whitespace).
    pub fn same_content(&self, other: &SignedBundle) -> bool {
        self.signing_input == other.signing_input && self.authority == other.authority
    }
}
