//! Every code the clerk, the supervisor or IT can be shown has its words in both languages.
//! The codes are read from the sources that produce them, so a new error or reason without a
//! catalogue entry fails here rather than showing a bare code (or "error") on a screen:
//! - the app's command errors (`CommandError::new("code", …)` in `src-tauri`),
//! - every library error's `fn code()` (staff, provisioning, printing, scanners, …),
//! - the verifier's reason codes (shown as `reason.<code>`).

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn catalogue() -> serde_json::Map<String, Value> {
    let path = root().join("assets/i18n/messages.json");
    let text = std::fs::read_to_string(&path).expect("the message catalogue");
    match serde_json::from_str(&text).expect("the catalogue is JSON") {
        Value::Object(map) => map,
        _ => panic!("the catalogue is an object of keys"),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals that follow `marker` (skipping whitespace), e.g. the first argument of
/// `CommandError::new(`.
fn literals_after(text: &str, marker: &str) -> Vec<String> {
    text.match_indices(marker)
        .filter_map(|(i, _)| {
            let rest = text[i + marker.len()..].trim_start();
            let rest = rest.strip_prefix('"')?;
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .collect()
}

/// The string literals that `impl <owner>`'s `fn code(…) -> &'static str` returns: those in
/// its body, which ends at the first line that closes the block at the function's indentation.
fn codes_of(text: &str, owner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(start) = text.find(&format!("impl {owner} {{")) else {
        return out;
    };
    let lines: Vec<&str> = text[start..].lines().collect();
    let Some(at) = lines.iter().position(|l| {
        let t = l.trim_start();
        (t.starts_with("pub fn code(") || t.starts_with("fn code(")) && l.contains("&'static str")
    }) else {
        return out;
    };
    let indent = lines[at].len() - lines[at].trim_start().len();
    let close = format!("{}}}", " ".repeat(indent));
    for body in &lines[at + 1..] {
        if *body == close {
            break;
        }
        for piece in body.split('"').skip(1).step_by(2) {
            out.push(piece.to_string());
        }
    }
    out
}

fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

#[test]
fn every_entry_has_both_languages() {
    let mut missing = Vec::new();
    for (key, value) in catalogue() {
        for lang in ["zh-CN", "en"] {
            let text = value.get(lang).and_then(Value::as_str).unwrap_or("");
            if text.trim().is_empty() {
                missing.push(format!("{key} ({lang})"));
            }
        }
    }
    assert!(missing.is_empty(), "entries without words: {missing:?}");
}

/// Library errors whose codes reach the screen, and the prefix the screen looks them up under.
const SHOWN_LIBRARY_CODES: [(&str, &str, &str); 2] = [
    ("crates/staff/src/lib.rs", "SignInError", ""),
    ("crates/printing/src/lib.rs", "PrintError", "print.error."),
];

/// The checks whose failures carry a reason code (`reason.<check>.<why>`).
const CHECKS: [&str; 7] = [
    "format",
    "signature",
    "issuer",
    "validity",
    "anchor",
    "revocation",
    "chain",
];

#[test]
fn every_error_and_reason_code_has_words() {
    let catalogue = catalogue();
    let read = |path: &Path| std::fs::read_to_string(path).expect("a source file");
    // (code as looked up, where it comes from)
    let mut wanted = BTreeSet::new();
    let mut app = Vec::new();
    rust_files(&root().join("src-tauri/src"), &mut app);
    for path in &app {
        for code in literals_after(&read(path), "CommandError::new(") {
            wanted.insert((code, path.display().to_string()));
        }
    }
    for (file, owner, prefix) in SHOWN_LIBRARY_CODES {
        let codes = codes_of(&read(&root().join(file)), owner);
        assert!(!codes.is_empty(), "no codes found for {owner} in {file}");
        for code in codes {
            wanted.insert((format!("{prefix}{code}"), format!("{file} ({owner})")));
        }
    }
    let pipeline = "crates/verify/src/pipeline.rs";
    for piece in read(&root().join(pipeline)).split('"').skip(1).step_by(2) {
        let check = piece.split('.').next().unwrap_or("");
        if piece.contains('.') && CHECKS.contains(&check) && is_code(piece) {
            wanted.insert((format!("reason.{piece}"), pipeline.to_string()));
        }
    }
    assert!(
        wanted.len() > 50,
        "the scan found only {} codes: did the sources move?",
        wanted.len()
    );
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(code, _)| is_code(code) && !catalogue.contains_key(code.as_str()))
        .map(|(code, from)| format!("{code} ({from})"))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without an entry in assets/i18n/messages.json (zh-CN and en): {missing:#?}"
    );
}
