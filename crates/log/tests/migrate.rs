//! Schema migrations from every earlier version. The fixtures are never modified, only copied:
//! - `fixtures/log-v1.sqlite` was written by the version-1 build (six entries over two days,
//!   two summaries purged, 2026-11-02 closed and signed with the key of seed [7; 32]);
//! - `fixtures/log-v2.sqlite` by the version-2 build (seven entries over 2026-11-02 and
//!   2026-11-03 with issuer names and reason codes, entry 6 logged after entry 5 but timed ten
//!   minutes before it (the clock was set back), two summaries purged, 2026-11-02 closed and
//!   signed with the same key).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_crypto::{HashAlg, Policy, PublicKey, SecretKey, SigAlg};
use countersign_log::{Attention, Filter, Integrity, Log, LogError, LogSummary, NewEntry, Page};
use countersign_vocab::{Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/log-v1.sqlite");
const FIXTURE_V2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/log-v2.sqlite");

fn copy_fixture(dir: &Path) -> PathBuf {
    copy(FIXTURE, dir)
}

fn copy(fixture: &str, dir: &Path) -> PathBuf {
    let path = dir.join("log.sqlite");
    std::fs::copy(fixture, &path).expect("copy fixture");
    path
}

fn hall_key() -> PublicKey {
    SecretKey::from_bytes(SigAlg::Ed25519, &[7; 32])
        .expect("key")
        .public()
}

fn user_version(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version")
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

#[test]
fn a_version_1_log_reads_as_it_is_when_opened_read_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = copy_fixture(dir.path());
    let log = Log::open_read_only(&path).expect("open read-only");
    assert_eq!(log.schema_version(), 1);
    assert_eq!(log.len().expect("len"), 6);
    assert!(log.verify().expect("verify").is_intact());
    assert!(log
        .verify_digests(&[hall_key()], &Policy::default())
        .expect("digests")
        .is_empty());
    let first = log.entry(1).expect("read").expect("entry 1");
    assert!(first.purged);
    assert_eq!(first.entry.issuer_name, None);
    assert!(first.entry.reasons.is_empty());
    let report = log
        .report(NaiveDate::from_ymd_opt(2026, 11, 3).expect("day"), china())
        .expect("report");
    assert_eq!(report.summary.total, 3);
    assert_eq!(report.summary.failures[0].key.as_deref(), Some("validity"));
    drop(log);
    assert_eq!(user_version(&path), 1, "a read-only open never migrates");
}

#[test]
fn a_version_1_log_is_backed_up_then_upgraded_and_keeps_verifying() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = copy_fixture(dir.path());
    let before = Log::open_read_only(&path)
        .expect("open")
        .verify()
        .expect("verify");

    let mut log = Log::open(&path).expect("open and migrate");
    assert_eq!(log.schema_version(), 5);
    let backup = log.backup_path().expect("a backup was taken").to_owned();
    assert_eq!(backup, dir.path().join("log.sqlite.v1.bak"));
    assert_eq!(user_version(&backup), 1);
    let copy = Log::open_read_only(&backup).expect("open backup");
    assert_eq!(copy.len().expect("len"), 6);
    assert_eq!(copy.verify().expect("verify backup"), before);

    let after = log.verify().expect("verify");
    // The same entries, the same hashes; and now a tree over them (every entry, then the
    // closed days), which the older file had not.
    assert_eq!(
        (after.entries, after.head, &after.findings, &after.audit),
        (before.entries, before.head, &before.findings, &before.audit),
        "the same entries, the same hashes"
    );
    let days = log.digests().expect("digests").len() as u64;
    assert_eq!(after.tree.leaves, 6 + days);
    assert!(after.tree.is_intact(), "{:?}", after.tree.findings);
    assert!(log
        .verify_digests(&[hall_key()], &Policy::default())
        .expect("digests")
        .is_empty());
    let entry = log.entry(3).expect("read").expect("entry 3");
    assert_eq!(entry.entry.personal["name"], "张*");

    let appended = log
        .append(&NewEntry {
            at: Utc.with_ymd_and_hms(2026, 11, 4, 1, 0, 0).unwrap(),
            hall: "bj-chaoyang-01".into(),
            counter: "C1".into(),
            clerk: "clerk-007".into(),
            channel: Channel::Camera,
            credential_type: Some("DiplomaCredential".into()),
            issuer: Some("did:key:z6MkfixtureIssuer".into()),
            issuer_name: Some("北京市教育委员会".into()),
            leaf: Some(CredentialHash([9; 32])),
            verdict: Verdict::Invalid,
            failing: vec!["validity".into()],
            reasons: vec!["validity.expired".into()],
            chain: None,
            receipt: None,
            personal: BTreeMap::new(),
        })
        .expect("append after migration");
    assert_eq!(appended.seq, 7);
    assert_eq!(appended.prev_hash, before.head);
    let check = log.verify().expect("verify");
    assert!(check.is_intact(), "{:?}", check.findings);
    drop(log);

    let again = Log::open(&path).expect("reopen");
    assert_eq!(
        again.backup_path(),
        None,
        "no second backup when nothing migrates"
    );
    assert_eq!(user_version(&path), 5);
}

