//! The hall's device key: the Ed25519 key a service hall signs its verification receipts and
//! its daily log digests with, and registers on the chain as a verifier station.
//!
//! The key file is JSON `{"type": "countersign-hall-key", "hall", "publicKey", "privateKey"}`
//! (hex), created once with mode 0600 and never overwritten. This crate reads, creates and
//! writes it; it knows nothing about what is signed.

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

const KEY_TYPE: &str = "countersign-hall-key";

/// A hall key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HallKeyError {
    /// The file could not be read.
    #[error("cannot read the hall key {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be created or written.
    #[error("cannot write the hall key {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a hall key.
    #[error("{path} is not a Countersign hall key file: {why}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The key file belongs to another hall.
    #[error("{path} is the key of hall {found}, not of hall {expected}")]
    OtherHall {
        /// The file.
        path: PathBuf,
        /// The hall it names.
        found: String,
        /// The hall this machine is.
        expected: String,
    },
    /// A hall id is empty.
    #[error("the hall id must not be empty")]
    NoHall,
    /// The OS random source failed.
    #[error("no system randomness: {0}")]
    Random(String),
}

/// A hall's signing key.
#[derive(Debug, Clone)]
pub struct HallKey {
    hall: String,
    key: SigningKey,
}

impl HallKey {
    /// A new key for `hall` from the OS random source.
    pub fn generate(hall: &str) -> Result<Self, HallKeyError> {
        let hall = hall.trim();
        if hall.is_empty() {
            return Err(HallKeyError::NoHall);
        }
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| HallKeyError::Random(e.to_string()))?;
        Ok(Self {
            hall: hall.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// A key from its parts (tests, imports).
    pub fn from_parts(hall: &str, key: SigningKey) -> Self {
        Self {
            hall: hall.to_string(),
            key,
        }
    }

    /// The hall it belongs to.
    pub fn hall(&self) -> &str {
        &self.hall
    }

    /// The signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The public key.
    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key as 64 hex digits (what `chain register-station --key` takes).
    pub fn public_hex(&self) -> String {
        hex::encode(self.public().to_bytes())
    }

    /// Reads a key file.
    pub fn read(path: &Path) -> Result<Self, HallKeyError> {
        let bad = |why: &str| HallKeyError::Malformed {
            path: path.to_owned(),
            why: why.to_string(),
        };
        let text = std::fs::read(path).map_err(|source| HallKeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        let value: Value = serde_json::from_slice(&text).map_err(|e| bad(&e.to_string()))?;
        if value.get("type").and_then(Value::as_str) != Some(KEY_TYPE) {
            return Err(bad(&format!("its type is not {KEY_TYPE}")));
        }
        let hall = value
            .get("hall")
            .and_then(Value::as_str)
            .filter(|h| !h.trim().is_empty())
            .ok_or_else(|| bad("hall is missing"))?;
        let secret = value
            .get("privateKey")
            .and_then(Value::as_str)
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| bad("privateKey is not 64 hex digits"))?;
        let key = SigningKey::from_bytes(&secret);
        let public = value.get("publicKey").and_then(Value::as_str).unwrap_or("");
        if public != hex::encode(key.verifying_key().to_bytes()) {
            return Err(bad("its publicKey does not match its privateKey"));
        }
        Ok(Self {
            hall: hall.to_string(),
            key,
        })
    }

    /// Writes the key to a new file readable only by its owner; never overwrites.
    pub fn write_new(&self, path: &Path) -> Result<(), HallKeyError> {
        let body = json!({
            "type": KEY_TYPE,
            "hall": self.hall,
            "publicKey": self.public_hex(),
            "privateKey": hex::encode(self.key.to_bytes()),
        });
        let text = format!("{body:#}\n");
        write_private(path, text.as_bytes()).map_err(|source| HallKeyError::Write {
            path: path.to_owned(),
            source,
        })
    }

    /// The hall's key at `path`, created on the first start (`true` when it was just made).
    /// An existing key readable by others is made private again; a key of another hall is
    /// refused (a machine moved between halls must be re-provisioned, not silently re-keyed).
    pub fn load_or_create(path: &Path, hall: &str) -> Result<(Self, bool), HallKeyError> {
        if path.exists() {
            let key = Self::read(path)?;
            if key.hall != hall.trim() {
                return Err(HallKeyError::OtherHall {
                    path: path.to_owned(),
                    found: key.hall,
                    expected: hall.trim().to_string(),
                });
            }
            make_private(path).map_err(|source| HallKeyError::Write {
                path: path.to_owned(),
                source,
            })?;
            return Ok((key, false));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HallKeyError::Write {
                path: path.to_owned(),
                source,
            })?;
        }
        let key = Self::generate(hall)?;
        key.write_new(path)?;
        Ok((key, true))
    }
}

/// Creates `path` readable only by its owner (0600 on Unix) and writes `bytes` durably; never
/// overwrites an existing file.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Takes group and other permissions off `path` (Unix); a no-op elsewhere, where the data
/// directory's ACL is the installer's job.
fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("keys/hall.key.json");
        let (key, created) = HallKey::load_or_create(&path, "BJ-CY-01").expect("create");
        assert!(created);
        let (again, created) = HallKey::load_or_create(&path, "BJ-CY-01").expect("load");
        assert!(!created);
        assert_eq!(again.public(), key.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            HallKey::load_or_create(&path, "BJ-CY-01").expect("load");
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "tightened again");
        }
        assert!(key.write_new(&path).is_err(), "never overwritten");
    }

    #[test]
    fn another_halls_key_and_broken_files_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("hall.key.json");
        HallKey::load_or_create(&path, "BJ-CY-01").expect("create");
        let err = HallKey::load_or_create(&path, "SH-PD-02").expect_err("other hall");
        assert!(matches!(err, HallKeyError::OtherHall { .. }), "{err}");

        let text = std::fs::read_to_string(&path).expect("read");
        let value: Value = serde_json::from_str(&text).expect("json");
        let mut swapped = value.clone();
        swapped["publicKey"] = json!("00".repeat(32));
        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, swapped.to_string()).expect("write");
        let err = HallKey::read(&broken).expect_err("mismatch");
        assert!(err.to_string().contains("does not match"), "{err}");
        std::fs::write(&broken, "{}").expect("write");
        assert!(HallKey::read(&broken).is_err());
        assert!(matches!(HallKey::generate("  "), Err(HallKeyError::NoHall)));
    }
}
