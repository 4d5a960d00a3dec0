//! The checked, typed view of a bundle: what the app configures itself from. Every rule of
//! docs/PROTOCOL.md §10 that is not plain JSON shape is checked here, so a bundle that passes is one the
//! app can start with.

use crate::model::{Bundle, CryptoEntry, FORMAT};
use chrono::{DateTime, FixedOffset, Offset, Utc};
use countersign_credential::RegistryRef;
use countersign_crypto::{HashAlg, Profile};
use countersign_printdoc::Paper;
use countersign_printing::PrinterConfig;
use countersign_station::PrivacyPolicy;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The hall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallInfo {
    /// The hall id.
    pub id: String,
    /// The name printed on receipts.
    pub name: String,
    /// The hall's offset from UTC (its days begin at its midnight).
    pub utc_offset: FixedOffset,
}

/// One counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterInfo {
    /// The counter id.
    pub id: String,
    /// Its name, if the bundle gives one.
    pub name: Option<String>,
}

/// The chain and registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSettings {
    /// Nodes' JSON-RPC URLs (`http://`), tried in order.
    pub endpoints: Vec<String>,
    /// The registry (its chain id is the chain's).
    pub registry: RegistryRef,
    /// The registry's governance account, if provisioned.
    pub governance: Option<[u8; 20]>,
    /// How many endpoints must give the same block (a majority unless the bundle says).
    pub quorum: usize,
    /// Whether registry reads are storage proofs (false only for chains without
    /// `eth_getProof`).
    pub proofs: bool,
    /// An agreed head older than this many minutes is stale (chains with scheduled blocks).
    pub max_head_age_minutes: Option<u32>,
    /// The chain's EVM hash (keccak256 unless the bundle says sm3).
    pub chain_hash: countersign_chainstate::ChainHash,
}

impl ChainSettings {
    /// How the hall's nodes agree on a block.
    pub fn head_policy(&self) -> countersign_chainstate::agree::HeadPolicy {
        let mut policy = countersign_chainstate::agree::HeadPolicy::for_nodes(self.endpoints.len());
        policy.quorum = self.quorum;
        policy.max_head_age = self
            .max_head_age_minutes
            .map(|m| chrono::Duration::minutes(i64::from(m)));
        policy
    }
}

/// A receipt printer and whom it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterSetting {
    /// The counter it serves; `None`: the whole hall.
    pub counter: Option<String>,
    /// Its address and paper.
    pub config: PrinterConfig,
}

/// How scanners are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanner {
    /// Keyboard-wedge scanners: they type, nothing to open.
    Keyboard,
    /// A serial-mode (CDC-ACM) scanner.
    Serial {
        /// The port (`/dev/ttyACM0`, `COM3`).
        port: PathBuf,
        /// Its speed.
        baud: u32,
    },
}

/// The screen's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Simplified Chinese (English beside it where both are shown).
    ZhCn,
    /// English.
    En,
}

impl Language {
    /// `zh-CN` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }
}

/// Where the app's updates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSettings {
    /// The update server.
    pub url: String,
    /// The updater's public key, as the updater takes it.
    pub public_key: String,
}

/// A registry mirror shipped with the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The file's name in the bundle's folder.
    pub file: String,
    /// The hash the bundle names the file by (`sha256` or `sm3`).
    pub hash: HashAlg,
    /// The file's hash under it.
    pub digest: [u8; 32],
    /// The block it reflects.
    pub block: u64,
    /// That block's hash.
    pub block_hash: [u8; 32],
    /// The registry it mirrors.
    pub registry: RegistryRef,
}

