//! Carrying bytes to a printer and asking it how it is.

mod device;
mod serial;
mod tcp;

use std::io;
use std::time::Duration;

pub use device::DeviceFileTransport;
pub use serial::{Handshake, SerialOptions, SerialTransport};
pub use tcp::{TcpOptions, TcpTransport};

use crate::encode::EncodeError;
use crate::status::{PrinterStatus, UnknownStatus};

/// A way to reach a printer.
pub trait Transport {
    /// Sends all of `bytes`, or fails.
    ///
    /// # Errors
    /// [`EscPosError::TimedOut`] when the printer stops taking data (out of paper, cover
    /// open, switched off), [`EscPosError::WriteFailed`] when the link fails.
    fn send(&mut self, bytes: &[u8]) -> Result<(), EscPosError>;

    /// Asks the printer for its real-time status (`DLE EOT`). A transport that cannot hear
    /// the printer answers [`PrinterStatus::Unknown`]; none answers "ready" without asking.
    ///
    /// # Errors
    /// When the request cannot be sent or the link fails while waiting; a printer that
    /// stays silent is not an error but [`UnknownStatus::NoAnswer`].
    fn status(&mut self) -> Result<PrinterStatus, EscPosError>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&mut self, bytes: &[u8]) -> Result<(), EscPosError> {
        (**self).send(bytes)
    }

    fn status(&mut self) -> Result<PrinterStatus, EscPosError> {
        (**self).status()
    }
}

/// Why a job did not reach the paper. Each message is meant for the clerk's screen.
#[derive(Debug, thiserror::Error)]
pub enum EscPosError {
    /// Nothing answered at the printer's network address.
    #[error("cannot connect to the printer at {target}: {source}")]
    Connect {
        /// The address.
        target: String,
        /// Why.
        source: io::Error,
    },
    /// The serial port or device file could not be opened.
    #[error("cannot open the printer at {target}: {source}")]
    Open {
        /// The path.
        target: String,
        /// Why.
        source: io::Error,
    },
    /// The printer stopped taking data.
    #[error("the printer at {target} did not take the data within {after:?}")]
    TimedOut {
        /// The address or path.
        target: String,
        /// How long it was given.
        after: Duration,
    },
    /// Writing failed (connection reset, device unplugged).
    #[error("sending to the printer at {target} failed: {source}")]
    WriteFailed {
        /// The address or path.
        target: String,
        /// Why.
        source: io::Error,
    },
    /// Reading the printer's answer failed.
    #[error("reading from the printer at {target} failed: {source}")]
    ReadFailed {
        /// The address or path.
        target: String,
        /// Why.
        source: io::Error,
    },
    /// The printer closed the connection.
    #[error("the printer at {target} closed the connection")]
    Disconnected {
        /// The address.
        target: String,
    },
    /// The printer reports no paper.
    #[error("the printer is out of paper")]
    PaperOut,
    /// The printer reports its cover open.
    #[error("the printer's cover is open")]
    CoverOpen,
    /// The printer reports an error: a cutter jam, an overheated head or a fault.
    #[error("the printer reports an error (cutter jam, overheating or a fault)")]
    PrinterError,
    /// The printer reports itself offline for another reason.
    #[error("the printer is offline")]
    Offline,
    /// The document cannot be printed on this printer's profile.
    #[error("cannot prepare the document for this printer: {0}")]
    Encode(#[from] EncodeError),
}

impl EscPosError {
    /// A stable identifier for the UI to act on (`printer.paper_out`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Connect { .. } => "printer.connect",
            Self::Open { .. } => "printer.open",
            Self::TimedOut { .. } => "printer.timeout",
            Self::WriteFailed { .. } => "printer.write",
            Self::ReadFailed { .. } => "printer.read",
            Self::Disconnected { .. } => "printer.disconnected",
            Self::PaperOut => "printer.paper_out",
            Self::CoverOpen => "printer.cover_open",
            Self::PrinterError => "printer.error",
            Self::Offline => "printer.offline",
            Self::Encode(_) => "printer.encode",
        }
    }
}

/// Asks `DLE EOT 1`, `2` and `4` through `ask`, which sends one request and returns the
/// answer byte, or `None` when none came within `waited`. Stops at the first silence or
/// garbled byte, so a printer that never answers costs one timeout, not three.
pub(crate) fn query_status(
    waited: Duration,
    mut ask: impl FnMut(u8) -> Result<Option<u8>, EscPosError>,
) -> Result<PrinterStatus, EscPosError> {
    let mut answers = [0u8; 3];
    for (slot, n) in answers.iter_mut().zip([1u8, 2, 4]) {
        match ask(n)? {
            None => return Ok(PrinterStatus::Unknown(UnknownStatus::NoAnswer { waited })),
            Some(byte) if byte & 0x93 != 0x12 => {
                return Ok(PrinterStatus::Unknown(UnknownStatus::Garbled { byte }))
            }
            Some(byte) => *slot = byte,
        }
    }
    let [printer, offline, paper] = answers;
    Ok(
        match crate::status::StatusFlags::from_bytes(printer, offline, paper) {
            Ok(flags) => PrinterStatus::Reported(flags),
            Err(byte) => PrinterStatus::Unknown(UnknownStatus::Garbled { byte }),
        },
    )
}
