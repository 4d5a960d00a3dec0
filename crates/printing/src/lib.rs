//! Printing receipts. A [`Printer`] takes a composed document: office printers through CUPS
//! (a PDF sent over IPP, followed until the job completes), thermal printers over ESC/POS
//! (TCP port 9100, serial, the USB printer device), and on Windows the system spooler. The
//! [`queue::PrintQueue`] keeps every job in SQLite until it has printed, and the [`Spooler`]
//! drains it: a printer that is offline, out of paper or refusing jobs leaves the job waiting
//! with the reason, to be retried or cancelled, and nothing is lost across a restart.
//!
//! It decides nothing about what a receipt says (that is `countersign-receipt`) and does not
//! know the app; the app runs the spooler on a thread and shows its status.

mod escpos_printer;
pub mod ipp;
pub mod queue;
#[cfg(windows)]
mod windows_spooler;
mod worker;

pub use escpos_printer::EscPosPrinter;
pub use queue::{Job, JobKind, JobState, NewJob, PrintQueue, QueueError};
pub use worker::{SpoolStatus, SpoolerThread};

use chrono::{DateTime, Duration, FixedOffset, Utc};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::{Block, Document, Paper, Style};
use countersign_receipt::{compose, ComposeOptions, SignedReceipt};
use std::sync::Arc;

/// How long a job may take at a CUPS printer before it is called stuck.
const JOB_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// How a printer is reached, from the hall's settings.
///
/// - `ipp://host[:port]/printers/<queue>`: a CUPS queue (office printers; PDF)
/// - `escpos+tcp://host[:port]` (port 9100 when absent): a networked thermal printer
/// - `escpos+serial:///dev/ttyUSB0?baud=19200`: a serial thermal printer
/// - `escpos+usb:///dev/usb/lp0`: a USB thermal printer through the kernel's printer device
/// - `windows:<printer name>`: the Windows spooler (RAW)
///
/// ESC/POS addresses take `?font=gb2312|gbk|gb18030` (what the font ROM covers),
/// `qr=native|raster` and `cut=partial|full|none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterConfig {
    /// The address as configured (shown to IT, stored with jobs).
    pub address: String,
    /// The paper loaded.
    pub paper: Paper,
}

impl PrinterConfig {
    /// Checks an address and pairs it with its paper.
    pub fn new(address: &str, paper: Paper) -> Result<Self, PrintError> {
        let address = address.trim();
        let known = [
            "ipp://",
            "escpos+tcp://",
            "escpos+serial://",
            "escpos+usb://",
            "windows:",
        ];
        if !known.iter().any(|p| address.starts_with(p)) {
            return Err(PrintError::BadAddress(address.to_string()));
        }
        Ok(Self {
            address: address.to_string(),
            paper,
        })
    }

    /// Opens the printer this configuration names.
    pub fn open(&self, fonts: Arc<Fonts>) -> Result<Box<dyn Printer>, PrintError> {
        if self.address.starts_with("ipp://") {
            return Ok(Box::new(CupsPrinter::new(
                &self.address,
                self.paper,
                fonts,
            )?));
        }
        if self.address.starts_with("escpos+") {
            return Ok(Box::new(EscPosPrinter::open(
                &self.address,
                self.paper,
                fonts,
            )?));
        }
        #[cfg(windows)]
        if let Some(name) = self.address.strip_prefix("windows:") {
            return Ok(Box::new(windows_spooler::WindowsPrinter::new(
                name, self.paper, fonts,
            )));
        }
        Err(PrintError::BadAddress(self.address.clone()))
    }
}

/// What a printer says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterState {
    /// Ready to print.
    Ready,
    /// Ready, but the paper is running out.
    PaperLow,
    /// Printing another job.
    Busy,
    /// Out of paper.
    PaperOut,
    /// The cover is open.
    CoverOpen,
    /// Switched off, unplugged, unreachable, or paused.
    Offline(String),
    /// Reports an error.
    Error(String),
    /// Cannot say (a one-way connection).
    Unknown,
}

