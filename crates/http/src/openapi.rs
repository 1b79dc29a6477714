//! `GET /v1/openapi.json`: the OpenAPI 3.1 document, built from the route table below, the
//! request-body schemas the service's input types generate and the response schemas of the
//! types each route answers with (schemars), with every query parameter and header each route
//! reads and the status of its success. Each embedded schema is a resource of its own
//! (`$id`), so its `$ref`s resolve inside it. Tests check that every documented route is
//! answered by the router with its method, that every documented parameter is accepted where
//! it is documented, and that the answers validate against the documented schemas.

use ombud_eventlog::AccessEntry;
use ombud_projection::models::agency_dossier::DossierView;
use ombud_projection::models::case_file::CaseFile;
use ombud_projection::models::case_index::Page;
use ombud_projection::models::deadline_board::BoardItem;
use ombud_projection::models::erasure_desk::ErasureEntry;
use ombud_projection::models::office_stats::OfficeStatsView;
use ombud_projection::models::work_queue::QueueItem;
use ombud_projection::ProjectorStatus;
use ombud_service::audit::{ForeignView, Verification};
use ombud_service::input::{body_schema, command, COMMANDS};
use ombud_service::privacy::PersonCase;
use ombud_service::Outcome;
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
        "agenda",
        "pleno",
        "Only cases waiting for the heads: pleno (both checks passed), conclusion_to_approve, lhp_to_issue (answered, or the response period ran out; an IAPS approved)",
    ),
    (
        "pending_receipt",
        "true",
        "Only cases with (true) or without (false) a letter whose receipt is awaited",
    ),
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
        "Another person's queue (unit head, head of office, member, chair)",
    ),
    MIN_SEQ,
];
const DEADLINES: &[Param] = &[
    (
        "office",
        "jawa-barat",
        "One office (roles that see every office; others get their own)",
    ),
    ("unit", "riksa-1", "One examination unit"),
    ("assignee", "riksa.siti", "One assignee"),
    (
        "within_days",
        "14",
        "Clocks due within this many days (default 14, at most 366)",
    ),
    ("overdue", "true", "Only clocks past due"),
    (
        "proposed",
        "true",
        "Only clocks with an open proposal of the deadline engine",
    ),
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
const LOG_PROOF: &[Param] = &[
    ("seq", "1", "The stream sequence whose leaf is proven"),
    (
        "size",
        "1",
        "The tree size the proof leads to (default: the latest checkpoint's, signed anew when it does not cover `seq`)",
    ),
];
const LOG_CONSISTENCY: &[Param] = &[
    ("old", "1", "The older tree size"),
    (
        "new",
        "1",
        "The newer tree size (default: the latest checkpoint's)",
    ),
];
const ERASURES: &[Param] = &[
    (
        "stage",
        "pending",
        "Only requests at this stage: pending, approved, refused, erased or superseded (repeatable as a comma-separated list)",
    ),
    MIN_SEQ,
];
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
        r("get", "/v1/deadlines", "The deadline board: running clocks due within `within_days` (default 14), overdue first, with the deadline engine's open proposals; the caller's office (403 for another), any office for roles that see every office", DEADLINES),
        r("get", "/v1/notifications", "Server-Sent Events stream of the deadline engine's reminders the token may see (live only; see docs/deadlines.md)", &[]),
        r("get", "/v1/agencies/{code}", "An office's dossier of an agency: the caller's own office, or ?office= for roles that see every office (403 for another office)", STATS),
        r("get", "/v1/stats", "Office statistics (404 no_statistics for an office without cases)", STATS),
        r("get", "/v1/erasure-requests", "The erasure desk: erasure requests and erasures with where each stands (DPO: every office; head of office, member, chair: their scope)", ERASURES),
        r("get", "/v1/log/vkey", "The transparency log's verifier key (C2SP signed-note vkey), text", &[]),
        r("get", "/v1/log/checkpoint", "The latest C2SP checkpoint of the transparency log, signed by the log key and cosigned by its witnesses, text (auditor, chair)", &[]),
        r("get", "/v1/log/proof", "The inclusion proof of a stream sequence's leaf (base64 path, leaf index = seq − 1) and the signed checkpoint it leads to (auditor, chair)", LOG_PROOF),
        r("get", "/v1/log/consistency", "The RFC 6962 consistency proof between two tree sizes (base64 hashes) and the signed checkpoint of the newer (auditor, chair)", LOG_CONSISTENCY),
        r("get", "/v1/log/tile/{*path}", "A C2SP tlog-tiles hash tile, `<L>/<N>[.p/<W>]`, or entry bundle, `entries/<N>[.p/<W>]`, application/octet-stream (auditor, chair)", &[]),
        r("get", "/v1/cases/{id}/bundle", "The case's evidence bundle (docs/audit.md): {case_id, files: {path: text}}; `ombud audit export` writes it as a directory (auditor, chair)", &[]),
        r("get", "/v1/access-log", "Who opened a confidential reporter's identity or looked a person up (DPO)", ACCESS),
        Route {
            body: Some("person_cases".into()),
            ..r("post", "/v1/persons/cases", "A person's cases by NIK, through the blind index (DPO; logged): body {\"nik\": \"…\"}", &[])
        },
        Route {
            headers: FEED_HEADERS,
            ..r("get", "/v1/events", "Server-Sent Events feed of every event the token may see (429 too_many_feeds past the per-token limit; see docs/events.md)", FEED)
        },
        r("get", "/v1/vocabulary", "Every status, role, event type, clock and closed vocabulary with its Indonesian (label_id) and English (label_en) label, and the forms of maladministration", &[]),
        r("get", "/v1/openapi.json", "This document", &[]),
        r("get", "/healthz", "Liveness", &[]),
        r("get", "/readyz", "Readiness: the log answers and projectors are caught up", &[]),
        r("get", "/metrics", "Prometheus metrics", &[]),
    ];
    for command in &COMMANDS[1..] {
        out.push(Route {
            body: Some(command.route.to_owned()),
            headers: COMMAND_HEADERS,
            ..r(
                "post",
                &format!("/v1/cases/{{id}}/{}", command.route),
                &format!(
                    "{} (command `{}`; ETag: the new case position)",
                    command.summary, command.route
                ),
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

/// What a route answers with on success.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// JSON of this schema.
    Json(Value),
    /// Plain text of this media type.
    Text(&'static str),
    /// A Server-Sent Events stream (docs/events.md).
    EventStream,
}

/// The schema of `T` (self-contained: its `$defs` inside it).
fn schema<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
}

/// Takes `$schema` and `$defs` out of the subschema `value`, the definitions into `defs` (a
/// composed schema keeps every definition at its root, where its `#/$defs/…` point).
fn hoist(mut value: Value, defs: &mut Map<String, Value>) -> Value {
    if let Some(obj) = value.as_object_mut() {
        obj.remove("$schema");
        if let Some(Value::Object(inner)) = obj.remove("$defs") {
            defs.extend(inner);
        }
    }
    value
}

/// `schema` with `defs` at its root.
fn rooted(mut schema: Value, defs: Map<String, Value>) -> Value {
    if !defs.is_empty() {
        schema["$defs"] = Value::Object(defs);
    }
    schema
}

/// An object of these properties (all required).
fn object(properties: &[(&str, Value)]) -> Value {
    let mut defs = Map::new();
    let props: Map<String, Value> = properties
        .iter()
        .map(|(name, value)| ((*name).to_owned(), hoist(value.clone(), &mut defs)))
        .collect();
    let required: Vec<&str> = properties.iter().map(|(n, _)| *n).collect();
    rooted(
        json!({ "type": "object", "required": required, "properties": props }),
        defs,
    )
}

/// An array of `item`s.
fn array(item: Value) -> Value {
    let mut defs = Map::new();
    let item = hoist(item, &mut defs);
    rooted(json!({ "type": "array", "items": item }), defs)
}

/// An array of `T`.
fn array_of<T: schemars::JsonSchema>() -> Value {
    array(schema::<T>())
}

/// One of these schemas.
fn one_of(variants: Vec<Value>) -> Value {
    let mut defs = Map::new();
    let variants: Vec<Value> = variants.into_iter().map(|v| hoist(v, &mut defs)).collect();
    rooted(json!({ "oneOf": variants }), defs)
}

/// The case file as shown: each sealed field is opened (text, or the reporter's identity as
/// an object), redacted, erased or withheld, as the disclosure policy decides.
fn case_file() -> Value {
    let mut file = schema::<CaseFile>();
    file["$defs"]["SealedField"] = json!({
        "description": "A personal-data field as the disclosure policy lets the caller see it",
        "anyOf": [
            { "type": "string", "description": "opened free text" },
            { "type": "object", "description": "the reporter's identity, opened",
              "required": ["name"], "additionalProperties": false,
              "properties": { "name": { "type": "string" }, "nik": { "type": "string" },
                              "phone": { "type": "string" }, "email": { "type": "string" },
                              "address": { "type": "string" },
                              "confidential": { "type": "boolean" } } },
            { "type": "object", "required": ["redacted"], "additionalProperties": false,
              "properties": { "redacted": { "enum": ["need_to_know", "confidential"] } } },
            { "type": "object", "required": ["erased"], "additionalProperties": false,
              "properties": { "erased": { "const": true }, "at": { "type": "string" },
                              "request_ref": { "type": ["string", "null"] } } },
            { "type": "object", "required": ["withheld"], "additionalProperties": false,
              "properties": { "withheld": { "type": "string" } } }
        ]
    });
    file
}

/// `GET /v1/cases/{id}/events`.
fn trail() -> Value {
    let envelope =
        serde_json::to_value(ombud_envelope::schema::envelope_schema()).unwrap_or_default();
    let event = object(&[
        ("seq", json!({ "type": "integer", "minimum": 1 })),
        (
            "hash",
            json!({ "type": "string", "pattern": "^[0-9a-f]{64}$" }),
        ),
        ("event", envelope),
    ]);
    object(&[
        ("case_id", json!({ "type": "string", "format": "uuid" })),
        ("events", array(event)),
        ("foreign_messages", array_of::<ForeignView>()),
    ])
}

/// `GET /v1/cases/{id}/verify`: verified, or where the chain breaks.
fn verification() -> Value {
    one_of(vec![
        object(&[
            ("verified", json!({ "const": true })),
            ("report", schema::<Verification>()),
        ]),
        object(&[
            ("verified", json!({ "const": false })),
            ("case_id", json!({ "type": "string", "format": "uuid" })),
            ("broken_at_seq", json!({ "type": "integer" })),
            ("why", json!({ "type": "string" })),
        ]),
    ])
}

/// What `method path` answers with on success (`None`: not a documented route).
pub fn answer(method: &str, path: &str) -> Option<Answer> {
    Some(Answer::Json(match (method, path) {
        ("post", "/v1/cases") => schema::<Outcome>(),
        ("post", p) if p.starts_with("/v1/cases/{id}/") => schema::<Outcome>(),
        ("get", "/v1/cases") => schema::<Page>(),
        ("get", "/v1/cases/{id}") => case_file(),
        ("get", "/v1/cases/{id}/events") => trail(),
        ("get", "/v1/cases/{id}/verify") => verification(),
        ("get", "/v1/queue") => array_of::<QueueItem>(),
        ("get", "/v1/deadlines") => array_of::<BoardItem>(),
        ("get", "/v1/agencies/{code}") => schema::<DossierView>(),
        ("get", "/v1/stats") => schema::<OfficeStatsView>(),
        ("get", "/v1/vocabulary") => schema::<ombud_service::Vocabularies>(),
        ("get", "/v1/log/vkey" | "/v1/log/checkpoint") => {
            return Some(Answer::Text("text/plain; charset=utf-8"))
        }
        ("get", "/v1/log/tile/{*path}") => return Some(Answer::Text("application/octet-stream")),
        ("get", "/v1/log/consistency") => object(&[
            ("old", json!({ "type": "integer" })),
            ("new", json!({ "type": "integer" })),
            (
                "proof",
                json!({ "type": "array", "items": { "type": "string" } }),
            ),
            ("checkpoint", json!({ "type": "string" })),
        ]),
        ("get", "/v1/cases/{id}/bundle") => object(&[
            ("case_id", json!({ "type": "string" })),
            (
                "files",
                json!({ "type": "object", "additionalProperties": { "type": "string" } }),
            ),
        ]),
        ("get", "/v1/log/proof") => object(&[
            ("index", json!({ "type": "integer" })),
            ("size", json!({ "type": "integer" })),
            (
                "path",
                json!({ "type": "array", "items": { "type": "string" } }),
            ),
            ("checkpoint", json!({ "type": "string" })),
        ]),
        ("get", "/v1/erasure-requests") => object(&[("requests", array_of::<ErasureEntry>())]),
        ("get", "/v1/access-log") => object(&[("entries", array_of::<AccessEntry>())]),
        ("post", "/v1/persons/cases") => object(&[("cases", array_of::<PersonCase>())]),
        ("get", "/readyz") => object(&[
            ("ready", json!({ "type": "boolean" })),
            ("log_head", json!({ "type": ["integer", "null"] })),
            ("projectors", array_of::<ProjectorStatus>()),
            (
                "deadline_engine",
                json!({ "type": ["object", "null"], "description": "passes of the deadline engine so far and the last one's report (null before the first)" }),
            ),
        ]),
        ("get", "/v1/openapi.json") => {
            json!({ "type": "object", "required": ["openapi", "paths"] })
        }
        ("get", "/v1/events" | "/v1/notifications") => return Some(Answer::EventStream),
        ("get", "/healthz") => return Some(Answer::Text("text/plain")),
        ("get", "/metrics") => return Some(Answer::Text("text/plain; version=0.0.4")),
        _ => return None,
    }))
}

/// `schema` as a resource of its own, so that its `#/$defs/…` references resolve inside it.
fn resource(mut schema: Value, id: &str) -> Value {
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            Value::String(format!("https://ombud.dev/schemas/{id}")),
        );
    }
    schema
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in routes() {
        let success = route.success.to_string();
        let id = format!(
            "{}_{}",
            route.method,
            route
                .path
                .replace(['/', '{', '}', '.', '-'], "_")
                .trim_matches('_')
        );
        let content = match answer(route.method, &route.path) {
            Some(Answer::Json(schema)) => json!({ "application/json": {
                "schema": resource(schema, &format!("{id}/response")) } }),
            Some(Answer::Text(kind)) => json!({ kind: { "schema": { "type": "string" } } }),
            Some(Answer::EventStream) => json!({ "text/event-stream": {
                "schema": { "type": "string", "description": "see docs/events.md" } } }),
            None => json!({}),
        };
        let mut op = json!({
            "summary": route.summary,
            "operationId": id,
            "responses": {
                success: {
                    "description": if route.success == 201 { "Created" } else { "OK" },
                    "content": content,
                },
                "default": { "description": "An RFC 9457 problem", "content": {
                    "application/problem+json": {
                        "schema": resource(schema::<crate::Problem>(), "problem") } } }
            }
        });
        if route.path == "/readyz" {
            // Not ready: the same report, with 503.
            op["responses"]["503"] = json!({
                "description": "Not ready (the log does not answer, or a projector is behind or stopped)",
                "content": op["responses"][route.success.to_string()]["content"].clone(),
            });
        }
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
            let body = resource(body, &format!("{id}/request"));
            let mut media = json!({ "schema": body });
            if let Some(example) = route
                .body
                .as_deref()
                .and_then(command)
                .and_then(|c| serde_json::from_str::<Value>(c.example).ok())
            {
                media["example"] = example;
            }
            op["requestBody"] =
                json!({ "required": true, "content": { "application/json": media } });
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
