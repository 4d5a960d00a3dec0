//! Where a verification's chain state comes from: a live node when one answers, else the
//! hall's mirror, else nothing ("could not check", never INVALID). One verification reads one
//! state: a block pinned on the node, or one read snapshot of the mirror.
//!
//! A long-lived counter loses and regains its node: after a failure the nodes are not asked
//! again for `retry_after`, so a hall offline for the day does not wait on a dead node for
//! every scan.

use countersign_chain::{connect_first, OnlineChainState, Registry, RpcOptions};
use countersign_chainstate::{ChainError, ChainState, MemoryChainState, UnavailableChainState};
use countersign_credential::RegistryRef;
use countersign_mirror::follow::SharedSource;
use countersign_mirror::Mirror;
use countersign_mirror::{Follower, SyncOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The chain source cannot be set up as asked (as opposed to being unreachable, which is
/// normal and answered with the mirror or "could not check").
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A node answers for another chain or another contract: configuration, not an outage.
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
    /// Why the last verification did not use a live node, when it did not.
    pub note: Option<String>,
    /// The mirror's newest block (number, time), once it has synced.
    pub mirror_block: Option<(u64, chrono::DateTime<chrono::Utc>)>,
    /// When the mirror last reached a node's head.
    pub synced_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Nodes, mirror or fixed data.
pub struct ChainSource {
    endpoints: Vec<String>,
    registry: Option<RegistryRef>,
    options: RpcOptions,
    confirmations: u64,
    retry_after: Duration,
    online: Option<Registry>,
    failed_at: Option<Instant>,
    mirror: Option<Mirror>,
    fixed: Option<MemoryChainState>,
    /// Why the last verification did not use a live node, when it did not.
    pub note: Option<String>,
}

impl std::fmt::Debug for ChainSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainSource")
            .field("endpoints", &self.endpoints)
            .field("registry", &self.registry.map(|r| r.to_string()))
            .field("online", &self.online.is_some())
            .field("mirror", &self.mirror.is_some())
            .field("fixed", &self.fixed.is_some())
            .finish()
    }
}

impl ChainSource {
    /// Nodes (tried in order) and/or a mirror file for `registry`. Connects at once when nodes
    /// are given; a node of the wrong chain or contract is refused here.
    pub fn new(
        endpoints: Vec<String>,
        registry: RegistryRef,
        mirror: Option<&Path>,
        options: RpcOptions,
        confirmations: u64,
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
            endpoints,
            registry: Some(registry),
            options,
            confirmations,
            retry_after: Duration::from_secs(countersign_defaults::NODE_RETRY_AFTER_SECONDS),
            online: None,
            failed_at: None,
            mirror,
            fixed: None,
            note: None,
        };
        me.reconnect()?;
        Ok(me)
    }

    /// Fixed registry data (a snapshot file: demos, tests, training).
    pub fn fixed(state: MemoryChainState) -> Self {
        Self {
            endpoints: Vec::new(),
            registry: None,
            options: RpcOptions::default(),
            confirmations: 0,
            retry_after: Duration::from_secs(countersign_defaults::NODE_RETRY_AFTER_SECONDS),
            online: None,
            failed_at: None,
            mirror: None,
            fixed: Some(state),
            note: None,
        }
    }

    /// How long to leave the nodes alone after they failed.
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// Whether a live node answered last time.
    pub fn is_online(&self) -> bool {
        self.online.is_some()
    }

    /// The mirror, for status and syncing.
    pub fn mirror(&self) -> Option<&Mirror> {
        self.mirror.as_ref()
    }

    /// What the status bar says of the chain: where the last verification's state came from
    /// (or would come from), why not a node, and how far the mirror reaches.
    pub fn status(&self) -> ChainStatus {
        let cursor = self.mirror.as_ref().and_then(|m| m.cursor().ok().flatten());
        ChainStatus {
            mode: if self.fixed.is_some() {
                "snapshot"
            } else if self.online.is_some() {
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
        }
    }

    fn reconnect(&mut self) -> Result<(), SourceError> {
        let Some(registry) = self.registry else {
            return Ok(());
        };
        if self.endpoints.is_empty() {
            self.note = Some("no chain node configured".into());
            return Ok(());
        }
        match connect_first(&self.endpoints, &registry, &self.options) {
            Ok(r) => {
                self.online = Some(r);
                self.failed_at = None;
                self.note = None;
                Ok(())
            }
            Err(e) if e.wrong_registry() => Err(SourceError::WrongRegistry(e.to_string())),
            Err(e) => {
                self.failed_at = Some(Instant::now());
                self.note = Some(e.to_string());
                Ok(())
            }
        }
    }

    /// Runs `f` with one chain state: a pinned block of a live node, else one snapshot of the
    /// mirror, else "unavailable".
    pub fn with<T>(&mut self, f: impl FnOnce(&dyn ChainState) -> T) -> T {
        if let Some(fixed) = &self.fixed {
            return f(fixed);
        }
        let due = self
            .failed_at
            .is_none_or(|t| t.elapsed() >= self.retry_after);
        if self.online.is_none() && due && !self.endpoints.is_empty() {
            // A wrong registry was refused at start; here it can only be an outage.
            let _ = self.reconnect();
        }
        if let Some(registry) = &self.online {
            match OnlineChainState::pin(registry, self.confirmations) {
                Ok(state) => return f(&state),
                Err(e) => {
                    self.note = Some(e.to_string());
                    self.online = None;
                    self.failed_at = Some(Instant::now());
                }
            }
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
        path, registry, sources, sync, interval,
    ))
}
