//! The audit trail: recorded durably, read back by time, and tamper-evident. Tampering is done
//! the way someone with the file would do it, with the `sqlite3` shell, and each case expects
//! the exact finding; the entries' own findings stay as they were.

use chrono::{DateTime, Duration, Utc};
use countersign_log::{AuditFinding, FindingKind, Log, NewEntry, GENESIS};
use countersign_vocab::{ChainSourceKind, ChainUsed, Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn at(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).expect("time") + Duration::minutes(minute)
}

const ACTIONS: [(&str, &str); 10] = [
    ("integrity.run", ""),
    ("search", "clerk=clerk-007"),
    ("export.csv", "2026-11-25"),
    ("receipt.print", "R-0005"),
    ("reveal", "entry 5"),
    ("receipt.reprint", "R-0005"),
    ("export.xlsx", "2026-11-25"),
    ("export.pdf", "2026-11-01..2026-11-30"),
    ("search", "issuer=京华大学 \"quoted\" \\ \u{1}"),
    ("integrity.run", "ok"),
];

fn entry(n: i64) -> NewEntry {
    NewEntry {
        at: at(n),
        hall: "BJ-CY-01".into(),
        counter: "1".into(),
        clerk: "clerk-007".into(),
        channel: Channel::Scanner,
        credential_type: Some("DiplomaCredential".into()),
        issuer: Some("did:key:z6MkIssuer".into()),
        issuer_name: None,
        leaf: Some(CredentialHash([n as u8; 32])),
        verdict: Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: Some(ChainUsed {
            block: 7,
            block_time: at(n - 1),
            source: ChainSourceKind::Online,
        }),
        receipt: Some(format!("R-{n:04}")),
        personal: BTreeMap::new(),
    }
}

/// A log of five entries and ten audit records (record n at minute 100 + n).
fn trail() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let mut log = Log::open(&path).expect("open");
    for n in 1..=5 {
        log.append(&entry(n)).expect("append");
    }
    for (i, (action, detail)) in ACTIONS.iter().enumerate() {
        let role = if i % 3 == 0 { "clerk" } else { "supervisor" };
        let seq = log
            .audit("sup-001", role, action, detail, at(101 + i as i64))
            .expect("audit");
        assert_eq!(seq, i as u64 + 1);
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

/// The audit findings, after checking that the entries' chain is untouched.
fn audit_findings(path: &Path) -> Vec<(u64, FindingKind)> {
    let log = Log::open(path).expect("open");
    let integrity = log.verify().expect("verify");
    assert!(integrity.findings.is_empty(), "{:?}", integrity.findings);
    assert_eq!(integrity.entries, 5);
    integrity
        .audit
        .findings
        .iter()
        .map(|f| (f.seq, f.kind))
        .collect()
}

#[test]
fn records_read_back_newest_first_and_the_trail_verifies() {
    let (_dir, path) = trail();
    let log = Log::open(&path).expect("open");
    let all = log.audit_entries(at(0), at(1000), 100).expect("read");
    assert_eq!(
        all.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=10).rev().collect::<Vec<u64>>()
    );
    let fourth = &all[6];
    assert_eq!(
        (
            fourth.seq,
            fourth.at,
            fourth.actor.as_str(),
            fourth.role.as_str(),
            fourth.action.as_str(),
            fourth.detail.as_str()
        ),
        (4, at(104), "sup-001", "clerk", "receipt.print", "R-0005")
    );
    assert_eq!(all[9].prev_hash, GENESIS);
    assert_eq!(all[8].prev_hash, all[9].hash);
    // [from, to) and the limit.
    let some = log.audit_entries(at(103), at(106), 100).expect("read");
    assert_eq!(some.iter().map(|r| r.seq).collect::<Vec<_>>(), [5, 4, 3]);
    let two = log.audit_entries(at(0), at(1000), 2).expect("read");
    assert_eq!(two.iter().map(|r| r.seq).collect::<Vec<_>>(), [10, 9]);
    assert_eq!(all[1].detail, ACTIONS[8].1, "text is kept as given");

    let integrity = log.verify().expect("verify");
    assert!(integrity.is_intact(), "{integrity:?}");
    assert_eq!(integrity.audit.records, 10);
    assert_eq!(integrity.audit.head, all[0].hash);
}

#[test]
fn a_record_survives_reopening_and_a_read_only_log_records_none() {
    let (_dir, path) = trail();
    let reader = Log::open_read_only(&path).expect("open read-only");
    assert_eq!(
        reader
            .audit_entries(at(0), at(1000), 100)
            .expect("read")
            .len(),
        10
    );
    drop(reader);
    let mut reader = Log::open_read_only(&path).expect("open read-only");
    let err = reader
        .audit("sup-001", "supervisor", "search", "", at(500))
        .expect_err("read only");
    assert!(err.is_storage_full_or_read_only(), "{err}");
    drop(reader);
    let log = Log::open(&path).expect("open");
    assert_eq!(log.verify().expect("verify").audit.records, 10);
}

