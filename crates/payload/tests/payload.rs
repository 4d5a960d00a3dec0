//! Behaviour of the full payload: prefix, trimming, errors, and caps against deflate bombs.

use std::time::{Duration, Instant};

use countersign_payload::{
    base45, decode, decode_with_limit, deflate, encode, looks_like_payload, Base45Error,
    DeflateError, PayloadError, DEFAULT_MAX_DECOMPRESSED, PREFIX,
};
use flate2::{Compress, Compression, FlushCompress};

/// A credential-shaped JSON document of roughly `target` bytes, in Chinese where text appears.
fn chinese_credential(target: usize) -> Vec<u8> {
    let mut courses = Vec::new();
    let mut json = String::new();
    let names = [
        "高等数学",
        "线性代数",
        "概率论与数理统计",
        "大学物理",
        "程序设计基础",
        "数据结构",
        "计算机组成原理",
        "操作系统",
        "马克思主义基本原理",
        "中国近现代史纲要",
    ];
    for i in 0.. {
        let name = names[i % names.len()];
        courses.push(serde_json::json!({
            "课程": format!("{name}（第{}学期）", i / names.len() + 1),
            "学分": (i % 5) + 1,
            "成绩": format!("{}", 60 + (i * 7) % 40),
        }));
        let doc = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "成绩单"],
            "issuer": "did:ethr:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "validFrom": "2025-07-01T00:00:00Z",
            "credentialSubject": {
                "姓名": "王小明",
                "学号": "2021013579",
                "学院": "计算机科学与技术学院",
                "专业": "软件工程",
                "课程": courses,
            },
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-jcs-2022",
                "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKiSXLPeLJQGkrf4AW",
            },
        });
        json = doc.to_string();
        if json.len() >= target {
            break;
        }
    }
    json.into_bytes()
}

/// A raw deflate stream that inflates to `mib` MiB of zeros, built without ever holding them:
/// one sync-flushed block of 1 MiB of zeros is self-contained, so it can be repeated, and a
/// final empty block ends the stream.
fn zeros_bomb(mib: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut compressor = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(4096);
    compressor
        .compress_vec(&zeros, &mut block, FlushCompress::Sync)
        .expect("compressing zeros");
    assert_eq!(compressor.total_in(), 1 << 20, "block took all the zeros");
    let mut bomb = Vec::with_capacity(block.len() * mib + 2);
    for _ in 0..mib {
        bomb.extend_from_slice(&block);
    }
    // A final block with fixed Huffman codes holding only the end-of-block symbol.
    bomb.extend_from_slice(&[0x03, 0x00]);
    bomb
}

fn payload_of(compressed: &[u8]) -> String {
    format!("{PREFIX}{}", base45::encode(compressed))
}

#[test]
fn chinese_json_round_trips_and_fits_a_qr_code() {
    let json = chinese_credential(2048);
    let text = encode(&json);
    assert!(text.starts_with(PREFIX));
    assert_eq!(decode(&text).as_deref(), Ok(&json[..]));
    // Version 40 at error correction M holds 3391 alphanumeric characters.
    assert!(
        text.len() <= 3391,
        "a {}-byte credential became {} characters",
        json.len(),
        text.len()
    );
    eprintln!(
        "{} bytes of Chinese JSON -> {} bytes deflated -> {} payload characters",
        json.len(),
        deflate::compress(&json).len(),
        text.len()
    );
}

#[test]
fn every_payload_character_is_qr_alphanumeric() {
    let text = encode(&chinese_credential(1024));
    let alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    if let Some(bad) = text.chars().find(|c| !alphanumeric.contains(*c)) {
        panic!("payload contains {bad:?}, outside the QR alphanumeric set");
    }
}

#[test]
fn scanner_whitespace_is_trimmed() {
    let json = br#"{"a":1}"#;
    let text = encode(json);
    for wrapped in [
        format!("{text}\r\n"),
        format!("{text}\n"),
        format!("{text}\t"),
        format!(" \t{text} \r"),
    ] {
        assert_eq!(decode(&wrapped).as_deref(), Ok(&json[..]), "{wrapped:?}");
        assert!(looks_like_payload(&wrapped), "{wrapped:?}");
    }
}

#[test]
fn whitespace_only_input_is_empty() {
    assert_eq!(decode(""), Err(PayloadError::EmptyInput));
    assert_eq!(decode(" \r\n\t"), Err(PayloadError::EmptyInput));
}

#[test]
fn other_versions_are_unsupported_not_missing() {
    let body = &encode(b"x")[PREFIX.len()..];
    assert_eq!(
        decode(&format!("CS2:{body}")),
        Err(PayloadError::UnsupportedVersion {
            found: "CS2:".into()
        })
    );
    assert_eq!(
        decode("CS10:ABC"),
        Err(PayloadError::UnsupportedVersion {
            found: "CS10:".into()
        })
    );
    assert!(looks_like_payload("CS2:ABC"));
}

