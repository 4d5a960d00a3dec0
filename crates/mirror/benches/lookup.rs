//! What the mirror costs a scan: the chain checks of one credential (its issuer, its batch
//! root's anchoring, and the first revocation among its 17 hashes: leaf, 15 sub-batch nodes,
//! root) against a mirror of 1,000,000 events, for an anchored root, an unknown root and a
//! revoked leaf.
//!
//! Setup applies 1,000,000 events (half anchors, half revocations, four issuers) in pages the
//! way a sync does, and prints the apply rate, the file size per event and the cost of rolling
//! back one block to stderr.

use chrono::{DateTime, Utc};
use countersign_chainstate::events::{BlockRef, LoggedEvent, RegistryEvent};
use countersign_chainstate::{ChainState, IssuerStatus, RegisteredKey, RevocationReason};
use countersign_credential::{DidKey, RegistryRef};
use countersign_merkle::NodeHash;
use countersign_mirror::Mirror;
use criterion::{black_box, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use std::sync::OnceLock;
use std::time::Instant;

const EVENTS: u64 = 1_000_000;
const PER_BLOCK: u64 = 10;
const PER_PAGE: u64 = 20_000;
const ISSUERS: u8 = 4;
const PATH: usize = 17;

fn registry() -> RegistryRef {
    RegistryRef {
        chain_id: 31337,
        address: [0x5a; 20],
    }
}

fn issuer(n: u8) -> DidKey {
    // Deriving a public key is a scalar multiplication: a million of them would dominate setup.
    static KEYS: OnceLock<Vec<DidKey>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        (0..ISSUERS)
            .map(|i| {
                DidKey::from_verifying_key(SigningKey::from_bytes(&[i + 1; 32]).verifying_key())
            })
            .collect()
    });
    keys[n as usize]
}

/// Spread-out hashes, as real roots and leaves are.
fn hash(kind: u64, n: u64) -> NodeHash {
    let mut state = kind.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ n;
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    NodeHash(out)
}

const ROOT: u64 = 1;
const LEAF: u64 = 2;
const NODE: u64 = 3;

fn block_hash(number: u64) -> [u8; 32] {
    let mut h = [0xb0; 32];
    h[..8].copy_from_slice(&number.to_be_bytes());
    h
}

fn block_time(number: u64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_770_000_000 + 12 * number as i64, 0).unwrap_or_default()
}

fn logged(block: u64, log_index: u64, event: RegistryEvent) -> LoggedEvent {
    LoggedEvent {
        block,
        block_hash: block_hash(block),
        log_index,
        tx_hash: block_hash(block),
        leaf: [0x1e; 32],
        event,
    }
}

/// Event `i` of the bulk: even ones anchor a root, odd ones revoke a leaf.
fn bulk_event(i: u64) -> RegistryEvent {
    let n = (i % ISSUERS as u64) as u8;
    let at = block_time(1 + i / PER_BLOCK);
    if i.is_multiple_of(2) {
        RegistryEvent::RootAnchored {
            root: hash(ROOT, i / 2),
            issuer: issuer(n).registry_key(),
            at,
        }
    } else {
        RegistryEvent::Revoked {
            hash: hash(LEAF, i / 2),
            issuer: issuer(n).registry_key(),
            reason: RevocationReason::Superseded,
            at,
        }
    }
}

fn build(mirror: &mut Mirror) {
    let mut setup = Vec::new();
    for n in 0..ISSUERS {
        setup.push(logged(
            0,
            2 * n as u64,
            RegistryEvent::IssuerRegistered {
                issuer: RegisteredKey::of(&issuer(n)),
                account: [n; 20],
                name: format!("Issuer {n}"),
                credential_types: vec!["DiplomaCredential".into()],
            },
        ));
        setup.push(logged(
            0,
            2 * n as u64 + 1,
            RegistryEvent::IssuerStatusChanged {
                issuer: issuer(n).registry_key(),
                status: IssuerStatus::Active,
                at: block_time(0),
            },
        ));
    }
    let cursor = |number| BlockRef {
        number,
        hash: block_hash(number),
        time: block_time(number),
    };
    mirror.apply(&setup, cursor(0)).expect("setup page");

    let started = Instant::now();
    let bulk = EVENTS - setup.len() as u64;
    let mut i = 0;
    while i < bulk {
        let end = (i + PER_PAGE).min(bulk);
        let page: Vec<_> = (i..end)
            .map(|j| logged(1 + j / PER_BLOCK, j % PER_BLOCK, bulk_event(j)))
            .collect();
        let last = page.last().map_or(0, |e| e.block);
        mirror.apply(&page, cursor(last)).expect("page");
        i = end;
    }
    let took = started.elapsed();
    eprintln!(
        "applied {bulk} events in {:.1} s ({:.0} events/s)",
        took.as_secs_f64(),
        bulk as f64 / took.as_secs_f64()
    );
}

