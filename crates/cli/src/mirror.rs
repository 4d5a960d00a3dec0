//! `countersign chain status|sync`: the registry's state on the node and in the hall's mirror,
//! and keeping the mirror current. (`verify` chooses its chain state with
//! `countersign_station::ChainSource`: a live node, else the mirror, else "could not check".)

use crate::chain::{Endpoint, RegistryArg};
use crate::CliError;
use chrono::Utc;
use countersign_chain::connect_first;
use countersign_credential::RegistryRef;
use countersign_mirror::{Mirror, Progress, SyncError, SyncOptions};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `countersign chain status`.
#[derive(clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub endpoint: Endpoint,
    #[command(flatten)]
    pub registry: RegistryArg,
    /// The hall's mirror file, to report its age and contents
    #[arg(long, env = "COUNTERSIGN_MIRROR")]
    pub mirror: Option<PathBuf>,
}

/// Arguments of `countersign chain sync`.
#[derive(clap::Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub endpoint: Endpoint,
    #[command(flatten)]
    pub registry: RegistryArg,
    /// The hall's mirror file (created if absent)
    #[arg(long, env = "COUNTERSIGN_MIRROR")]
    pub mirror: PathBuf,
    /// Newest blocks left out as not yet final (0 for instant-finality consortium chains)
    #[arg(long, default_value_t = 0)]
    pub confirmations: u64,
    /// Blocks per event query (halved automatically when a node refuses a range)
    #[arg(long, default_value_t = 2000)]
    pub page_blocks: u64,
    /// The block the registry was deployed in (an empty mirror starts there)
    #[arg(long, default_value_t = 0)]
    pub start_block: u64,
    /// Keep syncing every --interval seconds until interrupted
    #[arg(long)]
    pub follow: bool,
    /// Seconds between rounds with --follow
    #[arg(long, default_value_t = 15)]
    pub interval: u64,
}

fn open_mirror(path: &PathBuf, registry: &RegistryRef) -> Result<Mirror, CliError> {
    Mirror::open(path, registry).map_err(|e| CliError::Usage(e.to_string()))
}

fn age_text(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// `countersign chain status`: exit 0 when the chain answers, 2 when it cannot be reached.
pub fn status(args: &StatusArgs) -> Result<u8, CliError> {
    let registry = &args.registry.registry;
    println!("registry    {registry}");
    let mut code = 0;
    match connect_first(&args.endpoint.rpc, registry, &args.endpoint.options()) {
        Ok(chain) => {
            let head = chain.head().map_err(crate::chain::registry_error)?;
            let issuers = chain.issuer_count().map_err(crate::chain::registry_error)?;
            println!(
                "node        {} (chain {}, registry code present)",
                chain.endpoint(),
                registry.chain_id
            );
            println!(
                "head        block {} at {} ({} ago)",
                head.number,
                head.time.to_rfc3339(),
                age_text((Utc::now() - head.time).num_seconds().max(0))
            );
            println!("issuers     {issuers}");
        }
        Err(e) => {
            if e.wrong_registry() {
                return Err(CliError::Usage(e.to_string()));
            }
            println!("node        unreachable: {e}");
            code = 2;
        }
    }
    if let Some(path) = &args.mirror {
        let mirror = open_mirror(path, registry)?;
        let counts = mirror
            .counts()
            .map_err(|e| CliError::Failed(e.to_string()))?;
        match mirror.cursor().map_err(|e| CliError::Failed(e.to_string()))? {
            Some(cursor) => println!(
                "mirror      {} as of block {} at {}, last synced {}; {} issuers, {} anchored roots, {} revocations, {} events",
                path.display(),
                cursor.number,
                cursor.time.to_rfc3339(),
                match mirror.synced_at().map_err(|e| CliError::Failed(e.to_string()))? {
                    Some(t) => format!("{} ago", age_text((Utc::now() - t).num_seconds().max(0))),
                    None => "never to the head".into(),
                },
                counts.issuers,
                counts.anchors,
                counts.revocations,
                counts.events
            ),
            None => println!("mirror      {} has never synced: run countersign chain sync", path.display()),
        }
    }
    Ok(code)
}

fn print_progress(p: &Progress) {
    eprintln!(
        "  block {} of {} ({} remaining), {} events",
        p.current_block, p.to_block, p.blocks_remaining, p.events_applied
    );
}

/// `countersign chain sync`.
pub fn sync(args: &SyncArgs) -> Result<u8, CliError> {
    let registry = args.registry.registry;
    let options = SyncOptions {
        page_blocks: args.page_blocks.max(1),
        confirmations: args.confirmations,
        start_block: args.start_block,
        ..SyncOptions::default()
    };
    if args.follow {
        return follow(args, registry, options);
    }
    if args.endpoint.rpc.is_empty() {
        return Err(CliError::Usage(
            "no chain node given: pass --rpc http://… or set COUNTERSIGN_RPC".into(),
        ));
    }
    let policy = args.endpoint.head_policy(args.confirmations)?;
    let report = countersign_station::sync_mirror(
        &args.endpoint.rpc,
        registry,
        &args.mirror,
        args.endpoint.options(),
        &options,
        &policy,
        &mut print_progress,
    )
    .map_err(|e| match e {
        SyncError::Mirror(e) => CliError::Usage(e.to_string()),
        e => CliError::Unavailable(format!(
            "the mirror keeps what it had synced and proved before this error: {e}"
        )),
    })?;
    for fault in &report.faults {
        eprintln!("node left out: {fault}");
    }
    if let Some(depth) = report.reorg_depth {
        eprintln!("the chain reorganised: rolled back {depth} block(s) and read them again");
    }
    let mirror = open_mirror(&args.mirror, &registry)?;
    let counts = mirror
        .counts()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    println!(
        "synced blocks {}..={} from {} ({} of {} nodes agreed, every page proved): {} new events in {} pages; mirror holds {} issuers, {} anchored roots, {} revocations",
        report.from, report.to, report.endpoint, report.agreed, args.endpoint.rpc.len(), report.events, report.pages, counts.issuers, counts.anchors, counts.revocations
    );
    Ok(0)
}

fn follow(args: &SyncArgs, registry: RegistryRef, options: SyncOptions) -> Result<u8, CliError> {
    if args.endpoint.rpc.is_empty() {
        return Err(CliError::Usage(
            "no chain node given: pass --rpc http://… or set COUNTERSIGN_RPC".into(),
        ));
    }
    let policy = args.endpoint.head_policy(args.confirmations)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    runtime.block_on(async {
        let Some(follower) = countersign_station::spawn_follower(
            &args.endpoint.rpc,
            registry,
            args.mirror.clone(),
            args.endpoint.options(),
            options,
            policy,
            Duration::from_secs(args.interval.max(1)),
        ) else {
            return;
        };
        let mut status = follower.status();
        loop {
            tokio::select! {
                changed = status.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let s = status.borrow().clone();
                    if s.syncing {
                        continue;
                    }
                    match (&s.last_error, &s.cursor) {
                        (Some(e), _) => eprintln!("{} sync failed, will retry: {e}", Utc::now().to_rfc3339()),
                        (None, Some(c)) => eprintln!(
                            "{} mirror at block {} via {}",
                            Utc::now().to_rfc3339(),
                            c.number,
                            s.endpoint.as_deref().unwrap_or("?")
                        ),
                        _ => {}
                    }
                }
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        follower.stop().await;
    });
    Ok(0)
}
