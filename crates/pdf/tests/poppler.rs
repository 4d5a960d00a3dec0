//! Rendered PDFs read back as a printer's driver and a person would: poppler extracts the
//! text, lists the fonts, measures the pages and rasterises them at 300 dpi, and the QR code
//! is decoded from that picture. poppler-utils comes from `scripts/system-packages.sh`; a
//! missing tool fails the test, it is never skipped.

use countersign_pdf::render;
use countersign_printdoc::fonts::{Fonts, MISSING};
use countersign_printdoc::{Bar, Block, Document, Paper, Style, Tone};
use std::path::PathBuf;
use std::process::Command;

const INSTALL: &str = "install poppler-utils with scripts/system-packages.sh";

/// Runs a poppler tool and returns its standard output.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): {INSTALL}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler prints UTF-8")
}

/// A rendered document on disk, in a directory removed when it is dropped.
struct Rendered {
    dir: tempfile::TempDir,
    path: PathBuf,
    bytes: usize,
}

impl Rendered {
    fn new(doc: &Document, fonts: &Fonts) -> Self {
        let pdf = render(doc, fonts).expect("renders");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, &pdf).expect("writes the PDF");
        Self {
            dir,
            path,
            bytes: pdf.len(),
        }
    }

    fn arg(&self) -> &str {
        self.path.to_str().expect("temp paths are UTF-8")
    }

    /// The text as poppler extracts it, physical layout kept (a field's label and value on
    /// one line).
    fn text(&self) -> String {
        poppler("pdftotext", &["-layout", "-enc", "UTF-8", self.arg(), "-"])
    }

    fn page_text(&self, page: usize) -> String {
        let page = page.to_string();
        poppler(
            "pdftotext",
            &[
                "-layout",
                "-enc",
                "UTF-8",
                "-f",
                &page,
                "-l",
                &page,
                self.arg(),
                "-",
            ],
        )
    }

    fn info(&self, key: &str) -> String {
        let info = poppler("pdfinfo", &[self.arg()]);
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .unwrap_or_else(|| panic!("pdfinfo has no {key}:\n{info}"))
            .trim()
            .to_owned()
    }

    fn pages(&self) -> usize {
        self.info("Pages").parse().expect("a page count")
    }

    /// The first page's width and height in points.
    fn page_size(&self) -> (f32, f32) {
        let size = self.info("Page size");
        let mut numbers = size
            .split_whitespace()
            .filter_map(|w| w.parse::<f32>().ok());
        match (numbers.next(), numbers.next()) {
            (Some(w), Some(h)) => (w, h),
            _ => panic!("cannot read the page size {size:?}"),
        }
    }

    /// Page 1 at 300 dpi, grey, as PNG.
    fn picture(&self) -> PathBuf {
        let prefix = self.dir.path().join("page");
        let prefix_arg = prefix.to_str().expect("temp paths are UTF-8");
        poppler(
            "pdftoppm",
            &[
                "-r",
                "300",
                "-gray",
                "-png",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
                self.arg(),
                prefix_arg,
            ],
        );
        prefix.with_extension("png")
    }

    /// Page 1 at `dpi`, in colour, decoded.
    fn colour_picture(&self, dpi: u32) -> image::RgbImage {
        let prefix = self.dir.path().join("colour");
        let prefix_arg = prefix.to_str().expect("temp paths are UTF-8");
        let dpi = dpi.to_string();
        poppler(
            "pdftoppm",
            &[
                "-r",
                &dpi,
                "-png",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
                self.arg(),
                prefix_arg,
            ],
        );
        image::open(prefix.with_extension("png"))
            .expect("pdftoppm wrote a PNG")
            .to_rgb8()
    }

    /// Page 1's words with their boxes, as `pdftotext -bbox` finds them: (word, x min, x max,
    /// y min), in points.
    fn words(&self) -> Vec<(String, f32, f32, f32)> {
        let html = poppler(
            "pdftotext",
            &[
                "-bbox",
                "-enc",
                "UTF-8",
                "-f",
                "1",
                "-l",
                "1",
                self.arg(),
                "-",
            ],
        );
        let attr = |tag: &str, name: &str| -> f32 {
            let from = tag
                .find(&format!("{name}=\""))
                .unwrap_or_else(|| panic!("no {name} in {tag}"))
                + name.len()
                + 2;
            let to = from + tag[from..].find('"').expect("a closing quote");
            tag[from..to].parse().expect("a number")
        };
        html.split("<word ")
            .skip(1)
            .map(|rest| {
                let (tag, rest) = rest.split_once('>').expect("a word tag");
                let (word, _) = rest.split_once("</word>").expect("a word's end");
                (
                    word.to_owned(),
                    attr(tag, "xMin"),
                    attr(tag, "xMax"),
                    attr(tag, "yMin"),
                )
            })
            .collect()
    }
}

