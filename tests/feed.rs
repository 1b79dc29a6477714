//! The live feed (`GET /v1/events`) through the door its subscribers use: `ombud serve` on the
//! embedded log and on a real nats-server, raw HTTP/1.1 clients reading Server-Sent Events.
//! Many clients share one subscription (on JetStream the stream's consumer count does not grow
//! with them), each receives every event in order whether it starts at the beginning, in the
//! middle or at the head, a client that stops reading is dropped with a reason while the others
//! go on, a token past its feed limit is refused with 429, and shutdown ends every feed.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use ombud_testkit::{NatsServer, TempDir};
use serde_json::{json, Value};
use support::{http, start_env, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An SSE client on a raw connection, keeping everything it read.
struct Feed {
    stream: TcpStream,
    text: String,
}

impl Feed {
    async fn open(addr: &str, token: &str, last_event_id: Option<u64>) -> Feed {
        let stream = TcpStream::connect(addr).await.unwrap();
        Feed::start(stream, addr, token, last_event_id).await
    }

    /// A client whose socket takes in only a few KiB at a time (one that stops reading fills
    /// it at once).
    async fn open_small(addr: &str, token: &str) -> Feed {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        Feed::start(stream, addr, token, None).await
    }

    async fn start(
        mut stream: TcpStream,
        addr: &str,
        token: &str,
        last_event_id: Option<u64>,
    ) -> Feed {
        let resume = last_event_id
            .map(|id| format!("Last-Event-ID: {id}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n{resume}\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        Feed {
            stream,
            text: String::new(),
        }
    }

    /// Reads until `done` holds of what was read, the stream ends, or `within` passes; true
    /// when `done` holds.
    async fn read_until(&mut self, within: Duration, done: impl Fn(&str) -> bool) -> bool {
        let mut buffer = vec![0u8; 64 * 1024];
        let _ = tokio::time::timeout(within, async {
            while !done(&self.text) {
                match self.stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => self.text.push_str(&String::from_utf8_lossy(&buffer[..n])),
                }
            }
        })
        .await;
        done(&self.text)
    }

    /// Reads until the response ends (its last chunk, or the connection closes) or `within`
    /// passes; true if it ended.
    async fn read_to_end(&mut self, within: Duration) -> bool {
        let mut buffer = vec![0u8; 64 * 1024];
        tokio::time::timeout(within, async {
            while !self.text.ends_with("\r\n0\r\n\r\n") {
                match self.stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => self.text.push_str(&String::from_utf8_lossy(&buffer[..n])),
                }
            }
        })
        .await
        .is_ok()
    }

    fn status(&self) -> Option<u16> {
        self.text.split_whitespace().nth(1)?.parse().ok()
    }

    /// The `id:` of every case event read, in order.
    fn ids(&self) -> Vec<u64> {
        ids(&self.text)
    }
}

fn ids(text: &str) -> Vec<u64> {
    text.lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .map(|v| v.trim().parse().unwrap())
        .collect()
}

fn has_id(id: u64) -> impl Fn(&str) -> bool {
    let line = format!("id: {id}\n");
    move |text: &str| text.contains(&line)
}

fn report_body(i: usize) -> Value {
    json!({
        "office": "jawa-barat", "channel": "walk_in",
        "reporter": {"name": format!("Pelapor {i}"), "nik": format!("32780152038{i:05}"), "confidential": false},
        "respondent": {"agency_code": "disdukcapil-kota-tasikmalaya",
                       "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya"},
        "forms": ["undue_delay"], "prior_complaint": true,
        "summary": format!("KTP-el belum jadi, laporan {i}")
    })
}

