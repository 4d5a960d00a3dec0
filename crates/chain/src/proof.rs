//! Registry reads proved, not trusted: the registry's storage read with EIP-1186
//! `eth_getProof` and checked, slot by slot, against the state root of a block header whose
//! RLP hashes to the block's hash.
//!
//! A [`ProvedRegistry`] is pinned at one block. Each read asks the node for the storage slots
//! that hold the answer ([`layout`]), verifies the account proof of the registry against the
//! header's `stateRoot` (and that the account's code is the committed build, so the layout is
//! the one the slots were derived from), then each storage proof against the account's
//! `storageHash`, with `alloy-trie`'s Merkle-Patricia verifier. Only then are the values decoded
//! into the records [`Registry`]'s plain `eth_call` reads return. Anything that does not verify
//! is a [`ProvedReadError`] naming the node and what failed, never a value.
//!
//! The slots asked for are computed with the chain's hash ([`layout::StorageSlots`]). What a
//! proof is checked with is Ethereum's whatever that hash: the header's hash, the trie's keys
//! (`keccak256(address)`, `keccak256(slot)`) and nodes, and the account's code hash are
//! Keccak-256, as Ethereum's Merkle-Patricia state defines them. A chain whose state is hashed
//! otherwise (FISCO BCOS in national-crypto mode, which serves no `eth_getProof` anyway) cannot
//! give proved reads (PROTOCOL.md §7.3).
//!
//! What this does not decide: which block to read. A node that serves a whole forged chain
//! (consistent headers and proofs of another state) passes these checks; the block is one the
//! hall's nodes agreed on (`countersign_chainstate::agree`), read through
//! [`crate::ProvedChainState`].

pub mod header;
pub mod layout;

pub use header::ProvedHeader;

use crate::registry::{status_of, unix_time, AnchoredCheckpoint, Registry, RegistryError};
use crate::rpc;
use alloy_primitives::{keccak256, Bytes, B256, U256};
use alloy_trie::proof::verify_proof;
use alloy_trie::{Nibbles, TrieAccount};
use countersign_chainstate::events::{BlockRef, EventLink};
use countersign_chainstate::{
    AnchorRecord, ChainError, IssuerRecord, RegisteredKey, RevocationReason, RevocationRecord,
    StatusChange,
};
use countersign_credential::DidKey;
use countersign_crypto::Profile;
use countersign_merkle::NodeHash;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// Longest string (issuer name, credential type) and longest array (types, status history) a
/// proved read follows: the registry's own values are far below; a larger one is refused
/// rather than fetched.
const MAX_STRING_BYTES: u64 = 16 * 1024;
const MAX_ARRAY_LEN: u64 = 1024;

