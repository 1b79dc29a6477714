//! The web interface through its pages, in process (the application as `ombud serve`
//! assembles it, on the embedded log and on JetStream, its router called as a browser would):
//! sign-in with CSRF and lock-out, sessions in HttpOnly SameSite=Strict cookies, the strict
//! Content-Security-Policy, the work queue, the case file with the actions the user may take,
//! a double submit that records one event, a stale page that is told, a refusal beside its
//! form with nothing written, another office's case that reads as absent, both languages.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ombud_app::config::WriteKeysSetting;
use ombud_app::{Application, Settings, TokenSource};
use ombud_domain::{Role, Timestamp};
use ombud_envelope::MasterKey;
use ombud_http::Tokens;
use ombud_testkit::{NatsServer, TempDir};
use serde_json::{json, Value};
use tower::ServiceExt as _;

mod support;
use support::urlencode;

async fn build(dir: &TempDir, nats: Option<&str>) -> Application {
    let mut settings = Settings::from_config(ombud_app::config::load(None).unwrap()).unwrap();
    settings.data = dir.path().to_owned();
    settings.nats = nats.map(str::to_owned);
    settings.nats_config.request_timeout_ms = 5_000;
    settings.listen = "127.0.0.1:0".parse().unwrap();
    let at = Timestamp::parse("2026-09-01T02:00:00Z").unwrap();
    settings.clock = Arc::new(move || at);
    let secret = || MasterKey::generate().to_hex();
    settings.security.master_key = secret();
    settings.security.blind_index_key = secret();
    settings.security.write_keys = WriteKeysSetting::Text(format!("test:{}", secret()));
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
    tokens.insert("t-dpo", person("dpo.joko", Role::Dpo, "pusat"));
    tokens.insert(
        "t-kepala",
        person("kepala.budi", Role::OfficeHead, "jawa-barat"),
    );
    tokens.insert("t-audit", person("audit.dewi", Role::Auditor, "jawa-barat"));
    tokens.insert(
        "t-other",
        person("riksa.joni", Role::Investigator, "jakarta-raya"),
    );
    settings.tokens = TokenSource::Given(tokens);
    Application::build(settings).await.unwrap()
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Answer {
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    fn location(&self) -> &str {
        self.headers["location"].to_str().unwrap()
    }

    /// The value of the hidden field `name` in the form posting to `action`.
    fn field(&self, action: &str, name: &str) -> String {
        let form = &self.text[self
            .text
            .find(&format!("action=\"{action}\""))
            .unwrap_or_else(|| panic!("a form posting to {action} in {}", self.text))..];
        let at = form.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        form[at..at + form[at..].find('"').unwrap()].to_owned()
    }
}

fn value_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

async fn browse(
    app: &Application,
    method: &str,
    uri: &str,
    cookies: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if !cookies.is_empty() {
        let header: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        req = req.header("cookie", header.join("; "));
    }
    let body = if method == "POST" {
        req = req.header("content-type", "application/x-www-form-urlencoded");
        let pairs: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        Body::from(pairs.join("&"))
    } else {
        Body::empty()
    };
    let response = app.router().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        text: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn api(
    app: &Application,
    token: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> Value {
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
    assert!(
        response.status().is_success(),
        "{method} {uri}: {}",
        response.status()
    );
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// Signs in with `token` through the sign-in page; returns the session cookie's value.
async fn sign_in(app: &Application, token: &str) -> String {
    let form = browse(app, "GET", "/signin", &[], &[]).await;
    let pre = value_of(&form.cookie("ombud_signin").unwrap());
    let csrf = form.field("/signin", "_csrf");
    let signed = browse(
        app,
        "POST",
        "/signin",
        &[("ombud_signin", &pre)],
        &[("_csrf", &csrf), ("token", token)],
    )
    .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    assert_eq!(
        signed.location(),
        "/",
        "home sends each role to its first page"
    );
    value_of(&signed.cookie("ombud_session").unwrap())
}

async fn walk(app: Application) {
    // Signed out: every page leads to the sign-in page, which carries the page headers.
    let home = browse(&app, "GET", "/queue", &[], &[]).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/signin");
    let form = browse(&app, "GET", "/signin", &[], &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.text.starts_with("<!doctype html><html lang=\"id\">"),
        "{}",
        form.text
    );
    assert!(form
        .text
        .contains("<label for=\"token\">Token akses</label>"));
    let csp = form.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let pre_cookie = form.cookie("ombud_signin").unwrap();
    assert!(
        pre_cookie.contains("HttpOnly") && pre_cookie.contains("SameSite=Strict"),
        "{pre_cookie}"
    );
    let pre = value_of(&pre_cookie);
    let csrf = form.field("/signin", "_csrf");

    // Sign-in: a form without its CSRF token is refused; a wrong token says so.
    let forged = browse(
        &app,
        "POST",
        "/signin",
        &[("ombud_signin", &pre)],
        &[("token", "t-inv")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.cookie("ombud_session").is_none());
    let wrong = browse(
        &app,
        "POST",
        "/signin",
        &[("ombud_signin", &pre)],
        &[("_csrf", &csrf), ("token", "nope")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.text.contains("Token tidak dikenal."),
        "{}",
        wrong.text
    );
    let session = sign_in(&app, "t-inv").await;
    let home = browse(&app, "GET", "/", &[("ombud_session", &session)], &[]).await;
    assert_eq!(home.location(), "/queue");

    // A case for the investigator (through the API), then their queue in the browser.
    let case = api(&app, "t-intake", "POST", "/v1/cases", Some(json!({
        "office": "jawa-barat", "channel": "walk_in", "track": "regular",
        "reporter": { "name": "Asep Saepudin", "nik": "3278010101800001" },
        "respondent": { "agency_code": "disdukcapil-kota-tasikmalaya",
                        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya",
                        "superior": "Wali Kota Tasikmalaya" },
        "forms": ["undue_delay"], "prior_complaint": true, "summary": "KTP-el tidak kunjung terbit."
    }))).await["case_id"].as_str().unwrap().to_owned();
    app.catch_up(Duration::from_secs(10)).await.unwrap();
    // A field that does not read is said beside its form, what was typed kept, nothing
    // recorded.
    let intake = sign_in(&app, "t-intake").await;
    let head_before = app.log().head().await.unwrap();
    let unread = act(
        &app,
        &intake,
        &case,
        "record-verification",
        &[
            ("f.stage", "formal"),
            ("f.passed", "maybe"),
            ("f.note", "NIK cocok"),
        ],
    )
    .await;
    assert_eq!(
        unread.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unread.text
    );
    assert!(
        unread
            .text
            .contains("id=\"error-record-verification\" role=\"alert\">passed:"),
        "{}",
        unread.text
    );
    assert!(
        unread.text.contains("<option value=\"formal\" selected>")
            && unread.text.contains(">NIK cocok</textarea>"),
        "what was typed is kept: {}",
        unread.text
    );
    assert_eq!(app.log().head().await.unwrap(), head_before);
    for stage in ["formal", "material"] {
        api(
            &app,
            "t-intake",
            "POST",
            &format!("/v1/cases/{case}/record-verification"),
            Some(json!({"stage": stage, "passed": true})),
        )
        .await;
    }
    api(&app, "t-head", "POST", &format!("/v1/cases/{case}/accept"), Some(json!({
        "pleno": {"number": "PLENO/2026/1", "date": "2026-09-01"}, "unit": "riksa-1", "assignee": "riksa.siti"
    }))).await;
    app.catch_up(Duration::from_secs(10)).await.unwrap();
    let cookies = [("ombud_session", session.as_str())];
    let queue = browse(&app, "GET", "/queue", &cookies, &[]).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    assert!(
        queue.text.contains(&format!("href=\"/cases/{case}\"")),
        "{}",
        queue.text
    );
    assert!(
        queue.text.contains("Sedang diperiksa") || queue.text.contains("Pemeriksaan"),
        "{}",
        queue.text
    );

    // The case file, with the investigator's actions (a note, a clarification; not the
    // unit head's acceptance).
    let page = browse(&app, "GET", &format!("/cases/{case}"), &cookies, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Asep Saepudin"),
        "the reporter, as disclosed to the examiner"
    );
    let note_action = format!("/cases/{case}/do/notes");
    assert!(page.text.contains(&format!("action=\"{note_action}\"")));
    // Typed, labelled fields from the command's schema (here the note's text).
    assert!(
        page.text.contains("<label for=\"act-notes-f-note\">"),
        "{}",
        page.text
    );
    assert!(page.text.contains(&format!(
        "action=\"/cases/{case}/do/request-clarification\""
    )));
    assert!(!page
        .text
        .contains(&format!("action=\"/cases/{case}/do/accept\"")));
    let (csrf, key, seen) = (
        page.field(&note_action, "_csrf"),
        page.field(&note_action, "_key"),
        page.field(&note_action, "_if_match"),
    );
    let head = app.log().head().await.unwrap();

    // Without the session's CSRF token: refused, nothing written.
    let forged = browse(
        &app,
        "POST",
        &note_action,
        &cookies,
        &[
            ("_key", &key),
            ("_if_match", &seen),
            ("body", r#"{"note":"palsu"}"#),
        ],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.log().head().await.unwrap(), head);

    // Submitted twice (a double click): one event.
    let note = [
        ("_csrf", csrf.as_str()),
        ("_key", key.as_str()),
        ("_if_match", seen.as_str()),
        ("f.note", "Sudah ditelepon."),
    ];
    let first = browse(&app, "POST", &note_action, &cookies, &note).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);
    let second = browse(&app, "POST", &note_action, &cookies, &note).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.text);
    assert_eq!(
        app.log().head().await.unwrap(),
        head + 1,
        "one event for a double submit"
    );
    let trail = api(
        &app,
        "t-head",
        "GET",
        &format!("/v1/cases/{case}/events"),
        None,
    )
    .await;
    let last = trail["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"]["type"], "ombud.case.note_added", "{last}");
    assert_eq!(last["event"]["actor"], "riksa.siti");

    // A stale page (rendered before that note) with a new key: told, not obeyed.
    let stale = browse(
        &app,
        "POST",
        &note_action,
        &cookies,
        &[
            ("_csrf", &csrf),
            ("_key", "another-click"),
            ("_if_match", &seen),
            ("body", r#"{"note":"Lagi."}"#),
        ],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert!(stale.text.contains("sudah berubah"), "{}", stale.text);
    assert_eq!(app.log().head().await.unwrap(), head + 1);

    // A refusal by the domain reads beside its form, with what was typed, nothing written.
    app.catch_up(Duration::from_secs(10)).await.unwrap();
    let page = browse(&app, "GET", &format!("/cases/{case}"), &cookies, &[]).await;
    let action = format!("/cases/{case}/do/request-clarification");
    let refused = browse(
        &app,
        "POST",
        &action,
        &cookies,
        &[
            ("_csrf", &page.field(&action, "_csrf")),
            ("_key", &page.field(&action, "_key")),
            ("_if_match", &page.field(&action, "_if_match")),
            ("f.letter.via", "post"),
            ("f.letter.date", "2026-09-01"),
        ],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("id=\"error-request-clarification\" role=\"alert\""),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("<option value=\"post\" selected>")
            && refused.text.contains("value=\"2026-09-01\""),
        "what was typed is kept: {}",
        refused.text
    );
    assert_eq!(app.log().head().await.unwrap(), head + 1);

    // Another office's investigator: the case reads as absent, its reference unsaid.
    let other = sign_in(&app, "t-other").await;
    let theirs = browse(
        &app,
        "GET",
        &format!("/cases/{case}"),
        &[("ombud_session", &other)],
        &[],
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(!theirs.text.contains("JAWA-BARAT/"), "{}", theirs.text);
    assert!(!theirs.text.contains("Asep"), "{}", theirs.text);

    // The case list with every filter of the API (the case is under examination, assigned to
    // riksa.siti, reported at the office's counter).
    let listed = browse(
        &app,
        "GET",
        "/cases?status=under_examination&assignee=riksa.siti&channel=walk_in&order=due",
        &cookies,
        &[],
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert!(
        listed.text.contains(&format!("/cases/{case}")),
        "{}",
        listed.text
    );
    for filter in CASE_PAGE_FILTERS {
        assert!(
            listed.text.contains(&format!("name=\"{filter}\"")),
            "the list offers `{filter}`"
        );
    }
    let elsewhere = browse(&app, "GET", "/cases?channel=email", &cookies, &[]).await;
    assert!(!elsewhere.text.contains(&format!("/cases/{case}")));
    let unread = browse(&app, "GET", "/cases?reported_from=kemarin", &cookies, &[]).await;
    assert_eq!(unread.status, StatusCode::OK);
    assert!(
        unread.text.contains("role=\"alert\">`reported_from`"),
        "{}",
        unread.text
    );

    // A letter sent shows on the case page with its number, way and receipt; the
    // respondent's superior shows too.
    api(
        &app,
        "t-inv",
        "POST",
        &format!("/v1/cases/{case}/request-clarification"),
        Some(
            json!({"addressee": "respondent", "purpose": "clarification",
            "letter": {"via": "post", "number": "B/77/LM.01/IX/2026", "date": "2026-09-01",
                       "received_on": "2026-09-01"}}),
        ),
    )
    .await;
    app.catch_up(Duration::from_secs(10)).await.unwrap();
    let file = browse(&app, "GET", &format!("/cases/{case}"), &cookies, &[]).await;
    assert!(
        file.text.contains(
            "<td>B/77/LM.01/IX/2026</td><td>Pos</td><td>2026-09-01</td><td>2026-09-01</td>"
        ),
        "{}",
        file.text
    );
    assert!(
        file.text
            .contains("<dt>Atasan terlapor</dt><dd>Wali Kota Tasikmalaya</dd>"),
        "{}",
        file.text
    );

    // The respondent's dossier, from the case page's link: one open case, in this office
    // only (another office's investigator finds none there).
    let file = browse(&app, "GET", &format!("/cases/{case}"), &cookies, &[]).await;
    let dossier_link = "/agencies/disdukcapil-kota-tasikmalaya?office=jawa-barat";
    assert!(file.text.contains(dossier_link), "{}", file.text);
    let dossier = browse(&app, "GET", dossier_link, &cookies, &[]).await;
    assert_eq!(dossier.status, StatusCode::OK, "{}", dossier.text);
    assert!(
        dossier
            .text
            .contains("<h1>Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya</h1>"),
        "{}",
        dossier.text
    );
    assert!(
        dossier
            .text
            .contains("<dt>Laporan berjalan</dt><dd>1</dd><dt>Laporan selesai</dt><dd>0</dd>"),
        "{}",
        dossier.text
    );
    assert!(
        dossier.text.contains("<svg"),
        "a chart of the forms reported"
    );
    let theirs = browse(
        &app,
        "GET",
        dossier_link,
        &[("ombud_session", &sign_in(&app, "t-other").await)],
        &[],
    )
    .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.text);
    assert!(!theirs.text.contains("Laporan berjalan"), "{}", theirs.text);

    // The audit page: the chain holds; as of the first event the case was still at
    // verification, with one event, though it is under examination now.
    let audit = browse(
        &app,
        "GET",
        &format!("/cases/{case}/audit?as_of=1"),
        &cookies,
        &[],
    )
    .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    assert!(audit.text.contains("Rantai hash utuh"), "{}", audit.text);
    let then = &audit.text[audit
        .text
        .find("Keadaan laporan pada 1")
        .expect("the state as of")..];
    assert!(
        then.starts_with("Keadaan laporan pada 1</h2><dl><dt>Status</dt><dd>Verifikasi laporan</dd><dt>Peristiwa</dt><dd>1</dd>"),
        "{then}"
    );
    assert_eq!(
        audit.text.matches("<tr><td>").count(),
        1,
        "the trail up to that point"
    );
    let now = browse(&app, "GET", &format!("/cases/{case}/audit"), &cookies, &[]).await;
    assert!(now.text.matches("<tr><td>").count() > 1);
    let unread = browse(
        &app,
        "GET",
        &format!("/cases/{case}/audit?as_of=soon"),
        &cookies,
        &[],
    )
    .await;
    assert_eq!(unread.status, StatusCode::BAD_REQUEST, "{}", unread.text);

    // An auditor's audit page offers the case's evidence bundle; the file it downloads
    // verifies with `ombud audit verify-bundle` and nothing else (no server, no NATS, no sled).
    // Others get no link, and the download is refused them.
    assert!(!now.text.contains("/bundle\""), "{}", now.text);
    let refused = browse(&app, "GET", &format!("/cases/{case}/bundle"), &cookies, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let auditor = sign_in(&app, "t-audit").await;
    let auditor = [("ombud_session", auditor.as_str())];
    let page = browse(&app, "GET", &format!("/cases/{case}/audit"), &auditor, &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains(&format!(
            "<a href=\"/cases/{case}/bundle\" download>Unduh bundel bukti</a>"
        )),
        "{}",
        page.text
    );
    let download = browse(&app, "GET", &format!("/cases/{case}/bundle"), &auditor, &[]).await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.text);
    assert_eq!(
        download.headers["content-disposition"],
        format!("attachment; filename=\"bundle-{case}.json\"").as_str()
    );
    let bundle_dir = TempDir::new("web-bundle").unwrap();
    let file = bundle_dir.path().join(format!("bundle-{case}.json"));
    std::fs::write(&file, &download.text).unwrap();
    let verify = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
            .args(["audit", "verify-bundle"])
            .arg(file)
            .output()
            .unwrap()
    };
    let checked = verify(&file);
    let stdout = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(
        stdout.contains(&format!("verified: case {case}, ")),
        "{stdout}"
    );
    // One changed byte in the downloaded file's events fails it, naming the file inside.
    let mut changed: Value = serde_json::from_str(&download.text).unwrap();
    let files = changed["files"].as_object_mut().unwrap();
    let (path, text) = files
        .iter_mut()
        .find(|(path, _)| path.ends_with(".json") && path.starts_with("events/"))
        .map(|(p, t)| (p.clone(), t))
        .expect("an event's file");
    *text = Value::from(text.as_str().unwrap().replacen("\"", "\" ", 1));
    std::fs::write(&file, changed.to_string()).unwrap();
    let failed = verify(&file);
    assert_eq!(failed.status.code(), Some(8));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains(&format!("FAILED: {path}: ")), "{stderr}");
    std::fs::write(&file, "{\"not\": \"a bundle\"}").unwrap();
    let failed = verify(&file);
    assert!(!failed.status.success());
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("is JSON but not a bundle"),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );

    // English on request, remembered.
    let english = browse(&app, "GET", "/queue?lang=en", &cookies, &[]).await;
    assert!(english
        .text
        .starts_with("<!doctype html><html lang=\"en\">"));
    assert!(english.text.contains("My work queue"));
    assert!(english
        .cookie("ombud_lang")
        .unwrap()
        .starts_with("ombud_lang=en"));

    // The office statistics, with server-rendered charts (no script: the CSP allows none).
    let stats = browse(&app, "GET", "/stats", &cookies, &[]).await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text);
    assert!(stats.text.contains("<svg role=\"img\""), "{}", stats.text);
    assert!(
        stats.text.contains("Reports received per month")
            || stats.text.contains("Laporan diterima per bulan")
    );
    assert!(!stats.text.contains("<script"), "{}", stats.text);
    // The other breakdowns: channels (labelled), the open cases' ages, the tracks.
    for chart in [
        "Laporan per saluran",
        "Laporan berjalan menurut umur",
        "Rincian · track",
    ] {
        assert!(stats.text.contains(chart), "{chart}: {}", stats.text);
    }
    assert!(
        stats.text.contains(">Datang langsung</text>"),
        "{}",
        stats.text
    );

    // Signing out ends the session (with its CSRF token).
    let signout = browse(&app, "POST", "/signout", &cookies, &[("_csrf", &csrf)]).await;
    assert_eq!(signout.status, StatusCode::SEE_OTHER);
    let after = browse(&app, "GET", "/queue", &cookies, &[]).await;
    assert_eq!(after.location(), "/signin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_embedded_an_investigator_works_a_case_in_the_browser() {
    let dir = TempDir::new("web").unwrap();
    walk(build(&dir, None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_jetstream_an_investigator_works_a_case_in_the_browser() {
    let server = NatsServer::start().unwrap();
    let dir = TempDir::new("web").unwrap();
    walk(build(&dir, Some(&server.url())).await).await;
}

/// The filters of the case list page (those of `GET /v1/cases` a scoped role may use).
const CASE_PAGE_FILTERS: &[&str] = &[
    "status",
    "agency",
    "form",
    "assignee",
    "channel",
    "track",
    "agenda",
    "overdue",
    "pending_receipt",
    "reported_from",
    "reported_to",
    "order",
];

/// Posts the typed fields of the form for `command` on the case page (as the browser sends
/// them), with the page's CSRF token, key and position.
async fn act(
    app: &Application,
    session: &str,
    case: &str,
    command: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let cookies = [("ombud_session", session)];
    let page = browse(app, "GET", &format!("/cases/{case}"), &cookies, &[]).await;
    let action = format!("/cases/{case}/do/{command}");
    let (csrf, key, seen) = (
        page.field(&action, "_csrf"),
        page.field(&action, "_key"),
        page.field(&action, "_if_match"),
    );
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("_key", key.as_str()),
        ("_if_match", seen.as_str()),
    ];
    form.extend_from_slice(fields);
    browse(app, "POST", &action, &cookies, &form).await
}

/// The heads' agenda, then the DPO's day in the browser: an erasure request put on an open case, decided by the head
/// of office from the erasure desk, carried out by the DPO; the access log and a person's
/// cases by NIK; every other role refused.
async fn dpo_day(app: Application) {
    let case = api(&app, "t-intake", "POST", "/v1/cases", Some(json!({
        "office": "jawa-barat", "channel": "walk_in", "track": "regular",
        "reporter": { "name": "Asep Saepudin", "nik": "3278010101800001", "confidential": true },
        "respondent": { "agency_code": "disdukcapil-kota-tasikmalaya",
                        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya" },
        "forms": ["undue_delay"], "prior_complaint": true, "summary": "KTP-el tidak kunjung terbit."
    }))).await["case_id"].as_str().unwrap().to_owned();
    for stage in ["formal", "material"] {
        api(
            &app,
            "t-intake",
            "POST",
            &format!("/v1/cases/{case}/record-verification"),
            Some(json!({"stage": stage, "passed": true})),
        )
        .await;
    }
    app.catch_up(Duration::from_secs(10)).await.unwrap();

    // Verified, the case waits for the pleno: on the heads' agenda, with its link.
    let head = sign_in(&app, "t-head").await;
    let agenda = browse(&app, "GET", "/agenda", &[("ombud_session", &head)], &[]).await;
    assert_eq!(agenda.status, StatusCode::OK, "{}", agenda.text);
    let pleno = &agenda.text[agenda.text.find("id=\"agenda-pleno\"").unwrap()..];
    let next = pleno[4..].find("<h2").map_or(pleno.len(), |at| at + 4);
    assert!(
        pleno[..next].contains(&format!("/cases/{case}")),
        "{}",
        agenda.text
    );
    assert!(agenda
        .text
        .contains("<a href=\"/agenda\" aria-current=\"page\">"));
    let inv = sign_in(&app, "t-inv").await;
    let refused = browse(&app, "GET", "/agenda", &[("ombud_session", &inv)], &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The DPO starts at the erasure desk; the navigation offers the DPO's screens only.
    let dpo = sign_in(&app, "t-dpo").await;
    let dpo_cookies = [("ombud_session", dpo.as_str())];
    let home = browse(&app, "GET", "/", &dpo_cookies, &[]).await;
    assert_eq!(home.location(), "/privacy");
    let desk = browse(&app, "GET", "/privacy", &dpo_cookies, &[]).await;
    assert_eq!(desk.status, StatusCode::OK, "{}", desk.text);
    for link in ["/privacy", "/access-log", "/persons"] {
        assert!(desk.text.contains(&format!("<a href=\"{link}\"")), "{link}");
    }
    assert!(!desk.text.contains("<a href=\"/queue\""), "{}", desk.text);

    // The head of office opens the confidential reporter: the access log says so.
    let kepala = sign_in(&app, "t-kepala").await;
    let opened = browse(
        &app,
        "GET",
        &format!("/cases/{case}"),
        &[("ombud_session", &kepala)],
        &[],
    )
    .await;
    assert!(opened.text.contains("Asep Saepudin"), "{}", opened.text);
    let log = browse(
        &app,
        "GET",
        &format!("/access-log?case={case}"),
        &dpo_cookies,
        &[],
    )
    .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert!(log.text.contains("kepala.budi"), "{}", log.text);
    let bad = browse(&app, "GET", "/access-log?from=yesterday", &dpo_cookies, &[]).await;
    assert!(bad.text.contains("role=\"alert\">from:"), "{}", bad.text);

    // A person's cases by NIK (in the body, never the address).
    let lookup = browse(&app, "GET", "/persons", &dpo_cookies, &[]).await;
    let csrf = lookup.field("/persons", "_csrf");
    let found = browse(
        &app,
        "POST",
        "/persons",
        &dpo_cookies,
        &[("_csrf", &csrf), ("nik", "3278.0101.0180.0001")],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(
        found.text.contains(&format!("/cases/{case}")),
        "{}",
        found.text
    );
    let forged = browse(
        &app,
        "POST",
        "/persons",
        &dpo_cookies,
        &[("nik", "3278010101800001")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // The request, put from the case page's typed form.
    let put = act(
        &app,
        &dpo,
        &case,
        "request-erasure",
        &[("f.request_ref", "PDP/2026/004")],
    )
    .await;
    assert_eq!(put.status, StatusCode::SEE_OTHER, "{}", put.text);
    app.catch_up(Duration::from_secs(10)).await.unwrap();
    let desk = browse(&app, "GET", "/privacy?stage=pending", &dpo_cookies, &[]).await;
    assert!(
        desk.text
            .contains("<td>PDP/2026/004</td><td>dpo.joko</td><td>Menunggu keputusan</td>"),
        "{}",
        desk.text
    );
    assert!(
        !desk.text.contains("#act-approve-erasure"),
        "the DPO does not decide their own request"
    );

    // The head of office sees it waiting on the desk and approves it.
    let kepala_desk = browse(&app, "GET", "/privacy", &[("ombud_session", &kepala)], &[]).await;
    assert!(
        kepala_desk
            .text
            .contains(&format!("/cases/{case}#act-approve-erasure")),
        "{}",
        kepala_desk.text
    );
    let approved = act(
        &app,
        &kepala,
        &case,
        "approve-erasure",
        &[("f.request_ref", "PDP/2026/004")],
    )
    .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
    app.catch_up(Duration::from_secs(10)).await.unwrap();

    // The DPO erases under the approved request.
    let desk = browse(&app, "GET", "/privacy?stage=approved", &dpo_cookies, &[]).await;
    assert!(
        desk.text
            .contains(&format!("/cases/{case}#act-erase-personal-data")),
        "{}",
        desk.text
    );
    let erased = act(
        &app,
        &dpo,
        &case,
        "erase-personal-data",
        &[("f.request_ref", "PDP/2026/004")],
    )
    .await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER, "{}", erased.text);
    app.catch_up(Duration::from_secs(10)).await.unwrap();
    let desk = browse(&app, "GET", "/privacy?stage=erased", &dpo_cookies, &[]).await;
    assert!(
        desk.text
            .contains("<td>PDP/2026/004</td><td>dpo.joko</td><td>Sudah dihapus</td>"),
        "{}",
        desk.text
    );
    let file = browse(
        &app,
        "GET",
        &format!("/cases/{case}"),
        &[("ombud_session", &kepala)],
        &[],
    )
    .await;
    assert!(
        !file.text.contains("Asep Saepudin"),
        "the name is gone: {}",
        file.text
    );
    let after = browse(
        &app,
        "POST",
        "/persons",
        &dpo_cookies,
        &[("_csrf", &csrf), ("nik", "3278010101800001")],
    )
    .await;
    assert!(
        !after.text.contains(&format!("/cases/{case}")),
        "{}",
        after.text
    );

    // The same desk over the API, and nobody else's.
    let requests = api(
        &app,
        "t-dpo",
        "GET",
        "/v1/erasure-requests?stage=erased",
        None,
    )
    .await;
    assert_eq!(
        requests["requests"][0]["request_ref"], "PDP/2026/004",
        "{requests}"
    );
    assert_eq!(requests["requests"][0]["stage"], "erased");
    let refused = app
        .router()
        .oneshot(
            Request::builder()
                .uri("/v1/erasure-requests")
                .header("authorization", "Bearer t-inv")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    for page in ["/privacy", "/access-log?from=x", "/persons"] {
        let answer = browse(&app, "GET", page, &[("ombud_session", &inv)], &[]).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{page}: {}",
            answer.text
        );
        assert!(!answer.text.contains("PDP/2026/004"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_embedded_the_heads_see_their_agenda_and_the_dpo_works_erasures_in_the_browser() {
    let dir = TempDir::new("web-dpo").unwrap();
    dpo_day(build(&dir, None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_jetstream_the_heads_see_their_agenda_and_the_dpo_works_erasures_in_the_browser() {
    let server = NatsServer::start().unwrap();
    let dir = TempDir::new("web-dpo").unwrap();
    dpo_day(build(&dir, Some(&server.url())).await).await;
}

/// After five failed sign-ins a client is locked out, even with a good token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_sign_ins_lock_the_client_out() {
    let dir = TempDir::new("web-lockout").unwrap();
    let app = build(&dir, None).await;
    for attempt in 0..6 {
        let form = browse(&app, "GET", "/signin", &[], &[]).await;
        let pre = value_of(&form.cookie("ombud_signin").unwrap());
        let csrf = form.field("/signin", "_csrf");
        let token = if attempt < 5 { "wrong" } else { "t-inv" };
        let answer = browse(
            &app,
            "POST",
            "/signin",
            &[("ombud_signin", &pre)],
            &[("_csrf", &csrf), ("token", token)],
        )
        .await;
        let expected = if attempt < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(
            answer.status, expected,
            "attempt {attempt}: {}",
            answer.text
        );
    }
}

/// Sign-in by user name and password (`[[auth.users]]`, argon2id): the right password opens a
/// session as that user, a wrong one or an unknown name gets the same refusal; a hash that is
/// not argon2id stops the start, and `config show` never prints a hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_with_a_password() {
    let hash = ombud_http::web::session::hash_password("rahasia-kantor-123").unwrap();
    let mut config = ombud_app::config::load(None).unwrap();
    config.auth.users.push(ombud_app::config::UserConfig {
        user: "kepala.budi".into(),
        role: "office_head".into(),
        office: "jawa-barat".into(),
        password_argon2id: hash.clone(),
    });
    assert!(
        !config.redacted().unwrap().contains(&hash),
        "config show hides the hash"
    );
    let mut bad = config.clone();
    bad.auth.users[0].password_argon2id = "$2b$12$notargon2".into();
    let refused = Settings::from_config(bad)
        .err()
        .expect("a bcrypt hash is refused");
    assert!(
        format!("{refused:#}").contains("ombud hash-password"),
        "{refused:#}"
    );

    let dir = TempDir::new("web-password").unwrap();
    let users = Settings::from_config(config).unwrap().users;
    let app = {
        let mut settings = Settings::from_config(ombud_app::config::load(None).unwrap()).unwrap();
        settings.data = dir.path().to_owned();
        settings.listen = "127.0.0.1:0".parse().unwrap();
        let secret = || MasterKey::generate().to_hex();
        settings.security.master_key = secret();
        settings.security.blind_index_key = secret();
        settings.security.write_keys = WriteKeysSetting::Text(format!("test:{}", secret()));
        settings.tokens = TokenSource::Given(Tokens::default());
        settings.users = users;
        Application::build(settings).await.unwrap()
    };
    let attempt = |user: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let form = browse(app, "GET", "/signin", &[], &[]).await;
            assert!(form
                .text
                .contains("<label for=\"password\">Kata sandi</label>"));
            let pre = value_of(&form.cookie("ombud_signin").unwrap());
            let csrf = form.field("/signin", "_csrf");
            browse(
                app,
                "POST",
                "/signin",
                &[("ombud_signin", &pre)],
                &[("_csrf", &csrf), ("user", user), ("password", password)],
            )
            .await
        }
    };
    let wrong = attempt("kepala.budi", "salah").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = attempt("siapa.saja", "rahasia-kantor-123").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown
        .text
        .contains("Nama pengguna atau kata sandi salah."));
    let right = attempt("kepala.budi", "rahasia-kantor-123").await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.text);
    let session = value_of(&right.cookie("ombud_session").unwrap());
    let queue = browse(&app, "GET", "/queue", &[("ombud_session", &session)], &[]).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(
        queue.text.contains("kepala.budi (Kepala Perwakilan"),
        "{}",
        queue.text
    );
}
