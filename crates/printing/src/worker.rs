//! The spooler on its own thread, for a long-lived front end (the app): it prints due jobs as
//! soon as they are queued (a nudge) or their retry time comes, asks the printer how it is
//! every few seconds, and publishes what the status bar needs. The front end keeps its own
//! queue connection to add, list, retry and cancel jobs; SQLite serialises the two.

use crate::{PrintOutcome, PrinterState, Spooler};
use chrono::Utc;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the status bar shows about printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolStatus {
    /// The printer's last answer (`None` before the first).
    pub printer: Option<PrinterState>,
    /// The last job's outcome.
    pub last: Option<PrintOutcome>,
    /// When the last job finished or failed.
    pub last_at: Option<chrono::DateTime<Utc>>,
    /// A queue that cannot be read or written (IT must act).
    pub queue_error: Option<String>,
}

enum Message {
    Nudge,
    Stop,
}

/// The running spooler. Dropping it stops the thread (after the job in hand).
pub struct SpoolerThread {
    tx: Sender<Message>,
    status: Arc<Mutex<SpoolStatus>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often the printer is asked how it is while nothing prints.
const STATUS_EVERY: Duration = Duration::from_secs(5);
/// How often due retries are looked for.
const TICK: Duration = Duration::from_secs(1);

impl SpoolerThread {
    /// Starts `spooler` on its own thread; `changed` is called (on that thread) after each
    /// job and each change of the printer's state.
    pub fn spawn(mut spooler: Spooler, changed: impl Fn(&SpoolStatus) + Send + 'static) -> Self {
        let (tx, rx) = channel();
        let status = Arc::new(Mutex::new(SpoolStatus {
            printer: None,
            last: None,
            last_at: None,
            queue_error: None,
        }));
        let shared = Arc::clone(&status);
        let thread = std::thread::Builder::new()
            .name("countersign-spooler".into())
            .spawn(move || {
                let mut asked: Option<Instant> = None;
                let publish = |update: &dyn Fn(&mut SpoolStatus)| {
                    if let Ok(mut s) = shared.lock() {
                        let before = s.clone();
                        update(&mut s);
                        if *s != before {
                            changed(&s);
                        }
                    }
                };
                loop {
                    // Print everything that is due, one job after another.
                    loop {
                        match spooler.run_one(Utc::now()) {
                            Ok(Some(outcome)) => {
                                let state = match &outcome {
                                    PrintOutcome::Printed(_) => None,
                                    PrintOutcome::Waiting(..) => Some(spooler.printer_status()),
                                };
                                asked = Some(Instant::now());
                                publish(&|s| {
                                    s.last = Some(outcome.clone());
                                    s.last_at = Some(Utc::now());
                                    s.queue_error = None;
                                    if let Some(state) = &state {
                                        s.printer = Some(state.clone());
                                    }
                                });
                            }
                            Ok(None) => break,
                            Err(e) => {
                                let why = e.to_string();
                                publish(&|s| s.queue_error = Some(why.clone()));
                                break;
                            }
                        }
                    }
                    if asked.is_none_or(|t| t.elapsed() >= STATUS_EVERY) {
                        let state = spooler.printer_status();
                        asked = Some(Instant::now());
                        publish(&|s| s.printer = Some(state.clone()));
                    }
                    match rx.recv_timeout(TICK) {
                        Ok(Message::Nudge) | Err(RecvTimeoutError::Timeout) => {}
                        Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            });
        Self {
            tx,
            status,
            thread: thread.ok(),
        }
    }

    /// A job was queued or retried: look now rather than at the next tick.
    pub fn nudge(&self) {
        let _ = self.tx.send(Message::Nudge);
    }

    /// The latest status.
    pub fn status(&self) -> SpoolStatus {
        self.status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(SpoolStatus {
                printer: None,
                last: None,
                last_at: None,
                queue_error: Some("spooler state unusable".into()),
            })
    }

    /// Whether the thread is running (it could not be started if the OS refused a thread).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for SpoolerThread {
    fn drop(&mut self) {
        let _ = self.tx.send(Message::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
