//! Where the registry keeps issuers, anchors, revocations and log checkpoints in storage, by Solidity's layout
//! rules (a mapping's entry for `key` at `H(pad32(key) . slot)`, a dynamic array's elements
//! from `H(slot)`, struct members at their slot and byte offset), where `H` is the chain's EVM
//! hash ([`StorageSlots`]). The numbers are solc's
//! (`contracts/build/CountersignRegistry.storage-layout.json`); the test below fails when they
//! no longer are.

use alloy_primitives::{B256, U256};
use countersign_chainstate::ChainHash;

/// `bytes32[] issuerKeys`: its length; elements from `H(slot)`.
pub const ISSUER_KEYS: u64 = 2;
/// `mapping(bytes32 => uint32) issuerIndex`.
pub const ISSUER_INDEX: u64 = 3;
/// `mapping(bytes32 => Issuer) issuers`.
pub const ISSUERS: u64 = 4;
/// `mapping(bytes32 => Anchor) anchors`.
pub const ANCHORS: u64 = 6;
/// `mapping(uint32 => mapping(bytes32 => Revocation)) revocations`.
pub const REVOCATIONS: u64 = 7;
/// `bytes32 eventHead`: every event the registry emitted, folded (PROTOCOL.md §7.1.2).
pub const EVENT_HEAD: u64 = 12;
/// `uint256 eventCount`: how many events `eventHead` folds.
pub const EVENT_COUNT: u64 = 13;
/// `mapping(uint256 => bytes32) headAt`: `eventHead` at the end of each block with events.
pub const HEAD_AT: u64 = 14;
/// `mapping(uint256 => uint256) nextEventBlock`: the next block with events after each.
pub const NEXT_EVENT_BLOCK: u64 = 15;
/// `mapping(bytes32 => LogCheckpoint) logCheckpoints`: each station's newest log checkpoint.
pub const LOG_CHECKPOINTS: u64 = 17;

/// `Issuer`'s members, as slots after the struct's first: `account` (with `profile` packed
/// after it, [`ISSUER_PROFILE`]), `name`, `credentialTypes`, `history`, `publicKey`.
pub const ISSUER_ACCOUNT: u64 = 0;
/// See [`ISSUER_ACCOUNT`].
pub const ISSUER_NAME: u64 = 1;
/// See [`ISSUER_ACCOUNT`].
pub const ISSUER_TYPES: u64 = 2;
/// See [`ISSUER_ACCOUNT`].
pub const ISSUER_HISTORY: u64 = 3;
/// See [`ISSUER_ACCOUNT`]: `bytes publicKey`, the struct's last member (a 32- or 33-byte key
/// is a long `bytes`: length × 2 + 1 here, the bytes from `H(slot)`).
pub const ISSUER_PUBLIC_KEY: u64 = 4;

/// A value packed into one slot: `bytes` bytes at byte `offset` from the low end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedField {
    /// Byte offset from the least significant end of the slot.
    pub offset: usize,
    /// Width in bytes.
    pub bytes: usize,
}

impl PackedField {
    /// This field's value in `word`.
    pub fn get(self, word: U256) -> U256 {
        let shifted = word >> (8 * self.offset);
        if self.bytes >= 32 {
            return shifted;
        }
        shifted & ((U256::from(1u8) << (8 * self.bytes)) - U256::from(1u8))
    }

    /// This field's value in `word`, for fields of at most 64 bits.
    pub fn get_u64(self, word: U256) -> u64 {
        self.get(word).saturating_to::<u64>()
    }

    /// This field's value in `word`, for one-byte fields.
    pub fn get_u8(self, word: U256) -> u8 {
        self.get(word).saturating_to::<u8>()
    }
}

