//! The mirror file: applying events, answering verification's questions, refusing what it must.

mod common;

use common::*;
use countersign_chainstate::events::{BlockRef, EventSource};
use countersign_chainstate::{ChainError, ChainState, IssuerStatus, RevocationReason, Source};
use countersign_mirror::{Mirror, MirrorError, SCHEMA_VERSION};

/// A registry's history: two issuers, anchors, revocations, a suspension and a reactivation,
/// and a last block with an admin change only.
fn history() -> ScriptedChain {
    let chain = ScriptedChain::new("scripted");
    let mut b1 = vec![admin(9, true)];
    b1.extend(register(1));
    chain.push(b1); // 1
    chain.push(register(2)); // 2
    chain.push(vec![anchored(hash(100), 1), anchored(hash(200), 2)]); // 3
    chain.push(vec![
        revoked(hash(7), 1, RevocationReason::Superseded),
        revoked(hash(8), 1, RevocationReason::KeyCompromise),
        revoked(hash(40), 1, RevocationReason::IssuedInError),
    ]); // 4
    chain.push(vec![status(1, IssuerStatus::Suspended)]); // 5
    chain.push(vec![status(1, IssuerStatus::Active)]); // 6
    chain.push(vec![admin(8, true)]); // 7
    chain
}

/// Applies the whole chain as one page.
fn fill(mirror: &mut Mirror, chain: &ScriptedChain) -> usize {
    let head = chain.head().expect("head");
    let events = chain.events(0, head.number).expect("events");
    mirror.apply(&events, head).expect("apply")
}

fn cursor_at(chain: &ScriptedChain, number: u64) -> BlockRef {
    chain.block(number).expect("block").expect("block exists")
}

#[test]
fn answers_verification_from_applied_events() {
    let chain = history();
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    assert_eq!(fill(&mut mirror, &chain), 13);

    let view = mirror.view().expect("view");
    assert_eq!(
        (view.block, view.block_time, view.source, view.registry),
        (7, block_time(7), Source::Mirror, registry())
    );

    let one = mirror
        .issuer(&issuer(1))
        .expect("read")
        .expect("registered");
    assert_eq!(one.name, "Issuer 1");
    assert_eq!(one.account, account(1));
    assert!(one.may_issue("TranscriptCredential"));
    let history: Vec<_> = one.history.iter().map(|c| (c.status, c.block)).collect();
    assert_eq!(
        history,
        [
            (IssuerStatus::Active, 1),
            (IssuerStatus::Suspended, 5),
            (IssuerStatus::Active, 6)
        ]
    );
    assert_eq!(one.status_at(block_time(5)), Some(IssuerStatus::Suspended));
    assert_eq!(one.history[1].at, block_time(5));
    assert_eq!(mirror.issuer(&issuer(3)).expect("read"), None);

    let anchor = mirror.anchor(&hash(200)).expect("read").expect("anchored");
    assert_eq!(
        (anchor.issuer, anchor.account, anchor.block, anchor.at),
        (issuer(2), account(2), 3, block_time(3))
    );
    assert_eq!(mirror.anchor(&hash(201)).expect("read"), None);

    let r = mirror
        .revocation(&issuer(1), &hash(8))
        .expect("read")
        .expect("revoked");
    assert_eq!(
        (r.reason, r.block, r.at),
        (RevocationReason::KeyCompromise, 4, block_time(4))
    );
    assert_eq!(
        mirror.revocation(&issuer(2), &hash(8)).expect("read"),
        None,
        "one issuer's revocation must not speak for another's"
    );

    let path = [hash(1), hash(2), hash(8), hash(3), hash(7)];
    let (at, first) = mirror
        .first_revocation(&issuer(1), &path)
        .expect("read")
        .expect("revoked");
    assert_eq!((at, first.hash), (2, hash(8)));
    assert_eq!(
        mirror.first_revocation(&issuer(2), &path).expect("read"),
        None
    );
    assert_eq!(
        mirror.first_revocation(&issuer(1), &[]).expect("read"),
        None
    );
    // Longer than one query's worth of hashes: the position counts across queries.
    let long: Vec<_> = (1000..1040).chain([40]).collect();
    let long: Vec<_> = long.into_iter().map(hash).collect();
    let (at, first) = mirror
        .first_revocation(&issuer(1), &long)
        .expect("read")
        .expect("revoked");
    assert_eq!((at, first.reason), (40, RevocationReason::IssuedInError));

    let counts = mirror.counts().expect("counts");
    assert_eq!(
        (
            counts.issuers,
            counts.anchors,
            counts.revocations,
            counts.events
        ),
        (2, 2, 3, 13)
    );
}

