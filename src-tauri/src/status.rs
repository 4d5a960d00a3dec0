//! The status bar: everything the counter depends on (the chain and its mirror, the log, the
//! printer, the scanner, staff, setup) gathered from the app's state into one view
//! (`countersign_views::StatusView`), asked for every few seconds.

use crate::{AppState, CommandError};
use countersign_views::{ChainStatusView, PrintStatusView, SessionView, StatusView};

/// The status bar's view of everything the counter depends on.
pub fn gather(state: &AppState) -> Result<StatusView, CommandError> {
    let session = state.desk.current();
    let mut counter = crate::commands::lock(state)?;
    // Asked every few seconds: the counter closes ended days and signs due checkpoints even
    // when nobody verifies.
    counter.tick(state.config.clock.now());
    let language = state
        .language
        .lock()
        .map(|l| l.clone())
        .unwrap_or_else(|_| "zh-CN".into());
    let chain = counter.chain().map(|c| c.status());
    let follow = state.follower.as_ref().map(|f| f.current());
    let (staff_ready, staff_error) = match state.desk.staff_state() {
        Ok(ready) => (ready, None),
        Err(e) => (false, Some(e)),
    };
    Ok(StatusView {
        hall: state.config.hall.clone(),
        counter: state.config.counter.clone(),
        language,
        session: session.as_ref().map(SessionView::from),
        staff_ready,
        staff_error,
        chain: ChainStatusView {
            mode: chain.as_ref().map_or("none", |c| c.mode),
            note: chain
                .as_ref()
                .and_then(|c| c.note.clone())
                .unwrap_or_else(|| state.chain_note.clone()),
            mirror_block: chain.as_ref().and_then(|c| c.mirror_block).map(|b| b.0),
            mirror_block_time: chain
                .as_ref()
                .and_then(|c| c.mirror_block)
                .map(|b| b.1.to_rfc3339()),
            synced_at: chain
                .as_ref()
                .and_then(|c| c.synced_at)
                .map(|t| t.to_rfc3339()),
            syncing: follow.as_ref().is_some_and(|f| f.syncing),
            node_faults: chain
                .as_ref()
                .map(|c| c.faults.clone())
                .into_iter()
                .flatten()
                .chain(
                    follow
                        .as_ref()
                        .map(|f| f.faults.clone())
                        .into_iter()
                        .flatten(),
                )
                .collect(),
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
            Ok(Some(p)) => Some(PrintStatusView::from(&p.status())),
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
        setup: state.config.setup.as_ref().map(crate::setup::view),
        hall_name: state.config.hall_name(),
        bundle_version: state.config.provisioned.as_ref().map(|(v, _)| *v),
    })
}
