//! Where read models live in sled: one generation of a projector's trees ([`Trees`], named
//! `<projector>.g<generation>.<tree>`), JSON rows, and the key encodings the models share.
//!
//! Rows are written with plain single-key `insert`s only (sled 0.34.7's transactions and
//! batches were seen to stall; see docs/architecture.md). Every primary row records the last
//! stream sequence applied to it ([`Guarded`]) so a replayed event never changes it twice.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ombud_domain::CaseId;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApplyError;

/// Trees the runtime keeps in every generation besides the projector's own.
pub(crate) const RUNTIME_TREES: &[&str] = &["checkpoint", "chain", "quarantine", "held", "foreign"];

/// Every row of a generation, tree by tree (for comparisons).
pub type Dump = BTreeMap<String, Vec<(Vec<u8>, Vec<u8>)>>;

/// One generation of one projector's trees.
#[derive(Debug, Clone)]
pub struct Trees {
    generation: u64,
    trees: BTreeMap<&'static str, sled::Tree>,
}

impl Trees {
    /// Opens (creating) generation `generation` of `projector` with its `names`.
    pub(crate) fn open(
        db: &sled::Db,
        projector: &str,
        generation: u64,
        names: &[&'static str],
    ) -> Result<Trees, sled::Error> {
        let mut trees = BTreeMap::new();
        for name in RUNTIME_TREES.iter().chain(names) {
            trees.insert(*name, db.open_tree(tree_name(projector, generation, name))?);
        }
        Ok(Trees { generation, trees })
    }

    /// The generation number.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The tree `name` (one of the projector's declared trees or the runtime's).
    ///
    /// # Panics
    /// If `name` was not declared: a programming error caught by every test.
    #[allow(clippy::expect_used)]
    pub fn tree(&self, name: &str) -> &sled::Tree {
        self.trees
            .get(name)
            .expect("read model tree declared in Projector::TREES")
    }

    /// Every tree and its rows, for comparing two models (the checkpoint excluded: two models
    /// with the same rows are equal even if one has checkpointed further).
    pub fn dump(&self) -> Result<Dump, sled::Error> {
        let mut out = BTreeMap::new();
        for (name, tree) in &self.trees {
            if *name == "checkpoint" {
                continue;
            }
            let rows = tree
                .iter()
                .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())))
                .collect::<Result<Vec<_>, _>>()?;
            out.insert((*name).to_owned(), rows);
        }
        Ok(out)
    }

    /// All tree names of this generation.
    pub(crate) fn names(&self) -> impl Iterator<Item = &&'static str> {
        self.trees.keys()
    }
}

/// The sled tree name of a projector's tree in a generation.
pub(crate) fn tree_name(projector: &str, generation: u64, name: &str) -> String {
    format!("{projector}.g{generation}.{name}")
}

/// A row that records the last stream sequence applied to it.
pub trait Guarded {
    /// The last stream sequence applied to this row.
    fn last_seq(&self) -> u64;
}

/// Whether `seq` is new to `row` (absent rows take everything).
pub fn is_new<T: Guarded>(row: Option<&T>, seq: u64) -> bool {
    row.is_none_or(|r| r.last_seq() < seq)
}

/// Reads a JSON row.
pub fn get<T: DeserializeOwned>(tree: &sled::Tree, key: &[u8]) -> Result<Option<T>, ApplyError> {
    match tree.get(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ApplyError::BadRow {
                key: describe_key(tree, key),
                why: e.to_string(),
            }),
    }
}

/// Writes a JSON row.
pub fn put<T: Serialize>(tree: &sled::Tree, key: &[u8], row: &T) -> Result<(), ApplyError> {
    let bytes = serde_json::to_vec(row).map_err(|e| ApplyError::BadRow {
        key: describe_key(tree, key),
        why: e.to_string(),
    })?;
    tree.insert(key, bytes)?;
    Ok(())
}

pub(crate) fn describe_key(tree: &sled::Tree, key: &[u8]) -> String {
    format!("{}/{}", String::from_utf8_lossy(&tree.name()), hex(key))
}

/// Lower-case hex of `bytes` (cursors, diagnostics).
pub fn hex(bytes: &[u8]) -> String {
    ombud_tlog::merkle::hex_of(bytes)
}

/// Parses [`hex`] output.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    ::hex::decode(text).ok()
}

/// A case id as a 16-byte key.
pub fn case_key(case_id: CaseId) -> [u8; 16] {
    *case_id.as_uuid().as_bytes()
}

/// A case id from the last 16 bytes of a key.
pub fn case_from_key(key: &[u8]) -> Option<CaseId> {
    let tail: [u8; 16] = key.get(key.len().checked_sub(16)?..)?.try_into().ok()?;
    Some(CaseId::from_uuid(uuid::Uuid::from_bytes(tail)))
}

/// A date as 4 sortable bytes (days since 0001-01-01); `None` sorts last.
pub fn date_key(date: Option<NaiveDate>) -> [u8; 4] {
    let days = date.map_or(u32::MAX, |d| {
        u32::try_from(chrono::Datelike::num_days_from_ce(&d)).unwrap_or(0)
    });
    days.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(unhex(&hex(&bytes)), Some(bytes.to_vec()));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn date_keys_sort_by_date_with_none_last() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert!(date_key(d("2026-12-31")) < date_key(d("2027-01-01")));
        assert!(date_key(d("2099-01-01")) < date_key(None));
    }

    #[test]
    fn a_case_id_survives_being_a_key_suffix() {
        let case = CaseId::from_uuid(uuid::Uuid::now_v7());
        let mut key = b"prefix".to_vec();
        key.extend_from_slice(&case_key(case));
        assert_eq!(case_from_key(&key), Some(case));
        assert_eq!(case_from_key(b"short"), None);
    }
}
