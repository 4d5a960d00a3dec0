//! [`Document`] → ESC/POS bytes for one [`PrinterProfile`].

use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::raster::{self, line_width, render_line, style_px};
use countersign_printdoc::{
    bar_length, ellipsize, tidy_label, wrap_columns, Align, Bar, Block, Document, Style,
    BAR_LABEL_LINES,
};
use image::{GrayImage, Luma};

use crate::commands::{self as cmd, ESC, GS, LF};
use crate::profile::{Cut, PrinterProfile};
use crate::qr;
use crate::style::TextStyle;

/// A document that cannot be printed on this profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The profile's numbers are unusable.
    #[error("unusable printer profile: {0}")]
    PrinterProfile(&'static str),
    /// The QR code's data does not fit a QR code at level M (version 40).
    #[error("{len} bytes are too many for a QR code at error-correction level M")]
    QrTooLarge {
        /// The data's length in bytes.
        len: usize,
    },
}

/// Rows per `GS v 0` command: a tall picture (a raster QR code is up to 576 rows) goes in
/// bands, because cheap printers' receive buffers and firmware limits are smaller than one
/// 80 mm picture's 40 KB. Consecutive bands print without a gap.
pub(crate) const RASTER_BAND_ROWS: u32 = 256;

/// Encodes `doc` for a printer described by `profile`: `ESC @`, then every block, then the
/// profile's feed and cut. `fonts` draws the lines that the printer's font ROM cannot print
/// (see [`crate::FontRom`]) and, without native QR, nothing else: raster QR codes are drawn
/// by [`raster::qr_image`].
///
/// The profile decides the width; the document's own paper is not consulted, so a receipt
/// laid out for 80 mm prints on 58 mm, rewrapped. Control characters in the document's text
/// are not printed (they would reach the printer as commands); a tab prints as a space.
///
/// A bar chart prints as its title (a heading) and a text line per bar, `label  ████ 12`:
/// labels in a column (wrapped to it, at most three lines), bars of the best block the font
/// ROM has (`█` in GBK and GB18030 ROMs, `■` in GB 2312 ones, `#` in ASCII ones) scaled to
/// the largest value, the value after the bar. No line is wider than the profile's columns.
/// A bar line whose label the ROM cannot print is sent as a picture of the same layout.
///
/// # Errors
/// [`EncodeError::PrinterProfile`] for an unusable profile, [`EncodeError::QrTooLarge`] for a QR
/// code's data beyond version 40.
pub fn encode(
    doc: &Document,
    profile: &PrinterProfile,
    fonts: &Fonts,
) -> Result<Vec<u8>, EncodeError> {
    if let Some(problem) = profile.problem() {
        return Err(EncodeError::PrinterProfile(problem));
    }
    let mut w = Writer {
        out: Vec::with_capacity(4096),
        profile,
        fonts,
        style: TextStyle::default(),
        align: Align::Left,
        chinese: false,
    };
    w.out.extend_from_slice(&cmd::INIT);
    for block in &doc.blocks {
        match block {
            Block::Text(t) => w.text(&t.text, t.style, t.align),
            Block::Field { label, value } => {
                // The same `label：value` as the raster preview, so both read alike.
                w.text(&format!("{label}：{value}"), Style::Normal, Align::Left);
            }
            Block::Rule => {
                let rule = "-".repeat(profile.columns);
                w.text(&rule, Style::Normal, Align::Left);
            }
            Block::Space => w.out.push(LF),
            Block::Qr { data, caption } => {
                w.qr(data)?;
                if let Some(caption) = caption {
                    w.text(caption, Style::Small, Align::Center);
                }
            }
            Block::Bars { title, bars } => w.bars(title, bars),
        }
    }
    w.finish();
    Ok(w.out)
}

struct Writer<'a> {
    out: Vec<u8>,
    profile: &'a PrinterProfile,
    fonts: &'a Fonts,
    /// What the printer is in now, so commands are sent only on a change.
    style: TextStyle,
    align: Align,
    chinese: bool,
}

