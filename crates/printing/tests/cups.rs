//! Receipts through a real CUPS: the test's own cupsd on loopback with a cups-pdf queue. The
//! PDF the queue writes is rendered with pdftoppm, its QR code decoded and the receipt's
//! signature verified; a stopped queue leaves the job waiting, across a restart, until retried.

mod common;

use chrono::Utc;
use common::{hall, job, receipts_in, signed};
use countersign_devprinter::CupsServer;
use countersign_printdoc::{fonts::Fonts, Paper};
use countersign_printing::{
    JobState, PrintError, PrintOutcome, PrintQueue, PrinterConfig, PrinterState, Spooler,
};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

fn spooler_for(queue: &Path, uri: &str, paper: Paper) -> Spooler {
    let printer = PrinterConfig::new(uri, paper)
        .expect("address")
        .open(Arc::new(Fonts::default()))
        .expect("printer");
    Spooler::new(PrintQueue::open(queue).expect("queue"), printer, hall())
}

/// The QR codes on the PDF's pages, rendered at 200 dpi.
fn page_codes(pdf: &Path, dir: &Path) -> Vec<String> {
    let prefix = dir.join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm: run scripts/system-packages.sh");
    assert!(status.success());
    let mut codes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = entry.path();
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("page"))
        {
            codes.extend(countersign_qr::decode_file(&p).unwrap_or_default());
            std::fs::remove_file(&p).expect("rm");
        }
    }
    codes
}

#[test]
fn a_receipt_prints_through_cups_and_its_qr_verifies() {
    let dir = tempfile::tempdir().expect("dir");
    let cups = CupsServer::start(dir.path(), "front").expect("cupsd");
    let mut spooler = spooler_for(&dir.path().join("q.sqlite"), &cups.uri(), Paper::A6);
    assert_eq!(spooler.printer_status(), PrinterState::Ready);
    let id = spooler
        .queue()
        .enqueue(
            &job("R20261125-CUPS0001", &cups.uri(), "a6", false),
            Utc::now(),
        )
        .expect("queue");
    assert_eq!(
        spooler.run_one(Utc::now()).expect("run"),
        Some(PrintOutcome::Printed(id))
    );
    let pdfs = cups
        .wait_for_outputs(1, Duration::from_secs(60))
        .expect("PDF");
    // What cups-pdf writes went through pdftops and Ghostscript: its glyphs are Type 3
    // outlines without a Unicode map, so the page is read as a picture, as a person would.
    let codes = page_codes(&pdfs[0], dir.path());
    let receipts = receipts_in(&codes);
    assert_eq!(
        receipts,
        vec![signed("R20261125-CUPS0001")],
        "codes: {codes:?}"
    );

    // A reprint (marked COPY: see the unit tests of document_for) prints its own page.
    spooler
        .queue()
        .enqueue(
            &job("R20261125-CUPS0001", &cups.uri(), "a6", true),
            Utc::now(),
        )
        .expect("queue");
    assert!(matches!(
        spooler.run_one(Utc::now()),
        Ok(Some(PrintOutcome::Printed(_)))
    ));
    let pdfs = cups
        .wait_for_outputs(2, Duration::from_secs(60))
        .expect("PDF");
    let codes = page_codes(&pdfs[1], dir.path());
    assert_eq!(receipts_in(&codes), vec![signed("R20261125-CUPS0001")]);
}

#[test]
fn a_stopped_printer_keeps_the_job_waiting_across_a_restart_until_retried() {
    let dir = tempfile::tempdir().expect("dir");
    let cups = CupsServer::start(dir.path(), "front").expect("cupsd");
    let queue_file = dir.path().join("q.sqlite");
    cups.disable("out of order").expect("disable");
    let mut spooler = spooler_for(&queue_file, &cups.uri(), Paper::Roll80);
    assert!(
        matches!(spooler.printer_status(), PrinterState::Offline(ref why) if why.contains("out of order")),
        "{:?}",
        spooler.printer_status()
    );
    let id = spooler
        .queue()
        .enqueue(
            &job("R20261125-CUPS0002", &cups.uri(), "80mm", false),
            Utc::now(),
        )
        .expect("queue");
    let outcome = spooler.run_one(Utc::now()).expect("run");
    assert!(
        matches!(outcome, Some(PrintOutcome::Waiting(i, PrintError::Offline(_))) if i == id),
        "{outcome:?}"
    );
    assert!(cups.outputs().is_empty(), "nothing printed");
    drop(spooler);

    // The app restarts: the job is still there, waiting, with its reason.
    let mut spooler = spooler_for(&queue_file, &cups.uri(), Paper::Roll80);
    let pending = spooler.queue().pending().expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].state, JobState::Waiting);
    assert_eq!(pending[0].error.as_deref(), Some("offline"));
    // Not due yet: it waits its retry time.
    assert_eq!(spooler.run_one(Utc::now()).expect("run"), None);

    cups.enable().expect("enable");
    spooler.queue().retry(id, Utc::now()).expect("retry");
    assert_eq!(
        spooler.run_one(Utc::now()).expect("run"),
        Some(PrintOutcome::Printed(id))
    );
    let pdfs = cups
        .wait_for_outputs(1, Duration::from_secs(60))
        .expect("PDF");
    let codes = page_codes(&pdfs[0], dir.path());
    assert_eq!(receipts_in(&codes), vec![signed("R20261125-CUPS0002")]);
}

#[test]
fn nothing_listening_is_unreachable_and_the_job_waits() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let uri = format!("ipp://127.0.0.1:{port}/printers/none");
    let mut spooler = spooler_for(&dir.path().join("q.sqlite"), &uri, Paper::A4);
    assert!(matches!(spooler.printer_status(), PrinterState::Offline(_)));
    spooler
        .queue()
        .enqueue(&job("R20261125-CUPS0003", &uri, "a4", false), Utc::now())
        .expect("queue");
    let outcome = spooler.run_one(Utc::now()).expect("run");
    assert!(
        matches!(
            outcome,
            Some(PrintOutcome::Waiting(_, PrintError::Unreachable(_)))
        ),
        "{outcome:?}"
    );
}
