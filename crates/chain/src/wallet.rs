//! EVM accounts for issuers and governance: a secp256k1 key, its address, and EIP-155 legacy
//! transactions signed locally.
//!
//! Legacy (type 0) transactions with EIP-155 replay protection are the one format every
//! EVM-compatible node accepts, consortium chains with zero gas price included; the keys never
//! leave this process (nodes are not asked to hold unlocked accounts).

use alloy_primitives::{keccak256, Address, U256};
use alloy_rlp::{Encodable, Header};
use k256::ecdsa::SigningKey;
use std::fmt;

/// An EVM account (wallet) key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountKeyError {
    /// Not 64 hex digits (optionally `0x`-prefixed).
    #[error("an account key is 64 hex digits (32 bytes), optionally prefixed with 0x")]
    Format,
    /// Zero or not below the curve order.
    #[error("not a valid secp256k1 private key")]
    OutOfRange,
}

/// What an account key file (`countersign chain keygen`) says its `type` is.
pub const ACCOUNT_KEY_TYPE: &str = "countersign-account-key";

/// An account key file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("not a Countersign account key file: {0}")]
pub struct KeyFileError(String);

/// An EVM account whose key this process holds.
#[derive(Clone)]
pub struct Wallet {
    key: SigningKey,
    address: Address,
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        f.debug_struct("Wallet")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// From a hex private key, as in an account key file.
    pub fn from_hex(text: &str) -> Result<Self, AccountKeyError> {
        let text = text.trim();
        let digits = text.strip_prefix("0x").unwrap_or(text);
        let bytes: [u8; 32] = hex::decode(digits)
            .map_err(|_| AccountKeyError::Format)?
            .try_into()
            .map_err(|_| AccountKeyError::Format)?;
        Self::from_bytes(&bytes)
    }

    /// From an account key file's text: `{"type": "countersign-account-key", "address",
    /// "privateKey"}`, the address matching the key (a file edited by hand, or someone else's
    /// key with this file's address, is refused).
    pub fn from_key_file(text: &[u8]) -> Result<Self, KeyFileError> {
        let value = countersign_jcs::parse_strict(text).map_err(|e| KeyFileError(e.to_string()))?;
        if value.get("type").and_then(|v| v.as_str()) != Some(ACCOUNT_KEY_TYPE) {
            return Err(KeyFileError(format!("its type is not {ACCOUNT_KEY_TYPE}")));
        }
        let secret = value
            .get("privateKey")
            .and_then(|v| v.as_str())
            .ok_or_else(|| KeyFileError("privateKey is missing".into()))?;
        let wallet = Self::from_hex(secret).map_err(|e| KeyFileError(e.to_string()))?;
        let address = value.get("address").and_then(|v| v.as_str()).unwrap_or("");
        if !address.eq_ignore_ascii_case(&format!("{:?}", wallet.address())) {
            return Err(KeyFileError("its address does not match its key".into()));
        }
        Ok(wallet)
    }

    /// From 32 private key bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, AccountKeyError> {
        let key = SigningKey::from_slice(bytes).map_err(|_| AccountKeyError::OutOfRange)?;
        let address = address_of(&key);
        Ok(Self { key, address })
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        loop {
            let mut bytes = [0u8; 32];
            // The OS generator failing is not something to carry on from.
            #[allow(clippy::expect_used)]
            getrandom::getrandom(&mut bytes).expect("the operating system's random generator");
            if let Ok(wallet) = Self::from_bytes(&bytes) {
                return wallet;
            }
        }
    }

    /// The private key as 64 hex digits with `0x`, for writing a key file.
    pub fn secret_hex(&self) -> String {
        format!("0x{}", hex::encode(self.key.to_bytes()))
    }

    /// The account address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a legacy transaction with EIP-155 replay protection; returns the raw bytes to send.
    pub fn sign_legacy(&self, tx: &LegacyTx) -> Result<Vec<u8>, k256::ecdsa::Error> {
        let mut unsigned = Vec::new();
        tx.encode_fields(&mut unsigned);
        tx.chain_id.encode(&mut unsigned);
        0u8.encode(&mut unsigned);
        0u8.encode(&mut unsigned);
        let digest = keccak256(wrap_list(unsigned));
        let (signature, recovery) = self.key.sign_prehash_recoverable(digest.as_slice())?;
        let v = u64::from(recovery.to_byte()) + 35 + 2 * tx.chain_id;
        let (r, s) = signature.split_bytes();
        let mut signed = Vec::new();
        tx.encode_fields(&mut signed);
        v.encode(&mut signed);
        U256::from_be_slice(&r).encode(&mut signed);
        U256::from_be_slice(&s).encode(&mut signed);
        Ok(wrap_list(signed))
    }
}

