//! The embedded log's case index: which sequences hold a case's events, so that a case reads,
//! and its concurrency check runs, without scanning the log.
//!
//! Written one sled insert per event, the index was the largest part of an append's cost. So
//! entries collect in memory as the writer writes their rows ([`CaseIndex::add`]); once
//! [`SPILL_ENTRIES`] have collected, they are written out together, one row per case holding
//! all of that case's sequences since the last spill, and then the mark `indexed_up_to`:
//! every sequence up to it is in the stored index. Readers see the entries in memory and the
//! stored rows alike, memory first, so an entry on its way to sled is never missed.
//!
//! A crash loses only entries in memory, never an event: start-up indexes the rows after the
//! mark again ([`Reindex`]), first removing whatever rows a spill the crash cut short left
//! past the mark, so the stored rows of a case never overlap and read newest first.
//!
//! A stored row is keyed by its case and its first sequence; its value holds the case's later
//! sequences of the same spill, 8 bytes each, ascending. An empty value means the key's
//! sequence alone, which is how every entry of older versions was written (they still read).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use ombud_domain::CaseId;

use super::rows::{holds_event_of, key_seq, seq_key};
use crate::error::LogError;

/// How many entries collect in memory before they are written out (and so, at most, how many
/// events a start after a crash indexes again). Small in unit tests, so they spill often.
pub(super) const SPILL_ENTRIES: usize = if cfg!(test) { 16 } else { 16_384 };

/// The key in `meta` under which the mark is stored.
const INDEXED_UP_TO: &[u8] = b"indexed_up_to";

/// Sequences by case, each list ascending.
type Entries = HashMap<CaseId, Vec<u64>>;

/// The case index of one embedded log.
#[derive(Debug)]
pub(super) struct CaseIndex {
    tree: sled::Tree,
    meta: sled::Tree,
    memory: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    /// Entries not yet written out.
    entries: Entries,
    count: usize,
    /// The last sequence added: every sequence up to it is in memory or stored.
    added_up_to: u64,
    /// Entries a spill is writing out, read from here until it is done.
    spilling: Option<Arc<Entries>>,
}

impl Memory {
    /// The case's entries in memory: those not yet written out, and those a spill is writing.
    fn of(&self, case_id: CaseId) -> impl Iterator<Item = &Vec<u64>> {
        let spilling = self.spilling.as_deref().and_then(|s| s.get(&case_id));
        self.entries.get(&case_id).into_iter().chain(spilling)
    }
}

/// The key of a case's stored row whose first sequence is `seq`.
pub(super) fn case_key(case_id: CaseId, seq: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(case_id.as_uuid().as_bytes());
    key[16..].copy_from_slice(&seq.to_be_bytes());
    key
}

fn failed(context: &str) -> impl Fn(sled::Error) -> LogError + '_ {
    move |e| LogError::failed(context, e)
}

/// The sequences of a stored row, ascending.
fn row_seqs(key: &[u8], value: &[u8]) -> Result<Vec<u64>, LogError> {
    let damaged = || {
        LogError::Storage(format!(
            "a case index row ({} bytes under a {}-byte key) is damaged",
            value.len(),
            key.len()
        ))
    };
    let first = key_seq(key).ok_or_else(damaged)?;
    if !value.len().is_multiple_of(8) {
        return Err(damaged());
    }
    let mut seqs = Vec::with_capacity(1 + value.len() / 8);
    seqs.push(first);
    for chunk in value.chunks_exact(8) {
        let seq = u64::from_be_bytes(chunk.try_into().map_err(|_| damaged())?);
        if seq <= *seqs.last().unwrap_or(&0) {
            return Err(damaged());
        }
        seqs.push(seq);
    }
    Ok(seqs)
}

