//! Character styles as a printer holds them, and how the document's styles map onto them.

use countersign_printdoc::Style;

/// The character style a printer is in: what `ESC !`, `GS !`, `ESC E` and their relatives
/// set. `ESC @` returns it to [`TextStyle::default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextStyle {
    /// Font B (9 × 17 on most models) for ASCII instead of font A (12 × 24). Chinese
    /// characters keep their 24 × 24 font.
    pub font_b: bool,
    /// Emphasised (`ESC E`, or bit 3 of `ESC !`).
    pub bold: bool,
    /// Double-strike (`ESC G`).
    pub double_strike: bool,
    /// Underline thickness in dots, 0–2 (`ESC -`, or bit 7 of `ESC !`).
    pub underline: u8,
    /// Horizontal magnification, 1–8 (`GS !`, or bit 5 of `ESC !`).
    pub width: u8,
    /// Vertical magnification, 1–8 (`GS !`, or bit 4 of `ESC !`).
    pub height: u8,
    /// White on black (`GS B`).
    pub reverse: bool,
    /// The Chinese character mode bits of `FS !` (0x04 double width, 0x08 double height,
    /// 0x80 underline), which apply to two-byte characters only.
    pub chinese_mode: u8,
}

impl Default for TextStyle {
    fn default() -> Self {
        Self {
            font_b: false,
            bold: false,
            double_strike: false,
            underline: 0,
            width: 1,
            height: 1,
            reverse: false,
            chinese_mode: 0,
        }
    }
}

impl TextStyle {
    /// How the encoder prints a document style:
    /// - `Small`: font B for ASCII (Chinese characters stay 24 × 24), wrapped at the normal
    ///   columns so a line of Chinese still fits;
    /// - `Normal`: font A;
    /// - `Heading`: emphasised, double height (the columns stay, so a hall's name fits);
    /// - `Verdict`: emphasised, double width and height (half the columns).
    pub fn for_style(style: Style) -> Self {
        let base = Self::default();
        match style {
            Style::Small => Self {
                font_b: true,
                ..base
            },
            Style::Normal => base,
            Style::Heading => Self {
                bold: true,
                height: 2,
                ..base
            },
            Style::Verdict => Self {
                bold: true,
                width: 2,
                height: 2,
                ..base
            },
        }
    }

    /// The document style this printer style comes from, if the encoder makes it.
    pub fn document_style(&self) -> Option<Style> {
        [Style::Small, Style::Normal, Style::Heading, Style::Verdict]
            .into_iter()
            .find(|s| Self::for_style(*s) == *self)
    }

    /// The `ESC !` parameter for the font; size and emphasis are set by `GS !` and `ESC E`,
    /// which, unlike `ESC !`'s bits, apply to Chinese characters too.
    pub(crate) fn esc_bang(&self) -> u8 {
        u8::from(self.font_b)
    }

    /// The `GS !` parameter.
    pub(crate) fn gs_bang(&self) -> u8 {
        ((self.width.clamp(1, 8) - 1) << 4) | (self.height.clamp(1, 8) - 1)
    }
}
