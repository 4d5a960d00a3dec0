//! `countersign verify`: one input in, the report printed, the verdict as the exit code.

use crate::{parse_time, read_file, CliError};
use chrono::{DateTime, Duration, Utc};
use countersign_chainstate::{snapshot, MemoryChainState, Source};
use countersign_station::{Channel, Logged};
use countersign_verify::{
    json::report_to_json, Clock, FixedClock, Params, Report, SystemClock, VerificationPolicy,
};
use countersign_vocab::Verdict;
use std::io::Read;
use std::path::PathBuf;

/// Arguments of `countersign verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// A file (credential JSON, CS1 text, PNG or JPEG picture), a CS1 payload, or - for stdin
    pub input: String,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    /// A registry snapshot JSON file to check issuer, anchor and revocation against
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// Verify as of this time instead of now
    #[arg(long, value_parser = parse_time)]
    pub at: Option<DateTime<Utc>>,
    /// Chain state older than this many hours earns a warning
    #[arg(long, default_value_t = i64::from(countersign_defaults::MAX_CHAIN_AGE_HOURS))]
    pub max_chain_age_hours: i64,
    /// Chain state too old: UNVERIFIABLE instead of a warning
    #[arg(long)]
    pub fail_closed: bool,
    /// The profiles accepted, comma-separated: `standard` (Ed25519, SHA-256; the default),
    /// `guomi` (SM2, SM3) or both; a credential under another is INVALID (signature.not_allowed)
    #[arg(long, env = "COUNTERSIGN_ACCEPT", value_delimiter = ',', value_parser = crate::parse_profile, default_value = "standard")]
    pub accept: Vec<countersign_crypto::Profile>,
    /// Show personal numbers unmasked
    #[arg(long)]
    pub reveal: bool,
    #[command(flatten)]
    pub endpoint: crate::chain::Endpoint,
    /// The registry followed, eip155:<chain id>:0x<address> (with --rpc or --mirror)
    #[arg(long, env = "COUNTERSIGN_REGISTRY")]
    pub registry: Option<countersign_credential::RegistryRef>,
    /// The hall's mirror file: used when no node answers
    #[arg(long, env = "COUNTERSIGN_MIRROR")]
    pub mirror: Option<PathBuf>,
    /// Newest blocks not trusted yet when verifying online
    #[arg(long, default_value_t = 0)]
    pub confirmations: u64,
    #[command(flatten)]
    pub record: RecordArgs,
}

/// Recording the verification in the hall's log.
#[derive(clap::Args)]
pub struct RecordArgs {
    /// Record the verification in the hall's log (SQLite; created if missing)
    #[arg(long = "log", env = "COUNTERSIGN_LOG")]
    pub log: Option<PathBuf>,
    /// Hall id, for the log
    #[arg(long, env = "COUNTERSIGN_HALL")]
    pub hall: Option<String>,
    /// Counter id, for the log
    #[arg(long, env = "COUNTERSIGN_COUNTER")]
    pub counter: Option<String>,
    /// Clerk id, for the log
    #[arg(long, env = "COUNTERSIGN_CLERK")]
    pub clerk: Option<String>,
    /// How the credential arrived (default: image for a picture file, else scanner)
    #[arg(long, value_enum)]
    pub channel: Option<ChannelArg>,
    /// The hall's privacy policy (JSON): which subject fields the log keeps and how masked
    #[arg(long, env = "COUNTERSIGN_PRIVACY_POLICY")]
    pub policy: Option<PathBuf>,
}

/// How the credential arrived.
#[derive(clap::ValueEnum, Clone, Copy)]
pub enum ChannelArg {
    /// A handheld or serial scanner
    Scanner,
    /// A webcam
    Camera,
    /// A picture file
    Image,
}

impl RecordArgs {
    /// The station to record with, when --log is given; checked before verifying so a bad
    /// argument stops early (a log that cannot be written does not stop verification).
    fn identity(&self) -> Result<Option<countersign_station::Identity>, CliError> {
        if self.log.is_none() {
            return Ok(None);
        }
        let need = |value: &Option<String>, flag: &str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "--log needs --{flag} (or COUNTERSIGN_{})",
                        flag.to_uppercase()
                    ))
                })
        };
        Ok(Some(countersign_station::Identity {
            hall: need(&self.hall, "hall")?,
            counter: need(&self.counter, "counter")?,
            clerk: need(&self.clerk, "clerk")?,
        }))
    }
}

