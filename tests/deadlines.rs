//! The deadline engine end to end in process, on both backends (sled on disk, and JetStream
//! on a real nats-server): the application as `ombud serve` assembles it, its clock injected
//! and moved day by day, its engine passes run as `serve` runs them, and everything checked
//! through the HTTP API (the deadline board, the case files, dismissing a proposal, the SSE
//! reminders) and, on JetStream, a raw NATS subscriber of `ombud.notify.>`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::StreamExt as _;
use ombud_app::config::WriteKeysSetting;
use ombud_app::{Application, Settings, TokenSource};
use ombud_domain::{Role, Timestamp};
use ombud_envelope::MasterKey;
use ombud_http::Tokens;
use ombud_testkit::{NatsServer, TempDir};
use serde_json::{json, Value};
use tower::ServiceExt as _;

/// The injected clock: seconds since the epoch, moved by the test.
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn at(day: &str) -> Self {
        let clock = TestClock(Arc::new(AtomicI64::new(0)));
        clock.set(day);
        clock
    }

    /// 09:00 WIB on `day`.
    fn set(&self, day: &str) {
        let t = Timestamp::parse(&format!("{day}T02:00:00Z")).unwrap();
        self.0.store(
            chrono::DateTime::parse_from_rfc3339(&t.to_string())
                .unwrap()
                .timestamp(),
            Ordering::SeqCst,
        );
    }

    fn now(&self) -> Timestamp {
        let secs = self.0.load(Ordering::SeqCst);
        let at = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        Timestamp::parse(&at.to_rfc3339()).unwrap()
    }
}

struct Secrets {
    master: String,
    blind: String,
    write: String,
}

impl Secrets {
    fn new() -> Self {
        let secret = || MasterKey::generate().to_hex();
        Secrets {
            master: secret(),
            blind: secret(),
            write: format!("test:{}", secret()),
        }
    }
}

async fn build(
    dir: &std::path::Path,
    nats: Option<&str>,
    clock: &TestClock,
    secrets: &Secrets,
) -> Application {
    let mut settings = Settings::from_config(ombud_app::config::load(None).unwrap()).unwrap();
    settings.data = dir.to_owned();
    settings.nats = nats.map(str::to_owned);
    settings.nats_config.request_timeout_ms = 5_000;
    settings.listen = "127.0.0.1:0".parse().unwrap();
    let shared = clock.clone();
    settings.clock = Arc::new(move || shared.now());
    settings.security.master_key = secrets.master.clone();
    settings.security.blind_index_key = secrets.blind.clone();
    settings.security.write_keys = WriteKeysSetting::Text(secrets.write.clone());
    let mut tokens = Tokens::default();
    let person = |id: &str, role, office: &str| ombud_testkit::people::named(id, role, office);
    tokens.insert("t-intake", person("pvl.rina", Role::Intake, "jawa-barat"));
    tokens.insert(
        "t-inv",
        person("riksa.siti", Role::Investigator, "jawa-barat"),
    );
    tokens.insert(
        "t-head",
        person("kanit.ahmad", Role::UnitHead, "jawa-barat"),
    );
    tokens.insert(
        "t-boss",
        person("kepala.budi", Role::OfficeHead, "jawa-barat"),
    );
    tokens.insert(
        "t-other",
        person("kanit.joni", Role::UnitHead, "jakarta-raya"),
    );
    tokens.insert("t-audit", person("audit.dewi", Role::Auditor, "pusat"));
    settings.tokens = TokenSource::Given(tokens);
    Application::build(settings).await.unwrap()
}

