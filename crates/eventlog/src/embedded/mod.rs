//! The embedded backend: the log in a sled database inside the ombud process, for a bare
//! machine with no NATS. The event rows, keyed by global sequence, are the single source of
//! truth; the per-case index is derived from them and repaired on start-up, so no write ever
//! needs a multi-key transaction (sled 0.34.7's transactions and batches were seen to stall).
//! An append is durable on return (flushed; concurrent appends share flushes), and subscribers
//! are woken in-process when the durable head moves, never by polling.
//!
//! Appends that wait together are written together: the concurrency check, the sequence and
//! the queueing happen under one lock ([`writer`]), and each flush first writes the queue
//! (case index entries, then the events as group rows, [`rows`]), in order, so the log never
//! has a gap. An append
//! is acknowledged, and the head moves, once its flush (and so every sequence before it) is
//! done. Start-up still removes rows past a gap, which older versions (one row per event,
//! written side by side) could leave after a crash.
//!
//! Flushes go through one [`Flusher`]: sled 0.34.7 was seen here to hang forever in
//! `make_stable` when many `flush_async` calls ran at once (64 concurrent appenders), so
//! flushes are serialized (one at a time, each covering every write before it: group commit),
//! sled's own background flusher is off, and a flush that takes longer than the stall limit
//! fails the append loudly as `Unavailable` instead of hanging it.

mod case_index;
mod flusher;
mod keys;
mod privacy;
mod rows;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ombud_domain::CaseId;
use ombud_envelope::subject::parse_subject;
use ombud_envelope::StoredEvent;
use tokio::sync::mpsc;

pub use flusher::{FlushHook, Flusher};
pub use keys::SledKeyStore;
pub use privacy::{SledAccessLog, SledPersonIndex};

use crate::backend::{Backend, Outgoing, PublishFailure, Published, Subscription};
use crate::error::LogError;
use case_index::CaseIndex;
use rows::{encode_event, read_event, read_run};
use writer::Writer;

/// Settings of the embedded log.
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    /// The data directory (sled locks it: one process at a time).
    pub path: PathBuf,
    /// Largest event body accepted (JetStream's default max payload: 1 MiB).
    pub max_body_bytes: usize,
}

