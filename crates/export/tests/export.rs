//! Both exports of one real day's log, read back with real readers (the `csv` crate, calamine)
//! and checked cell by cell.
//!
//! The day, 2026-11-25 in Beijing (+08:00), holds five entries (seq 2–6) between one on the
//! evening before (seq 1) and nothing after:
//! - seq 2, 00:30 hall time (still the 24th in UTC), valid;
//! - seq 3, 09:05, valid, Chinese issuer name, receipt; its subject summary purged;
//! - seq 4, 10:30, invalid with two reasons, counter `=HYPERLINK(…)`, clerk `+1`, no issuer name;
//! - seq 5, 11:00, unverifiable, unreadable credential, no chain;
//! - seq 6, 14:15:30, the credential of seq 3 again at another counter, from the mirror.

use calamine::{open_workbook_from_rs, Data, DataType, Range, Reader, Xlsx};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use countersign_export::{
    write_csv, xlsx_bytes, ExportOptions, SummarySheet, COLUMNS, ENTRIES_SHEET, PURGED,
    SUMMARY_SHEET,
};
use countersign_log::{DayReport, Entry, Log, NewEntry};
use countersign_vocab::{ChainSourceKind, ChainUsed, Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

const INJECTION: &str = "=HYPERLINK(\"http://evil.example\",\"点我\")";
const ISSUER_NAME: &str = "北京市朝阳区市场监督管理局";

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("day")
}

fn hall_time(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    china()
        .with_ymd_and_hms(2026, 11, d, h, m, s)
        .single()
        .expect("time")
        .with_timezone(&Utc)
}

fn naive(h: u32, m: u32, s: u32) -> NaiveDateTime {
    day().and_hms_opt(h, m, s).expect("time")
}

fn base(at: DateTime<Utc>) -> NewEntry {
    NewEntry {
        at,
        hall: "BJ-CY-01".into(),
        counter: "1".into(),
        clerk: "clerk-001".into(),
        channel: Channel::Scanner,
        credential_type: Some("BusinessLicenceCredential".into()),
        issuer: Some("did:key:z6MkIssuerA".into()),
        issuer_name: Some(ISSUER_NAME.into()),
        leaf: Some(CredentialHash([2; 32])),
        verdict: Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: Some(ChainUsed {
            block: 1234,
            block_time: at - chrono::Duration::seconds(20),
            source: ChainSourceKind::Online,
        }),
        receipt: None,
        personal: BTreeMap::from([("name".to_string(), "李*".to_string())]),
    }
}

struct Day {
    _dir: tempfile::TempDir,
    entries: Vec<Entry>,
    report: DayReport,
}

fn the_day() -> Day {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = Log::open(dir.path().join("log.sqlite")).expect("open log");

    let evening_before = base(hall_time(24, 23, 59, 0));
    let after_midnight = base(hall_time(25, 0, 30, 0));
    let purged = NewEntry {
        counter: "3".into(),
        clerk: "clerk-007".into(),
        leaf: Some(CredentialHash([1; 32])),
        receipt: Some("R-20261125-0001".into()),
        personal: BTreeMap::from([
            ("name".to_string(), "王*明".to_string()),
            ("id".to_string(), "1101**********1234".to_string()),
        ]),
        ..base(hall_time(25, 9, 5, 0))
    };
    let invalid = NewEntry {
        counter: INJECTION.into(),
        clerk: "+1".into(),
        channel: Channel::Camera,
        issuer: Some("did:key:z6MkUnregistered".into()),
        issuer_name: None,
        leaf: Some(CredentialHash([4; 32])),
        verdict: Verdict::Invalid,
        failing: vec!["validity".into(), "signature".into()],
        reasons: vec!["validity.expired".into(), "signature.mismatch".into()],
        personal: BTreeMap::from([
            ("name".to_string(), "赵*".to_string()),
            ("doc".to_string(), "-12*".to_string()),
        ]),
        ..base(hall_time(25, 10, 30, 0))
    };
    let unverifiable = NewEntry {
        channel: Channel::Image,
        credential_type: None,
        issuer: None,
        issuer_name: None,
        leaf: None,
        verdict: Verdict::Unverifiable,
        failing: vec!["anchor".into()],
        reasons: vec![],
        chain: None,
        personal: BTreeMap::new(),
        ..base(hall_time(25, 11, 0, 0))
    };
    let repeat = NewEntry {
        counter: "5".into(),
        leaf: Some(CredentialHash([1; 32])),
        chain: Some(ChainUsed {
            block: 1300,
            block_time: hall_time(25, 14, 0, 0),
            source: ChainSourceKind::Mirror,
        }),
        ..base(hall_time(25, 14, 15, 30))
    };
    for entry in [
        evening_before,
        after_midnight,
        purged,
        invalid,
        unverifiable,
        repeat,
    ] {
        log.append(&entry).expect("append");
    }
    // Retention reached for everything before 09:30: seq 1–3 lose their summaries.
    assert_eq!(
        log.purge_personal(hall_time(25, 9, 30, 0), "system", hall_time(26, 9, 0, 0))
            .expect("purge"),
        3
    );
    let entries = log.entries_on(day(), china()).expect("entries");
    let report = log.report(day(), china()).expect("report");
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
    Day {
        _dir: dir,
        entries,
        report,
    }
}

