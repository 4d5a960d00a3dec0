//! The hall's offline mirror of the registry: one SQLite file rebuilt from the registry's event
//! log, so a hall verifies when the network is down.
//!
//! [`Mirror`] stores what the registry's events say (issuers with their status history, anchored
//! roots, per-issuer revocations, verifier stations) and the block it reflects, and answers verification's questions
//! through [`ChainState`] exactly as the online client does. [`sync::sync_once`] brings it up to
//! date from any [`EventSource`](countersign_chainstate::events::EventSource), rolling back
//! reorganised blocks; [`follow::spawn_follower`] keeps it up to date in the background, failing
//! over between nodes.
//!
//! It knows nothing about JSON-RPC (the chain crate implements the event source) nor about
//! credentials beyond the keys and hashes the registry holds. The file is a cache of the chain:
//! deleting it loses nothing that a sync cannot fetch again.

use chrono::{DateTime, Utc};
use countersign_chainstate::events::{BlockRef, EventHead, LoggedEvent, RegistryEvent};
use countersign_chainstate::{
    AnchorRecord, ChainError, ChainHash, ChainState, ChainView, IssuerRecord, IssuerStatus,
    RefusedIssuerKey, RegisteredKey, RevocationReason, RevocationRecord, Source, StationRecord,
    StatusChange,
};
use countersign_credential::{DidKey, RegistryRef};
use countersign_merkle::NodeHash;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::cell::RefCell;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

pub mod follow;
mod schema;
pub mod sync;

pub use follow::{spawn_follower, FollowStatus, Follower};
pub use schema::SCHEMA_VERSION;
pub use sync::{sync_agreed, sync_once, Progress, SyncError, SyncOptions, SyncReport};

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The page cache per connection, in KiB.
const CACHE_KIB: i64 = 32 * 1024;

/// Parsed issuer keys kept at most; the cache starts over when full.
const KEY_CACHE_SIZE: usize = 1024;

/// The largest number of hashes asked in one revocation query.
const IN_CHUNK: usize = 32;

/// The mirror file cannot be used, or refused a change.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// The file could not be opened or created.
    #[error("cannot open the registry mirror {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// SQLite failed (disk full, file locked too long, not a database, …).
    #[error("registry mirror database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file mirrors another registry (another chain or contract).
    #[error("the mirror file follows {found}, not {expected}")]
    OtherRegistry {
        /// The registry the file mirrors.
        found: String,
        /// The registry it was opened for.
        expected: String,
    },
    /// The file was written by a newer build, whose schema this one does not know.
    #[error("the mirror file has schema version {found}; this build reads up to {supported}")]
    TooNew {
        /// The file's version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// Two hashes for one block: the events come from another branch of the chain.
    #[error("block {block} is recorded with hash 0x{stored} but now has 0x{found}")]
    BlockHashMismatch {
        /// Block number.
        block: u64,
        /// The hash recorded first (hex).
        stored: String,
        /// The conflicting hash (hex).
        found: String,
    },
    /// An event lies after the block the page claims to reach.
    #[error("an event in block {block} lies after the page's cursor block {cursor}")]
    EventAfterCursor {
        /// The event's block.
        block: u64,
        /// The page's cursor.
        cursor: u64,
    },
    /// The new cursor is behind the current one; going back is [`Mirror::rollback_to`]'s job.
    #[error("the new cursor block {new} is behind the mirror's cursor {current}")]
    CursorBackwards {
        /// The cursor offered.
        new: u64,
        /// The mirror's cursor.
        current: u64,
    },
    /// A stored value cannot be read back (a damaged or hand-edited file).
    #[error("the mirror file holds an unreadable value: {0}")]
    Corrupt(String),
    /// The registry's registration of an issuer does not hold together (an SM2 key whose SM3
    /// is not the key it was registered under): mirrored as the chain has it, never believed.
    #[error(transparent)]
    RefusedIssuer(#[from] RefusedIssuerKey),
}

/// How much the mirror holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Registered issuers.
    pub issuers: u64,
    /// Anchored roots.
    pub anchors: u64,
    /// Revoked hashes.
    pub revocations: u64,
    /// Registered verifier stations.
    pub stations: u64,
    /// Events recorded, of every kind (admin changes and status changes included; anchored
    /// log digests are not recorded, see [`Mirror::apply`]).
    pub events: u64,
}

/// The registry's state as of one block, in a SQLite file. See the crate docs.
///
/// Verification reads it through `&self` ([`ChainState`]); [`sync::sync_once`] writes it through
/// `&mut self`. Several connections may open the same file (WAL mode): the follower writes
/// through its own while the app reads through another.
pub struct Mirror {
    conn: Connection,
    registry: RegistryRef,
    /// Turning a registered key into a `DidKey` decompresses a curve point (and hashes an SM2
    /// key), a sizeable part of a lookup, and a hall sees a handful of issuers all day. Keyed
    /// by the registry key, which binds the public key (it is the key, or its SM3).
    keys: RefCell<HashMap<[u8; 32], DidKey>>,
}

