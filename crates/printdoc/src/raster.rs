//! Renders a [`Document`] (or one line of it) to a grey-scale picture at a thermal printer's
//! density (8 dots/mm): the preview the clerk sees, and what an ESC/POS printer receives for
//! text its font ROM cannot print.

use crate::fonts::Fonts;
use crate::{
    bar_length, ellipsize, tidy_label, wrap_columns, Align, Bar, Block, Document, Style,
    BAR_LABEL_LINES,
};
use ab_glyph::{Font, PxScale, ScaleFont};
use image::{GrayImage, Luma};

/// Pixel height of each style's glyphs at 8 dots/mm (24 dots = a thermal printer's standard
/// 12 × 24 font).
pub fn style_px(style: Style) -> u32 {
    match style {
        Style::Small => 20,
        Style::Normal => 24,
        Style::Heading => 32,
        Style::Verdict => 56,
    }
}

const MARGIN: u32 = 4;

/// Draws `text` on one line, `px` high, into a white picture `width` dots wide (text beyond
/// the width is cut: wrap first).
pub fn render_line(fonts: &Fonts, text: &str, px: u32, align: Align, width: u32) -> GrayImage {
    let height = px + px / 4;
    let mut img = GrayImage::from_pixel(width, height, Luma([255]));
    draw_line(&mut img, fonts, text, px, align, 0);
    img
}

/// Width in dots of `text` at `px`.
pub fn line_width(fonts: &Fonts, text: &str, px: u32) -> f32 {
    let scale = PxScale::from(px as f32);
    fonts
        .runs(text)
        .iter()
        .map(|(face, run)| {
            let font = face.font().as_scaled(scale);
            run.chars()
                .map(|c| font.h_advance(font.glyph_id(c)))
                .sum::<f32>()
        })
        .sum()
}

fn draw_line(img: &mut GrayImage, fonts: &Fonts, text: &str, px: u32, align: Align, top: u32) {
    let width = img.width();
    let used = line_width(fonts, text, px);
    let x = match align {
        Align::Left => MARGIN as f32,
        Align::Center => ((width as f32 - used) / 2.0).max(0.0),
        Align::Right => (width as f32 - MARGIN as f32 - used).max(0.0),
    };
    draw_at(img, fonts, text, px, x, top);
}

/// Draws `text` from `x` (the left end of its first glyph's advance) on a line whose top is
/// `top`; what falls outside `img` is cut.
fn draw_at(img: &mut GrayImage, fonts: &Fonts, text: &str, px: u32, mut x: f32, top: u32) {
    let scale = PxScale::from(px as f32);
    for (face, run) in fonts.runs(text) {
        let font = face.font().as_scaled(scale);
        // Glyphs sit on a common baseline: the shipped font's ascent scaled to px.
        let baseline = top as f32 + px as f32 * 0.88;
        for c in run.chars() {
            let id = font.glyph_id(c);
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(x, baseline));
            x += font.h_advance(id);
            if let Some(outline) = face.font().outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    let px_x = bounds.min.x as i64 + i64::from(gx);
                    let px_y = bounds.min.y as i64 + i64::from(gy);
                    if px_x >= 0
                        && px_y >= 0
                        && (px_x as u32) < img.width()
                        && (px_y as u32) < img.height()
                    {
                        let pixel = img.get_pixel_mut(px_x as u32, px_y as u32);
                        let ink = (255.0 * (1.0 - coverage.clamp(0.0, 1.0))) as u8;
                        pixel.0[0] = pixel.0[0].min(ink);
                    }
                });
            }
        }
    }
}

/// Cells across `width` dots at `px` (a CJK character takes two cells of px/2).
fn columns(width: u32, px: u32) -> usize {
    ((width.saturating_sub(2 * MARGIN)) / (px / 2).max(1)) as usize
}

