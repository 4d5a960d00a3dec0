//! The chain-state seam: everything verification asks of the on-chain registry, as one trait.
//!
//! Verification never speaks JSON-RPC and never opens a database. It asks a [`ChainState`] about
//! issuers, anchored roots and revocations, and about the state it is answering from (which
//! registry, as of which block and time). The online chain client and the hall's SQLite mirror
//! both implement it, so a verdict is computed identically online and offline;
//! [`MemoryChainState`] implements it for tests and demos.
//!
//! An `Err` from the trait means *could not check* (node unreachable, mirror unreadable), never
//! *checked and bad*; `Ok(None)` means the registry has no such record.
//!
//! [`ChainHash`] is the configured chain's EVM hash (Keccak-256, or SM3 on a national-crypto
//! chain): the event record a mirror checks ([`events::EventHead`]) is folded with it.

use chrono::{DateTime, Utc};
use countersign_credential::{DidKey, RegistryRef};
use countersign_crypto::{Profile, PublicKey};
use countersign_merkle::NodeHash;
use std::collections::HashMap;

pub mod agree;
pub mod events;
mod hash;
pub mod snapshot;
pub mod station;

pub use hash::{ChainHash, UnknownChainHash};
pub use station::StationRecord;

/// An issuer's standing in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerStatus {
    /// May anchor and revoke; its credentials verify.
    Active,
    /// Temporarily barred (e.g. a suspected key compromise): credentials anchored from this
    /// moment on are refused, earlier ones verify with a warning.
    Suspended,
    /// No longer issues; credentials anchored before retirement stay valid.
    Retired,
}

/// One timestamped status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The status from this moment on.
    pub status: IssuerStatus,
    /// Block time of the change.
    pub at: DateTime<Utc>,
    /// Block number of the change.
    pub block: u64,
}

/// A registered issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerRecord {
    /// The issuer's did:key, built from the public key the registry holds (checked against the
    /// registry's key for it, [`RegisteredKey::did`]).
    pub did: DidKey,
    /// The profile it was registered with: which algorithms its credentials are signed and
    /// batched with. Always the profile of `did`'s key.
    pub profile: Profile,
    /// Registered display name.
    pub name: String,
    /// The EVM account it anchors from.
    pub account: [u8; 20],
    /// Credential types it may issue.
    pub credential_types: Vec<String>,
    /// Status changes in chain order; the first is the registration.
    pub history: Vec<StatusChange>,
}

impl IssuerRecord {
    /// The status in force at `time` (`None` before registration).
    pub fn status_at(&self, time: DateTime<Utc>) -> Option<IssuerStatus> {
        self.history
            .iter()
            .take_while(|c| c.at <= time)
            .last()
            .map(|c| c.status)
    }

    /// The status in force when a root was anchored in `block`, in chain order (block times
    /// have one-second resolution; blocks do not tie). Within the anchoring block itself the
    /// registry accepted the anchor only while the issuer was active, so an activation there
    /// counts and a later suspension there does not.
    pub fn status_when_anchored(&self, block: u64) -> Option<IssuerStatus> {
        let same_block_activation = self
            .history
            .iter()
            .any(|c| c.block == block && c.status == IssuerStatus::Active);
        if same_block_activation {
            return Some(IssuerStatus::Active);
        }
        self.history
            .iter()
            .take_while(|c| c.block < block)
            .last()
            .map(|c| c.status)
    }

    /// The latest status change.
    pub fn current(&self) -> Option<&StatusChange> {
        self.history.last()
    }

    /// Whether it may issue credentials of this type.
    pub fn may_issue(&self, type_name: &str) -> bool {
        self.credential_types.iter().any(|t| t == type_name)
    }
}

