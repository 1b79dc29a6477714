//! Verifying proofs, as an auditor's tool does: the iterative algorithms of RFC 9162
//! §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), written apart from the prover
//! (`crate::merkle`), so each checks the other in the tests.

use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The index or sizes are out of range.
    #[error("the proof's index or sizes are out of range")]
    OutOfRange,
    /// The path is too long or too short for the sizes.
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    /// The hashes do not lead to the root(s).
    #[error("the proof does not lead to the root")]
    Mismatch,
}

fn node(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Checks that `leaf` (a leaf hash) is at `index` in the tree of `size` leaves with `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    path: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange);
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// Checks that the tree of `old` leaves with `old_root` is a prefix of the tree of `new`
/// leaves with `new_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old == 0 || old > new {
        return Err(ProofError::OutOfRange);
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node(c, &fr);
            sr = node(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{consistency_proof, inclusion_proof, leaf_hash, root, MemoryTree};

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("{i} entry\n").as_bytes()))
            .collect()
    }

    fn stored(leaves: &[Hash]) -> MemoryTree {
        let mut tree = MemoryTree::default();
        for leaf in leaves {
            tree.push(*leaf);
        }
        tree
    }

    #[test]
    fn every_inclusion_proof_up_to_300_leaves_verifies_and_a_changed_one_does_not() {
        let all = leaves(300);
        let tree = stored(&all);
        for size in 1..=300u64 {
            let r = root(&tree, size);
            for index in 0..size {
                let path = inclusion_proof(&tree, index, size).unwrap();
                verify_inclusion(index, size, &all[index as usize], &path, &r)
                    .unwrap_or_else(|e| panic!("{index} in {size}: {e}"));
                if index == size / 2 {
                    // Another leaf, another position, a flipped hash, a cut path: refused.
                    let other = all[((index + 1) % size) as usize];
                    if size > 1 {
                        assert!(verify_inclusion(index, size, &other, &path, &r).is_err());
                        let mut bad = path.clone();
                        bad[0][0] ^= 1;
                        assert!(
                            verify_inclusion(index, size, &all[index as usize], &bad, &r).is_err()
                        );
                        assert!(verify_inclusion(
                            index,
                            size,
                            &all[index as usize],
                            &path[..path.len() - 1],
                            &r
                        )
                        .is_err());
                    }
                    assert!(verify_inclusion(size, size, &all[0], &path, &r).is_err());
                }
            }
        }
    }

    #[test]
    fn every_consistency_proof_up_to_200_leaves_verifies_and_a_fork_does_not() {
        let all = leaves(200);
        let forked: Vec<Hash> = {
            let mut f = all.clone();
            f[3] = leaf_hash(b"rewritten history\n");
            f
        };
        let (tree, fork) = (stored(&all), stored(&forked));
        for new in 1..=200u64 {
            let new_root = root(&tree, new);
            for old in 1..=new {
                let old_root = root(&tree, old);
                let proof = consistency_proof(&tree, old, new).unwrap();
                verify_consistency(old, new, &old_root, &new_root, &proof)
                    .unwrap_or_else(|e| panic!("{old} → {new}: {e}"));
                if old > 3 && new > old {
                    // A log that rewrote leaf 3 cannot prove itself consistent with what
                    // was seen before.
                    let fork_root = root(&fork, new);
                    let fork_proof = consistency_proof(&fork, old, new).unwrap();
                    assert!(
                        verify_consistency(old, new, &old_root, &fork_root, &fork_proof).is_err(),
                        "{old} → {new}"
                    );
                }
            }
        }
        // A rollback (a smaller tree claimed as newer) is out of range.
        assert_eq!(
            verify_consistency(5, 4, &root(&tree, 5), &root(&tree, 4), &[]),
            Err(ProofError::OutOfRange)
        );
    }
}
