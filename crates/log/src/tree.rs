//! The log as a Merkle tree (RFC 9162, the tree Certificate Transparency uses): every entry,
//! audit record and closed day is a leaf, in the order they were written, and the tree head is
//! signed by the hall key as a checkpoint (C2SP `tlog-checkpoint`, a signed note).
//!
//! The hash chains of entries and audit records say whether a row was changed *unless* the
//! whole chain after it was recomputed, which anyone who can write the file can do. A signed
//! checkpoint cannot be recomputed without the hall key, and one anchored on the registry
//! cannot be removed at all: a rebuilt log no longer has the anchored root at the anchored
//! size, a log rolled back to an older copy or cut short no longer reaches it. Between two
//! checkpoints a consistency proof shows the later extends the earlier; an inclusion proof
//! shows an entry is in a checkpoint (a receipt's entry).
//!
//! Leaf `i` is `leaf_hash(kind ‖ ref ‖ row hash)`: kind 0 an entry (ref its seq), 1 an audit
//! record (ref its seq), 2 a day digest (ref the day as YYYYMMDD), ref as 8 bytes big-endian,
//! the row hash as stored (its chain hash, or the day's digest). Every perfect subtree's hash is
//! kept as it completes, so a root or a proof at any size is O(log n) lookups.
//!
//! The tree is hashed with the log's hash (SHA-256, or SM3 under the national profile). A
//! checkpoint's text has no field for the hash, so the origin names it: a SHA-256 log's
//! checkpoints are `countersign/hall/<hall>` as they always were, an SM3 log's
//! `countersign/sm3/hall/<hall>` ([`origin_for`]). The origin is the log's identity and the
//! signing key's name, so the hash is signed, in the key id, and seen by any witness.

use crate::{to_hash, Log, LogError};
use chrono::{DateTime, Utc};
use countersign_crypto::{HashAlg, Policy, PublicKey, SigAlg};
use countersign_tlog::note::{Checkpoint, NoteError, NoteSigner, NoteVerifier};
use countersign_tlog::{CompactTree, Hash, TreeHashes};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// What a leaf stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LeafKind {
    /// A verification (ref: its seq).
    Entry,
    /// An audit record (ref: its seq).
    Audit,
    /// A closed day's digest (ref: the day as YYYYMMDD).
    Day,
}

impl LeafKind {
    fn code(self) -> i64 {
        match self {
            Self::Entry => 0,
            Self::Audit => 1,
            Self::Day => 2,
        }
    }

    fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(Self::Entry),
            1 => Some(Self::Audit),
            2 => Some(Self::Day),
            _ => None,
        }
    }

    /// The stable name (`entry`, `audit`, `day`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entry => "entry",
            Self::Audit => "audit",
            Self::Day => "day",
        }
    }
}

/// The leaf hash of a row in a log hashed with `alg`:
/// `leaf_hash(kind ‖ ref (8 bytes, big-endian) ‖ row hash)`.
pub fn leaf_of(alg: HashAlg, kind: LeafKind, reference: u64, row_hash: &[u8; 32]) -> Hash {
    let mut data = [0u8; 41];
    data[0] = kind.code() as u8;
    data[1..9].copy_from_slice(&reference.to_be_bytes());
    data[9..].copy_from_slice(row_hash);
    countersign_tlog::leaf_hash(alg, &data)
}

/// A checkpoint the log signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Leaves in the tree.
    pub size: u64,
    /// Their tree hash.
    pub root: Hash,
    /// When it was signed (the hall's clock).
    pub at: DateTime<Utc>,
    /// The signed note (C2SP checkpoint text and the hall key's signature line).
    pub note: String,
    /// The registry transaction that anchored it, and its block, if it was.
    pub anchored: Option<(String, u64)>,
}

/// An entry's place in a checkpoint: the inclusion proof a receipt check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProof {
    /// The entry.
    pub seq: u64,
    /// Its leaf's index in the tree.
    pub index: u64,
    /// Its leaf hash.
    pub leaf: Hash,
    /// The tree size of the checkpoint it is proved against.
    pub size: u64,
    /// The RFC 9162 inclusion proof.
    pub proof: Vec<Hash>,
}

