//! ombud's HTTP API (the routes: `README.md`) over [`ombud_service::Service`]: commands
//! (`POST /v1/cases`, `POST /v1/cases/{id}/{command}`), the case file and lists, the audit
//! trail and its verification, work queue, agency dossier, office statistics, health and
//! readiness, and the DPO's access log and person lookup. Bearer tokens map to actors ([`auth`]); every error is problem+json
//! ([`problem`]); `Idempotency-Key`, `ETag`/`If-Match` and `?min_seq=` as documented.

#![forbid(unsafe_code)]

pub mod auth;
pub mod feed;
pub mod log;
pub mod metrics;
pub mod notifications;
pub mod openapi;
mod privacy;
pub mod problem;
pub mod serve;
pub mod web;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ombud_domain::{AgencyCode, CaseId, IdempotencyKey, OfficeCode, Timestamp};
use ombud_eventlog::{AnyBackend, AnyKeyStore};
use ombud_projection::models::case_index::{CaseFilter, CaseOrder};
use ombud_service::queries::ListQuery;
use ombud_service::{CommandInput, CommandRequest, Service, ServiceError};
use serde::Deserialize;
use serde_json::json;

pub use auth::Tokens;
pub use problem::Problem;

/// Default request body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What the routes share.
pub struct Api {
    /// The use cases.
    pub service: Service<AnyBackend, AnyKeyStore>,
    /// Who may call.
    pub tokens: Tokens,
    /// Where "today" comes from (for overdue).
    pub clock: ombud_service::Clock,
    /// Counters for `/metrics`.
    pub metrics: metrics::Metrics,
    /// The live feed every SSE client follows.
    pub feed: feed::FeedHub,
    /// The deadline engine's reminders, for `GET /v1/notifications`.
    pub notifications: notifications::NotificationHub,
    /// What the deadline engine did last, for `/readyz`.
    pub engine: Arc<ombud_service::deadline_engine::EngineStatus>,
    /// The web interface's sessions.
    pub web: web::session::WebSessions,
    /// The transparency log: its key, checkpoints and witnesses.
    pub transparency: Arc<log::Transparency>,
}

pub(crate) type Shared = State<Arc<Api>>;

/// What a request body may be.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Its largest size in bytes (413 `body_too_large` beyond).
    pub max_bytes: usize,
    /// How long it may take to arrive once the headers did (408 `body_timeout` beyond).
    pub read_timeout: std::time::Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            max_bytes: DEFAULT_BODY_LIMIT,
            read_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// Every route the router serves, by method and path; the router is built from this table
