//! Bringing the mirror up to date from an event source, page by page.
//!
//! A sync reads up to one block: one that a quorum of the hall's nodes agree on
//! ([`sync_agreed`]), or the one node's head ([`sync_once`]). It first checks that the mirror's
//! cursor block is still on that chain; if not (a reorganisation), it finds the newest
//! recorded block that is, and rolls back to it. Then it reads the blocks after the cursor in
//! pages, applying each page and its cursor in one transaction, so an interrupted sync leaves
//! the mirror at the end of its last page and the next one resumes there.
//!
//! No page is taken on the node's word. The registry folds every event it emits into its
//! state (PROTOCOL.md §7.1.2); before a page is applied, its events are folded onto what the
//! mirror holds and the result compared with the registry's record for the page's last event
//! block, and the next block with events must lie after the page, both read with a storage
//! proof against the agreed block's header. A node that leaves out a `Revoked` log, adds an
//! anchor or changes an event, real block hashes kept, is refused with the page unapplied.

use crate::{Mirror, MirrorError};
use chrono::{DateTime, Utc};
use countersign_chainstate::agree::{agree, Fault, HeadPolicy, NoAgreement, NodeFault};
use countersign_chainstate::events::{BlockRef, EventHead, EventSource, LoggedEvent};
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
    /// Events applied before they are proved and kept, as one group (one storage proof): a
    /// node's `eth_getProof` may cost seconds on a large registry, and an interrupted sync
    /// reads the unkept group again. SQLite holds the group, not memory.
    pub group_events: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            page_blocks: 2000,
            confirmations: 0,
            start_block: 0,
            group_events: GROUP_EVENTS,
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
    /// How many nodes agreed on the block synced to (1 for [`sync_once`]).
    pub agreed: usize,
    /// The nodes left out of this sync, and why.
    pub faults: Vec<NodeFault>,
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
    /// A page's events do not add up to what the registry's proved state records: the node
    /// left out, added or changed events. Nothing of the page was applied.
    #[error("{endpoint} gave events for blocks {from}..={to} that the registry's proved state at block {at} contradicts: {detail}")]
    Unproved {
        /// The source.
        endpoint: String,
        /// The page's first block.
        from: u64,
        /// The page's last block.
        to: u64,
        /// The block whose state was read.
        at: u64,
        /// What disagreed.
        detail: String,
    },
    /// The nodes did not agree on a block to sync to.
    #[error("{0}")]
    NoAgreement(#[from] NoAgreement),
    /// The mirror file failed.
    #[error(transparent)]
    Mirror(#[from] MirrorError),
}

impl SyncError {
    /// What the node that caused this did, for demoting it; `None` when the node is not to
    /// blame (the file failed, the chain moved).
    pub fn fault(&self) -> Option<Fault> {
        match self {
            Self::WrongRegistry { .. } | Self::Inconsistent { .. } | Self::Unproved { .. } => {
                Some(Fault::Unproved(self.to_string()))
            }
            Self::Source {
                error: ChainError::Unavailable(_),
                ..
            } => Some(Fault::Unreachable(self.to_string())),
            Self::Source { .. } => Some(Fault::Unproved(self.to_string())),
            Self::ReorgInProgress { .. } | Self::NoAgreement(_) | Self::Mirror(_) => None,
        }
    }
}

/// Brings `mirror` up to date with `source`'s head (less confirmations), calling `progress`
/// after every page: one node's word for which block is the chain's. Every page is still proved
/// against that block's state.
pub fn sync_once(
    mirror: &mut Mirror,
    source: &dyn EventSource,
    options: &SyncOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport, SyncError> {
    sync_until(mirror, source, options, None, Utc::now(), progress, &|| {
        false
    })
}

/// Brings `mirror` up to the block a quorum of `sources` agree on ([`agree`]) as of `now`,
/// read from the agreeing nodes in turn until one syncs. The report names the nodes left out.
pub fn sync_agreed(
    mirror: &mut Mirror,
    sources: &[&dyn EventSource],
    policy: &HeadPolicy,
    options: &SyncOptions,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&Progress),
    stop: &dyn Fn() -> bool,
) -> Result<SyncReport, SyncError> {
    let agreement = agree(sources, policy, now)?;
    let mut faults = agreement.faults.clone();
    let mut last = None;
    for &i in &agreement.agreeing {
        let source = sources[i];
        let at = Agreed {
            block: agreement.block,
            witnesses: &[],
        };
        // The other agreeing nodes vouch for any reorganisation the reading node claims.
        let witnesses: Vec<&dyn EventSource> = agreement
            .agreeing
            .iter()
            .filter(|&&w| w != i)
            .map(|&w| sources[w])
            .collect();
        let at = Agreed {
            witnesses: &witnesses,
            ..at
        };
        match sync_until(mirror, source, options, Some(at), now, progress, stop) {
            Ok(mut report) => {
                report.agreed = agreement.agreeing.len();
                report.faults = faults;
                return Ok(report);
            }
            Err(SyncError::Mirror(e)) => return Err(SyncError::Mirror(e)),
            Err(e) => {
                if let Some(fault) = e.fault() {
                    tracing::warn!(endpoint = %source.endpoint(), error = %e, "node left out of the sync");
                    faults.push(NodeFault {
                        node: i,
                        endpoint: source.endpoint(),
                        fault,
                    });
                }
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        SyncError::NoAgreement(NoAgreement {
            reason: "no agreeing node to read from".into(),
            faults,
        })
    }))
}

/// A block the nodes agreed on, which a sync must end on, and the other nodes that agreed.
#[derive(Clone, Copy)]
pub(crate) struct Agreed<'w> {
    pub(crate) block: BlockRef,
    pub(crate) witnesses: &'w [&'w dyn EventSource],
}