/// A QR payload like a signed receipt's: `CSR1:` then base45-style characters, all in the QR
/// alphanumeric set, `len` long, the same every run.
fn payload(len: usize) -> String {
    const SET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut state: u32 = 0x2545_F491;
    let mut out = String::from("CSR1:");
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        out.push(char::from(SET[state as usize % SET.len()]));
    }
    out
}

/// A receipt like the counter prints: about 30 Chinese characters, English beside them, a
/// verdict, fields and a QR code of `qr`.
fn receipt(paper: Paper, qr: &str) -> Document {
    Document {
        paper,
        title: "核验回执 Verification receipt".into(),
        lang: "zh-CN".into(),
        blocks: vec![
            Block::centered("朝阳区政务服务中心", Style::Heading),
            Block::centered("核验回执 Verification receipt", Style::Normal),
            Block::Rule,
            Block::centered("有效 VALID", Style::Verdict),
            Block::field("持证人 Holder", "张*"),
            Block::field("证照 Credential", "居民身份证 110105********1000"),
            Block::field("时间 Time", "2025-03-14 10:32:05 +08:00"),
            Block::Rule,
            Block::Qr {
                data: qr.to_owned(),
                caption: Some("扫码核验 Scan to verify".into()),
            },
            Block::text("Signature ed25519 7f3a9c0e41d2b8a6", Style::Small),
        ],
    }
}

fn close(a: f32, b: f32, tolerance: f32) -> bool {
    (a - b).abs() <= tolerance
}

