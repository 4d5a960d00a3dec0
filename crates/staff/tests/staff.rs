//! The staff file on real SQLite files in temporary folders: accounts, PIN rules, sign-in with
//! its lockout and audit, reopening, and a file from a newer build. Times are passed in; no
//! test sleeps.

use chrono::{DateTime, TimeDelta, Utc};
use countersign_staff::{
    check_id, check_pin, Role, SignInError, SignInOutcome, Staff, StaffError, LOCKOUT, MAX_FAILURES,
};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// 2026-11-24 09:00 hall time.
fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_482_000, 0).expect("time")
}

fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

/// A new staff file with clerk `clerk-007` (PIN 482913) and supervisor `sup-1` (PIN 731904).
fn hall() -> (tempfile::TempDir, PathBuf, Staff) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("staff.sqlite");
    let mut staff = Staff::open(&path).expect("open");
    staff
        .add("clerk-007", "王芳", Role::Clerk, "482913", t0())
        .expect("add clerk");
    staff
        .add("sup-1", "李娜", Role::Supervisor, "731904", t0())
        .expect("add supervisor");
    (dir, path, staff)
}

fn is_wrong(r: Result<countersign_staff::Account, SignInError>) -> bool {
    matches!(r, Err(SignInError::Wrong))
}

#[test]
fn an_added_account_signs_in_with_its_pin() {
    let (_dir, _path, mut staff) = hall();
    let at = t0() + minutes(1);
    let account = staff
        .sign_in("clerk-007", "482913", Role::Clerk, at)
        .expect("signed in");
    assert_eq!(account.id, "clerk-007");
    assert_eq!(account.name, "王芳");
    assert_eq!(account.role, Role::Clerk);
    assert!(account.active);
    assert_eq!(account.created_at, t0());
    // Ids compare without case, and keep the spelling they were added with.
    let again = staff
        .sign_in("CLERK-007", "482913", Role::Clerk, at)
        .expect("signed in");
    assert_eq!(again.id, "clerk-007");
    assert_eq!(staff.get("Clerk-007").expect("get"), Some(account));
    let ids: Vec<String> = staff
        .list()
        .expect("list")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, ["clerk-007", "sup-1"]);
}

#[test]
fn a_wrong_pin_and_an_unknown_id_get_the_same_answer_in_about_the_same_time() {
    let (_dir, _path, mut staff) = hall();
    let mut wrong = Duration::MAX;
    let mut unknown = Duration::MAX;
    // The fastest of three each: the machine may be busy with other work.
    for i in 0..3 {
        let at = t0() + minutes(i);
        let started = Instant::now();
        let r = staff.sign_in("clerk-007", "482914", Role::Clerk, at);
        wrong = wrong.min(started.elapsed());
        assert!(is_wrong(r), "wrong PIN");
        let started = Instant::now();
        let r = staff.sign_in("clerk-999", "482913", Role::Clerk, at);
        unknown = unknown.min(started.elapsed());
        assert!(is_wrong(r), "unknown id");
    }
    assert!(
        unknown * 3 > wrong,
        "an unknown id answered in {unknown:?}, a wrong PIN in {wrong:?}: the difference tells which ids exist"
    );
    // Ids no account can have, and PINs of no valid form, get the same answer too.
    for (id, pin) in [
        ("", "482913"),
        ("clerk 007", "482913"),
        (&"x".repeat(33) as &str, "482913"),
        ("sup-1", ""),
        ("sup-1", "7319040000000000"),
    ] {
        let r = staff.sign_in(id, pin, Role::Clerk, t0());
        assert!(is_wrong(r), "{id:?} / {pin:?}");
    }
    let e = staff
        .sign_in("nobody", "482913", Role::Clerk, t0())
        .expect_err("refused");
    assert_eq!(e.code(), "staff.wrong_pin");
}

