//! The diagnostic file of a Countersign program (the app, the CLI): `tracing` events from every
//! library (sync pages, reorgs, RPC retries and failovers, migrations, print jobs, days closed)
//! written to `<data dir>/logs/countersign.log`, which is rotated when it reaches a size cap and
//! keeps a fixed number of older files, so a hall PC that runs for years never fills its disk
//! with diagnostics. `countersign doctor` names the file, so IT knows where to look.
//!
//! This is not the verification log (that is `countersign-log`, a tamper-evident record):
//! this file is for IT, holds no personal data, and may be deleted at any time.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing_subscriber::fmt::MakeWriter;

/// The file's name in the logs folder.
pub const FILE_NAME: &str = "countersign.log";
/// The size at which the file is rotated: a few months of a busy counter's events.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// How many rotated files are kept beside the current one (`countersign.log.1` … `.4`).
pub const KEEP: u32 = 4;

/// Where the diagnostic file of `data_dir` is.
pub fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join("logs").join(FILE_NAME)
}

/// A file that rotates itself when the next write would take it past its cap.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    keep: u32,
    /// The open file and its size.
    current: Mutex<(File, u64)>,
}

impl RotatingFile {
    /// Opens (appending) or creates `path`, its folder included.
    pub fn open(path: impl Into<PathBuf>, max_bytes: u64, keep: u32) -> io::Result<Self> {
        let path = path.into();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        Ok(Self {
            path,
            max_bytes: max_bytes.max(1),
            keep,
            current: Mutex::new((file, size)),
        })
    }

    /// The current file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn rotated(&self, n: u32) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// `.log` → `.log.1` → … → `.log.<keep>`, the oldest dropped; a fresh `.log` opened.
    fn rotate(&self, current: &mut (File, u64)) -> io::Result<()> {
        current.0.flush()?;
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            let _ = std::fs::remove_file(self.rotated(self.keep));
            for n in (1..self.keep).rev() {
                let from = self.rotated(n);
                if from.exists() {
                    std::fs::rename(&from, self.rotated(n + 1))?;
                }
            }
            std::fs::rename(&self.path, self.rotated(1))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        *current = (file, 0);
        Ok(())
    }

    fn write_all_rotating(&self, buf: &[u8]) -> io::Result<()> {
        let mut current = self
            .current
            .lock()
            .map_err(|_| io::Error::other("the diagnostic file's lock is poisoned"))?;
        let len = buf.len() as u64;
        if current.1 > 0 && current.1 + len > self.max_bytes {
            self.rotate(&mut current)?;
        }
        current.0.write_all(buf)?;
        current.1 += len;
        Ok(())
    }
}

/// One event's writer (tracing writes an event in one or a few calls).
#[derive(Debug)]
pub struct EventWriter<'a>(&'a RotatingFile);

impl Write for EventWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all_rotating(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for RotatingFile {
    type Writer = EventWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter(self)
    }
}

/// Sends this process's `tracing` events (at the level `level_var` names, `info` by default)
/// to the diagnostic file of `data_dir`. Returns the file's path. A second call, or a program
/// that set its own subscriber, keeps the first.
pub fn init(data_dir: &Path, level_var: &str) -> io::Result<PathBuf> {
    let file = RotatingFile::open(path_in(data_dir), MAX_BYTES, KEEP)?;
    let path = file.path().to_path_buf();
    let filter = tracing_subscriber::EnvFilter::try_from_env(level_var)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(file)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(path)
}
