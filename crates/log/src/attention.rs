//! What a supervisor should look at: patterns over a time range that no single verdict shows.
//!
//! - the same credential verified at two or more counters, or three or more times;
//! - a burst of failures: five or more INVALID verdicts for one issuer within ten minutes;
//! - verdicts given on stale chain state from the hall's mirror;
//! - receipts printed again (from the audit trail).
//!
//! The rules look at every entry of the filter's time range, whatever its other filters, so
//! that a credential used at counters 1 and 3 still shows when the supervisor looks at counter
//! 3 alone; an item is listed when at least one of its entries matches the whole filter.

use crate::review::Filter;
use crate::{Log, LogError};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use countersign_vocab::Verdict;
use rusqlite::types::Value;
use std::collections::BTreeMap;

/// What an attention item is about. The screen words it from this; the item's `detail` is a
/// short English text for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttentionKind {
    /// One credential verified at several counters, or several times.
    RepeatedCredential,
    /// Many INVALID verdicts for one issuer in a short time.
    FailureBurst,
    /// Verdicts given on chain state from the mirror older than allowed, or that recorded
    /// `chain.stale`.
    StaleMirror,
    /// A receipt printed again.
    ReceiptReprinted,
}

impl AttentionKind {
    /// The stable name (`repeated-credential`, `failure-burst`, `stale-mirror`,
    /// `receipt-reprinted`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RepeatedCredential => "repeated-credential",
            Self::FailureBurst => "failure-burst",
            Self::StaleMirror => "stale-mirror",
            Self::ReceiptReprinted => "receipt-reprinted",
        }
    }
}

/// One thing to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    /// What kind of thing.
    pub kind: AttentionKind,
    /// What it is about: the credential's leaf hash (hex), the issuer's did:key, the oldest
    /// mirror block used (empty when only `chain.stale` was recorded), or the receipt id.
    pub subject: String,
    /// The log entries concerned, by row number ascending.
    pub entries: Vec<u64>,
    /// The audit records concerned (the reprints), by row number ascending.
    pub audit: Vec<u64>,
    /// A short English description for logs, with hall-local times.
    pub detail: String,
}

/// The thresholds of [`Log::attention_with`]; the default is what the halls agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttentionRules {
    /// A credential verified at this many different counters (default 2; at least 2) …
    pub repeat_counters: u64,
    /// … or this many times (default 3; at least 2) is listed.
    pub repeat_times: u64,
    /// This many INVALID verdicts for one issuer (default 5) …
    pub burst_failures: usize,
    /// … less than this apart from first to last (default 10 minutes) are a burst.
    pub burst_window: Duration,
    /// A verdict given on chain state from the mirror whose block is older than this when
    /// the verdict was given (default 24 hours) is listed; stale verdicts that no verdict on
    /// fresher mirror state interrupts are one item.
    pub max_mirror_age: Duration,
    /// A receipt printed again this many times (default 1) is listed.
    pub reprints: usize,
}

impl Default for AttentionRules {
    fn default() -> Self {
        Self {
            repeat_counters: 2,
            repeat_times: 3,
            burst_failures: 5,
            burst_window: Duration::minutes(10),
            max_mirror_age: Duration::hours(i64::from(countersign_defaults::MAX_CHAIN_AGE_HOURS)),
            reprints: 1,
        }
    }
}

/// An entry as the rules read it.
struct Row {
    seq: u64,
    at_ms: i64,
    /// Whether it matches the whole filter.
    matched: bool,
}

/// The chain state an entry used, as the stale-mirror rule reads it.
struct StaleState {
    stale: bool,
    block: Option<u64>,
    block_time: Option<i64>,
    /// How old the block was when the verdict was given, in milliseconds.
    age: Option<i64>,
}

impl Log {
    /// The attention list for `filter` with the default rules; times in details are the
    /// hall's (`offset`).
    pub fn attention(
        &self,
        filter: &Filter,
        offset: FixedOffset,
    ) -> Result<Vec<Attention>, LogError> {
        self.attention_with(filter, offset, &AttentionRules::default())
    }