#[test]
fn five_wrong_pins_lock_the_id_for_five_minutes() {
    let (_dir, _path, mut staff) = hall();
    assert_eq!(MAX_FAILURES, 5);
    assert_eq!(LOCKOUT, minutes(5));
    for i in 1..MAX_FAILURES {
        let r = staff.sign_in("clerk-007", "000001", Role::Clerk, t0());
        assert!(is_wrong(r), "attempt {i}");
    }
    let locked_at = t0() + minutes(1);
    let until = locked_at + LOCKOUT;
    match staff.sign_in("clerk-007", "000001", Role::Clerk, locked_at) {
        Err(SignInError::Locked { until: u }) => assert_eq!(u, until),
        other => panic!("the fifth wrong PIN should lock, got {other:?}"),
    }
    // Locked: even the right PIN is refused, without being checked.
    let r = staff.sign_in("clerk-007", "482913", Role::Clerk, until - minutes(1));
    let e = r.expect_err("locked");
    assert!(matches!(e, SignInError::Locked { until: u } if u == until));
    assert_eq!(e.code(), "staff.locked");
    // Other accounts are not affected.
    staff
        .sign_in("sup-1", "731904", Role::Supervisor, locked_at)
        .expect("another account");
    // When the lock ends, the right PIN works; a new lock needs five new wrong PINs.
    staff
        .sign_in("clerk-007", "482913", Role::Clerk, until)
        .expect("unlocked");
}

#[test]
fn after_a_lock_ends_it_takes_five_more_wrong_pins_to_lock_again() {
    let (_dir, _path, mut staff) = hall();
    for _ in 0..MAX_FAILURES {
        let _ = staff.sign_in("clerk-007", "000001", Role::Clerk, t0());
    }
    let later = t0() + LOCKOUT;
    for i in 1..MAX_FAILURES {
        let r = staff.sign_in("clerk-007", "000001", Role::Clerk, later);
        assert!(is_wrong(r), "attempt {i} after the lock");
    }
    let r = staff.sign_in("clerk-007", "000001", Role::Clerk, later);
    assert!(matches!(r, Err(SignInError::Locked { .. })), "{r:?}");
}

#[test]
fn an_unknown_id_locks_like_a_real_one() {
    let (_dir, _path, mut staff) = hall();
    for i in 1..MAX_FAILURES {
        let r = staff.sign_in("ghost", "482913", Role::Clerk, t0());
        assert!(is_wrong(r), "attempt {i}");
    }
    let r = staff.sign_in("ghost", "482913", Role::Clerk, t0());
    assert!(matches!(r, Err(SignInError::Locked { .. })), "{r:?}");
    // Adding the id later does not hand the new holder someone else's lock.
    staff
        .add("ghost", "赵磊", Role::Clerk, "560318", t0())
        .expect("add");
    staff
        .sign_in("ghost", "560318", Role::Clerk, t0())
        .expect("the new account signs in");
}

#[test]
fn a_success_resets_the_count() {
    let (_dir, _path, mut staff) = hall();
    for round in 0..2 {
        for i in 1..MAX_FAILURES {
            let r = staff.sign_in("clerk-007", "000001", Role::Clerk, t0());
            assert!(is_wrong(r), "round {round}, attempt {i}");
        }
        staff
            .sign_in("clerk-007", "482913", Role::Clerk, t0())
            .expect("the right PIN before the fifth wrong one");
    }
}

#[test]
fn a_disabled_account_is_refused_only_to_someone_who_knows_its_pin() {
    let (_dir, _path, mut staff) = hall();
    staff.set_active("clerk-007", false).expect("disable");
    assert!(!staff.get("clerk-007").expect("get").expect("exists").active);
    let r = staff.sign_in("clerk-007", "482914", Role::Clerk, t0());
    assert!(is_wrong(r), "wrong PIN");
    let e = staff
        .sign_in("clerk-007", "482913", Role::Clerk, t0())
        .expect_err("disabled");
    assert!(matches!(e, SignInError::Disabled));
    assert_eq!(e.code(), "staff.disabled");
    staff.set_active("clerk-007", true).expect("enable");
    staff
        .sign_in("clerk-007", "482913", Role::Clerk, t0())
        .expect("enabled again");
    let e = staff.set_active("clerk-999", false).expect_err("unknown");
    assert_eq!(e.code(), "staff.unknown");
}

