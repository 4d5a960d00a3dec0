//! From blocks to placed lines, rules, QR codes and chart bars on pages: the paper's
//! geometry, each style's size on it, wrapping by measured width, and page breaks. Nothing
//! here knows about krilla; `draw` turns the result into PDF.

use crate::wrap::wrap;
use crate::PdfError;
use ab_glyph::Font as _;
use countersign_printdoc::fonts::{Face, Fonts, MISSING};
use countersign_printdoc::{
    ellipsize, tidy_label, Align, Bar, Block, Document, Paper, Style, BAR_LABEL_LINES,
};

/// Points (PDF user space units) in a millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Millimetres to points.
pub(crate) fn mm(millimetres: f32) -> f32 {
    millimetres * PT_PER_MM
}

/// The smallest QR module printed: below this, office and thermal printers smear modules
/// together and phone cameras at arm's length stop reading them.
pub const MIN_QR_MODULE_MM: f32 = 0.5;

/// The largest QR module printed: larger gains no reliability and only costs paper.
const MAX_QR_MODULE_MM: f32 = 1.0;

/// A roll page is at most this long; a longer document continues on further pages. PDF
/// readers (and so CUPS filters) refuse pages over 200 inches (14,400 units).
const MAX_ROLL_PAGE_MM: f32 = 5000.0;

/// The baseline sits this far below the top of the em box: the shipped font's ideographic
/// em box spans 880 units above the baseline and 120 below, per 1000.
const ASCENT_EM: f32 = 0.88;

/// Where things go on the paper, in points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    /// The page (sheet or roll) width.
    pub page_width: f32,
    /// The sheet height; `None` for a roll, whose page is as long as its content.
    pub page_height: Option<f32>,
    /// Left edge of the printable column.
    pub margin_x: f32,
    /// Above the first line.
    pub margin_top: f32,
    /// Below the last line.
    pub margin_bottom: f32,
    /// The printable column's width.
    pub width: f32,
}

impl Geometry {
    pub(crate) fn of(paper: Paper) -> Self {
        let page_width = mm(paper.width_mm());
        let width = mm(paper.printable_width_mm());
        let margin_x = (page_width - width) / 2.0;
        let (margin_top, margin_bottom) = if paper.is_roll() {
            // Little above (the roll has just been cut), a little more below so the last
            // line clears the tear bar or cutter.
            (mm(3.0), mm(6.0))
        } else {
            // Sheets: the same margin all round (15 mm on A4, 8 mm on A6), clear of any
            // laser printer's unprintable border.
            (margin_x, margin_x)
        };
        Self {
            page_width,
            page_height: paper.height_mm().map(mm),
            margin_x,
            margin_top,
            margin_bottom,
            width,
        }
    }

    /// Content height one page holds.
    fn content_height(&self) -> f32 {
        self.page_height.unwrap_or(mm(MAX_ROLL_PAGE_MM)) - self.margin_top - self.margin_bottom
    }
}

/// How a style is set on a paper.
#[derive(Debug, Clone, Copy)]
struct Format {
    /// Font size, points.
    size: f32,
    /// Line height, points.
    height: f32,
    weight: Weight,
}

impl Format {
    fn of(paper: Paper, style: Style) -> Self {
        // Rolls follow a thermal printer's own fonts (Normal ≈ its 12 × 24-dot font, 3 mm a
        // CJK character: 16 across 58 mm, 24 across 80 mm); sheets are read at arm's length
        // across a counter.
        let [small, normal, heading, verdict] = match paper {
            Paper::Roll58 | Paper::Roll80 => [7.0, 8.5, 11.0, 20.0],
            Paper::A6 => [7.5, 9.0, 12.0, 24.0],
            Paper::A4 => [8.5, 10.5, 16.0, 32.0],
        };
        let (size, weight) = match style {
            Style::Small => (small, Weight::Regular),
            Style::Normal => (normal, Weight::Regular),
            Style::Heading => (heading, Weight::Emboldened(0.025)),
            Style::Verdict => (verdict, Weight::Emboldened(0.04)),
        };
        // CJK text needs more air between lines than Latin; the verdict is one or two big
        // words and needs less.
        let leading = if style == Style::Verdict { 1.25 } else { 1.4 };
        Self {
            size,
            height: size * leading,
            weight,
        }
    }
}

/// How heavily text is drawn. Only a Regular face ships, so bold is faked by stroking the
/// glyph outlines as well as filling them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Weight {
    Regular,
    /// Fill and stroke, the stroke this fraction of the font size wide.
    Emboldened(f32),
}

