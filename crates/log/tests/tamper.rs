//! The log's tamper evidence, tested the way someone with the file would tamper: edits made
//! with the `sqlite3` shell on a real log file, each expecting the exact finding.

use chrono::{DateTime, Duration, Utc};
use countersign_crypto::{Policy, SecretKey, SigAlg};
use countersign_log::{FindingKind, Log, NewEntry, GENESIS};
use countersign_vocab::{ChainSourceKind, ChainUsed, Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn at(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).expect("time") + Duration::minutes(minute)
}

fn entry(n: i64) -> NewEntry {
    NewEntry {
        at: at(n),
        hall: "BJ-CY-01".into(),
        counter: format!("{}", n % 3 + 1),
        clerk: "clerk-007".into(),
        channel: if n % 2 == 0 {
            Channel::Scanner
        } else {
            Channel::Camera
        },
        credential_type: Some("DiplomaCredential".into()),
        issuer: Some("did:key:z6MkoNmWXrLyADoLvGr9RMFpNwYDf5amJRKb71FKuCYGkyBE".into()),
        issuer_name: (n % 2 == 0).then(|| "北京市教育委员会".to_string()),
        leaf: Some(CredentialHash([n as u8; 32])),
        verdict: if n % 4 == 0 {
            Verdict::Invalid
        } else {
            Verdict::Valid
        },
        failing: if n % 4 == 0 {
            vec!["revocation".into()]
        } else {
            vec![]
        },
        reasons: if n % 4 == 0 {
            vec!["revocation.revoked".into()]
        } else {
            vec![]
        },
        chain: Some(ChainUsed {
            block: 1000 + n as u64,
            block_time: at(n - 1),
            source: ChainSourceKind::Mirror,
        }),
        receipt: (n % 5 == 0).then(|| format!("R-{n:04}")),
        personal: BTreeMap::from([
            ("name".to_string(), "刘*".to_string()),
            ("idNumber".to_string(), "110108********0018".to_string()),
        ]),
    }
}

/// A log of ten entries in a temp dir.
fn ten() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let mut log = Log::open(&path).expect("open");
    for n in 1..=10 {
        let e = log.append(&entry(n)).expect("append");
        assert_eq!(e.seq, n as u64);
    }
    (dir, path)
}

fn sqlite3(path: &Path, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .output()
        .expect("the sqlite3 shell (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn findings(path: &Path) -> Vec<(u64, FindingKind)> {
    let log = Log::open(path).expect("open");
    let integrity = log.verify().expect("verify");
    integrity.findings.iter().map(|f| (f.seq, f.kind)).collect()
}

#[test]
fn an_untouched_log_verifies_and_reads_back() {
    let (_dir, path) = ten();
    let log = Log::open(&path).expect("open");
    let integrity = log.verify().expect("verify");
    assert!(integrity.is_intact(), "{:?}", integrity.findings);
    assert_eq!(integrity.entries, 10);
    let fifth = log.entry(5).expect("read").expect("present");
    assert_eq!(fifth.entry, entry(5));
    assert_eq!(
        integrity.head,
        log.entry(10).expect("read").expect("present").hash
    );
    assert_eq!(
        log.entry(1).expect("read").expect("present").prev_hash,
        GENESIS
    );
}

/// What `sqlite3` prints for `sql`.
fn sqlite3_out(path: &Path, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .output()
        .expect("the sqlite3 shell (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn typed_words_are_stored_as_the_strings_they_always_were() {
    let (_dir, path) = ten();
    // The on-disk spelling is the format (and the hashed form): typed values must not change it.
    assert_eq!(
        sqlite3_out(
            &path,
            "SELECT verdict, channel, chain_source, lower(hex(leaf)) FROM entries WHERE seq = 4"
        ),
        format!("INVALID|scanner|mirror|{}", "04".repeat(32))
    );
    let log = Log::open(&path).expect("open");
    let fourth = log.entry(4).expect("read").expect("present");
    assert_eq!(fourth.entry, entry(4));
    assert_eq!(fourth.entry.verdict, Verdict::Invalid);
    assert_eq!(
        fourth.entry.leaf.map(|l| l.to_string()),
        Some("04".repeat(32))
    );
}

#[test]
fn an_unknown_stored_word_is_an_error_naming_the_entry_and_an_edit() {
    for (column, value, message) in [
        (
            "verdict",
            "VALIDISH",
            "entry 3 of the verification log holds an unknown value: \"VALIDISH\" is not a \
             verdict (one of VALID, INVALID, UNVERIFIABLE)",
        ),
        (
            "channel",
            "usb",
            "entry 3 of the verification log holds an unknown value: \"usb\" is not a channel \
             (one of scanner, camera, image)",
        ),
        (
            "chain_source",
            "snapshot",
            "entry 3 of the verification log holds an unknown value: \"snapshot\" is not a \
             chain source (one of online, mirror, memory)",
        ),
    ] {
        let (_dir, path) = ten();
        sqlite3(
            &path,
            &format!("UPDATE entries SET {column} = '{value}' WHERE seq = 3;"),
        );
        let log = Log::open(&path).expect("open");
        let err = log.entry(3).expect_err(column);
        assert!(
            matches!(err, countersign_log::LogError::Unknown { seq: 3, .. }),
            "{err:?}"
        );
        assert_eq!(err.to_string(), message);
        // Its neighbours still read, and the integrity check calls the row what it is.
        assert!(log.entry(2).expect("read").is_some());
        assert_eq!(findings(&path), [(3, FindingKind::Edited)], "{column}");
    }
}

#[test]
fn an_edited_entry_is_named() {
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "UPDATE entries SET verdict = 'VALID', failing = '' WHERE seq = 4;",
    );
    assert_eq!(findings(&path), [(4, FindingKind::Edited)]);
}

#[test]
fn a_deleted_entry_is_named_by_its_successor() {
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "DELETE FROM personal WHERE seq = 6; DELETE FROM entries WHERE seq = 6;",
    );
    assert_eq!(findings(&path), [(7, FindingKind::Deleted)]);
}