impl PrinterState {
    /// The catalogue key the screen shows (`printer.ready` …).
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Ready => "printer.ready",
            Self::PaperLow => "printer.paper_low",
            Self::Busy => "printer.busy",
            Self::PaperOut => "printer.paper_out",
            Self::CoverOpen => "printer.cover_open",
            Self::Offline(_) => "printer.offline",
            Self::Error(_) => "printer.error",
            Self::Unknown => "printer.unknown",
        }
    }

    /// Whether a job can be sent now.
    pub fn can_print(&self) -> bool {
        matches!(
            self,
            Self::Ready | Self::PaperLow | Self::Busy | Self::Unknown
        )
    }

    /// The printer's own words, if any.
    pub fn detail(&self) -> &str {
        match self {
            Self::Offline(d) | Self::Error(d) => d,
            _ => "",
        }
    }
}

/// A job could not be printed. Each kind has a stable [`PrintError::code`] the clerk's screen
/// words (`print.error.<code>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// The printer address is not one Countersign knows.
    #[error("{0:?} is not a printer address (ipp://…, escpos+tcp://…, escpos+serial://…, escpos+usb://…)")]
    BadAddress(String),
    /// Nothing answers at the address.
    #[error("the printer does not answer: {0}")]
    Unreachable(String),
    /// The printer is offline or paused.
    #[error("the printer is offline: {0}")]
    Offline(String),
    /// Out of paper.
    #[error("the printer is out of paper")]
    PaperOut,
    /// Cover open.
    #[error("the printer's cover is open")]
    CoverOpen,
    /// The print system refused the job.
    #[error("the print system refused the job: {0}")]
    Refused(String),
    /// The job was accepted but ended without printing.
    #[error("the print job failed: {0}")]
    JobFailed(String),
    /// The job did not finish in time.
    #[error("the print job did not finish within {0} s")]
    TimedOut(u64),
    /// The document could not be rendered for this printer.
    #[error("the receipt could not be prepared for printing: {0}")]
    Render(String),
    /// A queued receipt no longer verifies (the queue file was altered).
    #[error("the queued receipt is not genuine: {0}")]
    BadReceipt(String),
}

impl PrintError {
    /// A stable code for the screen (`paper_out`, `offline` …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadAddress(_) => "bad_address",
            Self::Unreachable(_) => "unreachable",
            Self::Offline(_) => "offline",
            Self::PaperOut => "paper_out",
            Self::CoverOpen => "cover_open",
            Self::Refused(_) => "refused",
            Self::JobFailed(_) => "job_failed",
            Self::TimedOut(_) => "timed_out",
            Self::Render(_) => "render",
            Self::BadReceipt(_) => "bad_receipt",
        }
    }

    /// Whether trying again later may help (a bad receipt or address never will).
    pub fn retryable(&self) -> bool {
        !matches!(
            self,
            Self::BadAddress(_) | Self::Render(_) | Self::BadReceipt(_)
        )
    }
}

/// A printer.
pub trait Printer: Send {
    /// The paper it is set up with.
    fn paper(&self) -> Paper;
    /// Prints `doc`, returning when the printer has it (a CUPS job completed; the bytes
    /// written to a thermal printer that then reports no error).
    fn print(&mut self, doc: &Document, job_name: &str) -> Result<(), PrintError>;
    /// Asks the printer how it is.
    fn status(&mut self) -> PrinterState;
}

/// An office printer behind a CUPS queue: the document goes as PDF over IPP.
pub struct CupsPrinter {
    ipp: ipp::IppPrinter,
    paper: Paper,
    fonts: Arc<Fonts>,
}

impl CupsPrinter {
    /// A CUPS queue at `uri` (`ipp://localhost:631/printers/<queue>`).
    pub fn new(uri: &str, paper: Paper, fonts: Arc<Fonts>) -> Result<Self, PrintError> {
        let user = std::env::var("USER").unwrap_or_else(|_| "countersign".into());
        let ipp = ipp::IppPrinter::new(uri, &user, std::time::Duration::from_secs(10))
            .map_err(|_| PrintError::BadAddress(uri.to_string()))?;
        Ok(Self { ipp, paper, fonts })
    }
}

