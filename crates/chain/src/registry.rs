//! The registry contract as seen through one node: pinned chain id and address, typed reads,
//! decoded events, and the issuer, verifier-station and governance transactions.

use crate::abi::{self, CountersignRegistry as C, EventTopics};
use crate::rpc::{self, RpcClient, RpcError, RpcOptions};
use crate::wallet::{LegacyTx, Wallet};
use alloy_primitives::{Address, FixedBytes, B256};
use alloy_sol_types::SolCall;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use countersign_chainstate::events::{BlockRef, LoggedEvent, RegistryEvent};
use countersign_chainstate::{
    AnchorRecord, ChainError, ChainHash, IssuerRecord, IssuerStatus, RefusedIssuerKey,
    RegisteredKey, RevocationReason, RevocationRecord, StationRecord, StatusChange,
};
use countersign_credential::{DidKey, RegistryRef};
use countersign_crypto::Profile;
use countersign_merkle::NodeHash;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// What can go wrong talking to the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The node could not be used, or refused a request.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The node is on another chain than the one pinned.
    #[error("{endpoint} is on chain {actual}, but the registry is on chain {expected}: check the node address in the hall settings")]
    WrongChain {
        /// The node.
        endpoint: String,
        /// The pinned chain id.
        expected: u64,
        /// What the node reported.
        actual: u64,
    },
    /// No contract at the pinned address.
    #[error("there is no contract at {address} on chain {chain_id} (as seen by {endpoint}): check the registry address, or the node is not synced")]
    NoContract {
        /// The node.
        endpoint: String,
        /// The chain.
        chain_id: u64,
        /// The pinned address.
        address: String,
    },
    /// A contract, but not a Countersign registry.
    #[error("the contract at {address} is not a Countersign registry: check the registry address")]
    NotRegistry {
        /// The address.
        address: String,
    },
    /// Our registry, but the chain hashes with another hash than the one configured: its
    /// function selectors, event topics and storage slots are not the ones the client would
    /// compute.
    #[error("the registry at {address} does not answer Countersign's id under {configured}, but does under {answers}: the chain's hash is {answers}, not {configured}; check the chain's hash setting")]
    WrongChainHash {
        /// The address.
        address: String,
        /// The hash the client was configured with.
        configured: ChainHash,
        /// The hash the registry answers under.
        answers: ChainHash,
    },
    /// The node answered something that is not what the registry returns.
    #[error("{endpoint} answered {what} with data that does not decode: {detail}")]
    Decode {
        /// The node.
        endpoint: String,
        /// What was asked.
        what: String,
        /// Why it does not decode.
        detail: String,
    },
    /// The registry refused a transaction (access control, double anchoring …).
    #[error("the registry refused: {reason}")]
    Refused {
        /// The contract's reason, in words.
        reason: String,
    },
    /// The registry refused a log checkpoint because the station already anchored one at
    /// least as large: a log holding fewer entries than it anchored was rolled back to an older
    /// copy or lost its tail; one of the same size is anchored already.
    #[error("{}", checkpoint_not_newer(*size, *anchored))]
    CheckpointNotNewer {
        /// The size offered.
        size: u64,
        /// The size the registry holds for the station.
        anchored: u64,
    },
    /// A transaction was sent but not mined in time.
    #[error(
        "transaction {tx} was sent but not mined within {seconds} s; check it later with the node"
    )]
    NotMined {
        /// Transaction hash.
        tx: String,
        /// How long it waited.
        seconds: u64,
    },
    /// A transaction was mined but failed.
    #[error("transaction {tx} failed on chain (block {block})")]
    Failed {
        /// Transaction hash.
        tx: String,
        /// Its block.
        block: u64,
    },
    /// An argument out of the registry's range.
    #[error("{0}")]
    Invalid(String),
    /// The registry holds an issuer whose key does not hold together (an SM2 key whose SM3 is
    /// not the key it is registered under): the record is refused, never read as the issuer.
    #[error(transparent)]
    RefusedIssuer(#[from] RefusedIssuerKey),
}

impl From<RegistryError> for ChainError {
    fn from(e: RegistryError) -> Self {
        match &e {
            RegistryError::Rpc(r) if r.is_transport() => ChainError::Unavailable(e.to_string()),
            RegistryError::Rpc(RpcError::TooLarge { .. }) => ChainError::Unavailable(e.to_string()),
            RegistryError::WrongChain { .. }
            | RegistryError::NoContract { .. }
            | RegistryError::NotRegistry { .. }
            | RegistryError::WrongChainHash { .. } => ChainError::WrongRegistry(e.to_string()),
            // A forged or damaged registration falls to Inconsistent below: the issuer cannot
            // be checked (never "not registered", which would read as the credential's fault).
            _ => ChainError::Inconsistent(e.to_string()),
        }
    }
}

/// A mined transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mined {
    /// Transaction hash.
    pub tx: [u8; 32],
    /// Block number.
    pub block: u64,
    /// Gas used.
    pub gas_used: u64,
    /// The contract created, for a deployment.
    pub contract: Option<[u8; 20]>,
}

/// A verifier station's daily log digest as the registry holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchoredDigest {
    /// The digest the station anchored for the day.
    pub digest: [u8; 32],
    /// Block time of the anchoring.
    pub at: DateTime<Utc>,
    /// Block of the anchoring.
    pub block: u64,
}

/// A verifier station's checkpoint of its Merkle-tree log (an RFC 9162 tree head) as the
/// registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchoredCheckpoint {
    /// How many entries the tree holds.
    pub size: u64,
    /// The tree's root.
    pub root: [u8; 32],
    /// Block time of the anchoring.
    pub at: DateTime<Utc>,
    /// Block of the anchoring.
    pub block: u64,
    /// The anchoring transaction (`0x` and 64 hex digits), when read from the events; state
    /// reads do not know it.
    pub tx: Option<String>,
}

