//! Receipts on a thermal printer over ESC/POS: a loopback printer records the bytes, the
//! ESC/POS interpreter recovers the text and the QR payload (native on 80 mm, a raster on
//! 58 mm, decoded from the picture), and the receipt's signature verifies; paper out makes the
//! job wait until the printer is ready again.

mod common;

use chrono::Utc;
use common::{hall, job, receipts_in, signed};
use countersign_devprinter::{EscPosListener, StatusBytes};
use countersign_escpos::interpret::{interpret, pictures, text_lines, Item};
use countersign_printdoc::{fonts::Fonts, Paper};
use countersign_printing::{
    PrintError, PrintOutcome, PrintQueue, PrinterConfig, PrinterState, Spooler,
};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn spooler_for(queue: &Path, address: &str, paper: Paper) -> Spooler {
    let printer = PrinterConfig::new(address, paper)
        .expect("address")
        .open(Arc::new(Fonts::default()))
        .expect("printer");
    Spooler::new(PrintQueue::open(queue).expect("queue"), printer, hall())
}

/// The QR payloads in a job: native codes as sent, raster pictures decoded.
fn codes(items: &[Item]) -> Vec<String> {
    let mut out: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Item::Qr(qr) => Some(String::from_utf8_lossy(&qr.data).into_owned()),
            _ => None,
        })
        .collect();
    for picture in pictures(items) {
        let img = image::DynamicImage::ImageLuma8(picture);
        out.extend(countersign_qr::decode_image(&img).unwrap_or_default());
    }
    out
}

#[test]
fn an_80mm_receipt_prints_with_a_native_qr_that_verifies() {
    let dir = tempfile::tempdir().expect("dir");
    let printer = EscPosListener::start(StatusBytes::READY).expect("listener");
    let mut spooler = spooler_for(
        &dir.path().join("q.sqlite"),
        &printer.address(),
        Paper::Roll80,
    );
    assert_eq!(spooler.printer_status(), PrinterState::Ready);
    let id = spooler
        .queue()
        .enqueue(
            &job("R20261125-ESC00001", &printer.address(), "80mm", false),
            Utc::now(),
        )
        .expect("queue");
    assert_eq!(
        spooler.run_one(Utc::now()).expect("run"),
        Some(PrintOutcome::Printed(id))
    );
    let jobs = printer
        .wait_for_jobs(1, Duration::from_secs(10))
        .expect("job");
    let items = interpret(&jobs[0]).expect("interpret");
    let lines = text_lines(&items).join("\n");
    assert!(
        lines.contains("证照核验回执 Verification receipt"),
        "{lines}"
    );
    assert!(lines.contains("有效 VALID"), "{lines}");
    assert!(items.iter().any(|i| matches!(i, Item::Qr(_))), "native QR");
    assert!(items.iter().any(|i| matches!(i, Item::Cut { .. })), "cut");
    assert_eq!(
        receipts_in(&codes(&items)),
        vec![signed("R20261125-ESC00001")]
    );
}

#[test]
fn a_58mm_receipt_prints_its_qr_as_a_raster_that_decodes() {
    let dir = tempfile::tempdir().expect("dir");
    let printer = EscPosListener::start(StatusBytes::READY).expect("listener");
    let mut spooler = spooler_for(
        &dir.path().join("q.sqlite"),
        &printer.address(),
        Paper::Roll58,
    );
    spooler
        .queue()
        .enqueue(
            &job("R20261125-ESC00002", &printer.address(), "58mm", true),
            Utc::now(),
        )
        .expect("queue");
    assert!(matches!(
        spooler.run_one(Utc::now()),
        Ok(Some(PrintOutcome::Printed(_)))
    ));
    let jobs = printer
        .wait_for_jobs(1, Duration::from_secs(10))
        .expect("job");
    let items = interpret(&jobs[0]).expect("interpret");
    assert!(
        !items.iter().any(|i| matches!(i, Item::Qr(_))),
        "no native QR on the 58 mm preset"
    );
    assert!(text_lines(&items).iter().any(|l| l.contains("副本 COPY")));
    assert_eq!(
        receipts_in(&codes(&items)),
        vec![signed("R20261125-ESC00002")]
    );
}

