//! The HTTP edge of `ombud serve` against clients that misbehave: connections that trickle
//! their request headers (slow-loris) are closed after `header_read_timeout_secs`, while
//! ordinary requests are served throughout.
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
