//! The counter PC's health: every check `countersign doctor` runs (and the app can show), each
//! ok, warn or fail with what to do about it.
//!
//! The checks read the machine as it is: the applied bundle (through `countersign-bundle`),
//! the SQLite files in the data folder, free disk space, the chain endpoints, the mirror's age,
//! the printer, the scanner and the camera, and the clock against the chain. It is the one
//! part of provisioning that talks to the network and to printers, so the bundle crate stays
//! free of both; it changes nothing on the machine (except that opening the mirror puts it in
//! WAL mode, as the app does), and the time is passed in.

use chrono::{DateTime, Utc};
use countersign_bundle::{key_hex, Machine, Scanner, Settings};
use countersign_chain::{ProvedRegistry, Registry, RegistryError, RpcOptions};
use countersign_chainstate::agree::agree;
use countersign_chainstate::events::BlockRef;
use countersign_chainstate::events::EventSource;
use countersign_crypto::PublicKey;
use countersign_paths::{LOG_FILE, MIRROR_FILE, PRINT_QUEUE_FILE, STAFF_FILE};
use countersign_printing::{PrinterConfig, PrinterState};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but needs attention.
    Warn,
    /// Broken: the counter cannot work as provisioned.
    Fail,
}

impl Status {
    /// `ok`, `warn` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// A stable id (`bundle`, `sqlite.log`, `chain.endpoint.1` …) for fleet monitoring.
    pub id: String,
    /// Its outcome.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do, for a warning or a failure.
    pub action: Option<String>,
}

impl HealthCheck {
    fn ok(id: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            status: Status::Ok,
            detail: detail.into(),
            action: None,
        }
    }

    fn warn(id: impl Into<String>, detail: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            status: Status::Warn,
            detail: detail.into(),
            action: Some(action.into()),
        }
    }

    fn fail(id: impl Into<String>, detail: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            status: Status::Fail,
            detail: detail.into(),
            action: Some(action.into()),
        }
    }
}

/// Every check, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthReport {
    /// The checks.
    pub checks: Vec<HealthCheck>,
}

impl HealthReport {
    /// The worst outcome.
    pub fn status(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Ok)
    }

    /// The check with this id.
    pub fn get(&self, id: &str) -> Option<&HealthCheck> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// What to check and against what.
#[derive(Debug, Clone)]
pub struct Options {
    /// The machine's folders and authority file.
    pub machine: Machine,
    /// An authority trusted for this run (`--authority`).
    pub authority: Option<PublicKey>,
    /// This machine's counter: its printer is checked. Every printer in the bundle when not
    /// known.
    pub counter: Option<String>,
    /// Where device files are (`/dev`): cameras are `video*` there.
    pub device_dir: PathBuf,
    /// How long to wait for one answer from a chain node.
    pub rpc_timeout: Duration,
    /// The time now (for the mirror's age and the clock's skew).
    pub now: DateTime<Utc>,
}

/// Below this much free space the data folder earns a warning.
pub const DISK_WARN_BYTES: u64 = 1024 * 1024 * 1024;
/// Below this much free space the data folder fails: SQLite cannot be trusted to finish writes.
pub const DISK_FAIL_BYTES: u64 = 200 * 1024 * 1024;
/// Clock skew against the chain beyond which the clock earns a warning.
pub const SKEW_WARN_SECS: i64 = 120;
/// Clock skew beyond which the clock fails (validity dates and log times are then wrong).
pub const SKEW_FAIL_SECS: i64 = 600;

