//! Writes a sample daily report (a busy day at a hall with eight clerks, closed and signed) to
//! look at or print: `cargo run -p countersign-dayreport --example sample -- [file.pdf] [paper]`
//! (default `target/dayreport/sample-a4.pdf`, paper `a4`; `80mm`, `58mm`, `a6` also work).

use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_dayreport::{compose, DigestInfo, DEFAULT_PAPER};
use countersign_log::{Count, DayReport, LogSummary, Repeat};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::Paper;
use std::path::PathBuf;

fn count(key: &str, n: u64) -> Count {
    Count {
        key: Some(key.to_owned()),
        count: n,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/dayreport/sample-a4.pdf".into()),
    );
    let paper = match args.next() {
        Some(p) => Paper::parse(&p).ok_or(format!("unknown paper {p:?}"))?,
        None => DEFAULT_PAPER,
    };
    let offset = FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
    let local = |h, m| {
        offset
            .with_ymd_and_hms(2025, 3, 14, h, m, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or("time")
    };
    let mut by_hour = [0; 24];
    for (h, n) in [
        (8, 6),
        (9, 18),
        (10, 22),
        (11, 17),
        (13, 15),
        (14, 20),
        (15, 19),
        (16, 11),
    ] {
        by_hour[h] = n;
    }
    let report = DayReport {
        day: NaiveDate::from_ymd_opt(2025, 3, 14).ok_or("date")?,
        offset,
        summary: LogSummary {
            total: 128,
            range: Some((1201, 1328)),
            by_verdict: vec![
                count("VALID", 112),
                count("INVALID", 9),
                count("UNVERIFIABLE", 7),
            ],
            by_type: vec![
                count("BusinessLicenceCredential", 70),
                count("ResidencePermitCredential", 40),
                count("DiplomaCredential", 15),
                Count {
                    key: None,
                    count: 3,
                },
            ],
            by_issuer: vec![
                count("北京市朝阳区市场监督管理局", 70),
                count("北京市公安局朝阳分局", 40),
                count(
                    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                    15,
                ),
                Count {
                    key: None,
                    count: 3,
                },
            ],
            by_clerk: [28, 22, 19, 17, 15, 12, 9, 6]
                .iter()
                .enumerate()
                .map(|(i, n)| count(&format!("clerk-{:03}", i + 1), *n))
                .collect(),
            by_counter: [40, 30, 20, 18, 12, 8]
                .iter()
                .enumerate()
                .map(|(i, n)| count(&(i + 1).to_string(), *n))
                .collect(),
            by_channel: vec![count("scanner", 120), count("camera", 5), count("image", 3)],
            by_chain_source: vec![count("online", 110), count("mirror", 18)],
            by_hour,
            failures: vec![
                count("signature.mismatch", 4),
                count("validity.expired", 3),
                count("issuer.unregistered", 1),
                count("format", 1),
            ],
        },
        repeated: vec![
            Repeat {
                leaf: countersign_vocab::CredentialHash([0xAB; 32]),
                credential_type: Some("BusinessLicenceCredential".into()),
                count: 3,
                counters: vec!["1".into(), "3".into()],
                first: local(9, 12)?,
                last: local(15, 40)?,
            },
            Repeat {
                leaf: countersign_vocab::CredentialHash([0x5C; 32]),
                credential_type: None,
                count: 2,
                counters: vec!["2".into()],
                first: local(10, 5)?,
                last: local(10, 7)?,
            },
        ],
    };
    let digest = DigestInfo {
        digest_hex: "3f2a9c0e41d2b8a67f3a9c0e41d2b8a6d4c1e7f09b8a7c6d5e4f3a2b1c0d9e8f".into(),
        public_key_hex: "8b1e5c2d7a6f4e3b9c0d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f".into(),
        signature_hex: "5d0c".repeat(32),
        anchored: Some("0x9e1f0c3b5a7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f".into()),
    };
    let printed = Utc
        .with_ymd_and_hms(2025, 3, 15, 0, 30, 0)
        .single()
        .ok_or("time")?;
    let doc = compose(
        &report,
        Some(&digest),
        "北京市朝阳区政务服务中心",
        printed,
        "值班主管 S-01",
        paper,
    );
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, countersign_pdf::render(&doc, &Fonts::default())?)?;
    println!("{}", path.display());
    Ok(())
}
