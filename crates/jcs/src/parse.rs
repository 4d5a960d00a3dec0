//! A small, iterative, strict JSON parser.
//!
//! We do not reuse serde_json's parser because its `Value` silently keeps the last of duplicate
//! member names, reports depth only at its own limit of 128, and cannot tell us whether a number
//! was written as an integer literal. The parser keeps its own stack instead of recursing so
//! that any `max_depth` is safe from stack overflow.

use serde_json::{Map, Number, Value};

use crate::ParseError;

/// Largest integer magnitude an IEEE 754 double holds exactly, with all smaller ones (2^53 − 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Longest literal kept in a [`ParseError::NumberOutOfRange`], so a 200 KB number does not
/// become a 200 KB error message.
const MAX_LITERAL_IN_ERROR: usize = 64;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Resource limits for [`parse_strict_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of arrays and objects; `[]` is depth 1, a scalar alone is depth 0.
    pub max_depth: usize,
    /// Maximum input length in bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    /// Depth 32 and 256 KiB: far beyond any credential, small enough that hostile input is
    /// rejected before it costs much.
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_bytes: 256 * 1024,
        }
    }
}

/// Parses `bytes` as strict I-JSON (RFC 7493) with the default [`Limits`].
///
/// Rejects, with a specific [`ParseError`]: empty input, invalid UTF-8, a byte order mark,
/// duplicate member names, lone surrogate escapes, numbers that overflow a double, integer
/// literals beyond ±(2^53 − 1), trailing data, and input beyond the limits. Never panics.
///
/// Integer literals become `u64`/`i64` numbers; every other number becomes an `f64` (`-0` too,
/// as serde_json does).
pub fn parse_strict(bytes: &[u8]) -> Result<Value, ParseError> {
    parse_strict_with(bytes, &Limits::default())
}

/// Like [`parse_strict`], with explicit [`Limits`].
pub fn parse_strict_with(bytes: &[u8], limits: &Limits) -> Result<Value, ParseError> {
    if bytes.len() > limits.max_bytes {
        return Err(ParseError::TooLarge {
            len: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    if bytes.starts_with(BOM) {
        return Err(ParseError::ByteOrderMark);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    Parser {
        text,
        pos: 0,
        max_depth: limits.max_depth,
    }
    .document()
}

/// A container being filled while its members are parsed.
enum Frame {
    Array(Vec<Value>),
    /// `key` is the name of the member whose value is being parsed.
    Object {
        map: Map<String, Value>,
        key: String,
    },
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset into `text`; only ever advanced past ASCII bytes or whole strings, so it is
    /// always on a character boundary.
    pos: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn document(mut self) -> Result<Value, ParseError> {
        self.skip_whitespace();
        if self.peek().is_none() {
            return Err(ParseError::Empty);
        }
        let mut stack: Vec<Frame> = Vec::new();
        let value =
            'value: loop {
                self.skip_whitespace();
                let start = self.pos;
                let mut value = match self.peek() {
                    Some(b'[') => {
                        self.check_depth(stack.len(), start)?;
                        self.pos += 1;
                        self.skip_whitespace();
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Value::Array(Vec::new())
                        } else {
                            stack.push(Frame::Array(Vec::new()));
                            continue 'value;
                        }
                    }
                    Some(b'{') => {
                        self.check_depth(stack.len(), start)?;
                        self.pos += 1;
                        self.skip_whitespace();
                        if self.peek() == Some(b'}') {
                            self.pos += 1;
                            Value::Object(Map::new())
                        } else {
                            let map = Map::new();
                            let key = self.member_name(&map)?;
                            stack.push(Frame::Object { map, key });
                            continue 'value;
                        }
                    }
                    Some(b'"') => Value::String(self.string()?),
                    Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
                    Some(b't') => self.literal("true", Value::Bool(true))?,
                    Some(b'f') => self.literal("false", Value::Bool(false))?,
                    Some(b'n') => self.literal("null", Value::Null)?,
                    _ => return Err(self.syntax(start, "expected a JSON value")),
                };
                // Hand the finished value to its container; a closing bracket finishes that
                // container in turn, so keep going until a container wants another member.
                loop {
                    let Some(frame) = stack.pop() else {
                        break 'value value;
                    };
                    match frame {
                        Frame::Array(mut items) => {
                            items.push(value);
                            self.skip_whitespace();
                            let at = self.pos;
                            match self.bump() {
                                Some(b',') => {
                                    stack.push(Frame::Array(items));
                                    continue 'value;
                                }
                                Some(b']') => value = Value::Array(items),
                                _ => {
                                    return Err(self
                                        .syntax(at, "expected ',' or ']' after an array element"))
                                }
                            }
                        }
                        Frame::Object { mut map, key } => {
                            map.insert(key, value);
                            self.skip_whitespace();
                            let at = self.pos;
                            match self.bump() {
                                Some(b',') => {
                                    let key = self.member_name(&map)?;
                                    stack.push(Frame::Object { map, key });
                                    continue 'value;
                                }
                                Some(b'}') => value = Value::Object(map),
                                _ => {
                                    return Err(self
                                        .syntax(at, "expected ',' or '}' after an object member"))
                                }
                            }
                        }
                    }
                }
            };
        self.skip_whitespace();
        if self.pos < self.text.len() {
            let (line, column) = self.line_column(self.pos);
            return Err(ParseError::TrailingData { line, column });
        }
        Ok(value)
    }

    /// `open` is the number of containers already open around the one starting at `at`.
    fn check_depth(&self, open: usize, at: usize) -> Result<(), ParseError> {
        if open >= self.max_depth {
            let (line, column) = self.line_column(at);
            return Err(ParseError::TooDeep {
                limit: self.max_depth,
                line,
                column,
            });
        }
        Ok(())
    }

    /// Parses `"name" :` and refuses a name already in `map`.
    fn member_name(&mut self, map: &Map<String, Value>) -> Result<String, ParseError> {
        self.skip_whitespace();
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.syntax(start, "expected a string as object member name"));
        }
        let key = self.string()?;
        if map.contains_key(&key) {
            let (line, column) = self.line_column(start);
            return Err(ParseError::DuplicateKey { key, line, column });
        }
        self.skip_whitespace();
        let at = self.pos;
        if self.bump() != Some(b':') {
            return Err(self.syntax(at, "expected ':' after object member name"));
        }
        Ok(key)
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, ParseError> {
        if self.rest().starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.syntax(self.pos, &format!("expected '{word}'")))
        }
    }

    /// Parses a string starting at its opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Runs end at an ASCII byte or the end of input, so both ends are char boundaries.
            out.push_str(&self.text[run_start..self.pos]);
            let at = self.pos;
            match self.bump() {
                Some(b'"') => return Ok(out),
                Some(b'\\') => out.push(self.escape(at)?),
                Some(b) => {
                    return Err(self.syntax(
                        at,
                        &format!("control character U+{b:04X} must be escaped in a string"),
                    ))
                }
                None => return Err(self.syntax(open, "string is not terminated")),
            }
        }
    }

    /// Parses an escape whose backslash is at `at` and has been consumed.
    fn escape(&mut self, at: usize) -> Result<char, ParseError> {
        let c = match self.bump() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let unit = self.hex4(at)?;
                return match unit {
                    0xD800..=0xDBFF => {
                        // A high surrogate is only meaningful as the first half of a pair.
                        let low_at = self.pos;
                        if !self.rest().starts_with(b"\\u") {
                            return Err(self.lone_surrogate(unit, at));
                        }
                        self.pos += 2;
                        let low = self.hex4(low_at)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.lone_surrogate(unit, at));
                        }
                        let code = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        char::from_u32(code).ok_or_else(|| self.lone_surrogate(unit, at))
                    }
                    0xDC00..=0xDFFF => Err(self.lone_surrogate(unit, at)),
                    _ => {
                        char::from_u32(u32::from(unit)).ok_or_else(|| self.lone_surrogate(unit, at))
                    }
                };
            }
            _ => return Err(self.syntax(at, "invalid escape sequence in string")),
        };
        Ok(c)
    }

    /// Reads the four hex digits of a `\u` escape whose backslash is at `at`.
    fn hex4(&mut self, at: usize) -> Result<u16, ParseError> {
        let digits = self.rest().get(..4).unwrap_or_default();
        if digits.len() != 4 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(self.syntax(at, "\\u escape needs four hexadecimal digits"));
        }
        let mut unit: u16 = 0;
        for &d in digits {
            // The digits were checked above, so `to_digit` cannot fail.
            let v = char::from(d).to_digit(16).unwrap_or(0);
            unit = (unit << 4) | v as u16;
        }
        self.pos += 4;
        Ok(unit)
    }

    fn lone_surrogate(&self, code: u16, at: usize) -> ParseError {
        let (line, column) = self.line_column(at);
        ParseError::LoneSurrogate { code, line, column }
    }

    /// Parses a number per the RFC 8259 grammar, then applies the I-JSON range rules.
    fn number(&mut self) -> Result<Number, ParseError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.syntax(start, "a number must not have leading zeros"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax(self.pos, "expected a digit in number")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.syntax(self.pos, "expected a digit after the decimal point"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.syntax(self.pos, "expected a digit in the exponent"));
            }
            self.digits();
        }
        let literal = &self.text[start..self.pos];

        if integer && literal != "-0" {
            let magnitude = literal.trim_start_matches('-');
            // More than 16 digits is always beyond 2^53 − 1 (and might overflow u64).
            let value = if magnitude.len() <= 16 {
                magnitude.parse::<u64>().ok()
            } else {
                None
            };
            return match value {
                Some(v) if v <= MAX_SAFE_INTEGER => Ok(if negative {
                    // v ≤ 2^53 − 1, so the negation fits in i64.
                    Number::from(-(v as i64))
                } else {
                    Number::from(v)
                }),
                _ => Err(self.out_of_range(literal, start)),
            };
        }
        // Rust's float parsing is correctly rounded and accepts every JSON number literal.
        match literal.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(n),
            None => Err(self.out_of_range(literal, start)),
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn out_of_range(&self, literal: &str, at: usize) -> ParseError {
        let (line, column) = self.line_column(at);
        // Number literals are ASCII, so byte slicing is safe.
        let literal = if literal.len() > MAX_LITERAL_IN_ERROR {
            format!("{}…", &literal[..MAX_LITERAL_IN_ERROR])
        } else {
            literal.to_owned()
        };
        ParseError::NumberOutOfRange {
            literal,
            line,
            column,
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn rest(&self) -> &[u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// A syntax error at byte offset `at`, naming what was found there.
    fn syntax(&self, at: usize, expected: &str) -> ParseError {
        let found = match self.text.get(at..).and_then(|s| s.chars().next()) {
            None => "end of input".to_owned(),
            Some(c) if c.is_control() || c.is_whitespace() => format!("U+{:04X}", u32::from(c)),
            Some(c) => format!("'{c}'"),
        };
        let (line, column) = self.line_column(at);
        ParseError::Syntax {
            line,
            column,
            message: format!("{expected}, found {found}"),
        }
    }

    /// 1-based line and column (in characters) of byte offset `at`. Computed only for errors,
    /// so the happy path does no bookkeeping.
    fn line_column(&self, at: usize) -> (usize, usize) {
        let before = self.text.get(..at).unwrap_or(self.text);
        let line = 1 + before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = 1 + before[line_start..].chars().count();
        (line, column)
    }
}
