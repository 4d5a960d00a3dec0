//! A harness for driving the real desktop app: a private Xvfb display, `tauri-driver` (which
//! starts WebKitWebDriver and the app) on free loopback ports, and a WebDriver session. Every
//! process it starts is stopped when the harness is dropped (tauri-driver with SIGTERM, so it
//! takes WebKitWebDriver and the app down with it).

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
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

/// Two different free ports on 127.0.0.1 (tauri-driver's and WebKitWebDriver's). Both are held
/// open while the second is chosen: one released before the other is asked for can come back
/// twice, and a driver on its own native port never answers (a CI run failed so).
fn free_ports() -> Result<(u16, u16), E2eError> {
    let bind = || {
        TcpListener::bind("127.0.0.1:0").map_err(|e| E2eError::Setup(format!("no free port: {e}")))
    };
    let port = |l: &TcpListener| {
        l.local_addr()
            .map(|a| a.port())
            .map_err(|e| E2eError::Setup(format!("no free port: {e}")))
    };
    let (first, second) = (bind()?, bind()?);
    Ok((port(&first)?, port(&second)?))
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
    /// One app at a time in this process: two WebKit apps typing on two cores starve each
    /// other (split scanner bursts, "page hang" sessions) and spoil the figures. Released
    /// last, after the app and its display are gone.
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

static ONE_APP_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    // Another build of the app (the release build, for its figures).
    if let Some(path) = std::env::var_os("COUNTERSIGN_APP_BINARY") {
        return PathBuf::from(path);
    }
    debug_dir().join("countersign-app")
}

fn debug_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("debug")
}

/// The `countersign` CLI built beside the app.
pub fn cli_binary() -> PathBuf {
    debug_dir().join("countersign")
}

