//! What checking a credential against the chain costs, per credential, against a real local
//! anvil node: the registry answers proved (storage proofs against the header of the block the
//! nodes agree on, the default), the same with three nodes agreeing, the answers taken on one
//! node's word (`chain.proofs: false`), and the hall's mirror, beside the local checks alone.
//!
//!   cargo bench -p countersign-cli --bench verify_online          (a 65,536-credential batch)
//!
//! Setup (not timed) runs the `countersign` binary: deploys the registry, registers a
//! university, issues a batch with `--anchor` (so the credential's proof has the path of a
//! 65,536-leaf batch: 17 hashes are checked for revocation), revokes another credential of it,
//! and syncs a mirror. Each figure is the median of repeated verifications of one credential
//! through `countersign_station::ChainSource::with` (what the app and `countersign verify`
//! call), agreement round included. Under `cargo test --all-targets` (no `--bench`) a small
//! batch and a few rounds check that the bench still runs.

use countersign_chainstate::agree::HeadPolicy;
use countersign_devchain::{Anvil, DEV_KEYS};
use countersign_station::ChainSource;
use countersign_verify::{verify_json, FixedClock, Params, VerificationPolicy};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .env_remove("COUNTERSIGN_RPC")
        .env_remove("COUNTERSIGN_REGISTRY")
        .env_remove("COUNTERSIGN_MIRROR")
        .args(args)
        .output()
        .expect("countersign runs");
    assert!(
        out.status.success(),
        "countersign {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn account_file(dir: &Path, index: usize) -> PathBuf {
    let wallet = countersign_chain::Wallet::from_hex(DEV_KEYS[index]).expect("dev key");
    let path = dir.join(format!("account{index}.json"));
    std::fs::write(
        &path,
        serde_json::json!({
            "type": "countersign-account-key",
            "address": format!("{:?}", wallet.address()),
            "privateKey": DEV_KEYS[index],
        })
        .to_string(),
    )
    .expect("write account file");
    path
}

/// Deploys, registers, issues `n` diplomas anchored, revokes the second; returns the registry.
fn setup(url: &str, dir: &Path, n: usize) -> String {
    let gov = account_file(dir, 0);
    let school = account_file(dir, 1);
    let address = format!(
        "{:?}",
        countersign_chain::Wallet::from_hex(DEV_KEYS[1])
            .expect("dev key")
            .address()
    );
    let registry = run(&["chain", "deploy", "--rpc", url, "--account-key", s(&gov)])
        .trim()
        .to_owned();
    let key = dir.join("school.key.json");
    run(&["keygen", "--out", s(&key), "--name", "京华大学"]);
    run(&[
        "chain",
        "register-issuer",
        "--rpc",
        url,
        "--registry",
        &registry,
        "--account-key",
        s(&gov),
        "--issuer-key",
        s(&key),
        "--account",
        &address,
        "--types",
        "DiplomaCredential",
    ]);
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "name": "刘洋", "idNumber": "110108199803120018", "school": "京华大学",
                "major": format!("计算机科学与技术 {i}"), "level": "本科",
                "graduationDate": "2020-06-30"
            })
        })
        .collect();
    let input = dir.join("rows.json");
    std::fs::write(&input, serde_json::to_vec(&rows).expect("rows")).expect("write rows");
    let out = dir.join("batch");
    run(&[
        "issue",
        "--key",
        s(&key),
        "--input",
        s(&input),
        "--out",
        s(&out),
        "--type",
        "DiplomaCredential",
        "--registry",
        &registry,
        "--no-qr",
        "--anchor",
        "--account-key",
        s(&school),
        "--rpc",
        url,
    ]);
    run(&[
        "revoke",
        "--rpc",
        url,
        "--account-key",
        s(&school),
        "--credential",
        s(&credential(dir, 2)),
        "--reason",
        "withdrawn",
    ]);
    registry
}

/// The `n`th credential file of the batch (named with as many digits as the batch needs).
fn credential(dir: &Path, n: usize) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("batch"))
        .expect("batch folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.chars().all(|c| c.is_ascii_digit()))
        })
        .collect();
    files.sort();
    files.swap_remove(n - 1)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (batch, rounds) = if measuring { (65_536, 200) } else { (8, 5) };
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let registry = setup(&anvil.url(), dir.path(), batch);
    let mirror = dir.path().join("mirror.sqlite");
    run(&[
        "chain",
        "sync",
        "--rpc",
        &anvil.url(),
        "--registry",
        &registry,
        "--mirror",
        s(&mirror),
    ]);
    eprintln!(
        "setup: a {batch}-credential batch on anvil in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let document = std::fs::read(credential(dir.path(), 1)).expect("credential");
    let registry: countersign_credential::RegistryRef = registry.parse().expect("registry");
    let clock = FixedClock(chrono::Utc::now());
    let rpc = countersign_chain::RpcOptions::default();

    let measure = |name: &str, source: &mut Option<ChainSource>| {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            let verdict = match source {
                Some(source) => source.with(|state| {
                    let params = Params {
                        clock: &clock,
                        chain: Some(state),
                        policy: VerificationPolicy::default(),
                    };
                    verify_json(&document, &params).verdict
                }),
                None => {
                    let params = Params {
                        clock: &clock,
                        chain: None,
                        policy: VerificationPolicy::default(),
                    };
                    verify_json(&document, &params).verdict
                }
            };
            times.push(t.elapsed());
            assert_eq!(
                verdict.as_str(),
                if source.is_some() {
                    "VALID"
                } else {
                    "UNVERIFIABLE"
                },
                "{name}"
            );
        }
        let m = median(times);
        println!("{name:<58} {:>9.1} µs", m.as_secs_f64() * 1e6);
    };

    let nodes = |n: usize| vec![anvil.url(); n];
    let online = |n: usize| {
        ChainSource::new(
            nodes(n),
            registry,
            None,
            rpc.clone(),
            HeadPolicy::for_nodes(n),
        )
        .expect("source")
    };
    println!("median per credential over {rounds} verifications ({batch}-credential batch):");
    measure("local checks only (no chain)", &mut None);
    measure(
        "the hall's mirror (SQLite)",
        &mut Some(
            ChainSource::new(
                Vec::new(),
                registry,
                Some(&mirror),
                rpc.clone(),
                HeadPolicy::for_nodes(0),
            )
            .expect("mirror"),
        ),
    );
    measure(
        "online, one node's word (chain.proofs: false)",
        &mut Some(online(1).without_proofs()),
    );
    measure("online, proved, one node", &mut Some(online(1)));
    measure(
        "online, proved, 3 nodes agreeing (2 needed)",
        &mut Some(online(3)),
    );
}
