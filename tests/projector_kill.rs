//! Crash safety of the projectors, with real processes: `ombud project` follows a real
//! nats-server while events flow, and is killed with SIGKILL at random points, many times.
//! After a final graceful run its read models (case files, statistics, the transparency log's
//! tree) must equal a clean rebuild byte for byte: no event skipped, none applied twice.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../crates/projection/tests/support/mod.rs"]
mod support;

use std::process::Stdio;
use std::time::Duration;

use ombud_projection::{ProjectionConfig, ReadModels};
use ombud_testkit::TempDir;
use support::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

fn spawn_projector(url: &str, views: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args([
            "project",
            "--nats",
            url,
            "--status-every",
            "0.05",
            "--views",
        ])
        .arg(views)
        .env("OMBUD__SECURITY__WRITE_KEYS", WRITE_KEYS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the ombud binary starts")
}

/// The smallest checkpoint in a status line.
fn min_checkpoint(line: &str) -> Option<u64> {
    let status: serde_json::Value = serde_json::from_str(line).ok()?;
    status
        .as_array()?
        .iter()
        .map(|s| s["checkpoint"].as_u64())
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .min()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projector_killed_at_random_points_resumes_equal_to_a_clean_rebuild() {
    let (server, log) = jetstream_log().await;
    let dir = TempDir::new("kill").unwrap();
    let views = dir.path().join("views");

    let (stop_writing, writing) = watch::channel(false);
    let writer = tokio::spawn({
        let log = log.clone();
        async move {
            let mut w = World::new(log, shipped_rules());
            let mut rng = Rng::new(99);
            while !*writing.borrow() {
                w.random_walk(&mut rng, 25).await;
            }
            w
        }
    });

    let mut rng = Rng::new(5);
    let mut checkpoints = Vec::new();
    for round in 0..12 {
        let mut child = spawn_projector(&server.url(), &views);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let wait = Duration::from_millis(150 + rng.below(600) as u64);
        let mut last = None;
        let _ = tokio::time::timeout(wait, async {
            while let Ok(Some(line)) = lines.next_line().await {
                last = min_checkpoint(&line).or(last);
            }
        })
        .await;
        if let Some(exit) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut err) = child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = err.read_to_string(&mut stderr).await;
            }
            panic!("round {round}: the projector died on its own ({exit}):\n{stderr}");
        }
        child.start_kill().unwrap(); // SIGKILL
        child.wait().await.unwrap();
        checkpoints.push(last.unwrap_or(0));
    }
    stop_writing.send(true).unwrap();
    let w = writer.await.unwrap();
    assert!(
        w.last_seq > 500,
        "events flowed during the kills: {}",
        w.last_seq
    );
    assert!(
        checkpoints.windows(2).any(|p| p[1] > p[0]),
        "the projector made progress between kills: {checkpoints:?}"
    );

    // A last, graceful run catches up; SIGTERM lets it checkpoint and exit cleanly.
    let mut child = spawn_projector(&server.url(), &views);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if min_checkpoint(&line).is_some_and(|c| c >= w.last_seq) {
                return;
            }
        }
        panic!("the projector's output ended before it caught up");
    })
    .await
    .expect("the projector catches up");
    let pid = child.id().unwrap().to_string();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(term.success());
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("a graceful stop")
        .unwrap();
    assert!(exit.success(), "{exit:?}");

    let survived = ReadModels::open(&views, ProjectionConfig::default()).unwrap();
    for status in survived.status(Some(w.last_seq)) {
        assert_eq!(status.checkpoint, w.last_seq, "{status:?}");
        assert_eq!(status.quarantined, 0, "{status:?}");
    }
    let clean = ReadModels::open(&dir.path().join("clean"), ProjectionConfig::default()).unwrap();
    clean.rebuild(&log, None).await.unwrap();
    assert!(
        survived.cases.trees().dump().unwrap() == clean.cases.trees().dump().unwrap(),
        "case models differ from a clean rebuild"
    );
    assert!(
        survived.statistics.trees().dump().unwrap() == clean.statistics.trees().dump().unwrap(),
        "statistics differ from a clean rebuild"
    );
    assert!(
        survived.log_tree.trees().dump().unwrap() == clean.log_tree.trees().dump().unwrap(),
        "the transparency log's tree differs from a clean rebuild"
    );
}
