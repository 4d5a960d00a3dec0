//! The national profile (国密) in hall bundles, on real files: a bundle chooses its profile in
//! `crypto`, an SM2 authority signs it, a machine accepts it only under the algorithm of the
//! authority key it trusts, a snapshot under the national profile is named and checked by its
//! SM3, an Ed25519 bundle made before any of this reads byte for byte as it did, and OpenSSL 3
//! (an implementation that is not ours) agrees with our SM2 signatures and SM3 hashes.

use chrono::{TimeZone, Utc};
use countersign_bundle::{
    key_hex, parse_authority, sign, signing_input, write_snapshot, AuthorityKey, Bundle,
    BundleError, Chain, CryptoEntry, ErrorKind, Expect, Machine, MirrorOutcome, Settings,
    TrustSource,
};
use countersign_chainstate::events::BlockRef;
use countersign_credential::RegistryRef;
use countersign_crypto::{HashAlg, Profile, SecretKey, SigAlg};
use countersign_mirror::Mirror;
use countersign_verify::{verify_json, CheckId, CheckOutcome, FixedClock, Params, Report};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const REGISTRY: &str = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";

/// OpenSSL 3, the independent implementation the national algorithms are checked against.
const OPENSSL: &str = "/usr/bin/openssl";

fn sm2_authority(seed: u8) -> AuthorityKey {
    AuthorityKey::from_secret(SecretKey::from_bytes(SigAlg::Sm2, &[seed; 32]).expect("SM2 secret"))
}

fn ed25519_authority(seed: u8) -> AuthorityKey {
    AuthorityKey::from_secret(
        SecretKey::from_bytes(SigAlg::Ed25519, &[seed; 32]).expect("Ed25519 seed"),
    )
}

fn crypto(profile: &str, accept: &[&str]) -> Option<CryptoEntry> {
    Some(CryptoEntry {
        profile: profile.into(),
        accept: accept.iter().map(|a| (*a).to_string()).collect(),
    })
}

fn bundle(version: u64, crypto: Option<CryptoEntry>) -> Bundle {
    let mut b = Bundle::draft(
        "BJ-CY-01",
        "北京市朝阳区政务服务中心",
        version,
        "2026-11-25T09:00:00+08:00",
        Chain {
            endpoints: vec!["http://127.0.0.1:8545".into()],
            chain_id: 31337,
            registry: REGISTRY.into(),
            governance: None,
            quorum: None,
            proofs: None,
            max_head_age_minutes: None,
            hash: None,
        },
    );
    b.crypto = crypto;
    b
}

