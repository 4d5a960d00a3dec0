//! Checkpoints (C2SP `tlog-checkpoint`) signed as C2SP signed notes, with Ed25519 or SM2.
//!
//! A checkpoint's text is three lines: the log's origin (which log), its size, and its root in
//! base64. A signed note is that text, a blank line, and one line per signature:
//! `— <key name> <base64(key id ‖ signature)>`, where the key id is the first four bytes of
//! `SHA-256(name ‖ "\n" ‖ signature type ‖ public key)` and the signature is over the text.
//! Verifier keys are written `<name>+<key id hex>+<base64(signature type ‖ public key)>`, as
//! the Go `note` package (and every witness) reads them.
//!
//! Signature types (c2sp.org/signed-note, "Signature types"):
//! - Ed25519 is the spec's own type `0x01`, with the 32-byte key: byte for byte what Go's
//!   `note` package signs and verifies.
//! - SM2 has no byte of its own. The spec reserves `0xff` for "signature types without an
//!   identifier byte assigned by this specification", to be followed by a longer identifier
//!   unlikely to collide; the SM2 type is `0xff ‖ "countersign/sm2-sm3"` ([`SM2_TYPE`]), with
//!   the 33-byte compressed SEC1 key, and the signature is SM2 (GB/T 32918.2) with the SM3
//!   digest and the default distinguishing ID `1234567812345678` over the note text, written
//!   as 64 bytes `r ‖ s`. A bespoke byte from the reserved range `0xfa`–`0xfe` would be a
//!   claim on the spec's future; `0xff` is what the spec offers for exactly this.
//!
//! The type is inside the key id's preimage, so a signature line names its algorithm: a line
//! made under one type carries an id no key of the other type has, and a line whose id is
//! copied from the other type's key is checked with that key's algorithm and fails. The key id
//! is SHA-256 under either type because the spec defines it so: it is an identifier that picks
//! the key, not a security function (the spec: "an attacker can easily compute a public key
//! that will collide … all they will get is a signature verification failure").
//!
//! A verifier asks the hall's [`Policy`] about its key's algorithm before it checks any
//! signature: a key of an algorithm the province does not accept opens nothing.

use crate::{b64, unb64, Hash};
use countersign_crypto::{HashAlg, NotAllowed, Policy, PublicKey, SecretKey, SigAlg, Signature};

/// The signature type byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;

/// The signature type of SM2 note signatures: the spec's `0xff` ("no identifier byte
/// assigned") followed by Countersign's identifier for SM2 with SM3 and the default
/// distinguishing ID.
pub const SM2_TYPE: &[u8] = b"\xffcountersign/sm2-sm3";

/// The bytes that name `alg` in key ids and verifier keys.
pub fn signature_type(alg: SigAlg) -> &'static [u8] {
    match alg {
        SigAlg::Ed25519 => &[ED25519],
        SigAlg::Sm2 => SM2_TYPE,
    }
}

/// The algorithm whose type `bytes` start with, and the rest.
fn split_type(bytes: &[u8]) -> Option<(SigAlg, &[u8])> {
    SigAlg::ALL
        .into_iter()
        .find_map(|alg| Some((alg, bytes.strip_prefix(signature_type(alg))?)))
}

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
    /// The note is signed by this key, but the hall's policy does not accept its algorithm:
    /// the signature was not checked.
    #[error("the note's signature by {key}: {refused}")]
    NotAllowed {
        /// The key, as [`NoteVerifier::encode`] writes it.
        key: String,
        /// Its algorithm.
        alg: SigAlg,
        /// What the policy accepts.
        refused: NotAllowed,
    },
    /// The signed text is not a checkpoint.
    #[error("not a checkpoint: {0}")]
    NotCheckpoint(String),
    /// A key in the wrong form.
    #[error("not a note key: {0}")]
    Key(String),
}

