//! What the supervisor's console receives: the log's
//! review types converted by hand for the screen, times in the hall's offset, verdicts by the
//! screen's names. Subjects travel only as the log holds them, masked.

use crate::EntryRow;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use countersign_credential::kinds;
use countersign_log::{
    Attention, AuditRecord, Count, DigestProblem, Entry, EntryFinding, LogSummary,
};
use countersign_station::console::{EntryPage, Overview};
use countersign_station::integrity::{self, Anchoring, DayCheck, IntegrityReport};
use serde::Serialize;
use ts_rs::TS;

/// Hall-local `YYYY-MM-DD HH:MM:SS`.
fn local(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// One value and how many entries had it.
#[derive(Debug, Serialize, TS)]
pub struct CountView {
    key: Option<String>,
    count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    zh: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    en: Option<&'static str>,
}

fn counts(counts: &[Count]) -> Vec<CountView> {
    counts
        .iter()
        .map(|c| CountView {
            key: c.key.clone(),
            count: c.count,
            zh: None,
            en: None,
        })
        .collect()
}

/// Credential types with their names where Countersign knows the type.
fn type_counts(counts: &[Count]) -> Vec<CountView> {
    counts
        .iter()
        .map(|c| {
            let kind = c.key.as_deref().and_then(kinds::kind);
            CountView {
                key: c.key.clone(),
                count: c.count,
                zh: kind.map(|k| k.label_zh),
                en: kind.map(|k| k.label_en),
            }
        })
        .collect()
}

/// Counts over a filter's entries.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SummaryView {
    total: u64,
    by_verdict: Vec<CountView>,
    by_type: Vec<CountView>,
    by_issuer: Vec<CountView>,
    by_clerk: Vec<CountView>,
    by_counter: Vec<CountView>,
    by_channel: Vec<CountView>,
    by_chain_source: Vec<CountView>,
    #[ts(as = "Vec<u64>")]
    by_hour: [u64; 24],
    failures: Vec<CountView>,
}

impl From<&LogSummary> for SummaryView {
    fn from(s: &LogSummary) -> Self {
        Self {
            total: s.total,
            by_verdict: counts(&s.by_verdict),
            by_type: type_counts(&s.by_type),
            by_issuer: counts(&s.by_issuer),
            by_clerk: counts(&s.by_clerk),
            by_counter: counts(&s.by_counter),
            by_channel: counts(&s.by_channel),
            by_chain_source: counts(&s.by_chain_source),
            by_hour: s.by_hour,
            failures: counts(&s.failures),
        }
    }
}

/// The values seen in a time range: what the filter form offers.
#[derive(Debug, Serialize, TS)]
pub struct OptionsView {
    counters: Vec<CountView>,
    clerks: Vec<CountView>,
    verdicts: Vec<CountView>,
    types: Vec<CountView>,
    issuers: Vec<CountView>,
}

impl From<&LogSummary> for OptionsView {
    fn from(s: &LogSummary) -> Self {
        let mut counters = counts(&s.by_counter);
        // Counters by their id ("1", "2", … "10"), not by volume: the form is a list to pick from.
        counters.sort_by(|a, b| {
            let n = |c: &CountView| c.key.as_deref().and_then(|k| k.parse::<u64>().ok());
            n(a).cmp(&n(b)).then_with(|| a.key.cmp(&b.key))
        });
        let mut clerks = counts(&s.by_clerk);
        clerks.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            counters,
            clerks,
            verdicts: counts(&s.by_verdict),
            types: type_counts(&s.by_type),
            issuers: counts(&s.by_issuer),
        }
    }
}

/// One item of the attention list.
#[derive(Debug, Serialize, TS)]
pub struct AttentionView {
    #[ts(
        type = r#""repeated-credential" | "failure-burst" | "stale-mirror" | "receipt-reprinted""#
    )]
    kind: &'static str,
    subject: String,
    /// The issuer's registered name, for a burst of failures.
    label: Option<String>,
    entries: Vec<u64>,
    audit: Vec<u64>,
    /// Hall-local time of the first and last entry concerned.
    first: Option<String>,
    last: Option<String>,
    /// The counters of the entries concerned (a repeated credential's).
    counters: Vec<String>,
    detail: String,
}

