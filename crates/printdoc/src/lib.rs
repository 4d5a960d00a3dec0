//! A printable document, independent of the printer that will print it: a receipt, a printer
//! test page or a report page is composed once as a [`Document`] (paper, then blocks of text,
//! label/value fields, rules, QR codes and bar charts), and each printer path renders it its
//! own way: the PDF renderer for office printers, the ESC/POS encoder for thermal rolls, and
//! [`raster`] for previews and for thermal printers whose font ROM lacks a character.
//!
//! It also carries the font every renderer uses ([`fonts`]): a subset of Noto Sans CJK SC
//! shipped in the binary, with system fonts as fallbacks for characters outside it, so Chinese
//! prints the same on every machine. It knows nothing about receipts, signatures or printers.

pub mod fonts;
pub mod raster;
mod width;

pub use width::{display_width, wrap_columns};

use std::borrow::Cow;

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
    /// A horizontal bar chart under its title: one bar per entry, each as long as its value
    /// relative to the largest, the value printed at the bar's end, the label in a column to
    /// the left. The title and the chart are kept together on one page where they fit.
    Bars {
        /// Printed above the chart, as a heading.
        title: String,
        /// The bars, top to bottom.
        bars: Vec<Bar>,
    },
}

/// One bar of a [`Block::Bars`] chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What the bar counts (`有效 VALID`, `09:00`, a clerk's id). `\n` starts a new line (a
    /// long Chinese label above its English); each line wraps within the label column.
    pub label: String,
    /// Its value; bars are scaled so that the largest value in the chart fills the width.
    pub value: u64,
    /// Its colour.
    pub tone: Tone,
}

impl Bar {
    /// A bar of `value` labelled `label`.
    pub fn new(label: impl Into<String>, value: u64, tone: Tone) -> Self {
        Self {
            label: label.into(),
            value,
            tone,
        }
    }
}

/// What a bar's colour says. The colours are the verdict screen's, so a printed report reads
/// like the screen: green for VALID, red for INVALID, amber for CANNOT CONFIRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tone {
    /// No judgement (a count per hour, per clerk): grey.
    #[default]
    Neutral,
    /// Passed (VALID): green.
    Good,
    /// Failed (INVALID, a failure reason): red.
    Bad,
    /// Could not be confirmed (CANNOT CONFIRM): amber.
    Warn,
}

impl Tone {
    /// The colour on paper and screen, sRGB: the UI's verdict banners (`ui/src/style.css`)
    /// and its grey for secondary text.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Self::Neutral => [0x57, 0x60, 0x6A],
            Self::Good => [0x1A, 0x7F, 0x37],
            Self::Bad => [0xCF, 0x22, 0x2E],
            Self::Warn => [0xBF, 0x87, 0x00],
        }
    }

    /// The grey level (0 black, 255 white) a grey-scale rendering fills the bar with. Every
    /// tone is darker than the 50 % threshold a thermal printer's picture is cut at, so a bar
    /// never vanishes when a preview is printed; the darker, the more it asks for attention.
    pub fn grey(self) -> u8 {
        match self {
            Self::Neutral => 112,
            Self::Good => 80,
            Self::Warn => 48,
            Self::Bad => 0,
        }
    }
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

    /// A bar chart titled `title`.
    pub fn bars(title: impl Into<String>, bars: Vec<Bar>) -> Self {
        Self::Bars {
            title: title.into(),
            bars,
        }
    }
}

/// Lines a bar's label may take beside its bar; the last ends in … when the label needs more.
/// Renderers wrap labels to their own column width and cut them here.
pub const BAR_LABEL_LINES: usize = 3;

