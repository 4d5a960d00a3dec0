//! Splitting the scanner's byte stream into scans. No I/O and no clock: the caller says what
//! time it is, so every rule here is tested without a port and without sleeping.

use std::time::{Duration, Instant};

use crate::event::{BadText, Rejection};

/// What the framer makes of one line of the scanner's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The text of one scan, trimmed of surrounding whitespace and never empty.
    Scan(String),
    /// A line that is not delivered, and why.
    Rejected(Rejection),
}

/// Turns bytes, as they arrive in whatever pieces the port hands them over, into frames.
///
/// A frame ends at CR, LF or Tab (so CRLF ends one frame and leaves an empty one, which is
/// dropped), or when no byte has arrived for `idle_end` (scanners configured without a
/// suffix). A line longer than `max_len` bytes is rejected as soon as it passes the limit and
/// the rest of it is dropped up to its end, so the tail never turns up as a scan of its own.
#[derive(Debug, Clone)]
pub struct Framer {
    max_len: usize,
    idle_end: Option<Duration>,
    line: Vec<u8>,
    /// The current line passed `max_len` and was rejected; drop bytes until it ends.
    discarding: bool,
    /// When the last byte of the unfinished line arrived; `None` when no line is open.
    last_byte: Option<Instant>,
}

impl Framer {
    /// A framer for lines of at most `max_len` bytes; `idle_end` is the pause that ends a line
    /// with no suffix (`None`: only a suffix ends a line).
    pub fn new(max_len: usize, idle_end: Option<Duration>) -> Self {
        Self {
            max_len,
            idle_end,
            // Not `max_len`: a hall may set a large limit, and most scans are far shorter.
            line: Vec::with_capacity(max_len.min(8192)),
            discarding: false,
            last_byte: None,
        }
    }

    /// Takes bytes that arrived at `now` and returns the frames they complete, in order.
    pub fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<Frame> {
        let mut frames = Vec::new();
        for &byte in bytes {
            if matches!(byte, b'\r' | b'\n' | b'\t') {
                frames.extend(self.end_line());
            } else if self.discarding {
                // Still inside a line that was already rejected as too long.
            } else if self.line.len() >= self.max_len {
                self.line.clear();
                self.discarding = true;
                frames.push(Frame::Rejected(Rejection::TooLong {
                    max_len: self.max_len,
                }));
            } else {
                self.line.push(byte);
            }
        }
        self.last_byte = self.is_open().then_some(now);
        frames
    }

    /// Ends the unfinished line if nothing has arrived for `idle_end` by `now`. Returns its
    /// frame, if it makes one (an over-long line was already rejected; blank lines make none).
    pub fn on_idle(&mut self, now: Instant) -> Option<Frame> {
        let deadline = self.idle_deadline()?;
        if now >= deadline {
            self.end_line()
        } else {
            None
        }
    }

    /// When the unfinished line will be ended by the pause, if one is open and pauses end
    /// lines. The reader uses it to decide how long to wait for more bytes.
    pub fn idle_deadline(&self) -> Option<Instant> {
        let idle_end = self.idle_end?;
        let last = self.last_byte?;
        // A pause too long to represent never ends the line.
        last.checked_add(idle_end)
    }

    /// Whether part of a line has arrived and not yet ended.
    pub fn is_open(&self) -> bool {
        !self.line.is_empty() || self.discarding
    }

    /// Drops the unfinished line, if any, for a reader that keeps its framer when the port
    /// goes away: a line cut off by an unplugged cable is not a scan.
    pub fn reset(&mut self) {
        self.line.clear();
        self.discarding = false;
        self.last_byte = None;
    }

    fn end_line(&mut self) -> Option<Frame> {
        self.last_byte = None;
        if self.discarding {
            self.discarding = false;
            return None;
        }
        let frame = decode(&self.line);
        self.line.clear();
        frame
    }
}

