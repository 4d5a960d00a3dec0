//! A line with a character outside the printer's font ROM is printed as a picture, drawn
//! with the shipped font; the other lines stay text.

mod common;

use countersign_escpos::interpret::{interpret, Item};
use countersign_escpos::{encode, FontRom, PrinterProfile};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::raster::render_line;
use countersign_printdoc::{Align, Block, Document, Paper, Style};

const GBK_ONLY: &str = "姓名：王喆";
const FOUR_BYTE: &str = "曾用名：李\u{2A6A5}";
const COMMON: &str = "证件号：110105********1000";

fn doc() -> Document {
    Document {
        paper: Paper::Roll80,
        title: "t".into(),
        lang: "zh-CN".into(),
        blocks: vec![
            Block::text(GBK_ONLY, Style::Normal),
            Block::text(COMMON, Style::Normal),
            Block::text(FOUR_BYTE, Style::Normal),
            Block::centered("有效 VALID", Style::Verdict),
        ],
    }
}

/// What each line of `doc()` became: `Ok(text)` for a text line, `Err(ink)` for a picture.
fn outcome(rom: FontRom) -> (Vec<Result<String, usize>>, Vec<Item>) {
    let profile = PrinterProfile {
        font_rom: rom,
        ..PrinterProfile::roll80()
    };
    let bytes = encode(&doc(), &profile, &Fonts::embedded_only()).expect("encodes");
    let items = interpret(&bytes).expect("interprets");
    let lines = items
        .iter()
        .filter_map(|item| match item {
            Item::Line(l) => Some(Ok(l.text())),
            Item::Raster(r) => Some(Err(r.ink())),
            _ => None,
        })
        .collect();
    (lines, items)
}

fn text(s: &str) -> Result<String, usize> {
    Ok(s.to_owned())
}

#[test]
fn gb2312_prints_gbk_and_four_byte_lines_as_pictures() {
    let (lines, items) = outcome(FontRom::Gb2312);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(matches!(lines[0], Err(ink) if ink > 200), "{:?}", lines[0]);
    assert_eq!(lines[1], text(COMMON));
    assert!(matches!(lines[2], Err(ink) if ink > 200), "{:?}", lines[2]);
    assert_eq!(lines[3], text("有效 VALID"));

    // The picture is the line as the preview draws it: same font, size, alignment.
    let Some(Item::Raster(first)) = items.iter().find(|i| matches!(i, Item::Raster(_))) else {
        panic!("no raster in {items:?}");
    };
    let want = render_line(&Fonts::embedded_only(), GBK_ONLY, 24, Align::Left, 576);
    assert_eq!(first.image.dimensions(), want.dimensions());
    let differing = first
        .image
        .enumerate_pixels()
        .filter(|(x, y, p)| (p.0[0] < 128) != (want.get_pixel(*x, *y).0[0] < 128))
        .count();
    assert_eq!(differing, 0, "the raster is not the rendered line");
}

#[test]
fn gbk_prints_the_gbk_line_as_text_and_the_four_byte_one_as_a_picture() {
    let (lines, _) = outcome(FontRom::Gbk);
    assert_eq!(lines[0], text(GBK_ONLY));
    assert_eq!(lines[1], text(COMMON));
    assert!(matches!(lines[2], Err(ink) if ink > 200), "{:?}", lines[2]);
}

#[test]
fn gb18030_prints_everything_as_text() {
    let (lines, _) = outcome(FontRom::Gb18030);
    assert_eq!(
        lines,
        [
            text(GBK_ONLY),
            text(COMMON),
            text(FOUR_BYTE),
            text("有效 VALID")
        ]
    );
}

#[test]
fn an_ascii_only_printer_prints_chinese_as_pictures() {
    let (lines, items) = outcome(FontRom::Ascii);
    assert!(lines.iter().all(|l| l.is_err()), "{lines:?}");
    assert_eq!(
        items
            .iter()
            .filter(|i| matches!(i, Item::Raster(_)))
            .count(),
        4,
        "a picture per line"
    );
    // And Chinese mode is never entered.
    let profile = PrinterProfile {
        font_rom: FontRom::Ascii,
        ..PrinterProfile::roll80()
    };
    let bytes = encode(&doc(), &profile, &Fonts::embedded_only()).expect("encodes");
    assert_eq!(bytes[..2], [0x1B, b'@']);
    assert_ne!(bytes[2..4], [0x1C, b'&']);
}

#[test]
fn a_pictured_heading_or_verdict_is_magnified_like_the_text() {
    let doc = Document {
        blocks: vec![
            Block::centered("王喆", Style::Heading),
            Block::centered("王堃", Style::Verdict),
            Block::text("王喆", Style::Small),
        ],
        ..doc()
    };
    let bytes = encode(&doc, &PrinterProfile::roll58(), &Fonts::embedded_only()).expect("encodes");
    let items = interpret(&bytes).expect("interprets");
    let sizes: Vec<(u32, u32)> = items
        .iter()
        .filter_map(|i| match i {
            Item::Raster(r) => Some(r.image.dimensions()),
            _ => None,
        })
        .collect();
    // Full width; 24-dot glyphs in 30-dot lines, doubled as the style doubles text.
    assert_eq!(sizes, [(384, 60), (384, 60), (384, 25)]);
}
