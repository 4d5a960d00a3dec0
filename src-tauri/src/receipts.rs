//! The commands for receipts: print (or reprint) a logged verification's receipt, preview
//! it, the print queue (list, retry, cancel), the test page, and checking a receipt someone
//! brings back. Each is a few lines over `countersign-station` and `countersign-printing`.
//! Receipts are signed with the hall key's own algorithm (Ed25519 or SM2) and checked under
//! the algorithms the counter verifies credentials under.

use crate::commands::{clerk, lock, signed_in, with_station};
use crate::{AppState, CommandError};
use countersign_station::printing::{
    self as print_flow, PrintFlowError, PrintRequest, PrintTarget,
};
use countersign_station::receipts::{check, CheckContext, CheckError, TrustedHall};
use countersign_station::review::Actor;
use countersign_views::{PrintJobView, PrintStatusView, PrinterPanelView, ReceiptCheckView};

fn printing(state: &AppState) -> Result<&crate::printing::Printing, CommandError> {
    match &state.printing {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(CommandError::new(
            "print.none",
            "no receipt printer is set up",
        )),
        Err(e) => Err(CommandError::new("print.error.bad_address", e.clone())),
    }
}

fn hall_key(state: &AppState) -> Result<&countersign_hallkey::HallKey, CommandError> {
    state
        .hall_key
        .as_ref()
        .map_err(|e| CommandError::new("hall_key", e.clone()))
}

fn print_flow_error(e: PrintFlowError) -> CommandError {
    match e {
        PrintFlowError::NoReceipt(_) => CommandError::new("receipt.none", e.to_string()),
        PrintFlowError::Sign(_) => CommandError::new("receipt.sign", e.to_string()),
        PrintFlowError::Log(_) => CommandError::new("log", e.to_string()),
        PrintFlowError::Queue(_) => CommandError::new("print.queue", e.to_string()),
        PrintFlowError::Render(_) => CommandError::new("receipt.render", e.to_string()),
    }
}

/// Queues the receipt of logged entry `seq` (a reprint when `copy`) for `clerk`, through the
/// counter's flow (`countersign_station::printing`): COPY when printed before, audited.
pub fn queue_receipt(
    state: &AppState,
    seq: u64,
    copy: bool,
    clerk: &str,
) -> Result<PrintJobView, CommandError> {
    let (printer, key) = (printing(state)?, hall_key(state)?);
    let clerk = Actor {
        id: clerk.into(),
        role: "clerk".into(),
    };
    let request = PrintRequest {
        seq,
        copy_asked: copy,
        clerk: &clerk,
        target: PrintTarget {
            printer: &printer.address,
            paper: printer.paper.as_str(),
            counter: &state.config.counter,
        },
    };
    let queued = {
        let mut counter = lock(state)?;
        let station = counter
            .station_mut()
            .map_err(|e| CommandError::new("log", e.to_string()))?;
        printer
            .with_queue(|queue| {
                print_flow::queue_receipt(
                    station.log_mut(),
                    queue,
                    key.signing_key(),
                    &request,
                    state.config.clock.now(),
                )
            })
            .map_err(|e| CommandError::new("print.queue", e))?
            .map_err(print_flow_error)?
    };
    job_view(state, printer, queued.job)
}

fn job_view(
    state: &AppState,
    printing: &crate::printing::Printing,
    id: i64,
) -> Result<PrintJobView, CommandError> {
    let job = printing
        .job(id)
        .map_err(|e| CommandError::new("print.queue", e))?
        .ok_or_else(|| CommandError::new("print.queue", format!("job {id} vanished")))?;
    Ok(PrintJobView::new(&job, state.config.utc_offset))
}

/// Prints the receipt of logged entry `seq`; `copy` marks a reprint.
#[tauri::command]
pub async fn print_receipt(
    app: tauri::AppHandle,
    seq: u64,
    copy: bool,
) -> Result<PrintJobView, CommandError> {
    crate::worker::run(app, move |state| print_receipt_on(state, seq, copy)).await
}

