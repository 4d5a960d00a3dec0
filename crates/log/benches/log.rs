//! What the log costs at a year's volume: 1,000,000 entries (about 2,740 a day over 365 days,
//! a busy hall), measuring what issue 4 asks of it:
//! - one durable append (WAL, `synchronous=FULL`), median of 200; and with the station's
//!   checkpoint policy (a signed checkpoint every 100 leaves), median, p99 and max of 1,000;
//! - an inclusion proof of an entry and a consistency proof between checkpoints: size and time;
//! - a day's report (all groupings, repeats, failure reasons), median over 30 days;
//! - a day's entries read back (what an export reads);
//! - a full integrity check of the chain;
//! - the file size per entry;
//! - the supervisor's review: the first page (50 rows, newest first) of (a) one day unfiltered,
//!   (b) a month filtered by clerk, (c) the year filtered by verdict INVALID and by issuer, and
//!   a page deep into (c) by its cursors; `count` of each; `summary` of a day and of a month;
//!   the attention list of a day.
//!
//! `cargo bench -p countersign-log --bench log` runs it at 1,000,000 (the loaded file is kept
//! in `target/bench-log-1000000.sqlite` for the next run); under `cargo test --all-targets`
//! (no `--bench` argument) it is a 5,000-entry smoke run in a temporary directory.
//! `COUNTERSIGN_BENCH_PROFILE=guomi` measures an SM3 log whose checkpoints are signed with SM2
//! (its file is `target/bench-log-1000000-guomi.sqlite`); `COUNTERSIGN_BENCH_ENTRIES=N` loads
//! N entries instead of 1,000,000. Either way it ends with what one checkpoint signature costs
//! under each algorithm (sign and verify a checkpoint note, median of 200).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_crypto::{Policy, Profile, SecretKey, SigAlg};
use countersign_log::{Filter, Log, NewEntry};
use countersign_vocab::{ChainSourceKind, ChainUsed, Channel, CredentialHash, Verdict};
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
        receipt: n.is_multiple_of(4).then(|| format!("R-{n:08}")),
        personal: BTreeMap::from([
            ("name".to_string(), "张*".to_string()),
            ("idNumber".to_string(), "110105********1000".to_string()),
        ]),
    }
}

