//! Reading QR codes from images.

use std::collections::HashSet;
use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader};
use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::qrcode::QRCodeReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Exceptions, Luma8Source, Reader};

use crate::{prep, DecodeError};

/// Largest image accepted for decoding, in pixels (40 megapixels: above any phone camera's
/// default resolution and any sane scan of an A4 page at 300 dpi, which is 8.7 MP).
pub const MAX_PIXELS: u64 = 40_000_000;

/// Largest file [`decode_file`] reads. A PNG or JPEG of a 40 MP image is well under this;
/// the bound keeps a mistaken pick of a video file from being read into memory.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

fn hints() -> DecodeHints {
    DecodeHints {
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        TryHarder: Some(true),
        ..DecodeHints::default()
    }
}

/// Images above this many pixels are first tried at half size (a phone photo in which the
/// code is large), and are never upscaled.
const LARGE_PIXELS: u64 = 4_000_000;

/// Runs a decoder call, turning a panic into `None`. rxing is a large port of C++ and Java
/// code and has shipped panics on unusual input; an image from a stranger's phone must
/// not take the verifier down, only fail to decode.
fn contain<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// One rxing pass over one image: the texts of every code its multi-symbol QR reader
/// (zxing-cpp's detector) finds, without duplicates, or `None`.
fn read(img: &GrayImage, hints: &DecodeHints) -> Option<Vec<String>> {
    let source = Luma8Source::new_with_slice(img.as_raw(), img.width(), img.height()).ok()?;
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let results = contain(|| QrReader.decode_multiple_with_hints(&mut bitmap, hints))?.ok()?;
    let mut texts: Vec<String> = Vec::new();
    for r in results {
        let t = r.getText();
        if !texts.iter().any(|s| s == t) {
            texts.push(t.to_owned());
        }
    }
    (!texts.is_empty()).then_some(texts)
}

/// Whether zxing's single-symbol (Java-port) reader finds finder patterns in `img` but
/// cannot read the code, i.e. "damaged" rather than "no code". It gets one last chance to
/// read it too.
fn classify(img: &GrayImage, hints: &DecodeHints) -> Result<Vec<String>, DecodeError> {
    let mut damaged = false;
    for candidate in [img.clone(), prep::invert(img)] {
        let Ok(source) =
            Luma8Source::new_with_slice(candidate.as_raw(), candidate.width(), candidate.height())
        else {
            continue;
        };
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        match contain(|| QRCodeReader.decode_with_hints(&mut bitmap, hints)) {
            Some(Ok(r)) => return Ok(vec![r.getText().to_owned()]),
            Some(Err(Exceptions::ChecksumException(_) | Exceptions::FormatException(_))) => {
                damaged = true;
            }
            Some(Err(_)) | None => {}
        }
    }
    Err(if damaged {
        DecodeError::Damaged
    } else {
        DecodeError::NoCodeFound
    })
}

/// Decodes every QR code in a greyscale image: the pipeline behind all `decode_*` functions.
///
/// Each step looks at the image another way and the first that reads anything wins, so an
/// easy image costs one rxing pass and only a failing one pays for all. The order is by
/// measured gain per millisecond (see the crate documentation).
pub(crate) fn decode_luma(img: &GrayImage) -> Result<Vec<String>, DecodeError> {
    // The smallest QR code is 21 modules plus its quiet zone; anything narrower holds none
    // (and the transforms below may assume a non-empty image).
    if img.width() < 21 || img.height() < 21 {
        return Err(DecodeError::NoCodeFound);
    }
    let hints = hints();
    let large = u64::from(img.width()) * u64::from(img.height()) > LARGE_PIXELS;
    macro_rules! attempt {
        ($img:expr) => {
            if let Some(texts) = read(&$img, &hints) {
                return Ok(texts);
            }
        };
    }
    if large {
        attempt!(prep::downscale(img, 2));
    }
    attempt!(img);
    attempt!(prep::invert(img));
    if !large {
        let up = prep::upscale(img, 3, 2);
        attempt!(up);
        attempt!(prep::invert(&up));
    }
    if let Some(stretched) = prep::stretch(img) {
        attempt!(stretched);
        attempt!(prep::invert(&stretched));
    }
    let smooth = prep::smooth(img);
    attempt!(smooth);
    attempt!(prep::invert(&smooth));
    classify(img, &hints)
}

fn check_size(width: u32, height: u32) -> Result<(), DecodeError> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        Err(DecodeError::TooLarge {
            width,
            height,
            max_pixels: MAX_PIXELS,
        })
    } else {
        Ok(())
    }
}

/// Decodes every QR code in an image and returns their texts, in the order found, without
/// duplicates. Light-on-dark (inverted) codes are read too.
///
/// # Errors
/// [`DecodeError::TooLarge`] above [`MAX_PIXELS`], [`DecodeError::NoCodeFound`] or
/// [`DecodeError::Damaged`].
pub fn decode_image(img: &DynamicImage) -> Result<Vec<String>, DecodeError> {
    check_size(img.width(), img.height())?;
    decode_luma(&img.to_luma8())
}

/// Decodes every QR code in the bytes of a PNG or JPEG file.
///
/// The image's dimensions are read from its header and checked against [`MAX_PIXELS`]
/// before any pixel is decoded, so an oversized or hostile file costs no memory.
///
/// # Errors
/// [`DecodeError::UnsupportedFormat`], [`DecodeError::Unreadable`], and those of
/// [`decode_image`].
pub fn decode_bytes(bytes: &[u8]) -> Result<Vec<String>, DecodeError> {
    let format = image::guess_format(bytes).map_err(|_| DecodeError::UnsupportedFormat)?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return Err(DecodeError::UnsupportedFormat);
    }
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(DecodeError::Unreadable)?;
    check_size(width, height)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Belt and braces: the header was checked, but a decoder's own allocations are capped
    // too (4 bytes per pixel for RGBA JPEG/PNG plus slack).
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
    reader.limits(limits);
    let img = reader.decode().map_err(DecodeError::Unreadable)?;
    decode_luma(&img.into_luma8())
}

/// Decodes every QR code in a PNG or JPEG file.
///
/// # Errors
/// [`DecodeError::Io`] if the file cannot be read (or is larger than 256 MiB), and those of
/// [`decode_bytes`].
pub fn decode_file(path: &Path) -> Result<Vec<String>, DecodeError> {
    let io_err = |source| DecodeError::Io {
        path: path.to_owned(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io_err)?.len();
    if len > MAX_FILE_BYTES {
        return Err(io_err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("file is {len} bytes, more than {MAX_FILE_BYTES}"),
        )));
    }
    let bytes = std::fs::read(path).map_err(io_err)?;
    decode_bytes(&bytes)
}
