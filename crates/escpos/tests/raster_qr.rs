//! A printer without native QR gets the code as a raster; a QR decoder reads it back.

mod common;

use common::{payload, pictures, receipt};
use countersign_escpos::interpret::{interpret, Item};
use countersign_escpos::{encode, PrinterProfile};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::{Block, Document, Paper};
use image::DynamicImage;

fn decode_raster_qr(doc: &Document, profile: &PrinterProfile) -> Vec<String> {
    let bytes = encode(doc, profile, &Fonts::embedded_only()).expect("encodes");
    let items = interpret(&bytes).expect("interprets");
    assert!(
        !items.iter().any(|i| matches!(i, Item::Qr(_))),
        "a profile without native QR sent GS ( k"
    );
    let pictures = pictures(&items);
    assert_eq!(pictures.len(), 1, "one picture: the code");
    assert_eq!(pictures[0].width(), profile.dots);
    countersign_qr::decode_image(&DynamicImage::ImageLuma8(pictures[0].clone()))
        .expect("the printed code decodes")
}

#[test]
fn a_raster_qr_code_decodes_to_its_payload() {
    for (paper, len) in [
        (Paper::Roll58, 450),
        (Paper::Roll80, 450),
        (Paper::Roll58, 1_850),
    ] {
        let profile = PrinterProfile {
            native_qr: false,
            ..PrinterProfile::for_paper(paper).expect("a roll")
        };
        let data = payload(len, len);
        let doc = Document {
            blocks: vec![Block::Qr {
                data: data.clone(),
                caption: Some("扫码核验".into()),
            }],
            ..receipt(paper)
        };
        assert_eq!(
            decode_raster_qr(&doc, &profile),
            [data],
            "{len} characters on {paper:?}"
        );
    }
}

#[test]
fn the_whole_receipt_on_58mm_carries_its_code() {
    // The 58 mm preset has no native QR; the rest of the receipt stays text.
    let doc = receipt(Paper::Roll58);
    assert_eq!(
        decode_raster_qr(&doc, &PrinterProfile::roll58()),
        [payload(7, 450)]
    );
}
