//! A block header as a node sends it (`eth_getBlockByNumber`), RLP-encoded the way the chain
//! hashes it, so its `stateRoot` is believed only when the hash of that encoding is the block's.

use alloy_primitives::{keccak256, B256, U256};
use alloy_rlp::Encodable;
use serde_json::Value;

/// One field of the header, in consensus order.
#[derive(Clone, Copy)]
enum Field {
    /// A byte string of exactly this many bytes.
    Fixed(&'static str, usize),
    /// A byte string of any length (`extraData`).
    Data(&'static str),
    /// An unsigned integer, encoded without leading zeros.
    Quantity(&'static str),
}

/// The fields every header has (Frontier on), in order.
const BASE: [Field; 15] = [
    Field::Fixed("parentHash", 32),
    Field::Fixed("sha3Uncles", 32),
    Field::Fixed("miner", 20),
    Field::Fixed("stateRoot", 32),
    Field::Fixed("transactionsRoot", 32),
    Field::Fixed("receiptsRoot", 32),
    Field::Fixed("logsBloom", 256),
    Field::Quantity("difficulty"),
    Field::Quantity("number"),
    Field::Quantity("gasLimit"),
    Field::Quantity("gasUsed"),
    Field::Quantity("timestamp"),
    Field::Data("extraData"),
    Field::Fixed("mixHash", 32),
    Field::Fixed("nonce", 8),
];

/// The fields later forks appended (London, Shanghai, Cancun ×3, Prague), in order: a header
/// carries a prefix of them, never one without those before it.
const TRAILING: [Field; 6] = [
    Field::Quantity("baseFeePerGas"),
    Field::Fixed("withdrawalsRoot", 32),
    Field::Quantity("blobGasUsed"),
    Field::Quantity("excessBlobGas"),
    Field::Fixed("parentBeaconBlockRoot", 32),
    Field::Fixed("requestsHash", 32),
];

/// What a header that hashes to its block hash says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProvedHeader {
    /// Block number.
    pub number: u64,
    /// The block hash, which is `keccak256(rlp(header))`.
    pub hash: B256,
    /// The root of the world state after this block.
    pub state_root: B256,
    /// Block time (Unix seconds).
    pub timestamp: u64,
}

/// Why a header was not believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderFault {
    /// A field is missing or malformed.
    Shape(String),
    /// The encoding hashes to `computed`, not to the `claimed` block hash.
    Hash { claimed: B256, computed: B256 },
}

/// The consensus RLP encoding of a header given as JSON (`eth_getBlockByNumber`'s fields).
pub(crate) fn encode(block: &Value) -> Result<Vec<u8>, String> {
    let mut payload = Vec::with_capacity(640);
    for field in BASE {
        encode_field(block, field, &mut payload)?;
    }
    let mut missing: Option<&str> = None;
    for field in TRAILING {
        let name = field_name(field);
        let present = block.get(name).is_some_and(|v| !v.is_null());
        match (present, missing) {
            (true, Some(before)) => {
                return Err(format!("{name} is present without {before}"));
            }
            (true, None) => encode_field(block, field, &mut payload)?,
            (false, None) => missing = Some(name),
            (false, Some(_)) => {}
        }
    }
    let mut out = Vec::with_capacity(payload.len() + 4);
    alloy_rlp::Header {
        list: true,
        payload_length: payload.len(),
    }
    .encode(&mut out);
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Checks that `block`'s header hashes to its `hash` and returns what it proves.
pub(crate) fn check(block: &Value) -> Result<ProvedHeader, HeaderFault> {
    let shape = HeaderFault::Shape;
    let claimed = B256::from_slice(&fixed(block, "hash", 32).map_err(shape)?);
    let encoded = encode(block).map_err(shape)?;
    let computed = keccak256(&encoded);
    if computed != claimed {
        return Err(HeaderFault::Hash { claimed, computed });
    }
    let state_root = fixed(block, "stateRoot", 32).map_err(shape)?;
    Ok(ProvedHeader {
        number: small(block, "number").map_err(shape)?,
        hash: claimed,
        state_root: B256::from_slice(&state_root),
        timestamp: small(block, "timestamp").map_err(shape)?,
    })
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Fixed(name, _) | Field::Data(name) | Field::Quantity(name) => name,
    }
}

fn encode_field(block: &Value, field: Field, out: &mut Vec<u8>) -> Result<(), String> {
    match field {
        Field::Fixed(name, len) => fixed(block, name, len)?.as_slice().encode(out),
        Field::Data(name) => crate::rpc::data(&block[name], name)?.as_slice().encode(out),
        Field::Quantity(name) => quantity(block, name)?.encode(out),
    }
    Ok(())
}

fn fixed(block: &Value, name: &str, len: usize) -> Result<Vec<u8>, String> {
    let bytes = crate::rpc::data(&block[name], name)?;
    if bytes.len() != len {
        return Err(format!("{name} is {} bytes, not {len}", bytes.len()));
    }
    Ok(bytes)
}

/// A quantity of up to 256 bits, strictly `0x` and hex digits.
pub(crate) fn quantity(block: &Value, name: &str) -> Result<U256, String> {
    let text = block[name]
        .as_str()
        .ok_or_else(|| format!("{name} is not a hex string"))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("{name} lacks 0x"))?;
    if digits.is_empty() || digits.len() > 64 {
        return Err(format!("{name} is not a 256-bit quantity: {text:.80}"));
    }
    U256::from_str_radix(digits, 16).map_err(|_| format!("{name} is not hex: {text:.80}"))
}

