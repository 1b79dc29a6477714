//! `ombud serve --demo`: the demo data set loads, spreads over the process, and is the same
//! for the same seed.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::BTreeMap;

use ombud_testkit::TempDir;
use support::{http, start};

async fn cases_by_status(dir: &TempDir, name: &str) -> BTreeMap<String, String> {
    let mut server = start(
        &dir.path().join(name),
        &["--demo", "--demo-cases", "150", "--seed", "7"],
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
    let first = cases_by_status(&dir, "a").await;
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
    let second = cases_by_status(&dir, "b").await;
    assert_eq!(first, second, "same seed, same cases");
}
