//! The process's one live feed for every SSE client: one subscription to the log (on
//! JetStream, one consumer however many clients are attached), each message checked for
//! ombud's mark and decoded once, framed once as SSE bytes, and fanned out on a bounded
//! broadcast channel. A client that falls more than the channel's length behind is not waited
//! for: the feed moves on, and that client is dropped with a reason. The hub also counts open
//! feeds per token (a token past its limit is refused) and ends every feed on shutdown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use ombud_envelope::StoredEvent;
use ombud_eventlog::{AnyBackend, EventLog, LogError, MarkCheck};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// Tuning of the live feed (`[feed]` in the configuration).
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Feeds one token may hold open at once.
    pub per_token: usize,
    /// Events a live client may fall behind before it is dropped (the broadcast's length).
    pub client_buffer: usize,
    /// How often an idle feed sends a keep-alive comment.
    pub keep_alive: Duration,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            per_token: 32,
            client_buffer: 4096,
            keep_alive: Duration::from_secs(15),
        }
    }
}

/// One stored message as the feed hands it to clients.
#[derive(Debug)]
pub(crate) struct Frame {
    /// Its stream sequence.
    pub seq: u64,
    /// The office of its case (`None` when it does not decode: only roles that see every
    /// office get it).
    pub office: Option<String>,
    /// The SSE frame (`id:`, `event:`, `data:`), or `None` for a foreign message, which no
    /// client gets (it still moves every client's position on).
    pub bytes: Option<Bytes>,
}

impl Frame {
    /// Frames a stored message: foreign messages carry no bytes.
    pub(crate) fn of(stored: &StoredEvent, marks: &MarkCheck) -> Frame {
        if marks.check(stored).is_err() {
            return Frame {
                seq: stored.stream_seq,
                office: None,
                bytes: None,
            };
        }
        let office = ombud_envelope::decode(&stored.body)
            .ok()
            .map(|r| r.event.office.to_string());
        Frame {
            seq: stored.stream_seq,
            office,
            bytes: Some(sse_frame(stored.stream_seq, &stored.body)),
        }
    }

    /// The frame's bytes if a client scoped to `office` (`None`: every office) may see it.
    pub(crate) fn for_client(&self, office: Option<&str>) -> Option<&Bytes> {
        match office {
            None => self.bytes.as_ref(),
            Some(office) if self.office.as_deref() == Some(office) => self.bytes.as_ref(),
            Some(_) => None,
        }
    }
}

/// `id: <seq>\nevent: case_event\ndata: <body>\n\n`; a body with line breaks (never one of
/// ombud's, whose JSON is compact) gets one `data:` line per line, as SSE requires.
fn sse_frame(seq: u64, body: &[u8]) -> Bytes {
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(body.len() + 48);
    out.push_str("id: ");
    out.push_str(&seq.to_string());
    out.push_str("\nevent: case_event\n");
    for line in text.lines() {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    Bytes::from(out)
}

/// The running live feed. Only its task holds the sender, so when the task ends (it gave up
/// on the log) every client's receiver closes and the clients end with a notice.
struct Live {
    sender: broadcast::WeakSender<Arc<Frame>>,
    task: JoinHandle<()>,
}

/// The live feed of one process, shared by every SSE client.
pub struct FeedHub {
    config: FeedConfig,
    live: tokio::sync::Mutex<Option<Live>>,
    open: Arc<Mutex<HashMap<String, usize>>>,
    dropped: AtomicU64,
    closing: watch::Sender<bool>,
}

impl std::fmt::Debug for FeedHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedHub")
            .field("config", &self.config)
            .field("clients", &self.clients())
            .finish_non_exhaustive()
    }
}

impl Default for FeedHub {
    fn default() -> Self {
        FeedHub::new(FeedConfig::default())
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why a token may not open another feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooManyFeeds {
    pub limit: usize,
}

/// An open feed, counted against its token until dropped.
#[derive(Debug)]
pub(crate) struct Admission {
    open: Arc<Mutex<HashMap<String, usize>>>,
    who: String,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut open = locked(&self.open);
        if let Some(n) = open.get_mut(&self.who) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.who);
            }
        }
    }
}

impl FeedHub {
    /// A hub whose live feed starts with its first client.
    pub fn new(config: FeedConfig) -> Self {
        FeedHub {
            config,
            live: tokio::sync::Mutex::new(None),
            open: Arc::default(),
            dropped: AtomicU64::new(0),
            closing: watch::channel(false).0,
        }
    }

    /// Its tuning.
    pub fn config(&self) -> &FeedConfig {
        &self.config
    }

    /// Feeds open now.
    pub fn clients(&self) -> usize {
        locked(&self.open).values().sum()
    }

