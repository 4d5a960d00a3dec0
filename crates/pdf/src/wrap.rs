//! Line breaking by measured width, for proportional fonts: the rules of
//! `countersign_printdoc::wrap_columns` (CJK breaks anywhere, Latin at spaces, closing
//! punctuation never starts a line and hangs past the edge instead), with widths in points
//! instead of character cells, and opening brackets kept off the line end.

use countersign_printdoc::display_width;

/// Closing punctuation that must not begin a line (the same set as printdoc's wrapper).
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕〉”’,.;:?!)]}%".contains(c)
}

/// Opening punctuation that must not end a line: it belongs with what follows.
fn no_line_end(c: char) -> bool {
    "（《「『【〔〈“‘([{".contains(c)
}

/// CJK ideographs, kana, Hangul and full-width forms: a line may break before or after them.
fn is_wide(c: char) -> bool {
    let mut buf = [0u8; 4];
    display_width(c.encode_utf8(&mut buf)) == 2
}

/// Whether a new line may begin with `next` when `prev` ends the previous one.
fn can_break_between(prev: char, next: char) -> bool {
    if no_line_start(next) || no_line_end(prev) || next == ' ' {
        return false;
    }
    prev == ' ' || is_wide(prev) || is_wide(next)
}

/// Slack for float sums: a line exactly as wide as the column must not wrap.
const EPSILON: f32 = 0.01;

/// Wraps `text` into lines no wider than `max`, `width_of` giving each character's advance
/// (text is drawn without kerning, so a line's width is the sum of its characters').
///
/// `\n` starts a new line. A break falls at the last opportunity that keeps the line within
/// `max`: after a space, or before or after a CJK character, never before closing or after
/// opening punctuation. A word with no opportunity in it is cut. Closing punctuation that
/// does not fit hangs past `max` (as printed Chinese does) rather than starting a line.
/// Spaces at a break are dropped.
pub(crate) fn wrap(text: &str, max: f32, width_of: impl Fn(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut width = 0.0_f32;
        // Byte offset in `line` of the last place a new line could begin (always > 0).
        let mut last_break: Option<usize> = None;
        let mut prev: Option<char> = None;
        // Set once the paragraph has wrapped: spaces that would start a line are dropped.
        let mut continued = false;
        for c in paragraph.chars() {
            let w = width_of(c);
            // Overflowing: break until `c` fits (a second pass when the kept tail plus `c`
            // still overflows, e.g. a long word after the last space).
            while width + w > max + EPSILON && !line.is_empty() && !no_line_start(c) {
                if c == ' ' {
                    break;
                }
                let at = match prev {
                    Some(p) if can_break_between(p, c) => line.len(),
                    _ => last_break.unwrap_or(line.len()),
                };
                let rest = line.split_off(at);
                lines.push(line.trim_end().to_owned());
                line = rest.trim_start_matches(' ').to_owned();
                width = line.chars().map(&width_of).sum();
                last_break = None;
                continued = true;
            }
            if c == ' ' && width + w > max + EPSILON && !line.is_empty() {
                // A space at the edge ends the line and is not printed.
                lines.push(line.trim_end().to_owned());
                line.clear();
                width = 0.0;
                last_break = None;
                continued = true;
                prev = Some(c);
                continue;
            }
            if c == ' ' && line.is_empty() && continued {
                continue;
            }
            if let Some(p) = prev.filter(|_| !line.is_empty()) {
                if can_break_between(p, c) {
                    last_break = Some(line.len());
                }
            }
            line.push(c);
            width += w;
            prev = Some(c);
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cell widths, as a thermal printer counts them, so the cases read like printdoc's.
    fn cells(c: char) -> f32 {
        if is_wide(c) {
            2.0
        } else {
            1.0
        }
    }

    #[test]
    fn wraps_by_width() {
        let cases: &[(&str, f32, &[&str])] = &[
            // printdoc's own cases, which must agree.
            (
                "北京市朝阳区政务服务中心",
                8.0,
                &["北京市朝", "阳区政务", "服务中心"],
            ),
            (
                "Verified against the chain",
                12.0,
                &["Verified", "against the", "chain"],
            ),
            ("a\nb", 10.0, &["a", "b"]),
            ("证照有效。请办理", 8.0, &["证照有效。", "请办理"]),
            ("ABCDEFGHIJ", 4.0, &["ABCD", "EFGH", "IJ"]),
            // A Latin word after CJK moves whole to the next line.
            ("北京市ABC", 7.0, &["北京市", "ABC"]),
            // An opening bracket goes with what it opens.
            ("请出示（身份证）", 8.0, &["请出示", "（身份证）"]),
            // Two closing marks hang together.
            ("核验通过。」下一位", 8.0, &["核验通过。」", "下一位"]),
            // A long word after the last space: moved, then cut.
            ("ab CDEFGHIJK", 6.0, &["ab", "CDEFGH", "IJK"]),
            // Spaces at a break vanish; a paragraph's own indent stays.
            ("  aaa   bbb", 6.0, &["  aaa", "bbb"]),
            ("", 5.0, &[""]),
            ("有效 VALID", 10.0, &["有效 VALID"]),
            ("有效 VALID", 9.0, &["有效", "VALID"]),
        ];
        for (text, max, want) in cases {
            let got = wrap(text, *max, cells);
            assert_eq!(&got, want, "wrapping {text:?} to {max}");
        }
    }

    #[test]
    fn lines_stay_within_the_width_except_hanging_punctuation() {
        let text = "北京市朝阳区政务服务中心，核验回执。Verification receipt for credential 110105********1000（张*），结果：有效。";
        for max in [5.0, 8.0, 13.0, 20.0] {
            for line in wrap(text, max, cells) {
                let width: f32 = line.chars().map(cells).sum();
                let hanging: f32 = line
                    .chars()
                    .rev()
                    .take_while(|c| no_line_start(*c))
                    .map(cells)
                    .sum();
                assert!(width - hanging <= max, "{line:?} is {width} wide at {max}");
                assert!(
                    !line.starts_with(no_line_start),
                    "{line:?} starts with closing punctuation"
                );
            }
        }
    }
}
