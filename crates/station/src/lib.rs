//! The counter's use cases, shared by the desktop app and the command line: a verification
//! report is turned into a log entry under the hall's privacy policy and recorded, and the
//! answer says plainly whether it was logged. The same credential scanned again within a few
//! seconds (a scanner's double read, a clerk's second try) is shown again but not logged twice.
//!
//! It decides nothing about validity (that is `countersign-verify`) and stores nothing itself
//! (that is `countersign-log`); it only joins them the way a counter needs.
//!
//! The hall's profile (standard: Ed25519 and SHA-256; national, 国密: SM2 and SM3) comes in as
//! a [`countersign_crypto::Policy`] from whoever read the hall's settings
//! ([`Station::open_with`]): a new log file hashes with the profile's hash, the hall key signs
//! days, checkpoints and receipts with its own algorithm, and receipts and logs are checked
//! against what the policy accepts. A log file or hall key made under another profile is kept
//! as it is, never silently converted, and said so ([`Station::profile_mismatches`]).

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
use countersign_crypto::{HashAlg, Policy, Profile, SecretKey, SigAlg};
use countersign_log::{DayDigest, Log, LogError, NewEntry, StoredCheckpoint};
use countersign_tlog::note::NoteSigner;
use countersign_verify::{CheckOutcome, Report, SkipReason};
use countersign_vocab::{ChainUsed, CredentialHash, Verdict};
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

/// Where the hall's own records do not follow its profile. Each is kept as it is, because
/// changing it silently would do harm: a log re-hashed would no longer match the checkpoints
/// and days it anchored on the registry, and a hall key replaced would sign with a key no
/// other hall knows until it is registered as the station's. IT is told (the app's status, the
/// doctor) what to do; verification goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileMismatch {
    /// The log file hashes with another hash than the profile's; it keeps its own hash for
    /// its whole life, and a new log file would take the profile's.
    LogHash {
        /// The file's hash.
        file: HashAlg,
        /// The hall's profile.
        profile: Profile,
    },
    /// The hall key is of another algorithm than the profile signs with; it keeps signing
    /// until the hall is re-keyed.
    HallKey {
        /// The key's algorithm.
        key: SigAlg,
        /// The hall's profile.
        profile: Profile,
        /// Whether the hall's policy still accepts the key's algorithm (a province moving
        /// between profiles); when it does not, other halls refuse this hall's receipts.
        accepted: bool,
    },
}

impl ProfileMismatch {
    /// A stable code (status, doctor, JSON).
    pub fn code(&self) -> &'static str {
        match self {
            Self::LogHash { .. } => "profile.log_hash",
            Self::HallKey { .. } => "profile.hall_key",
        }
    }

    /// Whether the hall's own signatures are refused by its own policy (a failure, not a
    /// note).
    pub fn is_refused(&self) -> bool {
        matches!(
            self,
            Self::HallKey {
                accepted: false,
                ..
            }
        )
    }
}

impl std::fmt::Display for ProfileMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LogHash { file, profile } => write!(
                f,
                "the verification log hashes with {file}, not with {want} as the hall's \
                 profile ({profile}) says: it was created before the profile changed and keeps \
                 its own hash, so that it still matches what it anchored. To log under {want}, \
                 archive this file (after its last checkpoint is anchored) and start a new one",
                want = profile.hash(),
            ),
            Self::HallKey {
                key,
                profile,
                accepted,
            } => write!(
                f,
                "the hall key is an {key} key, not {want} as the hall's profile ({profile}) \
                 says{refused}: create an {want} hall key and register it as the station's key \
                 (chain register-station) to re-key the hall",
                want = profile.sig(),
                refused = if *accepted {
                    ""
                } else {
                    "; the hall's policy does not accept its signatures, so its receipts and \
                     checkpoints are refused"
                },
            ),
        }
    }
}

/// What in `log` and the hall key (of algorithm `key`, if there is one) departs from
/// `algorithms`' profile.
pub fn profile_mismatches(
    log: &Log,
    key: Option<SigAlg>,
    algorithms: &Policy,
) -> Vec<ProfileMismatch> {
    let profile = algorithms.signs_with();
    let mut out = Vec::new();
    if log.hash() != profile.hash() {
        out.push(ProfileMismatch::LogHash {
            file: log.hash(),
            profile,
        });
    }
    if let Some(key) = key.filter(|k| *k != profile.sig()) {
        out.push(ProfileMismatch::HallKey {
            key,
            profile,
            accepted: algorithms.allow_sig(key).is_ok(),
        });
    }
    out
}

/// How long a repeated scan of the same credential counts as the same verification.
pub const REPEAT_WINDOW: Duration = Duration::seconds(countersign_defaults::REPEAT_WINDOW_SECONDS);

