//! Test helpers for the `ombud` binary: start `ombud serve` on a data directory and read its
//! address and tokens; a minimal HTTP/1.1 client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// The local tokens each data directory's first start showed.
static KEPT_TOKENS: std::sync::Mutex<Option<HashMap<std::path::PathBuf, HashMap<String, String>>>> =
    std::sync::Mutex::new(None);

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub tokens: HashMap<String, String>,
    /// This start showed new local tokens (a restart on kept ones shows none).
    pub shown_tokens: bool,
}

/// The deployment's write keys for every `ombud` process a test starts (processes on one
/// log must share them, as in production).
pub const WRITE_KEYS: &str =
    "test:2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";

/// The deployment's blind-index key for every `ombud` process a test starts (it also keys the
/// ids of reported cases, so the same demo seed gives the same case ids only under it).
pub const BLIND_INDEX_KEY: &str =
    "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";

pub async fn start(data: &std::path::Path, extra: &[&str]) -> Server {
    start_env(data, extra, &[]).await
}

/// [`start`] with more environment (it overrides the default write keys).
pub async fn start_env(data: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
    spawn(data, extra, env, false).await
}

/// [`start_env`] with the server's log (stderr) left in `child.stderr` for the test to read.
pub async fn start_logged(data: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
    spawn(data, extra, env, true).await
}

async fn spawn(
    data: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
    logged: bool,
) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ombud"))
        .env("OMBUD__SECURITY__WRITE_KEYS", WRITE_KEYS)
        .env("OMBUD__SECURITY__BLIND_INDEX_KEY", BLIND_INDEX_KEY)
        .envs(env.iter().copied())
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .arg("--holidays")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/config/holidays.toml"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(if logged {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut addr, mut tokens) = (String::new(), HashMap::new());
    tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(a) = line.strip_prefix("ombud listening on http://") {
                addr = a.to_owned();
            } else if line.starts_with("  ") {
                let parts: Vec<&str> = line.split_whitespace().collect();
                tokens.insert(parts[0].to_owned(), parts[2].to_owned());
            } else if line.starts_with("try:") {
                break;
            }
        }
    })
    .await
    .expect("the server starts");
    assert!(!addr.is_empty(), "the server printed its address");
    // Local tokens are shown when they are made; a restart on the same data keeps them (and
    // says so instead of showing them): the tokens of the first start stay the ones to use.
    let shown_tokens = !tokens.is_empty();
    let mut guard = KEPT_TOKENS.lock().unwrap();
    let kept = guard.get_or_insert_with(HashMap::new);
    let dir = data.to_path_buf();
    if tokens.is_empty() {
        if let Some(earlier) = kept.get(&dir) {
            tokens = earlier.clone();
        }
    } else {
        kept.insert(dir, tokens.clone());
    }
    drop(guard);
    Server {
        child,
        addr,
        tokens,
        shown_tokens,
    }
}

/// A minimal HTTP/1.1 client (one request per connection).
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).await?;
    let body = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    stream.write_all(&body).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// The SSE feed from the start, until the event at `head` arrived.
pub async fn read_sse(addr: &str, token: &str, head: u64) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /v1/events?after_seq=0 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut text = String::new();
    let mut buffer = vec![0u8; 65536];
    let done = format!("id: {head}\n");
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        while !text.contains(&done) {
            let n = stream.read(&mut buffer).await.unwrap();
            if n == 0 {
                break;
            }
            text.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    })
    .await;
    assert!(
        text.contains(&done),
        "the feed reached sequence {head}: {}",
        &text[..text.len().min(500)]
    );
    text
}

/// GET `path` without a token: the status and the body as text (for `/metrics`).
pub async fn http_text(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    (status, body.unwrap_or_default())
}
