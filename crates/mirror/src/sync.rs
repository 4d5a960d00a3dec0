//! Bringing the mirror up to date from an event source, page by page.
//!
//! A sync first checks that the mirror's cursor block is still on the source's chain; if not
//! (a reorganisation), it finds the newest recorded block that is, and rolls back to it. Then it
//! reads the blocks after the cursor in pages, applying each page and its cursor in one
//! transaction, so an interrupted sync leaves the mirror at the end of its last page and the
//! next one resumes there.

use crate::{Mirror, MirrorError};
use countersign_chainstate::events::{BlockRef, EventSource, LoggedEvent};
use countersign_chainstate::ChainError;
use std::collections::HashMap;

/// How a sync reads the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// Blocks asked per `events` call; halved while the source refuses a range.
    pub page_blocks: u64,
    /// The newest blocks left out, as not yet final (0 follows the head).
    pub confirmations: u64,
    /// The registry's deployment block: an empty mirror starts reading here.
    pub start_block: u64,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            page_blocks: 2000,
            confirmations: 0,
            start_block: 0,
        }
    }
}

/// Reported after every page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The first block of this sync.
    pub from_block: u64,
    /// The block this sync reads up to.
    pub to_block: u64,
    /// The last block applied.
    pub current_block: u64,
    /// Events newly recorded so far in this sync.
    pub events_applied: u64,
    /// Blocks left to read.
    pub blocks_remaining: u64,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The first block read (the one after the cursor, or the deployment block).
    pub from: u64,
    /// The last block read, now the cursor; `to < from` when there was nothing new.
    pub to: u64,
    /// Events newly recorded.
    pub events: u64,
    /// Pages applied.
    pub pages: u64,
    /// Blocks rolled back because the chain reorganised, if it did.
    pub reorg_depth: Option<u64>,
    /// The source read.
    pub endpoint: String,
}

/// Why a sync stopped. The mirror keeps every page applied before the error.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The source reads another registry than the mirror follows.
    #[error("{endpoint} reads registry {found}, but this mirror follows {expected}")]
    WrongRegistry {
        /// The source.
        endpoint: String,
        /// The registry it reads.
        found: String,
        /// The mirror's registry.
        expected: String,
    },
    /// The source could not answer.
    #[error("{endpoint}: {what}: {error}")]
    Source {
        /// The source.
        endpoint: String,
        /// What was asked.
        what: String,
        /// Its answer.
        error: ChainError,
    },
    /// The chain changed while a page was read; the page was not applied and the next sync
    /// handles the reorganisation.
    #[error("{endpoint}: the chain reorganised during the sync: {detail}")]
    ReorgInProgress {
        /// The source.
        endpoint: String,
        /// What disagreed.
        detail: String,
    },
    /// The source answered something impossible (an event outside the range asked).
    #[error("{endpoint}: inconsistent answer: {detail}")]
    Inconsistent {
        /// The source.
        endpoint: String,
        /// What was wrong.
        detail: String,
    },
    /// The mirror file failed.
    #[error(transparent)]
    Mirror(#[from] MirrorError),
}

/// Brings `mirror` up to date with `source`, calling `progress` after every page.
pub fn sync_once(
    mirror: &mut Mirror,
    source: &dyn EventSource,
    options: &SyncOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport, SyncError> {
    sync_until(mirror, source, options, progress, &|| false)
}

/// [`sync_once`], stopping between pages once `stop` says so.
pub(crate) fn sync_until(
    mirror: &mut Mirror,
    source: &dyn EventSource,
    options: &SyncOptions,
    progress: &mut dyn FnMut(&Progress),
    stop: &dyn Fn() -> bool,
) -> Result<SyncReport, SyncError> {
    let endpoint = source.endpoint();
    if source.registry() != mirror.registry() {
        tracing::warn!(endpoint = %endpoint, registry = %source.registry(), "node serves another registry: not synced");
        return Err(SyncError::WrongRegistry {
            endpoint,
            found: source.registry().to_string(),
            expected: mirror.registry().to_string(),
        });
    }
    let ask = Ask {
        source,
        endpoint: &endpoint,
    };
    // Before anything is read: a node that now serves another chain would otherwise look like
    // a deep reorganisation and have the mirror rolled back and refilled from its blocks.
    if let Err(error) = source.check_registry() {
        tracing::warn!(endpoint = %endpoint, error = %error, "node does not serve the registry: not synced");
        return Err(ask.failed("the registry check".into(), error));
    }
    let head = ask.head()?;
    let target = head.number.saturating_sub(options.confirmations);

    let mut reorg_depth = None;
    if let Some(cursor) = mirror.cursor()? {
        reorg_depth = check_fork(mirror, &ask, cursor, head.number, options.start_block)?;
        if let Some(depth) = reorg_depth {
            tracing::warn!(endpoint = %endpoint, depth, "the chain reorganised: mirror rolled back to the fork");
        }
    }
    let from = match mirror.cursor()? {
        Some(c) => c.number.saturating_add(1),
        None => options.start_block,
    };
    let mut report = SyncReport {
        from,
        to: from.saturating_sub(1),
        events: 0,
        pages: 0,
        reorg_depth,
        endpoint: endpoint.clone(),
    };

    let mut span = options.page_blocks.max(1);
    let mut next = from;
    while next <= target && !stop() {
        let mut to = target.min(next.saturating_add(span - 1));
        let (cursor, events) = loop {
            // The cursor is read before the events and checked again after: a reorganisation
            // in between shows as a changed hash, and one after leaves a stale cursor that the
            // next sync notices.
            let cursor = ask.block(to)?;
            match source.events(next, to) {
                Ok(events) => {
                    if ask.block(to)? != cursor {
                        return Err(ask.reorg(format!("block {to} changed while it was read")));
                    }
                    break (cursor, events);
                }
                // Nodes cap how many logs one call returns; a smaller range may pass.
                Err(_) if to > next => {
                    to = next + (to - next) / 2;
                    span = to - next + 1;
                }
                Err(error) => {
                    return Err(ask.failed(format!("events of blocks {next}..={to}"), error));
                }
            }
        };
        check_page(mirror, &ask, &events, next, &cursor)?;
        let applied = mirror.apply(&events, cursor)? as u64;
        tracing::debug!(endpoint = %endpoint, from = next, to, events = applied, "mirror page applied");
        report.events += applied;
        report.pages += 1;
        report.to = to;
        progress(&Progress {
            from_block: from,
            to_block: target,
            current_block: to,
            events_applied: report.events,
            blocks_remaining: target - to,
        });
        next = to + 1;
    }
    if next > target {
        mirror.mark_synced(chrono::Utc::now())?;
    }
    Ok(report)
}

/// The source, with its name attached to every error.
struct Ask<'a> {
    source: &'a dyn EventSource,
    endpoint: &'a str,
}

