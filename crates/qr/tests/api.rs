//! The public API's contract: what `inspect` reports, that every renderer's output reads
//! back, and that each kind of decoding failure comes back as its own error.

mod support;

use countersign_qr::{
    decode_bytes, decode_file, decode_image, inspect, render_luma, render_png, render_svg,
    DecodeError, EcLevel, QrError, MAX_MODULE_PX,
};
use image::{DynamicImage, GrayImage, Luma};
use support::{payload, Rng};

fn sample_payload(len: usize) -> String {
    let mut s = String::from("CS1:");
    let mut rng = Rng::new(len as u64);
    while s.len() < len {
        s.push(support::ALNUM[(rng.next_u64() % 45) as usize] as char);
    }
    s
}

#[test]
fn payloads_use_alphanumeric_mode() {
    // Versions from the ISO 18004 capacity table for alphanumeric data at level M
    // (v22 holds 1,134 characters, v25 1,451, v29 1,812).
    for (len, version) in [(1134, 22), (1300, 24), (1451, 25), (1800, 29)] {
        let info = inspect(&sample_payload(len), EcLevel::M).expect("fits");
        assert!(info.mode_alphanumeric, "{len} chars: {info:?}");
        assert_eq!(info.version, version, "{len} chars: {info:?}");
        assert_eq!(info.modules, 17 + 4 * u32::from(info.version));
        let bytes = inspect(&sample_payload(len).to_lowercase(), EcLevel::M).expect("fits");
        assert!(
            !bytes.mode_alphanumeric && bytes.version > info.version,
            "{bytes:?}"
        );
        assert_eq!(info.ec, EcLevel::M);
    }
}

#[test]
fn lowercase_text_needs_byte_mode() {
    let info = inspect("cs1:lowercase", EcLevel::M).expect("fits");
    assert!(!info.mode_alphanumeric);
    assert_eq!(info.version, 1);
}

#[test]
fn too_long_is_an_error() {
    let err = inspect(&sample_payload(5000), EcLevel::M).expect_err("v40-M holds 3,391");
    assert!(matches!(err, QrError::TooLong { len: 5000, .. }), "{err:?}");
}

#[test]
fn module_size_is_bounded() {
    for px in [0, MAX_MODULE_PX + 1] {
        let err = render_png("CS1:X", EcLevel::M, px, true).expect_err("out of range");
        assert!(matches!(err, QrError::ModuleSize { .. }), "{px}: {err:?}");
    }
}

#[test]
fn rendered_png_reads_back() {
    let text = payload(&mut Rng::new(11));
    let png = render_png(&text, EcLevel::M, 3, true).expect("render");
    assert_eq!(decode_bytes(&png).expect("decode"), vec![text]);
}

#[test]
fn png_without_quiet_zone_is_smaller() {
    let text = sample_payload(1500);
    let info = inspect(&text, EcLevel::M).expect("fits");
    let img = image::load_from_memory(&render_png(&text, EcLevel::M, 2, false).expect("render"))
        .expect("png");
    assert_eq!(img.width(), info.modules * 2);
    let luma = render_luma(&text, EcLevel::M, 2).expect("render");
    assert_eq!(luma.width(), (info.modules + 8) * 2);
}

#[test]
fn svg_is_a_document_with_one_unit_per_module() {
    let text = sample_payload(1500);
    let info = inspect(&text, EcLevel::M).expect("fits");
    let svg = render_svg(&text, EcLevel::M).expect("render");
    assert!(svg.contains("<svg"), "{}", &svg[..100.min(svg.len())]);
    let side = info.modules + 8;
    assert!(
        svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")),
        "{}",
        &svg[..300.min(svg.len())]
    );
}