/// Something drawn within an item, positioned relative to the item's top and the printable
/// column's left edge (points, y down).
#[derive(Debug, Clone)]
pub(crate) enum Mark {
    /// One line of text, already wrapped.
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    /// A horizontal rule across the column, `width` long and `thickness` thick, centred on
    /// `y`.
    Rule { y: f32, thickness: f32, width: f32 },
    /// A QR code: `modules` × `modules` squares of `module` points, dark where `dark`,
    /// centred on `centre`, with its quiet zone of four modules all round left white (the
    /// item is exactly as tall as code and quiet zone).
    Qr {
        centre: f32,
        module: f32,
        modules: usize,
        dark: Vec<bool>,
    },
    /// A chart's bar: a rectangle from (`x`, `y`), filled in `rgb`.
    Bar {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        rgb: [u8; 3],
    },
}

/// A horizontal slice of the document that is never split across pages.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub height: f32,
    pub marks: Vec<Mark>,
    /// Break the page before this item rather than between it and the next (a heading, a
    /// QR code and its caption, a field's label and its value).
    keep_with_next: bool,
    /// Blank space, dropped at the top of a page after a break.
    blank: bool,
}

impl Item {
    fn new(height: f32, marks: Vec<Mark>) -> Self {
        Self {
            height,
            marks,
            keep_with_next: false,
            blank: false,
        }
    }

    /// Makes a QR code item `height` tall (or less) if its modules stay at least
    /// [`MIN_QR_MODULE_MM`]; returns whether it did.
    fn shrink_qr(&mut self, height: f32) -> bool {
        let [Mark::Qr {
            module, modules, ..
        }] = self.marks.as_mut_slice()
        else {
            return false;
        };
        let with_quiet = (*modules + 8) as f32;
        let smaller = height / with_quiet;
        if smaller < mm(MIN_QR_MODULE_MM) || smaller >= *module {
            return false;
        }
        *module = smaller;
        self.height = with_quiet * smaller;
        true
    }
}

/// Character advances, read from the face that will draw each character, so that what is
/// measured here is what `draw` places.
pub(crate) struct Metrics<'f> {
    fonts: &'f Fonts,
}

impl<'f> Metrics<'f> {
    pub(crate) fn new(fonts: &'f Fonts) -> Self {
        Self { fonts }
    }

    /// `c`'s advance as a fraction of the font size.
    pub(crate) fn advance_em(&self, c: char) -> f32 {
        match self.fonts.face_for(c) {
            Some(face) => face_advance_em(face, c),
            None => face_advance_em(self.fonts.primary(), MISSING),
        }
    }

    /// Width of one line of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance_em(c)).sum::<f32>() * size
    }

    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        wrap(text, max, |c| self.advance_em(c) * size)
    }
}

/// `c`'s advance in `face`, as a fraction of the em.
pub(crate) fn face_advance_em(face: &Face, c: char) -> f32 {
    let font = face.font();
    // Every OpenType font has a head table; 1000 is the CFF default should one not.
    let units = font.units_per_em().unwrap_or(1000.0);
    font.h_advance_unscaled(font.glyph_id(c)) / units
}

/// Text as given, made safe to lay out: tabs, `\r` and other spacing the shipped font lacks
/// become plain spaces (trimmed at line ends), other control characters are dropped. `\n`
/// stays.
fn clean(text: &str, fonts: &Fonts) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            c if c.is_whitespace() && (c.is_control() || !fonts.primary().covers(c)) => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Lays `doc` out as items down the printable column.
pub(crate) fn items(doc: &Document, fonts: &Fonts, geo: &Geometry) -> Result<Vec<Item>, PdfError> {
    let metrics = Metrics::new(fonts);
    let paper = doc.paper;
    let fields = FieldLayout::of(doc, fonts, &metrics, geo);
    let mut out = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Text(t) => {
                let lines = text_lines(
                    &metrics,
                    &clean(&t.text, fonts),
                    paper,
                    t.style,
                    t.align,
                    geo.width,
                );
                let keep = t.style == Style::Heading;
                let n = lines.len();
                out.extend(lines.into_iter().enumerate().map(|(i, mut item)| {
                    // A heading's last line stays with what it heads.
                    item.keep_with_next = keep && i + 1 == n;
                    item
                }));
            }
            Block::Field { label, value } => {
                out.extend(fields.field(&metrics, &clean(label, fonts), &clean(value, fonts)));
            }
            Block::Rule => {
                let height = mm(2.5);
                out.push(Item::new(
                    height,
                    vec![Mark::Rule {
                        y: height / 2.0,
                        // 0.2 mm: one or two dots on a 203 dpi roll, a hairline on a laser.
                        thickness: mm(0.2),
                        width: geo.width,
                    }],
                ));
            }
            Block::Space => {
                let mut item = Item::new(Format::of(paper, Style::Normal).height, Vec::new());
                item.blank = true;
                out.push(item);
            }
            Block::Qr { data, caption } => {
                let mut item = qr_item(data, paper, geo)?;
                if let Some(caption) = caption {
                    item.keep_with_next = true;
                    out.push(item);
                    out.extend(text_lines(
                        &metrics,
                        &clean(caption, fonts),
                        paper,
                        Style::Small,
                        Align::Center,
                        geo.width,
                    ));
                } else {
                    out.push(item);
                }
            }
            Block::Bars { title, bars } => {
                out.extend(chart(
                    &metrics,
                    fonts,
                    paper,
                    geo,
                    &clean(title, fonts),
                    bars,
                ));
            }
        }
    }
    Ok(out)
}

