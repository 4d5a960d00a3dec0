//! One or more cases for every `ParseError` variant, plus the boundaries of each rule.

use countersign_jcs::{parse_strict, parse_strict_with, Limits, ParseError};
use serde_json::json;

#[track_caller]
fn rejects(input: &[u8]) -> ParseError {
    match parse_strict(input) {
        Ok(v) => panic!(
            "{:?} was accepted as {v}, expected an error",
            String::from_utf8_lossy(input)
        ),
        Err(e) => e,
    }
}

#[track_caller]
fn accepts(input: &str) -> serde_json::Value {
    parse_strict(input.as_bytes()).unwrap_or_else(|e| panic!("{input:?} was rejected: {e}"))
}

fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn empty_and_whitespace_only() {
    assert_eq!(rejects(b""), ParseError::Empty);
    assert_eq!(rejects(b" \r\n\t"), ParseError::Empty);
}

#[test]
fn too_large() {
    let limits = Limits {
        max_bytes: 4,
        ..Limits::default()
    };
    assert_eq!(
        parse_strict_with(b"[1,2]", &limits),
        Err(ParseError::TooLarge { len: 5, limit: 4 })
    );
    assert_eq!(parse_strict_with(b"[12]", &limits), Ok(json!([12])));
    assert_eq!(Limits::default().max_bytes, 256 * 1024);
}

#[test]
fn not_utf8_reports_offset_of_first_bad_byte() {
    assert_eq!(
        rejects(b"{\"a\":\"\xff\"}"),
        ParseError::NotUtf8 { offset: 6 }
    );
    // A truncated multi-byte sequence: the offset is where the sequence starts.
    assert_eq!(
        rejects(b"[\"\xc3\xa9\xe2\x82\"]"),
        ParseError::NotUtf8 { offset: 4 }
    );
    // Overlong encoding of '/' and an encoded surrogate are invalid UTF-8 too.
    assert_eq!(rejects(b"\"\xc0\xaf\""), ParseError::NotUtf8 { offset: 1 });
    assert_eq!(
        rejects(b"\"\xed\xa0\x80\""),
        ParseError::NotUtf8 { offset: 1 }
    );
}

#[test]
fn byte_order_mark() {
    assert_eq!(rejects(b"\xEF\xBB\xBF{}"), ParseError::ByteOrderMark);
    assert!(rejects(b"\xEF\xBB\xBF{}")
        .to_string()
        .contains("byte order mark"));
}

