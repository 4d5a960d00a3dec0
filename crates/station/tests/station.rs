//! The station on the demo credentials (assets/demo) against the demo registry snapshot: what
//! reaches the log, what is kept of the subject, repeats, retention, and a log that cannot be
//! written.

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_chainstate::MemoryChainState;
use countersign_station::{Channel, Identity, Logged, PrivacyPolicy, Station};
use countersign_verify::{FixedClock, Params, Report, VerificationPolicy};
use countersign_vocab::{CredentialHash, Verdict};
use std::path::PathBuf;

fn demo(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn chain() -> MemoryChainState {
    let value: serde_json::Value =
        serde_json::from_slice(&demo("registry-snapshot.json")).expect("snapshot JSON");
    countersign_chainstate::snapshot::from_json(&value).expect("snapshot")
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

fn verify(sample: &str, at: DateTime<Utc>) -> (Vec<u8>, Report) {
    let input = demo(&format!("samples/{sample}.cs1.txt"));
    let chain = chain();
    let clock = FixedClock(at);
    let params = Params {
        clock: &clock,
        chain: Some(&chain),
        policy: VerificationPolicy::default(),
    };
    let report =
        countersign_verify::verify_text(std::str::from_utf8(&input).expect("text"), &params);
    (input, report)
}

fn identity() -> Identity {
    Identity {
        hall: "BJ-CY-01".into(),
        counter: "3".into(),
        clerk: "clerk-007".into(),
    }
}

fn open(dir: &tempfile::TempDir, now: DateTime<Utc>) -> Station {
    Station::open(
        dir.path().join("log.sqlite"),
        identity(),
        PrivacyPolicy::default(),
        now,
    )
    .expect("open station")
}

#[test]
fn a_valid_credential_is_logged_with_a_masked_summary_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut station = open(&dir, noon());
    let (input, report) = verify("valid-residence-permit", noon());
    assert_eq!(report.verdict.as_str(), "VALID");
    let logged = station.record(&report, &input, Channel::Scanner, None);
    assert_eq!(logged, Logged::Entry(1));
    let e = station.log().entry(1).expect("read").expect("entry");
    assert_eq!(e.entry.verdict, Verdict::Valid);
    assert_eq!(e.entry.counter, "3");
    assert_eq!(e.entry.channel, Channel::Scanner);
    assert_eq!(
        e.entry.credential_type.as_deref(),
        Some("ResidencePermitCredential")
    );
    assert_eq!(e.entry.issuer_name.as_deref(), Some("上海市公安局浦东分局"));
    assert_eq!(e.entry.leaf, report.leaf.map(|l| CredentialHash(l.0)));
    assert!(e.entry.failing.is_empty() && e.entry.reasons.is_empty());
    assert_eq!(
        e.entry.chain.as_ref().map(|c| c.source.as_str()),
        Some("memory")
    );
    let kept: Vec<(&str, &str)> = e
        .entry
        .personal
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        kept,
        [
            ("idNumber", "310115********0017"),
            ("name", "张*"),
            ("permitNumber", "31*********0001"),
        ]
    );
    // Nothing else of the credential is anywhere in the file.
    drop(station);
    let bytes = std::fs::read(dir.path().join("log.sqlite")).expect("read file");
    let wal = std::fs::read(dir.path().join("log.sqlite-wal")).unwrap_or_default();
    for secret in ["张伟", "310115199003070017", "祖冲之路", "张江派出所"] {
        let needle = secret.as_bytes();
        for haystack in [&bytes, &wal] {
            assert!(
                !haystack.windows(needle.len()).any(|w| w == needle),
                "{secret} must not be stored"
            );
        }
    }
}

#[test]
fn failures_are_logged_with_their_checks_and_reasons() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut station = open(&dir, noon());
    for (sample, failing, reason) in [
        ("expired-residence-permit", "validity", "validity.expired"),
        ("revoked-diploma", "revocation", "revocation.revoked"),
        (
            "tampered-business-licence",
            "signature",
            "signature.mismatch",
        ),
    ] {
        let (input, report) = verify(sample, noon());
        let Logged::Entry(seq) = station.record(&report, &input, Channel::Image, None) else {
            panic!("{sample} not logged");
        };
        let e = station.log().entry(seq).expect("read").expect("entry");
        assert_eq!(e.entry.verdict, Verdict::Invalid, "{sample}");
        assert_eq!(e.entry.failing, [failing], "{sample}");
        assert_eq!(e.entry.reasons[0], reason, "{sample}");
    }
    let (_, garbage) = {
        let chain = chain();
        let clock = FixedClock(noon());
        let params = Params {
            clock: &clock,
            chain: Some(&chain),
            policy: VerificationPolicy::default(),
        };
        (
            (),
            countersign_verify::verify_text("HELLO WORLD 12345", &params),
        )
    };
    let logged = station.record(&garbage, b"HELLO WORLD 12345", Channel::Scanner, None);
    let Logged::Entry(seq) = logged else {
        panic!("garbage not logged: {logged:?}")
    };
    let e = station.log().entry(seq).expect("read").expect("entry");
    assert_eq!(e.entry.credential_type, None);
    assert_eq!(e.entry.leaf, None);
    assert_eq!(e.entry.failing, ["format"]);
    assert!(e.entry.personal.is_empty());
    assert!(station.log().verify().expect("verify").is_intact());
}

