//! The entries as CSV, for Excel, WPS and any other tool.

use crate::cells::{local_text, row, Cell};
use crate::{ExportError, ExportOptions, COLUMNS};
use countersign_log::Entry;
use std::borrow::Cow;
use std::io::Write;

/// The UTF-8 byte-order mark: Excel on Windows reads a CSV without it in the system's ANSI
/// code page (GBK on a Chinese PC), which garbles every UTF-8 Chinese character.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `entries` as CSV to `out`: byte-order mark, bilingual header row, one row per entry,
/// CRLF line ends, RFC 4180 quoting, times hall-local (`2026-11-25 09:05:00`), text cells
/// defused against formula injection. `opts.title` is not written: the header row must come
/// first for tools to read the file.
pub fn write_csv(
    entries: &[Entry],
    opts: &ExportOptions,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    out.write_all(BOM)?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(COLUMNS)?;
    let mut record: Vec<Cow<'_, str>> = Vec::with_capacity(COLUMNS.len());
    for entry in entries {
        record.clear();
        for cell in row(entry) {
            record.push(match cell {
                Cell::Text(text) => Cow::Owned(defuse(text)),
                Cell::Number(n) => Cow::Owned(n.to_string()),
                Cell::Time(at) => Cow::Owned(local_text(at, opts.offset)),
                Cell::Empty => Cow::Borrowed(""),
            });
        }
        writer.write_record(record.iter().map(|c| c.as_bytes()))?;
    }
    writer.flush()?;
    Ok(())
}

/// Prefixes `'` to text a spreadsheet would take for a formula (OWASP's CSV injection advice):
/// a clerk id or issuer name such as `=HYPERLINK(…)` must show as text, never run. Line feed
/// and the full-width forms are included too: prefixing them costs a character, and we cannot
/// rule out a spreadsheet that treats them like their ASCII forms.
pub(crate) fn defuse(text: String) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠') => {
            format!("'{text}")
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn formula_starts_are_prefixed_and_plain_text_is_not() {
        for (input, expected) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("＝1", "'＝1"),
            ("clerk-007", "clerk-007"),
            ("王*", "王*"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(defuse(input.to_string()), expected, "input {input:?}");
        }
    }
}