#[test]
fn missing_prefix_quotes_a_short_escaped_preview() {
    assert_eq!(
        decode("https://example.com/credential/12345"),
        Err(PayloadError::MissingPrefix {
            found: "https://example.…".into()
        })
    );
    assert_eq!(
        decode("AB\u{1b}[2J"),
        Err(PayloadError::MissingPrefix {
            found: "AB\\u{1b}[2J".into()
        })
    );
    // The body without its prefix, as a scanner that drops leading characters would type it.
    let text = encode(b"{}");
    assert!(matches!(
        decode(&text[PREFIX.len()..]),
        Err(PayloadError::MissingPrefix { .. })
    ));
    assert!(matches!(
        decode("CS:ABC"),
        Err(PayloadError::MissingPrefix { .. })
    ));
    assert!(!looks_like_payload("https://example.com"));
    assert!(!looks_like_payload("CS1"));
}

#[test]
fn caps_lock_input_is_reported_as_lowercase() {
    let text = encode(br#"{"name":"Ada Lovelace","id":1815}"#);
    let lowered = text.to_ascii_lowercase();
    assert_ne!(lowered, text, "test payload has letters to lower");
    assert_eq!(decode(&lowered), Err(PayloadError::LowercaseInput));
    assert_eq!(
        decode(&format!("{lowered}\n")),
        Err(PayloadError::LowercaseInput)
    );
    assert!(looks_like_payload(&lowered));
}

#[test]
fn lowercase_inside_an_uppercase_prefix_is_an_invalid_character() {
    assert_eq!(
        decode("CS1:AbC"),
        Err(PayloadError::Base45(Base45Error::InvalidCharacter {
            position: 1,
            character: 'b'
        }))
    );
}

#[test]
fn base45_errors_pass_through() {
    assert_eq!(
        decode("CS1:ABCD"),
        Err(PayloadError::Base45(Base45Error::InvalidLength { len: 4 }))
    );
    assert_eq!(
        decode("CS1:GGW"),
        Err(PayloadError::Base45(Base45Error::ValueOutOfRange {
            position: 0
        }))
    );
}

#[test]
fn truncation_at_every_position_is_an_error() {
    let json = chinese_credential(1024);
    let text = encode(&json);
    for end in 0..text.len() {
        let cut = &text[..end];
        assert!(
            decode(cut).is_err(),
            "decoding the first {end} characters succeeded"
        );
    }

    let compressed = deflate::compress(&json);
    for end in 0..compressed.len() {
        assert_eq!(
            deflate::decompress(&compressed[..end], usize::MAX),
            Err(DeflateError::Truncated),
            "decompressing the first {end} of {} bytes",
            compressed.len()
        );
    }
}

#[test]
fn prefix_alone_is_truncated() {
    assert_eq!(
        decode(PREFIX),
        Err(PayloadError::Deflate(DeflateError::Truncated))
    );
}

#[test]
fn bytes_after_the_stream_are_trailing_data() {
    let mut compressed = deflate::compress(br#"{"a":"b"}"#);
    compressed.extend_from_slice(b"\x00junk");
    assert_eq!(
        decode(&payload_of(&compressed)),
        Err(PayloadError::Deflate(DeflateError::TrailingData {
            extra: 5
        }))
    );
}

#[test]
fn garbage_is_corrupt() {
    // 0xFF starts a block of reserved type 3.
    assert!(matches!(
        deflate::decompress(&[0xFF, 0xFF, 0xFF], 1024),
        Err(DeflateError::Corrupt { .. })
    ));
}

#[test]
fn empty_content_is_rejected() {
    assert_eq!(
        decode(&encode(b"")),
        Err(PayloadError::Deflate(DeflateError::Empty))
    );
}

#[test]
fn output_exactly_at_the_limit_is_accepted() {
    let data = vec![b'a'; 1000];
    let compressed = deflate::compress(&data);
    assert_eq!(
        deflate::decompress(&compressed, 1000).as_deref(),
        Ok(&data[..])
    );
    assert_eq!(
        deflate::decompress(&compressed, 999),
        Err(DeflateError::TooLarge { limit: 999 })
    );
    assert_eq!(
        decode_with_limit(&encode(&data), 10),
        Err(PayloadError::Deflate(DeflateError::TooLarge { limit: 10 }))
    );
}

#[test]
fn small_bomb_of_ten_mib_is_refused() {
    let bomb = zeros_bomb(10);
    // The bomb is real: with room for it, it inflates to 10 MiB of zeros.
    let inflated = deflate::decompress(&bomb, 10 << 20).expect("bomb is a valid stream");
    assert_eq!(inflated.len(), 10 << 20);
    assert!(inflated.iter().all(|&b| b == 0));

    assert_eq!(
        decode(&payload_of(&bomb)),
        Err(PayloadError::Deflate(DeflateError::TooLarge {
            limit: DEFAULT_MAX_DECOMPRESSED
        }))
    );
}

#[test]
fn gibibyte_bomb_is_refused_quickly() {
    let bomb = zeros_bomb(1024);
    assert!(bomb.len() < 2 << 20, "bomb is {} bytes", bomb.len());
    let text = payload_of(&bomb);

    let started = Instant::now();
    let result = decode(&text);
    let elapsed = started.elapsed();
    assert_eq!(
        result,
        Err(PayloadError::Deflate(DeflateError::TooLarge {
            limit: DEFAULT_MAX_DECOMPRESSED
        }))
    );
    // Inflating the whole GiB takes seconds; stopping at the cap takes milliseconds.
    assert!(
        elapsed < Duration::from_secs(2),
        "refusing a 1 GiB bomb took {elapsed:?}"
    );
}
