//! The chain's EVM hash as a setting: under SM3 every selector, topic, storage slot, event-record
//! step and the registry id are the ones an independent SM3 (OpenSSL 3's) gives; a client set
//! to SM3 in front of a Keccak-256 chain (anvil) is refused, naming the hash.
//!
//! The Keccak-256 path is proved equal to alloy's compiled-in constants by the unit tests in
//! `src/abi.rs` and `src/proof/layout.rs`, and end to end by every other test of this crate,
//! which runs with the default hash against anvil.

use alloy_sol_types::SolEvent;
use countersign_chain::abi::{self, CountersignRegistry as C, EventTopics};
use countersign_chain::proof::layout::{self, StorageSlots};
use countersign_chain::{ChainHash, Registry, RegistryError, RpcOptions, Wallet};
use countersign_chainstate::events::{EventHead, EventSource, LoggedEvent, RegistryEvent};
use countersign_chainstate::ChainError;
use countersign_devchain::{Anvil, DEV_CHAIN_ID, DEV_KEYS};
use std::io::Write;
use std::process::{Command, Stdio};

/// SM3 of `data` as OpenSSL 3 computes it (`openssl dgst -sm3`). OpenSSL missing fails the
/// test: the cross-check is the point.
fn openssl_sm3(data: &[u8]) -> [u8; 32] {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sm3", "-binary"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl (OpenSSL 3, /usr/bin/openssl) is needed to cross-check SM3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("write to openssl");
    let out = child.wait_with_output().expect("openssl ran");
    assert!(
        out.status.success(),
        "openssl dgst -sm3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.try_into().unwrap_or_else(|o: Vec<u8>| {
        panic!("openssl dgst -sm3 -binary gave {} bytes, not 32", o.len())
    })
}

