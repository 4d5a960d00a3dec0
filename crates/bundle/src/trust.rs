//! Whom a machine trusts to provision it: an authority key given explicitly, else the one
//! installed in `authority.pub`, else the authority of the bundle already applied. A bundle's
//! own key is never trusted for being inside it.
//!
//! The trusted key's algorithm is part of the trust: a machine that trusts an Ed25519 authority
//! accepts no SM2 signature, and the reverse, whatever key the bundle names.

use crate::error::BundleError;
use crate::sign::{key_hex, named_algorithm, parse_public_key};
use countersign_crypto::PublicKey;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the trusted authority key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustSource {
    /// Given for this run (`--authority`, `COUNTERSIGN_AUTHORITY`).
    Explicit,
    /// The machine's authority file (`/etc/countersign/authority.pub`).
    AuthorityFile(PathBuf),
    /// The bundle already applied on this machine.
    Applied(PathBuf),
}

impl fmt::Display for TrustSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("--authority"),
            Self::AuthorityFile(p) => write!(f, "{}", p.display()),
            Self::Applied(p) => write!(f, "the bundle applied on this machine, {}", p.display()),
        }
    }
}

/// The trusted authority key and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The key (and with it, the one signature algorithm accepted).
    pub key: PublicKey,
    /// Its source.
    pub source: TrustSource,
}

/// Reads a public key file: a key's text (what `authority.pub` holds: 64 hex digits for
/// Ed25519, `sm2:` and 66 hex digits for SM2), or a JSON key file with a `publicKey` member
/// (the authority's key file; only the public half is used) and, if it names one, the same
/// `algorithm`.
pub fn read_public_key_file(path: &Path) -> Result<PublicKey, BundleError> {
    let bytes = std::fs::read(path).map_err(|e| BundleError::unreadable(path, e))?;
    let from = path.display().to_string();
    let text = String::from_utf8(bytes)
        .map_err(|_| BundleError::bad_trust_anchor(&from, "the file is not text"))?;
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let value = countersign_jcs::parse_strict(trimmed.as_bytes())
            .map_err(|e| BundleError::bad_trust_anchor(&from, e))?;
        let public = value
            .get("publicKey")
            .and_then(Value::as_str)
            .ok_or_else(|| BundleError::bad_trust_anchor(&from, "it has no publicKey"))?;
        let key = parse_public_key(public).map_err(|e| BundleError::bad_trust_anchor(&from, e))?;
        // A key file names its algorithm; one from before SM2 does not, and its key's text
        // says Ed25519 alone.
        if value.get("algorithm").is_some() {
            let named = named_algorithm(&value, "algorithm")
                .map_err(|e| BundleError::bad_trust_anchor(&from, e))?;
            if named != key.alg() {
                return Err(BundleError::bad_trust_anchor(
                    &from,
                    format!(
                        "it says algorithm {named}, but its publicKey {} is an {} key",
                        key_hex(&key),
                        key.alg()
                    ),
                ));
            }
        }
        return Ok(key);
    }
    parse_public_key(trimmed).map_err(|e| BundleError::bad_trust_anchor(&from, e))
}

/// Reads an explicit authority: a key's text (64 hex digits, or `sm2:` and 66), or the name of
/// a file holding one (or a key file with `publicKey`).
pub fn parse_authority(text: &str) -> Result<PublicKey, BundleError> {
    let path = Path::new(text.trim());
    if path.is_file() {
        return read_public_key_file(path);
    }
    parse_public_key(text).map_err(|e| {
        BundleError::bad_trust_anchor(
            "--authority",
            format!("{text:?} is neither a file nor a public key ({e})"),
        )
    })
}
