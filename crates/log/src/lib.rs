//! The hall's verification log: one SQLite file, one entry per verification, tamper-evident.
//!
//! Each entry commits to the previous entry's hash and to a salted hash of its personal fields
//! (the masked subject summary), so the summary can be purged after the retention period while
//! the chain of entries still verifies. [`Log::verify`] walks the chain and names the first
//! entry that was edited, deleted, inserted or reordered. Writes are durable when
//! [`Log::append`] returns (WAL with `synchronous=FULL`): the app shows a verdict as logged only
//! after that.
//!
//! It stores what it is given: no full credential ever reaches it, and the subject summary
//! arrives already masked by the hall's policy. It knows nothing about credentials, chains or
//! receipts beyond the identifiers it records.

mod chain;
mod digest;
mod query;
mod schema;

pub use chain::{Finding, FindingKind, Integrity};
pub use digest::{DayDigest, DigestProblem};
pub use query::{day_bounds, Count, DayReport, Repeat};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The hash of the (absent) entry before the first: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// The log cannot be used or refused a change.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file could not be opened or created.
    #[error("cannot open the verification log {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// SQLite failed: disk full, read-only file, locked too long, not a database.
    #[error("verification log database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer build.
    #[error("the verification log has schema version {found}; this build reads up to {supported}")]
    TooNew {
        /// The file's version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// A stored value cannot be read back.
    #[error("the verification log holds an unreadable value: {0}")]
    Corrupt(String),
    /// A day cannot be closed before it is over.
    #[error("day {0} is not over yet")]
    DayNotOver(String),
    /// Days close in order, once.
    #[error("day {0} or a later one is already closed")]
    DayClosed(String),
    /// The file could not be copied before a migration; nothing was changed.
    #[error("cannot back up the verification log to {} before upgrading it (nothing was changed): {source}", path.display())]
    Backup {
        /// Where the copy was to go.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The operating system's random source failed.
    #[error("no system randomness for the entry salt: {0}")]
    Random(String),
}

impl LogError {
    /// Whether the disk is full or the file read-only: the clerk is told, verification goes on,
    /// and nothing claims the entry was logged.
    pub fn is_storage_full_or_read_only(&self) -> bool {
        let code = match self {
            Self::Sqlite(e) | Self::Open { source: e, .. } => e.sqlite_error_code(),
            _ => None,
        };
        matches!(
            code,
            Some(rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::ReadOnly)
        )
    }
}

/// How the credential reached the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A USB or serial scanner.
    Scanner,
    /// The webcam.
    Camera,
    /// An image file, a drop or a paste.
    Image,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scanner => "scanner",
            Self::Camera => "camera",
            Self::Image => "image",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "scanner" => Some(Self::Scanner),
            "camera" => Some(Self::Camera),
            "image" => Some(Self::Image),
            _ => None,
        }
    }
}

/// The chain state a verdict used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainUsed {
    /// Block number.
    pub block: u64,
    /// Block time.
    pub block_time: DateTime<Utc>,
    /// `online` or `mirror` (or `memory` for snapshots).
    pub source: String,
}

/// One verification, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// When the verdict was shown.
    pub at: DateTime<Utc>,
    /// Hall id.
    pub hall: String,
    /// Counter id.
    pub counter: String,
    /// Clerk id.
    pub clerk: String,
    /// How the credential arrived.
    pub channel: Channel,
    /// Credential type, when it could be read.
    pub credential_type: Option<String>,
    /// Issuer id (did:key), when it could be read.
    pub issuer: Option<String>,
    /// The issuer's registered name, when the chain knows it.
    pub issuer_name: Option<String>,
    /// The credential's leaf hash, when it could be computed.
    pub leaf: Option<[u8; 32]>,
    /// `VALID`, `INVALID` or `UNVERIFIABLE`.
    pub verdict: String,
    /// Ids of the failing checks (`validity`).
    pub failing: Vec<String>,
    /// Reason codes of the failing checks (`validity.expired`), same order.
    pub reasons: Vec<String>,
    /// The chain state used, if any.
    pub chain: Option<ChainUsed>,
    /// The receipt printed, if any.
    pub receipt: Option<String>,
    /// The subject summary, already masked by policy (field → masked value).
    pub personal: BTreeMap<String, String>,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// What was recorded.
    pub entry: NewEntry,
    /// Whether the subject summary has been purged (then `entry.personal` is empty).
    pub purged: bool,
    /// The previous entry's hash.
    pub prev_hash: [u8; 32],
    /// This entry's hash.
    pub hash: [u8; 32],
}