#[test]
fn depth_limit_is_32_by_default() {
    assert_eq!(Limits::default().max_depth, 32);
    accepts(&nested_arrays(32));
    assert_eq!(
        rejects(nested_arrays(33).as_bytes()),
        ParseError::TooDeep {
            limit: 32,
            line: 1,
            column: 33
        }
    );
    // Objects count as well, and mixed nesting.
    let mixed = format!("{}1{}", r#"{"a":["#.repeat(16), "]}".repeat(16));
    accepts(&mixed);
    let too_deep = format!("{}1{}", r#"{"a":["#.repeat(17), "]}".repeat(17));
    assert!(matches!(
        rejects(too_deep.as_bytes()),
        ParseError::TooDeep { limit: 32, .. }
    ));
}

#[test]
fn deep_input_is_an_error_not_a_stack_overflow() {
    let limits = Limits {
        max_depth: usize::MAX,
        max_bytes: usize::MAX,
    };
    // Deep enough to overflow a recursive parser's stack, but we only check it parses.
    let deep = nested_arrays(100_000);
    let value = parse_strict_with(deep.as_bytes(), &limits).expect("deep input parses");
    // Dropping a 100k-deep Value recurses in serde_json; leak it rather than test their Drop.
    std::mem::forget(value);
    assert!(matches!(
        parse_strict(deep.as_bytes()),
        Err(ParseError::TooDeep { limit: 32, .. })
    ));
}

#[test]
fn duplicate_keys() {
    assert_eq!(
        rejects(br#"{"a":1,"a":1}"#),
        ParseError::DuplicateKey {
            key: "a".into(),
            line: 1,
            column: 8
        }
    );
    // Names are compared after unescaping.
    assert!(matches!(
        rejects(br#"{"a":1,"\u0061":2}"#),
        ParseError::DuplicateKey { key, .. } if key == "a"
    ));
    // Nested, on a later line.
    assert_eq!(
        rejects(b"{\"x\": [1, {\"k\": true,\n  \"k\": false}]}"),
        ParseError::DuplicateKey {
            key: "k".into(),
            line: 2,
            column: 3
        }
    );
    // The same name in sibling objects is fine.
    accepts(r#"[{"a":1},{"a":2}]"#);
}

#[test]
fn integer_range() {
    assert_eq!(
        accepts("9007199254740991"),
        json!(9_007_199_254_740_991_u64)
    );
    assert_eq!(
        accepts("-9007199254740991"),
        json!(-9_007_199_254_740_991_i64)
    );
    for literal in [
        "9007199254740992",
        "-9007199254740992",
        "18446744073709551616",
        "123456789012345680000",
        "-99999999999999999999999999999999",
    ] {
        assert_eq!(
            rejects(literal.as_bytes()),
            ParseError::NumberOutOfRange {
                literal: literal.into(),
                line: 1,
                column: 1
            },
            "{literal}"
        );
    }
    // Exponent and fraction forms are doubles, not integers: allowed if finite.
    assert_eq!(accepts("1E30"), json!(1e30));
    assert_eq!(
        accepts("9007199254740993.0"),
        json!(9_007_199_254_740_992.0)
    );
}

#[test]
fn non_finite_numbers() {
    assert_eq!(
        rejects(b"[0, 1e400]"),
        ParseError::NumberOutOfRange {
            literal: "1e400".into(),
            line: 1,
            column: 5
        }
    );
    assert!(matches!(
        rejects(b"-1.5e99999"),
        ParseError::NumberOutOfRange { .. }
    ));
    // Long literals are shortened in the error.
    let long = format!("{}.0e999", "9".repeat(500));
    match rejects(long.as_bytes()) {
        ParseError::NumberOutOfRange { literal, .. } => {
            assert_eq!(literal.chars().count(), 65, "{literal}");
            assert!(literal.ends_with('…'));
        }
        other => panic!("expected NumberOutOfRange, got {other:?}"),
    }
    // Underflow to zero is representable (JavaScript reads it the same way).
    assert_eq!(accepts("1e-400"), json!(0.0));
}

#[test]
fn lone_surrogates() {
    assert_eq!(
        rejects(br#""\ud800""#),
        ParseError::LoneSurrogate {
            code: 0xd800,
            line: 1,
            column: 2
        }
    );
    assert!(matches!(
        rejects(br#"["\udc00"]"#),
        ParseError::LoneSurrogate { code: 0xdc00, .. }
    ));
    // High surrogate followed by a non-low escape, or by a literal character.
    assert!(matches!(
        rejects(br#""\ud83d\u0041""#),
        ParseError::LoneSurrogate { code: 0xd83d, .. }
    ));
    assert!(matches!(
        rejects(br#""\ud83dx""#),
        ParseError::LoneSurrogate { code: 0xd83d, .. }
    ));
    // Two high surrogates.
    assert!(matches!(
        rejects(br#""\ud83d\ud83d""#),
        ParseError::LoneSurrogate { .. }
    ));
    // A proper pair is fine, in either hex case.
    assert_eq!(accepts(r#""\ud83d\ude02\uD83D\uDE02""#), json!("😂😂"));
}

#[test]
fn trailing_data() {
    assert_eq!(
        rejects(b"{} x"),
        ParseError::TrailingData { line: 1, column: 4 }
    );
    assert_eq!(
        rejects(b"1\n2"),
        ParseError::TrailingData { line: 2, column: 1 }
    );
    assert!(matches!(rejects(b"[]]"), ParseError::TrailingData { .. }));
    assert!(matches!(rejects(b"{}\0"), ParseError::TrailingData { .. }));
    // Trailing whitespace is fine.
    accepts("{} \n\t\r ");
}

#[test]
fn syntax_errors_have_positions_and_messages() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("[1,]", 1, 4, "expected a JSON value, found ']'"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        (
            "{\"a\":1,}",
            1,
            8,
            "expected a string as object member name",
        ),
        ("{'a':1}", 1, 2, "expected a string"),
        ("[1 2]", 1, 4, "expected ',' or ']'"),
        ("{\"a\":1 \"b\":2}", 1, 8, "expected ',' or '}'"),
        ("[01]", 1, 2, "leading zeros"),
        ("[-]", 1, 3, "expected a digit"),
        ("[1.]", 1, 4, "after the decimal point"),
        ("[1e]", 1, 4, "exponent"),
        ("[+1]", 1, 2, "expected a JSON value"),
        ("[.5]", 1, 2, "expected a JSON value"),
        ("[NaN]", 1, 2, "expected a JSON value"),
        ("[Infinity]", 1, 2, "expected a JSON value"),
        ("[tru]", 1, 2, "expected 'true'"),
        ("nul", 1, 1, "expected 'null'"),
        ("\"abc", 1, 1, "not terminated"),
        ("\"a\tb\"", 1, 3, "control character U+0009"),
        ("\"\\x\"", 1, 2, "invalid escape"),
        ("\"\\u12\"", 1, 2, "four hexadecimal digits"),
        ("[1,\n  é]", 2, 3, "found 'é'"),
        ("[", 1, 2, "found end of input"),
        ("{\"a\":", 1, 6, "found end of input"),
        ("/* c */ 1", 1, 1, "expected a JSON value"),
        ("\u{a0}1", 1, 1, "found U+00A0"),
    ];
    for &(input, line, column, needle) in cases {
        match parse_strict(input.as_bytes()) {
            Err(ParseError::Syntax {
                line: l,
                column: c,
                message,
            }) => assert!(
                (l, c) == (line, column) && message.contains(needle),
                "{input:?}: expected {needle:?} at {line}:{column}, got {message:?} at {l}:{c}"
            ),
            other => panic!("{input:?}: expected a syntax error, got {other:?}"),
        }
    }
}

#[test]
fn accepts_ordinary_json() {
    let value = accepts(
        " {\"s\": \"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\", \"n\": [0, -0, 1.5, -2e-3, 10],\
         \"l\": [true, false, null], \"o\": {}, \"a\": []}\n",
    );
    assert_eq!(
        value,
        json!({"s": "a\"\\/\u{8}\u{c}\n\r\té", "n": [0, -0.0, 1.5, -0.002, 10],
               "l": [true, false, null], "o": {}, "a": []})
    );
    // Member order is preserved, so callers can report on the document as written.
    let keys: Vec<&String> = value.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["s", "n", "l", "o", "a"]);
}

#[test]
fn error_messages_are_human_readable() {
    let message = rejects(br#"{"a":1,"a":2}"#).to_string();
    assert_eq!(message, r#"duplicate member name "a" at line 1, column 8"#);
    let message = rejects(b"9007199254740992").to_string();
    assert!(message.starts_with("number 9007199254740992 at line 1, column 1 is out of range"));
}