fn guomi(version: u64) -> Bundle {
    bundle(version, crypto("guomi", &[]))
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
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn signed(&self, name: &str, b: &Bundle, key: &AuthorityKey) -> PathBuf {
        self.write(name, &sign(b, key).expect("sign"))
    }

    /// Installs `key`'s text as the machine's authority.pub, as IT does.
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
fn refused(result: Result<impl std::fmt::Debug, BundleError>, kind: ErrorKind, words: &[&str]) {
    match result {
        Ok(v) => panic!("expected {kind:?}, got {v:?}"),
        Err(e) => {
            assert_eq!(e.kind, kind, "{e}");
            for w in words {
                assert!(
                    e.to_string().contains(w),
                    "{kind:?} does not say {w:?}: {e}"
                );
            }
            assert!(!e.action.is_empty(), "{kind:?} says what to do");
        }
    }
}

fn json_of(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

/// A signed file whose content is `value` as given, bypassing `sign`'s checks (what a careless
/// or hostile signer could make), its signature named as `sign` names it.
fn raw_signed(value: &Value, key: &SecretKey) -> Vec<u8> {
    let signature = key.sign(&signing_input(value).expect("jcs"));
    let mut sig = json!({
        "publicKey": key_hex(&key.public()),
        "value": hex::encode(signature.to_bytes()),
    });
    if key.alg() == SigAlg::Sm2 {
        sig["algorithm"] = json!("sm2");
    }
    serde_json::to_vec(&json!({"bundle": value, "signature": sig})).expect("json")
}

/// A mirror file of the registry whose cursor is at `block`.
fn mirror_at(path: &Path, block: u64) {
    let registry: RegistryRef = REGISTRY.parse().expect("registry");
    let mut m = Mirror::open(path, &registry).expect("mirror");
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

#[test]
fn an_sm2_signed_bundle_verifies_and_applies_on_a_machine_trusting_that_sm2_authority() {
    let s = Setup::new();
    let key = sm2_authority(0x5a);
    let path = s.signed("hall.bundle", &guomi(1), &key);

    // The file names its algorithm, and the key's text names it too (in the signed content).
    let file = json_of(&path);
    assert_eq!(file["signature"]["algorithm"], "sm2");
    let public = key.public_text();
    assert!(public.starts_with("sm2:0"), "{public}");
    assert_eq!(public.len(), 4 + 66, "{public}");
    assert_eq!(file["signature"]["publicKey"], public.as_str());
    assert_eq!(file["bundle"]["authority"], public.as_str());
    assert_eq!(file["bundle"]["crypto"], json!({"profile": "guomi"}));

    s.trust(&key);
    let verified = s.machine.verify(&path, &Expect::default()).expect("valid");
    assert_eq!(verified.bundle.authority(), &key.public());
    assert_eq!(verified.bundle.authority().alg(), SigAlg::Sm2);
    let settings = verified.bundle.settings();
    assert_eq!(
        settings.algorithms(),
        countersign_crypto::Policy::only(Profile::Guomi)
    );

    let applied = s.machine.apply(&path, &Expect::default()).expect("apply");
    assert_eq!(
        std::fs::read(&applied.path).expect("applied"),
        std::fs::read(&path).expect("bundle"),
        "applied byte for byte"
    );
    let (loaded, source) = s.machine.load(None).expect("load").expect("applied");
    assert_eq!(loaded.authority(), &key.public());
    assert_eq!(
        source,
        TrustSource::AuthorityFile(s.machine.authority_file.clone())
    );

    // Without authority.pub the applied bundle's SM2 authority is trusted for an update.
    std::fs::remove_file(&s.machine.authority_file).expect("rm");
    let v2 = s.signed("v2.bundle", &guomi(2), &key);
    let applied = s.machine.apply(&v2, &Expect::default()).expect("update");
    assert_eq!(applied.verified.installed, Some(1));
    assert!(matches!(
        applied.verified.trusted_by,
        TrustSource::Applied(_)
    ));

    // The key file names its algorithm, reads back, and serves as a trust anchor; the key's
    // text is taken as IT may type it (spaces, capitals) too.
    let key_file = s.path("authority.key.json");
    std::fs::write(&key_file, key.to_file_text()).expect("write");
    let file = json_of(&key_file);
    assert_eq!(file["algorithm"], "sm2");
    assert_eq!(file["publicKey"], public.as_str());
    let again = AuthorityKey::read(&key_file).expect("read");
    assert_eq!(again.public(), key.public());
    assert_eq!(
        parse_authority(key_file.to_str().expect("utf-8")).expect("anchor"),
        key.public()
    );
    let typed = format!("  {}\n", public.to_uppercase());
    assert_eq!(parse_authority(&typed).expect("typed"), key.public());
}

#[test]
fn a_machine_refuses_a_bundle_signed_with_another_algorithm_than_its_authority_key() {
    let sm2 = sm2_authority(0x5a);
    let ed = ed25519_authority(1);
    let both = || crypto("guomi", &["standard"]);

    // An Ed25519-trusting machine and an SM2 bundle.
    let s = Setup::new();
    let path = s.signed("sm2.bundle", &bundle(1, both()), &sm2);
    s.trust(&ed);
    let algorithm = |e: &Result<_, BundleError>| match e {
        Err(e) => e.code() == "bundle.algorithm",
        Ok(_) => false,
    };
    let result = s.machine.verify(&path, &Expect::default());
    assert!(algorithm(&result), "{result:?}");
    refused(
        result,
        ErrorKind::AlgorithmMismatch,
        &["is signed with sm2", "an ed25519 key", "authority.pub"],
    );
    refused(
        s.machine.verify(&path, &explicit(&ed)),
        ErrorKind::AlgorithmMismatch,
        &["is signed with sm2", "from --authority"],
    );

    // The reverse: an SM2-trusting machine and an Ed25519 bundle (even one whose crypto
    // accepts both).
    let s = Setup::new();
    let path = s.signed("ed.bundle", &bundle(1, both()), &ed);
    s.trust(&sm2);
    refused(
        s.machine.verify(&path, &Expect::default()),
        ErrorKind::AlgorithmMismatch,
        &["is signed with ed25519", "an sm2 key", &sm2.public_text()],
    );
    assert!(!s.machine.applied_path().exists(), "nothing applied");

    // A machine running on an SM2 bundle, whose authority.pub is then replaced by an Ed25519
    // key: the app (load) refuses to start on it rather than trust either silently.
    let s = Setup::new();
    let path = s.signed("sm2.bundle", &guomi(1), &sm2);
    s.machine.apply(&path, &explicit(&sm2)).expect("apply");
    s.trust(&ed);
    refused(
        s.machine.load(None).map(drop),
        ErrorKind::AlgorithmMismatch,
        &["applied-bundle.json is signed with sm2", "an ed25519 key"],
    );
    s.trust(&sm2);
    s.machine.load(None).expect("load").expect("applied");
}

#[test]
fn a_signature_relabelled_as_the_other_algorithm_is_refused() {
    let s = Setup::new();
    let sm2 = sm2_authority(0x5a);
    let ed = ed25519_authority(1);
    let both = crypto("guomi", &["standard"]);
    let sm2_file = json_of(&s.signed("sm2.bundle", &bundle(1, both.clone()), &sm2));
    let ed_file = json_of(&s.signed("ed.bundle", &bundle(1, both), &ed));

    let cases: Vec<(&str, Value, &AuthorityKey, &[&str])> = vec![
        (
            "an SM2 signature labelled ed25519",
            {
                let mut f = sm2_file.clone();
                f["signature"]["algorithm"] = json!("ed25519");
                f
            },
            &sm2,
            &[
                "signature.algorithm says ed25519",
                "an sm2 key",
                "relabelled",
            ],
        ),
        (
            "an SM2 signature with its label removed (read as Ed25519)",
            {
                let mut f = sm2_file.clone();
                f["signature"]
                    .as_object_mut()
                    .expect("object")
                    .remove("algorithm");
                f
            },
            &sm2,
            &["says ed25519", "relabelled"],
        ),
        (
            "an Ed25519 signature labelled sm2",
            {
                let mut f = ed_file.clone();
                f["signature"]["algorithm"] = json!("sm2");
                f
            },
            &ed,
            &[
                "signature.algorithm says sm2",
                "an ed25519 key",
                "relabelled",
            ],
        ),
        (
            "an algorithm no one knows",
            {
                let mut f = sm2_file.clone();
                f["signature"]["algorithm"] = json!("sm9");
                f
            },
            &sm2,
            &["\"sm9\"", "\"ed25519\" or \"sm2\""],
        ),
    ];
    for (what, file, trusted, words) in cases {
        let path = s.write(
            "relabelled.bundle",
            &serde_json::to_vec(&file).expect("json"),
        );
        let result = s.machine.verify(&path, &explicit(trusted));
        match &result {
            Err(e) if e.kind == ErrorKind::Malformed => {
                for w in words {
                    assert!(e.to_string().contains(w), "{what}: {w:?} not in {e}");
                }
            }
            other => panic!("{what}: expected a refusal, got {other:?}"),
        }
    }

    // Keys and labels left as the SM2 authority's, the bytes an Ed25519 signature over the
    // same input: they do not verify as SM2.
    let mut swapped = sm2_file.clone();
    swapped["signature"]["value"] = ed_file["signature"]["value"].clone();
    let path = s.write(
        "swapped.bundle",
        &serde_json::to_vec(&swapped).expect("json"),
    );
    refused(
        s.machine.verify(&path, &explicit(&sm2)),
        ErrorKind::BadSignature,
        &["changed after it was signed"],
    );
}

fn demo_credential(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo/samples")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The signature check of `credential` under the verification policy of `settings` (no chain:
/// only the cryptography matters here).
fn signature_check(credential: &[u8], settings: &Settings) -> (CheckOutcome, &'static str) {
    let clock = FixedClock(
        Utc.with_ymd_and_hms(2026, 11, 25, 1, 0, 0)
            .single()
            .expect("t"),
    );
    let params = Params {
        clock: &clock,
        chain: None,
        policy: settings.verification_policy(),
    };
    let report: Report = verify_json(credential, &params);
    let check = report
        .checks
        .iter()
        .find(|c| c.id == CheckId::Signature)
        .expect("a signature check");
    (check.outcome, check.code)
}

#[test]
fn a_guomi_bundle_yields_a_verification_policy_that_refuses_ed25519_credentials() {
    let licence = demo_credential("valid-business-licence.json");
    let settings = |c| Settings::from_bundle(&bundle(1, c)).expect("valid");

    // The national profile alone: the demo's Ed25519 licence is refused before its signature
    // is checked, and nothing SHA-256 is relied on.
    let national = settings(crypto("guomi", &[]));
    let policy = national.verification_policy().algorithms;
    assert_eq!(policy.signs_with(), Profile::Guomi);
    assert!(policy.allow_sig(SigAlg::Ed25519).is_err());
    assert!(policy.allow_hash(HashAlg::Sha256).is_err());
    assert_eq!(
        signature_check(&licence, &national),
        (CheckOutcome::Fail, "signature.not_allowed")
    );

    // Moving to it, the standard profile still accepted; and a bundle that does not say.
    let moving = settings(crypto("guomi", &["standard"]));
    assert_eq!(
        moving.algorithms(),
        countersign_crypto::Policy::new(Profile::Guomi, &[Profile::Standard])
    );
    assert_eq!(
        signature_check(&licence, &moving),
        (CheckOutcome::Pass, "signature.ok")
    );
    let standard = settings(None);
    assert_eq!(standard.algorithms(), countersign_crypto::Policy::default());
    assert_eq!(
        signature_check(&licence, &standard),
        (CheckOutcome::Pass, "signature.ok")
    );
    // The other members of the verification policy still come from the bundle.
    assert_eq!(
        national.verification_policy().max_chain_age,
        chrono::Duration::hours(24)
    );
}

#[test]
fn a_bundle_naming_an_unknown_profile_is_refused_with_a_clear_message() {
    let cases: Vec<(Option<CryptoEntry>, &[&str])> = vec![
        (
            crypto("sm9", &[]),
            &["crypto.profile \"sm9\"", "\"standard\"", "\"guomi\""],
        ),
        (
            crypto("GUOMI", &[]),
            &["crypto.profile \"GUOMI\" is not a profile"],
        ),
        (
            crypto("guomi", &["rsa"]),
            &["crypto.accept \"rsa\"", "\"standard\" (ed25519, sha-256)"],
        ),
        (crypto("guomi", &["guomi"]), &["the hall's own profile"]),
        (
            crypto("standard", &["guomi", "guomi"]),
            &["lists \"guomi\" twice"],
        ),
    ];
    let key = sm2_authority(0x5a);
    for (c, words) in cases {
        let b = bundle(1, c.clone());
        let said = |e: &str| words.iter().all(|w| e.contains(w));
        match Settings::from_bundle(&b) {
            Err(e) if said(&e) => {}
            other => panic!("{c:?}: expected an error saying {words:?}, got {other:?}"),
        }
        match sign(&b, &key) {
            Err(e) if said(&e) => {}
            other => panic!("{c:?}: sign should refuse, got {other:?}"),
        }
    }

    // Signed anyway by a careless signer: the machine refuses it, naming the value.
    let s = Setup::new();
    let mut value = guomi(1).to_value().expect("value");
    value["authority"] = json!(key.public_text());
    value["crypto"]["profile"] = json!("sm9");
    let secret = SecretKey::from_bytes(SigAlg::Sm2, &[0x5a; 32]).expect("secret");
    let path = s.write("sm9.bundle", &raw_signed(&value, &secret));
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::Malformed,
        &[
            "not a valid hall bundle",
            "crypto.profile \"sm9\"",
            "\"standard\" (ed25519, sha-256) or \"guomi\" (sm2, sm3)",
        ],
    );
    // A member crypto does not have is refused as every unknown member is.
    value["crypto"] = json!({"profile": "guomi", "hash": "sm3"});
    let path = s.write("member.bundle", &raw_signed(&value, &secret));
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::Malformed,
        &["in crypto", "hash"],
    );
}

#[test]
fn a_bundle_is_signed_only_with_an_algorithm_its_own_crypto_accepts() {
    let ed = ed25519_authority(1);
    let sm2 = sm2_authority(0x5a);
    // A province on the national profile alone is not configured with an Ed25519 signature,
    // nor a standard one with an SM2 signature…
    let e = sign(&guomi(1), &ed).expect_err("refused");
    assert!(
        e.contains("signed with ed25519") && e.contains("crypto.accept"),
        "{e}"
    );
    let e = sign(&bundle(1, None), &sm2).expect_err("refused");
    assert!(e.contains("signed with sm2"), "{e}");
    // …but one moving may be, either way round.
    sign(&bundle(1, crypto("guomi", &["standard"])), &ed).expect("moving, old key");
    sign(&bundle(1, crypto("standard", &["guomi"])), &sm2).expect("moving, new key");

    // Signed anyway: refused on the machine, the signature good and the key trusted.
    let s = Setup::new();
    let mut value = guomi(1).to_value().expect("value");
    value["authority"] = json!(ed.public_text());
    let secret = SecretKey::from_bytes(SigAlg::Ed25519, &[1; 32]).expect("seed");
    let path = s.write("mixed.bundle", &raw_signed(&value, &secret));
    refused(
        s.machine.verify(&path, &explicit(&ed)),
        ErrorKind::Malformed,
        &["signed with ed25519", "does not accept"],
    );
}

/// A guomi bundle signed with a snapshot of a mirror at `block` (SM3, as `provision sign`
/// makes it under the national profile).
fn with_sm3_snapshot(s: &Setup, name: &str, version: u64, key: &AuthorityKey) -> PathBuf {
    let source = s.path(&format!("source-{name}.sqlite"));
    mirror_at(&source, 10);
    let snapshot = s.path(&format!("{name}.mirror.sqlite"));
    let mut b = guomi(version);
    b.mirror_snapshot = Some(
        write_snapshot(
            &source,
            &REGISTRY.parse().expect("registry"),
            &snapshot,
            HashAlg::Sm3,
        )
        .expect("snapshot"),
    );
    s.signed(name, &b, key)
}

#[test]
fn an_sm3_snapshot_is_named_for_its_hash_and_checked_with_it() {
    let s = Setup::new();
    let key = sm2_authority(0x5a);
    let path = with_sm3_snapshot(&s, "hall.bundle", 1, &key);
    let file = json_of(&path);
    let reference = &file["bundle"]["mirrorSnapshot"];
    assert!(reference.get("sha256").is_none(), "{reference}");
    let sm3 = reference["sm3"].as_str().expect("sm3 named");
    let snapshot = s.path("hall.bundle.mirror.sqlite");
    let bytes = std::fs::read(&snapshot).expect("snapshot");
    assert_eq!(sm3, hex::encode(HashAlg::Sm3.digest(&bytes)));

    // Altered: refused, the message naming SM3.
    let mut altered = bytes.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x55;
    std::fs::write(&snapshot, &altered).expect("write");
    refused(
        s.machine.apply(&path, &explicit(&key)),
        ErrorKind::SnapshotDigest,
        &["SM3", sm3],
    );
    std::fs::write(&snapshot, &bytes).expect("write");
    let applied = s.machine.apply(&path, &explicit(&key)).expect("apply");
    assert_eq!(applied.mirror, MirrorOutcome::Installed { block: 10 });
    let info = applied
        .verified
        .bundle
        .settings()
        .mirror_snapshot
        .clone()
        .expect("snapshot");
    assert_eq!(info.hash, HashAlg::Sm3);

    // A reference naming both hashes, or the SHA-256 of a bundle that accepts only the
    // national profile: refused.
    let secret = SecretKey::from_bytes(SigAlg::Sm2, &[0x5a; 32]).expect("secret");
    let sha256 = hex::encode(HashAlg::Sha256.digest(&bytes));
    let mut both = file["bundle"].clone();
    both["mirrorSnapshot"]["sha256"] = json!(sha256);
    let path = s.write("both.bundle", &raw_signed(&both, &secret));
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::Malformed,
        &["exactly one"],
    );
    let mut standard_hash = file["bundle"].clone();
    let object = standard_hash["mirrorSnapshot"]
        .as_object_mut()
        .expect("object");
    object.remove("sm3");
    object.insert("sha256".into(), json!(sha256));
    let path = s.write("sha256.bundle", &raw_signed(&standard_hash, &secret));
    refused(
        s.machine.verify(&path, &explicit(&key)),
        ErrorKind::Malformed,
        &["mirrorSnapshot.sha256", "sha-256 is not allowed"],
    );
}

/// A bundle signed before SM2 existed (by the build of commit d4fdbf6, authority seed 0x07):
/// it must verify and apply as it did, byte for byte, and signing its content again must give
/// the very same file.
#[test]
fn an_existing_ed25519_bundle_still_verifies_byte_for_byte() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ed25519-v3.bundle");
    let bytes = std::fs::read(&fixture).expect("fixture");
    let file: Value = serde_json::from_slice(&bytes).expect("json");
    assert!(file["signature"].get("algorithm").is_none());
    let key = ed25519_authority(7);
    let public = "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    assert_eq!(
        key.public_text(),
        public,
        "Ed25519 keys are written as before"
    );

    let s = Setup::new();
    let path = s.write("hall.bundle", &bytes);
    // Trusted as authority.pub has always held it: 64 hex digits.
    std::fs::create_dir_all(&s.machine.config_dir).expect("mkdir");
    std::fs::write(&s.machine.authority_file, format!("{public}\n")).expect("authority.pub");
    let applied = s.machine.apply(&path, &Expect::default()).expect("apply");
    assert_eq!(std::fs::read(&applied.path).expect("applied"), bytes);
    let settings = applied.verified.bundle.settings();
    assert_eq!(settings.version, 3);
    assert_eq!(settings.algorithms(), countersign_crypto::Policy::default());
    assert_eq!(applied.verified.bundle.authority().alg(), SigAlg::Ed25519);

    let again = sign(applied.verified.bundle.bundle(), &key).expect("sign");
    assert_eq!(
        String::from_utf8(again).expect("utf-8"),
        String::from_utf8(bytes).expect("utf-8"),
        "signing the same content gives the same file"
    );

    // A key file from before (no algorithm member) is an Ed25519 key, as is an authority
    // named with 0x or with ed25519:.
    let old = json!({
        "type": "countersign-authority-key",
        "publicKey": public,
        "privateKey": hex::encode([7u8; 32]),
    });
    let old_file = s.write("old.key.json", old.to_string().as_bytes());
    assert_eq!(
        AuthorityKey::read(&old_file)
            .expect("old key file")
            .public(),
        key.public()
    );
    for text in [format!("0x{public}"), format!("ed25519:{public}")] {
        assert_eq!(parse_authority(&text).expect("key"), key.public(), "{text}");
    }
    // A key file whose algorithm is not its key's is refused.
    let mut lying = old.clone();
    lying["algorithm"] = json!("sm2");
    let lying = s.write("lying.key.json", lying.to_string().as_bytes());
    let e = AuthorityKey::read(&lying).expect_err("refused");
    assert_eq!(e.kind, ErrorKind::KeyFile, "{e}");
    let e = parse_authority(lying.to_str().expect("utf-8")).expect_err("refused");
    assert!(e.to_string().contains("says algorithm sm2"), "{e}");
}

