//! The Data Integrity cryptosuite `eddsa-jcs-2022` (W3C Data Integrity EdDSA Cryptosuites v1.0,
//! section 3.3): JCS-canonicalise the document and the proof configuration, hash each with
//! SHA-256, sign `proofHash || documentHash` with Ed25519; and its national-profile mirror
//! `sm2-jcs-2026` (docs/PROTOCOL.md §2.4): the same steps with SM3 and SM2.
//!
//! This module is the cryptography alone. Whether the signing key belongs to the credential's
//! issuer, and whether that issuer is trusted, is decided elsewhere.

use crate::did_key::{DidKey, DidKeyError};
use crate::multibase::{decode_base58btc, encode_base58btc, MultibaseError};
use countersign_crypto::{HashAlg, NotAllowed, Policy, Profile, SecretKey, SigAlg, Signature};
use countersign_jcs::{canonicalize, canonicalize_to_string, join_canonical_members, JcsError};
use serde_json::{Map, Value};

/// The W3C cryptosuite's name.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The national profile's cryptosuite: `eddsa-jcs-2022` with SM3 for SHA-256 and SM2 (default
/// distinguishing ID) for Ed25519. Countersign's own, not a W3C-registered suite.
pub const SM2_CRYPTOSUITE: &str = "sm2-jcs-2026";

/// A cryptosuite Countersign signs and verifies credentials with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cryptosuite {
    /// `eddsa-jcs-2022`: Ed25519 over SHA-256 hashes (the standard profile).
    EddsaJcs2022,
    /// `sm2-jcs-2026`: SM2 over SM3 hashes (the national profile).
    Sm2Jcs2026,
}

impl Cryptosuite {
    /// Both, in a fixed order.
    pub const ALL: [Cryptosuite; 2] = [Cryptosuite::EddsaJcs2022, Cryptosuite::Sm2Jcs2026];

    /// The `cryptosuite` value.
    pub const fn name(self) -> &'static str {
        match self {
            Cryptosuite::EddsaJcs2022 => CRYPTOSUITE,
            Cryptosuite::Sm2Jcs2026 => SM2_CRYPTOSUITE,
        }
    }

    /// The suite a `cryptosuite` value names, if it is one of ours.
    pub fn from_name(name: &str) -> Option<Self> {
        Cryptosuite::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The profile it belongs to.
    pub const fn profile(self) -> Profile {
        match self {
            Cryptosuite::EddsaJcs2022 => Profile::Standard,
            Cryptosuite::Sm2Jcs2026 => Profile::Guomi,
        }
    }

    /// The suite of a profile.
    pub const fn of_profile(profile: Profile) -> Self {
        match profile {
            Profile::Standard => Cryptosuite::EddsaJcs2022,
            Profile::Guomi => Cryptosuite::Sm2Jcs2026,
        }
    }

    /// Its signature algorithm.
    pub const fn sig(self) -> SigAlg {
        self.profile().sig()
    }

    /// Its hash (also the hash of the credential's leaf and its batch's tree).
    pub const fn hash(self) -> HashAlg {
        self.profile().hash()
    }
}

/// A policy that accepts both profiles: for the cryptography alone, where no hall's policy
/// applies (issuing, tests, the interop tools).
pub fn any_profile() -> Policy {
    Policy::new(Profile::Standard, &[Profile::Guomi])
}
/// The proof type shared by all Data Integrity cryptosuites.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The only proof purpose a credential proof may have.
pub const ASSERTION_METHOD: &str = "assertionMethod";

