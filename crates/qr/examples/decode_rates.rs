//! Measures decode rates of the candidate QR decoders on synthetic damaged photographs.
//!
//! `cargo run --release -p countersign-qr --example decode_rates -- [COUNT [SEED [CANDIDATES]]]`
//! (CANDIDATES: comma-separated subset of rqrr,rqrr+inv,rxing,pipeline; 100 images a row
//! take ~9 minutes, most of it in rqrr and in making the 12 MP photos)
//!
//! Prints one table row per kind of damage: the share of images each candidate decoded
//! correctly and its mean time per image. The figures in the crate documentation come
//! from here; `tests/degradation.rs` guards the chosen pipeline with smaller counts.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use image::GrayImage;
use support::{base_code, payload, Damage, Rng};

/// rqrr as it comes: prepare, detect grids, decode each.
fn rqrr_plain(img: &GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32)[0],
    );
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

/// rqrr, then rqrr on the inverted image.
fn rqrr_inv(img: &GrayImage) -> Vec<String> {
    let r = rqrr_plain(img);
    if !r.is_empty() {
        return r;
    }
    let mut inv = img.clone();
    image::imageops::invert(&mut inv);
    rqrr_plain(&inv)
}

/// rxing's own convenience entry point (hybrid binariser, try-harder, QR only).
fn rxing_plain(img: &GrayImage) -> Vec<String> {
    let mut hints = rxing::DecodeHints {
        PossibleFormats: Some(HashSet::from([rxing::BarcodeFormat::QR_CODE])),
        ..Default::default()
    };
    rxing::helpers::detect_in_luma_with_hints(
        img.as_raw().clone(),
        img.width(),
        img.height(),
        Some(rxing::BarcodeFormat::QR_CODE),
        &mut hints,
    )
    .map(|r| vec![r.getText().to_owned()])
    .unwrap_or_default()
}

/// This crate's pipeline.
fn pipeline(img: &GrayImage) -> Vec<String> {
    countersign_qr::decode_image(&image::DynamicImage::ImageLuma8(img.clone())).unwrap_or_default()
}

type Decoder = fn(&GrayImage) -> Vec<String>;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let only: Option<String> = args.next();
    let mut candidates: Vec<(&str, Decoder)> = vec![
        ("rqrr", rqrr_plain),
        ("rqrr+inv", rqrr_inv),
        ("rxing", rxing_plain),
        ("pipeline", pipeline),
    ];
    if let Some(o) = &only {
        candidates.retain(|(n, _)| o.split(',').any(|x| x == *n));
    }

    print!("| damage | n |");
    for (name, _) in &candidates {
        print!(" {name} | ms |");
    }
    println!();
    print!("|---|---|");
    for _ in &candidates {
        print!("---|---|");
    }
    println!();
    for damage in Damage::ALL {
        let mut rng = Rng::new(seed ^ ((damage as u64 + 1) * 0x1234_5678));
        let mut ok = vec![0usize; candidates.len()];
        let mut time = vec![Duration::ZERO; candidates.len()];
        for _ in 0..count {
            let text = payload(&mut rng);
            let img = damage.apply(&base_code(&text), &mut rng);
            for (i, (_, dec)) in candidates.iter().enumerate() {
                let t = Instant::now();
                let got = dec(&img);
                time[i] += t.elapsed();
                if got.contains(&text) {
                    ok[i] += 1;
                }
            }
        }
        print!("| {} | {count} |", damage.name());
        for i in 0..candidates.len() {
            print!(
                " {:.0}% | {:.0} |",
                100.0 * ok[i] as f64 / count as f64,
                time[i].as_secs_f64() * 1000.0 / count as f64
            );
        }
        println!();
    }
}
