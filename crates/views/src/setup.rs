//! The setup screen (what a PC without a usable hall bundle must be given) and the software
//! update panel.

use countersign_bundle::Applied;
use serde::Serialize;
use ts_rs::TS;

/// What the setup screen shows.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupView {
    /// `no_bundle`, `refused` or `choose_counter`.
    #[ts(type = r#""no_bundle" | "refused" | "choose_counter""#)]
    kind: &'static str,
    code: Option<String>,
    problem: Option<String>,
    action: Option<String>,
    /// The counters to choose from: (id, name).
    counters: Vec<(String, Option<String>)>,
    /// Whether this PC has an authority key file (then no key need be typed).
    authority_file: bool,
}

impl SetupView {
    /// No bundle is applied.
    pub fn no_bundle(authority_file: bool) -> Self {
        Self {
            kind: "no_bundle",
            code: None,
            problem: None,
            action: None,
            counters: vec![],
            authority_file,
        }
    }

    /// The applied bundle is refused: why (`code`, `problem`) and what IT should do.
    pub fn refused(code: String, problem: String, action: String, authority_file: bool) -> Self {
        Self {
            kind: "refused",
            code: Some(code),
            problem: Some(problem),
            action: Some(action),
            counters: vec![],
            authority_file,
        }
    }

    /// The bundle is applied; which of its counters (id, name) is this PC?
    pub fn choose_counter(counters: Vec<(String, Option<String>)>, authority_file: bool) -> Self {
        Self {
            kind: "choose_counter",
            code: None,
            problem: None,
            action: None,
            counters,
            authority_file,
        }
    }
}

/// What applying a hall bundle did.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppliedView {
    hall: String,
    hall_name: String,
    version: u64,
    counters: usize,
}

impl From<&Applied> for AppliedView {
    fn from(applied: &Applied) -> Self {
        let settings = applied.verified.bundle.settings();
        Self {
            hall: settings.hall.id.clone(),
            hall_name: settings.hall.name.clone(),
            version: settings.version,
            counters: settings.counters.len(),
        }
    }
}

/// What an update check found.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateView {
    /// `current` (nothing newer) or `verified` (downloaded, signature good).
    #[ts(type = r#""current" | "verified""#)]
    status: &'static str,
    /// The running version.
    current: String,
    /// The version offered.
    version: Option<String>,
    /// Its release notes.
    notes: Option<String>,
    /// Bytes downloaded.
    size: Option<usize>,
}

impl UpdateView {
    /// Nothing newer than the running version `current`.
    pub fn current(current: String) -> Self {
        Self {
            status: "current",
            current,
            version: None,
            notes: None,
            size: None,
        }
    }

    /// `version` (with its release `notes`, `size` bytes) downloaded and its signature good.
    pub fn verified(current: String, version: String, notes: Option<String>, size: usize) -> Self {
        Self {
            status: "verified",
            current,
            version: Some(version),
            notes,
            size: Some(size),
        }
    }
}
