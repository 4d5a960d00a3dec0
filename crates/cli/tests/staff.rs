//! `countersign staff …` on real files: accounts are added with PINs from the environment and
//! from stdin, listed, disabled, enabled, given new PINs, and signed in with through the
//! library, so the PIN the command stored is the one it was given; refused input exits 3.

use chrono::Utc;
use countersign_staff::{Role, SignInError, Staff};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `countersign` with `pin` in `COUNTERSIGN_PIN` (if given) and `stdin` on its stdin
/// (empty if not given).
fn run_with(args: &[&str], pin: Option<&str>, stdin: Option<&str>, db: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_countersign"));
    command
        .env_remove("COUNTERSIGN_PIN")
        .env_remove("COUNTERSIGN_STAFF_DB")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(pin) = pin {
        command.env("COUNTERSIGN_PIN", pin);
    }
    if let Some(db) = db {
        command.env("COUNTERSIGN_STAFF_DB", db);
    }
    let mut child = command.spawn().expect("countersign runs");
    let mut input = child.stdin.take().expect("stdin");
    // The command may exit before reading (refused input): a closed pipe is fine then.
    let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    drop(input);
    child.wait_with_output().expect("countersign ends")
}

fn run(args: &[&str]) -> Output {
    run_with(args, None, None, None)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
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

/// Asserts exit 3 and that stderr holds every one of `words`.
fn refused(out: &Output, words: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} not in: {err}");
    }
}

fn sign_in(db: &Path, id: &str, pin: &str, role: Role) -> Result<String, SignInError> {
    let mut staff = Staff::open(db).expect("open");
    staff.sign_in(id, pin, role, Utc::now()).map(|a| a.name)
}

#[test]
fn accounts_are_added_listed_disabled_enabled_and_given_new_pins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("staff.sqlite");
    let add = |id: &str, name: &str, role: &str, pin: Option<&str>, stdin: Option<&str>| {
        run_with(
            &[
                "staff",
                "add",
                "--db",
                s(&db),
                "--id",
                id,
                "--name",
                name,
                "--role",
                role,
            ],
            pin,
            stdin,
            None,
        )
    };
    let out = add("clerk-007", "王芳", "clerk", Some("482913"), None);
    ok(&out);
    assert!(
        text(&out.stderr).contains("已添加"),
        "{}",
        text(&out.stderr)
    );
    // From stdin: only the first line, without its line end.
    ok(&add(
        "sup-1",
        "李娜",
        "supervisor",
        None,
        Some("731904\r\nignored\n"),
    ));
    assert_eq!(
        sign_in(&db, "clerk-007", "482913", Role::Clerk).expect("clerk"),
        "王芳"
    );
    assert_eq!(
        sign_in(&db, "sup-1", "731904", Role::Supervisor).expect("supervisor"),
        "李娜"
    );

    let listed = ok(&run(&["staff", "list", "--db", s(&db)]));
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(lines[0].starts_with("clerk-007"), "{listed}");
    assert!(lines[0].contains("clerk 办事员") && lines[0].contains("active 在用"));
    assert!(lines[0].ends_with("王芳"), "{listed}");
    assert!(lines[1].contains("supervisor 主管"), "{listed}");

    ok(&run(&[
        "staff",
        "disable",
        "--db",
        s(&db),
        "--id",
        "clerk-007",
    ]));
    let v: serde_json::Value =
        serde_json::from_str(&ok(&run(&["staff", "list", "--db", s(&db), "--json"])))
            .expect("JSON");
    assert_eq!(v[0]["id"], "clerk-007");
    assert_eq!(v[0]["active"], false);
    assert_eq!(v[0]["role"], "clerk");
    assert_eq!(v[1]["active"], true);
    assert!(matches!(
        sign_in(&db, "clerk-007", "482913", Role::Clerk),
        Err(SignInError::Disabled)
    ));
    // The file can also come from the environment.
    ok(&run_with(
        &["staff", "enable", "--id", "clerk-007"],
        None,
        None,
        Some(&db),
    ));
    sign_in(&db, "clerk-007", "482913", Role::Clerk).expect("enabled again");

    ok(&run_with(
        &["staff", "reset-pin", "--db", s(&db), "--id", "clerk-007"],
        None,
        Some("560318\n"),
        None,
    ));
    assert!(matches!(
        sign_in(&db, "clerk-007", "482913", Role::Clerk),
        Err(SignInError::Wrong)
    ));
    sign_in(&db, "clerk-007", "560318", Role::Clerk).expect("the new PIN");

    let v: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "staff",
        "sign-ins",
        "--db",
        s(&db),
        "--json",
        "--limit",
        "2",
    ])))
    .expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    assert_eq!(v[0]["outcome"], "ok");
    assert_eq!(v[1]["outcome"], "staff.wrong_pin");
    let audit = ok(&run(&["staff", "sign-ins", "--db", s(&db)]));
    assert!(audit.contains("disabled 已停用"), "{audit}");
    assert!(audit.contains("wrong PIN 密码错误"), "{audit}");
}

