//! `countersign doctor` on a real counter setup: a registry on a real anvil node, the hall's
//! log, mirror, staff file and print queue made by the CLI itself, a loopback ESC/POS printer,
//! a serial scanner port and a camera device; healthy first (exit 0), then a stale mirror
//! (warning, or failure when the hall is fail-closed), the chain stopped (failure with what to
//! do), a damaged log, and a machine with no bundle.

use chrono::{Duration, Utc};
use countersign_chainstate::events::BlockRef;
use countersign_devchain::{Anvil, DEV_KEYS};
use countersign_devprinter::{EscPosListener, StatusBytes};
use countersign_mirror::Mirror;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn demo(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo")
        .join(name);
    s(&path).to_string()
}

fn run(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_countersign"));
    for var in [
        "COUNTERSIGN_RPC",
        "COUNTERSIGN_REGISTRY",
        "COUNTERSIGN_MIRROR",
        "COUNTERSIGN_LOG",
        "COUNTERSIGN_PRINTER",
        "COUNTERSIGN_PRINT_QUEUE",
        "COUNTERSIGN_AUTHORITY",
        "COUNTERSIGN_AUTHORITY_FILE",
        "COUNTERSIGN_BUNDLE",
        "COUNTERSIGN_CONFIG_DIR",
        "COUNTERSIGN_DATA_DIR",
        "COUNTERSIGN_COUNTER",
        "COUNTERSIGN_DEVICE_DIR",
        "COUNTERSIGN_STAFF_DB",
        "COUNTERSIGN_PRIVACY_POLICY",
    ] {
        command.env_remove(var);
    }
    command
        .env("COUNTERSIGN_HALL", "BJ-CY-01")
        .env("COUNTERSIGN_CLERK", "clerk-007")
        .env("COUNTERSIGN_PIN", "482913")
        .args(args)
        .output()
        .expect("countersign runs")
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

/// A counter PC: its folders, its hall's authority key, its devices.
struct Counter {
    dir: tempfile::TempDir,
    authority_key: PathBuf,
}

impl Counter {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let authority_key = dir.path().join("authority.key.json");
        ok(&run(&["provision", "keygen", "--out", s(&authority_key)]));
        for sub in ["etc", "data", "dev"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        Self { dir, authority_key }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn data(&self, name: &str) -> PathBuf {
        self.path("data").join(name)
    }

    /// Creates, signs and applies a bundle of `version` with these settings.
    fn provision(&self, version: u64, sets: &[String]) {
        let draft = self.path(&format!("draft-{version}.json"));
        let version_text = version.to_string();
        let mut args = vec![
            "provision",
            "create",
            "--hall",
            "BJ-CY-01",
            "--name",
            "北京市朝阳区政务服务中心",
            "--version",
            &version_text,
            "--out",
            s(&draft),
        ];
        for set in sets {
            args.push("--set");
            args.push(set);
        }
        ok(&run(&args));
        let bundle = self.path(&format!("hall-{version}.bundle"));
        ok(&run(&[
            "provision",
            "sign",
            "--key",
            s(&self.authority_key),
            s(&draft),
            "--out",
            s(&bundle),
        ]));
        ok(&run(&[
            "provision",
            "apply",
            s(&bundle),
            "--authority",
            s(&self.authority_key),
            "--config-dir",
            s(&self.path("etc")),
            "--data-dir",
            s(&self.path("data")),
        ]));
    }

    /// `countersign doctor --json` on this PC: (exit code, report).
    fn doctor(&self) -> (Option<i32>, Value) {
        let out = run(&[
            "doctor",
            "--json",
            "--config-dir",
            s(&self.path("etc")),
            "--data-dir",
            s(&self.path("data")),
            "--authority",
            s(&self.authority_key),
            "--counter",
            "1",
            "--device-dir",
            s(&self.path("dev")),
            "--timeout-secs",
            "2",
        ]);
        let report: Value = serde_json::from_str(&text(&out.stdout)).unwrap_or_else(|e| {
            panic!(
                "doctor --json printed no JSON ({e}): {}{}",
                text(&out.stdout),
                text(&out.stderr)
            )
        });
        (out.status.code(), report)
    }
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_string(),
                c["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The hall's log with one verification in it, made as a counter makes it.
fn make_log(path: &Path) {
    let out = run(&[
        "verify",
        &demo("samples/revoked-diploma.cs1.txt"),
        "--snapshot",
        &demo("registry-snapshot.json"),
        "--log",
        s(path),
        "--counter",
        "1",
    ]);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("logged as entry 1"), "{said}");
}

/// Replaces the mirror by one of `registry` last synced `hours` ago.
fn stale_mirror(path: &Path, registry: &str, hours: i64) {
    std::fs::remove_file(path).expect("rm mirror");
    let then = Utc::now() - Duration::hours(hours);
    let mut m = Mirror::open(path, &registry.parse().expect("registry")).expect("mirror");
    m.apply(
        &[],
        BlockRef {
            number: 1,
            hash: [1; 32],
            time: then,
        },
    )
    .expect("cursor");
    m.mark_synced(then).expect("synced");
}

#[test]
fn a_healthy_counter_passes_then_a_stale_mirror_warns_or_fails_and_a_stopped_chain_fails() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let url = anvil.url();
    let pc = Counter::new();

    // The registry, deployed by anvil's first development account.
    let gov = pc.path("gov.json");
    let wallet = countersign_chain::Wallet::from_hex(DEV_KEYS[0]).expect("dev key");
    std::fs::write(
        &gov,
        serde_json::json!({
            "type": "countersign-account-key",
            "address": format!("{:?}", wallet.address()),
            "privateKey": DEV_KEYS[0],
        })
        .to_string(),
    )
    .expect("account file");
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

    // The hall's files, made by the CLI as the app would make them.
    let printer = EscPosListener::start(StatusBytes::READY).expect("printer");
    make_log(&pc.data("verification-log.sqlite"));
    ok(&run(&[
        "chain",
        "sync",
        "--rpc",
        &url,
        "--registry",
        &registry,
        "--mirror",
        s(&pc.data("registry-mirror.sqlite")),
    ]));
    ok(&run(&[
        "staff",
        "add",
        "--db",
        s(&pc.data("staff.sqlite")),
        "--id",
        "clerk-007",
        "--name",
        "王芳",
        "--role",
        "clerk",
    ]));
    ok(&run(&[
        "printer",
        "test",
        "--printer",
        &printer.address(),
        "--queue",
        s(&pc.data("print-queue.sqlite")),
        "--hall",
        "BJ-CY-01",
    ]));
    // A serial scanner's port and a camera.
    let port = pc.path("dev/ttyACM0");
    std::fs::write(&port, b"").expect("port");
    std::fs::write(pc.path("dev/video0"), b"").expect("camera");

    let base = vec![
        format!("chain.endpoints={url}"),
        "chain.chainId=31337".to_string(),
        format!("chain.registry={registry}"),
        format!(
            r#"printers=[{{"counter": "1", "address": "{}", "paper": "80mm"}}]"#,
            printer.address()
        ),
        format!(
            r#"scanner={{"mode": "serial", "port": "{}", "baud": 9600}}"#,
            s(&port)
        ),
    ];
    pc.provision(1, &base);

    let (code, report) = pc.doctor();
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["status"], "ok");
    let ids: Vec<String> = statuses(&report).into_iter().map(|(id, _)| id).collect();
    for id in [
        "bundle",
        "disk",
        "diagnostics",
        "sqlite.log",
        "sqlite.mirror",
        "sqlite.staff",
        "sqlite.print-queue",
        "log.chain",
        "profile",
        "chain.endpoint.1",
        "chain.agreement",
        "clock",
        "mirror.age",
        "printer",
        "scanner",
        "camera",
    ] {
        assert!(ids.contains(&id.to_string()), "{id} missing: {ids:?}");
    }
    assert!(check(&report, "bundle")["detail"]
        .as_str()
        .unwrap_or("")
        .contains("bundle version 1"));
    assert!(check(&report, "log.chain")["detail"]
        .as_str()
        .unwrap_or("")
        .contains("1 entries, hash chains and tree (1 leaves) intact"));
    assert_eq!(check(&report, "printer")["action"], Value::Null);
    // The node proves its answers, and the one node agrees with itself.
    assert!(check(&report, "chain.endpoint.1")["detail"]
        .as_str()
        .unwrap_or("")
        .ends_with("answers proved"));
    assert!(check(&report, "chain.agreement")["detail"]
        .as_str()
        .unwrap_or("")
        .starts_with("1 of 1 nodes agree on block"));

    // The text form: one line per check, then the overall line.
    let out = run(&[
        "doctor",
        "--config-dir",
        s(&pc.path("etc")),
        "--data-dir",
        s(&pc.path("data")),
        "--counter",
        "1",
        "--device-dir",
        s(&pc.path("dev")),
    ]);
    let said = ok(&out);
    assert!(
        said.lines()
            .any(|l| l.starts_with("ok    chain.endpoint.1")),
        "{said}"
    );
    assert!(
        said.trim_end().ends_with("0 warning(s), 0 failure(s))"),
        "{said}"
    );

    // The mirror two days stale: a warning under the default policy (exit 1)…
    let mirror = pc.data("registry-mirror.sqlite");
    stale_mirror(&mirror, &registry, 48);
    let (code, report) = pc.doctor();
    assert_eq!(code, Some(1), "{report:#}");
    let age = check(&report, "mirror.age");
    assert_eq!(age["status"], "warn", "{age:#}");
    assert!(
        age["detail"].as_str().unwrap_or("").contains("2 days ago"),
        "{age:#}"
    );
    assert!(
        age["action"]
            .as_str()
            .unwrap_or("")
            .contains("countersign chain sync"),
        "{age:#}"
    );
    // …and a failure once the hall is provisioned fail-closed (exit 2).
    let mut closed = base.clone();
    closed.push("policies.failClosed=true".into());
    pc.provision(2, &closed);
    let (code, report) = pc.doctor();
    assert_eq!(code, Some(2), "{report:#}");
    let age = check(&report, "mirror.age");
    assert_eq!(age["status"], "fail", "{age:#}");
    assert!(
        age["detail"]
            .as_str()
            .unwrap_or("")
            .contains("CANNOT CONFIRM"),
        "{age:#}"
    );
    let failing: Vec<_> = statuses(&report)
        .into_iter()
        .filter(|(_, st)| st != "ok")
        .collect();
    assert_eq!(failing, [("mirror.age".to_string(), "fail".to_string())]);

    // A bundle naming the wrong hash for this chain (sm3 for anvil's keccak256): the endpoint
    // fails naming the hash and what to ask for, not as an unreachable node.
    let mut wrong_hash = closed.clone();
    wrong_hash.push("chain.hash=\"sm3\"".into());
    // The province moves to the national profile meanwhile: the log, made under the standard
    // one, keeps SHA-256 and is said to (a note, not a warning).
    wrong_hash.push(r#"crypto={"profile": "guomi", "accept": ["standard"]}"#.into());
    pc.provision(3, &wrong_hash);
    let (code, report) = pc.doctor();
    assert_eq!(code, Some(2), "{report:#}");
    let endpoint = check(&report, "chain.endpoint.1");
    assert_eq!(endpoint["status"], "fail", "{endpoint:#}");
    assert!(
        endpoint["detail"]
            .as_str()
            .unwrap_or("")
            .contains("the chain's hash is keccak256, not sm3"),
        "{endpoint:#}"
    );
    assert!(
        endpoint["action"]
            .as_str()
            .unwrap_or("")
            .contains("chain.hash"),
        "{endpoint:#}"
    );
    let profile = check(&report, "profile");
    assert_eq!(profile["status"], "ok", "{profile:#}");
    assert!(
        profile["detail"]
            .as_str()
            .unwrap_or("")
            .contains("hashes with sha-256, not with sm3"),
        "{profile:#}"
    );
    pc.provision(4, &closed);

    // The chain stopped: its endpoint fails with what to do, and no clock is read.
    anvil.stop();
    let (code, report) = pc.doctor();
    assert_eq!(code, Some(2), "{report:#}");
    let endpoint = check(&report, "chain.endpoint.1");
    assert_eq!(endpoint["status"], "fail", "{endpoint:#}");
    assert!(
        endpoint["detail"].as_str().unwrap_or("").contains(&url),
        "{endpoint:#}"
    );
    assert!(
        endpoint["action"]
            .as_str()
            .unwrap_or("")
            .contains("no chain node answers"),
        "{endpoint:#}"
    );
    assert!(statuses(&report).iter().all(|(id, _)| id != "clock"));
    drop(printer);
}

#[test]
fn a_damaged_log_fails_its_integrity_check_and_a_machine_without_a_bundle_fails() {
    let pc = Counter::new();
    // No bundle applied: the bundle check fails and the checks that need one are not run.
    let (code, report) = pc.doctor();
    assert_eq!(code, Some(2), "{report:#}");
    let bundle = check(&report, "bundle");
    assert_eq!(bundle["status"], "fail");
    assert!(bundle["detail"]
        .as_str()
        .unwrap_or("")
        .contains("no hall bundle is applied"));
    assert!(bundle["action"]
        .as_str()
        .unwrap_or("")
        .contains("countersign provision apply"));
    assert!(statuses(&report)
        .iter()
        .all(|(id, _)| !id.starts_with("chain.")));

    // A bundle (its node is a closed loopback port) and a log with garbage in its middle.
    pc.provision(
        1,
        &[
            "chain.endpoints=http://127.0.0.1:9".to_string(),
            "chain.chainId=31337".to_string(),
            "chain.registry=eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3".to_string(),
            "printers=[]".to_string(),
        ],
    );
    let log = pc.data("verification-log.sqlite");
    make_log(&log);
    let (_, report) = pc.doctor();
    assert_eq!(check(&report, "sqlite.log")["status"], "ok");
    assert_eq!(check(&report, "log.chain")["status"], "ok");
    // No camera in this PC's device folder: a warning, not a failure.
    assert_eq!(check(&report, "camera")["status"], "warn");

    let mut bytes = std::fs::read(&log).expect("log");
    let middle = bytes.len() / 2;
    let end = (middle + 4096).min(bytes.len());
    for b in &mut bytes[middle..end] {
        *b = 0xA5;
    }
    std::fs::write(&log, &bytes).expect("damage the log");
    let (code, report) = pc.doctor();
    assert_eq!(code, Some(2), "{report:#}");
    let integrity = check(&report, "sqlite.log");
    assert_eq!(integrity["status"], "fail", "{integrity:#}");
    assert!(
        integrity["action"]
            .as_str()
            .unwrap_or("")
            .contains("as evidence"),
        "{integrity:#}"
    );
    // A damaged file's hash chain is not walked.
    assert!(statuses(&report).iter().all(|(id, _)| id != "log.chain"));

    // A bad argument is a usage error.
    let out = run(&["doctor", "--timeout-secs", "soon"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

/// The log against the newest checkpoint this PC anchored (read with a storage proof): it
/// matches, then the file is rolled back to an older copy and the check fails, saying so.
#[test]
fn a_log_rolled_back_under_its_anchored_checkpoint_fails_the_health_check() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let url = anvil.url();
    let pc = Counter::new();
    let account = |name: &str, key: &str| {
        let path = pc.path(name);
        let wallet = countersign_chain::Wallet::from_hex(key).expect("dev key");
        std::fs::write(
            &path,
            serde_json::json!({
                "type": "countersign-account-key",
                "address": format!("{:?}", wallet.address()),
                "privateKey": key,
            })
            .to_string(),
        )
        .expect("account file");
        (path, format!("{:?}", wallet.address()))
    };
    let (gov, _) = account("gov.json", DEV_KEYS[0]);
    let (station, station_address) = account("station.json", DEV_KEYS[2]);
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
    let hall_key = pc.data("hall.key.json");
    let public = ok(&run(&[
        "log",
        "keygen",
        "--hall",
        "BJ-CY-01",
        "--out",
        s(&hall_key),
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
        &station_address,
        "--name",
        "北京市朝阳区政务服务中心",
    ]));
    let log = pc.data("verification-log.sqlite");
    make_log(&log);
    let copy = pc.path("log-copy.sqlite");
    std::fs::copy(&log, &copy).expect("copy");
    let second = run(&[
        "verify",
        &demo("samples/valid-diploma.cs1.txt"),
        "--snapshot",
        &demo("registry-snapshot.json"),
        "--log",
        s(&log),
        "--counter",
        "1",
    ]);
    assert!(
        text(&second.stderr).contains("logged as entry 2")
            || text(&second.stdout).contains("logged as entry 2")
    );
    ok(&run(&[
        "log",
        "checkpoint",
        "--log",
        s(&log),
        "--hall-key",
        s(&hall_key),
        "--account-key",
        s(&station),
        "--rpc",
        &url,
        "--registry",
        &registry,
    ]));
    pc.provision(
        1,
        &[
            format!("chain.endpoints={url}"),
            "chain.chainId=31337".to_string(),
            format!("chain.registry={registry}"),
        ],
    );
    let (_, report) = pc.doctor();
    let anchored = check(&report, "log.anchored");
    assert_eq!(anchored["status"], "ok", "{anchored:#}");
    assert!(
        anchored["detail"]
            .as_str()
            .unwrap_or("")
            .contains("(2 of 2 leaves"),
        "{anchored:#}"
    );

    // Rolled back to the copy made before the second verification.
    std::fs::copy(&copy, &log).expect("roll back");
    let (code, report) = pc.doctor();
    assert_eq!(code, Some(2), "{report:#}");
    let anchored = check(&report, "log.anchored");
    assert_eq!(anchored["status"], "fail", "{anchored:#}");
    assert!(
        anchored["detail"]
            .as_str()
            .unwrap_or("")
            .contains("rolled back"),
        "{anchored:#}"
    );
    assert_eq!(
        check(&report, "log.chain")["status"],
        "ok",
        "the copy is whole on its own"
    );
    anvil.stop();
}
