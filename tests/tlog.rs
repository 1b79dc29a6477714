//! The transparency log through its door: an auditor fetches the log's verifier key and a
//! signed checkpoint from `ombud serve`, checks the signature, and proves every event of a
//! case included in the checkpoint's tree with an independent verifier
//! (`ombud_tlog::verify`), computing each leaf entry from the trail; the tree grows with the
//! log, and a fresh rebuild (a restart on an emptied views directory) signs the same root
//! under the same key. Both backends.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ombud_testkit::{NatsServer, TempDir};
use ombud_tlog::merkle::leaf_hash;
use ombud_tlog::{verify_inclusion, Checkpoint, Verifier};
use serde_json::{json, Value};
use support::{http, start_env, Server};

/// A checkpoint every 100 ms (the default is 5 s).
const FAST_CHECKPOINTS: &[(&str, &str)] = &[("OMBUD__LOG__CHECKPOINT_INTERVAL", "0.1")];

async fn text(server: &Server, path: &str) -> (u16, String) {
    let auth = format!("Bearer {}", server.tokens["auditor"]);
    let answer = ombud_testkit::http::request(
        &server.addr,
        "GET",
        path,
        &[("authorization", auth.as_str())],
        Vec::new(),
    )
    .await
    .unwrap();
    (
        answer.status,
        String::from_utf8_lossy(&answer.body).into_owned(),
    )
}

/// The signed checkpoint once the tree holds `size` leaves.
async fn checkpoint_of(server: &Server, verifier: &Verifier, size: u64) -> (Checkpoint, String) {
    for _ in 0..200 {
        let (status, note) = text(server, "/v1/log/checkpoint").await;
        assert_eq!(status, 200, "{note}");
        let checkpoint = Checkpoint::open(&note, verifier).expect("signed by the log key");
        if checkpoint.size >= size {
            return (checkpoint, note);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the tree did not reach {size} leaves");
}

async fn post(server: &Server, path: &str, role: &str, body: Value, key: &str) -> Value {
    let (status, answer) = http(
        &server.addr,
        "POST",
        path,
        &server.tokens[role],
        &[("idempotency-key", key)],
        Some(&body),
    )
    .await
    .unwrap();
    assert!(status == 200 || status == 201, "{path}: {status} {answer}");
    answer
}

async fn walk(server: Server, data: &std::path::Path, restart: impl AsyncFnOnce() -> Server) {
    let case = post(
        &server,
        "/v1/cases",
        "intake",
        json!({"office": "jawa-barat", "channel": "walk_in",
               "reporter": {"name": "Siti Rahmawati", "nik": "3278015203850004"},
               "respondent": {"agency_code": "rsud-kota-bandung", "agency_name": "RSUD Kota Bandung"},
               "forms": ["undue_delay"], "prior_complaint": true, "summary": "Pungutan tidak resmi."}),
        "t-1",
    )
    .await["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (i, note) in ["Ditelepon", "Berkas diterima"].iter().enumerate() {
        post(
            &server,
            &format!("/v1/cases/{case}/notes"),
            "intake",
            json!({ "note": note }),
            &format!("n-{i}"),
        )
        .await;
    }

    // The key, and a checkpoint it signed over the three events.
    let (status, vkey) = text(&server, "/v1/log/vkey").await;
    assert_eq!(status, 200);
    let verifier = Verifier::parse(vkey.trim()).expect("a C2SP vkey");
    assert_eq!(verifier.name(), "ombud.local/cases");
    let (first, _) = checkpoint_of(&server, &verifier, 3).await;
    assert_eq!(first.size, 3);

    // Each event's leaf, computed from the trail, is in the tree the checkpoint names.
    let (status, trail) = http(
        &server.addr,
        "GET",
        &format!("/v1/cases/{case}/events"),
        &server.tokens["auditor"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{trail}");
    for event in trail["events"].as_array().unwrap() {
        let seq = event["seq"].as_u64().unwrap();
        let kind = event["event"]["type"].as_str().unwrap();
        let entry = format!(
            "{seq} {case} {} {} {}\n",
            event["event"]["caseseq"],
            kind.strip_prefix("ombud.case.").unwrap_or(kind),
            event["hash"].as_str().unwrap()
        );
        let (status, proof) = http(
            &server.addr,
            "GET",
            &format!("/v1/log/proof?seq={seq}&size={}", first.size),
            &server.tokens["auditor"],
            &[],
            None,
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{proof}");
        let path: Vec<[u8; 32]> = proof["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
            .collect();
        let signed = Checkpoint::open(proof["checkpoint"].as_str().unwrap(), &verifier).unwrap();
        assert_eq!(signed, first);
        verify_inclusion(
            seq - 1,
            first.size,
            &leaf_hash(entry.as_bytes()),
            &path,
            &first.root,
        )
        .unwrap_or_else(|e| panic!("{entry:?}: {e}"));
        // Another entry for the same place does not verify.
        let forged = entry.replace(" intake", " chair");
        let forged = if forged == entry {
            entry.replacen(' ', "  ", 1)
        } else {
            forged
        };
        assert!(verify_inclusion(
            seq - 1,
            first.size,
            &leaf_hash(forged.as_bytes()),
            &path,
            &first.root
        )
        .is_err());
    }

    // Only auditors and the chair read it; a leaf beyond the tree is not there.
    let (status, _) = http(
        &server.addr,
        "GET",
        "/v1/log/checkpoint",
        &server.tokens["investigator"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 403);
    let (status, _) = text(&server, "/v1/log/proof?seq=99").await;
    assert_eq!(status, 404);

    // The tree grows with the log.
    post(
        &server,
        &format!("/v1/cases/{case}/notes"),
        "intake",
        json!({ "note": "Lagi" }),
        "n-9",
    )
    .await;
    let (second, _) = checkpoint_of(&server, &verifier, 4).await;
    assert_eq!(second.size, 4);
    let mut server = server;
    server.child.kill().await.unwrap();

    // A rebuilt tree (the read models emptied, the log kept) signs the same root.
    std::fs::remove_dir_all(data.join("views")).unwrap();
    let server = restart().await;
    let (rebuilt, _) = checkpoint_of(&server, &verifier, 4).await;
    assert_eq!(
        rebuilt, second,
        "the tree is a deterministic projection of the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_checks_the_signed_tree_on_the_embedded_log() {
    let dir = TempDir::new("tlog").unwrap();
    let data = dir.path().join("data");
    let server = start_env(&data, &[], FAST_CHECKPOINTS).await;
    let tokens = server.tokens.clone();
    walk(server, &data, async || {
        let mut again = start_env(&data, &[], FAST_CHECKPOINTS).await;
        again.tokens = tokens;
        again
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_checks_the_signed_tree_on_jetstream() {
    let nats = NatsServer::start().unwrap();
    let url = nats.url();
    let dir = TempDir::new("tlog").unwrap();
    let data = dir.path().join("data");
    let server = start_env(&data, &["--nats", &url], FAST_CHECKPOINTS).await;
    let tokens = server.tokens.clone();
    walk(server, &data, async || {
        let mut again = start_env(&data, &["--nats", &url], FAST_CHECKPOINTS).await;
        again.tokens = tokens;
        again
    })
    .await;
}
