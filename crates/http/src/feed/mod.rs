//! `GET /v1/events`: the live feed for downstream services, as Server-Sent Events. Each
//! message's `id:` is the stream sequence and its `data:` the stored CloudEvent, byte for byte
//! (personal data stays sealed). Resume after a sequence with `Last-Event-ID` or
//! `?after_seq=N` (exclusive). Keep-alives are SSE comments. Scoped roles (intake,
//! investigator, resmon, the heads) see their own office's events only. Only messages with ombud's
//! valid mark are passed on: a foreign message on the stream never reaches a subscriber here.
//!
//! A client first catches up from the log by reads (pages of [`PAGE`] messages, never a
//! consumer), then follows the process's one live feed ([`hub`]). A live client that falls
//! more than `[feed] client_buffer` events behind gets a last `dropped` event and the stream
//! ends (it resumes with `Last-Event-ID`); a token holding `[feed] per_token` feeds is refused
//! with 429; on shutdown every feed ends.

pub mod hub;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use ombud_eventlog::{AnyBackend, EventLog, MarkCheck};
use ombud_service::queries::sees_all_offices;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::{self, error::TryRecvError};
use tokio::sync::watch;

use self::hub::{Admission, Frame};
use crate::{query, Api, Problem};

pub use hub::{FeedConfig, FeedHub};

/// Messages a catching-up client reads from the log at a time (bodies are at most the body
/// limit, 1 MiB by default, so a page holds at most 64 MiB; ombud's events are about 1 KB).
const PAGE: usize = 64;

/// Live frames sent in one write at most (frames already waiting go out together).
const COALESCE: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedParams {
    after_seq: Option<u64>,
}

pub(crate) async fn events(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    q: Result<Query<FeedParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let params = query(q)?;
    let last_event_id = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
                .ok_or_else(|| Problem::malformed("Last-Event-ID must be a stream sequence"))
        })
        .transpose()?;
    let after = last_event_id.or(params.after_seq).unwrap_or(0);
    let (admission, closing) = api.feed.open_stream(actor.id.as_str())?;
    let log = api.service.log().clone();
    let live = api
        .feed
        .receiver(&log)
        .await
        .map_err(|e| Problem::from(ombud_service::ServiceError::from(e)))?;
    let office = (!sees_all_offices(actor.role)).then(|| actor.office.to_string());
    let client = Client {
        marks: log.mark_check(),
        log,
        live,
        last: after,
        office,
        held: None,
        caught_up: false,
        done: false,
        closing,
        keep_alive: keep_alive(api.feed.config().keep_alive),
        api_feed: api.clone(),
        _admission: admission,
        pending: VecDeque::new(),
    };
    let stream = futures_util::stream::unfold(client, |mut client| async move {
        let chunk = client.next_chunk().await?;
        Some((Ok::<Bytes, Infallible>(chunk), client))
    });
    Ok(event_stream(Body::from_stream(stream)))
}

/// A Server-Sent Events answer of `body` (not cached, not buffered by a proxy).
pub(crate) fn event_stream(body: Body) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// A stream's keep-alive ticks, the first one `every` from now.
pub(crate) fn keep_alive(every: std::time::Duration) -> tokio::time::Interval {
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval
}

/// One SSE client: where it stands, and what it may see.
struct Client {
    log: Arc<EventLog<AnyBackend>>,
    marks: MarkCheck,
    live: broadcast::Receiver<Arc<Frame>>,
    /// The last stream sequence handled (sent, or not the client's to see).
    last: u64,
    /// `None`: every office.
    office: Option<String>,
    /// The first live frame not yet handled (it tells where catching up may stop).
    held: Option<Arc<Frame>>,
    caught_up: bool,
    done: bool,
    closing: watch::Receiver<bool>,
    keep_alive: tokio::time::Interval,
    api_feed: Arc<Api>,
    _admission: Admission,
    pending: VecDeque<Bytes>,
}

