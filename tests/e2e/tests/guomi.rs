//! The real app under the national profile (国密): the demo issued again with SM2 and SM3 by the
//! CLI, the counter started accepting the national profile alone (`COUNTERSIGN_ACCEPT`, what a
//! guomi hall bundle sets). An SM2 credential is VALID and logged; the standard demo's Ed25519
//! credential is refused as an algorithm this hall does not accept; the hall key the app makes
//! is SM2 and the log it makes hashes with SM3.

use countersign_e2e::{payload, run_cli, staff, App, CLERK};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "current_thread")]
async fn an_sm2_credential_verifies_and_an_ed25519_one_is_refused_under_guomi() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = dir.path().join("demo-guomi");
    run_cli(
        &[
            "demo",
            "--profile",
            "guomi",
            "--out",
            demo.to_str().expect("utf-8"),
        ],
        &[],
    )
    .expect("the national profile's demo");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let staff = staff(&data).expect("staff accounts");
    let app = App::start(&[
        ("COUNTERSIGN_DATA_DIR", data.display().to_string()),
        (
            "COUNTERSIGN_SNAPSHOT",
            demo.join("registry-snapshot.json").display().to_string(),
        ),
        ("COUNTERSIGN_STAFF_DB", staff.display().to_string()),
        ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
        ("COUNTERSIGN_COUNTER", "1".into()),
        ("COUNTERSIGN_ACCEPT", "guomi".into()),
    ])
    .await
    .expect("the app starts under tauri-driver");

    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");

    let sm2 = std::fs::read_to_string(demo.join("samples/valid-diploma.cs1.txt"))
        .expect("SM2 sample")
        .trim()
        .to_string();
    app.scan(&sm2).await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "有效"
    );
    assert_eq!(
        app.text_of("#logged-line", WAIT).await.expect("logged"),
        "已记录 #1"
    );
    app.screenshot("guomi-valid-diploma")
        .await
        .expect("screenshot");

    app.press("\u{E00C}").await.expect("Escape");
    app.text_of("#ready-title", WAIT)
        .await
        .expect("ready again");
    app.scan(&payload("valid-diploma")).await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "无效"
    );
    assert_eq!(
        app.text_of("#verdict-reason", WAIT).await.expect("reason"),
        "本大厅不接受该证照的签名算法"
    );
    app.screenshot("guomi-refuses-ed25519")
        .await
        .expect("screenshot");
    app.close().await;

    // What the app made for itself follows the profile.
    let key = std::fs::read_to_string(data.join("hall.key.json")).expect("hall key");
    let key: serde_json::Value = serde_json::from_str(&key).expect("JSON");
    assert_eq!(key["algorithm"], "sm2", "{key:#}");
    let log = countersign_log::Log::open_read_only(data.join("verification-log.sqlite"))
        .expect("the log");
    assert_eq!(log.hash().name(), "sm3");
}
