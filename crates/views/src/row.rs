//! One logged verification as every front end lists it: the clerk's history of today, the
//! supervisor's entries table and search results, and the CLI's `log search --json` all send an
//! [`EntryRow`], so a field means the same wherever it is read.
//!
//! It is a presentation of a log entry, nothing more: times in the hall's offset, the credential
//! type's labels, the verdict under the screen's name. It holds only what the log holds (the
//! subject summary already masked by the hall's policy, and empty once purged).

use chrono::{DateTime, FixedOffset, Utc};
use countersign_credential::kinds;
use countersign_log::Entry;
use countersign_vocab::{ChainSourceKind, Channel, CredentialHash, Verdict};
use serde::Serialize;
use ts_rs::TS;

/// A logged verification, as the screens and the CLI list it (JSON in camelCase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EntryRow {
    /// Position in the log.
    pub seq: u64,
    /// When the verdict was shown: RFC 3339 in the hall's offset.
    pub at: String,
    /// The hall-local day, `YYYY-MM-DD`.
    pub date: String,
    /// The hall-local time, `HH:MM:SS`.
    pub time: String,
    /// Hall id.
    pub hall: String,
    /// Counter id.
    pub counter: String,
    /// Clerk id.
    pub clerk: String,
    /// How the credential arrived.
    #[ts(type = r#""scanner" | "camera" | "image""#)]
    pub channel: Channel,
    /// The verdict, sent under the screen's name (`VALID`, `INVALID`, `CANNOT_CONFIRM`): the
    /// screens key their colours and words on it.
    #[serde(serialize_with = "screen_name")]
    #[ts(type = r#""VALID" | "INVALID" | "CANNOT_CONFIRM""#)]
    pub verdict: Verdict,
    /// Credential type, when it could be read.
    pub credential_type: Option<String>,
    /// The type's Chinese name, when the type is one Countersign knows.
    pub type_zh: Option<&'static str>,
    /// The type's English name, likewise.
    pub type_en: Option<&'static str>,
    /// The issuer's id (did:key), when it could be read.
    pub issuer: Option<String>,
    /// The issuer's registered name, when the registry vouched for it.
    pub issuer_name: Option<String>,
    /// The credential's hash, when it could be computed.
    #[ts(as = "Option<String>")]
    pub credential_hash: Option<CredentialHash>,
    /// Ids of the failing checks.
    pub failing: Vec<String>,
    /// Reason codes of the failing checks; for an entry logged before reason codes were
    /// recorded, its failing check ids (the screens word either).
    pub reasons: Vec<String>,
    /// The chain state used, if any.
    pub chain: Option<RowChain>,
    /// The receipt id.
    pub receipt: Option<String>,
    /// The masked subject summary the log keeps, as (field, value) in field order; empty once
    /// purged.
    pub subject: Vec<(String, String)>,
    /// Whether the subject summary was purged after the retention period.
    pub purged: bool,
    /// The entry's hash in the log's chain, 64 hex digits.
    pub entry_hash: String,
}

/// The chain state an entry used, as a row shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RowChain {
    /// Where it came from.
    #[ts(type = r#""online" | "mirror" | "memory""#)]
    pub source: ChainSourceKind,
    /// Block number.
    pub block: u64,
    /// That block's time: RFC 3339 in the hall's offset.
    pub block_time: String,
}

fn screen_name<S: serde::Serializer>(verdict: &Verdict, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(verdict.screen_name())
}

fn rfc3339(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset).to_rfc3339()
}

