//! The embedded backend: the log in a sled database inside the ombud process, for a bare
//! machine with no NATS. The event row, keyed by global sequence, is the single source of
//! truth; the per-case index is derived from it and repaired on start-up, so no write ever
//! needs a multi-key transaction (sled 0.34.7's transactions and batches were seen to stall).
//! An append is durable on return (flushed; concurrent appends share flushes), and subscribers
//! are woken in-process when the durable head moves, never by polling.
//!
//! Only the concurrency check and the choice of sequence are serialized; appends to different
//! cases then write their rows side by side. So rows can land out of order for a moment: an
//! append is acknowledged, and the head moves, only once every sequence up to its own is
//! written and flushed (the contiguous watermark). Rows past a gap were never acknowledged;
//! start-up removes them (a crash between two writers' inserts can leave one).
//!
//! Flushes go through one [`Flusher`]: sled 0.34.7 was seen here to hang forever in
//! `make_stable` when many `flush_async` calls ran at once (64 concurrent appenders), so
//! flushes are serialized (one at a time, each covering every write before it: group commit),
//! sled's own background flusher is off, and a flush that takes longer than the stall limit
//! fails the append loudly as `Unavailable` instead of hanging it.

mod flusher;
mod keys;
mod privacy;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ombud_domain::CaseId;
use ombud_envelope::subject::parse_subject;
use ombud_envelope::{Sha256Hash, StoredEvent};
use tokio::sync::{mpsc, watch};

pub use flusher::Flusher;
pub use keys::SledKeyStore;
pub use privacy::{SledAccessLog, SledPersonIndex};

use crate::backend::{Backend, Outgoing, PublishFailure, Published, Subscription};
use crate::error::LogError;

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
    cases: sled::Tree,
    writer: Mutex<Writer>,
    /// Sequences whose rows are written above the watermark, out of order (moved only while
    /// this lock is held).
    written_ahead: Mutex<std::collections::BTreeSet<u64>>,
    /// The contiguous watermark: every row up to it is written (appends above a gap wait on it).
    written_upto: watch::Sender<u64>,
    /// Set when writing a row failed: the sequence it held is a gap nothing can fill, so the
    /// log refuses appends until a restart removes the rows past it.
    broken: Mutex<Option<String>>,
    /// The durable head: every sequence up to it is written and flushed.
    durable: watch::Sender<u64>,
    flusher: std::sync::Arc<Flusher>,
    max_body_bytes: usize,
    /// This process's lock on the data directory.
    _lock: std::fs::File,
}

const INDEXED_UP_TO: &[u8] = b"indexed_up_to";

/// How many cases' last sequences the writer remembers before starting over.
const LAST_SEQ_MEMORY: usize = 100_000;

/// The single writer's state: the next global sequence, and the last sequence of recently
/// written cases (so the concurrency check does not scan the index on every append).
#[derive(Debug)]
struct Writer {
    next: u64,
    last_of_case: std::collections::HashMap<CaseId, u64>,
}

