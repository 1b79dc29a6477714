//! Configuration: defaults, a file overlay, OMBUD__ environment overrides, `config show` with
//! secrets redacted, configured tokens accepted by `ombud serve`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use ombud_testkit::TempDir;
use support::{http, start};

fn sha256_hex(text: &str) -> String {
    use std::process::Command;
    let out = Command::new("sh")
        .args(["-c", &format!("printf %s '{text}' | sha256sum")])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

#[test]
fn config_show_layers_file_and_environment_and_redacts_secrets() {
    let dir = TempDir::new("config").unwrap();
    let file = dir.path().join("site.toml");
    std::fs::write(
        &file,
        "listen = \"0.0.0.0:9000\"\n[nats]\nurl = \"nats://ombud:hunter2x@10.0.0.5:4222\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["config", "show", "--config"])
        .arg(&file)
        .env("OMBUD__SECURITY__MASTER_KEY", "00".repeat(32))
        .env("OMBUD__SECURITY__BLIND_INDEX_KEY", "11".repeat(32))
        .env(
            "OMBUD__SECURITY__WRITE_KEYS",
            format!("k2:{},k1:{}", "22".repeat(32), "33".repeat(32)),
        )
        // All digits: still the text it is, not a number.
        .env("OMBUD__NATS__PASSWORD", "20261201")
        .env("OMBUD__NATS__USER", "ombud")
        .env("OMBUD__BODY_LIMIT", "2048")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("listen = \"0.0.0.0:9000\""), "{text}");
    assert!(
        text.contains("nats://ombud:<redacted>@10.0.0.5:4222"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2x"),
        "a password in a URL is redacted too: {text}"
    );
    assert!(text.contains("body_limit = 2048"), "{text}");
    assert!(
        text.contains("master_key = \"<redacted>\"") && !text.contains(&"00".repeat(32)),
        "{text}"
    );
    for secret in ["11", "22", "33"] {
        assert!(!text.contains(&secret.repeat(32)), "{secret}: {text}");
    }
    assert!(
        text.contains("write_keys = \"k2:<redacted>,k1:<redacted>\""),
        "{text}"
    );
    assert!(
        text.contains("password = \"<redacted>\"") && !text.contains("20261201"),
        "{text}"
    );
    assert!(text.contains("user = \"ombud\""), "{text}");

    std::fs::write(&file, "listne = \"typo\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["config", "show", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success(), "an unknown key is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("listne"));

    // A clock length that is not one is refused, naming the key.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["config", "show"])
        .env("OMBUD__DEADLINES__CLARIFICATION", "14 weeks")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("deadlines.clarification = \"14 weeks\""));

    // An empty stream name is refused.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["config", "show"])
        .env("OMBUD__NATS__STREAM", " ")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nats.stream, nats.key_bucket"));

    // A replica count JetStream cannot have is refused before anything is created.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["serve", "--nats", "nats://127.0.0.1:9", "--data"])
        .arg(dir.path().join("data"))
        .env("OMBUD__NATS__REPLICAS", "7")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("nats.replicas = 7"), "{stderr}");

    // The checkpoint interval is seconds, at least 0.1: a zero is refused when serve starts,
    // a text is refused as read, each naming the key (a serve that started is killed, and fails).
    for (value, says) in [
        ("0", "[log] checkpoint_interval = 0"),
        ("5 s", "checkpoint_interval"),
    ] {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(dir.path().join(format!("data-interval-{}", value.len())))
            .env("OMBUD__LOG__CHECKPOINT_INTERVAL", value)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id().to_string();
        let (done, exited) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(child.wait_with_output()));
        let out = match exited.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(out) => out.unwrap(),
            Err(_) => {
                // Still serving: the value was accepted. Stop it; the assertions below fail.
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid])
                    .status();
                exited.recv().unwrap().unwrap()
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{value}: {stderr}");
        assert!(stderr.contains(says), "{value}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_tokens_are_the_only_ones_accepted() {
    let dir = TempDir::new("config-serve").unwrap();
    let file = dir.path().join("site.toml");
    std::fs::write(
        &file,
        format!(
            "[[auth.tokens]]\nactor = \"riksa.siti\"\nrole = \"investigator\"\noffice = \"jawa-barat\"\ntoken_sha256 = \"{}\"\n",
            sha256_hex("rahasia-siti")
        ),
    )
    .unwrap();
    let config = file.to_str().unwrap().to_owned();
    let mut server = start(&dir.path().join("data"), &["--config", &config]).await;
    assert!(
        server.tokens.is_empty(),
        "no tokens are generated when some are configured"
    );
    let (status, _) = http(&server.addr, "GET", "/v1/cases", "rahasia-siti", &[], None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let (status, _) = http(
        &server.addr,
        "GET",
        "/v1/cases",
        "something-else",
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 401);
    server.child.start_kill().unwrap();
}

/// Local tokens outlive a restart (only their hashes are kept in the data directory), and
/// `--new-local-tokens` replaces them: the old ones stop working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_tokens_stay_valid_across_restarts_until_renewed() {
    let dir = TempDir::new("local-tokens").unwrap();
    let data = dir.path().join("data");
    let cases = |server: &support::Server, token: &str| {
        let (addr, token) = (server.addr.clone(), token.to_owned());
        async move {
            http(&addr, "GET", "/v1/cases", &token, &[], None)
                .await
                .unwrap()
                .0
        }
    };
    let mut first = start(&data, &[]).await;
    assert!(first.shown_tokens, "the first start shows its tokens");
    let token = first.tokens["investigator"].clone();
    assert_eq!(cases(&first, &token).await, 200);
    let kept = std::fs::read_to_string(data.join("local-tokens.toml")).unwrap();
    assert!(
        !kept.contains(&token),
        "only the token's hash is kept: {kept}"
    );
    assert!(kept.contains(&sha256_hex(&token)), "{kept}");
    first.child.kill().await.unwrap();

    let mut again = start(&data, &[]).await;
    assert!(!again.shown_tokens, "a restart does not show them again");
    assert_eq!(
        cases(&again, &token).await,
        200,
        "the old token still works"
    );
    again.child.kill().await.unwrap();

    let mut renewed = start(&data, &["--new-local-tokens"]).await;
    assert!(renewed.shown_tokens, "new tokens are shown");
    let new = renewed.tokens["investigator"].clone();
    assert_ne!(new, token);
    assert_eq!(cases(&renewed, &new).await, 200);
    assert_eq!(
        cases(&renewed, &token).await,
        401,
        "the old token stopped working"
    );
    renewed.child.kill().await.unwrap();
}

