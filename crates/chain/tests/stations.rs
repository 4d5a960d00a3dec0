//! Verifier stations (service halls) in the registry and the client, against a real anvil node:
//! registration by governance, one anchored log digest per station and day, the status rules
//! shared with issuers, day validation, events, and the mirror picking stations up.

use alloy_sol_types::{SolCall, SolInterface};
use chrono::NaiveDate;
use countersign_chain::abi::CountersignRegistry as C;
use countersign_chain::{day_code, Registry, RegistryError, RpcError, RpcOptions, Wallet};
use countersign_chainstate::events::RegistryEvent;
use countersign_chainstate::{IssuerStatus, StationRecord};
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

fn issuer_did(seed: u8) -> DidKey {
    DidKey::from_public_key_bytes(&station_key(seed)).expect("ed25519 key")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
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

struct Setup {
    _anvil: Anvil,
    registry: Registry,
}

/// A fresh node with the registry deployed by account 0, an issuer anchoring from account 1 and
/// a station (key seed 20) anchoring from account 2.
fn setup() -> Setup {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let (registry, _) = Registry::deploy(
        &anvil.url(),
        DEV_CHAIN_ID,
        &wallet(0),
        RpcOptions::default(),
    )
    .expect("deploy");
    registry
        .register_issuer(
            &wallet(0),
            &issuer_did(1),
            wallet(1).address(),
            "某市市场监督管理局",
            &["BusinessLicenceCredential".into()],
        )
        .expect("register issuer");
    registry
        .register_station(
            &wallet(0),
            station_key(20),
            Some(account(2)),
            "某区政务服务中心",
        )
        .expect("register station");
    Setup {
        _anvil: anvil,
        registry,
    }
}

#[test]
fn a_station_anchors_a_day_digest_once_and_reads_it_back() {
    let s = setup();
    assert_eq!(
        s.registry.station(station_key(20), None).expect("read"),
        Some(StationRecord {
            key: station_key(20),
            account: account(2),
            name: "某区政务服务中心".into(),
            status: IssuerStatus::Active,
        })
    );
    assert_eq!(
        s.registry.station(station_key(21), None).expect("read"),
        None
    );
    assert_eq!(s.registry.station_count().expect("count"), 1);

    let nov25 = day(2026, 11, 25);
    assert_eq!(day_code(nov25).expect("code"), 20261125);
    assert_eq!(
        s.registry.log_digest(station_key(20), nov25).expect("read"),
        None
    );
    let mined = s
        .registry
        .anchor_log_digest(&wallet(2), nov25, [0xd1; 32])
        .expect("anchor");
    let anchored = s
        .registry
        .log_digest(station_key(20), nov25)
        .expect("read")
        .expect("anchored");
    let block = s
        .registry
        .block(mined.block)
        .expect("block")
        .expect("mined");
    assert_eq!(
        (anchored.digest, anchored.block, anchored.at),
        ([0xd1; 32], mined.block, block.time)
    );
    // Another day, another station: nothing.
    assert_eq!(
        s.registry
            .log_digest(station_key(20), day(2026, 11, 24))
            .expect("read"),
        None
    );
    assert_eq!(
        s.registry.log_digest(station_key(21), nov25).expect("read"),
        None
    );

    // The same day again is refused in words, even with the same digest; the first stays.
    for digest in [[0xd2; 32], [0xd1; 32]] {
        refused_with(
            s.registry.anchor_log_digest(&wallet(2), nov25, digest),
            "the log digest for 2026-11-25 is already anchored",
        );
    }
    assert_eq!(
        s.registry
            .log_digest(station_key(20), nov25)
            .expect("read")
            .map(|d| d.digest),
        Some([0xd1; 32])
    );
    // The next day is its own slot; a zero digest is refused.
    s.registry
        .anchor_log_digest(&wallet(2), day(2026, 11, 26), [0xd3; 32])
        .expect("next day");
    refused_with(
        s.registry
            .anchor_log_digest(&wallet(2), day(2026, 11, 27), [0; 32]),
        "a hash is zero",
    );
}

#[test]
fn only_an_active_station_anchors_and_retirement_is_final() {
    let s = setup();
    let d = day(2026, 11, 25);
    // Neither a stranger nor an issuer's account is a station.
    for who in [3, 1] {
        refused_with(
            s.registry.anchor_log_digest(&wallet(who), d, [1; 32]),
            "is not an active verifier station",
        );
    }

    s.registry
        .set_station_status(&wallet(0), station_key(20), IssuerStatus::Suspended)
        .expect("suspend");
    assert_eq!(
        s.registry
            .station(station_key(20), None)
            .expect("read")
            .map(|r| r.status),
        Some(IssuerStatus::Suspended)
    );
    refused_with(
        s.registry.anchor_log_digest(&wallet(2), d, [1; 32]),
        "is not an active verifier station: it is suspended",
    );
    s.registry
        .set_station_status(&wallet(0), station_key(20), IssuerStatus::Active)
        .expect("reactivate");
    s.registry
        .anchor_log_digest(&wallet(2), d, [1; 32])
        .expect("active again");

    s.registry
        .set_station_status(&wallet(0), station_key(20), IssuerStatus::Retired)
        .expect("retire");
    refused_with(
        s.registry
            .anchor_log_digest(&wallet(2), day(2026, 11, 26), [1; 32]),
        "it is retired",
    );
    for status in [
        IssuerStatus::Active,
        IssuerStatus::Suspended,
        IssuerStatus::Retired,
    ] {
        refused_with(
            s.registry
                .set_station_status(&wallet(0), station_key(20), status),
            "is retired",
        );
    }
    // What it anchored stays, and so does its registration.
    assert!(s
        .registry
        .log_digest(station_key(20), d)
        .expect("read")
        .is_some());
    refused_with(
        s.registry
            .set_station_status(&wallet(0), station_key(29), IssuerStatus::Suspended),
        "is not registered",
    );
}

#[test]
fn only_governance_registers_stations_and_an_account_has_one_role() {
    let s = setup();
    refused_with(
        s.registry
            .register_station(&wallet(3), station_key(21), Some(account(3)), "冒名"),
        "is not a governance account",
    );
    refused_with(
        s.registry
            .set_station_status(&wallet(2), station_key(20), IssuerStatus::Suspended),
        "is not a governance account",
    );
    refused_with(
        s.registry
            .register_station(&wallet(0), station_key(20), Some(account(3)), "again"),
        "is already registered",
    );
    refused_with(
        s.registry
            .register_station(&wallet(0), [0; 32], Some(account(3)), "no key"),
        "the key is empty",
    );
    // An issuer's account, or another station's, is not given a second role, either way.
    for taken in [1, 2] {
        refused_with(
            s.registry
                .register_station(&wallet(0), station_key(21), Some(account(taken)), "x"),
            "already belongs to an issuer or a verifier station",
        );
    }
    refused_with(
        s.registry.register_issuer(
            &wallet(0),
            &issuer_did(5),
            wallet(2).address(),
            "某大学",
            &[],
        ),
        "already belongs to an issuer or a verifier station",
    );

    // Halls without a chain account: registered (their receipts can be checked), as many as
    // needed, but they anchor nothing.
    for seed in [21, 22] {
        s.registry
            .register_station(&wallet(0), station_key(seed), None, "某镇便民服务站")
            .expect("station without an account");
    }
    let record = s
        .registry
        .station(station_key(21), None)
        .expect("read")
        .expect("registered");
    assert_eq!((record.account(), record.may_anchor()), (None, false));
    assert_eq!(s.registry.station_count().expect("count"), 3);

    // A second admin registers too.
    s.registry
        .set_admin(&wallet(0), wallet(4).address(), true)
        .expect("grant");
    s.registry
        .register_station(&wallet(4), station_key(23), Some(account(3)), "某街道")
        .expect("second admin registers");
}

#[test]
fn a_day_that_is_not_a_date_is_refused() {
    let s = setup();
    // Through the client: any real date converts, and the registry judges the year.
    refused_with(
        s.registry
            .anchor_log_digest(&wallet(2), day(1999, 12, 31), [1; 32]),
        "day 19991231 is not a date written YYYYMMDD",
    );
    // Raw day codes a buggy client could send: simulated as the client does before sending.
    let simulate = |code: u32| {
        let input = C::anchorLogDigestCall {
            day: code,
            digest: alloy_primitives::FixedBytes([1; 32]),
        }
        .abi_encode();
        s.registry.rpc().call(
            "eth_estimateGas",
            json!([{
                "from": format!("{:?}", wallet(2).address()),
                "to": format!("0x{}", hex::encode(s.registry.registry().address)),
                "data": format!("0x{}", hex::encode(input)),
            }]),
        )
    };
    for bad in [
        0, 20261325, // month 13
        20260025, // month 0
        20261100, // day 0
        20261132, // day 32
        20260631, // 31 June
        20250229, // not a leap year
        21000229, // not a leap year (century)
        99991232, 100000101,  // a fifth year digit
        1764028800, // a Unix time
    ] {
        match simulate(bad) {
            Err(RpcError::Node {
                data: Some(data), ..
            }) => {
                let bytes = hex::decode(data.trim_start_matches("0x")).expect("hex");
                match C::CountersignRegistryErrors::abi_decode(&bytes) {
                    Ok(C::CountersignRegistryErrors::BadDay(e)) => assert_eq!(e.day, bad),
                    other => panic!("{bad}: expected BadDay, got {other:?}"),
                }
            }
            other => panic!("{bad}: expected a revert, got {other:?}"),
        }
    }
    for good in [20240229, 20000229, 20261231, 20260101, 99991231] {
        simulate(good).unwrap_or_else(|e| panic!("{good} is a date: {e}"));
    }
}

#[test]
fn station_changes_are_events_and_reach_the_mirror() {
    let s = setup();
    let nov25 = day(2026, 11, 25);
    let anchored = s
        .registry
        .anchor_log_digest(&wallet(2), nov25, [0xd1; 32])
        .expect("anchor");
    s.registry
        .register_station(&wallet(0), station_key(21), None, "某镇便民服务站")
        .expect("register");
    s.registry
        .set_station_status(&wallet(0), station_key(20), IssuerStatus::Suspended)
        .expect("suspend");

    let head = s.registry.head().expect("head");
    let events: Vec<RegistryEvent> = s
        .registry
        .events(0, head.number)
        .expect("events")
        .into_iter()
        .map(|e| e.event)
        .filter(|e| {
            matches!(
                e,
                RegistryEvent::StationRegistered { .. }
                    | RegistryEvent::StationStatusChanged { .. }
                    | RegistryEvent::LogDigestAnchored { .. }
            )
        })
        .collect();
    let at = |n: u64| s.registry.block(n).expect("block").expect("mined").time;
    let b = anchored.block;
    assert_eq!(
        events,
        [
            RegistryEvent::StationRegistered {
                station: station_key(20),
                account: account(2),
                name: "某区政务服务中心".into(),
            },
            RegistryEvent::StationStatusChanged {
                station: station_key(20),
                status: IssuerStatus::Active,
                at: at(b - 1),
            },
            RegistryEvent::LogDigestAnchored {
                station: station_key(20),
                day: 20261125,
                digest: [0xd1; 32],
                at: at(b),
            },
            RegistryEvent::StationRegistered {
                station: station_key(21),
                account: [0; 20],
                name: "某镇便民服务站".into(),
            },
            RegistryEvent::StationStatusChanged {
                station: station_key(21),
                status: IssuerStatus::Active,
                at: at(b + 1),
            },
            RegistryEvent::StationStatusChanged {
                station: station_key(20),
                status: IssuerStatus::Suspended,
                at: at(b + 2),
            },
        ]
    );

    // The mirror holds the stations as the registry does.
    let mut mirror = Mirror::open_in_memory(s.registry.registry()).expect("mirror");
    let options = SyncOptions {
        page_blocks: 2,
        confirmations: 0,
        start_block: 0,
        ..SyncOptions::default()
    };
    sync_once(&mut mirror, &s.registry, &options, &mut |_| {}).expect("sync");
    for seed in [20, 21, 22] {
        assert_eq!(
            mirror.station(&station_key(seed)).expect("mirror read"),
            s.registry.station(station_key(seed), None).expect("read"),
            "station {seed}"
        );
    }
    assert_eq!(mirror.counts().expect("counts").stations, 2);

    // A later change arrives with the next sync.
    s.registry
        .set_station_status(&wallet(0), station_key(20), IssuerStatus::Retired)
        .expect("retire");
    sync_once(&mut mirror, &s.registry, &options, &mut |_| {}).expect("sync again");
    let snapshot = mirror.snapshot().expect("snapshot");
    assert_eq!(
        snapshot
            .station(&station_key(20))
            .expect("read")
            .map(|r| r.status),
        Some(IssuerStatus::Retired)
    );
}
