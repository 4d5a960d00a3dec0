//! Decode latency: a clean rendered PNG (file bytes in, text out), a camera-like
//! 1920×1080 frame holding a version-24 code, and the same kind of frame with no code at
//! all (every fallback runs: the worst case a webcam loop pays per frame).

#![allow(missing_docs)] // criterion's macros generate undocumented items

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use image::DynamicImage;
use support::{base_code, Damage, Rng, ALNUM};

/// A 1,300-character payload: version 24 at level M.
fn v24_payload(rng: &mut Rng) -> String {
    let mut s = String::from("CS1:");
    while s.len() < 1300 {
        s.push(ALNUM[(rng.next_u64() % 45) as usize] as char);
    }
    s
}

fn benches(c: &mut Criterion) {
    let mut rng = Rng::new(24);
    let text = v24_payload(&mut rng);
    assert_eq!(
        countersign_qr::inspect(&text, countersign_qr::EcLevel::M)
            .expect("fits")
            .version,
        24
    );

    let png =
        countersign_qr::render_png(&text, countersign_qr::EcLevel::M, 4, true).expect("render");
    c.bench_function("clean PNG v24, 4 px/module (decode_bytes)", |b| {
        b.iter(|| countersign_qr::decode_bytes(black_box(&png)).expect("decodes"))
    });

    // The first camera frame the pipeline reads, so the figure is a success's cost.
    let frame = loop {
        let img = DynamicImage::ImageLuma8(Damage::Camera.apply(&base_code(&text), &mut rng));
        if countersign_qr::decode_image(&img).is_ok_and(|t| t == [text.clone()]) {
            break img;
        }
    };
    c.bench_function("camera frame 1920x1080 v24 (decode_image)", |b| {
        b.iter(|| countersign_qr::decode_image(black_box(&frame)).expect("decodes"))
    });

    let empty = DynamicImage::ImageLuma8(support::frame(&mut rng));
    c.bench_function("camera frame 1920x1080, no code (decode_image)", |b| {
        b.iter(|| countersign_qr::decode_image(black_box(&empty)).expect_err("no code"))
    });
}

criterion_group! {
    name = decode;
    config = Criterion::default()
        .sample_size(30)
        .measurement_time(std::time::Duration::from_secs(8));
    targets = benches
}
criterion_main!(decode);