/// Writes one row per case, in key order, for `entries`.
fn write_rows(tree: &sled::Tree, entries: &Entries) -> Result<(), sled::Error> {
    let mut rows: Vec<(&CaseId, &Vec<u64>)> = entries.iter().collect();
    rows.sort_unstable_by_key(|(case, seqs)| (case.as_uuid().as_u128(), seqs.first().copied()));
    for (case, seqs) in rows {
        let Some((first, rest)) = seqs.split_first() else {
            continue;
        };
        let value: Vec<u8> = rest.iter().flat_map(|seq| seq.to_be_bytes()).collect();
        tree.insert(case_key(*case, *first), value)?;
    }
    Ok(())
}

impl CaseIndex {
    /// The index stored in `tree`, with its mark in `meta`.
    pub fn open(tree: sled::Tree, meta: sled::Tree) -> Result<Self, LogError> {
        let index = CaseIndex {
            tree,
            meta,
            memory: Mutex::new(Memory::default()),
        };
        let stored = index.stored_up_to()?;
        index.memory().added_up_to = stored;
        Ok(index)
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        match self.memory.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The mark: every sequence up to it is in the stored index.
    pub fn stored_up_to(&self) -> Result<u64, LogError> {
        Ok(self
            .meta
            .get(INDEXED_UP_TO)
            .map_err(failed("reading the case index's mark"))?
            .and_then(|v| key_seq(&v))
            .unwrap_or(0))
    }

    fn mark(&self, up_to: u64) -> Result<(), sled::Error> {
        self.meta.insert(INDEXED_UP_TO, &seq_key(up_to)).map(drop)
    }

    /// Adds the entries of rows just written (ascending, each after every one added before),
    /// and writes them all out once enough have collected.
    pub fn add(&self, written: impl Iterator<Item = (u64, CaseId)>) -> Result<(), sled::Error> {
        let spill = {
            let mut memory = self.memory();
            for (seq, case_id) in written {
                memory.entries.entry(case_id).or_default().push(seq);
                memory.count += 1;
                memory.added_up_to = seq;
            }
            if memory.count < SPILL_ENTRIES || memory.spilling.is_some() {
                return Ok(());
            }
            let entries = Arc::new(std::mem::take(&mut memory.entries));
            memory.count = 0;
            memory.spilling = Some(entries.clone());
            (entries, memory.added_up_to)
        };
        let (entries, up_to) = spill;
        write_rows(&self.tree, &entries)?;
        self.mark(up_to)?;
        // Only now out of memory: a reader that finds it gone finds the rows stored.
        self.memory().spilling = None;
        Ok(())
    }

    /// The sequences of `case_id` in `after + 1..=head`, ascending.
    pub fn seqs(&self, case_id: CaseId, after: u64, head: u64) -> Result<Vec<u64>, LogError> {
        let wanted = |seq: &u64| *seq > after && *seq <= head;
        let mut out: Vec<u64> = self
            .memory()
            .of(case_id)
            .flat_map(|seqs| seqs.iter().copied().filter(wanted))
            .collect();
        let fail = failed("reading the case index");
        // Newest row first; the rows of a case do not overlap, so the first row that starts at
        // or before `after` is the last one to hold anything wanted.
        for item in self
            .tree
            .range(case_key(case_id, 0)..=case_key(case_id, head))
            .rev()
        {
            let (key, value) = item.map_err(&fail)?;
            let seqs = row_seqs(&key, &value)?;
            out.extend(seqs.iter().copied().filter(wanted));
            if seqs[0] <= after {
                break;
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The last sequence of `case_id` whose row in `events` holds an event of that case (a
    /// stored entry of an older version whose row a crash lost is passed over); 0 if none.
    pub fn last(&self, case_id: CaseId, events: &sled::Tree) -> Result<u64, LogError> {
        let in_memory = self
            .memory()
            .of(case_id)
            .filter_map(|seqs| seqs.last().copied())
            .max();
        // Entries in memory are added once their rows are written.
        if let Some(last) = in_memory {
            return Ok(last);
        }
        let fail = failed("reading the case index");
        for item in self.tree.scan_prefix(case_id.as_uuid().as_bytes()).rev() {
            let (key, value) = item.map_err(&fail)?;
            for seq in row_seqs(&key, &value)?.into_iter().rev() {
                if holds_event_of(events, seq, case_id)? {
                    return Ok(seq);
                }
            }
        }
        Ok(0)
    }

    /// How many rows the stored index has (for tests and diagnostics).
    #[cfg(test)]
    pub fn stored_rows(&self) -> usize {
        self.tree.len()
    }

    /// Starts indexing again the events after the mark (at start-up, before any append).
    pub fn reindex(&self) -> Result<Reindex<'_>, LogError> {
        Ok(Reindex {
            after: self.stored_up_to()?,
            index: self,
            seen: HashSet::new(),
            entries: Entries::new(),
            count: 0,
        })
    }

    /// Removes the stored rows of `case_id` keyed after `seq`.
    fn forget_after(&self, case_id: CaseId, seq: u64) -> Result<(), sled::Error> {
        let range = case_key(case_id, seq.saturating_add(1))..=case_key(case_id, u64::MAX);
        for item in self.tree.range(range) {
            let (key, _) = item?;
            self.tree.remove(key)?;
        }
        Ok(())
    }
}

/// Indexing the events after the mark again, at start-up: each case's stored rows past the
/// mark are removed when its first event is seen, then its events are written out in spills.
pub(super) struct Reindex<'a> {
    index: &'a CaseIndex,
    after: u64,
    seen: HashSet<CaseId>,
    entries: Entries,
    count: usize,
}

impl Reindex<'_> {
    /// The mark the events are indexed after.
    pub fn after(&self) -> u64 {
        self.after
    }

    /// Notes an event of `case_id` past the mark, kept or not: the case's stored rows past
    /// the mark (a cut-short spill's, or an older version's entries) are removed.
    pub fn saw(&mut self, case_id: CaseId) -> Result<(), LogError> {
        if self.seen.insert(case_id) {
            self.index
                .forget_after(case_id, self.after)
                .map_err(failed("repairing the case index at start-up"))?;
        }
        Ok(())
    }

    /// Indexes event `seq` of `case_id` (after [`Reindex::saw`] for it).
    pub fn keep(&mut self, seq: u64, case_id: CaseId) -> Result<(), LogError> {
        self.entries.entry(case_id).or_default().push(seq);
        self.count += 1;
        if self.count >= SPILL_ENTRIES {
            self.write_out()?;
        }
        Ok(())
    }

    fn write_out(&mut self) -> Result<(), LogError> {
        write_rows(&self.index.tree, &self.entries)
            .map_err(failed("writing the case index at start-up"))?;
        self.entries.clear();
        self.count = 0;
        Ok(())
    }

    /// Writes the rest and moves the mark to `last`, the log's last sequence.
    pub fn finish(mut self, last: u64) -> Result<(), LogError> {
        self.write_out()?;
        self.index
            .mark(last)
            .map_err(failed("writing the case index's mark"))?;
        self.index.memory().added_up_to = last;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_damaged_row_is_an_error_not_a_panic() {
        let key = case_key(CaseId::from_uuid(uuid::Uuid::now_v7()), 7);
        assert_eq!(row_seqs(&key, &[]).unwrap(), [7]);
        let value: Vec<u8> = [9u64, 12].iter().flat_map(|s| s.to_be_bytes()).collect();
        assert_eq!(row_seqs(&key, &value).unwrap(), [7, 9, 12]);
        for (key, value) in [
            (&key[..], &value[..5]),
            (&key[..], &6u64.to_be_bytes()[..]),
            (&key[..3], &[][..]),
        ] {
            let e = row_seqs(key, value).unwrap_err();
            assert!(e.to_string().contains("damaged"), "{e}");
        }
    }
}
