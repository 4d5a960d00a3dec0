//! Property tests: round trips, caps, and that hostile or damaged input never panics.

use countersign_payload::{base45, decode, decode_with_limit, deflate, encode, DeflateError};
use proptest::prelude::*;

/// Bytes that compress like real documents do: drawn from a small alphabet, with repeats.
fn compressible() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(b"{}\":,abc 0123".to_vec()), 0..8192)
}

proptest! {
    #[test]
    fn base45_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let text = base45::encode(&bytes);
        prop_assert_eq!(base45::decode(&text), Ok(bytes));
    }

    #[test]
    fn base45_decode_is_canonical(text in "[0-9A-Z $%*+./:-]{0,64}") {
        // Each valid group has one value, so decoding then encoding gives the text back.
        if let Ok(bytes) = base45::decode(&text) {
            prop_assert_eq!(base45::encode(&bytes), text);
        }
    }

    #[test]
    fn decode_never_panics_on_arbitrary_strings(text in any::<String>()) {
        let _ = decode(&text);
    }

    #[test]
    fn decode_never_panics_on_prefixed_base45(body in "[0-9A-Z $%*+./:-]{0,300}") {
        let _ = decode_with_limit(&format!("CS1:{body}"), 4096);
    }

    #[test]
    fn payload_round_trips(bytes in prop::collection::vec(any::<u8>(), 1..4096)) {
        prop_assert_eq!(decode(&encode(&bytes)), Ok(bytes));
    }

    #[test]
    fn decompress_never_exceeds_the_cap(data in compressible(), cap in 0usize..10_000) {
        let compressed = deflate::compress(&data);
        match deflate::decompress(&compressed, cap) {
            Ok(out) => {
                prop_assert!(out.len() <= cap);
                prop_assert_eq!(out, data);
            }
            Err(DeflateError::TooLarge { limit }) => {
                prop_assert_eq!(limit, cap);
                prop_assert!(data.len() > cap);
            }
            Err(DeflateError::Empty) => prop_assert!(data.is_empty()),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn decompress_of_random_bytes_respects_the_cap(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        cap in 0usize..4096,
    ) {
        if let Ok(out) = deflate::decompress(&bytes, cap) {
            prop_assert!(out.len() <= cap);
        }
    }

    #[test]
    fn damaged_compressed_bytes_never_panic(
        data in compressible().prop_filter("non-empty", |d| !d.is_empty()),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut compressed = deflate::compress(&data);
        for (index, mask) in flips {
            let i = index.index(compressed.len());
            compressed[i] ^= mask;
        }
        if truncate {
            compressed.truncate(cut.index(compressed.len()));
        }
        let text = format!("CS1:{}", base45::encode(&compressed));
        // An undetected flip is possible (raw deflate has no checksum; the signature inside
        // catches it), but the cap must hold and nothing may panic.
        if let Ok(out) = decode_with_limit(&text, 16 * 1024) {
            prop_assert!(out.len() <= 16 * 1024);
        }
    }

    #[test]
    fn damaged_payload_text_never_panics(
        data in compressible().prop_filter("non-empty", |d| !d.is_empty()),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut chars: Vec<char> = encode(&data).chars().collect();
        for (index, c) in edits {
            let i = index.index(chars.len());
            chars[i] = c;
        }
        let end = cut.index(chars.len() + 1);
        let text: String = chars[..end].iter().collect();
        let _ = decode(&text);
    }
}
