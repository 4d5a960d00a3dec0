//! QR code images for Countersign: rendering payload text as PNG, SVG or greyscale pixels,
//! and reading it back from photos, screenshots and scans, including light-on-dark codes
//! shown by phones in dark mode.
//!
//! Not for: what the text means (the payload crate parses `CS1:` and base45), driving a
//! camera or capturing video (callers hand in frames or files), or any verification. It
//! returns text and nothing else; it does no I/O beyond reading the file it is given.
//!
//! ```
//! use countersign_qr::{decode_bytes, inspect, render_png, EcLevel};
//!
//! let text = "CS1:6BFOXN*TS0BI$ZD.P9";
//! assert!(inspect(text, EcLevel::M)?.mode_alphanumeric);
//! let png = render_png(text, EcLevel::M, 4, true)?;
//! assert_eq!(decode_bytes(&png)?, vec![text.to_owned()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Sizes
//! Payloads are `CS1:` + base45, all in the QR alphanumeric set (5.5 bits a character).
//! At level M, 1,134 characters fit version 22, 1,451 version 25, 1,812 version 29: the
//! typical 1,300–1,850-character payload is a version 24–30 code (113–137 modules).
//!
//! # Decoding: rxing behind a fallback pipeline
//! The decoder was chosen by measurement (`examples/decode_rates.rs`, 100 seeded synthetic
//! images per row, payloads of 1,300–1,850 characters, level M; release build, one core).
//! Percentages are images decoded to the right text; ms is the mean time per image.
//!
//! | damage                                   | rqrr 0.11 | rxing 0.9 | this pipeline |
//! |------------------------------------------|----------:|----------:|--------------:|
//! | clean, 4 px/module                       | 100 % 42 ms | 100 % 3 ms | 100 % 2 ms |
//! | rotated 5°                               |   3 % | 100 % | 100 % |
//! | rotated 30°                              |  49 % | 100 % | 100 % |
//! | rotated 90°                              |  98 % | 100 % | 100 % |
//! | perspective (corners in by ≤ 12 %)       |  11 % | 100 % | 100 % |
//! | Gaussian blur σ 1.6 px                   |  31 % | 100 % | 100 % |
//! | noise σ 45 grey levels                   |   6 % |  71 % | 100 % |
//! | JPEG quality 30, 3 px/module             |  52 % | 100 % | 100 % |
//! | low contrast (125 on 175, ratio ≈ 1.8)   |  95 % |   0 % | 100 % |
//! | inverted (light on dark)                 |   0 % |   0 % | 100 % |
//! | 300–400 px code in a 1920×1080 frame     |  34 % | 100 % 30 ms | 100 % 30 ms |
//! | camera: small, rotated, blurred, noisy, JPEG 50 | 2 % |  69 % 14 ms |  91 % 36 ms |
//! | camera, dark-mode screen                 |   0 % |   0 % |  91 % 47 ms |
//! | 12 MP phone photo of a printed code      |  53 % 725 ms | 81 % 178 ms | 100 % 47 ms |
//!
//! rqrr (even when retried on the inverted image) loses to rxing everywhere except low
//! contrast, and is 10–15× slower. rxing is used through zxing-cpp's multi-symbol QR
//! reader with zxing's hybrid (local-threshold) binariser. Its misses have specific causes,
//! each fixed by giving it another view of the image ([`decode_image`] tries them in this
//! order and stops at the first that reads anything):
//! 1. a half-size copy first, for images over 4 megapixels (a code filling a phone photo
//!    reads faster and more reliably with less noise);
//! 2. the image as is;
//! 3. inverted pixels: the hybrid binariser takes flat regions as light, so inverting its
//!    bit matrix (rxing's own `AlsoInverted`) misreads a dark-mode screen's dark margin;
//! 4. a 1.5× bilinear upscale, and its inverse (not above 4 MP): a camera frame's code has
//!    under 3 px per module and rxing samples one pixel per module centre;
//! 5. a contrast stretch and its inverse: the binariser ignores local contrast below 24
//!    grey levels;
//! 6. a 3×3 smoothing and its inverse, against sensor noise.
//!
//! The transforms are small hand-written integer passes (`imageproc` would add a large
//! dependency for one of them, and `image::imageops` works in `f32`, 10× slower here).
//! A 2× upscale after these gains 2–3 points on camera frames but raises the cost of a
//! frame with no code from ~110 ms to ~180 ms, so it was left out.
//!
//! Release-build medians (`benches/decode.rs`): a clean version-24 PNG, 3.1 ms from file
//! bytes to text; a camera-like 1920×1080 frame, 13.5 ms when the first pass reads it; a
//! 1920×1080 frame with no code, where every step runs, 106 ms.

mod decode;
mod encode;
mod error;
mod prep;

pub use decode::{decode_bytes, decode_file, decode_image, MAX_PIXELS};
pub use encode::{inspect, render_luma, render_png, render_svg, QrInfo, MAX_MODULE_PX};
pub use error::{DecodeError, QrError};
/// Error-correction level (re-exported from the `qrcode` crate): `L`, `M` (Countersign's
/// default, ~15 % of codewords recoverable), `Q`, `H`.
pub use qrcode::EcLevel;
