//! Witnessed checkpoints and evidence bundles through their doors, on both backends: an
//! `ombud witness` process cosigns the checkpoints `ombud serve` submits to it, refuses a
//! fork and a rollback; an auditor exports a case's bundle with `ombud audit export`,
//! verifies it offline with `ombud audit verify-bundle` against a policy built apart from
//! the bundle, and every changed byte of every file fails, naming that file. After kill -9
//! of the server while it signs, every checkpoint it ever served is consistent with the
//! tree it serves after the restart, and the witness keeps cosigning. docker-compose.yml's
//! witness, run as written there, cosigns the checkpoints of the ombud beside it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ombud_testkit::{NatsServer, TempDir};
use ombud_tlog::policy::Policy;
use ombud_tlog::{verify_consistency, Checkpoint, Signer, Verifier};
use serde_json::json;
use support::{http, start_env, Server, WRITE_KEYS};
use tokio::io::{AsyncBufReadExt as _, BufReader};

const OMBUD: &str = env!("CARGO_BIN_EXE_ombud");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(OMBUD)
        .env("OMBUD__SECURITY__WRITE_KEYS", WRITE_KEYS)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

struct Witness {
    /// Killed when the test ends.
    _child: tokio::process::Child,
    url: String,
    vkey: String,
}

async fn start_witness(dir: &Path, log_vkey: &str) -> Witness {
    let dir = dir.to_str().unwrap();
    let (code, vkey, err) = run(&[
        "witness",
        "--data",
        dir,
        "--name",
        "witness.test/w1",
        "--print-vkey",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut command = tokio::process::Command::new(OMBUD);
    command.args([
        "witness",
        "--data",
        dir,
        "--name",
        "witness.test/w1",
        "--listen",
        "127.0.0.1:0",
        "--log",
        log_vkey,
    ]);
    let (child, url) = spawn_witness(command).await;
    Witness {
        _child: child,
        url,
        vkey: vkey.trim().to_owned(),
    }
}

/// Starts a witness process; returns it (killed when dropped) and the URL it printed.
async fn spawn_witness(mut command: tokio::process::Command) -> (tokio::process::Child, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(u) = line.strip_prefix("witness listening on ") {
            url = u.to_owned();
            break;
        }
    }
    assert!(!url.is_empty(), "the witness printed where it listens");
    (child, url)
}

/// The log's key (what `ombud serve` will generate on first start), its vkey, and a config
/// naming the witness.
fn site(root: &Path, data: &Path, witness: &Witness) -> PathBuf {
    let config = root.join("site.toml");
    std::fs::write(
        &config,
        format!(
            "[log]\ncheckpoint_interval = 0.15\nmonitor_tokens_sha256 = [\"{}\"]\n\n[[log.witnesses]]\nname = \"w1\"\nurl = \"{}\"\nvkey = \"{}\"\n",
            monitor_hash(),
            witness.url,
            witness.vkey
        ),
    )
    .unwrap();
    let _ = data;
    config
}

/// A monitor's token: it reads the log's routes, nothing else.
const MONITOR: &str = "monitor-token-of-the-dprd";

fn monitor_hash() -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(MONITOR.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn log_vkey(data: &Path) -> String {
    let (code, out, err) = run(&["log", "vkey", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

async fn note(server: &Server, case: &str, key: &str) {
    let (status, answer) = http(
        &server.addr,
        "POST",
        &format!("/v1/cases/{case}/notes"),
        &server.tokens["intake"],
        &[("idempotency-key", key)],
        Some(&json!({ "note": format!("Catatan {key}") })),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{answer}");
}

async fn report(server: &Server, key: &str) -> String {
    let (status, answer) = http(
        &server.addr,
        "POST",
        "/v1/cases",
        &server.tokens["intake"],
        &[("idempotency-key", key)],
        Some(&json!({"office": "jawa-barat", "channel": "walk_in",
               "reporter": {"name": "Siti Rahmawati", "nik": "3278015203850004"},
               "respondent": {"agency_code": "rsud-kota-bandung", "agency_name": "RSUD Kota Bandung"},
               "forms": ["undue_delay"], "prior_complaint": true, "summary": "Pungutan tidak resmi."})),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{answer}");
    answer["case_id"].as_str().unwrap().to_owned()
}

async fn get_text(server: &Server, path: &str) -> (u16, String) {
    let auth = format!("Bearer {}", server.tokens["auditor"]);
    let a = ombud_testkit::http::request(
        &server.addr,
        "GET",
        path,
        &[("authorization", auth.as_str())],
        Vec::new(),
    )
    .await
    .unwrap();
    (a.status, String::from_utf8_lossy(&a.body).into_owned())
}

/// The served checkpoint once it covers `size` leaves and the witness cosigned it.
async fn witnessed(server: &Server, policy: &Policy, size: u64) -> (Checkpoint, String) {
    for _ in 0..300 {
        let (status, note) = get_text(server, "/v1/log/checkpoint").await;
        if status == 200 {
            if let Ok((cp, _)) = policy.check(&note) {
                if cp.size >= size {
                    return (cp, note);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no witnessed checkpoint of {size} leaves");
}

async fn post_witness(url: &str, body: String) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let a = ombud_testkit::http::request(rest, "POST", "/add-checkpoint", &[], body.into_bytes())
        .await
        .unwrap();
    (a.status, String::from_utf8_lossy(&a.body).into_owned())
}

/// `via_env`: the witness named in `OMBUD__LOG__WITNESSES` (as docker-compose.yml does), not
/// in the config file.
async fn bundle_walk(extra: &[&str], via_env: bool) {
    let dir = TempDir::new("witness").unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let vkey = log_vkey(&data);
    let witness = start_witness(&dir.path().join("w"), &vkey).await;
    let config = site(dir.path(), &data, &witness);
    let mut args = vec![];
    let witnesses = format!(
        "[{{ name = \"w1\", url = \"{}\", vkey = \"{}\" }}]",
        witness.url, witness.vkey
    );
    let monitors = format!("[\"{}\"]", monitor_hash());
    let env = [
        ("OMBUD__LOG__WITNESSES", witnesses.as_str()),
        ("OMBUD__LOG__MONITOR_TOKENS_SHA256", monitors.as_str()),
        ("OMBUD__LOG__CHECKPOINT_INTERVAL", "0.15"),
    ];
    if !via_env {
        args.extend(["--config", config.to_str().unwrap()]);
    }
    args.extend_from_slice(extra);
    let server = start_env(&data, &args, if via_env { &env } else { &[] }).await;

    // The auditor's own policy: the keys learned apart from any bundle.
    let policy_text = format!("log {vkey}\nwitness w1 {}\nquorum w1\n", witness.vkey);
    let policy = Policy::parse(&policy_text).unwrap();
    let policy_file = dir.path().join("trusted.policy");
    std::fs::write(&policy_file, &policy_text).unwrap();
    let keys_file = dir.path().join("write.key");
    std::fs::write(&keys_file, WRITE_KEYS).unwrap();

    let case = report(&server, "b-1").await;
    for i in 0..3 {
        note(&server, &case, &format!("b-n{i}")).await;
    }
    let (cp, served) = witnessed(&server, &policy, 4).await;
    assert!(served.contains("\u{2014} witness.test/w1 "), "{served}");

    // Export through the CLI, verify offline.
    let out = dir.path().join("bundle");
    let conn = [
        "--server",
        &format!("http://{}", server.addr),
        "--token",
        &server.tokens["auditor"],
    ];
    let (code, stdout, stderr) = run(&[
        &["audit", "export", &case, "--out", out.to_str().unwrap()][..],
        &conn[..],
    ]
    .concat());
    assert_eq!(code, 0, "{stdout}{stderr}");
    let verify = |extra: &[&str]| {
        run(&[
            &["audit", "verify-bundle", out.to_str().unwrap()][..],
            extra,
        ]
        .concat())
    };
    let (code, stdout, stderr) = verify(&[
        "--policy",
        policy_file.to_str().unwrap(),
        "--write-keys",
        keys_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("verified: case {case}, 4 events")),
        "{stdout}"
    );
    assert!(stdout.contains("cosigned by w1"), "{stdout}");
    // Without a trusted policy it verifies, and says what that proves.
    let (code, stdout, _) = verify(&[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("warning: checked against the bundle's own policy"),
        "{stdout}"
    );
    // Another office's auditor-less roles get no bundle; another log's key fails it.
    let (status, _) = http(
        &server.addr,
        "GET",
        &format!("/v1/cases/{case}/bundle"),
        &server.tokens["investigator"],
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 403);
    let stranger = dir.path().join("stranger.policy");
    let other = Signer::new("ombud.local/cases", [5; 32])
        .unwrap()
        .verifier()
        .vkey();
    std::fs::write(&stranger, format!("log {other}\nquorum none\n")).unwrap();
    let (code, _, stderr) = verify(&["--policy", stranger.to_str().unwrap()]);
    assert_eq!(code, 8);
    assert!(
        stderr.contains("FAILED: manifest: not signed by a log key"),
        "{stderr}"
    );

    // Every changed byte of every file fails, naming the file (the verifier the CLI runs).
    let mut files = ombud_tlog::bundle::Files::new();
    for entry in walk(&out) {
        let relative = entry
            .strip_prefix(&out)
            .unwrap()
            .to_str()
            .unwrap()
            .replace('\\', "/");
        files.insert(relative, std::fs::read(&entry).unwrap());
    }
    assert_eq!(files.len(), 4 * 3 + 5, "{:?}", files.keys());
    let keys = vec![("test".to_owned(), [0x2a; 32])];
    ombud_tlog::bundle::verify(&files, Some(&policy_text), &keys).unwrap();
    let mut flips = 0;
    for (path, bytes) in &files {
        for i in 0..bytes.len() {
            let mut changed = files.clone();
            changed.get_mut(path).unwrap()[i] ^= 0x01;
            let e = ombud_tlog::bundle::verify(&changed, Some(&policy_text), &keys).expect_err(
                &format!("{path} byte {i} changed, and the bundle still verifies"),
            );
            assert_eq!(&e.file, path, "{path} byte {i}: {e}");
            flips += 1;
        }
    }
    assert!(flips > 5000, "{flips}");
    eprintln!("{flips} changed bytes, each refused naming its file");
    // And through the CLI, one changed byte per file.
    for path in files.keys() {
        let file = out.join(path);
        let original = std::fs::read(&file).unwrap();
        let mut changed = original.clone();
        let at = changed.len() / 2;
        changed[at] ^= 0x01;
        std::fs::write(&file, &changed).unwrap();
        let (code, _, stderr) = verify(&["--policy", policy_file.to_str().unwrap()]);
        assert_eq!(code, 8, "{path}");
        assert!(
            stderr.contains(&format!("FAILED: {path}: ")),
            "{path}: {stderr}"
        );
        std::fs::write(&file, &original).unwrap();
    }

    // The hash tiles (C2SP tlog-tiles) give the same tree: the leaves of the partial level-0
    // tile fold into the checkpoint's root, and the case's entries are among them.
    let auth = format!("Bearer {}", server.tokens["auditor"]);
    let tile = ombud_testkit::http::request(
        &server.addr,
        "GET",
        &format!("/v1/log/tile/0/000.p/{}", cp.size),
        &[("authorization", auth.as_str())],
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(tile.status, 200);
    assert_eq!(tile.body.len() as u64, 32 * cp.size);
    let mut tree = ombud_tlog::merkle::MemoryTree::default();
    for leaf in tile.body.chunks(32) {
        tree.push(leaf.try_into().unwrap());
    }
    assert_eq!(ombud_tlog::merkle::root(&tree, cp.size), cp.root);
    let entries = String::from_utf8(files["entries.txt"].clone()).unwrap();
    for line in entries.split_inclusive('\n') {
        let seq: usize = line.split(' ').next().unwrap().parse().unwrap();
        assert_eq!(
            &tile.body[32 * (seq - 1)..32 * seq],
            &ombud_tlog::leaf_hash(line.as_bytes())[..]
        );
    }
    // The entry bundle of the same leaves: each entry hashes to its leaf, and the case's
    // entries are the bundle's lines.
    let bundle = ombud_testkit::http::request(
        &server.addr,
        "GET",
        &format!("/v1/log/tile/entries/000.p/{}", cp.size),
        &[("authorization", auth.as_str())],
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(bundle.status, 200);
    let (mut at, mut served) = (0usize, Vec::new());
    while at < bundle.body.len() {
        let len = u16::from_be_bytes([bundle.body[at], bundle.body[at + 1]]) as usize;
        served.push(String::from_utf8(bundle.body[at + 2..at + 2 + len].to_vec()).unwrap());
        at += 2 + len;
    }
    assert_eq!(served.len() as u64, cp.size);
    for (i, entry) in served.iter().enumerate() {
        assert_eq!(
            &ombud_tlog::leaf_hash(entry.as_bytes())[..],
            &tile.body[32 * i..32 * (i + 1)],
            "entry {i}"
        );
    }
    for line in entries.split_inclusive('\n') {
        assert!(served.iter().any(|e| e == line), "{line}");
    }
    for (path, status) in [
        ("0/000", 404),
        ("0/000.p/999", 400),
        ("1/000.p/1", 404),
        // index 2^56: 256 times that overflows, and must not wrap onto tile 0
        ("0/x072/x057/x594/x037/x927/936", 404),
        ("7/x072/x057/x594/x037/x927/936.p/3", 404),
        ("entries/000", 404),
        ("entries/x072/x057/x594/x037/x927/936", 404),
    ] {
        let (got, _) = get_text(&server, &format!("/v1/log/tile/{path}")).await;
        assert_eq!(got, status, "{path}");
    }

    // A monitor token reads the log's routes and nothing else.
    let monitor = format!("Bearer {MONITOR}");
    for (path, status) in [
        ("/v1/log/checkpoint".to_owned(), 200),
        (format!("/v1/log/tile/0/000.p/{}", cp.size), 200),
        (format!("/v1/log/tile/entries/000.p/{}", cp.size), 200),
        ("/v1/log/proof?seq=1".to_owned(), 200),
        (format!("/v1/cases/{case}/bundle"), 401),
        (format!("/v1/cases/{case}/events"), 401),
        ("/v1/cases".to_owned(), 401),
    ] {
        let a = ombud_testkit::http::request(
            &server.addr,
            "GET",
            &path,
            &[("authorization", monitor.as_str())],
            Vec::new(),
        )
        .await
        .unwrap();
        assert_eq!(a.status, status, "{path} as a monitor");
    }

    // The witness refuses a fork and a rollback.
    let seed =
        ombud_app::secrets::hex32(&std::fs::read_to_string(data.join("log_signing.key")).unwrap())
            .unwrap();
    let log_key = Signer::new("ombud.local/cases", seed).unwrap();
    let held = witness_size(&witness.url, &vkey).await;
    assert!(held >= cp.size);
    let fork = Checkpoint {
        origin: "ombud.local/cases".into(),
        size: held + 1,
        root: [7; 32],
    }
    .sign(&log_key);
    let (status, answer) = post_witness(
        &witness.url,
        ombud_tlog::witness::request(held, &[[1; 32]], &fork),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    let same_size_fork = Checkpoint {
        origin: "ombud.local/cases".into(),
        size: held,
        root: [7; 32],
    }
    .sign(&log_key);
    let (status, _) = post_witness(
        &witness.url,
        ombud_tlog::witness::request(held, &[], &same_size_fork),
    )
    .await;
    assert_eq!(status, 422);
    let (status, old) = get_text(&server, "/v1/log/proof?seq=1&size=1").await;
    assert_eq!(status, 200);
    let old_note = serde_json::from_str::<serde_json::Value>(&old).unwrap()["checkpoint"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, answer) = post_witness(
        &witness.url,
        ombud_tlog::witness::request(1, &[], &old_note),
    )
    .await;
    assert_eq!(
        (status, answer),
        (409, format!("{held}\n")),
        "a rollback to size 1"
    );
    let (status, _) = post_witness(
        &witness.url,
        ombud_tlog::witness::request(held, &[], &old_note),
    )
    .await;
    assert_eq!(status, 400, "old size beyond the checkpoint");
    // A checkpoint by another key is refused, and the witness still holds its size.
    let (status, _) = post_witness(
        &witness.url,
        ombud_tlog::witness::request(
            held,
            &[],
            &Checkpoint {
                origin: "ombud.local/cases".into(),
                size: held + 1,
                root: [7; 32],
            }
            .sign(&Signer::new("ombud.local/cases", [5; 32]).unwrap()),
        ),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(witness_size(&witness.url, &vkey).await, held);

    // The log goes on growing, witnessed.
    note(&server, &case, "b-n9").await;
    let (grown, _) = witnessed(&server, &policy, cp.size + 1).await;
    assert!(grown.size > cp.size);
    drop(witness);
    drop(server);
}

async fn witness_size(url: &str, log_vkey: &str) -> u64 {
    use sha2::Digest as _;
    let origin = Verifier::parse(log_vkey).unwrap().name().to_owned();
    let hash: String = sha2::Sha256::digest(origin.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let rest = url.strip_prefix("http://").unwrap();
    let a =
        ombud_testkit::http::request(rest, "GET", &format!("/{hash}/checkpoint"), &[], Vec::new())
            .await
            .unwrap();
    assert_eq!(a.status, 200);
    let note = String::from_utf8(a.body.to_vec()).unwrap();
    Checkpoint::parse(ombud_tlog::note::split(&note).unwrap().0)
        .unwrap()
        .size
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witnessed_bundle_verifies_offline_and_names_any_changed_file_on_the_embedded_log() {
    bundle_walk(&[], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witnessed_bundle_verifies_offline_and_names_any_changed_file_on_jetstream() {
    let nats = NatsServer::start().unwrap();
    let url = nats.url();
    bundle_walk(&["--nats", &url], true).await;
}

/// kill -9 of `ombud serve` while it writes and signs, three times: every checkpoint served
/// before is consistent with the tree served after, the kept checkpoint never claims more
/// than the log holds, and the witness goes on cosigning.
async fn kill_while_signing(extra: &[&str]) {
    let dir = TempDir::new("witness-kill").unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let vkey = log_vkey(&data);
    let verifier = Verifier::parse(&vkey).unwrap();
    let witness = start_witness(&dir.path().join("w"), &vkey).await;
    let config = site(dir.path(), &data, &witness);
    let mut args = vec!["--config", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    let policy = Policy::parse(&format!(
        "log {vkey}\nwitness w1 {}\nquorum w1\n",
        witness.vkey
    ))
    .unwrap();

    let mut seen: Vec<Checkpoint> = Vec::new();
    let mut tokens = None;
    let mut written = 0u64;
    for round in 0..3 {
        let mut server = start_env(&data, &args, &[]).await;
        if let Some(t) = &tokens {
            server.tokens = Clone::clone(t);
        }
        tokens.get_or_insert_with(|| server.tokens.clone());
        let case = report(&server, &format!("k-{round}")).await;
        written += 1;
        // Write and read checkpoints together, then kill at once, mid-stride.
        for i in 0..12 {
            note(&server, &case, &format!("k-{round}-{i}")).await;
            written += 1;
            let (status, note) = get_text(&server, "/v1/log/checkpoint").await;
            if status == 200 {
                seen.push(Checkpoint::open(&note, &verifier).unwrap());
            }
            tokio::time::sleep(Duration::from_millis(7 * (i % 5))).await;
        }
        server.child.kill().await.unwrap();
        // What is kept on disk is signed, and never beyond what the log holds.
        let kept: serde_json::Value =
            serde_json::from_slice(&std::fs::read(data.join("log/checkpoint.json")).unwrap())
                .unwrap();
        let kept = Checkpoint::open(kept["note"].as_str().unwrap(), &verifier).unwrap();
        assert!(
            kept.size <= written,
            "a checkpoint over {} leaves, {written} written",
            kept.size
        );
        seen.push(kept);
    }
    let mut server = start_env(&data, &args, &[]).await;
    server.tokens = tokens.unwrap();
    let (last, _) = witnessed(&server, &policy, written).await;
    assert_eq!(
        last.size, written,
        "the stream holds exactly the events written"
    );
    for old in &seen {
        let (status, answer) = get_text(
            &server,
            &format!("/v1/log/consistency?old={}&new={}", old.size, last.size),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        let proof: Vec<[u8; 32]> = answer["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
            .collect();
        if old.size == last.size {
            assert_eq!(old.root, last.root);
        } else if old.size > 0 {
            verify_consistency(old.size, last.size, &old.root, &last.root, &proof).unwrap_or_else(
                |e| panic!("checkpoint of {} against {}: {e}", old.size, last.size),
            );
        }
    }
    assert!(seen.len() > 10, "{}", seen.len());
    eprintln!(
        "{} checkpoints seen across 3 kills, all consistent with the {} leaves after",
        seen.len(),
        last.size
    );
    drop(witness);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_signing_never_yields_inconsistent_checkpoints_on_the_embedded_log() {
    kill_while_signing(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_signing_never_yields_inconsistent_checkpoints_on_jetstream() {
    let nats = NatsServer::start().unwrap();
    let url = nats.url();
    kill_while_signing(&["--nats", &url]).await;
}

/// The flow sequence (`["a", "b"]`, JSON as written there) after `key:` in the block of
/// docker-compose.yml's service `service`.
fn compose_list(compose: &str, service: &str, key: &str) -> Vec<String> {
    let block = compose
        .split(&format!("\n  {service}:\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("docker-compose.yml has a service {service}"));
    let line = block
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with("   ") || l.starts_with("  #"))
        .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("{service} has {key}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{service}.{key}: {line}: {e}"))
}

/// The arguments a `docker compose run --rm --no-deps <service> …` line of the set-up steps
/// (the comments at the top of docker-compose.yml) gives the service's entrypoint.
fn compose_run(compose: &str, service: &str) -> Vec<String> {
    let line = compose
        .lines()
        .find_map(|l| l.split_once(&format!("docker compose run --rm --no-deps {service} ")))
        .unwrap_or_else(|| panic!("the set-up steps run {service}"))
        .1;
    line.trim_end()
        .trim_end_matches(')')
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// docker-compose.yml's witness beside ombud, without Docker: its set-up steps (`ombud log
/// vkey` with the log's signing key, the witness's `--print-vkey`), the witness service's
/// entrypoint and command as written (run in a fresh directory, its image's working
/// directory and volume, listening on loopback instead of 0.0.0.0), and ombud with the
/// service's `OMBUD__LOG__WITNESSES` as written (the host `witness` being that process): the
/// checkpoints are cosigned by it, and an exported bundle verifies against the policy of the
/// two keys the steps printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compose_files_witness_cosigns_the_checkpoints_of_ombud_beside_it() {
    let compose =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml"))
            .unwrap();
    let dir = TempDir::new("compose-witness").unwrap();
    let signing_key = "5e".repeat(32);
    let ombud = |args: &[String], cwd: &Path| {
        let out = std::process::Command::new(OMBUD)
            .env("OMBUD__LOG__SIGNING_KEY", &signing_key)
            .args(args)
            .current_dir(cwd)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    // Step 3: the two keys.
    let ombud_cwd = dir.path().join("ombud");
    std::fs::create_dir_all(&ombud_cwd).unwrap();
    let log_vkey = ombud(&compose_run(&compose, "ombud"), &ombud_cwd);
    assert!(log_vkey.starts_with("ombud.local/cases+"), "{log_vkey}");
    let witness_volume = dir.path().join("witness-volume");
    std::fs::create_dir_all(&witness_volume).unwrap();
    let entrypoint = compose_list(&compose, "witness", "entrypoint");
    assert_eq!(entrypoint[0], "ombud", "{entrypoint:?}");
    let print = [&entrypoint[1..], &compose_run(&compose, "witness")[..]].concat();
    let witness_vkey = ombud(&print, &witness_volume);
    assert!(witness_vkey.starts_with("witness.local+"), "{witness_vkey}");
    assert!(
        witness_volume.join("witness-data/witness.key").exists(),
        "the witness keeps its key in its volume"
    );

    // The witness service, as written.
    let command: Vec<String> = compose_list(&compose, "witness", "command")
        .into_iter()
        .map(|a| match a.as_str() {
            "${OMBUD_LOG_VKEY:-}" => log_vkey.clone(),
            "0.0.0.0:7380" => "127.0.0.1:0".to_owned(),
            _ => a,
        })
        .collect();
    let mut witness = tokio::process::Command::new(OMBUD);
    witness
        .args(&entrypoint[1..])
        .args(&command)
        .current_dir(&witness_volume);
    let (child, url) = spawn_witness(witness).await;

    // ombud with the service's witness setting, as written.
    let witnesses = compose
        .lines()
        .find_map(|l| l.trim().strip_prefix("OMBUD__LOG__WITNESSES: '"))
        .expect("the ombud service names its witness")
        .trim_end_matches('\'')
        .replace("${OMBUD_WITNESS_VKEY:-}", &witness_vkey)
        .replace("http://witness:7380", &url);
    let nats = NatsServer::start().unwrap();
    let nats_url = nats.url();
    let server = start_env(
        &dir.path().join("data"),
        &["--nats", &nats_url],
        &[
            ("OMBUD__LOG__SIGNING_KEY", signing_key.as_str()),
            ("OMBUD__LOG__WITNESSES", witnesses.as_str()),
            ("OMBUD__LOG__CHECKPOINT_INTERVAL", "0.15"),
        ],
    )
    .await;
    let policy_text = format!("log {log_vkey}\nwitness witness {witness_vkey}\nquorum witness\n");
    let policy = Policy::parse(&policy_text).unwrap();
    let case = report(&server, "compose-1").await;
    let (cp, note) = witnessed(&server, &policy, 1).await;
    assert!(note.contains("\u{2014} witness.local "), "{note}");
    assert!(witness_size(&url, &log_vkey).await >= cp.size);

    let out = dir.path().join("bundle");
    let (code, stdout, stderr) = run(&[
        "audit",
        "export",
        &case,
        "--out",
        out.to_str().unwrap(),
        "--server",
        &format!("http://{}", server.addr),
        "--token",
        &server.tokens["auditor"],
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let policy_file = dir.path().join("trusted.policy");
    std::fs::write(&policy_file, &policy_text).unwrap();
    let (code, stdout, stderr) = run(&[
        "audit",
        "verify-bundle",
        out.to_str().unwrap(),
        "--policy",
        policy_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("cosigned by witness"), "{stdout}");
    drop(server);
    drop(child);
}
