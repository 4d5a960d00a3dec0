//! The two multibase encodings the credential formats use: base58btc (`z`) for keys and
//! Ed25519 signatures, as the cryptosuite requires, and base64url without padding (`u`) for the
//! anchor proof, whose raw hashes deflate better from base64 than from base58.

use base64::Engine as _;

/// A multibase string that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultibaseError {
    /// The string is empty, so it has no multibase header.
    #[error("the multibase value is empty")]
    Empty,
    /// The header names an encoding other than the one required here.
    #[error("expected a multibase value starting with '{expected}', found '{found}'")]
    WrongHeader {
        /// The header character required.
        expected: char,
        /// The header character found.
        found: char,
    },
    /// A character outside the encoding's alphabet.
    #[error("the multibase value is not valid {encoding}")]
    BadEncoding {
        /// Name of the encoding.
        encoding: &'static str,
    },
}

fn body(text: &str, header: char) -> Result<&str, MultibaseError> {
    let mut chars = text.chars();
    match chars.next() {
        None => Err(MultibaseError::Empty),
        Some(c) if c == header => Ok(chars.as_str()),
        Some(found) => Err(MultibaseError::WrongHeader {
            expected: header,
            found,
        }),
    }
}

/// `z` + base58btc.
pub fn encode_base58btc(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Decodes a `z` + base58btc value.
pub fn decode_base58btc(text: &str) -> Result<Vec<u8>, MultibaseError> {
    bs58::decode(body(text, 'z')?)
        .into_vec()
        .map_err(|_| MultibaseError::BadEncoding {
            encoding: "base58btc",
        })
}

/// `u` + base64url without padding.
pub fn encode_base64url(bytes: &[u8]) -> String {
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Decodes a `u` + base64url value (no padding, canonical trailing bits).
pub fn decode_base64url(text: &str) -> Result<Vec<u8>, MultibaseError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body(text, 'u')?)
        .map_err(|_| MultibaseError::BadEncoding {
            encoding: "base64url",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_enforced() {
        assert_eq!(decode_base58btc(""), Err(MultibaseError::Empty));
        assert_eq!(
            decode_base58btc("u123"),
            Err(MultibaseError::WrongHeader {
                expected: 'z',
                found: 'u'
            })
        );
        assert!(matches!(
            decode_base58btc("z0OIl"),
            Err(MultibaseError::BadEncoding { .. })
        ));
        assert_eq!(
            decode_base64url(&encode_base64url(b"\x00\xff")),
            Ok(vec![0, 255])
        );
        assert_eq!(
            decode_base58btc(&encode_base58btc(b"\x00\x01")),
            Ok(vec![0, 1])
        );
    }
}