impl fmt::Debug for Mirror {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mirror")
            .field("registry", &self.registry.to_string())
            .field("path", &self.conn.path())
            .finish_non_exhaustive()
    }
}

impl Mirror {
    /// Opens the mirror file of `registry`, creating it if absent and migrating it if older.
    ///
    /// Refuses a file that mirrors another registry and one written by a newer build.
    pub fn open(path: impl AsRef<Path>, registry: &RegistryRef) -> Result<Self, MirrorError> {
        let path = path.as_ref();
        let conn = Connection::open(path).map_err(|source| MirrorError::Open {
            path: path.to_owned(),
            source,
        })?;
        Self::init(conn, registry)
    }

    /// A mirror held in memory only, for tests and one-off tools.
    pub fn open_in_memory(registry: &RegistryRef) -> Result<Self, MirrorError> {
        Self::init(Connection::open_in_memory()?, registry)
    }

    fn init(mut conn: Connection, registry: &RegistryRef) -> Result<Self, MirrorError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: verification keeps reading while the follower writes a page.
        conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get::<_, String>(0))?;
        // NORMAL in WAL mode may lose the last pages on a power cut but never corrupts the file;
        // the mirror is rebuilt from the chain, and a lost page is fetched again by the next sync
        // (the cursor is committed with its page).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // SQLite's default 2 MB cache holds a sliver of a million-event mirror's B-trees, and
        // a page of random keys then reads most of them from the OS again.
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        // One statement per question, plus one per size bucket of the revocation query.
        conn.set_prepared_statement_cache_capacity(32);
        schema::migrate(&mut conn)?;

        let expected = registry.to_string();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO meta (id, registry) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
            [&expected],
        )?;
        let found: String =
            tx.query_row("SELECT registry FROM meta WHERE id = 1", [], |r| r.get(0))?;
        tx.commit()?;
        if found != expected {
            return Err(MirrorError::OtherRegistry { found, expected });
        }
        Ok(Self {
            conn,
            registry: *registry,
            keys: RefCell::new(HashMap::new()),
        })
    }

    /// The registry this file mirrors.
    pub fn registry(&self) -> &RegistryRef {
        &self.registry
    }

    /// The block the mirror reflects; `None` until the first page is applied.
    pub fn cursor(&self) -> Result<Option<BlockRef>, MirrorError> {
        let mut st = self.conn.prepare_cached(
            "SELECT cursor_block, cursor_hash, cursor_time FROM meta WHERE id = 1",
        )?;
        let row = st.query_row([], |r| {
            Ok((
                r.get::<_, Option<u64>>(0)?,
                r.get::<_, Option<[u8; 32]>>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        match row {
            (Some(number), Some(hash), Some(time)) => Ok(Some(BlockRef {
                number,
                hash,
                time: from_secs(time)?,
            })),
            (None, None, None) => Ok(None),
            _ => Err(MirrorError::Corrupt("a partly written cursor".into())),
        }
    }

    /// The registry's `eventHead` and `eventCount` as of the cursor: what every event recorded
    /// folds to (zero for an empty mirror). `None` for a file synced before heads were kept,
    /// which cannot be proved and must be synced again.
    pub fn event_head(&self) -> Result<Option<EventHead>, MirrorError> {
        let empty = self.cursor()?.is_none();
        stored_head(&self.conn, empty)
    }

    /// The chain hash the mirror's event heads are folded with: the chain's, as the last sync
    /// read it (Keccak-256 for a file never synced).
    pub fn chain_hash(&self) -> Result<ChainHash, MirrorError> {
        read_chain_hash(&self.conn)
    }

    /// Records the chain hash the next pages are folded with; only for a mirror without a
    /// cursor (the sync resets one folded under another hash first).
    pub(crate) fn set_chain_hash(&mut self, hash: ChainHash) -> Result<(), MirrorError> {
        self.conn.execute(
            "UPDATE meta SET chain_hash = ?1 WHERE id = 1 AND cursor_block IS NULL",
            [hash.name()],
        )?;
        Ok(())
    }

    /// How many issuers, anchors, revocations and events the mirror holds.
    pub fn counts(&self) -> Result<Counts, MirrorError> {
        let mut st = self.conn.prepare_cached(
            "SELECT (SELECT COUNT(*) FROM issuers), (SELECT COUNT(*) FROM anchors),
                    (SELECT COUNT(*) FROM revocations), (SELECT COUNT(*) FROM stations),
                    (SELECT COUNT(*) FROM issuer_status), (SELECT COUNT(*) FROM admin_changes),
                    (SELECT COUNT(*) FROM station_status)",
        )?;
        Ok(st.query_row([], |r| {
            let issuers: u64 = r.get(0)?;
            let anchors: u64 = r.get(1)?;
            let revocations: u64 = r.get(2)?;
            let stations: u64 = r.get(3)?;
            let others = r.get::<_, u64>(4)? + r.get::<_, u64>(5)? + r.get::<_, u64>(6)?;
            Ok(Counts {
                issuers,
                anchors,
                revocations,
                stations,
                events: issuers + anchors + revocations + stations + others,
            })
        })?)
    }

    /// Records one page of events and moves the cursor to `cursor`, in one transaction: after
    /// a crash the file holds the page with its cursor, or neither.
    ///
    /// Applying an event already recorded changes nothing, so a page may be applied again.
    /// Returns how many events were new. Anchored log digests are not recorded (their blocks
    /// are): they are checked online, by `log verify`, and never during verification, so they
    /// count as nothing new. Refuses, changing nothing, a page that gives one block
    /// two hashes (with itself, its cursor or what is recorded), an event after the cursor, and
    /// a cursor behind the current one.
    pub fn apply(
        &mut self,
        events: &[LoggedEvent],
        cursor: BlockRef,
    ) -> Result<usize, MirrorError> {
        // Outside a group of pages, the page is its own transaction (immediate: a second
        // writer waits rather than failing halfway); inside one, a savepoint of it.
        let own = self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        let applied = self.apply_page(events, cursor);
        if own {
            self.conn.execute_batch(if applied.is_ok() {
                "COMMIT"
            } else {
                "ROLLBACK"
            })?;
        }
        applied
    }

    /// Starts a group of pages applied together: none of them is visible to readers (the
    /// counter's verifications), or kept, until [`Mirror::commit_pages`]. A sync proves a
    /// group's pages with one storage proof before it commits them.
    pub fn begin_pages(&mut self) -> Result<(), MirrorError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    /// Keeps the pages applied since [`Mirror::begin_pages`].
    pub fn commit_pages(&mut self) -> Result<(), MirrorError> {
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// Forgets the pages applied since [`Mirror::begin_pages`] (nothing when no group is open).
    pub fn abandon_pages(&mut self) -> Result<(), MirrorError> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        Ok(())
    }

    fn apply_page(
        &mut self,
        events: &[LoggedEvent],
        cursor: BlockRef,
    ) -> Result<usize, MirrorError> {
        let mut blocks: BTreeMap<u64, ([u8; 32], Option<i64>)> = BTreeMap::new();
        for e in events {
            if e.block > cursor.number {
                return Err(MirrorError::EventAfterCursor {
                    block: e.block,
                    cursor: cursor.number,
                });
            }
            note_block(&mut blocks, e.block, e.block_hash, event_time(&e.event))?;
        }
        note_block(
            &mut blocks,
            cursor.number,
            cursor.hash,
            Some(cursor.time.timestamp()),
        )?;

        let tx = self.conn.savepoint()?;
        let current: Option<u64> = tx
            .prepare_cached("SELECT cursor_block FROM meta WHERE id = 1")?
            .query_row([], |r| r.get(0))?;
        if let Some(current) = current.filter(|&c| c > cursor.number) {
            return Err(MirrorError::CursorBackwards {
                new: cursor.number,
                current,
            });
        }
        for (&number, &(hash, time)) in &blocks {
            let stored: Option<[u8; 32]> = tx
                .prepare_cached("SELECT hash FROM blocks WHERE number = ?1")?
                .query_row([number], |r| r.get(0))
                .optional()?;
            if let Some(stored) = stored.filter(|s| *s != hash) {
                return Err(mismatch(number, &stored, &hash));
            }
            tx.prepare_cached(
                "INSERT INTO blocks (number, hash, time) VALUES (?1, ?2, ?3)
                 ON CONFLICT (number) DO UPDATE SET time = coalesce(excluded.time, blocks.time)",
            )?
            .execute(params![number, &hash[..], time])?;
        }
        let mut applied = 0;
        for e in events {
            applied += insert_event(&tx, e)?;
        }
        // The registry's eventHead after each block of the page, folded from the recorded one
        // (none for a file synced before heads were kept: it stays unproved until reset).
        if let Some(mut head) = stored_head(&tx, current.is_none())? {
            let hash = read_chain_hash(&tx)?;
            let mut set_block = tx.prepare_cached(
                "UPDATE blocks SET event_head = ?2, event_count = ?3, event_block = ?4
                 WHERE number = ?1",
            )?;
            let mut i = 0;
            for &number in blocks.keys() {
                while i < events.len() && events[i].block <= number {
                    head = head.fold(hash, &events[i]);
                    i += 1;
                }
                set_block.execute(params![number, &head.head[..], head.count, head.block])?;
            }
            tx.prepare_cached(
                "UPDATE meta SET event_head = ?1, event_count = ?2, event_block = ?3 WHERE id = 1",
            )?
            .execute(params![&head.head[..], head.count, head.block])?;
        }
        tx.prepare_cached(
            "UPDATE meta SET cursor_block = ?1, cursor_hash = ?2, cursor_time = ?3 WHERE id = 1",
        )?
        .execute(params![
            cursor.number,
            &cursor.hash[..],
            cursor.time.timestamp()
        ])?;
        tx.commit()?;
        Ok(applied)
    }

    /// Forgets everything after `block`, in one transaction, and moves the cursor back.
    ///
    /// The new cursor is the newest recorded block at or before `block` whose time is known
    /// (every cursor is; a block with admin changes only is not), and everything after it goes:
    /// forgetting a little more than asked is safe, the next sync fetches it again. Returns the
    /// new cursor, `None` when nothing is left.
    pub fn rollback_to(&mut self, block: u64) -> Result<Option<BlockRef>, MirrorError> {
        let keep = self
            .conn
            .prepare_cached(
                "SELECT number, hash, time FROM blocks WHERE number <= ?1 AND time IS NOT NULL
                 ORDER BY number DESC LIMIT 1",
            )?
            .query_row([block.min(i64::MAX as u64)], |r| {
                Ok((
                    r.get::<_, u64>(0)?,
                    r.get::<_, [u8; 32]>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .optional()?;
        let keep = match keep {
            Some((number, hash, time)) => Some(BlockRef {
                number,
                hash,
                time: from_secs(time)?,
            }),
            None => None,
        };
        self.truncate(keep)?;
        Ok(keep)
    }

    /// Forgets everything: the next sync starts from the registry's deployment block.
    pub fn reset(&mut self) -> Result<(), MirrorError> {
        self.truncate(None)
    }

    /// Forgets everything after `fork` and makes it the cursor (its hash and time as the chain
    /// gave them).
    pub(crate) fn rollback_to_block(&mut self, fork: BlockRef) -> Result<(), MirrorError> {
        self.truncate(Some(fork))
    }

    fn truncate(&mut self, keep: Option<BlockRef>) -> Result<(), MirrorError> {
        // -1 when nothing is kept: every row goes.
        let after: i64 = match keep {
            Some(b) => i64::try_from(b.number)
                .map_err(|_| MirrorError::Corrupt(format!("block number {}", b.number)))?,
            None => -1,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for table in [
            "admin_changes",
            "issuers",
            "issuer_status",
            "anchors",
            "revocations",
            "stations",
            "station_status",
        ] {
            tx.execute(&format!("DELETE FROM {table} WHERE block > ?1"), [after])?;
        }
        tx.execute("DELETE FROM blocks WHERE number > ?1", [after])?;
        // A mirror taken back is no longer known to reach the chain's head: its freshness goes
        // with the blocks, and comes back with the next sync that reaches the head.
        match keep {
            Some(b) => {
                tx.execute(
                    "INSERT INTO blocks (number, hash, time) VALUES (?1, ?2, ?3)
                     ON CONFLICT (number) DO UPDATE SET hash = excluded.hash, time = excluded.time",
                    params![b.number, &b.hash[..], b.time.timestamp()],
                )?;
                tx.execute(
                    "UPDATE meta SET cursor_block = ?1, cursor_hash = ?2, cursor_time = ?3,
                         synced_at = NULL,
                         event_head = (SELECT event_head FROM blocks WHERE number = ?1),
                         event_count = (SELECT event_count FROM blocks WHERE number = ?1),
                         event_block = (SELECT event_block FROM blocks WHERE number = ?1)
                     WHERE id = 1",
                    params![b.number, &b.hash[..], b.time.timestamp()],
                )?;
            }
            None => {
                tx.execute(
                    "UPDATE meta SET cursor_block = NULL, cursor_hash = NULL, cursor_time = NULL,
                         synced_at = NULL, event_head = NULL, event_count = NULL,
                         event_block = NULL
                     WHERE id = 1",
                    [],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The hash recorded for this block, if any.
    pub(crate) fn block_hash(&self, number: u64) -> Result<Option<[u8; 32]>, MirrorError> {
        Ok(self
            .conn
            .prepare_cached("SELECT hash FROM blocks WHERE number = ?1")?
            .query_row([number], |r| r.get(0))
            .optional()?)
    }

    /// How many blocks are recorded at or before `max`.
    pub(crate) fn recorded_blocks(&self, max: u64) -> Result<u64, MirrorError> {
        Ok(self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM blocks WHERE number <= ?1")?
            .query_row([max.min(i64::MAX as u64)], |r| r.get(0))?)
    }

    /// The recorded block `offset` places below the newest at or before `max`.
    pub(crate) fn recorded_block(
        &self,
        max: u64,
        offset: u64,
    ) -> Result<Option<(u64, [u8; 32])>, MirrorError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT number, hash FROM blocks WHERE number <= ?1
                 ORDER BY number DESC LIMIT 1 OFFSET ?2",
            )?
            .query_row([max.min(i64::MAX as u64), offset], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// The did:key of the issuer registered under `key` with `profile` and `public_key`, once
    /// the registration holds together ([`RegisteredKey::did`]).
    fn did(&self, key: [u8; 32], profile: u8, public_key: Vec<u8>) -> Result<DidKey, MirrorError> {
        if let Some(did) = self.keys.borrow().get(&key) {
            return Ok(*did);
        }
        let (did, _) = RegisteredKey {
            key,
            profile,
            public_key,
        }
        .did()?;
        let mut keys = self.keys.borrow_mut();
        if keys.len() >= KEY_CACHE_SIZE {
            keys.clear();
        }
        keys.insert(key, did);
        Ok(did)
    }

    fn read_view(&self) -> Result<Option<ChainView>, MirrorError> {
        let synced_at = self.synced_at()?;
        Ok(self.cursor()?.map(|c| ChainView {
            registry: self.registry,
            block: c.number,
            block_time: c.time,
            // The sync time, never the block's own when that is later: a block stamped in the
            // future would otherwise keep the mirror "fresh" until then.
            checked_at: synced_at.unwrap_or(c.time),
            source: Source::Mirror,
            // Part of the chain, or a chain taken back by a reorganisation: not the chain's
            // state at any time, however recent its blocks.
            stale: synced_at.is_none().then(|| {
                format!(
                    "the hall's mirror reaches block {} but has not caught up with the chain since it was started or rolled back: it is synced again when the chain nodes answer",
                    c.number
                )
            }),
        }))
    }

    /// When a sync last brought the mirror up to the chain's head (less confirmations).
    pub fn synced_at(&self) -> Result<Option<DateTime<Utc>>, MirrorError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT synced_at FROM meta WHERE id = 1")?;
        let secs: Option<i64> = st.query_row([], |r| r.get(0))?;
        secs.map(from_secs).transpose()
    }

    /// Records that the mirror reflects the chain's head as of `at`.
    pub fn mark_synced(&mut self, at: DateTime<Utc>) -> Result<(), MirrorError> {
        self.conn.execute(
            "UPDATE meta SET synced_at = ?1 WHERE id = 1",
            [at.timestamp()],
        )?;
        Ok(())
    }

    fn read_issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, MirrorError> {
        // One statement for the registration and its history: one snapshot, one read
        // transaction.
        let mut st = self.conn.prepare_cached(
            "SELECT i.account, i.name, i.credential_types, i.profile, i.public_key,
                    s.status, s.at, s.block
             FROM issuers i LEFT JOIN issuer_status s ON s.issuer = i.key
             WHERE i.key = ?1 ORDER BY s.block, s.log_index",
        )?;
        let key = did.registry_key();
        let mut rows = st.query([&key[..]])?;
        let mut record: Option<IssuerRecord> = None;
        while let Some(r) = rows.next()? {
            let record = match &mut record {
                Some(record) => record,
                None => {
                    let types: String = r.get(2)?;
                    let credential_types = serde_json::from_str(&types).map_err(|e| {
                        MirrorError::Corrupt(format!("credential types of issuer {did}: {e}"))
                    })?;
                    // What the registration says, checked: an SM2 key whose SM3 is not the
                    // key it is filed under is refused, not read as the issuer.
                    let registered = self.did(key, r.get(3)?, r.get(4)?)?;
                    if registered != *did {
                        return Err(MirrorError::Corrupt(format!(
                            "the issuer filed under {did}'s key is {registered}"
                        )));
                    }
                    record.insert(IssuerRecord {
                        did: *did,
                        profile: did.profile(),
                        name: r.get(1)?,
                        account: r.get(0)?,
                        credential_types,
                        history: Vec::new(),
                    })
                }
            };
            let change: (Option<i64>, Option<i64>, Option<u64>) = (r.get(5)?, r.get(6)?, r.get(7)?);
            if let (Some(status), Some(at), Some(block)) = change {
                record.history.push(StatusChange {
                    status: status_from_code(status)?,
                    at: from_secs(at)?,
                    block,
                });
            }
        }
        Ok(record)
    }

    /// The verifier station registered with this Ed25519 key, if any. An `Err` means the mirror
    /// could not be read (*could not check*), as for every question verification asks of it.
    pub fn station(&self, key: &[u8; 32]) -> Result<Option<StationRecord>, ChainError> {
        self.read_station(key).map_err(unavailable)
    }

    fn read_station(&self, key: &[u8; 32]) -> Result<Option<StationRecord>, MirrorError> {
        // One statement for the registration and its latest status: one snapshot.
        let row = self
            .conn
            .prepare_cached(
                "SELECT s.account, s.name,
                        (SELECT c.status FROM station_status c WHERE c.station = s.key
                         ORDER BY c.block DESC, c.log_index DESC LIMIT 1)
                 FROM stations s WHERE s.key = ?1",
            )?
            .query_row([&key[..]], |r| {
                Ok((
                    r.get::<_, [u8; 20]>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })
            .optional()?;
        let Some((account, name, status)) = row else {
            return Ok(None);
        };
        // The registry emits the registration and its first status in one transaction, so a
        // station without a status row means a damaged file, not a state of the chain.
        let status = status.ok_or_else(|| {
            MirrorError::Corrupt(format!("station 0x{} has no status", hex::encode(key)))
        })?;
        Ok(Some(StationRecord {
            key: *key,
            account,
            name,
            status: status_from_code(status)?,
        }))
    }

    fn read_anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ChainError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT a.issuer, a.block, a.at, i.account, i.profile, i.public_key FROM anchors a
                 LEFT JOIN issuers i ON i.key = a.issuer WHERE a.root = ?1",
            )
            .and_then(|mut st| {
                st.query_row([&root.as_bytes()[..]], |r| {
                    Ok((
                        r.get::<_, [u8; 32]>(0)?,
                        r.get::<_, u64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<[u8; 20]>>(3)?,
                        r.get::<_, Option<u8>>(4)?,
                        r.get::<_, Option<Vec<u8>>>(5)?,
                    ))
                })
                .optional()
            })
            .map_err(|e| unavailable(e.into()))?;
        let Some((key, block, at, account, profile, public_key)) = row else {
            return Ok(None);
        };
        // The registry only lets a registered issuer anchor; a missing registration means the
        // mirror started after it (a wrong deployment block), which is not the credential's fault.
        let (Some(account), Some(profile), Some(public_key)) = (account, profile, public_key)
        else {
            return Err(ChainError::Inconsistent(format!(
                "the mirror holds an anchor of root {root} by issuer 0x{} but no registration of \
                 that issuer; is the registry's deployment block set right?",
                hex::encode(key)
            )));
        };
        let issuer = self.did(key, profile, public_key).map_err(unavailable)?;
        Ok(Some(AnchorRecord {
            root: *root,
            issuer,
            account,
            block,
            at: from_secs(at).map_err(unavailable)?,
        }))
    }

    fn read_revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, MirrorError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT reason, block, at FROM revocations WHERE issuer = ?1 AND hash = ?2",
            )?
            .query_row([&issuer.registry_key()[..], &hash.as_bytes()[..]], |r| {
                Ok((r.get::<_, u8>(0)?, r.get::<_, u64>(1)?, r.get::<_, i64>(2)?))
            })
            .optional()?;
        row.map(|(reason, block, at)| {
            Ok(RevocationRecord {
                hash: *hash,
                issuer: *issuer,
                reason: RevocationReason::from_code(reason),
                block,
                at: from_secs(at)?,
            })
        })
        .transpose()
    }

    fn read_first_revocation(
        &self,
        issuer: &DidKey,
        hashes: &[NodeHash],
    ) -> Result<Option<(usize, RevocationRecord)>, MirrorError> {
        let key = issuer.registry_key();
        for (chunk_index, chunk) in hashes.chunks(IN_CHUNK).enumerate() {
            let Some(last) = chunk.last() else { continue };
            let (sql, slots) = in_query(chunk.len());
            let mut st = self.conn.prepare_cached(sql)?;
            // Unused slots repeat the last hash, so a handful of statements serve every length.
            let bound = std::iter::once(&key[..])
                .chain((0..slots).map(|i| &chunk.get(i).unwrap_or(last).as_bytes()[..]));
            let mut rows = st.query(rusqlite::params_from_iter(bound))?;
            let mut first: Option<(usize, u8, u64, i64)> = None;
            while let Some(r) = rows.next()? {
                let hash: [u8; 32] = r.get(0)?;
                let Some(position) = chunk.iter().position(|h| h.0 == hash) else {
                    continue;
                };
                if first.is_none_or(|f| position < f.0) {
                    first = Some((position, r.get(1)?, r.get(2)?, r.get(3)?));
                }
            }
            if let Some((position, reason, block, at)) = first {
                return Ok(Some((
                    chunk_index * IN_CHUNK + position,
                    RevocationRecord {
                        hash: chunk[position],
                        issuer: *issuer,
                        reason: RevocationReason::from_code(reason),
                        block,
                        at: from_secs(at)?,
                    },
                )));
            }
        }
        Ok(None)
    }
}

impl ChainState for Mirror {
    fn view(&self) -> Result<ChainView, ChainError> {
        self.read_view().map_err(unavailable)?.ok_or_else(|| {
            ChainError::Unavailable(
                "the registry mirror has not synced yet; connect to a node once to fill it".into(),
            )
        })
    }

    fn issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, ChainError> {
        self.read_issuer(did).map_err(unavailable)
    }

    fn anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ChainError> {
        self.read_anchor(root)
    }

    fn revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, ChainError> {
        self.read_revocation(issuer, hash).map_err(unavailable)
    }

    fn first_revocation(
        &self,
        issuer: &DidKey,
        hashes: &[NodeHash],
    ) -> Result<Option<(usize, RevocationRecord)>, ChainError> {
        self.read_first_revocation(issuer, hashes)
            .map_err(unavailable)
    }
}

impl Mirror {
    /// A read snapshot for one verification: every answer through it comes from the same
    /// committed state, even while a follower on another connection commits pages (as online,
    /// where one verification reads one pinned block). Ends when dropped.
    pub fn snapshot(&self) -> Result<Snapshot<'_>, MirrorError> {
        let tx = self.conn.unchecked_transaction()?;
        // A deferred transaction takes its read snapshot at its first read: take it now.
        tx.query_row("SELECT 1 FROM meta WHERE id = 1", [], |_| Ok(()))
            .optional()?;
        Ok(Snapshot {
            mirror: self,
            _tx: tx,
        })
    }
}

/// The mirror as of one moment; see [`Mirror::snapshot`].
pub struct Snapshot<'m> {
    mirror: &'m Mirror,
    _tx: rusqlite::Transaction<'m>,
}

impl fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("mirror", self.mirror)
            .finish()
    }
}

impl Snapshot<'_> {
    /// The verifier station registered with this key, as of the snapshot; see
    /// [`Mirror::station`].
    pub fn station(&self, key: &[u8; 32]) -> Result<Option<StationRecord>, ChainError> {
        self.mirror.station(key)
    }
}

impl ChainState for Snapshot<'_> {
    fn view(&self) -> Result<ChainView, ChainError> {
        self.mirror.view()
    }

    fn issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, ChainError> {
        self.mirror.issuer(did)
    }

    fn anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ChainError> {
        self.mirror.anchor(root)
    }

    fn revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, ChainError> {
        self.mirror.revocation(issuer, hash)
    }

    fn first_revocation(
        &self,
        issuer: &DidKey,
        hashes: &[NodeHash],
    ) -> Result<Option<(usize, RevocationRecord)>, ChainError> {
        self.mirror.first_revocation(issuer, hashes)
    }
}

/// A mirror that cannot be read means *could not check*, never *invalid*; nor does a
/// registration the mirror holds but refuses (the chain's record is inconsistent).
fn unavailable(e: MirrorError) -> ChainError {
    match e {
        MirrorError::RefusedIssuer(refused) => ChainError::Inconsistent(refused.to_string()),
        e => ChainError::Unavailable(format!("could not read the registry mirror: {e}")),
    }
}

/// The revocation query for up to [`IN_CHUNK`] hashes, and how many hash slots it has.
fn in_query(len: usize) -> (&'static str, usize) {
    static QUERIES: OnceLock<Vec<(String, usize)>> = OnceLock::new();
    let queries = QUERIES.get_or_init(|| {
        let mut slots = 4;
        let mut out = Vec::new();
        while slots <= IN_CHUNK {
            let marks: Vec<String> = (0..slots).map(|i| format!("?{}", i + 2)).collect();
            out.push((
                format!(
                    "SELECT hash, reason, block, at FROM revocations
                     WHERE issuer = ?1 AND hash IN ({})",
                    marks.join(", ")
                ),
                slots,
            ));
            slots *= 2;
        }
        out
    });
    let (sql, slots) = queries
        .iter()
        .find(|(_, slots)| *slots >= len)
        .or(queries.last())
        .map(|(sql, slots)| (sql.as_str(), *slots))
        .unwrap_or(("", 0));
    (sql, slots)
}

fn note_block(
    blocks: &mut BTreeMap<u64, ([u8; 32], Option<i64>)>,
    number: u64,
    hash: [u8; 32],
    time: Option<i64>,
) -> Result<(), MirrorError> {
    match blocks.entry(number) {
        Entry::Vacant(v) => {
            v.insert((hash, time));
        }
        Entry::Occupied(mut o) => {
            let (known, known_time) = o.get_mut();
            if *known != hash {
                return Err(mismatch(number, known, &hash));
            }
            if time.is_some() {
                *known_time = time;
            }
        }
    }
    Ok(())
}

fn mismatch(block: u64, stored: &[u8; 32], found: &[u8; 32]) -> MirrorError {
    MirrorError::BlockHashMismatch {
        block,
        stored: hex::encode(stored),
        found: hex::encode(found),
    }
}

/// The block time an event carries, if it carries one.
fn event_time(event: &RegistryEvent) -> Option<i64> {
    match event {
        RegistryEvent::IssuerStatusChanged { at, .. }
        | RegistryEvent::RootAnchored { at, .. }
        | RegistryEvent::Revoked { at, .. }
        | RegistryEvent::StationStatusChanged { at, .. }
        | RegistryEvent::LogDigestAnchored { at, .. }
        | RegistryEvent::CheckpointAnchored { at, .. } => Some(at.timestamp()),
        RegistryEvent::AdminChanged { .. }
        | RegistryEvent::IssuerRegistered { .. }
        | RegistryEvent::StationRegistered { .. } => None,
    }
}

/// Records one event; 0 if it was already recorded.
fn insert_event(tx: &Connection, e: &LoggedEvent) -> Result<usize, MirrorError> {
    let (block, log) = (e.block, e.log_index);
    let n = match &e.event {
        RegistryEvent::AdminChanged { account, admin } => tx
            .prepare_cached(
                "INSERT OR IGNORE INTO admin_changes (block, log_index, account, admin)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![block, log, &account[..], admin])?,
        // Recorded as the chain has it, checked when read: a forged registration would
        // otherwise stop every sync at its block, for good.
        RegistryEvent::IssuerRegistered {
            issuer,
            account,
            name,
            credential_types,
        } => tx
            .prepare_cached(
                "INSERT OR IGNORE INTO issuers
                 (key, account, name, credential_types, block, log_index, profile, public_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                &issuer.key[..],
                &account[..],
                name,
                serde_json::Value::from(credential_types.clone()).to_string(),
                block,
                log,
                issuer.profile,
                &issuer.public_key[..]
            ])?,
        RegistryEvent::IssuerStatusChanged { issuer, status, at } => tx
            .prepare_cached(
                "INSERT OR IGNORE INTO issuer_status (block, log_index, issuer, status, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                block,
                log,
                &issuer[..],
                status_code(*status),
                at.timestamp()
            ])?,
        RegistryEvent::RootAnchored { root, issuer, at } => tx
            .prepare_cached(
                "INSERT OR IGNORE INTO anchors (root, issuer, block, log_index, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                &root.as_bytes()[..],
                &issuer[..],
                block,
                log,
                at.timestamp()
            ])?,
        RegistryEvent::Revoked {
            hash,
            issuer,
            reason,
            at,
        } => tx
            .prepare_cached(
                "INSERT OR IGNORE INTO revocations (issuer, hash, reason, block, log_index, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                &issuer[..],
                &hash.as_bytes()[..],
                reason.code(),
                block,
                log,
                at.timestamp()
            ])?,
        RegistryEvent::StationRegistered {
            station,
            account,
            name,
        } => tx
            .prepare_cached(
                "INSERT OR IGNORE INTO stations (key, account, name, block, log_index)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![&station[..], &account[..], name, block, log])?,
        RegistryEvent::StationStatusChanged {
            station,
            status,
            at,
        } => tx
            .prepare_cached(
                "INSERT OR IGNORE INTO station_status (block, log_index, station, status, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                block,
                log,
                &station[..],
                status_code(*status),
                at.timestamp()
            ])?,
        // Not mirrored: a hall's log digests are checked online by `log verify` (which needs
        // the chain's answer, not a copy the hall itself keeps), and verifying a credential
        // never asks about them. The event's block is still recorded with the page.
        // Nor are log checkpoints, for the same reason: `log verify` compares a log with the
        // newest one read from the chain, proved, and the registry keeps that one in state.
        RegistryEvent::LogDigestAnchored { .. } | RegistryEvent::CheckpointAnchored { .. } => 0,
    };
    Ok(n)
}

/// The registry's status codes.
fn status_code(status: IssuerStatus) -> i64 {
    match status {
        IssuerStatus::Active => 1,
        IssuerStatus::Suspended => 2,
        IssuerStatus::Retired => 3,
    }
}

fn status_from_code(code: i64) -> Result<IssuerStatus, MirrorError> {
    match code {
        1 => Ok(IssuerStatus::Active),
        2 => Ok(IssuerStatus::Suspended),
        3 => Ok(IssuerStatus::Retired),
        other => Err(MirrorError::Corrupt(format!("issuer status code {other}"))),
    }
}

/// The event head recorded in `meta`: zero for an empty mirror, `None` when a cursor has none
/// (a file synced before heads were kept).
fn stored_head(conn: &Connection, empty: bool) -> Result<Option<EventHead>, MirrorError> {
    let (head, count, block): (Option<[u8; 32]>, Option<u64>, Option<u64>) = conn
        .prepare_cached("SELECT event_head, event_count, event_block FROM meta WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(match (head, count, block) {
        (Some(head), Some(count), Some(block)) => Some(EventHead { head, count, block }),
        _ if empty => Some(EventHead::default()),
        _ => None,
    })
}

fn read_chain_hash(conn: &Connection) -> Result<ChainHash, MirrorError> {
    let name: String = conn
        .prepare_cached("SELECT chain_hash FROM meta WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    ChainHash::from_name(&name).map_err(|e| MirrorError::Corrupt(e.to_string()))
}

fn from_secs(secs: i64) -> Result<DateTime<Utc>, MirrorError> {
    DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| MirrorError::Corrupt(format!("block time {secs}")))
}
