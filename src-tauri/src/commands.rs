//! The commands the screen calls. Each is a few lines over `countersign-station`.

use crate::session::{parse_role, Session, SessionView};
use crate::view::{HistoryRow, VerdictView};
use crate::{AppState, CommandError};
use countersign_station::Channel;
use serde::Serialize;
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

/// The signed-in session, after ending it if the screen has been idle too long.
pub fn session(state: &AppState) -> Result<Option<Session>, CommandError> {
    let mut session = state
        .session
        .lock()
        .map_err(|_| CommandError::new("internal", "session state unusable; restart the app"))?;
    if session
        .as_ref()
        .is_some_and(|s| s.expired(state.config.idle_lock()))
    {
        tracing::info!("session ended: idle");
        *session = None;
    }
    Ok(session.clone())
}

/// Whoever is signed in (clerk or supervisor), or `signed_out`.
pub fn signed_in(state: &AppState) -> Result<Session, CommandError> {
    session(state)?
        .ok_or_else(|| CommandError::new("signed_out", "no one is signed in at this counter"))
}

/// A signed-in clerk, or the reason the counter may not verify now.
pub fn clerk(state: &AppState) -> Result<Session, CommandError> {
    if state.config.setup.is_some() {
        return Err(CommandError::new(
            "setup_required",
            "this PC is not set up for a hall yet",
        ));
    }
    match session(state)? {
        Some(s) if s.is_clerk() => Ok(s),
        Some(_) => Err(CommandError::new(
            "not_clerk",
            "a supervisor is signed in; a clerk must sign in to verify",
        )),
        None => Err(CommandError::new(
            "signed_out",
            "no clerk is signed in at this counter",
        )),
    }
}

/// What a scan turned out to be: a credential's verdict, or a brought-back receipt's check.
#[derive(Debug, Serialize)]
pub struct ScanView {
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<VerdictView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<crate::view::ReceiptCheckView>,
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
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(CommandError::new(
            "image_too_large",
            format!(
                "the picture is {} MB; the limit is 32 MB",
                bytes.len() / 1_048_576
            ),
        ));
    }
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

/// The status bar and the screen's settings.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    hall: String,
    counter: String,
    language: String,
    session: Option<SessionView>,
    /// Whether any staff account exists (else the screen explains how IT adds one).
    staff_ready: bool,
    staff_error: Option<String>,
    chain: ChainStatusView,
    log_ok: bool,
    log_error: Option<String>,
    /// The receipt printer: `none` (not set up), `misconfigured`, or the spooler's news.
    printer: &'static str,
    print_status: Option<crate::view::PrintStatusView>,
    /// Receipts waiting to print.
    print_pending: usize,
    auto_print: bool,
    serial: Option<String>,
    scanner_max_gap_ms: u32,
    idle_lock_seconds: u64,
    sound: bool,
    /// What the setup screen must ask for (none: the PC is set up).
    setup: Option<crate::setup::SetupView>,
    hall_name: String,
    /// The applied bundle's version, when the PC runs on one.
    bundle_version: Option<u64>,
}

/// The chain as the status bar tells it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainStatusView {
    /// `online`, `mirror`, `snapshot` or `none`.
    mode: &'static str,
    note: String,
    /// The mirror's block and its time, when there is a mirror.
    mirror_block: Option<u64>,
    mirror_block_time: Option<String>,
    /// When a sync last brought the mirror up to the chain's head.
    synced_at: Option<String>,
    syncing: bool,
    sync_error: Option<String>,
}

/// What the status bar shows.
#[tauri::command]
pub async fn app_status(app: tauri::AppHandle) -> Result<StatusView, CommandError> {
    crate::worker::run(app, app_status_on).await
}

fn app_status_on(state: &AppState) -> Result<StatusView, CommandError> {
    let session = session(state)?;
    let counter = lock(state)?;
    let language = state
        .language
        .lock()
        .map(|l| l.clone())
        .unwrap_or_else(|_| "zh-CN".into());
    let chain = counter.chain();
    let mirror = chain.and_then(|c| c.mirror());
    let cursor = mirror.and_then(|m| m.cursor().ok().flatten());
    let follow = state.follower.as_ref().map(|f| f.current());
    let mode = match chain {
        None => "none",
        Some(c) if c.is_online() => "online",
        Some(_) if mirror.is_some() => "mirror",
        Some(_) if state.config.snapshot.is_some() => "snapshot",
        Some(_) => "none",
    };
    let (staff_ready, staff_error) = match state.staff.lock().as_deref() {
        Ok(Ok(staff)) => (staff.list().map(|l| !l.is_empty()).unwrap_or(false), None),
        Ok(Err(e)) => (false, Some(e.clone())),
        Err(_) => (false, Some("staff state unusable".into())),
    };
    Ok(StatusView {
        hall: state.config.hall.clone(),
        counter: state.config.counter.clone(),
        language,
        session: session.map(|s| s.view()),
        staff_ready,
        staff_error,
        chain: ChainStatusView {
            mode,
            note: chain
                .and_then(|c| c.note.clone())
                .unwrap_or_else(|| state.chain_note.clone()),
            mirror_block: cursor.as_ref().map(|c| c.number),
            mirror_block_time: cursor.as_ref().map(|c| c.time.to_rfc3339()),
            synced_at: mirror
                .and_then(|m| m.synced_at().ok().flatten())
                .map(|t| t.to_rfc3339()),
            syncing: follow.as_ref().is_some_and(|f| f.syncing),
            sync_error: follow.and_then(|f| f.last_error),
        },
        log_ok: counter.station().is_ok(),
        log_error: counter.station().err().map(str::to_string),
        printer: match &state.printing {
            Ok(None) => "none",
            Err(_) => "misconfigured",
            Ok(Some(_)) => "configured",
        },
        print_status: match &state.printing {
            Ok(Some(p)) => Some(crate::view::PrintStatusView::from(&p.status())),
            _ => None,
        },
        print_pending: match &state.printing {
            Ok(Some(p)) => p.pending().map(|j| j.len()).unwrap_or(0),
            _ => 0,
        },
        auto_print: state.config.auto_print,
        serial: state.serial_status.lock().ok().and_then(|s| s.clone()),
        scanner_max_gap_ms: state.config.scanner_gap_ms,
        idle_lock_seconds: state.config.idle_lock().as_secs(),
        sound: state.config.sound,
        setup: state
            .config
            .setup
            .as_ref()
            .map(crate::setup::SetupView::new),
        hall_name: state.config.hall_name(),
        bundle_version: state.config.provisioned.as_ref().map(|(v, _)| *v),
    })
}

