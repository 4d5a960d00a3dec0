//! The log's schema and its migrations, by `PRAGMA user_version`.

use crate::review::Clock;
use crate::LogError;
use countersign_crypto::HashAlg;
use rusqlite::{Connection, OptionalExtension};

/// What a migration changes in the data after its SQL, in the same transaction; it is told
/// the hash a file that has hashed nothing yet is to be created with.
type Fill = fn(&Connection, HashAlg) -> Result<(), LogError>;

/// Migrations in order; migration `i` brings the file to version `i + 1`.
const MIGRATIONS: &[(&str, Option<Fill>)] = &[
    (V1, None),
    (V2, None),
    (V3, Some(fill_late)),
    (V4, Some(crate::tree::fill)),
    (V5, Some(fill_hash)),
];

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

// Version 3: what a supervisor's review screen reads, and the audit trail. Nothing here is
// hashed into an entry, so every entry keeps its hash.
//
// - One index per filter of the review screen. Each is `(column)` and so ordered by
//   `(column, seq)`: within a value the rows stand in log order, and a page (newest first,
//   keyset by seq) walks the index backwards from its cursor and stops after a page.
// - `entries_late`: the few entries that stand out of time order (the hall's clock was set
//   back, or was ahead for a while). Every other entry's time is at least that of every such
//   entry before it, so a time range is one span of row numbers found with two lookups in
//   `entries_at`; these few are looked up by their own time. Which entries are listed is
//   decided as they are appended (`review::Clock`); the migration lists those of an older
//   file the same way (`fill_late`).
// - `audit`: who did what on the supervisor's side (exports, integrity checks, reveals,
//   receipts printed again), chained by hash like the entries (docs/PROTOCOL.md, section 8).
const V3: &str = "
CREATE INDEX entries_clerk ON entries (clerk);
CREATE INDEX entries_counter ON entries (counter);
CREATE INDEX entries_verdict ON entries (verdict);
CREATE INDEX entries_type ON entries (credential_type) WHERE credential_type IS NOT NULL;
CREATE INDEX entries_issuer ON entries (issuer) WHERE issuer IS NOT NULL;
CREATE INDEX entries_issuer_name ON entries (issuer_name) WHERE issuer_name IS NOT NULL;

CREATE TABLE entries_late (
    seq INTEGER PRIMARY KEY REFERENCES entries (seq),
    at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX entries_late_at ON entries_late (at_ms);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
) STRICT;
CREATE INDEX audit_at ON audit (at_ms);
CREATE INDEX audit_action ON audit (action, at_ms);
";

// Version 4: the log as a Merkle tree (RFC 9162) over entries, audit records and closed days,
// and the checkpoints the hall key signed of it (src/tree.rs, docs/PROTOCOL.md §8.3).
// - `tlog_leaves`: leaf `idx` stands for row `ref` of `kind` (0 entry, 1 audit record, 2 day
//   as YYYYMMDD) and has hash `hash`; the order of the leaves is the order rows were written.
// - `tlog_nodes`: the hash of every perfect subtree above the leaves, `(level, idx)` covering
//   leaves `idx << level` to `((idx + 1) << level) - 1`, so any root or proof is O(log n)
//   lookups. Both are a cache of what the rows say: an integrity check recomputes them.
// - `checkpoints`: each signed tree head, and where it was anchored.
const V4: &str = "
CREATE TABLE tlog_leaves (
    idx INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,
    ref INTEGER NOT NULL,
    hash BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX tlog_leaves_ref ON tlog_leaves (kind, ref);

CREATE TABLE tlog_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL,
    at_ms INTEGER NOT NULL,
    note TEXT NOT NULL,
    anchor_tx TEXT,
    anchor_block INTEGER
) STRICT;
";

// Version 5: the national profile (issue 17). Every hash in a log (entry and audit chains, the
// summaries' commitments, day digests, the tree) is made with one hash function, fixed when the
// file is created and named here: `meta` row `hash` = `sha-256` or `sm3`. A file that already
// holds a hashed row when it reaches this version was written with SHA-256, the only hash
// earlier builds knew, and is named so; a file that holds none yet takes the hash it is being
// created with. Every later open reads the file's own hash, whatever the hall's profile says
// now, so one file never mixes two hashes.
// `digests.algorithm`: the signature algorithm of the day's signature (`ed25519`, `sm2`);
// NULL in rows written before, which are Ed25519.
const V5: &str = "
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
ALTER TABLE digests ADD COLUMN algorithm TEXT;
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
/// first when a file that already holds a log is about to change. A file that has hashed
/// nothing yet is given `new_hash`.
pub fn migrate(
    conn: &mut Connection,
    new_hash: HashAlg,
    backup: impl FnOnce(&Connection, i64) -> Result<(), LogError>,
) -> Result<(), LogError> {
    let found = version(conn)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found > 0 {
        backup(conn, found)?;
    }
    for (i, (sql, fill)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if let Some(fill) = fill {
            fill(&tx, new_hash)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The hash the file's rows are made with: SHA-256 before version 5 (the only one there was),
/// else the one its `meta` names. A version-5 file that names none, or one no build knows, was
/// edited: it is refused rather than read with a guess.
pub fn file_hash(conn: &Connection, version: i64) -> Result<HashAlg, LogError> {
    if version < 5 {
        return Ok(HashAlg::Sha256);
    }
    let name: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE name = 'hash'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let name = name.ok_or_else(|| LogError::Corrupt("the log names no hash".into()))?;
    HashAlg::from_name(&name).map_err(|e| LogError::Corrupt(format!("the log's hash: {e}")))
}

/// Names the file's hash: SHA-256 when it holds any hashed row (written by an earlier build),
/// else `new_hash`.
fn fill_hash(conn: &Connection, new_hash: HashAlg) -> Result<(), LogError> {
    let hashed: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM entries) OR EXISTS (SELECT 1 FROM audit)
             OR EXISTS (SELECT 1 FROM digests)",
        [],
        |r| r.get(0),
    )?;
    let hash = if hashed { HashAlg::Sha256 } else { new_hash };
    conn.execute(
        "INSERT INTO meta (name, value) VALUES ('hash', ?1)",
        [hash.name()],
    )?;
    Ok(())
}

/// Lists the entries of an older file that stand out of time order, exactly as appending them
/// one by one would have.
fn fill_late(conn: &Connection, _: HashAlg) -> Result<(), LogError> {
    let mut clock = Clock::empty();
    let mut insert = conn.prepare("INSERT INTO entries_late (seq, at_ms) VALUES (?1, ?2)")?;
    let mut st = conn.prepare("SELECT seq, at_ms FROM entries ORDER BY seq")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        for (seq, at_ms) in clock.place(r.get(0)?, r.get(1)?) {
            insert.execute(rusqlite::params![seq, at_ms])?;
        }
    }
    Ok(())
}