/// The lines a text block occupies at `px` on `width` dots.
pub fn wrap_px(text: &str, px: u32, width: u32) -> Vec<String> {
    wrap_columns(text, columns(width, px))
}

/// Renders the whole document at 8 dots/mm across its paper's printable width.
pub fn render(doc: &Document, fonts: &Fonts) -> GrayImage {
    let width = doc.paper.thermal_dots();
    let mut rows: Vec<GrayImage> = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Text(t) => {
                let px = style_px(t.style);
                for line in wrap_px(&t.text, px, width) {
                    rows.push(render_line(fonts, &line, px, t.align, width));
                }
            }
            Block::Field { label, value } => {
                let px = style_px(Style::Normal);
                for line in wrap_px(&format!("{label}：{value}"), px, width) {
                    rows.push(render_line(fonts, &line, px, Align::Left, width));
                }
            }
            Block::Rule => {
                let mut img = GrayImage::from_pixel(width, 12, Luma([255]));
                for x in MARGIN..width.saturating_sub(MARGIN) {
                    for y in 5..7 {
                        img.put_pixel(x, y, Luma([0]));
                    }
                }
                rows.push(img);
            }
            Block::Space => rows.push(GrayImage::from_pixel(width, 24, Luma([255]))),
            Block::Bars { title, bars } => rows.extend(bar_chart(fonts, title, bars, width)),
            Block::Qr { data, caption } => {
                if let Some(img) = qr_image(data, width) {
                    rows.push(img);
                }
                if let Some(caption) = caption {
                    let px = style_px(Style::Small);
                    for line in wrap_px(caption, px, width) {
                        rows.push(render_line(fonts, &line, px, Align::Center, width));
                    }
                }
            }
        }
    }
    stack(width, &rows)
}

/// Dots between a chart's label column, its bars and their values.
const BAR_GAP: u32 = 12;

/// A bar's thickness: 2 mm, within the 30-dot row of a 24-dot line.
const BAR_DOTS: u32 = 16;

/// A bar chart as rows of pictures: the title as a heading, then one row per bar with its
/// label wrapped into a column on the left, the bar in its tone's grey scaled to the largest
/// value, and the value just past the bar's end.
fn bar_chart(fonts: &Fonts, title: &str, bars: &[Bar], width: u32) -> Vec<GrayImage> {
    let mut rows = Vec::new();
    let heading = style_px(Style::Heading);
    if !title.trim().is_empty() {
        for line in wrap_px(title, heading, width) {
            rows.push(render_line(fonts, &line, heading, Align::Left, width));
        }
    }
    let px = style_px(Style::Normal);
    let line_height = px + px / 4;
    let inner = width.saturating_sub(2 * MARGIN);
    let dots = |text: &str| line_width(fonts, text, px).ceil() as u32;
    let values: Vec<String> = bars.iter().map(|b| b.value.to_string()).collect();
    let labels: Vec<String> = bars.iter().map(|b| tidy_label(&b.label)).collect();
    let value_width = values.iter().map(|v| dots(v)).max().unwrap_or(0);
    let widest = labels
        .iter()
        .flat_map(|l| l.lines())
        .map(dots)
        .max()
        .unwrap_or(0);
    // The label column: as wide as the widest label, but at most two fifths of the width and
    // never so wide that the bars get less than a quarter.
    let column = widest
        .min(inner * 2 / 5)
        .min(inner.saturating_sub(2 * BAR_GAP + value_width + inner / 4));
    // Squeezed below one Chinese character (and below the widest label): labels go on their
    // own lines above their bars.
    let stacked = column < px.min(widest);
    let bar_x = if stacked || widest == 0 {
        MARGIN
    } else {
        MARGIN + column + BAR_GAP
    };
    let longest = width
        .saturating_sub(MARGIN)
        .saturating_sub(bar_x + BAR_GAP + value_width);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    for ((bar, label), value) in bars.iter().zip(&labels).zip(&values) {
        if stacked {
            for line in wrap_px(label, px, width) {
                rows.push(render_line(fonts, &line, px, Align::Left, width));
            }
        }
        let lines = if stacked || widest == 0 {
            Vec::new()
        } else {
            label_lines(fonts, label, px, column)
        };
        let height = line_height * (lines.len().max(1) as u32);
        let mut row = GrayImage::from_pixel(width, height, Luma([255]));
        for (i, line) in lines.iter().enumerate() {
            // Drawn into a picture as wide as the column, so nothing can reach the bar.
            let picture = render_line(fonts, line, px, Align::Left, MARGIN + column);
            darken(&mut row, &picture, 0, i as u32 * line_height);
        }
        let length = bar_length(bar.value, max, longest);
        let top = (line_height - BAR_DOTS) / 2;
        for y in top..top + BAR_DOTS {
            for x in bar_x..bar_x + length {
                row.put_pixel(x, y, Luma([bar.tone.grey()]));
            }
        }
        let value_x = bar_x + length + if length > 0 { BAR_GAP / 2 } else { 0 };
        draw_at(&mut row, fonts, value, px, value_x as f32, 0);
        rows.push(row);
    }
    rows
}