/// Runs every check.
pub fn check(options: &Options) -> HealthReport {
    let mut checks = Vec::new();
    let machine = &options.machine;
    let settings = bundle_check(options, &mut checks);
    checks.push(disk_check(&machine.data_dir));
    checks.push(diagnostics_check(&machine.data_dir));

    let mut intact = std::collections::BTreeMap::new();
    for (id, file) in [
        ("log", LOG_FILE),
        ("mirror", MIRROR_FILE),
        ("staff", STAFF_FILE),
        ("print-queue", PRINT_QUEUE_FILE),
    ] {
        let path = machine.data_dir.join(file);
        if path.exists() {
            let c = integrity_check(id, &path);
            intact.insert(id, c.status == Status::Ok);
            checks.push(c);
        }
    }
    let log = machine.data_dir.join(LOG_FILE);
    if intact.get("log") == Some(&true) {
        checks.push(log_chain_check(&log));
    }

    let Some(settings) = settings else {
        return HealthReport { checks };
    };
    if intact.get("log") == Some(&true) {
        checks.push(profile_check(&machine.data_dir, &log, &settings));
    }
    let (head, up) = endpoint_checks(options, &settings, &mut checks);
    if let Some(head) = head {
        checks.push(clock_check(options.now, &head));
    }
    if intact.get("log") == Some(&true) {
        if let Some(c) = anchored_check(options, &log, &up) {
            checks.push(c);
        }
    }
    if intact.get("mirror") != Some(&false) {
        checks.push(mirror_check(options, &settings));
    }
    printer_checks(options, &settings, &mut checks);
    checks.push(scanner_check(&settings));
    if let Some(c) = camera_check(&options.device_dir) {
        checks.push(c);
    }
    HealthReport { checks }
}

fn bundle_check(options: &Options, checks: &mut Vec<HealthCheck>) -> Option<Settings> {
    let machine = &options.machine;
    match machine.load(options.authority) {
        Ok(Some((bundle, source))) => {
            let s = bundle.settings();
            checks.push(HealthCheck::ok(
                "bundle",
                format!(
                    "hall {} ({}), bundle version {} issued {}, signed by authority {} (trusted from {source})",
                    s.hall.id,
                    s.hall.name,
                    s.version,
                    s.issued_at.to_rfc3339(),
                    key_hex(bundle.authority())
                ),
            ));
            Some(s.clone())
        }
        Ok(None) => {
            checks.push(HealthCheck::fail(
                "bundle",
                format!("no hall bundle is applied in {}", machine.config_dir.display()),
                "apply the hall's bundle from the provincial IT authority: countersign provision apply hall.bundle",
            ));
            None
        }
        Err(e) => {
            checks.push(HealthCheck::fail(
                "bundle",
                e.problem.clone(),
                e.action.clone(),
            ));
            None
        }
    }
}

fn human_bytes(n: u64) -> String {
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    let n = n as f64;
    if n >= GIB {
        format!("{:.1} GiB", n / GIB)
    } else {
        format!("{:.0} MiB", n / (1024.0 * 1024.0))
    }
}

/// Where the programs' diagnostic file is, so IT knows where to look (never a failure: the
/// file is for diagnosis only).
fn diagnostics_check(data_dir: &Path) -> HealthCheck {
    let path = countersign_tracefile::path_in(data_dir);
    let cap = format!(
        "rotated at {} MB, {} older files kept",
        countersign_tracefile::MAX_BYTES / (1024 * 1024),
        countersign_tracefile::KEEP
    );
    match std::fs::metadata(&path) {
        Ok(meta) => HealthCheck::ok(
            "diagnostics",
            format!(
                "{} ({} KB; {cap})",
                path.display(),
                meta.len().div_ceil(1024)
            ),
        ),
        Err(_) => HealthCheck::ok(
            "diagnostics",
            format!("{} (nothing written yet; {cap})", path.display()),
        ),
    }
}

/// The nearest existing folder at or above `path` (free space is asked of a folder that
/// exists).
fn existing_ancestor(path: &Path) -> Option<&Path> {
    path.ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.is_dir())
        .or_else(|| path.is_relative().then_some(Path::new(".")))
}

