//! The two 256-bit hashes: SHA-256 and SM3.

use crate::policy::UnknownName;
use sha2::Digest as _;

/// A 256-bit hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlg {
    /// SHA-256 (FIPS 180-4): the standard profile's hash.
    Sha256,
    /// SM3 (GB/T 32905-2016): the national profile's hash.
    Sm3,
}

impl HashAlg {
    /// Every hash, in a fixed order.
    pub const ALL: [HashAlg; 2] = [HashAlg::Sha256, HashAlg::Sm3];

    /// The name formats use for it: `sha-256` or `sm3`.
    pub const fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha-256",
            HashAlg::Sm3 => "sm3",
        }
    }

    /// The hash a format names; only the exact lowercase names are accepted.
    pub fn from_name(name: &str) -> Result<Self, UnknownName> {
        HashAlg::ALL
            .into_iter()
            .find(|h| h.name() == name)
            .ok_or_else(|| UnknownName::new("hash", name))
    }

    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> [u8; 32] {
        let mut hasher = self.hasher();
        hasher.update(data);
        hasher.finalize()
    }

    /// The hash of the concatenation of `parts`, without building it.
    pub fn digest_parts(self, parts: &[&[u8]]) -> [u8; 32] {
        let mut hasher = self.hasher();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize()
    }

    /// PBKDF2 (RFC 8018) with HMAC (RFC 2104) over this hash, `rounds` iterations, a 32-byte
    /// key: how a secret a person chooses (a PIN) is stored under the profile. One output
    /// block, since the key is as long as the hash: `U1 = HMAC(P, S ‖ INT(1))`,
    /// `Uj = HMAC(P, Uj-1)`, `T1 = U1 ⊕ … ⊕ Uc`.
    pub fn pbkdf2_hmac(self, password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
        // Both hashes have 64-byte blocks. The keyed inner and outer states are made once and
        // cloned for each round: HMAC's key schedule is half its cost.
        const BLOCK: usize = 64;
        let mut key = [0u8; BLOCK];
        if password.len() > BLOCK {
            key[..32].copy_from_slice(&self.digest(password));
        } else {
            key[..password.len()].copy_from_slice(password);
        }
        let keyed = |pad: u8| {
            let mut h = self.hasher();
            h.update(&key.map(|b| b ^ pad));
            h
        };
        let (inner, outer) = (keyed(0x36), keyed(0x5c));
        let hmac = |parts: &[&[u8]]| {
            let mut i = inner.clone();
            parts.iter().for_each(|p| i.update(p));
            let mut o = outer.clone();
            o.update(&i.finalize());
            o.finalize()
        };
        let mut u = hmac(&[salt, &1u32.to_be_bytes()]);
        let mut t = u;
        for _ in 1..rounds {
            u = hmac(&[&u]);
            t.iter_mut().zip(u).for_each(|(t, u)| *t ^= u);
        }
        t
    }

    /// An incremental hasher.
    pub fn hasher(self) -> Hasher {
        match self {
            HashAlg::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashAlg::Sm3 => Hasher::Sm3(sm3::Sm3::new()),
        }
    }
}

impl std::fmt::Display for HashAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A hash being computed over data given in pieces.
#[derive(Clone)]
pub enum Hasher {
    /// SHA-256.
    Sha256(sha2::Sha256),
    /// SM3.
    Sm3(sm3::Sm3),
}

impl Hasher {
    /// Which hash this is.
    pub fn alg(&self) -> HashAlg {
        match self {
            Hasher::Sha256(_) => HashAlg::Sha256,
            Hasher::Sm3(_) => HashAlg::Sm3,
        }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sm3(h) => h.update(data),
        }
    }

    /// The hash of everything added.
    pub fn finalize(self) -> [u8; 32] {
        match self {
            Hasher::Sha256(h) => h.finalize().into(),
            Hasher::Sm3(h) => h.finalize().into(),
        }
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(h: [u8; 32]) -> String {
        hex::encode(h)
    }

    #[test]
    fn sm3_reproduces_the_standards_examples() {
        // GB/T 32905-2016 appendix A, examples 1 and 2.
        assert_eq!(
            hex32(HashAlg::Sm3.digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            hex32(HashAlg::Sm3.digest(&b"abcd".repeat(16))),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn sha256_is_fips_180() {
        assert_eq!(
            hex32(HashAlg::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn pieces_hash_as_the_whole() {
        for alg in HashAlg::ALL {
            assert_eq!(
                alg.digest_parts(&[b"ab", b"", b"c"]),
                alg.digest(b"abc"),
                "{alg}"
            );
        }
    }

    #[test]
    fn pbkdf2_hmac_sha256_reproduces_rfc_7914s_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1 (first 32 bytes).
        assert_eq!(
            hex32(HashAlg::Sha256.pbkdf2_hmac(b"passwd", b"salt", 1)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
        // c = 80000, P="Password", S="NaCl".
        assert_eq!(
            hex32(HashAlg::Sha256.pbkdf2_hmac(b"Password", b"NaCl", 80_000)),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        );
    }

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        for alg in HashAlg::ALL {
            assert_eq!(HashAlg::from_name(alg.name()), Ok(alg));
        }
        for bad in ["SM3", "sha256", "SHA-256", "", "sm3 "] {
            assert!(HashAlg::from_name(bad).is_err(), "{bad:?}");
        }
    }
}
