//! The log's Merkle tree and its signed checkpoints, tested against the attacks a hash chain
//! alone cannot see: someone with write access to the file rebuilds it without an entry
//! (every later hash recomputed), cuts its newest rows, removes the newest audit record or a
//! closed day's digest, or signs their own checkpoints. Tampering is done with the `sqlite3`
//! shell on a real file, or by rebuilding a real log, and each case expects the exact finding.
//! Day closing is tested across clock steps, which must raise no alarm.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use countersign_crypto::{HashAlg, Policy, SecretKey, SigAlg};
use countersign_log::{
    leaf_of, open_checkpoint, origin_for, CheckpointProblem, DigestProblem, LeafKind, Log,
    NewEntry, TreeFinding,
};
use countersign_tlog::note::NoteSigner;
use countersign_vocab::{Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn at(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).expect("time") + Duration::minutes(minute)
}

fn entry_at(n: i64, when: DateTime<Utc>) -> NewEntry {
    NewEntry {
        at: when,
        hall: "BJ-CY-01".into(),
        counter: "1".into(),
        clerk: "clerk-007".into(),
        channel: Channel::Scanner,
        credential_type: Some("DiplomaCredential".into()),
        issuer: None,
        issuer_name: None,
        leaf: Some(CredentialHash([n as u8; 32])),
        verdict: Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: None,
        receipt: Some(format!("R-{n:04}")),
        personal: BTreeMap::from([("name".to_string(), "刘*".to_string())]),
    }
}

fn entry(n: i64) -> NewEntry {
    entry_at(n, at(n))
}

/// These logs are SHA-256 logs signed with Ed25519, as every log was before the national
/// profile; tests/guomi.rs runs the same attacks on SM3 logs signed with SM2.
const SHA256: HashAlg = HashAlg::Sha256;

fn hall_key() -> SecretKey {
    SecretKey::from_bytes(SigAlg::Ed25519, &[42; 32]).expect("key")
}

fn signer() -> NoteSigner {
    NoteSigner::new(&origin_for("BJ-CY-01", SHA256), hall_key()).expect("signer")
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
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

/// Ten entries with two audit records among them, a checkpoint after each five entries.
fn logged(dir: &Path) -> PathBuf {
    let path = dir.join("log.sqlite");
    let mut log = Log::open(&path).expect("open");
    for n in 1..=10 {
        log.append(&entry(n)).expect("append");
        if n == 3 || n == 8 {
            log.audit(
                "sup-001",
                "supervisor",
                "reveal",
                &format!("entry {n}"),
                at(n),
            )
            .expect("audit");
        }
        if n % 5 == 0 {
            log.checkpoint(&signer(), at(n)).expect("checkpoint");
        }
    }
    path
}

fn tree_findings(path: &Path) -> Vec<TreeFinding> {
    Log::open(path)
        .expect("open")
        .verify()
        .expect("verify")
        .tree
        .findings
}

#[test]
fn an_untouched_log_matches_its_checkpoints_and_proves_its_entries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path());
    let log = Log::open(&path).expect("open");
    let check = log.verify().expect("verify");
    assert!(check.is_intact(), "{:?}", check.tree.findings);
    assert_eq!(check.tree.leaves, 12, "ten entries and two audit records");
    let checkpoints = log.checkpoints().expect("checkpoints");
    assert_eq!(
        checkpoints.iter().map(|c| c.size).collect::<Vec<_>>(),
        [6, 12]
    );
    assert_eq!(check.tree.root, checkpoints[1].root);
    assert!(log
        .verify_checkpoints(&[hall_key().public()], &Policy::default())
        .expect("signatures")
        .is_empty());
    // The signed note is a C2SP checkpoint that the hall key opens.
    let opened = open_checkpoint(
        &checkpoints[0].note,
        &[hall_key().public()],
        &Policy::default(),
    )
    .expect("signed by the hall key");
    assert_eq!(opened.origin, "countersign/hall/BJ-CY-01");
    assert_eq!((opened.size, opened.root), (6, checkpoints[0].root));

    // Entry 4 is leaf 4 (entries 1–3, the audit record, then entry 4), proved in both trees.
    for c in &checkpoints {
        let proof = log.entry_proof(4, c.size).expect("proof").expect("present");
        assert_eq!(proof.index, 4);
        let row = log.entry(4).expect("read").expect("entry");
        assert_eq!(proof.leaf, leaf_of(SHA256, LeafKind::Entry, 4, &row.hash));
        countersign_tlog::verify_inclusion(
            SHA256,
            proof.index,
            c.size,
            &proof.leaf,
            &proof.proof,
            &c.root,
        )
        .expect("included");
    }
    // Entry 9 came after the first checkpoint: not in it.
    assert_eq!(log.entry_proof(9, 6).expect("proof"), None);
    // The second checkpoint extends the first.
    let consistency = log.consistency_proof(6, 12).expect("proof");
    countersign_tlog::verify_consistency(
        SHA256,
        6,
        12,
        &checkpoints[0].root,
        &checkpoints[1].root,
        &consistency,
    )
    .expect("consistent");
    // No new leaves: no new checkpoint.
    drop(log);
    let mut log = Log::open(&path).expect("open");
    assert_eq!(log.checkpoint(&signer(), at(20)).expect("checkpoint"), None);
}

