//! Which block to believe: the one that k of the n configured nodes agree on.
//!
//! A proof (a storage proof, an event-head proof) shows that an answer belongs to a block; it
//! cannot show that the block is the chain's. A node that serves a frozen head, a head from the
//! future or a whole chain of its own passes every proof against its own headers. So no single
//! node picks the block: every node is asked for its head, the height is the one at least
//! `quorum` of them have reached, and the block at that height is the one whose hash at least
//! `quorum` of them give. A node that is left out is named with what it did ([`NodeFault`]),
//! for the caller to report and to leave alone for a while.
//!
//! Freshness comes from the same round: the agreed head is fresh when it is not in the future
//! (bounded clock skew) and, where the chain makes blocks on a schedule, not older than the
//! policy allows.

use crate::events::{BlockRef, EventSource};
use crate::ChainError;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How heads are agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadPolicy {
    /// How many nodes must give the same block (at least 1). The hall bundle's
    /// `chain.quorum`; a majority of the configured nodes by default ([`majority`]).
    pub quorum: usize,
    /// The newest blocks left out as not yet final: the agreed block is this far below the
    /// height the quorum reached.
    pub confirmations: u64,
    /// A node whose head is more than this many blocks below the agreed height is stale.
    pub max_lag_blocks: u64,
    /// How far a head's time may be ahead of this computer's clock (clock skew, block time
    /// granularity) before it counts as a head from the future.
    pub max_future: Duration,
    /// For chains that make blocks on a schedule (Besu QBFT, Geth clique): an agreed head older
    /// than this is stale, since the chain (or every node asked) stopped. `None` for chains
    /// that make blocks only when there are transactions (FISCO BCOS, anvil), whose head may
    /// rightly be hours old.
    pub max_head_age: Option<Duration>,
}

/// The smallest majority of `nodes` (1 of 1, 2 of 2, 2 of 3, 3 of 4, 3 of 5).
pub fn majority(nodes: usize) -> usize {
    nodes / 2 + 1
}

impl HeadPolicy {
    /// The defaults of `countersign-defaults` for `nodes` configured nodes.
    pub fn for_nodes(nodes: usize) -> Self {
        Self {
            quorum: majority(nodes),
            confirmations: 0,
            max_lag_blocks: countersign_defaults::MAX_NODE_LAG_BLOCKS,
            max_future: Duration::seconds(countersign_defaults::MAX_CLOCK_SKEW_SECONDS),
            max_head_age: None,
        }
    }
}

/// What a node did that kept it out of the agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// It could not be asked (down, refused, timed out).
    Unreachable(String),
    /// Its head's time is ahead of this computer's clock by more than the skew allowed.
    FutureHead {
        /// Its head.
        head: BlockRef,
    },
    /// Its head is far below a block another node has: it stopped following the chain.
    Behind {
        /// Its head.
        head: u64,
        /// The newest block another node showed.
        newest: u64,
    },
    /// It reports a head far beyond every other node's, at a height no other node has a block.
    Ahead {
        /// Its head.
        head: u64,
    },
    /// It has another block at the agreed height than the quorum.
    Disagrees {
        /// The height.
        number: u64,
        /// Its block's hash.
        hash: [u8; 32],
        /// The agreed block's hash.
        agreed: [u8; 32],
    },
    /// Its answer did not prove against the agreed block (reported by the reader).
    Unproved(String),
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(why) => write!(f, "could not be asked: {why}"),
            Self::FutureHead { head } => write!(
                f,
                "reports head block {} at {}, ahead of this computer's clock",
                head.number,
                head.time.to_rfc3339()
            ),
            Self::Behind { head, newest } => write!(
                f,
                "is stale: its head is block {head}, {} blocks behind block {newest} of the other nodes",
                newest.saturating_sub(*head)
            ),
            Self::Ahead { head } => write!(
                f,
                "reports head block {head}, which no other node has"
            ),
            Self::Disagrees {
                number,
                hash,
                agreed,
            } => write!(
                f,
                "gives block 0x{} at height {number}, not 0x{} as the other nodes do",
                hex::encode(hash),
                hex::encode(agreed)
            ),
            Self::Unproved(why) => write!(f, "answered something that does not prove: {why}"),
        }
    }
}

/// One node left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFault {
    /// Its index in the list the caller gave.
    pub node: usize,
    /// Its address.
    pub endpoint: String,
    /// What it did.
    pub fault: Fault,
}

