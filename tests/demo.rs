//! `ombud serve --demo` and `ombud demo`: the demo data set loads, spreads over the process,
//! and is the same for the same seed; `ombud bench api` and the projection benchmark run end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::BTreeMap;

use ombud_testkit::TempDir;
use support::{http, start_env};

/// The deadline engine stays off here: it would act on the demo's overdue clocks while the
/// cases are read (tests/deadlines.rs runs it over the demo).
async fn cases_by_status(dir: &TempDir, name: &str, args: &[&str]) -> BTreeMap<String, String> {
    let mut server = start_env(
        &dir.path().join(name),
        args,
        &[("OMBUD__DEADLINE_ENGINE__ENABLED", "false")],
    )
    .await;
    let chair = server.tokens["chair"].clone();
    let (_, ready) = http(&server.addr, "GET", "/readyz", &chair, &[], None)
        .await
        .unwrap();
    let head = ready["log_head"].as_u64().unwrap();
    let mut out = BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/v1/cases?limit=100&min_seq={head}{cursor}");
        let (status, page) = http(&server.addr, "GET", &path, &chair, &[], None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{page}");
        for s in page["items"].as_array().unwrap() {
            out.insert(
                s["case_id"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loads_every_kind_of_case_and_is_the_same_for_the_same_seed() {
    let dir = TempDir::new("demo").unwrap();
    let demo = ["--demo", "--demo-cases", "150", "--seed", "7"];
    let first = cases_by_status(&dir, "a", &demo).await;
    assert_eq!(first.len(), 150);
    let statuses: std::collections::BTreeSet<&String> = first.values().collect();
    for status in [
        "received",
        "awaiting_completion",
        "under_examination",
        "corrective_action",
        "closed",
    ] {
        assert!(
            statuses.iter().any(|s| *s == status),
            "{status} in {statuses:?}"
        );
    }
    let second = cases_by_status(&dir, "b", &demo).await;
    assert_eq!(first, second, "same seed, same cases");

    // `ombud demo` loads the same cases without serving; `ombud serve` then serves them, and
    // a second `ombud demo` on a log that holds events adds nothing.
    let data = dir.path().join("c");
    let load = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
            .args(["demo", "--cases", "150", "--seed", "7", "--data"])
            .arg(&data)
            .env("OMBUD__SECURITY__BLIND_INDEX_KEY", support::BLIND_INDEX_KEY)
            .env("OMBUD__SECURITY__WRITE_KEYS", support::WRITE_KEYS)
            .arg("--holidays")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/config/holidays.toml"))
            .output()
            .unwrap()
    };
    let loaded = load();
    assert!(loaded.status.success(), "{loaded:?}");
    let stderr = String::from_utf8_lossy(&loaded.stderr);
    assert!(stderr.contains("demo: 150 cases"), "{stderr}");
    let again = load();
    assert!(again.status.success(), "{again:?}");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("not loading it again"), "{stderr}");
    let served = cases_by_status(&dir, "c", &[]).await;
    assert_eq!(
        first, served,
        "`ombud demo` loads what `serve --demo` loads"
    );
}

/// A year of the demo (its default 550 cases) goes through the service without one refusal
/// and reaches every command (so every event type), every closure ground and every intake
/// track, as `ombud demo` reports.
#[test]
fn a_demo_year_reaches_every_command_ground_and_track_and_nothing_is_refused() {
    let dir = TempDir::new("demo-year").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["demo", "--data"])
        .arg(dir.path().join("data"))
        .env("OMBUD__SECURITY__BLIND_INDEX_KEY", support::BLIND_INDEX_KEY)
        .env("OMBUD__SECURITY__WRITE_KEYS", support::WRITE_KEYS)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("demo: 550 cases"), "{stderr}");
    assert!(stderr.contains("(0 refused by the domain)"), "{stderr}");
    assert!(
        stderr.contains("demo: every command, closure ground and intake track reached"),
        "{stderr}"
    );
}

/// Runs `ombud <args>` with its temporary files in a fresh directory; returns its stdout after
/// checking it succeeded.
#[cfg(feature = "bench")]
fn run_bench(label: &str, args: &[&str]) -> String {
    let dir = TempDir::new(label).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(args)
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The API benchmark loads a (small) demo, drives commands and queries over HTTP, checks
/// every answer, and prints a row per measurement with the raw floor beside the commands.
#[cfg(feature = "bench")] // `ombud bench` is in the binary with this feature only
#[test]
fn the_api_benchmark_runs_and_prints_its_figures() {
    let stdout = run_bench(
        "bench-api",
        &[
            "bench",
            "api",
            "--skip-jetstream",
            "--demo-cases",
            "30",
            "--commands",
            "40",
            "--queries",
            "10",
            "--concurrency",
            "4",
        ],
    );
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("embedded"))
        .collect();
    // Commands at 1 and 4 clients, each with its HTTP floor and the raw log's ratios; four
    // queries (the last a case file) at 1 and 4; every web page (the case file, its audit
    // and its agency's dossier last), each with its server time and size; /readyz while
    // clients scan, and the scans; the transparency log's rows.
    let pages: Vec<&&str> = rows.iter().filter(|r| r.contains(" page /")).collect();
    for page in [
        "page /queue ",
        "page /cases ",
        "page /deadlines ",
        "page /stats ",
        "page /report ",
        "page /agenda ",
        "page /privacy ",
        "page /cases/{id} ",
        "page /cases/{id}/audit ",
    ] {
        assert!(pages.iter().any(|r| r.contains(page)), "{page}: {stdout}");
    }
    // The transparency log's three rows: a proof, a 50-event bundle, its offline check.
    for log_row in [
        "log: inclusion proof ",
        "log: bundle of 50 events ",
        "log: verify that bundle offline ",
    ] {
        assert!(
            rows.iter().any(|r| r.contains(log_row)),
            "{log_row}: {stdout}"
        );
    }
    assert_eq!(rows.len(), 19 + 2 * pages.len(), "{stdout}");
    let sizes = rows
        .iter()
        .filter(|r| {
            r.contains("(server time, size)") && r.contains(" ms; ") && r.contains(" KB of css")
        })
        .count();
    assert_eq!(sizes, pages.len(), "{stdout}");
    assert!(
        rows.iter()
            .any(|r| r.contains("/readyz, 4 clients scanning")),
        "{stdout}"
    );
    let commands = rows
        .iter()
        .filter(|r| r.contains("commands (HTTP)"))
        .count();
    assert_eq!(commands, 2, "{stdout}");
    let floors = rows.iter().filter(|r| r.contains("HTTP floor")).count();
    assert_eq!(floors, 2, "{stdout}");
    for row in rows
        .iter()
        .filter(|r| r.contains("commands (HTTP)") || r.contains("HTTP floor"))
    {
        // events, rate, p50, p99 | raw rate, raw p50, raw p99 | both ratios: all figures.
        let figures = row
            .split_whitespace()
            .filter(|w| w.parse::<f64>().is_ok_and(|f| f > 0.0))
            .count();
        assert!(figures >= 10, "{row}");
    }
}

/// The feed benchmark (small, embedded) attaches its clients, appends at the rate, and
/// reports every client complete and in order, with the lag figures.
#[cfg(feature = "bench")] // `ombud bench` is in the binary with this feature only
#[test]
fn the_feed_benchmark_checks_every_client_and_prints_the_lag() {
    let stdout = run_bench(
        "bench-feed",
        &[
            "bench",
            "feed",
            "--skip-jetstream",
            "--demo-cases",
            "10",
            "--clients",
            "5",
            "--rate",
            "200",
            "--seconds",
            "1",
        ],
    );
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("embedded"))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(
        rows[0].contains("1/1 clients got every event once, in order"),
        "{stdout}"
    );
    assert!(
        rows[1].contains("5/5 clients got every event once, in order"),
        "{stdout}"
    );
    assert!(
        rows[1].contains("200 events") && rows[1].contains("p99"),
        "{stdout}"
    );
}

