//! The counter's configuration: the hall bundle applied on this PC (signed by the provincial
//! IT authority, checked again at every start), with `COUNTERSIGN_*` environment variables
//! over it (tests, training rooms, IT's overrides). Every path is redirectable, so tests run
//! the real app on temporary files. Without a bundle, and without a hall named in the
//! environment, the app starts on its setup screen.

use chrono::Offset;
use countersign_paths as paths;
use std::path::PathBuf;

/// Why the counter cannot work yet: the setup screen says which and takes what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setup {
    /// No bundle was applied on this PC.
    NoBundle,
    /// The applied bundle is refused (altered, untrusted …): what is wrong and what to do.
    Refused {
        /// A stable code (`bundle.tampered` …).
        code: String,
        /// What is wrong.
        problem: String,
        /// What IT should do.
        action: String,
    },
    /// The hall has several counters: which one is this PC?
    ChooseCounter(Vec<(String, Option<String>)>),
}

/// What the app was started with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the log, the mirror and the app's own logs live.
    pub data_dir: PathBuf,
    /// Chain nodes, tried in order.
    pub rpc: Vec<String>,
    /// The registry followed.
    pub registry: Option<String>,
    /// The hall's mirror file.
    pub mirror: Option<PathBuf>,
    /// Fixed registry data instead of a chain (demos, training).
    pub snapshot: Option<PathBuf>,
    /// Hall id.
    pub hall: String,
    /// Counter id.
    pub counter: String,
    /// The staff accounts who may sign in here.
    pub staff_db: Option<PathBuf>,
    /// Minutes without input after which the screen locks.
    pub idle_lock_minutes: u32,
    /// The hall's offset from UTC ("today" for the history), e.g. +08:00.
    pub utc_offset: chrono::FixedOffset,
    /// A serial-mode scanner: `PATH` or `PATH:BAUD`.
    pub serial_scanner: Option<String>,
    /// Seconds between mirror syncs while a node is configured.
    pub sync_interval_secs: u64,
    /// Sound cues on verdicts.
    pub sound: bool,
    /// `zh-CN` or `en`.
    pub language: String,
    /// Chain state older than this earns a warning (or, fail-closed, CANNOT CONFIRM).
    pub max_chain_age_hours: i64,
    /// Stale chain state: CANNOT CONFIRM rather than a warning.
    pub fail_closed: bool,
    /// How the chain nodes agree on a block (quorum, head age).
    pub head_policy: countersign_chainstate::agree::HeadPolicy,
    /// Registry reads are storage proofs (off only for chains without `eth_getProof`).
    pub chain_proofs: bool,
    /// The chain's EVM hash (`COUNTERSIGN_CHAIN_HASH`, else the bundle's `chain.hash`;
    /// keccak256 unless a national-crypto chain says sm3).
    pub chain_hash: countersign_chain::ChainHash,
    /// The algorithm profiles the hall accepts and signs with (`COUNTERSIGN_ACCEPT`, else the
    /// bundle's `crypto`; the standard profile alone unless it says otherwise).
    pub algorithms: countersign_crypto::Policy,
    /// Longest pause between a scanner's keystrokes.
    pub scanner_gap_ms: u32,
    /// The hall's name as printed on receipts (the hall id when not set).
    pub hall_name: Option<String>,
    /// The hall's device key file (created on first start).
    pub hall_key: Option<PathBuf>,
    /// The hall's station account key file (`countersign chain keygen`, registered with
    /// `chain register-station --account`): with it the app anchors its log's checkpoints.
    pub station_account_key: Option<PathBuf>,
    /// Seconds between anchors of the log's newest checkpoint.
    pub anchor_interval_secs: u64,
    /// The receipt printer's address (`ipp://…`, `escpos+tcp://…`, …); none: no printing.
    pub printer: Option<String>,
    /// The paper in the receipt printer.
    pub paper: countersign_printdoc::Paper,
    /// Print a receipt for every logged verification without being asked.
    pub auto_print: bool,
    /// Other halls' keys trusted for receipt checks: `HALL=HEX`, comma separated.
    pub trust: Vec<String>,
    /// The hall's privacy policy (what the log keeps of the subject, for how long).
    pub privacy: countersign_station::PrivacyPolicy,
    /// Where provisioning is read from and written to.
    pub config_dir: PathBuf,
    /// The applied bundle's version and authority, when one is applied.
    pub provisioned: Option<(u64, String)>,
    /// What the setup screen must ask for, if anything.
    pub setup: Option<Setup>,
    /// The hall's update server (its `latest.json` manifest URL).
    pub update_url: Option<String>,
    /// The minisign public key updates must be signed with (the text `tauri signer` prints).
    pub update_pubkey: Option<String>,
    /// The time the app runs at: the system's, or (COUNTERSIGN_CLOCK, an RFC 3339 instant, for
    /// tests, training rooms and demos) one started at a chosen instant.
    pub clock: countersign_station::HallClock,
}