/// `label` wrapped to `column` dots at `px` in at most [`BAR_LABEL_LINES`] lines, the last
/// one cut with … when the label is longer.
fn label_lines(fonts: &Fonts, label: &str, px: u32, column: u32) -> Vec<String> {
    let fits = |line: &str| line_width(fonts, line, px) <= column as f32;
    // Wrapping counts cells of px/2, but Latin capitals are wider than a cell: wrap to
    // fewer cells until every line fits the measured column.
    let mut cells = (column / (px / 2).max(1)).max(2) as usize;
    let mut lines = wrap_columns(label, cells);
    while cells > 2 && !lines.iter().all(|l| fits(l)) {
        cells -= 1;
        lines = wrap_columns(label, cells);
    }
    if lines.len() > BAR_LABEL_LINES {
        lines.truncate(BAR_LABEL_LINES);
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(last, |l| fits(l));
        }
    }
    lines
}

/// Draws `src` over `dst` with its top-left corner at (`x`, `y`), keeping the darker pixel.
fn darken(dst: &mut GrayImage, src: &GrayImage, x: u32, y: u32) {
    for (sx, sy, p) in src.enumerate_pixels() {
        let (dx, dy) = (x + sx, y + sy);
        if dx < dst.width() && dy < dst.height() {
            let pixel = dst.get_pixel_mut(dx, dy);
            pixel.0[0] = pixel.0[0].min(p.0[0]);
        }
    }
}

/// A QR code of `data` (ECC M), centred on `width` dots with the largest whole number of dots
/// per module that fits with its quiet zone; `None` if the data does not fit a QR code.
pub fn qr_image(data: &str, width: u32) -> Option<GrayImage> {
    let code =
        qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M).ok()?;
    let modules = code.width() as u32;
    let scale = (width / (modules + 8)).clamp(1, 8);
    let side = (modules + 8) * scale;
    let mut img = GrayImage::from_pixel(width, side, Luma([255]));
    let left = (width.saturating_sub(side)) / 2 + 4 * scale;
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % modules, i as u32 / modules);
            for dy in 0..scale {
                for dx in 0..scale {
                    let (x, y) = (left + mx * scale + dx, 4 * scale + my * scale + dy);
                    if x < width {
                        img.put_pixel(x, y, Luma([0]));
                    }
                }
            }
        }
    }
    Some(img)
}

