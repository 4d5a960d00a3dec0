//! The `countersign` binary against a real anvil node: deploy, register, issue --anchor, verify
//! online, sync the mirror, verify from the mirror with the node stopped, revoke, suspend, and
//! the refusals (wrong chain, wrong account).

mod world;

use std::process::Command;
use world::*;

#[test]
fn issue_anchor_then_verify_online_and_from_the_mirror_with_the_node_stopped() {
    let mut w = World::new();
    ok(&w.issue("batch", 1));
    let credential = w.path("batch/0001.json");

    let out = w.verify(&credential, &w.online());
    let stdout = ok(&out);
    assert!(stdout.starts_with("VALID"), "{stdout}");
    assert!(
        stdout.contains(&format!("(online, one node: {})", w.url)),
        "{stdout}"
    );
    assert!(stdout.contains("anchor      pass"), "{stdout}");

    let mirror = w.path("hall-mirror.sqlite");
    let synced = ok(&run(&[
        "chain",
        "sync",
        "--rpc",
        &w.url,
        "--registry",
        &w.registry,
        "--mirror",
        s(&mirror),
    ]));
    assert!(
        synced.contains("mirror holds 1 issuers, 1 anchored roots, 0 revocations"),
        "{synced}"
    );

    let status = ok(&run(&[
        "chain",
        "status",
        "--rpc",
        &w.url,
        "--registry",
        &w.registry,
        "--mirror",
        s(&mirror),
    ]));
    assert!(status.contains("issuers     1"), "{status}");
    assert!(status.contains("1 anchored roots"), "{status}");

    // The node goes away: the mirror answers, and says so.
    if let Some(anvil) = w.anvil.take() {
        anvil.stop();
    }
    let out = w.verify(&credential, &["--rpc", &w.url, "--mirror", s(&mirror)]);
    let stdout = ok(&out);
    assert!(stdout.starts_with("VALID"), "{stdout}");
    assert!(stdout.contains("(offline mirror, last synced "), "{stdout}");
    assert!(
        text(&out.stderr).contains("chain unreachable, verified against the hall's mirror"),
        "{}",
        text(&out.stderr)
    );

    // No node and no mirror: amber, never red.
    let out = w.verify(&credential, &["--rpc", &w.url]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("UNVERIFIABLE"));

    let status = run(&[
        "chain",
        "status",
        "--rpc",
        &w.url,
        "--registry",
        &w.registry,
    ]);
    assert_eq!(status.status.code(), Some(2));
    assert!(
        text(&status.stdout).contains("node        unreachable"),
        "{}",
        text(&status.stdout)
    );
}

#[test]
fn revoking_a_credential_and_then_its_batch() {
    let w = World::new();
    ok(&w.issue("batch", 1));
    let revoked = ok(&run(&[
        "revoke",
        "--rpc",
        &w.url,
        "--account-key",
        s(&w.path("account1.json")),
        "--credential",
        s(&w.path("batch/0002.json")),
        "--reason",
        "withdrawn",
    ]));
    assert_eq!(revoked.trim().len(), 64);

    let out = w.verify(&w.path("batch/0002.json"), &w.online());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("the credential was revoked"), "{stdout}");
    assert!(stdout.contains("reason: withdrawn"), "{stdout}");
    // Its batch mates are untouched.
    assert!(ok(&w.verify(&w.path("batch/0001.json"), &w.online())).starts_with("VALID"));

    ok(&run(&[
        "revoke",
        "--rpc",
        &w.url,
        "--account-key",
        s(&w.path("account1.json")),
        "--batch",
        s(&w.path("batch/batch.json")),
        "--reason",
        "issued-in-error",
    ]));
    let out = w.verify(&w.path("batch/0001.json"), &w.online());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("its whole batch was revoked"),
        "{}",
        text(&out.stdout)
    );

    // The mirror reaches the same verdicts from the events alone.
    let mirror = w.path("m.sqlite");
    ok(&run(&[
        "chain",
        "sync",
        "--rpc",
        &w.url,
        "--registry",
        &w.registry,
        "--mirror",
        s(&mirror),
    ]));
    for stem in ["0001", "0002", "0003"] {
        let out = w.verify(
            &w.path(&format!("batch/{stem}.json")),
            &["--mirror", s(&mirror)],
        );
        assert_eq!(out.status.code(), Some(1), "{stem}: {}", text(&out.stdout));
        assert!(text(&out.stdout).contains("(offline mirror, last synced "));
    }
}

