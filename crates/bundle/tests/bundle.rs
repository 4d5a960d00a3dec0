//! Hall bundles end to end on real files: signed and read back, every refusal with its kind,
//! updates (higher version, same authority), mirror snapshots (checked, installed only over an
//! older mirror), atomic writes, and the provisioning use cases the CLI and the setup screen
//! share (a bundle's bytes against a typed key, the counter chosen).

use chrono::{TimeZone, Utc};
use countersign_bundle::provision::{self, CounterError, Incoming, ProvisionError};
use countersign_bundle::{
    sign, signing_input, write_snapshot, AuthorityKey, Bundle, BundleError, Chain, ErrorKind,
    Expect, Machine, MirrorOutcome, PrinterEntry, Scanner, Settings, TrustSource,
};
use countersign_chainstate::events::BlockRef;
use countersign_credential::RegistryRef;
use countersign_crypto::{HashAlg, SecretKey, SigAlg};
use countersign_mirror::Mirror;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const REGISTRY: &str = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";
const OTHER_REGISTRY: &str = "eip155:31337:0x00000000000000000000000000000000000000aa";

fn authority(seed: u8) -> AuthorityKey {
    AuthorityKey::from_secret(ed25519(seed))
}

fn ed25519(seed: u8) -> SecretKey {
    SecretKey::from_bytes(SigAlg::Ed25519, &[seed; 32]).expect("an Ed25519 seed")
}

fn bundle(hall: &str, version: u64) -> Bundle {
    let mut b = Bundle::draft(
        hall,
        "北京市朝阳区政务服务中心",
        version,
        "2026-11-25T09:00:00+08:00",
        Chain {
            endpoints: vec!["http://127.0.0.1:8545".into()],
            chain_id: 31337,
            registry: REGISTRY.into(),
            governance: Some("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266".into()),
            quorum: None,
            proofs: None,
            max_head_age_minutes: None,
            hash: None,
        },
    );
    b.counters.push(countersign_bundle::CounterEntry {
        id: "2".into(),
        name: Some("综合窗口 2".into()),
    });
    b.printers = vec![
        PrinterEntry {
            counter: Some("2".into()),
            address: "escpos+tcp://127.0.0.1:9100".into(),
            paper: "58mm".into(),
        },
        PrinterEntry {
            counter: None,
            address: "ipp://127.0.0.1:631/printers/hall".into(),
            paper: "a4".into(),
        },
    ];
    b
}

struct Setup {
    dir: tempfile::TempDir,
    machine: Machine,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let machine = Machine {
            config_dir: dir.path().join("etc"),
            data_dir: dir.path().join("data"),
            authority_file: dir.path().join("etc/authority.pub"),
        };
        Self { dir, machine }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn signed(&self, name: &str, b: &Bundle, key: &AuthorityKey) -> PathBuf {
        self.write(name, &sign(b, key).expect("sign"))
    }

    fn trust(&self, key: &AuthorityKey) {
        std::fs::create_dir_all(&self.machine.config_dir).expect("mkdir");
        std::fs::write(
            &self.machine.authority_file,
            format!("{}\n", key.public_text()),
        )
        .expect("authority.pub");
    }
}

fn explicit(key: &AuthorityKey) -> Expect {
    Expect {
        authority: Some(key.public()),
        hall: None,
    }
}

#[track_caller]
fn refused(result: Result<impl std::fmt::Debug, BundleError>, kind: ErrorKind, words: &str) {
    match result {
        Ok(v) => panic!("expected {kind:?}, got {v:?}"),
        Err(e) => {
            assert_eq!(e.kind, kind, "{e}");
            assert!(e.to_string().contains(words), "{kind:?} says: {e}");
            assert!(!e.action.is_empty(), "{kind:?} says what to do");
        }
    }
}

/// A signed file whose content is `value` as given, bypassing `sign`'s checks (to make
/// bundles a careless or hostile signer could produce).
fn raw_signed(value: &Value, key: &SecretKey) -> Vec<u8> {
    let signature = key.sign(&signing_input(value).expect("jcs"));
    serde_json::to_vec(&json!({
        "bundle": value,
        "signature": {
            "publicKey": countersign_bundle::key_hex(&key.public()),
            "value": hex::encode(signature.to_bytes()),
        }
    }))
    .expect("json")
}