/// The counter's log, identity and policy.
#[derive(Debug)]
pub struct Station {
    identity: Identity,
    policy: PrivacyPolicy,
    /// The hall's algorithm policy: the profile it signs and hashes with, what it accepts.
    algorithms: Policy,
    log: Log,
    /// Recent verifications: (credential key, time, entry), oldest first.
    recent: VecDeque<([u8; 32], DateTime<Utc>, u64)>,
    /// The hall's UTC offset: receipt ids carry the hall-local date.
    utc_offset: FixedOffset,
    /// The hall id and key that sign day digests: with them the station closes each ended
    /// day by itself (a hall that runs only the app still has signed days).
    day_signer: Option<(String, SecretKey)>,
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
    key: &SecretKey,
    now: DateTime<Utc>,
) -> Result<DayDigest, LogError> {
    let digest = log.close_day(hall, day, offset, key, now)?;
    log.checkpoint(&checkpoint_signer(log, hall, key)?, now)?;
    Ok(digest)
}

/// The hall key as the signer of `log`'s checkpoints: named after the hall's log, with the
/// log's hash in the name when it is not SHA-256 ([`Log::origin`]).
pub fn checkpoint_signer(log: &Log, hall: &str, key: &SecretKey) -> Result<NoteSigner, LogError> {
    NoteSigner::new(&log.origin(hall), key.clone())
        .map_err(|e| LogError::Corrupt(format!("hall {hall:?} cannot name a checkpoint: {e}")))
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
    /// Opens the hall's log under the standard profile ([`Station::open_with`]) and purges
    /// subject summaries older than the policy keeps them.
    pub fn open(
        path: impl AsRef<Path>,
        identity: Identity,
        policy: PrivacyPolicy,
        now: DateTime<Utc>,
    ) -> Result<Self, StationError> {
        Self::open_with(path, identity, policy, Policy::default(), now)
    }

    /// Opens the hall's log for a hall whose algorithm policy is `algorithms` (from the hall's
    /// settings): a new log file hashes with its profile's hash; an existing file keeps its
    /// own, and a difference is logged and listed by [`Station::profile_mismatches`]. Then
    /// purges subject summaries older than the privacy `policy` keeps them.
    pub fn open_with(
        path: impl AsRef<Path>,
        identity: Identity,
        policy: PrivacyPolicy,
        algorithms: Policy,
        now: DateTime<Utc>,
    ) -> Result<Self, StationError> {
        let log = Log::open_with_hash(path, algorithms.signs_with().hash())?;
        for mismatch in profile_mismatches(&log, None, &algorithms) {
            tracing::warn!(code = mismatch.code(), "{mismatch}");
        }
        let mut station = Self {
            identity,
            policy,
            algorithms,
            log,
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

    /// Closes ended days with the hall's key (Ed25519 or SM2) from now on: at once, and then
    /// whenever a verification is recorded on a later day than the last one closed.
    ///
    /// The same key signs checkpoints of the log's tree: every
    /// [`CHECKPOINT_EVERY_LEAVES`](countersign_defaults::CHECKPOINT_EVERY_LEAVES) leaves or
    /// [`CHECKPOINT_EVERY_MINUTES`](countersign_defaults::CHECKPOINT_EVERY_MINUTES) minutes,
    /// whichever comes first, and at each day's close. A key of another algorithm than the
    /// profile's still signs (re-keying is the registry's business) and is named in
    /// [`Station::profile_mismatches`].
    pub fn closing_days_with(mut self, hall: &str, key: SecretKey, now: DateTime<Utc>) -> Self {
        match checkpoint_signer(&self.log, hall, &key) {
            Ok(signer) => self.checkpoints = Some(signer),
            Err(e) => tracing::warn!("no checkpoints for hall {hall:?}: {e}"),
        }
        if key.alg() != self.algorithms.signs_with().sig() {
            for mismatch in profile_mismatches(&self.log, Some(key.alg()), &self.algorithms)
                .into_iter()
                .filter(|m| matches!(m, ProfileMismatch::HallKey { .. }))
            {
                tracing::warn!(code = mismatch.code(), "{mismatch}");
            }
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

    /// The hall's algorithm policy (what it was opened with).
    pub fn algorithms(&self) -> &Policy {
        &self.algorithms
    }

    /// Where the log file and the hall key depart from the hall's profile (see
    /// [`ProfileMismatch`]); empty when both follow it.
    pub fn profile_mismatches(&self) -> Vec<ProfileMismatch> {
        let key = self.day_signer.as_ref().map(|(_, k)| k.alg());
        profile_mismatches(&self.log, key, &self.algorithms)
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
        // The repeat key only dedupes in memory; hashed like the log for one hash per hall.
        let key = report
            .leaf
            .map_or_else(|| self.log.hash().digest(input), |leaf| leaf.0);
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
    policy: countersign_verify::VerificationPolicy,
    log: Result<Station, String>,
}

impl Counter {
    /// A counter verifying against `chain` (none: chain checks are not configured) and
    /// recording in `log` (or the reason it cannot).
    pub fn new(
        chain: Option<ChainSource>,
        policy: countersign_verify::VerificationPolicy,
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

    /// The algorithms the hall accepts (its verification policy's): what a receipt brought to
    /// this counter is checked under, as credentials are.
    pub fn algorithms(&self) -> Policy {
        self.policy.algorithms
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
