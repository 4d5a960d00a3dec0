//! The `countersign` binary end to end: keygen, issue from CSV and JSON, verify with every
//! exit code, and the committed demo assets being exactly what `countersign demo` writes.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("countersign runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn keygen_writes_a_private_key_file_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("issuer.key.json");
    let out = run(&["keygen", "--out", s(&key), "--name", "测试发证机关"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let did = text(&out.stdout);
    assert!(did.trim().starts_with("did:key:z6Mk"), "printed {did:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("key file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "key file mode {mode:o}");
    }
    let again = run(&["keygen", "--out", s(&key), "--name", "x"]);
    assert_eq!(again.status.code(), Some(1), "overwrite must fail");
    assert!(
        text(&again.stderr).contains("cannot create key file"),
        "{}",
        text(&again.stderr)
    );
}

/// A snapshot in which `batch.json`'s root is anchored by its registered issuer.
fn snapshot_for(batch_dir: &Path, types: &[&str]) -> PathBuf {
    let batch: Value =
        serde_json::from_slice(&std::fs::read(batch_dir.join("batch.json")).expect("batch.json"))
            .expect("batch.json is JSON");
    let snapshot = json!({
        "registry": if batch["registry"].is_null() { json!(REGISTRY) } else { batch["registry"].clone() },
        "block": 50,
        "blockTime": "2026-11-20T10:00:00Z",
        "issuers": [{
            "did": batch["issuer"], "name": batch["issuerName"],
            "account": "0x1111111111111111111111111111111111111111",
            "credentialTypes": types,
            "history": [{"status": "active", "at": "2026-11-01T00:00:00Z", "block": 1}],
        }],
        "anchors": [{
            "root": batch["root"], "issuer": batch["issuer"],
            "account": "0x1111111111111111111111111111111111111111",
            "block": 40, "at": "2026-11-20T09:00:00Z",
        }],
    });
    let path = batch_dir.join("snapshot.json");
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&snapshot).expect("serialises"),
    )
    .expect("write snapshot");
    path
}

const REGISTRY: &str = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";

#[test]
fn issue_from_csv_then_verify_every_credential() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("school.key.json");
    assert!(run(&["keygen", "--out", s(&key), "--name", "京华大学"])
        .status
        .success());
    let csv = dir.path().join("graduates.csv");
    // Excel's byte-order mark, a blank optional cell, per-row validUntil.
    std::fs::write(
        &csv,
        "\u{feff}name,idNumber,school,major,level,studyMode,graduationDate,validUntil\n\
         刘洋,110108199803120018,京华大学,计算机科学与技术,本科,全日制,2020-06-30,\n\
         陈静,320583199707210022,京华大学,临床医学,硕士研究生,,2022-06-30,2036-06-30\n",
    )
    .expect("write csv");
    let out_dir = dir.path().join("out");
    let out = run(&[
        "issue",
        "--key",
        s(&key),
        "--input",
        s(&csv),
        "--out",
        s(&out_dir),
        "--type",
        "DiplomaCredential",
        "--registry",
        REGISTRY,
        "--created",
        "2026-11-20T08:00:00Z",
        "--valid-from",
        "2026-11-20",
    ]);
    assert!(out.status.success(), "issue failed: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim().len(), 64, "prints the batch root");
    let snapshot = snapshot_for(&out_dir, &["DiplomaCredential"]);
    for stem in ["0001", "0002"] {
        for ext in ["json", "cs1.txt", "png"] {
            let file = out_dir.join(format!("{stem}.{ext}"));
            let v = run(&[
                "verify",
                s(&file),
                "--snapshot",
                s(&snapshot),
                "--at",
                "2026-11-21T09:00:00Z",
            ]);
            assert_eq!(
                v.status.code(),
                Some(0),
                "{stem}.{ext}: {}{}",
                text(&v.stdout),
                text(&v.stderr)
            );
            assert!(text(&v.stdout).starts_with("VALID"), "{}", text(&v.stdout));
        }
    }
    // Masked by default, revealed on request.
    let masked = text(
        &run(&[
            "verify",
            s(&out_dir.join("0001.json")),
            "--snapshot",
            s(&snapshot),
            "--at",
            "2026-11-21T09:00:00Z",
        ])
        .stdout,
    );
    assert!(masked.contains("110108********0018"), "{masked}");
    let revealed = text(
        &run(&[
            "verify",
            s(&out_dir.join("0001.json")),
            "--reveal",
            "--snapshot",
            s(&snapshot),
            "--at",
            "2026-11-21T09:00:00Z",
        ])
        .stdout,
    );
    assert!(revealed.contains("110108199803120018"), "{revealed}");
    // After validUntil: INVALID, exit 1.
    let late = run(&[
        "verify",
        s(&out_dir.join("0002.json")),
        "--snapshot",
        s(&snapshot),
        "--at",
        "2036-07-01T00:00:00Z",
    ]);
    assert_eq!(late.status.code(), Some(1), "{}", text(&late.stdout));
}

