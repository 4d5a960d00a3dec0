//! Renders a [`countersign_printdoc::Document`] to PDF bytes, for printing on office printers
//! (and roll printers with a CUPS driver) through the operating system's print system.
//!
//! Sheets (A4, A6) get their real size, margins and page breaks; a roll (58 mm, 80 mm) gets
//! one page as wide as the roll and as long as the content. Text is wrapped by measuring the
//! font (CJK breaks anywhere, Latin at spaces, Chinese closing punctuation never starts a
//! line) and drawn in the shipped Noto Sans CJK SC, embedded as a subset of the glyphs used,
//! with system fallbacks for what it lacks and 〓 for what no font has; the text stays
//! searchable and copyable. QR codes are vector squares, so they print sharp at any printer
//! resolution.
//!
//! Not for: deciding what a receipt says (the receipt's composer builds the `Document`),
//! talking to printers or CUPS (the printer layer sends these bytes), thermal printers' own
//! command language (`countersign-escpos`), or reading PDFs. It does no I/O apart from
//! reading a fallback font file when a document needs one.
//!
//! ```
//! use countersign_printdoc::fonts::Fonts;
//! use countersign_printdoc::{Block, Document, Paper, Style};
//!
//! let doc = Document {
//!     paper: Paper::Roll80,
//!     title: "核验回执".into(),
//!     lang: "zh-CN".into(),
//!     blocks: vec![
//!         Block::centered("有效 VALID", Style::Verdict),
//!         Block::field("时间 Time", "2025-01-02 10:30"),
//!     ],
//! };
//! let pdf = countersign_pdf::render(&doc, &Fonts::embedded_only())?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), countersign_pdf::PdfError>(())
//! ```

mod draw;
mod layout;
mod wrap;

pub use layout::MIN_QR_MODULE_MM;

use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

/// Why a document could not be rendered to PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A font face could not be read as OpenType for embedding.
    #[error("cannot use font {face} in a PDF")]
    Font {
        /// The face (`embedded Noto Sans CJK SC` or a fallback's path).
        face: String,
    },
    /// A font face was read but could not be embedded (subsetting failed).
    #[error("cannot embed font {face}: {reason}")]
    Embed {
        /// The face.
        face: String,
        /// What the PDF writer said.
        reason: String,
    },
    /// A QR block's data does not fit in any QR code at error correction level M.
    #[error("{chars} characters do not fit in a QR code at error correction level M")]
    QrTooLong {
        /// Characters in the data.
        chars: usize,
    },
    /// A QR block's code is too dense to print legibly on the paper: at the smallest module
    /// ([`MIN_QR_MODULE_MM`]) it is wider than the printable width.
    #[error(
        "a QR code of {modules} modules needs {needed_mm:.1} mm at {MIN_QR_MODULE_MM} mm a module; {paper} paper prints {available_mm:.1} mm"
    )]
    QrTooDense {
        /// Modules across the code.
        modules: usize,
        /// Width the code needs, quiet zone aside.
        needed_mm: f32,
        /// The paper's id (`58mm`).
        paper: &'static str,
        /// The paper's printable width.
        available_mm: f32,
    },
    /// The PDF writer failed for another reason.
    #[error("cannot write the PDF: {0}")]
    Write(String),
}

/// Renders `doc` to a PDF: its title and language in the metadata, text in `fonts` (the
/// shipped font, then its fallbacks).
///
/// # Errors
/// A QR block that does not fit a QR code ([`PdfError::QrTooLong`]) or this paper
/// ([`PdfError::QrTooDense`]); a fallback font that cannot be embedded.
pub fn render(doc: &Document, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    let geo = layout::Geometry::of(doc.paper);
    let items = layout::items(doc, fonts, &geo)?;
    let pages = layout::paginate(items, &geo);

    let mut pdf = krilla::Document::new();
    let mut metadata = Metadata::new().creator("Countersign".to_owned());
    if !doc.title.is_empty() {
        metadata = metadata.title(doc.title.clone());
    }
    if !doc.lang.is_empty() {
        metadata = metadata.language(doc.lang.clone());
    }
    pdf.set_metadata(metadata);

    let mut cache = draw::FontCache::new();
    let origin = draw::Origin {
        x: geo.margin_x,
        y: geo.margin_top,
    };
    for layout in &pages {
        let settings = PageSettings::from_wh(geo.page_width, layout.height).ok_or_else(|| {
            PdfError::Write(format!(
                "invalid page size {} × {} pt",
                geo.page_width, layout.height
            ))
        })?;
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        draw::page(&mut surface, layout, origin, fonts, &mut cache)?;
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| match e {
        krilla::error::KrillaError::Font(font, reason) => PdfError::Embed {
            face: cache.face_name(&font).unwrap_or("a font").to_owned(),
            reason,
        },
        other => PdfError::Write(format!("{other:?}")),
    })
}