impl AttentionView {
    /// The item, with what the screen words it from looked up in `entries` (the item's first
    /// and last entries, or all of them for a repeated credential). `day_only` shows times
    /// as `HH:MM`, else `MM-DD HH:MM`.
    pub fn new(a: &Attention, entries: &[Entry], offset: FixedOffset, day_only: bool) -> Self {
        let time = |e: &Entry| {
            let t = e.entry.at.with_timezone(&offset);
            if day_only {
                t.format("%H:%M").to_string()
            } else {
                t.format("%m-%d %H:%M").to_string()
            }
        };
        let mut counters: Vec<String> = entries.iter().map(|e| e.entry.counter.clone()).collect();
        counters.sort();
        counters.dedup();
        Self {
            kind: a.kind.as_str(),
            subject: a.subject.clone(),
            label: entries.iter().find_map(|e| e.entry.issuer_name.clone()),
            entries: a.entries.clone(),
            audit: a.audit.clone(),
            first: entries.iter().min_by_key(|e| e.entry.at).map(time),
            last: entries.iter().max_by_key(|e| e.entry.at).map(time),
            counters,
            detail: a.detail.clone(),
        }
    }
}

/// The console's overview: the range, its counts, the values to filter by, the attention list.
#[derive(Debug, Serialize, TS)]
pub struct OverviewView {
    /// The hall-local day today.
    pub today: String,
    /// The range's first day.
    pub from: String,
    /// The range's last day.
    pub to: String,
    /// The range's counts.
    pub summary: SummaryView,
    /// The values the filter form offers.
    pub options: OptionsView,
    /// What a supervisor should look at.
    pub attention: Vec<AttentionView>,
}

impl OverviewView {
    /// The overview of the days `first..=last`, as the screen shows it.
    pub fn new(o: &Overview, today: NaiveDate, offset: FixedOffset) -> Self {
        let (first, last) = o.days;
        Self {
            today: today.to_string(),
            from: first.to_string(),
            to: last.to_string(),
            summary: SummaryView::from(&o.summary),
            options: OptionsView::from(&o.choices),
            attention: o
                .attention
                .iter()
                .map(|(item, entries)| AttentionView::new(item, entries, offset, first == last))
                .collect(),
        }
    }
}

/// A page of the entries table.
#[derive(Debug, Serialize, TS)]
pub struct PageView {
    /// The entries, newest first.
    pub rows: Vec<EntryRow>,
    /// The cursor of the next (older) page.
    pub next: Option<u64>,
    /// How many entries the filter selects (on the first page).
    pub total: Option<u64>,
}

impl PageView {
    /// The page's rows, hall-local.
    pub fn new(page: &EntryPage, offset: FixedOffset) -> Self {
        Self {
            rows: page
                .entries
                .iter()
                .map(|e| EntryRow::new(e, offset))
                .collect(),
            next: page.next,
            total: page.total,
        }
    }
}

/// One failing check and its reason code.
#[derive(Debug, Serialize, TS)]
pub struct FailingView {
    check: String,
    reason: Option<String>,
}

/// A subject field as the log holds it (masked), with its labels.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubjectField {
    key: String,
    label_zh: String,
    label_en: String,
    value: String,
}

/// The chain state an entry used.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EntryChainView {
    source: String,
    block: u64,
    block_time: String,
}

/// An entry in full, as the log holds it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EntryDetailView {
    seq: u64,
    at: String,
    hall: String,
    counter: String,
    clerk: String,
    channel: &'static str,
    verdict: String,
    credential_type: Option<String>,
    type_zh: Option<&'static str>,
    type_en: Option<&'static str>,
    issuer_name: Option<String>,
    issuer: Option<String>,
    credential_hash: Option<String>,
    failing: Vec<FailingView>,
    chain: Option<EntryChainView>,
    receipt: Option<String>,
    subject: Vec<SubjectField>,
    purged: bool,
    entry_hash: String,
}

