//! The counter's configuration, from the environment until provisioning (issue 8) signs it.
//! Every path is redirectable, so tests run the real app on temporary files.

use chrono::Offset;
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
    /// Longest pause between a scanner's keystrokes.
    pub scanner_gap_ms: u32,
    /// The hall's name as printed on receipts (the hall id when not set).
    pub hall_name: Option<String>,
    /// The hall's device key file (created on first start).
    pub hall_key: Option<PathBuf>,
    /// The receipt printer's address (`ipp://…`, `escpos+tcp://…`, …); none: no printing.
    pub printer: Option<String>,
    /// The paper in the receipt printer.
    pub paper: countersign_printdoc::Paper,
    /// Print a receipt for every logged verification without being asked.
    pub auto_print: bool,
    /// Other halls' keys trusted for receipt checks: `HALL=HEX`, comma separated.
    pub trust: Vec<String>,
}

fn china_standard_time() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
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
            staff_db: var("COUNTERSIGN_STAFF_DB").map(PathBuf::from),
            idle_lock_minutes: var("COUNTERSIGN_IDLE_LOCK_MINUTES")
                .and_then(|v| v.parse().ok())
                .unwrap_or(5),
            utc_offset: var("COUNTERSIGN_UTC_OFFSET")
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(china_standard_time),
            serial_scanner: var("COUNTERSIGN_SERIAL_SCANNER"),
            sync_interval_secs: var("COUNTERSIGN_SYNC_INTERVAL_SECS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30)
                .max(1),
            sound: var("COUNTERSIGN_SOUND").is_none_or(|v| v != "0" && v != "off"),
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
            hall_name: var("COUNTERSIGN_HALL_NAME"),
            hall_key: var("COUNTERSIGN_HALL_KEY").map(PathBuf::from),
            printer: var("COUNTERSIGN_PRINTER"),
            paper: var("COUNTERSIGN_PAPER")
                .and_then(|p| countersign_printdoc::Paper::parse(&p))
                .unwrap_or(countersign_printdoc::Paper::Roll80),
            auto_print: var("COUNTERSIGN_AUTO_PRINT").is_some_and(|v| v == "1" || v == "true"),
            trust: var("COUNTERSIGN_TRUST")
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default(),
            data_dir,
        }
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

    /// The print queue.
    pub fn print_queue_path(&self) -> PathBuf {
        self.data_dir.join("print-queue.sqlite")
    }

    /// The hall's verification log.
    pub fn log_path(&self) -> PathBuf {
        self.data_dir.join("verification-log.sqlite")
    }

    /// How long the screen may go without input before it locks.
    pub fn idle_lock(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.idle_lock_minutes.max(1)) * 60)
    }

    /// The staff accounts (given, or in the data directory).
    pub fn staff_path(&self) -> PathBuf {
        self.staff_db
            .clone()
            .unwrap_or_else(|| self.data_dir.join("staff.sqlite"))
    }

    /// The serial scanner's port and speed (9600 unless `:BAUD` is given).
    pub fn serial(&self) -> Option<(PathBuf, u32)> {
        let spec = self.serial_scanner.as_deref()?;
        match spec.rsplit_once(':') {
            Some((path, baud)) if baud.chars().all(|c| c.is_ascii_digit()) && !baud.is_empty() => {
                Some((PathBuf::from(path), baud.parse().unwrap_or(9600)))
            }
            _ => Some((PathBuf::from(spec), 9600)),
        }
    }

    /// The hall's mirror (given, or in the data directory).
    pub fn mirror_path(&self) -> PathBuf {
        self.mirror
            .clone()
            .unwrap_or_else(|| self.data_dir.join("registry-mirror.sqlite"))
    }
}