#[test]
fn a_page_applied_twice_is_recorded_once() {
    let chain = history();
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    fill(&mut mirror, &chain);
    let before = mirror.counts().expect("counts");
    assert_eq!(
        fill(&mut mirror, &chain),
        0,
        "nothing is new the second time"
    );
    assert_eq!(mirror.counts().expect("counts"), before);
    let one = mirror
        .issuer(&issuer(1))
        .expect("read")
        .expect("registered");
    assert_eq!(one.history.len(), 3);
}

#[test]
fn refuses_pages_that_contradict_the_chain_recorded() {
    let chain = history();
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    let page = chain.events(0, 3).expect("events");
    mirror.apply(&page, cursor_at(&chain, 3)).expect("apply");
    let before = mirror.counts().expect("counts");

    // Block 3 again, with another hash.
    let mut forked = chain.events(3, 4).expect("events");
    forked[0].block_hash[0] ^= 1;
    let err = mirror.apply(&forked, cursor_at(&chain, 4));
    assert!(
        matches!(err, Err(MirrorError::BlockHashMismatch { block: 3, .. })),
        "{err:?}"
    );

    let later = chain.events(4, 5).expect("events");
    let err = mirror.apply(&later, cursor_at(&chain, 4));
    assert!(
        matches!(
            err,
            Err(MirrorError::EventAfterCursor {
                block: 5,
                cursor: 4
            })
        ),
        "{err:?}"
    );

    let err = mirror.apply(&[], cursor_at(&chain, 2));
    assert!(
        matches!(
            err,
            Err(MirrorError::CursorBackwards { new: 2, current: 3 })
        ),
        "{err:?}"
    );

    assert_eq!(mirror.counts().expect("counts"), before);
    assert_eq!(mirror.cursor().expect("cursor"), Some(cursor_at(&chain, 3)));
}

#[test]
fn an_empty_mirror_cannot_check() {
    let mirror = Mirror::open_in_memory(&registry()).expect("open");
    match mirror.view() {
        Err(ChainError::Unavailable(message)) => {
            assert!(message.contains("not synced"), "{message}")
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(mirror.cursor().expect("cursor"), None);
    assert_eq!(mirror.counts().expect("counts"), Default::default());
}

#[test]
fn a_file_of_another_registry_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    let mut mirror = Mirror::open(&path, &registry()).expect("create");
    fill(&mut mirror, &history());
    drop(mirror);
    match Mirror::open(&path, &other_registry()) {
        Err(MirrorError::OtherRegistry { found, expected }) => {
            assert_eq!(found, registry().to_string());
            assert_eq!(expected, other_registry().to_string());
        }
        other => panic!("expected another registry, got {other:?}"),
    }
    // Still intact for its own registry.
    let mirror = Mirror::open(&path, &registry()).expect("reopen");
    assert_eq!(mirror.counts().expect("counts").events, 13);
}

#[test]
fn a_file_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    drop(Mirror::open(&path, &registry()).expect("create"));
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, SCHEMA_VERSION);
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(conn);
    match Mirror::open(&path, &registry()) {
        Err(MirrorError::TooNew { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected too new, got {other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    std::fs::write(&path, vec![0x42; 4096]).expect("write");
    let err = Mirror::open(&path, &registry()).expect_err("not a database");
    assert!(err.to_string().contains("not a database"), "{err}");
}

#[test]
fn a_reopened_file_keeps_its_state_in_wal_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    let chain = history();
    let mut mirror = Mirror::open(&path, &registry()).expect("create");
    fill(&mut mirror, &chain);
    let counts = mirror.counts().expect("counts");
    // A second connection reads what the first committed, while the first stays open.
    let reader = Mirror::open(&path, &registry()).expect("second connection");
    assert_eq!(reader.counts().expect("counts"), counts);
    assert!(reader.anchor(&hash(100)).expect("read").is_some());
    drop((mirror, reader));

    let mirror = Mirror::open(&path, &registry()).expect("reopen");
    assert_eq!(mirror.counts().expect("counts"), counts);
    assert_eq!(mirror.cursor().expect("cursor"), Some(cursor_at(&chain, 7)));
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
}

#[test]
fn rollback_forgets_later_blocks() {
    let chain = history();
    chain.push_empty(1);
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    fill(&mut mirror, &chain);

    // Block 7 only changed an admin, so its time is unknown: the cursor stops at 6.
    let cursor = mirror.rollback_to(7).expect("rollback");
    assert_eq!(cursor, Some(cursor_at(&chain, 6)));
    assert_eq!(mirror.counts().expect("counts").events, 12);

    let cursor = mirror.rollback_to(4).expect("rollback");
    assert_eq!(cursor, Some(cursor_at(&chain, 4)));
    assert_eq!(mirror.view().expect("view").block, 4);
    let one = mirror
        .issuer(&issuer(1))
        .expect("read")
        .expect("registered");
    assert_eq!(one.history.len(), 1, "the suspension came later");
    assert!(mirror
        .revocation(&issuer(1), &hash(7))
        .expect("read")
        .is_some());

    let cursor = mirror.rollback_to(2).expect("rollback");
    assert_eq!(cursor, Some(cursor_at(&chain, 2)));
    assert_eq!(mirror.anchor(&hash(100)).expect("read"), None);
    assert_eq!(mirror.revocation(&issuer(1), &hash(7)).expect("read"), None);
    let counts = mirror.counts().expect("counts");
    assert_eq!((counts.issuers, counts.events), (2, 5));

    // The rest applies again on top, as a sync would.
    assert_eq!(fill(&mut mirror, &chain), 8);

    mirror.reset().expect("reset");
    assert_eq!(mirror.cursor().expect("cursor"), None);
    assert_eq!(mirror.counts().expect("counts"), Default::default());
}

#[test]
fn an_unreadable_mirror_means_could_not_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    let mut mirror = Mirror::open(&path, &registry()).expect("create");
    fill(&mut mirror, &history());
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.execute_batch("DROP TABLE anchors; DROP TABLE revocations;")
        .expect("damage");
    for result in [
        mirror.anchor(&hash(100)).map(|_| ()),
        mirror.first_revocation(&issuer(1), &[hash(7)]).map(|_| ()),
    ] {
        match result {
            Err(ChainError::Unavailable(message)) => {
                assert!(message.contains("could not read"), "{message}")
            }
            other => panic!("expected unavailable, got {other:?}"),
        }
    }
}

#[test]
fn a_snapshot_answers_from_one_state_while_another_connection_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    let chain = history();
    let mut writer = Mirror::open(&path, &registry()).expect("create");
    fill(&mut writer, &chain);
    let reader = Mirror::open(&path, &registry()).expect("second connection");
    let before = reader.view().expect("view").block;
    {
        let snapshot = reader.snapshot().expect("snapshot");
        // The follower rolls back (or applies a page) meanwhile.
        writer.rollback_to(4).expect("rollback");
        assert_eq!(snapshot.view().expect("view").block, before);
        assert!(snapshot.anchor(&hash(100)).expect("read").is_some());
    }
    assert_eq!(reader.view().expect("view").block, 4);
}

