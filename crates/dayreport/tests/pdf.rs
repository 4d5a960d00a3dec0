//! The daily report composed from a day's figures, rendered to PDF and read back with poppler
//! (`pdftotext`, `pdfinfo`), as the supervisor's printer would get it. poppler-utils comes
//! from `scripts/system-packages.sh`; a missing tool fails the test, it is never skipped.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_dayreport::{compose, DigestInfo, DEFAULT_PAPER, MAX_REPEATS_LISTED};
use countersign_i18n::{both, t, Lang};
use countersign_log::{Count, DayReport, LogSummary, Repeat};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::{Block, Document, Paper};
use std::path::PathBuf;
use std::process::Command;

const INSTALL: &str = "install poppler-utils with scripts/system-packages.sh";

const HALL: &str = "北京市朝阳区政务服务中心";

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): {INSTALL}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler prints UTF-8")
}

fn count(key: &str, n: u64) -> Count {
    Count {
        key: Some(key.to_owned()),
        count: n,
    }
}

fn offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00")
}

/// Hall-local 2025-03-14 at `h:m`, in UTC.
fn at(h: u32, m: u32) -> DateTime<Utc> {
    offset()
        .with_ymd_and_hms(2025, 3, 14, h, m, 0)
        .single()
        .expect("a local time")
        .with_timezone(&Utc)
}

/// The failure reasons of the test day: reason codes, and one entry from before reasons were
/// recorded (its failing check's id).
const FAILURES: [(&str, &str); 4] = [
    ("signature.mismatch", "reason.signature.mismatch"),
    ("validity.expired", "reason.validity.expired"),
    ("issuer.unregistered", "reason.issuer.unregistered"),
    ("format", "check.format"),
];

/// A busy day at a hall with `clerks` clerks: 128 verifications, 8 failures, two repeats.
fn day(clerks: usize) -> DayReport {
    let clerks = clerks.max(1);
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
    let per_clerk = 128 / clerks as u64;
    let by_clerk = (0..clerks)
        .map(|i| {
            let extra = u64::from(i == 0) * (128 - per_clerk * clerks as u64);
            count(&format!("clerk-{:03}", i + 1), per_clerk + extra)
        })
        .collect();
    DayReport {
        day: NaiveDate::from_ymd_opt(2025, 3, 14).expect("a date"),
        offset: offset(),
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
            by_clerk,
            by_counter: (1..=6)
                .map(|c| count(&c.to_string(), [40, 30, 20, 18, 12, 8][c - 1]))
                .collect(),
            by_channel: vec![count("scanner", 120), count("camera", 5), count("image", 3)],
            by_chain_source: vec![
                count("online", 110),
                count("mirror", 15),
                Count {
                    key: None,
                    count: 3,
                },
            ],
            by_hour,
            failures: FAILURES
                .iter()
                .zip([4, 3, 1, 1])
                .map(|((code, _), n)| count(code, n))
                .collect(),
        },
        repeated: vec![
            Repeat {
                leaf: countersign_vocab::CredentialHash([0xAB; 32]),
                credential_type: Some("BusinessLicenceCredential".into()),
                count: 3,
                counters: vec!["1".into(), "3".into()],
                first: at(9, 12),
                last: at(15, 40),
            },
            Repeat {
                leaf: countersign_vocab::CredentialHash([0x5C; 32]),
                credential_type: None,
                count: 2,
                counters: vec!["2".into()],
                first: at(10, 5),
                last: at(10, 7),
            },
        ],
    }
}

fn digest() -> DigestInfo {
    DigestInfo {
        digest_hex: "3f2a9c0e41d2b8a67f3a9c0e41d2b8a6d4c1e7f09b8a7c6d5e4f3a2b1c0d9e8f".into(),
        public_key_hex: "8b1e5c2d7a6f4e3b9c0d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f".into(),
        signature_hex: "aa".repeat(64),
        anchored: Some("0x9e1f0c3b5a7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f".into()),
    }
}

fn printed_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 15, 0, 30, 0)
        .single()
        .expect("a time")
}

