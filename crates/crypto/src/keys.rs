//! Signing and verifying keys for Ed25519 and SM2, and their byte forms.

use crate::hash::HashAlg;
use crate::policy::UnknownName;
use ed25519_dalek::{Signer as _, Verifier as _};
use sm2::elliptic_curve::sec1::{FromEncodedPoint as _, ToEncodedPoint as _};
use zeroize::Zeroizing;

/// Every signature, whatever the algorithm, is 64 bytes: Ed25519's `R ‖ S`, SM2's `r ‖ s`
/// (two 32-byte big-endian integers, as GM/T 0009 §7.1 lays them out before DER).
pub const SIGNATURE_LEN: usize = 64;

/// The SM2 distinguishing ID a signer's `Z` value is computed with when a format says nothing
/// else: GM/T 0009-2012 §10's default, `1234567812345678`, the one OpenSSL, GmSSL and the
/// Chinese CAs use.
pub const SM2_DEFAULT_DISTID: &str = "1234567812345678";

const ED25519_PUB: &[u8] = &[0xed, 0x01];
const ED25519_PRIV: &[u8] = &[0x80, 0x26];
/// multicodec `sm2-pub` (0x1206, "SM2 public key (compressed)") as an unsigned varint.
const SM2_PUB: &[u8] = &[0x86, 0x24];
/// The multicodec table has no SM2 secret-key code; key files use 0x300206, from the table's
/// private-use range (0x300000–0x3fffff), chosen to echo `sm2-pub`. It never leaves the hall.
const SM2_PRIV: &[u8] = &[0x86, 0x84, 0xc0, 0x01];

/// A signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SigAlg {
    /// Ed25519 (RFC 8032), verified strictly: canonical `S`, no small-order keys.
    Ed25519,
    /// SM2 (GB/T 32918.2-2016) over the message with the signer's `Z` value, SM3 digest.
    Sm2,
}

impl SigAlg {
    /// Every algorithm, in a fixed order.
    pub const ALL: [SigAlg; 2] = [SigAlg::Ed25519, SigAlg::Sm2];

    /// The name formats use for it: `ed25519` or `sm2`.
    pub const fn name(self) -> &'static str {
        match self {
            SigAlg::Ed25519 => "ed25519",
            SigAlg::Sm2 => "sm2",
        }
    }

    /// The algorithm a format names; only the exact lowercase names are accepted.
    pub fn from_name(name: &str) -> Result<Self, UnknownName> {
        SigAlg::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| UnknownName::new("signature", name))
    }

    /// The length of a public key's bytes (SM2's in compressed SEC1 form).
    pub const fn public_key_len(self) -> usize {
        match self {
            SigAlg::Ed25519 => 32,
            SigAlg::Sm2 => 33,
        }
    }
}

impl std::fmt::Display for SigAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A key's bytes are not a key we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The bytes have the wrong length for the algorithm.
    #[error("an {alg} key is {expected} bytes, this one is {found}")]
    WrongLength {
        /// The algorithm.
        alg: SigAlg,
        /// The length it needs.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// The bytes are not a point on the curve, or are a point no key may be (Ed25519's
    /// small-order points, SM2's point at infinity).
    #[error("the bytes are not a usable {alg} public key")]
    InvalidPoint {
        /// The algorithm.
        alg: SigAlg,
    },
    /// A secret is zero or not below the group order.
    #[error("the bytes are not a usable {alg} secret key")]
    InvalidSecret {
        /// The algorithm.
        alg: SigAlg,
    },
    /// The multicodec header names no key type we know.
    #[error("the key's multicodec header {header} names no key type Countersign uses")]
    UnknownCodec {
        /// The first bytes, in hex.
        header: String,
    },
    /// The OS random source failed.
    #[error("no system randomness: {0}")]
    Random(String),
}

/// A signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSignature {
    /// Not 64 bytes.
    #[error("a signature is {SIGNATURE_LEN} bytes, this one is {found}")]
    WrongLength {
        /// The length found.
        found: usize,
    },
    /// The bytes are not a signature by this key over this message.
    #[error("the {alg} signature does not verify")]
    Invalid {
        /// The algorithm.
        alg: SigAlg,
    },
}

/// A 64-byte signature (see [`SIGNATURE_LEN`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; SIGNATURE_LEN]);

impl Signature {
    /// A signature from exactly 64 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, BadSignature> {
        <[u8; SIGNATURE_LEN]>::try_from(bytes)
            .map(Signature)
            .map_err(|_| BadSignature::WrongLength { found: bytes.len() })
    }

    /// The bytes.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        self.0
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({})", hex::encode(self.0))
    }
}

