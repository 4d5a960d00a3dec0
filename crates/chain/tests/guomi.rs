//! National-profile (国密) issuers in registry v4 against a real anvil node: an SM2 issuer is
//! registered with its profile and 33-byte public key under SM3 of that key, and reads back the
//! same by `eth_call`, from the events, from the hall's mirror and by storage proof; the contract
//! refuses profiles and key lengths it does not know; a registration by an admin who lies about
//! an SM2 key (a public key whose SM3 is not the key it is filed under), which the contract
//! cannot catch without SM3, is refused by every reader, and does not stop the mirror.

use countersign_chain::abi::{self, CountersignRegistry as C};
use countersign_chain::{ProvedRegistry, Registry, RegistryError, RpcError, RpcOptions, Wallet};
use countersign_chainstate::events::RegistryEvent;
use countersign_chainstate::{ChainError, ChainState, IssuerStatus, RevocationReason};
use countersign_credential::{DidKey, RegistryRef};
use countersign_crypto::{HashAlg, Profile, SecretKey, SigAlg};
use countersign_devchain::{Anvil, DEV_CHAIN_ID, DEV_KEYS};
use countersign_merkle::NodeHash;
use countersign_mirror::{sync_once, Mirror, SyncOptions};
use serde_json::json;

fn wallet(i: usize) -> Wallet {
    Wallet::from_hex(DEV_KEYS[i]).expect("dev key")
}

fn sm2_did() -> DidKey {
    DidKey::from_public_key(SecretKey::generate(SigAlg::Sm2).expect("random").public())
}

fn ed25519_did(seed: u8) -> DidKey {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    DidKey::from_public_key_bytes(&key.verifying_key().to_bytes()).expect("ed25519 key")
}

fn hash(n: u32) -> NodeHash {
    countersign_merkle::leaf_hash(&n.to_be_bytes())
}

struct Setup {
    anvil: Anvil,
    registry: Registry,
}

fn setup() -> Setup {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let (registry, _) = Registry::deploy(
        &anvil.url(),
        DEV_CHAIN_ID,
        &wallet(0),
        RpcOptions::default(),
    )
    .expect("deploy");
    Setup { anvil, registry }
}

/// Sends `call` to the registry from governance account 0 as any tool could (anvil keeps its
/// development accounts unlocked): not through the client, which only registers keys that hold
/// together. Returns whether it was mined successfully.
fn send_raw(registry: &Registry, call: &C::registerIssuerCall) -> bool {
    let rpc = registry.rpc();
    let tx = rpc
        .call(
            "eth_sendTransaction",
            json!([{
                "from": format!("{:?}", wallet(0).address()),
                "to": format!("0x{}", hex::encode(registry.registry().address)),
                "data": format!("0x{}", hex::encode(registry.calldata(call))),
                "gas": "0x1000000",
            }]),
        )
        .expect("sent");
    let tx: [u8; 32] = tx
        .as_str()
        .and_then(|h| hex::decode(h.trim_start_matches("0x")).ok())
        .and_then(|b| b.try_into().ok())
        .expect("a transaction hash");
    // A receipt can trail the hash the node answered with: wait for it as every send does.
    registry.wait_mined(tx).is_ok()
}

/// The registry's refusal of `call`, simulated from governance account 0, decoded.
fn refusal(registry: &Registry, call: &C::registerIssuerCall) -> C::CountersignRegistryErrors {
    let answer = registry.rpc().call(
        "eth_call",
        json!([{
            "from": format!("{:?}", wallet(0).address()),
            "to": format!("0x{}", hex::encode(registry.registry().address)),
            "data": format!("0x{}", hex::encode(registry.calldata(call))),
        }, "latest"]),
    );
    let Err(RpcError::Node {
        data: Some(data), ..
    }) = answer
    else {
        panic!("not refused: {answer:?}");
    };
    let bytes = hex::decode(data.trim_start_matches("0x")).expect("hex");
    abi::decode_error(registry.chain_hash(), &bytes).expect("one of the registry's errors")
}

fn registration(
    key: [u8; 32],
    profile: u8,
    public_key: Vec<u8>,
    account: usize,
) -> C::registerIssuerCall {
    C::registerIssuerCall {
        key: key.into(),
        profile,
        publicKey: public_key.into(),
        account: wallet(account).address(),
        name: "上海市教育委员会".into(),
        credentialTypes: vec!["DiplomaCredential".into()],
    }
}