async fn report(server: &Server, i: usize) -> (String, u64) {
    let (status, created) = http(
        &server.addr,
        "POST",
        "/v1/cases",
        &server.tokens["intake"],
        &[],
        Some(&report_body(i)),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{created}");
    (
        created["case_id"].as_str().unwrap().to_owned(),
        created["seq"].as_u64().unwrap(),
    )
}

async fn note(server: &Server, case: &str, text: &str) -> u64 {
    let (status, answer) = http(
        &server.addr,
        "POST",
        &format!("/v1/cases/{case}/notes"),
        &server.tokens["office_head"],
        &[],
        Some(&json!({ "note": text })),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{answer}");
    answer["seq"].as_u64().unwrap()
}

/// `ombud serve`'s arguments for the backend: `--nats URL`, or none (the embedded log).
fn serve_args(nats: Option<&NatsServer>) -> Vec<String> {
    nats.map(|n| vec!["--nats".to_owned(), n.url()])
        .unwrap_or_default()
}

/// The stream's consumer count on the server.
async fn consumers(url: &str) -> usize {
    let client = async_nats::connect(url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream("OMBUD_CASES").await.unwrap();
    stream.info().await.unwrap().state.consumer_count
}

/// 40 clients on one process: some from the beginning, some from the middle, some from the
/// head, connecting while events are written; every one gets every event after its start,
/// exactly once and in order. On JetStream the stream's consumers do not grow with them.
async fn many_clients_in_order(nats: Option<&NatsServer>) {
    let dir = TempDir::new("feed-many").unwrap();
    let extra = serve_args(nats);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let server = start_env(dir.path(), &extra, &[("OMBUD__FEED__PER_TOKEN", "64")]).await;
    let token = server.tokens["auditor"].clone();
    let (case, mut head) = report(&server, 0).await;
    for i in 0..9 {
        head = note(&server, &case, &format!("catatan {i}")).await;
    }
    // One client first: the process's live feed (and its one consumer) is up.
    let mut first = Feed::open(&server.addr, &token, None).await;
    assert!(
        first
            .read_until(Duration::from_secs(20), has_id(head))
            .await
    );
    let url = nats.map(NatsServer::url);
    let with_one = match &url {
        Some(url) => Some(consumers(url).await),
        None => None,
    };

    let mut clients = Vec::new();
    let writer = {
        let addr = server.addr.clone();
        let supervisor = server.tokens["office_head"].clone();
        let case = case.clone();
        tokio::spawn(async move {
            let mut last = 0;
            for i in 0..30 {
                let (status, answer) = http(
                    &addr,
                    "POST",
                    &format!("/v1/cases/{case}/notes"),
                    &supervisor,
                    &[],
                    Some(&json!({ "note": format!("catatan langsung {i}") })),
                )
                .await
                .unwrap();
                assert_eq!(status, 200, "{answer}");
                last = answer["seq"].as_u64().unwrap();
            }
            last
        })
    };
    for i in 0..39u64 {
        let start = match i % 3 {
            0 => None,               // from the beginning
            1 => Some(head / 2),     // from the middle
            _ => Some(head + i / 3), // near the head, while it moves
        };
        clients.push((
            start.unwrap_or(0),
            Feed::open(&server.addr, &token, start).await,
        ));
    }
    let last = writer.await.unwrap();
    clients.push((0, first));
    for (after, client) in &mut clients {
        assert!(
            client
                .read_until(Duration::from_secs(30), has_id(last))
                .await,
            "a client from {after} reached {last}: {}",
            &client.text[..client.text.len().min(300)]
        );
        let expected: Vec<u64> = (*after + 1..=last).collect();
        assert_eq!(client.ids(), expected, "a client from {after}");
    }
    if let (Some(url), Some(with_one)) = (&url, with_one) {
        assert_eq!(
            consumers(url).await,
            with_one,
            "40 feeds use the consumers one feed uses"
        );
    }
    let (_, metrics) = support::http_text(&server.addr, "/metrics").await;
    assert!(metrics.contains("ombud_feed_clients 40"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_feeds_share_one_subscription_and_each_gets_every_event_in_order_on_jetstream() {
    let nats = NatsServer::start().unwrap();
    many_clients_in_order(Some(&nats)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_feeds_share_one_subscription_and_each_gets_every_event_in_order_on_the_embedded_log()
{
    many_clients_in_order(None).await;
}

/// A client that stops reading is dropped with a `dropped` event once it falls more than
/// `client_buffer` events behind; a reading client beside it gets every event meanwhile.
async fn slow_client_dropped(nats: Option<&NatsServer>) {
    let dir = TempDir::new("feed-slow").unwrap();
    let extra = serve_args(nats);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut server = start_env(
        dir.path(),
        &extra,
        &[
            ("OMBUD__FEED__CLIENT_BUFFER", "4"),
            ("OMBUD__SHUTDOWN_GRACE_SECS", "2"),
        ],
    )
    .await;
    let token = server.tokens["auditor"].clone();
    let (case, first_seq) = report(&server, 1).await;
    // One client that never reads again: it holds its connection until shutdown.
    let stuck = Feed::open_small(&server.addr, &token).await;
    let mut slow = Feed::open_small(&server.addr, &token).await;
    assert!(
        slow.read_until(Duration::from_secs(20), has_id(first_seq))
            .await
    );
    let mut reader = Feed::open(&server.addr, &token, Some(first_seq)).await;
    // 60 notes of 100 KB: far more than the socket buffers hold for a client that does not read.
    let big = "x".repeat(100 * 1024);
    let mut last = first_seq;
    for _ in 0..60 {
        last = note(&server, &case, &big).await;
        assert!(
            reader
                .read_until(Duration::from_secs(20), has_id(last))
                .await,
            "the reading client is not held up by the slow one"
        );
    }
    assert_eq!(reader.ids(), (first_seq + 1..=last).collect::<Vec<_>>());
    // The slow client, reading at last: its feed ends with the reason, after what it had.
    let ended = slow.read_to_end(Duration::from_secs(30)).await;
    assert!(
        ended,
        "the slow client's feed ends: read {} bytes, ids {:?}, ends {:?}",
        slow.text.len(),
        slow.ids().len(),
        &slow.text[slow.text.len().saturating_sub(200)..]
    );
    let dropped = slow
        .text
        .split_once("event: dropped\ndata: ")
        .and_then(|(_, rest)| rest.lines().next())
        .map(|data| serde_json::from_str::<Value>(data).unwrap())
        .unwrap_or_else(|| {
            panic!(
                "a dropped event: {}",
                &slow.text[slow.text.len().saturating_sub(400)..]
            )
        });
    assert_eq!(dropped["reason"], "slow_client", "{dropped}");
    let ids = slow.ids();
    assert!(
        ids.len() < 61,
        "it was dropped before the end: {}",
        ids.len()
    );
    assert_eq!(
        ids,
        (1..=ids.len() as u64).collect::<Vec<_>>(),
        "in order up to the drop"
    );
    assert_eq!(
        dropped["last_event_id"],
        json!(ids.last().copied().unwrap_or(0))
    );
    // It resumes where it was dropped and gets the rest.
    let mut resumed = Feed::open(&server.addr, &token, dropped["last_event_id"].as_u64()).await;
    assert!(
        resumed
            .read_until(Duration::from_secs(20), has_id(last))
            .await
    );
    assert_eq!(
        resumed.ids(),
        (ids.len() as u64 + 1..=last).collect::<Vec<_>>()
    );
    let (_, metrics) = support::http_text(&server.addr, "/metrics").await;
    assert!(metrics.contains("ombud_feed_dropped_total 1"), "{metrics}");

    // SIGTERM with the stuck client still attached: the server stops within its grace.
    let pid = server.child.id().unwrap().to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    let exit = tokio::time::timeout(Duration::from_secs(15), server.child.wait())
        .await
        .expect("the server stops within shutdown_grace_secs with a stuck client attached")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    drop(stuck);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_with_a_reason_on_jetstream() {
    let nats = NatsServer::start().unwrap();
    slow_client_dropped(Some(&nats)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_with_a_reason_on_the_embedded_log() {
    slow_client_dropped(None).await;
}

/// A token holding its limit of feeds gets 429 with a reason; another token is not affected;
/// a closed feed frees its place. SIGTERM ends the feeds still open, and the server exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_past_its_feed_limit_is_refused_and_shutdown_ends_every_feed() {
    let dir = TempDir::new("feed-limit").unwrap();
    let mut server = start_env(
        dir.path(),
        &[],
        &[
            ("OMBUD__FEED__PER_TOKEN", "2"),
            ("OMBUD__FEED__KEEP_ALIVE_SECS", "1"),
        ],
    )
    .await;
    let token = server.tokens["auditor"].clone();
    let (_, seq) = report(&server, 2).await;
    let mut a = Feed::open(&server.addr, &token, None).await;
    let mut b = Feed::open(&server.addr, &token, None).await;
    for feed in [&mut a, &mut b] {
        assert!(feed.read_until(Duration::from_secs(20), has_id(seq)).await);
        assert_eq!(feed.status(), Some(200));
    }
    let mut refused = Feed::open(&server.addr, &token, None).await;
    assert!(
        refused
            .read_until(Duration::from_secs(10), |t| t.contains("too_many_feeds"))
            .await
    );
    assert_eq!(refused.status(), Some(429), "{}", refused.text);
    assert!(refused.text.contains("limit"), "{}", refused.text);
    let mut other = Feed::open(&server.addr, &server.tokens["dpo"], None).await;
    assert!(other.read_until(Duration::from_secs(20), has_id(seq)).await);

    // Closing one frees its place (noticed at the next keep-alive at the latest).
    drop(a);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut again = loop {
        let mut feed = Feed::open(&server.addr, &token, None).await;
        feed.read_until(Duration::from_secs(5), |t| t.contains("\r\n\r\n"))
            .await;
        if feed.status() == Some(200) {
            break feed;
        }
        assert!(Instant::now() < deadline, "a closed feed's place is freed");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(again.read_until(Duration::from_secs(20), has_id(seq)).await);

    // SIGTERM: every feed ends and the server exits, with subscribers still attached.
    let pid = server.child.id().unwrap().to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    for feed in [&mut b, &mut other, &mut again] {
        assert!(
            feed.read_to_end(Duration::from_secs(10)).await,
            "a feed ends on shutdown"
        );
    }
    let exit = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("the server exits with feeds attached")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
}
