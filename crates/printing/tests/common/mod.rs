//! A signed sample receipt and the helpers both printer tests use.
#![allow(dead_code)]

use chrono::{FixedOffset, TimeZone, Utc};
use countersign_printing::{HallHeading, JobKind, NewJob};
use countersign_receipt::{Receipt, SignedReceipt};
use countersign_vocab::{ChainSourceKind, ChainUsed, CredentialHash, Verdict};
use ed25519_dalek::SigningKey;

pub fn hall_key() -> SigningKey {
    SigningKey::from_bytes(&[5; 32])
}

pub fn hall() -> HallHeading {
    HallHeading {
        name: "北京市朝阳区政务服务中心".into(),
        utc_offset: FixedOffset::east_opt(8 * 3600).expect("+8"),
    }
}

pub fn signed(id: &str) -> SignedReceipt {
    Receipt {
        id: id.into(),
        hall: "BJ-CY-01".into(),
        counter: "3".into(),
        clerk: "clerk-007".into(),
        at: Utc
            .with_ymd_and_hms(2026, 11, 25, 6, 3, 22)
            .single()
            .expect("t"),
        verdict: Verdict::Valid,
        reasons: vec![],
        credential_type: Some("DiplomaCredential".into()),
        issuer_name: Some("京华大学".into()),
        subject: [
            ("idNumber".to_string(), "110108********0018".to_string()),
            ("name".to_string(), "刘*".to_string()),
        ]
        .into_iter()
        .collect(),
        leaf: Some(CredentialHash([0x42; 32])),
        chain: Some(ChainUsed {
            source: ChainSourceKind::Online,
            block: 4711,
            block_time: Utc
                .with_ymd_and_hms(2026, 11, 25, 6, 3, 0)
                .single()
                .expect("t"),
        }),
    }
    .sign(&hall_key())
    .expect("sign")
}

pub fn job(id: &str, printer: &str, paper: &str, copy: bool) -> NewJob {
    NewJob {
        kind: JobKind::Receipt,
        receipt_id: Some(id.into()),
        payload: signed(id).payload(),
        copy,
        paper: paper.into(),
        printer: printer.into(),
        clerk: "clerk-007".into(),
        counter: "3".into(),
    }
}

/// The signed receipts found in QR codes among `texts`.
pub fn receipts_in(texts: &[String]) -> Vec<SignedReceipt> {
    texts
        .iter()
        .filter_map(|t| SignedReceipt::parse(t).ok())
        .collect()
}
