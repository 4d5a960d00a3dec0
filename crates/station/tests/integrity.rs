//! The log's integrity check against a real anvil node: each closed day's digest compared
//! with what the hall anchored on the registry (anchored, never anchored, anchored but gone,
//! rewritten after anchoring), and the check recorded in the audit trail before it is shown.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_chain::{Registry, RpcOptions, Wallet};
use countersign_crypto::{HashAlg, Policy, PublicKey, SecretKey, SigAlg};
use countersign_devchain::{Anvil, DEV_CHAIN_ID, DEV_KEYS};
use countersign_log::Log;
use countersign_station::integrity::{self, AnchorSource, Anchoring};
use countersign_station::review::Actor;

fn wallet(i: usize) -> Wallet {
    Wallet::from_hex(DEV_KEYS[i]).expect("dev key")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

fn later() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
        .single()
        .expect("time")
}

fn actor() -> Actor {
    Actor {
        id: "sup-01".into(),
        role: "supervisor".into(),
    }
}

/// A registry deployed on `anvil` with the station of `key` registered, its account wallet 2.
fn registry_with_station(anvil: &Anvil, key: &SecretKey) -> Registry {
    let (registry, _) = Registry::deploy(
        &anvil.url(),
        DEV_CHAIN_ID,
        &wallet(0),
        RpcOptions::default(),
    )
    .expect("deploy");
    registry
        .register_station(
            &wallet(0),
            key.public().registry_key(),
            Some(wallet(2).address().into()),
            "朝阳区政务服务中心",
        )
        .expect("register station");
    registry
}

fn anchorings(log: &Log, trusted: &[PublicKey], node: &Registry) -> Vec<Option<Anchoring>> {
    integrity::check(log, trusted, &Policy::default(), &AnchorSource::Node(node))
        .expect("check")
        .days
        .iter()
        .map(|d| d.anchoring)
        .collect()
}

#[test]
fn each_day_is_compared_with_its_anchor_and_the_check_is_recorded() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let key = SecretKey::from_bytes(SigAlg::Ed25519, &[5; 32]).expect("key");
    let public = key.public();
    let registry = registry_with_station(&anvil, &key);

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let mut log = Log::open(&path).expect("log");
    let first = log
        .close_day("BJ-CY-01", day(24), cst(), &key, later())
        .expect("close 24th");
    let second = log
        .close_day("BJ-CY-01", day(25), cst(), &key, later())
        .expect("close 25th");
    let mined = registry
        .anchor_log_digest(&wallet(2), first.day, first.digest)
        .expect("anchor");
    log.set_anchored(first.day, &hex::encode(mined.tx))
        .expect("mark");

    let trusted = [public];
    assert_eq!(
        anchorings(&log, &trusted, &registry),
        vec![
            Some(Anchoring::Anchored { block: mined.block }),
            Some(Anchoring::NotAnchored)
        ]
    );

    // The log claims the 25th was anchored, but the registry holds nothing for it.
    log.set_anchored(second.day, "0xfeed").expect("mark");
    let report = integrity::check(
        &log,
        &trusted,
        &Policy::default(),
        &AnchorSource::Node(&registry),
    )
    .expect("check");
    assert_eq!(report.days[1].anchoring, Some(Anchoring::Missing));
    assert!(!report.intact());
    assert_eq!(report.summary(), "digest of 2026-11-25: anchor-missing");

    // The registry holds another digest for the 25th than the file does (the day was rewritten
    // and signed again after it was anchored).
    registry
        .anchor_log_digest(&wallet(2), second.day, [0xab; 32])
        .expect("anchor another digest");
    assert_eq!(
        anchorings(&log, &trusted, &registry)[1],
        Some(Anchoring::Differs)
    );

    // The supervisor's run is recorded with its outcome before the report is returned.
    let read = Log::open_read_only(&path).expect("reader");
    let (report, seq) = integrity::run(
        &read,
        &mut log,
        &trusted,
        &Policy::default(),
        &AnchorSource::Node(&registry),
        &actor(),
        later(),
    )
    .expect("run");
    let records = log
        .audit_entries(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, 10)
        .expect("audit");
    let record = records.iter().find(|a| a.seq == seq).expect("recorded");
    assert_eq!(record.action, "integrity.run");
    assert_eq!(record.detail, report.summary());
    assert_eq!(record.detail, "digest of 2026-11-25: differs-from-anchored");

    // With the node gone, the anchors are not checked and the report says why; the local
    // checks still run and pass.
    anvil.stop();
    let report = integrity::check(
        &read,
        &trusted,
        &Policy::default(),
        &AnchorSource::Unreachable("connection refused".into()),
    )
    .expect("check");
    assert_eq!(
        report.chain_unreachable.as_deref(),
        Some("connection refused")
    );
    assert!(report.days.iter().all(|d| d.anchoring.is_none()));
    assert!(report.intact());
    assert!(
        report.summary().ends_with("anchors not checked)"),
        "{}",
        report.summary()
    );
}

