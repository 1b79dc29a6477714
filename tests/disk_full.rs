//! A full disk under `ombud serve` on the embedded log: commands get 503 (nothing
//! acknowledged is lost), and once there is room again ombud recovers by itself, without a
//! restart: it reopens its log and read models, serves again, every acknowledged command is
//! there, and a retried key records nothing twice.
//!
//! The disk is a small tmpfs the test mounts (so the test needs root, as the CI machine has).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ombud_testkit::TempDir;
use serde_json::{json, Value};
use support::{http, start_logged};
use tokio::io::AsyncBufReadExt as _;

/// A tmpfs of `megabytes` at `path`, unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(path: &Path, megabytes: u32) -> SmallDisk {
        std::fs::create_dir_all(path).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(path)
            .output()
            .expect("running mount");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs to fill, and needs root for it: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk(path.to_owned())
    }

    /// Writes a file until the disk is full; returns it.
    fn fill(&self) -> PathBuf {
        let filler = self.0.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

fn report() -> Value {
    json!({
        "office": "jawa-barat", "channel": "walk_in",
        "reporter": { "name": "Asep Saepudin" },
        "respondent": { "agency_code": "disdukcapil-kota-tasikmalaya",
                        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya" },
        "forms": ["undue_delay"], "summary": "KTP-el tidak kunjung terbit."
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_gets_503_and_ombud_recovers_by_itself_once_there_is_room() {
    let dir = TempDir::new("disk-full").unwrap();
    let disk = SmallDisk::mount(&dir.path().join("disk"), 32);
    let mut server = start_logged(&disk.0.join("data"), &[], &[]).await;
    // The server's log, read as it comes (a full pipe would stall it).
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let mut lines = tokio::io::BufReader::new(server.child.stderr.take().unwrap()).lines();
    let reading = log.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let mut text = reading.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    let intake = server.tokens["intake"].clone();
    let auditor = server.tokens["auditor"].clone();
    let send = |key: String| {
        let (addr, token) = (server.addr.clone(), intake.clone());
        async move {
            let (headers, body) = ([("idempotency-key", key.as_str())], report());
            let request = http(&addr, "POST", "/v1/cases", &token, &headers, Some(&body));
            tokio::time::timeout(Duration::from_secs(20), request)
                .await
                .expect("answered within 20 s")
                .unwrap()
        }
    };
    // key → the case it recorded, for every acknowledged report.
    let mut acknowledged: BTreeMap<String, String> = BTreeMap::new();
    for i in 0..5 {
        let key = format!("before-{i}");
        let (status, answer) = send(key.clone()).await;
        assert_eq!(status, 201, "{answer}");
        acknowledged.insert(key, answer["case_id"].as_str().unwrap().to_owned());
    }

    // A subscriber that never reads, across the failure: it must not keep the old storage
    // open (the server closes its connection).
    let auth = format!("Bearer {auditor}");
    let idle_feed = ombud_testkit::http::open(
        &server.addr,
        "GET",
        "/v1/events",
        &[("authorization", &auth)],
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(idle_feed.status, 200);

    let filler = disk.fill();
    let mut refused = Vec::new();
    for i in 0..100 {
        let key = format!("full-{i}");
        let (status, answer) = send(key.clone()).await;
        match status {
            201 => {
                acknowledged.insert(key, answer["case_id"].as_str().unwrap().to_owned());
            }
            503 => {
                assert_eq!(answer["code"], "log_unavailable", "{answer}");
                refused.push(key);
                if refused.len() >= 5 {
                    break;
                }
            }
            other => panic!("a full disk answers 201 or 503, not {other}: {answer}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        refused.len() >= 5,
        "a full disk refuses commands with 503 (refused: {refused:?})"
    );

    // Room again: within a while, commands are recorded again, without a restart.
    std::fs::remove_file(filler).unwrap();
    let started = Instant::now();
    let recovered = loop {
        let key = format!("after-{}", started.elapsed().as_millis());
        let (status, answer) = send(key.clone()).await;
        if status == 201 {
            acknowledged.insert(key, answer["case_id"].as_str().unwrap().to_owned());
            break started.elapsed();
        }
        assert_eq!(status, 503, "{answer}");
        let data_dir = disk.0.to_string_lossy().into_owned();
        assert!(
            !answer.to_string().contains(&data_dir),
            "a 503 does not name the server's files: {answer}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "ombud did not recover within 30 s: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    eprintln!(
        "recovered {:.1} s after the disk had room",
        recovered.as_secs_f64()
    );

    // The refused commands, retried with their keys, are recorded once each.
    for key in &refused {
        let (status, answer) = send(key.clone()).await;
        assert_eq!(status, 201, "{key}: {answer}");
        acknowledged.insert(key.clone(), answer["case_id"].as_str().unwrap().to_owned());
    }
    // An acknowledged one, retried, is a replay of the same case.
    let (status, again) = send("before-0".into()).await;
    assert_eq!(status, 201);
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(
        again["case_id"].as_str(),
        Some(acknowledged["before-0"].as_str())
    );

    // Ready again, both projectors running, and every acknowledged case is there, once.
    let deadline = Instant::now() + Duration::from_secs(20);
    let head = loop {
        let (_, ready) = http(&server.addr, "GET", "/readyz", &auditor, &[], None)
            .await
            .unwrap();
        let running = ready["projectors"]
            .as_array()
            .is_some_and(|p| p.iter().all(|p| p["state"] == "running"));
        if ready["ready"] == true && running {
            break ready["log_head"].as_u64().unwrap();
        }
        assert!(Instant::now() < deadline, "not ready again: {ready}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (status, page) = http(
        &server.addr,
        "GET",
        &format!("/v1/cases?limit=500&min_seq={head}"),
        &auditor,
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{page}");
    let listed: std::collections::BTreeSet<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_str().unwrap())
        .collect();
    for (key, case) in &acknowledged {
        assert!(
            listed.contains(case.as_str()),
            "{key}'s case {case} was lost"
        );
    }
    assert_eq!(
        listed.len(),
        acknowledged.len(),
        "one case per key, nothing twice: {listed:?}"
    );
    drop(server);
}