/// A key's id: `SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4]`.
fn key_id(name: &str, public: &PublicKey) -> [u8; 4] {
    let digest = HashAlg::Sha256.digest_parts(&[
        name.as_bytes(),
        b"\n",
        signature_type(public.alg()),
        &public.to_bytes(),
    ]);
    [digest[0], digest[1], digest[2], digest[3]]
}

fn name_ok(name: &str) -> bool {
    !name.is_empty() && !name.contains(['+', ' ', '\n']) && !name.chars().any(char::is_control)
}

/// A note signer: a name and an Ed25519 or SM2 key.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key: SecretKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("alg", &self.key.alg())
            .finish()
    }
}

impl NoteSigner {
    /// Signs as `name` with `key`.
    pub fn new(name: &str, key: impl Into<SecretKey>) -> Result<Self, NoteError> {
        if !name_ok(name) {
            return Err(NoteError::Key(format!("{name:?} is not a key name")));
        }
        Ok(Self {
            name: name.to_owned(),
            key: key.into(),
        })
    }

    /// From the Go `note` package's private key form:
    /// `PRIVATE+KEY+<name>+<key id hex>+<base64(type ‖ secret)>` (for SM2, the type is
    /// [`SM2_TYPE`] and the secret the 32-byte scalar).
    pub fn from_private_key(text: &str) -> Result<Self, NoteError> {
        let bad = || NoteError::Key("not PRIVATE+KEY+name+id+key".into());
        let rest = text.strip_prefix("PRIVATE+KEY+").ok_or_else(bad)?;
        let mut parts = rest.splitn(3, '+');
        let (name, id, key) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let bytes = zeroize::Zeroizing::new(unb64(key).ok_or_else(bad)?);
        let (alg, secret) = split_type(&bytes).ok_or_else(bad)?;
        let secret: &[u8; 32] = secret.try_into().map_err(|_| bad())?;
        let key = SecretKey::from_bytes(alg, secret).map_err(|e| NoteError::Key(e.to_string()))?;
        let me = Self::new(name, key)?;
        if hex(&key_id(name, &me.key.public())) != id {
            return Err(NoteError::Key("the key id does not match the key".into()));
        }
        Ok(me)
    }

    /// The name it signs as.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The algorithm it signs with.
    pub fn alg(&self) -> SigAlg {
        self.key.alg()
    }

    /// The verifier key others check this signer's notes with.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key: self.key.public(),
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
        let mut blob = key_id(&self.name, &self.key.public()).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!("{text}\n— {} {}\n", self.name, b64(&blob)))
    }
}

/// A note verifier: a name and an Ed25519 or SM2 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key: PublicKey,
}

impl NoteVerifier {
    /// Verifies as `name` with `key`.
    pub fn new(name: &str, key: impl Into<PublicKey>) -> Result<Self, NoteError> {
        if !name_ok(name) {
            return Err(NoteError::Key(format!("{name:?} is not a key name")));
        }
        Ok(Self {
            name: name.to_owned(),
            key: key.into(),
        })
    }

