//! Receipts of logged verifications, and checking a receipt brought back: genuine at its own
//! hall (matched to the log), elsewhere (trusted key), unknown keys, contradictions with the
//! log, forgeries, and a picture of a printed receipt.

use chrono::{DateTime, TimeZone, Utc};
use countersign_chainstate::MemoryChainState;
use countersign_crypto::{HashAlg, SecretKey, SigAlg};
use countersign_printdoc::{fonts::Fonts, Paper};
use countersign_receipt::{compose, ComposeOptions, LogMatch, ReceiptFinding, Standing};
use countersign_station::receipts::{
    check, CheckContext, CheckError, ProofFailure, ReceiptReport, Recorded, TrustedHall,
};
use countersign_station::{Channel, Identity, Logged, PrivacyPolicy, Station};
use countersign_tlog::note::NoteSigner;
use countersign_verify::{FixedClock, Params, VerificationPolicy};
use countersign_vocab::Verdict;
use std::path::PathBuf;

fn demo(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn at() -> DateTime<Utc> {
    // 01:30 in Beijing on 2 November: the receipt id carries the hall-local date.
    Utc.with_ymd_and_hms(2026, 11, 1, 17, 30, 0)
        .single()
        .expect("time")
}

fn logged_receipt(dir: &tempfile::TempDir, sample: &str) -> (Station, u64) {
    let mut station = Station::open(
        dir.path().join("log.sqlite"),
        Identity {
            hall: "BJ-CY-01".into(),
            counter: "3".into(),
            clerk: "clerk-007".into(),
        },
        PrivacyPolicy::default(),
        at(),
    )
    .expect("station");
    let seq = record(&mut station, sample);
    (station, seq)
}

/// Verifies `sample` against the demo registry and logs it at the counter: its entry.
fn record(station: &mut Station, sample: &str) -> u64 {
    let snapshot: serde_json::Value =
        serde_json::from_slice(&demo("registry-snapshot.json")).expect("snapshot");
    let chain: MemoryChainState =
        countersign_chainstate::snapshot::from_json(&snapshot).expect("snapshot");
    let input = demo(&format!("samples/{sample}.cs1.txt"));
    let clock = FixedClock(at());
    let report = countersign_verify::verify_text(
        std::str::from_utf8(&input).expect("text"),
        &Params {
            clock: &clock,
            chain: Some(&chain),
            policy: VerificationPolicy::default(),
        },
    );
    let Logged::Entry(seq) = station.record(&report, &input, Channel::Scanner, None) else {
        panic!("not logged")
    };
    seq
}

fn hall_key() -> SecretKey {
    SecretKey::from_bytes(SigAlg::Ed25519, &[3; 32]).expect("key")
}

fn trusted() -> Vec<TrustedHall> {
    vec![TrustedHall {
        hall: "BJ-CY-01".into(),
        name: "北京市朝阳区政务服务中心".into(),
        key: hall_key().public(),
    }]
}

#[test]
fn a_receipt_of_a_logged_verification_is_genuine_and_matches_the_log() {
    let dir = tempfile::tempdir().expect("dir");
    let (station, seq) = logged_receipt(&dir, "expired-residence-permit");
    let receipt = station.receipt_of(seq).expect("read").expect("receipt");
    assert!(
        receipt.id.starts_with("R20261102-"),
        "hall-local date: {}",
        receipt.id
    );
    assert_eq!(receipt.verdict, Verdict::Invalid);
    assert_eq!(receipt.reasons, ["validity.expired"]);
    assert_eq!(receipt.subject.get("name").map(String::as_str), Some("孙*"));
    let found = station.log().find_by_receipt(&receipt.id).expect("search");
    assert_eq!(found.len(), 1, "the log entry carries the receipt id");

    let payload = receipt.sign(&hall_key()).expect("sign").payload();
    let trust = trusted();
    let here = CheckContext {
        trusted: &trust,
        mirror: None,
        own: Some(("BJ-CY-01", station.log())),
        ..CheckContext::default()
    };
    let report = check(payload.as_bytes(), &here).expect("check");
    assert_eq!(report.finding, ReceiptFinding::Genuine);
    assert_eq!(report.log, LogMatch::Matches(seq));

    // Another hall that trusts this hall's key: genuine, its log is not there to consult.
    let elsewhere = CheckContext {
        trusted: &trust,
        mirror: None,
        own: None,
        ..CheckContext::default()
    };
    let report = check(payload.as_bytes(), &elsewhere).expect("check");
    assert_eq!(
        (report.finding, report.log),
        (ReceiptFinding::Genuine, LogMatch::NotHere)
    );

    // A machine that knows no hall keys cannot confirm it.
    let report = check(payload.as_bytes(), &CheckContext::default()).expect("check");
    assert_eq!(report.standing, Standing::Unknown);
    assert_eq!(report.finding, ReceiptFinding::CannotConfirm);
}

#[test]
fn a_receipt_contradicting_the_log_or_missing_from_it_is_flagged() {
    let dir = tempfile::tempdir().expect("dir");
    let (station, seq) = logged_receipt(&dir, "expired-residence-permit");
    let trust = trusted();
    let here = CheckContext {
        trusted: &trust,
        mirror: None,
        own: Some(("BJ-CY-01", station.log())),
        ..CheckContext::default()
    };
    // Signed with the hall's key but saying VALID where the log says INVALID.
    let mut changed = station.receipt_of(seq).expect("read").expect("receipt");
    changed.verdict = Verdict::Valid;
    changed.reasons.clear();
    let payload = changed.sign(&hall_key()).expect("sign").payload();
    let report = check(payload.as_bytes(), &here).expect("check");
    assert_eq!(report.finding, ReceiptFinding::Contradicted);
    assert_eq!(
        report.log,
        LogMatch::Differs {
            seq,
            fields: vec!["verdict".into(), "reasons".into()]
        }
    );
    // A receipt id this hall never logged.
    let mut unknown = station.receipt_of(seq).expect("read").expect("receipt");
    unknown.id = "R20261102-00000000".into();
    let payload = unknown.sign(&hall_key()).expect("sign").payload();
    let report = check(payload.as_bytes(), &here).expect("check");
    assert_eq!(
        (report.finding, report.log),
        (ReceiptFinding::CannotConfirm, LogMatch::NotInLog)
    );
}

#[test]
fn a_forged_receipt_and_other_inputs_are_refused_in_words() {
    let dir = tempfile::tempdir().expect("dir");
    let (station, seq) = logged_receipt(&dir, "valid-diploma");
    let payload = station
        .receipt_of(seq)
        .expect("read")
        .expect("receipt")
        .sign(&hall_key())
        .expect("sign")
        .payload();
    // One character of the base45 changed.
    let mut chars: Vec<char> = payload.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let forged: String = chars.into_iter().collect();
    let err = check(forged.as_bytes(), &CheckContext::default()).expect_err("forged");
    assert!(matches!(err, CheckError::Receipt(_)), "{err}");
    // A credential's code is not a receipt.
    let credential = demo("samples/valid-diploma.cs1.txt");
    let err = check(&credential, &CheckContext::default()).expect_err("credential");
    assert!(
        err.to_string().contains("not a Countersign receipt"),
        "{err}"
    );
    // A picture without a code.
    let blank = image::GrayImage::from_pixel(200, 200, image::Luma([255]));
    let mut png = Vec::new();
    blank
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    assert!(matches!(
        check(&png, &CheckContext::default()),
        Err(CheckError::Picture(_))
    ));
}

#[test]
fn a_picture_of_the_printed_receipt_checks() {
    let dir = tempfile::tempdir().expect("dir");
    let (station, seq) = logged_receipt(&dir, "valid-business-licence");
    let signed = station
        .receipt_of(seq)
        .expect("read")
        .expect("receipt")
        .sign(&hall_key())
        .expect("sign");
    let doc = compose(
        &signed,
        &ComposeOptions {
            paper: Paper::Roll58,
            hall_name: "北京市朝阳区政务服务中心".into(),
            utc_offset: chrono::FixedOffset::east_opt(8 * 3600).expect("+8"),
            reprinted_at: None,
        },
    );
    let picture = countersign_printdoc::raster::render(&doc, &Fonts::embedded_only());
    let mut png = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let trust = trusted();
    let report = check(
        &png,
        &CheckContext {
            trusted: &trust,
            mirror: None,
            own: Some(("BJ-CY-01", station.log())),
            ..CheckContext::default()
        },
    )
    .expect("check");
    assert_eq!(report.finding, ReceiptFinding::Genuine);
    assert_eq!(report.signed, signed);
}

/// One printing flow for the app and the CLI: the first print is the original, any further
/// one a COPY, even from another print queue (the CLI's, after the app printed it), because
/// the audit trail remembers every print by the receipt id; each print is recorded.
#[test]
fn a_receipt_printed_before_prints_as_a_copy_whichever_queue_printed_it() {
    use countersign_printing::PrintQueue;
    use countersign_station::printing::{queue_receipt, PrintFlowError, PrintRequest, PrintTarget};
    use countersign_station::review::Actor;

    let dir = tempfile::tempdir().expect("dir");
    let (mut station, seq) = logged_receipt(&dir, "valid-diploma");
    let app_queue = PrintQueue::open(dir.path().join("app-queue.sqlite")).expect("queue");
    let cli_queue = PrintQueue::open(dir.path().join("cli-queue.sqlite")).expect("queue");
    let clerk = Actor {
        id: "clerk-007".into(),
        role: "clerk".into(),
    };
    let request = |copy_asked| PrintRequest {
        seq,
        copy_asked,
        clerk: &clerk,
        target: PrintTarget {
            printer: "file:/dev/null",
            paper: "80mm",
            counter: "3",
        },
    };
    let key = hall_key();
    let first = queue_receipt(station.log_mut(), &app_queue, &key, &request(false), at())
        .expect("first print");
    assert!(!first.copy, "the first print is the original");
    let again = queue_receipt(station.log_mut(), &app_queue, &key, &request(false), at())
        .expect("second print");
    assert!(again.copy, "printed again from the same queue: COPY");
    let elsewhere = queue_receipt(station.log_mut(), &cli_queue, &key, &request(false), at())
        .expect("print from another queue");
    assert!(elsewhere.copy, "the audit trail remembers the first print");
    assert!(
        app_queue
            .get(first.job)
            .expect("job")
            .is_some_and(|j| !j.job.copy)
            && cli_queue
                .get(elsewhere.job)
                .expect("job")
                .is_some_and(|j| j.job.copy)
    );

    let records = station
        .log()
        .audit_entries(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, 10)
        .expect("audit");
    let actions: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r.action.as_str(), r.detail.as_str()))
        .collect();
    let id = first.signed.receipt.id.as_str();
    for expected in [
        ("receipt.print", id),
        ("receipt.reprint", id),
        ("receipt.reprint", id),
    ] {
        assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
    }
    assert_eq!(actions.len(), 3);

    // An entry without a receipt is refused in so many words, and nothing is queued.
    let missing = queue_receipt(
        station.log_mut(),
        &cli_queue,
        &key,
        &PrintRequest {
            seq: seq + 100,
            ..request(false)
        },
        at(),
    )
    .expect_err("no such entry");
    assert!(matches!(missing, PrintFlowError::NoReceipt(n) if n == seq + 100));
    assert_eq!(cli_queue.pending().expect("pending").len(), 1);
}