#[test]
fn stations_are_mirrored_with_their_status_and_rolled_back_with_their_blocks() {
    let chain = history();
    let mut b8 = register_station(1, true);
    b8.extend(register_station(2, false));
    chain.push(b8); // 8
    chain.push(vec![
        digest_anchored(1, 20261125),
        checkpoint_anchored(1, 3),
    ]); // 9
    chain.push(vec![station_status(1, IssuerStatus::Suspended)]); // 10
    chain.push(vec![station_status(2, IssuerStatus::Retired)]); // 11
    let mut mirror = Mirror::open_in_memory(&registry()).expect("open");
    // The log digest and the checkpoint are not recorded (they are checked online), so they
    // are not new.
    assert_eq!(fill(&mut mirror, &chain), 13 + 6);
    assert_eq!(
        mirror.view().expect("view").block,
        11,
        "the block of a digest and a checkpoint is still reached"
    );

    let one = mirror
        .station(&station_key(1))
        .expect("read")
        .expect("registered");
    assert_eq!(
        (one.key, one.account, one.name.as_str(), one.status),
        (
            station_key(1),
            [0x61; 20],
            "Hall 1",
            IssuerStatus::Suspended
        )
    );
    let two = mirror
        .station(&station_key(2))
        .expect("read")
        .expect("registered");
    assert_eq!((two.account(), two.status), (None, IssuerStatus::Retired));
    assert_eq!(mirror.station(&station_key(3)).expect("read"), None);
    assert_eq!(
        mirror.station(&issuer(1).registry_key()).expect("read"),
        None,
        "an issuer's key is not a station"
    );
    let counts = mirror.counts().expect("counts");
    assert_eq!((counts.stations, counts.events), (2, 19));

    // The snapshot reads the same.
    let snapshot = mirror.snapshot().expect("snapshot");
    assert_eq!(snapshot.station(&station_key(1)).expect("read"), Some(one));
    drop(snapshot);

    // A page applied again changes nothing.
    assert_eq!(fill(&mut mirror, &chain), 0);

    // Rolling back forgets the later status changes, then the registrations.
    mirror.rollback_to(9).expect("rollback");
    let one = mirror.station(&station_key(1)).expect("read");
    assert_eq!(one.map(|s| s.status), Some(IssuerStatus::Active));
    mirror.rollback_to(7).expect("rollback");
    assert_eq!(mirror.station(&station_key(1)).expect("read"), None);
    assert_eq!(mirror.counts().expect("counts").stations, 0);
    // Block 7's admin change went too (its time is unknown, so the cursor stopped at 6).
    assert_eq!(fill(&mut mirror, &chain), 1 + 6);
    assert_eq!(
        mirror
            .station(&station_key(2))
            .expect("read")
            .map(|s| s.status),
        Some(IssuerStatus::Retired)
    );
}
