//! Profiles (which algorithms a hall signs with) and policies (which it accepts).

use crate::hash::HashAlg;
use crate::keys::SigAlg;

/// A name no algorithm or profile has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {name:?} is not one Countersign knows")]
pub struct UnknownName {
    /// What kind of name: `hash`, `signature` or `profile`.
    pub what: &'static str,
    /// The name found (first 40 characters).
    pub name: String,
}

impl UnknownName {
    pub(crate) fn new(what: &'static str, name: &str) -> Self {
        Self {
            what,
            name: name.chars().take(40).collect(),
        }
    }
}

/// A pair of algorithms a hall, an issuer or a province works with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Profile {
    /// Ed25519 signatures, SHA-256 hashes: the default.
    #[default]
    Standard,
    /// 国密: SM2 signatures, SM3 hashes.
    Guomi,
}

impl Profile {
    /// Every profile, in a fixed order.
    pub const ALL: [Profile; 2] = [Profile::Standard, Profile::Guomi];

    /// Its name in bundles and on the command line: `standard` or `guomi`.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Standard => "standard",
            Profile::Guomi => "guomi",
        }
    }

    /// The profile a bundle or command line names.
    pub fn from_name(name: &str) -> Result<Self, UnknownName> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| UnknownName::new("profile", name))
    }

    /// What it signs with.
    pub const fn sig(self) -> SigAlg {
        match self {
            Profile::Standard => SigAlg::Ed25519,
            Profile::Guomi => SigAlg::Sm2,
        }
    }

    /// What it hashes with.
    pub const fn hash(self) -> HashAlg {
        match self {
            Profile::Standard => HashAlg::Sha256,
            Profile::Guomi => HashAlg::Sm3,
        }
    }

    /// The profile whose signature algorithm is `sig`.
    pub const fn of_sig(sig: SigAlg) -> Self {
        match sig {
            SigAlg::Ed25519 => Profile::Standard,
            SigAlg::Sm2 => Profile::Guomi,
        }
    }

    /// The profile whose hash is `hash`.
    pub const fn of_hash(hash: HashAlg) -> Self {
        match hash {
            HashAlg::Sha256 => Profile::Standard,
            HashAlg::Sm3 => Profile::Guomi,
        }
    }

    /// The one-byte code the registry contract stores for an issuer's or a station's profile
    /// (0 is "not registered" there, so codes start at 1).
    pub const fn code(self) -> u8 {
        match self {
            Profile::Standard => 1,
            Profile::Guomi => 2,
        }
    }

    /// The profile with registry code `code`.
    pub fn from_code(code: u8) -> Option<Self> {
        Profile::ALL.into_iter().find(|p| p.code() == code)
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An algorithm the hall's policy refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{algorithm} is not allowed by this hall's policy (it accepts {accepted})")]
pub struct NotAllowed {
    /// The algorithm's name.
    pub algorithm: &'static str,
    /// What the policy accepts, as names.
    pub accepted: String,
}

/// Which profiles a hall accepts, and which it signs with.
///
/// A province moving to the national algorithms accepts both for a while (citizens hold
/// credentials issued under the standard profile for years); one that has finished moving, or
/// never used the standard profile, accepts only its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Policy {
    signs_with: Profile,
    accepts: [bool; 2],
}

impl Default for Policy {
    /// The standard profile alone.
    fn default() -> Self {
        Policy::only(Profile::Standard)
    }
}

impl Policy {
    /// Signs with and accepts `profile` alone.
    pub const fn only(profile: Profile) -> Self {
        let mut accepts = [false; 2];
        accepts[profile as usize] = true;
        Policy {
            signs_with: profile,
            accepts,
        }
    }

    /// Signs with `signs_with` and accepts it and every profile in `also`.
    pub fn new(signs_with: Profile, also: &[Profile]) -> Self {
        let mut policy = Policy::only(signs_with);
        for p in also {
            policy.accepts[*p as usize] = true;
        }
        policy
    }

    /// The profile the hall signs its own records with.
    pub const fn signs_with(&self) -> Profile {
        self.signs_with
    }

    /// The profiles accepted, in [`Profile::ALL`] order.
    pub fn accepted(&self) -> Vec<Profile> {
        Profile::ALL
            .into_iter()
            .filter(|p| self.accepts[*p as usize])
            .collect()
    }

    fn accepted_names(&self) -> String {
        self.accepted()
            .iter()
            .map(|p| format!("{} ({}, {})", p.name(), p.sig().name(), p.hash().name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether a signature by `alg` may be checked at all.
    pub fn allow_sig(&self, alg: SigAlg) -> Result<(), NotAllowed> {
        if self.accepts[Profile::of_sig(alg) as usize] {
            Ok(())
        } else {
            Err(NotAllowed {
                algorithm: alg.name(),
                accepted: self.accepted_names(),
            })
        }
    }

    /// Whether a value hashed with `alg` may be relied on.
    pub fn allow_hash(&self, alg: HashAlg) -> Result<(), NotAllowed> {
        if self.accepts[Profile::of_hash(alg) as usize] {
            Ok(())
        } else {
            Err(NotAllowed {
                algorithm: alg.name(),
                accepted: self.accepted_names(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_profile_policy_refuses_the_other_profiles_algorithms() {
        let guomi = Policy::only(Profile::Guomi);
        assert!(guomi.allow_sig(SigAlg::Sm2).is_ok());
        assert!(guomi.allow_hash(HashAlg::Sm3).is_ok());
        let refused = guomi.allow_sig(SigAlg::Ed25519).expect_err("refused");
        assert_eq!(refused.algorithm, "ed25519");
        assert!(refused.accepted.contains("guomi"), "{refused}");
        assert!(guomi.allow_hash(HashAlg::Sha256).is_err());
        let standard = Policy::default();
        assert!(standard.allow_sig(SigAlg::Sm2).is_err());
        assert!(standard.allow_hash(HashAlg::Sm3).is_err());
    }

    #[test]
    fn a_transition_policy_accepts_both_and_signs_with_one() {
        let moving = Policy::new(Profile::Guomi, &[Profile::Standard]);
        assert_eq!(moving.signs_with(), Profile::Guomi);
        assert_eq!(moving.accepted(), vec![Profile::Standard, Profile::Guomi]);
        assert!(moving.allow_sig(SigAlg::Ed25519).is_ok());
        assert!(moving.allow_hash(HashAlg::Sm3).is_ok());
    }

    #[test]
    fn profile_names_and_codes_round_trip() {
        for p in Profile::ALL {
            assert_eq!(Profile::from_name(p.name()), Ok(p));
            assert_eq!(Profile::from_code(p.code()), Some(p));
            assert_eq!(Profile::of_sig(p.sig()), p);
            assert_eq!(Profile::of_hash(p.hash()), p);
        }
        assert_eq!(Profile::from_code(0), None);
        assert!(Profile::from_name("GUOMI").is_err());
    }
}