/// A chart's bar rows keep with their title this many at least, when the whole chart is
/// taller than a page and must break: a title never ends a page.
const CHART_ROWS_WITH_TITLE: usize = 3;

/// A bar chart: its title as a heading, then one item per bar, the label wrapped (at most
/// [`BAR_LABEL_LINES`], then cut with …) in a column on the left, the bar in its tone's
/// colour scaled to the largest value, the value just past the bar's end. The label column
/// is as wide as the widest label up to two fifths of the width (and never leaves the bars
/// less than a quarter); labels are measured, so none reaches into the gap before the bars.
/// The title and all the rows go on one page when they fit on one.
fn chart(
    metrics: &Metrics<'_>,
    fonts: &Fonts,
    paper: Paper,
    geo: &Geometry,
    title: &str,
    bars: &[Bar],
) -> Vec<Item> {
    let mut out = Vec::new();
    if !title.trim().is_empty() {
        out.extend(text_lines(
            metrics,
            title,
            paper,
            Style::Heading,
            Align::Left,
            geo.width,
        ));
    }
    let format = Format::of(paper, Style::Normal);
    let size = format.size;
    let width = geo.width;
    let gap = size * 0.6;
    let labels: Vec<String> = bars
        .iter()
        .map(|b| tidy_label(&clean(&b.label, fonts)))
        .collect();
    let values: Vec<String> = bars.iter().map(|b| b.value.to_string()).collect();
    let value_width = values
        .iter()
        .map(|v| metrics.width(v, size))
        .fold(0.0, f32::max);
    let widest = labels
        .iter()
        .flat_map(|l| l.lines())
        .map(|l| metrics.width(l, size))
        .fold(0.0, f32::max);
    let column = widest
        .min(width * 0.4)
        .min((width * 0.75 - 2.0 * gap - value_width).max(0.0));
    // Squeezed below one Chinese character (and below the widest label): labels go on their
    // own lines above their bars.
    let stacked = column < size.min(widest);
    let bar_x = if stacked || widest == 0.0 {
        0.0
    } else {
        column + gap
    };
    let longest = (width - bar_x - gap - value_width).max(0.0);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let bar_height = size * 0.8;
    let first_row = out.len();
    for ((bar, label), value) in bars.iter().zip(labels).zip(values) {
        if stacked {
            let lines = text_lines(metrics, &label, paper, Style::Normal, Align::Left, width);
            out.extend(lines.into_iter().map(|mut item| {
                item.keep_with_next = true;
                item
            }));
        }
        let lines = if stacked || widest == 0.0 {
            Vec::new()
        } else {
            label_lines(metrics, &label, size, column)
        };
        let mut marks: Vec<Mark> = lines
            .into_iter()
            .enumerate()
            .filter_map(|(i, line)| {
                let mut mark = text_mark(metrics, line, 0.0, column, format, Align::Left)?;
                if let Mark::Text { baseline, .. } = &mut mark {
                    *baseline += i as f32 * format.height;
                }
                Some(mark)
            })
            .collect();
        let rows = marks.len().max(1);
        let length = if bar.value == 0 || max == 0 {
            0.0
        } else {
            // At least a hairline: a count of one beside a thousand still shows.
            ((bar.value as f64 / max as f64) as f32 * longest).clamp(mm(0.3).min(longest), longest)
        };
        if length > 0.0 {
            marks.push(Mark::Bar {
                x: bar_x,
                y: (format.height - bar_height) / 2.0,
                width: length,
                height: bar_height,
                rgb: bar.tone.rgb(),
            });
        }
        let value_x = bar_x + length + if length > 0.0 { gap / 2.0 } else { 0.0 };
        marks.extend(text_mark(
            metrics,
            value,
            value_x,
            value_width + gap,
            format,
            Align::Left,
        ));
        out.push(Item::new(rows as f32 * format.height, marks));
    }
    // The title and its chart on one page; a chart taller than a page keeps its first rows
    // with the title and breaks where it must after them (a tie longer than a page would
    // break before every row).
    let total: f32 = out.iter().map(|i| i.height).sum();
    let tied = if total <= geo.content_height() {
        out.len().saturating_sub(1)
    } else {
        (first_row + CHART_ROWS_WITH_TITLE.saturating_sub(1)).min(out.len().saturating_sub(1))
    };
    for item in out.iter_mut().take(tied) {
        item.keep_with_next = true;
    }
    out
}

