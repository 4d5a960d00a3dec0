//! A harness for driving the real desktop app: a private Xvfb display, `tauri-driver` (which
//! starts WebKitWebDriver and the app) on free loopback ports, and a WebDriver session. Every
//! process it starts is stopped when the harness is dropped (tauri-driver with SIGTERM, so it
//! takes WebKitWebDriver and the app down with it).

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The harness could not start or a step failed.
#[derive(Debug, thiserror::Error)]
pub enum E2eError {
    /// A helper program is missing or would not start.
    #[error("{0}")]
    Setup(String),
    /// WebDriver refused or failed.
    #[error("webdriver: {0}")]
    WebDriver(String),
    /// What the test waited for did not happen.
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
}

fn free_port() -> Result<u16, E2eError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| E2eError::Setup(format!("no free port: {e}")))
}

fn stop(child: &mut Child) {
    // SIGTERM first (tauri-driver then stops WebKitWebDriver and the app), then kill.
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A private X display.
pub struct Display {
    child: Child,
    /// `:N`
    pub name: String,
}

impl Display {
    /// Starts Xvfb on the first free display number from 90.
    pub fn start() -> Result<Self, E2eError> {
        for n in 90..190 {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                || Path::new(&format!("/tmp/.X{n}-lock")).exists()
            {
                continue;
            }
            let name = format!(":{n}");
            let mut child = Command::new("Xvfb")
                .args([
                    name.as_str(),
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| {
                    E2eError::Setup(format!(
                        "Xvfb (scripts/system-packages.sh installs it): {e}"
                    ))
                })?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                    return Ok(Self { child, name });
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            stop(&mut child);
        }
        Err(E2eError::Setup(
            "Xvfb did not start on any display :90–:189".into(),
        ))
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// The app, driven through WebDriver.
pub struct App {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _display: Display,
    started: Instant,
}

/// A file of the demo set (`assets/demo/…`).
pub fn demo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo")
        .join(name)
}

/// A demo sample's CS1 payload, as its QR code carries it (what a scanner types).
pub fn payload(sample: &str) -> String {
    std::fs::read_to_string(demo(&format!("samples/{sample}.cs1.txt")))
        .unwrap_or_else(|e| panic!("demo payload {sample}: {e}"))
        .trim()
        .to_string()
}

/// The app binary built by `cargo build -p countersign-app`.
pub fn app_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("debug/countersign-app")
}

fn tauri_driver() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        let p = PathBuf::from(home).join("bin/tauri-driver");
        if p.exists() {
            return p;
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        let p = PathBuf::from(home).join(".cargo/bin/tauri-driver");
        if p.exists() {
            return p;
        }
    }
    PathBuf::from("tauri-driver")
}

impl App {
    /// Starts the app with `env` (its `COUNTERSIGN_*` configuration) on a private display.
    pub async fn start(env: &[(&str, String)]) -> Result<Self, E2eError> {
        let binary = app_binary();
        if !binary.exists() {
            return Err(E2eError::Setup(format!(
                "{} is missing: cargo build -p countersign-app",
                binary.display()
            )));
        }
        let display = Display::start()?;
        let port = free_port()?;
        let native = free_port()?;
        let mut command = Command::new(tauri_driver());
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", &display.name)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let driver = command.spawn().map_err(|e| {
            E2eError::Setup(format!(
                "tauri-driver (cargo install tauri-driver --locked): {e}"
            ))
        })?;
        let started = Instant::now();
        let caps: serde_json::Map<String, serde_json::Value> =
            serde_json::from_value(serde_json::json!({
                "browserName": "wry",
                "tauri:options": {"application": binary},
            }))
            .map_err(|e| E2eError::Setup(e.to_string()))?;
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::rustls()
                .map_err(|e| E2eError::WebDriver(e.to_string()))?
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    return Err(E2eError::WebDriver(format!("no session on {url}: {e}")))
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Ok(Self {
            client,
            driver,
            _display: display,
            started,
        })
    }

    /// Time since tauri-driver was started.
    pub fn since_start(&self) -> Duration {
        self.started.elapsed()
    }

    /// Waits until the element `css` has non-empty text (and is displayed); returns the text.
    pub async fn text_of(&self, css: &str, wait: Duration) -> Result<String, E2eError> {
        let deadline = Instant::now() + wait;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if el.is_displayed().await.unwrap_or(false) {
                    if let Ok(text) = el.text().await {
                        if !text.trim().is_empty() {
                            return Ok(text);
                        }
                    }
                }
            }
            if Instant::now() > deadline {
                return Err(E2eError::Timeout(wait, css.to_string()));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Types `text` into whatever has focus, as a keyboard-wedge scanner would, then Enter.
    pub async fn scan(&self, text: &str) -> Result<(), E2eError> {
        self.press(&format!("{text}\u{E007}")).await
    }

    /// Types keys into whatever has focus (WebDriver key codes, e.g. "\u{E00C}" for Escape):
    /// the app listens wherever focus is, as the clerk's keyboard does.
    pub async fn press(&self, keys: &str) -> Result<(), E2eError> {
        let focused = self
            .client
            .active_element()
            .await
            .map_err(|e| E2eError::WebDriver(e.to_string()))?;
        focused
            .send_keys(keys)
            .await
            .map_err(|e| E2eError::WebDriver(e.to_string()))
    }

    /// Saves a screenshot as `<target>/e2e/<name>.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, E2eError> {
        // Screenshots can lag the page a little: let it paint.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self
            .client
            .screenshot()
            .await
            .map_err(|e| E2eError::WebDriver(e.to_string()))?;
        let dir = app_binary()
            .parent()
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("e2e"), |t| t.join("e2e"));
        std::fs::create_dir_all(&dir).map_err(|e| E2eError::Setup(e.to_string()))?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| E2eError::Setup(e.to_string()))?;
        Ok(path)
    }

    /// Ends the session and stops every process.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        stop(&mut self.driver);
    }
}

impl Drop for App {
    fn drop(&mut self) {
        stop(&mut self.driver);
    }
}