#[test]
fn paper_out_keeps_the_job_waiting_until_the_printer_is_ready() {
    let dir = tempfile::tempdir().expect("dir");
    let printer = EscPosListener::start(StatusBytes::PAPER_OUT).expect("listener");
    let mut spooler = spooler_for(
        &dir.path().join("q.sqlite"),
        &printer.address(),
        Paper::Roll80,
    );
    assert_eq!(spooler.printer_status(), PrinterState::PaperOut);
    let id = spooler
        .queue()
        .enqueue(
            &job("R20261125-ESC00003", &printer.address(), "80mm", false),
            Utc::now(),
        )
        .expect("queue");
    assert_eq!(
        spooler.run_one(Utc::now()).expect("run"),
        Some(PrintOutcome::Waiting(id, PrintError::PaperOut))
    );
    assert!(
        printer.jobs().is_empty(),
        "nothing sent to a printer without paper"
    );
    printer.set_status(StatusBytes::COVER_OPEN);
    spooler.queue().retry(id, Utc::now()).expect("retry");
    assert_eq!(
        spooler.run_one(Utc::now()).expect("run"),
        Some(PrintOutcome::Waiting(id, PrintError::CoverOpen))
    );
    printer.set_status(StatusBytes::READY);
    spooler.queue().retry(id, Utc::now()).expect("retry");
    assert_eq!(
        spooler.run_one(Utc::now()).expect("run"),
        Some(PrintOutcome::Printed(id))
    );
    let jobs = printer
        .wait_for_jobs(1, Duration::from_secs(10))
        .expect("job");
    let items = interpret(&jobs[0]).expect("interpret");
    assert_eq!(receipts_in(&codes(&items)).len(), 1);
}

#[test]
fn a_printer_that_is_not_there_is_unreachable() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let address = format!("escpos+tcp://127.0.0.1:{port}");
    let mut spooler = spooler_for(&dir.path().join("q.sqlite"), &address, Paper::Roll80);
    assert!(matches!(spooler.printer_status(), PrinterState::Offline(_)));
    spooler
        .queue()
        .enqueue(
            &job("R20261125-ESC00004", &address, "80mm", false),
            Utc::now(),
        )
        .expect("queue");
    assert!(matches!(
        spooler.run_one(Utc::now()),
        Ok(Some(PrintOutcome::Waiting(_, PrintError::Unreachable(_))))
    ));
}

#[test]
fn the_spooler_thread_prints_what_is_queued_and_retries_when_the_printer_is_back() {
    let dir = tempfile::tempdir().expect("dir");
    let printer = EscPosListener::start(StatusBytes::PAPER_OUT).expect("listener");
    let queue_file = dir.path().join("q.sqlite");
    let thread = countersign_printing::SpoolerThread::spawn(
        spooler_for(&queue_file, &printer.address(), Paper::Roll80),
        |_| {},
    );
    // The front end's own connection to the queue.
    let queue = PrintQueue::open(&queue_file).expect("queue");
    let id = queue
        .enqueue(
            &job("R20261125-ESC00005", &printer.address(), "80mm", false),
            Utc::now(),
        )
        .expect("queue");
    thread.nudge();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while thread.status().last.is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the job was never tried"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = thread.status();
    assert_eq!(status.printer, Some(PrinterState::PaperOut));
    assert_eq!(
        status.last,
        Some(PrintOutcome::Waiting(id, PrintError::PaperOut))
    );
    let waiting = queue.get(id).expect("job").expect("job");
    assert_eq!(waiting.error.as_deref(), Some("paper_out"));
    // Paper loaded; the clerk presses Retry.
    printer.set_status(StatusBytes::READY);
    queue.retry(id, Utc::now()).expect("retry");
    thread.nudge();
    printer
        .wait_for_jobs(1, Duration::from_secs(10))
        .expect("printed");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while thread.status().last != Some(PrintOutcome::Printed(id)) {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            thread.status()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(queue.pending().expect("pending").is_empty());
    drop(thread);
}
