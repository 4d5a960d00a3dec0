//! Reading the log back: a day's entries, a day's report, and lookups by credential or
//! receipt. Every query is bounded by an index (`at_ms`, `leaf`, `receipt`), so a report on one
//! day costs the same in a log of a thousand entries or of a year's million. The report is the
//! review's [`Log::summary`] of the day (see `review`) plus the day's repeated credentials.

use crate::review::Filter;
use crate::review::LogSummary;
use crate::{select_entry, to_hash, Entry, Log, LogError};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use countersign_vocab::CredentialHash;
use rusqlite::types::Value;

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
    pub leaf: CredentialHash,
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
    /// The counts over the day's entries (the same as a review of that day).
    pub summary: LogSummary,
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
    pub fn find_by_leaf(&self, leaf: &CredentialHash) -> Result<Vec<Entry>, LogError> {
        self.select("WHERE e.leaf = ?1 ORDER BY e.seq", [leaf.0.to_vec()])
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

    /// The report on the hall-local `day`: the [`Log::summary`] of the day's entries and the
    /// credentials verified more than once that day.
    pub fn report(&self, day: NaiveDate, offset: FixedOffset) -> Result<DayReport, LogError> {
        let filter = Filter::day(day, offset)?;
        let summary = self.summary(&filter, offset)?;
        let repeated = self
            .repeats(&filter, &("1".to_string(), Vec::new()), 2, 2)?
            .into_iter()
            .map(|r| r.repeat)
            .collect();
        Ok(DayReport {
            day,
            offset,
            summary,
            repeated,
        })
    }

    /// The credentials among `filter`'s entries verified at least `min_times` times or at
    /// `min_counters` different counters, most often first; `matches` (an SQL expression over
    /// `e` and its values) marks the ones that have an entry it holds for.
    pub(crate) fn repeats(
        &self,
        filter: &Filter,
        matches: &(String, Vec<Value>),
        min_times: u64,
        min_counters: u64,
    ) -> Result<Vec<RepeatFound>, LogError> {
        let arms = self.arms(filter, None)?;
        if arms.is_empty() {
            return Ok(Vec::new());
        }
        let mut parts = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for arm in &arms {
            parts.push(format!(
                "SELECT e.leaf, e.credential_type, e.counter, e.at_ms, e.seq, {} AS m
                 FROM entries e {} WHERE {} AND e.leaf IS NOT NULL",
                matches.0, arm.hint, arm.cond
            ));
            values.extend(matches.1.iter().cloned());
            values.extend(arm.values.iter().cloned());
        }
        values.push(Value::Integer(i64::try_from(min_times).unwrap_or(i64::MAX)));
        values.push(Value::Integer(
            i64::try_from(min_counters).unwrap_or(i64::MAX),
        ));
        let sql = format!(
            "SELECT leaf, min(credential_type), count(*), group_concat(DISTINCT counter),
                    min(at_ms), max(at_ms), group_concat(seq), max(m)
             FROM ({}) GROUP BY leaf
             HAVING count(*) >= ? OR count(DISTINCT counter) >= ?
             ORDER BY 3 DESC, 5, 1",
            parts.join(" UNION ALL ")
        );
        let mut st = self.conn.prepare_cached(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(values.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let counters: String = r.get(3)?;
            let mut counters: Vec<String> = counters.split(',').map(str::to_string).collect();
            counters.sort();
            let time = |ms: i64| {
                DateTime::from_timestamp_millis(ms).ok_or_else(|| LogError::Corrupt("time".into()))
            };
            let seqs: String = r.get(6)?;
            let mut seqs: Vec<u64> = seqs
                .split(',')
                .map(|s| {
                    s.parse()
                        .map_err(|_| LogError::Corrupt("a row number".into()))
                })
                .collect::<Result<_, _>>()?;
            seqs.sort_unstable();
            out.push(RepeatFound {
                repeat: Repeat {
                    leaf: CredentialHash(to_hash(&r.get::<_, Vec<u8>>(0)?)?),
                    credential_type: r.get(1)?,
                    count: r.get(2)?,
                    counters,
                    first: time(r.get(4)?)?,
                    last: time(r.get(5)?)?,
                },
                seqs,
                matched: r.get(7)?,
            });
        }
        Ok(out)
    }
}

/// A credential verified more than once, with its entries.
pub(crate) struct RepeatFound {
    pub(crate) repeat: Repeat,
    /// Its entries' row numbers, ascending.
    pub(crate) seqs: Vec<u64>,
    /// Whether one of them matched the expression asked about.
    pub(crate) matched: bool,
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
