//! The counter's use cases, shared by the desktop app and the command line: a verification
//! report is turned into a log entry under the hall's privacy policy and recorded, and the
//! answer says plainly whether it was logged. The same credential scanned again within a few
//! seconds (a scanner's double read, a clerk's second try) is shown again but not logged twice.
//!
//! It decides nothing about validity (that is `countersign-verify`) and stores nothing itself
//! (that is `countersign-log`); it only joins them the way a counter needs.

pub mod anchorer;
mod clock;
pub mod console;
pub mod desk;
pub mod integrity;
mod policy;
pub mod printing;
pub mod receipts;
pub mod review;
pub mod scan;
mod source;

pub use anchorer::{spawn_anchorer, AnchorStatus, Anchorer};
pub use clock::HallClock;
pub use countersign_vocab::Channel;
pub use policy::{Mask, PolicyError, PrivacyPolicy};
pub use source::{spawn_follower, sync_mirror, ChainSource, ChainStatus, SourceError};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, Utc};
use countersign_log::{DayDigest, Log, LogError, NewEntry, StoredCheckpoint};
use countersign_tlog::note::NoteSigner;
use countersign_verify::{CheckOutcome, Report, SkipReason};
use countersign_vocab::{ChainUsed, CredentialHash, Verdict};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::path::Path;

/// Who verifies, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Hall id.
    pub hall: String,
    /// Counter id.
    pub counter: String,
    /// Clerk id (the signed-in clerk).
    pub clerk: String,
}

/// What became of a verification in the log. The clerk is told which, in so many words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logged {
    /// Recorded durably as this entry.
    Entry(u64),
    /// The same credential was verified here moments ago as this entry: shown again, not
    /// logged twice.
    Repeat(u64),
    /// Not recorded. The verdict stands; the clerk must know it is not in the log.
    Failed {
        /// Why, for the clerk's screen and the operator.
        reason: String,
        /// The disk is full or the log read-only (IT must act), as opposed to another fault.
        storage: bool,
    },
}

/// The station cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// The log cannot be opened.
    #[error(transparent)]
    Log(#[from] LogError),
}

/// How long a repeated scan of the same credential counts as the same verification.
pub const REPEAT_WINDOW: Duration = Duration::seconds(countersign_defaults::REPEAT_WINDOW_SECONDS);

/// The counter's log, identity and policy.
#[derive(Debug)]
pub struct Station {
    identity: Identity,
    policy: PrivacyPolicy,
    log: Log,
    /// Recent verifications: (credential key, time, entry), oldest first.
    recent: VecDeque<([u8; 32], DateTime<Utc>, u64)>,
    /// The hall's UTC offset: receipt ids carry the hall-local date.
    utc_offset: FixedOffset,
    /// The hall id and key that sign day digests: with them the station closes each ended
    /// day by itself (a hall that runs only the app still has signed days).
    day_signer: Option<(String, SigningKey)>,
    /// The last hall-local day known closed, so that most verifications skip the check.
    closed_through: Option<NaiveDate>,
    /// The hall key as the log's checkpoint signer (with `day_signer`).
    checkpoints: Option<NoteSigner>,
}

/// What became of a purge of subject summaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purge {
    /// This many summaries were purged (and the purge audited when any were).
    Purged(usize),
    /// The clock is further ahead of the newest time the log can vouch for than a purge
    /// allows: nothing was purged, and the refusal is in the audit trail.
    Refused {
        /// The clock's time.
        now: DateTime<Utc>,
        /// The newest time the log vouches for.
        vouched: DateTime<Utc>,
    },
}

