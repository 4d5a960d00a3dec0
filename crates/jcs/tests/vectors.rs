//! The standards' own vectors: RFC 8785's test data and the W3C eddsa-jcs-2022 example.
//! A mismatch is a bug in this crate, never in a vector.

use std::path::{Path, PathBuf};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Parses `input` strictly, canonicalizes it, and compares with `expected` byte for byte.
fn check(input: &Path, expected: &[u8]) -> Result<(), String> {
    let value = countersign_jcs::parse_strict(&read(input))
        .map_err(|e| format!("{}: parse_strict failed: {e}", input.display()))?;
    let actual = countersign_jcs::canonicalize(&value)
        .map_err(|e| format!("{}: canonicalize failed: {e}", input.display()))?;
    if actual == expected {
        return Ok(());
    }
    let at = actual
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(actual.len().min(expected.len()));
    Err(format!(
        "{}: canonical form differs from the vector at byte {at}\n  expected: {}\n  actual:   {}",
        input.display(),
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(&actual),
    ))
}

#[test]
fn rfc8785_vectors() {
    let dir = PathBuf::from(VECTORS).join("rfc8785-jcs");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(dir.join("input"))
        .expect("RFC 8785 input directory is readable")
        .map(|entry| entry.expect("directory entry is readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 6,
        "expected at least 6 RFC 8785 vectors, found {}",
        inputs.len()
    );

    let failures: Vec<String> = inputs
        .iter()
        .filter_map(|input| {
            let name = input.file_name().expect("input has a file name");
            // The upstream output files are exact canonical bytes with no trailing newline.
            let expected = read(&dir.join("output").join(name));
            check(input, &expected).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The `.txt` files may end with a newline that is not part of the canonical form.
fn expected_txt(path: &Path) -> Vec<u8> {
    let mut bytes = read(path);
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    bytes
}

#[test]
fn w3c_eddsa_jcs_2022_document() {
    let dir = PathBuf::from(VECTORS).join("w3c-vc-di-eddsa");
    let expected = expected_txt(&dir.join("canonDocJCS.txt"));
    if let Err(e) = check(&dir.join("unsigned.json"), &expected) {
        panic!("{e}");
    }
}

#[test]
fn w3c_eddsa_jcs_2022_proof_config() {
    let dir = PathBuf::from(VECTORS).join("w3c-vc-di-eddsa");
    let expected = expected_txt(&dir.join("proofCanonJCS.txt"));
    if let Err(e) = check(&dir.join("proofConfigJCS.json"), &expected) {
        panic!("{e}");
    }
}