/// The registry contract behind one node, with chain id and address pinned and checked.
#[derive(Debug)]
pub struct Registry {
    rpc: RpcClient,
    registry: RegistryRef,
    /// The chain's EVM hash (from [`RpcOptions::chain_hash`]).
    hash: ChainHash,
    /// The events' topic0s under that hash (boxed: nine words would make every handle, and
    /// every enum holding one, large).
    topics: Box<EventTopics>,
    /// How long to wait for a transaction to be mined.
    pub mine_timeout: Duration,
}

/// The registry's compiled code (constructor included), committed under `contracts/build`.
pub const BYTECODE_HEX: &str = include_str!("../../../contracts/build/CountersignRegistry.bin");

impl Registry {
    /// Connects to `endpoint` and checks that it serves `registry`'s chain and that the address
    /// holds our registry. Nothing is trusted before both checks pass.
    pub fn connect(
        endpoint: &str,
        registry: &RegistryRef,
        options: RpcOptions,
    ) -> Result<Self, RegistryError> {
        let me = Self::unchecked(endpoint, registry, options);
        me.check()?;
        Ok(me)
    }

    /// Checks, again, that the node serves the registry's chain and that the address holds
    /// our registry (its code and `registryId()`).
    pub fn check(&self) -> Result<(), RegistryError> {
        self.check_chain()?;
        self.check_contract()
    }

    /// A handle that has not checked the node yet: for deploying, for the checks themselves,
    /// and for the mirror's sources, which check the node at every sync
    /// ([`EventSource::check_registry`](countersign_chainstate::events::EventSource::check_registry)).
    pub fn unchecked(endpoint: &str, registry: &RegistryRef, options: RpcOptions) -> Self {
        let hash = options.chain_hash;
        Self {
            rpc: RpcClient::new(endpoint, options),
            registry: *registry,
            hash,
            topics: Box::new(EventTopics::new(hash)),
            mine_timeout: Duration::from_secs(60),
        }
    }

    /// The pinned registry.
    pub fn registry(&self) -> &RegistryRef {
        &self.registry
    }

    /// The chain's EVM hash, as configured: what selectors, topics, storage slots, the event
    /// record and the registry id are computed with.
    pub fn chain_hash(&self) -> ChainHash {
        self.hash
    }

    /// The registry's event topic0s on this chain.
    pub fn topics(&self) -> &EventTopics {
        &self.topics
    }

    /// `call`'s calldata on this chain (the selector computed with its hash).
    pub fn calldata<T: SolCall>(&self, call: &T) -> Vec<u8> {
        abi::encode_call(self.hash, call)
    }

    /// The node's URL (credentials removed).
    pub fn endpoint(&self) -> String {
        self.rpc.endpoint()
    }

    /// The raw JSON-RPC client (for node administration in tests and tools).
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> Result<u64, RegistryError> {
        let v = self.rpc.call("eth_chainId", json!([]))?;
        rpc::quantity(&v, "chain id").map_err(|d| self.malformed("eth_chainId", d))
    }

    fn check_chain(&self) -> Result<(), RegistryError> {
        let actual = self.chain_id()?;
        if actual != self.registry.chain_id {
            return Err(RegistryError::WrongChain {
                endpoint: self.endpoint(),
                expected: self.registry.chain_id,
                actual,
            });
        }
        Ok(())
    }

    fn check_contract(&self) -> Result<(), RegistryError> {
        let code = self
            .rpc
            .call("eth_getCode", json!([self.address_hex(), "latest"]))?;
        let code = rpc::data(&code, "code").map_err(|d| self.malformed("eth_getCode", d))?;
        if code.is_empty() {
            return Err(RegistryError::NoContract {
                endpoint: self.endpoint(),
                chain_id: self.registry.chain_id,
                address: self.address_hex(),
            });
        }
        let not_ours = || RegistryError::NotRegistry {
            address: self.address_hex(),
        };
        if self.answers_id_under(self.hash)? {
            return Ok(());
        }
        // Not under the configured hash: under the other one, it is our registry on a chain
        // configured with the wrong hash, which is worth saying rather than "not a registry".
        let other = self.hash.other();
        if self.answers_id_under(other)? {
            return Err(RegistryError::WrongChainHash {
                address: self.address_hex(),
                configured: self.hash,
                answers: other,
            });
        }
        Err(not_ours())
    }

    /// Whether the contract's `registryId()`, called with the selector `hash` gives it,
    /// returns Countersign's id under `hash`.
    fn answers_id_under(&self, hash: ChainHash) -> Result<bool, RegistryError> {
        let call = abi::encode_call(hash, &C::registryIdCall {});
        let answer = match self.call_raw(call, None) {
            Ok(a) => a,
            // A contract without the function reverts or returns nothing.
            Err(RegistryError::Rpc(RpcError::Node { .. })) => return Ok(false),
            Err(e) => return Err(e),
        };
        Ok(matches!(
            C::registryIdCall::abi_decode_returns(&answer),
            Ok(id) if id == abi::registry_id(hash)
        ))
    }

    fn address_hex(&self) -> String {
        format!("0x{}", hex::encode(self.registry.address))
    }

    fn malformed(&self, what: &str, detail: String) -> RegistryError {
        RegistryError::Decode {
            endpoint: self.endpoint(),
            what: what.to_string(),
            detail,
        }
    }

    // ---- blocks and events ------------------------------------------------------------------

    /// The latest block.
    pub fn head(&self) -> Result<BlockRef, RegistryError> {
        self.block_by("latest")?
            .ok_or_else(|| self.malformed("eth_getBlockByNumber", "no latest block".into()))
    }

    /// The block at `number`, if the chain has one.
    pub fn block(&self, number: u64) -> Result<Option<BlockRef>, RegistryError> {
        self.block_by(&format!("0x{number:x}"))
    }

