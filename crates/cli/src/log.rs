//! `countersign log …`: the hall's verification log for supervisors and IT: check it, report
//! on a day, export a day, find a verification, close and sign a day (and anchor its digest),
//! purge expired summaries.
//!
//! `log keygen --profile standard|guomi` makes an Ed25519 or an SM2 hall key; `log verify
//! --accept` names the profiles whose signatures the hall accepts, as `countersign verify`
//! does. A command that uses a hall key signs with the key file's own algorithm; a log keeps
//! the hash it was created with.

use crate::chain::{read_account, registry_error, Endpoint};
use crate::{read_file, CliError};
use chrono::{FixedOffset, NaiveDate};
use countersign_credential::RegistryRef;
use countersign_crypto::{Policy, Profile, PublicKey, SecretKey, SigAlg};
use countersign_log::{Count, DayReport, DigestProblem, Log};
use countersign_station::{integrity, review};
use countersign_views::EntryRow;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The log file and the hall's time zone.
#[derive(clap::Args, Clone)]
pub struct LogFile {
    /// The hall's verification log (SQLite)
    #[arg(long = "log", env = "COUNTERSIGN_LOG")]
    pub path: PathBuf,
    /// The hall's UTC offset: days are cut at the hall's midnight
    #[arg(long, default_value = "+08:00", value_parser = crate::parse_offset, allow_hyphen_values = true)]
    pub utc_offset: FixedOffset,
}

/// Output formats of `log export`.
#[derive(clap::ValueEnum, Clone, Copy)]
pub enum Format {
    /// CSV with a UTF-8 byte-order mark (Excel opens Chinese correctly)
    Csv,
    /// An Excel workbook with a summary sheet
    Xlsx,
}

