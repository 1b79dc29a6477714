//! The RFC 6962 / RFC 9162 Merkle tree hash and its proofs, as the prover computes them:
//! leaf hash `SHA-256(0x00 ‖ entry)`, node hash `SHA-256(0x01 ‖ left ‖ right)`, the tree
//! hash of a range split at the largest power of two below its size, and the inclusion path
//! (`PATH`) and consistency proof (`PROOF`) of RFC 6962 §2.1.1–2.1.2, written recursively
//! over a [`Nodes`] source, so a stored tree answers from its complete subtrees in
//! O(log n) lookups. The verifier (`crate::verify`) is written separately, iteratively, after
//! RFC 9162 §2.1.3.2 and §2.1.4.2.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of a leaf whose entry is `entry`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The hashes of a tree's complete subtrees: `node(level, index)` covers the leaves
/// `index·2^level .. (index+1)·2^level` (level 0: the leaf hashes). Only subtrees wholly
/// inside the tree are asked for.
pub trait Nodes {
    /// The hash of the complete subtree at `level`, `index`.
    fn node(&self, level: u8, index: u64) -> Hash;
}

/// Leaf hashes in memory, every complete subtree computed on demand (for tests and small
/// trees).
impl Nodes for [Hash] {
    fn node(&self, level: u8, index: u64) -> Hash {
        let width = 1u64 << level;
        range_of_leaves(&self[(index * width) as usize..((index + 1) * width) as usize])
    }
}

fn range_of_leaves(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(
                &range_of_leaves(&leaves[..k]),
                &range_of_leaves(&leaves[k..]),
            )
        }
    }
}

/// The tree hash of the leaves `start .. start + size` (a range that starts on a multiple of
/// the largest power of two ≤ its size, as every range the recursion makes does).
fn range_hash(nodes: &(impl Nodes + ?Sized), start: u64, size: u64) -> Hash {
    if size == 0 {
        return empty_root();
    }
    if size.is_power_of_two() && start.is_multiple_of(size) {
        let level = size.trailing_zeros() as u8;
        return nodes.node(level, start >> level);
    }
    let k = split(size);
    node_hash(
        &range_hash(nodes, start, k),
        &range_hash(nodes, start + k, size - k),
    )
}

/// The root of the tree of the first `size` leaves (`MTH(D[0:size])`).
pub fn root(nodes: &(impl Nodes + ?Sized), size: u64) -> Hash {
    range_hash(nodes, 0, size)
}

/// The inclusion path of leaf `index` in the tree of `size` leaves (`PATH(index, D[0:size])`),
/// leaf side first. `None` when `index` is not below `size`.
pub fn inclusion_proof(nodes: &(impl Nodes + ?Sized), index: u64, size: u64) -> Option<Vec<Hash>> {
    if index >= size {
        return None;
    }
    let mut path = Vec::new();
    path_of(nodes, index, 0, size, &mut path);
    Some(path)
}

fn path_of(nodes: &(impl Nodes + ?Sized), m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path_of(nodes, m, start, k, out);
        out.push(range_hash(nodes, start + k, n - k));
    } else {
        path_of(nodes, m - k, start + k, n - k, out);
        out.push(range_hash(nodes, start, k));
    }
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves
/// (`PROOF(old, D[0:new])`). `None` unless `0 < old <= new`.
pub fn consistency_proof(nodes: &(impl Nodes + ?Sized), old: u64, new: u64) -> Option<Vec<Hash>> {
    if old == 0 || old > new {
        return None;
    }
    let mut proof = Vec::new();
    subproof(nodes, old, 0, new, true, &mut proof);
    Some(proof)
}

