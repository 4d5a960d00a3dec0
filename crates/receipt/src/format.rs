//! The CSR1 receipt format: `CSR1:` + base45 of `body ‖ signature`, where `body` is a compact
//! binary form (docs/PROTOCOL.md §9) and the signature is over
//! `"countersign-receipt-v1\0" ‖ body`. Decoding is strict: one encoding per receipt (minimal
//! varints, sorted subject keys, no trailing bytes), so a receipt cannot be re-encoded into a
//! second valid form.
//!
//! The body's first byte names the format and with it the signature algorithm: `0x01` is the
//! format as it has always been, an Ed25519 key (32 bytes) and an Ed25519 signature, so every
//! receipt printed before the national profile reads as it did and a standard-profile receipt
//! is byte for byte what older builds print and read; `0x02` is the same layout with an SM2 key
//! (33 bytes, compressed) and an SM2 signature (SM3, default distinguishing ID, `r ‖ s`). The
//! byte is signed with the rest of the body, and it fixes the key's length, so a receipt
//! relabelled to the other algorithm no longer parses, or its signature no longer verifies.

use crate::{Receipt, SignedReceipt};
use chrono::{DateTime, Utc};
use countersign_crypto::{NotAllowed, Policy, PublicKey, SigAlg, Signature, SIGNATURE_LEN};
use countersign_vocab::{ChainSourceKind, ChainUsed, CredentialHash, Verdict};
use std::collections::BTreeMap;

/// The text before the base45 of a receipt's QR code.
pub const PREFIX: &str = "CSR1:";

/// The first byte of an Ed25519 receipt (the format's version 1).
const ED25519_RECEIPT: u8 = 1;
/// The first byte of an SM2 receipt.
const SM2_RECEIPT: u8 = 2;
const DOMAIN: &[u8] = b"countersign-receipt-v1\0";

/// The first byte of a receipt signed with `alg`.
fn format_byte(alg: SigAlg) -> u8 {
    match alg {
        SigAlg::Ed25519 => ED25519_RECEIPT,
        SigAlg::Sm2 => SM2_RECEIPT,
    }
}
/// Bytes a receipt may take, signature included (a QR code of version 25 at ECC M holds about
/// 1,000 bytes of base45; receipts are a third of that).
const MAX_BYTES: usize = 1200;
const MAX_STRING: usize = 256;
const MAX_ITEMS: usize = 16;

const HAS_TYPE: u8 = 1;
const HAS_ISSUER: u8 = 2;
const HAS_LEAF: u8 = 4;
const HAS_CHAIN: u8 = 8;

/// A receipt payload that cannot be read, or that is not genuine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The text does not start with `CSR1:`.
    #[error("not a Countersign receipt (it does not start with {PREFIX})")]
    Prefix,
    /// The base45 is broken.
    #[error("the receipt's code is damaged: {0}")]
    Base45(String),
    /// The bytes end before the receipt does.
    #[error("the receipt's code is cut short")]
    Truncated,
    /// Bytes follow the signature.
    #[error("the receipt's code has {0} bytes after its end")]
    Trailing(usize),
    /// A later format than this build reads.
    #[error("receipt format version {0} is not supported by this version of Countersign")]
    Version(u8),
    /// Signed with an algorithm the hall's policy does not accept: the signature was not
    /// checked.
    #[error("the receipt's signature: {0}")]
    NotAllowed(NotAllowed),
    /// A field holds a value no encoder writes.
    #[error("the receipt's {field} is malformed: {why}")]
    Malformed {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        why: String,
    },
    /// Too large to be a receipt.
    #[error("{0}: too large for a receipt")]
    TooLarge(String),
    /// The signature does not verify: the receipt was forged or altered.
    #[error("the receipt's signature does not verify: it was altered or forged")]
    Signature,
    /// The OS random source failed.
    #[error("no system randomness: {0}")]
    Random(String),
}

fn malformed(field: &'static str, why: impl Into<String>) -> ReceiptError {
    ReceiptError::Malformed {
        field,
        why: why.into(),
    }
}

pub(crate) fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

