//! The hall log's integrity check, one for the app's console and `countersign log verify`:
//! the entries' hash chain, the audit trail's, each closed day's signed digest, and each
//! digest against the one the hall anchored on the registry. The chain is the only witness
//! outside the hall: a file rewritten by someone who holds the hall key still disagrees with
//! what was anchored.

use crate::review::{Actor, ReviewError};
use chrono::{DateTime, NaiveDate, Utc};
use countersign_chain::{
    connect_first, AnchoredCheckpoint, AnchoredDigest, ConnectError, ProvedRegistry, Registry,
    RegistryError, RpcOptions, Wallet,
};
use countersign_credential::RegistryRef;
use countersign_crypto::{Policy, PublicKey};
use countersign_log::{CheckpointProblem, DayDigest, DigestProblem, Integrity, Log, LogError};

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
    /// The hall key that anchored it, as the registry names it (an Ed25519 key itself, the
    /// SM3 hash of an SM2 key).
    pub station: [u8; 32],
    /// The day.
    pub day: NaiveDate,
    /// What the registry holds.
    pub anchored: AnchoredDigest,
}

/// How the log stands against a checkpoint a trusted hall key anchored on the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointStanding {
    /// The log's tree at that size has the anchored root.
    Matches,
    /// The log's tree at that size has another root: it was rewritten after anchoring.
    Differs,
    /// The log has fewer leaves than were anchored: its newest part was deleted, or the file
    /// is an older copy (rolled back).
    Beyond {
        /// Leaves the log has.
        leaves: u64,
    },
}

impl CheckpointStanding {
    /// A stable name (JSON, the console).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Matches => "matches",
            Self::Differs => "differs-from-anchored",
            Self::Beyond { .. } => "log-shorter-than-anchored",
        }
    }
}