/// A registry read that could not be proved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvedReadError {
    /// The node could not be used, or refused a request (a node without `eth_getProof` answers
    /// here, with the method named).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The node has no block at that height.
    #[error("{endpoint} has no block {number}")]
    NoBlock {
        /// The node.
        endpoint: String,
        /// The height asked for.
        number: u64,
    },
    /// The header is missing a field or has a malformed one, so its hash cannot be checked.
    #[error("{endpoint} sent a header for block {number} that cannot be checked: {detail}")]
    HeaderShape {
        /// The node.
        endpoint: String,
        /// The height asked for.
        number: u64,
        /// What was wrong.
        detail: String,
    },
    /// The header's fields do not hash to the block hash it came with: a field (the state root,
    /// say) was changed.
    #[error("{endpoint} sent a header for block {number} that hashes to {computed}, not to its block hash {claimed}: its fields were altered")]
    HeaderHash {
        /// The node.
        endpoint: String,
        /// The height asked for.
        number: u64,
        /// The hash the node gave.
        claimed: B256,
        /// keccak256 of the header's RLP.
        computed: B256,
    },
    /// The node's block at that height is not the one the other nodes agreed on.
    #[error("{endpoint} has block {got} at height {number}, not block {agreed} that the other nodes agreed on")]
    NotAgreed {
        /// The node.
        endpoint: String,
        /// The height.
        number: u64,
        /// The agreed block's hash.
        agreed: B256,
        /// The node's block's hash.
        got: B256,
    },
    /// The node answered with another block than the one asked for.
    #[error("{endpoint} answered block {got} when asked for block {asked}")]
    WrongBlock {
        /// The node.
        endpoint: String,
        /// The height asked for.
        asked: u64,
        /// The height it sent.
        got: u64,
    },
    /// The `eth_getProof` answer is not a proof of what was asked: wrong account, a storage
    /// proof missing, added or for another slot, a malformed field.
    #[error("{endpoint} answered eth_getProof at block {block} with {detail}")]
    ProofShape {
        /// The node.
        endpoint: String,
        /// The block the proof is for.
        block: u64,
        /// What was wrong.
        detail: String,
    },
    /// The registry's account proof does not verify against the header's state root.
    #[error("{endpoint}: the registry's account proof does not verify against the state root of block {block}: {detail}")]
    AccountProof {
        /// The node.
        endpoint: String,
        /// The block.
        block: u64,
        /// The verifier's finding.
        detail: String,
    },
    /// The account at the registry's address holds other code than the committed build, so its
    /// storage layout is not known.
    #[error("{endpoint}: the code at the registry's address at block {block} is not the committed registry build (code hash {code_hash}): its storage cannot be read by layout")]
    UnknownCode {
        /// The node.
        endpoint: String,
        /// The block.
        block: u64,
        /// The proved code hash.
        code_hash: B256,
    },
    /// A storage proof does not verify against the registry's storage root.
    #[error("{endpoint}: the storage proof for slot {slot} (value {value}) does not verify against the registry's storage root at block {block}: {detail}")]
    StorageProof {
        /// The node.
        endpoint: String,
        /// The block.
        block: u64,
        /// The slot.
        slot: B256,
        /// The value the node claimed.
        value: U256,
        /// The verifier's finding.
        detail: String,
    },
    /// Proved storage that does not decode as the registry's (cannot happen with the committed
    /// build; reported rather than guessed at).
    #[error(
        "{endpoint}: the registry's proved storage at block {block} does not decode: {detail}"
    )]
    Layout {
        /// The node.
        endpoint: String,
        /// The block.
        block: u64,
        /// What did not decode.
        detail: String,
    },
}

impl ProvedReadError {
    /// Whether the node could not be asked (down, timed out), as opposed to having answered
    /// something that did not prove.
    pub fn is_outage(&self) -> bool {
        matches!(self, Self::Registry(RegistryError::Rpc(r)) if r.is_transport())
    }
}

impl From<ProvedReadError> for ChainError {
    fn from(e: ProvedReadError) -> Self {
        match e {
            ProvedReadError::Registry(r) => r.into(),
            other => ChainError::Inconsistent(other.to_string()),
        }
    }
}

/// keccak256 of the registry's committed runtime code: the code hash a proved registry account
/// must have.
pub fn registry_code_hash() -> B256 {
    static HASH: OnceLock<B256> = OnceLock::new();
    *HASH.get_or_init(|| {
        let code = hex::decode(RUNTIME_HEX.trim()).unwrap_or_default();
        keccak256(code)
    })
}

const RUNTIME_HEX: &str = include_str!("../../../contracts/build/CountersignRegistry.runtime.bin");

/// The registry as of one block whose header hashed to its block hash; every read is proved
/// against that header's state root.
#[derive(Debug)]
pub struct ProvedRegistry<'r> {
    registry: &'r Registry,
    header: ProvedHeader,
}

