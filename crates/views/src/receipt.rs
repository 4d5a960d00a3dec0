//! A receipt someone brought back, as the check found it.

use serde::Serialize;
use ts_rs::TS;

/// A receipt check as the screen shows it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptCheckView {
    /// `genuine`, `cannot_confirm`, `contradicted` or `not_genuine`.
    #[ts(type = r#""genuine" | "cannot_confirm" | "contradicted" | "not_genuine""#)]
    finding: &'static str,
    /// Why it is not genuine (a forged or damaged code).
    error: Option<String>,
    id: Option<String>,
    hall: Option<String>,
    counter: Option<String>,
    clerk: Option<String>,
    /// Hall-local `YYYY-MM-DD HH:MM:SS`.
    time: Option<String>,
    #[ts(type = r#""VALID" | "INVALID" | "CANNOT_CONFIRM" | null"#)]
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
    #[ts(type = r#""trusted" | "withdrawn" | "unknown""#)]
    standing: &'static str,
    signer_status: Option<String>,
    key: Option<String>,
    /// `not_here`, `matches`, `differs`, `not_in_log`.
    #[ts(type = r#""not_here" | "matches" | "differs" | "not_in_log""#)]
    log: &'static str,
    log_seq: Option<u64>,
    differs: Vec<String>,
    /// What the hall's log proves about the matching entry: in a signed checkpoint (the
    /// inclusion proof checked), not yet in one, or the proof fails; null when not asked
    /// (another hall's receipt, no matching entry, a log older than its tree).
    #[ts(type = r#""in_checkpoint" | "not_yet" | "proof_fails" | null"#)]
    recorded: Option<&'static str>,
    /// The checkpoint's size in leaves (`in_checkpoint`).
    checkpoint_size: Option<u64>,
    /// The registry block that anchored that checkpoint, as the log records it.
    anchored_block: Option<u64>,
    /// Why the proof fails (`proof_fails`), in English.
    proof_failure: Option<String>,
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
            recorded: None,
            checkpoint_size: None,
            anchored_block: None,
            proof_failure: None,
        }
    }

    /// The view of a check.
    pub fn new(
        r: &countersign_station::receipts::ReceiptReport,
        offset: chrono::FixedOffset,
    ) -> Self {
        use countersign_receipt::{LogMatch, ReceiptFinding, Standing};
        use countersign_station::receipts::Recorded;
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
        let (recorded, checkpoint_size, anchored_block, proof_failure) = match &r.recorded {
            None => (None, None, None, None),
            Some(Recorded::InCheckpoint {
                size,
                anchored_block,
                ..
            }) => (Some("in_checkpoint"), Some(*size), *anchored_block, None),
            Some(Recorded::NotYetCheckpointed { .. }) => (Some("not_yet"), None, None, None),
            Some(Recorded::ProofFails { why, .. }) => {
                (Some("proof_fails"), None, None, Some(why.to_string()))
            }
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
            recorded,
            checkpoint_size,
            anchored_block,
            proof_failure,
        }
    }
}