impl EntryRow {
    /// The rows of `entries`, in the order given, with times in the hall's `offset`.
    pub fn all<'a>(entries: impl IntoIterator<Item = &'a Entry>, offset: FixedOffset) -> Vec<Self> {
        entries.into_iter().map(|e| Self::new(e, offset)).collect()
    }

    /// The row of a logged entry, with times in the hall's `offset`.
    pub fn new(e: &Entry, offset: FixedOffset) -> Self {
        let n = &e.entry;
        let local = n.at.with_timezone(&offset);
        let kind = n.credential_type.as_deref().and_then(kinds::kind);
        Self {
            seq: e.seq,
            at: local.to_rfc3339(),
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M:%S").to_string(),
            hall: n.hall.clone(),
            counter: n.counter.clone(),
            clerk: n.clerk.clone(),
            channel: n.channel,
            verdict: n.verdict,
            credential_type: n.credential_type.clone(),
            type_zh: kind.map(|k| k.label_zh),
            type_en: kind.map(|k| k.label_en),
            issuer: n.issuer.clone(),
            issuer_name: n.issuer_name.clone(),
            credential_hash: n.leaf,
            failing: n.failing.clone(),
            reasons: if n.reasons.is_empty() {
                n.failing.clone()
            } else {
                n.reasons.clone()
            },
            chain: n.chain.map(|c| RowChain {
                source: c.source,
                block: c.block,
                block_time: rfc3339(c.block_time, offset),
            }),
            receipt: n.receipt.clone(),
            subject: n
                .personal
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            purged: e.purged,
            entry_hash: hex::encode(e.hash),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_log::NewEntry;
    use countersign_vocab::ChainUsed;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn entry() -> Entry {
        let at = DateTime::from_timestamp(1_795_050_123, 0).expect("time");
        Entry {
            seq: 7,
            entry: NewEntry {
                at,
                hall: "BJ-CY-01".into(),
                counter: "3".into(),
                clerk: "clerk-007".into(),
                channel: Channel::Camera,
                credential_type: Some("DiplomaCredential".into()),
                issuer: Some("did:key:z6Mk".into()),
                issuer_name: None,
                leaf: Some(CredentialHash([0xab; 32])),
                verdict: Verdict::Unverifiable,
                failing: vec!["anchor".into()],
                reasons: vec![],
                chain: Some(ChainUsed {
                    source: ChainSourceKind::Mirror,
                    block: 1200,
                    block_time: at - chrono::Duration::minutes(90),
                }),
                receipt: Some("R20261119-7KQ4M2XD".into()),
                personal: BTreeMap::from([
                    ("name".to_string(), "刘*".to_string()),
                    ("idNumber".to_string(), "110108********0018".to_string()),
                ]),
            },
            purged: false,
            prev_hash: [1; 32],
            hash: [2; 32],
        }
    }

    /// The fields the screens (ui/src/generated/EntryRow.ts) and the CLI's
    /// `log search --json` read, with their names and shapes.
    #[test]
    fn the_json_is_what_the_screens_and_the_cli_read() {
        let offset = FixedOffset::east_opt(8 * 3600).expect("offset");
        let row = serde_json::to_value(EntryRow::new(&entry(), offset)).expect("json");
        assert_eq!(
            row,
            json!({
                "seq": 7,
                "at": "2026-11-19T09:02:03+08:00",
                "date": "2026-11-19",
                "time": "09:02:03",
                "hall": "BJ-CY-01",
                "counter": "3",
                "clerk": "clerk-007",
                "channel": "camera",
                "verdict": "CANNOT_CONFIRM",
                "credentialType": "DiplomaCredential",
                "typeZh": "学历证书",
                "typeEn": "Diploma",
                "issuer": "did:key:z6Mk",
                "issuerName": null,
                "credentialHash": "ab".repeat(32),
                "failing": ["anchor"],
                // Logged before reason codes: the check ids stand in.
                "reasons": ["anchor"],
                "chain": {
                    "source": "mirror",
                    "block": 1200,
                    "blockTime": "2026-11-19T07:32:03+08:00",
                },
                "receipt": "R20261119-7KQ4M2XD",
                "subject": [["idNumber", "110108********0018"], ["name", "刘*"]],
                "purged": false,
                "entryHash": "02".repeat(32),
            })
        );
    }
}