/// Closes the hall-local `day` of `log` with the hall's `key` and signs a checkpoint of the tree
/// it ends (the day's digest is its newest leaf): what the CLI's `log close-day` does, as the
/// station does at each day's close.
pub fn close_day(
    log: &mut Log,
    hall: &str,
    day: NaiveDate,
    offset: FixedOffset,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> Result<DayDigest, LogError> {
    let digest = log.close_day(hall, day, offset, key, now)?;
    let signer = NoteSigner::new(&countersign_log::origin_for(hall), key.clone())
        .map_err(|e| LogError::Corrupt(format!("hall {hall:?} cannot name a checkpoint: {e}")))?;
    log.checkpoint(&signer, now)?;
    Ok(digest)
}

/// Purges the subject summaries `log` holds past `retention_days` as of `now`, and those in
/// its upgrade copies, unless the clock is more than [`MAX_PURGE_LEAP_DAYS`] ahead of what
/// the log vouches for (the newest chain block time a verification used, or its newest
/// checkpoint): moving the clock forward must not purge early. Purges and refusals are
/// audited as `actor`.
///
/// [`MAX_PURGE_LEAP_DAYS`]: countersign_defaults::MAX_PURGE_LEAP_DAYS
pub fn purge_expired(
    log: &mut Log,
    retention_days: u32,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Purge, LogError> {
    if let Some(vouched) = log.vouched_time()? {
        if now - vouched > Duration::days(countersign_defaults::MAX_PURGE_LEAP_DAYS) {
            let detail = format!(
                "the clock ({}) is {} days ahead of the newest time the log vouches for ({}): nothing purged",
                now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                (now - vouched).num_days(),
                vouched.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
            tracing::warn!("purge refused: {detail}");
            log.audit(actor, "system", "purge.refused", &detail, now)?;
            return Ok(Purge::Refused { now, vouched });
        }
    }
    let before = now - Duration::days(i64::from(retention_days));
    let purged = log.purge_personal(before, actor, now)?;
    for removed in log.purge_backups(before)? {
        tracing::info!(copy = %removed.display(), "upgrade copy past retention removed");
    }
    Ok(Purge::Purged(purged))
}

impl Station {
    /// Opens the hall's log and purges subject summaries older than the policy keeps them.
    pub fn open(
        path: impl AsRef<Path>,
        identity: Identity,
        policy: PrivacyPolicy,
        now: DateTime<Utc>,
    ) -> Result<Self, StationError> {
        let mut station = Self {
            identity,
            policy,
            log: Log::open(path)?,
            recent: VecDeque::new(),
            utc_offset: FixedOffset::east_opt(countersign_defaults::HALL_UTC_OFFSET_SECONDS)
                .unwrap_or(Utc.fix()),
            day_signer: None,
            closed_through: None,
            checkpoints: None,
        };
        station.purge_expired(now)?;
        Ok(station)
    }

    /// Sets the hall's UTC offset (China Standard Time, +08:00, unless told otherwise).
    pub fn with_utc_offset(mut self, offset: FixedOffset) -> Self {
        self.utc_offset = offset;
        self
    }

    /// Closes ended days with the hall's key from now on: at once, and then whenever a
    /// verification is recorded on a later day than the last one closed.
    ///
    /// The same key signs checkpoints of the log's tree: every
    /// [`CHECKPOINT_EVERY_LEAVES`](countersign_defaults::CHECKPOINT_EVERY_LEAVES) leaves or
    /// [`CHECKPOINT_EVERY_MINUTES`](countersign_defaults::CHECKPOINT_EVERY_MINUTES) minutes,
    /// whichever comes first, and at each day's close.
    pub fn closing_days_with(mut self, hall: &str, key: SigningKey, now: DateTime<Utc>) -> Self {
        match NoteSigner::new(&countersign_log::origin_for(hall), key.clone()) {
            Ok(signer) => self.checkpoints = Some(signer),
            Err(e) => tracing::warn!("no checkpoints for hall {hall:?}: {e}"),
        }
        self.day_signer = Some((hall.to_string(), key));
        self.tick(now);
        self
    }

    /// What the station does on its own as time passes, called at each verification and
    /// every few seconds by a long-lived front end: closes ended days, signs a checkpoint
    /// when one is due. Failures are for IT (status, doctor) and never cost a verdict.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if let Err(e) = self.close_ended_days(now) {
            tracing::warn!("closing ended days: {e}");
        }
        if let Err(e) = self.checkpoint_if_due(now) {
            tracing::warn!("signing a checkpoint: {e}");
        }
    }

    /// Signs a checkpoint of the log's tree if one is due at `now` (see
    /// [`Station::closing_days_with`]); returns it.
    pub fn checkpoint_if_due(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredCheckpoint>, LogError> {
        let Some(signer) = &self.checkpoints else {
            return Ok(None);
        };
        let size = self.log.tree_size()?;
        let due = match self.log.newest_checkpoint()? {
            None => size > 0,
            Some(last) => {
                size > last.size
                    && (size - last.size >= countersign_defaults::CHECKPOINT_EVERY_LEAVES
                        // A clock set back counts from when it was set back: `now < last.at`
                        // signs at once rather than waiting for the clock to catch up.
                        || now - last.at
                            >= Duration::minutes(countersign_defaults::CHECKPOINT_EVERY_MINUTES)
                        || now < last.at)
            }
        };
        if !due {
            return Ok(None);
        }
        self.log.checkpoint(signer, now)
    }

    /// Signs a checkpoint of the log's tree now, whatever is due (a day's close, a supervisor
    /// before an integrity check); `None` without the hall key or when nothing is new.
    pub fn checkpoint_now(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredCheckpoint>, LogError> {
        match &self.checkpoints {
            Some(signer) => self.log.checkpoint(signer, now),
            None => Ok(None),
        }
    }

    /// Closes, signs and chains every hall-local day that ended before `now` and is not closed
    /// yet (none without the hall's key). Returns the days it closed.
    pub fn close_ended_days(&mut self, now: DateTime<Utc>) -> Result<Vec<DayDigest>, LogError> {
        let Some((hall, key)) = &self.day_signer else {
            return Ok(Vec::new());
        };
        let yesterday = now.with_timezone(&self.utc_offset).date_naive().pred_opt();
        if yesterday.is_some() && self.closed_through >= yesterday {
            return Ok(Vec::new());
        }
        let closed = self.log.close_ended_days(hall, self.utc_offset, key, now)?;
        for day in &closed {
            tracing::info!(day = %day.day, count = day.count, "day closed and signed");
        }
        self.closed_through = yesterday;
        if !closed.is_empty() {
            // A day's close is checkpointed at once: its digest is a leaf.
            self.checkpoint_now(now)?;
        }
        Ok(closed)
    }

    /// The receipt of logged entry `seq`, unsigned; `None` when there is no such entry or it
    /// has no receipt id (entries logged before receipts existed).
    pub fn receipt_of(&self, seq: u64) -> Result<Option<countersign_receipt::Receipt>, LogError> {
        Ok(self
            .log
            .entry(seq)?
            .and_then(|e| receipts::receipt_for(&e.entry)))
    }

    /// The hall-local day's verifications at `now`, newest first, at most `limit`: `clerk`'s
    /// own when given (a clerk's history), else every counter's (a supervisor's).
    pub fn today(
        &self,
        now: DateTime<Utc>,
        clerk: Option<&str>,
        limit: usize,
    ) -> Result<Vec<countersign_log::Entry>, LogError> {
        let day = now.with_timezone(&self.utc_offset).date_naive();
        let (start, end) = countersign_log::day_bounds(day, self.utc_offset)?;
        Ok(self
            .log
            .entries_between(start, end)?
            .into_iter()
            .rev()
            .filter(|e| clerk.is_none_or(|c| e.entry.clerk == c))
            .take(limit)
            .collect())
    }

    /// The log, for reports and checks.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The log, for closing days.
    pub fn log_mut(&mut self) -> &mut Log {
        &mut self.log
    }

    /// Who verifies.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Changes the signed-in clerk.
    pub fn set_clerk(&mut self, clerk: impl Into<String>) {
        self.identity.clerk = clerk.into();
    }

    /// Purges subject summaries past the retention period, unless the clock jumped (see
    /// [`purge_expired`]).
    pub fn purge_expired(&mut self, now: DateTime<Utc>) -> Result<Purge, LogError> {
        purge_expired(&mut self.log, self.policy.retention_days, "system", now)
    }

    /// Records the verification of `input` (the bytes scanned) that produced `report`, under
    /// `receipt` as its receipt id, or a new one when `None` (its receipt, printed now or
    /// later, carries that id).
    pub fn record(
        &mut self,
        report: &Report,
        input: &[u8],
        channel: Channel,
        receipt: Option<String>,
    ) -> Logged {
        let key = report
            .leaf
            .map_or_else(|| Sha256::digest(input).into(), |leaf| leaf.0);
        let at = report.checked_at;
        while self
            .recent
            .front()
            .is_some_and(|(_, t, _)| at - *t > REPEAT_WINDOW || *t > at)
        {
            self.recent.pop_front();
        }
        if let Some((_, _, seq)) = self.recent.iter().rev().find(|(k, _, _)| *k == key) {
            return Logged::Repeat(*seq);
        }
        let receipt = receipt.or_else(|| {
            let day = at.with_timezone(&self.utc_offset).date_naive();
            countersign_receipt::new_receipt_id(day).ok()
        });
        // The first verification of a new day closes the days before it; a failure to close
        // is for IT (the status and doctor show unclosed days) and never costs the verdict.
        if let Err(e) = self.close_ended_days(at) {
            tracing::warn!("closing ended days: {e}");
        }
        let entry = entry_for(report, &self.identity, &self.policy, channel, receipt);
        match self.log.append(&entry) {
            Ok(recorded) => {
                self.recent.push_back((key, at, recorded.seq));
                if let Err(e) = self.checkpoint_if_due(at) {
                    tracing::warn!("signing a checkpoint: {e}");
                }
                Logged::Entry(recorded.seq)
            }
            Err(e) => Logged::Failed {
                storage: e.is_storage_full_or_read_only(),
                reason: e.to_string(),
            },
        }
    }
}

/// The log entry for a report: what failed and why, the chain state used, and the subject
/// summary as the policy keeps it.
pub fn entry_for(
    report: &Report,
    identity: &Identity,
    policy: &PrivacyPolicy,
    channel: Channel,
    receipt: Option<String>,
) -> NewEntry {
    let counted = |o: CheckOutcome| {
        matches!(
            o,
            CheckOutcome::Fail | CheckOutcome::Skipped(SkipReason::CouldNotCheck)
        )
    };
    let failed: Vec<_> = report
        .checks
        .iter()
        .filter(|c| counted(c.outcome))
        .collect();
    let mut failing: Vec<String> = failed.iter().map(|c| c.id.as_str().to_string()).collect();
    let mut reasons: Vec<String> = failed.iter().map(|c| c.code.to_string()).collect();
    // Under fail-closed, chain state too old turns VALID into UNVERIFIABLE with every check
    // passed: without this the log would hold an UNVERIFIABLE with no reason, and the
    // supervisor's stale-mirror rule could not see it. `chain` is not a check id; the log's
    // failing list documents it (PROTOCOL §8).
    if report.verdict == Verdict::Unverifiable
        && report.warnings.iter().any(|w| w.code == "chain.stale")
    {
        failing.push("chain".into());
        reasons.push("chain.stale".into());
    }
    let summary = report.summary.as_ref();
    NewEntry {
        at: report.checked_at,
        hall: identity.hall.clone(),
        counter: identity.counter.clone(),
        clerk: identity.clerk.clone(),
        channel,
        credential_type: summary.map(|s| s.type_name.clone()),
        issuer: summary.map(|s| s.issuer_id.clone()),
        // Only a name the registry vouches for: a claimed name is the credential's say-so.
        issuer_name: summary
            .filter(|s| s.issuer_name_registered)
            .and_then(|s| s.issuer_name.clone()),
        leaf: report.leaf.map(|l| CredentialHash(l.0)),
        verdict: report.verdict,
        failing,
        reasons,
        chain: report.chain.as_ref().map(|c| ChainUsed {
            block: c.block,
            block_time: c.block_time,
            source: c.source.kind(),
        }),
        receipt,
        personal: summary.map_or_else(Default::default, |s| {
            policy.summary(s.fields.iter().map(|f| (f.key.as_str(), f.value.as_str())))
        }),
    }
}

/// A verification and what became of it in the log.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The report.
    pub report: Report,
    /// Logged, a repeat, or not logged (and why).
    pub logged: Logged,
}

/// One counter's whole use case, for a long-lived front end (the desktop app): the chain
/// source, the verification policy, and the hall's log. The log may be unusable (a full disk,
/// a read-only file): the counter still verifies and says, each time, that nothing was logged.
#[derive(Debug)]
pub struct Counter {
    chain: Option<ChainSource>,
    policy: countersign_verify::Policy,
    log: Result<Station, String>,
}

impl Counter {
    /// A counter verifying against `chain` (none: chain checks are not configured) and
    /// recording in `log` (or the reason it cannot).
    pub fn new(
        chain: Option<ChainSource>,
        policy: countersign_verify::Policy,
        log: Result<Station, String>,
    ) -> Self {
        Self { chain, policy, log }
    }

    /// The station, when the log could be opened.
    pub fn station(&self) -> Result<&Station, &str> {
        self.log.as_ref().map_err(String::as_str)
    }

    /// The station, mutably (sign-in changes the clerk).
    pub fn station_mut(&mut self) -> Result<&mut Station, &str> {
        self.log.as_mut().map_err(|e| e.as_str())
    }

    /// The chain source, for status.
    pub fn chain(&self) -> Option<&ChainSource> {
        self.chain.as_ref()
    }

    /// What the counter does on its own as time passes (see [`Station::tick`]).
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if let Ok(station) = &mut self.log {
            station.tick(now);
        }
    }

    /// Verifies what was scanned or opened (CS1 text, credential JSON, a picture) at `now`
    /// and records it.
    pub fn verify(&mut self, input: &[u8], channel: Channel, now: DateTime<Utc>) -> Verified {
        let clock = countersign_verify::FixedClock(now);
        let policy = self.policy;
        let run = |chain: Option<&dyn countersign_chainstate::ChainState>| {
            let params = countersign_verify::Params {
                clock: &clock,
                chain,
                policy,
            };
            countersign_verify::verify_bytes(input, &params)
        };
        let report = match &mut self.chain {
            Some(source) => source.with(|state| run(Some(state))),
            None => run(None),
        };
        let logged = match &mut self.log {
            Ok(station) => station.record(&report, input, channel, None),
            Err(why) => Logged::Failed {
                reason: why.clone(),
                storage: false,
            },
        };
        Verified { report, logged }
    }
}
