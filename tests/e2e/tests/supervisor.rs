//! The supervisor's console in the real app: a log with several clerks, counters and verdicts
//! (a busy yesterday of synthetic entries written through the log API and closed with the
//! hall key by the CLI; today's demo credentials verified by the CLI as clerks, and one at the
//! counter through the app, revealed, printed and reprinted), then the supervisor's day: the
//! overview (totals, charts, the attention list), a filter and its rows, an entry's detail,
//! searches by receipt id and by credential hash, pages of a day of 122 entries, CSV, XLSX
//! and PDF exports read back (matching the filter, nothing unmasked), the integrity check
//! (intact, then, after the database is edited with the sqlite3 shell while the app is
//! closed, the exact entry and change), and every action in the audit trail.
//!
//! The hall is at UTC−06:00 and the app's clock is injected (COUNTERSIGN_CLOCK): it is
//! mid-afternoon of a fixed day in the hall whenever the test runs, so today's verifications
//! (09:00–14:30 hall time) are all in the past and on one day, at any hour and on any date.

use chrono::{DateTime, Duration as Days, FixedOffset, NaiveDate, TimeZone, Utc};
use countersign_devprinter::{EscPosListener, StatusBytes};
use countersign_e2e::{cli_binary, demo, payload, run_cli, staff, App, CLERK, SUPERVISOR};
use countersign_log::{Log, NewEntry};
use countersign_vocab::{Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const HALL: &str = "BJ-CY-01";
const HALL_NAME: &str = "北京市朝阳区政务服务中心";

/// A hall west of Greenwich (the CLI must take `--utc-offset -06:00` as a value), whose clock
/// the app is started at: mid-afternoon of a fixed day, whatever the hour and date the test
/// runs at. The demo credentials are valid on that day (2026-11-01 – 2027-10-31).
fn hall_offset() -> FixedOffset {
    FixedOffset::west_opt(6 * 3600).expect("-06:00")
}

/// The app's clock at start: 15:00 hall time on the test's "today".
const CLOCK: &str = "2026-11-20T15:00:00-06:00";

/// `day` at `hh:mm` hall time, as the CLI's `--at` takes it.
fn at(day: NaiveDate, hm: &str, offset: FixedOffset) -> DateTime<FixedOffset> {
    let (h, m) = hm.split_once(':').expect("hh:mm");
    offset
        .from_local_datetime(
            &day.and_hms_opt(h.parse().expect("h"), m.parse().expect("m"), 0)
                .expect("time"),
        )
        .single()
        .expect("time")
}

/// Verifies a demo sample (or any file) into `log` as `clerk` at `counter`, with the CLI as a
/// counter without the app would; returns the verdict it printed.
fn cli_verify(log: &Path, input: &Path, counter: &str, clerk: &str, when: DateTime<FixedOffset>) {
    let out = Command::new(cli_binary())
        .env_remove("COUNTERSIGN_LOG")
        .env_remove("COUNTERSIGN_RPC")
        .env_remove("COUNTERSIGN_REGISTRY")
        .env_remove("COUNTERSIGN_MIRROR")
        .env("COUNTERSIGN_HALL", HALL)
        .env("COUNTERSIGN_CLERK", clerk)
        .arg("verify")
        .arg(input)
        .args([
            "--snapshot",
            &demo("registry-snapshot.json").display().to_string(),
        ])
        .args(["--at", &when.to_rfc3339()])
        .arg("--log")
        .arg(log)
        .args(["--counter", counter])
        .output()
        .expect("countersign verify (cargo build --workspace --bins)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("logged as entry"),
        "{} not logged: {stderr}",
        input.display()
    );
}

fn sample(name: &str) -> PathBuf {
    demo(&format!("samples/{name}.cs1.txt"))
}

/// A busy morning of synthetic verifications on `day` (hall time): `n` entries from 08:00,
/// one a minute, at counter 4 by clerk-c, every tenth expired. Written through the log API,
/// masked as the station would have masked them.
fn busy_morning(log: &Path, day: NaiveDate, offset: FixedOffset, n: u64) {
    let mut log = Log::open(log).expect("open the log");
    let start = at(day, "08:00", offset).with_timezone(&Utc);
    let batch: Vec<NewEntry> = (0..n)
        .map(|i| {
            let invalid = i % 10 == 9;
            NewEntry {
                at: start + Days::minutes(i64::try_from(i).expect("i")),
                hall: HALL.into(),
                counter: "4".into(),
                clerk: "clerk-c".into(),
                channel: Channel::Scanner,
                credential_type: Some("DiplomaCredential".into()),
                issuer: Some("did:key:z6MkoNmWXrLyADoLvGr9RMFpNwYDf5amJRKb71FKuCYGkyBE".into()),
                issuer_name: Some("京华大学".into()),
                leaf: Some(CredentialHash([u8::try_from(i % 256).expect("byte"); 32])),
                verdict: if invalid {
                    Verdict::Invalid
                } else {
                    Verdict::Valid
                },
                failing: if invalid {
                    vec!["validity".into()]
                } else {
                    vec![]
                },
                reasons: if invalid {
                    vec!["validity.expired".into()]
                } else {
                    vec![]
                },
                chain: None,
                receipt: None,
                personal: BTreeMap::from([
                    ("name".to_string(), "李*".to_string()),
                    ("idNumber".to_string(), "110101********0011".to_string()),
                ]),
            }
        })
        .collect();
    log.append_batch(&batch).expect("append");
}

/// Every value of the demo credentials' subjects that the log must never hold whole: names,
/// personal numbers, addresses.
fn secrets() -> Vec<String> {
    let mut out = Vec::new();
    for name in [
        "valid-diploma",
        "valid-business-licence",
        "valid-residence-permit",
        "expired-residence-permit",
        "tampered-business-licence",
        "revoked-diploma",
        "unregistered-issuer-diploma",
    ] {
        let text = std::fs::read_to_string(demo(&format!("samples/{name}.json"))).expect("json");
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        for key in [
            "name",
            "idNumber",
            "permitNumber",
            "unifiedSocialCreditCode",
            "legalRepresentative",
            "address",
            "certificateNumber",
        ] {
            if let Some(v) = value["credentialSubject"][key].as_str() {
                out.push(v.to_string());
            }
        }
    }
    out
}

fn assert_nothing_unmasked(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(&secret), "{what} holds {secret:?} unmasked");
    }
}

