//! The hall log's integrity check, one for the app's console and `countersign log verify`:
//! the entries' hash chain, the audit trail's, each closed day's signed digest, and each
//! digest against the one the hall anchored on the registry. The chain is the only witness
//! outside the hall: a file rewritten by someone who holds the hall key still disagrees with
//! what was anchored.

use crate::review::{Actor, ReviewError};
use chrono::{DateTime, NaiveDate, Utc};
use countersign_chain::{
    connect_first, AnchoredDigest, ConnectError, Registry, RegistryError, RpcOptions,
};
use countersign_credential::RegistryRef;
use countersign_log::{DayDigest, DigestProblem, Integrity, Log, LogError};
use ed25519_dalek::VerifyingKey;

/// How a closed day's digest stands against the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchoring {
    /// The registry holds this very digest for the day.
    Anchored {
        /// The block it was anchored in.
        block: u64,
    },
    /// The registry holds another digest for the day: the day was rewritten after anchoring.
    Differs,
    /// The log says it was anchored, but the registry holds nothing for the day.
    Missing,
    /// Not anchored yet.
    NotAnchored,
}

impl Anchoring {
    /// A stable name (JSON, the console, the audit record).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anchored { .. } => "anchored",
            Self::Differs => "differs-from-anchored",
            Self::Missing => "anchor-missing",
            Self::NotAnchored => "not-anchored",
        }
    }

    /// The registry contradicts the log.
    pub fn is_problem(self) -> bool {
        matches!(self, Self::Differs | Self::Missing)
    }
}

/// Where the anchors are read.
#[derive(Debug)]
pub enum AnchorSource<'a> {
    /// Not asked (no node configured).
    NotAsked,
    /// A node was configured but none could be used: why.
    Unreachable(String),
    /// A checked registry (chain id, code and `registryId()` verified).
    Node(&'a Registry),
}

/// The node the integrity check reads anchors from, owned (for a front end that connects per
/// check): none configured, none reachable (why), or a checked registry.
#[derive(Debug)]
pub enum AnchorNode {
    /// No node or no registry configured.
    None,
    /// Configured, but no node could be used: why.
    Unreachable(String),
    /// A checked registry.
    Node(Registry),
}

impl AnchorNode {
    /// Connects as [`anchor_source`] does; a node of another chain or contract is
    /// `Unreachable` with the reason (the check still runs its local part and says so).
    pub fn connect(
        endpoints: &[String],
        registry: Option<RegistryRef>,
        options: &RpcOptions,
    ) -> Self {
        match anchor_source(endpoints, registry, options) {
            Ok(Some(node)) => Self::Node(node),
            Ok(None) => Self::None,
            Err(e) => Self::Unreachable(e.to_string()),
        }
    }

    /// As [`check`] takes it.
    pub fn source(&self) -> AnchorSource<'_> {
        match self {
            Self::None => AnchorSource::NotAsked,
            Self::Unreachable(why) => AnchorSource::Unreachable(why.clone()),
            Self::Node(registry) => AnchorSource::Node(registry),
        }
    }
}

/// Connects to the first of `endpoints` that serves `registry`, for reading anchors (`None`
/// without a registry or endpoints). A node of another chain or contract is
/// [`ConnectError::wrong_registry`]: configuration, not an outage.
pub fn anchor_source(
    endpoints: &[String],
    registry: Option<RegistryRef>,
    options: &RpcOptions,
) -> Result<Option<Registry>, ConnectError> {
    let Some(registry) = registry else {
        return Ok(None);
    };
    if endpoints.is_empty() {
        return Ok(None);
    }
    connect_first(endpoints, &registry, options).map(Some)
}

/// One closed day, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCheck {
    /// The day's digest as the log holds it.
    pub digest: DayDigest,
    /// What is wrong with it locally (only when trusted keys were given).
    pub problem: Option<DigestProblem>,
    /// How it stands on the registry (`None`: not asked).
    pub anchoring: Option<Anchoring>,
}

/// A day the registry holds an anchored digest for, signed by a trusted hall key, that the log
/// has no digest of: its entries and digest were deleted, or the file is an older copy
/// (rolled back to a backup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingDay {
    /// The hall key that anchored it.
    pub station: [u8; 32],
    /// The day.
    pub day: NaiveDate,
    /// What the registry holds.
    pub anchored: AnchoredDigest,
}

/// The whole check.
#[derive(Debug, Clone)]
pub struct IntegrityReport {
    /// The entries' and the audit trail's hash chains.
    pub chains: Integrity,
    /// Every closed day, oldest first.
    pub days: Vec<DayCheck>,
    /// Days anchored on the registry by a trusted hall key that the log has no digest of
    /// (only when the anchors were read).
    pub missing_days: Vec<MissingDay>,
    /// The days' signatures were checked (some trusted key was given).
    pub signatures_checked: bool,
    /// Why the anchors were not (all) read, when a node was configured.
    pub chain_unreachable: Option<String>,
    /// How long the check took.
    pub took: std::time::Duration,
}

