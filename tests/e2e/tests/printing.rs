//! Receipts from the real app: printed through the test's own CUPS (a cups-pdf queue) and on
//! a loopback ESC/POS thermal printer; each printed QR code is read back (from the rendered
//! PDF page, or from the ESC/POS stream) and checked in the app's receipt mode, which finds it
//! genuine and matching the log. A printer out of paper keeps the receipt queued, with the
//! reason on screen, across an app restart, until the clerk retries.

use countersign_devprinter::{CupsServer, EscPosListener, StatusBytes};
use countersign_e2e::{demo, payload, staff, App, CLERK};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

async fn start(data: &Path, printer: &str, paper: &str, auto_print: bool) -> App {
    // The accounts are made once per data folder (the second start is a restart).
    let existing = data.join("staff.sqlite");
    let staff = if existing.exists() {
        existing
    } else {
        staff(data).expect("staff accounts")
    };
    let app = App::start(&[
        ("COUNTERSIGN_DATA_DIR", data.display().to_string()),
        (
            "COUNTERSIGN_SNAPSHOT",
            demo("registry-snapshot.json").display().to_string(),
        ),
        ("COUNTERSIGN_STAFF_DB", staff.display().to_string()),
        ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
        ("COUNTERSIGN_HALL_NAME", "北京市朝阳区政务服务中心".into()),
        ("COUNTERSIGN_COUNTER", "3".into()),
        ("COUNTERSIGN_PRINTER", printer.into()),
        ("COUNTERSIGN_PAPER", paper.into()),
        // Typing a 450-character receipt code through WebDriver on a busy 2-core machine.
        ("COUNTERSIGN_SCANNER_GAP_MS", "250".into()),
        (
            "COUNTERSIGN_AUTO_PRINT",
            if auto_print { "1" } else { "0" }.into(),
        ),
    ])
    .await
    .expect("the app starts under tauri-driver");
    app.text_of("#signin-title", WAIT).await.expect("sign-in");
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    app
}

/// The PDF's first page rendered at 200 dpi in grey, as a PNG file named after `name`.
fn pdf_page(pdf: &Path, dir: &Path, name: &str) -> std::path::PathBuf {
    let prefix = dir.join(name);
    let status = Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png", "-singlefile"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm (scripts/system-packages.sh)");
    assert!(status.success());
    prefix.with_extension("png")
}

/// The QR codes on a PDF's first page, rendered at 200 dpi.
fn pdf_codes(pdf: &Path, dir: &Path) -> Vec<String> {
    let name = format!(
        "page-{}",
        pdf.file_stem()
            .map(|s| s.to_string_lossy().len())
            .unwrap_or(0)
    );
    let png = pdf_page(pdf, dir, &name);
    let codes = countersign_qr::decode_file(&png).unwrap_or_default();
    let _ = std::fs::remove_file(png);
    codes
}

/// Checks `receipt` (its QR text) in the app's receipt mode, typed as a scanner types it.
async fn check_in_app(app: &App, receipt: &str, shot: &str) -> String {
    app.press("\u{E00C}").await.expect("Escape");
    app.press("k").await.expect("K");
    app.text_of("#receipt-hint", WAIT)
        .await
        .expect("receipt mode");
    app.scan(receipt).await.expect("scan the receipt");
    let finding = match app.text_of("#receipt-finding", WAIT).await {
        Ok(f) => f,
        Err(e) => {
            let _ = app.screenshot(&format!("{shot}-failed")).await;
            let state = app
                .execute(
                    "return document.getElementById('screen').dataset.state + ' | ' + document.getElementById('error-text').textContent + ' | ' + document.body.dataset.lastScan;",
                    vec![],
                )
                .await;
            panic!("no receipt finding ({e}); screen: {state:?}");
        }
    };
    app.screenshot(shot).await.expect("screenshot");
    finding
}

