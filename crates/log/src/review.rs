//! The supervisor's review: entries over a time range filtered by counter, clerk, verdict,
//! type and issuer, read a page at a time (newest first, keyset by row number), counted and
//! summarised.
//!
//! How a time range is found fast: entries are appended as they happen, so each entry's time
//! is at least that of every entry before it, except when the hall's clock was set back (or
//! had been ahead). The few entries out of order are listed in `entries_late` as they are
//! appended ([`Clock`], schema version 3). Every other entry's time is at least that of every
//! such entry before it, so a time range is one span of row numbers, found with two lookups
//! in the time index; the listed ones in the range are looked up by their own time. Each filter has an index ordered by `(value, seq)`,
//! so a page walks one index backwards from its cursor and stops after a page, whatever the
//! range: the cost is a page divided by how many of the walked rows match the other filters.
//! The plan is chosen here, not by SQLite's estimates (an unanalysed file has none worth
//! having), and every other filter is written `+column` so it cannot pull the plan elsewhere.
//!
//! A version-1 or version-2 file opened read-only (it is never migrated) has neither the
//! indexes nor the list of late entries: it is read with the time index alone, slower but
//! with the same answers.

use crate::query::Count;
use crate::{select_entry_hinted, Entry, Log, LogError};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use countersign_vocab::Verdict;
use rusqlite::types::{Value, ValueRef};
use std::collections::{HashMap, VecDeque};

/// The most entries one page holds; a larger `limit` is cut to this.
pub const MAX_PAGE: usize = 1000;

/// Which entries a review shows: a time range and optional exact matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Entries made at or after this instant.
    pub from: DateTime<Utc>,
    /// Entries made before this instant (exclusive).
    pub to: DateTime<Utc>,
    /// Only this counter.
    pub counter: Option<String>,
    /// Only this clerk.
    pub clerk: Option<String>,
    /// Only this verdict.
    pub verdict: Option<Verdict>,
    /// Only this credential type.
    pub credential_type: Option<String>,
    /// Only this issuer: its registered name or its did:key, whichever the entry matches.
    pub issuer: Option<String>,
}

impl Filter {
    /// Every entry in `[from, to)`.
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            from,
            to,
            counter: None,
            clerk: None,
            verdict: None,
            credential_type: None,
            issuer: None,
        }
    }

    /// Every entry of the hall-local `day`.
    pub fn day(day: NaiveDate, offset: FixedOffset) -> Result<Self, LogError> {
        let (from, to) = crate::query::day_bounds(day, offset)?;
        Ok(Self::between(from, to))
    }

    /// Whether only the time range is set.
    pub fn is_time_only(&self) -> bool {
        self.counter.is_none()
            && self.clerk.is_none()
            && self.verdict.is_none()
            && self.credential_type.is_none()
            && self.issuer.is_none()
    }
}

/// One page of a review, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The entries, by row number descending.
    pub entries: Vec<Entry>,
    /// The cursor for the following (older) page: pass it as `before`. `None`: this was the
    /// last page.
    pub next: Option<u64>,
}

/// The counts a supervisor reviews over a filter's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSummary {
    /// Entries selected.
    pub total: u64,
    /// Lowest and highest row number among them.
    pub range: Option<(u64, u64)>,
    /// By verdict, most frequent first (ties by value).
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
    /// Entries per hall-local hour of the day, 0–23, summed over the range's days.
    pub by_hour: [u64; 24],
    /// Failure reasons (reason code, or the check id for entries that recorded none).
    pub failures: Vec<Count>,
}

/// Which index leads a query, by the filter it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Counter,
    Clerk,
    Verdict,
    Type,
    Issuer,
}

impl Field {
    fn column(self) -> &'static str {
        match self {
            Self::Counter => "e.counter",
            Self::Clerk => "e.clerk",
            Self::Verdict => "e.verdict",
            Self::Type => "e.credential_type",
            Self::Issuer => "e.issuer",
        }
    }

    /// The hint that makes this filter's index lead.
    fn hint(self) -> &'static str {
        match self {
            Self::Counter => "INDEXED BY entries_counter",
            Self::Clerk => "INDEXED BY entries_clerk",
            Self::Verdict => "INDEXED BY entries_verdict",
            Self::Type => "INDEXED BY entries_type",
            Self::Issuer => "INDEXED BY entries_issuer",
        }
    }
}