/// The projection benchmark (small, embedded) fills a log, lets the projectors follow it,
/// alternates floor and rebuild for the rounds asked, and prints every run and the medians.
#[cfg(feature = "bench")] // `ombud bench` is in the binary with this feature only
#[test]
fn the_projection_benchmark_alternates_floor_and_rebuild() {
    let stdout = run_bench(
        "bench-projection",
        &[
            "bench",
            "eventlog",
            "--skip-eventlog",
            "--skip-jetstream",
            "--projection",
            "2000",
            "--projection-rounds",
            "2",
            "--concurrency",
            "8",
        ],
    );
    for line in ["floor 1:", "floor 2:", "rebuild 1:", "rebuild 2:"] {
        assert!(stdout.contains(line), "no `{line}` in:\n{stdout}");
    }
    let medians = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("rebuild:"))
        .unwrap_or_else(|| panic!("no medians in:\n{stdout}"));
    assert!(medians.contains("median of 2 runs"), "{medians}");
    assert!(medians.contains("quarantined 0"), "{medians}");
    // Whole cases of the projection workload (13 events each): at least the events asked for.
    let events: u64 = stdout
        .split("projection embedded  events ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no event count in:\n{stdout}"));
    assert!((2000..2013).contains(&events), "{stdout}");
    // The bytes one event writes, at a case's 10th, 100th and 500th event.
    let growth = stdout
        .lines()
        .find(|l| l.contains("bytes written per event of one case"))
        .unwrap_or_else(|| {
            panic!(
                "no row growth in:
{stdout}"
            )
        });
    for at in ["event 10:", "event 100:", "event 500:", "500th/10th"] {
        assert!(growth.contains(at), "{growth}");
    }
}

