//! The [`Backend`] port: what a log needs from its storage, and nothing more. A backend
//! publishes one message under per-case optimistic concurrency (the case's last stream
//! sequence must be the expected one), reads a case's messages after a stream sequence,
//! streams every message after a global sequence, and tells its head. It knows subjects,
//! headers and bytes; it never decodes an event.

use std::future::Future;

use ombud_domain::CaseId;
use ombud_envelope::{Sha256Hash, StoredEvent};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::LogError;

/// One message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The case.
    pub case_id: CaseId,
    /// `ombud.case.<id>.<type>`.
    pub subject: String,
    /// The exact body bytes.
    pub body: bytes::Bytes,
    /// SHA-256 of `body` (the `Ombud-Hash` header).
    pub hash: Sha256Hash,
    /// ombud's mark on `body` (the `Ombud-Mac` header).
    pub mac: String,
    /// Deduplication id (`Nats-Msg-Id`).
    pub msg_id: String,
    /// Stream sequence of the case's last message; 0 for a case's first event.
    pub expected_last_seq: u64,
}

/// A published message's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// Its stream sequence.
    pub stream_seq: u64,
    /// The log recognised a retry of a message it already holds (`duplicate: true`).
    pub duplicate: bool,
}

/// Why a publish failed, as the log contract needs to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishFailure {
    /// The case's last stream sequence is not the expected one.
    WrongLastSequence,
    /// Any other failure.
    Failed(LogError),
}

/// What a log needs from its storage.
pub trait Backend: Send + Sync + 'static {
    /// Publishes one message if the case's last stream sequence is `expected_last_seq`.
    fn publish(
        &self,
        message: Outgoing,
    ) -> impl Future<Output = Result<Published, PublishFailure>> + Send;

    /// The case's messages with stream sequence greater than `after`, in order.
    fn read_case(
        &self,
        case_id: CaseId,
        after: u64,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, LogError>> + Send;

    /// [`Backend::read_case`], handing each message to `each` as it arrives, so the caller's
    /// work on one overlaps with the read of the next (a JetStream read's replies arrive one
    /// by one). The read stops at the first error `each` returns, and returns it.
    fn read_case_each<F>(
        &self,
        case_id: CaseId,
        after: u64,
        mut each: F,
    ) -> impl Future<Output = Result<(), LogError>> + Send
    where
        F: FnMut(StoredEvent) -> Result<(), LogError> + Send,
    {
        async move {
            for message in self.read_case(case_id, after).await? {
                each(message)?;
            }
            Ok(())
        }
    }

    /// Up to `limit` messages with stream sequence greater than `after`, in order, as the
    /// backend can read them now: fewer than `limit` when its head was reached (on JetStream,
    /// the head of whichever replica answered, which may be a moment behind). A read, never a
    /// consumer.
    fn read_range(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, LogError>> + Send;

    /// Every message with stream sequence greater than `after`, in order, then new ones as
    /// they are durably stored.
    fn subscribe(&self, after: u64) -> impl Future<Output = Result<Subscription, LogError>> + Send;

    /// The last stream sequence (0 when empty).
    fn head(&self) -> impl Future<Output = Result<u64, LogError>> + Send;

    /// The largest body the backend accepts.
    fn max_body_bytes(&self) -> usize;

    /// Whether the storage can be reached right now (false while a server connection is
    /// down), so callers can fail fast instead of waiting out a timeout.
    fn available(&self) -> bool {
        true
    }

    /// Why the storage cannot write any more until it is opened again, if so (an embedded
    /// database after an I/O error such as a full disk). `None` for storage that recovers by
    /// itself (a server connection comes back).
    fn failure(&self) -> Option<String> {
        None
    }
}

/// A live feed of stored messages; dropping it stops the feed.
#[derive(Debug)]
pub struct Subscription {
    receiver: mpsc::Receiver<Result<StoredEvent, LogError>>,
    task: JoinHandle<()>,
}

impl Subscription {
    /// Wraps a channel fed by `task` (aborted on drop).
    pub fn new(
        receiver: mpsc::Receiver<Result<StoredEvent, LogError>>,
        task: JoinHandle<()>,
    ) -> Self {
        Subscription { receiver, task }
    }

    /// The next message; `None` once the feed has ended.
    pub async fn next(&mut self) -> Option<Result<StoredEvent, LogError>> {
        self.receiver.recv().await
    }

    /// The next message if one is already waiting, without waiting (for batching).
    pub fn try_next(&mut self) -> Option<Result<StoredEvent, LogError>> {
        self.receiver.try_recv().ok()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A shared backend is a backend (several logs over one connection or database).
impl<B: Backend> Backend for std::sync::Arc<B> {
    fn publish(
        &self,
        message: Outgoing,
    ) -> impl Future<Output = Result<Published, PublishFailure>> + Send {
        B::publish(self, message)
    }

    fn read_case(
        &self,
        case_id: CaseId,
        after: u64,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, LogError>> + Send {
        B::read_case(self, case_id, after)
    }

    fn read_case_each<F>(
        &self,
        case_id: CaseId,
        after: u64,
        each: F,
    ) -> impl Future<Output = Result<(), LogError>> + Send
    where
        F: FnMut(StoredEvent) -> Result<(), LogError> + Send,
    {
        B::read_case_each(self, case_id, after, each)
    }

    fn read_range(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, LogError>> + Send {
        B::read_range(self, after, limit)
    }

    fn subscribe(&self, after: u64) -> impl Future<Output = Result<Subscription, LogError>> + Send {
        B::subscribe(self, after)
    }

    fn head(&self) -> impl Future<Output = Result<u64, LogError>> + Send {
        B::head(self)
    }

    fn max_body_bytes(&self) -> usize {
        B::max_body_bytes(self)
    }

    fn available(&self) -> bool {
        B::available(self)
    }

    fn failure(&self) -> Option<String> {
        B::failure(self)
    }
}
