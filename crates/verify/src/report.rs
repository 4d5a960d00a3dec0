//! The verification report: a verdict, and the checks that led to it.

use chrono::{DateTime, Utc};
use countersign_chainstate::ChainView;
use countersign_merkle::NodeHash;
use countersign_vocab::Verdict;
use std::fmt;

/// The checks, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckId {
    /// The payload decodes, is strict JSON, is a VC 2.0 credential and matches its type's schema.
    Format,
    /// The eddsa-jcs-2022 proof verifies (cryptography alone).
    Signature,
    /// The signing key is the credential's issuer, registered, active and allowed this type.
    Issuer,
    /// Now lies within validFrom..validUntil.
    Validity,
    /// The credential's batch root is anchored on the registry by its issuer.
    Anchor,
    /// Neither the credential, nor any sub-batch above it, nor its batch is revoked.
    Revocation,
}

impl CheckId {
    /// All checks in report order.
    pub const ALL: [CheckId; 6] = [
        Self::Format,
        Self::Signature,
        Self::Issuer,
        Self::Validity,
        Self::Anchor,
        Self::Revocation,
    ];

    /// The stable id used in JSON, logs and message keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Format => "format",
            Self::Signature => "signature",
            Self::Issuer => "issuer",
            Self::Validity => "validity",
            Self::Anchor => "anchor",
            Self::Revocation => "revocation",
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a check was not carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// No chain is configured, so chain checks cannot run at all.
    NotConfigured,
    /// It should have been checked but could not be: unreadable input, chain unreachable, an
    /// unknown registry, no data yet. Makes the verdict UNVERIFIABLE.
    CouldNotCheck,
    /// An earlier check failed, so this one has nothing sound to work on.
    AfterFailure,
}

/// The outcome of one check. "Could not check" ([`CheckOutcome::Skipped`]) and "checked and bad"
/// ([`CheckOutcome::Fail`]) are different variants so nobody can confuse them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Checked and good.
    Pass,
    /// Checked and good, with something a person should know.
    Warn,
    /// Checked and bad: forged, tampered, expired, revoked, untrusted.
    Fail,
    /// Not checked.
    Skipped(SkipReason),
}

impl CheckOutcome {
    /// `pass`, `warn`, `fail` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Skipped(_) => "skipped",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// Its outcome.
    pub outcome: CheckOutcome,
    /// A stable reason code (`signature.mismatch`, `validity.expired` …) that front ends map to
    /// the clerk's language and to what to do next.
    pub code: &'static str,
    /// What was found, in English, for logs and `--json`.
    pub detail: String,
}

/// One subject field, labelled for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// JSON member name.
    pub key: String,
    /// Chinese label (the key itself for unknown types).
    pub label_zh: String,
    /// English label (the key itself for unknown types).
    pub label_en: String,
    /// The value as text.
    pub value: String,
    /// A personal number to show masked unless revealed.
    pub sensitive: bool,
}

/// What the credential says, for the verdict screen and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSummary {
    /// The credential's `id`.
    pub id: Option<String>,
    /// The credential type.
    pub type_name: String,
    /// Chinese type name, when the type is known.
    pub type_label_zh: Option<String>,
    /// English type name, when the type is known.
    pub type_label_en: Option<String>,
    /// The issuer's identifier.
    pub issuer_id: String,
    /// The issuer's registered name when the chain knows it, else the name it claims.
    pub issuer_name: Option<String>,
    /// Whether `issuer_name` comes from the registry.
    pub issuer_name_registered: bool,
    /// Validity start.
    pub valid_from: Option<DateTime<Utc>>,
    /// Validity end.
    pub valid_until: Option<DateTime<Utc>>,
    /// Subject fields in display order.
    pub fields: Vec<Field>,
}

/// The result of verifying one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The verdict.
    pub verdict: Verdict,
    /// Every check, in [`CheckId::ALL`] order.
    pub checks: Vec<Check>,
    /// What the credential says, when it could be read.
    pub summary: Option<CredentialSummary>,
    /// The credential's leaf hash (its identity in the log and on chain).
    pub leaf: Option<NodeHash>,
    /// The chain state used, when one was consulted.
    pub chain: Option<ChainView>,
    /// The time verification ran at (from the injected clock).
    pub checked_at: DateTime<Utc>,
    /// Warnings that do not change the verdict (or did, under a fail-closed policy).
    pub warnings: Vec<Warning>,
}

/// A warning beside the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Stable code, e.g. `chain.stale`.
    pub code: &'static str,
    /// English detail.
    pub detail: String,
}

impl Report {
    /// The check with this id.
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Ids of the failing checks.
    pub fn failing(&self) -> Vec<CheckId> {
        self.checks
            .iter()
            .filter(|c| c.outcome == CheckOutcome::Fail)
            .map(|c| c.id)
            .collect()
    }
}

/// The verdict that a list of checks implies.
pub fn verdict_of(checks: &[Check]) -> Verdict {
    if checks.iter().any(|c| c.outcome == CheckOutcome::Fail) {
        Verdict::Invalid
    } else if checks.iter().any(|c| {
        matches!(
            c.outcome,
            CheckOutcome::Skipped(SkipReason::NotConfigured | SkipReason::CouldNotCheck)
        )
    }) {
        Verdict::Unverifiable
    } else {
        Verdict::Valid
    }
}

/// Masks a personal value for display: long numbers keep their first 6 and last 4 characters
/// (`110105********1000`), short values such as names keep their first character (`张*`).
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0 => return String::new(),
        1 => return "*".to_owned(),
        2..=4 => (1, 0),
        5..=9 => (2, 2),
        _ => (6, 4),
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

impl Field {
    /// The value as it may be shown: masked when sensitive and not revealed.
    pub fn display_value(&self, reveal: bool) -> String {
        if self.sensitive && !reveal {
            mask(&self.value)
        } else {
            self.value.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_keep_what_a_clerk_compares() {
        assert_eq!(mask("11010519491231002X"), "110105********002X");
        assert_eq!(mask("张三"), "张*");
        assert_eq!(mask("欧阳娜娜"), "欧***");
        assert_eq!(mask("上海市浦东新区"), "上海***新区");
        assert_eq!(mask(""), "");
        assert_eq!(mask("x"), "*");
    }
}