#[test]
fn a_signed_bundle_reads_back_as_signed_with_its_typed_settings() {
    let s = Setup::new();
    let key = authority(1);
    let b = bundle("BJ-CY-01", 1);
    let path = s.signed("hall.bundle", &b, &key);
    s.trust(&key);
    let v = s.machine.verify(&path, &Expect::default()).expect("valid");
    assert_eq!(
        v.trusted_by,
        TrustSource::AuthorityFile(s.machine.authority_file.clone())
    );
    assert_eq!(v.installed, None);
    assert!(!v.unchanged);
    let mut expected = b.clone();
    expected.authority = Some(key.public_text());
    assert_eq!(v.bundle.bundle(), &expected);
    assert_eq!(v.bundle.authority(), &key.public());

    let settings = v.bundle.settings();
    assert_eq!(settings.hall.id, "BJ-CY-01");
    assert_eq!(settings.hall.utc_offset.local_minus_utc(), 8 * 3600);
    assert_eq!(
        settings.chain.registry,
        REGISTRY.parse::<RegistryRef>().expect("ref")
    );
    assert_eq!(
        settings.counter("2").and_then(|c| c.name.as_deref()),
        Some("综合窗口 2")
    );
    // A counter with its own printer uses it; the others use the hall's.
    assert_eq!(
        settings.printer_for("2").map(|p| p.address.as_str()),
        Some("escpos+tcp://127.0.0.1:9100")
    );
    assert_eq!(
        settings.printer_for("1").map(|p| p.address.as_str()),
        Some("ipp://127.0.0.1:631/printers/hall")
    );
    assert_eq!(settings.scanner, Scanner::Keyboard);
    assert_eq!(
        settings.privacy,
        countersign_station::PrivacyPolicy::default()
    );
    assert_eq!(
        settings.verification_policy().max_chain_age,
        chrono::Duration::hours(24)
    );

    // The signature covers the domain tag, a zero byte and the RFC 8785 form of "bundle".
    let file: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let input = signing_input(&file["bundle"]).expect("input");
    assert!(input.starts_with(b"countersign-hall-bundle-v1\0{\"authority\":\""));
    let canonical = countersign_jcs::canonicalize(&file["bundle"]).expect("jcs");
    assert_eq!(&input[27..], canonical.as_slice());
}

/// A fixed key and bundle, signed: any change to the signing input (tag, canonical form,
/// members written by `sign`) changes these bytes, and docs/PROTOCOL.md §10.2 quotes them.
#[test]
fn the_signing_input_and_signature_of_a_fixed_bundle_do_not_change() {
    let key = authority(7);
    let mut b = bundle("XX-TEST-01", 1);
    b.counters.truncate(1);
    b.printers.clear();
    b.chain.governance = None;
    b.hall.name = "测试大厅".into();
    let file: Value = serde_json::from_slice(&sign(&b, &key).expect("sign")).expect("json");
    let input = signing_input(&file["bundle"]).expect("input");
    let text = String::from_utf8(input).expect("utf-8");
    assert_eq!(
        text,
        concat!(
            "countersign-hall-bundle-v1\u{0}",
            r#"{"authority":"ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c","#,
            r#""chain":{"chainId":31337,"endpoints":["http://127.0.0.1:8545"],"registry":"eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"},"#,
            r#""counters":[{"id":"1"}],"format":"countersign-hall-bundle/1","#,
            r#""hall":{"id":"XX-TEST-01","name":"测试大厅","utcOffset":"+08:00"},"#,
            r#""issuedAt":"2026-11-25T09:00:00+08:00","language":"zh-CN","#,
            r#""policies":{"autoPrint":false,"failClosed":false,"maxChainAgeHours":24},"#,
            r#""printers":[],"scanner":{"mode":"keyboard"},"version":1}"#
        )
    );
    assert_eq!(
        file["signature"]["value"],
        "47c51c384bee93f52e2d1af82d55c6cc6309a1c48d81d4942611980705a5261bcb4cb7d3566dff5a1569db226922fb2623728378122b5585762c1c32629aa300",
        "the signature of the fixed bundle"
    );
}

