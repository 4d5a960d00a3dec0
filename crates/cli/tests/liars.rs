//! One chain node lies; the hall still never calls a revoked credential VALID.
//!
//! A real anvil node with a diploma batch anchored and one diploma revoked, reached through
//! loopback proxies (`countersign_devchain::proxy`): honest ones that forward every call, and a
//! liar beside them that answers "not revoked", drops `Revoked` logs, adds a forged anchor with
//! real block hashes, serves another chain at the same address, freezes its head or reports a
//! head from the future. For each lie, through the `countersign` binary (the same use cases
//! the app calls): online and from the mirror after liar and honest syncs in turn, the revoked
//! diploma is never VALID; where a quorum of honest nodes exists their answer wins and the liar
//! is named; otherwise the verdict is UNVERIFIABLE with the reason.

mod world;

use countersign_devchain::proxy::{Lie, RpcProxy};
use countersign_devchain::{Anvil, AnvilOptions};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;
use world::*;

/// The hall: the node, two honest proxies and the diploma batch, 0002 revoked.
struct Hall {
    w: World,
    honest: [RpcProxy; 2],
    liar: RpcProxy,
}

impl Hall {
    fn new() -> Self {
        let w = World::new();
        ok(&w.issue("batch", 1));
        ok(&run(&[
            "revoke",
            "--rpc",
            &w.url,
            "--account-key",
            s(&w.path("account1.json")),
            "--credential",
            s(&w.path("batch/0002.json")),
            "--reason",
            "withdrawn",
        ]));
        let proxy = || RpcProxy::start(&w.url).expect("proxy");
        let honest = [proxy(), proxy()];
        let liar = proxy();
        Self { w, honest, liar }
    }

    fn revoked(&self) -> PathBuf {
        self.w.path("batch/0002.json")
    }

    fn valid(&self) -> PathBuf {
        self.w.path("batch/0001.json")
    }

