//! Bar charts on thermal rolls: encoded, read back with the interpreter, line by line.

use countersign_escpos::interpret::{interpret, Item};
use countersign_escpos::{encode, FontRom, PrinterProfile};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::{Bar, Block, Document, Paper, Style, Tone};

fn chart(paper: Paper, bars: Vec<Bar>) -> Document {
    Document {
        paper,
        title: "chart".into(),
        lang: "zh-CN".into(),
        blocks: vec![Block::bars("核验结论 Verdicts", bars)],
    }
}

fn verdicts() -> Vec<Bar> {
    vec![
        Bar::new("有效 VALID", 80, Tone::Good),
        Bar::new("无效 INVALID", 20, Tone::Bad),
        Bar::new("无法确认 CANNOT CONFIRM", 40, Tone::Warn),
        Bar::new("其他 Other", 0, Tone::Neutral),
    ]
}

fn items(doc: &Document, profile: &PrinterProfile) -> Vec<Item> {
    let bytes = encode(doc, profile, &Fonts::embedded_only()).expect("encodes");
    interpret(&bytes).expect("interprets")
}

/// The text lines, with their document style.
fn lines(items: &[Item]) -> Vec<(String, Option<Style>)> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Line(l) => Some((l.text(), l.style().and_then(|s| s.document_style()))),
            _ => None,
        })
        .collect()
}

/// `label` padded to `lead` cells (a Chinese character takes two), `n` blocks, the value.
fn bar_line(label: &str, lead: usize, block: char, n: usize, value: u64) -> String {
    let cells: usize = label
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum();
    let bar: String = std::iter::repeat_n(block, n).collect();
    let bar = if n > 0 { format!("{bar} ") } else { bar };
    format!("{label}{}{bar}{value}", " ".repeat(lead - cells))
}

#[test]
fn a_chart_on_80_mm_reads_back_line_by_line() {
    // 48 columns. The label column is 19 cells (two fifths), the gap 2: bars start at cell
    // 21 and take at most (48 - 21 - 1 - 2) / 2 = 12 blocks, two cells each.
    let got = lines(&items(
        &chart(Paper::Roll80, verdicts()),
        &PrinterProfile::roll80(),
    ));
    let want = [
        ("核验结论 Verdicts".to_owned(), Some(Style::Heading)),
        (bar_line("有效 VALID", 21, '■', 12, 80), Some(Style::Normal)),
        (
            bar_line("无效 INVALID", 21, '■', 3, 20),
            Some(Style::Normal),
        ),
        (
            bar_line("无法确认 CANNOT", 21, '■', 6, 40),
            Some(Style::Normal),
        ),
        ("CONFIRM".to_owned(), Some(Style::Normal)),
        (bar_line("其他 Other", 21, '■', 0, 0), Some(Style::Normal)),
    ];
    assert_eq!(got, want);
    assert_eq!(
        got[1].0.chars().filter(|c| *c == '■').count() * 2,
        48 - 21 - 3,
        "the largest bar fills the line"
    );
}

#[test]
fn short_labels_sit_beside_their_bars_and_line_breaks_are_kept() {
    let doc = chart(
        Paper::Roll80,
        vec![
            Bar::new("1", 40, Tone::Neutral),
            Bar::new("证照已过期\nThe credential has expired", 4, Tone::Bad),
        ],
    );
    let got = lines(&items(&doc, &PrinterProfile::roll80()));
    // The widest line is the English one, 26 cells: the column takes 19 (two fifths), and
    // bars (48 - 21 - 1 - 2) / 2 = 12 blocks.
    let text: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        text,
        [
            "核验结论 Verdicts",
            &bar_line("1", 21, '■', 12, 40),
            &bar_line("证照已过期", 21, '■', 1, 4),
            "The credential has",
            "expired",
        ]
    );
}

#[test]
fn the_block_is_the_best_the_rom_has() {
    for (rom, block) in [
        (FontRom::Gb2312, '■'),
        (FontRom::Gbk, '█'),
        (FontRom::Gb18030, '█'),
    ] {
        let profile = PrinterProfile {
            font_rom: rom,
            ..PrinterProfile::roll58()
        };
        let got = lines(&items(&chart(Paper::Roll58, verdicts()), &profile));
        let valid = got
            .iter()
            .find(|(t, _)| t.starts_with("有效 VALID"))
            .unwrap_or_else(|| panic!("{rom:?}: no VALID line in {got:#?}"));
        assert!(valid.0.contains(block), "{rom:?}: {:?}", valid.0);
    }
    // An ASCII ROM prints the bars as #, and the Chinese labels' lines as pictures.
    let profile = PrinterProfile {
        font_rom: FontRom::Ascii,
        ..PrinterProfile::roll58()
    };
    let doc = chart(
        Paper::Roll58,
        vec![
            Bar::new("clerk-001", 9, Tone::Neutral),
            Bar::new("王喆", 3, Tone::Neutral),
        ],
    );
    let got = items(&doc, &profile);
    let text = lines(&got);
    assert!(
        text.iter()
            .any(|(t, _)| t.starts_with("clerk-001") && t.ends_with("# 9")),
        "{text:#?}"
    );
    let pictures: Vec<_> = got
        .iter()
        .filter_map(|i| match i {
            Item::Raster(r) => Some(r),
            _ => None,
        })
        .collect();
    // The title and 王喆's bar line.
    assert_eq!(pictures.len(), 2, "{got:#?}");
    assert!(pictures.iter().all(|p| p.image.width() == 384));
}