/// What the app runs with, from a verified bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The bundle's version.
    pub version: u64,
    /// When it was signed.
    pub issued_at: DateTime<Utc>,
    /// The hall.
    pub hall: HallInfo,
    /// Its counters (at least one, ids distinct).
    pub counters: Vec<CounterInfo>,
    /// The chain.
    pub chain: ChainSettings,
    /// Hours after which chain state is stale.
    pub max_chain_age_hours: u32,
    /// Stale chain state: CANNOT CONFIRM rather than a warning.
    pub fail_closed: bool,
    /// What the log keeps of a subject, masked, and for how long.
    pub privacy: PrivacyPolicy,
    /// The signature and hash algorithms the hall signs with and accepts (`crypto`; the
    /// standard profile alone when the bundle does not say).
    pub algorithms: countersign_crypto::Policy,
    /// Print a receipt for every logged verification without being asked.
    pub auto_print: bool,
    /// Receipt printers.
    pub printers: Vec<PrinterSetting>,
    /// Scanners.
    pub scanner: Scanner,
    /// The screen's language.
    pub language: Language,
    /// Updates, if provisioned.
    pub updates: Option<UpdateSettings>,
    /// The mirror snapshot shipped with the bundle, if any.
    pub mirror_snapshot: Option<SnapshotInfo>,
}

/// The default hall offset: China Standard Time.
fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

fn text_ok(what: &str, value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    if value.trim() != value {
        return Err(format!("{what} {value:?} has spaces around it"));
    }
    if value.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{what} {value:?} holds control characters"));
    }
    Ok(())
}

fn hex_fixed<const N: usize>(what: &str, text: &str) -> Result<[u8; N], String> {
    let mut out = [0u8; N];
    let ok = text.len() == 2 * N
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && hex::decode_to_slice(text, &mut out).is_ok();
    if ok {
        Ok(out)
    } else {
        Err(format!(
            "{what} {text:?} is not {} lowercase hex digits",
            2 * N
        ))
    }
}

/// Reads `0x` + hex, as EVM tools print hashes and addresses (either case).
fn hex_0x<const N: usize>(what: &str, text: &str) -> Result<[u8; N], String> {
    let mut out = [0u8; N];
    let digits = text.strip_prefix("0x");
    match digits {
        Some(d) if d.len() == 2 * N && hex::decode_to_slice(d, &mut out).is_ok() => Ok(out),
        _ => Err(format!(
            "{what} {text:?} is not 0x and {} hex digits",
            2 * N
        )),
    }
}

