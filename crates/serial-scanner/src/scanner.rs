//! The reader thread: open the port, read, frame, report; reopen when it goes away.

use std::io::{self, Read};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::SerialPort;

use crate::event::{Disconnect, ScanEvent};
use crate::framer::Framer;
use crate::{ScannerError, SerialConfig};

/// The longest the thread waits for bytes before it looks at the stop signal again, so
/// `stop` and `drop` return within about this long.
const POLL: Duration = Duration::from_millis(100);

/// A running reader for one serial-mode scanner. Stops (and joins its thread) on
/// [`SerialScanner::stop`] or when dropped.
#[derive(Debug)]
pub struct SerialScanner {
    /// Dropping the sender is the stop signal: the thread sees its channel disconnected.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SerialScanner {
    /// Starts reading the port in `config` on a thread of its own and calls `on_event` there
    /// for everything that happens, in order.
    ///
    /// A port that cannot be opened is not an error here: the scanner may be plugged in later.
    /// The first event is then a [`ScanEvent::Disconnected`] saying why, and the thread tries
    /// again every `reconnect_every`. While the port stays down, `Disconnected` is reported
    /// again only when the reason changes (for example from `serial.not_found` to
    /// `serial.permission_denied` once a scanner is plugged in).
    ///
    /// `on_event` should return quickly (send the event to a channel, say): while it runs the
    /// port is not read, and `stop` waits for it.
    ///
    /// # Errors
    /// [`ScannerError::InvalidConfig`] for settings the reader cannot use;
    /// [`ScannerError::Spawn`] when the thread cannot be started.
    pub fn start(
        config: SerialConfig,
        on_event: impl FnMut(ScanEvent) + Send + 'static,
    ) -> Result<Self, ScannerError> {
        config.validate()?;
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("serial-scanner".into())
            .spawn(move || run(&config, on_event, &stopped))
            .map_err(ScannerError::Spawn)?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops reading, closes the port and waits for the thread to finish (at most about
    /// 100 ms plus however long an `on_event` call in progress takes).
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // An `Err` means `on_event` panicked; that panic was already reported on the
            // thread, and there is nothing left to stop.
            let _ = thread.join();
        }
    }
}

impl Drop for SerialScanner {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// How a connected spell ended.
enum Ended {
    Stopped,
    Lost(Disconnect),
}

fn run(config: &SerialConfig, mut on_event: impl FnMut(ScanEvent), stop: &Receiver<()>) {
    // The code of the last `Disconnected` reported, while the port is down.
    let mut reported: Option<&'static str> = None;
    loop {
        match open(config) {
            Ok(port) => {
                on_event(ScanEvent::Connected {
                    path: config.path.clone(),
                });
                match read(port, config, &mut on_event, stop) {
                    Ended::Stopped => return,
                    Ended::Lost(reason) => {
                        // Replaces whatever was reported before this connection.
                        reported = Some(reason.code());
                        on_event(ScanEvent::Disconnected { reason });
                    }
                }
            }
            Err(reason) => {
                if reported != Some(reason.code()) {
                    reported = Some(reason.code());
                    on_event(ScanEvent::Disconnected { reason });
                }
            }
        }
        match stop.recv_timeout(config.reconnect_every) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn open(config: &SerialConfig) -> Result<Box<dyn SerialPort>, Disconnect> {
    let path = config.path.clone();
    // `validate` made sure the path is UTF-8.
    let name = config.path.to_string_lossy();
    serialport::new(name, config.baud_rate)
        .timeout(POLL)
        .open()
        .map_err(|e| match e.kind() {
            serialport::ErrorKind::Io(io::ErrorKind::NotFound) => Disconnect::NotFound { path },
            serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied) => {
                Disconnect::PermissionDenied { path }
            }
            // serialport reports EBUSY from TIOCEXCL and a held flock as `NoDevice`.
            serialport::ErrorKind::NoDevice if exists(&path) => Disconnect::Busy { path },
            _ if !exists(&path) => Disconnect::NotFound { path },
            _ => Disconnect::OpenFailed {
                path,
                detail: e.description,
            },
        })
}

fn exists(path: &Path) -> bool {
    path.try_exists().unwrap_or(false)
}

fn read(
    mut port: Box<dyn SerialPort>,
    config: &SerialConfig,
    on_event: &mut impl FnMut(ScanEvent),
    stop: &Receiver<()>,
) -> Ended {
    let mut framer = Framer::new(config.max_len, config.idle_end);
    let mut buf = [0u8; 1024];
    let lost = |detail: String| {
        Ended::Lost(Disconnect::Lost {
            path: config.path.clone(),
            detail,
        })
    };
    loop {
        match stop.try_recv() {
            Err(TryRecvError::Empty) => {}
            Ok(()) | Err(TryRecvError::Disconnected) => return Ended::Stopped,
        }
        let now = Instant::now();
        if let Some(frame) = framer.on_idle(now) {
            on_event(frame.into());
        }
        // Wake up in time to end a scan that has no suffix, but never sleep past `POLL`.
        let wait = framer.idle_deadline().map_or(POLL, |deadline| {
            deadline.saturating_duration_since(now).min(POLL)
        });
        if let Err(e) = port.set_timeout(wait) {
            return lost(e.description);
        }
        match port.read(&mut buf) {
            // In raw mode a read after poll said "readable" returns at least one byte, so
            // zero means the other end is gone.
            Ok(0) => return lost("end of file".into()),
            Ok(n) => {
                let bytes = buf.get(..n).unwrap_or(&buf);
                for frame in framer.push(bytes, Instant::now()) {
                    on_event(frame.into());
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                        | io::ErrorKind::WouldBlock
                ) => {}
            // The partial line in the framer is dropped with it: a cut-off scan is no scan.
            Err(e) => return lost(e.to_string()),
        }
    }
}