impl<'r> ProvedRegistry<'r> {
    /// Fetches block `number`'s header from the node and checks that it hashes to its block
    /// hash.
    pub fn at(registry: &'r Registry, number: u64) -> Result<Self, ProvedReadError> {
        let endpoint = registry.endpoint();
        let block = registry
            .rpc()
            .call(
                "eth_getBlockByNumber",
                json!([format!("0x{number:x}"), false]),
            )
            .map_err(RegistryError::from)?;
        if block.is_null() {
            return Err(ProvedReadError::NoBlock { endpoint, number });
        }
        let header = header::check(&block).map_err(|fault| match fault {
            header::HeaderFault::Shape(detail) => ProvedReadError::HeaderShape {
                endpoint: endpoint.clone(),
                number,
                detail,
            },
            header::HeaderFault::Hash { claimed, computed } => ProvedReadError::HeaderHash {
                endpoint: endpoint.clone(),
                number,
                claimed,
                computed,
            },
        })?;
        if header.number != number {
            return Err(ProvedReadError::WrongBlock {
                endpoint,
                asked: number,
                got: header.number,
            });
        }
        Ok(Self { registry, header })
    }

    /// Block `agreed.number`, which must be the block other nodes agreed on: the header is
    /// checked as [`ProvedRegistry::at`] checks any, then its hash against `agreed.hash`.
    pub fn of(registry: &'r Registry, agreed: &BlockRef) -> Result<Self, ProvedReadError> {
        let me = Self::at(registry, agreed.number)?;
        if me.header.hash.0 != agreed.hash {
            return Err(ProvedReadError::NotAgreed {
                endpoint: registry.endpoint(),
                number: agreed.number,
                agreed: B256::from(agreed.hash),
                got: me.header.hash,
            });
        }
        Ok(me)
    }

    /// The node's latest block, checked as [`ProvedRegistry::at`] checks any.
    pub fn latest(registry: &'r Registry) -> Result<Self, ProvedReadError> {
        let head = registry.head()?;
        Self::at(registry, head.number)
    }

    /// The registry's record of block `block`'s events (`headAt`, `nextEventBlock`), proved.
    pub fn event_link(&self, block: u64) -> Result<EventLink, ProvedReadError> {
        let mut links = self.event_links(&[block])?;
        links
            .pop()
            .ok_or_else(|| self.layout_error("event link: none answered".into()))
    }

    /// The registry's records of these blocks' events, proved with one storage read.
    pub fn event_links(&self, blocks: &[u64]) -> Result<Vec<EventLink>, ProvedReadError> {
        let slots: Vec<U256> = blocks
            .iter()
            .flat_map(|&block| {
                [
                    self.slots().head_at(block),
                    self.slots().next_event_block(block),
                ]
            })
            .collect();
        let values = self.storage(&slots)?;
        if values.len() != slots.len() {
            return Err(self.layout_error(format!(
                "event links: {} slots asked, {} answered",
                slots.len(),
                values.len()
            )));
        }
        values
            .chunks(2)
            .map(|pair| {
                let (head, next) = (pair[0], pair[1]);
                Ok(EventLink {
                    head: head.to_be_bytes::<32>(),
                    next: u64::try_from(next).map_err(|_| {
                        self.layout_error(format!("nextEventBlock {next} is out of range"))
                    })?,
                })
            })
            .collect()
    }

    /// Where things are in the registry's storage on this chain.
    fn slots(&self) -> layout::StorageSlots {
        layout::StorageSlots::new(self.registry.chain_hash())
    }

    /// The checked header the reads are proved against.
    pub fn header(&self) -> &ProvedHeader {
        &self.header
    }