fn subproof(
    nodes: &(impl Nodes + ?Sized),
    m: u64,
    start: u64,
    n: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) {
    if m == n {
        if !whole {
            out.push(range_hash(nodes, start, n));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(nodes, m, start, k, whole, out);
        out.push(range_hash(nodes, start + k, n - k));
    } else {
        subproof(nodes, m - k, start + k, n - k, false, out);
        out.push(range_hash(nodes, start, k));
    }
}

/// The complete subtrees a tree of `size` leaves adds when its leaf `index` arrives: for a
/// stored tree, the `(level, index)` of each node to store after storing the leaf (level 0),
/// computed from the node's two children.
pub fn completed_by(index: u64) -> impl Iterator<Item = (u8, u64)> {
    // Leaf `index` completes the node at level L (index >> L) while the low L bits of
    // index + 1 are all zero.
    let next = index + 1;
    (1..=next.trailing_zeros() as u8).map(move |level| (level, index >> level))
}

/// A tree kept in memory the way a stored one is: every complete subtree's hash, level by
/// level, each computed once as its last leaf arrives.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        let index = self.levels[0].len() as u64;
        self.levels[0].push(leaf);
        for (level, at) in completed_by(index) {
            let below = &self.levels[level as usize - 1];
            let hash = node_hash(&below[(2 * at) as usize], &below[(2 * at + 1) as usize]);
            if self.levels.len() <= level as usize {
                self.levels.push(Vec::new());
            }
            self.levels[level as usize].push(hash);
        }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }
}

impl Nodes for MemoryTree {
    fn node(&self, level: u8, index: u64) -> Hash {
        self.levels[level as usize][index as usize]
    }
}

/// Hex of a hash.
pub fn hex(hash: &Hash) -> String {
    hex_of(hash)
}

/// Lowercase hex of any bytes (digits written into one buffer: no formatting per byte, no
/// char-by-char collecting; this is on the projectors' hot path).
pub fn hex_of(bytes: &[u8]) -> String {
    let mut digits = vec![0u8; bytes.len() * 2];
    match ::hex::encode_to_slice(bytes, &mut digits) {
        Ok(()) => String::from_utf8(digits).unwrap_or_default(),
        Err(_) => String::new(), // the buffer is exactly twice the input: unreachable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaves of the RFC 6962 reference tree (certificate-transparency's test data).
    pub(crate) fn reference_leaves() -> Vec<Hash> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|h| {
            let bytes: Vec<u8> = (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect();
            leaf_hash(&bytes)
        })
        .collect()
    }

    #[test]
    fn the_rfc_6962_reference_tree_has_its_published_roots() {
        let leaves = reference_leaves();
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        for (size, want) in roots.iter().enumerate() {
            assert_eq!(
                hex(&root(&leaves[..], size as u64 + 1)),
                *want,
                "size {}",
                size + 1
            );
        }
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_stored_tree_answers_as_the_leaves_do() {
        let leaves: Vec<Hash> = (0..70u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut tree = MemoryTree::default();
        for (i, leaf) in leaves.iter().enumerate() {
            tree.push(*leaf);
            let size = i as u64 + 1;
            assert_eq!(root(&tree, size), root(&leaves[..], size));
            assert_eq!(
                inclusion_proof(&tree, size / 3, size),
                inclusion_proof(&leaves[..], size / 3, size)
            );
            assert_eq!(
                consistency_proof(&tree, size / 2 + 1, size),
                consistency_proof(&leaves[..], size / 2 + 1, size)
            );
        }
    }

    #[test]
    fn the_nodes_a_leaf_completes_are_its_full_ancestors() {
        assert_eq!(completed_by(0).collect::<Vec<_>>(), []);
        assert_eq!(completed_by(1).collect::<Vec<_>>(), [(1, 0)]);
        assert_eq!(completed_by(3).collect::<Vec<_>>(), [(1, 1), (2, 0)]);
        assert_eq!(
            completed_by(7).collect::<Vec<_>>(),
            [(1, 3), (2, 1), (3, 0)]
        );
        assert_eq!(completed_by(4).collect::<Vec<_>>(), []);
    }
}
