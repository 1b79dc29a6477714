//! The HTTP API end to end in process: the application as `ombud serve` assembles it
//! ([`Application`], real event log, key store and read models, both backends), its router
//! called directly: the life of a case, and every kind of bad request getting its
//! status and problem code with nothing written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::type_complexity,
    missing_docs
)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use ombud_app::config::WriteKeysSetting;
use ombud_app::{Application, Settings, TokenSource};
use ombud_domain::{Actor, Role, Timestamp};
use ombud_envelope::MasterKey;
use ombud_http::Tokens;
use ombud_testkit::{NatsServer, TempDir};
use serde_json::{json, Value};
use tower::ServiceExt as _;

struct Client {
    router: Router,
    app: Application,
}

fn actor(id: &str, role: Role, office: &str) -> Actor {
    ombud_testkit::people::named(id, role, office)
}

/// The application as `ombud serve` assembles it (on the embedded log in `dir`, or on
/// JetStream at `nats`), with a fixed clock and the tests' tokens.
async fn build(dir: &TempDir, nats: Option<&str>) -> Client {
    let mut settings = Settings::from_config(ombud_app::config::load(None).unwrap()).unwrap();
    settings.data = dir.path().to_owned();
    settings.nats = nats.map(str::to_owned);
    settings.nats_config.request_timeout_ms = 5_000;
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.body_limit = 64 * 1024;
    let at = Timestamp::parse("2026-09-01T02:00:00Z").unwrap();
    settings.clock = Arc::new(move || at);
    let secret = || MasterKey::generate().to_hex();
    settings.security.master_key = secret();
    settings.security.blind_index_key = secret();
    settings.security.write_keys = WriteKeysSetting::Text(format!("test:{}", secret()));
    let mut tokens = Tokens::default();
    tokens.insert("t-intake", actor("pvl.rina", Role::Intake, "jawa-barat"));
    tokens.insert(
        "t-inv",
        actor("riksa.siti", Role::Investigator, "jawa-barat"),
    );
    tokens.insert(
        "t-boss",
        actor("kepala.budi", Role::OfficeHead, "jawa-barat"),
    );
    tokens.insert(
        "t-other",
        actor("riksa.joni", Role::Investigator, "jakarta-raya"),
    );
    tokens.insert("t-audit", actor("audit.dewi", Role::Auditor, "pusat"));
    tokens.insert("t-dpo", actor("dpo.rina", Role::Dpo, "pusat"));
    settings.tokens = TokenSource::Given(tokens);
    let app = Application::build(settings).await.unwrap();
    Client {
        router: app.router(),
        app,
    }
}

impl Client {
    /// The log's head.
    async fn head(&self) -> u64 {
        self.app.log().head().await.unwrap()
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, value)
    }

    async fn post(
        &self,
        uri: &str,
        token: &str,
        body: Value,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        self.call(
            "POST",
            uri,
            Some(token),
            &[],
            Some(serde_json::to_vec(&body).unwrap()),
        )
        .await
    }
}

