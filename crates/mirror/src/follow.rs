//! Keeping the mirror up to date in the background, failing over between nodes.
//!
//! A follower owns its own connection to the mirror file (WAL lets the app read through
//! another meanwhile) and syncs it every interval on Tokio's blocking pool, since the event
//! sources and SQLite block. Each round tries the sources in order, starting with the one that
//! last succeeded; the first that syncs wins. Its state is published on a watch channel for the
//! UI's "registry as of …" line.

use crate::sync::{sync_until, Progress, SyncError, SyncOptions, SyncReport};
use crate::Mirror;
use chrono::{DateTime, Utc};
use countersign_chainstate::events::{BlockRef, EventSource};
use countersign_credential::RegistryRef;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
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
    interval: Duration,
) -> Follower {
    let (status, receiver) = watch::channel(FollowStatus::default());
    let control = Arc::new(Control::default());
    let keeper = Arc::new(Keeper {
        path: path.into(),
        registry,
        sources,
        options,
        status,
        control: Arc::clone(&control),
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
    status: watch::Sender<FollowStatus>,
    control: Arc<Control>,
}

struct Synced {
    source: usize,
    report: SyncReport,
    cursor: Option<BlockRef>,
}

async fn run(keeper: Arc<Keeper>, interval: Duration) {
    let mut mirror: Option<Mirror> = None;
    let mut preferred = 0;
    while !keeper.control.stopping() {
        keeper.status.send_modify(|s| s.syncing = true);
        let k = Arc::clone(&keeper);
        let outcome = match tokio::task::spawn_blocking(move || k.round(mirror, preferred)).await {
            Ok((kept, outcome)) => {
                mirror = kept;
                outcome
            }
            Err(e) => {
                mirror = None;
                Err(format!("the sync round failed: {e}"))
            }
        };
        keeper.status.send_modify(|s| {
            s.syncing = false;
            s.progress = None;
            match outcome {
                Ok(synced) => {
                    preferred = synced.source;
                    s.last_sync = Some(Utc::now());
                    s.last_error = None;
                    s.endpoint = Some(synced.report.endpoint.clone());
                    s.cursor = synced.cursor;
                    s.last_report = Some(synced.report);
                }
                Err(message) => s.last_error = Some(message),
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
    fn round(
        &self,
        mirror: Option<Mirror>,
        preferred: usize,
    ) -> (Option<Mirror>, Result<Synced, String>) {
        let mut mirror = match mirror {
            Some(m) => m,
            None => match Mirror::open(&self.path, &self.registry) {
                Ok(m) => m,
                Err(e) => return (None, Err(e.to_string())),
            },
        };
        let order = std::iter::once(preferred)
            .chain((0..self.sources.len()).filter(|&i| i != preferred))
            .filter(|&i| i < self.sources.len());
        let mut errors = Vec::new();
        for i in order {
            if self.control.stopping() {
                break;
            }
            let source = &self.sources[i];
            let mut progress = |p: &Progress| {
                self.status.send_modify(|s| s.progress = Some(p.clone()));
            };
            let stop = || self.control.stopping();
            match sync_until(&mut mirror, &**source, &self.options, &mut progress, &stop) {
                Ok(report) => {
                    let cursor = mirror.cursor().ok().flatten();
                    return (
                        Some(mirror),
                        Ok(Synced {
                            source: i,
                            report,
                            cursor,
                        }),
                    );
                }
                // The file failed, not the node: another node would fail the same way. The
                // connection is dropped and opened afresh next round.
                Err(SyncError::Mirror(e)) => return (None, Err(e.to_string())),
                Err(e) => errors.push(e.to_string()),
            }
        }
        let message = if !errors.is_empty() {
            errors.join("; ")
        } else if self.control.stopping() {
            "stopped before syncing".to_owned()
        } else {
            "no event source to sync from".to_owned()
        };
        (Some(mirror), Err(message))
    }
}
