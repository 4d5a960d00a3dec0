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

use crate::commands::{clerk, lock};
use crate::{AppState, CommandError};
use chrono::Utc;
use countersign_log::Log;
use countersign_station::console::{Console, Reader, Selection};
use countersign_station::desk::Session;
use countersign_station::integrity::AnchorNode;
use countersign_station::review::{
    self, Actor, DayReportSpec, Destination, ExportFormat, ExportSpec, ReviewError,
};
use countersign_views::{
    EntryDetailView, EntryRow, ExportView, IntegrityView, OverviewView, PageView, PolicyView,
    RevealedField,
};
use std::path::{Path, PathBuf};
use tauri::AppHandle;

/// Rows per page of the entries table.
pub const PAGE: usize = 50;

/// The console's own state: where exports go, and its read-only connections to the log.
pub struct Review {
    console: Console,
    /// `<data dir>/exports`, or `COUNTERSIGN_EXPORT_DIR`.
    pub export_dir: PathBuf,
}

impl Review {
    /// The console over the log at `log_path`, checking the days' and checkpoints' signatures
    /// under the hall's `algorithms`; exports go to `COUNTERSIGN_EXPORT_DIR` if set, else
    /// `<data_dir>/exports` (read here, at start, like every other path).
    pub fn new(log_path: PathBuf, data_dir: &Path, algorithms: countersign_crypto::Policy) -> Self {
        let export_dir = std::env::var_os("COUNTERSIGN_EXPORT_DIR")
            .filter(|v| !v.is_empty())
            .map_or_else(|| data_dir.join("exports"), PathBuf::from);
        Self {
            console: Console::new(log_path).with_algorithms(algorithms),
            export_dir,
        }
    }
}

/// A signed-in supervisor, or why not.
fn supervisor(state: &AppState) -> Result<Session, CommandError> {
    state.desk.supervisor().map_err(crate::commands::desk_error)
}

use crate::worker::run as blocking;

/// The overview of a range (today when none is given): its counts and charts' data, the values
/// seen in the range for the filter form, and the attention list.
#[tauri::command]
pub async fn review_overview(
    app: AppHandle,
    filter: Option<Selection>,
) -> Result<OverviewView, CommandError> {
    blocking(app, move |state| {
        supervisor(state)?;
        let (offset, today) = (state.config.utc_offset, state.today());
        let overview = state
            .review
            .console
            .overview(&Selection::or_day(filter, today), offset)?;
        Ok(OverviewView::new(&overview, today, offset))
    })
    .await
}

/// A page of the filter's entries, newest first: those before `before` (the previous page's
/// `next`); the first page also says how many the filter selects.
#[tauri::command]
pub async fn review_page(
    app: AppHandle,
    filter: Selection,
    before: Option<u64>,
) -> Result<PageView, CommandError> {
    blocking(app, move |state| {
        supervisor(state)?;
        let offset = state.config.utc_offset;
        let page = state.review.console.page(&filter, offset, before, PAGE)?;
        Ok(PageView::new(&page, offset))
    })
    .await
}

/// One entry in full (as the log holds it: the subject masked).
#[tauri::command]
pub async fn review_entry(app: AppHandle, seq: u64) -> Result<EntryDetailView, CommandError> {
    blocking(app, move |state| {
        supervisor(state)?;
        let entry = state.review.console.entry(seq).map_err(review_error)?;
        Ok(EntryDetailView::new(&entry, state.config.utc_offset))
    })
    .await
}

/// Finds verifications by receipt id or credential hash (64 hex digits); the search is
/// recorded in the audit trail first.
#[tauri::command]
pub async fn review_search(app: AppHandle, query: String) -> Result<Vec<EntryRow>, CommandError> {
    blocking(app, move |state| {
        let (who, query) = (supervisor(state)?, review::Query::parse(&query));
        let found = state.review.console.with_reader(Reader::Pages, |read| {
            audited(state, |audit, now| {
                review::search(read, audit, &query, &actor(&who), now)
            })
        })??;
        Ok(EntryRow::all(found.iter().rev(), state.config.utc_offset))
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
        let (node, trusted) = (anchor_node(&state.config), state.trusted_hall_keys());
        let console = &state.review.console;
        let (report, recent) = audited(state, |audit, now| {
            console.integrity(audit, &trusted, &node.source(), &actor(&who), now)
        })?;
        let (offset, now) = (state.config.utc_offset, state.config.clock.now());
        Ok(IntegrityView::new(&report, &recent, offset, now))
    })
    .await
}