/// alone, and a test checks it against the OpenAPI document both ways (every route served is
/// documented, every documented one served). `/v1/cases/{id}/{command}` stands for the
/// documented command routes.
pub const SERVED: &[(&str, &str)] = &[
    ("post", "/v1/cases"),
    ("get", "/v1/cases"),
    ("get", "/v1/cases/{id}"),
    ("get", "/v1/cases/{id}/events"),
    ("get", "/v1/cases/{id}/verify"),
    ("post", "/v1/cases/{id}/{command}"),
    ("get", "/v1/queue"),
    ("get", "/v1/deadlines"),
    ("get", "/v1/notifications"),
    ("get", "/v1/agencies/{code}"),
    ("get", "/v1/stats"),
    ("get", "/v1/erasure-requests"),
    ("get", "/v1/log/vkey"),
    ("get", "/v1/log/checkpoint"),
    ("get", "/v1/log/proof"),
    ("get", "/v1/log/consistency"),
    ("get", "/v1/log/tile/{*path}"),
    ("get", "/v1/cases/{id}/bundle"),
    ("get", "/v1/access-log"),
    ("post", "/v1/persons/cases"),
    ("get", "/v1/events"),
    ("get", "/v1/vocabulary"),
    ("get", "/metrics"),
    ("get", "/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
];

/// The handler of a served route.
fn handler(method: &str, path: &str) -> Option<axum::routing::MethodRouter<Arc<Api>>> {
    Some(match (method, path) {
        ("post", "/v1/cases") => post(report),
        ("get", "/v1/cases") => get(list),
        ("get", "/v1/cases/{id}") => get(case_file),
        ("get", "/v1/cases/{id}/events") => get(events),
        ("get", "/v1/cases/{id}/verify") => get(verify),
        ("post", "/v1/cases/{id}/{command}") => post(command),
        ("get", "/v1/queue") => get(queue),
        ("get", "/v1/deadlines") => get(deadlines),
        ("get", "/v1/notifications") => get(notifications::stream),
        ("get", "/v1/agencies/{code}") => get(agency),
        ("get", "/v1/stats") => get(stats),
        ("get", "/v1/erasure-requests") => get(privacy::erasure_requests),
        ("get", "/v1/log/vkey") => get(log::vkey),
        ("get", "/v1/log/checkpoint") => get(log::checkpoint),
        ("get", "/v1/log/proof") => get(log::proof),
        ("get", "/v1/log/consistency") => get(log::consistency),
        ("get", "/v1/log/tile/{*path}") => get(log::tiles::tile),
        ("get", "/v1/cases/{id}/bundle") => get(log::bundle::export),
        ("get", "/v1/access-log") => get(privacy::access_log),
        ("post", "/v1/persons/cases") => post(privacy::person_cases),
        ("get", "/v1/events") => get(feed::events),
        ("get", "/v1/vocabulary") => get(vocabulary),
        ("get", "/metrics") => get(metrics_text),
        ("get", "/v1/openapi.json") => get(|| async { Json(openapi::document()) }),
        ("get", "/healthz") => get(|| async { "ok" }),
        ("get", "/readyz") => get(ready),
        _ => return None,
    })
}

/// The router, with request bodies within `body`.
pub fn router(api: Arc<Api>, body: BodyLimits) -> Router {
    let mut by_path: std::collections::BTreeMap<&str, axum::routing::MethodRouter<Arc<Api>>> =
        std::collections::BTreeMap::new();
    for (method, path) in SERVED {
        let route = handler(method, path)
            .unwrap_or_else(|| panic!("SERVED lists {method} {path}, which has no handler"));
        let merged = match by_path.remove(path) {
            Some(other) => other.merge(route),
            None => route,
        };
        by_path.insert(path, merged);
    }
    let mut router = Router::new();
    for (path, route) in by_path {
        router = router.route(path, route);
    }
    router
        .merge(web::routes())
        .fallback(|| async {
            Problem::new(
                StatusCode::NOT_FOUND,
                "no_route",
                "No such route",
                "see /v1/openapi.json",
            )
        })
        .method_not_allowed_fallback(|method: axum::http::Method| async move {
            Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                format!("this route does not take {method}; see /v1/openapi.json"),
            )
        })
        .layer(DefaultBodyLimit::max(body.max_bytes))
        .layer(axum::middleware::from_fn_with_state(body, body_in_time))
        .with_state(api)
}

/// The routes while ombud cannot serve yet (its storage is being opened again, or the demo
/// data set is loading): `/healthz` answers (the process is alive), `/readyz` and everything
/// else 503 `log_unavailable` with `Retry-After` and `detail` (nothing was recorded; a retry
/// with the same Idempotency-Key is safe).
pub fn unavailable_router(detail: String) -> Router {
    let why = detail;
    let why = Arc::new(why);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .fallback(move || {
            let why = why.clone();
            async move {
                let mut response = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "log_unavailable",
                    "Event log unavailable: nothing was recorded; retry with the same \
                     Idempotency-Key",
                    why.to_string(),
                )
                .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                response
            }
        })
}

