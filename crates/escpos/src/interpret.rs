//! Reads an ESC/POS byte stream back into what a printer would put on paper: text lines with
//! their style and alignment, raster pictures, QR codes, feeds and cuts.
//!
//! It knows the commands this crate's encoder sends and the usual standard-mode set around
//! them (styles, alignment, fonts, Chinese mode, line spacing, feeds, cuts, `GS v 0`
//! rasters, `GS ( k` QR codes, real-time status requests). Anything else is an error naming
//! the command and its offset, never skipped: a preview that silently drops a command would
//! show something the printer does not print. Commands known but not drawn (line spacing,
//! margins, code pages, panel buttons) are accepted without an item.
//!
//! Text prints when a line ends (`LF`, or a command that prints the buffer first); text left
//! in the buffer at the end of the stream is returned as a last line.

use countersign_printdoc::Align;
use image::{GrayImage, Luma};

use crate::commands::{self as cmd, DLE, EOT, ESC, FS, GS, LF};
use crate::style::TextStyle;

/// One thing a printer does with the paper.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A line of text.
    Line(Line),
    /// A raster picture (`GS v 0`), as printed (magnified if the command asked).
    Raster(Raster),
    /// A QR code the printer draws itself (`GS ( k`).
    Qr(Qr),
    /// `ESC d n`: feed `n` lines.
    FeedLines(u8),
    /// `ESC J n`: feed `n` dots.
    FeedDots(u8),
    /// `GS V`: cut the paper.
    Cut {
        /// A partial cut (a hinge left), else full.
        partial: bool,
        /// For `GS V 65/66 n`: feed to the cutter plus `n` dots first.
        feed: Option<u8>,
    },
    /// `DLE EOT n`: a real-time status request (the printer answers; nothing is printed).
    StatusRequest(u8),
}

/// A printed line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Its alignment (as set when the line began).
    pub align: Align,
    /// Its text in runs of one style; empty for an empty line.
    pub spans: Vec<Span>,
}

impl Line {
    /// The line's text.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// The line's style when all of it has one; `None` for mixed styles or an empty line.
    pub fn style(&self) -> Option<TextStyle> {
        let first = self.spans.first()?.style;
        self.spans.iter().all(|s| s.style == first).then_some(first)
    }

    /// Cells of the 12-dot font the line takes across the paper: ASCII one, any character
    /// from a two- or four-byte code two (Chinese mode prints them all full width), times
    /// the horizontal magnification.
    pub fn cells(&self) -> usize {
        self.spans
            .iter()
            .map(|s| {
                let cells: usize = s
                    .text
                    .chars()
                    .map(|c| if c.is_ascii() { 1 } else { 2 })
                    .sum();
                cells * usize::from(s.style.width)
            })
            .sum()
    }
}

/// Text in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The text.
    pub text: String,
    /// Its style.
    pub style: TextStyle,
}

/// A raster picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Black (0) on white (255), at the printer's dots.
    pub image: GrayImage,
    /// The alignment in effect (a picture narrower than the paper is placed by it).
    pub align: Align,
}

impl Raster {
    /// Dots printed black.
    pub fn ink(&self) -> usize {
        self.image.pixels().filter(|p| p.0[0] < 128).count()
    }
}

/// A QR code printed with `GS ( k`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    /// The data stored (`fn 80`) before printing.
    pub data: Vec<u8>,
    /// Model: 1, 2, or 3 for Micro QR.
    pub model: u8,
    /// Module size in dots.
    pub module: u8,
    /// Error-correction level: `L`, `M`, `Q` or `H`.
    pub ecc: char,
    /// The alignment in effect.
    pub align: Align,
}

