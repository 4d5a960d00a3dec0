//! Log checkpoints (a hall's Merkle-tree log head: size and root) anchored on the registry under
//! a station's role, against a real anvil node: sizes only grow, the refusal is typed, the newest
//! reads the same by `eth_call`, by storage proof and from the events, and the mirror syncs a
//! chain that holds them (their events are folded into the event record like any other).

use alloy_primitives::{FixedBytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use countersign_chain::abi::CountersignRegistry as C;
use countersign_chain::proof::layout;
use countersign_chain::{
    AnchoredCheckpoint, ChainHash, Mined, ProvedRegistry, Registry, RegistryError, RpcError,
    RpcOptions, Wallet,
};
use countersign_chainstate::events::RegistryEvent;
use countersign_chainstate::{ChainState, IssuerStatus};
use countersign_credential::DidKey;
use countersign_devchain::{Anvil, DEV_CHAIN_ID, DEV_KEYS};
use countersign_mirror::{sync_once, Mirror, SyncOptions};
use serde_json::json;

fn wallet(i: usize) -> Wallet {
    Wallet::from_hex(DEV_KEYS[i]).expect("dev key")
}

fn account(i: usize) -> [u8; 20] {
    wallet(i).address().into_array()
}

/// A hall's Ed25519 device key, derived from a seed.
fn station_key(seed: u8) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
        .verifying_key()
        .to_bytes()
}

fn refused_with(result: Result<impl std::fmt::Debug, RegistryError>, words: &str) {
    match result {
        Err(RegistryError::Refused { reason }) => {
            assert!(
                reason.contains(words),
                "refused with {reason:?}, not {words:?}"
            )
        }
        other => panic!("expected a refusal saying {words:?}, got {other:?}"),
    }
}

fn not_newer(result: Result<Mined, RegistryError>, size: u64, anchored: u64) -> String {
    match result {
        Err(e @ RegistryError::CheckpointNotNewer { .. }) => {
            assert_eq!(
                e,
                RegistryError::CheckpointNotNewer { size, anchored },
                "sizes"
            );
            e.to_string()
        }
        other => panic!("expected CheckpointNotNewer({size}, {anchored}), got {other:?}"),
    }
}

struct Setup {
    _anvil: Anvil,
    registry: Registry,
}

/// A fresh node with the registry deployed by account 0, an issuer anchoring from account 1,
/// station 20 anchoring from account 2 and station 21 from account 3.
fn setup() -> Setup {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let (registry, _) = Registry::deploy(
        &anvil.url(),
        DEV_CHAIN_ID,
        &wallet(0),
        RpcOptions::default(),
    )
    .expect("deploy");
    let issuer = DidKey::from_public_key_bytes(&station_key(1)).expect("ed25519 key");
    registry
        .register_issuer(
            &wallet(0),
            &issuer,
            wallet(1).address(),
            "某市市场监督管理局",
            &["BusinessLicenceCredential".into()],
        )
        .expect("register issuer");
    for (seed, who) in [(20, 2), (21, 3)] {
        registry
            .register_station(
                &wallet(0),
                station_key(seed),
                Some(account(who)),
                "政务服务中心",
            )
            .expect("register station");
    }
    Setup {
        _anvil: anvil,
        registry,
    }
}

/// The newest checkpoint of `key` as the three reads give it, which must agree: `eth_call`,
/// a storage proof at the head, and the last of the events (which alone knows the transaction).
fn newest(registry: &Registry, key: [u8; 32]) -> Option<AnchoredCheckpoint> {
    let called = registry.checkpoint_of(key).expect("eth_call");
    let proved = ProvedRegistry::latest(registry)
        .expect("header checks")
        .checkpoint_of(key)
        .expect("proved read");
    assert_eq!(proved, called, "proved and called");
    let logged = registry
        .anchored_checkpoints(key)
        .expect("events")
        .pop()
        .map(|c| {
            assert!(
                c.tx.is_some(),
                "a checkpoint from the events names its transaction"
            );
            AnchoredCheckpoint { tx: None, ..c }
        });
    assert_eq!(logged, called, "last of the events and called");
    called
}