#[test]
fn reads_every_code_in_an_image() {
    let (a, b) = (sample_payload(1400), sample_payload(1700));
    let ia = render_luma(&a, EcLevel::M, 3).expect("render");
    let ib = render_luma(&b, EcLevel::M, 3).expect("render");
    let mut canvas =
        GrayImage::from_pixel(ia.width() + ib.width() + 40, ib.height() + 40, Luma([255]));
    image::imageops::replace(&mut canvas, &ia, 10, 10);
    image::imageops::replace(&mut canvas, &ib, i64::from(ia.width()) + 30, 20);
    let mut got = decode_image(&DynamicImage::ImageLuma8(canvas)).expect("decode");
    got.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn blank_image_has_no_code() {
    let img = GrayImage::from_pixel(640, 480, Luma([200]));
    let err = decode_image(&DynamicImage::ImageLuma8(img)).expect_err("blank");
    assert!(matches!(err, DecodeError::NoCodeFound), "{err:?}");
}

#[test]
fn scribbled_code_is_damaged_not_missing() {
    let text = sample_payload(1500);
    let mut img = render_luma(&text, EcLevel::M, 4).expect("render");
    // Scramble a band through the middle of the data area, leaving the finder patterns
    // (corners) intact: far beyond level M's ~15 % correction.
    let (w, h) = (img.width(), img.height());
    let mut rng = Rng::new(3);
    for my in (h * 35 / 100 / 4)..(h * 65 / 100 / 4) {
        for mx in (w / 8 / 4)..(w * 7 / 8 / 4) {
            let v = if rng.next_u64() & 1 == 0 { 0 } else { 255 };
            for y in my * 4..my * 4 + 4 {
                for x in mx * 4..mx * 4 + 4 {
                    img.put_pixel(x, y, Luma([v]));
                }
            }
        }
    }
    let err = decode_image(&DynamicImage::ImageLuma8(img)).expect_err("scrambled");
    assert!(matches!(err, DecodeError::Damaged), "{err:?}");
}

#[test]
fn non_images_are_unsupported() {
    for bytes in [&b"not an image at all"[..], b"GIF89a\x01\x00\x01\x00", b""] {
        let err = decode_bytes(bytes).expect_err("not png/jpeg");
        assert!(
            matches!(err, DecodeError::UnsupportedFormat),
            "{bytes:?}: {err:?}"
        );
    }
}

#[test]
fn truncated_png_is_unreadable() {
    let png = render_png("CS1:ABC", EcLevel::M, 4, true).expect("render");
    let err = decode_bytes(&png[..png.len() / 2]).expect_err("truncated");
    assert!(matches!(err, DecodeError::Unreadable(_)), "{err:?}");
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

#[test]
fn huge_image_is_refused_from_its_header() {
    // A 100,000 × 100,000 greyscale PNG header (10 gigapixels) with no pixel data: it must
    // be refused on dimensions, before any allocation.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    png.extend(chunk(b"IHDR", &ihdr));
    // An empty zlib stream: the PNG decoder reads the header up to the first IDAT.
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    let err = decode_bytes(&png).expect_err("too large");
    assert!(
        matches!(
            err,
            DecodeError::TooLarge {
                width: 100_000,
                height: 100_000,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn decode_file_reads_and_reports_io_errors() {
    let dir = std::env::temp_dir().join(format!("countersign-qr-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("code.png");
    let text = sample_payload(1300);
    std::fs::write(
        &path,
        render_png(&text, EcLevel::M, 3, true).expect("render"),
    )
    .expect("write");
    assert_eq!(decode_file(&path).expect("decode"), vec![text]);

    let missing = dir.join("missing.png");
    let err = decode_file(&missing).expect_err("missing");
    assert!(
        matches!(&err, DecodeError::Io { path, .. } if *path == missing),
        "{err:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn tiny_and_random_images_fail_cleanly() {
    let mut rng = Rng::new(99);
    for i in 0..40 {
        let (w, h) = (rng.int(0, 160), rng.int(0, 160));
        let img = GrayImage::from_fn(w, h, |_, _| Luma([(rng.next_u64() & 0xff) as u8]));
        match decode_image(&DynamicImage::ImageLuma8(img)) {
            Err(DecodeError::NoCodeFound | DecodeError::Damaged) => {}
            other => panic!("#{i} ({w}x{h}): {other:?}"),
        }
    }
}