/// The attack the hash chain cannot see: the file rebuilt without entry 4, every later hash
/// recomputed (here by writing the same entries into a new log, which is what a script with
/// the file would do), the old checkpoints kept or re-signed with another key.
#[test]
fn a_log_rebuilt_without_one_entry_no_longer_matches_its_signed_checkpoints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path());
    let rebuilt = dir.path().join("rebuilt.sqlite");
    {
        let mut log = Log::open(&rebuilt).expect("open");
        for n in (1..=10).filter(|n| *n != 4) {
            log.append(&entry(n)).expect("append");
            if n == 3 || n == 8 {
                log.audit(
                    "sup-001",
                    "supervisor",
                    "reveal",
                    &format!("entry {n}"),
                    at(n),
                )
                .expect("audit");
            }
        }
        let chain = log.verify().expect("verify");
        assert!(chain.findings.is_empty() && chain.audit.is_intact());
    }
    // The rebuilt file's chains are whole; its tree is whole; only the hall's signed
    // checkpoints, copied over, say what happened.
    sqlite3(
        &rebuilt,
        &format!(
            "ATTACH '{}' AS old; INSERT INTO checkpoints SELECT * FROM old.checkpoints;",
            path.display()
        ),
    );
    let findings = tree_findings(&rebuilt);
    assert_eq!(
        findings,
        [
            TreeFinding::Rewritten { size: 6, since: 0 },
            TreeFinding::Beyond {
                size: 12,
                leaves: 11
            },
        ]
    );
    assert!(findings[0].to_string().contains("rewritten"));

    // Re-signing the rebuilt tree needs the hall key: any other key is refused.
    sqlite3(&rebuilt, "DELETE FROM checkpoints;");
    let mut log = Log::open(&rebuilt).expect("open");
    let forger_key = SecretKey::from_bytes(SigAlg::Ed25519, &[7; 32]).expect("key");
    let forger = NoteSigner::new(&origin_for("BJ-CY-01", SHA256), forger_key).expect("signer");
    let forged = log.checkpoint(&forger, at(30)).expect("sign").expect("new");
    assert_eq!(
        log.verify_checkpoints(&[hall_key().public()], &Policy::default())
            .expect("signatures"),
        [(forged.size, CheckpointProblem::BadSignature)]
    );
    // The old signed note kept, its row's root set to the rebuilt tree's: the note and the row
    // disagree.
    let rebuilt_root = hex::encode(log.tree_root(6).expect("root"));
    drop(log);
    sqlite3(
        &rebuilt,
        &format!(
            "ATTACH '{}' AS old; DELETE FROM checkpoints;
             INSERT INTO checkpoints SELECT size, X'{rebuilt_root}', at_ms, note, NULL, NULL
                 FROM old.checkpoints WHERE size = 6;",
            path.display()
        ),
    );
    let log = Log::open(&rebuilt).expect("open");
    let problems = log
        .verify_checkpoints(&[hall_key().public()], &Policy::default())
        .expect("signatures");
    assert_eq!(problems, [(6, CheckpointProblem::Altered)]);
    assert!(
        log.verify().expect("verify").tree.is_intact(),
        "the row matches the tree"
    );
}