/// Reads a request's body, within its limits, before the route sees it: a body that is too
/// slow is answered 408 `body_timeout` (and the connection closed), one that is too large 413.
/// A request that declares no body passes as it is.
async fn body_in_time(
    State(limits): State<BodyLimits>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    if !chunked && declared.unwrap_or(0) == 0 {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, limits.max_bytes);
    match tokio::time::timeout(limits.read_timeout, read).await {
        Ok(Ok(bytes)) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "Request body too large",
                    format!("the body may be at most {} bytes", limits.max_bytes),
                )
                .into_response()
            } else {
                Problem::malformed(format!("the request body could not be read: {e}"))
                    .into_response()
            }
        }
        Err(_) => {
            let mut response = Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "Request body too slow",
                format!(
                    "the request body did not arrive within {} s (body_read_timeout_secs); \
                     nothing was written",
                    limits.read_timeout.as_secs()
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

pub(crate) fn parse_case(id: &str) -> Result<CaseId, Problem> {
    CaseId::parse(id).map_err(|e| Problem::malformed(format!("case id `{id}`: {e}")))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, Problem> {
    headers
        .get("idempotency-key")
        .map(|v| {
            let text = v
                .to_str()
                .map_err(|_| Problem::malformed("Idempotency-Key must be text"))?;
            IdempotencyKey::parse(text)
                .map_err(|e| Problem::malformed(format!("Idempotency-Key: {e}")))
        })
        .transpose()
}

fn if_match(headers: &HeaderMap) -> Result<Option<u64>, Problem> {
    headers
        .get(header::IF_MATCH)
        .map(|v| {
            v.to_str()
                .ok()
                .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
                .and_then(|t| t.parse::<u64>().ok())
                .ok_or_else(|| Problem::malformed("If-Match must be a case position like \"3\""))
        })
        .transpose()
}

/// Refuses a request body that is not declared as JSON (`Content-Type: application/json`,
/// or a `+json` type), with 415.
pub(crate) fn json_content(headers: &HeaderMap) -> Result<(), Problem> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match declared.as_deref() {
        Some("application/json") => Ok(()),
        Some(t) if t.starts_with("application/") && t.ends_with("+json") => Ok(()),
        other => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The body must be JSON",
            match other {
                None => "send the body with `Content-Type: application/json`".to_owned(),
                Some(t) => format!("`Content-Type: {t}` is not JSON; send application/json"),
            },
        )),
    }
}

pub(crate) fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Problem> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "Request body too large",
                rejection.body_text(),
            )
        } else {
            Problem::malformed(rejection.body_text())
        }
    })
}

fn etag(case_seq: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{case_seq}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The UTC offset of `office` (from the register of offices: WIB, WITA or WIT).
fn zone(api: &Api, office: &OfficeCode) -> chrono::FixedOffset {
    api.service.rules().offices.offset_of(office)
}

/// Today at `office`.
fn today(api: &Api, office: &OfficeCode) -> chrono::NaiveDate {
    (api.clock)().local_date(zone(api, office))
}

async fn report(
    State(api): Shared,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    json_content(&headers)?;
    let input = CommandInput::parse("report", &body(raw)?)?;
    let started = std::time::Instant::now();
    let result = api
        .service
        .execute(CommandRequest {
            case_id: None,
            actor,
            idempotency_key: idempotency_key(&headers)?,
            if_match: None,
            correlation_id: None,
            at: None,
            input,
        })
        .await
        .map_err(Problem::from);
    record(&api, "report", &result, started);
    let outcome = result?;
    let mut response = (StatusCode::CREATED, Json(&outcome)).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(outcome.case_seq));
    Ok(response)
}

