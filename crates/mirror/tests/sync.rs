//! Syncing from a scripted chain: pages, resumption, reorganisations, confirmations, refused
//! ranges and wrong sources.

mod common;

use common::*;
use countersign_chainstate::events::EventSource;
use countersign_chainstate::{ChainError, ChainState, RevocationReason};
use countersign_mirror::{sync_once, Counts, Mirror, Progress, SyncError, SyncOptions, SyncReport};

/// 60 blocks: two issuers, an anchor every other block, a revocation every fifth.
fn busy_chain(name: &str) -> ScriptedChain {
    let chain = ScriptedChain::new(name);
    chain.push(register(1));
    chain.push(register(2));
    for n in 3..=60u64 {
        let mut events = Vec::new();
        if n % 2 == 0 {
            events.push(anchored(hash(n), (n % 3) as u8 % 2 + 1));
        }
        if n % 5 == 0 {
            events.push(revoked(hash(1000 + n), 1, RevocationReason::Superseded));
        }
        chain.push(events);
    }
    chain
}

/// Pages of `page_blocks`, each proved and kept on its own (a group per page).
fn options(page_blocks: u64) -> SyncOptions {
    SyncOptions {
        page_blocks,
        group_events: 1,
        ..SyncOptions::default()
    }
}

fn sync(
    mirror: &mut Mirror,
    chain: &ScriptedChain,
    options: &SyncOptions,
) -> (Result<SyncReport, SyncError>, Vec<Progress>) {
    let mut seen = Vec::new();
    let result = sync_once(mirror, chain, options, &mut |p| seen.push(p.clone()));
    (result, seen)
}

fn full_counts(chain: &ScriptedChain) -> Counts {
    let mut fresh = Mirror::open_in_memory(&registry()).expect("open");
    sync(&mut fresh, chain, &options(10_000)).0.expect("sync");
    fresh.counts().expect("counts")
}

#[test]
fn fills_the_mirror_page_by_page() {
    let chain = busy_chain("node-a");
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    let (report, progress) = sync(&mut mirror, &chain, &options(10));
    let report = report.expect("sync");
    let events = chain.event_count(0, 60) as u64;
    assert_eq!(
        report,
        SyncReport {
            from: 0,
            to: 60,
            events,
            pages: 7,
            reorg_depth: None,
            endpoint: "node-a".into(),
            agreed: 1,
            faults: Vec::new(),
        }
    );
    let currents: Vec<_> = progress.iter().map(|p| p.current_block).collect();
    assert_eq!(currents, [9, 19, 29, 39, 49, 59, 60]);
    let last = progress.last().expect("progress");
    assert_eq!((last.events_applied, last.blocks_remaining), (events, 0));
    assert_eq!(progress[0].blocks_remaining, 51);

    assert_eq!(mirror.view().expect("view").block, 60);
    let counts = mirror.counts().expect("counts");
    assert_eq!(counts.events, events);
    assert_eq!(
        (counts.issuers, counts.anchors, counts.revocations),
        (2, 29, 12)
    );

    // Nothing new: nothing read.
    let (again, progress) = sync(&mut mirror, &chain, &options(10));
    let again = again.expect("sync");
    assert_eq!(
        (again.from, again.to, again.pages, again.events),
        (61, 60, 0, 0)
    );
    assert!(progress.is_empty());
}

#[test]
fn an_interrupted_sync_resumes_without_duplicates() {
    let chain = busy_chain("node-a");
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    chain.fail_events_after(Some(2));
    let (result, progress) = sync(&mut mirror, &chain, &options(10));
    assert!(
        matches!(&result, Err(SyncError::Source { what, .. }) if what.contains("20..=20")),
        "{result:?}"
    );
    assert_eq!(progress.len(), 2);
    // Exactly the two pages applied before the failure.
    assert_eq!(mirror.cursor().expect("cursor").map(|c| c.number), Some(19));
    assert_eq!(
        mirror.counts().expect("counts").events,
        chain.event_count(0, 19) as u64
    );

    chain.fail_events_after(None);
    let report = sync(&mut mirror, &chain, &options(10)).0.expect("resume");
    assert_eq!((report.from, report.to), (20, 60));
    assert_eq!(report.events, chain.event_count(20, 60) as u64);
    assert_eq!(mirror.counts().expect("counts"), full_counts(&chain));
}

