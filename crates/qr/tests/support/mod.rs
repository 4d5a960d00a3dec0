//! Synthetic QR photographs for measuring decoders: realistic Countersign payloads rendered
//! and then damaged the way phones, cameras and printers damage them.
//!
//! Shared by `tests/degradation.rs`, `examples/decode_rates.rs` and `benches/decode.rs`
//! (included there with `#[path]`), so the guard, the measurement and the benchmark all
//! see the same images. Everything is seeded: a run is reproducible bit for bit.

#![allow(dead_code)] // each includer uses a different subset

use image::{imageops, GrayImage, Luma};

/// The 45 QR-alphanumeric characters, which are exactly base45's alphabet.
pub const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// xorshift64*: deterministic, dependency-free, good enough for test data.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is remapped: xorshift is stuck at 0).
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    /// Uniform integer in [lo, hi].
    pub fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }
    /// Standard normal (Box–Muller).
    pub fn gauss(&mut self) -> f64 {
        let u1 = self.f64().max(1e-12);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    /// Random sign.
    pub fn sign(&mut self) -> f64 {
        if self.next_u64() & 1 == 0 {
            -1.0
        } else {
            1.0
        }
    }
}

/// A realistic payload: `CS1:` + base45-alphabet characters, 1,300–1,850 characters long
/// (QR versions 22–25 at level M).
pub fn payload(rng: &mut Rng) -> String {
    let len = rng.int(1300, 1850) as usize;
    let mut s = String::with_capacity(len);
    s.push_str("CS1:");
    for _ in 4..len {
        s.push(ALNUM[(rng.next_u64() % ALNUM.len() as u64) as usize] as char);
    }
    s
}

fn clamp(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// Bilinear sample with a background value outside the image.
fn sample(img: &GrayImage, x: f64, y: f64, bg: u8) -> u8 {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let x0 = x.floor() as i64;
    let y0 = y.floor() as i64;
    let fx = x - x0 as f64;
    let fy = y - y0 as f64;
    let px = |xx: i64, yy: i64| -> f64 {
        if xx < 0 || yy < 0 || xx >= w || yy >= h {
            f64::from(bg)
        } else {
            f64::from(img.get_pixel(xx as u32, yy as u32)[0])
        }
    };
    let top = px(x0, y0) * (1.0 - fx) + px(x0 + 1, y0) * fx;
    let bot = px(x0, y0 + 1) * (1.0 - fx) + px(x0 + 1, y0 + 1) * fx;
    clamp(top * (1.0 - fy) + bot * fy)
}

/// Rotates by `deg` degrees about the centre onto a canvas large enough to hold the result,
/// filling the corners with `bg`.
pub fn rotate(img: &GrayImage, deg: f64, bg: u8) -> GrayImage {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let (s, c) = deg.to_radians().sin_cos();
    let nw = (w * c.abs() + h * s.abs()).ceil();
    let nh = (w * s.abs() + h * c.abs()).ceil();
    let (cx, cy, ncx, ncy) = (w / 2.0, h / 2.0, nw / 2.0, nh / 2.0);
    GrayImage::from_fn(nw as u32, nh as u32, |x, y| {
        let dx = f64::from(x) + 0.5 - ncx;
        let dy = f64::from(y) + 0.5 - ncy;
        // inverse rotation maps the output pixel back into the source
        let sx = c * dx + s * dy + cx - 0.5;
        let sy = -s * dx + c * dy + cy - 0.5;
        Luma([sample(img, sx, sy, bg)])
    })
}

/// Solves the 8×8 system for the homography taking `from[i]` to `to[i]`.
fn homography(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> [f64; 9] {
    let mut a = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = from[i];
        let (u, v) = to[i];
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..8 {
        let piv = (col..8)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, piv);
        let d = a[col][col];
        for v in &mut a[col][col..] {
            *v /= d;
        }
        let pivot = a[col];
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col];
                for (v, p) in row[col..].iter_mut().zip(&pivot[col..]) {
                    *v -= f * p;
                }
            }
        }
    }
    [
        a[0][8], a[1][8], a[2][8], a[3][8], a[4][8], a[5][8], a[6][8], a[7][8], 1.0,
    ]
}

/// Projective warp: the source corners (TL, TR, BR, BL) land on `corners` in an output of
/// `out_w`×`out_h`, everything else is `bg`. Models a phone or paper held at an angle.
pub fn warp(
    img: &GrayImage,
    corners: [(f64, f64); 4],
    out_w: u32,
    out_h: u32,
    bg: u8,
) -> GrayImage {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    // Map output → source so every output pixel is sampled once.
    let m = homography(corners, src);
    GrayImage::from_fn(out_w, out_h, |x, y| {
        let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let z = m[6] * px + m[7] * py + m[8];
        let sx = (m[0] * px + m[1] * py + m[2]) / z - 0.5;
        let sy = (m[3] * px + m[4] * py + m[5]) / z - 0.5;
        Luma([sample(img, sx, sy, bg)])
    })
}