/// Syncs up to `agreed`'s block, or to the source's head less confirmations when `None`,
/// stopping between pages once `stop` says so.
pub(crate) fn sync_until(
    mirror: &mut Mirror,
    source: &dyn EventSource,
    options: &SyncOptions,
    agreed: Option<Agreed<'_>>,
    now: DateTime<Utc>,
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
        witnesses: agreed.map_or(&[], |a| a.witnesses),
    };
    // Before anything is read: a node that now serves another chain would otherwise look like
    // a deep reorganisation and have the mirror rolled back and refilled from its blocks.
    if let Err(error) = source.check_registry() {
        tracing::warn!(endpoint = %endpoint, error = %error, "node does not serve the registry: not synced");
        return Err(ask.failed("the registry check".into(), error));
    }
    // The block every page is proved against, and the last page ends on.
    let at = match agreed {
        Some(a) => a.block,
        None => {
            let head = ask.head()?;
            ask.block(head.number.saturating_sub(options.confirmations))?
        }
    };
    let target = at.number;

    if mirror.cursor()?.is_some() && mirror.event_head()?.is_none() {
        tracing::warn!(endpoint = %endpoint, "mirror synced before event proofs: synced again from the start");
        mirror.reset()?;
    }
    // The registry answered its id under the source's hash (the check above), so that is the
    // chain's. A mirror folded under another one was filled from another chain at the same
    // chain id and address: nothing of it proves here, so it starts over.
    let hash = source.chain_hash();
    if mirror.chain_hash()? != hash {
        if mirror.cursor()?.is_some() {
            tracing::warn!(endpoint = %endpoint, mirror = %mirror.chain_hash()?, chain = %hash, "mirror folded under another chain hash: synced again from the start");
            mirror.reset()?;
        }
        mirror.set_chain_hash(hash)?;
    }
    let mut reorg_depth = None;
    if let Some(cursor) = mirror.cursor()? {
        reorg_depth = check_fork(mirror, &ask, cursor, target, options.start_block)?;
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
        agreed: 1,
        faults: Vec::new(),
    };
    let head = mirror
        .event_head()?
        .ok_or_else(|| MirrorError::Corrupt("the event head is missing after a reset".into()))?;

    // Pages are applied in groups that readers do not see until the group's proof passed.
    let read = Reading {
        ask: &ask,
        options,
        at,
        from,
    };
    if let Err(e) = read.pages(mirror, head, &mut report, progress, stop) {
        mirror.abandon_pages()?;
        return Err(e);
    }
    if report.to >= target {
        mirror.mark_synced(now)?;
    }
    Ok(report)
}

