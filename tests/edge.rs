//! The HTTP edge of `ombud serve` against clients that misbehave: connections that trickle
//! their request headers (slow-loris) are closed after `header_read_timeout_secs`, bodies that
//! trickle are answered 408 after `body_read_timeout_secs` and write nothing, while ordinary
//! requests are served throughout.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use ombud_testkit::TempDir;
use support::{http, start_env};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_trickle_their_headers_are_closed_and_others_are_served() {
    let dir = TempDir::new("edge-slowloris").unwrap();
    let server = start_env(dir.path(), &[], &[("OMBUD__HEADER_READ_TIMEOUT_SECS", "1")]).await;
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut stream = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
        // A request line and one header, never the blank line that ends them.
        stream
            .write_all(b"GET /v1/cases HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(stream);
    }
    // Meanwhile an ordinary request is answered.
    let (status, _) = http(
        &server.addr,
        "GET",
        "/v1/cases",
        &server.tokens["auditor"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    // Every trickling connection is closed by the server, within the timeout and some slack.
    let mut closed = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    for stream in &mut slow {
        let mut buffer = [0u8; 512];
        let ended = tokio::time::timeout_at(deadline, async {
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {} // an error answer (408), then the close
                }
            }
        })
        .await;
        if ended.is_ok() {
            closed += 1;
        }
    }
    assert_eq!(closed, 200, "every trickling connection was closed");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "closed after about the timeout, not held: {:?}",
        started.elapsed()
    );
    let (status, _) = http(
        &server.addr,
        "GET",
        "/v1/cases",
        &server.tokens["auditor"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "still serving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_trickle_are_answered_408_and_write_nothing() {
    let dir = TempDir::new("edge-slow-body").unwrap();
    let server = start_env(dir.path(), &[], &[("OMBUD__BODY_READ_TIMEOUT_SECS", "1")]).await;
    let intake = server.tokens["intake"].clone();
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut stream = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
        // Whole headers, then a tenth of the body the request declares, and nothing more.
        let head = format!(
            "POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {intake}\r\n\
             Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{{\"office\": \""
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        slow.push(stream);
    }
    // Meanwhile an ordinary request is answered.
    let (status, _) = http(&server.addr, "GET", "/v1/cases", &intake, &[], None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    for stream in &mut slow {
        let mut answer = Vec::new();
        let read = tokio::time::timeout_at(deadline, stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the connection was closed after the answer");
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("body_timeout"), "{text}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered after about the timeout: {:?}",
        started.elapsed()
    );
    let (status, ready) = http(&server.addr, "GET", "/readyz", &intake, &[], None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{ready}");
    assert_eq!(
        ready["log_head"], 0,
        "no trickled body wrote anything: {ready}"
    );
}

/// The OpenAPI document `ombud serve` publishes is the one it serves: every documented route
/// is answered by the running server with its method (never `no_route` or 405), and its
/// answers carry the documented media type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_server_answers_every_route_its_document_lists() {
    let dir = TempDir::new("edge-openapi").unwrap();
    let server = start_env(dir.path(), &[], &[]).await;
    let auditor = server.tokens["auditor"].clone();
    let (status, doc) = http(&server.addr, "GET", "/v1/openapi.json", &auditor, &[], None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let case = "01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42";
    let mut checked = 0;
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            let concrete = path
                .replace("{id}", case)
                .replace("{code}", "disdukcapil-kota-tasikmalaya");
            if concrete == "/v1/events" || concrete == "/v1/notifications" {
                continue; // streams (tests/feed.rs, tests/deadlines.rs)
            }
            let auth = format!("Bearer {auditor}");
            let headers = [
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ];
            let answer = ombud_testkit::http::request(
                &server.addr,
                &method.to_uppercase(),
                &concrete,
                &headers,
                b"{}".to_vec(),
            )
            .await
            .unwrap();
            let body: serde_json::Value =
                serde_json::from_slice(&answer.body).unwrap_or(serde_json::Value::Null);
            assert_ne!(answer.status, 405, "{method} {path}: {body}");
            assert_ne!(body["code"], "no_route", "{method} {path} is served");
            let kind = answer
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            // The answer of its own status, else (2xx) the documented success, else the
            // default problem.
            let responses = op["responses"].as_object().unwrap();
            let documented = match responses.get(&answer.status.to_string()) {
                Some(r) => r["content"].clone(),
                None if (200..300).contains(&answer.status) => responses
                    .iter()
                    .find(|(code, _)| code.starts_with('2'))
                    .map(|(_, r)| r["content"].clone())
                    .unwrap(),
                None => responses["default"]["content"].clone(),
            };
            let media = kind.split(';').next().unwrap_or("").trim().to_owned();
            assert!(
                documented.as_object().unwrap().keys().any(|k| k
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    == media),
                "{method} {path} answered {} as {kind}, documented {documented}",
                answer.status
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "every documented route was tried: {checked}");
}