/// A random perspective tilt: each corner moves inward by up to `amount` of the side.
pub fn perspective(img: &GrayImage, rng: &mut Rng, amount: f64, bg: u8) -> GrayImage {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let m = amount * w;
    let mut j = || rng.range(0.0, m);
    let corners = [
        (j(), j()),
        (w - j(), j()),
        (w - j(), h - j()),
        (j(), h - j()),
    ];
    warp(img, corners, img.width(), img.height(), bg)
}

/// Additive Gaussian noise of standard deviation `sigma` grey levels.
pub fn noise(img: &mut GrayImage, rng: &mut Rng, sigma: f64) {
    for p in img.pixels_mut() {
        p[0] = clamp(f64::from(p[0]) + sigma * rng.gauss());
    }
}

/// Re-encodes as JPEG at `quality` (1–100) and decodes again.
pub fn jpeg(img: &GrayImage, quality: u8) -> GrayImage {
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality)
        .encode_image(img)
        .expect("in-memory JPEG encoding");
    image::load_from_memory(&buf)
        .expect("own JPEG")
        .into_luma8()
}

/// Maps black→`dark` and white→`light` linearly.
pub fn contrast(img: &mut GrayImage, dark: u8, light: u8) {
    let (d, l) = (f64::from(dark), f64::from(light));
    for p in img.pixels_mut() {
        p[0] = clamp(d + (l - d) * f64::from(p[0]) / 255.0);
    }
}

/// Light on dark, as a phone in dark mode shows it.
pub fn invert(img: &mut GrayImage) {
    image::imageops::invert(img);
}

/// Scales a one-pixel-per-module code to `size`×`size`: nearest-neighbour up to 8 px per
/// module, then an area-averaging downscale, so fractional module sizes get the soft,
/// uneven edges a camera gives rather than bilinear ramps a module wide.
pub fn resize(img: &GrayImage, size: u32) -> GrayImage {
    let big = imageops::resize(
        img,
        img.width() * 8,
        img.height() * 8,
        imageops::FilterType::Nearest,
    );
    imageops::resize(&big, size, size, imageops::FilterType::Triangle)
}

/// Integer upscale: `k` pixels per module, sharp edges (a screenshot or rendered PNG).
pub fn upscale(img: &GrayImage, k: u32) -> GrayImage {
    imageops::resize(
        img,
        img.width() * k,
        img.height() * k,
        imageops::FilterType::Nearest,
    )
}

/// A 1920×1080 grey camera frame: a lighting gradient plus some darker and lighter
/// rectangles (desk, hand, phone bezel) so the detector sees clutter, not a flat field.
pub fn frame(rng: &mut Rng) -> GrayImage {
    frame_of(rng, 1920, 1080)
}

/// A cluttered grey frame of any size (see [`frame`]).
pub fn frame_of(rng: &mut Rng, w: u32, h: u32) -> GrayImage {
    let base = rng.range(90.0, 160.0);
    let gx = rng.range(-40.0, 40.0);
    let gy = rng.range(-30.0, 30.0);
    let mut img = GrayImage::from_fn(w, h, |x, y| {
        Luma([clamp(
            base + gx * (f64::from(x) / f64::from(w) - 0.5)
                + gy * (f64::from(y) / f64::from(h) - 0.5),
        )])
    });
    for _ in 0..6 {
        let rw = rng.int(w / 48, w / 4);
        let rh = rng.int(h / 27, h * 10 / 27);
        let rx = rng.int(0, w - rw);
        let ry = rng.int(0, h - rh);
        let v = clamp(rng.range(20.0, 235.0));
        for y in ry..ry + rh {
            for x in rx..rx + rw {
                img.put_pixel(x, y, Luma([v]));
            }
        }
    }
    img
}

/// Pastes `code` onto `frame` at a random position.
pub fn place(frame: &mut GrayImage, code: &GrayImage, rng: &mut Rng) {
    let x = rng.int(0, frame.width() - code.width());
    let y = rng.int(0, frame.height() - code.height());
    imageops::replace(frame, code, i64::from(x), i64::from(y));
}