/// The verification log file.
#[derive(Debug)]
pub struct Log {
    conn: Connection,
    /// The file's schema version (older files are readable, never written, when read-only).
    version: i64,
    /// Where the file was copied before this open migrated it.
    backup: Option<PathBuf>,
}

impl Log {
    /// Opens (creating and migrating as needed) the log at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LogError> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(|source| LogError::Open {
            path: path.to_owned(),
            source,
        })?;
        Self::init(conn, path)
    }

    /// Where the file was copied before this open upgraded its schema, if it did.
    pub fn backup_path(&self) -> Option<&Path> {
        self.backup.as_deref()
    }

    /// The file's schema version.
    pub fn schema_version(&self) -> i64 {
        self.version
    }

    /// Opens an existing log for reading only (reports, exports, integrity checks): it never
    /// writes, so it can run beside the counter's writer or on a copied file.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, LogError> {
        let path = path.as_ref();
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| LogError::Open {
            path: path.to_owned(),
            source,
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let version = schema::version(&conn)?;
        Ok(Self {
            conn,
            version,
            backup: None,
        })
    }

    /// Caps the file at about `bytes` (for halls on small disks): an append that would pass it
    /// fails like a full disk, recording nothing.
    pub fn limit_size(&mut self, bytes: u64) -> Result<(), LogError> {
        let page: u64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages = (bytes / page.max(1)).max(1);
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    fn init(mut conn: Connection, path: &Path) -> Result<Self, LogError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Refuse a newer file before anything (even the journal mode) touches it.
        schema::version(&conn)?;
        conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get::<_, String>(0))?;
        // FULL: the WAL is synced at every commit, so an entry acknowledged to the clerk
        // survives a power cut (NORMAL may lose the last commits, never corrupting the file).
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut backup = None;
        schema::migrate(&mut conn, |conn, found| {
            let target = backup_target(path, found);
            // VACUUM INTO writes a consistent copy, WAL contents included, and fsyncs it.
            conn.execute("VACUUM INTO ?1", [target.to_string_lossy()])
                .map_err(|source| LogError::Backup {
                    path: target.clone(),
                    source,
                })?;
            backup = Some(target);
            Ok(())
        })?;
        Ok(Self {
            conn,
            version: schema::SCHEMA_VERSION,
            backup,
        })
    }

    /// Appends one entry; returns it as recorded. Durable when this returns `Ok`; on `Err`
    /// nothing was recorded.
    pub fn append(&mut self, new: &NewEntry) -> Result<Entry, LogError> {
        let mut entries = self.append_batch(std::slice::from_ref(new))?;
        entries
            .pop()
            .ok_or_else(|| LogError::Corrupt("append recorded nothing".into()))
    }

    /// Appends several entries in one transaction (imports, loading a log for a benchmark):
    /// all are recorded, durably, or none.
    pub fn append_batch(&mut self, batch: &[NewEntry]) -> Result<Vec<Entry>, LogError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<(u64, Vec<u8>)> = tx
            .query_row(
                "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (mut seq, mut prev_hash) = match last {
            Some((seq, hash)) => (seq, to_hash(&hash)?),
            None => (0, GENESIS),
        };
        let mut out = Vec::with_capacity(batch.len());
        {
            let mut insert_entry = tx.prepare_cached(
                "INSERT INTO entries (seq, at_ms, hall, counter, clerk, channel, credential_type,
                     issuer, leaf, verdict, failing, chain_block, chain_time, chain_source, receipt,
                     personal_hash, prev_hash, hash, issuer_name, reasons)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20)",
            )?;
            let mut insert_personal =
                tx.prepare_cached("INSERT INTO personal (seq, salt, summary) VALUES (?1, ?2, ?3)")?;
            for new in batch {
                let mut salt = [0u8; 16];
                getrandom::getrandom(&mut salt).map_err(|e| LogError::Random(e.to_string()))?;
                seq += 1;
                let personal_hash = personal_hash(&salt, &new.personal);
                let hash = entry_hash(&prev_hash, new, &personal_hash);
                insert_entry.execute(params![
                    seq,
                    new.at.timestamp_millis(),
                    new.hall,
                    new.counter,
                    new.clerk,
                    new.channel.as_str(),
                    new.credential_type,
                    new.issuer,
                    new.leaf.map(|l| l.to_vec()),
                    new.verdict,
                    new.failing.join(","),
                    new.chain.as_ref().map(|c| c.block),
                    new.chain.as_ref().map(|c| c.block_time.timestamp()),
                    new.chain.as_ref().map(|c| c.source.clone()),
                    new.receipt,
                    personal_hash.to_vec(),
                    prev_hash.to_vec(),
                    hash.to_vec(),
                    new.issuer_name,
                    (!new.reasons.is_empty()).then(|| new.reasons.join(",")),
                ])?;
                insert_personal.execute(params![
                    seq,
                    salt.to_vec(),
                    personal_json(&new.personal)
                ])?;
                out.push(Entry {
                    seq,
                    entry: new.clone(),
                    purged: false,
                    prev_hash,
                    hash,
                });
                prev_hash = hash;
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Deletes the subject summaries of entries made before `before`; the entries stay and
    /// the chain still verifies. Returns how many summaries were purged.
    pub fn purge_personal(&mut self, before: DateTime<Utc>) -> Result<usize, LogError> {
        Ok(self.conn.execute(
            "DELETE FROM personal WHERE seq IN (SELECT seq FROM entries WHERE at_ms < ?1)",
            [before.timestamp_millis()],
        )?)
    }

    /// How many entries the log holds.
    pub fn len(&self) -> Result<u64, LogError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))?)
    }

    /// Whether the log has no entries.
    pub fn is_empty(&self) -> Result<bool, LogError> {
        Ok(self.len()? == 0)
    }

    /// The entry at `seq`, if present.
    pub fn entry(&self, seq: u64) -> Result<Option<Entry>, LogError> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{} WHERE e.seq = ?1", select_entry(self.version)))?;
        let mut rows = st.query([seq])?;
        match rows.next()? {
            Some(row) => Ok(Some(read_entry(row)?.0)),
            None => Ok(None),
        }
    }

    /// Walks the whole chain; see [`Integrity`].
    pub fn verify(&self) -> Result<Integrity, LogError> {
        let mut st = self
            .conn
            .prepare(&format!("{} ORDER BY e.seq", select_entry(self.version)))?;
        let mut rows = st.query([])?;
        let mut walker = chain::Walker::default();
        while let Some(row) = rows.next()? {
            let (entry, stored_personal_hash, salt, channel_known) = read_entry(row)?;
            let self_consistent = channel_known
                && entry_hash(&entry.prev_hash, &entry.entry, &stored_personal_hash) == entry.hash;
            let personal_consistent = match &salt {
                Some(salt) => personal_hash(salt, &entry.entry.personal) == stored_personal_hash,
                None => true,
            };
            walker.push(&entry, self_consistent, personal_consistent);
        }
        Ok(walker.finish())
    }
}