fn load_snapshot(args: &VerifyArgs) -> Result<Option<MemoryChainState>, CliError> {
    let Some(path) = &args.snapshot else {
        return Ok(None);
    };
    let value = countersign_jcs::parse_strict_with(
        &read_file(path)?,
        &countersign_jcs::Limits {
            max_depth: 32,
            max_bytes: 256 * 1024 * 1024,
        },
    )
    .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    snapshot::from_json(&value)
        .map(Some)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// `countersign verify`; returns the exit code of the verdict.
pub fn run(args: &VerifyArgs) -> Result<u8, CliError> {
    let chain = load_snapshot(args)?;
    let mut source = if chain.is_some() {
        None
    } else {
        open_source(args)?
    };
    match &mut source {
        Some(source) => {
            // The node is tried first; when it cannot be used, the mirror answers, and the
            // user is told why the chain was not asked directly.
            let result = source.with(|state| run_with(args, Some(state)));
            for fault in source.status().faults {
                eprintln!("chain node left out: {fault}");
            }
            if !source.is_online() && !args.endpoint.rpc.is_empty() {
                let why = source.note.as_deref().unwrap_or("no node answered");
                match source.mirror() {
                    Some(_) => {
                        eprintln!("chain unreachable, verified against the hall's mirror ({why})")
                    }
                    None => eprintln!("chain unreachable, chain checks could not be made ({why})"),
                }
            }
            result
        }
        None => run_with(
            args,
            chain
                .as_ref()
                .map(|c| c as &dyn countersign_chainstate::ChainState),
        ),
    }
}

/// The chain source asked for: nodes and/or the hall's mirror (none: chain checks are not
/// configured).
fn open_source(args: &VerifyArgs) -> Result<Option<countersign_station::ChainSource>, CliError> {
    if args.endpoint.rpc.is_empty() && args.mirror.is_none() {
        return Ok(None);
    }
    let registry = args.registry.ok_or_else(|| {
        CliError::Usage(
            "which registry? pass --registry eip155:<chain id>:0x<address> (or set COUNTERSIGN_REGISTRY)".into(),
        )
    })?;
    countersign_station::ChainSource::new(
        args.endpoint.rpc.clone(),
        registry,
        args.mirror.as_deref(),
        args.endpoint.options(),
        args.endpoint.head_policy(args.confirmations)?,
    )
    .map(Some)
    .map_err(|e| CliError::Usage(e.to_string()))
}

fn run_with(
    args: &VerifyArgs,
    chain: Option<&dyn countersign_chainstate::ChainState>,
) -> Result<u8, CliError> {
    let fixed;
    // `--at`, else the hall's clock when COUNTERSIGN_CLOCK sets one (training rooms, demos).
    let at = match args.at {
        Some(t) => Some(t),
        None if std::env::var_os("COUNTERSIGN_CLOCK").is_some() => Some(crate::hall_now()?),
        None => None,
    };
    let clock: &dyn Clock = match at {
        Some(t) => {
            fixed = FixedClock(t);
            &fixed
        }
        None => &SystemClock,
    };
    let params = Params {
        clock,
        chain,
        policy: VerificationPolicy {
            max_chain_age: Duration::hours(args.max_chain_age_hours),
            fail_closed_when_stale: args.fail_closed,
            algorithms: accepted(&args.accept),
            ..countersign_verify::VerificationPolicy::default()
        },
    };
    let identity = args.record.identity()?;
    let policy = match &args.record.policy {
        Some(path) => crate::log::read_policy(path)?,
        None => countersign_station::PrivacyPolicy::default(),
    };
    let (input, report) = if args.input == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(64 * 1024 * 1024)
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
        let report = countersign_verify::verify_bytes(&bytes, &params);
        (bytes, report)
    } else if std::path::Path::new(&args.input).is_file() {
        let bytes = read_file(std::path::Path::new(&args.input))?;
        let report = countersign_verify::verify_bytes(&bytes, &params);
        (bytes, report)
    } else if args.input.trim_start().starts_with("CS") || args.input.trim_start().starts_with('{')
    {
        let report = countersign_verify::verify_text(&args.input, &params);
        (args.input.clone().into_bytes(), report)
    } else {
        return Err(CliError::Usage(format!(
            "{:?} is neither a file nor a CS1 payload",
            args.input.chars().take(60).collect::<String>()
        )));
    };
    if args.json {
        let text = serde_json::to_string_pretty(&report_to_json(&report))
            .map_err(|e| CliError::Failed(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", render(&report, args.reveal));
    }
    if let (Some(identity), Some(path)) = (identity, &args.record.log) {
        let channel = match args.record.channel {
            Some(ChannelArg::Scanner) => Channel::Scanner,
            Some(ChannelArg::Camera) => Channel::Camera,
            Some(ChannelArg::Image) => Channel::Image,
            None if input.starts_with(b"\x89PNG") || input.starts_with(&[0xff, 0xd8, 0xff]) => {
                Channel::Image
            }
            None => Channel::Scanner,
        };
        eprintln!(
            "{}",
            record(
                path,
                identity,
                policy,
                accepted(&args.accept),
                &report,
                &input,
                channel,
            )
        );
    }
    Ok(match report.verdict {
        Verdict::Valid => 0,
        Verdict::Invalid => 1,
        Verdict::Unverifiable => 2,
    })
}

/// Records the verification and says what became of it. A log that cannot be opened or
/// written does not take the verdict away: it is said, plainly, that nothing was logged.
fn record(
    path: &std::path::Path,
    identity: countersign_station::Identity,
    policy: countersign_station::PrivacyPolicy,
    algorithms: countersign_crypto::Policy,
    report: &Report,
    input: &[u8],
    channel: Channel,
) -> String {
    let not_logged = |why: String, storage: bool| {
        let next = if storage {
            "the disk is full or the log is read-only: tell IT; verifications go on but are not recorded"
        } else {
            "tell IT; verifications go on but are not recorded"
        };
        format!("NOT LOGGED 未记录: {why} ({next})")
    };
    let now = match crate::hall_now() {
        Ok(now) => now,
        Err(e) => return not_logged(e.to_string(), false),
    };
    let mut station =
        match countersign_station::Station::open_with(path, identity, policy, algorithms, now) {
            Ok(station) => station,
            Err(countersign_station::StationError::Log(e)) => {
                let storage = e.is_storage_full_or_read_only();
                return not_logged(format!("{}: {e}", path.display()), storage);
            }
        };
    match station.record(report, input, channel, None) {
        Logged::Entry(seq) => {
            let receipt = station
                .log()
                .entry(seq)
                .ok()
                .flatten()
                .and_then(|e| e.entry.receipt)
                .map(|id| format!(", receipt {id} 回执号"))
                .unwrap_or_default();
            format!("logged as entry {seq} 已记录{receipt}")
        }
        Logged::Repeat(seq) => {
            format!("scanned again: already logged as entry {seq} 重复扫描，已记录为第 {seq} 条")
        }
        Logged::Failed { reason, storage } => not_logged(reason, storage),
    }
}

/// The report as a person reads it in a terminal.
pub fn render(report: &Report, reveal: bool) -> String {
    let mut out = String::new();
    let verdict = match report.verdict {
        Verdict::Valid => "VALID 有效",
        Verdict::Invalid => "INVALID 无效",
        Verdict::Unverifiable => "UNVERIFIABLE 无法确认",
    };
    out.push_str(&format!("{verdict}\n"));
    for c in &report.checks {
        out.push_str(&format!(
            "  {:<10}  {:<7}  {}\n",
            c.id.as_str(),
            c.outcome.as_str(),
            c.detail
        ));
    }
    if let Some(s) = &report.summary {
        let label = match (&s.type_label_zh, &s.type_label_en) {
            (Some(zh), Some(en)) => format!("{zh} {en}"),
            _ => s.type_name.clone(),
        };
        out.push_str(&format!(
            "credential  {label}  {}\n",
            s.id.as_deref().unwrap_or("(no id)")
        ));
        let name = s.issuer_name.as_deref().unwrap_or("(no name)");
        let registered = if s.issuer_name_registered {
            "registered"
        } else {
            "as claimed, not registered"
        };
        out.push_str(&format!(
            "issuer      {name} ({registered})  {}\n",
            s.issuer_id
        ));
        let day = |t: Option<DateTime<Utc>>| t.map(|t| t.format("%Y-%m-%d").to_string());
        out.push_str(&format!(
            "valid       {} – {}\n",
            day(s.valid_from).unwrap_or_else(|| "…".into()),
            day(s.valid_until).unwrap_or_else(|| "no expiry".into())
        ));
        for f in &s.fields {
            out.push_str(&format!(
                "  {} {}: {}\n",
                f.label_zh,
                f.label_en,
                f.display_value(reveal)
            ));
        }
    }
    if let Some(c) = &report.chain {
        let source = match &c.source {
            Source::Online {
                endpoint,
                agreed: 1,
                ..
            } => format!("online, one node: {endpoint}"),
            Source::Online {
                endpoint,
                agreed,
                asked,
            } => format!("online, {agreed} of {asked} nodes agree, read from {endpoint}"),
            Source::Mirror => format!("offline mirror, last synced {}", c.checked_at.to_rfc3339()),
            Source::Memory => "registry snapshot".into(),
        };
        out.push_str(&format!(
            "chain state block {} at {} ({source})\n",
            c.block,
            c.block_time.to_rfc3339()
        ));
    }
    for w in &report.warnings {
        out.push_str(&format!("warning     {}\n", w.detail));
    }
    out
}

/// The algorithm policy of `--accept`: the first profile named is the one the hall signs
/// with, the others are accepted too.
pub fn accepted(profiles: &[countersign_crypto::Profile]) -> countersign_crypto::Policy {
    match profiles.split_first() {
        Some((first, rest)) => countersign_crypto::Policy::new(*first, rest),
        None => countersign_crypto::Policy::default(),
    }
}