async fn start(data: &Path, offset: FixedOffset, printer: &str) -> App {
    let app = App::start(&[
        ("COUNTERSIGN_DATA_DIR", data.display().to_string()),
        (
            "COUNTERSIGN_SNAPSHOT",
            demo("registry-snapshot.json").display().to_string(),
        ),
        (
            "COUNTERSIGN_STAFF_DB",
            data.join("staff.sqlite").display().to_string(),
        ),
        ("COUNTERSIGN_HALL", HALL.into()),
        ("COUNTERSIGN_HALL_NAME", HALL_NAME.into()),
        ("COUNTERSIGN_COUNTER", "3".into()),
        ("COUNTERSIGN_UTC_OFFSET", offset.to_string()),
        ("COUNTERSIGN_CLOCK", CLOCK.into()),
        ("COUNTERSIGN_PRINTER", printer.into()),
        ("COUNTERSIGN_PAPER", "80mm".into()),
    ])
    .await
    .expect("the app starts under tauri-driver");
    app.text_of("#signin-title", WAIT).await.expect("sign-in");
    app
}

async fn js(app: &App, script: &str) -> serde_json::Value {
    app.execute(script, vec![]).await.expect(script)
}

/// A chart's bars as (label, value), read from the page.
async fn bars(app: &App, chart: &str) -> Vec<(String, u64)> {
    let v = js(
        app,
        &format!(
            "return [...document.querySelectorAll('svg[data-chart=\"{chart}\"] rect[data-label]')]
                .map(r => [r.getAttribute('data-label'), Number(r.getAttribute('data-value'))]);"
        ),
    )
    .await;
    v.as_array()
        .expect("bars")
        .iter()
        .map(|b| {
            (
                b[0].as_str().unwrap_or_default().to_string(),
                b[1].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The entries table's rows: (seq, cells).
async fn rows(app: &App) -> Vec<(u64, Vec<String>)> {
    let v = js(
        app,
        "return [...document.querySelectorAll('#entries-rows tr')]
            .map(tr => [Number(tr.dataset.seq), [...tr.cells].map(td => td.textContent)]);",
    )
    .await;
    v.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r[0].as_u64().unwrap_or(0),
                r[1].as_array()
                    .expect("cells")
                    .iter()
                    .map(|c| c.as_str().unwrap_or_default().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// The text of each element matching `css`, in order.
async fn texts(app: &App, css: &str) -> Vec<String> {
    let v = js(
        app,
        &format!("return [...document.querySelectorAll('{css}')].map(e => e.textContent);"),
    )
    .await;
    v.as_array()
        .expect("texts")
        .iter()
        .map(|t| t.as_str().unwrap_or_default().to_string())
        .collect()
}

/// The entry detail on screen as (label, value) pairs, once it shows entry `seq`.
async fn detail_of(app: &App, seq: u64) -> Vec<(String, String)> {
    app.text_until("#detail-title", WAIT, |t| t.ends_with(&format!("#{seq}")))
        .await
        .unwrap_or_else(|e| panic!("detail of #{seq}: {e}"));
    let v = js(
        app,
        "return [...document.querySelectorAll('#detail-fields dt')]
            .map(dt => [dt.textContent, dt.nextElementSibling.textContent]);",
    )
    .await;
    v.as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_string(),
                p[1].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], label: &str) -> &'a str {
    pairs
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {label:?} in {pairs:?}"))
}

/// Sets the filter form (days and selects) and applies it, as the supervisor does.
async fn filter(app: &App, from: &str, to: &str, fields: &[(&str, &str)]) {
    let mut script = format!(
        "document.getElementById('filter-from').value = '{from}';
         document.getElementById('filter-to').value = '{to}';
         for (const id of ['filter-counter','filter-clerk','filter-verdict','filter-type','filter-issuer'])
             document.getElementById(id).value = '';"
    );
    for (id, value) in fields {
        script.push_str(&format!(
            "document.getElementById('{id}').value = '{value}';
             if (document.getElementById('{id}').value !== '{value}') throw new Error('no option {value} in {id}');"
        ));
    }
    script.push_str("return 0;");
    js(app, &script).await;
    app.click("#filter-apply").await.expect("apply");
}

/// Waits until the element `id` has the focus (a shortcut fires after the scanner's gap).
async fn focused(app: &App, id: &str) {
    for _ in 0..100 {
        if js(
            app,
            "return document.activeElement ? document.activeElement.id : '';",
        )
        .await
            == id
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{id} never had the focus");
}

/// Waits for an export's line on screen; returns the file it names.
async fn exported(app: &App, key: &str, ext: &str) -> PathBuf {
    app.press(key).await.expect("export key");
    let line = app
        .text_until("#export-result", Duration::from_secs(60), |t| {
            t.contains(&format!(".{ext}"))
        })
        .await
        .unwrap_or_else(|e| panic!("export {ext}: {e}"));
    let start = line.find('/').expect("a path on screen");
    let end = line.find(&format!(".{ext}")).expect("extension") + ext.len() + 1;
    PathBuf::from(&line[start..end])
}

#[tokio::test(flavor = "current_thread")]
async fn a_supervisor_reviews_the_day_exports_it_and_finds_the_tampering() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    staff(dir).expect("staff accounts");
    let offset = hall_offset();
    let today = DateTime::parse_from_rfc3339(CLOCK)
        .expect("clock")
        .date_naive();
    let yesterday = today.pred_opt().expect("yesterday");
    let log_path = dir.join("verification-log.sqlite");

    // Yesterday: a busy morning at counter 4, two verifications at counters 1 and 2; closed
    // and signed with the hall key the app then uses.
    busy_morning(&log_path, yesterday, offset, 120);
    cli_verify(
        &log_path,
        &sample("valid-business-licence"),
        "1",
        "clerk-a",
        at(yesterday, "10:30", offset),
    );
    cli_verify(
        &log_path,
        &sample("expired-residence-permit"),
        "2",
        "clerk-b",
        at(yesterday, "11:00", offset),
    );
    let key = dir.join("hall.key.json");
    run_cli(
        &[
            "log",
            "keygen",
            "--hall",
            HALL,
            "--out",
            &key.display().to_string(),
        ],
        &[],
    )
    .expect("hall key");
    run_cli(
        &[
            "log",
            "close-day",
            "--log",
            &log_path.display().to_string(),
            "--date",
            &yesterday.to_string(),
            "--hall-key",
            &key.display().to_string(),
            "--utc-offset",
            &offset.to_string(),
        ],
        &[],
    )
    .expect("close yesterday");

    // Today, entries 123–131: two clerks at three counters, four INVALID, one that could not
    // be confirmed, the diploma seen at counters 1 and 2.
    let garbage = dir.join("garbage.txt");
    std::fs::write(&garbage, "HELLO WORLD 1234567").expect("garbage");
    let scans: [(&Path, &str, &str, &str); 9] = [
        (&sample("valid-diploma"), "1", "clerk-a", "09:00"),
        (&sample("valid-business-licence"), "1", "clerk-a", "09:20"),
        (&sample("expired-residence-permit"), "2", "clerk-b", "10:00"),
        (
            &sample("tampered-business-licence"),
            "2",
            "clerk-b",
            "10:05",
        ),
        (&sample("valid-residence-permit"), "1", "clerk-a", "11:30"),
        (&sample("revoked-diploma"), "1", "clerk-a", "13:00"),
        (
            &sample("unregistered-issuer-diploma"),
            "2",
            "clerk-b",
            "13:10",
        ),
        (&sample("valid-diploma"), "2", "clerk-b", "14:00"),
        (&garbage, "3", "clerk-b", "14:30"),
    ];
    for (input, counter, clerk, hm) in scans {
        cli_verify(&log_path, input, counter, clerk, at(today, hm, offset));
    }

    // At counter 3 in the app, entry 132: the residence permit seen at counter 1 this
    // morning; the clerk reveals its numbers (R), prints its receipt (P) and reprints it (H).
    let printer = EscPosListener::start(StatusBytes::READY).expect("printer");
    let app = start(dir, offset, &printer.address()).await;
    app.sign_in(CLERK.0, CLERK.2, "clerk")
        .await
        .expect("sign in");
    app.text_of("#ready-title", WAIT).await.expect("ready");
    app.scan(&payload("valid-residence-permit"))
        .await
        .expect("scan");
    assert_eq!(
        app.text_of("#logged-line", WAIT).await.expect("logged"),
        "已记录 #132"
    );
    app.press("r").await.expect("R");
    app.text_until("#credential-fields", WAIT, |t| {
        t.contains("310115199003070017")
    })
    .await
    .expect("revealed once recorded");
    app.press("p").await.expect("P");
    app.text_until("#print-line", Duration::from_secs(60), |t| {
        t == "回执已打印"
    })
    .await
    .expect("printed");
    app.press("\u{E00C}").await.expect("Escape");
    app.press("h").await.expect("H");
    app.text_of("#history-title", WAIT)
        .await
        .expect("the clerk's own history");
    app.click("#history-rows button.reprint")
        .await
        .expect("reprint");
    printer
        .wait_for_jobs(2, Duration::from_secs(60))
        .expect("the receipt and its copy printed");
    app.press("\u{E00C}").await.expect("Escape");
    app.press("\u{E03A}").await.expect("F10");

    // The supervisor signs in to today at a glance.
    app.sign_in(SUPERVISOR.0, SUPERVISOR.2, "supervisor")
        .await
        .expect("sign in");
    assert_eq!(
        app.text_of("#console-title", WAIT).await.expect("console"),
        "值班主管 · 核验记录"
    );
    assert_eq!(
        app.text_until("#overview-totals", WAIT, |t| t.starts_with("共"))
            .await
            .expect("totals"),
        "共 10 次：有效 5，无效 4，无法确认 1"
    );
    assert_eq!(
        bars(&app, "verdicts").await,
        [
            ("有效".into(), 5),
            ("无效".into(), 4),
            ("无法确认".into(), 1)
        ]
    );
    let hours = bars(&app, "hours").await;
    assert_eq!(hours.len(), 24);
    let hour = |h: &str| hours.iter().find(|(l, _)| l == h).map_or(0, |b| b.1);
    assert_eq!(
        (hour("09"), hour("10"), hour("11"), hour("13"), hour("14")),
        (2, 2, 1, 2, 2),
        "{hours:?}"
    );
    assert_eq!(hours.iter().map(|b| b.1).sum::<u64>(), 10);
    assert_eq!(
        bars(&app, "clerks").await,
        [
            ("clerk-b".into(), 5),
            ("clerk-a".into(), 4),
            ("clerk-007".into(), 1)
        ]
    );
    let failures = bars(&app, "failures").await;
    for reason in [
        "证照已过期",
        "证照内容被篡改（签名不符）",
        "证照已被签发机关撤销",
        "签发机关未登记",
    ] {
        assert!(
            failures.iter().any(|(l, n)| l == reason && *n == 1),
            "{reason}: {failures:?}"
        );
    }
    let attention = app
        .text_of("#overview-attention", WAIT)
        .await
        .expect("attention");
    assert!(
        attention.contains("同一证照核验 2 次（窗口 1, 2"),
        "{attention}"
    );
    assert!(
        attention.contains("同一证照核验 2 次（窗口 1, 3"),
        "{attention}"
    );
    assert!(attention.contains("补打了 1 次"), "{attention}");
    app.screenshot("supervisor-overview")
        .await
        .expect("screenshot");

    // The same in English.
    app.click("#lang").await.expect("English");
    assert_eq!(
        app.text_of("#console-title", WAIT).await.expect("title"),
        "Supervisor · verification log"
    );
    assert_eq!(
        app.text_until("#overview-totals", WAIT, |t| t.contains("in all"))
            .await
            .expect("totals"),
        "10 in all: 5 valid, 4 invalid, 1 cannot confirm"
    );
    app.screenshot("supervisor-overview-en")
        .await
        .expect("screenshot");
    app.click("#lang").await.expect("中文");
    app.text_until("#console-title", WAIT, |t| t == "值班主管 · 核验记录")
        .await
        .expect("Chinese again");

    // The attention list's entries open their detail: the diploma seen at two counters.
    app.press("a").await.expect("A");
    app.text_of("#attention-list", WAIT)
        .await
        .expect("attention pane");
    app.screenshot("supervisor-attention")
        .await
        .expect("screenshot");
    app.click(
        "#attention-list li[data-kind=repeated-credential] button.entry-link[data-seq='123']",
    )
    .await
    .expect("open #123");
    let detail = detail_of(&app, 123).await;
    let hash = value(&detail, "凭证哈希").to_string();
    assert_eq!(hash.len(), 64, "{detail:?}");
    assert_eq!(value(&detail, "公民身份号码"), "110108********0018");
    app.press("\u{E00C}").await.expect("Escape");
    app.text_of("#attention-list", WAIT)
        .await
        .expect("back to the list");

    // Filter: today's INVALID verdicts by clerk-b.
    filter(
        &app,
        &today.to_string(),
        &today.to_string(),
        &[("filter-verdict", "INVALID"), ("filter-clerk", "clerk-b")],
    )
    .await;
    app.text_until("#console-filter-line", WAIT, |t| {
        t.contains("办事员 clerk-b · 结论 无效")
    })
    .await
    .expect("filter applied");
    app.press("t").await.expect("T");
    assert_eq!(
        app.text_until("#overview-totals", WAIT, |t| t.starts_with("共 3 次"))
            .await
            .expect("filtered totals"),
        "共 3 次：有效 0，无效 3，无法确认 0"
    );
    app.press("e").await.expect("E");
    app.text_until("#entries-line", WAIT, |t| t == "第 1–3 条，共 3 条")
        .await
        .expect("three rows");
    let found = rows(&app).await;
    assert_eq!(
        found.iter().map(|r| r.0).collect::<Vec<_>>(),
        [129, 126, 125]
    );
    for (seq, cells) in &found {
        assert_eq!(cells[2], "clerk-b", "#{seq}: {cells:?}");
        assert_eq!(cells[4], "无效", "#{seq}: {cells:?}");
    }
    assert_eq!(found[1].1[5], "证照内容被篡改（签名不符）");
    app.screenshot("supervisor-filtered")
        .await
        .expect("screenshot");

    // The tampered licence's detail, by the keyboard: down one row, Enter.
    app.press("\u{E015}").await.expect("down");
    app.press("\u{E007}").await.expect("Enter");
    let detail = detail_of(&app, 126).await;
    assert_eq!(value(&detail, "结论"), "无效");
    assert_eq!(
        value(&detail, "签名"),
        "证照内容被篡改（签名不符）",
        "the failing check and its reason"
    );
    assert!(
        value(&detail, "所用链状态").starts_with("演示数据 · 区块"),
        "{detail:?}"
    );
    assert_eq!(value(&detail, "读取方式"), "扫码枪");
    assert_eq!(value(&detail, "办事员"), "clerk-b");
    assert_eq!(value(&detail, "法定代表人"), "王**", "masked subject");
    assert_eq!(value(&detail, "统一社会信用代码"), "911101********7K34");
    let all: Vec<String> = detail.iter().map(|(l, v)| format!("{l} {v}")).collect();
    assert_nothing_unmasked("the detail", &all.join("\n"));
    let receipt = value(&detail, "回执号").to_string();
    assert!(receipt.starts_with('R'), "{receipt}");
    app.screenshot("supervisor-detail")
        .await
        .expect("screenshot");
    app.press("\u{E00C}").await.expect("Escape");

    // Search by receipt id, then by the diploma's credential hash (both its verifications).
    app.press("s").await.expect("S");
    focused(&app, "search-input").await;
    app.press(&format!("{receipt}\u{E007}"))
        .await
        .expect("type the receipt id");
    app.text_until("#entries-line", WAIT, |t| {
        t.contains(&receipt) && t.ends_with("1 条")
    })
    .await
    .expect("found by receipt");
    assert_eq!(
        rows(&app).await.iter().map(|r| r.0).collect::<Vec<_>>(),
        [126]
    );
    app.screenshot("supervisor-search")
        .await
        .expect("screenshot");
    js(
        &app,
        "document.getElementById('search-input').value = ''; return 0;",
    )
    .await;
    app.press("s").await.expect("S");
    focused(&app, "search-input").await;
    app.press(&format!("{hash}\u{E007}"))
        .await
        .expect("type the hash");
    app.text_until("#entries-line", WAIT, |t| t.ends_with("2 条"))
        .await
        .expect("found by hash");
    assert_eq!(
        rows(&app).await.iter().map(|r| r.0).collect::<Vec<_>>(),
        [130, 123]
    );

    // Exports of the filter (X: CSV, W: XLSX) and the day's report (D: PDF), read back.
    app.press("e").await.expect("E");
    app.text_until("#entries-line", WAIT, |t| t == "第 1–3 条，共 3 条")
        .await
        .expect("the filter again");
    let csv_path = exported(&app, "x", "csv").await;
    assert_eq!(
        csv_path,
        dir.join("exports")
            .join(format!("{HALL}_{today}_entries.csv"))
    );
    let bytes = std::fs::read(&csv_path).expect("csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    assert_nothing_unmasked("the CSV", &text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(records.len(), 3, "{text}");
    for r in &records {
        assert_eq!(&r[4], "clerk-b", "{r:?}");
        assert_eq!(&r[10], "无效 INVALID", "{r:?}");
    }
    let seqs: Vec<&str> = records.iter().map(|r| &r[0]).collect();
    assert_eq!(seqs, ["125", "126", "129"], "in log order");
    assert!(
        text.contains("王*"),
        "the masked summary is exported: {text}"
    );

    let xlsx_path = exported(&app, "w", "xlsx").await;
    assert_eq!(
        xlsx_path.file_name().and_then(|n| n.to_str()),
        Some(format!("{HALL}_{today}_entries.xlsx").as_str())
    );
    {
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> = calamine::open_workbook(&xlsx_path).expect("xlsx");
        let sheet = book.worksheet_range("明细 Entries").expect("entries sheet");
        let cells: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect();
        assert_eq!(cells.len(), 4, "header and three rows: {cells:?}");
        for row in &cells[1..] {
            assert_eq!(row[4], "clerk-b");
            assert_eq!(row[10], "无效 INVALID");
        }
        let all: String = cells
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        assert_nothing_unmasked("the XLSX entries", &all);
        let summary = book.worksheet_range("汇总 Summary").expect("summary sheet");
        let total = summary
            .rows()
            .find(|r| r.first().is_some_and(|c| *c == "总数 Total"))
            .map(|r| r[1].to_string());
        assert_eq!(
            total.as_deref(),
            Some("3"),
            "the summary counts the filter's entries"
        );
    }

    let pdf_path = exported(&app, "d", "pdf").await;
    assert_eq!(
        pdf_path.file_name().and_then(|n| n.to_str()),
        Some(format!("{HALL}_{today}_report.pdf").as_str())
    );
    let whole_day = app.text_of("#export-result", WAIT).await.expect("line");
    assert!(whole_day.contains("不受其他筛选条件影响"), "{whole_day}");
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&pdf_path)
        .arg("-")
        .output()
        .expect("pdftotext (scripts/system-packages.sh)");
    let pdf = String::from_utf8_lossy(&out.stdout);
    assert!(pdf.contains("每日核验报告"), "{pdf}");
    assert!(pdf.contains(HALL_NAME), "{pdf}");
    assert!(pdf.contains(&today.to_string()), "{pdf}");
    let total_line = pdf
        .lines()
        .find(|l| l.contains("核验次数"))
        .unwrap_or_else(|| panic!("no total in {pdf}"));
    assert!(
        total_line.trim_end().ends_with("10"),
        "the whole day: {total_line}"
    );
    assert!(pdf.contains(SUPERVISOR.1), "printed by: {pdf}");
    assert_nothing_unmasked("the PDF", &pdf);
    app.screenshot("supervisor-exports")
        .await
        .expect("screenshot");

    // Yesterday's busy morning, a page of 50 at a time.
    filter(&app, &yesterday.to_string(), &yesterday.to_string(), &[]).await;
    app.text_until("#entries-line", WAIT, |t| t == "第 1–50 条，共 122 条")
        .await
        .expect("first page");
    let page_ms = js(
        &app,
        "return document.getElementById('entries-table').dataset.ms;",
    )
    .await;
    assert_eq!(rows(&app).await.first().map(|r| r.0), Some(122));
    app.press("n").await.expect("N");
    app.text_until("#entries-line", WAIT, |t| t == "第 51–100 条，共 122 条")
        .await
        .expect("second page");
    let second = rows(&app).await;
    assert_eq!((second.len(), second[0].0, second[49].0), (50, 72, 23));
    app.screenshot("supervisor-page-2")
        .await
        .expect("screenshot");
    app.press("n").await.expect("N");
    app.text_until("#entries-line", WAIT, |t| t == "第 101–122 条，共 122 条")
        .await
        .expect("last page");
    app.press("b").await.expect("B");
    app.text_until("#entries-line", WAIT, |t| t == "第 51–100 条，共 122 条")
        .await
        .expect("back a page");

    // The privacy policy, read-only.
    app.press("m").await.expect("M");
    app.text_of("#policy-lines", WAIT).await.expect("policy");
    let policy = texts(&app, "#policy-lines li").await;
    assert!(
        policy.contains(&"公民身份号码：只保留前 6 个和后 4 个字符，其余以 * 遮盖".to_string()),
        "{policy:?}"
    );
    assert!(
        policy.contains(&"名称：原样保留（公开信息）".to_string()),
        "{policy:?}"
    );
    assert_eq!(
        policy.last().map(String::as_str),
        Some("持证人摘要保留 90 天后清除；核验记录本身及其哈希链继续保留。")
    );
    app.screenshot("supervisor-policy")
        .await
        .expect("screenshot");

    // The integrity check: intact, yesterday signed.
    app.press("i").await.expect("I");
    assert_eq!(
        app.text_until("#integrity-headline", Duration::from_secs(60), |t| t
            != "正在检查整个日志…")
            .await
            .expect("checked"),
        "日志完整，未被改动"
    );
    let digests = app.text_of("#digests-rows", WAIT).await.expect("digests");
    assert!(digests.contains(&yesterday.to_string()), "{digests}");
    assert!(digests.contains("122"), "{digests}");
    assert!(digests.contains("已签名 ✓"), "{digests}");
    assert!(digests.contains("尚未上链存证"), "{digests}");
    let audit = app.text_of("#audit-list", WAIT).await.expect("audit");
    assert!(audit.contains("sup-01 (主管) · 导出 CSV"), "{audit}");
    assert!(audit.contains("clerk-007 (办事员) · 补打回执"), "{audit}");
    app.screenshot("supervisor-integrity-intact")
        .await
        .expect("screenshot");
    app.close().await;

    // With the app closed, someone turns the tampered licence's verdict to VALID.
    let out = Command::new("sqlite3")
        .arg(&log_path)
        .arg("UPDATE entries SET verdict = 'VALID' WHERE seq = 126;")
        .output()
        .expect("the sqlite3 shell");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let app = start(dir, offset, &printer.address()).await;
    app.sign_in(SUPERVISOR.0, SUPERVISOR.2, "supervisor")
        .await
        .expect("sign in");
    app.text_until("#overview-totals", WAIT, |t| t.starts_with("共"))
        .await
        .expect("overview");
    app.press("i").await.expect("I");
    assert_eq!(
        app.text_until("#integrity-headline", Duration::from_secs(60), |t| t
            != "正在检查整个日志…")
            .await
            .expect("checked"),
        "日志已被改动"
    );
    assert_eq!(
        texts(&app, "#integrity-lines li").await,
        ["第 126 条记录被修改过。", "审计记录 9 条，完整。"],
        "the exact finding, and the audit trail untouched"
    );
    app.screenshot("supervisor-integrity-tampered")
        .await
        .expect("screenshot");
    app.close().await;
    drop(printer);

    // Every action is in the audit trail, which itself verifies.
    let log = Log::open_read_only(&log_path).expect("log");
    let trail: Vec<(String, String, String, String)> = log
        .audit_entries(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, 1000)
        .expect("audit")
        .into_iter()
        .rev()
        .map(|a| (a.actor, a.role, a.action, a.detail))
        .collect();
    let has = |actor: &str, action: &str, detail: &dyn Fn(&str) -> bool| {
        trail
            .iter()
            .any(|(a, _, x, d)| a == actor && x == action && detail(d))
    };
    let receipt_132 = log
        .entry(132)
        .expect("entry")
        .and_then(|e| e.entry.receipt)
        .expect("a receipt id");
    assert!(
        has("clerk-007", "reveal", &|d| d.starts_with("entry 132: ")),
        "{trail:#?}"
    );
    assert!(
        has("clerk-007", "receipt.print", &|d| d == receipt_132),
        "{trail:#?}"
    );
    assert!(
        has("clerk-007", "receipt.reprint", &|d| d == receipt_132),
        "{trail:#?}"
    );
    assert!(
        has("sup-01", "search", &|d| d == format!("receipt {receipt}")),
        "{trail:#?}"
    );
    assert!(
        has("sup-01", "search", &|d| d == format!("hash {hash}")),
        "{trail:#?}"
    );
    for action in ["export.csv", "export.xlsx", "export.pdf"] {
        assert!(
            has("sup-01", action, &|d| d.starts_with(&today.to_string())),
            "{action}: {trail:#?}"
        );
    }
    assert!(
        has("sup-01", "integrity.run", &|d| d.starts_with("intact")),
        "{trail:#?}"
    );
    assert!(
        has("sup-01", "integrity.run", &|d| d
            == "changed: entry 126 was edited"),
        "{trail:#?}"
    );
    assert!(trail
        .iter()
        .all(|(_, role, _, _)| role == "clerk" || role == "supervisor"));
    let integrity = log.verify().expect("verify");
    assert!(
        integrity.audit.is_intact(),
        "{:?}",
        integrity.audit.findings
    );
    eprintln!(
        "FIGURE time to the first page of 50 in the app (invoke to rows, 122-entry day): {} ms",
        page_ms.as_str().unwrap_or("?")
    );
}

/// Waits until `script` (run in the page) returns a non-null string; returns it.
async fn until_some(app: &App, script: &str, wait: Duration) -> String {
    let deadline = std::time::Instant::now() + wait;
    loop {
        if let Some(s) = js(app, script).await.as_str() {
            return s.to_string();
        }
        assert!(std::time::Instant::now() < deadline, "timed out: {script}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The console on a busy hall's year: the 1,000,000-entry file `cargo bench -p countersign-log
/// --bench log` leaves in `target/` (2025-11-25 to 2026-11-24, 12 clerks, 8 counters). Times
/// what the supervisor waits for in the real app (the page's own clock, invoke to rows on
/// screen), and checks that the window answers keys while the full integrity check runs.
/// Figures, not asserted beyond the check; run with `-- --ignored` (it copies 650 MB).
#[tokio::test(flavor = "current_thread")]
#[ignore = "needs target/bench-log-1000000.sqlite from the log bench; copies 650 MB"]
async fn figures_on_a_year_of_entries() {
    let bench =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-log-1000000.sqlite");
    assert!(
        bench.exists(),
        "{} is missing: cargo bench -p countersign-log --bench log",
        bench.display()
    );
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    std::fs::copy(&bench, dir.join("verification-log.sqlite")).expect("copy the year");
    staff(dir).expect("staff accounts");
    let offset = FixedOffset::east_opt(8 * 3600).expect("offset");
    let started = std::time::Instant::now();
    let printer = EscPosListener::start(StatusBytes::READY).expect("printer");
    let app = start(dir, offset, &printer.address()).await;
    eprintln!(
        "FIGURE app start on a 1,000,000-entry log (with its retention purge): {:?}",
        started.elapsed()
    );
    app.sign_in(SUPERVISOR.0, SUPERVISOR.2, "supervisor")
        .await
        .expect("sign in");
    app.text_until("#overview-totals", WAIT, |t| t.starts_with("共"))
        .await
        .expect("overview");

    // Timed in the page, invoke to what is on screen: the overview (summary, attention list
    // and the values seen in the range, one command) and the first page, which the app reads
    // apart, so the page does not wait for the range's summary.
    let timed = |from: &'static str,
                 to: &'static str,
                 fields: &'static [(&'static str, &'static str)]| {
        let app = &app;
        async move {
            js(app, "delete document.getElementById('overview-totals').dataset.ms; delete document.getElementById('entries-table').dataset.ms; return 0;").await;
            filter(app, from, to, fields).await;
            let page = until_some(
                app,
                "return document.getElementById('entries-table').dataset.ms ?? null;",
                Duration::from_secs(120),
            )
            .await;
            let overview = until_some(
                app,
                "return document.getElementById('overview-totals').dataset.ms ?? null;",
                Duration::from_secs(120),
            )
            .await;
            let line = app.text_of("#entries-line", WAIT).await.expect("line");
            (page, overview, line)
        }
    };
    app.press("e").await.expect("E");
    app.text_of("#entries-line", WAIT).await.expect("entries");
    let (page, overview, line) = timed("2026-06-01", "2026-06-01", &[]).await;
    eprintln!("FIGURE one day unfiltered: first page {page} ms ({line}); overview {overview} ms");
    let (page, overview, line) =
        timed("2026-06-01", "2026-06-30", &[("filter-clerk", "clerk-005")]).await;
    eprintln!("FIGURE a month, one clerk: first page {page} ms ({line}); overview {overview} ms");
    let (page, overview, line) = timed(
        "2025-11-25",
        "2026-11-24",
        &[("filter-verdict", "INVALID"), ("filter-issuer", "京华大学")],
    )
    .await;
    eprintln!("FIGURE the year's INVALID from one issuer: first page {page} ms ({line}); overview {overview} ms");
    app.press("n").await.expect("N");
    app.text_until("#entries-line", WAIT, |t| t.starts_with("第 51–100 条"))
        .await
        .expect("page 2");
    let next = js(
        &app,
        "return document.getElementById('entries-table').dataset.ms;",
    )
    .await;
    eprintln!(
        "FIGURE its next page (keyset cursor): {} ms",
        next.as_str().unwrap_or("?")
    );

    // The full check runs off the window's thread: M answers while it runs.
    app.press("i").await.expect("I");
    app.text_until("#integrity-headline", WAIT, |t| t == "正在检查整个日志…")
        .await
        .expect("running");
    let asked = std::time::Instant::now();
    app.press("m").await.expect("M");
    app.text_of("#policy-lines", WAIT)
        .await
        .expect("the policy while the check runs");
    let answered = asked.elapsed();
    let still_running = js(
        &app,
        "return document.getElementById('integrity-headline').textContent;",
    )
    .await;
    eprintln!("FIGURE the window answered M {answered:?} into the integrity check (headline then: {still_running})");
    assert_eq!(
        still_running, "正在检查整个日志…",
        "the check was still running when M was answered"
    );
    let checked = until_some(
        &app,
        "const h = document.getElementById('integrity-headline').textContent; return h === '正在检查整个日志…' ? null : document.getElementById('integrity-checked').textContent;",
        Duration::from_secs(300),
    )
    .await;
    eprintln!("FIGURE full integrity check of 1,000,000 entries in the app: {checked}");
    app.close().await;
}
