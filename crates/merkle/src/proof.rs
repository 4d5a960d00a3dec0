use crate::{node_hash_with, HashAlg, NodeHash};

/// The longest path accepted: a tree of 2^63 leaves. Anything longer is malformed, and the
/// bound keeps a hostile proof from costing more than a few dozen hashes.
pub const MAX_PATH_LEN: usize = 63;

/// Where one leaf sits in a batch, and the sibling hashes that lead from it to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// Number of leaves in the batch.
    pub tree_size: u64,
    /// Zero-based position of the leaf in the batch.
    pub leaf_index: u64,
    /// Sibling hashes, bottom-up (RFC 6962 audit path order).
    pub path: Vec<NodeHash>,
}

/// Why an inclusion proof is malformed or does not fit its tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The encoded proof ended inside a number or a hash.
    #[error("the inclusion proof is truncated")]
    Truncated,
    /// A number was encoded with more bytes than needed or overflowed 64 bits.
    #[error("the inclusion proof has a malformed number")]
    BadNumber,
    /// A batch has at least one leaf.
    #[error("the inclusion proof names a batch of zero credentials")]
    EmptyTree,
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is outside a batch of {size}")]
    IndexOutOfRange {
        /// The leaf index in the proof.
        index: u64,
        /// The tree size in the proof.
        size: u64,
    },
    /// The number of sibling hashes does not match the leaf's position in a tree of that size.
    #[error("the inclusion proof has {found} hashes where its position needs {expected}")]
    WrongPathLength {
        /// Hashes the position requires.
        expected: usize,
        /// Hashes present.
        found: usize,
    },
    /// The bytes after the numbers are not a whole number of 32-byte hashes.
    #[error("the inclusion proof's hashes are not a multiple of 32 bytes ({len} bytes)")]
    RaggedPath {
        /// Length of the hash part in bytes.
        len: usize,
    },
}

impl InclusionProof {
    /// The number of sibling hashes a leaf at `index` has in a tree of `size` leaves.
    pub fn expected_path_len(index: u64, size: u64) -> usize {
        let (mut i, mut len, mut count) = (index, size, 0);
        while len > 1 {
            if (i ^ 1) < len {
                count += 1;
            }
            i /= 2;
            len = len.div_ceil(2);
        }
        count
    }

    /// Checks the proof's shape: a non-empty tree, an index inside it, the right path length.
    pub fn check_shape(&self) -> Result<(), ProofError> {
        if self.tree_size == 0 {
            return Err(ProofError::EmptyTree);
        }
        if self.leaf_index >= self.tree_size {
            return Err(ProofError::IndexOutOfRange {
                index: self.leaf_index,
                size: self.tree_size,
            });
        }
        let expected = Self::expected_path_len(self.leaf_index, self.tree_size);
        if self.path.len() != expected {
            return Err(ProofError::WrongPathLength {
                expected,
                found: self.path.len(),
            });
        }
        Ok(())
    }

    /// Every node from the leaf up to the root: `[leaf, interior…, root]`.
    ///
    /// Revocation is checked against each of them, so revoking a sub-batch's node or the whole
    /// batch's root revokes every credential below it. A promoted lone node appears once.
    pub fn nodes(&self, leaf: &NodeHash) -> Result<Vec<NodeHash>, ProofError> {
        self.nodes_with(HashAlg::Sha256, leaf)
    }

    /// [`InclusionProof::nodes`] in a tree hashed with `alg`.
    pub fn nodes_with(&self, alg: HashAlg, leaf: &NodeHash) -> Result<Vec<NodeHash>, ProofError> {
        self.check_shape()?;
        let mut nodes = Vec::with_capacity(self.path.len() + 1);
        nodes.push(*leaf);
        let (mut i, mut len, mut acc) = (self.leaf_index, self.tree_size, *leaf);
        let mut siblings = self.path.iter();
        while len > 1 {
            if (i ^ 1) < len {
                // check_shape() guaranteed one sibling for each level that has one.
                let Some(sibling) = siblings.next() else {
                    return Err(ProofError::Truncated);
                };
                acc = if i % 2 == 1 {
                    node_hash_with(alg, sibling, &acc)
                } else {
                    node_hash_with(alg, &acc, sibling)
                };
                nodes.push(acc);
            }
            i /= 2;
            len = len.div_ceil(2);
        }
        Ok(nodes)
    }

    /// The root this proof leads to from `leaf`.
    pub fn root(&self, leaf: &NodeHash) -> Result<NodeHash, ProofError> {
        self.root_with(HashAlg::Sha256, leaf)
    }

    /// [`InclusionProof::root`] in a tree hashed with `alg`.
    pub fn root_with(&self, alg: HashAlg, leaf: &NodeHash) -> Result<NodeHash, ProofError> {
        let nodes = self.nodes_with(alg, leaf)?;
        Ok(nodes[nodes.len() - 1])
    }

    /// Compact bytes: LEB128 `tree_size`, LEB128 `leaf_index`, then the path's 32-byte hashes.
    ///
    /// This is what keeps a credential from a 65,536-credential batch inside QR version 25:
    /// 16 raw hashes instead of 16 hex or JSON-wrapped strings.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + 32 * self.path.len());
        write_uvarint(&mut out, self.tree_size);
        write_uvarint(&mut out, self.leaf_index);
        for h in &self.path {
            out.extend_from_slice(&h.0);
        }
        out
    }

    /// Parses [`InclusionProof::to_bytes`] output and checks its shape.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProofError> {
        let (tree_size, rest) = read_uvarint(bytes)?;
        let (leaf_index, rest) = read_uvarint(rest)?;
        if rest.len() % 32 != 0 {
            return Err(ProofError::RaggedPath { len: rest.len() });
        }
        if rest.len() / 32 > MAX_PATH_LEN {
            return Err(ProofError::WrongPathLength {
                expected: MAX_PATH_LEN,
                found: rest.len() / 32,
            });
        }
        let path = rest
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                NodeHash(h)
            })
            .collect();
        let proof = Self {
            tree_size,
            leaf_index,
            path,
        };
        proof.check_shape()?;
        Ok(proof)
    }
}

