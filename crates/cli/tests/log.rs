//! `countersign verify --log` and `countersign log …` on real files: the demo credentials are
//! verified into a real SQLite log, reported on, exported (read back), searched, closed and
//! signed, checked, tampered with through the sqlite3 shell, and anchored on a real anvil.

use countersign_devchain::{Anvil, DEV_KEYS};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo")
        .join(name);
    path.to_str().expect("utf-8 path").to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .env_remove("COUNTERSIGN_RPC")
        .env_remove("COUNTERSIGN_REGISTRY")
        .env_remove("COUNTERSIGN_MIRROR")
        .env_remove("COUNTERSIGN_LOG")
        .env_remove("COUNTERSIGN_PRIVACY_POLICY")
        .env("COUNTERSIGN_HALL", "BJ-CY-01")
        .env("COUNTERSIGN_CLERK", "clerk-007")
        .args(args)
        .output()
        .expect("countersign runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// 2026-11-24 10:00 hall time: a finished day, so it can be closed.
const AT: &str = "2026-11-24T10:00:00+08:00";
const DAY: &str = "2026-11-24";

/// Verifies a demo sample into `log` at `counter`; returns the process output.
fn verify_into(log: &Path, sample: &str, counter: &str, at: &str) -> Output {
    run(&[
        "verify",
        &demo(&format!("samples/{sample}")),
        "--snapshot",
        &demo("registry-snapshot.json"),
        "--at",
        at,
        "--log",
        s(log),
        "--counter",
        counter,
    ])
}

/// A day of verifications: two counters, a repeat, three failures.
fn a_day(dir: &Path) -> PathBuf {
    let log = dir.join("hall.sqlite");
    let scans = [
        (
            "valid-diploma.cs1.txt",
            "1",
            "2026-11-24T09:00:00+08:00",
            Some(0),
        ),
        (
            "valid-business-licence.png",
            "1",
            "2026-11-24T09:10:00+08:00",
            Some(0),
        ),
        (
            "expired-residence-permit.cs1.txt",
            "2",
            "2026-11-24T10:00:00+08:00",
            Some(1),
        ),
        (
            "tampered-business-licence.cs1.txt",
            "2",
            "2026-11-24T10:05:00+08:00",
            Some(1),
        ),
        (
            "valid-diploma.png",
            "2",
            "2026-11-24T15:30:00+08:00",
            Some(0),
        ),
        (
            "revoked-diploma.cs1.txt",
            "1",
            "2026-11-24T16:00:00+08:00",
            Some(1),
        ),
    ];
    for (i, (sample, counter, at, exit)) in scans.iter().enumerate() {
        let out = verify_into(&log, sample, counter, at);
        assert_eq!(code(&out), *exit, "{sample}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(&format!("logged as entry {} 已记录", i + 1)),
            "{sample}: {}",
            text(&out.stderr)
        );
    }
    log
}

#[test]
fn a_day_is_reported_searched_and_exported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = a_day(dir.path());

    let report: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "log",
        "report",
        "--log",
        s(&log),
        "--date",
        DAY,
        "--json",
    ])))
    .expect("report JSON");
    assert_eq!(report["total"], 6);
    // Ties in count are listed by name.
    assert_eq!(
        report["byVerdict"][0],
        serde_json::json!({"key": "INVALID", "count": 3})
    );
    assert_eq!(
        report["byVerdict"][1],
        serde_json::json!({"key": "VALID", "count": 3})
    );
    assert_eq!(
        report["byChannel"][0],
        serde_json::json!({"key": "scanner", "count": 4})
    );
    assert_eq!(
        report["byChannel"][1],
        serde_json::json!({"key": "image", "count": 2})
    );
    assert_eq!(report["byHour"][9], 2);
    assert_eq!(report["byHour"][15], 1);
    let failures: Vec<&str> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter_map(|c| c["key"].as_str())
        .collect();
    assert_eq!(
        failures,
        [
            "revocation.revoked",
            "signature.mismatch",
            "validity.expired"
        ]
    );
    let repeated = &report["repeated"][0];
    assert_eq!(repeated["count"], 2);
    assert_eq!(repeated["counters"], serde_json::json!(["1", "2"]));
    assert_eq!(repeated["type"], "DiplomaCredential");

    // The same in words.
    let words = ok(&run(&["log", "report", "--log", s(&log), "--date", DAY]));
    assert!(words.contains("6 verifications"), "{words}");
    assert!(words.contains("京华大学"), "{words}");

    // Search by the repeated credential's hash: both verifications, masked subject only.
    let hash = repeated["hash"].as_str().expect("hash").to_string();
    let found: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "log",
        "search",
        "--log",
        s(&log),
        "--hash",
        &hash,
        "--json",
    ])))
    .expect("search JSON");
    let found = found.as_array().expect("array");
    assert_eq!(found.len(), 2);
    assert_eq!(found[0]["seq"], 1);
    assert_eq!(found[1]["channel"], "image");
    // The row every front end lists (countersign_views::EntryRow): the subject as (field,
    // value) pairs, masked.
    let subject: Vec<(String, String)> =
        serde_json::from_value(found[0]["subject"].clone()).expect("subject pairs");
    let subject: std::collections::BTreeMap<String, String> = subject.into_iter().collect();
    assert_eq!(subject["name"], "刘*");
    assert!(subject["idNumber"].contains("********"));
    assert_eq!(found[0]["credentialHash"], hash.as_str());
    assert_eq!(found[0]["date"], DAY);
    let none = run(&["log", "search", "--log", s(&log), "--receipt", "R-NOPE"]);
    assert_eq!(code(&none), Some(1));
    let bad = run(&["log", "search", "--log", s(&log), "--hash", "xyz"]);
    assert_eq!(code(&bad), Some(3));

    // CSV: BOM, a header, six rows, Chinese intact.
    let csv = dir.path().join("day.csv");
    ok(&run(&[
        "log",
        "export",
        "--log",
        s(&log),
        "--date",
        DAY,
        "--format",
        "csv",
        "--out",
        s(&csv),
    ]));
    let bytes = std::fs::read(&csv).expect("csv");
    assert!(bytes.starts_with(&[0xef, 0xbb, 0xbf]));
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 6);
    assert!(
        rows[0].iter().any(|c| c.contains("京华大学")),
        "{:?}",
        rows[0]
    );
    assert!(rows[2].iter().any(|c| c.contains("validity.expired")));
    // XLSX: two sheets, read back by a spreadsheet reader.
    let xlsx = dir.path().join("day.xlsx");
    ok(&run(&[
        "log",
        "export",
        "--log",
        s(&log),
        "--date",
        DAY,
        "--format",
        "xlsx",
        "--out",
        s(&xlsx),
    ]));
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("open xlsx");
    let names = book.sheet_names();
    assert_eq!(names.len(), 2, "{names:?}");
    let entries = book.worksheet_range(&names[1]).expect("entries sheet");
    assert_eq!(entries.height(), 7, "a header and six rows");
    // An existing file is never overwritten.
    let again = run(&[
        "log",
        "export",
        "--log",
        s(&log),
        "--date",
        DAY,
        "--format",
        "csv",
        "--out",
        s(&csv),
    ]);
    assert_eq!(code(&again), Some(3));

    // Each search and export is in the audit trail, as done by this OS account (the refused
    // ones are not): the same use case as the supervisor's console, the same record.
    let out = Command::new("sqlite3")
        .arg(&log)
        .arg("SELECT role || ' ' || action || ' ' || detail FROM audit ORDER BY seq")
        .output()
        .expect("the sqlite3 shell (scripts/test.sh installs it)");
    let trail = text(&out.stdout);
    let lines: Vec<&str> = trail.lines().collect();
    assert_eq!(lines.len(), 4, "{trail}");
    assert_eq!(lines[0], format!("cli search hash {hash}"));
    assert_eq!(lines[1], "cli search receipt R-NOPE");
    assert_eq!(lines[2], "cli export.csv 2026-11-24 -> day.csv (6 entries)");
    assert_eq!(
        lines[3],
        "cli export.xlsx 2026-11-24 -> day.xlsx (6 entries)"
    );
}