/// `label` wrapped to `column` points at `size` in at most [`BAR_LABEL_LINES`] lines, no line
/// wider than the column: closing punctuation that would hang past the edge (as it may in
/// running text) is wrapped earlier instead, and a label that needs more lines is cut with …
fn label_lines(metrics: &Metrics<'_>, label: &str, size: f32, column: f32) -> Vec<String> {
    let fits = |line: &str| metrics.width(line, size) <= column + 0.01;
    let mut max = column;
    let mut lines = metrics.wrap(label, size, max);
    while !lines.iter().all(|l| fits(l)) && max > size * 1.5 {
        max -= size / 2.0;
        lines = metrics.wrap(label, size, max);
    }
    if lines.len() > BAR_LABEL_LINES {
        lines.truncate(BAR_LABEL_LINES);
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(last, fits);
        }
    }
    for line in &mut lines {
        if !fits(line) {
            *line = ellipsize(line, fits);
        }
    }
    lines
}

/// One item per wrapped line of `text`.
fn text_lines(
    metrics: &Metrics<'_>,
    text: &str,
    paper: Paper,
    style: Style,
    align: Align,
    width: f32,
) -> Vec<Item> {
    let format = Format::of(paper, style);
    metrics
        .wrap(text, format.size, width)
        .into_iter()
        .map(|line| {
            let marks = text_mark(metrics, line, 0.0, width, format, align);
            Item::new(format.height, marks.into_iter().collect())
        })
        .collect()
}

/// A line of text aligned within a column `width` wide starting at `left`; nothing for an
/// empty line.
fn text_mark(
    metrics: &Metrics<'_>,
    line: String,
    left: f32,
    width: f32,
    format: Format,
    align: Align,
) -> Option<Mark> {
    let Format {
        size,
        height,
        weight,
    } = format;
    if line.is_empty() {
        return None;
    }
    let used = metrics.width(&line, size);
    // A line with hanging punctuation is wider than the column: it starts at the left edge.
    let x = match align {
        Align::Left => 0.0,
        Align::Center => ((width - used) / 2.0).max(0.0),
        Align::Right => (width - used).max(0.0),
    };
    Some(Mark::Text {
        x: left + x,
        // The em box centred in the line.
        baseline: (height - size) / 2.0 + ASCENT_EM * size,
        size,
        weight,
        text: line,
    })
}

/// How the document's fields are laid out, decided once so they all line up.
struct FieldLayout {
    format: Format,
    /// The label column's width when labels sit beside their values; `None` when every label
    /// goes on its own line above its value (a label too wide for a column on this paper).
    column: Option<f32>,
    /// Space between the label column and the value.
    gap: f32,
    width: f32,
}

impl FieldLayout {
    /// A label column at most this share of the printable width; wider labels go above.
    const MAX_COLUMN_SHARE: f32 = 0.4;