pub(crate) fn signing_input(body: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(DOMAIN.len() + body.len());
    input.extend_from_slice(DOMAIN);
    input.extend_from_slice(body);
    input
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, field: &str, s: &str) -> Result<(), ReceiptError> {
    if s.len() > MAX_STRING {
        return Err(ReceiptError::TooLarge(format!(
            "{field} ({} bytes)",
            s.len()
        )));
    }
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn seconds(field: &str, t: DateTime<Utc>) -> Result<u64, ReceiptError> {
    u64::try_from(t.timestamp()).map_err(|_| ReceiptError::TooLarge(format!("{field} before 1970")))
}

pub(crate) fn encode_body(r: &Receipt, key: &PublicKey) -> Result<Vec<u8>, ReceiptError> {
    if r.reasons.len() > MAX_ITEMS || r.subject.len() > MAX_ITEMS {
        return Err(ReceiptError::TooLarge("reasons or subject fields".into()));
    }
    let mut out = Vec::with_capacity(320);
    out.push(format_byte(key.alg()));
    out.extend_from_slice(&key.to_bytes());
    put_str(&mut out, "id", &r.id)?;
    put_str(&mut out, "hall", &r.hall)?;
    put_str(&mut out, "counter", &r.counter)?;
    put_str(&mut out, "clerk", &r.clerk)?;
    put_varint(&mut out, seconds("time", r.at)?);
    out.push(match r.verdict {
        Verdict::Valid => 0,
        Verdict::Invalid => 1,
        Verdict::Unverifiable => 2,
    });
    put_varint(&mut out, r.reasons.len() as u64);
    for reason in &r.reasons {
        put_str(&mut out, "reason", reason)?;
    }
    put_varint(&mut out, r.subject.len() as u64);
    for (k, v) in &r.subject {
        put_str(&mut out, "subject field", k)?;
        put_str(&mut out, "subject value", v)?;
    }
    let mut flags = 0;
    for (present, bit) in [
        (r.credential_type.is_some(), HAS_TYPE),
        (r.issuer_name.is_some(), HAS_ISSUER),
        (r.leaf.is_some(), HAS_LEAF),
        (r.chain.is_some(), HAS_CHAIN),
    ] {
        if present {
            flags |= bit;
        }
    }
    out.push(flags);
    if let Some(t) = &r.credential_type {
        put_str(&mut out, "type", t)?;
    }
    if let Some(i) = &r.issuer_name {
        put_str(&mut out, "issuer", i)?;
    }
    if let Some(leaf) = &r.leaf {
        out.extend_from_slice(leaf.as_bytes());
    }
    if let Some(c) = &r.chain {
        out.push(match c.source {
            ChainSourceKind::Online => 0,
            ChainSourceKind::Mirror => 1,
            ChainSourceKind::Memory => 2,
        });
        put_varint(&mut out, c.block);
        put_varint(&mut out, seconds("block time", c.block_time)?);
    }
    if out.len() + SIGNATURE_LEN > MAX_BYTES {
        return Err(ReceiptError::TooLarge(format!(
            "{} bytes",
            out.len() + SIGNATURE_LEN
        )));
    }
    Ok(out)
}

pub(crate) fn payload(s: &SignedReceipt) -> String {
    // The receipt was encodable when it was signed (sign() encodes it), so this cannot fail.
    let mut bytes = encode_body(&s.receipt, &s.key).unwrap_or_default();
    bytes.extend_from_slice(&s.signature.to_bytes());
    format!("{PREFIX}{}", countersign_payload::base45::encode(&bytes))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ReceiptError> {
        let end = self.at.checked_add(n).ok_or(ReceiptError::Truncated)?;
        let out = self
            .bytes
            .get(self.at..end)
            .ok_or(ReceiptError::Truncated)?;
        self.at = end;
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, ReceiptError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ReceiptError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn varint(&mut self, field: &'static str) -> Result<u64, ReceiptError> {
        let mut n: u64 = 0;
        for i in 0..10 {
            let b = self.byte()?;
            if i == 9 && b > 1 {
                return Err(malformed(field, "number too large"));
            }
            n |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return Err(malformed(field, "number not in its shortest form"));
                }
                return Ok(n);
            }
        }
        Err(malformed(field, "number too long"))
    }

    fn string(&mut self, field: &'static str) -> Result<String, ReceiptError> {
        let len = self.varint(field)?;
        if len > MAX_STRING as u64 {
            return Err(malformed(field, format!("{len} bytes long")));
        }
        let raw = self.take(len as usize)?;
        String::from_utf8(raw.to_vec()).map_err(|_| malformed(field, "not UTF-8"))
    }

    fn count(&mut self, field: &'static str) -> Result<usize, ReceiptError> {
        let n = self.varint(field)?;
        if n > MAX_ITEMS as u64 {
            return Err(malformed(field, format!("{n} items")));
        }
        Ok(n as usize)
    }

    fn time(&mut self, field: &'static str) -> Result<DateTime<Utc>, ReceiptError> {
        let secs = self.varint(field)?;
        i64::try_from(secs)
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| malformed(field, "not a time"))
    }
}