    fn block_by(&self, tag: &str) -> Result<Option<BlockRef>, RegistryError> {
        let v = self.rpc.call("eth_getBlockByNumber", json!([tag, false]))?;
        if v.is_null() {
            return Ok(None);
        }
        let bad = |d: String| self.malformed("eth_getBlockByNumber", d);
        let number = rpc::quantity(&v["number"], "block number").map_err(bad)?;
        let hash = rpc::word(&v["hash"], "block hash").map_err(bad)?;
        let time = rpc::quantity(&v["timestamp"], "block time").map_err(bad)?;
        Ok(Some(BlockRef {
            number,
            hash,
            time: unix_time(time).map_err(bad)?,
        }))
    }

    /// The registry's events in blocks `from..=to`, decoded, in chain order.
    pub fn events(&self, from: u64, to: u64) -> Result<Vec<LoggedEvent>, RegistryError> {
        let topics: Vec<String> = self.topics.all().iter().map(|t| format!("{t}")).collect();
        let filter = json!([{
            "address": self.address_hex(),
            "fromBlock": format!("0x{from:x}"),
            "toBlock": format!("0x{to:x}"),
            "topics": [topics],
        }]);
        let logs = self.rpc.call("eth_getLogs", filter)?;
        let Value::Array(logs) = logs else {
            return Err(self.malformed("eth_getLogs", "result is not an array".into()));
        };
        let mut out = Vec::with_capacity(logs.len());
        for (i, log) in logs.iter().enumerate() {
            let event = self
                .decode_log(log)
                .map_err(|d| self.malformed("eth_getLogs", format!("log {i}: {d}")))?;
            if event.block < from || event.block > to {
                return Err(self.malformed(
                    "eth_getLogs",
                    format!(
                        "log {i} is from block {}, outside {from}..={to}",
                        event.block
                    ),
                ));
            }
            out.push(event);
        }
        out.sort_by_key(|e| (e.block, e.log_index));
        Ok(out)
    }

    fn decode_log(&self, log: &Value) -> Result<LoggedEvent, String> {
        let address = rpc::data(&log["address"], "address")?;
        if address != self.registry.address {
            return Err("log from another contract".into());
        }
        if log.get("removed").and_then(Value::as_bool) == Some(true) {
            return Err("log marked removed (reorganisation in progress)".into());
        }
        let Value::Array(topics) = &log["topics"] else {
            return Err("topics is not an array".into());
        };
        let topics: Vec<B256> = topics
            .iter()
            .map(|t| rpc::word(t, "topic").map(B256::from))
            .collect::<Result<_, _>>()?;
        let data = rpc::data(&log["data"], "data")?;
        let first = *topics.first().ok_or("log without topics")?;
        // The leaf the registry folds (PROTOCOL.md §7): H(topic0 ‖ topic1 ‖ … ‖ H(data)).
        let data_hash = self.hash.digest(&data);
        let mut parts: Vec<&[u8]> = topics.iter().map(|t| t.as_slice()).collect();
        parts.push(&data_hash);
        let leaf = self.hash.digest_parts(&parts);
        let decode_error = |e: alloy_sol_types::Error| format!("undecodable event: {e}");
        let t = &self.topics;
        let event = if first == t.admin_changed {
            let e = abi::decode_event::<C::AdminChanged>(&topics, &data).map_err(decode_error)?;
            RegistryEvent::AdminChanged {
                account: e.account.into_array(),
                admin: e.admin,
            }
        } else if first == t.issuer_registered {
            let e =
                abi::decode_event::<C::IssuerRegistered>(&topics, &data).map_err(decode_error)?;
            RegistryEvent::IssuerRegistered {
                issuer: RegisteredKey {
                    key: e.issuer.0,
                    profile: e.profile,
                    public_key: e.publicKey.to_vec(),
                },
                account: e.account.into_array(),
                name: e.name,
                credential_types: e.credentialTypes,
            }
        } else if first == t.issuer_status_changed {
            let e = abi::decode_event::<C::IssuerStatusChanged>(&topics, &data)
                .map_err(decode_error)?;
            RegistryEvent::IssuerStatusChanged {
                issuer: e.issuer.0,
                status: status_of(e.status)?,
                at: unix_time(e.time)?,
            }
        } else if first == t.root_anchored {
            let e = abi::decode_event::<C::RootAnchored>(&topics, &data).map_err(decode_error)?;
            RegistryEvent::RootAnchored {
                root: NodeHash(e.root.0),
                issuer: e.issuer.0,
                at: unix_time(e.time)?,
            }
        } else if first == t.revoked {
            let e = abi::decode_event::<C::Revoked>(&topics, &data).map_err(decode_error)?;
            RegistryEvent::Revoked {
                hash: NodeHash(e.hash.0),
                issuer: e.issuer.0,
                reason: RevocationReason::from_code(e.reason),
                at: unix_time(e.time)?,
            }
        } else if first == t.station_registered {
            let e =
                abi::decode_event::<C::StationRegistered>(&topics, &data).map_err(decode_error)?;
            RegistryEvent::StationRegistered {
                station: e.station.0,
                account: e.account.into_array(),
                name: e.name,
            }
        } else if first == t.station_status_changed {
            let e = abi::decode_event::<C::StationStatusChanged>(&topics, &data)
                .map_err(decode_error)?;
            RegistryEvent::StationStatusChanged {
                station: e.station.0,
                status: status_of(e.status)?,
                at: unix_time(e.time)?,
            }
        } else if first == t.log_digest_anchored {
            let e =
                abi::decode_event::<C::LogDigestAnchored>(&topics, &data).map_err(decode_error)?;
            RegistryEvent::LogDigestAnchored {
                station: e.station.0,
                day: e.day,
                digest: e.digest.0,
                at: unix_time(e.time)?,
            }
        } else if first == t.checkpoint_anchored {
            let e =
                abi::decode_event::<C::CheckpointAnchored>(&topics, &data).map_err(decode_error)?;
            RegistryEvent::CheckpointAnchored {
                station: e.station.0,
                size: e.size,
                root: e.root.0,
                at: unix_time(e.time)?,
            }
        } else {
            return Err(format!("unknown event {first}"));
        };
        Ok(LoggedEvent {
            block: rpc::quantity(&log["blockNumber"], "blockNumber")?,
            block_hash: rpc::word(&log["blockHash"], "blockHash")?,
            log_index: rpc::quantity(&log["logIndex"], "logIndex")?,
            tx_hash: rpc::word(&log["transactionHash"], "transactionHash")?,
            leaf,
            event,
        })
    }