/// A std mutex's guard, poisoned or not (these locks are held for a few map operations and
/// never across an await).
fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn storage(context: &str, error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> LogError {
    LogError::failed(context, error)
}

fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

fn case_key(case_id: CaseId, seq: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(case_id.as_uuid().as_bytes());
    key[16..].copy_from_slice(&seq.to_be_bytes());
    key
}

fn key_seq(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

/// Set in a row's subject length when the row carries a mark (rows written before ombud
/// marked its events do not).
const MARKED: u16 = 0x8000;

/// Row layout: 32-byte hash, 2-byte subject length (high bit: a mark follows), subject, then
/// for a marked row a 1-byte mark length and the `Ombud-Mac` value, then the body.
fn encode_row(subject: &str, hash: &Sha256Hash, mac: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mac = mac.filter(|m| m.len() <= usize::from(u8::MAX));
    let mut row = Vec::with_capacity(35 + subject.len() + mac.map_or(0, str::len) + body.len());
    row.extend_from_slice(&hash.0);
    let flag = if mac.is_some() { MARKED } else { 0 };
    row.extend_from_slice(&((subject.len() as u16) | flag).to_be_bytes());
    row.extend_from_slice(subject.as_bytes());
    if let Some(mac) = mac {
        row.push(mac.len() as u8);
        row.extend_from_slice(mac.as_bytes());
    }
    row.extend_from_slice(body);
    row
}

fn decode_row(seq: u64, row: &[u8]) -> Result<StoredEvent, LogError> {
    let bad = || LogError::Storage(format!("event row {seq} is malformed"));
    let hash: [u8; 32] = row
        .get(..32)
        .ok_or_else(bad)?
        .try_into()
        .map_err(|_| bad())?;
    let len = u16::from_be_bytes(
        row.get(32..34)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?,
    );
    let subject_end = 34 + usize::from(len & !MARKED);
    let subject =
        std::str::from_utf8(row.get(34..subject_end).ok_or_else(bad)?).map_err(|_| bad())?;
    let (mac, body_start) = if len & MARKED != 0 {
        let mac_len = usize::from(*row.get(subject_end).ok_or_else(bad)?);
        let mac_end = subject_end + 1 + mac_len;
        let mac = std::str::from_utf8(row.get(subject_end + 1..mac_end).ok_or_else(bad)?)
            .map_err(|_| bad())?;
        (Some(mac.to_owned()), mac_end)
    } else {
        (None, subject_end)
    };
    Ok(StoredEvent {
        stream_seq: seq,
        subject: subject.to_owned(),
        hash: Some(Sha256Hash(hash).to_hex()),
        mac,
        body: row.get(body_start..).ok_or_else(bad)?.to_vec(),
    })
}

/// Removes the rows past the first gap in the sequence after `checked` (rows up to it were
/// checked at an earlier start), with their case-index entries, and returns the last sequence
/// left. Such rows were never acknowledged: an append is acknowledged only once every
/// sequence before it is written and flushed.
fn remove_rows_past_a_gap(
    events: &sled::Tree,
    cases: &sled::Tree,
    checked: u64,
) -> Result<u64, LogError> {
    let fail = |e: sled::Error| storage("checking the log for gaps", e);
    let mut expected = checked + 1;
    let mut past_gap = Vec::new();
    for item in events.range(seq_key(checked + 1)..) {
        let (key, row) = item.map_err(fail)?;
        let seq = key_seq(&key).unwrap_or(0);
        if past_gap.is_empty() && seq == expected {
            expected += 1;
        } else {
            past_gap.push((seq, decode_row(seq, &row)?.subject));
        }
    }
    if let Some((first, _)) = past_gap.first() {
        tracing::warn!(
            gap = expected,
            removed = past_gap.len(),
            first_removed = first,
            "the embedded log had a gap after a crash; removing the unacknowledged rows past it"
        );
    }
    for (seq, subject) in past_gap {
        if let Some((case_id, _)) = parse_subject(&subject) {
            cases.remove(case_key(case_id, seq)).map_err(fail)?;
        }
        events.remove(seq_key(seq)).map_err(fail)?;
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

        let indexed = meta
            .get(INDEXED_UP_TO)
            .map_err(|e| storage("reading meta", e))?
            .and_then(|v| key_seq(&v))
            .unwrap_or(0);
        let last = remove_rows_past_a_gap(&events, &cases, indexed)?;
        for item in events.range(seq_key(indexed + 1)..) {
            let (key, row) = item.map_err(|e| storage("repairing the case index", e))?;
            let seq = key_seq(&key).unwrap_or(0);
            let stored = decode_row(seq, &row)?;
            if let Some((case_id, _)) = parse_subject(&stored.subject) {
                cases
                    .insert(case_key(case_id, seq), &[])
                    .map_err(|e| storage("repairing the case index", e))?;
            }
        }
        meta.insert(INDEXED_UP_TO, &seq_key(last))
            .map_err(|e| storage("writing meta", e))?;
        db.flush().map_err(|e| storage("flushing", e))?;

        let (durable, _) = watch::channel(last);
        let (written_upto, _) = watch::channel(last);
        Ok(EmbeddedBackend {
            flusher: std::sync::Arc::new(Flusher::new(db.clone())),
            db,
            events,
            cases,
            writer: Mutex::new(Writer {
                next: last + 1,
                last_of_case: std::collections::HashMap::new(),
            }),
            written_ahead: Mutex::new(std::collections::BTreeSet::new()),
            written_upto,
            broken: Mutex::new(None),
            durable,
            max_body_bytes: config.max_body_bytes,
            _lock: lock,
        })
    }

    /// The sled database (the key store and read models live beside the log).
    pub fn db(&self) -> &sled::Db {
        &self.db
    }

    /// The one flusher of this database (share it: concurrent sled flushes can hang).
    pub fn flusher(&self) -> std::sync::Arc<Flusher> {
        self.flusher.clone()
    }

    fn last_of_case(&self, case_id: CaseId) -> Result<u64, LogError> {
        Ok(self
            .cases
            .scan_prefix(case_id.as_uuid().as_bytes())
            .next_back()
            .transpose()
            .map_err(|e| storage("reading the case index", e))?
            .and_then(|(key, _)| key_seq(&key))
            .unwrap_or(0))
    }

    /// Records that `seq`'s rows are written and moves the contiguous watermark.
    fn mark_written(&self, seq: u64) {
        let mut ahead = locked(&self.written_ahead);
        if seq != *self.written_upto.borrow() + 1 {
            ahead.insert(seq);
            return;
        }
        let mut upto = seq;
        while ahead.remove(&(upto + 1)) {
            upto += 1;
        }
        self.written_upto.send_replace(upto);
    }

    /// Stops the log after a row could not be written at `seq`, waking the appends that wait
    /// on the watermark so they fail too.
    fn break_at(&self, seq: u64, error: &sled::Error) -> PublishFailure {
        let why = format!(
            "writing event {seq} failed ({error}); the embedded log refuses appends until \
             ombud restarts and repairs it"
        );
        tracing::error!("{why}");
        *locked(&self.broken) = Some(why.clone());
        self.written_upto.send_modify(|_| {});
        PublishFailure::Failed(LogError::Unavailable { reason: why })
    }

    fn refuse_if_broken(&self) -> Result<(), PublishFailure> {
        match &*locked(&self.broken) {
            Some(why) => Err(PublishFailure::Failed(LogError::Unavailable {
                reason: why.clone(),
            })),
            None => Ok(()),
        }
    }
}

/// The event at `seq`.
fn read_row(events: &sled::Tree, seq: u64) -> Result<StoredEvent, LogError> {
    let row = events
        .get(seq_key(seq))
        .map_err(|e| storage("reading an event", e))?
        .ok_or_else(|| LogError::Storage(format!("event {seq} is missing from the log")))?;
    decode_row(seq, &row)
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

/// The events `from..=to`, in order, from one range scan; stops at the first error (a
/// missing sequence included).
fn read_run(events: &sled::Tree, from: u64, to: u64) -> Vec<Result<StoredEvent, LogError>> {
    let mut out = Vec::with_capacity(usize::try_from(to + 1 - from).unwrap_or(0));
    let mut expected = from;
    for item in events.range(seq_key(from)..=seq_key(to)) {
        let row = item
            .map_err(|e| storage("reading an event", e))
            .and_then(|(key, row)| match key_seq(&key) {
                Some(seq) if seq == expected => decode_row(seq, &row),
                _ => Err(LogError::Storage(format!("event {expected} is missing"))),
            });
        let failed = row.is_err();
        out.push(row);
        if failed {
            return out;
        }
        expected += 1;
    }
    if expected <= to {
        out.push(Err(LogError::Storage(format!(
            "event {expected} is missing"
        ))));
    }
    out
}

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
        locked(&self.broken)
            .clone()
            .or_else(|| self.flusher.failure())
    }

    async fn publish(&self, message: Outgoing) -> Result<Published, PublishFailure> {
        self.refuse_if_broken()?;
        // An empty mark is no mark (the row then reads as unmarked).
        let mac = Some(message.mac.as_str()).filter(|m| !m.is_empty());
        let row = encode_row(&message.subject, &message.hash, mac, &message.body);
        let seq = {
            let mut writer = locked(&self.writer);
            let last = match writer.last_of_case.get(&message.case_id) {
                Some(last) => *last,
                // A sled read that may touch the disk (a case not in memory): the worker
                // thread is handed to the runtime's other tasks meanwhile. (Appends that
                // reach the writer lock during it still wait for it, as before.)
                None => off_the_worker(|| self.last_of_case(message.case_id))
                    .map_err(PublishFailure::Failed)?,
            };
            if last != message.expected_last_seq {
                return Err(PublishFailure::WrongLastSequence);
            }
            let seq = writer.next;
            writer.next += 1;
            if writer.last_of_case.len() >= LAST_SEQ_MEMORY {
                // Forget only cases whose rows (and index entries) are all written: a case
                // with a row in flight must not fall back to an index that lacks it.
                let written = *self.written_upto.borrow();
                writer.last_of_case.retain(|_, last| *last > written);
            }
            writer.last_of_case.insert(message.case_id, seq);
            seq
        };
        // Outside the lock: appends to other cases write their rows at the same time.
        let wrote = self
            .events
            .insert(seq_key(seq), row)
            .and_then(|_| self.cases.insert(case_key(message.case_id, seq), &[]));
        if let Err(e) = wrote {
            // Not acknowledged: take the row back if it got in, and stop, since the sequence
            // is now a gap that later appends cannot be acknowledged past.
            let _ = self.events.remove(seq_key(seq));
            return Err(self.break_at(seq, &e));
        }
        self.mark_written(seq);

        // Durable before acknowledged, and so is every sequence before it.
        let mut written = self.written_upto.subscribe();
        let upto = loop {
            let upto = *written.borrow_and_update();
            if upto >= seq {
                break upto;
            }
            self.refuse_if_broken()?;
            let changed = tokio::time::timeout(flusher::STALL_LIMIT, written.changed()).await;
            if !matches!(changed, Ok(Ok(()))) {
                return Err(PublishFailure::Failed(LogError::Unavailable {
                    reason: format!("event {seq} waited too long for the events before it"),
                }));
            }
        };
        if *self.durable.borrow() < seq {
            // Every row up to `upto` was written before this ticket is taken, so the flush
            // that covers the ticket covers them.
            self.flusher.wrote();
            self.flusher.flush().await.map_err(PublishFailure::Failed)?;
            self.durable.send_if_modified(|head| {
                if upto > *head {
                    *head = upto;
                    true
                } else {
                    false
                }
            });
        }
        Ok(Published {
            stream_seq: seq,
            duplicate: false,
        })
    }

    async fn read_case(&self, case_id: CaseId, after: u64) -> Result<Vec<StoredEvent>, LogError> {
        // sled reads block: off the async workers (a long case must not stall other requests).
        let (cases, events) = (self.cases.clone(), self.events.clone());
        off_the_runtime(move || {
            let mut out = Vec::new();
            let range = case_key(case_id, after.saturating_add(1))..=case_key(case_id, u64::MAX);
            for item in cases.range(range) {
                let (key, _) = item.map_err(|e| storage("reading the case index", e))?;
                if let Some(seq) = key_seq(&key) {
                    out.push(read_row(&events, seq)?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn read_range(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, LogError> {
        let head = *self.durable.borrow();
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
        let mut durable = self.durable.subscribe();
        let events = self.events.clone();
        let task = tokio::spawn(async move {
            let mut next = after.saturating_add(1);
            loop {
                let head = *durable.borrow_and_update();
                while next <= head {
                    // Read a run of rows with one range scan (not a lookup per event), then
                    // hand them over; a gap in the sequence is reported, not skipped.
                    let (from, to, tree) = (next, head.min(next + READ_RUN - 1), events.clone());
                    let Ok(chunk) =
                        tokio::task::spawn_blocking(move || read_run(&tree, from, to)).await
                    else {
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
        Ok(*self.durable.borrow())
    }

    fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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

    fn outgoing(case_id: CaseId) -> Outgoing {
        let body = b"{}".to_vec();
        Outgoing {
            case_id,
            subject: format!("ombud.case.{case_id}.reported"),
            hash: Sha256Hash::of(&body),
            mac: "k:AAAA".into(),
            body: body.into(),
            msg_id: format!("{case_id}:k"),
            expected_last_seq: 0,
        }
    }

    /// An append whose row is written before an earlier sequence's is not acknowledged, and
    /// the head does not pass the gap, until the earlier row is written too.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_append_waits_for_the_sequences_before_it() {
        let dir = ombud_testkit::TempDir::new("embedded-watermark").unwrap();
        let backend =
            std::sync::Arc::new(EmbeddedBackend::open(&EmbeddedConfig::new(dir.path())).unwrap());
        // Another append has taken sequence 1 and not written its row yet.
        let (slow_case, fast_case) = (
            CaseId::from_uuid(uuid::Uuid::now_v7()),
            CaseId::from_uuid(uuid::Uuid::now_v7()),
        );
        {
            let mut writer = locked(&backend.writer);
            writer.next = 2;
            writer.last_of_case.insert(slow_case, 1);
        }
        // Given time to flush (correct code waits for sequence 1 however long it is given).
        let mut fast = Box::pin(backend.publish(outgoing(fast_case)));
        let early = tokio::time::timeout(std::time::Duration::from_millis(500), &mut fast).await;
        assert!(early.is_err(), "acknowledged past an unwritten sequence");
        assert_eq!(backend.head().await.unwrap(), 0);

        let row = encode_row("ombud.case.x.reported", &Sha256Hash::of(b"{}"), None, b"{}");
        backend.events.insert(seq_key(1), row).unwrap();
        backend.mark_written(1);
        let published = tokio::time::timeout(std::time::Duration::from_secs(10), fast)
            .await
            .expect("acknowledged once the sequence before it is written")
            .unwrap();
        assert_eq!(published.stream_seq, 2);
        assert_eq!(backend.head().await.unwrap(), 2);
    }

    #[test]
    fn a_run_reads_rows_in_order_and_reports_a_gap() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let events = db.open_tree("events").unwrap();
        let hash = Sha256Hash::of(b"body");
        for seq in [1u64, 2, 4] {
            let mac = (seq == 2).then_some("k1:mark");
            let row = encode_row(&format!("ombud.case.x.e{seq}"), &hash, mac, b"body");
            events.insert(seq_key(seq), row).unwrap();
        }
        let run = read_run(&events, 1, 2);
        let seqs: Vec<u64> = run.iter().map(|r| r.as_ref().unwrap().stream_seq).collect();
        assert_eq!(seqs, [1, 2]);
        assert_eq!(run[0].as_ref().unwrap().mac, None, "an unmarked row");
        assert_eq!(run[1].as_ref().unwrap().mac.as_deref(), Some("k1:mark"));
        assert_eq!(run[1].as_ref().unwrap().body, b"body");

        let run = read_run(&events, 2, 4);
        assert_eq!(run.len(), 2, "row 2, then the gap at 3");
        assert_eq!(run[0].as_ref().unwrap().stream_seq, 2);
        assert!(
            matches!(&run[1], Err(LogError::Storage(why)) if why.contains("event 3 is missing"))
        );

        let run = read_run(&events, 4, 5);
        assert_eq!(run[0].as_ref().unwrap().stream_seq, 4);
        assert!(
            matches!(&run[1], Err(LogError::Storage(why)) if why.contains("event 5 is missing"))
        );
    }
}
