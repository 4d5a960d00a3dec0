//! Rust bindings generated from the committed ABI (`contracts/build`), so the client cannot
//! drift from the contract: a changed ABI changes these types and the build notices.
//!
//! The generated code knows Ethereum only: its function selectors, event topics and error
//! selectors are Keccak-256 constants. On a national-crypto chain the EVM hashes with SM3, and
//! so does the compiler that built the contract for it, so every one of those is different
//! there. The client therefore takes from alloy only the encoding and decoding of *arguments*,
//! and computes the selectors and topics at runtime with the configured chain's
//! [`ChainHash`]: [`encode_call`] prepends the computed selector, [`EventTopics`] matches a
//! log's topic0 before alloy decodes it ([`decode_event`]), and [`decode_error`] matches revert
//! data the same way. With [`ChainHash::Keccak256`] each of them is exactly alloy's constant
//! (tested).

#![allow(missing_docs)]

use alloy_primitives::B256;
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use countersign_chainstate::ChainHash;

alloy_sol_types::sol!(
    #[derive(Debug)]
    CountersignRegistry,
    "../../contracts/build/CountersignRegistry.abi.json"
);

use CountersignRegistry as C;

/// What the registry's `registryId()` hashes: the registry's name and version.
pub const REGISTRY_ID_NAME: &str = "Countersign.Registry.v4";

/// What `registryId()` returns on our registry on a chain hashing with `hash`:
/// `H("Countersign.Registry.v4")` (the contract's `keccak256`, which is SM3 on a
/// national-crypto chain). Older registries are refused: a v3 one (before issuers' profiles
/// and full public keys) cannot register an SM2 issuer and has another `issuer` ABI, a v2 one
/// (before log checkpoints) lacks the checkpoints `log verify` compares a log with, and the
/// code of each has another storage layout.
pub fn registry_id(hash: ChainHash) -> B256 {
    B256::from(hash.digest(REGISTRY_ID_NAME.as_bytes()))
}

/// A function's or an error's selector on a chain hashing with `hash`: the first four bytes of
/// `H(signature)`, the signature as Solidity writes it (`anchor(bytes32[])`).
pub fn selector(hash: ChainHash, signature: &str) -> [u8; 4] {
    let h = hash.digest(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// An event's topic0 on a chain hashing with `hash`: `H(signature)`.
pub fn topic(hash: ChainHash, signature: &str) -> B256 {
    B256::from(hash.digest(signature.as_bytes()))
}

/// `call`'s calldata on a chain hashing with `hash`: the computed selector, then the arguments
/// ABI-encoded by alloy.
pub fn encode_call<T: SolCall>(hash: ChainHash, call: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + call.abi_encoded_size());
    out.extend_from_slice(&selector(hash, T::SIGNATURE));
    call.abi_encode_raw(&mut out);
    out
}

/// A log of event `E`, whose topic0 the caller already matched against `E`'s computed topic
/// ([`EventTopics`]), decoded by alloy. Alloy checks topic0 against its own Keccak-256
/// constant, so that constant stands in for the matched one.
pub fn decode_event<E: SolEvent>(
    topics: &[B256],
    data: &[u8],
) -> Result<E, alloy_sol_types::Error> {
    let mut topics = topics.to_vec();
    if let Some(first) = topics.first_mut() {
        *first = E::SIGNATURE_HASH;
    }
    E::decode_raw_log(topics, data)
}

/// The registry's custom error in revert `data` (selector and arguments), on a chain hashing
/// with `hash`; `None` for anything else.
pub fn decode_error(hash: ChainHash, data: &[u8]) -> Option<C::CountersignRegistryErrors> {
    let (found, args) = data.split_first_chunk::<4>()?;
    let i = C::CountersignRegistryErrors::SIGNATURES
        .iter()
        .position(|s| selector(hash, s) == *found)?;
    let alloy_selector = *C::CountersignRegistryErrors::SELECTORS.get(i)?;
    C::CountersignRegistryErrors::abi_decode_raw(alloy_selector, args).ok()
}

/// The topic0 of each of the registry's events on one chain, computed once per client: a mirror
/// matches a million logs against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTopics {
    pub admin_changed: B256,
    pub issuer_registered: B256,
    pub issuer_status_changed: B256,
    pub root_anchored: B256,
    pub revoked: B256,
    pub station_registered: B256,
    pub station_status_changed: B256,
    pub log_digest_anchored: B256,
    pub checkpoint_anchored: B256,
}

impl EventTopics {
    /// The topics on a chain hashing with `hash`.
    pub fn new(hash: ChainHash) -> Self {
        Self {
            admin_changed: topic(hash, C::AdminChanged::SIGNATURE),
            issuer_registered: topic(hash, C::IssuerRegistered::SIGNATURE),
            issuer_status_changed: topic(hash, C::IssuerStatusChanged::SIGNATURE),
            root_anchored: topic(hash, C::RootAnchored::SIGNATURE),
            revoked: topic(hash, C::Revoked::SIGNATURE),
            station_registered: topic(hash, C::StationRegistered::SIGNATURE),
            station_status_changed: topic(hash, C::StationStatusChanged::SIGNATURE),
            log_digest_anchored: topic(hash, C::LogDigestAnchored::SIGNATURE),
            checkpoint_anchored: topic(hash, C::CheckpointAnchored::SIGNATURE),
        }
    }

