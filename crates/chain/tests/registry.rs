//! The registry contract and the client against a real anvil node: deployment, access control,
//! anchoring, revocation, status history, events, and the checks that pin chain and contract.

use countersign_chain::{Registry, RegistryError, RpcOptions, Wallet};
use countersign_chainstate::events::RegistryEvent;
use countersign_chainstate::{IssuerStatus, RevocationReason};
use countersign_credential::{DidKey, RegistryRef};
use countersign_crypto::Profile;
use countersign_devchain::{Anvil, DEV_CHAIN_ID, DEV_KEYS};
use countersign_merkle::NodeHash;

fn wallet(i: usize) -> Wallet {
    Wallet::from_hex(DEV_KEYS[i]).expect("dev key")
}

fn did(seed: u8) -> DidKey {
    // The registry stores real did:keys: derive real Ed25519 public keys from seeds.
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    DidKey::from_public_key_bytes(&key.verifying_key().to_bytes()).expect("ed25519 key")
}

fn hash(n: u32) -> NodeHash {
    countersign_merkle::leaf_hash(&n.to_be_bytes())
}

struct Setup {
    _anvil: Anvil,
    registry: Registry,
}

/// A fresh node with the registry deployed by account 0 and one issuer (account 1) registered.
fn setup() -> Setup {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let (registry, mined) = Registry::deploy(
        &anvil.url(),
        DEV_CHAIN_ID,
        &wallet(0),
        RpcOptions::default(),
    )
    .expect("deploy");
    assert_eq!(mined.block, 1);
    registry
        .register_issuer(
            &wallet(0),
            &did(1),
            wallet(1).address(),
            "某市市场监督管理局",
            &["BusinessLicenceCredential".into()],
        )
        .expect("register");
    Setup {
        _anvil: anvil,
        registry,
    }
}

#[test]
fn deploys_where_the_demo_expects_and_reads_back_an_issuer() {
    let s = setup();
    assert_eq!(
        s.registry.registry().to_string(),
        "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
    );
    let record = s
        .registry
        .issuer(&did(1), None)
        .expect("read")
        .expect("registered");
    assert_eq!(record.name, "某市市场监督管理局");
    assert_eq!(record.account, wallet(1).address().into_array());
    assert_eq!(record.credential_types, vec!["BusinessLicenceCredential"]);
    assert_eq!(record.history.len(), 1);
    assert_eq!(record.history[0].status, IssuerStatus::Active);
    assert_eq!(s.registry.issuer(&did(9), None).expect("read"), None);
    assert_eq!(s.registry.issuer_count().expect("count"), 1);
}

#[test]
fn only_governance_registers_and_changes_status() {
    let s = setup();
    let refused = s
        .registry
        .register_issuer(&wallet(2), &did(2), wallet(2).address(), "冒名", &[])
        .expect_err("not an admin");
    assert!(
        matches!(&refused, RegistryError::Refused { reason } if reason.contains("is not a governance account")),
        "{refused}"
    );
    let refused = s
        .registry
        .set_issuer_status(&wallet(1), &did(1), IssuerStatus::Suspended)
        .expect_err("issuers do not govern");
    assert!(
        refused.to_string().contains("not a governance account"),
        "{refused}"
    );

    // A second admin may register; the last admin cannot be removed.
    s.registry
        .set_admin(&wallet(0), wallet(3).address(), true)
        .expect("grant");
    s.registry
        .register_issuer(&wallet(3), &did(2), wallet(2).address(), "某大学", &[])
        .expect("second admin registers");
    s.registry
        .set_admin(&wallet(3), wallet(0).address(), false)
        .expect("remove the first admin");
    let refused = s
        .registry
        .set_admin(&wallet(3), wallet(3).address(), false)
        .expect_err("last admin");
    assert!(
        refused.to_string().contains("last governance account"),
        "{refused}"
    );

    // Duplicates are refused with words.
    let refused = s
        .registry
        .register_issuer(&wallet(3), &did(2), wallet(4).address(), "again", &[])
        .expect_err("same key");
    assert!(
        refused.to_string().contains("already registered"),
        "{refused}"
    );
    let refused = s
        .registry
        .register_issuer(
            &wallet(3),
            &did(3),
            wallet(2).address(),
            "same account",
            &[],
        )
        .expect_err("same account");
    assert!(
        refused.to_string().contains("already belongs to an issuer"),
        "{refused}"
    );
}