/// Deleting the newest rows (an entry, or the supervisor's last audit record) leaves hash
/// chains that verify: the tree names what it had.
#[test]
fn the_newest_entry_or_audit_record_removed_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path());
    sqlite3(
        &path,
        "DELETE FROM personal WHERE seq = 10; DELETE FROM entries WHERE seq = 10;",
    );
    let check = Log::open(&path).expect("open").verify().expect("verify");
    assert!(check.findings.is_empty(), "the chain alone sees nothing");
    assert_eq!(
        check.tree.findings,
        [TreeFinding::Missing {
            index: 11,
            kind: LeafKind::Entry,
            reference: 10
        }]
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path());
    sqlite3(&path, "DELETE FROM audit WHERE seq = 2;");
    let check = Log::open(&path).expect("open").verify().expect("verify");
    assert!(
        check.audit.is_intact(),
        "the audit chain alone sees nothing"
    );
    assert_eq!(
        check.tree.findings,
        [TreeFinding::Missing {
            index: 9,
            kind: LeafKind::Audit,
            reference: 2
        }]
    );

    // The tree's own rows removed with it: the signed checkpoint reaches past the tree.
    sqlite3(
        &path,
        "DELETE FROM tlog_leaves WHERE idx >= 9; DELETE FROM tlog_nodes;
         DELETE FROM personal WHERE seq >= 9; DELETE FROM entries WHERE seq >= 9;",
    );
    let check = Log::open(&path).expect("open").verify().expect("verify");
    assert!(check.findings.is_empty() && check.audit.is_intact());
    assert_eq!(
        check.tree.findings,
        [TreeFinding::Beyond {
            size: 12,
            leaves: 9
        }]
    );
    // A row put in by hand is in no tree.
    sqlite3(
        &path,
        "INSERT INTO audit (seq, at_ms, actor, role, action, detail, prev_hash, hash)
         SELECT 9, at_ms, actor, role, action, detail, prev_hash, hash FROM audit WHERE seq = 1;",
    );
    let findings = tree_findings(&path);
    assert!(findings.contains(&TreeFinding::Unlisted {
        kind: LeafKind::Audit,
        reference: 9
    }));
}

#[test]
fn a_closed_days_digest_removed_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path());
    let mut log = Log::open(&path).expect("open");
    let closed = log
        .close_ended_days("BJ-CY-01", china(), &hall_key(), at(20) + Duration::days(2))
        .expect("close");
    assert_eq!(closed.len(), 2);
    log.checkpoint(&signer(), at(20) + Duration::days(2))
        .expect("checkpoint");
    assert!(log.verify().expect("verify").is_intact());
    drop(log);
    sqlite3(
        &path,
        &format!("DELETE FROM digests WHERE day = '{}';", closed[1].day),
    );
    let day: u64 = closed[1]
        .day
        .format("%Y%m%d")
        .to_string()
        .parse()
        .expect("day");
    assert_eq!(
        tree_findings(&path),
        [TreeFinding::Missing {
            index: 13,
            kind: LeafKind::Day,
            reference: day
        }]
    );
}

