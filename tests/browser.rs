//! The web interface in a real browser: Debian's headless `chromium`, driven over WebDriver
//! through `chromedriver` (both installed by `scripts/test` when missing), against a real
//! `ombud serve` on the embedded log. An investigator signs in by keyboard, finds the case in
//! their queue, opens it and adds a note through its form; the event is checked over the API.
//! With `OMBUD_SCREENSHOTS=DIR` the main screens are saved at 1280 and 390 px wide.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use ombud_testkit::TempDir;
use serde_json::{json, Value};
use support::{http, start, today};

/// A WebDriver session on a chromedriver of its own.
struct Browser {
    driver: tokio::process::Child,
    addr: String,
    session: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn binary(name: &str, fallback: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| fallback.to_owned())
}

impl Browser {
    async fn start() -> Browser {
        let chromium = binary("CHROMIUM_BIN", "/usr/bin/chromium");
        let chromedriver = binary("CHROMEDRIVER_BIN", "/usr/bin/chromedriver");
        assert!(
            std::path::Path::new(&chromium).exists()
                && std::path::Path::new(&chromedriver).exists(),
            "the browser tests need Debian's chromium and chromium-driver ({chromium}, \
             {chromedriver}): `scripts/test` installs them, or `apt-get install chromium \
             chromium-driver`"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = tokio::process::Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(answer) =
                ombud_testkit::http::request(&addr, "GET", "/status", &[], vec![]).await
            {
                if answer.status == 200 {
                    ready = true;
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not start");
        let mut browser = Browser {
            driver,
            addr,
            session: String::new(),
        };
        let created = browser
            .call("POST", "/session", json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": chromium, "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900", "--lang=id"]}
            }}}))
            .await;
        browser.session = created["sessionId"].as_str().unwrap().to_owned();
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let body = if method == "GET" {
            vec![]
        } else {
            body.to_string().into_bytes()
        };
        let answer = ombud_testkit::http::request(
            &self.addr,
            method,
            path,
            &[("content-type", "application/json")],
            body,
        )
        .await
        .unwrap();
        let value: Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(answer.status, 200, "WebDriver {method} {path}: {value}");
        value["value"].clone()
    }

    fn at(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    async fn goto(&self, url: &str) {
        self.call("POST", &self.at("/url"), json!({"url": url}))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                "POST",
                &self.at("/element"),
                json!({"using": "css selector", "value": css}),
            )
            .await;
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            "POST",
            &self.at(&format!("/element/{element}/click")),
            json!({}),
        )
        .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            "POST",
            &self.at(&format!("/element/{element}/clear")),
            json!({}),
        )
        .await;
        self.call(
            "POST",
            &self.at(&format!("/element/{element}/value")),
            json!({"text": text}),
        )
        .await;
    }

    /// Chooses the option `value` of the list `select` (a click on the option, as a mouse
    /// does).
    async fn choose(&self, select: &str, value: &str) {
        self.click(&format!("{select} option[value='{value}']"))
            .await;
    }

    /// Empties a text field.
    async fn clear(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            "POST",
            &self.at(&format!("/element/{element}/clear")),
            json!({}),
        )
        .await;
    }

    /// Keys to whatever has the focus (the keyboard, as a person uses it).
    async fn keys(&self, text: &str) {
        let active = self
            .call("GET", &self.at("/element/active"), json!({}))
            .await;
        let element = active[ELEMENT].as_str().unwrap().to_owned();
        self.call(
            "POST",
            &self.at(&format!("/element/{element}/value")),
            json!({"text": text}),
        )
        .await;
    }

    /// Runs `script` in the page (WebDriver's own channel: the page's CSP allows no script).
    async fn script(&self, script: &str) {
        self.call(
            "POST",
            &self.at("/execute/sync"),
            json!({"script": script, "args": []}),
        )
        .await;
    }

    async fn source(&self) -> String {
        self.call("GET", &self.at("/source"), json!({}))
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Clicks the submit button `css` and waits until the browser has followed the answer to
    /// another address (every answer to a form here has one of its own).
    async fn submit(&self, css: &str) {
        let before = self.url().await;
        self.click(css).await;
        for _ in 0..200 {
            if self.url().await != before {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("submitting {css} left the browser at {before}");
    }

    /// Waits (at most 10 s) until the page's address contains `part`: a click that submits a
    /// form returns before the browser has followed the answer.
    async fn wait_for_url(&self, part: &str) -> String {
        for _ in 0..200 {
            let url = self.url().await;
            if url.contains(part) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the browser never reached an address with {part}: {}",
            self.url().await
        );
    }

    async fn url(&self) -> String {
        self.call("GET", &self.at("/url"), json!({}))
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Saves a screenshot at `width` px as `DIR/<name>-<width>.png` when OMBUD_SCREENSHOTS is set.
    async fn screenshot(&self, name: &str, width: u32) {
        let Ok(dir) = std::env::var("OMBUD_SCREENSHOTS") else {
            return;
        };
        self.call(
            "POST",
            &self.at("/window/rect"),
            json!({"width": width, "height": 900}),
        )
        .await;
        let png = self.call("GET", &self.at("/screenshot"), json!({})).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}-{width}.png"), bytes).unwrap();
        self.call(
            "POST",
            &self.at("/window/rect"),
            json!({"width": 1280, "height": 900}),
        )
        .await;
    }

    async fn quit(mut self) {
        let _ = ombud_testkit::http::request(&self.addr, "DELETE", &self.at(""), &[], vec![]).await;
        let _ = self.driver.start_kill();
        let _ = self.driver.wait().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_investigator_signs_in_by_keyboard_and_adds_a_note_in_chromium() {
    let dir = TempDir::new("browser").unwrap();
    let mut server = start(&dir.path().join("data"), &[]).await;
    let token = |role: &str| server.tokens[role].clone();
    let investigator = token("investigator");
    let (status, reported) = http(&server.addr, "POST", "/v1/cases", &token("intake"), &[], Some(&json!({
        "office": "jawa-barat", "channel": "walk_in", "track": "regular",
        "reporter": { "name": "Asep Saepudin", "nik": "3278010101800001" },
        "respondent": { "agency_code": "disdukcapil-kota-tasikmalaya",
                        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya" },
        "forms": ["undue_delay"], "prior_complaint": true, "summary": "KTP-el tidak kunjung terbit."
    }))).await.unwrap();
    assert_eq!(status, 201, "{reported}");
    let case = reported["case_id"].as_str().unwrap().to_owned();
    for stage in ["formal", "material"] {
        let (status, _) = http(
            &server.addr,
            "POST",
            &format!("/v1/cases/{case}/record-verification"),
            &token("intake"),
            &[],
            Some(&json!({"stage": stage, "passed": true})),
        )
        .await
        .unwrap();
        assert_eq!(status, 200);
    }
    let (_, me) = http(&server.addr, "GET", "/v1/queue", &investigator, &[], None)
        .await
        .unwrap();
    assert!(me.as_array().unwrap().is_empty());
    // The local investigator's actor (tests/life.rs assigns it the same way).
    let assignee = "riksa.local";
    let (status, accepted) = http(&server.addr, "POST", &format!("/v1/cases/{case}/accept"), &token("unit_head"), &[],
        Some(&json!({"pleno": {"number": "PLENO/2026/1", "date": today()}, "unit": "riksa-1", "assignee": assignee})))
        .await
        .unwrap();
    assert_eq!(status, 200, "{accepted}");

    let browser = Browser::start().await;
    let base = format!("http://{}", server.addr);
    browser.goto(&format!("{base}/")).await;
    assert!(browser.url().await.ends_with("/signin"));
    let signin = browser.source().await;
    assert!(signin.contains("lang=\"id\""), "{signin}");
    browser.screenshot("signin", 1280).await;
    browser.screenshot("signin", 390).await;
    // By keyboard: the token field, then Enter submits the form.
    browser.click("#token").await;
    browser.keys(&format!("{investigator}\u{E007}")).await;
    browser.wait_for_url("/queue").await;
    assert!(
        browser.url().await.ends_with("/queue"),
        "signed in: {}",
        browser.url().await
    );
    let queue = browser.source().await;
    assert!(queue.contains(&format!("/cases/{case}")), "{queue}");
    browser.screenshot("queue", 1280).await;
    browser.screenshot("queue", 390).await;

    browser.click(&format!("a[href='/cases/{case}']")).await;
    browser.wait_for_url(&format!("/cases/{case}")).await;
    let file = browser.source().await;
    assert!(file.contains("Asep Saepudin"), "{file}");
    // The assignee is offered the note form (said here with the page, if it is not).
    assert!(
        file.contains("/do/notes"),
        "no note form on the case page: {file}"
    );
    browser.screenshot("case", 1280).await;
    browser.screenshot("case", 390).await;
    let summary = "details:has(form[action$='/do/notes']) summary";
    browser.click(summary).await;
    browser
        .type_into("#act-notes-f-note", "Sudah ditelepon, berkas diproses.")
        .await;
    browser
        .submit("form[action$='/do/notes'] button[type=submit]")
        .await;
    let after = browser.source().await;
    assert!(after.contains("Tercatat."), "{after}");

    // A form whose CSRF token was tampered with is refused, and records nothing.
    browser.goto(&format!("{base}/cases/{case}")).await;
    browser.click(summary).await;
    browser
        .script(
            "document.querySelector(\"form[action$='/do/notes'] input[name=_csrf]\").value = 'forged';",
        )
        .await;
    browser.type_into("#act-notes-f-note", "Palsu").await;
    browser
        .submit("form[action$='/do/notes'] button[type=submit]")
        .await;
    let forged = browser.source().await;
    assert!(!forged.contains("Tercatat."), "{forged}");
    // The form submitted twice at once (as a double click does) records one note. (The
    // browser may cancel the first submission; tests/web.rs sends both for certain.)
    browser.goto(&format!("{base}/cases/{case}")).await;
    browser.click(summary).await;
    browser.type_into("#act-notes-f-note", "Dua kali").await;
    let before = browser.url().await;
    browser
        .script(
            "const f = document.querySelector(\"form[action$='/do/notes']\"); \
             f.requestSubmit(); f.requestSubmit();",
        )
        .await;
    for _ in 0..200 {
        if browser.url().await != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(browser.source().await.contains("Tercatat."));
    browser.quit().await;

    let (_, trail) = http(
        &server.addr,
        "GET",
        &format!("/v1/cases/{case}/events"),
        &token("unit_head"),
        &[],
        None,
    )
    .await
    .unwrap();
    let last = trail["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"]["type"], "ombud.case.note_added", "{last}");
    assert_eq!(last["event"]["actor"], "riksa.local", "{last}");
    // The first note and one of the double submit; nothing of the forged form.
    let notes = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["type"] == "ombud.case.note_added")
        .count();
    assert_eq!(notes, 2, "{trail}");
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
}

/// A case from its report to its closure through the pages only: intake reports it on the
/// report page, records both verifications and closes it (the reporter withdrew) from the
/// case page's forms; an auditor then finds its chain whole on the audit page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_walks_a_case_from_report_to_closure_in_chromium() {
    let dir = TempDir::new("browser-walk").unwrap();
    let mut server = start(&dir.path().join("data"), &[]).await;
    let browser = Browser::start().await;
    let base = format!("http://{}", server.addr);
    browser.goto(&format!("{base}/signin")).await;
    browser.type_into("#token", &server.tokens["intake"]).await;
    browser
        .submit("form[action='/signin'] button[type=submit]")
        .await;
    browser.click("a[href='/report']").await;
    browser.wait_for_url("/report").await;
    // The report page's typed fields: the office and today's date come filled in.
    let form = browser.source().await;
    assert!(
        form.contains(&format!("name=\"f.received_on\" value=\"{}\"", today())),
        "{form}"
    );
    browser.choose("#report-f-channel", "walk_in").await;
    browser
        .type_into("#report-f-reporter-name", "Asep Saepudin")
        .await;
    browser
        .type_into("#report-f-reporter-nik", "3278010101800001")
        .await;
    browser
        .type_into(
            "#report-f-respondent-agency_code",
            "disdukcapil-kota-tasikmalaya",
        )
        .await;
    browser
        .type_into(
            "#report-f-respondent-agency_name",
            "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya",
        )
        .await;
    browser.type_into("#report-f-forms", "undue_delay").await;
    browser.choose("#report-f-prior_complaint", "true").await;
    browser
        .type_into("#report-f-summary", "KTP-el tidak kunjung terbit.")
        .await;
    browser.screenshot("report", 1280).await;
    browser.screenshot("report", 390).await;
    browser
        .submit("form[action='/report'] button[type=submit]")
        .await;
    let url = browser.url().await;
    let case = url
        .split("/cases/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .unwrap_or_else(|| panic!("the report leads to its case page: {url}"))
        .to_owned();
    assert!(browser.source().await.contains("Tercatat."));

    for stage in ["formal", "material"] {
        let form = "form[action$='/do/record-verification']";
        browser.click(&format!("details:has({form}) summary")).await;
        browser
            .choose("#act-record-verification-f-stage", stage)
            .await;
        browser
            .choose("#act-record-verification-f-passed", "true")
            .await;
        browser.submit(&format!("{form} button[type=submit]")).await;
        assert!(browser.source().await.contains("Tercatat."), "{stage}");
    }
    // A refusal first: a withdrawal sends no closure letter; the message shows beside the form.
    let close = "form[action$='/do/close']";
    browser
        .click(&format!("details:has({close}) summary"))
        .await;
    browser
        .choose("#act-close-f-reason", "withdrawn_by_reporter")
        .await;
    browser.choose("#act-close-f-letter-via", "post").await;
    browser
        .type_into("#act-close-f-letter-number", "B/1/2026")
        .await;
    browser
        .type_into("#act-close-f-letter-date", "01/05/2026")
        .await;
    browser
        .submit(&format!("{close} button[type=submit]"))
        .await;
    let refused = browser.source().await;
    assert!(refused.contains("id=\"error-close\""), "{refused}");
    assert!(
        refused.contains("<option value=\"withdrawn_by_reporter\" selected"),
        "what was chosen is kept: {refused}"
    );
    // The letter taken out again, a note instead.
    browser.choose("#act-close-f-letter-via", "").await;
    browser.clear("#act-close-f-letter-number").await;
    browser.clear("#act-close-f-letter-date").await;
    browser
        .type_into("#act-close-f-note", "Pelapor mencabut laporan.")
        .await;
    browser
        .submit(&format!("{close} button[type=submit]"))
        .await;
    let closed = browser.source().await;
    assert!(closed.contains("Tercatat."), "{closed}");
    assert!(
        closed.contains("Ditutup") || closed.contains("Selesai"),
        "{closed}"
    );

    // The office statistics page, with its charts.
    // (The statistics projector follows the log on its own: reload until it has the case.)
    let mut charts = false;
    for _ in 0..100 {
        browser.goto(&format!("{base}/stats")).await;
        if browser.source().await.contains("<svg") {
            charts = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(charts, "the statistics have charts");
    browser.screenshot("stats", 1280).await;

    // Over the API: four events, all intake's, the last the closure.
    let (_, trail) = http(
        &server.addr,
        "GET",
        &format!("/v1/cases/{case}/events"),
        &server.tokens["auditor"],
        &[],
        None,
    )
    .await
    .unwrap();
    let types: Vec<String> = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "ombud.case.reported",
            "ombud.case.verified",
            "ombud.case.verified",
            "ombud.case.closed"
        ],
        "{trail}"
    );

    // The auditor's page: the chain holds.
    browser.goto(&format!("{base}/signin")).await;
    let signed_in = browser.source().await;
    if !signed_in.contains("id=\"token\"") {
        browser.submit("nav form button[type=submit]").await; // sign out first
    }
    browser.goto(&format!("{base}/signin")).await;
    browser.type_into("#token", &server.tokens["auditor"]).await;
    browser
        .submit("form[action='/signin'] button[type=submit]")
        .await;
    browser.wait_for_url("/queue").await;
    browser.goto(&format!("{base}/cases/{case}/audit")).await;
    let audit = browser.source().await;
    assert!(audit.contains("Rantai hash utuh"), "{audit}");
    assert!(
        audit.contains(&format!("href=\"/cases/{case}/bundle\" download")),
        "the auditor is offered the evidence bundle: {audit}"
    );
    browser.screenshot("audit", 1280).await;
    browser.screenshot("audit", 390).await;

    // The DPO erases the closed case's personal data (no request needed once a case is
    // closed) from the case page's typed form; the erasure desk then lists it as done.
    browser.submit("nav form button[type=submit]").await; // sign out
    browser.goto(&format!("{base}/signin")).await;
    browser.type_into("#token", &server.tokens["dpo"]).await;
    browser
        .submit("form[action='/signin'] button[type=submit]")
        .await;
    browser.wait_for_url("/privacy").await;
    browser.goto(&format!("{base}/cases/{case}")).await;
    let erase = "form[action$='/do/erase-personal-data']";
    browser
        .click(&format!("details:has({erase}) summary"))
        .await;
    browser
        .type_into("#act-erase-personal-data-f-request_ref", "PDP/2026/007")
        .await;
    browser
        .submit(&format!("{erase} button[type=submit]"))
        .await;
    assert!(browser.source().await.contains("Tercatat."));
    let mut listed = false;
    for _ in 0..100 {
        browser.goto(&format!("{base}/privacy")).await;
        let desk = browser.source().await;
        if desk.contains("<td>PDP/2026/007</td><td></td><td>Sudah dihapus</td>") {
            listed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(listed, "the erasure desk lists the erasure");
    browser.screenshot("privacy", 1280).await;
    browser.screenshot("privacy", 390).await;
    browser.quit().await;
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
}
