//! The QR transport of a Countersign credential: `CS1:` followed by the RFC 9285 base45 of
//! the raw DEFLATE (RFC 1951) compression of the credential's bytes, primed with the CS1
//! preset dictionary ([`deflate::CS1_DICTIONARY`]).
//!
//! Every character of a payload is in the QR alphanumeric set, so the code stays dense and a
//! USB keyboard-wedge scanner can type it into any text field. [`decode`] is written for text
//! that arrived that way: it trims the Enter or Tab a scanner appends, recognises Caps Lock
//! damage, and caps decompressed size so a hostile code cannot exhaust memory.
//!
//! ```
//! let json = br#"{"type":["VerifiableCredential"]}"#;
//! let text = countersign_payload::encode(json);
//! assert!(text.starts_with(countersign_payload::PREFIX));
//! // A keyboard-wedge scanner ends what it types with Enter.
//! assert_eq!(countersign_payload::decode(&format!("{text}\r\n"))?, json);
//! # Ok::<(), countersign_payload::PayloadError>(())
//! ```
//!
//! This crate is not for interpreting what it carries: it moves opaque bytes, knows nothing of
//! JSON, signatures or credentials, does no I/O, and does not render or read QR images.

pub mod base45;
pub mod deflate;

pub use base45::Base45Error;
pub use deflate::DeflateError;

use thiserror::Error;

/// The prefix of every payload this version produces and accepts.
pub const PREFIX: &str = "CS1:";

/// Default cap on decompressed size: 64 KiB.
///
/// A QR code holds at most about 3 KB, and credentials compress at most a few times over, so
/// anything near this size is not a credential.
pub const DEFAULT_MAX_DECOMPRESSED: usize = 64 * 1024;

/// How many characters of unrecognised input an error quotes.
const PREVIEW_CHARS: usize = 16;

/// Why scanned text is not a payload this verifier can read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PayloadError {
    /// Nothing but whitespace was given.
    #[error("payload is empty")]
    EmptyInput,
    /// The text does not start with a `CS<version>:` prefix at all.
    #[error("not a Countersign payload: expected prefix \"{PREFIX}\", found \"{found}\"")]
    MissingPrefix {
        /// An escaped preview of the start of the text, at most 16 characters of it.
        found: String,
    },
    /// The text is a Countersign payload of a version this build does not read.
    #[error("unsupported payload version \"{found}\": this verifier reads \"{PREFIX}\"")]
    UnsupportedVersion {
        /// The prefix found, such as `CS2:`.
        found: String,
    },
    /// The text is a payload typed in lowercase, which happens when a keyboard-wedge scanner
    /// types while Caps Lock is on; base45 has no lowercase letters, so it cannot be decoded.
    #[error("payload arrived in lowercase (is Caps Lock on?); base45 is uppercase only")]
    LowercaseInput,
    /// The text after the prefix is not valid base45.
    #[error("payload body is not valid base45: {0}")]
    Base45(#[from] Base45Error),
    /// The base45 decoded but is not a valid, complete, reasonably sized deflate stream.
    #[error("payload body does not decompress: {0}")]
    Deflate(#[from] DeflateError),
}

/// Encodes bytes as a payload: [`PREFIX`] followed by base45 of the best DEFLATE compression.
pub fn encode(bytes: &[u8]) -> String {
    let body = base45::encode(&deflate::compress(bytes));
    let mut out = String::with_capacity(PREFIX.len() + body.len());
    out.push_str(PREFIX);
    out.push_str(&body);
    out
}

/// Decodes a payload to the bytes it carries, with decompressed size capped at
/// [`DEFAULT_MAX_DECOMPRESSED`].
pub fn decode(text: &str) -> Result<Vec<u8>, PayloadError> {
    decode_with_limit(text, DEFAULT_MAX_DECOMPRESSED)
}

/// Decodes a payload to the bytes it carries, refusing to decompress more than
/// `max_decompressed` bytes.
///
/// Leading and trailing ASCII whitespace is ignored. Trimming never eats payload data: the
/// prefix starts it, and base45 output never ends in its one whitespace character, the space.
pub fn decode_with_limit(text: &str, max_decompressed: usize) -> Result<Vec<u8>, PayloadError> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err(PayloadError::EmptyInput);
    }
    let Some(body) = text.strip_prefix(PREFIX) else {
        return Err(classify_bad_prefix(text));
    };
    let compressed = base45::decode(body)?;
    Ok(deflate::decompress(&compressed, max_decompressed)?)
}

/// True if the text looks like a CS payload (after trimming), for routing scanner input.
///
/// Any `CS<digits>:` prefix counts, in either case, so that a payload of another version or one
/// typed with Caps Lock on is routed to [`decode`] and gets its specific error there instead of
/// being treated as something else.
pub fn looks_like_payload(text: &str) -> bool {
    version_prefix_len(text.trim_ascii()).is_some()
}

/// Explains why `text` (trimmed, non-empty, not starting with [`PREFIX`]) has no usable prefix.
fn classify_bad_prefix(text: &str) -> PayloadError {
    match version_prefix_len(text) {
        // Caps Lock turns every letter lowercase; a mix of cases is some other corruption.
        Some(_)
            if text.bytes().any(|b| b.is_ascii_lowercase())
                && !text.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            PayloadError::LowercaseInput
        }
        Some(len) => PayloadError::UnsupportedVersion {
            found: preview(&text[..len]),
        },
        None => PayloadError::MissingPrefix {
            found: preview(text),
        },
    }
}

/// Length in bytes of a `CS<digits>:` prefix at the start of `text`, ignoring ASCII case.
fn version_prefix_len(text: &str) -> Option<usize> {
    // More digits than this is not a version number anyone will issue.
    const MAX_VERSION_DIGITS: usize = 6;
    let bytes = text.as_bytes();
    if bytes.len() < 4 || !bytes[..2].eq_ignore_ascii_case(b"CS") {
        return None;
    }
    let digits = bytes[2..].iter().take_while(|b| b.is_ascii_digit()).count();
    let colon = 2 + digits;
    if !(1..=MAX_VERSION_DIGITS).contains(&digits) || bytes.get(colon) != Some(&b':') {
        return None;
    }
    Some(colon + 1)
}

/// A short, escaped quotation of untrusted text, safe to put in a log line or error message.
fn preview(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(PREVIEW_CHARS)
        .flat_map(char::escape_default)
        .collect();
    if text.chars().nth(PREVIEW_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_prefix_needs_cs_digits_and_colon() {
        assert_eq!(version_prefix_len("CS1:"), Some(4));
        assert_eq!(version_prefix_len("cs12:ABC"), Some(5));
        assert_eq!(version_prefix_len("CS:"), None);
        assert_eq!(version_prefix_len("CS1"), None);
        assert_eq!(version_prefix_len("CSX:"), None);
        assert_eq!(version_prefix_len("CS1234567:"), None);
        assert_eq!(version_prefix_len("C"), None);
    }

    #[test]
    fn preview_escapes_and_truncates() {
        assert_eq!(preview("a\u{1b}[2J"), "a\\u{1b}[2J");
        assert_eq!(preview(&"x".repeat(40)), format!("{}…", "x".repeat(16)));
        assert_eq!(preview("\u{202e}"), "\\u{202e}");
    }
}
