//! The hall's mirror synced from a real anvil node through the real client: resuming after the
//! node stops mid-sync, reorganisations, confirmations, a misbehaving node leaving the mirror
//! unchanged, failover in the background follower, and verification from the mirror.

use countersign_chain::{Registry, RpcClient, RpcOptions, Wallet};
use countersign_chainstate::{ChainState, IssuerStatus};
use countersign_credential::{issue_batch, DidKey, Draft, Issuer, RegistryRef};
use countersign_devchain::{Anvil, AnvilOptions, DEV_CHAIN_ID, DEV_KEYS};
use countersign_merkle::NodeHash;
use countersign_mirror::{sync_once, Mirror, SyncError, SyncOptions};
use countersign_verify::{FixedClock, Params, VerificationPolicy};
use countersign_vocab::Verdict;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn wallet(i: usize) -> Wallet {
    Wallet::from_hex(DEV_KEYS[i]).expect("dev key")
}

fn issuer() -> Issuer {
    Issuer::new(ed25519_dalek::SigningKey::from_bytes(&[7; 32]), "京华大学")
}

fn hash(n: u32) -> NodeHash {
    countersign_merkle::leaf_hash(&n.to_be_bytes())
}

/// Deploys the registry and registers the university (account 1).
fn deploy(url: &str) -> Registry {
    let (registry, _) =
        Registry::deploy(url, DEV_CHAIN_ID, &wallet(0), RpcOptions::default()).expect("deploy");
    registry
        .register_issuer(
            &wallet(0),
            &issuer().did(),
            wallet(1).address(),
            "京华大学",
            &["DiplomaCredential".into()],
        )
        .expect("register");
    registry
}

/// Pages of `page_blocks`, each proved and kept on its own (one group per page), so a sync
/// that stops keeps every page before it.
fn options(page_blocks: u64) -> SyncOptions {
    SyncOptions {
        page_blocks,
        confirmations: 0,
        start_block: 0,
        group_events: 1,
    }
}

fn rpc(url: &str) -> RpcClient {
    RpcClient::new(url, RpcOptions::default())
}

#[test]
fn a_sync_interrupted_by_the_node_stopping_resumes_without_duplicates_or_gaps() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("anvil-state.json");
    let anvil = Anvil::start_with(&AnvilOptions {
        state: Some(state.clone()),
        ..AnvilOptions::default()
    })
    .expect("anvil");
    let port = anvil.port();
    let registry = deploy(&anvil.url());
    // 40 blocks of 5 anchors each.
    for b in 0..40u32 {
        let roots: Vec<NodeHash> = (0..5).map(|i| hash(b * 5 + i)).collect();
        registry.anchor_roots(&wallet(1), &roots).expect("anchor");
    }
    let head = registry.head().expect("head");
    let path = dir.path().join("mirror.sqlite");
    let mut mirror = Mirror::open(&path, registry.registry()).expect("mirror");

    // Stop the node after the third page: the sync fails, keeping the pages it applied.
    let mut anvil = Some(anvil);
    let mut pages = 0;
    let result = sync_once(&mut mirror, &registry, &options(4), &mut |_| {
        pages += 1;
        if pages == 3 {
            if let Some(node) = anvil.take() {
                node.stop();
            }
        }
    });
    assert!(
        matches!(result, Err(SyncError::Source { .. })),
        "{result:?}"
    );
    let cursor = mirror.cursor().expect("cursor").expect("synced some");
    assert_eq!(cursor.number, 11, "three pages of four blocks from block 0");
    let partial = mirror.counts().expect("counts");
    assert!(partial.anchors > 0 && partial.anchors < 200, "{partial:?}");

    // The same node comes back (same state, same port): the sync picks up at the cursor.
    let anvil = Anvil::start_with(&AnvilOptions {
        state: Some(state),
        port: Some(port),
        ..AnvilOptions::default()
    })
    .expect("anvil again");
    let registry = Registry::connect(&anvil.url(), registry.registry(), RpcOptions::default())
        .expect("reconnect");
    let report = sync_once(&mut mirror, &registry, &options(4), &mut |_| {}).expect("resume");
    assert_eq!(report.from, 12);
    assert_eq!(
        report.reorg_depth, None,
        "the restarted node kept its blocks"
    );
    let counts = mirror.counts().expect("counts");
    assert_eq!(counts.anchors, 200);
    assert_eq!(counts.issuers, 1);
    assert_eq!(
        mirror.cursor().expect("cursor").expect("cursor").number,
        head.number
    );
    // A fresh mirror synced in one go holds exactly the same.
    let mut fresh = Mirror::open_in_memory(registry.registry()).expect("fresh");
    sync_once(&mut fresh, &registry, &options(1000), &mut |_| {}).expect("fresh sync");
    assert_eq!(fresh.counts().expect("counts"), counts);
    for n in 0..200 {
        assert!(
            mirror.anchor(&hash(n)).expect("lookup").is_some(),
            "root {n}"
        );
    }
}

