//! A serial-mode scanner, when the hall configures one: its scans are decided and verified in
//! the app by the same entry as a keyboard-wedge burst (`commands::scanned`), off the window's
//! thread, and the screen receives the answer as a `serial-scanned` event.

use crate::Config;
use countersign_serial_scanner::{ScanEvent, SerialConfig, SerialScanner};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Manager};

fn set(status: &Mutex<Option<String>>, to: &str) {
    if let Ok(mut s) = status.lock() {
        *s = Some(to.to_string());
    }
}

/// Starts reading the configured port; `None` when the hall has no serial scanner. A port that
/// is missing now is retried in the background (the scanner may be plugged in later).
pub fn start(
    config: &Config,
    app: AppHandle,
    status: Arc<Mutex<Option<String>>>,
) -> Option<SerialScanner> {
    let (path, baud_rate) = config.serial()?;
    set(&status, "disconnected");
    let shown = path.display().to_string();
    let settings = SerialConfig {
        path,
        baud_rate,
        ..SerialConfig::default()
    };
    let state = Arc::clone(&status);
    let started = SerialScanner::start(settings, move |event| match event {
        ScanEvent::Scan(text) => {
            let app = app.clone();
            tauri::async_runtime::spawn_blocking(move || {
                let state = app.state::<crate::AppState>();
                let expecting_receipt = state
                    .receipt_mode
                    .load(std::sync::atomic::Ordering::Relaxed);
                let answer = match crate::commands::scanned(
                    &state,
                    text.trim().as_bytes(),
                    countersign_station::Channel::Scanner,
                    expecting_receipt,
                ) {
                    Ok(view) => serde_json::json!({ "ok": view }),
                    Err(error) => serde_json::json!({ "error": error }),
                };
                if let Err(e) = app.emit("serial-scanned", answer) {
                    tracing::error!("serial scanner: the answer did not reach the screen: {e}");
                }
            });
        }
        ScanEvent::Connected { .. } => {
            tracing::info!("serial scanner connected");
            set(&state, "connected");
        }
        ScanEvent::Disconnected { reason } => {
            tracing::warn!("serial scanner: {reason}");
            set(&state, "disconnected");
        }
        ScanEvent::Rejected { reason } => {
            tracing::warn!("serial scanner: scan rejected: {reason}");
            let _ = app.emit("serial-rejected", reason.code());
        }
    });
    match started {
        Ok(scanner) => Some(scanner),
        Err(e) => {
            tracing::error!("serial scanner {shown}: {e}");
            set(&status, "error");
            None
        }
    }
}
