//! Receipts as the counter and a checker see them: the receipt of a logged verification, and
//! the whole check of a receipt someone brings back (its signature, whether the hall key is
//! one this machine trusts, and, at the hall that issued it, whether it matches the log).

use countersign_chainstate::IssuerStatus;
use countersign_log::{Log, NewEntry};
use countersign_mirror::Mirror;
use countersign_receipt::{
    assess, differences, LogMatch, Receipt, ReceiptError, ReceiptFinding, SignedReceipt, Standing,
};
use ed25519_dalek::VerifyingKey;

/// The receipt of a log entry (unsigned), or `None` when the entry has no receipt id.
pub fn receipt_for(entry: &NewEntry) -> Option<Receipt> {
    Some(Receipt {
        id: entry.receipt.clone()?,
        hall: entry.hall.clone(),
        counter: entry.counter.clone(),
        clerk: entry.clerk.clone(),
        at: entry.at,
        verdict: entry.verdict,
        reasons: entry.reasons.clone(),
        credential_type: entry.credential_type.clone(),
        issuer_name: entry.issuer_name.clone(),
        subject: entry.personal.clone(),
        leaf: entry.leaf,
        chain: entry.chain,
    })
}

/// A hall key this machine trusts without asking the registry (from provisioning, or given
/// to the CLI with `--trust`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedHall {
    /// The hall's id.
    pub hall: String,
    /// Its name, for the screen.
    pub name: String,
    /// Its key.
    pub key: VerifyingKey,
}

/// What a receipt check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptReport {
    /// The receipt, its signature verified.
    pub signed: SignedReceipt,
    /// What this machine knows of the signing key.
    pub standing: Standing,
    /// How it compares with the hall's log (when this is that hall).
    pub log: LogMatch,
    /// The conclusion.
    pub finding: ReceiptFinding,
}

/// A receipt check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The payload or picture is not a genuine receipt.
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    /// The picture holds no readable QR code.
    #[error("no readable QR code in the picture: {0}")]
    Picture(String),
    /// The hall's log could not be read.
    #[error("the hall's log could not be read: {0}")]
    Log(String),
}

/// Where to look for what a receipt is checked against.
#[derive(Debug, Default)]
pub struct CheckContext<'a> {
    /// Hall keys trusted without the registry.
    pub trusted: &'a [TrustedHall],
    /// The registry as the hall's mirror holds it (stations and their standing).
    pub mirror: Option<&'a Mirror>,
    /// This hall's id and log: a receipt of this hall is matched to its entry.
    pub own: Option<(&'a str, &'a Log)>,
}

/// The text of a receipt's QR code from what was scanned or opened: the payload itself, or a
/// picture of the receipt.
pub fn payload_from(input: &[u8]) -> Result<String, CheckError> {
    let text = std::str::from_utf8(input).map(str::trim).unwrap_or("");
    if text.starts_with(countersign_receipt::PREFIX) {
        return Ok(text.to_string());
    }
    if !text.is_empty() && input.is_ascii() {
        return Err(ReceiptError::Prefix.into());
    }
    let decoded =
        countersign_qr::decode_bytes(input).map_err(|e| CheckError::Picture(e.to_string()))?;
    // A picture may hold several codes (a receipt beside the credential): take the receipt's.
    decoded
        .iter()
        .map(|t| t.trim())
        .find(|t| t.starts_with(countersign_receipt::PREFIX))
        .map(str::to_string)
        .ok_or_else(|| ReceiptError::Prefix.into())
}

/// What this machine knows of `key`.
pub fn standing_of(key: &VerifyingKey, hall: &str, context: &CheckContext<'_>) -> Standing {
    if let Some(t) = context
        .trusted
        .iter()
        .find(|t| t.key == *key && t.hall == hall)
    {
        return Standing::Trusted {
            name: t.name.clone(),
        };
    }
    let Some(mirror) = context.mirror else {
        return Standing::Unknown;
    };
    match mirror.station(&key.to_bytes()) {
        Ok(Some(station)) => match station.status {
            IssuerStatus::Active => Standing::Trusted { name: station.name },
            IssuerStatus::Suspended => Standing::Withdrawn {
                name: station.name,
                status: "suspended".into(),
            },
            IssuerStatus::Retired => Standing::Withdrawn {
                name: station.name,
                status: "retired".into(),
            },
        },
        _ => Standing::Unknown,
    }
}

/// Checks a receipt: its signature, its key's standing, and (at its own hall) the log.
pub fn check(input: &[u8], context: &CheckContext<'_>) -> Result<ReceiptReport, CheckError> {
    let payload = payload_from(input)?;
    let signed = SignedReceipt::parse(&payload)?;
    let standing = standing_of(&signed.key, &signed.receipt.hall, context);
    let log = match context.own {
        Some((hall, log)) if hall == signed.receipt.hall => {
            let entries = log
                .find_by_receipt(&signed.receipt.id)
                .map_err(|e| CheckError::Log(e.to_string()))?;
            match entries.first() {
                None => LogMatch::NotInLog,
                Some(e) => match receipt_for(&e.entry) {
                    Some(logged) => {
                        let fields = differences(&signed.receipt, &logged);
                        if fields.is_empty() {
                            LogMatch::Matches(e.seq)
                        } else {
                            LogMatch::Differs { seq: e.seq, fields }
                        }
                    }
                    None => LogMatch::Differs {
                        seq: e.seq,
                        fields: vec!["verdict".into()],
                    },
                },
            }
        }
        _ => LogMatch::NotHere,
    };
    let finding = assess(&standing, &log);
    Ok(ReceiptReport {
        signed,
        standing,
        log,
        finding,
    })
}
