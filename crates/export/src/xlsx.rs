//! The day as a workbook: the report on a first sheet, the entries on a second.
//!
//! Text is written only with `write_string*`, which stores a string cell: Excel shows
//! `=HYPERLINK(…)` from a credential as text and never evaluates it (the generic `write`
//! would not either for a `&str`, but `write_string` says so at the call).

use crate::cells::{channel_label, local, local_text, row, source_label, verdict_label, Cell};
use crate::{ExportError, ExportOptions, COLUMNS};
use chrono::NaiveDate;
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use countersign_log::{Count, Entry, LogSummary, Repeat};

/// What the summary sheet reports: the hall-local days (first and last, both included), the
/// counts over the exported entries, and the credentials verified more than once among them.
#[derive(Debug, Clone, Copy)]
pub struct SummarySheet<'a> {
    /// First and last day.
    pub days: (NaiveDate, NaiveDate),
    /// The counts.
    pub summary: &'a LogSummary,
    /// Repeated credentials (empty when not looked for).
    pub repeated: &'a [Repeat],
}
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};

/// The summary sheet's name.
pub const SUMMARY_SHEET: &str = "汇总 Summary";
/// The entries sheet's name.
pub const ENTRIES_SHEET: &str = "明细 Entries";

/// Excel refuses longer text in a cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Appended to text cut to fit a cell (the CSV keeps it whole).
const CUT: &str = "…[截断 truncated]";
/// Column widths, in characters, between which contents set them.
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 70;

/// Builds the workbook: sheet "汇总 Summary" with `sheet` (the days, totals and each grouping as
/// a small table) and sheet "明细 Entries" with `entries`, the CSV's columns with numbers as
/// numbers and times as Excel datetimes, header frozen and filterable. `entries` and the
/// summary are expected to be of the same selection; nothing checks it.
pub fn xlsx_bytes(
    entries: &[Entry],
    sheet: &SummarySheet<'_>,
    opts: &ExportOptions,
) -> Result<Vec<u8>, ExportError> {
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&opts.title)
            .set_subject("核验记录 Verification log"),
    );
    summary_sheet(workbook.add_worksheet(), sheet, opts, &styles)?;
    entries_sheet(workbook.add_worksheet(), entries, opts, &styles)?;
    Ok(workbook.save_to_buffer()?)
}

struct Styles {
    title: Format,
    bold: Format,
    header: Format,
    time: Format,
}

impl Styles {
    fn new() -> Self {
        Self {
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDD_EB_F7))
                .set_border_bottom(FormatBorder::Thin),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        }
    }
}

/// A worksheet that remembers how wide each column's contents are, so the widths fit them.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    widths: Vec<usize>,
}

impl<'a> Sheet<'a> {
    fn new(ws: &'a mut Worksheet, name: &str) -> Result<Self, XlsxError> {
        ws.set_name(name)?;
        Ok(Self {
            ws,
            widths: Vec::new(),
        })
    }

    fn note(&mut self, col: u16, width: usize) {
        let col = usize::from(col);
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(width);
    }

    fn text(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        format: Option<&Format>,
    ) -> Result<(), XlsxError> {
        let text = fit(text);
        self.note(col, display_width(&text));
        match format {
            Some(f) => self.ws.write_string_with_format(row, col, text, f)?,
            None => self.ws.write_string(row, col, text)?,
        };
        Ok(())
    }

    fn number(&mut self, row: u32, col: u16, n: u64) -> Result<(), XlsxError> {
        self.note(col, n.to_string().len());
        // Sequence and block numbers stay far below 2^53, where f64 is exact.
        #[allow(clippy::cast_precision_loss)]
        self.ws.write_number(row, col, n as f64)?;
        Ok(())
    }

    /// A real Excel datetime, hall-local; the text instead if Excel cannot hold the date
    /// (before 1900 or after 9999: only a corrupt clock would log one, and the export should
    /// still show it rather than fail).
    fn time(
        &mut self,
        row: u32,
        col: u16,
        at: DateTime<Utc>,
        opts: &ExportOptions,
        format: &Format,
    ) -> Result<(), XlsxError> {
        match excel_time(local(at, opts.offset)) {
            Some(value) => {
                self.note(col, "2026-11-25 09:05:00".len());
                self.ws
                    .write_datetime_with_format(row, col, value, format)?;
                Ok(())
            }
            None => self.text(row, col, &local_text(at, opts.offset), None),
        }
    }