    fn of(doc: &Document, fonts: &Fonts, metrics: &Metrics<'_>, geo: &Geometry) -> Self {
        let format = Format::of(doc.paper, Style::Normal);
        let size = format.size;
        let widest = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Field { label, .. } => Some(
                    clean(label, fonts)
                        .split('\n')
                        .map(|l| metrics.width(l, size))
                        .fold(0.0, f32::max),
                ),
                _ => None,
            })
            .fold(0.0, f32::max);
        let column = (widest <= geo.width * Self::MAX_COLUMN_SHARE).then_some(widest);
        Self {
            format,
            column,
            gap: size,
            width: geo.width,
        }
    }

    fn field(&self, metrics: &Metrics<'_>, label: &str, value: &str) -> Vec<Item> {
        let Format { size, height, .. } = self.format;
        let line = |text: String, left: f32, width: f32| {
            text_mark(metrics, text, left, width, self.format, Align::Left)
        };
        match self.column {
            Some(column) => {
                let value_left = column + self.gap;
                let value_width = self.width - value_left;
                let labels = metrics.wrap(label, size, column);
                let values = metrics.wrap(value, size, value_width);
                let rows = labels.len().max(values.len());
                let mut labels = labels.into_iter();
                let mut values = values.into_iter();
                (0..rows)
                    .map(|row| {
                        let marks = [
                            labels.next().and_then(|l| line(l, 0.0, column)),
                            values.next().and_then(|v| line(v, value_left, value_width)),
                        ];
                        let mut item = Item::new(height, marks.into_iter().flatten().collect());
                        // The label's row never ends a page alone; a long value may break
                        // after any later row.
                        item.keep_with_next = row == 0 && rows > 1;
                        item
                    })
                    .collect()
            }
            None => {
                // Stacked: the label, then the value indented by one em.
                let indent = size;
                let mut out: Vec<Item> = metrics
                    .wrap(label, size, self.width)
                    .into_iter()
                    .map(|l| {
                        let mut item =
                            Item::new(height, line(l, 0.0, self.width).into_iter().collect());
                        item.keep_with_next = true;
                        item
                    })
                    .collect();
                out.extend(
                    metrics
                        .wrap(value, size, self.width - indent)
                        .into_iter()
                        .map(|v| {
                            Item::new(
                                height,
                                line(v, indent, self.width - indent).into_iter().collect(),
                            )
                        }),
                );
                out
            }
        }
    }
}

/// A QR code of `data` (level M) centred on the column with its four-module quiet zone. The
/// module is as large as fits (the code within the printable width, the quiet zone within the
/// paper, whose margins are white anyway), at most [`MAX_QR_MODULE_MM`].
fn qr_item(data: &str, paper: Paper, geo: &Geometry) -> Result<Item, PdfError> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| PdfError::QrTooLong {
            chars: data.chars().count(),
        })?;
    let modules = code.width();
    let with_quiet = modules + 8;
    let module = (geo.width / modules as f32)
        .min(geo.page_width / with_quiet as f32)
        .min(mm(MAX_QR_MODULE_MM));
    if module < mm(MIN_QR_MODULE_MM) {
        return Err(PdfError::QrTooDense {
            modules,
            needed_mm: modules as f32 * MIN_QR_MODULE_MM,
            paper: paper.as_str(),
            available_mm: paper.printable_width_mm(),
        });
    }
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(Item::new(
        with_quiet as f32 * module,
        vec![Mark::Qr {
            centre: geo.width / 2.0,
            module,
            modules,
            dark,
        }],
    ))
}

/// One page's items, each with its top relative to the top margin, and the page's height.
pub(crate) struct PageLayout {
    pub height: f32,
    pub items: Vec<(f32, Item)>,
}