fn disk_check(data_dir: &Path) -> HealthCheck {
    let Some(dir) = existing_ancestor(data_dir) else {
        return HealthCheck::fail(
            "disk",
            format!(
                "neither {} nor any folder above it exists",
                data_dir.display()
            ),
            "check the data folder (--data-dir, COUNTERSIGN_DATA_DIR)",
        );
    };
    match fs4::available_space(dir) {
        Err(e) => HealthCheck::warn(
            "disk",
            format!("cannot ask the free space of {}: {e}", dir.display()),
            "check the disk by hand (df -h)",
        ),
        Ok(free) => {
            let detail = format!("{} free for {}", human_bytes(free), data_dir.display());
            let action = format!(
                "free space on the disk holding {}: the log, the mirror and the print queue must be able to write (a verification that cannot be logged is said to be unlogged)",
                data_dir.display()
            );
            if free < DISK_FAIL_BYTES {
                HealthCheck::fail("disk", detail, action)
            } else if free < DISK_WARN_BYTES {
                HealthCheck::warn("disk", detail, action)
            } else {
                HealthCheck::ok("disk", detail)
            }
        }
    }
}

fn integrity_check(id: &str, path: &Path) -> HealthCheck {
    let check_id = format!("sqlite.{id}");
    let action = match id {
        "log" => format!(
            "stop the app, copy {} aside as evidence (never delete a log), and tell the hall supervisor and the provincial IT authority; countersign log verify --log FILE shows what can still be read",
            path.display()
        ),
        "mirror" => format!(
            "delete {}: the mirror is a copy of the chain, and the app rebuilds it at its next sync (or apply the hall's bundle again to install its snapshot)",
            path.display()
        ),
        "staff" => format!(
            "stop the app, move {} aside and restore it from a backup, or add the staff accounts again (countersign staff add)",
            path.display()
        ),
        _ => format!(
            "stop the app and move {} aside: receipts still waiting in it must be reprinted from the history",
            path.display()
        ),
    };
    match sqlite_integrity(path) {
        Ok(problems) if problems.is_empty() => {
            HealthCheck::ok(check_id, format!("{}: integrity ok", path.display()))
        }
        Ok(problems) => HealthCheck::fail(
            check_id,
            format!("{} is damaged: {}", path.display(), problems.join("; ")),
            action,
        ),
        Err(e) => HealthCheck::fail(
            check_id,
            format!("{} is damaged or not a database: {e}", path.display()),
            action,
        ),
    }
}

/// `PRAGMA integrity_check` on a read-only connection: the problems it lists (none when ok).
fn sqlite_integrity(path: &Path) -> Result<Vec<String>, rusqlite::Error> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // Ten problems say enough; a badly damaged file can list thousands.
    let mut st = conn.prepare("PRAGMA integrity_check(10)")?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    let mut problems = Vec::new();
    for row in rows {
        let row = row?;
        if row != "ok" {
            problems.push(row);
        }
    }
    Ok(problems)
}

fn log_chain_check(path: &Path) -> HealthCheck {
    let action = format!(
        "the log was changed outside Countersign: keep {} as evidence and tell the hall supervisor; countersign log verify --log FILE names every change",
        path.display()
    );
    let log = match countersign_log::Log::open_read_only(path) {
        Ok(l) => l,
        Err(e) => return HealthCheck::fail("log.chain", e.to_string(), action),
    };
    match log.verify() {
        Ok(i) if i.is_intact() => HealthCheck::ok(
            "log.chain",
            format!(
                "{} entries, hash chains and tree ({} leaves) intact",
                i.entries, i.tree.leaves
            ),
        ),
        Ok(i) => {
            let mut found: Vec<String> = i.findings.iter().map(ToString::to_string).collect();
            found.extend(i.audit.findings.iter().map(ToString::to_string));
            found.extend(i.tree.findings.iter().map(ToString::to_string));
            HealthCheck::fail(
                "log.chain",
                format!(
                    "{} entries; the log was changed: {} ({} change(s) in all)",
                    i.entries,
                    found.first().cloned().unwrap_or_default(),
                    found.len()
                ),
                action,
            )
        }
        Err(e) => HealthCheck::fail("log.chain", e.to_string(), action),
    }
}