fn print_receipt_on(state: &AppState, seq: u64, copy: bool) -> Result<PrintJobView, CommandError> {
    let clerk = clerk(state)?;
    queue_receipt(state, seq, copy, &clerk.account.id)
}

/// One print job, to follow it.
#[tauri::command]
pub async fn print_job(app: tauri::AppHandle, id: i64) -> Result<PrintJobView, CommandError> {
    crate::worker::run(app, move |state| print_job_on(state, id)).await
}

fn print_job_on(state: &AppState, id: i64) -> Result<PrintJobView, CommandError> {
    signed_in(state)?;
    job_view(state, printing(state)?, id)
}

/// The receipt of logged entry `seq` as the printer will print it (a PNG picture).
#[tauri::command]
pub async fn receipt_preview(
    app: tauri::AppHandle,
    seq: u64,
    copy: bool,
) -> Result<tauri::ipc::Response, CommandError> {
    crate::worker::run(app, move |state| {
        signed_in(state)?;
        let (key, options) = (hall_key(state)?.signing_key(), compose_options(state, copy));
        let png = with_station(state, |s| {
            print_flow::preview_png(s.log(), key, seq, &options, &state.fonts)
        })?;
        Ok(tauri::ipc::Response::new(png.map_err(print_flow_error)?))
    })
    .await
}

/// How this counter lays its receipts out: its printer's paper and heading, or the
/// configured ones when no printer is set up (a preview still shows what would print).
fn compose_options(state: &AppState, copy: bool) -> countersign_receipt::ComposeOptions {
    let (paper, heading) = match &state.printing {
        Ok(Some(p)) => (p.paper, p.heading.clone()),
        _ => (
            state.config.paper,
            countersign_printing::HallHeading {
                name: state.config.hall_name(),
                utc_offset: state.config.utc_offset,
            },
        ),
    };
    countersign_receipt::ComposeOptions {
        paper,
        hall_name: heading.name,
        utc_offset: heading.utc_offset,
        reprinted_at: copy.then(|| state.config.clock.now()),
    }
}

/// The printer panel.
#[tauri::command]
pub async fn printer_panel(app: tauri::AppHandle) -> Result<PrinterPanelView, CommandError> {
    crate::worker::run(app, printer_panel_on).await
}

fn printer_panel_on(state: &AppState) -> Result<PrinterPanelView, CommandError> {
    signed_in(state)?;
    panel(state)
}

/// The panel as the printer and its queue stand now.
fn panel(state: &AppState) -> Result<PrinterPanelView, CommandError> {
    let (configured, config_error, address, status, jobs) = match &state.printing {
        Ok(Some(p)) => (
            true,
            None,
            Some(p.address.clone()),
            Some(PrintStatusView::from(&p.status())),
            p.pending()
                .map_err(|e| CommandError::new("print.queue", e))?
                .iter()
                .map(|j| PrintJobView::new(j, state.config.utc_offset))
                .collect(),
        ),
        Ok(None) => (false, None, None, None, vec![]),
        Err(e) => (
            true,
            Some(e.clone()),
            state.config.printer.clone(),
            None,
            vec![],
        ),
    };
    Ok(PrinterPanelView {
        configured,
        config_error,
        address,
        paper: state.config.paper.as_str(),
        auto_print: state.config.auto_print,
        status,
        jobs,
        hall_key: state.hall_key.as_ref().ok().map(|k| k.public_hex()),
    })
}

fn queue_error(e: countersign_printing::QueueError) -> CommandError {
    CommandError::new("print.queue", e.to_string())
}

/// Tries a waiting job again now.
#[tauri::command]
pub async fn retry_print(app: tauri::AppHandle, id: i64) -> Result<(), CommandError> {
    crate::worker::run(app, move |state| retry_print_on(state, id)).await
}

fn retry_print_on(state: &AppState, id: i64) -> Result<(), CommandError> {
    signed_in(state)?;
    printing(state)?.retry(id).map_err(queue_error)
}

/// Gives up on a job that has not printed.
#[tauri::command]
pub async fn cancel_print(app: tauri::AppHandle, id: i64) -> Result<(), CommandError> {
    crate::worker::run(app, move |state| cancel_print_on(state, id)).await
}

