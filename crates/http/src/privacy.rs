//! The DPO's routes: `GET /v1/erasure-requests?stage=` (the erasure desk, also for the heads
//! who decide requests), `GET /v1/access-log?case=&actor=&from=&to=&limit=` (who opened a
//! confidential reporter's identity) and `POST /v1/persons/cases` (a person's cases by NIK;
//! the NIK travels in the body, never in a URL, and the lookup itself is logged). Both answer
//! 403 to every other role before looking at anything else.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ombud_domain::{Role, Timestamp};
use ombud_eventlog::AccessQuery;
use ombud_service::ServiceError;
use serde::Deserialize;
use serde_json::json;

use crate::{body, opt, query, Problem, Shared};

/// Refuses every role but the DPO (before the request is read any further).
fn dpo_only(actor: &ombud_domain::Actor, what: &str) -> Result<(), Problem> {
    if actor.role == Role::Dpo {
        return Ok(());
    }
    Err(ServiceError::Forbidden(format!(
        "only the DPO may {what} (this token's role is {})",
        actor.role
    ))
    .into())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessParams {
    case: Option<String>,
    actor: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
    /// Accepted as on every read; the access log is its own store, always current.
    #[allow(dead_code)]
    min_seq: Option<u64>,
}

pub(crate) async fn access_log(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<AccessParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    dpo_only(&actor, "read the access log")?;
    let p = query(q)?;
    let time = |name: &str, t: Option<&String>| {
        t.map(|t| Timestamp::parse(t).map_err(|e| Problem::malformed(format!("`{name}`: {e}"))))
            .transpose()
    };
    let wanted = AccessQuery {
        case_id: opt("case", p.case.as_ref())?,
        actor: opt("actor", p.actor.as_ref())?,
        from: time("from", p.from.as_ref())?,
        to: time("to", p.to.as_ref())?,
        limit: p.limit.unwrap_or(1000),
    };
    let entries = api.service.access_log(&actor, wanted).await?;
    Ok(Json(json!({ "entries": entries })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonLookup {
    /// The NIK (16 digits; spaces, dots and dashes are ignored).
    nik: String,
}

pub(crate) async fn person_cases(
    State(api): Shared,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    dpo_only(&actor, "look a person up")?;
    crate::json_content(&headers)?;
    let lookup: PersonLookup = serde_json::from_slice(&body(raw)?)
        .map_err(|e| Problem::malformed(format!("the body must be {{\"nik\": \"…\"}}: {e}")))?;
    let cases = api
        .service
        .person_cases(&actor, &lookup.nik, "POST /v1/persons/cases")
        .await?;
    Ok(Json(json!({ "cases": cases })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ErasureParams {
    stage: Option<String>,
    min_seq: Option<u64>,
}

/// `stage=pending,approved` as stages (`None`: every stage).
pub(crate) fn stages(
    text: Option<&str>,
) -> Result<Option<Vec<ombud_projection::models::erasure_desk::ErasureStage>>, Problem> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    text.split(',')
        .map(|s| {
            serde_json::from_value(serde_json::Value::String(s.trim().to_owned())).map_err(|_| {
                Problem::malformed(format!(
                    "`stage`: `{s}` is not pending, approved, refused, erased or superseded"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub(crate) async fn erasure_requests(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<ErasureParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    ombud_service::queries::erasure_desk_allowed(actor.role)?;
    let p = query(q)?;
    let stages = stages(p.stage.as_deref())?;
    let requests = api.service.erasure_desk(&actor, stages, p.min_seq).await?;
    Ok(Json(json!({ "requests": requests })).into_response())
}