/// Something wrong with the tree or its checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeFinding {
    /// A leaf stands for a row the log no longer has: the row was deleted.
    Missing {
        /// The leaf.
        index: u64,
        /// What it stood for.
        kind: LeafKind,
        /// Which one.
        reference: u64,
    },
    /// A row the tree has no leaf for: it was put in the file by hand.
    Unlisted {
        /// What kind of row.
        kind: LeafKind,
        /// Which one.
        reference: u64,
    },
    /// Leaves `from..to` are gone from the tree itself.
    Gap {
        /// The first missing leaf.
        from: u64,
        /// The first leaf after the gap.
        to: u64,
    },
    /// A signed checkpoint's root is not the tree's root at its size: leaves after the last
    /// checkpoint that still matches (`since`) were changed, removed or added.
    Rewritten {
        /// The checkpoint's size.
        size: u64,
        /// The last checkpoint before it that still matches (0: none).
        since: u64,
    },
    /// A checkpoint covers more leaves than the tree has: its tail was cut.
    Beyond {
        /// The checkpoint's size.
        size: u64,
        /// Leaves the tree has.
        leaves: u64,
    },
}

impl fmt::Display for TreeFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing {
                index,
                kind,
                reference,
            } => write!(
                f,
                "leaf {index} stands for {} {reference}, which the log no longer has (deleted)",
                kind.as_str()
            ),
            Self::Unlisted { kind, reference } => write!(
                f,
                "{} {reference} is in no checkpointed tree: it was added outside the log",
                kind.as_str()
            ),
            Self::Gap { from, to } => write!(f, "leaves {from} to {} were removed", to - 1),
            Self::Rewritten { size, since } => write!(
                f,
                "the signed checkpoint of {size} leaves no longer matches: the log was rewritten after leaf {since}"
            ),
            Self::Beyond { size, leaves } => write!(
                f,
                "the signed checkpoint of {size} leaves is beyond the {leaves} the log has: its newest part was removed"
            ),
        }
    }
}

/// The tree's part of an integrity check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeIntegrity {
    /// Leaves in the tree.
    pub leaves: u64,
    /// The tree's root, recomputed from the rows.
    pub root: Hash,
    /// The newest checkpoint the file holds, if any.
    pub newest_checkpoint: Option<u64>,
    /// The recomputed root at each size asked for and each checkpoint's size (up to `leaves`).
    pub roots: BTreeMap<u64, Hash>,
    /// What was found, in tree order.
    pub findings: Vec<TreeFinding>,
}

impl TreeIntegrity {
    /// Whether the tree matches the rows and every checkpoint.
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// What a checkpoint's signature check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointProblem {
    /// No trusted hall key signed it.
    BadSignature,
    /// The signed note says another size or root than the row, or names another hash than
    /// the log's.
    Altered,
    /// Signed by a trusted hall key whose algorithm the hall's policy does not accept: the
    /// signature was not checked.
    NotAllowed(SigAlg),
}

/// The hashes of the file's tree, for proofs.
pub(crate) struct Stored<'c> {
    conn: &'c Connection,
    alg: HashAlg,
}

impl<'c> Stored<'c> {
    /// The tree of the log on `conn`, hashed with `alg`.
    pub(crate) fn new(conn: &'c Connection, alg: HashAlg) -> Self {
        Self { conn, alg }
    }

    fn perfect(&self, level: u32, index: u64) -> Result<Hash, LogError> {
        let found: Option<Vec<u8>> = if level == 0 {
            self.conn
                .prepare_cached("SELECT hash FROM tlog_leaves WHERE idx = ?1")?
                .query_row([index], |r| r.get(0))
                .optional()?
        } else {
            self.conn
                .prepare_cached("SELECT hash FROM tlog_nodes WHERE level = ?1 AND idx = ?2")?
                .query_row(params![level, index], |r| r.get(0))
                .optional()?
        };
        let bytes = found.ok_or_else(|| {
            LogError::Corrupt(format!("tree node {index} at level {level} is missing"))
        })?;
        to_hash(&bytes)
    }

    /// Leaves in the tree.
    pub(crate) fn size(&self) -> Result<u64, LogError> {
        let last: Option<u64> = self
            .conn
            .prepare_cached("SELECT max(idx) FROM tlog_leaves")?
            .query_row([], |r| r.get(0))?;
        Ok(last.map_or(0, |l| l + 1))
    }

