//! Printers for tests, real ones: [`CupsServer`] starts the system's own `cupsd` on a free
//! loopback port with a private configuration and a `cups-pdf` virtual queue (Debian's `cups`
//! and `printer-driver-cups-pdf`), so a print test goes through the whole CUPS filter chain and
//! reads back the PDF the queue wrote; [`EscPosListener`] is a thermal printer on a loopback TCP
//! port that records every byte it is sent and answers real-time status requests (`DLE EOT`)
//! with the state a test sets (ready, paper out, cover open).
//!
//! Every process and thread started here is stopped when its value is dropped. Tests and
//! nothing in production use this crate.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A test printer could not be started.
#[derive(Debug, thiserror::Error)]
pub enum DevPrinterError {
    /// A system tool is missing.
    #[error("{0} is not installed: run scripts/system-packages.sh")]
    Missing(&'static str),
    /// cupsd must run as root to run the cups-pdf backend (it refuses otherwise).
    #[error("the CUPS test server needs root (cups-pdf runs only under a root cupsd)")]
    NotRoot,
    /// Setting up failed.
    #[error("{0}")]
    Io(String),
}

fn io(what: &str, e: impl std::fmt::Display) -> DevPrinterError {
    DevPrinterError::Io(format!("{what}: {e}"))
}

fn free_port() -> Result<u16, DevPrinterError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| io("free port", e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| io("free port", e))
}

/// A private `cupsd` on 127.0.0.1 with one `cups-pdf` queue.
pub struct CupsServer {
    child: Child,
    port: u16,
    queue: String,
    dir: PathBuf,
    out: PathBuf,
    instance_conf: PathBuf,
}

const PPD: &str = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd";

