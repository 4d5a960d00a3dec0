//! Crash safety: a child process appends entries and prints each acknowledged sequence number;
//! it is killed with SIGKILL at varied moments, many times. Afterwards every acknowledged entry
//! is present, intact, and the chain verifies.

use chrono::{DateTime, Utc};
use countersign_log::{Log, NewEntry};
use countersign_vocab::{Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CHILD: &str = "COUNTERSIGN_LOG_CRASH_CHILD";

fn entry(n: u64) -> NewEntry {
    NewEntry {
        at: DateTime::<Utc>::from_timestamp(1_795_000_000 + n as i64, 0).expect("time"),
        hall: "BJ-CY-01".into(),
        counter: "2".into(),
        clerk: "clerk-007".into(),
        channel: Channel::Scanner,
        credential_type: Some("ResidencePermitCredential".into()),
        issuer: None,
        issuer_name: None,
        leaf: Some(CredentialHash([(n % 251) as u8; 32])),
        verdict: Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: None,
        receipt: None,
        personal: BTreeMap::from([("name".to_string(), format!("张*{n}"))]),
    }
}

/// The child's side: only does anything when started by the crash test below.
#[test]
fn child_writer_for_the_crash_test() {
    let Ok(path) = std::env::var(CHILD) else {
        return;
    };
    let mut log = Log::open(&path).expect("open");
    let mut n = log.len().expect("len");
    loop {
        n += 1;
        let written = log.append(&entry(n)).expect("append");
        // Printed only after append returned: this is the acknowledgement the clerk would see.
        println!("ack {}", written.seq);
    }
}

#[test]
fn acknowledged_entries_survive_sigkill_at_any_moment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let exe = std::env::current_exe().expect("own path");
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut acknowledged = 0u64;
    for round in 0..25 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_writer_for_the_crash_test",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(seq) = line
                    .strip_prefix("ack ")
                    .and_then(|s| s.parse::<u64>().ok())
                {
                    let _ = tx.send(seq);
                }
            }
        });
        // Wait for a first acknowledgement, then a varied while (xorshift), then SIGKILL.
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the child writes");
        acknowledged = acknowledged.max(first);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(seed % 150));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let _ = reader.join();
        acknowledged = acknowledged.max(rx.try_iter().max().unwrap_or(0));

        let log = Log::open(&path).expect("reopen after the kill");
        let integrity = log.verify().expect("verify");
        assert!(
            integrity.is_intact(),
            "round {round}: {:?}",
            integrity.findings
        );
        let len = log.len().expect("len");
        assert!(
            len >= acknowledged,
            "round {round}: {len} entries, {acknowledged} acknowledged"
        );
        for seq in [1, acknowledged / 2 + 1, acknowledged] {
            let e = log
                .entry(seq)
                .expect("read")
                .expect("acknowledged entry present");
            assert_eq!(e.entry, entry(seq), "round {round}, entry {seq}");
        }
    }
    eprintln!("{acknowledged} entries acknowledged over 25 kills");
    assert!(acknowledged >= 25, "{acknowledged}");
}
