//! Test helpers for the `ombud` binary: start `ombud serve` on a data directory and read its
//! address and tokens; requests through the test kit's HTTP client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
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

/// Where a server started without `logged` writes its log (stderr): inside its data
/// directory, so the log goes with the test's temporary directory (beside it, a data
/// directory that is itself the temporary directory left a file behind in /tmp per start).
fn stderr_file(data: &std::path::Path) -> std::path::PathBuf {
    data.join("ombud.stderr.log")
}

async fn spawn(
    data: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
    logged: bool,
) -> Server {
    try_spawn(data, extra, env, logged)
        .await
        .unwrap_or_else(|why| panic!("{why}"))
}

/// [`start`], or why the server did not start (its exit and its log).
#[allow(dead_code)]
pub async fn try_start(data: &std::path::Path, extra: &[&str]) -> Result<Server, String> {
    try_spawn(data, extra, &[], false).await
}

async fn try_spawn(
    data: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
    logged: bool,
) -> Result<Server, String> {
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
            // Kept in the data directory, for the message of a start that failed.
            std::fs::create_dir_all(data)
                .and_then(|()| std::fs::File::create(stderr_file(data)))
                .map_or_else(|_| Stdio::null(), Stdio::from)
        })
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut addr, mut tokens, mut kept_line) = (String::new(), HashMap::new(), false);
    tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(a) = line.strip_prefix("ombud listening on http://") {
                addr = a.to_owned();
            } else if line.starts_with("tokens: the ") && line.contains("shown at an earlier start")
            {
                kept_line = true;
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
    if addr.is_empty() {
        let exit = child.try_wait().ok().flatten();
        let log = std::fs::read_to_string(stderr_file(data)).unwrap_or_default();
        return Err(format!(
            "the server did not print its address (exit: {exit:?}); its log:\n{log}"
        ));
    }
    // Local tokens are shown when they are made; a restart on the same data keeps them (and
    // says so instead of showing them): the tokens of the first start stay the ones to use.
    let shown_tokens = !tokens.is_empty();
    let mut guard = KEPT_TOKENS.lock().unwrap();
    let kept = guard.get_or_insert_with(HashMap::new);
    let dir = data.to_path_buf();
    if kept_line {
        tokens = kept
            .get(&dir)
            .expect("the server kept local tokens this data directory's first start showed")
            .clone();
    } else if !tokens.is_empty() {
        kept.insert(dir, tokens.clone());
    }
    drop(guard);
    Ok(Server {
        child,
        addr,
        tokens,
        shown_tokens,
    })
}

/// One request to `addr` with a bearer token and a JSON body (the test kit's HTTP client):
/// the status and the answer as JSON (`null` when it is not JSON).
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let body = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let auth = format!("Bearer {token}");
    let mut all = vec![
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    all.extend_from_slice(headers);
    let answer = ombud_testkit::http::request(addr, method, path, &all, body).await?;
    Ok((
        answer.status,
        serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
    ))
}

/// The SSE feed from the start, until the event at `head` arrived.
pub async fn read_sse(addr: &str, token: &str, head: u64) -> String {
    let auth = format!("Bearer {token}");
    let mut feed = ombud_testkit::http::open(
        addr,
        "GET",
        "/v1/events?after_seq=0",
        &[("authorization", &auth)],
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(feed.status, 200);
    let mut text = String::new();
    let done = format!("id: {head}\n");
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        while !text.contains(&done) {
            match feed.next().await {
                Some(piece) => text.push_str(&String::from_utf8_lossy(&piece)),
                None => break,
            }
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
    let answer = ombud_testkit::http::request(addr, "GET", path, &[], Vec::new())
        .await
        .unwrap();
    (
        answer.status,
        String::from_utf8_lossy(&answer.body).into_owned(),
    )
}

/// Today at the office (WIB): the server stamps commands with its own clock.
#[allow(dead_code)]
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    chrono::DateTime::from_timestamp(secs + 7 * 3600, 0)
        .unwrap()
        .date_naive()
        .to_string()
}

/// A post letter dated and received today.
#[allow(dead_code)]
pub fn letter() -> Value {
    serde_json::json!({"via": "post", "number": "B/101/PW.13/2026", "date": today(), "received_on": today()})
}

/// `text` percent-encoded for a form body (`application/x-www-form-urlencoded`).
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}