/// `countersign log …`.
#[derive(clap::Subcommand)]
pub enum LogCommand {
    /// Create the hall's key (signs receipts, daily digests and checkpoints): Ed25519, or SM2
    /// with --profile guomi. Prints its public key (what --trust takes); the key to register
    /// with `chain register-station --key` is said on stderr
    Keygen {
        /// The hall id
        #[arg(long)]
        hall: String,
        /// Where to write the key file (mode 0600; refuses to overwrite)
        #[arg(long, short)]
        out: PathBuf,
        /// `standard` (Ed25519, the default) or `guomi` (SM2, the national profile)
        #[arg(long, default_value = "standard", value_parser = crate::parse_profile)]
        profile: Profile,
    },
    /// Check the whole log: the hash chain, the signed daily digests, and (with --rpc) the
    /// digests anchored on the registry. Exit 0 intact, 1 changed, 2 chain unreachable
    Verify {
        #[command(flatten)]
        log: LogFile,
        /// Hall public keys trusted to sign digests (hex: 64 digits Ed25519, 66 SM2), or hall
        /// key files
        #[arg(long = "trust", value_delimiter = ',')]
        trust: Vec<String>,
        /// The profiles whose signatures are accepted, comma-separated: `standard` (Ed25519;
        /// the default), `guomi` (SM2) or both; days and checkpoints signed under another are
        /// named as not allowed
        #[arg(long, env = "COUNTERSIGN_ACCEPT", value_delimiter = ',', value_parser = crate::parse_profile, default_value = "standard")]
        accept: Vec<Profile>,
        #[command(flatten)]
        endpoint: Endpoint,
        /// The registry the digests were anchored on (with --rpc)
        #[arg(long, env = "COUNTERSIGN_REGISTRY")]
        registry: Option<RegistryRef>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        /// Check a copy without writing to it: the check is not recorded in its audit trail
        /// (the hall's own log records every check, as the console does)
        #[arg(long)]
        read_only: bool,
    },
    /// A day's counts by verdict, type, issuer, clerk, counter and hour, repeats, failure reasons
    Report {
        #[command(flatten)]
        log: LogFile,
        /// The day, hall time (YYYY-MM-DD)
        #[arg(long)]
        date: NaiveDate,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Write a day's entries as CSV or XLSX (masked summaries only, as the log holds them)
    Export {
        #[command(flatten)]
        log: LogFile,
        /// The day, hall time (YYYY-MM-DD)
        #[arg(long)]
        date: NaiveDate,
        /// csv or xlsx
        #[arg(long, value_enum)]
        format: Format,
        /// The file to write (refuses to overwrite)
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Find verifications by credential hash or receipt id
    Search {
        #[command(flatten)]
        log: LogFile,
        /// The credential's hash (64 hex digits)
        #[arg(long, conflicts_with = "receipt", required_unless_present = "receipt")]
        hash: Option<String>,
        /// A receipt id
        #[arg(long)]
        receipt: Option<String>,
        /// Print the entries as JSON
        #[arg(long)]
        json: bool,
    },
    /// Close a finished day: sign its digest with the hall key; with --account-key, also
    /// anchor it on the registry
    CloseDay {
        #[command(flatten)]
        log: LogFile,
        /// The day, hall time (YYYY-MM-DD)
        #[arg(long)]
        date: NaiveDate,
        /// The hall key file (`log keygen`)
        #[arg(long)]
        hall_key: PathBuf,
        #[command(flatten)]
        anchor: DigestAnchorArgs,
    },
    /// Anchor the digest of a day closed earlier (when the chain was unreachable then)
    Anchor {
        #[command(flatten)]
        log: LogFile,
        /// The day, hall time (YYYY-MM-DD)
        #[arg(long)]
        date: NaiveDate,
        #[command(flatten)]
        anchor: DigestAnchorArgs,
    },
    /// Sign a checkpoint of the log's tree now with the hall key (the app signs them by
    /// itself as entries come); with --account-key, anchor the newest on the registry (IT
    /// schedules this hourly). Prints the signed checkpoint
    Checkpoint {
        #[command(flatten)]
        log: LogFile,
        /// The hall key file (`log keygen`)
        #[arg(long)]
        hall_key: PathBuf,
        #[command(flatten)]
        anchor: DigestAnchorArgs,
    },
    /// Delete subject summaries older than the retention period (entries stay and verify)
    Purge {
        #[command(flatten)]
        log: LogFile,
        /// Days summaries are kept
        #[arg(long, default_value_t = 90)]
        retention_days: u32,
    },
}

/// Where and as whom a day's digest is anchored.
#[derive(clap::Args)]
pub struct DigestAnchorArgs {
    /// The hall's chain account key file: anchor the digest from it
    #[arg(long)]
    pub account_key: Option<PathBuf>,
    #[command(flatten)]
    pub endpoint: Endpoint,
    /// The registry to anchor on
    #[arg(long, env = "COUNTERSIGN_REGISTRY")]
    pub registry: Option<RegistryRef>,
}

fn log_error(path: &Path, e: countersign_log::LogError) -> CliError {
    CliError::Failed(format!("{}: {e}", path.display()))
}

fn open_read(file: &LogFile) -> Result<Log, CliError> {
    if !file.path.is_file() {
        return Err(CliError::Usage(format!(
            "{} does not exist: give the hall's log with --log or COUNTERSIGN_LOG",
            file.path.display()
        )));
    }
    Log::open_read_only(&file.path).map_err(|e| log_error(&file.path, e))
}

fn open_write(file: &LogFile) -> Result<Log, CliError> {
    if !file.path.is_file() {
        return Err(CliError::Usage(format!(
            "{} does not exist: give the hall's log with --log or COUNTERSIGN_LOG",
            file.path.display()
        )));
    }
    Log::open(&file.path).map_err(|e| log_error(&file.path, e))
}

/// Reads a hall key file: the hall id and its signing key (of the algorithm the file names).
pub fn read_hall_key(path: &Path) -> Result<(String, SecretKey), CliError> {
    let key =
        countersign_hallkey::HallKey::read(path).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok((key.hall().to_string(), key.signing_key().clone()))
}

fn keygen(hall: &str, out: &Path, profile: Profile) -> Result<(), CliError> {
    let key = countersign_hallkey::HallKey::generate(hall, profile.sig()).map_err(|e| match e {
        countersign_hallkey::HallKeyError::NoHall => CliError::Usage(e.to_string()),
        other => CliError::Failed(other.to_string()),
    })?;
    key.write_new(out)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    println!("{}", key.public_hex());
    match key.alg() {
        SigAlg::Ed25519 => eprintln!(
            "hall key (ed25519) written to {} (mode 0600); register the public key above with `chain register-station --key`",
            out.display()
        ),
        // The registry names a key by 32 bytes; an SM2 key is 33, so it is named by its SM3.
        alg => eprintln!(
            "hall key ({alg}) written to {} (mode 0600); register it with `chain register-station --key {}` (the SM3 hash of the public key above, as the registry names SM2 keys)",
            out.display(),
            hex::encode(key.registry_key())
        ),
    }
    Ok(())
}

/// A hall public key in hex: 64 digits an Ed25519 key, 66 an SM2 key (compressed).
fn public_key_hex(text: &str) -> Option<PublicKey> {
    let bytes = hex::decode(text.trim().trim_start_matches("0x")).ok()?;
    let alg = SigAlg::ALL
        .into_iter()
        .find(|a| a.public_key_len() == bytes.len())?;
    PublicKey::from_bytes(alg, &bytes).ok()
}

/// Hall keys from `--trust`: key files or public keys in hex.
pub fn trusted_keys(trust: &[String]) -> Result<Vec<PublicKey>, CliError> {
    trust
        .iter()
        .map(|t| {
            let path = Path::new(t);
            if path.is_file() {
                return Ok(read_hall_key(path)?.1.public());
            }
            public_key_hex(t).ok_or_else(|| {
                CliError::Usage(format!(
                    "--trust {t:?} is neither a hall key file nor a public key (64 hex digits for Ed25519, 66 for SM2)"
                ))
            })
        })
        .collect()
}

/// `countersign log …`; returns the exit code.
pub fn run(command: &LogCommand) -> Result<u8, CliError> {
    match command {
        LogCommand::Keygen { hall, out, profile } => keygen(hall, out, *profile).map(|()| 0),
        LogCommand::Verify {
            log,
            trust,
            accept,
            endpoint,
            registry,
            json,
            read_only,
        } => verify(
            log,
            trust,
            &crate::verify::accepted(accept),
            endpoint,
            *registry,
            *json,
            *read_only,
        ),
        LogCommand::Report { log, date, json } => {
            let report = open_read(log)?
                .report(*date, log.utc_offset)
                .map_err(|e| log_error(&log.path, e))?;
            if *json {
                println!("{}", pretty(&report_json(&report))?);
            } else {
                print!("{}", render_report(&report));
            }
            Ok(0)
        }
        LogCommand::Export {
            log,
            date,
            format,
            out,
        } => export(log, *date, *format, out).map(|()| 0),
        LogCommand::Search {
            log,
            hash,
            receipt,
            json,
        } => search(log, hash.as_deref(), receipt.as_deref(), *json),
        LogCommand::CloseDay {
            log,
            date,
            hall_key,
            anchor,
        } => close_day(log, *date, hall_key, anchor).map(|()| 0),
        LogCommand::Anchor { log, date, anchor } => {
            let mut file = open_write(log)?;
            anchor_day(&mut file, log, *date, anchor)?;
            Ok(0)
        }
        LogCommand::Checkpoint {
            log,
            hall_key,
            anchor,
        } => checkpoint(log, hall_key, anchor).map(|()| 0),
        LogCommand::Purge {
            log,
            retention_days,
        } => {
            if *retention_days == 0 {
                return Err(CliError::Usage(
                    "--retention-days must be at least 1".into(),
                ));
            }
            let now = crate::hall_now()?;
            let before = now - chrono::Duration::days(i64::from(*retention_days));
            let mut file = open_write(log)?;
            match countersign_station::purge_expired(&mut file, *retention_days, "cli", now)
                .map_err(|e| log_error(&log.path, e))?
            {
                countersign_station::Purge::Purged(purged) => {
                    println!(
                        "purged {purged} subject summaries made before {}",
                        before.to_rfc3339()
                    );
                    Ok(0)
                }
                countersign_station::Purge::Refused { now, vouched } => {
                    eprintln!(
                        "purge refused 拒绝清除: this computer's clock ({}) is {} days ahead of the newest time the log can vouch for ({}); check the clock. Nothing was purged; the refusal is in the audit trail.",
                        now.to_rfc3339(),
                        (now - vouched).num_days(),
                        vouched.to_rfc3339()
                    );
                    Ok(1)
                }
            }
        }
    }
}

fn pretty(value: &Value) -> Result<String, CliError> {
    serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.to_string()))
}

