//! The log's schema and its migrations, by `PRAGMA user_version`.

use crate::LogError;
use rusqlite::Connection;

/// Migrations in order; migration `i` brings the file to version `i + 1`.
const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = "
-- One row per verification. personal_hash commits to the masked subject summary (salted),
-- prev_hash to the previous entry, hash to both and every field here (docs/PROTOCOL.md).
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    hall TEXT NOT NULL,
    counter TEXT NOT NULL,
    clerk TEXT NOT NULL,
    channel TEXT NOT NULL,
    credential_type TEXT,
    issuer TEXT,
    leaf BLOB,
    verdict TEXT NOT NULL,
    failing TEXT NOT NULL,
    chain_block INTEGER,
    chain_time INTEGER,
    chain_source TEXT,
    receipt TEXT,
    personal_hash BLOB NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
) STRICT;
CREATE INDEX entries_at ON entries (at_ms);
CREATE INDEX entries_leaf ON entries (leaf) WHERE leaf IS NOT NULL;
CREATE INDEX entries_receipt ON entries (receipt) WHERE receipt IS NOT NULL;

-- Each closed day: its entries' range and last hash, chained to the previous day's digest and
-- signed with the hall's Ed25519 key (docs/PROTOCOL.md). anchor_tx: where it was anchored.
CREATE TABLE digests (
    day TEXT PRIMARY KEY,
    hall TEXT NOT NULL,
    first_seq INTEGER,
    last_seq INTEGER,
    count INTEGER NOT NULL,
    head BLOB NOT NULL,
    prev_digest BLOB NOT NULL,
    digest BLOB NOT NULL,
    public_key BLOB NOT NULL,
    signature BLOB NOT NULL,
    closed_at INTEGER NOT NULL,
    anchor_tx TEXT
) STRICT;

-- The masked subject summary and its salt: deleted after the retention period.
CREATE TABLE personal (
    seq INTEGER PRIMARY KEY REFERENCES entries (seq),
    salt BLOB NOT NULL,
    summary TEXT NOT NULL
) STRICT;
";

// Version 2: the issuer's registered name (reports name issuers as supervisors know them, not
// by did:key) and the failing checks' reason codes (`validity.expired`, not just `validity`).
// Both are hashed into an entry only when present, so version-1 entries keep their hashes.
const V2: &str = "
ALTER TABLE entries ADD COLUMN issuer_name TEXT;
ALTER TABLE entries ADD COLUMN reasons TEXT;
";

/// The file's schema version (0 for a new, empty file).
pub fn version(conn: &Connection) -> Result<i64, LogError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(LogError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Brings the file to [`SCHEMA_VERSION`], each step in its own transaction. `backup` runs
/// first when a file that already holds a log is about to change.
pub fn migrate(
    conn: &mut Connection,
    backup: impl FnOnce(&Connection, i64) -> Result<(), LogError>,
) -> Result<(), LogError> {
    let found = version(conn)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found > 0 {
        backup(conn, found)?;
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
