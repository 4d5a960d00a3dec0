//! The log under the national profile (国密): an SM3 log whose days and checkpoints the hall
//! signs with SM2. Each test works on a real SQLite file, tampered with the `sqlite3` shell:
//! - the file names its hash when created and keeps it, whatever opens it later;
//! - an SM3 log verifies end to end (chains, tree, checkpoints, days, proofs), and every
//!   attack is found exactly as in a SHA-256 log (the same scenarios, the same findings);
//! - a policy refuses the other profile's signatures, either way round, before checking them;
//! - the hash cannot be relabelled: not in the file, not in a checkpoint's origin;
//! - SM3 tree and row hashes agree with OpenSSL (`openssl dgst -sm3`), and OpenSSL verifies an
//!   SM2 checkpoint signature from the file (`openssl pkeyutl -verify -rawin -digest sm3`,
//!   default distinguishing ID), the key and signature put into DER by this file's own small
//!   encoder. These fail, never skip, without OpenSSL (scripts/test.sh installs it).

use base64::Engine as _;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use countersign_crypto::{HashAlg, Policy, Profile, PublicKey, SecretKey, SigAlg};
use countersign_log::{
    open_checkpoint, origin_for, CheckpointProblem, DigestProblem, LeafKind, Log, LogError,
    NewEntry, TreeFinding,
};
use countersign_tlog::note::{Checkpoint, NoteSigner};
use countersign_vocab::{Channel, CredentialHash, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const HALL: &str = "BJ-CY-01";

fn at(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).expect("time") + Duration::minutes(minute)
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

fn entry(n: i64) -> NewEntry {
    NewEntry {
        at: at(n),
        hall: HALL.into(),
        counter: "1".into(),
        clerk: "clerk-007".into(),
        channel: Channel::Scanner,
        credential_type: Some("DiplomaCredential".into()),
        issuer: None,
        issuer_name: Some("京华大学".into()),
        leaf: Some(CredentialHash([n as u8; 32])),
        verdict: Verdict::Valid,
        failing: vec![],
        reasons: vec![],
        chain: None,
        receipt: Some(format!("R-{n:04}")),
        personal: BTreeMap::from([("name".to_string(), "刘*".to_string())]),
    }
}

/// The hall key of a profile (the same seed under either algorithm).
fn hall_key(profile: Profile) -> SecretKey {
    SecretKey::from_bytes(profile.sig(), &[42; 32]).expect("key")
}

fn signer(log: &Log, key: SecretKey) -> NoteSigner {
    NoteSigner::new(&log.origin(HALL), key).expect("signer")
}

fn sqlite3(path: &Path, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .output()
        .expect("the sqlite3 shell (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new("/usr/bin/openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run /usr/bin/openssl (scripts/test.sh installs it): {e}")
        })
}

