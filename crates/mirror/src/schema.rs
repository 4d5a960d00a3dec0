//! The mirror's tables and their migrations, versioned with `PRAGMA user_version`.
//!
//! Keys and hashes are 32-byte BLOBs, accounts 20-byte BLOBs, times Unix seconds (block times
//! are whole seconds). Every event row keeps its block number, so undoing a reorganisation is
//! `DELETE … WHERE block > fork` on each table.

use crate::MirrorError;
use rusqlite::{Connection, TransactionBehavior};

/// Migration `i` takes the file from version `i` to `i + 1`. Append only: a released migration
/// is never edited, since files in halls already went through it.
const MIGRATIONS: &[&str] = &[V1];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = "
-- One row: which registry the file mirrors and the block it reflects (the cursor).
CREATE TABLE meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    registry TEXT NOT NULL,
    cursor_block INTEGER,
    cursor_hash BLOB,
    cursor_time INTEGER,
    -- When a sync last reached the head (less confirmations): the mirror's freshness.
    synced_at INTEGER
) STRICT;

-- Every block that had events, and every cursor: where to look for the fork point after a
-- reorganisation. time is null for a block whose events carry no time (admin changes only).
CREATE TABLE blocks (
    number INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    time INTEGER
) STRICT;

CREATE TABLE admin_changes (
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    account BLOB NOT NULL,
    admin INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT, WITHOUT ROWID;

-- The registry refuses a second registration of a key, so the key is the identity.
CREATE TABLE issuers (
    key BLOB PRIMARY KEY,
    account BLOB NOT NULL,
    name TEXT NOT NULL,
    credential_types TEXT NOT NULL,
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- status: the registry's codes (1 active, 2 suspended, 3 retired).
CREATE TABLE issuer_status (
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    issuer BLOB NOT NULL,
    status INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT, WITHOUT ROWID;
CREATE INDEX issuer_status_by_issuer ON issuer_status (issuer, block, log_index);

-- The registry refuses anchoring a root twice, so the root is the identity.
CREATE TABLE anchors (
    root BLOB PRIMARY KEY,
    issuer BLOB NOT NULL,
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Kept per issuer, like the registry: one issuer's revocation never speaks for another's.
CREATE TABLE revocations (
    issuer BLOB NOT NULL,
    hash BLOB NOT NULL,
    reason INTEGER NOT NULL,
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (issuer, hash)
) STRICT, WITHOUT ROWID;
";

/// Brings the file up to [`SCHEMA_VERSION`], refusing a file written by a newer build.
///
/// No backup is taken before migrating: the mirror is rebuilt from the chain if lost.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MirrorError> {
    // Immediate: two processes opening a fresh file at once must not both create the tables.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(MirrorError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let done = usize::try_from(found)
        .map_err(|_| MirrorError::Corrupt(format!("negative schema version {found}")))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}