fn stack(width: u32, rows: &[GrayImage]) -> GrayImage {
    let height = rows.iter().map(GrayImage::height).sum::<u32>().max(1);
    let mut out = GrayImage::from_pixel(width, height, Luma([255]));
    let mut y = 0;
    for row in rows {
        for (x, ry, p) in row.enumerate_pixels() {
            out.put_pixel(x, y + ry, *p);
        }
        y += row.height();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, Paper, Tone};

    fn ink(img: &GrayImage) -> usize {
        img.pixels().filter(|p| p.0[0] < 128).count()
    }

    #[test]
    fn a_line_of_chinese_leaves_ink() {
        let fonts = Fonts::embedded_only();
        let img = render_line(&fonts, "核验回执", 24, Align::Left, 384);
        assert_eq!(img.width(), 384);
        assert!(ink(&img) > 200, "ink {}", ink(&img));
        // Four CJK glyphs of 24 dots, left aligned: nothing right of the middle.
        let right: usize = img
            .enumerate_pixels()
            .filter(|(x, _, p)| *x > 200 && p.0[0] < 128)
            .count();
        assert_eq!(right, 0);
    }

    #[test]
    fn a_document_renders_at_the_rolls_width_with_its_qr() {
        let fonts = Fonts::embedded_only();
        let doc = Document {
            paper: Paper::Roll58,
            title: "t".into(),
            lang: "zh-CN".into(),
            blocks: vec![
                Block::centered("北京市朝阳区政务服务中心", Style::Heading),
                Block::Rule,
                Block::field("结果 Verdict", "有效 VALID"),
                Block::Qr {
                    data: "CSR1:ABC".into(),
                    caption: Some("扫码核验 Scan to verify".into()),
                },
            ],
        };
        let img = render(&doc, &fonts);
        assert_eq!(img.width(), 384);
        assert!(img.height() > 300);
    }

    /// Where a chart row's bar starts and how many dots of `grey` it has: the longest run of
    /// `grey` across the middle of the bar's line, times the rows that run is solid in (a
    /// glyph's stroke can share the bar's grey, but not its length and height both).
    fn bar_dots(row: &GrayImage, grey: u8) -> Option<(u32, usize)> {
        let middle = (style_px(Style::Normal) * 5 / 4) / 2;
        let mut best: Option<(u32, u32)> = None;
        let mut x = 0;
        while x < row.width() {
            let from = x;
            while x < row.width() && row.get_pixel(x, middle).0[0] == grey {
                x += 1;
            }
            if x > from && best.is_none_or(|(_, len)| x - from > len) {
                best = Some((from, x - from));
            }
            x += 1;
        }
        let (start, len) = best?;
        let solid = (0..row.height())
            .filter(|y| (start..start + len).all(|x| row.get_pixel(x, *y).0[0] == grey))
            .count();
        Some((start, len as usize * solid))
    }

    #[test]
    fn bars_are_as_long_as_their_values() {
        let fonts = Fonts::embedded_only();
        let grey = Tone::Neutral.grey();
        for paper in [Paper::Roll58, Paper::Roll80, Paper::A4] {
            let values = [10, 20, 40, 0, 1];
            let bars: Vec<Bar> = values
                .iter()
                .enumerate()
                .map(|(i, v)| Bar::new(format!("窗口 {i}"), *v, Tone::Neutral))
                .collect();
            let rows = bar_chart(&fonts, "核验量 Volume", &bars, paper.thermal_dots());
            // One title line, then one row per bar.
            assert_eq!(rows.len(), 1 + values.len(), "{paper:?}");
            let found: Vec<Option<(u32, usize)>> =
                rows[1..].iter().map(|r| bar_dots(r, grey)).collect();
            let (start, largest) = found[2].unwrap_or_else(|| panic!("{paper:?}: no bar for 40"));
            for (value, got) in values.iter().zip(&found) {
                match got {
                    None => assert_eq!(*value, 0, "{paper:?}: no bar for {value}"),
                    Some((x, dots)) => {
                        assert_eq!(*x, start, "{paper:?}: bars start at one x");
                        // Ink in proportion to the value, within a dot of length (rounding)
                        // on each of the bar's rows.
                        let want = largest as f64 * *value as f64 / 40.0;
                        assert!(
                            (*dots as f64 - want).abs() <= f64::from(BAR_DOTS),
                            "{paper:?}: {value} has {dots} dots of bar, want {want:.0}"
                        );
                    }
                }
            }
            // The largest bar reaches across most of the width left after labels and values.
            assert!(
                largest as u32 / BAR_DOTS > paper.thermal_dots() / 3,
                "{paper:?}: the largest bar is {} dots long",
                largest as u32 / BAR_DOTS
            );
        }
    }

    #[test]
    fn a_long_label_wraps_in_its_column_and_never_reaches_the_bar() {
        let fonts = Fonts::embedded_only();
        let label = "无法确认 CANNOT CONFIRM：链上暂未查到存证（可能刚签发）Not on chain yet";
        for paper in [Paper::Roll58, Paper::Roll80, Paper::A4] {
            let bars = vec![
                Bar::new(label, 20, Tone::Warn),
                Bar::new("有效 VALID", 30, Tone::Good),
                Bar::new("无效 INVALID", 15, Tone::Bad),
            ];
            let rows = bar_chart(&fonts, "", &bars, paper.thermal_dots());
            assert_eq!(rows.len(), 3, "{paper:?}: no title, three bars");
            for (row, bar) in rows.iter().zip(&bars) {
                let (x, _) = bar_dots(row, bar.tone.grey())
                    .unwrap_or_else(|| panic!("{paper:?}: no {:?} bar", bar.tone));
                // The gap before the bar is white on every line of the row.
                for y in 0..row.height() {
                    for gx in x - BAR_GAP..x {
                        assert_eq!(
                            row.get_pixel(gx, y).0[0],
                            255,
                            "{paper:?}: ink at ({gx}, {y}) between {:?}'s label and bar",
                            bar.label
                        );
                    }
                }
                let label_ink = row
                    .enumerate_pixels()
                    .filter(|(px, _, p)| *px < x && p.0[0] < 128)
                    .count();
                assert!(label_ink > 50, "{paper:?}: {:?} has no label", bar.label);
            }
            // The long label takes at most BAR_LABEL_LINES lines.
            let line = style_px(Style::Normal) * 5 / 4;
            assert!(
                rows[0].height() <= BAR_LABEL_LINES as u32 * line,
                "{paper:?}: {}",
                rows[0].height()
            );
        }
    }

    #[test]
    fn short_labels_sit_beside_their_bars() {
        let fonts = Fonts::embedded_only();
        let bars: Vec<Bar> = (1..=3)
            .map(|c| Bar::new(c.to_string(), c * 10, Tone::Neutral))
            .collect();
        let rows = bar_chart(&fonts, "窗口 Counters", &bars, 384);
        assert_eq!(rows.len(), 4, "a title and one row a bar, no label rows");
        let (x, _) = bar_dots(&rows[1], Tone::Neutral.grey()).expect("a bar");
        assert!(
            x < 60,
            "bars start right after the one-digit labels, not at {x}"
        );
    }

    #[test]
    fn a_chart_renders_in_a_document() {
        let fonts = Fonts::embedded_only();
        let doc = Document {
            paper: Paper::Roll58,
            title: "t".into(),
            lang: "zh-CN".into(),
            blocks: vec![
                Block::bars(
                    "核验结论 Verdicts",
                    vec![
                        Bar::new("有效 VALID", 12, Tone::Good),
                        Bar::new("无效 INVALID", 0, Tone::Bad),
                    ],
                ),
                Block::bars("空 Empty", vec![]),
            ],
        };
        let img = render(&doc, &fonts);
        assert_eq!(img.width(), 384);
        assert!(img.pixels().any(|p| p.0[0] == Tone::Good.grey()));
        assert_eq!(fonts.missing(doc.chars()), Vec::<char>::new());
    }

    #[test]
    fn too_much_data_for_a_qr_code_is_none() {
        assert!(qr_image(&"A".repeat(5000), 384).is_none());
    }
}