async fn call(
    app: &Application,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if method == "POST" {
        req = req.header("idempotency-key", uuid::Uuid::now_v7().to_string());
    }
    let req = req
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = app.router().oneshot(req).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn post(app: &Application, token: &str, path: &str, body: Value) -> Value {
    let (status, answer) = call(app, "POST", path, token, Some(body)).await;
    assert!(status.is_success(), "POST {path}: {status} {answer}");
    answer
}

/// GET once the read models hold the log's head.
async fn get(app: &Application, token: &str, path: &str) -> (StatusCode, Value) {
    app.catch_up(Duration::from_secs(10)).await.unwrap();
    call(app, "GET", path, token, None).await
}

fn report() -> Value {
    json!({
        "office": "jawa-barat", "channel": "walk_in", "track": "regular",
        "reporter": { "name": "Asep Saepudin", "nik": "3278010101800001" },
        "respondent": { "agency_code": "disdukcapil-kota-tasikmalaya",
                        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya",
                        "superior": "Wali Kota Tasikmalaya" },
        "forms": ["undue_delay"], "incident_date": "2026-08-01", "prior_complaint": true,
        "summary": "KTP-el tidak kunjung terbit."
    })
}

fn letter(day: &str) -> Value {
    json!({"via": "post", "number": "B/1/PW.13/2026", "date": day, "received_on": day})
}

/// A reported case awaiting completion (its clock runs from `day`).
async fn awaiting_completion(app: &Application, day: &str) -> String {
    let case = post(app, "t-intake", "/v1/cases", report()).await["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        app,
        "t-intake",
        &format!("/v1/cases/{case}/request-completion"),
        json!({"missing": "Fotokopi KTP.", "letter": letter(day)}),
    )
    .await;
    case
}

/// A case under examination, assigned to riksa.siti in unit riksa-1, with a clarification
/// requested and received on `day`.
async fn awaiting_clarification(app: &Application, day: &str) -> String {
    let case = post(app, "t-intake", "/v1/cases", report()).await["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for stage in ["formal", "material"] {
        post(
            app,
            "t-intake",
            &format!("/v1/cases/{case}/record-verification"),
            json!({"stage": stage, "passed": true}),
        )
        .await;
    }
    post(
        app,
        "t-head",
        &format!("/v1/cases/{case}/accept"),
        json!({"pleno": {"number": "PLENO/2026/1", "date": day}, "unit": "riksa-1", "assignee": "riksa.siti"}),
    )
    .await;
    post(
        app,
        "t-inv",
        &format!("/v1/cases/{case}/request-clarification"),
        json!({"letter": letter(day)}),
    )
    .await;
    case
}

/// A request of the web interface with the session cookie (and a form body for POST): the
/// status and the page.
async fn web(
    app: &Application,
    method: &str,
    uri: &str,
    session: &str,
    form: &str,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if !session.is_empty() {
        req = req.header("cookie", session);
    }
    if method == "POST" {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let response = app
        .router()
        .oneshot(req.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Signs in on the web interface with `token`; returns the session's `Cookie` header.
async fn web_sign_in(app: &Application, token: &str) -> String {
    let req = Request::builder()
        .uri("/signin")
        .body(Body::empty())
        .unwrap();
    let response = app.router().oneshot(req).await.unwrap();
    let pre = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("ombud_signin="))
        .unwrap();
    let csrf = pre.trim_start_matches("ombud_signin=").to_owned();
    let req = Request::builder()
        .method("POST")
        .uri("/signin")
        .header("cookie", &pre)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("_csrf={csrf}&token={token}")))
        .unwrap();
    let response = app.router().oneshot(req).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("ombud_session="))
        .unwrap()
}

fn board_item<'v>(board: &'v Value, case: &str, clock: &str) -> Option<&'v Value> {
    board
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["case_id"] == case && i["deadline"]["clock"] == clock)
}

/// Reads the reminders of an open `GET /v1/notifications` stream for `token` until `wanted`
/// arrived (or 10 s passed).
async fn reminders(app: &Application, token: &str) -> tokio::sync::mpsc::UnboundedReceiver<Value> {
    let req = Request::builder()
        .uri("/v1/notifications")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router().oneshot(req).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut body = response.into_body().into_data_stream();
    tokio::spawn(async move {
        let mut text = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = text.find("\n\n") {
                let frame: String = text.drain(..end + 2).collect();
                if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                    if let Ok(value) = serde_json::from_str(data) {
                        let _ = tx.send(value);
                    }
                }
            }
        }
    });
    rx
}

async fn next_reminder(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a reminder arrives")
        .expect("the stream is open")
}

