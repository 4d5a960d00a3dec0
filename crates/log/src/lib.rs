//! The hall's verification log: one SQLite file, one entry per verification, tamper-evident.
//!
//! Each entry commits to the previous entry's hash and to a salted hash of its personal fields
//! (the masked subject summary), so the summary can be purged after the retention period while
//! the chain of entries still verifies. [`Log::verify`] walks the chain and names the first
//! entry that was edited, deleted, inserted or reordered. Writes are durable when
//! [`Log::append`] returns (WAL with `synchronous=FULL`): the app shows a verdict as logged only
//! after that.
//!
//! The supervisor's side reads it through [`Log::page`], [`Log::count`] and [`Log::summary`]
//! (a [`Filter`]: time range, counter, clerk, verdict, type, issuer; keyset pages newest
//! first), [`Log::attention`] (repeated credentials, failure bursts, stale mirror state,
//! reprinted receipts) and [`Log::report`] (a day). What supervisors do with it is recorded in
//! the audit trail ([`Log::audit`]), a second hash chain in the same file that
//! [`Log::verify`] checks too.
//!
//! It stores what it is given: no full credential ever reaches it, and the subject summary
//! arrives already masked by the hall's policy. It knows nothing about credentials, chains or
//! receipts beyond the identifiers it records, and never reads the clock.
//!
//! Every hash in one file is made with one function, SHA-256 or SM3 ([`Log::hash`]), chosen
//! when the file is created ([`Log::open_with_hash`]) and named in the file, so a hall that
//! moves to the national profile keeps checking its older file as it was written. Days and
//! checkpoints are signed with the hall key, Ed25519 or SM2, and checked against the keys and
//! the algorithm policy the caller trusts.

mod attention;
mod audit;
mod chain;
mod digest;
mod query;
mod review;
mod schema;
mod tree;

pub use attention::{Attention, AttentionKind, AttentionRules};
pub use audit::{AuditFinding, AuditIntegrity, AuditRecord};
pub use chain::{EntryFinding, FindingKind, Integrity};
pub use digest::{DayDigest, DigestProblem};
pub use query::{day_bounds, Count, DayReport, Repeat};
pub use review::{Filter, LogSummary, Page, MAX_PAGE};
pub use tree::{
    leaf_of, open_checkpoint, origin_for, origin_hash, CheckpointProblem, EntryProof, LeafKind,
    StoredCheckpoint, TreeFinding, TreeIntegrity,
};

use chrono::{DateTime, Utc};
pub use countersign_crypto::HashAlg;
use countersign_vocab::{ChainUsed, Channel, CredentialHash, Verdict, VocabError};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::Value;
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
    /// A stored word (verdict, channel, chain source) is not one this build writes: the row
    /// was edited, and [`Log::verify`] names it.
    #[error("entry {seq} of the verification log holds an unknown value: {source}")]
    Unknown {
        /// The entry.
        seq: u64,
        /// What was found.
        source: VocabError,
    },
    /// The operating system's random source failed.
    #[error("no system randomness for the entry salt: {0}")]
    Random(String),
    /// A tree proof was asked for sizes the log cannot give it for.
    #[error("verification log tree: {0}")]
    Proof(#[from] countersign_tlog::LogProofError),
    /// A checkpoint was to be signed under an origin that names another hash than the log's:
    /// its root would be read with the wrong hash.
    #[error("a checkpoint of this log (hashed with {hash}) cannot be signed as {origin:?}, which names another hash; its origin is {expected:?}")]
    WrongOrigin {
        /// The origin the signer was given.
        origin: String,
        /// The log's hash.
        hash: HashAlg,
        /// The origin this log's checkpoints have for the same hall.
        expected: String,
    },
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
    /// The credential's hash (its Merkle leaf), when it could be computed.
    pub leaf: Option<CredentialHash>,
    /// The verdict shown.
    pub verdict: Verdict,
    /// Ids of the failing checks (`validity`).
    pub failing: Vec<String>,
    /// Reason codes of the failing checks (`validity.expired`), same order.
    pub reasons: Vec<String>,
    /// The chain state used, if any.
    pub chain: Option<ChainUsed>,
    /// The id of this verification's receipt: assigned when it is logged, whether or not a
    /// receipt is ever printed (a receipt printed later must carry what was logged).
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
    /// The hash every row and tree node of this file is made with.
    hash: HashAlg,
}