/// Signs a member of staff in with their PIN.
#[tauri::command]
pub async fn sign_in(
    app: tauri::AppHandle,
    id: String,
    pin: String,
    role: String,
) -> Result<SessionView, CommandError> {
    crate::worker::run(app, move |state| sign_in_on(state, id, pin, role)).await
}

fn sign_in_on(
    state: &AppState,
    id: String,
    pin: String,
    role: String,
) -> Result<SessionView, CommandError> {
    let role = parse_role(&role)
        .ok_or_else(|| CommandError::new("bad_request", format!("role {role:?}")))?;
    let account = {
        let mut staff = state
            .staff
            .lock()
            .map_err(|_| CommandError::new("internal", "staff state unusable"))?;
        let staff = staff
            .as_mut()
            .map_err(|e| CommandError::new("staff.storage", e.clone()))?;
        staff
            .sign_in(id.trim(), &pin, role, state.config.clock.now())
            .map_err(|e| match &e {
                // The screen counts the minutes left from this.
                countersign_staff::SignInError::Locked { until } => {
                    CommandError::new(e.code(), format!("locked until {}", until.to_rfc3339()))
                }
                _ => CommandError::new(e.code(), e.to_string()),
            })?
    };
    let session = Session::new(account);
    if session.is_clerk() {
        if let Ok(station) = lock(state)?.station_mut() {
            station.set_clerk(session.account.id.clone());
        }
    }
    tracing::info!(id = %session.account.id, clerk = session.is_clerk(), "signed in");
    let view = session.view();
    *state
        .session
        .lock()
        .map_err(|_| CommandError::new("internal", "session state unusable"))? = Some(session);
    Ok(view)
}

/// Ends the session (the clerk's "sign out", or the screen locking itself when idle).
#[tauri::command]
pub fn sign_out(state: State<'_, AppState>, reason: String) -> Result<(), CommandError> {
    let mut session = state
        .session
        .lock()
        .map_err(|_| CommandError::new("internal", "session state unusable"))?;
    if let Some(s) = session.take() {
        tracing::info!(id = %s.account.id, reason = %reason, "signed out");
    }
    Ok(())
}

/// The screen saw input: the session is still attended.
#[tauri::command]
pub fn still_here(state: State<'_, AppState>) -> Result<bool, CommandError> {
    session(&state)?;
    let mut session = state
        .session
        .lock()
        .map_err(|_| CommandError::new("internal", "session state unusable"))?;
    Ok(match session.as_mut() {
        Some(s) => {
            s.last_active = std::time::Instant::now();
            true
        }
        None => false,
    })
}

/// Today's verifications (hall-local day): the clerk's own, or every counter's for a
/// supervisor. Newest first, at most `limit`.
#[tauri::command]
pub async fn today_history(
    app: tauri::AppHandle,
    limit: Option<usize>,
) -> Result<Vec<HistoryRow>, CommandError> {
    crate::worker::run(app, move |state| today_history_on(state, limit)).await
}

fn today_history_on(
    state: &AppState,
    limit: Option<usize>,
) -> Result<Vec<HistoryRow>, CommandError> {
    let Some(session) = session(state)? else {
        return Err(CommandError::new(
            "signed_out",
            "sign in to see the history",
        ));
    };
    let offset = state.config.utc_offset;
    let today = state.config.clock.now().with_timezone(&offset).date_naive();
    let (start, end) = countersign_log::day_bounds(today, offset)
        .map_err(|e| CommandError::new("log", e.to_string()))?;
    let counter = lock(state)?;
    let station = counter
        .station()
        .map_err(|e| CommandError::new("log", e.to_string()))?;
    let entries = station
        .log()
        .entries_between(start, end)
        .map_err(|e| CommandError::new("log", e.to_string()))?;
    Ok(entries
        .iter()
        .rev()
        .filter(|e| !session.is_clerk() || e.entry.clerk == session.account.id)
        .take(limit.unwrap_or(200).min(2000))
        .map(|e| HistoryRow::new(e, offset))
        .collect())
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