/// A stream the interpreter cannot read. Offsets count bytes from the stream's start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpretError {
    /// A command it does not know (or one it knows of but does not interpret, such as
    /// barcodes, bit images other than `GS v 0`, or drawer pulses).
    #[error("unknown command {} at byte {offset}", hex(.bytes))]
    UnknownCommand {
        /// Where it starts.
        offset: usize,
        /// Its first bytes.
        bytes: Vec<u8>,
    },
    /// The stream ends inside a command.
    #[error("{command} at byte {offset} is cut off by the end of the data")]
    Truncated {
        /// Where the command starts.
        offset: usize,
        /// Its name (`GS v 0`).
        command: &'static str,
    },
    /// A known command with a parameter out of its range.
    #[error("{command} at byte {offset} has an invalid parameter {value:#04x}")]
    BadParameter {
        /// Where the command starts.
        offset: usize,
        /// Its name.
        command: &'static str,
        /// The parameter.
        value: u8,
    },
    /// Bytes in Chinese mode that are not a GB18030 character.
    #[error("bytes {} at byte {offset} are not a GB18030 character", hex(.bytes))]
    BadText {
        /// Where they start.
        offset: usize,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A byte above 0x7F outside Chinese mode: it would print from the code page, which is
    /// not interpreted.
    #[error("byte {byte:#04x} at byte {offset} is outside Chinese mode (code pages are not interpreted)")]
    NotAscii {
        /// Where it is.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A QR code printed before any data was stored.
    #[error("QR code printed at byte {offset} with no data stored")]
    QrNotStored {
        /// Where the print command starts.
        offset: usize,
    },
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Interprets `bytes` for a printer that starts outside Chinese mode (the encoder always
/// sends `FS &` before Chinese text).
///
/// # Errors
/// The first unknown, cut-off or malformed command, or text that is not GB18030.
pub fn interpret(bytes: &[u8]) -> Result<Vec<Item>, InterpretError> {
    Interpreter::default().interpret(bytes)
}

/// The pictures printed, with rasters sent back to back (a tall picture goes in bands of
/// `GS v 0`) joined into one, as they come out on paper.
pub fn pictures(items: &[Item]) -> Vec<GrayImage> {
    let mut out: Vec<GrayImage> = Vec::new();
    let mut previous_was_raster = false;
    for item in items {
        match item {
            Item::Raster(r) => {
                match out.last_mut() {
                    Some(last) if previous_was_raster && last.width() == r.image.width() => {
                        let mut joined =
                            GrayImage::new(last.width(), last.height() + r.image.height());
                        image::imageops::replace(&mut joined, last, 0, 0);
                        image::imageops::replace(
                            &mut joined,
                            &r.image,
                            0,
                            i64::from(last.height()),
                        );
                        *last = joined;
                    }
                    _ => out.push(r.image.clone()),
                }
                previous_was_raster = true;
            }
            _ => previous_was_raster = false,
        }
    }
    out
}

/// The text of every [`Item::Line`], in order.
pub fn text_lines(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Line(line) => Some(line.text()),
            _ => None,
        })
        .collect()
}

/// Settings for reading a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Interpreter {
    /// Whether the printer is in Chinese mode when it starts and after `ESC @`: Chinese
    /// models are by default, so a stream written for one may carry GB18030 without `FS &`.
    pub chinese_by_default: bool,
}

impl Interpreter {
    /// Interprets `bytes`.
    ///
    /// # Errors
    /// As [`interpret`].
    pub fn interpret(&self, bytes: &[u8]) -> Result<Vec<Item>, InterpretError> {
        let mut p = Parser {
            bytes,
            pos: 0,
            items: Vec::new(),
            chinese_default: self.chinese_by_default,
            state: State::new(self.chinese_by_default),
            line: None,
        };
        p.run()?;
        Ok(p.items)
    }
}

struct State {
    style: TextStyle,
    align: Align,
    chinese: bool,
    qr_data: Option<Vec<u8>>,
    qr_model: u8,
    qr_module: u8,
    qr_ecc: char,
}

