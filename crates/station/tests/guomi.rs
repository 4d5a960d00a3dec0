//! The station under the national profile (国密), on real log files: an SM2 hall signs its
//! checkpoints, days and receipts and they verify; a policy that does not accept a hall's
//! algorithm refuses its receipts and its log's signatures, either way round; a log written by
//! an older build, opened by a hall moving to the national profile, keeps SHA-256 and says so;
//! and an SM2 station anchors its SM3 days and checkpoints on a real registry (anvil), where
//! the registry names it by the SM3 hash of its key.

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_chain::{Registry, RpcOptions, Wallet};
use countersign_chainstate::MemoryChainState;
use countersign_crypto::{HashAlg, Policy, Profile, SecretKey, SigAlg};
use countersign_devchain::{Anvil, DEV_CHAIN_ID, DEV_KEYS};
use countersign_log::{CheckpointProblem, DigestProblem};
use countersign_receipt::{LogMatch, ReceiptError, ReceiptFinding};
use countersign_station::integrity::{self, AnchorSource, Anchoring, CheckpointStanding};
use countersign_station::receipts::{check, CheckContext, CheckError, Recorded, TrustedHall};
use countersign_station::{Channel, Identity, Logged, PrivacyPolicy, ProfileMismatch, Station};
use countersign_verify::{FixedClock, Params};
use std::path::{Path, PathBuf};

const HALL: &str = "BJ-CY-01";

fn demo(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn at() -> DateTime<Utc> {
    // 01:30 in Beijing on 2 November.
    Utc.with_ymd_and_hms(2026, 11, 1, 17, 30, 0)
        .single()
        .expect("time")
}

fn sm2() -> SecretKey {
    SecretKey::from_bytes(SigAlg::Sm2, &[3; 32]).expect("key")
}

fn ed25519() -> SecretKey {
    SecretKey::from_bytes(SigAlg::Ed25519, &[3; 32]).expect("key")
}

/// A hall moving to the national profile: signs with it, still accepts the standard one.
fn moving() -> Policy {
    Policy::new(Profile::Guomi, &[Profile::Standard])
}

fn identity() -> Identity {
    Identity {
        hall: HALL.into(),
        counter: "3".into(),
        clerk: "clerk-007".into(),
    }
}

/// The station of a hall with `algorithms`, its log at `path`, closing days and signing
/// checkpoints with `key`.
fn open(path: &Path, algorithms: Policy, key: SecretKey, now: DateTime<Utc>) -> Station {
    Station::open_with(path, identity(), PrivacyPolicy::default(), algorithms, now)
        .expect("open")
        .closing_days_with(HALL, key, now)
}

/// Verifies `sample` against the demo registry and logs it at the counter: its entry. (The
/// demo credentials are the standard profile's; the credential's algorithm is the verify
/// crate's business, the hall's own records are this test's.)
fn record(station: &mut Station, sample: &str) -> u64 {
    let snapshot: serde_json::Value =
        serde_json::from_slice(&demo("registry-snapshot.json")).expect("snapshot");
    let chain: MemoryChainState =
        countersign_chainstate::snapshot::from_json(&snapshot).expect("snapshot");
    let input = demo(&format!("samples/{sample}.cs1.txt"));
    let clock = FixedClock(at());
    let report = countersign_verify::verify_text(
        std::str::from_utf8(&input).expect("text"),
        &Params {
            clock: &clock,
            chain: Some(&chain),
            policy: countersign_verify::VerificationPolicy::default(),
        },
    );
    let Logged::Entry(seq) = station.record(&report, &input, Channel::Scanner, None) else {
        panic!("not logged")
    };
    seq
}

fn trusted(key: &SecretKey) -> Vec<TrustedHall> {
    vec![TrustedHall {
        hall: HALL.into(),
        name: "北京市朝阳区政务服务中心".into(),
        key: key.public(),
    }]
}

#[test]
fn an_sm2_hall_signs_checkpoints_days_and_receipts_that_verify() {
    let dir = tempfile::tempdir().expect("dir");
    let guomi = Policy::only(Profile::Guomi);
    let mut station = open(&dir.path().join("log.sqlite"), guomi, sm2(), at());
    assert_eq!(station.log().hash(), HashAlg::Sm3);
    assert_eq!(station.profile_mismatches(), []);
    let seq = record(&mut station, "expired-residence-permit");
    // The first entry is signed at once (nothing was signed before it).
    let checkpoint = station
        .log()
        .newest_checkpoint()
        .expect("read")
        .expect("a checkpoint");
    assert!(
        checkpoint
            .note
            .starts_with("countersign/sm3/hall/BJ-CY-01\n"),
        "{}",
        checkpoint.note
    );
    // The next day: the day is closed and signed with SM2.
    station.tick(at() + Duration::days(1));
    let days = station.log().digests().expect("days");
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].sig_alg, SigAlg::Sm2);
    assert_eq!(days[0].key(), Some(sm2().public()));

    let signed = station
        .receipt_of(seq)
        .expect("read")
        .expect("receipt")
        .sign(&sm2())
        .expect("sign");
    assert_eq!(signed.alg(), SigAlg::Sm2);
    let trust = trusted(&sm2());
    let report = check(
        signed.payload().as_bytes(),
        &CheckContext {
            trusted: &trust,
            mirror: None,
            own: Some((HALL, station.log())),
            policy: guomi,
        },
    )
    .expect("check");
    assert_eq!(report.finding, ReceiptFinding::Genuine);
    assert_eq!(report.log, LogMatch::Matches(seq));
    assert!(
        matches!(
            report.recorded,
            Some(Recorded::InCheckpoint { seq: s, size, .. }) if s == seq && size == checkpoint.size
        ),
        "{:?}",
        report.recorded
    );

    let report = integrity::check(
        station.log(),
        &[sm2().public()],
        &guomi,
        &AnchorSource::NotAsked,
    )
    .expect("check");
    assert!(report.intact(), "{}", report.summary());
    assert!(report.signatures_checked);
    assert_eq!(report.days.len(), 1);
}

