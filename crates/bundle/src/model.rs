//! The bundle as JSON: one struct per object of docs/PROTOCOL.md §10, members in camelCase, unknown
//! members refused (a misspelt `failClosd` must not be silently ignored on hundreds of PCs).
//!
//! These types hold what the file says, as text where the file has text; [`crate::Settings`]
//! is the checked, typed view the app uses.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `format` tag of bundles this build writes and reads.
pub const FORMAT: &str = "countersign-hall-bundle/1";

/// A hall's provisioning, as signed by the provincial IT authority (docs/PROTOCOL.md §10.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bundle {
    /// Always [`FORMAT`].
    pub format: String,
    /// Raised with every update; a machine accepts only a higher version than it has.
    pub version: u64,
    /// When the bundle was signed (RFC 3339).
    pub issued_at: String,
    /// The authority's public key as text (64 hex digits for Ed25519, `sm2:` and 66 hex digits
    /// for SM2); set by signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// The hall.
    pub hall: Hall,
    /// The hall's counters.
    pub counters: Vec<CounterEntry>,
    /// The chain and registry.
    pub chain: Chain,
    /// The hall's policies (every member has a default).
    #[serde(default)]
    pub policies: Policies,
    /// The signature and hash algorithms the hall works with: absent, the standard profile
    /// alone (Ed25519, SHA-256), as for every bundle written before the national profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypto: Option<CryptoEntry>,
    /// Receipt printers, per counter or hall-wide.
    #[serde(default)]
    pub printers: Vec<PrinterEntry>,
    /// How scanners are attached (keyboard wedge unless said otherwise).
    #[serde(default)]
    pub scanner: ScannerEntry,
    /// The screen's language, `zh-CN` or `en`.
    #[serde(default = "default_language")]
    pub language: String,
    /// Where the app's updates come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updates: Option<Updates>,
    /// A registry mirror shipped beside the bundle, for halls installed offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_snapshot: Option<SnapshotRef>,
}

/// `hall`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Hall {
    /// The hall id (`BJ-CY-01`): in every log entry and receipt.
    pub id: String,
    /// The name printed on receipts.
    pub name: String,
    /// The hall's offset from UTC (`+08:00` when absent): where its days begin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<String>,
}

/// One entry of `counters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CounterEntry {
    /// The counter id (`3`): in every log entry and receipt.
    pub id: String,
    /// A name for the setup screen (`综合窗口 3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `chain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Chain {
    /// Nodes' JSON-RPC URLs, tried in order.
    pub endpoints: Vec<String>,
    /// The chain id; must be the registry's.
    pub chain_id: u64,
    /// `eip155:<chainId>:0x<address>`.
    pub registry: String,
    /// The registry's governance (admin) account, `0x` + 40 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governance: Option<String>,
    /// How many of the endpoints must give the same block before it is read; a majority of
    /// them when absent (docs/PROTOCOL.md §7.1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<usize>,
    /// `false` for a chain whose nodes do not serve `eth_getProof`: the registry is then read
    /// with plain calls at the agreed block, each answer the reading node's word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proofs: Option<bool>,
    /// For chains that make blocks on a schedule (Besu QBFT, Geth clique): an agreed head
    /// older than this many minutes is stale. Absent for chains that make blocks only for
    /// transactions (FISCO BCOS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_head_age_minutes: Option<u32>,
    /// The chain's EVM hash: `"keccak256"` (Ethereum, Besu, Geth, anvil; the default when
    /// absent) or `"sm3"` (a national-crypto chain such as FISCO BCOS in 国密 mode,
    /// docs/PROTOCOL.md §7.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// `policies`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policies {
    /// Chain state older than this many hours earns a warning (or, fail-closed, CANNOT CONFIRM).
    #[serde(default = "default_max_chain_age_hours")]
    pub max_chain_age_hours: u32,
    /// Stale chain state makes a verdict CANNOT CONFIRM rather than a warning.
    #[serde(default)]
    pub fail_closed: bool,
    /// Days the log keeps masked subject summaries (90 when absent here and in `privacy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// The privacy policy in its JSON form (PROTOCOL §8); the build's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Value>,
    /// Print a receipt for every logged verification without being asked.
    #[serde(default)]
    pub auto_print: bool,
}

impl Default for Policies {
    fn default() -> Self {
        Self {
            max_chain_age_hours: default_max_chain_age_hours(),
            fail_closed: false,
            retention_days: None,
            privacy: None,
            auto_print: false,
        }
    }
}

