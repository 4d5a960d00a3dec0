//! Camera frames from the webview, decoded here: the screen grabs greyscale frames from its
//! preview (getUserMedia) and sends them as bytes, so the same decoder reads pictures and
//! frames, and the webview needs no QR code of its own.

use image::{DynamicImage, GrayImage};

/// The largest frame accepted (1920 × 1080 and a little more).
const MAX_FRAME_PIXELS: u64 = 2_500_000;

/// The payload in a frame (`width u32 LE`, `height u32 LE`, then luminance bytes), if one is
/// readable.
pub fn decode_frame(bytes: &[u8]) -> Result<Option<String>, String> {
    let (header, pixels) = bytes
        .split_first_chunk::<8>()
        .ok_or_else(|| "the frame has no header".to_string())?;
    let [w0, w1, w2, w3, h0, h1, h2, h3] = *header;
    let width = u32::from_le_bytes([w0, w1, w2, w3]);
    let height = u32::from_le_bytes([h0, h1, h2, h3]);
    let count = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 || count > MAX_FRAME_PIXELS {
        return Err(format!("a {width}×{height} frame is not accepted"));
    }
    if pixels.len() as u64 != count {
        return Err(format!(
            "a {width}×{height} frame needs {count} bytes, got {}",
            pixels.len()
        ));
    }
    let frame = GrayImage::from_raw(width, height, pixels.to_vec())
        .ok_or_else(|| "the frame's size does not match its bytes".to_string())?;
    match countersign_qr::decode_image(&DynamicImage::ImageLuma8(frame)) {
        Ok(found) => Ok(found.into_iter().next()),
        // Most frames hold no readable code (moving, out of focus): not an error.
        Err(_) => Ok(None),
    }
}

/// Lets the webview open the camera: WebKitGTK keeps media streams off unless asked (the
/// permission itself is granted, for the camera only, in `run`). Without a camera the screen
/// finds no device and says so.
pub fn enable_media_stream(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let done = window.with_webview(|webview| {
            use webkit2gtk::{SettingsExt, WebViewExt};
            if let Some(settings) = webview.inner().settings() {
                settings.set_enable_media_stream(true);
            }
        });
        if let Err(e) = done {
            tracing::warn!("camera: media streams not enabled: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(img: &GrayImage) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&img.width().to_le_bytes());
        out.extend_from_slice(&img.height().to_le_bytes());
        out.extend_from_slice(img.as_raw());
        out
    }

    #[test]
    fn a_frame_with_a_code_gives_its_payload() {
        let code = countersign_qr::render_luma("CS1:HELLO COUNTER", countersign_qr::EcLevel::M, 4)
            .expect("render");
        // A camera frame is larger than the code and grey around it.
        let mut img = GrayImage::from_pixel(640, 480, image::Luma([200]));
        image::imageops::overlay(&mut img, &code, 100, 60);
        assert_eq!(
            decode_frame(&frame(&img)).expect("decodes"),
            Some("CS1:HELLO COUNTER".to_string())
        );
    }

    #[test]
    fn a_frame_without_a_code_is_nothing_and_bad_frames_are_refused() {
        let blank = GrayImage::from_pixel(320, 240, image::Luma([128]));
        assert_eq!(decode_frame(&frame(&blank)).expect("decodes"), None);
        assert!(decode_frame(&[1, 2, 3]).is_err());
        let mut short = frame(&blank);
        short.pop();
        assert!(decode_frame(&short).expect_err("short").contains("needs"));
        let mut huge = Vec::new();
        huge.extend_from_slice(&100_000u32.to_le_bytes());
        huge.extend_from_slice(&100_000u32.to_le_bytes());
        assert!(decode_frame(&huge).is_err());
    }
}
