//! Thermal printers over ESC/POS, addressed as `escpos+tcp://host[:port]`,
//! `escpos+serial:///dev/ttyUSB0?baud=19200` or `escpos+usb:///dev/usb/lp0`, with
//! `?font=gb2312|gbk|gb18030|ascii`, `qr=native|raster` and `cut=partial|full|none`. The
//! connection is opened for each job and each status question, so a printer switched off and
//! on again, or a cable replugged, needs nothing from the clerk.

use crate::{PrintError, Printer, PrinterState};
use countersign_escpos::{
    Cut, DeviceFileTransport, FontRom, PrinterProfile, PrinterStatus, SerialOptions,
    SerialTransport, TcpOptions, TcpTransport, Transport, UnknownStatus,
};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::{Document, Paper};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Link {
    Tcp(String),
    Serial(String, u32),
    Device(String),
}

/// An ESC/POS thermal printer.
pub struct EscPosPrinter {
    link: Link,
    profile: PrinterProfile,
    fonts: Arc<Fonts>,
}

/// The profile for a roll, adjusted by an address's query (`font=…&qr=…&cut=…`).
pub(crate) fn profile_for(paper: Paper, query: &str) -> PrinterProfile {
    let mut profile = PrinterProfile::for_paper(paper).unwrap_or_else(PrinterProfile::roll80);
    for (key, value) in query.split('&').filter_map(|kv| kv.split_once('=')) {
        match (key, value.to_ascii_lowercase().as_str()) {
            ("font", "ascii") => profile.font_rom = FontRom::Ascii,
            ("font", "gb2312") => profile.font_rom = FontRom::Gb2312,
            ("font", "gbk") => profile.font_rom = FontRom::Gbk,
            ("font", "gb18030") => profile.font_rom = FontRom::Gb18030,
            ("qr", "native") => profile.native_qr = true,
            ("qr", "raster") => profile.native_qr = false,
            ("cut", "partial") => profile.cut = Cut::Partial,
            ("cut", "full") => profile.cut = Cut::Full,
            ("cut", "none") => profile.cut = Cut::None,
            _ => {}
        }
    }
    profile
}

fn parse(address: &str) -> Result<(Link, String), PrintError> {
    let bad = || PrintError::BadAddress(address.to_string());
    let (rest, query) = address.split_once('?').unwrap_or((address, ""));
    let link = if let Some(host) = rest.strip_prefix("escpos+tcp://") {
        let host = host.trim_end_matches('/');
        if host.is_empty() || host.contains('/') {
            return Err(bad());
        }
        Link::Tcp(host.to_string())
    } else if let Some(path) = rest.strip_prefix("escpos+serial://") {
        if !path.starts_with('/') && !path.to_ascii_uppercase().starts_with("COM") {
            return Err(bad());
        }
        let baud = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("baud="))
            .map(|b| b.parse::<u32>().map_err(|_| bad()))
            .transpose()?
            .unwrap_or(9600);
        Link::Serial(path.to_string(), baud)
    } else if let Some(path) = rest.strip_prefix("escpos+usb://") {
        if path.is_empty() {
            return Err(bad());
        }
        Link::Device(path.to_string())
    } else {
        return Err(bad());
    };
    Ok((link, query.to_string()))
}

fn error(e: countersign_escpos::EscPosError) -> PrintError {
    use countersign_escpos::EscPosError as E;
    match e {
        E::PaperOut => PrintError::PaperOut,
        E::CoverOpen => PrintError::CoverOpen,
        E::Offline => PrintError::Offline("the printer reports itself offline".into()),
        E::PrinterError => PrintError::JobFailed(e.to_string()),
        E::Encode(inner) => PrintError::Render(inner.to_string()),
        E::TimedOut { .. } => PrintError::Offline(e.to_string()),
        other => PrintError::Unreachable(other.to_string()),
    }
}

impl EscPosPrinter {
    /// The printer at `address`, loaded with `paper` (a roll).
    pub fn open(address: &str, paper: Paper, fonts: Arc<Fonts>) -> Result<Self, PrintError> {
        if !paper.is_roll() {
            return Err(PrintError::Render(format!(
                "an ESC/POS printer takes a 58 or 80 mm roll, not {}",
                paper.as_str()
            )));
        }
        let (link, query) = parse(address)?;
        Ok(Self {
            link,
            profile: profile_for(paper, &query),
            fonts,
        })
    }

    /// The profile in use.
    pub fn profile(&self) -> &PrinterProfile {
        &self.profile
    }

    fn connect(&self) -> Result<Box<dyn Transport>, countersign_escpos::EscPosError> {
        Ok(match &self.link {
            Link::Tcp(host) => Box::new(TcpTransport::connect(host, TcpOptions::default())?),
            Link::Serial(path, baud) => Box::new(SerialTransport::open(
                path,
                SerialOptions {
                    baud_rate: *baud,
                    ..SerialOptions::default()
                },
            )?),
            Link::Device(path) => Box::new(DeviceFileTransport::open(path)?),
        })
    }
}

impl Printer for EscPosPrinter {
    fn paper(&self) -> Paper {
        self.profile.paper
    }

    fn print(&mut self, doc: &Document, _job_name: &str) -> Result<(), PrintError> {
        let mut transport = self.connect().map_err(error)?;
        countersign_escpos::print(doc, &self.profile, &self.fonts, &mut transport)
            .map(|_| ())
            .map_err(error)
    }

    fn status(&mut self) -> PrinterState {
        let status = self.connect().and_then(|mut t| t.status());
        match status {
            Err(e) => PrinterState::Offline(e.to_string()),
            Ok(PrinterStatus::Unknown(UnknownStatus::NoAnswer { .. })) => PrinterState::Unknown,
            Ok(PrinterStatus::Unknown(_)) => PrinterState::Unknown,
            Ok(PrinterStatus::Reported(f)) if f.cover_open => PrinterState::CoverOpen,
            Ok(PrinterStatus::Reported(f)) if f.paper_out => PrinterState::PaperOut,
            Ok(PrinterStatus::Reported(f)) if f.error => {
                PrinterState::Error("cutter jam, overheating or a fault".into())
            }
            Ok(PrinterStatus::Reported(f)) if f.offline => {
                PrinterState::Offline("the printer reports itself offline".into())
            }
            Ok(PrinterStatus::Reported(f)) if f.paper_near_end => PrinterState::PaperLow,
            Ok(PrinterStatus::Reported(_)) => PrinterState::Ready,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_options_are_read() {
        let (link, q) = parse("escpos+tcp://10.0.0.5:9100?font=gb18030&qr=raster").expect("tcp");
        assert_eq!(link, Link::Tcp("10.0.0.5:9100".into()));
        let p = profile_for(Paper::Roll80, &q);
        assert_eq!((p.font_rom, p.native_qr), (FontRom::Gb18030, false));
        let (link, _) = parse("escpos+serial:///dev/ttyUSB0?baud=19200").expect("serial");
        assert_eq!(link, Link::Serial("/dev/ttyUSB0".into(), 19200));
        let (link, _) = parse("escpos+usb:///dev/usb/lp0").expect("usb");
        assert_eq!(link, Link::Device("/dev/usb/lp0".into()));
        for bad in [
            "escpos+tcp://",
            "escpos+serial://ttyUSB0",
            "escpos+serial:///dev/ttyS0?baud=fast",
            "escpos+usb://",
            "escpos+lpt://x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(EscPosPrinter::open(
            "escpos+tcp://127.0.0.1:9",
            Paper::A4,
            Arc::new(Fonts::embedded_only())
        )
        .is_err());
    }
}
