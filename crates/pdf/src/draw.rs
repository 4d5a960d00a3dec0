//! Laid-out pages to PDF through krilla: glyphs placed one by one from the faces
//! `Fonts::runs` chooses (krilla embeds each face once, subset, with a ToUnicode map), rules,
//! QR modules and chart bars as filled vector rectangles.

use crate::layout::{face_advance_em, Mark, PageLayout, Weight};
use crate::PdfError;
use ab_glyph::Font as _;
use countersign_printdoc::fonts::{Face, FaceData, Fonts};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::paint::{Fill, LineJoin, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

/// krilla fonts made so far in this render, one per face. Making one hashes the whole font
/// file (8 MB for the shipped font), so it is done once per face, not once per run.
pub(crate) struct FontCache<'f> {
    fonts: Vec<(&'f Face, Font)>,
}

impl<'f> FontCache<'f> {
    pub(crate) fn new() -> Self {
        Self { fonts: Vec::new() }
    }

    fn get(&mut self, face: &'f Face) -> Result<Font, PdfError> {
        // Faces live in `Fonts` for the whole render: the same face is the same address.
        if let Some((_, font)) = self.fonts.iter().find(|(f, _)| std::ptr::eq(*f, face)) {
            return Ok(font.clone());
        }
        let data: krilla::Data = match &face.data {
            FaceData::Static(bytes) => (*bytes).into(),
            FaceData::Owned(bytes) => bytes.clone().into(),
        };
        let font = Font::new(data, face.index).ok_or_else(|| PdfError::Font {
            face: face.name.clone(),
        })?;
        self.fonts.push((face, font.clone()));
        Ok(font)
    }

    /// The face a krilla font was made from, for error messages.
    pub(crate) fn face_name(&self, font: &Font) -> Option<&str> {
        self.fonts
            .iter()
            .find(|(_, f)| f == font)
            .map(|(face, _)| face.name.as_str())
    }
}

/// Where the printable column starts on the page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    pub x: f32,
    pub y: f32,
}

/// Draws one page's items.
pub(crate) fn page<'f>(
    surface: &mut Surface<'_>,
    layout: &PageLayout,
    origin: Origin,
    fonts: &'f Fonts,
    cache: &mut FontCache<'f>,
) -> Result<(), PdfError> {
    surface.set_fill(Some(Fill::default()));
    for (top, item) in &layout.items {
        let (left, top) = (origin.x, origin.y + top);
        for mark in &item.marks {
            match mark {
                Mark::Text {
                    x,
                    baseline,
                    size,
                    weight,
                    text,
                } => {
                    let stroke = match weight {
                        Weight::Regular => None,
                        Weight::Emboldened(share) => Some(Stroke {
                            width: size * share,
                            // Round joins: miters would spike at the sharp corners of
                            // strokes in CJK glyphs.
                            line_join: LineJoin::Round,
                            ..Stroke::default()
                        }),
                    };
                    surface.set_stroke(stroke);
                    text_line(
                        surface,
                        fonts,
                        cache,
                        Point::from_xy(left + x, top + baseline),
                        *size,
                        text,
                    )?;
                    surface.set_stroke(None);
                }
                Mark::Rule {
                    y,
                    thickness,
                    width,
                } => {
                    let rect = Rect::from_xywh(left, top + y - thickness / 2.0, *width, *thickness);
                    fill_rects(surface, rect);
                }
                Mark::Qr {
                    centre,
                    module,
                    modules,
                    dark,
                } => {
                    // The code's top-left corner, inside the quiet zone.
                    let x0 = left + centre - *modules as f32 * module / 2.0;
                    let y0 = top + 4.0 * module;
                    let mut rects = Vec::new();
                    // One rectangle per horizontal run of dark modules: a quarter of the
                    // squares, and no seams within a run.
                    for (row, cells) in dark.chunks(*modules).enumerate() {
                        let mut col = 0;
                        while col < cells.len() {
                            if !cells[col] {
                                col += 1;
                                continue;
                            }
                            let start = col;
                            while col < cells.len() && cells[col] {
                                col += 1;
                            }
                            rects.push(Rect::from_xywh(
                                x0 + start as f32 * module,
                                y0 + row as f32 * module,
                                (col - start) as f32 * module,
                                *module,
                            ));
                        }
                    }
                    fill_rects(surface, rects.into_iter().flatten());
                }
                Mark::Bar {
                    x,
                    y,
                    width,
                    height,
                    rgb: [r, g, b],
                } => {
                    surface.set_fill(Some(Fill {
                        paint: rgb::Color::new(*r, *g, *b).into(),
                        ..Fill::default()
                    }));
                    fill_rects(surface, Rect::from_xywh(left + x, top + y, *width, *height));
                    // Back to black for the text and rules that follow.
                    surface.set_fill(Some(Fill::default()));
                }
            }
        }
    }
    Ok(())
}

/// Fills `rects` as one path with the current fill.
fn fill_rects(surface: &mut Surface<'_>, rects: impl IntoIterator<Item = Rect>) {
    let mut path = PathBuilder::new();
    for rect in rects {
        path.push_rect(rect);
    }
    if let Some(path) = path.finish() {
        surface.draw_path(&path);
    }
}

/// Draws one line of text from `start` (on the baseline), each run in its own face.
fn text_line<'f>(
    surface: &mut Surface<'_>,
    fonts: &'f Fonts,
    cache: &mut FontCache<'f>,
    start: Point,
    size: f32,
    text: &str,
) -> Result<(), PdfError> {
    let mut x = start.x;
    for (face, run) in fonts.runs(text) {
        let font = cache.get(face)?;
        let parsed = face.font();
        let glyphs: Vec<KrillaGlyph> = run
            .char_indices()
            .map(|(at, c)| {
                KrillaGlyph::new(
                    GlyphId::new(u32::from(parsed.glyph_id(c).0)),
                    // The advance the layout measured with, so lines end where it planned.
                    face_advance_em(face, c),
                    0.0,
                    0.0,
                    0.0,
                    // The characters this glyph stands for in `run`: the ToUnicode map that
                    // makes the PDF's text searchable and copyable.
                    at..at + c.len_utf8(),
                    None,
                )
            })
            .collect();
        surface.draw_glyphs(Point::from_xy(x, start.y), &glyphs, font, &run, size, false);
        x += glyphs.iter().map(|g| g.x_advance).sum::<f32>() * size;
    }
    Ok(())
}