/// Each policy refuses the other profile's hall: its receipts are not genuine here (refused
/// before their signature is checked), its log's checkpoints and days are named as signed
/// with an algorithm the hall does not accept. A hall moving between profiles accepts both.
#[test]
fn a_policy_refuses_the_other_profiles_hall_either_way_round() {
    for (key, profile, refusing) in [
        (sm2(), Profile::Guomi, Profile::Standard),
        (ed25519(), Profile::Standard, Profile::Guomi),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        let mut station = open(
            &dir.path().join("log.sqlite"),
            Policy::only(profile),
            key.clone(),
            at(),
        );
        let seq = record(&mut station, "valid-diploma");
        station.checkpoint_now(at()).expect("sign");
        station.tick(at() + Duration::days(1));
        let payload = station
            .receipt_of(seq)
            .expect("read")
            .expect("receipt")
            .sign(&key)
            .expect("sign")
            .payload();
        let trust = trusted(&key);
        let context = |policy| CheckContext {
            trusted: &trust,
            mirror: None,
            own: Some((HALL, station.log())),
            policy,
        };
        match check(payload.as_bytes(), &context(Policy::only(refusing))) {
            Err(CheckError::Receipt(ReceiptError::NotAllowed(refused))) => {
                assert_eq!(refused.algorithm, key.alg().name())
            }
            other => panic!("{profile}: expected NotAllowed, got {other:?}"),
        }
        let report = check(payload.as_bytes(), &context(moving())).expect("check");
        assert_eq!(report.finding, ReceiptFinding::Genuine, "{profile}");

        let refused = integrity::check(
            station.log(),
            &[key.public()],
            &Policy::only(refusing),
            &AnchorSource::NotAsked,
        )
        .expect("check");
        assert!(!refused.intact());
        assert!(!refused.checkpoint_problems.is_empty());
        assert!(refused
            .checkpoint_problems
            .iter()
            .all(|(_, p)| *p == CheckpointProblem::NotAllowed(key.alg())));
        assert!(refused
            .days
            .iter()
            .all(|d| d.problem == Some(DigestProblem::NotAllowed(key.alg()))));
        assert!(
            refused.summary().contains("algorithm-not-allowed"),
            "{}",
            refused.summary()
        );
        let accepted = integrity::check(
            station.log(),
            &[key.public()],
            &moving(),
            &AnchorSource::NotAsked,
        )
        .expect("check");
        assert!(accepted.intact(), "{}", accepted.summary());
    }
}