fn small(block: &Value, name: &str) -> Result<u64, String> {
    crate::rpc::quantity(&block[name], name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A made-up Prague header (all six trailing fields) in `eth_getBlockByNumber`'s shape;
    /// the tests against anvil check real ones.
    fn prague() -> Value {
        json!({
            "hash": "0x0000000000000000000000000000000000000000000000000000000000000000",
            "parentHash": "0x1111111111111111111111111111111111111111111111111111111111111111",
            "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
            "miner": "0x0000000000000000000000000000000000000000",
            "stateRoot": "0x2222222222222222222222222222222222222222222222222222222222222222",
            "transactionsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
            "receiptsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
            "logsBloom": format!("0x{}", "00".repeat(256)),
            "difficulty": "0x0",
            "number": "0x7",
            "gasLimit": "0x1c9c380",
            "gasUsed": "0x0",
            "timestamp": "0x6930f000",
            "extraData": "0x",
            "mixHash": "0x0000000000000000000000000000000000000000000000000000000000000000",
            "nonce": "0x0000000000000000",
            "baseFeePerGas": "0x3b9aca00",
            "withdrawalsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
            "blobGasUsed": "0x0",
            "excessBlobGas": "0x0",
            "parentBeaconBlockRoot": "0x0000000000000000000000000000000000000000000000000000000000000000",
            "requestsHash": "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        })
    }

    #[test]
    fn a_header_hashes_to_its_own_hash_and_any_change_is_caught() {
        let mut block = prague();
        let hash = keccak256(encode(&block).expect("encodes"));
        block["hash"] = json!(format!("{hash}"));
        let proved = check(&block).expect("hash matches");
        assert_eq!(proved.number, 7);
        assert_eq!(proved.hash, hash);

        let mut lied = block.clone();
        lied["stateRoot"] = json!(format!("0x{}", "33".repeat(32)));
        assert!(
            matches!(check(&lied), Err(HeaderFault::Hash { claimed, .. }) if claimed == hash),
            "a swapped state root must not hash to the block hash"
        );
    }

    #[test]
    fn trailing_fields_are_a_prefix_and_sizes_are_exact() {
        let mut block = prague();
        block
            .as_object_mut()
            .expect("object")
            .remove("withdrawalsRoot");
        assert_eq!(
            encode(&block),
            Err("blobGasUsed is present without withdrawalsRoot".into())
        );

        // A pre-London header (no trailing fields) encodes: 15 items.
        let mut old = prague();
        for f in TRAILING {
            old.as_object_mut().expect("object").remove(field_name(f));
        }
        let encoded = encode(&old).expect("pre-London header");
        let decoded = alloy_rlp::Header::decode(&mut encoded.as_slice()).expect("a list");
        assert!(decoded.list);

        let mut short = prague();
        short["nonce"] = json!("0x00");
        assert_eq!(encode(&short), Err("nonce is 1 bytes, not 8".into()));
        let mut bad = prague();
        bad["gasUsed"] = json!("12");
        assert_eq!(encode(&bad), Err("gasUsed lacks 0x".into()));
    }
}
