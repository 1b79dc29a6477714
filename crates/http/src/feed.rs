//! `GET /v1/events`: the live feed for downstream services, as Server-Sent Events. Each
//! message's `id:` is the stream sequence and its `data:` the stored CloudEvent, byte for byte
//! (personal data stays sealed). Resume after a sequence with `Last-Event-ID` or
//! `?after_seq=N` (exclusive). Keep-alives are SSE comments. Scoped roles (intake,
//! investigator, supervisor) see their own office's events only. Only messages with ombud's
//! valid mark are passed on: a foreign message on the stream never reaches a subscriber here.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use ombud_envelope::KeyStore;
use ombud_eventlog::Backend;
use ombud_service::queries::sees_all_offices;
use serde::Deserialize;

use crate::{query, Api, Problem};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedParams {
    after_seq: Option<u64>,
}

pub(crate) async fn events<B: Backend + 'static, S: KeyStore + 'static>(
    State(api): State<Arc<Api<B, S>>>,
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
    let subscription = api
        .service
        .log()
        .subscribe(after)
        .await
        .map_err(|e| Problem::from(ombud_service::ServiceError::from(e)))?;
    let office = (!sees_all_offices(actor.role)).then(|| actor.office.clone());
    let marks = api.service.log().mark_check();
    let stream = futures_util::stream::unfold(
        (subscription, office, marks),
        |(mut subscription, office, marks)| async move {
            loop {
                match subscription.next().await {
                    None => return None,
                    Some(Err(_)) => return None, // the client reconnects with Last-Event-ID
                    // Only ombud's own events: a foreign message is never passed on.
                    Some(Ok(stored)) if marks.check(&stored).is_err() => continue,
                    Some(Ok(stored)) => {
                        if let Some(office) = &office {
                            let visible = ombud_envelope::decode(&stored.body)
                                .is_ok_and(|r| r.event.office == *office);
                            if !visible {
                                continue;
                            }
                        }
                        let data = String::from_utf8_lossy(&stored.body).into_owned();
                        let event = Event::default()
                            .id(stored.stream_seq.to_string())
                            .event("case_event")
                            .data(data);
                        return Some((
                            Ok::<Event, Infallible>(event),
                            (subscription, office, marks),
                        ));
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