async fn the_engine_acts_once_proposes_and_reminds(nats: Option<&NatsServer>) {
    let dir = TempDir::new("deadlines").unwrap();
    let secrets = Secrets::new();
    let clock = TestClock::at("2026-09-01");
    let url = nats.map(NatsServer::url);
    let app = build(dir.path(), url.as_deref(), &clock, &secrets).await;
    let deemed = awaiting_completion(&app, "2026-09-01").await;
    let completed = awaiting_completion(&app, "2026-09-01").await;
    let examined = awaiting_clarification(&app, "2026-09-01").await;

    // The board: who sees what, and its filters.
    let (status, board) = get(&app, "t-head", "/v1/deadlines?within_days=60").await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let completion = board_item(&board, &deemed, "completion").expect("the completion clock");
    assert_eq!(completion["deadline"]["due_on"], "2026-10-01");
    let clarification =
        board_item(&board, &examined, "clarification").expect("the clarification clock");
    assert_eq!(clarification["deadline"]["due_on"], "2026-09-15");
    assert_eq!(clarification["unit"], "riksa-1");
    let (_, mine) = get(
        &app,
        "t-head",
        "/v1/deadlines?within_days=60&assignee=riksa.siti",
    )
    .await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let (_, unit) = get(&app, "t-head", "/v1/deadlines?within_days=60&unit=riksa-1").await;
    assert_eq!(unit.as_array().unwrap().len(), 1, "{unit}");
    let (_, none_yet) = get(&app, "t-head", "/v1/deadlines?within_days=60&overdue=true").await;
    assert!(none_yet.as_array().unwrap().is_empty(), "{none_yet}");
    let (status, refused) = get(&app, "t-other", "/v1/deadlines?office=jawa-barat").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (_, theirs) = get(&app, "t-other", "/v1/deadlines?within_days=60").await;
    assert!(
        theirs.as_array().unwrap().is_empty(),
        "another office's board: {theirs}"
    );
    let (_, all) = get(&app, "t-audit", "/v1/deadlines?within_days=60").await;
    assert_eq!(all.as_array().unwrap().len(), 3, "{all}");

    // A person stops a clock first: that case gets nothing from the engine.
    post(
        &app,
        "t-intake",
        &format!("/v1/cases/{completed}/complete"),
        json!({"received_on": "2026-09-01", "note": "KTP diserahkan."}),
    )
    .await;

    // Nothing has run out on the due date itself.
    let mut inbox = reminders(&app, "t-inv").await;
    let mut heads = reminders(&app, "t-head").await;
    let mut nats_inbox = match &url {
        Some(url) => {
            let client = async_nats::connect(url.as_str()).await.unwrap();
            let subscription = client.subscribe("ombud.notify.>").await.unwrap();
            // The server has the subscription once a flush came back (before the engine runs).
            client.flush().await.unwrap();
            Some((client, subscription))
        }
        None => None,
    };
    let before = app.log().head().await.unwrap();
    clock.set("2026-09-11");
    let pass = app.engine_pass().await;
    assert!(pass.failures.is_empty(), "{pass:?}");
    assert_eq!((pass.performed, pass.proposed), (0, 0), "{pass:?}");
    assert_eq!(
        pass.reminders, 1,
        "the clarification is due within 3 working days: {pass:?}"
    );
    let reminder = next_reminder(&mut inbox).await;
    assert_eq!(reminder["case_id"], examined.as_str());
    assert_eq!(reminder["kind"], "due_soon");
    assert_eq!(reminder["to"], "riksa.siti");
    assert_eq!(next_reminder(&mut heads).await["id"], reminder["id"]);
    if let Some((_, sub)) = nats_inbox.as_mut() {
        let message = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            message.subject.as_str(),
            "ombud.notify.jawa-barat.riksa.siti"
        );
        let body: Value = serde_json::from_slice(&message.payload).unwrap();
        assert_eq!(body["id"], reminder["id"]);
    }
    let again = app.engine_pass().await;
    assert_eq!(
        again.reminders, 0,
        "each threshold is reminded once: {again:?}"
    );
    assert_eq!(
        app.log().head().await.unwrap(),
        before,
        "reminders are not case events"
    );

    // The clarification ran out: a proposal, once, however many passes or engines.
    clock.set("2026-09-16");
    let pass = app.engine_pass().await;
    assert_eq!((pass.performed, pass.proposed), (0, 1), "{pass:?}");
    assert_eq!(pass.reminders, 1, "overdue: {pass:?}");
    assert_eq!(next_reminder(&mut inbox).await["kind"], "overdue");
    let head = app.log().head().await.unwrap();
    assert_eq!(head, before + 1);
    let again = app.engine_pass().await;
    assert_eq!((again.proposed, again.reminders), (0, 0), "{again:?}");
    if let Some(url) = &url {
        // A second ombud process on the same stream: its engine's act is answered with the
        // first one's event.
        let other_dir = TempDir::new("deadlines-second").unwrap();
        let second = build(other_dir.path(), Some(url), &clock, &secrets).await;
        second.catch_up(Duration::from_secs(10)).await.unwrap();
        let theirs = second.engine_pass().await;
        assert_eq!(theirs.proposed, 0, "{theirs:?}");
        second.stop().await.unwrap();
    }
    assert_eq!(
        app.log().head().await.unwrap(),
        head,
        "one event for one proposal"
    );
    let (_, proposed) = get(&app, "t-head", "/v1/deadlines?proposed=true&overdue=true").await;
    let item = board_item(&proposed, &examined, "clarification").expect("the proposal is listed");
    assert_eq!(item["proposal"]["action"], "next_clarification_round");
    assert_eq!(item["proposal"]["command"], "request-clarification");
    let (_, file) = get(&app, "t-head", &format!("/v1/cases/{examined}")).await;
    let line = file["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(line["event_type"], "action_proposed", "{line}");
    assert_eq!(line["actor"], "deadline-engine");

    // Carried out by the person whose act it is: recorded as theirs, and no longer listed.
    post(
        &app,
        "t-inv",
        &format!("/v1/cases/{examined}/request-clarification"),
        json!({"letter": letter("2026-09-16")}),
    )
    .await;
    let (_, file) = get(&app, "t-head", &format!("/v1/cases/{examined}")).await;
    let line = file["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (line["event_type"].clone(), line["actor"].clone()),
        (json!("clarification_requested"), json!("riksa.siti"))
    );
    let (_, proposed) = get(&app, "t-head", "/v1/deadlines?proposed=true").await;
    assert!(proposed.as_array().unwrap().is_empty(), "{proposed}");

    // The engine is down over the completion clock's due date (2026-10-01); after a restart
    // it closes that case, as the system, and leaves the completed one alone.
    app.stop().await.unwrap();
    clock.set("2026-10-03");
    let app = build(dir.path(), url.as_deref(), &clock, &secrets).await;
    app.catch_up(Duration::from_secs(10)).await.unwrap();
    let pass = app.engine_pass().await;
    assert!(pass.failures.is_empty(), "{pass:?}");
    assert_eq!(pass.performed, 1, "{pass:?}");
    // Round two ran out too (14 days from 2026-09-16): a summons is proposed.
    assert_eq!(pass.proposed, 1, "{pass:?}");
    let (_, file) = get(&app, "t-head", &format!("/v1/cases/{deemed}")).await;
    assert_eq!(file["state"]["status"], "closed", "{file}");
    assert_eq!(file["closure"]["reason"], "incomplete_deemed_withdrawn");
    let line = file["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(line["actor"], "deadline-engine", "{line}");
    assert_eq!(line["role"], "system", "{line}");
    let (_, file) = get(&app, "t-head", &format!("/v1/cases/{completed}")).await;
    assert_eq!(file["state"]["status"], "received", "{file}");

    // Dismissed, with a reason: recorded, no longer listed, never proposed again.
    let (_, proposed) = get(&app, "t-head", "/v1/deadlines?proposed=true").await;
    let item = board_item(&proposed, &examined, "clarification").expect("the summons proposal");
    assert_eq!(item["proposal"]["action"], "summons");
    let seq = item["proposal"]["seq"].as_u64().unwrap();
    let (status, refused) = call(
        &app,
        "POST",
        &format!("/v1/cases/{examined}/dismiss-proposal"),
        "t-inv",
        Some(json!({"proposal": seq, "reason": "Terlapor menjawab lewat telepon."})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an investigator may not dismiss: {refused}"
    );
    // The unit head dismisses it from the web interface: the case page lists the proposal
    // with its dismissal form.
    let session = web_sign_in(&app, "t-head").await;
    let (status, page) = web(&app, "GET", &format!("/cases/{examined}"), &session, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("id=\"proposal-{seq}\"")), "{page}");
    // A summons is the investigator's act: the unit head is offered the dismissal, not the act;
    // the investigator the act, not the dismissal.
    assert!(!page.contains("href=\"#act-summon\""), "{page}");
    let examiner = web_sign_in(&app, "t-inv").await;
    let (_, theirs) = web(&app, "GET", &format!("/cases/{examined}"), &examiner, "").await;
    assert!(
        theirs.contains(&format!("id=\"proposal-{seq}\"")),
        "{theirs}"
    );
    assert!(theirs.contains("href=\"#act-summon\""), "{theirs}");
    assert!(theirs.contains("id=\"act-summon\""), "{theirs}");
    assert!(!theirs.contains("class=\"dismiss\""), "{theirs}");
    let form = &page[page.find("class=\"dismiss\"").expect("a dismissal form")..];
    let field = |name: &str| {
        let at = form.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        form[at..at + form[at..].find('"').unwrap()].to_owned()
    };
    let body = format!(
        "_csrf={}&_key={}&_if_match={}&body={}",
        field("_csrf"),
        field("_key"),
        field("_if_match"),
        support::urlencode(
            &json!({"proposal": seq, "reason": "Terlapor menjawab lewat telepon."}).to_string()
        )
    );
    let (status, _) = web(
        &app,
        "POST",
        &format!("/cases/{examined}/do/dismiss-proposal"),
        &session,
        &body,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, file) = get(&app, "t-head", &format!("/v1/cases/{examined}")).await;
    let line = file["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (line["event_type"].clone(), line["actor"].clone()),
        (json!("proposal_dismissed"), json!("kanit.ahmad"))
    );
    let (_, page) = web(&app, "GET", &format!("/cases/{examined}"), &session, "").await;
    assert!(
        !page.contains(&format!("id=\"proposal-{seq}\"")),
        "no longer listed: {page}"
    );
    let (_, proposed) = get(&app, "t-head", "/v1/deadlines?proposed=true").await;
    assert!(proposed.as_array().unwrap().is_empty(), "{proposed}");
    let head = app.log().head().await.unwrap();
    let again = app.engine_pass().await;
    assert_eq!((again.performed, again.proposed), (0, 0), "{again:?}");
    assert_eq!(app.log().head().await.unwrap(), head);
    app.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_embedded_the_deadline_engine_acts_once_proposes_and_reminds() {
    the_engine_acts_once_proposes_and_reminds(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_jetstream_the_deadline_engine_acts_once_proposes_and_reminds() {
    let server = NatsServer::start().unwrap();
    the_engine_acts_once_proposes_and_reminds(Some(&server)).await;
}

mod support;

/// `/readyz` once the server's deadline engine has made its start-up pass.
async fn after_the_first_pass(server: &support::Server) -> Value {
    let token = server.tokens["chair"].clone();
    for _ in 0..600 {
        let (_, ready) = support::http(&server.addr, "GET", "/readyz", &token, &[], None)
            .await
            .unwrap();
        let head = ready["log_head"].as_u64().unwrap_or(u64::MAX);
        let caught_up = ready["projectors"]
            .as_array()
            .is_some_and(|p| p.iter().all(|p| p["checkpoint"].as_u64() >= Some(head)));
        if ready["deadline_engine"]["passes"].as_u64().unwrap_or(0) >= 1 && caught_up {
            return ready;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the deadline engine made no pass (with the read models caught up) within 60 s");
}

/// Through the user's door: `ombud serve --demo` runs the engine over the demo's overdue
/// clocks at start-up (shown in `/readyz` and `ombud status`), its proposals are on the board
/// (`GET /v1/deadlines`, `ombud case deadlines`), and a restart records nothing again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_the_engine_over_the_demo_once_across_a_restart() {
    let dir = TempDir::new("deadlines-demo").unwrap();
    let data = dir.path().join("data");
    let mut server = support::start(&data, &["--demo"]).await;
    let ready = after_the_first_pass(&server).await;
    let report = &ready["deadline_engine"]["report"];
    assert!(report["failures"].as_array().unwrap().is_empty(), "{ready}");
    let acted = report["performed"].as_u64().unwrap() + report["proposed"].as_u64().unwrap();
    assert!(acted > 0, "the demo holds overdue clocks: {ready}");
    let head = ready["log_head"].as_u64().unwrap();

    let head_token = server.tokens["unit_head"].clone();
    let path = "/v1/deadlines?proposed=true&overdue=true&within_days=0";
    let (status, board) = support::http(&server.addr, "GET", path, &head_token, &[], None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{board}");
    let items = board.as_array().unwrap();
    assert!(
        !items.is_empty(),
        "open proposals on the board: {board} after {ready}"
    );
    assert!(items
        .iter()
        .all(|i| i["overdue"] == true && i["proposal"]["command"].is_string()));
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args([
            "case",
            "deadlines",
            "--proposed",
            "--overdue",
            "--within",
            "0",
        ])
        .env("OMBUD_SERVER", format!("http://{}", server.addr))
        .env("OMBUD_TOKEN", &head_token)
        .output()
        .unwrap();
    assert!(cli.status.success(), "{cli:?}");
    let table = String::from_utf8_lossy(&cli.stdout);
    let reference = items[0]["reference"].as_str().unwrap();
    assert!(table.contains(reference), "{table}");
    assert!(table.contains("carries it out"), "{table}");
    let status_cli = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["status"])
        .env("OMBUD_SERVER", format!("http://{}", server.addr))
        .env("OMBUD_TOKEN", &head_token)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&status_cli.stdout);
    assert!(shown.contains("deadline engine: 1 passes"), "{shown}");
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();

    // Restarted on the same data: the start-up pass finds everything done.
    let mut server = support::start(&data, &[]).await;
    let ready = after_the_first_pass(&server).await;
    let report = &ready["deadline_engine"]["report"];
    assert_eq!(
        (report["performed"].as_u64(), report["proposed"].as_u64()),
        (Some(0), Some(0)),
        "{ready}"
    );
    assert_eq!(
        ready["log_head"].as_u64(),
        Some(head),
        "nothing recorded twice: {ready}"
    );
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
}
