//! Verification against a live node: a [`ChainState`] pinned at one block, so every answer of one
//! verification comes from the same chain state, and an [`EventSource`] for the mirror.

use crate::proof::ProvedReadError;
use crate::proof::ProvedRegistry;
use crate::registry::{Registry, RegistryError};
use crate::rpc::RpcOptions;
use countersign_chainstate::agree::{Agreement, Fault, NodeFault};
use countersign_chainstate::events::{BlockRef, EventLink, EventSource, LoggedEvent};
use countersign_chainstate::{
    AnchorRecord, ChainError, ChainState, ChainView, IssuerRecord, RevocationRecord, Source,
};
use countersign_credential::{DidKey, RegistryRef};
use countersign_merkle::NodeHash;
use std::cell::RefCell;

/// The registry as of one block of a live node, read with plain `eth_call`s: the node's word,
/// not a proof. Only for a chain whose nodes do not serve `eth_getProof` (the hall bundle's
/// `chain.proofs: false`); [`ProvedChainState`] is the default.
#[derive(Debug)]
pub struct OnlineChainState<'r> {
    registry: &'r Registry,
    head: BlockRef,
    pinned_at: chrono::DateTime<chrono::Utc>,
    agreed: u32,
    asked: u32,
    stale: Option<String>,
}

impl<'r> OnlineChainState<'r> {
    /// Pins the node's latest block (less `confirmations`).
    pub fn pin(registry: &'r Registry, confirmations: u64) -> Result<Self, RegistryError> {
        let mut head = registry.head()?;
        if confirmations > 0 {
            let number = head.number.saturating_sub(confirmations);
            head = registry
                .block(number)?
                .ok_or_else(|| RegistryError::Decode {
                    endpoint: registry.endpoint(),
                    what: "eth_getBlockByNumber".into(),
                    detail: format!("block {number} is missing"),
                })?;
        }
        Ok(Self {
            registry,
            head,
            pinned_at: chrono::Utc::now(),
            agreed: 1,
            asked: 1,
            stale: None,
        })
    }

    /// Pins the block the nodes agreed on, as of `at`.
    pub fn agreed(
        registry: &'r Registry,
        agreement: &Agreement,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        Self {
            registry,
            head: agreement.block,
            pinned_at: at,
            agreed: u32::try_from(agreement.agreeing.len()).unwrap_or(u32::MAX),
            asked: u32::try_from(agreement.asked).unwrap_or(u32::MAX),
            stale: agreement.stale.clone(),
        }
    }

    /// The pinned block.
    pub fn block(&self) -> BlockRef {
        self.head
    }
}

impl ChainState for OnlineChainState<'_> {
    fn view(&self) -> Result<ChainView, ChainError> {
        Ok(ChainView {
            registry: *self.registry.registry(),
            block: self.head.number,
            block_time: self.head.time,
            checked_at: self.pinned_at,
            source: Source::Online {
                endpoint: self.registry.endpoint(),
                agreed: self.agreed,
                asked: self.asked,
            },
            stale: self.stale.clone(),
        })
    }

    fn issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, ChainError> {
        Ok(self.registry.issuer(did, Some(self.head.number))?)
    }

    fn anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ChainError> {
        Ok(self.registry.anchor(root, Some(self.head.number))?)
    }

    fn revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, ChainError> {
        Ok(self
            .registry
            .first_revoked(issuer, std::slice::from_ref(hash), Some(self.head.number))?
            .map(|(_, r)| r))
    }

    fn first_revocation(
        &self,
        issuer: &DidKey,
        hashes: &[NodeHash],
    ) -> Result<Option<(usize, RevocationRecord)>, ChainError> {
        // One eth_call for the leaf, every sub-batch node and the root.
        Ok(self
            .registry
            .first_revoked(issuer, hashes, Some(self.head.number))?)
    }
}

/// The registry as of a block the hall's nodes agreed on ([`agree`]), every answer proved
/// against that block's header ([`ProvedRegistry`]).
///
/// Reads go to the agreeing nodes in turn: a node whose answer does not prove (or that cannot
/// be asked) is noted in [`ProvedChainState::faults`] and the next one is asked, at the same
/// block. When none proves, the read is `Inconsistent`: "could not check", never a value.
///
/// [`agree`]: countersign_chainstate::agree::agree
pub struct ProvedChainState<'n> {
    nodes: Vec<(usize, &'n Registry)>,
    block: BlockRef,
    view: ChainView,
    readers: RefCell<Vec<Option<ProvedRegistry<'n>>>>,
    faults: RefCell<Vec<NodeFault>>,
}

impl std::fmt::Debug for ProvedChainState<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProvedChainState")
            .field("block", &self.block)
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

