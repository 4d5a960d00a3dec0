//! The counter's configuration, from the environment until provisioning (issue 8) signs it.
//! Every path is redirectable, so tests run the real app on temporary files.

use std::path::PathBuf;

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
    /// The clerk (until PIN sign-in).
    pub clerk: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// Chain state older than this earns a warning (or, fail-closed, CANNOT CONFIRM).
    pub max_chain_age_hours: i64,
    /// Stale chain state: CANNOT CONFIRM rather than a warning.
    pub fail_closed: bool,
    /// Longest pause between a scanner's keystrokes.
    pub scanner_gap_ms: u32,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads `COUNTERSIGN_*`; `default_data_dir` is the OS's app data directory.
    pub fn from_env(default_data_dir: PathBuf) -> Self {
        let data_dir = var("COUNTERSIGN_DATA_DIR").map_or(default_data_dir, PathBuf::from);
        Self {
            rpc: var("COUNTERSIGN_RPC")
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default(),
            registry: var("COUNTERSIGN_REGISTRY"),
            mirror: var("COUNTERSIGN_MIRROR").map(PathBuf::from),
            snapshot: var("COUNTERSIGN_SNAPSHOT").map(PathBuf::from),
            hall: var("COUNTERSIGN_HALL").unwrap_or_else(|| "DEMO-HALL".into()),
            counter: var("COUNTERSIGN_COUNTER").unwrap_or_else(|| "1".into()),
            clerk: var("COUNTERSIGN_CLERK").unwrap_or_else(|| "clerk".into()),
            language: match var("COUNTERSIGN_LANGUAGE").as_deref() {
                Some("en") => "en".into(),
                _ => "zh-CN".into(),
            },
            max_chain_age_hours: var("COUNTERSIGN_MAX_CHAIN_AGE_HOURS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(24),
            fail_closed: var("COUNTERSIGN_FAIL_CLOSED").is_some_and(|v| v == "1" || v == "true"),
            scanner_gap_ms: var("COUNTERSIGN_SCANNER_GAP_MS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(80),
            data_dir,
        }
    }

    /// The hall's verification log.
    pub fn log_path(&self) -> PathBuf {
        self.data_dir.join("verification-log.sqlite")
    }

    /// The hall's mirror (given, or in the data directory).
    pub fn mirror_path(&self) -> PathBuf {
        self.mirror
            .clone()
            .unwrap_or_else(|| self.data_dir.join("registry-mirror.sqlite"))
    }
}
