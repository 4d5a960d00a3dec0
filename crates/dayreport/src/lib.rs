//! The supervisor's printable daily report: one hall-local day of the verification log, as the
//! duty supervisor files it. [`compose`] turns the log's [`DayReport`] (counts, never entries)
//! and, once the day is closed, its signed digest ([`DigestInfo`]) into a printer-independent
//! [`Document`], bilingual (Chinese first, then English, from the message catalogue): the
//! hall and the day, the totals, bar charts of the verdict mix, verifications per hour,
//! failure reasons, per clerk, per counter, per credential type and per issuer, the
//! credentials verified more than once, the digest that makes the day's figures checkable,
//! and who printed it when. Any renderer prints it: `countersign-pdf` on A4 (the default), or
//! `countersign-escpos` on a roll.
//!
//! Not for: reading the log or the clock (the caller passes the report, the digest and the
//! time in), deciding who may print it, or printing. It prints nothing about citizens: a
//! [`DayReport`] carries counts, staff and counter ids, credential types and issuers, and
//! repeated credentials only as a count, counters, times and the first characters of their
//! leaf hash; nothing here adds a subject field.
//!
//! ```
//! use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
//! use countersign_dayreport::{compose, DEFAULT_PAPER};
//! use countersign_log::{DayReport, LogSummary};
//!
//! let report = DayReport {
//!     day: NaiveDate::from_ymd_opt(2025, 3, 14).expect("a date"),
//!     offset: FixedOffset::east_opt(8 * 3600).expect("an offset"),
//!     summary: LogSummary {
//!         total: 0,
//!         range: None,
//!         by_verdict: vec![],
//!         by_type: vec![],
//!         by_issuer: vec![],
//!         by_clerk: vec![],
//!         by_counter: vec![],
//!         by_channel: vec![],
//!         by_chain_source: vec![],
//!         by_hour: [0; 24],
//!         failures: vec![],
//!     },
//!     repeated: vec![],
//! };
//! let printed = Utc.with_ymd_and_hms(2025, 3, 15, 0, 30, 0).single().expect("a time");
//! let doc = compose(&report, None, "朝阳区政务服务中心", printed, "S-01", DEFAULT_PAPER);
//! assert!(doc.title.contains("每日核验报告"));
//! ```

use chrono::{DateTime, FixedOffset, Utc};
use countersign_i18n::{both, has, t, t_with, Lang};
use countersign_log::{Count, DayDigest, DayReport, Repeat};
use countersign_printdoc::{Bar, Block, Document, Paper, Style, Tone};

/// The paper a daily report is laid out for unless the hall prints it elsewhere: an office
/// printer's A4 sheet, which a supervisor files.
pub const DEFAULT_PAPER: Paper = Paper::A4;

/// Repeated credentials listed at most; the rest are counted in one line.
pub const MAX_REPEATS_LISTED: usize = 20;

/// Hex digits of a repeated credential's leaf hash printed as its reference: enough to find
/// it in `countersign log report`, which prints the whole hash, and nothing about its holder.
const LEAF_REF_HEX: usize = 8;

/// The closed day's signed digest, as printed: hex strings, so a reader can compare them with
/// what `countersign log verify` shows or what the registry holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestInfo {
    /// SHA-256 of the day's canonical digest fields, hex.
    pub digest_hex: String,
    /// The hall key that signed it (Ed25519), hex.
    pub public_key_hex: String,
    /// The Ed25519 signature over the digest, hex.
    pub signature_hex: String,
    /// The transaction that anchored the digest on the registry, once it has been.
    pub anchored: Option<String>,
}

impl From<&DayDigest> for DigestInfo {
    fn from(d: &DayDigest) -> Self {
        Self {
            digest_hex: hex::encode(d.digest),
            public_key_hex: hex::encode(&d.public_key),
            signature_hex: hex::encode(d.signature),
            anchored: d.anchor_tx.clone(),
        }
    }
}