#[test]
fn only_the_issuer_anchors_and_nothing_is_anchored_twice() {
    let s = setup();
    let roots = [hash(1), hash(2), hash(3)];
    let mined = s.registry.anchor_roots(&wallet(1), &roots).expect("anchor");
    for root in &roots {
        let record = s
            .registry
            .anchor(root, None)
            .expect("read")
            .expect("anchored");
        assert_eq!(record.issuer, did(1));
        assert_eq!(record.account, wallet(1).address().into_array());
        assert_eq!(record.block, mined.block);
    }
    let refused = s
        .registry
        .anchor_roots(&wallet(1), &[hash(4), hash(2)])
        .expect_err("double anchoring");
    assert!(
        refused.to_string().contains("already anchored"),
        "{refused}"
    );
    // The whole transaction was refused: the new root in it is not anchored either.
    assert_eq!(s.registry.anchor(&hash(4), None).expect("read"), None);

    let refused = s
        .registry
        .anchor_roots(&wallet(2), &[hash(5)])
        .expect_err("not an issuer account");
    assert!(
        refused
            .to_string()
            .contains("not the account of a registered issuer"),
        "{refused}"
    );
    let refused = s.registry.anchor_roots(&wallet(1), &[]).expect_err("empty");
    assert!(
        refused.to_string().contains("nothing to anchor"),
        "{refused}"
    );

    // A root anchored earlier is anchored as of that block, not before it.
    assert_eq!(
        s.registry
            .anchor(&hash(1), Some(mined.block - 1))
            .expect("read"),
        None
    );
}

#[test]
fn revocations_are_per_issuer_and_found_along_the_path() {
    let s = setup();
    s.registry
        .register_issuer(&wallet(0), &did(2), wallet(2).address(), "某大学", &[])
        .expect("second issuer");
    let path = [hash(10), hash(11), hash(12), hash(13)];
    assert_eq!(
        s.registry
            .first_revoked(&did(1), &path, None)
            .expect("read"),
        None
    );

    // Another issuer "revoking" our sub-batch node is recorded for that issuer only.
    s.registry
        .revoke(&wallet(2), &[hash(12)], RevocationReason::Withdrawn)
        .expect("its own record");
    assert_eq!(
        s.registry
            .first_revoked(&did(1), &path, None)
            .expect("read"),
        None
    );

    s.registry
        .revoke(&wallet(1), &[hash(13)], RevocationReason::Superseded)
        .expect("revoke the root");
    s.registry
        .revoke(&wallet(1), &[hash(11)], RevocationReason::IssuedInError)
        .expect("revoke a sub-batch");
    let (position, record) = s
        .registry
        .first_revoked(&did(1), &path, None)
        .expect("read")
        .expect("revoked");
    assert_eq!(position, 1);
    assert_eq!(record.hash, hash(11));
    assert_eq!(record.reason, RevocationReason::IssuedInError);
    let refused = s
        .registry
        .revoke(&wallet(1), &[hash(11)], RevocationReason::Unspecified)
        .expect_err("twice");
    assert!(refused.to_string().contains("already revoked"), "{refused}");
    let refused = s
        .registry
        .revoke(&wallet(4), &[hash(20)], RevocationReason::Unspecified)
        .expect_err("not an issuer");
    assert!(
        refused
            .to_string()
            .contains("not the account of a registered issuer"),
        "{refused}"
    );
}

#[test]
fn a_suspended_issuer_revokes_but_does_not_anchor_and_retirement_is_final() {
    let s = setup();
    s.registry
        .anchor_roots(&wallet(1), &[hash(1)])
        .expect("anchor");
    let suspended = s
        .registry
        .set_issuer_status(&wallet(0), &did(1), IssuerStatus::Suspended)
        .expect("suspend");
    let refused = s
        .registry
        .anchor_roots(&wallet(1), &[hash(2)])
        .expect_err("suspended");
    assert!(
        refused
            .to_string()
            .contains("is suspended and may not anchor"),
        "{refused}"
    );
    s.registry
        .revoke(&wallet(1), &[hash(1)], RevocationReason::KeyCompromise)
        .expect("a suspended issuer may revoke");
    s.registry
        .set_issuer_status(&wallet(0), &did(1), IssuerStatus::Active)
        .expect("reactivate");
    s.registry
        .set_issuer_status(&wallet(0), &did(1), IssuerStatus::Retired)
        .expect("retire");
    let refused = s
        .registry
        .set_issuer_status(&wallet(0), &did(1), IssuerStatus::Active)
        .expect_err("final");
    assert!(refused.to_string().contains("is retired"), "{refused}");
    let refused = s
        .registry
        .revoke(&wallet(1), &[hash(3)], RevocationReason::Unspecified)
        .expect_err("retired");
    assert!(refused.to_string().contains("is retired"), "{refused}");

    let record = s
        .registry
        .issuer(&did(1), None)
        .expect("read")
        .expect("registered");
    let statuses: Vec<_> = record.history.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [
            IssuerStatus::Active,
            IssuerStatus::Suspended,
            IssuerStatus::Active,
            IssuerStatus::Retired
        ]
    );
    assert_eq!(record.history[1].block, suspended.block);
    assert!(record
        .history
        .windows(2)
        .all(|w| w[0].at <= w[1].at && w[0].block < w[1].block));
}