impl std::fmt::Display for NodeFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.endpoint, self.fault)
    }
}

/// The block a quorum agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// The agreed block.
    pub block: BlockRef,
    /// The nodes that gave it, by index, the first of them first.
    pub agreeing: Vec<usize>,
    /// How many nodes were asked.
    pub asked: usize,
    /// The nodes left out, and why (a node merely a block or two behind is not a fault).
    pub faults: Vec<NodeFault>,
    /// Why the agreed head is not fresh, when it is not (older than the policy allows).
    pub stale: Option<String>,
}

/// No block has a quorum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}{}", faults.iter().map(|f| format!("; {f}")).collect::<String>())]
pub struct NoAgreement {
    /// Why, in a sentence a clerk's IT staff can act on.
    pub reason: String,
    /// What each node left out did.
    pub faults: Vec<NodeFault>,
}

impl From<NoAgreement> for ChainError {
    fn from(e: NoAgreement) -> Self {
        ChainError::Unavailable(e.to_string())
    }
}

/// Asks every node in `nodes` for its head and returns the block at the height a quorum
/// reached that a quorum gives, as of `now`.
pub fn agree(
    nodes: &[&dyn EventSource],
    policy: &HeadPolicy,
    now: DateTime<Utc>,
) -> Result<Agreement, NoAgreement> {
    let quorum = policy.quorum.max(1);
    let mut faults = Vec::new();
    let mut heads = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let fault = |fault| NodeFault {
            node: i,
            endpoint: node.endpoint(),
            fault,
        };
        match node.head() {
            Ok(head) if head.time > now + policy.max_future => {
                faults.push(fault(Fault::FutureHead { head }))
            }
            Ok(head) => heads.push((i, head)),
            Err(e) => faults.push(fault(Fault::Unreachable(e.to_string()))),
        }
    }
    // The newest head another node can show: a head no other node has a block at is a lie or
    // a fork (with two or more nodes answering), and is left out.
    heads.sort_by_key(|h| std::cmp::Reverse(h.1.number));
    while heads.len() > 1 {
        let (top, head) = heads[0];
        if heads[1].1.number.saturating_add(policy.max_lag_blocks) >= head.number {
            break;
        }
        let lacking = heads[1..]
            .iter()
            .filter(|(i, _)| !matches!(nodes[*i].block(head.number), Ok(Some(b)) if b.number == head.number))
            .count();
        // Two nodes that lack it refute it; one alone could be the stale one (it is then left
        // out below as behind).
        if lacking < heads.len() - 1 || lacking < 2 {
            break;
        }
        faults.push(NodeFault {
            node: top,
            endpoint: nodes[top].endpoint(),
            fault: Fault::Ahead { head: head.number },
        });
        heads.remove(0);
    }
    // A node far behind that newest head stopped following the chain: reading at its height
    // would read state known to be old (a revocation in the blocks it lacks would be missed).
    if let Some(&(_, newest)) = heads.first() {
        heads.retain(|&(i, head)| {
            let behind = head.number.saturating_add(policy.max_lag_blocks) < newest.number;
            if behind {
                faults.push(NodeFault {
                    node: i,
                    endpoint: nodes[i].endpoint(),
                    fault: Fault::Behind {
                        head: head.number,
                        newest: newest.number,
                    },
                });
            }
            !behind
        });
    }
    if heads.len() < quorum {
        faults.sort_by_key(|f| f.node);
        return Err(NoAgreement {
            reason: too_few(heads.len(), quorum),
            faults,
        });
    }
    // The height at least `quorum` nodes reached: the quorum-th highest head.
    let height = heads[quorum - 1]
        .1
        .number
        .saturating_sub(policy.confirmations);

    let mut by_hash: HashMap<[u8; 32], Vec<(usize, BlockRef)>> = HashMap::new();
    for &(i, head) in &heads {
        let fault = |fault| NodeFault {
            node: i,
            endpoint: nodes[i].endpoint(),
            fault,
        };
        if head.number < height {
            continue;
        }
        let block = if head.number == height {
            Ok(Some(head))
        } else {
            nodes[i].block(height)
        };
        match block {
            Ok(Some(b)) if b.number == height => by_hash.entry(b.hash).or_default().push((i, b)),
            Ok(_) => faults.push(fault(Fault::Unreachable(format!(
                "has no block {height} below its head {}",
                head.number
            )))),
            Err(e) => faults.push(fault(Fault::Unreachable(e.to_string()))),
        }
    }
    let best = by_hash
        .values()
        .max_by_key(|v| (v.len(), std::cmp::Reverse(v.iter().map(|(i, _)| *i).min())))
        .cloned()
        .unwrap_or_default();
    if best.len() < quorum {
        let groups = by_hash.len();
        return Err(NoAgreement {
            reason: if groups > 1 {
                format!(
                    "the chain nodes disagree about block {height}: {groups} different blocks, none given by {quorum} nodes"
                )
            } else {
                too_few(best.len(), quorum)
            },
            faults,
        });
    }
    let block = best[0].1;
    for (hash, group) in &by_hash {
        if *hash != block.hash {
            for (i, _) in group {
                faults.push(NodeFault {
                    node: *i,
                    endpoint: nodes[*i].endpoint(),
                    fault: Fault::Disagrees {
                        number: height,
                        hash: *hash,
                        agreed: block.hash,
                    },
                });
            }
        }
    }
    faults.sort_by_key(|f| f.node);
    let stale = policy
        .max_head_age
        .filter(|age| block.time + *age < now)
        .map(|age| {
            format!(
                "the chain's newest agreed block {} is from {}, older than the {} minutes the hall allows: the chain or its nodes stopped",
                block.number,
                block.time.to_rfc3339(),
                age.num_minutes()
            )
        });
    Ok(Agreement {
        block,
        agreeing: best.iter().map(|(i, _)| *i).collect(),
        asked: nodes.len(),
        faults,
        stale,
    })
}