/// The node the integrity check reads day anchors from: the counter's nodes and registry.
fn anchor_node(config: &crate::Config) -> AnchorNode {
    match config.registry.as_deref().map(str::parse) {
        None => AnchorNode::None,
        Some(Ok(registry)) => AnchorNode::connect(&config.rpc, Some(registry), &quick_rpc(config)),
        Some(Err(e)) => AnchorNode::Unreachable(format!("COUNTERSIGN_REGISTRY: {e}")),
    }
}

/// A chain node's patience when a supervisor waits on it.
fn quick_rpc(config: &crate::Config) -> countersign_chain::RpcOptions {
    countersign_chain::RpcOptions {
        timeout: std::time::Duration::from_secs(3),
        attempts: 1,
        chain_hash: config.chain_hash,
        ..countersign_chain::RpcOptions::default()
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
    filter: Selection,
    format: String,
) -> Result<ExportView, CommandError> {
    blocking(app, move |state| {
        let who = supervisor(state)?;
        export(state, &who, &filter, &format)
    })
    .await
}

fn export(
    state: &AppState,
    who: &Session,
    filter: &Selection,
    format: &str,
) -> Result<ExportView, CommandError> {
    match format {
        "csv" => export_entries(state, who, filter, ExportFormat::Csv),
        "xlsx" => export_entries(state, who, filter, ExportFormat::Xlsx),
        "pdf" => export_day_report(state, who, filter),
        other => Err(CommandError::new(
            "bad_request",
            format!("export format {other:?}"),
        )),
    }
}

impl From<ReviewError> for CommandError {
    fn from(e: ReviewError) -> Self {
        review_error(e)
    }
}

fn review_error(e: ReviewError) -> CommandError {
    let code = match e {
        ReviewError::NotRecorded(_) => "review.audit",
        ReviewError::Log(_) => "review.log",
        ReviewError::BadFilter(_) => "review.bad_filter",
        ReviewError::NoEntry(_) => "review.no_entry",
        ReviewError::OneDay => "review.one_day",
        ReviewError::Build(_) | ReviewError::Write { .. } => "review.export",
    };
    CommandError::new(code, e.to_string())
}

/// The name an export of `filter` gets in the exports folder.
fn export_stem(state: &AppState, filter: &Selection, what: &str) -> Result<String, CommandError> {
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
    filter: &Selection,
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
    let exported = state.review.console.with_reader(Reader::Sums, |read| {
        audited(state, |audit, now| {
            review::export(read, audit, &spec, &to, &actor(who), now)
        })
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
    filter: &Selection,
) -> Result<ExportView, CommandError> {
    let (day, last) = filter.days()?;
    if day != last {
        return Err(ReviewError::OneDay.into());
    }
    let spec = DayReportSpec {
        day,
        offset: state.config.utc_offset,
        hall_name: &state.config.hall_name(),
        printed_by: &format!("{} ({})", who.account.name, who.account.id),
        describe: filter.describe(),
    };
    let to = Destination::Folder {
        dir: state.review.export_dir.clone(),
        stem: export_stem(state, filter, "report")?,
    };
    let exported = state.review.console.with_reader(Reader::Sums, |read| {
        audited(state, |audit, now| {
            review::export_day_report(read, audit, &spec, &state.fonts, &to, &actor(who), now)
        })
    })??;
    Ok(ExportView {
        format: "pdf",
        path: exported.path.display().to_string(),
        entries: exported.entries,
        whole_day: true,
    })
}

/// The hall's privacy policy (what the log keeps of a subject, masked how, for how long).
#[tauri::command]
pub fn review_policy(state: tauri::State<'_, AppState>) -> Result<PolicyView, CommandError> {
    supervisor(&state)?;
    Ok(PolicyView::from(&state.config.privacy))
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
    let (seq, sensitive) = state.shown(id)?;
    let revealed = audited(state, |audit, now| {
        review::reveal(audit, &actor(&who), seq, sensitive, now)
    })?;
    Ok(revealed
        .into_iter()
        .map(|(key, value)| RevealedField { key, value })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_holds_only_safe_characters() {
        assert_eq!(file_safe("BJ/CY 01"), "BJ_CY_01");
    }
}
