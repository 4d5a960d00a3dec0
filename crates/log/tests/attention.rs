//! The attention list: each rule triggered, and not triggered, at the edge of its threshold.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use countersign_log::{Attention, AttentionKind, AttentionRules, Filter, Log, NewEntry};
use countersign_vocab::{ChainSourceKind, ChainUsed, Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

/// 2026-11-25 09:00 hall time, plus `seconds`.
fn t(seconds: i64) -> DateTime<Utc> {
    china()
        .with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
        + Duration::seconds(seconds)
}

fn minutes(m: i64) -> i64 {
    m * 60
}

/// A VALID verification at counter 1 by clerk-1 of an unknown-leaf credential from issuer A,
/// on fresh online chain state: each test changes what it is about.
fn base(at: DateTime<Utc>) -> NewEntry {
    NewEntry {
        at,
        hall: "BJ-CY-01".into(),
        counter: "1".into(),
        clerk: "clerk-1".into(),
        channel: Channel::Scanner,
        credential_type: Some("DiplomaCredential".into()),
        issuer: Some("did:key:z6MkA".into()),
        issuer_name: Some("京华大学".into()),
        leaf: None,
        verdict: Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: Some(ChainUsed {
            block: 1,
            block_time: at - Duration::seconds(10),
            source: ChainSourceKind::Online,
        }),
        receipt: None,
        personal: BTreeMap::new(),
    }
}

fn log_of(entries: &[NewEntry]) -> (tempfile::TempDir, Log) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = Log::open(dir.path().join("log.sqlite")).expect("open");
    log.append_batch(entries).expect("append");
    (dir, log)
}

fn day() -> Filter {
    Filter::between(t(-minutes(9 * 60)), t(minutes(15 * 60)))
}

/// (kind, subject, entries) of each item.
fn items(list: &[Attention]) -> Vec<(AttentionKind, String, Vec<u64>)> {
    list.iter()
        .map(|a| (a.kind, a.subject.clone(), a.entries.clone()))
        .collect()
}

fn leaf(n: u8) -> Option<CredentialHash> {
    Some(CredentialHash([n; 32]))
}

#[test]
fn a_credential_at_two_counters_or_three_times_is_listed() {
    let at = |counter: &str, n: u8, s: i64| NewEntry {
        counter: counter.into(),
        leaf: leaf(n),
        ..base(t(s))
    };
    let (_dir, log) = log_of(&[
        at("1", 1, 0),    // 1: credential 1 at counter 1 …
        at("2", 1, 60),   // 2: … and at counter 2: listed
        at("1", 2, 120),  // 3: credential 2 twice at one counter: not listed
        at("1", 2, 180),  // 4
        at("1", 3, 240),  // 5: credential 3 three times at one counter: listed
        at("1", 3, 300),  // 6
        at("1", 3, 3600), // 7
        at("3", 4, 400),  // 8: once
        at("1", 5, 500),  // 9: credential 5 twice, at counters 1 and 1: not listed
        at("1", 5, 600),  // 10
    ]);
    let hex = |n: u8| hex::encode([n; 32]);
    let repeated = AttentionKind::RepeatedCredential;
    assert_eq!(
        items(&log.attention(&day(), china()).expect("attention")),
        [
            (repeated, hex(1), vec![1, 2]),
            (repeated, hex(3), vec![5, 6, 7]),
        ]
    );
    let list = log.attention(&day(), china()).expect("attention");
    assert_eq!(
        list[0].detail,
        format!(
            "credential {}… verified 2 times at 2 counters (1, 2) between 2026-11-25 09:00:00 \
             and 2026-11-25 09:01:00",
            &hex(1)[..12]
        )
    );
    // Looking at counter 2 alone still shows credential 1, with both its verifications.
    let counter_2 = Filter {
        counter: Some("2".into()),
        ..day()
    };
    assert_eq!(
        items(&log.attention(&counter_2, china()).expect("attention")),
        [(repeated, hex(1), vec![1, 2])]
    );
    // A range that leaves out the third verification leaves out credential 3.
    let morning = Filter::between(t(0), t(minutes(30)));
    assert_eq!(
        items(&log.attention(&morning, china()).expect("attention")),
        [(repeated, hex(1), vec![1, 2])]
    );
    // Twice is enough under stricter rules.
    let rules = AttentionRules {
        repeat_times: 2,
        ..AttentionRules::default()
    };
    let strict = log
        .attention_with(&day(), china(), &rules)
        .expect("attention");
    assert_eq!(
        items(&strict)
            .iter()
            .map(|i| i.2.clone())
            .collect::<Vec<_>>(),
        [vec![1, 2], vec![3, 4], vec![5, 6, 7], vec![9, 10]]
    );
}

