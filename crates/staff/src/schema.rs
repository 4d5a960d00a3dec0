//! The staff file's schema and its migrations, by `PRAGMA user_version`.

use crate::StaffError;
use rusqlite::{Connection, TransactionBehavior};

/// Migrations in order; migration `i` brings the file to version `i + 1`. Version 2 only adds
/// a table, so no copy is taken before it (a copy would be one more file of PIN hashes to
/// guard); a migration that rewrites rows must copy the file first as `countersign-log` does
/// (`VACUUM INTO <file>.v<N>.bak`).
const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = "
-- Ids compare without case (ASCII only, which is all an id may hold): CLERK-7 is clerk-7.
-- pin_hash is an argon2id PHC string; the PIN itself is never stored.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY COLLATE NOCASE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor')),
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    pin_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    pin_changed_ms INTEGER NOT NULL
) STRICT;

-- Consecutive wrong PINs per id as typed, for ids with and without an account alike, so a
-- lockout does not tell which ids exist. A success or a new PIN deletes the row.
CREATE TABLE failures (
    id TEXT PRIMARY KEY COLLATE NOCASE,
    count INTEGER NOT NULL,
    locked_until_ms INTEGER
) STRICT;

-- Every sign-in attempt, for supervisors: the id as typed (cut to 64 characters), the role
-- asked for, and the outcome's code (`ok`, `staff.wrong_pin`, `staff.unknown`, ...).
CREATE TABLE sign_ins (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    id TEXT NOT NULL,
    role TEXT NOT NULL,
    outcome TEXT NOT NULL
) STRICT;
";

// Version 2: every change to the accounts made on a supervisor's authority (or by root, IT),
// written in the same transaction as the change: who authorised it (`actor`, a supervisor's
// id or `root`), from which OS account (`os_user`), what (`staff.add`, `staff.reset-pin`,
// `staff.disable`, `staff.enable`) and to whom (`target`).
const V2: &str = "
CREATE TABLE admin (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    os_user TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL
) STRICT;
";

/// The file's schema version (0 for a new, empty file); a newer one is refused.
pub fn version(conn: &Connection) -> Result<i64, StaffError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StaffError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Brings the file to [`SCHEMA_VERSION`], each step in its own transaction. The version is
/// read again inside each write transaction, so two processes opening a new file at once do
/// not both run a step.
pub fn migrate(conn: &mut Connection) -> Result<(), StaffError> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = version(&tx)?;
        let Some(sql) = usize::try_from(found).ok().and_then(|i| MIGRATIONS.get(i)) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}
