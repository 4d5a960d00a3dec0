//! Strict JSON parsing and the RFC 8785 JSON Canonicalization Scheme (JCS), the two halves of
//! the `eddsa-jcs-2022` cryptosuite that touch JSON text.
//!
//! [`parse_strict`] turns untrusted bytes into a [`serde_json::Value`] while refusing everything
//! that would let two readers disagree about what was signed: invalid UTF-8, a byte order mark,
//! duplicate member names, lone surrogates, numbers that an IEEE 754 double cannot hold exactly,
//! trailing data, and nesting or size beyond [`Limits`]. [`canonicalize`] then produces the
//! RFC 8785 byte string that gets hashed.
//!
//! This crate is *not* for hashing, signing, JSON-LD or anything credential-specific; it does no
//! I/O and knows nothing about Data Integrity proofs. It is also not a general-purpose JSON
//! parser: it is deliberately stricter than RFC 8259.
//!
//! ```
//! let value = countersign_jcs::parse_strict(br#"{"b": 1.50, "a": [true, "\u20ac"]}"#)?;
//! let canonical = countersign_jcs::canonicalize_to_string(&value)?;
//! assert_eq!(canonical, r#"{"a":[true,"€"],"b":1.5}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod canonical;
mod error;
mod parse;

pub use canonical::{
    canonicalize, canonicalize_members, canonicalize_to_string, join_canonical_members,
    push_integer, push_string,
};
pub use error::{JcsError, ParseError};
pub use parse::{parse_strict, parse_strict_with, Limits};
