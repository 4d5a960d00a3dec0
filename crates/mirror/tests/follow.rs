//! The background follower: failover between sources, status, clean stop.

mod common;

use common::*;
use countersign_chainstate::agree::HeadPolicy;
use countersign_chainstate::events::EventSource;
use countersign_mirror::follow::SharedSource;
use countersign_mirror::{spawn_follower, FollowStatus, Mirror, SyncOptions};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const PATIENCE: Duration = Duration::from_secs(20);

async fn wait_for(
    status: &mut watch::Receiver<FollowStatus>,
    what: &str,
    done: impl FnMut(&FollowStatus) -> bool,
) -> FollowStatus {
    let waited = tokio::time::timeout(PATIENCE, status.wait_for(done))
        .await
        .map(|r| r.map(|s| s.clone()));
    match waited {
        Ok(Ok(s)) => s,
        Ok(Err(_)) => panic!("the follower stopped while waiting for {what}"),
        Err(_) => panic!(
            "waited {PATIENCE:?} for {what}; status: {:?}",
            *status.borrow()
        ),
    }
}

/// Any one node will do: a hall that configured its nodes for failover (`chain.quorum: 1`).
fn failover() -> HeadPolicy {
    HeadPolicy {
        quorum: 1,
        ..HeadPolicy::for_nodes(2)
    }
}

fn chain(name: &str) -> Arc<ScriptedChain> {
    let chain = ScriptedChain::new(name);
    chain.push(register(1));
    chain.push(vec![anchored(hash(1), 1)]);
    chain.push_empty(3);
    Arc::new(chain)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_over_to_a_good_source_and_stops_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    let down = chain("node-down");
    down.set_failing(true);
    let good = chain("node-good");
    let sources: Vec<SharedSource> = vec![down.clone(), good.clone()];
    let follower = spawn_follower(
        &path,
        registry(),
        sources,
        SyncOptions::default(),
        failover(),
        Duration::from_millis(20),
    );
    let mut status = follower.status();
    let head = good.head().expect("head");
    let s = wait_for(&mut status, "the first sync", |s| s.cursor == Some(head)).await;
    assert_eq!(s.endpoint.as_deref(), Some("node-good"));
    assert_eq!(s.last_error, None);
    assert!(s.last_sync.is_some());
    assert!(down.calls().head > 0, "every node is asked for its head");
    assert!(
        s.faults
            .iter()
            .any(|f| f.starts_with("node-down could not be asked")),
        "{:?}",
        s.faults
    );

    good.push(vec![anchored(hash(2), 1)]);
    follower.sync_now();
    let head = good.head().expect("head");
    wait_for(&mut status, "the new block", |s| s.cursor == Some(head)).await;

    // The app reads through its own connection meanwhile.
    let reader = Mirror::open(&path, &registry()).expect("reader");
    assert_eq!(reader.counts().expect("counts").anchors, 2);

    follower.stop().await;
    let rounds = good.calls().head;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(good.calls().head, rounds, "no round after stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_why_every_source_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = chain("node-a");
    let b = chain("node-b");
    a.set_failing(true);
    b.set_failing(true);
    let sources: Vec<SharedSource> = vec![a.clone(), b.clone()];
    let follower = spawn_follower(
        dir.path().join("mirror.sqlite"),
        registry(),
        sources,
        SyncOptions::default(),
        failover(),
        Duration::from_millis(20),
    );
    let mut status = follower.status();
    let s = wait_for(&mut status, "an error", |s| s.last_error.is_some()).await;
    let message = s.last_error.unwrap_or_default();
    assert!(
        message.contains("node-a") && message.contains("node-b"),
        "{message}"
    );
    assert_eq!((s.cursor, s.last_sync), (None, None));

    // A source recovering is picked up at a later round.
    b.set_failing(false);
    let head = b.head().expect("head");
    let s = wait_for(&mut status, "recovery", |s| s.cursor == Some(head)).await;
    assert_eq!(s.endpoint.as_deref(), Some("node-b"));
    assert_eq!(s.last_error, None);
    follower.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_writes_a_file_of_another_registry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mirror.sqlite");
    drop(Mirror::open(&path, &other_registry()).expect("create"));
    let good = chain("node-good");
    let follower = spawn_follower(
        &path,
        registry(),
        vec![good.clone() as SharedSource],
        SyncOptions::default(),
        failover(),
        Duration::from_millis(20),
    );
    let mut status = follower.status();
    let s = wait_for(&mut status, "an error", |s| s.last_error.is_some()).await;
    let message = s.last_error.unwrap_or_default();
    assert!(message.contains("follows eip155:11155111"), "{message}");
    assert_eq!(good.calls().head, 0);
    drop(follower);
}