    // ---- reads ------------------------------------------------------------------------------

    fn call_raw(&self, data: Vec<u8>, block: Option<u64>) -> Result<Vec<u8>, RegistryError> {
        let tag = block.map_or_else(|| "latest".to_string(), |b| format!("0x{b:x}"));
        let v = self.rpc.call(
            "eth_call",
            json!([{"to": self.address_hex(), "data": format!("0x{}", hex::encode(data))}, tag]),
        )?;
        rpc::data(&v, "call result").map_err(|d| self.malformed("eth_call", d))
    }

    fn read<T: SolCall>(&self, call: T, block: Option<u64>) -> Result<T::Return, RegistryError> {
        let answer = self.call_raw(self.calldata(&call), block)?;
        T::abi_decode_returns(&answer).map_err(|e| self.malformed(T::SIGNATURE, e.to_string()))
    }

    /// The issuer registered with this key, as of `block` (latest when `None`). A record whose
    /// public key is not `did`'s is refused ([`RegistryError::RefusedIssuer`]).
    pub fn issuer(
        &self,
        did: &DidKey,
        block: Option<u64>,
    ) -> Result<Option<IssuerRecord>, RegistryError> {
        let record = self.issuer_at_key(did.registry_key(), block)?;
        if let Some(r) = &record {
            // The registry key is a hash of the public key for SM2: the same key, or a
            // collision of SM3.
            if r.did != *did {
                return Err(self.malformed(
                    "issuer",
                    format!("the record under {did}'s key holds {}", r.did),
                ));
            }
        }
        Ok(record)
    }

    /// The issuer registered under registry key `key` ([`DidKey::registry_key`]), its did:key
    /// built from the public key the registry holds once it holds together
    /// ([`RegisteredKey::did`]).
    fn issuer_at_key(
        &self,
        key: [u8; 32],
        block: Option<u64>,
    ) -> Result<Option<IssuerRecord>, RegistryError> {
        let r = self.read(
            C::issuerCall {
                key: FixedBytes(key),
            },
            block,
        )?;
        if !r.registered {
            return Ok(None);
        }
        let (did, profile) = RegisteredKey {
            key,
            profile: r.profile,
            public_key: r.publicKey.to_vec(),
        }
        .did()?;
        let bad = |d: String| self.malformed("issuer", d);
        let mut history = Vec::with_capacity(r.history.len());
        for change in &r.history {
            history.push(StatusChange {
                status: status_of(change.status).map_err(bad)?,
                at: unix_time(change.time).map_err(bad)?,
                block: change.blockNumber,
            });
        }
        Ok(Some(IssuerRecord {
            did,
            profile,
            name: r.name,
            account: r.account.into_array(),
            credential_types: r.credentialTypes,
            history,
        }))
    }

    /// The anchoring of `root`, as of `block`.
    pub fn anchor(
        &self,
        root: &NodeHash,
        block: Option<u64>,
    ) -> Result<Option<AnchorRecord>, RegistryError> {
        let r = self.read(
            C::anchorOfCall {
                root: FixedBytes(root.0),
            },
            block,
        )?;
        if r.issuer_ == B256::ZERO {
            return Ok(None);
        }
        let bad = |d: String| self.malformed("anchorOf", d);
        // The anchoring account is the issuer's registered one: the contract accepts no other.
        // The issuer's did:key comes from its registration (for SM2 the anchor names a hash).
        let issuer = self
            .issuer_at_key(r.issuer_.0, block)?
            .ok_or_else(|| bad("anchored by an unregistered issuer".into()))?;
        Ok(Some(AnchorRecord {
            root: *root,
            issuer: issuer.did,
            account: issuer.account,
            block: r.blockNumber,
            at: unix_time(r.time).map_err(bad)?,
        }))
    }

    /// The first of `hashes` that `issuer` revoked, as of `block`.
    pub fn first_revoked(
        &self,
        issuer: &DidKey,
        hashes: &[NodeHash],
        block: Option<u64>,
    ) -> Result<Option<(usize, RevocationRecord)>, RegistryError> {
        let r = self.read(
            C::firstRevokedCall {
                issuer_: FixedBytes(issuer.registry_key()),
                hashes: hashes.iter().map(|h| FixedBytes(h.0)).collect(),
            },
            block,
        )?;
        if !r.found {
            return Ok(None);
        }
        let bad = |d: String| self.malformed("firstRevoked", d);
        let position = usize::try_from(r.position)
            .ok()
            .filter(|p| *p < hashes.len())
            .ok_or_else(|| bad("position out of range".into()))?;
        Ok(Some((
            position,
            RevocationRecord {
                hash: hashes[position],
                issuer: *issuer,
                reason: RevocationReason::from_code(r.reason),
                block: r.blockNumber,
                at: unix_time(r.time).map_err(bad)?,
            },
        )))
    }