#[test]
fn every_change_is_an_event_in_chain_order() {
    let s = setup();
    s.registry
        .anchor_roots(&wallet(1), &[hash(1), hash(2)])
        .expect("anchor");
    s.registry
        .revoke(&wallet(1), &[hash(1)], RevocationReason::Withdrawn)
        .expect("revoke");
    s.registry
        .set_issuer_status(&wallet(0), &did(1), IssuerStatus::Suspended)
        .expect("suspend");
    let head = s.registry.head().expect("head");
    let events = s.registry.events(0, head.number).expect("events");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match &e.event {
            RegistryEvent::AdminChanged { .. } => "admin",
            RegistryEvent::IssuerRegistered { .. } => "registered",
            RegistryEvent::IssuerStatusChanged { .. } => "status",
            RegistryEvent::RootAnchored { .. } => "anchored",
            RegistryEvent::Revoked { .. } => "revoked",
            RegistryEvent::StationRegistered { .. }
            | RegistryEvent::StationStatusChanged { .. }
            | RegistryEvent::LogDigestAnchored { .. }
            | RegistryEvent::CheckpointAnchored { .. } => "station",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "admin",
            "registered",
            "status",
            "anchored",
            "anchored",
            "revoked",
            "status"
        ]
    );
    assert!(events
        .windows(2)
        .all(|w| (w[0].block, w[0].log_index) < (w[1].block, w[1].log_index)));
    match &events[1].event {
        RegistryEvent::IssuerRegistered {
            issuer,
            account,
            name,
            credential_types,
        } => {
            assert_eq!(issuer.did(), Ok((did(1), Profile::Standard)));
            assert_eq!(issuer.public_key, did(1).registry_key());
            assert_eq!(*account, wallet(1).address().into_array());
            assert_eq!(name, "某市市场监督管理局");
            assert_eq!(credential_types, &["BusinessLicenceCredential"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    match &events[5].event {
        RegistryEvent::Revoked {
            hash: h, reason, ..
        } => {
            assert_eq!(*h, hash(1));
            assert_eq!(*reason, RevocationReason::Withdrawn);
        }
        other => panic!("unexpected {other:?}"),
    }
    // A block range holds only its own events.
    let last = events.last().expect("events");
    assert_eq!(
        s.registry
            .events(last.block, last.block)
            .expect("one block")
            .len(),
        1
    );
}

#[test]
fn a_node_on_another_chain_is_refused() {
    let s = setup();
    let other = RegistryRef {
        chain_id: 1,
        address: s.registry.registry().address,
    };
    let err = Registry::connect(&s.registry.endpoint(), &other, RpcOptions::default())
        .expect_err("wrong chain");
    assert!(
        matches!(
            err,
            RegistryError::WrongChain {
                expected: 1,
                actual: 31337,
                ..
            }
        ),
        "{err}"
    );
    assert!(err
        .to_string()
        .contains("is on chain 31337, but the registry is on chain 1"));
}

#[test]
fn an_address_without_our_registry_is_refused() {
    let s = setup();
    let empty = RegistryRef {
        chain_id: DEV_CHAIN_ID,
        address: [0x42; 20],
    };
    let err = Registry::connect(&s.registry.endpoint(), &empty, RpcOptions::default())
        .expect_err("no code");
    assert!(matches!(err, RegistryError::NoContract { .. }), "{err}");

    // An issuer's own account has no code either; a contract that is not ours: deploy a
    // minimal one whose runtime code just stops.
    let stop_contract = anvil_set_code(&s.registry, [0x43; 20], "0x00");
    let err = Registry::connect(
        &s.registry.endpoint(),
        &stop_contract,
        RpcOptions::default(),
    )
    .expect_err("not ours");
    assert!(matches!(err, RegistryError::NotRegistry { .. }), "{err}");
    // A contract that reverts on everything.
    let reverting = anvil_set_code(&s.registry, [0x44; 20], "0x60006000fd");
    let err = Registry::connect(&s.registry.endpoint(), &reverting, RpcOptions::default())
        .expect_err("not ours");
    assert!(matches!(err, RegistryError::NotRegistry { .. }), "{err}");
}

fn anvil_set_code(registry: &Registry, address: [u8; 20], code: &str) -> RegistryRef {
    registry
        .rpc()
        .call(
            "anvil_setCode",
            serde_json::json!([format!("0x{}", hex::encode(address)), code]),
        )
        .expect("anvil_setCode");
    RegistryRef {
        chain_id: DEV_CHAIN_ID,
        address,
    }
}

#[test]
fn the_committed_contract_build_matches_the_source() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = std::process::Command::new("node")
        .arg(root.join("contracts/compile.mjs"))
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
