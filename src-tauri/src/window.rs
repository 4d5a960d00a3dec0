//! The window on the hall PC's screen: it fits a 1366×768 screen (still the commonest hall
//! PC, where a 1280×800 window put the status bar below the screen's edge) and comes back
//! maximised when the clerk left it maximised.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use tauri::{WebviewWindow, WindowEvent};

/// The maximised state last written (0: none yet, 1: not maximised, 2: maximised).
static LAST_WRITTEN: AtomicU8 = AtomicU8::new(0);

/// Where the window's state is kept, in the data folder.
fn state_path(data_dir: &Path) -> PathBuf {
    data_dir.join("window.json")
}

/// Maximises the window when it was maximised last time, or when the screen's work area
/// cannot show it whole (a 1366×768 screen less its panel).
pub fn restore(window: &WebviewWindow, data_dir: &Path) {
    let remembered = std::fs::read(state_path(data_dir))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|v| v.get("maximized").and_then(serde_json::Value::as_bool));
    let too_small = match (window.current_monitor(), window.outer_size()) {
        (Ok(Some(monitor)), Ok(size)) => {
            let area = monitor.work_area().size;
            size.width > area.width || size.height > area.height
        }
        _ => false,
    };
    if remembered.unwrap_or(too_small) {
        if let Err(e) = window.maximize() {
            tracing::warn!("window: cannot maximise: {e}");
        }
    }
}

/// Remembers whether the window is maximised whenever it is resized or closed.
pub fn remember(window: &tauri::Window, event: &WindowEvent, data_dir: &Path) {
    if !matches!(
        event,
        WindowEvent::Resized(_) | WindowEvent::CloseRequested { .. }
    ) {
        return;
    }
    let Ok(maximized) = window.is_maximized() else {
        return;
    };
    // Only when it changed: a resize drag sends many events, and this runs on the window's
    // thread, so the last state written is kept here rather than read back from the disk.
    let state = if maximized { 2 } else { 1 };
    if LAST_WRITTEN.swap(state, Ordering::Relaxed) == state {
        return;
    }
    let path = state_path(data_dir);
    let text = serde_json::json!({ "maximized": maximized }).to_string();
    if let Err(e) = std::fs::write(&path, text) {
        tracing::warn!(
            "window: cannot remember its state in {}: {e}",
            path.display()
        );
    }
}