/// The columns [`read_entry`] reads, `FROM entries e` joined with the summaries; a version-1
/// file (read-only) has no `issuer_name` or `reasons` yet.
fn select_entry(version: i64) -> String {
    let v2 = if version >= 2 {
        "e.issuer_name, e.reasons"
    } else {
        "NULL, NULL"
    };
    format!(
        "SELECT e.seq, e.at_ms, e.hall, e.counter, e.clerk, e.channel,
            e.credential_type, e.issuer, e.leaf, e.verdict, e.failing, e.chain_block, e.chain_time,
            e.chain_source, e.receipt, e.personal_hash, e.prev_hash, e.hash, p.salt, p.summary, {v2}
        FROM entries e LEFT JOIN personal p ON p.seq = e.seq"
    )
}

fn split_list(text: Option<String>) -> Vec<String> {
    match text {
        Some(t) if !t.is_empty() => t.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// An entry, its stored personal hash, its salt (absent once purged), and whether its channel
/// name is one this build knows.
type Row = (Entry, [u8; 32], Option<Vec<u8>>, bool);

fn read_entry(row: &rusqlite::Row<'_>) -> Result<Row, LogError> {
    let corrupt = |what: &str| LogError::Corrupt(what.to_string());
    let seq: u64 = row.get(0)?;
    let at = DateTime::from_timestamp_millis(row.get(1)?).ok_or_else(|| corrupt("time"))?;
    let channel: String = row.get(5)?;
    let leaf: Option<Vec<u8>> = row.get(8)?;
    let failing: Option<String> = row.get(10)?;
    let chain_block: Option<u64> = row.get(11)?;
    let chain_time: Option<i64> = row.get(12)?;
    let chain_source: Option<String> = row.get(13)?;
    let chain = match (chain_block, chain_time, chain_source) {
        (Some(block), Some(time), Some(source)) => Some(ChainUsed {
            block,
            block_time: DateTime::from_timestamp(time, 0).ok_or_else(|| corrupt("chain time"))?,
            source,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("partly recorded chain state")),
    };
    let salt: Option<Vec<u8>> = row.get(18)?;
    let summary: Option<String> = row.get(19)?;
    let personal = match &summary {
        Some(text) => parse_personal(text).ok_or_else(|| corrupt("subject summary"))?,
        None => BTreeMap::new(),
    };
    let entry = Entry {
        seq,
        entry: NewEntry {
            at,
            hall: row.get(2)?,
            counter: row.get(3)?,
            clerk: row.get(4)?,
            // An unknown channel name is a tampered row: verify() reports it as edited.
            channel: Channel::parse(&channel).unwrap_or(Channel::Image),
            credential_type: row.get(6)?,
            issuer: row.get(7)?,
            issuer_name: row.get(20)?,
            leaf: leaf.map(|l| to_hash(&l)).transpose()?,
            verdict: row.get(9)?,
            failing: split_list(failing),
            reasons: split_list(row.get(21)?),
            chain,
            receipt: row.get(14)?,
            personal,
        },
        purged: summary.is_none(),
        prev_hash: to_hash(&row.get::<_, Vec<u8>>(16)?)?,
        hash: to_hash(&row.get::<_, Vec<u8>>(17)?)?,
    };
    let personal_hash = to_hash(&row.get::<_, Vec<u8>>(15)?)?;
    Ok((
        entry,
        personal_hash,
        salt,
        Channel::parse(&channel).is_some(),
    ))
}

fn to_hash(bytes: &[u8]) -> Result<[u8; 32], LogError> {
    bytes
        .try_into()
        .map_err(|_| LogError::Corrupt("a hash is not 32 bytes".into()))
}

fn personal_json(personal: &BTreeMap<String, String>) -> String {
    let map: Map<String, Value> = personal
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Value::Object(map).to_string()
}

fn parse_personal(text: &str) -> Option<BTreeMap<String, String>> {
    let value: Value = serde_json::from_str(text).ok()?;
    value
        .as_object()?
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// SHA-256(salt ‖ JCS(summary)): commits to the summary without revealing it once purged.
fn personal_hash(salt: &[u8], personal: &BTreeMap<String, String>) -> [u8; 32] {
    let map: Map<String, Value> = personal
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut h = Sha256::new();
    h.update(salt);
    h.update(canonical(&Value::Object(map)).as_bytes());
    h.finalize().into()
}

/// SHA-256(prev_hash ‖ JCS(entry fields and personal hash)). The position (`seq`) is not
/// hashed: the order is the chain of links, so renumbering rows shows as the break it causes.
fn entry_hash(prev: &[u8; 32], e: &NewEntry, personal_hash: &[u8; 32]) -> [u8; 32] {
    let mut fields = json!({
        "at": e.at.timestamp_millis(),
        "hall": e.hall,
        "counter": e.counter,
        "clerk": e.clerk,
        "channel": e.channel.as_str(),
        "type": e.credential_type,
        "issuer": e.issuer,
        "leaf": e.leaf.map(hex::encode),
        "verdict": e.verdict,
        "failing": e.failing,
        "chain": e.chain.as_ref().map(|c| json!({
            "block": c.block, "time": c.block_time.timestamp(), "source": c.source,
        })),
        "receipt": e.receipt,
        "personal": hex::encode(personal_hash),
    });
    // Added in schema version 2: hashed only when present, so older entries keep their hash.
    if let Some(object) = fields.as_object_mut() {
        if let Some(name) = &e.issuer_name {
            object.insert("issuerName".into(), json!(name));
        }
        if !e.reasons.is_empty() {
            object.insert("reasons".into(), json!(e.reasons));
        }
    }
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical(&fields).as_bytes());
    h.finalize().into()
}

/// Where the copy taken before upgrading from `version` goes: beside the file, never over an
/// earlier copy.
fn backup_target(path: &Path, version: i64) -> PathBuf {
    let base = format!("{}.v{version}.bak", path.display());
    let mut target = PathBuf::from(&base);
    let mut n = 1;
    while target.exists() {
        n += 1;
        target = PathBuf::from(format!("{base}.{n}"));
    }
    target
}

fn canonical(value: &Value) -> String {
    // Values built here are always canonicalisable (no floats, string keys).
    countersign_jcs::canonicalize_to_string(value).unwrap_or_default()
}