fn openssl_ok(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = openssl(args, dir);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `openssl dgst -<alg>` of `bytes`, as 32 bytes.
fn openssl_digest(dir: &Path, alg: &str, bytes: &[u8]) -> [u8; 32] {
    std::fs::write(dir.join("preimage"), bytes).expect("write");
    let out = openssl_ok(&["dgst", &format!("-{alg}"), "-r", "preimage"], dir);
    let text = String::from_utf8_lossy(&out);
    let hex = text.split_whitespace().next().expect("a digest");
    hex::decode(hex).expect("hex").try_into().expect("32 bytes")
}

/// Ten entries with two audit records among them, a checkpoint after each five entries, then
/// the two days they fall on closed and a checkpoint of the closed days: 14 leaves, checkpoints
/// of 6, 12 and 14. The log hashes with the profile's hash, the hall key is the profile's.
fn logged(dir: &Path, profile: Profile) -> PathBuf {
    let path = dir.join(format!("{profile}.sqlite"));
    let mut log = Log::open_with_hash(&path, profile.hash()).expect("open");
    let key = hall_key(profile);
    let signer = signer(&log, key.clone());
    for n in 1..=10 {
        log.append(&entry(n)).expect("append");
        if n == 3 || n == 8 {
            log.audit(
                "sup-001",
                "supervisor",
                "reveal",
                &format!("entry {n}"),
                at(n),
            )
            .expect("audit");
        }
        if n % 5 == 0 {
            log.checkpoint(&signer, at(n)).expect("checkpoint");
        }
    }
    let later = at(20) + Duration::days(2);
    let closed = log
        .close_ended_days(HALL, china(), &key, later)
        .expect("close");
    assert_eq!(closed.len(), 2);
    log.checkpoint(&signer, later).expect("checkpoint");
    path
}

#[test]
fn a_new_file_takes_the_configured_hash_and_keeps_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log.sqlite");
    let log = Log::open_with_hash(&path, HashAlg::Sm3).expect("create");
    assert_eq!(log.hash(), HashAlg::Sm3);
    assert_eq!(log.origin(HALL), "countersign/sm3/hall/BJ-CY-01");
    assert_eq!(
        log.tree_root(0).expect("root"),
        HashAlg::Sm3.digest(b""),
        "the empty tree's root is SM3(\"\")"
    );
    drop(log);
    // Every later open reads the file's hash, whatever it is asked to create.
    assert_eq!(Log::open(&path).expect("open").hash(), HashAlg::Sm3);
    assert_eq!(
        Log::open_with_hash(&path, HashAlg::Sha256)
            .expect("open")
            .hash(),
        HashAlg::Sm3
    );
    assert_eq!(
        Log::open_read_only(&path).expect("open").hash(),
        HashAlg::Sm3
    );
    // And a standard file stays standard when opened for SM3.
    let standard = dir.path().join("standard.sqlite");
    let mut log = Log::open(&standard).expect("create");
    log.append(&entry(1)).expect("append");
    drop(log);
    assert_eq!(
        Log::open_with_hash(&standard, HashAlg::Sm3)
            .expect("open")
            .hash(),
        HashAlg::Sha256
    );
}

#[test]
fn an_sm3_log_signed_with_sm2_verifies_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path(), Profile::Guomi);
    let log = Log::open(&path).expect("open");
    assert_eq!(log.hash(), HashAlg::Sm3);
    let checkpoints = log.checkpoints().expect("checkpoints");
    assert_eq!(
        checkpoints.iter().map(|c| c.size).collect::<Vec<_>>(),
        [6, 12, 14]
    );
    let check = log.verify_at(&[3, 14]).expect("verify");
    assert!(check.is_intact(), "{:?}", check.tree.findings);
    assert_eq!((check.entries, check.tree.leaves), (10, 14));
    for c in &checkpoints {
        assert_eq!(
            check.tree.roots.get(&c.size),
            Some(&c.root),
            "size {}",
            c.size
        );
        assert_eq!(log.tree_root(c.size).expect("root"), c.root);
    }
    assert!(check.tree.roots.contains_key(&3), "a size asked for");

    let guomi = Policy::only(Profile::Guomi);
    let key = hall_key(Profile::Guomi).public();
    assert_eq!(
        log.verify_checkpoints(&[key], &guomi).expect("signatures"),
        []
    );
    assert_eq!(log.verify_digests(&[key], &guomi).expect("days"), []);
    let digests = log.digests().expect("digests");
    assert!(digests
        .iter()
        .all(|d| d.sig_alg == SigAlg::Sm2 && d.key() == Some(key)));

    // The note is an SM3 log's checkpoint, signed with SM2.
    let opened = open_checkpoint(&checkpoints[2].note, &[key], &guomi).expect("opens");
    assert_eq!(opened.origin, "countersign/sm3/hall/BJ-CY-01");
    assert_eq!((opened.size, opened.root), (14, checkpoints[2].root));

    // Entry 4 proved in every checkpoint with SM3, and not with SHA-256.
    for c in &checkpoints {
        let proof = log.entry_proof(4, c.size).expect("proof").expect("present");
        let row = log.entry(4).expect("read").expect("entry");
        assert_eq!(
            proof.leaf,
            countersign_log::leaf_of(HashAlg::Sm3, LeafKind::Entry, 4, &row.hash)
        );
        countersign_tlog::verify_inclusion(
            HashAlg::Sm3,
            proof.index,
            c.size,
            &proof.leaf,
            &proof.proof,
            &c.root,
        )
        .expect("included");
        assert!(countersign_tlog::verify_inclusion(
            HashAlg::Sha256,
            proof.index,
            c.size,
            &proof.leaf,
            &proof.proof,
            &c.root,
        )
        .is_err());
    }
    for (a, b) in [(6, 12), (6, 14), (12, 14)] {
        let roots = |s: u64| {
            checkpoints
                .iter()
                .find(|c| c.size == s)
                .expect("checkpoint")
                .root
        };
        let proof = log.consistency_proof(a, b).expect("proof");
        countersign_tlog::verify_consistency(HashAlg::Sm3, a, b, &roots(a), &roots(b), &proof)
            .unwrap_or_else(|e| panic!("{a} → {b}: {e}"));
    }

    // The same verifications in a SHA-256 log: every hash differs, nothing else.
    let standard = Log::open(logged(dir.path(), Profile::Standard)).expect("open");
    let other = standard.verify().expect("verify");
    assert!(other.is_intact());
    assert_eq!(other.entries, check.entries);
    assert_ne!(other.head, check.head);
    assert_ne!(other.tree.root, check.tree.root);
}