fn verify(
    file: &LogFile,
    trust: &[String],
    policy: &Policy,
    endpoint: &Endpoint,
    registry: Option<RegistryRef>,
    as_json: bool,
    read_only: bool,
) -> Result<u8, CliError> {
    let trusted = trusted_keys(trust)?;
    if !endpoint.rpc.is_empty() && registry.is_none() {
        return Err(CliError::Usage(
            "--rpc needs --registry (or COUNTERSIGN_REGISTRY)".into(),
        ));
    }
    let log = open_read(file)?;
    // The chain is asked even when the file has no closed day or checkpoint: a file rolled
    // back to before them has nothing of its own to compare.
    let node = match integrity::anchor_source(&endpoint.rpc, registry, &endpoint.options()) {
        Err(e) if e.wrong_registry() => return Err(CliError::Usage(e.to_string())),
        other => other.map_err(|e| e.to_string()),
    };
    let anchors = match &node {
        Ok(Some(registry)) => integrity::AnchorSource::Node(registry),
        Ok(None) => integrity::AnchorSource::NotAsked,
        Err(why) => integrity::AnchorSource::Unreachable(why.clone()),
    };
    let report = if read_only {
        integrity::check(&log, &trusted, policy, &anchors).map_err(|e| log_error(&file.path, e))?
    } else {
        let mut audit = open_write(file)?;
        integrity::run(
            &log,
            &mut audit,
            &trusted,
            policy,
            &anchors,
            &review::Actor::os_user(),
            crate::hall_now()?,
        )
        .map_err(|e| CliError::Failed(format!("{}: {e}", file.path.display())))?
        .0
    };
    let integrity = &report.chains;
    let chain_note = &report.chain_unreachable;
    let intact = report.intact();
    if as_json {
        let value = json!({
            "intact": intact,
            "hash": log.hash().name(),
            "entries": integrity.entries,
            "head": hex::encode(integrity.head),
            "findings": integrity.findings.iter().map(|f| json!({
                "seq": f.seq, "kind": f.kind.as_str(), "text": f.to_string(),
            })).collect::<Vec<_>>(),
            "audit": {
                "records": integrity.audit.records,
                "findings": integrity.audit.findings.iter().map(|f| json!({
                    "seq": f.seq, "kind": f.kind.as_str(), "text": f.to_string(),
                })).collect::<Vec<_>>(),
            },
            "days": report.days.iter().map(|d| json!({
                "day": d.digest.day.to_string(),
                "entries": d.digest.count,
                "problem": d.problem.as_ref().map(|p| integrity::problem_name(Some(p))),
                "anchored": d.anchoring.map(integrity::Anchoring::as_str),
                "anchorTx": d.digest.anchor_tx,
            })).collect::<Vec<_>>(),
            "missingDays": report.missing_days.iter().map(|m| json!({
                "day": m.day.to_string(),
                "station": hex::encode(m.station),
                "block": m.anchored.block,
                "digest": hex::encode(m.anchored.digest),
            })).collect::<Vec<_>>(),
            "tree": {
                "leaves": integrity.tree.leaves,
                "root": hex::encode(integrity.tree.root),
                "newestCheckpoint": integrity.tree.newest_checkpoint,
                "findings": integrity.tree.findings.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            },
            "checkpointProblems": report.checkpoint_problems.iter().map(|(size, p)| json!({
                "size": size, "problem": integrity::checkpoint_problem_name(*p),
            })).collect::<Vec<_>>(),
            "anchoredCheckpoints": report.anchored_checkpoints.iter().map(|c| json!({
                "size": c.anchored.size,
                "root": hex::encode(c.anchored.root),
                "block": c.anchored.block,
                "station": hex::encode(c.station),
                "standing": c.standing.as_str(),
                "text": integrity::checkpoint_text(c),
            })).collect::<Vec<_>>(),
            "chainUnreachable": chain_note,
        });
        println!("{}", pretty(&value)?);
    } else {
        println!(
            "{} entries, last hash {}",
            integrity.entries,
            hex::encode(integrity.head)
        );
        match integrity.findings.first() {
            None => println!("hash chain: intact 完整"),
            Some(first) => {
                println!(
                    "hash chain: CHANGED 已被改动 — first change: {first} ({} change(s) in all)",
                    integrity.findings.len()
                );
                for f in integrity.findings.iter().skip(1).take(20) {
                    println!("  then: {f}");
                }
            }
        }
        match integrity.audit.findings.first() {
            None => println!(
                "audit trail: intact 完整 ({} records)",
                integrity.audit.records
            ),
            Some(first) => {
                println!(
                    "audit trail: CHANGED 已被改动 — first change: {first} ({} change(s) in all)",
                    integrity.audit.findings.len()
                );
                for f in integrity.audit.findings.iter().skip(1).take(20) {
                    println!("  then: {f}");
                }
            }
        }
        let tree = &integrity.tree;
        match tree.findings.first() {
            None => println!(
                "tree: intact 完整 ({} leaves, newest signed checkpoint {})",
                tree.leaves,
                tree.newest_checkpoint
                    .map_or("none yet".to_string(), |s| format!("of {s} leaves"))
            ),
            Some(first) => {
                println!(
                    "tree: CHANGED 已被改动 — {first} ({} finding(s) in all)",
                    tree.findings.len()
                );
                for f in tree.findings.iter().skip(1).take(20) {
                    println!("  then: {f}");
                }
            }
        }
        for (size, p) in &report.checkpoint_problems {
            println!(
                "checkpoint of {size} leaves: PROBLEM: {}",
                match p {
                    countersign_log::CheckpointProblem::BadSignature =>
                        "not signed by a trusted hall key (forged)".to_string(),
                    countersign_log::CheckpointProblem::Altered =>
                        "its row says another root than the signed note".to_string(),
                    countersign_log::CheckpointProblem::NotAllowed(alg) => format!(
                        "signed with {alg}, which the hall's policy does not accept (not checked)"
                    ),
                }
            );
        }
        match report.anchored_checkpoints.last() {
            Some(newest) => {
                let bad = report
                    .anchored_checkpoints
                    .iter()
                    .filter(|c| c.standing != integrity::CheckpointStanding::Matches)
                    .count();
                if bad == 0 {
                    println!(
                        "anchored checkpoints: {} 与链上一致 — the log {}",
                        report.anchored_checkpoints.len(),
                        integrity::checkpoint_text(newest)
                    );
                } else {
                    println!(
                        "anchored checkpoints: {bad} of {} DISAGREE 与链上不一致",
                        report.anchored_checkpoints.len()
                    );
                    for c in report
                        .anchored_checkpoints
                        .iter()
                        .filter(|c| c.standing != integrity::CheckpointStanding::Matches)
                    {
                        println!("  {}", integrity::checkpoint_text(c));
                    }
                }
            }
            None if matches!(anchors, integrity::AnchorSource::Node(_)) && chain_note.is_none() => {
                println!("anchored checkpoints: none on the registry for the trusted hall keys")
            }
            None => {}
        }
        if report.days.is_empty() {
            println!("no day closed yet");
        }
        if !report.signatures_checked && !report.days.is_empty() {
            println!("signed days: not checked (give the hall's public key with --trust)");
        }
        for d in &report.days {
            let signed = match &d.problem {
                _ if !report.signatures_checked => "signature not checked".to_string(),
                None => "signed, matches its entries".to_string(),
                Some(p) => format!("PROBLEM: {}", problem_text(p)),
            };
            let anchored = d.anchoring.map_or("", integrity::Anchoring::as_str);
            println!(
                "day {}  {} entries  {signed}  {anchored}",
                d.digest.day, d.digest.count
            );
        }
        for m in &report.missing_days {
            println!(
                "day {}  MISSING 缺失: anchored on the registry in block {}, but the log has no digest of it (deleted, or an older copy of the log)",
                m.day, m.anchored.block
            );
        }
        if let Some(note) = &chain_note {
            println!("anchors not checked: the chain could not be reached ({note})");
        }
    }
    let trusted_problems =
        report.signatures_checked && report.days.iter().any(|d| d.problem.is_some());
    let anchor_bad = report
        .days
        .iter()
        .any(|d| d.anchoring.is_some_and(integrity::Anchoring::is_problem));
    Ok(
        if !integrity.is_intact()
            || trusted_problems
            || anchor_bad
            || !report.missing_days.is_empty()
            || !report.checkpoint_problems.is_empty()
            || report
                .anchored_checkpoints
                .iter()
                .any(|c| c.standing != integrity::CheckpointStanding::Matches)
        {
            1
        } else if chain_note.is_some() {
            2
        } else {
            0
        },
    )
}

