//! Exports through the use case the console and the CLI share, on real SQLite files: written
//! and then recorded in the audit trail, never over an earlier file, and not done at all when
//! the record cannot be made.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use countersign_log::{Filter, Log, NewEntry};
use countersign_station::review::{
    export, write_new, Actor, Destination, ExportFormat, ExportSpec, ReviewError,
};
use countersign_vocab::{Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
}

fn at(minute: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T09:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc)
        + Duration::minutes(minute)
}

fn entry(n: i64) -> NewEntry {
    NewEntry {
        at: at(n),
        hall: "BJ-CY-01".into(),
        counter: "1".into(),
        clerk: "clerk-007".into(),
        channel: Channel::Scanner,
        credential_type: Some("DiplomaCredential".into()),
        issuer: Some("did:key:z6MkoNmWXrLyADoLvGr9RMFpNwYDf5amJRKb71FKuCYGkyBE".into()),
        issuer_name: None,
        leaf: Some(CredentialHash([n as u8; 32])),
        verdict: Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: None,
        receipt: None,
        personal: BTreeMap::from([("name".to_string(), "刘*".to_string())]),
    }
}

/// A log of three entries on `day()`.
fn three(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("log.sqlite");
    let mut log = Log::open(&path).expect("open");
    for n in 1..=3 {
        log.append(&entry(n)).expect("append");
    }
    path
}

fn supervisor() -> Actor {
    Actor {
        id: "S-01".into(),
        role: "supervisor".into(),
    }
}

#[test]
fn an_export_is_written_then_recorded_and_never_replaces_an_earlier_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = three(dir.path());
    let read = Log::open_read_only(&path).expect("read");
    let mut audit = Log::open(&path).expect("write");
    let filter = Filter::day(day(), china()).expect("filter");
    for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
        let spec = ExportSpec {
            filter: &filter,
            days: (day(), day()),
            offset: china(),
            title: "BJ-CY-01 2026-11-24".into(),
            describe: "2026-11-24".into(),
            format,
            with_repeats: true,
        };
        let to = Destination::Folder {
            dir: dir.path().join("exports"),
            stem: "BJ-CY-01_2026-11-24_entries".into(),
        };
        let first = export(&read, &mut audit, &spec, &to, &supervisor(), at(60)).expect("1");
        let second = export(&read, &mut audit, &spec, &to, &supervisor(), at(61)).expect("2");
        let ext = format.as_str();
        assert!(first
            .path
            .ends_with(format!("BJ-CY-01_2026-11-24_entries.{ext}")));
        assert!(second
            .path
            .ends_with(format!("BJ-CY-01_2026-11-24_entries-2.{ext}")));
        assert_eq!(first.entries, 3);
        assert!(second.audit > first.audit);
    }
    let trail = audit
        .audit_entries(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, 10)
        .expect("trail");
    assert_eq!(trail.len(), 4);
    let newest = &trail[0];
    assert_eq!(
        (
            newest.actor.as_str(),
            newest.role.as_str(),
            newest.action.as_str()
        ),
        ("S-01", "supervisor", "export.xlsx")
    );
    assert_eq!(
        newest.detail,
        "2026-11-24 -> BJ-CY-01_2026-11-24_entries-2.xlsx (3 entries)"
    );
    let csv = std::fs::read_to_string(dir.path().join("exports/BJ-CY-01_2026-11-24_entries.csv"))
        .expect("csv");
    assert_eq!(csv.lines().count(), 4, "a header and three entries");
}

#[test]
fn an_export_that_cannot_be_recorded_is_not_done() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = three(dir.path());
    let read = Log::open_read_only(&path).expect("read");
    // The trail's connection cannot write: the record fails after the file was written.
    let mut audit = Log::open_read_only(&path).expect("read-only");
    let filter = Filter::day(day(), china()).expect("filter");
    let spec = ExportSpec {
        filter: &filter,
        days: (day(), day()),
        offset: china(),
        title: "t".into(),
        describe: "2026-11-24".into(),
        format: ExportFormat::Csv,
        with_repeats: false,
    };
    let out = dir.path().join("out.csv");
    let err = export(
        &read,
        &mut audit,
        &spec,
        &Destination::File(out.clone()),
        &supervisor(),
        at(60),
    )
    .expect_err("not recorded");
    assert!(matches!(err, ReviewError::NotRecorded(_)), "{err}");
    assert!(!out.exists(), "the file went with the refusal");
}

#[test]
fn a_named_file_that_exists_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("day.csv");
    std::fs::write(&out, b"earlier").expect("earlier file");
    let err = write_new(&Destination::File(out.clone()), "csv", b"new").expect_err("exists");
    assert!(
        err.to_string().contains("exists: choose another file name"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).expect("read"), b"earlier");
}
