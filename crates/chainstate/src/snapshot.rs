//! A registry snapshot as a JSON file: the registry state as of one block, readable without a
//! node. Demos and tests use it now; hall provisioning can carry one so a hall installed
//! offline verifies from its first minute.

use crate::{
    AnchorRecord, ChainView, IssuerRecord, IssuerStatus, MemoryChainState, RevocationReason,
    RevocationRecord, Source, StatusChange,
};
use chrono::{DateTime, SecondsFormat, Utc};
use countersign_credential::DidKey;
use countersign_crypto::Profile;
use countersign_merkle::NodeHash;
use serde_json::{json, Map, Value};

/// A snapshot file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registry snapshot: {at}: {message}")]
pub struct SnapshotError {
    at: String,
    message: String,
}

fn err(at: &str, message: impl Into<String>) -> SnapshotError {
    SnapshotError {
        at: at.to_owned(),
        message: message.into(),
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn account_hex(a: &[u8; 20]) -> String {
    format!("0x{}", hex::encode(a))
}

fn status_name(s: IssuerStatus) -> &'static str {
    match s {
        IssuerStatus::Active => "active",
        IssuerStatus::Suspended => "suspended",
        IssuerStatus::Retired => "retired",
    }
}

/// Writes the state as snapshot JSON.
pub fn to_json(state: &MemoryChainState) -> Value {
    let view = &state.view;
    let (issuers, anchors, revocations) = state.records();
    json!({
        "registry": view.registry.to_string(),
        "block": view.block,
        "blockTime": time(view.block_time),
        "issuers": issuers.iter().map(|r| json!({
            "did": r.did.to_string(),
            "profile": r.profile.name(),
            "name": r.name,
            "account": account_hex(&r.account),
            "credentialTypes": r.credential_types,
            "history": r.history.iter().map(|c| json!({
                "status": status_name(c.status), "at": time(c.at), "block": c.block,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "anchors": anchors.iter().map(|a| json!({
            "root": a.root.to_hex(), "issuer": a.issuer.to_string(),
            "account": account_hex(&a.account), "block": a.block, "at": time(a.at),
        })).collect::<Vec<_>>(),
        "revocations": revocations.iter().map(|r| json!({
            "hash": r.hash.to_hex(), "issuer": r.issuer.to_string(),
            "reason": r.reason.code(), "block": r.block, "at": time(r.at),
        })).collect::<Vec<_>>(),
    })
}

fn field<'a>(m: &'a Map<String, Value>, name: &str, at: &str) -> Result<&'a Value, SnapshotError> {
    m.get(name)
        .ok_or_else(|| err(at, format!("missing {name}")))
}

fn string<'a>(m: &'a Map<String, Value>, name: &str, at: &str) -> Result<&'a str, SnapshotError> {
    field(m, name, at)?
        .as_str()
        .ok_or_else(|| err(at, format!("{name} is not a string")))
}

fn number(m: &Map<String, Value>, name: &str, at: &str) -> Result<u64, SnapshotError> {
    field(m, name, at)?
        .as_u64()
        .ok_or_else(|| err(at, format!("{name} is not a whole number")))
}

fn parse_time(
    m: &Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<DateTime<Utc>, SnapshotError> {
    let text = string(m, name, at)?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| err(at, format!("{name} {text:?} is not an RFC 3339 time")))
}

fn did(m: &Map<String, Value>, name: &str, at: &str) -> Result<DidKey, SnapshotError> {
    DidKey::parse(string(m, name, at)?).map_err(|e| err(at, e.to_string()))
}

fn hash(m: &Map<String, Value>, name: &str, at: &str) -> Result<NodeHash, SnapshotError> {
    NodeHash::from_hex(string(m, name, at)?).map_err(|e| err(at, e.to_string()))
}

fn account(m: &Map<String, Value>, at: &str) -> Result<[u8; 20], SnapshotError> {
    let text = string(m, "account", at)?;
    let mut out = [0u8; 20];
    hex::decode_to_slice(text.strip_prefix("0x").unwrap_or(text), &mut out)
        .map_err(|_| err(at, format!("account {text:?} is not a 20-byte hex address")))?;
    Ok(out)
}

fn objects<'a>(
    m: &'a Map<String, Value>,
    name: &str,
) -> Result<Vec<&'a Map<String, Value>>, SnapshotError> {
    match m.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_object()
                    .ok_or_else(|| err(&format!("{name}[{i}]"), "not an object"))
            })
            .collect(),
        Some(_) => Err(err(name, "not a list")),
    }
}