/// Distributes `items` over pages: a sheet breaks when the next item (with what it keeps
/// with) would cross the bottom margin; a roll is one page as long as its content, unless
/// that passes [`MAX_ROLL_PAGE_MM`].
///
/// A QR code that would push the end of the document (or else just its caption) onto another
/// sheet is made smaller instead, down to [`MIN_QR_MODULE_MM`] a module: a receipt then
/// stays on one sheet with its code.
pub(crate) fn paginate(items: Vec<Item>, geo: &Geometry) -> Vec<PageLayout> {
    let room = geo.content_height();
    // Heights and ties are read ahead; only the item being placed ever changes.
    let ahead: Vec<(f32, bool)> = items.iter().map(|i| (i.height, i.keep_with_next)).collect();
    let mut pages: Vec<Vec<(f32, Item)>> = vec![Vec::new()];
    let mut y = 0.0_f32;
    for (i, mut item) in items.into_iter().enumerate() {
        // What this item must not be parted from.
        let mut tied = 0.0;
        let mut j = i;
        while ahead[j].1 && j + 1 < ahead.len() && item.height + tied < room {
            j += 1;
            tied += ahead[j].0;
        }
        if matches!(item.marks.as_slice(), [Mark::Qr { .. }]) {
            // A code near the end (a receipt's) shrinks so that the rest of the document
            // ends on this sheet, when the rest is short enough for that.
            let rest: f32 = ahead[i + 1..].iter().map(|(h, _)| h).sum();
            if y + item.height + rest > room {
                item.shrink_qr(room - y - rest);
            }
        }
        let need = (item.height + tied).min(room);
        if y > 0.0 && y + need > room && !item.shrink_qr(room - y - tied) {
            pages.push(Vec::new());
            y = 0.0;
        }
        if item.blank && y == 0.0 && pages.len() > 1 {
            continue;
        }
        let height = item.height;
        if let Some(page) = pages.last_mut() {
            page.push((y, item));
        }
        y += height;
    }
    pages
        .into_iter()
        .map(|items| {
            let height = match geo.page_height {
                Some(h) => h,
                None => {
                    let used = items.last().map_or(0.0, |(top, item)| top + item.height);
                    geo.margin_top + used + geo.margin_bottom
                }
            };
            PageLayout { height, items }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_printdoc::Tone;

    fn doc(paper: Paper, blocks: Vec<Block>) -> Document {
        Document {
            paper,
            title: "t".into(),
            lang: "zh-CN".into(),
            blocks,
        }
    }

    #[test]
    fn a_sheet_breaks_before_the_bottom_margin_and_a_roll_does_not() {
        let fonts = Fonts::embedded_only();
        let blocks: Vec<Block> = (0..200)
            .map(|i| Block::text(format!("第{i}行 line {i}"), Style::Normal))
            .collect();
        for paper in [Paper::A4, Paper::A6] {
            let geo = Geometry::of(paper);
            let items = items(&doc(paper, blocks.clone()), &fonts, &geo).expect("lays out");
            let pages = paginate(items, &geo);
            assert!(pages.len() > 2, "{paper:?}: {} pages", pages.len());
            for page in &pages {
                let bottom = page.items.last().map_or(0.0, |(y, i)| y + i.height);
                assert!(
                    bottom <= geo.content_height() + 0.01,
                    "{paper:?} overflows: {bottom}"
                );
            }
            let placed: usize = pages.iter().map(|p| p.items.len()).sum();
            assert_eq!(placed, 200, "{paper:?} lost lines");
        }
        let geo = Geometry::of(Paper::Roll58);
        let items = items(&doc(Paper::Roll58, blocks), &fonts, &geo).expect("lays out");
        assert_eq!(paginate(items, &geo).len(), 1);
    }

    /// A6 pages of `filler` lines of text, then a QR code of 100 characters with a caption;
    /// returns the pages and the code's height at its full size.
    fn filler_then_qr(filler_mm: f32) -> (Vec<PageLayout>, f32) {
        let fonts = Fonts::embedded_only();
        let geo = Geometry::of(Paper::A6);
        let qr = Block::Qr {
            data: "CSR1:".to_owned() + &"A".repeat(100),
            caption: Some("扫码核验".into()),
        };
        let full =
            items(&doc(Paper::A6, vec![qr.clone()]), &fonts, &geo).expect("lays out")[0].height;
        let line = Format::of(Paper::A6, Style::Normal).height;
        let lines = (mm(filler_mm) / line).ceil() as usize;
        let mut blocks: Vec<Block> = (0..lines)
            .map(|_| Block::text("x", Style::Normal))
            .collect();
        blocks.push(qr);
        let laid = items(&doc(Paper::A6, blocks), &fonts, &geo).expect("lays out");
        (paginate(laid, &geo), full)
    }

    fn qr_module(pages: &[PageLayout]) -> Option<f32> {
        pages
            .iter()
            .flat_map(|p| &p.items)
            .find_map(|(_, item)| match item.marks.as_slice() {
                [Mark::Qr { module, .. }] => Some(*module),
                _ => None,
            })
    }

    #[test]
    fn a_qr_code_shrinks_to_stay_on_the_page_and_moves_when_it_cannot() {
        // The code (version 5, 37 modules) is 45 mm with its quiet zone at 1 mm a module, at
        // least 22.5 mm at 0.5 mm; A6 holds 132 mm.
        let (pages, full) = filler_then_qr(10.0);
        assert_eq!(pages.len(), 1);
        assert_eq!(qr_module(&pages), Some(mm(1.0)), "room enough: full size");
        assert!((full - mm(45.0)).abs() < 0.01, "{full}");

        let (pages, _) = filler_then_qr(95.0);
        assert_eq!(pages.len(), 1, "the code shrinks onto the page");
        let module = qr_module(&pages).expect("a code");
        assert!(module >= mm(0.5) && module < mm(1.0), "{module}");
        let bottom = pages[0].items.last().map_or(0.0, |(y, i)| y + i.height);
        assert!(bottom <= Geometry::of(Paper::A6).content_height() + 0.01);

        let (pages, _) = filler_then_qr(115.0);
        assert_eq!(pages.len(), 2, "no room even at 0.5 mm a module");
        assert_eq!(
            qr_module(&pages),
            Some(mm(1.0)),
            "full size on the new page"
        );
        assert_eq!(
            pages[1].items.len(),
            2,
            "the code and its caption move together"
        );
    }

    /// A chart row's parts: label lines (x, right end), the bar (x, width) and the value
    /// (x, right end), from its marks.
    struct Row {
        labels: Vec<(f32, f32)>,
        bar: Option<(f32, f32)>,
        value: (f32, f32),
    }

    fn row(metrics: &Metrics<'_>, item: &Item, value: u64) -> Row {
        let mut labels = Vec::new();
        let mut bar = None;
        let mut value_at = None;
        for mark in &item.marks {
            match mark {
                Mark::Text { x, size, text, .. } => {
                    let span = (*x, x + metrics.width(text, *size));
                    if *text == value.to_string() && value_at.is_none() && !labels.is_empty() {
                        value_at = Some(span);
                    } else {
                        labels.push(span);
                    }
                }
                Mark::Bar { x, width, .. } => bar = Some((*x, *width)),
                other => panic!("unexpected mark in a chart row: {other:?}"),
            }
        }
        Row {
            labels,
            bar,
            value: value_at.unwrap_or_else(|| panic!("no value {value} in {:?}", item.marks)),
        }
    }

    fn chart_bars() -> Vec<Bar> {
        vec![
            Bar::new("有效 VALID", 120, Tone::Good),
            Bar::new(
                "无法确认 CANNOT CONFIRM：链上暂未查到存证（可能刚签发）。Not on chain yet (it may be new)",
                7,
                Tone::Warn,
            ),
            Bar::new("证照内容被篡改（签名不符）", 1, Tone::Bad),
            Bar::new("零 Zero", 0, Tone::Neutral),
        ]
    }

    #[test]
    fn chart_labels_bars_and_values_never_overlap() {
        let fonts = Fonts::embedded_only();
        let metrics = Metrics::new(&fonts);
        let bars = chart_bars();
        for paper in Paper::ALL {
            let geo = Geometry::of(paper);
            let blocks = vec![Block::bars("核验结论 Verdicts", bars.clone())];
            let laid = items(&doc(paper, blocks), &fonts, &geo).expect("lays out");
            assert_eq!(
                laid.len(),
                1 + bars.len(),
                "{paper:?}: a title and a row a bar"
            );
            let rows: Vec<Row> = laid[1..]
                .iter()
                .zip(&bars)
                .map(|(item, bar)| row(&metrics, item, bar.value))
                .collect();
            let bar_x = rows[0].bar.expect("the largest bar").0;
            let longest = rows[0].bar.expect("the largest bar").1;
            for (r, bar) in rows.iter().zip(&bars) {
                let what = format!("{paper:?}, {:?}", bar.label);
                assert!(!r.labels.is_empty(), "{what}: no label");
                assert!(r.labels.len() <= BAR_LABEL_LINES, "{what}: too many lines");
                for (x, end) in &r.labels {
                    assert!(
                        *x >= 0.0 && *end < bar_x,
                        "{what}: label {x}..{end} meets the bar at {bar_x}"
                    );
                }
                let bar_end = match r.bar {
                    Some((x, width)) => {
                        assert!((x - bar_x).abs() < 0.01, "{what}: bars start together");
                        // Proportional to the value.
                        let want = longest * bar.value as f32 / 120.0;
                        assert!(
                            (width - want).abs() <= mm(0.3),
                            "{what}: {width} pt long, want {want}"
                        );
                        x + width
                    }
                    None => {
                        assert_eq!(bar.value, 0, "{what}: no bar");
                        bar_x
                    }
                };
                let (value_x, value_end) = r.value;
                assert!(
                    value_x >= bar_end,
                    "{what}: value at {value_x} inside the bar"
                );
                assert!(
                    value_end <= geo.width + 0.01,
                    "{what}: value past the column"
                );
            }
            // The long label was cut, not dropped: its first line is there.
            assert!(rows[1].labels.len() == BAR_LABEL_LINES, "{paper:?}");
        }
    }

    #[test]
    fn short_labels_sit_beside_their_bars_and_line_breaks_are_kept() {
        let fonts = Fonts::embedded_only();
        let geo = Geometry::of(Paper::A4);
        let bars = vec![
            Bar::new("1", 40, Tone::Neutral),
            Bar::new("2", 30, Tone::Neutral),
            Bar::new("证照已过期\nThe credential has expired", 3, Tone::Bad),
        ];
        let blocks = vec![Block::bars("窗口 Counters", bars)];
        let laid = items(&doc(Paper::A4, blocks), &fonts, &geo).expect("lays out");
        assert_eq!(laid.len(), 4, "a title and one item a bar");
        let texts = |item: &Item| -> Vec<String> {
            item.marks
                .iter()
                .filter_map(|m| match m {
                    Mark::Text { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(texts(&laid[1]), ["1", "40"]);
        assert_eq!(
            texts(&laid[3]),
            ["证照已过期", "The credential has expired", "3"]
        );
    }

    #[test]
    fn a_chart_moves_to_the_next_page_with_its_title() {
        let fonts = Fonts::embedded_only();
        let geo = Geometry::of(Paper::A4);
        let line = Format::of(Paper::A4, Style::Normal).height;
        // Filler to 20 lines short of the page's end; the chart needs more than that.
        let filler = (geo.content_height() / line) as usize - 20;
        let mut blocks: Vec<Block> = (0..filler)
            .map(|i| Block::text(format!("第{i}行"), Style::Normal))
            .collect();
        let bars: Vec<Bar> = (0..24)
            .map(|h| Bar::new(format!("{h:02}:00"), h, Tone::Neutral))
            .collect();
        blocks.push(Block::bars("每小时 Per hour", bars));
        let laid = items(&doc(Paper::A4, blocks), &fonts, &geo).expect("lays out");
        let pages = paginate(laid, &geo);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].items.len(), filler, "the chart left page 1 whole");
        assert_eq!(pages[1].items.len(), 25, "title and 24 bars on page 2");
    }

    #[test]
    fn a_chart_taller_than_a_page_breaks_after_its_first_rows() {
        let fonts = Fonts::embedded_only();
        let geo = Geometry::of(Paper::A6);
        let bars: Vec<Bar> = (0..60)
            .map(|i| Bar::new(format!("clerk-{i:03}"), i + 1, Tone::Neutral))
            .collect();
        let mut blocks = vec![Block::text("前言 Preface", Style::Normal); 3];
        blocks.push(Block::bars("各办事员 Per clerk", bars));
        let laid = items(&doc(Paper::A6, blocks), &fonts, &geo).expect("lays out");
        let count = laid.len();
        let pages = paginate(laid, &geo);
        let placed: usize = pages.iter().map(|p| p.items.len()).sum();
        assert_eq!(placed, count);
        // It starts on page 1 below the preface, and every page is filled: no page per row.
        assert!(
            pages[0].items.len() > 3 + CHART_ROWS_WITH_TITLE,
            "{}",
            pages[0].items.len()
        );
        let line = Format::of(Paper::A6, Style::Normal).height;
        let per_page = (geo.content_height() / line) as usize;
        assert!(pages.len() <= 64 / per_page + 2, "{} pages", pages.len());
    }

    #[test]
    fn a_code_too_dense_for_the_paper_is_refused() {
        let geo = Geometry::of(Paper::Roll58);
        // ~1,850 alphanumeric characters: version 30, 137 modules, 68.5 mm at 0.5 mm.
        let data = "CS1:".to_owned() + &"ABC123".repeat(308);
        match qr_item(&data, Paper::Roll58, &geo) {
            Err(PdfError::QrTooDense { modules, .. }) => assert!(modules > 96),
            other => panic!("expected QrTooDense, got {other:?}"),
        }
        // 80 mm prints it at 72 / 137 = 0.53 mm a module.
        assert!(qr_item(&data, Paper::Roll80, &Geometry::of(Paper::Roll80)).is_ok());
        assert!(qr_item(&data, Paper::A6, &Geometry::of(Paper::A6)).is_ok());
        assert!(matches!(
            qr_item(&"A".repeat(5000), Paper::A4, &Geometry::of(Paper::A4)),
            Err(PdfError::QrTooLong { chars: 5000 })
        ));
    }
}