#[test]
fn a_clerk_cannot_sign_in_as_a_supervisor_nor_the_other_way() {
    let (_dir, _path, mut staff) = hall();
    let r = staff.sign_in("clerk-007", "482914", Role::Supervisor, t0());
    assert!(is_wrong(r), "the PIN is checked first");
    let e = staff
        .sign_in("clerk-007", "482913", Role::Supervisor, t0())
        .expect_err("clerk as supervisor");
    assert!(matches!(e, SignInError::WrongRole));
    assert_eq!(e.code(), "staff.wrong_role");
    let e = staff
        .sign_in("sup-1", "731904", Role::Clerk, t0())
        .expect_err("supervisor as clerk");
    assert!(matches!(e, SignInError::WrongRole));
    staff
        .sign_in("sup-1", "731904", Role::Supervisor, t0())
        .expect("supervisor as supervisor");
}

#[test]
fn pins_follow_the_rules() {
    let cases: &[(&str, Option<&str>)] = &[
        ("482913", None),
        ("112233", None),
        ("135790", None),
        ("123457", None),
        ("098765", None),
        ("482913482913", None),
        ("12345", Some("staff.pin_format")),
        ("4829134829131", Some("staff.pin_format")),
        ("48291a", Some("staff.pin_format")),
        (" 482913", Some("staff.pin_format")),
        ("４８２９１３", Some("staff.pin_format")),
        ("", Some("staff.pin_format")),
        ("000000", Some("staff.pin_too_simple")),
        ("777777777777", Some("staff.pin_too_simple")),
        ("123456", Some("staff.pin_too_simple")),
        ("0123456789", Some("staff.pin_too_simple")),
        ("987654", Some("staff.pin_too_simple")),
        ("9876543210", Some("staff.pin_too_simple")),
    ];
    for (pin, expected) in cases {
        let got = check_pin(pin).err().map(|e| e.code());
        assert_eq!(got, *expected, "PIN {pin:?}");
    }
    let ids: &[(&str, bool)] = &[
        ("clerk-007", true),
        ("A.b_C-9", true),
        (&"x".repeat(32), true),
        ("", false),
        (&"x".repeat(33), false),
        ("clerk 007", false),
        ("王芳", false),
        ("clerk/007", false),
    ];
    for (id, ok) in ids {
        assert_eq!(check_id(id).is_ok(), *ok, "id {id:?}");
    }
}

#[test]
fn add_refuses_bad_input_before_storing_anything() {
    let (_dir, _path, mut staff) = hall();
    let refused =
        |r: Result<countersign_staff::Account, StaffError>| r.expect_err("refused").code();
    assert_eq!(
        refused(staff.add("new", "赵磊", Role::Clerk, "123456", t0())),
        "staff.pin_too_simple"
    );
    assert_eq!(
        refused(staff.add("new", "赵磊", Role::Clerk, "12345", t0())),
        "staff.pin_format"
    );
    assert_eq!(
        refused(staff.add("new one", "赵磊", Role::Clerk, "560318", t0())),
        "staff.bad_id"
    );
    assert_eq!(
        refused(staff.add("new", "  ", Role::Clerk, "560318", t0())),
        "staff.bad_name"
    );
    assert_eq!(
        refused(staff.add("new", "赵\u{7}磊", Role::Clerk, "560318", t0())),
        "staff.bad_name"
    );
    assert_eq!(
        refused(staff.add("CLERK-007", "赵磊", Role::Clerk, "560318", t0())),
        "staff.exists"
    );
    assert_eq!(staff.list().expect("list").len(), 2);
    let e = staff
        .add("new", "赵磊", Role::Clerk, "123456", t0())
        .expect_err("refused");
    assert!(e.is_refused_input());
    assert!(e.to_string().contains("123456"), "{e}");
}