#[test]
fn a_reorganisation_removes_one_anchor_and_adds_another() {
    let chain = ScriptedChain::new("node-a");
    chain.push(register(1)); // 1
    chain.push_empty(5); // 2..=6
    chain.push(vec![anchored(hash(1), 1)]); // 7
    chain.push(vec![anchored(hash(2), 1)]); // 8
    chain.push_empty(2); // 9, 10
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    sync(&mut mirror, &chain, &options(4)).0.expect("sync");
    assert!(mirror.anchor(&hash(2)).expect("read").is_some());

    // Blocks 8..=10 are replaced: hash(2) was never anchored there, hash(3) is.
    chain.reorg(3, vec![vec![], vec![anchored(hash(3), 1)], vec![], vec![]]);
    let report = sync(&mut mirror, &chain, &options(4)).0.expect("sync");
    assert_eq!(report.reorg_depth, Some(3), "rolled back to block 7");
    assert_eq!((report.from, report.to), (8, 11));
    assert!(mirror.anchor(&hash(1)).expect("read").is_some());
    assert_eq!(mirror.anchor(&hash(2)).expect("read"), None);
    let three = mirror.anchor(&hash(3)).expect("read").expect("anchored");
    assert_eq!(three.block, 9);
    assert_eq!(mirror.counts().expect("counts"), full_counts(&chain));
    assert_eq!(
        mirror.cursor().expect("cursor"),
        chain.block(11).expect("block")
    );
}

#[test]
fn a_chain_sharing_nothing_recorded_starts_the_mirror_over() {
    let chain = busy_chain("node-a");
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    sync(&mut mirror, &chain, &options(16)).0.expect("sync");
    chain.reorg(60, vec![register(2), vec![anchored(hash(5000), 2)]]);
    let report = sync(&mut mirror, &chain, &options(16)).0.expect("sync");
    assert_eq!(report.reorg_depth, Some(61));
    assert_eq!((report.from, report.to), (0, 2));
    let counts = mirror.counts().expect("counts");
    assert_eq!(
        (counts.issuers, counts.anchors, counts.revocations),
        (1, 1, 0)
    );
    assert!(mirror.issuer(&issuer(1)).expect("read").is_none());
}

#[test]
fn confirmations_hold_back_the_newest_blocks() {
    let chain = ScriptedChain::new("node-a");
    chain.push(register(1)); // 1
    chain.push(vec![anchored(hash(1), 1)]); // 2
    chain.push_empty(2); // 3, 4
    chain.push(vec![anchored(hash(2), 1)]); // 5
    chain.push_empty(1); // 6
    let held = SyncOptions {
        confirmations: 3,
        ..options(100)
    };
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    let report = sync(&mut mirror, &chain, &held).0.expect("sync");
    assert_eq!(report.to, 3);
    assert_eq!(mirror.view().expect("view").block, 3);
    assert!(mirror.anchor(&hash(1)).expect("read").is_some());
    assert_eq!(mirror.anchor(&hash(2)).expect("read"), None);

    chain.push_empty(2);
    let report = sync(&mut mirror, &chain, &held).0.expect("sync");
    assert_eq!((report.from, report.to), (4, 5));
    assert!(mirror.anchor(&hash(2)).expect("read").is_some());
}

#[test]
fn refused_ranges_are_halved() {
    let chain = busy_chain("node-a");
    chain.set_max_range(Some(3));
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    let report = sync(&mut mirror, &chain, &options(16)).0.expect("sync");
    // 16 → 8 → 4 → 2 blocks per page, then 2 for the rest of the sync.
    assert_eq!(report.pages, 31);
    assert_eq!(chain.calls().events, 31 + 3);
    assert_eq!(mirror.counts().expect("counts"), full_counts(&chain));
}

#[test]
fn a_single_refused_block_fails_the_sync_and_changes_nothing() {
    let chain = busy_chain("node-a");
    chain.set_max_range(Some(0));
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    let result = sync(&mut mirror, &chain, &options(16)).0;
    assert!(
        matches!(&result, Err(SyncError::Source { what, .. }) if what.contains("0..=0")),
        "{result:?}"
    );
    assert_eq!(chain.calls().events, 5, "16, 8, 4, 2, 1 blocks");
    assert_eq!(mirror.cursor().expect("cursor"), None);
}

#[test]
fn a_source_of_another_registry_is_refused() {
    let chain = ScriptedChain::with_registry("elsewhere", other_registry());
    chain.push(register(1));
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    match sync(&mut mirror, &chain, &options(16)).0 {
        Err(SyncError::WrongRegistry {
            endpoint, found, ..
        }) => {
            assert_eq!(endpoint, "elsewhere");
            assert_eq!(found, other_registry().to_string());
        }
        other => panic!("expected wrong registry, got {other:?}"),
    }
    assert_eq!(chain.calls().head, 0, "refused before asking anything");
}