/// One part of a filter's entries as SQL over `entries e`: an index hint (what follows
/// `FROM entries e`), a condition and its values. The parts of one filter never overlap.
#[derive(Debug, Clone)]
pub(crate) struct Arm {
    pub(crate) hint: &'static str,
    pub(crate) cond: String,
    pub(crate) values: Vec<Value>,
}

impl Arm {
    fn and(&mut self, cond: &str, values: impl IntoIterator<Item = Value>) {
        self.cond.push_str(" AND ");
        self.cond.push_str(cond);
        self.values.extend(values);
    }
}

/// The rows a time range covers, before any other filter.
struct Span {
    /// `e.seq BETWEEN lo AND hi` holds every entry of the range that is not late (and no
    /// other); `None` when there is none.
    window: Option<(u64, u64)>,
    /// Whether the log has late entries at all (then the window excludes them and they are
    /// looked up by time apart).
    late: bool,
}

impl Log {
    /// A page of the entries `filter` selects, newest first: those with row number below
    /// `before` (all when `None`), at most `limit` (1 to [`MAX_PAGE`]). Pass the page's `next`
    /// as `before` for the following page; pages never repeat or skip an entry, even while
    /// the counter appends.
    pub fn page(
        &self,
        filter: &Filter,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Page, LogError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let mut entries = Vec::new();
        for arm in self.arms(filter, before)? {
            let sql = format!(
                "{} WHERE {} ORDER BY e.seq DESC LIMIT ?",
                select_entry_hinted(self.version, arm.hint),
                arm.cond,
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            let fetch = Value::Integer(i64::try_from(limit + 1).unwrap_or(i64::MAX));
            let values = arm.values.iter().chain(std::iter::once(&fetch));
            let mut rows = st.query(rusqlite::params_from_iter(values))?;
            while let Some(row) = rows.next()? {
                entries.push(crate::read_entry(row)?);
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.seq));
        entries.dedup_by_key(|e| e.seq);
        let next = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(Page { entries, next })
    }

    /// How many entries `filter` selects.
    pub fn count(&self, filter: &Filter) -> Result<u64, LogError> {
        let (from, to) = millis(filter);
        if from >= to {
            return Ok(0);
        }
        if filter.is_time_only() {
            // The time index holds every entry, late or not, in a twentieth of the table's pages.
            return Ok(self.conn.query_row(
                "SELECT count(*) FROM entries INDEXED BY entries_at
                 WHERE at_ms >= ?1 AND at_ms < ?2",
                [from, to],
                |r| r.get(0),
            )?);
        }
        let mut total = 0u64;
        for arm in self.arms(filter, None)? {
            let sql = format!(
                "SELECT count(*) FROM entries e {} WHERE {}",
                arm.hint, arm.cond
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            total += st.query_row(rusqlite::params_from_iter(arm.values.iter()), |r| {
                r.get::<_, u64>(0)
            })?;
        }
        Ok(total)
    }

    /// The counts over the entries `filter` selects; hours are the hall's (`offset`).
    pub fn summary(&self, filter: &Filter, offset: FixedOffset) -> Result<LogSummary, LogError> {
        let issuer = if self.version >= 2 {
            "coalesce(e.issuer_name, e.issuer)"
        } else {
            "e.issuer"
        };
        let reasons = if self.version >= 2 {
            "e.reasons"
        } else {
            "NULL"
        };
        let offset_s = i64::from(offset.local_minus_utc());
        let mut tally = SummaryTally::default();
        for arm in self.arms(filter, None)? {
            let sql = format!(
                "SELECT e.seq, e.at_ms, e.verdict, e.credential_type, {issuer}, e.clerk, e.counter,
                     e.channel, e.chain_source, e.failing, {reasons}
                 FROM entries e {} WHERE {}",
                arm.hint, arm.cond
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            let mut rows = st.query(rusqlite::params_from_iter(arm.values.iter()))?;
            while let Some(r) = rows.next()? {
                let seq: u64 = r.get(0)?;
                let at_ms: i64 = r.get(1)?;
                tally.total += 1;
                tally.range = Some(match tally.range {
                    Some((lo, hi)) => (lo.min(seq), hi.max(seq)),
                    None => (seq, seq),
                });
                let hour = (at_ms.div_euclid(1000) + offset_s).rem_euclid(86_400) / 3600;
                tally.by_hour[usize::try_from(hour).unwrap_or(0)] += 1;
                tally.verdict.add(text(r.get_ref(2)?)?);
                tally.kind.add(text(r.get_ref(3)?)?);
                tally.issuer.add(text(r.get_ref(4)?)?);
                tally.clerk.add(text(r.get_ref(5)?)?);
                tally.counter.add(text(r.get_ref(6)?)?);
                tally.channel.add(text(r.get_ref(7)?)?);
                tally.source.add(text(r.get_ref(8)?)?);
                let failing = text(r.get_ref(9)?)?.unwrap_or("");
                if !failing.is_empty() {
                    // A reason code where one was recorded; the check id where none was.
                    let keys = match text(r.get_ref(10)?)? {
                        Some(reasons) if !reasons.is_empty() => reasons,
                        _ => failing,
                    };
                    for key in keys.split(',') {
                        tally.failures.add(Some(key));
                    }
                }
            }
        }
        Ok(LogSummary {
            total: tally.total,
            range: tally.range,
            by_verdict: tally.verdict.counts(),
            by_type: tally.kind.counts(),
            by_issuer: tally.issuer.counts(),
            by_clerk: tally.clerk.counts(),
            by_counter: tally.counter.counts(),
            by_channel: tally.channel.counts(),
            by_chain_source: tally.source.counts(),
            by_hour: tally.by_hour,
            failures: tally.failures.counts(),
        })
    }

    /// The filter as disjoint SQL parts over `entries e`, limited to row numbers below
    /// `before`. Empty when nothing can match.
    pub(crate) fn arms(&self, filter: &Filter, before: Option<u64>) -> Result<Vec<Arm>, LogError> {
        let (from, to) = millis(filter);
        if from >= to || before == Some(0) {
            return Ok(Vec::new());
        }
        if self.version < 3 {
            // An older file read as it is: the time index and SQLite's own plan.
            let mut arm = Arm {
                hint: "",
                cond: "e.at_ms >= ? AND e.at_ms < ?".into(),
                values: vec![Value::Integer(from), Value::Integer(to)],
            };
            if let Some(before) = before {
                arm.and("e.seq < ?", [int(before)]);
            }
            self.add_filters(&mut arm, filter, None, false);
            return Ok(vec![arm]);
        }
        let span = self.span(from, to)?;
        let driver = driver(filter);
        let mut arms = Vec::new();
        if let Some((lo, hi)) = span.window {
            let hi = before.map_or(hi, |b| hi.min(b - 1));
            if lo <= hi {
                let mut base = Arm {
                    hint: "",
                    cond: "e.seq BETWEEN ? AND ?".into(),
                    values: vec![int(lo), int(hi)],
                };
                if span.late {
                    base.and("e.seq NOT IN (SELECT seq FROM entries_late)", []);
                }
                arms.extend(self.driven(base, filter, driver));
            }
        }
        if span.late {
            // Few rows, found through the list itself: no filter may lead this plan.
            let mut arm = Arm {
                hint: "",
                cond: "e.seq IN (SELECT seq FROM entries_late INDEXED BY entries_late_at
                     WHERE at_ms >= ? AND at_ms < ?)"
                    .into(),
                values: vec![Value::Integer(from), Value::Integer(to)],
            };
            if let Some(before) = before {
                arm.and("e.seq < ?", [int(before)]);
            }
            self.add_filters(&mut arm, filter, None, true);
            arms.push(arm);
        }
        Ok(arms)
    }

    /// `base` with the filters, led by `driver`'s index. An issuer matches by name or by
    /// did:key, two indexes: leading with it makes two disjoint parts.
    fn driven(&self, base: Arm, filter: &Filter, driver: Option<Field>) -> Vec<Arm> {
        match (driver, &filter.issuer) {
            (Some(Field::Issuer), Some(issuer)) => {
                let mut by_name = base.clone();
                by_name.hint = "INDEXED BY entries_issuer_name";
                by_name.and("e.issuer_name = ?", [Value::Text(issuer.clone())]);
                self.add_filters(&mut by_name, filter, Some(Field::Issuer), true);
                let mut by_key = base;
                by_key.hint = "INDEXED BY entries_issuer";
                by_key.and(
                    "e.issuer = ? AND +e.issuer_name IS NOT ?",
                    [Value::Text(issuer.clone()), Value::Text(issuer.clone())],
                );
                self.add_filters(&mut by_key, filter, Some(Field::Issuer), true);
                vec![by_name, by_key]
            }
            (Some(field), _) => {
                let mut arm = base;
                arm.hint = field.hint();
                self.add_filters(&mut arm, filter, Some(field), true);
                vec![arm]
            }
            (None, _) => {
                let mut arm = base;
                // Only row numbers constrain it: the table itself, walked by row number.
                arm.hint = "NOT INDEXED";
                vec![arm]
            }
        }
    }

    /// Adds every filter but `skip` (already in the condition); with `plain`, written so that
    /// no index can serve them (`+column`).
    fn add_filters(&self, arm: &mut Arm, filter: &Filter, skip: Option<Field>, plain: bool) {
        let plus = if plain { "+" } else { "" };
        for (field, value) in [
            (Field::Counter, filter.counter.as_deref()),
            (Field::Clerk, filter.clerk.as_deref()),
            (Field::Verdict, filter.verdict.map(Verdict::as_str)),
            (Field::Type, filter.credential_type.as_deref()),
        ] {
            if let Some(value) = value {
                if skip == Some(field) {
                    arm.and(
                        &format!("{} = ?", field.column()),
                        [Value::Text(value.to_string())],
                    );
                } else {
                    arm.and(
                        &format!("{plus}{} = ?", field.column()),
                        [Value::Text(value.to_string())],
                    );
                }
            }
        }
        if let (Some(issuer), true) = (&filter.issuer, skip != Some(Field::Issuer)) {
            if self.version >= 2 {
                arm.and(
                    &format!("({plus}e.issuer = ? OR {plus}e.issuer_name = ?)"),
                    [Value::Text(issuer.clone()), Value::Text(issuer.clone())],
                );
            } else {
                arm.and("e.issuer = ?", [Value::Text(issuer.clone())]);
            }
        }
    }

    /// The span of row numbers holding the range's entries that are not late.
    fn span(&self, from: i64, to: i64) -> Result<Span, LogError> {
        let late: bool =
            self.conn
                .query_row("SELECT EXISTS (SELECT 1 FROM entries_late)", [], |r| {
                    r.get(0)
                })?;
        let skip = if late {
            " AND seq NOT IN (SELECT seq FROM entries_late)"
        } else {
            ""
        };
        // Entries that are not late stand in time order, so the first at or after `from` and
        // the last before `to` (in the time index) bound them all.
        let lo: Option<u64> = self
            .conn
            .prepare_cached(&format!(
                "SELECT seq FROM entries INDEXED BY entries_at WHERE at_ms >= ?1{skip}
                 ORDER BY at_ms, seq LIMIT 1"
            ))?
            .query_row([from], |r| r.get(0))
            .map(Some)
            .or_else(none_if_no_rows)?;
        let hi: Option<u64> = self
            .conn
            .prepare_cached(&format!(
                "SELECT seq FROM entries INDEXED BY entries_at WHERE at_ms < ?1{skip}
                 ORDER BY at_ms DESC, seq DESC LIMIT 1"
            ))?
            .query_row([to], |r| r.get(0))
            .map(Some)
            .or_else(none_if_no_rows)?;
        let window = match (lo, hi) {
            (Some(lo), Some(hi)) if lo <= hi => Some((lo, hi)),
            _ => None,
        };
        Ok(Span { window, late })
    }

    /// The filter's conditions on the entry fields alone (not time), as one SQL expression
    /// over `e` that is 1 when the entry matches (`1` with no filter).
    pub(crate) fn matches_expr(&self, filter: &Filter) -> (String, Vec<Value>) {
        let mut arm = Arm {
            hint: "",
            cond: "1".into(),
            values: Vec::new(),
        };
        self.add_filters(&mut arm, filter, None, true);
        // A NULL (a filter on a field the entry lacks) is no match.
        (format!("coalesce(({}), 0)", arm.cond), arm.values)
    }
}

/// How many recent entries may be listed as out of order so that a new one is not: the ones
/// a clock that had been ahead wrote before it was put right.
const RECENT: usize = 16;

/// Decides, as entries are appended, which stand out of time order (listed in
/// `entries_late`), keeping every other entry's time at least that of every other entry before
/// it. A new entry timed before the last entries in order is listed itself, unless at most
/// [`RECENT`] of them are later than it: then those are listed instead (the clock had been
/// ahead and was put right), so one wrong time never leaves every later entry out of order.
pub(crate) struct Clock {
    /// The last entries in order, `(seq, at_ms)`, oldest first: at most `RECENT + 1`.
    tail: VecDeque<(u64, i64)>,
    /// Whether `tail` holds every entry in order (the log has no others).
    all: bool,
}

impl Clock {
    /// For a log without entries.
    pub(crate) fn empty() -> Self {
        Self {
            tail: VecDeque::new(),
            all: true,
        }
    }

    /// The last entries in order of a version-3 log.
    pub(crate) fn load(conn: &rusqlite::Connection) -> Result<Self, LogError> {
        let mut st = conn.prepare_cached(
            "SELECT seq, at_ms FROM entries WHERE seq NOT IN (SELECT seq FROM entries_late)
             ORDER BY seq DESC LIMIT ?1",
        )?;
        let mut tail: VecDeque<(u64, i64)> = st
            .query_map([RECENT as i64 + 1], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        tail.make_contiguous().reverse();
        let all = tail.len() <= RECENT;
        Ok(Self { tail, all })
    }

    /// Places the entry `seq` timed `at_ms` (appended after every entry seen so far); returns
    /// the entries to list as out of order, `(seq, at_ms)`: none, this one, or recent ones.
    pub(crate) fn place(&mut self, seq: u64, at_ms: i64) -> Vec<(u64, i64)> {
        let later = self
            .tail
            .iter()
            .rev()
            .take_while(|(_, at)| *at > at_ms)
            .count();
        if later > 0 && (later > RECENT || (later == self.tail.len() && !self.all)) {
            // More entries are later than it than may be moved aside (or how many is unknown).
            return vec![(seq, at_ms)];
        }
        let moved: Vec<(u64, i64)> = self.tail.drain(self.tail.len() - later..).collect();
        self.tail.push_back((seq, at_ms));
        if self.tail.len() > RECENT + 1 {
            self.tail.pop_front();
            self.all = false;
        }
        moved
    }
}

/// Which filter leads: the one likely to select the fewest rows. A verdict other than VALID
/// is rare (a few in a hundred); a clerk or a counter is one of a dozen; a type or an issuer
/// one of a handful; VALID is nearly everything.
fn driver(filter: &Filter) -> Option<Field> {
    let valid = filter.verdict == Some(Verdict::Valid);
    if filter.verdict.is_some() && !valid {
        Some(Field::Verdict)
    } else if filter.clerk.is_some() {
        Some(Field::Clerk)
    } else if filter.counter.is_some() {
        Some(Field::Counter)
    } else if filter.credential_type.is_some() {
        Some(Field::Type)
    } else if filter.issuer.is_some() {
        Some(Field::Issuer)
    } else if valid {
        Some(Field::Verdict)
    } else {
        None
    }
}

fn millis(filter: &Filter) -> (i64, i64) {
    (filter.from.timestamp_millis(), filter.to.timestamp_millis())
}

fn int(n: u64) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn none_if_no_rows<T>(e: rusqlite::Error) -> Result<Option<T>, rusqlite::Error> {
    match e {
        rusqlite::Error::QueryReturnedNoRows => Ok(None),
        e => Err(e),
    }
}

/// A text column as stored (`None` for NULL).
fn text(value: ValueRef<'_>) -> Result<Option<&str>, LogError> {
    match value {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(Some)
            .map_err(|_| LogError::Corrupt("text that is not UTF-8".into())),
        _ => Err(LogError::Corrupt("a text column holds another type".into())),
    }
}

/// Counts per value without allocating for a value already seen.
#[derive(Default)]
struct Tally {
    none: u64,
    some: HashMap<String, u64>,
}

impl Tally {
    fn add(&mut self, key: Option<&str>) {
        match key {
            None => self.none += 1,
            Some(k) => match self.some.get_mut(k) {
                Some(n) => *n += 1,
                None => {
                    self.some.insert(k.to_string(), 1);
                }
            },
        }
    }

    /// Most frequent first; ties by value, `None` first (as SQLite orders NULL).
    fn counts(self) -> Vec<Count> {
        let mut out: Vec<Count> = self
            .some
            .into_iter()
            .map(|(key, count)| Count {
                key: Some(key),
                count,
            })
            .collect();
        if self.none > 0 {
            out.push(Count {
                key: None,
                count: self.none,
            });
        }
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        out
    }
}

#[derive(Default)]
struct SummaryTally {
    total: u64,
    range: Option<(u64, u64)>,
    by_hour: [u64; 24],
    verdict: Tally,
    kind: Tally,
    issuer: Tally,
    clerk: Tally,
    counter: Tally,
    channel: Tally,
    source: Tally,
    failures: Tally,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Places `times` (seq from 1) one by one; returns the seqs listed out of order.
    fn late(times: &[i64]) -> Vec<u64> {
        let mut clock = Clock::empty();
        let mut out: Vec<u64> = times
            .iter()
            .enumerate()
            .flat_map(|(i, &at)| clock.place(i as u64 + 1, at))
            .map(|(seq, _)| seq)
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn a_clock_that_was_ahead_lists_only_what_it_wrote() {
        assert_eq!(late(&[1, 2, 3, 1000, 4, 5, 6]), [4]);
        assert_eq!(late(&[1, 2, 3, 1000, 1001, 1002, 4, 5, 6]), [4, 5, 6]);
    }

    #[test]
    fn a_clock_set_back_far_lists_the_entries_until_it_catches_up() {
        let mut times: Vec<i64> = (1..=30).map(|t| t * 10).collect();
        times.extend([105, 115, 125, 305, 315]);
        assert_eq!(late(&times), [31, 32, 33]);
    }

    #[test]
    fn equal_times_are_in_order() {
        assert!(late(&[5, 5, 5, 6, 6]).is_empty());
    }

    proptest! {
        /// Whatever the times, the entries not listed stand in time order.
        #[test]
        fn the_entries_not_listed_are_in_time_order(
            times in proptest::collection::vec(
                prop_oneof![0i64..100, 1000i64..1100, 0i64..1_000_000], 0..200)
        ) {
            let listed = late(&times);
            let kept: Vec<i64> = times
                .iter()
                .enumerate()
                .filter(|(i, _)| listed.binary_search(&(*i as u64 + 1)).is_err())
                .map(|(_, &t)| t)
                .collect();
            prop_assert!(kept.windows(2).all(|w| w[0] <= w[1]), "{kept:?}");
        }

        /// Appending in batches (the clock reloaded from the file between them) keeps the
        /// same promise.
        #[test]
        fn batches_keep_the_entries_not_listed_in_time_order(
            times in proptest::collection::vec(0i64..1000, 1..120),
            cut in 1usize..7,
        ) {
            let conn = rusqlite::Connection::open_in_memory().expect("open");
            conn.execute_batch(
                "CREATE TABLE entries (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);
                 CREATE TABLE entries_late (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);",
            )
            .expect("schema");
            for (b, chunk) in times.chunks(cut).enumerate() {
                let mut clock = Clock::load(&conn).expect("load");
                for (i, &at) in chunk.iter().enumerate() {
                    let seq = (b * cut + i + 1) as u64;
                    conn.execute("INSERT INTO entries VALUES (?1, ?2)", (seq, at))
                        .expect("insert");
                    for (s, t) in clock.place(seq, at) {
                        conn.execute("INSERT INTO entries_late VALUES (?1, ?2)", (s, t))
                            .expect("insert");
                    }
                }
            }
            let mut st = conn
                .prepare(
                    "SELECT at_ms FROM entries WHERE seq NOT IN (SELECT seq FROM entries_late)
                     ORDER BY seq",
                )
                .expect("prepare");
            let kept: Vec<i64> = st
                .query_map([], |r| r.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows");
            prop_assert!(kept.windows(2).all(|w| w[0] <= w[1]), "{kept:?}");
        }
    }
}