#[test]
fn a_bar_line_with_a_character_outside_the_rom_is_a_picture_that_lines_up() {
    // 喆 is GBK, not GB 2312: that line is drawn; its bar starts where the text bars do.
    let doc = chart(
        Paper::Roll80,
        vec![
            Bar::new("张三", 40, Tone::Neutral),
            Bar::new("王喆", 20, Tone::Neutral),
        ],
    );
    let got = items(&doc, &PrinterProfile::roll80());
    let text = lines(&got);
    // Labels 4 cells wide, then the gap: bars from cell 6, (48 - 6 - 1 - 2) / 2 = 19 blocks.
    assert_eq!(text[1].0, bar_line("张三", 6, '■', 19, 40));
    let picture = got
        .iter()
        .find_map(|i| match i {
            Item::Raster(r) => Some(r.image.clone()),
            _ => None,
        })
        .expect("the 王喆 line as a picture");
    assert_eq!(picture.width(), 576);
    // The bar: the longest run of black across the middle row, from cell 6 (72 dots), half
    // as long as 19 blocks of 24 dots.
    let y = picture.height() / 2;
    let mut best = (0, 0);
    let mut x = 0;
    while x < picture.width() {
        let from = x;
        while x < picture.width() && picture.get_pixel(x, y).0[0] < 128 {
            x += 1;
        }
        if x - from > best.1 {
            best = (from, x - from);
        }
        x += 1;
    }
    assert_eq!(best.0, 72, "the bar starts at cell 6");
    assert_eq!(best.1, 10 * 24, "10 blocks (19 / 2, rounded)");
}

#[test]
fn no_line_is_wider_than_the_roll() {
    let long = "证照内容被篡改（签名不符）The content was changed after signing";
    let charts = [
        verdicts(),
        vec![
            Bar::new(long, u64::MAX, Tone::Bad),
            Bar::new("x", 1, Tone::Bad),
            Bar::new("", 0, Tone::Neutral),
        ],
        (0..24)
            .map(|h| Bar::new(format!("{h:02}:00"), h * 37, Tone::Neutral))
            .collect(),
        vec![Bar::new(long.repeat(3), 5, Tone::Warn)],
        vec![],
    ];
    for base in [PrinterProfile::roll58(), PrinterProfile::roll80()] {
        for rom in [
            FontRom::Ascii,
            FontRom::Gb2312,
            FontRom::Gbk,
            FontRom::Gb18030,
        ] {
            for columns in [8, 12, 20, base.columns] {
                let profile = PrinterProfile {
                    font_rom: rom,
                    columns,
                    ..base.clone()
                };
                for bars in &charts {
                    let got = items(&chart(profile.paper, bars.clone()), &profile);
                    let what = format!("{rom:?}, {columns} columns, {} bars", bars.len());
                    for item in &got {
                        match item {
                            Item::Line(l) => assert!(
                                l.cells() <= columns,
                                "{what}: {:?} is {} cells",
                                l.text(),
                                l.cells()
                            ),
                            Item::Raster(r) => assert!(r.image.width() <= profile.dots, "{what}"),
                            _ => {}
                        }
                    }
                    // Every value is printed (on text lines when the ROM prints its label;
                    // a 20-digit value on 8 columns wraps).
                    let text: String = lines(&got).into_iter().map(|(t, _)| t).collect();
                    if rom != FontRom::Ascii {
                        for bar in bars {
                            let value = bar.value.to_string();
                            assert!(text.contains(&value), "{what}: no {value} in {text}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn bars_are_as_long_as_their_values() {
    let values = [100, 50, 25, 10, 1, 0];
    let bars: Vec<Bar> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Bar::new(format!("counter {i}"), *v, Tone::Neutral))
        .collect();
    let profile = PrinterProfile {
        font_rom: FontRom::Gbk,
        ..PrinterProfile::roll80()
    };
    let got = lines(&items(&chart(Paper::Roll80, bars), &profile));
    let blocks: Vec<usize> = got[1..]
        .iter()
        .map(|(t, _)| t.chars().filter(|c| *c == '█').count())
        .collect();
    let longest = blocks[0] as f64;
    for (n, v) in blocks.iter().zip(values) {
        let want = longest * v as f64 / 100.0;
        assert!(
            (*n as f64 - want).abs() <= 0.5 || (v > 0 && *n == 1),
            "{v}: {n} blocks, want {want:.1} ({blocks:?})"
        );
    }
}
