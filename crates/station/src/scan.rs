//! One decision for everything scanned at the counter, text or picture: is it a receipt
//! someone brought back, or a credential to verify? Made here, once, for the app and the CLI,
//! so that a photo of a receipt dropped on the ready screen is checked as a receipt instead of
//! being verified and logged as a failed credential.

/// What was scanned, as the counter will treat it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// A receipt: its QR payload, to check.
    Receipt(String),
    /// Anything else: a credential to verify (and log), from the bytes as they came.
    Credential,
}

/// Decides what `input` is. `expecting_receipt` is the clerk's "check a receipt" mode, in which
/// everything scanned is a receipt to check (and what is not one is refused as such). A text
/// is a receipt when it carries the receipt prefix; a picture when a QR code in it does (a
/// picture of a credential with a receipt beside it is a receipt: it is what was brought
/// back). A picture that cannot be read is left to the verifier, which says why.
pub fn classify(input: &[u8], expecting_receipt: bool) -> Scanned {
    let text = std::str::from_utf8(input).map(str::trim).unwrap_or("");
    if text.starts_with(countersign_receipt::PREFIX) {
        return Scanned::Receipt(text.to_string());
    }
    let is_text = !input.is_empty() && input.is_ascii();
    if is_text {
        return if expecting_receipt {
            Scanned::Receipt(text.to_string())
        } else {
            Scanned::Credential
        };
    }
    let codes = countersign_qr::decode_bytes(input).unwrap_or_default();
    let receipt = codes
        .iter()
        .map(|t| t.trim())
        .find(|t| t.starts_with(countersign_receipt::PREFIX));
    match receipt {
        Some(payload) => Scanned::Receipt(payload.to_string()),
        // Checked as a receipt all the same, so the clerk hears "not a receipt" (a code that
        // is something else) or "no readable code" (none), not a credential's verdict.
        None if expecting_receipt => Scanned::Receipt(
            codes
                .first()
                .map(|t| t.trim().to_string())
                .unwrap_or_default(),
        ),
        None => Scanned::Credential,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_a_receipt_by_its_prefix_or_by_the_mode() {
        let receipt = format!("{}ABC", countersign_receipt::PREFIX);
        assert_eq!(
            classify(receipt.as_bytes(), false),
            Scanned::Receipt(receipt.clone())
        );
        assert_eq!(classify(b"CS1:XYZ", false), Scanned::Credential);
        assert_eq!(
            classify(b"CS1:XYZ", true),
            Scanned::Receipt("CS1:XYZ".into())
        );
        assert_eq!(
            classify(b"\x89PNG not a picture", false),
            Scanned::Credential
        );
    }
}