    /// The registry's storage at `slots`, each value proved; a slot never written reads zero
    /// (proved absent).
    pub fn storage(&self, slots: &[U256]) -> Result<Vec<U256>, ProvedReadError> {
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let endpoint = self.registry.endpoint();
        let block = self.header.number;
        let address = self.registry.registry().address;
        let words: Vec<B256> = slots.iter().map(|s| layout::slot_word(*s)).collect();
        let answer = self
            .registry
            .rpc()
            .call(
                "eth_getProof",
                json!([
                    format!("0x{}", hex::encode(address)),
                    words.iter().map(|w| format!("{w}")).collect::<Vec<_>>(),
                    format!("0x{block:x}")
                ]),
            )
            .map_err(RegistryError::from)?;
        let shape = |detail: String| ProvedReadError::ProofShape {
            endpoint: endpoint.clone(),
            block,
            detail,
        };

        // The account: proved against the header's state root, with our code.
        let claimed_address = rpc::data(&answer["address"], "address").map_err(shape)?;
        if claimed_address != address {
            return Err(shape(format!(
                "a proof for account 0x{}",
                hex::encode(claimed_address)
            )));
        }
        let account = TrieAccount {
            nonce: rpc::quantity(&answer["nonce"], "nonce").map_err(shape)?,
            balance: header::quantity(&answer, "balance").map_err(shape)?,
            storage_root: B256::from(
                rpc::word(&answer["storageHash"], "storageHash").map_err(shape)?,
            ),
            code_hash: B256::from(rpc::word(&answer["codeHash"], "codeHash").map_err(shape)?),
        };
        let account_proof = nodes(&answer["accountProof"], "accountProof").map_err(shape)?;
        verify_proof(
            self.header.state_root,
            Nibbles::unpack(keccak256(address)),
            Some(alloy_rlp::encode(account)),
            &account_proof,
        )
        .map_err(|e| ProvedReadError::AccountProof {
            endpoint: endpoint.clone(),
            block,
            detail: e.to_string(),
        })?;
        if account.code_hash != registry_code_hash() {
            return Err(ProvedReadError::UnknownCode {
                endpoint,
                block,
                code_hash: account.code_hash,
            });
        }

        // Each slot: exactly the ones asked, in order, proved against the storage root.
        let Value::Array(proofs) = &answer["storageProof"] else {
            return Err(shape("storageProof that is not an array".into()));
        };
        if proofs.len() != slots.len() {
            return Err(shape(format!(
                "{} storage proofs for {} slots",
                proofs.len(),
                slots.len()
            )));
        }
        let mut values = Vec::with_capacity(slots.len());
        for (i, (proof, slot)) in proofs.iter().zip(&words).enumerate() {
            let key = header::quantity(proof, "key").map_err(shape)?;
            if layout::slot_word(key) != *slot {
                return Err(shape(format!(
                    "storage proof {i} for slot {}, not {slot}",
                    layout::slot_word(key)
                )));
            }
            let value = header::quantity(proof, "value").map_err(shape)?;
            let path = nodes(&proof["proof"], "storage proof").map_err(shape)?;
            let expected = (!value.is_zero()).then(|| alloy_rlp::encode(value));
            verify_proof(
                account.storage_root,
                Nibbles::unpack(keccak256(slot)),
                expected,
                &path,
            )
            .map_err(|e| ProvedReadError::StorageProof {
                endpoint: endpoint.clone(),
                block,
                slot: *slot,
                value,
                detail: e.to_string(),
            })?;
            values.push(value);
        }
        Ok(values)
    }

    fn layout_error(&self, detail: String) -> ProvedReadError {
        ProvedReadError::Layout {
            endpoint: self.registry.endpoint(),
            block: self.header.number,
            detail,
        }
    }