#[test]
fn fail_closed_on_stale_chain_state_logs_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A month after the snapshot's block: far past the policy's 24 hours, yet before the
    // sample expires.
    let late = noon() + Duration::days(30);
    let mut station = open(&dir, late);
    let input = demo("samples/valid-residence-permit.cs1.txt");
    let chain = chain();
    let clock = FixedClock(late);
    let verify_with = |fail_closed_when_stale| {
        let params = Params {
            clock: &clock,
            chain: Some(&chain),
            policy: VerificationPolicy {
                fail_closed_when_stale,
                ..VerificationPolicy::default()
            },
        };
        countersign_verify::verify_text(std::str::from_utf8(&input).expect("text"), &params)
    };

    let closed = verify_with(true);
    assert_eq!(closed.verdict.as_str(), "UNVERIFIABLE");
    let Logged::Entry(seq) = station.record(&closed, &input, Channel::Scanner, None) else {
        panic!("not logged");
    };
    let e = station.log().entry(seq).expect("read").expect("entry");
    assert_eq!(e.entry.verdict, Verdict::Unverifiable);
    assert_eq!(e.entry.failing, ["chain"]);
    assert_eq!(e.entry.reasons, ["chain.stale"]);

    // Fail-open: VALID with a warning, and no failing check in the log.
    let open_report = verify_with(false);
    assert_eq!(open_report.verdict.as_str(), "VALID");
    assert!(open_report.warnings.iter().any(|w| w.code == "chain.stale"));
    let entry = countersign_station::entry_for(
        &open_report,
        &identity(),
        &PrivacyPolicy::default(),
        Channel::Scanner,
        None,
    );
    assert!(entry.failing.is_empty() && entry.reasons.is_empty());
}

#[test]
fn a_repeat_within_seconds_is_shown_but_not_logged_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut station = open(&dir, noon());
    let (input, first) = verify("valid-diploma", noon());
    assert_eq!(
        station.record(&first, &input, Channel::Scanner, None),
        Logged::Entry(1)
    );
    let (_, again) = verify("valid-diploma", noon() + Duration::seconds(3));
    assert_eq!(
        station.record(&again, &input, Channel::Camera, None),
        Logged::Repeat(1)
    );
    // Unreadable input repeats too, by its bytes.
    let (_, other) = verify("valid-business-licence", noon() + Duration::seconds(4));
    assert_eq!(
        station.record(&other, b"x", Channel::Scanner, None),
        Logged::Entry(2)
    );
    let (_, later) = verify("valid-diploma", noon() + Duration::seconds(9));
    assert_eq!(
        station.record(&later, &input, Channel::Scanner, None),
        Logged::Entry(3)
    );
    assert_eq!(station.log().len().expect("len"), 3);
}

#[test]
fn summaries_past_retention_are_purged_when_the_station_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut station = open(&dir, noon());
    let (input, report) = verify("valid-diploma", noon());
    station.record(&report, &input, Channel::Scanner, None);
    drop(station);
    let station = open(&dir, noon() + Duration::days(89));
    assert!(!station.log().entry(1).expect("read").expect("entry").purged);
    drop(station);
    let station = open(&dir, noon() + Duration::days(91));
    let e = station.log().entry(1).expect("read").expect("entry");
    assert!(e.purged && e.entry.personal.is_empty());
    assert_eq!(e.entry.verdict, Verdict::Valid);
    assert!(station.log().verify().expect("verify").is_intact());
}

#[test]
fn a_full_log_says_so_and_records_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut station = open(&dir, noon());
    let (input, report) = verify("valid-diploma", noon());
    assert_eq!(
        station.record(&report, &input, Channel::Scanner, None),
        Logged::Entry(1)
    );
    let pages = std::fs::metadata(dir.path().join("log.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0);
    station
        .log_mut()
        .limit_size(pages.max(4096))
        .expect("limit");
    let mut failed = None;
    for i in 0..200 {
        let (input, report) = verify("valid-business-licence", noon() + Duration::minutes(i + 1));
        match station.record(&report, &input, Channel::Scanner, None) {
            Logged::Entry(_) => {}
            other => {
                failed = Some(other);
                break;
            }
        }
    }
    match failed {
        Some(Logged::Failed {
            storage: true,
            reason,
        }) => {
            assert!(reason.contains("full"), "{reason}")
        }
        other => panic!("expected a full log, got {other:?}"),
    }
    assert!(station.log().verify().expect("verify").is_intact());
}