#[test]
fn issue_from_json_and_refuse_bad_rows_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("amr.key.json");
    assert!(run(&[
        "keygen",
        "--out",
        s(&key),
        "--name",
        "北京市朝阳区市场监督管理局"
    ])
    .status
    .success());
    let good = dir.path().join("licences.json");
    std::fs::write(&good, serde_json::to_vec(&json!([{
        "type": "BusinessLicenceCredential",
        "credentialSubject": {
            "companyName": "北京青禾科技有限公司", "unifiedSocialCreditCode": "91350100M000100Y43",
            "legalRepresentative": "王建国", "address": "北京市朝阳区阜通东大街6号", "businessScope": "技术开发"
        },
        "validUntil": "2046-11-19T23:59:59Z"
    }])).expect("json")).expect("write");
    let out_dir = dir.path().join("licences");
    let out = run(&[
        "issue",
        "--key",
        s(&key),
        "--input",
        s(&good),
        "--out",
        s(&out_dir),
        "--no-qr",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out_dir.join("0001.json").is_file() && !out_dir.join("0001.png").exists());
    // No registry: no anchoring proof, so the anchor check fails even with the issuer trusted.
    let snapshot = snapshot_for(&out_dir, &["BusinessLicenceCredential"]);
    let v = run(&[
        "verify",
        s(&out_dir.join("0001.json")),
        "--json",
        "--snapshot",
        s(&snapshot),
    ]);
    let report: Value = serde_json::from_slice(&v.stdout).expect("--json prints JSON");
    assert_eq!(report["verdict"], "INVALID");
    assert_eq!(report["failing"], json!(["anchor"]));

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        serde_json::to_vec(&json!([{
            "companyName": "某公司", "unifiedSocialCreditCode": "91350100M000100Y44",
            "legalRepresentative": "王", "address": "北京", "businessScope": "x"
        }]))
        .expect("json"),
    )
    .expect("write");
    let out = run(&[
        "issue",
        "--key",
        s(&key),
        "--input",
        s(&bad),
        "--out",
        s(&dir.path().join("bad")),
        "--type",
        "BusinessLicenceCredential",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("credential 1") && err.contains("unifiedSocialCreditCode"),
        "{err}"
    );
}

#[test]
fn demo_samples_give_their_documented_verdicts_and_exit_codes() {
    let snapshot = demo().join("registry-snapshot.json");
    for (name, code, verdict) in [
        ("valid-business-licence", 0, "VALID"),
        ("valid-residence-permit", 0, "VALID"),
        ("valid-diploma", 0, "VALID"),
        ("revoked-diploma", 1, "INVALID"),
        ("expired-residence-permit", 1, "INVALID"),
        ("unregistered-issuer-diploma", 1, "INVALID"),
        ("tampered-business-licence", 1, "INVALID"),
    ] {
        for ext in ["png", "cs1.txt", "json"] {
            let file = demo().join(format!("samples/{name}.{ext}"));
            let out = run(&[
                "verify",
                s(&file),
                "--json",
                "--snapshot",
                s(&snapshot),
                "--at",
                "2026-11-02T09:00:00Z",
            ]);
            let report: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{name}.{ext}: {e}: {}", text(&out.stderr)));
            assert_eq!(report["verdict"], verdict, "{name}.{ext}: {report:#}");
            assert_eq!(out.status.code(), Some(code), "{name}.{ext}");
        }
    }
}

#[test]
fn verify_exit_codes_for_unverifiable_and_usage_errors() {
    let sample = demo().join("samples/valid-diploma.cs1.txt");
    // No chain configured: chain checks skipped, UNVERIFIABLE, exit 2.
    let out = run(&["verify", s(&sample), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for check in report["checks"].as_array().expect("checks") {
        if ["issuer", "anchor", "revocation"].contains(&check["id"].as_str().unwrap_or_default()) {
            assert_eq!(check["status"], "skipped", "{check}");
            assert_eq!(check["skipReason"], "not_configured", "{check}");
        }
    }
    // The payload itself as the argument, and through standard input.
    let payload = std::fs::read_to_string(&sample).expect("payload");
    assert_eq!(run(&["verify", payload.trim()]).status.code(), Some(2));
    let mut child = bin()
        .args(["verify", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), payload.as_bytes())
        .expect("write stdin");
    assert_eq!(
        child.wait_with_output().expect("wait").status.code(),
        Some(2)
    );
    // A truncated scan: could not read it, so UNVERIFIABLE (amber), not INVALID.
    let cut = &payload.trim()[..payload.trim().len() / 2];
    let out = run(&["verify", cut, "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["checks"][0]["code"], "format.damaged", "{report:#}");
    assert_eq!(out.status.code(), Some(2));
    // Usage errors: exit 3.
    assert_eq!(run(&["verify"]).status.code(), Some(3));
    assert_eq!(
        run(&["verify", "no-such-file-or-payload"]).status.code(),
        Some(3)
    );
    assert_eq!(
        run(&["verify", s(&sample), "--at", "yesterday"])
            .status
            .code(),
        Some(3)
    );
    let bad_snapshot = run(&["verify", s(&sample), "--snapshot", s(&sample)]);
    assert_eq!(bad_snapshot.status.code(), Some(3));
    assert!(
        text(&bad_snapshot.stderr).contains("valid-diploma.cs1.txt"),
        "{}",
        text(&bad_snapshot.stderr)
    );
    assert_eq!(run(&["--help"]).status.code(), Some(0));
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).expect("under root").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn committed_demo_assets_are_exactly_what_the_demo_command_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh = dir.path().join("demo");
    let out = run(&["demo", "--out", s(&fresh)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (want, have) = (files_under(&fresh), files_under(&demo()));
    assert_eq!(
        want, have,
        "assets/demo lists other files than `countersign demo` writes"
    );
    for f in want {
        assert!(
            std::fs::read(fresh.join(&f)).ok() == std::fs::read(demo().join(&f)).ok(),
            "assets/demo/{} is stale: regenerate with `countersign demo --out assets/demo`",
            f.display()
        );
    }
}