/// Checks one line: UTF-8 without control characters, trimmed, not empty.
fn decode(line: &[u8]) -> Option<Frame> {
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.valid_up_to();
            return Some(Frame::Rejected(Rejection::NotText {
                len: line.len(),
                offset,
                // `valid_up_to` is always inside the line when decoding failed.
                found: BadText::NotUtf8(line.get(offset).copied().unwrap_or_default()),
            }));
        }
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let lead = text.len() - text.trim_start().len();
    if let Some((at, ch)) = trimmed.char_indices().find(|(_, ch)| ch.is_control()) {
        return Some(Frame::Rejected(Rejection::NotText {
            len: line.len(),
            offset: lead + at,
            found: BadText::Control(ch),
        }));
    }
    Some(Frame::Scan(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDLE: Duration = Duration::from_millis(150);

    fn scan(text: &str) -> Frame {
        Frame::Scan(text.to_owned())
    }

    /// Feeds the pieces one after another at the same instant and collects every frame.
    fn frames(max_len: usize, pieces: &[&[u8]]) -> Vec<Frame> {
        let mut framer = Framer::new(max_len, None);
        let now = Instant::now();
        pieces.iter().flat_map(|p| framer.push(p, now)).collect()
    }

    #[test]
    fn each_suffix_ends_a_frame_and_empty_frames_are_dropped() {
        let cases: &[(&str, &[u8], &[&str])] = &[
            ("CR", b"CS1:AB\r", &["CS1:AB"]),
            ("LF", b"CS1:AB\n", &["CS1:AB"]),
            ("CRLF", b"CS1:AB\r\n", &["CS1:AB"]),
            ("Tab", b"CS1:AB\t", &["CS1:AB"]),
            (
                "two in one piece",
                b"CS1:A\r\nCS1:B\r\n",
                &["CS1:A", "CS1:B"],
            ),
            ("mixed suffixes", b"A\tB\rC\nD\r\n", &["A", "B", "C", "D"]),
            ("blank lines", b"\r\n\r\n\t\t  \r\nX\r\n\n", &["X"]),
            ("no suffix yet", b"CS1:AB", &[]),
        ];
        for (name, input, want) in cases {
            let got = frames(64, &[input]);
            let want: Vec<Frame> = want.iter().map(|w| scan(w)).collect();
            assert_eq!(got, want, "case {name:?}");
        }
    }

    #[test]
    fn frames_are_trimmed_but_inner_spaces_kept() {
        // Base45 has a space in its alphabet, so only the ends are trimmed.
        assert_eq!(
            frames(64, &[b"  CS1:A B  C \r\n"]),
            vec![scan("CS1:A B  C")]
        );
    }

    #[test]
    fn a_frame_split_over_many_pieces_is_reassembled() {
        let payload = b"CS1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA.A5:S9MKN02+LH%2\r\n";
        let pieces: Vec<&[u8]> = payload.chunks(1).collect();
        assert_eq!(
            frames(8192, &pieces),
            vec![scan(
                std::str::from_utf8(&payload[..payload.len() - 2]).unwrap_or_default()
            )]
        );
        // CR at the end of one piece and LF at the start of the next still make one frame.
        assert_eq!(
            frames(64, &[b"CS1:A\r", b"\nCS1:B\r", b"\n"]),
            vec![scan("CS1:A"), scan("CS1:B")]
        );
    }

    #[test]
    fn a_line_of_exactly_max_len_is_accepted() {
        assert_eq!(frames(5, &[b"ABCDE\r\n"]), vec![scan("ABCDE")]);
    }

    #[test]
    fn an_over_long_line_is_rejected_once_and_its_tail_discarded() {
        let too_long = Frame::Rejected(Rejection::TooLong { max_len: 5 });
        assert_eq!(
            frames(5, &[b"ABCDEF\r\nOK\r\n"]),
            vec![too_long.clone(), scan("OK")]
        );
        // Rejected as soon as it passes the limit, before its end has arrived.
        let mut framer = Framer::new(5, None);
        let now = Instant::now();
        assert_eq!(
            framer.push(b"ABCDEFGHIJKLMNOP", now),
            vec![too_long.clone()]
        );
        assert_eq!(framer.push(b"QRSTUVWXYZ", now), vec![]);
        assert_eq!(framer.push(b"XYZ\r\nNEXT\r\n", now), vec![scan("NEXT")]);
        // The limit counts the line before trimming; pieces do not matter.
        assert_eq!(
            frames(5, &[b"AB", b"CD", b"EF", b"GH\n", b"I\n"]),
            vec![too_long, scan("I")]
        );
    }

    #[test]
    fn bytes_that_are_not_text_reject_the_line() {
        let cases: &[(&str, &[u8], usize, BadText)] = &[
            ("NUL", b"CS1:\x00AB", 4, BadText::Control('\0')),
            ("escape", b"\x1b[2J", 0, BadText::Control('\x1b')),
            ("DEL", b"AB\x7f", 2, BadText::Control('\x7f')),
            ("invalid UTF-8", b"CS1:\xff\xfe", 4, BadText::NotUtf8(0xff)),
            (
                "lone continuation byte",
                b"A\x80",
                1,
                BadText::NotUtf8(0x80),
            ),
            (
                "truncated sequence",
                b"AB\xe4\xb8",
                2,
                BadText::NotUtf8(0xe4),
            ),
            (
                "C1 control",
                "A\u{85}B".as_bytes(),
                1,
                BadText::Control('\u{85}'),
            ),
            (
                "offset counts trimmed spaces",
                b"  A\x01",
                3,
                BadText::Control('\x01'),
            ),
        ];
        for (name, line, offset, found) in cases {
            let mut input = line.to_vec();
            input.extend_from_slice(b"\r\nOK\r\n");
            let want = vec![
                Frame::Rejected(Rejection::NotText {
                    len: line.len(),
                    offset: *offset,
                    found: *found,
                }),
                scan("OK"),
            ];
            assert_eq!(frames(64, &[&input]), want, "case {name:?}");
        }
    }

    #[test]
    fn printable_utf8_is_text() {
        assert_eq!(
            frames(64, &["姓名：张三\r\n".as_bytes()]),
            vec![scan("姓名：张三")]
        );
    }

    #[test]
    fn every_byte_sequence_gives_frames_without_panicking() {
        // A cheap deterministic generator; the property is "no panic, no frame over max_len".
        let mut state: u32 = 0x1234_5678;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for _ in 0..2_000 {
            let mut framer = Framer::new(16, Some(IDLE));
            let now = Instant::now();
            let len = (next() % 64) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            for frame in framer
                .push(&bytes, now)
                .into_iter()
                .chain(framer.on_idle(now + IDLE))
            {
                if let Frame::Scan(text) = frame {
                    assert!(
                        !text.is_empty() && text.len() <= 16,
                        "{bytes:?} gave {text:?}"
                    );
                    assert!(
                        !text.chars().any(char::is_control),
                        "{bytes:?} gave {text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_pause_ends_a_line_without_suffix() {
        let mut framer = Framer::new(64, Some(IDLE));
        let t0 = Instant::now();
        assert_eq!(framer.idle_deadline(), None, "nothing open yet");
        assert_eq!(framer.push(b"CS1:", t0), vec![]);
        assert_eq!(framer.idle_deadline(), Some(t0 + IDLE));
        // More bytes move the deadline.
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(framer.push(b"AB", t1), vec![]);
        assert_eq!(framer.on_idle(t0 + IDLE), None, "not idle long enough");
        assert_eq!(framer.on_idle(t1 + IDLE), Some(scan("CS1:AB")));
        assert_eq!(framer.idle_deadline(), None);
        assert_eq!(framer.on_idle(t1 + IDLE * 10), None, "flushed once");
    }

    #[test]
    fn a_pause_after_a_suffix_does_nothing() {
        let mut framer = Framer::new(64, Some(IDLE));
        let t0 = Instant::now();
        assert_eq!(framer.push(b"CS1:AB\r", t0), vec![scan("CS1:AB")]);
        assert_eq!(framer.idle_deadline(), None);
        // The LF of a CRLF arriving after the pause is still only an empty frame.
        assert_eq!(framer.on_idle(t0 + IDLE), None);
        assert_eq!(framer.push(b"\n", t0 + IDLE * 2), vec![]);
    }

    #[test]
    fn a_pause_ends_the_discarding_of_an_over_long_line() {
        let mut framer = Framer::new(4, Some(IDLE));
        let t0 = Instant::now();
        assert_eq!(
            framer.push(b"ABCDEFG", t0),
            vec![Frame::Rejected(Rejection::TooLong { max_len: 4 })]
        );
        assert_eq!(framer.on_idle(t0 + IDLE), None, "already rejected");
        assert!(!framer.is_open());
        let t1 = t0 + IDLE * 2;
        assert_eq!(framer.push(b"NEXT", t1), vec![]);
        assert_eq!(framer.on_idle(t1 + IDLE), Some(scan("NEXT")));
    }

    #[test]
    fn without_idle_end_only_a_suffix_ends_a_line() {
        let mut framer = Framer::new(64, None);
        let t0 = Instant::now();
        assert_eq!(framer.push(b"CS1:AB", t0), vec![]);
        assert_eq!(framer.idle_deadline(), None);
        assert_eq!(framer.on_idle(t0 + Duration::from_secs(3600)), None);
        assert_eq!(framer.push(b"\r\n", t0), vec![scan("CS1:AB")]);
    }

    #[test]
    fn reset_drops_the_unfinished_line() {
        let mut framer = Framer::new(64, Some(IDLE));
        let t0 = Instant::now();
        assert_eq!(framer.push(b"CS1:HALF", t0), vec![]);
        framer.reset();
        assert!(!framer.is_open());
        assert_eq!(framer.on_idle(t0 + IDLE), None);
        assert_eq!(framer.push(b"CS1:NEW\r", t0), vec![scan("CS1:NEW")]);
    }
}