impl Ask<'_> {
    fn head(&self) -> Result<BlockRef, SyncError> {
        self.source
            .head()
            .map_err(|e| self.failed("the head block".into(), e))
    }

    /// A block that must exist (at or below the head just read).
    fn block(&self, number: u64) -> Result<BlockRef, SyncError> {
        self.maybe_block(number)?
            .ok_or_else(|| self.reorg(format!("block {number} is no longer on the chain")))
    }

    fn maybe_block(&self, number: u64) -> Result<Option<BlockRef>, SyncError> {
        self.source
            .block(number)
            .map_err(|e| self.failed(format!("block {number}"), e))
    }

    fn failed(&self, what: String, error: ChainError) -> SyncError {
        SyncError::Source {
            endpoint: self.endpoint.to_owned(),
            what,
            error,
        }
    }

    fn reorg(&self, detail: String) -> SyncError {
        SyncError::ReorgInProgress {
            endpoint: self.endpoint.to_owned(),
            detail,
        }
    }
}

/// Checks a page before it is applied: events inside the range, one hash per block, agreeing
/// with the cursor and with what the mirror recorded.
fn check_page(
    mirror: &Mirror,
    ask: &Ask<'_>,
    events: &[LoggedEvent],
    from: u64,
    cursor: &BlockRef,
) -> Result<(), SyncError> {
    let mut seen: HashMap<u64, [u8; 32]> = HashMap::new();
    seen.insert(cursor.number, cursor.hash);
    for e in events {
        if e.block < from || e.block > cursor.number {
            return Err(SyncError::Inconsistent {
                endpoint: ask.endpoint.to_owned(),
                detail: format!(
                    "an event of block {} in the answer for blocks {from}..={}",
                    e.block, cursor.number
                ),
            });
        }
        let known = match seen.get(&e.block) {
            Some(hash) => Some(*hash),
            None => mirror.block_hash(e.block)?,
        };
        if let Some(known) = known.filter(|k| *k != e.block_hash) {
            return Err(ask.reorg(format!(
                "block {} is given as 0x{} and as 0x{}",
                e.block,
                hex::encode(known),
                hex::encode(e.block_hash)
            )));
        }
        seen.insert(e.block, e.block_hash);
    }
    Ok(())
}

/// Rolls back to the newest recorded block still on the source's chain, if the cursor is not;
/// returns how many blocks were rolled back.
///
/// Recorded blocks on the source's chain form a prefix (the mirror never records two branches,
/// it checks hashes as it goes), so the fork point is found by galloping down from the cursor
/// and bisecting: a reorganisation of depth d costs about 2·log2(d) block queries.
fn check_fork(
    mirror: &mut Mirror,
    ask: &Ask<'_>,
    cursor: BlockRef,
    head: u64,
    start_block: u64,
) -> Result<Option<u64>, SyncError> {
    // A source behind the mirror (a lagging node) is compared at its own head, not rolled back
    // to it.
    let top = cursor.number.min(head);
    let recorded = mirror.recorded_blocks(top)?;
    if recorded == 0 {
        // Only when the source's head is below everything recorded: nothing to compare yet.
        return Ok(None);
    }
    let on_chain = |offset: u64| -> Result<Option<BlockRef>, SyncError> {
        let Some((number, hash)) = mirror.recorded_block(top, offset)? else {
            return Ok(None);
        };
        Ok(ask.maybe_block(number)?.filter(|b| b.hash == hash))
    };
    if on_chain(0)?.is_some() {
        return Ok(None);
    }
    // Offsets below `bad` are off the chain, `good` is on it.
    let mut bad = 0;
    let mut good: Option<(u64, BlockRef)> = None;
    let mut step = 1;
    while bad + step < recorded {
        if let Some(b) = on_chain(bad + step)? {
            good = Some((bad + step, b));
            break;
        }
        bad += step;
        step *= 2;
    }
    if good.is_none() && bad < recorded - 1 {
        good = on_chain(recorded - 1)?.map(|b| (recorded - 1, b));
        if good.is_none() {
            bad = recorded - 1;
        }
    }
    match good {
        Some((mut good_at, mut fork)) => {
            while good_at - bad > 1 {
                let mid = bad + (good_at - bad) / 2;
                match on_chain(mid)? {
                    Some(b) => (good_at, fork) = (mid, b),
                    None => bad = mid,
                }
            }
            mirror.rollback_to_block(fork)?;
            Ok(Some(cursor.number - fork.number))
        }
        None => {
            // Nothing recorded is on this chain: start over from the deployment block.
            mirror.reset()?;
            Ok(Some(cursor.number + 1 - start_block.min(cursor.number)))
        }
    }
}
