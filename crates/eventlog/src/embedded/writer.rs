//! The embedded log's one writer: the concurrency check, the choice of sequences, and the
//! writing of queued events as group rows ([`super::rows`]), whose case index entries it then
//! hands to the [`CaseIndex`].
//!
//! An append takes its sequence and queues its encoded event under one lock (the concurrency
//! check included), so the queue always holds the sequences just above the written
//! watermark, in order. The queue is written by the flush that makes it durable, at its start
//! ([`FlushHook`]): the events as group rows, then their case index entries. The events
//! that arrived while the previous flush ran share group rows, flushes run one at a time so
//! groups are written in order, and the log never has a gap.
//! The flush then moves the durable head, so an event is visible (to subscribers and reads)
//! once durable, whether or not its append is still there to see it through.
//!
//! Older versions wrote an index entry before its event's row, so a crash could leave an
//! entry whose row never became durable (its sequence may since belong to another case).
//! Readers therefore check each entry against its row ([`CaseIndex::last`], the backend's
//! `read_case`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use ombud_domain::CaseId;
use tokio::sync::watch;

use super::case_index::CaseIndex;
use super::rows::{encode_group, group_key, GROUP_BYTES};
use super::FlushHook;
use crate::backend::PublishFailure;
use crate::error::LogError;

/// How many cases' last sequences the writer remembers before starting over.
const LAST_SEQ_MEMORY: usize = 100_000;

/// The writer of one embedded log.
#[derive(Debug)]
pub(super) struct Writer {
    events: sled::Tree,
    index: Arc<CaseIndex>,
    state: Mutex<State>,
    /// The written watermark: every row up to it is written (flushed or not).
    written: watch::Sender<u64>,
    /// The durable head: every row up to it is written and flushed.
    durable: watch::Sender<u64>,
    /// Set when a write failed: the sequences it held are a gap nothing can fill, so the log
    /// refuses appends until a restart.
    broken: Mutex<Option<String>>,
}

#[derive(Debug)]
struct State {
    next: u64,
    /// The last sequence of recently written cases (so the concurrency check does not scan
    /// the index on every append).
    last_of_case: HashMap<CaseId, u64>,
    /// Events that have their sequence and wait to be written (by the next flush), in order.
    queue: Vec<(u64, CaseId, Vec<u8>)>,
}

/// A std mutex's guard, poisoned or not (these locks are held for a few map operations and
/// sled inserts, never across an await).
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Writer {
    /// The writer of a log whose last written sequence is `last`.
    pub fn new(events: sled::Tree, index: Arc<CaseIndex>, last: u64) -> Self {
        Writer {
            events,
            index,
            state: Mutex::new(State {
                next: last + 1,
                last_of_case: HashMap::new(),
                queue: Vec::new(),
            }),
            written: watch::channel(last).0,
            durable: watch::channel(last).0,
            broken: Mutex::new(None),
        }
    }

    /// The durable head.
    pub fn durable(&self) -> &watch::Sender<u64> {
        &self.durable
    }

    /// Why the writer stopped, if it did.
    pub fn failure(&self) -> Option<String> {
        locked(&self.broken).clone()
    }

    /// Refuses an append once a write has failed.
    pub fn refuse_if_broken(&self) -> Result<(), PublishFailure> {
        match self.failure() {
            Some(why) => Err(PublishFailure::Failed(LogError::Unavailable {
                reason: why,
            })),
            None => Ok(()),
        }
    }

    fn stop(&self, why: String) -> String {
        tracing::error!("{why}");
        locked(&self.broken).get_or_insert(why).clone()
    }

    /// Takes the next sequence for an event of `case_id` whose last sequence must be
    /// `expected`, and queues the event for the next flush. Returns the sequence.
    pub fn append(
        &self,
        case_id: CaseId,
        expected: u64,
        event: Vec<u8>,
    ) -> Result<u64, PublishFailure> {
        let mut state = locked(&self.state);
        let last = match state.last_of_case.get(&case_id) {
            Some(last) => *last,
            // A sled read (a case not in memory: every report), done in place: sled's cache
            // almost always answers it, and handing the worker thread to the runtime's other
            // tasks meanwhile (`block_in_place`) measured slower (about 20 µs a report, and
            // 40,000 against 56,000 pipelined appends a second).
            None => self
                .index
                .last(case_id, &self.events)
                .map_err(PublishFailure::Failed)?,
        };
        if last != expected {
            return Err(PublishFailure::WrongLastSequence);
        }
        let seq = state.next;
        state.next += 1;
        if state.last_of_case.len() >= LAST_SEQ_MEMORY {
            // Forget only cases whose rows are all written: a case with an event in the queue
            // must not fall back to an index that lacks it (its entry is added once its row
            // is written).
            let written = *self.written.borrow();
            state.last_of_case.retain(|_, last| *last > written);
        }
        state.last_of_case.insert(case_id, seq);
        state.queue.push((seq, case_id, event));
        Ok(seq)
    }

    /// Writes the queued events as group rows, adds their case index entries, and moves the
    /// written watermark past them; returns it. A failure stops the log.
    fn write_queued(&self) -> Result<u64, String> {
        if let Some(why) = self.failure() {
            return Err(why);
        }
        let queue = std::mem::take(&mut locked(&self.state).queue);
        let (Some((first, ..)), Some((last, ..))) = (queue.first(), queue.last()) else {
            return Ok(*self.written.borrow());
        };
        // The queue is out of the writer now: if this panics half-way (in sled, say), its
        // events are a gap, and the log must stop rather than write past it.
        let mut unfinished = StopIfUnfinished(Some(self));
        let (first, last) = (*first, *last);
        let mut start = 0;
        while start < queue.len() {
            let mut end = start + 1;
            let mut bytes = queue[start].2.len();
            while end < queue.len() && bytes + queue[end].2.len() <= GROUP_BYTES {
                bytes += queue[end].2.len();
                end += 1;
            }
            let group = &queue[start..end];
            let row = encode_group(group.iter().map(|(.., event)| event.as_slice()));
            if let Err(e) = self.events.insert(group_key(group[0].0), row) {
                return Err(self.stop(format!(
                    "writing events {first}..={last} failed ({e}); the embedded log refuses \
                     appends until ombud restarts and repairs it"
                )));
            }
            start = end;
        }
        if let Err(e) = self
            .index
            .add(queue.iter().map(|(seq, case_id, _)| (*seq, *case_id)))
        {
            return Err(self.stop(format!(
                "writing the case index up to event {last} failed ({e}); the embedded log \
                 refuses appends until ombud restarts"
            )));
        }
        raise(&self.written, last);
        unfinished.0 = None;
        Ok(last)
    }
}

/// Stops the writer when dropped armed (a write that did not finish).
struct StopIfUnfinished<'a>(Option<&'a Writer>);

impl Drop for StopIfUnfinished<'_> {
    fn drop(&mut self) {
        if let Some(writer) = self.0.take() {
            writer.stop(
                "writing queued events did not finish; the embedded log refuses appends until \
                 ombud restarts and repairs it"
                    .to_owned(),
            );
        }
    }
}

impl FlushHook for Writer {
    fn write(&self) -> Result<u64, String> {
        self.write_queued()
    }

    fn flushed(&self, mark: u64) {
        raise(&self.durable, mark);
    }
}

/// Moves a watermark up to `to` (never down: flushes and writes end one after another, but
/// their announcements may cross).
fn raise(mark: &watch::Sender<u64>, to: u64) {
    mark.send_if_modified(|at| {
        let moved = to > *at;
        *at = (*at).max(to);
        moved
    });
}
