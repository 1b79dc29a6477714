//! Personal data through the user's doors, on a real `ombud serve` (embedded log, and
//! JetStream on a real nats-server): the disclosure policy cell by cell (role × field ×
//! confidential × relation × phase), the access log (one entry per confidential opening, none
//! for redacted reads), the blind index (a person's cases, earlier reports), the erasure
//! workflow with every refusal writing nothing, and erasure that erases: not one marker of the
//! reporter's data in any answer of any role on any route, in SSE, in the CLI, in any file of
//! the data directory or of the NATS store, also after a restart and in a second process.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::BTreeMap;

use base64::Engine as _;
use ombud_testkit::{NatsServer, TempDir};
use serde_json::{json, Value};
use sha2::Digest as _;
use support::{http, Server};

/// (token, actor, role, office): every token is its own name.
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("intake", "pvl.rina", "intake", "jawa-barat"),
    ("assigned", "riksa.siti", "investigator", "jawa-barat"),
    ("colleague", "riksa.agus", "investigator", "jawa-barat"),
    ("head", "kepala.budi", "office_head", "jawa-barat"),
    ("chair", "ketua.ani", "chair", "pusat"),
    ("auditor", "audit.dewi", "auditor", "pusat"),
    ("dpo", "dpo.joko", "dpo", "pusat"),
    // The head of office holding a DPO token too: may request, never approve their own.
    ("head-as-dpo", "kepala.budi", "dpo", "jawa-barat"),
    ("other-intake", "pvl.tono", "intake", "banten"),
    ("other-investigator", "riksa.wati", "investigator", "banten"),
    ("other-head", "kepala.eko", "office_head", "banten"),
];

