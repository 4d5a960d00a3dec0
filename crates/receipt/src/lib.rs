//! Verification receipts. A citizen leaves the counter with a receipt; anyone can later check
//! that the hall really issued it, from its QR code alone.
//!
//! A [`Receipt`] is what the hall attests (who verified what, when, with which verdict and
//! chain state; the subject only as the privacy policy masks it). [`Receipt::sign`] makes a
//! [`SignedReceipt`] with the hall's device key (Ed25519, or SM2 under the national profile);
//! its [`SignedReceipt::payload`] is the QR code's text, `CSR1:` + base45 of a compact binary
//! form whose first byte names the algorithm (docs/PROTOCOL.md §9), small enough for a code a
//! 58 mm roll prints legibly. [`SignedReceipt::parse_with`] reads a payload back, refuses an
//! algorithm the hall's policy does not accept, and checks the signature; whether the key
//! belongs to a hall in good standing, and whether the receipt matches that hall's log, is for
//! the caller to find out ([`Standing`], [`assess`]). [`compose`] lays a receipt out as a
//! printable document for each paper.
//!
//! No I/O: no clock, no files, no network. Receipt ids come from [`new_receipt_id`], the
//! only function that reads the OS random source.

mod compose;
mod format;

pub use compose::{compose, ComposeOptions};
pub use format::{ReceiptError, PREFIX};

use chrono::{DateTime, Utc};
use countersign_crypto::{Policy, PublicKey, SecretKey, SigAlg, Signature};
use countersign_vocab::{ChainUsed, CredentialHash, Verdict};
use std::collections::BTreeMap;

/// What a hall attests about one verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The receipt id (also in the hall's log entry): `R` + hall-local date + 8 random
    /// characters, e.g. `R20261125-7KQ4M2XD`.
    pub id: String,
    /// Hall id.
    pub hall: String,
    /// Counter id.
    pub counter: String,
    /// Clerk id.
    pub clerk: String,
    /// When the verdict was shown (whole seconds).
    pub at: DateTime<Utc>,
    /// The verdict.
    pub verdict: Verdict,
    /// The failing checks' reason codes (`validity.expired`), in report order.
    pub reasons: Vec<String>,
    /// Credential type (`DiplomaCredential`), when it could be read.
    pub credential_type: Option<String>,
    /// The issuer's registered name, when the registry vouches for it.
    pub issuer_name: Option<String>,
    /// The subject summary as the hall's privacy policy keeps it (`name` → `张*`).
    pub subject: BTreeMap<String, String>,
    /// The credential's leaf hash, when it could be computed.
    pub leaf: Option<CredentialHash>,
    /// The chain state used, if any.
    pub chain: Option<ChainUsed>,
}

/// A receipt with the hall's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedReceipt {
    /// What is attested.
    pub receipt: Receipt,
    /// The hall key that signed it (Ed25519 or SM2: the receipt's first byte says which).
    pub key: PublicKey,
    /// The signature over the receipt's binary form.
    pub signature: Signature,
}

impl Receipt {
    /// Signs the receipt with the hall's key, an Ed25519 or SM2 [`SecretKey`] (an Ed25519
    /// `SigningKey` is taken too, as older callers hold one). Times are kept to whole seconds
    /// (what the payload carries), so a signed receipt reads back equal to itself.
    pub fn sign<K>(mut self, key: &K) -> Result<SignedReceipt, ReceiptError>
    where
        K: Clone + Into<SecretKey>,
    {
        let key: SecretKey = key.clone().into();
        self.at = format::whole_seconds(self.at);
        if let Some(chain) = &mut self.chain {
            chain.block_time = format::whole_seconds(chain.block_time);
        }
        let public = key.public();
        let body = format::encode_body(&self, &public)?;
        let signature = key.sign(&format::signing_input(&body));
        Ok(SignedReceipt {
            receipt: self,
            key: public,
            signature,
        })
    }
}

impl SignedReceipt {
    /// The QR code's text: `CSR1:` + base45 of the signed binary form.
    pub fn payload(&self) -> String {
        format::payload(self)
    }

    /// Reads a receipt's QR text and checks its signature under whichever algorithm it names
    /// (Ed25519 or SM2): the integrity of a receipt the hall itself signed (a queued print job).
    /// A receipt whose signature does not verify is an error ([`ReceiptError::Signature`]):
    /// it was forged or damaged. Whether to believe a receipt someone brings is
    /// [`SignedReceipt::parse_with`]'s question.
    pub fn parse(text: &str) -> Result<Self, ReceiptError> {
        format::parse(text, None)
    }

