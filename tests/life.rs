//! The scripted life of a dozen cases, through every main path of DOMAIN.md, driven through a
//! real `ombud serve` (embedded log, and JetStream on a real nats-server): once with the HTTP
//! API, once with the CLI. Each step's answer, each case file, the case list and the office
//! statistics are checked.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::Duration;

use ombud_testkit::TempDir;
use serde_json::{json, Value};
use support::{http, letter, start, today, Server};

type Steps = Vec<(&'static str, Value)>;

fn script() -> Vec<(Steps, &'static str)> {
    let accept = || -> Steps {
        vec![
            (
                "record-verification",
                json!({"stage": "formal", "passed": true}),
            ),
            (
                "record-verification",
                json!({"stage": "material", "passed": true}),
            ),
            (
                "accept",
                json!({"pleno": {"number": "PLENO/2026/1", "date": today()}, "unit": "riksa-1", "assignee": "riksa.local"}),
            ),
        ]
    };
    let found = || -> Steps {
        let mut steps = accept();
        steps.extend([
            (
                "propose-conclusion",
                json!({"conclusion": {"finding": "found", "forms_found": ["undue_delay"],
                    "corrective_actions": [{"id": "1", "addressee": "respondent", "action": "Terbitkan KTP-el pelapor."}]}}),
            ),
            ("approve-conclusion", json!({"review_date": today()})),
            ("notify-conclusion", json!({"letter": letter()})),
            ("record-reporter-response", json!({"received_on": today(), "argued": false})),
            ("issue-lhp", json!({"letter": letter()})),
        ]);
        steps
    };
    let to_resolution = || -> Steps {
        let mut steps = found();
        steps.extend([
            (
                "report-corrective-action",
                json!({"reports": [{"action_id": "1", "status": "refused"}], "received_on": today()}),
            ),
            ("refer-to-resolution", json!({"ground": "refused_by_respondent"})),
        ]);
        steps
    };
    let with = |mut steps: Steps, more: Steps| {
        steps.extend(more);
        steps
    };
    vec![
        (vec![], "received"),
        (
            vec![(
                "request-completion",
                json!({"missing": "Fotokopi KTP.", "letter": {"via": "whatsapp", "date": today()}}),
            )],
            "awaiting_completion",
        ),
        (
            vec![(
                "close",
                json!({"reason": "withdrawn_by_reporter", "note": "Dicabut."}),
            )],
            "closed",
        ),
        (accept(), "under_examination"),
        (
            with(
                accept(),
                vec![("request-clarification", json!({"letter": letter()}))],
            ),
            "under_examination",
        ),
        (
            with(
                accept(),
                vec![
                    ("request-clarification", json!({"letter": letter()})),
                    (
                        "answer-clarification",
                        json!({"received_on": today(), "note": "Berkas diproses."}),
                    ),
                ],
            ),
            "under_examination",
        ),
        (found(), "corrective_action"),
        (
            with(
                found(),
                vec![
                    (
                        "report-corrective-action",
                        json!({"reports": [{"action_id": "1", "status": "done"}], "received_on": today()}),
                    ),
                    (
                        "close",
                        json!({"reason": "corrective_action_implemented", "letter": letter()}),
                    ),
                ],
            ),
            "closed",
        ),
        (to_resolution(), "in_resolution"),
        (
            with(
                to_resolution(),
                vec![
                    (
                        "refer-to-recommendation",
                        json!({"note": "Tidak ada perbaikan."}),
                    ),
                    (
                        "recommend",
                        json!({"addressee": "Wali Kota Tasikmalaya", "content": "Berikan sanksi.", "letter": letter()}),
                    ),
                ],
            ),
            "recommendation",
        ),
        (
            with(
                accept(),
                vec![
                    ("start-mediation", json!({})),
                    (
                        "mediate",
                        json!({"outcome": "agreed", "terms": "Selesai 7 hari."}),
                    ),
                    (
                        "close",
                        json!({"reason": "settled_by_mediation", "letter": letter()}),
                    ),
                ],
            ),
            "closed",
        ),
        (
            with(
                accept(),
                vec![
                    ("notes", json!({"note": "Pelapor dihubungi."})),
                    ("assign", json!({"assignee": "riksa.agus"})),
                ],
            ),
            "under_examination",
        ),
    ]
}

fn report(i: usize) -> Value {
    let channel = ["walk_in", "web", "letter"][i % 3];
    json!({
        "office": "jawa-barat", "channel": channel,
        "reporter": { "name": format!("Pelapor {i}") },
        "respondent": { "agency_code": "disdukcapil-kota-tasikmalaya",
                        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya" },
        "forms": ["undue_delay"], "prior_complaint": true,
        "summary": format!("Laporan nomor {i}: KTP-el tidak kunjung terbit.")
    })
}

/// `POST /v1/cases` of `report(i)` as intake.
async fn post_report(server: &Server, i: usize, headers: &[(&str, &str)]) -> (u16, Value) {
    http(
        &server.addr,
        "POST",
        "/v1/cases",
        &server.tokens["intake"],
        headers,
        Some(&report(i)),
    )
    .await
    .unwrap()
}

/// Runs a step as the first role the domain permits (a 403 `not_permitted` writes nothing).
async fn step_http(server: &Server, case: &str, command: &str, body: &Value) -> u16 {
    for role in [
        "investigator",
        "intake",
        "unit_head",
        "office_head",
        "resmon",
        "chair",
    ] {
        let (status, answer) = http(
            &server.addr,
            "POST",
            &format!("/v1/cases/{case}/{command}"),
            &server.tokens[role],
            &[],
            Some(body),
        )
        .await
        .unwrap();
        if !(status == 403 && answer["code"] == "not_permitted") {
            return status;
        }
    }
    403
}

fn step_cli(server: &Server, case: &str, command: &str, body: &Value) -> i32 {
    for role in [
        "investigator",
        "intake",
        "unit_head",
        "office_head",
        "resmon",
        "chair",
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
            .args(["case", command, case, "--body", &body.to_string()])
            .env("OMBUD_SERVER", format!("http://{}", server.addr))
            .env("OMBUD_TOKEN", &server.tokens[role])
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        if !(code == 7 && String::from_utf8_lossy(&out.stderr).contains("not_permitted")) {
            return code;
        }
    }
    7
}

async fn life(extra: &[&str], through_cli: bool) {
    let dir = TempDir::new("life").unwrap();
    let mut server = start(&dir.path().join("data"), extra).await;
    let mut cases = Vec::new();
    for (i, (steps, want)) in script().into_iter().enumerate() {
        let (status, created) = post_report(&server, i, &[]).await;
        assert_eq!(status, 201, "{created}");
        let case = created["case_id"].as_str().unwrap().to_owned();
        for (command, body) in steps {
            if through_cli {
                assert_eq!(
                    step_cli(&server, &case, command, &body),
                    0,
                    "case {i}: {command}"
                );
            } else {
                assert_eq!(
                    step_http(&server, &case, command, &body).await,
                    200,
                    "case {i}: {command}"
                );
            }
        }
        cases.push((case, want));
    }
    let chair = server.tokens["chair"].clone();
    let (_, ready) = http(&server.addr, "GET", "/readyz", &chair, &[], None)
        .await
        .unwrap();
    let head = ready["log_head"].as_u64().unwrap();
    for (case, want) in &cases {
        let (status, file) = http(
            &server.addr,
            "GET",
            &format!("/v1/cases/{case}?min_seq={head}"),
            &chair,
            &[],
            None,
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{file}");
        assert_eq!(file["state"]["status"], *want, "{case}");
        assert!(file["summary"]
            .as_str()
            .unwrap()
            .starts_with("Laporan nomor"));
        let (_, v) = http(
            &server.addr,
            "GET",
            &format!("/v1/cases/{case}/verify"),
            &chair,
            &[],
            None,
        )
        .await
        .unwrap();
        assert_eq!(v["verified"], true);
    }
    let (_, closed) = http(
        &server.addr,
        "GET",
        "/v1/cases?status=closed",
        &chair,
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(closed["items"].as_array().unwrap().len(), 3);
    let (_, stats) = http(
        &server.addr,
        "GET",
        "/v1/stats?office=jawa-barat",
        &chair,
        &[],
        None,
    )
    .await
    .unwrap();
    let total: u64 = stats["per_state"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, 12, "{stats}");
    assert_eq!(
        stats["closure_reasons"]["settled_by_mediation"], 1,
        "{stats}"
    );
    let (_, queue) = http(
        &server.addr,
        "GET",
        "/v1/queue?assignee=riksa.agus",
        &server.tokens["office_head"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    server.child.start_kill().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dozen_cases_through_the_http_api_on_the_embedded_log() {
    life(&[], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dozen_cases_through_the_http_api_on_jetstream() {
    let nats = ombud_testkit::NatsServer::start().unwrap();
    let url = nats.url();
    life(&["--nats", &url], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dozen_cases_through_the_cli() {
    life(&[], true).await;
}

/// The production shape of docker-compose.yml without Docker: `ombud serve` with the shipped
/// `config/jetstream.toml` (replicas 3) on a real 3-node cluster stores the log and the key
/// bucket on all three nodes; and the shipped node configs are ones nats-server accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_cluster_config_serves_with_three_replicas() {
    let root = env!("CARGO_MANIFEST_DIR");
    let nats_server = ombud_testkit::server_binary().unwrap();
    for node in ["n1", "n2", "n3"] {
        let out = std::process::Command::new(&nats_server)
            .args(["-t", "-c"])
            .envs([
                ("OMBUD_NATS_PASSWORD", "a1"),
                ("OMBUD_NATS_SUBSCRIBER_PASSWORD", "b2"),
                ("OMBUD_NATS_ROUTE_PASSWORD", "c3"),
                ("OMBUD_NATS_ROUTE_N1", "nats://route:c3@n1:6222"),
                ("OMBUD_NATS_ROUTE_N2", "nats://route:c3@n2:6222"),
                ("OMBUD_NATS_ROUTE_N3", "nats://route:c3@n3:6222"),
            ])
            .arg(format!("{root}/config/nats-cluster/{node}.conf"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{node}.conf: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let cluster = ombud_testkit::NatsCluster::start().unwrap();
    let url = cluster.url();
    // A fresh cluster elects its leaders first: wait until it can place a 3-replica stream,
    // as docker compose's restarts of ombud would.
    let client = async_nats::connect(url.split(',').next().unwrap())
        .await
        .unwrap();
    let js = async_nats::jetstream::new(client);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let probe = async_nats::jetstream::stream::Config {
            name: "READY".into(),
            subjects: vec!["ready.probe".into()],
            num_replicas: 3,
            ..Default::default()
        };
        match js.create_stream(probe).await {
            Ok(_) => break,
            Err(e) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "cluster not ready: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    js.delete_stream("READY").await.unwrap();

    let dir = TempDir::new("cluster-serve").unwrap();
    let config = format!("{root}/config/jetstream.toml");
    // docker-compose.yml restarts ombud until the cluster has elected its leaders (a fresh
    // R3 stream can be refused for a moment after the probe's): so does this test.
    let mut attempt = 0;
    let mut server = loop {
        attempt += 1;
        match support::try_start(
            &dir.path().join(format!("data{attempt}")),
            &["--config", &config, "--nats", &url],
        )
        .await
        {
            Ok(server) => break server,
            Err(why) => {
                assert!(std::time::Instant::now() < deadline, "{why}");
                eprintln!("ombud did not start on the fresh cluster, restarting it: {why}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    // Until every node knows the new stream, an append can be refused as 503
    // `log_unavailable` (nothing recorded): retried with the same key, as a client would.
    loop {
        let (status, created) =
            post_report(&server, 0, &[("Idempotency-Key", "cluster-first-report")]).await;
        if status == 201 {
            break;
        }
        assert_eq!(status, 503, "{created}");
        assert!(std::time::Instant::now() < deadline, "{created}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for name in ["OMBUD_CASES", "KV_OMBUD_KEYS"] {
        let stream = js.get_stream(name).await.unwrap();
        let info = stream.cached_info();
        assert_eq!(info.config.num_replicas, 3, "{name}");
        assert!(info.state.messages >= 1, "{name} holds the report's writes");
    }
    server.child.start_kill().unwrap();
}

/// Clock lengths come from `[deadlines]` in the configuration: a completion request made
/// under `completion = "5 working days"` records that length and unit in its event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_deadlines_set_the_clocks() {
    let dir = TempDir::new("deadlines").unwrap();
    let file = dir.path().join("site.toml");
    std::fs::write(&file, "[deadlines]\ncompletion = \"5 working days\"\n").unwrap();
    let config = file.to_str().unwrap().to_owned();
    let mut server = start(&dir.path().join("data"), &["--config", &config]).await;
    let (status, created) = post_report(&server, 0, &[]).await;
    assert_eq!(status, 201, "{created}");
    let case = created["case_id"].as_str().unwrap().to_owned();
    let body = json!({"missing": "Fotokopi KTP.", "letter": {"via": "phone", "date": today()}});
    assert_eq!(
        step_http(&server, &case, "request-completion", &body).await,
        200
    );
    let (status, events) = http(
        &server.addr,
        "GET",
        &format!("/v1/cases/{case}/events"),
        &server.tokens["auditor"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{events}");
    let text = events.to_string();
    assert!(
        text.contains(r#""length":5"#) && text.contains(r#""unit":"working_days""#),
        "{text}"
    );
    server.child.start_kill().unwrap();
}

/// The log's head, from `/readyz`.
async fn head(server: &Server) -> u64 {
    let (_, ready) = http(
        &server.addr,
        "GET",
        "/readyz",
        &server.tokens["chair"],
        &[],
        None,
    )
    .await
    .unwrap();
    ready["log_head"].as_u64().unwrap()
}

/// The case ids `GET /v1/cases?<query>` lists for the head of office, once caught up.
async fn listed(server: &Server, query: &str) -> Vec<String> {
    let head = head(server).await;
    let (status, page) = http(
        &server.addr,
        "GET",
        &format!("/v1/cases?{query}&min_seq={head}&limit=100"),
        &server.tokens["office_head"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_str().unwrap().to_owned())
        .collect()
}

/// POSTs `body` to `path` as `role`, answering status and body.
async fn post_as(server: &Server, role: &str, path: &str, body: Value) -> (u16, Value) {
    http(
        &server.addr,
        "POST",
        path,
        &server.tokens[role],
        &[],
        Some(&body),
    )
    .await
    .unwrap()
}

/// Runs `command` on `case` as `role`; it must be recorded.
async fn ok(server: &Server, case: &str, role: &str, command: &str, body: Value) -> u64 {
    let (status, answer) =
        post_as(server, role, &format!("/v1/cases/{case}/{command}"), body).await;
    assert_eq!(status, 200, "{command} by {role}: {answer}");
    answer["case_seq"].as_u64().unwrap()
}

async fn file(server: &Server, case: &str) -> Value {
    let head = head(server).await;
    let (status, file) = http(
        &server.addr,
        "GET",
        &format!("/v1/cases/{case}?min_seq={head}"),
        &server.tokens["office_head"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{file}");
    file
}

/// The other intake tracks and the receipt-dated clocks through the HTTP API: a consultation
/// (KNL) answered at the desk, a rapid response resolved, an own-initiative investigation
/// with three missed summons, police assistance and a stopped LHP, and a completion request
/// whose clock waits for the letter's receipt.
async fn tracks(extra: &[&str]) {
    let dir = TempDir::new("tracks").unwrap();
    let mut server = start(&dir.path().join("data"), extra).await;
    let respondent = json!({"agency_code": "rsud-dr-soekardjo", "agency_name": "RSUD dr. Soekardjo Kota Tasikmalaya", "superior": "Wali Kota Tasikmalaya"});
    let report = |role: &'static str, body: Value| {
        let server = &server;
        async move {
            let (status, created) = post_as(server, role, "/v1/cases", body).await;
            assert_eq!(status, 201, "{created}");
            created["case_id"].as_str().unwrap().to_owned()
        }
    };

    // KNL.
    let knl = report(
        "intake",
        json!({"office": "jawa-barat", "channel": "whatsapp", "track": "consultation",
               "reporter": {"name": "Neneng"}, "summary": "Bertanya syarat akta kelahiran."}),
    )
    .await;
    assert_eq!(file(&server, &knl).await["state"]["status"], "registered");
    ok(
        &server,
        &knl,
        "intake",
        "close",
        json!({"reason": "consultation_only"}),
    )
    .await;
    assert_eq!(file(&server, &knl).await["state"]["status"], "closed");

    // RCO: asked by phone (received at once), resolved by the unit head.
    let rco = report(
        "intake",
        json!({"office": "jawa-barat", "channel": "phone", "track": "rapid_response",
               "reporter": {"name": "Asep"}, "respondent": respondent, "forms": ["failure_to_serve"],
               "criteria": ["emergency"], "summary": "Pasien gawat darurat ditolak IGD."}),
    )
    .await;
    let f = file(&server, &rco).await;
    assert_eq!(f["state"]["status"], "rapid_response");
    assert!(
        f["state"]["clocks"]["rco_service"]["deadline"].is_object(),
        "{f}"
    );
    ok(
        &server,
        &rco,
        "intake",
        "request-clarification",
        json!({"purpose": "information", "letter": {"via": "phone", "date": today()}}),
    )
    .await;
    ok(
        &server,
        &rco,
        "intake",
        "answer-clarification",
        json!({"received_on": today()}),
    )
    .await;
    ok(
        &server,
        &rco,
        "unit_head",
        "close",
        json!({"reason": "rco_resolved"}),
    )
    .await;

    // IAPS: three unexcused absences, police assistance, the LHP stopped, closure.
    let iaps = report(
        "office_head",
        json!({"office": "jawa-barat", "channel": "own_initiative", "track": "own_initiative",
               "respondent": respondent, "forms": ["undue_delay"],
               "decision": {"number": "KEP/IAPS/1/2026", "date": today()},
               "summary": "Antrean pasien BPJS berhari-hari."}),
    )
    .await;
    assert_eq!(
        file(&server, &iaps).await["state"]["status"],
        "under_examination"
    );
    for n in 1..=3 {
        ok(
            &server,
            &iaps,
            "investigator",
            "summon",
            json!({
            "party": {"kind": "respondent", "party_ref": "direktur", "name": "Direktur RSUD"},
            "appointment_at": format!("{}T00:00:00", today()), "letter": letter()}),
        )
        .await;
        ok(
            &server,
            &iaps,
            "investigator",
            "record-absence",
            json!({"summons": n, "valid_reason": false}),
        )
        .await;
    }
    ok(
        &server,
        &iaps,
        "office_head",
        "request-police-assistance",
        json!({"party_ref": "direktur", "police_unit": "Polda Jawa Barat", "letter": letter()}),
    )
    .await;
    ok(
        &server,
        &iaps,
        "investigator",
        "propose-conclusion",
        json!({"conclusion": {"finding": "stopped", "ground": "sub_judice"}}),
    )
    .await;
    assert!(listed(&server, "agenda=conclusion_to_approve")
        .await
        .contains(&iaps));
    ok(
        &server,
        &iaps,
        "office_head",
        "approve-conclusion",
        json!({"review_date": today()}),
    )
    .await;
    assert!(listed(&server, "agenda=lhp_to_issue").await.contains(&iaps));
    assert!(!listed(&server, "agenda=conclusion_to_approve")
        .await
        .contains(&iaps));
    let (status, refused) = post_as(
        &server,
        "investigator",
        &format!("/v1/cases/{iaps}/notify-conclusion"),
        json!({"letter": letter()}),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("requirement_unmet")),
        "{refused}"
    );
    ok(
        &server,
        &iaps,
        "office_head",
        "issue-lhp",
        json!({"letter": letter()}),
    )
    .await;
    assert_eq!(
        file(&server, &iaps).await["state"]["status"],
        "awaiting_closure"
    );
    ok(
        &server,
        &iaps,
        "office_head",
        "close",
        json!({"reason": "examination_stopped", "letter": letter()}),
    )
    .await;
    let f = file(&server, &iaps).await;
    assert_eq!(f["closure"]["reason"], "examination_stopped");
    assert_eq!(f["conclusion"]["ground"], "sub_judice", "{f}");

    // A completion clock waits for the letter's receipt.
    let (status, created) = post_report(&server, 0, &[]).await;
    assert_eq!(status, 201, "{created}");
    let case = created["case_id"].as_str().unwrap().to_owned();
    let sent = ok(
        &server,
        &case,
        "intake",
        "request-completion",
        json!({"missing": "KTP",
        "letter": {"via": "post", "number": "B/9/PW.13/2026", "date": today()}}),
    )
    .await;
    let f = file(&server, &case).await;
    assert!(
        f["state"]["clocks"]["completion"]["deadline"].is_null(),
        "pending receipt: {f}"
    );
    assert!(listed(&server, "pending_receipt=true")
        .await
        .contains(&case));
    ok(
        &server,
        &case,
        "intake",
        "record-letter-receipt",
        json!({"letter_of": sent, "received_on": today()}),
    )
    .await;
    assert!(!listed(&server, "pending_receipt=true")
        .await
        .contains(&case));
    assert!(listed(&server, "pending_receipt=false")
        .await
        .contains(&case));

    // Statistics by track, classification (the latest wins), finding and forms found.
    for substance in ["kesehatan", "administrasi_kependudukan"] {
        ok(
            &server,
            &case,
            "intake",
            "classify",
            json!({"substance": substance, "reporter_kind": "individual"}),
        )
        .await;
    }
    let head = head(&server).await;
    let (status, stats) = http(
        &server.addr,
        "GET",
        &format!("/v1/stats?office=jawa-barat&min_seq={head}"),
        &server.tokens["chair"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{stats}");
    let by = &stats["by"];
    for (bucket, count) in [
        ("track:consultation", 1),
        ("track:rapid_response", 1),
        ("track:own_initiative", 1),
        ("track:regular", 1),
        ("finding:stopped", 1),
        ("substance:administrasi_kependudukan", 1),
        ("reporter_kind:individual", 1),
    ] {
        assert_eq!(by[bucket], count, "{bucket}: {stats}");
    }
    assert!(
        by["substance:kesehatan"].is_null(),
        "the latest classification wins: {stats}"
    );
    let f = file(&server, &case).await;
    assert_eq!(
        f["state"]["clocks"]["completion"]["deadline"]["starts_on"],
        today(),
        "{f}"
    );
    server.child.start_kill().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_intake_tracks_and_letters_through_the_http_api_on_the_embedded_log() {
    tracks(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_intake_tracks_and_letters_through_the_http_api_on_jetstream() {
    let nats = ombud_testkit::NatsServer::start().unwrap();
    let url = nats.url();
    tracks(&["--nats", &url]).await;
}