impl State {
    fn new(chinese: bool) -> Self {
        // The power-on defaults of Epson's QR functions: model 2, 3 dots, level L.
        Self {
            style: TextStyle::default(),
            align: Align::Left,
            chinese,
            qr_data: None,
            qr_model: 2,
            qr_module: 3,
            qr_ecc: 'L',
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    items: Vec<Item>,
    chinese_default: bool,
    state: State,
    /// Text received since the last line ended.
    line: Option<Line>,
}

impl<'a> Parser<'a> {
    fn run(&mut self) -> Result<(), InterpretError> {
        while let Some(&byte) = self.bytes.get(self.pos) {
            let start = self.pos;
            self.pos += 1;
            match byte {
                LF => self.end_line(),
                // With automatic line feed off (the default), CR does nothing.
                0x0D => {}
                b'\t' | 0x20..=0x7E => self.push_char(char::from(byte)),
                ESC => self.esc(start)?,
                GS => self.gs(start)?,
                FS => self.fs(start)?,
                DLE => self.dle(start)?,
                0x80..=0xFF if self.state.chinese => self.chinese_char(start)?,
                0x80..=0xFF => {
                    return Err(InterpretError::NotAscii {
                        offset: start,
                        byte,
                    })
                }
                _ => {
                    return Err(InterpretError::UnknownCommand {
                        offset: start,
                        bytes: vec![byte],
                    })
                }
            }
        }
        self.flush();
        Ok(())
    }

    fn take(
        &mut self,
        n: usize,
        start: usize,
        command: &'static str,
    ) -> Result<&'a [u8], InterpretError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let taken = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(taken)
            }
            None => Err(InterpretError::Truncated {
                offset: start,
                command,
            }),
        }
    }

    fn byte(&mut self, start: usize, command: &'static str) -> Result<u8, InterpretError> {
        Ok(self.take(1, start, command)?[0])
    }

    fn unknown(&self, start: usize) -> InterpretError {
        let end = (start + 3).min(self.bytes.len()).max(self.pos);
        InterpretError::UnknownCommand {
            offset: start,
            bytes: self.bytes[start..end].to_vec(),
        }
    }

    fn push_char(&mut self, c: char) {
        let (style, align) = (self.state.style, self.state.align);
        let line = self.line.get_or_insert_with(|| Line {
            align,
            spans: Vec::new(),
        });
        match line.spans.last_mut() {
            Some(span) if span.style == style => span.text.push(c),
            _ => line.spans.push(Span {
                text: c.to_string(),
                style,
            }),
        }
    }

    /// `LF`: prints the buffer (an empty line if it is empty).
    fn end_line(&mut self) {
        let line = self.line.take().unwrap_or_else(|| Line {
            align: self.state.align,
            spans: Vec::new(),
        });
        self.items.push(Item::Line(line));
    }

    /// A command that prints what is in the buffer before it acts.
    fn flush(&mut self) {
        if let Some(line) = self.line.take() {
            self.items.push(Item::Line(line));
        }
    }

    fn chinese_char(&mut self, start: usize) -> Result<(), InterpretError> {
        const NAME: &str = "GB18030 character";
        let lead = self.bytes[start];
        let bad = |len: usize, bytes: &[u8]| InterpretError::BadText {
            offset: start,
            bytes: bytes[start..(start + len).min(bytes.len())].to_vec(),
        };
        if !(0x81..=0xFE).contains(&lead) {
            return Err(bad(1, self.bytes));
        }
        let second = self.byte(start, NAME)?;
        let len = match second {
            0x30..=0x39 => {
                self.take(2, start, NAME)?;
                4
            }
            0x40..=0x7E | 0x80..=0xFE => 2,
            _ => return Err(bad(2, self.bytes)),
        };
        let raw = &self.bytes[start..start + len];
        let decoded = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(raw);
        let mut chars = decoded.as_deref().unwrap_or("").chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => {
                self.push_char(c);
                Ok(())
            }
            _ => Err(bad(len, self.bytes)),
        }
    }

    fn esc(&mut self, start: usize) -> Result<(), InterpretError> {
        let c = self.byte(start, "ESC")?;
        match c {
            b'@' => {
                // Initialising clears the buffer: unprinted text is lost, as on paper.
                self.line = None;
                self.state = State::new(self.chinese_default);
            }
            b'!' => {
                let n = self.byte(start, "ESC !")?;
                let s = &mut self.state.style;
                s.font_b = n & 0x01 != 0;
                s.bold = n & 0x08 != 0;
                s.height = if n & 0x10 != 0 { 2 } else { 1 };
                s.width = if n & 0x20 != 0 { 2 } else { 1 };
                s.underline = if n & 0x80 != 0 { 1 } else { 0 };
            }
            b'E' => self.state.style.bold = self.byte(start, "ESC E")? & 1 != 0,
            b'G' => self.state.style.double_strike = self.byte(start, "ESC G")? & 1 != 0,
            b'-' => {
                let n = self.byte(start, "ESC -")?;
                self.state.style.underline = match n {
                    0 | 48 => 0,
                    1 | 49 => 1,
                    2 | 50 => 2,
                    _ => return Err(bad_parameter(start, "ESC -", n)),
                };
            }
            b'a' => {
                let n = self.byte(start, "ESC a")?;
                let align = match n {
                    0 | 48 => Align::Left,
                    1 | 49 => Align::Center,
                    2 | 50 => Align::Right,
                    _ => return Err(bad_parameter(start, "ESC a", n)),
                };
                // Only effective at the beginning of a line; printers ignore it elsewhere.
                if self.line.is_none() {
                    self.state.align = align;
                }
            }
            b'M' => {
                let n = self.byte(start, "ESC M")?;
                self.state.style.font_b = match n {
                    0 | 48 => false,
                    1 | 49 => true,
                    _ => return Err(bad_parameter(start, "ESC M", n)),
                };
            }
            b'd' => {
                let n = self.byte(start, "ESC d")?;
                self.flush();
                self.items.push(Item::FeedLines(n));
            }
            b'J' => {
                let n = self.byte(start, "ESC J")?;
                self.flush();
                self.items.push(Item::FeedDots(n));
            }
            // Default line spacing.
            b'2' => {}
            // Line spacing, right-side character spacing, code page, international
            // character set, peripheral device: accepted, not drawn.
            b'3' | b' ' | b't' | b'R' | b'=' => {
                self.byte(start, "ESC")?;
            }
            // ESC c 3/4/5 n: paper sensors and panel buttons.
            b'c' => {
                let sub = self.byte(start, "ESC c")?;
                if !matches!(sub, b'3' | b'4' | b'5') {
                    return Err(self.unknown(start));
                }
                self.byte(start, "ESC c")?;
            }
            _ => return Err(self.unknown(start)),
        }
        Ok(())
    }

    fn gs(&mut self, start: usize) -> Result<(), InterpretError> {
        let c = self.byte(start, "GS")?;
        match c {
            b'!' => {
                let n = self.byte(start, "GS !")?;
                let (w, h) = (n >> 4, n & 0x0F);
                if w > 7 || h > 7 {
                    return Err(bad_parameter(start, "GS !", n));
                }
                self.state.style.width = w + 1;
                self.state.style.height = h + 1;
            }
            b'B' => self.state.style.reverse = self.byte(start, "GS B")? & 1 != 0,
            b'V' => {
                let m = self.byte(start, "GS V")?;
                let (partial, feed) = match m {
                    0 | 48 => (false, None),
                    1 | 49 => (true, None),
                    65 => (false, Some(self.byte(start, "GS V")?)),
                    66 => (true, Some(self.byte(start, "GS V")?)),
                    _ => return Err(bad_parameter(start, "GS V", m)),
                };
                self.flush();
                self.items.push(Item::Cut { partial, feed });
            }
            b'v' => {
                if self.byte(start, "GS v")? != b'0' {
                    return Err(self.unknown(start));
                }
                self.raster(start)?;
            }
            b'(' => {
                if self.byte(start, "GS (")? != b'k' {
                    return Err(self.unknown(start));
                }
                self.two_d(start)?;
            }
            // Left margin, print area width: accepted, not drawn.
            b'L' | b'W' => {
                self.take(2, start, "GS L/W")?;
            }
            // Automatic status back, transmit printer ID, transmit status: requests to the
            // printer, nothing printed.
            b'a' | b'I' | b'r' => {
                self.byte(start, "GS")?;
            }
            _ => return Err(self.unknown(start)),
        }
        Ok(())
    }

    fn fs(&mut self, start: usize) -> Result<(), InterpretError> {
        let c = self.byte(start, "FS")?;
        match c {
            b'&' => self.state.chinese = true,
            b'.' => self.state.chinese = false,
            b'!' => self.state.style.chinese_mode = self.byte(start, "FS !")? & 0x8C,
            b'-' => {
                let n = self.byte(start, "FS -")?;
                let on = match n {
                    0 | 48 => false,
                    1 | 49 | 2 | 50 => true,
                    _ => return Err(bad_parameter(start, "FS -", n)),
                };
                let mode = &mut self.state.style.chinese_mode;
                *mode = if on { *mode | 0x80 } else { *mode & !0x80 };
            }
            // Chinese character spacing: accepted, not drawn.
            b'S' => {
                self.take(2, start, "FS S")?;
            }
            _ => return Err(self.unknown(start)),
        }
        Ok(())
    }

    fn dle(&mut self, start: usize) -> Result<(), InterpretError> {
        if self.byte(start, "DLE")? != EOT {
            return Err(self.unknown(start));
        }
        let n = self.byte(start, "DLE EOT")?;
        if !(1..=4).contains(&n) {
            return Err(bad_parameter(start, "DLE EOT", n));
        }
        self.items.push(Item::StatusRequest(n));
        Ok(())
    }

    /// `GS v 0 m xL xH yL yH d1…dk`.
    fn raster(&mut self, start: usize) -> Result<(), InterpretError> {
        const NAME: &str = "GS v 0";
        let head = self.take(5, start, NAME)?;
        let m = head[0];
        let (wx, hy) = match m {
            0 | 48 => (1, 1),
            1 | 49 => (2, 1),
            2 | 50 => (1, 2),
            3 | 51 => (2, 2),
            _ => return Err(bad_parameter(start, NAME, m)),
        };
        let row_bytes = u32::from(head[1]) | u32::from(head[2]) << 8;
        let rows = u32::from(head[3]) | u32::from(head[4]) << 8;
        if row_bytes == 0 {
            return Err(bad_parameter(start, NAME, head[1]));
        }
        if rows == 0 {
            return Err(bad_parameter(start, NAME, head[3]));
        }
        // Both below 65,536, so the product fits in usize on any target.
        let data = self.take(row_bytes as usize * rows as usize, start, NAME)?;
        self.flush();
        let image = GrayImage::from_fn(row_bytes * 8 * wx, rows * hy, |x, y| {
            let (x, y) = (x / wx, y / hy);
            let byte = data[(y * row_bytes + x / 8) as usize];
            Luma([if byte & (0x80 >> (x % 8)) != 0 {
                0
            } else {
                255
            }])
        });
        self.items.push(Item::Raster(Raster {
            image,
            align: self.state.align,
        }));
        Ok(())
    }

    /// `GS ( k pL pH cn fn …`: two-dimensional codes; only QR (cn 49) is interpreted.
    fn two_d(&mut self, start: usize) -> Result<(), InterpretError> {
        const NAME: &str = "GS ( k";
        let size = self.take(2, start, NAME)?;
        let len = usize::from(size[0]) | usize::from(size[1]) << 8;
        if len < 2 {
            return Err(bad_parameter(start, NAME, size[0]));
        }
        let body = self.take(len, start, NAME)?;
        let (cn, func, params) = (body[0], body[1], &body[2..]);
        if cn != cmd::QR_CN {
            return Err(self.unknown(start));
        }
        let one = |name| match params {
            [n] => Ok(*n),
            _ => Err(bad_parameter(
                start,
                name,
                params.first().copied().unwrap_or(0),
            )),
        };
        match func {
            cmd::QR_FN_MODEL => {
                let n = params.first().copied().unwrap_or(0);
                self.state.qr_model = match (n, params.len()) {
                    (49, 2) => 1,
                    (50, 2) => 2,
                    (51, 2) => 3,
                    _ => return Err(bad_parameter(start, "GS ( k QR model", n)),
                };
            }
            cmd::QR_FN_MODULE => {
                let n = one("GS ( k QR module size")?;
                if !(1..=16).contains(&n) {
                    return Err(bad_parameter(start, "GS ( k QR module size", n));
                }
                self.state.qr_module = n;
            }
            cmd::QR_FN_ECC => {
                let n = one("GS ( k QR error correction")?;
                self.state.qr_ecc = match n {
                    48 => 'L',
                    49 => 'M',
                    50 => 'Q',
                    51 => 'H',
                    _ => return Err(bad_parameter(start, "GS ( k QR error correction", n)),
                };
            }
            cmd::QR_FN_STORE => match params.split_first() {
                Some((48, data)) if !data.is_empty() => self.state.qr_data = Some(data.to_vec()),
                _ => {
                    let n = params.first().copied().unwrap_or(0);
                    return Err(bad_parameter(start, "GS ( k QR store", n));
                }
            },
            cmd::QR_FN_PRINT => {
                let m = one("GS ( k QR print")?;
                if m != 48 {
                    return Err(bad_parameter(start, "GS ( k QR print", m));
                }
                let data = self
                    .state
                    .qr_data
                    .clone()
                    .ok_or(InterpretError::QrNotStored { offset: start })?;
                self.flush();
                self.items.push(Item::Qr(Qr {
                    data,
                    model: self.state.qr_model,
                    module: self.state.qr_module,
                    ecc: self.state.qr_ecc,
                    align: self.state.align,
                }));
            }
            // Transmit size information: a request, nothing printed.
            cmd::QR_FN_SIZE_INFO => {
                one("GS ( k QR size information")?;
            }
            _ => return Err(self.unknown(start)),
        }
        Ok(())
    }
}