fn problem_text(p: &DigestProblem) -> String {
    match p {
        DigestProblem::BadSignature => "not signed by a trusted hall key".into(),
        DigestProblem::Altered => "the digest record was edited".into(),
        DigestProblem::EntriesChanged => "the day's entries no longer match what was signed".into(),
        DigestProblem::BrokenChain => "not chained to the previous day's digest".into(),
        DigestProblem::NotAllowed(alg) => {
            format!("signed with {alg}, which the hall's policy does not accept (not checked)")
        }
    }
}

fn counts_json(counts: &[Count]) -> Value {
    Value::Array(
        counts
            .iter()
            .map(|c| json!({"key": c.key, "count": c.count}))
            .collect(),
    )
}

/// A day's report as JSON.
pub fn report_json(r: &DayReport) -> Value {
    json!({
        "day": r.day.to_string(),
        "utcOffset": r.offset.to_string(),
        "total": r.summary.total,
        "firstSeq": r.summary.range.map(|x| x.0),
        "lastSeq": r.summary.range.map(|x| x.1),
        "byVerdict": counts_json(&r.summary.by_verdict),
        "byType": counts_json(&r.summary.by_type),
        "byIssuer": counts_json(&r.summary.by_issuer),
        "byClerk": counts_json(&r.summary.by_clerk),
        "byCounter": counts_json(&r.summary.by_counter),
        "byChannel": counts_json(&r.summary.by_channel),
        "byChainSource": counts_json(&r.summary.by_chain_source),
        "byHour": r.summary.by_hour.to_vec(),
        "failures": counts_json(&r.summary.failures),
        "repeated": r.repeated.iter().map(|x| json!({
            "hash": hex::encode(x.leaf),
            "type": x.credential_type,
            "count": x.count,
            "counters": x.counters,
            "first": x.first.to_rfc3339(),
            "last": x.last.to_rfc3339(),
        })).collect::<Vec<_>>(),
    })
}

