//! Only ombud writes the trail, through the doors its users use: real nats-servers started
//! from the shipped config files (`config/nats-server.conf`, `config/nats-cluster/`; only
//! ports and stores replaced, secrets in the environment), `ombud serve` connecting as the
//! `ombud` user, a downstream service as `subscriber`, an anonymous client, and a forger who
//! holds ombud's own NATS credentials. Also: foreign messages never block a case, write keys
//! rotate, an outage answers 503 fast and recovers exactly once, and the shipped cluster with
//! authenticated routes survives losing its stream leader.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use futures_util::StreamExt as _;
use ombud_testkit::{NatsCluster, NatsServer, TempDir};
use serde_json::{json, Value};
use support::{http, start_env, start_logged, Server};

const OMBUD_PASSWORD: &str = "0b5e7a1c9d2f4e6a8b0c1d2e3f4a5b6c";
const SUBSCRIBER_PASSWORD: &str = "a7c3e9f1b5d70246f8e0a2c4b6d8e0f2";

fn shipped(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("config")
        .join(name)
}

fn nats_secrets() -> [(&'static str, &'static str); 2] {
    [
        ("OMBUD_NATS_PASSWORD", OMBUD_PASSWORD),
        ("OMBUD_NATS_SUBSCRIBER_PASSWORD", SUBSCRIBER_PASSWORD),
    ]
}

/// `ombud serve` on `url` as the `ombud` user.
async fn serve(data: &Path, url: &str, env: &[(&str, &str)]) -> Server {
    let mut all = vec![
        ("OMBUD__NATS__USER", "ombud"),
        ("OMBUD__NATS__PASSWORD", OMBUD_PASSWORD),
    ];
    all.extend_from_slice(env);
    start_env(data, &["--nats", url], &all).await
}

fn report_body() -> Value {
    json!({
        "office": "jawa-barat", "channel": "walk_in",
        "reporter": {"name": "Siti Rahmawati", "nik": "3278015203850004", "confidential": false},
        "respondent": {"agency_code": "disdukcapil-kota-tasikmalaya",
                       "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya"},
        "forms": ["undue_delay"], "prior_complaint": true,
        "summary": "KTP-el belum jadi setelah empat bulan"
    })
}