    /// The attention list for `filter` under `rules`: ordered by kind, then by first entry
    /// (or audit record).
    pub fn attention_with(
        &self,
        filter: &Filter,
        offset: FixedOffset,
        rules: &AttentionRules,
    ) -> Result<Vec<Attention>, LogError> {
        let time = Filter::between(filter.from, filter.to);
        let matches = self.matches_expr(filter);
        let mut out = Vec::new();
        self.repeated_credentials(&time, &matches, offset, rules, &mut out)?;
        self.failure_bursts(&time, &matches, offset, rules, &mut out)?;
        self.stale_mirror(&time, &matches, offset, rules, &mut out)?;
        self.reprints(filter, &matches, offset, rules, &mut out)?;
        out.sort_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then_with(|| a.entries.first().cmp(&b.entries.first()))
                .then_with(|| a.audit.first().cmp(&b.audit.first()))
        });
        Ok(out)
    }

    fn repeated_credentials(
        &self,
        time: &Filter,
        matches: &(String, Vec<Value>),
        offset: FixedOffset,
        rules: &AttentionRules,
        out: &mut Vec<Attention>,
    ) -> Result<(), LogError> {
        let found = self.repeats(
            time,
            matches,
            rules.repeat_times.max(2),
            rules.repeat_counters.max(2),
        )?;
        for r in found.into_iter().filter(|r| r.matched) {
            let repeat = r.repeat;
            out.push(Attention {
                kind: AttentionKind::RepeatedCredential,
                subject: repeat.leaf.to_string(),
                detail: format!(
                    "credential {}… verified {} times at {} ({}) between {} and {}",
                    &repeat.leaf.to_string()[..12],
                    repeat.count,
                    plural(repeat.counters.len(), "counter"),
                    repeat.counters.join(", "),
                    local(repeat.first, offset),
                    local(repeat.last, offset),
                ),
                entries: r.seqs,
                audit: Vec::new(),
            });
        }
        Ok(())
    }

    fn failure_bursts(
        &self,
        time: &Filter,
        matches: &(String, Vec<Value>),
        offset: FixedOffset,
        rules: &AttentionRules,
        out: &mut Vec<Attention>,
    ) -> Result<(), LogError> {
        let invalid = Filter {
            verdict: Some(Verdict::Invalid),
            ..time.clone()
        };
        let name = if self.version >= 2 {
            "e.issuer_name"
        } else {
            "NULL"
        };
        let mut by_issuer: BTreeMap<String, (Option<String>, Vec<Row>)> = BTreeMap::new();
        for arm in self.arms(&invalid, None)? {
            let sql = format!(
                "SELECT e.seq, e.at_ms, e.issuer, {name}, {} FROM entries e {} WHERE {}
                     AND e.issuer IS NOT NULL",
                matches.0, arm.hint, arm.cond
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            let values = matches.1.iter().chain(arm.values.iter());
            let mut rows = st.query(rusqlite::params_from_iter(values))?;
            while let Some(r) = rows.next()? {
                let issuer: String = r.get(2)?;
                let slot = by_issuer.entry(issuer).or_default();
                if slot.0.is_none() {
                    slot.0 = r.get(3)?;
                }
                slot.1.push(Row {
                    seq: r.get(0)?,
                    at_ms: r.get(1)?,
                    matched: r.get(4)?,
                });
            }
        }
        let k = rules.burst_failures.max(1);
        let window = rules.burst_window.num_milliseconds();
        for (issuer, (name, mut rows)) in by_issuer {
            rows.sort_by_key(|r| (r.at_ms, r.seq));
            // Every run of k within the window; overlapping runs are one burst.
            let mut bursts: Vec<(usize, usize)> = Vec::new();
            for i in 0..rows.len().saturating_sub(k - 1) {
                let j = i + k - 1;
                if rows[j].at_ms - rows[i].at_ms < window {
                    match bursts.last_mut() {
                        Some((_, end)) if i <= *end => *end = j,
                        _ => bursts.push((i, j)),
                    }
                }
            }
            for (i, j) in bursts {
                let burst = &rows[i..=j];
                if !burst.iter().any(|r| r.matched) {
                    continue;
                }
                let mut seqs: Vec<u64> = burst.iter().map(|r| r.seq).collect();
                seqs.sort_unstable();
                out.push(Attention {
                    kind: AttentionKind::FailureBurst,
                    subject: issuer.clone(),
                    detail: format!(
                        "{} INVALID verdicts for issuer {} between {} and {}",
                        burst.len(),
                        name.as_deref().unwrap_or(&issuer),
                        local_ms(burst[0].at_ms, offset),
                        local_ms(burst[burst.len() - 1].at_ms, offset),
                    ),
                    entries: seqs,
                    audit: Vec::new(),
                });
            }
        }
        Ok(())
    }

    fn stale_mirror(
        &self,
        time: &Filter,
        matches: &(String, Vec<Value>),
        offset: FixedOffset,
        rules: &AttentionRules,
        out: &mut Vec<Attention>,
    ) -> Result<(), LogError> {
        let reasons = if self.version >= 2 {
            "e.reasons"
        } else {
            "NULL"
        };
        // Every verification on the mirror's state, stale or not (a fresh one ends a stale
        // spell), and every one that recorded chain.stale.
        let mut rows: Vec<(Row, StaleState)> = Vec::new();
        for arm in self.arms(time, None)? {
            let sql = format!(
                "SELECT e.seq, e.at_ms, e.chain_block, e.chain_time, {},
                     instr(',' || {reasons} || ',', ',chain.stale,') > 0
                 FROM entries e {} WHERE {}
                     AND (e.chain_source = 'mirror' OR instr(',' || {reasons} || ',', ',chain.stale,') > 0)",
                matches.0, arm.hint, arm.cond
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            let values = matches.1.iter().chain(arm.values.iter());
            let mut found = st.query(rusqlite::params_from_iter(values))?;
            while let Some(r) = found.next()? {
                let at_ms: i64 = r.get(1)?;
                let block: Option<u64> = r.get(2)?;
                let block_time: Option<i64> = r.get(3)?;
                let reason: Option<bool> = r.get(5)?;
                let age = block_time.map(|t| at_ms - t * 1000);
                let stale = reason == Some(true)
                    || age.is_some_and(|a| a > rules.max_mirror_age.num_milliseconds());
                rows.push((
                    Row {
                        seq: r.get(0)?,
                        at_ms,
                        matched: r.get(4)?,
                    },
                    StaleState {
                        stale,
                        block,
                        block_time,
                        age,
                    },
                ));
            }
        }
        rows.sort_by_key(|(r, _)| (r.at_ms, r.seq));
        // Spells: runs of stale verdicts that no verdict on fresh mirror state interrupts.
        let mut spells: Vec<Vec<(Row, StaleState)>> = Vec::new();
        let mut current: Vec<(Row, StaleState)> = Vec::new();
        for (row, state) in rows {
            if state.stale {
                current.push((row, state));
            } else if !current.is_empty() {
                spells.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            spells.push(current);
        }
        for spell in spells {
            if !spell.iter().any(|(r, _)| r.matched) {
                continue;
            }
            let mut seqs: Vec<u64> = spell.iter().map(|(r, _)| r.seq).collect();
            seqs.sort_unstable();
            let first = spell.first().map_or(0, |(r, _)| r.at_ms);
            let last = spell.last().map_or(0, |(r, _)| r.at_ms);
            // The oldest state used: the block the spell is about.
            let oldest = spell
                .iter()
                .filter_map(|(_, s)| Some((s.age?, s.block?, s.block_time?)))
                .max();
            let detail = match oldest {
                Some((age, block, block_time)) => format!(
                    "{} between {} and {} on stale chain state, the oldest block {block} from {} ({} old)",
                    plural(spell.len(), "verification"),
                    local_ms(first, offset),
                    local_ms(last, offset),
                    local_ms(block_time * 1000, offset),
                    age_text(age),
                ),
                None => format!(
                    "{} between {} and {} recorded chain.stale",
                    plural(spell.len(), "verification"),
                    local_ms(first, offset),
                    local_ms(last, offset),
                ),
            };
            out.push(Attention {
                kind: AttentionKind::StaleMirror,
                subject: oldest.map(|(_, b, _)| b.to_string()).unwrap_or_default(),
                detail,
                entries: seqs,
                audit: Vec::new(),
            });
        }
        Ok(())
    }

    fn reprints(
        &self,
        filter: &Filter,
        matches: &(String, Vec<Value>),
        offset: FixedOffset,
        rules: &AttentionRules,
        out: &mut Vec<Attention>,
    ) -> Result<(), LogError> {
        let mut by_receipt: BTreeMap<String, Vec<crate::AuditRecord>> = BTreeMap::new();
        for record in self.audit_actions("receipt.reprint", filter.from, filter.to)? {
            by_receipt
                .entry(record.detail.clone())
                .or_default()
                .push(record);
        }
        let sql = format!(
            "SELECT e.seq, {} FROM entries e WHERE e.receipt = ? ORDER BY e.seq",
            matches.0
        );
        let mut st = self.conn.prepare_cached(&sql)?;
        for (receipt, records) in by_receipt {
            if records.len() < rules.reprints.max(1) {
                continue;
            }
            let values = matches
                .1
                .iter()
                .cloned()
                .chain(std::iter::once(Value::Text(receipt.clone())));
            let found: Vec<(u64, bool)> = st
                .query_map(rusqlite::params_from_iter(values), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<Result<_, _>>()?;
            // A receipt the log does not know matches no filter on entry fields.
            let shown = if found.is_empty() {
                filter.is_time_only()
            } else {
                found.iter().any(|(_, m)| *m)
            };
            if !shown {
                continue;
            }
            let Some(last) = records.last() else {
                continue;
            };
            out.push(Attention {
                kind: AttentionKind::ReceiptReprinted,
                detail: format!(
                    "receipt {receipt} printed again {}, last at {} by {}",
                    plural(records.len(), "time"),
                    local(last.at, offset),
                    last.actor
                ),
                subject: receipt,
                entries: found.into_iter().map(|(seq, _)| seq).collect(),
                audit: records.iter().map(|r| r.seq).collect(),
            });
        }
        Ok(())
    }
}

fn local(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn local_ms(ms: i64, offset: FixedOffset) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(|| format!("{ms} ms"), |t| local(t, offset))
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// An age in milliseconds as hours (and days past two).
fn age_text(ms: i64) -> String {
    let hours = ms / 3_600_000;
    if hours >= 48 {
        format!("{} days {} h", hours / 24, hours % 24)
    } else {
        format!("{hours} h {} min", ms / 60_000 % 60)
    }
}