    /// The verifier station registered with this Ed25519 key, as of `block` (latest when
    /// `None`).
    pub fn station(
        &self,
        key: [u8; 32],
        block: Option<u64>,
    ) -> Result<Option<StationRecord>, RegistryError> {
        let r = self.read(
            C::stationCall {
                key: FixedBytes(key),
            },
            block,
        )?;
        if r.status == 0 {
            return Ok(None);
        }
        Ok(Some(StationRecord {
            key,
            account: r.account.into_array(),
            name: r.name,
            status: status_of(r.status).map_err(|d| self.malformed("station", d))?,
        }))
    }

    /// Every event with `topic` whose first indexed argument is `station_key`, from the first
    /// block, decoded (one `eth_getLogs`): a station's anchored digests or checkpoints.
    fn station_events(
        &self,
        topic: B256,
        station_key: [u8; 32],
    ) -> Result<Vec<LoggedEvent>, RegistryError> {
        let filter = json!([{
            "address": self.address_hex(),
            "fromBlock": "0x0",
            "toBlock": "latest",
            "topics": [format!("{topic}"), format!("0x{}", hex::encode(station_key))],
        }]);
        let logs = self.rpc.call("eth_getLogs", filter)?;
        let Value::Array(logs) = logs else {
            return Err(self.malformed("eth_getLogs", "result is not an array".into()));
        };
        logs.iter()
            .enumerate()
            .map(|(i, log)| {
                self.decode_log(log)
                    .map_err(|d| self.malformed("eth_getLogs", format!("log {i}: {d}")))
            })
            .collect()
    }

    /// Every day `station_key` anchored a digest for, from the registry's events (one
    /// `eth_getLogs` filtered by the station's key, from the first block): what a log can be
    /// checked against even when its own record of the days is gone. Oldest first.
    pub fn anchored_days(
        &self,
        station_key: [u8; 32],
    ) -> Result<Vec<(NaiveDate, AnchoredDigest)>, RegistryError> {
        let events = self.station_events(self.topics.log_digest_anchored, station_key)?;
        let mut days = Vec::with_capacity(events.len());
        for event in events {
            let RegistryEvent::LogDigestAnchored {
                station,
                day,
                digest,
                at,
            } = event.event
            else {
                continue;
            };
            if station != station_key {
                continue;
            }
            let date = NaiveDate::from_ymd_opt((day / 10_000) as i32, (day / 100) % 100, day % 100)
                .ok_or_else(|| self.malformed("eth_getLogs", format!("day {day} is not a date")))?;
            days.push((
                date,
                AnchoredDigest {
                    digest,
                    at,
                    block: event.block,
                },
            ));
        }
        days.sort_by_key(|(d, _)| *d);
        Ok(days)
    }

    /// The log digest a station anchored for a hall-local day, if it anchored one.
    pub fn log_digest(
        &self,
        station_key: [u8; 32],
        day: NaiveDate,
    ) -> Result<Option<AnchoredDigest>, RegistryError> {
        let r = self.read(
            C::logDigestOfCall {
                station_: FixedBytes(station_key),
                day: day_code(day)?,
            },
            None,
        )?;
        if r.blockNumber == 0 {
            return Ok(None);
        }
        Ok(Some(AnchoredDigest {
            digest: r.digest.0,
            at: unix_time(r.time).map_err(|d| self.malformed("logDigestOf", d))?,
            block: r.blockNumber,
        }))
    }

    /// The newest log checkpoint `station_key` anchored, by `eth_call` (the node's word; a
    /// proved read is [`ProvedRegistry::checkpoint_of`](crate::ProvedRegistry::checkpoint_of)).
    pub fn checkpoint_of(
        &self,
        station_key: [u8; 32],
    ) -> Result<Option<AnchoredCheckpoint>, RegistryError> {
        let r = self.read(
            C::checkpointOfCall {
                station_: FixedBytes(station_key),
            },
            None,
        )?;
        if r.blockNumber == 0 {
            return Ok(None);
        }
        Ok(Some(AnchoredCheckpoint {
            size: r.size,
            root: r.root.0,
            at: unix_time(r.time).map_err(|d| self.malformed("checkpointOf", d))?,
            block: r.blockNumber,
            tx: None,
        }))
    }

    /// Every log checkpoint `station_key` anchored, from the registry's events (one
    /// `eth_getLogs` filtered by the station's key, from the first block), oldest first: the
    /// registry's state keeps only the newest. Each carries its transaction.
    pub fn anchored_checkpoints(
        &self,
        station_key: [u8; 32],
    ) -> Result<Vec<AnchoredCheckpoint>, RegistryError> {
        let events = self.station_events(self.topics.checkpoint_anchored, station_key)?;
        let mut found = Vec::with_capacity(events.len());
        for event in events {
            let RegistryEvent::CheckpointAnchored {
                station,
                size,
                root,
                at,
            } = event.event
            else {
                continue;
            };
            // The filter asked for this station; a node that answers with another's is not
            // believed about it.
            if station != station_key {
                continue;
            }
            found.push((
                (event.block, event.log_index),
                AnchoredCheckpoint {
                    size,
                    root,
                    at,
                    block: event.block,
                    tx: Some(format!("0x{}", hex::encode(event.tx_hash))),
                },
            ));
        }
        found.sort_by_key(|(place, _)| *place);
        Ok(found.into_iter().map(|(_, c)| c).collect())
    }

    /// How many verifier stations are registered (retired ones included).
    pub fn station_count(&self) -> Result<u64, RegistryError> {
        let n = self.read(C::stationCountCall {}, None)?;
        u64::try_from(n).map_err(|_| self.malformed("stationCount", "out of range".into()))
    }

    /// Whether `account` holds the governance role.
    pub fn is_admin(&self, account: Address) -> Result<bool, RegistryError> {
        self.read(C::isAdminCall::new((account,)), None)
    }