    /// The tree so far, from its perfect subtrees, to append to.
    pub(crate) fn compact(&self) -> Result<CompactTree, LogError> {
        let size = self.size()?;
        let mut peaks = HashMap::new();
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            if size & (1u64 << level) != 0 {
                peaks.insert(
                    (level, start >> level),
                    self.perfect(level, start >> level)?,
                );
                start += 1u64 << level;
            }
        }
        Ok(CompactTree::from_peaks(self.alg, size, |level, index| {
            peaks.get(&(level, index)).copied().unwrap_or_default()
        }))
    }

    /// Appends a leaf for a row, storing every subtree it completes.
    pub(crate) fn append(
        &self,
        tree: &mut CompactTree,
        kind: LeafKind,
        reference: u64,
        row_hash: &[u8; 32],
    ) -> Result<(), LogError> {
        let leaf = leaf_of(self.alg, kind, reference, row_hash);
        for (level, index, hash) in tree.push_completing(leaf) {
            if level == 0 {
                self.conn
                    .prepare_cached(
                        "INSERT INTO tlog_leaves (idx, kind, ref, hash) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![index, kind.code(), reference, hash.to_vec()])?;
            } else {
                self.conn
                    .prepare_cached(
                        "INSERT INTO tlog_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![level, index, hash.to_vec()])?;
            }
        }
        Ok(())
    }
}

impl TreeHashes for Stored<'_> {
    type Error = LogError;
    fn span(&self, start: u64, end: u64) -> Result<Hash, LogError> {
        countersign_tlog::span_from_perfect(self.alg, start, end, &mut |level, index| {
            self.perfect(level, index)
        })
    }
}

/// Lists every row of an older file as a leaf: entries, then audit records, then closed days
/// (the order they were written in is not known across tables; within each it is). A file
/// older than the tree is a SHA-256 file (a new one has no rows yet).
pub(crate) fn fill(conn: &Connection, _: HashAlg) -> Result<(), LogError> {
    let stored = Stored::new(conn, HashAlg::Sha256);
    let mut tree = stored.compact()?;
    let mut rows: Vec<(LeafKind, u64, Vec<u8>)> = Vec::new();
    for (kind, sql) in [
        (
            LeafKind::Entry,
            "SELECT seq, hash FROM entries ORDER BY seq",
        ),
        (LeafKind::Audit, "SELECT seq, hash FROM audit ORDER BY seq"),
    ] {
        let mut st = conn.prepare(sql)?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            rows.push((kind, r.get(0)?, r.get(1)?));
        }
        for (kind, reference, hash) in rows.drain(..) {
            stored.append(&mut tree, kind, reference, &to_hash(&hash)?)?;
        }
    }
    let mut st = conn.prepare("SELECT day, digest FROM digests ORDER BY day")?;
    let mut q = st.query([])?;
    while let Some(r) = q.next()? {
        let day: String = r.get(0)?;
        rows.push((LeafKind::Day, day_ref(&day)?, r.get(1)?));
    }
    for (kind, reference, hash) in rows {
        stored.append(&mut tree, kind, reference, &to_hash(&hash)?)?;
    }
    Ok(())
}

/// A day `YYYY-MM-DD` as the number YYYYMMDD.
pub(crate) fn day_ref(day: &str) -> Result<u64, LogError> {
    day.replace('-', "")
        .parse()
        .map_err(|_| LogError::Corrupt(format!("digest day {day:?}")))
}

/// The rows' leaves as recomputed by an integrity check, to be matched with the tree.
pub(crate) struct Recomputed {
    alg: HashAlg,
    pub(crate) rows: HashMap<(LeafKind, u64), Hash>,
}

impl Recomputed {
    pub(crate) fn new(alg: HashAlg) -> Self {
        Self {
            alg,
            rows: HashMap::new(),
        }
    }

    pub(crate) fn add(&mut self, kind: LeafKind, reference: u64, row_hash: &[u8; 32]) {
        self.rows.insert(
            (kind, reference),
            leaf_of(self.alg, kind, reference, row_hash),
        );
    }
}