/// Millimetres in points.
fn pt(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

#[test]
fn chinese_and_english_text_comes_back_out() {
    let fonts = Fonts::embedded_only();
    for paper in Paper::ALL {
        let pdf = Rendered::new(&receipt(paper, &payload(450)), &fonts);
        let text = pdf.text();
        for want in [
            "朝阳区政务服务中心",
            "核验回执 Verification receipt",
            "有效 VALID",
            "持证人 Holder",
            "张*",
            "居民身份证",
            "110105********1000",
            "2025-03-14 10:32:05",
            "扫码核验 Scan to verify",
            "Signature ed25519 7f3a9c0e41d2b8a6",
        ] {
            assert!(text.contains(want), "{paper:?}: {want:?} not in\n{text}");
        }
        // Fields read label then value, in that order, on wide paper on one line.
        let line = text
            .lines()
            .find(|l| l.contains("时间 Time"))
            .unwrap_or_else(|| panic!("{paper:?}: no time field in\n{text}"));
        if matches!(paper, Paper::A4 | Paper::Roll80) {
            assert!(
                line.contains("2025-03-14"),
                "{paper:?}: value not beside label: {line:?}"
            );
        }
    }
}

#[test]
fn title_and_language_are_in_the_metadata() {
    let doc = receipt(Paper::A6, &payload(100));
    let pdf = Rendered::new(&doc, &Fonts::embedded_only());
    assert_eq!(pdf.info("Title"), doc.title);
    let raw = std::fs::read(&pdf.path).expect("reads the PDF");
    let needle = b"/Lang (zh-CN)";
    assert!(
        raw.windows(needle.len()).any(|w| w == needle),
        "no /Lang (zh-CN) in the catalogue"
    );
}

/// pdffonts' rows: (name, embedded, subset, has a ToUnicode map).
fn fonts_of(pdf: &Rendered) -> Vec<(String, bool, bool, bool)> {
    let listing = poppler("pdffonts", &[pdf.arg()]);
    listing
        .lines()
        .skip_while(|l| !l.starts_with("---"))
        .skip(1)
        .map(|l| {
            // name type… encoding emb sub uni objectID gen: the type has spaces, so count
            // from the end.
            let cols: Vec<&str> = l.split_whitespace().collect();
            assert!(cols.len() >= 7, "unexpected pdffonts row {l:?}");
            let yes = |c: &str| c == "yes";
            let n = cols.len();
            (
                cols[0].to_owned(),
                yes(cols[n - 5]),
                yes(cols[n - 4]),
                yes(cols[n - 3]),
            )
        })
        .collect()
}

fn is_subset_name(name: &str) -> bool {
    name.len() > 7
        && name.as_bytes()[..6].iter().all(u8::is_ascii_uppercase)
        && name.as_bytes()[6] == b'+'
}

#[test]
fn the_shipped_font_is_embedded_as_a_subset() {
    let pdf = Rendered::new(
        &receipt(Paper::Roll80, &payload(450)),
        &Fonts::embedded_only(),
    );
    let fonts = fonts_of(&pdf);
    assert_eq!(fonts.len(), 1, "one face for the whole receipt: {fonts:?}");
    let (name, emb, sub, uni) = &fonts[0];
    assert!(
        *emb && *sub && *uni,
        "{name}: emb {emb} sub {sub} uni {uni}"
    );
    assert!(is_subset_name(name), "{name} lacks a subset tag");
    assert!(name.contains("NotoSansCJK"), "{name} is not Noto Sans CJK");
}

#[test]
fn the_qr_code_decodes_from_the_page_at_300_dpi() {
    let fonts = Fonts::embedded_only();
    for (paper, len) in [
        (Paper::Roll58, 450),
        (Paper::Roll80, 450),
        (Paper::A6, 450),
        (Paper::A4, 450),
        // A signed credential's size, on the narrowest paper that takes it at 0.5 mm.
        (Paper::Roll80, 1800),
    ] {
        let data = payload(len);
        let pdf = Rendered::new(&receipt(paper, &data), &fonts);
        let picture = pdf.picture();
        let decoded = countersign_qr::decode_file(&picture)
            .unwrap_or_else(|e| panic!("{paper:?}, {len} characters: {e} ({})", picture.display()));
        assert_eq!(decoded, vec![data], "{paper:?}, {len} characters");
    }
}

#[test]
fn an_a6_receipt_keeps_its_code_on_the_sheet() {
    // Two more fields than `receipt`: at 1 mm a module the code would not fit under them.
    let data = payload(450);
    let mut doc = receipt(Paper::A6, &data);
    doc.blocks.insert(
        7,
        Block::field(
            "依据 Basis",
            "链上区块 #1234567，已确认（12 个区块）。Checked against the chain at block 1234567.",
        ),
    );
    doc.blocks
        .insert(8, Block::field("窗口 Counter", "3 号窗口 Counter 3"));
    let pdf = Rendered::new(&doc, &Fonts::embedded_only());
    assert_eq!(pdf.pages(), 1, "the receipt spilled onto a second sheet");
    let decoded = countersign_qr::decode_file(&pdf.picture()).expect("the smaller code decodes");
    assert_eq!(decoded, vec![data]);
}

#[test]
fn a_long_document_on_a4_breaks_into_pages() {
    let lines = 150;
    let mut blocks = vec![Block::centered("核验记录 Verification log", Style::Heading)];
    blocks.extend((0..lines).map(|i| Block::field(format!("第{i}条"), format!("line {i} 有效"))));
    let doc = Document {
        paper: Paper::A4,
        title: "log".into(),
        lang: "zh-CN".into(),
        blocks,
    };
    let pdf = Rendered::new(&doc, &Fonts::embedded_only());
    let pages = pdf.pages();
    assert!(pages >= 3, "{lines} lines on {pages} pages");
    let (w, h) = pdf.page_size();
    assert!(
        close(w, 595.28, 0.1) && close(h, 841.89, 0.1),
        "A4 is {w} × {h} pt"
    );
    let text = pdf.text();
    for i in 0..lines {
        let want = format!("line {i} 有效");
        assert_eq!(
            text.matches(&want).count(),
            1,
            "{want:?} not once in the text"
        );
    }
    assert!(pdf.page_text(1).contains("line 0 有效"));
    assert!(pdf
        .page_text(pages)
        .contains(&format!("line {} 有效", lines - 1)));
}

#[test]
fn a_roll_is_one_page_as_wide_as_the_roll_and_as_long_as_its_content() {
    let fonts = Fonts::embedded_only();
    for (paper, width_mm) in [(Paper::Roll58, 58.0), (Paper::Roll80, 80.0)] {
        let heights: Vec<f32> = [5, 10, 20, 200]
            .into_iter()
            .map(|n| {
                let doc = Document {
                    paper,
                    title: "roll".into(),
                    lang: "zh-CN".into(),
                    blocks: (0..n)
                        .map(|i| Block::text(format!("第{i}行"), Style::Normal))
                        .collect(),
                };
                let pdf = Rendered::new(&doc, &fonts);
                assert_eq!(pdf.pages(), 1, "{paper:?}, {n} lines");
                let (w, h) = pdf.page_size();
                assert!(
                    close(w, pt(width_mm), 0.05),
                    "{paper:?} is {w} pt wide, not {width_mm} mm"
                );
                h
            })
            .collect();
        // Height = margins + lines × line height: 5 more lines add half what 10 more do.
        let (five, ten) = (heights[1] - heights[0], heights[2] - heights[1]);
        assert!(
            five > 0.0 && close(2.0 * five, ten, 0.1),
            "{paper:?}: heights {heights:?}"
        );
        assert!(
            heights[0] < pt(40.0),
            "{paper:?}: 5 lines take {} pt",
            heights[0]
        );
        assert!(
            heights[3] > pt(297.0),
            "{paper:?}: 200 lines on one {} pt page",
            heights[3]
        );
    }
}

#[test]
fn a_character_no_font_has_prints_as_the_geta_mark() {
    let doc = Document {
        paper: Paper::Roll58,
        title: "missing".into(),
        lang: "zh-CN".into(),
        // U+2A6A5 (CJK Extension B) is outside the shipped subset.
        blocks: vec![Block::field("姓名 Name", "王\u{2A6A5}明")],
    };
    let pdf = Rendered::new(&doc, &Fonts::embedded_only());
    let want = format!("王{MISSING}明");
    assert!(pdf.text().contains(&want), "{want} not in\n{}", pdf.text());
}

#[test]
fn a_character_outside_the_shipped_font_comes_from_a_system_font() {
    let fonts = Fonts::default();
    // The first character the shipped subset lacks that a system font (Debian's
    // fonts-noto-cjk) has: an Extension B ideograph (personal names), else kana or Hangul.
    let rare = ('\u{20000}'..='\u{2A6DF}')
        .chain('\u{3040}'..='\u{30FF}')
        .chain('\u{AC00}'..='\u{D7A3}')
        .find(|c| {
            !fonts.primary().covers(*c)
                && fonts.face_for(*c).is_some_and(|f| !std::ptr::eq(f, fonts.primary()))
        })
        .unwrap_or_else(|| {
            panic!("no system font has a character the shipped font lacks: install fonts-noto-cjk with scripts/system-packages.sh")
        });
    let doc = Document {
        paper: Paper::Roll80,
        title: "fallback".into(),
        lang: "zh-CN".into(),
        blocks: vec![Block::field("姓名 Name", format!("王{rare}明"))],
    };
    let pdf = Rendered::new(&doc, &fonts);
    let text = pdf.text();
    assert!(
        text.contains(&format!("王{rare}明")),
        "{rare} not in\n{text}"
    );
    let embedded = fonts_of(&pdf);
    assert_eq!(
        embedded.len(),
        2,
        "the shipped face and one fallback: {embedded:?}"
    );
    for (name, emb, sub, _) in &embedded {
        assert!(
            *emb && *sub && is_subset_name(name),
            "{name} not an embedded subset"
        );
    }
}

#[test]
fn a_receipt_is_small() {
    let doc = receipt(Paper::Roll80, &payload(450));
    let chinese = doc
        .chars()
        .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        .count();
    let pdf = Rendered::new(&doc, &Fonts::embedded_only());
    eprintln!(
        "80 mm receipt, {chinese} Chinese characters, 450-character QR: {} bytes",
        pdf.bytes
    );
    // The shipped font is 8 MB: a receipt this small proves it was subset.
    assert!(pdf.bytes < 100_000, "{} bytes", pdf.bytes);
}

/// The verdict mix as the daily report charts it, with a label long enough to wrap.
fn verdict_chart(paper: Paper) -> Document {
    Document {
        paper,
        title: "chart".into(),
        lang: "zh-CN".into(),
        blocks: vec![
            Block::centered("每日核验报告 Daily verification report", Style::Heading),
            Block::bars(
                "核验结论 Verdicts",
                vec![
                    Bar::new("有效 VALID", 80, Tone::Good),
                    Bar::new("无效 INVALID", 20, Tone::Bad),
                    Bar::new("无法确认 CANNOT CONFIRM", 40, Tone::Warn),
                    Bar::new("其他 Other", 10, Tone::Neutral),
                ],
            ),
        ],
    }
}

/// Pixels of `picture` within `tolerance` of `rgb` in every channel: (x, y).
fn pixels_of(picture: &image::RgbImage, rgb: [u8; 3], tolerance: u8) -> Vec<(u32, u32)> {
    picture
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= tolerance))
        .map(|(x, y, _)| (x, y))
        .collect()
}

