//! Encoding a document and reading the bytes back with the interpreter.

mod common;

use common::{expected_lines, got_lines, payload, receipt};
use countersign_escpos::interpret::{interpret, InterpretError, Item};
use countersign_escpos::{encode, Cut, FontRom, PrinterProfile, TextStyle};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::{display_width, Align, Block, Document, Paper, Style};

fn fonts() -> Fonts {
    Fonts::embedded_only()
}

#[test]
fn a_receipt_reads_back_as_its_lines_qr_and_cut() {
    let doc = receipt(Paper::Roll80);
    let profile = PrinterProfile::roll80();
    let bytes = encode(&doc, &profile, &fonts()).expect("encodes");
    let items = interpret(&bytes).expect("interprets");

    // Every line as the document's text wrapped to the profile, in its style and alignment.
    assert_eq!(got_lines(&items), expected_lines(&doc, &profile));
    // A few written out, so the test does not only agree with itself.
    let lines = got_lines(&items);
    let texts: Vec<&str> = lines.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(texts[0], "北京市朝阳区政务服务中心");
    assert_eq!(lines[0].1, Some(Style::Heading));
    assert_eq!(lines[0].2, Align::Center);
    assert_eq!(texts[2], "-".repeat(48));
    assert_eq!(
        lines[3],
        ("有效 VALID".into(), Some(Style::Verdict), Align::Center)
    );
    assert_eq!(texts[5], "证件 Credential：居民身份证 Resident ID");
    // A Latin word too long for the line goes to the next at the last space, then is cut.
    let signature = texts
        .iter()
        .position(|t| *t == "签名")
        .unwrap_or_else(|| panic!("the signature's label alone on a line: {texts:#?}"));
    assert_eq!(
        texts[signature + 1..signature + 3],
        [
            "Signature：ed25519:7Hq2Vw9sKd3LmPz8XcRt5YbNf4GjU",
            "a6EoWi1QyTe0Sx"
        ]
    );
    assert!(texts.contains(&""), "the space block is an empty line");

    // The QR code: native, the payload unchanged, level M, model 2, centred.
    let qrs: Vec<_> = items
        .iter()
        .filter_map(|i| match i {
            Item::Qr(q) => Some(q),
            _ => None,
        })
        .collect();
    assert_eq!(qrs.len(), 1, "{items:#?}");
    assert_eq!(qrs[0].data, payload(7, 450).into_bytes());
    assert_eq!((qrs[0].ecc, qrs[0].model), ('M', 2));
    assert_eq!(qrs[0].align, Align::Center);
    assert!(!items.iter().any(|i| matches!(i, Item::Raster(_))));

    // The caption comes right after the code, then the feed and the cut.
    let qr_at = items
        .iter()
        .position(|i| matches!(i, Item::Qr(_)))
        .unwrap_or_default();
    match &items[qr_at + 1] {
        Item::Line(l) => assert_eq!(l.text(), "扫码核验 Scan to verify"),
        other => panic!("expected the caption after the QR code, got {other:?}"),
    }
    assert_eq!(
        items[items.len() - 2..],
        [
            Item::FeedLines(4),
            Item::Cut {
                partial: true,
                feed: None
            }
        ]
    );
}

#[test]
fn the_stream_starts_with_init_and_chinese_mode() {
    let bytes =
        encode(&receipt(Paper::Roll80), &PrinterProfile::roll80(), &fonts()).expect("encodes");
    assert_eq!(bytes[..4], [0x1B, b'@', 0x1C, b'&']);
    // An all-ASCII document never enters Chinese mode.
    let doc = Document {
        blocks: vec![Block::text("VALID", Style::Verdict)],
        ..receipt(Paper::Roll80)
    };
    let bytes = encode(&doc, &PrinterProfile::roll80(), &fonts()).expect("encodes");
    assert!(!bytes.windows(2).any(|w| w == [0x1C, b'&']), "{bytes:02X?}");
}

#[test]
fn cut_settings() {
    let doc = Document {
        blocks: vec![Block::text("x", Style::Normal)],
        ..receipt(Paper::Roll80)
    };
    for (cut, feed, want) in [
        (
            Cut::Partial,
            4,
            vec![
                Item::FeedLines(4),
                Item::Cut {
                    partial: true,
                    feed: None,
                },
            ],
        ),
        (
            Cut::Full,
            2,
            vec![
                Item::FeedLines(2),
                Item::Cut {
                    partial: false,
                    feed: None,
                },
            ],
        ),
        (Cut::None, 5, vec![Item::FeedLines(5)]),
        (Cut::None, 0, vec![]),
    ] {
        let profile = PrinterProfile {
            cut,
            feed_lines: feed,
            ..PrinterProfile::roll80()
        };
        let items = interpret(&encode(&doc, &profile, &fonts()).expect("encodes")).expect("reads");
        assert_eq!(items[1..], want[..], "{cut:?} with {feed} lines");
    }
}

