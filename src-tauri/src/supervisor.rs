//! The supervisor's console: a day's (or a range's) review, the attention list, the integrity
//! check, exports and the privacy policy. Each command is a few lines over `countersign-log`,
//! `countersign-export`, `countersign-dayreport` and `countersign-pdf`.
//!
//! Reading never holds up the counter: the console reads through its own read-only
//! connections to the log (never the counter's writer), one for pages and lookups and one for
//! summaries and exports, so a page never waits behind a year's summary (SQLite readers in WAL
//! mode do not block each other); every command here is `async` and does its work on Tauri's
//! blocking pool, so the window stays responsive through a year's summary or a full integrity
//! check (which opens a connection of its own). What a supervisor does (and a clerk's reveal of a masked number) is
//! recorded in the log's audit trail through the counter's writer; an action that cannot be
//! recorded is not done.

use crate::commands::{clerk, lock, session};
use crate::review_view::{
    local, AttentionView, EntryDetailView, ExportView, IntegrityView, OptionsView, OverviewView,
    PageView, PolicyView, ReviewRow, SummaryView,
};
use crate::session::Session;
use crate::{AppState, CommandError};
use chrono::{FixedOffset, NaiveDate, Utc};
use countersign_log::{Filter, Log, LogError};
use countersign_station::integrity;
use countersign_station::review::{
    self, Actor, Destination, ExportFormat, ExportSpec, ReviewError,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::AppHandle;

/// Rows per page of the entries table.
pub const PAGE: usize = 50;

/// The console's own state: where exports go, and its read-only connections to the log.
pub struct Review {
    log_path: PathBuf,
    /// `<data dir>/exports`, or `COUNTERSIGN_EXPORT_DIR`.
    pub export_dir: PathBuf,
    /// Pages, entries, searches: quick, indexed.
    pages: Mutex<Option<Log>>,
    /// Summaries, the attention list, exports: as long as the range is.
    sums: Mutex<Option<Log>>,
}

/// Which of the console's connections a read uses.
#[derive(Clone, Copy)]
enum Reader {
    Pages,
    Sums,
}

impl Review {
    /// The console over the log at `log_path`; exports go to `COUNTERSIGN_EXPORT_DIR` if set,
    /// else `<data_dir>/exports` (read here, at start, like every other path).
    pub fn new(log_path: PathBuf, data_dir: &Path) -> Self {
        let export_dir = std::env::var_os("COUNTERSIGN_EXPORT_DIR")
            .filter(|v| !v.is_empty())
            .map_or_else(|| data_dir.join("exports"), PathBuf::from);
        Self {
            log_path,
            export_dir,
            pages: Mutex::new(None),
            sums: Mutex::new(None),
        }
    }

    fn slot(&self, which: Reader) -> &Mutex<Option<Log>> {
        match which {
            Reader::Pages => &self.pages,
            Reader::Sums => &self.sums,
        }
    }

    /// Runs `f` on one of the read-only connections (opened on first use), whatever it
    /// returns.
    fn with_reader<T>(&self, which: Reader, f: impl FnOnce(&Log) -> T) -> Result<T, CommandError> {
        let mut reader = self
            .slot(which)
            .lock()
            .map_err(|_| CommandError::new("internal", "review state unusable"))?;
        if reader.is_none() {
            *reader = Some(Log::open_read_only(&self.log_path).map_err(log_error)?);
        }
        let log = reader
            .as_ref()
            .ok_or_else(|| CommandError::new("internal", "no log reader"))?;
        Ok(f(log))
    }

    /// Runs `f` on one of the read-only connections, opening it on first use (and again after
    /// an error, in case the file was replaced).
    fn read<T>(
        &self,
        which: Reader,
        f: impl FnOnce(&Log) -> Result<T, LogError>,
    ) -> Result<T, CommandError> {
        let result = self.with_reader(which, f)?;
        if result.is_err() {
            if let Ok(mut reader) = self.slot(which).lock() {
                *reader = None;
            }
        }
        result.map_err(log_error)
    }
}

fn log_error(e: LogError) -> CommandError {
    CommandError::new("review.log", e.to_string())
}

/// A signed-in supervisor, or why not.
fn supervisor(state: &AppState) -> Result<Session, CommandError> {
    match session(state)? {
        Some(s) if !s.is_clerk() => Ok(s),
        Some(_) => Err(CommandError::new(
            "review.not_supervisor",
            "only a supervisor may review the log",
        )),
        None => Err(CommandError::new("signed_out", "no one is signed in")),
    }
}

/// Records `action` on `detail` by `actor` in `role` in the log's audit trail.
pub fn record(
    state: &AppState,
    actor: &str,
    role: &str,
    action: &str,
    detail: &str,
) -> Result<u64, CommandError> {
    let mut counter = lock(state)?;
    let station = counter
        .station_mut()
        .map_err(|e| CommandError::new("review.audit", e.to_string()))?;
    let seq = station
        .log_mut()
        .audit(actor, role, action, detail, state.config.clock.now())
        .map_err(|e| CommandError::new("review.audit", e.to_string()))?;
    tracing::info!(actor, role, action, detail, audit = seq, "audited");
    Ok(seq)
}

use crate::worker::run as blocking;

/// The filter as the screen sends it: hall-local days (both included) and exact values.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterArgs {
    from: String,
    to: String,
    counter: Option<String>,
    clerk: Option<String>,
    verdict: Option<String>,
    credential_type: Option<String>,
    issuer: Option<String>,
}