/// One kind of damage, applied to a code rendered at one pixel per module (with quiet zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// 4 px per module, nothing else.
    Clean,
    /// Rotated 5°.
    Rot5,
    /// Rotated 30°.
    Rot30,
    /// Rotated 90°.
    Rot90,
    /// Perspective tilt: corners moved inward by up to 12 % of the side.
    Perspective,
    /// Gaussian blur, σ = 1.6 px at 4 px per module.
    Blur,
    /// Additive Gaussian noise, σ = 45 grey levels.
    Noise,
    /// JPEG quality 30 at 3 px per module.
    Jpeg,
    /// Dark grey (125) on light grey (175), WCAG contrast ratio ≈ 1.8, slight noise.
    LowContrast,
    /// White on black.
    Inverted,
    /// A 300–400 px code in a cluttered, noisy 1920×1080 frame.
    SmallInFrame,
    /// Camera-like: 330–420 px, rotated ±1–8°, slight tilt, blur, noise, reduced contrast,
    /// JPEG 50, in a 1920×1080 frame.
    Camera,
    /// The camera case with a dark-mode (inverted) phone screen.
    CameraInverted,
    /// A 12-megapixel phone photo (4032×3024) of a printed code 1,300–2,000 px wide:
    /// rotated ±0–10°, blurred, noisy, JPEG 85.
    LargePhoto,
}

impl Damage {
    /// Every kind, in table order.
    pub const ALL: [Damage; 14] = [
        Damage::Clean,
        Damage::Rot5,
        Damage::Rot30,
        Damage::Rot90,
        Damage::Perspective,
        Damage::Blur,
        Damage::Noise,
        Damage::Jpeg,
        Damage::LowContrast,
        Damage::Inverted,
        Damage::SmallInFrame,
        Damage::Camera,
        Damage::CameraInverted,
        Damage::LargePhoto,
    ];

    /// Short name for tables and failure messages.
    pub fn name(self) -> &'static str {
        match self {
            Damage::Clean => "clean",
            Damage::Rot5 => "rotate 5°",
            Damage::Rot30 => "rotate 30°",
            Damage::Rot90 => "rotate 90°",
            Damage::Perspective => "perspective",
            Damage::Blur => "blur σ1.6",
            Damage::Noise => "noise σ45",
            Damage::Jpeg => "jpeg q30",
            Damage::LowContrast => "low contrast",
            Damage::Inverted => "inverted",
            Damage::SmallInFrame => "small in frame",
            Damage::Camera => "camera",
            Damage::CameraInverted => "camera inverted",
            Damage::LargePhoto => "12 MP photo",
        }
    }

    /// Applies this damage to `code` (one pixel per module, quiet zone included).
    pub fn apply(self, code: &GrayImage, rng: &mut Rng) -> GrayImage {
        let up = |k: u32| upscale(code, k);
        match self {
            Damage::Clean => up(4),
            Damage::Rot5 => rotate(&up(4), 5.0, 255),
            Damage::Rot30 => rotate(&up(4), 30.0, 255),
            Damage::Rot90 => imageops::rotate90(&up(4)),
            Damage::Perspective => perspective(&up(4), rng, 0.12, 255),
            Damage::Blur => imageops::blur(&up(4), 1.6),
            Damage::Noise => {
                let mut img = up(4);
                noise(&mut img, rng, 45.0);
                img
            }
            Damage::Jpeg => jpeg(&up(3), 30),
            Damage::LowContrast => {
                let mut img = up(4);
                contrast(&mut img, 125, 175);
                noise(&mut img, rng, 4.0);
                img
            }
            Damage::Inverted => {
                let mut img = up(4);
                invert(&mut img);
                img
            }
            Damage::SmallInFrame => {
                let size = rng.int(300, 400);
                let mut f = frame(rng);
                place(&mut f, &resize(code, size), rng);
                noise(&mut f, rng, 10.0);
                f
            }
            Damage::Camera | Damage::CameraInverted => {
                let size = rng.int(330, 420);
                let mut c = resize(code, size);
                if self == Damage::CameraInverted {
                    invert(&mut c);
                }
                let bg = c.get_pixel(0, 0)[0];
                let c = rotate(&c, rng.sign() * rng.range(1.0, 8.0), bg);
                let c = perspective(&c, rng, 0.04, bg);
                let mut f = frame(rng);
                place(&mut f, &c, rng);
                let mut f = imageops::blur(&f, 0.9);
                contrast(&mut f, 35, 215);
                noise(&mut f, rng, 8.0);
                jpeg(&f, 50)
            }
            Damage::LargePhoto => {
                let size = rng.int(1300, 2000);
                let c = rotate(&resize(code, size), rng.sign() * rng.range(0.0, 10.0), 255);
                let mut f = frame_of(rng, 4032, 3024);
                place(&mut f, &c, rng);
                let mut f = imageops::blur(&f, 1.5);
                contrast(&mut f, 30, 225);
                noise(&mut f, rng, 6.0);
                jpeg(&f, 85)
            }
        }
    }
}

/// Renders `text` at one pixel per module with the 4-module quiet zone.
pub fn base_code(text: &str) -> GrayImage {
    countersign_qr::render_luma(text, countersign_qr::EcLevel::M, 1).expect("payload fits")
}