#[test]
fn control_characters_in_data_do_not_become_commands() {
    // A name carrying GS V 0 (cut) and ESC p (drawer kick) must print as text.
    let doc = Document {
        blocks: vec![Block::field(
            "姓名 Name",
            "张\u{1D}V\u{0}三\u{1B}p\u{0}\u{19}\u{FA}",
        )],
        ..receipt(Paper::Roll80)
    };
    let bytes = encode(&doc, &PrinterProfile::roll80(), &fonts()).expect("encodes");
    let items = interpret(&bytes).expect("no stray commands");
    assert_eq!(
        common::got_lines(&items)[0].0,
        "姓名 Name：张V三p\u{FA}",
        "control characters dropped, the rest kept"
    );
}

/// A native QR code's module size is chosen so the symbol fits the roll even if the
/// printer encodes in byte mode: checked against the QR encoder of `countersign-qr`.
#[test]
fn native_qr_module_size_fits_the_roll() {
    for paper in [Paper::Roll58, Paper::Roll80] {
        let profile = PrinterProfile {
            native_qr: true,
            ..PrinterProfile::for_paper(paper).expect("a roll")
        };
        for len in [5, 100, 450, 1_000, 1_850, 2_331] {
            let data = payload(len, len);
            let doc = Document {
                blocks: vec![Block::Qr {
                    data: data.clone(),
                    caption: None,
                }],
                ..receipt(paper)
            };
            let items =
                interpret(&encode(&doc, &profile, &fonts()).expect("encodes")).expect("interprets");
            let Some(Item::Qr(qr)) = items.iter().find(|i| matches!(i, Item::Qr(_))) else {
                panic!("no QR code in {items:?}");
            };
            // Lower-case letters only force byte mode: the worst case a printer could choose.
            let byte_mode = countersign_qr::inspect(&"x".repeat(len), countersign_qr::EcLevel::M)
                .expect("fits version 40");
            let want = (profile.dots / (byte_mode.modules + 8)).clamp(1, 8);
            assert_eq!(u32::from(qr.module), want, "{len} bytes on {paper:?}");
            assert!(
                byte_mode.modules * u32::from(qr.module) <= profile.dots,
                "{len} bytes on {paper:?}: the symbol is wider than the roll"
            );
        }
    }
    let doc = Document {
        blocks: vec![Block::Qr {
            data: "A".repeat(2_332),
            caption: None,
        }],
        ..receipt(Paper::Roll80)
    };
    assert_eq!(
        encode(&doc, &PrinterProfile::roll80(), &fonts())
            .expect_err("too large")
            .to_string(),
        "2332 bytes are too many for a QR code at error-correction level M"
    );
}

/// Cheap pseudo-random numbers, so the property test needs no dependency and is repeatable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % below
    }
}

#[test]
fn a_58mm_line_is_never_wider_than_32_columns() {
    let pieces = [
        "核验",
        "回执",
        "北京市",
        "朝阳区",
        "，",
        "。",
        "、",
        "）",
        "》",
        "”",
        "：",
        " ",
        " ",
        "VALID",
        "receipt",
        "a",
        "ID",
        "110105",
        "—",
        "-",
        ",",
        ".",
        "!",
        "%",
        "Verification",
        "Supercalifragilisticexpialidocious",
        "１２",
        "〓",
    ];
    let profile = PrinterProfile {
        font_rom: FontRom::Gb18030,
        ..PrinterProfile::roll58()
    };
    let mut rng = Lcg(58);
    let mut lines_seen = 0;
    for case in 0..300 {
        let mut text = String::new();
        for _ in 0..rng.next(40) {
            text.push_str(pieces[rng.next(pieces.len())]);
        }
        let style = [Style::Small, Style::Normal, Style::Heading, Style::Verdict][case % 4];
        let doc = Document {
            blocks: vec![
                Block::text(text.clone(), style),
                Block::field(text.clone(), "值"),
            ],
            ..receipt(Paper::Roll58)
        };
        let items =
            interpret(&encode(&doc, &profile, &fonts()).expect("encodes")).expect("interprets");
        let mut printed = String::new();
        for item in &items {
            let Item::Line(line) = item else { continue };
            lines_seen += 1;
            assert!(
                line.cells() <= 32,
                "case {case}: {:?} takes {} columns ({style:?}) from {text:?}",
                line.text(),
                line.cells()
            );
            printed.push_str(&line.text());
        }
        // Nothing lost or invented: the same characters, spaces aside.
        let squeeze = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
        assert_eq!(
            squeeze(&printed),
            squeeze(&format!("{text}{text}：值")),
            "case {case}"
        );
    }
    assert!(lines_seen > 600, "only {lines_seen} lines");
}