async fn report(server: &Server) -> String {
    let (status, created) = http(
        &server.addr,
        "POST",
        "/v1/cases",
        &server.tokens["intake"],
        &[],
        Some(&report_body()),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{created}");
    created["case_id"].as_str().unwrap().to_owned()
}

async fn note(server: &Server, case: &str, text: &str, key: &str) -> (u16, Value) {
    http(
        &server.addr,
        "POST",
        &format!("/v1/cases/{case}/notes"),
        &server.tokens["office_head"],
        &[("Idempotency-Key", key)],
        Some(&json!({ "note": text })),
    )
    .await
    .unwrap()
}

/// GET `path` as `role`, answering 200 with its body.
async fn get_ok(server: &Server, role: &str, path: &str) -> Value {
    let (status, answer) = http(&server.addr, "GET", path, &server.tokens[role], &[], None)
        .await
        .unwrap();
    assert_eq!(status, 200, "GET {path}: {answer}");
    answer
}

async fn verify(server: &Server, case: &str) -> Value {
    get_ok(server, "auditor", &format!("/v1/cases/{case}/verify")).await
}

async fn trail(server: &Server, case: &str) -> Value {
    get_ok(server, "auditor", &format!("/v1/cases/{case}/events")).await
}

async fn case_file(server: &Server, case: &str, min_seq: u64) -> Value {
    get_ok(
        server,
        "office_head",
        &format!("/v1/cases/{case}?min_seq={min_seq}"),
    )
    .await
}

/// A well-formed next event of `case` built by a forger who read the trail: the next
/// position, the right previous hash, an actor and role of its choosing.
fn forged_note(trail: &Value) -> (String, Vec<u8>) {
    let events = trail["events"].as_array().unwrap();
    let last = events.last().unwrap();
    let note = events
        .iter()
        .rev()
        .find(|e| e["event"]["type"] == "ombud.case.note_added")
        .expect("a genuine note to copy the shape of");
    let mut forged = note["event"].clone();
    forged["id"] = json!(uuid::Uuid::now_v7().to_string());
    forged["caseseq"] = json!(last["event"]["caseseq"].as_u64().unwrap() + 1);
    forged["prevhash"] = last["hash"].clone();
    forged["actor"] = json!("mallory");
    forged["actorrole"] = json!("chair");
    forged["idempotencykey"] = json!("forged-1");
    let subject = format!(
        "ombud.case.{}.note_added",
        forged["subject"].as_str().unwrap()
    );
    (subject, serde_json::to_vec(&forged).unwrap())
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn connect_as(url: &str, user: &str, password: &str) -> Result<async_nats::Client, String> {
    async_nats::ConnectOptions::with_user_and_password(user.into(), password.into())
        .custom_inbox_prefix(if user == "subscriber" {
            "_INBOX_subscriber"
        } else {
            "_INBOX"
        })
        .connection_timeout(Duration::from_secs(3))
        .connect(url)
        .await
        .map_err(|e| e.to_string())
}

/// Whether a request on `subject` gets any answer (a permission violation or a subject the
/// account cannot reach answers nothing: the request fails).
async fn answered(client: &async_nats::Client, subject: &str, payload: &'static [u8]) -> bool {
    matches!(
        tokio::time::timeout(
            Duration::from_secs(2),
            client.request(subject.to_owned(), payload.into())
        )
        .await,
        Ok(Ok(reply)) if !String::from_utf8_lossy(&reply.payload).contains("\"error\"")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_single_node_config_locks_the_bus_and_foreign_messages_never_block_a_case() {
    let nats = NatsServer::from_shipped(&shipped("nats-server.conf"), &nats_secrets()).unwrap();
    let url = nats.url();
    let dir = TempDir::new("bus").unwrap();
    let server = serve(&dir.path().join("data"), &url, &[]).await;
    let case = report(&server).await;
    let (status, _) = note(&server, &case, "Sudah ditanyakan ke loket", "n-1").await;
    assert_eq!(status, 200);

    // No anonymous access, no wrong password, no borrowing the other user's password.
    assert!(async_nats::connect(&url).await.is_err(), "anonymous");
    assert!(connect_as(&url, "ombud", "wrong").await.is_err());
    assert!(connect_as(&url, "subscriber", OMBUD_PASSWORD)
        .await
        .is_err());

    // The operator makes a durable pull consumer for a downstream service (as user ombud,
    // the way docs/events.md shows); the subscriber reads it through its API prefix, with
    // ombud's marks on every event, and acknowledges what it handled.
    let operator = jetstream::new(connect_as(&url, "ombud", OMBUD_PASSWORD).await.unwrap());
    operator
        .get_stream("OMBUD_CASES")
        .await
        .unwrap()
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("dashboard".into()),
            filter_subject: format!("ombud.case.{case}.>"),
            ..Default::default()
        })
        .await
        .unwrap();
    let reader = connect_as(&url, "subscriber", SUBSCRIBER_PASSWORD)
        .await
        .unwrap();
    let js = jetstream::with_prefix(reader.clone(), "JS.OMBUD.API");
    let stream = js.get_stream_no_info("OMBUD_CASES").await.unwrap();
    let consumer: jetstream::consumer::PullConsumer =
        stream.get_consumer("dashboard").await.unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let message = tokio::time::timeout(Duration::from_secs(10), messages.next())
            .await
            .expect("the subscriber reads the case's events")
            .unwrap()
            .unwrap();
        let headers = message.headers.clone().unwrap();
        assert!(
            headers.get("Ombud-Mac").is_some(),
            "every event carries ombud's mark"
        );
        seen.push(message.subject.to_string());
        message.ack().await.unwrap();
    }
    assert!(seen[0].ends_with(".reported") && seen[1].ends_with(".note_added"));
    let first = stream.direct_get(1).await.unwrap();
    assert!(
        first.subject.ends_with(".reported"),
        "a direct get by sequence"
    );

    // ...and nothing else: no publishing on ombud.case.>, no key bucket, no access log, no
    // deleting or purging.
    reader
        .publish(format!("ombud.case.{case}.note_added"), "forged".into())
        .await
        .unwrap();
    reader.flush().await.unwrap();
    let subscriber_js_publish = js
        .publish(format!("ombud.case.{case}.note_added"), "forged".into())
        .await;
    let refused_publish = match subscriber_js_publish {
        Err(_) => true,
        Ok(ack) => tokio::time::timeout(Duration::from_secs(3), ack)
            .await
            .map_or(true, |r| r.is_err()),
    };
    assert!(
        refused_publish,
        "the subscriber's publish must not be acknowledged"
    );
    assert!(js.get_key_value("OMBUD_KEYS").await.is_err(), "key bucket");
    assert!(js.get_stream("OMBUD_ACCESS").await.is_err(), "access log");
    // A request the subscriber may make is answered (so the refusals below can fail).
    assert!(answered(&reader, "JS.OMBUD.API.STREAM.INFO.OMBUD_CASES", b"").await);
    for subject in [
        "$JS.API.DIRECT.GET.KV_OMBUD_KEYS".to_owned(),
        "JS.OMBUD.API.DIRECT.GET.KV_OMBUD_KEYS".to_owned(),
        "$JS.API.STREAM.PURGE.OMBUD_CASES".to_owned(),
        "JS.OMBUD.API.STREAM.PURGE.OMBUD_CASES".to_owned(),
        "JS.OMBUD.API.STREAM.DELETE.OMBUD_CASES".to_owned(),
        "JS.OMBUD.API.STREAM.MSG.DELETE.OMBUD_CASES".to_owned(),
        format!("$KV.OMBUD_KEYS.case_{}", case.replace('-', "_")),
    ] {
        assert!(
            !answered(&reader, &subject, b"{\"seq\":1}").await,
            "the subscriber reached {subject}"
        );
    }
    // The deadline engine's reminders (core NATS, published by ombud) reach the subscriber,
    // which may not publish one itself.
    let mut reminders = reader.subscribe("ombud.notify.>").await.unwrap();
    reader.flush().await.unwrap();
    let engine = connect_as(&url, "ombud", OMBUD_PASSWORD).await.unwrap();
    let subject = "ombud.notify.jawa-barat.riksa.siti";
    engine.publish(subject, "first".into()).await.unwrap();
    engine.flush().await.unwrap();
    reader.publish(subject, "forged".into()).await.unwrap();
    reader.flush().await.unwrap();
    engine.publish(subject, "second".into()).await.unwrap();
    engine.flush().await.unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        let message = tokio::time::timeout(Duration::from_secs(5), reminders.next())
            .await
            .expect("the subscriber receives ombud's reminders")
            .unwrap();
        got.push(String::from_utf8_lossy(&message.payload).into_owned());
    }
    assert_eq!(
        got,
        ["first", "second"],
        "the subscriber's own publish was refused"
    );
    assert!(stream.clone().purge().await.is_err(), "purge");
    assert!(stream.delete_message(1).await.is_err(), "delete a message");
    assert!(
        js.delete_stream("OMBUD_CASES").await.is_err(),
        "delete the stream"
    );
    let verified = verify(&server, &case).await;
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(
        verified["report"]["events"], 2,
        "nothing the subscriber did reached the trail"
    );
    assert_eq!(verified["report"]["foreign_messages"], json!([]));

    // A forger with ombud's own NATS credentials publishes a well-formed next event (right
    // position and previous hash, an honest Ombud-Hash) and a malformed one.
    let forger = connect_as(&url, "ombud", OMBUD_PASSWORD).await.unwrap();
    let forger_js = jetstream::new(forger);
    let (subject, body) = forged_note(&trail(&server, &case).await);
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Ombud-Hash", sha256_hex(&body).as_str());
    let forged_seq = forger_js
        .publish_with_headers(subject.clone(), headers, body.into())
        .await
        .unwrap()
        .await
        .unwrap()
        .sequence;
    let malformed_seq = forger_js
        .publish(subject, "{\"specversion\":\"1.0\"".into())
        .await
        .unwrap()
        .await
        .unwrap()
        .sequence;

    // Named at its sequence by /verify and the trail, out of the case file, and the next
    // genuine command succeeds and chains on the last genuine event.
    let verified = verify(&server, &case).await;
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["report"]["events"], 2);
    let foreign: Vec<u64> = verified["report"]["foreign_messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(foreign, [forged_seq, malformed_seq], "{verified}");
    assert!(verified["report"]["foreign_messages"][0]["why"]
        .as_str()
        .unwrap()
        .contains("Ombud-Mac"));
    // `ombud audit --verify` says so too, and still verifies the genuine trail.
    let audit = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["audit", &case, "--verify"])
        .env("OMBUD_SERVER", format!("http://{}", server.addr))
        .env("OMBUD_TOKEN", &server.tokens["auditor"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&audit.stdout);
    assert!(audit.status.success(), "{printed}");
    assert!(printed.contains("verified: 2 events"), "{printed}");
    assert!(
        printed.contains(&format!("FOREIGN message at sequence {forged_seq}"))
            && printed.contains(&format!("FOREIGN message at sequence {malformed_seq}")),
        "{printed}"
    );
    let (status, recorded) = note(&server, &case, "Dinas menjawab", "n-2").await;
    assert_eq!(status, 200, "the case is not blocked: {recorded}");
    assert_eq!(recorded["case_seq"], 3);
    let seq = recorded["seq"].as_u64().unwrap();
    let file = case_file(&server, &case, seq).await;
    assert_eq!(
        file["foreign_messages"],
        json!([forged_seq, malformed_seq]),
        "{file}"
    );
    let timeline = file["timeline"].as_array().unwrap();
    assert_eq!(
        timeline.len(),
        3,
        "the forgery is not in the case file: {file}"
    );
    assert!(timeline.iter().all(|e| e["actor"] != "mallory"));
    let verified = verify(&server, &case).await;
    assert_eq!(
        (
            verified["verified"].clone(),
            verified["report"]["events"].clone()
        ),
        (json!(true), json!(3))
    );
    // The live feed passes on ombud's events only.
    let sse = support::read_sse(&server.addr, &server.tokens["auditor"], seq).await;
    assert!(sse.contains("id: 1\n"), "{sse}");
    assert!(
        !sse.contains(&format!("id: {forged_seq}\n"))
            && !sse.contains(&format!("id: {malformed_seq}\n")),
        "{sse}"
    );
    // The projectors report them too.
    let (_, metrics) = http(&server.addr, "GET", "/readyz", "", &[], None)
        .await
        .unwrap();
    for projector in metrics["projectors"].as_array().unwrap() {
        assert_eq!(projector["foreign"], 2, "{projector}");
        assert_eq!(projector["quarantined"], 0, "{projector}");
    }
}

