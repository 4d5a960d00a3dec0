//! Routing an input to the pipeline: QR text, JSON, a picture, or a file holding any of them.

use crate::pipeline::{unreadable, verify_document};
use crate::{Params, Report};
use countersign_jcs::ParseError;
use countersign_payload::PayloadError;
use countersign_qr::DecodeError;

/// Verifies what a scanner typed or a person pasted: a `CS1:` payload or credential JSON.
pub fn verify_text(text: &str, params: &Params<'_>) -> Report {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        return verify_json(trimmed.as_bytes(), params);
    }
    match countersign_payload::decode(trimmed) {
        Ok(json) => verify_json(&json, params),
        Err(e) => unreadable(
            payload_code(&e),
            format!("the QR payload cannot be read: {e}"),
            params,
        ),
    }
}

fn payload_code(e: &PayloadError) -> &'static str {
    match e {
        PayloadError::MissingPrefix { .. } => "format.not_countersign",
        PayloadError::UnsupportedVersion { .. } => "format.unsupported_version",
        PayloadError::LowercaseInput => "format.lowercase",
        PayloadError::Deflate(countersign_payload::DeflateError::TooLarge { .. }) => {
            "format.too_large"
        }
        _ => "format.damaged",
    }
}

/// Verifies credential JSON bytes.
pub fn verify_json(bytes: &[u8], params: &Params<'_>) -> Report {
    match countersign_jcs::parse_strict(bytes) {
        Ok(document) => verify_document(document, params),
        Err(e) => crate::pipeline::bad_json(json_code(&e), e.to_string(), params),
    }
}

fn json_code(e: &ParseError) -> &'static str {
    match e {
        ParseError::NotUtf8 { .. } | ParseError::ByteOrderMark => "format.not_utf8",
        ParseError::DuplicateKey { .. } => "format.duplicate_key",
        ParseError::TooDeep { .. } => "format.too_deep",
        ParseError::TooLarge { .. } => "format.too_large",
        ParseError::NumberOutOfRange { .. } => "format.number_range",
        _ => "format.json_syntax",
    }
}

/// Verifies the first Countersign QR code found in a picture (PNG or JPEG bytes).
pub fn verify_image(bytes: &[u8], params: &Params<'_>) -> Report {
    match countersign_qr::decode_bytes(bytes) {
        Ok(texts) => {
            let chosen = texts
                .iter()
                .find(|t| countersign_payload::looks_like_payload(t))
                .or_else(|| texts.first());
            match chosen {
                Some(text) => verify_text(text, params),
                None => unreadable(
                    "format.no_qr",
                    "no QR code was found in the picture".into(),
                    params,
                ),
            }
        }
        Err(e) => {
            let code = match e {
                DecodeError::NoCodeFound => "format.no_qr",
                DecodeError::Damaged => "format.qr_damaged",
                _ => "format.bad_image",
            };
            unreadable(code, format!("the picture cannot be read: {e}"), params)
        }
    }
}

/// Verifies a file's content: a picture, credential JSON or payload text.
pub fn verify_bytes(bytes: &[u8], params: &Params<'_>) -> Report {
    let is_png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    let is_jpeg = bytes.starts_with(&[0xff, 0xd8, 0xff]);
    if is_png || is_jpeg {
        return verify_image(bytes, params);
    }
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if bytes.get(start) == Some(&b'{') {
        return verify_json(bytes, params);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => verify_text(text, params),
        Err(_) => unreadable(
            "format.unknown_input",
            "the input is neither a picture, credential JSON nor a CS1 payload".into(),
            params,
        ),
    }
}