impl IntegrityReport {
    /// Nothing was found changed: hash chains, signed days and anchors.
    pub fn intact(&self) -> bool {
        self.chains.is_intact()
            && self.missing_days.is_empty()
            && self
                .days
                .iter()
                .all(|d| d.problem.is_none() && !d.anchoring.is_some_and(Anchoring::is_problem))
    }

    /// One line for the audit trail and the diagnostic file.
    pub fn summary(&self) -> String {
        if let Some(f) = self.chains.findings.first() {
            return format!("changed: {f}");
        }
        if let Some(f) = self.chains.audit.findings.first() {
            return format!("changed: {f}");
        }
        if let Some(m) = self.missing_days.first() {
            return format!(
                "day {} was anchored on the registry in block {} but its digest is missing from the log: deleted, or an older copy ({} day(s) missing in all)",
                m.day,
                m.anchored.block,
                self.missing_days.len()
            );
        }
        if let Some(d) = self.days.iter().find(|d| d.problem.is_some()) {
            return format!(
                "digest of {}: {}",
                d.digest.day,
                problem_name(d.problem.as_ref())
            );
        }
        if let Some((d, a)) = self
            .days
            .iter()
            .find_map(|d| d.anchoring.filter(|a| a.is_problem()).map(|a| (d, a)))
        {
            return format!("digest of {}: {}", d.digest.day, a.as_str());
        }
        format!(
            "intact ({} entries, {} audit records{})",
            self.chains.entries,
            self.chains.audit.records,
            match &self.chain_unreachable {
                Some(_) => ", anchors not checked",
                None => "",
            }
        )
    }
}

/// A digest problem's stable name.
pub fn problem_name(p: Option<&DigestProblem>) -> &'static str {
    match p {
        None => "",
        Some(DigestProblem::BadSignature) => "bad-signature",
        Some(DigestProblem::Altered) => "altered",
        Some(DigestProblem::EntriesChanged) => "entries-changed",
        Some(DigestProblem::BrokenChain) => "broken-chain",
    }
}

/// Checks `log`: its hash chains, the days signed by a `trusted` key, and each day's anchor.
pub fn check(
    log: &Log,
    trusted: &[VerifyingKey],
    anchors: &AnchorSource<'_>,
) -> Result<IntegrityReport, LogError> {
    let started = std::time::Instant::now();
    let chains = log.verify()?;
    let problems = log.verify_digests(trusted)?;
    let mut chain_unreachable = match anchors {
        AnchorSource::Unreachable(why) => Some(why.clone()),
        _ => None,
    };
    let mut days = Vec::new();
    for digest in log.digests()? {
        let problem = problems
            .iter()
            .find(|(day, _)| *day == digest.day)
            .map(|(_, p)| p.clone());
        let anchoring = match anchors {
            AnchorSource::Node(registry) if chain_unreachable.is_none() => {
                match anchoring(registry, &digest) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        chain_unreachable = Some(e.to_string());
                        None
                    }
                }
            }
            _ => None,
        };
        days.push(DayCheck {
            digest,
            problem,
            anchoring,
        });
    }
    // The registry is asked which days each trusted hall key anchored, not only about the days
    // the file still lists: deleting the newest days (or restoring an older copy) leaves no
    // row to ask about.
    let mut missing_days = Vec::new();
    if let (AnchorSource::Node(registry), None) = (anchors, &chain_unreachable) {
        for key in trusted {
            let station = key.to_bytes();
            match registry.anchored_days(station) {
                Ok(anchored) => {
                    for (day, a) in anchored {
                        let kept = days
                            .iter()
                            .any(|d| d.digest.day == day && d.digest.public_key == station);
                        if !kept {
                            missing_days.push(MissingDay {
                                station,
                                day,
                                anchored: a,
                            });
                        }
                    }
                }
                Err(e) => {
                    chain_unreachable = Some(e.to_string());
                    break;
                }
            }
        }
    }
    Ok(IntegrityReport {
        chains,
        days,
        missing_days,
        signatures_checked: !trusted.is_empty(),
        chain_unreachable,
        took: started.elapsed(),
    })
}

fn anchoring(registry: &Registry, digest: &DayDigest) -> Result<Anchoring, RegistryError> {
    Ok(match registry.log_digest(digest.public_key, digest.day)? {
        Some(a) if a.digest == digest.digest => Anchoring::Anchored { block: a.block },
        Some(_) => Anchoring::Differs,
        None if digest.anchor_tx.is_some() => Anchoring::Missing,
        None => Anchoring::NotAnchored,
    })
}

/// A supervisor's integrity check: [`check`] on `read`, recorded in `audit`'s trail as
/// `actor` with its outcome. Not recorded, not done: the report is returned only once its
/// record has committed.
pub fn run(
    read: &Log,
    audit: &mut Log,
    trusted: &[VerifyingKey],
    anchors: &AnchorSource<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(IntegrityReport, u64), ReviewError> {
    let report = check(read, trusted, anchors).map_err(ReviewError::Log)?;
    let seq = audit
        .audit(
            &actor.id,
            &actor.role,
            "integrity.run",
            &report.summary(),
            now,
        )
        .map_err(ReviewError::NotRecorded)?;
    tracing::info!(result = %report.summary(), "integrity check");
    Ok((report, seq))
}
