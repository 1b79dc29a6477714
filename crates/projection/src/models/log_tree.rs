//! The transparency log's tree (docs/architecture.md, DESIGN §9 layer 3): an RFC 6962 Merkle
//! tree over every message of the stream in stream order, leaf index = stream sequence − 1,
//! each leaf the one-line entry `<stream seq> <case id> <case seq> <event type> <hex SHA-256
//! of the body>\n` (a foreign message: `<stream seq> foreign - - <hex>\n`). The leaf hashes
//! are stored sixteen to a row (`g`, group index: their hex, in order), and the hashes of the
//! complete subtrees at every fourth level above (4, 8, …; every tile level among them) as
//! their last leaf arrives (`n`, level, index); a level between is folded from at most 8
//! stored hashes of the level below it. So the root of any size and any proof stay a few
//! dozen lookups, while the tree writes about one row per batch and a row per 16 events.
//! Deterministic from the stream, so a rebuild, and every ombud process, computes the same
//! tree. A batch's rows are written group rows first and the size last; a crash between them
//! leaves a group row ahead of the size, and the replay finds the same leaves there (checked
//! hash by hash) and writes them again.

use std::cell::Cell;

use ombud_tlog::merkle::{self, completed_by, Hash, Nodes};

use crate::error::{ApplyError, ProjectionError};
use crate::projector::{LogMessage, Projected, Projector};
use crate::rows::Rows;
use crate::store::Trees;

/// The tree's rows: `s` → the size; `g` group → the hex of up to 16 leaf hashes; `n` level
/// index → the hex hash of a complete subtree (levels 4, 8, …).
const TREE: &str = "tlog";
const SIZE_KEY: &[u8] = b"s";

/// Leaves per group row (2^STRIDE).
const GROUP: u64 = 1 << STRIDE;

fn group_key(group: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = b'g';
    key[1..].copy_from_slice(&group.to_be_bytes());
    key
}

/// The `i`-th hash of a group row's hex.
fn hash_in(group: &str, i: u64) -> Option<Hash> {
    let at = usize::try_from(i).ok()? * 64;
    unhex(group.get(at..at + 64)?)
}

fn node_key(level: u8, index: u64) -> [u8; 10] {
    let mut key = [0u8; 10];
    key[0] = b'n';
    key[1] = level;
    key[2..].copy_from_slice(&index.to_be_bytes());
    key
}

/// Nodes are stored at every `STRIDE`-th level (measured: storing every level cost a
/// second row per event, and the tree's rebuild ran at 0.55 of the projection floor).
pub const STRIDE: u8 = 4;

/// The root of a complete subtree given its `2^k` hashes at the level below it.
fn fold(mut hashes: Vec<Hash>) -> Hash {
    while hashes.len() > 1 {
        hashes = hashes
            .chunks(2)
            .map(|pair| merkle::node_hash(&pair[0], &pair[1]))
            .collect();
    }
    hashes.first().copied().unwrap_or_else(merkle::empty_root)
}

fn unhex(text: &str) -> Option<Hash> {
    let mut hash = Hash::default();
    hex::decode_to_slice(text, &mut hash).ok()?;
    Some(hash)
}

/// What makes a stored message a genuine event in the tree: ombud's valid mark, a body that
/// decodes, and the case its subject names. `None`: a foreign leaf.
pub fn genuine(
    subject: &str,
    mark: &Result<(), ombud_envelope::Unmarked>,
    recorded: Option<&ombud_envelope::RecordedEvent>,
) -> Option<(ombud_domain::CaseId, u64, &'static str)> {
    let subject_case = ombud_envelope::subject::parse_subject(subject).map(|(case, _)| case);
    genuine_of(subject_case, mark, recorded)
}

/// [`genuine`] with the subject's case already parsed.
pub fn genuine_of(
    subject_case: Option<ombud_domain::CaseId>,
    mark: &Result<(), ombud_envelope::Unmarked>,
    recorded: Option<&ombud_envelope::RecordedEvent>,
) -> Option<(ombud_domain::CaseId, u64, &'static str)> {
    match (mark, recorded) {
        (Ok(()), Some(r)) if subject_case == Some(r.event.case_id) => {
            Some((r.event.case_id, r.meta.case_seq, r.wire_type()))
        }
        _ => None,
    }
}

