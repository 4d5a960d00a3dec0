//! What the log costs at a year's volume: 1,000,000 entries (about 2,740 a day over 365 days,
//! a busy hall), measuring what issue 4 asks of it:
//! - one durable append (WAL, `synchronous=FULL`), median of 200;
//! - a day's report (all groupings, repeats, failure reasons), median over 30 days;
//! - a day's entries read back (what an export reads);
//! - a full integrity check of the chain;
//! - the file size per entry.
//!
//! `cargo bench -p countersign-log --bench log` runs it at 1,000,000 (the loaded file is kept
//! in `target/bench-log-1000000.sqlite` for the next run); under `cargo test --all-targets`
//! (no `--bench` argument) it is a 5,000-entry smoke run in a temporary directory.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_log::{ChainUsed, Channel, Log, NewEntry};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

const DAYS: u64 = 365;
const BATCH: usize = 10_000;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(FixedOffset::east_opt(0).expect("UTC"))
}

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 25).expect("day")
}

/// Entry `n` of `total`: office hours 08:30–17:30 hall time, realistic mixes of types,
/// verdicts, counters and clerks; one credential in 50 is scanned again later that day.
fn entry(n: u64, total: u64) -> NewEntry {
    let per_day = total.div_ceil(DAYS);
    let day = n / per_day;
    let within = n % per_day;
    let start = china()
        .from_local_datetime(&first_day().and_hms_opt(8, 30, 0).expect("time"))
        .single()
        .expect("time")
        .with_timezone(&Utc);
    let at: DateTime<Utc> = start
        + Duration::days(day as i64)
        + Duration::milliseconds((within * 9 * 3_600_000 / per_day) as i64);
    let kinds = [
        ("BusinessLicenceCredential", "北京市朝阳区市场监督管理局"),
        ("ResidencePermitCredential", "上海市公安局浦东分局"),
        ("DiplomaCredential", "京华大学"),
    ];
    let (kind, issuer_name) = kinds[(n % 3) as usize];
    let leaf_n = if n % 50 == 49 { n - 7 } else { n };
    let mut leaf = [0u8; 32];
    leaf[..8].copy_from_slice(&leaf_n.to_be_bytes());
    leaf[8..16].copy_from_slice(&leaf_n.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes());
    let (verdict, failing, reasons) = match n % 40 {
        0 => ("INVALID", vec!["validity"], vec!["validity.expired"]),
        1 => ("INVALID", vec!["signature"], vec!["signature.mismatch"]),
        2 => ("UNVERIFIABLE", vec!["anchor"], vec!["anchor.unavailable"]),
        _ => ("VALID", vec![], vec![]),
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
        leaf: Some(leaf),
        verdict: verdict.into(),
        failing: failing.into_iter().map(String::from).collect(),
        reasons: reasons.into_iter().map(String::from).collect(),
        chain: Some(ChainUsed {
            block: 1_000_000 + n / 3,
            block_time: at - Duration::seconds(20),
            source: if n.is_multiple_of(25) {
                "mirror"
            } else {
                "online"
            }
            .into(),
        }),
        receipt: n.is_multiple_of(4).then(|| format!("R-{n:08}")),
        personal: BTreeMap::from([
            ("name".to_string(), "张*".to_string()),
            ("idNumber".to_string(), "110105********1000".to_string()),
        ]),
    }
}

fn load(path: &Path, total: u64) -> Log {
    let mut log = Log::open(path).expect("open the bench log");
    let have = log.len().expect("len");
    if have >= total {
        eprintln!("reusing {} ({have} entries)", path.display());
        return log;
    }
    let started = Instant::now();
    let mut n = have;
    while n < total {
        let end = (n + BATCH as u64).min(total);
        let batch: Vec<NewEntry> = (n..end).map(|i| entry(i, total)).collect();
        log.append_batch(&batch).expect("append batch");
        n = end;
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "loaded {} entries in {secs:.1} s ({:.0} entries/s in batches of {BATCH})",
        total - have,
        (total - have) as f64 / secs
    );
    log
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn file_size(path: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    std::fs::metadata(path).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let total: u64 = if full { 1_000_000 } else { 5_000 };
    let temp = tempfile::tempdir().expect("temp dir");
    let path = if full {
        let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target");
        target.join(format!("bench-log-{total}.sqlite"))
    } else {
        temp.path().join("log.sqlite")
    };
    let log = load(&path, total);
    let entries = log.len().expect("len");
    println!("entries                        {entries}");
    println!(
        "file size                      {:.1} MiB, {:.0} bytes per entry",
        file_size(&path) as f64 / 1_048_576.0,
        file_size(&path) as f64 / entries as f64
    );

    let mut report_ms = Vec::new();
    let mut read_ms = Vec::new();
    let mut day_entries = 0;
    for d in 0..30 {
        let day = first_day() + Duration::days(d * 12);
        let t = Instant::now();
        let report = log.report(day, china()).expect("report");
        report_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(report.total > 0, "day {day} has entries");
        let t = Instant::now();
        day_entries = log.entries_on(day, china()).expect("entries").len();
        read_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "daily report                   median {:.2} ms ({day_entries} entries a day)",
        median(report_ms)
    );
    println!(
        "a day's entries read back      median {:.2} ms",
        median(read_ms)
    );

    let t = Instant::now();
    let integrity = log.verify().expect("verify");
    let secs = t.elapsed().as_secs_f64();
    assert!(integrity.is_intact(), "{:?}", integrity.findings.first());
    println!(
        "full integrity check           {secs:.2} s ({:.2} µs per entry)",
        secs * 1e6 / integrity.entries as f64
    );
    drop(log);

    // Durable appends on a copy, so the kept file stays at `total` entries.
    let copy = temp.path().join("append.sqlite");
    std::fs::copy(&path, &copy).expect("copy the log");
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if wal.exists() {
        std::fs::copy(&wal, format!("{}-wal", copy.display())).expect("copy the WAL");
    }
    let mut log = Log::open(&copy).expect("open copy");
    let mut append_ms = Vec::new();
    for i in 0..200 {
        let e = entry(total + i, total);
        let t = Instant::now();
        log.append(&e).expect("append");
        append_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "one durable append             median {:.2} ms (p90 {:.2} ms)",
        median(append_ms.clone()),
        {
            let mut s = append_ms;
            s.sort_by(f64::total_cmp);
            s[s.len() * 9 / 10]
        }
    );
}
