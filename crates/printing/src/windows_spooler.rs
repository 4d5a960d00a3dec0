//! The Windows spooler: the document goes to an installed printer as RAW data — ESC/POS bytes
//! for a thermal printer (a roll paper), PDF for an office printer that takes PDF directly
//! (most current office printers do; others need the CUPS-like path of a print server).
//!
//! Compiled on Windows only; it cannot be built or tested on the Linux CI machines (see
//! installers/README.md for the Windows build).

use crate::{PrintError, Printer, PrinterState};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::{Document, Paper};
use std::sync::Arc;

/// A printer installed in Windows, by its name.
pub struct WindowsPrinter {
    name: String,
    paper: Paper,
    fonts: Arc<Fonts>,
}

impl WindowsPrinter {
    /// The installed printer called `name`.
    pub fn new(name: &str, paper: Paper, fonts: Arc<Fonts>) -> Self {
        Self {
            name: name.to_string(),
            paper,
            fonts,
        }
    }

    fn bytes(&self, doc: &Document) -> Result<Vec<u8>, PrintError> {
        if self.paper.is_roll() {
            let profile = crate::escpos_printer::profile_for(self.paper, "");
            countersign_escpos::encode(doc, &profile, &self.fonts)
                .map_err(|e| PrintError::Render(e.to_string()))
        } else {
            countersign_pdf::render(doc, &self.fonts).map_err(|e| PrintError::Render(e.to_string()))
        }
    }
}

impl Printer for WindowsPrinter {
    fn paper(&self) -> Paper {
        self.paper
    }

    fn print(&mut self, doc: &Document, job_name: &str) -> Result<(), PrintError> {
        let bytes = self.bytes(doc)?;
        let printer = printers::get_printer_by_name(&self.name)
            .ok_or_else(|| PrintError::Offline(format!("no printer called {:?}", self.name)))?;
        let options = printers::common::base::job::PrinterJobOptions {
            name: Some(job_name),
            ..printers::common::base::job::PrinterJobOptions::none()
        };
        printer
            .print(&bytes, options)
            .map(|_| ())
            .map_err(|e| PrintError::Refused(format!("{e:?}")))
    }

    fn status(&mut self) -> PrinterState {
        match printers::get_printer_by_name(&self.name) {
            Some(_) => PrinterState::Unknown,
            None => PrinterState::Offline(format!("no printer called {:?}", self.name)),
        }
    }
}