// --- OpenSSL 3 cross-checks. They fail, never skip, without /usr/bin/openssl: the check that
// our SM2 and SM3 are the standard's is the point of the national profile.

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new(OPENSSL)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{OPENSSL} must be OpenSSL 3 for this test: {e}"))
}

#[test]
fn openssl_verifies_an_sm2_bundle_signature() {
    let s = Setup::new();
    let key = sm2_authority(0x5a);
    let file = json_of(&s.signed("hall.bundle", &guomi(1), &key));
    let input = signing_input(&file["bundle"]).expect("input");
    let signature = hex::decode(file["signature"]["value"].as_str().expect("value")).expect("hex");
    let public = file["signature"]["publicKey"]
        .as_str()
        .and_then(|t| t.strip_prefix("sm2:"))
        .expect("an SM2 key's text");
    let point = hex::decode(public).expect("hex");

    // The forms OpenSSL reads, from the crypto crate (itself checked against OpenSSL both ways).
    let public = countersign_crypto::PublicKey::from_bytes(countersign_crypto::SigAlg::Sm2, &point)
        .expect("an SM2 key");
    let der_signature = countersign_crypto::Signature::from_slice(&signature)
        .expect("64 bytes")
        .to_der();
    let pem = s.write("authority.pem", public.to_spki_pem().as_bytes());
    let sig = s.write("bundle.sig", &der_signature);
    let message = s.write("signing-input.bin", &input);
    let verify = |message: &Path| {
        openssl(&[
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-pubin",
            "-inkey",
            pem.to_str().expect("utf-8"),
            "-in",
            message.to_str().expect("utf-8"),
            "-sigfile",
            sig.to_str().expect("utf-8"),
        ])
    };
    let out = verify(&message);
    assert!(
        out.status.success(),
        "OpenSSL refuses our SM2 signature: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully"));

    // The same check says no to another message, so the agreement above means something.
    let mut other = input.clone();
    let last = other.len() - 2;
    other[last] ^= 1;
    let altered = s.write("altered-input.bin", &other);
    assert!(
        !verify(&altered).status.success(),
        "OpenSSL accepts anything"
    );
}

