use super::*;
use chrono::TimeZone;
use countersign_crypto::Profile;
use countersign_printdoc::{Block, Paper};
use countersign_vocab::ChainSourceKind;
use proptest::prelude::*;

/// The standard profile's hall key.
fn key() -> SecretKey {
    SecretKey::from_bytes(SigAlg::Ed25519, &[7; 32]).expect("key")
}

/// The national profile's hall key.
fn sm2_key() -> SecretKey {
    SecretKey::from_bytes(SigAlg::Sm2, &[7; 32]).expect("key")
}

fn keys() -> [SecretKey; 2] {
    [key(), sm2_key()]
}

pub(crate) fn sample() -> Receipt {
    Receipt {
        id: "R20261125-7KQ4M2XD".into(),
        hall: "BJ-CY-01".into(),
        counter: "3".into(),
        clerk: "clerk-007".into(),
        at: Utc
            .with_ymd_and_hms(2026, 11, 25, 6, 3, 22)
            .single()
            .expect("time"),
        verdict: Verdict::Invalid,
        reasons: vec!["validity.expired".into()],
        credential_type: Some("ResidencePermitCredential".into()),
        issuer_name: Some("上海市浦东新区公安分局".into()),
        subject: [
            ("idNumber".to_string(), "310115********0017".to_string()),
            ("name".to_string(), "孙*".to_string()),
        ]
        .into_iter()
        .collect(),
        leaf: Some(CredentialHash([0xab; 32])),
        chain: Some(ChainUsed {
            source: ChainSourceKind::Mirror,
            block: 1_234_567,
            block_time: Utc
                .with_ymd_and_hms(2026, 11, 25, 5, 59, 0)
                .single()
                .expect("t"),
        }),
    }
}

#[test]
fn a_signed_receipt_reads_back_equal() {
    let signed = sample().sign(&key()).expect("sign");
    let payload = signed.payload();
    assert!(payload.starts_with("CSR1:"));
    // Only the QR alphanumeric set, so a keyboard-wedge scanner can type it.
    assert!(payload
        .chars()
        .all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c)));
    let back = SignedReceipt::parse(&payload).expect("parse");
    assert_eq!(back, signed);
    // A scanner's trailing line end is forgiven.
    assert_eq!(
        SignedReceipt::parse(&format!("{payload}\r\n")).expect("crlf"),
        signed
    );
}

#[test]
fn a_minimal_receipt_reads_back_equal() {
    let r = Receipt {
        reasons: vec![],
        credential_type: None,
        issuer_name: None,
        subject: BTreeMap::new(),
        leaf: None,
        chain: None,
        verdict: Verdict::Unverifiable,
        ..sample()
    };
    let signed = r.sign(&key()).expect("sign");
    assert_eq!(
        SignedReceipt::parse(&signed.payload()).expect("parse"),
        signed
    );
}

#[test]
fn sub_second_times_are_signed_as_whole_seconds() {
    let mut r = sample();
    r.at += chrono::Duration::milliseconds(750);
    let signed = r.sign(&key()).expect("sign");
    assert_eq!(signed.receipt.at, sample().at);
    assert_eq!(
        SignedReceipt::parse(&signed.payload()).expect("parse"),
        signed
    );
}

fn raw(signed: &SignedReceipt) -> Vec<u8> {
    let text = signed.payload();
    countersign_payload::base45::decode(&text[PREFIX.len()..]).expect("base45")
}

fn text_of(bytes: &[u8]) -> String {
    format!("{PREFIX}{}", countersign_payload::base45::encode(bytes))
}

#[test]
fn every_changed_byte_is_refused() {
    for key in keys() {
        let signed = sample().sign(&key).expect("sign");
        let bytes = raw(&signed);
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut changed = bytes.clone();
                changed[i] ^= flip;
                let result = SignedReceipt::parse(&text_of(&changed));
                assert!(
                    result.is_err(),
                    "{}: byte {i} ^ {flip:#x} accepted: {result:?}",
                    key.alg()
                );
            }
        }
    }
}