/// A hall west of Greenwich: `--utc-offset -06:00` is a value, not a flag, and cuts the days
/// at that hall's midnight (09:00 +08:00 is 19:00 the evening before at -06:00).
#[test]
fn a_hall_west_of_greenwich_gives_a_negative_offset() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = a_day(dir.path());
    let day = |date: &str| -> serde_json::Value {
        serde_json::from_str(&ok(&run(&[
            "log",
            "report",
            "--log",
            s(&log),
            "--date",
            date,
            "--utc-offset",
            "-06:00",
            "--json",
        ])))
        .expect("report JSON")
    };
    let evening = day("2026-11-23");
    assert_eq!(evening["total"], 4);
    assert_eq!(
        (&evening["byHour"][19], &evening["byHour"][20]),
        (&2.into(), &2.into())
    );
    let night = day("2026-11-24");
    assert_eq!(night["total"], 2);
    assert_eq!(
        (&night["byHour"][1], &night["byHour"][2]),
        (&1.into(), &1.into())
    );

    let refused = run(&[
        "log",
        "report",
        "--log",
        s(&log),
        "--date",
        DAY,
        "--utc-offset",
        "-6h",
    ]);
    assert_eq!(code(&refused), Some(3), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("is not a UTC offset such as +08:00 or -06:00"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn a_reader_that_stops_reading_ends_the_command_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = a_day(dir.path());
    // The read end is closed before the command starts, so its first write fails for certain.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(["log", "report", "--log", s(&log), "--date", DAY, "--json"])
        .stdout(writer)
        .output()
        .expect("countersign runs");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code(&out), Some(141), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn a_closed_day_verifies_and_a_tampered_entry_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = a_day(dir.path());
    let key = dir.path().join("hall.key.json");
    let public = ok(&run(&[
        "log",
        "keygen",
        "--hall",
        "BJ-CY-01",
        "--out",
        s(&key),
    ]))
    .trim()
    .to_string();
    assert_eq!(public.len(), 64);
    // Today is not over: refused in words. "Today" is the hall's day (the CLI's default
    // offset, +08:00), which is a day ahead of UTC from 16:00 UTC on.
    let hall = chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00");
    let today = chrono::Utc::now()
        .with_timezone(&hall)
        .date_naive()
        .to_string();
    let early = run(&[
        "log",
        "close-day",
        "--log",
        s(&log),
        "--date",
        &today,
        "--hall-key",
        s(&key),
    ]);
    assert_eq!(code(&early), Some(3), "{}", text(&early.stderr));
    ok(&run(&[
        "log",
        "close-day",
        "--log",
        s(&log),
        "--date",
        DAY,
        "--hall-key",
        s(&key),
    ]));

    let out = ok(&run(&[
        "log",
        "verify",
        "--log",
        s(&log),
        "--trust",
        &public,
    ]));
    assert!(out.contains("6 entries"), "{out}");
    assert!(out.contains("intact"), "{out}");
    assert!(out.contains("signed, matches its entries"), "{out}");

    // Another hall's key does not vouch for the day.
    let other = run(&[
        "log",
        "verify",
        "--log",
        s(&log),
        "--trust",
        &"11".repeat(32),
    ]);
    assert_eq!(code(&other), Some(1));
    let not_hex = run(&["log", "verify", "--log", s(&log), "--trust", "zz"]);
    assert_eq!(code(&not_hex), Some(3));
    let stranger = dir.path().join("other.key.json");
    ok(&run(&[
        "log",
        "keygen",
        "--hall",
        "SH-PD-02",
        "--out",
        s(&stranger),
    ]));
    let out = run(&["log", "verify", "--log", s(&log), "--trust", s(&stranger)]);
    assert_eq!(code(&out), Some(1));
    assert!(text(&out.stdout).contains("not signed by a trusted hall key"));

    // Turn entry 3 (expired, INVALID) into VALID with the sqlite3 shell.
    let shell = Command::new("sqlite3")
        .arg(&log)
        .arg("UPDATE entries SET verdict = 'VALID', failing = '' WHERE seq = 3;")
        .status()
        .expect("the sqlite3 shell (scripts/test.sh installs it)");
    assert!(shell.success());
    let out = run(&[
        "log",
        "verify",
        "--log",
        s(&log),
        "--trust",
        &public,
        "--json",
    ]);
    assert_eq!(code(&out), Some(1));
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    assert_eq!(v["intact"], false);
    assert_eq!(v["findings"][0]["seq"], 3);
    assert_eq!(v["findings"][0]["kind"], "edited");
    let words = text(&run(&["log", "verify", "--log", s(&log)]).stdout);
    assert!(
        words.contains("first change: entry 3 was edited"),
        "{words}"
    );
}

#[test]
fn a_log_that_cannot_be_written_never_takes_the_verdict_away() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-dir").join("hall.sqlite");
    let out = verify_into(&missing, "valid-diploma.cs1.txt", "1", AT);
    assert_eq!(code(&out), Some(0), "the verdict stands");
    assert!(text(&out.stdout).starts_with("VALID"));
    let err = text(&out.stderr);
    assert!(err.contains("NOT LOGGED 未记录"), "{err}");
    assert!(!err.contains("logged as entry"), "{err}");
    // --log without the counter is a usage error before anything runs.
    let out = run(&[
        "verify",
        &demo("samples/valid-diploma.cs1.txt"),
        "--log",
        s(&dir.path().join("x.sqlite")),
    ]);
    assert_eq!(code(&out), Some(3));
    assert!(text(&out.stderr).contains("--counter"));
    assert!(!dir.path().join("x.sqlite").exists());
}

