//! `countersign`: the command line over Countersign's libraries, for issuers (keygen, issue),
//! for IT staff (provision, doctor) and for scripted checks (verify). It holds no logic of its
//! own beyond reading arguments and files and printing results; everything else is the same
//! library code the desktop app calls.

// Every module prints through these, not std's: std's `println!` panics with a backtrace when
// the reader has gone (`countersign log report --json | grep -q …` once grep has its match).
// Defined before the modules so that they shadow std's in all of them.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            $crate::stdout_failed(&e)
        }
    }};
}
macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($arg)*) {
            $crate::stdout_failed(&e)
        }
    }};
}

mod chain;
mod demo;
mod doctor;
mod issue;
mod keyfile;
mod log;
mod mirror;
mod provision;
mod receipt;
mod staff;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for usage errors and unreadable input (0, 1, 2 are verdicts).
pub const EXIT_USAGE: u8 = 3;

#[derive(Parser)]
#[command(
    name = "countersign",
    version,
    about = "Verify and issue Countersign credentials"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an issuer key: prints its did:key, writes the key file with mode 0600
    Keygen {
        /// Where to write the key file (refuses to overwrite)
        #[arg(long, short)]
        out: PathBuf,
        /// The issuer's display name, e.g. 北京市教育委员会
        #[arg(long)]
        name: String,
        /// `standard` (Ed25519, the default) or `guomi` (SM2, the national profile)
        #[arg(long, default_value = "standard", value_parser = parse_profile)]
        profile: countersign_crypto::Profile,
    },
    /// Sign a batch of credentials from JSON or CSV, build its Merkle batch, write credentials,
    /// CS1 payloads, QR images and the batch root
    Issue(issue::IssueArgs),
    /// Verify a credential: a file (JSON, CS1 text, PNG/JPEG picture), a CS1 payload, or - for stdin.
    /// Exit code 0 VALID, 1 INVALID, 2 UNVERIFIABLE, 3 usage error
    Verify(verify::VerifyArgs),
    /// The registry on chain: deploy, register issuers, status, mirror sync
    #[command(subcommand)]
    Chain(chain::ChainCommand),
    /// Anchor issued batches (their batch.json) on the registry from the issuer's account
    Anchor(chain::AnchorArgs),
    /// Revoke credentials, sub-batches or whole batches from the issuer's account
    Revoke(chain::RevokeArgs),
    /// The hall's verification log: verify, report, export, search, close-day, anchor, purge
    #[command(subcommand)]
    Log(log::LogCommand),
    /// The hall's staff accounts: add, list, disable, enable, reset-pin, sign-ins
    #[command(subcommand)]
    Staff(staff::StaffCommand),
    /// Verification receipts: show or render a logged verification's signed receipt, print it,
    /// check a receipt brought back
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// The hall's printer: status, test page, the print queue (list, retry, cancel, flush)
    #[command(subcommand)]
    Printer(receipt::PrinterCommand),
    /// Signed hall bundles: the authority's key, create and sign bundles; inspect and apply
    /// them on a counter PC. Exit 0 done, 1 refused, 3 usage
    #[command(subcommand)]
    Provision(provision::ProvisionCommand),
    /// Check this counter PC: bundle, databases, disk, chain, mirror, printer, scanner, camera,
    /// clock. Exit 0 all ok, 1 warnings, 2 failures, 3 usage
    Doctor(doctor::DoctorArgs),
    /// Write the demo issuers, registry snapshot, credentials and QR images (deterministic)
    Demo {
        /// Output folder
        #[arg(long, short, default_value = "assets/demo")]
        out: PathBuf,
        /// `standard` (Ed25519, SHA-256; what assets/demo holds) or `guomi` (SM2, SM3)
        #[arg(long, default_value = "standard", value_parser = parse_profile)]
        profile: countersign_crypto::Profile,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // The libraries' events (RPC retries, failovers, mirror pages, migrations, print jobs) go
    // to the hall's diagnostic file, when this machine has a hall data folder.
    let data_dir = countersign_paths::default_data_dir();
    if data_dir.is_dir() {
        let _ = countersign_tracefile::init(&data_dir, "COUNTERSIGN_LOG_LEVEL");
    }
    let result = match cli.command {
        Command::Keygen { out, name, profile } => keyfile::keygen(&out, &name, profile).map(|()| 0),
        Command::Issue(args) => issue::run(&args).map(|()| 0),
        Command::Verify(args) => verify::run(&args),
        Command::Demo { out, profile } => demo::run(&out, profile).map(|()| 0),
        Command::Chain(command) => chain::run(&command),
        Command::Anchor(args) => {
            chain::anchor_batches(&args.endpoint, &args.account_key, &args.batches).map(|_| 0)
        }
        Command::Revoke(args) => chain::revoke(&args),
        Command::Log(command) => log::run(&command),
        Command::Staff(command) => staff::run(&command),
        Command::Receipt(command) => receipt::run(&command),
        Command::Printer(command) => receipt::run_printer(&command),
        Command::Provision(command) => provision::run(&command),
        Command::Doctor(args) => doctor::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("countersign: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Standard output could not be written. A reader that stopped reading ends the process
/// quietly with the status a shell gives SIGPIPE (128 + 13), as other command-line tools
/// end; any other failure (a full disk behind a redirection) is said, with the usage code.
/// Whatever the command did before printing is already done: results are printed last.
fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    eprintln!("countersign: cannot write the output: {e}");
    std::process::exit(i32::from(EXIT_USAGE));
}

/// A failure of a command, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or unreadable input files.
    #[error("{0}")]
    Usage(String),
    /// The command could not do its job (signing, writing output).
    #[error("{0}")]
    Failed(String),
    /// The chain could not be reached; nothing was changed. Try again later.
    #[error("{0}")]
    Unavailable(String),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::Failed(_) => 1,
            Self::Unavailable(_) => 2,
        }
    }
}

