//! The audit trail: what was done with the log on the supervisor's side (exports, integrity
//! checks, revealing a summary, receipts printed and printed again, searches), one record per
//! action, in the log's own file and chained by hash like the entries, so that a record cannot
//! be edited, deleted, inserted or moved without [`Log::verify`] naming it
//! (docs/PROTOCOL.md, section 8, "Audit trail").
//!
//! It records what it is told: who did it and in which role, the action (a short stable name
//! such as `export.csv` or `receipt.reprint`) and a detail. It never reads the clock.

use crate::chain::{EntryFinding, FindingKind, Walker};
use crate::tree::{LeafKind, Recomputed, Stored};
use crate::{to_hash, Log, LogError, GENESIS};
use chrono::{DateTime, Utc};
use countersign_crypto::HashAlg;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use std::fmt;

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the trail, from 1.
    pub seq: u64,
    /// When it was done.
    pub at: DateTime<Utc>,
    /// Who did it (a staff id).
    pub actor: String,
    /// In which role (`supervisor`, `clerk`, …).
    pub role: String,
    /// What was done: `export.csv`, `export.xlsx`, `export.pdf`, `integrity.run`, `reveal`,
    /// `receipt.print`, `receipt.reprint`, `search`, …
    pub action: String,
    /// On what: for `receipt.print` and `receipt.reprint`, the receipt id alone; otherwise
    /// free text (a day, a range, an entry number, a search).
    pub detail: String,
    /// The previous record's hash (32 zero bytes for the first).
    pub prev_hash: [u8; 32],
    /// This record's hash.
    pub hash: [u8; 32],
}

/// A change found in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFinding {
    /// The row number of the record concerned.
    pub seq: u64,
    /// What was done to it (never [`FindingKind::SummaryEdited`]: records have no summary).
    pub kind: FindingKind,
}

impl fmt::Display for AuditFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FindingKind::Deleted => {
                write!(f, "audit records before record {} were deleted", self.seq)
            }
            FindingKind::Inserted => write!(f, "audit record {} was inserted", self.seq),
            FindingKind::Reordered => {
                write!(f, "audit record {} was moved (reordered)", self.seq)
            }
            FindingKind::Edited | FindingKind::SummaryEdited => {
                write!(f, "audit record {} was edited", self.seq)
            }
        }
    }
}

/// The audit trail's part of an integrity check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditIntegrity {
    /// Records checked.
    pub records: u64,
    /// The last record's hash (32 zero bytes when there is none).
    pub head: [u8; 32],
    /// Changes found, in trail order; the first is the first record that was changed.
    pub findings: Vec<AuditFinding>,
}

impl AuditIntegrity {
    /// Whether the trail is intact.
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty()
    }
}

