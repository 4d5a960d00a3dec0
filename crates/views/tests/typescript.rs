//! The screen's TypeScript types (`ui/src/generated/`) are the ones these views render: a
//! view changed in Rust and not regenerated fails here, saying which file differs. Reads the
//! tree, never writes it.

use std::path::Path;

const REGENERATE: &str = "regenerate with `cargo run -p countersign-views --example export-ts` \
                          and commit ui/src/generated/";

#[test]
fn the_committed_typescript_is_what_the_views_render() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated");
    let files = countersign_views::typescript().expect("render the views' TypeScript");
    let mut problems = vec![];
    for f in &files {
        match std::fs::read_to_string(dir.join(&f.name)) {
            Ok(committed) if committed == f.text => {}
            Ok(committed) => {
                let line = committed
                    .lines()
                    .zip(f.text.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(|| "its length".to_string(), |i| format!("line {}", i + 1));
                problems.push(format!("{} is stale (first difference: {line})", f.name));
            }
            Err(e) => problems.push(format!("{} is missing ({e})", f.name)),
        }
    }
    let entries = std::fs::read_dir(&dir).expect("ui/src/generated exists");
    for entry in entries {
        let name = entry.expect("directory entry").file_name();
        let name = name.to_string_lossy();
        if !files.iter().any(|f| f.name == name) {
            problems.push(format!("{name} is not made by any view"));
        }
    }
    assert!(problems.is_empty(), "{}; {REGENERATE}", problems.join("; "));
}

/// The fixed sets of words the screens switch on, written as TypeScript unions beside the
/// fields (`#[ts(type = …)]`), are the words Rust sends.
#[test]
fn the_unions_hold_the_words_rust_sends() {
    use countersign_vocab::{ChainSourceKind, Channel, Verdict};
    let files = countersign_views::typescript().expect("render the views' TypeScript");
    let text = |name: &str| {
        files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.text.clone())
            .unwrap_or_default()
    };
    let union = |words: Vec<&str>| {
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let channels = union(Channel::ALL.iter().map(|c| c.as_str()).collect());
    let sources = union(ChainSourceKind::ALL.iter().map(|c| c.as_str()).collect());
    let verdicts = union(Verdict::ALL.iter().map(|v| v.screen_name()).collect());
    for (file, want) in [
        ("EntryRow.ts", &channels),
        ("EntryRow.ts", &verdicts),
        ("RowChain.ts", &sources),
        ("ChainUsedView.ts", &sources),
        ("VerdictView.ts", &verdicts),
        ("ReceiptCheckView.ts", &verdicts),
    ] {
        assert!(
            text(file).contains(want.as_str()),
            "{file} should have the union {want}"
        );
    }
}