/// Events written under a write key keep verifying once it is rotated out of signing (kept
/// second), and new events carry the new key's id; on both backends.
async fn rotated_keys_keep_verifying(nats: Option<&NatsServer>) {
    let dir = TempDir::new("rotation").unwrap();
    let data = dir.path().join("data");
    let old = support::WRITE_KEYS;
    let new = format!("k2:{}", "5c".repeat(32));
    let start = async |keys: &str| match nats {
        Some(nats) => serve(&data, &nats.url(), &[("OMBUD__SECURITY__WRITE_KEYS", keys)]).await,
        None => start_env(&data, &[], &[("OMBUD__SECURITY__WRITE_KEYS", keys)]).await,
    };
    let mut server = start(old).await;
    let case = report(&server).await;
    assert_eq!(note(&server, &case, "sebelum rotasi", "r-1").await.0, 200);
    server.child.kill().await.unwrap(); // and waits: the data directory is free again

    let mut server = start(&format!("{new},{old}")).await;
    let (status, recorded) = note(&server, &case, "sesudah rotasi", "r-2").await;
    assert_eq!(status, 200, "{recorded}");
    let verified = verify(&server, &case).await;
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["report"]["events"], 3, "{verified}");
    assert_eq!(verified["report"]["foreign_messages"], json!([]));
    let file = case_file(&server, &case, recorded["seq"].as_u64().unwrap()).await;
    assert_eq!(file["timeline"].as_array().unwrap().len(), 3);
    server.child.kill().await.unwrap(); // and waits: the data directory is free again

    // Dropping the old key (instead of keeping it second) leaves the new key's event after
    // two it cannot judge: a genuine event whose predecessors are missing is corruption,
    // reported, never built upon (which is why keys are retired, never deleted).
    let server = start(&new).await;
    let verified = verify(&server, &case).await;
    assert_eq!(verified["verified"], false, "{verified}");
    assert_eq!(verified["broken_at_seq"], recorded["seq"], "{verified}");
    let (status, refused) = note(&server, &case, "tanpa kunci lama", "r-3").await;
    assert_ne!(
        status, 200,
        "nothing is appended on a broken trail: {refused}"
    );
    let mut server = server;
    server.child.kill().await.unwrap();

    // Where the trail breaks is said only to those who may see the case: another office's
    // investigator finds no such case, through the API and on the audit page.
    let site = dir.path().join("site.toml");
    let mut text = String::new();
    for (token, actor, role, office) in [
        ("t-audit-x", "audit.x", "auditor", "jawa-barat"),
        ("t-other-x", "riksa.joni", "investigator", "jakarta-raya"),
    ] {
        text.push_str(&format!(
            "[[auth.tokens]]\nactor = \"{actor}\"\nrole = \"{role}\"\noffice = \"{office}\"\n\
             token_sha256 = \"{}\"\n\n",
            sha256_hex(token.as_bytes())
        ));
    }
    std::fs::write(&site, text).unwrap();
    let site = site.to_str().unwrap().to_owned();
    let mut args = vec!["--config", site.as_str()];
    let url = nats.map(|n| n.url());
    let mut env = vec![("OMBUD__SECURITY__WRITE_KEYS", new.as_str())];
    if let Some(url) = url.as_deref() {
        args.extend(["--nats", url]);
        env.extend([
            ("OMBUD__NATS__USER", "ombud"),
            ("OMBUD__NATS__PASSWORD", OMBUD_PASSWORD),
        ]);
    }
    let server = start_env(&data, &args, &env).await;
    let addr = server.addr;
    let ask = async |token: &str, path: String| {
        http(&addr, "GET", &path, token, &[], None).await.unwrap()
    };
    let (status, mine) = ask("t-audit-x", format!("/v1/cases/{case}/verify")).await;
    assert_eq!((status, &mine["verified"]), (200, &json!(false)), "{mine}");
    for path in [
        format!("/v1/cases/{case}/verify"),
        format!("/v1/cases/{case}/events"),
    ] {
        let (status, theirs) = ask("t-other-x", path.clone()).await;
        assert_eq!(status, 404, "{path}: {theirs}");
        assert!(theirs.get("broken_at_seq").is_none(), "{theirs}");
    }
}

