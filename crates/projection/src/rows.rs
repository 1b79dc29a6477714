//! [`Rows`]: the write-back overlay a batch is applied through. Rows are read from sled once
//! per batch and kept decoded; every event of the batch reads and changes them in memory; at
//! the end each changed row is encoded and written once, tree by tree in the projector's
//! declared order (derived and aggregate trees before the primary one, the runtime's chain
//! rows last), so the crash-safety order of single events holds for the whole batch.

use std::any::Any;
use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApplyError;
use crate::store::Trees;

/// A value that can live in the overlay.
pub trait Row: Serialize + DeserializeOwned + Clone + Send + 'static {}
impl<T: Serialize + DeserializeOwned + Clone + Send + 'static> Row for T {}

type Encoder = fn(&dyn Any) -> Result<Vec<u8>, serde_json::Error>;

fn encode_json<T: Row>(value: &dyn Any) -> Result<Vec<u8>, serde_json::Error> {
    match value.downcast_ref::<T>() {
        Some(v) => serde_json::to_vec(v),
        None => Ok(Vec::new()),
    }
}

fn encode_marker(_: &dyn Any) -> Result<Vec<u8>, serde_json::Error> {
    Ok(Vec::new())
}

struct Slot {
    value: Option<Box<dyn Any + Send>>,
    /// Moved out by [`Rows::take`] and not put back: never written (the stored row stays).
    taken: bool,
    /// `Some` when changed in this batch (how to encode it); `None` when only read.
    dirty: Option<Encoder>,
}

/// FxHash (as in rustc): the overlay's keys are case ids and index keys ombud derives itself,
/// and SipHash was a measurable share of applying a batch.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Slots = HashMap<Vec<u8>, Slot, std::hash::BuildHasherDefault<FxHasher>>;

/// The rows of one batch.
pub struct Rows<'a> {
    trees: &'a Trees,
    /// One map per tree touched (a handful), found by name.
    slots: Vec<(&'static str, Slots)>,
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows")
            .field(
                "rows",
                &self.slots.iter().map(|(_, s)| s.len()).sum::<usize>(),
            )
            .finish_non_exhaustive()
    }
}

impl<'a> Rows<'a> {
    /// An empty overlay over `trees`.
    pub fn new(trees: &'a Trees) -> Self {
        Rows {
            trees,
            slots: Vec::new(),
        }
    }

    fn tree_slots(&mut self, tree: &'static str) -> &mut Slots {
        let at = match self.slots.iter().position(|(name, _)| *name == tree) {
            Some(at) => at,
            None => {
                self.slots.push((tree, Slots::default()));
                self.slots.len() - 1
            }
        };
        &mut self.slots[at].1
    }

    /// The row `key` of `tree`, as of the events applied so far.
    pub fn get<T: Row>(&mut self, tree: &'static str, key: &[u8]) -> Result<Option<T>, ApplyError> {
        if let Some(slot) = self.tree_slots(tree).get(key) {
            return Ok(slot
                .value
                .as_ref()
                .and_then(|v| v.downcast_ref::<T>())
                .cloned());
        }
        let value: Option<T> = crate::store::get(self.trees.tree(tree), key)?;
        self.tree_slots(tree).insert(
            key.to_vec(),
            Slot {
                value: value.clone().map(|v| Box::new(v) as Box<dyn Any + Send>),
                taken: false,
                dirty: None,
            },
        );
        Ok(value)
    }

    /// Moves the row `key` of `tree` out of the overlay (no copy), for an apply that puts
    /// the new version back. Until then the row reads as absent; if the apply fails instead,
    /// nothing of it is written (the stored row stays) and its case is held by the runtime.
    pub fn take<T: Row>(
        &mut self,
        tree: &'static str,
        key: &[u8],
    ) -> Result<Option<T>, ApplyError> {
        if let Some(slot) = self.tree_slots(tree).get_mut(key) {
            let value = match slot.value.take() {
                Some(boxed) => match boxed.downcast::<T>() {
                    Ok(v) => Some(*v),
                    Err(other) => {
                        slot.value = Some(other);
                        None
                    }
                },
                None => None,
            };
            slot.taken = true;
            return Ok(value);
        }
        let value: Option<T> = crate::store::get(self.trees.tree(tree), key)?;
        self.tree_slots(tree).insert(
            key.to_vec(),
            Slot {
                value: None,
                taken: true,
                dirty: None,
            },
        );
        Ok(value)
    }

    /// Puts back a row taken with [`Rows::take`] and left unchanged.
    pub fn restore<T: Row>(&mut self, tree: &'static str, key: &[u8], value: T) {
        if let Some(slot) = self.tree_slots(tree).get_mut(key) {
            slot.value = Some(Box::new(value));
            slot.taken = false;
        }
    }

