//! Cheap image transforms that give the decoder a second look at a hard image.
//!
//! Written by hand rather than taken from `image::imageops` or `imageproc`: each is a
//! single pass over 8-bit luma with integer arithmetic, which matters because a failed
//! scan runs all of them on a 2-megapixel frame, and `imageops::resize`/`blur` convert
//! to `f32` and are 10–50× slower for these fixed cases.

use image::GrayImage;

/// Light ↔ dark. Done on the pixels, before binarisation: rxing's hybrid binariser treats
/// flat blocks as background-light, so inverting its bit matrix instead fails on a
/// dark-mode screen's wide dark margin.
pub(crate) fn invert(img: &GrayImage) -> GrayImage {
    let mut out = img.clone();
    for p in out.iter_mut() {
        *p = 255 - *p;
    }
    out
}

/// Linear contrast stretch mapping the 1st and 99th luminance percentiles to 0 and 255.
/// Rescues low-contrast codes (grey on grey, dim screens): the hybrid binariser ignores
/// local contrast below 24 grey levels. `None` when the image is already full-range.
pub(crate) fn stretch(img: &GrayImage) -> Option<GrayImage> {
    let mut hist = [0u64; 256];
    for &p in img.iter() {
        hist[usize::from(p)] += 1;
    }
    let n: u64 = hist.iter().sum();
    let cut = n / 100;
    let percentile = |iter: &mut dyn Iterator<Item = (usize, &u64)>| {
        let mut acc = 0;
        for (i, c) in iter {
            acc += c;
            if acc > cut {
                return i;
            }
        }
        0
    };
    let lo = percentile(&mut hist.iter().enumerate());
    let hi = percentile(&mut hist.iter().enumerate().rev());
    if hi <= lo || (lo < 16 && hi > 239) {
        return None;
    }
    let (lo, range) = (lo as u32, (hi - lo) as u32);
    let mut lut = [0u8; 256];
    for (i, v) in lut.iter_mut().enumerate() {
        let x = (i as u32).saturating_sub(lo).min(range);
        *v = u8::try_from(x * 255 / range).unwrap_or(u8::MAX);
    }
    let mut out = img.clone();
    for p in out.iter_mut() {
        *p = lut[usize::from(*p)];
    }
    Some(out)
}

/// 3×3 binomial smoothing (σ ≈ 0.85 px): averages out sensor noise and JPEG ringing
/// without merging modules of 3 px or more.
pub(crate) fn smooth(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw();
    if w < 3 || h < 3 {
        return img.clone();
    }
    // Horizontal pass into u16, then vertical; edges clamp.
    let mut tmp = vec![0u16; w * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        for x in 0..w {
            let l = row[x.saturating_sub(1)];
            let r = row[(x + 1).min(w - 1)];
            tmp[y * w + x] = u16::from(l) + 2 * u16::from(row[x]) + u16::from(r);
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let up = y.saturating_sub(1) * w;
        let down = (y + 1).min(h - 1) * w;
        for x in 0..w {
            let s = tmp[up + x] + 2 * tmp[y * w + x] + tmp[down + x];
            out[y * w + x] = u8::try_from((s + 8) / 16).unwrap_or(u8::MAX);
        }
    }
    GrayImage::from_raw(img.width(), img.height(), out).unwrap_or_else(|| img.clone())
}

/// Bilinear upscale by `num/den` (> 1). A camera frame's code is often under 3 px per
/// module; rxing samples one pixel per module centre, and interpolating first gives it
/// sub-pixel positions and averages away noise.
pub(crate) fn upscale(img: &GrayImage, num: u32, den: u32) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    let (nw, nh) = (w * num / den, h * num / den);
    let src = img.as_raw();
    let (w, h) = (w as usize, h as usize);
    // Source coordinate of each output column in 8.8 fixed point, precomputed once.
    let coord = |o: u32, n: usize| -> (usize, u32) {
        let s = ((u64::from(o) * 2 + 1) * u64::from(den) * 256 / (2 * u64::from(num))) as i64 - 128;
        let s = s.clamp(0, ((n - 1) as i64) * 256);
        ((s >> 8) as usize, (s & 255) as u32)
    };
    let xs: Vec<(usize, u32)> = (0..nw).map(|x| coord(x, w)).collect();
    let mut out = Vec::with_capacity(nw as usize * nh as usize);
    for y in 0..nh {
        let (y0, fy) = coord(y, h);
        let y1 = (y0 + 1).min(h - 1);
        let (r0, r1) = (&src[y0 * w..(y0 + 1) * w], &src[y1 * w..(y1 + 1) * w]);
        for &(x0, fx) in &xs {
            let x1 = (x0 + 1).min(w - 1);
            let top = u32::from(r0[x0]) * (256 - fx) + u32::from(r0[x1]) * fx;
            let bot = u32::from(r1[x0]) * (256 - fx) + u32::from(r1[x1]) * fx;
            let v = (top * (256 - fy) + bot * fy + (1 << 15)) >> 16;
            out.push(u8::try_from(v).unwrap_or(u8::MAX));
        }
    }
    GrayImage::from_raw(nw, nh, out).unwrap_or_else(|| img.clone())
}

