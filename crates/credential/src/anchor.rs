//! The batch anchoring proof: the credential's place in its issuer's Merkle batch, and the
//! registry contract whose anchored root it leads to.
//!
//! It travels as a second proof in the credential's proof set:
//! `{"type":"CountersignAnchor2026","registry":"eip155:<chainId>:0x<address>","proofValue":"u…"}`
//! where `proofValue` is base64url multibase of [`InclusionProof::to_bytes`]. The leaf is
//! `SHA-256(0x00 || JCS(credential with proof = its eddsa-jcs-2022 proof alone))`, so it binds the
//! signed content and the signature, and does not depend on the anchor proof itself. Under the
//! national profile (an `sm2-jcs-2026` signature) the leaf and the tree use SM3, and the proof
//! says so in its first two bytes (`0x00 0x01`, see [`AnchorProof::to_json`]); a proof without
//! them is SHA-256.

use crate::eddsa_jcs::{find_proof_value, proof_suite, SignatureError};
use crate::multibase::{decode_base64url, encode_base64url, MultibaseError};
use countersign_crypto::{HashAlg, Policy};
use countersign_jcs::canonicalize_members;
use countersign_merkle::{leaf_hash_with, InclusionProof, NodeHash, ProofError};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// The proof type of the anchoring proof.
pub const ANCHOR_PROOF_TYPE: &str = "CountersignAnchor2026";

/// First byte of a proof value that names its hash (no inclusion proof starts with it).
const HASH_HEADER: u8 = 0x00;
/// The hash code after [`HASH_HEADER`] for SM3.
const SM3_CODE: u8 = 0x01;

/// A registry contract on an EVM chain, written as a CAIP-10 account id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegistryRef {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Contract address.
    pub address: [u8; 20],
}

impl fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "eip155:{}:0x", self.chain_id)?;
        self.address.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl FromStr for RegistryRef {
    type Err = AnchorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || AnchorError::BadRegistry {
            found: s.chars().take(80).collect(),
        };
        let rest = s.strip_prefix("eip155:").ok_or_else(bad)?;
        let (chain, address) = rest.split_once(':').ok_or_else(bad)?;
        if chain.is_empty() || (chain.starts_with('0') && chain != "0") {
            return Err(bad());
        }
        let chain_id = chain.parse().map_err(|_| bad())?;
        let hex = address.strip_prefix("0x").ok_or_else(bad)?;
        let mut out = [0u8; 20];
        if hex.len() != 40 || !hex.is_ascii() {
            return Err(bad());
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self {
            chain_id,
            address: out,
        })
    }
}

/// The anchoring proof of one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorProof {
    /// The registry holding the batch root.
    pub registry: RegistryRef,
    /// The credential's inclusion path in its batch.
    pub inclusion: InclusionProof,
    /// The hash of the batch's tree: SHA-256, or SM3 under the national profile.
    pub hash: HashAlg,
}