    /// The anchoring of `root`, proved; what [`Registry::anchor`] returns at this block.
    pub fn anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ProvedReadError> {
        let [word] = self.storage_array([self.slots().anchor(root.0)])?;
        let index = layout::ANCHOR_ISSUER.get_u64(word);
        if index == 0 {
            return Ok(None);
        }
        let [count, key] = self.storage_array([
            U256::from(layout::ISSUER_KEYS),
            self.slots().issuer_key(index),
        ])?;
        if U256::from(index) >= count {
            return Err(self.layout_error(format!("root {root} names issuer {index} of {count}")));
        }
        let key = key.to_be_bytes::<32>();
        let base = self.slots().issuer(key);
        let [registered, account] = self.storage_array([
            self.slots().issuer_index(key),
            base + U256::from(layout::ISSUER_ACCOUNT),
        ])?;
        if registered.is_zero() {
            return Err(
                self.layout_error(format!("root {root} is anchored by an unregistered issuer"))
            );
        }
        let profile = layout::ISSUER_PROFILE.get_u8(account);
        // A standard issuer's key is its public key (the contract refuses any other), so its
        // did:key comes from the key; an SM2 issuer's key is a hash, so its public key is read
        // too, and checked against it.
        let public_key = if profile == Profile::Standard.code() {
            key.to_vec()
        } else {
            self.sm2_public_key(base + U256::from(layout::ISSUER_PUBLIC_KEY))?
        };
        let (issuer, _) = RegisteredKey {
            key,
            profile,
            public_key,
        }
        .did()
        .map_err(RegistryError::from)?;
        Ok(Some(AnchorRecord {
            root: *root,
            issuer,
            account: account_bytes(account),
            block: layout::ANCHOR_BLOCK.get_u64(word),
            at: unix_time(layout::ANCHOR_TIME.get_u64(word)).map_err(|d| self.layout_error(d))?,
        }))
    }

    /// The newest log checkpoint `station_key` anchored, proved (its two slots of
    /// `logCheckpoints`); what [`Registry::checkpoint_of`] returns at this block. State does
    /// not know the transaction, so `tx` is `None`.
    pub fn checkpoint_of(
        &self,
        station_key: [u8; 32],
    ) -> Result<Option<AnchoredCheckpoint>, ProvedReadError> {
        let base = self.slots().log_checkpoint(station_key);
        let [root, packed] = self.storage_array([
            base + U256::from(layout::CHECKPOINT_ROOT),
            base + U256::from(layout::CHECKPOINT_PACKED),
        ])?;
        if root.is_zero() && packed.is_zero() {
            return Ok(None);
        }
        let size = layout::CHECKPOINT_SIZE.get_u64(packed);
        let block = layout::CHECKPOINT_BLOCK.get_u64(packed);
        // The registry never stores a zero root, size or block: a word like that is not one
        // of its checkpoints.
        if root.is_zero() || size == 0 || block == 0 {
            return Err(self.layout_error(format!(
                "the checkpoint of station 0x{} has size {size}, block {block} and root {root:#x}",
                hex::encode(station_key)
            )));
        }
        Ok(Some(AnchoredCheckpoint {
            size,
            root: root.to_be_bytes::<32>(),
            at: unix_time(layout::CHECKPOINT_TIME.get_u64(packed))
                .map_err(|d| self.layout_error(d))?,
            block,
            tx: None,
        }))
    }

    /// The first of `hashes` that `issuer` revoked, proved; what [`Registry::first_revoked`]
    /// returns at this block. Every hash's slot is proved, revoked or not.
    pub fn first_revoked(
        &self,
        issuer: &DidKey,
        hashes: &[NodeHash],
    ) -> Result<Option<(usize, RevocationRecord)>, ProvedReadError> {
        let key = issuer.registry_key();
        let [index] = self.storage_array([self.slots().issuer_index(key)])?;
        if index.is_zero() || hashes.is_empty() {
            return Ok(None);
        }
        let index = index.saturating_to::<u64>();
        let slots: Vec<U256> = hashes
            .iter()
            .map(|h| self.slots().revocation(index, h.0))
            .collect();
        let words = self.storage(&slots)?;
        for (position, (word, hash)) in words.iter().zip(hashes).enumerate() {
            let block = layout::REVOCATION_BLOCK.get_u64(*word);
            if block == 0 {
                continue;
            }
            return Ok(Some((
                position,
                RevocationRecord {
                    hash: *hash,
                    issuer: *issuer,
                    reason: RevocationReason::from_code(layout::REVOCATION_REASON.get_u8(*word)),
                    block,
                    at: unix_time(layout::REVOCATION_TIME.get_u64(*word))
                        .map_err(|d| self.layout_error(d))?,
                },
            )));
        }
        Ok(None)
    }