impl<'n> ProvedChainState<'n> {
    /// The state at `agreement`'s block, read from `nodes` (the agreeing ones, by their index
    /// in the list agreed over, in the order to ask them); `checked_at` is when they agreed.
    pub fn new(
        nodes: Vec<(usize, &'n Registry)>,
        agreement: &Agreement,
        checked_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, ChainError> {
        let Some((_, first)) = nodes.first() else {
            return Err(ChainError::Unavailable("no chain node agreed".into()));
        };
        let view = ChainView {
            registry: *first.registry(),
            block: agreement.block.number,
            block_time: agreement.block.time,
            checked_at,
            source: Source::Online {
                endpoint: first.endpoint(),
                agreed: u32::try_from(agreement.agreeing.len()).unwrap_or(u32::MAX),
                asked: u32::try_from(agreement.asked).unwrap_or(u32::MAX),
            },
            stale: agreement.stale.clone(),
        };
        let readers = RefCell::new(nodes.iter().map(|_| None).collect());
        Ok(Self {
            nodes,
            block: agreement.block,
            view,
            readers,
            faults: RefCell::new(Vec::new()),
        })
    }

    /// The nodes whose answers did not prove (or that could not be asked) during the reads so
    /// far, by their index in the list agreed over.
    pub fn faults(&self) -> Vec<NodeFault> {
        self.faults.borrow().clone()
    }

    fn read<T>(
        &self,
        what: &str,
        read: impl Fn(&ProvedRegistry<'n>) -> Result<T, ProvedReadError>,
    ) -> Result<T, ChainError> {
        let mut why = Vec::new();
        for (slot, (index, node)) in self.nodes.iter().enumerate() {
            if self.faults.borrow().iter().any(|f| f.node == *index) {
                continue;
            }
            let answer = {
                let mut readers = self.readers.borrow_mut();
                if readers[slot].is_none() {
                    match ProvedRegistry::of(node, &self.block) {
                        Ok(r) => readers[slot] = Some(r),
                        Err(e) => {
                            drop(readers);
                            why.push(self.fault(*index, node, e));
                            continue;
                        }
                    }
                }
                match &readers[slot] {
                    Some(r) => read(r),
                    None => continue,
                }
            };
            match answer {
                Ok(value) => return Ok(value),
                Err(e) => why.push(self.fault(*index, node, e)),
            }
        }
        Err(ChainError::Inconsistent(format!(
            "no chain node's answer to {what} proved against block {}: {}",
            self.block.number,
            if why.is_empty() {
                "every agreeing node already failed".to_owned()
            } else {
                why.join("; ")
            }
        )))
    }

    fn fault(&self, index: usize, node: &Registry, e: ProvedReadError) -> String {
        let fault = if e.is_outage() {
            Fault::Unreachable(e.to_string())
        } else {
            Fault::Unproved(e.to_string())
        };
        tracing::warn!(endpoint = %node.endpoint(), fault = %fault, "chain node left out");
        let line = format!("{} {fault}", node.endpoint());
        self.faults.borrow_mut().push(NodeFault {
            node: index,
            endpoint: node.endpoint(),
            fault,
        });
        line
    }
}

impl ChainState for ProvedChainState<'_> {
    fn view(&self) -> Result<ChainView, ChainError> {
        Ok(self.view.clone())
    }

    fn issuer(&self, did: &DidKey) -> Result<Option<IssuerRecord>, ChainError> {
        self.read("the issuer", |r| r.issuer(did))
    }

    fn anchor(&self, root: &NodeHash) -> Result<Option<AnchorRecord>, ChainError> {
        self.read("the anchor", |r| r.anchor(root))
    }

    fn revocation(
        &self,
        issuer: &DidKey,
        hash: &NodeHash,
    ) -> Result<Option<RevocationRecord>, ChainError> {
        self.read("the revocation", |r| r.revocation(issuer, hash))
    }

    fn first_revocation(
        &self,
        issuer: &DidKey,
        hashes: &[NodeHash],
    ) -> Result<Option<(usize, RevocationRecord)>, ChainError> {
        self.read("the revocations", |r| r.first_revoked(issuer, hashes))
    }
}

impl EventSource for Registry {
    fn registry(&self) -> &RegistryRef {
        Registry::registry(self)
    }

    fn endpoint(&self) -> String {
        Registry::endpoint(self)
    }

    fn chain_hash(&self) -> countersign_chainstate::ChainHash {
        Registry::chain_hash(self)
    }

    fn check_registry(&self) -> Result<(), ChainError> {
        Ok(Registry::check(self)?)
    }

    fn head(&self) -> Result<BlockRef, ChainError> {
        Ok(Registry::head(self)?)
    }

    fn block(&self, number: u64) -> Result<Option<BlockRef>, ChainError> {
        Ok(Registry::block(self, number)?)
    }

    fn events(&self, from: u64, to: u64) -> Result<Vec<LoggedEvent>, ChainError> {
        Ok(Registry::events(self, from, to)?)
    }

    fn event_links(&self, at: &BlockRef, blocks: &[u64]) -> Result<Vec<EventLink>, ChainError> {
        Ok(ProvedRegistry::of(self, at)?.event_links(blocks)?)
    }
}

/// Connects to the first of `endpoints` that serves `registry` (chain id and contract checked),
/// in order. The error names every endpoint tried and why it was passed over.
pub fn connect_first(
    endpoints: &[String],
    registry: &RegistryRef,
    options: &RpcOptions,
) -> Result<Registry, ConnectError> {
    let mut tried = Vec::new();
    for endpoint in endpoints {
        match Registry::connect(endpoint, registry, options.clone()) {
            Ok(r) => {
                if !tried.is_empty() {
                    tracing::warn!(endpoint = %endpoint, passed_over = tried.len(), "failed over to another chain node");
                }
                return Ok(r);
            }
            Err(e) => {
                tracing::warn!(endpoint = %endpoint, error = %e, "chain node passed over");
                tried.push(e);
            }
        }
    }
    Err(ConnectError { tried })
}

/// No endpoint could be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no chain node could be used{}", describe(.tried))]
pub struct ConnectError {
    /// Why each endpoint was passed over, in order.
    pub tried: Vec<RegistryError>,
}

fn describe(tried: &[RegistryError]) -> String {
    if tried.is_empty() {
        return " (none is configured)".into();
    }
    tried.iter().map(|e| format!("; {e}")).collect()
}

impl ConnectError {
    /// Whether any endpoint answered but served something other than the pinned registry
    /// (a configuration problem rather than an outage).
    pub fn wrong_registry(&self) -> bool {
        self.tried
            .iter()
            .any(|e| matches!(ChainError::from(e.clone()), ChainError::WrongRegistry(_)))
    }
}