    /// How many issuers are registered.
    pub fn issuer_count(&self) -> Result<u64, RegistryError> {
        let n = self.read(C::issuerCountCall {}, None)?;
        u64::try_from(n).map_err(|_| self.malformed("issuerCount", "out of range".into()))
    }

    // ---- transactions -----------------------------------------------------------------------

    /// Deploys a new registry from `wallet` (which becomes its first admin); returns the
    /// deployment and the registry reference to pin from now on.
    pub fn deploy(
        endpoint: &str,
        chain_id: u64,
        wallet: &Wallet,
        options: RpcOptions,
    ) -> Result<(Registry, Mined), RegistryError> {
        let placeholder = RegistryRef {
            chain_id,
            address: [0; 20],
        };
        let mut me = Self::unchecked(endpoint, &placeholder, options);
        me.check_chain()?;
        let code = hex::decode(BYTECODE_HEX.trim())
            .map_err(|_| RegistryError::Invalid("committed bytecode is not hex".into()))?;
        let mined = me.transact(wallet, None, code)?;
        let address = mined.contract.ok_or_else(|| {
            me.malformed("eth_getTransactionReceipt", "no contract address".into())
        })?;
        me.registry.address = address;
        me.check_contract()?;
        Ok((me, mined))
    }

    /// Registers an issuer (governance only) under its did:key's registry key, with its profile
    /// and full public key (an SM2 key is 33 bytes and named in the registry by its SM3).
    pub fn register_issuer(
        &self,
        admin: &Wallet,
        did: &DidKey,
        account: Address,
        name: &str,
        credential_types: &[String],
    ) -> Result<Mined, RegistryError> {
        let key = RegisteredKey::of(did);
        let call = C::registerIssuerCall {
            key: FixedBytes(key.key),
            profile: key.profile,
            publicKey: key.public_key.into(),
            account,
            name: name.to_string(),
            credentialTypes: credential_types.to_vec(),
        };
        self.transact(admin, Some(self.address()), self.calldata(&call))
    }

    /// Suspends, reactivates or retires an issuer (governance only).
    pub fn set_issuer_status(
        &self,
        admin: &Wallet,
        did: &DidKey,
        status: IssuerStatus,
    ) -> Result<Mined, RegistryError> {
        let call = C::setIssuerStatusCall {
            key: FixedBytes(did.registry_key()),
            status: status_code(status),
        };
        self.transact(admin, Some(self.address()), self.calldata(&call))
    }

    /// Grants or withdraws the governance role (governance only).
    pub fn set_admin(
        &self,
        admin: &Wallet,
        account: Address,
        grant: bool,
    ) -> Result<Mined, RegistryError> {
        let call = C::setAdminCall {
            account,
            admin: grant,
        };
        self.transact(admin, Some(self.address()), self.calldata(&call))
    }

    /// Anchors batch roots from the issuer's account.
    pub fn anchor_roots(
        &self,
        issuer: &Wallet,
        roots: &[NodeHash],
    ) -> Result<Mined, RegistryError> {
        let call = C::anchorCall {
            roots: roots.iter().map(|r| FixedBytes(r.0)).collect(),
        };
        self.transact(issuer, Some(self.address()), self.calldata(&call))
    }

    /// Revokes leaves, sub-batch nodes or roots from the issuer's account.
    pub fn revoke(
        &self,
        issuer: &Wallet,
        hashes: &[NodeHash],
        reason: RevocationReason,
    ) -> Result<Mined, RegistryError> {
        let call = C::revokeCall {
            hashes: hashes.iter().map(|h| FixedBytes(h.0)).collect(),
            reason: reason.code(),
        };
        self.transact(issuer, Some(self.address()), self.calldata(&call))
    }

    /// Registers a verifier station (governance only) by its Ed25519 device key, with the
    /// account it anchors log digests from (`None`: a hall that only signs receipts).
    pub fn register_station(
        &self,
        admin: &Wallet,
        key: [u8; 32],
        account: Option<[u8; 20]>,
        name: &str,
    ) -> Result<Mined, RegistryError> {
        let call = C::registerStationCall {
            key: FixedBytes(key),
            account: account.map_or(Address::ZERO, Address::from),
            name: name.to_string(),
        };
        self.transact(admin, Some(self.address()), self.calldata(&call))
    }

    /// Suspends, reactivates or retires a verifier station (governance only; retirement is
    /// final).
    pub fn set_station_status(
        &self,
        admin: &Wallet,
        key: [u8; 32],
        status: IssuerStatus,
    ) -> Result<Mined, RegistryError> {
        let call = C::setStationStatusCall {
            key: FixedBytes(key),
            status: status_code(status),
        };
        self.transact(admin, Some(self.address()), self.calldata(&call))
    }

    /// Anchors a station's digest of one hall-local day's log, from the station's account.
    pub fn anchor_log_digest(
        &self,
        station: &Wallet,
        day: NaiveDate,
        digest: [u8; 32],
    ) -> Result<Mined, RegistryError> {
        let call = C::anchorLogDigestCall {
            day: day_code(day)?,
            digest: FixedBytes(digest),
        };
        self.transact(station, Some(self.address()), self.calldata(&call))
    }

    /// Anchors a checkpoint of the station's Merkle-tree log (`size` entries, RFC 9162 root
    /// `root`), from the station's account. The registry accepts only a size larger than the
    /// station's last: otherwise [`RegistryError::CheckpointNotNewer`] with both sizes.
    pub fn anchor_checkpoint(
        &self,
        station: &Wallet,
        size: u64,
        root: [u8; 32],
    ) -> Result<Mined, RegistryError> {
        // The registry refuses it too (as not newer than no checkpoint), but "0 entries" is
        // a caller's mistake better named as such.
        if size == 0 {
            return Err(RegistryError::Invalid(
                "a checkpoint of an empty log (0 entries) is never anchored".into(),
            ));
        }
        let call = C::anchorCheckpointCall {
            size,
            root: FixedBytes(root),
        };
        self.transact(station, Some(self.address()), self.calldata(&call))
    }