#[test]
fn a_new_pin_replaces_the_old_one_and_lifts_a_lock() {
    let (_dir, _path, mut staff) = hall();
    for _ in 0..MAX_FAILURES {
        let _ = staff.sign_in("clerk-007", "000001", Role::Clerk, t0());
    }
    let e = staff
        .set_pin("clerk-007", "111111", t0())
        .expect_err("too simple");
    assert_eq!(e.code(), "staff.pin_too_simple");
    let e = staff
        .set_pin("clerk-999", "560318", t0())
        .expect_err("unknown");
    assert_eq!(e.code(), "staff.unknown");
    staff.set_pin("clerk-007", "560318", t0()).expect("set");
    let r = staff.sign_in("clerk-007", "482913", Role::Clerk, t0());
    assert!(is_wrong(r), "the old PIN no longer works");
    staff
        .sign_in("clerk-007", "560318", Role::Clerk, t0())
        .expect("the new PIN works, and the lock is gone");
}

#[test]
fn every_attempt_is_recorded_newest_first() {
    let (_dir, _path, mut staff) = hall();
    let at = |s: i64| t0() + TimeDelta::seconds(s);
    let _ = staff.sign_in("clerk-007", "482913", Role::Clerk, at(1));
    let _ = staff.sign_in("clerk-007", "000001", Role::Clerk, at(2));
    let _ = staff.sign_in("Nobody.Here", "482913", Role::Supervisor, at(3));
    let _ = staff.sign_in("clerk-007", "482913", Role::Supervisor, at(4));
    staff.set_active("sup-1", false).expect("disable");
    let _ = staff.sign_in("sup-1", "731904", Role::Supervisor, at(5));
    let long = "9".repeat(100);
    let _ = staff.sign_in(&long, "482913", Role::Clerk, at(6));
    // The wrong PIN at 2 still counts (a wrong role is not a success): four more lock.
    for _ in 1..MAX_FAILURES {
        let _ = staff.sign_in("clerk-007", "000001", Role::Clerk, at(7));
    }
    let _ = staff.sign_in("clerk-007", "482913", Role::Clerk, at(8));

    let all = staff.recent_sign_ins(100).expect("audit");
    let seen: Vec<(i64, &str, Role, &str)> = all
        .iter()
        .map(|r| {
            (
                (r.at - t0()).num_seconds(),
                r.id.as_str(),
                r.role,
                r.outcome.code(),
            )
        })
        .collect();
    let expected = vec![
        (8, "clerk-007", Role::Clerk, "staff.locked"),
        (7, "clerk-007", Role::Clerk, "staff.wrong_pin"),
        (7, "clerk-007", Role::Clerk, "staff.wrong_pin"),
        (7, "clerk-007", Role::Clerk, "staff.wrong_pin"),
        (7, "clerk-007", Role::Clerk, "staff.wrong_pin"),
        // Kept as typed, cut to 64 characters.
        (6, &long[..64], Role::Clerk, "staff.unknown"),
        (5, "sup-1", Role::Supervisor, "staff.disabled"),
        (4, "clerk-007", Role::Supervisor, "staff.wrong_role"),
        (3, "Nobody.Here", Role::Supervisor, "staff.unknown"),
        (2, "clerk-007", Role::Clerk, "staff.wrong_pin"),
        (1, "clerk-007", Role::Clerk, "ok"),
    ];
    assert_eq!(seen, expected);
    assert_eq!(all[10].outcome, SignInOutcome::SignedIn);
    assert_eq!(staff.recent_sign_ins(3).expect("audit"), all[..3]);
    assert!(staff.recent_sign_ins(0).expect("audit").is_empty());
}