fn signer(key: SecretKey) -> NoteSigner {
    let origin = countersign_log::origin_for("BJ-CY-01", HashAlg::Sha256);
    NoteSigner::new(&origin, key).expect("signer")
}

/// Grows the tree by `n` leaves (audit records), so that proofs have several hashes.
fn grow(station: &mut Station, n: usize) {
    for i in 0..n {
        station
            .log_mut()
            .audit("sup-001", "supervisor", "reveal", &format!("{i}"), at())
            .expect("audit");
    }
}

/// The receipt of entry `seq`, signed with the hall key, checked at its own hall.
fn check_here(station: &Station, seq: u64) -> ReceiptReport {
    let payload = station
        .receipt_of(seq)
        .expect("read")
        .expect("receipt")
        .sign(&hall_key())
        .expect("sign")
        .payload();
    let trust = trusted();
    check(
        payload.as_bytes(),
        &CheckContext {
            trusted: &trust,
            mirror: None,
            own: Some(("BJ-CY-01", station.log())),
            ..CheckContext::default()
        },
    )
    .expect("check")
}

/// The log proves a receipt's entry: in the oldest anchored checkpoint covering it (the
/// registry vouches for that root), else the oldest covering one; an entry newer than every
/// checkpoint is not yet in one, which is no finding (the station signs within minutes).
#[test]
fn a_receipts_entry_is_proved_in_the_anchored_checkpoint_covering_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut station, seq) = logged_receipt(&dir, "expired-residence-permit");
    let report = check_here(&station, seq);
    assert_eq!(report.recorded, Some(Recorded::NotYetCheckpointed { seq }));
    assert_eq!(report.finding, ReceiptFinding::Genuine);

    let hall = signer(hall_key());
    grow(&mut station, 5);
    let first = station
        .log_mut()
        .checkpoint(&hall, at())
        .expect("sign")
        .expect("new");
    grow(&mut station, 10);
    let second = station
        .log_mut()
        .checkpoint(&hall, at())
        .expect("sign")
        .expect("new");
    assert_eq!((first.size, second.size), (6, 16));
    // Neither anchored: the oldest covering one, leaf 0 of 6 (3 hashes).
    let report = check_here(&station, seq);
    assert_eq!(
        report.recorded,
        Some(Recorded::InCheckpoint {
            seq,
            index: 0,
            size: 6,
            hashes: 3,
            anchored_block: None
        })
    );
    assert_eq!(report.finding, ReceiptFinding::Genuine);
    // The larger one anchored: proved there, and the block is named.
    station
        .log_mut()
        .set_checkpoint_anchored(16, "0xfeed", 1234)
        .expect("anchored");
    let report = check_here(&station, seq);
    assert_eq!(
        report.recorded,
        Some(Recorded::InCheckpoint {
            seq,
            index: 0,
            size: 16,
            hashes: 4,
            anchored_block: Some(1234)
        })
    );
    assert_eq!(report.finding, ReceiptFinding::Genuine);

    // A verification after the newest checkpoint: matched, not yet in a checkpoint.
    let later = record(&mut station, "valid-diploma");
    let report = check_here(&station, later);
    assert_eq!(
        (report.log, report.recorded, report.finding),
        (
            LogMatch::Matches(later),
            Some(Recorded::NotYetCheckpointed { seq: later }),
            ReceiptFinding::Genuine
        )
    );
}

