//! Canonical serialisation: numbers, strings and member order.

use countersign_jcs::{canonicalize, canonicalize_to_string, parse_strict};
use serde_json::{json, Number, Value};

#[track_caller]
fn canon(value: &Value) -> String {
    canonicalize_to_string(value).unwrap_or_else(|e| panic!("{value} failed: {e}"))
}

fn double(f: f64) -> Value {
    Value::Number(Number::from_f64(f).expect("finite"))
}

#[test]
fn numbers_print_as_ecmascript_does() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (123456789012345680000.0, "123456789012345680000"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (0.1 + 0.2, "0.30000000000000004"),
        (4.50, "4.5"),
        (2e-3, "0.002"),
        (1e30, "1e+30"),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(f, expected)| {
            let actual = canon(&double(f));
            (actual != expected).then(|| format!("{f:e}: expected {expected}, got {actual}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// RFC 8785 appendix B: IEEE 754 bit patterns and their required serialisation.
#[test]
fn rfc8785_appendix_b_numbers() {
    let cases: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(bits, expected)| {
            let actual = canon(&double(f64::from_bits(bits)));
            (actual != expected).then(|| format!("{bits:016x}: expected {expected}, got {actual}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn integers_print_as_the_double_they_denote() {
    let cases: &[(Value, &str)] = &[
        (json!(0), "0"),
        (json!(-1), "-1"),
        (json!(9_007_199_254_740_991_u64), "9007199254740991"),
        (json!(1_000_000_000_000_000_000_u64), "1000000000000000000"),
        (json!(u64::MAX), "18446744073709552000"),
        (json!(i64::MIN), "-9223372036854776000"),
        (json!(9_007_199_254_740_993_u64), "9007199254740992"),
    ];
    for (value, expected) in cases {
        assert_eq!(&canon(value), expected, "integer {value}");
    }
}

#[test]
fn parsed_number_literals() {
    let cases: &[(&str, &str)] = &[
        ("-0", "0"),
        ("-0.0", "0"),
        ("1E21", "1e+21"),
        ("1e-7", "1e-7"),
        ("0.0000010", "0.000001"),
        ("1.0", "1"),
        // More digits than a double holds, as in the RFC 8785 values vector.
        ("333333333.33333329", "333333333.3333333"),
        ("100", "100"),
        ("0.000000000000000000000000001", "1e-27"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
    ];
    for &(literal, expected) in cases {
        let value = parse_strict(literal.as_bytes())
            .unwrap_or_else(|e| panic!("{literal} was rejected: {e}"));
        assert_eq!(canon(&value), expected, "literal {literal}");
    }
}

#[test]
fn string_escaping() {
    let cases: &[(&str, &str)] = &[
        ("", r#""""#),
        ("\"\\", r#""\"\\""#),
        ("/", r#""/""#),
        ("</script>", r#""</script>""#),
        ("\u{8}\t\n\u{c}\r", r#""\b\t\n\f\r""#),
        ("\u{0}\u{1}\u{f}\u{1f}", r#""\u0000\u0001\u000f\u001f""#),
        ("\u{7f}\u{80}\u{9f}", "\"\u{7f}\u{80}\u{9f}\""),
        ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
        ("é€😂\u{fffd}\u{ffff}", "\"é€😂\u{fffd}\u{ffff}\""),
        ("A\u{30a}", "\"A\u{30a}\""),
        (" '", "\" '\""),
    ];
    for &(input, expected) in cases {
        assert_eq!(canon(&json!(input)), expected, "string {input:?}");
    }
}

#[test]
fn members_sort_by_utf16_code_units() {
    // U+E000 is one code unit 0xE000; U+1F600 is the pair 0xD83D 0xDE00, which sorts first in
    // UTF-16 even though its code point is larger.
    let value = json!({"\u{e000}": 1, "\u{1f600}": 2});
    assert_eq!(canon(&value), "{\"\u{1f600}\":2,\"\u{e000}\":1}");

    let value = json!({"b": 1, "a": 2, "": 3, "aa": 4, "B": 5, "\u{80}": 6, "10": 7, "1": 8});
    assert_eq!(
        canon(&value),
        r#"{"":3,"1":8,"10":7,"B":5,"a":2,"aa":4,"b":1,"#.to_owned() + "\"\u{80}\":6}"
    );
}

#[test]
fn nesting_and_no_whitespace() {
    let value = json!({"z": [1, [2, {"y": null, "x": []}], {}], "a": {"c": true, "b": false}});
    assert_eq!(
        canon(&value),
        r#"{"a":{"b":false,"c":true},"z":[1,[2,{"x":[],"y":null}],{}]}"#
    );
    assert_eq!(canon(&json!([])), "[]");
    assert_eq!(canon(&json!({})), "{}");
    assert_eq!(canon(&json!(null)), "null");
}

#[test]
fn bytes_and_string_agree() {
    let value = json!({"€": [1.5, "x"]});
    assert_eq!(
        canonicalize(&value).expect("canonicalizes"),
        canon(&value).into_bytes()
    );
}

#[test]
fn deeply_nested_value_does_not_overflow_the_stack() {
    let mut value = json!(1);
    for _ in 0..100_000 {
        value = Value::Array(vec![value]);
    }
    let expected = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(
        canon(&value) == expected,
        "deep array canonical form differs"
    );
    // serde_json's Drop recurses; do not make this test about it.
    std::mem::forget(value);
}
