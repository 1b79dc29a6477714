//! Recently used cases: their folded state, verified chain head and idempotency keys, so a
//! warm case is decided on without reading the log again. A stale entry is harmless: the
//! log's optimistic concurrency rejects an append decided on it, and the entry is then caught
//! up from the log. Entries only ever move forward.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use ombud_domain::{CaseId, CaseState, IdempotencyKey};
use ombud_envelope::{ChainHead, Sha256Hash};

use crate::log::Receipt;

/// What an idempotency key recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRecord {
    /// Hash of the command the key was first used with.
    pub command_hash: Sha256Hash,
    /// Where its event landed.
    pub receipt: Receipt,
}

/// One case as known to this process.
#[derive(Debug, Clone, Default)]
pub struct CaseEntry {
    /// Folded state.
    pub state: CaseState,
    /// Verified chain head.
    pub head: ChainHead,
    /// Every idempotency key in the case's history.
    pub keys: HashMap<IdempotencyKey, KeyRecord>,
}

/// A bounded map of case entries (oldest inserted evicted first).
#[derive(Debug)]
pub struct CaseCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<CaseId, CaseEntry>,
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

    // A std mutex: held for map operations only, never across an await.
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut guard = match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// The entry of a case, if cached.
    pub fn get(&self, case_id: &CaseId) -> Option<CaseEntry> {
        self.with(|inner| inner.entries.get(case_id).cloned())
    }

    /// Stores an entry unless a newer one is cached already.
    pub fn put(&self, case_id: CaseId, entry: CaseEntry) {
        let capacity = self.capacity;
        self.with(|inner| {
            match inner.entries.get(&case_id) {
                Some(existing) if existing.head.case_seq >= entry.head.case_seq => return,
                Some(_) => {}
                None => inner.order.push_back(case_id),
            }
            inner.entries.insert(case_id, entry);
            while inner.entries.len() > capacity {
                match inner.order.pop_front() {
                    Some(old) => {
                        inner.entries.remove(&old);
                    }
                    None => break,
                }
            }
        });
    }

    /// Number of cached cases.
    pub fn len(&self) -> usize {
        self.with(|inner| inner.entries.len())
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
