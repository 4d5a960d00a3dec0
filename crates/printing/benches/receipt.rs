#![allow(missing_docs)] // criterion_group! makes a public function
//! What printing a receipt costs on the counter PC: signing it, laying it out, and rendering
//! it for each kind of printer (PDF for CUPS, ESC/POS for a thermal roll, the preview picture).
//! `cargo bench -p countersign-printing --bench receipt`

use chrono::{FixedOffset, TimeZone, Utc};
use countersign_printdoc::{fonts::Fonts, Paper};
use countersign_receipt::{compose, ComposeOptions, Receipt};
use countersign_vocab::{ChainSourceKind, ChainUsed, CredentialHash, Verdict};
use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use std::hint::black_box;

fn receipt() -> Receipt {
    Receipt {
        id: "R20261125-7KQ4M2XD".into(),
        hall: "BJ-CY-01".into(),
        counter: "3".into(),
        clerk: "clerk-007".into(),
        at: Utc
            .with_ymd_and_hms(2026, 11, 25, 6, 3, 22)
            .single()
            .expect("t"),
        verdict: Verdict::Invalid,
        reasons: vec!["validity.expired".into()],
        credential_type: Some("ResidencePermitCredential".into()),
        issuer_name: Some("上海市公安局浦东分局".into()),
        subject: [
            ("idNumber".to_string(), "310115********0017".to_string()),
            ("name".to_string(), "孙*".to_string()),
        ]
        .into_iter()
        .collect(),
        leaf: Some(CredentialHash([0xab; 32])),
        chain: Some(ChainUsed {
            source: ChainSourceKind::Online,
            block: 1_234_567,
            block_time: Utc
                .with_ymd_and_hms(2026, 11, 25, 6, 3, 0)
                .single()
                .expect("t"),
        }),
    }
}

fn bench(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let fonts = Fonts::embedded_only();
    let options = |paper| ComposeOptions {
        paper,
        hall_name: "北京市朝阳区政务服务中心".into(),
        utc_offset: FixedOffset::east_opt(8 * 3600).expect("+8"),
        reprinted_at: None,
    };
    let signed = receipt().sign(&key).expect("sign");
    let payload = signed.payload();
    c.bench_function("sign and encode a receipt", |b| {
        b.iter(|| black_box(receipt().sign(&key).expect("sign").payload()))
    });
    c.bench_function("parse and check a receipt", |b| {
        b.iter(|| black_box(countersign_receipt::SignedReceipt::parse(&payload).expect("parse")))
    });
    let a6 = compose(&signed, &options(Paper::A6));
    let roll80 = compose(&signed, &options(Paper::Roll80));
    let roll58 = compose(&signed, &options(Paper::Roll58));
    c.bench_function("compose a receipt", |b| {
        b.iter(|| black_box(compose(&signed, &options(Paper::Roll80))))
    });
    c.bench_function("PDF, A6", |b| {
        b.iter(|| black_box(countersign_pdf::render(&a6, &fonts).expect("pdf")))
    });
    let profile80 = countersign_escpos::PrinterProfile::roll80();
    c.bench_function("ESC/POS, 80 mm, native QR", |b| {
        b.iter(|| {
            black_box(countersign_escpos::encode(&roll80, &profile80, &fonts).expect("escpos"))
        })
    });
    let profile58 = countersign_escpos::PrinterProfile::roll58();
    c.bench_function("ESC/POS, 58 mm, raster QR", |b| {
        b.iter(|| {
            black_box(countersign_escpos::encode(&roll58, &profile58, &fonts).expect("escpos"))
        })
    });
    c.bench_function("preview picture, 80 mm", |b| {
        b.iter(|| black_box(countersign_printdoc::raster::render(&roll80, &fonts)))
    });
    let pdf = countersign_pdf::render(&a6, &fonts).expect("pdf");
    let esc80 = countersign_escpos::encode(&roll80, &profile80, &fonts).expect("escpos");
    let esc58 = countersign_escpos::encode(&roll58, &profile58, &fonts).expect("escpos");
    eprintln!(
        "FIGURE receipt: payload {} characters; PDF A6 {} bytes; ESC/POS 80 mm {} bytes, 58 mm {} bytes",
        payload.len(),
        pdf.len(),
        esc80.len(),
        esc58.len()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