#[test]
fn deleting_and_renumbering_is_still_a_deletion() {
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "DELETE FROM personal; DELETE FROM entries WHERE seq = 6;
         UPDATE entries SET seq = seq - 1 WHERE seq > 6;",
    );
    assert_eq!(findings(&path), [(6, FindingKind::Deleted)]);
}

#[test]
fn an_inserted_entry_is_named() {
    let (_dir, path) = ten();
    // Make room after entry 4 and copy entry 2 (a plausible, self-consistent row) into it.
    sqlite3(
        &path,
        "UPDATE entries SET seq = seq + 100 WHERE seq >= 5;
         UPDATE entries SET seq = seq - 99 WHERE seq >= 105;
         UPDATE personal SET seq = seq + 100 WHERE seq >= 5;
         UPDATE personal SET seq = seq - 99 WHERE seq >= 105;
         INSERT INTO entries SELECT 5, at_ms, hall, counter, clerk, channel, credential_type,
             issuer, leaf, verdict, failing, chain_block, chain_time, chain_source, receipt,
             personal_hash, prev_hash, hash, issuer_name, reasons FROM entries WHERE seq = 2;",
    );
    assert_eq!(findings(&path)[0], (5, FindingKind::Inserted));
}

#[test]
fn reordered_entries_are_named() {
    let (_dir, path) = ten();
    // Swap entries 3 and 7 (and their summaries).
    sqlite3(
        &path,
        "UPDATE entries SET seq = 1003 WHERE seq = 3; UPDATE entries SET seq = 3 WHERE seq = 7;
         UPDATE entries SET seq = 7 WHERE seq = 1003;
         UPDATE personal SET seq = 1003 WHERE seq = 3; UPDATE personal SET seq = 3 WHERE seq = 7;
         UPDATE personal SET seq = 7 WHERE seq = 1003;",
    );
    let found = findings(&path);
    assert_eq!(found[0], (3, FindingKind::Reordered), "{found:?}");
    assert!(
        found.iter().all(|(_, k)| *k == FindingKind::Reordered),
        "{found:?}"
    );
}

#[test]
fn an_edited_summary_is_named_and_a_purged_one_is_not_a_change() {
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "UPDATE personal SET summary = '{\"name\":\"王*\"}' WHERE seq = 2;",
    );
    assert_eq!(findings(&path), [(2, FindingKind::SummaryEdited)]);

    let (_dir, path) = ten();
    let mut log = Log::open(&path).expect("open");
    assert_eq!(
        log.purge_personal(at(4), "system", at(9_000))
            .expect("purge"),
        3
    );
    let third = log.entry(3).expect("read").expect("present");
    assert!(third.purged && third.entry.personal.is_empty());
    assert!(!log.entry(4).expect("read").expect("present").purged);
    assert!(log.verify().expect("verify").is_intact());
    // The purge is in the audit trail, in the same transaction; one that purges nothing is not.
    let records = log.audit_entries(at(0), at(10_000), 10).expect("audit");
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].actor.as_str(), records[0].action.as_str()),
        ("system", "purge")
    );
    assert!(
        records[0].detail.starts_with("3 subject summaries"),
        "{}",
        records[0].detail
    );
    assert_eq!(
        log.purge_personal(at(4), "system", at(9_001))
            .expect("purge"),
        0
    );
    assert_eq!(
        log.audit_entries(at(0), at(10_000), 10)
            .expect("audit")
            .len(),
        1
    );
}