/// The consumer counts and names on the stream, as ombud's own user sees them.
async fn consumer_names(operator: &jetstream::Context) -> Vec<String> {
    let stream = operator.get_stream("OMBUD_CASES").await.unwrap();
    let mut names: Vec<String> = stream.consumer_names().map(|n| n.unwrap()).collect().await;
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_makes_its_own_pull_consumers_through_ombud_and_no_push_consumer() {
    let nats = NatsServer::from_shipped(&shipped("nats-server.conf"), &nats_secrets()).unwrap();
    let url = nats.url();
    let dir = TempDir::new("bus-readers").unwrap();
    let limit = 6;
    let server = serve(
        &dir.path().join("data"),
        &url,
        &[("OMBUD__NATS__READER_CONSUMER_LIMIT", &limit.to_string())],
    )
    .await;
    let case = report(&server).await;
    assert_eq!(note(&server, &case, "Sudah ke loket", "n-1").await.0, 200);
    let operator = jetstream::new(connect_as(&url, "ombud", OMBUD_PASSWORD).await.unwrap());
    operator
        .get_stream("OMBUD_CASES")
        .await
        .unwrap()
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("operators".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let reader = connect_as(&url, "subscriber", SUBSCRIBER_PASSWORD)
        .await
        .unwrap();
    let js = jetstream::with_prefix(reader.clone(), "JS.OMBUD.API");
    let stream = js.get_stream_no_info("OMBUD_CASES").await.unwrap();

    // A durable pull consumer of its own, made the ordinary way, read and acked.
    let consumer: jetstream::consumer::PullConsumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("escalations".into()),
            filter_subject: format!("ombud.case.{case}.>"),
            ..Default::default()
        })
        .await
        .expect("a reader creates a durable pull consumer");
    let mut messages = consumer.messages().await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let message = tokio::time::timeout(Duration::from_secs(10), messages.next())
            .await
            .expect("the reader reads its own consumer")
            .unwrap()
            .unwrap();
        seen.push(message.subject.to_string());
        message.ack().await.unwrap();
    }
    assert!(seen[0].ends_with(".reported") && seen[1].ends_with(".note_added"));
    // An ordered consumer (recreated by the client after any gap) works too.
    let ordered = stream
        .create_consumer(jetstream::consumer::pull::OrderedConfig {
            filter_subject: format!("ombud.case.{case}.>"),
            ..Default::default()
        })
        .await
        .expect("a reader creates an ordered consumer");
    let mut ordered = ordered.messages().await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(10), ordered.next())
        .await
        .expect("the ordered consumer delivers")
        .unwrap()
        .unwrap();
    assert!(first.subject.ends_with(".reported"));

    // No push consumer: its deliveries would land on whatever subject its creator names
    // inside ombud's account (a key in the key bucket, the access log).
    for target in [
        format!("$KV.OMBUD_KEYS.case={case}"),
        format!("ombud.access.{case}"),
    ] {
        let push = stream
            .create_consumer(jetstream::consumer::push::Config {
                deliver_subject: target.clone(),
                filter_subject: format!("ombud.case.{case}.>"),
                ..Default::default()
            })
            .await;
        let refused = push.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            refused.contains("pull consumers only"),
            "a reader created a consumer delivering to {target}: {refused:?}"
        );
    }
    // nats-server reads keys without regard to case: `DELIVER_SUBJECT` makes a push consumer
    // when sent straight to JetStream (as ombud's own user here, onto a harmless subject)...
    let folded = |name: &str, target: &str| {
        json!({"stream_name": "OMBUD_CASES",
               "config": {"name": name, "DELIVER_SUBJECT": target}})
        .to_string()
    };
    let direct: Value = serde_json::from_slice(
        &operator
            .client()
            .request(
                "$JS.API.CONSUMER.CREATE.OMBUD_CASES.folded",
                folded("folded", "ombud.readers.probe").into(),
            )
            .await
            .unwrap()
            .payload,
    )
    .unwrap();
    assert_eq!(
        direct["config"]["deliver_subject"], "ombud.readers.probe",
        "{direct}"
    );
    // ...so ombud refuses such a key from a reader.
    let sneaky: Value = serde_json::from_slice(
        &reader
            .request(
                "JS.OMBUD.API.CONSUMER.CREATE.OMBUD_CASES.sneaky",
                folded("sneaky", &format!("$KV.OMBUD_KEYS.case={case}")).into(),
            )
            .await
            .unwrap()
            .payload,
    )
    .unwrap();
    assert_eq!(sneaky["error"]["code"], 400, "{sneaky}");
    assert!(!consumer_names(&operator)
        .await
        .contains(&"sneaky".to_owned()));
    operator
        .get_stream("OMBUD_CASES")
        .await
        .unwrap()
        .delete_consumer("folded")
        .await
        .unwrap();

    // No change to a consumer that is not its own, no deleting it; its own it may delete.
    let taken = stream
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("operators".into()),
            filter_subject: format!("ombud.case.{case}.>"),
            ..Default::default()
        })
        .await;
    assert!(taken.is_err(), "a reader changed the operator's consumer");
    let unchanged = operator
        .get_stream("OMBUD_CASES")
        .await
        .unwrap()
        .consumer_info("operators")
        .await
        .unwrap();
    assert_eq!(unchanged.config.filter_subject, "");
    let deleted = stream.delete_consumer("operators").await;
    assert!(
        deleted
            .err()
            .is_some_and(|e| e.to_string().contains("not made by a reader")),
        "a reader deleted the operator's consumer"
    );
    assert!(consumer_names(&operator)
        .await
        .contains(&"operators".to_owned()));
    stream
        .delete_consumer("escalations")
        .await
        .expect("a reader deletes its own consumer");
    assert!(!consumer_names(&operator)
        .await
        .contains(&"escalations".to_owned()));

    // The limit keeps room for ombud's own consumers, also against 200 creations at once
    // (without counting and creating one at a time, 200 overran a limit of 6 by 2): they stop
    // at it, and one place freed is one more creation.
    let creations = (0..200).map(|i| {
        let stream = stream.clone();
        async move {
            stream
                .create_consumer(jetstream::consumer::pull::Config {
                    durable_name: Some(format!("reader-{i}")),
                    ..Default::default()
                })
                .await
                .map(|_| format!("reader-{i}"))
                .map_err(|e| e.to_string())
        }
    });
    let results = futures_util::future::join_all(creations).await;
    let made: Vec<&String> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let refusals: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(!made.is_empty(), "the limit left no room at all");
    assert!(
        !refusals.is_empty() && refusals.iter().all(|e| e.contains("reader_consumer_limit")),
        "{refusals:?}"
    );
    let names = consumer_names(&operator).await;
    assert!(
        names.len() <= limit,
        "creations at once overran the limit of {limit}: {names:?}"
    );
    stream.delete_consumer(made[0].as_str()).await.unwrap();
    stream
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("after-a-deletion".into()),
            ..Default::default()
        })
        .await
        .expect("a place freed is a creation allowed");
    // Fields a pull consumer does not need are refused (`sourcing` is exempt from the
    // server's consumer limits; `sample_freq` publishes inside ombud's account).
    for (field, value) in [("sourcing", json!(true)), ("sample_freq", json!("100%"))] {
        let answer: Value = serde_json::from_slice(
            &reader
                .request(
                    "JS.OMBUD.API.CONSUMER.CREATE.OMBUD_CASES.extra",
                    json!({"stream_name": "OMBUD_CASES",
                           "config": {"name": "extra", field: value}})
                    .to_string()
                    .into(),
                )
                .await
                .unwrap()
                .payload,
        )
        .unwrap();
        assert_eq!(answer["error"]["err_code"], 10901, "{field}: {answer}");
    }

    // Nothing of it reached the trail.
    let verified = verify(&server, &case).await;
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["report"]["events"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_under_a_rotated_out_write_key_still_verify_on_jetstream() {
    let nats = NatsServer::from_shipped(&shipped("nats-server.conf"), &nats_secrets()).unwrap();
    rotated_keys_keep_verifying(Some(&nats)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_under_a_rotated_out_write_key_still_verify_on_the_embedded_log() {
    rotated_keys_keep_verifying(None).await;
}

fn cli(server: &Server, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(args)
        .env("OMBUD_SERVER", format!("http://{}", server.addr))
        .env("OMBUD_TOKEN", &server.tokens["office_head"])
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_bus_away_commands_answer_503_fast_and_a_retry_records_exactly_once() {
    let mut nats = NatsServer::from_shipped(&shipped("nats-server.conf"), &nats_secrets()).unwrap();
    let dir = TempDir::new("outage").unwrap();
    let server = serve(&dir.path().join("data"), &nats.url(), &[]).await;
    let case = report(&server).await;

    nats.kill();
    let started = Instant::now();
    let (status, problem) = note(&server, &case, "saat gangguan", "outage-1").await;
    let took = started.elapsed();
    assert_eq!(status, 503, "{problem}");
    assert_eq!(problem["code"], "log_unavailable");
    // The documented bound is nats.request_timeout_ms (2 s); generous slack for a loaded CI.
    assert!(took < Duration::from_secs(6), "503 after {took:?}");
    let (status, _) = http(&server.addr, "GET", "/readyz", "", &[], None)
        .await
        .unwrap();
    assert_eq!(status, 503, "not ready without the log");
    let out = cli(&server, &["status"]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "ombud status exits 6 while the log is away"
    );
    let out = cli(&server, &["case", "notes", &case, "-f", "note=lewat CLI"]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "the CLI exits 6 on log_unavailable: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    nats.restart().unwrap();
    // The client reconnects by itself; the same key records once, however often it is sent.
    let deadline = Instant::now() + Duration::from_secs(30);
    let first = loop {
        let (status, answer) = note(&server, &case, "saat gangguan", "outage-1").await;
        match status {
            201 | 200 => break answer,
            503 if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            other => panic!("{other}: {answer}"),
        }
    };
    let (status, again) = note(&server, &case, "saat gangguan", "outage-1").await;
    assert!(status == 200 || status == 201, "{again}");
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["seq"], first["seq"]);
    let verified = verify(&server, &case).await;
    assert_eq!(
        verified["report"]["events"], 2,
        "exactly one note: {verified}"
    );
}

/// The stream leader of OMBUD_CASES, as node index.
fn stream_leader(cluster: &mut NatsCluster, ask: usize) -> Option<usize> {
    let text = cluster.nodes()[ask]
        .monitor("/jsz?accounts=true&streams=true")
        .ok()?;
    let jsz: Value = serde_json::from_str(&text).ok()?;
    let leader = jsz["account_details"]
        .as_array()?
        .iter()
        .flat_map(|a| a["stream_detail"].as_array().cloned().unwrap_or_default())
        .find(|s| s["name"] == "OMBUD_CASES")?["cluster"]["leader"]
        .as_str()?
        .to_owned();
    leader
        .strip_prefix('n')?
        .parse::<usize>()
        .ok()
        .map(|n| n - 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_cluster_with_authenticated_routes_elects_and_survives_losing_the_leader() {
    let mut cluster = NatsCluster::from_shipped(
        &shipped("nats-cluster"),
        "3e1f5a7c9b0d2e4f6a8c0e2f4a6b8d0c",
        &nats_secrets(),
    )
    .unwrap();
    for node in cluster.nodes() {
        let routez: Value = serde_json::from_str(&node.monitor("/routez").unwrap()).unwrap();
        assert!(routez["num_routes"].as_u64().unwrap() >= 2, "{routez}");
    }
    let dir = TempDir::new("cluster").unwrap();
    let url = cluster.url();
    let server = serve(
        &dir.path().join("data"),
        &url,
        &[("OMBUD__NATS__REPLICAS", "3")],
    )
    .await;
    let case = report(&server).await;
    assert_eq!(note(&server, &case, "sebelum", "c-1").await.0, 200);

    let leader = stream_leader(&mut cluster, 0).expect("the stream has a leader");
    cluster.nodes()[leader].kill();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, answer) = note(&server, &case, "sesudah", "c-2").await;
        match status {
            201 | 200 => break,
            503 if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            other => panic!("{other}: {answer}"),
        }
    }
    // Reads right after a failover may time out (503) while the stream settles: retried.
    let verified = loop {
        let (status, answer) = http(
            &server.addr,
            "GET",
            &format!("/v1/cases/{case}/verify"),
            &server.tokens["auditor"],
            &[],
            None,
        )
        .await
        .unwrap();
        match status {
            200 => break answer,
            503 if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            other => panic!("{other}: {answer}"),
        }
    };
    assert_eq!(verified["report"]["events"], 3, "{verified}");
    let survivor = (leader + 1) % 3;
    let new_leader = stream_leader(&mut cluster, survivor);
    assert!(
        new_leader.is_some_and(|n| n != leader),
        "a new leader was elected: {new_leader:?}"
    );
}

/// A server's log (stderr), line by line, as it is written.
type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Collects the log of a server started with [`start_logged`].
fn collect_stderr(server: &mut Server) -> Log {
    use tokio::io::AsyncBufReadExt as _;
    let log = Log::default();
    let mut lines = tokio::io::BufReader::new(server.child.stderr.take().unwrap()).lines();
    let sink = log.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            sink.lock().unwrap().push(line);
        }
    });
    log
}

/// Waits until a line of `log` contains `needle`, failing after `limit`.
async fn expect_logged(log: &Log, needle: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if log.lock().unwrap().iter().any(|l| l.contains(needle)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no log line with {needle:?}: {:?}", log.lock().unwrap());
}

/// ombud's log tells an operator what matters about the bus, once: a server that lets it in
/// without credentials, and each outage (lost once, back once), however many commands fail
/// meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_warns_of_an_open_bus_and_says_once_per_outage() {
    let mut nats = NatsServer::start().unwrap(); // no authentication at all
    let dir = TempDir::new("bus-log").unwrap();
    let mut server = start_logged(&dir.path().join("data"), &["--nats", &nats.url()], &[]).await;
    let log = collect_stderr(&mut server);
    expect_logged(&log, "without credentials", Duration::from_secs(10)).await;
    let case = report(&server).await;

    nats.kill();
    for i in 0..3 {
        let (status, _) = note(&server, &case, "saat gangguan", &format!("log-{i}")).await;
        assert_eq!(status, 503);
    }
    expect_logged(&log, "lost the connection to NATS", Duration::from_secs(10)).await;
    nats.restart().unwrap();
    expect_logged(
        &log,
        "the connection to NATS is back",
        Duration::from_secs(30),
    )
    .await;
    let lost = log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("lost the connection to NATS"))
        .count();
    assert_eq!(lost, 1, "once per outage: {:?}", log.lock().unwrap());

    // A second process given other write keys is told at start-up that the log's events are
    // not marked with its keys (it would see them all as foreign).
    let other_keys = format!("other:{}", "7d".repeat(32));
    let mut second = start_logged(
        &dir.path().join("second"),
        &["--nats", &nats.url()],
        &[("OMBUD__SECURITY__WRITE_KEYS", other_keys.as_str())],
    )
    .await;
    let second_log = collect_stderr(&mut second);
    expect_logged(
        &second_log,
        "is not marked with this process's write keys",
        Duration::from_secs(10),
    )
    .await;
}

