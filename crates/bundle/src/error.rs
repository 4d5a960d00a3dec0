//! Why a bundle was refused or could not be used, in two parts: what is wrong and what IT
//! should do about it (the health check shows them separately; the message joins them).

use std::path::Path;

/// The kinds of failure, each with a stable code for front ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No bundle at the path looked in.
    NoBundle,
    /// The bundle (or another input) could not be read.
    Unreadable,
    /// A bundle without a signature (a draft from `provision create`).
    Unsigned,
    /// Not a bundle, or a bundle whose content breaks the format's rules.
    Malformed,
    /// A bundle in a format this build does not read.
    UnsupportedFormat,
    /// No trusted authority key on this machine.
    NoTrustAnchor,
    /// The trusted authority key given or installed cannot be read.
    BadTrustAnchor,
    /// Signed with another algorithm than the trusted authority key's (SM2 where the machine
    /// trusts an Ed25519 authority, or the reverse).
    AlgorithmMismatch,
    /// Signed by a key other than the trusted authority's.
    UntrustedKey,
    /// The signature does not match the content: altered after signing.
    BadSignature,
    /// The bundle of another hall than this machine's.
    OtherHall,
    /// Not newer than the bundle installed.
    NotNewer,
    /// An update from another authority than the installed bundle's.
    AuthorityChanged,
    /// The mirror snapshot the bundle names is not beside it.
    SnapshotMissing,
    /// The mirror snapshot's SHA-256 differs from the bundle's.
    SnapshotDigest,
    /// The mirror snapshot holds another registry or block than the bundle says.
    SnapshotMismatch,
    /// A file could not be written.
    Write,
    /// An authority key file cannot be used.
    KeyFile,
    /// The OS random source failed.
    Random,
}

impl ErrorKind {
    /// A stable code (`bundle.tampered` …) for the setup screen and fleet monitoring.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoBundle => "bundle.missing",
            Self::Unreadable => "bundle.unreadable",
            Self::Unsigned => "bundle.unsigned",
            Self::Malformed => "bundle.malformed",
            Self::UnsupportedFormat => "bundle.format",
            Self::NoTrustAnchor => "trust.none",
            Self::BadTrustAnchor => "trust.unreadable",
            Self::AlgorithmMismatch => "bundle.algorithm",
            Self::UntrustedKey => "bundle.untrusted",
            Self::BadSignature => "bundle.tampered",
            Self::OtherHall => "bundle.other-hall",
            Self::NotNewer => "bundle.not-newer",
            Self::AuthorityChanged => "bundle.authority-changed",
            Self::SnapshotMissing => "snapshot.missing",
            Self::SnapshotDigest => "snapshot.digest",
            Self::SnapshotMismatch => "snapshot.mismatch",
            Self::Write => "write",
            Self::KeyFile => "key-file",
            Self::Random => "random",
        }
    }

    /// Whether the bundle itself (or its trust) was refused, as opposed to a file that could
    /// not be read or written.
    pub fn is_refusal(self) -> bool {
        !matches!(
            self,
            Self::NoBundle | Self::Unreadable | Self::Write | Self::KeyFile | Self::Random
        )
    }
}

/// A bundle refused, or provisioning that could not be done.
#[derive(Debug, thiserror::Error)]
#[error("{problem}: {action}")]
pub struct BundleError {
    /// Which failure.
    pub kind: ErrorKind,
    /// What is wrong.
    pub problem: String,
    /// What IT should do.
    pub action: String,
    /// The I/O error underneath, if any.
    #[source]
    pub source: Option<std::io::Error>,
}

fn show(path: &Path) -> String {
    path.display().to_string()
}