#[test]
fn unsigned_and_malformed_files_are_refused() {
    let s = Setup::new();
    let key = authority(1);
    let draft =
        serde_json::to_vec(&bundle("BJ-CY-01", 1).to_value().expect("value")).expect("json");
    let path = s.write("draft.json", &draft);
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::Unsigned,
        "is not signed",
    );
    let no_signature =
        serde_json::to_vec(&json!({"bundle": bundle("BJ-CY-01", 1).to_value().expect("value")}))
            .expect("json");
    let path = s.write("nosig.json", &no_signature);
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::Unsigned,
        "is not signed",
    );

    let good: Value =
        serde_json::from_slice(&sign(&bundle("BJ-CY-01", 1), &key).expect("sign")).expect("json");
    let signer = ed25519(1);
    let mut content = good["bundle"].clone();
    content["chain"]["endpoints"] = json!(["https://node.example:8545"]);
    let https = raw_signed(&content, &signer);
    let mut unknown = good["bundle"].clone();
    unknown["policies"]["failClosd"] = json!(true);
    let misspelt = raw_signed(&unknown, &signer);
    let mut extra = good.clone();
    extra["comment"] = json!("x");
    let mut short_sig = good.clone();
    short_sig["signature"]["value"] = json!("abcd");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not JSON",
            b"hall bundle".to_vec(),
            "not a valid hall bundle",
        ),
        ("a list", b"[]".to_vec(), "not a JSON object"),
        (
            "duplicate member",
            br#"{"bundle": {}, "bundle": {}, "signature": {}}"#.to_vec(),
            "duplicate",
        ),
        (
            "extra member",
            serde_json::to_vec(&extra).expect("json"),
            "\"comment\"",
        ),
        (
            "short signature",
            serde_json::to_vec(&short_sig).expect("json"),
            "128 hex digits",
        ),
        ("https endpoint, signed", https, "plain http://"),
        ("misspelt member, signed", misspelt, "failClosd"),
    ];
    for (what, bytes, words) in cases {
        let path = s.write("bad.bundle", &bytes);
        let result = s.machine.verify(&path, &explicit(&key));
        match result {
            Err(e) if e.kind == ErrorKind::Malformed && e.to_string().contains(words) => {}
            other => panic!("{what}: expected Malformed saying {words:?}, got {other:?}"),
        }
    }

    let mut future = good["bundle"].clone();
    future["format"] = json!("countersign-hall-bundle/2");
    future["newMember"] = json!(1);
    let path = s.write("future.bundle", &raw_signed(&future, &signer));
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::UnsupportedFormat,
        "update Countersign",
    );

    // Signed by the key, but naming another authority inside.
    let mut lying = good["bundle"].clone();
    lying["authority"] = json!(authority(2).public_text());
    let path = s.write("lying.bundle", &raw_signed(&lying, &signer));
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::Malformed,
        "not the key that signed it",
    );

    refused(
        s.machine.verify(&s.path("absent.bundle"), &explicit(&key)),
        ErrorKind::NoBundle,
        "no hall bundle at",
    );
}

#[test]
fn only_the_trusted_authority_is_trusted_and_an_altered_bundle_is_refused() {
    let s = Setup::new();
    let key = authority(1);
    let stranger = authority(9);
    let path = s.signed("hall.bundle", &bundle("BJ-CY-01", 1), &stranger);

    // No anchor: the bundle's own key is not enough.
    refused(
        s.machine.verify(&path, &Expect::default()),
        ErrorKind::NoTrustAnchor,
        "authority.pub",
    );
    // Another key than the trusted one, explicit or installed.
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::UntrustedKey,
        &stranger.public_text(),
    );
    s.trust(&key);
    refused(
        s.machine.verify(&path, &Expect::default()),
        ErrorKind::UntrustedKey,
        "authority.pub",
    );

    // Signed by the trusted key, then one character of the content changed.
    let good = s.signed("good.bundle", &bundle("BJ-CY-01", 1), &key);
    let text = std::fs::read_to_string(&good).expect("read");
    let altered = text.replace("北京市朝阳区", "北京市海淀区");
    assert_ne!(text, altered);
    let path = s.write("altered.bundle", altered.as_bytes());
    refused(
        s.machine.verify(&path, &Expect::default()),
        ErrorKind::BadSignature,
        "changed after it was signed",
    );
    // Whitespace is not content: the signature covers the canonical form.
    let compact: Value = serde_json::from_str(&text).expect("json");
    let path = s.write("compact.bundle", compact.to_string().as_bytes());
    s.machine
        .verify(&path, &Expect::default())
        .expect("same content, other layout");

    // An unreadable trust anchor is said so.
    std::fs::write(&s.machine.authority_file, "not a key").expect("write");
    refused(
        s.machine.verify(&good, &Expect::default()),
        ErrorKind::BadTrustAnchor,
        "64 hex digits",
    );
    refused(
        countersign_bundle::parse_authority("12ab").map(drop),
        ErrorKind::BadTrustAnchor,
        "neither a file nor a public key",
    );
}