/// `Anchor { uint32 issuer; uint64 time; uint64 blockNumber; }`: one slot.
pub const ANCHOR_ISSUER: PackedField = PackedField {
    offset: 0,
    bytes: 4,
};
/// See [`ANCHOR_ISSUER`].
pub const ANCHOR_TIME: PackedField = PackedField {
    offset: 4,
    bytes: 8,
};
/// See [`ANCHOR_ISSUER`].
pub const ANCHOR_BLOCK: PackedField = PackedField {
    offset: 12,
    bytes: 8,
};
/// `Revocation { uint8 reason; uint64 time; uint64 blockNumber; }`: one slot.
pub const REVOCATION_REASON: PackedField = PackedField {
    offset: 0,
    bytes: 1,
};
/// See [`REVOCATION_REASON`].
pub const REVOCATION_TIME: PackedField = PackedField {
    offset: 1,
    bytes: 8,
};
/// See [`REVOCATION_REASON`].
pub const REVOCATION_BLOCK: PackedField = PackedField {
    offset: 9,
    bytes: 8,
};
/// `StatusChange { uint8 status; uint64 time; uint64 blockNumber; }`: one slot per element of
/// an issuer's `history`.
pub const CHANGE_STATUS: PackedField = PackedField {
    offset: 0,
    bytes: 1,
};
/// See [`CHANGE_STATUS`].
pub const CHANGE_TIME: PackedField = PackedField {
    offset: 1,
    bytes: 8,
};
/// See [`CHANGE_STATUS`].
pub const CHANGE_BLOCK: PackedField = PackedField {
    offset: 9,
    bytes: 8,
};
/// `LogCheckpoint { bytes32 root; uint64 size; uint64 time; uint64 blockNumber; }`: `root` in
/// the struct's first slot, the rest packed into the next ([`CHECKPOINT_PACKED`]).
pub const CHECKPOINT_ROOT: u64 = 0;
/// The slot, after the struct's first, that packs [`CHECKPOINT_SIZE`], [`CHECKPOINT_TIME`] and
/// [`CHECKPOINT_BLOCK`].
pub const CHECKPOINT_PACKED: u64 = 1;
/// See [`CHECKPOINT_PACKED`].
pub const CHECKPOINT_SIZE: PackedField = PackedField {
    offset: 0,
    bytes: 8,
};
/// See [`CHECKPOINT_PACKED`].
pub const CHECKPOINT_TIME: PackedField = PackedField {
    offset: 8,
    bytes: 8,
};
/// See [`CHECKPOINT_PACKED`].
pub const CHECKPOINT_BLOCK: PackedField = PackedField {
    offset: 16,
    bytes: 8,
};
/// `address account` at offset 0 of its slot.
pub const ACCOUNT: PackedField = PackedField {
    offset: 0,
    bytes: 20,
};
/// An issuer's `uint8 profile`, packed after its `account` in slot [`ISSUER_ACCOUNT`].
pub const ISSUER_PROFILE: PackedField = PackedField {
    offset: 20,
    bytes: 1,
};

/// Where things are in the registry's storage on one chain: Solidity's rules with the chain's
/// hash, which is Keccak-256 on Ethereum and SM3 on a national-crypto chain (a mapping's entry
/// for `key` at `H(pad32(key) . slot)`, a dynamic array's elements from `H(slot)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageSlots {
    hash: ChainHash,
}

impl StorageSlots {
    /// The slots on a chain whose EVM hashes with `hash`.
    pub const fn new(hash: ChainHash) -> Self {
        Self { hash }
    }

    /// The slot of a mapping's entry for a key already padded to 32 bytes.
    pub fn mapping_slot(self, key: [u8; 32], slot: U256) -> U256 {
        U256::from_be_bytes(self.hash.digest_parts(&[&key, &slot.to_be_bytes::<32>()]))
    }

    /// Where a dynamic array's (or a long string's or bytes') data starts.
    pub fn data_start(self, slot: U256) -> U256 {
        U256::from_be_bytes(self.hash.digest(&slot.to_be_bytes::<32>()))
    }

    /// `issuerIndex[key]`.
    pub fn issuer_index(self, key: [u8; 32]) -> U256 {
        self.mapping_slot(key, U256::from(ISSUER_INDEX))
    }

    /// The first slot of `issuers[key]`.
    pub fn issuer(self, key: [u8; 32]) -> U256 {
        self.mapping_slot(key, U256::from(ISSUERS))
    }

    /// `issuerKeys[index]`.
    pub fn issuer_key(self, index: u64) -> U256 {
        self.data_start(U256::from(ISSUER_KEYS)) + U256::from(index)
    }

    /// `anchors[root]`.
    pub fn anchor(self, root: [u8; 32]) -> U256 {
        self.mapping_slot(root, U256::from(ANCHORS))
    }

    /// `revocations[index][hash]`.
    pub fn revocation(self, index: u64, hash: [u8; 32]) -> U256 {
        self.mapping_slot(
            hash,
            self.mapping_slot(uint_key(index), U256::from(REVOCATIONS)),
        )
    }

