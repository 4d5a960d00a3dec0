//! The signature and hash algorithms Countersign makes and checks, in one place.
//!
//! Two profiles exist. The *standard* profile signs with Ed25519 and hashes with SHA-256; it
//! is what credentials are issued with today and stays the default. The *national* profile
//! (国密) signs with SM2 (GB/T 32918.2, with the SM3 digest and the distinguishing ID
//! `1234567812345678` of GM/T 0009) and hashes with SM3 (GB/T 32905). A province chooses one
//! in its hall bundle.
//!
//! Everything that signs or hashes (credentials, the anchoring proof's Merkle batches,
//! receipts, log checkpoints and digests, hall bundles, staff and provisioning records) goes
//! through [`SecretKey`], [`PublicKey`] and [`HashAlg`], so adding an algorithm touches this
//! crate and the formats' names for it, never a flow. Every signed format names its algorithm,
//! and a verifier asks the hall's [`Policy`] before it checks anything, so a signature cannot
//! be passed off under another algorithm's name, and an algorithm the province does not allow
//! is refused even when its signature is good.

mod hash;
mod interop;
mod keys;
mod policy;

pub use hash::{HashAlg, Hasher};
pub use keys::{
    BadSignature, KeyError, PublicKey, SecretKey, SigAlg, Signature, Sm2PublicKey, SIGNATURE_LEN,
    SM2_DEFAULT_DISTID,
};
pub use policy::{NotAllowed, Policy, Profile, UnknownName};