/// Someone who can write the file changes it under a matching entry: a leaf of the tree
/// replaced, a checkpoint's row set to another root, the entry's row edited in a field the
/// receipt does not show, or the checkpoints re-signed with another key. The receipt still
/// matches the entry; the proof does not hold, and the receipt contradicts the log.
#[test]
fn a_changed_log_fails_the_receipts_proof() {
    let cases: [(&str, &str); 4] = [
        (
            "a leaf replaced",
            "UPDATE tlog_leaves SET hash = zeroblob(32) WHERE idx = 1",
        ),
        (
            "the checkpoint's root replaced",
            "UPDATE checkpoints SET root = zeroblob(32)",
        ),
        (
            "the entry's row edited",
            "UPDATE entries SET issuer = 'did:example:someone-else' WHERE seq = 1",
        ),
        ("the tree's nodes removed", "DELETE FROM tlog_nodes"),
    ];
    for (what, sql) in cases {
        let dir = tempfile::tempdir().expect("dir");
        let (mut station, seq) = logged_receipt(&dir, "expired-residence-permit");
        grow(&mut station, 5);
        station
            .log_mut()
            .checkpoint(&signer(hall_key()), at())
            .expect("sign")
            .expect("new");
        drop(station);
        let db = rusqlite::Connection::open(dir.path().join("log.sqlite")).expect("open");
        db.execute_batch(sql).expect(what);
        drop(db);
        let station = reopen(&dir);
        let report = check_here(&station, seq);
        assert_eq!(report.log, LogMatch::Matches(seq), "{what}");
        let Some(Recorded::ProofFails { why, .. }) = &report.recorded else {
            panic!("{what}: {:?}", report.recorded)
        };
        let expected = match what {
            "a leaf replaced" => matches!(why, ProofFailure::Mismatch { size: 6 }),
            "the checkpoint's root replaced" => {
                matches!(why, ProofFailure::NoteDiffers { size: 6 })
            }
            "the entry's row edited" => *why == ProofFailure::RowEdited,
            _ => matches!(why, ProofFailure::NoProof { size: 6, .. }),
        };
        assert!(expected, "{what}: {why}");
        assert_eq!(report.finding, ReceiptFinding::Contradicted, "{what}");
    }

    // Checkpoints signed by a key other than the one that signed the receipt.
    let dir = tempfile::tempdir().expect("dir");
    let (mut station, seq) = logged_receipt(&dir, "expired-residence-permit");
    station
        .log_mut()
        .checkpoint(
            &signer(SecretKey::from_bytes(SigAlg::Ed25519, &[9; 32]).expect("key")),
            at(),
        )
        .expect("sign")
        .expect("new");
    let report = check_here(&station, seq);
    assert_eq!(
        report.recorded,
        Some(Recorded::ProofFails {
            seq,
            why: ProofFailure::ForeignSignature { size: 1 }
        })
    );
    assert_eq!(report.finding, ReceiptFinding::Contradicted);
    assert!(ProofFailure::ForeignSignature { size: 1 }
        .to_string()
        .contains("not signed by the receipt's hall key"));
}

fn reopen(dir: &tempfile::TempDir) -> Station {
    Station::open(
        dir.path().join("log.sqlite"),
        Identity {
            hall: "BJ-CY-01".into(),
            counter: "3".into(),
            clerk: "clerk-007".into(),
        },
        PrivacyPolicy::default(),
        at(),
    )
    .expect("station")
}
