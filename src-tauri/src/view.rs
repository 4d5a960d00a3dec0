//! What the screen receives: a verification as the clerk reads it (ui/src/view.ts has the
//! same shape). Personal numbers reach the screen masked; their whole values come only from
//! the `reveal` command, once the reveal is recorded in the audit trail.

use countersign_station::{Logged, Verified};
use countersign_verify::{CheckOutcome, SkipReason};
use serde::Serialize;

/// One check.
#[derive(Debug, Serialize)]
pub struct CheckView {
    id: &'static str,
    outcome: &'static str,
    code: &'static str,
}

/// One subject field.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldView {
    key: String,
    label_zh: String,
    label_en: String,
    value: String,
    masked: String,
    sensitive: bool,
}

/// The chain state used.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainUsedView {
    source: &'static str,
    block: u64,
    block_time: String,
    checked_at: String,
}

/// What became of it in the log.
#[derive(Debug, Serialize)]
pub struct LoggedView {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    storage: Option<bool>,
}

/// The verdict screen's data.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerdictView {
    /// `VALID`, `INVALID` or `CANNOT_CONFIRM`.
    verdict: &'static str,
    /// The reason code to explain: the first failing check's, else the first that could not
    /// be checked, else the first warning's.
    reason: Option<&'static str>,
    checks: Vec<CheckView>,
    type_name: Option<String>,
    type_zh: Option<String>,
    type_en: Option<String>,
    issuer_name: Option<String>,
    issuer_registered: bool,
    fields: Vec<FieldView>,
    valid_from: Option<String>,
    valid_until: Option<String>,
    chain: Option<ChainUsedView>,
    warnings: Vec<&'static str>,
    logged: LoggedView,
    /// The receipt printed on its own (the hall prints every receipt), or why not.
    pub print: Option<PrintJobView>,
    /// Which verification this is on the screen: the clerk's reveal names it.
    pub id: u64,
}

impl From<&Verified> for VerdictView {
    fn from(v: &Verified) -> Self {
        let r = &v.report;
        let first = |want: fn(CheckOutcome) -> bool| {
            r.checks.iter().find(|c| want(c.outcome)).map(|c| c.code)
        };
        let reason = first(|o| o == CheckOutcome::Fail)
            .or_else(|| first(|o| o == CheckOutcome::Skipped(SkipReason::CouldNotCheck)))
            .or_else(|| r.warnings.first().map(|w| w.code))
            .or_else(|| first(|o| o == CheckOutcome::Warn));
        let s = r.summary.as_ref();
        Self {
            // CANNOT_CONFIRM: could not be confirmed, or valid on chain state too old for the
            // hall's policy.
            verdict: r.verdict.screen_name(),
            reason,
            checks: r
                .checks
                .iter()
                .map(|c| CheckView {
                    id: c.id.as_str(),
                    outcome: c.outcome.as_str(),
                    code: c.code,
                })
                .collect(),
            type_name: s.map(|s| s.type_name.clone()),
            type_zh: s.and_then(|s| s.type_label_zh.clone()),
            type_en: s.and_then(|s| s.type_label_en.clone()),
            issuer_name: s.and_then(|s| s.issuer_name.clone()),
            issuer_registered: s.is_some_and(|s| s.issuer_name_registered),
            fields: s.map_or_else(Vec::new, |s| {
                s.fields
                    .iter()
                    .map(|f| FieldView {
                        key: f.key.clone(),
                        label_zh: f.label_zh.clone(),
                        label_en: f.label_en.clone(),
                        // A sensitive number reaches the screen whole only through
                        // `reveal`, after the reveal is in the audit trail.
                        value: if f.sensitive {
                            f.display_value(false)
                        } else {
                            f.value.clone()
                        },
                        masked: f.display_value(false),
                        sensitive: f.sensitive,
                    })
                    .collect()
            }),
            valid_from: s.and_then(|s| s.valid_from.map(|t| t.to_rfc3339())),
            valid_until: s.and_then(|s| s.valid_until.map(|t| t.to_rfc3339())),
            chain: r.chain.as_ref().map(|c| ChainUsedView {
                source: c.source.kind().as_str(),
                block: c.block,
                block_time: c.block_time.to_rfc3339(),
                checked_at: c.checked_at.to_rfc3339(),
            }),
            warnings: r.warnings.iter().map(|w| w.code).collect(),
            logged: match &v.logged {
                Logged::Entry(seq) => LoggedView {
                    kind: "entry",
                    seq: Some(*seq),
                    reason: None,
                    storage: None,
                },
                Logged::Repeat(seq) => LoggedView {
                    kind: "repeat",
                    seq: Some(*seq),
                    reason: None,
                    storage: None,
                },
                Logged::Failed { reason, storage } => LoggedView {
                    kind: "failed",
                    seq: None,
                    reason: Some(reason.clone()),
                    storage: Some(*storage),
                },
            },
            print: None,
            id: 0,
        }
    }
}

