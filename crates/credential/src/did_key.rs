//! `did:key` for Ed25519 (multicodec `ed25519-pub`, 0xed) and SM2 (`sm2-pub`, 0x1206, the
//! compressed point), base58btc multibase, and the matching secret-key forms used in key files
//! (`ed25519-priv`, 0x1300; SM2 under a private-use code, see `countersign-crypto`).

use crate::multibase::{decode_base58btc, encode_base58btc, MultibaseError};
use countersign_crypto::{KeyError, Profile, PublicKey, SecretKey, SigAlg};
use ed25519_dalek::VerifyingKey;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

const PREFIX: &str = "did:key:";

/// How many parsed identifiers [`DidKey::parse_cached`] keeps.
pub const PARSE_CACHE_SIZE: usize = 1024;

/// An issuer identifier: a `did:key` holding one Ed25519 or SM2 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DidKey(PublicKey);

/// Why a `did:key` or key value is not a key we accept.
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
    /// The multicodec header names a key type we do not use.
    #[error("the key is neither an Ed25519 nor an SM2 key (multicodec header {header})")]
    UnknownKeyType {
        /// The first bytes, in hex.
        header: String,
    },
    /// The key has the wrong length for its type.
    #[error("an {alg} key is {expected} bytes, this one is {len}")]
    WrongLength {
        /// The key type.
        alg: SigAlg,
        /// The length it needs.
        expected: usize,
        /// Length found.
        len: usize,
    },
    /// The bytes are not a valid point, or a weak (small-order) one.
    #[error("the bytes are not a usable {alg} public key")]
    InvalidPoint {
        /// The key type.
        alg: SigAlg,
    },
    /// A secret key's bytes are not a usable secret.
    #[error("the bytes are not a usable {alg} secret key")]
    InvalidSecret {
        /// The key type.
        alg: SigAlg,
    },
    /// A verification method whose fragment names a different key than its DID.
    #[error("the verification method's fragment does not match its did:key")]
    FragmentMismatch,
}

impl From<KeyError> for DidKeyError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::WrongLength {
                alg,
                expected,
                found,
            } => DidKeyError::WrongLength {
                alg,
                expected,
                len: found,
            },
            KeyError::InvalidPoint { alg } => DidKeyError::InvalidPoint { alg },
            KeyError::InvalidSecret { alg } => DidKeyError::InvalidSecret { alg },
            KeyError::UnknownCodec { header } => DidKeyError::UnknownKeyType { header },
            // Parsing never draws randomness.
            KeyError::Random(why) => DidKeyError::UnknownKeyType { header: why },
        }
    }
}

fn preview(text: &str) -> String {
    text.chars().take(64).collect()
}

impl DidKey {
    /// The DID of a public key.
    pub fn from_public_key(key: PublicKey) -> Self {
        Self(key)
    }

    /// The DID of an Ed25519 public key.
    pub fn from_verifying_key(key: VerifyingKey) -> Self {
        Self(PublicKey::Ed25519(key))
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.0
    }

    /// The signature algorithm of the key.
    pub fn alg(&self) -> SigAlg {
        self.0.alg()
    }

    /// The profile the key belongs to (Ed25519: standard, SM2: guomi).
    pub fn profile(&self) -> Profile {
        Profile::of_sig(self.0.alg())
    }

    /// The 32 bytes the registry contract names this key by ([`PublicKey::registry_key`]):
    /// the Ed25519 key itself, or SM3 of the SM2 key's compressed point.
    pub fn registry_key(&self) -> [u8; 32] {
        self.0.registry_key()
    }

    /// From an Ed25519 key's 32 bytes; weak keys are refused.
    pub fn from_public_key_bytes(bytes: &[u8; 32]) -> Result<Self, DidKeyError> {
        Ok(Self(PublicKey::from_bytes(SigAlg::Ed25519, bytes)?))
    }

    /// The Multikey `publicKeyMultibase` value, e.g. `z6Mk…` (Ed25519) or `zEPz…` (SM2); also
    /// the DID's method-specific id.
    pub fn multibase(&self) -> String {
        encode_base58btc(&self.0.to_multicodec())
    }

    /// Parses a `publicKeyMultibase` value.
    pub fn from_multibase(text: &str) -> Result<Self, DidKeyError> {
        let bytes = decode_base58btc(text)?;
        Ok(Self(PublicKey::from_multicodec(&bytes)?))
    }

    /// Parses `did:key:z…` (a DID URL fragment, if any, must name the same key).
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

/// The secret-key Multikey value (`privateKeyMultibase`, `z3u2…` for Ed25519).
pub fn secret_key_multibase(key: &SecretKey) -> String {
    encode_base58btc(&key.to_multicodec())
}

/// Parses a `privateKeyMultibase` value, of either key type.
pub fn secret_key_from_multibase(text: &str) -> Result<SecretKey, DidKeyError> {
    let bytes = zeroize::Zeroizing::new(decode_base58btc(text)?);
    Ok(SecretKey::from_multicodec(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUB: &str = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    const PRIV: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";

    #[test]
    fn vector_key_pair_derives_the_vector_did() {
        let secret = secret_key_from_multibase(PRIV).expect("vector secret key");
        let did = DidKey::from_public_key(secret.public());
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
            Err(DidKeyError::UnknownKeyType { .. })
        ));
        let short = encode_base58btc(&[0xed, 0x01, 1, 2, 3]);
        assert!(matches!(
            DidKey::from_multibase(&short),
            Err(DidKeyError::WrongLength { len: 3, .. })
        ));
        // The identity point is a small-order (weak) key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            DidKey::from_public_key_bytes(&identity),
            Err(DidKeyError::InvalidPoint {
                alg: SigAlg::Ed25519
            })
        );
    }
}
