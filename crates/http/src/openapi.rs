//! `GET /v1/openapi.json`: the OpenAPI 3.1 document, built from the route table below and the
//! request-body schemas the service's input types generate (schemars), with every query
//! parameter and header each route reads and the status of its success. A test checks that
//! every documented route is answered by the router with its method, and that every
//! documented parameter is accepted where it is documented.

use ombud_service::input::{body_schema, ROUTES};
use serde_json::{json, Map, Value};

/// A documented route: method, path, summary, the command whose body it takes, its query
/// parameters and headers, and the status of its success.
pub struct Route {
    /// `get` or `post`.
    pub method: &'static str,
    /// The path template.
    pub path: String,
    /// What it does.
    pub summary: String,
    /// The command route whose input is the body.
    pub body: Option<String>,
    /// Query parameters: name, an example value, what it means.
    pub query: &'static [Param],
    /// Request headers it reads (besides `Authorization`): name, an example, what it means.
    pub headers: &'static [Param],
    /// The status of a success.
    pub success: u16,
}

/// A documented parameter: name, an example value, what it means.
pub type Param = (&'static str, &'static str, &'static str);

const MIN_SEQ: Param = (
    "min_seq",
    "1",
    "Wait (up to 5 s) until the read models hold this stream sequence (read-your-writes)",
);

const LIST: &[Param] = &[
    (
        "status",
        "under_examination",
        "Only these statuses (comma separated)",
    ),
    (
        "office",
        "jawa-barat",
        "Only this office (scoped roles: their own)",
    ),
    (
        "agency",
        "disdukcapil-kota-tasikmalaya",
        "Only this respondent agency",
    ),
    ("form", "undue_delay", "Only this form of maladministration"),
    ("assignee", "riksa.siti", "Only this investigator's cases"),
    ("channel", "walk_in", "Only this channel"),
    ("track", "regular", "Only this track"),
    ("overdue", "true", "Only cases with a clock past due"),
    (
        "reported_from",
        "2026-11-01",
        "Reported on or after (a date: an office day, WIB; or RFC 3339)",
    ),
    (
        "reported_to",
        "2026-11-30",
        "Reported on or before that day (or before an RFC 3339 time)",
    ),
    ("order", "due", "newest (default) or due"),
    ("limit", "50", "Page size, 1 to 500 (default 50)"),
    MIN_SEQ,
];
const ONLY_MIN_SEQ: &[Param] = &[MIN_SEQ];
const TRAIL: &[Param] = &[
    (
        "as_of",
        "2026-12-01",
        "The trail up to a stream sequence, a date (through that office day) or an RFC 3339 time",
    ),
    MIN_SEQ,
];
const QUEUE: &[Param] = &[
    (
        "assignee",
        "riksa.siti",
        "Another investigator's queue (supervisors and the chair)",
    ),
    MIN_SEQ,
];
const STATS: &[Param] = &[
    (
        "office",
        "jawa-barat",
        "The office (roles that see every office must name one)",
    ),
    MIN_SEQ,
];
const FEED: &[Param] = &[(
    "after_seq",
    "0",
    "Start after this stream sequence (exclusive)",
)];
const FEED_HEADERS: &[Param] = &[(
    "Last-Event-ID",
    "1200",
    "Resume after this stream sequence (wins over after_seq)",
)];
const ACCESS: &[Param] = &[
    (
        "case",
        "0193c1a2-7d2a-7c41-9a3e-5b7c2d1e0f42",
        "Only this case",
    ),
    ("actor", "riksa.siti", "Only this actor"),
    (
        "from",
        "2026-11-01T00:00:00Z",
        "At or after this time (RFC 3339)",
    ),
    ("to", "2026-12-01T00:00:00Z", "Before this time (RFC 3339)"),
    ("limit", "100", "At most this many entries (default 1,000)"),
    MIN_SEQ,
];
const REPORT_HEADERS: &[Param] = &[(
    "Idempotency-Key",
    "lapor-001",
    "A retry with the same key returns the first answer and records nothing new",
)];
const COMMAND_HEADERS: &[Param] = &[
    (
        "Idempotency-Key",
        "tindak-001",
        "A retry with the same key returns the first answer and records nothing new",
    ),
    (
        "If-Match",
        "\"3\"",
        "Only if the case is at this position (its ETag); else 409 version_conflict",
    ),
];

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    let r = |method, path: &str, summary: &str, query: &'static [Param]| Route {
        method,
        path: path.to_owned(),
        summary: summary.to_owned(),
        body: None,
        query,
        headers: &[],
        success: 200,
    };
    let mut out = vec![
        Route {
            body: Some("report".into()),
            headers: REPORT_HEADERS,
            success: 201,
            ..r("post", "/v1/cases", "Report a new case (201 with case_id, reference, seq, case_seq, event_id; ETag)", &[])
        },
        r("get", "/v1/cases", "List cases, a page at a time (next_cursor)", LIST),
        r("get", "/v1/cases/{id}", "The case file, as the disclosure policy lets the caller see it (ETag: the case position)", ONLY_MIN_SEQ),
        r("get", "/v1/cases/{id}/events", "The case's audit trail, chain-verified, with any foreign messages on its subjects", TRAIL),
        r("get", "/v1/cases/{id}/verify", "Verify the case's hash chain from its first event", ONLY_MIN_SEQ),
        r("get", "/v1/queue", "My work queue, next due first", QUEUE),
        r("get", "/v1/agencies/{code}", "An office's dossier of an agency: the caller's own office, or ?office= for roles that see every office (403 for another office)", STATS),
        r("get", "/v1/stats", "Office statistics (404 no_statistics for an office without cases)", STATS),
        r("get", "/v1/access-log", "Who opened a confidential reporter's identity or looked a person up (DPO)", ACCESS),
        Route {
            body: Some("person_cases".into()),
            ..r("post", "/v1/persons/cases", "A person's cases by NIK, through the blind index (DPO; logged): body {\"nik\": \"…\"}", &[])
        },
        Route {
            headers: FEED_HEADERS,
            ..r("get", "/v1/events", "Server-Sent Events feed of every event the token may see (429 too_many_feeds past the per-token limit; see docs/events.md)", FEED)
        },
        r("get", "/v1/openapi.json", "This document", &[]),
        r("get", "/healthz", "Liveness", &[]),
        r("get", "/readyz", "Readiness: the log answers and projectors are caught up", &[]),
        r("get", "/metrics", "Prometheus metrics", &[]),
    ];
    for command in ROUTES {
        out.push(Route {
            body: Some((*command).to_owned()),
            headers: COMMAND_HEADERS,
            ..r(
                "post",
                &format!("/v1/cases/{{id}}/{command}"),
                &format!("Command `{command}` on a case (ETag: the new case position)"),
                &[],
            )
        });
    }
    out
}

