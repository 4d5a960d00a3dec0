//! The real app in a real webview: the demo credentials typed as a scanner types them, with
//! what the clerk sees checked and a screenshot of each verdict saved in target/e2e/.

use countersign_e2e::{demo, payload, App};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "current_thread")]
async fn demo_credentials_on_the_registry_snapshot() {
    let data = tempfile::tempdir().expect("temp dir");
    let app = App::start(&[
        ("COUNTERSIGN_DATA_DIR", data.path().display().to_string()),
        (
            "COUNTERSIGN_SNAPSHOT",
            demo("registry-snapshot.json").display().to_string(),
        ),
        ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
        ("COUNTERSIGN_COUNTER", "3".into()),
        ("COUNTERSIGN_CLERK", "clerk-007".into()),
    ])
    .await
    .expect("the app starts under tauri-driver");

    assert_eq!(
        app.text_of("#ready-title", WAIT).await.expect("ready"),
        "请扫描证照二维码"
    );
    let ready = app.since_start();

    app.scan(&payload("valid-diploma")).await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "有效"
    );
    let logged = app.text_of("#logged-line", WAIT).await.expect("logged");
    assert_eq!(logged, "已记录 #1");
    let fields = app
        .text_of("#credential-fields", WAIT)
        .await
        .expect("fields");
    assert!(fields.contains("刘洋"), "{fields}");
    assert!(
        fields.contains("110108********0018"),
        "masked by default: {fields}"
    );
    app.screenshot("valid-diploma").await.expect("screenshot");

    app.press("\u{E00C}").await.expect("Escape");
    app.text_of("#ready-title", WAIT)
        .await
        .expect("ready again");

    app.scan(&payload("tampered-business-licence"))
        .await
        .expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "无效"
    );
    assert_eq!(
        app.text_of("#verdict-reason", WAIT).await.expect("reason"),
        "证照内容被篡改（签名不符）"
    );
    app.screenshot("tampered-business-licence")
        .await
        .expect("screenshot");

    // The same credential again within seconds: shown again, not logged twice.
    app.press("\u{E00C}").await.expect("Escape");
    app.scan(&payload("tampered-business-licence"))
        .await
        .expect("scan");
    assert_eq!(
        app.text_of("#logged-line", WAIT).await.expect("logged"),
        "重复扫描，已记录为 #2"
    );

    // R reveals the personal numbers.
    app.press("\u{E00C}").await.expect("Escape");
    app.scan(&payload("valid-residence-permit"))
        .await
        .expect("scan");
    app.text_of("#verdict-text", WAIT).await.expect("verdict");
    let fields = app
        .text_of("#credential-fields", WAIT)
        .await
        .expect("fields");
    assert!(fields.contains("310115********0017"), "masked: {fields}");
    app.press("r").await.expect("R");
    let fields = app
        .text_of("#credential-fields", WAIT)
        .await
        .expect("fields");
    assert!(fields.contains("310115199003070017"), "revealed: {fields}");

    // A garbage scan cannot be confirmed.
    app.press("\u{E00C}").await.expect("Escape");
    app.scan("HELLO WORLD 1234567").await.expect("scan");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "无法确认"
    );
    app.screenshot("garbage").await.expect("screenshot");

    // The language switch: the same verdict in English.
    app.client
        .find(fantoccini::Locator::Css("#lang"))
        .await
        .expect("language button")
        .click()
        .await
        .expect("click");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "CANNOT CONFIRM"
    );
    assert_eq!(app.text_of("#lang", WAIT).await.expect("button"), "中文");
    app.screenshot("garbage-en").await.expect("screenshot");

    eprintln!("cold start to ready: {ready:?}");
    app.close().await;
}
