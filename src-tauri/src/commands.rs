//! The commands the screen calls. Each is a few lines over `countersign-station`.

use crate::{AppState, CommandError};
use countersign_staff::SignInError;
use countersign_station::desk::{parse_role, DeskError, Session};
use countersign_station::Channel;
use countersign_views::{EntryRow, ScanView, SessionView, StatusView, VerdictView};
use tauri::State;

/// Largest picture accepted from the screen (a phone photo is a few MB).
pub const MAX_IMAGE_BYTES: usize = countersign_defaults::MAX_IMAGE_BYTES;

pub fn lock(
    state: &AppState,
) -> Result<std::sync::MutexGuard<'_, countersign_station::Counter>, CommandError> {
    state.counter.lock().map_err(|_| {
        CommandError::new("internal", "the counter state is unusable; restart the app")
    })
}

/// Runs `f` on the counter's station (its log), or says why the log cannot be used.
pub fn with_station<T>(
    state: &AppState,
    f: impl FnOnce(&mut countersign_station::Station) -> T,
) -> Result<T, CommandError> {
    let mut counter = lock(state)?;
    let station = counter
        .station_mut()
        .map_err(|e| CommandError::new("log", e.to_string()))?;
    Ok(f(station))
}

/// `clerk` or `supervisor` as the screen sends it.
fn role_of(text: &str) -> Result<countersign_staff::Role, CommandError> {
    parse_role(text).ok_or_else(|| CommandError::new("bad_request", format!("role {text:?}")))
}

/// A desk refusal as the screen receives it. A lock-out says until when, for the screen to
/// count the minutes.
pub fn desk_error(e: DeskError) -> CommandError {
    let message = match &e {
        DeskError::SignIn(SignInError::Locked { until }) => {
            format!("locked until {}", until.to_rfc3339())
        }
        _ => e.to_string(),
    };
    CommandError::new(e.code(), message)
}

/// Whoever is signed in (clerk or supervisor), or `signed_out`.
pub fn signed_in(state: &AppState) -> Result<Session, CommandError> {
    state.desk.signed_in().map_err(desk_error)
}

/// A signed-in clerk, or the reason the counter may not verify now.
pub fn clerk(state: &AppState) -> Result<Session, CommandError> {
    if state.config.setup.is_some() {
        return Err(CommandError::new(
            "setup_required",
            "this PC is not set up for a hall yet",
        ));
    }
    state.desk.clerk().map_err(desk_error)
}

/// Whatever was scanned as text (scanner burst, serial scanner or camera): a receipt is
/// checked, anything else verified as a credential and recorded. `expecting_receipt` is the
/// clerk's receipt-checking screen.
#[tauri::command]
pub async fn scan_text(
    app: tauri::AppHandle,
    text: String,
    channel: String,
    expecting_receipt: bool,
) -> Result<ScanView, CommandError> {
    let channel = match channel.as_str() {
        "camera" => Channel::Camera,
        _ => Channel::Scanner,
    };
    crate::worker::run(app, move |state| {
        scanned(state, text.trim().as_bytes(), channel, expecting_receipt)
    })
    .await
}

/// A picture (opened, dropped or pasted), sent as the raw request body; the header
/// `x-expecting-receipt: 1` is the receipt-checking screen. Decided as [`scan_text`] decides.
#[tauri::command]
pub async fn scan_image(
    app: tauri::AppHandle,
    request: tauri::ipc::Request<'_>,
) -> Result<ScanView, CommandError> {
    let bytes = crate::worker::raw_body(&request, "the picture must be sent as bytes")?;
    crate::worker::at_most(&bytes, MAX_IMAGE_BYTES, "image_too_large", "picture")?;
    let expecting_receipt = request
        .headers()
        .get("x-expecting-receipt")
        .is_some_and(|v| v.as_bytes() == b"1");
    crate::worker::run(app, move |state| {
        scanned(state, &bytes, Channel::Image, expecting_receipt)
    })
    .await
}

/// The one place the counter decides what a scan is (`countersign_station::scan`) and acts.
pub fn scanned(
    state: &AppState,
    input: &[u8],
    channel: Channel,
    expecting_receipt: bool,
) -> Result<ScanView, CommandError> {
    match countersign_station::scan::classify(input, expecting_receipt) {
        countersign_station::scan::Scanned::Receipt(payload) => {
            signed_in(state)?;
            Ok(ScanView {
                verdict: None,
                receipt: Some(crate::receipts::check_input(state, payload.as_bytes())?),
            })
        }
        countersign_station::scan::Scanned::Credential => {
            // A supervisor's console checks receipts but verifies nothing: said apart from
            // "signed out", which locks the screen.
            if !signed_in(state)?.is_clerk() {
                return Err(CommandError::new(
                    "scan.not_clerk",
                    "a supervisor is signed in; credentials are verified by a clerk",
                ));
            }
            let who = clerk(state)?;
            let verified = lock(state)?.verify(input, channel, state.config.clock.now());
            tracing::info!(verdict = verified.report.verdict.as_str(), "verified");
            Ok(ScanView {
                verdict: Some(with_auto_print(state, &verified, &who)),
                receipt: None,
            })
        }
    }
}