/// Area-average downscale by an integer factor: a 12-megapixel phone photo of a code that
/// fills the frame decodes in a fraction of the time at a quarter of the pixels.
pub(crate) fn downscale(img: &GrayImage, factor: u32) -> GrayImage {
    let (nw, nh) = (img.width() / factor, img.height() / factor);
    let w = img.width() as usize;
    let f = factor as usize;
    let src = img.as_raw();
    let mut out = Vec::with_capacity(nw as usize * nh as usize);
    for y in 0..nh as usize {
        for x in 0..nw as usize {
            let mut s = 0u32;
            for yy in y * f..(y + 1) * f {
                for &p in &src[yy * w + x * f..yy * w + (x + 1) * f] {
                    s += u32::from(p);
                }
            }
            out.push(u8::try_from(s / (f * f) as u32).unwrap_or(u8::MAX));
        }
    }
    GrayImage::from_raw(nw, nh, out).unwrap_or_else(|| img.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn ramp(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            Luma([u8::try_from((x * 7 + y * 3) % 256).unwrap_or(0)])
        })
    }

    #[test]
    fn invert_is_an_involution() {
        let img = ramp(30, 20);
        assert_eq!(invert(&invert(&img)), img);
        assert_eq!(invert(&img).get_pixel(0, 0)[0], 255);
    }

    #[test]
    fn stretch_maps_percentiles_to_full_range_and_skips_full_range_images() {
        let img = GrayImage::from_fn(100, 100, |x, _| Luma([if x < 50 { 125 } else { 175 }]));
        let s = stretch(&img).expect("low contrast is stretched");
        assert_eq!((s.get_pixel(0, 0)[0], s.get_pixel(99, 0)[0]), (0, 255));
        let full = GrayImage::from_fn(100, 100, |x, _| Luma([if x < 50 { 0 } else { 255 }]));
        assert!(stretch(&full).is_none());
    }

    #[test]
    fn smooth_keeps_flat_areas_and_size() {
        let img = GrayImage::from_pixel(9, 7, Luma([77]));
        assert_eq!(smooth(&img), img);
        let edge = GrayImage::from_fn(9, 7, |x, _| Luma([if x < 4 { 0 } else { 255 }]));
        let s = smooth(&edge);
        assert_eq!(
            (
                s.get_pixel(0, 3)[0],
                s.get_pixel(3, 3)[0],
                s.get_pixel(8, 3)[0]
            ),
            (0, 64, 255)
        );
    }

    #[test]
    fn upscale_scales_dimensions_and_preserves_flat_regions() {
        let img = GrayImage::from_fn(40, 30, |x, _| Luma([if x < 20 { 10 } else { 240 }]));
        let up = upscale(&img, 3, 2);
        assert_eq!(up.dimensions(), (60, 45));
        assert_eq!(up.get_pixel(5, 5)[0], 10);
        assert_eq!(up.get_pixel(55, 40)[0], 240);
        assert_eq!(upscale(&ramp(1, 1), 3, 2).dimensions(), (1, 1));
    }

    #[test]
    fn downscale_averages_blocks() {
        let img = GrayImage::from_fn(5, 4, |x, y| Luma([if (x + y) % 2 == 0 { 0 } else { 200 }]));
        let d = downscale(&img, 2);
        assert_eq!(d.dimensions(), (2, 2));
        assert!(d.pixels().all(|p| p[0] == 100));
    }
}