/// Generated local tokens never serve beyond loopback: `serve` refuses before it opens or
/// writes anything.
#[test]
fn local_tokens_are_refused_beyond_loopback() {
    let dir = TempDir::new("local-tokens-wide").unwrap();
    let data = dir.path().join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0"),
        "{stderr}"
    );
    assert!(!data.exists(), "nothing was written");
}

/// The library crates' warnings reach the operator on stderr, at the level OMBUD_LOG names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_reach_stderr_at_the_level_ombud_log_names() {
    use ombud_eventlog::jetstream::{JetStreamBackend, JetStreamConfig};
    let nats = ombud_testkit::NatsServer::start().unwrap();
    let (backend, _) = JetStreamBackend::connect(JetStreamConfig::new(nats.url()))
        .await
        .unwrap();
    let drift = || async {
        let mut drifted = backend.desired_stream();
        drifted.duplicate_window = std::time::Duration::from_secs(30);
        backend.context().update_stream(&drifted).await.unwrap();
    };
    let dir = TempDir::new("diagnostics").unwrap();
    let rebuild = |level: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"));
        command
            .args(["rebuild", "--nats", &nats.url(), "--data"])
            .arg(dir.path().join("data"))
            .env_remove("OMBUD_LOG");
        if let Some(level) = level {
            command.env("OMBUD_LOG", level);
        }
        let out = command.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let warning = "stream settings had drifted and were updated";

    drift().await;
    let (ok, stderr) = rebuild(None);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains(warning) && stderr.contains("WARN"),
        "{stderr}"
    );

    drift().await;
    let (ok, stderr) = rebuild(Some("error"));
    assert!(ok, "{stderr}");
    assert!(!stderr.contains(warning), "{stderr}");

    let (ok, stderr) = rebuild(Some("loud"));
    assert!(!ok);
    assert!(stderr.contains("OMBUD_LOG=\"loud\""), "{stderr}");
}

