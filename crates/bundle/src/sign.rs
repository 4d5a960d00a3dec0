//! Signing and opening bundles: the authority's key file, the signing input (a domain tag and
//! the RFC 8785 form of `bundle`), the signed file `{"bundle", "signature"}`.
//!
//! The authority signs with Ed25519 or, under the national profile (国密), with SM2. A key's
//! text names its algorithm: an Ed25519 key is 64 hex digits, as it has always been written
//! (so every bundle and `authority.pub` made before SM2 existed reads as it did), an SM2 key is
//! `sm2:` and its 33-byte compressed point in 66 hex digits. A signature names its algorithm in
//! `signature.algorithm` (absent: Ed25519), and is checked only under the algorithm of the key
//! the machine trusts.

use crate::error::BundleError;
use crate::model::{Bundle, FORMAT};
use crate::settings::Settings;
use countersign_crypto::{PublicKey, SecretKey, SigAlg, Signature};
use serde_json::{json, Map, Value};
use std::path::Path;

/// The domain tag: the signing input is these bytes, one `0x00`, then the canonical bundle.
/// A signature over a bundle can then never be taken for one over anything else the
/// authority signs.
pub const SIGNING_DOMAIN: &str = "countersign-hall-bundle-v1";

const KEY_TYPE: &str = "countersign-authority-key";

/// The prefix of an SM2 key's text. Ed25519 keys have none: they were written as bare hex
/// before there was a second algorithm, and every existing bundle and authority file says so.
const SM2_PREFIX: &str = "sm2:";
const ED25519_PREFIX: &str = "ed25519:";

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

/// A public key's text, the one form bundles, key files and `authority.pub` hold: an Ed25519
/// key as 64 lowercase hex digits, an SM2 key as `sm2:` and 66 lowercase hex digits (the
/// compressed point).
pub fn key_hex(key: &PublicKey) -> String {
    match key.alg() {
        SigAlg::Ed25519 => hex::encode(key.to_bytes()),
        SigAlg::Sm2 => format!("{SM2_PREFIX}{}", hex::encode(key.to_bytes())),
    }
}

/// Reads a public key's text (surrounding space allowed): 64 hex digits, with `0x` or
/// `ed25519:` before them or not, are an Ed25519 key; `sm2:` and 66 hex digits (compressed)
/// or 130 (`04` ‖ x ‖ y, as OpenSSL prints it) are an SM2 key.
pub fn parse_public_key(text: &str) -> Result<PublicKey, String> {
    const FORMS: &str =
        "an authority public key is 64 hex digits (Ed25519) or sm2: and 66 hex digits (SM2)";
    let t = text.trim();
    let (alg, digits) = match strip_prefix_ignore_case(t, SM2_PREFIX) {
        Some(rest) => (SigAlg::Sm2, rest),
        None => {
            let rest = strip_prefix_ignore_case(t, ED25519_PREFIX)
                .or_else(|| strip_prefix_ignore_case(t, "0x"))
                .unwrap_or(t);
            (SigAlg::Ed25519, rest)
        }
    };
    let lengths: &[usize] = match alg {
        SigAlg::Ed25519 => &[64],
        SigAlg::Sm2 => &[66, 130],
    };
    if !lengths.contains(&digits.len()) {
        return Err(FORMS.into());
    }
    let bytes = hex::decode(digits).map_err(|_| FORMS.to_string())?;
    PublicKey::from_bytes(alg, &bytes).map_err(|e| format!("not a valid {alg} public key ({e})"))
}

/// `text` after `prefix`, whatever the case of its letters (IT types keys by hand).
fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// The provincial IT authority's signing key: Ed25519, or SM2 under the national profile.
#[derive(Debug, Clone)]
pub struct AuthorityKey {
    key: SecretKey,
}

impl AuthorityKey {
    /// A new key of `alg` from the OS random source.
    pub fn generate(alg: SigAlg) -> Result<Self, BundleError> {
        let key = SecretKey::generate(alg).map_err(|e| {
            BundleError::new(
                crate::ErrorKind::Random,
                e.to_string(),
                "try again; if it persists, the OS random source is broken",
            )
        })?;
        Ok(Self::from_secret(key))
    }