fn cancel_print_on(state: &AppState, id: i64) -> Result<(), CommandError> {
    let who = signed_in(state)?;
    printing(state)?.cancel(id).map_err(queue_error)?;
    tracing::info!(job = id, by = %who.account.id, "print job cancelled");
    Ok(())
}

/// Prints the printer test page.
#[tauri::command]
pub async fn print_test_page(app: tauri::AppHandle) -> Result<PrintJobView, CommandError> {
    crate::worker::run(app, move |state| {
        let (actor, printer) = (actor(&signed_in(state)?), printing(state)?);
        let now = state.config.clock.now();
        let id = printer
            .with_queue(|q| print_flow::queue_test_page(q, &actor, &target(state, printer), now))
            .map_err(|e| CommandError::new("print.queue", e))?
            .map_err(print_flow_error)?;
        job_view(state, printer, id)
    })
    .await
}

/// Whoever is signed in, as the audit trail and the queue name them.
fn actor(who: &countersign_station::desk::Session) -> Actor {
    Actor {
        id: who.account.id.clone(),
        role: who.role_name().into(),
    }
}

/// Where this counter's jobs print.
fn target<'a>(state: &'a AppState, printer: &'a crate::printing::Printing) -> PrintTarget<'a> {
    PrintTarget {
        printer: &printer.address,
        paper: printer.paper.as_str(),
        counter: &state.config.counter,
    }
}

/// A hall's public key in hex as `COUNTERSIGN_TRUST` gives it: 64 digits an Ed25519 key, 66 an
/// SM2 key (compressed).
fn public_key(hex: &str) -> Option<countersign_hallkey::PublicKey> {
    use countersign_hallkey::{PublicKey, SigAlg};
    let bytes = hex::decode(hex.trim().trim_start_matches("0x")).ok()?;
    let alg = SigAlg::ALL
        .into_iter()
        .find(|a| a.public_key_len() == bytes.len())?;
    PublicKey::from_bytes(alg, &bytes).ok()
}

/// The hall keys this counter trusts for receipts: its own, and the ones it was given.
fn trusted(state: &AppState) -> Vec<TrustedHall> {
    let mut out: Vec<TrustedHall> = state
        .hall_key
        .as_ref()
        .ok()
        .map(|k| TrustedHall {
            hall: k.hall().to_string(),
            name: state.config.hall_name(),
            key: k.public(),
        })
        .into_iter()
        .collect();
    for t in &state.config.trust {
        let parsed = t.split_once('=').and_then(|(hall, hex)| {
            let key = public_key(hex)?;
            Some(TrustedHall {
                hall: hall.trim().to_string(),
                name: hall.trim().to_string(),
                key,
            })
        });
        match parsed {
            Some(hall) => out.push(hall),
            None => tracing::warn!("COUNTERSIGN_TRUST entry {t:?} is not HALL=HEX; ignored"),
        }
    }
    out
}

pub fn check_input(state: &AppState, input: &[u8]) -> Result<ReceiptCheckView, CommandError> {
    signed_in(state)?;
    let trusted = trusted(state);
    let counter = lock(state)?;
    let mirror = counter.chain().and_then(|c| c.mirror());
    let own = counter
        .station()
        .ok()
        .map(|s| (state.config.hall.as_str(), s.log()));
    let context = CheckContext {
        trusted: &trusted,
        mirror,
        own,
        policy: counter.algorithms(),
    };
    match check(input, &context) {
        Ok(report) => {
            tracing::info!(receipt = %report.signed.receipt.id, finding = ?report.finding, "receipt checked");
            Ok(ReceiptCheckView::new(&report, state.config.utc_offset))
        }
        Err(CheckError::Receipt(e)) => Ok(ReceiptCheckView::not_genuine(e.to_string())),
        Err(CheckError::Picture(e)) => Err(CommandError::new("receipt.picture", e)),
        Err(CheckError::Log(e)) => Err(CommandError::new("log", e)),
    }
}
