//! The transparency log's tree (docs/architecture.md, DESIGN §9 layer 3): an RFC 6962 Merkle
//! tree over every message of the stream in stream order, leaf index = stream sequence − 1,
//! each leaf the one-line entry `<stream seq> <case id> <case seq> <event type> <hex SHA-256
//! of the body>\n` (a foreign message: `<stream seq> foreign - - <hex>\n`). Every complete
//! subtree's hash is stored as its last leaf arrives (`n`, level, index), so the root of any
//! size and any proof are O(log n) lookups. Deterministic from the stream, so a rebuild, and
//! every ombud process, computes the same tree.

use std::cell::Cell;

use ombud_tlog::merkle::{self, completed_by, Hash, Nodes};

use crate::error::{ApplyError, ProjectionError};
use crate::projector::{LogMessage, Projected, Projector};
use crate::rows::Rows;
use crate::store::Trees;

/// The tree's rows: `s` → the size; `n` level index → the hex hash of a complete subtree.
const TREE: &str = "tlog";
const SIZE_KEY: &[u8] = b"s";

fn node_key(level: u8, index: u64) -> [u8; 10] {
    let mut key = [0u8; 10];
    key[0] = b'n';
    key[1] = level;
    key[2..].copy_from_slice(&index.to_be_bytes());
    key
}

fn unhex(text: &str) -> Option<Hash> {
    crate::store::unhex(text)?.try_into().ok()
}

/// The leaf entry of a message.
pub fn entry(message: &LogMessage<'_>) -> String {
    match message.genuine {
        Some((case, case_seq, event_type)) => format!(
            "{} {case} {case_seq} {event_type} {}\n",
            message.stream_seq,
            message.body_hash.to_hex()
        ),
        None => format!(
            "{} foreign - - {}\n",
            message.stream_seq,
            message.body_hash.to_hex()
        ),
    }
}

/// The tree projector.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogTreeProjector;

impl Projector for LogTreeProjector {
    const NAME: &'static str = "log_tree";
    const TREES: &'static [&'static str] = &[TREE];

    fn apply(&self, _rows: &mut Rows<'_>, _event: &Projected<'_>) -> Result<(), ApplyError> {
        Ok(()) // every message, genuine or not, is a leaf: see `every_message`
    }

    fn every_message(
        &self,
        rows: &mut Rows<'_>,
        message: &LogMessage<'_>,
    ) -> Result<(), ApplyError> {
        let size: u64 = rows.get(TREE, SIZE_KEY)?.unwrap_or(0);
        let index = message.stream_seq.saturating_sub(1);
        if message.stream_seq == 0 || index < size {
            return Ok(()); // replayed after a crash: already a leaf
        }
        if index > size {
            return Err(ApplyError::BadRow {
                key: format!("{TREE}/size"),
                why: format!(
                    "the log skipped from sequence {size} to {}: the tree's leaves follow the \
                     stream without a gap",
                    message.stream_seq
                ),
            });
        }
        let leaf = merkle::leaf_hash(entry(message).as_bytes());
        rows.put(TREE, &node_key(0, index), merkle::hex(&leaf));
        for (level, at) in completed_by(index) {
            let child = |rows: &mut Rows<'_>, i: u64| -> Result<Hash, ApplyError> {
                let text: Option<String> = rows.get(TREE, &node_key(level - 1, i))?;
                text.as_deref()
                    .and_then(unhex)
                    .ok_or_else(|| ApplyError::BadRow {
                        key: format!("{TREE}/{}/{i}", level - 1),
                        why: "missing or not a hash".into(),
                    })
            };
            let (left, right) = (child(rows, 2 * at)?, child(rows, 2 * at + 1)?);
            rows.put(
                TREE,
                &node_key(level, at),
                merkle::hex(&merkle::node_hash(&left, &right)),
            );
        }
        rows.put(TREE, SIZE_KEY, index + 1);
        Ok(())
    }
}

/// The stored tree of a generation, read for roots and proofs.
pub struct StoredTree<'a> {
    tree: &'a sled::Tree,
    /// The first row that could not be read, if any (a `Nodes` lookup cannot fail).
    failure: Cell<Option<String>>,
}

impl<'a> StoredTree<'a> {
    /// The tree in `trees`.
    pub fn new(trees: &'a Trees) -> Self {
        StoredTree {
            tree: trees.tree(TREE),
            failure: Cell::new(None),
        }
    }

    /// How many leaves the tree holds.
    pub fn size(&self) -> Result<u64, ProjectionError> {
        Ok(crate::store::get(self.tree, SIZE_KEY)
            .map_err(crate::error_from_apply)?
            .unwrap_or(0))
    }

    fn checked<T>(&self, value: T) -> Result<T, ProjectionError> {
        match self.failure.take() {
            None => Ok(value),
            Some(why) => Err(ProjectionError::BadRow {
                key: TREE.into(),
                why,
            }),
        }
    }

    /// The root of the tree of `size` leaves (at most the tree's size).
    pub fn root(&self, size: u64) -> Result<Hash, ProjectionError> {
        let root = merkle::root(self, size);
        self.checked(root)
    }

    /// The inclusion path of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<Option<Vec<Hash>>, ProjectionError> {
        let proof = merkle::inclusion_proof(self, index, size);
        self.checked(proof)
    }

    /// The consistency proof from `old` to `new` leaves.
    pub fn consistency_proof(
        &self,
        old: u64,
        new: u64,
    ) -> Result<Option<Vec<Hash>>, ProjectionError> {
        let proof = merkle::consistency_proof(self, old, new);
        self.checked(proof)
    }
}

impl Nodes for StoredTree<'_> {
    fn node(&self, level: u8, index: u64) -> Hash {
        let stored: Result<Option<String>, _> =
            crate::store::get(self.tree, &node_key(level, index));
        match stored.ok().flatten().as_deref().and_then(unhex) {
            Some(hash) => hash,
            None => {
                let why = format!("node {level}/{index} missing or unreadable");
                let earlier = self.failure.take();
                self.failure.set(Some(earlier.unwrap_or(why)));
                [0; 32]
            }
        }
    }
}
