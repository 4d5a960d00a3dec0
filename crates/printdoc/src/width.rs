//! Display width in character cells, as thermal printers and monospaced layouts count it: a
//! CJK character or a full-width form takes two cells, ASCII one.

/// Cells `c` takes: 2 for East Asian wide and full-width characters, 0 for controls and
/// combining marks, else 1.
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    if c.is_control() || (0x0300..=0x036F).contains(&u) || u == 0x200B || u == 0xFE0F {
        return 0;
    }
    let wide = matches!(u,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD);
    if wide {
        2
    } else {
        1
    }
}

/// Cells `text` takes on one line.
pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Closing punctuation that must not begin a line (Chinese line-breaking rules).
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕〉”’,.;:?!)]}%".contains(c)
}

/// Wraps `text` into lines of at most `columns` cells. Explicit `\n` starts a new line; Latin
/// words break at spaces when they fit, CJK text anywhere, and closing punctuation stays with
/// the character before it (a line may then run one character over, as printed Chinese does).
pub fn wrap_columns(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(2);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut width = 0;
        // Where the last space in `line` is, to break Latin words whole.
        let mut last_space: Option<usize> = None;
        for c in paragraph.chars() {
            let w = char_width(c);
            if width + w > columns && !line.is_empty() && !no_line_start(c) {
                if c == ' ' {
                    lines.push(line.trim_end().to_string());
                    line.clear();
                    width = 0;
                    last_space = None;
                    continue;
                }
                match last_space.filter(|_| c.is_ascii_alphanumeric()) {
                    Some(at) => {
                        let rest = line.split_off(at + 1);
                        lines.push(line.trim_end().to_string());
                        line = rest;
                    }
                    None => lines.push(std::mem::take(&mut line)),
                }
                width = display_width(&line);
                last_space = None;
            }
            if c == ' ' {
                last_space = Some(line.len());
            }
            line.push(c);
            width += w;
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_takes_two_cells() {
        assert_eq!(display_width("有效 VALID"), 10);
        assert_eq!(display_width("１２"), 4);
    }

    #[test]
    fn wraps_chinese_anywhere_and_latin_at_spaces() {
        assert_eq!(
            wrap_columns("北京市朝阳区政务服务中心", 8),
            ["北京市朝", "阳区政务", "服务中心"]
        );
        assert_eq!(
            wrap_columns("Verified against the chain", 12),
            ["Verified", "against the", "chain"]
        );
        assert_eq!(wrap_columns("a\nb", 10), ["a", "b"]);
    }

    #[test]
    fn closing_punctuation_stays_on_its_line() {
        assert_eq!(
            wrap_columns("证照有效。请办理", 8),
            ["证照有效。", "请办理"]
        );
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut() {
        assert_eq!(wrap_columns("ABCDEFGHIJ", 4), ["ABCD", "EFGH", "IJ"]);
    }
}