impl Writer<'_> {
    fn text(&mut self, text: &str, style: Style, align: Align) {
        let ts = TextStyle::for_style(style);
        let columns = self.profile.columns / usize::from(ts.width);
        for line in fit_columns(&printable(text), columns) {
            if line.chars().all(|c| self.profile.font_rom.covers(c)) {
                self.text_line(&line, ts, align);
            } else {
                self.raster_line(&line, style, ts, align);
            }
        }
    }

    fn bars(&mut self, title: &str, bars: &[Bar]) {
        if !title.trim().is_empty() {
            self.text(title, Style::Heading, Align::Left);
        }
        let chart = Chart::plan(bars, self.profile);
        for line in chart.lines(bars) {
            match line {
                ChartLine::Label(text) => self.text(&text, Style::Normal, Align::Left),
                ChartLine::Bar {
                    label,
                    units,
                    value,
                } => {
                    let text = chart.bar_text(&label, units, &value);
                    if text.chars().all(|c| self.profile.font_rom.covers(c)) {
                        self.text(&text, Style::Normal, Align::Left);
                    } else {
                        self.raster_bar(&chart, &label, units, &value);
                    }
                }
            }
        }
    }

    /// A bar line as a picture, for a label the font ROM cannot print: the label drawn with
    /// the shipped font in its column, the bar a solid rectangle, the value after it, at the
    /// cells the text line would have used, so it lines up with the chart's other bars.
    fn raster_bar(&mut self, chart: &Chart, label: &str, units: usize, value: &str) {
        const CELL: u32 = 12;
        let px = style_px(Style::Normal);
        let height = px + px / 4;
        let mut img = GrayImage::from_pixel(self.profile.dots, height, Luma([255]));
        let cells = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).saturating_mul(CELL);
        if chart.label_cells > 0 {
            let picture = render_line(self.fonts, label, px, Align::Left, cells(chart.label_cells));
            overlay(&mut img, &picture, 0);
        }
        let x0 = cells(chart.lead());
        let length = cells(units * chart.block_cells);
        // A bar the height of the ROM's block glyphs: most of the line.
        let (top, bottom) = (height / 5, height - height / 5);
        for y in top..bottom {
            for x in x0..(x0 + length).min(img.width()) {
                img.put_pixel(x, y, Luma([0]));
            }
        }
        let value_x = x0 + length + if units > 0 { CELL } else { 0 };
        // render_line starts its text 4 dots in: the picture goes 4 dots to the left.
        let picture = render_line(self.fonts, value, px, Align::Left, self.profile.dots);
        overlay(&mut img, &picture, i64::from(value_x) - 4);
        self.raster(&img);
    }

    fn set_style(&mut self, ts: TextStyle) {
        if ts != self.style {
            self.out.extend_from_slice(&[
                ESC,
                b'!',
                ts.esc_bang(),
                GS,
                b'!',
                ts.gs_bang(),
                ESC,
                b'E',
                u8::from(ts.bold),
            ]);
            self.style = ts;
        }
    }

    fn set_align(&mut self, align: Align) {
        if align != self.align {
            let n = match align {
                Align::Left => 0,
                Align::Center => 1,
                Align::Right => 2,
            };
            self.out.extend_from_slice(&[ESC, b'a', n]);
            self.align = align;
        }
    }

    /// A line the ROM covers entirely (the caller checked).
    fn text_line(&mut self, line: &str, ts: TextStyle, align: Align) {
        if !self.chinese && !line.is_ascii() {
            // ASCII prints the same in both modes, so Chinese mode is entered once, at the
            // first line that needs it, and never left.
            self.out.extend_from_slice(&cmd::CHINESE_ON);
            self.chinese = true;
        }
        self.set_style(ts);
        self.set_align(align);
        let mut buf = [0u8; 4];
        for c in line.chars() {
            if c.is_ascii() {
                self.out.push(c as u8);
            } else {
                let (bytes, _, _) = encoding_rs::GB18030.encode(c.encode_utf8(&mut buf));
                self.out.extend_from_slice(&bytes);
            }
        }
        self.out.push(LF);
    }

    /// A line with a character the ROM lacks, drawn at the size the printer would print it:
    /// 24-dot glyphs (20 for small print), magnified like the style.
    fn raster_line(&mut self, line: &str, style: Style, ts: TextStyle, align: Align) {
        let width = self.profile.dots / u32::from(ts.width);
        let mut px = if style == Style::Small {
            style_px(Style::Small)
        } else {
            style_px(Style::Normal)
        };
        // Proportional Latin glyphs can be wider than the 12-dot cells the line was wrapped
        // to; shrink rather than lose the line's end.
        while px > 12 && line_width(self.fonts, line, px) + 8.0 > width as f32 {
            px -= 2;
        }
        let mut img = render_line(self.fonts, line, px, align, width);
        if ts.bold {
            img = embolden(&img);
        }
        let img = magnify(&img, u32::from(ts.width), u32::from(ts.height));
        self.raster(&img);
    }

    fn raster(&mut self, img: &GrayImage) {
        let row_bytes = img.width().div_ceil(8);
        let mut y = 0;
        while y < img.height() {
            let rows = (img.height() - y).min(RASTER_BAND_ROWS);
            // Both fit in 16 bits: the width is the profile's dots (≤ 2,048), rows ≤ 256.
            self.out.extend_from_slice(&[
                GS,
                b'v',
                b'0',
                0,
                (row_bytes & 0xFF) as u8,
                (row_bytes >> 8) as u8,
                (rows & 0xFF) as u8,
                (rows >> 8) as u8,
            ]);
            for row in y..y + rows {
                for byte in 0..row_bytes {
                    let mut bits = 0u8;
                    for bit in 0..8 {
                        let x = byte * 8 + bit;
                        if x < img.width() && img.get_pixel(x, row).0[0] < 128 {
                            bits |= 0x80 >> bit;
                        }
                    }
                    self.out.push(bits);
                }
            }
            y += rows;
        }
    }

    fn qr(&mut self, data: &str) -> Result<(), EncodeError> {
        let too_large = EncodeError::QrTooLarge { len: data.len() };
        self.set_align(Align::Center);
        if self.profile.native_qr {
            let version = qr::version_for_bytes(data.len()).ok_or(too_large)?;
            let module = qr::module_dots(qr::modules(version), self.profile.dots);
            let out = &mut self.out;
            cmd::gs_k(out, cmd::QR_FN_MODEL, &[cmd::QR_MODEL_2, 0]);
            cmd::gs_k(out, cmd::QR_FN_MODULE, &[module]);
            cmd::gs_k(out, cmd::QR_FN_ECC, &[cmd::QR_ECC_M]);
            let mut store = Vec::with_capacity(data.len() + 1);
            store.push(b'0');
            store.extend_from_slice(data.as_bytes());
            cmd::gs_k(out, cmd::QR_FN_STORE, &store);
            cmd::gs_k(out, cmd::QR_FN_PRINT, b"0");
        } else {
            let img = raster::qr_image(data, self.profile.dots).ok_or(too_large)?;
            self.raster(&img);
        }
        Ok(())
    }

    fn finish(&mut self) {
        if self.profile.feed_lines > 0 {
            self.out
                .extend_from_slice(&[ESC, b'd', self.profile.feed_lines]);
        }
        match self.profile.cut {
            Cut::Full => self.out.extend_from_slice(&[GS, b'V', 0]),
            Cut::Partial => self.out.extend_from_slice(&[GS, b'V', 1]),
            Cut::None => {}
        }
    }
}

