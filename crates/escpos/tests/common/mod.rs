//! Shared by the integration tests: a receipt-like document, and a stand-in printer's
//! status answers.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use countersign_escpos::interpret::{Item, Line};
use countersign_escpos::{fit_columns, PrinterProfile, TextStyle};
use countersign_printdoc::{Align, Block, Document, Paper, Style};
use image::GrayImage;

/// Text in the CS1 alphabet (base45), `len` characters, different for each seed.
pub fn payload(seed: usize, len: usize) -> String {
    const BASE45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut text = String::from("CS1:");
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    while text.len() < len {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        text.push(char::from(BASE45[(state >> 33) % BASE45.len()]));
    }
    text
}

/// A verification receipt as the app composes one: about 30 Chinese characters of heading
/// and prose, a verdict, eight fields (one long enough to wrap) and a 450-character QR code.
pub fn receipt(paper: Paper) -> Document {
    Document {
        paper,
        title: "核验回执".into(),
        lang: "zh-CN".into(),
        blocks: vec![
            Block::centered("北京市朝阳区政务服务中心", Style::Heading),
            Block::centered("核验回执 Verification receipt", Style::Normal),
            Block::Rule,
            Block::centered("有效 VALID", Style::Verdict),
            Block::Rule,
            Block::field("证件 Credential", "居民身份证 Resident ID"),
            Block::field("姓名 Name", "张*明"),
            Block::field("证件号 ID number", "110105********1000"),
            Block::field("签发机关 Issuer", "北京市公安局朝阳分局"),
            Block::field("有效期 Valid until", "2031-05-20"),
            Block::field("核验时间 Checked at", "2025-11-29 14:32:07"),
            Block::field("核验终端 Station", "BJ-CY-07"),
            Block::field(
                "签名 Signature",
                "ed25519:7Hq2Vw9sKd3LmPz8XcRt5YbNf4GjUa6EoWi1QyTe0Sx",
            ),
            Block::Space,
            Block::text(
                "扫描下方二维码可复核本回执。Scan the code below to check this receipt again.",
                Style::Small,
            ),
            Block::Qr {
                data: payload(7, 450),
                caption: Some("扫码核验 Scan to verify".into()),
            },
        ],
    }
}

/// The text lines a profile prints for `doc` (text, style, alignment), computed from the
/// document with `fit_columns` and the documented style mapping; `None` style for empty
/// lines.
pub fn expected_lines(
    doc: &Document,
    profile: &PrinterProfile,
) -> Vec<(String, Option<Style>, Align)> {
    let mut out = Vec::new();
    let push = |out: &mut Vec<_>, text: &str, style: Style, align: Align| {
        let columns = profile.columns / usize::from(TextStyle::for_style(style).width);
        for line in fit_columns(text, columns) {
            let style = (!line.is_empty()).then_some(style);
            out.push((line, style, align));
        }
    };
    for block in &doc.blocks {
        match block {
            Block::Text(t) => push(&mut out, &t.text, t.style, t.align),
            Block::Field { label, value } => push(
                &mut out,
                &format!("{label}：{value}"),
                Style::Normal,
                Align::Left,
            ),
            Block::Rule => push(
                &mut out,
                &"-".repeat(profile.columns),
                Style::Normal,
                Align::Left,
            ),
            Block::Space => out.push((String::new(), None, Align::Left)),
            Block::Qr { caption, .. } => {
                if let Some(caption) = caption {
                    push(&mut out, caption, Style::Small, Align::Center);
                }
            }
            // The chart's own lines are written out in tests/bars.rs.
            Block::Bars { .. } => panic!("expected_lines does not model bar charts"),
        }
    }
    out
}

/// The interpreted lines as (text, document style, alignment).
pub fn got_lines(items: &[Item]) -> Vec<(String, Option<Style>, Align)> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Line(line) => Some(describe(line)),
            _ => None,
        })
        .collect()
}

fn describe(line: &Line) -> (String, Option<Style>, Align) {
    (
        line.text(),
        line.style().and_then(|s| s.document_style()),
        line.align,
    )
}

/// Consecutive raster items (the bands of one picture) stacked into one picture each.
pub fn pictures(items: &[Item]) -> Vec<GrayImage> {
    countersign_escpos::interpret::pictures(items)
}

/// Answers `DLE EOT n` requests found in what a stand-in printer receives, as a printer
/// would: one byte per request, the answer to n = 1, 2, 4 from `answers`; nothing when
/// `answers` is `None` (a printer that never answers).
pub struct Responder {
    answers: Option<[u8; 3]>,
    scanned: usize,
}

impl Responder {
    pub fn new(answers: Option<[u8; 3]>) -> Self {
        Self {
            answers,
            scanned: 0,
        }
    }

    /// The bytes to send back for requests completed in `received` since the last call.
    pub fn reply(&mut self, received: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        while self.scanned + 3 <= received.len() {
            let at = self.scanned;
            if received[at] == 0x10 && received[at + 1] == 0x04 {
                if let Some(answers) = self.answers {
                    match received[at + 2] {
                        1 => out.push(answers[0]),
                        2 => out.push(answers[1]),
                        4 => out.push(answers[2]),
                        // n = 3 (error cause) is not asked by the crate.
                        _ => out.push(0x12),
                    }
                }
                self.scanned += 3;
            } else {
                self.scanned += 1;
            }
        }
        out
    }
}

/// Status answers (n = 1, 2, 4).
pub const READY: [u8; 3] = [0x12, 0x12, 0x12];
pub const PAPER_OUT: [u8; 3] = [0x1A, 0x32, 0x72];
pub const COVER_OPEN: [u8; 3] = [0x1A, 0x16, 0x12];
pub const ERROR: [u8; 3] = [0x1A, 0x52, 0x12];
pub const OFFLINE: [u8; 3] = [0x1A, 0x12, 0x12];
pub const NEAR_END: [u8; 3] = [0x12, 0x12, 0x1E];

/// `items` without the status requests a transport sent before the job.
pub fn without_status_requests(items: Vec<Item>) -> Vec<Item> {
    items
        .into_iter()
        .filter(|i| !matches!(i, Item::StatusRequest(_)))
        .collect()
}