    fn finish(self) -> Result<(), XlsxError> {
        for (col, width) in self.widths.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            // Two characters of padding so text does not touch the next column's.
            let width = (width + 2).clamp(MIN_WIDTH, MAX_WIDTH);
            #[allow(clippy::cast_precision_loss)]
            self.ws.set_column_width(col, width as f64)?;
        }
        Ok(())
    }
}

fn excel_time(t: NaiveDateTime) -> Option<ExcelDateTime> {
    let date = ExcelDateTime::from_ymd(
        u16::try_from(t.year()).ok()?,
        u8::try_from(t.month()).ok()?,
        u8::try_from(t.day()).ok()?,
    )
    .ok()?;
    date.and_hms(
        u16::try_from(t.hour()).ok()?,
        u8::try_from(t.minute()).ok()?,
        t.second(),
    )
    .ok()
}

/// Text cut to what a cell holds (counted in UTF-16 units, as Excel counts), marked as cut.
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    if text.encode_utf16().count() <= MAX_CELL_CHARS {
        return text.into();
    }
    let room = MAX_CELL_CHARS - CUT.encode_utf16().count();
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if used + c.len_utf16() > room {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    format!("{}{CUT}", &text[..end]).into()
}

/// Roughly how many character widths `text` takes: CJK and full-width forms take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if u32::from(c) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

fn entries_sheet(
    ws: &mut Worksheet,
    entries: &[Entry],
    opts: &ExportOptions,
    styles: &Styles,
) -> Result<(), ExportError> {
    let mut sheet = Sheet::new(ws, ENTRIES_SHEET)?;
    for (col, title) in (0u16..).zip(COLUMNS) {
        sheet.text(0, col, title, Some(&styles.header))?;
    }
    let mut last_row = 0;
    for (r, entry) in (1u32..).zip(entries) {
        for (col, cell) in (0u16..).zip(row(entry)) {
            match cell {
                Cell::Text(text) => sheet.text(r, col, &text, None)?,
                Cell::Number(n) => sheet.number(r, col, n)?,
                Cell::Time(at) => sheet.time(r, col, at, opts, &styles.time)?,
                Cell::Empty => {}
            }
        }
        last_row = r;
    }
    let last_col = u16::try_from(COLUMNS.len() - 1).unwrap_or(0);
    sheet.ws.set_freeze_panes(1, 0)?;
    sheet.ws.autofilter(0, 0, last_row, last_col)?;
    sheet.finish()?;
    Ok(())
}

