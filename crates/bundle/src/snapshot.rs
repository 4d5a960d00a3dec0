//! Making a registry mirror snapshot to ship with a bundle (the authority's side; a machine
//! checks and installs it in `machine`).

use crate::machine::write_atomic;
use crate::model::SnapshotRef;
use countersign_credential::RegistryRef;
use countersign_crypto::HashAlg;
use countersign_mirror::Mirror;
use std::path::Path;

/// Writes a standalone copy of the mirror at `mirror` (which must follow `registry` and have
/// synced) to `out`, and returns the reference a bundle gives it (file name, its `hash` under
/// that hash's name — `sha256`, or `sm3` under the national profile —, block, block hash,
/// registry).
///
/// The copy is made with SQLite's `VACUUM INTO`, so it is consistent even while the app or a
/// sync writes the mirror (a plain file copy would miss pages still in its write-ahead log);
/// its cursor is read from the copy itself, so the reference describes exactly what ships.
pub fn write_snapshot(
    mirror: &Path,
    registry: &RegistryRef,
    out: &Path,
    hash: HashAlg,
) -> Result<SnapshotRef, String> {
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", mirror.display());
    if !mirror.is_file() {
        return Err(format!("{} does not exist", mirror.display()));
    }
    // Opening checks the registry and brings an older file to this build's schema.
    drop(Mirror::open(mirror, registry).map_err(|e| at(&e))?);
    let file_name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{} names no file", out.display()))?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let scratch = tempfile::Builder::new()
        .prefix(".snapshot.")
        .tempdir_in(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let copy = scratch.path().join("mirror.sqlite");
    {
        let conn = rusqlite::Connection::open_with_flags(
            mirror,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| at(&e))?;
        let target = copy
            .to_str()
            .ok_or("the output folder's name is not UTF-8")?;
        conn.execute("VACUUM INTO ?1", [target])
            .map_err(|e| at(&e))?;
    }
    let cursor = {
        let m = Mirror::open(&copy, registry).map_err(|e| at(&e))?;
        m.cursor().map_err(|e| at(&e))?
    }
    .ok_or_else(|| {
        format!(
            "{} has never synced: sync it first (countersign chain sync)",
            mirror.display()
        )
    })?;
    // The copy's connection is closed: its write-ahead log is folded back and removed, so
    // the file alone is the snapshot.
    let bytes = std::fs::read(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    write_atomic(out, &bytes, 0o644).map_err(|e| e.to_string())?;
    let digest = hex::encode(hash.digest(&bytes));
    let (sha256, sm3) = match hash {
        HashAlg::Sha256 => (Some(digest), None),
        HashAlg::Sm3 => (None, Some(digest)),
    };
    Ok(SnapshotRef {
        file: file_name,
        sha256,
        sm3,
        block: cursor.number,
        block_hash: format!("0x{}", hex::encode(cursor.hash)),
        registry: registry.to_string(),
    })
}
