//! Verifiable credentials as Countersign issues and reads them: W3C Verifiable Credentials
//! Data Model 2.0 documents secured with the Data Integrity cryptosuite `eddsa-jcs-2022`,
//! issued by `did:key` Ed25519 identifiers (or, under the national profile, with its SM2/SM3
//! mirror `sm2-jcs-2026` and SM2 `did:key`s), batched under a Merkle root whose inclusion path
//! travels with each credential as a second proof.
//!
//! It covers the credential types a service hall sees (business licence, residence permit,
//! diploma) with their JSON Schemas, and reads any other VC generically.
//!
//! This crate does no I/O: it never reads the clock, the network, files or a database. Times,
//! keys and random ids are passed in. It knows nothing of QR codes, SQLite, the chain or Tauri.

pub mod anchor;
pub mod did_key;
pub mod eddsa_jcs;
pub mod issue;
pub mod kinds;
pub mod model;
pub mod multibase;

pub use anchor::{
    credential_leaf, verify_with_leaf, AnchorError, AnchorProof, RegistryRef, ANCHOR_PROOF_TYPE,
};
pub use did_key::{DidKey, DidKeyError};
pub use eddsa_jcs::{
    any_profile, verify_proof, verify_proof_under, Cryptosuite, SignatureError, SM2_CRYPTOSUITE,
};
pub use issue::{issue_batch, Draft, IssueError, IssuedBatch, Issuer};
pub use kinds::{KindInfo, KINDS};
pub use model::{Credential, FormatError, VC_V2_CONTEXT};

/// Generates a fresh Ed25519 signing key from the operating system's random source.
pub fn generate_signing_key() -> Result<ed25519_dalek::SigningKey, getrandom::Error> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}