/// Lays out the daily report of `report`, for the hall `hall_name`, printed at `printed_at`
/// by `printed_by` (the supervisor's name or staff id, as the caller wants it shown), on
/// `paper` ([`DEFAULT_PAPER`] unless the hall prints elsewhere).
///
/// Times are the hall's local time, by the offset the report's day was cut with. Without a
/// `digest` the report says the day is not closed yet, so a draft is never mistaken for the
/// final figures.
pub fn compose(
    report: &DayReport,
    digest: Option<&DigestInfo>,
    hall_name: &str,
    printed_at: DateTime<Utc>,
    printed_by: &str,
    paper: Paper,
) -> Document {
    let offset = report.offset;
    let mut blocks = vec![
        Block::centered(hall_name, Style::Heading),
        Block::centered(both("dayreport.title"), Style::Heading),
        Block::centered(format!("{} (UTC{offset})", report.day), Style::Normal),
        Block::Rule,
    ];
    totals(&mut blocks, report);
    if report.summary.total > 0 {
        charts(&mut blocks, report);
        repeats(&mut blocks, &report.repeated, offset);
    }
    digest_section(&mut blocks, digest);
    blocks.push(Block::Rule);
    let when = local(printed_at, offset, "%Y-%m-%d %H:%M");
    blocks.push(Block::centered(
        both_with("dayreport.printed", &[("when", &when), ("by", printed_by)]),
        Style::Small,
    ));
    Document {
        paper,
        title: format!("{} {hall_name} {}", both("dayreport.title"), report.day),
        lang: Lang::ZhCn.tag().to_owned(),
        blocks,
    }
}