impl Settings {
    /// Checks a bundle against every rule of docs/PROTOCOL.md §10 and returns its typed view; the error
    /// names the first member that breaks a rule.
    pub fn from_bundle(b: &Bundle) -> Result<Self, String> {
        if b.format != FORMAT {
            return Err(format!("format is {:?}, not {FORMAT:?}", b.format));
        }
        if b.version == 0 {
            return Err("version must be 1 or more".into());
        }
        let issued_at = DateTime::parse_from_rfc3339(&b.issued_at)
            .map_err(|_| format!("issuedAt {:?} is not an RFC 3339 time", b.issued_at))?
            .with_timezone(&Utc);
        if let Some(a) = &b.authority {
            authority_text(a)?;
        }

        text_ok("hall.id", &b.hall.id, 64)?;
        text_ok("hall.name", &b.hall.name, 128)?;
        let utc_offset = match &b.hall.utc_offset {
            None => china(),
            Some(o) => o
                .parse::<FixedOffset>()
                .map_err(|_| format!("hall.utcOffset {o:?} is not an offset such as +08:00"))?,
        };

        if b.counters.is_empty() {
            return Err("counters is empty: list at least one counter".into());
        }
        let mut ids = BTreeSet::new();
        let mut counters = Vec::new();
        for c in &b.counters {
            text_ok("a counter id", &c.id, 32)?;
            if !ids.insert(c.id.as_str()) {
                return Err(format!("counter {:?} is listed twice", c.id));
            }
            if let Some(n) = &c.name {
                text_ok(&format!("counter {:?}'s name", c.id), n, 64)?;
            }
            counters.push(CounterInfo {
                id: c.id.clone(),
                name: c.name.clone(),
            });
        }

        let chain = &b.chain;
        if chain.endpoints.is_empty() {
            return Err("chain.endpoints is empty: list the hall's chain nodes".into());
        }
        for e in &chain.endpoints {
            let host = e.strip_prefix("http://").unwrap_or("");
            if host.is_empty() || host.starts_with('/') || e.chars().any(char::is_whitespace) {
                return Err(format!(
                    "chain endpoint {e:?} is not an http:// URL (this build speaks plain http:// to nodes: reach them over the hall's private network or a local TLS proxy)"
                ));
            }
        }
        let registry: RegistryRef = chain.registry.parse().map_err(|_| {
            format!(
                "chain.registry {:?} is not eip155:<chain id>:0x<40 hex digits>",
                chain.registry
            )
        })?;
        if registry.chain_id != chain.chain_id {
            return Err(format!(
                "chain.chainId is {} but chain.registry is on chain {}",
                chain.chain_id, registry.chain_id
            ));
        }
        let governance = chain
            .governance
            .as_deref()
            .map(|g| hex_0x::<20>("chain.governance", g))
            .transpose()?;

        let p = &b.policies;
        let nodes = chain.endpoints.len();
        let quorum = chain
            .quorum
            .unwrap_or(countersign_chainstate::agree::majority(nodes));
        if !(1..=nodes).contains(&quorum) {
            return Err(format!(
                "chain.quorum is {quorum}, but there are {nodes} endpoints: it must be between 1 and {nodes}"
            ));
        }
        let chain_hash = match chain.hash.as_deref() {
            None => countersign_chainstate::ChainHash::Keccak256,
            Some(name) => countersign_chainstate::ChainHash::from_name(name)
                .map_err(|e| format!("chain.hash: {e}"))?,
        };
        if chain.max_head_age_minutes == Some(0) {
            return Err("chain.maxHeadAgeMinutes must be at least 1 (leave it out for chains without scheduled blocks)".into());
        }
        if !(1..=8760).contains(&p.max_chain_age_hours) {
            return Err("policies.maxChainAgeHours must be 1 to 8760".into());
        }
        let privacy = privacy_policy(p.retention_days, p.privacy.as_ref())?;
        let algorithms = algorithm_policy(b.crypto.as_ref())?;

        let mut printers: Vec<PrinterSetting> = Vec::new();
        for entry in &b.printers {
            let paper = Paper::parse(&entry.paper).ok_or_else(|| {
                format!(
                    "printer {:?}: paper {:?} is not 58mm, 80mm, a6 or a4",
                    entry.address, entry.paper
                )
            })?;
            let config = PrinterConfig::new(&entry.address, paper).map_err(|e| e.to_string())?;
            if config.address.starts_with("escpos+") && !paper.is_roll() {
                return Err(format!(
                    "printer {:?} is a thermal (ESC/POS) printer: its paper is 58mm or 80mm, not {}",
                    entry.address, entry.paper
                ));
            }
            if let Some(c) = &entry.counter {
                if !ids.contains(c.as_str()) {
                    return Err(format!(
                        "printer {:?} serves counter {c:?}, which is not in counters",
                        entry.address
                    ));
                }
            }
            if printers.iter().any(|q| q.counter == entry.counter) {
                return Err(match &entry.counter {
                    Some(c) => format!("counter {c:?} has two printers"),
                    None => "two hall-wide printers (give each a counter)".into(),
                });
            }
            printers.push(PrinterSetting {
                counter: entry.counter.clone(),
                config,
            });
        }

        let s = &b.scanner;
        let scanner = match s.mode.as_str() {
            "keyboard" => {
                if s.port.is_some() || s.baud.is_some() {
                    return Err("scanner: a keyboard scanner takes no port or baud".into());
                }
                Scanner::Keyboard
            }
            "serial" => {
                let port = s
                    .port
                    .as_deref()
                    .filter(|p| !p.trim().is_empty())
                    .ok_or("scanner: a serial scanner needs its port (/dev/ttyACM0, COM3)")?;
                let baud = s.baud.unwrap_or(9600);
                if !(1200..=921_600).contains(&baud) {
                    return Err(format!("scanner.baud {baud} is not 1200 to 921600"));
                }
                Scanner::Serial {
                    port: PathBuf::from(port),
                    baud,
                }
            }
            other => {
                return Err(format!(
                    "scanner.mode {other:?} is not \"keyboard\" or \"serial\""
                ))
            }
        };

        let language = match b.language.as_str() {
            "zh-CN" => Language::ZhCn,
            "en" => Language::En,
            other => return Err(format!("language {other:?} is not \"zh-CN\" or \"en\"")),
        };

        let updates = match &b.updates {
            None => None,
            Some(u) => {
                if !(u.url.starts_with("https://") || u.url.starts_with("http://"))
                    || u.url.chars().any(char::is_whitespace)
                {
                    return Err(format!("updates.url {:?} is not an http(s):// URL", u.url));
                }
                if u.public_key.trim().is_empty() {
                    return Err("updates.publicKey is empty".into());
                }
                Some(UpdateSettings {
                    url: u.url.clone(),
                    public_key: u.public_key.clone(),
                })
            }
        };

        let mirror_snapshot = match &b.mirror_snapshot {
            None => None,
            Some(m) => {
                let plain = !m.file.is_empty()
                    && m.file != "."
                    && m.file != ".."
                    && !m.file.contains(['/', '\\', ':'])
                    && !m.file.chars().any(char::is_control);
                if !plain {
                    return Err(format!(
                        "mirrorSnapshot.file {:?} is not a plain file name (the snapshot sits in the bundle's folder)",
                        m.file
                    ));
                }
                let snapshot_registry: RegistryRef = m.registry.parse().map_err(|_| {
                    format!("mirrorSnapshot.registry {:?} is not a registry", m.registry)
                })?;
                if snapshot_registry != registry {
                    return Err(format!(
                        "mirrorSnapshot.registry {} is not chain.registry {registry}",
                        m.registry
                    ));
                }
                let (hash, text) = match (&m.sha256, &m.sm3) {
                    (Some(text), None) => (HashAlg::Sha256, text),
                    (None, Some(text)) => (HashAlg::Sm3, text),
                    _ => {
                        return Err(
                            "mirrorSnapshot names the file's hash as sha256 or as sm3: exactly one of them"
                                .into(),
                        )
                    }
                };
                let member = match hash {
                    HashAlg::Sha256 => "mirrorSnapshot.sha256",
                    HashAlg::Sm3 => "mirrorSnapshot.sm3",
                };
                // A hall that accepts only the national algorithms relies on none other, the
                // check of what it installs included.
                algorithms.allow_hash(hash).map_err(|e| {
                    format!("{member}: the bundle's crypto member refuses it ({e})")
                })?;
                Some(SnapshotInfo {
                    file: m.file.clone(),
                    hash,
                    digest: hex_fixed(member, text)?,
                    block: m.block,
                    block_hash: hex_0x("mirrorSnapshot.blockHash", &m.block_hash)?,
                    registry: snapshot_registry,
                })
            }
        };

        Ok(Self {
            version: b.version,
            issued_at,
            hall: HallInfo {
                id: b.hall.id.clone(),
                name: b.hall.name.clone(),
                utc_offset,
            },
            counters,
            chain: ChainSettings {
                endpoints: chain.endpoints.clone(),
                registry,
                governance,
                quorum,
                proofs: chain.proofs.unwrap_or(true),
                max_head_age_minutes: chain.max_head_age_minutes,
                chain_hash,
            },
            max_chain_age_hours: p.max_chain_age_hours,
            fail_closed: p.fail_closed,
            privacy,
            algorithms,
            auto_print: p.auto_print,
            printers,
            scanner,
            language,
            updates,
            mirror_snapshot,
        })
    }

