//! A scripted chain: an in-memory event source whose blocks, reorganisations and failures the
//! test decides.

// Each test file uses a different part of it.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use countersign_chainstate::events::{
    BlockRef, EventHead, EventLink, EventSource, LoggedEvent, RegistryEvent,
};
use countersign_chainstate::{ChainError, IssuerStatus, RegisteredKey, RevocationReason};
use countersign_credential::{DidKey, RegistryRef};
use countersign_merkle::NodeHash;
use ed25519_dalek::SigningKey;
use std::sync::Mutex;

/// The registry the tests follow.
pub fn registry() -> RegistryRef {
    RegistryRef {
        chain_id: 31337,
        address: [0x5a; 20],
    }
}

/// Another contract on another chain.
pub fn other_registry() -> RegistryRef {
    RegistryRef {
        chain_id: 11155111,
        address: [0x77; 20],
    }
}

/// Issuer number `n`'s key.
pub fn issuer(n: u8) -> DidKey {
    DidKey::from_verifying_key(SigningKey::from_bytes(&[n; 32]).verifying_key())
}

/// Issuer number `n`'s account.
pub fn account(n: u8) -> [u8; 20] {
    [n; 20]
}

/// A distinct hash per number.
pub fn hash(n: u64) -> NodeHash {
    let mut bytes = [0xee; 32];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    NodeHash(bytes)
}

/// Block times: twelve seconds apart.
pub fn block_time(number: u64) -> DateTime<Utc> {
    let start = Utc
        .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
        .single()
        .expect("valid time");
    start + chrono::Duration::seconds(12 * number as i64)
}

/// A placeholder the chain replaces with the block's time.
fn unset() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

/// Registration of issuer `n`: the registration event and its first status change.
pub fn register(n: u8) -> Vec<RegistryEvent> {
    vec![
        RegistryEvent::IssuerRegistered {
            issuer: RegisteredKey::of(&issuer(n)),
            account: account(n),
            name: format!("Issuer {n}"),
            credential_types: vec!["DiplomaCredential".into(), "TranscriptCredential".into()],
        },
        status(n, IssuerStatus::Active),
    ]
}

/// A status change of issuer `n`.
pub fn status(n: u8, status: IssuerStatus) -> RegistryEvent {
    RegistryEvent::IssuerStatusChanged {
        issuer: issuer(n).registry_key(),
        status,
        at: unset(),
    }
}

/// Issuer `n` anchors a root.
pub fn anchored(root: NodeHash, n: u8) -> RegistryEvent {
    RegistryEvent::RootAnchored {
        root,
        issuer: issuer(n).registry_key(),
        at: unset(),
    }
}

/// Issuer `n` revokes a hash.
pub fn revoked(hash: NodeHash, n: u8, reason: RevocationReason) -> RegistryEvent {
    RegistryEvent::Revoked {
        hash,
        issuer: issuer(n).registry_key(),
        reason,
        at: unset(),
    }
}

/// Station number `n`'s Ed25519 device key.
pub fn station_key(n: u8) -> [u8; 32] {
    SigningKey::from_bytes(&[0x50 + n; 32])
        .verifying_key()
        .to_bytes()
}

/// Registration of station `n` (with account `0x60 + n`, or none): the registration event and
/// its first status change.
pub fn register_station(n: u8, with_account: bool) -> Vec<RegistryEvent> {
    vec![
        RegistryEvent::StationRegistered {
            station: station_key(n),
            account: if with_account {
                [0x60 + n; 20]
            } else {
                [0; 20]
            },
            name: format!("Hall {n}"),
        },
        station_status(n, IssuerStatus::Active),
    ]
}

/// A status change of station `n`.
pub fn station_status(n: u8, status: IssuerStatus) -> RegistryEvent {
    RegistryEvent::StationStatusChanged {
        station: station_key(n),
        status,
        at: unset(),
    }
}

/// Station `n` anchors a log digest for `day` (YYYYMMDD).
pub fn digest_anchored(n: u8, day: u32) -> RegistryEvent {
    RegistryEvent::LogDigestAnchored {
        station: station_key(n),
        day,
        digest: [0xd0 + n; 32],
        at: unset(),
    }
}

/// Station `n` anchors a checkpoint of its log at `size` entries.
pub fn checkpoint_anchored(n: u8, size: u64) -> RegistryEvent {
    RegistryEvent::CheckpointAnchored {
        station: station_key(n),
        size,
        root: [0xc0 + n; 32],
        at: unset(),
    }
}

/// An admin change.
pub fn admin(n: u8, admin: bool) -> RegistryEvent {
    RegistryEvent::AdminChanged {
        account: account(n),
        admin,
    }
}

