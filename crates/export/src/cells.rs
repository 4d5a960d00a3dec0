//! One entry as a row of typed cells, shared by both formats so their columns cannot drift
//! apart, and the bilingual labels for the log's stored codes.

use crate::PURGED;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Timelike, Utc};
use countersign_log::Entry;

/// One cell of an entry's row.
pub(crate) enum Cell {
    /// Text, partly from outside the hall: defused (CSV) or written as a string (XLSX).
    Text(String),
    /// A number the log assigned (sequence, block).
    Number(u64),
    /// An instant, shown hall-local.
    Time(DateTime<Utc>),
    /// Not recorded.
    Empty,
}

impl Cell {
    fn text(value: Option<&str>) -> Self {
        value.map_or(Self::Empty, |v| Self::Text(v.to_string()))
    }
}

/// The row for `e`, in the order of [`crate::COLUMNS`].
pub(crate) fn row(e: &Entry) -> [Cell; 19] {
    let n = &e.entry;
    let chain = n.chain.as_ref();
    [
        Cell::Number(e.seq),
        Cell::Time(n.at),
        Cell::Text(n.hall.clone()),
        Cell::Text(n.counter.clone()),
        Cell::Text(n.clerk.clone()),
        Cell::Text(channel_label(n.channel.as_str()).to_string()),
        Cell::text(n.credential_type.as_deref()),
        Cell::text(n.issuer_name.as_deref().or(n.issuer.as_deref())),
        Cell::text(n.issuer.as_deref()),
        n.leaf.map_or(Cell::Empty, |l| Cell::Text(hex::encode(l))),
        Cell::Text(verdict_label(n.verdict.as_str()).to_string()),
        list(&n.failing),
        list(&n.reasons),
        chain.map_or(Cell::Empty, |c| Cell::Number(c.block)),
        chain.map_or(Cell::Empty, |c| Cell::Time(c.block_time)),
        chain.map_or(Cell::Empty, |c| {
            Cell::Text(source_label(c.source.as_str()).to_string())
        }),
        Cell::text(n.receipt.as_deref()),
        subject(e),
        Cell::Text(hex::encode(e.hash)),
    ]
}

fn list(items: &[String]) -> Cell {
    if items.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(items.join(", "))
    }
}

/// `key=value; key=value` of the masked values, or the purged marker.
fn subject(e: &Entry) -> Cell {
    if e.purged {
        return Cell::Text(PURGED.to_string());
    }
    if e.entry.personal.is_empty() {
        return Cell::Empty;
    }
    let pairs: Vec<String> = e
        .entry
        .personal
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    Cell::Text(pairs.join("; "))
}

/// The instant as the hall's wall clock showed it, to the second (both formats cut the
/// milliseconds, so a filter in Excel matches what the CSV says).
pub(crate) fn local(at: DateTime<Utc>, offset: FixedOffset) -> NaiveDateTime {
    let local = at.with_timezone(&offset).naive_local();
    local.with_nanosecond(0).unwrap_or(local)
}

/// `2026-11-25 09:05:00`, hall-local.
pub(crate) fn local_text(at: DateTime<Utc>, offset: FixedOffset) -> String {
    local(at, offset).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The verdict as a supervisor reads it; an unknown code passes through unchanged.
pub(crate) fn verdict_label(code: &str) -> &str {
    match code {
        "VALID" => "有效 VALID",
        "INVALID" => "无效 INVALID",
        "UNVERIFIABLE" => "无法确认 UNVERIFIABLE",
        other => other,
    }
}

/// How the credential reached the counter.
pub(crate) fn channel_label(code: &str) -> &str {
    match code {
        "scanner" => "扫码枪 scanner",
        "camera" => "摄像头 camera",
        "image" => "图片 image",
        other => other,
    }
}

/// Where the chain state came from.
pub(crate) fn source_label(code: &str) -> &str {
    match code {
        "online" => "在线 online",
        "mirror" => "离线镜像 mirror",
        "memory" => "快照 memory",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_time_drops_milliseconds_and_applies_the_offset() {
        let offset = FixedOffset::east_opt(8 * 3600).expect("offset");
        let at = Utc
            .with_ymd_and_hms(2026, 11, 25, 1, 5, 0)
            .single()
            .expect("time")
            + chrono::Duration::milliseconds(999);
        assert_eq!(local_text(at, offset), "2026-11-25 09:05:00");
    }
}