    /// The counter with this id.
    pub fn counter(&self, id: &str) -> Option<&CounterInfo> {
        self.counters.iter().find(|c| c.id == id)
    }

    /// The printer a counter prints on: its own, else the hall-wide one, else none.
    pub fn printer_for(&self, counter: &str) -> Option<&PrinterConfig> {
        self.printers
            .iter()
            .find(|p| p.counter.as_deref() == Some(counter))
            .or_else(|| self.printers.iter().find(|p| p.counter.is_none()))
            .map(|p| &p.config)
    }

    /// The signature and hash algorithms the hall signs with and accepts (`crypto`).
    pub fn algorithms(&self) -> countersign_crypto::Policy {
        self.algorithms
    }

    /// Whether a bundle with these settings may be signed with `alg`: its own `crypto` must
    /// accept it, since a province that accepts only the national algorithms does not
    /// configure its halls with an Ed25519 signature.
    pub fn check_signer(&self, alg: countersign_crypto::SigAlg) -> Result<(), String> {
        self.algorithms.allow_sig(alg).map_err(|e| {
            format!(
                "it is signed with {alg}, which its own crypto member does not accept ({e}): sign it with an authority key of the bundle's profile, or list the signing key's profile in crypto.accept while the authority moves"
            )
        })
    }