fn ipp_error(e: ipp::IppError) -> PrintError {
    match e {
        ipp::IppError::BadUri(u) => PrintError::BadAddress(u),
        ipp::IppError::Unreachable { detail, .. } => PrintError::Unreachable(detail),
        ipp::IppError::Http { status, .. } => PrintError::Refused(format!("HTTP {status}")),
        ipp::IppError::Malformed { why, .. } => PrintError::Refused(why),
        ipp::IppError::Refused {
            status: 0x0506,
            message,
        } => PrintError::Offline(message),
        ipp::IppError::Refused { message, .. } => PrintError::Refused(message),
    }
}

/// Reads IPP printer-state-reasons (RFC 8011 §5.4.12, with CUPS' usual ones) into a state.
pub fn state_from_ipp(
    state: i32,
    reasons: &[String],
    accepting: bool,
    message: &str,
) -> PrinterState {
    let has = |prefix: &str| {
        reasons
            .iter()
            .any(|r| r.starts_with(prefix) && !r.ends_with("-report"))
    };
    if has("media-empty") || has("media-needed") {
        PrinterState::PaperOut
    } else if has("door-open") || has("cover-open") {
        PrinterState::CoverOpen
    } else if has("offline") || has("shutdown") || has("paused") || state == 5 || !accepting {
        let why = if message.is_empty() {
            reasons.join(", ")
        } else {
            message.to_string()
        };
        PrinterState::Offline(why)
    } else if reasons.iter().any(|r| r.ends_with("-error")) {
        PrinterState::Error(reasons.join(", "))
    } else if has("media-low") {
        PrinterState::PaperLow
    } else if state == 4 {
        PrinterState::Busy
    } else {
        PrinterState::Ready
    }
}

fn refuse_unless_printable(state: PrinterState) -> Result<(), PrintError> {
    match state {
        PrinterState::PaperOut => Err(PrintError::PaperOut),
        PrinterState::CoverOpen => Err(PrintError::CoverOpen),
        PrinterState::Offline(d) => Err(PrintError::Offline(d)),
        PrinterState::Error(d) => Err(PrintError::JobFailed(d)),
        _ => Ok(()),
    }
}

impl Printer for CupsPrinter {
    fn paper(&self) -> Paper {
        self.paper
    }