fn parameter(place: &str, (name, example, description): &Param) -> Value {
    json!({
        "name": name, "in": place, "required": false, "description": description,
        "example": example, "schema": { "type": "string" },
    })
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in routes() {
        let success = route.success.to_string();
        let mut op = json!({
            "summary": route.summary,
            "operationId": format!("{}_{}", route.method, route.path.replace(['/', '{', '}', '.', '-'], "_").trim_matches('_')),
            "responses": {
                success: { "description": if route.success == 201 { "Created" } else { "OK" } },
                "default": { "description": "An RFC 9457 problem", "content": { "application/problem+json": {} } }
            }
        });
        let mut parameters = Vec::new();
        if route.path.contains("{id}") {
            parameters.push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }));
        }
        if route.path.contains("{code}") {
            parameters.push(json!({ "name": "code", "in": "path", "required": true, "schema": { "type": "string" } }));
        }
        parameters.extend(route.query.iter().map(|p| parameter("query", p)));
        parameters.extend(route.headers.iter().map(|p| parameter("header", p)));
        if !parameters.is_empty() {
            op["parameters"] = Value::Array(parameters);
        }
        if let Some(body) = route.body.as_deref().and_then(body_schema) {
            op["requestBody"] =
                json!({ "required": true, "content": { "application/json": { "schema": body } } });
        }
        let entry = paths
            .entry(route.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        entry[route.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "ombud", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Event-sourced case manager for Ombudsman offices" },
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } },
        "security": [{ "bearer": [] }],
        "paths": paths,
    })
}
