//! A printable document, independent of the printer that will print it: a receipt, a printer
//! test page or a report page is composed once as a [`Document`] (paper, then blocks of text,
//! label/value fields, rules and QR codes), and each printer path renders it its own way: the
//! PDF renderer for office printers, the ESC/POS encoder for thermal rolls, and [`raster`] for
//! previews and for thermal printers whose font ROM lacks a character.
//!
//! It also carries the font every renderer uses ([`fonts`]): a subset of Noto Sans CJK SC
//! shipped in the binary, with system fonts as fallbacks for characters outside it, so Chinese
//! prints the same on every machine. It knows nothing about receipts, signatures or printers.

pub mod fonts;
pub mod raster;
mod width;

pub use width::{display_width, wrap_columns};

/// The paper a document is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Paper {
    /// A 58 mm thermal roll (48 mm printable, 384 dots at 203 dpi).
    Roll58,
    /// An 80 mm thermal roll (72 mm printable, 576 dots at 203 dpi).
    Roll80,
    /// A6 sheet, 105 × 148 mm.
    A6,
    /// A4 sheet, 210 × 297 mm.
    A4,
}

impl Paper {
    /// Every paper, in the order settings list them.
    pub const ALL: [Paper; 4] = [Self::Roll80, Self::Roll58, Self::A6, Self::A4];

    /// The id used in settings and files: `58mm`, `80mm`, `a6`, `a4`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Roll58 => "58mm",
            Self::Roll80 => "80mm",
            Self::A6 => "a6",
            Self::A4 => "a4",
        }
    }

    /// Reads an id written by [`Paper::as_str`] (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Whether this is a continuous thermal roll (the page is as long as the content).
    pub fn is_roll(self) -> bool {
        matches!(self, Self::Roll58 | Self::Roll80)
    }

    /// The sheet (or roll) width in millimetres.
    pub fn width_mm(self) -> f32 {
        match self {
            Self::Roll58 => 58.0,
            Self::Roll80 => 80.0,
            Self::A6 => 105.0,
            Self::A4 => 210.0,
        }
    }

    /// The sheet height in millimetres; `None` for a roll.
    pub fn height_mm(self) -> Option<f32> {
        match self {
            Self::Roll58 | Self::Roll80 => None,
            Self::A6 => Some(148.0),
            Self::A4 => Some(297.0),
        }
    }

    /// The printable width in millimetres (a roll printer's head, a sheet less its margins).
    pub fn printable_width_mm(self) -> f32 {
        match self {
            Self::Roll58 => 48.0,
            Self::Roll80 => 72.0,
            Self::A6 => 89.0,
            Self::A4 => 180.0,
        }
    }

    /// Dots across the printable width of a 203 dpi thermal head (8 dots/mm).
    pub fn thermal_dots(self) -> u32 {
        match self {
            Self::Roll58 => 384,
            Self::Roll80 => 576,
            // Sheets are not printed on thermal heads; previews use the same density.
            other => (other.printable_width_mm() * 8.0) as u32,
        }
    }

    /// Character columns across the printable width in a thermal printer's standard 12 × 24
    /// font (a CJK character takes two).
    pub fn thermal_columns(self) -> usize {
        (self.thermal_dots() / 12) as usize
    }
}

/// How a line is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Flush left.
    #[default]
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
}

/// What a text block is, so each renderer can size it for its medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Fine print (signatures, ids, the footer).
    Small,
    /// Body text.
    #[default]
    Normal,
    /// A heading (the hall's name, the document's title): bold, larger.
    Heading,
    /// The verdict: as large as the medium allows.
    Verdict,
}

/// A paragraph of text, wrapped to the paper's width by the renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The text; `\n` starts a new line.
    pub text: String,
    /// Its style.
    pub style: Style,
    /// Its alignment.
    pub align: Align,
}

/// One block of a document, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Text(Text),
    /// `label: value`, the value wrapped beside (or under) the label.
    Field {
        /// The label (`时间 Time`).
        label: String,
        /// The value.
        value: String,
    },
    /// A horizontal rule.
    Rule,
    /// A QR code of `data` (the alphanumeric payload of a signed receipt), centred, with an
    /// optional caption under it.
    Qr {
        /// What the code carries.
        data: String,
        /// Printed under the code.
        caption: Option<String>,
    },
    /// An empty line.
    Space,
}

impl Block {
    /// A paragraph in `style`, aligned left.
    pub fn text(text: impl Into<String>, style: Style) -> Self {
        Self::Text(Text {
            text: text.into(),
            style,
            align: Align::Left,
        })
    }

    /// A centred paragraph in `style`.
    pub fn centered(text: impl Into<String>, style: Style) -> Self {
        Self::Text(Text {
            text: text.into(),
            style,
            align: Align::Center,
        })
    }

    /// A `label: value` field.
    pub fn field(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Field {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// A document ready for any renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The paper it is laid out for.
    pub paper: Paper,
    /// Its title (PDF metadata, print job name).
    pub title: String,
    /// Its main language as a BCP 47 tag (`zh-CN`), for PDF metadata and text extraction.
    pub lang: String,
    /// Its content, top to bottom.
    pub blocks: Vec<Block>,
}

impl Document {
    /// Every character the document prints (text, labels, values, captions), for font
    /// coverage checks.
    pub fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.blocks.iter().flat_map(|b| {
            let parts: Vec<&str> = match b {
                Block::Text(t) => vec![&t.text],
                Block::Field { label, value } => vec![label, value],
                Block::Qr { caption, .. } => caption.iter().map(String::as_str).collect(),
                Block::Rule | Block::Space => vec![],
            };
            parts.into_iter().flat_map(str::chars)
        })
    }
}