    /// From `<name>+<key id hex>+<base64(type ‖ public key)>`: type `0x01` and 32 bytes for
    /// Ed25519, [`SM2_TYPE`] and the 33-byte compressed point for SM2 (the one form, so a key
    /// has one encoding).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let bad = || NoteError::Key(format!("{text:?} is not name+id+key"));
        let mut parts = text.splitn(3, '+');
        let (name, id, key) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let bytes = unb64(key).ok_or_else(bad)?;
        let (alg, public) = split_type(&bytes).ok_or_else(bad)?;
        if public.len() != alg.public_key_len() {
            return Err(bad());
        }
        let key = PublicKey::from_bytes(alg, public).map_err(|_| bad())?;
        let me = Self::new(name, key)?;
        if hex(&key_id(name, &key)) != id {
            return Err(NoteError::Key("the key id does not match the key".into()));
        }
        Ok(me)
    }

    /// The key in the form [`NoteVerifier::parse`] reads.
    pub fn encode(&self) -> String {
        let bytes = [signature_type(self.key.alg()), &self.key.to_bytes()].concat();
        format!(
            "{}+{}+{}",
            self.name,
            hex(&key_id(&self.name, &self.key)),
            b64(&bytes)
        )
    }

    /// The name it verifies as.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The signed text of `note`, when it carries a valid signature by this key. Signatures by
    /// other keys are ignored (a checkpoint may carry witnesses' cosignatures). A signature by
    /// this key whose algorithm `policy` does not accept is refused before it is checked.
    pub fn open<'n>(&self, note: &'n str, policy: &Policy) -> Result<&'n str, NoteError> {
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let (text, signatures) = (&note[..=split], &note[split + 2..]);
        if !signatures.ends_with('\n') {
            return Err(NoteError::Malformed("it does not end in a newline".into()));
        }
        let id = key_id(&self.name, &self.key);
        let mut mine = Vec::new();
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
            if name == self.name && blob[..4] == id {
                mine.push(blob);
            }
        }
        if mine.is_empty() {
            return Err(NoteError::NotSigned(self.encode()));
        }
        // The policy before any signature is checked: an algorithm the province does not
        // accept is not one whose signature may count, however good.
        policy
            .allow_sig(self.key.alg())
            .map_err(|refused| NoteError::NotAllowed {
                key: self.encode(),
                alg: self.key.alg(),
                refused,
            })?;
        for blob in mine {
            let signature = Signature::from_slice(&blob[4..])
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            self.key
                .verify(text.as_bytes(), &signature)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
        }
        Ok(text)
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
    /// The tree hash of them (with the log's hash, which the origin names where it is not
    /// SHA-256: the checkpoint format has no field for it).
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
            .ok_or_else(|| bad("the root is not a base64 32-byte hash"))?;
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

    /// The checkpoint in `note`, when `verifier` signed it with an algorithm `policy` accepts.
    pub fn open(note: &str, verifier: &NoteVerifier, policy: &Policy) -> Result<Self, NoteError> {
        Self::parse(verifier.open(note, policy)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_crypto::Profile;

    fn both() -> Policy {
        Policy::new(Profile::Guomi, &[Profile::Standard])
    }

    #[test]
    fn each_algorithm_signs_a_note_its_verifier_opens_and_encodes_round_trip() {
        for alg in SigAlg::ALL {
            let signer = NoteSigner::new(
                "countersign/hall/BJ-CY-01",
                SecretKey::generate(alg).expect("key"),
            )
            .expect("signer");
            let note = signer.sign("hello\n").expect("sign");
            let verifier = signer.verifier();
            assert_eq!(verifier.open(&note, &both()).expect("opens"), "hello\n");
            let encoded = verifier.encode();
            assert_eq!(NoteVerifier::parse(&encoded).expect("parses"), verifier);
            let blob = unb64(encoded.splitn(3, '+').nth(2).expect("key")).expect("base64");
            assert_eq!(&blob[..signature_type(alg).len()], signature_type(alg));
        }
    }

    #[test]
    fn a_key_relabelled_as_the_other_type_does_not_parse() {
        let sm2 = SecretKey::generate(SigAlg::Sm2).expect("key").public();
        let ed = SecretKey::generate(SigAlg::Ed25519).expect("key").public();
        // An SM2 key under the Ed25519 type byte, and an Ed25519 key under the SM2 type.
        for (alg_bytes, key) in [(vec![ED25519], sm2), (SM2_TYPE.to_vec(), ed)] {
            let bytes = [alg_bytes.as_slice(), &key.to_bytes()].concat();
            let text = format!("n+00000000+{}", b64(&bytes));
            assert!(NoteVerifier::parse(&text).is_err(), "{text}");
        }
        // A 65-byte (uncompressed) SM2 point would be a second encoding of a key: refused.
        let long = [SM2_TYPE, &[4u8; 65]].concat();
        assert!(NoteVerifier::parse(&format!("n+00000000+{}", b64(&long))).is_err());
    }
}