fn invalid(issuer: &str, s: i64) -> NewEntry {
    NewEntry {
        issuer: Some(issuer.into()),
        issuer_name: None,
        verdict: Verdict::Invalid,
        failing: vec!["signature".into()],
        reasons: vec!["signature.mismatch".into()],
        ..base(t(s))
    }
}

#[test]
fn five_failures_of_one_issuer_within_ten_minutes_are_a_burst() {
    let ms = |m: i64| Duration::milliseconds(m);
    let mut entries = vec![
        // A: five within 9:59.999 — a burst (entries 1–5).
        invalid("did:key:z6MkA", 0),
        invalid("did:key:z6MkA", 120),
        invalid("did:key:z6MkA", 240),
        invalid("did:key:z6MkA", 360),
        NewEntry {
            at: t(minutes(10)) - ms(1),
            ..invalid("did:key:z6MkA", 0)
        },
        // B: five spanning exactly ten minutes — not a burst (6–10).
        invalid("did:key:z6MkB", 0),
        invalid("did:key:z6MkB", 150),
        invalid("did:key:z6MkB", 300),
        invalid("did:key:z6MkB", 450),
        invalid("did:key:z6MkB", minutes(10)),
        // C: four within a minute — not a burst (11–14).
        invalid("did:key:z6MkC", 10),
        invalid("did:key:z6MkC", 20),
        invalid("did:key:z6MkC", 30),
        invalid("did:key:z6MkC", 40),
    ];
    // D: four INVALID and a VALID within a minute — not a burst (15–19).
    for s in [10, 20, 30, 40] {
        entries.push(invalid("did:key:z6MkD", s));
    }
    entries.push(NewEntry {
        issuer: Some("did:key:z6MkD".into()),
        ..base(t(50))
    });
    // E: seven a minute apart, then an hour later five more: two bursts (20–26, 27–31).
    for m in 0..7 {
        entries.push(invalid("did:key:z6MkE", minutes(60 + m)));
    }
    for m in 0..5 {
        entries.push(invalid("did:key:z6MkE", minutes(180 + m)));
    }
    let (_dir, log) = log_of(&entries);
    let burst = AttentionKind::FailureBurst;
    let list = log.attention(&day(), china()).expect("attention");
    assert_eq!(
        items(&list),
        [
            (burst, "did:key:z6MkA".to_string(), vec![1, 2, 3, 4, 5]),
            (
                burst,
                "did:key:z6MkE".to_string(),
                vec![20, 21, 22, 23, 24, 25, 26]
            ),
            (burst, "did:key:z6MkE".to_string(), vec![27, 28, 29, 30, 31]),
        ]
    );
    assert_eq!(
        list[0].detail,
        "5 INVALID verdicts for issuer did:key:z6MkA between 2026-11-25 09:00:00 and \
         2026-11-25 09:09:59"
    );
    // A screen showing VALID verdicts only has no burst to show.
    let valid = Filter {
        verdict: Some(Verdict::Valid),
        ..day()
    };
    assert!(log
        .attention(&valid, china())
        .expect("attention")
        .is_empty());
    // Filtering by issuer shows that issuer's bursts.
    let e = Filter {
        issuer: Some("did:key:z6MkE".into()),
        ..day()
    };
    assert_eq!(log.attention(&e, china()).expect("attention").len(), 2);
    // Four are a burst under stricter rules: C and D as well (D's VALID does not count).
    let rules = AttentionRules {
        burst_failures: 4,
        ..AttentionRules::default()
    };
    let strict = log
        .attention_with(&day(), china(), &rules)
        .expect("attention");
    let subjects: Vec<String> = strict.iter().map(|a| a.subject.clone()).collect();
    assert_eq!(
        subjects,
        [
            "did:key:z6MkA",
            "did:key:z6MkB",
            "did:key:z6MkC",
            "did:key:z6MkD",
            "did:key:z6MkE",
            "did:key:z6MkE"
        ]
    );
}

fn on_chain(s: i64, source: &str, age: Duration, reasons: &[&str]) -> NewEntry {
    let mut e = base(t(s));
    let at = e.at;
    e.chain = Some(ChainUsed {
        block: 500 + s as u64,
        block_time: at - age,
        source: source.parse().expect("chain source"),
    });
    e.reasons = reasons.iter().map(|r| r.to_string()).collect();
    e
}

