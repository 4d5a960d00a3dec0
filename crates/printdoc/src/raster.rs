//! Renders a [`Document`] (or one line of it) to a grey-scale picture at a thermal printer's
//! density (8 dots/mm): the preview the clerk sees, and what an ESC/POS printer receives for
//! text its font ROM cannot print.

use crate::fonts::Fonts;
use crate::{wrap_columns, Align, Block, Document, Style};
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
    let scale = PxScale::from(px as f32);
    let width = img.width();
    let used = line_width(fonts, text, px);
    let mut x = match align {
        Align::Left => MARGIN as f32,
        Align::Center => ((width as f32 - used) / 2.0).max(0.0),
        Align::Right => (width as f32 - MARGIN as f32 - used).max(0.0),
    };
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
    use crate::{Document, Paper};

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

    #[test]
    fn too_much_data_for_a_qr_code_is_none() {
        assert!(qr_image(&"A".repeat(5000), 384).is_none());
    }
}
