//! A transparency log's arithmetic: the RFC 9162 (Certificate Transparency 2.0) Merkle tree
//! hash, inclusion and consistency proofs (made and checked), and checkpoints in the C2SP
//! `tlog-checkpoint` form, signed as C2SP signed notes with an Ed25519 key.
//!
//! This is what lets a hall's log be checked by someone who does not trust the hall's PC: a
//! checkpoint (the tree's size and root, signed by the hall key and anchored on chain) commits
//! to every entry before it; a consistency proof shows a later checkpoint extends an earlier
//! one (nothing rewritten or dropped); an inclusion proof shows one entry is in a checkpoint
//! (a receipt's entry, say). The formats are the ones the transparency ecosystem uses, so the
//! proofs can be checked with other implementations; the tests reproduce
//! transparency-dev/merkle's published vectors and the Go `note` package's signed example.
//!
//! Making proofs here takes the leaf hashes in memory; a log stores its own subtree hashes and
//! uses the same definitions.

use base64::Engine as _;
use sha2::{Digest, Sha256};

pub mod note;

/// A SHA-256 tree hash.
pub type Hash = [u8; 32];

/// A proof that does not hold, or was asked of a tree that cannot give it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogProofError {
    /// The entry is not in a tree of that size.
    #[error("entry {index} is not in a tree of {size} entries")]
    IndexBeyondSize {
        /// The entry's index.
        index: u64,
        /// The tree's size.
        size: u64,
    },
    /// The sizes are the wrong way round.
    #[error("a tree of {size1} entries cannot be a later one of {size2}")]
    SizesReversed {
        /// The earlier size.
        size1: u64,
        /// The later size.
        size2: u64,
    },
    /// A consistency proof from the empty tree: every tree extends it, so it proves nothing,
    /// and a check that asks for one is mistaken (as transparency-dev's verifier holds).
    #[error("a consistency proof from the empty tree proves nothing")]
    FromEmpty,
    /// The proof has more or fewer hashes than the sizes call for.
    #[error("the proof has {got} hashes, but these sizes call for {want}")]
    WrongLength {
        /// Hashes given.
        got: usize,
        /// Hashes needed.
        want: usize,
    },
    /// The proof leads to another root: the entry is not there, or the log was rewritten.
    #[error("the proof leads to root {computed}, not to {expected}")]
    RootMismatch {
        /// The root the proof leads to (hex).
        computed: String,
        /// The root it should lead to (hex).
        expected: String,
    },
}

/// The hash of an entry: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an inner node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (n ≥ 2): where RFC 9162 splits a tree.
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The tree hash of these leaf hashes (of nothing: `SHA-256("")`).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// A growing tree kept as the roots of its perfect subtrees (at most one per height, the
/// "compact range" of the whole log): appending is O(log n) and the root of the tree so far is
/// O(log n), so a log computes the root of every checkpoint in one pass over its leaves and
/// never holds them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactTree {
    size: u64,
    /// (height, root) of each perfect subtree, left to right, heights decreasing.
    peaks: Vec<(u32, Hash)>,
}

impl CompactTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends an entry's leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.push_with(leaf, |_, _, _| ());
    }

    /// Appends an entry's leaf hash and returns every perfect subtree it completed, lowest
    /// first, as `(level, index, hash)`, the leaf itself first: what a log stores so that any
    /// span's hash is a few lookups ([`span_from_perfect`]).
    pub fn push_completing(&mut self, leaf: Hash) -> Vec<(u32, u64, Hash)> {
        let mut done = Vec::with_capacity(2);
        self.push_with(leaf, |level, index, hash| done.push((level, index, hash)));
        done
    }

    fn push_with(&mut self, leaf: Hash, mut completed: impl FnMut(u32, u64, Hash)) {
        let index = self.size;
        let mut node = (0u32, leaf);
        completed(0, index, leaf);
        while let Some(&(height, left)) = self.peaks.last() {
            if height != node.0 {
                break;
            }
            self.peaks.pop();
            node = (height + 1, node_hash(&left, &node.1));
            completed(node.0, index >> node.0, node.1);
        }
        self.peaks.push(node);
        self.size += 1;
    }

    /// The tree of `size` entries whose perfect subtrees (the binary digits of `size`, largest
    /// first) have these hashes: how a log resumes appending without reading its leaves.
    pub fn from_peaks(size: u64, mut peak: impl FnMut(u32, u64) -> Hash) -> Self {
        let mut peaks = Vec::new();
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            if size & (1u64 << level) != 0 {
                peaks.push((level, peak(level, start >> level)));
                start += 1u64 << level;
            }
        }
        Self { size, peaks }
    }

    /// The tree hash of the entries so far (of none: `SHA-256("")`).
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        match peaks.next() {
            None => Sha256::digest([]).into(),
            Some(&(_, last)) => peaks.fold(last, |right, (_, left)| node_hash(left, &right)),
        }
    }
}