fn render_report(r: &DayReport) -> String {
    let mut out = format!(
        "{} (UTC{}): {} verifications 次核验\n",
        r.day, r.offset, r.summary.total
    );
    let section = |out: &mut String, title: &str, counts: &[Count]| {
        if counts.is_empty() {
            return;
        }
        out.push_str(&format!("{title}\n"));
        for c in counts {
            out.push_str(&format!(
                "  {:>6}  {}\n",
                c.count,
                c.key.as_deref().unwrap_or("(none 无)")
            ));
        }
    };
    section(&mut out, "verdict 结论", &r.summary.by_verdict);
    section(&mut out, "credential type 证照类型", &r.summary.by_type);
    section(&mut out, "issuer 签发机关", &r.summary.by_issuer);
    section(&mut out, "clerk 办事员", &r.summary.by_clerk);
    section(&mut out, "counter 窗口", &r.summary.by_counter);
    section(&mut out, "channel 方式", &r.summary.by_channel);
    section(&mut out, "chain state 链状态", &r.summary.by_chain_source);
    section(&mut out, "failure reasons 未通过原因", &r.summary.failures);
    if r.summary.total > 0 {
        out.push_str("per hour 每小时\n");
        for (hour, n) in r
            .summary
            .by_hour
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
        {
            out.push_str(&format!("  {hour:02}:00  {n:>6}\n"));
        }
    }
    if !r.repeated.is_empty() {
        out.push_str("scanned more than once 重复核验\n");
        for x in &r.repeated {
            out.push_str(&format!(
                "  {}×  {}  {}  counters {}  {}–{}\n",
                x.count,
                hex::encode(x.leaf),
                x.credential_type.as_deref().unwrap_or("?"),
                x.counters.join(","),
                x.first.with_timezone(&r.offset).format("%H:%M:%S"),
                x.last.with_timezone(&r.offset).format("%H:%M:%S"),
            ));
        }
    }
    out
}

