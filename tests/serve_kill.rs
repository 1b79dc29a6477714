//! `ombud serve` as a real process (embedded log, and JetStream on a real nats-server), killed with SIGKILL in the middle of a
//! load of commands and restarted on the same data: every command that got a 2xx is in the
//! log exactly once and in the read models; no idempotency key is recorded twice.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ombud_testkit::TempDir;
use serde_json::{json, Value};
use support::{http, start};

fn report() -> Value {
    json!({
        "office": "jawa-barat", "channel": "web",
        "reporter": { "name": "Siti Aminah", "phone": "+6281200000000" },
        "respondent": { "agency_code": "bapenda-kota-tasikmalaya",
                        "agency_name": "Badan Pendapatan Daerah Kota Tasikmalaya" },
        "forms": ["undue_delay"], "summary": "Keberatan PBB tidak dijawab."
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_embedded_acknowledged_commands_survive_a_kill_9_exactly_once() {
    acknowledged_commands_survive_a_kill_9_exactly_once(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_jetstream_acknowledged_commands_survive_a_kill_9_exactly_once() {
    let nats = ombud_testkit::NatsServer::start().unwrap();
    let url = nats.url();
    acknowledged_commands_survive_a_kill_9_exactly_once(&["--nats", &url]).await;
}

async fn acknowledged_commands_survive_a_kill_9_exactly_once(extra: &[&str]) {
    let dir = TempDir::new("serve-kill").unwrap();
    let data = dir.path().join("data");
    let mut server = start(&data, extra).await;

    // Acknowledged commands: (case, idempotency key).
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..6 {
        let (addr, intake, investigator, acked) = (
            server.addr.clone(),
            server.tokens["intake"].clone(),
            server.tokens["investigator"].clone(),
            acked.clone(),
        );
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let key = format!("r-{w}-{i}");
                let Ok((status, body)) = http(
                    &addr,
                    "POST",
                    "/v1/cases",
                    &intake,
                    &[("Idempotency-Key", &key)],
                    Some(&report()),
                )
                .await
                else {
                    return;
                };
                if status != 201 {
                    continue;
                }
                let case = body["case_id"].as_str().unwrap().to_owned();
                acked.lock().unwrap().push((case.clone(), key));
                for n in 0..3 {
                    let key = format!("n-{w}-{i}-{n}");
                    let path = format!("/v1/cases/{case}/notes");
                    let Ok((status, _)) = http(
                        &addr,
                        "POST",
                        &path,
                        &investigator,
                        &[("Idempotency-Key", &key)],
                        Some(&json!({"note": "Pelapor dihubungi."})),
                    )
                    .await
                    else {
                        return;
                    };
                    if status == 200 {
                        acked.lock().unwrap().push((case.clone(), key));
                    }
                }
            }
        }));
    }
    // Kill once the load is well under way (200 acknowledged commands), not after a fixed time.
    tokio::time::timeout(Duration::from_secs(60), async {
        while acked.lock().unwrap().len() < 200 {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the load gets going");
    server.child.start_kill().unwrap(); // SIGKILL mid-load
    server.child.wait().await.unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 20,
        "the load ran: {} acknowledged",
        acked.len()
    );

    let server = start(&data, extra).await;
    let auditor = server.tokens["auditor"].clone();
    let cases: HashSet<&String> = acked.iter().map(|(c, _)| c).collect();
    let mut recorded = HashMap::<String, usize>::new();
    for case in &cases {
        let (status, trail) = http(
            &server.addr,
            "GET",
            &format!("/v1/cases/{case}/events"),
            &auditor,
            &[],
            None,
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{trail}");
        for e in trail["events"].as_array().unwrap() {
            *recorded
                .entry(e["event"]["idempotencykey"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let (status, v) = http(
            &server.addr,
            "GET",
            &format!("/v1/cases/{case}/verify"),
            &auditor,
            &[],
            None,
        )
        .await
        .unwrap();
        assert_eq!((status, v["verified"].as_bool()), (200, Some(true)), "{v}");
    }
    for (_, key) in &acked {
        assert_eq!(
            recorded.get(key),
            Some(&1),
            "acknowledged {key} is recorded exactly once"
        );
    }
    assert!(recorded.values().all(|n| *n == 1), "no key recorded twice");

    // The read models have every acknowledged case once.
    let chair = server.tokens["chair"].clone();
    let head = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok((200, ready)) = http(&server.addr, "GET", "/readyz", &chair, &[], None).await
            {
                return ready["log_head"].as_u64().unwrap();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the server gets ready after the restart");
    let mut listed: Vec<String> = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/v1/cases?limit=200&min_seq={head}{cursor}");
        let (status, page) = http(&server.addr, "GET", &path, &chair, &[], None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{page}");
        listed.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["case_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let unique: HashSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "no case listed twice");
    for case in &cases {
        assert!(listed.contains(case), "case {case} is in the read models");
    }
}
