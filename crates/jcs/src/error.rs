//! Error types for strict parsing and canonicalization.

/// Why [`parse_strict`](crate::parse_strict) refused its input.
///
/// Positions are 1-based; `column` counts Unicode scalar values (characters) from the start of
/// the line, so it matches what a text editor shows. Only [`ParseError::NotUtf8`] uses a byte
/// offset, because undecodable input has no characters to count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The input is empty or contains only whitespace.
    #[error("input is empty: expected a JSON value")]
    Empty,

    /// The input is longer than [`Limits::max_bytes`](crate::Limits::max_bytes).
    #[error("input is {len} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Length of the input in bytes.
        len: usize,
        /// The configured limit in bytes.
        limit: usize,
    },

    /// The input is not valid UTF-8.
    #[error("input is not valid UTF-8: invalid byte at offset {offset}")]
    NotUtf8 {
        /// Byte offset of the first byte that is not part of a valid UTF-8 sequence.
        offset: usize,
    },

    /// The input starts with a UTF-8 byte order mark (EF BB BF).
    #[error("input starts with a UTF-8 byte order mark, which strict JSON does not allow")]
    ByteOrderMark,

    /// Arrays and objects are nested deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("nesting is deeper than the limit of {limit} levels at line {line}, column {column}")]
    TooDeep {
        /// The configured depth limit.
        limit: usize,
        /// Line of the array or object that exceeds the limit.
        line: usize,
        /// Column of the array or object that exceeds the limit.
        column: usize,
    },

    /// An object has two members with the same name (after unescaping).
    #[error("duplicate member name {key:?} at line {line}, column {column}")]
    DuplicateKey {
        /// The repeated member name, unescaped.
        key: String,
        /// Line of the second occurrence.
        line: usize,
        /// Column of the second occurrence.
        column: usize,
    },

    /// A number cannot be represented exactly: it overflows an IEEE 754 double, or it is an
    /// integer literal whose magnitude exceeds 2^53 − 1.
    #[error(
        "number {literal} at line {line}, column {column} is out of range: integers must be \
         within ±9007199254740991 and other numbers must fit a finite double"
    )]
    NumberOutOfRange {
        /// The number as written, shortened to 64 characters plus `…` if longer.
        literal: String,
        /// Line where the number starts.
        line: usize,
        /// Column where the number starts.
        column: usize,
    },

    /// A `\uXXXX` escape names a UTF-16 surrogate that is not part of a valid pair; such a
    /// string has no Unicode (and so no JCS) representation.
    #[error(
        "lone surrogate escape \\u{code:04x} at line {line}, column {column}: \
         it does not encode a Unicode character"
    )]
    LoneSurrogate {
        /// The surrogate code unit.
        code: u16,
        /// Line of the escape.
        line: usize,
        /// Column of the escape's backslash.
        column: usize,
    },

    /// The input is not JSON at this point.
    #[error("syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// Line of the offending character.
        line: usize,
        /// Column of the offending character.
        column: usize,
        /// What was expected and what was found.
        message: String,
    },

    /// Something other than whitespace follows the complete JSON value.
    #[error("unexpected data after the JSON value at line {line}, column {column}")]
    TrailingData {
        /// Line of the first byte after the value that is not whitespace.
        line: usize,
        /// Column of the first byte after the value that is not whitespace.
        column: usize,
    },
}

/// Why [`canonicalize`](crate::canonicalize) could not produce an RFC 8785 form.
///
/// Values from [`parse_strict`](crate::parse_strict) always canonicalize; this only arises for
/// values built elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JcsError {
    /// A number is not a finite IEEE 754 double (possible only when serde_json's
    /// `arbitrary_precision` feature is enabled somewhere in the build).
    #[error("number {number} is not a finite double, which RFC 8785 cannot represent")]
    NonFiniteNumber {
        /// The number as serde_json prints it.
        number: String,
    },
}