/// Walks the tree's leaves in order against the rows, computes the root at each checkpoint's
/// size and at `sizes`, and compares.
pub(crate) fn check(
    conn: &Connection,
    alg: HashAlg,
    mut rows: Recomputed,
    sizes: &[u64],
) -> Result<TreeIntegrity, LogError> {
    let checkpoints: Vec<(u64, Hash)> = {
        let mut st = conn.prepare("SELECT size, root FROM checkpoints ORDER BY size")?;
        let mut q = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = q.next()? {
            out.push((r.get(0)?, to_hash(&r.get::<_, Vec<u8>>(1)?)?));
        }
        out
    };
    let wanted: BTreeSet<u64> = checkpoints
        .iter()
        .map(|c| c.0)
        .chain(sizes.iter().copied())
        .collect();
    let mut findings = Vec::new();
    let mut roots = BTreeMap::new();
    let mut tree = CompactTree::new(alg);
    let mut st = conn.prepare("SELECT idx, kind, ref, hash FROM tlog_leaves ORDER BY idx")?;
    let mut q = st.query([])?;
    while let Some(r) = q.next()? {
        let index: u64 = r.get(0)?;
        if index != tree.size() {
            findings.push(TreeFinding::Gap {
                from: tree.size(),
                to: index,
            });
            // Nothing after a gap can match a checkpoint; stop here and let the checkpoints
            // say which were lost.
            break;
        }
        let kind = LeafKind::from_code(r.get(1)?)
            .ok_or_else(|| LogError::Corrupt(format!("leaf {index} has an unknown kind")))?;
        let reference: u64 = r.get(2)?;
        let leaf = match rows.rows.remove(&(kind, reference)) {
            Some(leaf) => leaf,
            None => {
                findings.push(TreeFinding::Missing {
                    index,
                    kind,
                    reference,
                });
                // The stored leaf stands in, so the checkpoints still say whether anything
                // else changed.
                to_hash(&r.get::<_, Vec<u8>>(3)?)?
            }
        };
        tree.push(leaf);
        if wanted.contains(&tree.size()) {
            roots.insert(tree.size(), tree.root());
        }
    }
    let mut unlisted: Vec<(LeafKind, u64)> = rows.rows.into_keys().collect();
    unlisted.sort();
    findings.extend(
        unlisted
            .into_iter()
            .map(|(kind, reference)| TreeFinding::Unlisted { kind, reference }),
    );
    let leaves = tree.size();
    let mut since = 0;
    for (size, root) in &checkpoints {
        match roots.get(size) {
            None => findings.push(TreeFinding::Beyond {
                size: *size,
                leaves,
            }),
            Some(r) if r != root => findings.push(TreeFinding::Rewritten { size: *size, since }),
            Some(_) => since = *size,
        }
    }
    Ok(TreeIntegrity {
        leaves,
        root: tree.root(),
        newest_checkpoint: checkpoints.last().map(|c| c.0),
        roots,
        findings,
    })
}

impl Log {
    /// Leaves in the log's tree (entries, audit records and closed days).
    pub fn tree_size(&self) -> Result<u64, LogError> {
        if self.version < 4 {
            return Ok(0);
        }
        Stored::new(&self.conn, self.hash).size()
    }

    /// The tree's root at `size` leaves, from the stored subtrees.
    pub fn tree_root(&self, size: u64) -> Result<Hash, LogError> {
        if size == 0 {
            return Ok(countersign_tlog::empty_root(self.hash));
        }
        Stored::new(&self.conn, self.hash).span(0, size)
    }