/// The default [`SyncOptions::group_events`]: anvil builds the storage trie for every
/// `eth_getProof`, 2.6 s at 1,000,000 events, so a first sync proves four times rather than
/// once a page; an interrupted sync loses at most this many events' reading.
pub const GROUP_EVENTS: usize = 250_000;

/// One page applied, not yet proved.
struct Pending {
    from: u64,
    to: u64,
    folded: EventHead,
}

/// The pages of one sync, read from `ask` up to `at`.
struct Reading<'a> {
    ask: &'a Ask<'a>,
    options: &'a SyncOptions,
    at: BlockRef,
    from: u64,
}

impl Reading<'_> {
    fn pages(
        &self,
        mirror: &mut Mirror,
        mut head: EventHead,
        report: &mut SyncReport,
        progress: &mut dyn FnMut(&Progress),
        stop: &dyn Fn() -> bool,
    ) -> Result<(), SyncError> {
        let (ask, at, target) = (self.ask, &self.at, self.at.number);
        let mut span = self.options.page_blocks.max(1);
        let mut next = self.from;
        let mut group: Vec<Pending> = Vec::new();
        let (mut held, mut new_events) = (0, 0);
        while next <= target && !stop() {
            if group.is_empty() {
                mirror.begin_pages()?;
            }
            let (to, cursor, events) = self.page(next, &mut span)?;
            check_page(mirror, ask, &events, next, &cursor)?;
            if cursor.number == at.number && cursor.hash != at.hash {
                return Err(ask.reorg(format!(
                    "block {} is 0x{} here, not 0x{} as agreed",
                    at.number,
                    hex::encode(cursor.hash),
                    hex::encode(at.hash)
                )));
            }
            head = head.fold_all(ask.source.chain_hash(), &events);
            new_events += mirror.apply(&events, cursor)? as u64;
            held += events.len();
            group.push(Pending {
                from: next,
                to,
                folded: head,
            });
            next = to + 1;
            if held >= self.options.group_events || next > target || stop() {
                prove_group(ask, &group, at)?;
                mirror.commit_pages()?;
                tracing::debug!(endpoint = %ask.endpoint, pages = group.len(), events = held, to, "pages proved and kept");
                report.events += new_events;
                report.pages += group.len() as u64;
                report.to = to;
                (held, new_events) = (0, 0);
                group.clear();
            }
            progress(&Progress {
                from_block: self.from,
                to_block: target,
                current_block: to,
                events_applied: report.events + new_events,
                blocks_remaining: target - to,
            });
        }
        if !group.is_empty() {
            // Stopped between pages: the unproved rest is read again next time.
            mirror.abandon_pages()?;
        }
        Ok(())
    }

    /// Blocks `next..` (as many as `span`, fewer while the node refuses the range): the last
    /// block read and its events.
    fn page(
        &self,
        next: u64,
        span: &mut u64,
    ) -> Result<(u64, BlockRef, Vec<LoggedEvent>), SyncError> {
        let ask = self.ask;
        let mut to = self.at.number.min(next.saturating_add(*span - 1));
        loop {
            // The cursor is read before the events and checked again after: a reorganisation
            // in between shows as a changed hash, and one after leaves a stale cursor that the
            // next sync notices.
            let cursor = ask.block(to)?;
            match ask.source.events(next, to) {
                Ok(events) => {
                    if ask.block(to)? != cursor {
                        return Err(ask.reorg(format!("block {to} changed while it was read")));
                    }
                    return Ok((to, cursor, events));
                }
                // Nodes cap how many logs one call returns; a smaller range may pass.
                Err(_) if to > next => {
                    to = next + (to - next) / 2;
                    *span = to - next + 1;
                }
                Err(error) => {
                    return Err(ask.failed(format!("events of blocks {next}..={to}"), error));
                }
            }
        }
    }
}