/// An SM2 public key: the point, and its compressed form (kept so that the key is `Copy`,
/// compared and hashed by its bytes, and not compressed again on every use).
#[derive(Clone, Copy)]
pub struct Sm2PublicKey {
    point: sm2::AffinePoint,
    compressed: [u8; 33],
}

impl Sm2PublicKey {
    pub(crate) fn point(&self) -> &sm2::AffinePoint {
        &self.point
    }
}

/// A public key of either algorithm.
// The variants differ in size (an Ed25519 key carries its decompressed point too); a key is
// `Copy` and lives in caches and identifiers, so neither is boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy)]
pub enum PublicKey {
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// SM2.
    Sm2(Sm2PublicKey),
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.alg() == other.alg() && self.to_bytes() == other.to_bytes()
    }
}

impl Eq for PublicKey {}

impl std::hash::Hash for PublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.alg().hash(state);
        self.to_bytes().hash(state);
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.alg(), hex::encode(self.to_bytes()))
    }
}

impl From<ed25519_dalek::VerifyingKey> for PublicKey {
    fn from(key: ed25519_dalek::VerifyingKey) -> Self {
        PublicKey::Ed25519(key)
    }
}

impl PublicKey {
    /// Which algorithm it verifies.
    pub fn alg(&self) -> SigAlg {
        match self {
            PublicKey::Ed25519(_) => SigAlg::Ed25519,
            PublicKey::Sm2(_) => SigAlg::Sm2,
        }
    }

    /// Its bytes: Ed25519's 32, SM2's compressed SEC1 point (33: `02`/`03` ‖ x).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            PublicKey::Ed25519(k) => k.to_bytes().to_vec(),
            PublicKey::Sm2(k) => k.compressed.to_vec(),
        }
    }

    /// A key from its bytes. SM2 keys are accepted compressed (33 bytes) or uncompressed
    /// (65 bytes, `04` ‖ x ‖ y), and kept compressed.
    pub fn from_bytes(alg: SigAlg, bytes: &[u8]) -> Result<Self, KeyError> {
        match alg {
            SigAlg::Ed25519 => {
                let raw = <[u8; 32]>::try_from(bytes).map_err(|_| KeyError::WrongLength {
                    alg,
                    expected: 32,
                    found: bytes.len(),
                })?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map_err(|_| KeyError::InvalidPoint { alg })?;
                if key.is_weak() {
                    return Err(KeyError::InvalidPoint { alg });
                }
                Ok(PublicKey::Ed25519(key))
            }
            SigAlg::Sm2 => {
                if bytes.len() != 33 && bytes.len() != 65 {
                    return Err(KeyError::WrongLength {
                        alg,
                        expected: 33,
                        found: bytes.len(),
                    });
                }
                let encoded = sm2::EncodedPoint::from_bytes(bytes)
                    .map_err(|_| KeyError::InvalidPoint { alg })?;
                let point: Option<sm2::AffinePoint> =
                    sm2::AffinePoint::from_encoded_point(&encoded).into();
                let point = point.ok_or(KeyError::InvalidPoint { alg })?;
                Ok(PublicKey::Sm2(sm2_public(point)?))
            }
        }
    }

    /// `multicodec header ‖ bytes`: the form inside a `did:key` (`ed25519-pub` 0xed,
    /// `sm2-pub` 0x1206, both as unsigned varints).
    pub fn to_multicodec(&self) -> Vec<u8> {
        let header = match self {
            PublicKey::Ed25519(_) => ED25519_PUB,
            PublicKey::Sm2(_) => SM2_PUB,
        };
        [header, &self.to_bytes()].concat()
    }

    /// A key from its multicodec form. An SM2 key MUST be compressed there, as the table
    /// says, so that one key has one `did:key`.
    pub fn from_multicodec(bytes: &[u8]) -> Result<Self, KeyError> {
        if let Some(rest) = bytes.strip_prefix(ED25519_PUB) {
            PublicKey::from_bytes(SigAlg::Ed25519, rest)
        } else if let Some(rest) = bytes.strip_prefix(SM2_PUB) {
            if rest.len() != 33 {
                return Err(KeyError::WrongLength {
                    alg: SigAlg::Sm2,
                    expected: 33,
                    found: rest.len(),
                });
            }
            PublicKey::from_bytes(SigAlg::Sm2, rest)
        } else {
            Err(KeyError::UnknownCodec {
                header: hex::encode(&bytes[..bytes.len().min(2)]),
            })
        }
    }

    /// The 32 bytes that name this key in the registry contract (an issuer's or a station's
    /// `bytes32 key`): an Ed25519 key itself; for SM2, whose key is 33 bytes, `SM3` of its
    /// compressed form. A 32-byte Ed25519 key cannot pass for an SM2 key's hash, since no one
    /// knows the secret of a point chosen as a hash.
    pub fn registry_key(&self) -> [u8; 32] {
        match self {
            PublicKey::Ed25519(k) => k.to_bytes(),
            PublicKey::Sm2(k) => HashAlg::Sm3.digest(&k.compressed),
        }
    }

    /// Checks `signature` over `message` (SM2 with the default distinguishing ID).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), BadSignature> {
        self.verify_with_distid(message, signature, SM2_DEFAULT_DISTID)
    }

    /// Checks `signature` over `message`, computing an SM2 signer's `Z` with `distid` (Ed25519
    /// has none and ignores it). Only the standards' examples need another ID.
    pub fn verify_with_distid(
        &self,
        message: &[u8],
        signature: &Signature,
        distid: &str,
    ) -> Result<(), BadSignature> {
        let alg = self.alg();
        let invalid = BadSignature::Invalid { alg };
        match self {
            PublicKey::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
                k.verify_strict(message, &sig).map_err(|_| invalid)
            }
            PublicKey::Sm2(k) => {
                let sig =
                    sm2::dsa::Signature::from_bytes(&signature.0).map_err(|_| invalid.clone())?;
                let key = sm2::dsa::VerifyingKey::from_affine(distid, k.point)
                    .map_err(|_| invalid.clone())?;
                key.verify(message, &sig).map_err(|_| invalid)
            }
        }
    }
}

