//! Keeping the mirror up to date in the background, from the block the hall's nodes agree on.
//!
//! A follower owns its own connection to the mirror file (WAL lets the app read through
//! another meanwhile) and syncs it every interval on Tokio's blocking pool, since the event
//! sources and SQLite block. Each round asks every node for its head, agrees on a block with
//! the quorum of the [`HeadPolicy`], and reads the pages from the agreeing nodes in turn
//! ([`sync_agreed`]). A node that lied (a page that did not prove, another block than the
//! others, a head from the future) is named in the status and left out for
//! `NODE_DEMOTED_SECONDS`. Its state is published on a watch channel for the UI's "registry
//! as of …" line.

use crate::sync::{sync_agreed, Progress, SyncError, SyncOptions, SyncReport};
use crate::Mirror;
use chrono::{DateTime, Utc};
use countersign_chainstate::agree::{Fault, HeadPolicy};
use countersign_chainstate::events::{BlockRef, EventSource};
use countersign_credential::RegistryRef;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// An event source a follower can share with the blocking pool.
pub type SharedSource = Arc<dyn EventSource + Send + Sync>;

/// What the follower last did, published after every round and every page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowStatus {
    /// When a round last brought the mirror up to date.
    pub last_sync: Option<DateTime<Utc>>,
    /// Why the last round failed (every source's reason); `None` once a round succeeds.
    pub last_error: Option<String>,
    /// The source that last synced.
    pub endpoint: Option<String>,
    /// The block the mirror reflects after the last round.
    pub cursor: Option<BlockRef>,
    /// A round is running.
    pub syncing: bool,
    /// The running round's progress.
    pub progress: Option<Progress>,
    /// The last successful round's report.
    pub last_report: Option<SyncReport>,
    /// The nodes left out of the last round, and why ("http://… is stale: …").
    pub faults: Vec<String>,
}

/// A running follower. [`Follower::stop`] ends it; dropping it asks it to end after the page in
/// hand.
#[derive(Debug)]
pub struct Follower {
    status: watch::Receiver<FollowStatus>,
    control: Arc<Control>,
    task: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Control {
    stop: AtomicBool,
    wake: Notify,
}

impl Control {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

impl Follower {
    /// A receiver of the follower's status, to await changes.
    pub fn status(&self) -> watch::Receiver<FollowStatus> {
        self.status.clone()
    }

    /// The status now.
    pub fn current(&self) -> FollowStatus {
        self.status.borrow().clone()
    }

    /// Starts a round now instead of at the end of the interval (a clerk's "sync now").
    pub fn sync_now(&self) {
        self.control.wake.notify_one();
    }