    /// Signs the tree as it stands with `signer` (the hall key, named after the hall's log:
    /// [`Log::origin`]) at `at`, unless the newest checkpoint already has this size. Returns
    /// the new checkpoint. A signer whose name (the checkpoint's origin) names another hash
    /// than the log's is refused: its checkpoint would misstate how the root was made.
    pub fn checkpoint(
        &mut self,
        signer: &NoteSigner,
        at: DateTime<Utc>,
    ) -> Result<Option<StoredCheckpoint>, LogError> {
        let alg = self.hash;
        if origin_hash(signer.name()) != alg {
            let hall = hall_of_origin(signer.name()).unwrap_or(signer.name());
            return Err(LogError::WrongOrigin {
                origin: signer.name().to_owned(),
                hash: alg,
                expected: origin_for(hall, alg),
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored = Stored::new(&tx, alg);
        let size = stored.size()?;
        let newest: Option<u64> =
            tx.query_row("SELECT max(size) FROM checkpoints", [], |r| r.get(0))?;
        if size == 0 || newest.is_some_and(|n| n >= size) {
            return Ok(None);
        }
        let root = stored.span(0, size)?;
        let note = Checkpoint {
            origin: signer.name().to_owned(),
            size,
            root,
        }
        .sign(signer)
        .map_err(|e| LogError::Corrupt(format!("signing the checkpoint: {e}")))?;
        tx.execute(
            "INSERT INTO checkpoints (size, root, at_ms, note) VALUES (?1, ?2, ?3, ?4)",
            params![size, root.to_vec(), at.timestamp_millis(), note],
        )?;
        tx.commit()?;
        Ok(Some(StoredCheckpoint {
            size,
            root,
            at,
            note,
            anchored: None,
        }))
    }

    /// Every checkpoint, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, LogError> {
        self.read_checkpoints("ORDER BY size")
    }

    /// The newest checkpoint, if any.
    pub fn newest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, LogError> {
        Ok(self.read_checkpoints("ORDER BY size DESC LIMIT 1")?.pop())
    }

    fn read_checkpoints(&self, tail: &str) -> Result<Vec<StoredCheckpoint>, LogError> {
        self.read_checkpoints_where(tail, ())
    }

    fn read_checkpoints_where(
        &self,
        tail: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<StoredCheckpoint>, LogError> {
        if self.version < 4 {
            return Ok(Vec::new());
        }
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT size, root, at_ms, note, anchor_tx, anchor_block FROM checkpoints {tail}"
        ))?;
        let mut q = st.query(params)?;
        let mut out = Vec::new();
        while let Some(r) = q.next()? {
            let tx: Option<String> = r.get(4)?;
            let block: Option<u64> = r.get(5)?;
            out.push(StoredCheckpoint {
                size: r.get(0)?,
                root: to_hash(&r.get::<_, Vec<u8>>(1)?)?,
                at: DateTime::from_timestamp_millis(r.get(2)?)
                    .ok_or_else(|| LogError::Corrupt("checkpoint time".into()))?,
                note: r.get(3)?,
                anchored: tx.zip(block),
            });
        }
        Ok(out)
    }

    /// Records that the checkpoint of `size` was anchored on the registry.
    pub fn set_checkpoint_anchored(
        &mut self,
        size: u64,
        tx_hash: &str,
        block: u64,
    ) -> Result<(), LogError> {
        self.conn.execute(
            "UPDATE checkpoints SET anchor_tx = ?2, anchor_block = ?3 WHERE size = ?1",
            params![size, tx_hash, block],
        )?;
        Ok(())
    }

    /// The inclusion proof of entry `seq` in the tree of `size` leaves; `None` when the entry
    /// has no leaf or stands beyond `size`.
    pub fn entry_proof(&self, seq: u64, size: u64) -> Result<Option<EntryProof>, LogError> {
        if self.version < 4 {
            return Ok(None);
        }
        let found: Option<(u64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT idx, hash FROM tlog_leaves WHERE kind = 0 AND ref = ?1")?
            .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((index, leaf)) = found.filter(|(index, _)| *index < size) else {
            return Ok(None);
        };
        let stored = Stored::new(&self.conn, self.hash);
        let proof = countersign_tlog::inclusion_proof_in(&stored, size, index)?;
        Ok(Some(EntryProof {
            seq,
            index,
            leaf: to_hash(&leaf)?,
            size,
            proof,
        }))
    }

    /// The index of entry `seq`'s leaf in the tree; `None` when it has none (a file older than
    /// the tree, or a row put in the file by hand).
    pub fn entry_leaf_index(&self, seq: u64) -> Result<Option<u64>, LogError> {
        if self.version < 4 {
            return Ok(None);
        }
        Ok(self
            .conn
            .prepare_cached("SELECT idx FROM tlog_leaves WHERE kind = 0 AND ref = ?1")?
            .query_row([seq], |r| r.get(0))
            .optional()?)
    }

    /// The oldest checkpoint covering leaf `index` (its size is above the index) that was
    /// anchored on the registry; unless `anchored_only`, the oldest covering one when none
    /// covering it is anchored. The oldest is asked for because an entry is proved where it
    /// was first signed, and an anchored one because the registry vouches for its root.
    pub fn checkpoint_covering(
        &self,
        index: u64,
        anchored_only: bool,
    ) -> Result<Option<StoredCheckpoint>, LogError> {
        let tail = if anchored_only {
            "WHERE size > ?1 AND anchor_block IS NOT NULL ORDER BY size LIMIT 1"
        } else {
            // Anchored first (false sorts before true), then the smallest.
            "WHERE size > ?1 ORDER BY anchor_block IS NULL, size LIMIT 1"
        };
        Ok(self.read_checkpoints_where(tail, [index])?.pop())
    }

    /// The consistency proof from the tree of `size1` leaves to that of `size2`.
    pub fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Hash>, LogError> {
        let stored = Stored::new(&self.conn, self.hash);
        countersign_tlog::consistency_proof_in(&stored, size1, size2)
    }

    /// Checks each checkpoint's signature against the hall keys trusted, under the hall's
    /// algorithm `policy`: a checkpoint no trusted key signed was not made by the hall; one
    /// signed with an algorithm the policy refuses is named as such, its signature unchecked.
    pub fn verify_checkpoints(
        &self,
        trusted: &[PublicKey],
        policy: &Policy,
    ) -> Result<Vec<(u64, CheckpointProblem)>, LogError> {
        let mut problems = Vec::new();
        for c in self.checkpoints()? {
            match open_checkpoint(&c.note, trusted, policy) {
                Err(NoteError::NotAllowed { alg, .. }) => {
                    problems.push((c.size, CheckpointProblem::NotAllowed(alg)))
                }
                Err(_) => problems.push((c.size, CheckpointProblem::BadSignature)),
                Ok(signed)
                    if signed.size != c.size
                        || signed.root != c.root
                        || origin_hash(&signed.origin) != self.hash =>
                {
                    problems.push((c.size, CheckpointProblem::Altered))
                }
                Ok(_) => {}
            }
        }
        Ok(problems)
    }
}

/// The checkpoint in a signed note, when one of the `trusted` keys signed it under the note's
/// own origin with an algorithm `policy` accepts. When none did, the most telling refusal: a
/// trusted key's algorithm the policy does not accept, then a signature that does not verify,
/// then no signature by any trusted key.
pub fn open_checkpoint(
    note: &str,
    trusted: &[PublicKey],
    policy: &Policy,
) -> Result<Checkpoint, NoteError> {
    let origin = note
        .lines()
        .next()
        .ok_or_else(|| NoteError::Malformed("empty".into()))?;
    let rank = |e: &NoteError| match e {
        NoteError::NotAllowed { .. } => 3,
        NoteError::BadSignature(_) => 2,
        NoteError::NotSigned(_) => 0,
        _ => 1,
    };
    let mut refused = NoteError::NotSigned(format!("{origin} (no trusted hall key)"));
    for key in trusted {
        let opened =
            NoteVerifier::new(origin, *key).and_then(|v| Checkpoint::open(note, &v, policy));
        match opened {
            Ok(checkpoint) => return Ok(checkpoint),
            Err(e) if rank(&e) > rank(&refused) => refused = e,
            Err(_) => {}
        }
    }
    Err(refused)
}

const ORIGIN_PREFIX: &str = "countersign/";

/// The name a hall's log signs its checkpoints as, and their origin line: for a SHA-256 log
/// `countersign/hall/<hall>` (as every log was before the national profile), for a log hashed
/// otherwise `countersign/<hash>/hall/<hall>` (`countersign/sm3/hall/BJ-CY-01`). The hash
/// comes before the hall, so no hall id can make one origin read as another's.
pub fn origin_for(hall: &str, hash: HashAlg) -> String {
    let clean: String = hall
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == '+' || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    match hash {
        HashAlg::Sha256 => format!("{ORIGIN_PREFIX}hall/{clean}"),
        other => format!("{ORIGIN_PREFIX}{}/hall/{clean}", other.name()),
    }
}

/// The hash a checkpoint's origin names ([`origin_for`]): SHA-256 unless it is
/// `countersign/<hash>/hall/…` for another hash.
pub fn origin_hash(origin: &str) -> HashAlg {
    origin
        .strip_prefix(ORIGIN_PREFIX)
        .and_then(|rest| rest.split_once("/hall/"))
        .and_then(|(name, _)| HashAlg::from_name(name).ok())
        .unwrap_or(HashAlg::Sha256)
}

/// The (cleaned) hall id in an origin [`origin_for`] made.
fn hall_of_origin(origin: &str) -> Option<&str> {
    let rest = origin.strip_prefix(ORIGIN_PREFIX)?;
    match rest.strip_prefix("hall/") {
        Some(hall) => Some(hall),
        None => rest.split_once("/hall/").map(|(_, hall)| hall),
    }
}
