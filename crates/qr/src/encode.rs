//! Rendering text as QR code images.

use image::{GrayImage, ImageEncoder, Luma};
use qrcode::optimize::{Parser, Segment};
use qrcode::types::{Mode, Version};
use qrcode::{EcLevel, QrCode};

use crate::QrError;

/// Largest accepted module size. A version-40 code at this size with its quiet zone is
/// 185 × 32 = 5,920 px square (35 MB of luma): plenty for print at 600 dpi, and a bound on
/// what a caller's typo can allocate.
pub const MAX_MODULE_PX: u32 = 32;

/// Facts about the QR code that [`crate::inspect`] and the renderers produce for a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrInfo {
    /// QR version, 1–40 (the smallest that fits the text at the requested level).
    pub version: u8,
    /// Modules per side, without the quiet zone (`17 + 4 × version`).
    pub modules: u32,
    /// Error-correction level.
    pub ec: EcLevel,
    /// True when every segment is numeric or alphanumeric, i.e. no byte-mode segment was
    /// needed. Countersign payloads (`CS1:` + base45) must be, or they grow by ~35 %.
    pub mode_alphanumeric: bool,
}

fn encode(text: &str, ec: EcLevel) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), ec).map_err(|e| match e {
        qrcode::types::QrError::DataTooLong => QrError::TooLong {
            len: text.len(),
            ec,
        },
        other => QrError::Encode(other),
    })
}

fn check_module_px(module_px: u32) -> Result<(), QrError> {
    if (1..=MAX_MODULE_PX).contains(&module_px) {
        Ok(())
    } else {
        Err(QrError::ModuleSize {
            module_px,
            max: MAX_MODULE_PX,
        })
    }
}

pub(crate) fn info_of(text: &str, code: &QrCode) -> QrInfo {
    let version = match code.version() {
        Version::Normal(v) | Version::Micro(v) => v,
    };
    // Segment the text the way `QrCode::with_error_correction_level` does for this version,
    // so the answer describes the symbol actually produced rather than a guess from the
    // character set.
    let mode_alphanumeric = Parser::new(text.as_bytes())
        .optimize(code.version())
        .all(|Segment { mode, .. }| matches!(mode, Mode::Numeric | Mode::Alphanumeric));
    QrInfo {
        version: u8::try_from(version).unwrap_or(u8::MAX),
        modules: u32::try_from(code.width()).unwrap_or(u32::MAX),
        ec: code.error_correction_level(),
        mode_alphanumeric,
    }
}

/// Describes the QR code that the renderers would produce for `text` at level `ec`
/// (the smallest version that fits).
///
/// # Errors
/// [`QrError::TooLong`] when the text does not fit even in version 40.
pub fn inspect(text: &str, ec: EcLevel) -> Result<QrInfo, QrError> {
    let code = encode(text, ec)?;
    Ok(info_of(text, &code))
}

/// Renders `text` as an 8-bit greyscale image, black modules on white, `module_px` pixels
/// per module, with the standard 4-module quiet zone (scanners need it; the PNG renderer
/// lets print layouts that supply their own margin leave it out).
///
/// # Errors
/// [`QrError::TooLong`], or [`QrError::ModuleSize`] unless `1 <= module_px <= MAX_MODULE_PX`.
pub fn render_luma(text: &str, ec: EcLevel, module_px: u32) -> Result<GrayImage, QrError> {
    render_gray(text, ec, module_px, true)
}

fn render_gray(
    text: &str,
    ec: EcLevel,
    module_px: u32,
    quiet_zone: bool,
) -> Result<GrayImage, QrError> {
    check_module_px(module_px)?;
    let code = encode(text, ec)?;
    Ok(code
        .render::<Luma<u8>>()
        .quiet_zone(quiet_zone)
        .module_dimensions(module_px, module_px)
        .build())
}

/// Renders `text` as a greyscale PNG file (black on white), `module_px` pixels per module,
/// with or without the 4-module quiet zone.
///
/// # Errors
/// As [`render_luma`], plus [`QrError::Png`] if the encoder fails.
pub fn render_png(
    text: &str,
    ec: EcLevel,
    module_px: u32,
    quiet_zone: bool,
) -> Result<Vec<u8>, QrError> {
    let img = render_gray(text, ec, module_px, quiet_zone)?;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(QrError::Png)?;
    Ok(out)
}

/// Renders `text` as a standalone SVG document (black on white, with quiet zone), one user
/// unit per module so it scales to any size without resampling.
///
/// # Errors
/// [`QrError::TooLong`].
pub fn render_svg(text: &str, ec: EcLevel) -> Result<String, QrError> {
    let code = encode(text, ec)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(1, 1)
        .build())
}