#[test]
fn a_station_anchors_growing_checkpoints_and_every_read_agrees() {
    let s = setup();
    let (hall, other) = (station_key(20), station_key(21));
    assert_eq!(newest(&s.registry, hall), None);
    assert_eq!(s.registry.anchored_checkpoints(hall).expect("events"), []);

    let first = s
        .registry
        .anchor_checkpoint(&wallet(2), 5, [0xa5; 32])
        .expect("first checkpoint");
    let second = s
        .registry
        .anchor_checkpoint(&wallet(2), 12, [0xac; 32])
        .expect("a larger one");
    // The gas a hall pays: the first checkpoint writes two fresh slots, later ones rewrite them.
    eprintln!(
        "anchorCheckpoint gas: first {} , next {}",
        first.gas_used, second.gas_used
    );
    assert!(first.gas_used < 200_000 && second.gas_used < first.gas_used);

    let at = |n: u64| s.registry.block(n).expect("block").expect("mined").time;
    let newest_now = newest(&s.registry, hall).expect("anchored");
    assert_eq!(
        newest_now,
        AnchoredCheckpoint {
            size: 12,
            root: [0xac; 32],
            at: at(second.block),
            block: second.block,
            tx: None,
        }
    );
    // The events keep every checkpoint, oldest first, with its transaction.
    let all = s.registry.anchored_checkpoints(hall).expect("events");
    let tx = |m: &Mined| Some(format!("0x{}", hex::encode(m.tx)));
    assert_eq!(
        all,
        [
            AnchoredCheckpoint {
                size: 5,
                root: [0xa5; 32],
                at: at(first.block),
                block: first.block,
                tx: tx(&first),
            },
            AnchoredCheckpoint {
                tx: tx(&second),
                ..newest_now.clone()
            },
        ]
    );

    // The same size again (even with the same root) or a smaller one: refused, typed, with
    // both sizes; the newest stays.
    let same = not_newer(
        s.registry.anchor_checkpoint(&wallet(2), 12, [0xac; 32]),
        12,
        12,
    );
    assert!(
        same.contains("already holds a checkpoint of 12 entries"),
        "{same}"
    );
    let smaller = not_newer(
        s.registry.anchor_checkpoint(&wallet(2), 11, [0xab; 32]),
        11,
        12,
    );
    assert!(
        smaller.contains(
            "the registry already holds a checkpoint of 12 entries for this hall: this log (11 entries) is older than what it anchored (rolled back, or its tail deleted)"
        ),
        "{smaller}"
    );
    assert_eq!(
        newest(&s.registry, hall).map(|c| c.size),
        Some(12),
        "refusals change nothing"
    );
    assert_eq!(
        s.registry.anchored_checkpoints(hall).expect("events").len(),
        2
    );

    // Another station has its own sequence, from zero; the first station's is untouched.
    assert_eq!(newest(&s.registry, other), None);
    s.registry
        .anchor_checkpoint(&wallet(3), 3, [0x03; 32])
        .expect("another station's first");
    assert_eq!(newest(&s.registry, other).map(|c| c.size), Some(3));
    assert_eq!(newest(&s.registry, hall).map(|c| c.size), Some(12));

    // Two slots per station, read with one proof: a station with none proves zeros.
    let proved = ProvedRegistry::latest(&s.registry).expect("header");
    let base = layout::StorageSlots::new(ChainHash::Keccak256).log_checkpoint(station_key(22));
    assert_eq!(
        proved
            .storage(&[base, base + U256::from(1u8)])
            .expect("proved"),
        [U256::ZERO, U256::ZERO]
    );
    assert_eq!(proved.checkpoint_of(station_key(22)).expect("proved"), None);
}

