//! The only code in Countersign that speaks Ethereum JSON-RPC.
//!
//! It reads the registry contract (issuers, anchored roots, revocations) from any
//! EVM-compatible node (Hyperledger Besu, FISCO BCOS's web3 RPC, Geth, anvil), with timeouts,
//! bounded retries and a response size cap; it pins the chain id and the registry address and
//! refuses a node on another chain or an address without our contract; it decodes the
//! registry's events for the hall's mirror; and it signs and sends the issuer, verifier-station
//! and governance transactions locally. Verification sees it only through
//! [`countersign_chainstate::ChainState`] ([`OnlineChainState`]) and the mirror only through
//! [`countersign_chainstate::events::EventSource`].
//!
//! [`proof`] reads the same records proved instead of trusted: EIP-1186 storage proofs checked
//! against the state root of a header whose hash is checked; [`ProvedChainState`] is what
//! verification reads through, at a block the hall's nodes agreed on.
//!
//! ABI encoding of arguments comes from `alloy-sol-types`, generated from the committed ABI; the
//! transport is a small blocking client over `ureq`. What depends on the chain's EVM hash
//! (function selectors, event topics, storage slots, the event record, the registry id) is
//! computed at runtime with the configured [`ChainHash`] ([`RpcOptions::chain_hash`]):
//! Keccak-256 on Ethereum-family chains, SM3 on a national-crypto chain such as FISCO BCOS in
//! 国密 mode. Transaction signing (secp256k1 over Keccak-256 RLP), account addresses, block
//! hashes and the state trie stay Ethereum's (PROTOCOL.md §7.3).

pub mod abi;
pub mod online;
pub mod proof;
pub mod registry;
pub mod rpc;
pub mod wallet;

pub use countersign_chainstate::ChainHash;
pub use online::{connect_first, ConnectError, OnlineChainState, ProvedChainState};
pub use proof::{ProvedHeader, ProvedReadError, ProvedRegistry};
pub use registry::{
    day_code, AnchoredCheckpoint, AnchoredDigest, Mined, Registry, RegistryError, BYTECODE_HEX,
};
pub use rpc::{RpcClient, RpcError, RpcOptions};
pub use wallet::{AccountKeyError, KeyFileError, Wallet};