#[test]
fn anchored_days_the_log_no_longer_has_are_named_whether_deleted_or_rolled_back() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let key = SecretKey::from_bytes(SigAlg::Ed25519, &[6; 32]).expect("key");
    let public = key.public();
    let registry = registry_with_station(&anvil, &key);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let mut log = Log::open(&path).expect("log");
    // The 24th is closed and anchored; a copy of the file is kept; then the 25th and 26th.
    let anchor = |log: &mut Log, d: NaiveDate| {
        let digest = log
            .close_day("BJ-CY-01", d, cst(), &key, later())
            .expect("close");
        let mined = registry
            .anchor_log_digest(&wallet(2), digest.day, digest.digest)
            .expect("anchor");
        log.set_anchored(digest.day, &hex::encode(mined.tx))
            .expect("mark");
    };
    anchor(&mut log, day(24));
    drop(log);
    let backup = dir.path().join("log.sqlite.bak");
    std::fs::copy(&path, &backup).expect("backup");
    let mut log = Log::open(&path).expect("log");
    anchor(&mut log, day(25));
    anchor(&mut log, day(26));
    let trusted = [public];
    let check = |p: &std::path::Path| {
        let log = Log::open_read_only(p).expect("reader");
        integrity::check(
            &log,
            &trusted,
            &Policy::default(),
            &AnchorSource::Node(&registry),
        )
        .expect("check")
    };
    let report = check(&path);
    assert!(report.intact(), "{}", report.summary());

    // The newest day's digest is deleted from the file (with the sqlite3 shell, say): the
    // hash chains and the remaining days are intact, but the registry remembers the 26th.
    drop(log);
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.execute("DELETE FROM digests WHERE day = '2026-11-26'", [])
        .expect("delete the newest digest");
    drop(conn);
    let report = check(&path);
    assert!(!report.intact());
    assert_eq!(
        report
            .missing_days
            .iter()
            .map(|m| m.day)
            .collect::<Vec<_>>(),
        [day(26)]
    );
    assert!(
        report
            .summary()
            .starts_with("day 2026-11-26 was anchored on the registry in block"),
        "{}",
        report.summary()
    );

    // The file rolled back to the copy: the 25th and 26th are missing.
    let report = check(&backup);
    assert_eq!(
        report
            .missing_days
            .iter()
            .map(|m| m.day)
            .collect::<Vec<_>>(),
        [day(25), day(26)]
    );
    assert!(!report.intact());
    anvil.stop();
}

