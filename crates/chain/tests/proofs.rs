//! Proved registry reads (`eth_getProof`, checked against a hashed header) against a real anvil
//! node: they equal the plain `eth_call` reads for present and absent keys, and a lying node (a
//! loopback proxy in front of anvil that rewrites answers) is refused with the error that says
//! what it changed, never believed.

use alloy_primitives::{B256, U256};
use countersign_chain::proof::layout;
use countersign_chain::{ProvedReadError, ProvedRegistry, Registry, RpcOptions, Wallet};
use countersign_chainstate::{IssuerStatus, RevocationReason};
use countersign_credential::DidKey;
use countersign_devchain::proxy::RpcProxy;
use countersign_devchain::{Anvil, DEV_CHAIN_ID, DEV_KEYS};
use countersign_merkle::NodeHash;
use serde_json::{json, Value};
use std::time::Instant;

fn wallet(i: usize) -> Wallet {
    Wallet::from_hex(DEV_KEYS[i]).expect("dev key")
}

fn did(seed: u8) -> DidKey {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    DidKey::from_public_key_bytes(&key.verifying_key().to_bytes()).expect("ed25519 key")
}

fn hash(n: u32) -> NodeHash {
    countersign_merkle::leaf_hash(&n.to_be_bytes())
}

/// A chain with two issuers (one with a long name and a long credential type, one suspended and
/// reactivated), three anchored roots and two revocations; returns the block before the first
/// revocation.
fn populate(registry: &Registry) -> u64 {
    registry
        .register_issuer(
            &wallet(0),
            &did(1),
            wallet(1).address(),
            "某市市场监督管理局",
            &[
                "BusinessLicenceCredential".into(),
                "FoodBusinessLicenceCredentialIssuedUnderTheFoodSafetyLaw".into(),
            ],
        )
        .expect("register issuer 1");
    registry
        .register_issuer(
            &wallet(0),
            &did(2),
            wallet(2).address(),
            "京华大学继续教育学院（成人高等学历教育与非学历培训）",
            &["DiplomaCredential".into()],
        )
        .expect("register issuer 2");
    registry
        .set_issuer_status(&wallet(0), &did(2), IssuerStatus::Suspended)
        .expect("suspend");
    registry
        .set_issuer_status(&wallet(0), &did(2), IssuerStatus::Active)
        .expect("reactivate");
    registry
        .anchor_roots(&wallet(1), &[hash(1), hash(2)])
        .expect("anchor 1");
    let before = registry
        .anchor_roots(&wallet(2), &[hash(3)])
        .expect("anchor 2")
        .block;
    registry
        .revoke(&wallet(1), &[hash(10)], RevocationReason::Withdrawn)
        .expect("revoke a leaf");
    registry
        .revoke(&wallet(1), &[hash(2)], RevocationReason::IssuedInError)
        .expect("revoke a root");
    before
}

fn start() -> (Anvil, Registry, u64) {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let (registry, _) = Registry::deploy(
        &anvil.url(),
        DEV_CHAIN_ID,
        &wallet(0),
        RpcOptions::default(),
    )
    .expect("deploy");
    let before = populate(&registry);
    (anvil, registry, before)
}

/// Each proved read equals the plain one at the same block, for present and absent keys.
fn assert_reads_agree(registry: &Registry, proved: &ProvedRegistry<'_>) {
    let at = Some(proved.header().number);
    for d in [did(1), did(2), did(9)] {
        assert_eq!(
            proved.issuer(&d).expect("proved issuer"),
            registry.issuer(&d, at).expect("plain issuer"),
            "issuer {d} at block {at:?}"
        );
    }
    for h in [hash(1), hash(2), hash(3), hash(99)] {
        assert_eq!(
            proved.anchor(&h).expect("proved anchor"),
            registry.anchor(&h, at).expect("plain anchor"),
            "anchor {h} at block {at:?}"
        );
    }
    let paths: [(DidKey, Vec<NodeHash>); 6] = [
        (did(1), vec![hash(10), hash(11), hash(1)]),
        (did(1), vec![hash(11), hash(12), hash(2)]),
        (did(1), vec![hash(11), hash(1)]),
        (did(2), vec![hash(10), hash(2)]),
        (did(9), vec![hash(10)]),
        (did(1), vec![]),
    ];
    for (d, path) in paths {
        assert_eq!(
            proved.first_revoked(&d, &path).expect("proved revocation"),
            registry
                .first_revoked(&d, &path, at)
                .expect("plain revocation"),
            "first revoked by {d} of {path:?} at block {at:?}"
        );
    }
}