/// What an integrity check says about a file, with the keys and policy of `profile`, in words
/// that do not depend on the hash (row numbers, leaf indices, sizes, kinds).
fn findings(path: &Path, profile: Profile) -> Vec<String> {
    let log = Log::open(path).expect("open");
    let trusted = [hall_key(profile).public()];
    let policy = Policy::only(profile);
    let check = log.verify().expect("verify");
    let mut out: Vec<String> = check.findings.iter().map(|f| f.to_string()).collect();
    out.extend(check.audit.findings.iter().map(|f| f.to_string()));
    out.extend(check.tree.findings.iter().map(|f| f.to_string()));
    out.extend(
        log.verify_checkpoints(&trusted, &policy)
            .expect("checkpoints")
            .iter()
            .map(|(size, p)| format!("checkpoint {size}: {p:?}")),
    );
    out.extend(
        log.verify_digests(&trusted, &policy)
            .expect("days")
            .iter()
            .map(|(day, p)| format!("day {day}: {p:?}")),
    );
    out
}

/// Someone with the file edits, deletes, cuts or forges; the SM3 log names each change with
/// the very findings the SHA-256 log gives.
#[test]
fn tampering_is_found_exactly_as_in_a_sha256_log() {
    enum Attack {
        Sql(&'static str),
        /// The checkpoints replaced by one signed with another key of the profile's algorithm.
        Forge,
    }
    let attacks = [
        ("untouched", Attack::Sql("SELECT 1;")),
        (
            "entry edited",
            Attack::Sql("UPDATE entries SET verdict = 'INVALID' WHERE seq = 4;"),
        ),
        (
            "summary edited",
            Attack::Sql("UPDATE personal SET summary = '{\"name\":\"王*\"}' WHERE seq = 5;"),
        ),
        (
            "entry deleted",
            Attack::Sql("DELETE FROM personal WHERE seq = 6; DELETE FROM entries WHERE seq = 6;"),
        ),
        (
            "newest entry deleted",
            Attack::Sql("DELETE FROM personal WHERE seq = 10; DELETE FROM entries WHERE seq = 10;"),
        ),
        (
            "entries swapped",
            Attack::Sql(
                "UPDATE entries SET seq = -1 WHERE seq = 2; UPDATE entries SET seq = 2 WHERE seq = 3;
                 UPDATE entries SET seq = 3 WHERE seq = -1;",
            ),
        ),
        (
            "audit record edited",
            Attack::Sql("UPDATE audit SET detail = 'entry 99' WHERE seq = 1;"),
        ),
        (
            "newest audit record deleted",
            Attack::Sql("DELETE FROM audit WHERE seq = 2;"),
        ),
        (
            "newest day's digest deleted",
            Attack::Sql("DELETE FROM digests WHERE day = (SELECT max(day) FROM digests);"),
        ),
        (
            "a day's count edited",
            Attack::Sql("UPDATE digests SET count = count + 1 WHERE day = (SELECT min(day) FROM digests);"),
        ),
        (
            "a checkpoint's root edited",
            Attack::Sql("UPDATE checkpoints SET root = zeroblob(32) WHERE size = 6;"),
        ),
        (
            "the tail cut with its tree",
            Attack::Sql(
                "DELETE FROM tlog_leaves WHERE idx >= 9; DELETE FROM tlog_nodes;
                 DELETE FROM digests; DELETE FROM personal WHERE seq >= 9;
                 DELETE FROM entries WHERE seq >= 9;",
            ),
        ),
        ("checkpoints forged", Attack::Forge),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, attack) in &attacks {
        let mut seen = Vec::new();
        for profile in Profile::ALL {
            let sub = dir
                .path()
                .join(format!("{}-{profile}", name.replace(' ', "-")));
            std::fs::create_dir(&sub).expect("dir");
            let path = logged(&sub, profile);
            match attack {
                Attack::Sql(sql) => sqlite3(&path, sql),
                Attack::Forge => {
                    sqlite3(&path, "DELETE FROM checkpoints;");
                    let mut log = Log::open(&path).expect("open");
                    let forger = SecretKey::from_bytes(profile.sig(), &[7; 32]).expect("key");
                    let forger = signer(&log, forger);
                    log.checkpoint(&forger, at(30)).expect("sign");
                }
            }
            seen.push(findings(&path, profile));
        }
        assert_eq!(
            seen[0], seen[1],
            "{name}: standard found {:?}, guomi found {:?}",
            seen[0], seen[1]
        );
        assert_eq!(
            seen[1].is_empty(),
            *name == "untouched",
            "{name}: {:?}",
            seen[1]
        );
    }
}

/// A hall accepts the algorithms its province allows; a log's signatures under another are
/// named as not allowed and never checked, whichever way round.
#[test]
fn each_policy_refuses_the_other_profiles_signatures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let both = Policy::new(Profile::Guomi, &[Profile::Standard]);
    for (profile, refusing) in [
        (Profile::Guomi, Profile::Standard),
        (Profile::Standard, Profile::Guomi),
    ] {
        let log = Log::open(logged(dir.path(), profile)).expect("open");
        let trusted = [hall_key(profile).public()];
        let alg = profile.sig();
        let refused = Policy::only(refusing);
        assert_eq!(
            log.verify_checkpoints(&trusted, &refused)
                .expect("checkpoints"),
            [6, 12, 14].map(|size| (size, CheckpointProblem::NotAllowed(alg)))
        );
        let days = log.verify_digests(&trusted, &refused).expect("days");
        assert_eq!(days.len(), 2);
        assert!(days
            .iter()
            .all(|(_, p)| *p == DigestProblem::NotAllowed(alg)));
        // A hall moving between profiles accepts both.
        assert_eq!(log.verify_checkpoints(&trusted, &both).expect("ok"), []);
        assert_eq!(log.verify_digests(&trusted, &both).expect("ok"), []);
        // The refusal comes before the signature: not even a trusted key of a refused
        // algorithm is asked whether the signature holds.
        let note = &log.checkpoints().expect("read")[0].note;
        assert!(matches!(
            open_checkpoint(note, &trusted, &refused),
            Err(countersign_tlog::note::NoteError::NotAllowed { alg: a, .. }) if a == alg
        ));
    }
}

