//! A receipt laid out for paper: bilingual (Chinese first), the same blocks for every paper;
//! each renderer (PDF, ESC/POS, preview) sizes them for its medium.

use crate::SignedReceipt;
use chrono::{DateTime, FixedOffset, Utc};
use countersign_i18n::{both, t_with, Lang};
use countersign_printdoc::{Block, Document, Paper, Style};
use countersign_vocab::ChainSourceKind;

/// How to lay a receipt out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeOptions {
    /// The paper.
    pub paper: Paper,
    /// The hall's name as provisioned (`北京市朝阳区政务服务中心`); the hall id when unknown.
    pub hall_name: String,
    /// The hall's time zone (China: +08:00), for the times printed.
    pub utc_offset: FixedOffset,
    /// Set when this is a reprint: when it was reprinted. The receipt is then marked COPY.
    pub reprinted_at: Option<DateTime<Utc>>,
}

fn local(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn both_with(key: &str, vars: &[(&str, &str)]) -> String {
    let zh = t_with(key, Lang::ZhCn, vars);
    let en = t_with(key, Lang::En, vars);
    if zh == en {
        zh
    } else {
        format!("{zh} {en}")
    }
}

/// The printable receipt: heading, verdict, reasons, the verification's fields, and the QR
/// code that carries the signed receipt.
pub fn compose(signed: &SignedReceipt, options: &ComposeOptions) -> Document {
    let r = &signed.receipt;
    let offset = options.utc_offset;
    let mut blocks = vec![
        Block::centered(&options.hall_name, Style::Heading),
        Block::centered(both("receipt.title"), Style::Normal),
    ];
    if let Some(when) = options.reprinted_at {
        blocks.push(Block::centered(both("receipt.copy"), Style::Heading));
        blocks.push(Block::centered(
            both_with("receipt.reprinted", &[("when", &local(when, offset))]),
            Style::Small,
        ));
    }
    blocks.push(Block::Rule);
    blocks.push(Block::centered(
        both(&format!("verdict.{}", r.verdict.screen_name())),
        Style::Verdict,
    ));
    for code in &r.reasons {
        blocks.push(Block::centered(
            both(&format!("reason.{code}")),
            Style::Normal,
        ));
    }
    blocks.push(Block::Rule);

    let kind = r
        .credential_type
        .as_deref()
        .and_then(countersign_credential::kinds::kind);
    let unread = both("receipt.unread");
    let type_label = match (kind, &r.credential_type) {
        (Some(k), _) => format!("{} {}", k.label_zh, k.label_en),
        (None, Some(t)) => t.clone(),
        (None, None) => unread.clone(),
    };
    blocks.push(Block::field(both("receipt.type"), type_label));
    blocks.push(Block::field(
        both("receipt.issuer"),
        r.issuer_name
            .clone()
            .unwrap_or_else(|| both("receipt.issuer.unregistered")),
    ));
    for (key, value) in &r.subject {
        let label = kind
            .and_then(|k| k.fields.iter().find(|f| f.key == key))
            .map_or_else(|| key.clone(), |f| format!("{} {}", f.label_zh, f.label_en));
        blocks.push(Block::field(label, value));
    }
    blocks.push(Block::field(both("receipt.time"), local(r.at, offset)));
    blocks.push(Block::field(both("receipt.counter"), &r.counter));
    blocks.push(Block::field(both("receipt.clerk"), &r.clerk));
    let chain = match &r.chain {
        None => both("receipt.chain.none"),
        Some(c) => {
            let source = match c.source {
                ChainSourceKind::Online => "receipt.chain.online",
                ChainSourceKind::Mirror => "receipt.chain.mirror",
                ChainSourceKind::Memory => "receipt.chain.memory",
            };
            format!(
                "{} · {} {} · {}",
                both(source),
                both("receipt.block"),
                c.block,
                local(c.block_time, offset)
            )
        }
    };
    blocks.push(Block::field(both("receipt.chain"), chain));
    blocks.push(Block::field(both("receipt.id"), &r.id));
    blocks.push(Block::Space);
    blocks.push(Block::Qr {
        data: signed.payload(),
        caption: Some(both("receipt.scan")),
    });
    let key = signed.key_hex();
    blocks.push(Block::centered(
        format!(
            "{} {}…{}",
            both("receipt.key"),
            &key[..8],
            &key[key.len().saturating_sub(8)..]
        ),
        Style::Small,
    ));
    Document {
        paper: options.paper,
        title: format!("{} {}", both("receipt.title"), r.id),
        lang: "zh-CN".into(),
        blocks,
    }
}
