//! The station signs its log's tree by itself (every so many leaves, every so many minutes,
//! at each day's close, after a clock set back), and refuses to purge subject summaries when
//! the clock is far ahead of what the log can vouch for. Real log files, an injected clock.

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_crypto::{Policy, SecretKey, SigAlg};
use countersign_log::{Log, NewEntry};
use countersign_station::{Identity, PrivacyPolicy, Purge, Station};
use countersign_vocab::{ChainSourceKind, ChainUsed, Channel, Verdict};
use std::collections::BTreeMap;

fn t0() -> DateTime<Utc> {
    // 10:00 in the hall (+08:00).
    Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap()
}

fn entry(at: DateTime<Utc>, chain_time: Option<DateTime<Utc>>) -> NewEntry {
    NewEntry {
        at,
        hall: "BJ-CY-01".into(),
        counter: "3".into(),
        clerk: "clerk-007".into(),
        channel: Channel::Scanner,
        credential_type: Some("DiplomaCredential".into()),
        issuer: None,
        issuer_name: None,
        leaf: None,
        verdict: Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: chain_time.map(|t| ChainUsed {
            block: 7,
            block_time: t,
            source: ChainSourceKind::Online,
        }),
        receipt: None,
        personal: BTreeMap::from([("name".to_string(), "刘*".to_string())]),
    }
}

fn station(dir: &tempfile::TempDir, now: DateTime<Utc>) -> Station {
    Station::open(
        dir.path().join("log.sqlite"),
        Identity {
            hall: "BJ-CY-01".into(),
            counter: "3".into(),
            clerk: "clerk-007".into(),
        },
        PrivacyPolicy::default(),
        now,
    )
    .expect("open")
    .closing_days_with("BJ-CY-01", hall_key(), now)
}

fn hall_key() -> SecretKey {
    SecretKey::from_bytes(SigAlg::Ed25519, &[42; 32]).expect("key")
}

fn sizes(station: &Station) -> Vec<u64> {
    station
        .log()
        .checkpoints()
        .expect("checkpoints")
        .iter()
        .map(|c| c.size)
        .collect()
}

#[test]
fn checkpoints_come_by_count_by_time_at_day_close_and_after_a_clock_set_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut station = station(&dir, t0());
    assert_eq!(
        sizes(&station),
        Vec::<u64>::new(),
        "an empty log signs nothing"
    );

    // The first leaf is signed at once; the next ones wait for time or count.
    station
        .log_mut()
        .append(&entry(t0(), None))
        .expect("append");
    station.tick(t0());
    assert_eq!(sizes(&station), [1]);
    for i in 1..5 {
        station
            .log_mut()
            .append(&entry(t0() + Duration::seconds(i), None))
            .expect("append");
        station.tick(t0() + Duration::seconds(i));
    }
    assert_eq!(sizes(&station), [1]);
    // Ten minutes on, whatever is new is signed.
    station.tick(t0() + Duration::minutes(10));
    assert_eq!(sizes(&station), [1, 5]);
    // A hundred leaves within the ten minutes are signed when the hundredth arrives.
    let batch: Vec<NewEntry> = (0..99)
        .map(|i| {
            entry(
                t0() + Duration::minutes(11) + Duration::milliseconds(i),
                None,
            )
        })
        .collect();
    station.log_mut().append_batch(&batch).expect("append");
    station.tick(t0() + Duration::minutes(11));
    assert_eq!(sizes(&station), [1, 5]);
    station
        .log_mut()
        .append(&entry(t0() + Duration::minutes(12), None))
        .expect("append");
    station.tick(t0() + Duration::minutes(12));
    assert_eq!(sizes(&station), [1, 5, 105]);
    // A clock set back signs at once rather than waiting for it to catch up.
    station
        .log_mut()
        .append(&entry(t0() - Duration::hours(1), None))
        .expect("append");
    station.tick(t0() - Duration::hours(1));
    assert_eq!(sizes(&station), [1, 5, 105, 106]);
    // The next day: yesterday is closed, its digest is a leaf, and that is signed at once.
    station.tick(t0() + Duration::days(1));
    assert_eq!(sizes(&station), [1, 5, 105, 106, 107]);
    let check = station.log().verify().expect("verify");
    assert!(check.is_intact(), "{:?}", check.tree.findings);
    assert!(station
        .log()
        .verify_checkpoints(&[hall_key().public()], &Policy::default())
        .expect("signatures")
        .is_empty());
}

#[test]
fn a_purge_is_audited_and_refused_when_the_clock_jumped_ahead_of_the_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let mut log = Log::open(&path).expect("open");
    log.append(&entry(t0(), Some(t0()))).expect("append");
    let later = t0() + Duration::days(90);
    log.append(&entry(later, Some(later))).expect("append");

    // The clock moved 200 days ahead: the newest chain time the log has is 110 days behind.
    let jumped = t0() + Duration::days(200);
    let outcome =
        countersign_station::purge_expired(&mut log, 90, "system", jumped).expect("purge");
    assert_eq!(
        outcome,
        Purge::Refused {
            now: jumped,
            vouched: later
        }
    );
    assert!(!log.entry(1).expect("read").expect("entry").purged);
    let audit = log
        .audit_entries(t0(), jumped + Duration::days(1), 10)
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "purge.refused");
    assert!(
        audit[0].detail.contains("110 days ahead"),
        "{}",
        audit[0].detail
    );

    // A day after the newest verification: the first entry is past 90 days and goes.
    let now = later + Duration::days(1);
    let outcome = countersign_station::purge_expired(&mut log, 90, "system", now).expect("purge");
    assert_eq!(outcome, Purge::Purged(1));
    assert!(log.entry(1).expect("read").expect("entry").purged);
    assert!(!log.entry(2).expect("read").expect("entry").purged);
    let audit = log
        .audit_entries(t0(), now + Duration::days(1), 10)
        .expect("audit");
    assert_eq!(audit[0].action, "purge");
    assert!(log.verify().expect("verify").is_intact());
}
