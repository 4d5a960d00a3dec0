//! The setup screen's commands, for a PC started without a usable hall bundle: apply a bundle
//! (checked against the provincial IT authority's key: the machine's authority file when there
//! is one, else the key IT types in after comparing its fingerprint with the one the authority
//! published), choose which counter this PC is, and restart into the configured app.

use crate::config::Setup;
use crate::{AppState, CommandError};
use serde::Serialize;

/// What the setup screen shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupView {
    /// `no_bundle`, `refused` or `choose_counter`.
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
    /// The view of what is missing.
    pub fn new(setup: &Setup) -> Self {
        let authority_file = countersign_paths::default_authority_file().is_file();
        match setup {
            Setup::NoBundle => Self {
                kind: "no_bundle",
                code: None,
                problem: None,
                action: None,
                counters: vec![],
                authority_file,
            },
            Setup::Refused {
                code,
                problem,
                action,
            } => Self {
                kind: "refused",
                code: Some(code.clone()),
                problem: Some(problem.clone()),
                action: Some(action.clone()),
                counters: vec![],
                authority_file,
            },
            Setup::ChooseCounter(counters) => Self {
                kind: "choose_counter",
                code: None,
                problem: None,
                action: None,
                counters: counters.clone(),
                authority_file,
            },
        }
    }
}

/// What applying did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedView {
    hall: String,
    hall_name: String,
    version: u64,
    counters: usize,
}

fn provision_error(e: countersign_bundle::BundleError) -> CommandError {
    let code = match e.code() {
        // The screen words the refusals it knows; the rest show their own words.
        "bundle.tampered" => "setup.tampered",
        "bundle.untrusted" => "setup.untrusted",
        "bundle.unsigned" => "setup.unsigned",
        "bundle.other-hall" => "setup.other_hall",
        "bundle.not-newer" => "setup.not_newer",
        "trust.none" => "setup.no_authority",
        _ => "setup.refused",
    };
    CommandError::new(code, format!("{} {}", e.problem, e.action))
}

/// Applies a hall bundle (its file's text) on this PC. Only while the PC is unprovisioned or
/// its bundle is refused: updates come through the installer or `countersign provision apply`.
#[tauri::command]
pub async fn apply_bundle(
    app: tauri::AppHandle,
    bundle: String,
    authority: Option<String>,
) -> Result<AppliedView, CommandError> {
    crate::worker::run(app, move |state| apply_bundle_on(state, bundle, authority)).await
}

fn apply_bundle_on(
    state: &AppState,
    bundle: String,
    authority: Option<String>,
) -> Result<AppliedView, CommandError> {
    if !matches!(
        state.config.setup,
        Some(Setup::NoBundle | Setup::Refused { .. })
    ) {
        return Err(CommandError::new(
            "setup.not_needed",
            "this PC already runs on a hall bundle; update it with the installer or the CLI",
        ));
    }
    let machine = state.config.machine();
    let explicit = match authority
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(text) => Some(
            countersign_bundle::parse_public_key(text)
                .map_err(|e| CommandError::new("setup.authority_key", e))?,
        ),
        None => None,
    };
    std::fs::create_dir_all(&machine.data_dir)
        .and_then(|()| std::fs::create_dir_all(&machine.config_dir))
        .map_err(|e| CommandError::new("setup.refused", e.to_string()))?;
    let incoming = machine.data_dir.join("incoming.bundle");
    std::fs::write(&incoming, bundle.as_bytes())
        .map_err(|e| CommandError::new("setup.refused", e.to_string()))?;
    let applied = machine.apply(
        &incoming,
        &countersign_bundle::Expect {
            authority: explicit,
            hall: None,
        },
    );
    let _ = std::fs::remove_file(&incoming);
    let applied = applied.map_err(|e| {
        tracing::warn!("setup: bundle refused: {e}");
        provision_error(e)
    })?;
    let settings = applied.verified.bundle.settings();
    tracing::info!(hall = %settings.hall.id, version = settings.version, "setup: bundle applied");
    Ok(AppliedView {
        hall: settings.hall.id.clone(),
        hall_name: settings.hall.name.clone(),
        version: settings.version,
        counters: settings.counters.len(),
    })
}

/// Records which of the hall's counters this PC is.
#[tauri::command]
pub async fn choose_counter(app: tauri::AppHandle, id: String) -> Result<(), CommandError> {
    crate::worker::run(app, move |state| choose_counter_on(state, id)).await
}

fn choose_counter_on(state: &AppState, id: String) -> Result<(), CommandError> {
    let Some(Setup::ChooseCounter(counters)) = &state.config.setup else {
        return Err(CommandError::new(
            "setup.not_needed",
            "the counter is already set",
        ));
    };
    if !counters.iter().any(|(c, _)| *c == id) {
        return Err(CommandError::new(
            "setup.refused",
            format!("{id:?} is not one of this hall's counters"),
        ));
    }
    std::fs::write(state.config.counter_file(), format!("{id}\n"))
        .map_err(|e| CommandError::new("setup.refused", e.to_string()))?;
    tracing::info!(counter = %id, "setup: counter chosen");
    Ok(())
}

/// Starts the app again, to run on what setup just wrote.
#[tauri::command]
pub fn restart_app(app: tauri::AppHandle) {
    app.restart();
}
