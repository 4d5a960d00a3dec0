//! Whom a machine trusts to provision it: an authority key given explicitly, else the one
//! installed in `authority.pub`, else the authority of the bundle already applied. A bundle's
//! own key is never trusted for being inside it.

use crate::error::BundleError;
use crate::sign::parse_public_key;
use ed25519_dalek::VerifyingKey;
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
    /// The key.
    pub key: VerifyingKey,
    /// Its source.
    pub source: TrustSource,
}

/// Reads a public key file: 64 hex digits (what `authority.pub` holds), or a JSON key file
/// with a `publicKey` member (the authority's key file; only the public half is used).
pub fn read_public_key_file(path: &Path) -> Result<VerifyingKey, BundleError> {
    let bytes = std::fs::read(path).map_err(|e| BundleError::unreadable(path, e))?;
    let from = path.display().to_string();
    let text = String::from_utf8(bytes)
        .map_err(|_| BundleError::bad_trust_anchor(&from, "the file is not text"))?;
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let value = countersign_jcs::parse_strict(trimmed.as_bytes())
            .map_err(|e| BundleError::bad_trust_anchor(&from, e))?;
        let hex = value
            .get("publicKey")
            .and_then(Value::as_str)
            .ok_or_else(|| BundleError::bad_trust_anchor(&from, "it has no publicKey"))?;
        return parse_public_key(hex).map_err(|e| BundleError::bad_trust_anchor(&from, e));
    }
    parse_public_key(trimmed).map_err(|e| BundleError::bad_trust_anchor(&from, e))
}

/// Reads an explicit authority: 64 hex digits, or the name of a file holding them (or a key
/// file with `publicKey`).
pub fn parse_authority(text: &str) -> Result<VerifyingKey, BundleError> {
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