fn sm2_public(point: sm2::AffinePoint) -> Result<Sm2PublicKey, KeyError> {
    let encoded = point.to_encoded_point(true);
    let compressed = <[u8; 33]>::try_from(encoded.as_bytes())
        .map_err(|_| KeyError::InvalidPoint { alg: SigAlg::Sm2 })?;
    Ok(Sm2PublicKey { point, compressed })
}

/// A secret signing key of either algorithm.
// Few exist at once (one per signer), so their sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum SecretKey {
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
    /// SM2, with the default distinguishing ID.
    Sm2(sm2::dsa::SigningKey),
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({:?})", self.public())
    }
}

impl From<ed25519_dalek::SigningKey> for SecretKey {
    fn from(key: ed25519_dalek::SigningKey) -> Self {
        SecretKey::Ed25519(key)
    }
}

impl SecretKey {
    /// A new key from the OS random source.
    pub fn generate(alg: SigAlg) -> Result<Self, KeyError> {
        // A random 32-byte string is an SM2 secret unless it is zero or not below the order
        // (chance about 2^-32); draw again then.
        for _ in 0..64 {
            let mut seed = Zeroizing::new([0u8; 32]);
            getrandom::getrandom(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
            match SecretKey::from_bytes(alg, &seed) {
                Ok(key) => return Ok(key),
                Err(KeyError::InvalidSecret { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(KeyError::Random(
            "the random source gave 64 unusable values in a row".into(),
        ))
    }

    /// A key from its 32 secret bytes (Ed25519's seed, SM2's big-endian scalar `d`).
    pub fn from_bytes(alg: SigAlg, bytes: &[u8; 32]) -> Result<Self, KeyError> {
        match alg {
            SigAlg::Ed25519 => Ok(SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                bytes,
            ))),
            SigAlg::Sm2 => {
                let key = sm2::dsa::SigningKey::from_bytes(SM2_DEFAULT_DISTID, &(*bytes).into())
                    .map_err(|_| KeyError::InvalidSecret { alg })?;
                Ok(SecretKey::Sm2(key))
            }
        }
    }

    /// The 32 secret bytes.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        match self {
            SecretKey::Ed25519(k) => Zeroizing::new(k.to_bytes()),
            SecretKey::Sm2(k) => Zeroizing::new(k.to_bytes().into()),
        }
    }

    /// `multicodec header ‖ secret`: `ed25519-priv` (0x1300) or, for SM2, 0x300206.
    pub fn to_multicodec(&self) -> Zeroizing<Vec<u8>> {
        let header = match self {
            SecretKey::Ed25519(_) => ED25519_PRIV,
            SecretKey::Sm2(_) => SM2_PRIV,
        };
        Zeroizing::new([header, self.to_bytes().as_slice()].concat())
    }

    /// A key from its multicodec form.
    pub fn from_multicodec(bytes: &[u8]) -> Result<Self, KeyError> {
        let (alg, rest) = if let Some(rest) = bytes.strip_prefix(ED25519_PRIV) {
            (SigAlg::Ed25519, rest)
        } else if let Some(rest) = bytes.strip_prefix(SM2_PRIV) {
            (SigAlg::Sm2, rest)
        } else {
            return Err(KeyError::UnknownCodec {
                header: hex::encode(&bytes[..bytes.len().min(2)]),
            });
        };
        let secret =
            Zeroizing::new(
                <[u8; 32]>::try_from(rest).map_err(|_| KeyError::WrongLength {
                    alg,
                    expected: 32,
                    found: rest.len(),
                })?,
            );
        SecretKey::from_bytes(alg, &secret)
    }

    /// Which algorithm it signs with.
    pub fn alg(&self) -> SigAlg {
        match self {
            SecretKey::Ed25519(_) => SigAlg::Ed25519,
            SecretKey::Sm2(_) => SigAlg::Sm2,
        }
    }

    /// Its public key.
    pub fn public(&self) -> PublicKey {
        match self {
            SecretKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            SecretKey::Sm2(k) => {
                let point = *k.verifying_key().as_affine();
                let encoded = point.to_encoded_point(true);
                let mut compressed = [0u8; 33];
                compressed.copy_from_slice(encoded.as_bytes());
                PublicKey::Sm2(Sm2PublicKey { point, compressed })
            }
        }
    }

    /// Signs `message`. Both algorithms sign deterministically (Ed25519 by design, SM2 with
    /// RFC 6979 nonces over SM3), so the same key and message give the same bytes and the
    /// published vectors can be reproduced.
    pub fn sign(&self, message: &[u8]) -> Signature {
        match self {
            SecretKey::Ed25519(k) => Signature(k.sign(message).to_bytes()),
            SecretKey::Sm2(k) => {
                // try_sign fails only when the nonce derivation lands on an unusable value
                // (probability about 2^-256): RFC 6979 is deterministic, so there is nothing
                // to retry and no signature to give.
                let sig: sm2::dsa::Signature = signature_impl::sign_sm2(k, message);
                Signature(sig.to_bytes())
            }
        }
    }
}

mod signature_impl {
    use sm2::dsa::signature::Signer as _;

