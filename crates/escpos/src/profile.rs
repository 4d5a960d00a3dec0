//! What a printer model can do: its roll, its head, its Chinese font ROM, native QR, cutter.

use countersign_printdoc::Paper;

/// The characters a printer's font ROM has glyphs for, in its Chinese (GB) mode. ASCII
/// (0x20–0x7E) is always covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FontRom {
    /// No Chinese font (a Western model): everything beyond ASCII is printed as a raster.
    Ascii,
    /// GB 2312: the 7,445 two-byte codes with lead 0xA1–0xF7 and trail 0xA1–0xFE that GB 2312
    /// assigns (6,763 hanzi and 682 symbols). The most common ROM in cheap printers; it lacks
    /// many characters of personal names (喆, 堃, 燊 are GBK).
    Gb2312,
    /// GBK: every two-byte GB18030 code (21,886 characters).
    Gbk,
    /// GB18030: the two-byte codes and the four-byte ones (CJK Extension A and the rest of
    /// the BMP, and the ideographs of planes 2 and 3 such as U+2A6A5).
    Gb18030,
}

impl FontRom {
    /// Whether a printer with this ROM prints `c` itself. Private-use characters never are
    /// (the ROM's user-defined area holds nothing meaningful), nor are controls.
    pub fn covers(self, c: char) -> bool {
        let u = u32::from(c);
        if u < 0x80 {
            return (0x20..0x7F).contains(&u);
        }
        if c.is_control() || (0xE000..=0xF8FF).contains(&u) || self == Self::Ascii {
            return false;
        }
        let mut buf = [0u8; 4];
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(c.encode_utf8(&mut buf));
        if unmappable {
            return false;
        }
        match (self, bytes.len()) {
            (Self::Gb2312, 2) => in_gb2312(bytes[0], bytes[1]),
            (Self::Gbk | Self::Gb18030, 2) => true,
            // Four-byte codes also reach emoji and other planes no printer ROM draws; only
            // the BMP and the ideographic planes are taken as covered.
            (Self::Gb18030, 4) => u <= 0xFFFF || (0x20000..=0x3FFFF).contains(&u),
            _ => false,
        }
    }
}

/// Cells of GB 2312's lead 0xA1–0xF7 / trail 0xA1–0xFE square that GB 2312 leaves empty
/// (GBK and GB18030 later filled some of them, e.g. ⅰ–ⅹ at A2A1–A2AA and € at A2E3, which a
/// GB 2312 ROM does not have). Computed from Python's `gb2312` codec: the remaining cells are
/// exactly GB 2312's 7,445 characters.
const GB2312_EMPTY: &[(u8, u8, u8)] = &[
    (0xA2, 0xA1, 0xB0),
    (0xA2, 0xE3, 0xE4),
    (0xA2, 0xEF, 0xF0),
    (0xA2, 0xFD, 0xFE),
    (0xA4, 0xF4, 0xFE),
    (0xA5, 0xF7, 0xFE),
    (0xA6, 0xB9, 0xC0),
    (0xA6, 0xD9, 0xFE),
    (0xA7, 0xC2, 0xD0),
    (0xA7, 0xF2, 0xFE),
    (0xA8, 0xBB, 0xC4),
    (0xA8, 0xEA, 0xFE),
    (0xA9, 0xA1, 0xA3),
    (0xA9, 0xF0, 0xFE),
    (0xAA, 0xA1, 0xFE),
    (0xAB, 0xA1, 0xFE),
    (0xAC, 0xA1, 0xFE),
    (0xAD, 0xA1, 0xFE),
    (0xAE, 0xA1, 0xFE),
    (0xAF, 0xA1, 0xFE),
    (0xD7, 0xFA, 0xFE),
];

fn in_gb2312(lead: u8, trail: u8) -> bool {
    (0xA1..=0xF7).contains(&lead)
        && (0xA1..=0xFE).contains(&trail)
        && !GB2312_EMPTY
            .iter()
            .any(|&(l, from, to)| l == lead && (from..=to).contains(&trail))
}

/// What happens to the paper after the last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cut {
    /// Feed, then cut leaving a hinge (the usual receipt cut: the slip stays until pulled).
    Partial,
    /// Feed, then cut through.
    Full,
    /// Feed only: the printer has no cutter, the clerk tears the slip off.
    None,
}