/// The totals: verifications, each verdict with its share, the log's entry numbers, and how
/// credentials arrived and which chain state judged them.
fn totals(blocks: &mut Vec<Block>, report: &DayReport) {
    blocks.push(Block::text(both("dayreport.totals"), Style::Heading));
    blocks.push(Block::field(
        both("dayreport.total"),
        report.summary.total.to_string(),
    ));
    if report.summary.total == 0 {
        blocks.push(Block::text(both("dayreport.empty"), Style::Normal));
        return;
    }
    for (verdict, count) in verdicts(&report.summary.by_verdict) {
        blocks.push(Block::field(
            verdict_label(&verdict),
            format!("{count} ({})", percent(count, report.summary.total)),
        ));
    }
    if let Some((first, last)) = report.summary.range {
        blocks.push(Block::field(
            both("dayreport.range"),
            format!("#{first}–#{last}"),
        ));
    }
    let listed = |counts: &[Count], label: fn(Option<&str>) -> String| {
        counts
            .iter()
            .map(|c| format!("{} {}", label(c.key.as_deref()), c.count))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    if !report.summary.by_channel.is_empty() {
        blocks.push(Block::field(
            both("dayreport.channels"),
            listed(&report.summary.by_channel, channel_label),
        ));
    }
    if !report.summary.by_chain_source.is_empty() {
        blocks.push(Block::field(
            both("dayreport.chain"),
            listed(&report.summary.by_chain_source, chain_label),
        ));
    }
}

/// The charts: verdict mix, per hour, failure reasons, per clerk, per counter, per type and
/// per issuer.
fn charts(blocks: &mut Vec<Block>, report: &DayReport) {
    let verdict_bars = verdicts(&report.summary.by_verdict)
        .into_iter()
        .map(|(verdict, count)| Bar::new(verdict_label(&verdict), count, verdict_tone(&verdict)))
        .collect();
    blocks.push(Block::Space);
    blocks.push(Block::bars(both("dayreport.chart.verdicts"), verdict_bars));

    // The hours from the first with an entry to the last, empty hours between them kept so
    // that a lull shows as a gap.
    let busy: Vec<usize> = (0..24).filter(|h| report.summary.by_hour[*h] > 0).collect();
    if let (Some(&first), Some(&last)) = (busy.first(), busy.last()) {
        let hours = (first..=last)
            .map(|h| {
                Bar::new(
                    format!("{h:02}:00"),
                    report.summary.by_hour[h],
                    Tone::Neutral,
                )
            })
            .collect();
        blocks.push(Block::Space);
        blocks.push(Block::bars(both("dayreport.chart.hours"), hours));
    }

    blocks.push(Block::Space);
    if report.summary.failures.is_empty() {
        blocks.push(Block::text(
            both("dayreport.chart.failures"),
            Style::Heading,
        ));
        blocks.push(Block::text(both("dayreport.failures.none"), Style::Normal));
    } else {
        // Every recorded failure is a failed check, which makes a verdict INVALID: red.
        let reasons = report
            .summary
            .failures
            .iter()
            .map(|c| Bar::new(reason_label(c.key.as_deref()), c.count, Tone::Bad))
            .collect();
        blocks.push(Block::bars(both("dayreport.chart.failures"), reasons));
    }

    for (title, counts, label) in [
        (
            "dayreport.chart.clerks",
            &report.summary.by_clerk,
            recorded_label as fn(Option<&str>) -> String,
        ),
        (
            "dayreport.counters",
            &report.summary.by_counter,
            recorded_label,
        ),
        ("dayreport.types", &report.summary.by_type, type_label),
        ("dayreport.issuers", &report.summary.by_issuer, issuer_label),
    ] {
        if counts.is_empty() {
            continue;
        }
        let bars = counts
            .iter()
            .map(|c| Bar::new(label(c.key.as_deref()), c.count, Tone::Neutral))
            .collect();
        blocks.push(Block::Space);
        blocks.push(Block::bars(both(title), bars));
    }
}

/// Credentials verified more than once: how often, their type, at which counters, between
/// which times, and the start of their leaf hash to look them up by.
fn repeats(blocks: &mut Vec<Block>, repeated: &[Repeat], offset: FixedOffset) {
    blocks.push(Block::Space);
    blocks.push(Block::text(both("dayreport.repeats"), Style::Heading));
    if repeated.is_empty() {
        blocks.push(Block::text(both("dayreport.repeats.none"), Style::Normal));
        return;
    }
    for r in repeated.iter().take(MAX_REPEATS_LISTED) {
        let reference: String = hex::encode(r.leaf).chars().take(LEAF_REF_HEX).collect();
        blocks.push(Block::text(
            format!(
                "{} {} · {} · {} {} · {}–{} · #{reference}",
                r.count,
                both("dayreport.times"),
                type_label(r.credential_type.as_deref()),
                both("receipt.counter"),
                r.counters.join(", "),
                local(r.first, offset, "%H:%M"),
                local(r.last, offset, "%H:%M"),
            ),
            Style::Normal,
        ));
    }
    let more = repeated.len().saturating_sub(MAX_REPEATS_LISTED);
    if more > 0 {
        blocks.push(Block::text(
            both_with("dayreport.repeats.more", &[("n", &more.to_string())]),
            Style::Small,
        ));
    }
}

/// The signed digest, each value whole on its own line (the signature in two halves) so it
/// can be read off and compared; or a warning that the day is not closed.
fn digest_section(blocks: &mut Vec<Block>, digest: Option<&DigestInfo>) {
    blocks.push(Block::Space);
    blocks.push(Block::text(both("dayreport.digest"), Style::Heading));
    let Some(d) = digest else {
        blocks.push(Block::text(both("dayreport.digest.missing"), Style::Normal));
        return;
    };
    let line =
        |key: &str, value: &str| Block::text(format!("{}：{value}", both(key)), Style::Small);
    blocks.push(line("dayreport.digest.hash", &d.digest_hex));
    blocks.push(line("dayreport.digest.key", &d.public_key_hex));
    // 128 digits do not fit one line of an A4 sheet: split where a reader expects it.
    let half = d.signature_hex.len() / 2;
    let signature = match (d.signature_hex.get(..half), d.signature_hex.get(half..)) {
        (Some(a), Some(b)) if d.signature_hex.len() > 64 => format!("{a}\n{b}"),
        _ => d.signature_hex.clone(),
    };
    blocks.push(line("dayreport.digest.signature", &signature));
    let anchored = match &d.anchored {
        Some(tx) => tx.clone(),
        None => both("dayreport.digest.not_anchored"),
    };
    blocks.push(line("dayreport.digest.anchored", &anchored));
}

/// The verdicts in a fixed order (VALID, INVALID, UNVERIFIABLE, then any other the log holds),
/// each with its count, zero included: the chart has the same bars every day.
fn verdicts(by_verdict: &[Count]) -> Vec<(String, u64)> {
    let count = |v: &str| {
        by_verdict
            .iter()
            .filter(|c| c.key.as_deref() == Some(v))
            .map(|c| c.count)
            .sum::<u64>()
    };
    let known = ["VALID", "INVALID", "UNVERIFIABLE"];
    let mut out: Vec<(String, u64)> = known.iter().map(|v| (v.to_string(), count(v))).collect();
    out.extend(
        by_verdict
            .iter()
            .filter(|c| !c.key.as_deref().is_some_and(|k| known.contains(&k)))
            .map(|c| (c.key.clone().unwrap_or_default(), c.count)),
    );
    out
}

/// `有效 VALID` for the log's `VALID`; the log writes UNVERIFIABLE, the screen says CANNOT
/// CONFIRM.
fn verdict_label(verdict: &str) -> String {
    match verdict {
        "VALID" => both("verdict.VALID"),
        "INVALID" => both("verdict.INVALID"),
        "UNVERIFIABLE" => both("verdict.CANNOT_CONFIRM"),
        "" => both("dayreport.unrecorded"),
        other => other.to_owned(),
    }
}

fn verdict_tone(verdict: &str) -> Tone {
    match verdict {
        "VALID" => Tone::Good,
        "INVALID" => Tone::Bad,
        "UNVERIFIABLE" => Tone::Warn,
        _ => Tone::Neutral,
    }
}

/// A failure's label: its reason (`validity.expired`) as the screen words it, else the
/// failing check's name (entries from before reasons were recorded), else the code itself.
/// Reasons are sentences: the Chinese goes above the English, each on its own line.
fn reason_label(key: Option<&str>) -> String {
    let Some(key) = key else {
        return both("dayreport.unrecorded");
    };
    [format!("reason.{key}"), format!("check.{key}")]
        .into_iter()
        .find(|k| has(k))
        .map_or_else(
            || key.to_owned(),
            |k| format!("{}\n{}", t(&k, Lang::ZhCn), t(&k, Lang::En)),
        )
}

/// A clerk's or counter's id as recorded.
fn recorded_label(key: Option<&str>) -> String {
    key.map_or_else(|| both("dayreport.unrecorded"), str::to_owned)
}

/// A credential type by its Chinese and English names when the type is known.
fn type_label(key: Option<&str>) -> String {
    match key {
        None => both("receipt.unread"),
        Some(t) => match countersign_credential::kinds::kind(t) {
            Some(k) => format!("{} {}", k.label_zh, k.label_en),
            None => t.to_owned(),
        },
    }
}

/// An issuer by its registered name (or its did:key, as the log groups it).
fn issuer_label(key: Option<&str>) -> String {
    key.map_or_else(|| both("receipt.unread"), str::to_owned)
}

fn channel_label(key: Option<&str>) -> String {
    match key {
        Some(c) if has(&format!("dayreport.channel.{c}")) => {
            both(&format!("dayreport.channel.{c}"))
        }
        other => recorded_label(other),
    }
}

/// The chain state a verdict used, as the receipt words it (`在线 online`).
fn chain_label(key: Option<&str>) -> String {
    match key {
        Some(s) if has(&format!("receipt.chain.{s}")) => both(&format!("receipt.chain.{s}")),
        Some(s) => s.to_owned(),
        None => both("receipt.chain.none"),
    }
}

/// `count` of `total` as a percentage with one decimal.
fn percent(count: u64, total: u64) -> String {
    if total == 0 {
        return "0%".to_owned();
    }
    // Tenths of a per cent, rounded, in integers: exact for any count.
    let tenths = (u128::from(count) * 1000 + u128::from(total) / 2) / u128::from(total);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

fn local(at: DateTime<Utc>, offset: FixedOffset, format: &str) -> String {
    at.with_timezone(&offset).format(format).to_string()
}

/// Both languages of a message with placeholders, Chinese first.
fn both_with(key: &str, vars: &[(&str, &str)]) -> String {
    let (zh, en) = (t_with(key, Lang::ZhCn, vars), t_with(key, Lang::En, vars));
    if zh == en {
        zh
    } else {
        format!("{zh} {en}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_a_tenth() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(3, 3), "100.0%");
        assert_eq!(percent(0, 0), "0%");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.0%");
    }

    #[test]
    fn labels_come_from_the_catalogue() {
        assert_eq!(verdict_label("UNVERIFIABLE"), "无法确认 CANNOT CONFIRM");
        assert_eq!(
            reason_label(Some("validity.expired")),
            "证照已过期\nThe credential has expired"
        );
        assert_eq!(reason_label(Some("validity")), "有效期\nValidity");
        assert_eq!(reason_label(Some("future.code")), "future.code");
        assert_eq!(channel_label(Some("camera")), "摄像头 camera");
        assert_eq!(chain_label(Some("mirror")), "离线镜像 hall mirror");
        assert_eq!(chain_label(None), "未查链 chain not consulted");
        assert_eq!(recorded_label(None), "未记录 not recorded");
    }

    #[test]
    fn verdicts_come_in_a_fixed_order_with_zeros() {
        let counts = vec![
            Count {
                key: Some("INVALID".into()),
                count: 4,
            },
            Count {
                key: Some("VALID".into()),
                count: 9,
            },
        ];
        assert_eq!(
            verdicts(&counts),
            [
                ("VALID".to_owned(), 9),
                ("INVALID".to_owned(), 4),
                ("UNVERIFIABLE".to_owned(), 0)
            ]
        );
    }
}