#[test]
fn proved_reads_equal_the_plain_reads_now_and_before_the_revocations() {
    let (_anvil, registry, before) = start();
    let proved = ProvedRegistry::latest(&registry).expect("header checks");
    let head = registry.head().expect("head");
    assert_eq!(proved.header().number, head.number);
    assert_eq!(proved.header().hash.0, head.hash);
    assert_reads_agree(&registry, &proved);

    // What the proofs say, spelled out.
    let issuer = proved.issuer(&did(2)).expect("read").expect("registered");
    assert_eq!(
        issuer.name,
        "京华大学继续教育学院（成人高等学历教育与非学历培训）"
    );
    assert_eq!(issuer.history.len(), 3);
    let types = proved.issuer(&did(1)).expect("read").expect("registered");
    assert_eq!(
        types.credential_types[1],
        "FoodBusinessLicenceCredentialIssuedUnderTheFoodSafetyLaw"
    );
    let (position, revoked) = proved
        .first_revoked(&did(1), &[hash(10), hash(1)])
        .expect("read")
        .expect("revoked");
    assert_eq!((position, revoked.reason), (0, RevocationReason::Withdrawn));
    assert_eq!(
        proved.revocation(&did(2), &hash(10)).expect("read"),
        None,
        "one issuer's revocation never speaks for another's"
    );

    // The block before the revocations: proved "not revoked" there, as the plain read says.
    let earlier = ProvedRegistry::at(&registry, before).expect("earlier header checks");
    assert_reads_agree(&registry, &earlier);
    assert_eq!(earlier.revocation(&did(1), &hash(10)).expect("read"), None);

    // A rough cost, printed for the report (no timed assertion).
    let path = [hash(10), hash(11), hash(1)];
    let rounds = 20u32;
    let started = Instant::now();
    for _ in 0..rounds {
        registry
            .first_revoked(&did(1), &path, Some(head.number))
            .expect("plain");
    }
    let plain = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..rounds {
        proved.first_revoked(&did(1), &path).expect("proved");
    }
    let proved_revocation = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..rounds {
        ProvedRegistry::at(&registry, head.number).expect("header");
    }
    let header = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..rounds {
        proved.anchor(&hash(1)).expect("proved anchor");
    }
    let proved_anchor = started.elapsed() / rounds;
    eprintln!(
        "timing on anvil, mean of {rounds}: firstRevoked eth_call {plain:?}; proved first_revoked {proved_revocation:?} (2 eth_getProof); header fetch and hash {header:?}; proved anchor {proved_anchor:?} (3 eth_getProof)"
    );
}

#[test]
fn a_block_the_node_does_not_have_is_refused() {
    let (_anvil, registry, _) = start();
    let head = registry.head().expect("head").number;
    let err = ProvedRegistry::at(&registry, head + 100).expect_err("no such block");
    assert!(
        matches!(err, ProvedReadError::NoBlock { number, .. } if number == head + 100),
        "{err}"
    );
}

/// What the proxy changes in anvil's answers.
#[derive(Clone, Debug)]
enum Lie {
    /// Removes one node from the middle of every storage proof.
    DropProofNode,
    /// Answers this slot with the value zero ("not revoked"), keeping the real proof.
    ZeroSlot(B256),
    /// Puts this state root (another block's) into every header, keeping the block hash.
    StateRoot(String),
    /// Leaves out the last storage proof of each answer.
    DropStorageProof,
    /// Answers every `eth_getProof` with the state of this (older) block.
    OldState(u64),
}

/// The lies, told by `countersign-devchain`'s loopback proxy in front of anvil.
impl countersign_devchain::proxy::Lie for Lie {
    fn request(&self, method: &str, params: &mut Value) {
        if let (Lie::OldState(block), "eth_getProof") = (self, method) {
            params[2] = json!(format!("0x{block:x}"));
        }
    }

    fn answer(&self, method: &str, _: &Value, result: &mut Value) {
        rewrite(method, result, self);
    }
}

fn rewrite(method: &str, result: &mut Value, lie: &Lie) {
    match (lie, method) {
        (Lie::StateRoot(root), "eth_getBlockByNumber") if result.is_object() => {
            result["stateRoot"] = json!(root);
        }
        (Lie::DropProofNode, "eth_getProof") => {
            if let Some(proofs) = result["storageProof"].as_array_mut() {
                for p in proofs {
                    if let Some(nodes) = p["proof"].as_array_mut() {
                        if nodes.len() > 1 {
                            nodes.remove(nodes.len() / 2);
                        }
                    }
                }
            }
        }
        (Lie::ZeroSlot(slot), "eth_getProof") => {
            if let Some(proofs) = result["storageProof"].as_array_mut() {
                for p in proofs {
                    let key = p["key"]
                        .as_str()
                        .and_then(|k| U256::from_str_radix(k.trim_start_matches("0x"), 16).ok());
                    if key.map(layout::slot_word) == Some(*slot) {
                        p["value"] = json!("0x0");
                    }
                }
            }
        }
        (Lie::DropStorageProof, "eth_getProof") => {
            if let Some(proofs) = result["storageProof"].as_array_mut() {
                proofs.pop();
            }
        }
        _ => {}
    }
}

