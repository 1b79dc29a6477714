//! The shared feed: one subscription to the event log for all the projectors of a process
//! (or of one rebuild). It takes whatever is waiting after the first event (up to
//! `max_batch`), decodes each event once, off the async threads, and hands the same batch to
//! every projector, each of which applies the events above its own checkpoint. So the log is
//! read and decoded once, not once per projector, and decoding the next batch overlaps with
//! applying this one. A projector that stops is dropped from the feed; the feed ends when
//! none is left, or on shutdown (which the projectors see as the end of their feed).

use std::sync::Arc;

use ombud_envelope::{decode, RecordedEvent, Sha256Hash, StoredEvent, Unmarked};
use ombud_eventlog::{Backend, EventLog, LogError, MarkCheck, Subscription};
use tokio::sync::{mpsc, watch};

use crate::runtime::ProjectionConfig;

/// An event as read from the log, with its decoded form (or why it does not decode).
#[derive(Debug)]
pub struct Decoded {
    /// The bytes as stored, with their stream position and subject.
    pub stored: StoredEvent,
    /// The decoded event, or why decoding failed (the event is then quarantined).
    pub recorded: Result<RecordedEvent, String>,
    /// SHA-256 of the stored body (computed once here for every projector's chain check).
    pub body_hash: Sha256Hash,
    /// Whether it carries ombud's valid mark (checked once here; without it the message is
    /// foreign and never applied).
    pub mark: Result<(), Unmarked>,
}

/// What the feed hands each projector.
#[derive(Debug, Clone)]
pub(crate) enum FeedItem {
    /// Consecutive events of the log, in stream order.
    Batch(Arc<Vec<Decoded>>),
    /// The log failed; the feed resubscribes after a pause (for the projector's status; a
    /// rebuild stops on it).
    Trouble(LogError),
}

/// Batches in flight per projector: one being applied, one decoded and waiting.
pub(crate) const DEPTH: usize = 2;

/// Feeds `consumers` from stream sequence `from` + 1 until `shutdown` turns true (when
/// given) or every consumer has gone.
pub(crate) async fn run<B: Backend>(
    log: &EventLog<B>,
    from: u64,
    mut consumers: Vec<mpsc::Sender<FeedItem>>,
    mut shutdown: Option<watch::Receiver<bool>>,
    config: &ProjectionConfig,
) {
    let mut next_from = from;
    loop {
        if stopping(&shutdown) || consumers.is_empty() {
            return;
        }
        let mut subscription = match log.subscribe(next_from).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %crate::with_causes(&e), "cannot subscribe to the log; retrying");
                tell(&mut consumers, FeedItem::Trouble(e)).await;
                if pause(config, &mut shutdown).await {
                    return;
                }
                continue;
            }
        };
        loop {
            let first = match &mut shutdown {
                Some(rx) => tokio::select! {
                    item = subscription.next() => item,
                    _ = rx.changed() => return,
                },
                None => subscription.next().await,
            };
            let first = match first {
                Some(Ok(event)) => event,
                Some(Err(e)) => {
                    tracing::warn!(error = %crate::with_causes(&e), "the log feed failed; resubscribing");
                    tell(&mut consumers, FeedItem::Trouble(e)).await;
                    break;
                }
                None => break,
            };
            let (batch, feed_error) = fill_batch(first, &mut subscription, config.max_batch);
            let marks = log.mark_check();
            let Ok(decoded) = tokio::task::spawn_blocking(move || decode_all(batch, &marks)).await
            else {
                let why = LogError::Storage("decoding a batch panicked".into());
                tell(&mut consumers, FeedItem::Trouble(why)).await;
                break;
            };
            if let Some(last) = decoded.last() {
                next_from = last.stored.stream_seq;
            }
            tell(&mut consumers, FeedItem::Batch(Arc::new(decoded))).await;
            if consumers.is_empty() {
                return;
            }
            if let Some(e) = feed_error {
                tell(&mut consumers, FeedItem::Trouble(e)).await;
                break;
            }
        }
        if pause(config, &mut shutdown).await {
            return;
        }
    }
}

fn stopping(shutdown: &Option<watch::Receiver<bool>>) -> bool {
    shutdown.as_ref().is_some_and(|rx| *rx.borrow())
}

/// Waits `retry_after`; true when shutdown came first.
async fn pause(config: &ProjectionConfig, shutdown: &mut Option<watch::Receiver<bool>>) -> bool {
    match shutdown {
        Some(rx) => tokio::select! {
            _ = tokio::time::sleep(config.retry_after) => *rx.borrow(),
            _ = rx.changed() => true,
        },
        None => {
            tokio::time::sleep(config.retry_after).await;
            false
        }
    }
}

/// Sends `item` to every consumer, dropping those that have gone.
async fn tell(consumers: &mut Vec<mpsc::Sender<FeedItem>>, item: FeedItem) {
    let mut gone = Vec::new();
    for (i, consumer) in consumers.iter().enumerate() {
        if consumer.send(item.clone()).await.is_err() {
            gone.push(i);
        }
    }
    for i in gone.into_iter().rev() {
        consumers.remove(i);
    }
}

fn fill_batch(
    first: StoredEvent,
    subscription: &mut Subscription,
    max_batch: usize,
) -> (Vec<StoredEvent>, Option<LogError>) {
    let mut batch = vec![first];
    while batch.len() < max_batch {
        match subscription.try_next() {
            Some(Ok(event)) => batch.push(event),
            Some(Err(e)) => return (batch, Some(e)),
            None => break,
        }
    }
    (batch, None)
}

fn decode_all(batch: Vec<StoredEvent>, marks: &MarkCheck) -> Vec<Decoded> {
    batch
        .into_iter()
        .map(|stored| {
            let mark = marks.check(&stored);
            // A foreign body is not worth decoding: it is never applied.
            let recorded = match &mark {
                Ok(()) => decode(&stored.body).map_err(|e| format!("undecodable: {e}")),
                Err(why) => Err(why.to_string()),
            };
            let body_hash = Sha256Hash::of(&stored.body);
            Decoded {
                stored,
                recorded,
                body_hash,
                mark,
            }
        })
        .collect()
}
