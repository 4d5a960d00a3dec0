//! `countersign provision …` on real files: the authority's key, a bundle created from the
//! template and signed (with a mirror snapshot), inspected, applied and updated on a "machine"
//! whose folders are temporary; and every refusal, with its exit code (1 refused, 3 usage) and
//! the words that tell IT what to do.

use chrono::{TimeZone, Utc};
use countersign_chainstate::events::BlockRef;
use countersign_mirror::Mirror;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REGISTRY: &str = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary authority office and counter PC: the machine's folders and authority file are
/// all inside `dir`, and no COUNTERSIGN_* setting of the caller leaks in.
struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn config(&self) -> PathBuf {
        self.path("etc")
    }

    fn data(&self) -> PathBuf {
        self.path("data")
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_countersign"));
        for var in [
            "COUNTERSIGN_AUTHORITY",
            "COUNTERSIGN_BUNDLE",
            "COUNTERSIGN_HALL",
            "COUNTERSIGN_CONFIG_DIR",
            "COUNTERSIGN_DATA_DIR",
        ] {
            command.env_remove(var);
        }
        command
            // The machine's authority.pub, which may or may not exist.
            .env("COUNTERSIGN_AUTHORITY_FILE", self.path("etc/authority.pub"))
            .args(args)
            .output()
            .expect("countersign runs")
    }

    /// Runs `provision apply` on this office's machine.
    fn apply(&self, bundle: &Path, extra: &[&str]) -> Output {
        let (config, data) = (self.config(), self.data());
        let mut args = vec![
            "provision",
            "apply",
            s(bundle),
            "--config-dir",
            s(&config),
            "--data-dir",
            s(&data),
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// A new authority key file; returns it and its public key.
    fn keygen(&self, name: &str) -> (PathBuf, String) {
        let key = self.path(name);
        let out = ok(&self.run(&["provision", "keygen", "--out", s(&key)]));
        (key, out.trim().to_string())
    }

    /// An unsigned bundle of `hall` at `version` from the printed template.
    fn draft(&self, name: &str, hall: &str, version: u64, extra: &[&str]) -> PathBuf {
        let template = self.path("template.jsonc");
        if !template.exists() {
            let out = ok(&self.run(&["provision", "create", "--template"]));
            std::fs::write(&template, out).expect("template");
        }
        let out = self.path(name);
        let version = version.to_string();
        let mut args = vec![
            "provision",
            "create",
            "--hall",
            hall,
            "--name",
            "北京市朝阳区政务服务中心",
            "--from",
            s(&template),
            "--version",
            &version,
            "--out",
            s(&out),
            // Loopback only: nothing here is ever contacted, but no test names a real host.
            "--set",
            "chain.endpoints=http://127.0.0.1:1",
            "--set",
            r#"printers=[{"address": "escpos+tcp://127.0.0.1:1", "paper": "80mm"}]"#,
            "--set",
            "updates.url=http://127.0.0.1:1/updates",
        ];
        args.extend_from_slice(extra);
        ok(&self.run(&args));
        out
    }

    fn sign(&self, key: &Path, draft: &Path, out: &str, extra: &[&str]) -> PathBuf {
        let path = self.path(out);
        let mut args = vec![
            "provision",
            "sign",
            "--key",
            s(key),
            s(draft),
            "--out",
            s(&path),
        ];
        args.extend_from_slice(extra);
        ok(&self.run(&args));
        path
    }
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

/// Asserts the exit code and that stderr holds every one of `words`.
#[track_caller]
fn exits(out: &Output, code: i32, words: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {err}",
        text(&out.stdout)
    );
    for w in words {
        assert!(err.contains(w), "{w:?} not in: {err}");
    }
}

/// A registry mirror file whose cursor is at `block`.
fn mirror_at(path: &Path, block: u64) {
    let registry = REGISTRY.parse().expect("registry");
    let mut m = Mirror::open(path, &registry).expect("mirror");
    m.apply(
        &[],
        BlockRef {
            number: block,
            hash: [block as u8; 32],
            time: Utc
                .timestamp_opt(1_780_000_000 + block as i64, 0)
                .single()
                .expect("time"),
        },
    )
    .expect("cursor");
    m.mark_synced(Utc::now()).expect("synced");
}

#[test]
fn the_authority_creates_and_signs_a_bundle_and_a_counter_pc_inspects_applies_and_updates_it() {
    let o = Office::new();
    let (key, public) = o.keygen("authority.key.json");
    assert_eq!(public.len(), 64, "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key file mode {mode:o}");
    }
    exits(
        &o.run(&["provision", "keygen", "--out", s(&key)]),
        1,
        &["cannot create key file"],
    );

    let draft = o.draft(
        "draft.json",
        "BJ-CY-01",
        1,
        &["--set", "policies.maxChainAgeHours=12"],
    );
    let value: Value =
        serde_json::from_slice(&std::fs::read(&draft).expect("draft")).expect("json");
    assert_eq!(value["hall"]["id"], "BJ-CY-01");
    assert_eq!(value["policies"]["maxChainAgeHours"], 12);
    assert_eq!(value["chain"]["endpoints"][0], "http://127.0.0.1:1");
    assert!(value.get("authority").is_none(), "set by signing");

    // Signed with a snapshot of the hall's mirror, copied next to the bundle.
    let source = o.path("registry-mirror.sqlite");
    mirror_at(&source, 10);
    let bundle = o.sign(&key, &draft, "hall.bundle", &["--mirror", s(&source)]);
    assert!(o.path("hall.bundle.mirror.sqlite").is_file());
    let signed: Value =
        serde_json::from_slice(&std::fs::read(&bundle).expect("bundle")).expect("json");
    assert_eq!(signed["bundle"]["authority"], public.as_str());
    assert_eq!(signed["signature"]["publicKey"], public.as_str());
    assert_eq!(signed["bundle"]["mirrorSnapshot"]["block"], 10);
    assert_eq!(
        signed["bundle"]["mirrorSnapshot"]["file"],
        "hall.bundle.mirror.sqlite"
    );

    // Inspected with the authority given: valid, and what it says.
    let out = ok(&o.run(&["provision", "inspect", s(&bundle), "--authority", &public]));
    assert!(out.starts_with("VALID hall bundle"), "{out}");
    assert!(out.contains("BJ-CY-01 北京市朝阳区政务服务中心"), "{out}");
    assert!(out.contains("stale after 12 h"), "{out}");
    assert!(out.contains("at block 10 (checked)"), "{out}");
    let out = ok(&o.run(&[
        "provision",
        "inspect",
        s(&bundle),
        "--authority",
        s(&key),
        "--json",
    ]));
    let report: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["valid"], true);
    assert_eq!(report["bundle"]["version"], 1);

    // The counter PC trusts the authority through its authority.pub.
    std::fs::create_dir_all(o.config()).expect("etc");
    std::fs::write(o.path("etc/authority.pub"), format!("{public}\n")).expect("pub");
    let out = ok(&o.apply(&bundle, &["--hall", "BJ-CY-01"]));
    assert!(
        out.contains("applied hall BJ-CY-01 bundle version 1"),
        "{out}"
    );
    assert!(
        out.contains("installed the registry mirror snapshot at block 10"),
        "{out}"
    );
    let applied = o.path("etc/applied-bundle.json");
    assert_eq!(
        std::fs::read(&applied).expect("applied"),
        std::fs::read(&bundle).expect("bundle")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&applied)
            .expect("applied")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o644, "applied bundle mode {mode:o}");
    }
    assert!(o.path("data/registry-mirror.sqlite").is_file());

    // Run again (an installer run twice): nothing changes, exit 0.
    let out = ok(&o.apply(&bundle, &[]));
    assert!(out.contains("is already applied"), "{out}");
    assert!(out.contains("kept the hall's mirror"), "{out}");

    // An update: version 2, trusted without being told (authority.pub gone: the applied
    // bundle's authority), bundle looked for through COUNTERSIGN_BUNDLE.
    std::fs::remove_file(o.path("etc/authority.pub")).expect("rm");
    let draft2 = o.draft(
        "draft2.json",
        "BJ-CY-01",
        2,
        &["--set", "policies.failClosed=true"],
    );
    let bundle2 = o.sign(&key, &draft2, "hall-v2.bundle", &[]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_countersign"));
    let out = command
        .env_remove("COUNTERSIGN_AUTHORITY")
        .env_remove("COUNTERSIGN_HALL")
        .env("COUNTERSIGN_AUTHORITY_FILE", o.path("etc/authority.pub"))
        .env("COUNTERSIGN_BUNDLE", &bundle2)
        .env("COUNTERSIGN_CONFIG_DIR", o.config())
        .env("COUNTERSIGN_DATA_DIR", o.data())
        .args(["provision", "apply"])
        .output()
        .expect("runs");
    let said = ok(&out);
    assert!(said.contains("bundle version 2 (was version 1)"), "{said}");
    assert!(
        said.contains("the bundle applied on this machine"),
        "{said}"
    );
    let applied: Value =
        serde_json::from_slice(&std::fs::read(o.path("etc/applied-bundle.json")).expect("read"))
            .expect("json");
    assert_eq!(applied["bundle"]["policies"]["failClosed"], true);
}