/// Where a proof's hashes come from: the tree hash of a span of entries `[start, end)`. The
/// spans RFC 9162's recursion asks for are whole subtrees or runs of them, so a log that keeps
/// the hash of every perfect subtree answers each in O(log n) lookups ([`span_from_perfect`]);
/// leaf hashes in memory answer directly.
pub trait TreeHashes {
    /// Why a hash could not be read (a database error, say).
    type Error: From<LogProofError>;
    /// The tree hash of entries `start..end` (`start < end`).
    fn span(&self, start: u64, end: u64) -> Result<Hash, Self::Error>;
}

impl TreeHashes for [Hash] {
    type Error = LogProofError;
    fn span(&self, start: u64, end: u64) -> Result<Hash, LogProofError> {
        let size = self.len() as u64;
        if start >= end || end > size {
            return Err(LogProofError::IndexBeyondSize { index: end, size });
        }
        Ok(root(&self[start as usize..end as usize]))
    }
}

/// The tree hash of `[start, end)` from the hashes of perfect subtrees: `perfect(level, index)`
/// is the root of the `2^level` entries from `index << level`. A span whose length is a power
/// of two and that starts on its own boundary is one lookup; any other is split where
/// RFC 9162 splits it.
pub fn span_from_perfect<E>(
    start: u64,
    end: u64,
    perfect: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Hash, E> {
    let n = end - start;
    if n.is_power_of_two() && start.is_multiple_of(n) {
        return perfect(n.trailing_zeros(), start >> n.trailing_zeros());
    }
    let k = split(n as usize) as u64;
    let left = span_from_perfect(start, start + k, perfect)?;
    let right = span_from_perfect(start + k, end, perfect)?;
    Ok(node_hash(&left, &right))
}

/// The inclusion proof of entry `index` in the tree of `leaves` (RFC 9162 §2.1.3.1).
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, LogProofError> {
    inclusion_proof_in(leaves, leaves.len() as u64, index)
}

/// The inclusion proof of entry `index` in the first `size` entries of `tree`.
pub fn inclusion_proof_in<T: TreeHashes + ?Sized>(
    tree: &T,
    size: u64,
    index: u64,
) -> Result<Vec<Hash>, T::Error> {
    if index >= size {
        return Err(LogProofError::IndexBeyondSize { index, size }.into());
    }
    let mut proof = Vec::new();
    path(tree, 0, size, index, &mut proof)?;
    Ok(proof)
}

/// PATH(m, D[start:end]) of RFC 9162, with `m` counted from `start`.
fn path<T: TreeHashes + ?Sized>(
    tree: &T,
    start: u64,
    end: u64,
    m: u64,
    out: &mut Vec<Hash>,
) -> Result<(), T::Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n as usize) as u64;
    if m < k {
        path(tree, start, start + k, m, out)?;
        out.push(tree.span(start + k, end)?);
    } else {
        path(tree, start + k, end, m - k, out)?;
        out.push(tree.span(start, start + k)?);
    }
    Ok(())
}

/// The consistency proof between the tree of the first `size1` leaves and the tree of all of
/// them (RFC 9162 §2.1.4.1).
pub fn consistency_proof(leaves: &[Hash], size1: u64) -> Result<Vec<Hash>, LogProofError> {
    consistency_proof_in(leaves, size1, leaves.len() as u64)
}

/// The consistency proof between the first `size1` and the first `size2` entries of `tree`.
pub fn consistency_proof_in<T: TreeHashes + ?Sized>(
    tree: &T,
    size1: u64,
    size2: u64,
) -> Result<Vec<Hash>, T::Error> {
    if size1 > size2 {
        return Err(LogProofError::SizesReversed { size1, size2 }.into());
    }
    let mut proof = Vec::new();
    if size1 > 0 && size1 < size2 {
        subproof(tree, 0, size2, size1, true, &mut proof)?;
    }
    Ok(proof)
}

/// SUBPROOF(m, D[start:end], whole) of RFC 9162, with `m` counted from `start`.
fn subproof<T: TreeHashes + ?Sized>(
    tree: &T,
    start: u64,
    end: u64,
    m: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), T::Error> {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(tree.span(start, end)?);
        }
        return Ok(());
    }
    let k = split(n as usize) as u64;
    if m <= k {
        subproof(tree, start, start + k, m, whole, out)?;
        out.push(tree.span(start + k, end)?);
    } else {
        subproof(tree, start + k, end, m - k, false, out)?;
        out.push(tree.span(start, start + k)?);
    }
    Ok(())
}

