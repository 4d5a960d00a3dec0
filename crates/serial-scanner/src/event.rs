//! What the reader thread reports, and why a scan was refused or the port went down. Every
//! event and reason has a stable `code()` the app maps to a message in the clerk's language;
//! the `Display` texts are English and meant for logs.

use std::path::PathBuf;

use crate::framer::Frame;

/// One thing that happened on the scanner's port, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanEvent {
    /// The port is open and being read.
    Connected {
        /// The configured path that was opened.
        path: PathBuf,
    },
    /// One scan: the text between two suffixes (or ended by a pause), trimmed, never empty.
    Scan(String),
    /// A line came in but is not delivered as a scan.
    Rejected {
        /// Why.
        reason: Rejection,
    },
    /// The port could not be opened or stopped working. The reader keeps trying to open it and
    /// reports [`ScanEvent::Connected`] when it succeeds.
    Disconnected {
        /// Why.
        reason: Disconnect,
    },
}

impl ScanEvent {
    /// A stable identifier: `serial.connected`, `serial.scan`, or the reason's code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Connected { .. } => "serial.connected",
            Self::Scan(_) => "serial.scan",
            Self::Rejected { reason } => reason.code(),
            Self::Disconnected { reason } => reason.code(),
        }
    }
}

impl From<Frame> for ScanEvent {
    fn from(frame: Frame) -> Self {
        match frame {
            Frame::Scan(text) => Self::Scan(text),
            Frame::Rejected(reason) => Self::Rejected { reason },
        }
    }
}

/// Why a line from the scanner was not delivered as a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The line passed the configured limit; the rest of it was dropped.
    #[error("scan is longer than {max_len} bytes")]
    TooLong {
        /// The configured limit.
        max_len: usize,
    },
    /// The line holds bytes that are not printable UTF-8 text: line noise, a wrong baud rate
    /// or a scanner sending binary data.
    #[error("scan of {len} bytes is not text: {found} at byte {offset}")]
    NotText {
        /// The line's length in bytes, before trimming.
        len: usize,
        /// Where the first bad byte is, counted from the start of the line.
        offset: usize,
        /// What is there.
        found: BadText,
    },
}

impl Rejection {
    /// A stable identifier: `serial.too_long` or `serial.not_text`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLong { .. } => "serial.too_long",
            Self::NotText { .. } => "serial.not_text",
        }
    }
}

/// The first thing in a line that is not printable text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadText {
    /// A byte that does not start (or continue) a valid UTF-8 character.
    NotUtf8(u8),
    /// A control character (other than the CR, LF and Tab that end lines).
    Control(char),
}

impl std::fmt::Display for BadText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotUtf8(byte) => write!(f, "byte 0x{byte:02X} that is not UTF-8"),
            Self::Control(ch) => write!(f, "control character U+{:04X}", u32::from(*ch)),
        }
    }
}

/// Why the port is not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Disconnect {
    /// Nothing at the configured path: the scanner is unplugged, or the path is wrong.
    #[error("no serial port at {path}")]
    NotFound {
        /// The configured path.
        path: PathBuf,
    },
    /// The port exists but this account may not open it (on most Linux systems it has to be
    /// in the `dialout` group).
    #[error("not allowed to open serial port {path}")]
    PermissionDenied {
        /// The configured path.
        path: PathBuf,
    },
    /// Another program holds the port (a second copy of the app, a terminal program, or
    /// ModemManager probing a newly plugged CDC-ACM device).
    #[error("serial port {path} is in use by another program")]
    Busy {
        /// The configured path.
        path: PathBuf,
    },
    /// Opening failed for another reason (for example the path is not a serial port).
    #[error("could not open serial port {path}: {detail}")]
    OpenFailed {
        /// The configured path.
        path: PathBuf,
        /// The operating system's description.
        detail: String,
    },
    /// The port was open and stopped working: unplugged, or a read failed.
    #[error("lost serial port {path}: {detail}")]
    Lost {
        /// The configured path.
        path: PathBuf,
        /// The operating system's description.
        detail: String,
    },
}

impl Disconnect {
    /// A stable identifier: `serial.not_found`, `serial.permission_denied`, `serial.busy`,
    /// `serial.open_failed` or `serial.disconnected`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "serial.not_found",
            Self::PermissionDenied { .. } => "serial.permission_denied",
            Self::Busy { .. } => "serial.busy",
            Self::OpenFailed { .. } => "serial.open_failed",
            Self::Lost { .. } => "serial.disconnected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened() {
        let path = PathBuf::from("/dev/ttyACM0");
        let cases: Vec<(ScanEvent, &str, &str)> = vec![
            (
                ScanEvent::Rejected {
                    reason: Rejection::TooLong { max_len: 8192 },
                },
                "serial.too_long",
                "scan is longer than 8192 bytes",
            ),
            (
                ScanEvent::Rejected {
                    reason: Rejection::NotText {
                        len: 7,
                        offset: 4,
                        found: BadText::NotUtf8(0xff),
                    },
                },
                "serial.not_text",
                "scan of 7 bytes is not text: byte 0xFF that is not UTF-8 at byte 4",
            ),
            (
                ScanEvent::Rejected {
                    reason: Rejection::NotText {
                        len: 3,
                        offset: 0,
                        found: BadText::Control('\0'),
                    },
                },
                "serial.not_text",
                "scan of 3 bytes is not text: control character U+0000 at byte 0",
            ),
            (
                ScanEvent::Disconnected {
                    reason: Disconnect::NotFound { path: path.clone() },
                },
                "serial.not_found",
                "no serial port at /dev/ttyACM0",
            ),
            (
                ScanEvent::Disconnected {
                    reason: Disconnect::PermissionDenied { path: path.clone() },
                },
                "serial.permission_denied",
                "not allowed to open serial port /dev/ttyACM0",
            ),
            (
                ScanEvent::Disconnected {
                    reason: Disconnect::Busy { path: path.clone() },
                },
                "serial.busy",
                "serial port /dev/ttyACM0 is in use by another program",
            ),
            (
                ScanEvent::Disconnected {
                    reason: Disconnect::OpenFailed {
                        path: path.clone(),
                        detail: "Inappropriate ioctl for device".into(),
                    },
                },
                "serial.open_failed",
                "could not open serial port /dev/ttyACM0: Inappropriate ioctl for device",
            ),
            (
                ScanEvent::Disconnected {
                    reason: Disconnect::Lost {
                        path,
                        detail: "Broken pipe".into(),
                    },
                },
                "serial.disconnected",
                "lost serial port /dev/ttyACM0: Broken pipe",
            ),
        ];
        for (event, code, message) in cases {
            assert_eq!(event.code(), code, "{event:?}");
            let shown = match &event {
                ScanEvent::Rejected { reason } => reason.to_string(),
                ScanEvent::Disconnected { reason } => reason.to_string(),
                _ => String::new(),
            };
            assert_eq!(shown, message, "{event:?}");
        }
    }
}
