//! Checkpoints (C2SP `tlog-checkpoint`) signed as C2SP signed notes with Ed25519.
//!
//! A checkpoint's text is three lines: the log's origin (which log), its size, and its root in
//! base64. A signed note is that text, a blank line, and one line per signature:
//! `— <key name> <base64(key id ‖ signature)>`, where the key id is the first four bytes of
//! `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)` and the signature is Ed25519 over the text.
//! Verifier keys are written `<name>+<key id hex>+<base64(0x01 ‖ public key)>`, as the Go
//! `note` package (and every witness) reads them.

use crate::{b64, unb64, Hash};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// The algorithm byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;

/// A signed note or checkpoint that cannot be read or is not signed by the key asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The text is not a signed note: no blank line before the signatures, a line that is not a
    /// signature, text that is not UTF-8 lines ending in a newline.
    #[error("not a signed note: {0}")]
    Malformed(String),
    /// No signature by this key (name and key id).
    #[error("the note carries no signature by {0}")]
    NotSigned(String),
    /// A signature by this key that does not verify.
    #[error("the signature by {0} does not verify: the text was changed or the signature is not this key's")]
    BadSignature(String),
    /// The signed text is not a checkpoint.
    #[error("not a checkpoint: {0}")]
    NotCheckpoint(String),
    /// A key in the wrong form.
    #[error("not a note key: {0}")]
    Key(String),
}

/// A key's name and id: what a signature line names.
fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn name_ok(name: &str) -> bool {
    !name.is_empty() && !name.contains(['+', ' ', '\n']) && !name.chars().any(char::is_control)
}

/// A note signer: a name and an Ed25519 key.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .finish()
    }
}

impl NoteSigner {
    /// Signs as `name` with `key`.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        if !name_ok(name) {
            return Err(NoteError::Key(format!("{name:?} is not a key name")));
        }
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    /// From the Go `note` package's private key form:
    /// `PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖ seed)>`.
    pub fn from_private_key(text: &str) -> Result<Self, NoteError> {
        let bad = || NoteError::Key("not PRIVATE+KEY+name+id+key".into());
        let rest = text.strip_prefix("PRIVATE+KEY+").ok_or_else(bad)?;
        let mut parts = rest.splitn(3, '+');
        let (name, id, key) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let bytes = unb64(key).ok_or_else(bad)?;
        let seed: [u8; 32] = match bytes.split_first() {
            Some((&ED25519, seed)) => seed.try_into().map_err(|_| bad())?,
            _ => return Err(bad()),
        };
        let me = Self::new(name, SigningKey::from_bytes(&seed))?;
        if hex(&key_id(name, &me.key.verifying_key())) != id {
            return Err(NoteError::Key("the key id does not match the key".into()));
        }
        Ok(me)
    }

    /// The name it signs as.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key others check this signer's notes with.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// `text` (lines, each ending in a newline) signed: the signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        if !text.ends_with('\n') || text.contains("\n\n") || text.starts_with('\n') {
            return Err(NoteError::Malformed(
                "the text must be non-empty lines, each ending in a newline".into(),
            ));
        }
        let signature = self.key.sign(text.as_bytes());
        let mut blob = key_id(&self.name, &self.key.verifying_key()).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!("{text}\n— {} {}\n", self.name, b64(&blob)))
    }
}

/// A note verifier: a name and an Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Verifies as `name` with `key`.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        if !name_ok(name) {
            return Err(NoteError::Key(format!("{name:?} is not a key name")));
        }
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    /// From `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let bad = || NoteError::Key(format!("{text:?} is not name+id+key"));
        let mut parts = text.splitn(3, '+');
        let (name, id, key) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let bytes = unb64(key).ok_or_else(bad)?;
        let public: [u8; 32] = match bytes.split_first() {
            Some((&ED25519, public)) => public.try_into().map_err(|_| bad())?,
            _ => return Err(bad()),
        };
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad())?;
        let me = Self::new(name, key)?;
        if hex(&key_id(name, &key)) != id {
            return Err(NoteError::Key("the key id does not match the key".into()));
        }
        Ok(me)
    }

    /// The key in the form [`NoteVerifier::parse`] reads.
    pub fn encode(&self) -> String {
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex(&key_id(&self.name, &self.key)),
            b64(&bytes)
        )
    }

    /// The signed text of `note`, when it carries a valid signature by this key. Signatures by
    /// other keys are ignored (a checkpoint may carry witnesses' cosignatures).
    pub fn open<'n>(&self, note: &'n str) -> Result<&'n str, NoteError> {
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let (text, signatures) = (&note[..=split], &note[split + 2..]);
        if !signatures.ends_with('\n') {
            return Err(NoteError::Malformed("it does not end in a newline".into()));
        }
        let id = key_id(&self.name, &self.key);
        let mut found = false;
        for line in signatures.lines() {
            let rest = line
                .strip_prefix("— ")
                .ok_or_else(|| NoteError::Malformed(format!("{line:?} is not a signature line")))?;
            let (name, blob) = rest
                .split_once(' ')
                .ok_or_else(|| NoteError::Malformed(format!("{line:?} is not a signature line")))?;
            let blob = unb64(blob).filter(|b| b.len() >= 5).ok_or_else(|| {
                NoteError::Malformed(format!("{line:?}: the signature is not base64"))
            })?;
            if name != self.name || blob[..4] != id {
                continue;
            }
            found = true;
            let signature = Signature::from_slice(&blob[4..])
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            self.key
                .verify(text.as_bytes(), &signature)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
        }
        if found {
            Ok(text)
        } else {
            Err(NoteError::NotSigned(self.encode()))
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A log's state: which log, how many entries, their tree hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name, unique to it (e.g. `countersign.example/hall/BJ-CY-01`).
    pub origin: String,
    /// Entries in the tree.
    pub size: u64,
    /// The tree hash of them.
    pub root: Hash,
}

impl Checkpoint {
    /// The checkpoint's text: origin, size and base64 root, a line each.
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, b64(&self.root))
    }

    /// Reads a checkpoint's text (extension lines after the root are allowed and ignored).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let bad = |why: &str| NoteError::NotCheckpoint(why.to_owned());
        let mut lines = text.lines();
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| bad("no origin line"))?;
        let size = lines.next().ok_or_else(|| bad("no size line"))?;
        if size.is_empty()
            || (size.len() > 1 && size.starts_with('0'))
            || !size.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad("the size is not a decimal number"));
        }
        let size: u64 = size.parse().map_err(|_| bad("the size is out of range"))?;
        let root = lines
            .next()
            .and_then(unb64)
            .and_then(|r| <Hash>::try_from(r.as_slice()).ok())
            .ok_or_else(|| bad("the root is not a base64 SHA-256 hash"))?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// The checkpoint signed by `signer`.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, NoteError> {
        signer.sign(&self.text())
    }

    /// The checkpoint in `note`, when `verifier` signed it.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Self, NoteError> {
        Self::parse(verifier.open(note)?)
    }
}