#[test]
fn openssl_computes_the_same_sm3_for_a_snapshot() {
    let s = Setup::new();
    let key = sm2_authority(0x5a);
    let path = with_sm3_snapshot(&s, "hall.bundle", 1, &key);
    let named = json_of(&path)["bundle"]["mirrorSnapshot"]["sm3"]
        .as_str()
        .expect("sm3")
        .to_string();
    let snapshot = s.path("hall.bundle.mirror.sqlite");
    let out = openssl(&["dgst", "-sm3", "-r", snapshot.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "openssl dgst -sm3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).expect("text");
    let theirs = said.split_whitespace().next().expect("a digest");
    assert_eq!(theirs, named, "OpenSSL's SM3 of the snapshot");
}

/// A fixed SM2 authority and bundle, signed: docs/PROTOCOL.md §10.2 quotes these bytes. SM2
/// signs here with RFC 6979 nonces, so the signature is reproducible by this build; any other
/// SM2 implementation (OpenSSL's nonces are random) verifies it rather than reproduces it. The
/// public key is the one OpenSSL derives from the secret 32 bytes of 0x07.
#[test]
fn the_sm2_signing_input_and_signature_of_a_fixed_bundle_do_not_change() {
    let key = sm2_authority(7);
    let mut b = guomi(1);
    b.hall.id = "XX-TEST-01".into();
    b.hall.name = "测试大厅".into();
    let file: Value = serde_json::from_slice(&sign(&b, &key).expect("sign")).expect("json");
    let public = "sm2:02df07dc0b31591dfb63ec895516e5bb4ad05a09c2feba6d496ce523f7303fffcd";
    assert_eq!(key.public_text(), public);
    let input = String::from_utf8(signing_input(&file["bundle"]).expect("input")).expect("utf-8");
    assert_eq!(
        input,
        concat!(
            "countersign-hall-bundle-v1\u{0}",
            r#"{"authority":"sm2:02df07dc0b31591dfb63ec895516e5bb4ad05a09c2feba6d496ce523f7303fffcd","#,
            r#""chain":{"chainId":31337,"endpoints":["http://127.0.0.1:8545"],"registry":"eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"},"#,
            r#""counters":[{"id":"1"}],"crypto":{"profile":"guomi"},"format":"countersign-hall-bundle/1","#,
            r#""hall":{"id":"XX-TEST-01","name":"测试大厅","utcOffset":"+08:00"},"#,
            r#""issuedAt":"2026-11-25T09:00:00+08:00","language":"zh-CN","#,
            r#""policies":{"autoPrint":false,"failClosed":false,"maxChainAgeHours":24},"#,
            r#""printers":[],"scanner":{"mode":"keyboard"},"version":1}"#
        )
    );
    assert_eq!(
        file["signature"],
        json!({
            "algorithm": "sm2",
            "publicKey": public,
            "value": "4fde6b6d0d943a572a13a1dd2c660dbacb2ab1d61f65f353aac3e1409714665909891e87f7a78e69e71d645ab74bab6d49385269c1ff82d5e4d645f400c4e5d6",
        }),
        "the signature of the fixed bundle"
    );
}

/// The move docs/INSTALL.md describes ("Choosing the national profile"): accept both under the
/// old Ed25519 authority, move the authority to SM2 deliberately on the PC, then the national
/// profile alone. Every step that is skipped is refused with its cause, and nothing is applied.
#[test]
fn a_province_moves_from_the_standard_to_the_national_profile_in_the_documented_steps() {
    let s = Setup::new();
    let ed = ed25519_authority(1);
    let sm2 = sm2_authority(0x5a);
    s.trust(&ed);
    let v1 = s.signed("v1.bundle", &bundle(1, None), &ed);
    s.machine.apply(&v1, &Expect::default()).expect("v1");

    // Both profiles accepted, still signed by the Ed25519 authority.
    let v2 = s.signed("v2.bundle", &bundle(2, crypto("guomi", &["standard"])), &ed);
    let applied = s.machine.apply(&v2, &Expect::default()).expect("v2");
    let accepted = applied.verified.bundle.settings().algorithms().accepted();
    assert_eq!(accepted, vec![Profile::Standard, Profile::Guomi]);

    // The SM2 authority's bundle: refused while the PC trusts the Ed25519 key…
    let v3 = s.signed(
        "v3.bundle",
        &bundle(3, crypto("guomi", &["standard"])),
        &sm2,
    );
    refused(
        s.machine.apply(&v3, &Expect::default()),
        ErrorKind::AlgorithmMismatch,
        &["is signed with sm2"],
    );
    // …and, with the new authority.pub but the old applied bundle, as a change of authority
    // (apply) and as a key of another algorithm than the applied bundle's (the app's load).
    s.trust(&sm2);
    refused(
        s.machine.apply(&v3, &Expect::default()),
        ErrorKind::AuthorityChanged,
        &["same authority"],
    );
    refused(
        s.machine.load(None).map(drop),
        ErrorKind::AlgorithmMismatch,
        &["is signed with ed25519", "an sm2 key"],
    );
    // The deliberate step: the applied bundle removed, the SM2 bundle applied.
    std::fs::remove_file(s.machine.applied_path()).expect("rm");
    s.machine.apply(&v3, &Expect::default()).expect("v3");

    // The national profile alone: only the SM2 authority can sign it.
    assert!(sign(&guomi(4), &ed).is_err());
    let v4 = s.signed("v4.bundle", &guomi(4), &sm2);
    let applied = s.machine.apply(&v4, &Expect::default()).expect("v4");
    assert_eq!(
        applied.verified.bundle.settings().algorithms(),
        countersign_crypto::Policy::only(Profile::Guomi)
    );
    let (loaded, _) = s.machine.load(None).expect("load").expect("applied");
    assert_eq!(loaded.version(), 4);
}