fn config(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for (token, actor, role, office) in PEOPLE {
        let hash = hex(&sha2::Sha256::digest(token.as_bytes()));
        text.push_str(&format!(
            "[[auth.tokens]]\nactor = \"{actor}\"\nrole = \"{role}\"\noffice = \"{office}\"\ntoken_sha256 = \"{hash}\"\n\n"
        ));
    }
    let path = dir.join("site.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Office {
    server: Server,
    data: std::path::PathBuf,
    args: Vec<String>,
}

impl Office {
    async fn start(dir: &TempDir, name: &str, nats: Option<&str>) -> Office {
        let config = config(dir.path());
        let mut args = vec!["--config".to_owned(), config];
        if let Some(url) = nats {
            args.extend(["--nats".to_owned(), url.to_owned()]);
        }
        let data = dir.path().join(name);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = support::start(&data, &refs).await;
        Office { server, data, args }
    }

    async fn restart(&mut self, while_stopped: impl FnOnce(&std::path::Path)) {
        self.server.child.start_kill().unwrap();
        self.server.child.wait().await.unwrap();
        while_stopped(&self.data);
        let refs: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.server = support::start(&self.data, &refs).await;
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        http(&self.server.addr, method, path, token, &[], body)
            .await
            .unwrap()
    }

    async fn head(&self) -> u64 {
        let (_, ready) = self.call("GET", "/readyz", "dpo", None).await;
        ready["log_head"].as_u64().unwrap()
    }

    /// Runs a command that must succeed; returns its stream sequence.
    async fn ok(&self, case: &str, command: &str, token: &str, body: Value) -> u64 {
        let (status, answer) = self
            .call(
                "POST",
                &format!("/v1/cases/{case}/{command}"),
                token,
                Some(&body),
            )
            .await;
        assert_eq!(status, 200, "{command} by {token}: {answer}");
        answer["seq"].as_u64().unwrap()
    }

    /// Both checks (intake), then acceptance by the head of office, assigned to riksa.siti.
    async fn accept(&self, case: &str) -> u64 {
        for stage in ["formal", "material"] {
            self.ok(
                case,
                "record-verification",
                "intake",
                json!({"stage": stage, "passed": true}),
            )
            .await;
        }
        self.ok(
            case,
            "accept",
            "head",
            json!({"pleno": {"number": "PLENO/2026/1", "date": support::today()}, "unit": "riksa-1", "assignee": "riksa.siti"}),
        )
        .await
    }

    /// A command that must be refused with `status` and `code`, writing nothing.
    async fn refused(
        &self,
        case: &str,
        command: &str,
        token: &str,
        body: Value,
        status: u16,
        code: &str,
    ) {
        let before = self.head().await;
        let (got, answer) = self
            .call(
                "POST",
                &format!("/v1/cases/{case}/{command}"),
                token,
                Some(&body),
            )
            .await;
        assert_eq!(
            (got, answer["code"].as_str().unwrap_or("")),
            (status, code),
            "{command} by {token}: {answer}"
        );
        assert!(
            answer["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{answer}"
        );
        assert_eq!(
            self.head().await,
            before,
            "{command} by {token} wrote nothing"
        );
    }

    async fn report(
        &self,
        office_token: &str,
        office: &str,
        name: &str,
        nik: &str,
        confidential: bool,
        summary: &str,
    ) -> (String, Value) {
        let (status, created) = self
            .call(
                "POST",
                "/v1/cases",
                office_token,
                Some(&json!({
                    "office": office, "channel": "walk_in",
                    "reporter": {"name": name, "nik": nik, "phone": "+6281311112222",
                                 "confidential": confidential},
                    "respondent": {"agency_code": "disdukcapil-kota-tasikmalaya",
                                   "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya"},
                    "forms": ["undue_delay"], "prior_complaint": true, "summary": summary
                })),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        (created["case_id"].as_str().unwrap().to_owned(), created)
    }

    async fn file(&self, case: &str, token: &str, min_seq: u64) -> (u16, Value) {
        self.call(
            "GET",
            &format!("/v1/cases/{case}?min_seq={min_seq}"),
            token,
            None,
        )
        .await
    }
}

/// What a reader should see of a field: the text, or a marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sees {
    Open,
    NeedToKnow,
    Confidential,
}

fn seen(value: &Value) -> Sees {
    match value["redacted"].as_str() {
        Some("need_to_know") => Sees::NeedToKnow,
        Some("confidential") => Sees::Confidential,
        Some(other) => panic!("unknown redaction {other}"),
        None => {
            assert!(
                value.is_string() || value["name"].is_string(),
                "opened: {value}"
            );
            Sees::Open
        }
    }
}

/// DESIGN.md §10, written out independently of the code: what `reader` sees of the
/// reporter's identity of a case (confidential or not, accepted or not, assigned to
/// `assigned`) and of its free text.
fn expected(reader: &str, confidential: bool, accepted: bool) -> (Sees, Sees) {
    use Sees::*;
    let closed = if confidential {
        Confidential
    } else {
        NeedToKnow
    };
    let identity = match reader {
        "intake" if !confidential && !accepted => Open,
        "assigned" if accepted => Open,
        "head" | "dpo" => Open,
        _ => closed,
    };
    let text = match reader {
        "intake" | "assigned" | "colleague" | "head" | "chair" => Open,
        _ => NeedToKnow,
    };
    (identity, text)
}

const READERS: &[&str] = &[
    "intake",
    "assigned",
    "colleague",
    "head",
    "chair",
    "auditor",
    "dpo",
];
const OUTSIDERS: &[&str] = &["other-intake", "other-investigator", "other-head"];

async fn policy_matrix_and_access_log(nats: Option<&str>) {
    let dir = TempDir::new("privacy-matrix").unwrap();
    let office = Office::start(&dir, "data", nats).await;
    let mut cases = Vec::new();
    for (i, (confidential, accepted)) in
        [(false, false), (true, false), (false, true), (true, true)]
            .into_iter()
            .enumerate()
    {
        let nik = format!("32780101018{i:05}");
        let (case, _) = office
            .report(
                "intake",
                "jawa-barat",
                &format!("Pelapor {i}"),
                &nik,
                confidential,
                &format!("Ringkasan {i}"),
            )
            .await;
        if accepted {
            office.accept(&case).await;
        }
        let seq = office
            .ok(
                &case,
                "notes",
                "head",
                json!({"note": format!("Catatan {i}")}),
            )
            .await;
        cases.push((case, confidential, accepted, seq));
    }
    let head = office.head().await;
    let mut openings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (case, confidential, accepted, _) in &cases {
        for reader in READERS {
            let (status, file) = office.file(case, reader, head).await;
            assert_eq!(status, 200, "{reader}: {file}");
            let (identity, text) = expected(reader, *confidential, *accepted);
            let cell = format!("{reader} confidential={confidential} accepted={accepted}");
            assert_eq!(
                seen(&file["reporter"]["identity"]),
                identity,
                "identity, {cell}: {file}"
            );
            assert_eq!(seen(&file["summary"]), text, "summary, {cell}");
            let note = &file["timeline"].as_array().unwrap().last().unwrap()["text"];
            assert_eq!(seen(note), text, "note, {cell}");
            if identity == Sees::Open {
                let shown = &file["reporter"]["identity"];
                assert!(
                    shown["name"].as_str().unwrap().starts_with("Pelapor "),
                    "{shown}"
                );
                assert!(
                    shown["nik"].as_str().unwrap().starts_with("32780101018"),
                    "{shown}"
                );
                if *confidential {
                    openings
                        .entry(case.clone())
                        .or_default()
                        .push(PEOPLE.iter().find(|p| p.0 == *reader).unwrap().1.to_owned());
                }
            }
            if text == Sees::Open {
                assert!(file["summary"].as_str().unwrap().starts_with("Ringkasan"));
            }
            // No empty strings stand in for what is hidden.
            assert!(!file.to_string().contains("\"\""), "{file}");
        }
        for outsider in OUTSIDERS {
            let (status, answer) = office.file(case, outsider, head).await;
            assert_eq!(
                (status, answer["code"].as_str()),
                (404, Some("unknown_case")),
                "{outsider}"
            );
            assert!(!answer.to_string().contains("Pelapor"), "{answer}");
        }
    }
    // Exactly one entry per opening of a confidential identity, none for the redacted reads.
    let (status, log) = office.call("GET", "/v1/access-log", "dpo", None).await;
    assert_eq!(status, 200, "{log}");
    let mut logged: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in log["entries"].as_array().unwrap() {
        assert_eq!(entry["field"], "reporter.identity");
        assert_eq!(entry["route"], "GET /v1/cases/{id}");
        assert!(entry["at"].is_string() && entry["role"].is_string());
        logged
            .entry(entry["case_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(entry["actor"].as_str().unwrap().to_owned());
    }
    for list in openings.values_mut().chain(logged.values_mut()) {
        list.sort();
    }
    assert_eq!(logged, openings, "{log}");
    assert_eq!(logged.values().map(Vec::len).sum::<usize>(), 5);
    // Filters; another role may not read it.
    let (case4, _, _, _) = &cases[3];
    let (_, by_case) = office
        .call(
            "GET",
            &format!("/v1/access-log?case={case4}&actor=riksa.siti"),
            "dpo",
            None,
        )
        .await;
    assert_eq!(by_case["entries"].as_array().unwrap().len(), 1, "{by_case}");
    let (_, later) = office
        .call(
            "GET",
            "/v1/access-log?from=2999-01-01T00:00:00Z",
            "dpo",
            None,
        )
        .await;
    assert_eq!(later["entries"].as_array().unwrap().len(), 0);
    for token in ["head", "auditor", "chair"] {
        let (status, answer) = office.call("GET", "/v1/access-log", token, None).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (403, Some("not_permitted")),
            "{token}"
        );
    }
    let (status, _) = office
        .call("GET", "/v1/access-log?case=not-a-uuid", "dpo", None)
        .await;
    assert_eq!(status, 400);
    // The CLI shows the same entries.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["dpo", "access-log", "--case", case4])
        .env("OMBUD_SERVER", format!("http://{}", office.server.addr))
        .env("OMBUD_TOKEN", "dpo")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for actor in ["riksa.siti", "kepala.budi", "dpo.joko"] {
        assert!(text.contains(actor), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_disclosure_policy_holds_cell_by_cell_and_every_confidential_opening_is_logged_on_the_embedded_log(
) {
    policy_matrix_and_access_log(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_disclosure_policy_holds_cell_by_cell_and_every_confidential_opening_is_logged_on_jetstream(
) {
    let nats = NatsServer::start().unwrap();
    policy_matrix_and_access_log(Some(&nats.url())).await;
}

/// The marker as it would appear raw, JSON-escaped, or inside base64 at any alignment.
fn forms(marker: &str) -> Vec<String> {
    let mut out = vec![
        marker.to_owned(),
        serde_json::to_string(marker)
            .unwrap()
            .trim_matches('"')
            .to_owned(),
    ];
    for pad in 0..3 {
        let text = format!("{}{marker}", "x".repeat(pad));
        let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        out.push(encoded[4..encoded.len() - 4].to_owned());
    }
    out
}

fn assert_clean(what: &str, text: &str, markers: &[String]) {
    for marker in markers {
        for form in forms(marker) {
            assert!(!text.contains(&form), "{what} holds {form:?} (of {marker})");
        }
    }
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn assert_files_clean(dir: &std::path::Path, markers: &[String]) {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert_clean(
            &file.display().to_string(),
            &String::from_utf8_lossy(&bytes),
            markers,
        );
    }
}

/// Every answer of every role on every read route, and the CLI's case file.
async fn assert_answers_clean(office: &Office, case: &str, markers: &[String]) -> Value {
    let head = office.head().await;
    let mut erased_file = Value::Null;
    for (token, ..) in PEOPLE {
        for path in [
            format!("/v1/cases/{case}?min_seq={head}"),
            "/v1/cases?limit=500".to_owned(),
            "/v1/queue".to_owned(),
            format!("/v1/cases/{case}/events"),
            format!("/v1/cases/{case}/verify"),
            "/v1/stats?office=jawa-barat".to_owned(),
            "/v1/agencies/disdukcapil-kota-tasikmalaya?office=jawa-barat".to_owned(),
            "/v1/access-log".to_owned(),
        ] {
            let (status, answer) = office.call("GET", &path, token, None).await;
            assert_clean(
                &format!("{token} GET {path} ({status})"),
                &answer.to_string(),
                markers,
            );
            if path.contains("verify") && status == 200 {
                assert_eq!(
                    answer["verified"], true,
                    "the chain still verifies: {answer}"
                );
            }
            if *token == "head" && path.starts_with(&format!("/v1/cases/{case}?")) {
                erased_file = answer;
            }
        }
    }
    // Server-Sent Events: the whole feed.
    let sse = support::read_sse(&office.server.addr, "dpo", head).await;
    assert!(
        sse.contains("personal_data_erased"),
        "the feed reached the erasure"
    );
    assert_clean("SSE", &sse, markers);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["case", "show", case])
        .env("OMBUD_SERVER", format!("http://{}", office.server.addr))
        .env("OMBUD_TOKEN", "head")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("[erased"), "{text}");
    assert_clean("ombud case show", &text, markers);
    erased_file
}

async fn erasure_erases(nats: Option<&NatsServer>) {
    let dir = TempDir::new("privacy-erasure").unwrap();
    let url = nats.map(NatsServer::url);
    let mut office = Office::start(&dir, "data", url.as_deref()).await;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let nik: String = tag
        .bytes()
        .filter(u8::is_ascii_digit)
        .chain(std::iter::repeat(b'7'))
        .take(16)
        .map(char::from)
        .collect();
    let markers = vec![
        format!("Nama{tag}"),
        nik.clone(),
        format!("Ringkasan{tag}"),
        format!("Catatan{tag}"),
        format!("Alasan{tag}"),
    ];
    let (case, created) = office
        .report("intake", "jawa-barat", &markers[0], &nik, true, &markers[2])
        .await;
    assert_eq!(created["earlier_reports"], 0, "{created}");
    // The same person again, the NIK spelt otherwise: intake sees one earlier report.
    let spaced = format!("{} {}-{}", &nik[..4], &nik[4..10], &nik[10..]);
    let (second, created) = office
        .report(
            "intake",
            "jawa-barat",
            "Orang yang sama",
            &spaced,
            false,
            "Laporan kedua",
        )
        .await;
    assert_eq!(created["earlier_reports"], 1, "{created}");
    let (elsewhere, created) = office
        .report(
            "other-intake",
            "banten",
            "Orang yang sama",
            &nik,
            false,
            "Laporan di Banten",
        )
        .await;
    assert_eq!(
        created["earlier_reports"], 0,
        "another office's cases are not counted: {created}"
    );
    let (status, bad) = office
        .call(
            "POST",
            "/v1/cases",
            "intake",
            Some(&json!({
            "office": "jawa-barat", "channel": "walk_in", "reporter": {"name": "X", "nik": "12345"},
            "respondent": {"agency_code": "dlh-kota-tasikmalaya", "agency_name": "DLH"},
            "forms": ["undue_delay"], "summary": "x"})),
        )
        .await;
    assert_eq!(
        (status, bad["field"].as_str()),
        (422, Some("reporter.nik")),
        "{bad}"
    );
    // The DPO finds exactly the person's three cases (the NIK in the body, never the URL).
    let lookup = |nik: String| {
        let office = &office;
        async move {
            let (status, found) = office
                .call(
                    "POST",
                    "/v1/persons/cases",
                    "dpo",
                    Some(&json!({"nik": nik})),
                )
                .await;
            assert_eq!(status, 200, "{found}");
            let mut ids: Vec<String> = found["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["case_id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let mut all = vec![case.clone(), second.clone(), elsewhere.clone()];
    all.sort();
    // The lookup lists what the read models know: let them catch up first.
    let (status, _) = office.file(&elsewhere, "dpo", office.head().await).await;
    assert_eq!(status, 200);
    assert_eq!(lookup(nik.clone()).await, all);
    assert_eq!(
        lookup("3278000000000000".into()).await,
        Vec::<String>::new()
    );
    let (status, _) = office
        .call(
            "POST",
            "/v1/persons/cases",
            "head",
            Some(&json!({"nik": nik})),
        )
        .await;
    assert_eq!(status, 403);

    office.accept(&case).await;
    office
        .ok(&case, "notes", "assigned", json!({"note": markers[3]}))
        .await;
    office
        .ok(
            &case,
            "request-erasure",
            "dpo",
            json!({"request_ref": "PDP/2026/002"}),
        )
        .await;
    office
        .ok(
            &case,
            "refuse-erasure",
            "head",
            json!({"request_ref": "PDP/2026/002", "reason": markers[4]}),
        )
        .await;
    // Before the erasure the head of office reads it all: the checks below can fail.
    let (_, before) = office.file(&case, "head", office.head().await).await;
    for marker in &markers {
        assert!(
            before.to_string().contains(marker.as_str()),
            "{marker} visible before: {before}"
        );
    }

    // Every refusal is clear and writes nothing.
    let unknown = uuid::Uuid::now_v7().to_string();
    office
        .refused(
            &unknown,
            "erase-personal-data",
            "dpo",
            json!({"request_ref": "PDP/1"}),
            404,
            "unknown_case",
        )
        .await;
    office
        .refused(
            &case,
            "erase-personal-data",
            "assigned",
            json!({"request_ref": "PDP/1"}),
            403,
            "not_permitted",
        )
        .await;
    office
        .refused(
            &case,
            "erase-personal-data",
            "dpo",
            json!({}),
            400,
            "malformed",
        )
        .await;
    office
        .refused(
            &case,
            "erase-personal-data",
            "dpo",
            json!({"request_ref": "PDP/2026/002"}),
            422,
            "requirement_unmet",
        )
        .await;
    office
        .refused(
            &case,
            "approve-erasure",
            "head",
            json!({"request_ref": "PDP/2026/009"}),
            422,
            "requirement_unmet",
        )
        .await;
    office
        .refused(
            &case,
            "approve-erasure",
            "dpo",
            json!({"request_ref": "PDP/2026/002"}),
            403,
            "not_permitted",
        )
        .await;
    office
        .ok(
            &case,
            "request-erasure",
            "head-as-dpo",
            json!({"request_ref": "PDP/2026/003"}),
        )
        .await;
    office
        .refused(
            &case,
            "approve-erasure",
            "head",
            json!({"request_ref": "PDP/2026/003"}),
            422,
            "requirement_unmet",
        )
        .await;
    office
        .refused(
            &case,
            "request-erasure",
            "dpo",
            json!({"request_ref": "PDP/2026/003"}),
            422,
            "validation",
        )
        .await;
    office
        .refused(
            &case,
            "approve-erasure",
            "other-head",
            json!({"request_ref": "PDP/2026/003"}),
            // Another office's case reads as absent, to a command as to a query.
            404,
            "unknown_case",
        )
        .await;

    // The proper way on an open case: request, the head of office approves, the DPO erases.
    office
        .ok(
            &case,
            "request-erasure",
            "dpo",
            json!({"request_ref": "PDP/2026/004"}),
        )
        .await;
    office
        .ok(
            &case,
            "approve-erasure",
            "head",
            json!({"request_ref": "PDP/2026/004"}),
        )
        .await;
    office
        .refused(
            &case,
            "erase-personal-data",
            "dpo",
            json!({"request_ref": "PDP/2026/005"}),
            422,
            "requirement_unmet",
        )
        .await;
    let erased_at = office
        .ok(
            &case,
            "erase-personal-data",
            "dpo",
            json!({"request_ref": "PDP/2026/004"}),
        )
        .await;
    office
        .refused(
            &case,
            "erase-personal-data",
            "dpo",
            json!({"request_ref": "PDP/2026/004"}),
            422,
            "validation",
        )
        .await;
    office
        .refused(
            &case,
            "notes",
            "head",
            json!({"note": "Data baru"}),
            422,
            "validation",
        )
        .await;
    let (status, answer) = office
        .call(
            "POST",
            &format!("/v1/cases/{case}/notes"),
            "head",
            Some(&json!({"note": "x"})),
        )
        .await;
    assert!(
        status == 422 && answer["detail"].as_str().unwrap().contains("erased"),
        "{answer}"
    );
    // It can still be closed.
    office
        .ok(
            &case,
            "close",
            "head",
            json!({"reason": "withdrawn_by_reporter"}),
        )
        .await;
    assert!(office.head().await > erased_at);

    let file = assert_answers_clean(&office, &case, &markers).await;
    let marker = &file["reporter"]["identity"];
    assert_eq!(marker["erased"], true, "{file}");
    assert_eq!(marker["request_ref"], "PDP/2026/004");
    assert!(marker["at"].is_string());
    assert_eq!(file["summary"], *marker);
    assert_eq!(file["reporter"]["confidential"], true);
    // The chain and the event count stay.
    let (_, trail) = office
        .call("GET", &format!("/v1/cases/{case}/events"), "auditor", None)
        .await;
    assert_eq!(trail["events"].as_array().unwrap().len(), 12, "{trail}");
    // The person index no longer names the erased case.
    let mut rest = vec![second.clone(), elsewhere.clone()];
    rest.sort();
    assert_eq!(lookup(nik.clone()).await, rest);
    // The DPO's lookups are in the access log.
    let (_, log) = office.call("GET", "/v1/access-log", "dpo", None).await;
    let lookups = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"] == "person.nik")
        .count();
    assert_eq!(lookups, 3 + 1 + 2, "{log}");

    // At rest: no file of the data directory, no message of any NATS stream.
    assert_files_clean(&office.data, &markers);
    if let Some(nats) = nats {
        assert_nats_clean(nats, &case, &markers).await;
        // A second `ombud serve` on the same stream, with its own read models.
        let second = Office::start(&dir, "second", url.as_deref()).await;
        let file = assert_answers_clean(&second, &case, &markers).await;
        assert_eq!(file["reporter"]["identity"]["erased"], true, "{file}");
        assert_files_clean(&second.data, &markers);
    }
    office
        .restart(|data| {
            if nats.is_none() {
                // The embedded key store keeps only a tombstone where the key was.
                let db = sled::open(data.join("log")).unwrap();
                let keys = db.open_tree("data_keys").unwrap();
                let row = keys.get(format!("case:{case}")).unwrap().unwrap();
                assert_eq!(row.as_ref(), &[0u8], "the wrapped key is gone");
            }
        })
        .await;
    let file = assert_answers_clean(&office, &case, &markers).await;
    assert_eq!(file["summary"]["erased"], true, "{file}");
    assert_files_clean(&office.data, &markers);
    if let Some(nats) = nats {
        assert_files_clean(nats.dir(), &markers);
    }
}

async fn assert_nats_clean(nats: &NatsServer, case: &str, markers: &[String]) {
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    // The case's key is purged: only a purge marker is left in the bucket.
    let keys = js.get_key_value("OMBUD_KEYS").await.unwrap();
    let key = format!("case={case}");
    let entry = keys.entry(&key).await.unwrap();
    assert!(
        entry.as_ref().is_none_or(
            |e| e.operation != async_nats::jetstream::kv::Operation::Put && e.value.is_empty()
        ),
        "the key is gone: {entry:?}"
    );
    for name in [
        "OMBUD_CASES",
        "KV_OMBUD_KEYS",
        "OMBUD_ACCESS",
        "KV_OMBUD_PERSONS",
    ] {
        let mut stream = js.get_stream(name).await.unwrap();
        let info = stream.info().await.unwrap().clone();
        let mut seen = 0;
        for seq in info.state.first_sequence..=info.state.last_sequence {
            if let Ok(message) = stream.direct_get(seq).await {
                seen += 1;
                let text = format!(
                    "{} {:?} {}",
                    message.subject,
                    message.headers,
                    String::from_utf8_lossy(&message.payload)
                );
                assert_clean(&format!("{name} #{seq}"), &text, markers);
                if name == "KV_OMBUD_KEYS" && message.subject.ends_with(&key) {
                    assert!(message.payload.is_empty(), "only the purge marker is left");
                }
            }
        }
        assert!(seen > 0 || name == "KV_OMBUD_PERSONS", "{name} was read");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_erases_everywhere_on_the_embedded_log() {
    erasure_erases(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_erases_everywhere_on_jetstream() {
    let nats = NatsServer::start().unwrap();
    erasure_erases(Some(&nats)).await;
}
