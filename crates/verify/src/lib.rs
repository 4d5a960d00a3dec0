//! The one verification pipeline of Countersign. A payload goes in (the `CS1:` text a scanner
//! types, a credential's JSON, or a picture with a QR code in it); a [`Report`] comes out: an
//! overall [`Verdict`](countersign_vocab::Verdict) and the checks `format`, `signature`,
//! `issuer`, `validity`, `anchor` and `revocation`, each passed, failed, warned or skipped with
//! a reason.
//!
//! The CLI uses it now and the desktop app later, through the same functions.
//! Time and chain state are parameters: the pipeline never reads the system clock, the
//! network or a database itself ([`Clock`], [`countersign_chainstate::ChainState`]).
//! Without a chain, chain checks are `skipped`, never `pass`, and the verdict is at best
//! UNVERIFIABLE; an unreachable chain can make a credential amber, never red.

mod input;
pub mod json;
mod pipeline;
pub mod report;

pub use input::{verify_bytes, verify_image, verify_json, verify_text};
pub use pipeline::verify_document;
pub use report::{
    mask, Check, CheckId, CheckOutcome, CredentialSummary, Field, Report, SkipReason, Warning,
};

use chrono::{DateTime, Duration, Utc};
use countersign_chainstate::ChainState;

/// The time verification runs at.
pub trait Clock {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock; binaries pass it in, tests pass a [`FixedClock`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The hall's verification policy.
#[derive(Debug, Clone, Copy)]
pub struct VerificationPolicy {
    /// Chain state older than this earns a warning.
    pub max_chain_age: Duration,
    /// Turn a VALID verdict on too-old chain state into UNVERIFIABLE instead of warning.
    pub fail_closed_when_stale: bool,
    /// How far ahead of this clock a chain state's check time may be before it counts as
    /// stale (not fresh "until then").
    pub max_clock_skew: Duration,
    /// The signature and hash algorithms the province accepts (its hall bundle's profile): a
    /// credential under another is refused before its signature is checked.
    pub algorithms: countersign_crypto::Policy,
}

impl Default for VerificationPolicy {
    fn default() -> Self {
        Self {
            max_chain_age: Duration::hours(i64::from(countersign_defaults::MAX_CHAIN_AGE_HOURS)),
            fail_closed_when_stale: countersign_defaults::FAIL_CLOSED_WHEN_STALE,
            max_clock_skew: Duration::seconds(countersign_defaults::MAX_CLOCK_SKEW_SECONDS),
            algorithms: countersign_crypto::Policy::default(),
        }
    }
}

/// Everything verification depends on besides the input.
#[derive(Clone, Copy)]
pub struct Params<'a> {
    /// The time to check validity against.
    pub clock: &'a dyn Clock,
    /// The registry state, or `None` when no chain is configured.
    pub chain: Option<&'a dyn ChainState>,
    /// The hall's policy.
    pub policy: VerificationPolicy,
}
