//! Reads scans from a handheld QR scanner in serial mode. Many hall counters have USB scanners
//! set up as a CDC-ACM serial port (`/dev/ttyACM0`, `COM3`) rather than as a keyboard: the
//! scanner sends each decoded QR code as text followed by a suffix (CR, LF, CRLF or Tab), or
//! with no suffix and then a pause. [`SerialScanner`] opens the port on a thread of its own,
//! turns the bytes into [`ScanEvent`]s (scans, rejected lines, connected, disconnected), and
//! keeps reopening the port while it is unplugged. [`Framer`], which splits bytes into scans,
//! is pure and usable on its own.
//!
//! It delivers text and knows nothing about what the text means: CS1 payloads, credentials
//! and verification are for the crates above it. It knows nothing about keyboard-wedge
//! scanners (the app's webview handles those) or about Tauri.
//!
//! ```no_run
//! use countersign_serial_scanner::{ScanEvent, SerialConfig, SerialScanner};
//!
//! let (tx, rx) = std::sync::mpsc::channel();
//! let scanner = SerialScanner::start(SerialConfig::new("/dev/ttyACM0"), move |event| {
//!     let _ = tx.send(event);
//! })?;
//! for event in rx {
//!     match event {
//!         ScanEvent::Scan(text) => println!("scanned {text}"),
//!         other => println!("{}", other.code()),
//!     }
//! }
//! scanner.stop();
//! # Ok::<(), countersign_serial_scanner::ScannerError>(())
//! ```

mod config;
mod event;
mod framer;
mod scanner;

pub use config::SerialConfig;
pub use event::{BadText, Disconnect, Rejection, ScanEvent};
pub use framer::{Frame, Framer};
pub use scanner::SerialScanner;

/// Why a scanner could not be started. (A port that cannot be opened is not one of these: it
/// is reported as a [`ScanEvent::Disconnected`] and retried.)
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    /// A setting the reader cannot work with.
    #[error("invalid serial scanner setting `{field}`: {reason}")]
    InvalidConfig {
        /// The setting's name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operating system would not start the reader thread.
    #[error("could not start the serial scanner thread")]
    Spawn(#[source] std::io::Error),
}