fn opts() -> ExportOptions {
    ExportOptions {
        offset: china(),
        title: "BJ-CY-01 2026-11-25".into(),
    }
}

fn col(name: &str) -> usize {
    COLUMNS
        .iter()
        .position(|c| *c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

// ---------------------------------------------------------------- CSV

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "the CSV must start with the UTF-8 BOM"
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[3..]);
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_holds_the_day_as_excel_reads_it() {
    let day = the_day();
    let mut bytes = Vec::new();
    write_csv(&day.entries, &opts(), &mut bytes).expect("csv");

    // CRLF everywhere: no bare line feed (no value here holds one).
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    assert_eq!(text.matches('\n').count(), 6, "header and five rows");
    assert_eq!(text.matches("\r\n").count(), 6, "every line ends CRLF");
    // RFC 4180: a field with quotes and commas is quoted, its quotes doubled.
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")\""),
        "quoted, defused HYPERLINK cell in {text}"
    );

    let (header, rows) = csv_rows(&bytes);
    assert_eq!(header, COLUMNS);
    assert_eq!(rows.len(), 5);
    let cell = |seq: usize, name: &str| rows[seq - 2][col(name)].as_str();

    assert_eq!(cell(2, "序号 Seq"), "2");
    // 00:30 in the hall is 16:30 UTC the day before: shown hall-local.
    assert_eq!(cell(2, "时间 Time"), "2026-11-25 00:30:00");

    assert_eq!(cell(3, "时间 Time"), "2026-11-25 09:05:00");
    assert_eq!(cell(3, "大厅 Hall"), "BJ-CY-01");
    assert_eq!(cell(3, "窗口 Counter"), "3");
    assert_eq!(cell(3, "办事员 Clerk"), "clerk-007");
    assert_eq!(cell(3, "方式 Channel"), "扫码枪 scanner");
    assert_eq!(
        cell(3, "证照类型 Credential type"),
        "BusinessLicenceCredential"
    );
    assert_eq!(cell(3, "签发机关 Issuer"), ISSUER_NAME);
    assert_eq!(cell(3, "签发者标识 Issuer id"), "did:key:z6MkIssuerA");
    assert_eq!(cell(3, "凭证哈希 Credential hash"), "01".repeat(32));
    assert_eq!(cell(3, "结论 Verdict"), "有效 VALID");
    assert_eq!(cell(3, "未通过的检查 Failing checks"), "");
    assert_eq!(cell(3, "区块 Block"), "1234");
    assert_eq!(cell(3, "区块时间 Block time"), "2026-11-25 09:04:40");
    assert_eq!(cell(3, "链状态来源 Chain source"), "在线 online");
    assert_eq!(cell(3, "回执号 Receipt"), "R-20261125-0001");
    assert_eq!(cell(3, "持证人摘要 Subject (masked)"), PURGED);
    assert_eq!(cell(3, "条目哈希 Entry hash"), hex(&day.entries[1].hash));

    assert_eq!(cell(4, "窗口 Counter"), format!("'{INJECTION}"));
    assert_eq!(cell(4, "办事员 Clerk"), "'+1");
    assert_eq!(cell(4, "方式 Channel"), "摄像头 camera");
    assert_eq!(cell(4, "签发机关 Issuer"), "did:key:z6MkUnregistered");
    assert_eq!(cell(4, "结论 Verdict"), "无效 INVALID");
    assert_eq!(
        cell(4, "未通过的检查 Failing checks"),
        "validity, signature"
    );
    assert_eq!(
        cell(4, "原因 Reasons"),
        "validity.expired, signature.mismatch"
    );
    assert_eq!(cell(4, "持证人摘要 Subject (masked)"), "doc=-12*; name=赵*");

    assert_eq!(cell(5, "结论 Verdict"), "无法确认 UNVERIFIABLE");
    assert_eq!(cell(5, "方式 Channel"), "图片 image");
    for empty in [
        "证照类型 Credential type",
        "签发机关 Issuer",
        "凭证哈希 Credential hash",
        "区块 Block",
        "区块时间 Block time",
        "链状态来源 Chain source",
        "持证人摘要 Subject (masked)",
    ] {
        assert_eq!(cell(5, empty), "", "seq 5 {empty}");
    }

    assert_eq!(cell(6, "时间 Time"), "2026-11-25 14:15:30");
    assert_eq!(cell(6, "链状态来源 Chain source"), "离线镜像 mirror");
    assert_eq!(cell(6, "持证人摘要 Subject (masked)"), "name=李*");
}

