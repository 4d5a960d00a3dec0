//! PIN rules and argon2id hashing. Only the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`)
//! leaves this module: it carries its own salt and parameters, so a later build with stronger
//! parameters still verifies PINs hashed by this one.

use crate::StaffError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

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

/// Hashes a PIN (already checked) with a fresh random salt; returns the PHC string.
pub(crate) fn hash(pin: &str) -> Result<String, StaffError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt)
        .map_err(|e| StaffError::Crypto(format!("no system randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| StaffError::Crypto(e.to_string()))?;
    Ok(hasher()?
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| StaffError::Crypto(e.to_string()))?
        .to_string())
}

/// Whether `pin` matches the stored PHC string (compared in constant time by argon2). An
/// unreadable stored hash is an error, not a mismatch: the account needs its PIN reset.
pub(crate) fn verify(pin: &str, phc: &str) -> Result<bool, StaffError> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| StaffError::Corrupt(format!("a PIN hash: {e}")))?;
    match hasher()?.verify_password(pin.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(StaffError::Corrupt(format!("a PIN hash: {e}"))),
    }
}

/// Spends the time a real verification takes, for an id that has no account.
pub(crate) fn verify_dummy(pin: &str) {
    // The outcome is ignored: there is no account, so the attempt fails whatever it says.
    let _ = verify(pin, DUMMY_HASH);
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
    fn a_hash_is_a_phc_string_with_the_params() {
        let phc = hash("482913").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("482913", &phc).expect("verify"));
        assert!(!verify("482914", &phc).expect("verify"));
        assert_ne!(phc, hash("482913").expect("hash"), "salts differ");
    }
}