fn entry(n: u32) -> countersign_log::NewEntry {
    countersign_log::NewEntry {
        at: later() + chrono::Duration::minutes(i64::from(n)),
        hall: "BJ-CY-01".into(),
        counter: "3".into(),
        clerk: "clerk-007".into(),
        channel: countersign_vocab::Channel::Scanner,
        credential_type: Some("DiplomaCredential".into()),
        issuer: None,
        issuer_name: None,
        leaf: None,
        verdict: countersign_vocab::Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: None,
        receipt: Some(format!("R-{n:04}")),
        personal: Default::default(),
    }
}

/// The attacks only the registry can see, since whoever did them deleted the signed
/// checkpoints that would have named them: the file rolled back to an older copy, and the
/// file rebuilt without one entry (every hash recomputed). Each is named against the newest
/// checkpoint the hall anchored, read with a storage proof, not against what the file
/// remembers; and a rolled-back log cannot anchor a smaller tree over it.
#[test]
fn a_log_rolled_back_or_rebuilt_is_named_against_its_anchored_checkpoint() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let key = SecretKey::from_bytes(SigAlg::Ed25519, &[7; 32]).expect("key");
    let public = key.public();
    let registry = registry_with_station(&anvil, &key);
    let signer = countersign_tlog::note::NoteSigner::new(
        &countersign_log::origin_for("BJ-CY-01", HashAlg::Sha256),
        key.clone(),
    )
    .expect("signer");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let backup = dir.path().join("log.sqlite.copy");
    let trusted = [public];
    let check = |p: &std::path::Path| {
        let log = Log::open_read_only(p).expect("reader");
        integrity::check(
            &log,
            &trusted,
            &Policy::default(),
            &AnchorSource::Node(&registry),
        )
        .expect("check")
    };
    {
        let mut log = Log::open(&path).expect("log");
        for n in 1..=5 {
            log.append(&entry(n)).expect("append");
        }
        log.checkpoint(&signer, later()).expect("checkpoint");
        let (first, _) = integrity::anchor_checkpoint(&mut log, &registry, &wallet(2))
            .expect("anchor")
            .expect("new");
        assert_eq!(first.size, 5);
        // Anchored once: nothing more to anchor until a new checkpoint.
        assert!(
            integrity::anchor_checkpoint(&mut log, &registry, &wallet(2))
                .expect("anchor")
                .is_none()
        );
    }
    std::fs::copy(&path, &backup).expect("copy");
    {
        let mut log = Log::open(&path).expect("log");
        for n in 6..=9 {
            log.append(&entry(n)).expect("append");
        }
        log.checkpoint(&signer, later()).expect("checkpoint");
        integrity::anchor_checkpoint(&mut log, &registry, &wallet(2))
            .expect("anchor")
            .expect("new");
    }
    let report = check(&path);
    assert!(report.intact(), "{}", report.summary());
    assert_eq!(
        report
            .anchored_checkpoints
            .iter()
            .map(|c| (c.anchored.size, c.standing))
            .collect::<Vec<_>>(),
        [
            (5, integrity::CheckpointStanding::Matches),
            (9, integrity::CheckpointStanding::Matches)
        ]
    );

    // Rolled back to the copy: intact on its own, shorter than what was anchored.
    std::fs::copy(&backup, &path).expect("roll back");
    let local = Log::open_read_only(&path)
        .expect("reader")
        .verify()
        .expect("verify");
    assert!(local.is_intact(), "the copy is whole on its own");
    let report = check(&path);
    assert!(!report.intact());
    assert_eq!(
        report.anchored_checkpoints[1].standing,
        integrity::CheckpointStanding::Beyond { leaves: 5 }
    );
    assert!(
        report
            .summary()
            .contains("older copy of the log (rolled back)"),
        "{}",
        report.summary()
    );
    // The rolled-back log signs a checkpoint of its own and tries to anchor it: refused.
    {
        let mut log = Log::open(&path).expect("log");
        log.append(&entry(6)).expect("append");
        log.checkpoint(&signer, later()).expect("checkpoint");
        let err = integrity::anchor_checkpoint(&mut log, &registry, &wallet(2))
            .expect_err("a smaller tree over a larger one");
        assert!(
            matches!(
                err,
                integrity::CheckpointAnchorError::Registry(
                    countersign_chain::RegistryError::CheckpointNotNewer {
                        size: 6,
                        anchored: 9
                    }
                )
            ),
            "{err}"
        );
    }

    // Rebuilt without entry 3, every hash recomputed, the signed checkpoints deleted.
    std::fs::remove_file(&path).expect("remove");
    {
        let mut log = Log::open(&path).expect("log");
        for n in (1..=10).filter(|n| *n != 3) {
            log.append(&entry(n)).expect("append");
        }
        assert!(log.verify().expect("verify").is_intact());
    }
    let report = check(&path);
    assert!(!report.intact());
    assert_eq!(
        report
            .anchored_checkpoints
            .iter()
            .map(|c| c.standing)
            .collect::<Vec<_>>(),
        [
            integrity::CheckpointStanding::Differs,
            integrity::CheckpointStanding::Differs
        ]
    );
    assert!(
        report.summary().contains("rewritten"),
        "{}",
        report.summary()
    );
    anvil.stop();
}