#[test]
fn every_refusal_exits_1_and_says_what_to_do() {
    let o = Office::new();
    let (key, public) = o.keygen("authority.key.json");
    let (rival, rival_public) = o.keygen("rival.key.json");
    let draft = o.draft("draft.json", "BJ-CY-01", 2, &[]);
    let bundle = o.sign(&key, &draft, "hall.bundle", &[]);

    // Unsigned: the draft itself.
    exits(
        &o.apply(&draft, &["--authority", &public]),
        1,
        &["is not signed", "provision sign"],
    );
    // Not a bundle at all.
    let junk = o.path("junk.bundle");
    std::fs::write(&junk, "{\"bundle\": 1").expect("write");
    exits(
        &o.apply(&junk, &["--authority", &public]),
        1,
        &[
            "is not a valid hall bundle",
            "ask the provincial IT authority",
        ],
    );
    // No trust anchor: the bundle's own key is not enough.
    exits(
        &o.apply(&bundle, &[]),
        1,
        &[
            "trusts no provisioning authority",
            "authority.pub",
            "--authority",
        ],
    );
    // Signed by another key than the trusted one.
    let stranger = o.sign(&rival, &draft, "stranger.bundle", &[]);
    exits(
        &o.apply(&stranger, &["--authority", &public]),
        1,
        &[
            &format!("is signed by key {rival_public}"),
            "not by the authority this machine trusts",
        ],
    );
    // Altered after signing.
    let altered = o.path("altered.bundle");
    let original = std::fs::read_to_string(&bundle).expect("read");
    std::fs::write(
        &altered,
        original.replace("\"failClosed\": false", "\"failClosed\": true"),
    )
    .expect("write");
    exits(
        &o.apply(&altered, &["--authority", &public]),
        1,
        &["changed after it was signed", "get the original bundle"],
    );
    // Another hall's.
    exits(
        &o.apply(&bundle, &["--authority", &public, "--hall", "SH-PD-02"]),
        1,
        &["is the bundle of hall BJ-CY-01, but this machine is hall SH-PD-02"],
    );
    // inspect says the same, exit 1, and --json carries the code.
    let out = o.run(&[
        "provision",
        "inspect",
        s(&altered),
        "--authority",
        &public,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    assert_eq!(report["valid"], false);
    assert_eq!(report["code"], "bundle.tampered");

    // Apply version 2, then: an older version, and a newer one from another authority.
    ok(&o.apply(&bundle, &["--authority", &public]));
    let old = o.sign(
        &key,
        &o.draft("old.json", "BJ-CY-01", 1, &[]),
        "old.bundle",
        &[],
    );
    exits(
        &o.apply(&old, &[]),
        1,
        &[
            "is version 1, not newer than version 2",
            "apply the newest bundle",
        ],
    );
    let takeover = o.sign(
        &rival,
        &o.draft("takeover.json", "BJ-CY-01", 3, &[]),
        "takeover.bundle",
        &[],
    );
    exits(
        &o.apply(&takeover, &["--authority", &rival_public]),
        1,
        &[
            "an update must come from the same authority",
            "applied-bundle.json",
        ],
    );
    exits(
        &o.apply(&takeover, &[]),
        1,
        &["not by the authority this machine trusts"],
    );

    // A snapshot that is missing or not the one signed.
    let source = o.path("mirror.sqlite");
    mirror_at(&source, 7);
    let shipped = o.sign(
        &key,
        &o.draft("v4.json", "BJ-CY-01", 4, &[]),
        "v4.bundle",
        &["--mirror", s(&source)],
    );
    let snapshot = o.path("v4.bundle.mirror.sqlite");
    let good = std::fs::read(&snapshot).expect("snapshot");
    let mut bad = good.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 0xff;
    std::fs::write(&snapshot, &bad).expect("write");
    exits(
        &o.apply(&shipped, &[]),
        1,
        &["is not the file the bundle was signed with", "SHA-256"],
    );
    std::fs::remove_file(&snapshot).expect("rm");
    exits(
        &o.apply(&shipped, &[]),
        1,
        &[
            "v4.bundle.mirror.sqlite, which is not there",
            "copy the snapshot file",
        ],
    );
    std::fs::write(&snapshot, &good).expect("write");
    ok(&o.apply(&shipped, &[]));
}

#[test]
fn unreadable_input_and_bad_arguments_exit_3() {
    let o = Office::new();
    let (key, public) = o.keygen("authority.key.json");
    // No bundle where one is looked for.
    exits(
        &o.apply(&o.path("absent.bundle"), &["--authority", &public]),
        3,
        &["there is no hall bundle at", "absent.bundle"],
    );
    // An authority that is neither a key nor a file.
    let draft = o.draft("draft.json", "BJ-CY-01", 1, &[]);
    let bundle = o.sign(&key, &draft, "hall.bundle", &[]);
    exits(
        &o.apply(&bundle, &["--authority", "12ab"]),
        3,
        &["neither a file nor a public key"],
    );
    // create: a bundle that breaks a rule, a bad --set, a missing argument.
    exits(
        &o.run(&[
            "provision",
            "create",
            "--hall",
            "BJ-CY-01",
            "--name",
            "x",
            "--version",
            "1",
            "--out",
            s(&o.path("x.json")),
        ]),
        3,
        &["chain.endpoints is empty", "--set"],
    );
    exits(
        &o.run(&[
            "provision",
            "create",
            "--hall",
            "BJ-CY-01",
            "--name",
            "x",
            "--version",
            "1",
            "--out",
            s(&o.path("x.json")),
            "--set",
            "language",
        ]),
        3,
        &["PATH=VALUE"],
    );
    exits(
        &o.run(&["provision", "create", "--hall", "BJ-CY-01"]),
        3,
        &["--name"],
    );
    exits(
        &o.run(&[
            "provision",
            "create",
            "--hall",
            "BJ-CY-01",
            "--name",
            "x",
            "--version",
            "1",
            "--out",
            s(&o.path("x.json")),
            "--from",
            s(&o.path("template.jsonc")),
            "--set",
            "chain.endpoints=https://127.0.0.1:1",
        ]),
        3,
        &["plain http://"],
    );
    // sign: not a key file; an already signed bundle; a mirror that never synced.
    exits(
        &o.run(&[
            "provision",
            "sign",
            "--key",
            s(&draft),
            s(&draft),
            "--out",
            s(&o.path("y")),
        ]),
        3,
        &["is not a usable authority key file"],
    );
    exits(
        &o.run(&[
            "provision",
            "sign",
            "--key",
            s(&key),
            s(&bundle),
            "--out",
            s(&o.path("y")),
        ]),
        3,
        &["is already signed"],
    );
    let empty = o.path("empty-mirror.sqlite");
    drop(Mirror::open(&empty, &REGISTRY.parse().expect("registry")).expect("mirror"));
    exits(
        &o.run(&[
            "provision",
            "sign",
            "--key",
            s(&key),
            s(&draft),
            "--out",
            s(&o.path("z.bundle")),
            "--mirror",
            s(&empty),
        ]),
        3,
        &["has never synced"],
    );
    assert!(!o.path("z.bundle").exists(), "nothing signed");
}

#[test]
fn the_national_profile_from_the_authoritys_key_to_a_counter_pc() {
    let o = Office::new();
    // keygen: --profile guomi (or --algorithm sm2) makes an SM2 key, its text naming it.
    let key = o.path("authority.key.json");
    let public = ok(&o.run(&[
        "provision",
        "keygen",
        "--out",
        s(&key),
        "--profile",
        "guomi",
    ]))
    .trim()
    .to_string();
    assert!(
        public.starts_with("sm2:") && public.len() == 4 + 66,
        "{public}"
    );
    let file: Value = serde_json::from_slice(&std::fs::read(&key).expect("key")).expect("json");
    assert_eq!(file["algorithm"], "sm2");
    let other = o.path("other.key.json");
    let also = ok(&o.run(&[
        "provision",
        "keygen",
        "--out",
        s(&other),
        "--algorithm",
        "sm2",
    ]));
    assert!(also.starts_with("sm2:"), "{also}");
    exits(
        &o.run(&[
            "provision",
            "keygen",
            "--out",
            s(&o.path("x.json")),
            "--profile",
            "sm9",
        ]),
        3,
        &["\"sm9\" is not a profile: standard or guomi"],
    );
    let (ed_key, ed_public) = o.keygen("ed25519.key.json");
    assert_eq!(
        ed_public.len(),
        64,
        "the default is still Ed25519: {ed_public}"
    );

    // create: --profile guomi --accept standard writes the crypto member.
    let draft = o.draft(
        "draft.json",
        "BJ-CY-01",
        1,
        &["--profile", "guomi", "--accept", "standard"],
    );
    let value: Value =
        serde_json::from_slice(&std::fs::read(&draft).expect("draft")).expect("json");
    assert_eq!(
        value["crypto"],
        serde_json::json!({"profile": "guomi", "accept": ["standard"]})
    );

    // sign: the key must be the profile's; standard unless said.
    exits(
        &o.run(&[
            "provision",
            "sign",
            "--key",
            s(&key),
            s(&draft),
            "--out",
            s(&o.path("no.bundle")),
        ]),
        3,
        &["is an sm2 authority key", "--profile guomi"],
    );
    assert!(!o.path("no.bundle").exists());
    let source = o.path("registry-mirror.sqlite");
    mirror_at(&source, 10);
    let bundle = o.sign(
        &key,
        &draft,
        "hall.bundle",
        &["--profile", "guomi", "--mirror", s(&source)],
    );
    let signed: Value =
        serde_json::from_slice(&std::fs::read(&bundle).expect("bundle")).expect("json");
    assert_eq!(signed["signature"]["algorithm"], "sm2");
    assert_eq!(signed["signature"]["publicKey"], public.as_str());
    assert_eq!(signed["bundle"]["authority"], public.as_str());
    let snapshot = &signed["bundle"]["mirrorSnapshot"];
    assert!(
        snapshot["sm3"].is_string() && snapshot.get("sha256").is_none(),
        "the snapshot is named by its SM3: {snapshot}"
    );

    // inspect and apply against the SM2 authority.
    let out = ok(&o.run(&["provision", "inspect", s(&bundle), "--authority", &public]));
    assert!(out.contains("signed with sm2"), "{out}");
    assert!(
        out.contains("guomi (sm2, sm3), also accepts standard (ed25519, sha-256)"),
        "{out}"
    );
    let sm3 = snapshot["sm3"].as_str().expect("sm3");
    assert!(out.contains(&format!("(checked), sm3 {sm3}")), "{out}");
    let out = ok(&o.run(&[
        "provision",
        "inspect",
        s(&bundle),
        "--authority",
        s(&key),
        "--json",
    ]));
    let report: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["algorithm"], "sm2");

    // A PC that trusts an Ed25519 authority refuses it (exit 1), naming both algorithms.
    exits(
        &o.apply(&bundle, &["--authority", &ed_public]),
        1,
        &["is signed with sm2", "an ed25519 key"],
    );
    // The PC whose authority.pub holds the SM2 key applies it.
    std::fs::create_dir_all(o.config()).expect("etc");
    std::fs::write(o.path("etc/authority.pub"), format!("{public}\n")).expect("pub");
    let out = ok(&o.apply(&bundle, &[]));
    assert!(
        out.contains("applied hall BJ-CY-01 bundle version 1"),
        "{out}"
    );
    assert!(
        out.contains("installed the registry mirror snapshot at block 10"),
        "{out}"
    );

    // A draft that says nothing signed with --profile guomi becomes a guomi bundle; a guomi
    // draft is not signed with an Ed25519 key.
    let plain = o.draft("plain.json", "BJ-CY-01", 2, &[]);
    let v2 = o.sign(&key, &plain, "v2.bundle", &["--algorithm", "sm2"]);
    let signed: Value = serde_json::from_slice(&std::fs::read(&v2).expect("v2")).expect("json");
    assert_eq!(
        signed["bundle"]["crypto"],
        serde_json::json!({"profile": "guomi"})
    );
    ok(&o.apply(&v2, &[]));
    let only = o.draft("only.json", "BJ-CY-01", 3, &["--profile", "guomi"]);
    exits(
        &o.run(&[
            "provision",
            "sign",
            "--key",
            s(&ed_key),
            s(&only),
            "--out",
            s(&o.path("mixed.bundle")),
        ]),
        3,
        &["signed with ed25519", "does not accept"],
    );
}
