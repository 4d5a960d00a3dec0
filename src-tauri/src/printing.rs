//! The counter's receipt printer: the spooler on its own thread (it tells the screen when a
//! job prints or has to wait) and the app's own connection to the print queue.

use crate::config::Config;
use countersign_printdoc::fonts::Fonts;
use countersign_printing::{
    HallHeading, Job, NewJob, PrintQueue, PrinterConfig, QueueError, SpoolStatus, Spooler,
    SpoolerThread,
};
use std::sync::{Arc, Mutex};
use tauri::Emitter;

/// The printer as configured, its queue and its spooler.
pub struct Printing {
    /// The printer's address.
    pub address: String,
    /// The paper in it.
    pub paper: countersign_printdoc::Paper,
    queue: Mutex<PrintQueue>,
    thread: SpoolerThread,
    /// The fonts receipts are drawn with (previews).
    pub fonts: Arc<Fonts>,
    /// What is printed at the top of every receipt.
    pub heading: HallHeading,
    clock: countersign_station::HallClock,
}

/// Starts printing when a printer is configured: `Ok(None)` when none is, `Err` when the
/// configuration cannot be used (the status bar says so; verifying goes on).
pub fn start(config: &Config, app: tauri::AppHandle) -> Result<Option<Printing>, String> {
    let Some(address) = config.printer.clone() else {
        return Ok(None);
    };
    let fonts = Arc::new(Fonts::default());
    let printer_config = PrinterConfig::new(&address, config.paper).map_err(|e| e.to_string())?;
    let printer = printer_config
        .open(Arc::clone(&fonts))
        .map_err(|e| e.to_string())?;
    let path = config.print_queue_path();
    let open = || PrintQueue::open(&path).map_err(|e| e.to_string());
    let heading = HallHeading {
        name: config.hall_name(),
        utc_offset: config.utc_offset,
    };
    let spooler = Spooler::new(open()?, printer, heading.clone());
    let thread = SpoolerThread::spawn(spooler, move |status: &SpoolStatus| {
        let _ = app.emit(
            "print-status",
            countersign_views::PrintStatusView::from(status),
        );
    });
    Ok(Some(Printing {
        address,
        paper: config.paper,
        queue: Mutex::new(open()?),
        thread,
        fonts,
        heading,
        clock: config.clock,
    }))
}

impl Printing {
    fn queue(&self) -> Result<std::sync::MutexGuard<'_, PrintQueue>, String> {
        self.queue
            .lock()
            .map_err(|_| "print queue state unusable; restart the app".to_string())
    }

    /// Queues a job and wakes the spooler.
    pub fn enqueue(&self, job: &NewJob) -> Result<i64, String> {
        let id = self
            .queue()?
            .enqueue(job, self.clock.now())
            .map_err(|e| e.to_string())?;
        self.thread.nudge();
        Ok(id)
    }

    /// A job by number.
    pub fn job(&self, id: i64) -> Result<Option<Job>, String> {
        self.queue()?.get(id).map_err(|e| e.to_string())
    }

    /// Runs `f` on the app's connection to the print queue, then wakes the spooler.
    pub fn with_queue<T>(&self, f: impl FnOnce(&PrintQueue) -> T) -> Result<T, String> {
        let out = f(&*self.queue()?);
        self.thread.nudge();
        Ok(out)
    }

    /// Jobs not yet printed.
    pub fn pending(&self) -> Result<Vec<Job>, String> {
        self.queue()?.pending().map_err(|e| e.to_string())
    }

    /// Recent jobs, newest first.
    pub fn recent(&self, limit: u32) -> Result<Vec<Job>, String> {
        self.queue()?.recent(limit).map_err(|e| e.to_string())
    }

    /// Tries a waiting job again now.
    pub fn retry(&self, id: i64) -> Result<(), QueueError> {
        self.queue
            .lock()
            .map_err(|_| QueueError::NoSuchJob(id))?
            .retry(id, self.clock.now())?;
        self.thread.nudge();
        Ok(())
    }

    /// Gives up on a job.
    pub fn cancel(&self, id: i64) -> Result<(), QueueError> {
        self.queue
            .lock()
            .map_err(|_| QueueError::NoSuchJob(id))?
            .cancel(id, self.clock.now())
    }

    /// The spooler's latest news.
    pub fn status(&self) -> SpoolStatus {
        self.thread.status()
    }
}