/// A subject field's labels, from the credential types that have it.
fn field_labels(key: &str) -> (String, String) {
    kinds::KINDS
        .iter()
        .flat_map(|k| k.fields.iter())
        .find(|f| f.key == key)
        .map_or_else(
            || (key.to_string(), key.to_string()),
            |f| (f.label_zh.to_string(), f.label_en.to_string()),
        )
}

impl EntryDetailView {
    /// The detail of a logged entry, hall-local.
    pub fn new(e: &Entry, offset: FixedOffset) -> Self {
        let n = &e.entry;
        let kind = n.credential_type.as_deref().and_then(kinds::kind);
        Self {
            seq: e.seq,
            at: local(n.at, offset),
            hall: n.hall.clone(),
            counter: n.counter.clone(),
            clerk: n.clerk.clone(),
            channel: n.channel.as_str(),
            verdict: n.verdict.screen_name().to_string(),
            credential_type: n.credential_type.clone(),
            type_zh: kind.map(|k| k.label_zh),
            type_en: kind.map(|k| k.label_en),
            issuer_name: n.issuer_name.clone(),
            issuer: n.issuer.clone(),
            credential_hash: n.leaf.map(|h| h.to_string()),
            // Reasons were recorded beside the failing checks, in the same order.
            failing: n
                .failing
                .iter()
                .enumerate()
                .map(|(i, check)| FailingView {
                    check: check.clone(),
                    reason: n.reasons.get(i).cloned(),
                })
                .collect(),
            chain: n.chain.as_ref().map(|c| EntryChainView {
                source: c.source.as_str().to_string(),
                block: c.block,
                block_time: local(c.block_time, offset),
            }),
            receipt: n.receipt.clone(),
            subject: n
                .personal
                .iter()
                .map(|(k, v)| {
                    let (label_zh, label_en) = field_labels(k);
                    SubjectField {
                        key: k.clone(),
                        label_zh,
                        label_en,
                        value: v.clone(),
                    }
                })
                .collect(),
            purged: e.purged,
            entry_hash: hex::encode(e.hash),
        }
    }
}

/// A change the integrity check found.
#[derive(Debug, Serialize, TS)]
pub struct FindingView {
    seq: u64,
    #[ts(type = r#""edited" | "deleted" | "inserted" | "reordered" | "summary-edited""#)]
    kind: &'static str,
}

impl From<&EntryFinding> for FindingView {
    fn from(f: &EntryFinding) -> Self {
        Self {
            seq: f.seq,
            kind: f.kind.as_str(),
        }
    }
}

/// A closed day's signed digest, and how it stands on the registry.
#[derive(Debug, Serialize, TS)]
pub struct DigestView {
    day: String,
    count: u64,
    range: Option<(u64, u64)>,
    digest: String,
    /// Signed by a hall key this counter trusts, and the signature verifies.
    signed: bool,
    /// What is wrong, locally or against the registry's anchor.
    problem: Option<&'static str>,
    anchored: Option<String>,
    /// `anchored`, `not-anchored`, … as read from the registry; `None` when it was not read.
    #[ts(
        type = r#""anchored" | "differs-from-anchored" | "anchor-missing" | "not-anchored" | null"#
    )]
    chain: Option<&'static str>,
}

impl DigestView {
    /// The day as the check found it.
    pub fn new(d: &DayCheck) -> Self {
        let local = d.problem.as_ref().map(|p| integrity::problem_name(Some(p)));
        let chain = d
            .anchoring
            .filter(|a| a.is_problem())
            .map(Anchoring::as_str);
        Self {
            day: d.digest.day.to_string(),
            count: d.digest.count,
            range: d.digest.range,
            digest: hex::encode(d.digest.digest),
            signed: !matches!(d.problem, Some(DigestProblem::BadSignature)),
            problem: local.or(chain),
            anchored: d.digest.anchor_tx.clone(),
            chain: d.anchoring.map(Anchoring::as_str),
        }
    }
}