#[test]
fn another_halls_bundle_is_refused() {
    let s = Setup::new();
    let key = authority(1);
    let mine = s.signed("mine.bundle", &bundle("BJ-CY-01", 1), &key);
    let theirs = s.signed("theirs.bundle", &bundle("SH-PD-02", 2), &key);
    let expect = Expect {
        authority: Some(key.public()),
        hall: Some("BJ-CY-01".into()),
    };
    refused(
        s.machine.verify(&theirs, &expect),
        ErrorKind::OtherHall,
        "this machine is hall BJ-CY-01",
    );
    s.machine.apply(&mine, &explicit(&key)).expect("apply");
    // Once a hall is applied, another hall's bundle is refused even without --hall.
    refused(
        s.machine.apply(&theirs, &Expect::default()),
        ErrorKind::OtherHall,
        "the bundle applied on it",
    );
}

#[test]
fn an_update_needs_a_higher_version_from_the_same_authority() {
    let s = Setup::new();
    let key = authority(1);
    let v1 = s.signed("v1.bundle", &bundle("BJ-CY-01", 1), &key);
    let mut b2 = bundle("BJ-CY-01", 2);
    b2.policies.fail_closed = true;
    let v2 = s.signed("v2.bundle", &b2, &key);
    let mut other_v1 = bundle("BJ-CY-01", 1);
    other_v1.language = "en".into();
    let other_v1 = s.signed("v1b.bundle", &other_v1, &key);

    let applied = s.machine.apply(&v1, &explicit(&key)).expect("first");
    assert_eq!(applied.verified.installed, None);
    assert_eq!(applied.path, s.machine.applied_path());
    // After the first bundle, the machine trusts its authority without being told.
    let applied = s.machine.apply(&v2, &Expect::default()).expect("update");
    assert_eq!(applied.verified.installed, Some(1));
    assert!(matches!(
        applied.verified.trusted_by,
        TrustSource::Applied(_)
    ));
    let (loaded, _) = s.machine.load(None).expect("load").expect("applied");
    assert_eq!(loaded.version(), 2);
    assert!(loaded.settings().fail_closed);

    // The same bundle again: nothing to do, not an error (installers run twice).
    let again = s.machine.apply(&v2, &Expect::default()).expect("again");
    assert!(again.verified.unchanged);
    // An older one, or another at the same version: refused, nothing changed.
    refused(
        s.machine.apply(&v1, &Expect::default()),
        ErrorKind::NotNewer,
        "version 1, not newer than version 2",
    );
    let mut b2b = bundle("BJ-CY-01", 2);
    b2b.language = "en".into();
    let v2b = s.signed("v2b.bundle", &b2b, &key);
    refused(
        s.machine.apply(&v2b, &Expect::default()),
        ErrorKind::NotNewer,
        "not newer",
    );
    refused(
        s.machine.apply(&other_v1, &Expect::default()),
        ErrorKind::NotNewer,
        "not newer",
    );

    // A higher version from another authority: refused even when that authority is given.
    let rival = authority(5);
    let v3 = s.signed("v3.bundle", &bundle("BJ-CY-01", 3), &rival);
    refused(
        s.machine.apply(&v3, &Expect::default()),
        ErrorKind::UntrustedKey,
        "",
    );
    refused(
        s.machine.apply(&v3, &explicit(&rival)),
        ErrorKind::AuthorityChanged,
        "same authority",
    );
    let (loaded, _) = s.machine.load(None).expect("load").expect("applied");
    assert_eq!(loaded.version(), 2, "refusals change nothing");

    // The applied file was edited by hand: the machine notices.
    let edited = std::fs::read_to_string(s.machine.applied_path())
        .expect("read")
        .replace("\"failClosed\": true", "\"failClosed\": false");
    std::fs::write(s.machine.applied_path(), edited).expect("write");
    refused(
        s.machine.load(None).map(drop),
        ErrorKind::BadSignature,
        "applied-bundle.json",
    );
}

fn registry(text: &str) -> RegistryRef {
    text.parse().expect("registry")
}

/// A mirror file of `registry` whose cursor is at `block`.
fn mirror_at(path: &Path, registry_text: &str, block: u64) {
    let mut m = Mirror::open(path, &registry(registry_text)).expect("mirror");
    m.apply(
        &[],
        BlockRef {
            number: block,
            hash: [block as u8; 32],
            time: Utc
                .timestamp_opt(1_780_000_000 + block as i64, 0)
                .single()
                .expect("t"),
        },
    )
    .expect("cursor");
}

/// A bundle signed with a snapshot of a mirror at `block`, as `provision sign --mirror` makes.
fn with_snapshot(s: &Setup, name: &str, version: u64, block: u64, key: &AuthorityKey) -> PathBuf {
    let source = s.path(&format!("source-{name}.sqlite"));
    mirror_at(&source, REGISTRY, block);
    let out = s.path(name);
    let snapshot = s.path(&format!("{name}.mirror.sqlite"));
    let mut b = bundle("BJ-CY-01", version);
    b.mirror_snapshot = Some(
        write_snapshot(&source, &registry(REGISTRY), &snapshot, HashAlg::Sha256).expect("snapshot"),
    );
    std::fs::write(&out, sign(&b, key).expect("sign")).expect("write");
    out
}