    pub(super) fn sign_sm2(key: &sm2::dsa::SigningKey, message: &[u8]) -> sm2::dsa::Signature {
        #[allow(clippy::expect_used)]
        key.try_sign(message)
            .expect("RFC 6979 yields a usable SM2 nonce except with probability 2^-256")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.replace([' ', '\n'], "")).expect("test hex")
    }

    #[test]
    fn each_algorithm_signs_verifies_and_refuses_a_changed_message() {
        for alg in SigAlg::ALL {
            let key = SecretKey::generate(alg).expect("key");
            let public = key.public();
            assert_eq!(public.alg(), alg);
            assert_eq!(public.to_bytes().len(), alg.public_key_len());
            let sig = key.sign(b"countersign");
            assert_eq!(
                key.sign(b"countersign"),
                sig,
                "{alg} signs deterministically"
            );
            public.verify(b"countersign", &sig).expect("verifies");
            assert_eq!(
                public.verify(b"countersigN", &sig),
                Err(BadSignature::Invalid { alg })
            );
            let mut flipped = sig;
            flipped.0[63] ^= 1;
            assert!(public.verify(b"countersign", &flipped).is_err());
        }
    }

    #[test]
    fn a_signature_under_another_algorithm_never_verifies() {
        let ed = SecretKey::generate(SigAlg::Ed25519).expect("key");
        let sm = SecretKey::generate(SigAlg::Sm2).expect("key");
        let msg = b"relabelled";
        assert!(sm.public().verify(msg, &ed.sign(msg)).is_err());
        assert!(ed.public().verify(msg, &sm.sign(msg)).is_err());
    }

    #[test]
    fn sm2_signs_with_the_default_distinguishing_id() {
        let key = SecretKey::generate(SigAlg::Sm2).expect("key");
        let sig = key.sign(b"id");
        key.public()
            .verify_with_distid(b"id", &sig, SM2_DEFAULT_DISTID)
            .expect("default ID");
        assert!(key
            .public()
            .verify_with_distid(b"id", &sig, "ALICE123@YAHOO.COM")
            .is_err());
    }

