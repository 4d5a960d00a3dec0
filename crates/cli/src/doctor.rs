//! `countersign doctor`: is this counter PC fit to work? Runs `countersign-doctor`'s health
//! checks and prints one line per check, with what to do for each warning and failure.
//!
//! Exit codes, for fleet monitoring: 0 all ok, 1 warnings only, 2 failures, 3 usage.

use crate::provision::TrustArgs;
use crate::CliError;
use countersign_bundle::Machine;
use countersign_doctor::{Options, Status};
use countersign_paths as paths;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// `countersign doctor` arguments.
#[derive(clap::Args)]
pub struct DoctorArgs {
    /// Print every check as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Where the applied bundle is (default: COUNTERSIGN_CONFIG_DIR, else /etc/countersign when
    /// a bundle was applied there, else the user's configuration folder)
    #[arg(long, env = "COUNTERSIGN_CONFIG_DIR")]
    pub config_dir: Option<PathBuf>,
    /// The hall's data folder (log, mirror, staff, print queue)
    #[arg(long, env = "COUNTERSIGN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// This PC's counter: its printer is checked (every printer in the bundle when not given)
    #[arg(long, env = "COUNTERSIGN_COUNTER")]
    pub counter: Option<String>,
    /// Seconds to wait for one answer from a chain node
    #[arg(long, default_value_t = 5)]
    pub timeout_secs: u64,
    /// Where device files are (cameras are video* there)
    #[arg(
        long,
        env = "COUNTERSIGN_DEVICE_DIR",
        default_value = "/dev",
        hide = true
    )]
    pub device_dir: PathBuf,
}

/// `countersign doctor`; returns the exit code.
pub fn run(args: &DoctorArgs) -> Result<u8, CliError> {
    let options = Options {
        machine: Machine {
            config_dir: args
                .config_dir
                .clone()
                .unwrap_or_else(paths::locate_config_dir),
            data_dir: args
                .data_dir
                .clone()
                .unwrap_or_else(paths::default_data_dir),
            authority_file: args.trust.authority_file(),
        },
        authority: args.trust.explicit()?,
        counter: args.counter.clone().filter(|c| !c.trim().is_empty()),
        device_dir: args.device_dir.clone(),
        rpc_timeout: Duration::from_secs(args.timeout_secs.max(1)),
        now: chrono::Utc::now(),
    };
    let report = countersign_doctor::check(&options);
    let overall = report.status();
    if args.json {
        let value = json!({
            "status": overall.as_str(),
            "checks": report.checks.iter().map(|c| json!({
                "id": c.id,
                "status": c.status.as_str(),
                "detail": c.detail,
                "action": c.action,
            })).collect::<Vec<_>>(),
        });
        println!("{value:#}");
    } else {
        let width = report.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
        for c in &report.checks {
            let mut line = format!("{:<4}  {:<width$}  {}", c.status.as_str(), c.id, c.detail);
            if let Some(action) = &c.action {
                line.push_str(&format!(" → {action}"));
            }
            println!("{line}");
        }
        let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
        println!(
            "overall: {} ({} ok, {} warning(s), {} failure(s))",
            overall.as_str(),
            count(Status::Ok),
            count(Status::Warn),
            count(Status::Fail)
        );
    }
    Ok(match overall {
        Status::Ok => 0,
        Status::Warn => 1,
        Status::Fail => 2,
    })
}
