//! Checkpoints signed with SM2 (signature type `0xff ‖ "countersign/sm2-sm3"`), and the
//! attacks on a note's algorithm: a policy that does not accept the signer's algorithm opens
//! nothing, whichever way round; a signature line relabelled to the other type's key id is
//! refused, never checked as the wrong algorithm into a pass. (OpenSSL checks an SM2
//! checkpoint signature from a real log in countersign-log's tests/guomi.rs.)

use countersign_crypto::{Policy, Profile, SecretKey, SigAlg};
use countersign_tlog::note::{signature_type, Checkpoint, NoteError, NoteSigner, NoteVerifier};
use countersign_tlog::{leaf_hash, root, HashAlg};

use base64::Engine as _;

const ORIGIN: &str = "countersign/sm3/hall/BJ-CY-01";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

fn checkpoint() -> Checkpoint {
    let leaves: Vec<_> = (0u8..5).map(|i| leaf_hash(HashAlg::Sm3, &[i])).collect();
    Checkpoint {
        origin: ORIGIN.into(),
        size: 5,
        root: root(HashAlg::Sm3, &leaves),
    }
}

fn signer(alg: SigAlg, seed: u8) -> NoteSigner {
    let key = SecretKey::from_bytes(alg, &[seed; 32]).expect("key");
    NoteSigner::new(ORIGIN, key).expect("signer")
}

fn guomi() -> Policy {
    Policy::only(Profile::Guomi)
}

fn standard() -> Policy {
    Policy::only(Profile::Standard)
}

/// Replaces the signature line's key id (the first 4 bytes of its blob) with `id`.
fn with_key_id(note: &str, id: &[u8]) -> String {
    let (head, line) = note.trim_end().rsplit_once('\n').expect("a signature line");
    let (prefix, blob) = line.rsplit_once(' ').expect("name and blob");
    let mut bytes = unb64(blob);
    bytes[..4].copy_from_slice(id);
    format!("{head}\n{prefix} {}\n", b64(&bytes))
}