/// Reads a file, naming it in the error.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}

/// Writes a file, naming it in the error.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))
}

/// The hall's time for what the CLI records and signs: the system's, or the RFC 3339 instant
/// in `COUNTERSIGN_CLOCK` (training rooms and demos, as the app's; the installed launcher never
/// passes it, so a counter PC's log is always written at the system's time).
pub fn hall_now() -> Result<chrono::DateTime<chrono::Utc>, CliError> {
    match std::env::var("COUNTERSIGN_CLOCK") {
        Err(_) => Ok(chrono::Utc::now()),
        Ok(text) if text.trim().is_empty() => Ok(chrono::Utc::now()),
        Ok(text) => chrono::DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| {
                CliError::Usage(format!(
                    "COUNTERSIGN_CLOCK {text:?} is not an RFC 3339 time ({e}); unset it to use the system clock"
                ))
            }),
    }
}

/// A profile's name on the command line: `standard` or `guomi`.
pub fn parse_profile(text: &str) -> Result<countersign_crypto::Profile, String> {
    countersign_crypto::Profile::from_name(text).map_err(|_| {
        format!("{text:?} is not a profile: standard (Ed25519, SHA-256) or guomi (SM2, SM3)")
    })
}

/// Parses an RFC 3339 time argument.
pub fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| format!("{text:?} is not a date (2026-11-25) or an RFC 3339 time (2026-11-25T09:00:00+08:00)"))
}

/// Parses a UTC offset argument. Its flag is declared with `allow_hyphen_values`: a hall west
/// of Greenwich writes `--utc-offset -06:00`, which clap would otherwise take for a flag.
pub fn parse_offset(text: &str) -> Result<chrono::FixedOffset, String> {
    text.parse::<chrono::FixedOffset>()
        .map_err(|_| format!("{text:?} is not a UTC offset such as +08:00 or -06:00"))
}