    fn print(&mut self, doc: &Document, job_name: &str) -> Result<(), PrintError> {
        let (state, reasons, accepting, message) = self.ipp.printer_state().map_err(ipp_error)?;
        refuse_unless_printable(state_from_ipp(state, &reasons, accepting, &message))?;
        let pdf = countersign_pdf::render(doc, &self.fonts)
            .map_err(|e| PrintError::Render(e.to_string()))?;
        let job = self.ipp.print_pdf(job_name, &pdf).map_err(ipp_error)?;
        let started = std::time::Instant::now();
        loop {
            let (state, reasons) = self.ipp.job_state(job).map_err(ipp_error)?;
            match state {
                9 => return Ok(()),
                7 => return Err(PrintError::JobFailed("cancelled at the printer".into())),
                8 => return Err(PrintError::JobFailed(reasons.join(", "))),
                _ => {}
            }
            // A job that stopped (the printer paused or ran out of paper meanwhile) or that
            // takes too long is withdrawn, so a retry does not print it twice.
            let stopped = state == 6;
            if stopped || started.elapsed() > JOB_TIMEOUT {
                let (pstate, preasons, accepting, message) =
                    self.ipp.printer_state().map_err(ipp_error)?;
                let _ = self.ipp.cancel(job);
                refuse_unless_printable(state_from_ipp(pstate, &preasons, accepting, &message))?;
                return Err(if stopped {
                    PrintError::JobFailed(reasons.join(", "))
                } else {
                    PrintError::TimedOut(JOB_TIMEOUT.as_secs())
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    fn status(&mut self) -> PrinterState {
        match self.ipp.printer_state() {
            Ok((state, reasons, accepting, message)) => {
                state_from_ipp(state, &reasons, accepting, &message)
            }
            Err(e) => PrinterState::Offline(e.to_string()),
        }
    }
}

/// What the hall prints on every receipt, from its provisioning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallHeading {
    /// The hall's name.
    pub name: String,
    /// Its time zone.
    pub utc_offset: FixedOffset,
}

/// The document a queued job prints: the receipt composed again from its signed payload
/// (whose signature is checked again), or the test page.
pub fn document_for(job: &Job, paper: Paper, hall: &HallHeading) -> Result<Document, PrintError> {
    match job.job.kind {
        JobKind::TestPage => Ok(test_page(paper, hall, &job.job.printer, job.queued_at)),
        JobKind::Receipt => {
            let signed = SignedReceipt::parse(&job.job.payload)
                .map_err(|e| PrintError::BadReceipt(e.to_string()))?;
            Ok(compose(
                &signed,
                &ComposeOptions {
                    paper,
                    hall_name: hall.name.clone(),
                    utc_offset: hall.utc_offset,
                    reprinted_at: job.job.copy.then_some(job.queued_at),
                },
            ))
        }
    }
}

/// The printer test page: the hall, the printer and its paper, the time, Chinese text with
/// some rarer characters, and a QR code, so IT sees at once whether text, Chinese and codes
/// print.
pub fn test_page(paper: Paper, hall: &HallHeading, printer: &str, at: DateTime<Utc>) -> Document {
    use countersign_i18n::both;
    let time = at
        .with_timezone(&hall.utc_offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    Document {
        paper,
        title: both("printer.test.title"),
        lang: "zh-CN".into(),
        blocks: vec![
            Block::centered(&hall.name, Style::Heading),
            Block::centered(both("printer.test.title"), Style::Normal),
            Block::Rule,
            Block::field(both("printer.test.printer"), printer),
            Block::field(both("printer.test.paper"), paper.as_str()),
            Block::field(both("printer.test.time"), time),
            Block::Rule,
            Block::text("中文：证照核验回执 有效 无效 无法确认", Style::Normal),
            Block::text("生僻字：喆 堃 淼 犇 䶮 𠀾", Style::Normal),
            Block::text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789", Style::Normal),
            Block::centered("有效 VALID", Style::Verdict),
            Block::Qr {
                data: "COUNTERSIGN PRINTER TEST".into(),
                caption: Some(both("printer.test.qr")),
            },
        ],
    }
}

/// What happened to one job the spooler took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintOutcome {
    /// It printed.
    Printed(i64),
    /// It waits, for this reason.
    Waiting(i64, PrintError),
}

/// Drains the queue into one printer.
pub struct Spooler {
    queue: PrintQueue,
    printer: Box<dyn Printer>,
    hall: HallHeading,
    /// The wait before a failed job is tried again on its own.
    pub retry_after: Duration,
}

impl Spooler {
    /// A spooler for `queue` into `printer`.
    pub fn new(queue: PrintQueue, printer: Box<dyn Printer>, hall: HallHeading) -> Self {
        Self {
            queue,
            printer,
            hall,
            retry_after: Duration::seconds(30),
        }
    }

    /// The queue (to enqueue, list, retry and cancel).
    pub fn queue(&self) -> &PrintQueue {
        &self.queue
    }

    /// Asks the printer how it is.
    pub fn printer_status(&mut self) -> PrinterState {
        self.printer.status()
    }

    /// Prints the next due job, if any.
    pub fn run_one(&mut self, now: DateTime<Utc>) -> Result<Option<PrintOutcome>, QueueError> {
        let Some(job) = self.queue.take_due(now)? else {
            return Ok(None);
        };
        let result = document_for(&job, self.printer.paper(), &self.hall).and_then(|doc| {
            let name = job
                .job
                .receipt_id
                .clone()
                .unwrap_or_else(|| format!("countersign-{}", job.id));
            self.printer.print(&doc, &name)
        });
        match result {
            Ok(()) => {
                self.queue.done(job.id, Utc::now().max(now))?;
                tracing::info!(job = job.id, receipt = ?job.job.receipt_id, "printed");
                Ok(Some(PrintOutcome::Printed(job.id)))
            }
            Err(e) => {
                // A job that can never print waits for the clerk (retry after a fix, or
                // cancel) rather than being tried every few seconds.
                let retry_at = if e.retryable() {
                    now + self.retry_after
                } else {
                    now + Duration::days(3650)
                };
                self.queue
                    .failed(job.id, e.code(), &e.to_string(), retry_at, now)?;
                tracing::warn!(job = job.id, error = %e, "print job waits");
                Ok(Some(PrintOutcome::Waiting(job.id, e)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn hall() -> HallHeading {
        HallHeading {
            name: "北京市朝阳区政务服务中心".into(),
            utc_offset: FixedOffset::east_opt(8 * 3600).expect("+8"),
        }
    }

    fn job(payload: String, copy: bool, kind: JobKind) -> Job {
        Job {
            id: 1,
            job: NewJob {
                kind,
                receipt_id: Some("R1".into()),
                payload,
                copy,
                paper: "80mm".into(),
                printer: "ipp://localhost/printers/x".into(),
                clerk: "c".into(),
                counter: "1".into(),
            },
            state: JobState::Printing,
            attempts: 1,
            error: None,
            detail: None,
            queued_at: Utc
                .with_ymd_and_hms(2026, 11, 25, 8, 0, 0)
                .single()
                .expect("t"),
            next_try_at: Utc::now(),
            done_at: None,
        }
    }

    fn signed() -> SignedReceipt {
        countersign_receipt::Receipt {
            id: "R1".into(),
            hall: "BJ-CY-01".into(),
            counter: "1".into(),
            clerk: "c".into(),
            at: Utc
                .with_ymd_and_hms(2026, 11, 25, 6, 0, 0)
                .single()
                .expect("t"),
            verdict: countersign_vocab::Verdict::Valid,
            reasons: vec![],
            credential_type: None,
            issuer_name: None,
            subject: Default::default(),
            leaf: None,
            chain: None,
        }
        .sign(&ed25519_dalek::SigningKey::from_bytes(&[1; 32]))
        .expect("sign")
    }

    #[test]
    fn a_reprint_is_marked_copy_with_its_time_and_a_first_print_is_not() {
        let first = document_for(
            &job(signed().payload(), false, JobKind::Receipt),
            Paper::Roll80,
            &hall(),
        )
        .expect("doc");
        let text: String = first.chars().collect();
        assert!(!text.contains("COPY"), "{text}");
        let copy = document_for(
            &job(signed().payload(), true, JobKind::Receipt),
            Paper::Roll80,
            &hall(),
        )
        .expect("doc");
        let text: String = copy.chars().collect();
        assert!(text.contains("副本 COPY"), "{text}");
        assert!(text.contains("补打于 2026-11-25 16:00:00"), "{text}");
    }

    #[test]
    fn an_altered_queued_receipt_is_refused_not_printed() {
        let mut payload = signed().payload();
        payload.pop();
        payload.push('0');
        let err = document_for(&job(payload, false, JobKind::Receipt), Paper::A4, &hall())
            .expect_err("altered");
        assert_eq!(err.code(), "bad_receipt");
        assert!(!err.retryable());
    }

    #[test]
    fn the_test_page_names_the_printer_and_shows_chinese_and_a_code() {
        let doc = document_for(
            &job(String::new(), false, JobKind::TestPage),
            Paper::Roll58,
            &hall(),
        )
        .expect("doc");
        let text: String = doc.chars().collect();
        assert!(text.contains("打印机测试页"), "{text}");
        assert!(text.contains("ipp://localhost/printers/x"), "{text}");
        assert!(doc.blocks.iter().any(|b| matches!(b, Block::Qr { .. })));
    }

    #[test]
    fn ipp_states_and_reasons_are_read_as_a_clerk_needs_them() {
        let s = |state, reasons: &[&str], accepting| {
            let r: Vec<String> = reasons.iter().map(|x| x.to_string()).collect();
            state_from_ipp(state, &r, accepting, "")
        };
        assert_eq!(s(3, &["none"], true), PrinterState::Ready);
        assert_eq!(s(4, &["none"], true), PrinterState::Busy);
        assert_eq!(s(5, &["media-empty-error"], true), PrinterState::PaperOut);
        assert_eq!(s(3, &["media-empty-report"], true), PrinterState::Ready);
        assert_eq!(s(3, &["media-low-warning"], true), PrinterState::PaperLow);
        assert_eq!(s(5, &["door-open-error"], true), PrinterState::CoverOpen);
        assert!(matches!(s(5, &["paused"], true), PrinterState::Offline(_)));
        assert!(matches!(s(3, &["none"], false), PrinterState::Offline(_)));
        assert!(matches!(
            s(3, &["toner-empty-error"], true),
            PrinterState::Error(_)
        ));
    }
}