    #[test]
    fn sm2_verifies_the_standards_signature_example() {
        // GB/T 32918.5-2017 appendix A (GM/T 0003.5-2012 likewise): the recommended curve,
        // the default distinguishing ID 1234567812345678, message "message digest".
        let public = [
            "04",
            "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020",
            "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13",
        ]
        .concat();
        let secret = unhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
        let r = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
        let s = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
        let key = PublicKey::from_bytes(SigAlg::Sm2, &unhex(&public)).expect("key");
        let secret_key =
            SecretKey::from_bytes(SigAlg::Sm2, &secret.try_into().expect("32")).expect("secret");
        assert_eq!(
            secret_key.public(),
            key,
            "the secret's public key is the example's"
        );
        let sig = Signature::from_slice(&unhex(&[r, s].concat())).expect("64");
        key.verify(b"message digest", &sig)
            .expect("the standard's signature verifies");
        assert!(key.verify(b"message digesT", &sig).is_err());
        assert!(
            key.verify_with_distid(b"message digest", &sig, "ALICE123@YAHOO.COM")
                .is_err(),
            "Z binds the distinguishing ID"
        );
    }

    #[test]
    fn keys_round_trip_through_bytes_and_multicodec() {
        for alg in SigAlg::ALL {
            let key = SecretKey::generate(alg).expect("key");
            let again = SecretKey::from_bytes(alg, &key.to_bytes()).expect("secret");
            assert_eq!(again.public(), key.public());
            let again = SecretKey::from_multicodec(&key.to_multicodec()).expect("multicodec");
            assert_eq!(again.public(), key.public());
            let public = key.public();
            assert_eq!(
                PublicKey::from_bytes(alg, &public.to_bytes()).expect("public"),
                public
            );
            assert_eq!(
                PublicKey::from_multicodec(&public.to_multicodec()).expect("multicodec"),
                public
            );
        }
    }

    #[test]
    fn bad_key_bytes_are_refused_with_the_reason() {
        assert!(matches!(
            PublicKey::from_bytes(SigAlg::Sm2, &[2u8; 32]),
            Err(KeyError::WrongLength { found: 32, .. })
        ));
        // A real key's uncompressed point with y changed is off the curve.
        let real = SecretKey::generate(SigAlg::Sm2).expect("key").public();
        let PublicKey::Sm2(inner) = real else {
            unreachable!()
        };
        let mut off_curve = inner.point.to_encoded_point(false).as_bytes().to_vec();
        off_curve[64] ^= 1;
        assert!(matches!(
            PublicKey::from_bytes(SigAlg::Sm2, &off_curve),
            Err(KeyError::InvalidPoint { .. })
        ));
        assert!(matches!(
            SecretKey::from_bytes(SigAlg::Sm2, &[0u8; 32]),
            Err(KeyError::InvalidSecret { .. })
        ));
        assert!(matches!(
            SecretKey::from_bytes(SigAlg::Sm2, &[0xffu8; 32]),
            Err(KeyError::InvalidSecret { .. })
        ));
        // The Ed25519 identity point is of small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(matches!(
            PublicKey::from_bytes(SigAlg::Ed25519, &identity),
            Err(KeyError::InvalidPoint { .. })
        ));
        assert!(matches!(
            PublicKey::from_multicodec(&[0xe7, 0x01, 2, 3]),
            Err(KeyError::UnknownCodec { .. })
        ));
        // An uncompressed SM2 key inside a multicodec value.
        let sm2 = SecretKey::generate(SigAlg::Sm2).expect("key").public();
        let PublicKey::Sm2(inner) = sm2 else {
            unreachable!()
        };
        let long = [SM2_PUB, inner.point.to_encoded_point(false).as_bytes()].concat();
        assert!(matches!(
            PublicKey::from_multicodec(&long),
            Err(KeyError::WrongLength { found: 65, .. })
        ));
    }

    #[test]
    fn registry_keys_are_the_ed25519_key_and_the_sm3_of_an_sm2_key() {
        let ed = SecretKey::generate(SigAlg::Ed25519).expect("key").public();
        assert_eq!(ed.registry_key().to_vec(), ed.to_bytes());
        let sm = SecretKey::generate(SigAlg::Sm2).expect("key").public();
        assert_eq!(sm.registry_key(), HashAlg::Sm3.digest(&sm.to_bytes()));
    }

    #[test]
    fn a_signature_of_the_wrong_length_is_named() {
        assert_eq!(
            Signature::from_slice(&[0u8; 63]),
            Err(BadSignature::WrongLength { found: 63 })
        );
    }
}