impl Log {
    /// Opens (creating and migrating as needed) the log at `path`; a new file hashes with
    /// SHA-256 (the standard profile).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LogError> {
        Self::open_with_hash(path, HashAlg::Sha256)
    }

    /// Opens (creating and migrating as needed) the log at `path`; a new file (or one that has
    /// hashed nothing yet) hashes with `new_file`, an existing one with its own hash whatever
    /// `new_file` says ([`Log::hash`] tells which). A hall's profile changes which hash its
    /// next log file gets, never the hash of the one it has.
    pub fn open_with_hash(path: impl AsRef<Path>, new_file: HashAlg) -> Result<Self, LogError> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(|source| LogError::Open {
            path: path.to_owned(),
            source,
        })?;
        Self::init(conn, path, new_file)
    }

    /// The hash this file's rows and tree are made with.
    pub fn hash(&self) -> HashAlg {
        self.hash
    }

    /// The origin (and key name) of this log's checkpoints for `hall`: it names the file's
    /// hash when that is not SHA-256 ([`origin_for`]).
    pub fn origin(&self, hall: &str) -> String {
        origin_for(hall, self.hash)
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
        let hash = schema::file_hash(&conn, version)?;
        Ok(Self {
            conn,
            version,
            backup: None,
            hash,
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

    fn init(mut conn: Connection, path: &Path, new_file: HashAlg) -> Result<Self, LogError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Refuse a newer file before anything (even the journal mode) touches it.
        schema::version(&conn)?;
        conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get::<_, String>(0))?;
        // FULL: the WAL is synced at every commit, so an entry acknowledged to the clerk
        // survives a power cut (NORMAL may lose the last commits, never corrupting the file).
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Purged summaries are overwritten, not left readable in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let mut backup = None;
        schema::migrate(&mut conn, new_file, |conn, found| {
            let target = backup_target(path, found);
            // VACUUM INTO writes a consistent copy, WAL contents included, and fsyncs it.
            conn.execute("VACUUM INTO ?1", [target.to_string_lossy()])
                .map_err(|source| LogError::Backup {
                    path: target.clone(),
                    source,
                })?;
            tracing::info!(from = found, backup = %target.display(), "log schema upgrade: backup made");
            backup = Some(target);
            Ok(())
        })?;
        let hash = schema::file_hash(&conn, schema::SCHEMA_VERSION)?;
        Ok(Self {
            conn,
            version: schema::SCHEMA_VERSION,
            backup,
            hash,
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
        let alg = self.hash;
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
        // Entries out of time order are listed apart, so that time ranges stay spans of row
        // numbers (see `review`).
        let mut clock = review::Clock::load(&tx)?;
        let stored = tree::Stored::new(&tx, alg);
        let mut tree = stored.compact()?;
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
                let personal_hash = personal_hash(alg, &salt, &new.personal);
                let hash = entry_hash(alg, &prev_hash, new, &personal_hash);
                insert_entry.execute(params![
                    seq,
                    new.at.timestamp_millis(),
                    new.hall,
                    new.counter,
                    new.clerk,
                    new.channel.as_str(),
                    new.credential_type,
                    new.issuer,
                    new.leaf.map(|l| l.0.to_vec()),
                    new.verdict.as_str(),
                    new.failing.join(","),
                    new.chain.as_ref().map(|c| c.block),
                    new.chain.as_ref().map(|c| c.block_time.timestamp()),
                    new.chain.as_ref().map(|c| c.source.as_str()),
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
                    personal_preimage(&new.personal)
                ])?;
                for (late, at_ms) in clock.place(seq, new.at.timestamp_millis()) {
                    tx.prepare_cached("INSERT INTO entries_late (seq, at_ms) VALUES (?1, ?2)")?
                        .execute(params![late, at_ms])?;
                }
                stored.append(&mut tree, LeafKind::Entry, seq, &hash)?;
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
    /// the chain still verifies. A purge that deleted any is recorded in the audit trail as
    /// `purge` by `actor` at `at`, in the same transaction (a purge is never unrecorded).
    /// `secure_delete` is on, so the deleted text is overwritten, not left in free pages.
    /// Returns how many summaries were purged.
    pub fn purge_personal(
        &mut self,
        before: DateTime<Utc>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<usize, LogError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let purged = tx.execute(
            "DELETE FROM personal WHERE seq IN (SELECT seq FROM entries WHERE at_ms < ?1)",
            [before.timestamp_millis()],
        )?;
        if purged > 0 {
            let detail = format!(
                "{purged} subject summaries of entries before {}",
                before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            let log = (self.version, self.hash);
            audit::record(&tx, log, actor, "system", "purge", &detail, at)?;
        }
        tx.commit()?;
        Ok(purged)
    }

    /// The copies of this file made before schema upgrades (`log.sqlite.v3.bak` …) hold
    /// subject summaries too: a copy whose every entry is older than `before` is removed, the
    /// others lose the summaries of entries older than `before` (overwritten). Returns the
    /// copies removed.
    pub fn purge_backups(&self, before: DateTime<Utc>) -> Result<Vec<PathBuf>, LogError> {
        let Some(path) = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
        else {
            return Ok(Vec::new());
        };
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok(Vec::new());
        };
        let prefix = format!("{}.v", name.to_string_lossy());
        let mut removed = Vec::new();
        let Ok(listing) = std::fs::read_dir(dir) else {
            return Ok(removed);
        };
        for item in listing.flatten() {
            let file = item.file_name().to_string_lossy().into_owned();
            if !file.starts_with(&prefix) || !file.contains(".bak") {
                continue;
            }
            let copy = item.path();
            let conn = Connection::open(&copy).map_err(|source| LogError::Open {
                path: copy.clone(),
                source,
            })?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            let newest: Option<i64> =
                conn.query_row("SELECT max(at_ms) FROM entries", [], |r| r.get(0))?;
            if newest.is_none_or(|n| n < before.timestamp_millis()) {
                drop(conn);
                std::fs::remove_file(&copy).map_err(|e| {
                    LogError::Corrupt(format!("cannot remove {}: {e}", copy.display()))
                })?;
                removed.push(copy);
                continue;
            }
            conn.pragma_update(None, "secure_delete", "ON")?;
            conn.execute(
                "DELETE FROM personal WHERE seq IN (SELECT seq FROM entries WHERE at_ms < ?1)",
                [before.timestamp_millis()],
            )?;
        }
        Ok(removed)
    }

    /// The newest time the log can vouch for without the hall's clock as it is now: the
    /// newest block time a verification used (the chain's clock, proved or mirrored), or in a
    /// log that never used the chain, its newest checkpoint's time. A purge compares the
    /// clock with it. (A checkpoint is stamped by the hall's clock, so against a clock moved
    /// forward before a verification it vouches for less than the chain does.)
    pub fn vouched_time(&self) -> Result<Option<DateTime<Utc>>, LogError> {
        let chain: Option<i64> = self.conn.query_row(
            "SELECT max(chain_time) FROM entries WHERE chain_source IN ('online', 'mirror')",
            [],
            |r| r.get(0),
        )?;
        match chain.and_then(|t| DateTime::from_timestamp(t, 0)) {
            Some(t) => Ok(Some(t)),
            None => Ok(self.newest_checkpoint()?.map(|c| c.at)),
        }
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
            Some(row) => Ok(Some(read_entry(row)?)),
            None => Ok(None),
        }
    }

    /// The hash of entry `seq` recomputed from its row (its link, its fields and the summary's
    /// commitment), as [`Log::verify`] computes it: the stored [`Entry::hash`] unless the row
    /// was edited after it was written. A receipt check proves this hash, not the stored one,
    /// so the proof covers the fields the receipt was matched against.
    pub fn entry_content_hash(&self, seq: u64) -> Result<Option<[u8; 32]>, LogError> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{} WHERE e.seq = ?1", select_entry(self.version)))?;
        let mut rows = st.query([seq])?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let r = read_row(row, false)?;
        Ok(Some(entry_hash(
            self.hash,
            &r.entry.prev_hash,
            &r.entry.entry,
            &r.personal_hash,
        )))
    }

    /// Walks the whole chain, then the audit trail's; see [`Integrity`]. Reading and hashing a
    /// row depend on that row alone, so the rows are split by position across one read
    /// connection per core (SQLite readers do not block each other); the links are then walked
    /// in order. The audit trail is small and walked on this connection.
    pub fn verify(&self) -> Result<Integrity, LogError> {
        self.verify_at(&[])
    }

    /// [`Log::verify`], also computing the tree's root at each of `sizes` (the sizes of
    /// checkpoints anchored on the registry, say) into [`TreeIntegrity::roots`].
    pub fn verify_at(&self, sizes: &[u64]) -> Result<Integrity, LogError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 8));
        // Below this a second connection costs more than it saves.
        let parts = if self.len()? >= 100_000 { cores } else { 1 };
        self.verify_in(parts as u64, sizes)
    }

    fn verify_in(&self, parts: u64, sizes: &[u64]) -> Result<Integrity, LogError> {
        let (first, last): (Option<u64>, Option<u64>) =
            self.conn
                .query_row("SELECT min(seq), max(seq) FROM entries", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        let alg = self.hash;
        let mut leaves = tree::Recomputed::new(alg);
        let audit = self.verify_audit(&mut leaves)?;
        if self.version >= 4 {
            for d in self.digests()? {
                let day = tree::day_ref(&d.day.to_string())?;
                leaves.add(LeafKind::Day, day, &d.digest);
            }
        }
        let mut walker = chain::Walker::default();
        let (Some(first), Some(last)) = (first, last) else {
            let (entries, head, findings) = walker.finish();
            let tree = self.check_tree(leaves, sizes)?;
            return Ok(Integrity {
                entries,
                head,
                findings,
                audit,
                tree,
            });
        };
        let path = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        let span = last - first + 1;
        let parts = if path.is_some() {
            parts.clamp(1, span)
        } else {
            1
        };
        let bounds: Vec<(u64, u64)> = (0..parts)
            .map(|i| (first + span * i / parts, first + span * (i + 1) / parts - 1))
            .collect();
        let sql = format!(
            "{} WHERE e.seq BETWEEN ?1 AND ?2 ORDER BY e.seq",
            select_entry(self.version)
        );
        let checked: Vec<Result<Vec<Checked>, LogError>> = if parts == 1 {
            vec![check_range(&self.conn, &sql, first, last, alg)]
        } else {
            let path = path.unwrap_or_default();
            std::thread::scope(|scope| {
                let handles: Vec<_> = bounds
                    .iter()
                    .map(|&(from, to)| {
                        let (path, sql) = (&path, &sql);
                        scope.spawn(move || {
                            let conn = Connection::open_with_flags(
                                path,
                                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                            )?;
                            conn.busy_timeout(BUSY_TIMEOUT)?;
                            check_range(&conn, sql, from, to, alg)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(LogError::Corrupt("an integrity check thread failed".into()))
                        })
                    })
                    .collect()
            })
        };
        for part in checked {
            for c in part? {
                leaves.rows.insert((LeafKind::Entry, c.seq), c.leaf);
                walker.push(
                    c.seq,
                    c.prev,
                    c.hash,
                    c.self_consistent,
                    c.personal_consistent,
                );
            }
        }
        let (entries, head, findings) = walker.finish();
        let tree = self.check_tree(leaves, sizes)?;
        Ok(Integrity {
            entries,
            head,
            findings,
            audit,
            tree,
        })
    }

    fn check_tree(
        &self,
        leaves: tree::Recomputed,
        sizes: &[u64],
    ) -> Result<TreeIntegrity, LogError> {
        if self.version < 4 {
            return Ok(TreeIntegrity::default());
        }
        tree::check(&self.conn, self.hash, leaves, sizes)
    }
}

