//! Rust bindings generated from the committed ABI (`contracts/build`), so the client cannot
//! drift from the contract: a changed ABI changes these types and the build notices.

#![allow(missing_docs)]

use alloy_primitives::{keccak256, B256};

alloy_sol_types::sol!(
    #[derive(Debug)]
    CountersignRegistry,
    "../../contracts/build/CountersignRegistry.abi.json"
);

/// What `registryId()` returns on our registry: `keccak256("Countersign.Registry.v3")`. A v2
/// registry (before log checkpoints) is refused: the checkpoints `log verify` compares a log
/// with are not in it, and its code has another storage layout.
pub fn registry_id() -> B256 {
    keccak256("Countersign.Registry.v3")
}