fn bad_parameter(offset: usize, command: &'static str, value: u8) -> InterpretError {
    InterpretError::BadParameter {
        offset,
        command,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_styles_and_alignment() {
        let mut bytes = vec![ESC, b'@', FS, b'&', ESC, b'a', 1, GS, b'!', 0x11];
        bytes.extend_from_slice(&[0xD3, 0xD0, 0xD0, 0xA7]); // 有效
        bytes.extend_from_slice(b" OK\n\n");
        let items = interpret(&bytes).expect("valid stream");
        let Item::Line(line) = &items[0] else {
            panic!("expected a line, got {items:?}");
        };
        assert_eq!(line.text(), "有效 OK");
        assert_eq!(line.align, Align::Center);
        assert_eq!(line.cells(), 14);
        let style = line.style().expect("one style");
        assert_eq!((style.width, style.height), (2, 2));
        assert_eq!(
            items[1],
            Item::Line(Line {
                align: Align::Center,
                spans: vec![]
            })
        );
    }

    #[test]
    fn four_byte_characters_decode() {
        // A CJK Extension B character: four bytes in GB18030.
        let (bytes, _, _) = encoding_rs::GB18030.encode("\u{2A6A5}");
        assert_eq!(bytes.len(), 4);
        let mut stream = vec![FS, b'&'];
        stream.extend_from_slice(&bytes);
        stream.push(LF);
        assert_eq!(
            text_lines(&interpret(&stream).expect("valid")),
            ["\u{2A6A5}"]
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases: [(&[u8], &str); 9] = [
            (b"ab\x1bp\x00\x19\xfa", "unknown command 1B 70 00 at byte 2"),
            (b"\x1d(L\x02\x00", "unknown command 1D 28 4C at byte 0"),
            (
                b"x\x1dv0\x00\x02\x00\x03\x00\xff",
                "GS v 0 at byte 1 is cut off by the end of the data",
            ),
            (
                b"\x1b!",
                "ESC ! at byte 0 is cut off by the end of the data",
            ),
            (
                b"\x1b-\x07",
                "ESC - at byte 0 has an invalid parameter 0x07",
            ),
            (
                b"\x1c&\xa1\x20",
                "bytes A1 20 at byte 2 are not a GB18030 character",
            ),
            (
                b"\xc4\xe3",
                "byte 0xc4 at byte 0 is outside Chinese mode (code pages are not interpreted)",
            ),
            (
                b"\x1d(k\x03\x001Q0",
                "QR code printed at byte 0 with no data stored",
            ),
            (b"\x00", "unknown command 00 at byte 0"),
        ];
        for (bytes, message) in cases {
            match interpret(bytes) {
                Ok(items) => panic!("{bytes:02X?} interpreted as {items:?}"),
                Err(e) => assert_eq!(e.to_string(), message, "{bytes:02X?}"),
            }
        }
    }

    #[test]
    fn esc_at_discards_unprinted_text() {
        let items = interpret(b"lost\x1b@kept\n").expect("valid");
        assert_eq!(text_lines(&items), ["kept"]);
    }
}
