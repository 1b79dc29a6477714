//! `GET /v1/openapi.json`: the OpenAPI 3.1 document, built from the route table below and the
//! request-body schemas the service's input types generate (schemars). A test checks that every
//! documented route is answered by the router with its method.

use ombud_service::input::{body_schema, ROUTES};
use serde_json::{json, Map, Value};

/// A documented route: method, path, summary, the command whose body it takes.
pub struct Route {
    /// `get` or `post`.
    pub method: &'static str,
    /// The path template.
    pub path: String,
    /// What it does.
    pub summary: String,
    /// The command route whose input is the body.
    pub body: Option<String>,
}

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    let r = |method, path: &str, summary: &str, body: Option<&str>| Route {
        method,
        path: path.to_owned(),
        summary: summary.to_owned(),
        body: body.map(str::to_owned),
    };
    let mut out = vec![
        r("post", "/v1/cases", "Report a new case (201 with case_id, reference, seq, case_seq, event_id)", Some("report")),
        r("get", "/v1/cases", "List cases (filters: status, office, agency, form, assignee, channel, track, overdue, reported_from, reported_to; order newest|due; cursor; limit; min_seq)", None),
        r("get", "/v1/cases/{id}", "The case file (ETag: case position; ?min_seq= for read-your-writes)", None),
        r("get", "/v1/cases/{id}/events", "The case's audit trail, chain-verified (?as_of=sequence|time)", None),
        r("get", "/v1/cases/{id}/verify", "Verify the case's hash chain from its first event", None),
        r("get", "/v1/queue", "My work queue (?assignee= for supervisors)", None),
        r("get", "/v1/agencies/{code}", "An agency's dossier", None),
        r("get", "/v1/stats", "Office statistics (?office= for roles that see every office)", None),
        r("get", "/v1/events", "Server-Sent Events feed of every event (Last-Event-ID or ?after_seq=; 429 too_many_feeds past the per-token limit)", None),
        r("get", "/v1/openapi.json", "This document", None),
        r("get", "/healthz", "Liveness", None),
        r("get", "/readyz", "Readiness: the log answers and projectors are caught up", None),
        r("get", "/metrics", "Prometheus metrics", None),
    ];
    for command in ROUTES {
        out.push(r(
            "post",
            &format!("/v1/cases/{{id}}/{command}"),
            &format!("Command `{command}` on a case (Idempotency-Key, If-Match)"),
            Some(command),
        ));
    }
    out
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in routes() {
        let mut op = json!({
            "summary": route.summary,
            "operationId": format!("{}_{}", route.method, route.path.replace(['/', '{', '}', '.', '-'], "_").trim_matches('_')),
            "responses": {
                "200": { "description": "OK" },
                "default": { "description": "An RFC 9457 problem", "content": { "application/problem+json": {} } }
            }
        });
        if route.path.contains("{id}") {
            op["parameters"] = json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }]);
        }
        if route.path.contains("{code}") {
            op["parameters"] = json!([{ "name": "code", "in": "path", "required": true, "schema": { "type": "string" } }]);
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