impl EmbeddedConfig {
    /// Defaults for a data directory.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        EmbeddedConfig {
            path: path.into(),
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// The sled-backed log.
#[derive(Debug)]
pub struct EmbeddedBackend {
    db: sled::Db,
    events: sled::Tree,
    index: Arc<CaseIndex>,
    /// The writer; it also holds the durable head, which its flushes move.
    writer: Arc<Writer>,
    flusher: Arc<Flusher>,
    max_body_bytes: usize,
    /// This process's lock on the data directory.
    _lock: std::fs::File,
}

fn storage(context: &str, error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> LogError {
    LogError::failed(context, error)
}

/// Checks the events after the case index's mark (those up to it were checked at an earlier
/// start): removes the rows past the first gap in the sequence, indexes the rest again (a
/// crash loses the entries not yet written out), and returns the last sequence left. Rows
/// past a gap were never acknowledged: an append is acknowledged only once every sequence
/// before it is written and flushed.
fn check_and_index(events: &sled::Tree, index: &CaseIndex) -> Result<u64, LogError> {
    let fail = |e: sled::Error| storage("checking the log at start-up", e);
    let mut reindex = index.reindex()?;
    let mut expected = reindex.after() + 1;
    let mut past_gap = Vec::new();
    rows::each_event_after(events, reindex.after(), |seq, row_key, subject| {
        let case = parse_subject(subject).map(|(case_id, _)| case_id);
        if let Some(case_id) = case {
            reindex.saw(case_id)?;
        }
        if past_gap.is_empty() && seq == expected {
            expected += 1;
            if let Some(case_id) = case {
                reindex.keep(seq, case_id)?;
            }
        } else {
            past_gap.push((seq, row_key.clone()));
        }
        Ok(())
    })?;
    reindex.finish(expected - 1)?;
    if let Some((first, _)) = past_gap.first() {
        tracing::warn!(
            gap = expected,
            removed = past_gap.len(),
            first_removed = first,
            "the embedded log had a gap after a crash; removing the unacknowledged rows past it"
        );
    }
    for (_, row_key) in past_gap {
        events.remove(row_key).map_err(fail)?;
    }
    Ok(expected - 1)
}

impl EmbeddedBackend {
    /// Opens (or creates) the log in `config.path`, repairing the case index from the event
    /// rows written since the last start.
    pub fn open(config: &EmbeddedConfig) -> Result<Self, LogError> {
        let lock = lock_directory(&config.path)?;
        let db = sled::Config::new()
            .path(&config.path)
            .flush_every_ms(None)
            .open()
            .map_err(|e| {
                storage(
                    &format!("opening the data directory {}", config.path.display()),
                    e,
                )
            })?;
        let events = db
            .open_tree("events")
            .map_err(|e| storage("opening events", e))?;
        let cases = db
            .open_tree("case_index")
            .map_err(|e| storage("opening case index", e))?;
        let meta = db
            .open_tree("meta")
            .map_err(|e| storage("opening meta", e))?;
        let index = Arc::new(CaseIndex::open(cases, meta)?);
        let last = check_and_index(&events, &index)?;
        db.flush().map_err(|e| storage("flushing", e))?;

        let writer = Arc::new(Writer::new(events.clone(), index.clone(), last));
        let flusher = Arc::new(Flusher::with_hook(db.clone(), writer.clone()));
        Ok(EmbeddedBackend {
            flusher,
            db,
            events,
            index,
            writer,
            max_body_bytes: config.max_body_bytes,
            _lock: lock,
        })
    }

    /// The sled database (the key store and read models live beside the log).
    pub fn db(&self) -> &sled::Db {
        &self.db
    }

    /// The one flusher of this database (share it: concurrent sled flushes can hang).
    pub fn flusher(&self) -> Arc<Flusher> {
        self.flusher.clone()
    }
}

/// Runs a short blocking sled read in place, telling a multi-threaded runtime to move its
/// other tasks off this worker meanwhile (no hand-off to another thread, so no wake-up cost:
/// measured, a `spawn_blocking` here cost more than the read). Inline elsewhere.
pub(crate) fn off_the_worker<T>(read: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(read),
        _ => read(),
    }
}

/// Runs a sled read on a blocking thread.
async fn off_the_runtime<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, LogError> + Send + 'static,
) -> Result<T, LogError> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|e| LogError::Storage(format!("a read of the embedded log failed: {e}")))?
}

/// Events a subscription reads per range scan.
const READ_RUN: u64 = 512;

/// Runs shorter than this a subscription reads in place, not on a blocking thread.
const INLINE_RUN: u64 = 64;