#[test]
fn refused_input_exits_3_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("staff.sqlite");
    let add = |id: &str, pin: Option<&str>, stdin: Option<&str>| {
        run_with(
            &[
                "staff",
                "add",
                "--db",
                s(&db),
                "--id",
                id,
                "--name",
                "王芳",
                "--role",
                "clerk",
            ],
            pin,
            stdin,
            None,
        )
    };
    // An id no account can have: refused before the file is even created.
    refused(
        &add("clerk 007", Some("482913"), None),
        &["an id is", "编号无效"],
    );
    assert!(!db.exists());

    refused(
        &add("clerk-007", Some("123456"), None),
        &["too easy to guess", "过于简单"],
    );
    refused(
        &add("clerk-007", None, Some("111111\n")),
        &["too easy to guess"],
    );
    refused(&add("clerk-007", Some("12345"), None), &["6 to 12 digits"]);
    refused(
        &add("clerk-007", None, None),
        &["no PIN", "COUNTERSIGN_PIN"],
    );
    let out = run(&[
        "staff",
        "add",
        "--db",
        s(&db),
        "--id",
        "clerk-007",
        "--name",
        "王芳",
        "--role",
        "clerk",
        "--pin",
        "482913",
    ]);
    refused(&out, &["--pin is refused", "history"]);
    refused(
        &run_with(
            &[
                "staff",
                "add",
                "--db",
                s(&db),
                "--id",
                "clerk-007",
                "--name",
                " ",
                "--role",
                "clerk",
            ],
            Some("482913"),
            None,
            None,
        ),
        &["a name is", "姓名无效"],
    );
    assert!(!db.exists(), "refused input creates no file");

    ok(&add("clerk-007", Some("482913"), None));
    // A taken id (in any case) is refused before a PIN is asked for: none is given here.
    refused(&add("CLERK-007", None, None), &["exists", "已存在"]);
    refused(
        &run(&["staff", "disable", "--db", s(&db), "--id", "clerk-999"]),
        &["no account has id clerk-999", "无此账号"],
    );
    refused(
        &run_with(
            &["staff", "reset-pin", "--db", s(&db), "--id", "clerk-999"],
            Some("560318"),
            None,
            None,
        ),
        &["no account"],
    );
    refused(
        &run_with(
            &["staff", "reset-pin", "--db", s(&db), "--id", "clerk-007"],
            Some("987654"),
            None,
            None,
        ),
        &["too easy"],
    );
    refused(
        &run(&[
            "staff",
            "add",
            "--db",
            s(&db),
            "--id",
            "x",
            "--name",
            "x",
            "--role",
            "admin",
        ]),
        &["admin"],
    );
    let missing = dir.path().join("missing.sqlite");
    refused(
        &run(&["staff", "list", "--db", s(&missing)]),
        &["does not exist", "COUNTERSIGN_STAFF_DB"],
    );
    refused(
        &run(&["staff", "enable", "--db", s(&missing), "--id", "clerk-007"]),
        &["does not exist"],
    );
    assert!(!missing.exists(), "nothing but add creates a file");
    refused(&run(&["staff", "list"]), &["--db"]);
    drop(Staff::open(&missing).expect("an empty staff file"));
    let listed = ok(&run(&["staff", "list", "--db", s(&missing)]));
    assert!(listed.contains("no accounts yet 暂无账号"), "{listed}");

    // Still the one account, with its first PIN.
    let v: serde_json::Value =
        serde_json::from_str(&ok(&run(&["staff", "list", "--db", s(&db), "--json"])))
            .expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    sign_in(&db, "clerk-007", "482913", Role::Clerk).expect("unchanged");
}

