//! Receipts as the counter and a checker see them: the receipt of a logged verification, and
//! the whole check of a receipt someone brings back (its signature, whether the hall key is
//! one this machine trusts, and, at the hall that issued it, whether it matches the log and
//! whether the log proves that entry is in a checkpoint the hall key signed).
//!
//! A receipt is read under the checking hall's algorithm policy: one signed with an algorithm
//! the province does not accept is not genuine here, whatever its signature. Its entry is
//! proved with the log file's own hash, in a checkpoint whose origin names that hash.

use countersign_chainstate::IssuerStatus;
use countersign_crypto::{Policy, PublicKey};
use countersign_log::{leaf_of, open_checkpoint, Entry, LeafKind, Log, LogError, NewEntry};
use countersign_mirror::Mirror;
use countersign_receipt::{
    assess, differences, LogMatch, Receipt, ReceiptError, ReceiptFinding, SignedReceipt, Standing,
};

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
    /// Its key (Ed25519 or SM2).
    pub key: PublicKey,
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
    /// Whether the hall's log proves the matching entry is in a signed checkpoint (only when
    /// [`LogMatch::Matches`] and the log has a tree).
    pub recorded: Option<Recorded>,
    /// The conclusion.
    pub finding: ReceiptFinding,
}

/// What the hall's log proves about the entry a receipt matches.
///
/// The entry's fields match the receipt, but a log rebuilt by anyone who can write the file
/// would match too; a checkpoint signed by the hall key, and anchored on the registry, cannot
/// be rebuilt. So the entry is proved in one: the oldest anchored checkpoint that covers it
/// (else the oldest covering one), its note opened with the receipt's own key, the entry's
/// leaf recomputed from its row, and the inclusion proof checked against the note's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The inclusion proof holds.
    InCheckpoint {
        /// The entry.
        seq: u64,
        /// Its leaf in the tree.
        index: u64,
        /// The checkpoint's size (leaves).
        size: u64,
        /// Hashes in the inclusion proof checked.
        hashes: usize,
        /// The registry block that anchored the checkpoint, as the log records it (`log
        /// verify` checks the log's anchors against the registry itself).
        anchored_block: Option<u64>,
    },
    /// No checkpoint covers the entry yet: the station signs one within
    /// [`CHECKPOINT_EVERY_MINUTES`](countersign_defaults::CHECKPOINT_EVERY_MINUTES) minutes or
    /// [`CHECKPOINT_EVERY_LEAVES`](countersign_defaults::CHECKPOINT_EVERY_LEAVES) leaves.
    NotYetCheckpointed {
        /// The entry.
        seq: u64,
    },
    /// The proof does not hold: the log was changed since the checkpoint was signed.
    ProofFails {
        /// The entry.
        seq: u64,
        /// Why.
        why: ProofFailure,
    },
}

/// Why the log's proof of a receipt's entry does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFailure {
    /// The entry has no leaf although the log has a tree: it was put in the file by hand.
    #[error("the entry has no leaf in the log's tree: it was added outside the log")]
    NoLeaf,
    /// The entry's row no longer hashes to what it committed to.
    #[error("the entry's row was changed after it was recorded")]
    RowEdited,
    /// The covering checkpoint is not signed by the key that signed the receipt.
    #[error("the checkpoint of {size} leaves is not signed by the receipt's hall key")]
    ForeignSignature {
        /// The checkpoint's size.
        size: u64,
    },
    /// The signed note says another size, root or log than the checkpoint's row.
    #[error("the checkpoint of {size} leaves differs from its signed note")]
    NoteDiffers {
        /// The checkpoint's size.
        size: u64,
    },
    /// The tree cannot give the proof: leaves or nodes are missing.
    #[error("the log's tree cannot prove the entry in the checkpoint of {size} leaves: {detail}")]
    NoProof {
        /// The checkpoint's size.
        size: u64,
        /// What the tree lacks.
        detail: String,
    },
    /// The proof does not lead to the signed root.
    #[error("the inclusion proof does not lead to the signed root of {size} leaves")]
    Mismatch {
        /// The checkpoint's size.
        size: u64,
    },
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
    /// The algorithms this hall accepts (its settings' policy): a receipt under another is
    /// refused before its signature is checked. The default accepts the standard profile.
    pub policy: Policy,
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