    /// Stops the follower: a running round ends after its current page (applied whole), and
    /// the mirror connection is closed when this returns.
    pub async fn stop(mut self) {
        self.control.stop.store(true, Ordering::Relaxed);
        self.control.wake.notify_one();
        if let Some(task) = self.task.take() {
            // A panicked round was already reported in the status; nothing is left to stop.
            let _ = task.await;
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.control.stop.store(true, Ordering::Relaxed);
        self.control.wake.notify_one();
    }
}

/// Starts following: a first round at once, then one every `interval`. Must be called within
/// a Tokio runtime (it spawns a task there).
///
/// `path` is the mirror file, opened (and created) by the follower; a file of another registry
/// is reported in the status at every round and never written.
pub fn spawn_follower(
    path: impl Into<PathBuf>,
    registry: RegistryRef,
    sources: Vec<SharedSource>,
    options: SyncOptions,
    policy: HeadPolicy,
    interval: Duration,
) -> Follower {
    let (status, receiver) = watch::channel(FollowStatus::default());
    let control = Arc::new(Control::default());
    let keeper = Arc::new(Keeper {
        path: path.into(),
        registry,
        sources,
        options,
        policy,
        status,
        control: Arc::clone(&control),
        demoted: Mutex::new(HashMap::new()),
    });
    let task = tokio::spawn(run(keeper, interval));
    Follower {
        status: receiver,
        control,
        task: Some(task),
    }
}

struct Keeper {
    path: PathBuf,
    registry: RegistryRef,
    sources: Vec<SharedSource>,
    options: SyncOptions,
    policy: HeadPolicy,
    status: watch::Sender<FollowStatus>,
    control: Arc<Control>,
    /// Nodes left out until then, by index in `sources`.
    demoted: Mutex<HashMap<usize, Instant>>,
}

struct Synced {
    report: SyncReport,
    cursor: Option<BlockRef>,
}

/// Why a round failed, and the nodes it left out.
type Failed = (String, Vec<String>);

async fn run(keeper: Arc<Keeper>, interval: Duration) {
    let mut mirror: Option<Mirror> = None;
    while !keeper.control.stopping() {
        keeper.status.send_modify(|s| s.syncing = true);
        let k = Arc::clone(&keeper);
        let outcome = match tokio::task::spawn_blocking(move || k.round(mirror)).await {
            Ok((kept, outcome)) => {
                mirror = kept;
                outcome
            }
            Err(e) => {
                mirror = None;
                Err((format!("the sync round failed: {e}"), Vec::new()))
            }
        };
        keeper.status.send_modify(|s| {
            s.syncing = false;
            s.progress = None;
            match outcome {
                Ok(synced) => {
                    s.last_sync = Some(Utc::now());
                    s.last_error = None;
                    s.endpoint = Some(synced.report.endpoint.clone());
                    s.cursor = synced.cursor;
                    s.faults = synced.report.faults.iter().map(|f| f.to_string()).collect();
                    s.last_report = Some(synced.report);
                }
                Err((message, faults)) => {
                    s.last_error = Some(message);
                    s.faults = faults;
                }
            }
        });
        if keeper.control.stopping() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = keeper.control.wake.notified() => {}
        }
    }
}

impl Keeper {
    /// One round on the blocking pool. Hands the connection back to keep it across rounds.
    fn round(&self, mirror: Option<Mirror>) -> (Option<Mirror>, Result<Synced, Failed>) {
        let mut mirror = match mirror {
            Some(m) => m,
            None => match Mirror::open(&self.path, &self.registry) {
                Ok(m) => m,
                Err(e) => return (None, Err((e.to_string(), Vec::new()))),
            },
        };
        if self.sources.is_empty() {
            return (
                Some(mirror),
                Err(("no event source to sync from".into(), Vec::new())),
            );
        }
        // Demoted nodes sit the round out; the quorum counts every configured node, so leaving
        // liars out never lowers the bar for the rest.
        let now = Instant::now();
        let active: Vec<usize> = {
            let mut demoted = self.demoted.lock().unwrap_or_else(|e| e.into_inner());
            demoted.retain(|_, until| *until > now);
            (0..self.sources.len())
                .filter(|i| !demoted.contains_key(i))
                .collect()
        };
        let sources: Vec<&dyn EventSource> = active
            .iter()
            .map(|&i| &*self.sources[i] as &dyn EventSource)
            .collect();
        let mut progress = |p: &Progress| {
            self.status.send_modify(|s| s.progress = Some(p.clone()));
        };
        let stop = || self.control.stopping();
        let outcome = sync_agreed(
            &mut mirror,
            &sources,
            &self.policy,
            &self.options,
            Utc::now(),
            &mut progress,
            &stop,
        );
        let faults = match &outcome {
            Ok(report) => report.faults.clone(),
            Err(SyncError::NoAgreement(e)) => e.faults.clone(),
            Err(_) => Vec::new(),
        };
        self.demote(&active, &faults);
        let lines = faults.iter().map(|f| f.to_string()).collect();
        match outcome {
            Ok(mut report) => {
                for f in &mut report.faults {
                    f.node = active[f.node];
                }
                let cursor = mirror.cursor().ok().flatten();
                (Some(mirror), Ok(Synced { report, cursor }))
            }
            // The file failed, not the node: the connection is dropped and opened afresh next
            // round.
            Err(SyncError::Mirror(e)) => (None, Err((e.to_string(), lines))),
            Err(e) => (Some(mirror), Err((e.to_string(), lines))),
        }
    }

    /// Leaves out for a while every node that lied; one that was merely unreachable is asked
    /// again next round.
    fn demote(&self, active: &[usize], faults: &[countersign_chainstate::agree::NodeFault]) {
        let until =
            Instant::now() + Duration::from_secs(countersign_defaults::NODE_DEMOTED_SECONDS);
        let mut demoted = self.demoted.lock().unwrap_or_else(|e| e.into_inner());
        for f in faults {
            if !matches!(f.fault, Fault::Unreachable(_)) {
                if let Some(&node) = active.get(f.node) {
                    tracing::warn!(endpoint = %f.endpoint, fault = %f.fault, "chain node demoted");
                    demoted.insert(node, until);
                }
            }
        }
    }
}