/// A log written by an older build (the schema-2 fixture: SHA-256, one day signed with the
/// Ed25519 key of seed 7), opened by a hall moving to the national profile with its new SM2
/// key: the file keeps SHA-256 and the station says so; its new checkpoints and days are
/// signed with SM2 under the SHA-256 log's origin; both keys' signatures check under the
/// moving hall's policy, and the old day is named as not allowed once the hall accepts only
/// the national profile.
#[test]
fn an_old_sha256_log_opened_by_a_guomi_station_keeps_sha256_and_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("log.sqlite");
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../log/tests/fixtures/log-v2.sqlite");
    std::fs::copy(fixture, &path).expect("copy the fixture");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 5, 2, 0, 0)
        .single()
        .expect("t");
    let mut station = open(&path, moving(), sm2(), now);
    assert_eq!(station.log().hash(), HashAlg::Sha256);
    let mismatches = station.profile_mismatches();
    assert_eq!(
        mismatches,
        [ProfileMismatch::LogHash {
            file: HashAlg::Sha256,
            profile: Profile::Guomi
        }]
    );
    assert!(!mismatches[0].is_refused());
    let said = mismatches[0].to_string();
    assert!(
        said.contains("hashes with sha-256") && said.contains("keeps its own hash"),
        "{said}"
    );

    record(&mut station, "valid-diploma");
    station.checkpoint_now(now).expect("sign");
    let checkpoint = station
        .log()
        .newest_checkpoint()
        .expect("read")
        .expect("a checkpoint");
    assert!(
        checkpoint.note.starts_with("countersign/hall/BJ-CY-01\n"),
        "a SHA-256 log's origin, whatever key signs: {}",
        checkpoint.note
    );
    let days = station.log().digests().expect("days");
    let algs: Vec<(String, SigAlg)> = days
        .iter()
        .map(|d| (d.day.to_string(), d.sig_alg))
        .collect();
    assert_eq!(
        algs,
        [
            ("2026-11-02".to_string(), SigAlg::Ed25519),
            ("2026-11-03".to_string(), SigAlg::Sm2),
            ("2026-11-04".to_string(), SigAlg::Sm2),
        ]
    );
    let old_key = SecretKey::from_bytes(SigAlg::Ed25519, &[7; 32])
        .expect("key")
        .public();
    let both_keys = [old_key, sm2().public()];
    let report = integrity::check(
        station.log(),
        &both_keys,
        &moving(),
        &AnchorSource::NotAsked,
    )
    .expect("check");
    assert!(report.intact(), "{}", report.summary());
    // Once the province accepts only the national profile, the old day is named.
    let report = integrity::check(
        station.log(),
        &both_keys,
        &Policy::only(Profile::Guomi),
        &AnchorSource::NotAsked,
    )
    .expect("check");
    let problems: Vec<_> = report
        .days
        .iter()
        .filter_map(|d| d.problem.clone())
        .collect();
    assert_eq!(problems, [DigestProblem::NotAllowed(SigAlg::Ed25519)]);
    drop(station);
    assert_eq!(
        countersign_log::Log::open_read_only(&path)
            .expect("open")
            .hash(),
        HashAlg::Sha256,
        "the file's own hash, for good"
    );
}

/// A hall whose key is of the other profile keeps signing with it (re-keying is registering a
/// new station key) and says so; when its policy no longer accepts that algorithm at all, the
/// mismatch is a refusal, not a note.
#[test]
fn a_hall_key_of_the_other_profile_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("log.sqlite");
    let station = open(&path, Policy::only(Profile::Guomi), ed25519(), at());
    let mismatches = station.profile_mismatches();
    assert_eq!(
        mismatches,
        [ProfileMismatch::HallKey {
            key: SigAlg::Ed25519,
            profile: Profile::Guomi,
            accepted: false
        }]
    );
    assert!(mismatches[0].is_refused());
    assert!(
        mismatches[0].to_string().contains("register it"),
        "{}",
        mismatches[0]
    );
    drop(station);
    let station = open(&path, moving(), ed25519(), at());
    assert_eq!(
        station.profile_mismatches(),
        [ProfileMismatch::HallKey {
            key: SigAlg::Ed25519,
            profile: Profile::Guomi,
            accepted: true
        }]
    );
}

fn wallet(i: usize) -> Wallet {
    Wallet::from_hex(DEV_KEYS[i]).expect("dev key")
}

/// An SM2 station on a real registry: registered by the SM3 hash of its key (the registry's
/// `bytes32` names), it anchors its SM3 day digest and checkpoint, and the integrity check
/// finds both on the registry under that name.
#[test]
fn an_sm2_station_anchors_its_sm3_day_and_checkpoint_on_the_registry() {
    let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
    let (registry, _) = Registry::deploy(
        &anvil.url(),
        DEV_CHAIN_ID,
        &wallet(0),
        RpcOptions::default(),
    )
    .expect("deploy");
    let station_key = sm2().public().registry_key();
    assert_eq!(station_key, HashAlg::Sm3.digest(&sm2().public().to_bytes()));
    registry
        .register_station(
            &wallet(0),
            station_key,
            Some(wallet(2).address().into()),
            "朝阳区政务服务中心",
        )
        .expect("register station");

    let dir = tempfile::tempdir().expect("dir");
    let guomi = Policy::only(Profile::Guomi);
    let mut station = open(&dir.path().join("log.sqlite"), guomi, sm2(), at());
    record(&mut station, "valid-business-licence");
    station.tick(at() + Duration::days(1));
    let day = station.log().digests().expect("days").remove(0);
    let mined = registry
        .anchor_log_digest(&wallet(2), day.day, day.digest)
        .expect("anchor the day");
    station
        .log_mut()
        .set_anchored(day.day, &hex::encode(mined.tx))
        .expect("mark");
    let (anchored, _) = integrity::anchor_checkpoint(station.log_mut(), &registry, &wallet(2))
        .expect("anchor")
        .expect("a checkpoint to anchor");

    let report = integrity::check(
        station.log(),
        &[sm2().public()],
        &guomi,
        &AnchorSource::Node(&registry),
    )
    .expect("check");
    assert!(report.intact(), "{}", report.summary());
    assert_eq!(
        report.days[0].anchoring,
        Some(Anchoring::Anchored { block: mined.block })
    );
    let newest = report
        .anchored_checkpoints
        .last()
        .expect("the anchored checkpoint");
    assert_eq!(
        (newest.station, newest.anchored.size, newest.standing),
        (station_key, anchored.size, CheckpointStanding::Matches)
    );
    anvil.stop();
}