#[test]
fn events_disagreeing_about_a_block_are_not_applied() {
    let chain = ScriptedChain::new("node-a");
    chain.push(register(1)); // 1
    chain.push_empty(3); // 2..=4
    chain.push(vec![anchored(hash(1), 1), anchored(hash(2), 1)]); // 5
    chain.tamper(Some(5));
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    let result = sync(&mut mirror, &chain, &options(4)).0;
    assert!(
        matches!(&result, Err(SyncError::ReorgInProgress { detail, .. }) if detail.contains("block 5")),
        "{result:?}"
    );
    assert_eq!(mirror.cursor().expect("cursor").map(|c| c.number), Some(3));
    assert_eq!(mirror.counts().expect("counts").anchors, 0);

    chain.tamper(None);
    sync(&mut mirror, &chain, &options(4)).0.expect("sync");
    assert_eq!(mirror.counts().expect("counts").anchors, 2);
}

#[test]
fn a_lagging_source_is_not_a_reorganisation() {
    let chain = busy_chain("node-a");
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    sync(&mut mirror, &chain, &options(16)).0.expect("sync");
    let behind = chain.lagging("node-b", 50);
    let report = sync(&mut mirror, &behind, &options(16)).0.expect("sync");
    assert_eq!((report.reorg_depth, report.pages), (None, 0));
    assert_eq!(mirror.view().expect("view").block, 60);
    assert_eq!(mirror.counts().expect("counts"), full_counts(&chain));
}

#[test]
fn a_start_block_after_the_deployment_is_refused_not_half_synced() {
    // The start block only saves reading the blocks before the registry existed. One after
    // its deployment would leave out the registrations (and revocations) before it: the
    // registry's proved event record shows it, and nothing is applied.
    let chain = busy_chain("node-a");
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    let from_ten = SyncOptions {
        start_block: 10,
        ..options(100)
    };
    let err = sync(&mut mirror, &chain, &from_ten).0.expect_err("refused");
    assert!(
        matches!(&err, SyncError::Unproved { from: 10, .. }),
        "{err}"
    );
    assert_eq!(mirror.cursor().expect("cursor"), None);
    assert_eq!(mirror.counts().expect("counts").events, 0);
}

#[test]
fn the_fork_point_is_found_in_a_few_questions() {
    let chain = ScriptedChain::new("node-a");
    chain.push(register(1));
    for n in 2..=500 {
        chain.push(vec![anchored(hash(n), 1)]);
    }
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    sync(&mut mirror, &chain, &options(64)).0.expect("sync");
    for depth in [1usize, 2, 37, 300] {
        let head = chain.head_number();
        let replacement =
            (0..depth).map(|i| vec![anchored(hash(10_000 * depth as u64 + i as u64), 1)]);
        chain.reorg(depth, replacement.collect());
        let before = chain.calls().block;
        let report = sync(&mut mirror, &chain, &options(1000)).0.expect("sync");
        assert_eq!(report.reorg_depth, Some(depth as u64), "depth {depth}");
        // Two per page (before and after its events), the rest finding the fork.
        let probes = chain.calls().block - before - 2 * report.pages;
        let bound = 2 * (usize::BITS - depth.leading_zeros()) as u64 + 1;
        assert!(
            probes <= bound,
            "depth {depth}: {probes} questions, expected ≤ {bound}"
        );
        assert_eq!(report.to, head);
        assert_eq!(mirror.counts().expect("counts"), full_counts(&chain));
        assert!(mirror
            .anchor(&hash(500 - depth as u64))
            .expect("read")
            .is_some());
    }
}

#[test]
fn a_rollback_or_reset_takes_the_freshness_with_it() {
    let chain = busy_chain("node-a");
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    sync(&mut mirror, &chain, &options(16)).0.expect("sync");
    assert!(mirror.synced_at().expect("synced").is_some());
    assert_eq!(mirror.view().expect("view").stale, None);

    // Taken back (a reorganisation, an operator's rollback): whatever remains is not the
    // chain's state at any time until a sync reaches the head again.
    mirror.rollback_to(30).expect("rollback");
    assert_eq!(mirror.synced_at().expect("synced"), None);
    let view = mirror.view().expect("view");
    assert!(
        view.stale
            .as_deref()
            .is_some_and(|s| s.contains("has not caught up with the chain")),
        "{view:?}"
    );
    // The event record goes back with it, and the next sync continues from there, proved.
    let head = mirror.event_head().expect("head").expect("known");
    assert!(head.block <= 30, "{head:?}");
    sync(&mut mirror, &chain, &options(16))
        .0
        .expect("sync again");
    assert!(mirror.synced_at().expect("synced").is_some());
    assert_eq!(mirror.counts().expect("counts"), full_counts(&chain));

    mirror.reset().expect("reset");
    assert_eq!(mirror.synced_at().expect("synced"), None);
    assert_eq!(mirror.event_head().expect("head"), Some(Default::default()));
}

