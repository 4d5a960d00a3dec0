//! Supervisors' exports of the verification log: a day's entries as CSV, and a workbook (XLSX)
//! with the day's report on a first sheet and the entries on a second.
//!
//! A supervisor opens these in Excel or WPS on a Windows office PC, so the CSV starts with a
//! UTF-8 byte-order mark (without it Excel reads Chinese as mojibake), uses CRLF line ends and
//! RFC 4180 quoting, and its header row is bilingual. The values come partly from credentials,
//! that is from outside the hall, so every text cell is defused against formula injection: in
//! the CSV a leading `=`, `+`, `-`, `@`, tab or line break gets a `'` (OWASP's advice); in the
//! workbook text is only ever written as a string cell, never as something Excel would evaluate.
//!
//! It reads nothing and decides nothing: the caller fetches the entries and the report from
//! [`countersign_log::Log`] (`entries_on`, `report`) and chooses where the bytes go. It knows
//! nothing about credentials, chains or the UI beyond the labels it prints.

mod cells;
mod csv_out;
mod xlsx;

pub use csv_out::write_csv;
pub use xlsx::{xlsx_bytes, SummarySheet, ENTRIES_SHEET, SUMMARY_SHEET};

use chrono::FixedOffset;

/// How an export is presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// The hall's UTC offset: every time is shown hall-local, as the clerks saw it.
    pub offset: FixedOffset,
    /// What the export is of, e.g. `BJ-CY-01 2026-11-25`: the workbook's title and the
    /// summary sheet's first line.
    pub title: String,
}

/// An export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing to the destination failed.
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    /// The CSV writer failed (in practice: writing to the destination).
    #[error("cannot write the CSV export: {0}")]
    Csv(#[from] csv::Error),
    /// The workbook could not be built.
    #[error("cannot build the XLSX export: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The column headers of the entries, in order: the CSV's header row and the workbook's
/// entries sheet.
pub const COLUMNS: [&str; 19] = [
    "序号 Seq",
    "时间 Time",
    "大厅 Hall",
    "窗口 Counter",
    "办事员 Clerk",
    "方式 Channel",
    "证照类型 Credential type",
    "签发机关 Issuer",
    "签发者标识 Issuer id",
    "凭证哈希 Credential hash",
    "结论 Verdict",
    "未通过的检查 Failing checks",
    "原因 Reasons",
    "区块 Block",
    "区块时间 Block time",
    "链状态来源 Chain source",
    "回执号 Receipt",
    "持证人摘要 Subject (masked)",
    "条目哈希 Entry hash",
];

/// What the subject column says once the summary was purged after the retention period.
pub const PURGED: &str = "已清除 purged";