/// The leaf entry of a message read from the log (what the projector wrote for it), for
/// the entry bundles of C2SP tlog-tiles.
pub fn entry_of_stored(
    stored: &ombud_envelope::StoredEvent,
    marks: &ombud_eventlog::MarkCheck,
) -> String {
    let mark = marks.check(stored);
    let recorded = match &mark {
        Ok(()) => ombud_envelope::decode(&stored.body).ok(),
        Err(_) => None,
    };
    let body_hash = ombud_envelope::Sha256Hash::of(&stored.body);
    entry(&LogMessage {
        stream_seq: stored.stream_seq,
        body_hash: &body_hash,
        genuine: genuine(&stored.subject, &mark, recorded.as_ref()),
    })
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
    /// 2: leaves sixteen to a row, nodes at every fourth level.
    const VERSION: u32 = 2;
    const TREES: &'static [&'static str] = &[TREE];
    /// Every message is a leaf: no chain rows, nothing quarantined; its foreign messages are
    /// its foreign leaves.
    const FOLDS_CASES: bool = false;

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
        let (group, within) = (index / GROUP, index % GROUP);
        let mut leaves: String = rows.take(TREE, &group_key(group))?.unwrap_or_default();
        let before = usize::try_from(64 * within).unwrap_or(usize::MAX);
        if leaves.len() > before {
            // A crash between a batch's rows: the group row was written, the size after it
            // was not. The stream is the same, so the leaf must be too; replay from it.
            if hash_in(&leaves, within) != Some(leaf) {
                return Err(ApplyError::BadRow {
                    key: format!("{TREE}/g/{group}"),
                    why: format!("holds another hash for leaf {index} than its message's"),
                });
            }
            leaves.truncate(before);
        }
        if leaves.len() != before {
            return Err(ApplyError::BadRow {
                key: format!("{TREE}/g/{group}"),
                why: format!("holds {} bytes of hex before leaf {index}", leaves.len()),
            });
        }
        leaves.push_str(&merkle::hex(&leaf));
        for (level, at) in completed_by(index).filter(|(level, _)| level % STRIDE == 0) {
            let below = level - STRIDE;
            let mut children = Vec::with_capacity(GROUP as usize);
            for i in at * GROUP..(at + 1) * GROUP {
                let hash = if below == 0 {
                    hash_in(&leaves, i - group * GROUP)
                } else {
                    let text: Option<String> = rows.get(TREE, &node_key(below, i))?;
                    text.as_deref().and_then(unhex)
                };
                children.push(hash.ok_or_else(|| ApplyError::BadRow {
                    key: format!("{TREE}/{below}/{i}"),
                    why: "missing or not a hash".into(),
                })?);
            }
            rows.put(TREE, &node_key(level, at), merkle::hex(&fold(children)));
        }
        rows.put(TREE, &group_key(group), leaves);
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

impl StoredTree<'_> {
    /// A stored node (its level a multiple of [`STRIDE`]).
    fn stored(&self, level: u8, index: u64) -> Hash {
        let found = if level == 0 {
            let group: Result<Option<String>, _> =
                crate::store::get(self.tree, &group_key(index / GROUP));
            group
                .ok()
                .flatten()
                .and_then(|g| hash_in(&g, index % GROUP))
        } else {
            let stored: Result<Option<String>, _> =
                crate::store::get(self.tree, &node_key(level, index));
            stored.ok().flatten().as_deref().and_then(unhex)
        };
        match found {
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

impl Nodes for StoredTree<'_> {
    fn node(&self, level: u8, index: u64) -> Hash {
        let between = level % STRIDE;
        if between == 0 {
            return self.stored(level, index);
        }
        let (base, width) = (level - between, 1u64 << between);
        fold(
            (index * width..(index + 1) * width)
                .map(|i| self.stored(base, i))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ombud_envelope::Sha256Hash;

    fn trees(db: &sled::Db, name: &str) -> Trees {
        Trees::open(db, name, 1, LogTreeProjector::TREES).unwrap()
    }

    /// Applies messages `seqs` (foreign leaves over their own sequence) in one batch.
    fn apply(trees: &Trees, seqs: std::ops::RangeInclusive<u64>) -> Result<(), ApplyError> {
        let mut rows = Rows::new(trees);
        for seq in seqs {
            let body_hash = Sha256Hash::of(&seq.to_be_bytes());
            let message = LogMessage {
                stream_seq: seq,
                body_hash: &body_hash,
                genuine: None,
            };
            LogTreeProjector.every_message(&mut rows, &message)?;
        }
        rows.write(LogTreeProjector::TREES)?;
        Ok(())
    }

    #[test]
    fn a_batch_cut_off_after_its_group_rows_replays_to_the_same_tree() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let clean = trees(&db, "clean");
        apply(&clean, 1..=40).unwrap();

        // A crash mid-write: the next batch's group rows reached sled, its size row did not.
        let crashed = trees(&db, "crashed");
        apply(&crashed, 1..=20).unwrap();
        for group in [1u64, 2] {
            let row = clean.tree(TREE).get(group_key(group)).unwrap().unwrap();
            crashed.tree(TREE).insert(group_key(group), row).unwrap();
        }
        apply(&crashed, 21..=40).unwrap();
        assert!(crashed.dump().unwrap() == clean.dump().unwrap());
        let stored = StoredTree::new(&crashed);
        assert_eq!(stored.size().unwrap(), 40);
        assert_eq!(
            stored.root(40).unwrap(),
            StoredTree::new(&clean).root(40).unwrap()
        );
    }

    #[test]
    fn a_group_row_holding_another_leaf_is_refused() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = trees(&db, "tree");
        apply(&tree, 1..=20).unwrap();
        // Leaves 16..19 as stored, then a leaf 20 that is not message 21's.
        let mut row: String = crate::store::get(tree.tree(TREE), &group_key(1))
            .unwrap()
            .unwrap();
        row.push_str(&"11".repeat(32));
        crate::store::put(tree.tree(TREE), &group_key(1), &row).unwrap();
        let error = apply(&tree, 21..=21).unwrap_err();
        assert!(
            error.to_string().contains("another hash for leaf 20"),
            "{error}"
        );
        assert_eq!(
            StoredTree::new(&tree).size().unwrap(),
            20,
            "nothing written"
        );
    }
}