#[test]
fn an_sm2_issuer_reads_back_alike_by_call_from_events_from_the_mirror_and_by_proof() {
    let s = setup();
    let sm2 = sm2_did();
    let ed = ed25519_did(7);
    let types = ["DiplomaCredential".to_string()];
    let mined_sm2 = s
        .registry
        .register_issuer(
            &wallet(0),
            &sm2,
            wallet(1).address(),
            "上海市教育委员会",
            &types,
        )
        .expect("register the SM2 issuer");
    let mined_ed = s
        .registry
        .register_issuer(
            &wallet(0),
            &ed,
            wallet(2).address(),
            "上海市教育委员会",
            &types,
        )
        .expect("register the Ed25519 issuer");
    println!(
        "registerIssuer gas (one credential type, a 24-byte name): guomi (SM2) {}, standard (Ed25519) {}",
        mined_sm2.gas_used, mined_ed.gas_used
    );
    s.registry
        .anchor_roots(&wallet(1), &[hash(1), hash(2)])
        .expect("the SM2 issuer anchors");
    s.registry
        .revoke(&wallet(1), &[hash(1)], RevocationReason::Superseded)
        .expect("and revokes");

    // By call.
    let called = s
        .registry
        .issuer(&sm2, None)
        .expect("read")
        .expect("registered");
    assert_eq!((called.did, called.profile), (sm2, Profile::Guomi));
    assert_eq!(called.account, wallet(1).address().into_array());
    assert_eq!(called.history[0].status, IssuerStatus::Active);
    let ed_called = s
        .registry
        .issuer(&ed, None)
        .expect("read")
        .expect("registered");
    assert_eq!(ed_called.profile, Profile::Standard);
    let anchor = s
        .registry
        .anchor(&hash(2), None)
        .expect("read")
        .expect("anchored");
    assert_eq!(
        (anchor.issuer, anchor.account),
        (sm2, wallet(1).address().into_array())
    );

    // From the events: the key is SM3 of the 33-byte key, and the record holds together.
    let head = s.registry.head().expect("head");
    let events = s.registry.events(0, head.number).expect("events");
    let registered: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.event {
            RegistryEvent::IssuerRegistered { issuer, .. } => Some(issuer.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(registered.len(), 2);
    let sm2_key = &registered[0];
    assert_eq!(sm2_key.profile, 2);
    assert_eq!(sm2_key.public_key, sm2.public_key().to_bytes());
    assert_eq!(sm2_key.public_key.len(), 33);
    assert_eq!(sm2_key.key, HashAlg::Sm3.digest(&sm2_key.public_key));
    assert_eq!(sm2_key.did(), Ok((sm2, Profile::Guomi)));
    assert_eq!(registered[1].did(), Ok((ed, Profile::Standard)));
    assert!(events.iter().any(|e| matches!(
        &e.event,
        RegistryEvent::RootAnchored { root, issuer, .. } if *root == hash(2) && *issuer == sm2.registry_key()
    )));

    // By storage proof: the same records.
    let proved = ProvedRegistry::latest(&s.registry).expect("header");
    assert_eq!(proved.issuer(&sm2).expect("proved"), Some(called.clone()));
    assert_eq!(proved.issuer(&ed).expect("proved"), Some(ed_called.clone()));
    assert_eq!(
        proved.anchor(&hash(2)).expect("proved"),
        Some(anchor.clone())
    );
    let revoked = proved
        .first_revoked(&sm2, &[hash(3), hash(1)])
        .expect("proved")
        .expect("revoked");
    assert_eq!((revoked.0, revoked.1.issuer), (1, sm2));

    // From the hall's mirror: the same again.
    let mut mirror = Mirror::open_in_memory(s.registry.registry()).expect("mirror");
    sync_once(
        &mut mirror,
        &s.registry,
        &SyncOptions::default(),
        &mut |_| {},
    )
    .expect("sync");
    assert_eq!(mirror.issuer(&sm2).expect("mirror"), Some(called));
    assert_eq!(mirror.issuer(&ed).expect("mirror"), Some(ed_called));
    assert_eq!(mirror.anchor(&hash(2)).expect("mirror"), Some(anchor));
    let from_mirror = mirror
        .first_revocation(&sm2, &[hash(3), hash(1)])
        .expect("mirror")
        .expect("revoked");
    assert_eq!(from_mirror, revoked);
}

#[test]
fn the_contract_refuses_profiles_and_key_lengths_it_does_not_know() {
    let s = setup();
    let sm2 = sm2_did().public_key().to_bytes();
    let sm2_key = HashAlg::Sm3.digest(&sm2);
    let ed = ed25519_did(3).registry_key();
    for profile in [0u8, 3, 255] {
        match refusal(&s.registry, &registration(sm2_key, profile, sm2.clone(), 1)) {
            C::CountersignRegistryErrors::BadProfile(e) => assert_eq!(e.profile, profile),
            other => panic!("profile {profile}: {other:?}"),
        }
    }
    let bad_key = |profile, public_key: Vec<u8>, key| match refusal(
        &s.registry,
        &registration(key, profile, public_key, 1),
    ) {
        C::CountersignRegistryErrors::BadPublicKey(e) => (e.profile, e.length.to::<u64>()),
        other => panic!("{other:?}"),
    };
    // A standard key is 32 bytes and the key itself.
    assert_eq!(bad_key(1, sm2.clone(), sm2_key), (1, 33));
    assert_eq!(bad_key(1, [9u8; 32].to_vec(), ed), (1, 32));
    // An SM2 key is 33 bytes (compressed); 32 or 65 (uncompressed) are refused.
    assert_eq!(bad_key(2, ed.to_vec(), sm2_key), (2, 32));
    assert_eq!(bad_key(2, [4u8; 65].to_vec(), sm2_key), (2, 65));
    // What the contract accepts: the same calls with the right shapes.
    assert!(send_raw(&s.registry, &registration(sm2_key, 2, sm2, 1)));
    assert!(send_raw(&s.registry, &registration(ed, 1, ed.to_vec(), 2)));
    assert_eq!(s.registry.issuer_count().expect("count"), 2);
}

/// An admin registers a name (the SM3 of a real SM2 key) with another SM2 key's bytes. The
/// contract cannot tell (it has no SM3 on anvil); every reader refuses the record, the mirror
/// keeps syncing past it, and the forged issuer's anchors are "could not check", never an
/// issuer's word.
#[test]
fn a_forged_sm2_registration_is_refused_by_every_reader_and_does_not_stop_the_mirror() {
    let s = setup();
    let victim = sm2_did();
    let other = sm2_did();
    let forged = registration(victim.registry_key(), 2, other.public_key().to_bytes(), 1);
    assert!(
        send_raw(&s.registry, &forged),
        "the contract cannot catch it"
    );
    s.registry
        .anchor_roots(&wallet(1), &[hash(5)])
        .expect("the forged issuer's account anchors");
    // An honest issuer after it.
    let honest = ed25519_did(9);
    s.registry
        .register_issuer(&wallet(0), &honest, wallet(2).address(), "某大学", &[])
        .expect("honest");

    let refused = |text: String| {
        assert!(
            text.contains("is refused") && text.contains("SM3"),
            "not named as a refused key: {text}"
        );
    };
    // By call.
    let e = s.registry.issuer(&victim, None).expect_err("refused");
    assert!(matches!(e, RegistryError::RefusedIssuer(_)), "{e}");
    refused(e.to_string());
    assert!(matches!(ChainError::from(e), ChainError::Inconsistent(_)));
    refused(
        s.registry
            .anchor(&hash(5), None)
            .expect_err("refused")
            .to_string(),
    );
    // From the events.
    let head = s.registry.head().expect("head");
    let events = s
        .registry
        .events(0, head.number)
        .expect("the events still decode");
    let key = events
        .iter()
        .find_map(|e| match &e.event {
            RegistryEvent::IssuerRegistered { issuer, .. }
                if issuer.key == victim.registry_key() =>
            {
                Some(issuer.clone())
            }
            _ => None,
        })
        .expect("the forged registration is an event");
    refused(key.did().expect_err("refused").to_string());
    // By storage proof.
    let proved = ProvedRegistry::latest(&s.registry).expect("header");
    refused(proved.issuer(&victim).expect_err("refused").to_string());
    refused(proved.anchor(&hash(5)).expect_err("refused").to_string());
    // The mirror syncs past it (the honest issuer after it arrives) and refuses it when read.
    let mut mirror = Mirror::open_in_memory(s.registry.registry()).expect("mirror");
    sync_once(
        &mut mirror,
        &s.registry,
        &SyncOptions::default(),
        &mut |_| {},
    )
    .expect("a forged registration does not stop the mirror");
    assert!(mirror.issuer(&honest).expect("mirror").is_some());
    for e in [
        mirror.issuer(&victim).expect_err("refused"),
        mirror.anchor(&hash(5)).expect_err("refused"),
    ] {
        assert!(matches!(e, ChainError::Inconsistent(_)), "{e}");
        refused(e.to_string());
    }
}

/// A registry of the version before (v3: no profiles, 32-byte keys only) is refused like any
/// other contract that does not answer Countersign's id: the address must get a v4 registry.
#[test]
fn a_v3_registry_is_refused() {
    let s = setup();
    // Code that answers every call with keccak256("Countersign.Registry.v3"), as a v3
    // registry's registryId() did: PUSH32 id, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN.
    let v3 = alloy_primitives::keccak256("Countersign.Registry.v3");
    let code = format!("0x7f{}60005260206000f3", hex::encode(v3));
    let address = [0x33; 20];
    s.registry
        .rpc()
        .call(
            "anvil_setCode",
            json!([format!("0x{}", hex::encode(address)), code]),
        )
        .expect("anvil_setCode");
    let old = RegistryRef {
        chain_id: DEV_CHAIN_ID,
        address,
    };
    let err = Registry::connect(&s.anvil.url(), &old, RpcOptions::default()).expect_err("v3");
    assert!(matches!(err, RegistryError::NotRegistry { .. }), "{err}");
    // The id itself: v4's, not v3's.
    assert_eq!(abi::REGISTRY_ID_NAME, "Countersign.Registry.v4");
    let id = s
        .registry
        .rpc()
        .call(
            "eth_call",
            json!([{
                "to": format!("0x{}", hex::encode(s.registry.registry().address)),
                "data": format!("0x{}", hex::encode(s.registry.calldata(&C::registryIdCall {}))),
            }, "latest"]),
        )
        .expect("registryId");
    assert_eq!(
        id,
        json!(format!(
            "0x{}",
            hex::encode(abi::registry_id(s.registry.chain_hash()))
        ))
    );
    assert_ne!(abi::registry_id(s.registry.chain_hash()), v3);
}