    /// Every one, for an `eth_getLogs` filter.
    pub fn all(&self) -> [B256; 9] {
        [
            self.admin_changed,
            self.issuer_registered,
            self.issuer_status_changed,
            self.root_anchored,
            self.revoked,
            self.station_registered,
            self.station_status_changed,
            self.log_digest_anchored,
            self.checkpoint_anchored,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{keccak256, Address, FixedBytes};

    /// Under Keccak-256 the runtime path computes exactly what alloy compiled in, for every
    /// function, event and error of the ABI: the default chain reads and writes what it did
    /// before selectors were computed.
    #[test]
    fn under_keccak256_every_selector_and_topic_is_alloys_constant() {
        let k = ChainHash::Keccak256;
        let calls = C::CountersignRegistryCalls::SIGNATURES;
        assert_eq!(calls.len(), C::CountersignRegistryCalls::SELECTORS.len());
        assert!(calls.len() >= 25, "{} functions", calls.len());
        for (sig, constant) in calls.iter().zip(C::CountersignRegistryCalls::SELECTORS) {
            assert_eq!(selector(k, sig), *constant, "{sig}");
        }
        let errors = C::CountersignRegistryErrors::SIGNATURES;
        assert_eq!(errors.len(), C::CountersignRegistryErrors::SELECTORS.len());
        for (sig, constant) in errors.iter().zip(C::CountersignRegistryErrors::SELECTORS) {
            assert_eq!(selector(k, sig), *constant, "{sig}");
        }
        let events = C::CountersignRegistryEvents::SIGNATURES;
        assert_eq!(events.len(), 9, "{events:?}");
        for (sig, constant) in events.iter().zip(C::CountersignRegistryEvents::SELECTORS) {
            assert_eq!(topic(k, sig).0, *constant, "{sig}");
        }
        let topics = EventTopics::new(k);
        assert_eq!(
            topics.all(),
            [
                C::AdminChanged::SIGNATURE_HASH,
                C::IssuerRegistered::SIGNATURE_HASH,
                C::IssuerStatusChanged::SIGNATURE_HASH,
                C::RootAnchored::SIGNATURE_HASH,
                C::Revoked::SIGNATURE_HASH,
                C::StationRegistered::SIGNATURE_HASH,
                C::StationStatusChanged::SIGNATURE_HASH,
                C::LogDigestAnchored::SIGNATURE_HASH,
                C::CheckpointAnchored::SIGNATURE_HASH,
            ]
        );
        assert_eq!(registry_id(k), keccak256(REGISTRY_ID_NAME));
    }

    /// Calldata: alloy's, byte for byte, for a call of each shape the client sends.
    #[test]
    fn under_keccak256_calldata_is_alloys() {
        let k = ChainHash::Keccak256;
        let word = FixedBytes([7; 32]);
        let account = Address::from([0x11; 20]);
        assert_eq!(
            encode_call(k, &C::registryIdCall {}),
            C::registryIdCall {}.abi_encode()
        );
        let register = C::registerIssuerCall {
            key: word,
            profile: 2,
            publicKey: vec![2u8; 33].into(),
            account,
            name: "某市市场监督管理局".into(),
            credentialTypes: vec!["BusinessLicenceCredential".into(), "X".into()],
        };
        assert_eq!(encode_call(k, &register), register.abi_encode());
        let revoke = C::revokeCall {
            hashes: vec![word, FixedBytes([8; 32])],
            reason: 4,
        };
        assert_eq!(encode_call(k, &revoke), revoke.abi_encode());
        let first = C::firstRevokedCall {
            issuer_: word,
            hashes: vec![word],
        };
        assert_eq!(encode_call(k, &first), first.abi_encode());
        let checkpoint = C::anchorCheckpointCall {
            size: 12,
            root: word,
        };
        assert_eq!(encode_call(k, &checkpoint), checkpoint.abi_encode());
    }

    #[test]
    fn errors_and_events_decode_under_their_computed_selectors() {
        use alloy_sol_types::SolError;
        for hash in ChainHash::ALL {
            let sig = C::CheckpointNotNewer::SIGNATURE;
            let mut data = selector(hash, sig).to_vec();
            C::CheckpointNotNewer {
                station: FixedBytes([3; 32]),
                size: 4,
                anchored: 5,
            }
            .abi_encode_raw(&mut data);
            match decode_error(hash, &data) {
                Some(C::CountersignRegistryErrors::CheckpointNotNewer(e)) => {
                    assert_eq!((e.size, e.anchored), (4, 5), "{hash}");
                }
                other => panic!("{hash}: {other:?}"),
            }
            // Under the other hash the selector is another function's, or none.
            assert!(decode_error(hash.other(), &data).is_none(), "{hash}");

            let topics = [
                topic(hash, C::IssuerStatusChanged::SIGNATURE),
                B256::from([9; 32]),
            ];
            let body = C::IssuerStatusChanged {
                issuer: FixedBytes([9; 32]),
                status: 2,
                time: 77,
            }
            .encode_data();
            let e = decode_event::<C::IssuerStatusChanged>(&topics, &body).expect("decodes");
            assert_eq!((e.issuer.0, e.status, e.time), ([9; 32], 2, 77), "{hash}");
        }
    }
}
