//! The forms other tools use for keys and signatures: DER SubjectPublicKeyInfo (and PEM) for
//! public keys, DER `ECDSA-Sig-Value` for SM2 signatures (GM/T 0009 §7.1, RFC 5480's
//! structure). Countersign's own formats carry raw bytes; these exist so that IT staff and
//! assessors (密评) can check Countersign's signatures with OpenSSL or GmSSL, and so the tests
//! can check ours against OpenSSL.

use crate::keys::{BadSignature, KeyError, PublicKey, SigAlg, Signature, SIGNATURE_LEN};
use sm2::elliptic_curve::sec1::ToEncodedPoint as _;

/// id-ecPublicKey (RFC 5480), the algorithm OpenSSL 3 writes SM2 keys under.
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// The SM2 curve, 1.2.156.10197.1.301 (GM/T 0006).
const OID_SM2: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
/// id-Ed25519 (RFC 8410), 1.3.101.112.
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

fn der(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(body);
    out
}

/// A DER INTEGER holding an unsigned big-endian value.
fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let trimmed = match bytes.iter().position(|b| *b != 0) {
        Some(i) => &bytes[i..],
        None => &[0u8][..],
    };
    let mut body = Vec::with_capacity(trimmed.len() + 1);
    if trimmed[0] & 0x80 != 0 {
        body.push(0);
    }
    body.extend_from_slice(trimmed);
    der(0x02, &body)
}

/// Reads one DER element: `(tag, body, rest)`. Only definite lengths up to 64 KiB.
fn read_der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81 => {
            let (&n, rest) = rest.split_first()?;
            (usize::from(n), rest)
        }
        0x82 => {
            let (hi, rest) = rest.split_first()?;
            let (lo, rest) = rest.split_first()?;
            (usize::from(*hi) << 8 | usize::from(*lo), rest)
        }
        _ => return None,
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

impl PublicKey {
    /// The key as a DER SubjectPublicKeyInfo: SM2 as an id-ecPublicKey on the SM2 curve with
    /// the uncompressed point (what OpenSSL 3 writes), Ed25519 as RFC 8410.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let (algorithm, key) = match self {
            PublicKey::Ed25519(k) => (der(0x06, OID_ED25519), k.to_bytes().to_vec()),
            PublicKey::Sm2(k) => (
                [der(0x06, OID_EC_PUBLIC_KEY), der(0x06, OID_SM2)].concat(),
                k.point_uncompressed(),
            ),
        };
        let bits = [&[0u8][..], &key].concat();
        der(0x30, &[der(0x30, &algorithm), der(0x03, &bits)].concat())
    }

    /// [`PublicKey::to_spki_der`] as PEM (`PUBLIC KEY`).
    pub fn to_spki_pem(&self) -> String {
        pem("PUBLIC KEY", &self.to_spki_der())
    }

    /// A key from a DER SubjectPublicKeyInfo of either kind.
    pub fn from_spki_der(bytes: &[u8]) -> Result<Self, KeyError> {
        let bad = || KeyError::UnknownCodec {
            header: "not a SubjectPublicKeyInfo".into(),
        };
        let (0x30, spki, _) = read_der(bytes).ok_or_else(bad)? else {
            return Err(bad());
        };
        let (0x30, algorithm, rest) = read_der(spki).ok_or_else(bad)? else {
            return Err(bad());
        };
        let (0x03, bits, _) = read_der(rest).ok_or_else(bad)? else {
            return Err(bad());
        };
        let key = bits.strip_prefix(&[0u8]).ok_or_else(bad)?;
        let (0x06, oid, params) = read_der(algorithm).ok_or_else(bad)? else {
            return Err(bad());
        };
        if oid == OID_ED25519 {
            return PublicKey::from_bytes(SigAlg::Ed25519, key);
        }
        match read_der(params) {
            Some((0x06, curve, _)) if oid == OID_EC_PUBLIC_KEY && curve == OID_SM2 => {
                PublicKey::from_bytes(SigAlg::Sm2, key)
            }
            _ => Err(bad()),
        }
    }
}

impl Signature {
    /// An SM2 signature as DER `SEQUENCE { r INTEGER, s INTEGER }`, the form OpenSSL and GmSSL
    /// read and write. (Ed25519 signatures have no DER form; their bytes are the signature.)
    pub fn to_der(&self) -> Vec<u8> {
        let (r, s) = self.0.split_at(SIGNATURE_LEN / 2);
        der(0x30, &[der_uint(r), der_uint(s)].concat())
    }

    /// An SM2 signature from its DER form.
    pub fn from_der(bytes: &[u8]) -> Result<Self, BadSignature> {
        let bad = BadSignature::WrongLength { found: bytes.len() };
        let Some((0x30, body, [])) = read_der(bytes) else {
            return Err(bad);
        };
        let Some((0x02, r, rest)) = read_der(body) else {
            return Err(bad);
        };
        let Some((0x02, s, [])) = read_der(rest) else {
            return Err(bad);
        };
        let mut out = [0u8; SIGNATURE_LEN];
        let (r_half, s_half) = out.split_at_mut(SIGNATURE_LEN / 2);
        for (value, half) in [(r, r_half), (s, s_half)] {
            let value = match value {
                [0, rest @ ..] => rest,
                other => other,
            };
            if value.len() > 32 {
                return Err(bad);
            }
            half[32 - value.len()..].copy_from_slice(value);
        }
        Ok(Signature(out))
    }
}

impl crate::keys::Sm2PublicKey {
    pub(crate) fn point_uncompressed(&self) -> Vec<u8> {
        self.point().to_encoded_point(false).as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    #[test]
    fn keys_round_trip_through_spki() {
        for alg in SigAlg::ALL {
            let key = SecretKey::generate(alg).expect("key").public();
            assert_eq!(PublicKey::from_spki_der(&key.to_spki_der()), Ok(key));
            assert!(key
                .to_spki_pem()
                .starts_with("-----BEGIN PUBLIC KEY-----\n"));
        }
        assert!(PublicKey::from_spki_der(&[0x30, 0x00]).is_err());
    }

    #[test]
    fn signatures_round_trip_through_der_including_short_and_high_halves() {
        for sig in [[0u8; 64], [0xff; 64], {
            let mut s = [0u8; 64];
            s[5] = 1;
            s[40] = 0x80;
            s
        }] {
            let sig = Signature(sig);
            assert_eq!(Signature::from_der(&sig.to_der()), Ok(sig));
        }
        assert!(Signature::from_der(&[0x30, 0x02, 0x02, 0x00]).is_err());
    }
}