/// A checkpoint anchored on the registry, and how the log stands against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchoredCheck {
    /// The hall key whose station anchored it, as the registry names it.
    pub station: [u8; 32],
    /// What the registry holds.
    pub anchored: AnchoredCheckpoint,
    /// How the log stands.
    pub standing: CheckpointStanding,
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
    /// Checkpoints the file holds that no trusted hall key signed, or whose row disagrees
    /// with its signed note (only when trusted keys were given).
    pub checkpoint_problems: Vec<(u64, CheckpointProblem)>,
    /// Every checkpoint a trusted hall key anchored on the registry, oldest first, the newest
    /// read with a storage proof (only when the anchors were read).
    pub anchored_checkpoints: Vec<AnchoredCheck>,
    /// The days' signatures were checked (some trusted key was given), under the hall's
    /// algorithm policy.
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
            && self.checkpoint_problems.is_empty()
            && self
                .anchored_checkpoints
                .iter()
                .all(|c| c.standing == CheckpointStanding::Matches)
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
        if let Some(c) = self
            .anchored_checkpoints
            .iter()
            .rev()
            .find(|c| c.standing != CheckpointStanding::Matches)
        {
            return checkpoint_text(c);
        }
        if let Some(m) = self.missing_days.first() {
            return format!(
                "day {} was anchored on the registry in block {} but its digest is missing from the log: deleted, or an older copy ({} day(s) missing in all)",
                m.day,
                m.anchored.block,
                self.missing_days.len()
            );
        }
        if let Some(f) = self.chains.tree.findings.first() {
            return format!("changed: {f}");
        }
        if let Some((size, p)) = self.checkpoint_problems.first() {
            return format!(
                "checkpoint of {size} leaves: {}",
                checkpoint_problem_name(*p)
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

/// What an anchored checkpoint says about the log, in words.
pub fn checkpoint_text(c: &AnchoredCheck) -> String {
    match c.standing {
        CheckpointStanding::Matches => format!(
            "matches the checkpoint of {} leaves anchored in block {}",
            c.anchored.size, c.anchored.block
        ),
        CheckpointStanding::Differs => format!(
            "the log was rewritten: its first {} leaves are not what was anchored in block {}",
            c.anchored.size, c.anchored.block
        ),
        CheckpointStanding::Beyond { leaves } => format!(
            "the log has {leaves} leaves but {} were anchored in block {}: its newest part was deleted, or this is an older copy of the log (rolled back)",
            c.anchored.size, c.anchored.block
        ),
    }
}

/// A checkpoint problem's stable name.
pub fn checkpoint_problem_name(p: CheckpointProblem) -> &'static str {
    match p {
        CheckpointProblem::BadSignature => "not-signed-by-the-hall",
        CheckpointProblem::Altered => "altered",
        CheckpointProblem::NotAllowed(_) => "algorithm-not-allowed",
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
        Some(DigestProblem::NotAllowed(_)) => "algorithm-not-allowed",
    }
}

/// Checks `log`: its hash chains (with the file's own hash), the days and checkpoints signed
/// by a `trusted` key with an algorithm `policy` accepts, and each day's anchor.
pub fn check(
    log: &Log,
    trusted: &[PublicKey],
    policy: &Policy,
    anchors: &AnchorSource<'_>,
) -> Result<IntegrityReport, LogError> {
    let started = std::time::Instant::now();
    let mut chain_unreachable = match anchors {
        AnchorSource::Unreachable(why) => Some(why.clone()),
        _ => None,
    };
    // The anchored checkpoints first: the check computes the log's root at their sizes in
    // its one pass over the rows.
    let mut anchored = Vec::new();
    if let AnchorSource::Node(registry) = anchors {
        for key in trusted {
            let station = key.registry_key();
            match anchored_checkpoints(registry, station) {
                Ok(found) => anchored.extend(found.into_iter().map(|a| (station, a))),
                Err(e) => {
                    chain_unreachable = Some(e);
                    anchored.clear();
                    break;
                }
            }
        }
    }
    let sizes: Vec<u64> = anchored.iter().map(|(_, a)| a.size).collect();
    let chains = log.verify_at(&sizes)?;
    let problems = log.verify_digests(trusted, policy)?;
    let checkpoint_problems = if trusted.is_empty() {
        Vec::new()
    } else {
        log.verify_checkpoints(trusted, policy)?
    };
    let anchored_checkpoints = anchored
        .into_iter()
        .map(|(station, a)| {
            let standing = match chains.tree.roots.get(&a.size) {
                None => CheckpointStanding::Beyond {
                    leaves: chains.tree.leaves,
                },
                Some(root) if *root == a.root => CheckpointStanding::Matches,
                Some(_) => CheckpointStanding::Differs,
            };
            AnchoredCheck {
                station,
                anchored: a,
                standing,
            }
        })
        .collect();
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
            let station = key.registry_key();
            match registry.anchored_days(station) {
                Ok(anchored) => {
                    for (day, a) in anchored {
                        let kept = days.iter().any(|d| {
                            d.digest.day == day && d.digest.registry_key() == Some(station)
                        });
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
        checkpoint_problems,
        anchored_checkpoints,
        signatures_checked: !trusted.is_empty(),
        chain_unreachable,
        took: started.elapsed(),
    })
}

/// The checkpoints `station` anchored, oldest first: the history from the registry's events,
/// and the newest from its state with a storage proof, so a node that leaves the newest
/// event out is caught (the proof's checkpoint is added when the events lack it). A node
/// without `eth_getProof` is read by `eth_call`.
fn anchored_checkpoints(
    registry: &Registry,
    station: [u8; 32],
) -> Result<Vec<AnchoredCheckpoint>, String> {
    let mut history = registry
        .anchored_checkpoints(station)
        .map_err(|e| e.to_string())?;
    let newest = match ProvedRegistry::latest(registry).and_then(|p| p.checkpoint_of(station)) {
        Ok(newest) => newest,
        Err(e) if e.is_outage() => return Err(e.to_string()),
        Err(e) => {
            tracing::warn!("the newest anchored checkpoint not proved ({e}); read by eth_call");
            registry.checkpoint_of(station).map_err(|e| e.to_string())?
        }
    };
    if let Some(newest) = newest {
        if !history
            .iter()
            .any(|h| h.size == newest.size && h.root == newest.root)
        {
            tracing::warn!(
                size = newest.size,
                "the node's events lack the newest anchored checkpoint"
            );
            history.push(newest);
        }
    }
    Ok(history)
}

/// Anchors the log's newest checkpoint on the registry from the station's `account`, unless
/// it is anchored already; returns it with where it went. A registry that holds a larger
/// checkpoint for this hall refuses ([`RegistryError::CheckpointNotNewer`]): this log is older
/// than what it anchored.
pub fn anchor_checkpoint(
    log: &mut Log,
    registry: &Registry,
    account: &Wallet,
) -> Result<
    Option<(countersign_log::StoredCheckpoint, countersign_chain::Mined)>,
    CheckpointAnchorError,
> {
    let Some(newest) = log.newest_checkpoint()? else {
        return Ok(None);
    };
    if newest.anchored.is_some() {
        return Ok(None);
    }
    let mined = registry.anchor_checkpoint(account, newest.size, newest.root)?;
    let tx = format!("0x{}", hex::encode(mined.tx));
    log.set_checkpoint_anchored(newest.size, &tx, mined.block)?;
    Ok(Some((newest, mined)))
}

/// A checkpoint could not be anchored.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointAnchorError {
    /// The log could not be read or written.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The registry refused or could not be reached.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

fn anchoring(registry: &Registry, digest: &DayDigest) -> Result<Anchoring, RegistryError> {
    // A stored key that is no key cannot be asked about (its day is a bad signature already).
    let Some(station) = digest.registry_key() else {
        return Ok(if digest.anchor_tx.is_some() {
            Anchoring::Missing
        } else {
            Anchoring::NotAnchored
        });
    };
    Ok(match registry.log_digest(station, digest.day)? {
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
    trusted: &[PublicKey],
    policy: &Policy,
    anchors: &AnchorSource<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(IntegrityReport, u64), ReviewError> {
    let report = check(read, trusted, policy, anchors).map_err(ReviewError::Log)?;
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
