//! The real app against a real anvil chain: the demo registry deployed and filled with the
//! `countersign` CLI (as IT and issuers would), the hall's mirror synced, then the clerk's scans
//! online; then the node stops and the mirror answers.

use countersign_devchain::{Anvil, DEV_KEYS};
use countersign_e2e::{demo, payload, App};
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

    let app = App::start(&[
        ("COUNTERSIGN_DATA_DIR", data.display().to_string()),
        ("COUNTERSIGN_RPC", rpc.clone()),
        ("COUNTERSIGN_REGISTRY", REGISTRY.into()),
        ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
        ("COUNTERSIGN_COUNTER", "2".into()),
        ("COUNTERSIGN_CLERK", "clerk-009".into()),
    ])
    .await
    .expect("the app starts");
    app.text_of("#ready-title", WAIT).await.expect("ready");

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
        assert!(chain.starts_with("在线 · 区块"), "{sample}: {chain}");
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
    app.close().await;
}
