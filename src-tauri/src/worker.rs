//! Off the window's thread: every command that touches the network, the disk, crypto or
//! argon2 runs its work here, so a silent chain node or a slow disk never freezes the screen.

use crate::{AppState, CommandError};
use tauri::{AppHandle, Manager};

/// Runs `f` with the app's state on the blocking pool and waits for it without holding the
/// window's thread.
pub async fn run<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&AppState) -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()))
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))?
}

/// The raw body of a request (a picture or a camera frame), or `bad_request` with `what`.
pub fn raw_body(request: &tauri::ipc::Request<'_>, what: &str) -> Result<Vec<u8>, CommandError> {
    match request.body() {
        tauri::ipc::InvokeBody::Raw(bytes) => Ok(bytes.clone()),
        _ => Err(CommandError::new("bad_request", what.to_string())),
    }
}

/// Refuses a body larger than `limit` with `code`, saying how large it was (`what`: a
/// picture …).
pub fn at_most(
    bytes: &[u8],
    limit: usize,
    code: &'static str,
    what: &str,
) -> Result<(), CommandError> {
    if bytes.len() <= limit {
        return Ok(());
    }
    Err(CommandError::new(
        code,
        format!(
            "the {what} is {} MB; the limit is {} MB",
            bytes.len() / 1_048_576,
            limit / 1_048_576
        ),
    ))
}