/// Why the anchoring proof is malformed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnchorError {
    /// The credential carries no anchoring proof.
    #[error("the credential carries no anchoring proof")]
    Missing,
    /// More than one anchoring proof.
    #[error("the credential carries more than one anchoring proof")]
    Duplicate,
    /// `registry` is not `eip155:<chain>:0x<40 hex>`.
    #[error("the anchor's registry {found:?} is not eip155:<chain id>:0x<address>")]
    BadRegistry {
        /// The value found.
        found: String,
    },
    /// A required member is missing.
    #[error("the anchoring proof's {0} is missing or not a string")]
    MissingField(&'static str),
    /// A member the format does not define: nothing in this proof is signed, so nothing
    /// unexpected is let through.
    #[error("the anchoring proof has an unexpected member {0:?}")]
    UnexpectedMember(String),
    /// `proofValue` is not base64url multibase.
    #[error("the anchoring proof value is malformed: {0}")]
    Multibase(#[from] MultibaseError),
    /// The inclusion path is malformed.
    #[error("the inclusion path is malformed: {0}")]
    Path(#[from] ProofError),
    /// The leaf cannot be computed (no signature proof to bind).
    #[error("the credential leaf cannot be computed: {0}")]
    Leaf(#[from] SignatureError),
    /// The proof value's header names no hash we know.
    #[error("the anchoring proof names an unknown hash (code {code:#04x})")]
    UnknownHash {
        /// The code found.
        code: u8,
    },
}

impl AnchorProof {
    /// The proof object to put in the credential's proof set.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("type".into(), ANCHOR_PROOF_TYPE.into());
        m.insert("registry".into(), self.registry.to_string().into());
        m.insert(
            "proofValue".into(),
            encode_base64url(&self.to_bytes()).into(),
        );
        m
    }

    /// The proof's bytes: the inclusion proof ([`InclusionProof::to_bytes`]), after a two-byte
    /// header naming the hash when it is not SHA-256: `0x00`, then `0x01` for SM3. An inclusion
    /// proof starts with its tree size as a LEB128 varint of at least 1, so never with `0x00`,
    /// and every proof made before the national profile reads as SHA-256. The header is in the
    /// binary rather than a JSON member because on paper two bytes cost three characters where
    /// `"hash":"sm3"` cost fifteen, the difference between QR version 25 and 26 for a business
    /// licence from a 65,536-credential batch.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = match self.hash {
            HashAlg::Sha256 => Vec::new(),
            HashAlg::Sm3 => vec![HASH_HEADER, SM3_CODE],
        };
        out.extend_from_slice(&self.inclusion.to_bytes());
        out
    }

    /// Reads the anchoring proof from a proof object.
    pub fn from_json(proof: &Map<String, Value>) -> Result<Self, AnchorError> {
        if let Some(extra) = proof
            .keys()
            .find(|k| !matches!(k.as_str(), "type" | "registry" | "proofValue"))
        {
            return Err(AnchorError::UnexpectedMember(
                extra.chars().take(40).collect(),
            ));
        }
        let registry = proof
            .get("registry")
            .and_then(Value::as_str)
            .ok_or(AnchorError::MissingField("registry"))?
            .parse()?;
        let value = proof
            .get("proofValue")
            .and_then(Value::as_str)
            .ok_or(AnchorError::MissingField("proofValue"))?;
        let bytes = decode_base64url(value)?;
        let (hash, rest) = match bytes.as_slice() {
            [HASH_HEADER, SM3_CODE, rest @ ..] => (HashAlg::Sm3, rest),
            [HASH_HEADER, code, ..] => return Err(AnchorError::UnknownHash { code: *code }),
            [HASH_HEADER] => return Err(AnchorError::UnknownHash { code: 0 }),
            rest => (HashAlg::Sha256, rest),
        };
        let inclusion = InclusionProof::from_bytes(rest)?;
        Ok(Self {
            registry,
            inclusion,
            hash,
        })
    }

    /// Finds and reads the anchoring proof in a credential's proof set.
    pub fn from_document(document: &Map<String, Value>) -> Result<Self, AnchorError> {
        let mut found = None;
        let proofs: Vec<&Value> = match document.get("proof") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single) => vec![single],
            None => Vec::new(),
        };
        for p in proofs.into_iter().filter_map(Value::as_object) {
            if p.get("type").and_then(Value::as_str) == Some(ANCHOR_PROOF_TYPE) {
                if found.is_some() {
                    return Err(AnchorError::Duplicate);
                }
                found = Some(Self::from_json(p)?);
            }
        }
        found.ok_or(AnchorError::Missing)
    }
}

