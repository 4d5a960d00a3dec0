//! Reading the log back: a day's entries, a day's report, and lookups by credential or
//! receipt. Every query is bounded by an index (`at_ms`, `leaf`, `receipt`), so a report on one
//! day costs the same in a log of a thousand entries or of a year's million.

use crate::{select_entry, to_hash, Entry, Log, LogError};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use std::collections::BTreeMap;

/// One group of a report: a value and how many entries had it (`None`: not recorded, e.g. the
/// type of a credential that could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// The value.
    pub key: Option<String>,
    /// Entries with it.
    pub count: u64,
}

/// A credential verified more than once in the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    /// Its leaf hash.
    pub leaf: [u8; 32],
    /// Its type.
    pub credential_type: Option<String>,
    /// How many verifications.
    pub count: u64,
    /// The counters it was verified at, sorted.
    pub counters: Vec<String>,
    /// First and last verification.
    pub first: DateTime<Utc>,
    /// Last verification.
    pub last: DateTime<Utc>,
}

/// What a supervisor reviews for one hall-local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReport {
    /// The day.
    pub day: NaiveDate,
    /// The hall's UTC offset the day was cut with.
    pub offset: FixedOffset,
    /// Entries that day.
    pub total: u64,
    /// First and last entry of the day.
    pub range: Option<(u64, u64)>,
    /// By verdict, most frequent first.
    pub by_verdict: Vec<Count>,
    /// By credential type.
    pub by_type: Vec<Count>,
    /// By issuer (its registered name where known, else its did:key).
    pub by_issuer: Vec<Count>,
    /// By clerk.
    pub by_clerk: Vec<Count>,
    /// By counter.
    pub by_counter: Vec<Count>,
    /// By input channel.
    pub by_channel: Vec<Count>,
    /// By chain state used: `online`, `mirror`, … (`None`: no chain consulted).
    pub by_chain_source: Vec<Count>,
    /// Entries per hall-local hour, 0–23.
    pub by_hour: [u64; 24],
    /// Failure reasons (reason code, or the check id for entries that recorded none).
    pub failures: Vec<Count>,
    /// Credentials verified more than once, most often first.
    pub repeated: Vec<Repeat>,
}

impl Log {
    /// The entries made during the hall-local `day`, in log order.
    pub fn entries_on(&self, day: NaiveDate, offset: FixedOffset) -> Result<Vec<Entry>, LogError> {
        let (start, end) = day_bounds(day, offset)?;
        self.entries_between(start, end)
    }

    /// The entries made in `[start, end)`, in log order.
    pub fn entries_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Entry>, LogError> {
        self.select(
            "WHERE e.at_ms >= ?1 AND e.at_ms < ?2 ORDER BY e.seq",
            [start.timestamp_millis(), end.timestamp_millis()],
        )
    }

    /// Every verification of the credential with this leaf hash, in log order.
    pub fn find_by_leaf(&self, leaf: &[u8; 32]) -> Result<Vec<Entry>, LogError> {
        self.select("WHERE e.leaf = ?1 ORDER BY e.seq", [leaf.to_vec()])
    }

    /// The verification a receipt was printed for.
    pub fn find_by_receipt(&self, receipt: &str) -> Result<Vec<Entry>, LogError> {
        self.select("WHERE e.receipt = ?1 ORDER BY e.seq", [receipt])
    }