fn account_file(dir: &Path, index: usize) -> PathBuf {
    let wallet = countersign_chain::Wallet::from_hex(DEV_KEYS[index]).expect("dev key");
    let path = dir.join(format!("account{index}.json"));
    std::fs::write(
        &path,
        serde_json::json!({
            "type": "countersign-account-key",
            "address": format!("{:?}", wallet.address()),
            "privateKey": DEV_KEYS[index],
        })
        .to_string(),
    )
    .expect("write account file");
    path
}

#[test]
fn a_day_digest_is_anchored_and_a_rewritten_day_does_not_match_it() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let url = anvil.url();
    let dir = tempfile::tempdir().expect("temp dir");
    let gov = account_file(dir.path(), 0);
    let hall_account = account_file(dir.path(), 4);
    let hall_address = format!(
        "{:?}",
        countersign_chain::Wallet::from_hex(DEV_KEYS[4])
            .expect("key")
            .address()
    );
    let registry = ok(&run(&[
        "chain",
        "deploy",
        "--rpc",
        &url,
        "--account-key",
        s(&gov),
    ]))
    .trim()
    .to_string();
    let key = dir.path().join("hall.key.json");
    let public = ok(&run(&[
        "log",
        "keygen",
        "--hall",
        "BJ-CY-01",
        "--out",
        s(&key),
    ]))
    .trim()
    .to_string();
    ok(&run(&[
        "chain",
        "register-station",
        "--rpc",
        &url,
        "--registry",
        &registry,
        "--account-key",
        s(&gov),
        "--key",
        &public,
        "--account",
        &hall_address,
        "--name",
        "朝阳区政务服务中心",
    ]));

    let log = a_day(dir.path());
    let anchored = run(&[
        "log",
        "close-day",
        "--log",
        s(&log),
        "--date",
        DAY,
        "--hall-key",
        s(&key),
        "--account-key",
        s(&hall_account),
        "--rpc",
        &url,
        "--registry",
        &registry,
    ]);
    ok(&anchored);
    assert!(text(&anchored.stderr).contains("anchored the digest of 2026-11-24"));
    let out = ok(&run(&[
        "log",
        "verify",
        "--log",
        s(&log),
        "--trust",
        &public,
        "--rpc",
        &url,
        "--registry",
        &registry,
    ]));
    assert!(out.contains("anchored"), "{out}");

    // Whoever holds the hall key rewrites the day (drops the revoked diploma) and signs it
    // again: the signature is good, but the chain remembers the first digest.
    let forged = dir.path().join("forged.sqlite");
    for (i, (sample, counter, at)) in [
        ("valid-diploma.cs1.txt", "1", "2026-11-24T09:00:00+08:00"),
        (
            "valid-business-licence.png",
            "1",
            "2026-11-24T09:10:00+08:00",
        ),
    ]
    .iter()
    .enumerate()
    {
        let out = verify_into(&forged, sample, counter, at);
        assert!(text(&out.stderr).contains(&format!("entry {}", i + 1)));
    }
    ok(&run(&[
        "log",
        "close-day",
        "--log",
        s(&forged),
        "--date",
        DAY,
        "--hall-key",
        s(&key),
    ]));
    let refused = run(&[
        "log",
        "anchor",
        "--log",
        s(&forged),
        "--date",
        DAY,
        "--account-key",
        s(&hall_account),
        "--rpc",
        &url,
        "--registry",
        &registry,
    ]);
    assert_eq!(code(&refused), Some(3), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("already anchored"),
        "{}",
        text(&refused.stderr)
    );
    let out = run(&[
        "log",
        "verify",
        "--log",
        s(&forged),
        "--trust",
        &public,
        "--rpc",
        &url,
        "--registry",
        &registry,
        "--json",
    ]);
    assert_eq!(code(&out), Some(1), "{}", text(&out.stdout));
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["days"][0]["problem"], serde_json::Value::Null);
    assert_eq!(v["days"][0]["anchored"], "differs-from-anchored");

    // With the node gone, the anchors cannot be checked: exit 2, said in words.
    drop(anvil);
    let out = run(&[
        "log",
        "verify",
        "--log",
        s(&log),
        "--trust",
        &public,
        "--rpc",
        &url,
        "--registry",
        &registry,
        "--timeout-secs",
        "2",
    ]);
    assert_eq!(code(&out), Some(2), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("anchors not checked"));
}

