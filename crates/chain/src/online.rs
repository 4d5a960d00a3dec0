//! Verification against a live node: a [`ChainState`] pinned at one block, so every answer of one
//! verification comes from the same chain state, and an [`EventSource`] for the mirror.

use crate::registry::{Registry, RegistryError};
use crate::rpc::RpcOptions;
use countersign_chainstate::events::{BlockRef, EventSource, LoggedEvent};
use countersign_chainstate::{
    AnchorRecord, ChainError, ChainState, ChainView, IssuerRecord, RevocationRecord, Source,
};
use countersign_credential::{DidKey, RegistryRef};
use countersign_merkle::NodeHash;

/// The registry as of one block of a live node.
#[derive(Debug)]
pub struct OnlineChainState<'r> {
    registry: &'r Registry,
    head: BlockRef,
    pinned_at: chrono::DateTime<chrono::Utc>,
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
        })
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
            },
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

impl EventSource for Registry {
    fn registry(&self) -> &RegistryRef {
        Registry::registry(self)
    }

    fn endpoint(&self) -> String {
        Registry::endpoint(self)
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
