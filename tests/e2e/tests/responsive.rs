//! The window keeps answering while a verification waits on a node that accepts connections
//! and never answers: the real app on a real anvil, reached through a loopback proxy that the
//! test turns silent after the app has connected. While the clerk's scan waits out the RPC
//! timeout, the screen's own calls into the app (the activity ping every key sends) and the
//! page itself answer within 200 ms; then the verdict comes, from the hall's mirror. (With the
//! commands synchronous, as they were, the pings waited out the whole RPC timeout.)

use countersign_devchain::{Anvil, DEV_KEYS};
use countersign_e2e::{payload, run_cli, staff, App, CLERK};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);
const REGISTRY: &str = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";
/// What the window must answer within while the node is silent.
const ANSWER_WITHIN: Duration = Duration::from_millis(200);

/// A loopback TCP proxy to a node that forwards faithfully until told to go silent; from then
/// on it accepts connections and reads requests but never forwards or answers one.
struct SilentProxy {
    port: u16,
    silent: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl SilentProxy {
    fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("address").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let silent = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (Arc::clone(&silent), Arc::clone(&stop));
        let accept = std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) {
                            pump(client, server, Arc::clone(&s), Arc::clone(&st));
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self {
            port,
            silent,
            stop,
            accept: Some(accept),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn go_silent(&self) {
        self.silent.store(true, Ordering::Relaxed);
    }
}

impl Drop for SilentProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Copies client → server while the proxy is honest (a silent proxy swallows requests, so no
/// answer ever comes) and server → client; both threads end at `stop` or a closed socket.
fn pump(client: TcpStream, server: TcpStream, silent: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    let tick = Some(Duration::from_millis(100));
    for s in [&client, &server] {
        let _ = s.set_read_timeout(tick);
    }
    let copy = |mut from: TcpStream, mut to: TcpStream, swallow: Option<Arc<AtomicBool>>| {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            while !stop.load(Ordering::Relaxed) {
                match from.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if swallow.as_ref().is_some_and(|s| s.load(Ordering::Relaxed)) {
                            continue;
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => break,
                }
            }
        });
    };
    let (c2, s2) = (
        client.try_clone().expect("clone"),
        server.try_clone().expect("clone"),
    );
    copy(client, server, Some(silent));
    copy(s2, c2, None);
}

fn deployer(dir: &Path) -> String {
    let path = dir.join("deployer.json");
    std::fs::write(
        &path,
        serde_json::json!({
            "type": "countersign-account-key",
            "address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "privateKey": DEV_KEYS[0],
        })
        .to_string(),
    )
    .expect("account file");
    path.display().to_string()
}

/// One round trip from the page into the app's command layer (the ping each key press sends).
async fn ping(app: &App) -> Duration {
    let started = Instant::now();
    let answer = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('still_here').then(() => done(true), (e) => done(String(e)));",
            vec![],
        )
        .await
        .expect("still_here answers");
    assert_eq!(
        answer,
        serde_json::Value::Bool(true),
        "still_here: {answer}"
    );
    started.elapsed()
}

#[tokio::test(flavor = "current_thread")]
async fn the_window_answers_while_a_node_never_does() {
    let anvil = Anvil::start().expect("anvil (scripts/tools.sh)");
    let dir = tempfile::tempdir().expect("temp dir");
    run_cli(
        &["chain", "deploy", "--account-key", &deployer(dir.path())],
        &[
            ("COUNTERSIGN_RPC", anvil.url().as_str()),
            ("COUNTERSIGN_REGISTRY", REGISTRY),
        ],
    )
    .expect("the registry deployed");
    let upstream: u16 = anvil
        .url()
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .expect("anvil's port");
    let proxy = SilentProxy::start(upstream);
    let data = dir.path().join("app-data");
    std::fs::create_dir_all(&data).expect("data dir");
    let staff = staff(&data).expect("staff accounts");
    let app = App::start(&[
        ("COUNTERSIGN_DATA_DIR", data.display().to_string()),
        ("COUNTERSIGN_RPC", proxy.url()),
        ("COUNTERSIGN_REGISTRY", REGISTRY.into()),
        ("COUNTERSIGN_STAFF_DB", staff.display().to_string()),
        ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
        ("COUNTERSIGN_COUNTER", "5".into()),
        ("COUNTERSIGN_SYNC_INTERVAL_SECS", "3600".into()),
    ])
    .await
    .expect("the app starts");
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    let honest = ping(&app).await;

    proxy.go_silent();
    // The scan goes to the app exactly as the screen sends it, and is left waiting: the app
    // must go on answering while it waits on the node.
    let started = Instant::now();
    app.execute(
        "window.__scan = window.__TAURI_INTERNALS__
             .invoke('scan_text', { text: arguments[0], channel: 'scanner', expectingReceipt: false })
             .then((r) => ({ ok: r }), (e) => ({ error: e }));
         return true;",
        vec![serde_json::Value::String(payload("valid-diploma"))],
    )
    .await
    .expect("scan sent");
    let mut pings = Vec::new();
    let mut page = Vec::new();
    // Measured while the verification is still waiting on the node (the RPC timeout is 3 s).
    while started.elapsed() < Duration::from_millis(2_000) {
        pings.push(ping(&app).await);
        let t = Instant::now();
        app.execute("return document.title", vec![])
            .await
            .expect("the page answers");
        page.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; window.__scan.then(done);",
            vec![],
        )
        .await
        .expect("the scan's answer");
    let waited = started.elapsed();
    let verdict = answer["ok"]["verdict"]["verdict"]
        .as_str()
        .unwrap_or_else(|| panic!("no verdict: {answer}"))
        .to_string();
    let slowest = |d: &[Duration]| d.iter().max().copied().unwrap_or_default();
    println!(
        "responsiveness: honest ping {honest:?}; while the node was silent {} pings, slowest \
         {:?}, page slowest {:?}; verdict {verdict:?} after {waited:?}",
        pings.len(),
        slowest(&pings),
        slowest(&page)
    );
    assert!(
        waited > Duration::from_millis(2_000),
        "the verification did not wait on the silent node ({waited:?}), so nothing was shown"
    );
    assert!(
        pings.len() >= 3,
        "the window did not answer while the node was silent (only {} pings in 2 s)",
        pings.len()
    );
    assert!(
        slowest(&pings) < ANSWER_WITHIN,
        "the app's commands froze while a node was silent: {pings:?}"
    );
    assert!(
        slowest(&page) < ANSWER_WITHIN,
        "the page froze while a node was silent: {page:?}"
    );
    // The clerk's own scan, typed, still comes to a verdict from the mirror.
    app.scan(&payload("valid-diploma")).await.expect("scan");
    app.text_of("#verdict-text", WAIT).await.expect("verdict");
    app.screenshot("responsive-verdict")
        .await
        .expect("screenshot");
    app.close().await;
    drop(proxy);
}