/// An issuer's key as the registry records it (`bytes32 key`, `uint8 profile`, `bytes
/// publicKey`), read from an event or from state and not yet checked.
///
/// The contract checks what it can: a standard key is 32 bytes and equal to `key`, an SM2 key
/// 33 bytes. It cannot check that `key` is SM3 of an SM2 key (the EVM of most chains has no
/// SM3), so an admin could register a key under another key's name. [`RegisteredKey::did`] is
/// that check, and every reader of an issuer makes it before it believes the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredKey {
    /// The 32 bytes the registry names the issuer by: the Ed25519 key itself, or SM3 of the
    /// compressed SM2 key.
    pub key: [u8; 32],
    /// The profile code ([`Profile::code`]: 1 standard, 2 guomi).
    pub profile: u8,
    /// The public key's bytes (32 for Ed25519, 33 compressed for SM2).
    pub public_key: Vec<u8>,
}

/// A registry record of an issuer's key that does not hold together: refused, never believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the registry's record of issuer 0x{key} is refused: {why}")]
pub struct RefusedIssuerKey {
    /// The registry's key for the issuer, in hex.
    pub key: String,
    /// What does not hold.
    pub why: String,
}

impl RegisteredKey {
    /// The record of `did`'s key, as a registration writes it.
    pub fn of(did: &DidKey) -> Self {
        Self {
            key: did.registry_key(),
            profile: did.profile().code(),
            public_key: did.public_key().to_bytes(),
        }
    }

    /// The issuer's did:key and profile, once the record holds together: a profile code
    /// Countersign knows, a public key of that profile's algorithm, in its canonical form
    /// (compressed for SM2), whose registry key ([`PublicKey::registry_key`], SM3 of an SM2
    /// key) is `key`.
    pub fn did(&self) -> Result<(DidKey, Profile), RefusedIssuerKey> {
        let refuse = |why: String| RefusedIssuerKey {
            key: hex::encode(self.key),
            why,
        };
        let profile = Profile::from_code(self.profile).ok_or_else(|| {
            refuse(format!(
                "profile {} is not one Countersign knows",
                self.profile
            ))
        })?;
        let alg = profile.sig();
        let public = PublicKey::from_bytes(alg, &self.public_key).map_err(|e| {
            refuse(format!(
                "its {profile} ({alg}) public key 0x{} is not usable: {e}",
                hex::encode(&self.public_key)
            ))
        })?;
        if public.to_bytes() != self.public_key {
            return Err(refuse(format!(
                "its {alg} public key 0x{} is not in its compressed form",
                hex::encode(&self.public_key)
            )));
        }
        let named = public.registry_key();
        if named != self.key {
            return Err(refuse(match profile {
                Profile::Guomi => format!(
                    "the SM3 of its SM2 public key 0x{} is 0x{}, not its key: a registration that names a key it does not hold (forged, or written by a faulty tool)",
                    hex::encode(&self.public_key),
                    hex::encode(named)
                ),
                Profile::Standard => format!(
                    "its Ed25519 public key 0x{} is not its key",
                    hex::encode(&self.public_key)
                ),
            }));
        }
        Ok((DidKey::from_public_key(public), profile))
    }
}

/// An anchored batch root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorRecord {
    /// The batch root.
    pub root: NodeHash,
    /// The issuer the anchoring account belongs to.
    pub issuer: DidKey,
    /// The account that sent the anchoring transaction.
    pub account: [u8; 20],
    /// Block of the anchoring.
    pub block: u64,
    /// Block time of the anchoring.
    pub at: DateTime<Utc>,
}

/// Why a credential or batch was revoked (the registry's reason codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    /// No reason given (0).
    Unspecified,
    /// Issued in error (1).
    IssuedInError,
    /// Replaced by a newer credential (2).
    Superseded,
    /// The issuer's key was compromised (3).
    KeyCompromise,
    /// Revoked by a decision of the issuing authority, e.g. a licence withdrawn (4).
    Withdrawn,
    /// The holder's status changed, e.g. moved away or deregistered (5).
    HolderChanged,
    /// A code this version does not know.
    Other(u8),
}