async fn command(
    State(api): Shared,
    Path((id, command)): Path<(String, String)>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let case_id = parse_case(&id)?;
    if command == "report" {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "no_route",
            "No such route",
            "report with POST /v1/cases",
        ));
    }
    json_content(&headers)?;
    let input = CommandInput::parse(&command, &body(raw)?)?;
    let route = input.route();
    let started = std::time::Instant::now();
    let result = api
        .service
        .execute(CommandRequest {
            case_id: Some(case_id),
            actor,
            idempotency_key: idempotency_key(&headers)?,
            if_match: if_match(&headers)?,
            correlation_id: None,
            at: None,
            input,
        })
        .await
        .map_err(Problem::from);
    record(&api, route, &result, started);
    let outcome = result?;
    let mut response = Json(json!({
        "case_id": outcome.case_id,
        "seq": outcome.seq,
        "case_seq": outcome.case_seq,
        "event_id": outcome.event_id,
        "replayed": outcome.replayed,
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(outcome.case_seq));
    Ok(response)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MinSeq {
    min_seq: Option<u64>,
}

pub(crate) fn query<T: serde::de::DeserializeOwned>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, Problem> {
    q.map(|Query(t)| t)
        .map_err(|e| Problem::malformed(e.body_text()))
}

async fn case_file(
    State(api): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<MinSeq>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let case_id = parse_case(&id)?;
    let q = query(q)?;
    let (file, case_seq) = api
        .service
        .case_file(&actor, case_id, q.min_seq, "GET /v1/cases/{id}")
        .await?;
    let mut response = Json(file).into_response();
    response.headers_mut().insert(header::ETAG, etag(case_seq));
    Ok(response)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    pub(crate) status: Option<String>,
    pub(crate) office: Option<String>,
    pub(crate) agency: Option<String>,
    pub(crate) form: Option<String>,
    pub(crate) assignee: Option<String>,
    pub(crate) channel: Option<String>,
    pub(crate) track: Option<String>,
    pub(crate) overdue: Option<bool>,
    pub(crate) reported_from: Option<String>,
    pub(crate) reported_to: Option<String>,
    pub(crate) agenda: Option<String>,
    pub(crate) pending_receipt: Option<bool>,
    pub(crate) order: Option<String>,
    pub(crate) cursor: Option<String>,
    pub(crate) limit: Option<usize>,
    pub(crate) min_seq: Option<u64>,
}

pub(crate) fn word<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, Problem> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| Problem::malformed(format!("`{name}`: {e}")))
}

pub(crate) fn opt<T: serde::de::DeserializeOwned>(
    name: &str,
    text: Option<&String>,
) -> Result<Option<T>, Problem> {
    text.map(|t| word(name, t)).transpose()
}

async fn list(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let p = query(q)?;
    let (filter, order, home) = case_filter(&api, &actor, &p)?;
    let page = api
        .service
        .list_cases(
            &actor,
            ListQuery {
                filter,
                order,
                cursor: p.cursor,
                limit: p.limit.unwrap_or(50),
                today: today(&api, &home),
                min_seq: p.min_seq,
            },
        )
        .await?;
    Ok(Json(page).into_response())
}