/// A printer model's capabilities, as the hall's settings describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterProfile {
    /// The roll it takes.
    pub paper: Paper,
    /// Dots across the head (384 for 58 mm, 576 for 80 mm at 203 dpi); a multiple of 8.
    pub dots: u32,
    /// Characters of the 12 × 24 font across the head (32 for 58 mm, 48 for 80 mm); a
    /// Chinese character takes two, double-width styles half as many.
    pub columns: usize,
    /// What its Chinese font ROM covers.
    pub font_rom: FontRom,
    /// Whether it prints QR codes itself (`GS ( k`); if not, they are sent as rasters.
    pub native_qr: bool,
    /// Its cutter.
    pub cut: Cut,
    /// Lines fed after the last line, so that it clears the tear bar or the cutter.
    pub feed_lines: u8,
}

impl PrinterProfile {
    /// A generic 58 mm printer (the cheap "POS-58" class): GB 2312 ROM, no native QR, no
    /// cutter. The conservative choice when the model is unknown.
    pub fn roll58() -> Self {
        Self {
            paper: Paper::Roll58,
            dots: Paper::Roll58.thermal_dots(),
            columns: Paper::Roll58.thermal_columns(),
            font_rom: FontRom::Gb2312,
            native_qr: false,
            cut: Cut::None,
            feed_lines: 4,
        }
    }

    /// A generic 80 mm printer (Xprinter XP-80 class): GB 2312 ROM, native QR, partial cut.
    pub fn roll80() -> Self {
        Self {
            paper: Paper::Roll80,
            dots: Paper::Roll80.thermal_dots(),
            columns: Paper::Roll80.thermal_columns(),
            font_rom: FontRom::Gb2312,
            native_qr: true,
            cut: Cut::Partial,
            feed_lines: 4,
        }
    }

    /// Epson TM-T20/TM-T88 models sold in China (simplified Chinese ROM with GB18030, native
    /// QR, auto-cutter), 80 mm.
    pub fn epson_tm_chinese() -> Self {
        Self {
            font_rom: FontRom::Gb18030,
            ..Self::roll80()
        }
    }

    /// The generic profile for a roll (58 or 80 mm); `None` for sheets.
    pub fn for_paper(paper: Paper) -> Option<Self> {
        match paper {
            Paper::Roll58 => Some(Self::roll58()),
            Paper::Roll80 => Some(Self::roll80()),
            Paper::A6 | Paper::A4 => None,
        }
    }

    /// Why this profile cannot be printed with, if it cannot.
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if !self.paper.is_roll() {
            Some("an ESC/POS printer takes a 58 or 80 mm roll, not a sheet")
        } else if self.dots < 64 || !self.dots.is_multiple_of(8) || self.dots > 2048 {
            Some("dots must be a multiple of 8 between 64 and 2048")
        } else if self.columns < 8 || self.columns > 256 {
            Some("columns must be between 8 and 256")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_follows_the_rom() {
        let cases = [
            // (char, Ascii, Gb2312, Gbk, Gb18030)
            ('A', true, true, true, true),
            ('核', false, true, true, true),
            ('：', false, true, true, true),
            ('喆', false, false, true, true),
            ('堃', false, false, true, true),
            ('€', false, false, true, true),
            ('ⅰ', false, false, true, true),
            ('\u{3400}', false, false, false, true),
            ('\u{2A6A5}', false, false, false, true),
            ('\u{1F600}', false, false, false, false),
            ('\u{E000}', false, false, false, false),
            ('\u{1B}', false, false, false, false),
        ];
        for (c, ascii, gb2312, gbk, gb18030) in cases {
            let got = [
                FontRom::Ascii.covers(c),
                FontRom::Gb2312.covers(c),
                FontRom::Gbk.covers(c),
                FontRom::Gb18030.covers(c),
            ];
            assert_eq!(
                got,
                [ascii, gb2312, gbk, gb18030],
                "coverage of {c:?} (U+{:04X}) by Ascii, Gb2312, Gbk, Gb18030",
                u32::from(c)
            );
        }
    }

    #[test]
    fn gb2312_has_its_7445_characters() {
        let mut count = 0;
        for lead in 0xA1..=0xF7u8 {
            for trail in 0xA1..=0xFEu8 {
                if in_gb2312(lead, trail) {
                    count += 1;
                }
            }
        }
        assert_eq!(count, 7_445);
    }

    #[test]
    fn presets_are_usable() {
        for p in [
            PrinterProfile::roll58(),
            PrinterProfile::roll80(),
            PrinterProfile::epson_tm_chinese(),
        ] {
            assert_eq!(p.problem(), None, "{p:?}");
            assert_eq!(p.columns as u32 * 12, p.dots, "{p:?}");
        }
        assert_eq!(PrinterProfile::for_paper(Paper::A4), None);
    }
}