/// The hash is named in the file and in every checkpoint's origin; neither can be changed to
/// make the log read under the other hash.
#[test]
fn the_hash_cannot_be_relabelled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path(), Profile::Guomi);
    // A signer named for a SHA-256 log is refused by an SM3 log.
    let mut log = Log::open(&path).expect("open");
    log.append(&entry(11)).expect("append");
    let wrong = NoteSigner::new(&origin_for(HALL, HashAlg::Sha256), hall_key(Profile::Guomi))
        .expect("signer");
    match log.checkpoint(&wrong, at(40)) {
        Err(LogError::WrongOrigin { expected, .. }) => {
            assert_eq!(expected, "countersign/sm3/hall/BJ-CY-01")
        }
        other => panic!("expected WrongOrigin, got {other:?}"),
    }
    // A note saying SHA-256, signed by the real hall key, put in for the newest checkpoint:
    // its signature holds, but it is not this log's checkpoint.
    let newest = log.newest_checkpoint().expect("read").expect("one");
    let relabelled = Checkpoint {
        origin: origin_for(HALL, HashAlg::Sha256),
        size: newest.size,
        root: newest.root,
    }
    .sign(&wrong)
    .expect("sign");
    drop(log);
    sqlite3(
        &path,
        &format!(
            "UPDATE checkpoints SET note = '{}' WHERE size = {};",
            relabelled.replace('\'', "''"),
            newest.size
        ),
    );
    let log = Log::open(&path).expect("open");
    let key = hall_key(Profile::Guomi).public();
    assert_eq!(
        log.verify_checkpoints(&[key], &Policy::only(Profile::Guomi))
            .expect("checkpoints"),
        [(14, CheckpointProblem::Altered)]
    );
    drop(log);

    // The file's hash relabelled: every row it holds no longer hashes to itself.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path(), Profile::Guomi);
    let copy = dir.path().join("relabelled.sqlite");
    std::fs::copy(&path, &copy).expect("copy");
    sqlite3(
        &copy,
        "UPDATE meta SET value = 'sha-256' WHERE name = 'hash';",
    );
    let log = Log::open(&copy).expect("open");
    assert_eq!(log.hash(), HashAlg::Sha256);
    let check = log.verify().expect("verify");
    assert!(!check.is_intact());
    assert_eq!(
        check.findings.len(),
        10,
        "every entry: {:?}",
        check.findings
    );
    assert!(check
        .tree
        .findings
        .contains(&TreeFinding::Rewritten { size: 6, since: 0 }));
    drop(log);
    // Named nothing, or something no build knows: refused, not read with a guess.
    for sql in [
        "DELETE FROM meta WHERE name = 'hash';",
        "INSERT OR REPLACE INTO meta (name, value) VALUES ('hash', 'md5');",
    ] {
        std::fs::copy(&path, &copy).expect("copy");
        sqlite3(&copy, sql);
        for opened in [Log::open(&copy), Log::open_read_only(&copy)] {
            assert!(
                matches!(opened, Err(LogError::Corrupt(ref why)) if why.contains("hash")),
                "{sql}: {opened:?}"
            );
        }
    }
}