/// `ombud serve --demo` listens before the demo is loaded: a client that comes early is
/// answered 503 `log_unavailable` saying the demo is loading (not left waiting), `/healthz`
/// answers throughout, and the same requests succeed once the demo is in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_the_demo_load_are_told_to_come_back() {
    use tokio::io::AsyncBufReadExt as _;
    let dir = TempDir::new("demo-early").unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .env("OMBUD__SECURITY__WRITE_KEYS", support::WRITE_KEYS)
        .env("OMBUD__SECURITY__BLIND_INDEX_KEY", support::BLIND_INDEX_KEY)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--demo",
            "--demo-cases",
            "3000",
            "--data",
        ])
        .arg(dir.path().join("data"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut addr, mut token) = (String::new(), String::new());
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(a) = line.strip_prefix("ombud listening on http://") {
            addr = a.to_owned();
        } else if line.trim_start().starts_with("auditor") {
            token = line.split_whitespace().nth(2).unwrap().to_owned();
            break; // the tokens are shown before the demo loads
        }
    }
    assert!(!addr.is_empty() && !token.is_empty());
    let mut told = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (health, _) = support::http_text(&addr, "/healthz").await;
        assert_eq!(health, 200, "alive while loading");
        let request = http(&addr, "GET", "/v1/cases?limit=1", &token, &[], None);
        let (status, answer) = tokio::time::timeout(std::time::Duration::from_secs(10), request)
            .await
            .expect("answered, not left waiting")
            .unwrap();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "{answer}");
        assert_eq!(answer["code"], "log_unavailable", "{answer}");
        assert!(
            answer["detail"]
                .as_str()
                .unwrap()
                .contains("loading the demo"),
            "{answer}"
        );
        told += 1;
        assert!(
            std::time::Instant::now() < deadline,
            "the demo never finished"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(told > 0, "a request during the load was told to come back");
    child.start_kill().unwrap();
}
