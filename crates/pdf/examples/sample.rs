//! Writes a sample receipt for each paper to a directory, to look at or print:
//! `cargo run -p countersign-pdf --example sample -- /tmp/receipts`.

use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::{Block, Document, Paper, Style};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let fonts = Fonts::default();
    for paper in Paper::ALL {
        let doc = Document {
            paper,
            title: "核验回执 Verification receipt".into(),
            lang: "zh-CN".into(),
            blocks: vec![
                Block::centered("北京市朝阳区政务服务中心", Style::Heading),
                Block::centered("核验回执 Verification receipt", Style::Normal),
                Block::Rule,
                Block::centered("有效 VALID", Style::Verdict),
                Block::field("持证人 Holder", "王\u{2A6A5}明"),
                Block::field("证照 Credential", "居民身份证 110105********1000"),
                Block::field("时间 Time", "2025-03-14 10:32:05 +08:00"),
                Block::field(
                    "依据 Basis",
                    "链上区块 #1234567，已确认（12 个区块）。Checked against the chain at block 1234567.",
                ),
                Block::Rule,
                Block::Qr {
                    data: format!("CSR1:{}", "6BFOXN*TS0BI$ZD.P9".repeat(25)),
                    caption: Some("扫码核验 Scan to verify".into()),
                },
                Block::text("签名 Signature ed25519 7f3a9c0e41d2b8a6", Style::Small),
            ],
        };
        let path = dir.join(format!("receipt-{}.pdf", paper.as_str()));
        std::fs::write(&path, countersign_pdf::render(&doc, &fonts)?)?;
        println!("{}", path.display());
    }
    Ok(())
}