    /// Sets the row `key` of `tree`.
    pub fn put<T: Row>(&mut self, tree: &'static str, key: &[u8], value: T) {
        self.tree_slots(tree).insert(
            key.to_vec(),
            Slot {
                value: Some(Box::new(value)),
                taken: false,
                dirty: Some(encode_json::<T>),
            },
        );
    }

    /// Sets an index key (empty value).
    pub fn mark(&mut self, tree: &'static str, key: &[u8]) {
        self.tree_slots(tree).insert(
            key.to_vec(),
            Slot {
                value: Some(Box::new(())),
                taken: false,
                dirty: Some(encode_marker),
            },
        );
    }

    /// Removes the row `key` of `tree`.
    pub fn remove(&mut self, tree: &'static str, key: &[u8]) {
        self.tree_slots(tree).insert(
            key.to_vec(),
            Slot {
                value: None,
                taken: false,
                dirty: Some(encode_marker),
            },
        );
    }

    /// Whether the row `key` of `tree` exists.
    pub fn contains(&mut self, tree: &'static str, key: &[u8]) -> Result<bool, ApplyError> {
        match self.tree_slots(tree).get(key) {
            Some(slot) => Ok(slot.value.is_some()),
            None => Ok(self.trees.tree(tree).contains_key(key)?),
        }
    }

    /// Writes every changed row, tree by tree in `order`, keys in order within a tree.
    /// Returns the rows and bytes written.
    pub(crate) fn write(self, order: &[&'static str]) -> Result<(u64, u64), ApplyError> {
        let mut dirty: Vec<_> = self
            .slots
            .into_iter()
            .flat_map(|(tree, slots)| slots.into_iter().map(move |(key, slot)| (tree, key, slot)))
            .filter(|(_, _, slot)| !slot.taken)
            .filter_map(|(tree, key, slot)| {
                slot.dirty.map(|encode| (tree, key, slot.value, encode))
            })
            .collect();
        let rank = |tree: &str| order.iter().position(|t| *t == tree).unwrap_or(usize::MAX);
        dirty.sort_by(|a, b| (rank(a.0), &a.1).cmp(&(rank(b.0), &b.1)));
        let (mut rows, mut bytes_written) = (0u64, 0u64);
        for (tree, key, value, encode) in dirty {
            let sled_tree = self.trees.tree(tree);
            rows += 1;
            bytes_written += key.len() as u64;
            match value {
                Some(v) => {
                    let bytes = encode(v.as_ref()).map_err(|e| ApplyError::BadRow {
                        key: format!("{tree}/{}", crate::store::hex(&key)),
                        why: e.to_string(),
                    })?;
                    bytes_written += bytes.len() as u64;
                    sled_tree.insert(key, bytes)?;
                }
                None => {
                    sled_tree.remove(key)?;
                }
            }
        }
        Ok((rows, bytes_written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trees() -> (sled::Db, Trees) {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let trees = Trees::open(&db, "t", 1, &["derived", "primary"]).unwrap();
        (db, trees)
    }

    #[test]
    fn reads_see_the_batch_and_sled_sees_it_only_after_write() {
        let (_db, trees) = trees();
        let mut rows = Rows::new(&trees);
        rows.put("primary", b"a", 1u64);
        assert_eq!(rows.get::<u64>("primary", b"a").unwrap(), Some(1));
        assert!(trees.tree("primary").is_empty());
        rows.mark("derived", b"k");
        rows.remove("derived", b"gone");
        let (written, _) = rows.write(&["derived", "primary"]).unwrap();
        assert_eq!(written, 3);
        assert_eq!(
            trees.tree("primary").get(b"a").unwrap().unwrap().as_ref(),
            b"1"
        );
        assert_eq!(
            trees.tree("derived").get(b"k").unwrap().unwrap().as_ref(),
            b""
        );
    }

    #[test]
    fn a_taken_row_that_is_not_put_back_is_left_as_stored() {
        let (_db, trees) = trees();
        trees.tree("primary").insert(b"a", b"7").unwrap();
        let mut rows = Rows::new(&trees);
        rows.put("primary", b"a", 8u64); // changed earlier in the batch
        assert_eq!(rows.take::<u64>("primary", b"a").unwrap(), Some(8));
        assert_eq!(rows.get::<u64>("primary", b"a").unwrap(), None, "taken");
        rows.write(&["derived", "primary"]).unwrap();
        assert_eq!(
            trees.tree("primary").get(b"a").unwrap().unwrap().as_ref(),
            b"7"
        );

        let mut rows = Rows::new(&trees);
        let v = rows.take::<u64>("primary", b"a").unwrap().unwrap();
        rows.restore("primary", b"a", v);
        assert_eq!(rows.get::<u64>("primary", b"a").unwrap(), Some(7));
    }
}