/// Reads and checks a receipt; with a `policy`, an algorithm it does not accept is refused
/// before the signature is checked.
pub(crate) fn parse(text: &str, policy: Option<&Policy>) -> Result<SignedReceipt, ReceiptError> {
    // Keyboard-wedge scanners may append a line end; nothing else is forgiven.
    let text = text.trim_end_matches(['\r', '\n']);
    let encoded = text.strip_prefix(PREFIX).ok_or(ReceiptError::Prefix)?;
    if encoded.len() > MAX_BYTES * 3 / 2 + 2 {
        return Err(ReceiptError::TooLarge(format!("{} characters", text.len())));
    }
    let bytes = countersign_payload::base45::decode(encoded)
        .map_err(|e| ReceiptError::Base45(e.to_string()))?;
    let alg = match bytes.first() {
        None => return Err(ReceiptError::Truncated),
        Some(&ED25519_RECEIPT) => SigAlg::Ed25519,
        Some(&SM2_RECEIPT) => SigAlg::Sm2,
        Some(&other) => return Err(ReceiptError::Version(other)),
    };
    if let Some(policy) = policy {
        policy.allow_sig(alg).map_err(ReceiptError::NotAllowed)?;
    }
    if bytes.len() < 1 + alg.public_key_len() + SIGNATURE_LEN {
        return Err(ReceiptError::Truncated);
    }
    let (body, sig) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    let mut r = Reader { bytes: body, at: 1 };
    let key = PublicKey::from_bytes(alg, r.take(alg.public_key_len())?)
        .map_err(|_| malformed("hall key", format!("not an {alg} public key")))?;
    let id = r.string("id")?;
    let hall = r.string("hall")?;
    let counter = r.string("counter")?;
    let clerk = r.string("clerk")?;
    let at = r.time("time")?;
    let verdict = match r.byte()? {
        0 => Verdict::Valid,
        1 => Verdict::Invalid,
        2 => Verdict::Unverifiable,
        other => return Err(malformed("verdict", format!("code {other}"))),
    };
    let mut reasons = Vec::new();
    for _ in 0..r.count("reasons")? {
        reasons.push(r.string("reason")?);
    }
    let mut subject = BTreeMap::new();
    let mut last: Option<String> = None;
    for _ in 0..r.count("subject")? {
        let k = r.string("subject field")?;
        if last.as_ref().is_some_and(|l| *l >= k) {
            return Err(malformed("subject", "fields not in order"));
        }
        last = Some(k.clone());
        let v = r.string("subject value")?;
        subject.insert(k, v);
    }
    let flags = r.byte()?;
    if flags & !(HAS_TYPE | HAS_ISSUER | HAS_LEAF | HAS_CHAIN) != 0 {
        return Err(malformed("flags", format!("unknown bits {flags:#04x}")));
    }
    let credential_type = (flags & HAS_TYPE != 0)
        .then(|| r.string("type"))
        .transpose()?;
    let issuer_name = (flags & HAS_ISSUER != 0)
        .then(|| r.string("issuer"))
        .transpose()?;
    let leaf = (flags & HAS_LEAF != 0)
        .then(|| r.array::<32>().map(CredentialHash))
        .transpose()?;
    let chain = if flags & HAS_CHAIN != 0 {
        let source = match r.byte()? {
            0 => ChainSourceKind::Online,
            1 => ChainSourceKind::Mirror,
            2 => ChainSourceKind::Memory,
            other => return Err(malformed("chain source", format!("code {other}"))),
        };
        let block = r.varint("block")?;
        let block_time = r.time("block time")?;
        Some(ChainUsed {
            source,
            block,
            block_time,
        })
    } else {
        None
    };
    if r.at != body.len() {
        return Err(ReceiptError::Trailing(body.len() - r.at));
    }
    let signature = Signature::from_slice(sig).map_err(|_| ReceiptError::Signature)?;
    key.verify(&signing_input(body), &signature)
        .map_err(|_| ReceiptError::Signature)?;
    Ok(SignedReceipt {
        receipt: Receipt {
            id,
            hall,
            counter,
            clerk,
            at,
            verdict,
            reasons,
            credential_type,
            issuer_name,
            subject,
            leaf,
            chain,
        },
        key,
        signature,
    })
}