/// Runs the CLI with `env`; returns stdout, or the whole output as the error.
pub fn run_cli(args: &[&str], env: &[(&str, &str)]) -> Result<String, E2eError> {
    let bin = cli_binary();
    let mut command = Command::new(&bin);
    command.env_remove("COUNTERSIGN_LOG").args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().map_err(|e| {
        E2eError::Setup(format!(
            "{} (cargo build --workspace --bins): {e}",
            bin.display()
        ))
    })?;
    if !out.status.success() {
        return Err(E2eError::Setup(format!(
            "countersign {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A clerk the tests sign in as.
pub const CLERK: (&str, &str, &str) = ("clerk-007", "王芳", "246810");
/// A supervisor the tests sign in as.
pub const SUPERVISOR: (&str, &str, &str) = ("sup-01", "李主管", "135792");

/// Creates the hall's staff accounts file in `dir` with [`CLERK`] and [`SUPERVISOR`], as IT
/// does with the CLI; returns its path.
pub fn staff(dir: &Path) -> Result<PathBuf, E2eError> {
    let db = dir.join("staff.sqlite");
    let path = db.display().to_string();
    for ((id, name, pin), role) in [(CLERK, "clerk"), (SUPERVISOR, "supervisor")] {
        run_cli(
            &[
                "staff", "add", "--db", &path, "--id", id, "--name", name, "--role", role,
            ],
            &[("COUNTERSIGN_PIN", pin)],
        )?;
    }
    Ok(db)
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
        let turn = ONE_APP_AT_A_TIME.lock().await;
        let binary = app_binary();
        if !binary.exists() {
            return Err(E2eError::Setup(format!(
                "{} is missing: cargo build -p countersign-app",
                binary.display()
            )));
        }
        let display = Display::start()?;
        let (port, native) = free_ports()?;
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
        let mut driver = driver;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    // No session: the driver (and whatever it started) is stopped here, not
                    // left running after the test.
                    stop(&mut driver);
                    return Err(E2eError::WebDriver(format!("no session on {url}: {e}")));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Ok(Self {
            client,
            driver,
            _display: display,
            started,
            _turn: turn,
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

    /// Waits until the element `css` is displayed with text that `want` accepts; returns the
    /// text (the last text seen is in the timeout error).
    pub async fn text_until(
        &self,
        css: &str,
        wait: Duration,
        want: impl Fn(&str) -> bool,
    ) -> Result<String, E2eError> {
        let deadline = Instant::now() + wait;
        let mut last = String::new();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if el.is_displayed().await.unwrap_or(false) {
                    if let Ok(text) = el.text().await {
                        if want(&text) {
                            return Ok(text);
                        }
                        last = text;
                    }
                }
            }
            if Instant::now() > deadline {
                return Err(E2eError::Timeout(
                    wait,
                    format!("{css} (last text: {last:?})"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) -> Result<(), E2eError> {
        self.client
            .find(Locator::Css(css))
            .await
            .map_err(|e| E2eError::WebDriver(format!("{css}: {e}")))?
            .click()
            .await
            .map_err(|e| E2eError::WebDriver(format!("click {css}: {e}")))
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

    /// Signs in at the sign-in screen as `role` (`clerk` or `supervisor`).
    pub async fn sign_in(&self, id: &str, pin: &str, role: &str) -> Result<(), E2eError> {
        self.text_of("#signin-title", Duration::from_secs(20))
            .await?;
        let find = |css: String| async move {
            self.client
                .find(Locator::Css(&css))
                .await
                .map_err(|e| E2eError::WebDriver(format!("{css}: {e}")))
        };
        find(format!("input[name=role][value={role}]"))
            .await?
            .click()
            .await
            .map_err(|e| E2eError::WebDriver(e.to_string()))?;
        let id_input = find("#signin-id".into()).await?;
        id_input
            .clear()
            .await
            .map_err(|e| E2eError::WebDriver(e.to_string()))?;
        id_input
            .send_keys(id)
            .await
            .map_err(|e| E2eError::WebDriver(e.to_string()))?;
        find("#signin-pin".into())
            .await?
            .send_keys(&format!("{pin}\u{E007}"))
            .await
            .map_err(|e| E2eError::WebDriver(e.to_string()))
    }

    /// Runs `script` in the page (WebDriver "execute script") and returns its result.
    pub async fn execute(
        &self,
        script: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value, E2eError> {
        self.client
            .execute(script, args)
            .await
            .map_err(|e| E2eError::WebDriver(e.to_string()))
    }

    /// Drops the file at `path` onto the window, as a clerk drags a picture in from the desktop.
    pub async fn drop_file(&self, path: &Path, mime: &str) -> Result<(), E2eError> {
        let bytes =
            std::fs::read(path).map_err(|e| E2eError::Setup(format!("{}: {e}", path.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.execute(
            "const [hex, name, mime] = arguments;
             const bytes = new Uint8Array(hex.length / 2);
             for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
             const data = new DataTransfer();
             data.items.add(new File([bytes], name, { type: mime }));
             window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
             return bytes.length;",
            vec![hex(&bytes).into(), name.into(), mime.into()],
        )
        .await
        .map(|_| ())
    }

    /// Resident memory of the app and its WebKit processes (everything under tauri-driver
    /// except the driver and WebKitWebDriver), from /proc: (bytes, processes counted).
    pub fn app_rss(&self) -> (u64, usize) {
        self.app_memory("status", "VmRSS:")
    }

    /// Like [`App::app_rss`], but proportional set size: shared pages (the WebKit and GTK
    /// libraries every process maps) counted once across the processes, not once in each.
    pub fn app_pss(&self) -> (u64, usize) {
        self.app_memory("smaps_rollup", "Pss:")
    }

    fn app_memory(&self, source: &str, field: &str) -> (u64, usize) {
        let mut parents: Vec<(u32, u32, String)> = Vec::new();
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                    continue;
                };
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    continue;
                };
                // "pid (comm) state ppid …": comm may hold spaces, so split at the last ')'.
                let Some((head, rest)) = stat.rsplit_once(')') else {
                    continue;
                };
                let comm = head.split_once('(').map_or("", |(_, c)| c).to_string();
                let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok());
                if let Some(ppid) = ppid {
                    parents.push((pid, ppid, comm));
                }
            }
        }
        let mut family = vec![self.driver.id()];
        let mut i = 0;
        while i < family.len() {
            let parent = family[i];
            family.extend(parents.iter().filter(|p| p.1 == parent).map(|p| p.0));
            i += 1;
        }
        let mut total = 0;
        let mut counted = 0;
        for (pid, _, comm) in parents.iter().filter(|p| family.contains(&p.0)) {
            if *pid == self.driver.id() || comm.starts_with("WebKitWebDrive") {
                continue;
            }
            let status =
                std::fs::read_to_string(format!("/proc/{pid}/{source}")).unwrap_or_default();
            if let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                total += kb * 1024;
                counted += 1;
            }
        }
        (total, counted)
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

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

impl Drop for App {
    fn drop(&mut self) {
        stop(&mut self.driver);
    }
}