/// One check per endpoint; returns the head of the first node that serves the registry, and
/// the nodes that do.
fn endpoint_checks(
    options: &Options,
    settings: &Settings,
    checks: &mut Vec<HealthCheck>,
) -> (Option<BlockRef>, Vec<Registry>) {
    let registry = settings.chain.registry;
    let rpc = RpcOptions {
        timeout: options.rpc_timeout,
        // One try: a health check reports a node that is down, it does not wait it out.
        attempts: 1,
        chain_hash: settings.chain.chain_hash,
        ..RpcOptions::default()
    };
    let mut results = Vec::new();
    for url in &settings.chain.endpoints {
        let result = Registry::connect(url, &registry, rpc.clone())
            .and_then(|r| r.head().map(|head| (r, head)));
        results.push((url, result));
    }
    let any_up = results.iter().any(|(_, r)| r.is_ok());
    let mut head = None;
    let mut up = Vec::new();
    for (i, (url, result)) in results.into_iter().enumerate() {
        let id = format!("chain.endpoint.{}", i + 1);
        match result {
            Ok((node, block)) => {
                checks.push(proof_check(id, url, &node, &block, settings.chain.proofs));
                head = head.or(Some(block));
                up.push(node);
            }
            Err(e @ RegistryError::WrongChainHash { .. }) => checks.push(HealthCheck::fail(
                id,
                format!("{url}: {e}"),
                "the bundle names the wrong hash for this chain (chain.hash: keccak256 for Ethereum-style chains, sm3 for a national-crypto chain): ask the provincial IT authority for a corrected bundle",
            )),
            Err(
                e @ (RegistryError::WrongChain { .. }
                | RegistryError::NoContract { .. }
                | RegistryError::NotRegistry { .. }),
            ) => checks.push(HealthCheck::fail(
                id,
                format!("{url}: {e}"),
                "this node does not serve the hall's registry: check the node (it may still be syncing) and the bundle's chain settings with the provincial IT authority",
            )),
            Err(e) => {
                let detail = format!("{url}: {e}");
                if any_up {
                    checks.push(HealthCheck::warn(
                        id,
                        detail,
                        "the hall uses its other node meanwhile; have this node restarted or the network to it fixed",
                    ));
                } else {
                    checks.push(HealthCheck::fail(
                        id,
                        detail,
                        "no chain node answers: check this PC's network and that the hall's nodes are running (ask the provincial IT authority); the counter verifies from its mirror meanwhile, which grows stale",
                    ));
                }
            }
        }
    }
    if !up.is_empty() {
        checks.push(agreement_check(settings, &up, options.now));
    }
    (head, up)
}

/// The hall's files against the bundle's algorithm profile: a log created under another
/// profile keeps its own hash (a note: it stays verifiable), and a hall key of another
/// algorithm is a warning, or a failure when the bundle no longer accepts it (other halls and
/// the supervisor would refuse this hall's receipts and signed days).
fn profile_check(
    data_dir: &Path,
    log_path: &Path,
    settings: &countersign_bundle::Settings,
) -> HealthCheck {
    let id = "profile";
    let algorithms = settings.algorithms();
    let profile = algorithms.signs_with();
    let log = match countersign_log::Log::open_read_only(log_path) {
        Ok(log) => log,
        Err(e) => {
            return HealthCheck::warn(
                id,
                format!("the log's hash could not be read: {e}"),
                "run countersign doctor again; if it persists, keep the log and tell IT",
            )
        }
    };
    let key = countersign_hallkey::HallKey::read(&data_dir.join("hall.key.json"))
        .ok()
        .map(|k| k.public().alg());
    let mismatches = countersign_station::profile_mismatches(&log, key, &algorithms);
    if mismatches.is_empty() {
        return HealthCheck::ok(
            id,
            format!(
                "the hall's profile is {profile} ({}, {}); the log hashes with {}{}",
                profile.sig(),
                profile.hash(),
                log.hash(),
                key.map(|k| format!(", the hall key is {k}"))
                    .unwrap_or_default()
            ),
        );
    }
    let detail = mismatches
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if mismatches.iter().any(|m| m.is_refused()) {
        HealthCheck::fail(
            id,
            detail,
            "the hall key's algorithm is no longer accepted: have IT make a new hall key of the profile's algorithm (countersign log keygen --profile) and register it as the hall's station",
        )
    } else if mismatches
        .iter()
        .any(|m| matches!(m, countersign_station::ProfileMismatch::HallKey { .. }))
    {
        HealthCheck::warn(
            id,
            detail,
            "before the province stops accepting the old profile, have IT make a new hall key of the profile's algorithm and register it",
        )
    } else {
        HealthCheck::ok(id, detail)
    }
}

