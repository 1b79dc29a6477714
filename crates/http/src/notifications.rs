//! `GET /v1/notifications`: the deadline engine's reminders as Server-Sent Events, for the web
//! interface and for anyone who would rather not run a NATS client. The engine hands each
//! reminder to the process's [`NotificationHub`]; every open stream gets those its token may
//! see: a person their own, the heads of an office (unit head, head of office, member, chair)
//! every reminder of their office, roles that see every office all of them. Live only: a
//! reminder sent while nobody listened is not replayed (NATS subscribers and the deadline
//! board have it). Streams count against the same per-token limit as `GET /v1/events`.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use ombud_domain::{Actor, Role};
use ombud_service::deadline_engine::Notification;
use tokio::sync::broadcast;

use crate::problem::Problem;
use crate::Api;

/// Reminders a slow stream may fall behind before it is ended.
const BUFFER: usize = 1024;

/// The process's reminders, fanned out to every open stream.
#[derive(Debug, Clone)]
pub struct NotificationHub {
    sender: broadcast::Sender<Arc<Notification>>,
}

impl Default for NotificationHub {
    fn default() -> Self {
        NotificationHub {
            sender: broadcast::channel(BUFFER).0,
        }
    }
}

impl NotificationHub {
    /// Hands `note` to every open stream (none open: dropped).
    pub fn send(&self, note: &Notification) {
        let _ = self.sender.send(Arc::new(note.clone()));
    }

    /// Open streams.
    pub fn listeners(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// Whether `actor` is meant to see `note`.
pub fn addressed_to(actor: &Actor, note: &Notification) -> bool {
    if ombud_service::queries::sees_all_offices(actor.role) {
        return true;
    }
    if actor.office != note.office {
        return false;
    }
    match actor.role {
        Role::UnitHead | Role::OfficeHead | Role::Member | Role::Chair => true,
        _ => note.to.as_ref() == Some(&actor.id),
    }
}

fn frame(note: &Notification) -> Bytes {
    let data = serde_json::to_string(note).unwrap_or_default();
    Bytes::from(format!(
        "id: {}\nevent: reminder\ndata: {data}\n\n",
        note.id
    ))
}

struct Listener {
    actor: Actor,
    live: broadcast::Receiver<Arc<Notification>>,
    closing: tokio::sync::watch::Receiver<bool>,
    keep_alive: tokio::time::Interval,
    first: bool,
    done: bool,
    _admission: crate::feed::hub::Admission,
}

impl Listener {
    async fn next_chunk(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        if self.first {
            self.first = false;
            return Some(Bytes::from_static(
                b": reminders of the deadline engine\n\n",
            ));
        }
        loop {
            tokio::select! {
                note = self.live.recv() => match note {
                    Ok(note) if addressed_to(&self.actor, &note) => return Some(frame(&note)),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        self.done = true;
                        return Some(Bytes::from(format!(
                            "event: dropped\ndata: this stream fell {missed} reminders behind \
                             and was ended; reconnect, and read GET /v1/deadlines for what is due\n\n"
                        )));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.closing.wait_for(|c| *c) => return None,
                _ = self.keep_alive.tick() => return Some(Bytes::from_static(b": keep-alive\n\n")),
            }
        }
    }
}

/// `GET /v1/notifications`.
pub(crate) async fn stream(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let (admission, closing) = api.feed.open_stream(actor.id.as_str())?;
    let keep_alive = crate::feed::keep_alive(api.feed.config().keep_alive);
    let listener = Listener {
        actor,
        live: api.notifications.sender.subscribe(),
        closing,
        keep_alive,
        first: true,
        done: false,
        _admission: admission,
    };
    let body = futures_util::stream::unfold(listener, |mut listener| async move {
        let chunk = listener.next_chunk().await?;
        Some((Ok::<Bytes, Infallible>(chunk), listener))
    });
    Ok(crate::feed::event_stream(Body::from_stream(body)))
}