/// The case filter and order of a list request (the API's and the web page's), with the
/// office whose days its dates are read in.
pub(crate) fn case_filter(
    api: &Api,
    actor: &ombud_domain::Actor,
    p: &ListParams,
) -> Result<(CaseFilter, CaseOrder, OfficeCode), Problem> {
    let status = p
        .status
        .as_deref()
        .map(|s| {
            s.split(',')
                .map(|one| word("status", one.trim()))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    // A plain date is an office day (in the zone of the office asked for, or the caller's):
    // `reported_from` from its start, `reported_to` through its end (the filter's bound is
    // exclusive, so the next day's start).
    let office: Option<OfficeCode> = opt("office", p.office.as_ref())?;
    let home = office.clone().unwrap_or_else(|| actor.office.clone());
    let time = |name: &str, t: Option<&String>, to: bool| {
        t.map(|t| {
            let wib = zone(api, &home);
            let day = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
            match (day, to) {
                (Some(d), true) => Ok(Timestamp::start_of_day(d.succ_opt().unwrap_or(d), wib)),
                _ => Timestamp::parse_instant_or_day(t, wib, false),
            }
            .map_err(|e| Problem::malformed(format!("`{name}`: {e}")))
        })
        .transpose()
    };
    let filter = CaseFilter {
        status,
        office,
        agency: opt("agency", p.agency.as_ref())?,
        form: opt("form", p.form.as_ref())?,
        assignee: opt("assignee", p.assignee.as_ref())?,
        channel: opt("channel", p.channel.as_ref())?,
        track: opt("track", p.track.as_ref())?,
        overdue: p.overdue,
        reported_from: time("reported_from", p.reported_from.as_ref(), false)?,
        reported_to: time("reported_to", p.reported_to.as_ref(), true)?,
        agenda: opt("agenda", p.agenda.as_ref())?,
        pending_receipt: p.pending_receipt,
    };
    let order: CaseOrder = opt("order", p.order.as_ref())?.unwrap_or_default();
    Ok((filter, order, home))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AsOfParam {
    as_of: Option<String>,
    /// Accepted as on every read; the trail is read from the log itself, always current.
    #[allow(dead_code)]
    min_seq: Option<u64>,
}

async fn events(
    State(api): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<AsOfParam>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let case_id = parse_case(&id)?;
    let as_of = query(q)?
        .as_of
        .map(|t| ombud_service::audit::parse_as_of(&t))
        .transpose()?;
    let trail = api.service.trail(&actor, case_id, as_of).await?;
    let foreign: Vec<ombud_service::audit::ForeignView> =
        trail.foreign.iter().map(Into::into).collect();
    let events: Vec<serde_json::Value> = trail
        .events
        .iter()
        .map(|e| {
            let envelope: serde_json::Value =
                serde_json::from_slice(&ombud_envelope::encode(&e.recorded)).unwrap_or_default();
            json!({ "seq": e.stream_seq, "hash": e.hash.to_hex(), "event": envelope })
        })
        .collect();
    Ok(
        Json(json!({ "case_id": case_id, "events": events, "foreign_messages": foreign }))
            .into_response(),
    )
}

async fn verify(
    State(api): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<MinSeq>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    // Accepted as on every read; verification reads the log itself, always current.
    query(q)?;
    let case_id = parse_case(&id)?;
    match api.service.verify(&actor, case_id).await {
        Ok(v) => Ok(Json(json!({ "verified": true, "report": v })).into_response()),
        Err(ServiceError::Corrupt { case, seq, why }) => Ok(Json(json!({
            "verified": false, "case_id": case, "broken_at_seq": seq, "why": why
        }))
        .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueParams {
    assignee: Option<String>,
    min_seq: Option<u64>,
}

async fn queue(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<QueueParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let p = query(q)?;
    let assignee = opt("assignee", p.assignee.as_ref())?;
    let items = api
        .service
        .queue(
            &actor,
            assignee.as_ref(),
            today(&api, &actor.office),
            p.min_seq,
        )
        .await?;
    Ok(Json(items).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeadlineParams {
    office: Option<String>,
    unit: Option<String>,
    assignee: Option<String>,
    within_days: Option<u32>,
    overdue: Option<bool>,
    proposed: Option<bool>,
}

/// Longest look ahead of the deadline board, in days.
const MAX_WITHIN_DAYS: u32 = 366;

async fn deadlines(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<DeadlineParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let p = query(q)?;
    let within_days = p.within_days.unwrap_or(14);
    if within_days > MAX_WITHIN_DAYS {
        return Err(Problem::malformed(format!(
            "`within_days`: at most {MAX_WITHIN_DAYS} days ahead"
        )));
    }
    let filter = ombud_projection::models::deadline_board::BoardFilter {
        office: opt("office", p.office.as_ref())?,
        unit: opt("unit", p.unit.as_ref())?,
        assignee: opt("assignee", p.assignee.as_ref())?,
        overdue_only: p.overdue.unwrap_or(false),
        proposed_only: p.proposed.unwrap_or(false),
    };
    let today = today(&api, filter.office.as_ref().unwrap_or(&actor.office));
    let items = api
        .service
        .deadline_board(&actor, today, within_days, filter)
        .await?;
    Ok(Json(items).into_response())
}

async fn agency(
    State(api): Shared,
    Path(code): Path<String>,
    headers: HeaderMap,
    q: Result<Query<StatsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let code: AgencyCode = word("code", &code)?;
    let p = query(q)?;
    let office = opt("office", p.office.as_ref())?;
    match api
        .service
        .agency(&actor, &code, office.as_ref(), p.min_seq)
        .await?
    {
        Some(d) => Ok(Json(d).into_response()),
        None => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown_agency",
            "No cases for this agency",
            format!("no dossier for `{code}` in this office"),
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsParams {
    office: Option<String>,
    min_seq: Option<u64>,
}

async fn stats(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<StatsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    let p = query(q)?;
    let office = opt("office", p.office.as_ref())?;
    match api
        .service
        .stats(
            &actor,
            office.as_ref(),
            today(&api, office.as_ref().unwrap_or(&actor.office)),
            p.min_seq,
        )
        .await?
    {
        Some(stats) => Ok(Json(stats).into_response()),
        None => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "no_statistics",
            "No statistics for this office",
            "the office has no cases yet (or its code is not one ombud knows)",
        )),
    }
}

/// `GET /v1/vocabulary`: the labels of every vocabulary, for any signed-in caller.
async fn vocabulary(State(api): Shared, headers: HeaderMap) -> Result<Response, Problem> {
    api.tokens.authenticate(&headers)?;
    Ok(Json(api.service.vocabulary()).into_response())
}

/// The longest `/readyz` waits for the log's head.
const READY_BOUND: std::time::Duration = std::time::Duration::from_millis(1000);

async fn ready(State(api): Shared) -> Response {
    // Within its own bound, whatever the log does: a supervisor's probe must not hang.
    let head = api.service.log_head_within(READY_BOUND).await;
    let status = api.service.models().status(head);
    let ready = head.is_some()
        && status.iter().all(|s| {
            s.state == ombud_projection::RunState::Running && s.lag.is_some_and(|l| l < 100)
        });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(json!({
            "ready": ready,
            "log_head": head,
            "projectors": status,
            "deadline_engine": api.engine.last(),
        })),
    )
        .into_response()
}

fn record<T>(api: &Api, route: &str, result: &Result<T, Problem>, started: std::time::Instant) {
    let outcome = match result {
        Ok(_) => "ok",
        Err(problem) => problem.code,
    };
    api.metrics.command(route, outcome, started.elapsed());
}

async fn metrics_text(State(api): Shared) -> Response {
    let head = api.service.log_head_within(READY_BOUND).await;
    let mut text = api.metrics.render(&api.service.models().status(head));
    metrics::render_feed(&mut text, api.feed.clients(), api.feed.dropped());
    metrics::render_reads(&mut text, api.service.own_writes_waits());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_served_is_documented_and_every_documented_one_served() {
        let commands = ombud_service::input::ROUTES;
        let documented: std::collections::BTreeSet<(String, String)> = openapi::routes()
            .into_iter()
            .map(|r| {
                let command = r
                    .path
                    .strip_prefix("/v1/cases/{id}/")
                    .filter(|c| commands.contains(c));
                let path = match command {
                    Some(_) => "/v1/cases/{id}/{command}".to_owned(),
                    None => r.path,
                };
                (r.method.to_owned(), path)
            })
            .collect();
        let served: std::collections::BTreeSet<(String, String)> = SERVED
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(served, documented);
        for (method, path) in SERVED {
            assert!(
                handler(method, path).is_some(),
                "{method} {path} has a handler"
            );
        }
    }
}