/// A day is the run of rows appended after the last closed day: entries the clock stamped out
/// of order around midnight (stepped ahead, then back) belong to the day they were appended
/// in, and checking the closed days finds nothing wrong.
#[test]
fn a_clock_stepped_across_midnight_raises_no_false_alarm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let mut log = Log::open(&path).expect("open");
    let hall_time = |d: u32, h: u32, m: u32| {
        china()
            .with_ymd_and_hms(2026, 12, d, h, m, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    };
    // 23:50; the clock steps ahead past midnight (00:10), then back (23:55); the next day.
    let stamps = [
        hall_time(3, 23, 50),
        hall_time(4, 0, 10),
        hall_time(3, 23, 55),
        hall_time(4, 9, 0),
        hall_time(4, 9, 5),
    ];
    for (n, when) in stamps.iter().enumerate() {
        log.append(&entry_at(n as i64 + 1, *when)).expect("append");
    }
    let closed = log
        .close_ended_days("BJ-CY-01", china(), &hall_key(), hall_time(5, 8, 0))
        .expect("close");
    let ranges: Vec<_> = closed.iter().map(|d| (d.range, d.count)).collect();
    assert_eq!(ranges, [(Some((1, 3)), 3), (Some((4, 5)), 2)]);
    let problems: Vec<DigestProblem> = log
        .verify_digests(&[hall_key().public()], &Policy::default())
        .expect("digests")
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(problems, []);
    assert!(log.verify().expect("verify").is_intact());
}

/// What a receipt check asks of the tree: an entry's leaf, the checkpoint to prove it against
/// (the oldest anchored one covering it, else the oldest covering one), and the entry's hash
/// recomputed from its row, which no longer matches once the row is edited.
#[test]
fn an_entry_is_found_in_the_oldest_checkpoint_covering_it_anchored_ones_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path());
    let mut log = Log::open(&path).expect("open");
    // Entries 1–3 are leaves 0–2, an audit record leaf 3, entries 4–8 leaves 4–8, an audit
    // record leaf 9, entries 9 and 10 leaves 10 and 11; checkpoints of 6 and 12 leaves.
    assert_eq!(log.entry_leaf_index(4).expect("index"), Some(4));
    assert_eq!(log.entry_leaf_index(10).expect("index"), Some(11));
    assert_eq!(log.entry_leaf_index(99).expect("index"), None);
    let size = |c: Option<countersign_log::StoredCheckpoint>| c.map(|c| c.size);
    assert_eq!(
        size(log.checkpoint_covering(4, false).expect("read")),
        Some(6)
    );
    assert_eq!(
        size(log.checkpoint_covering(5, false).expect("read")),
        Some(6)
    );
    assert_eq!(
        size(log.checkpoint_covering(6, false).expect("read")),
        Some(12)
    );
    assert_eq!(
        size(log.checkpoint_covering(12, false).expect("read")),
        None
    );
    assert_eq!(size(log.checkpoint_covering(4, true).expect("read")), None);
    // Once the larger one is anchored it is preferred: the registry vouches for its root.
    log.set_checkpoint_anchored(12, "0xabc", 1234)
        .expect("anchored");
    let anchored = log
        .checkpoint_covering(4, false)
        .expect("read")
        .expect("one");
    assert_eq!(
        (anchored.size, anchored.anchored),
        (12, Some(("0xabc".into(), 1234)))
    );
    assert_eq!(
        size(log.checkpoint_covering(4, true).expect("read")),
        Some(12)
    );
    assert_eq!(
        size(log.checkpoint_covering(11, true).expect("read")),
        Some(12)
    );

    let row = log.entry(4).expect("read").expect("entry");
    assert_eq!(log.entry_content_hash(4).expect("hash"), Some(row.hash));
    assert_eq!(log.entry_content_hash(99).expect("hash"), None);
    drop(log);
    sqlite3(
        &path,
        "UPDATE entries SET verdict = 'INVALID' WHERE seq = 4;",
    );
    let log = Log::open(&path).expect("open");
    let edited = log.entry(4).expect("read").expect("entry");
    assert_eq!(edited.hash, row.hash, "the stored hash was left as it was");
    assert_ne!(log.entry_content_hash(4).expect("hash"), Some(row.hash));
}
