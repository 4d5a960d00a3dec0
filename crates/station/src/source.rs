//! Where a verification's chain state comes from: the block a quorum of the hall's nodes agree
//! on, every answer proved against it; else the hall's mirror; else nothing ("could not
//! check", never INVALID). One verification reads one state: one agreed block, or one read
//! snapshot of the mirror.
//!
//! No node is believed alone. Every verification asks each node for its head and agrees on a
//! block with the quorum of the [`HeadPolicy`] (a majority of the configured nodes unless the
//! hall bundle says otherwise); the registry's answers are storage proofs against that block's
//! header ([`ProvedChainState`]). A node that disagrees, serves a head from the future, has
//! stopped following the chain or answers something that does not prove is reported in
//! [`ChainStatus::faults`] and left out for `NODE_DEMOTED_SECONDS`; one that is down is asked
//! again after `retry_after`, so a hall offline for the day does not wait on a dead node for
//! every scan.

use countersign_chain::{OnlineChainState, ProvedChainState, Registry, RpcOptions};
use countersign_chainstate::agree::{agree, Fault, HeadPolicy, NodeFault};
use countersign_chainstate::events::EventSource;
use countersign_chainstate::{ChainError, ChainState, MemoryChainState, UnavailableChainState};
use countersign_credential::RegistryRef;
use countersign_mirror::follow::SharedSource;
use countersign_mirror::Mirror;
use countersign_mirror::{sync_agreed, Follower, Progress, SyncError, SyncOptions, SyncReport};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The chain source cannot be set up as asked (as opposed to being unreachable, which is
/// normal and answered with the mirror or "could not check").
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Every node answers for another chain or another contract: configuration, not an outage.
    #[error("{0}")]
    WrongRegistry(String),
    /// The mirror file cannot be used for this registry.
    #[error("the hall's mirror {path}: {reason}")]
    Mirror {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// What the status bar says of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStatus {
    /// `online`, `mirror`, `snapshot` or `none`.
    pub mode: &'static str,
    /// Why the last verification did not use the nodes, when it did not.
    pub note: Option<String>,
    /// The mirror's newest block (number, time), once it has synced.
    pub mirror_block: Option<(u64, chrono::DateTime<chrono::Utc>)>,
    /// When the mirror last reached the agreed head.
    pub synced_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How many nodes agreed on the last verification's block, of how many configured.
    pub agreed: Option<(usize, usize)>,
    /// The nodes left out, and why ("http://… gives block 0x… at height 7, not 0x…").
    pub faults: Vec<String>,
}

/// One configured node.
struct Node {
    endpoint: String,
    registry: Option<Registry>,
    failed_at: Option<Instant>,
    demoted_until: Option<Instant>,
    /// What it did to be demoted.
    fault: Option<String>,
}

/// Nodes, mirror or fixed data.
pub struct ChainSource {
    registry: Option<RegistryRef>,
    options: RpcOptions,
    policy: HeadPolicy,
    proofs: bool,
    retry_after: Duration,
    demote_for: Duration,
    nodes: Vec<Node>,
    mirror: Option<Mirror>,
    fixed: Option<MemoryChainState>,
    agreed: Option<(usize, usize)>,
    faults: Vec<String>,
    /// Why the last verification did not use the nodes, when it did not.
    pub note: Option<String>,
}

impl std::fmt::Debug for ChainSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainSource")
            .field(
                "endpoints",
                &self.nodes.iter().map(|n| &n.endpoint).collect::<Vec<_>>(),
            )
            .field("registry", &self.registry.map(|r| r.to_string()))
            .field("policy", &self.policy)
            .field("mirror", &self.mirror.is_some())
            .field("fixed", &self.fixed.is_some())
            .finish()
    }
}

