//! A verification as the clerk reads it, and what a scan turned out to be. Personal numbers
//! reach the screen masked; their whole values come only from the `reveal` command, once the
//! reveal is recorded in the audit trail.

use crate::{PrintJobView, ReceiptCheckView};
use countersign_chainstate::Source;
use countersign_station::{Logged, Verified};
use countersign_verify::{CheckOutcome, SkipReason};
use serde::Serialize;
use ts_rs::TS;

/// One check.
#[derive(Debug, Serialize, TS)]
pub struct CheckView {
    id: &'static str,
    #[ts(type = r#""pass" | "warn" | "fail" | "skipped""#)]
    outcome: &'static str,
    code: &'static str,
}

/// One subject field.
#[derive(Debug, Serialize, TS)]
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
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChainUsedView {
    #[ts(type = r#""online" | "mirror" | "memory""#)]
    source: &'static str,
    block: u64,
    block_time: String,
    checked_at: String,
    /// Online: how many nodes gave the block read (1: "one node"), of how many asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    nodes_agreed: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    nodes_asked: Option<u32>,
}

/// What became of it in the log.
#[derive(Debug, Serialize, TS)]
pub struct LoggedView {
    #[ts(type = r#""entry" | "repeat" | "failed""#)]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    storage: Option<bool>,
}

/// The verdict screen's data.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VerdictView {
    /// `VALID`, `INVALID` or `CANNOT_CONFIRM`.
    #[ts(type = r#""VALID" | "INVALID" | "CANNOT_CONFIRM""#)]
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
                nodes_agreed: match &c.source {
                    Source::Online { agreed, .. } => Some(*agreed),
                    _ => None,
                },
                nodes_asked: match &c.source {
                    Source::Online { asked, .. } => Some(*asked),
                    _ => None,
                },
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

/// What a scan turned out to be: a credential's verdict, or a brought-back receipt's check
/// (exactly one of the two).
#[derive(Debug, Serialize, TS)]
pub struct ScanView {
    /// The verdict on a credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub verdict: Option<VerdictView>,
    /// The check of a receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub receipt: Option<ReceiptCheckView>,
}

/// A revealed field's whole value (the `reveal` command's answer).
#[derive(Debug, Serialize, TS)]
pub struct RevealedField {
    /// The field.
    pub key: String,
    /// Its whole value.
    pub value: String,
}