    fn address(&self) -> Address {
        Address::from(self.registry.address)
    }

    /// Signs and sends a transaction, then waits for it to be mined. The call is simulated
    /// first (`eth_estimateGas`), so a transaction the contract would refuse is never sent and
    /// its reason comes back in words.
    fn transact(
        &self,
        wallet: &Wallet,
        to: Option<Address>,
        input: Vec<u8>,
    ) -> Result<Mined, RegistryError> {
        let from = format!("{:?}", wallet.address());
        let data = format!("0x{}", hex::encode(&input));
        let mut request = json!({"from": from, "data": data});
        if let Some(to) = to {
            request["to"] = json!(format!("{to:?}"));
        }
        let estimate = match self.rpc.call("eth_estimateGas", json!([request])) {
            Ok(v) => rpc::quantity(&v, "gas estimate")
                .map_err(|d| self.malformed("eth_estimateGas", d))?,
            Err(RpcError::Node { message, data, .. }) => {
                return Err(refusal(self.hash, data.as_deref(), &message))
            }
            Err(e) => return Err(e.into()),
        };
        let gas_price = self.rpc.call("eth_gasPrice", json!([]))?;
        let gas_price = rpc::quantity(&gas_price, "gas price")
            .map_err(|d| self.malformed("eth_gasPrice", d))?;
        let nonce = self
            .rpc
            .call("eth_getTransactionCount", json!([from, "pending"]))?;
        let nonce = rpc::quantity(&nonce, "nonce")
            .map_err(|d| self.malformed("eth_getTransactionCount", d))?;
        let tx = LegacyTx {
            nonce,
            gas_price: u128::from(gas_price),
            // Headroom over the estimate: storage refunds and warm/cold slots vary by a little.
            gas: estimate.saturating_mul(6) / 5 + 10_000,
            to,
            value: 0,
            input,
            chain_id: self.registry.chain_id,
        };
        let raw = wallet
            .sign_legacy(&tx)
            .map_err(|e| RegistryError::Invalid(format!("cannot sign: {e}")))?;
        let hash = self.rpc.call(
            "eth_sendRawTransaction",
            json!([format!("0x{}", hex::encode(raw))]),
        )?;
        let hash = rpc::word(&hash, "transaction hash")
            .map_err(|d| self.malformed("eth_sendRawTransaction", d))?;
        self.wait_mined(hash)
    }

