//! A printer's real-time status (`DLE EOT`), decoded.

use std::time::Duration;

/// What a printer said about itself, or why it said nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterStatus {
    /// The printer answered the real-time status requests.
    Reported(StatusFlags),
    /// The status is not known; nothing can be said about whether it will print.
    Unknown(UnknownStatus),
}

impl PrinterStatus {
    /// `Some(true)` only when the printer reported itself ready; `None` when unknown.
    pub fn ready(&self) -> Option<bool> {
        match self {
            Self::Reported(flags) => Some(flags.ready()),
            Self::Unknown(_) => None,
        }
    }
}

/// Why a status is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownStatus {
    /// The transport only writes (a USB printer device file, most parallel ports).
    WriteOnly,
    /// The printer did not answer within the timeout (it may not support `DLE EOT`, may be
    /// switched off behind a serial cable, or busy beyond its real-time processing).
    NoAnswer {
        /// How long it was given.
        waited: Duration,
    },
    /// It answered with a byte that is not an ESC/POS status byte.
    Garbled {
        /// The byte.
        byte: u8,
    },
}

/// The printer's state, from the answers to `DLE EOT 1` (printer), `DLE EOT 2` (offline
/// cause) and `DLE EOT 4` (roll paper sensor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusFlags {
    /// Offline: it will not print until the cause is cleared (`DLE EOT 1`, bit 3).
    pub offline: bool,
    /// The cover is open (`DLE EOT 2`, bit 2).
    pub cover_open: bool,
    /// Paper is being fed by the feed button (`DLE EOT 2`, bit 3).
    pub feeding: bool,
    /// Out of paper: printing stopped at the paper end (`DLE EOT 2`, bit 5) or the roll
    /// sensor finds none (`DLE EOT 4`, bits 5–6).
    pub paper_out: bool,
    /// The roll is nearly used up (`DLE EOT 4`, bits 2–3); it still prints.
    pub paper_near_end: bool,
    /// An error occurred: cutter jam, head overheating, or an unrecoverable fault
    /// (`DLE EOT 2`, bit 6).
    pub error: bool,
}

impl StatusFlags {
    /// Decodes the answers to `DLE EOT 1`, `2` and `4`. Each must have the fixed bits of a
    /// status byte (bit 1 and bit 4 set, bits 0 and 7 clear); the first that does not is
    /// returned as the error.
    pub fn from_bytes(printer: u8, offline: u8, paper: u8) -> Result<Self, u8> {
        for byte in [printer, offline, paper] {
            if byte & 0x93 != 0x12 {
                return Err(byte);
            }
        }
        Ok(Self {
            offline: printer & 0x08 != 0,
            cover_open: offline & 0x04 != 0,
            feeding: offline & 0x08 != 0,
            paper_out: offline & 0x20 != 0 || paper & 0x60 != 0,
            paper_near_end: paper & 0x0C != 0,
            error: offline & 0x40 != 0,
        })
    }

    /// Whether nothing stops it printing (a nearly empty roll does not).
    pub fn ready(&self) -> bool {
        !(self.offline || self.cover_open || self.paper_out || self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_status_bytes() {
        let ready = StatusFlags::from_bytes(0x12, 0x12, 0x12);
        assert_eq!(ready, Ok(StatusFlags::default()));
        assert!(StatusFlags::default().ready());

        let paper_out = StatusFlags::from_bytes(0x1A, 0x32, 0x72).expect("valid bytes");
        assert!(paper_out.paper_out && paper_out.offline && !paper_out.cover_open);
        assert!(!paper_out.ready());

        let cover = StatusFlags::from_bytes(0x1A, 0x16, 0x12).expect("valid bytes");
        assert!(cover.cover_open && !cover.paper_out);

        let near_end = StatusFlags::from_bytes(0x12, 0x12, 0x1E).expect("valid bytes");
        assert!(near_end.paper_near_end && near_end.ready());

        assert_eq!(StatusFlags::from_bytes(0x12, 0xFF, 0x12), Err(0xFF));
        assert_eq!(StatusFlags::from_bytes(0x00, 0x12, 0x12), Err(0x00));
    }
}
