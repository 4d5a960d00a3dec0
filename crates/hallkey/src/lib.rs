//! The hall's device key: the key a service hall signs its verification receipts, its daily
//! log digests and its log checkpoints with, and registers on the chain as a verifier station.
//! It is Ed25519 under the standard profile and SM2 under the national (国密) one.
//!
//! The key file is JSON `{"type": "countersign-hall-key", "hall", "algorithm", "publicKey",
//! "privateKey"}` (keys in hex: Ed25519's 32-byte key and seed, SM2's 33-byte compressed point
//! and 32-byte scalar), created once with mode 0600 and never overwritten. `algorithm` is
//! `ed25519` or `sm2`; a file without it was written before there was a choice and is Ed25519,
//! so every key file ever written still loads as it did. This crate reads, creates and writes
//! it; it knows nothing about what is signed.

pub use countersign_crypto::{PublicKey, SecretKey, SigAlg};
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
    key: SecretKey,
}

impl HallKey {
    /// A new `alg` key for `hall` from the OS random source.
    pub fn generate(hall: &str, alg: SigAlg) -> Result<Self, HallKeyError> {
        let hall = hall.trim();
        if hall.is_empty() {
            return Err(HallKeyError::NoHall);
        }
        let key = SecretKey::generate(alg).map_err(|e| HallKeyError::Random(e.to_string()))?;
        Ok(Self {
            hall: hall.to_string(),
            key,
        })
    }

    /// A key from its parts (tests, imports).
    pub fn from_parts(hall: &str, key: impl Into<SecretKey>) -> Self {
        Self {
            hall: hall.to_string(),
            key: key.into(),
        }
    }

    /// The hall it belongs to.
    pub fn hall(&self) -> &str {
        &self.hall
    }

    /// The algorithm it signs with.
    pub fn alg(&self) -> SigAlg {
        self.key.alg()
    }

    /// The signing key.
    pub fn signing_key(&self) -> &SecretKey {
        &self.key
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        self.key.public()
    }

    /// The public key's bytes in hex: 64 digits for Ed25519, 66 for SM2 (compressed).
    pub fn public_hex(&self) -> String {
        hex::encode(self.public().to_bytes())
    }