impl Log {
    /// Records that `actor`, in `role`, did `action` on `detail` at `at`; returns the record's
    /// row number. Durable when this returns `Ok` (the same WAL and `synchronous=FULL` as the
    /// entries); on `Err` nothing was recorded. For `receipt.print` and `receipt.reprint` the
    /// detail is the receipt id alone (the attention list counts reprints by it).
    pub fn audit(
        &mut self,
        actor: &str,
        role: &str,
        action: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, LogError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq = record(
            &tx,
            (self.version, self.hash),
            actor,
            role,
            action,
            detail,
            at,
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// The records made in `[from, to)`, newest first, at most `limit`. Empty in a file older
    /// than schema version 3 (opened read-only), which has no trail.
    pub fn audit_entries(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, LogError> {
        if self.version < 3 {
            return Ok(Vec::new());
        }
        let mut st = self.conn.prepare_cached(
            "SELECT seq, at_ms, actor, role, action, detail, prev_hash, hash FROM audit
             WHERE at_ms >= ?1 AND at_ms < ?2 ORDER BY seq DESC LIMIT ?3",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = st.query(params![
            from.timestamp_millis(),
            to.timestamp_millis(),
            limit
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(read_record(r)?);
        }
        Ok(out)
    }

    /// The audit records with `action` made in `[from, to)`, oldest first.
    pub(crate) fn audit_actions(
        &self,
        action: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AuditRecord>, LogError> {
        if self.version < 3 {
            return Ok(Vec::new());
        }
        let mut st = self.conn.prepare_cached(
            "SELECT seq, at_ms, actor, role, action, detail, prev_hash, hash FROM audit
             WHERE action = ?1 AND at_ms >= ?2 AND at_ms < ?3 ORDER BY seq",
        )?;
        let mut rows = st.query(params![
            action,
            from.timestamp_millis(),
            to.timestamp_millis()
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(read_record(r)?);
        }
        Ok(out)
    }

    /// Whether the audit trail records receipt `id` as printed (or reprinted) before: any
    /// further print of it is a copy, whichever front end or print queue printed it.
    pub fn printed_before(&self, id: &str) -> Result<bool, LogError> {
        if self.version < 3 {
            return Ok(false);
        }
        let found: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT seq FROM audit WHERE action IN ('receipt.print', 'receipt.reprint')
                 AND detail = ?1 LIMIT 1",
            )?
            .query_row(params![id], |r| r.get(0))
            .optional()?;
        Ok(found.is_some())
    }

    /// Walks the audit trail as [`Log::verify`] walks the entries.
    pub(crate) fn verify_audit(&self, leaves: &mut Recomputed) -> Result<AuditIntegrity, LogError> {
        if self.version < 3 {
            return Ok(AuditIntegrity::default());
        }
        let mut st = self.conn.prepare(
            "SELECT seq, at_ms, actor, role, action, detail, prev_hash, hash FROM audit
             ORDER BY seq",
        )?;
        let mut rows = st.query([])?;
        let mut walker = Walker::default();
        while let Some(r) = rows.next()? {
            let prev = to_hash(&r.get::<_, Vec<u8>>(6)?)?;
            let hash = to_hash(&r.get::<_, Vec<u8>>(7)?)?;
            let computed = audit_hash(
                self.hash,
                &prev,
                r.get(1)?,
                &r.get::<_, String>(2)?,
                &r.get::<_, String>(3)?,
                &r.get::<_, String>(4)?,
                &r.get::<_, String>(5)?,
            );
            let seq: u64 = r.get(0)?;
            leaves.add(LeafKind::Audit, seq, &hash);
            walker.push(seq, prev, hash, computed == hash, true);
        }
        let (records, head, findings) = walker.finish();
        Ok(AuditIntegrity {
            records,
            head,
            findings: findings
                .into_iter()
                .map(|EntryFinding { seq, kind }| AuditFinding { seq, kind })
                .collect(),
        })
    }
}

/// Appends a record inside the caller's transaction (an action and its record commit
/// together) to a log of schema `version` hashed with `alg`; returns its row number.
pub(crate) fn record(
    tx: &rusqlite::Connection,
    (version, alg): (i64, HashAlg),
    actor: &str,
    role: &str,
    action: &str,
    detail: &str,
    at: DateTime<Utc>,
) -> Result<u64, LogError> {
    let last: Option<(u64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, to_hash(&hash)?),
        None => (1, GENESIS),
    };
    let at_ms = at.timestamp_millis();
    let hash = audit_hash(alg, &prev_hash, at_ms, actor, role, action, detail);
    if version >= 4 {
        let stored = Stored::new(tx, alg);
        let mut tree = stored.compact()?;
        stored.append(&mut tree, LeafKind::Audit, seq, &hash)?;
    }
    tx.execute(
        "INSERT INTO audit (seq, at_ms, actor, role, action, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            seq,
            at_ms,
            actor,
            role,
            action,
            detail,
            prev_hash.to_vec(),
            hash.to_vec()
        ],
    )?;
    Ok(seq)
}

fn read_record(r: &rusqlite::Row<'_>) -> Result<AuditRecord, LogError> {
    Ok(AuditRecord {
        seq: r.get(0)?,
        at: DateTime::from_timestamp_millis(r.get(1)?)
            .ok_or_else(|| LogError::Corrupt("audit time".into()))?,
        actor: r.get(2)?,
        role: r.get(3)?,
        action: r.get(4)?,
        detail: r.get(5)?,
        prev_hash: to_hash(&r.get::<_, Vec<u8>>(6)?)?,
        hash: to_hash(&r.get::<_, Vec<u8>>(7)?)?,
    })
}

/// HASH(prev_hash ‖ JCS({"action", "actor", "at", "detail", "role"})), with the log's hash.
/// Like an entry's, the row number is not hashed: the order is the chain of links.
fn audit_hash(
    alg: HashAlg,
    prev: &[u8; 32],
    at_ms: i64,
    actor: &str,
    role: &str,
    action: &str,
    detail: &str,
) -> [u8; 32] {
    let preimage = audit_preimage(at_ms, actor, role, action, detail);
    alg.digest_parts(&[prev, preimage.as_bytes()])
}

/// The JCS form of a record's hashed fields, members in JCS order (all names ASCII).
fn audit_preimage(at_ms: i64, actor: &str, role: &str, action: &str, detail: &str) -> String {
    use countersign_jcs::{push_integer, push_string};
    let mut out = String::with_capacity(96 + actor.len() + action.len() + detail.len());
    out.push_str("{\"action\":");
    push_string(&mut out, action);
    out.push_str(",\"actor\":");
    push_string(&mut out, actor);
    out.push_str(",\"at\":");
    push_integer(&mut out, at_ms);
    out.push_str(",\"detail\":");
    push_string(&mut out, detail);
    out.push_str(",\"role\":");
    push_string(&mut out, role);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9 ._-]{0,12}",
            "[\\u{0}-\\u{1f}\"\\\\\u{7f}]{0,6}",
            "[张王刘*\\u{e000}\\u{1f600}\\u{2028}]{0,6}",
        ]
    }

    proptest! {
        #[test]
        fn preimage_is_jcs(
            at in -62_135_596_800_000i64..253_402_300_799_000,
            actor in text(), role in text(), action in text(), detail in text(),
        ) {
            let generic = countersign_jcs::canonicalize_to_string(&json!({
                "at": at, "actor": actor, "role": role, "action": action, "detail": detail,
            }))
            .expect("canonical");
            prop_assert_eq!(audit_preimage(at, &actor, &role, &action, &detail), generic);
        }
    }

    #[test]
    fn the_first_record_hash_is_pinned() {
        // A fixed vector for docs/PROTOCOL.md: a change to the preimage rules shows here.
        let preimage = audit_preimage(
            1_795_000_000_000,
            "sup-001",
            "supervisor",
            "receipt.reprint",
            "R-20261125-0007",
        );
        assert_eq!(
            preimage,
            "{\"action\":\"receipt.reprint\",\"actor\":\"sup-001\",\"at\":1795000000000,\
             \"detail\":\"R-20261125-0007\",\"role\":\"supervisor\"}"
        );
        let hash = audit_hash(
            HashAlg::Sha256,
            &GENESIS,
            1_795_000_000_000,
            "sup-001",
            "supervisor",
            "receipt.reprint",
            "R-20261125-0007",
        );
        // Computed apart (Python's hashlib over 32 zero bytes and the text above).
        assert_eq!(
            hex::encode(hash),
            "b6678c907dd512955fd0e6f880bb2691990e057091c87344204e698a787b8f9b"
        );
        // The same record in an SM3 log (`openssl dgst -sm3` over the same bytes).
        let sm3 = audit_hash(
            HashAlg::Sm3,
            &GENESIS,
            1_795_000_000_000,
            "sup-001",
            "supervisor",
            "receipt.reprint",
            "R-20261125-0007",
        );
        assert_eq!(
            hex::encode(sm3),
            "f216a281e9bb1ecd226d2a2417bec2ec664a0e3be086d1b3d9acdfa76c6df112"
        );
    }
}