fn too_few(answered: usize, quorum: usize) -> String {
    format!(
        "only {answered} chain node(s) gave a usable, current head, and {quorum} must agree: check the network and the nodes"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EventLink, LoggedEvent};
    use countersign_credential::RegistryRef;

    /// A node with a chain of its own: `branch` tells chains apart from height `fork` on.
    struct Node {
        name: &'static str,
        head: u64,
        branch: u8,
        fork: u64,
        /// Seconds its head's time is shifted by (a head "from the future").
        shift: i64,
        down: bool,
    }

    fn node(name: &'static str, head: u64) -> Node {
        Node {
            name,
            head,
            branch: 0,
            fork: u64::MAX,
            shift: 0,
            down: false,
        }
    }

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default()
    }

    impl Node {
        fn at(&self, number: u64) -> BlockRef {
            let mut hash = [0u8; 32];
            hash[..8].copy_from_slice(&number.to_be_bytes());
            if number >= self.fork {
                hash[8] = self.branch;
            }
            BlockRef {
                number,
                hash,
                time: start() + Duration::seconds(5 * number as i64),
            }
        }
    }

    impl EventSource for Node {
        fn registry(&self) -> &RegistryRef {
            unreachable!("not asked by agree")
        }
        fn endpoint(&self) -> String {
            self.name.into()
        }
        fn chain_hash(&self) -> crate::ChainHash {
            crate::ChainHash::Keccak256
        }
        fn check_registry(&self) -> Result<(), ChainError> {
            Ok(())
        }
        fn head(&self) -> Result<BlockRef, ChainError> {
            if self.down {
                return Err(ChainError::Unavailable("connection refused".into()));
            }
            let mut head = self.at(self.head);
            head.time += Duration::seconds(self.shift);
            Ok(head)
        }
        fn block(&self, number: u64) -> Result<Option<BlockRef>, ChainError> {
            Ok((number <= self.head).then(|| self.at(number)))
        }
        fn events(&self, _: u64, _: u64) -> Result<Vec<LoggedEvent>, ChainError> {
            Ok(Vec::new())
        }
        fn event_links(&self, _: &BlockRef, _: &[u64]) -> Result<Vec<EventLink>, ChainError> {
            Ok(Vec::new())
        }
    }

    /// "Now": shortly after block 100.
    fn now() -> DateTime<Utc> {
        start() + Duration::seconds(5 * 100 + 3)
    }

    fn run(nodes: &[Node], quorum: usize) -> Result<Agreement, NoAgreement> {
        let refs: Vec<&dyn EventSource> = nodes.iter().map(|n| n as &dyn EventSource).collect();
        let policy = HeadPolicy {
            quorum,
            ..HeadPolicy::for_nodes(nodes.len())
        };
        agree(&refs, &policy, now())
    }

    fn faults(faults: &[NodeFault]) -> Vec<(usize, &Fault)> {
        faults.iter().map(|f| (f.node, &f.fault)).collect()
    }

    #[test]
    fn majorities() {
        assert_eq!((1..=5).map(majority).collect::<Vec<_>>(), [1, 2, 2, 3, 3]);
    }

    #[test]
    fn nodes_a_block_apart_agree_on_the_block_the_quorum_reached() {
        let nodes = [node("a", 100), node("b", 99), node("c", 100)];
        let a = run(&nodes, 2).expect("agreed");
        assert_eq!((a.block.number, a.agreeing.len(), a.asked), (100, 2, 3));
        assert!(a.faults.is_empty(), "{:?}", a.faults);
        assert_eq!(a.stale, None);
    }

    #[test]
    fn a_node_on_another_branch_is_outvoted_and_named() {
        let mut liar = node("liar", 100);
        (liar.branch, liar.fork) = (7, 90);
        let nodes = [liar, node("b", 100), node("c", 100)];
        let a = run(&nodes, 2).expect("agreed");
        assert_eq!(a.agreeing, [1, 2]);
        assert!(matches!(
            faults(&a.faults)[..],
            [(0, Fault::Disagrees { number: 100, .. })]
        ));
        // Two nodes, two answers, two needed: no block.
        let mut liar = node("liar", 100);
        (liar.branch, liar.fork) = (7, 90);
        let err = run(&[liar, node("b", 100)], 2).expect_err("no quorum");
        assert!(err.reason.contains("disagree about block 100"), "{err}");
    }

    #[test]
    fn a_head_from_the_future_is_left_out() {
        let mut liar = node("liar", 100);
        liar.shift = 3600;
        let nodes = [liar, node("b", 100), node("c", 100)];
        let a = run(&nodes, 2).expect("agreed");
        assert!(matches!(
            faults(&a.faults)[..],
            [(0, Fault::FutureHead { .. })]
        ));
        // Alone, it is not believed at all.
        let mut liar = node("liar", 100);
        liar.shift = 3600;
        assert!(run(&[liar], 1).is_err());
    }

    #[test]
    fn a_head_no_other_node_has_is_left_out() {
        // Its head's time is now: only its height gives it away.
        let mut liar = node("liar", 100_000);
        liar.shift = -5 * 99_900;
        let nodes = [liar, node("b", 100), node("c", 100)];
        let a = run(&nodes, 2).expect("agreed");
        assert_eq!(a.block.number, 100);
        assert!(matches!(
            faults(&a.faults)[..],
            [(0, Fault::Ahead { head: 100_000 })]
        ));
    }

    #[test]
    fn a_stalled_node_is_left_out_rather_than_dragging_the_block_back() {
        // Frozen at 60 while the others reached 100: reading at 60 would miss every
        // revocation since.
        let nodes = [node("frozen", 60), node("b", 100), node("c", 100)];
        let a = run(&nodes, 2).expect("agreed");
        assert_eq!(a.block.number, 100);
        assert!(matches!(
            faults(&a.faults)[..],
            [(
                0,
                Fault::Behind {
                    head: 60,
                    newest: 100
                }
            )]
        ));
        // With one honest node beside it and two needed: no block, rather than block 60.
        let err = run(&[node("frozen", 60), node("b", 100)], 2).expect_err("no quorum");
        assert!(err.reason.contains("only 1 chain node(s)"), "{err}");
    }

    #[test]
    fn unreachable_nodes_count_against_the_quorum() {
        let mut down = node("down", 100);
        down.down = true;
        let err = run(&[down, node("b", 100), node("c", 99)], 3).expect_err("three needed");
        assert!(matches!(
            faults(&err.faults)[..],
            [(0, Fault::Unreachable(_))]
        ));
    }

    #[test]
    fn an_old_agreed_head_is_stale_where_the_chain_makes_blocks_on_a_schedule() {
        let nodes = [node("a", 100), node("b", 100)];
        let refs: Vec<&dyn EventSource> = nodes.iter().map(|n| n as &dyn EventSource).collect();
        let mut policy = HeadPolicy::for_nodes(2);
        let later = now() + Duration::minutes(30);
        assert_eq!(agree(&refs, &policy, later).expect("agreed").stale, None);
        policy.max_head_age = Some(Duration::minutes(10));
        let a = agree(&refs, &policy, later).expect("agreed");
        assert!(a
            .stale
            .is_some_and(|s| s.contains("older than the 10 minutes")));
        policy.confirmations = 3;
        assert_eq!(
            agree(&refs, &policy, now()).expect("agreed").block.number,
            97
        );
    }
}
