//! The serial transport over a real pseudo-terminal pair made by `socat` (the printer's end
//! is read by the test, as a printer would), and the device-file transport over a plain
//! file standing in for `/dev/usb/lp0`.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{receipt, without_status_requests, Responder};
use countersign_escpos::interpret::interpret;
use countersign_escpos::{
    encode, print, DeviceFileTransport, EscPosError, PrinterProfile, PrinterStatus, SerialOptions,
    SerialTransport, Transport, UnknownStatus,
};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::Paper;

/// Generous: CI machines are slow and busy. Nothing waits this long when things work.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A `socat` relaying between two ptys, linked at `<dir>/host` (the computer's end) and
/// `<dir>/printer`. Killed and reaped on drop, whatever the test did.
struct Socat {
    child: Child,
    log: PathBuf,
}

impl Socat {
    fn start(dir: &Path) -> Self {
        let (host, printer) = (dir.join("host"), dir.join("printer"));
        let log = dir.join("socat.log");
        let stderr = std::fs::File::create(&log).expect("create socat's log");
        let spawned = Command::new("socat")
            .arg("-d")
            .arg("-d")
            .arg(format!("pty,raw,echo=0,link={}", host.display()))
            .arg(format!("pty,raw,echo=0,link={}", printer.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "socat is not installed; these tests need it to make a pseudo-terminal pair \
                 (apt-get install socat; scripts/system-packages.sh installs it)"
            ),
            Err(e) => panic!("could not start socat: {e}"),
        };
        let mut socat = Self { child, log };
        let deadline = Instant::now() + TIMEOUT;
        while !(host.exists() && printer.exists()) {
            if let Ok(Some(status)) = socat.child.try_wait() {
                panic!(
                    "socat exited ({status}) before making its ptys:\n{}",
                    socat.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "socat made no ptys within {TIMEOUT:?}:\n{}",
                socat.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        socat
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        // Already exited is fine; what matters is that it is reaped.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The printer's end: a thread recording what arrives and answering status requests.
struct PrinterEnd {
    stop: Arc<AtomicBool>,
    received: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

impl PrinterEnd {
    fn open(dir: &Path, answers: Option<[u8; 3]>) -> Self {
        let path = dir.join("printer");
        let mut port = serialport::new(path.to_string_lossy(), 9600)
            .timeout(Duration::from_millis(20))
            .open()
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let (tx, received) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut all = Vec::new();
            let mut responder = Responder::new(answers);
            let mut buf = vec![0u8; 64 * 1024];
            while !stopped.load(Ordering::Relaxed) {
                match port.read(&mut buf) {
                    Ok(n) if n > 0 => {
                        all.extend_from_slice(&buf[..n]);
                        let reply = responder.reply(&all);
                        if !reply.is_empty() {
                            port.write_all(&reply).expect("answer the status request");
                        }
                        // Every complete read is reported, so the test can wait for a length.
                        let _ = tx.send(buf[..n].to_vec());
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(e) => panic!("read the printer's end: {e}"),
                }
            }
        });
        Self {
            stop,
            received,
            thread: Some(thread),
        }
    }

    /// Waits until `len` bytes have arrived; returns them.
    fn take(&self, len: usize) -> Vec<u8> {
        let deadline = Instant::now() + TIMEOUT;
        let mut got = Vec::new();
        while got.len() < len {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.received.recv_timeout(left) {
                Ok(chunk) => got.extend(chunk),
                Err(e) => panic!("{} of {len} bytes arrived ({e})", got.len()),
            }
        }
        got
    }
}

impl Drop for PrinterEnd {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// socat, the printer's end, and the directory holding socat's links; fields drop in order:
/// the printer's end closes, then socat dies, then the directory goes.
struct Rig {
    printer: PrinterEnd,
    _socat: Socat,
    dir: tempfile::TempDir,
}

impl Rig {
    fn new(answers: Option<[u8; 3]>) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let socat = Socat::start(dir.path());
        let printer = PrinterEnd::open(dir.path(), answers);
        Self {
            printer,
            _socat: socat,
            dir,
        }
    }

    fn host(&self) -> PathBuf {
        self.dir.path().join("host")
    }
}

#[test]
fn a_job_over_a_serial_line_reads_back_as_the_document() {
    let rig = Rig::new(Some(common::READY));
    let doc = receipt(Paper::Roll58);
    let profile = PrinterProfile::roll58();
    let fonts = Fonts::embedded_only();
    let mut transport = SerialTransport::open(rig.host(), SerialOptions::default()).expect("opens");
    let report = print(&doc, &profile, &fonts, &mut transport).expect("prints");
    assert_eq!(report.status.ready(), Some(true));

    let bytes = encode(&doc, &profile, &fonts).expect("encodes");
    let arrived = rig.printer.take(9 + bytes.len());
    assert_eq!(arrived[9..], bytes[..], "the job arrived changed");
    let items = without_status_requests(interpret(&arrived).expect("interprets"));
    assert_eq!(
        common::got_lines(&items),
        common::expected_lines(&doc, &profile)
    );
}

#[test]
fn paper_out_over_a_serial_line() {
    let rig = Rig::new(Some(common::PAPER_OUT));
    let mut transport = SerialTransport::open(rig.host(), SerialOptions::default()).expect("opens");
    let err = print(
        &receipt(Paper::Roll58),
        &PrinterProfile::roll58(),
        &Fonts::embedded_only(),
        &mut transport,
    )
    .expect_err("paper out");
    assert!(matches!(err, EscPosError::PaperOut), "{err:?}");
}

#[test]
fn a_serial_printer_that_does_not_answer_has_unknown_status() {
    let rig = Rig::new(None);
    let mut transport = SerialTransport::open(rig.host(), SerialOptions::default()).expect("opens");
    let asked = Instant::now();
    let status = transport.status().expect("status");
    assert!(
        matches!(
            status,
            PrinterStatus::Unknown(UnknownStatus::NoAnswer { .. })
        ),
        "{status:?}"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
}

#[test]
fn a_missing_serial_port_is_an_open_error() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("ttyUSB9");
    let err = SerialTransport::open(&path, SerialOptions::default()).expect_err("no such port");
    assert_eq!(err.code(), "printer.open", "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot open the printer at {}: ", path.display())),
        "{err}"
    );
}

#[test]
fn the_device_file_transport_writes_and_never_claims_ready() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("lp0");
    std::fs::write(&path, b"").expect("a stand-in device");
    let doc = receipt(Paper::Roll80);
    let profile = PrinterProfile::roll80();
    let fonts = Fonts::embedded_only();
    let mut transport = DeviceFileTransport::open(&path).expect("opens");
    let report = print(&doc, &profile, &fonts, &mut transport).expect("sent");
    assert_eq!(
        report.status,
        PrinterStatus::Unknown(UnknownStatus::WriteOnly)
    );
    assert_eq!(report.status.ready(), None);
    drop(transport);
    let written = std::fs::read(&path).expect("read back");
    assert_eq!(written, encode(&doc, &profile, &fonts).expect("encodes"));

    let missing = DeviceFileTransport::open(dir.path().join("lp1")).expect_err("no device");
    assert_eq!(missing.code(), "printer.open");
    assert!(
        !dir.path().join("lp1").exists(),
        "open must not create the device"
    );
}