impl ChainSource {
    /// Nodes and/or a mirror file for `registry`, the nodes agreed over by `policy`. Connects
    /// at once when nodes are given; when every node that answers serves another chain or
    /// contract, that is refused here.
    pub fn new(
        endpoints: Vec<String>,
        registry: RegistryRef,
        mirror: Option<&Path>,
        options: RpcOptions,
        policy: HeadPolicy,
    ) -> Result<Self, SourceError> {
        let mirror = match mirror {
            Some(path) => Some(
                Mirror::open(path, &registry).map_err(|e| SourceError::Mirror {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?,
            ),
            None => None,
        };
        let mut me = Self {
            registry: Some(registry),
            options,
            policy,
            proofs: true,
            retry_after: Duration::from_secs(countersign_defaults::NODE_RETRY_AFTER_SECONDS),
            demote_for: Duration::from_secs(countersign_defaults::NODE_DEMOTED_SECONDS),
            nodes: endpoints
                .into_iter()
                .map(|endpoint| Node {
                    endpoint,
                    registry: None,
                    failed_at: None,
                    demoted_until: None,
                    fault: None,
                })
                .collect(),
            mirror,
            fixed: None,
            agreed: None,
            faults: Vec::new(),
            note: None,
        };
        let wrong = me.connect_due();
        if !wrong.is_empty() && me.nodes.iter().all(|n| n.registry.is_none()) {
            return Err(SourceError::WrongRegistry(wrong.join("; ")));
        }
        if me.nodes.is_empty() {
            me.note = Some("no chain node configured".into());
        } else {
            // Whether the nodes agree now: the status bar's first word.
            me.agree_now(chrono::Utc::now());
        }
        Ok(me)
    }

    /// Fixed registry data (a snapshot file: demos, tests, training).
    pub fn fixed(state: MemoryChainState) -> Self {
        Self {
            registry: None,
            options: RpcOptions::default(),
            policy: HeadPolicy::for_nodes(0),
            proofs: true,
            retry_after: Duration::from_secs(countersign_defaults::NODE_RETRY_AFTER_SECONDS),
            demote_for: Duration::from_secs(countersign_defaults::NODE_DEMOTED_SECONDS),
            nodes: Vec::new(),
            mirror: None,
            fixed: Some(state),
            agreed: None,
            faults: Vec::new(),
            note: None,
        }
    }

    /// How long to leave the nodes alone after they failed.
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// How long to leave out a node that lied.
    pub fn demote_for(mut self, wait: Duration) -> Self {
        self.demote_for = wait;
        self
    }

    /// Reads the registry with plain `eth_call`s at the agreed block, without storage proofs:
    /// for a chain whose nodes do not serve `eth_getProof` (the bundle's `chain.proofs:
    /// false`). The agreement on the block still holds; each answer is the reading node's word.
    pub fn without_proofs(mut self) -> Self {
        self.proofs = false;
        self
    }

    /// Whether a quorum of nodes agreed last time.
    pub fn is_online(&self) -> bool {
        self.agreed.is_some()
    }

    /// The mirror, for status and syncing.
    pub fn mirror(&self) -> Option<&Mirror> {
        self.mirror.as_ref()
    }

    /// What the status bar says of the chain: where the last verification's state came from
    /// (or would come from), why not the nodes, which nodes were left out, and how far the
    /// mirror reaches.
    pub fn status(&self) -> ChainStatus {
        let cursor = self.mirror.as_ref().and_then(|m| m.cursor().ok().flatten());
        ChainStatus {
            mode: if self.fixed.is_some() {
                "snapshot"
            } else if self.agreed.is_some() {
                "online"
            } else if self.mirror.is_some() {
                "mirror"
            } else {
                "none"
            },
            note: self.note.clone(),
            mirror_block: cursor.map(|c| (c.number, c.time)),
            synced_at: self
                .mirror
                .as_ref()
                .and_then(|m| m.synced_at().ok().flatten()),
            agreed: self.agreed,
            faults: self.faults.clone(),
        }
    }

    /// Connects every node that is not connected, not demoted and due; returns why the nodes
    /// that serve another chain or contract were refused.
    fn connect_due(&mut self) -> Vec<String> {
        let Some(registry) = self.registry else {
            return Vec::new();
        };
        let now = Instant::now();
        let mut wrong = Vec::new();
        for node in &mut self.nodes {
            let due = node
                .failed_at
                .is_none_or(|t| t.elapsed() >= self.retry_after);
            let demoted = node.demoted_until.is_some_and(|t| t > now);
            if node.registry.is_some() || !due || demoted {
                continue;
            }
            match Registry::connect(&node.endpoint, &registry, self.options.clone()) {
                Ok(r) => {
                    node.registry = Some(r);
                    node.failed_at = None;
                }
                Err(e) => {
                    tracing::warn!(endpoint = %node.endpoint, error = %e, "chain node not used");
                    if matches!(ChainError::from(e.clone()), ChainError::WrongRegistry(_)) {
                        // Another chain or contract behind a configured address: a liar or a
                        // misconfiguration, left out like any node that lies.
                        node.demoted_until = Some(now + self.demote_for);
                        node.fault = Some(e.to_string());
                        wrong.push(e.to_string());
                    } else {
                        node.failed_at = Some(now);
                    }
                }
            }
        }
        wrong
    }

    /// Records what the nodes did: a lying node is left out for a while, one that could not be
    /// asked is disconnected until it is due again.
    fn blame(&mut self, faults: &[NodeFault]) {
        let now = Instant::now();
        for f in faults {
            let Some(node) = self.nodes.get_mut(f.node) else {
                continue;
            };
            match f.fault {
                Fault::Unreachable(_) => {
                    node.registry = None;
                    node.failed_at = Some(now);
                }
                _ => {
                    tracing::warn!(endpoint = %f.endpoint, fault = %f.fault, "chain node demoted");
                    node.registry = None;
                    node.demoted_until = Some(now + self.demote_for);
                    node.fault = Some(f.to_string());
                }
            }
            self.faults.push(f.to_string());
        }
    }

    /// Runs `f` with one chain state: the block a quorum of nodes agree on, proved; else one
    /// snapshot of the mirror; else "unavailable".
    pub fn with<T>(&mut self, f: impl FnOnce(&dyn ChainState) -> T) -> T {
        if let Some(fixed) = &self.fixed {
            return f(fixed);
        }
        let now = chrono::Utc::now();
        if let Some((agreement, agreeing)) = self.agree_now(now) {
            return self.read_agreed(&agreement, &agreeing, now, f);
        }
        if let Some(mirror) = &self.mirror {
            return match mirror.snapshot() {
                Ok(snapshot) => f(&snapshot),
                Err(e) => f(&UnavailableChainState(ChainError::Unavailable(format!(
                    "could not read the hall's mirror: {e}"
                )))),
            };
        }
        let why = self
            .note
            .clone()
            .unwrap_or_else(|| "no chain node or mirror".into());
        f(&UnavailableChainState(ChainError::Unavailable(why)))
    }

    /// Asks every usable node for its head and agrees on a block: the agreement and the
    /// agreeing nodes (by index in `self.nodes`), or `None` with the reason in `note`. Nodes
    /// that lied are demoted, and every node left out is in `faults`.
    fn agree_now(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<(countersign_chainstate::agree::Agreement, Vec<usize>)> {
        self.agreed = None;
        // Nodes still left out for what they did earlier are named again: the status shows
        // every node not used, not only this round's.
        let instant = Instant::now();
        self.faults = self
            .nodes
            .iter()
            .filter(|n| n.demoted_until.is_some_and(|t| t > instant))
            .filter_map(|n| n.fault.clone())
            .collect();
        self.connect_due();
        if self.nodes.is_empty() {
            return None;
        }
        // Index into `self.nodes` of each node asked.
        let asked: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].registry.is_some())
            .collect();
        let sources: Vec<&dyn EventSource> = asked
            .iter()
            .filter_map(|&i| self.nodes[i].registry.as_ref())
            .map(|r| r as &dyn EventSource)
            .collect();
        let agreement = agree(&sources, &self.policy, now);
        drop(sources);
        match agreement {
            Ok(mut agreement) => {
                let faults = renumber(&agreement.faults, &asked);
                self.blame(&faults);
                agreement.asked = self.nodes.len();
                let agreeing: Vec<usize> = agreement.agreeing.iter().map(|&i| asked[i]).collect();
                self.agreed = Some((agreeing.len(), self.nodes.len()));
                self.note = None;
                Some((agreement, agreeing))
            }
            Err(e) => {
                let faults = renumber(&e.faults, &asked);
                self.blame(&faults);
                self.note = Some(e.reason.clone());
                None
            }
        }
    }

    fn read_agreed<T>(
        &mut self,
        agreement: &countersign_chainstate::agree::Agreement,
        agreeing: &[usize],
        now: chrono::DateTime<chrono::Utc>,
        f: impl FnOnce(&dyn ChainState) -> T,
    ) -> T {
        let readers: Vec<(usize, &Registry)> = agreeing
            .iter()
            .filter_map(|&i| self.nodes[i].registry.as_ref().map(|r| (i, r)))
            .collect();
        if !self.proofs {
            let Some((_, first)) = readers.first() else {
                return f(&UnavailableChainState(ChainError::Unavailable(
                    "no agreeing chain node".into(),
                )));
            };
            let state = OnlineChainState::agreed(first, agreement, now);
            return f(&state);
        }
        let (out, faults) = match ProvedChainState::new(readers, agreement, now) {
            Ok(state) => {
                let out = f(&state);
                (out, state.faults())
            }
            Err(e) => (f(&UnavailableChainState(e)), Vec::new()),
        };
        self.blame(&faults);
        out
    }
}

/// Faults numbered by their place among the nodes asked, renumbered by their place among all
/// configured nodes.
fn renumber(faults: &[NodeFault], asked: &[usize]) -> Vec<NodeFault> {
    faults
        .iter()
        .map(|f| NodeFault {
            node: asked.get(f.node).copied().unwrap_or(usize::MAX),
            ..f.clone()
        })
        .collect()
}

/// Brings the hall's mirror at `path` up to the block a quorum of `endpoints` agree on, once,
/// every page proved (`countersign chain sync`; the app's follower does the same every round).
/// The report names the nodes left out and why.
pub fn sync_mirror(
    endpoints: &[String],
    registry: RegistryRef,
    path: &Path,
    rpc: RpcOptions,
    sync: &SyncOptions,
    policy: &HeadPolicy,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport, SyncError> {
    let mut mirror = Mirror::open(path, &registry)?;
    let nodes: Vec<Registry> = endpoints
        .iter()
        .map(|url| Registry::unchecked(url, &registry, rpc.clone()))
        .collect();
    let sources: Vec<&dyn EventSource> = nodes.iter().map(|r| r as &dyn EventSource).collect();
    sync_agreed(
        &mut mirror,
        &sources,
        policy,
        sync,
        chrono::Utc::now(),
        progress,
        &|| false,
    )
}

/// Keeps the hall's mirror at `path` current from `endpoints` in the background, on the
/// current Tokio runtime: the app's follower and `countersign chain sync --follow` alike. Each
/// node is checked (chain id, registry code, `registryId()`) at the start of every round, so
/// a node that serves another chain is refused rather than synced from. `None` without
/// endpoints.
pub fn spawn_follower(
    endpoints: &[String],
    registry: RegistryRef,
    path: PathBuf,
    rpc: RpcOptions,
    sync: SyncOptions,
    policy: HeadPolicy,
    interval: Duration,
) -> Option<Follower> {
    if endpoints.is_empty() {
        return None;
    }
    let sources = endpoints
        .iter()
        .map(|url| Arc::new(Registry::unchecked(url, &registry, rpc.clone())) as SharedSource)
        .collect();
    Some(countersign_mirror::spawn_follower(
        path, registry, sources, sync, policy, interval,
    ))
}
