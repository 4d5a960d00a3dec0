//! The hall's side of the national profile (国密) through the `countersign` binary, on real
//! files: an SM2 hall key (`log keygen --profile guomi`) closes and checkpoints a log the CLI
//! wrote, signs a receipt; `log verify` and `receipt verify` accept them only where `--accept`
//! names the national profile, and say so in words when it does not.

use countersign_crypto::{HashAlg, PublicKey, SigAlg};
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
        .env_remove("COUNTERSIGN_ACCEPT")
        .env_remove("COUNTERSIGN_HALL_KEY")
        .env("COUNTERSIGN_HALL", "BJ-CY-01")
        .env("COUNTERSIGN_CLERK", "clerk-007")
        .env("COUNTERSIGN_COUNTER", "3")
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

#[test]
fn an_sm2_hall_key_signs_the_log_and_receipts_that_verify_where_accepted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("hall.sqlite");
    for (sample, at) in [
        ("valid-diploma.cs1.txt", "2026-11-24T09:00:00+08:00"),
        (
            "expired-residence-permit.cs1.txt",
            "2026-11-24T09:30:00+08:00",
        ),
    ] {
        let out = run(&[
            "verify",
            &demo(&format!("samples/{sample}")),
            "--snapshot",
            &demo("registry-snapshot.json"),
            "--at",
            at,
            "--log",
            s(&log),
        ]);
        // VALID exits 0, INVALID 1: either way it is logged.
        let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(said.contains("logged as entry"), "{said}");
    }

    let key = dir.path().join("hall.key.json");
    let out = run(&[
        "log",
        "keygen",
        "--hall",
        "BJ-CY-01",
        "--out",
        s(&key),
        "--profile",
        "guomi",
    ]);
    let public = ok(&out).trim().to_string();
    assert_eq!(public.len(), 66, "a compressed SM2 key: {public}");
    let key_bytes = hex::decode(&public).expect("hex");
    let parsed = PublicKey::from_bytes(SigAlg::Sm2, &key_bytes).expect("an SM2 key");
    // What the registry is told: the SM3 hash of the key.
    let registry_key = hex::encode(HashAlg::Sm3.digest(&key_bytes));
    assert_eq!(registry_key, hex::encode(parsed.registry_key()));
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!("register-station --key {registry_key}")),
        "{said}"
    );

    let closed = run(&[
        "log",
        "close-day",
        "--log",
        s(&log),
        "--date",
        "2026-11-24",
        "--hall-key",
        s(&key),
    ]);
    ok(&closed);
    assert!(text(&closed.stderr).contains("signed with sm2 key"));
    let note = ok(&run(&[
        "log",
        "checkpoint",
        "--log",
        s(&log),
        "--hall-key",
        s(&key),
    ]));
    // The CLI's log is a SHA-256 log (the standard profile made it): its origin says so,
    // whatever key signs.
    assert!(note.starts_with("countersign/hall/BJ-CY-01\n"), "{note}");

    // Checked as a standard-profile hall: the SM2 signatures are not accepted, in words.
    let refused = run(&["log", "verify", "--log", s(&log), "--trust", &public]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    let said = text(&refused.stdout);
    assert!(
        said.contains("signed with sm2, which the hall's policy does not accept"),
        "{said}"
    );
    // As a national-profile hall: intact, and the JSON names the log's hash.
    let accepted = ok(&run(&[
        "log",
        "verify",
        "--log",
        s(&log),
        "--trust",
        s(&key),
        "--accept",
        "guomi",
        "--json",
    ]));
    let value: serde_json::Value = serde_json::from_str(&accepted).expect("json");
    assert_eq!(value["intact"], true, "{accepted}");
    assert_eq!(value["hash"], "sha-256");
    assert_eq!(value["checkpointProblems"], serde_json::json!([]));

    // A receipt signed with the SM2 key.
    let payload = ok(&run(&[
        "receipt",
        "show",
        "--log",
        s(&log),
        "--seq",
        "1",
        "--hall-key",
        s(&key),
    ]))
    .trim()
    .to_string();
    assert!(payload.starts_with("CSR1:"));
    let trust = format!("BJ-CY-01={public}");
    let refused = run(&["receipt", "verify", &payload, "--trust", &trust]);
    assert_eq!(refused.status.code(), Some(1));
    let said = text(&refused.stdout);
    assert!(
        said.contains("NOT GENUINE") && said.contains("sm2 is not allowed"),
        "{said}"
    );
    let genuine = ok(&run(&[
        "receipt",
        "verify",
        &payload,
        "--trust",
        &trust,
        "--accept",
        "guomi,standard",
        "--log",
        s(&log),
        "--json",
    ]));
    let value: serde_json::Value = serde_json::from_str(&genuine).expect("json");
    assert_eq!(value["finding"], "genuine", "{genuine}");
    assert_eq!(value["algorithm"], "sm2");
    assert_eq!(value["key"], public.as_str());
    assert_eq!(value["recorded"]["state"], "in-checkpoint", "{genuine}");
}