    /// `issuer`'s revocation of `hash`, proved.
    pub fn revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, ProvedReadError> {
        Ok(self
            .first_revoked(issuer, std::slice::from_ref(hash))?
            .map(|(_, r)| r))
    }

    /// The issuer registered with this key, proved: account, name, credential types and status
    /// history; what [`Registry::issuer`] returns at this block.
    pub fn issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, ProvedReadError> {
        let key = did.registry_key();
        let base = self.slots().issuer(key);
        let types_slot = base + U256::from(layout::ISSUER_TYPES);
        let history_slot = base + U256::from(layout::ISSUER_HISTORY);
        let name_slot = base + U256::from(layout::ISSUER_NAME);
        let key_slot = base + U256::from(layout::ISSUER_PUBLIC_KEY);
        let [index, account, name_word, types_len, history_len, key_word] =
            self.storage_array([
                self.slots().issuer_index(key),
                base + U256::from(layout::ISSUER_ACCOUNT),
                name_slot,
                types_slot,
                history_slot,
                key_slot,
            ])?;
        if index.is_zero() {
            return Ok(None);
        }
        let types_len = self.array_len(types_len, "credentialTypes")?;
        let history_len = self.array_len(history_len, "history")?;

        // The type strings' head slots and the history together, with the name's and the public
        // key's data.
        let types_start = self.slots().data_start(types_slot);
        let history_start = self.slots().data_start(history_slot);
        let mut slots: Vec<U256> = (0..types_len)
            .map(|i| types_start + U256::from(i))
            .chain((0..history_len).map(|i| history_start + U256::from(i)))
            .collect();
        let name_data = self.string_data_slots(name_slot, name_word, "name")?;
        slots.extend(&name_data);
        slots.extend(self.string_data_slots(key_slot, key_word, "public key")?);
        let words = self.storage(&slots)?;
        let (type_heads, rest) = words.split_at(types_len as usize);
        let (changes, rest) = rest.split_at(history_len as usize);
        let (name_words, key_words) = rest.split_at(name_data.len());
        let name = self.string(name_word, name_words, "name")?;
        let (registered, profile) = RegisteredKey {
            key,
            profile: layout::ISSUER_PROFILE.get_u8(account),
            public_key: self.bytes(key_word, key_words, "public key")?,
        }
        .did()
        .map_err(RegistryError::from)?;
        if registered != *did {
            return Err(
                self.layout_error(format!("the record under {did}'s key holds {registered}"))
            );
        }

        let mut history = Vec::with_capacity(changes.len());
        for word in changes {
            history.push(StatusChange {
                status: status_of(layout::CHANGE_STATUS.get_u8(*word))
                    .map_err(|d| self.layout_error(d))?,
                at: unix_time(layout::CHANGE_TIME.get_u64(*word))
                    .map_err(|d| self.layout_error(d))?,
                block: layout::CHANGE_BLOCK.get_u64(*word),
            });
        }

        // Long type strings live in their own data slots: one more proved read.
        let mut long = Vec::new();
        let mut ranges = Vec::with_capacity(type_heads.len());
        for (i, head) in type_heads.iter().enumerate() {
            let data =
                self.string_data_slots(types_start + U256::from(i), *head, "credential type")?;
            ranges.push(long.len()..long.len() + data.len());
            long.extend(data);
        }
        let long_words = self.storage(&long)?;
        let credential_types = type_heads
            .iter()
            .zip(ranges)
            .map(|(head, range)| self.string(*head, &long_words[range], "credential type"))
            .collect::<Result<Vec<_>, _>>()?;

        Ok(Some(IssuerRecord {
            did: *did,
            profile,
            name,
            account: account_bytes(account),
            credential_types,
            history,
        }))
    }

