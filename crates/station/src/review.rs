//! The supervisor's review flows that leave the hall's log with data in them (exports), for
//! the app's console and the CLI alike, under one rule: *not recorded, not done*. An export is
//! written, then recorded in the log's audit trail; when the record cannot be made, the file
//! is removed and the export refused, so no file leaves the hall without a trace.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use countersign_log::{Entry, Filter, Log, LogError, Repeat};
use countersign_vocab::CredentialHash;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Who does a review action, as the audit trail names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A staff id (the console's signed-in supervisor) or `os:<user>` (the CLI).
    pub id: String,
    /// `supervisor`, `clerk` or `cli`.
    pub role: String,
}

impl Actor {
    /// Whoever runs this process, for tools that have no sign-in (the CLI): the OS account,
    /// as `os:<user>` (the one that ran `sudo`, when it did).
    pub fn os_user() -> Self {
        let user = ["SUDO_USER", "USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
            .unwrap_or_else(|| "unknown".into());
        Self {
            id: format!("os:{user}"),
            role: "cli".into(),
        }
    }
}

/// The formats entries are exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV with a UTF-8 byte-order mark.
    Csv,
    /// An Excel workbook with a summary sheet.
    Xlsx,
}

impl ExportFormat {
    /// The file extension, and the audit action's suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// What to export: the entries a filter selects over hall-local days.
#[derive(Debug, Clone)]
pub struct ExportSpec<'a> {
    /// The selection.
    pub filter: &'a Filter,
    /// Its first and last hall-local day.
    pub days: (NaiveDate, NaiveDate),
    /// The hall's UTC offset.
    pub offset: FixedOffset,
    /// The workbook's title and the summary sheet's first line.
    pub title: String,
    /// In words, for the audit record (`2026-11-24 counter=3`).
    pub describe: String,
    /// The format.
    pub format: ExportFormat,
    /// List repeated credentials on the summary sheet (a whole day's report does).
    pub with_repeats: bool,
}

/// Where an export goes.
#[derive(Debug, Clone)]
pub enum Destination {
    /// This file, which must not exist yet.
    File(PathBuf),
    /// A new file in this folder named `<stem>.<ext>` (or `<stem>-2.<ext>` …), never over an
    /// earlier one.
    Folder {
        /// The folder.
        dir: PathBuf,
        /// The name without extension.
        stem: String,
    },
}

/// A written and recorded export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The file.
    pub path: PathBuf,
    /// How many entries it holds.
    pub entries: u64,
    /// The audit record that says so.
    pub audit: u64,
}