fn mirror_block(path: &Path) -> u64 {
    Mirror::open(path, &registry(REGISTRY))
        .expect("open")
        .cursor()
        .expect("cursor")
        .expect("synced")
        .number
}

#[test]
fn a_snapshot_is_installed_only_over_no_mirror_or_an_older_one() {
    let s = Setup::new();
    let key = authority(1);
    let v1 = with_snapshot(&s, "v1.bundle", 1, 10, &key);
    let applied = s.machine.apply(&v1, &explicit(&key)).expect("apply");
    assert_eq!(applied.mirror, MirrorOutcome::Installed { block: 10 });
    assert_eq!(mirror_block(&s.machine.mirror_path()), 10);

    // The hall synced past the next bundle's snapshot: its mirror is kept.
    mirror_at(&s.machine.mirror_path(), REGISTRY, 30);
    let v2 = with_snapshot(&s, "v2.bundle", 2, 20, &key);
    let applied = s.machine.apply(&v2, &Expect::default()).expect("apply");
    assert_eq!(applied.mirror, MirrorOutcome::Kept { block: 30 });
    assert_eq!(mirror_block(&s.machine.mirror_path()), 30);

    // A newer snapshot replaces an older mirror.
    let v3 = with_snapshot(&s, "v3.bundle", 3, 40, &key);
    let applied = s.machine.apply(&v3, &Expect::default()).expect("apply");
    assert!(
        matches!(&applied.mirror, MirrorOutcome::Replaced { block: 40, previous } if previous.contains("block 30")),
        "{:?}",
        applied.mirror
    );
    assert_eq!(mirror_block(&s.machine.mirror_path()), 40);

    // A mirror of another registry is replaced whatever its block.
    std::fs::remove_file(s.machine.mirror_path()).expect("rm");
    mirror_at(&s.machine.mirror_path(), OTHER_REGISTRY, 1000);
    let v4 = with_snapshot(&s, "v4.bundle", 4, 50, &key);
    let applied = s.machine.apply(&v4, &Expect::default()).expect("apply");
    assert!(
        matches!(&applied.mirror, MirrorOutcome::Replaced { block: 50, previous } if previous.contains("another registry")),
        "{:?}",
        applied.mirror
    );
    assert_eq!(mirror_block(&s.machine.mirror_path()), 50);
    // Nothing but the mirror itself is left in the data folder (no copies, no journals).
    let mut names: Vec<String> = std::fs::read_dir(&s.machine.data_dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["registry-mirror.sqlite"]);

    // Applied again: the bundle is unchanged and the mirror, as new, is kept.
    let again = s.machine.apply(&v4, &Expect::default()).expect("again");
    assert!(again.verified.unchanged);
    assert_eq!(again.mirror, MirrorOutcome::Kept { block: 50 });
}

#[test]
fn a_snapshot_that_is_missing_altered_or_of_another_block_is_refused() {
    let s = Setup::new();
    let key = authority(1);
    let path = with_snapshot(&s, "hall.bundle", 1, 10, &key);
    let snapshot = s.path("hall.bundle.mirror.sqlite");
    let original = std::fs::read(&snapshot).expect("read");

    std::fs::remove_file(&snapshot).expect("rm");
    refused(
        s.machine.apply(&path, &explicit(&key)),
        ErrorKind::SnapshotMissing,
        "not there",
    );

    let mut altered = original.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x55;
    std::fs::write(&snapshot, &altered).expect("write");
    refused(
        s.machine.apply(&path, &explicit(&key)),
        ErrorKind::SnapshotDigest,
        "SHA-256",
    );

    // A bundle whose reference has the file's true SHA-256 but another block…
    std::fs::write(&snapshot, &original).expect("write");
    let file: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let signer = ed25519(1);
    let mut content = file["bundle"].clone();
    content["mirrorSnapshot"]["block"] = json!(11);
    let wrong_block = s.write("wrong-block.bundle", &raw_signed(&content, &signer));
    refused(
        s.machine.apply(&wrong_block, &explicit(&key)),
        ErrorKind::SnapshotMismatch,
        "block 10",
    );

    // …or whose file mirrors another registry.
    let other = s.path("other.sqlite");
    mirror_at(&other, OTHER_REGISTRY, 10);
    let other_snapshot = s.path("other.mirror.sqlite");
    let reference = write_snapshot(
        &other,
        &registry(OTHER_REGISTRY),
        &other_snapshot,
        HashAlg::Sha256,
    )
    .expect("snapshot");
    let mut content = file["bundle"].clone();
    content["mirrorSnapshot"]["file"] = json!("other.mirror.sqlite");
    content["mirrorSnapshot"]["sha256"] = json!(reference.sha256);
    let other_registry = s.write("other-registry.bundle", &raw_signed(&content, &signer));
    refused(
        s.machine.apply(&other_registry, &explicit(&key)),
        ErrorKind::SnapshotMismatch,
        OTHER_REGISTRY,
    );

    // Nothing was applied or installed by any of these.
    assert!(!s.machine.applied_path().exists());
    assert!(!s.machine.mirror_path().exists());
    s.machine
        .apply(&path, &explicit(&key))
        .expect("the real pair applies");
}