    /// Reads a receipt's QR text as a hall that accepts what `policy` accepts: a receipt
    /// signed with another algorithm is refused ([`ReceiptError::NotAllowed`]) before its
    /// signature is checked; then as [`SignedReceipt::parse`].
    pub fn parse_with(text: &str, policy: &Policy) -> Result<Self, ReceiptError> {
        format::parse(text, Some(policy))
    }

    /// The algorithm it is signed with.
    pub fn alg(&self) -> SigAlg {
        self.key.alg()
    }

    /// The signing key in hex: 64 digits for Ed25519, 66 for SM2 (compressed).
    pub fn key_hex(&self) -> String {
        hex::encode(self.key.to_bytes())
    }
}

/// What the verifier knows about the key that signed a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// A hall key this verifier trusts (provisioning, or a registered station in good
    /// standing), with the hall's name.
    Trusted {
        /// The hall's registered or provisioned name.
        name: String,
    },
    /// A registered station no longer in good standing.
    Withdrawn {
        /// The hall's registered name.
        name: String,
        /// `suspended` or `retired`.
        status: String,
    },
    /// Neither provisioned nor registered (or the registry could not be consulted).
    Unknown,
}

/// How a receipt compares with the signing hall's log, when the verifier holds that log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogMatch {
    /// The verifier is not the signing hall: its log cannot be consulted here.
    NotHere,
    /// The log entry with the receipt's id says the same: its number.
    Matches(u64),
    /// The log entry with the receipt's id says something else: which fields.
    Differs {
        /// The entry's number.
        seq: u64,
        /// The fields that differ (`verdict`, `at` …).
        fields: Vec<String>,
    },
    /// No entry in the hall's log has this receipt id.
    NotInLog,
}

/// The conclusion about a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptFinding {
    /// Signed by a trusted hall key, and (where the log is here) it matches the log.
    Genuine,
    /// Validly signed, but the key is not trusted here, the station is withdrawn, or it is
    /// not in the hall's own log: cannot be confirmed.
    CannotConfirm,
    /// Signed by a trusted key but contradicting the hall's log.
    Contradicted,
}

/// Concludes about a receipt whose signature already verified ([`SignedReceipt::parse`]).
pub fn assess(standing: &Standing, log: &LogMatch) -> ReceiptFinding {
    match (standing, log) {
        (_, LogMatch::Differs { .. }) => ReceiptFinding::Contradicted,
        (Standing::Trusted { .. }, LogMatch::NotHere | LogMatch::Matches(_)) => {
            ReceiptFinding::Genuine
        }
        _ => ReceiptFinding::CannotConfirm,
    }
}

/// The fields on which `printed` and `logged` (the hall's log entry, as a receipt) differ.
pub fn differences(printed: &Receipt, logged: &Receipt) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |name: &str, same: bool| {
        if !same {
            out.push(name.to_string());
        }
    };
    check("id", printed.id == logged.id);
    check("hall", printed.hall == logged.hall);
    check("counter", printed.counter == logged.counter);
    check("clerk", printed.clerk == logged.clerk);
    check(
        "at",
        format::whole_seconds(printed.at) == format::whole_seconds(logged.at),
    );
    check("verdict", printed.verdict == logged.verdict);
    check("reasons", printed.reasons == logged.reasons);
    check("type", printed.credential_type == logged.credential_type);
    check("issuer", printed.issuer_name == logged.issuer_name);
    // A purged summary (after the retention period) is not a difference.
    check(
        "subject",
        logged.subject.is_empty() || printed.subject == logged.subject,
    );
    check("leaf", printed.leaf == logged.leaf);
    let chain = |r: &Receipt| {
        r.chain
            .map(|c| (c.source, c.block, format::whole_seconds(c.block_time)))
    };
    check("chain", chain(printed) == chain(logged));
    out
}

const ID_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new receipt id for a verification on the hall-local `day`: `R20261125-7KQ4M2XD` (8
/// Crockford base-32 characters, 40 random bits; upper case and digits, so a receipt id is in
/// the QR alphanumeric set and can be read out over the phone).
pub fn new_receipt_id(day: chrono::NaiveDate) -> Result<String, ReceiptError> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| ReceiptError::Random(e.to_string()))?;
    let tail: String = bytes
        .iter()
        .map(|b| ID_ALPHABET[usize::from(b & 31)] as char)
        .collect();
    Ok(format!("R{}-{tail}", day.format("%Y%m%d")))
}

#[cfg(test)]
mod tests;
