//! Feeds arbitrary input to every decoding path of `countersign-payload`.
//!
//! Scanned QR codes are untrusted input: decoding must never panic and must never return more
//! than the decompression cap, whatever the bytes.

#![no_main]

use countersign_payload::{base45, decode, decode_with_limit, deflate, DEFAULT_MAX_DECOMPRESSED};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A small cap taken from the input, so inputs can probe the boundary cheaply.
    let cap = data
        .get(..2)
        .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));

    // The text paths, as a scanner would type it.
    let text = String::from_utf8_lossy(data);
    if let Ok(out) = decode(&text) {
        assert!(out.len() <= DEFAULT_MAX_DECOMPRESSED);
    }
    if let Ok(out) = decode_with_limit(&text, cap) {
        assert!(out.len() <= cap);
    }
    if let Ok(bytes) = base45::decode(&text) {
        // Every valid group has exactly one encoding.
        assert_eq!(base45::encode(&bytes), text);
    }

    // The raw bytes as a deflate stream, directly and through a well-formed payload, so the
    // fuzzer reaches the decompressor without having to discover valid base45 first.
    if let Ok(out) = deflate::decompress(data, cap) {
        assert!(out.len() <= cap);
    }
    let wrapped = format!("CS1:{}", base45::encode(data));
    if let Ok(out) = decode_with_limit(&wrapped, cap) {
        assert!(out.len() <= cap);
    }
});