/// Signs one diploma anchored on `registry`.
fn diploma(registry: &RegistryRef) -> (serde_json::Value, NodeHash) {
    diploma_signed_at(registry, chrono::Utc::now() - chrono::Duration::hours(1))
}

fn diploma_signed_at(
    registry: &RegistryRef,
    created: chrono::DateTime<chrono::Utc>,
) -> (serde_json::Value, NodeHash) {
    let draft = Draft {
        type_name: "DiplomaCredential".into(),
        id: uuid::Uuid::new_v4(),
        subject: json!({
            "name": "刘洋", "idNumber": "110108199803120018", "school": "京华大学",
            "major": "计算机科学与技术", "level": "本科", "graduationDate": "2020-06-30"
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        valid_from: created,
        valid_until: None,
    };
    let batch = issue_batch(&issuer(), &[draft], created, Some(*registry)).expect("issue");
    (batch.credentials[0].clone(), batch.root)
}

fn verdict(document: &serde_json::Value, chain: &dyn ChainState) -> Verdict {
    report(document, chain).verdict
}

fn report(document: &serde_json::Value, chain: &dyn ChainState) -> countersign_verify::Report {
    let clock = FixedClock(chrono::Utc::now());
    let params = Params {
        clock: &clock,
        chain: Some(chain),
        policy: VerificationPolicy::default(),
    };
    countersign_verify::verify_document(document.clone(), &params)
}

#[test]
fn a_quiet_chain_synced_a_minute_ago_is_fresh_however_old_its_last_block() {
    // A consortium chain without empty blocks: the last block is three days old.
    let three_days_ago = chrono::Utc::now() - chrono::Duration::days(3);
    let anvil = Anvil::start_with(&AnvilOptions {
        args: vec!["--timestamp".into(), three_days_ago.timestamp().to_string()],
        ..AnvilOptions::default()
    })
    .expect("anvil");
    let registry = deploy(&anvil.url());
    let (credential, root) = diploma_signed_at(
        registry.registry(),
        three_days_ago - chrono::Duration::days(1),
    );
    registry.anchor_roots(&wallet(1), &[root]).expect("anchor");
    let mut mirror = Mirror::open_in_memory(registry.registry()).expect("mirror");
    sync_once(&mut mirror, &registry, &options(100), &mut |_| {}).expect("sync");
    let view = mirror.view().expect("view");
    assert!(view.block_time < chrono::Utc::now() - chrono::Duration::days(2));
    assert!(view.checked_at > chrono::Utc::now() - chrono::Duration::minutes(1));
    let r = report(&credential, &mirror);
    assert_eq!(r.verdict, Verdict::Valid);
    assert!(
        r.warnings.iter().all(|w| w.code != "chain.stale"),
        "{:?}",
        r.warnings
    );
    // Online likewise: the node answered just now.
    let online = countersign_chain::OnlineChainState::pin(&registry, 0).expect("pin");
    assert!(report(&credential, &online)
        .warnings
        .iter()
        .all(|w| w.code != "chain.stale"));

    // A mirror whose last sync was two days ago is stale, whatever its blocks say.
    mirror
        .mark_synced(chrono::Utc::now() - chrono::Duration::days(2))
        .expect("mark");
    let r = report(&credential, &mirror);
    assert!(
        r.warnings.iter().any(|w| w.code == "chain.stale"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn a_reorganisation_that_drops_an_anchor_is_rolled_back_and_the_credential_stops_verifying() {
    let anvil = Anvil::start().expect("anvil");
    let registry = deploy(&anvil.url());
    let (credential, root) = diploma(registry.registry());
    let node = rpc(&anvil.url());
    let snapshot = node.call("evm_snapshot", json!([])).expect("snapshot");
    registry.anchor_roots(&wallet(1), &[root]).expect("anchor");
    registry
        .anchor_roots(&wallet(1), &[hash(1)])
        .expect("anchor");

    let mut mirror = Mirror::open_in_memory(registry.registry()).expect("mirror");
    sync_once(&mut mirror, &registry, &options(100), &mut |_| {}).expect("sync");
    assert_eq!(verdict(&credential, &mirror), Verdict::Valid);

    // The anchoring blocks vanish; the other branch anchors something else and grows longer.
    assert_eq!(
        node.call("evm_revert", json!([snapshot])).expect("revert"),
        json!(true)
    );
    node.call("evm_increaseTime", json!([60])).expect("time");
    registry
        .anchor_roots(&wallet(1), &[hash(2)])
        .expect("anchor on the new branch");
    node.call("anvil_mine", json!(["0x3"])).expect("mine");

    let report = sync_once(&mut mirror, &registry, &options(100), &mut |_| {}).expect("sync");
    assert_eq!(report.reorg_depth, Some(2), "{report:?}");
    assert_eq!(mirror.anchor(&root).expect("lookup"), None);
    assert_eq!(mirror.anchor(&hash(1)).expect("lookup"), None);
    assert!(mirror.anchor(&hash(2)).expect("lookup").is_some());
    assert_ne!(verdict(&credential, &mirror), Verdict::Valid);
    assert_eq!(verdict(&credential, &mirror), Verdict::Invalid);
}

#[test]
fn confirmations_hold_back_the_newest_blocks() {
    let anvil = Anvil::start().expect("anvil");
    let registry = deploy(&anvil.url());
    registry
        .anchor_roots(&wallet(1), &[hash(1)])
        .expect("anchor");
    registry
        .anchor_roots(&wallet(1), &[hash(2)])
        .expect("anchor");
    let head = registry.head().expect("head").number;
    let mut mirror = Mirror::open_in_memory(registry.registry()).expect("mirror");
    let opts = SyncOptions {
        confirmations: 1,
        ..options(100)
    };
    sync_once(&mut mirror, &registry, &opts, &mut |_| {}).expect("sync");
    assert_eq!(
        mirror.cursor().expect("cursor").expect("cursor").number,
        head - 1
    );
    assert!(mirror.anchor(&hash(1)).expect("lookup").is_some());
    assert_eq!(mirror.anchor(&hash(2)).expect("lookup"), None);
    // The view says which block the answers reflect.
    assert_eq!(mirror.view().expect("view").block, head - 1);
}

#[test]
fn a_misbehaving_node_or_another_registry_leaves_the_mirror_unchanged() {
    let anvil = Anvil::start().expect("anvil");
    let registry = deploy(&anvil.url());
    registry
        .anchor_roots(&wallet(1), &[hash(1)])
        .expect("anchor");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    let mut mirror = Mirror::open(&path, registry.registry()).expect("mirror");
    sync_once(&mut mirror, &registry, &options(100), &mut |_| {}).expect("sync");
    let before = (
        mirror.counts().expect("counts"),
        mirror.cursor().expect("cursor"),
    );

    // A loopback "node" that answers every request with garbage, until the test stops it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = Arc::clone(&stop);
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\nconnection: close\r\n\r\n{\"jsonrp",
            );
        }
    });
    let bad = Registry::unchecked(
        &format!("http://127.0.0.1:{port}"),
        registry.registry(),
        RpcOptions {
            attempts: 1,
            ..RpcOptions::default()
        },
    );
    let err = sync_once(&mut mirror, &bad, &options(100), &mut |_| {}).expect_err("garbage");
    assert!(err.to_string().contains("malformed answer"), "{err}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = server.join();
    assert_eq!(
        (
            mirror.counts().expect("counts"),
            mirror.cursor().expect("cursor")
        ),
        before
    );

    // The same node read for another registry address: refused before anything is read.
    let other = Registry::unchecked(
        &anvil.url(),
        &RegistryRef {
            chain_id: DEV_CHAIN_ID,
            address: [9; 20],
        },
        RpcOptions::default(),
    );
    let err =
        sync_once(&mut mirror, &other, &options(100), &mut |_| {}).expect_err("other registry");
    assert!(matches!(err, SyncError::WrongRegistry { .. }), "{err}");
    assert_eq!(
        (
            mirror.counts().expect("counts"),
            mirror.cursor().expect("cursor")
        ),
        before
    );
}

/// Another node at the hall's node address (reinstalled, another chain on a reused LAN
/// address): without the registry check at every sync, its blocks looked like a deep
/// reorganisation and the mirror was rolled back and refilled from a chain without our
/// registry, wiping every anchor and revocation the hall knew. Now the sync is refused before
/// anything is read and the mirror keeps what it had.
#[test]
fn another_chain_behind_the_same_address_is_refused_and_the_mirror_kept() {
    let anvil = Anvil::start().expect("anvil");
    let port = anvil.port();
    let registry = deploy(&anvil.url());
    for n in 0..3u32 {
        registry
            .anchor_roots(&wallet(1), &[hash(n)])
            .expect("anchor");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut mirror =
        Mirror::open(dir.path().join("mirror.sqlite"), registry.registry()).expect("mirror");
    sync_once(&mut mirror, &registry, &options(100), &mut |_| {}).expect("sync");
    let before = (
        mirror.counts().expect("counts"),
        mirror.cursor().expect("cursor"),
    );
    assert_eq!(before.0.anchors, 3);
    anvil.stop();

    // The same chain id without our registry, then another chain id: both at the same address,
    // each with more blocks than the hall has mirrored.
    for chain_id in [DEV_CHAIN_ID, 4242] {
        let other = Anvil::start_with(&AnvilOptions {
            chain_id,
            port: Some(port),
            ..AnvilOptions::default()
        })
        .expect("another node at the same address");
        rpc(&other.url())
            .call("anvil_mine", json!([20]))
            .expect("mine");
        let err = sync_once(&mut mirror, &registry, &options(100), &mut |_| {})
            .expect_err("another chain");
        assert!(
            matches!(
                &err,
                SyncError::Source {
                    error: countersign_chainstate::ChainError::WrongRegistry(_),
                    ..
                }
            ),
            "chain {chain_id}: {err}"
        );
        assert_eq!(
            (
                mirror.counts().expect("counts"),
                mirror.cursor().expect("cursor")
            ),
            before,
            "chain {chain_id}: the mirror is unchanged"
        );
        other.stop();
    }
}

#[test]
fn suspension_and_revocations_reach_the_mirror_from_events_alone() {
    let anvil = Anvil::start().expect("anvil");
    let registry = deploy(&anvil.url());
    let (credential, root) = diploma(registry.registry());
    registry.anchor_roots(&wallet(1), &[root]).expect("anchor");
    let did: DidKey = issuer().did();
    registry
        .set_issuer_status(&wallet(0), &did, IssuerStatus::Suspended)
        .expect("suspend");
    let mut mirror = Mirror::open_in_memory(registry.registry()).expect("mirror");
    sync_once(&mut mirror, &registry, &options(100), &mut |_| {}).expect("sync");
    let online = countersign_chain::OnlineChainState::pin(&registry, 0).expect("pin");
    // Online and mirror agree record for record.
    assert_eq!(
        mirror.issuer(&did).expect("mirror"),
        online.issuer(&did).expect("online")
    );
    assert_eq!(
        mirror.anchor(&root).expect("mirror"),
        online.anchor(&root).expect("online")
    );
    assert_eq!(
        verdict(&credential, &mirror),
        Verdict::Valid,
        "anchored before the suspension"
    );

    registry
        .revoke(
            &wallet(1),
            &[root],
            countersign_chainstate::RevocationReason::KeyCompromise,
        )
        .expect("a suspended issuer revokes");
    sync_once(&mut mirror, &registry, &options(100), &mut |_| {}).expect("sync");
    let online = countersign_chain::OnlineChainState::pin(&registry, 0).expect("pin");
    assert_eq!(
        mirror
            .first_revocation(&did, &[hash(5), root])
            .expect("mirror"),
        online
            .first_revocation(&did, &[hash(5), root])
            .expect("online")
    );
    assert_eq!(verdict(&credential, &mirror), Verdict::Invalid);
    assert_eq!(verdict(&credential, &online), Verdict::Invalid);
}

#[test]
fn the_follower_fails_over_to_a_node_that_answers_and_stops_cleanly() {
    let anvil = Anvil::start().expect("anvil");
    let registry = deploy(&anvil.url());
    registry
        .anchor_roots(&wallet(1), &[hash(1)])
        .expect("anchor");
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let quick = RpcOptions {
        timeout: Duration::from_millis(500),
        attempts: 1,
        ..RpcOptions::default()
    };
    let reference = *registry.registry();
    let sources: Vec<Arc<dyn countersign_chainstate::events::EventSource + Send + Sync>> = vec![
        Arc::new(Registry::unchecked(
            &format!("http://127.0.0.1:{dead_port}"),
            &reference,
            quick.clone(),
        )),
        Arc::new(Registry::unchecked(&anvil.url(), &reference, quick)),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async {
        let follower = countersign_mirror::spawn_follower(
            path.clone(),
            reference,
            sources,
            options(100),
            // Failover: one node is enough (`chain.quorum: 1`).
            countersign_chainstate::agree::HeadPolicy {
                quorum: 1,
                ..countersign_chainstate::agree::HeadPolicy::for_nodes(2)
            },
            Duration::from_millis(200),
        );
        let mut updates = follower.status();
        let status = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let s = updates.borrow_and_update().clone();
                if s.cursor.is_some() && !s.syncing {
                    return s;
                }
                if updates.changed().await.is_err() {
                    return s;
                }
            }
        })
        .await
        .expect("the follower syncs within 20 s");
        follower.stop().await;
        status
    });
    assert_eq!(status.endpoint.as_deref(), Some(anvil.url().as_str()));
    let mirror = Mirror::open(&path, &reference).expect("mirror");
    assert!(mirror.anchor(&hash(1)).expect("lookup").is_some());
}

#[test]
fn a_root_anchored_first_by_another_issuer_fails_the_anchor_check_online_and_offline() {
    let anvil = Anvil::start().expect("anvil");
    let registry = deploy(&anvil.url());
    let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
    let other_did = DidKey::from_verifying_key(other.verifying_key());
    registry
        .register_issuer(
            &wallet(0),
            &other_did,
            wallet(2).address(),
            "某证照服务中心",
            &["DiplomaCredential".into()],
        )
        .expect("register the other issuer");
    let (credential, root) = diploma(registry.registry());
    // The other issuer anchors our batch root before we do; ours is then refused.
    registry
        .anchor_roots(&wallet(2), &[root])
        .expect("front-run");
    let refused = registry
        .anchor_roots(&wallet(1), &[root])
        .expect_err("already anchored");
    assert!(
        refused.to_string().contains("already anchored"),
        "{refused}"
    );

    let mut mirror = Mirror::open_in_memory(registry.registry()).expect("mirror");
    sync_once(&mut mirror, &registry, &options(100), &mut |_| {}).expect("sync");
    let online = countersign_chain::OnlineChainState::pin(&registry, 0).expect("pin");
    for (source, chain) in [("online", &online as &dyn ChainState), ("mirror", &mirror)] {
        let r = report(&credential, chain);
        assert_eq!(r.verdict, Verdict::Invalid, "{source}");
        let anchor = r
            .checks
            .iter()
            .find(|c| c.code.starts_with("anchor."))
            .expect("anchor check");
        assert_eq!(
            anchor.code, "anchor.other_issuer",
            "{source}: {}",
            anchor.detail
        );
    }
}
