//! The real app against a real anvil chain: the demo registry deployed and filled with the
//! `countersign` CLI (as IT and issuers would), the hall's mirror synced, then the clerk's scans
//! online; then the node stops and the mirror answers.

use countersign_devchain::{Anvil, DEV_KEYS};
use countersign_e2e::{demo, payload, staff, App, CLERK};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);
const REGISTRY: &str = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";

/// Runs the CLI built beside the app; panics with its output when it fails.
fn cli(rpc: &str, args: &[&str]) {
    let bin = countersign_e2e::app_binary().with_file_name("countersign");
    let out = Command::new(&bin)
        .env("COUNTERSIGN_RPC", rpc)
        .env("COUNTERSIGN_REGISTRY", REGISTRY)
        .env_remove("COUNTERSIGN_LOG")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} (cargo build --workspace --bins): {e}", bin.display()));
    assert!(
        out.status.success(),
        "countersign {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn account(dir: &Path, index: usize, address: &str) -> String {
    let path = dir.join(format!("account{index}.json"));
    std::fs::write(
        &path,
        serde_json::json!({
            "type": "countersign-account-key",
            "address": address,
            "privateKey": DEV_KEYS[index],
        })
        .to_string(),
    )
    .expect("account file");
    path.display().to_string()
}

#[tokio::test(flavor = "current_thread")]
async fn online_then_offline_from_the_mirror() {
    let anvil = Anvil::start().expect("anvil (scripts/tools.sh)");
    let rpc = anvil.url();
    let dir = tempfile::tempdir().expect("temp dir");
    let addresses = [
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    ];
    let accounts: Vec<String> = (0..4)
        .map(|i| account(dir.path(), i, addresses[i]))
        .collect();
    cli(&rpc, &["chain", "deploy", "--account-key", &accounts[0]]);
    for (issuer, account, kind) in [
        ("chaoyang-amr", 1, "BusinessLicenceCredential"),
        ("jinghua-university", 2, "DiplomaCredential"),
        ("pudong-psb", 3, "ResidencePermitCredential"),
    ] {
        let key = demo(&format!("issuers/{issuer}.key.json"));
        cli(
            &rpc,
            &[
                "chain",
                "register-issuer",
                "--account-key",
                &accounts[0],
                "--issuer-key",
                &key.display().to_string(),
                "--account",
                addresses[account],
                "--types",
                kind,
            ],
        );
    }
    let batch = |name: &str| {
        demo(&format!("batches/{name}/batch.json"))
            .display()
            .to_string()
    };
    cli(
        &rpc,
        &[
            "anchor",
            "--account-key",
            &accounts[1],
            &batch("business-licences"),
        ],
    );
    cli(
        &rpc,
        &["anchor", "--account-key", &accounts[2], &batch("diplomas")],
    );
    cli(
        &rpc,
        &[
            "anchor",
            "--account-key",
            &accounts[3],
            &batch("residence-permits"),
            &batch("expired-permit"),
        ],
    );
    cli(
        &rpc,
        &[
            "revoke",
            "--account-key",
            &accounts[2],
            "--credential",
            &demo("samples/revoked-diploma.json").display().to_string(),
            "--reason",
            "withdrawn",
        ],
    );
    let data = dir.path().join("app-data");
    std::fs::create_dir_all(&data).expect("data dir");
    let mirror = data.join("registry-mirror.sqlite");
    cli(
        &rpc,
        &["chain", "sync", "--mirror", &mirror.display().to_string()],
    );

    let staff = staff(&data).expect("staff accounts");
    let env = |fail_closed: &str| {
        vec![
            ("COUNTERSIGN_DATA_DIR", data.display().to_string()),
            ("COUNTERSIGN_RPC", rpc.clone()),
            ("COUNTERSIGN_REGISTRY", REGISTRY.into()),
            ("COUNTERSIGN_STAFF_DB", staff.display().to_string()),
            ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
            ("COUNTERSIGN_COUNTER", "2".into()),
            ("COUNTERSIGN_SYNC_INTERVAL_SECS", "2".into()),
            ("COUNTERSIGN_FAIL_CLOSED", fail_closed.into()),
        ]
    };
    let app = App::start(&env("0")).await.expect("the app starts");
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    // The app's own follower keeps the mirror in step; the status bar says so.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let bar = app.text_of("#status-chain", WAIT).await.expect("status");
        if bar.starts_with("在线 · 区块") && bar.contains("同步于") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "status bar: {bar}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    for (sample, verdict, reason) in [
        ("valid-business-licence", "有效", None),
        ("revoked-diploma", "无效", Some("证照已被签发机关撤销")),
        ("expired-residence-permit", "无效", Some("证照已过期")),
        (
            "unregistered-issuer-diploma",
            "无效",
            Some("签发机关未登记"),
        ),
    ] {
        app.scan(&payload(sample)).await.expect("scan");
        assert_eq!(
            app.text_of("#verdict-text", WAIT).await.expect("verdict"),
            verdict,
            "{sample}"
        );
        if let Some(reason) = reason {
            assert_eq!(
                app.text_of("#verdict-reason", WAIT).await.expect("reason"),
                reason,
                "{sample}"
            );
        }
        let chain = app.text_of("#chain-line", WAIT).await.expect("chain line");
        // The demo hall has one node, and the verdict says so.
        assert!(
            chain.starts_with("在线（单节点）· 区块"),
            "{sample}: {chain}"
        );
        app.screenshot(&format!("online-{sample}"))
            .await
            .expect("screenshot");
        app.press("\u{E00C}").await.expect("Escape");
    }

    // The node goes away: the hall's mirror answers, and the screen says so.
    drop(anvil);
    app.scan(&payload("valid-diploma")).await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "有效"
    );
    let chain = app.text_of("#chain-line", WAIT).await.expect("chain line");
    assert!(chain.starts_with("离线 · 本地镜像"), "{chain}");
    app.screenshot("offline-valid-diploma")
        .await
        .expect("screenshot");
    app.press("\u{E00C}").await.expect("Escape");
    app.scan(&payload("revoked-diploma")).await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "无效"
    );
    // Within a status refresh the bar says the hall is offline.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let bar = app.text_of("#status-chain", WAIT).await.expect("status");
        if bar.starts_with("离线") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "status bar: {bar}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.close().await;

    // Two days later, still offline, under a fail-closed policy: the mirror is too old to
    // vouch for anything, so a valid credential cannot be confirmed (amber), and the screen
    // says why. A fresh anvil's blocks are all from the last minute, so the mirror's sync
    // time and cursor block time are set back two days in the file, as two days would.
    let mirror = data.join("registry-mirror.sqlite");
    let aged = Command::new("sqlite3")
        .arg(&mirror)
        .arg(
            "UPDATE meta SET synced_at = CAST(strftime('%s','now','-2 days') AS INTEGER), \
             cursor_time = CAST(strftime('%s','now','-2 days') AS INTEGER) WHERE id = 1;",
        )
        .status()
        .expect("sqlite3 (scripts/system-packages.sh installs it)");
    assert!(aged.success());
    let app = App::start(&env("1")).await.expect("the app starts");
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    let bar = app.text_of("#status-chain", WAIT).await.expect("status");
    assert!(
        bar.starts_with("离线 · 本地镜像区块") && bar.contains("2 天前"),
        "{bar}"
    );
    app.scan(&payload("valid-diploma")).await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "无法确认"
    );
    assert_eq!(
        app.text_of("#verdict-reason", WAIT).await.expect("reason"),
        "本地链数据过旧"
    );
    app.screenshot("offline-stale-mirror-fail-closed")
        .await
        .expect("screenshot");
    app.close().await;
}
