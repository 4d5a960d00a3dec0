//! Merkle batches for anchoring credentials on chain, after RFC 6962 (Certificate Transparency).
//!
//! An issuer anchors a whole batch of credentials with one on-chain root. Each credential carries
//! its inclusion path, and a verifier recomputes the root from the credential's own leaf. Leaves
//! and interior nodes are hashed with distinct one-byte prefixes (`0x00`, `0x01`), so an interior
//! node can never be presented as a leaf (the second-preimage attack on naive Merkle trees).
//! Trees of any size are allowed; their shape is RFC 6962's (the left subtree holds the largest
//! power of two of leaves), which is the same as pairing level by level and promoting a lone last
//! node unhashed.
//!
//! The hash is SHA-256 unless the issuer's profile says SM3 (the national profile): every
//! function has a `_with` form taking the [`HashAlg`]; the plain forms are SHA-256.
//!
//! This crate knows nothing about credentials, JSON or chains: it hashes bytes it is given.

mod proof;
mod tree;

pub use proof::{InclusionProof, ProofError, MAX_PATH_LEN};
pub use tree::{MerkleTree, TreeError};

pub use countersign_crypto::HashAlg;
use std::fmt;

/// A 256-bit hash (SHA-256 or SM3) in the tree: a leaf hash, an interior node or a root.
///
/// One type serves all three because revocation treats them alike: revoking any node revokes
/// every leaf below it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeHash(pub [u8; 32]);

impl NodeHash {
    /// The bytes of the hash.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex, as shown to people and stored in databases.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits, with or without a `0x` prefix.
    pub fn from_hex(text: &str) -> Result<Self, HexError> {
        let digits = text.strip_prefix("0x").unwrap_or(text);
        let mut out = [0u8; 32];
        hex::decode_to_slice(digits, &mut out).map_err(|_| HexError {
            found: text.chars().take(70).collect(),
        })?;
        Ok(Self(out))
    }
}

impl fmt::Debug for NodeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeHash({})", self.to_hex())
    }
}

impl fmt::Display for NodeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A hash that was not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a SHA-256 hash as 64 hex digits, found {found:?}")]
pub struct HexError {
    found: String,
}

/// Leaf hash of an entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> NodeHash {
    leaf_hash_with(HashAlg::Sha256, entry)
}

/// Interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &NodeHash, right: &NodeHash) -> NodeHash {
    node_hash_with(HashAlg::Sha256, left, right)
}

/// Leaf hash of an entry with `alg`: `H(0x00 || entry)`.
pub fn leaf_hash_with(alg: HashAlg, entry: &[u8]) -> NodeHash {
    NodeHash(alg.digest_parts(&[&[0x00], entry]))
}

/// Interior node hash with `alg`: `H(0x01 || left || right)`.
pub fn node_hash_with(alg: HashAlg, left: &NodeHash, right: &NodeHash) -> NodeHash {
    NodeHash(alg.digest_parts(&[&[0x01], &left.0, &right.0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_prefix() {
        let h = leaf_hash(b"x");
        assert_eq!(NodeHash::from_hex(&h.to_hex()), Ok(h));
        assert_eq!(NodeHash::from_hex(&format!("0x{}", h.to_hex())), Ok(h));
        assert!(NodeHash::from_hex("abc").is_err());
    }

    #[test]
    fn rfc6962_empty_entry_leaf() {
        // RFC 6962 test data: the leaf hash of the empty entry.
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
