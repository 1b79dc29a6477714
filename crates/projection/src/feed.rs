//! The shared feed: one subscription to the event log for all the projectors of a process
//! (or of one rebuild). It takes whatever is waiting after the first event (up to
//! `max_batch`); when the log is busy (the previous batch went out less than `gather` ago) it
//! also waits for what arrives until `gather` after that batch, so that under load every
//! projector applies a window's events together (each case's and each office's rows written
//! once per window, not once per event), while a lone event after a quiet spell goes at once,
//! a full batch goes without waiting, and a reader waiting for its own write ([`Hurry`]) ends
//! the window.
//! It decodes each event once, off the async threads, and hands the same batch to
//! every projector, each of which applies the events above its own checkpoint. So the log is
//! read and decoded once, not once per projector, and decoding the next batch overlaps with
//! applying this one. A projector that stops is dropped from the feed; the feed ends when
//! none is left, or on shutdown (which the projectors see as the end of their feed).

use std::sync::Arc;
use std::time::Instant;

use ombud_envelope::{decode, RecordedEvent, Sha256Hash, StoredEvent, Unmarked};
use ombud_eventlog::{Backend, EventLog, LogError, MarkCheck, Subscription};
use tokio::sync::{mpsc, watch, Notify};

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
    /// The case its subject names (`None`: not a case event subject), parsed once here.
    pub subject_case: Option<ombud_domain::CaseId>,
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

/// A reader waiting for an event (read-your-writes) tells the feed, through this, to send the
/// batch it is gathering at once.
#[derive(Debug, Clone, Default)]
pub struct Hurry(Arc<Notify>);

impl Hurry {
    /// Ends the gathering window now (or the next one, when none is open).
    pub fn now(&self) {
        self.0.notify_one();
    }
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
    // When the last batch went out: the next one gathers until `gather` after it.
    let mut sent_at: Option<Instant> = None;
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
            let until = sent_at
                .map(|at| at + config.gather)
                .filter(|until| *until > Instant::now());
            let Gathered {
                batch,
                error: feed_error,
            } = gather(
                first,
                &mut subscription,
                config.max_batch,
                until,
                &config.hurry,
            )
            .await;
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
            sent_at = Some(Instant::now());
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

/// A batch as gathered, and how the subscription stands after it.
struct Gathered {
    batch: Vec<StoredEvent>,
    /// The subscription failed after the batch.
    error: Option<LogError>,
}

impl Gathered {
    /// Takes what is waiting, up to `max_batch` in all.
    fn take_waiting(&mut self, subscription: &mut Subscription, max_batch: usize) {
        while self.error.is_none() && self.batch.len() < max_batch {
            match subscription.try_next() {
                Some(Ok(event)) => self.batch.push(event),
                Some(Err(e)) => self.error = Some(e),
                None => break,
            }
        }
    }
}

/// `first` and whatever is waiting after it, up to `max_batch`; and, when `until` is given and
/// the batch is not full, what is waiting once `until` (or `hurry`) comes. The wait is one
/// sleep, not a wake-up per event that arrives meanwhile.
async fn gather(
    first: StoredEvent,
    subscription: &mut Subscription,
    max_batch: usize,
    until: Option<Instant>,
    hurry: &Hurry,
) -> Gathered {
    let mut gathered = Gathered {
        batch: vec![first],
        error: None,
    };
    gathered.take_waiting(subscription, max_batch);
    if let Some(until) = until {
        if gathered.error.is_none() && gathered.batch.len() < max_batch {
            tokio::select! {
                () = tokio::time::sleep_until(until.into()) => {}
                () = hurry.0.notified() => {}
            }
            gathered.take_waiting(subscription, max_batch);
        }
    }
    gathered
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
            let subject_case =
                ombud_envelope::subject::parse_subject(&stored.subject).map(|(case, _)| case);
            Decoded {
                stored,
                recorded,
                body_hash,
                mark,
                subject_case,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn event(stream_seq: u64) -> StoredEvent {
        StoredEvent {
            stream_seq,
            subject: format!("ombud.case.x.{stream_seq}"),
            hash: None,
            mac: None,
            body: Vec::new(),
        }
    }

    fn subscription() -> (mpsc::Sender<Result<StoredEvent, LogError>>, Subscription) {
        let (tx, rx) = mpsc::channel(64);
        (tx, Subscription::new(rx, tokio::spawn(async {})))
    }

    fn seqs(gathered: &Gathered) -> Vec<u64> {
        gathered.batch.iter().map(|e| e.stream_seq).collect()
    }

    #[tokio::test]
    async fn without_a_window_only_what_waits_is_taken() {
        let (tx, mut sub) = subscription();
        tx.send(Ok(event(2))).await.unwrap();
        tx.send(Ok(event(3))).await.unwrap();
        let gathered = gather(event(1), &mut sub, 2, None, &Hurry::default()).await;
        assert_eq!(seqs(&gathered), [1, 2], "up to max_batch");
        let next = sub.next().await.unwrap().unwrap();
        let gathered = gather(next, &mut sub, 10, None, &Hurry::default()).await;
        assert_eq!(seqs(&gathered), [3]);
        assert!(gathered.error.is_none());
    }

    // The windows run on tokio's paused clock: each sleep ends as soon as nothing else can
    // run, so the tests take no real time and no timing of the machine can change them.
    #[tokio::test(start_paused = true)]
    async fn a_window_takes_what_arrives_before_it_ends_and_not_after() {
        let (tx, mut sub) = subscription();
        let until = Instant::now() + Duration::from_millis(400);
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.send(Ok(event(2))).await.unwrap();
            tx.send(Ok(event(3))).await.unwrap();
            tokio::time::sleep_until((until + Duration::from_millis(300)).into()).await;
            tx.send(Ok(event(4))).await.unwrap();
            tx
        });
        let gathered = gather(event(1), &mut sub, 100, Some(until), &Hurry::default()).await;
        assert_eq!(seqs(&gathered), [1, 2, 3]);
        let tx = sender.await.unwrap();
        let late = sub.next().await.unwrap().unwrap();
        let gathered = gather(late, &mut sub, 100, None, &Hurry::default()).await;
        assert_eq!(
            seqs(&gathered),
            [4],
            "the late event comes in the next batch"
        );
        drop(tx);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_batch_does_not_wait_for_its_window() {
        let (tx, mut sub) = subscription();
        for seq in 2..=5 {
            tx.send(Ok(event(seq))).await.unwrap();
        }
        let until = Instant::now() + Duration::from_secs(60);
        let started = tokio::time::Instant::now();
        let gathered = gather(event(1), &mut sub, 3, Some(until), &Hurry::default()).await;
        assert_eq!(seqs(&gathered), [1, 2, 3]);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "sent when full"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_reader_ends_the_window() {
        let (tx, mut sub) = subscription();
        let hurry = Hurry::default();
        let until = Instant::now() + Duration::from_secs(60);
        let (reader, sent) = (hurry.clone(), tx.clone());
        tokio::spawn(async move {
            sent.send(Ok(event(2))).await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            reader.now();
        });
        let started = tokio::time::Instant::now();
        let gathered = gather(event(1), &mut sub, 100, Some(until), &hurry).await;
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "sent when the reader asked, not at the window's end"
        );
        assert_eq!(seqs(&gathered), [1, 2], "what came before the reader asked");
        drop(tx);
    }
}