fn stamp(mut event: RegistryEvent, time: DateTime<Utc>) -> RegistryEvent {
    match &mut event {
        RegistryEvent::IssuerStatusChanged { at, .. }
        | RegistryEvent::RootAnchored { at, .. }
        | RegistryEvent::Revoked { at, .. }
        | RegistryEvent::StationStatusChanged { at, .. }
        | RegistryEvent::LogDigestAnchored { at, .. }
        | RegistryEvent::CheckpointAnchored { at, .. } => *at = time,
        RegistryEvent::AdminChanged { .. }
        | RegistryEvent::IssuerRegistered { .. }
        | RegistryEvent::StationRegistered { .. } => {}
    }
    event
}

/// How often each method was called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    /// `check_registry`.
    pub check: u64,
    /// `head`.
    pub head: u64,
    /// `block`.
    pub block: u64,
    /// `events`, failed ones included.
    pub events: u64,
}

#[derive(Debug, Clone)]
struct Block {
    hash: [u8; 32],
    events: Vec<RegistryEvent>,
}

#[derive(Debug, Clone)]
struct Inner {
    blocks: Vec<Block>,
    /// Bumped by every reorganisation, so replaced blocks get new hashes.
    branch: u8,
    failing: bool,
    events_left: Option<usize>,
    max_range: Option<u64>,
    tampered: Option<u64>,
    calls: Calls,
    /// The hash its event record is folded with.
    hash: countersign_chainstate::ChainHash,
}

/// The scripted chain. Block 0 exists and is empty.
#[derive(Debug)]
pub struct ScriptedChain {
    registry: RegistryRef,
    name: String,
    inner: Mutex<Inner>,
}

fn block_hash(number: u64, branch: u8) -> [u8; 32] {
    let mut hash = [0xb0; 32];
    hash[..8].copy_from_slice(&number.to_be_bytes());
    hash[8] = branch;
    hash
}

impl ScriptedChain {
    /// A chain of the test registry.
    pub fn new(name: &str) -> Self {
        Self::with_registry(name, registry())
    }