/// What this machine knows of `key` (a registered station is looked up by the 32 bytes the
/// registry names its key by).
pub fn standing_of(key: &PublicKey, hall: &str, context: &CheckContext<'_>) -> Standing {
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
    match mirror.station(&key.registry_key()) {
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
    let signed = SignedReceipt::parse_with(&payload, &context.policy)?;
    let standing = standing_of(&signed.key, &signed.receipt.hall, context);
    let (log, recorded) = match context.own {
        Some((hall, log)) if hall == signed.receipt.hall => {
            let entries = log
                .find_by_receipt(&signed.receipt.id)
                .map_err(|e| CheckError::Log(e.to_string()))?;
            match entries.first() {
                None => (LogMatch::NotInLog, None),
                Some(e) => match receipt_for(&e.entry) {
                    Some(logged) => {
                        let fields = differences(&signed.receipt, &logged);
                        if fields.is_empty() {
                            let recorded = prove(log, e, &signed, &context.policy)
                                .map_err(|e| CheckError::Log(e.to_string()))?;
                            (LogMatch::Matches(e.seq), recorded)
                        } else {
                            (LogMatch::Differs { seq: e.seq, fields }, None)
                        }
                    }
                    None => (
                        LogMatch::Differs {
                            seq: e.seq,
                            fields: vec!["verdict".into()],
                        },
                        None,
                    ),
                },
            }
        }
        _ => (LogMatch::NotHere, None),
    };
    // A proof that fails means the log was changed under a matching entry: as serious as an
    // entry that differs. Not yet checkpointed is the normal state of a fresh receipt.
    let finding = match recorded {
        Some(Recorded::ProofFails { .. }) => ReceiptFinding::Contradicted,
        _ => assess(&standing, &log),
    };
    Ok(ReceiptReport {
        signed,
        standing,
        log,
        recorded,
        finding,
    })
}

/// Proves `entry`, which matches `signed`, in a checkpoint of `log` (see [`Recorded`]), with
/// the log's own hash; `None` when the log has no tree (a file older than the tree). Errors
/// are the log's own (the disk, SQLite); a tree that cannot give the proof is a
/// [`ProofFailure`].
fn prove(
    log: &Log,
    entry: &Entry,
    signed: &SignedReceipt,
    policy: &Policy,
) -> Result<Option<Recorded>, LogError> {
    let seq = entry.seq;
    let fails = |why| Ok(Some(Recorded::ProofFails { seq, why }));
    let Some(index) = log.entry_leaf_index(seq)? else {
        return if log.tree_size()? == 0 {
            Ok(None)
        } else {
            fails(ProofFailure::NoLeaf)
        };
    };
    // The leaf from the row's contents, not the stored hash, so that the proof covers the
    // fields the receipt was just matched against.
    let row_hash = match log.entry_content_hash(seq) {
        Ok(Some(hash)) => hash,
        Ok(None) => return fails(ProofFailure::NoLeaf),
        Err(e) if unreadable(&e) => return fails(ProofFailure::RowEdited),
        Err(e) => return Err(e),
    };
    if entry.hash != row_hash {
        return fails(ProofFailure::RowEdited);
    }
    let Some(checkpoint) = log.checkpoint_covering(index, false)? else {
        return Ok(Some(Recorded::NotYetCheckpointed { seq }));
    };
    let size = checkpoint.size;
    // The receipt's key, not any trusted one: the entry is proved under the signature of
    // the key that attested it.
    let Ok(note) = open_checkpoint(&checkpoint.note, &[signed.key], policy) else {
        return fails(ProofFailure::ForeignSignature { size });
    };
    // The origin names the log's hash: a note for a log of another hash is not this log's.
    if note.size != size
        || note.root != checkpoint.root
        || note.origin != log.origin(&signed.receipt.hall)
    {
        return fails(ProofFailure::NoteDiffers { size });
    }
    let proof = match log.entry_proof(seq, size) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return fails(ProofFailure::NoProof {
                size,
                detail: "the entry is beyond the tree".into(),
            })
        }
        Err(e) if unreadable(&e) => {
            return fails(ProofFailure::NoProof {
                size,
                detail: e.to_string(),
            })
        }
        Err(e) => return Err(e),
    };
    let alg = log.hash();
    let leaf = leaf_of(alg, LeafKind::Entry, seq, &row_hash);
    if proof.index != index
        || countersign_tlog::verify_inclusion(alg, index, size, &leaf, &proof.proof, &note.root)
            .is_err()
    {
        return fails(ProofFailure::Mismatch { size });
    }
    Ok(Some(Recorded::InCheckpoint {
        seq,
        index,
        size,
        hashes: proof.proof.len(),
        anchored_block: checkpoint.anchored.map(|(_, block)| block),
    }))
}

/// A log error that says the file holds what no build writes (an edited file), as opposed to
/// one that says it could not be read (the disk, SQLite).
fn unreadable(e: &LogError) -> bool {
    matches!(
        e,
        LogError::Corrupt(_) | LogError::Unknown { .. } | LogError::Proof(_)
    )
}
