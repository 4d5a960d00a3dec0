//! The supervisor console's reading side, for the app (and any other front end): a selection
//! of hall-local days and exact values as a screen sends it, the overview of a range (counts,
//! the values seen for the filter form, the attention list with its entries), pages of
//! entries, one entry.
//!
//! Reading never holds up the counter: the console reads through its own read-only
//! connections to the log (never the counter's writer), one for pages and lookups and one for
//! summaries and exports, so a page never waits behind a year's summary (SQLite readers in WAL
//! mode do not block each other). Actions that disclose or export go through
//! [`crate::review`], recorded in the audit trail first.

use crate::review::ReviewError;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use countersign_log::{
    Attention, AttentionKind, AuditRecord, Entry, Filter, Log, LogError, LogSummary,
};
use countersign_vocab::Verdict;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The console's read-only connections to the log, opened on first use.
#[derive(Debug)]
pub struct Console {
    log_path: PathBuf,
    /// Pages, entries, searches: quick, indexed.
    pages: Mutex<Option<Log>>,
    /// Summaries, the attention list, exports: as long as the range is.
    sums: Mutex<Option<Log>>,
    /// The algorithms the hall accepts, for integrity checks.
    algorithms: countersign_crypto::Policy,
}

/// Which of the console's connections a read uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Quick, indexed reads.
    Pages,
    /// Reads as long as the range.
    Sums,
}

/// A range's overview.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The selection's counts.
    pub summary: LogSummary,
    /// The counts of the whole range without the value filters: the filter form's choices.
    pub choices: LogSummary,
    /// The selection's first and last day.
    pub days: (NaiveDate, NaiveDate),
    /// What needs a supervisor's attention, each with the entries it names (a repeated
    /// credential's every entry; otherwise the first and last).
    pub attention: Vec<(Attention, Vec<Entry>)>,
}

/// A page of entries, newest first.
#[derive(Debug, Clone)]
pub struct EntryPage {
    /// The entries.
    pub entries: Vec<Entry>,
    /// Where the next page starts, if there is one.
    pub next: Option<u64>,
    /// How many the selection holds (first page only).
    pub total: Option<u64>,
}

impl Console {
    /// The console over the log at `log_path`, for a hall of the standard profile.
    pub fn new(log_path: impl Into<PathBuf>) -> Self {
        Self {
            log_path: log_path.into(),
            pages: Mutex::new(None),
            sums: Mutex::new(None),
            algorithms: countersign_crypto::Policy::default(),
        }
    }

    /// For a hall whose algorithm policy is `algorithms` (its settings'): what the integrity
    /// check accepts of the days' and checkpoints' signatures.
    pub fn with_algorithms(mut self, algorithms: countersign_crypto::Policy) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// The log file read.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    fn slot(&self, which: Reader) -> &Mutex<Option<Log>> {
        match which {
            Reader::Pages => &self.pages,
            Reader::Sums => &self.sums,
        }
    }

    /// Runs `f` on one of the read-only connections (opened on first use), whatever it
    /// returns.
    pub fn with_reader<T>(
        &self,
        which: Reader,
        f: impl FnOnce(&Log) -> T,
    ) -> Result<T, ReviewError> {
        // A panic while reading leaves the connection as it was: still usable.
        let mut reader = self.slot(which).lock().unwrap_or_else(|e| e.into_inner());
        let log = match reader.take() {
            Some(log) => log,
            None => Log::open_read_only(&self.log_path).map_err(ReviewError::Log)?,
        };
        let out = f(&log);
        *reader = Some(log);
        Ok(out)
    }

    /// Runs `f` on one of the read-only connections, opened again after an error (in case
    /// the file was replaced).
    pub fn read<T>(
        &self,
        which: Reader,
        f: impl FnOnce(&Log) -> Result<T, LogError>,
    ) -> Result<T, ReviewError> {
        let result = self.with_reader(which, f)?;
        if result.is_err() {
            *self.slot(which).lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        result.map_err(ReviewError::Log)
    }

    /// The overview of `selection`.
    pub fn overview(
        &self,
        selection: &Selection,
        offset: FixedOffset,
    ) -> Result<Overview, ReviewError> {
        let filter = selection.filter(offset)?;
        let days = selection.days()?;
        self.read(Reader::Sums, |log| {
            let summary = log.summary(&filter, offset)?;
            let choices = if filter.is_time_only() {
                summary.clone()
            } else {
                log.summary(&Filter::between(filter.from, filter.to), offset)?
            };
            let mut attention = Vec::new();
            for item in log.attention(&filter, offset)? {
                let wanted: Vec<u64> = match item.kind {
                    AttentionKind::RepeatedCredential => item.entries.clone(),
                    _ => item
                        .entries
                        .first()
                        .into_iter()
                        .chain(item.entries.last())
                        .copied()
                        .collect(),
                };
                let mut entries = Vec::new();
                for seq in wanted {
                    entries.extend(log.entry(seq)?);
                }
                attention.push((item, entries));
            }
            Ok(Overview {
                summary,
                choices,
                days,
                attention,
            })
        })
    }

    /// A page of `selection`'s entries before `before` (the previous page's `next`); the
    /// first page also counts them.
    pub fn page(
        &self,
        selection: &Selection,
        offset: FixedOffset,
        before: Option<u64>,
        size: usize,
    ) -> Result<EntryPage, ReviewError> {
        let filter = selection.filter(offset)?;
        self.read(Reader::Pages, |log| {
            let page = log.page(&filter, before, size)?;
            let total = match before {
                None => Some(log.count(&filter)?),
                Some(_) => None,
            };
            Ok(EntryPage {
                entries: page.entries,
                next: page.next,
                total,
            })
        })
    }

    /// A supervisor's integrity check ([`crate::integrity::run`]) on a connection of its own
    /// (a full check reads the whole file), recorded in `audit`'s trail; with the newest
    /// audit records after it, for the screen.
    pub fn integrity(
        &self,
        audit: &mut Log,
        trusted: &[countersign_crypto::PublicKey],
        anchors: &crate::integrity::AnchorSource<'_>,
        actor: &crate::review::Actor,
        now: DateTime<Utc>,
    ) -> Result<(crate::integrity::IntegrityReport, Vec<AuditRecord>), ReviewError> {
        let read = Log::open_read_only(&self.log_path).map_err(ReviewError::Log)?;
        let (report, _) =
            crate::integrity::run(&read, audit, trusted, &self.algorithms, anchors, actor, now)?;
        Ok((report, self.recent_audit(20)?))
    }

    /// The newest `limit` audit records, newest first.
    pub fn recent_audit(&self, limit: usize) -> Result<Vec<AuditRecord>, ReviewError> {
        self.read(Reader::Pages, |log| {
            log.audit_entries(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, limit)
        })
    }

    /// Entry `seq` (as the log holds it: the subject masked).
    pub fn entry(&self, seq: u64) -> Result<Entry, ReviewError> {
        self.read(Reader::Pages, |log| log.entry(seq))?
            .ok_or(ReviewError::NoEntry(seq))
    }
}

