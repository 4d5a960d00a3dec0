//! `countersign receipt …` and `countersign printer …` on real files and real printers: a
//! verification logged with the CLI, its receipt signed with the hall key, rendered to PDF,
//! PNG and ESC/POS, printed through the test's own cupsd and on a loopback thermal printer
//! (queued while the printer is out of paper), and checked again from its QR code.

use countersign_devprinter::{CupsServer, EscPosListener, StatusBytes};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn demo(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo")
        .join(name);
    path.to_str().expect("utf-8 path").to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .env_remove("COUNTERSIGN_RPC")
        .env_remove("COUNTERSIGN_REGISTRY")
        .env_remove("COUNTERSIGN_MIRROR")
        .env_remove("COUNTERSIGN_LOG")
        .env_remove("COUNTERSIGN_PRINTER")
        .env_remove("COUNTERSIGN_HALL_KEY")
        .env("COUNTERSIGN_HALL", "BJ-CY-01")
        .env("COUNTERSIGN_CLERK", "clerk-007")
        .env("COUNTERSIGN_HALL_NAME", "北京市朝阳区政务服务中心")
        .args(args)
        .output()
        .expect("countersign runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A hall key and a log holding one verification of `sample`: (key file, log file).
fn logged(dir: &Path, sample: &str) -> (PathBuf, PathBuf) {
    let key = dir.join("hall.key.json");
    ok(&run(&[
        "log",
        "keygen",
        "--hall",
        "BJ-CY-01",
        "--out",
        s(&key),
    ]));
    let log = dir.join("hall.sqlite");
    let out = run(&[
        "verify",
        &demo(&format!("samples/{sample}")),
        "--snapshot",
        &demo("registry-snapshot.json"),
        "--at",
        "2026-11-24T10:00:00+08:00",
        "--log",
        s(&log),
        "--counter",
        "3",
    ]);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        said.contains("logged as entry 1 已记录, receipt R20261124-"),
        "{said}"
    );
    (key, log)
}

#[test]
fn a_receipt_is_signed_rendered_and_checked_again() {
    let dir = tempfile::tempdir().expect("dir");
    let (key, log) = logged(dir.path(), "revoked-diploma.cs1.txt");
    let payload = ok(&run(&[
        "receipt",
        "show",
        "--log",
        s(&log),
        "--seq",
        "1",
        "--hall-key",
        s(&key),
    ]));
    let payload = payload.trim();
    assert!(payload.starts_with("CSR1:"), "{payload}");

    // At the hall, with its log: genuine and matching entry 1.
    let out = run(&[
        "receipt",
        "verify",
        payload,
        "--trust",
        s(&key),
        "--log",
        s(&log),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&ok(&out)).expect("json");
    assert_eq!(report["finding"], "genuine");
    assert_eq!(report["log"]["matches"], 1);
    assert_eq!(report["receipt"]["verdict"], "INVALID");
    assert_eq!(report["receipt"]["reasons"][0], "revocation.revoked");

    // Elsewhere, knowing no hall keys: signature fine, key unknown → exit 2.
    let out = run(&["receipt", "verify", payload]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("CANNOT CONFIRM"));

    // One character changed: not genuine, exit 1, in words.
    let mut forged: Vec<char> = payload.chars().collect();
    let i = forged.len() - 10;
    forged[i] = if forged[i] == '0' { '1' } else { '0' };
    let forged: String = forged.into_iter().collect();
    let out = run(&["receipt", "verify", &forged, "--trust", s(&key)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).starts_with("NOT GENUINE"),
        "{}",
        text(&out.stdout)
    );

    // Rendered as PDF, picture and ESC/POS; the picture checks like the payload.
    for ext in ["pdf", "png", "escpos"] {
        let out_file = dir.path().join(format!("receipt.{ext}"));
        ok(&run(&[
            "receipt",
            "show",
            "--log",
            s(&log),
            "--receipt",
            &payload_id(payload),
            "--hall-key",
            s(&key),
            "--paper",
            "58mm",
            "--out",
            s(&out_file),
        ]));
        assert!(
            std::fs::metadata(&out_file).expect("written").len() > 1000,
            "{ext}"
        );
    }
    let out = run(&[
        "receipt",
        "verify",
        s(&dir.path().join("receipt.png")),
        "--trust",
        s(&key),
        "--log",
        s(&log),
    ]);
    assert!(ok(&out).starts_with("GENUINE"), "{}", text(&out.stdout));

    // Usage errors say what to do.
    let out = run(&[
        "receipt",
        "show",
        "--log",
        s(&log),
        "--seq",
        "9",
        "--hall-key",
        s(&key),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("no such entry"));
    let out = run(&["receipt", "verify", &demo("samples/valid-diploma.cs1.txt")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("not a Countersign receipt"),
        "{}",
        text(&out.stdout)
    );
}

/// `receipt verify` at the hall says what the log proves about the entry: not yet in a
/// signed checkpoint, then in one (the inclusion proof checked), then anchored; a changed log
/// makes the proof fail and the receipt contradict it.
#[test]
fn a_receipt_checked_later_is_proved_in_the_hall_logs_checkpoint() {
    let dir = tempfile::tempdir().expect("dir");
    let (key, log) = logged(dir.path(), "revoked-diploma.cs1.txt");
    let payload = ok(&run(&[
        "receipt",
        "show",
        "--log",
        s(&log),
        "--seq",
        "1",
        "--hall-key",
        s(&key),
    ]));
    let verify = |json: bool| {
        let mut args = vec![
            "receipt",
            "verify",
            payload.trim(),
            "--trust",
            s(&key),
            "--log",
            s(&log),
        ];
        if json {
            args.push("--json");
        }
        run(&args)
    };
    let said = ok(&verify(false));
    assert!(
        said.contains("entry 1 is not yet in a signed checkpoint 尚未签入检查点 (the station signs one within 10 minutes)"),
        "{said}"
    );

    // Another verification, then a checkpoint signed with the hall key.
    ok(&run(&[
        "verify",
        &demo("samples/valid-diploma.cs1.txt"),
        "--snapshot",
        &demo("registry-snapshot.json"),
        "--at",
        "2026-11-24T10:05:00+08:00",
        "--log",
        s(&log),
        "--counter",
        "3",
    ]));
    ok(&run(&[
        "log",
        "checkpoint",
        "--log",
        s(&log),
        "--hall-key",
        s(&key),
    ]));
    let said = ok(&verify(false));
    assert!(
        said.contains("recorded in the hall log 已记入大厅日志: entry 1, in the checkpoint of 2 leaves (inclusion proof of 1 hash checked), not yet anchored on the registry"),
        "{said}"
    );

    // Anchored (the registry's transaction recorded in the log, as `log checkpoint
    // --account-key` records it).
    sqlite3(
        &log,
        "UPDATE checkpoints SET anchor_tx = '0xfeed', anchor_block = 1234;",
    );
    let said = ok(&verify(false));
    assert!(said.contains("anchored in block 1234 已上链"), "{said}");
    let report: serde_json::Value = serde_json::from_str(&ok(&verify(true))).expect("json");
    assert_eq!(
        report["recorded"],
        serde_json::json!({
            "state": "in-checkpoint", "seq": 1, "index": 0, "size": 2, "hashes": 1,
            "anchoredBlock": 1234,
        })
    );

    // The second leaf replaced: the proof no longer reaches the signed root.
    sqlite3(
        &log,
        "UPDATE tlog_leaves SET hash = zeroblob(32) WHERE idx = 1;",
    );
    let out = verify(false);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let said = text(&out.stdout);
    assert!(said.starts_with("CONTRADICTS THE LOG"), "{said}");
    assert!(
        said.contains("PROOF FAILS 日志证明不成立: entry 1: the inclusion proof does not lead to the signed root of 2 leaves"),
        "{said}"
    );
    let report: serde_json::Value = serde_json::from_slice(&verify(true).stdout).expect("json");
    assert_eq!(report["finding"], "contradicted");
    assert_eq!(report["recorded"]["state"], "proof-fails");
}

fn sqlite3(path: &Path, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .output()
        .expect("the sqlite3 shell (scripts/test.sh installs it)");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn payload_id(payload: &str) -> String {
    let parsed = countersign_receipt_id(payload);
    parsed.expect("id")
}

/// The receipt id, read with the CLI itself.
fn countersign_receipt_id(payload: &str) -> Option<String> {
    let out = run(&["receipt", "verify", payload, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["receipt"]["id"].as_str().map(str::to_string)
}

#[test]
fn a_receipt_prints_through_cups_and_its_printed_qr_verifies() {
    let dir = tempfile::tempdir().expect("dir");
    let (key, log) = logged(dir.path(), "valid-diploma.cs1.txt");
    let cups_dir = dir.path().join("cups");
    std::fs::create_dir_all(&cups_dir).expect("dir");
    let cups = CupsServer::start(&cups_dir, "counter3").expect("cupsd");
    let queue = dir.path().join("print-queue.sqlite");
    let out = run(&[
        "printer",
        "status",
        "--printer",
        &cups.uri(),
        "--paper",
        "a6",
    ]);
    assert_eq!(ok(&out).trim(), "Printer ready");
    ok(&run(&[
        "receipt",
        "print",
        "--log",
        s(&log),
        "--seq",
        "1",
        "--hall-key",
        s(&key),
        "--printer",
        &cups.uri(),
        "--queue",
        s(&queue),
        "--paper",
        "a6",
    ]));
    let pdfs = cups
        .wait_for_outputs(1, Duration::from_secs(60))
        .expect("PDF");
    let png_prefix = dir.path().join("printed");
    let status = Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png", "-singlefile"])
        .arg(&pdfs[0])
        .arg(&png_prefix)
        .status()
        .expect("pdftoppm: run scripts/system-packages.sh");
    assert!(status.success());
    let out = run(&[
        "receipt",
        "verify",
        s(&dir.path().join("printed.png")),
        "--trust",
        s(&key),
        "--log",
        s(&log),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&ok(&out)).expect("json");
    assert_eq!(report["finding"], "genuine");
    assert_eq!(report["receipt"]["verdict"], "VALID");

    // The test page prints too.
    ok(&run(&[
        "printer",
        "test",
        "--printer",
        &cups.uri(),
        "--queue",
        s(&queue),
        "--paper",
        "a4",
    ]));
    cups.wait_for_outputs(2, Duration::from_secs(60))
        .expect("test page");
}

#[test]
fn a_thermal_printer_out_of_paper_queues_the_receipt_until_it_is_flushed() {
    let dir = tempfile::tempdir().expect("dir");
    let (key, log) = logged(dir.path(), "valid-residence-permit.cs1.txt");
    let printer = EscPosListener::start(StatusBytes::PAPER_OUT).expect("printer");
    let queue = dir.path().join("print-queue.sqlite");
    let out = run(&["printer", "status", "--printer", &printer.address()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("out of paper"),
        "{}",
        text(&out.stdout)
    );
    let address = printer.address();
    let print = |copy: bool| {
        let mut args = vec![
            "receipt",
            "print",
            "--log",
            s(&log),
            "--seq",
            "1",
            "--hall-key",
            s(&key),
            "--printer",
            &address,
            "--queue",
            s(&queue),
            "--paper",
            "80mm",
        ];
        if copy {
            args.push("--copy");
        }
        run(&args)
    };
    let out = print(false);
    assert_eq!(out.status.code(), Some(2), "queued: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("out of paper"),
        "{}",
        text(&out.stderr)
    );
    let listing = ok(&run(&["printer", "queue", "--queue", s(&queue)]));
    assert!(listing.contains("paper_out"), "{listing}");
    assert!(printer.jobs().is_empty());

    printer.set_status(StatusBytes::READY);
    ok(&run(&["printer", "retry", "--queue", s(&queue), "1"]));
    ok(&run(&[
        "printer",
        "flush",
        "--printer",
        &printer.address(),
        "--queue",
        s(&queue),
    ]));
    let jobs = printer
        .wait_for_jobs(1, Duration::from_secs(10))
        .expect("printed");
    let items = countersign_escpos::interpret::interpret(&jobs[0]).expect("ESC/POS");
    let lines = countersign_escpos::interpret::text_lines(&items).join("\n");
    assert!(lines.contains("居住证 Residence permit"), "{lines}");
    let payload = items
        .iter()
        .find_map(|i| match i {
            countersign_escpos::interpret::Item::Qr(q) => {
                Some(String::from_utf8_lossy(&q.data).into_owned())
            }
            _ => None,
        })
        .expect("native QR");
    let out = run(&[
        "receipt",
        "verify",
        &payload,
        "--trust",
        s(&key),
        "--log",
        s(&log),
    ]);
    assert!(ok(&out).starts_with("GENUINE"), "{}", text(&out.stdout));

    // A reprint is marked as a copy.
    ok(&print(true));
    let jobs = printer
        .wait_for_jobs(2, Duration::from_secs(10))
        .expect("reprint");
    let items = countersign_escpos::interpret::interpret(&jobs[1]).expect("ESC/POS");
    assert!(countersign_escpos::interpret::text_lines(&items)
        .iter()
        .any(|l| l.contains("副本 COPY")));
    assert!(ok(&run(&["printer", "queue", "--queue", s(&queue)])).contains("empty"));
}