    fn storage_array<const N: usize>(
        &self,
        slots: [U256; N],
    ) -> Result<[U256; N], ProvedReadError> {
        let values = self.storage(&slots)?;
        values
            .try_into()
            .map_err(|_| self.layout_error("a proof count changed".into()))
    }

    fn array_len(&self, word: U256, what: &str) -> Result<u64, ProvedReadError> {
        if word > U256::from(MAX_ARRAY_LEN) {
            return Err(self.layout_error(format!("{what} has {word} elements")));
        }
        Ok(word.to::<u64>())
    }

    /// The data slots of a string whose head slot holds `head`: none for a short string
    /// (31 bytes or fewer, kept in the head with its length × 2), else `ceil(len / 32)` from
    /// `H(slot)` (the head holds length × 2 + 1).
    fn string_data_slots(
        &self,
        slot: U256,
        head: U256,
        what: &str,
    ) -> Result<Vec<U256>, ProvedReadError> {
        if !head.bit(0) {
            return Ok(Vec::new());
        }
        let len: U256 = head >> 1usize;
        if len > U256::from(MAX_STRING_BYTES) || len < U256::from(32) {
            return Err(self.layout_error(format!("{what} has a long-string length of {len}")));
        }
        let words = len.to::<u64>().div_ceil(32);
        let start = self.slots().data_start(slot);
        Ok((0..words).map(|i| start + U256::from(i)).collect())
    }

    /// An SM2 issuer's `publicKey` at `slot`: its head and the two data words a 33-byte value
    /// takes, in one proved read (the contract stores no other length for the guomi profile).
    fn sm2_public_key(&self, slot: U256) -> Result<Vec<u8>, ProvedReadError> {
        let start = self.slots().data_start(slot);
        let [head, first, second] = self.storage_array([slot, start, start + U256::from(1u8)])?;
        if head != U256::from(33 * 2 + 1) {
            return Err(self.layout_error(format!(
                "an SM2 issuer's public key has the storage head {head:#x}, not that of 33 bytes"
            )));
        }
        self.bytes(head, &[first, second], "public key")
    }

    fn string(&self, head: U256, data: &[U256], what: &str) -> Result<String, ProvedReadError> {
        let bytes = self.bytes(head, data, what)?;
        String::from_utf8(bytes).map_err(|_| self.layout_error(format!("{what} is not UTF-8")))
    }

    /// A `string` or `bytes` value whose head slot holds `head` and whose data slots (none for
    /// a short one) hold `data`.
    fn bytes(&self, head: U256, data: &[U256], what: &str) -> Result<Vec<u8>, ProvedReadError> {
        Ok(if head.bit(0) {
            let len = (head >> 1usize).to::<usize>();
            let mut bytes: Vec<u8> = data.iter().flat_map(|w| w.to_be_bytes::<32>()).collect();
            bytes.truncate(len);
            bytes
        } else {
            let raw = head.to_be_bytes::<32>();
            let len = usize::from(raw[31] / 2);
            if len > 31 {
                return Err(self.layout_error(format!("{what} has a short-string length of {len}")));
            }
            raw[..len].to_vec()
        })
    }
}

fn account_bytes(word: U256) -> [u8; 20] {
    let bytes = layout::ACCOUNT.get(word).to_be_bytes::<32>();
    let mut out = [0u8; 20];
    out.copy_from_slice(&bytes[12..]);
    out
}

fn nodes(value: &Value, what: &str) -> Result<Vec<Bytes>, String> {
    let Value::Array(items) = value else {
        return Err(format!("{what} that is not an array"));
    };
    items
        .iter()
        .map(|n| rpc::data(n, what).map(Bytes::from))
        .collect()
}