impl BundleError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, problem: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            kind,
            problem: problem.into(),
            action: action.into(),
            source: None,
        }
    }

    /// Its stable code.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub(crate) fn no_bundle(path: &Path) -> Self {
        Self::new(
            ErrorKind::NoBundle,
            format!("there is no hall bundle at {}", show(path)),
            "copy the hall's bundle from the provincial IT authority there, or name it (countersign provision apply FILE, or COUNTERSIGN_BUNDLE)",
        )
    }

    pub(crate) fn unreadable(path: &Path, source: std::io::Error) -> Self {
        let problem = format!("cannot read {}: {source}", show(path));
        Self {
            source: Some(source),
            ..Self::new(
                ErrorKind::Unreadable,
                problem,
                "check the file's name and permissions",
            )
        }
    }

    pub(crate) fn unsigned(path: &Path) -> Self {
        Self::new(
            ErrorKind::Unsigned,
            format!("{} is not signed", show(path)),
            "only a bundle signed by the provincial IT authority can be applied: have it signed (countersign provision sign --key authority.key.json FILE --out hall.bundle)",
        )
    }

    pub(crate) fn malformed(path: &Path, why: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::Malformed,
            format!("{} is not a valid hall bundle: {why}", show(path)),
            "ask the provincial IT authority for a correct bundle",
        )
    }

    pub(crate) fn unsupported_format(path: &Path, found: &str) -> Self {
        Self::new(
            ErrorKind::UnsupportedFormat,
            format!(
                "{} is in format {found:?}, which this build does not read (it reads {:?})",
                show(path),
                crate::FORMAT
            ),
            "update Countersign on this machine first, then apply the bundle",
        )
    }

    pub(crate) fn no_trust_anchor(authority_file: &Path) -> Self {
        Self::new(
            ErrorKind::NoTrustAnchor,
            "this machine trusts no provisioning authority yet (a bundle's own key is never trusted just because it is inside it)",
            format!(
                "install the provincial IT authority's public key (64 hex digits, or sm2: and 66 for an SM2 authority) as {}, or pass --authority KEY|FILE (or set COUNTERSIGN_AUTHORITY)",
                show(authority_file)
            ),
        )
    }

    pub(crate) fn bad_trust_anchor(from: &str, why: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::BadTrustAnchor,
            format!("the trusted authority key from {from} cannot be read: {why}"),
            "give the authority's public key as its text (64 hex digits, or sm2: and 66 hex digits for an SM2 authority) or a file holding it",
        )
    }

    pub(crate) fn algorithm_mismatch(
        path: &Path,
        signed_with: countersign_crypto::SigAlg,
        trusted: &countersign_crypto::PublicKey,
        from: &str,
    ) -> Self {
        Self::new(
            ErrorKind::AlgorithmMismatch,
            format!(
                "{} is signed with {signed_with}, but the authority this machine trusts has an {} key ({}, from {from}): a signature is checked only under the trusted key's algorithm",
                show(path),
                trusted.alg(),
                crate::sign::key_hex(trusted)
            ),
            "use a bundle signed with the trusted authority's key; if the province moved its authority to another algorithm (国密: SM2), install its new public key as this machine's authority first",
        )
    }

    pub(crate) fn untrusted_key(path: &Path, signer: &str, trusted: &str, from: &str) -> Self {
        Self::new(
            ErrorKind::UntrustedKey,
            format!(
                "{} is signed by key {signer}, not by the authority this machine trusts ({trusted}, from {from})",
                show(path)
            ),
            "use a bundle signed by the provincial IT authority this machine trusts, or correct the trusted key",
        )
    }

    pub(crate) fn bad_signature(path: &Path) -> Self {
        Self::new(
            ErrorKind::BadSignature,
            format!(
                "{} was changed after it was signed: its signature does not match its content",
                show(path)
            ),
            "do not use this file; get the original bundle from the provincial IT authority again",
        )
    }

    pub(crate) fn other_hall(
        path: &Path,
        bundle_hall: &str,
        machine_hall: &str,
        from: &str,
        applied: &Path,
    ) -> Self {
        Self::new(
            ErrorKind::OtherHall,
            format!(
                "{} is the bundle of hall {bundle_hall}, but this machine is hall {machine_hall} ({from})",
                show(path)
            ),
            format!(
                "use hall {machine_hall}'s bundle; to move this machine to another hall, remove {} and the hall key, then apply the new hall's bundle",
                show(applied)
            ),
        )
    }

    pub(crate) fn not_newer(path: &Path, version: u64, installed: u64) -> Self {
        Self::new(
            ErrorKind::NotNewer,
            format!(
                "{} is version {version}, not newer than version {installed} already applied on this machine",
                show(path)
            ),
            "apply the newest bundle (the authority raises the version with every update); an older bundle is never applied over a newer one",
        )
    }

    pub(crate) fn authority_changed(
        path: &Path,
        new: &str,
        installed: &str,
        applied: &Path,
    ) -> Self {
        Self::new(
            ErrorKind::AuthorityChanged,
            format!(
                "{} is signed by authority {new}, but the bundle applied on this machine came from authority {installed}",
                show(path)
            ),
            format!(
                "an update must come from the same authority; to hand this machine to another authority, remove {} and apply again with --authority",
                show(applied)
            ),
        )
    }

    pub(crate) fn snapshot_missing(path: &Path, snapshot: &Path) -> Self {
        Self::new(
            ErrorKind::SnapshotMissing,
            format!(
                "{} names the registry mirror snapshot {}, which is not there",
                show(path),
                show(snapshot)
            ),
            "copy the snapshot file that came with the bundle next to the bundle",
        )
    }

    pub(crate) fn snapshot_digest(
        snapshot: &Path,
        hash: countersign_crypto::HashAlg,
        expected: &str,
        found: &str,
    ) -> Self {
        let hash = match hash {
            countersign_crypto::HashAlg::Sha256 => "SHA-256",
            countersign_crypto::HashAlg::Sm3 => "SM3",
        };
        Self::new(
            ErrorKind::SnapshotDigest,
            format!(
                "the registry mirror snapshot {} is not the file the bundle was signed with ({hash} {found}, the bundle says {expected})",
                show(snapshot)
            ),
            "copy the snapshot that came with the bundle again (the file was damaged or replaced)",
        )
    }

    pub(crate) fn snapshot_mismatch(snapshot: &Path, why: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::SnapshotMismatch,
            format!(
                "the registry mirror snapshot {} does not hold what the bundle says: {why}",
                show(snapshot)
            ),
            "ask the provincial IT authority for a bundle and snapshot made together",
        )
    }

    pub(crate) fn write(path: &Path, source: std::io::Error) -> Self {
        let problem = format!("cannot write {}: {source}", show(path));
        Self {
            source: Some(source),
            ..Self::new(
                ErrorKind::Write,
                problem,
                "check that the folder exists and is writable (applying to /etc/countersign needs root) and that the disk is not full",
            )
        }
    }

    pub(crate) fn key_file(path: &Path, why: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::KeyFile,
            format!("{} is not a usable authority key file: {why}", show(path)),
            "give the file written by countersign provision keygen",
        )
    }
}