/// The log against the newest checkpoint this PC's hall key anchored, read with a storage
/// proof from the first node that serves the registry: a log rolled back to an older copy, cut
/// short or rewritten disagrees. `None` without a hall key or a node.
fn anchored_check(options: &Options, log_path: &Path, up: &[Registry]) -> Option<HealthCheck> {
    let data_dir = &options.machine.data_dir;
    // The registry names the station by its registry key: the Ed25519 key itself, or SM3 of
    // an SM2 key (PROTOCOL §7).
    let public = countersign_hallkey::HallKey::read(&data_dir.join("hall.key.json"))
        .ok()?
        .registry_key();
    let node = up.first()?;
    let id = "log.anchored";
    let account = data_dir.join("station-account.key.json").is_file();
    let anchored = match countersign_chain::ProvedRegistry::latest(node)
        .and_then(|p| p.checkpoint_of(public))
    {
        Ok(a) => a,
        Err(e) => {
            return Some(HealthCheck::warn(
                id,
                format!("the newest anchored checkpoint could not be read with a proof: {e}"),
                "check the node (countersign log verify --rpc reads it from the events too)",
            ))
        }
    };
    let log = countersign_log::Log::open_read_only(log_path).ok()?;
    let leaves = log.tree_size().ok()?;
    let evidence = format!(
        "keep {} as evidence, run countersign log verify --rpc, and tell the hall supervisor",
        log_path.display()
    );
    Some(match anchored {
        None if account => HealthCheck::warn(
            id,
            "no checkpoint of this PC's log is on the registry yet".to_string(),
            "the app anchors at start and hourly with the station account: start it, and check that the station is registered with that account",
        ),
        None => HealthCheck::warn(
            id,
            "this PC does not anchor its log's checkpoints (no station account key)".to_string(),
            "give the hall's account a station account key (docs/INSTALL.md, \"Anchoring the log\") so a rolled-back log is caught",
        ),
        Some(a) if leaves < a.size => HealthCheck::fail(
            id,
            format!(
                "the log has {leaves} leaves, but a checkpoint of {} was anchored in block {}: its newest part was deleted, or this is an older copy (rolled back)",
                a.size, a.block
            ),
            evidence,
        ),
        Some(a) if log.tree_root(a.size).ok() != Some(a.root) => HealthCheck::fail(
            id,
            format!(
                "the log's first {} leaves are not what was anchored in block {}: it was rewritten",
                a.size, a.block
            ),
            evidence,
        ),
        Some(a) => HealthCheck::ok(
            id,
            format!(
                "the newest anchored checkpoint ({} of {leaves} leaves, block {}) matches the log",
                a.size, a.block
            ),
        ),
    })
}

/// A node that answers: whether it proves what it says (`eth_getProof` against a header that
/// hashes right), which the hall needs for verification and for every mirror page.
fn proof_check(
    id: String,
    url: &str,
    node: &Registry,
    head: &BlockRef,
    required: bool,
) -> HealthCheck {
    let found = format!(
        "{url}: chain {}, registry {} present, latest block {}",
        node.registry().chain_id,
        node.registry(),
        head.number
    );
    match ProvedRegistry::of(node, head).and_then(|p| p.event_link(0)) {
        Ok(_) => HealthCheck::ok(id, format!("{found}, answers proved")),
        Err(e) if !required => HealthCheck::warn(
            id,
            format!("{found}; no proved answers ({e})"),
            "the bundle reads this chain without proofs (chain.proofs: false): every answer is the node's word, and the mirror cannot be synced",
        ),
        Err(e) => HealthCheck::fail(
            id,
            format!("{found}, but its answers do not prove: {e}"),
            "verification and the mirror need eth_getProof: have the node serve it (Besu, Geth and anvil do), or ask the provincial IT authority whether this node is the hall's",
        ),
    }
}