#[test]
fn another_key_is_another_receipt() {
    // Re-signing with another key is a valid receipt of another (untrusted) key: trust is
    // decided by the key's standing, not by the signature alone.
    for alg in SigAlg::ALL {
        let other = SecretKey::from_bytes(alg, &[9; 32]).expect("key");
        let forged = sample().sign(&other).expect("sign");
        let back = SignedReceipt::parse(&forged.payload()).expect("parse");
        assert_ne!(back.key, key().public());
        assert_ne!(back.key, sm2_key().public());
    }
}

/// An SM2 receipt: the first byte names it, the key is the 33-byte compressed point, the
/// signature SM2's 64 bytes; it reads back equal and verifies.
#[test]
fn an_sm2_receipt_names_its_algorithm_and_reads_back_equal() {
    let signed = sample().sign(&sm2_key()).expect("sign");
    assert_eq!(signed.alg(), SigAlg::Sm2);
    let bytes = raw(&signed);
    assert_eq!(bytes[0], 2);
    assert_eq!(&bytes[1..34], sm2_key().public().to_bytes().as_slice());
    let standard = raw(&sample().sign(&key()).expect("sign"));
    assert_eq!(
        standard[0], 1,
        "a standard receipt is the format it always was"
    );
    assert_eq!(bytes.len(), standard.len() + 1, "one byte more: the key's");
    let back = SignedReceipt::parse(&signed.payload()).expect("parse");
    assert_eq!(back, signed);
    assert_eq!(signed.key_hex().len(), 66);
}

