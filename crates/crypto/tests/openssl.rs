//! Countersign's SM2 and SM3 checked against an independent implementation, OpenSSL 3 (the
//! `openssl` command; scripts/test.sh installs it). OpenSSL signs with SM2 and the default
//! distinguishing ID and we verify; we sign and `openssl pkeyutl -verify` accepts it; SM3
//! values agree. These fail, never skip, when OpenSSL is missing: a cross-check that does not
//! run checks nothing.

use countersign_crypto::{HashAlg, PublicKey, SecretKey, SigAlg, Signature, SM2_DEFAULT_DISTID};
use std::path::Path;
use std::process::Command;

fn openssl(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (scripts/test.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn distid_opt() -> String {
    format!("distid:{SM2_DEFAULT_DISTID}")
}

#[test]
fn sm3_agrees_with_openssl_dgst() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs: [&[u8]; 4] = [
        b"",
        b"abc",
        &[0x00; 1000],
        "营业执照 countersign".as_bytes(),
    ];
    for (i, input) in inputs.iter().enumerate() {
        let name = format!("in{i}");
        std::fs::write(dir.path().join(&name), input).expect("write");
        let out = openssl(&["dgst", "-sm3", "-r", &name], dir.path());
        let theirs = String::from_utf8_lossy(&out);
        let theirs = theirs.split_whitespace().next().expect("a digest");
        assert_eq!(hex::encode(HashAlg::Sm3.digest(input)), theirs, "input {i}");
    }
}

#[test]
fn openssl_signs_with_sm2_and_we_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    openssl(&["genpkey", "-algorithm", "SM2", "-out", "key.pem"], d);
    openssl(
        &[
            "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
        ],
        d,
    );
    let message = "核验回执 receipt 0001".as_bytes();
    std::fs::write(d.join("msg"), message).expect("write");
    openssl(
        &[
            "pkeyutl",
            "-sign",
            "-rawin",
            "-digest",
            "sm3",
            "-inkey",
            "key.pem",
            "-pkeyopt",
            &distid_opt(),
            "-in",
            "msg",
            "-out",
            "sig.der",
        ],
        d,
    );
    let public =
        PublicKey::from_spki_der(&std::fs::read(d.join("pub.der")).expect("read")).expect("SPKI");
    assert_eq!(public.alg(), SigAlg::Sm2);
    let sig = Signature::from_der(&std::fs::read(d.join("sig.der")).expect("read")).expect("DER");
    public
        .verify(message, &sig)
        .expect("OpenSSL's SM2 signature verifies");
    assert!(public.verify(b"another message", &sig).is_err());
    assert!(
        public
            .verify_with_distid(message, &sig, "ALICE123@YAHOO.COM")
            .is_err(),
        "the distinguishing ID is part of what is signed"
    );
}

#[test]
fn we_sign_with_sm2_and_openssl_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let key = SecretKey::generate(SigAlg::Sm2).expect("key");
    let message = b"countersign checkpoint\n42\n";
    std::fs::write(d.join("msg"), message).expect("write");
    std::fs::write(d.join("pub.pem"), key.public().to_spki_pem()).expect("write");
    std::fs::write(d.join("sig.der"), key.sign(message).to_der()).expect("write");
    let distid = distid_opt();
    let verify_args = [
        "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey", "pub.pem",
        "-pkeyopt", &distid, "-in", "msg", "-sigfile", "sig.der",
    ];
    let out = openssl(&verify_args, d);
    assert!(
        String::from_utf8_lossy(&out).contains("Signature Verified Successfully"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    // A changed message: OpenSSL refuses (exit status 1), as it must.
    std::fs::write(d.join("msg"), b"countersign checkpoint\n43\n").expect("write");
    let refused = Command::new("openssl")
        .args(verify_args)
        .current_dir(d)
        .output()
        .expect("openssl");
    assert!(
        !refused.status.success(),
        "OpenSSL accepted a changed message"
    );
}

#[test]
fn openssl_reads_our_ed25519_keys_too() {
    // The same SPKI path serves Ed25519, so an assessor can check either profile's receipts.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let key = SecretKey::generate(SigAlg::Ed25519).expect("key");
    let message = b"ed25519 receipt";
    std::fs::write(d.join("msg"), message).expect("write");
    std::fs::write(d.join("pub.pem"), key.public().to_spki_pem()).expect("write");
    std::fs::write(d.join("sig"), key.sign(message).to_bytes()).expect("write");
    let out = openssl(
        &[
            "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", "pub.pem", "-in", "msg",
            "-sigfile", "sig",
        ],
        d,
    );
    assert!(String::from_utf8_lossy(&out).contains("Signature Verified Successfully"));
}

#[test]
fn pbkdf2_hmac_sm3_agrees_with_openssl_kdf() {
    // How a national-profile hall stores a staff PIN (countersign-staff): PBKDF2 with HMAC-SM3.
    let dir = tempfile::tempdir().expect("tempdir");
    let salt = hex::decode("00112233445566778899aabbccddeeff").expect("hex");
    // The last is longer than HMAC's 64-byte block, so its key is hashed first.
    let long = "7".repeat(70);
    for (pin, rounds) in [
        ("135792", 1u32),
        ("246810", 1000),
        ("987123456", 4096),
        (long.as_str(), 3),
    ] {
        let out = openssl(
            &[
                "kdf",
                "-keylen",
                "32",
                "-kdfopt",
                "digest:SM3",
                "-kdfopt",
                &format!("pass:{pin}"),
                "-kdfopt",
                "hexsalt:00112233445566778899aabbccddeeff",
                "-kdfopt",
                &format!("iter:{rounds}"),
                "PBKDF2",
            ],
            dir.path(),
        );
        let theirs = String::from_utf8_lossy(&out)
            .trim()
            .replace(':', "")
            .to_lowercase();
        assert_eq!(
            hex::encode(HashAlg::Sm3.pbkdf2_hmac(pin.as_bytes(), &salt, rounds)),
            theirs,
            "PIN {pin}, {rounds} rounds"
        );
    }
}