/// Reads snapshot JSON into an in-memory registry state.
pub fn from_json(value: &Value) -> Result<MemoryChainState, SnapshotError> {
    let top = value
        .as_object()
        .ok_or_else(|| err("/", "not a JSON object"))?;
    let registry = string(top, "registry", "/")?
        .parse()
        .map_err(|e: countersign_credential::AnchorError| err("registry", e.to_string()))?;
    let block_time = parse_time(top, "blockTime", "/")?;
    let mut state = MemoryChainState::new(ChainView {
        registry,
        block: number(top, "block", "/")?,
        block_time,
        // A snapshot is as fresh as its block.
        checked_at: block_time,
        source: Source::Memory,
        stale: None,
    });
    for (i, m) in objects(top, "issuers")?.into_iter().enumerate() {
        let at = format!("issuers[{i}]");
        let mut history = Vec::new();
        for (j, c) in objects(m, "history")?.into_iter().enumerate() {
            let at = format!("{at}.history[{j}]");
            let status = match string(c, "status", &at)? {
                "active" => IssuerStatus::Active,
                "suspended" => IssuerStatus::Suspended,
                "retired" => IssuerStatus::Retired,
                other => return Err(err(&at, format!("unknown status {other:?}"))),
            };
            history.push(StatusChange {
                status,
                at: parse_time(c, "at", &at)?,
                block: number(c, "block", &at)?,
            });
        }
        let credential_types = match field(m, "credentialTypes", &at)? {
            Value::Array(items) => items
                .iter()
                .map(|t| {
                    t.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| err(&at, "credentialTypes holds a non-string"))
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(err(&at, "credentialTypes is not a list")),
        };
        let did = did(m, "did", &at)?;
        // The did:key names its key's algorithm, hence the profile; a snapshot written before
        // profiles were recorded has none, and one that names another is not believed.
        let profile = match m.get("profile") {
            None => did.profile(),
            Some(_) => {
                let name = string(m, "profile", &at)?;
                let profile = Profile::from_name(name).map_err(|e| err(&at, e.to_string()))?;
                if profile != did.profile() {
                    return Err(err(
                        &at,
                        format!(
                            "profile {profile} does not match the {} key of {did}",
                            did.alg()
                        ),
                    ));
                }
                profile
            }
        };
        state.put_issuer(IssuerRecord {
            did,
            profile,
            name: string(m, "name", &at)?.to_owned(),
            account: account(m, &at)?,
            credential_types,
            history,
        });
    }
    for (i, m) in objects(top, "anchors")?.into_iter().enumerate() {
        let at = format!("anchors[{i}]");
        state.put_anchor(AnchorRecord {
            root: hash(m, "root", &at)?,
            issuer: did(m, "issuer", &at)?,
            account: account(m, &at)?,
            block: number(m, "block", &at)?,
            at: parse_time(m, "at", &at)?,
        });
    }
    for (i, m) in objects(top, "revocations")?.into_iter().enumerate() {
        let at = format!("revocations[{i}]");
        let reason = u8::try_from(number(m, "reason", &at)?)
            .map_err(|_| err(&at, "reason code above 255"))?;
        state.put_revocation(RevocationRecord {
            hash: hash(m, "hash", &at)?,
            issuer: did(m, "issuer", &at)?,
            reason: RevocationReason::from_code(reason),
            block: number(m, "block", &at)?,
            at: parse_time(m, "at", &at)?,
        });
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChainState;
    use chrono::TimeZone;

    #[test]
    fn snapshot_round_trips_and_errors_name_the_place() {
        let t = Utc
            .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
            .single()
            .expect("valid");
        let did = DidKey::parse("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
            .expect("vector key");
        let mut state = MemoryChainState::new(ChainView {
            registry: "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
                .parse()
                .expect("valid"),
            block: 42,
            block_time: t,
            checked_at: t,
            source: Source::Memory,
            stale: None,
        });
        state
            .put_issuer(IssuerRecord {
                did,
                profile: Profile::Standard,
                name: "北京市教育委员会".into(),
                account: [0xab; 20],
                credential_types: vec!["DiplomaCredential".into()],
                history: vec![StatusChange {
                    status: IssuerStatus::Active,
                    at: t,
                    block: 3,
                }],
            })
            .put_anchor(AnchorRecord {
                root: NodeHash([1; 32]),
                issuer: did,
                account: [0xab; 20],
                block: 5,
                at: t,
            })
            .put_revocation(RevocationRecord {
                hash: NodeHash([2; 32]),
                issuer: did,
                reason: RevocationReason::Withdrawn,
                block: 9,
                at: t,
            });
        // A national-profile (SM2) issuer beside it.
        let sm2 = DidKey::from_public_key(
            countersign_crypto::SecretKey::generate(countersign_crypto::SigAlg::Sm2)
                .expect("random")
                .public(),
        );
        state.put_issuer(IssuerRecord {
            did: sm2,
            profile: Profile::Guomi,
            name: "上海市教育委员会".into(),
            account: [0xcd; 20],
            credential_types: vec!["DiplomaCredential".into()],
            history: Vec::new(),
        });
        let json = to_json(&state);
        let back = from_json(&json).expect("round trip");
        assert_eq!(
            back.issuer(&sm2).expect("read").map(|r| r.profile),
            Some(Profile::Guomi)
        );
        assert_eq!(to_json(&back), json);

        let profiles: Vec<&Value> = (0..2).map(|i| &json["issuers"][i]["profile"]).collect();
        assert!(profiles.contains(&&Value::from("standard")), "{profiles:?}");
        assert!(profiles.contains(&&Value::from("guomi")), "{profiles:?}");

        let mut broken = json.clone();
        broken["anchors"][0]["root"] = "zz".into();
        let e = from_json(&broken).expect_err("bad root").to_string();
        assert!(e.contains("anchors[0]"), "{e}");

        // Written before profiles: the did:key's own. Naming another: refused.
        let mut old = json.clone();
        old["issuers"][0]
            .as_object_mut()
            .expect("object")
            .remove("profile");
        assert_eq!(to_json(&from_json(&old).expect("old snapshot")), json);
        let mut crossed = json.clone();
        crossed["issuers"][0]["profile"] = "guomi".into();
        let e = from_json(&crossed).expect_err("crossed").to_string();
        assert!(
            e.contains("issuers[0]") && e.contains("does not match"),
            "{e}"
        );
    }
}