    /// Waits for transaction `tx` to be mined (anvil's receipts can trail its answer to the
    /// sender): its block, or `Failed` when it reverted.
    pub fn wait_mined(&self, tx: [u8; 32]) -> Result<Mined, RegistryError> {
        let started = Instant::now();
        let tx_hex = format!("0x{}", hex::encode(tx));
        let mut wait = Duration::from_millis(20);
        loop {
            let receipt = self
                .rpc
                .call("eth_getTransactionReceipt", json!([tx_hex]))?;
            if !receipt.is_null() {
                let bad = |d: String| self.malformed("eth_getTransactionReceipt", d);
                let block = rpc::quantity(&receipt["blockNumber"], "blockNumber").map_err(bad)?;
                let status = rpc::quantity(&receipt["status"], "status").map_err(bad)?;
                let gas_used = rpc::quantity(&receipt["gasUsed"], "gasUsed").map_err(bad)?;
                if status != 1 {
                    return Err(RegistryError::Failed { tx: tx_hex, block });
                }
                let contract = match &receipt["contractAddress"] {
                    Value::Null => None,
                    v => Some(
                        rpc::data(v, "contractAddress")
                            .map_err(bad)?
                            .try_into()
                            .map_err(|_| bad("contractAddress is not 20 bytes".into()))?,
                    ),
                };
                return Ok(Mined {
                    tx,
                    block,
                    gas_used,
                    contract,
                });
            }
            if started.elapsed() > self.mine_timeout {
                return Err(RegistryError::NotMined {
                    tx: tx_hex,
                    seconds: self.mine_timeout.as_secs(),
                });
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(Duration::from_millis(500));
        }
    }
}

/// The error for a simulated transaction the registry refused: typed where a caller acts on
/// the reason, in words otherwise.
fn refusal(hash: ChainHash, data: Option<&str>, message: &str) -> RegistryError {
    let bytes = data
        .and_then(|d| d.strip_prefix("0x"))
        .and_then(|d| hex::decode(d).ok());
    if let Some(C::CountersignRegistryErrors::CheckpointNotNewer(e)) =
        bytes.as_deref().and_then(|b| abi::decode_error(hash, b))
    {
        return RegistryError::CheckpointNotNewer {
            size: e.size,
            anchored: e.anchored,
        };
    }
    RegistryError::Refused {
        reason: revert_reason(hash, data, message),
    }
}

/// [`RegistryError::CheckpointNotNewer`] in words: a smaller size is a log that lost entries,
/// the same size one anchored already.
fn checkpoint_not_newer(size: u64, anchored: u64) -> String {
    if size < anchored {
        format!(
            "the registry already holds a checkpoint of {anchored} entries for this hall: this log \
             ({size} entries) is older than what it anchored (rolled back, or its tail deleted)"
        )
    } else {
        format!(
            "the registry already holds a checkpoint of {anchored} entries for this hall: a \
             checkpoint of {size} entries is not newer (each size is anchored once)"
        )
    }
}

/// Turns revert data into words, using the registry's custom errors.
fn revert_reason(hash: ChainHash, data: Option<&str>, message: &str) -> String {
    let bytes = data
        .and_then(|d| d.strip_prefix("0x"))
        .and_then(|d| hex::decode(d).ok());
    let Some(bytes) = bytes else {
        return message.to_string();
    };
    use C::CountersignRegistryErrors as E;
    match abi::decode_error(hash, &bytes).ok_or(()) {
        Ok(E::NotAdmin(e)) => format!(
            "{:?} is not a governance account of this registry",
            e.caller
        ),
        Ok(E::LastAdmin(_)) => "the last governance account cannot be removed".into(),
        Ok(E::ZeroKey(_)) => "the key is empty".into(),
        Ok(E::ZeroAccount(_)) => "the account is the zero address".into(),
        Ok(E::IssuerExists(e)) => format!("issuer {} is already registered", did_text(&e.issuer)),
        Ok(E::AccountInUse(e)) => format!(
            "account {:?} already belongs to an issuer or a verifier station",
            e.account
        ),
        Ok(E::UnknownIssuer(e)) => format!("issuer {} is not registered", did_text(&e.issuer)),
        Ok(E::BadStatus(e)) => format!(
            "status {} is not one of active, suspended, retired",
            e.status
        ),
        Ok(E::IssuerRetired(e)) => format!("issuer {} is retired", did_text(&e.issuer)),
        Ok(E::NotAnIssuer(e)) => {
            format!("{:?} is not the account of a registered issuer", e.caller)
        }
        Ok(E::IssuerNotActive(e)) => format!(
            "issuer {} is {} and may not anchor",
            did_text(&e.issuer),
            status_of(e.status).map_or("not active", status_name)
        ),
        Ok(E::AlreadyAnchored(e)) => format!("root {} is already anchored", NodeHash(e.root.0)),
        Ok(E::AlreadyRevoked(e)) => format!("{} is already revoked", NodeHash(e.hash.0)),
        Ok(E::ZeroHash(_)) => "a hash is zero".into(),
        Ok(E::EmptyBatch(_)) => "nothing to anchor or revoke".into(),
        Ok(E::StationExists(e)) => format!(
            "verifier station {} is already registered",
            key_text(&e.station)
        ),
        Ok(E::UnknownStation(e)) => {
            format!(
                "verifier station {} is not registered",
                key_text(&e.station)
            )
        }
        Ok(E::StationRetired(e)) => {
            format!("verifier station {} is retired", key_text(&e.station))
        }
        Ok(E::NotAStation(e)) => format!(
            "{:?} is not an active verifier station: no station is registered with this account",
            e.caller
        ),
        Ok(E::StationNotActive(e)) => format!(
            "{} is not an active verifier station: it is {} and may not anchor log digests",
            key_text(&e.station),
            status_of(e.status).map_or("not active", status_name)
        ),
        Ok(E::BadDay(e)) => format!(
            "day {} is not a date written YYYYMMDD between the years 2000 and 9999",
            e.day
        ),
        Ok(E::DigestAlreadyAnchored(e)) => format!(
            "the log digest for {} is already anchored by verifier station {}",
            day_text(e.day),
            key_text(&e.station)
        ),
        Ok(E::CheckpointNotNewer(e)) => format!(
            "verifier station {}: {}",
            key_text(&e.station),
            checkpoint_not_newer(e.size, e.anchored)
        ),
        Ok(E::BadProfile(e)) => format!(
            "profile {} is not one of 1 (standard: Ed25519, SHA-256) and 2 (guomi: SM2, SM3)",
            e.profile
        ),
        Ok(E::BadPublicKey(e)) => match Profile::from_code(e.profile) {
            Some(Profile::Standard) => format!(
                "a standard (Ed25519) issuer's public key is its 32-byte key {} itself, not {} bytes of something else",
                key_text(&e.key),
                e.length
            ),
            _ => format!(
                "a guomi (SM2) issuer's public key is 33 bytes (compressed), not {}",
                e.length
            ),
        },
        Err(_) => format!("{message} (revert data {})", hex::encode(&bytes)),
    }
}

/// An issuer's registry key in words: the did:key for an Ed25519 key (which is its own key),
/// the hex otherwise (an SM2 issuer's key is a hash).
fn did_text(key: &B256) -> String {
    DidKey::from_public_key_bytes(&key.0).map_or_else(|_| format!("{key}"), |d| d.to_string())
}

/// A station key (or any 32 bytes) as `0x` and 64 hex digits.
fn key_text(key: &B256) -> String {
    format!("0x{}", hex::encode(key))
}

/// A hall-local date as the registry stores it: YYYYMMDD in one integer (2026-11-25 is
/// 20261125), so that it reads the same in a block explorer as on the hall's log.
pub fn day_code(day: NaiveDate) -> Result<u32, RegistryError> {
    let code = i64::from(day.year()) * 10_000 + i64::from(day.month() * 100 + day.day());
    u32::try_from(code)
        .map_err(|_| RegistryError::Invalid(format!("{day} cannot be written as YYYYMMDD")))
}

/// A day code back as YYYY-MM-DD (as it stands, even when it is not a date).
fn day_text(code: u32) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        code / 10_000,
        code / 100 % 100,
        code % 100
    )
}

pub(crate) fn status_of(code: u8) -> Result<IssuerStatus, String> {
    match code {
        1 => Ok(IssuerStatus::Active),
        2 => Ok(IssuerStatus::Suspended),
        3 => Ok(IssuerStatus::Retired),
        other => Err(format!("unknown issuer status {other}")),
    }
}

fn status_code(status: IssuerStatus) -> u8 {
    match status {
        IssuerStatus::Active => 1,
        IssuerStatus::Suspended => 2,
        IssuerStatus::Retired => 3,
    }
}

fn status_name(status: IssuerStatus) -> &'static str {
    match status {
        IssuerStatus::Active => "active",
        IssuerStatus::Suspended => "suspended",
        IssuerStatus::Retired => "retired",
    }
}

pub(crate) fn unix_time(seconds: u64) -> Result<DateTime<Utc>, String> {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| format!("time {seconds} is out of range"))
}