#[tokio::test(flavor = "current_thread")]
async fn a_receipt_prints_through_cups_and_its_printed_qr_checks_genuine() {
    let data = tempfile::tempdir().expect("temp dir");
    let cups_dir = data.path().join("cups");
    std::fs::create_dir_all(&cups_dir).expect("dir");
    let cups = CupsServer::start(&cups_dir, "counter3").expect("cupsd");
    let app = start(data.path(), &cups.uri(), "a6", false).await;

    app.scan(&payload("valid-diploma")).await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "有效"
    );
    // V: the preview is the receipt as it will print.
    app.press("v").await.expect("V");
    let loaded = app
        .execute(
            "const i = document.getElementById('preview-image'); return i.complete && i.naturalWidth > 0;",
            vec![],
        )
        .await
        .expect("preview");
    let mut tries = 0;
    let mut loaded = loaded.as_bool() == Some(true);
    while !loaded && tries < 100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        loaded = app
            .execute(
                "const i = document.getElementById('preview-image'); return i.complete && i.naturalWidth > 0;",
                vec![],
            )
            .await
            .expect("preview")
            .as_bool()
            == Some(true);
        tries += 1;
    }
    assert!(loaded, "the preview picture loaded");
    app.screenshot("receipt-preview").await.expect("screenshot");
    app.click("#preview-close").await.expect("close preview");

    // P: printed through CUPS; the screen follows the job to the end.
    app.press("p").await.expect("P");
    let line = app
        .text_until("#print-line", Duration::from_secs(90), |t| {
            t == "回执已打印"
        })
        .await
        .expect("printed");
    assert_eq!(line, "回执已打印");
    app.screenshot("receipt-printed-cups")
        .await
        .expect("screenshot");
    let pdfs = cups
        .wait_for_outputs(1, Duration::from_secs(60))
        .expect("PDF");
    let codes = pdf_codes(&pdfs[0], data.path());
    let receipt = codes
        .iter()
        .find(|c| c.starts_with("CSR1:"))
        .unwrap_or_else(|| panic!("no receipt QR on the printed page: {codes:?}"))
        .clone();

    // The printed receipt, scanned back at the counter: genuine, and it is log entry 1.
    assert_eq!(
        check_in_app(&app, &receipt, "receipt-check-genuine").await,
        "回执真实"
    );
    let details = app
        .text_of("#receipt-details", WAIT)
        .await
        .expect("details");
    assert!(details.contains("与本厅核验记录 #1 一致"), "{details}");
    assert!(
        details.contains("签发：北京市朝阳区政务服务中心"),
        "{details}"
    );

    // A receipt altered by one character is not genuine.
    let mut forged: Vec<char> = receipt.chars().collect();
    let i = forged.len() - 20;
    forged[i] = if forged[i] == '7' { '8' } else { '7' };
    let forged: String = forged.into_iter().collect();
    app.scan(&forged).await.expect("scan the forgery");
    app.text_until("#receipt-finding", WAIT, |t| t == "回执不真实")
        .await
        .expect("not genuine");
    app.screenshot("receipt-check-forged")
        .await
        .expect("screenshot");

    // History: a reprint, marked as a copy, from the same signed receipt.
    app.press("\u{E00C}").await.expect("Escape");
    app.press("h").await.expect("H");
    app.text_of("#history-title", WAIT).await.expect("history");
    app.click("#history-rows button.reprint")
        .await
        .expect("reprint");
    let pdfs = cups
        .wait_for_outputs(2, Duration::from_secs(90))
        .expect("reprint PDF");
    let again = pdf_codes(&pdfs[1], data.path());
    assert!(
        again.contains(&receipt),
        "the copy carries the same receipt: {again:?}"
    );

    // A photo of the printed receipt dropped on the counter's screen is a receipt brought
    // back: checked as one, not verified and logged as a failed credential.
    app.press("\u{E00C}").await.expect("Escape");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    let photo = pdf_page(&pdfs[0], data.path(), "receipt-photo");
    app.drop_file(&photo, "image/png")
        .await
        .expect("drop the photo");
    app.text_until("#receipt-finding", WAIT, |t| t == "回执真实")
        .await
        .expect("checked as a receipt");
    app.screenshot("receipt-photo-dropped")
        .await
        .expect("screenshot");
    // Nothing was logged for it: the next verification is entry 2.
    app.press("\u{E00C}").await.expect("Escape");
    app.scan(&payload("valid-business-licence"))
        .await
        .expect("scan");
    assert_eq!(
        app.text_of("#logged-line", WAIT).await.expect("logged"),
        "已记录 #2"
    );

    // The printer panel: the printer is ready, nothing waits, and the test page prints.
    app.press("\u{E00C}").await.expect("Escape");
    app.press("q").await.expect("Q");
    assert_eq!(
        app.text_until("#printer-state", WAIT, |t| t != "—")
            .await
            .expect("state"),
        "打印机就绪"
    );
    app.text_of("#printer-jobs-empty", WAIT)
        .await
        .expect("nothing waits");
    app.screenshot("printer-panel").await.expect("screenshot");
    app.click("#printer-test").await.expect("test page");
    cups.wait_for_outputs(3, Duration::from_secs(90))
        .expect("test page PDF");
    app.close().await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_thermal_printer_out_of_paper_keeps_the_receipt_across_a_restart_until_retried() {
    let data = tempfile::tempdir().expect("temp dir");
    let printer = EscPosListener::start(StatusBytes::PAPER_OUT).expect("printer");
    let app = start(data.path(), &printer.address(), "80mm", true).await;

    // Auto-print: the receipt cannot print, the clerk is told why, and the verdict stands.
    app.scan(&payload("valid-residence-permit"))
        .await
        .expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "有效"
    );
    let line = app
        .text_until("#print-line", WAIT, |t| t.starts_with("回执未打印"))
        .await
        .expect("waiting");
    assert!(line.contains("打印机缺纸"), "{line}");
    app.text_until("#status-devices", WAIT, |t| t.contains("待打印 1 张"))
        .await
        .expect("status bar");
    app.screenshot("receipt-paper-out")
        .await
        .expect("screenshot");
    assert!(
        printer.jobs().is_empty(),
        "nothing sent to a printer without paper"
    );
    app.close().await;

    // The app restarts: the receipt is still queued, with its reason.
    let app = start(data.path(), &printer.address(), "80mm", true).await;
    app.press("q").await.expect("Q");
    // The spooler tries the queued receipt again at start (the panel follows its news).
    let jobs = app
        .text_until("#printer-jobs", WAIT, |t| {
            t.contains("等待重试") && t.contains("打印机缺纸")
        })
        .await
        .expect("jobs");
    assert!(jobs.contains("打印机缺纸"), "{jobs}");
    app.screenshot("printer-panel-waiting")
        .await
        .expect("screenshot");

    // Paper loaded; the clerk presses Retry: it prints.
    printer.set_status(StatusBytes::READY);
    app.click("#printer-jobs button.retry_print")
        .await
        .expect("retry");
    let jobs = printer
        .wait_for_jobs(1, Duration::from_secs(30))
        .expect("printed");
    app.text_of("#printer-jobs-empty", WAIT)
        .await
        .expect("the queue empties");
    let items = countersign_escpos::interpret::interpret(&jobs[0]).expect("ESC/POS");
    let lines = countersign_escpos::interpret::text_lines(&items).join("\n");
    assert!(lines.contains("居住证 Residence permit"), "{lines}");
    let receipt = items
        .iter()
        .find_map(|i| match i {
            countersign_escpos::interpret::Item::Qr(q) => {
                Some(String::from_utf8_lossy(&q.data).into_owned())
            }
            _ => None,
        })
        .expect("a native QR code");
    assert_eq!(
        check_in_app(&app, &receipt, "receipt-check-thermal").await,
        "回执真实"
    );
    let details = app
        .text_of("#receipt-details", WAIT)
        .await
        .expect("details");
    assert!(details.contains("与本厅核验记录 #1 一致"), "{details}");
    app.close().await;
}