/// Whether the answering nodes agree on a block, as verification will ask them to.
fn agreement_check(settings: &Settings, up: &[Registry], now: DateTime<Utc>) -> HealthCheck {
    let sources: Vec<&dyn EventSource> = up.iter().map(|r| r as &dyn EventSource).collect();
    let policy = settings.chain.head_policy();
    let configured = settings.chain.endpoints.len();
    match agree(&sources, &policy, now) {
        Ok(a) if a.faults.is_empty() && a.stale.is_none() => HealthCheck::ok(
            "chain.agreement",
            format!(
                "{} of {configured} nodes agree on block {} ({} needed)",
                a.agreeing.len(),
                a.block.number,
                policy.quorum
            ),
        ),
        Ok(a) => HealthCheck::warn(
            "chain.agreement",
            format!(
                "{} of {configured} nodes agree on block {}{}{}",
                a.agreeing.len(),
                a.block.number,
                a.faults.iter().map(|f| format!("; {f}")).collect::<String>(),
                a.stale.map(|s| format!("; {s}")).unwrap_or_default()
            ),
            "the counter verifies with the agreeing nodes; have the nodes named here checked by the provincial IT authority",
        ),
        Err(e) => HealthCheck::fail(
            "chain.agreement",
            e.to_string(),
            "the counter cannot verify online and falls back to its mirror: check the nodes named here, or the bundle's chain.quorum",
        ),
    }
}

