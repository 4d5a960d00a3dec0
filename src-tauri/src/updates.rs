//! Software updates from the hall's update server (its address and the minisign public key
//! come from provisioning): check, download, and verify the signature before anything is
//! installed. An update whose signature does not verify against the provisioned key is refused
//! and nothing of it is kept.

use crate::commands::signed_in;
use crate::{AppState, CommandError};
use serde::Serialize;
use tauri::State;
use tauri_plugin_updater::UpdaterExt;

/// What a check found.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateView {
    /// `current` (nothing newer) or `verified` (downloaded, signature good).
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

/// A verified update, kept until it is installed.
pub struct Staged {
    update: tauri_plugin_updater::Update,
    bytes: Vec<u8>,
}

fn classify(e: tauri_plugin_updater::Error) -> CommandError {
    use tauri_plugin_updater::Error as E;
    let message = e.to_string();
    match e {
        E::Minisign(_) | E::SignatureUtf8(_) | E::Base64(_) => {
            CommandError::new("update.signature", message)
        }
        E::Reqwest(_) | E::Network(_) => CommandError::new("update.unreachable", message),
        _ => CommandError::new("update.manifest", message),
    }
}

/// Asks the update server for a newer version; downloads and verifies it when there is one.
#[tauri::command]
pub async fn check_update(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<UpdateView, CommandError> {
    let who = signed_in(&state)?;
    let current = app.package_info().version.to_string();
    let (Some(url), Some(key)) = (&state.config.update_url, &state.config.update_pubkey) else {
        return Err(CommandError::new(
            "update.none",
            "no update server is provisioned for this hall",
        ));
    };
    let url: tauri::Url = url
        .parse()
        .map_err(|e| CommandError::new("update.manifest", format!("{url}: {e}")))?;
    let updater = app
        .updater_builder()
        .endpoints(vec![url])
        .and_then(|b| {
            b.pubkey(key.clone())
                .timeout(std::time::Duration::from_secs(120))
                .build()
        })
        .map_err(classify)?;
    let Some(update) = updater.check().await.map_err(classify)? else {
        tracing::info!(by = %who.account.id, %current, "update check: up to date");
        return Ok(UpdateView {
            status: "current",
            current,
            version: None,
            notes: None,
            size: None,
        });
    };
    // download() checks the signature against the provisioned key before returning.
    let bytes = update.download(|_, _| {}, || {}).await.map_err(|e| {
        tracing::warn!(version = %update.version, error = %e, "update refused");
        classify(e)
    })?;
    tracing::info!(version = %update.version, size = bytes.len(), "update downloaded and verified");
    let view = UpdateView {
        status: "verified",
        current,
        version: Some(update.version.clone()),
        notes: update.body.clone(),
        size: Some(bytes.len()),
    };
    *state
        .staged_update
        .lock()
        .map_err(|_| CommandError::new("internal", "update state unusable"))? =
        Some(Staged { update, bytes });
    Ok(view)
}

/// Installs the verified update and restarts the app (on Linux the package manager asks for
/// an administrator: counter PCs are normally updated by IT's fleet tools instead).
#[tauri::command]
pub async fn install_update(app: tauri::AppHandle) -> Result<(), CommandError> {
    let handle = app.clone();
    crate::worker::run(app, |state| {
        signed_in(state)?;
        let staged = state
            .staged_update
            .lock()
            .map_err(|_| CommandError::new("internal", "update state unusable"))?
            .take()
            .ok_or_else(|| CommandError::new("update.none", "no verified update is waiting"))?;
        staged.update.install(&staged.bytes).map_err(classify)
    })
    .await?;
    handle.restart();
}