/// The key id a verifier key encodes (`name+<id hex>+key`).
fn id_of(verifier: &NoteVerifier) -> Vec<u8> {
    let encoded = verifier.encode();
    let hex = encoded.split('+').nth(1).expect("id");
    (0..8)
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn an_sm2_checkpoint_opens_under_a_policy_that_accepts_sm2() {
    let signer = signer(SigAlg::Sm2, 3);
    let note = checkpoint().sign(&signer).expect("sign");
    let verifier = NoteVerifier::parse(&signer.verifier().encode()).expect("verifier");
    assert_eq!(
        Checkpoint::open(&note, &verifier, &guomi()).expect("opens"),
        checkpoint()
    );
    let moving = Policy::new(Profile::Standard, &[Profile::Guomi]);
    assert!(Checkpoint::open(&note, &verifier, &moving).is_ok());
    // The verifier key names its type: 0xff, then the identifier, then 33 bytes.
    let encoded = verifier.encode();
    let key = unb64(encoded.splitn(3, '+').nth(2).expect("key"));
    assert_eq!(&key[..20], b"\xffcountersign/sm2-sm3");
    assert_eq!(key.len(), 20 + 33);
    // One changed character of the text: refused.
    let changed = note.replacen("\n5\n", "\n4\n", 1);
    assert!(matches!(
        Checkpoint::open(&changed, &verifier, &guomi()),
        Err(NoteError::BadSignature(_))
    ));
}

#[test]
fn a_policy_refuses_the_other_profiles_signature_before_checking_it() {
    let sm2 = signer(SigAlg::Sm2, 3);
    let note = checkpoint().sign(&sm2).expect("sign");
    let refused = Checkpoint::open(&note, &sm2.verifier(), &standard()).expect_err("refused");
    let NoteError::NotAllowed { refused, .. } = &refused else {
        panic!("{refused:?}")
    };
    assert_eq!(refused.algorithm, "sm2");

    let ed = signer(SigAlg::Ed25519, 3);
    let note = checkpoint().sign(&ed).expect("sign");
    assert!(Checkpoint::open(&note, &ed.verifier(), &standard()).is_ok());
    let refused = Checkpoint::open(&note, &ed.verifier(), &guomi()).expect_err("refused");
    assert!(
        matches!(&refused, NoteError::NotAllowed { refused, .. } if refused.algorithm == "ed25519"),
        "{refused:?}"
    );
    // A refused key does not even claim a note it did not sign: that is "not signed".
    let other = signer(SigAlg::Ed25519, 9).verifier();
    assert!(matches!(
        Checkpoint::open(&note, &other, &guomi()),
        Err(NoteError::NotSigned(_))
    ));
}

/// A hall that trusts both its old Ed25519 key and its new SM2 key under one name (a key
/// rotation). A signature line carrying the other key's id is checked with that key's
/// algorithm, and fails; the key id binds the type, so no line passes for the other type.
#[test]
fn a_signature_relabelled_to_the_other_type_fails() {
    let both = Policy::new(Profile::Guomi, &[Profile::Standard]);
    let (sm2, ed) = (signer(SigAlg::Sm2, 3), signer(SigAlg::Ed25519, 3));
    let (sm2_key, ed_key) = (sm2.verifier(), ed.verifier());
    assert_ne!(id_of(&sm2_key), id_of(&ed_key), "the type is in the key id");

    // An SM2 signature under the Ed25519 key's id: the Ed25519 key checks it, and refuses.
    let note = checkpoint().sign(&sm2).expect("sign");
    let relabelled = with_key_id(&note, &id_of(&ed_key));
    assert!(matches!(
        Checkpoint::open(&relabelled, &ed_key, &both),
        Err(NoteError::BadSignature(_))
    ));
    assert!(matches!(
        Checkpoint::open(&relabelled, &sm2_key, &both),
        Err(NoteError::NotSigned(_))
    ));
    // And the reverse.
    let note = checkpoint().sign(&ed).expect("sign");
    let relabelled = with_key_id(&note, &id_of(&sm2_key));
    assert!(matches!(
        Checkpoint::open(&relabelled, &sm2_key, &both),
        Err(NoteError::BadSignature(_))
    ));
    // An SM2 line whose id is computed over the same key bytes as if its type were 0x01:
    // no key has that id.
    let key = sm2_key.key().to_bytes();
    let digest = HashAlg::Sha256.digest_parts(&[
        ORIGIN.as_bytes(),
        b"\n",
        signature_type(SigAlg::Ed25519),
        &key,
    ]);
    let note = checkpoint().sign(&sm2).expect("sign");
    let relabelled = with_key_id(&note, &digest[..4]);
    assert!(matches!(
        Checkpoint::open(&relabelled, &sm2_key, &both),
        Err(NoteError::NotSigned(_))
    ));
}

#[test]
fn an_sm2_private_key_in_the_go_form_round_trips() {
    let key = SecretKey::from_bytes(SigAlg::Sm2, &[3; 32]).expect("key");
    let verifier = NoteSigner::new(ORIGIN, key.clone())
        .expect("signer")
        .verifier();
    let id = verifier.encode().split('+').nth(1).expect("id").to_owned();
    let secret = [signature_type(SigAlg::Sm2), key.to_bytes().as_slice()].concat();
    let text = format!("PRIVATE+KEY+{ORIGIN}+{id}+{}", b64(&secret));
    let signer = NoteSigner::from_private_key(&text).expect("parses");
    assert_eq!(signer.alg(), SigAlg::Sm2);
    assert_eq!(signer.verifier(), verifier);
    // The same secret under the Ed25519 type is another key: its id does not match.
    let relabelled = [signature_type(SigAlg::Ed25519), key.to_bytes().as_slice()].concat();
    let text = format!("PRIVATE+KEY+{ORIGIN}+{id}+{}", b64(&relabelled));
    assert!(NoteSigner::from_private_key(&text).is_err());
}