/// Cells between a chart's label column and its bars.
const CHART_GAP: usize = 2;

/// Bars get at least this many blocks of room; labels give way first.
const MIN_BAR_UNITS: usize = 4;

/// How a bar chart is laid out in character cells on one profile.
struct Chart {
    /// The block a bar is made of, and the cells it takes.
    block: char,
    block_cells: usize,
    /// The label column's width; 0 when labels go on their own lines above their bars.
    label_cells: usize,
    /// Blocks the largest value's bar takes.
    longest: usize,
    /// The largest value.
    max: u64,
}

/// One line of a chart.
enum ChartLine {
    /// A label's line without a bar (a wrapped label's second line, or a label above its bar).
    Label(String),
    /// A bar's line: its label's first line (empty when labels are stacked), its length in
    /// blocks, and its value.
    Bar {
        label: String,
        units: usize,
        value: String,
    },
}

impl Chart {
    fn plan(bars: &[Bar], profile: &PrinterProfile) -> Self {
        let columns = profile.columns;
        let block = ['█', '■']
            .into_iter()
            .find(|c| profile.font_rom.covers(*c))
            .unwrap_or('#');
        let block_cells = printer_width(block);
        let value_cells = bars
            .iter()
            .map(|b| b.value.to_string().len())
            .max()
            .unwrap_or(0);
        let widest = bars
            .iter()
            .flat_map(|b| {
                let label = chart_label(&b.label);
                label.lines().map(line_cells).collect::<Vec<_>>()
            })
            .max()
            .unwrap_or(0);
        // As wide as the widest label, at most two fifths of the roll, and leaving the bars
        // room for a few blocks.
        let label_cells = widest
            .min(columns * 2 / 5)
            .min(columns.saturating_sub(CHART_GAP + 1 + value_cells + MIN_BAR_UNITS * block_cells));
        // Squeezed below two Chinese characters (and below the widest label): labels go
        // above their bars instead.
        let label_cells = if label_cells < widest.min(4) {
            0
        } else {
            label_cells
        };
        let mut chart = Self {
            block,
            block_cells,
            label_cells,
            longest: 0,
            max: bars.iter().map(|b| b.value).max().unwrap_or(0),
        };
        chart.longest = columns.saturating_sub(chart.lead() + 1 + value_cells) / block_cells;
        chart
    }