#[test]
fn a_new_file_needs_no_backup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("new.sqlite");
    let log = Log::open(&path).expect("create");
    assert_eq!(log.schema_version(), 5);
    assert_eq!(log.backup_path(), None);
    assert!(!dir.path().join("new.sqlite.v0.bak").exists());
}

#[test]
fn an_earlier_backup_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = copy_fixture(dir.path());
    std::fs::write(dir.path().join("log.sqlite.v1.bak"), b"an older copy").expect("write");
    let log = Log::open(&path).expect("migrate");
    assert_eq!(
        log.backup_path(),
        Some(dir.path().join("log.sqlite.v1.bak.2").as_path())
    );
    assert_eq!(
        std::fs::read(dir.path().join("log.sqlite.v1.bak")).expect("read"),
        b"an older copy"
    );
}

#[test]
fn a_log_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = copy_fixture(dir.path());
    rusqlite::Connection::open(&path)
        .expect("open")
        .pragma_update(None, "user_version", 9)
        .expect("set version");
    let bytes = std::fs::read(&path).expect("read");
    for result in [
        Log::open(&path).map(|_| ()),
        Log::open_read_only(&path).map(|_| ()),
    ] {
        match result {
            Err(LogError::TooNew {
                found: 9,
                supported: 5,
            }) => {}
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
}

/// A file written before the national profile, opened by a build configured for SM3 (a hall
/// whose province moved): every row in it was hashed with SHA-256, so it keeps SHA-256, names
/// it in the file, and checks exactly as before; what is appended later is SHA-256 too.
#[test]
fn an_older_file_opened_for_sm3_keeps_sha256_and_names_it() {
    for fixture in [FIXTURE, FIXTURE_V2] {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = copy(fixture, dir.path());
        let before = Log::open_read_only(&path)
            .expect("open")
            .verify()
            .expect("verify");
        assert_eq!(
            Log::open_read_only(&path).expect("open").hash(),
            HashAlg::Sha256
        );
        let mut log = Log::open_with_hash(&path, HashAlg::Sm3).expect("open and migrate");
        assert_eq!(log.schema_version(), 5);
        assert_eq!(log.hash(), HashAlg::Sha256, "{fixture}");
        let after = log.verify().expect("verify");
        assert!(after.is_intact(), "{fixture}: {:?}", after.tree.findings);
        assert_eq!(
            (after.entries, after.head),
            (before.entries, before.head),
            "{fixture}"
        );
        assert_eq!(
            log.verify_digests(&[hall_key()], &Policy::default())
                .expect("digests"),
            []
        );
        log.append(&NewEntry {
            at: hall_local(4, 9, 0),
            hall: "BJ-CY-01".into(),
            counter: "1".into(),
            clerk: "clerk-001".into(),
            channel: Channel::Scanner,
            credential_type: None,
            issuer: None,
            issuer_name: None,
            leaf: Some(CredentialHash([9; 32])),
            verdict: Verdict::Valid,
            failing: vec![],
            reasons: vec![],
            chain: None,
            receipt: None,
            personal: BTreeMap::new(),
        })
        .expect("append");
        assert!(log.verify().expect("verify").is_intact());
        drop(log);
        let named: String = rusqlite::Connection::open(&path)
            .expect("open")
            .query_row("SELECT value FROM meta WHERE name = 'hash'", [], |r| {
                r.get(0)
            })
            .expect("the file names its hash");
        assert_eq!(named, "sha-256");
        assert_eq!(
            Log::open_with_hash(&path, HashAlg::Sm3)
                .expect("reopen")
                .hash(),
            HashAlg::Sha256
        );
    }
}

fn hall_local(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    china()
        .with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Filters that touch every field and every fixture row: both days, each day, the ten
/// minutes around the late entry, and each filter alone or combined.
fn filters() -> Vec<Filter> {
    let both = Filter::between(hall_local(1, 0, 0), hall_local(5, 0, 0));
    let with = |f: &dyn Fn(&mut Filter)| {
        let mut filter = both.clone();
        f(&mut filter);
        filter
    };
    vec![
        both.clone(),
        Filter::day(NaiveDate::from_ymd_opt(2026, 11, 2).expect("day"), china()).expect("day"),
        Filter::day(NaiveDate::from_ymd_opt(2026, 11, 3).expect("day"), china()).expect("day"),
        Filter::between(hall_local(3, 10, 15), hall_local(3, 10, 35)),
        with(&|f| f.counter = Some("C1".into())),
        with(&|f| f.clerk = Some("clerk-008".into())),
        with(&|f| f.verdict = Some(Verdict::Invalid)),
        with(&|f| f.verdict = Some(Verdict::Valid)),
        with(&|f| f.credential_type = Some("DiplomaCredential".into())),
        with(&|f| f.issuer = Some("北京市教育委员会".into())),
        with(&|f| f.issuer = Some("did:key:z6MkfixtureIssuerB".into())),
        with(&|f| f.issuer = Some("did:key:z6MkfixtureIssuer".into())),
        with(&|f| {
            f.verdict = Some(Verdict::Valid);
            f.counter = Some("C2".into());
        }),
    ]
}

/// Every answer the review gives on `log` for [`filters`]: all pages of two, the count, the
/// summary and the attention list.
fn answers(log: &Log) -> Vec<(Vec<Page>, u64, LogSummary, Vec<Attention>)> {
    filters()
        .iter()
        .map(|filter| {
            let mut pages = Vec::new();
            let mut before = None;
            loop {
                let page = log.page(filter, before, 2).expect("page");
                before = page.next;
                pages.push(page);
                if before.is_none() {
                    break;
                }
            }
            (
                pages,
                log.count(filter).expect("count"),
                log.summary(filter, china()).expect("summary"),
                log.attention(filter, china()).expect("attention"),
            )
        })
        .collect()
}

fn seqs(page: &Page) -> Vec<u64> {
    page.entries.iter().map(|e| e.seq).collect()
}

#[test]
fn a_version_2_log_reads_as_it_is_when_opened_read_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = copy(FIXTURE_V2, dir.path());
    let log = Log::open_read_only(&path).expect("open read-only");
    assert_eq!(log.schema_version(), 2);
    assert_eq!(log.len().expect("len"), 7);
    let integrity = log.verify().expect("verify");
    assert!(integrity.is_intact(), "{:?}", integrity.findings);
    assert_eq!(
        integrity.audit.records, 0,
        "no audit trail before version 3"
    );
    assert!(log
        .verify_digests(&[hall_key()], &Policy::default())
        .expect("digests")
        .is_empty());
    assert!(log
        .audit_entries(hall_local(1, 0, 0), hall_local(5, 0, 0), 10)
        .expect("audit")
        .is_empty());
    // The late entry (6, timed 10:20 after entry 5 at 10:30) is found by its time.
    let around = Filter::between(hall_local(3, 10, 15), hall_local(3, 10, 35));
    assert_eq!(seqs(&log.page(&around, None, 10).expect("page")), [6, 5]);
    let day = NaiveDate::from_ymd_opt(2026, 11, 3).expect("day");
    assert_eq!(log.report(day, china()).expect("report").summary.total, 4);
    drop(log);
    assert_eq!(user_version(&path), 2, "a read-only open never migrates");
}

#[test]
fn a_version_2_log_is_backed_up_then_upgraded_and_answers_the_same() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = copy(FIXTURE_V2, dir.path());
    let (before, read_only_answers) = {
        let log = Log::open_read_only(&path).expect("open");
        (log.verify().expect("verify"), answers(&log))
    };

    let mut log = Log::open(&path).expect("open and migrate");
    assert_eq!(log.schema_version(), 5);
    let backup = log.backup_path().expect("a backup was taken").to_owned();
    assert_eq!(backup, dir.path().join("log.sqlite.v2.bak"));
    assert_eq!(user_version(&backup), 2);
    assert_eq!(
        Log::open_read_only(&backup)
            .expect("open backup")
            .verify()
            .expect("verify backup"),
        before
    );
    let after = log.verify().expect("verify");
    assert_eq!(
        Integrity {
            tree: Default::default(),
            ..after.clone()
        },
        before,
        "the same entries, the same hashes"
    );
    assert!(after.tree.is_intact() && after.tree.leaves > 0);
    assert!(log
        .verify_digests(&[hall_key()], &Policy::default())
        .expect("digests")
        .is_empty());
    // The migration listed the entry out of time order: entry 5, timed after entry 6 though
    // logged before it, as appending would have.
    let late: Vec<u64> = {
        let conn = rusqlite::Connection::open(&path).expect("open");
        let mut st = conn
            .prepare("SELECT seq FROM entries_late ORDER BY seq")
            .expect("prepare");
        let rows = st.query_map([], |r| r.get(0)).expect("query");
        rows.collect::<Result<_, _>>().expect("rows")
    };
    assert_eq!(late, [5]);
    // The indexed reading of version 3 answers exactly what the plain reading of version 2 did.
    assert_eq!(answers(&log), read_only_answers);

    // Appending (once more out of time order) and auditing work after the migration.
    let appended = log
        .append(&NewEntry {
            at: hall_local(3, 10, 25),
            hall: "bj-chaoyang-01".into(),
            counter: "C1".into(),
            clerk: "clerk-007".into(),
            channel: Channel::Scanner,
            credential_type: Some("DiplomaCredential".into()),
            issuer: Some("did:key:z6MkfixtureIssuerA".into()),
            issuer_name: Some("北京市教育委员会".into()),
            leaf: Some(CredentialHash([0x55; 32])),
            verdict: Verdict::Valid,
            failing: vec![],
            reasons: vec![],
            chain: None,
            receipt: None,
            personal: BTreeMap::new(),
        })
        .expect("append after migration");
    assert_eq!(appended.seq, 8);
    assert_eq!(appended.prev_hash, before.head);
    let around = Filter::between(hall_local(3, 10, 15), hall_local(3, 10, 35));
    assert_eq!(seqs(&log.page(&around, None, 10).expect("page")), [8, 6, 5]);
    assert_eq!(
        log.audit(
            "sup-001",
            "supervisor",
            "integrity.run",
            "",
            hall_local(4, 9, 0)
        )
        .expect("audit"),
        1
    );
    let check = log.verify().expect("verify");
    assert!(check.is_intact(), "{check:?}");
    assert_eq!((check.entries, check.audit.records), (8, 1));
}

#[test]
fn a_version_1_log_answers_the_same_before_and_after_the_upgrade() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = copy_fixture(dir.path());
    let read_only = answers(&Log::open_read_only(&path).expect("open"));
    let log = Log::open(&path).expect("migrate");
    assert_eq!(log.schema_version(), 5);
    let migrated = answers(&log);
    assert_eq!(migrated, read_only);
    // The fixture's mirror was 26 hours behind all along: one stale state, six entries.
    let all = &migrated[0];
    assert_eq!(all.1, 6);
    assert_eq!(all.3.len(), 1, "{:?}", all.3);
    assert_eq!(all.3[0].entries, [1, 2, 3, 4, 5, 6]);
    assert!(all.3[0].detail.contains("block"), "{}", all.3[0].detail);
}