#[test]
fn the_applied_file_is_written_whole_or_not_at_all() {
    let s = Setup::new();
    let key = authority(1);
    let v1 = s.signed("v1.bundle", &bundle("BJ-CY-01", 1), &key);
    s.machine.apply(&v1, &explicit(&key)).expect("apply");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.machine.applied_path())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&s.machine.config_dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(), ["applied-bundle.json"]);

    // A rename that cannot happen (the target is now a folder): the temporary file is removed
    // and the error names the file.
    let target = s.path("busy/applied-bundle.json");
    std::fs::create_dir_all(target.join("x")).expect("dir in the way");
    let err = countersign_bundle::write_atomic(&target, b"new", 0o644).expect_err("rename fails");
    assert_eq!(err.kind, ErrorKind::Write);
    let left: Vec<_> = std::fs::read_dir(s.path("busy")).expect("ls").collect();
    assert_eq!(left.len(), 1, "only the folder in the way is left");

    // The rest (a failure after the new bytes are written, before the rename) is in
    // machine.rs's unit tests, where the step before the rename can be made to fail.
}

#[test]
fn settings_rules_are_checked_with_the_member_named() {
    let ok = bundle("BJ-CY-01", 1);
    let settings = Settings::from_bundle(&ok).expect("valid");
    assert_eq!(
        settings.chain.chain_hash,
        countersign_chainstate::ChainHash::Keccak256,
        "no chain.hash: keccak256"
    );
    let mut sm3 = ok.clone();
    sm3.chain.hash = Some("sm3".into());
    assert_eq!(
        Settings::from_bundle(&sm3).expect("valid").chain.chain_hash,
        countersign_chainstate::ChainHash::Sm3
    );
    type Edit = fn(&mut Bundle);
    let cases: Vec<(Edit, &str)> = vec![
        (|b| b.version = 0, "version"),
        (|b| b.issued_at = "yesterday".into(), "issuedAt"),
        (|b| b.hall.id = " BJ ".into(), "hall.id"),
        (|b| b.hall.utc_offset = Some("CST".into()), "hall.utcOffset"),
        (|b| b.counters.clear(), "counters is empty"),
        (|b| b.counters[1].id = "1".into(), "listed twice"),
        (|b| b.chain.endpoints.clear(), "chain.endpoints"),
        (|b| b.chain.chain_id = 1, "chain.chainId is 1"),
        (
            |b| b.chain.registry = "0x5fbdb2315678afecb367f032d93f642f64180aa3".into(),
            "chain.registry",
        ),
        (
            |b| b.chain.governance = Some("0x12".into()),
            "chain.governance",
        ),
        (|b| b.chain.hash = Some("keccak".into()), "chain.hash"),
        (|b| b.policies.max_chain_age_hours = 0, "maxChainAgeHours"),
        (|b| b.policies.retention_days = Some(0), "retentionDays"),
        (
            |b| {
                b.policies.retention_days = Some(30);
                b.policies.privacy = Some(json!({"retentionDays": 60, "fields": {}}));
            },
            "say it once",
        ),
        (
            |b| b.policies.privacy = Some(json!({"fields": {"name": "hide"}})),
            "policies.privacy",
        ),
        (|b| b.printers[0].paper = "a5".into(), "paper"),
        (|b| b.printers[0].paper = "a4".into(), "58mm or 80mm"),
        (|b| b.printers[0].address = "lpt1".into(), "printer address"),
        (
            |b| b.printers[0].counter = Some("9".into()),
            "not in counters",
        ),
        (|b| b.printers[1].counter = Some("2".into()), "two printers"),
        (|b| b.scanner.mode = "bluetooth".into(), "scanner.mode"),
        (|b| b.scanner.mode = "serial".into(), "needs its port"),
        (
            |b| b.scanner.port = Some("/dev/ttyACM0".into()),
            "takes no port",
        ),
        (|b| b.language = "fr".into(), "language"),
        (
            |b| {
                b.updates = Some(countersign_bundle::Updates {
                    url: "ftp://x".into(),
                    public_key: "k".into(),
                })
            },
            "updates.url",
        ),
    ];
    for (edit, words) in cases {
        let mut b = ok.clone();
        edit(&mut b);
        match Settings::from_bundle(&b) {
            Err(e) if e.contains(words) => {}
            other => panic!("expected an error saying {words:?}, got {other:?}"),
        }
    }
    // Retention said once, in either place, is taken.
    let mut b = ok.clone();
    b.policies.privacy = Some(json!({"retentionDays": 30, "fields": {"name": {"keep": [1, 0]}}}));
    assert_eq!(
        Settings::from_bundle(&b)
            .expect("valid")
            .privacy
            .retention_days,
        30
    );
    b.policies.retention_days = Some(30);
    assert_eq!(
        Settings::from_bundle(&b)
            .expect("valid")
            .privacy
            .retention_days,
        30
    );
    let mut b = ok.clone();
    b.policies.retention_days = Some(180);
    let p = Settings::from_bundle(&b).expect("valid").privacy;
    assert_eq!(p.retention_days, 180);
    assert_eq!(
        p.fields,
        countersign_station::PrivacyPolicy::default().fields
    );
    let mut b = ok;
    b.scanner.mode = "serial".into();
    b.scanner.port = Some("/dev/ttyACM0".into());
    assert_eq!(
        Settings::from_bundle(&b).expect("valid").scanner,
        Scanner::Serial {
            port: "/dev/ttyACM0".into(),
            baud: 9600
        }
    );
}

