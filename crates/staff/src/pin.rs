//! PIN rules and hashing: argon2id under the standard profile, PBKDF2 with HMAC-SM3 under the
//! national one (GB/T 39786 wants stored credentials protected with the national algorithms).
//! Only the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…` or `$pbkdf2-sm3$i=100000$…`) leaves
//! this module: it carries its own algorithm, salt and parameters, so a PIN verifies whatever
//! profile the hall is on now, and a later build with stronger parameters still verifies PINs
//! hashed by this one.

use crate::StaffError;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use countersign_crypto::{HashAlg, Profile};

/// The PHC id of a PBKDF2-HMAC-SM3 PIN hash.
const SM3_ID: &str = "pbkdf2-sm3";
/// PBKDF2-HMAC-SM3 rounds: about as long as the argon2id hash on a counter PC (tens of
/// milliseconds), with no memory cost, which SM3 has no standard construction for.
const SM3_ROUNDS: u32 = 100_000;

/// Fewest digits in a PIN.
pub const MIN_DIGITS: usize = 6;
/// Most digits in a PIN.
pub const MAX_DIGITS: usize = 12;

/// OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): about 30–60 ms on a counter PC, slow
/// enough that a stolen file's 6-digit PINs cost real work, fast enough for a sign-in.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// The hash an unknown id's attempt is checked against, so that it takes as long as a wrong
/// PIN for a real account. Made with the parameters above (`tests::dummy_matches_the_params`);
/// the PIN behind it was random and thrown away.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$0B9g/T6gJkypzWAm2zsuaQ$OEs84GS7T8CjmHm4M+QmiQKSNUFnT7uYvtz1N5dNQPI";

fn hasher() -> Result<Argon2<'static>, StaffError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| StaffError::Crypto(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new PIN against the hall's rules: 6–12 ASCII digits, and not one an onlooker or a
/// guesser tries first (one digit repeated, or a straight run up or down such as 123456).
pub fn check_pin(pin: &str) -> Result<(), StaffError> {
    let digits = pin.as_bytes();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit)
    {
        return Err(StaffError::PinFormat);
    }
    let steps: Vec<i16> = digits
        .windows(2)
        .map(|w| i16::from(w[1]) - i16::from(w[0]))
        .collect();
    for step in [0, 1, -1] {
        if steps.iter().all(|&s| s == step) {
            return Err(StaffError::PinTooSimple);
        }
    }
    Ok(())
}

/// Hashes a PIN (already checked) with a fresh random salt, as `profile` stores PINs; returns
/// the PHC string.
pub(crate) fn hash(pin: &str, profile: Profile) -> Result<String, StaffError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt)
        .map_err(|e| StaffError::Crypto(format!("no system randomness: {e}")))?;
    let encoded = SaltString::encode_b64(&salt).map_err(|e| StaffError::Crypto(e.to_string()))?;
    match profile {
        Profile::Standard => Ok(hasher()?
            .hash_password(pin.as_bytes(), &encoded)
            .map_err(|e| StaffError::Crypto(e.to_string()))?
            .to_string()),
        Profile::Guomi => {
            let key = HashAlg::Sm3.pbkdf2_hmac(pin.as_bytes(), &salt, SM3_ROUNDS);
            let output = Output::new(&key).map_err(|e| StaffError::Crypto(e.to_string()))?;
            Ok(format!(
                "${SM3_ID}$i={SM3_ROUNDS}${}${output}",
                encoded.as_str()
            ))
        }
    }
}

/// Whether `pin` matches the stored PHC string, by the algorithm the string names (compared in
/// constant time). An unreadable stored hash is an error, not a mismatch: the account needs
/// its PIN reset.
pub(crate) fn verify(pin: &str, phc: &str) -> Result<bool, StaffError> {
    let corrupt = |e: &dyn std::fmt::Display| StaffError::Corrupt(format!("a PIN hash: {e}"));
    let parsed = PasswordHash::new(phc).map_err(|e| corrupt(&e))?;
    if parsed.algorithm.as_str() == SM3_ID {
        let rounds = parsed
            .params
            .get_decimal("i")
            .filter(|i| *i >= 1)
            .ok_or_else(|| corrupt(&"no round count"))?;
        let mut salt = [0u8; 64];
        let salt = parsed
            .salt
            .ok_or_else(|| corrupt(&"no salt"))?
            .decode_b64(&mut salt)
            .map_err(|e| corrupt(&e))?;
        let stored = parsed.hash.ok_or_else(|| corrupt(&"no output"))?;
        let key = HashAlg::Sm3.pbkdf2_hmac(pin.as_bytes(), salt, rounds);
        let found = Output::new(&key).map_err(|e| corrupt(&e))?;
        // Output's equality is constant-time.
        return Ok(found == stored);
    }
    match hasher()?.verify_password(pin.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(corrupt(&e)),
    }
}

/// Spends the time a real verification under `profile` takes, for an id that has no account.
pub(crate) fn verify_dummy(pin: &str, profile: Profile) {
    // The outcome is ignored: there is no account, so the attempt fails whatever it says.
    match profile {
        Profile::Standard => {
            let _ = verify(pin, DUMMY_HASH);
        }
        Profile::Guomi => {
            let _ = HashAlg::Sm3.pbkdf2_hmac(pin.as_bytes(), &[0u8; 16], SM3_ROUNDS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_matches_the_params() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("the dummy parses");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).expect("params");
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (M_COST_KIB, T_COST, P_COST),
            "the dummy hash must cost what a real one costs: regenerate it"
        );
        let output = parsed.hash.expect("an output");
        assert_eq!(output.len(), Params::DEFAULT_OUTPUT_LEN);
    }

    #[test]
    fn under_the_national_profile_a_pin_is_pbkdf2_hmac_sm3_and_verifies_under_either() {
        let phc = hash("482913", Profile::Guomi).expect("hash");
        assert!(phc.starts_with("$pbkdf2-sm3$i=100000$"), "{phc}");
        assert!(verify("482913", &phc).expect("verify"));
        assert!(!verify("482914", &phc).expect("verify"));
        assert_ne!(
            phc,
            hash("482913", Profile::Guomi).expect("hash"),
            "salts differ"
        );
        // The stored output is the PBKDF2-HMAC-SM3 of the PIN and the salt (OpenSSL agrees with
        // the crypto crate's PBKDF2, crates/crypto/tests/openssl.rs).
        let parsed = PasswordHash::new(&phc).expect("PHC");
        let mut buf = [0u8; 64];
        let salt = parsed
            .salt
            .expect("salt")
            .decode_b64(&mut buf)
            .expect("b64");
        assert_eq!(
            parsed.hash.expect("output").as_bytes(),
            HashAlg::Sm3.pbkdf2_hmac(b"482913", salt, SM3_ROUNDS)
        );
        // A PIN hashed under one profile still verifies after the hall moves to the other.
        let standard = hash("482913", Profile::Standard).expect("hash");
        assert!(verify("482913", &standard).expect("verify"));
        // A damaged SM3 record is an error, not a mismatch.
        let no_rounds = phc.replace("$i=100000$", "$i=0$");
        assert!(matches!(
            verify("482913", &no_rounds),
            Err(StaffError::Corrupt(_))
        ));
    }

    #[test]
    fn a_hash_is_a_phc_string_with_the_params() {
        let phc = hash("482913", Profile::Standard).expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("482913", &phc).expect("verify"));
        assert!(!verify("482914", &phc).expect("verify"));
        assert_ne!(
            phc,
            hash("482913", Profile::Standard).expect("hash"),
            "salts differ"
        );
    }
}
