//! What a busy hall's day costs to export: 3,000 entries (the log's benchmark assumes about
//! 2,740 a day) as a workbook and as CSV, median of several runs, plus the file sizes.
//!
//! `cargo bench -p countersign-export --bench export` runs it at 3,000 entries; under
//! `cargo test --all-targets` (no `--bench` argument) it is a 30-entry smoke run.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_export::{write_csv, xlsx_bytes, ExportOptions};
use countersign_log::{Log, NewEntry};
use countersign_vocab::{ChainSourceKind, ChainUsed, Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::time::{Duration as Elapsed, Instant};

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("day")
}

/// Entry `n` of `total`, spread over office hours 08:30–17:30 hall time, with the mixes of the
/// log's own benchmark: three credential types, one in forty invalid or unverifiable, one
/// credential in fifty scanned again.
fn entry(n: u64, total: u64) -> NewEntry {
    let start = china()
        .from_local_datetime(&day().and_hms_opt(8, 30, 0).expect("time"))
        .single()
        .expect("time")
        .with_timezone(&Utc);
    let at: DateTime<Utc> =
        start + Duration::milliseconds((n * 9 * 3_600_000 / total.max(1)) as i64);
    let kinds = [
        ("BusinessLicenceCredential", "北京市朝阳区市场监督管理局"),
        ("ResidencePermitCredential", "上海市公安局浦东分局"),
        ("DiplomaCredential", "京华大学"),
    ];
    let (kind, issuer_name) = kinds[(n % 3) as usize];
    let leaf_n = if n % 50 == 49 { n - 7 } else { n };
    let mut leaf = [0u8; 32];
    leaf[..8].copy_from_slice(&leaf_n.to_be_bytes());
    let (verdict, failing, reasons) = match n % 40 {
        0 => (Verdict::Invalid, vec!["validity"], vec!["validity.expired"]),
        1 => (
            Verdict::Invalid,
            vec!["signature"],
            vec!["signature.mismatch"],
        ),
        2 => (
            Verdict::Unverifiable,
            vec!["anchor"],
            vec!["anchor.unavailable"],
        ),
        _ => (Verdict::Valid, vec![], vec![]),
    };
    NewEntry {
        at,
        hall: "BJ-CY-01".into(),
        counter: format!("{}", n % 8 + 1),
        clerk: format!("clerk-{:03}", n % 12 + 1),
        channel: if n.is_multiple_of(10) {
            Channel::Camera
        } else {
            Channel::Scanner
        },
        credential_type: Some(kind.into()),
        issuer: Some(format!("did:key:z6Mk{:043}", n % 3)),
        issuer_name: Some(issuer_name.into()),
        leaf: Some(CredentialHash(leaf)),
        verdict,
        failing: failing.into_iter().map(String::from).collect(),
        reasons: reasons.into_iter().map(String::from).collect(),
        chain: Some(ChainUsed {
            block: 1_000_000 + n / 3,
            block_time: at - Duration::seconds(20),
            source: if n.is_multiple_of(25) {
                ChainSourceKind::Mirror
            } else {
                ChainSourceKind::Online
            },
        }),
        receipt: n.is_multiple_of(4).then(|| format!("R-20261125-{n:05}")),
        personal: BTreeMap::from([
            ("name".to_string(), "王*明".to_string()),
            ("id".to_string(), "1101**********1234".to_string()),
        ]),
    }
}

fn median(mut runs: Vec<Elapsed>) -> Elapsed {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Elapsed) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (total, runs) = if full { (3_000u64, 7) } else { (30, 1) };

    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = Log::open(dir.path().join("log.sqlite")).expect("open log");
    let batch: Vec<NewEntry> = (0..total).map(|n| entry(n, total)).collect();
    log.append_batch(&batch).expect("append");
    let entries = log.entries_on(day(), china()).expect("entries");
    let report = log.report(day(), china()).expect("report");
    assert_eq!(entries.len() as u64, total);
    let opts = ExportOptions {
        offset: china(),
        title: "BJ-CY-01 2026-11-25".into(),
    };

    let mut xlsx_size = 0;
    let xlsx: Vec<Elapsed> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let sheet = countersign_export::SummarySheet {
                days: (report.day, report.day),
                summary: &report.summary,
                repeated: &report.repeated,
            };
            let bytes = xlsx_bytes(&entries, &sheet, &opts).expect("xlsx");
            let took = t.elapsed();
            xlsx_size = bytes.len();
            took
        })
        .collect();
    let mut csv_size = 0;
    let csv: Vec<Elapsed> = (0..runs)
        .map(|_| {
            let mut bytes = Vec::new();
            let t = Instant::now();
            write_csv(&entries, &opts, &mut bytes).expect("csv");
            let took = t.elapsed();
            csv_size = bytes.len();
            took
        })
        .collect();

    println!(
        "export of {total} entries ({} run{}, median):",
        runs,
        if runs == 1 { "" } else { "s" }
    );
    println!(
        "  xlsx_bytes  {:8.1} ms  {:7.1} KiB",
        ms(median(xlsx)),
        xlsx_size as f64 / 1024.0
    );
    println!(
        "  write_csv   {:8.1} ms  {:7.1} KiB",
        ms(median(csv)),
        csv_size as f64 / 1024.0
    );
}