    /// The liar first (it is asked first), then the honest nodes named.
    fn nodes(&self, honest: usize) -> String {
        std::iter::once(self.liar.url())
            .chain(self.honest.iter().take(honest).map(RpcProxy::url))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn verify_online(&self, file: &Path, honest: usize) -> Output {
        self.w.verify(file, &["--rpc", &self.nodes(honest)])
    }

    fn verify_mirror(&self, file: &Path, mirror: &Path) -> Output {
        self.w.verify(file, &["--mirror", s(mirror)])
    }

    fn sync(&self, mirror: &Path, rpc: &str) -> Output {
        run(&[
            "chain",
            "sync",
            "--rpc",
            rpc,
            "--registry",
            &self.w.registry,
            "--mirror",
            s(mirror),
            "--timeout-secs",
            "2",
        ])
    }
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn both(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// INVALID because revoked, from the honest nodes.
fn assert_revoked(out: &Output, what: &str) {
    assert_eq!(code(out), Some(1), "{what}: {}", both(out));
    assert!(
        text(&out.stdout).contains("the credential was revoked"),
        "{what}: {}",
        both(out)
    );
}

/// Not VALID, and the clerk is told the chain could not be checked.
fn assert_unverifiable(out: &Output, what: &str) {
    assert_eq!(code(out), Some(2), "{what}: {}", both(out));
    assert!(
        text(&out.stdout).starts_with("UNVERIFIABLE"),
        "{what}: {}",
        both(out)
    );
}

fn keccak_hex(signature: &str) -> String {
    use sha3::Digest;
    format!(
        "0x{}",
        hex::encode(sha3::Keccak256::digest(signature.as_bytes()))
    )
}

/// Claims nothing was ever revoked: `firstRevoked` answers "none" (five zero words), and every
/// storage slot it is asked for reads empty.
fn says_not_revoked(method: &str, params: &Value, result: &mut Value) {
    let first_revoked = &keccak_hex("firstRevoked(bytes32,bytes32[])")[..10];
    if method == "eth_call"
        && params[0]["data"]
            .as_str()
            .is_some_and(|d| d.starts_with(first_revoked))
    {
        *result = json!(format!("0x{}", "0".repeat(64 * 5)));
    }
    if method == "eth_getProof" {
        if let Some(proofs) = result["storageProof"].as_array_mut() {
            for p in proofs {
                p["value"] = json!("0x0");
            }
        }
    }
}

#[test]
fn a_node_that_answers_not_revoked_is_outvoted_by_proofs_or_makes_the_verdict_unverifiable() {
    let hall = Hall::new();
    hall.liar.lie(says_not_revoked);
    // Three nodes agree on the block; the liar is asked first and its proof fails, so the next
    // node is asked at the same block.
    let out = hall.verify_online(&hall.revoked(), 2);
    assert_revoked(&out, "liar + 2 honest");
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("chain node left out: {}", hall.liar.url()))
            && err.contains("does not verify"),
        "{err}"
    );
    assert!(
        text(&out.stdout).contains(&format!(
            "3 of 3 nodes agree, read from {}",
            hall.liar.url()
        )),
        "{}",
        both(&out)
    );
    // One honest node beside it is enough: an answer is either proved or not used.
    assert_revoked(&hall.verify_online(&hall.revoked(), 1), "liar + 1 honest");
    // The liar alone: nothing proves, so nothing is known.
    let out = hall.verify_online(&hall.revoked(), 0);
    assert_unverifiable(&out, "liar alone");
    assert!(
        text(&out.stdout).contains("does not verify"),
        "{}",
        both(&out)
    );
    // Its lie does not turn a valid diploma into anything else either.
    let out = hall.verify_online(&hall.valid(), 2);
    assert_eq!(code(&out), Some(0), "{}", both(&out));

    // Its pages do not prove either, so it alone cannot fill the mirror; beside honest nodes
    // the mirror is filled from them.
    let mirror = hall.w.path("hall-mirror.sqlite");
    let out = hall.sync(&mirror, &hall.liar.url());
    assert_eq!(code(&out), Some(2), "{}", both(&out));
    assert_unverifiable(
        &hall.verify_mirror(&hall.revoked(), &mirror),
        "liar's mirror",
    );
    ok(&hall.sync(&mirror, &hall.nodes(2)));
    assert_revoked(
        &hall.verify_mirror(&hall.revoked(), &mirror),
        "honest mirror",
    );
}

#[test]
fn a_node_that_drops_revoked_logs_or_adds_an_anchor_never_reaches_the_mirror() {
    let hall = Hall::new();
    let revoked_topic = keccak_hex("Revoked(bytes32,bytes32,uint8,uint64)");
    hall.liar
        .lie(move |method: &str, _: &Value, result: &mut Value| {
            if method == "eth_getLogs" {
                if let Some(logs) = result.as_array_mut() {
                    logs.retain(|l| l["topics"][0].as_str() != Some(revoked_topic.as_str()));
                }
            }
        });
    let mirror = hall.w.path("hall-mirror.sqlite");

    // The liar alone: its page does not add up to the registry's proved event record (here:
    // the registry recorded events in a block the answer has none of).
    let out = hall.sync(&mirror, &hall.liar.url());
    assert_eq!(code(&out), Some(2), "{}", both(&out));
    assert!(
        text(&out.stderr).contains("that the registry's proved state at block"),
        "{}",
        both(&out)
    );
    // Nothing was applied, so the mirror vouches for nothing.
    assert_unverifiable(
        &hall.verify_mirror(&hall.revoked(), &mirror),
        "empty mirror",
    );

    // With honest nodes beside it, the sync is read from the next agreeing node.
    let out = hall.sync(&mirror, &hall.nodes(2));
    let stdout = ok(&out);
    assert!(stdout.contains("1 revocations"), "{stdout}");
    assert!(
        text(&out.stderr).contains(&format!("node left out: {}", hall.liar.url())),
        "{}",
        both(&out)
    );
    assert_revoked(
        &hall.verify_mirror(&hall.revoked(), &mirror),
        "mirror after honest sync",
    );

    // New events, and the liar syncs alone again: refused, the revocation stays.
    ok(&run(&[
        "revoke",
        "--rpc",
        &hall.w.url,
        "--account-key",
        s(&hall.w.path("account1.json")),
        "--credential",
        s(&hall.w.path("batch/0003.json")),
        "--reason",
        "superseded",
    ]));
    let out = hall.sync(&mirror, &hall.liar.url());
    assert_eq!(code(&out), Some(2), "{}", both(&out));
    assert_revoked(
        &hall.verify_mirror(&hall.revoked(), &mirror),
        "after the liar's sync",
    );

    // A forged anchor added to a real page, real block hashes kept: refused the same way.
    let anchored_topic = keccak_hex("RootAnchored(bytes32,bytes32,uint64)");
    hall.liar
        .lie(move |method: &str, _: &Value, result: &mut Value| {
            if method == "eth_getLogs" {
                if let Some(logs) = result.as_array_mut() {
                    if let Some(real) = logs
                        .iter()
                        .find(|l| l["topics"][0].as_str() == Some(anchored_topic.as_str()))
                        .cloned()
                    {
                        let mut forged = real;
                        forged["topics"][1] = json!(format!("0x{}", "66".repeat(32)));
                        forged["logIndex"] = json!("0x99");
                        logs.push(forged);
                    }
                }
            }
        });
    let fresh = hall.w.path("fresh-mirror.sqlite");
    let out = hall.sync(&fresh, &hall.liar.url());
    assert_eq!(code(&out), Some(2), "{}", both(&out));
    assert!(
        text(&out.stderr).contains("events were left out, added or changed"),
        "{}",
        both(&out)
    );
    // The honest sync of the same file then takes every genuine event, revocations included.
    ok(&hall.sync(&fresh, &hall.nodes(2)));
    assert_revoked(&hall.verify_mirror(&hall.revoked(), &fresh), "fresh mirror");
}

#[test]
fn another_chain_at_the_same_address_is_outvoted_and_never_rolls_the_mirror_back() {
    let hall = Hall::new();
    // A second chain with the same id, the registry deployed at the same address by the same
    // account, the same code: only its state differs (nothing anchored, nothing revoked).
    let other = Anvil::start_with(&AnvilOptions::default()).expect("second anvil");
    let gov = account_file(hall.w.dir.path(), 0);
    ok(&run(&[
        "chain",
        "deploy",
        "--rpc",
        &other.url(),
        "--account-key",
        s(&gov),
    ]));
    let impostor = RpcProxy::start(&other.url()).expect("proxy");
    let nodes = |honest: usize| {
        std::iter::once(impostor.url())
            .chain(hall.honest.iter().take(honest).map(RpcProxy::url))
            .collect::<Vec<_>>()
            .join(",")
    };

    let out = hall.w.verify(&hall.revoked(), &["--rpc", &nodes(2)]);
    assert_revoked(&out, "impostor + 2 honest");
    assert!(
        text(&out.stderr).contains(&format!("chain node left out: {}", impostor.url())),
        "{}",
        both(&out)
    );
    // One honest node and two needed: they disagree, so nothing is read, and the impostor
    // (its head far below the honest node's block) is named.
    let out = hall.w.verify(&hall.revoked(), &["--rpc", &nodes(1)]);
    assert_unverifiable(&out, "impostor + 1 honest");
    assert!(
        text(&out.stderr).contains(&format!("chain node left out: {} is stale", impostor.url())),
        "{}",
        both(&out)
    );

    // The mirror, synced honestly, is not rolled back by the impostor's "reorganisation"
    // while honest nodes still have the mirror's blocks.
    let mirror = hall.w.path("hall-mirror.sqlite");
    ok(&hall.sync(&mirror, &nodes(2)));
    assert_revoked(
        &hall.verify_mirror(&hall.revoked(), &mirror),
        "honest mirror",
    );
    let out = hall.sync(&mirror, &nodes(1));
    assert_eq!(code(&out), Some(2), "{}", both(&out));
    assert_revoked(
        &hall.verify_mirror(&hall.revoked(), &mirror),
        "after the disagreement",
    );
    drop(impostor);
    other.stop();
}

/// Answers as if its chain had stopped at `block`.
struct Frozen(u64);

impl Lie for Frozen {
    fn request(&self, method: &str, params: &mut Value) {
        if method == "eth_getBlockByNumber" && params[0] == json!("latest") {
            params[0] = json!(format!("0x{:x}", self.0));
        }
    }

