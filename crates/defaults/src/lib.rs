//! The compiled-in defaults of Countersign, in one place, each with the reason for its value.
//! A hall bundle (or, for tests and IT, a `COUNTERSIGN_*` variable) overrides most of them;
//! what is here is what a hall gets when nobody said otherwise. Every crate that needs one of
//! these reads it from here: a default written twice drifts (the chain age once lived in three
//! files).
//!
//! Plain constants, no dependencies: the lowest crates can use it.

/// Chain state older than this earns a "stale" warning on every verdict, and under the
/// fail-closed policy turns VALID into CANNOT CONFIRM. A day: a hall offline overnight still
/// verifies with a warning in the morning, and a revocation reaches every hall within a day.
pub const MAX_CHAIN_AGE_HOURS: u32 = 24;

/// Whether VALID on stale chain state becomes CANNOT CONFIRM. Off: most halls would rather
/// serve citizens with a warning during an outage than turn them away; a province may choose
/// otherwise in its bundle.
pub const FAIL_CLOSED_WHEN_STALE: bool = false;

/// Days a log entry keeps its masked subject summary before it is purged (the entry and its
/// hash stay). Three months: long enough for a complaint to be looked into, short enough for
/// the personal-information rules halls work under.
pub const RETENTION_DAYS: u32 = 90;

/// Minutes without input before the counter locks itself and the clerk must sign in again.
pub const IDLE_LOCK_MINUTES: u32 = 5;

/// The hall's UTC offset, in seconds east of Greenwich, when the bundle names none: China
/// Standard Time (+08:00), where every hall so far is.
pub const HALL_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// The screen's language when the bundle names none.
pub const LANGUAGE: &str = "zh-CN";

/// Seconds between mirror syncs while a node is reachable: a new revocation reaches an online
/// hall's mirror within half a minute, at one small request per node per round.
pub const SYNC_INTERVAL_SECONDS: u64 = 30;

/// Seconds a failed chain node is left alone before a verification tries it again, so that an
/// offline hall does not wait on a dead node at every scan.
pub const NODE_RETRY_AFTER_SECONDS: u64 = 30;

/// Seconds within which the same credential scanned again (a scanner's double read, a clerk's
/// second try) is shown again but not logged twice.
pub const REPEAT_WINDOW_SECONDS: i64 = 5;

/// The longest pause, in milliseconds, between two keys of one keyboard-wedge scanner burst:
/// scanners type a character every few milliseconds, people every hundred or more.
pub const SCANNER_GAP_MS: u32 = 80;

/// A serial scanner's line speed when the bundle names none (what CDC-ACM scanners ship with).
pub const SERIAL_BAUD: u32 = 9600;

/// The largest picture the counter accepts (opened, dropped or pasted): a phone photo is a few
/// MB; more is not a credential picture.
pub const MAX_IMAGE_BYTES: usize = 32 * 1024 * 1024;

/// Seconds a chain's head (or a mirror's sync time) may be ahead of this computer's clock
/// before it counts as "from the future" and earns a `chain.stale` warning: block times have
/// one-second resolution and hall clocks drift; two minutes is far above both and far below
/// what a node lying about time would need to keep a mirror "fresh".
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 120;

/// Blocks a node's head may be below the newest block another node shows before the node
/// counts as stale (stopped following the chain), is reported and left out. Two: nodes of a
/// consortium chain with immediate finality (QBFT, PBFT) differ by a block at most while one
/// propagates; more would let a stuck node hide the newest blocks' revocations for as long as
/// a chain that makes blocks only for transactions takes to make that many.
pub const MAX_NODE_LAG_BLOCKS: u64 = 2;

/// Seconds a node that lied (an answer that did not prove, another block than the others, a
/// head from the future) is left out before it is asked again: long enough not to be asked at
/// every scan, short enough that a node fixed by IT rejoins within minutes.
pub const NODE_DEMOTED_SECONDS: u64 = 600;

/// Leaves (entries, audit records, closed days) after which the station signs a checkpoint of
/// its log's tree, and minutes after which it signs one for whatever is new: a file rewritten
/// or cut between two checkpoints loses at most this much to a local check, and a checkpoint
/// costs one signature and one small row (docs/BENCHMARKS.md). A day's close always signs one.
pub const CHECKPOINT_EVERY_LEAVES: u64 = 100;

/// See [`CHECKPOINT_EVERY_LEAVES`].
pub const CHECKPOINT_EVERY_MINUTES: i64 = 10;

/// Days the hall's clock may be ahead of the newest time the log can vouch for (its newest
/// checkpoint, or the newest block time a verification used) before a purge of subject
/// summaries is refused: a clock moved forward a year must not purge a year early. A purge
/// refused waits for the next verification on a chain state of that time; a hall closed for
/// a long holiday purges after its first verifications.
pub const MAX_PURGE_LEAP_DAYS: i64 = 14;

/// Minutes between the station's anchors of its log's newest checkpoint on the registry (and
/// one at start): what came after the newest anchor is all that someone with the file and the
/// hall key could still rewrite unseen, and an anchor is one transaction of ~100,000 gas, 24 a
/// day for a hall open round the clock (docs/PROTOCOL.md §8.1).
pub const ANCHOR_EVERY_MINUTES: u64 = 60;