/// The verdict view; where the hall prints every receipt, a new entry's receipt is queued
/// (a repeat scan's was already). A printing problem never takes the verdict away.
fn with_auto_print(
    state: &AppState,
    verified: &countersign_station::Verified,
    who: &Session,
) -> VerdictView {
    let mut view = VerdictView::from(verified);
    view.id = state
        .shown
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + 1;
    let sensitive = verified
        .report
        .summary
        .as_ref()
        .map(|s| {
            s.fields
                .iter()
                .filter(|f| f.sensitive)
                .map(|f| (f.key.clone(), f.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    let seq = match &verified.logged {
        countersign_station::Logged::Entry(seq) | countersign_station::Logged::Repeat(seq) => {
            Some(*seq)
        }
        _ => None,
    };
    if let Ok(mut on_screen) = state.on_screen.lock() {
        *on_screen = Some(crate::OnScreen {
            id: view.id,
            seq,
            sensitive,
        });
    }
    if let (true, countersign_station::Logged::Entry(seq)) =
        (state.config.auto_print, &verified.logged)
    {
        match crate::receipts::queue_receipt(state, *seq, false, &who.account.id) {
            Ok(job) => view.print = Some(job),
            Err(e) => tracing::warn!("auto-print: {}", e.message),
        }
    }
    view
}

/// What the status bar shows.
#[tauri::command]
pub async fn app_status(app: tauri::AppHandle) -> Result<StatusView, CommandError> {
    crate::worker::run(app, crate::status::gather).await
}

/// Signs a member of staff in with their PIN. A counter whose log cannot be used still signs
/// in (the status bar says why).
#[tauri::command]
pub async fn sign_in(
    app: tauri::AppHandle,
    id: String,
    pin: String,
    role: String,
) -> Result<SessionView, CommandError> {
    crate::worker::run(app, move |state| {
        let session = state
            .desk
            .sign_in(&id, &pin, role_of(&role)?)
            .map_err(desk_error)?;
        let clerk = session.is_clerk().then(|| session.account.id.clone());
        let _ = clerk.map(|id| with_station(state, |s| s.set_clerk(id)));
        Ok(SessionView::from(&session))
    })
    .await
}

/// Ends the session (the clerk's "sign out", or the screen locking itself when idle).
#[tauri::command]
pub fn sign_out(state: State<'_, AppState>, reason: String) {
    state.desk.sign_out(&reason);
}

/// The screen saw input: the session is still attended.
#[tauri::command]
pub fn still_here(state: State<'_, AppState>) -> bool {
    state.desk.still_here()
}

/// Today's verifications (hall-local day): the clerk's own, or every counter's for a
/// supervisor. Newest first, at most `limit`.
#[tauri::command]
pub async fn today_history(
    app: tauri::AppHandle,
    limit: Option<usize>,
) -> Result<Vec<EntryRow>, CommandError> {
    crate::worker::run(app, move |state| {
        let session = signed_in(state)?;
        let clerk = session.is_clerk().then_some(session.account.id.as_str());
        let (now, limit) = (state.config.clock.now(), limit.unwrap_or(200).min(2000));
        let entries = with_station(state, |s| s.today(now, clerk, limit))?
            .map_err(|e| CommandError::new("log", e.to_string()))?;
        Ok(EntryRow::all(&entries, state.config.utc_offset))
    })
    .await
}

/// Finds the QR payload in a camera frame: the raw body is width and height (u32, little
/// endian) followed by one byte of luminance per pixel.
#[tauri::command]
pub async fn decode_frame(
    request: tauri::ipc::Request<'_>,
) -> Result<Option<String>, CommandError> {
    let bytes = crate::worker::raw_body(&request, "the frame must be sent as bytes")?;
    tauri::async_runtime::spawn_blocking(move || crate::camera::decode_frame(&bytes))
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))?
        .map_err(|e| CommandError::new("bad_frame", e))
}

/// The clerk entered (`on`) or left the receipt-checking screen.
#[tauri::command]
pub fn set_receipt_mode(state: State<'_, AppState>, on: bool) {
    state
        .receipt_mode
        .store(on, std::sync::atomic::Ordering::Relaxed);
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
