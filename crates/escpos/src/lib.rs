//! Prints a [`countersign_printdoc::Document`] on ESC/POS thermal receipt printers (58 and
//! 80 mm rolls: Epson TM-T20/T88 and compatibles, Xprinter and the other models common in
//! Chinese service halls), and reads ESC/POS back.
//!
//! Three parts, each usable alone:
//! - [`encode()`] turns a document into the bytes for one printer [`PrinterProfile`]: Chinese text in
//!   GB18030 in the printer's Chinese mode, restricted to what its font ROM covers
//!   ([`FontRom`]); a line with any character outside the ROM is sent as a raster picture
//!   drawn with the shipped font, so a rare character in a name is printed, never garbage.
//!   QR codes go native (`GS ( k`) or as a raster, bar charts as text lines of the ROM's
//!   block characters, and the job ends with a feed and a cut.
//! - [`Transport`]s carry the bytes: [`TcpTransport`] (port 9100), [`SerialTransport`] and
//!   [`DeviceFileTransport`] (`/dev/usb/lp0`). Bidirectional ones ask the printer for its
//!   real-time status (`DLE EOT`); [`print()`] refuses to send to a printer that reports its
//!   paper out or its cover open, with an error the clerk's screen can show as it is.
//! - [`interpret`] parses an ESC/POS stream back into lines, pictures, QR payloads and cuts,
//!   for tests and for a preview of what a printer will do with a job. It rejects what it does
//!   not know rather than skip it.
//!
//! Not for: laying documents out (the document is composed in `countersign-printdoc`; this
//! crate only wraps its text to the roll's columns), PDF or system print queues (the PDF
//! renderer does those), discovering printers on the network or USB (the hall's settings
//! name the printer), or anything about what a receipt means.
//!
//! ```
//! use countersign_escpos::{encode, interpret, PrinterProfile};
//! use countersign_printdoc::{fonts::Fonts, Block, Document, Paper, Style};
//!
//! let doc = Document {
//!     paper: Paper::Roll80,
//!     title: "回执".into(),
//!     lang: "zh-CN".into(),
//!     blocks: vec![Block::centered("核验回执 Receipt", Style::Heading)],
//! };
//! let bytes = encode(&doc, &PrinterProfile::roll80(), &Fonts::embedded_only())?;
//! let items = interpret::interpret(&bytes)?;
//! assert_eq!(interpret::text_lines(&items), ["核验回执 Receipt"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod commands;
mod encode;
pub mod interpret;
mod print;
mod profile;
mod qr;
mod status;
mod style;
mod transport;

pub use encode::{encode, fit_columns, EncodeError};
pub use print::{print, PrintReport};
pub use profile::{Cut, FontRom, PrinterProfile};
pub use status::{PrinterStatus, StatusFlags, UnknownStatus};
pub use style::TextStyle;
pub use transport::{
    DeviceFileTransport, EscPosError, Handshake, SerialOptions, SerialTransport, TcpOptions,
    TcpTransport, Transport,
};