impl RevocationReason {
    /// From the registry's numeric code.
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => Self::Unspecified,
            1 => Self::IssuedInError,
            2 => Self::Superseded,
            3 => Self::KeyCompromise,
            4 => Self::Withdrawn,
            5 => Self::HolderChanged,
            other => Self::Other(other),
        }
    }

    /// The registry's numeric code.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::IssuedInError => 1,
            Self::Superseded => 2,
            Self::KeyCompromise => 3,
            Self::Withdrawn => 4,
            Self::HolderChanged => 5,
            Self::Other(c) => c,
        }
    }

    /// Short English name, for logs and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::IssuedInError => "issued in error",
            Self::Superseded => "superseded",
            Self::KeyCompromise => "key compromise",
            Self::Withdrawn => "withdrawn",
            Self::HolderChanged => "holder status changed",
            Self::Other(_) => "other",
        }
    }
}

/// A revoked leaf, sub-batch node or batch root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRecord {
    /// The revoked hash.
    pub hash: NodeHash,
    /// The issuer that revoked it.
    pub issuer: DidKey,
    /// Why.
    pub reason: RevocationReason,
    /// Block of the revocation.
    pub block: u64,
    /// Block time of the revocation.
    pub at: DateTime<Utc>,
}

/// Where the answers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Live nodes: the block agreed by `agreed` of the `asked` nodes, read (and proved) from
    /// `endpoint`.
    Online {
        /// The endpoint whose answers were read.
        endpoint: String,
        /// How many nodes gave the block (1: the verdict says "one node").
        agreed: u32,
        /// How many nodes were asked.
        asked: u32,
    },
    /// The hall's local mirror.
    Mirror,
    /// Fixed data (tests, demos).
    Memory,
}

impl Source {
    /// Which kind of source, without the endpoint: what logs and receipts record.
    pub fn kind(&self) -> countersign_vocab::ChainSourceKind {
        use countersign_vocab::ChainSourceKind as Kind;
        match self {
            Self::Online { .. } => Kind::Online,
            Self::Mirror => Kind::Mirror,
            Self::Memory => Kind::Memory,
        }
    }
}

/// The registry state an answer reflects: every verdict states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainView {
    /// The registry followed.
    pub registry: RegistryRef,
    /// The latest block reflected.
    pub block: u64,
    /// That block's time.
    pub block_time: DateTime<Utc>,
    /// When a node last confirmed that this is the chain's state: now for a live node, the
    /// last successful sync for a mirror. Freshness is judged by this, not by `block_time`:
    /// consortium chains without empty blocks keep an old head block for hours when nothing
    /// happens, and a mirror synced a minute ago is current however old its last block.
    pub checked_at: DateTime<Utc>,
    /// Online node or mirror.
    pub source: Source,
    /// Why this state is not fresh however recently it was checked (the agreed head is older
    /// than the hall allows): verification warns `chain.stale` as for an old mirror.
    pub stale: Option<String>,
}

/// Could not check: the chain state is not available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// No node answered, or the mirror could not be read.
    #[error("chain state unavailable: {0}")]
    Unavailable(String),
    /// The source is not the registry this hall follows (another chain, another contract).
    #[error("wrong chain or registry: {0}")]
    WrongRegistry(String),
    /// The source answered with something inconsistent.
    #[error("chain state inconsistent: {0}")]
    Inconsistent(String),
}

/// What verification asks of the registry.
pub trait ChainState {
    /// The registry and the block the answers reflect.
    fn view(&self) -> Result<ChainView, ChainError>;
    /// The registered issuer with this key, if any.
    fn issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, ChainError>;
    /// The anchoring of this root, if anchored.
    fn anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ChainError>;
    /// This issuer's revocation of this leaf, node or root, if it revoked it. Revocations are
    /// kept per issuer: one issuer's record never speaks for another's credentials.
    fn revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, ChainError>;

    /// The first of `hashes` (a credential's leaf, the sub-batch nodes above it, its root) this
    /// issuer revoked, with its position. Sources with a round trip per question override it to
    /// ask once.
    fn first_revocation(
        &self,
        issuer: &DidKey,
        hashes: &[NodeHash],
    ) -> Result<Option<(usize, RevocationRecord)>, ChainError> {
        for (i, hash) in hashes.iter().enumerate() {
            if let Some(r) = self.revocation(issuer, hash)? {
                return Ok(Some((i, r)));
            }
        }
        Ok(None)
    }
}

