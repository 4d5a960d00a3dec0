//! The words the hall's records share: a verification's [`Verdict`], the [`Channel`] a
//! credential came in by, where the chain state came from ([`ChainSourceKind`]) and which state
//! it was ([`ChainUsed`]), and a credential's hash ([`CredentialHash`]). The verifier decides
//! them, the log stores and hashes them, receipts sign them and both front ends show them; each
//! is one type here, so that a receipt's verdict is the log's verdict is the report's verdict.
//!
//! They live in a crate of their own because no crate below both the log and the receipts fits:
//! the log must not know the verifier, receipts must not know the log, and what the two have in
//! common below them (JCS, the defaults) is not a vocabulary.
//!
//! Each word has exactly one spelling ([`Verdict::as_str`] …, read back by `FromStr`, and the
//! same string in serde): the one the log has always written into its rows and its hash chain,
//! so that every existing log still verifies. A spelling this build does not know is an error
//! ([`VocabError`]), never a guess. No I/O, no clock; nothing here decides anything.

use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// A stored or typed word is not one this build knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabError {
    /// Not one of a word's spellings.
    #[error("{found:?} is not a {what} (one of {expected})")]
    Unknown {
        /// Which word (`verdict`, `channel`, `chain source`).
        what: &'static str,
        /// Its spellings, for the message.
        expected: &'static str,
        /// What was found (at most 64 characters of it).
        found: String,
    },
    /// Not 64 hex digits.
    #[error("{0:?} is not a credential hash (64 hex digits)")]
    CredentialHash(String),
}

/// At most 64 characters of `text`: a tampered row may hold anything, a message need not.
fn excerpt(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Spelling, parsing, `Display` and serde for an enum of unit variants.
macro_rules! word {
    ($type:ident, $what:literal, $expected:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $type {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The one spelling: what the log stores and hashes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl FromStr for $type {
            type Err = VocabError;

            fn from_str(text: &str) -> Result<Self, VocabError> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(VocabError::Unknown {
                        what: $what,
                        expected: $expected,
                        found: excerpt(text),
                    }),
                }
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// The overall verdict of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Every check passed (warnings allowed).
    Valid,
    /// A check failed: forged, tampered, expired, revoked, untrusted.
    Invalid,
    /// Nothing failed, but something could not be checked (amber on the screen, never red).
    Unverifiable,
}

word!(Verdict, "verdict", "VALID, INVALID, UNVERIFIABLE", {
    Valid => "VALID",
    Invalid => "INVALID",
    Unverifiable => "UNVERIFIABLE",
});

impl Verdict {
    /// The name the clerk's screen and the message catalogue use (`verdict.<name>`):
    /// `CANNOT_CONFIRM` for unverifiable, because "unverifiable" reads as "fake" to a citizen.
    pub fn screen_name(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Invalid => "INVALID",
            Self::Unverifiable => "CANNOT_CONFIRM",
        }
    }

    /// Reads either spelling, the stored one or the screen's (a filter typed on the console).
    pub fn parse_any(text: &str) -> Result<Self, VocabError> {
        match text {
            "CANNOT_CONFIRM" => Ok(Self::Unverifiable),
            other => other.parse(),
        }
    }
}

/// How the credential reached the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// A USB or serial scanner.
    Scanner,
    /// The webcam.
    Camera,
    /// An image file, a drop or a paste.
    Image,
}

word!(Channel, "channel", "scanner, camera, image", {
    Scanner => "scanner",
    Camera => "camera",
    Image => "image",
});

/// Where the chain state a verdict used came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChainSourceKind {
    /// A live node.
    Online,
    /// The hall's mirror (the node was unreachable).
    Mirror,
    /// A fixed registry snapshot held in memory (demos, tests).
    Memory,
}

word!(ChainSourceKind, "chain source", "online, mirror, memory", {
    Online => "online",
    Mirror => "mirror",
    Memory => "memory",
});

/// The chain state a verdict used: where from, and which block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainUsed {
    /// Where it came from.
    pub source: ChainSourceKind,
    /// Block number.
    pub block: u64,
    /// That block's time.
    pub block_time: DateTime<Utc>,
}