#[test]
fn a_bar_chart_reads_back_with_its_bars_in_colour() {
    let fonts = Fonts::embedded_only();
    let dpi = 100;
    let px_per_pt = dpi as f32 / 72.0;
    for paper in [Paper::A4, Paper::Roll80] {
        let pdf = Rendered::new(&verdict_chart(paper), &fonts);
        let text = pdf.text();
        assert!(
            text.contains("核验结论 Verdicts"),
            "{paper:?}: no title in\n{text}"
        );
        // Each label's line ends in its value.
        for (label, value) in [
            ("有效 VALID", "80"),
            ("无效 INVALID", "20"),
            ("其他 Other", "10"),
        ] {
            let line = text
                .lines()
                .find(|l| l.contains(label))
                .unwrap_or_else(|| panic!("{paper:?}: no {label:?} in\n{text}"));
            assert!(
                line.trim_end().ends_with(value),
                "{paper:?}: {label:?} without its value {value}: {line:?}"
            );
        }
        assert!(text.contains("无法确认"), "{paper:?}:\n{text}");
        assert!(text.contains("40"), "{paper:?}:\n{text}");

        // The bars, in the verdict screen's colours, top to bottom, in proportion.
        let picture = pdf.colour_picture(dpi);
        let mut extents = Vec::new();
        for (tone, value) in [
            (Tone::Good, 80.0),
            (Tone::Bad, 20.0),
            (Tone::Warn, 40.0),
            (Tone::Neutral, 10.0),
        ] {
            // Within 6 of each channel: no grey (a glyph's anti-aliased edge) is that close
            // to the neutral blue-grey.
            let found = pixels_of(&picture, tone.rgb(), 6);
            assert!(
                found.len() > 50,
                "{paper:?}: {} pixels of {tone:?} {:?}",
                found.len(),
                tone.rgb()
            );
            let left = found.iter().map(|p| p.0).min().unwrap_or_default();
            let right = found.iter().map(|p| p.0).max().unwrap_or_default();
            let top = found.iter().map(|p| p.1).min().unwrap_or_default();
            extents.push((tone, value, left, right + 1 - left, top));
        }
        let (_, _, left, longest, _) = extents[0];
        for window in extents.windows(2) {
            assert!(
                window[0].4 < window[1].4,
                "{paper:?}: bars out of order {extents:?}"
            );
        }
        for (tone, value, x, width, _) in &extents {
            assert!(
                x.abs_diff(left) <= 1,
                "{paper:?}: {tone:?} bar starts at {x}, not {left}"
            );
            let want = longest as f32 * value / 80.0;
            assert!(
                (*width as f32 - want).abs() <= 2.0,
                "{paper:?}: {tone:?} bar {width} px, want {want}"
            );
        }
        // No label's word reaches the bars.
        let bars_at = left as f32 / px_per_pt;
        for (word, _, x_max, _) in pdf.words() {
            if [
                "有效",
                "VALID",
                "无效",
                "INVALID",
                "无法确认",
                "CANNOT",
                "CONFIRM",
                "其他",
                "Other",
            ]
            .contains(&word.as_str())
            {
                assert!(
                    x_max < bars_at,
                    "{paper:?}: {word:?} ends at {x_max} pt, bars start at {bars_at}"
                );
            }
        }
    }
}

#[test]
fn a_chart_that_does_not_fit_below_starts_the_next_page_with_its_title() {
    let fonts = Fonts::embedded_only();
    let mut doc = verdict_chart(Paper::A6);
    // 24 lines leave about 5 of A6's 29: the chart needs 6.
    let filler: Vec<Block> = (0..24)
        .map(|i| Block::text(format!("第{i}行 line {i}"), Style::Normal))
        .collect();
    doc.blocks.splice(1..1, filler);
    let pdf = Rendered::new(&doc, &fonts);
    assert_eq!(pdf.pages(), 2, "{}", pdf.text());
    let (first, second) = (pdf.page_text(1), pdf.page_text(2));
    assert!(first.contains("line 23"), "{first}");
    assert!(
        !first.contains("核验结论"),
        "the title stayed behind:\n{first}"
    );
    for want in [
        "核验结论 Verdicts",
        "有效 VALID",
        "无效 INVALID",
        "其他 Other",
    ] {
        assert!(second.contains(want), "{want:?} not on page 2:\n{second}");
    }
}
