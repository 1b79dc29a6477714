//! Recently used cases: their folded state, verified chain head and idempotency keys, so a
//! warm case is decided on without reading the log again. Each case lives in its own slot
//! (`Arc<Mutex<CaseEntry>>`) and is updated in place, never copied whole per command. A stale
//! entry is harmless: the log's optimistic concurrency rejects an append decided on it, and
//! the entry is then caught up from the log. Entries only ever move forward.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use ombud_domain::{CaseId, CaseState, IdempotencyKey};
use ombud_envelope::{ChainHead, Sha256Hash};

use crate::log::{ForeignMessage, Receipt};

/// What an idempotency key recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Hash of the command the key was first used with.
    pub command_hash: Sha256Hash,
    /// Where its event landed.
    pub receipt: Receipt,
    /// Who recorded it.
    pub actor: ombud_domain::ActorId,
    /// The office it was recorded in.
    pub office: ombud_domain::OfficeCode,
}

/// One case as known to this process.
#[derive(Debug, Clone, Default)]
pub struct CaseEntry {
    /// Folded state.
    pub state: CaseState,
    /// Verified chain head: the last genuine event.
    pub head: ChainHead,
    /// Stream sequence of the case's last message read, genuine or foreign (what the log's
    /// concurrency check compares with, and where the next catch-up reads from).
    pub seen: u64,
    /// Foreign messages of the case: skipped, reported, never applied.
    pub foreign: Vec<ForeignMessage>,
    /// Every idempotency key in the case's history.
    pub keys: HashMap<IdempotencyKey, KeyRecord>,
    /// The entry reflects what the log held at some point (false for a slot made for a case
    /// assumed new and not yet written).
    pub synced: bool,
}

/// One cached case.
pub type Slot = Arc<Mutex<CaseEntry>>;

/// Locks a slot. A std mutex: held for in-memory work only, never across an await; a panic
/// while holding it leaves a consistent entry (every update is a whole step), so poisoning is
/// ignored.
pub fn lock(slot: &Slot) -> MutexGuard<'_, CaseEntry> {
    match slot.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A bounded map of case slots (oldest inserted evicted first).
#[derive(Debug)]
pub struct CaseCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    slots: HashMap<CaseId, Slot>,
    order: VecDeque<CaseId>,
}

impl CaseCache {
    /// A cache holding at most `capacity` cases.
    pub fn new(capacity: usize) -> Self {
        CaseCache {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut guard = match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// The slot of a case, if cached.
    pub fn slot(&self, case_id: &CaseId) -> Option<Slot> {
        self.with(|inner| inner.slots.get(case_id).cloned())
    }

    /// The slot of a case, made empty (unsynced) if not cached.
    pub fn slot_or_insert(&self, case_id: CaseId) -> Slot {
        let capacity = self.capacity;
        self.with(|inner| {
            if let Some(slot) = inner.slots.get(&case_id) {
                return slot.clone();
            }
            let slot = Slot::default();
            inner.slots.insert(case_id, slot.clone());
            inner.order.push_back(case_id);
            while inner.slots.len() > capacity {
                match inner.order.pop_front() {
                    Some(old) => {
                        inner.slots.remove(&old);
                    }
                    None => break,
                }
            }
            slot
        })
    }

    /// Replaces a case's entry with `entry` if it is further along.
    pub fn offer(&self, case_id: CaseId, entry: CaseEntry) {
        let slot = self.slot_or_insert(case_id);
        let mut current = lock(&slot);
        if !current.synced || entry.seen > current.seen {
            *current = entry;
        }
    }
}