    fn answer(&self, method: &str, _: &Value, result: &mut Value) {
        if method == "eth_blockNumber" {
            *result = json!(format!("0x{:x}", self.0));
        }
    }
}

#[test]
fn a_node_whose_head_froze_before_the_revocation_is_left_out_as_stale() {
    let w = World::new();
    ok(&w.issue("batch", 1));
    let rpc = countersign_chain::RpcClient::new(&w.url, countersign_chain::RpcOptions::default());
    let before = rpc.call("eth_blockNumber", json!([])).expect("head");
    let before = u64::from_str_radix(
        before.as_str().unwrap_or("0x0").trim_start_matches("0x"),
        16,
    )
    .expect("number");
    ok(&run(&[
        "revoke",
        "--rpc",
        &w.url,
        "--account-key",
        s(&w.path("account1.json")),
        "--credential",
        s(&w.path("batch/0002.json")),
        "--reason",
        "withdrawn",
    ]));
    // The chain goes on; the frozen node stays at the block before the revocation.
    rpc.call("anvil_mine", json!(["0x5"])).expect("anvil_mine");
    let frozen = RpcProxy::start(&w.url).expect("proxy");
    frozen.lie(Frozen(before));
    let honest = [
        RpcProxy::start(&w.url).expect("proxy"),
        RpcProxy::start(&w.url).expect("proxy"),
    ];
    let revoked = w.path("batch/0002.json");

    let all = format!("{},{},{}", frozen.url(), honest[0].url(), honest[1].url());
    let out = w.verify(&revoked, &["--rpc", &all]);
    assert_revoked(&out, "frozen + 2 honest");
    assert!(
        text(&out.stderr).contains("is stale: its head is block"),
        "{}",
        both(&out)
    );
    // Beside one honest node, two needed: not the frozen node's old block, but nothing.
    let pair = format!("{},{}", frozen.url(), honest[0].url());
    let out = w.verify(&revoked, &["--rpc", &pair]);
    assert_unverifiable(&out, "frozen + 1 honest");
    assert!(text(&out.stderr).contains("is stale"), "{}", both(&out));

    // The mirror: a sync with the frozen node beside one honest one does not happen, and
    // one with two honest nodes reaches the revocation.
    let mirror = w.path("hall-mirror.sqlite");
    let sync = |rpc: &str| {
        run(&[
            "chain",
            "sync",
            "--rpc",
            rpc,
            "--registry",
            &w.registry,
            "--mirror",
            s(&mirror),
        ])
    };
    assert_eq!(code(&sync(&pair)), Some(2));
    ok(&sync(&all));
    assert_revoked(&w.verify(&revoked, &["--mirror", s(&mirror)]), "mirror");
}

/// Reports its head a day ahead of the clock.
fn from_the_future(method: &str, params: &Value, result: &mut Value) {
    if method == "eth_getBlockByNumber" && params[0] == json!("latest") && result.is_object() {
        let now = chrono::Utc::now().timestamp() + 86_400;
        result["timestamp"] = json!(format!("0x{now:x}"));
    }
}

#[test]
fn a_head_from_the_future_is_left_out_and_never_makes_anything_fresh() {
    let hall = Hall::new();
    hall.liar.lie(from_the_future);
    let out = hall.verify_online(&hall.revoked(), 2);
    assert_revoked(&out, "future + 2 honest");
    assert!(
        text(&out.stderr).contains("ahead of this computer's clock"),
        "{}",
        both(&out)
    );
    let out = hall.verify_online(&hall.revoked(), 0);
    assert_unverifiable(&out, "future alone");

    // Alone it cannot sync the mirror, so the mirror's freshness is not extended by it.
    let mirror = hall.w.path("hall-mirror.sqlite");
    let out = hall.sync(&mirror, &hall.liar.url());
    assert_eq!(code(&out), Some(2), "{}", both(&out));
    assert!(
        text(&out.stderr).contains("ahead of this computer's clock"),
        "{}",
        both(&out)
    );
}

/// Gives every block but the newest another hash: a reorganisation that never happened.
fn invents_a_reorganisation(method: &str, params: &Value, result: &mut Value) {
    if method == "eth_getBlockByNumber" && params[0] != json!("latest") && result.is_object() {
        result["hash"] = json!(format!("0x{}", "0e".repeat(32)));
    }
}

#[test]
fn a_node_that_invents_a_reorganisation_cannot_roll_the_mirror_back() {
    let hall = Hall::new();
    let mirror = hall.w.path("hall-mirror.sqlite");
    ok(&hall.sync(&mirror, &hall.nodes(2)));
    assert_revoked(&hall.verify_mirror(&hall.revoked(), &mirror), "synced");
    // Something new to sync, then the liar claims the mirror's blocks are gone.
    ok(&run(&[
        "revoke",
        "--rpc",
        &hall.w.url,
        "--account-key",
        s(&hall.w.path("account1.json")),
        "--credential",
        s(&hall.w.path("batch/0003.json")),
        "--reason",
        "superseded",
    ]));
    hall.liar.lie(invents_a_reorganisation);
    let out = hall.sync(&mirror, &hall.nodes(2));
    let stdout = ok(&out);
    assert!(stdout.contains("2 revocations"), "{stdout}");
    assert!(
        text(&out.stderr).contains("still has it: not rolled back"),
        "{}",
        both(&out)
    );
    assert_revoked(
        &hall.verify_mirror(&hall.revoked(), &mirror),
        "after the liar",
    );
    assert_revoked(
        &hall.verify_mirror(&hall.w.path("batch/0003.json"), &mirror),
        "the new revocation",
    );
}
