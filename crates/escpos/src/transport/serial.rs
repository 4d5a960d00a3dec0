//! Serial printers (RS-232, or USB adapters and USB printers in CDC-ACM mode).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serialport::{ClearBuffer, FlowControl, SerialPort};

use super::{query_status, EscPosError, Transport};
use crate::commands::status_request;
use crate::status::PrinterStatus;

/// How the printer says "wait" when its buffer fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handshake {
    /// None: fine for USB CDC-ACM, which has its own flow control; at 9600 baud on RS-232 a
    /// long raster can overrun a small buffer.
    None,
    /// XON/XOFF. Safe with binary data: only what the printer sends is interpreted, and no
    /// ESC/POS status byte is XON (0x11) or XOFF (0x13).
    XonXoff,
    /// RTS/CTS lines.
    RtsCts,
}

/// Line settings and timeouts for a serial printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialOptions {
    /// Line speed; must match the printer's DIP switches or settings (9600 is the usual
    /// factory setting, 115200 on newer models).
    pub baud_rate: u32,
    /// Flow control.
    pub handshake: Handshake,
    /// How long one write may block.
    pub write_timeout: Duration,
    /// How long to wait for each status answer.
    pub status_timeout: Duration,
}

impl Default for SerialOptions {
    /// 9600 baud 8N1, no handshake, 10 s per write, 800 ms per status answer.
    fn default() -> Self {
        Self {
            baud_rate: 9600,
            handshake: Handshake::None,
            write_timeout: Duration::from_secs(10),
            status_timeout: Duration::from_millis(800),
        }
    }
}

/// A printer on a serial port.
pub struct SerialTransport {
    port: Box<dyn SerialPort>,
    path: PathBuf,
    options: SerialOptions,
}

impl std::fmt::Debug for SerialTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialTransport")
            .field("path", &self.path)
            .field("options", &self.options)
            .finish()
    }
}

impl SerialTransport {
    /// Opens the port at `path` (`/dev/ttyUSB0`, `/dev/ttyACM0`, `COM3`), 8 data bits, no
    /// parity, 1 stop bit.
    ///
    /// # Errors
    /// [`EscPosError::Open`] when the port is missing, busy or not a serial port.
    pub fn open(path: impl AsRef<Path>, options: SerialOptions) -> Result<Self, EscPosError> {
        let path = path.as_ref().to_owned();
        let flow = match options.handshake {
            Handshake::None => FlowControl::None,
            Handshake::XonXoff => FlowControl::Software,
            Handshake::RtsCts => FlowControl::Hardware,
        };
        let port = serialport::new(path.to_string_lossy(), options.baud_rate)
            .flow_control(flow)
            .timeout(options.write_timeout)
            .open()
            .map_err(|e| EscPosError::Open {
                target: path.display().to_string(),
                source: io::Error::from(e),
            })?;
        Ok(Self {
            port,
            path,
            options,
        })
    }

    fn target(&self) -> String {
        self.path.display().to_string()
    }

    fn io_error(&self, source: io::Error, writing: bool) -> EscPosError {
        match source.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock if writing => {
                EscPosError::TimedOut {
                    target: self.target(),
                    after: self.options.write_timeout,
                }
            }
            _ if writing => EscPosError::WriteFailed {
                target: self.target(),
                source,
            },
            _ => EscPosError::ReadFailed {
                target: self.target(),
                source,
            },
        }
    }

    fn set_timeout(&mut self, timeout: Duration) -> Result<(), EscPosError> {
        self.port
            .set_timeout(timeout)
            .map_err(|e| self.io_error(io::Error::from(e), false))
    }

    fn ask(&mut self, n: u8) -> Result<Option<u8>, EscPosError> {
        self.port
            .write_all(&status_request(n))
            .and_then(|()| self.port.flush())
            .map_err(|e| self.io_error(e, true))?;
        let mut byte = [0u8; 1];
        loop {
            match self.port.read(&mut byte) {
                Ok(0) => return Ok(None),
                Ok(_) => return Ok(Some(byte[0])),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(e, false)),
            }
        }
    }
}

impl Transport for SerialTransport {
    fn send(&mut self, bytes: &[u8]) -> Result<(), EscPosError> {
        self.set_timeout(self.options.write_timeout)?;
        self.port
            .write_all(bytes)
            .and_then(|()| self.port.flush())
            .map_err(|e| self.io_error(e, true))
    }

    fn status(&mut self) -> Result<PrinterStatus, EscPosError> {
        // Late answers and automatic status back from before are not answers to this.
        self.port
            .clear(ClearBuffer::Input)
            .map_err(|e| self.io_error(io::Error::from(e), false))?;
        let waited = self.options.status_timeout;
        self.set_timeout(waited)?;
        let status = query_status(waited, |n| self.ask(n));
        self.set_timeout(self.options.write_timeout)?;
        status
    }
}