fn china_standard_time() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(countersign_defaults::HALL_UTC_OFFSET_SECONDS)
        .unwrap_or_else(|| chrono::Utc.fix())
}

/// The counter chosen on the setup screen, in the data folder.
const COUNTER_FILE: &str = "counter";

/// `COUNTERSIGN_ACCEPT`: profiles, comma-separated; the first is the one the hall signs with.
fn accepted_profiles(text: &str) -> Result<countersign_crypto::Policy, String> {
    let profiles = text
        .split(',')
        .map(|p| countersign_crypto::Profile::from_name(p.trim()).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    match profiles.split_first() {
        Some((first, rest)) => Ok(countersign_crypto::Policy::new(*first, rest)),
        None => Err("no profile named".into()),
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// The applied bundle (if any) with `COUNTERSIGN_*` over it, in the data folder found by
    /// the one rule the CLI and `doctor` follow too (`countersign-paths`).
    pub fn load() -> Self {
        let data_dir = paths::default_data_dir();
        let config_dir = paths::locate_config_dir();
        let machine = countersign_bundle::Machine {
            config_dir: config_dir.clone(),
            data_dir: data_dir.clone(),
            authority_file: paths::default_authority_file(),
        };
        let (settings, refused) = match machine.load(None) {
            Ok(Some((bundle, _))) => (Some(bundle), None),
            Ok(None) => (None, None),
            Err(e) => {
                tracing::error!("hall bundle refused: {e}");
                (
                    None,
                    Some(Setup::Refused {
                        code: e.code().to_string(),
                        problem: e.problem.clone(),
                        action: e.action.clone(),
                    }),
                )
            }
        };
        let provisioned = settings
            .as_ref()
            .map(|b| (b.version(), countersign_bundle::key_hex(b.authority())));
        let bundle = settings.as_ref().map(|b| b.settings());
        // The counter this PC is: named in the environment, chosen on the setup screen, or the
        // hall's only one.
        let counter = var("COUNTERSIGN_COUNTER")
            .or_else(|| {
                std::fs::read_to_string(data_dir.join(COUNTER_FILE))
                    .ok()
                    .map(|c| c.trim().to_string())
                    .filter(|c| bundle.is_some_and(|b| b.counter(c).is_some()))
            })
            .or_else(|| match bundle.map(|b| b.counters.as_slice()) {
                Some([only]) => Some(only.id.clone()),
                _ => None,
            });
        let setup = match (refused, bundle, &counter) {
            (Some(refused), _, _) => Some(refused),
            (None, None, _) if var("COUNTERSIGN_HALL").is_none() => Some(Setup::NoBundle),
            (None, Some(b), None) => Some(Setup::ChooseCounter(
                b.counters
                    .iter()
                    .map(|c| (c.id.clone(), c.name.clone()))
                    .collect(),
            )),
            _ => None,
        };
        let counter = counter.unwrap_or_else(|| "1".into());
        let printer = bundle.and_then(|b| b.printer_for(&counter));
        let env_bool = |name: &str| var(name).map(|v| v == "1" || v == "true");
        let rpc: Vec<String> = var("COUNTERSIGN_RPC")
            .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
            .or_else(|| bundle.map(|b| b.chain.endpoints.clone()))
            .unwrap_or_default();
        Self {
            head_policy: head_policy(bundle, &rpc),
            rpc,
            registry: var("COUNTERSIGN_REGISTRY")
                .or_else(|| bundle.map(|b| b.chain.registry.to_string())),
            mirror: var("COUNTERSIGN_MIRROR").map(PathBuf::from),
            snapshot: var("COUNTERSIGN_SNAPSHOT").map(PathBuf::from),
            hall: var("COUNTERSIGN_HALL")
                .or_else(|| bundle.map(|b| b.hall.id.clone()))
                .unwrap_or_else(|| "DEMO-HALL".into()),
            hall_name: var("COUNTERSIGN_HALL_NAME").or_else(|| bundle.map(|b| b.hall.name.clone())),
            counter,
            staff_db: var("COUNTERSIGN_STAFF_DB").map(PathBuf::from),
            idle_lock_minutes: var("COUNTERSIGN_IDLE_LOCK_MINUTES")
                .and_then(|v| v.parse().ok())
                .unwrap_or(countersign_defaults::IDLE_LOCK_MINUTES),
            utc_offset: var("COUNTERSIGN_UTC_OFFSET")
                .and_then(|v| v.parse().ok())
                .or_else(|| bundle.map(|b| b.hall.utc_offset))
                .unwrap_or_else(china_standard_time),
            serial_scanner: var("COUNTERSIGN_SERIAL_SCANNER").or_else(|| {
                match bundle.map(|b| &b.scanner) {
                    Some(countersign_bundle::Scanner::Serial { port, baud }) => {
                        Some(format!("{}:{baud}", port.display()))
                    }
                    _ => None,
                }
            }),
            sync_interval_secs: var("COUNTERSIGN_SYNC_INTERVAL_SECS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(countersign_defaults::SYNC_INTERVAL_SECONDS)
                .max(1),
            sound: var("COUNTERSIGN_SOUND").is_none_or(|v| v != "0" && v != "off"),
            language: match var("COUNTERSIGN_LANGUAGE").as_deref() {
                Some("en") => "en".into(),
                Some(_) => "zh-CN".into(),
                None => bundle.map_or("zh-CN", |b| b.language.as_str()).into(),
            },
            max_chain_age_hours: var("COUNTERSIGN_MAX_CHAIN_AGE_HOURS")
                .and_then(|v| v.parse().ok())
                .or_else(|| bundle.map(|b| i64::from(b.max_chain_age_hours)))
                .unwrap_or(i64::from(countersign_defaults::MAX_CHAIN_AGE_HOURS)),
            chain_proofs: env_bool("COUNTERSIGN_CHAIN_PROOFS")
                .or_else(|| bundle.map(|b| b.chain.proofs))
                .unwrap_or(true),
            chain_hash: var("COUNTERSIGN_CHAIN_HASH")
                .and_then(|v| {
                    countersign_chain::ChainHash::from_name(v.trim())
                        .inspect_err(|e| tracing::error!("COUNTERSIGN_CHAIN_HASH ignored: {e}"))
                        .ok()
                })
                .or_else(|| bundle.map(|b| b.chain.chain_hash))
                .unwrap_or_default(),
            algorithms: var("COUNTERSIGN_ACCEPT")
                .and_then(|v| {
                    accepted_profiles(&v)
                        .inspect_err(|e| tracing::error!("COUNTERSIGN_ACCEPT ignored: {e}"))
                        .ok()
                })
                .or_else(|| bundle.map(|b| b.algorithms()))
                .unwrap_or_default(),
            fail_closed: env_bool("COUNTERSIGN_FAIL_CLOSED")
                .or_else(|| bundle.map(|b| b.fail_closed))
                .unwrap_or(countersign_defaults::FAIL_CLOSED_WHEN_STALE),
            scanner_gap_ms: var("COUNTERSIGN_SCANNER_GAP_MS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(countersign_defaults::SCANNER_GAP_MS),
            hall_key: var("COUNTERSIGN_HALL_KEY").map(PathBuf::from),
            station_account_key: var("COUNTERSIGN_STATION_ACCOUNT_KEY").map(PathBuf::from),
            anchor_interval_secs: var("COUNTERSIGN_ANCHOR_INTERVAL_SECS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(countersign_defaults::ANCHOR_EVERY_MINUTES * 60)
                .max(1),
            printer: var("COUNTERSIGN_PRINTER").or_else(|| printer.map(|p| p.address.clone())),
            paper: var("COUNTERSIGN_PAPER")
                .and_then(|p| countersign_printdoc::Paper::parse(&p))
                .or_else(|| printer.map(|p| p.paper))
                .unwrap_or(countersign_printdoc::Paper::Roll80),
            auto_print: env_bool("COUNTERSIGN_AUTO_PRINT")
                .or_else(|| bundle.map(|b| b.auto_print))
                .unwrap_or(false),
            update_url: var("COUNTERSIGN_UPDATE_URL")
                .or_else(|| bundle.and_then(|b| b.updates.as_ref().map(|u| u.url.clone()))),
            update_pubkey: var("COUNTERSIGN_UPDATE_PUBKEY")
                .or_else(|| bundle.and_then(|b| b.updates.as_ref().map(|u| u.public_key.clone()))),
            trust: var("COUNTERSIGN_TRUST")
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default(),
            privacy: bundle.map(|b| b.privacy.clone()).unwrap_or_default(),
            clock: match var("COUNTERSIGN_CLOCK") {
                None => countersign_station::HallClock::system(),
                Some(v) => match chrono::DateTime::parse_from_rfc3339(&v) {
                    Ok(at) => {
                        countersign_station::HallClock::starting_at(at.with_timezone(&chrono::Utc))
                    }
                    // Said, not silently passed over: the system clock is used instead.
                    Err(e) => {
                        eprintln!("countersign-app: COUNTERSIGN_CLOCK {v:?} is not an RFC 3339 time ({e}); using the system clock");
                        countersign_station::HallClock::system()
                    }
                },
            },
            config_dir,
            provisioned,
            setup,
            data_dir,
        }
    }

    /// This PC's machine folders, for applying a bundle from the setup screen.
    pub fn machine(&self) -> countersign_bundle::Machine {
        countersign_bundle::Machine {
            config_dir: self.config_dir.clone(),
            data_dir: self.data_dir.clone(),
            authority_file: paths::default_authority_file(),
        }
    }

    /// Where the counter chosen on the setup screen is kept.
    pub fn counter_file(&self) -> PathBuf {
        self.data_dir.join(COUNTER_FILE)
    }

    /// The hall's name for receipts.
    pub fn hall_name(&self) -> String {
        self.hall_name.clone().unwrap_or_else(|| self.hall.clone())
    }

    /// The hall's device key (given, or in the data directory).
    pub fn hall_key_path(&self) -> PathBuf {
        self.hall_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("hall.key.json"))
    }

    /// The station account key: given, or `station-account.key.json` in the data folder
    /// when IT put one there; none: checkpoints are not anchored by the app.
    pub fn station_account_key_path(&self) -> Option<PathBuf> {
        self.station_account_key.clone().or_else(|| {
            let default = self.data_dir.join("station-account.key.json");
            default.is_file().then_some(default)
        })
    }

    /// The print queue.
    pub fn print_queue_path(&self) -> PathBuf {
        self.data_dir.join(paths::PRINT_QUEUE_FILE)
    }

    /// The hall's verification log.
    pub fn log_path(&self) -> PathBuf {
        self.data_dir.join(paths::LOG_FILE)
    }

    /// How long the screen may go without input before it locks.
    pub fn idle_lock(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.idle_lock_minutes.max(1)) * 60)
    }

    /// The staff accounts (given, or in the data directory).
    pub fn staff_path(&self) -> PathBuf {
        self.staff_db
            .clone()
            .unwrap_or_else(|| self.data_dir.join(paths::STAFF_FILE))
    }

    /// The serial scanner's port and speed (9600 unless `:BAUD` is given).
    pub fn serial(&self) -> Option<(PathBuf, u32)> {
        let spec = self.serial_scanner.as_deref()?;
        match spec.rsplit_once(':') {
            Some((path, baud)) if baud.chars().all(|c| c.is_ascii_digit()) && !baud.is_empty() => {
                Some((
                    PathBuf::from(path),
                    baud.parse().unwrap_or(countersign_defaults::SERIAL_BAUD),
                ))
            }
            _ => Some((PathBuf::from(spec), 9600)),
        }
    }

    /// The hall's mirror (given, or in the data directory).
    pub fn mirror_path(&self) -> PathBuf {
        self.mirror
            .clone()
            .unwrap_or_else(|| self.data_dir.join(paths::MIRROR_FILE))
    }
}

/// The bundle's agreement policy when its nodes are the ones used, else a majority of the
/// nodes given (`COUNTERSIGN_QUORUM` overrides the quorum either way).
fn head_policy(
    bundle: Option<&countersign_bundle::Settings>,
    rpc: &[String],
) -> countersign_chainstate::agree::HeadPolicy {
    let mut policy = match bundle {
        Some(b) if b.chain.endpoints == rpc => b.chain.head_policy(),
        _ => countersign_chainstate::agree::HeadPolicy::for_nodes(rpc.len()),
    };
    if let Some(q) = std::env::var("COUNTERSIGN_QUORUM")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|q| (1..=rpc.len()).contains(q))
    {
        policy.quorum = q;
    }
    policy
}

#[cfg(test)]
mod tests {
    use super::accepted_profiles;
    use countersign_crypto::{Policy, Profile};

    #[test]
    fn countersign_accept_names_the_profiles_the_first_signing() {
        assert_eq!(accepted_profiles("guomi"), Ok(Policy::only(Profile::Guomi)));
        let both = accepted_profiles("guomi, standard").expect("two profiles");
        assert_eq!(both.signs_with(), Profile::Guomi);
        assert_eq!(both.accepted(), vec![Profile::Standard, Profile::Guomi]);
        let refused = accepted_profiles("standard,sm9").expect_err("unknown");
        assert!(refused.contains("sm9"), "{refused}");
        assert!(accepted_profiles("").is_err());
    }
}