impl Client {
    /// The next bytes to send; `None` ends the stream.
    async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some(chunk);
            }
            if self.done || *self.closing.borrow() {
                return None;
            }
            if !self.caught_up {
                self.catch_up().await;
                continue;
            }
            let frame = match self.held.take() {
                Some(frame) => frame,
                None => tokio::select! {
                    received = self.live.recv() => match received {
                        Ok(frame) => frame,
                        Err(broadcast::error::RecvError::Lagged(missed)) => {
                            self.drop_slow(missed);
                            continue;
                        }
                        Err(broadcast::error::RecvError::Closed) => {
                            self.feed_gone();
                            continue;
                        }
                    },
                    _ = self.keep_alive.tick() => return Some(Bytes::from_static(b": keep-alive\n\n")),
                    _ = self.closing.changed() => return None,
                },
            };
            let mut chunk = Chunk::default();
            let mut next = Some(frame);
            let mut taken = 0;
            let mut lagged = None;
            while let Some(frame) = next.take() {
                if frame.seq > self.last + 1 {
                    // A gap in the live feed (it resubscribed): fill it from the log first.
                    self.held = Some(frame);
                    self.caught_up = false;
                    break;
                }
                if frame.seq == self.last + 1 {
                    self.last = frame.seq;
                    if let Some(bytes) = frame.for_client(self.office.as_deref()) {
                        chunk.push(bytes);
                    }
                }
                taken += 1;
                if taken < COALESCE {
                    next = match self.live.try_recv() {
                        Ok(frame) => Some(frame),
                        Err(TryRecvError::Lagged(missed)) => {
                            lagged = Some(missed);
                            None
                        }
                        Err(TryRecvError::Empty | TryRecvError::Closed) => None,
                    };
                }
            }
            if let Some(bytes) = chunk.into_bytes() {
                self.keep_alive.reset();
                self.pending.push_back(bytes);
            }
            if let Some(missed) = lagged {
                self.drop_slow(missed);
            }
        }
    }

    /// Reads one page of the log after `last`, or decides the live feed can take over.
    async fn catch_up(&mut self) {
        // Keep only the newest live frame: everything before it is read from the log, so
        // the live feed never overflows for a client that is still catching up.
        loop {
            match self.live.try_recv() {
                Ok(frame) => self.held = Some(frame),
                Err(TryRecvError::Empty) => break,
                // Catching up reads the log anyway: start again from the live feed's tail.
                Err(TryRecvError::Lagged(_)) => {
                    self.live = self.live.resubscribe();
                    self.held = None;
                }
                Err(TryRecvError::Closed) => {
                    self.feed_gone();
                    return;
                }
            }
        }
        if self.held.as_ref().is_some_and(|f| f.seq <= self.last + 1) {
            self.caught_up = true;
            return;
        }
        let page = match self.log.read_range(self.last, PAGE).await {
            Ok(page) => page,
            Err(e) => {
                self.pending.push_back(notice(
                    "unavailable",
                    &json!({
                        "reason": "log_unavailable",
                        "detail": format!("the log cannot be read: {e}; resume with Last-Event-ID"),
                        "last_event_id": self.last,
                    }),
                ));
                self.done = true;
                return;
            }
        };
        if page.is_empty() && self.held.is_some() {
            // The live feed is ahead of what this read saw (a replica a moment behind): wait
            // a little rather than ask again at once.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if page.len() < PAGE {
            self.caught_up = true;
        }
        let mut chunk = Chunk::default();
        for stored in &page {
            if stored.stream_seq <= self.last {
                continue;
            }
            self.last = stored.stream_seq;
            let frame = Frame::of(stored, &self.marks);
            if let Some(bytes) = frame.for_client(self.office.as_deref()) {
                chunk.push(bytes);
            }
        }
        if let Some(bytes) = chunk.into_bytes() {
            self.keep_alive.reset();
            self.pending.push_back(bytes);
        }
    }

    /// Ends a client whose live feed ended (it gave up on the log), telling it why.
    fn feed_gone(&mut self) {
        self.done = true;
        if *self.closing.borrow() {
            return; // shutting down: the stream just ends
        }
        self.pending.push_back(notice(
            "unavailable",
            &json!({
                "reason": "log_unavailable",
                "detail": "the live feed lost the log; resume with Last-Event-ID",
                "last_event_id": self.last,
            }),
        ));
        self.done = true;
    }

    /// Ends a client that fell `missed` events behind the live feed, telling it why.
    fn drop_slow(&mut self, missed: u64) {
        self.api_feed.feed.count_dropped();
        let buffer = self.api_feed.feed.config().client_buffer;
        self.pending.push_back(notice(
            "dropped",
            &json!({
                "reason": "slow_client",
                "detail": format!(
                    "this client fell more than {buffer} events behind the live feed ({missed} \
                     missed) and was dropped so that others are not slowed; resume with \
                     Last-Event-ID"
                ),
                "last_event_id": self.last,
            }),
        ));
        self.done = true;
    }
}

/// Frames written together: one frame is sent as it is (shared, not copied), several are
/// joined into one write.
#[derive(Default)]
struct Chunk {
    first: Option<Bytes>,
    joined: Vec<u8>,
}

impl Chunk {
    fn push(&mut self, bytes: &Bytes) {
        match self.first.take() {
            None if self.joined.is_empty() => self.first = Some(bytes.clone()),
            first => {
                if let Some(first) = first {
                    self.joined.extend_from_slice(&first);
                }
                self.joined.extend_from_slice(bytes);
            }
        }
    }

    fn into_bytes(self) -> Option<Bytes> {
        match self.first {
            Some(one) => Some(one),
            None if self.joined.is_empty() => None,
            None => Some(Bytes::from(self.joined)),
        }
    }
}

/// An SSE event that is not a case event (`dropped`, `unavailable`): no `id:`, so a client's
/// Last-Event-ID stays at the last case event.
fn notice(event: &str, data: &serde_json::Value) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}
