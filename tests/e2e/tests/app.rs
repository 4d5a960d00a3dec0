//! The real app in a real webview: the demo credentials typed as a scanner types them, with
//! what the clerk sees checked and a screenshot of each verdict saved in target/e2e/.

use countersign_e2e::{demo, payload, staff, App, CLERK, SUPERVISOR};
use std::path::Path;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

async fn start(data: &Path, counter: &str) -> App {
    let staff = staff(data).expect("staff accounts");
    App::start(&[
        ("COUNTERSIGN_DATA_DIR", data.display().to_string()),
        (
            "COUNTERSIGN_SNAPSHOT",
            demo("registry-snapshot.json").display().to_string(),
        ),
        ("COUNTERSIGN_STAFF_DB", staff.display().to_string()),
        ("COUNTERSIGN_HALL", "BJ-CY-01".into()),
        ("COUNTERSIGN_COUNTER", counter.into()),
    ])
    .await
    .expect("the app starts under tauri-driver")
}

async fn click(app: &App, css: &str) {
    app.client
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

#[tokio::test(flavor = "current_thread")]
async fn demo_credentials_on_the_registry_snapshot() {
    let data = tempfile::tempdir().expect("temp dir");
    let app = start(data.path(), "3").await;

    // Nobody is signed in: the counter asks for a sign-in and will not verify a scan.
    assert_eq!(
        app.text_of("#signin-title", WAIT).await.expect("sign-in"),
        "请登录"
    );
    let ready = app.since_start();
    // Focus away from the form (the sign-in fields take a person's typing, not bursts).
    app.execute("document.activeElement.blur(); return 0;", vec![])
        .await
        .expect("blur");
    app.scan(&payload("valid-diploma")).await.expect("scan");
    assert_eq!(
        app.text_of("#signin-error", WAIT).await.expect("refused"),
        "请先登录，再扫码。"
    );
    // A wrong PIN is refused in words.
    app.sign_in(CLERK.0, "111357", "clerk")
        .await
        .expect("sign in");
    assert_eq!(
        app.text_of("#signin-error", WAIT).await.expect("wrong PIN"),
        "工号或 PIN 码不正确。"
    );
    app.screenshot("sign-in-wrong-pin")
        .await
        .expect("screenshot");
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    assert_eq!(
        app.text_of("#ready-title", WAIT).await.expect("ready"),
        "请扫描证照二维码"
    );
    let who = app.text_of("#status-clerk", WAIT).await.expect("status");
    assert_eq!(who, "办事员 王芳 · 窗口 3");
    assert_eq!(
        app.text_of("#status-chain", WAIT).await.expect("status"),
        "演示数据"
    );

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
    // A letter counts as a shortcut once the scanner's gap has passed without another key.
    app.press("r").await.expect("R");
    let fields = app
        .text_until("#credential-fields", WAIT, |t| {
            t.contains("310115199003070017")
        })
        .await
        .expect("revealed");
    assert!(!fields.contains("********"), "revealed: {fields}");

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
    click(&app, "#lang").await;
    app.press("\u{E00C}").await.expect("Escape");

    // A picture dropped onto the window: the QR in it is read and verified.
    app.text_of("#ready-title", WAIT).await.expect("ready");
    app.drop_file(&demo("samples/expired-residence-permit.png"), "image/png")
        .await
        .expect("drop");
    assert_eq!(
        app.text_of("#verdict-text", WAIT).await.expect("verdict"),
        "无效"
    );
    assert_eq!(
        app.text_of("#verdict-reason", WAIT).await.expect("reason"),
        "证照已过期"
    );
    app.screenshot("image-expired-residence-permit")
        .await
        .expect("screenshot");

    // No camera on this machine: the clerk is told, and scanning goes on.
    app.press("\u{E00C}").await.expect("Escape");
    app.press("c").await.expect("C");
    assert_eq!(
        app.text_of("#camera-state", WAIT).await.expect("camera"),
        "未检测到摄像头。可使用扫码枪或图片。"
    );
    app.screenshot("no-camera").await.expect("screenshot");
    app.press("c").await.expect("C");

    // Today's history: the clerk's own verifications, newest first.
    app.press("h").await.expect("H");
    app.text_of("#history-title", WAIT).await.expect("history");
    let summary = app
        .text_of("#history-summary", WAIT)
        .await
        .expect("summary");
    assert_eq!(summary, "共 5 次：有效 2，无效 2，无法确认 1", "{summary}");
    let rows = app.text_of("#history-rows", WAIT).await.expect("rows");
    assert!(rows.contains("证照已过期"), "{rows}");
    assert!(rows.contains("孙*"), "masked name kept: {rows}");
    assert!(
        !rows.contains("310115199003070017"),
        "no full number: {rows}"
    );
    app.screenshot("history-clerk").await.expect("screenshot");

    // Signing out locks the counter; a supervisor sees every counter's day (the console,
    // tests/supervisor.rs) and cannot verify.
    app.press("\u{E00C}").await.expect("Escape");
    app.press("\u{E03A}").await.expect("F10");
    app.text_of("#signin-title", WAIT)
        .await
        .expect("signed out");
    app.sign_in(SUPERVISOR.0, SUPERVISOR.2, "clerk")
        .await
        .expect("sign in");
    assert_eq!(
        app.text_of("#signin-error", WAIT)
            .await
            .expect("wrong role"),
        "该账号不能以此身份登录。"
    );
    app.sign_in(SUPERVISOR.0, SUPERVISOR.2, "supervisor")
        .await
        .expect("sign in");
    assert_eq!(
        app.text_of("#console-title", WAIT)
            .await
            .expect("supervisor"),
        "值班主管 · 核验记录"
    );
    assert_eq!(
        app.text_until("#overview-totals", WAIT, |t| t.starts_with("共"))
            .await
            .expect("today at a glance"),
        "共 5 次：有效 2，无效 2，无法确认 1"
    );
    app.press("e").await.expect("E");
    let rows = app.text_of("#entries-rows", WAIT).await.expect("rows");
    assert!(rows.contains("clerk-007"), "{rows}");
    assert!(
        !rows.contains("310115199003070017"),
        "no full number: {rows}"
    );
    app.screenshot("supervisor-today")
        .await
        .expect("screenshot");

    eprintln!("FIGURE cold start to sign-in screen: {ready:?}");
    app.close().await;
}

/// The figures the issue asks for, measured on the real app: scan-to-verdict over 50 scans
/// (the keyboard-wedge burst's Enter to the verdict painted, timed in the page), and the
/// resident memory of the app's processes when idle. Reported, not asserted.
#[tokio::test(flavor = "current_thread")]
async fn figures_scan_to_verdict_and_memory() {
    let data = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let app = start(data.path(), "5").await;
    app.text_of("#signin-title", WAIT).await.expect("sign-in");
    let cold = started.elapsed();
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (idle_rss, processes) = app.app_rss();
    let (idle_pss, _) = app.app_pss();

    let samples = [
        "valid-diploma",
        "tampered-business-licence",
        "valid-residence-permit",
        "revoked-diploma",
        "valid-business-licence",
        "expired-residence-permit",
    ];
    let mut times = Vec::new();
    for i in 0..50 {
        app.execute("delete document.body.dataset.scanMs; return 0;", vec![])
            .await
            .expect("reset");
        app.scan(&payload(samples[i % samples.len()]))
            .await
            .expect("scan");
        let deadline = Instant::now() + WAIT;
        let ms = loop {
            let v = app
                .execute("return document.body.dataset.scanMs ?? null;", vec![])
                .await
                .expect("read");
            if let Some(ms) = v.as_str().and_then(|s| s.parse::<f64>().ok()) {
                break ms;
            }
            assert!(Instant::now() < deadline, "scan {i}: no verdict");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        times.push(ms);
        app.press("\u{E00C}").await.expect("Escape");
    }
    let (busy_rss, _) = app.app_rss();
    times.sort_by(f64::total_cmp);
    let median = (times[24] + times[25]) / 2.0;
    eprintln!(
        "FIGURE scan-to-verdict over {} scans: median {median:.1} ms, min {:.1} ms, max {:.1} ms",
        times.len(),
        times[0],
        times[times.len() - 1]
    );
    eprintln!("FIGURE cold start to sign-in screen: {cold:?}");
    eprintln!(
        "FIGURE idle memory of the app's {processes} processes ({}): RSS {:.0} MB, PSS {:.0} MB (RSS after 50 scans: {:.0} MB)",
        countersign_e2e::app_binary().display(),
        idle_rss as f64 / 1_048_576.0,
        idle_pss as f64 / 1_048_576.0,
        busy_rss as f64 / 1_048_576.0
    );
    assert!(processes >= 2, "the app and its web process were counted");
    app.close().await;
}
