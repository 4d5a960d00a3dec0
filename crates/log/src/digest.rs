//! Closing a day: a digest of the day's entries, chained to the previous day's and signed with
//! the hall's key (Ed25519 or SM2), so that whoever holds the file cannot rewrite a closed day
//! (not even by recomputing every hash) without the hall's key. The digest is made with the
//! log's hash; the row names the signature's algorithm (a row from before it did is Ed25519).

use crate::tree::{day_ref, LeafKind, Stored};
use crate::{canonical, to_hash, Log, LogError, GENESIS};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use countersign_crypto::{HashAlg, Policy, PublicKey, SecretKey, SigAlg, Signature};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde_json::json;

/// A closed day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayDigest {
    /// The hall's local day.
    pub day: NaiveDate,
    /// Hall id.
    pub hall: String,
    /// First and last entry of the day (none on a day without verifications).
    pub range: Option<(u64, u64)>,
    /// Entries that day.
    pub count: u64,
    /// The hash of the day's last entry (the previous head on an empty day).
    pub head: [u8; 32],
    /// The previous closed day's digest.
    pub prev_digest: [u8; 32],
    /// The log's hash of the canonical digest fields.
    pub digest: [u8; 32],
    /// The algorithm of the signature (and of `public_key`).
    pub sig_alg: SigAlg,
    /// The key that signed, as stored: 32 bytes for Ed25519, 33 (compressed) for SM2.
    pub public_key: Vec<u8>,
    /// The signature over `digest` (Ed25519's `R ‖ S`, SM2's `r ‖ s`).
    pub signature: [u8; 64],
    /// Where it was anchored on the registry, if it was.
    pub anchor_tx: Option<String>,
}

impl DayDigest {
    /// The key that signed, if the stored bytes are a key of the stored algorithm.
    pub fn key(&self) -> Option<PublicKey> {
        PublicKey::from_bytes(self.sig_alg, &self.public_key).ok()
    }

    /// The 32 bytes the registry names the signing key by (what `logDigestOf` is asked with),
    /// if the stored key is one.
    pub fn registry_key(&self) -> Option<[u8; 32]> {
        self.key().map(|k| k.registry_key())
    }

    fn compute(&self, alg: HashAlg) -> [u8; 32] {
        let fields = json!({
            "type": "CountersignLogDay",
            "hall": self.hall,
            "day": self.day.to_string(),
            "first": self.range.map(|r| r.0),
            "last": self.range.map(|r| r.1),
            "count": self.count,
            "head": hex::encode(self.head),
            "prev": hex::encode(self.prev_digest),
        });
        alg.digest(canonical(&fields).as_bytes())
    }
}

/// What a digest check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestProblem {
    /// The signature does not verify, or the key is not one the hall trusts.
    BadSignature,
    /// The digest does not match its own fields (the row was edited).
    Altered,
    /// The day's entries no longer match what was signed (count or last hash).
    EntriesChanged,
    /// Not chained to the previous closed day.
    BrokenChain,
    /// Signed with an algorithm the hall's policy does not accept: the signature was not
    /// checked.
    NotAllowed(SigAlg),
}