/// `ombud rebuild` and `ombud project` read the same configuration as `ombud serve`: with only
/// `--config`, they find the JetStream log the file names (server and stream), not the
/// embedded default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_finds_the_log_the_config_file_names() {
    let nats = ombud_testkit::NatsServer::start().unwrap();
    let dir = TempDir::new("config-rebuild").unwrap();
    let file = dir.path().join("site.toml");
    let data = dir.path().join("data");
    std::fs::write(
        &file,
        format!(
            "data = {:?}\n[nats]\nurl = \"{}\"\nstream = \"SITE_CASES\"\n",
            data.display().to_string(),
            nats.url()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(["rebuild", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    assert!(
        js.get_stream("SITE_CASES").await.is_ok(),
        "rebuild did not use the configured server and stream"
    );
    assert!(js.get_stream("OMBUD_CASES").await.is_err());
    assert!(
        data.join("views").is_dir(),
        "the read models are in the configured data"
    );
    assert!(!data.join("log").exists(), "no embedded log was opened");
}

/// A write-key setting that is not `id:<64 hex>` stops `ombud serve` before it writes
/// anything, saying which setting is wrong; nothing is generated in its place.
#[test]
fn bad_write_keys_stop_serve_with_a_clear_error() {
    let dir = TempDir::new("bad-write-keys").unwrap();
    for bad in ["k1", "k1:abcd", &format!("bad id:{}", "11".repeat(32))] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(dir.path())
            .env("OMBUD__SECURITY__WRITE_KEYS", bad)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad:?} was accepted");
        assert!(
            stderr.contains("write_keys") && stderr.contains("OMBUD__SECURITY__WRITE_KEYS"),
            "{bad:?}: {stderr}"
        );
        assert!(
            !dir.path().join("write.key").exists(),
            "a key was generated instead"
        );
        assert!(
            !dir.path().join("log").exists(),
            "nothing is written before the keys are good"
        );
    }
}

/// Started outside the repository, ombud keeps the built-in holiday calendar (no "counting
/// weekends only"); a configured calendar file that is missing stops it with what to do.
#[test]
fn the_holiday_calendar_is_built_in_and_a_missing_configured_one_is_an_error() {
    let dir = TempDir::new("holidays").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .current_dir(dir.path())
        .env("OMBUD__SECURITY__WRITE_KEYS", support::WRITE_KEYS)
        .args(["demo", "--cases", "3", "--data", "data"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("weekends only") && !stderr.contains("holiday"),
        "{stderr}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .current_dir(dir.path())
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("holidays = \"\""),
        "the default is the built-in calendar"
    );

    let missing = dir.path().join("no-such-holidays.toml");
    for how in ["flag", "env"] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"));
        command
            .current_dir(dir.path())
            .env("OMBUD__SECURITY__WRITE_KEYS", support::WRITE_KEYS)
            .args(["serve", "--listen", "127.0.0.1:0", "--data", "data2"]);
        if how == "flag" {
            command.arg("--holidays").arg(&missing);
        } else {
            command.env("OMBUD__HOLIDAYS", &missing);
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{how}: {stderr}");
        assert!(
            stderr.contains("no-such-holidays.toml") && stderr.contains("built-in"),
            "{how}: {stderr}"
        );
    }
}

/// The register of offices is built in; a configured register that is missing or names a
/// time zone outside Indonesia stops `serve` with what to do; and a token with the retired
/// `supervisor` role stops it naming the roles to grant.
#[test]
fn a_bad_office_register_or_a_retired_role_stops_the_start() {
    let dir = TempDir::new("offices").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .current_dir(dir.path())
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("offices = \"\""),
        "the default is the built-in register"
    );
    let bad = dir.path().join("offices.toml");
    std::fs::write(
        &bad,
        "version = \"x\"\n[[office]]\ncode = \"bali\"\nname = \"Bali\"\nkind = \"regional\"\ntimezone = \"Europe/Paris\"\n",
    )
    .unwrap();
    let missing = dir.path().join("no-such-offices.toml");
    for (file, says) in [(&missing, "no-such-offices.toml"), (&bad, "Europe/Paris")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
            .current_dir(dir.path())
            .env("OMBUD__SECURITY__WRITE_KEYS", support::WRITE_KEYS)
            .env("OMBUD__OFFICES", file)
            .args(["serve", "--listen", "127.0.0.1:0", "--data", "data"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
    let site = dir.path().join("site.toml");
    std::fs::write(
        &site,
        format!(
            "[[auth.tokens]]\nactor = \"kepala.budi\"\nrole = \"supervisor\"\noffice = \"jawa-barat\"\ntoken_sha256 = \"{}\"\n",
            sha256_hex("rahasia")
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .current_dir(dir.path())
        .env("OMBUD__SECURITY__WRITE_KEYS", support::WRITE_KEYS)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            "data2",
            "--config",
        ])
        .arg(&site)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("retired") && stderr.contains("office_head"),
        "{stderr}"
    );
}

/// Two configured tokens with the same hash stop `serve` (one would silently replace the
/// other), naming both actors.
#[test]
fn duplicate_token_hashes_are_refused() {
    let dir = TempDir::new("config-dup").unwrap();
    let file = dir.path().join("site.toml");
    let hash = sha256_hex("sama-saja");
    std::fs::write(
        &file,
        format!(
            "[[auth.tokens]]\nactor = \"riksa.siti\"\nrole = \"investigator\"\noffice = \"jawa-barat\"\ntoken_sha256 = \"{hash}\"\n\
             [[auth.tokens]]\nactor = \"ketua.rina\"\nrole = \"chair\"\noffice = \"pusat\"\ntoken_sha256 = \"{}\"\n",
            hash.to_uppercase()
        ),
    )
    .unwrap();
    let out = serve_once(&file, &dir.path().join("data"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("riksa.siti") && stderr.contains("ketua.rina") && stderr.contains("same"),
        "{stderr}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was written");
}

/// A configured token whose hash is that of an empty token (an empty variable piped into
/// sha256sum) stops `serve`: it would let `Authorization: Bearer ` in.
#[test]
fn the_hash_of_an_empty_token_is_refused() {
    let dir = TempDir::new("config-empty").unwrap();
    let file = dir.path().join("site.toml");
    std::fs::write(
        &file,
        format!(
            "[[auth.tokens]]\nactor = \"riksa.siti\"\nrole = \"investigator\"\noffice = \"jawa-barat\"\ntoken_sha256 = \"{}\"\n",
            sha256_hex("")
        ),
    )
    .unwrap();
    let out = serve_once(&file, &dir.path().join("data"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("empty token"), "{stderr}");
}

/// `ombud serve --config FILE --data DATA` run to its end (for configurations it refuses).
fn serve_once(file: &std::path::Path, data: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .env("OMBUD__SECURITY__WRITE_KEYS", support::WRITE_KEYS)
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(file)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
}
