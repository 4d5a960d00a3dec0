//! `did:key` for Ed25519 (multicodec `ed25519-pub`, 0xed 0x01, then base58btc multibase), and
//! the matching secret-key form (`ed25519-priv`, 0x80 0x26) used in key files.

use crate::multibase::{decode_base58btc, encode_base58btc, MultibaseError};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];
const PREFIX: &str = "did:key:";

/// How many parsed identifiers [`DidKey::parse_cached`] keeps.
pub const PARSE_CACHE_SIZE: usize = 1024;

/// An issuer identifier: a `did:key` holding one Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DidKey(VerifyingKey);

/// Why a `did:key` or key value is not an Ed25519 key we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DidKeyError {
    /// The identifier is not a `did:key`.
    #[error("{found:?} is not a did:key identifier")]
    NotDidKey {
        /// A preview of the value.
        found: String,
    },
    /// The multibase part does not decode.
    #[error("the key is not valid multibase: {0}")]
    Multibase(#[from] MultibaseError),
    /// The multicodec header names another key type.
    #[error("the key is not an Ed25519 key (multicodec header {header})")]
    NotEd25519 {
        /// The first two bytes, in hex.
        header: String,
    },
    /// The key is not 32 bytes.
    #[error("an Ed25519 key is 32 bytes, this one is {len}")]
    WrongLength {
        /// Length found.
        len: usize,
    },
    /// The bytes are not a valid Ed25519 point, or a weak (small-order) one.
    #[error("the bytes are not a usable Ed25519 public key")]
    InvalidPoint,
    /// A verification method whose fragment names a different key than its DID.
    #[error("the verification method's fragment does not match its did:key")]
    FragmentMismatch,
}

fn preview(text: &str) -> String {
    text.chars().take(64).collect()
}

fn strip_codec(bytes: &[u8], codec: [u8; 2]) -> Result<[u8; 32], DidKeyError> {
    if bytes.len() < 2 || bytes[..2] != codec {
        return Err(DidKeyError::NotEd25519 {
            header: bytes.iter().take(2).map(|b| format!("{b:02x}")).collect(),
        });
    }
    <[u8; 32]>::try_from(&bytes[2..]).map_err(|_| DidKeyError::WrongLength {
        len: bytes.len() - 2,
    })
}

impl DidKey {
    /// The DID of a public key.
    pub fn from_verifying_key(key: VerifyingKey) -> Self {
        Self(key)
    }

    /// The public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }

    /// The raw 32 public-key bytes, as registered on chain.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// From raw public-key bytes; weak keys are refused.
    pub fn from_public_key_bytes(bytes: &[u8; 32]) -> Result<Self, DidKeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| DidKeyError::InvalidPoint)?;
        if key.is_weak() {
            return Err(DidKeyError::InvalidPoint);
        }
        Ok(Self(key))
    }

    /// The Multikey `publicKeyMultibase` value, e.g. `z6Mk…`; also the DID's method-specific id.
    pub fn multibase(&self) -> String {
        let mut bytes = ED25519_PUB.to_vec();
        bytes.extend_from_slice(self.0.as_bytes());
        encode_base58btc(&bytes)
    }

    /// Parses a `publicKeyMultibase` value.
    pub fn from_multibase(text: &str) -> Result<Self, DidKeyError> {
        let bytes = decode_base58btc(text)?;
        Self::from_public_key_bytes(&strip_codec(&bytes, ED25519_PUB)?)
    }

    /// Parses `did:key:z6Mk…` (a DID URL fragment, if any, must name the same key).
    pub fn parse(text: &str) -> Result<Self, DidKeyError> {
        let rest = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| DidKeyError::NotDidKey {
                found: preview(text),
            })?;
        let (id, fragment) = match rest.split_once('#') {
            Some((id, fragment)) => (id, Some(fragment)),
            None => (rest, None),
        };
        if fragment.is_some_and(|f| f != id) {
            return Err(DidKeyError::FragmentMismatch);
        }
        Self::from_multibase(id)
    }

    /// [`DidKey::parse`], remembering recent answers.
    ///
    /// A hall sees the same few dozen issuers all day, and parsing decompresses a curve point
    /// (about a fifth of an Ed25519 verification). Only successes are remembered, at most
    /// [`PARSE_CACHE_SIZE`] of them; the cache starts over when full.
    pub fn parse_cached(text: &str) -> Result<Self, DidKeyError> {
        static CACHE: OnceLock<Mutex<HashMap<String, DidKey>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(hit) = cache.lock().ok().and_then(|c| c.get(text).copied()) {
            return Ok(hit);
        }
        let key = Self::parse(text)?;
        if let Ok(mut c) = cache.lock() {
            if c.len() >= PARSE_CACHE_SIZE {
                c.clear();
            }
            c.insert(text.to_owned(), key);
        }
        Ok(key)
    }

    /// The verification method id: `did:key:z…#z…`.
    pub fn verification_method(&self) -> String {
        let mb = self.multibase();
        format!("{PREFIX}{mb}#{mb}")
    }
}

impl fmt::Display for DidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", self.multibase())
    }
}

impl fmt::Debug for DidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DidKey({self})")
    }
}

/// The secret-key Multikey value (`privateKeyMultibase`, `z3u2…`).
pub fn secret_key_multibase(key: &SigningKey) -> String {
    let mut bytes = ED25519_PRIV.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    encode_base58btc(&bytes)
}

/// Parses a `privateKeyMultibase` value.
pub fn secret_key_from_multibase(text: &str) -> Result<SigningKey, DidKeyError> {
    let bytes = decode_base58btc(text)?;
    Ok(SigningKey::from_bytes(&strip_codec(&bytes, ED25519_PRIV)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUB: &str = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    const PRIV: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";

    #[test]
    fn vector_key_pair_derives_the_vector_did() {
        let secret = secret_key_from_multibase(PRIV).expect("vector secret key");
        let did = DidKey::from_verifying_key(secret.verifying_key());
        assert_eq!(did.multibase(), PUB);
        assert_eq!(did.to_string(), format!("did:key:{PUB}"));
        assert_eq!(did.verification_method(), format!("did:key:{PUB}#{PUB}"));
        assert_eq!(DidKey::parse(&did.verification_method()), Ok(did));
        assert_eq!(secret_key_multibase(&secret), PRIV);
    }

    #[test]
    fn the_cache_answers_like_parse() {
        let vm = format!("did:key:{PUB}#{PUB}");
        assert_eq!(DidKey::parse_cached(&vm), DidKey::parse(&vm));
        assert_eq!(DidKey::parse_cached(&vm), DidKey::parse(&vm));
        assert_eq!(
            DidKey::parse_cached("did:web:x"),
            DidKey::parse("did:web:x")
        );
    }

    #[test]
    fn bad_identifiers_say_why() {
        assert!(matches!(
            DidKey::parse("did:web:example.com"),
            Err(DidKeyError::NotDidKey { .. })
        ));
        assert_eq!(
            DidKey::parse(&format!("did:key:{PUB}#key-1")),
            Err(DidKeyError::FragmentMismatch)
        );
        assert!(matches!(
            DidKey::from_multibase(PRIV),
            Err(DidKeyError::NotEd25519 { .. })
        ));
        let short = encode_base58btc(&[0xed, 0x01, 1, 2, 3]);
        assert_eq!(
            DidKey::from_multibase(&short),
            Err(DidKeyError::WrongLength { len: 3 })
        );
        // The identity point is a small-order (weak) key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            DidKey::from_public_key_bytes(&identity),
            Err(DidKeyError::InvalidPoint)
        );
    }
}