/// A selection as a screen sends it: hall-local days (both included) and exact values.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
    /// Counter id.
    pub counter: Option<String>,
    /// Clerk id.
    pub clerk: Option<String>,
    /// Verdict (`CANNOT_CONFIRM` is the screen's name for UNVERIFIABLE).
    pub verdict: Option<String>,
    /// Credential type.
    pub credential_type: Option<String>,
    /// Issuer.
    pub issuer: Option<String>,
}

impl Selection {
    /// Every entry of one hall-local day.
    pub fn day(day: NaiveDate) -> Self {
        Self {
            from: day.to_string(),
            to: day.to_string(),
            counter: None,
            clerk: None,
            verdict: None,
            credential_type: None,
            issuer: None,
        }
    }

    /// `selection`, or the whole of `today` when there is none.
    pub fn or_day(selection: Option<Self>, today: NaiveDate) -> Self {
        selection.unwrap_or_else(|| Self::day(today))
    }

    /// The first and last day, in order.
    pub fn days(&self) -> Result<(NaiveDate, NaiveDate), ReviewError> {
        let parse = |d: &str| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map_err(|_| ReviewError::BadFilter(format!("{d:?} is not a YYYY-MM-DD day")))
        };
        let (a, b) = (parse(&self.from)?, parse(&self.to)?);
        Ok((a.min(b), a.max(b)))
    }

    /// The log's filter: from the first day's hall-local midnight to the one after the last.
    pub fn filter(&self, offset: FixedOffset) -> Result<Filter, ReviewError> {
        let (first, last) = self.days()?;
        let bad = |e: LogError| ReviewError::BadFilter(e.to_string());
        let from = countersign_log::day_bounds(first, offset).map_err(bad)?.0;
        let to = countersign_log::day_bounds(last, offset).map_err(bad)?.1;
        fn value(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        Ok(Filter {
            counter: value(&self.counter).map(str::to_string),
            clerk: value(&self.clerk).map(str::to_string),
            verdict: value(&self.verdict)
                .map(Verdict::parse_any)
                .transpose()
                .map_err(|e| ReviewError::BadFilter(e.to_string()))?,
            credential_type: value(&self.credential_type).map(str::to_string),
            issuer: value(&self.issuer).map(str::to_string),
            ..Filter::between(from, to)
        })
    }

    /// The selection in a few words, for the audit trail: `2026-11-25 counter=3
    /// verdict=INVALID`.
    pub fn describe(&self) -> String {
        let (first, last) = self.days().unwrap_or_default();
        let mut out = if first == last {
            first.to_string()
        } else {
            format!("{first}..{last}")
        };
        for (name, value) in [
            ("counter", &self.counter),
            ("clerk", &self.clerk),
            ("verdict", &self.verdict),
            ("type", &self.credential_type),
            ("issuer", &self.issuer),
        ] {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                out.push_str(&format!(" {name}={v}"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(from: &str, to: &str) -> Selection {
        Selection {
            from: from.into(),
            to: to.into(),
            counter: Some("3".into()),
            clerk: Some(" ".into()),
            verdict: Some("CANNOT_CONFIRM".into()),
            credential_type: None,
            issuer: None,
        }
    }

    #[test]
    fn a_range_is_hall_local_days_both_included() {
        let offset = FixedOffset::east_opt(8 * 3600).expect("offset");
        let f = selection("2026-11-25", "2026-11-24")
            .filter(offset)
            .expect("filter");
        assert_eq!(f.from.to_rfc3339(), "2026-11-23T16:00:00+00:00");
        assert_eq!(f.to.to_rfc3339(), "2026-11-25T16:00:00+00:00");
        assert_eq!(f.counter.as_deref(), Some("3"));
        assert_eq!(f.clerk, None, "a blank value is no filter");
        assert_eq!(f.verdict, Some(Verdict::Unverifiable));
        assert_eq!(
            selection("2026-11-24", "2026-11-25").describe(),
            "2026-11-24..2026-11-25 counter=3 verdict=CANNOT_CONFIRM"
        );
        let bad = selection("yesterday", "2026-11-25").filter(offset);
        assert!(matches!(bad, Err(ReviewError::BadFilter(_))));
    }
}