    /// The verification policy (stale chain state and what it does to a verdict; the
    /// algorithms a credential may be signed and anchored with).
    pub fn verification_policy(&self) -> countersign_verify::VerificationPolicy {
        countersign_verify::VerificationPolicy {
            max_chain_age: chrono::Duration::hours(i64::from(self.max_chain_age_hours)),
            fail_closed_when_stale: self.fail_closed,
            algorithms: self.algorithms,
            ..countersign_verify::VerificationPolicy::default()
        }
    }
}

/// `authority` as a public key's text, in the one form signing writes (64 lowercase hex
/// digits, or `sm2:` and 66), so it can be compared with the signer's as text.
fn authority_text(text: &str) -> Result<(), String> {
    let canonical = crate::sign::parse_public_key(text)
        .ok()
        .map(|key| crate::sign::key_hex(&key));
    if canonical.as_deref() == Some(text) {
        Ok(())
    } else {
        Err(format!(
            "authority {text:?} is not a public key as signing writes it (64 lowercase hex digits, or sm2: and 66 lowercase hex digits)"
        ))
    }
}

/// The algorithm policy from `crypto`: absent, the standard profile alone; else the profile
/// the hall signs with and the others it accepts. An unknown name is refused with the names
/// known: a misspelt `guomi` must not leave hundreds of PCs on the standard profile.
fn algorithm_policy(crypto: Option<&CryptoEntry>) -> Result<countersign_crypto::Policy, String> {
    let Some(c) = crypto else {
        return Ok(countersign_crypto::Policy::default());
    };
    let known = Profile::ALL
        .iter()
        .map(|p| format!("{:?} ({}, {})", p.name(), p.sig(), p.hash()))
        .collect::<Vec<_>>()
        .join(" or ");
    let profile = |member: &str, name: &str| {
        Profile::from_name(name).map_err(|_| {
            format!(
                "{member} {name:?} is not a profile Countersign knows: the profiles are {known}"
            )
        })
    };
    let signs_with = profile("crypto.profile", &c.profile)?;
    let mut also: Vec<Profile> = Vec::new();
    for name in &c.accept {
        let p = profile("crypto.accept", name)?;
        if p == signs_with {
            return Err(format!(
                "crypto.accept lists {name:?}, the hall's own profile: list only the other profiles it still accepts"
            ));
        }
        if also.contains(&p) {
            return Err(format!("crypto.accept lists {name:?} twice"));
        }
        also.push(p);
    }
    Ok(countersign_crypto::Policy::new(signs_with, &also))
}

/// The privacy policy from `policies.retentionDays` and `policies.privacy`: retention may be
/// said in either place, but not differently in both.
fn privacy_policy(
    retention: Option<u32>,
    privacy: Option<&serde_json::Value>,
) -> Result<PrivacyPolicy, String> {
    let Some(doc) = privacy else {
        let mut policy = PrivacyPolicy::default();
        if let Some(days) = retention {
            if !(1..=36_500).contains(&days) {
                return Err("policies.retentionDays must be 1 to 36500".into());
            }
            policy.retention_days = days;
        }
        return Ok(policy);
    };
    let inner = doc.get("retentionDays").and_then(serde_json::Value::as_u64);
    let mut doc = doc.clone();
    if let (Some(a), Some(b)) = (retention, inner) {
        if u64::from(a) != b {
            return Err(format!(
                "policies.retentionDays is {a} but policies.privacy.retentionDays is {b}: say it once"
            ));
        }
    }
    if let (Some(a), None, Some(o)) = (retention, inner, doc.as_object_mut()) {
        o.insert("retentionDays".into(), a.into());
    }
    PrivacyPolicy::from_json(&doc).map_err(|e| format!("policies.privacy: {}", e.0))
}
