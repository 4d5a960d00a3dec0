//! Hall bundles: what a hall's counters are provisioned with, signed by the provincial IT
//! authority, and how a counter PC accepts one.
//!
//! A hall bundle (docs/PROTOCOL.md §10) says everything a hall's counters need: the
//! hall and its counters, the chain endpoints and registry, the policies (stale chain state,
//! fail-closed, retention, privacy masks, auto-print), printers, scanners, language, updates,
//! the algorithms it works with (`crypto`: the standard profile, or the national 国密 profile
//! of SM2 and SM3, and which others it still accepts), and optionally a registry mirror
//! snapshot for halls installed offline. The authority signs it with Ed25519, or SM2 under the
//! national profile, over a domain tag and the RFC 8785 form of the bundle ([`sign()`]); a
//! machine accepts it ([`Machine::verify`], [`Machine::apply`]) only from the authority it
//! trusts (given, installed in `authority.pub`, or that of the bundle already applied: never
//! the bundle's own key), only under that key's algorithm, only for its own hall, only at a
//! higher version than it has, and only with the very snapshot it was signed with.
//! [`Settings`] is the typed view the app starts from.
//!
//! [`provision`] holds the counter PC's use cases every front end calls: apply a bundle (a
//! file for `countersign provision apply`, its bytes and a typed key for the app's setup
//! screen) and record the counter the setup screen chose.
//!
//! It is not the app's configuration reader for anything the bundle does not say (idle lock,
//! sound, sync interval stay the app's), it does not decide which counter a PC is (IT does, on
//! the setup screen; this only records it in the file the app names), and it never installs
//! software: `updates` is data for the updater. It does no network I/O and takes time from the
//! caller: checking that a provisioned PC is healthy (its nodes, printers, files) is
//! `countersign-doctor`'s, and where the folders are is `countersign-paths`'.

mod error;
mod machine;
mod model;
pub mod provision;
mod settings;
mod sign;
mod snapshot;
mod trust;

pub use error::{BundleError, ErrorKind};
pub use machine::{write_atomic, Applied, Expect, Machine, MirrorOutcome, VerifiedBundle};
pub use model::{
    Bundle, Chain, CounterEntry, CryptoEntry, Hall, Policies, PrinterEntry, ScannerEntry,
    SnapshotRef, Updates, FORMAT,
};
pub use settings::{
    ChainSettings, CounterInfo, HallInfo, Language, PrinterSetting, Scanner, Settings,
    SnapshotInfo, UpdateSettings,
};
pub use sign::{
    key_hex, parse_public_key, sign, signing_input, AuthorityKey, Envelope, SignedBundle,
    MAX_BUNDLE_BYTES, SIGNING_DOMAIN,
};
pub use snapshot::write_snapshot;
pub use trust::{parse_authority, read_public_key_file, Anchor, TrustSource};