    /// A key from its secret (tests, imports).
    pub fn from_secret(key: SecretKey) -> Self {
        Self { key }
    }

    /// Which algorithm it signs with.
    pub fn alg(&self) -> SigAlg {
        self.key.alg()
    }

    /// The public key bundles are checked against.
    pub fn public(&self) -> PublicKey {
        self.key.public()
    }

    /// The public key's text (what `authority.pub` holds; see [`key_hex`]).
    pub fn public_text(&self) -> String {
        key_hex(&self.public())
    }

    /// The key file's text: `{"type": "countersign-authority-key", "algorithm", "publicKey",
    /// "privateKey"}` (the secret as 64 hex digits: Ed25519's seed, SM2's scalar). The caller
    /// writes it readable only by its owner.
    pub fn to_file_text(&self) -> String {
        let body = json!({
            "type": KEY_TYPE,
            "algorithm": self.alg().name(),
            "publicKey": self.public_text(),
            "privateKey": hex::encode(self.key.to_bytes().as_slice()),
        });
        format!("{body:#}\n")
    }

    /// Reads a key file written by [`AuthorityKey::to_file_text`]. A file without `algorithm`
    /// is Ed25519 (every key file written before SM2 keys existed).
    pub fn read(path: &Path) -> Result<Self, BundleError> {
        let bytes = std::fs::read(path).map_err(|e| BundleError::unreadable(path, e))?;
        let bad = |why: &str| BundleError::key_file(path, why);
        let value = countersign_jcs::parse_strict(&bytes).map_err(|e| bad(&e.to_string()))?;
        if value.get("type").and_then(Value::as_str) != Some(KEY_TYPE) {
            return Err(bad(&format!("its type is not {KEY_TYPE}")));
        }
        let alg = named_algorithm(&value, "algorithm").map_err(|e| bad(&e))?;
        let mut secret = [0u8; 32];
        let ok = value
            .get("privateKey")
            .and_then(Value::as_str)
            .is_some_and(|h| h.len() == 64 && hex::decode_to_slice(h, &mut secret).is_ok());
        if !ok {
            return Err(bad("privateKey is not 64 hex digits"));
        }
        let key = SecretKey::from_bytes(alg, &secret)
            .map_err(|e| bad(&format!("its privateKey is not a usable {alg} key ({e})")))?;
        let key = Self::from_secret(key);
        if value.get("publicKey").and_then(Value::as_str) != Some(key.public_text().as_str()) {
            return Err(bad(&format!(
                "its publicKey does not match its privateKey (an {alg} key, whose public key is {})",
                key.public_text()
            )));
        }
        Ok(key)
    }
}

/// The signature algorithm a JSON object names in `member`: absent is Ed25519 (files written
/// before SM2), anything but a known name is refused with the names known.
pub(crate) fn named_algorithm(object: &Value, member: &str) -> Result<SigAlg, String> {
    match object.get(member) {
        None => Ok(SigAlg::Ed25519),
        Some(Value::String(name)) => SigAlg::from_name(name).map_err(|_| {
            format!(
                "{member} {:?} is not a signature algorithm Countersign knows ({})",
                name.chars().take(40).collect::<String>(),
                algorithm_names()
            )
        }),
        Some(_) => Err(format!("{member} is not text ({})", algorithm_names())),
    }
}

fn algorithm_names() -> String {
    let names: Vec<String> = SigAlg::ALL
        .iter()
        .map(|a| format!("{:?}", a.name()))
        .collect();
    format!("it is {}", names.join(" or "))
}