/// A receipt signed before the national profile (the Ed25519 format, byte 0x01) still reads;
/// an Ed25519 `SigningKey` still signs (older callers hold one), and the receipt is the one
/// the same key as a `SecretKey` signs.
#[test]
fn an_ed25519_receipt_is_the_format_it_always_was() {
    let old = sample()
        .sign(&ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
        .expect("sign");
    assert_eq!(old, sample().sign(&key()).expect("sign"));
    assert_eq!(raw(&old)[0], 1);
    assert_eq!(&raw(&old)[1..33], key().public().to_bytes().as_slice());
    let back = SignedReceipt::parse_with(&old.payload(), &Policy::default()).expect("parse");
    assert_eq!(back.alg(), SigAlg::Ed25519);
}

/// The verifier's policy first: a receipt under an algorithm the hall does not accept is
/// refused, whichever way round, before its signature is checked (a broken signature under
/// a refused algorithm is still "not allowed").
#[test]
fn a_policy_refuses_the_other_profiles_receipts() {
    let both = Policy::new(Profile::Guomi, &[Profile::Standard]);
    for (key, refusing) in [(sm2_key(), Profile::Standard), (key(), Profile::Guomi)] {
        let payload = sample().sign(&key).expect("sign").payload();
        match SignedReceipt::parse_with(&payload, &Policy::only(refusing)) {
            Err(ReceiptError::NotAllowed(refused)) => {
                assert_eq!(refused.algorithm, key.alg().name())
            }
            other => panic!("{}: expected NotAllowed, got {other:?}", key.alg()),
        }
        let accepting = Policy::only(Profile::of_sig(key.alg()));
        assert!(SignedReceipt::parse_with(&payload, &accepting).is_ok());
        assert!(SignedReceipt::parse_with(&payload, &both).is_ok());
        let mut broken = raw(&sample().sign(&key).expect("sign"));
        let last = broken.len() - 1;
        broken[last] ^= 1;
        assert!(matches!(
            SignedReceipt::parse_with(&text_of(&broken), &Policy::only(refusing)),
            Err(ReceiptError::NotAllowed(_))
        ));
        assert_eq!(
            SignedReceipt::parse_with(&text_of(&broken), &accepting),
            Err(ReceiptError::Signature)
        );
    }
}

/// A receipt relabelled to the other algorithm (its first byte changed, or its body re-encoded
/// under the other byte with the key and signature it had) never verifies.
#[test]
fn a_receipt_relabelled_to_the_other_algorithm_fails() {
    let both = Policy::new(Profile::Guomi, &[Profile::Standard]);
    for key in keys() {
        let signed = sample().sign(&key).expect("sign");
        let mut relabelled = raw(&signed);
        relabelled[0] = if relabelled[0] == 1 { 2 } else { 1 };
        let result = SignedReceipt::parse_with(&text_of(&relabelled), &both);
        assert!(result.is_err(), "{}: {result:?}", key.alg());
    }
    // The SM2 receipt's body with an Ed25519 key in its place, the SM2 signature kept (what an
    // attacker holding both keys' public halves could assemble): the signature fails.
    let sm2 = sample().sign(&sm2_key()).expect("sign");
    let mut forged = encode_body_for_test(&sm2.receipt, &key().public());
    forged.extend_from_slice(&sm2.signature.to_bytes());
    assert_eq!(
        SignedReceipt::parse_with(&text_of(&forged), &both),
        Err(ReceiptError::Signature)
    );
}

#[test]
fn truncation_trailing_bytes_and_other_texts_are_specific_errors() {
    let signed = sample().sign(&key()).expect("sign");
    let bytes = raw(&signed);
    for cut in 0..bytes.len() {
        assert!(
            SignedReceipt::parse(&text_of(&bytes[..cut])).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(SignedReceipt::parse(&text_of(&longer)).is_err());
    assert_eq!(SignedReceipt::parse("CS1:ABC"), Err(ReceiptError::Prefix));
    assert!(matches!(
        SignedReceipt::parse("CSR1:!!"),
        Err(ReceiptError::Base45(_))
    ));
    for version in [0, 3, 0xff] {
        let mut other = bytes.clone();
        other[0] = version;
        assert_eq!(
            SignedReceipt::parse(&text_of(&other)),
            Err(ReceiptError::Version(version))
        );
    }
    assert!(matches!(
        SignedReceipt::parse(&format!("CSR1:{}", "A".repeat(5000))),
        Err(ReceiptError::TooLarge(_))
    ));
}

#[test]
fn a_tampered_field_is_a_signature_failure() {
    let signed = sample().sign(&key()).expect("sign");
    let mut changed = signed.receipt.clone();
    changed.verdict = Verdict::Valid;
    changed.reasons.clear();
    let mut bytes = encode_body_for_test(&changed, &signed.key);
    bytes.extend_from_slice(&signed.signature.to_bytes());
    assert_eq!(
        SignedReceipt::parse(&text_of(&bytes)),
        Err(ReceiptError::Signature)
    );
}

fn encode_body_for_test(r: &Receipt, k: &PublicKey) -> Vec<u8> {
    format::encode_body(r, k).expect("encode")
}

#[test]
fn oversized_fields_are_refused_when_signing() {
    let mut r = sample();
    r.issuer_name = Some("长".repeat(200));
    assert!(matches!(r.sign(&key()), Err(ReceiptError::TooLarge(_))));
}

#[test]
fn a_typical_receipt_fits_a_small_qr_code() {
    // Measured: see docs/PROTOCOL.md §9 (about 290 bytes, 440 characters, version 13 at M);
    // an SM2 receipt is one byte longer (its key is 33 bytes), signatures are 64 either way.
    for key in keys() {
        let payload = sample().sign(&key).expect("sign").payload();
        let code =
            qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
                .expect("fits");
        let version = match code.version() {
            qrcode::Version::Normal(v) => v,
            qrcode::Version::Micro(v) => v,
        };
        eprintln!(
            "{} receipt payload: {} characters, QR version {version} at M",
            key.alg(),
            payload.len()
        );
        assert!(
            version <= 14,
            "{}: version {version} for {} characters",
            key.alg(),
            payload.len()
        );
    }
}

#[test]
fn assessment_separates_genuine_unconfirmed_and_contradicted() {
    let trusted = Standing::Trusted {
        name: "朝阳".into(),
    };
    assert_eq!(
        assess(&trusted, &LogMatch::NotHere),
        ReceiptFinding::Genuine
    );
    assert_eq!(
        assess(&trusted, &LogMatch::Matches(4)),
        ReceiptFinding::Genuine
    );
    assert_eq!(
        assess(&trusted, &LogMatch::NotInLog),
        ReceiptFinding::CannotConfirm
    );
    assert_eq!(
        assess(
            &trusted,
            &LogMatch::Differs {
                seq: 4,
                fields: vec!["verdict".into()]
            }
        ),
        ReceiptFinding::Contradicted
    );
    assert_eq!(
        assess(&Standing::Unknown, &LogMatch::NotHere),
        ReceiptFinding::CannotConfirm
    );
    let withdrawn = Standing::Withdrawn {
        name: "x".into(),
        status: "retired".into(),
    };
    assert_eq!(
        assess(&withdrawn, &LogMatch::Matches(1)),
        ReceiptFinding::CannotConfirm
    );
}

#[test]
fn differences_name_the_fields_and_ignore_a_purged_summary() {
    let a = sample();
    let mut b = sample();
    assert!(differences(&a, &b).is_empty());
    b.subject.clear();
    assert!(differences(&a, &b).is_empty(), "purged is not changed");
    b.verdict = Verdict::Valid;
    b.counter = "4".into();
    assert_eq!(differences(&a, &b), ["counter", "verdict"]);
}

#[test]
fn receipt_ids_are_dated_and_alphanumeric() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("day");
    let a = new_receipt_id(day).expect("id");
    let b = new_receipt_id(day).expect("id");
    assert_ne!(a, b);
    assert!(a.starts_with("R20261125-") && a.len() == 18, "{a}");
    assert!(a[10..]
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
}

#[test]
fn the_layout_is_bilingual_and_carries_the_signed_payload() {
    let signed = sample().sign(&key()).expect("sign");
    let doc = compose(
        &signed,
        &ComposeOptions {
            paper: Paper::Roll58,
            hall_name: "北京市朝阳区政务服务中心".into(),
            utc_offset: chrono::FixedOffset::east_opt(8 * 3600).expect("+8"),
            reprinted_at: Some(sample().at + chrono::Duration::hours(2)),
        },
    );
    let text: String = doc.chars().collect();
    for want in [
        "证照核验回执 Verification receipt",
        "无效 INVALID",
        "证照已过期",
        "副本 COPY",
        "居住证 Residence permit",
        "上海市浦东新区公安分局",
        "孙*",
        "310115********0017",
        "2026-11-25 14:03:22",
        "补打于 2026-11-25 16:03:22",
        "离线镜像 hall mirror · 区块 block 1234567 · 2026-11-25 13:59:00",
        "窗口 Counter3",
        "办事员 Clerkclerk-007",
        "R20261125-7KQ4M2XD",
    ] {
        assert!(text.contains(want), "{want:?} missing from {text}");
    }
    let qr = doc.blocks.iter().find_map(|b| match b {
        Block::Qr { data, .. } => Some(data.clone()),
        _ => None,
    });
    assert_eq!(qr.as_deref(), Some(signed.payload().as_str()));
    let fonts = countersign_printdoc::fonts::Fonts::embedded_only();
    assert!(fonts.missing(doc.chars()).is_empty());
}

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z0-9-]{0,20}", "[\\u{4e00}-\\u{9fa5}*]{0,12}",]
}

proptest! {
    #[test]
    fn any_receipt_reads_back_equal(
        id in "[A-Z0-9-]{1,20}",
        hall in arb_text(),
        counter in arb_text(),
        clerk in arb_text(),
        secs in 0i64..4_000_000_000,
        verdict in 0u8..3,
        reasons in proptest::collection::vec("[a-z._]{1,30}", 0..4),
        subject in proptest::collection::btree_map("[a-zA-Z]{1,12}", arb_text(), 0..4),
        ty in proptest::option::of(arb_text()),
        issuer in proptest::option::of(arb_text()),
        leaf in proptest::option::of(any::<[u8; 32]>()),
        chain in proptest::option::of((0u8..3, any::<u64>(), 0i64..4_000_000_000)),
    ) {
        let r = Receipt {
            id, hall, counter, clerk,
            at: DateTime::from_timestamp(secs, 0).expect("t"),
            verdict: Verdict::ALL[usize::from(verdict)],
            reasons, credential_type: ty, issuer_name: issuer, subject,
            leaf: leaf.map(CredentialHash),
            chain: chain.map(|(s, block, t)| ChainUsed {
                source: ChainSourceKind::ALL[usize::from(s)],
                block,
                block_time: DateTime::from_timestamp(t, 0).expect("t"),
            }),
        };
        for key in keys() {
            let signed = r.clone().sign(&key).expect("sign");
            prop_assert_eq!(SignedReceipt::parse(&signed.payload()).expect("parse"), signed);
        }
    }
}