/// A purged summary is gone from the file's bytes, not left in a free page (`secure_delete`),
/// and the copies made before schema upgrades lose theirs too, or go when wholly past
/// retention.
#[test]
fn purged_summaries_are_overwritten_in_the_file_and_its_backups() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let marker = "PURGE-ME-4711";
    {
        let mut log = Log::open(&path).expect("open");
        let mut first = entry(1);
        first.personal = BTreeMap::from([("name".to_string(), marker.to_string())]);
        log.append(&first).expect("append");
        log.append(&entry(2)).expect("append");
    }
    // Two upgrade copies: one wholly past retention, one with a summary past it.
    let old_copy = dir.path().join("log.sqlite.v2.bak");
    let recent_copy = dir.path().join("log.sqlite.v3.bak");
    std::fs::copy(&path, &recent_copy).expect("copy");
    sqlite3(&recent_copy, "PRAGMA journal_mode = DELETE;");
    std::fs::copy(&recent_copy, &old_copy).expect("copy");
    sqlite3(
        &old_copy,
        "DELETE FROM personal WHERE seq = 2; DELETE FROM entries WHERE seq = 2;",
    );
    let mut log = Log::open(&path).expect("open");
    assert_eq!(
        log.purge_personal(at(2), "system", at(10)).expect("purge"),
        1
    );
    let removed = log.purge_backups(at(2)).expect("backups");
    assert_eq!(removed, std::slice::from_ref(&old_copy));
    assert!(!old_copy.exists());
    drop(log);
    for file in [&path, &recent_copy] {
        let bytes = std::fs::read(file).expect("read");
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{} still holds the purged summary",
            file.display()
        );
    }
    let copy = Log::open_read_only(&recent_copy).expect("open copy");
    assert!(copy.entry(1).expect("read").expect("entry").purged);
    assert!(!copy.entry(2).expect("read").expect("entry").purged);
}

#[test]
fn an_unknown_channel_or_a_moved_timestamp_is_an_edit() {
    let (_dir, path) = ten();
    sqlite3(&path, "UPDATE entries SET channel = 'fax' WHERE seq = 8;");
    assert_eq!(findings(&path), [(8, FindingKind::Edited)]);
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "UPDATE entries SET at_ms = at_ms - 3600000 WHERE seq = 9;",
    );
    assert_eq!(findings(&path), [(9, FindingKind::Edited)]);
}

#[test]
fn a_row_no_build_writes_is_an_edit_not_an_error() {
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "UPDATE entries SET chain_block = NULL WHERE seq = 3;",
    );
    assert_eq!(findings(&path), [(3, FindingKind::Edited)]);
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "UPDATE personal SET summary = 'not json' WHERE seq = 5;",
    );
    assert_eq!(findings(&path), [(5, FindingKind::SummaryEdited)]);
}

#[test]
fn the_issuer_name_and_reason_codes_are_covered_too() {
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "UPDATE entries SET reasons = 'validity.expired' WHERE seq = 4;",
    );
    assert_eq!(findings(&path), [(4, FindingKind::Edited)]);
    let (_dir, path) = ten();
    sqlite3(
        &path,
        "UPDATE entries SET issuer_name = NULL WHERE seq = 6;",
    );
    assert_eq!(findings(&path), [(6, FindingKind::Edited)]);
}

fn china() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("offset")
}

fn hall_key() -> SecretKey {
    SecretKey::from_bytes(SigAlg::Ed25519, &[42; 32]).expect("key")
}

/// Closes every day the ten entries fall on (they span 10 minutes of one day).
fn close_all(path: &Path) -> Vec<countersign_log::DayDigest> {
    let mut log = Log::open(path).expect("open");
    let day = at(1).with_timezone(&china()).date_naive();
    let prev = day.pred_opt().expect("day");
    let now = at(100_000);
    vec![
        log.close_day("BJ-CY-01", prev, china(), &hall_key(), now)
            .expect("close the empty day before"),
        log.close_day("BJ-CY-01", day, china(), &hall_key(), now)
            .expect("close the day"),
    ]
}

