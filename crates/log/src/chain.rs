//! Walking the hash chain and naming what was changed.
//!
//! The order of the log is the chain of links (each entry names its predecessor's hash), not
//! the row numbers. At each break the neighbours tell the kind of change:
//! - an entry whose own hash does not match its fields was **edited**;
//! - an entry whose successor links to the entry before it was **inserted**;
//! - an entry that links to an entry standing later, or earlier than its predecessor, was
//!   **reordered** (moved);
//! - an entry that links to a hash no entry has follows **deleted** entries.
//!
//! The audit trail is a chain of the same shape and is walked by the same code.

use crate::audit::AuditIntegrity;
use crate::tree::TreeIntegrity;
use crate::GENESIS;
use std::collections::HashMap;
use std::fmt;

/// What kind of change a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// The entry's fields no longer match its hash.
    Edited,
    /// Entries before this one are missing.
    Deleted,
    /// The entry was not in the chain as written.
    Inserted,
    /// The entry stands at another place than where it was written.
    Reordered,
    /// The subject summary no longer matches the hash the entry committed to.
    SummaryEdited,
}

impl FindingKind {
    /// The stable name (`edited`, `deleted`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edited => "edited",
            Self::Deleted => "deleted",
            Self::Inserted => "inserted",
            Self::Reordered => "reordered",
            Self::SummaryEdited => "summary-edited",
        }
    }
}

/// One change found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFinding {
    /// The row number of the entry concerned.
    pub seq: u64,
    /// What was done.
    pub kind: FindingKind,
}

impl fmt::Display for EntryFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FindingKind::Edited => write!(f, "entry {} was edited", self.seq),
            FindingKind::Deleted => write!(f, "entries before entry {} were deleted", self.seq),
            FindingKind::Inserted => write!(f, "entry {} was inserted", self.seq),
            FindingKind::Reordered => write!(f, "entry {} was moved (reordered)", self.seq),
            FindingKind::SummaryEdited => {
                write!(f, "the subject summary of entry {} was edited", self.seq)
            }
        }
    }
}

/// The result of a full check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    /// Entries checked.
    pub entries: u64,
    /// The last entry's hash (what a daily digest signs).
    pub head: [u8; 32],
    /// Changes found, in log order; the first is the first entry that was changed.
    pub findings: Vec<EntryFinding>,
    /// The audit trail's own chain (schema version 3; empty in older files).
    pub audit: AuditIntegrity,
    /// The tree over entries, audit records and days, against its checkpoints (schema
    /// version 4; empty in older files).
    pub tree: TreeIntegrity,
}

impl Integrity {
    /// Whether both chains, the entries' and the audit trail's, and the tree are intact.
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty() && self.audit.is_intact() && self.tree.is_intact()
    }
}

struct Link {
    seq: u64,
    prev: [u8; 32],
    hash: [u8; 32],
    self_consistent: bool,
    personal_consistent: bool,
}

/// Collects the entries in row order, then classifies the breaks.
#[derive(Default)]
pub(crate) struct Walker {
    links: Vec<Link>,
}

impl Walker {
    pub(crate) fn push(
        &mut self,
        seq: u64,
        prev: [u8; 32],
        hash: [u8; 32],
        self_consistent: bool,
        personal_consistent: bool,
    ) {
        self.links.push(Link {
            seq,
            prev,
            hash,
            self_consistent,
            personal_consistent,
        });
    }

    /// Classifies the breaks: how many links, the last hash, and the findings in order.
    pub(crate) fn finish(self) -> (u64, [u8; 32], Vec<EntryFinding>) {
        let links = self.links;
        // Only a broken link needs to know where a hash stands: build the index on demand.
        let mut index: Option<HashMap<[u8; 32], usize>> = None;
        let mut findings = Vec::new();
        let mut i = 0;
        while i < links.len() {
            let link = &links[i];
            let expected = if i == 0 { GENESIS } else { links[i - 1].hash };
            if !link.self_consistent {
                findings.push(finding(link, FindingKind::Edited));
            } else if !link.personal_consistent {
                findings.push(finding(link, FindingKind::SummaryEdited));
            }
            if link.prev != expected {
                let next_links_back = links.get(i + 1).is_some_and(|next| next.prev == expected);
                let kind = if next_links_back {
                    FindingKind::Inserted
                } else {
                    let position = index.get_or_insert_with(|| {
                        links.iter().enumerate().map(|(i, l)| (l.hash, i)).collect()
                    });
                    match position.get(&link.prev) {
                        Some(&p) if p != i.wrapping_sub(1) => FindingKind::Reordered,
                        Some(_) => FindingKind::Edited,
                        None if link.prev == GENESIS => FindingKind::Reordered,
                        None => FindingKind::Deleted,
                    }
                };
                findings.push(finding(link, kind));
                if kind == FindingKind::Inserted {
                    // The successor's link is explained by this insertion: skip its check.
                    i += 2;
                    if let Some(next) = links.get(i - 1) {
                        if !next.self_consistent {
                            findings.push(finding(next, FindingKind::Edited));
                        }
                    }
                    continue;
                }
            }
            i += 1;
        }
        (
            links.len() as u64,
            links.last().map_or(GENESIS, |l| l.hash),
            findings,
        )
    }
}

fn finding(link: &Link, kind: FindingKind) -> EntryFinding {
    EntryFinding {
        seq: link.seq,
        kind,
    }
}