    /// Cells before a bar: the label column and the gap after it.
    fn lead(&self) -> usize {
        if self.label_cells == 0 {
            0
        } else {
            self.label_cells + CHART_GAP
        }
    }

    fn lines(&self, bars: &[Bar]) -> Vec<ChartLine> {
        let mut out = Vec::new();
        for bar in bars {
            let label = chart_label(&bar.label);
            let mut labels = if self.label_cells == 0 {
                // Above the bar, wrapped to the whole width when printed.
                if !label.is_empty() {
                    out.push(ChartLine::Label(label));
                }
                Vec::new()
            } else {
                fit_columns(&label, self.label_cells)
            };
            if labels.len() > BAR_LABEL_LINES {
                labels.truncate(BAR_LABEL_LINES);
                if let Some(last) = labels.last_mut() {
                    *last = ellipsize(last, |l| line_cells(l) <= self.label_cells);
                }
            }
            let mut labels = labels.into_iter();
            let longest = u32::try_from(self.longest).unwrap_or(u32::MAX);
            out.push(ChartLine::Bar {
                label: labels.next().unwrap_or_default(),
                units: bar_length(bar.value, self.max, longest) as usize,
                value: bar.value.to_string(),
            });
            out.extend(labels.map(ChartLine::Label));
        }
        out
    }

    /// `label  ████ 12`: the label padded to its column, the bar, the value.
    fn bar_text(&self, label: &str, units: usize, value: &str) -> String {
        let mut text = String::new();
        if self.label_cells > 0 {
            text.push_str(label);
            let pad = self.lead().saturating_sub(line_cells(label));
            text.extend(std::iter::repeat_n(' ', pad));
        }
        if units > 0 {
            text.extend(std::iter::repeat_n(self.block, units));
            text.push(' ');
        }
        text.push_str(value);
        text
    }
}

/// A bar's label as it may be printed, its line breaks kept.
fn chart_label(label: &str) -> String {
    tidy_label(&printable(label))
}

/// Draws `src` over `dst` from column `x` (negative: its left part is cut), keeping the
/// darker pixel.
fn overlay(dst: &mut GrayImage, src: &GrayImage, x: i64) {
    for (sx, sy, p) in src.enumerate_pixels() {
        let dx = x + i64::from(sx);
        if let Ok(dx) = u32::try_from(dx) {
            if dx < dst.width() && sy < dst.height() {
                let pixel = dst.get_pixel_mut(dx, sy);
                pixel.0[0] = pixel.0[0].min(p.0[0]);
            }
        }
    }
}

/// `text` without what must not reach the printer: control characters would be commands
/// (a name carrying `GS V` would cut the slip), so they are dropped; tabs and no-break
/// spaces become spaces. Line breaks stay.
fn printable(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' | '\u{A0}' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Closing punctuation that must not begin a line (the same set as
/// `countersign_printdoc::wrap_columns` keeps with the character before it).
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕〉”’,.;:?!)]}%".contains(c)
}

/// Cells a character takes on the printer: ASCII one, anything else two, because in
/// Chinese mode every two-byte code prints full width, including the `—`, `·`, `°` and Greek
/// letters that a screen draws narrow.
pub(crate) fn printer_width(c: char) -> usize {
    if c.is_ascii() {
        1
    } else {
        2
    }
}

fn line_cells(line: &str) -> usize {
    line.chars().map(printer_width).sum()
}

/// Wraps `text` into lines of at most `columns` printer cells (ASCII one, any other
/// character two). Lines break as [`countersign_printdoc::wrap_columns`] breaks them (Latin
/// at spaces, Chinese anywhere, closing punctuation kept with the character before), with
/// one difference: a line never runs over. Where that function lets closing punctuation run
/// one character past the end (a screen can, a printer cannot: the character would wrap
/// alone onto a line of its own), or where a screen's narrow character is full width on the
/// printer, the line is broken earlier, before the character that precedes any closing
/// punctuation.
pub fn fit_columns(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(2);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut rest = paragraph;
        loop {
            let lines = wrap_columns(rest, columns);
            let Some(over) = lines.iter().position(|l| line_cells(l) > columns) else {
                out.extend(lines);
                break;
            };
            let Some(start) = locate(rest, &lines[..=over]) else {
                // wrap_columns' lines are pieces of its input in order; should that ever
                // change, cutting by width still keeps every line inside the paper.
                out.extend(hard_cut(rest, columns));
                break;
            };
            out.extend_from_slice(&lines[..over]);
            let line = &lines[over];
            let head = break_before(line, columns);
            out.push(line[..head].trim_end().to_owned());
            rest = rest[start + head..].trim_start_matches(' ');
            if rest.is_empty() {
                break;
            }
        }
    }
    out
}

