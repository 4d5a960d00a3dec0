//! Software updates from the hall's update server: a loopback server serves a `latest.json`
//! manifest and the update, signed with a key made for this test by the Tauri CLI's signer.
//! The app finds the newer version, downloads it and verifies its signature against the
//! provisioned key; the same manifest with the update altered, or signed with another key,
//! is refused in words. Nothing is installed.

use countersign_e2e::{demo, staff, App, CLERK};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn tauri_cli() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/node_modules/.bin/tauri")
}

/// A minisign key pair from `tauri signer generate` (no password): (private key file, public key).
fn keypair(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let status = Command::new(tauri_cli())
        .args(["signer", "generate", "--ci", "-p", "", "-w"])
        .arg(&key)
        .output()
        .expect("the Tauri CLI (scripts/ui.sh installs it)");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let public = std::fs::read_to_string(key.with_extension("key.pub")).expect("public key");
    (key, public.trim().to_string())
}

/// The signature `tauri signer sign` writes for `file` (the text the manifest carries).
fn sign(key: &Path, file: &Path) -> String {
    let out = Command::new(tauri_cli())
        .args(["signer", "sign", "-p", "", "-f"])
        .arg(key)
        .arg(file)
        .output()
        .expect("tauri signer sign");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sig = PathBuf::from(format!("{}.sig", file.display()));
    std::fs::read_to_string(sig)
        .expect("signature")
        .trim()
        .to_string()
}

/// What the loopback update server answers: path → body.
type Files = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A plain HTTP/1.1 server on 127.0.0.1 serving `files`; stopped when dropped.
struct UpdateServer {
    port: u16,
    files: Files,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl UpdateServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let files: Files = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (files, stop) = (Arc::clone(&files), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok((mut stream, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    };
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&request);
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let body = files
                        .lock()
                        .ok()
                        .and_then(|f| f.iter().find(|(p, _)| *p == path).map(|(_, b)| b.clone()));
                    let response = match body {
                        Some(body) => {
                            let mut r = format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                                body.len()
                            )
                            .into_bytes();
                            r.extend_from_slice(&body);
                            r
                        }
                        None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                    };
                    let _ = stream.write_all(&response);
                }
            })
        };
        Self {
            port,
            files,
            stop,
            thread: Some(thread),
        }
    }

    fn serve(&self, path: &str, body: Vec<u8>) {
        if let Ok(mut f) = self.files.lock() {
            f.retain(|(p, _)| p != path);
            f.push((path.to_string(), body));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for UpdateServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn manifest(server: &UpdateServer, signature: &str) -> Vec<u8> {
    serde_json::json!({
        "version": "0.2.0",
        "notes": "Countersign 0.2.0",
        "pub_date": "2026-11-30T00:00:00Z",
        "platforms": {
            "linux-x86_64": {
                "signature": signature,
                "url": server.url("/countersign-0.2.0.tar.gz"),
            }
        }
    })
    .to_string()
    .into_bytes()
}

async fn check(app: &App, want_prefix: &str, shot: &str) -> String {
    app.click("#update-check").await.expect("check for updates");
    let line = app
        .text_until("#update-result", Duration::from_secs(60), |t| {
            t.starts_with(want_prefix)
        })
        .await
        .expect("update result");
    app.screenshot(shot).await.expect("screenshot");
    line
}

#[tokio::test(flavor = "current_thread")]
async fn a_signed_update_is_verified_and_a_tampered_one_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (key, public) = keypair(dir.path(), "updater.key");
    let (other_key, _) = keypair(dir.path(), "other.key");
    let artifact = dir.path().join("countersign-0.2.0.tar.gz");
    std::fs::write(&artifact, b"Countersign 0.2.0 update package (test bytes)").expect("write");
    let signature = sign(&key, &artifact);
    let server = UpdateServer::start();
    server.serve("/latest.json", manifest(&server, &signature));
    server.serve(
        "/countersign-0.2.0.tar.gz",
        std::fs::read(&artifact).expect("read"),
    );

    let staff = staff(dir.path()).expect("staff accounts");
    let app = App::start(&[
        ("COUNTERSIGN_DATA_DIR", dir.path().display().to_string()),
        (
            "COUNTERSIGN_SNAPSHOT",
            demo("registry-snapshot.json").display().to_string(),
        ),
        ("COUNTERSIGN_STAFF_DB", staff.display().to_string()),
        ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
        ("COUNTERSIGN_UPDATE_URL", server.url("/latest.json")),
        ("COUNTERSIGN_UPDATE_PUBKEY", public),
    ])
    .await
    .expect("the app starts");
    app.text_of("#signin-title", WAIT).await.expect("sign-in");
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    app.press("q").await.expect("Q");
    app.text_of("#update-title", WAIT).await.expect("panel");

    let line = check(&app, "新版本", "update-verified").await;
    assert!(
        line.contains("0.2.0") && line.contains("签名验证"),
        "{line}"
    );

    // The update altered on the server (the manifest and its signature unchanged).
    server.serve(
        "/countersign-0.2.0.tar.gz",
        b"Countersign 0.2.0 update package (test bytes, altered)".to_vec(),
    );
    let line = check(&app, "更新包签名无效", "update-tampered").await;
    assert!(line.contains("已拒绝"), "{line}");

    // A manifest signed with a key other than the provisioned one.
    server.serve(
        "/countersign-0.2.0.tar.gz",
        std::fs::read(&artifact).expect("read"),
    );
    server.serve(
        "/latest.json",
        manifest(&server, &sign(&other_key, &artifact)),
    );
    check(&app, "更新包签名无效", "update-other-key").await;
    app.close().await;
}