fn age_text(seconds: i64) -> String {
    match seconds.abs() {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

fn clock_check(now: DateTime<Utc>, head: &BlockRef) -> HealthCheck {
    let skew = (now - head.time).num_seconds();
    let block = format!(
        "the chain's latest block {} is from {}",
        head.number,
        head.time.to_rfc3339()
    );
    let detail = if skew >= 0 {
        format!(
            "this PC's clock is {} ahead of it ({block})",
            age_text(skew)
        )
    } else {
        format!("this PC's clock is {} behind it ({block})", age_text(skew))
    };
    let mut action = "set this PC's clock right and turn on network time (NTP): validity dates, the log's times and the mirror's age depend on it".to_string();
    if skew > 0 {
        // A block from long ago may also mean the chain has been quiet, not that the clock
        // is fast.
        action.push_str("; if the clock is right, the chain has produced no block since: ask the provincial IT authority whether it is running");
    }
    if skew.abs() > SKEW_FAIL_SECS {
        HealthCheck::fail("clock", detail, action)
    } else if skew.abs() > SKEW_WARN_SECS {
        HealthCheck::warn("clock", detail, action)
    } else {
        HealthCheck::ok("clock", detail)
    }
}

fn mirror_check(options: &Options, settings: &Settings) -> HealthCheck {
    let path = options.machine.mirror_path();
    let max = i64::from(settings.max_chain_age_hours);
    let policy = format!(
        "policy: {max} h{}",
        if settings.fail_closed {
            ", fail-closed"
        } else {
            ""
        }
    );
    let sync = format!(
        "check the chain endpoints above; the app syncs the mirror on its own once a node answers (or: countersign chain sync --rpc URL --registry {} --mirror {})",
        settings.chain.registry,
        path.display()
    );
    let stale = |detail: String, action: String| {
        if settings.fail_closed {
            HealthCheck::fail(
                "mirror.age",
                format!("{detail}: offline verifications are CANNOT CONFIRM ({policy})"),
                action,
            )
        } else {
            HealthCheck::warn(
                "mirror.age",
                format!("{detail}: offline verifications carry a stale-chain warning ({policy})"),
                action,
            )
        }
    };
    // No mirror yet is a warning whatever the policy: the hall verifies online meanwhile,
    // and the app creates the mirror at its first sync.
    if !path.exists() {
        return HealthCheck::warn(
            "mirror.age",
            format!(
                "there is no registry mirror at {}: the counter cannot verify offline",
                path.display()
            ),
            format!(
                "{sync}; a hall installed offline gets one from a bundle with a mirror snapshot"
            ),
        );
    }
    let mirror = match countersign_mirror::Mirror::open(&path, &settings.chain.registry) {
        Ok(m) => m,
        Err(e) => {
            return HealthCheck::fail(
                "mirror.age",
                format!("{}: {e}", path.display()),
                format!(
                    "delete {}: the app rebuilds it from the chain at its next sync",
                    path.display()
                ),
            )
        }
    };
    let synced = match (mirror.synced_at(), mirror.cursor()) {
        (Ok(Some(t)), Ok(Some(c))) => Some((t.max(c.time), c.number)),
        (Ok(None), Ok(Some(c))) => Some((c.time, c.number)),
        (Ok(_), Ok(None)) => None,
        (Err(e), _) | (_, Err(e)) => {
            return HealthCheck::fail(
                "mirror.age",
                format!("{}: {e}", path.display()),
                format!(
                    "delete {}: the app rebuilds it from the chain at its next sync",
                    path.display()
                ),
            )
        }
    };
    let Some((at, block)) = synced else {
        return HealthCheck::warn(
            "mirror.age",
            format!(
                "{} has never synced: the counter cannot verify offline",
                path.display()
            ),
            sync,
        );
    };
    let age = (options.now - at).num_seconds().max(0);
    let detail = format!("synced {} ago, to block {block} ({policy})", age_text(age));
    if age > max * 3600 {
        stale(
            format!(
                "the mirror was last synced {} ago, to block {block}",
                age_text(age)
            ),
            sync,
        )
    } else {
        HealthCheck::ok("mirror.age", detail)
    }
}

fn printer_checks(options: &Options, settings: &Settings, checks: &mut Vec<HealthCheck>) {
    let mut targets: Vec<(String, &PrinterConfig)> = Vec::new();
    match &options.counter {
        Some(counter) => {
            if settings.counter(counter).is_none() {
                checks.push(HealthCheck::fail(
                    "counter",
                    format!("counter {counter:?} is not one of the hall's counters"),
                    format!(
                        "name one of: {}",
                        settings
                            .counters
                            .iter()
                            .map(|c| c.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                return;
            }
            match settings.printer_for(counter) {
                Some(p) => targets.push(("printer".into(), p)),
                None if settings.auto_print => checks.push(HealthCheck::warn(
                    "printer",
                    format!("no printer is provisioned for counter {counter}, but the hall prints every receipt"),
                    "ask the provincial IT authority to add the counter's printer to the bundle",
                )),
                None => checks.push(HealthCheck::ok(
                    "printer",
                    format!("no printer is provisioned for counter {counter}"),
                )),
            }
        }
        None => {
            for p in &settings.printers {
                let id = match &p.counter {
                    Some(c) => format!("printer.{c}"),
                    None => "printer.hall".into(),
                };
                targets.push((id, &p.config));
            }
        }
    }
    // Asking a printer's state renders nothing: the shipped font alone will do.
    let fonts = Arc::new(countersign_printdoc::fonts::Fonts::embedded_only());
    for (id, config) in targets {
        checks.push(printer_check(&id, config, Arc::clone(&fonts)));
    }
}

fn printer_check(
    id: &str,
    config: &PrinterConfig,
    fonts: Arc<countersign_printdoc::fonts::Fonts>,
) -> HealthCheck {
    let address = &config.address;
    let mut printer = match config.open(fonts) {
        Ok(p) => p,
        Err(e) => {
            return HealthCheck::fail(
                id,
                format!("{address}: {e}"),
                "correct the printer's address in the bundle (ask the provincial IT authority)",
            )
        }
    };
    let state = printer.status();
    let detail = |what: &str| {
        let d = state.detail();
        if d.is_empty() {
            format!("{address} ({}): {what}", config.paper.as_str())
        } else {
            format!("{address} ({}): {what}: {d}", config.paper.as_str())
        }
    };
    match state {
        PrinterState::Ready => HealthCheck::ok(id, detail("ready")),
        PrinterState::Busy => HealthCheck::ok(id, detail("printing")),
        PrinterState::PaperLow => HealthCheck::warn(id, detail("paper low"), "load a new roll soon"),
        PrinterState::PaperOut => HealthCheck::fail(
            id,
            detail("out of paper"),
            "load paper; receipts wait in the print queue meanwhile",
        ),
        PrinterState::CoverOpen => HealthCheck::fail(id, detail("cover open"), "close the printer's cover"),
        PrinterState::Offline(_) => HealthCheck::fail(
            id,
            detail("offline or unreachable"),
            "switch the printer on and check its cable or network; receipts wait in the print queue meanwhile",
        ),
        PrinterState::Error(_) => HealthCheck::fail(
            id,
            detail("reports an error"),
            "look at the printer (paper jam, cutter, head) and restart it",
        ),
        PrinterState::Unknown => HealthCheck::warn(
            id,
            detail("cannot report its state"),
            "print a test page to be sure it works (countersign printer test)",
        ),
    }
}

fn scanner_check(settings: &Settings) -> HealthCheck {
    match &settings.scanner {
        Scanner::Keyboard => HealthCheck::ok(
            "scanner",
            "keyboard-wedge scanner: nothing to open (scan into the app to test it)",
        ),
        Scanner::Serial { port, baud } => {
            if port.exists() {
                HealthCheck::ok(
                    "scanner",
                    format!(
                        "serial scanner port {} is present ({baud} baud)",
                        port.display()
                    ),
                )
            } else {
                HealthCheck::fail(
                    "scanner",
                    format!("serial scanner port {} does not exist", port.display()),
                    "plug the scanner in (and check which port it gets: ls /dev/ttyACM* /dev/ttyUSB*), or have the bundle's scanner port corrected",
                )
            }
        }
    }
}

/// Cameras are `video*` devices on Linux; elsewhere the app asks the OS when it starts.
fn camera_check(device_dir: &Path) -> Option<HealthCheck> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut found: Vec<String> = std::fs::read_dir(device_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("video"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    Some(if found.is_empty() {
        HealthCheck::warn(
            "camera",
            format!("no camera ({}/video*)", device_dir.display()),
            "plug in a USB camera if this counter checks QR codes on screens or paper by camera; scanners work without one",
        )
    } else {
        HealthCheck::ok(
            "camera",
            format!(
                "camera device(s): {}",
                found
                    .iter()
                    .map(|n| format!("{}/{n}", device_dir.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_780_000_000 + secs, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn clock_skew_is_ok_within_two_minutes_a_warning_to_ten_and_a_failure_beyond() {
        let head = BlockRef {
            number: 7,
            hash: [0; 32],
            time: at(0),
        };
        for (now, status) in [
            (0, Status::Ok),
            (120, Status::Ok),
            (-120, Status::Ok),
            (121, Status::Warn),
            (-300, Status::Warn),
            (600, Status::Warn),
            (601, Status::Fail),
            (-3600, Status::Fail),
        ] {
            let c = clock_check(at(now), &head);
            assert_eq!(c.status, status, "{now} s: {c:?}");
            assert_eq!(c.action.is_some(), status != Status::Ok);
        }
        // A PC behind the chain is surely wrong; a block long past may be a quiet chain too.
        let behind = clock_check(at(-3600), &head);
        assert!(behind.detail.contains("60 min behind"), "{behind:?}");
        assert!(!behind.action.unwrap_or_default().contains("no block"));
        let ahead = clock_check(at(3600), &head);
        assert!(ahead.action.unwrap_or_default().contains("no block since"));
    }

    #[test]
    fn the_report_is_as_bad_as_its_worst_check() {
        let mut report = HealthReport { checks: vec![] };
        assert_eq!(report.status(), Status::Ok);
        report.checks.push(HealthCheck::ok("a", "fine"));
        report.checks.push(HealthCheck::warn("b", "meh", "look"));
        assert_eq!(report.status(), Status::Warn);
        report.checks.push(HealthCheck::fail("c", "broken", "fix"));
        assert_eq!(report.status(), Status::Fail);
        assert_eq!(report.get("b").map(|c| c.status), Some(Status::Warn));
    }
}