/// A review action that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The log could not be read.
    #[error("the log could not be read: {0}")]
    Log(#[source] LogError),
    /// The action could not be recorded in the audit trail, so it was not done.
    #[error("not recorded in the audit trail, so not done: {0}")]
    NotRecorded(#[source] LogError),
    /// The file could not be built.
    #[error("the export could not be built: {0}")]
    Build(String),
    /// The selection cannot be read (a day that is not `YYYY-MM-DD` …).
    #[error("{0}")]
    BadFilter(String),
    /// No such entry in the log.
    #[error("entry {0} is not in the log")]
    NoEntry(u64),
    /// A daily report is of one day.
    #[error("the daily report is of one day")]
    OneDay,
    /// The file could not be written (or already exists).
    #[error("{path}: {reason}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Every entry a filter selects, oldest first (read page by page, as the console reads).
pub fn all_entries(log: &Log, filter: &Filter) -> Result<Vec<Entry>, LogError> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = log.page(filter, before, countersign_log::MAX_PAGE)?;
        out.extend(page.entries);
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    out.reverse();
    Ok(out)
}

/// The export's bytes and how many entries it holds, read from `log`.
pub fn export_bytes(log: &Log, spec: &ExportSpec<'_>) -> Result<(Vec<u8>, u64), ReviewError> {
    let entries = all_entries(log, spec.filter).map_err(ReviewError::Log)?;
    let opts = countersign_export::ExportOptions {
        offset: spec.offset,
        title: spec.title.clone(),
    };
    let bytes = match spec.format {
        ExportFormat::Csv => {
            let mut bytes = Vec::new();
            countersign_export::write_csv(&entries, &opts, &mut bytes)
                .map_err(|e| ReviewError::Build(e.to_string()))?;
            bytes
        }
        ExportFormat::Xlsx => {
            let summary = log
                .summary(spec.filter, spec.offset)
                .map_err(ReviewError::Log)?;
            let repeated: Vec<Repeat> = if spec.with_repeats && spec.days.0 == spec.days.1 {
                log.report(spec.days.0, spec.offset)
                    .map_err(ReviewError::Log)?
                    .repeated
            } else {
                Vec::new()
            };
            countersign_export::xlsx_bytes(
                &entries,
                &countersign_export::SummarySheet {
                    days: spec.days,
                    summary: &summary,
                    repeated: &repeated,
                },
                &opts,
            )
            .map_err(|e| ReviewError::Build(e.to_string()))?
        }
    };
    Ok((bytes, entries.len() as u64))
}

/// Exports `spec` from `read` into `to`, then records it in `audit`'s trail as `actor`; a
/// record that cannot be made removes the file and refuses the export.
pub fn export(
    read: &Log,
    audit: &mut Log,
    spec: &ExportSpec<'_>,
    to: &Destination,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Exported, ReviewError> {
    let (bytes, entries) = export_bytes(read, spec)?;
    let ext = spec.format.as_str();
    let path = write_new(to, ext, &bytes)?;
    let detail = format!(
        "{} -> {} ({entries} entries)",
        spec.describe,
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    match audit.audit(
        &actor.id,
        &actor.role,
        &format!("export.{ext}"),
        &detail,
        now,
    ) {
        Ok(seq) => Ok(Exported {
            path,
            entries,
            audit: seq,
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(ReviewError::NotRecorded(e))
        }
    }
}

/// Writes `bytes` to a file that did not exist (synced), as `to` says.
pub fn write_new(to: &Destination, ext: &str, bytes: &[u8]) -> Result<PathBuf, ReviewError> {
    let create = |path: &Path| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    let failed = |path: &Path, e: std::io::Error| ReviewError::Write {
        path: path.to_path_buf(),
        reason: if e.kind() == std::io::ErrorKind::AlreadyExists {
            "exists: choose another file name".into()
        } else {
            e.to_string()
        },
    };
    match to {
        Destination::File(path) => create(path).map(|()| path.clone()).map_err(|e| {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                let _ = std::fs::remove_file(path);
            }
            failed(path, e)
        }),
        Destination::Folder { dir, stem } => {
            std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
            for n in 1..1000 {
                let name = if n == 1 {
                    format!("{stem}.{ext}")
                } else {
                    format!("{stem}-{n}.{ext}")
                };
                let path = dir.join(name);
                match create(&path) {
                    Ok(()) => return Ok(path),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => {
                        let _ = std::fs::remove_file(&path);
                        return Err(failed(&path, e));
                    }
                }
            }
            Err(ReviewError::Write {
                path: dir.clone(),
                reason: format!("{stem}.{ext}: too many exports of the same name"),
            })
        }
    }
}

/// What a search looks for: a credential's hash (64 hex digits, `0x` allowed) or a receipt id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A credential hash.
    Hash(CredentialHash),
    /// A receipt id.
    Receipt(String),
}

impl Query {
    /// A hash when the text is 64 hex digits, else a receipt id.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        let hex_part = text.trim_start_matches("0x");
        match hex_part.parse::<CredentialHash>() {
            Ok(leaf) => Self::Hash(leaf),
            Err(_) => Self::Receipt(text.to_string()),
        }
    }

    /// As the audit trail records it.
    pub fn describe(&self) -> String {
        match self {
            Self::Hash(leaf) => format!("hash {leaf}"),
            Self::Receipt(id) => format!("receipt {id}"),
        }
    }
}

/// Finds the verifications `query` names, after recording the search in `audit`'s trail as
/// `actor` (a search that cannot be recorded is not made).
pub fn search(
    read: &Log,
    audit: &mut Log,
    query: &Query,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, ReviewError> {
    audit
        .audit(&actor.id, &actor.role, "search", &query.describe(), now)
        .map_err(ReviewError::NotRecorded)?;
    match query {
        Query::Hash(leaf) => read.find_by_leaf(leaf),
        Query::Receipt(id) => read.find_by_receipt(id),
    }
    .map_err(ReviewError::Log)
}

/// Reveals a verdict's masked values to `actor`: the reveal is recorded in `audit`'s trail
/// first (the entry, when it was logged, and the fields' names, never their values), and the
/// values are returned only once that record has committed. Not recorded, not revealed.
pub fn reveal(
    audit: &mut Log,
    actor: &Actor,
    seq: Option<u64>,
    sensitive: Vec<(String, String)>,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String)>, ReviewError> {
    if sensitive.is_empty() {
        return Ok(sensitive);
    }
    let names: Vec<&str> = sensitive.iter().map(|(k, _)| k.as_str()).collect();
    let detail = match seq {
        Some(seq) => format!("entry {seq}: {}", names.join(",")),
        None => format!("not logged: {}", names.join(",")),
    };
    audit
        .audit(&actor.id, &actor.role, "reveal", &detail, now)
        .map_err(ReviewError::NotRecorded)?;
    Ok(sensitive)
}

/// A day's printable report: which day, for which hall, printed by whom.
#[derive(Debug, Clone)]
pub struct DayReportSpec<'a> {
    /// The hall-local day.
    pub day: NaiveDate,
    /// The hall's UTC offset.
    pub offset: FixedOffset,
    /// The hall's name, at the top of the report.
    pub hall_name: &'a str,
    /// Who printed it, as the report says (`李强 (sup-01)`).
    pub printed_by: &'a str,
    /// In words, for the audit record.
    pub describe: String,
}

/// Writes the day's printable report (every counter; its signed digest when the day is
/// closed) as PDF into `to`, then records it in `audit`'s trail as `actor`; a record that
/// cannot be made removes the file and refuses the export.
pub fn export_day_report(
    read: &Log,
    audit: &mut Log,
    spec: &DayReportSpec<'_>,
    fonts: &countersign_printdoc::fonts::Fonts,
    to: &Destination,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Exported, ReviewError> {
    let report = read
        .report(spec.day, spec.offset)
        .map_err(ReviewError::Log)?;
    let digest = read
        .digests()
        .map_err(ReviewError::Log)?
        .into_iter()
        .find(|d| d.day == spec.day);
    let doc = countersign_dayreport::compose(
        &report,
        digest
            .as_ref()
            .map(countersign_dayreport::DigestInfo::from)
            .as_ref(),
        spec.hall_name,
        now,
        spec.printed_by,
        countersign_dayreport::DEFAULT_PAPER,
    );
    let bytes =
        countersign_pdf::render(&doc, fonts).map_err(|e| ReviewError::Build(e.to_string()))?;
    let path = write_new(to, "pdf", &bytes)?;
    let entries = report.summary.total;
    let detail = format!(
        "{} -> {} ({entries} entries)",
        spec.describe,
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    match audit.audit(&actor.id, &actor.role, "export.pdf", &detail, now) {
        Ok(seq) => Ok(Exported {
            path,
            entries,
            audit: seq,
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(ReviewError::NotRecorded(e))
        }
    }
}