/// A credential's hash: its Merkle leaf, its identity in the log, on chain and on receipts.
/// Shown and read as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CredentialHash(pub [u8; 32]);

impl CredentialHash {
    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// From stored bytes, which must be 32.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }
}

impl AsRef<[u8]> for CredentialHash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<[u8; 32]> for CredentialHash {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for CredentialHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for CredentialHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialHash({self})")
    }
}

impl FromStr for CredentialHash {
    type Err = VocabError;

    /// 64 hex digits, either case.
    fn from_str(text: &str) -> Result<Self, VocabError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|_| VocabError::CredentialHash(excerpt(text)))?;
        Ok(Self(bytes))
    }
}

impl serde::Serialize for CredentialHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CredentialHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings the log has stored since its first version: changing one breaks every
    /// existing log's hash chain, so they are written out here, not derived.
    #[test]
    fn spellings_are_the_stored_ones_and_read_back() {
        let verdicts: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(verdicts, ["VALID", "INVALID", "UNVERIFIABLE"]);
        let channels: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(channels, ["scanner", "camera", "image"]);
        let sources: Vec<&str> = ChainSourceKind::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(sources, ["online", "mirror", "memory"]);
        for v in Verdict::ALL {
            assert_eq!(v.as_str().parse::<Verdict>(), Ok(*v));
            assert_eq!(v.to_string(), v.as_str());
            assert_eq!(Verdict::parse_any(v.screen_name()), Ok(*v));
        }
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(*c));
        }
        for s in ChainSourceKind::ALL {
            assert_eq!(s.as_str().parse::<ChainSourceKind>(), Ok(*s));
        }
    }

    #[test]
    fn an_unknown_spelling_is_an_error_that_says_what_it_found() {
        let err = "valid"
            .parse::<Verdict>()
            .expect_err("lower case is not stored");
        assert_eq!(
            err.to_string(),
            "\"valid\" is not a verdict (one of VALID, INVALID, UNVERIFIABLE)"
        );
        assert!("CANNOT_CONFIRM".parse::<Verdict>().is_err(), "not stored");
        assert!("usb".parse::<Channel>().is_err());
        assert!("snapshot".parse::<ChainSourceKind>().is_err());
        let long = "x".repeat(10_000);
        let VocabError::Unknown { found, .. } = long.parse::<Channel>().expect_err("unknown")
        else {
            panic!("not an unknown word")
        };
        assert_eq!(found.len(), 64);
    }

    #[test]
    fn a_credential_hash_is_64_hex_digits() {
        let hash = CredentialHash([0xab; 32]);
        let text = hash.to_string();
        assert_eq!(text, "ab".repeat(32));
        assert_eq!(text.parse::<CredentialHash>(), Ok(hash));
        assert_eq!(text.to_uppercase().parse::<CredentialHash>(), Ok(hash));
        assert_eq!(format!("{hash:?}"), format!("CredentialHash({text})"));
        for bad in ["", "ab", &"zz".repeat(32), &"ab".repeat(33)] {
            assert!(bad.parse::<CredentialHash>().is_err(), "{bad}");
        }
        assert_eq!(CredentialHash::from_slice(&[1; 31]), None);
    }

    #[test]
    fn serde_uses_the_stored_spelling() {
        let json = serde_json::to_string(&(
            Verdict::Unverifiable,
            Channel::Camera,
            ChainSourceKind::Mirror,
            CredentialHash([1; 32]),
        ))
        .expect("json");
        assert_eq!(
            json,
            format!(
                "[\"UNVERIFIABLE\",\"camera\",\"mirror\",\"{}\"]",
                "01".repeat(32)
            )
        );
        let back: (Verdict, Channel, ChainSourceKind, CredentialHash) =
            serde_json::from_str(&json).expect("read back");
        assert_eq!(back.0, Verdict::Unverifiable);
        assert!(serde_json::from_str::<Verdict>("\"CANNOT_CONFIRM\"").is_err());
    }
}