fn load(path: &Path, total: u64, profile: Profile) -> Log {
    let mut log = Log::open_with_hash(path, profile.hash()).expect("open the bench log");
    assert_eq!(
        log.hash(),
        profile.hash(),
        "{} is another profile's",
        path.display()
    );
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
    let profile = match std::env::var("COUNTERSIGN_BENCH_PROFILE") {
        Ok(name) => Profile::from_name(&name).expect("COUNTERSIGN_BENCH_PROFILE"),
        Err(_) => Profile::Standard,
    };
    let total: u64 = match std::env::var("COUNTERSIGN_BENCH_ENTRIES") {
        Ok(n) => n.parse().expect("COUNTERSIGN_BENCH_ENTRIES"),
        Err(_) if full => 1_000_000,
        Err(_) => 5_000,
    };
    let temp = tempfile::tempdir().expect("temp dir");
    let path = if full {
        let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target");
        match profile {
            Profile::Standard => target.join(format!("bench-log-{total}.sqlite")),
            other => target.join(format!("bench-log-{total}-{other}.sqlite")),
        }
    } else {
        temp.path().join("log.sqlite")
    };
    println!(
        "profile                        {profile} ({} log, {} checkpoints)",
        profile.hash(),
        profile.sig()
    );
    let t = Instant::now();
    let mut log = load(&path, total, profile);
    eprintln!(
        "opened (and migrated if older) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let signer = countersign_tlog::note::NoteSigner::new(
        &log.origin("BJ-CY-01"),
        SecretKey::from_bytes(profile.sig(), &[42; 32]).expect("key"),
    )
    .expect("signer");
    log.checkpoint(&signer, first_day_start())
        .expect("checkpoint");
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
        assert!(report.summary.total > 0, "day {day} has entries");
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

    review(&log);

    let t = Instant::now();
    let integrity = log.verify().expect("verify");
    let secs = t.elapsed().as_secs_f64();
    assert!(integrity.is_intact(), "{:?}", integrity.findings.first());
    assert!(integrity.tree.newest_checkpoint.is_some());
    println!(
        "full integrity check           {secs:.2} s ({:.2} µs per entry; chains, {} tree leaves, checkpoints)",
        secs * 1e6 / integrity.entries as f64,
        integrity.tree.leaves
    );

    let size = log.tree_size().expect("size");
    let (ms, proof) = timed(|| log.entry_proof(entries / 2, size).expect("proof"));
    let proof = proof.expect("an entry in the tree");
    println!(
        "inclusion proof of one entry   {ms:.2} ms, {} hashes = {} bytes (tree of {size})",
        proof.proof.len(),
        proof.proof.len() * 32
    );
    let (ms, consistency) = timed(|| log.consistency_proof(size / 3, size).expect("proof"));
    println!(
        "consistency proof              {ms:.2} ms, {} hashes = {} bytes ({} → {size})",
        consistency.len(),
        consistency.len() * 32,
        size / 3
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
    // The station's policy: a checkpoint signed (its own durable transaction) every 100 leaves;
    // the append that triggers one waits for it.
    let mut with_ms = Vec::new();
    let mut checkpoint_ms = Vec::new();
    for i in 0..1_000 {
        let e = entry(total + 200 + i, total);
        let t = Instant::now();
        log.append(&e).expect("append");
        if (i + 1) % countersign_defaults::CHECKPOINT_EVERY_LEAVES == 0 {
            let c = Instant::now();
            log.checkpoint(&signer, e.at).expect("checkpoint");
            checkpoint_ms.push(c.elapsed().as_secs_f64() * 1e3);
        }
        with_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut sorted = with_ms.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "append, checkpoint every 100   median {:.2} ms (p99 {:.2} ms, max {:.2} ms); one checkpoint median {:.2} ms",
        median(with_ms),
        sorted[sorted.len() * 99 / 100],
        sorted[sorted.len() - 1],
        median(checkpoint_ms)
    );
    signatures(&log);
}

/// One checkpoint note signed and opened under each algorithm, whatever the profile: what a
/// checkpoint's signature adds to its transaction (and a receipt check's note to its proof).
fn signatures(log: &Log) {
    let newest = log
        .newest_checkpoint()
        .expect("read")
        .expect("a checkpoint");
    let both = Policy::new(Profile::Guomi, &[Profile::Standard]);
    for alg in SigAlg::ALL {
        let signer = countersign_tlog::note::NoteSigner::new(
            &log.origin("BJ-CY-01"),
            SecretKey::from_bytes(alg, &[42; 32]).expect("key"),
        )
        .expect("signer");
        let checkpoint = countersign_tlog::note::Checkpoint {
            origin: signer.name().to_owned(),
            size: newest.size,
            root: newest.root,
        };
        let (mut sign_us, mut open_us) = (Vec::new(), Vec::new());
        for _ in 0..200 {
            let t = Instant::now();
            let note = checkpoint.sign(&signer).expect("sign");
            sign_us.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            countersign_tlog::note::Checkpoint::open(&note, &signer.verifier(), &both)
                .expect("open");
            open_us.push(t.elapsed().as_secs_f64() * 1e6);
        }
        println!(
            "{:<31}sign median {:.0} µs, verify median {:.0} µs",
            format!("checkpoint signature, {alg}"),
            median(sign_us),
            median(open_us)
        );
    }
}

fn first_day_start() -> DateTime<Utc> {
    china()
        .from_local_datetime(&first_day().and_hms_opt(0, 0, 0).expect("time"))
        .single()
        .expect("time")
        .with_timezone(&Utc)
        + Duration::days(DAYS as i64)
}

/// Runs `f`, returning how long it took in milliseconds and what it returned.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed().as_secs_f64() * 1e3, out)
}

fn print_median(what: &str, samples: Vec<f64>, note: &str) {
    let max = samples.iter().copied().fold(0.0, f64::max);
    println!(
        "{what:<34}median {:.2} ms (max {max:.2} ms){note}",
        median(samples)
    );
}