/// Reads and hashes the rows with `from <= seq <= to`, in order, with the log's hash `alg`.
fn check_range(
    conn: &Connection,
    sql: &str,
    from: u64,
    to: u64,
    alg: HashAlg,
) -> Result<Vec<Checked>, LogError> {
    let mut st = conn.prepare(sql)?;
    let mut rows = st.query([from, to])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(match read_row(row, false) {
            Ok(r) => r.check(alg),
            // A value no build writes (an unknown verdict, half a chain state, a bad time): an
            // edited row.
            Err(LogError::Corrupt(_) | LogError::Unknown { .. }) => {
                let seq = row.get(0)?;
                let hash = to_hash(&row.get::<_, Vec<u8>>(17)?)?;
                Checked {
                    seq,
                    prev: to_hash(&row.get::<_, Vec<u8>>(16)?)?,
                    hash,
                    leaf: leaf_of(alg, LeafKind::Entry, seq, &hash),
                    self_consistent: false,
                    personal_consistent: true,
                }
            }
            Err(e) => return Err(e),
        });
    }
    Ok(out)
}

/// A row's links and whether its hashes match its contents.
struct Checked {
    seq: u64,
    prev: [u8; 32],
    hash: [u8; 32],
    /// The tree leaf of the row as stored (the chain says whether its hash is honest).
    leaf: [u8; 32],
    self_consistent: bool,
    personal_consistent: bool,
}

