//! Schema migrations from every earlier version. `fixtures/log-v1.sqlite` was written by the
//! version-1 build (six entries over two days, two summaries purged, 2026-11-02 closed and
//! signed with the key of seed [7; 32]); it is never modified, only copied.

use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_log::{Channel, Log, LogError, NewEntry};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/log-v1.sqlite");

fn copy_fixture(dir: &Path) -> PathBuf {
    let path = dir.join("log.sqlite");
    std::fs::copy(FIXTURE, &path).expect("copy fixture");
    path
}

fn hall_key() -> ed25519_dalek::VerifyingKey {
    ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key()
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
        .verify_digests(&[hall_key()])
        .expect("digests")
        .is_empty());
    let first = log.entry(1).expect("read").expect("entry 1");
    assert!(first.purged);
    assert_eq!(first.entry.issuer_name, None);
    assert!(first.entry.reasons.is_empty());
    let report = log
        .report(NaiveDate::from_ymd_opt(2026, 11, 3).expect("day"), china())
        .expect("report");
    assert_eq!(report.total, 3);
    assert_eq!(report.failures[0].key.as_deref(), Some("validity"));
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
    assert_eq!(log.schema_version(), 2);
    let backup = log.backup_path().expect("a backup was taken").to_owned();
    assert_eq!(backup, dir.path().join("log.sqlite.v1.bak"));
    assert_eq!(user_version(&backup), 1);
    let copy = Log::open_read_only(&backup).expect("open backup");
    assert_eq!(copy.len().expect("len"), 6);
    assert_eq!(copy.verify().expect("verify backup"), before);

    let after = log.verify().expect("verify");
    assert_eq!(after, before, "the same entries, the same hashes");
    assert!(log
        .verify_digests(&[hall_key()])
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
            leaf: Some([9; 32]),
            verdict: "INVALID".into(),
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
    assert_eq!(user_version(&path), 2);
}

#[test]
fn a_new_file_needs_no_backup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("new.sqlite");
    let log = Log::open(&path).expect("create");
    assert_eq!(log.schema_version(), 2);
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
                supported: 2,
            }) => {}
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
}
