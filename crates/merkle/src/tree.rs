use crate::{node_hash_with, HashAlg, InclusionProof, NodeHash};

/// A whole batch held in memory by the issuer while it builds proofs.
///
/// Levels are stored bottom-up; a level with an odd count carries its last node up unhashed,
/// which yields exactly RFC 6962's tree shape.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    levels: Vec<Vec<NodeHash>>,
}

/// Why a tree could not be built or queried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// A batch needs at least one credential.
    #[error("a Merkle batch needs at least one leaf")]
    Empty,
    /// The leaf index asked for is not in the tree.
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The number of leaves.
        size: u64,
    },
}

impl MerkleTree {
    /// Builds the tree over leaf hashes, in batch order.
    pub fn new(leaves: Vec<NodeHash>) -> Result<Self, TreeError> {
        Self::new_with(HashAlg::Sha256, leaves)
    }

    /// Builds the tree over leaf hashes, in batch order, hashing nodes with `alg`.
    pub fn new_with(alg: HashAlg, leaves: Vec<NodeHash>) -> Result<Self, TreeError> {
        if leaves.is_empty() {
            return Err(TreeError::Empty);
        }
        let mut levels = vec![leaves];
        while let Some(below) = levels.last().filter(|l| l.len() > 1) {
            let above = below
                .chunks(2)
                .map(|pair| match pair {
                    [l, r] => node_hash_with(alg, l, r),
                    [lone] => *lone,
                    _ => unreachable!("chunks(2) yields one or two items"),
                })
                .collect();
            levels.push(above);
        }
        Ok(Self { levels })
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// The root hash, the one value anchored on chain.
    pub fn root(&self) -> NodeHash {
        // The top level always holds exactly one node (new() refuses an empty batch).
        self.levels[self.levels.len() - 1][0]
    }

    /// The leaf hashes, in batch order.
    pub fn leaves(&self) -> &[NodeHash] {
        &self.levels[0]
    }

    /// The inclusion proof of one leaf (RFC 6962 audit path, bottom-up).
    pub fn proof(&self, index: u64) -> Result<InclusionProof, TreeError> {
        let size = self.size();
        if index >= size {
            return Err(TreeError::IndexOutOfRange { index, size });
        }
        let mut path = Vec::new();
        let mut i = index as usize;
        for level in &self.levels[..self.levels.len() - 1] {
            let sibling = i ^ 1;
            // A lone last node is promoted without a sibling at this level.
            if sibling < level.len() {
                path.push(level[sibling]);
            }
            i /= 2;
        }
        Ok(InclusionProof {
            tree_size: size,
            leaf_index: index,
            path,
        })
    }
}

/// RFC 6962's recursive definition, kept as the reference the level-wise build is tested against.
#[cfg(test)]
pub(crate) fn reference_root(leaves: &[NodeHash]) -> NodeHash {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = leaves.len().next_power_of_two() / 2;
    crate::node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;

    fn leaves(n: usize) -> Vec<NodeHash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u64).to_be_bytes()))
            .collect()
    }

    #[test]
    fn empty_batch_is_refused() {
        assert_eq!(MerkleTree::new(vec![]).err(), Some(TreeError::Empty));
    }

    #[test]
    fn level_wise_root_matches_rfc6962_definition() {
        for n in 1..=70 {
            let l = leaves(n);
            let tree = MerkleTree::new(l.clone()).expect("non-empty");
            assert_eq!(tree.root(), reference_root(&l), "tree of {n} leaves");
        }
    }

    #[test]
    fn rfc6962_test_vector_root() {
        // The eight entries of RFC 6962's reference test data (certificate-transparency's
        // merkle_tree_test), and the root of the whole tree.
        let entries: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let tree =
            MerkleTree::new(entries.iter().map(|e| leaf_hash(e)).collect()).expect("non-empty");
        assert_eq!(
            tree.root().to_hex(),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
    }

    #[test]
    fn every_proof_verifies_for_every_size() {
        for n in 1..=40u64 {
            let tree = MerkleTree::new(leaves(n as usize)).expect("non-empty");
            for i in 0..n {
                let proof = tree.proof(i).expect("in range");
                let leaf = tree.leaves()[i as usize];
                let nodes = proof.nodes(&leaf).expect("valid proof");
                assert_eq!(nodes.last(), Some(&tree.root()), "n={n} i={i}");
            }
            assert!(tree.proof(n).is_err());
        }
    }
}

#[cfg(test)]
mod sm3_tests {
    use super::*;
    use crate::{leaf_hash_with, node_hash_with};

    #[test]
    fn an_sm3_tree_proves_its_leaves_and_differs_from_the_sha256_tree() {
        let entries: Vec<Vec<u8>> = (0u8..7).map(|i| vec![i; 3]).collect();
        let leaves: Vec<NodeHash> = entries
            .iter()
            .map(|e| leaf_hash_with(HashAlg::Sm3, e))
            .collect();
        let tree = MerkleTree::new_with(HashAlg::Sm3, leaves.clone()).expect("tree");
        // RFC 6962 shape by hand for 7 leaves: ((01)(23))((45)6).
        let n = |l: &NodeHash, r: &NodeHash| node_hash_with(HashAlg::Sm3, l, r);
        let expected = n(
            &n(&n(&leaves[0], &leaves[1]), &n(&leaves[2], &leaves[3])),
            &n(&n(&leaves[4], &leaves[5]), &leaves[6]),
        );
        assert_eq!(tree.root(), expected);
        for (i, leaf) in leaves.iter().enumerate() {
            let proof = tree.proof(i as u64).expect("proof");
            assert_eq!(proof.root_with(HashAlg::Sm3, leaf), Ok(expected));
            assert_ne!(proof.root(leaf), Ok(expected), "a SHA-256 reading fails");
        }
        let sha =
            MerkleTree::new(entries.iter().map(|e| crate::leaf_hash(e)).collect()).expect("tree");
        assert_ne!(sha.root(), tree.root());
    }
}
