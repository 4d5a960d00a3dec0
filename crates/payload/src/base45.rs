//! RFC 9285 base45: two bytes become three characters of the QR alphanumeric set.
//!
//! The alphabet is exactly the 45 characters a QR code's alphanumeric mode can hold, which is
//! why a base45 string packs into fewer modules than base64 despite being longer in bytes.

use thiserror::Error;

/// The RFC 9285 alphabet; a character's index is its value.
const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a string is not valid base45.
///
/// Positions count characters (not bytes) from the start of the string given to [`decode`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Base45Error {
    /// A character outside the 45-character alphabet (this includes lowercase letters).
    #[error("invalid base45 character {} at position {position}", character.escape_debug())]
    InvalidCharacter {
        /// Character index of the offending character.
        position: usize,
        /// The offending character.
        character: char,
    },
    /// The length leaves a single character over, which no byte sequence encodes to.
    #[error("invalid base45 length {len}: a lone trailing character encodes nothing")]
    InvalidLength {
        /// Length of the input in characters.
        len: usize,
    },
    /// A group decodes to a value too large for its bytes (a triplet above 0xFFFF or a final
    /// pair above 0xFF), so it cannot have come from an encoder.
    #[error("base45 group at position {position} decodes to a value out of range")]
    ValueOutOfRange {
        /// Character index where the offending group starts.
        position: usize,
    },
}

/// Encodes bytes as base45. Never produces a trailing space, so callers may trim whitespace
/// after the encoded text without losing data (see [`crate::decode`]).
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let mut push = |value: usize| out.push(char::from(ALPHABET[value]));
    for chunk in bytes.chunks(2) {
        match *chunk {
            [a, b] => {
                let n = usize::from(a) * 256 + usize::from(b);
                push(n % 45);
                push(n / 45 % 45);
                // n / 2025 <= 65535 / 2025 = 32, so the last character is never the space
                // (value 36): that is what makes trimming a payload safe.
                push(n / 2025);
            }
            [a] => {
                let n = usize::from(a);
                push(n % 45);
                push(n / 45);
            }
            _ => unreachable!("chunks(2) yields one or two bytes"),
        }
    }
    out
}

/// Decodes base45 text to bytes.
///
/// Characters are validated before the length, so an invalid character is reported even in a
/// string whose length is also wrong: the character is the more useful diagnosis.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    let mut values = Vec::with_capacity(text.len());
    for (position, character) in text.chars().enumerate() {
        values.push(value_of(character).ok_or(Base45Error::InvalidCharacter {
            position,
            character,
        })?);
    }
    if values.len() % 3 == 1 {
        return Err(Base45Error::InvalidLength { len: values.len() });
    }

    let mut out = Vec::with_capacity(values.len() / 3 * 2 + 1);
    for (group, chunk) in values.chunks(3).enumerate() {
        let position = group * 3;
        match *chunk {
            [c, d, e] => {
                let n = u32::from(c) + u32::from(d) * 45 + u32::from(e) * 2025;
                let pair =
                    u16::try_from(n).map_err(|_| Base45Error::ValueOutOfRange { position })?;
                out.extend_from_slice(&pair.to_be_bytes());
            }
            [c, d] => {
                let n = u32::from(c) + u32::from(d) * 45;
                let byte =
                    u8::try_from(n).map_err(|_| Base45Error::ValueOutOfRange { position })?;
                out.push(byte);
            }
            // A lone character was rejected by the length check above.
            _ => return Err(Base45Error::InvalidLength { len: values.len() }),
        }
    }
    Ok(out)
}

/// Each ASCII byte's base45 value, or `NONE`: a table, because decoding looks up every
/// character of a 1,500-character payload on each scan.
const NONE: u8 = u8::MAX;
const VALUES: [u8; 128] = {
    let mut table = [NONE; 128];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn value_of(character: char) -> Option<u8> {
    let byte = u8::try_from(character).ok()?;
    match VALUES.get(usize::from(byte)) {
        Some(&v) if v != NONE => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alphabet_character_decodes_to_its_index() {
        for (index, &a) in ALPHABET.iter().enumerate() {
            assert_eq!(value_of(char::from(a)), u8::try_from(index).ok());
        }
        assert_eq!(value_of('a'), None);
        assert_eq!(value_of('é'), None);
    }

    #[test]
    fn largest_values_round_trip_and_one_more_is_out_of_range() {
        assert_eq!(decode(&encode(&[0xFF, 0xFF])), Ok(vec![0xFF, 0xFF]));
        assert_eq!(decode(&encode(&[0xFF])), Ok(vec![0xFF]));
        // 256 = 31 + 5 * 45: one past the largest final byte.
        assert_eq!(
            decode("V5"),
            Err(Base45Error::ValueOutOfRange { position: 0 })
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(
            decode("AB中"),
            Err(Base45Error::InvalidCharacter {
                position: 2,
                character: '中'
            })
        );
    }
}