    /// `headAt[block]`.
    pub fn head_at(self, block: u64) -> U256 {
        self.mapping_slot(uint_key(block), U256::from(HEAD_AT))
    }

    /// `nextEventBlock[block]`.
    pub fn next_event_block(self, block: u64) -> U256 {
        self.mapping_slot(uint_key(block), U256::from(NEXT_EVENT_BLOCK))
    }

    /// The first slot of `logCheckpoints[station]`.
    pub fn log_checkpoint(self, station: [u8; 32]) -> U256 {
        self.mapping_slot(station, U256::from(LOG_CHECKPOINTS))
    }
}

/// A `uint32` key, padded as Solidity pads it (big-endian, left zeros).
pub fn uint_key(value: u64) -> [u8; 32] {
    U256::from(value).to_be_bytes::<32>()
}

/// A slot as the 32-byte word `eth_getProof` is asked for.
pub fn slot_word(slot: U256) -> B256 {
    B256::from(slot.to_be_bytes::<32>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const LAYOUT: &str =
        include_str!("../../../../contracts/build/CountersignRegistry.storage-layout.json");

    fn layout() -> Value {
        serde_json::from_str(LAYOUT).expect("the committed layout is JSON")
    }

    fn variable<'a>(list: &'a Value, label: &str) -> &'a Value {
        list.as_array()
            .and_then(|l| l.iter().find(|v| v["label"] == label))
            .unwrap_or_else(|| panic!("{label} is not in the committed storage layout"))
    }

    /// (label, slot, type) for each state variable the proved reads use.
    #[test]
    fn the_slots_used_are_solcs() {
        let layout = layout();
        let storage = &layout["storage"];
        for (label, slot, ty) in [
            ("issuerKeys", ISSUER_KEYS, "t_array(t_bytes32)dyn_storage"),
            ("issuerIndex", ISSUER_INDEX, "t_mapping(t_bytes32,t_uint32)"),
            (
                "issuers",
                ISSUERS,
                "t_mapping(t_bytes32,t_struct(Issuer)_storage)",
            ),
            (
                "anchors",
                ANCHORS,
                "t_mapping(t_bytes32,t_struct(Anchor)_storage)",
            ),
            (
                "revocations",
                REVOCATIONS,
                "t_mapping(t_uint32,t_mapping(t_bytes32,t_struct(Revocation)_storage))",
            ),
            ("eventHead", EVENT_HEAD, "t_bytes32"),
            ("eventCount", EVENT_COUNT, "t_uint256"),
            ("headAt", HEAD_AT, "t_mapping(t_uint256,t_bytes32)"),
            (
                "nextEventBlock",
                NEXT_EVENT_BLOCK,
                "t_mapping(t_uint256,t_uint256)",
            ),
            (
                "logCheckpoints",
                LOG_CHECKPOINTS,
                "t_mapping(t_bytes32,t_struct(LogCheckpoint)_storage)",
            ),
        ] {
            let v = variable(storage, label);
            assert_eq!(v["slot"], slot, "slot of {label}");
            assert_eq!(v["offset"], 0, "offset of {label}");
            assert_eq!(v["type"], ty, "type of {label}");
        }
    }

    /// (struct, member, (slot within the struct, byte offset, width), type).
    type Member = (
        &'static str,
        &'static str,
        (u64, usize, usize),
        &'static str,
    );

    #[test]
    fn the_struct_members_used_are_where_solc_puts_them() {
        let layout = layout();
        let types = &layout["types"];
        let packed = |f: PackedField| (0u64, f.offset, f.bytes);
        let in_slot = |slot: u64, f: PackedField| (slot, f.offset, f.bytes);
        let rows: [Member; 19] = [
            ("Anchor", "issuer", packed(ANCHOR_ISSUER), "t_uint32"),
            ("Anchor", "time", packed(ANCHOR_TIME), "t_uint64"),
            ("Anchor", "blockNumber", packed(ANCHOR_BLOCK), "t_uint64"),
            ("Revocation", "reason", packed(REVOCATION_REASON), "t_uint8"),
            ("Revocation", "time", packed(REVOCATION_TIME), "t_uint64"),
            (
                "Revocation",
                "blockNumber",
                packed(REVOCATION_BLOCK),
                "t_uint64",
            ),
            ("StatusChange", "status", packed(CHANGE_STATUS), "t_uint8"),
            ("StatusChange", "time", packed(CHANGE_TIME), "t_uint64"),
            (
                "StatusChange",
                "blockNumber",
                packed(CHANGE_BLOCK),
                "t_uint64",
            ),
            ("Issuer", "account", (ISSUER_ACCOUNT, 0, 20), "t_address"),
            (
                "Issuer",
                "profile",
                in_slot(ISSUER_ACCOUNT, ISSUER_PROFILE),
                "t_uint8",
            ),
            (
                "Issuer",
                "publicKey",
                (ISSUER_PUBLIC_KEY, 0, 32),
                "t_bytes_storage",
            ),
            ("Issuer", "name", (ISSUER_NAME, 0, 32), "t_string_storage"),
            (
                "Issuer",
                "credentialTypes",
                (ISSUER_TYPES, 0, 32),
                "t_array(t_string_storage)dyn_storage",
            ),
            (
                "Issuer",
                "history",
                (ISSUER_HISTORY, 0, 32),
                "t_array(t_struct(StatusChange)_storage)dyn_storage",
            ),
            (
                "LogCheckpoint",
                "root",
                (CHECKPOINT_ROOT, 0, 32),
                "t_bytes32",
            ),
            (
                "LogCheckpoint",
                "size",
                in_slot(CHECKPOINT_PACKED, CHECKPOINT_SIZE),
                "t_uint64",
            ),
            (
                "LogCheckpoint",
                "time",
                in_slot(CHECKPOINT_PACKED, CHECKPOINT_TIME),
                "t_uint64",
            ),
            (
                "LogCheckpoint",
                "blockNumber",
                in_slot(CHECKPOINT_PACKED, CHECKPOINT_BLOCK),
                "t_uint64",
            ),
        ];
        for (name, member, (slot, offset, bytes), ty) in rows {
            let id = format!("t_struct({name})_storage");
            let m = variable(&types[&id]["members"], member);
            assert_eq!(m["slot"], slot, "slot of {name}.{member}");
            assert_eq!(m["offset"], offset, "offset of {name}.{member}");
            assert_eq!(m["type"], ty, "type of {name}.{member}");
            assert_eq!(
                types[ty]["numberOfBytes"], bytes,
                "width of {name}.{member}"
            );
        }
        // One slot per anchor, revocation and status change: the packed reads assume it.
        for name in ["Anchor", "Revocation", "StatusChange"] {
            let id = format!("t_struct({name})_storage");
            assert_eq!(types[&id]["numberOfBytes"], 32, "{name} spans one slot");
        }
        assert_eq!(types["t_struct(Issuer)_storage"]["numberOfBytes"], 160);
        // Two slots per checkpoint: the proved read asks for exactly these.
        assert_eq!(
            types["t_struct(LogCheckpoint)_storage"]["numberOfBytes"],
            64
        );
    }

    /// Under Keccak-256 the slots are Ethereum's, computed the way every Ethereum tool does.
    #[test]
    fn keccak256_slots_are_ethereums() {
        use alloy_primitives::keccak256;
        let slots = StorageSlots::new(ChainHash::Keccak256);
        let key = [0xab; 32];
        let mut preimage = key.to_vec();
        preimage.extend_from_slice(&uint_key(ISSUER_INDEX));
        assert_eq!(
            slots.issuer_index(key),
            U256::from_be_bytes(keccak256(&preimage).0)
        );
        assert_eq!(
            slots.issuer_key(2),
            U256::from_be_bytes(keccak256(uint_key(ISSUER_KEYS)).0) + U256::from(2u8)
        );
        // Solidity's documented example: a mapping at slot 0, key 0.
        assert_eq!(
            slot_word(slots.mapping_slot([0; 32], U256::ZERO)),
            "0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5"
                .parse::<B256>()
                .expect("hex")
        );
    }

    #[test]
    fn packed_fields_read_their_bytes() {
        // Anchor(issuer 3, time 0x0102030405060708, block 0x11)
        let word = U256::from(3u8)
            | (U256::from(0x0102_0304_0506_0708u64) << 32)
            | (U256::from(0x11u8) << 96);
        assert_eq!(ANCHOR_ISSUER.get_u64(word), 3);
        assert_eq!(ANCHOR_TIME.get_u64(word), 0x0102_0304_0506_0708);
        assert_eq!(ANCHOR_BLOCK.get_u64(word), 0x11);
    }
}