#[test]
fn an_edited_record_is_named() {
    for sql in [
        "UPDATE audit SET detail = 'R-0004' WHERE seq = 6;",
        "UPDATE audit SET action = 'receipt.print' WHERE seq = 6;",
        "UPDATE audit SET actor = 'sup-002' WHERE seq = 6;",
        "UPDATE audit SET role = 'supervisor' WHERE seq = 6 AND role = 'clerk';
         UPDATE audit SET role = 'clerk' WHERE seq = 6 AND role = 'supervisor';",
        "UPDATE audit SET at_ms = at_ms - 60000 WHERE seq = 6;",
    ] {
        let (_dir, path) = trail();
        sqlite3(&path, sql);
        assert_eq!(audit_findings(&path), [(6, FindingKind::Edited)], "{sql}");
    }
}

#[test]
fn a_deleted_record_is_named_by_its_successor() {
    let (_dir, path) = trail();
    sqlite3(&path, "DELETE FROM audit WHERE seq = 4;");
    assert_eq!(audit_findings(&path), [(5, FindingKind::Deleted)]);
    let (_dir, path) = trail();
    sqlite3(
        &path,
        "DELETE FROM audit WHERE seq = 4; UPDATE audit SET seq = seq - 1 WHERE seq > 4;",
    );
    assert_eq!(audit_findings(&path), [(4, FindingKind::Deleted)]);
    let (_dir, path) = trail();
    sqlite3(&path, "DELETE FROM audit WHERE seq = 1;");
    assert_eq!(audit_findings(&path), [(2, FindingKind::Deleted)]);
}

#[test]
fn an_inserted_record_is_named() {
    let (_dir, path) = trail();
    // Make room after record 6 and copy record 2 (a plausible, self-consistent row) into it.
    sqlite3(
        &path,
        "UPDATE audit SET seq = seq + 100 WHERE seq >= 7;
         UPDATE audit SET seq = seq - 99 WHERE seq >= 107;
         INSERT INTO audit SELECT 7, at_ms, actor, role, action, detail, prev_hash, hash
             FROM audit WHERE seq = 2;",
    );
    assert_eq!(audit_findings(&path), [(7, FindingKind::Inserted)]);
}

#[test]
fn reordered_records_are_named() {
    let (_dir, path) = trail();
    sqlite3(
        &path,
        "UPDATE audit SET seq = 1003 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 8;
         UPDATE audit SET seq = 8 WHERE seq = 1003;",
    );
    let found = audit_findings(&path);
    assert_eq!(found[0], (3, FindingKind::Reordered), "{found:?}");
    assert!(
        found.iter().all(|(_, k)| *k == FindingKind::Reordered),
        "{found:?}"
    );
}

#[test]
fn a_changed_trail_fails_the_check_and_says_where() {
    let (_dir, path) = trail();
    sqlite3(&path, "UPDATE audit SET detail = '' WHERE seq = 9;");
    let log = Log::open(&path).expect("open");
    let integrity = log.verify().expect("verify");
    assert!(!integrity.is_intact(), "a changed trail is a changed log");
    assert!(!integrity.audit.is_intact());
    assert_eq!(
        integrity.audit.findings[0].to_string(),
        "audit record 9 was edited"
    );
    let texts: Vec<String> = [
        FindingKind::Deleted,
        FindingKind::Inserted,
        FindingKind::Reordered,
    ]
    .into_iter()
    .map(|kind| AuditFinding { seq: 4, kind }.to_string())
    .collect();
    assert_eq!(
        texts,
        [
            "audit records before record 4 were deleted",
            "audit record 4 was inserted",
            "audit record 4 was moved (reordered)"
        ]
    );
}

#[test]
fn entries_and_records_are_checked_apart() {
    let (_dir, path) = trail();
    sqlite3(
        &path,
        "UPDATE entries SET clerk = 'clerk-008' WHERE seq = 2;
         UPDATE audit SET actor = 'sup-002' WHERE seq = 3;",
    );
    let log = Log::open(&path).expect("open");
    let integrity = log.verify().expect("verify");
    let entries: Vec<(u64, FindingKind)> =
        integrity.findings.iter().map(|f| (f.seq, f.kind)).collect();
    let audit: Vec<(u64, FindingKind)> = integrity
        .audit
        .findings
        .iter()
        .map(|f| (f.seq, f.kind))
        .collect();
    assert_eq!(entries, [(2, FindingKind::Edited)]);
    assert_eq!(audit, [(3, FindingKind::Edited)]);
}
