//! The receipt printer as the screen shows it: a print job, the spooler's news, the panel.

use serde::Serialize;
use ts_rs::TS;

/// A print job as the screen shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrintJobView {
    id: i64,
    /// `queued`, `printing`, `waiting`, `done`, `cancelled`.
    #[ts(type = r#""queued" | "printing" | "waiting" | "done" | "cancelled""#)]
    state: &'static str,
    receipt: Option<String>,
    copy: bool,
    test_page: bool,
    /// Why it waits: `print.error.<code>` on the screen.
    error: Option<String>,
    detail: Option<String>,
    attempts: u32,
    /// Hall-local `HH:MM:SS` it was queued.
    queued: String,
}

impl PrintJobView {
    /// The view of a queued job.
    pub fn new(j: &countersign_printing::Job, offset: chrono::FixedOffset) -> Self {
        Self {
            id: j.id,
            state: j.state.as_str(),
            receipt: j.job.receipt_id.clone(),
            copy: j.job.copy,
            test_page: j.job.kind == countersign_printing::JobKind::TestPage,
            error: j.error.clone(),
            detail: j.detail.clone(),
            attempts: j.attempts,
            queued: j
                .queued_at
                .with_timezone(&offset)
                .format("%H:%M:%S")
                .to_string(),
        }
    }
}

/// The printer as the status bar shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrintStatusView {
    /// `printer.ready` … (a message key), or `None` before the first answer.
    state: Option<&'static str>,
    detail: String,
    /// The last job and what became of it.
    last_job: Option<i64>,
    last_printed: bool,
    last_error: Option<&'static str>,
    queue_error: Option<String>,
}

impl From<&countersign_printing::SpoolStatus> for PrintStatusView {
    fn from(s: &countersign_printing::SpoolStatus) -> Self {
        use countersign_printing::PrintOutcome;
        Self {
            state: s.printer.as_ref().map(|p| p.message_key()),
            detail: s
                .printer
                .as_ref()
                .map(|p| p.detail().to_string())
                .unwrap_or_default(),
            last_job: s.last.as_ref().map(|o| match o {
                PrintOutcome::Printed(id) | PrintOutcome::Waiting(id, _) => *id,
            }),
            last_printed: matches!(s.last, Some(PrintOutcome::Printed(_))),
            last_error: match &s.last {
                Some(PrintOutcome::Waiting(_, e)) => Some(e.code()),
                _ => None,
            },
            queue_error: s.queue_error.clone(),
        }
    }
}

/// The printer panel: the printer, its paper and state, and the jobs not yet printed.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrinterPanelView {
    /// Whether a printer is set up (a misconfigured one counts).
    pub configured: bool,
    /// Why the printer's address cannot be used.
    pub config_error: Option<String>,
    /// The printer's address.
    pub address: Option<String>,
    /// The paper (`58mm`, `80mm`, …).
    pub paper: &'static str,
    /// Whether the hall prints every receipt.
    pub auto_print: bool,
    /// The spooler's news.
    pub status: Option<PrintStatusView>,
    /// The jobs not yet printed.
    pub jobs: Vec<PrintJobView>,
    /// The hall's device key (64 hex digits), to register with the chain.
    pub hall_key: Option<String>,
}