fn summary_sheet(
    ws: &mut Worksheet,
    sheet: &SummarySheet<'_>,
    opts: &ExportOptions,
    styles: &Styles,
) -> Result<(), ExportError> {
    let mut s = Sheet::new(ws, SUMMARY_SHEET)?;
    // The title spans the sheet visually; its width must not set column A's.
    s.ws.write_string_with_format(0, 0, fit(&opts.title), &styles.title)?;
    let mut r = 2;
    let (report, (first, last)) = (sheet.summary, sheet.days);
    let days = if first == last {
        first.format("%Y-%m-%d").to_string()
    } else {
        format!("{} – {}", first.format("%Y-%m-%d"), last.format("%Y-%m-%d"))
    };
    s.text(r, 0, "日期 Day", Some(&styles.bold))?;
    s.text(r, 1, &days, None)?;
    r += 1;
    s.text(r, 0, "时区 UTC offset", Some(&styles.bold))?;
    s.text(r, 1, &opts.offset.to_string(), None)?;
    r += 1;
    s.text(r, 0, "总数 Total", Some(&styles.bold))?;
    s.number(r, 1, report.total)?;
    r += 1;
    s.text(r, 0, "序号范围 Seq range", Some(&styles.bold))?;
    if let Some((first, last)) = report.range {
        s.number(r, 1, first)?;
        s.number(r, 2, last)?;
    } else {
        s.text(r, 1, NONE, None)?;
    }
    r += 2;

    let tables: [Table<'_>; 8] = [
        (
            "按结论 By verdict",
            "结论 Verdict",
            &report.by_verdict,
            verdict_label,
            NOT_RECORDED,
        ),
        (
            "按证照类型 By credential type",
            "证照类型 Credential type",
            &report.by_type,
            same,
            UNREAD,
        ),
        (
            "按签发机关 By issuer",
            "签发机关 Issuer",
            &report.by_issuer,
            same,
            UNREAD,
        ),
        (
            "按办事员 By clerk",
            "办事员 Clerk",
            &report.by_clerk,
            same,
            NOT_RECORDED,
        ),
        (
            "按窗口 By counter",
            "窗口 Counter",
            &report.by_counter,
            same,
            NOT_RECORDED,
        ),
        (
            "按方式 By channel",
            "方式 Channel",
            &report.by_channel,
            channel_label,
            NOT_RECORDED,
        ),
        (
            "按链状态来源 By chain source",
            "链状态来源 Chain source",
            &report.by_chain_source,
            source_label,
            "未查链 no chain consulted",
        ),
        (
            "未通过原因 Failure reasons",
            "原因 Reason",
            &report.failures,
            same,
            NOT_RECORDED,
        ),
    ];
    for (heading, column, counts, label, unrecorded) in tables {
        r = heading_rows(&mut s, r, heading, &[column, COUNT], styles)?;
        if counts.is_empty() {
            s.text(r, 0, NONE, None)?;
            r += 1;
        }
        for count in counts {
            let key = count.key.as_deref().map_or(unrecorded, label);
            s.text(r, 0, key, None)?;
            s.number(r, 1, count.count)?;
            r += 1;
        }
        r += 1;
    }

    r = heading_rows(
        &mut s,
        r,
        "按小时 By hour (hall time)",
        &["小时 Hour", COUNT],
        styles,
    )?;
    for (hour, count) in report.by_hour.iter().enumerate() {
        s.text(r, 0, &format!("{hour:02}:00–{:02}:00", hour + 1), None)?;
        s.number(r, 1, *count)?;
        r += 1;
    }
    r += 1;

    r = heading_rows(
        &mut s,
        r,
        "重复核验的凭证 Repeated credentials",
        &[
            "凭证哈希 Credential hash",
            "证照类型 Credential type",
            "次数 Count",
            "窗口 Counters",
            "首次 First",
            "末次 Last",
        ],
        styles,
    )?;
    if sheet.repeated.is_empty() {
        s.text(r, 0, NONE, None)?;
    }
    for repeat in sheet.repeated {
        s.text(r, 0, &hex::encode(repeat.leaf), None)?;
        s.text(
            r,
            1,
            repeat.credential_type.as_deref().unwrap_or(NOT_RECORDED),
            None,
        )?;
        s.number(r, 2, repeat.count)?;
        s.text(r, 3, &repeat.counters.join(", "), None)?;
        s.time(r, 4, repeat.first, opts, &styles.time)?;
        s.time(r, 5, repeat.last, opts, &styles.time)?;
        r += 1;
    }
    s.finish()?;
    Ok(())
}

/// One grouping of the report: heading, key column, groups, how a key reads, and what a group
/// of unrecorded values (`key: None`) is called.
type Table<'a> = (&'a str, &'a str, &'a [Count], fn(&str) -> &str, &'a str);

const COUNT: &str = "数量 Count";
const NONE: &str = "（无） none";
const NOT_RECORDED: &str = "（未记录） not recorded";
/// The credential could not be read far enough to know it.
const UNREAD: &str = "（无法读取） unreadable";

fn same(text: &str) -> &str {
    text
}

/// A table's bold heading and its header row; returns the first data row.
fn heading_rows(
    s: &mut Sheet<'_>,
    r: u32,
    heading: &str,
    columns: &[&str],
    styles: &Styles,
) -> Result<u32, XlsxError> {
    s.text(r, 0, heading, Some(&styles.bold))?;
    for (col, title) in (0u16..).zip(columns) {
        s.text(r + 1, col, title, Some(&styles.header))?;
    }
    Ok(r + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_the_cell_limit_on_a_char_boundary() {
        let text = "证".repeat(40_000);
        let cut = fit(&text);
        assert_eq!(cut.encode_utf16().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with(CUT));
        assert_eq!(fit("short"), "short");
    }
}
