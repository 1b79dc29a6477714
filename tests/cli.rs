//! The CLI as a client of a running `ombud serve`: report, commands, show, list, audit,
//! status, with the exit codes that tell refused, conflict, not found and not permitted apart.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use ombud_testkit::TempDir;
use support::start;

fn ombud(addr: &str, token: &str, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args(args)
        .env("OMBUD_SERVER", format!("http://{addr}"))
        .env("OMBUD_TOKEN", token)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_drives_a_case_and_its_exit_codes_say_what_happened() {
    let dir = TempDir::new("cli").unwrap();
    let mut server = start(&dir.path().join("data"), &[]).await;
    let addr = server.addr.clone();
    let t = |role: &str| server.tokens[role].clone();
    let body = r#"{"office":"jawa-barat","channel":"walk_in","reporter":{"name":"Dede Kurniawan"},
        "respondent":{"agency_code":"dishub-kota-tasikmalaya","agency_name":"Dinas Perhubungan Kota Tasikmalaya"},
        "forms":["abuse_of_authority"],"summary":"Kendaraan diderek tanpa surat tilang."}"#;

    let (code, out, err) = ombud(
        &addr,
        &t("intake"),
        &["case", "--json", "report", "--body", body, "--key", "cli-1"],
    );
    assert_eq!(code, 0, "{err}");
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    let case = created["case_id"].as_str().unwrap().to_owned();

    for stage in ["stage=formal", "stage=material"] {
        let (code, _, err) = ombud(
            &addr,
            &t("intake"),
            &[
                "case",
                "record-verification",
                &case,
                "-f",
                stage,
                "-f",
                "passed:=true",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    // Both checks passed: the case is on the pleno's agenda.
    let (code, out, err) = ombud(
        &addr,
        &t("office_head"),
        &["case", "list", "--json", "--agenda", "pleno"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&case), "{out}");
    let pleno = format!(
        r#"pleno:={{"number":"PLENO/2026/1","date":"{}"}}"#,
        support::today()
    );
    let (code, out, err) = ombud(
        &addr,
        &t("office_head"),
        &[
            "case",
            "accept",
            &case,
            "-f",
            &pleno,
            "-f",
            "unit=riksa-1",
            "-f",
            "assignee=riksa.local",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("recorded at sequence 4"), "{out}");

    let letter = format!("letter:={}", support::letter());
    let (code, _, err) = ombud(
        &addr,
        &t("investigator"),
        &[
            "case",
            "request-clarification",
            &case,
            "--if-match",
            "1",
            "-f",
            "addressee=superior",
            "-f",
            &letter,
        ],
    );
    assert_eq!(code, 4, "a stale If-Match is a conflict: {err}");
    assert!(err.contains("version_conflict"), "{err}");
    let (code, _, err) = ombud(
        &addr,
        &t("auditor"),
        &["case", "notes", &case, "-f", "note=x"],
    );
    assert_eq!(code, 7, "auditors never write: {err}");
    let (code, _, err) = ombud(
        &addr,
        &t("investigator"),
        &[
            "case",
            "notes",
            "01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42",
            "-f",
            "note=x",
        ],
    );
    assert_eq!(code, 5, "unknown case: {err}");
    let (code, _, err) = ombud(
        &addr,
        &t("investigator"),
        &["case", "close", &case, "-f", "reason=bosan"],
    );
    assert_eq!(code, 3, "invalid input: {err}");

    let (code, out, err) = ombud(&addr, &t("investigator"), &["case", "show", &case]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("under_examination") && out.contains("Kendaraan diderek"),
        "{out}"
    );
    let (code, out, _) = ombud(
        &addr,
        &t("investigator"),
        &["case", "list", "--status", "under_examination"],
    );
    assert_eq!(code, 0);
    assert!(out.contains("dishub-kota-tasikmalaya"), "{out}");
    let (code, out, err) = ombud(&addr, &t("auditor"), &["audit", &case, "--verify"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verified: 4 events"), "{out}");
    let (code, out, _) = ombud(&addr, &t("auditor"), &["audit", &case]);
    assert_eq!(code, 0);
    assert!(
        out.contains("ombud.case.reported") && out.contains("ombud.case.accepted"),
        "{out}"
    );
    let (code, out, _) = ombud(&addr, &t("auditor"), &["status"]);
    assert!(code == 0 || code == 6, "{out}");
    assert!(out.contains("cases") && out.contains("statistics"), "{out}");

    // The options go before the subcommand too, as the README shows; after it wins.
    let (code, out, err) = ombud(
        &addr,
        "",
        &["--json", "--token", &t("auditor"), "audit", &case],
    );
    assert_eq!(code, 0, "{err}");
    let trail: serde_json::Value =
        serde_json::from_str(&out).expect("--json before the subcommand");
    assert_eq!(trail["events"].as_array().unwrap().len(), 4, "{trail}");
    let (code, _, err) = ombud(
        &addr,
        "",
        &["--token", "wrong", "audit", &case, "--token", &t("auditor")],
    );
    assert_eq!(code, 0, "the option after the subcommand wins: {err}");

    // A retried report says it was a retry (nothing new recorded).
    let (code, out, err) = ombud(
        &addr,
        &t("intake"),
        &["case", "report", "--body", body, "--key", "cli-1"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&case) && out.contains("a retry"), "{out}");

    // A server that accepts but never answers: exit 6 after --timeout, saying so.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    let started = std::time::Instant::now();
    let (code, _, err) = ombud(&silent_addr, &t("auditor"), &["--timeout", "1", "status"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("did not answer within 1 s"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "gave up after the timeout: {:?}",
        started.elapsed()
    );
    drop(silent);

    // The client options are refused, not ignored, before a command that is not a client.
    let (code, _, err) = ombud(&addr, "x", &["--token", "x", "taxonomy"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--token belong to the client commands"),
        "{err}"
    );

    // No server there: exit 6 (unavailable), with what to check.
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
    let (code, _, err) = ombud(&addr, &t("auditor"), &["audit", &case]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("cannot reach the server"), "{err}");
}

/// Every case command is listed by `ombud case --help` with what it does, and `ombud case
/// <command> --help` lists its fields and an example (all from the command registry); the
/// report's fields too.
#[test]
fn every_case_command_has_help_with_its_fields_and_an_example() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let list = help(&["case", "--help"]);
    for spec in &ombud_service::input::COMMANDS[1..] {
        assert!(
            list.contains(spec.route) && list.contains(spec.summary),
            "`ombud case --help` lists {}: {list}",
            spec.route
        );
        let own = help(&["case", spec.route, "--help"]);
        assert!(own.contains(spec.summary), "{own}");
        assert!(
            own.contains(&format!("ombud case {} <case>", spec.route)),
            "{own}"
        );
        let schema = (spec.schema)();
        for field in schema["properties"].as_object().unwrap().keys() {
            assert!(
                own.contains(field.as_str()),
                "{} lists `{field}`: {own}",
                spec.route
            );
        }
    }
    let accept = help(&["case", "accept", "--help"]);
    assert!(
        accept.contains("assignee             required text"),
        "{accept}"
    );
    assert!(accept.contains("-f 'unit=riksa-1'"), "{accept}");
    // `-h` as the value of an option is that value, not a request for help.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"))
        .args([
            "case",
            "notes",
            "01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42",
            "--key",
            "-h",
        ])
        .args(["-f", "note=x", "--server", "http://127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "it tried to send: {out:?}");
    let report = help(&["case", "report", "--help"]);
    assert!(
        report.contains("respondent") && report.contains("walk_in"),
        "{report}"
    );
}