/// Proves a group of applied pages against the registry's state at `at`, with one storage
/// read: each page's events, folded onto what came before, must be the registry's record for
/// its last event block, and the next block with events must come after the page.
fn prove_group(ask: &Ask<'_>, group: &[Pending], at: &BlockRef) -> Result<(), SyncError> {
    let blocks: Vec<u64> = group.iter().map(|p| p.folded.block).collect();
    let (first, last) = match (group.first(), group.last()) {
        (Some(f), Some(l)) => (f.from, l.to),
        _ => return Ok(()),
    };
    let links = match ask.source.event_links(at, &blocks) {
        Ok(links) if links.len() == blocks.len() => links,
        Ok(links) => {
            return Err(ask.unproved(
                first,
                last,
                at,
                format!("{} records asked, {} answered", blocks.len(), links.len()),
            ))
        }
        Err(ChainError::Unavailable(e)) => {
            return Err(ask.failed(
                format!("the registry's event record at block {}", at.number),
                ChainError::Unavailable(e),
            ))
        }
        Err(e) => {
            return Err(ask.unproved(first, last, at, format!("its proof does not verify: {e}")))
        }
    };
    for (page, link) in group.iter().zip(links) {
        let folded = page.folded;
        if link.head != folded.head {
            return Err(ask.unproved(
                page.from,
                page.to,
                at,
                format!(
                    "its events bring the registry's event count to {} and the event head after block {} to 0x{}, but the registry recorded 0x{}: events were left out, added or changed",
                    folded.count,
                    folded.block,
                    hex::encode(folded.head),
                    hex::encode(link.head)
                ),
            ));
        }
        if link.next != 0 && link.next <= page.to {
            return Err(ask.unproved(
                page.from,
                page.to,
                at,
                format!(
                    "the registry recorded events in block {}, which the answer left out",
                    link.next
                ),
            ));
        }
    }
    Ok(())
}

/// The source, with its name attached to every error, and the nodes that vouch for it.
struct Ask<'a> {
    source: &'a dyn EventSource,
    endpoint: &'a str,
    witnesses: &'a [&'a dyn EventSource],
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

    fn unproved(&self, from: u64, to: u64, at: &BlockRef, detail: String) -> SyncError {
        tracing::warn!(endpoint = %self.endpoint, from, to, detail = %detail, "page refused: it does not prove");
        SyncError::Unproved {
            endpoint: self.endpoint.to_owned(),
            from,
            to,
            at: at.number,
            detail,
        }
    }

    /// Before anything recorded is forgotten: every other agreeing node must also lack the
    /// mirror's cursor block. A node that invents a reorganisation would otherwise have the
    /// mirror roll back its revocations.
    fn vouch_for_rollback(&self, cursor: &BlockRef) -> Result<(), SyncError> {
        for w in self.witnesses {
            match w.block(cursor.number) {
                Ok(Some(b)) if b.hash == cursor.hash => {
                    return Err(SyncError::Inconsistent {
                        endpoint: self.endpoint.to_owned(),
                        detail: format!(
                            "it says block {} 0x{} is no longer on the chain, but {} still has it: not rolled back",
                            cursor.number,
                            hex::encode(cursor.hash),
                            w.endpoint()
                        ),
                    })
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(SyncError::Source {
                        endpoint: w.endpoint(),
                        what: format!("block {} (to confirm a reorganisation)", cursor.number),
                        error: e,
                    })
                }
            }
        }
        Ok(())
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
    ask.vouch_for_rollback(&cursor)?;
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