#[test]
fn authority_key_files_round_trip_and_broken_ones_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let key = AuthorityKey::generate(SigAlg::Ed25519).expect("key");
    let path = dir.path().join("authority.key.json");
    std::fs::write(&path, key.to_file_text()).expect("write");
    assert_eq!(
        AuthorityKey::read(&path).expect("read").public(),
        key.public()
    );
    // The key file also serves as a trust anchor (its public half only).
    assert_eq!(
        countersign_bundle::parse_authority(path.to_str().expect("utf-8")).expect("anchor"),
        key.public()
    );
    let mut value: Value = serde_json::from_str(&key.to_file_text()).expect("json");
    value["publicKey"] = json!(authority(3).public_text());
    std::fs::write(&path, value.to_string()).expect("write");
    refused(
        AuthorityKey::read(&path).map(drop),
        ErrorKind::KeyFile,
        "does not match",
    );
    std::fs::write(&path, "{}").expect("write");
    refused(
        AuthorityKey::read(&path).map(drop),
        ErrorKind::KeyFile,
        "type",
    );
}

/// The names in a folder, sorted (empty when it does not exist).
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[track_caller]
fn refused_by(result: Result<impl std::fmt::Debug, ProvisionError>, kind: ErrorKind, words: &str) {
    match result {
        Err(ProvisionError::Bundle(e)) => refused(Err::<(), _>(e), kind, words),
        other => panic!("expected a bundle refusal {kind:?}, got {other:?}"),
    }
}