    /// A chain of another registry.
    pub fn with_registry(name: &str, registry: RegistryRef) -> Self {
        Self {
            registry,
            name: name.to_owned(),
            inner: Mutex::new(Inner {
                blocks: vec![Block {
                    hash: block_hash(0, 0),
                    events: Vec::new(),
                }],
                branch: 0,
                failing: false,
                events_left: None,
                max_range: None,
                tampered: None,
                calls: Calls::default(),
                hash: countersign_chainstate::ChainHash::Keccak256,
            }),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mines a block with these events; returns its number.
    pub fn push(&self, events: Vec<RegistryEvent>) -> u64 {
        let mut inner = self.inner();
        let number = inner.blocks.len() as u64;
        let hash = block_hash(number, inner.branch);
        inner.blocks.push(Block {
            hash,
            events: events
                .into_iter()
                .map(|e| stamp(e, block_time(number)))
                .collect(),
        });
        number
    }

    /// Mines `n` empty blocks.
    pub fn push_empty(&self, n: u64) {
        for _ in 0..n {
            self.push(Vec::new());
        }
    }

    /// Replaces the last `depth` blocks by `replacement` (one entry per block).
    pub fn reorg(&self, depth: usize, replacement: Vec<Vec<RegistryEvent>>) {
        {
            let mut inner = self.inner();
            let keep = inner.blocks.len().saturating_sub(depth).max(1);
            inner.blocks.truncate(keep);
            inner.branch += 1;
        }
        for events in replacement {
            self.push(events);
        }
    }

    /// The head's number.
    pub fn head_number(&self) -> u64 {
        self.inner().blocks.len() as u64 - 1
    }

    /// From now on the chain's EVM hash is `hash`: its event record is folded with it.
    pub fn set_chain_hash(&self, hash: countersign_chainstate::ChainHash) {
        self.inner().hash = hash;
    }

    /// Every call fails while set.
    pub fn set_failing(&self, failing: bool) {
        self.inner().failing = failing;
    }

    /// `events` answers `n` more times, then fails (`None`: always answers).
    pub fn fail_events_after(&self, n: Option<usize>) {
        self.inner().events_left = n;
    }

    /// `events` fails on ranges of more than `k` blocks, like a node capping its answers.
    pub fn set_max_range(&self, k: Option<u64>) {
        self.inner().max_range = k;
    }

    /// The events of this block disagree about its hash.
    pub fn tamper(&self, block: Option<u64>) {
        self.inner().tampered = block;
    }

    /// Calls so far.
    pub fn calls(&self) -> Calls {
        self.inner().calls
    }

    /// A copy that has seen only blocks up to `head` (a lagging node).
    pub fn lagging(&self, name: &str, head: u64) -> Self {
        let mut inner = self.inner().clone();
        inner.blocks.truncate(head as usize + 1);
        inner.calls = Calls::default();
        Self {
            registry: self.registry,
            name: name.to_owned(),
            inner: Mutex::new(inner),
        }
    }

    /// How many events blocks `from..=to` hold.
    pub fn event_count(&self, from: u64, to: u64) -> usize {
        let inner = self.inner();
        inner
            .blocks
            .iter()
            .enumerate()
            .filter(|(n, _)| (from..=to).contains(&(*n as u64)))
            .map(|(_, b)| b.events.len())
            .sum()
    }

    fn block_ref(inner: &Inner, number: u64) -> Option<BlockRef> {
        inner.blocks.get(number as usize).map(|b| BlockRef {
            number,
            hash: b.hash,
            time: block_time(number),
        })
    }
}

/// A scripted event's log hash: any function of the event and its place will do, as long as the
/// events and the proved record use the same one (the real one is tested against anvil).
pub fn leaf(number: u64, index: usize, event: &RegistryEvent) -> [u8; 32] {
    use sha3::Digest;
    sha3::Keccak256::digest(format!("{number}/{index}/{event:?}").as_bytes()).into()
}

fn refused(what: &str) -> ChainError {
    ChainError::Unavailable(format!("scripted failure: {what}"))
}

impl EventSource for ScriptedChain {
    fn registry(&self) -> &RegistryRef {
        &self.registry
    }

    fn endpoint(&self) -> String {
        self.name.clone()
    }

    fn chain_hash(&self) -> countersign_chainstate::ChainHash {
        self.inner().hash
    }

    fn check_registry(&self) -> Result<(), ChainError> {
        // The scripted chain always serves its registry; the real client's check is tested
        // against anvil (crates/chain/tests/mirror_sync.rs).
        let mut inner = self.inner();
        inner.calls.check += 1;
        if inner.failing {
            return Err(refused("chain id"));
        }
        Ok(())
    }

    fn head(&self) -> Result<BlockRef, ChainError> {
        let mut inner = self.inner();
        inner.calls.head += 1;
        if inner.failing {
            return Err(refused("head"));
        }
        let head = inner.blocks.len() as u64 - 1;
        Self::block_ref(&inner, head).ok_or_else(|| refused("no blocks"))
    }

    fn block(&self, number: u64) -> Result<Option<BlockRef>, ChainError> {
        let mut inner = self.inner();
        inner.calls.block += 1;
        if inner.failing {
            return Err(refused("block"));
        }
        Ok(Self::block_ref(&inner, number))
    }

    /// The registry's record as the scripted chain's own state at `at` holds it: what a real
    /// node proves with a storage proof.
    fn event_links(&self, at: &BlockRef, blocks: &[u64]) -> Result<Vec<EventLink>, ChainError> {
        blocks.iter().map(|&b| self.event_link(at, b)).collect()
    }

    fn events(&self, from: u64, to: u64) -> Result<Vec<LoggedEvent>, ChainError> {
        let mut inner = self.inner();
        inner.calls.events += 1;
        if inner.failing {
            return Err(refused("events"));
        }
        if inner.max_range.is_some_and(|k| to - from + 1 > k) {
            return Err(refused("query returned more than 10000 results"));
        }
        match inner.events_left {
            Some(0) => return Err(refused("connection reset")),
            Some(n) => inner.events_left = Some(n - 1),
            None => {}
        }
        let mut out = Vec::new();
        for number in from..=to {
            let Some(block) = inner.blocks.get(number as usize) else {
                break;
            };
            for (i, event) in block.events.iter().enumerate() {
                let mut block_hash = block.hash;
                if inner.tampered == Some(number) && i > 0 {
                    block_hash[31] ^= 0xff;
                }
                let mut tx_hash = block.hash;
                tx_hash[31] = i as u8;
                out.push(LoggedEvent {
                    block: number,
                    block_hash,
                    log_index: i as u64,
                    tx_hash,
                    leaf: leaf(number, i, event),
                    event: event.clone(),
                });
            }
        }
        Ok(out)
    }
}

impl ScriptedChain {
    fn event_link(&self, at: &BlockRef, block: u64) -> Result<EventLink, ChainError> {
        let inner = self.inner();
        if inner.failing {
            return Err(refused("eth_getProof"));
        }
        match inner.blocks.get(at.number as usize) {
            Some(b) if b.hash == at.hash => {}
            _ => {
                return Err(ChainError::Inconsistent(format!(
                    "block {} is not on this chain",
                    at.number
                )))
            }
        }
        let mut head = EventHead::default();
        let mut link = EventLink::default();
        for (number, b) in inner.blocks.iter().enumerate().take(at.number as usize + 1) {
            let number = number as u64;
            if b.events.is_empty() {
                continue;
            }
            if head.block == block && link.next == 0 && number > block {
                link.next = number;
            }
            for (i, event) in b.events.iter().enumerate() {
                head = head.fold(
                    inner.hash,
                    &LoggedEvent {
                        block: number,
                        block_hash: b.hash,
                        log_index: i as u64,
                        tx_hash: b.hash,
                        leaf: leaf(number, i, event),
                        event: event.clone(),
                    },
                );
            }
            if number == block {
                link.head = head.head;
            }
        }
        Ok(link)
    }
}