/// The supervisor's review screen: pages, counts, summaries and the attention list.
fn review(log: &Log) {
    let start = china()
        .from_local_datetime(&first_day().and_hms_opt(0, 0, 0).expect("time"))
        .single()
        .expect("time")
        .with_timezone(&Utc);
    let days = |from: i64, n: i64| {
        Filter::between(
            start + Duration::days(from),
            start + Duration::days(from + n),
        )
    };
    let names = [
        "北京市朝阳区市场监督管理局",
        "上海市公安局浦东分局",
        "京华大学",
    ];

    // (a) one day, unfiltered, 30 days across the year.
    let (mut page_ms, mut count_ms, mut summary_ms, mut attention_ms) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut rows = (0, 0, 0);
    for d in 0..30 {
        let filter = days(d * 12, 1);
        let (ms, page) = timed(|| log.page(&filter, None, 50).expect("page"));
        page_ms.push(ms);
        assert!(!page.entries.is_empty(), "day {d} has entries");
        let (ms, n) = timed(|| log.count(&filter).expect("count"));
        count_ms.push(ms);
        let (ms, summary) = timed(|| log.summary(&filter, china()).expect("summary"));
        summary_ms.push(ms);
        assert_eq!(summary.total, n);
        let (ms, list) = timed(|| log.attention(&filter, china()).expect("attention"));
        attention_ms.push(ms);
        rows = (n, list.len(), 0);
    }
    let note = format!(" ({} entries)", rows.0);
    print_median("(a) day, unfiltered: page 1", page_ms, "");
    print_median("(a) day, unfiltered: count", count_ms, &note);
    print_median("summary of a day", summary_ms, &note);
    print_median(
        "attention list of a day",
        attention_ms,
        &format!(" ({} items)", rows.1),
    );

    // (b) a month (30 days) filtered by clerk, twelve months.
    let (mut page_ms, mut count_ms, mut summary_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut month = (0, 0);
    for m in 0..12 {
        let filter = Filter {
            clerk: Some(format!("clerk-{:03}", m % 12 + 1)),
            ..days(m * 30, 30)
        };
        let (ms, page) = timed(|| log.page(&filter, None, 50).expect("page"));
        page_ms.push(ms);
        let (ms, n) = timed(|| log.count(&filter).expect("count"));
        count_ms.push(ms);
        assert_eq!(page.entries.len() as u64, n.min(50));
        let unfiltered = days(m * 30, 30);
        let (ms, summary) = timed(|| log.summary(&unfiltered, china()).expect("summary"));
        summary_ms.push(ms);
        month = (n, summary.total);
    }
    print_median("(b) month, one clerk: page 1", page_ms, "");
    print_median(
        "(b) month, one clerk: count",
        count_ms,
        &format!(" ({} entries)", month.0),
    );
    print_median(
        "summary of a month",
        summary_ms,
        &format!(" ({} entries)", month.1),
    );

    // (c) the year, INVALID verdicts of one issuer (by its registered name), each issuer
    // three times.
    let (mut page_ms, mut count_ms, mut deep_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut year = 0;
    for i in 0..9 {
        let filter = Filter {
            verdict: Some(Verdict::Invalid),
            issuer: Some(names[i % 3].into()),
            ..days(0, 366)
        };
        let (ms, page) = timed(|| log.page(&filter, None, 50).expect("page"));
        page_ms.push(ms);
        let (ms, n) = timed(|| log.count(&filter).expect("count"));
        count_ms.push(ms);
        assert_eq!(page.entries.len() as u64, n.min(50));
        year = n;
        // The 20th page, reached by following the cursors.
        let mut before = page.next;
        for _ in 0..18 {
            before = log.page(&filter, before, 50).expect("page").next;
        }
        let (ms, deep) = timed(|| log.page(&filter, before, 50).expect("page"));
        deep_ms.push(ms);
        assert!(n < 1000 || deep.entries.len() == 50);
    }
    print_median("(c) year, INVALID+issuer: page 1", page_ms, "");
    print_median(
        "(c) year, INVALID+issuer: count",
        count_ms,
        &format!(" ({year} entries)"),
    );
    print_median("(c) year: 20th page by cursor", deep_ms, "");

    // The whole year counted, unfiltered and by clerk.
    let (ms, n) = timed(|| log.count(&days(0, 366)).expect("count"));
    println!("{:<34}{ms:.2} ms ({n} entries)", "count, year unfiltered");
    let clerk_year = Filter {
        clerk: Some("clerk-005".into()),
        ..days(0, 366)
    };
    let (ms, n) = timed(|| log.count(&clerk_year).expect("count"));
    println!("{:<34}{ms:.2} ms ({n} entries)", "count, year, one clerk");
}