/// Changes to the accounts are made on a supervisor's authority, proved with their PIN (read
/// before the new account's PIN), or by root (IT); each is recorded with who authorised it and
/// from which OS account. Any other OS account, even one that could write the file, is told to
/// name a supervisor. A wrong supervisor PIN changes nothing and counts like a sign-in.
#[test]
fn a_change_needs_a_supervisors_pin_unless_root_and_is_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("staff.sqlite");
    let add = |extra: &[&str], id: &str, stdin: &str| {
        let mut args = vec!["staff", "add", "--db", s(&db)];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--id", id, "--name", "王芳", "--role", "clerk"]);
        run_with(&args, None, Some(stdin), None)
    };
    // The hall's first supervisor, by root (the tests run as root in CI, as IT would).
    let first = run_with(
        &[
            "staff",
            "add",
            "--db",
            s(&db),
            "--id",
            "sup-01",
            "--name",
            "李主管",
            "--role",
            "supervisor",
        ],
        Some("482913"),
        None,
        None,
    );
    if countersign_paths::is_root() {
        ok(&first);
    } else {
        refused(&first, &["needs a supervisor", "需要主管授权"]);
        return;
    }
    // A wrong supervisor PIN: refused, nothing added, the attempt recorded.
    refused(
        &add(&["--supervisor", "sup-01"], "clerk-1", "000000\n560318\n"),
        &["refused", "主管授权失败"],
    );
    assert!(Staff::open(&db)
        .expect("open")
        .get("clerk-1")
        .expect("get")
        .is_none());
    // The right one: added, and the new PIN (the second line) is the clerk's.
    ok(&add(
        &["--supervisor", "sup-01"],
        "clerk-1",
        "482913\n560318\n",
    ));
    assert_eq!(
        sign_in(&db, "clerk-1", "560318", Role::Clerk).expect("signs in"),
        "王芳"
    );
    let staff = Staff::open(&db).expect("open");
    let admin = staff.recent_admin(10).expect("admin");
    let seen: Vec<(&str, &str, &str)> = admin
        .iter()
        .map(|a| (a.actor.as_str(), a.action.as_str(), a.target.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("sup-01", "staff.add", "clerk-1 (clerk)"),
            ("root", "staff.add", "sup-01 (supervisor)")
        ]
    );
    let attempts: Vec<_> = staff
        .recent_sign_ins(10)
        .expect("sign-ins")
        .into_iter()
        .map(|r| (r.id, r.outcome.code()))
        .collect();
    assert!(
        attempts.contains(&("sup-01".to_string(), "staff.wrong_pin")),
        "{attempts:?}"
    );

    // Another OS account (nobody, even with the file made writable for it): needs a supervisor.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .expect("chmod");
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_countersign"))
        .args([
            "staff",
            "add",
            "--db",
            s(&db),
            "--id",
            "clerk-2",
            "--name",
            "张",
            "--role",
            "clerk",
        ])
        .env("COUNTERSIGN_PIN", "560318")
        .output()
        .expect("setpriv (util-linux)");
    refused(&out, &["needs a supervisor", "需要主管授权"]);
    assert!(Staff::open(&db)
        .expect("open")
        .get("clerk-2")
        .expect("get")
        .is_none());
}