impl FilterArgs {
    /// Every entry of one hall-local day.
    fn day(day: NaiveDate) -> Self {
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

    /// The first and last day, in order.
    fn days(&self) -> Result<(NaiveDate, NaiveDate), CommandError> {
        let parse = |d: &str| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                CommandError::new(
                    "review.bad_filter",
                    format!("{d:?} is not a YYYY-MM-DD day"),
                )
            })
        };
        let (a, b) = (parse(&self.from)?, parse(&self.to)?);
        Ok((a.min(b), a.max(b)))
    }

    /// The log's filter: from the first day's hall-local midnight to the one after the last.
    fn filter(&self, offset: FixedOffset) -> Result<Filter, CommandError> {
        let (first, last) = self.days()?;
        let bad = |e: LogError| CommandError::new("review.bad_filter", e.to_string());
        let from = countersign_log::day_bounds(first, offset).map_err(bad)?.0;
        let to = countersign_log::day_bounds(last, offset).map_err(bad)?.1;
        fn value(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        Ok(Filter {
            counter: value(&self.counter).map(str::to_string),
            clerk: value(&self.clerk).map(str::to_string),
            // The screen calls UNVERIFIABLE "CANNOT_CONFIRM".
            verdict: value(&self.verdict).map(|v| match v {
                "CANNOT_CONFIRM" => "UNVERIFIABLE".to_string(),
                v => v.to_string(),
            }),
            credential_type: value(&self.credential_type).map(str::to_string),
            issuer: value(&self.issuer).map(str::to_string),
            ..Filter::between(from, to)
        })
    }

    /// The filter in a few words, for the audit trail: `2026-11-25 counter=3 verdict=INVALID`.
    fn describe(&self) -> String {
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

fn today(clock: &countersign_station::Clock, offset: FixedOffset) -> NaiveDate {
    clock.now().with_timezone(&offset).date_naive()
}

/// The overview of a range (today when none is given): its counts and charts' data, the values
/// seen in the range for the filter form, and the attention list.
#[tauri::command]
pub async fn review_overview(
    app: AppHandle,
    filter: Option<FilterArgs>,
) -> Result<OverviewView, CommandError> {
    blocking(app, move |state| {
        supervisor(state)?;
        let offset = state.config.utc_offset;
        let today = today(&state.config.clock, offset);
        let args = filter.unwrap_or_else(|| FilterArgs::day(today));
        let (first, last) = args.days()?;
        let filter = args.filter(offset)?;
        state.review.read(Reader::Sums, |log| {
            let summary = log.summary(&filter, offset)?;
            let options = if filter.is_time_only() {
                OptionsView::from(&summary)
            } else {
                OptionsView::from(&log.summary(&Filter::between(filter.from, filter.to), offset)?)
            };
            let mut attention = Vec::new();
            for item in log.attention(&filter, offset)? {
                let wanted: Vec<u64> = match item.kind {
                    countersign_log::AttentionKind::RepeatedCredential => item.entries.clone(),
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
                attention.push(AttentionView::new(&item, &entries, offset, first == last));
            }
            Ok(OverviewView {
                today: today.to_string(),
                from: first.to_string(),
                to: last.to_string(),
                summary: SummaryView::from(&summary),
                options,
                attention,
            })
        })
    })
    .await
}

/// A page of the filter's entries, newest first: those before `before` (the previous page's
/// `next`); the first page also says how many the filter selects.
#[tauri::command]
pub async fn review_page(
    app: AppHandle,
    filter: FilterArgs,
    before: Option<u64>,
) -> Result<PageView, CommandError> {
    blocking(app, move |state| {
        supervisor(state)?;
        let offset = state.config.utc_offset;
        let filter = filter.filter(offset)?;
        state.review.read(Reader::Pages, |log| {
            let page = log.page(&filter, before, PAGE)?;
            let total = match before {
                None => Some(log.count(&filter)?),
                Some(_) => None,
            };
            Ok(PageView {
                rows: page
                    .entries
                    .iter()
                    .map(|e| ReviewRow::new(e, offset))
                    .collect(),
                next: page.next,
                total,
            })
        })
    })
    .await
}

/// One entry in full (as the log holds it: the subject masked).
#[tauri::command]
pub async fn review_entry(app: AppHandle, seq: u64) -> Result<EntryDetailView, CommandError> {
    blocking(app, move |state| {
        supervisor(state)?;
        let offset = state.config.utc_offset;
        state
            .review
            .read(Reader::Pages, |log| log.entry(seq))?
            .map(|e| EntryDetailView::new(&e, offset))
            .ok_or_else(|| CommandError::new("review.no_entry", format!("entry {seq}")))
    })
    .await
}

/// Finds verifications by receipt id or credential hash (64 hex digits); the search is
/// recorded in the audit trail first.
#[tauri::command]
pub async fn review_search(app: AppHandle, query: String) -> Result<Vec<ReviewRow>, CommandError> {
    blocking(app, move |state| {
        let who = supervisor(state)?;
        let query = review::Query::parse(&query);
        let offset = state.config.utc_offset;
        let found = state.review.with_reader(Reader::Pages, |read| {
            audited(state, |audit, now| {
                review::search(read, audit, &query, &actor(&who), now)
            })
        })??;
        Ok(found
            .iter()
            .rev()
            .map(|e| ReviewRow::new(e, offset))
            .collect())
    })
    .await
}

/// Checks the whole log (both hash chains, the signed daily digests against the hall key, and
/// each digest against the one anchored on the registry) on its own read-only connection; the
/// run and its result go into the audit trail first.
#[tauri::command]
pub async fn review_integrity(app: AppHandle) -> Result<IntegrityView, CommandError> {
    blocking(app, move |state| {
        let who = supervisor(state)?;
        let started = std::time::Instant::now();
        let node = anchor_node(&state.config);
        let trusted: Vec<_> = state.hall_key.iter().map(|k| k.public()).collect();
        let read = Log::open_read_only(&state.review.log_path).map_err(log_error)?;
        let (report, _) = audited(state, |audit, now| {
            integrity::run(&read, audit, &trusted, &node.source(), &actor(&who), now)
        })?;
        let recent = state.review.read(Reader::Pages, |log| {
            log.audit_entries(
                chrono::DateTime::<Utc>::MIN_UTC,
                chrono::DateTime::<Utc>::MAX_UTC,
                20,
            )
        })?;
        let checked_at = local(state.config.clock.now(), state.config.utc_offset);
        Ok(IntegrityView::new(
            &report,
            &recent,
            state.config.utc_offset,
            checked_at,
            started.elapsed(),
        ))
    })
    .await
}

/// The registry node the integrity check reads day anchors from, or why there is none.
enum AnchorNode {
    None,
    Unreachable(String),
    Node(countersign_chain::Registry),
}

impl AnchorNode {
    fn source(&self) -> integrity::AnchorSource<'_> {
        match self {
            Self::None => integrity::AnchorSource::NotAsked,
            Self::Unreachable(why) => integrity::AnchorSource::Unreachable(why.clone()),
            Self::Node(registry) => integrity::AnchorSource::Node(registry),
        }
    }
}

fn anchor_node(config: &crate::Config) -> AnchorNode {
    let registry = match config.registry.as_deref().map(str::parse) {
        None => return AnchorNode::None,
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => return AnchorNode::Unreachable(format!("COUNTERSIGN_REGISTRY: {e}")),
    };
    let options = countersign_chain::RpcOptions {
        timeout: std::time::Duration::from_secs(3),
        attempts: 1,
        ..countersign_chain::RpcOptions::default()
    };
    match integrity::anchor_source(&config.rpc, registry, &options) {
        Ok(Some(node)) => AnchorNode::Node(node),
        Ok(None) => AnchorNode::None,
        Err(e) => AnchorNode::Unreachable(e.to_string()),
    }
}

/// The signed-in supervisor as the audit trail names them.
fn actor(who: &Session) -> Actor {
    Actor {
        id: who.account.id.clone(),
        role: "supervisor".into(),
    }
}

/// Runs `f` with the counter's log writer (the audit trail) and the clock's time.
fn audited<T>(
    state: &AppState,
    f: impl FnOnce(&mut Log, chrono::DateTime<Utc>) -> Result<T, ReviewError>,
) -> Result<T, CommandError> {
    let mut counter = lock(state)?;
    let station = counter
        .station_mut()
        .map_err(|e| CommandError::new("review.audit", e.to_string()))?;
    f(station.log_mut(), state.config.clock.now()).map_err(review_error)
}

/// Every entry `filter` selects, in log order, read a page of [`countersign_log::MAX_PAGE`]
/// at a time.
/// A file name's part made of the hall id: letters, digits, `-`, `_` and `.` only.
fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Exports the filter's entries as `csv` or `xlsx` (masked summaries only, as the log holds
/// them), or the day's printable report as `pdf` (one day, every counter), into the exports
/// folder; recorded in the audit trail with the file's name (not recorded, not done).
#[tauri::command]
pub async fn review_export(
    app: AppHandle,
    filter: FilterArgs,
    format: String,
) -> Result<ExportView, CommandError> {
    blocking(app, move |state| {
        let who = supervisor(state)?;
        match format.as_str() {
            "csv" => export_entries(state, &who, &filter, ExportFormat::Csv),
            "xlsx" => export_entries(state, &who, &filter, ExportFormat::Xlsx),
            "pdf" => export_day_report(state, &who, &filter),
            other => Err(CommandError::new(
                "bad_request",
                format!("export format {other:?}"),
            )),
        }
    })
    .await
}

fn review_error(e: ReviewError) -> CommandError {
    match e {
        ReviewError::NotRecorded(_) => CommandError::new("review.audit", e.to_string()),
        _ => CommandError::new("review.export", e.to_string()),
    }
}

/// The name an export of `filter` gets in the exports folder.
fn export_stem(state: &AppState, filter: &FilterArgs, what: &str) -> Result<String, CommandError> {
    let (first, last) = filter.days()?;
    let days = if first == last {
        first.to_string()
    } else {
        format!("{first}_{last}")
    };
    Ok(format!("{}_{days}_{what}", file_safe(&state.config.hall)))
}

/// CSV or XLSX of the filter's entries, through the use case the CLI runs too.
fn export_entries(
    state: &AppState,
    who: &Session,
    filter: &FilterArgs,
    format: ExportFormat,
) -> Result<ExportView, CommandError> {
    let offset = state.config.utc_offset;
    let log_filter = filter.filter(offset)?;
    let spec = ExportSpec {
        filter: &log_filter,
        days: filter.days()?,
        offset,
        title: format!("{} {}", state.config.hall, filter.describe()),
        describe: filter.describe(),
        format,
        with_repeats: false,
    };
    let to = Destination::Folder {
        dir: state.review.export_dir.clone(),
        stem: export_stem(state, filter, "entries")?,
    };
    let actor = Actor {
        id: who.account.id.clone(),
        role: "supervisor".into(),
    };
    let exported = state.review.with_reader(Reader::Sums, |read| {
        let mut counter = lock(state)?;
        let station = counter
            .station_mut()
            .map_err(|e| CommandError::new("review.audit", e.to_string()))?;
        review::export(
            read,
            station.log_mut(),
            &spec,
            &to,
            &actor,
            state.config.clock.now(),
        )
        .map_err(review_error)
    })??;
    tracing::info!(path = %exported.path.display(), audit = exported.audit, "exported");
    Ok(ExportView {
        format: format.as_str(),
        path: exported.path.display().to_string(),
        entries: exported.entries,
        whole_day: false,
    })
}

/// The day's printable report (one day, every counter) as PDF.
fn export_day_report(
    state: &AppState,
    who: &Session,
    filter: &FilterArgs,
) -> Result<ExportView, CommandError> {
    let offset = state.config.utc_offset;
    let (first, last) = filter.days()?;
    if first != last {
        return Err(CommandError::new(
            "review.one_day",
            "the daily report is of one day",
        ));
    }
    let (report, digest) = state.review.read(Reader::Sums, |log| {
        let digest = log.digests()?.into_iter().find(|d| d.day == first);
        Ok((log.report(first, offset)?, digest))
    })?;
    let doc = countersign_dayreport::compose(
        &report,
        digest
            .as_ref()
            .map(countersign_dayreport::DigestInfo::from)
            .as_ref(),
        &state.config.hall_name(),
        state.config.clock.now(),
        &format!("{} ({})", who.account.name, who.account.id),
        countersign_dayreport::DEFAULT_PAPER,
    );
    let bytes = countersign_pdf::render(&doc, &state.fonts)
        .map_err(|e| CommandError::new("review.export", e.to_string()))?;
    let to = Destination::Folder {
        dir: state.review.export_dir.clone(),
        stem: export_stem(state, filter, "report")?,
    };
    let path = review::write_new(&to, "pdf", &bytes).map_err(review_error)?;
    let detail = format!(
        "{} -> {} ({} entries)",
        filter.describe(),
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        report.summary.total
    );
    if let Err(e) = record(state, &who.account.id, "supervisor", "export.pdf", &detail) {
        // Not recorded, not done: the file goes.
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(ExportView {
        format: "pdf",
        path: path.display().to_string(),
        entries: report.summary.total,
        whole_day: true,
    })
}

/// The hall's privacy policy (what the log keeps of a subject, masked how, for how long).
#[tauri::command]
pub fn review_policy(state: tauri::State<'_, AppState>) -> Result<PolicyView, CommandError> {
    supervisor(&state)?;
    Ok(PolicyView::from(&state.config.privacy))
}

/// A revealed field's whole value.
#[derive(Debug, serde::Serialize)]
pub struct RevealedField {
    key: String,
    value: String,
}

/// Reveals the masked numbers of verdict `id`, the one on the clerk's screen: first the reveal
/// is recorded in the audit trail (its log entry and the field names, never the values), and
/// only once that has committed are the values returned. Not recorded, not revealed.
#[tauri::command]
pub async fn reveal(app: AppHandle, id: u64) -> Result<Vec<RevealedField>, CommandError> {
    blocking(app, move |state| reveal_on(state, id)).await
}

fn reveal_on(state: &AppState, id: u64) -> Result<Vec<RevealedField>, CommandError> {
    let who = clerk(state)?;
    let (seq, sensitive) = {
        let on_screen = state
            .on_screen
            .lock()
            .map_err(|_| CommandError::new("internal", "screen state unusable"))?;
        match on_screen.as_ref() {
            Some(shown) if shown.id == id => (shown.seq, shown.sensitive.clone()),
            _ => {
                return Err(CommandError::new(
                    "reveal.gone",
                    "that verdict is no longer on the screen",
                ))
            }
        }
    };
    if sensitive.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = sensitive.iter().map(|(k, _)| k.as_str()).collect();
    let detail = match seq {
        Some(seq) => format!("entry {seq}: {}", names.join(",")),
        None => format!("not logged: {}", names.join(",")),
    };
    record(state, &who.account.id, "clerk", "reveal", &detail)?;
    Ok(sensitive
        .into_iter()
        .map(|(key, value)| RevealedField { key, value })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(from: &str, to: &str) -> FilterArgs {
        FilterArgs {
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
        let f = args("2026-11-25", "2026-11-24")
            .filter(offset)
            .expect("filter");
        assert_eq!(f.from.to_rfc3339(), "2026-11-23T16:00:00+00:00");
        assert_eq!(f.to.to_rfc3339(), "2026-11-25T16:00:00+00:00");
        assert_eq!(f.counter.as_deref(), Some("3"));
        assert_eq!(f.clerk, None, "a blank value is no filter");
        assert_eq!(f.verdict.as_deref(), Some("UNVERIFIABLE"));
        assert_eq!(
            args("2026-11-24", "2026-11-25").describe(),
            "2026-11-24..2026-11-25 counter=3 verdict=CANNOT_CONFIRM"
        );
        let bad = args("yesterday", "2026-11-25").filter(offset);
        assert_eq!(
            bad.map(|_| ()).map_err(|e| e.code),
            Err("review.bad_filter")
        );
    }

    #[test]
    fn a_file_name_holds_only_safe_characters() {
        assert_eq!(file_safe("BJ/CY 01"), "BJ_CY_01");
    }
}
