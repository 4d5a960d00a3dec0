//! Writes the views' TypeScript into `ui/src/generated/` (and removes files no view makes any
//! more): `cargo run -p countersign-views --example export-ts`. The test `typescript.rs` says
//! when the committed files are stale.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated");
    std::fs::create_dir_all(&dir)?;
    let files = countersign_views::typescript()?;
    for old in std::fs::read_dir(&dir)? {
        let old = old?.path();
        let name = old.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !files.iter().any(|f| f.name == name) {
            std::fs::remove_file(&old)?;
        }
    }
    for f in &files {
        std::fs::write(dir.join(&f.name), &f.text)?;
    }
    println!("wrote {} files to {}", files.len(), dir.display());
    Ok(())
}
