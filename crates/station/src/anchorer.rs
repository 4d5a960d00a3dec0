//! The station anchors its log's newest checkpoint on the registry by itself, on a schedule:
//! at start and then every [`ANCHOR_EVERY_MINUTES`](countersign_defaults::ANCHOR_EVERY_MINUTES)
//! (an hour) by default, from the hall's station account. What came after the newest anchored
//! checkpoint is all that someone with the file (and the hall key) could still rewrite or roll
//! back unseen, so the schedule bounds that window; each anchor is one transaction (gas in
//! docs/BENCHMARKS.md). A background thread with its own connections to the nodes and to the
//! log (SQLite's WAL lets it write between the counter's appends), so neither the window's
//! thread nor a verification ever waits for the chain.

use crate::integrity::{anchor_checkpoint, CheckpointAnchorError};
use countersign_chain::{connect_first, RegistryError, RpcOptions, Wallet};
use countersign_credential::RegistryRef;
use countersign_log::Log;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the anchorer last did, for the status bar and the diagnostic file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnchorStatus {
    /// The newest checkpoint it anchored: its size and block.
    pub anchored: Option<(u64, u64)>,
    /// Why its last round failed, if it did (no node, the registry refused …).
    pub error: Option<String>,
    /// Rounds run.
    pub rounds: u64,
}

/// The running anchorer; dropping it stops the thread (after its current round).
#[derive(Debug)]
pub struct Anchorer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    status: Arc<Mutex<AnchorStatus>>,
}

impl Anchorer {
    /// What it last did.
    pub fn status(&self) -> AnchorStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Anchorer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Anchors the newest checkpoint of the log at `log_path` from `account` on the registry that
/// `endpoints` serve, now and every `interval`. `None` without endpoints.
pub fn spawn_anchorer(
    endpoints: Vec<String>,
    registry: RegistryRef,
    log_path: PathBuf,
    account: Wallet,
    rpc: RpcOptions,
    interval: Duration,
) -> Option<Anchorer> {
    if endpoints.is_empty() {
        return None;
    }
    let (stop, stopped) = mpsc::channel::<()>();
    let status = Arc::new(Mutex::new(AnchorStatus::default()));
    let shared = Arc::clone(&status);
    let thread = std::thread::Builder::new()
        .name("checkpoint-anchorer".into())
        .spawn(move || loop {
            let outcome = round(&endpoints, &registry, &log_path, &account, &rpc);
            if let Ok(mut s) = shared.lock() {
                s.rounds += 1;
                match outcome {
                    Ok(Some(anchored)) => {
                        s.anchored = Some(anchored);
                        s.error = None;
                    }
                    Ok(None) => s.error = None,
                    Err(why) => s.error = Some(why),
                }
            }
            match stopped.recv_timeout(interval) {
                Err(RecvTimeoutError::Timeout) => continue,
                _ => break,
            }
        })
        .ok()?;
    Some(Anchorer {
        stop: Some(stop),
        thread: Some(thread),
        status,
    })
}

/// One round: the newest checkpoint anchored if it is not yet; its size and block when it was.
fn round(
    endpoints: &[String],
    registry: &RegistryRef,
    log_path: &PathBuf,
    account: &Wallet,
    rpc: &RpcOptions,
) -> Result<Option<(u64, u64)>, String> {
    let node = connect_first(endpoints, registry, rpc).map_err(|e| e.to_string())?;
    let mut log = Log::open(log_path).map_err(|e| e.to_string())?;
    match anchor_checkpoint(&mut log, &node, account) {
        Ok(Some((checkpoint, mined))) => {
            tracing::info!(
                size = checkpoint.size,
                block = mined.block,
                "log checkpoint anchored on the registry"
            );
            Ok(Some((checkpoint.size, mined.block)))
        }
        Ok(None) => Ok(None),
        Err(CheckpointAnchorError::Registry(e @ RegistryError::CheckpointNotNewer { .. })) => {
            // The registry holds a larger tree than this log: the file was rolled back or cut.
            tracing::error!("{e}: run `countersign log verify`");
            Err(format!(
                "{e}: the log may have been rolled back; run `countersign log verify`"
            ))
        }
        Err(e) => {
            tracing::warn!("anchoring the log's checkpoint: {e}");
            Err(e.to_string())
        }
    }
}