/// Where in `text` the last of `lines` (consecutive pieces of it) starts.
fn locate(text: &str, lines: &[String]) -> Option<usize> {
    let mut cursor = 0;
    let mut start = 0;
    for line in lines {
        start = cursor + text.get(cursor..)?.find(line.as_str())?;
        cursor = start + line.len();
    }
    Some(start)
}

/// The byte offset at which to break `line` (wider than `columns`) so that the first part
/// fits and the second does not start with closing punctuation.
fn break_before(line: &str, columns: usize) -> usize {
    let mut width = 0;
    let mut fit = 0;
    for (i, c) in line.char_indices() {
        let w = printer_width(c);
        if width + w > columns {
            break;
        }
        width += w;
        fit = i + c.len_utf8();
    }
    if fit == 0 {
        // One character wider than the line: it goes alone.
        fit = line.chars().next().map_or(line.len(), char::len_utf8);
    }
    let mut end = fit;
    while end > 0 && line[end..].chars().next().is_some_and(no_line_start) {
        end = line[..end].char_indices().next_back().map_or(0, |(i, _)| i);
    }
    if end == 0 {
        // Nothing but punctuation: cut where it stops fitting.
        return fit;
    }
    let before = line[..end].chars().next_back();
    let after = line[end..].chars().next();
    if before.is_some_and(|c| c.is_ascii_alphanumeric())
        && after.is_some_and(|c| c.is_ascii_alphanumeric())
    {
        // Inside a Latin word: break at the word's start when the line has a space.
        if let Some(space) = line[..end].rfind(' ') {
            if !line[..space].trim().is_empty() {
                return space + 1;
            }
        }
    }
    end
}

fn hard_cut(text: &str, columns: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut width = 0;
    for c in text.chars() {
        let w = printer_width(c);
        if width + w > columns && width > 0 {
            lines.push(String::new());
            width = 0;
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
        width += w;
    }
    lines
}

/// Thickens strokes by one dot to the right, as a printer's emphasis does.
fn embolden(img: &GrayImage) -> GrayImage {
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let here = img.get_pixel(x, y).0[0];
        let left = if x > 0 {
            img.get_pixel(x - 1, y).0[0]
        } else {
            255
        };
        Luma([here.min(left)])
    })
}

/// Nearest-neighbour magnification, as the printer magnifies its own characters.
fn magnify(img: &GrayImage, wx: u32, hy: u32) -> GrayImage {
    if wx == 1 && hy == 1 {
        return img.clone();
    }
    GrayImage::from_fn(img.width() * wx, img.height() * hy, |x, y| {
        *img.get_pixel(x / wx, y / hy)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_where_wrap_columns_runs_over() {
        assert_eq!(
            wrap_columns("证照有效。请办理", 8),
            ["证照有效。", "请办理"],
            "the case this guards against"
        );
        assert_eq!(
            fit_columns("证照有效。请办理", 8),
            ["证照有", "效。请办", "理"]
        );
        assert_eq!(
            fit_columns("Verified against the chain", 12),
            ["Verified", "against the", "chain"]
        );
        assert_eq!(fit_columns("abc defgh, xyz", 9), ["abc", "defgh,", "xyz"]);
        assert_eq!(fit_columns("。。。。。。", 8), ["。。。。", "。。"]);
        assert_eq!(fit_columns("a\n\nb", 8), ["a", "", "b"]);
        // Narrow on screen, full width on the printer.
        assert_eq!(fit_columns("——————", 8), ["————", "——"]);
        assert_eq!(fit_columns("温度 25°C ±1", 8), ["温度", "25°C ±", "1"]);
        assert_eq!(fit_columns("", 8), [""]);
    }

    #[test]
    fn control_characters_are_not_printed() {
        assert_eq!(printable("张\u{1D}V\u{1}三\tx\n"), "张V三 x\n");
    }
}