#[test]
fn csv_of_an_empty_day_is_the_header_alone() {
    let mut bytes = Vec::new();
    write_csv(&[], &opts(), &mut bytes).expect("csv");
    let (header, rows) = csv_rows(&bytes);
    assert_eq!(header, COLUMNS);
    assert!(rows.is_empty());
}

// ---------------------------------------------------------------- XLSX

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("calamine opens the workbook")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(range: &Range<Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

fn number(range: &Range<Data>, row: usize, col: usize) -> f64 {
    match range.get((row, col)) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

fn datetime(range: &Range<Data>, row: usize, col: usize) -> NaiveDateTime {
    match range.get((row, col)) {
        Some(d @ Data::DateTime(_)) => d.as_datetime().expect("datetime"),
        other => panic!("({row}, {col}) is not a datetime: {other:?}"),
    }
}

/// The sheet's XML, to see what calamine does not report (frozen panes, the filter).
fn sheet_xml(bytes: &[u8], n: usize) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut file = zip
        .by_name(&format!("xl/worksheets/sheet{n}.xml"))
        .expect("sheet xml");
    let mut xml = String::new();
    file.read_to_string(&mut xml).expect("read xml");
    xml
}

#[test]
fn xlsx_entries_sheet_has_typed_cells() {
    let day = the_day();
    let bytes = xlsx_bytes(
        &day.entries,
        &SummarySheet {
            days: (day.report.day, day.report.day),
            summary: &day.report.summary,
            repeated: &day.report.repeated,
        },
        &opts(),
    )
    .expect("xlsx");
    let mut book = open(&bytes);
    assert_eq!(book.sheet_names(), [SUMMARY_SHEET, ENTRIES_SHEET]);

    let range = book.worksheet_range(ENTRIES_SHEET).expect("entries sheet");
    assert_eq!(range.start(), Some((0, 0)));
    assert_eq!(range.height(), 6, "header and five rows");
    for (c, title) in COLUMNS.iter().enumerate() {
        assert_eq!(text(&range, 0, c), *title);
    }
    // Row r holds seq r + 1.
    for r in 1..=5 {
        assert_eq!(number(&range, r, col("序号 Seq")), (r + 1) as f64);
    }
    assert_eq!(datetime(&range, 1, col("时间 Time")), naive(0, 30, 0));
    assert_eq!(datetime(&range, 2, col("时间 Time")), naive(9, 5, 0));
    assert_eq!(datetime(&range, 5, col("时间 Time")), naive(14, 15, 30));
    assert_eq!(
        datetime(&range, 2, col("区块时间 Block time")),
        naive(9, 4, 40)
    );
    assert_eq!(number(&range, 2, col("区块 Block")), 1234.0);
    assert_eq!(text(&range, 2, col("签发机关 Issuer")), ISSUER_NAME);
    assert_eq!(text(&range, 2, col("结论 Verdict")), "有效 VALID");
    assert_eq!(text(&range, 2, col("持证人摘要 Subject (masked)")), PURGED);
    assert_eq!(
        text(&range, 2, col("条目哈希 Entry hash")),
        hex(&day.entries[1].hash)
    );
    assert_eq!(text(&range, 3, col("结论 Verdict")), "无效 INVALID");
    assert_eq!(
        text(&range, 3, col("原因 Reasons")),
        "validity.expired, signature.mismatch"
    );
    // Injection text stays text, unprefixed: a string cell is never evaluated.
    assert_eq!(text(&range, 3, col("窗口 Counter")), INJECTION);
    assert_eq!(text(&range, 3, col("办事员 Clerk")), "+1");
    assert_eq!(
        range.get((4, col("区块 Block"))),
        Some(&Data::Empty),
        "no chain, no block"
    );
    let formulas = book.worksheet_formula(ENTRIES_SHEET).expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "the entries sheet holds no formula"
    );

    let xml = sheet_xml(&bytes, 2);
    assert!(
        xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#),
        "header row frozen"
    );
    assert!(
        xml.contains(r#"<autoFilter ref="A1:S6""#),
        "autofilter over the table"
    );
}

/// The value in column `col` of the first row whose column A reads `label`, searching rows
/// below `after` (the summary's tables repeat labels such as "（无） none").
fn beside(range: &Range<Data>, after: usize, label: &str, col: usize) -> (usize, Data) {
    for r in after..range.height() {
        if range.get((r, 0)) == Some(&Data::String(label.to_string())) {
            return (r, range.get((r, col)).cloned().unwrap_or(Data::Empty));
        }
    }
    panic!("no row {label:?} after row {after}");
}

#[test]
fn xlsx_summary_sheet_reports_the_day() {
    let day = the_day();
    let bytes = xlsx_bytes(
        &day.entries,
        &SummarySheet {
            days: (day.report.day, day.report.day),
            summary: &day.report.summary,
            repeated: &day.report.repeated,
        },
        &opts(),
    )
    .expect("xlsx");
    let mut book = open(&bytes);
    let range = book.worksheet_range(SUMMARY_SHEET).expect("summary sheet");

    assert_eq!(text(&range, 0, 0), "BJ-CY-01 2026-11-25");
    assert_eq!(
        beside(&range, 0, "日期 Day", 1).1,
        Data::String("2026-11-25".into())
    );
    assert_eq!(beside(&range, 0, "总数 Total", 1).1, Data::Float(5.0));
    let (r, first) = beside(&range, 0, "序号范围 Seq range", 1);
    assert_eq!((first, number(&range, r, 2)), (Data::Float(2.0), 6.0));

    let (verdicts, _) = beside(&range, 0, "按结论 By verdict", 0);
    assert_eq!(text(&range, verdicts + 1, 0), "结论 Verdict");
    assert_eq!(
        beside(&range, verdicts, "有效 VALID", 1).1,
        Data::Float(3.0)
    );
    assert_eq!(
        beside(&range, verdicts, "无效 INVALID", 1).1,
        Data::Float(1.0)
    );
    assert_eq!(
        beside(&range, verdicts, "无法确认 UNVERIFIABLE", 1).1,
        Data::Float(1.0)
    );

    let (issuers, _) = beside(&range, 0, "按签发机关 By issuer", 0);
    assert_eq!(beside(&range, issuers, ISSUER_NAME, 1).1, Data::Float(3.0));
    let (counters, _) = beside(&range, 0, "按窗口 By counter", 0);
    assert_eq!(beside(&range, counters, INJECTION, 1).1, Data::Float(1.0));
    let (sources, _) = beside(&range, 0, "按链状态来源 By chain source", 0);
    assert_eq!(
        beside(&range, sources, "未查链 no chain consulted", 1).1,
        Data::Float(1.0)
    );
    let (hours, _) = beside(&range, 0, "按小时 By hour (hall time)", 0);
    assert_eq!(beside(&range, hours, "00:00–01:00", 1).1, Data::Float(1.0));
    assert_eq!(beside(&range, hours, "09:00–10:00", 1).1, Data::Float(1.0));
    assert_eq!(beside(&range, hours, "12:00–13:00", 1).1, Data::Float(0.0));
    let (failures, _) = beside(&range, 0, "未通过原因 Failure reasons", 0);
    assert_eq!(
        beside(&range, failures, "validity.expired", 1).1,
        Data::Float(1.0)
    );
    assert_eq!(beside(&range, failures, "anchor", 1).1, Data::Float(1.0));

    let (repeated, _) = beside(&range, 0, "重复核验的凭证 Repeated credentials", 0);
    let (r, kind) = beside(&range, repeated, &"01".repeat(32), 1);
    assert_eq!(kind, Data::String("BusinessLicenceCredential".into()));
    assert_eq!(number(&range, r, 2), 2.0);
    assert_eq!(text(&range, r, 3), "3, 5");
    assert_eq!(datetime(&range, r, 4), naive(9, 5, 0));
    assert_eq!(datetime(&range, r, 5), naive(14, 15, 30));

    let formulas = book.worksheet_formula(SUMMARY_SHEET).expect("formulas");
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

#[test]
fn xlsx_of_an_empty_day_still_opens_with_both_sheets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = Log::open(dir.path().join("log.sqlite")).expect("open log");
    let report = log.report(day(), china()).expect("report");
    let sheet = SummarySheet {
        days: (report.day, report.day),
        summary: &report.summary,
        repeated: &report.repeated,
    };
    let bytes = xlsx_bytes(&[], &sheet, &opts()).expect("xlsx");
    let mut book = open(&bytes);
    let entries = book.worksheet_range(ENTRIES_SHEET).expect("entries sheet");
    assert_eq!(entries.height(), 1, "header only");
    let summary = book.worksheet_range(SUMMARY_SHEET).expect("summary sheet");
    assert_eq!(beside(&summary, 0, "总数 Total", 1).1, Data::Float(0.0));
    let (verdicts, _) = beside(&summary, 0, "按结论 By verdict", 0);
    assert_eq!(text(&summary, verdicts + 2, 0), "（无） none");
}

/// A range of days: the summary sheet names the range and counts all of it (it once named
/// only the first day).
#[test]
fn xlsx_of_several_days_names_the_range_and_counts_it_all() {
    let day = the_day();
    let log = Log::open(day._dir.path().join("log.sqlite")).expect("open log");
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let last = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let (start, _) = countersign_log::day_bounds(first, china()).expect("bounds");
    let (_, end) = countersign_log::day_bounds(last, china()).expect("bounds");
    let filter = countersign_log::Filter::between(start, end);
    let entries = log.entries_between(start, end).expect("entries");
    let summary = log.summary(&filter, china()).expect("summary");
    assert_eq!(summary.total, entries.len() as u64);
    let sheet = SummarySheet {
        days: (first, last),
        summary: &summary,
        repeated: &[],
    };
    let bytes = xlsx_bytes(&entries, &sheet, &opts()).expect("xlsx");
    let mut book = open(&bytes);
    let range = book.worksheet_range(SUMMARY_SHEET).expect("summary sheet");
    assert_eq!(
        beside(&range, 0, "日期 Day", 1).1,
        Data::String("2026-11-24 – 2026-11-25".into())
    );
    assert_eq!(
        beside(&range, 0, "总数 Total", 1).1,
        Data::Float(entries.len() as f64)
    );
    assert!(
        entries.len() > day.entries.len(),
        "the evening before is counted too"
    );
}