/// The 17 hashes of a credential whose leaf is `leaf`: leaf, 15 nodes, root.
fn path(leaf: NodeHash, root: NodeHash) -> Vec<NodeHash> {
    let mut hashes = vec![leaf];
    hashes.extend((0..PATH as u64 - 2).map(|k| hash(NODE, k)));
    hashes.push(root);
    hashes
}

/// What verification asks of the chain for one credential.
fn check(
    mirror: &Mirror,
    did: &DidKey,
    root: &NodeHash,
    hashes: &[NodeHash],
) -> (bool, bool, bool) {
    let issuer = mirror.issuer(did).expect("issuer");
    let anchor = mirror.anchor(root).expect("anchor");
    let revoked = mirror.first_revocation(did, hashes).expect("revocations");
    (issuer.is_some(), anchor.is_some(), revoked.is_some())
}

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs benches once in test mode; building a 1,000,000-event
    // mirror in a debug build would take minutes there for no check the tests lack.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("lookup: measured only under `cargo bench` (its setup is 1,000,000 events)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("mirror.sqlite");
    let mut mirror = Mirror::open(&file, &registry()).expect("open");
    build(&mut mirror);
    assert_eq!(mirror.counts().expect("counts").events, EVENTS);

    let started = Instant::now();
    let tip = mirror.cursor().expect("cursor").map_or(0, |c| c.number);
    mirror.rollback_to(tip - 1).expect("rollback");
    eprintln!(
        "rolled back one block at 1M events in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    // Closing the last connection folds the WAL into the file.
    drop(mirror);
    let size = std::fs::metadata(&file).expect("size").len();
    eprintln!(
        "file: {:.1} MB, {:.0} bytes per event",
        size as f64 / 1e6,
        size as f64 / EVENTS as f64
    );
    let mirror = Mirror::open(&file, &registry()).expect("reopen");

    // Event 400,000 anchors root 200,000 for issuer 0; event 400,001 revokes leaf 200,000.
    let did = issuer(0);
    let anchored = hash(ROOT, 200_000);
    let valid = path(hash(LEAF, 999_999_999), anchored);
    assert_eq!(check(&mirror, &did, &anchored, &valid), (true, true, false));
    let unknown = hash(ROOT, 999_999_999);
    let forged = path(hash(LEAF, 999_999_998), unknown);
    assert_eq!(
        check(&mirror, &did, &unknown, &forged),
        (true, false, false)
    );
    let did_revoker = issuer(1);
    let revoked = path(hash(LEAF, 200_000), anchored);
    assert_eq!(
        check(&mirror, &did_revoker, &anchored, &revoked),
        (true, true, true)
    );

    let mut group = c.benchmark_group("mirror 1M events: issuer + anchor + first_revocation(17)");
    group.bench_function("anchored root, nothing revoked", |b| {
        b.iter(|| {
            check(
                &mirror,
                black_box(&did),
                black_box(&anchored),
                black_box(&valid),
            )
        })
    });
    group.bench_function("unknown root", |b| {
        b.iter(|| {
            check(
                &mirror,
                black_box(&did),
                black_box(&unknown),
                black_box(&forged),
            )
        })
    });
    group.bench_function("revoked leaf", |b| {
        b.iter(|| {
            check(
                &mirror,
                black_box(&did_revoker),
                black_box(&anchored),
                black_box(&revoked),
            )
        })
    });
    group.finish();

    let mut parts = c.benchmark_group("mirror 1M events: parts");
    parts.bench_function("issuer", |b| b.iter(|| mirror.issuer(black_box(&did))));
    parts.bench_function("anchor", |b| b.iter(|| mirror.anchor(black_box(&anchored))));
    parts.bench_function("first_revocation(17)", |b| {
        b.iter(|| mirror.first_revocation(black_box(&did), black_box(&valid)))
    });
    parts.bench_function("view", |b| b.iter(|| mirror.view()));
    parts.finish();
}

// criterion_group! writes an undocumented pub fn; a private module keeps it out of the lint.
mod group {
    criterion::criterion_group!(lookup, super::bench);
}
use group::lookup;
criterion_main!(lookup);