/// `crypto`: the profile the hall signs and hashes with, and the others it still accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CryptoEntry {
    /// `standard` (Ed25519, SHA-256) or `guomi` (SM2, SM3).
    pub profile: String,
    /// Other profiles whose credentials the hall still accepts (a province moving to `guomi`
    /// lists `standard` here until its citizens' credentials are reissued).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
}

/// One entry of `printers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrinterEntry {
    /// The counter it serves; hall-wide when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<String>,
    /// The printer's address (PROTOCOL §9.1).
    pub address: String,
    /// The paper loaded: `58mm`, `80mm`, `a6`, `a4`.
    pub paper: String,
}

/// `scanner`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScannerEntry {
    /// `keyboard` (a keyboard-wedge scanner: nothing to configure) or `serial`.
    pub mode: String,
    /// The serial port (`/dev/ttyACM0`, `COM3`), with `serial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// The serial speed (9600 when absent), with `serial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
}

impl Default for ScannerEntry {
    fn default() -> Self {
        Self {
            mode: "keyboard".into(),
            port: None,
            baud: None,
        }
    }
}

/// `updates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Updates {
    /// The update server.
    pub url: String,
    /// The updater's public key, passed to the updater as it is.
    pub public_key: String,
}

/// `mirrorSnapshot`: a registry mirror file shipped beside the bundle. The member holding the
/// file's hash is named for its hash: exactly one of `sha256` and `sm3`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnapshotRef {
    /// The file's name, in the bundle's folder.
    pub file: String,
    /// SHA-256 of the file (64 lowercase hex digits): the standard profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// SM3 of the file (64 lowercase hex digits): the national profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm3: Option<String>,
    /// The block the mirror reflects (its cursor).
    pub block: u64,
    /// That block's hash, `0x` + 64 hex digits.
    pub block_hash: String,
    /// The registry it mirrors; must be `chain.registry`.
    pub registry: String,
}

fn default_language() -> String {
    countersign_defaults::LANGUAGE.into()
}

fn default_max_chain_age_hours() -> u32 {
    countersign_defaults::MAX_CHAIN_AGE_HOURS
}

impl Bundle {
    /// A bundle with this build's defaults for everything but the hall, its counters and its
    /// chain: what `provision create` starts from.
    pub fn draft(hall: &str, name: &str, version: u64, issued_at: &str, chain: Chain) -> Self {
        Self {
            format: FORMAT.into(),
            version,
            issued_at: issued_at.into(),
            authority: None,
            hall: Hall {
                id: hall.into(),
                name: name.into(),
                utc_offset: Some("+08:00".into()),
            },
            counters: vec![CounterEntry {
                id: "1".into(),
                name: None,
            }],
            chain,
            policies: Policies::default(),
            crypto: None,
            printers: Vec::new(),
            scanner: ScannerEntry::default(),
            language: default_language(),
            updates: None,
            mirror_snapshot: None,
        }
    }

    /// Reads a bundle object (after strict JSON parsing), naming the member that is wrong.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        Self::deserialize(value).map_err(|e| {
            // serde names the member but not the object holding it ("missing field
            // `address`"); reading each section alone says which one it is in.
            let section = |key: &str| -> Option<String> {
                let member = value.get(key)?;
                let result = match key {
                    "hall" => Hall::deserialize(member).map(drop),
                    "counters" => Vec::<CounterEntry>::deserialize(member).map(drop),
                    "chain" => Chain::deserialize(member).map(drop),
                    "policies" => Policies::deserialize(member).map(drop),
                    "crypto" => CryptoEntry::deserialize(member).map(drop),
                    "printers" => Vec::<PrinterEntry>::deserialize(member).map(drop),
                    "scanner" => ScannerEntry::deserialize(member).map(drop),
                    "updates" => Updates::deserialize(member).map(drop),
                    _ => SnapshotRef::deserialize(member).map(drop),
                };
                result.err().map(|e| format!("in {key}: {e}"))
            };
            [
                "hall",
                "counters",
                "chain",
                "policies",
                "crypto",
                "printers",
                "scanner",
                "updates",
                "mirrorSnapshot",
            ]
            .into_iter()
            .find_map(section)
            .unwrap_or_else(|| e.to_string())
        })
    }

    /// The bundle as a JSON object, members in the order of docs/PROTOCOL.md §10.
    pub fn to_value(&self) -> Result<Value, String> {
        serde_json::to_value(self).map_err(|e| e.to_string())
    }
}
