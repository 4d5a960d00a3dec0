//! The RFC 9285 test vectors, shared with any other implementation in the project.

use countersign_payload::base45::{self, Base45Error};
use serde_json::Value;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/rfc9285-base45/vectors.json"
));

fn cases<'a>(vectors: &'a Value, key: &str) -> &'a Vec<Value> {
    vectors[key]
        .as_array()
        .unwrap_or_else(|| panic!("vectors.json has no `{key}` array"))
}

fn field<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("case {case} has no string `{key}`"))
}

/// The error each invalid vector must produce. Vectors give only a prose `why`, so the exact
/// error lives here; a new vector without an entry fails the test instead of passing vacuously.
fn expected_error(base45: &str) -> Option<Base45Error> {
    Some(match base45 {
        "GGW" => Base45Error::ValueOutOfRange { position: 0 },
        "A" => Base45Error::InvalidLength { len: 1 },
        "aBC" => Base45Error::InvalidCharacter {
            position: 0,
            character: 'a',
        },
        "AB#" => Base45Error::InvalidCharacter {
            position: 2,
            character: '#',
        },
        _ => return None,
    })
}

#[test]
fn encode_vectors_encode_and_decode_exactly() {
    let vectors: Value = serde_json::from_str(VECTORS).expect("vectors.json is valid JSON");
    let cases = cases(&vectors, "encode");
    assert!(!cases.is_empty(), "no encode vectors");
    for case in cases {
        let bytes = field(case, "bytes_utf8").as_bytes();
        let text = field(case, "base45");
        assert_eq!(base45::encode(bytes), text, "encoding {case}");
        assert_eq!(
            base45::decode(text).as_deref(),
            Ok(bytes),
            "decoding {case}"
        );
    }
}

#[test]
fn decode_invalid_vectors_fail_with_the_right_error() {
    let vectors: Value = serde_json::from_str(VECTORS).expect("vectors.json is valid JSON");
    let cases = cases(&vectors, "decode_invalid");
    assert!(!cases.is_empty(), "no decode_invalid vectors");
    for case in cases {
        let text = field(case, "base45");
        let expected = expected_error(text).unwrap_or_else(|| {
            panic!("decode_invalid vector {case} has no expected error in this test; add one")
        });
        assert_eq!(base45::decode(text), Err(expected), "decoding {case}");
    }
}