/// A day's entries into `out`, through the use case the supervisor's console runs, and so
/// recorded in the log's audit trail as done by this OS account (not recorded, not done).
fn export(file: &LogFile, date: NaiveDate, format: Format, out: &Path) -> Result<(), CliError> {
    if out.exists() {
        return Err(CliError::Usage(format!(
            "{} exists: choose another file name",
            out.display()
        )));
    }
    let read = open_read(file)?;
    let mut audit = open_write(file)?;
    let filter = countersign_log::Filter::day(date, file.utc_offset)
        .map_err(|e| log_error(&file.path, e))?;
    let spec = review::ExportSpec {
        filter: &filter,
        days: (date, date),
        offset: file.utc_offset,
        title: format!("{date}"),
        describe: format!("{date}"),
        format: match format {
            Format::Csv => review::ExportFormat::Csv,
            Format::Xlsx => review::ExportFormat::Xlsx,
        },
        with_repeats: true,
    };
    let exported = review::export(
        &read,
        &mut audit,
        &spec,
        &review::Destination::File(out.to_path_buf()),
        &review::Actor::os_user(),
        crate::hall_now()?,
    )
    .map_err(|e| CliError::Failed(format!("{}: {e}", file.path.display())))?;
    eprintln!(
        "{} entries of {date} written to {} (audit record {})",
        exported.entries,
        out.display(),
        exported.audit
    );
    Ok(())
}

