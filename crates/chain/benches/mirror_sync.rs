//! Mirror sync from a real anvil node: how long a hall's first sync of a busy registry takes,
//! its peak memory and the database it leaves.
//!
//!   cargo bench -p countersign-chain --bench mirror_sync            (1,000,000 events)
//!   COUNTERSIGN_BENCH_EVENTS=20000 cargo bench -p countersign-chain --bench mirror_sync
//!   COUNTERSIGN_BENCH_GROUP_EVENTS=1 …   (prove every page on its own: one proof per page)
//!
//! Setup (not timed) starts anvil, deploys the registry, registers four issuers and sends
//! anchoring and revocation transactions of 2,000 hashes each until the registry holds the
//! asked number of events (90 % anchors, 10 % revocations). The chain is kept in
//! `target/bench-chain-<events>.json` (anvil's `--state`) so later runs skip the setup.
//!
//! The sync runs in a child process (this binary again) so its peak resident memory (VmHWM)
//! is the sync's own, not the setup's.

use countersign_chain::{Registry, RpcOptions, Wallet};
use countersign_chainstate::RevocationReason;
use countersign_credential::{DidKey, RegistryRef};
use countersign_devchain::{Anvil, AnvilOptions, DEV_CHAIN_ID, DEV_KEYS};
use countersign_merkle::NodeHash;
use countersign_mirror::{sync_once, Mirror, SyncOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PER_TX: u32 = 2_000;
const ISSUERS: usize = 4;
const PAGE_BLOCKS: u64 = 10;

fn main() {
    // `cargo bench` passes --bench; a child run is told by the environment.
    if let Ok(spec) = std::env::var("COUNTERSIGN_BENCH_CHILD") {
        child(&spec);
        return;
    }
    // Under `cargo test --all-targets` (no --bench argument) a small run checks that the bench
    // still works, without the ten-minute setup.
    let measuring = std::env::args().any(|a| a == "--bench");
    let events: u32 = std::env::var("COUNTERSIGN_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if measuring { 1_000_000 } else { 5_000 });
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let state = target.join(format!("bench-chain-{events}.json"));
    let fresh = !measuring || !state.is_file();
    if fresh {
        let _ = std::fs::remove_file(&state);
    }
    let anvil = Anvil::start_with(&AnvilOptions {
        state: measuring.then(|| state.clone()),
        args: vec![
            "--gas-limit".into(),
            "2000000000".into(),
            "--disable-code-size-limit".into(),
            // Without this anvil keeps every block's state in memory: 17 GiB at 700,000 events.
            "--prune-history".into(),
            "4".into(),
        ],
        ..AnvilOptions::default()
    })
    .expect("anvil (run scripts/tools.sh)");
    let registry_ref = if fresh {
        let started = Instant::now();
        let r = build_chain(&anvil.url(), events);
        eprintln!(
            "setup: {events} events on anvil in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        r
    } else {
        eprintln!("setup: reusing {}", state.display());
        "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
            .parse()
            .expect("registry")
    };

    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("mirror.sqlite");
    let exe = std::env::current_exe().expect("own path");
    let output = std::process::Command::new(exe)
        .env(
            "COUNTERSIGN_BENCH_CHILD",
            format!("{}|{}|{}", anvil.url(), registry_ref, db.display()),
        )
        .output()
        .expect("child runs");
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the sync failed");
    // A clean stop writes the state file for the next run.
    anvil.stop();
}

/// Deploys, registers four issuers (accounts 1–4) and fills the registry.
fn build_chain(url: &str, events: u32) -> RegistryRef {
    let options = RpcOptions {
        timeout: Duration::from_secs(120),
        ..RpcOptions::default()
    };
    let admin = Wallet::from_hex(DEV_KEYS[0]).expect("key");
    let (registry, _) = Registry::deploy(url, DEV_CHAIN_ID, &admin, options).expect("deploy");
    let issuers: Vec<(Wallet, DidKey)> = (0..ISSUERS)
        .map(|i| {
            let wallet = Wallet::from_hex(DEV_KEYS[i + 1]).expect("key");
            let key = ed25519_dalek::SigningKey::from_bytes(&[i as u8 + 1; 32]);
            let did = DidKey::from_verifying_key(key.verifying_key());
            registry
                .register_issuer(
                    &admin,
                    &did,
                    wallet.address(),
                    &format!("发证机关 {i}"),
                    &["DiplomaCredential".into()],
                )
                .expect("register");
            (wallet, did)
        })
        .collect();
    let mut made = 2 * ISSUERS as u32 + 1; // registrations, their status changes, the admin
    let mut n = 0u32;
    let mut tx = 0usize;
    while made < events {
        let count = PER_TX.min(events - made);
        let (wallet, _) = &issuers[tx % ISSUERS];
        let hashes: Vec<NodeHash> = (n..n + count)
            .map(|i| countersign_merkle::leaf_hash(&i.to_be_bytes()))
            .collect();
        // Every tenth transaction revokes instead of anchoring.
        if tx % 10 == 9 {
            registry
                .revoke(wallet, &hashes, RevocationReason::Superseded)
                .expect("revoke");
        } else {
            registry.anchor_roots(wallet, &hashes).expect("anchor");
        }
        n += count;
        made += count;
        tx += 1;
        if tx.is_multiple_of(50) {
            eprintln!("setup: {made} events");
        }
    }
    *registry.registry()
}

fn child(spec: &str) {
    let mut parts = spec.split('|');
    let (Some(url), Some(registry), Some(db)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("bad child spec");
    };
    let registry: RegistryRef = registry.parse().expect("registry");
    let options = RpcOptions {
        timeout: Duration::from_secs(120),
        ..RpcOptions::default()
    };
    let chain = Registry::connect(url, &registry, options).expect("connect");
    let mut mirror = Mirror::open(PathBuf::from(db), &registry).expect("mirror");
    let started = Instant::now();
    let report = sync_once(
        &mut mirror,
        &chain,
        &SyncOptions {
            page_blocks: PAGE_BLOCKS,
            confirmations: 0,
            start_block: 0,
            // COUNTERSIGN_BENCH_GROUP_EVENTS: events per proved group (one storage proof each).
            group_events: std::env::var("COUNTERSIGN_BENCH_GROUP_EVENTS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(countersign_mirror::sync::GROUP_EVENTS),
        },
        &mut |_| {},
    )
    .expect("sync");
    let seconds = started.elapsed().as_secs_f64();
    let counts = mirror.counts().expect("counts");
    drop(mirror);
    let size: u64 = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{db}{suffix}")).ok())
        .map(|m| m.len())
        .sum();
    let peak_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0);
    println!(
        "mirror sync: {} events ({} anchors, {} revocations) in {} blocks, {} pages: {:.1} s, {:.0} events/s, peak RSS {:.0} MiB, database {:.1} MiB ({:.0} bytes/event)",
        counts.events,
        counts.anchors,
        counts.revocations,
        report.to + 1 - report.from,
        report.pages,
        seconds,
        counts.events as f64 / seconds,
        peak_kib as f64 / 1024.0,
        size as f64 / (1024.0 * 1024.0),
        size as f64 / counts.events.max(1) as f64
    );
}
