//! A day's report and the lookups, on a log whose every entry is known.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_log::{Count, Log, NewEntry};
use countersign_vocab::{ChainUsed, Channel, CredentialHash};
use std::collections::BTreeMap;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

/// Hall-local time on 2026-11-25 (+08:00); hour 24 and beyond spill into the next day.
fn local(hour: u32, minute: u32) -> DateTime<Utc> {
    china()
        .with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
        + chrono::Duration::minutes(i64::from(hour * 60 + minute))
}

struct Spec {
    at: DateTime<Utc>,
    counter: &'static str,
    clerk: &'static str,
    kind: Option<&'static str>,
    leaf: Option<u8>,
    verdict: &'static str,
    failing: &'static [&'static str],
    reasons: &'static [&'static str],
    source: Option<&'static str>,
    receipt: Option<&'static str>,
}

fn new(s: &Spec) -> NewEntry {
    NewEntry {
        at: s.at,
        hall: "BJ-CY-01".into(),
        counter: s.counter.into(),
        clerk: s.clerk.into(),
        channel: Channel::Scanner,
        credential_type: s.kind.map(str::to_string),
        issuer: s.kind.map(|_| "did:key:z6MkIssuer".to_string()),
        issuer_name: s.kind.map(|_| "北京市教育委员会".to_string()),
        leaf: s.leaf.map(|b| CredentialHash([b; 32])),
        verdict: s.verdict.parse().expect("verdict"),
        failing: s.failing.iter().map(|x| x.to_string()).collect(),
        reasons: s.reasons.iter().map(|x| x.to_string()).collect(),
        chain: s.source.map(|source| ChainUsed {
            block: 7,
            block_time: s.at,
            source: source.parse().expect("chain source"),
        }),
        receipt: s.receipt.map(str::to_string),
        personal: BTreeMap::from([("name".to_string(), "王*".to_string())]),
    }
}

fn spec(at: DateTime<Utc>, counter: &'static str, leaf: u8) -> Spec {
    Spec {
        at,
        counter,
        clerk: "clerk-1",
        kind: Some("DiplomaCredential"),
        leaf: Some(leaf),
        verdict: "VALID",
        failing: &[],
        reasons: &[],
        source: Some("online"),
        receipt: None,
    }
}

fn count(key: &str, count: u64) -> Count {
    Count {
        key: Some(key.to_string()),
        count,
    }
}

fn sample_log() -> (tempfile::TempDir, Log) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = Log::open(dir.path().join("log.sqlite")).expect("open");
    let specs = [
        // The evening before, hall time: not part of the day.
        spec(local(0, 0) - chrono::Duration::seconds(1), "1", 1),
        spec(local(0, 0), "1", 1),
        spec(local(9, 5), "1", 2),
        spec(local(9, 40), "2", 2),
        Spec {
            clerk: "clerk-2",
            receipt: Some("R-20261125-0007"),
            ..spec(local(9, 59), "2", 2)
        },
        Spec {
            clerk: "clerk-2",
            verdict: "INVALID",
            failing: &["validity"],
            reasons: &["validity.expired"],
            ..spec(local(14, 0), "2", 3)
        },
        Spec {
            clerk: "clerk-2",
            verdict: "INVALID",
            failing: &["signature"],
            reasons: &[],
            source: Some("mirror"),
            ..spec(local(14, 30), "2", 4)
        },
        Spec {
            kind: None,
            leaf: None,
            verdict: "INVALID",
            failing: &["format"],
            reasons: &["format.not-a-credential"],
            source: None,
            ..spec(local(23, 59), "1", 0)
        },
        // The next day, hall time.
        spec(local(24, 0), "1", 2),
    ];
    for s in &specs {
        log.append(&new(s)).expect("append");
    }
    (dir, log)
}

#[test]
fn a_day_report_counts_everything_a_supervisor_reviews() {
    let (_dir, log) = sample_log();
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).expect("day");
    let r = log.report(day, china()).expect("report");
    assert_eq!(r.summary.total, 7);
    assert_eq!(r.summary.range, Some((2, 8)));
    assert_eq!(
        r.summary.by_verdict,
        [count("VALID", 4), count("INVALID", 3)]
    );
    assert_eq!(
        r.summary.by_type,
        [
            count("DiplomaCredential", 6),
            Count {
                key: None,
                count: 1
            }
        ]
    );
    assert_eq!(r.summary.by_issuer[0], count("北京市教育委员会", 6));
    assert_eq!(
        r.summary.by_clerk,
        [count("clerk-1", 4), count("clerk-2", 3)]
    );
    assert_eq!(r.summary.by_counter, [count("2", 4), count("1", 3)]);
    assert_eq!(r.summary.by_channel, [count("scanner", 7)]);
    assert_eq!(
        r.summary.by_chain_source,
        [
            count("online", 5),
            Count {
                key: None,
                count: 1
            },
            count("mirror", 1),
        ]
    );
    let mut hours = [0u64; 24];
    hours[0] = 1;
    hours[9] = 3;
    hours[14] = 2;
    hours[23] = 1;
    assert_eq!(r.summary.by_hour, hours);
    // A reason code where one was recorded; the check id where none was.
    assert_eq!(
        r.summary.failures,
        [
            count("format.not-a-credential", 1),
            count("signature", 1),
            count("validity.expired", 1)
        ]
    );
    assert_eq!(r.repeated.len(), 1);
    let repeat = &r.repeated[0];
    assert_eq!(repeat.leaf, CredentialHash([2; 32]));
    assert_eq!(repeat.count, 3);
    assert_eq!(repeat.counters, ["1", "2"]);
    assert_eq!((repeat.first, repeat.last), (local(9, 5), local(9, 59)));
}

#[test]
fn an_empty_day_reports_zero() {
    let (_dir, log) = sample_log();
    let r = log
        .report(NaiveDate::from_ymd_opt(2026, 1, 1).expect("day"), china())
        .expect("report");
    assert_eq!(r.summary.total, 0);
    assert_eq!(r.summary.range, None);
    assert!(
        r.summary.by_verdict.is_empty() && r.repeated.is_empty() && r.summary.failures.is_empty()
    );
}

#[test]
fn entries_are_found_by_day_credential_and_receipt() {
    let (_dir, log) = sample_log();
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).expect("day");
    let seqs = |entries: Vec<countersign_log::Entry>| -> Vec<u64> {
        entries.iter().map(|e| e.seq).collect()
    };
    assert_eq!(
        seqs(log.entries_on(day, china()).expect("day")),
        [2, 3, 4, 5, 6, 7, 8]
    );
    assert_eq!(
        seqs(log.find_by_leaf(&CredentialHash([2; 32])).expect("leaf")),
        [3, 4, 5, 9]
    );
    assert_eq!(
        seqs(log.find_by_leaf(&CredentialHash([42; 32])).expect("leaf")),
        [] as [u64; 0]
    );
    let by_receipt = log.find_by_receipt("R-20261125-0007").expect("receipt");
    assert_eq!(seqs(by_receipt.clone()), [5]);
    assert_eq!(by_receipt[0].entry.clerk, "clerk-2");
    assert_eq!(by_receipt[0].entry.personal["name"], "王*");
}