/// Registry state held in memory, for tests and demos.
#[derive(Debug, Clone)]
pub struct MemoryChainState {
    view: ChainView,
    issuers: HashMap<DidKey, IssuerRecord>,
    anchors: HashMap<NodeHash, AnchorRecord>,
    revocations: HashMap<(DidKey, NodeHash), RevocationRecord>,
}

impl MemoryChainState {
    /// An empty registry as of a block.
    pub fn new(view: ChainView) -> Self {
        Self {
            view,
            issuers: HashMap::new(),
            anchors: HashMap::new(),
            revocations: HashMap::new(),
        }
    }

    /// Registers or replaces an issuer.
    pub fn put_issuer(&mut self, record: IssuerRecord) -> &mut Self {
        self.issuers.insert(record.did, record);
        self
    }

    /// Records an anchored root.
    pub fn put_anchor(&mut self, record: AnchorRecord) -> &mut Self {
        self.anchors.insert(record.root, record);
        self
    }

    /// Records a revocation.
    pub fn put_revocation(&mut self, record: RevocationRecord) -> &mut Self {
        self.revocations
            .insert((record.issuer, record.hash), record);
        self
    }

    /// Appends a status change to a registered issuer; false if it is not registered.
    pub fn change_status(&mut self, did: &DidKey, change: StatusChange) -> bool {
        match self.issuers.get_mut(did) {
            Some(record) => {
                record.history.push(change);
                true
            }
            None => false,
        }
    }

    /// Moves the view to a later block.
    pub fn set_view(&mut self, view: ChainView) -> &mut Self {
        self.view = view;
        self
    }
}

impl MemoryChainState {
    /// Every issuer, anchor and revocation held, for writing a snapshot.
    pub fn records(
        &self,
    ) -> (
        Vec<&IssuerRecord>,
        Vec<&AnchorRecord>,
        Vec<&RevocationRecord>,
    ) {
        let mut issuers: Vec<_> = self.issuers.values().collect();
        issuers.sort_by_key(|r| r.did.to_string());
        let mut anchors: Vec<_> = self.anchors.values().collect();
        anchors.sort_by_key(|r| (r.block, r.root));
        let mut revocations: Vec<_> = self.revocations.values().collect();
        revocations.sort_by_key(|r| (r.block, r.hash));
        (issuers, anchors, revocations)
    }
}

impl ChainState for MemoryChainState {
    fn view(&self) -> Result<ChainView, ChainError> {
        Ok(self.view.clone())
    }

    fn issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, ChainError> {
        Ok(self.issuers.get(did).cloned())
    }

    fn anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ChainError> {
        Ok(self.anchors.get(root).cloned())
    }

    fn revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, ChainError> {
        Ok(self.revocations.get(&(*issuer, *hash)).cloned())
    }
}

/// No chain state at all: every question answers "could not check" with the same reason (all
/// nodes unreachable and no mirror). Verification then says UNVERIFIABLE, never INVALID.
#[derive(Debug, Clone)]
pub struct UnavailableChainState(pub ChainError);

impl ChainState for UnavailableChainState {
    fn view(&self) -> Result<ChainView, ChainError> {
        Err(self.0.clone())
    }

    fn issuer(&self, _: &DidKey) -> Result<Option<IssuerRecord>, ChainError> {
        Err(self.0.clone())
    }

    fn anchor(&self, _: &NodeHash) -> Result<Option<AnchorRecord>, ChainError> {
        Err(self.0.clone())
    }