/// Takes the data directory for this process: one ombud at a time (sled's own lock would say
/// so only in the text of an error), held as long as the returned file is.
fn lock_directory(path: &Path) -> Result<std::fs::File, LogError> {
    std::fs::create_dir_all(path).map_err(|e| {
        storage(
            &format!("creating the data directory {}", path.display()),
            e,
        )
    })?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.join(LOCK_FILE))
        .map_err(|e| storage(&format!("opening {}", path.join(LOCK_FILE).display()), e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(LogError::Storage(format!(
            "the data directory {} is in use by another process (is `ombud serve` running?)",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(storage(
            &format!("locking the data directory {}", path.display()),
            e,
        )),
    }
}

/// The file whose lock says which process has the data directory.
const LOCK_FILE: &str = "ombud.lock";

impl Backend for EmbeddedBackend {
    /// A row that could not be written, or a failed flush (sled keeps the first I/O error and
    /// fails every later write): the log must be opened again.
    fn failure(&self) -> Option<String> {
        self.writer.failure().or_else(|| self.flusher.failure())
    }

    async fn publish(&self, message: Outgoing) -> Result<Published, PublishFailure> {
        self.writer.refuse_if_broken()?;
        // The index is keyed by the message's case and its readers check the case in the
        // subject: the two must agree, or the case's history would lose the event.
        if parse_subject(&message.subject).map(|(case_id, _)| case_id) != Some(message.case_id) {
            return Err(PublishFailure::Failed(LogError::Storage(format!(
                "refused to append {}: its subject does not name case {}",
                message.subject, message.case_id
            ))));
        }
        if message.subject.len() > rows::MAX_SUBJECT_BYTES
            || message.mac.len() > rows::MAX_MARK_BYTES
        {
            return Err(PublishFailure::Failed(LogError::Storage(format!(
                "refused to append to case {}: its subject ({} bytes) or mark ({} bytes) is \
                 longer than an event row holds ({} and {})",
                message.case_id,
                message.subject.len(),
                message.mac.len(),
                rows::MAX_SUBJECT_BYTES,
                rows::MAX_MARK_BYTES
            ))));
        }
        // An empty mark is no mark (the event then reads as unmarked).
        let mac = Some(message.mac.as_str()).filter(|m| !m.is_empty());
        let event = encode_event(&message.subject, &message.hash, mac, &message.body);
        let seq = self
            .writer
            .append(message.case_id, message.expected_last_seq, event)?;

        // Durable before acknowledged, and so is every sequence before it: the flush that
        // covers this ticket writes the queue (this event and all before it) and then flushes.
        // The flush is asked for here, before the first await: an append dropped from now on
        // (its caller gone) still has its event written, without waiting for the next append.
        self.flusher.wrote();
        self.flusher.flush().await.map_err(PublishFailure::Failed)?;
        Ok(Published {
            stream_seq: seq,
            duplicate: false,
        })
    }

    async fn read_case(&self, case_id: CaseId, after: u64) -> Result<Vec<StoredEvent>, LogError> {
        // Only durable events: an entry past the head is not flushed yet (or is a crash's
        // leftover from an older version).
        let head = *self.writer.durable().borrow();
        // sled reads block: off the async workers (a long case must not stall other requests).
        let (index, events) = (self.index.clone(), self.events.clone());
        off_the_runtime(move || {
            let mut out = Vec::new();
            for seq in index.seqs(case_id, after, head)? {
                // Below the head the log has no gap, so the row is there; an entry a crash
                // left without its row (older versions) has had its sequence given to another
                // case since.
                let event = read_event(&events, seq)?;
                if parse_subject(&event.subject).is_some_and(|(case, _)| case == case_id) {
                    out.push(event);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn read_range(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, LogError> {
        let head = *self.writer.durable().borrow();
        let from = after.saturating_add(1);
        if limit == 0 || from > head {
            return Ok(Vec::new());
        }
        let to = head.min(from.saturating_add(u64::try_from(limit).unwrap_or(u64::MAX) - 1));
        let events = self.events.clone();
        off_the_runtime(move || read_run(&events, from, to).into_iter().collect()).await
    }

    async fn subscribe(&self, after: u64) -> Result<Subscription, LogError> {
        let (tx, rx) = mpsc::channel(crate::SUBSCRIPTION_BUFFER);
        let mut durable = self.writer.durable().subscribe();
        let events = self.events.clone();
        let task = tokio::spawn(async move {
            let mut next = after.saturating_add(1);
            loop {
                let head = *durable.borrow_and_update();
                while next <= head {
                    // Read a run of rows with one range scan (not a lookup per event), then
                    // hand them over; a gap in the sequence is reported, not skipped.
                    let (from, to, tree) = (next, head.min(next + READ_RUN - 1), events.clone());
                    // A short run right behind the head is in sled's cache: read in place
                    // (a blocking thread's wake-up per flush cost more than the read).
                    let chunk = if to - from < INLINE_RUN {
                        Ok(read_run(&tree, from, to))
                    } else {
                        tokio::task::spawn_blocking(move || read_run(&tree, from, to)).await
                    };
                    let Ok(chunk) = chunk else {
                        let _ = tx
                            .send(Err(LogError::Storage("a log read task failed".into())))
                            .await;
                        return;
                    };
                    for row in chunk {
                        let failed = row.is_err();
                        if tx.send(row).await.is_err() || failed {
                            return;
                        }
                        next += 1;
                    }
                }
                if durable.changed().await.is_err() {
                    return;
                }
            }
        });
        Ok(Subscription::new(rx, task))
    }

    async fn head(&self) -> Result<u64, LogError> {
        Ok(*self.writer.durable().borrow())
    }

    fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use ombud_envelope::Sha256Hash;

    use super::*;
    use case_index::case_key;

    #[test]
    fn a_data_directory_in_use_is_refused_and_other_failures_keep_their_cause() {
        let dir = std::env::temp_dir().join(format!("ombud-lock-{}", std::process::id()));
        let first = EmbeddedBackend::open(&EmbeddedConfig::new(&dir)).unwrap();
        match EmbeddedBackend::open(&EmbeddedConfig::new(&dir)) {
            Err(LogError::Storage(why)) => assert!(why.contains("in use"), "{why}"),
            other => panic!("a second open must be refused: {other:?}"),
        }
        drop(first);
        let file = dir.join("a-file");
        std::fs::write(&file, b"not a directory").unwrap();
        let e = EmbeddedBackend::open(&EmbeddedConfig::new(&file))
            .err()
            .unwrap();
        assert!(matches!(e, LogError::Failed { .. }), "{e:?}");
        assert!(
            std::error::Error::source(&e).is_some(),
            "the cause is kept: {e:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn new_case() -> CaseId {
        CaseId::from_uuid(uuid::Uuid::now_v7())
    }

    fn outgoing(case_id: CaseId, expected_last_seq: u64, n: u64) -> Outgoing {
        let body = format!("{{\"n\":{n}}}").into_bytes();
        Outgoing {
            case_id,
            subject: format!("ombud.case.{case_id}.noted"),
            hash: Sha256Hash::of(&body),
            mac: "k:AAAA".into(),
            body: body.into(),
            msg_id: format!("{case_id}:{n}"),
            expected_last_seq,
        }
    }

    /// Appends that wait together share group rows, and every one of them is acknowledged
    /// once, in one gap-free order that reads back alike by sequence, by run and by case.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_share_group_rows_and_read_back_in_order() {
        let dir = ombud_testkit::TempDir::new("embedded-groups").unwrap();
        let backend = Arc::new(EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap());
        // Fewer writers than a spill's entries, so that every spill holds some case twice
        // (and must share its row); how many share a flush is left to timing, as in use.
        let (writers, each) = (12u64, 50u64);
        assert!(writers < case_index::SPILL_ENTRIES as u64);
        let mut tasks = Vec::new();
        for _ in 0..writers {
            let backend = backend.clone();
            tasks.push(tokio::spawn(async move {
                let case = new_case();
                let mut last = 0;
                let mut seqs = Vec::new();
                for n in 0..each {
                    last = backend
                        .publish(outgoing(case, last, n))
                        .await
                        .unwrap()
                        .stream_seq;
                    seqs.push(last);
                }
                (case, seqs)
            }));
        }
        let mut cases = Vec::new();
        for task in tasks {
            cases.push(task.await.unwrap());
        }
        let total = writers * each;
        let mut all: Vec<u64> = cases.iter().flat_map(|(_, seqs)| seqs.clone()).collect();
        all.sort_unstable();
        assert_eq!(all, (1..=total).collect::<Vec<_>>(), "each sequence once");
        assert_eq!(backend.head().await.unwrap(), total);

        let rows = backend.events.len() as u64;
        assert!(
            rows < total / 2,
            "{rows} rows for {total} events: the waiting appends did not share rows"
        );
        // The index was written out in spills, a case's entries of one spill to a row, and
        // its last entries may still be in memory: reads below see both.
        let (stored, mark) = (
            backend.index.stored_rows(),
            backend.index.stored_up_to().unwrap(),
        );
        assert!(mark > 0 && mark <= total, "mark {mark}");
        assert!(
            stored < mark as usize,
            "{stored} stored index rows for {mark} entries: a spill did not share rows"
        );
        for row in backend.events.iter() {
            let (key, value) = row.unwrap();
            assert!(value.len() <= rows::GROUP_BYTES + 1024, "row at {key:?}");
        }

        let read = backend.read_range(0, usize::MAX).await.unwrap();
        let seqs: Vec<u64> = read.iter().map(|e| e.stream_seq).collect();
        assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
        let mut sub = backend.subscribe(0).await.unwrap();
        for seq in 1..=total {
            assert_eq!(sub.next().await.unwrap().unwrap().stream_seq, seq);
        }
        for (case, seqs) in &cases {
            for after in [total, total + 5] {
                assert!(backend.read_case(*case, after).await.unwrap().is_empty());
            }
            let events = backend.read_case(*case, 0).await.unwrap();
            let read: Vec<u64> = events.iter().map(|e| e.stream_seq).collect();
            assert_eq!(&read, seqs);
            assert_eq!(events[3].body, b"{\"n\":3}");
        }
    }

    /// An append dropped after queueing its event (its caller gone) while another flush
    /// runs: nothing else is appended, yet the event is written, flushed and visible.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_append_is_written_and_visible_without_another_append() {
        use std::future::Future;
        use std::task::{Context, Poll, Waker};

        let dir = ombud_testkit::TempDir::new("embedded-dropped").unwrap();
        let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap();
        let case = new_case();
        let running = backend.flusher.hold_turn();
        let mut dropped = Box::pin(backend.publish(outgoing(case, 0, 1)));
        let first = dropped
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(
            matches!(first, Poll::Pending),
            "it waits for the running flush"
        );
        drop(dropped);
        drop(running);

        let mut head = backend.writer.durable().subscribe();
        tokio::time::timeout(Duration::from_secs(5), head.wait_for(|h| *h >= 1))
            .await
            .expect("the dropped append's event becomes durable")
            .unwrap();
        let events = backend.read_case(case, 0).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(backend.read_range(0, 10).await.unwrap(), events);
        let mut sub = backend.subscribe(0).await.unwrap();
        assert_eq!(sub.next().await.unwrap().unwrap(), events[0]);
    }

    /// A data directory as an older ombud leaves it after a crash: case `old` with events 1
    /// and 2 in single rows (one per event, under the bare sequence), and case index entries
    /// for 3 (`old`) and 4 (`lost`) whose rows never became durable.
    fn older_directory_after_a_crash(dir: &Path) -> (CaseId, CaseId) {
        let (old, lost) = (new_case(), new_case());
        let db = sled::open(dir).unwrap();
        let (events, index) = (
            db.open_tree("events").unwrap(),
            db.open_tree("case_index").unwrap(),
        );
        for seq in 1..=2u64 {
            let out = outgoing(old, seq - 1, seq);
            let row = encode_event(&out.subject, &out.hash, Some(out.mac.as_str()), &out.body);
            events.insert(rows::seq_key(seq), row).unwrap();
            index.insert(case_key(old, seq), &[]).unwrap();
        }
        index.insert(case_key(old, 3), &[]).unwrap();
        index.insert(case_key(lost, 4), &[]).unwrap();
        db.flush().unwrap();
        drop((events, index, db));
        ombud_testkit::wait_for_sled_release(dir);
        (old, lost)
    }

    /// Asserts that `message` is refused as bad input, saying `why`.
    async fn assert_refused(backend: &EmbeddedBackend, message: Outgoing, why: &str) {
        match backend.publish(message).await {
            Err(PublishFailure::Failed(LogError::Storage(said))) => {
                assert!(said.contains(why), "{said}")
            }
            other => panic!("must be refused: {other:?}"),
        }
    }

    /// The sequence an append that must succeed got.
    async fn appended(backend: &EmbeddedBackend, message: Outgoing) -> u64 {
        backend.publish(message).await.unwrap().stream_seq
    }

    fn seqs(events: Vec<StoredEvent>) -> Vec<u64> {
        events.iter().map(|e| e.stream_seq).collect()
    }

    /// Right after such a start, the entries without rows are passed over: the cases read
    /// as they are and take their next events at the right positions.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn index_entries_without_rows_are_passed_over_before_their_sequence_is_reused() {
        let dir = ombud_testkit::TempDir::new("embedded-stale").unwrap();
        let (old, lost) = older_directory_after_a_crash(dir.path());
        let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap();
        assert_eq!(backend.head().await.unwrap(), 2);
        assert_eq!(seqs(backend.read_case(old, 0).await.unwrap()), [1, 2]);
        assert!(backend.read_case(lost, 0).await.unwrap().is_empty());
        assert!(matches!(
            backend.publish(outgoing(old, 3, 9)).await,
            Err(PublishFailure::WrongLastSequence)
        ));
        assert_eq!(appended(&backend, outgoing(old, 2, 3)).await, 3);
        assert!(matches!(
            backend.publish(outgoing(lost, 4, 9)).await,
            Err(PublishFailure::WrongLastSequence)
        ));
        assert_eq!(appended(&backend, outgoing(lost, 0, 4)).await, 4);
        assert_eq!(seqs(backend.read_case(old, 0).await.unwrap()), [1, 2, 3]);
        assert_eq!(seqs(backend.read_case(lost, 0).await.unwrap()), [4]);
    }

    /// A message whose subject names another case than the one it is appended to, or whose
    /// subject or mark is too long for a row, is refused, and nothing is written.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_subject_that_does_not_name_the_case_is_refused() {
        let dir = ombud_testkit::TempDir::new("embedded-subject").unwrap();
        let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap();
        let (case, other) = (new_case(), new_case());
        for subject in [
            format!("ombud.case.{other}.noted"),
            "ombud.case.x".to_owned(),
        ] {
            let mut message = outgoing(case, 0, 1);
            message.subject = subject;
            assert_refused(&backend, message, "does not name case").await;
        }
        // Too long for a row: refused, not cut short or stored without its mark.
        let mut long_subject = outgoing(case, 0, 1);
        long_subject.subject = format!("ombud.case.{case}.{}", "x".repeat(rows::MAX_SUBJECT_BYTES));
        let mut long_mark = outgoing(case, 0, 1);
        long_mark.mac = "k".repeat(rows::MAX_MARK_BYTES + 1);
        for message in [long_subject, long_mark] {
            assert_refused(&backend, message, "longer than an event row holds").await;
        }
        assert_eq!(backend.head().await.unwrap(), 0);
        assert!(backend.read_case(case, 0).await.unwrap().is_empty());
        assert_eq!(appended(&backend, outgoing(case, 0, 1)).await, 1);
    }

    /// A data directory written before group rows (one row per event under its bare
    /// sequence) reads as before, and appends go on after it; a case index entry whose row a
    /// crash lost is passed over, also once its sequence belongs to another case.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn single_rows_of_older_versions_and_entries_without_rows_are_read_right() {
        let dir = ombud_testkit::TempDir::new("embedded-legacy").unwrap();
        let (old, lost) = older_directory_after_a_crash(dir.path());
        let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap();
        assert_eq!(backend.head().await.unwrap(), 2);
        let other = new_case();
        for (expected, seq) in [(0, 3), (3, 4)] {
            let published = backend
                .publish(outgoing(other, expected, seq))
                .await
                .unwrap();
            assert_eq!(published.stream_seq, seq);
        }
        assert_eq!(seqs(backend.read_case(old, 0).await.unwrap()), [1, 2]);
        assert!(backend.read_case(lost, 0).await.unwrap().is_empty());
        assert_eq!(seqs(backend.read_case(other, 0).await.unwrap()), [3, 4]);
        // The concurrency check passes over the stale entries too.
        assert!(matches!(
            backend.publish(outgoing(old, 3, 9)).await,
            Err(PublishFailure::WrongLastSequence)
        ));
        for (case, expected, seq) in [(old, 2, 5), (lost, 0, 6)] {
            let published = backend
                .publish(outgoing(case, expected, seq))
                .await
                .unwrap();
            assert_eq!(published.stream_seq, seq);
        }
        assert_eq!(seqs(backend.read_case(old, 0).await.unwrap()), [1, 2, 5]);
        let all = backend.read_range(0, 100).await.unwrap();
        assert_eq!(seqs(all.clone()), [1, 2, 3, 4, 5, 6]);
        assert_eq!(all[1].mac.as_deref(), Some("k:AAAA"));
        assert_eq!(all[1].body, b"{\"n\":2}");
    }

    /// The entries still in memory at a stop (here: the process gone without writing them
    /// out) are indexed again at the next start, from the rows: every case reads whole and
    /// takes its next event at the right position.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_in_memory_at_a_stop_are_indexed_again_at_the_next_start() {
        let dir = ombud_testkit::TempDir::new("embedded-reindex").unwrap();
        let mut written = Vec::new();
        {
            let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap();
            // More than a spill's worth, over interleaved cases, ending between spills.
            let cases: Vec<CaseId> = (0..5).map(|_| new_case()).collect();
            let mut last = vec![0u64; cases.len()];
            for n in 0..(case_index::SPILL_ENTRIES as u64 * 2 + 3) {
                let at = (n % cases.len() as u64) as usize;
                last[at] = appended(&backend, outgoing(cases[at], last[at], n)).await;
            }
            let mark = backend.index.stored_up_to().unwrap();
            let head = backend.head().await.unwrap();
            assert!(
                mark > 0 && mark < head,
                "some entries are only in memory: {mark} of {head}"
            );
            for (case, last) in cases.iter().zip(&last) {
                written.push((
                    *case,
                    seqs(backend.read_case(*case, 0).await.unwrap()),
                    *last,
                ));
            }
        }
        ombud_testkit::wait_for_sled_release(dir.path());
        let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap();
        let head = backend.head().await.unwrap();
        assert_eq!(backend.index.stored_up_to().unwrap(), head);
        for (case, before, last) in &written {
            assert_eq!(&seqs(backend.read_case(*case, 0).await.unwrap()), before);
            let tail: Vec<u64> = before.iter().copied().filter(|s| *s > before[3]).collect();
            assert_eq!(
                seqs(backend.read_case(*case, before[3]).await.unwrap()),
                tail
            );
            assert!(matches!(
                backend.publish(outgoing(*case, last - 1, 99)).await,
                Err(PublishFailure::WrongLastSequence)
            ));
            assert_eq!(
                appended(&backend, outgoing(*case, *last, 99)).await,
                head + 1 + written.iter().position(|(c, ..)| c == case).unwrap() as u64
            );
        }
    }

    /// A spill a crash cut short can leave stored rows past the mark that the next start's
    /// rows would overlap (a row that starts later but holds less); the start removes them,
    /// so a read from the middle of the case still finds every later event.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_a_cut_short_spill_left_past_the_mark_are_replaced_at_start() {
        let dir = ombud_testkit::TempDir::new("embedded-cut-spill").unwrap();
        let case = new_case();
        {
            let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap();
            for n in 0..4 {
                appended(&backend, outgoing(case, n, n)).await;
            }
        }
        ombud_testkit::wait_for_sled_release(dir.path());
        {
            let db = sled::open(dir.path()).unwrap();
            let (index, meta) = (
                db.open_tree("case_index").unwrap(),
                db.open_tree("meta").unwrap(),
            );
            // The mark back at the start, and a row from a spill that held event 3 alone.
            meta.insert(b"indexed_up_to", &rows::seq_key(0)).unwrap();
            index
                .insert(case_key(case, 2), &3u64.to_be_bytes())
                .unwrap();
            db.flush().unwrap();
        }
        ombud_testkit::wait_for_sled_release(dir.path());
        let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap();
        assert_eq!(
            seqs(backend.read_case(case, 0).await.unwrap()),
            [1, 2, 3, 4]
        );
        assert_eq!(seqs(backend.read_case(case, 2).await.unwrap()), [3, 4]);
        assert_eq!(appended(&backend, outgoing(case, 4, 5)).await, 5);
    }
}