/// A rendered report on disk, removed with its directory when dropped.
struct Rendered {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Rendered {
    fn new(doc: &Document) -> Self {
        let pdf = countersign_pdf::render(doc, &Fonts::embedded_only()).expect("renders");
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, pdf).expect("writes the PDF");
        Self { _dir: dir, path }
    }

    fn arg(&self) -> &str {
        self.path.to_str().expect("temp paths are UTF-8")
    }

    fn text(&self) -> String {
        poppler("pdftotext", &["-layout", "-enc", "UTF-8", self.arg(), "-"])
    }

    fn pages(&self) -> usize {
        let info = poppler("pdfinfo", &[self.arg()]);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in\n{info}"))
    }
}

/// The line of `text` holding `label`.
fn line_of<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{text}"))
}

#[test]
fn the_report_reads_back_in_both_languages() {
    let doc = compose(
        &day(6),
        Some(&digest()),
        HALL,
        printed_at(),
        "值班主管 S-01",
        DEFAULT_PAPER,
    );
    assert_eq!(doc.paper, Paper::A4);
    let fonts = Fonts::embedded_only();
    assert_eq!(fonts.missing(doc.chars()), Vec::<char>::new());
    let pdf = Rendered::new(&doc);
    let text = pdf.text();
    assert!(pdf.pages() >= 1);

    // Heading: the hall, the title in Chinese then English, the day.
    for want in [
        HALL,
        "每日核验报告 Daily verification report",
        "2025-03-14 (UTC+08:00)",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    // Totals, with the verdicts' shares.
    assert!(line_of(&text, "核验次数 Verifications").contains("128"));
    assert!(line_of(&text, "有效 VALID").contains("112 (87.5%)"));
    assert!(line_of(&text, "无效 INVALID").contains("9 (7.0%)"));
    assert!(line_of(&text, "无法确认 CANNOT CONFIRM").contains("7 (5.5%)"));
    assert!(line_of(&text, "日志序号 Log entries").contains("#1201–#1328"));
    assert!(line_of(&text, "扫码枪 scanner").contains("scanner 120"));
    // Every chart's title.
    for key in [
        "dayreport.chart.verdicts",
        "dayreport.chart.hours",
        "dayreport.chart.failures",
        "dayreport.chart.clerks",
        "dayreport.counters",
        "dayreport.types",
        "dayreport.issuers",
        "dayreport.repeats",
        "dayreport.digest",
    ] {
        let title = both(key);
        assert!(text.contains(&title), "{title:?} not in\n{text}");
    }
    // Each failure reason, Chinese beside its bar and count, English under it.
    for ((_, key), n) in FAILURES.iter().zip([4, 3, 1, 1]) {
        let (zh, en) = (t(key, Lang::ZhCn), t(key, Lang::En));
        assert!(
            line_of(&text, zh).trim_end().ends_with(&n.to_string()),
            "{zh:?} without its count {n}:\n{text}"
        );
        assert!(words(&text).contains(&words(en)), "{en:?} not in\n{text}");
    }
    // The hours from 08:00 to 16:00, the lunch hour's empty bar among them.
    for hour in ["08:00", "12:00", "16:00"] {
        assert!(text.contains(hour), "{hour} not in\n{text}");
    }
    assert!(!text.contains("07:00") && !text.contains("17:00"));
    // Types by name, issuers as registered.
    assert!(text.contains("营业执照 Business licence"));
    assert!(text.contains("北京市朝阳区市场监督管理局"));
    // Repeats: count, counters, times, a short reference; never the whole hash.
    let repeat = line_of(&text, "#abababab");
    for want in ["3 次 times", "营业执照", "窗口 Counter 1, 3", "09:12–15:40"] {
        assert!(repeat.contains(want), "{want:?} not in {repeat:?}");
    }
    assert!(
        !text.contains(&"ab".repeat(9)),
        "a whole leaf hash is printed"
    );
    // The digest, whole, and the footer.
    let d = digest();
    for want in [
        d.digest_hex.as_str(),
        d.public_key_hex.as_str(),
        &d.signature_hex[..64],
        &d.signature_hex[64..],
        d.anchored.as_deref().unwrap_or_default(),
    ] {
        assert!(text.contains(want), "{want} not in\n{text}");
    }
    assert!(text.contains("打印于 2025-03-15 08:30，打印人：值班主管 S-01"));
    assert!(text.contains("Printed at 2025-03-15 08:30 by 值班主管 S-01"));
}

/// `text`'s words joined by single spaces (a label may wrap across lines of its column).
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn forty_clerks_break_into_pages_sanely() {
    let doc = compose(&day(40), None, HALL, printed_at(), "S-01", DEFAULT_PAPER);
    let pdf = Rendered::new(&doc);
    let pages = pdf.pages();
    assert!((2..=6).contains(&pages), "{pages} pages");
    let text = pdf.text();
    for i in 1..=40 {
        let clerk = format!("clerk-{i:03}");
        assert_eq!(
            text.matches(&clerk).count(),
            1,
            "{clerk} not once in\n{text}"
        );
    }
    // The clerks' chart is whole on one page with its title.
    let pages_text: Vec<String> = (1..=pages)
        .map(|p| {
            let p = p.to_string();
            poppler(
                "pdftotext",
                &[
                    "-layout",
                    "-enc",
                    "UTF-8",
                    "-f",
                    &p,
                    "-l",
                    &p,
                    pdf.arg(),
                    "-",
                ],
            )
        })
        .collect();
    let title = both("dayreport.chart.clerks");
    let page = pages_text
        .iter()
        .find(|t| t.contains(&title))
        .unwrap_or_else(|| panic!("no {title:?}"));
    assert!(
        page.contains("clerk-001") && page.contains("clerk-040"),
        "{page}"
    );
    // Without a digest the report says the day is not closed.
    let missing = t("dayreport.digest.missing", Lang::En);
    assert!(words(&text).contains(missing), "{missing:?} not in\n{text}");
}

#[test]
fn an_empty_day_and_every_paper_render() {
    let mut empty = day(1);
    empty.summary.total = 0;
    empty.summary.range = None;
    for list in [
        &mut empty.summary.by_verdict,
        &mut empty.summary.by_type,
        &mut empty.summary.by_issuer,
        &mut empty.summary.by_clerk,
        &mut empty.summary.by_counter,
        &mut empty.summary.by_channel,
        &mut empty.summary.by_chain_source,
        &mut empty.summary.failures,
    ] {
        list.clear();
    }
    empty.summary.by_hour = [0; 24];
    empty.repeated.clear();
    let doc = compose(&empty, None, HALL, printed_at(), "S-01", DEFAULT_PAPER);
    assert!(!doc.blocks.iter().any(|b| matches!(b, Block::Bars { .. })));
    let text = Rendered::new(&doc).text();
    assert!(text.contains(&both("dayreport.empty")), "{text}");

    for paper in Paper::ALL {
        let doc = compose(&day(12), Some(&digest()), HALL, printed_at(), "S-01", paper);
        let pdf = Rendered::new(&doc);
        assert!(pdf.pages() >= 1, "{paper:?}");
        let text = words(&pdf.text());
        assert!(
            text.contains("每日核验报告 Daily verification report"),
            "{paper:?}"
        );
    }
}

#[test]
fn many_repeats_are_listed_up_to_the_limit() {
    let mut report = day(3);
    let repeat = report.repeated[0].clone();
    report.repeated = (0..MAX_REPEATS_LISTED + 5)
        .map(|i| Repeat {
            leaf: countersign_vocab::CredentialHash([u8::try_from(i).unwrap_or(0); 32]),
            ..repeat.clone()
        })
        .collect();
    let doc = compose(&report, None, HALL, printed_at(), "S-01", Paper::A4);
    let text = Rendered::new(&doc).text();
    assert_eq!(text.matches("3 次 times").count(), MAX_REPEATS_LISTED);
    assert!(
        text.contains("另有 5 项未列出。 5 more not listed."),
        "{text}"
    );
}
