//! A counter PC started without a hall bundle: the setup screen asks for one, refuses an
//! altered bundle and one signed by another authority in words, applies the right one
//! (checked against the authority key IT types in), asks which counter the PC is, and after a
//! restart the app runs on the bundle: the hall's name, the chosen counter, sign-in.

use countersign_e2e::{run_cli, staff, App, CLERK};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// An authority key file and its public key (hex).
fn authority(dir: &Path, name: &str) -> (String, String) {
    let key = dir.join(name);
    let public = run_cli(
        &["provision", "keygen", "--out", key.to_str().expect("path")],
        &[],
    )
    .expect("keygen");
    (key.display().to_string(), public.trim().to_string())
}

/// A signed bundle for hall BJ-CY-01 with two counters, signed with `key`.
fn bundle(dir: &Path, key: &str, out: &str) -> std::path::PathBuf {
    let draft = dir.join(format!("{out}.draft.json"));
    run_cli(
        &[
            "provision",
            "create",
            "--hall",
            "BJ-CY-01",
            "--name",
            "北京市朝阳区政务服务中心",
            "--version",
            "1",
            "--out",
            draft.to_str().expect("path"),
            // Loopback only: a node nobody listens on (the app goes to its mirror at once).
            "--set",
            "chain.endpoints=http://127.0.0.1:1",
            "--set",
            "chain.chainId=31337",
            "--set",
            "chain.registry=eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "--set",
            r#"counters=[{"id": "1", "name": "综合窗口 1"}, {"id": "2", "name": "综合窗口 2"}]"#,
        ],
        &[],
    )
    .expect("create");
    let signed = dir.join(out);
    run_cli(
        &[
            "provision",
            "sign",
            "--key",
            key,
            draft.to_str().expect("path"),
            "--out",
            signed.to_str().expect("path"),
        ],
        &[],
    )
    .expect("sign");
    signed
}

async fn start(dir: &Path, staff_db: &Path) -> App {
    App::start(&[
        (
            "COUNTERSIGN_DATA_DIR",
            dir.join("data").display().to_string(),
        ),
        (
            "COUNTERSIGN_CONFIG_DIR",
            dir.join("config").display().to_string(),
        ),
        // No authority.pub on this PC: IT types the key in.
        (
            "COUNTERSIGN_AUTHORITY_FILE",
            dir.join("no-authority.pub").display().to_string(),
        ),
        ("COUNTERSIGN_STAFF_DB", staff_db.display().to_string()),
    ])
    .await
    .expect("the app starts")
}

#[tokio::test(flavor = "current_thread")]
async fn the_setup_screen_applies_only_the_authoritys_bundle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (key, public) = authority(dir.path(), "authority.key.json");
    let (other_key, _) = authority(dir.path(), "other.key.json");
    let good = bundle(dir.path(), &key, "hall.bundle");
    let foreign = bundle(dir.path(), &other_key, "foreign.bundle");
    // The same bundle with its hall's name changed after signing.
    let altered = dir.path().join("altered.bundle");
    let text = std::fs::read_to_string(&good).expect("bundle");
    std::fs::write(&altered, text.replace("朝阳区", "海淀区")).expect("write");
    let staff_db = staff(dir.path()).expect("staff accounts");

    let app = start(dir.path(), &staff_db).await;
    assert_eq!(
        app.text_of("#setup-title", WAIT).await.expect("setup"),
        "本机尚未配置"
    );
    assert_eq!(
        app.text_of("#setup-message", WAIT).await.expect("message"),
        "请提供本厅的配置包（由省级信息化主管部门签发）。"
    );
    app.client
        .find(fantoccini::Locator::Css("#setup-authority"))
        .await
        .expect("authority field")
        .send_keys(&public)
        .await
        .expect("type the key");

    app.drop_file(&altered, "application/json")
        .await
        .expect("drop");
    let refused = app
        .text_until("#setup-result", WAIT, |t| !t.is_empty())
        .await
        .expect("refused");
    assert!(refused.starts_with("配置包被改动过"), "{refused}");
    app.screenshot("setup-altered-bundle")
        .await
        .expect("screenshot");

    app.drop_file(&foreign, "application/json")
        .await
        .expect("drop");
    let refused = app
        .text_until("#setup-result", WAIT, |t| {
            t.starts_with("配置包不是由本机信任")
        })
        .await
        .expect("refused");
    assert!(refused.contains("已拒绝"), "{refused}");

    app.drop_file(&good, "application/json")
        .await
        .expect("drop");
    let applied = app
        .text_until("#setup-result", WAIT, |t| t.starts_with("已应用"))
        .await
        .expect("applied");
    assert_eq!(
        applied,
        "已应用“北京市朝阳区政务服务中心”的配置包（版本 1）。重新启动后生效。"
    );
    app.screenshot("setup-applied").await.expect("screenshot");
    app.close().await;

    // Restarted: two counters, so the PC asks which one it is.
    let app = start(dir.path(), &staff_db).await;
    assert_eq!(
        app.text_of("#setup-message", WAIT).await.expect("message"),
        "本厅有多个窗口，请选择本机是哪个窗口："
    );
    app.click("#setup-counters button[data-id='2']")
        .await
        .expect("counter 2");
    app.text_until("#setup-result", WAIT, |t| {
        t.starts_with("本机已设为 2 号窗口")
    })
    .await
    .expect("chosen");
    app.close().await;

    // Restarted again: the counter works on the bundle.
    let app = start(dir.path(), &staff_db).await;
    app.text_of("#signin-title", WAIT).await.expect("sign-in");
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    // The PIN is checked off the window's thread: the status bar follows when it answers.
    assert_eq!(
        app.text_until("#status-clerk", WAIT, |t| t == "办事员 王芳 · 窗口 2")
            .await
            .expect("status"),
        "办事员 王芳 · 窗口 2"
    );
    app.screenshot("setup-done-signed-in")
        .await
        .expect("screenshot");
    app.close().await;
}
