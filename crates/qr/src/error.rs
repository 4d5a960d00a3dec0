//! Error types for rendering and decoding.

/// Why a QR code could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not fit in the largest QR code (version 40) at this error-correction level.
    #[error("text of {len} bytes does not fit in a QR code at error-correction level {ec:?}")]
    TooLong {
        /// Length of the text in bytes.
        len: usize,
        /// The requested error-correction level.
        ec: crate::EcLevel,
    },
    /// The qrcode encoder rejected the text for another reason.
    #[error("QR encoding failed: {0}")]
    Encode(qrcode::types::QrError),
    /// The module size is zero or so large that the image would be unreasonably big.
    #[error("module size {module_px} px is outside 1..={max}")]
    ModuleSize {
        /// The requested size of one module in pixels.
        module_px: u32,
        /// The largest accepted size.
        max: u32,
    },
    /// Writing the PNG failed.
    #[error("PNG encoding failed")]
    Png(#[source] image::ImageError),
}

/// Why no QR code text could be read from an image.
///
/// The variants let the caller tell the clerk what to do: "this is not a picture"
/// ([`DecodeError::UnsupportedFormat`], [`DecodeError::Unreadable`]), "there is no code in
/// it" ([`DecodeError::NoCodeFound`]) and "there is a code but it is too damaged, rescan"
/// ([`DecodeError::Damaged`]) call for different advice.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not an image in a format this crate reads (PNG and JPEG).
    #[error("not a PNG or JPEG image")]
    UnsupportedFormat,
    /// The bytes look like a supported image but could not be decoded (truncated or corrupt).
    #[error("image could not be read")]
    Unreadable(#[source] image::ImageError),
    /// The image has more pixels than [`crate::MAX_PIXELS`]; refused before decoding so a
    /// hostile or accidental huge file cannot exhaust memory.
    #[error("image is {width}x{height}, more than {max_pixels} pixels")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit that was exceeded.
        max_pixels: u64,
    },
    /// No QR code was located in the image.
    #[error("no QR code found in the image")]
    NoCodeFound,
    /// A QR code was located but its content could not be recovered (too blurred, damaged
    /// or partly outside the picture).
    #[error("a QR code was found but could not be read")]
    Damaged,
    /// Reading the file failed.
    #[error("could not read {path}")]
    Io {
        /// The file that was being read.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