    /// Clients dropped so far for falling too far behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub(crate) fn count_dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Ends every feed and refuses new ones (on shutdown: a supervisor's stop must not wait
    /// for subscribers to hang up); the live subscription stops too.
    pub fn close(&self) {
        self.closing.send_replace(true);
        if let Ok(mut live) = self.live.try_lock() {
            if let Some(live) = live.take() {
                live.task.abort();
            }
        }
    }

    /// Whether [`FeedHub::close`] was called; changes when it is.
    pub(crate) fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Opens one more stream (the live feed, or the reminders) for `who`: refused with 503
    /// while the server is stopping, and with 429 past the per-token limit. Returns its
    /// admission (held as long as the stream) and the shutdown signal it ends on.
    pub(crate) fn open_stream(
        &self,
        who: &str,
    ) -> Result<(Admission, watch::Receiver<bool>), crate::problem::Problem> {
        use axum::http::StatusCode;
        let closing = self.closing();
        if *closing.borrow() {
            return Err(crate::problem::Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "Shutting down",
                "the server is stopping; reconnect with Last-Event-ID to another instance or later",
            ));
        }
        let admission = self.admit(who).map_err(|refused| {
            crate::problem::Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_feeds",
                "Too many open feeds",
                format!(
                    "this token holds {} open feeds (events and reminders), its limit; close one \
                     first (one feed carries every event the token may see)",
                    refused.limit
                ),
            )
        })?;
        Ok((admission, closing))
    }

    /// Counts one more feed for `who`, unless it holds its limit already.
    pub(crate) fn admit(&self, who: &str) -> Result<Admission, TooManyFeeds> {
        let mut open = locked(&self.open);
        let n = open.entry(who.to_owned()).or_insert(0);
        if *n >= self.config.per_token {
            return Err(TooManyFeeds {
                limit: self.config.per_token,
            });
        }
        *n += 1;
        Ok(Admission {
            open: self.open.clone(),
            who: who.to_owned(),
        })
    }

    /// A receiver of the live feed, starting the feed (at the log's head) on first use.
    pub(crate) async fn receiver(
        &self,
        log: &Arc<EventLog<AnyBackend>>,
    ) -> Result<broadcast::Receiver<Arc<Frame>>, LogError> {
        // Fail fast while the log is away (not once per waiting client after a timeout).
        log.ensure_available()?;
        let mut live = self.live.lock().await;
        if let Some(sender) = live
            .as_ref()
            .filter(|l| !l.task.is_finished())
            .and_then(|l| l.sender.upgrade())
        {
            return Ok(sender.subscribe());
        }
        let head = log.head().await?;
        let subscription = log.subscribe(head).await?;
        let (sender, receiver) = broadcast::channel(self.config.client_buffer.max(1));
        let weak = sender.downgrade();
        let task = tokio::spawn(follow(log.clone(), head, subscription, sender));
        *live = Some(Live { sender: weak, task });
        Ok(receiver)
    }
}

impl Drop for FeedHub {
    fn drop(&mut self) {
        if let Some(live) = self.live.get_mut().take() {
            live.task.abort();
        }
    }
}

/// Resubscriptions the live feed tries (500 ms apart) before it gives up: its clients then end
/// with an `unavailable` notice and reconnect, and the next client starts a fresh feed.
const RESUBSCRIBE_ATTEMPTS: u32 = 20;

/// Follows the log after `after`, framing each message once for every client; resubscribes
/// (from where it was) when the log fails, so no client misses a message.
async fn follow(
    log: Arc<EventLog<AnyBackend>>,
    mut after: u64,
    mut subscription: ombud_eventlog::Subscription,
    sender: broadcast::Sender<Arc<Frame>>,
) {
    let marks = log.mark_check();
    loop {
        match subscription.next().await {
            Some(Ok(stored)) => {
                if stored.stream_seq <= after {
                    continue;
                }
                after = stored.stream_seq;
                // No receiver now is fine: clients catch up from the log.
                let _ = sender.send(Arc::new(Frame::of(&stored, &marks)));
            }
            failed => {
                if let Some(Err(e)) = failed {
                    tracing::warn!(error = %ombud_projection::with_causes(&e), after, "the live feed lost the log; resubscribing");
                }
                let mut attempts = 0;
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    match log.subscribe(after).await {
                        Ok(s) => {
                            subscription = s;
                            break;
                        }
                        Err(e) if attempts + 1 >= RESUBSCRIBE_ATTEMPTS => {
                            tracing::warn!(error = %ombud_projection::with_causes(&e), after, "the live feed gives up on the log; its clients end and reconnect");
                            return;
                        }
                        Err(e) => {
                            attempts += 1;
                            tracing::debug!(error = %ombud_projection::with_causes(&e), "the live feed cannot resubscribe");
                        }
                    }
                }
            }
        }
    }
}