impl CupsServer {
    /// Starts cupsd under `dir` (which must exist and outlive the server) with a queue
    /// named `queue` whose PDFs land in `dir/out`.
    pub fn start(dir: &Path, queue: &str) -> Result<Self, DevPrinterError> {
        for (tool, path) in [
            ("cups (cupsd)", "/usr/sbin/cupsd"),
            ("cups-client (lpadmin)", "/usr/sbin/lpadmin"),
            ("printer-driver-cups-pdf", "/usr/lib/cups/backend/cups-pdf"),
            ("printer-driver-cups-pdf (its PPD)", PPD),
        ] {
            if !Path::new(path).exists() {
                return Err(DevPrinterError::Missing(tool));
            }
        }
        if !is_root() {
            return Err(DevPrinterError::NotRoot);
        }
        let port = free_port()?;
        let out = dir.join("out");
        for d in ["spool", "tmp", "cache", "state", "log", "out"] {
            std::fs::create_dir_all(dir.join(d)).map_err(|e| io("mkdir", e))?;
        }
        // Filters run as user lp and write their temporary files here.
        set_mode(&dir.join("tmp"), 0o1777)?;
        set_mode(&out, 0o1777)?;
        std::fs::write(
            dir.join("cupsd.conf"),
            format!(
                "Listen 127.0.0.1:{port}\nLogLevel info\nWebInterface No\nBrowsing No\n\
                 DefaultAuthType None\nMaxJobs 0\nPreserveJobHistory Yes\n\
                 <Location />\n  Order allow,deny\n  Allow 127.0.0.1\n</Location>\n\
                 <Location /admin>\n  Order allow,deny\n  Allow 127.0.0.1\n</Location>\n\
                 <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
            ),
        )
        .map_err(|e| io("cupsd.conf", e))?;
        let d = dir.display();
        std::fs::write(
            dir.join("cups-files.conf"),
            format!(
                "ServerRoot {d}\nRequestRoot {d}/spool\nTempDir {d}/tmp\nCacheDir {d}/cache\n\
                 StateDir {d}/state\nErrorLog {d}/log/error_log\nAccessLog {d}/log/access_log\n\
                 PageLog {d}/log/page_log\nFileDevice Yes\n"
            ),
        )
        .map_err(|e| io("cups-files.conf", e))?;
        // cups-pdf reads its configuration from /etc/cups only (compiled in); a per-instance
        // file, named after the device URI, sends this queue's PDFs to our folder.
        let instance = format!("cstest{port}");
        let instance_conf = PathBuf::from(format!("/etc/cups/cups-pdf-{instance}.conf"));
        std::fs::write(
            &instance_conf,
            format!(
                "Out {}\nAnonDirName {}\nLabel 0\n",
                out.display(),
                out.display()
            ),
        )
        .map_err(|e| io("cups-pdf instance configuration", e))?;
        let child = Command::new("/usr/sbin/cupsd")
            .arg("-f")
            .arg("-c")
            .arg(dir.join("cupsd.conf"))
            .arg("-s")
            .arg(dir.join("cups-files.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io("start cupsd", e))?;
        let mut server = Self {
            child,
            port,
            queue: queue.to_string(),
            dir: dir.to_owned(),
            out,
            instance_conf,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(io("cupsd", "did not start listening within 20 s"));
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(io("cupsd", format!("exited at start: {status}")));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        server.lp(
            "/usr/sbin/lpadmin",
            &[
                "-p",
                queue,
                "-E",
                "-v",
                &format!("cups-pdf:/{instance}"),
                "-P",
                PPD,
            ],
        )?;
        Ok(server)
    }

    fn lp(&self, tool: &str, args: &[&str]) -> Result<(), DevPrinterError> {
        let output = Command::new(tool)
            .arg("-h")
            .arg(format!("127.0.0.1:{}", self.port))
            .args(args)
            .output()
            .map_err(|e| io(tool, e))?;
        if !output.status.success() {
            return Err(io(
                tool,
                String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ));
        }
        Ok(())
    }

    /// The queue's IPP address.
    pub fn uri(&self) -> String {
        format!("ipp://127.0.0.1:{}/printers/{}", self.port, self.queue)
    }

    /// The port cupsd listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the queue (`cupsdisable`): the printer reports itself stopped, as a printer
    /// switched off or paused does.
    pub fn disable(&self, reason: &str) -> Result<(), DevPrinterError> {
        self.lp("/usr/sbin/cupsdisable", &["-r", reason, &self.queue])
    }

    /// Starts the queue again (`cupsenable`).
    pub fn enable(&self) -> Result<(), DevPrinterError> {
        self.lp("/usr/sbin/cupsenable", &[&self.queue])
    }

    /// The PDFs the queue has written so far, oldest first.
    pub fn outputs(&self) -> Vec<PathBuf> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&self.out)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                    .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files.into_iter().map(|(_, p)| p).collect()
    }

    /// Waits until the queue has written `count` PDFs; returns them, oldest first.
    pub fn wait_for_outputs(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<PathBuf>, DevPrinterError> {
        let deadline = Instant::now() + timeout;
        loop {
            let files = self.outputs();
            // cups-pdf writes the file in place: wait until its size settles.
            if files.len() >= count && files.iter().all(|f| settled(f)) {
                return Ok(files);
            }
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(self.dir.join("log/error_log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                return Err(io(
                    "cups-pdf",
                    format!(
                        "{} of {count} PDFs after {timeout:?}; cupsd log (newest first):\n{}",
                        files.len(),
                        tail.join("\n")
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn settled(path: &Path) -> bool {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let first = size(path);
    std::thread::sleep(Duration::from_millis(150));
    first > 0 && first == size(path)
}

impl Drop for CupsServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.instance_conf);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn set_mode(path: &Path, mode: u32) -> Result<(), DevPrinterError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| io("chmod", e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// The three status bytes a thermal printer answers to `DLE EOT 1`, `2` and `4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusBytes(pub [u8; 3]);

impl StatusBytes {
    /// Online, cover closed, paper present.
    pub const READY: Self = Self([0x12, 0x12, 0x12]);
    /// Out of paper: offline (bit 3), stopped at the paper end (bit 5), no paper (bits 5–6).
    pub const PAPER_OUT: Self = Self([0x1A, 0x32, 0x72]);
    /// Cover open: offline, cover open (bit 2).
    pub const COVER_OPEN: Self = Self([0x1A, 0x16, 0x12]);
}

/// A thermal printer on a loopback TCP port: records what each connection sends (status
/// requests answered, not recorded) and answers status requests with [`StatusBytes`].
pub struct EscPosListener {
    port: u16,
    jobs: Arc<Mutex<Vec<Vec<u8>>>>,
    status: Arc<Mutex<StatusBytes>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EscPosListener {
    /// Starts listening on 127.0.0.1 at a free port, reporting `status`.
    pub fn start(status: StatusBytes) -> Result<Self, DevPrinterError> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| io("bind", e))?;
        let port = listener.local_addr().map_err(|e| io("bind", e))?.port();
        listener
            .set_nonblocking(true)
            .map_err(|e| io("nonblocking", e))?;
        let jobs = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(status));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (jobs, status, stop) = (Arc::clone(&jobs), Arc::clone(&status), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let job = serve(stream, &status, &stop);
                            if !job.is_empty() {
                                if let Ok(mut jobs) = jobs.lock() {
                                    jobs.push(job);
                                }
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            })
        };
        Ok(Self {
            port,
            jobs,
            status,
            stop,
            thread: Some(thread),
        })
    }

    /// The printer's address for Countersign: `escpos+tcp://127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("escpos+tcp://127.0.0.1:{}", self.port)
    }

    /// Changes what the printer reports.
    pub fn set_status(&self, status: StatusBytes) {
        if let Ok(mut s) = self.status.lock() {
            *s = status;
        }
    }

    /// What each connection that sent more than status requests sent, in order.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        self.jobs.lock().map(|j| j.clone()).unwrap_or_default()
    }

    /// Waits until `count` jobs have arrived.
    pub fn wait_for_jobs(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Vec<u8>>, DevPrinterError> {
        let deadline = Instant::now() + timeout;
        loop {
            let jobs = self.jobs();
            if jobs.len() >= count {
                return Ok(jobs);
            }
            if Instant::now() > deadline {
                return Err(io(
                    "ESC/POS listener",
                    format!("{} of {count} jobs after {timeout:?}", jobs.len()),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Reads one connection to its end: answers `DLE EOT n` at once, records everything else.
fn serve(mut stream: TcpStream, status: &Mutex<StatusBytes>, stop: &AtomicBool) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut job = Vec::new();
    let mut buf = [0u8; 8192];
    let mut idle_since = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                idle_since = Instant::now();
                let mut i = 0;
                while i < n {
                    // A status request: sent before the job, or alone at the end of what
                    // arrived (the client waits for the answer before sending more).
                    let request = (buf[i] == 0x10 && buf.get(i + 1) == Some(&0x04))
                        .then(|| buf.get(i + 2).copied())
                        .flatten()
                        .filter(|w| matches!(w, 1 | 2 | 4) && (job.is_empty() || i + 3 == n));
                    if let Some(which) = request {
                        let bytes = status.lock().map(|s| s.0).unwrap_or([0x12; 3]);
                        let answer = match which {
                            1 => bytes[0],
                            2 => bytes[1],
                            _ => bytes[2],
                        };
                        let _ = stream.write_all(&[answer]);
                        i += 3;
                        continue;
                    }
                    job.push(buf[i]);
                    i += 1;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                // A client that went quiet for 10 s has hung up without closing.
                if idle_since.elapsed() > Duration::from_secs(10) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    job
}

impl Drop for EscPosListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