#[test]
fn a_page_that_leaves_out_an_event_is_refused_whole() {
    // A node that leaves out one revocation of a page, block hashes intact: the page's events
    // do not fold to the registry's record, and nothing of the page is applied.
    let chain = busy_chain("node-a");
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    sync(&mut mirror, &chain.lagging("node-a", 20), &options(100))
        .0
        .expect("first part");
    let before = mirror.counts().expect("counts");
    let liar = DroppingRevocations(&chain);
    let err = sync_once(&mut mirror, &liar, &options(100), &mut |_| {}).expect_err("refused");
    assert!(
        matches!(&err, SyncError::Unproved { from: 21, .. }),
        "{err}"
    );
    assert_eq!(mirror.counts().expect("counts"), before);
    assert_eq!(mirror.cursor().expect("cursor").map(|c| c.number), Some(20));
}

#[test]
fn a_group_of_pages_is_kept_whole_once_proved_or_not_at_all() {
    // With the default group, the pages of a sync are proved together: a liar's group leaves
    // the mirror as it was, and readers never saw its pages.
    let chain = busy_chain("node-a");
    let grouped = SyncOptions {
        page_blocks: 10,
        ..SyncOptions::default()
    };
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    let liar = DroppingRevocations(&chain);
    let err = sync_once(&mut mirror, &liar, &grouped, &mut |_| {}).expect_err("refused");
    assert!(matches!(&err, SyncError::Unproved { .. }), "{err}");
    assert_eq!(mirror.cursor().expect("cursor"), None);
    assert_eq!(mirror.counts().expect("counts").events, 0);
    let report = sync_once(&mut mirror, &chain, &grouped, &mut |_| {}).expect("honest");
    assert_eq!((report.pages, report.to), (7, 60));
    assert_eq!(mirror.counts().expect("counts"), full_counts(&chain));
}

/// A mirror's event heads are folded with the chain's hash, which it records; one folded under
/// another hash than the source's (the same chain id and address on another chain) proves
/// nothing there and starts over.
#[test]
fn a_mirror_folds_with_the_chains_hash_and_starts_over_under_another() {
    use countersign_chainstate::ChainHash;
    let chain = busy_chain("node-a");
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    assert_eq!(mirror.chain_hash().expect("hash"), ChainHash::Keccak256);
    sync(&mut mirror, &chain, &options(25))
        .0
        .expect("keccak256");
    let keccak_head = mirror.event_head().expect("head").expect("kept");

    chain.set_chain_hash(ChainHash::Sm3);
    let report = sync(&mut mirror, &chain, &options(25)).0.expect("sm3");
    assert_eq!(
        (report.from, report.to),
        (0, 60),
        "synced again from the start"
    );
    assert_eq!(mirror.chain_hash().expect("hash"), ChainHash::Sm3);
    let sm3_head = mirror.event_head().expect("head").expect("kept");
    assert_eq!(sm3_head.count, keccak_head.count);
    assert_ne!(sm3_head.head, keccak_head.head);
    assert_eq!(mirror.counts().expect("counts"), full_counts(&chain));
    // And onwards under SM3: the next pages continue the SM3 heads.
    chain.push(vec![revoked(hash(5000), 2, RevocationReason::Withdrawn)]);
    let next = sync(&mut mirror, &chain, &options(25)).0.expect("more");
    assert_eq!((next.from, next.to, next.events), (61, 61, 1));
}

/// The scripted chain, less every `Revoked` event in its answers.
struct DroppingRevocations<'c>(&'c ScriptedChain);

impl EventSource for DroppingRevocations<'_> {
    fn registry(&self) -> &countersign_credential::RegistryRef {
        self.0.registry()
    }
    fn endpoint(&self) -> String {
        "liar".into()
    }
    fn chain_hash(&self) -> countersign_chainstate::ChainHash {
        self.0.chain_hash()
    }
    fn check_registry(&self) -> Result<(), ChainError> {
        self.0.check_registry()
    }
    fn head(&self) -> Result<countersign_chainstate::events::BlockRef, ChainError> {
        self.0.head()
    }
    fn block(
        &self,
        number: u64,
    ) -> Result<Option<countersign_chainstate::events::BlockRef>, ChainError> {
        self.0.block(number)
    }
    fn events(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<countersign_chainstate::events::LoggedEvent>, ChainError> {
        let mut events = self.0.events(from, to)?;
        events.retain(|e| {
            !matches!(
                e.event,
                countersign_chainstate::events::RegistryEvent::Revoked { .. }
            )
        });
        Ok(events)
    }
    fn event_links(
        &self,
        at: &countersign_chainstate::events::BlockRef,
        blocks: &[u64],
    ) -> Result<Vec<countersign_chainstate::events::EventLink>, ChainError> {
        self.0.event_links(at, blocks)
    }
}