impl RawRow {
    /// Hashes the row with `alg` and compares with what it committed to.
    fn check(self, alg: HashAlg) -> Checked {
        let r = self;
        let self_consistent =
            entry_hash(alg, &r.entry.prev_hash, &r.entry.entry, &r.personal_hash) == r.entry.hash;
        let personal_consistent = match (&r.salt, &r.summary) {
            (Some(salt), Some(text)) => summary_matches(alg, salt, text, &r.personal_hash),
            // Purged: only the committed hash remains, which the entry hash covers.
            (None, None) => true,
            _ => false,
        };
        Checked {
            seq: r.entry.seq,
            prev: r.entry.prev_hash,
            hash: r.entry.hash,
            leaf: leaf_of(alg, LeafKind::Entry, r.entry.seq, &r.entry.hash),
            self_consistent,
            personal_consistent,
        }
    }
}

/// The columns [`read_entry`] reads, `FROM entries e` joined with the summaries; a version-1
/// file (read-only) has no `issuer_name` or `reasons` yet.
fn select_entry(version: i64) -> String {
    select_entry_hinted(version, "")
}

/// [`select_entry`] with an index hint for `entries e` (`INDEXED BY …`, `NOT INDEXED`).
fn select_entry_hinted(version: i64, hint: &str) -> String {
    let v2 = if version >= 2 {
        "e.issuer_name, e.reasons"
    } else {
        "NULL, NULL"
    };
    format!(
        "SELECT e.seq, e.at_ms, e.hall, e.counter, e.clerk, e.channel,
            e.credential_type, e.issuer, e.leaf, e.verdict, e.failing, e.chain_block, e.chain_time,
            e.chain_source, e.receipt, e.personal_hash, e.prev_hash, e.hash, p.salt, p.summary, {v2}
        FROM entries e {hint} LEFT JOIN personal p ON p.seq = e.seq"
    )
}