fn digest_problems(path: &Path) -> Vec<countersign_log::DigestProblem> {
    let log = Log::open(path).expect("open");
    log.verify_digests(&[hall_key().public()], &Policy::default())
        .expect("verify digests")
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

#[test]
fn closed_days_verify_and_a_rewritten_tail_does_not() {
    let (_dir, path) = ten();
    let days = close_all(&path);
    assert_eq!(days[0].count, 0);
    assert_eq!(days[1].count, 10);
    assert_eq!(days[1].range, Some((1, 10)));
    assert_eq!(days[1].prev_digest, days[0].digest);
    assert!(digest_problems(&path).is_empty());

    // Deleting the day's last entries leaves a chain that verifies on its own …
    sqlite3(
        &path,
        "DELETE FROM personal WHERE seq >= 9; DELETE FROM entries WHERE seq >= 9;",
    );
    assert!(findings(&path).is_empty());
    // … but not against the signed digest.
    assert_eq!(
        digest_problems(&path),
        [countersign_log::DigestProblem::EntriesChanged]
    );
}

#[test]
fn digests_are_closed_once_in_order_and_only_when_the_day_is_over() {
    let (_dir, path) = ten();
    let mut log = Log::open(&path).expect("open");
    let day = at(1).with_timezone(&china()).date_naive();
    let err = log
        .close_day("BJ-CY-01", day, china(), &hall_key(), at(20))
        .expect_err("not over");
    assert!(err.to_string().contains("is not over yet"), "{err}");
    log.close_day("BJ-CY-01", day, china(), &hall_key(), at(100_000))
        .expect("close");
    let err = log
        .close_day("BJ-CY-01", day, china(), &hall_key(), at(100_000))
        .expect_err("twice");
    assert!(err.to_string().contains("already closed"), "{err}");
}

#[test]
fn ended_days_close_by_themselves_in_order_with_empty_days_between() {
    let (_dir, path) = ten();
    let mut log = Log::open(&path).expect("open");
    let day = at(1).with_timezone(&china()).date_naive();
    // The same day: nothing has ended yet.
    assert!(log
        .close_ended_days("BJ-CY-01", china(), &hall_key(), at(20))
        .expect("close")
        .is_empty());
    // Three days later: the entries' day and the two empty days after it, in order, chained.
    let later = at(20) + Duration::days(3);
    let closed = log
        .close_ended_days("BJ-CY-01", china(), &hall_key(), later)
        .expect("close");
    let days: Vec<_> = closed.iter().map(|d| d.day).collect();
    assert_eq!(
        days,
        [day, day + Duration::days(1), day + Duration::days(2)]
    );
    assert_eq!(
        closed.iter().map(|d| d.count).collect::<Vec<_>>(),
        [10, 0, 0]
    );
    assert_eq!(closed[1].prev_digest, closed[0].digest);
    assert_eq!(closed[2].prev_digest, closed[1].digest);
    // Again: closed through yesterday, nothing more.
    assert!(log
        .close_ended_days("BJ-CY-01", china(), &hall_key(), later)
        .expect("close")
        .is_empty());
    drop(log);
    assert!(digest_problems(&path).is_empty());

    // An empty log has no day to close.
    let empty_dir = tempfile::tempdir().expect("temp dir");
    let mut empty = Log::open(empty_dir.path().join("log.sqlite")).expect("open");
    assert!(empty
        .close_ended_days("BJ-CY-01", china(), &hall_key(), later)
        .expect("close")
        .is_empty());
}

#[test]
fn a_digest_signed_by_another_key_or_edited_is_refused() {
    let (_dir, path) = ten();
    close_all(&path);
    let log = Log::open(&path).expect("open");
    let stranger = SecretKey::from_bytes(SigAlg::Ed25519, &[7; 32])
        .expect("key")
        .public();
    let problems = log
        .verify_digests(&[stranger], &Policy::default())
        .expect("verify");
    assert_eq!(problems.len(), 2);
    assert!(problems
        .iter()
        .all(|(_, p)| *p == countersign_log::DigestProblem::BadSignature));
    drop(log);
    sqlite3(&path, "UPDATE digests SET count = 9 WHERE count = 10;");
    assert_eq!(
        digest_problems(&path),
        [countersign_log::DigestProblem::Altered]
    );
}

#[test]
fn a_full_disk_or_a_read_only_log_records_nothing_and_says_so() {
    let (_dir, path) = ten();
    let mut log = Log::open(&path).expect("open");
    let size = std::fs::metadata(&path).expect("size").len();
    log.limit_size(size).expect("cap");
    let mut refused = None;
    for n in 11..2000 {
        match log.append(&entry(n)) {
            Ok(_) => {}
            Err(e) => {
                refused = Some((n, e));
                break;
            }
        }
    }
    let (n, err) = refused.expect("the cap is reached");
    assert!(err.is_storage_full_or_read_only(), "{err}");
    // Nothing half-written: exactly the acknowledged entries, and the chain verifies.
    assert_eq!(log.len().expect("len"), n as u64 - 1);
    assert!(log.verify().expect("verify").is_intact());
    drop(log);

    let mut reader = Log::open_read_only(&path).expect("read only");
    let err = reader.append(&entry(5000)).expect_err("read only");
    assert!(err.is_storage_full_or_read_only(), "{err}");
    assert!(reader.verify().expect("verify").is_intact());
}