fn write_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a minimal LEB128 number; a non-minimal encoding is refused so every proof has
/// exactly one byte form.
fn read_uvarint(bytes: &[u8]) -> Result<(u64, &[u8]), ProofError> {
    let mut v: u64 = 0;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        let part = u64::from(b & 0x7f);
        if i == 9 && b > 1 {
            return Err(ProofError::BadNumber);
        }
        v |= part << (7 * i);
        if b & 0x80 == 0 {
            if i > 0 && b == 0 {
                return Err(ProofError::BadNumber);
            }
            return Ok((v, &bytes[i + 1..]));
        }
    }
    if bytes.len() >= 10 {
        Err(ProofError::BadNumber)
    } else {
        Err(ProofError::Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{leaf_hash, MerkleTree};
    use proptest::prelude::*;

    fn tree(n: u64) -> MerkleTree {
        MerkleTree::new((0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()).expect("non-empty")
    }

    #[test]
    fn varint_edges() {
        for v in [0, 1, 127, 128, 300, 65_536, u64::MAX] {
            let mut b = Vec::new();
            write_uvarint(&mut b, v);
            assert_eq!(read_uvarint(&b), Ok((v, &[][..])), "value {v}");
        }
        assert_eq!(read_uvarint(&[0x80, 0x00]), Err(ProofError::BadNumber));
        assert_eq!(read_uvarint(&[0x80]), Err(ProofError::Truncated));
        assert_eq!(read_uvarint(&[]), Err(ProofError::Truncated));
        assert_eq!(read_uvarint(&[0xff; 10]), Err(ProofError::BadNumber));
    }

    #[test]
    fn batch_of_65536_has_16_hashes_in_516_bytes() {
        let p = InclusionProof {
            tree_size: 65_536,
            leaf_index: 40_000,
            path: vec![NodeHash([7; 32]); 16],
        };
        assert_eq!(p.check_shape(), Ok(()));
        assert_eq!(p.to_bytes().len(), 3 + 3 + 16 * 32);
    }

    #[test]
    fn malformed_proofs_are_refused_with_the_reason() {
        let good = tree(5).proof(4).expect("in range");
        let bytes = good.to_bytes();
        assert_eq!(InclusionProof::from_bytes(&bytes), Ok(good.clone()));
        assert_eq!(
            InclusionProof::from_bytes(&bytes[..bytes.len() - 1]),
            Err(ProofError::RaggedPath { len: 31 })
        );
        assert_eq!(
            InclusionProof::from_bytes(&bytes[..bytes.len() - 32]),
            Err(ProofError::WrongPathLength {
                expected: 1,
                found: 0
            })
        );
        assert_eq!(
            InclusionProof::from_bytes(&[0, 0]),
            Err(ProofError::EmptyTree)
        );
        assert_eq!(
            InclusionProof::from_bytes(&[5, 5]),
            Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
        );
    }

    #[test]
    fn a_node_cannot_pass_for_a_leaf() {
        // An interior node's preimage offered as an entry hashes with the leaf prefix, so it
        // never equals the node (the second-preimage attack on unprefixed trees).
        let t = tree(2);
        let (l, r) = (t.leaves()[0], t.leaves()[1]);
        let mut entry = l.0.to_vec();
        entry.extend_from_slice(&r.0);
        assert_eq!(crate::node_hash(&l, &r), t.root());
        assert_ne!(leaf_hash(&entry), t.root());
    }

    proptest! {
        #[test]
        fn proofs_round_trip_and_verify(n in 1u64..3000, seed in any::<u64>()) {
            let t = tree(n);
            let i = seed % n;
            let p = t.proof(i).expect("in range");
            let back = InclusionProof::from_bytes(&p.to_bytes()).expect("round trip");
            prop_assert_eq!(&back, &p);
            prop_assert_eq!(back.root(&t.leaves()[i as usize]), Ok(t.root()));
        }

        #[test]
        fn a_changed_byte_never_reaches_the_same_root(n in 2u64..500, seed in any::<u64>(), flip in any::<u16>()) {
            let t = tree(n);
            let i = seed % n;
            let proof = t.proof(i).expect("in range");
            prop_assume!(!proof.path.is_empty());
            let mut bytes = proof.to_bytes();
            // Only the hashes are covered by the root: tree size and index are not authenticated
            // (several sizes give one shape), which is harmless because the leaf is recomputed.
            let hashes_at = bytes.len() - 32 * proof.path.len();
            let at = hashes_at + usize::from(flip) % (32 * proof.path.len());
            bytes[at] ^= 1 + (flip >> 8) as u8 % 255;
            if let Ok(p) = InclusionProof::from_bytes(&bytes) {
                prop_assert_ne!(p.root(&t.leaves()[i as usize]), Ok(t.root()));
            }
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
            if let Ok(p) = InclusionProof::from_bytes(&bytes) {
                let _ = p.nodes(&NodeHash([0; 32]));
            }
        }
    }
}