#[test]
fn only_an_active_station_anchors_a_checkpoint_and_never_an_empty_one() {
    let s = setup();
    // Neither a stranger nor an issuer's account is a station.
    for who in [4, 1] {
        refused_with(
            s.registry.anchor_checkpoint(&wallet(who), 1, [1; 32]),
            "is not an active verifier station",
        );
    }
    refused_with(
        s.registry.anchor_checkpoint(&wallet(2), 1, [0; 32]),
        "a hash is zero",
    );
    // The client names an empty log itself; the registry would refuse it as not newer than
    // none.
    match s.registry.anchor_checkpoint(&wallet(2), 0, [1; 32]) {
        Err(RegistryError::Invalid(why)) => assert!(why.contains("empty log"), "{why}"),
        other => panic!("expected an empty log refused, got {other:?}"),
    }
    let raw = C::anchorCheckpointCall {
        size: 0,
        root: FixedBytes([1; 32]),
    }
    .abi_encode();
    match s.registry.rpc().call(
        "eth_estimateGas",
        json!([{
            "from": format!("{:?}", wallet(2).address()),
            "to": format!("0x{}", hex::encode(s.registry.registry().address)),
            "data": format!("0x{}", hex::encode(raw)),
        }]),
    ) {
        Err(RpcError::Node {
            data: Some(data), ..
        }) => {
            let bytes = hex::decode(data.trim_start_matches("0x")).expect("hex");
            match C::CountersignRegistryErrors::abi_decode(&bytes) {
                Ok(C::CountersignRegistryErrors::CheckpointNotNewer(e)) => {
                    assert_eq!((e.station.0, e.size, e.anchored), (station_key(20), 0, 0))
                }
                other => panic!("expected CheckpointNotNewer, got {other:?}"),
            }
        }
        other => panic!("expected a revert, got {other:?}"),
    }

    // Suspended: refused; reactivated: it anchors; retired: refused for good, and what it
    // anchored stays.
    s.registry
        .set_station_status(&wallet(0), station_key(20), IssuerStatus::Suspended)
        .expect("suspend");
    refused_with(
        s.registry.anchor_checkpoint(&wallet(2), 1, [1; 32]),
        "is not an active verifier station: it is suspended",
    );
    s.registry
        .set_station_status(&wallet(0), station_key(20), IssuerStatus::Active)
        .expect("reactivate");
    s.registry
        .anchor_checkpoint(&wallet(2), 1, [1; 32])
        .expect("active again");
    s.registry
        .set_station_status(&wallet(0), station_key(20), IssuerStatus::Retired)
        .expect("retire");
    refused_with(
        s.registry.anchor_checkpoint(&wallet(2), 2, [2; 32]),
        "it is retired",
    );
    assert_eq!(
        newest(&s.registry, station_key(20)).map(|c| (c.size, c.root)),
        Some((1, [1; 32]))
    );
}

#[test]
fn checkpoint_events_are_decoded_folded_and_synced_by_the_mirror() {
    let s = setup();
    let mut mined = Vec::new();
    for (who, size, root) in [(2, 4, [4; 32]), (3, 1, [1; 32]), (2, 9, [9; 32])] {
        mined.push(
            s.registry
                .anchor_checkpoint(&wallet(who), size, root)
                .expect("anchor"),
        );
    }
    // A digest in the same stretch: both kinds of station event in one page.
    s.registry
        .anchor_log_digest(
            &wallet(2),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
            [0xd1; 32],
        )
        .expect("digest");

    let head = s.registry.head().expect("head");
    let events: Vec<_> = s
        .registry
        .events(0, head.number)
        .expect("events")
        .into_iter()
        .filter(|e| matches!(e.event, RegistryEvent::CheckpointAnchored { .. }))
        .collect();
    let at = |n: u64| s.registry.block(n).expect("block").expect("mined").time;
    assert_eq!(
        events.iter().map(|e| e.event.clone()).collect::<Vec<_>>(),
        [
            RegistryEvent::CheckpointAnchored {
                station: station_key(20),
                size: 4,
                root: [4; 32],
                at: at(mined[0].block),
            },
            RegistryEvent::CheckpointAnchored {
                station: station_key(21),
                size: 1,
                root: [1; 32],
                at: at(mined[1].block),
            },
            RegistryEvent::CheckpointAnchored {
                station: station_key(20),
                size: 9,
                root: [9; 32],
                at: at(mined[2].block),
            },
        ]
    );
    assert_eq!(
        events.iter().map(|e| e.tx_hash).collect::<Vec<_>>(),
        mined.iter().map(|m| m.tx).collect::<Vec<_>>()
    );

    // Every page is proved against the registry's event record, so a checkpoint event the
    // contract did not fold (or the client did not ask for) would stop the sync here. Pages
    // of two blocks: some hold checkpoints only.
    let mut mirror = Mirror::open_in_memory(s.registry.registry()).expect("mirror");
    let options = SyncOptions {
        page_blocks: 2,
        confirmations: 0,
        start_block: 0,
        ..SyncOptions::default()
    };
    sync_once(&mut mirror, &s.registry, &options, &mut |_| {}).expect("sync");
    assert_eq!(mirror.view().expect("view").block, head.number);

    // And the next checkpoint arrives with the next sync.
    s.registry
        .anchor_checkpoint(&wallet(3), 2, [2; 32])
        .expect("anchor");
    sync_once(&mut mirror, &s.registry, &options, &mut |_| {}).expect("sync again");
    assert_eq!(
        mirror.view().expect("view").block,
        s.registry.head().expect("head").number
    );
}
