//! A serial-mode scanner at the counter: the app reads a pseudo-terminal (socat stands in for
//! the scanner's CDC-ACM port), and what the scanner sends is verified like any scan.

use countersign_e2e::{demo, payload, staff, App, CLERK};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

/// A socat pseudo-terminal pair; killed when dropped.
struct Pty {
    child: Child,
    app_end: PathBuf,
    scanner_end: PathBuf,
}

impl Pty {
    fn start(dir: &Path) -> Pty {
        let app_end = dir.join("ttyACM-app");
        let scanner_end = dir.join("ttyACM-scanner");
        let child = Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", app_end.display()))
            .arg(format!("pty,raw,echo=0,link={}", scanner_end.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat (scripts/system-packages.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(app_end.exists() && scanner_end.exists()) {
            assert!(Instant::now() < deadline, "socat made no pty pair");
            std::thread::sleep(Duration::from_millis(20));
        }
        Pty {
            child,
            app_end,
            scanner_end,
        }
    }

    /// What the scanner sends for one QR code: the payload and CR LF.
    fn scan(&self, text: &str) {
        let mut port = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.scanner_end)
            .expect("scanner end");
        port.write_all(format!("{text}\r\n").as_bytes())
            .expect("write");
        port.flush().expect("flush");
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn status_devices(app: &App, want: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = app
            .text_of("#status-devices", WAIT)
            .await
            .expect("status bar");
        if text.contains(want) {
            return;
        }
        assert!(Instant::now() < deadline, "status bar: {text}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_serial_scanner_scan_is_verified() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pty = Pty::start(dir.path());
    let staff = staff(dir.path()).expect("staff accounts");
    let app = App::start(&[
        (
            "COUNTERSIGN_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        (
            "COUNTERSIGN_SNAPSHOT",
            demo("registry-snapshot.json").display().to_string(),
        ),
        ("COUNTERSIGN_STAFF_DB", staff.display().to_string()),
        ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
        ("COUNTERSIGN_COUNTER", "4".into()),
        (
            "COUNTERSIGN_SERIAL_SCANNER",
            format!("{}:115200", pty.app_end.display()),
        ),
    ])
    .await
    .expect("the app starts");
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    status_devices(&app, "串口扫码枪已连接").await;

    pty.scan(&payload("valid-business-licence"));
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "有效"
    );
    assert_eq!(
        app.text_of("#logged-line", WAIT).await.expect("logged"),
        "已记录 #1"
    );
    app.screenshot("serial-valid-business-licence")
        .await
        .expect("screenshot");
    app.press("\u{E00C}").await.expect("Escape");
    pty.scan(&payload("revoked-diploma"));
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "无效"
    );

    // The scanner is unplugged: the status bar says so, and the keyboard path still works.
    drop(pty);
    status_devices(&app, "串口扫码枪未连接").await;
    app.press("\u{E00C}").await.expect("Escape");
    app.scan(&payload("valid-diploma")).await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "有效"
    );
    app.close().await;
}
