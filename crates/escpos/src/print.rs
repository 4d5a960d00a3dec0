//! One job: encode, ask the printer, send.

use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::Document;

use crate::encode::encode;
use crate::profile::PrinterProfile;
use crate::status::PrinterStatus;
use crate::transport::{EscPosError, Transport};

/// What [`print()`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintReport {
    /// Bytes sent.
    pub bytes: usize,
    /// The printer's status before sending. `Unknown` means the job was sent without
    /// knowing whether it will come out; the UI should say so rather than "printed".
    pub status: PrinterStatus,
}

/// Prints `doc` on the printer behind `transport`, described by `profile`.
///
/// The document is encoded first (a document that cannot be printed never reaches the
/// printer), then the printer is asked for its status: a printer that reports a problem
/// gets nothing, and the problem is the error. A status that cannot be known (a write-only
/// transport, a printer that does not answer) does not stop the job; the report says so.
///
/// # Errors
/// [`EscPosError::Encode`]; [`EscPosError::CoverOpen`], [`EscPosError::PaperOut`],
/// [`EscPosError::PrinterError`] or [`EscPosError::Offline`] from the printer's status, in that
/// order of precedence (an open cover or an empty roll also make it offline); and the
/// transport's errors.
pub fn print<T: Transport + ?Sized>(
    doc: &Document,
    profile: &PrinterProfile,
    fonts: &Fonts,
    transport: &mut T,
) -> Result<PrintReport, EscPosError> {
    let bytes = encode(doc, profile, fonts)?;
    let status = transport.status()?;
    if let PrinterStatus::Reported(flags) = status {
        if flags.cover_open {
            return Err(EscPosError::CoverOpen);
        }
        if flags.paper_out {
            return Err(EscPosError::PaperOut);
        }
        if flags.error {
            return Err(EscPosError::PrinterError);
        }
        if flags.offline {
            return Err(EscPosError::Offline);
        }
    }
    transport.send(&bytes)?;
    Ok(PrintReport {
        bytes: bytes.len(),
        status,
    })
}