/// `answer` validates against the schema the OpenAPI document gives for a success of
/// `method template`.
fn conforms(doc: &Value, method: &str, template: &str, answer: &Value) {
    let responses = doc["paths"][template][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {template} is documented"));
    let (_, success) = responses
        .iter()
        .find(|(code, _)| code.starts_with('2'))
        .expect("a documented success");
    let schema = &success["content"]["application/json"]["schema"];
    let validator = jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("{method} {template}: the schema compiles: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(answer)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} answers what its schema says: {errors:?}\n{answer}"
    );
}

/// A refusal validates against the documented problem schema.
fn conforms_problem(doc: &Value, answer: &Value) {
    let schema = &doc["paths"]["/v1/cases"]["get"]["responses"]["default"]["content"]
        ["application/problem+json"]["schema"];
    let validator = jsonschema::validator_for(schema).unwrap();
    assert!(validator.is_valid(answer), "a problem answer: {answer}");
}

fn report_body() -> Value {
    json!({
        "office": "jawa-barat", "channel": "walk_in", "track": "regular",
        "reporter": { "name": "Asep Saepudin", "nik": "3278010101800001", "confidential": true },
        "respondent": { "agency_code": "disdukcapil-kota-tasikmalaya",
                        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya",
                        "superior": "Wali Kota Tasikmalaya" },
        "forms": ["undue_delay"], "incident_date": "2026-08-01", "prior_complaint": true,
        "summary": "KTP-el tidak kunjung terbit setelah tiga bulan."
    })
}

async fn life_of_a_case_and_bad_requests(c: Client) {
    // Report, retried with the same key: one case, same answer.
    let (status, headers, created) = c
        .call(
            "POST",
            "/v1/cases",
            Some("t-intake"),
            &[("idempotency-key", "lapor-001")],
            Some(serde_json::to_vec(&report_body()).unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(headers["etag"], "\"1\"");
    let case = created["case_id"].as_str().unwrap().to_owned();
    let (status, _, again) = c
        .call(
            "POST",
            "/v1/cases",
            Some("t-intake"),
            &[("idempotency-key", "lapor-001")],
            Some(serde_json::to_vec(&report_body()).unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["seq"], created["seq"]);
    assert_eq!(again["replayed"], true);

    for stage in ["formal", "material"] {
        let (status, _, verified) = c
            .post(
                &format!("/v1/cases/{case}/record-verification"),
                "t-intake",
                json!({"stage": stage, "passed": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{verified}");
    }
    let (status, _, accepted) = c
        .post(
            &format!("/v1/cases/{case}/accept"),
            "t-boss",
            json!({"pleno": {"number": "PLENO/2026/1", "date": "2026-09-01"}, "unit": "riksa-1", "assignee": "riksa.siti"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let seq = accepted["seq"].as_u64().unwrap();

    // The case file, read-your-writes, personal data opened for an authorised reader.
    let (status, headers, file) = c
        .call(
            "GET",
            &format!("/v1/cases/{case}?min_seq={seq}"),
            Some("t-inv"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(headers["etag"], "\"4\"");
    assert_eq!(file["state"]["status"], "under_examination");
    assert!(file["reporter"]["identity"]["name"]
        .as_str()
        .unwrap()
        .contains("Asep"));

    // If-Match: stale → 409; current → 200.
    let clarify = json!({"addressee": "superior", "letter": {"via": "post", "number": "B/1/PW.13/2026", "date": "2026-09-01", "received_on": "2026-09-01"}});
    let (status, _, problem) = c
        .call(
            "POST",
            &format!("/v1/cases/{case}/request-clarification"),
            Some("t-inv"),
            &[("if-match", "\"1\"")],
            Some(serde_json::to_vec(&clarify).unwrap()),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("version_conflict")),
        "{problem}"
    );
    let (status, _, _) = c
        .call(
            "POST",
            &format!("/v1/cases/{case}/request-clarification"),
            Some("t-inv"),
            &[("if-match", "\"4\"")],
            Some(serde_json::to_vec(&clarify).unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Audit trail and verification (auditor reads everything, personal data stays sealed).
    let (status, _, trail) = c
        .call(
            "GET",
            &format!("/v1/cases/{case}/events"),
            Some("t-audit"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(trail["events"].as_array().unwrap().len(), 5);
    assert!(!trail.to_string().contains("Asep"));
    let (status, _, verified) = c
        .call(
            "GET",
            &format!("/v1/cases/{case}/verify"),
            Some("t-audit"),
            &[],
            None,
        )
        .await;
    assert_eq!(
        (status, verified["verified"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (status, _, list) = c
        .call(
            "GET",
            "/v1/cases?status=under_examination,received&limit=10",
            Some("t-inv"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");

    // Bad requests: status and problem code, nothing written.
    let head = c.head().await;
    let note = |text: &str| serde_json::to_vec(&json!({"note": text})).unwrap();
    let cases: Vec<(&str, String, Option<&str>, Vec<u8>, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            format!("/v1/cases/{case}/notes"),
            Some("t-inv"),
            b"{\"note\":".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "wrong type",
            format!("/v1/cases/{case}/notes"),
            Some("t-inv"),
            br#"{"note":5}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "unknown field",
            format!("/v1/cases/{case}/notes"),
            Some("t-inv"),
            br#"{"note":"x","confidental":true}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "unknown enum value",
            format!("/v1/cases/{case}/close"),
            Some("t-boss"),
            br#"{"reason":"bosan"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "missing field",
            format!("/v1/cases/{case}/accept"),
            Some("t-boss"),
            br#"{"unit":"riksa-1"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "oversized body",
            format!("/v1/cases/{case}/notes"),
            Some("t-inv"),
            note(&"x".repeat(100_000)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "bad uuid",
            "/v1/cases/not-a-uuid/notes".into(),
            Some("t-inv"),
            note("x"),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "unknown case",
            "/v1/cases/01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42/notes".into(),
            Some("t-inv"),
            note("x"),
            StatusCode::NOT_FOUND,
            "unknown_case",
        ),
        (
            "unknown command",
            format!("/v1/cases/{case}/approve"),
            Some("t-inv"),
            note("x"),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "invalid transition",
            format!("/v1/cases/{case}/accept"),
            Some("t-boss"),
            serde_json::to_vec(&json!({"pleno":{"number":"P/1","date":"2026-09-01"},"unit":"riksa-1","assignee":"riksa.siti"})).unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_transition",
        ),
        (
            "wrong role",
            format!("/v1/cases/{case}/notes"),
            Some("t-audit"),
            note("x"),
            StatusCode::FORBIDDEN,
            "not_permitted",
        ),
        (
            // Another office's case reads as absent, to a command as to a query: the
            // answer names neither the case's office nor anything of it.
            "other office",
            format!("/v1/cases/{case}/notes"),
            Some("t-other"),
            note("x"),
            StatusCode::NOT_FOUND,
            "unknown_case",
        ),
        (
            "missing token",
            format!("/v1/cases/{case}/notes"),
            None,
            note("x"),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "invalid token",
            format!("/v1/cases/{case}/notes"),
            Some("nope"),
            note("x"),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
    ];
    for (what, uri, token, body, want_status, want_code) in cases {
        let (status, headers, problem) = c.call("POST", &uri, token, &[], Some(body)).await;
        assert_eq!(status, want_status, "{what}: {problem}");
        assert_eq!(
            problem["code"].as_str(),
            Some(want_code),
            "{what}: {problem}"
        );
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "{what}"
        );
    }
    let (status, _, _) = c
        .call(
            "GET",
            &format!("/v1/cases/{case}"),
            Some("t-other"),
            &[],
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another office's case reads as absent"
    );
    assert_eq!(c.head().await, head, "no bad request wrote anything");

    // The OpenAPI document lists every route, and the router answers each with its method.
    let (status, _, doc) = c.call("GET", "/v1/openapi.json", None, &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let documented = ombud_http::openapi::routes();
    assert_eq!(doc["paths"].as_object().unwrap().len(), {
        let mut paths: Vec<&String> = documented.iter().map(|r| &r.path).collect();
        paths.dedup();
        paths.len()
    });
    assert!(
        doc["paths"]["/v1/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["properties"]["summary"]
            .is_object(),
        "{doc}"
    );
    // The labels of every vocabulary: Indonesian first, English beside, for any caller.
    let (status, _, vocabulary) = c
        .call("GET", "/v1/vocabulary", Some("t-inv"), &[], None)
        .await;
    assert_eq!(status, StatusCode::OK, "{vocabulary}");
    let names: Vec<&str> = vocabulary["vocabularies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    for name in [
        "Status",
        "Role",
        "EventType",
        "ClockKind",
        "ClosureReason",
        "Track",
        "Via",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let status_labels =
        &vocabulary["vocabularies"][names.iter().position(|n| *n == "Status").unwrap()];
    assert!(
        status_labels["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["code"] == "awaiting_reporter_response"
                && v["label_id"] == "Menunggu tanggapan Pelapor"),
        "{status_labels}"
    );
    assert_eq!(
        vocabulary["forms"].as_array().unwrap().len(),
        11,
        "{vocabulary}"
    );
    let (status, _, _) = c.call("GET", "/v1/vocabulary", None, &[], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a signed-in caller only");

    // Every route documents what it answers; every answer below validates against it.
    for route in &documented {
        assert!(
            ombud_http::openapi::answer(route.method, &route.path).is_some(),
            "{} {} documents its answer",
            route.method,
            route.path
        );
    }
    let mut validated = 0;
    for route in &documented {
        let path = route
            .path
            .replace("{id}", &case)
            .replace("{code}", "disdukcapil-kota-tasikmalaya");
        if path == "/v1/events" {
            continue; // a stream: checked below
        }
        if path == "/v1/notifications" {
            continue; // the engine's reminders, a stream: tests/deadlines.rs
        }
        let path = match path.as_str() {
            // Roles that see every office name one where it is asked for.
            "/v1/stats" | "/v1/agencies/disdukcapil-kota-tasikmalaya" => {
                format!("{path}?office=jawa-barat")
            }
            _ => path,
        };
        let method = route.method.to_uppercase();
        for token in ["t-audit", "t-boss", "t-dpo"] {
            let (status, _, answer) = c
                .call(&method, &path, Some(token), &[], Some(b"{}".to_vec()))
                .await;
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_ne!(
                answer["code"].as_str(),
                Some("no_route"),
                "{method} {path} is not routed"
            );
            if status.is_success() && !answer.is_null() {
                conforms(&doc, route.method, &route.path, &answer);
                validated += 1;
            } else if !status.is_success() {
                conforms_problem(&doc, &answer);
            }
        }
    }
    assert!(
        validated >= 20,
        "most routes answered and were checked: {validated}"
    );
    // The report's answer, and the case file with personal data opened (the head of office).
    conforms(&doc, "post", "/v1/cases", &created);
    let (_, _, opened) = c
        .call(
            "GET",
            &format!("/v1/cases/{case}"),
            Some("t-boss"),
            &[],
            None,
        )
        .await;
    assert!(
        opened["reporter"]["identity"]["name"].is_string(),
        "{opened}"
    );
    conforms(&doc, "get", "/v1/cases/{id}", &opened);
    // The schemas say something: a wrong answer does not validate.
    let schema_of = |path: &str| {
        jsonschema::validator_for(
            &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        )
        .unwrap()
    };
    assert!(!schema_of("/v1/cases").is_valid(&json!({ "items": "not a list" })));
    let mut wrong = opened.clone();
    wrong["summary"] = json!(42);
    assert!(
        !schema_of("/v1/cases/{id}").is_valid(&wrong),
        "a summary is opened text or a marker"
    );
    wrong["summary"] = json!({ "redacted": "because" });
    assert!(
        !schema_of("/v1/cases/{id}").is_valid(&wrong),
        "a marker is one of the documented ones"
    );

    // 50 concurrent clients asking for clarification with the same If-Match: exactly one succeeds; without
    // If-Match, 50 concurrent notes are all recorded and the chain verifies.
    let (_, headers, _) = c
        .call(
            "GET",
            &format!("/v1/cases/{case}"),
            Some("t-boss"),
            &[],
            None,
        )
        .await;
    let position = headers["etag"].to_str().unwrap().to_owned();
    let body = serde_json::to_vec(
        &json!({"addressee": "respondent", "purpose": "documents", "letter": {"via": "post", "number": "B/2/PW.13/2026", "date": "2026-09-01"}}),
    )
    .unwrap();
    let racers: Vec<_> = (0..50)
        .map(|_| {
            let (router, body, position, uri) = (
                c.router.clone(),
                body.clone(),
                position.clone(),
                format!("/v1/cases/{case}/request-clarification"),
            );
            tokio::spawn(async move {
                let req = Request::builder()
                    .method("POST")
                    .uri(uri)
                    .header("authorization", "Bearer t-inv")
                    .header("if-match", position)
                    .header("content-type", "application/json")
                    .body(Body::from(body))
                    .unwrap();
                router.oneshot(req).await.unwrap().status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for r in racers {
        statuses.push(r.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        49,
        "{statuses:?}"
    );
    let notes: Vec<_> = (0..50)
        .map(|i| {
            let (router, uri) = (c.router.clone(), format!("/v1/cases/{case}/notes"));
            tokio::spawn(async move {
                let req = Request::builder()
                    .method("POST")
                    .uri(uri)
                    .header("authorization", "Bearer t-inv")
                    .header("content-type", "application/json")
                    .body(Body::from(
                        serde_json::to_vec(&json!({"note": format!("catatan {i}")})).unwrap(),
                    ))
                    .unwrap();
                router.oneshot(req).await.unwrap().status()
            })
        })
        .collect();
    for n in notes {
        assert_eq!(
            n.await.unwrap(),
            StatusCode::OK,
            "every legal command is recorded"
        );
    }
    let (_, _, verified) = c
        .call(
            "GET",
            &format!("/v1/cases/{case}/verify"),
            Some("t-audit"),
            &[],
            None,
        )
        .await;
    assert_eq!(verified["report"]["events"], 6 + 50, "{verified}");

    // Metrics: commands by route and outcome, latency histogram, projectors.
    let req = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap();
    let response = c.router.clone().oneshot(req).await.unwrap();
    let text = String::from_utf8(
        axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains(
            r#"ombud_commands_total{command="request-clarification",outcome="version_conflict"} 50"#
        ),
        "{text}"
    );
    assert!(
        text.contains("# TYPE ombud_read_own_writes_waits_total counter"),
        "{text}"
    );
    assert!(
        text.contains(r#"ombud_commands_total{command="request-clarification",outcome="ok"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"ombud_commands_total{command="notes",outcome="ok"} 50"#),
        "{text}"
    );
    assert!(text.contains("ombud_command_seconds_count"), "{text}");
    assert!(
        text.contains(r#"ombud_projector_quarantined{projector="cases"} 0"#),
        "{text}"
    );

    // The live feed: every event from a sequence, ids = stream sequences, sealed data.
    let ids = |text: &str| -> Vec<u64> {
        text.lines()
            .filter_map(|l| l.strip_prefix("id: ").or_else(|| l.strip_prefix("id:")))
            .map(|v| v.trim().parse().unwrap())
            .collect()
    };
    let feed = |token: &'static str, last: Option<&'static str>| {
        let router = c.router.clone();
        async move {
            let mut req = Request::builder()
                .uri("/v1/events")
                .header("authorization", format!("Bearer {token}"));
            if let Some(last) = last {
                req = req.header("last-event-id", last);
            }
            let response = router
                .oneshot(req.body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let mut stream = response.into_body().into_data_stream();
            let mut text = String::new();
            let _ = tokio::time::timeout(Duration::from_millis(1500), async {
                use futures_util::StreamExt as _;
                while let Some(Ok(chunk)) = stream.next().await {
                    text.push_str(&String::from_utf8_lossy(&chunk));
                    if text.matches("id:").count() >= 3 {
                        break;
                    }
                }
            })
            .await;
            text
        }
    };
    let all = feed("t-audit", None).await;
    assert_eq!(ids(&all)[..3], [1, 2, 3], "{all}");
    assert!(
        all.contains("ombud.case.reported") && !all.contains("Asep"),
        "{all}"
    );
    let resumed = feed("t-audit", Some("2")).await;
    assert_eq!(ids(&resumed)[..3], [3, 4, 5], "{resumed}");
    let own = feed("t-boss", None).await;
    assert_eq!(
        ids(&own)[..3],
        [1, 2, 3],
        "a head of office gets its own office's events: {own}"
    );
    let other = feed("t-other", None).await;
    assert!(
        ids(&other).is_empty(),
        "another office's events are not in its feed: {other}"
    );
}

/// A command this process acknowledged is in every read that starts after it, without
/// `min_seq` and whoever reads: the projectors gather a busy log's events into one batch
/// (`ProjectionConfig::gather`), and a query waits for the process's own writes.
async fn a_command_is_in_the_next_read_at_once(c: Client) {
    for n in 0..30 {
        let (status, _, created) = c.post("/v1/cases", "t-intake", report_body()).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let case = created["case_id"].as_str().unwrap();
        let (status, _, list) = c
            .call("GET", "/v1/cases?limit=50", Some("t-boss"), &[], None)
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert!(
            list.to_string().contains(case),
            "report {n}: {case} is not yet in the case list: {list}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_both_backends_a_command_is_in_the_next_read_at_once() {
    let server = NatsServer::start().unwrap();
    let dir = TempDir::new("api").unwrap();
    a_command_is_in_the_next_read_at_once(build(&dir, Some(&server.url())).await).await;
    let dir = TempDir::new("api").unwrap();
    a_command_is_in_the_next_read_at_once(build(&dir, None).await).await;
}

/// A query waits only for the projector it reads from: with the transparency log's tree
/// failed, case reads with `min_seq` answer at once (they waited 5 s and failed), and a
/// command then a list still shows it.
async fn with_a_projector_failed_queries_do_not_wait_for_it(c: Client) {
    // A stored leaf that is not the next message's: the transparency log's tree stops on it.
    let head = c.head().await;
    let mut key = vec![b'g'];
    key.extend_from_slice(&(head / 16).to_be_bytes());
    let wrong = "11".repeat(32 * (head % 16 + 1) as usize);
    let models = c.app.views();
    ombud_projection::store::put(models.log_tree.trees().tree("tlog"), &key, &wrong).unwrap();
    let (status, _, created) = c.post("/v1/cases", "t-intake", report_body()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    tokio::time::timeout(Duration::from_secs(20), async {
        while models.log_tree.is_running() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the tree's projector stops on the wrong leaf");

    for n in 0..5 {
        let (status, _, created) = c.post("/v1/cases", "t-intake", report_body()).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let case = created["case_id"].as_str().unwrap();
        let seq = created["seq"].as_u64().unwrap();
        let (status, _, file) = tokio::time::timeout(
            Duration::from_secs(4),
            c.call(
                "GET",
                &format!("/v1/cases/{case}?min_seq={seq}"),
                Some("t-boss"),
                &[],
                None,
            ),
        )
        .await
        .expect("a case read waits for the case files only, not for the failed tree");
        assert_eq!(status, StatusCode::OK, "report {n}: {file}");
        assert_eq!(file["case_id"], case, "{file}");
        let (status, _, list) = c
            .call("GET", "/v1/cases?limit=50", Some("t-boss"), &[], None)
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert!(list.to_string().contains(case), "report {n}: {list}");
    }
    assert!(
        !models.log_tree.is_running() && models.cases.is_running(),
        "the tree stayed failed, the case files ran on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_both_backends_queries_do_not_wait_for_a_failed_projector() {
    let server = NatsServer::start().unwrap();
    let dir = TempDir::new("api").unwrap();
    with_a_projector_failed_queries_do_not_wait_for_it(build(&dir, Some(&server.url())).await)
        .await;
    let dir = TempDir::new("api").unwrap();
    with_a_projector_failed_queries_do_not_wait_for_it(build(&dir, None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_jetstream_the_api_serves_a_case_and_refuses_bad_requests() {
    let server = NatsServer::start().unwrap();
    let dir = TempDir::new("api").unwrap();
    life_of_a_case_and_bad_requests(build(&dir, Some(&server.url())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_embedded_the_api_serves_a_case_and_refuses_bad_requests() {
    let dir = TempDir::new("api").unwrap();
    life_of_a_case_and_bad_requests(build(&dir, None).await).await;
}

/// The edge, request by request: a body not declared as JSON is refused with 415 and writes
/// nothing; a wrong method gets problem+json 405; the bearer scheme is case-insensitive;
/// plain dates are accepted where a date is meant, and a bad one says what is expected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edge_refuses_what_it_cannot_read_and_says_why() {
    let dir = TempDir::new("api-edge").unwrap();
    let c = build(&dir, None).await;
    let raw = |method: &str, uri: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>| {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(body.map_or_else(Body::empty, Body::from)).unwrap();
        let router = c.router.clone();
        async move {
            let response = router.oneshot(req).await.unwrap();
            let status = response.status();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (
                status,
                kind,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let body = serde_json::to_vec(&report_body()).unwrap();
    let auth = ("authorization", "Bearer t-intake");
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut headers = vec![auth];
        if let Some(t) = content_type {
            headers.push(("content-type", t));
        }
        let (status, kind, problem) = raw("POST", "/v1/cases", &headers, Some(body.clone())).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(kind.as_deref(), Some("application/problem+json"));
        assert_eq!(problem["code"], "unsupported_media_type", "{problem}");
        assert!(problem["detail"]
            .as_str()
            .unwrap()
            .contains("application/json"));
    }
    // Text printed on letters must read as stored: a right-to-left override or a zero-width
    // space in the agency's name is refused.
    for sneaky in [
        "Dinas \u{202E}lipiS nad",
        "Dinas\u{200B}Kependudukan",
        "Dinas\u{2066}X",
        "Dinas\u{2028}Kependudukan",
        "Dinas\u{E0041}\u{E0042}",
    ] {
        let mut report = report_body();
        report["respondent"]["agency_name"] = json!(sneaky);
        let (status, _, problem) = raw(
            "POST",
            "/v1/cases",
            &[auth, ("content-type", "application/json")],
            Some(serde_json::to_vec(&report).unwrap()),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("invisible"),
            "{problem}"
        );
    }
    assert_eq!(c.head().await, 0, "a refused body writes nothing");
    let (status, _, created) = raw(
        "POST",
        "/v1/cases",
        &[auth, ("content-type", "application/json; charset=utf-8")],
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let case = created["case_id"].as_str().unwrap().to_owned();

    let (status, kind, problem) = raw("DELETE", "/v1/cases", &[auth], None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(kind.as_deref(), Some("application/problem+json"));
    assert_eq!(problem["code"], "method_not_allowed", "{problem}");

    let (status, _, _) = raw("GET", "/v1/cases", &[("authorization", "Bearer  ")], None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an empty token is no token"
    );
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let value = format!("{scheme} t-audit");
        let (status, _, _) = raw("GET", "/v1/cases", &[("authorization", &value)], None).await;
        assert_eq!(status, StatusCode::OK, "{scheme}");
    }

    // Plain dates, as office days (WIB): the case was reported on 2026-09-01 (09:00 WIB).
    let audit = [("authorization", "Bearer t-audit")];
    let count = |answer: &Value| answer["items"].as_array().map_or(0, Vec::len);
    let (status, _, page) = raw(
        "GET",
        "/v1/cases?reported_from=2026-09-01&reported_to=2026-09-01&min_seq=1",
        &audit,
        None,
    )
    .await;
    assert_eq!((status, count(&page)), (StatusCode::OK, 1), "{page}");
    let (_, _, page) = raw("GET", "/v1/cases?reported_from=2026-09-02", &audit, None).await;
    assert_eq!(count(&page), 0, "{page}");
    let (_, _, page) = raw("GET", "/v1/cases?reported_to=2026-08-31", &audit, None).await;
    assert_eq!(count(&page), 0, "{page}");
    let (status, _, problem) = raw("GET", "/v1/cases?reported_from=1%20Nov", &audit, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        problem["detail"].as_str().unwrap().contains("2026-11-01"),
        "says what is expected: {problem}"
    );
    let (status, _, trail) = raw(
        "GET",
        &format!("/v1/cases/{case}/events?as_of=2026-09-01"),
        &audit,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    assert_eq!(trail["events"].as_array().unwrap().len(), 1);
    // Statistics: another office's are refused, a role that sees every office names one, and
    // an office with nothing to count says so (no `200 null`).
    let (status, _, problem) = raw(
        "GET",
        "/v1/stats?office=jawa-barat",
        &[("authorization", "Bearer t-other")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (status, _, problem) = raw("GET", "/v1/stats", &audit, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("?office="));
    let (status, _, problem) = raw("GET", "/v1/stats?office=jakarta-raya", &audit, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(problem["code"], "no_statistics");
    let boss = [("authorization", "Bearer t-boss")];
    // Its own office's, once the read models hold the report (read-your-writes).
    let (status, _, stats) = raw("GET", "/v1/stats?min_seq=1", &boss, None).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert!(stats.is_object(), "{stats}");

    // Agency dossiers are scoped like the statistics: an office's own dealings with the
    // agency, never another office's.
    let dossier = "/v1/agencies/disdukcapil-kota-tasikmalaya";
    let (status, _, own) = raw("GET", &format!("{dossier}?min_seq=1"), &boss, None).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["office"], "jawa-barat", "{own}");
    assert_eq!(own["open"], 1, "{own}");
    let other = [("authorization", "Bearer t-other")];
    let (status, _, problem) = raw("GET", dossier, &other, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "its own office has no such dossier: {problem}"
    );
    assert!(!problem.to_string().contains("Tasikmalaya"), "{problem}");
    let (status, _, problem) =
        raw("GET", &format!("{dossier}?office=jawa-barat"), &other, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(!problem.to_string().contains("\"open\""), "{problem}");
    let (status, _, problem) = raw("GET", dossier, &audit, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let (status, _, named) =
        raw("GET", &format!("{dossier}?office=jawa-barat"), &audit, None).await;
    assert_eq!(status, StatusCode::OK, "{named}");
    assert_eq!(named, own, "the same dossier");

    // `min_seq` is accepted by every read route (read models wait for it; the trail, its
    // verification and the access log read their own stores, always current).
    for path in [
        format!("/v1/cases/{case}?min_seq=1"),
        "/v1/cases?min_seq=1".to_owned(),
        "/v1/queue?min_seq=1".to_owned(),
        "/v1/stats?office=jawa-barat&min_seq=1".to_owned(),
        "/v1/agencies/disdukcapil-kota-tasikmalaya?office=jawa-barat&min_seq=1".to_owned(),
        format!("/v1/cases/{case}/events?min_seq=1"),
        format!("/v1/cases/{case}/verify?min_seq=1"),
    ] {
        let (status, _, answer) = raw("GET", &path, &audit, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
    }
    let (status, _, _) = raw(
        "GET",
        "/v1/access-log?min_seq=1",
        &[("authorization", "Bearer t-dpo")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the access log takes min_seq too");

    // Every documented query parameter and header is taken where it is documented (all of a
    // route's examples at once): no route refuses what its documentation offers.
    for route in ombud_http::openapi::routes() {
        if route.method != "get" || route.path == "/v1/events" || route.path == "/v1/notifications"
        {
            continue; // the streams, tested in tests/feed.rs and tests/deadlines.rs
        }
        if route.query.is_empty() && route.headers.is_empty() {
            continue;
        }
        let query: Vec<String> = route
            .query
            .iter()
            .map(|(name, example, _)| format!("{name}={example}"))
            .collect();
        let path = format!(
            "{}?{}",
            route
                .path
                .replace("{id}", &case)
                .replace("{code}", "disdukcapil-kota-tasikmalaya"),
            query.join("&")
        );
        let token = match route.path.as_str() {
            "/v1/access-log" | "/v1/erasure-requests" => "Bearer t-dpo",
            "/v1/queue" => "Bearer t-boss",
            _ => "Bearer t-audit",
        };
        let mut headers = vec![("authorization", token)];
        headers.extend(
            route
                .headers
                .iter()
                .map(|(name, example, _)| (*name, *example)),
        );
        let (status, _, answer) = raw("GET", &path, &headers, None).await;
        assert!(
            status.is_success(),
            "GET {path} with every documented parameter: {status} {answer}"
        );
    }

    // Another investigator's queue is not an investigator's to read: 403, not 422.
    let (status, _, problem) = raw(
        "GET",
        "/v1/queue?assignee=riksa.siti",
        &[("authorization", "Bearer t-other")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["code"], "not_permitted");

    // The day before it was reported, the case did not exist yet.
    let (status, _, _) = raw(
        "GET",
        &format!("/v1/cases/{case}/events?as_of=2026-08-31"),
        &audit,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