/// A bar's label as charts print it: within each line, runs of spaces, tabs and the like as
/// one space; blank lines dropped. Line breaks stay.
pub fn tidy_label(label: &str) -> String {
    label
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A bar's length: `value`'s share of `longest` (in whatever unit the renderer counts: dots,
/// character cells), the chart's `max` taking all of it, rounded; at least 1 for any value
/// above zero, so that a small count still shows.
pub fn bar_length(value: u64, max: u64, longest: u32) -> u32 {
    if value == 0 || max == 0 || longest == 0 {
        return 0;
    }
    // u128: a u64 count times a length cannot overflow.
    let length = (u128::from(value) * u128::from(longest) + u128::from(max) / 2) / u128::from(max);
    u32::try_from(length).unwrap_or(longest).clamp(1, longest)
}

/// `line` with … at its end, characters dropped from the end until `fits` holds (or only …
/// is left).
pub fn ellipsize(line: &str, fits: impl Fn(&str) -> bool) -> String {
    let mut kept: Vec<char> = line.trim_end().chars().collect();
    loop {
        let candidate: String = kept.iter().chain(['…'].iter()).collect();
        if kept.is_empty() || fits(&candidate) {
            return candidate;
        }
        kept.pop();
        while kept.last().is_some_and(|c| c.is_whitespace()) {
            kept.pop();
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
    /// Every character the document prints (text, labels, values, captions, chart titles,
    /// bar labels and the digits of bar values), for font coverage checks.
    pub fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.blocks.iter().flat_map(|b| {
            let parts: Vec<Cow<'_, str>> =
                match b {
                    Block::Text(t) => vec![Cow::from(&t.text)],
                    Block::Field { label, value } => vec![label.into(), value.into()],
                    Block::Qr { caption, .. } => caption.iter().map(Cow::from).collect(),
                    Block::Rule | Block::Space => vec![],
                    Block::Bars { title, bars } => std::iter::once(Cow::from(title))
                        .chain(bars.iter().flat_map(|bar| {
                            [Cow::from(&bar.label), Cow::from(bar.value.to_string())]
                        }))
                        .collect(),
                };
            // Collected: a value's digits are formatted here and live only in this block.
            parts
                .into_iter()
                .flat_map(|p| p.chars().collect::<Vec<char>>())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_a_small_count_still_shows() {
        let cases = [
            // (value, max, longest, length)
            (40, 40, 100, 100),
            (20, 40, 100, 50),
            (1, 1000, 100, 1),
            (0, 40, 100, 0),
            (5, 0, 100, 0),
            (5, 10, 0, 0),
            (u64::MAX, u64::MAX, 300, 300),
            (u64::MAX / 2, u64::MAX, 300, 150),
        ];
        for (value, max, longest, want) in cases {
            assert_eq!(
                bar_length(value, max, longest),
                want,
                "{value} of {max} over {longest}"
            );
        }
    }

    #[test]
    fn labels_keep_their_line_breaks_and_lose_extra_space() {
        assert_eq!(tidy_label("  有效 \t VALID "), "有效 VALID");
        assert_eq!(
            tidy_label("证照已过期\n\n The  credential "),
            "证照已过期\nThe credential"
        );
        assert_eq!(tidy_label(" \n "), "");
    }

    #[test]
    fn ellipsize_cuts_until_it_fits() {
        let fits = |n: usize| move |s: &str| display_width(s) <= n;
        assert_eq!(ellipsize("CANNOT CONFIRM", fits(8)), "CANNOT…");
        assert_eq!(ellipsize("链上暂未查到", fits(7)), "链上暂…");
        assert_eq!(ellipsize("ab", fits(10)), "ab…");
        assert_eq!(ellipsize("abc", fits(0)), "…");
    }

    #[test]
    fn chars_include_chart_titles_labels_and_values() {
        let doc = Document {
            paper: Paper::A4,
            title: "t".into(),
            lang: "zh-CN".into(),
            blocks: vec![
                Block::text("甲", Style::Normal),
                Block::bars("乙", vec![Bar::new("丙", 42, Tone::Good)]),
            ],
        };
        assert_eq!(doc.chars().collect::<String>(), "甲乙丙42");
        // The ellipsis the renderers add to a cut label is in the shipped font.
        let fonts = fonts::Fonts::embedded_only();
        assert_eq!(fonts.missing("…".chars()), Vec::<char>::new());
    }
}
