//! The hash a chain's EVM computes where Solidity says `keccak256`.
//!
//! On Ethereum, Besu, Geth and anvil that is Keccak-256. On a national-crypto chain (FISCO BCOS
//! in its 国密 mode) the same opcode, the compiler's function selectors and event topics, and the
//! storage slots of mappings and arrays are SM3 instead. Everything Countersign derives from
//! the registry's code the way the EVM does (selectors, event topics, storage slots, the event
//! record, the registry id) is computed with the configured chain's [`ChainHash`], never with a
//! constant computed for Ethereum.

use std::fmt;
use std::str::FromStr;

/// The hash of a chain's EVM (its `keccak256` opcode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ChainHash {
    /// Keccak-256, as on Ethereum and every chain Countersign ran on before (the default).
    #[default]
    Keccak256,
    /// SM3 (GB/T 32905-2016), as on FISCO BCOS in national-crypto mode.
    Sm3,
}

/// A name that is not a chain hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a chain hash Countersign knows (keccak256 or sm3)")]
pub struct UnknownChainHash {
    /// The name found (first 40 characters).
    pub name: String,
}

impl ChainHash {
    /// Every chain hash, in a fixed order.
    pub const ALL: [ChainHash; 2] = [ChainHash::Keccak256, ChainHash::Sm3];

    /// Its name in settings and on the command line: `keccak256` or `sm3`.
    pub const fn name(self) -> &'static str {
        match self {
            ChainHash::Keccak256 => "keccak256",
            ChainHash::Sm3 => "sm3",
        }
    }

    /// The chain hash a setting names; only the exact lowercase names are accepted.
    pub fn from_name(name: &str) -> Result<Self, UnknownChainHash> {
        ChainHash::ALL
            .into_iter()
            .find(|h| h.name() == name)
            .ok_or_else(|| UnknownChainHash {
                name: name.chars().take(40).collect(),
            })
    }

    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> [u8; 32] {
        self.digest_parts(&[data])
    }

    /// The hash of the concatenation of `parts`, without building it.
    pub fn digest_parts(self, parts: &[&[u8]]) -> [u8; 32] {
        match self {
            ChainHash::Keccak256 => {
                use sha3::Digest;
                let mut k = sha3::Keccak256::new();
                for part in parts {
                    k.update(part);
                }
                k.finalize().into()
            }
            ChainHash::Sm3 => countersign_crypto::HashAlg::Sm3.digest_parts(parts),
        }
    }

    /// The other chain hash: what a registry that does not answer under this one is asked
    /// under, to tell a misconfigured hash from a wrong address.
    pub const fn other(self) -> ChainHash {
        match self {
            ChainHash::Keccak256 => ChainHash::Sm3,
            ChainHash::Sm3 => ChainHash::Keccak256,
        }
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ChainHash {
    type Err = UnknownChainHash;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChainHash::from_name(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak256_is_ethereums_and_sm3_is_the_standards() {
        // keccak256("") and keccak256("abc"), as every Ethereum tool prints them.
        assert_eq!(
            hex::encode(ChainHash::Keccak256.digest(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        assert_eq!(
            hex::encode(ChainHash::Keccak256.digest(b"abc")),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
        );
        // GB/T 32905-2016 appendix A, example 1.
        assert_eq!(
            hex::encode(ChainHash::Sm3.digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        for h in ChainHash::ALL {
            assert_eq!(h.digest_parts(&[b"a", b"", b"bc"]), h.digest(b"abc"), "{h}");
        }
    }

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        for h in ChainHash::ALL {
            assert_eq!(h.name().parse::<ChainHash>(), Ok(h));
            assert_eq!(h.other().other(), h);
        }
        assert_eq!(ChainHash::default(), ChainHash::Keccak256);
        for bad in ["keccak", "KECCAK256", "sha3", "SM3", "", "sm3 "] {
            assert!(ChainHash::from_name(bad).is_err(), "{bad:?}");
        }
    }
}