#[test]
fn the_setup_screens_bytes_are_applied_against_the_key_typed_in_and_never_left_behind() {
    let s = Setup::new();
    let key = authority(1);
    let good = sign(&bundle("BJ-CY-01", 2), &key).expect("sign");
    let text = String::from_utf8(good.clone()).expect("text");
    let altered = text.replace("北京市朝阳区", "北京市海淀区");
    let foreign = sign(&bundle("BJ-CY-01", 1), &authority(9)).expect("sign");
    // Neither folder exists yet: a PC that was never provisioned.
    assert!(!s.machine.data_dir.exists() && !s.machine.config_dir.exists());

    // No key typed (blank counts as none) and no authority file: nothing to trust.
    refused_by(
        provision::apply_bytes(&s.machine, &good, Some("   ")),
        ErrorKind::NoTrustAnchor,
        "authority.pub",
    );
    // A key typed in is a key, never a file name.
    let key_file = s.write("authority.pub", key.public_text().as_bytes());
    let typed = key_file.to_str().expect("path");
    match provision::apply_bytes(&s.machine, &good, Some(typed)) {
        Err(ProvisionError::AuthorityKey(why)) => assert!(why.contains("64 hex digits"), "{why}"),
        other => panic!("a file name is not a key: {other:?}"),
    }
    refused_by(
        provision::apply_bytes(&s.machine, altered.as_bytes(), Some(&key.public_text())),
        ErrorKind::BadSignature,
        "incoming.bundle was changed after it was signed",
    );
    refused_by(
        provision::apply_bytes(&s.machine, &foreign, Some(&key.public_text())),
        ErrorKind::UntrustedKey,
        &authority(9).public_text(),
    );
    assert!(!s.machine.applied_path().exists(), "nothing applied yet");
    assert_eq!(names_in(&s.machine.data_dir), Vec::<String>::new());

    // The key as IT types it: spaces around, 0x before.
    let typed = format!("  0x{}\n", key.public_text());
    let applied = provision::apply_bytes(&s.machine, &text, Some(&typed)).expect("applied");
    assert_eq!(applied.verified.trusted_by, TrustSource::Explicit);
    assert_eq!(applied.path, s.machine.applied_path());
    assert_eq!(applied.mirror, MirrorOutcome::NotShipped);
    assert_eq!(
        std::fs::read(s.machine.applied_path()).expect("applied file"),
        good,
        "the signed bytes, as handed over"
    );
    assert_eq!(
        names_in(&s.machine.data_dir),
        Vec::<String>::new(),
        "staged copy removed"
    );
    // The PC now runs on it, trusting its authority from then on.
    let (loaded, source) = s.machine.load(None).expect("load").expect("applied");
    assert_eq!(loaded.settings().hall.id, "BJ-CY-01");
    assert_eq!(source, TrustSource::Applied(s.machine.applied_path()));

    // The same bytes again change nothing; an older version is refused.
    let again = provision::apply_bytes(&s.machine, &good, None).expect("again");
    assert!(again.verified.unchanged);
    let older = sign(&bundle("BJ-CY-01", 1), &key).expect("sign");
    refused_by(
        provision::apply_bytes(&s.machine, &older, None),
        ErrorKind::NotNewer,
        "not newer than version 2",
    );
}

#[test]
fn bytes_cannot_bring_their_snapshot_and_a_data_folder_that_is_a_file_is_said_so() {
    let s = Setup::new();
    let key = authority(1);
    // A bundle that ships a snapshot: applied from its file, the snapshot beside it is
    // installed; handed over as bytes, the snapshot is not beside the staged copy.
    let shipped = with_snapshot(&s, "hall.bundle", 1, 10, &key);
    let bytes = std::fs::read(&shipped).expect("bundle");
    refused_by(
        provision::apply_bytes(&s.machine, &bytes, Some(&key.public_text())),
        ErrorKind::SnapshotMissing,
        "hall.bundle.mirror.sqlite",
    );
    assert_eq!(names_in(&s.machine.data_dir), Vec::<String>::new());
    let applied = provision::apply(&s.machine, Incoming::File(&shipped), &explicit(&key))
        .expect("from the file");
    assert_eq!(applied.mirror, MirrorOutcome::Installed { block: 10 });
    assert_eq!(mirror_block(&s.machine.mirror_path()), 10);

    // A data folder that cannot be made: nothing is staged, nothing applied.
    let other = Setup::new();
    std::fs::write(other.path("data"), b"a file, not a folder").expect("write");
    let good = sign(&bundle("BJ-CY-01", 1), &key).expect("sign");
    match provision::apply_bytes(&other.machine, &good, Some(&key.public_text())) {
        Err(e @ ProvisionError::Stage { .. }) => {
            let folder = other.machine.data_dir.display().to_string();
            assert!(e.to_string().contains(&folder), "{e}");
        }
        other => panic!("expected a staging failure, got {other:?}"),
    }
    assert!(!other.machine.applied_path().exists());
}

#[test]
fn only_one_of_the_halls_counters_is_recorded() {
    let s = Setup::new();
    let file = s.path("counter");
    let counters = ["1", "2"];

    match provision::choose_counter(counters, "3", &file) {
        Err(e @ CounterError::Unknown { .. }) => {
            assert_eq!(e.to_string(), "\"3\" is not one of this hall's counters");
        }
        other => panic!("expected an unknown counter, got {other:?}"),
    }
    assert!(!file.exists(), "nothing written for an unknown counter");

    provision::choose_counter(counters, "2", &file).expect("counter 2");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "2\n");
    // Chosen again: the new choice replaces the old.
    provision::choose_counter(counters, "1", &file).expect("counter 1");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "1\n");

    let nowhere = s.path("missing-folder/counter");
    match provision::choose_counter(counters, "1", &nowhere) {
        Err(e @ CounterError::Write { .. }) => {
            assert!(e.to_string().contains("missing-folder"), "{e}");
        }
        other => panic!("expected a write failure, got {other:?}"),
    }
}