impl Log {
    /// Closes the hall-local `day` (`offset` is the hall's UTC offset, +08:00 in China):
    /// signs the digest of its entries with `key`. Days close in order; a closed day is final.
    pub fn close_day(
        &mut self,
        hall: &str,
        day: NaiveDate,
        offset: FixedOffset,
        key: &SecretKey,
        now: DateTime<Utc>,
    ) -> Result<DayDigest, LogError> {
        let (_, end) = crate::query::day_bounds(day, offset)?;
        if now < end {
            return Err(LogError::DayNotOver(day.to_string()));
        }
        let alg = self.hash;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<(String, Vec<u8>, Option<u64>)> = tx
            .query_row(
                "SELECT day, digest, last_seq FROM digests ORDER BY day DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let prev_digest = match &last {
            Some((last_day, _, _)) if last_day.as_str() >= day.to_string().as_str() => {
                return Err(LogError::DayClosed(last_day.clone()))
            }
            Some((_, digest, _)) => to_hash(digest)?,
            None => GENESIS,
        };
        // A day is a run of rows, not a span of time: the rows after the last closed day's
        // through the last one stamped before this day's end. Rows the clock stamped out of
        // order (set back across midnight, or ahead for a while) then belong to the day they
        // were appended in, and the check by row range (`day_matches`) agrees with the close.
        let covered: Option<u64> =
            tx.query_row("SELECT max(last_seq) FROM digests", [], |r| r.get(0))?;
        let first_seq = covered.map_or(1, |c| c + 1);
        let last_seq: Option<u64> = tx.query_row(
            "SELECT max(seq) FROM entries WHERE seq >= ?1 AND at_ms < ?2",
            params![first_seq, end.timestamp_millis()],
            |r| r.get(0),
        )?;
        let (count, first): (u64, Option<u64>) = match last_seq {
            Some(last) => tx.query_row(
                "SELECT count(*), min(seq) FROM entries WHERE seq BETWEEN ?1 AND ?2",
                [first_seq, last],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?,
            None => (0, None),
        };
        let head: [u8; 32] = match tx
            .query_row(
                "SELECT hash FROM entries WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1",
                [last_seq.unwrap_or(first_seq - 1)],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()?
        {
            Some(h) => to_hash(&h)?,
            None => GENESIS,
        };
        let mut digest = DayDigest {
            day,
            hall: hall.to_string(),
            range: first.zip(last_seq),
            count,
            head,
            prev_digest,
            digest: [0; 32],
            sig_alg: key.alg(),
            public_key: key.public().to_bytes(),
            signature: [0; 64],
            anchor_tx: None,
        };
        digest.digest = digest.compute(alg);
        digest.signature = key.sign(&digest.digest).to_bytes();
        tx.execute(
            "INSERT INTO digests (day, hall, first_seq, last_seq, count, head, prev_digest, digest,
                 public_key, signature, closed_at, algorithm)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                day.to_string(),
                hall,
                first,
                last_seq,
                count,
                head.to_vec(),
                prev_digest.to_vec(),
                digest.digest.to_vec(),
                digest.public_key,
                digest.signature.to_vec(),
                now.timestamp(),
                digest.sig_alg.name(),
            ],
        )?;
        let stored = Stored::new(&tx, alg);
        let mut tree = stored.compact()?;
        stored.append(
            &mut tree,
            LeafKind::Day,
            day_ref(&day.to_string())?,
            &digest.digest,
        )?;
        tx.commit()?;
        Ok(digest)
    }

