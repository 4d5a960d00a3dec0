//! The commands the screen calls. Each is a few lines over `countersign-station`.

use crate::view::VerdictView;
use crate::{AppState, CommandError};
use countersign_station::Channel;
use serde::Serialize;
use tauri::State;

/// Largest picture accepted from the screen (a phone photo is a few MB).
const MAX_IMAGE_BYTES: usize = 32 * 1024 * 1024;

fn lock(
    state: &AppState,
) -> Result<std::sync::MutexGuard<'_, countersign_station::Counter>, CommandError> {
    state.counter.lock().map_err(|_| {
        CommandError::new("internal", "the counter state is unusable; restart the app")
    })
}

/// Verifies a scanned payload (scanner burst or camera) and records it.
#[tauri::command]
pub fn verify_scan(
    state: State<'_, AppState>,
    text: String,
    channel: String,
) -> Result<VerdictView, CommandError> {
    let channel = match channel.as_str() {
        "camera" => Channel::Camera,
        _ => Channel::Scanner,
    };
    let verified = lock(&state)?.verify(text.trim().as_bytes(), channel, chrono::Utc::now());
    tracing::info!(verdict = verified.report.verdict.as_str(), "scan verified");
    Ok(VerdictView::from(&verified))
}

/// Verifies a picture (opened, dropped or pasted), sent as the raw request body.
#[tauri::command]
pub fn verify_image(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<VerdictView, CommandError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::new(
            "bad_request",
            "the picture must be sent as bytes",
        ));
    };
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(CommandError::new(
            "image_too_large",
            format!(
                "the picture is {} MB; the limit is 32 MB",
                bytes.len() / 1_048_576
            ),
        ));
    }
    let verified = lock(&state)?.verify(bytes, Channel::Image, chrono::Utc::now());
    tracing::info!(verdict = verified.report.verdict.as_str(), "image verified");
    Ok(VerdictView::from(&verified))
}

/// The status bar and the screen's settings.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    hall: String,
    counter: String,
    clerk: String,
    language: String,
    chain: String,
    online: bool,
    log_ok: bool,
    scanner_max_gap_ms: u32,
}

/// What the status bar shows.
#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> Result<StatusView, CommandError> {
    let counter = lock(&state)?;
    let language = state
        .language
        .lock()
        .map(|l| l.clone())
        .unwrap_or_else(|_| "zh-CN".into());
    Ok(StatusView {
        hall: state.config.hall.clone(),
        counter: state.config.counter.clone(),
        clerk: counter.station().map_or_else(
            |_| state.config.clerk.clone(),
            |s| s.identity().clerk.clone(),
        ),
        language,
        chain: state.chain_note.clone(),
        online: counter.chain().is_some_and(|c| c.is_online()),
        log_ok: counter.station().is_ok(),
        scanner_max_gap_ms: state.config.scanner_gap_ms,
    })
}

/// Switches the screen's language (`zh-CN` or `en`).
#[tauri::command]
pub fn set_language(state: State<'_, AppState>, language: String) -> Result<(), CommandError> {
    if language != "zh-CN" && language != "en" {
        return Err(CommandError::new(
            "bad_language",
            format!("{language:?} is not zh-CN or en"),
        ));
    }
    let mut current = state
        .language
        .lock()
        .map_err(|_| CommandError::new("internal", "language state unusable"))?;
    *current = language;
    Ok(())
}