fn hex32(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn mismatch(computed: &Hash, expected: &Hash) -> LogProofError {
    LogProofError::RootMismatch {
        computed: hex32(computed),
        expected: hex32(expected),
    }
}

/// How many hashes an inclusion proof of `index` in a tree of `size` has: the depth of the
/// index's path (the inner part, where the index's and the last entry's paths differ) plus the
/// right border's.
fn inclusion_length(index: u64, size: u64) -> usize {
    let inner = (64 - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    inner + border
}

/// Checks that `leaf` is entry `index` of the tree of `size` entries with root `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), LogProofError> {
    if index >= size {
        return Err(LogProofError::IndexBeyondSize { index, size });
    }
    let want = inclusion_length(index, size);
    if proof.len() != want {
        return Err(LogProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 || r != *root {
        return Err(mismatch(&r, root));
    }
    Ok(())
}

/// Checks that the tree of `size2` entries with root `root2` extends the tree of `size1`
/// entries with root `root1`: the first `size1` entries are the same (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), LogProofError> {
    if size1 > size2 {
        return Err(LogProofError::SizesReversed { size1, size2 });
    }
    if size1 == 0 {
        return Err(LogProofError::FromEmpty);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(LogProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(mismatch(root1, root2))
        };
    }
    // The proof's length is fixed by the sizes: the path from size1's last entry up to where
    // it meets size2's border, plus the border, less one when size1 is a whole subtree.
    let inner = (64 - ((size1 - 1) ^ (size2 - 1)).leading_zeros()) as usize;
    let shift = (size1 - 1).trailing_ones() as usize;
    let shift = shift.min(inner);
    let border = ((size1 - 1) >> inner).count_ones() as usize;
    let want = inner - shift + border + usize::from(!size1.is_power_of_two());
    if proof.len() != want {
        return Err(LogProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        path.push(*root1);
    }
    path.extend_from_slice(proof);
    let (mut fnode, mut snode) = (size1 - 1, size2 - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(mismatch(&sr, root2));
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if fr != *root1 {
        return Err(mismatch(&fr, root1));
    }
    if snode != 0 || sr != *root2 {
        return Err(mismatch(&sr, root2));
    }
    Ok(())
}

/// Standard base64, as checkpoints and signed notes write hashes and signatures.
pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn unb64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compact_tree_has_the_root_of_every_prefix() {
        let leaves: Vec<Hash> = (0u32..300).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let mut tree = CompactTree::new();
        assert_eq!(tree.root(), root(&[]));
        for (i, leaf) in leaves.iter().enumerate() {
            tree.push(*leaf);
            assert_eq!(tree.size(), i as u64 + 1);
            assert_eq!(tree.root(), root(&leaves[..=i]), "size {}", i + 1);
        }
    }

    /// Proofs made from stored perfect subtrees (as a log keeps them) are the proofs made from
    /// the leaves, for every entry and pair of sizes of small trees.
    #[test]
    fn proofs_from_perfect_subtrees_are_the_same_proofs() {
        use std::collections::HashMap;
        struct Stored(HashMap<(u32, u64), Hash>);
        impl TreeHashes for Stored {
            type Error = LogProofError;
            fn span(&self, start: u64, end: u64) -> Result<Hash, LogProofError> {
                span_from_perfect(start, end, &mut |level, index| {
                    self.0
                        .get(&(level, index))
                        .copied()
                        .ok_or(LogProofError::IndexBeyondSize { index, size: 0 })
                })
            }
        }
        let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut tree = CompactTree::new();
        let mut stored = Stored(HashMap::new());
        for (n, leaf) in leaves.iter().enumerate() {
            for (level, index, hash) in tree.push_completing(*leaf) {
                stored.0.insert((level, index), hash);
            }
            let size = n as u64 + 1;
            let resumed = CompactTree::from_peaks(size, |l, i| stored.0[&(l, i)]);
            assert_eq!(resumed, tree);
            assert_eq!(stored.span(0, size).expect("root"), root(&leaves[..=n]));
            for i in 0..size {
                assert_eq!(
                    inclusion_proof_in(&stored, size, i).expect("stored"),
                    inclusion_proof(&leaves[..=n], i).expect("leaves")
                );
            }
            for m in 0..=size {
                assert_eq!(
                    consistency_proof_in(&stored, m, size).expect("stored"),
                    consistency_proof(&leaves[..=n], m).expect("leaves")
                );
            }
        }
    }

    /// Every proof made for every entry and size of small trees checks, and fails for another
    /// root.
    #[test]
    fn made_proofs_check_for_every_size_up_to_40() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in 1..=leaves.len() {
            let tree = &leaves[..n];
            let r = root(tree);
            for i in 0..n as u64 {
                let proof = inclusion_proof(tree, i).expect("proof");
                assert_eq!(proof.len(), inclusion_length(i, n as u64));
                verify_inclusion(i, n as u64, &leaves[i as usize], &proof, &r).expect("checks");
                assert!(
                    verify_inclusion(i, n as u64, &leaves[i as usize], &proof, &[7; 32]).is_err()
                );
            }
            for m in 1..=n as u64 {
                let proof = consistency_proof(tree, m).expect("proof");
                let r1 = root(&leaves[..m as usize]);
                verify_consistency(m, n as u64, &r1, &r, &proof)
                    .unwrap_or_else(|e| panic!("{m} → {n}: {e}"));
                if m > 0 && m < n as u64 {
                    let other = root(&leaves[1..=m as usize]);
                    assert!(verify_consistency(m, n as u64, &other, &r, &proof).is_err());
                }
            }
        }
    }
}