/// Why an eddsa-jcs-2022 proof does not verify, or could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SignatureError {
    /// The document has no `proof` member.
    #[error("the credential has no proof")]
    NoProof,
    /// The document is not a JSON object.
    #[error("the credential is not a JSON object")]
    NotAnObject,
    /// `proof` holds no `DataIntegrityProof` at all.
    #[error("the credential has no Data Integrity proof")]
    NoDataIntegrityProof,
    /// A `DataIntegrityProof` with a cryptosuite we do not implement.
    #[error(
        "unsupported cryptosuite {found:?}; only eddsa-jcs-2022 and sm2-jcs-2026 are accepted"
    )]
    UnsupportedCryptosuite {
        /// The cryptosuite named.
        found: String,
    },
    /// The hall's policy does not accept the proof's algorithms (a province on the national
    /// profile alone refuses Ed25519, and the other way round).
    #[error("the credential is signed with {suite}, which this hall does not accept: {why}")]
    NotAllowed {
        /// The cryptosuite.
        suite: &'static str,
        /// The policy's answer.
        why: NotAllowed,
    },
    /// The verification method's key is not the cryptosuite's key type: a signature cannot be
    /// relabelled as another algorithm's.
    #[error("the proof says {suite} but its key is an {key} key")]
    KeyTypeMismatch {
        /// The cryptosuite named.
        suite: &'static str,
        /// The key's algorithm.
        key: SigAlg,
    },
    /// A proof purpose other than `assertionMethod`.
    #[error("proof purpose {found:?} is not assertionMethod")]
    WrongProofPurpose {
        /// The purpose named.
        found: String,
    },
    /// A required proof member is missing or not a string.
    #[error("the proof's {0} is missing or not a string")]
    MissingField(&'static str),
    /// `created` is not an XML Schema dateTimeStamp.
    #[error("the proof's created time {found:?} is not a date-time with a time zone")]
    BadCreated {
        /// The value found.
        found: String,
    },
    /// A proof option Countersign refuses (docs/PROTOCOL.md §2.2 says why for each).
    #[error("the proof carries {member}, which Countersign does not accept: {why}")]
    UnsupportedOption {
        /// The member of the proof.
        member: &'static str,
        /// Why it is refused, for the report.
        why: &'static str,
    },
    /// `proofValue` is not base58btc multibase.
    #[error("the proof value is malformed: {0}")]
    BadProofValue(#[from] MultibaseError),
    /// The signature is not 64 bytes.
    #[error("a signature is 64 bytes, the proof value holds {len}")]
    WrongSignatureLength {
        /// Length found.
        len: usize,
    },
    /// The proof's `@context` is not a prefix of the document's.
    #[error("the proof's @context does not match the credential's")]
    ContextMismatch,
    /// The proof's `@context` is a strict prefix of the document's: the contexts after it are
    /// not signed, and could redefine the signed terms.
    #[error("the credential's @context has {unsigned} context(s) after the proof's, which the signature does not cover")]
    UnsignedContext {
        /// How many contexts the signature does not cover.
        unsigned: usize,
    },
    /// The verification method is not an Ed25519 did:key.
    #[error("the verification method is not usable: {0}")]
    VerificationMethod(#[from] DidKeyError),
    /// The document cannot be canonicalised.
    #[error("the credential cannot be canonicalised: {0}")]
    Canonicalization(#[from] JcsError),
    /// The cryptography says no: the content or the proof changed, or another key signed.
    #[error("the signature does not match the credential's content")]
    Mismatch,
}

/// The canonical forms and hashes that the signature covers; exposed so tests can compare
/// every intermediate value with the specification's vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningInput {
    /// JCS of the document without `proof`.
    pub canonical_document: Vec<u8>,
    /// JCS of the proof configuration (proof options without `proofValue`, with `@context`).
    pub canonical_proof_config: Vec<u8>,
    /// The suite's hash (SHA-256 or SM3) of the canonical document.
    pub document_hash: [u8; 32],
    /// The suite's hash of the canonical proof configuration.
    pub proof_config_hash: [u8; 32],
}

impl SigningInput {
    /// What is signed: the proof configuration hash, then the document hash.
    pub fn hash_data(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.proof_config_hash);
        out[32..].copy_from_slice(&self.document_hash);
        out
    }
}

/// Proof configuration and transformation (spec 3.3.4 and 3.3.5), then the hashing of 3.3.6,
/// with the hash of the suite `options` names.
///
/// `unsecured` is the document without `proof`; `options` is the proof without `proofValue`.
pub fn signing_input(
    unsecured: &Map<String, Value>,
    options: &Map<String, Value>,
) -> Result<SigningInput, SignatureError> {
    let suite = check_options(options)?;
    let mut config = options.clone();
    if let Some(context) = unsecured.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    let canonical_document = canonicalize(&Value::Object(unsecured.clone()))?;
    let canonical_proof_config = canonicalize(&Value::Object(config))?;
    Ok(SigningInput {
        document_hash: suite.hash().digest(&canonical_document),
        proof_config_hash: suite.hash().digest(&canonical_proof_config),
        canonical_document,
        canonical_proof_config,
    })
}

fn string_field<'a>(
    map: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, SignatureError> {
    map.get(name)
        .and_then(Value::as_str)
        .ok_or(SignatureError::MissingField(name))
}

/// Proof options that are valid Data Integrity but that a credential shown at a counter must not
/// carry, with the reason the report gives (docs/PROTOCOL.md §2.2).
const REFUSED_OPTIONS: [(&str, &str); 4] = [
    (
        "previousProof",
        "proof chains sign the document with earlier proofs in it, and Countersign verifies one proof over the document without proof",
    ),
    (
        "expires",
        "a credential's lifetime is its validUntil; a second, proof-level expiry is not shown to the clerk",
    ),
    (
        "domain",
        "domain binds a proof to one verifier's session (a presentation), and a counter has none",
    ),
    (
        "challenge",
        "challenge binds a proof to one verifier's session (a presentation), and a counter has none",
    ),
];

/// XML Schema 1.1 `dateTimeStamp` (what Data Integrity requires of `created`): RFC 3339 is
/// looser (a space or a lowercase `t` between date and time, a lowercase `z`), so the
/// separators are checked here before chrono checks the numbers.
fn is_date_time_stamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    let zone_ok = text.ends_with('Z')
        || (bytes.len() > 6
            && matches!(bytes[bytes.len() - 6], b'+' | b'-')
            && bytes[bytes.len() - 3] == b':');
    bytes.len() > 10
        && bytes[10] == b'T'
        && zone_ok
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

fn check_options(options: &Map<String, Value>) -> Result<Cryptosuite, SignatureError> {
    if string_field(options, "type")? != PROOF_TYPE {
        return Err(SignatureError::NoDataIntegrityProof);
    }
    let suite = proof_suite(options)?;
    if let Some(created) = options.get("created") {
        if !created.as_str().is_some_and(is_date_time_stamp) {
            return Err(SignatureError::BadCreated {
                found: created.to_string(),
            });
        }
    }
    if let Some((member, why)) = REFUSED_OPTIONS
        .iter()
        .find(|(member, _)| options.contains_key(*member))
    {
        return Err(SignatureError::UnsupportedOption { member, why });
    }
    Ok(suite)
}

/// Signs an unsecured document; returns the proof object to attach (with `proofValue`).
///
/// `created` is an RFC 3339 time with a zone (passed in: this crate never reads the clock).
///
/// The proof carries the document's `@context`, as the specification's Create Proof does (spec
/// 3.3.1 step 2) and its vector shows: verifiers that hash the proof as they find it (Digital
/// Bazaar's, behind the W3C test suite) otherwise hash a configuration without the context that
/// was signed, and call every credential forged.
///
/// The cryptosuite follows the key: `eddsa-jcs-2022` for Ed25519, `sm2-jcs-2026` for SM2.
pub fn create_proof(
    unsecured: &Map<String, Value>,
    key: &SecretKey,
    created: &str,
) -> Result<Map<String, Value>, SignatureError> {
    let did = DidKey::from_public_key(key.public());
    let suite = Cryptosuite::of_profile(did.profile());
    let mut options = Map::new();
    options.insert("type".into(), PROOF_TYPE.into());
    options.insert("cryptosuite".into(), suite.name().into());
    options.insert("created".into(), created.into());
    options.insert(
        "verificationMethod".into(),
        did.verification_method().into(),
    );
    options.insert("proofPurpose".into(), ASSERTION_METHOD.into());
    if let Some(context) = unsecured.get("@context") {
        options.insert("@context".into(), context.clone());
    }
    let input = signing_input(unsecured, &options)?;
    let signature = key.sign(&input.hash_data());
    options.insert(
        "proofValue".into(),
        encode_base58btc(&signature.to_bytes()).into(),
    );
    Ok(options)
}

/// The signature proof (`eddsa-jcs-2022` or `sm2-jcs-2026`) of a secured document, found in a
/// single proof or a proof set; the first, if there are several.
pub fn find_proof(document: &Map<String, Value>) -> Result<&Map<String, Value>, SignatureError> {
    let proof = find_proof_value(document)?;
    proof
        .as_object()
        .ok_or(SignatureError::MissingField("proof"))
}

/// Like [`find_proof`], returning the proof as the JSON value it is in the document.
pub fn find_proof_value(document: &Map<String, Value>) -> Result<&Value, SignatureError> {
    let proofs: Vec<&Value> = match document.get("proof") {
        None => return Err(SignatureError::NoProof),
        Some(p @ Value::Object(_)) => vec![p],
        Some(Value::Array(items)) => items.iter().filter(|p| p.is_object()).collect(),
        Some(_) => return Err(SignatureError::MissingField("proof")),
    };
    let mut other_suite = None;
    for p in proofs {
        if p.get("type").and_then(Value::as_str) != Some(PROOF_TYPE) {
            continue;
        }
        match p.get("cryptosuite").and_then(Value::as_str) {
            Some(name) if Cryptosuite::from_name(name).is_some() => return Ok(p),
            found => other_suite = Some(found.unwrap_or_default().to_owned()),
        }
    }
    Err(match other_suite {
        Some(found) => SignatureError::UnsupportedCryptosuite { found },
        None => SignatureError::NoDataIntegrityProof,
    })
}

/// Verifies the document's signature proof (spec 3.3.2) under either profile and returns the
/// signing key: the cryptography alone, for issuers and tools. A hall verifies with
/// [`verify_proof_under`] and its own policy.
///
/// In a proof set every proof signs the document without `proof`, so our anchor proof beside
/// the Ed25519 proof changes nothing here, and standard verifiers verify our credentials.
pub fn verify_proof(document: &Value) -> Result<DidKey, SignatureError> {
    verify_proof_under(document, &any_profile())
}

/// [`verify_proof`], refusing a suite `policy` does not accept before checking anything.
pub fn verify_proof_under(document: &Value, policy: &Policy) -> Result<DidKey, SignatureError> {
    verify(document, policy, false).map(|(signer, _)| signer)
}

/// [`verify_proof`], also returning the canonical form of the document with `proof` set to
/// the eddsa-jcs-2022 proof alone (the credential's leaf entry), built from the same
/// canonicalised members so the document is serialised once.
pub(crate) fn verify_proof_with_entry(
    document: &Value,
    policy: &Policy,
) -> Result<(DidKey, Vec<u8>), SignatureError> {
    let (signer, entry) = verify(document, policy, true)?;
    match entry {
        Some(entry) => Ok((signer, entry)),
        None => Err(SignatureError::NotAnObject),
    }
}

fn verify(
    document: &Value,
    policy: &Policy,
    with_entry: bool,
) -> Result<(DidKey, Option<Vec<u8>>), SignatureError> {
    let document = document.as_object().ok_or(SignatureError::NotAnObject)?;
    let proof = find_proof(document)?;
    let suite = proof_suite(proof)?;
    policy
        .allow_sig(suite.sig())
        .and_then(|()| policy.allow_hash(suite.hash()))
        .map_err(|why| SignatureError::NotAllowed {
            suite: suite.name(),
            why,
        })?;
    let purpose = string_field(proof, "proofPurpose")?;
    if purpose != ASSERTION_METHOD {
        return Err(SignatureError::WrongProofPurpose {
            found: purpose.to_owned(),
        });
    }
    let signer = DidKey::parse_cached(string_field(proof, "verificationMethod")?)?;
    if signer.alg() != suite.sig() {
        return Err(SignatureError::KeyTypeMismatch {
            suite: suite.name(),
            key: signer.alg(),
        });
    }
    let bytes = decode_base58btc(string_field(proof, "proofValue")?)?;
    let signature = Signature::from_slice(&bytes)
        .map_err(|_| SignatureError::WrongSignatureLength { len: bytes.len() })?;

    check_options(proof)?;
    // The document without `proof` (and with the proof's `@context`, if it has one), and the
    // proof without `proofValue` plus that `@context`: assembled as member lists, because
    // cloning a whole credential costs more than canonicalising it.
    let context = match proof.get("@context") {
        Some(proof_context) => {
            if !context_starts_with(document.get("@context"), proof_context) {
                return Err(SignatureError::ContextMismatch);
            }
            // The specification accepts a document @context that only starts with the
            // proof's; we refuse the unsigned rest (docs/PROTOCOL.md §2.2).
            let unsigned =
                context_len(document.get("@context")).saturating_sub(as_list(proof_context).len());
            if unsigned > 0 {
                return Err(SignatureError::UnsignedContext { unsigned });
            }
            Some(proof_context)
        }
        None => document.get("@context"),
    };
    // Every member but `proof` and `@context`, canonicalised once for both uses.
    let members = document
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "proof" | "@context"))
        .map(|(k, v)| Ok((k.as_str(), canonicalize_to_string(v)?)))
        .collect::<Result<Vec<_>, JcsError>>()?;
    // The signed `@context`, canonicalised once for the document, the proof configuration and
    // (when the document's is the same) the leaf entry.
    let context_text = context.map(canonicalize_to_string).transpose()?;
    let canonical = |context: Option<&str>, proof: Option<&Value>| -> Result<Vec<u8>, JcsError> {
        let proof = proof.map(canonicalize_to_string).transpose()?;
        Ok(join_canonical_members(
            members
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .chain(context.map(|c| ("@context", c)))
                .chain(proof.as_deref().map(|p| ("proof", p))),
        ))
    };
    let canonical_document = canonical(context_text.as_deref(), None)?;
    let proof_members = proof
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "proofValue" | "@context"))
        .map(|(k, v)| Ok((k.as_str(), canonicalize_to_string(v)?)))
        .collect::<Result<Vec<_>, JcsError>>()?;
    let canonical_proof_config = join_canonical_members(
        proof_members
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(context_text.as_deref().map(|c| ("@context", c))),
    );
    let input = SigningInput {
        document_hash: suite.hash().digest(&canonical_document),
        proof_config_hash: suite.hash().digest(&canonical_proof_config),
        canonical_document,
        canonical_proof_config,
    };
    signer
        .public_key()
        .verify(&input.hash_data(), &signature)
        .map_err(|_| SignatureError::Mismatch)?;
    let entry = if with_entry {
        let proof_value = find_proof_value(document)?;
        let document_context = document.get("@context");
        let other_context;
        let entry_context = if document_context == context {
            context_text.as_deref()
        } else {
            other_context = document_context.map(canonicalize_to_string).transpose()?;
            other_context.as_deref()
        };
        Some(canonical(entry_context, Some(proof_value))?)
    } else {
        None
    };
    Ok((signer, entry))
}

/// The suite a signature proof (as [`find_proof`] returns it) names.
pub fn proof_suite(proof: &Map<String, Value>) -> Result<Cryptosuite, SignatureError> {
    let name = string_field(proof, "cryptosuite")?;
    Cryptosuite::from_name(name).ok_or_else(|| SignatureError::UnsupportedCryptosuite {
        found: name.chars().take(40).collect(),
    })
}

/// A `@context` as the list of its contexts (a single context is a list of one), borrowed:
/// this runs on every scan, so it allocates nothing.
fn as_list(v: &Value) -> &[Value] {
    match v {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

fn context_len(context: Option<&Value>) -> usize {
    context.map_or(0, |c| as_list(c).len())
}

fn context_starts_with(document: Option<&Value>, prefix: &Value) -> bool {
    let Some(document) = document else {
        return false;
    };
    as_list(document).starts_with(as_list(prefix))
}