#[test]
fn a_lying_node_is_refused_with_what_it_changed() {
    let (_anvil, registry, before) = start();
    let proxy = RpcProxy::start(&registry.endpoint()).expect("proxy");
    // The liar passes every connect check: it forwards them honestly.
    let liar = Registry::connect(
        &proxy.url(),
        registry.registry(),
        RpcOptions {
            attempts: 1,
            ..RpcOptions::default()
        },
    )
    .expect("the proxy passes the connect checks");
    let head = registry.head().expect("head").number;
    let revoked = [hash(10), hash(1)];

    // Honest, through the proxy: the revocation is proved.
    let honest = ProvedRegistry::at(&liar, head).expect("honest header");
    assert!(honest
        .first_revoked(&did(1), &revoked)
        .expect("honest proof")
        .is_some());

    // "Not revoked": the revocation's slot answered zero with the real proof.
    let slots = layout::StorageSlots::new(countersign_chain::ChainHash::Keccak256);
    let slot = layout::slot_word(slots.revocation(1, hash(10).0));
    proxy.lie(Lie::ZeroSlot(slot));
    let err = ProvedRegistry::at(&liar, head)
        .expect("header is honest")
        .first_revoked(&did(1), &revoked)
        .expect_err("a zeroed revocation must not verify");
    assert!(
        matches!(&err, ProvedReadError::StorageProof { slot: s, value, .. } if *s == slot && value.is_zero()),
        "{err}"
    );
    assert!(
        err.to_string().contains(&proxy.url()),
        "names the node: {err}"
    );

    // A node taken out of each storage proof.
    proxy.lie(Lie::DropProofNode);
    let err = ProvedRegistry::at(&liar, head)
        .expect("header is honest")
        .first_revoked(&did(1), &revoked)
        .expect_err("a broken proof must not verify");
    assert!(matches!(err, ProvedReadError::StorageProof { .. }), "{err}");

    // A storage proof left out: a missing value, not a zero.
    proxy.lie(Lie::DropStorageProof);
    let err = ProvedRegistry::at(&liar, head)
        .expect("header is honest")
        .first_revoked(&did(1), &revoked)
        .expect_err("a missing proof");
    assert!(
        matches!(&err, ProvedReadError::ProofShape { detail, .. } if detail.contains("storage proofs for")),
        "{err}"
    );

    // The state from before the revocations passed off as the head's.
    proxy.lie(Lie::OldState(before));
    let err = ProvedRegistry::at(&liar, head)
        .expect("header is honest")
        .first_revoked(&did(1), &revoked)
        .expect_err("old state under a new header");
    assert!(matches!(err, ProvedReadError::AccountProof { .. }), "{err}");

    // Another block's state root in the head's header, its hash kept.
    let old_root = registry
        .rpc()
        .call(
            "eth_getBlockByNumber",
            json!([format!("0x{before:x}"), false]),
        )
        .expect("old block")["stateRoot"]
        .clone();
    proxy.lie(Lie::StateRoot(old_root.as_str().expect("root").to_string()));
    let err = ProvedRegistry::at(&liar, head).expect_err("a swapped state root");
    assert!(
        matches!(&err, ProvedReadError::HeaderHash { number, .. } if *number == head),
        "{err}"
    );

    // And honest again: nothing stuck.
    proxy.honest();
    assert_eq!(
        ProvedRegistry::at(&liar, head)
            .expect("honest header")
            .first_revoked(&did(1), &revoked)
            .expect("honest proof"),
        registry
            .first_revoked(&did(1), &revoked, Some(head))
            .expect("plain")
    );
    drop(proxy);
}

#[test]
fn other_code_at_the_registry_address_is_not_read_by_layout() {
    let (_anvil, registry, _) = start();
    // The same storage under code that is not the committed build: its layout is unknown.
    let mut code = registry
        .rpc()
        .call(
            "eth_getCode",
            json!([
                format!("0x{}", hex::encode(registry.registry().address)),
                "latest"
            ]),
        )
        .expect("code")
        .as_str()
        .expect("hex")
        .to_string();
    code.push_str("00");
    registry
        .rpc()
        .call(
            "anvil_setCode",
            json!([
                format!("0x{}", hex::encode(registry.registry().address)),
                code
            ]),
        )
        .expect("anvil_setCode");
    registry.rpc().call("evm_mine", json!([])).expect("mine");
    let err = ProvedRegistry::latest(&registry)
        .expect("header")
        .anchor(&hash(1))
        .expect_err("unknown code");
    assert!(matches!(err, ProvedReadError::UnknownCode { .. }), "{err}");
}

/// The committed storage layout is solc's for the current source: with
/// `proof::layout`'s unit tests (slot numbers and offsets asserted against that file), a change
/// of the contract's layout fails here until the proved reads are checked against it.
#[test]
fn the_committed_storage_layout_matches_the_source() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/storage-layout.mjs");
    let output = std::process::Command::new("node")
        .arg(script)
        .arg("--check")
        .output()
        .expect("node runs (install Node.js; scripts/tools.sh installs solc)");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