/// Verifies the credential's signature proof under `policy` and computes its leaf hash in one
/// pass (the verification pipeline's hot path; same results as
/// [`crate::eddsa_jcs::verify_proof_under`] and [`credential_leaf`]). The leaf's hash is the
/// signer's profile's (SHA-256 for Ed25519, SM3 for SM2).
pub fn verify_with_leaf(
    document: &Value,
    policy: &Policy,
) -> Result<(crate::DidKey, NodeHash), SignatureError> {
    let (signer, entry) = crate::eddsa_jcs::verify_proof_with_entry(document, policy)?;
    Ok((signer, leaf_hash_with(signer.profile().hash(), &entry)))
}

/// The credential's leaf hash: what its batch's tree is built over and what revoking it names.
///
/// Its hash is the signature's suite's: SHA-256 for `eddsa-jcs-2022`, SM3 for `sm2-jcs-2026`.
pub fn credential_leaf(document: &Map<String, Value>) -> Result<NodeHash, AnchorError> {
    let signature = find_proof_value(document)?;
    let suite = signature
        .as_object()
        .ok_or(SignatureError::MissingField("proof"))
        .and_then(proof_suite)?;
    let canonical = canonicalize_members(
        document
            .iter()
            .filter(|(k, _)| k.as_str() != "proof")
            .map(|(k, v)| (k.as_str(), v))
            .chain(std::iter::once(("proof", signature))),
    )
    .map_err(SignatureError::from)?;
    Ok(leaf_hash_with(suite.hash(), &canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ref_round_trip_and_errors() {
        let r: RegistryRef = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
            .parse()
            .expect("valid");
        assert_eq!(r.chain_id, 31337);
        assert_eq!(
            r.to_string(),
            "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
        );
        for bad in [
            "eip155:31337:0x5fbd",
            "eip155::0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "eip155:031337:0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "cosmos:1:0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "eip155:1:5fbdb2315678afecb367f032d93f642f64180aa3",
            "eip155:1:0x5fbdb2315678afecb367f032d93f642f64180aaZ",
        ] {
            assert!(bad.parse::<RegistryRef>().is_err(), "{bad} accepted");
        }
    }
}

#[cfg(test)]
mod header_tests {
    use super::*;
    use countersign_merkle::MerkleTree;

    fn proof(hash: HashAlg) -> AnchorProof {
        let leaves = (0u8..5)
            .map(|i| countersign_merkle::leaf_hash_with(hash, &[i]))
            .collect();
        let tree = MerkleTree::new_with(hash, leaves).expect("tree");
        AnchorProof {
            registry: "eip155:1:0x5fbdb2315678afecb367f032d93f642f64180aa3"
                .parse()
                .expect("registry"),
            inclusion: tree.proof(3).expect("proof"),
            hash,
        }
    }

    #[test]
    fn the_hash_header_round_trips_and_sha256_has_none() {
        for hash in HashAlg::ALL {
            let p = proof(hash);
            assert_eq!(AnchorProof::from_json(&p.to_json()), Ok(p.clone()));
            assert_eq!(p.to_bytes()[0] == 0, hash == HashAlg::Sm3);
        }
        assert_eq!(
            proof(HashAlg::Sha256).to_bytes(),
            proof(HashAlg::Sha256).inclusion.to_bytes()
        );
    }

    #[test]
    fn unknown_hash_codes_and_a_json_hash_member_are_refused() {
        let mut json = proof(HashAlg::Sm3).to_json();
        let mut bytes = proof(HashAlg::Sm3).to_bytes();
        bytes[1] = 0x07;
        json.insert("proofValue".into(), encode_base64url(&bytes).into());
        assert_eq!(
            AnchorProof::from_json(&json),
            Err(AnchorError::UnknownHash { code: 7 })
        );
        json.insert("proofValue".into(), encode_base64url(&[0]).into());
        assert!(AnchorProof::from_json(&json).is_err());
        let mut json = proof(HashAlg::Sha256).to_json();
        json.insert("hash".into(), "sm3".into());
        assert!(matches!(
            AnchorProof::from_json(&json),
            Err(AnchorError::UnexpectedMember(_))
        ));
    }
}
