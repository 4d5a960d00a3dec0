//! The scanner over a real pseudo-terminal pair made by `socat`: the scanner end is opened by
//! `SerialScanner` exactly as a `/dev/ttyACM0` would be, and the test writes what a handheld
//! scanner would send into the other end. Killing `socat` is the scanner being unplugged.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use countersign_serial_scanner::{Disconnect, Rejection, ScanEvent, SerialConfig, SerialScanner};
use serialport::SerialPort;

/// Generous: CI machines are slow and busy. Nothing waits this long when things work.
const TIMEOUT: Duration = Duration::from_secs(5);

/// A `socat` relaying between two ptys, linked at `<dir>/scanner` and `<dir>/host`. Killed and
/// reaped on drop, whatever the test did.
struct Socat {
    child: Child,
    log: PathBuf,
}

impl Socat {
    fn start(dir: &Path) -> Self {
        let (scanner, host) = (dir.join("scanner"), dir.join("host"));
        let log = dir.join(format!("socat-{}.log", unique()));
        let stderr = std::fs::File::create(&log).expect("create socat's log");
        let spawned = Command::new("socat")
            .arg("-d")
            .arg("-d")
            .arg(format!("pty,raw,echo=0,link={}", scanner.display()))
            .arg(format!("pty,raw,echo=0,link={}", host.display()))
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
        while !(scanner.exists() && host.exists()) {
            if let Ok(Some(status)) = socat.child.try_wait() {
                panic!(
                    "socat exited ({status}) before making its ptys:\n{}",
                    socat.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "socat made no ptys at {} and {} within {TIMEOUT:?}:\n{}",
                scanner.display(),
                host.display(),
                socat.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        socat
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Pulls the plug: the links go first, as a device node does, then the relay.
    fn unplug(mut self, dir: &Path) {
        for link in ["scanner", "host"] {
            std::fs::remove_file(dir.join(link)).expect("remove socat's link");
        }
        self.kill();
    }

    fn kill(&mut self) {
        // Already exited is fine; what matters is that it is reaped.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        self.kill();
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// The end a handheld scanner would be on.
struct Host(Box<dyn SerialPort>);

impl Host {
    fn open(dir: &Path) -> Self {
        let path = dir.join("host");
        let port = serialport::new(path.to_string_lossy(), 9600)
            .timeout(TIMEOUT)
            .open()
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        Self(port)
    }

    fn send(&mut self, bytes: &[u8]) {
        self.0.write_all(bytes).expect("write to the host end");
        self.0.flush().expect("flush the host end");
    }
}

/// The scanner's events, collected on the test's thread.
struct Events {
    rx: Receiver<ScanEvent>,
    seen: Vec<ScanEvent>,
}

impl Events {
    fn next(&mut self, waiting_for: &str) -> ScanEvent {
        match self.rx.recv_timeout(TIMEOUT) {
            Ok(event) => {
                self.seen.push(event.clone());
                event
            }
            Err(e) => panic!(
                "no event within {TIMEOUT:?} ({e}) while waiting for {waiting_for}; events so far: {:#?}",
                self.seen
            ),
        }
    }

    fn expect(&mut self, want: ScanEvent) {
        let got = self.next(&format!("{want:?}"));
        assert_eq!(got, want, "events so far: {:#?}", self.seen);
    }

    fn expect_scan(&mut self, text: &str) {
        self.expect(ScanEvent::Scan(text.to_owned()));
    }

    fn expect_connected(&mut self, path: &Path) {
        self.expect(ScanEvent::Connected {
            path: path.to_owned(),
        });
    }

    /// Waits for `Connected`, passing over `Disconnected` events (the port may be reported
    /// down more than once while it is away, each time with a new reason).
    fn expect_connected_after_disconnects(&mut self, path: &Path) {
        loop {
            match self.next("Connected") {
                ScanEvent::Connected { path: got } => {
                    assert_eq!(got, path);
                    return;
                }
                ScanEvent::Disconnected { .. } => {}
                other => panic!(
                    "expected Connected, got {other:?}; events: {:#?}",
                    self.seen
                ),
            }
        }
    }

    fn expect_disconnected(&mut self) -> Disconnect {
        match self.next("Disconnected") {
            ScanEvent::Disconnected { reason } => reason,
            other => panic!(
                "expected Disconnected, got {other:?}; events: {:#?}",
                self.seen
            ),
        }
    }
}

fn start(config: SerialConfig) -> (SerialScanner, Events) {
    let (tx, rx) = mpsc::channel();
    let scanner = SerialScanner::start(config, move |event| {
        // The test may have finished and dropped the receiver; nothing to do then.
        let _ = tx.send(event);
    })
    .expect("start the scanner");
    let events = Events {
        rx,
        seen: Vec::new(),
    };
    (scanner, events)
}

/// A fixture: socat, the scanner on one end (already connected), the host on the other.
struct Rig {
    scanner: SerialScanner,
    events: Events,
    host: Host,
    path: PathBuf,
    // Fields drop in order: the scanner closes its end, then socat dies, then the directory
    // holding socat's links and log goes.
    socat: Socat,
    dir: tempfile::TempDir,
}

impl Rig {
    fn new(configure: impl FnOnce(&mut SerialConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let socat = Socat::start(dir.path());
        let path = dir.path().join("scanner");
        let mut config = SerialConfig::new(&path);
        configure(&mut config);
        let (scanner, mut events) = start(config);
        events.expect_connected(&path);
        let host = Host::open(dir.path());
        Self {
            scanner,
            events,
            host,
            path,
            socat,
            dir,
        }
    }
}

/// Text in the CS1 alphabet (base45), as long as asked, different for each seed.
fn payload(seed: usize, len: usize) -> String {
    const BASE45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut text = String::from("CS1:");
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    while text.len() < len {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        text.push(char::from(BASE45[(state >> 33) % BASE45.len()]));
    }
    // A scanner never sends leading or trailing spaces as part of the code; trimming would
    // make the expected text differ from what was sent.
    text.trim_end().to_owned() + "Z"
}

#[test]
fn a_typical_payload_with_crlf() {
    let mut rig = Rig::new(|_| {});
    for len in [1_500, 4_300] {
        let text = payload(len, len);
        rig.host.send(format!("{text}\r\n").as_bytes());
        rig.events.expect_scan(&text);
    }
}

#[test]
fn two_scans_in_one_write() {
    let mut rig = Rig::new(|_| {});
    let (a, b) = (payload(1, 300), payload(2, 300));
    rig.host.send(format!("{a}\r\n{b}\r\n").as_bytes());
    rig.events.expect_scan(&a);
    rig.events.expect_scan(&b);
}

#[test]
fn a_slow_scanner_byte_by_byte() {
    // The pause that ends a suffix-less scan is set well above the gaps, so a slow machine's
    // scheduling cannot split the scan.
    let mut rig = Rig::new(|c| c.idle_end = Some(Duration::from_secs(1)));
    let text = payload(3, 120);
    for byte in format!("{text}\r\n").bytes() {
        rig.host.send(&[byte]);
        std::thread::sleep(Duration::from_millis(2));
    }
    rig.events.expect_scan(&text);
    rig.host.send(b"CS1:NEXT\r\n");
    rig.events.expect_scan("CS1:NEXT");
}

#[test]
fn a_tab_suffix() {
    let mut rig = Rig::new(|_| {});
    rig.host.send(b"CS1:TAB1\tCS1:TAB2\t");
    rig.events.expect_scan("CS1:TAB1");
    rig.events.expect_scan("CS1:TAB2");
}

#[test]
fn no_suffix_ended_by_a_pause() {
    let mut rig = Rig::new(|c| c.idle_end = Some(Duration::from_millis(150)));
    let sent = Instant::now();
    rig.host.send(b"CS1:NOSUFFIX1");
    rig.events.expect_scan("CS1:NOSUFFIX1");
    assert!(
        sent.elapsed() >= Duration::from_millis(150),
        "delivered before the pause ended it"
    );
    rig.host.send(b"CS1:NOSUFFIX2");
    rig.events.expect_scan("CS1:NOSUFFIX2");
}

#[test]
fn an_over_long_line_is_rejected_and_the_next_delivered() {
    let mut rig = Rig::new(|c| c.max_len = 1_000);
    let long = payload(4, 5_000);
    rig.host.send(format!("{long}\r\nCS1:AFTER\r\n").as_bytes());
    rig.events.expect(ScanEvent::Rejected {
        reason: Rejection::TooLong { max_len: 1_000 },
    });
    // Nothing of the long line's tail comes through: the next event is the next scan.
    rig.events.expect_scan("CS1:AFTER");
}

#[test]
fn binary_garbage_is_rejected() {
    let mut rig = Rig::new(|_| {});
    // Every byte value but the three that end lines, so it stays one line.
    let garbage: Vec<u8> = (0..=255u8)
        .rev()
        .filter(|b| !matches!(b, b'\r' | b'\n' | b'\t'))
        .collect();
    rig.host.send(&garbage);
    rig.host.send(b"\r\nCS1:AFTER\r\n");
    match rig.events.next("Rejected") {
        ScanEvent::Rejected {
            reason: reason @ Rejection::NotText { len, .. },
        } => {
            assert_eq!(len, garbage.len(), "{reason}");
            assert_eq!(
                reason.to_string(),
                "scan of 253 bytes is not text: byte 0xFF that is not UTF-8 at byte 0"
            );
        }
        other => panic!("expected a not-text rejection, got {other:?}"),
    }
    rig.events.expect_scan("CS1:AFTER");
}

#[test]
fn unplugged_then_plugged_in_again() {
    let Rig {
        scanner,
        mut events,
        mut host,
        path,
        socat,
        dir,
    } = Rig::new(|c| c.reconnect_every = Duration::from_millis(100));
    host.send(b"CS1:BEFORE\r\n");
    events.expect_scan("CS1:BEFORE");

    drop(host);
    socat.unplug(dir.path());
    let reason = events.expect_disconnected();
    assert_eq!(reason.code(), "serial.disconnected", "{reason}");

    let _socat = Socat::start(dir.path());
    events.expect_connected_after_disconnects(&path);
    let mut host = Host::open(dir.path());
    host.send(b"CS1:AFTER\r\n");
    events.expect_scan("CS1:AFTER");
    scanner.stop();
}

#[test]
fn started_before_the_scanner_is_plugged_in() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("scanner");
    let mut config = SerialConfig::new(&path);
    config.reconnect_every = Duration::from_millis(100);
    let (scanner, mut events) = start(config);
    assert_eq!(
        events.expect_disconnected(),
        Disconnect::NotFound { path: path.clone() }
    );

    let _socat = Socat::start(dir.path());
    events.expect_connected_after_disconnects(&path);
    let mut host = Host::open(dir.path());
    host.send(b"CS1:LATE\r\n");
    events.expect_scan("CS1:LATE");
    scanner.stop();
}

#[test]
fn stop_is_prompt_and_closes_the_port() {
    let Rig {
        scanner,
        events,
        host: _host,
        path,
        socat: _socat,
        dir: _dir,
    } = Rig::new(|_| {});
    let asked = Instant::now();
    scanner.stop();
    let took = asked.elapsed();
    // The thread looks at the stop signal every 100 ms; the rest is slack for a busy machine.
    assert!(took < Duration::from_millis(1_500), "stop took {took:?}");

    // The port is free again: a new scanner can open it (serialport opens it exclusively).
    let (again, mut events_again) = start(SerialConfig::new(&path));
    events_again.expect_connected(&path);
    drop(again);
    // Nothing more came from the stopped one, and its thread let go of the sender.
    assert!(matches!(
        events.rx.recv_timeout(Duration::from_millis(10)),
        Err(mpsc::RecvTimeoutError::Disconnected)
    ));
}

#[test]
fn stop_does_not_wait_out_the_reconnect_interval() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("scanner");
    let mut config = SerialConfig::new(&path);
    config.reconnect_every = Duration::from_secs(30);
    let (scanner, mut events) = start(config);
    events.expect_disconnected();
    let asked = Instant::now();
    scanner.stop();
    let took = asked.elapsed();
    assert!(took < Duration::from_millis(1_500), "stop took {took:?}");
}

#[test]
fn a_path_that_is_not_a_serial_port() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("not-a-port");
    std::fs::write(&path, b"").expect("write a plain file");
    let (scanner, mut events) = start(SerialConfig::new(&path));
    let reason = events.expect_disconnected();
    assert_eq!(reason.code(), "serial.open_failed", "{reason}");
    scanner.stop();
}