fn split_list(text: Option<String>) -> Vec<String> {
    match text {
        Some(t) if !t.is_empty() => t.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// A row as stored: the entry, the personal hash it committed to, and the summary's salt and
/// text (both absent once purged).
struct RawRow {
    entry: Entry,
    personal_hash: [u8; 32],
    salt: Option<Vec<u8>>,
    summary: Option<String>,
}

fn read_entry(row: &rusqlite::Row<'_>) -> Result<Entry, LogError> {
    Ok(read_row(row, true)?.entry)
}

/// Reads a row of [`select_entry`]; the summary is parsed into `entry.personal` only when
/// `parse_summary` (an integrity check hashes its stored text instead).
fn read_row(row: &rusqlite::Row<'_>, parse_summary: bool) -> Result<RawRow, LogError> {
    let corrupt = |what: &str| LogError::Corrupt(what.to_string());
    let seq: u64 = row.get(0)?;
    // A stored word this build does not write is an edited row: an error naming the entry
    // for a reader, an "edited" finding for `verify`.
    let word = |e: VocabError| LogError::Unknown { seq, source: e };
    let at = DateTime::from_timestamp_millis(row.get(1)?).ok_or_else(|| corrupt("time"))?;
    let channel: Channel = row.get::<_, String>(5)?.parse().map_err(word)?;
    let verdict: Verdict = row.get::<_, String>(9)?.parse().map_err(word)?;
    let leaf: Option<Vec<u8>> = row.get(8)?;
    let failing: Option<String> = row.get(10)?;
    let chain_block: Option<u64> = row.get(11)?;
    let chain_time: Option<i64> = row.get(12)?;
    let chain_source: Option<String> = row.get(13)?;
    let chain = match (chain_block, chain_time, chain_source) {
        (Some(block), Some(time), Some(source)) => Some(ChainUsed {
            block,
            block_time: DateTime::from_timestamp(time, 0).ok_or_else(|| corrupt("chain time"))?,
            source: source.parse().map_err(word)?,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("partly recorded chain state")),
    };
    let salt: Option<Vec<u8>> = row.get(18)?;
    let summary: Option<String> = row.get(19)?;
    let personal = match &summary {
        Some(text) if parse_summary => {
            parse_personal(text).ok_or_else(|| corrupt("subject summary"))?
        }
        _ => BTreeMap::new(),
    };
    let entry = Entry {
        seq,
        entry: NewEntry {
            at,
            hall: row.get(2)?,
            counter: row.get(3)?,
            clerk: row.get(4)?,
            channel,
            credential_type: row.get(6)?,
            issuer: row.get(7)?,
            issuer_name: row.get(20)?,
            leaf: leaf.map(|l| to_hash(&l).map(CredentialHash)).transpose()?,
            verdict,
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
    Ok(RawRow {
        entry,
        personal_hash: to_hash(&row.get::<_, Vec<u8>>(15)?)?,
        salt,
        summary,
    })
}

/// Whether a stored summary is the one its entry committed to. The text stored is the JCS form
/// that was hashed, so it is hashed as it stands; text that differs only in form (a file
/// written by an earlier build) is parsed and canonicalised first.
fn summary_matches(alg: HashAlg, salt: &[u8], text: &str, committed: &[u8; 32]) -> bool {
    let direct = alg.digest_parts(&[salt, text.as_bytes()]);
    direct == *committed
        || parse_personal(text).is_some_and(|map| personal_hash(alg, salt, &map) == *committed)
}

fn to_hash(bytes: &[u8]) -> Result<[u8; 32], LogError> {
    bytes
        .try_into()
        .map_err(|_| LogError::Corrupt("a hash is not 32 bytes".into()))
}

fn parse_personal(text: &str) -> Option<BTreeMap<String, String>> {
    let value: Value = serde_json::from_str(text).ok()?;
    value
        .as_object()?
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// HASH(salt ‖ JCS(summary)): commits to the summary without revealing it once purged.
fn personal_hash(alg: HashAlg, salt: &[u8], personal: &BTreeMap<String, String>) -> [u8; 32] {
    alg.digest_parts(&[salt, personal_preimage(personal).as_bytes()])
}

/// JCS of the summary as an object of strings.
fn personal_preimage(personal: &BTreeMap<String, String>) -> String {
    let mut members: Vec<(&String, &String)> = personal.iter().collect();
    // JCS orders names by UTF-16 code units; a BTreeMap's byte order differs only past U+FFFF.
    members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
    let mut out = String::with_capacity(16 + personal.len() * 32);
    out.push('{');
    for (i, (k, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        countersign_jcs::push_string(&mut out, k);
        out.push(':');
        countersign_jcs::push_string(&mut out, v);
    }
    out.push('}');
    out
}

/// HASH(prev_hash ‖ JCS(entry fields and personal hash)), with the log's hash. The position
/// (`seq`) is not hashed: the order is the chain of links, so renumbering rows shows as the
/// break it causes.
fn entry_hash(alg: HashAlg, prev: &[u8; 32], e: &NewEntry, personal_hash: &[u8; 32]) -> [u8; 32] {
    alg.digest_parts(&[prev, entry_preimage(e, personal_hash).as_bytes()])
}

/// The JCS form of an entry's hashed fields (docs/PROTOCOL.md §8), written directly in JCS
/// member order rather than through a generic JSON value: a full integrity check hashes every
/// entry, and this is most of its cost. `tests::preimage_is_jcs` holds it to the generic form.
fn entry_preimage(e: &NewEntry, personal_hash: &[u8; 32]) -> String {
    use countersign_jcs::{push_integer, push_string};
    fn opt(out: &mut String, value: Option<&str>) {
        match value {
            Some(v) => push_string(out, v),
            None => out.push_str("null"),
        }
    }
    fn list(out: &mut String, items: &[String]) {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_string(out, item);
        }
        out.push(']');
    }
    let mut out = String::with_capacity(512);
    // Members in JCS order (all names are ASCII, so byte order is UTF-16 order).
    out.push_str("{\"at\":");
    push_integer(&mut out, e.at.timestamp_millis());
    out.push_str(",\"chain\":");
    match &e.chain {
        Some(c) => {
            out.push_str("{\"block\":");
            push_integer(&mut out, c.block);
            out.push_str(",\"source\":");
            push_string(&mut out, c.source.as_str());
            out.push_str(",\"time\":");
            push_integer(&mut out, c.block_time.timestamp());
            out.push('}');
        }
        None => out.push_str("null"),
    }
    out.push_str(",\"channel\":");
    push_string(&mut out, e.channel.as_str());
    out.push_str(",\"clerk\":");
    push_string(&mut out, &e.clerk);
    out.push_str(",\"counter\":");
    push_string(&mut out, &e.counter);
    out.push_str(",\"failing\":");
    list(&mut out, &e.failing);
    out.push_str(",\"hall\":");
    push_string(&mut out, &e.hall);
    out.push_str(",\"issuer\":");
    opt(&mut out, e.issuer.as_deref());
    // Added in schema version 2: present only when recorded, so older entries keep their hash.
    if let Some(name) = &e.issuer_name {
        out.push_str(",\"issuerName\":");
        push_string(&mut out, name);
    }
    out.push_str(",\"leaf\":");
    match &e.leaf {
        Some(leaf) => {
            out.push('"');
            out.push_str(&hex::encode(leaf.0));
            out.push('"');
        }
        None => out.push_str("null"),
    }
    out.push_str(",\"personal\":\"");
    out.push_str(&hex::encode(personal_hash));
    out.push('"');
    if !e.reasons.is_empty() {
        out.push_str(",\"reasons\":");
        list(&mut out, &e.reasons);
    }
    out.push_str(",\"receipt\":");
    opt(&mut out, e.receipt.as_deref());
    out.push_str(",\"type\":");
    opt(&mut out, e.credential_type.as_deref());
    out.push_str(",\"verdict\":");
    push_string(&mut out, e.verdict.as_str());
    out.push('}');
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Map};

    /// The generic form: a JSON value through the JCS canonicaliser.
    fn reference(e: &NewEntry, personal_hash: &[u8; 32]) -> String {
        let mut fields = json!({
            "at": e.at.timestamp_millis(),
            "hall": e.hall,
            "counter": e.counter,
            "clerk": e.clerk,
            "channel": e.channel.as_str(),
            "type": e.credential_type,
            "issuer": e.issuer,
            "leaf": e.leaf.map(|l| hex::encode(l.0)),
            "verdict": e.verdict.as_str(),
            "failing": e.failing,
            "chain": e.chain.as_ref().map(|c| json!({
                "block": c.block, "time": c.block_time.timestamp(), "source": c.source.as_str(),
            })),
            "receipt": e.receipt,
            "personal": hex::encode(personal_hash),
        });
        let object = fields.as_object_mut().expect("object");
        if let Some(name) = &e.issuer_name {
            object.insert("issuerName".into(), json!(name));
        }
        if !e.reasons.is_empty() {
            object.insert("reasons".into(), json!(e.reasons));
        }
        countersign_jcs::canonicalize_to_string(&fields).expect("canonical")
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9 ._-]{0,12}",
            "[\\u{0}-\\u{1f}\"\\\\\u{7f}]{0,6}",
            "[张王刘*\\u{e000}\\u{1f600}\\u{2028}]{0,6}",
        ]
    }

    prop_compose! {
        fn entries()(
            at in 0i64..4_102_444_800_000,
            texts in proptest::collection::vec(text(), 6),
            optional in proptest::collection::vec(any::<bool>(), 6),
            failing in proptest::collection::vec(text(), 0..3),
            block in any::<u64>(),
            leaf in any::<[u8; 32]>(),
            words in proptest::collection::vec(0usize..3, 3),
        ) -> NewEntry {
            NewEntry {
                at: DateTime::from_timestamp_millis(at).expect("time"),
                hall: texts[0].clone(),
                counter: texts[1].clone(),
                clerk: texts[2].clone(),
                channel: Channel::ALL[words[0]],
                credential_type: optional[0].then(|| texts[3].clone()),
                issuer: optional[1].then(|| texts[4].clone()),
                issuer_name: optional[2].then(|| texts[5].clone()),
                leaf: optional[3].then_some(CredentialHash(leaf)),
                verdict: Verdict::ALL[words[1]],
                reasons: failing.iter().map(|f| format!("{f}.x")).collect(),
                failing,
                chain: optional[4].then(|| ChainUsed {
                    block,
                    block_time: DateTime::from_timestamp_millis(at).expect("time"),
                    source: countersign_vocab::ChainSourceKind::ALL[words[2]],
                }),
                receipt: optional[5].then(|| texts[0].clone()),
                personal: BTreeMap::new(),
            }
        }
    }

    #[test]
    fn a_check_split_across_threads_finds_what_one_thread_finds() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut log = Log::open(dir.path().join("log.sqlite")).expect("open");
        let entry = |n: i64| NewEntry {
            at: DateTime::from_timestamp(1_795_000_000 + n * 60, 0).expect("time"),
            hall: "BJ-CY-01".into(),
            counter: format!("{}", n % 3),
            clerk: "clerk-1".into(),
            channel: Channel::Scanner,
            credential_type: None,
            issuer: None,
            issuer_name: None,
            leaf: None,
            verdict: Verdict::Valid,
            failing: vec![],
            reasons: vec![],
            chain: None,
            receipt: None,
            personal: BTreeMap::from([("name".into(), "张*".into())]),
        };
        let batch: Vec<NewEntry> = (0..50).map(entry).collect();
        log.append_batch(&batch).expect("append");
        let whole = log.verify_in(1, &[]).expect("verify");
        assert!(whole.is_intact());
        assert_eq!(log.verify_in(3, &[]).expect("verify"), whole);
        assert_eq!(log.verify_in(64, &[]).expect("verify"), whole);
        log.conn
            .execute_batch(
                "UPDATE entries SET clerk = 'x' WHERE seq = 17;
                 DELETE FROM personal WHERE seq = 34; DELETE FROM entries WHERE seq = 34;
                 UPDATE personal SET summary = '{}' WHERE seq = 49;",
            )
            .expect("tamper");
        let whole = log.verify_in(1, &[]).expect("verify");
        let kinds: Vec<(u64, FindingKind)> =
            whole.findings.iter().map(|f| (f.seq, f.kind)).collect();
        assert_eq!(
            kinds,
            [
                (17, FindingKind::Edited),
                (35, FindingKind::Deleted),
                (49, FindingKind::SummaryEdited)
            ]
        );
        for parts in [2, 3, 7] {
            assert_eq!(log.verify_in(parts, &[]).expect("verify"), whole);
        }
    }

    proptest! {
        #[test]
        fn preimage_is_jcs(e in entries(), ph in any::<[u8; 32]>()) {
            prop_assert_eq!(entry_preimage(&e, &ph), reference(&e, &ph));
        }

        #[test]
        fn summary_preimage_is_jcs(
            summary in proptest::collection::btree_map(text(), text(), 0..5)
        ) {
            let map: Map<String, Value> = summary
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let expected = countersign_jcs::canonicalize_to_string(&Value::Object(map))
                .expect("canonical");
            prop_assert_eq!(personal_preimage(&summary), expected);
        }
    }
}