/// A print job as the screen shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintJobView {
    id: i64,
    /// `queued`, `printing`, `waiting`, `done`, `cancelled`.
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
#[derive(Debug, Clone, Serialize)]
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

/// A receipt check as the screen shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptCheckView {
    /// `genuine`, `cannot_confirm`, `contradicted` or `not_genuine`.
    finding: &'static str,
    /// Why it is not genuine (a forged or damaged code).
    error: Option<String>,
    id: Option<String>,
    hall: Option<String>,
    counter: Option<String>,
    clerk: Option<String>,
    /// Hall-local `YYYY-MM-DD HH:MM:SS`.
    time: Option<String>,
    verdict: Option<String>,
    reasons: Vec<String>,
    credential_type: Option<String>,
    /// The type's names, when Countersign knows the type.
    type_zh: Option<String>,
    type_en: Option<String>,
    issuer_name: Option<String>,
    subject: Vec<(String, String)>,
    /// Who signed it: the hall's name when trusted or registered.
    signer: Option<String>,
    /// `trusted`, `withdrawn` (with `signer_status`) or `unknown`.
    standing: &'static str,
    signer_status: Option<String>,
    key: Option<String>,
    /// `not_here`, `matches`, `differs`, `not_in_log`.
    log: &'static str,
    log_seq: Option<u64>,
    differs: Vec<String>,
}

impl ReceiptCheckView {
    /// A receipt that is not genuine (or not a receipt at all).
    pub fn not_genuine(why: String) -> Self {
        Self {
            finding: "not_genuine",
            error: Some(why),
            id: None,
            hall: None,
            counter: None,
            clerk: None,
            time: None,
            verdict: None,
            reasons: vec![],
            credential_type: None,
            type_zh: None,
            type_en: None,
            issuer_name: None,
            subject: vec![],
            signer: None,
            standing: "unknown",
            signer_status: None,
            key: None,
            log: "not_here",
            log_seq: None,
            differs: vec![],
        }
    }

    /// The view of a check.
    pub fn new(
        r: &countersign_station::receipts::ReceiptReport,
        offset: chrono::FixedOffset,
    ) -> Self {
        use countersign_receipt::{LogMatch, ReceiptFinding, Standing};
        let rc = &r.signed.receipt;
        let kind = rc
            .credential_type
            .as_deref()
            .and_then(countersign_credential::kinds::kind);
        let (signer, standing, signer_status) = match &r.standing {
            Standing::Trusted { name } => (Some(name.clone()), "trusted", None),
            Standing::Withdrawn { name, status } => {
                (Some(name.clone()), "withdrawn", Some(status.clone()))
            }
            Standing::Unknown => (None, "unknown", None),
        };
        let (log, log_seq, differs) = match &r.log {
            LogMatch::NotHere => ("not_here", None, vec![]),
            LogMatch::Matches(seq) => ("matches", Some(*seq), vec![]),
            LogMatch::Differs { seq, fields } => ("differs", Some(*seq), fields.clone()),
            LogMatch::NotInLog => ("not_in_log", None, vec![]),
        };
        Self {
            finding: match r.finding {
                ReceiptFinding::Genuine => "genuine",
                ReceiptFinding::CannotConfirm => "cannot_confirm",
                ReceiptFinding::Contradicted => "contradicted",
            },
            error: None,
            id: Some(rc.id.clone()),
            hall: Some(rc.hall.clone()),
            counter: Some(rc.counter.clone()),
            clerk: Some(rc.clerk.clone()),
            time: Some(
                rc.at
                    .with_timezone(&offset)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            ),
            verdict: Some(rc.verdict.screen_name().to_string()),
            reasons: rc.reasons.clone(),
            credential_type: rc.credential_type.clone(),
            type_zh: kind.map(|k| k.label_zh.to_string()),
            type_en: kind.map(|k| k.label_en.to_string()),
            issuer_name: rc.issuer_name.clone(),
            subject: rc
                .subject
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            signer,
            standing,
            signer_status,
            key: Some(r.signed.key_hex()),
            log,
            log_seq,
            differs,
        }
    }
}