/// Signs `bundle`: sets its `authority` to the key's public key (refusing a draft that names
/// another authority), checks every rule of the format (and that the bundle's `crypto` policy
/// accepts the key's algorithm), and returns the signed file's bytes (pretty JSON, members in
/// the order of docs/PROTOCOL.md §10.3, a final newline).
pub fn sign(bundle: &Bundle, key: &AuthorityKey) -> Result<Vec<u8>, String> {
    let mut bundle = bundle.clone();
    let public = key.public_text();
    match &bundle.authority {
        Some(named) if *named != public => {
            return Err(format!(
                "the bundle names authority {named}, but the key signing it is {public}"
            ))
        }
        _ => bundle.authority = Some(public.clone()),
    }
    let settings = Settings::from_bundle(&bundle)?;
    settings.check_signer(key.alg())?;
    let value = bundle.to_value()?;
    let signature = key.key.sign(&signing_input(&value)?);
    let mut named = Map::new();
    // Ed25519 goes unnamed, as in every bundle signed before SM2: a build from before reads a
    // new Ed25519 bundle as it read the old ones.
    if key.alg() != SigAlg::Ed25519 {
        named.insert("algorithm".into(), key.alg().name().into());
    }
    named.insert("publicKey".into(), public.into());
    named.insert("value".into(), hex::encode(signature.to_bytes()).into());
    let file = json!({
        "bundle": value,
        "signature": named,
    });
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    Ok(format!("{text}\n").into_bytes())
}

/// A signed bundle file read, not yet trusted: its structure is sound, its signature not
/// yet checked.
#[derive(Debug, Clone)]
pub struct Envelope {
    bundle: Value,
    signer: PublicKey,
    signature: Signature,
    bytes: Vec<u8>,
}

impl Envelope {
    /// Reads a signed bundle file's bytes (`path` names it in errors). Refuses what is not
    /// JSON, a bundle without a signature, anything but `{"bundle": {…}, "signature":
    /// {"algorithm"?, "publicKey", "value"}}`, and a signature whose `algorithm` is not its
    /// key's (a signature relabelled as another algorithm's).
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
        let members = signature
            .as_object()
            .ok_or_else(|| bad("\"signature\" is not an object".into()))?;
        if let Some(other) = members
            .keys()
            .find(|k| !matches!(k.as_str(), "algorithm" | "publicKey" | "value"))
        {
            return Err(bad(format!("unknown member {other:?} in signature")));
        }
        let named =
            named_algorithm(signature, "algorithm").map_err(|e| bad(format!("signature.{e}")))?;
        let signer = members
            .get("publicKey")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("signature.publicKey is missing".into()))
            .and_then(|t| {
                parse_public_key(t).map_err(|e| bad(format!("signature.publicKey: {e}")))
            })?;
        // The algorithm a signature is checked under is its key's; a label saying otherwise
        // is a signature passed off as another algorithm's, never a choice.
        if signer.alg() != named {
            return Err(bad(format!(
                "signature.algorithm says {named}, but signature.publicKey is an {} key: a relabelled signature is never checked",
                signer.alg()
            )));
        }
        let mut sig = [0u8; 64];
        let ok = members
            .get("value")
            .and_then(Value::as_str)
            .is_some_and(|h| h.len() == 128 && hex::decode_to_slice(h, &mut sig).is_ok());
        if !ok {
            return Err(bad("signature.value is not 128 hex digits".into()));
        }
        Ok(Self {
            bundle,
            signer,
            signature: Signature(sig),
            bytes: bytes.to_vec(),
        })
    }

    /// The key that says it signed the bundle (not to be trusted for being there).
    pub fn signer(&self) -> &PublicKey {
        &self.signer
    }

    /// Checks the bundle against the `trusted` key (`from` says where that trust comes from,
    /// for messages): the signature must be of the trusted key's algorithm, the signer must be
    /// that key, the signature must verify over the signing input, and the content must be a
    /// bundle of this format that keeps every rule (its `crypto` accepting the algorithm it is
    /// signed with).
    pub fn open(
        self,
        trusted: &PublicKey,
        from: &str,
        path: &Path,
    ) -> Result<SignedBundle, BundleError> {
        if self.signer.alg() != trusted.alg() {
            return Err(BundleError::algorithm_mismatch(
                path,
                self.signer.alg(),
                trusted,
                from,
            ));
        }
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
            .verify(&input, &self.signature)
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
        settings
            .check_signer(self.signer.alg())
            .map_err(|e| BundleError::malformed(path, e))?;
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
    authority: PublicKey,
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

    /// The authority that signed it (its algorithm is the signature's).
    pub fn authority(&self) -> &PublicKey {
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