#[test]
fn openssl_is_an_sm3_implementation() {
    // GB/T 32905-2016 appendix A, example 1: proves the tool, not our code.
    assert_eq!(
        hex::encode(openssl_sm3(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
}

#[test]
fn under_sm3_selectors_topics_and_the_registry_id_are_openssls() {
    let sm3 = ChainHash::Sm3;
    let mut checked = 0;
    for sig in C::CountersignRegistryCalls::SIGNATURES
        .iter()
        .chain(C::CountersignRegistryErrors::SIGNATURES)
    {
        let expected = openssl_sm3(sig.as_bytes());
        assert_eq!(abi::selector(sm3, sig), expected[..4], "selector of {sig}");
        // And not the Keccak-256 one: the setting changes what is sent.
        assert_ne!(
            abi::selector(sm3, sig),
            abi::selector(ChainHash::Keccak256, sig),
            "{sig}"
        );
        checked += 1;
    }
    for sig in C::CountersignRegistryEvents::SIGNATURES {
        assert_eq!(
            abi::topic(sm3, sig).0,
            openssl_sm3(sig.as_bytes()),
            "topic of {sig}"
        );
        checked += 1;
    }
    assert!(checked > 50, "{checked} signatures");
    let topics = EventTopics::new(sm3);
    assert_eq!(
        topics.issuer_registered.0,
        openssl_sm3(C::IssuerRegistered::SIGNATURE.as_bytes())
    );
    assert_eq!(
        abi::registry_id(sm3).0,
        openssl_sm3(abi::REGISTRY_ID_NAME.as_bytes())
    );
    // Calldata: the SM3 selector, then alloy's argument encoding unchanged.
    let call = C::anchorCall {
        roots: vec![[5u8; 32].into()],
    };
    let data = abi::encode_call(sm3, &call);
    assert_eq!(data[..4], openssl_sm3(b"anchor(bytes32[])")[..4]);
    assert_eq!(
        data[4..],
        abi::encode_call(ChainHash::Keccak256, &call)[4..]
    );
}

#[test]
fn under_sm3_storage_slots_and_the_event_record_are_openssls() {
    use alloy_primitives::U256;
    let slots = StorageSlots::new(ChainHash::Sm3);
    let key = [0xa7u8; 32];
    // issuerIndex[key]: H(key . pad32(3)).
    let mut preimage = key.to_vec();
    preimage.extend_from_slice(&layout::uint_key(layout::ISSUER_INDEX));
    assert_eq!(
        slots.issuer_index(key).to_be_bytes::<32>(),
        openssl_sm3(&preimage)
    );
    // revocations[7][hash]: H(hash . H(pad32(7) . pad32(7))).
    let mut inner = layout::uint_key(7).to_vec();
    inner.extend_from_slice(&layout::uint_key(layout::REVOCATIONS));
    let mut outer = [0x3cu8; 32].to_vec();
    outer.extend_from_slice(&openssl_sm3(&inner));
    assert_eq!(
        slots.revocation(7, [0x3c; 32]).to_be_bytes::<32>(),
        openssl_sm3(&outer)
    );
    // issuerKeys[2]: H(pad32(2)) + 2.
    let start = U256::from_be_bytes(openssl_sm3(&layout::uint_key(layout::ISSUER_KEYS)));
    assert_eq!(slots.issuer_key(2), start + U256::from(2u8));
    assert_ne!(
        slots.issuer_index(key),
        StorageSlots::new(ChainHash::Keccak256).issuer_index(key)
    );

    // One step of the event record: H(head . pad32(block) . leaf).
    let event = LoggedEvent {
        block: 0x0102_0304,
        block_hash: [1; 32],
        log_index: 0,
        tx_hash: [2; 32],
        leaf: [0x1e; 32],
        event: RegistryEvent::AdminChanged {
            account: [3; 20],
            admin: true,
        },
    };
    let before = EventHead {
        head: [0x4d; 32],
        count: 6,
        block: 9,
    };
    let mut preimage = [0x4d; 32].to_vec();
    preimage.extend_from_slice(&layout::uint_key(0x0102_0304));
    preimage.extend_from_slice(&[0x1e; 32]);
    let after = before.fold(ChainHash::Sm3, &event);
    assert_eq!(after.head, openssl_sm3(&preimage));
    assert_eq!((after.count, after.block), (7, 0x0102_0304));
}

/// A client set to SM3 in front of anvil, whose EVM is Keccak-256: the registry does not answer
/// its id under SM3, does under Keccak-256, and the error says so.
#[test]
fn an_sm3_client_on_a_keccak256_chain_is_refused_naming_the_hash() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let admin = Wallet::from_hex(DEV_KEYS[0]).expect("dev key");
    let (registry, _) = Registry::deploy(&anvil.url(), DEV_CHAIN_ID, &admin, RpcOptions::default())
        .expect("deploy");
    assert_eq!(registry.chain_hash(), ChainHash::Keccak256);
    let sm3 = RpcOptions {
        chain_hash: ChainHash::Sm3,
        ..RpcOptions::default()
    };
    let err = Registry::connect(&anvil.url(), registry.registry(), sm3.clone())
        .expect_err("an SM3 client on a Keccak-256 chain");
    match &err {
        RegistryError::WrongChainHash {
            configured,
            answers,
            ..
        } => assert_eq!(
            (*configured, *answers),
            (ChainHash::Sm3, ChainHash::Keccak256)
        ),
        other => panic!("{other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("does not answer Countersign's id under sm3")
            && text.contains("the chain's hash is keccak256, not sm3"),
        "{text}"
    );
    // A configuration problem, not an outage: the hall is told to fix its settings.
    assert!(matches!(
        ChainError::from(err.clone()),
        ChainError::WrongRegistry(_)
    ));
    let all = countersign_chain::connect_first(&[anvil.url()], registry.registry(), &sm3)
        .expect_err("no node");
    assert!(all.wrong_registry(), "{all}");

    // The mirror's source checks the node at every sync: the same refusal, nothing applied.
    let source = Registry::unchecked(&anvil.url(), registry.registry(), sm3);
    assert_eq!(EventSource::chain_hash(&source), ChainHash::Sm3);
    let refused = source.check_registry().expect_err("refused");
    assert!(refused.to_string().contains("under sm3"), "{refused}");
    let mut mirror =
        countersign_mirror::Mirror::open_in_memory(registry.registry()).expect("mirror");
    let sync = countersign_mirror::sync_once(
        &mut mirror,
        &source,
        &countersign_mirror::SyncOptions::default(),
        &mut |_| {},
    )
    .expect_err("not synced");
    assert!(sync.to_string().contains("under sm3"), "{sync}");
    assert_eq!(mirror.cursor().expect("cursor"), None);

    // Keccak-256, the default, is this chain's: the same node is accepted.
    Registry::connect(&anvil.url(), registry.registry(), RpcOptions::default())
        .expect("the default hash is anvil's");
}