#[test]
fn a_suspended_issuer_cannot_anchor_and_its_later_batches_fail() {
    let w = World::new();
    ok(&w.issue("before", 1));
    let did = text(
        &run(&[
            "chain",
            "status",
            "--rpc",
            &w.url,
            "--registry",
            &w.registry,
        ])
        .stdout,
    );
    assert!(did.contains("issuers     1"));
    let issuer = serde_json::from_slice::<serde_json::Value>(
        &std::fs::read(&w.issuer_key).expect("key file"),
    )
    .expect("json")["did"]
        .as_str()
        .expect("did")
        .to_string();
    ok(&run(&[
        "chain",
        "issuer-status",
        "--rpc",
        &w.url,
        "--registry",
        &w.registry,
        "--account-key",
        s(&w.path("account0.json")),
        "--issuer",
        &issuer,
        "--status",
        "suspended",
    ]));
    let out = w.issue("after", 1);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("is suspended and may not anchor"),
        "{stderr}"
    );
    assert!(stderr.contains("are NOT anchored yet"), "{stderr}");

    // Anchored before the suspension: verifies with a warning. Never anchored: INVALID.
    w.advance_chain();
    let out = w.verify(&w.path("before/0001.json"), &w.online());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("suspended since"), "{stdout}");
    let out = w.verify(&w.path("after/0001.json"), &w.online());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("is not anchored on the registry"));
}

#[test]
fn anchoring_from_an_account_that_is_not_the_issuers_is_refused() {
    let w = World::new();
    let out = w.issue("batch", 2);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("anchors from 0x70997970"), "{stderr}");
    // Until the chain moves past the credential's signing time, a missing anchor may just be
    // pending (amber); once it has, missing is missing (red).
    let out = w.verify(&w.path("batch/0001.json"), &w.online());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    w.advance_chain();
    let out = w.verify(&w.path("batch/0001.json"), &w.online());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("is not anchored on the registry"));
}

#[test]
fn governance_registers_a_verifier_station_and_changes_its_status() {
    let w = World::new();
    let key = "0x".to_string() + &"ab".repeat(32);
    let gov = w.path("account0.json");
    let governance = |extra: &[&str]| {
        // extra: the subcommand, then its own arguments.
        let mut args = vec![
            "chain",
            extra[0],
            "--rpc",
            &w.url,
            "--registry",
            &w.registry,
            "--account-key",
            s(&gov),
        ];
        args.extend_from_slice(&extra[1..]);
        run(&args)
    };
    let stdout = ok(&governance(&[
        "register-station",
        "--key",
        &key,
        "--account",
        &address(2),
        "--name",
        "某区政务服务中心",
    ]));
    assert_eq!(stdout.trim(), key);
    // Without 0x and without an account: a hall that only signs receipts.
    ok(&governance(&[
        "register-station",
        "--key",
        &"cd".repeat(32),
        "--name",
        "某镇便民服务站",
    ]));
    // The issuer's account is not given to a station; the refusal is in words, exit 3.
    let out = governance(&[
        "register-station",
        "--key",
        &"ef".repeat(32),
        "--account",
        &address(1),
        "--name",
        "冒名",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("already belongs to an issuer or a verifier station"),
        "{}",
        text(&out.stderr)
    );
    // A key that is not 64 hex digits never reaches the chain.
    let out = governance(&["register-station", "--key", "abcd", "--name", "x"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("give its 64 hex digits"),
        "{}",
        text(&out.stderr)
    );

    ok(&governance(&[
        "station-status",
        "--key",
        &key,
        "--status",
        "retired",
    ]));
    let out = governance(&["station-status", "--key", &key, "--status", "active"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("is retired"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_node_on_another_chain_or_a_wrong_registry_address_is_a_configuration_error() {
    let w = World::new();
    ok(&w.issue("batch", 1));
    let credential = w.path("batch/0001.json");
    for (registry, expected) in [
        (
            "eip155:1:0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "is on chain 31337, but the registry is on chain 1",
        ),
        (
            "eip155:31337:0x00000000000000000000000000000000000000aa",
            "there is no contract at",
        ),
    ] {
        let out = run(&[
            "verify",
            s(&credential),
            "--rpc",
            &w.url,
            "--registry",
            registry,
        ]);
        assert_eq!(out.status.code(), Some(3));
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn sync_follow_keeps_the_mirror_current_until_interrupted() {
    let w = World::new();
    let mirror = w.path("followed.sqlite");
    let mut child = bin()
        .env_remove("COUNTERSIGN_RPC")
        .args([
            "chain",
            "sync",
            "--follow",
            "--interval",
            "1",
            "--rpc",
            &w.url,
            "--registry",
            &w.registry,
            "--mirror",
            s(&mirror),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("follower starts");
    // Anchored while the follower runs: it reaches the mirror within a few rounds.
    ok(&w.issue("batch", 1));
    let started = std::time::Instant::now();
    let credential = w.path("batch/0001.json");
    let mut verdict = None;
    while started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let out = w.verify(&credential, &["--mirror", s(&mirror)]);
        if out.status.code() == Some(0) {
            verdict = Some(text(&out.stdout));
            break;
        }
    }
    // Interrupted like a terminal's Ctrl-C: it stops cleanly.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().expect("follower exits");
    let verdict = verdict.expect("the follower synced the new anchor within 30 s");
    assert!(verdict.contains("offline mirror"), "{verdict}");
    assert!(status.success(), "{status:?}");
}