fn search(
    file: &LogFile,
    hash: Option<&str>,
    receipt: Option<&str>,
    as_json: bool,
) -> Result<u8, CliError> {
    let query = match (hash, receipt) {
        (Some(h), _) => match review::Query::parse(h) {
            q @ review::Query::Hash(_) => q,
            review::Query::Receipt(_) => {
                return Err(CliError::Usage(format!(
                    "--hash {h:?} is not 64 hex digits"
                )))
            }
        },
        (None, Some(r)) => review::Query::Receipt(r.trim().to_string()),
        (None, None) => return Err(CliError::Usage("give --hash or --receipt".into())),
    };
    // A search is a supervisor's action: recorded in the audit trail before it is made.
    let read = open_read(file)?;
    let mut audit = open_write(file)?;
    let found = review::search(
        &read,
        &mut audit,
        &query,
        &review::Actor::os_user(),
        crate::hall_now()?,
    )
    .map_err(|e| CliError::Failed(format!("{}: {e}", file.path.display())))?;
    if as_json {
        println!(
            "{}",
            pretty(&json!(found
                .iter()
                .map(|e| EntryRow::new(e, file.utc_offset))
                .collect::<Vec<_>>()))?
        );
    } else if found.is_empty() {
        println!("no verification found 未找到");
    } else {
        for e in &found {
            let n = &e.entry;
            let subject = if e.purged {
                "(summary purged 已清除)".to_string()
            } else {
                n.personal
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            println!(
                "#{}  {}  counter {}  {}  {}  {}  {}{}  {subject}",
                e.seq,
                n.at.with_timezone(&file.utc_offset)
                    .format("%Y-%m-%d %H:%M:%S"),
                n.counter,
                n.clerk,
                n.credential_type.as_deref().unwrap_or("?"),
                n.verdict,
                n.reasons.join(","),
                n.receipt
                    .as_deref()
                    .map(|r| format!(" receipt {r}"))
                    .unwrap_or_default(),
            );
        }
    }
    Ok(if found.is_empty() { 1 } else { 0 })
}

fn close_day(
    file: &LogFile,
    date: NaiveDate,
    hall_key: &Path,
    anchor: &DigestAnchorArgs,
) -> Result<(), CliError> {
    let (hall, key) = read_hall_key(hall_key)?;
    let mut log = open_write(file)?;
    let digest = countersign_station::close_day(
        &mut log,
        &hall,
        date,
        file.utc_offset,
        &key,
        crate::hall_now()?,
    )
    .map_err(|e| match e {
        countersign_log::LogError::DayNotOver(_) | countersign_log::LogError::DayClosed(_) => {
            CliError::Usage(e.to_string())
        }
        e => log_error(&file.path, e),
    })?;
    println!("{}", hex::encode(digest.digest));
    eprintln!(
        "closed {date} for hall {hall}: {} entries, digest signed with {} key {}",
        digest.count,
        digest.sig_alg,
        hex::encode(&digest.public_key)
    );
    if anchor.account_key.is_some() {
        anchor_day(&mut log, file, date, anchor)?;
    }
    Ok(())
}

fn checkpoint(file: &LogFile, hall_key: &Path, anchor: &DigestAnchorArgs) -> Result<(), CliError> {
    let (hall, key) = read_hall_key(hall_key)?;
    let mut log = open_write(file)?;
    // Named after the log, with the log's own hash in the name when it is not SHA-256.
    let signer = countersign_station::checkpoint_signer(&log, &hall, &key)
        .map_err(|e| CliError::Usage(format!("hall {hall:?}: {e}")))?;
    log.checkpoint(&signer, crate::hall_now()?)
        .map_err(|e| log_error(&file.path, e))?;
    let newest = log
        .newest_checkpoint()
        .map_err(|e| log_error(&file.path, e))?
        .ok_or_else(|| CliError::Usage("the log is empty: nothing to sign".into()))?;
    print!("{}", newest.note);
    let Some(account_key) = &anchor.account_key else {
        return Ok(());
    };
    let registry = anchor.registry.ok_or_else(|| {
        CliError::Usage("anchoring needs --registry (or COUNTERSIGN_REGISTRY)".into())
    })?;
    let wallet = read_account(account_key)?;
    let chain = anchor.endpoint.connect(&registry).map_err(|e| match e {
        CliError::Unavailable(m) => CliError::Unavailable(format!(
            "{m}; the checkpoint stays signed: anchor it later with `countersign log checkpoint --account-key …`"
        )),
        e => e,
    })?;
    match integrity::anchor_checkpoint(&mut log, &chain, &wallet) {
        Ok(Some((c, mined))) => eprintln!(
            "anchored the checkpoint of {} leaves on {registry}: transaction 0x{} in block {}",
            c.size,
            hex::encode(mined.tx),
            mined.block
        ),
        Ok(None) => eprintln!("the newest checkpoint (of {} leaves) is anchored already", newest.size),
        Err(integrity::CheckpointAnchorError::Registry(
            e @ countersign_chain::RegistryError::CheckpointNotNewer { .. },
        )) => {
            return Err(CliError::Failed(format!(
                "{e}. 链上已有更大的检查点：本日志可能被回滚或删除了最新记录；请运行 `countersign log verify` 并联系主管"
            )))
        }
        Err(integrity::CheckpointAnchorError::Registry(e)) => return Err(registry_error(e)),
        Err(integrity::CheckpointAnchorError::Log(e)) => return Err(log_error(&file.path, e)),
    }
    Ok(())
}

fn anchor_day(
    log: &mut Log,
    file: &LogFile,
    date: NaiveDate,
    anchor: &DigestAnchorArgs,
) -> Result<(), CliError> {
    let account_key = anchor
        .account_key
        .as_ref()
        .ok_or_else(|| CliError::Usage("--account-key is needed to anchor".into()))?;
    let registry = anchor.registry.ok_or_else(|| {
        CliError::Usage("anchoring needs --registry (or COUNTERSIGN_REGISTRY)".into())
    })?;
    let digest = log
        .digests()
        .map_err(|e| log_error(&file.path, e))?
        .into_iter()
        .find(|d| d.day == date)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{date} is not closed yet: run `log close-day` first"
            ))
        })?;
    let wallet = read_account(account_key)?;
    let chain = anchor.endpoint.connect(&registry).map_err(|e| match e {
        CliError::Unavailable(m) => CliError::Unavailable(format!(
            "{m}; the day stays closed and signed: anchor it later with `countersign log anchor --date {date}`"
        )),
        e => e,
    })?;
    let mined = chain
        .anchor_log_digest(&wallet, date, digest.digest)
        .map_err(registry_error)?;
    let tx = format!("0x{}", hex::encode(mined.tx));
    log.set_anchored(date, &tx)
        .map_err(|e| log_error(&file.path, e))?;
    eprintln!(
        "anchored the digest of {date} on {registry}: transaction {tx} in block {}",
        mined.block
    );
    Ok(())
}

/// Reads a file that must exist, for `--policy`.
pub fn read_policy(path: &Path) -> Result<countersign_station::PrivacyPolicy, CliError> {
    let value = countersign_jcs::parse_strict(&read_file(path)?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    countersign_station::PrivacyPolicy::from_json(&value)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}