#[test]
fn verdicts_on_stale_mirror_state_are_listed_by_spell() {
    let day_ago = Duration::hours(24);
    let ms = Duration::milliseconds(1);
    let (_dir, log) = log_of(&[
        // 1: the mirror exactly 24 hours behind: not stale.
        on_chain(0, "mirror", day_ago, &[]),
        // 2: 24 hours and a millisecond: stale.
        NewEntry {
            at: t(60) + ms,
            ..on_chain(60, "mirror", day_ago, &[])
        },
        // 3: online state two days old is not the mirror's: not listed, does not end a spell.
        on_chain(120, "online", Duration::hours(48), &[]),
        // 4: any verdict that recorded chain.stale.
        on_chain(180, "online", Duration::minutes(5), &["chain.stale"]),
        // 5: the mirror fresh again (30 minutes behind) ends the spell.
        on_chain(240, "mirror", Duration::minutes(30), &[]),
        // 6: stale again: a second spell.
        on_chain(300, "mirror", Duration::hours(30), &[]),
    ]);
    let stale = AttentionKind::StaleMirror;
    let list = log.attention(&day(), china()).expect("attention");
    assert_eq!(
        items(&list),
        [
            (stale, "560".to_string(), vec![2, 4]),
            (stale, "800".to_string(), vec![6]),
        ]
    );
    assert_eq!(
        list[0].detail,
        "2 verifications between 2026-11-25 09:01:00 and 2026-11-25 09:03:00 on stale chain \
         state, the oldest block 560 from 2026-11-24 09:01:00 (24 h 0 min old)"
    );
    // A tighter maximum age makes entry 1 stale too; entry 5 (30 minutes) stays fresh.
    let rules = AttentionRules {
        max_mirror_age: Duration::minutes(30),
        ..AttentionRules::default()
    };
    assert_eq!(
        items(
            &log.attention_with(&day(), china(), &rules)
                .expect("attention")
        ),
        [
            (stale, "560".to_string(), vec![1, 2, 4]),
            (stale, "800".to_string(), vec![6]),
        ]
    );
    // Nothing for a clerk who made none of them.
    let other = Filter {
        clerk: Some("clerk-9".into()),
        ..day()
    };
    assert!(log
        .attention(&other, china())
        .expect("attention")
        .is_empty());
}

#[test]
fn receipts_printed_again_are_listed_from_the_audit_trail() {
    let with_receipt = |s: i64, receipt: &str, counter: &str| NewEntry {
        receipt: Some(receipt.into()),
        counter: counter.into(),
        ..base(t(s))
    };
    let (_dir, mut log) = log_of(&[
        with_receipt(0, "R-1", "1"),
        with_receipt(60, "R-2", "2"),
        with_receipt(120, "R-3", "1"),
    ]);
    let audit = |log: &mut Log, action: &str, receipt: &str, s: i64| {
        log.audit("clerk-1", "clerk", action, receipt, t(s))
            .expect("audit")
    };
    audit(&mut log, "receipt.print", "R-1", 10); // 1: a first print is no reprint
    audit(&mut log, "receipt.print", "R-2", 70); // 2
    audit(&mut log, "receipt.reprint", "R-2", 600); // 3: once
    audit(&mut log, "receipt.reprint", "R-3", 700); // 4: twice
    audit(&mut log, "export.csv", "2026-11-25", 750); // 5
    audit(&mut log, "receipt.reprint", "R-3", 800); // 6
    audit(&mut log, "receipt.reprint", "R-9", 900); // 7: a receipt this log does not hold
    audit(&mut log, "receipt.reprint", "R-1", minutes(24 * 60)); // 8: the next day
    let reprinted = AttentionKind::ReceiptReprinted;
    let list = log.attention(&day(), china()).expect("attention");
    let got: Vec<(AttentionKind, String, Vec<u64>, Vec<u64>)> = list
        .iter()
        .map(|a| {
            (
                a.kind,
                a.subject.clone(),
                a.entries.clone(),
                a.audit.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (reprinted, "R-9".to_string(), vec![], vec![7]),
            (reprinted, "R-2".to_string(), vec![2], vec![3]),
            (reprinted, "R-3".to_string(), vec![3], vec![4, 6]),
        ]
    );
    assert_eq!(
        list[2].detail,
        "receipt R-3 printed again 2 times, last at 2026-11-25 09:13:20 by clerk-1"
    );
    // Counter 2's screen: its receipt only (an unknown receipt matches no counter).
    let counter_2 = Filter {
        counter: Some("2".into()),
        ..day()
    };
    assert_eq!(
        items(&log.attention(&counter_2, china()).expect("attention")),
        [(reprinted, "R-2".to_string(), vec![2])]
    );
    // Only receipts printed again twice or more.
    let rules = AttentionRules {
        reprints: 2,
        ..AttentionRules::default()
    };
    assert_eq!(
        items(
            &log.attention_with(&day(), china(), &rules)
                .expect("attention")
        ),
        [(reprinted, "R-3".to_string(), vec![3])]
    );
}

#[test]
fn a_quiet_day_needs_no_attention() {
    let (_dir, log) = log_of(&[base(t(0)), base(t(60))]);
    assert!(log
        .attention(&day(), china())
        .expect("attention")
        .is_empty());
    assert_eq!(AttentionKind::FailureBurst.as_str(), "failure-burst");
}