    /// Closes every hall-local day that has ended and is not closed yet, oldest first: from
    /// the day after the last closed one (or the day of the first entry, in a log that never
    /// closed one) through yesterday as of `now`. Days without entries are closed too, so the
    /// chain of digests has no gaps a deleted day could hide in. Returns what it closed; an
    /// empty log, or one closed through yesterday, closes nothing.
    pub fn close_ended_days(
        &mut self,
        hall: &str,
        offset: FixedOffset,
        key: &SecretKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<DayDigest>, LogError> {
        let Some(yesterday) = now.with_timezone(&offset).date_naive().pred_opt() else {
            return Ok(Vec::new());
        };
        let last_closed: Option<String> =
            self.conn
                .query_row("SELECT max(day) FROM digests", [], |r| r.get(0))?;
        let first = match last_closed {
            Some(day) => day
                .parse::<NaiveDate>()
                .map_err(|_| LogError::Corrupt(format!("digest day {day:?}")))?
                .succ_opt(),
            None => {
                let first_ms: Option<i64> =
                    self.conn
                        .query_row("SELECT min(at_ms) FROM entries", [], |r| r.get(0))?;
                first_ms
                    .and_then(DateTime::<Utc>::from_timestamp_millis)
                    .map(|at| at.with_timezone(&offset).date_naive())
            }
        };
        let mut closed = Vec::new();
        let mut day = first;
        while let Some(d) = day.filter(|d| *d <= yesterday) {
            closed.push(self.close_day(hall, d, offset, key, now)?);
            day = d.succ_opt();
        }
        Ok(closed)
    }

    /// Records that a day's digest was anchored on the registry.
    pub fn set_anchored(&mut self, day: NaiveDate, tx_hash: &str) -> Result<(), LogError> {
        self.conn.execute(
            "UPDATE digests SET anchor_tx = ?2 WHERE day = ?1",
            params![day.to_string(), tx_hash],
        )?;
        Ok(())
    }

    /// Every closed day, oldest first.
    pub fn digests(&self) -> Result<Vec<DayDigest>, LogError> {
        // Rows written before version 5 name no algorithm: they are Ed25519.
        let algorithm = if self.version >= 5 {
            "algorithm"
        } else {
            "NULL"
        };
        let mut st = self.conn.prepare(&format!(
            "SELECT day, hall, first_seq, last_seq, count, head, prev_digest, digest, public_key,
                 signature, anchor_tx, {algorithm} FROM digests ORDER BY day"
        ))?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let day: String = r.get(0)?;
            let first: Option<u64> = r.get(2)?;
            let last: Option<u64> = r.get(3)?;
            let signature: Vec<u8> = r.get(9)?;
            let algorithm: Option<String> = r.get(11)?;
            let sig_alg = match algorithm {
                None => SigAlg::Ed25519,
                Some(name) => SigAlg::from_name(&name)
                    .map_err(|e| LogError::Corrupt(format!("digest of {day}: {e}")))?,
            };
            out.push(DayDigest {
                day: day
                    .parse()
                    .map_err(|_| LogError::Corrupt(format!("digest day {day:?}")))?,
                hall: r.get(1)?,
                range: first.zip(last),
                count: r.get(4)?,
                head: to_hash(&r.get::<_, Vec<u8>>(5)?)?,
                prev_digest: to_hash(&r.get::<_, Vec<u8>>(6)?)?,
                digest: to_hash(&r.get::<_, Vec<u8>>(7)?)?,
                sig_alg,
                public_key: r.get(8)?,
                signature: signature
                    .try_into()
                    .map_err(|_| LogError::Corrupt("signature length".into()))?,
                anchor_tx: r.get(10)?,
            });
        }
        Ok(out)
    }

    /// Checks every closed day against the entries and the hall keys trusted, under the
    /// hall's algorithm `policy` (asked before any signature is checked).
    pub fn verify_digests(
        &self,
        trusted: &[PublicKey],
        policy: &Policy,
    ) -> Result<Vec<(NaiveDate, DigestProblem)>, LogError> {
        let mut problems = Vec::new();
        let mut prev = GENESIS;
        for d in self.digests()? {
            // The policy first: a signature of an algorithm the hall does not accept is not
            // checked at all.
            let signed = || {
                d.key().is_some_and(|k| {
                    trusted.contains(&k) && k.verify(&d.digest, &Signature(d.signature)).is_ok()
                })
            };
            if policy.allow_sig(d.sig_alg).is_err() {
                problems.push((d.day, DigestProblem::NotAllowed(d.sig_alg)));
            } else if !signed() {
                problems.push((d.day, DigestProblem::BadSignature));
            } else if d.compute(self.hash) != d.digest {
                problems.push((d.day, DigestProblem::Altered));
            } else if d.prev_digest != prev {
                problems.push((d.day, DigestProblem::BrokenChain));
            } else if !self.day_matches(&d)? {
                problems.push((d.day, DigestProblem::EntriesChanged));
            }
            prev = d.digest;
        }
        Ok(problems)
    }

    fn day_matches(&self, d: &DayDigest) -> Result<bool, LogError> {
        let Some((first, last)) = d.range else {
            return Ok(d.count == 0);
        };
        let (count, head): (u64, Option<Vec<u8>>) = self.conn.query_row(
            "SELECT count(*), (SELECT hash FROM entries WHERE seq = ?2)
             FROM entries WHERE seq BETWEEN ?1 AND ?2",
            [first, last],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(count == d.count && head.as_deref() == Some(d.head.as_slice()))
    }
}
