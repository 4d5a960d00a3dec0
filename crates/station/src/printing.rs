//! Printing a logged verification's receipt, one flow for the app and `countersign receipt
//! print`: the receipt is signed with the hall key, marked COPY when it was printed before
//! (by either front end, through any queue: the audit trail remembers) or when the clerk asks
//! for a reprint, queued, and the print recorded in the audit trail by the receipt id alone.
//!
//! Printing never waits on the audit trail: a citizen's receipt that cannot be recorded still
//! prints, and the answer says it was not recorded (the supervisor's attention list counts
//! reprints from these records).

use crate::review::Actor;
use chrono::{DateTime, Utc};
use countersign_crypto::SecretKey;
use countersign_log::{Log, LogError};
use countersign_printdoc::fonts::Fonts;
use countersign_printing::{JobKind, NewJob, PrintQueue, QueueError};
use countersign_receipt::{ComposeOptions, SignedReceipt};

/// A receipt could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum PrintFlowError {
    /// The log could not be read.
    #[error("the log could not be read: {0}")]
    Log(#[from] LogError),
    /// The entry has no receipt (not logged, or not a verification).
    #[error("entry {0} has no receipt")]
    NoReceipt(u64),
    /// The receipt could not be signed.
    #[error("the receipt could not be signed: {0}")]
    Sign(String),
    /// The print queue refused it.
    #[error("the print queue: {0}")]
    Queue(#[from] QueueError),
    /// The preview picture could not be encoded.
    #[error("the preview could not be drawn: {0}")]
    Render(String),
}

/// A clerk's request to print entry `seq`'s receipt.
#[derive(Debug, Clone)]
pub struct PrintRequest<'a> {
    /// The log entry.
    pub seq: u64,
    /// The clerk asked for a reprint (COPY).
    pub copy_asked: bool,
    /// Who asked.
    pub clerk: &'a Actor,
    /// Where it prints.
    pub target: PrintTarget<'a>,
}

/// Where and on what a job prints.
#[derive(Debug, Clone)]
pub struct PrintTarget<'a> {
    /// The printer's address as configured.
    pub printer: &'a str,
    /// The paper id (`80mm` …).
    pub paper: &'a str,
    /// The counter it prints at.
    pub counter: &'a str,
}

/// A receipt queued for printing.
#[derive(Debug)]
pub struct Queued {
    /// The print job.
    pub job: i64,
    /// The signed receipt.
    pub signed: SignedReceipt,
    /// Printed as a COPY.
    pub copy: bool,
    /// The audit record of the print, or why there is none.
    pub audited: Result<u64, String>,
}

/// Entry `seq`'s receipt, signed with the hall `key`.
pub fn signed_receipt(
    log: &Log,
    key: &SecretKey,
    seq: u64,
) -> Result<SignedReceipt, PrintFlowError> {
    let receipt = log
        .entry(seq)?
        .and_then(|e| crate::receipts::receipt_for(&e.entry))
        .ok_or(PrintFlowError::NoReceipt(seq))?;
    receipt
        .sign(key)
        .map_err(|e| PrintFlowError::Sign(e.to_string()))
}

/// Whether receipt `id` was printed before: recorded in the audit trail, or queued (and not
/// cancelled) in `queue`. Any further print is a copy.
pub fn printed_before(log: &Log, queue: &PrintQueue, id: &str) -> Result<bool, PrintFlowError> {
    if log.printed_before(id)? {
        return Ok(true);
    }
    Ok(queue
        .for_receipt(id)?
        .iter()
        .any(|j| j.state != countersign_printing::JobState::Cancelled))
}

/// Queues the receipt `request` names (a COPY when asked or printed before) and records the
/// print in `log`'s audit trail.
pub fn queue_receipt(
    log: &mut Log,
    queue: &PrintQueue,
    key: &SecretKey,
    request: &PrintRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Queued, PrintFlowError> {
    let (clerk, target) = (request.clerk, &request.target);
    let signed = signed_receipt(log, key, request.seq)?;
    let copy = request.copy_asked || printed_before(log, queue, &signed.receipt.id)?;
    let job = queue.enqueue(
        &NewJob {
            kind: JobKind::Receipt,
            receipt_id: Some(signed.receipt.id.clone()),
            payload: signed.payload(),
            copy,
            paper: target.paper.into(),
            printer: target.printer.into(),
            clerk: clerk.id.clone(),
            counter: target.counter.into(),
        },
        now,
    )?;
    let action = if copy {
        "receipt.reprint"
    } else {
        "receipt.print"
    };
    let audited = log
        .audit(&clerk.id, &clerk.role, action, &signed.receipt.id, now)
        .map_err(|e| e.to_string());
    match &audited {
        Ok(seq) => {
            tracing::info!(job, receipt = %signed.receipt.id, copy, audit = seq, "receipt queued")
        }
        Err(e) => {
            tracing::warn!(job, receipt = %signed.receipt.id, copy, "receipt queued, {action} not audited: {e}")
        }
    }
    Ok(Queued {
        job,
        signed,
        copy,
        audited,
    })
}

/// Entry `seq`'s receipt as the printer will print it, as a PNG picture: signed with `key`
/// and laid out as `options` say (a COPY when `options.reprinted_at` is set).
pub fn preview_png(
    log: &Log,
    key: &SecretKey,
    seq: u64,
    options: &ComposeOptions,
    fonts: &Fonts,
) -> Result<Vec<u8>, PrintFlowError> {
    let signed = signed_receipt(log, key, seq)?;
    let doc = countersign_receipt::compose(&signed, options);
    let picture = countersign_printdoc::raster::render(&doc, fonts);
    let mut png = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| PrintFlowError::Render(e.to_string()))?;
    Ok(png)
}

/// Queues the printer's test page for `clerk`.
pub fn queue_test_page(
    queue: &PrintQueue,
    clerk: &Actor,
    target: &PrintTarget<'_>,
    now: DateTime<Utc>,
) -> Result<i64, PrintFlowError> {
    let job = queue.enqueue(
        &NewJob {
            kind: JobKind::TestPage,
            receipt_id: None,
            payload: String::new(),
            copy: false,
            paper: target.paper.into(),
            printer: target.printer.into(),
            clerk: clerk.id.clone(),
            counter: target.counter.into(),
        },
        now,
    )?;
    tracing::info!(job, by = %clerk.id, "test page queued");
    Ok(job)
}