#[test]
fn a_double_width_style_gets_half_the_columns() {
    let doc = Document {
        blocks: vec![Block::text("有效有效有效有效有效有效", Style::Verdict)],
        ..receipt(Paper::Roll58)
    };
    let items = interpret(&encode(&doc, &PrinterProfile::roll58(), &fonts()).expect("encodes"))
        .expect("interprets");
    let lines = common::got_lines(&items);
    assert_eq!(
        lines.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        ["有效有效有效有效", "有效有效"]
    );
    assert_eq!(display_width(&lines[0].0), 16);
    let Item::Line(first) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(first.style(), Some(TextStyle::for_style(Style::Verdict)));
    assert_eq!(first.cells(), 32);
}

#[test]
fn a_cut_off_stream_is_a_truncation_error_wherever_it_is_cut() {
    let doc = receipt(Paper::Roll80);
    let bytes = encode(&doc, &PrinterProfile::roll80(), &fonts()).expect("encodes");
    for len in 0..bytes.len() {
        match interpret(&bytes[..len]) {
            Ok(_) | Err(InterpretError::Truncated { .. }) => {}
            Err(other) => panic!("cut at {len} of {}: {other}", bytes.len()),
        }
    }
    // Cut inside the QR store command specifically:
    let store = bytes
        .windows(7)
        .position(|w| w == [0x1D, b'(', b'k', 0xC5, 0x01, 49, 80])
        .expect("a 452-byte QR store command (450 bytes + m + fn + cn)");
    assert_eq!(
        interpret(&bytes[..store + 100]),
        Err(InterpretError::Truncated {
            offset: store,
            command: "GS ( k"
        })
    );
}

#[test]
fn unknown_commands_are_errors_not_skipped() {
    let mut bytes =
        encode(&receipt(Paper::Roll80), &PrinterProfile::roll80(), &fonts()).expect("encodes");
    let at = bytes.len() - 6;
    // ESC p 0 25 250: pulse the cash drawer, which the interpreter does not model.
    bytes.splice(at..at, [0x1B, b'p', 0, 25, 250]);
    assert_eq!(
        interpret(&bytes),
        Err(InterpretError::UnknownCommand {
            offset: at,
            bytes: vec![0x1B, b'p', 0]
        })
    );
}

#[test]
fn receipt_sizes() {
    // Not an assertion of exact sizes: a record for the docs, and a bound that catches a
    // raster or a QR code gone out of control.
    let doc = receipt(Paper::Roll80);
    let native = encode(&doc, &PrinterProfile::roll80(), &fonts()).expect("encodes");
    let raster_profile = PrinterProfile {
        native_qr: false,
        ..PrinterProfile::roll80()
    };
    let raster = encode(&doc, &raster_profile, &fonts()).expect("encodes");
    let raster58 =
        encode(&receipt(Paper::Roll58), &PrinterProfile::roll58(), &fonts()).expect("encodes");
    eprintln!(
        "80 mm receipt: {} bytes with native QR, {} with a raster QR; 58 mm raster QR: {}",
        native.len(),
        raster.len(),
        raster58.len()
    );
    assert!(native.len() < 2_000, "{}", native.len());
    assert!(raster.len() < 60_000, "{}", raster.len());
}

#[test]
fn damaged_streams_are_errors_or_items_never_panics() {
    let bytes =
        encode(&receipt(Paper::Roll80), &PrinterProfile::roll80(), &fonts()).expect("encodes");
    let mut rng = Lcg(9100);
    let mut rejected = 0;
    for _ in 0..3_000 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + rng.next(4) {
            let at = rng.next(damaged.len());
            damaged[at] = rng.next(256) as u8;
        }
        if interpret(&damaged).is_err() {
            rejected += 1;
        }
    }
    // Most single-byte damage to text still reads as (other) text; damage to commands
    // does not. Both outcomes are fine; a panic is not.
    assert!(
        rejected > 100,
        "only {rejected} of 3000 damaged streams rejected"
    );
}
