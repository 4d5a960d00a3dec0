//! The setup screen's commands, for a PC started without a usable hall bundle: apply a bundle
//! (checked against the provincial IT authority's key: the machine's authority file when there
//! is one, else the key IT types in after comparing its fingerprint with the one the authority
//! published), choose which counter this PC is, and restart into the configured app.

use crate::config::Setup;
use crate::{AppState, CommandError};
use countersign_bundle::provision::{self, CounterError, ProvisionError};
use countersign_bundle::{Applied, ErrorKind};
use countersign_views::{AppliedView, SetupView};

/// What the setup screen must ask for.
pub fn view(setup: &Setup) -> SetupView {
    let authority_file = countersign_paths::default_authority_file().is_file();
    match setup {
        Setup::NoBundle => SetupView::no_bundle(authority_file),
        Setup::Refused {
            code,
            problem,
            action,
        } => SetupView::refused(
            code.clone(),
            problem.clone(),
            action.clone(),
            authority_file,
        ),
        Setup::ChooseCounter(counters) => {
            SetupView::choose_counter(counters.clone(), authority_file)
        }
    }
}

/// The screen's view of a bundle applied (said in the app's log too).
fn applied(applied: Applied) -> AppliedView {
    let settings = applied.verified.bundle.settings();
    tracing::info!(hall = %settings.hall.id, version = settings.version, "setup: bundle applied");
    AppliedView::from(&applied)
}

/// This PC still needs a bundle: none is applied, or the applied one is refused.
fn bundle_needed(state: &AppState) -> Result<(), CommandError> {
    match &state.config.setup {
        Some(Setup::NoBundle | Setup::Refused { .. }) => Ok(()),
        _ => Err(CommandError::new(
            "setup.not_needed",
            "this PC already runs on a hall bundle; update it with the installer or the CLI",
        )),
    }
}

/// The hall's counters (id, name), while this PC has not chosen which it is.
fn counters(state: &AppState) -> Result<&[(String, Option<String>)], CommandError> {
    match &state.config.setup {
        Some(Setup::ChooseCounter(counters)) => Ok(counters),
        _ => Err(CommandError::new(
            "setup.not_needed",
            "the counter is already set",
        )),
    }
}

/// A refusal in the screen's words where it has them (the code), with IT's detail.
fn apply_error(e: ProvisionError) -> CommandError {
    let e = match e {
        ProvisionError::AuthorityKey(why) => return CommandError::new("setup.authority_key", why),
        ProvisionError::Stage { source, .. } => {
            return CommandError::new("setup.refused", source.to_string())
        }
        ProvisionError::Bundle(e) => e,
    };
    tracing::warn!("setup: bundle refused: {e}");
    let message = format!("{} {}", e.problem, e.action);
    match e.kind {
        ErrorKind::BadSignature => CommandError::new("setup.tampered", message),
        ErrorKind::UntrustedKey => CommandError::new("setup.untrusted", message),
        ErrorKind::Unsigned => CommandError::new("setup.unsigned", message),
        ErrorKind::OtherHall => CommandError::new("setup.other_hall", message),
        ErrorKind::NotNewer => CommandError::new("setup.not_newer", message),
        ErrorKind::NoTrustAnchor => CommandError::new("setup.no_authority", message),
        _ => CommandError::new("setup.refused", message),
    }
}

fn counter_error(e: CounterError) -> CommandError {
    match e {
        CounterError::Unknown { .. } => CommandError::new("setup.refused", e.to_string()),
        CounterError::Write { source, .. } => {
            CommandError::new("setup.refused", source.to_string())
        }
    }
}

/// Applies a hall bundle (its file's text) on this PC. Only while the PC is unprovisioned or
/// its bundle is refused: updates come through the installer or `countersign provision apply`.
#[tauri::command]
pub async fn apply_bundle(
    app: tauri::AppHandle,
    bundle: String,
    authority: Option<String>,
) -> Result<AppliedView, CommandError> {
    crate::worker::run(app, move |state| {
        bundle_needed(state)?;
        provision::apply_bytes(&state.config.machine(), &bundle, authority.as_deref())
            .map(applied)
            .map_err(apply_error)
    })
    .await
}

/// Records which of the hall's counters this PC is.
#[tauri::command]
pub async fn choose_counter(app: tauri::AppHandle, id: String) -> Result<(), CommandError> {
    crate::worker::run(app, move |state| {
        let counters = counters(state)?.iter().map(|(c, _)| c.as_str());
        provision::choose_counter(counters, &id, &state.config.counter_file())
            .map_err(counter_error)?;
        tracing::info!(counter = %id, "setup: counter chosen");
        Ok(())
    })
    .await
}

/// Starts the app again, to run on what setup just wrote.
#[tauri::command]
pub fn restart_app(app: tauri::AppHandle) {
    app.restart();
}