/// The station anchors its newest checkpoint by itself, at start and on its schedule, from a
/// thread of its own: nobody runs a command. A log rolled back under it is refused by the
/// registry, and the anchorer says so.
#[test]
fn the_anchorer_anchors_the_newest_checkpoint_on_its_schedule() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let key = SecretKey::from_bytes(SigAlg::Ed25519, &[8; 32]).expect("key");
    let registry = registry_with_station(&anvil, &key);
    let signer = countersign_tlog::note::NoteSigner::new(
        &countersign_log::origin_for("BJ-CY-01", HashAlg::Sha256),
        key.clone(),
    )
    .expect("signer");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let mut log = Log::open(&path).expect("log");
    for n in 1..=3 {
        log.append(&entry(n)).expect("append");
    }
    log.checkpoint(&signer, later()).expect("checkpoint");
    let anchorer = countersign_station::spawn_anchorer(
        vec![anvil.url()],
        *registry.registry(),
        path.clone(),
        wallet(2),
        RpcOptions::default(),
        std::time::Duration::from_millis(100),
    )
    .expect("anchorer");
    let anchored_size = |want: u64| {
        for _ in 0..200 {
            if registry
                .checkpoint_of(key.public().registry_key())
                .expect("read")
                .is_some_and(|c| c.size == want)
            {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    };
    assert!(
        anchored_size(3),
        "the first checkpoint is anchored at start"
    );
    for n in 4..=6 {
        log.append(&entry(n)).expect("append");
    }
    log.checkpoint(&signer, later()).expect("checkpoint");
    assert!(anchored_size(6), "the next one on the schedule");
    let status = anchorer.status();
    assert_eq!(status.anchored.map(|a| a.0), Some(6));
    assert!(status.error.is_none(), "{:?}", status.error);
    assert!(log
        .checkpoints()
        .expect("checkpoints")
        .iter()
        .all(|c| c.anchored.is_some()));
    drop(anchorer);

    // The file replaced by a shorter log that signs its own checkpoint: refused, and said.
    drop(log);
    std::fs::remove_file(&path).expect("remove");
    let mut log = Log::open(&path).expect("log");
    log.append(&entry(1)).expect("append");
    log.checkpoint(&signer, later()).expect("checkpoint");
    let anchorer = countersign_station::spawn_anchorer(
        vec![anvil.url()],
        *registry.registry(),
        path.clone(),
        wallet(2),
        RpcOptions::default(),
        std::time::Duration::from_secs(3600),
    )
    .expect("anchorer");
    let mut status = anchorer.status();
    for _ in 0..200 {
        if status.rounds > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        status = anchorer.status();
    }
    let error = status.error.expect("refused");
    assert!(error.contains("rolled back"), "{error}");
    drop(anchorer);
    anvil.stop();
}