    fn revocation(&self, _: &DidKey, _: &NodeHash) -> Result<Option<RevocationRecord>, ChainError> {
        Err(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn status_follows_history() {
        let key = ed25519_dalek_key();
        let t = |h| {
            Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0)
                .single()
                .expect("valid time")
        };
        let record = IssuerRecord {
            did: key,
            profile: Profile::Standard,
            name: "测试".into(),
            account: [1; 20],
            credential_types: vec!["DiplomaCredential".into()],
            history: vec![
                StatusChange {
                    status: IssuerStatus::Active,
                    at: t(1),
                    block: 1,
                },
                StatusChange {
                    status: IssuerStatus::Suspended,
                    at: t(5),
                    block: 9,
                },
            ],
        };
        assert_eq!(record.status_at(t(0)), None);
        assert_eq!(record.status_at(t(1)), Some(IssuerStatus::Active));
        assert_eq!(record.status_at(t(4)), Some(IssuerStatus::Active));
        assert_eq!(record.status_at(t(6)), Some(IssuerStatus::Suspended));
        assert!(record.may_issue("DiplomaCredential"));
        assert!(!record.may_issue("BusinessLicenceCredential"));
    }

    #[test]
    fn the_status_at_anchoring_follows_block_order_not_seconds() {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let change = |status, block| StatusChange { status, at, block };
        let record = IssuerRecord {
            did: ed25519_dalek_key(),
            profile: Profile::Standard,
            name: "测试".into(),
            account: [1; 20],
            credential_types: vec![],
            // Registered, anchored in block 3, suspended in block 4, reactivated in block 6,
            // all within one second.
            history: vec![
                change(IssuerStatus::Active, 2),
                change(IssuerStatus::Suspended, 4),
                change(IssuerStatus::Active, 6),
            ],
        };
        assert_eq!(record.status_when_anchored(1), None);
        assert_eq!(record.status_when_anchored(2), Some(IssuerStatus::Active));
        assert_eq!(record.status_when_anchored(3), Some(IssuerStatus::Active));
        // The registry refuses anchors while suspended: an anchor in block 4 came first.
        assert_eq!(record.status_when_anchored(4), Some(IssuerStatus::Active));
        assert_eq!(
            record.status_when_anchored(5),
            Some(IssuerStatus::Suspended)
        );
        assert_eq!(record.status_when_anchored(6), Some(IssuerStatus::Active));
    }

    #[test]
    fn reason_codes_round_trip() {
        for code in 0..=255u8 {
            assert_eq!(RevocationReason::from_code(code).code(), code);
        }
    }

    #[test]
    fn a_registered_key_holds_together_or_is_refused() {
        use countersign_crypto::{HashAlg, SecretKey, SigAlg};
        let sm2 =
            DidKey::from_public_key(SecretKey::generate(SigAlg::Sm2).expect("random").public());
        let ed = ed25519_dalek_key();
        for did in [sm2, ed] {
            let record = RegisteredKey::of(&did);
            assert_eq!(record.did(), Ok((did, did.profile())));
        }
        let honest = RegisteredKey::of(&sm2);
        assert_eq!(honest.profile, 2);
        assert_eq!(honest.public_key.len(), 33);
        assert_eq!(honest.key, HashAlg::Sm3.digest(&honest.public_key));

        // An admin names one SM2 key and registers another's bytes: SM3 gives it away.
        let other = SecretKey::generate(SigAlg::Sm2).expect("random").public();
        let forged = RegisteredKey {
            public_key: other.to_bytes(),
            ..honest.clone()
        };
        let e = forged.did().expect_err("forged").to_string();
        assert!(
            e.contains("the SM3 of its SM2 public key") && e.contains("not its key"),
            "{e}"
        );
        // Profiles that do not exist, or do not match the key.
        for profile in [0, 3, 255] {
            let bad = RegisteredKey {
                profile,
                ..honest.clone()
            };
            assert!(
                bad.did().expect_err("profile").why.contains("profile"),
                "{profile}"
            );
        }
        let crossed = RegisteredKey {
            profile: 1,
            ..honest.clone()
        };
        assert!(crossed.did().is_err());
        let ed_record = RegisteredKey::of(&ed);
        let lying_ed = RegisteredKey {
            key: [7; 32],
            ..ed_record
        };
        assert!(lying_ed
            .did()
            .expect_err("ed")
            .why
            .contains("is not its key"));
    }

    fn ed25519_dalek_key() -> DidKey {
        DidKey::parse("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
            .expect("vector key")
    }
}