/// SM3 as the log computes it, against OpenSSL: a leaf's preimage (`0x00 ‖ kind ‖ ref ‖ row
/// hash`), a node's (`0x01 ‖ left ‖ right`), and an audit record's chain hash
/// (`prev ‖ JCS(record)`), read from the file.
#[test]
fn sm3_leaf_node_and_row_hashes_agree_with_openssl() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = logged(dir.path(), Profile::Guomi);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let leaf = |idx: u64| -> (i64, u64, Vec<u8>) {
        conn.query_row(
            "SELECT kind, ref, hash FROM tlog_leaves WHERE idx = ?1",
            [idx],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("leaf")
    };
    let entry_hash: Vec<u8> = conn
        .query_row("SELECT hash FROM entries WHERE seq = 1", [], |r| r.get(0))
        .expect("entry");
    let (kind, reference, leaf0) = leaf(0);
    assert_eq!((kind, reference), (0, 1), "leaf 0 is entry 1");
    let mut preimage = vec![0x00, 0x00];
    preimage.extend_from_slice(&reference.to_be_bytes());
    preimage.extend_from_slice(&entry_hash);
    assert_eq!(preimage.len(), 1 + 41);
    assert_eq!(openssl_digest(dir.path(), "sm3", &preimage).to_vec(), leaf0);
    assert_ne!(
        openssl_digest(dir.path(), "sha256", &preimage).to_vec(),
        leaf0
    );

    let (_, _, leaf1) = leaf(1);
    let node: Vec<u8> = conn
        .query_row(
            "SELECT hash FROM tlog_nodes WHERE level = 1 AND idx = 0",
            [],
            |r| r.get(0),
        )
        .expect("node");
    let preimage = [&[0x01u8][..], &leaf0, &leaf1].concat();
    assert_eq!(openssl_digest(dir.path(), "sm3", &preimage).to_vec(), node);

    let (at_ms, detail, prev, hash): (i64, String, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT at_ms, detail, prev_hash, hash FROM audit WHERE seq = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("audit record");
    let jcs = format!(
        "{{\"action\":\"reveal\",\"actor\":\"sup-001\",\"at\":{at_ms},\"detail\":\"{detail}\",\"role\":\"supervisor\"}}"
    );
    let preimage = [prev.as_slice(), jcs.as_bytes()].concat();
    assert_eq!(openssl_digest(dir.path(), "sm3", &preimage).to_vec(), hash);
}

/// An SM2 checkpoint from the file, checked by OpenSSL: the note's text with the signature's
/// `r ‖ s` as a DER `SEQUENCE { INTEGER r, INTEGER s }` and the hall key as a PEM SPKI. The
/// key id in the signature line is checked against `openssl dgst -sha256` too.
#[test]
fn an_sm2_checkpoint_signature_verifies_with_openssl() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let path = logged(d, Profile::Guomi);
    let log = Log::open(&path).expect("open");
    let note = log.newest_checkpoint().expect("read").expect("one").note;
    let split = note.rfind("\n\n").expect("a signed note");
    let (text, line) = (&note[..=split], note[split + 2..].trim_end());
    let blob = base64::engine::general_purpose::STANDARD
        .decode(line.rsplit_once(' ').expect("name and signature").1)
        .expect("base64");
    assert_eq!(blob.len(), 4 + 64);
    let (id, signature) = blob.split_at(4);

    let public: PublicKey = hall_key(Profile::Guomi).public();
    let point = public.to_bytes();
    assert_eq!(point.len(), 33);
    let key_id_preimage = [
        log.origin(HALL).as_bytes(),
        b"\n",
        b"\xffcountersign/sm2-sm3",
        &point,
    ]
    .concat();
    assert_eq!(&openssl_digest(d, "sha256", &key_id_preimage)[..4], id);

    // The forms OpenSSL reads, from the crypto crate (itself checked against OpenSSL both ways).
    std::fs::write(d.join("pub.pem"), public.to_spki_pem()).expect("write");
    let der_signature = countersign_crypto::Signature::from_slice(signature)
        .expect("64 bytes")
        .to_der();
    std::fs::write(d.join("sig.der"), der_signature).expect("write");
    let verify = |message: &[u8]| {
        std::fs::write(d.join("msg"), message).expect("write");
        openssl(
            &[
                "pkeyutl",
                "-verify",
                "-rawin",
                "-digest",
                "sm3",
                "-pubin",
                "-inkey",
                "pub.pem",
                "-pkeyopt",
                "distid:1234567812345678",
                "-in",
                "msg",
                "-sigfile",
                "sig.der",
            ],
            d,
        )
    };
    let out = verify(text.as_bytes());
    assert!(
        out.status.success()
            && String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully"),
        "OpenSSL: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // One changed line (another size): OpenSSL refuses it, as it must.
    let changed = text.replacen("\n14\n", "\n13\n", 1);
    assert_ne!(changed, text);
    assert!(!verify(changed.as_bytes()).status.success());
}