#[test]
fn a_reopened_file_keeps_everything_and_holds_no_pin() {
    let (_dir, path, mut staff) = hall();
    staff.set_active("sup-1", false).expect("disable");
    let _ = staff.sign_in("clerk-007", "482913", Role::Clerk, t0());
    let accounts = staff.list().expect("list");
    drop(staff);

    let mut staff = Staff::open(&path).expect("reopen");
    assert_eq!(staff.list().expect("list"), accounts);
    assert_eq!(staff.recent_sign_ins(10).expect("audit").len(), 1);
    staff
        .sign_in("clerk-007", "482913", Role::Clerk, t0())
        .expect("same PIN");
    drop(staff);

    let reader = Staff::open_read_only(&path).expect("read-only");
    assert_eq!(reader.list().expect("list"), accounts);
    assert_eq!(reader.recent_sign_ins(10).expect("audit").len(), 2);
    drop(reader);
    let mut reader = Staff::open_read_only(&path).expect("read-only");
    let e = reader
        .add("new", "赵磊", Role::Clerk, "560318", t0())
        .expect_err("read-only");
    assert_eq!(e.code(), "staff.storage");
    drop(reader);

    // Only PHC strings: neither PIN appears anywhere in the file or its WAL.
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let hashes: Vec<String> = conn
        .prepare("SELECT pin_hash FROM accounts ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(hashes.len(), 2);
    for h in &hashes {
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    }
    assert_ne!(hashes[0], hashes[1]);
    drop(conn);
    for file in [path.clone(), path.with_extension("sqlite-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for pin in ["482913", "731904"] {
            assert!(
                !bytes.windows(pin.len()).any(|w| w == pin.as_bytes()),
                "{pin} found in {}",
                file.display()
            );
        }
    }
}

#[test]
fn a_file_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("staff.sqlite");
    drop(Staff::open(&path).expect("create"));
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.pragma_update(None, "user_version", 99)
        .expect("set version");
    drop(conn);
    for result in [Staff::open(&path), Staff::open_read_only(&path)] {
        let e = result.expect_err("refused");
        assert!(
            matches!(
                e,
                StaffError::TooNew { found: 99, supported }
                    if supported == countersign_staff::SCHEMA_VERSION
            ),
            "{e}"
        );
        assert_eq!(e.code(), "staff.too_new");
    }
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 99);

    // Neither is a file that holds no staff schema read as one, nor a missing file created.
    let e = Staff::open_read_only(dir.path().join("missing.sqlite")).expect_err("missing");
    assert_eq!(e.code(), "staff.storage");
    assert!(!dir.path().join("missing.sqlite").exists());
}

#[test]
fn a_national_profile_hall_stores_pins_as_pbkdf2_hmac_sm3_and_old_pins_still_sign_in() {
    let (_dir, path, staff) = hall();
    drop(staff);
    // The province moves to the national profile: PINs set from now on are PBKDF2-HMAC-SM3.
    let mut staff = Staff::open(&path)
        .expect("reopen")
        .with_profile(countersign_crypto::Profile::Guomi);
    staff
        .add("clerk-008", "赵磊", Role::Clerk, "560318", t0())
        .expect("add under guomi");
    staff
        .set_pin("sup-1", "902817", t0())
        .expect("reset under guomi");
    let at = t0() + minutes(1);
    staff
        .sign_in("clerk-008", "560318", Role::Clerk, at)
        .expect("the new PIN");
    staff
        .sign_in("sup-1", "902817", Role::Supervisor, at)
        .expect("the reset PIN");
    // A PIN set under the standard profile still signs in.
    staff
        .sign_in("clerk-007", "482913", Role::Clerk, at)
        .expect("the old PIN");
    assert!(is_wrong(staff.sign_in(
        "clerk-008",
        "560319",
        Role::Clerk,
        at
    )));
    drop(staff);

    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let hash = |id: &str| -> String {
        conn.query_row("SELECT pin_hash FROM accounts WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .expect("hash")
    };
    assert!(hash("clerk-008").starts_with("$pbkdf2-sm3$i=100000$"));
    assert!(hash("sup-1").starts_with("$pbkdf2-sm3$i=100000$"));
    assert!(hash("clerk-007").starts_with("$argon2id$"));
    // And back under the standard profile, the SM3 PINs still sign in.
    let mut staff = Staff::open(&path).expect("reopen");
    staff
        .sign_in("clerk-008", "560318", Role::Clerk, at)
        .expect("an SM3 PIN under the standard profile");
}