#[test]
fn an_edited_audit_record_is_named_by_log_verify() {
    let dir = tempfile::tempdir().expect("dir");
    let log = a_day(dir.path());
    {
        let mut file = countersign_log::Log::open(&log).expect("log");
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T18:00:00+08:00")
            .expect("time")
            .with_timezone(&chrono::Utc);
        file.audit("sup-01", "supervisor", "export.csv", "2026-11-24", at)
            .expect("audit");
        file.audit("sup-01", "supervisor", "integrity.run", "", at)
            .expect("audit");
    }
    let out = ok(&run(&["log", "verify", "--log", s(&log)]));
    assert!(
        out.contains("audit trail: intact 完整 (2 records)"),
        "{out}"
    );
    let shell = Command::new("sqlite3")
        .arg(&log)
        .arg("UPDATE audit SET detail = '2026-11-23' WHERE seq = 1;")
        .status()
        .expect("the sqlite3 shell (scripts/test.sh installs it)");
    assert!(shell.success());
    let out = run(&["log", "verify", "--log", s(&log)]);
    assert_eq!(code(&out), Some(1), "{}", text(&out.stdout));
    let said = text(&out.stdout);
    assert!(
        said.contains("hash chain: intact"),
        "entries untouched: {said}"
    );
    assert!(
        said.contains("audit trail: CHANGED 已被改动 — first change: audit record 1 was edited"),
        "{said}"
    );
}