/// An audit record.
#[derive(Debug, Serialize, TS)]
pub struct AuditView {
    seq: u64,
    at: String,
    actor: String,
    role: String,
    action: String,
    detail: String,
}

impl AuditView {
    /// The record, hall-local.
    pub fn new(a: &AuditRecord, offset: FixedOffset) -> Self {
        Self {
            seq: a.seq,
            at: local(a.at, offset),
            actor: a.actor.clone(),
            role: a.role.clone(),
            action: a.action.clone(),
            detail: a.detail.clone(),
        }
    }
}

/// The integrity check's result.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityView {
    /// Nothing was found wrong.
    pub intact: bool,
    /// Entries checked.
    pub entries: u64,
    /// What the entries' chain check found.
    pub findings: Vec<FindingView>,
    /// Audit records checked.
    pub audit_records: u64,
    /// What the audit chain check found.
    pub audit_findings: Vec<FindingView>,
    /// The closed days' digests, newest first.
    pub digests: Vec<DigestView>,
    /// Why the registry's anchors were not checked, when a node was configured.
    pub chain_unreachable: Option<String>,
    /// The latest audit records.
    pub recent_audit: Vec<AuditView>,
    /// Hall-local time of the check.
    pub checked_at: String,
    /// How long it took.
    pub millis: u64,
}

impl IntegrityView {
    /// The check's findings, the days' digests with their problems, the latest audit records.
    pub fn new(
        report: &IntegrityReport,
        recent_audit: &[AuditRecord],
        offset: FixedOffset,
        checked_at: DateTime<Utc>,
    ) -> Self {
        let chains = &report.chains;
        Self {
            intact: report.intact(),
            entries: chains.entries,
            findings: chains.findings.iter().map(FindingView::from).collect(),
            audit_records: chains.audit.records,
            audit_findings: chains
                .audit
                .findings
                .iter()
                .map(|f| FindingView {
                    seq: f.seq,
                    kind: f.kind.as_str(),
                })
                .collect(),
            digests: report.days.iter().rev().map(DigestView::new).collect(),
            chain_unreachable: report.chain_unreachable.clone(),
            recent_audit: recent_audit
                .iter()
                .map(|a| AuditView::new(a, offset))
                .collect(),
            checked_at: local(checked_at, offset),
            millis: u64::try_from(report.took.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// A file an export wrote.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportView {
    /// `csv`, `xlsx` or `pdf`.
    #[ts(type = r#""csv" | "xlsx" | "pdf""#)]
    pub format: &'static str,
    /// Where the file is.
    pub path: String,
    /// Entries written.
    pub entries: u64,
    /// The PDF is the whole day's report, whatever the other filters.
    pub whole_day: bool,
}

/// One field the privacy policy keeps.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PolicyField {
    key: String,
    label_zh: String,
    label_en: String,
    /// `keep` (head and tail characters kept, the rest starred) or `clear`.
    #[ts(type = r#""keep" | "clear""#)]
    mask: &'static str,
    head: usize,
    tail: usize,
}

/// The hall's privacy policy, read-only.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    retention_days: u32,
    fields: Vec<PolicyField>,
}

impl From<&countersign_station::PrivacyPolicy> for PolicyView {
    fn from(p: &countersign_station::PrivacyPolicy) -> Self {
        use countersign_station::Mask;
        Self {
            retention_days: p.retention_days,
            fields: p
                .fields
                .iter()
                .map(|(key, mask)| {
                    let (label_zh, label_en) = field_labels(key);
                    let (mask, head, tail) = match mask {
                        Mask::Keep { head, tail } => ("keep", *head, *tail),
                        Mask::Clear => ("clear", 0, 0),
                    };
                    PolicyField {
                        key: key.clone(),
                        label_zh,
                        label_en,
                        mask,
                        head,
                        tail,
                    }
                })
                .collect(),
        }
    }
}