/// The fields of a legacy transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyTx {
    /// The sender's next nonce.
    pub nonce: u64,
    /// Gas price in wei (0 on many consortium chains).
    pub gas_price: u128,
    /// Gas limit.
    pub gas: u64,
    /// Recipient; `None` deploys a contract.
    pub to: Option<Address>,
    /// Value in wei (always 0 here).
    pub value: u128,
    /// Call data or init code.
    pub input: Vec<u8>,
    /// The chain this transaction is valid on.
    pub chain_id: u64,
}

impl LegacyTx {
    fn encode_fields(&self, out: &mut Vec<u8>) {
        self.nonce.encode(out);
        self.gas_price.encode(out);
        self.gas.encode(out);
        match &self.to {
            Some(to) => to.encode(out),
            // Contract creation: the empty string.
            None => out.push(alloy_rlp::EMPTY_STRING_CODE),
        }
        self.value.encode(out);
        self.input.as_slice().encode(out);
    }
}

fn wrap_list(payload: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 9);
    Header {
        list: true,
        payload_length: payload.len(),
    }
    .encode(&mut out);
    out.extend_from_slice(&payload);
    out
}

fn address_of(key: &SigningKey) -> Address {
    let point = key.verifying_key().to_encoded_point(false);
    // Uncompressed SEC1: 0x04 ‖ X ‖ Y; the address is the last 20 bytes of keccak(X ‖ Y).
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// The address a contract deployed by `sender` at `nonce` will have (CREATE).
pub fn create_address(sender: Address, nonce: u64) -> Address {
    sender.create(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Anvil's (and Hardhat's) well-known first development account.
    const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn derives_the_known_development_address() {
        let wallet = Wallet::from_hex(DEV_KEY).expect("dev key");
        assert_eq!(
            format!("{:?}", wallet.address()).to_lowercase(),
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        assert_eq!(wallet.secret_hex(), DEV_KEY);
        assert!(!format!("{wallet:?}").contains("ac0974"));
    }

    #[test]
    fn the_first_deployment_lands_where_the_demo_expects() {
        let wallet = Wallet::from_hex(DEV_KEY).expect("dev key");
        assert_eq!(
            format!("{:?}", create_address(wallet.address(), 0)).to_lowercase(),
            "0x5fbdb2315678afecb367f032d93f642f64180aa3"
        );
    }

    #[test]
    fn signs_the_eip155_example() {
        // The worked example in EIP-155.
        let wallet =
            Wallet::from_hex("4646464646464646464646464646464646464646464646464646464646464646")
                .expect("key");
        let tx = LegacyTx {
            nonce: 9,
            gas_price: 20_000_000_000,
            gas: 21000,
            to: Some(
                "0x3535353535353535353535353535353535353535"
                    .parse()
                    .expect("address"),
            ),
            value: 1_000_000_000_000_000_000,
            input: vec![],
            chain_id: 1,
        };
        let raw = wallet.sign_legacy(&tx).expect("sign");
        assert_eq!(
            hex::encode(raw),
            "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(matches!(
            Wallet::from_hex("0x12"),
            Err(AccountKeyError::Format)
        ));
        assert!(matches!(
            Wallet::from_hex(&"0".repeat(64)),
            Err(AccountKeyError::OutOfRange)
        ));
    }
}