/// A data key missing from the key store without a recorded erasure is an integrity incident,
/// answered as such, never shown as if the case had been erased.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_key_missing_without_an_erasure_is_an_integrity_incident() {
    let dir = TempDir::new("missing-key").unwrap();
    let data = dir.path().join("data");
    let mut server = support::start(&data, &[]).await;
    let case = report(&server).await;
    let dpo = server.tokens["dpo"].clone();
    let path = format!("/v1/cases/{case}?min_seq=1");
    let (status, file) = http(&server.addr, "GET", &path, &dpo, &[], None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{file}");
    assert_eq!(
        file["reporter"]["identity"]["name"], "Siti Rahmawati",
        "{file}"
    );
    server.child.kill().await.unwrap();

    // Someone removes the key row behind ombud's back (no tombstone, no erasure event).
    {
        let db = sled::open(data.join("log")).unwrap();
        let keys = db.open_tree("data_keys").unwrap();
        assert!(keys.remove(format!("case:{case}")).unwrap().is_some());
        db.flush().unwrap();
    }
    ombud_testkit::wait_for_sled_release(&data.join("log"));
    let server = support::start(&data, &[]).await;
    let dpo = server.tokens["dpo"].clone();
    let (status, problem) = http(&server.addr, "GET", &path, &dpo, &[], None)
        .await
        .unwrap();
    assert_eq!(status, 500, "{problem}");
    assert_eq!(problem["code"], "integrity_incident", "{problem}");
    assert!(!problem.to_string().contains("\"erased\""), "{problem}");
}