    /// The 32 bytes the registry names this key by (a station's `bytes32 key`): the Ed25519
    /// key itself, or the SM3 hash of the SM2 key.
    pub fn registry_key(&self) -> [u8; 32] {
        self.public().registry_key()
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
        // Written before the national profile: always Ed25519.
        let alg = match value.get("algorithm") {
            None => SigAlg::Ed25519,
            Some(name) => name
                .as_str()
                .ok_or_else(|| bad("algorithm is not a name"))
                .and_then(|n| SigAlg::from_name(n).map_err(|e| bad(&e.to_string())))?,
        };
        let secret = zeroize::Zeroizing::new(
            value
                .get("privateKey")
                .and_then(Value::as_str)
                .and_then(|h| hex::decode(h).ok())
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| bad("privateKey is not 64 hex digits"))?,
        );
        let key = SecretKey::from_bytes(alg, &secret).map_err(|e| bad(&e.to_string()))?;
        let public = value.get("publicKey").and_then(Value::as_str).unwrap_or("");
        if public != hex::encode(key.public().to_bytes()) {
            return Err(bad("its publicKey does not match its privateKey"));
        }
        Ok(Self {
            hall: hall.to_string(),
            key,
        })
    }

    /// Writes the key to a new file readable only by its owner; never overwrites.
    pub fn write_new(&self, path: &Path) -> Result<(), HallKeyError> {
        let secret = zeroize::Zeroizing::new(hex::encode(self.key.to_bytes().as_slice()));
        let body = json!({
            "type": KEY_TYPE,
            "hall": self.hall,
            "algorithm": self.alg().name(),
            "publicKey": self.public_hex(),
            "privateKey": secret.as_str(),
        });
        let text = format!("{body:#}\n");
        write_private(path, text.as_bytes()).map_err(|source| HallKeyError::Write {
            path: path.to_owned(),
            source,
        })
    }

    /// The hall's key at `path`, created as an `alg` key on the first start (`true` when it
    /// was just made). An existing key is loaded as it is, whatever `alg` says (a key of
    /// another algorithm is the caller's to report: a hall is re-keyed by registering a new
    /// station key, never silently). An existing key readable by others is made private
    /// again; a key of another hall is refused (a machine moved between halls must be
    /// re-provisioned, not silently re-keyed).
    pub fn load_or_create(
        path: &Path,
        hall: &str,
        alg: SigAlg,
    ) -> Result<(Self, bool), HallKeyError> {
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
        let key = Self::generate(hall, alg)?;
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
        let (key, created) =
            HallKey::load_or_create(&path, "BJ-CY-01", SigAlg::Ed25519).expect("create");
        assert!(created);
        let (again, created) =
            HallKey::load_or_create(&path, "BJ-CY-01", SigAlg::Ed25519).expect("load");
        assert!(!created);
        assert_eq!(again.public(), key.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            HallKey::load_or_create(&path, "BJ-CY-01", SigAlg::Ed25519).expect("load");
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "tightened again");
        }
        assert!(key.write_new(&path).is_err(), "never overwritten");
    }

    #[test]
    fn another_halls_key_and_broken_files_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("hall.key.json");
        HallKey::load_or_create(&path, "BJ-CY-01", SigAlg::Ed25519).expect("create");
        let err =
            HallKey::load_or_create(&path, "SH-PD-02", SigAlg::Ed25519).expect_err("other hall");
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
        assert!(matches!(
            HallKey::generate("  ", SigAlg::Sm2),
            Err(HallKeyError::NoHall)
        ));
    }

    #[test]
    fn an_sm2_key_names_its_algorithm_and_reads_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("hall.key.json");
        let (key, created) = HallKey::load_or_create(&path, "BJ-CY-01", SigAlg::Sm2).expect("new");
        assert!(created);
        assert_eq!(key.alg(), SigAlg::Sm2);
        assert_eq!(key.public_hex().len(), 66, "a compressed SM2 point");
        let value: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(value["algorithm"], "sm2");
        let again = HallKey::read(&path).expect("read");
        assert_eq!(again.public(), key.public());
        assert_eq!(again.registry_key(), key.public().registry_key());
        let sig = again.signing_key().sign(b"day");
        key.public().verify(b"day", &sig).expect("the same key");
        // An existing key is never re-keyed by a profile that says otherwise.
        let (loaded, created) =
            HallKey::load_or_create(&path, "BJ-CY-01", SigAlg::Ed25519).expect("load");
        assert!(!created);
        assert_eq!(loaded.alg(), SigAlg::Sm2);
    }

    /// A file written before the national profile (no `algorithm`) is the Ed25519 key it was.
    #[test]
    fn a_key_file_without_an_algorithm_is_ed25519() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.key.json");
        let seed = [7u8; 32];
        let public = SecretKey::from_bytes(SigAlg::Ed25519, &seed)
            .expect("key")
            .public();
        let old = json!({
            "type": KEY_TYPE,
            "hall": "BJ-CY-01",
            "publicKey": hex::encode(public.to_bytes()),
            "privateKey": hex::encode(seed),
        });
        std::fs::write(&path, format!("{old:#}\n")).expect("write");
        let key = HallKey::read(&path).expect("an old file still loads");
        assert_eq!(key.alg(), SigAlg::Ed25519);
        assert_eq!(key.public(), public);
        assert_eq!(key.registry_key().to_vec(), public.to_bytes());
    }

    /// The algorithm is checked against the keys: a file relabelled to the other algorithm (or
    /// to one no build knows) is refused, not read as another key.
    #[test]
    fn a_relabelled_or_unknown_algorithm_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        for (alg, label) in [
            (SigAlg::Ed25519, json!("sm2")),
            (SigAlg::Sm2, json!("ed25519")),
            (SigAlg::Ed25519, json!("rsa")),
            (SigAlg::Ed25519, json!(1)),
        ] {
            let path = dir.path().join(format!("{alg}-{label}.json"));
            HallKey::generate("BJ-CY-01", alg)
                .expect("key")
                .write_new(&path)
                .expect("write");
            let mut value: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
            value["algorithm"] = label.clone();
            std::fs::write(&path, value.to_string()).expect("write");
            let err = HallKey::read(&path).expect_err("relabelled");
            assert!(
                matches!(err, HallKeyError::Malformed { .. }),
                "{label}: {err}"
            );
        }
    }
}
