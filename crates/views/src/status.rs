//! The status bar (everything the counter depends on, asked for every few seconds) and who is
//! signed in. The app gathers a [`StatusView`] from its state; the session itself (sign-in,
//! the idle end) is `countersign_station::desk`.

use crate::{PrintStatusView, SetupView};
use countersign_station::desk::Session;
use serde::Serialize;
use ts_rs::TS;

/// What the screen knows of the session.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    id: String,
    name: String,
    #[ts(type = r#""clerk" | "supervisor""#)]
    role: &'static str,
}

impl From<&Session> for SessionView {
    fn from(s: &Session) -> Self {
        Self {
            id: s.account.id.clone(),
            name: s.account.name.clone(),
            role: s.role_name(),
        }
    }
}

/// The status bar and the screen's settings.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    /// Hall id.
    pub hall: String,
    /// Counter id.
    pub counter: String,
    /// The screen's language.
    #[ts(type = r#""zh-CN" | "en""#)]
    pub language: String,
    /// Who is signed in.
    pub session: Option<SessionView>,
    /// Whether any staff account exists (else the screen explains how IT adds one).
    pub staff_ready: bool,
    /// Why the staff accounts cannot be read.
    pub staff_error: Option<String>,
    /// The chain and its mirror.
    pub chain: ChainStatusView,
    /// Whether the log can be used, and why not.
    pub log_ok: bool,
    /// Why the log cannot be used.
    pub log_error: Option<String>,
    /// The receipt printer: `none` (not set up), `misconfigured`, or the spooler's news.
    #[ts(type = r#""none" | "misconfigured" | "configured""#)]
    pub printer: &'static str,
    /// The spooler's news, when a printer is set up.
    pub print_status: Option<PrintStatusView>,
    /// Receipts waiting to print.
    pub print_pending: usize,
    /// Whether the hall prints every receipt.
    pub auto_print: bool,
    /// The serial scanner: `connected`, `disconnected` or `error`, when one is configured.
    #[ts(type = r#""connected" | "disconnected" | "error" | null"#)]
    pub serial: Option<String>,
    /// The longest gap between a keyboard scanner's keys.
    pub scanner_max_gap_ms: u32,
    /// How long an unattended session lasts.
    pub idle_lock_seconds: u64,
    /// Whether the verdict sounds.
    pub sound: bool,
    /// What the setup screen must ask for (none: the PC is set up).
    pub setup: Option<SetupView>,
    /// The hall's name.
    pub hall_name: String,
    /// The applied bundle's version, when the PC runs on one.
    pub bundle_version: Option<u64>,
}

/// The chain as the status bar tells it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChainStatusView {
    /// `online`, `mirror`, `snapshot` or `none`.
    #[ts(type = r#""online" | "mirror" | "snapshot" | "none""#)]
    pub mode: &'static str,
    /// What the screen says about it.
    pub note: String,
    /// The mirror's block and its time, when there is a mirror.
    pub mirror_block: Option<u64>,
    /// That block's time, RFC 3339.
    pub mirror_block_time: Option<String>,
    /// When a sync last brought the mirror up to the chain's head.
    pub synced_at: Option<String>,
    /// Whether a sync is running.
    pub syncing: bool,
    /// Why the last sync failed.
    pub sync_error: Option<String>,
    /// The chain nodes left out at the last verification or sync, and why (for IT).
    pub node_faults: Vec<String>,
}
