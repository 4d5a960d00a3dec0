//! The registry's event log, as a mirror reads it.
//!
//! The registry emits an event for every change, so its whole state can be rebuilt from events
//! alone. [`EventSource`] is what a mirror needs of a node: the head, a block's hash (to notice
//! a reorganisation) and the events of a block range. The chain client implements it over
//! JSON-RPC; the mirror consumes it without knowing about the network.

use crate::{ChainError, ChainHash, IssuerStatus, RegisteredKey, RevocationReason};
use chrono::{DateTime, Utc};
use countersign_credential::RegistryRef;
use countersign_merkle::NodeHash;

/// One change to the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryEvent {
    /// A governance account gained or lost the admin role.
    AdminChanged {
        /// The account.
        account: [u8; 20],
        /// Whether it is an admin from now on.
        admin: bool,
    },
    /// An issuer was registered (its first status change follows as its own event).
    IssuerRegistered {
        /// The issuer's key, profile and public key, as the event says them: not yet checked
        /// ([`RegisteredKey::did`] is the check every reader makes).
        issuer: RegisteredKey,
        /// The account it anchors from.
        account: [u8; 20],
        /// Display name.
        name: String,
        /// Credential types it may issue.
        credential_types: Vec<String>,
    },
    /// An issuer's status changed (registration, suspension, reactivation, retirement).
    IssuerStatusChanged {
        /// The issuer's registry key ([`RegisteredKey::key`]).
        issuer: [u8; 32],
        /// The new status.
        status: IssuerStatus,
        /// Block time of the change.
        at: DateTime<Utc>,
    },
    /// A batch root was anchored.
    RootAnchored {
        /// The root.
        root: NodeHash,
        /// The registry key of the issuer that anchored it.
        issuer: [u8; 32],
        /// Block time of the anchoring.
        at: DateTime<Utc>,
    },
    /// A leaf, sub-batch node or root was revoked by its issuer.
    Revoked {
        /// The revoked hash.
        hash: NodeHash,
        /// The registry key of the issuer that revoked it.
        issuer: [u8; 32],
        /// Why.
        reason: RevocationReason,
        /// Block time of the revocation.
        at: DateTime<Utc>,
    },
    /// A verifier station (service hall) was registered (its first status change follows as
    /// its own event).
    StationRegistered {
        /// The hall's Ed25519 device key.
        station: [u8; 32],
        /// The account it anchors log digests from; all zeros when it has none.
        account: [u8; 20],
        /// Display name.
        name: String,
    },
    /// A station's status changed (registration, suspension, reactivation, retirement).
    StationStatusChanged {
        /// The station's key.
        station: [u8; 32],
        /// The new status (the issuers' codes and rules).
        status: IssuerStatus,
        /// Block time of the change.
        at: DateTime<Utc>,
    },
    /// A station anchored its signed digest of one day's verification log.
    LogDigestAnchored {
        /// The station's key.
        station: [u8; 32],
        /// The hall-local day, as YYYYMMDD (e.g. 20261125).
        day: u32,
        /// The day's digest.
        digest: [u8; 32],
        /// Block time of the anchoring.
        at: DateTime<Utc>,
    },
    /// A station anchored a checkpoint (tree head) of its Merkle-tree verification log.
    CheckpointAnchored {
        /// The station's key.
        station: [u8; 32],
        /// How many entries the tree holds (larger than any the station anchored before).
        size: u64,
        /// The RFC 9162 root of those entries.
        root: [u8; 32],
        /// Block time of the anchoring.
        at: DateTime<Utc>,
    },
}

/// An event with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    /// Block number.
    pub block: u64,
    /// Hash of that block: a different hash at the same number later means a reorganisation.
    pub block_hash: [u8; 32],
    /// Position of the log in the block.
    pub log_index: u64,
    /// The transaction that emitted it.
    pub tx_hash: [u8; 32],
    /// The log as emitted, hashed with the chain's hash ([`ChainHash`], Keccak-256 on
    /// Ethereum): `H(topic0 ‖ topic1 ‖ … ‖ H(data))`, what the registry folds into its
    /// `eventHead` ([`EventHead::fold`]).
    pub leaf: [u8; 32],
    /// What changed.
    pub event: RegistryEvent,
}

/// Every event up to some block, folded as the registry folds them into its `eventHead`
/// (PROTOCOL.md §7.1.2): what a mirror's recorded events must come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventHead {
    /// Every event up to and including that block, folded.
    pub head: [u8; 32],
    /// How many events that is.
    pub count: u64,
    /// The last block that had events (0: none).
    pub block: u64,
}

impl EventHead {
    /// This head with one more event, as the registry folds it on a chain whose EVM hash is
    /// `hash`: `H(head ‖ uint256(block) ‖ leaf)`.
    pub fn fold(self, hash: ChainHash, event: &LoggedEvent) -> Self {
        let mut number = [0u8; 32];
        number[24..].copy_from_slice(&event.block.to_be_bytes());
        Self {
            head: hash.digest_parts(&[&self.head, &number, &event.leaf]),
            count: self.count + 1,
            block: event.block,
        }
    }

    /// This head with `events` folded in, in order.
    pub fn fold_all<'a>(
        self,
        hash: ChainHash,
        events: impl IntoIterator<Item = &'a LoggedEvent>,
    ) -> Self {
        events.into_iter().fold(self, |h, e| h.fold(hash, e))
    }
}

/// A block's number, hash and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRef {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: [u8; 32],
    /// Block time.
    pub time: DateTime<Utc>,
}

/// What a mirror needs of a node. Every `Err` means the source could not answer (or answered
/// for another chain or contract); nothing is applied from a failed call.
pub trait EventSource {
    /// The registry this source reads, as pinned when it was opened (chain id checked).
    fn registry(&self) -> &RegistryRef;
    /// A short name for the node it reads from, for progress and reports.
    fn endpoint(&self) -> String;
    /// The chain's EVM hash, as configured for it: what its events' leaves were hashed with
    /// and what a mirror folds them with.
    fn chain_hash(&self) -> ChainHash;
    /// Shows that the node behind this source serves [`EventSource::registry`]: its chain id,
    /// and the registry's code at the address. Asked at the start of every sync, because the
    /// node behind an address can change between syncs (a reinstalled node, another chain on
    /// a reused LAN address) and its events must never reach the mirror. `WrongRegistry` when
    /// it serves something else.
    fn check_registry(&self) -> Result<(), ChainError>;
    /// The latest block.
    fn head(&self) -> Result<BlockRef, ChainError>;
    /// The block at this number, if the chain has one.
    fn block(&self, number: u64) -> Result<Option<BlockRef>, ChainError>;
    /// The registry's events in blocks `from..=to`, in chain order.
    fn events(&self, from: u64, to: u64) -> Result<Vec<LoggedEvent>, ChainError>;
    /// What the registry's state at block `at` (whose hash must be `at.hash`) says of the
    /// events of each of `blocks`, proved against `at`'s header in one read: the head after
    /// them and the next block with events, in the order asked. What pages must fold to
    /// before the mirror keeps them. `Inconsistent` when the proof fails.
    fn event_links(&self, at: &BlockRef, blocks: &[u64]) -> Result<Vec<EventLink>, ChainError>;
}

/// The registry's record of one block's events, as of a later block: its `headAt[block]` and
/// `nextEventBlock[block]` (PROTOCOL.md §7.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventLink {
    /// `eventHead` after the block's events (zero for a block without events, and for block 0).
    pub head: [u8; 32],
    /// The next block that had events (0: none yet); for block 0, the first.
    pub next: u64,
}
