//! RFC 8785 serialisation.
//!
//! Written with an explicit stack rather than recursion so that a deeply nested value built by
//! a caller (not only one from `parse_strict`, which is depth-limited) cannot overflow the stack.

use std::fmt::Write as _;

use serde_json::{Number, Value};

use crate::JcsError;

/// Serialises `value` in RFC 8785 canonical form, as UTF-8 bytes.
///
/// Object members are sorted by the UTF-16 code units of their names, there is no whitespace,
/// strings are escaped as ECMAScript's `JSON.stringify` does, and numbers are printed as
/// ECMAScript's `Number.prototype.toString` prints the double they denote (so the integer
/// `1000000000000000000000` prints as `1e+21`, and `-0` as `0`).
pub fn canonicalize(value: &Value) -> Result<Vec<u8>, JcsError> {
    canonicalize_to_string(value).map(String::into_bytes)
}

/// Like [`canonicalize`], returning a `String`.
pub fn canonicalize_to_string(value: &Value) -> Result<String, JcsError> {
    enum Frame<'a> {
        Array {
            items: std::slice::Iter<'a, Value>,
            first: bool,
        },
        Object {
            members: std::vec::IntoIter<(&'a String, &'a Value)>,
            first: bool,
        },
    }

    let mut out = String::new();
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut next = Some(value);
    loop {
        if let Some(value) = next.take() {
            match value {
                Value::Null => out.push_str("null"),
                Value::Bool(true) => out.push_str("true"),
                Value::Bool(false) => out.push_str("false"),
                Value::Number(n) => write_number(&mut out, n)?,
                Value::String(s) => write_string(&mut out, s),
                Value::Array(items) => {
                    out.push('[');
                    stack.push(Frame::Array {
                        items: items.iter(),
                        first: true,
                    });
                }
                Value::Object(map) => {
                    out.push('{');
                    let mut members: Vec<_> = map.iter().collect();
                    // RFC 8785 §3.2.3: compare names as arrays of UTF-16 code units, which
                    // differs from byte (code point) order once astral characters appear.
                    members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
                    stack.push(Frame::Object {
                        members: members.into_iter(),
                        first: true,
                    });
                }
            }
        }
        match stack.last_mut() {
            None => break,
            Some(Frame::Array { items, first }) => match items.next() {
                Some(item) => {
                    if !std::mem::take(first) {
                        out.push(',');
                    }
                    next = Some(item);
                }
                None => {
                    out.push(']');
                    stack.pop();
                }
            },
            Some(Frame::Object { members, first }) => match members.next() {
                Some((name, item)) => {
                    if !std::mem::take(first) {
                        out.push(',');
                    }
                    write_string(&mut out, name);
                    out.push(':');
                    next = Some(item);
                }
                None => {
                    out.push('}');
                    stack.pop();
                }
            },
        }
    }
    Ok(out)
}

/// Serialises an object given as its members, in RFC 8785 canonical form.
///
/// For callers that need the canonical form of an object with a member removed or replaced
/// (a credential without its `proof`, or with one proof of a proof set), without cloning the
/// whole document first. Names must be unique; the caller assembles them.
pub fn canonicalize_members<'a>(
    members: impl IntoIterator<Item = (&'a str, &'a Value)>,
) -> Result<Vec<u8>, JcsError> {
    let canonical = members
        .into_iter()
        .map(|(name, value)| Ok((name, canonicalize_to_string(value)?)))
        .collect::<Result<Vec<_>, JcsError>>()?;
    Ok(join_canonical_members(
        canonical.iter().map(|(n, v)| (*n, v.as_str())),
    ))
}

/// Joins members whose values are already in canonical form into a canonical object.
///
/// Lets a caller canonicalise each member once and assemble several objects from them (a
/// credential without `proof` for its signature, and with one proof for its leaf hash).
/// Values are trusted to be canonical JSON; names must be unique.
pub fn join_canonical_members<'a>(
    members: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<u8> {
    let mut members: Vec<(&str, &str)> = members.into_iter().collect();
    members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
    let mut out = String::from("{");
    for (i, (name, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(&mut out, name);
        out.push(':');
        out.push_str(value);
    }
    out.push('}');
    out.into_bytes()
}

/// Appends `s` as a canonical JSON string, for callers that write a fixed-shape object's
/// canonical form directly (the verification log hashes a million entries per check).
pub fn push_string(out: &mut String, s: &str) {
    write_string(out, s);
}

/// Appends the integer `n` as a canonical JSON number (through the double it denotes, exactly
/// as [`canonicalize`] prints an integer).
pub fn push_integer(out: &mut String, n: impl Into<i128>) {
    // Every integer type converts to the nearest double, as `write_number` does for serde's.
    out.push_str(ryu_js::Buffer::new().format_finite(n.into() as f64));
}

/// RFC 8785 §3.2.2.3: print the double the number denotes, as ECMAScript would.
fn write_number(out: &mut String, n: &Number) -> Result<(), JcsError> {
    // Integers go through f64 too: JSON numbers *are* doubles in JCS, and `as` rounds to
    // nearest, exactly as ECMAScript reads an integer literal.
    let double = if let Some(u) = n.as_u64() {
        u as f64
    } else if let Some(i) = n.as_i64() {
        i as f64
    } else {
        n.as_f64().unwrap_or(f64::NAN)
    };
    if !double.is_finite() {
        return Err(JcsError::NonFiniteNumber {
            number: n.to_string(),
        });
    }
    // ryu-js implements Number.prototype.toString, including "0" for -0 and the switch to
    // exponent form ("1e+21", "1e-7") at the same thresholds.
    out.push_str(ryu_js::Buffer::new().format_finite(double));
    Ok(())
}

/// RFC 8785 §3.2.2.2: escape as `JSON.stringify` does and nothing more.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c < '\u{20}' => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod member_tests {
    use super::*;

    #[test]
    fn members_serialise_like_the_object() {
        let value: Value = serde_json::json!({"b": [1, {"z": null, "a": "é"}], "a": 2.5, "\u{e000}": 1, "\u{1f600}": 2});
        let map = value.as_object().expect("object");
        assert_eq!(
            canonicalize_members(map.iter().map(|(k, v)| (k.as_str(), v))).expect("canonical"),
            canonicalize(&value).expect("canonical")
        );
    }
}
