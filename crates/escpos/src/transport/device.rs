//! USB printers through the kernel's printer class driver: `/dev/usb/lp0` on Linux, written
//! like a file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EscPosError, Transport};
use crate::status::{PrinterStatus, UnknownStatus};

/// A printer device file, written to and never read: its status is always
/// [`UnknownStatus::WriteOnly`].
///
/// A write to a printer that has stopped (paper out) blocks in the kernel driver, which
/// times out on its own schedule; run it off the UI thread.
#[derive(Debug)]
pub struct DeviceFileTransport {
    file: File,
    path: PathBuf,
}

impl DeviceFileTransport {
    /// Opens the device at `path` for writing. It must exist: a missing `/dev/usb/lp0` means
    /// the printer is unplugged or off, and creating a plain file there would swallow jobs.
    ///
    /// # Errors
    /// [`EscPosError::Open`] when it does not exist or may not be written (on Linux the user
    /// must be in the `lp` group).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EscPosError> {
        let path = path.as_ref().to_owned();
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|source| EscPosError::Open {
                target: path.display().to_string(),
                source,
            })?;
        Ok(Self { file, path })
    }
}

impl Transport for DeviceFileTransport {
    fn send(&mut self, bytes: &[u8]) -> Result<(), EscPosError> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.flush())
            // The driver's own timeout (paper out) arrives as an error like any other.
            .map_err(|source| EscPosError::WriteFailed {
                target: self.path.display().to_string(),
                source,
            })
    }

    fn status(&mut self) -> Result<PrinterStatus, EscPosError> {
        Ok(PrinterStatus::Unknown(UnknownStatus::WriteOnly))
    }
}