    fn select(&self, tail: &str, params: impl rusqlite::Params) -> Result<Vec<Entry>, LogError> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{} {tail}", select_entry(self.version)))?;
        let mut rows = st.query(params)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(crate::read_entry(row)?);
        }
        Ok(out)
    }

    /// The report on the hall-local `day`.
    pub fn report(&self, day: NaiveDate, offset: FixedOffset) -> Result<DayReport, LogError> {
        let (start, end) = day_bounds(day, offset)?;
        let bounds = [start.timestamp_millis(), end.timestamp_millis()];
        let (total, first, last): (u64, Option<u64>, Option<u64>) = self.conn.query_row(
            "SELECT count(*), min(seq), max(seq) FROM entries WHERE at_ms >= ?1 AND at_ms < ?2",
            bounds,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let issuer_column = if self.version >= 2 {
            "coalesce(issuer_name, issuer)"
        } else {
            "issuer"
        };
        let mut by_hour = [0u64; 24];
        {
            let mut st = self.conn.prepare_cached(
                "SELECT ((at_ms / 1000 + ?3) % 86400) / 3600, count(*) FROM entries
                 WHERE at_ms >= ?1 AND at_ms < ?2 GROUP BY 1",
            )?;
            let mut rows = st.query(rusqlite::params![
                bounds[0],
                bounds[1],
                i64::from(offset.local_minus_utc())
            ])?;
            while let Some(r) = rows.next()? {
                let hour: i64 = r.get(0)?;
                let slot = usize::try_from(hour.rem_euclid(24)).unwrap_or(0);
                by_hour[slot] += r.get::<_, u64>(1)?;
            }
        }
        Ok(DayReport {
            day,
            offset,
            total,
            range: first.zip(last),
            by_verdict: self.group("verdict", bounds)?,
            by_type: self.group("credential_type", bounds)?,
            by_issuer: self.group(issuer_column, bounds)?,
            by_clerk: self.group("clerk", bounds)?,
            by_counter: self.group("counter", bounds)?,
            by_channel: self.group("channel", bounds)?,
            by_chain_source: self.group("chain_source", bounds)?,
            by_hour,
            failures: self.failures(bounds)?,
            repeated: self.repeated(bounds)?,
        })
    }

    fn group(&self, column: &str, bounds: [i64; 2]) -> Result<Vec<Count>, LogError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {column}, count(*) FROM entries WHERE at_ms >= ?1 AND at_ms < ?2
             GROUP BY 1 ORDER BY 2 DESC, 1"
        ))?;
        let rows = st.query_map(bounds, |r| {
            Ok(Count {
                key: r.get(0)?,
                count: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn failures(&self, bounds: [i64; 2]) -> Result<Vec<Count>, LogError> {
        let reasons = if self.version >= 2 { "reasons" } else { "NULL" };
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT failing, {reasons}, count(*) FROM entries
             WHERE at_ms >= ?1 AND at_ms < ?2 AND failing != '' GROUP BY 1, 2"
        ))?;
        let mut rows = st.query(bounds)?;
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        while let Some(r) = rows.next()? {
            let failing: String = r.get(0)?;
            let reasons: Option<String> = r.get(1)?;
            let n: u64 = r.get(2)?;
            let keys = match reasons.filter(|t| !t.is_empty()) {
                Some(reasons) => reasons,
                None => failing,
            };
            for key in keys.split(',') {
                *counts.entry(key.to_string()).or_default() += n;
            }
        }
        let mut out: Vec<Count> = counts
            .into_iter()
            .map(|(key, count)| Count {
                key: Some(key),
                count,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        Ok(out)
    }

    fn repeated(&self, bounds: [i64; 2]) -> Result<Vec<Repeat>, LogError> {
        let mut st = self.conn.prepare_cached(
            "SELECT leaf, min(credential_type), count(*), group_concat(DISTINCT counter),
                    min(at_ms), max(at_ms)
             FROM entries WHERE at_ms >= ?1 AND at_ms < ?2 AND leaf IS NOT NULL
             GROUP BY leaf HAVING count(*) > 1 ORDER BY 3 DESC, 5",
        )?;
        let mut rows = st.query(bounds)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let counters: String = r.get(3)?;
            let mut counters: Vec<String> = counters.split(',').map(str::to_string).collect();
            counters.sort();
            let time = |ms: i64| {
                DateTime::from_timestamp_millis(ms).ok_or_else(|| LogError::Corrupt("time".into()))
            };
            out.push(Repeat {
                leaf: to_hash(&r.get::<_, Vec<u8>>(0)?)?,
                credential_type: r.get(1)?,
                count: r.get(2)?,
                counters,
                first: time(r.get(4)?)?,
                last: time(r.get(5)?)?,
            });
        }
        Ok(out)
    }
}

/// The UTC instants a hall-local day starts and ends at.
pub fn day_bounds(
    day: NaiveDate,
    offset: FixedOffset,
) -> Result<(DateTime<Utc>, DateTime<Utc>), LogError> {
    let next = day
        .succ_opt()
        .ok_or_else(|| LogError::Corrupt(format!("day {day}")))?;
    Ok((local_midnight(day, offset)?, local_midnight(next, offset)?))
}

fn local_midnight(day: NaiveDate, offset: FixedOffset) -> Result<DateTime<Utc>, LogError> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(offset).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| LogError::Corrupt(format!("day {day}")))
}
