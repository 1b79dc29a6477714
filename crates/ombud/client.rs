//! `ombud case …`, `ombud audit …`, `ombud dpo …`, `ombud status`: clients of a running `ombud serve` over
//! HTTP (plain HTTP/1.1 with hyper's client; put TLS in front for remote servers). Reaching the
//! server may take 5 s, its answer `--timeout` seconds (default 120). Human-readable output by
//! default, `--json` for scripts. Exit codes: 0 ok, 1 other errors, 3 refused by the domain
//! (or invalid input), 4 conflict, 5 not found, 6 unavailable (or the server cannot be reached),
//! 7 not authenticated/permitted. `--server`, `--token` and `--json` go before or after the
//! client command (after wins), else `OMBUD_SERVER` and `OMBUD_TOKEN`.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// Where the server is and who we are: given after the client command (`ombud audit <case>
/// --json`) or before it (`ombud --json audit <case>`).
#[derive(Debug, Clone, Default, Args)]
pub struct Conn {
    /// The server [default: $OMBUD_SERVER, else http://127.0.0.1:8080].
    #[arg(long, value_name = "URL", global = true)]
    server: Option<String>,
    /// Bearer token [default: $OMBUD_TOKEN].
    #[arg(long, value_name = "TOKEN", global = true)]
    token: Option<String>,
    /// Print the server's JSON answer instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Seconds the server may take to answer [default: $OMBUD_TIMEOUT, else 120]; reaching it
    /// may take 5 s. Exit 6 when either runs out.
    #[arg(long, value_name = "SECONDS", global = true)]
    timeout: Option<u64>,
}

/// The same options before the subcommand (`ombud --json audit …`).
#[derive(Debug, Clone, Default, Args)]
pub struct TopConn {
    /// The server of the client commands (case, audit, status, dpo) [default:
    /// http://127.0.0.1:8080; env OMBUD_SERVER].
    #[arg(long = "server", value_name = "URL")]
    server: Option<String>,
    /// The bearer token of the client commands [env OMBUD_TOKEN].
    #[arg(long = "token", value_name = "TOKEN")]
    token: Option<String>,
    /// The client commands print the server's JSON answer instead of a table.
    #[arg(long = "json")]
    json: bool,
    /// Seconds the server may take to answer the client commands [default: 120; env
    /// OMBUD_TIMEOUT].
    #[arg(long = "timeout", value_name = "SECONDS")]
    timeout: Option<u64>,
}

impl TopConn {
    /// The options given, by name (they belong to the client commands only).
    pub fn given(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        if self.server.is_some() {
            given.push("--server");
        }
        if self.token.is_some() {
            given.push("--token");
        }
        if self.json {
            given.push("--json");
        }
        if self.timeout.is_some() {
            given.push("--timeout");
        }
        given
    }
}

impl Conn {
    /// These options, with what was given before the subcommand, then the environment
    /// (`OMBUD_SERVER`, `OMBUD_TOKEN`), filling the gaps: after the subcommand wins.
    fn under(mut self, top: &TopConn) -> Conn {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        self.server = self
            .server
            .or_else(|| top.server.clone())
            .or_else(|| env("OMBUD_SERVER"));
        self.token = self
            .token
            .or_else(|| top.token.clone())
            .or_else(|| env("OMBUD_TOKEN"));
        self.json |= top.json;
        self.timeout = self
            .timeout
            .or(top.timeout)
            .or_else(|| env("OMBUD_TIMEOUT").and_then(|t| t.parse().ok()));
        self
    }

    fn answer_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout.unwrap_or(120).max(1))
    }

    fn server(&self) -> &str {
        self.server.as_deref().unwrap_or("http://127.0.0.1:8080")
    }
}

/// `ombud case`.
#[derive(Debug, Args)]
pub struct CaseArgs {
    #[command(flatten)]
    conn: Conn,
    #[command(subcommand)]
    action: CaseAction,
}

#[derive(Debug, Subcommand)]
enum CaseAction {
    /// Report a new case. Example: `ombud case report --body @lapor.json --key lapor-001`
    Report(Mutation),
    /// Run a command on a case (`ombud case --help` lists them all, from the command
    /// registry; `ombud case <command> --help` lists its fields).
    /// Example: `ombud case verify <case> -f stage=formal -f passed:=true`
    #[command(external_subcommand)]
    Command(Vec<String>),
    /// Show a case file. Example: `ombud case show <case>`
    Show {
        /// The case.
        case: String,
    },
    /// List cases. Example: `ombud case list --status under_examination --overdue`, or
    /// `ombud case list --agenda pleno` (the pleno's agenda; also `conclusion_to_approve`,
    /// `lhp_to_issue`), `ombud case list --pending-receipt` (letters whose receipt is awaited).
    List {
        /// Only these statuses (comma separated).
        #[arg(long)]
        status: Option<String>,
        /// Only this agency.
        #[arg(long)]
        agency: Option<String>,
        /// Only this assignee.
        #[arg(long)]
        assignee: Option<String>,
        /// Only overdue cases.
        #[arg(long)]
        overdue: bool,
        /// Only cases waiting for the heads: `pleno`, `conclusion_to_approve`, `lhp_to_issue`.
        #[arg(long)]
        agenda: Option<String>,
        /// Only cases with a letter whose receipt is awaited.
        #[arg(long)]
        pending_receipt: bool,
        /// `newest` (default) or `due`.
        #[arg(long)]
        order: Option<String>,
        /// Page size.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// My work queue.
    Queue,
    /// The deadline board: running clocks due soon, overdue first, with the deadline engine's
    /// open proposals. Example: `ombud case deadlines --overdue`, or `ombud case deadlines
    /// --within 7 --assignee riksa.siti`, `ombud case deadlines --proposed`.
    Deadlines {
        /// Only this office (roles that see every office; others see their own).
        #[arg(long)]
        office: Option<String>,
        /// Only this examination unit.
        #[arg(long)]
        unit: Option<String>,
        /// Only this assignee.
        #[arg(long)]
        assignee: Option<String>,
        /// Clocks due within this many days.
        #[arg(long, default_value_t = 14)]
        within: u32,
        /// Only clocks past due.
        #[arg(long)]
        overdue: bool,
        /// Only clocks with an open proposal of the deadline engine.
        #[arg(long)]
        proposed: bool,
    },
}

/// Body and headers of a mutation.
#[derive(Debug, Args)]
struct Mutation {
    /// The JSON body, or `@FILE`.
    #[arg(long)]
    body: Option<String>,
    /// A body field: `key=text` or `key:=json`. Repeatable.
    #[arg(short = 'f', long = "field")]
    fields: Vec<String>,
    /// Idempotency-Key (retry with the same key to be safe).
    #[arg(long)]
    key: Option<String>,
    /// Only if the case is at this position (If-Match).
    #[arg(long)]
    if_match: Option<u64>,
}

/// `ombud audit`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AuditArgs {
    #[command(flatten)]
    conn: Conn,
    #[command(subcommand)]
    action: Option<crate::bundle::BundleAction>,
    /// The case.
    #[arg(required = true)]
    case: Option<String>,
    /// Verify the hash chain from the first event.
    #[arg(long)]
    verify: bool,
    /// The trail up to a stream sequence or an RFC 3339 time.
    #[arg(long, value_name = "SEQ|TIME")]
    as_of: Option<String>,
}

/// `ombud dpo`.
#[derive(Debug, Args)]
pub struct DpoArgs {
    #[command(flatten)]
    conn: Conn,
    #[command(subcommand)]
    action: DpoAction,
}

#[derive(Debug, Subcommand)]
enum DpoAction {
    /// Who opened a confidential reporter's identity, or looked a person up, oldest first.
    /// Example: `ombud dpo access-log --case <case> --from 2026-11-01T00:00:00Z`
    AccessLog {
        /// Only this case.
        #[arg(long)]
        case: Option<String>,
        /// Only this actor.
        #[arg(long)]
        actor: Option<String>,
        /// At or after this time (RFC 3339).
        #[arg(long)]
        from: Option<String>,
        /// Before this time (RFC 3339).
        #[arg(long)]
        to: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// A person's cases by NIK, read from standard input (never from the command line, where
    /// other users of the machine could see it). Example: `ombud dpo person-cases < nik.txt`
    PersonCases,
}

/// `ombud status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    conn: Conn,
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

/// The server could not be reached at all (the CLI exits 6, as for 503).
#[derive(Debug, thiserror::Error)]
#[error("cannot reach the server at {server} (is `ombud serve` running there? --server or OMBUD_SERVER)")]
pub struct Unreachable {
    server: String,
    #[source]
    source: std::io::Error,
}

/// How long reaching the server may take before the CLI gives up (exit 6).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The server was reached but did not answer in time (the CLI exits 6, as for 503).
#[derive(Debug, thiserror::Error)]
#[error("the server at {server} did not answer within {seconds} s (--timeout or OMBUD_TIMEOUT to wait longer)")]
pub struct NoAnswer {
    server: String,
    seconds: u64,
}

pub(crate) async fn request(
    conn: &Conn,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Option<&Value>,
) -> anyhow::Result<Answer> {
    use http_body_util::BodyExt as _;
    let rest = conn
        .server()
        .strip_prefix("http://")
        .context("--server must be an http:// URL (put TLS in front of ombud for remote use)")?;
    let host = rest.trim_end_matches('/');
    let unreachable = |source: std::io::Error| Unreachable {
        server: conn.server().to_owned(),
        source,
    };
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(host))
        .await
        .map_err(|_| {
            unreachable(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()),
            ))
        })?
        .map_err(unreachable)?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .context("starting HTTP/1.1 with the server")?;
    tokio::spawn(connection);
    let body = body
        .map(serde_json::to_vec)
        .transpose()?
        .unwrap_or_default();
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::CONTENT_TYPE, "application/json");
    if let Some(token) = &conn.token {
        builder = builder.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    for (k, v) in headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let request = builder
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .context("building the request (a header that is not text?)")?;
    let answer = async {
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        anyhow::Ok((status, bytes))
    };
    let within = conn.answer_timeout();
    let (status, bytes) = tokio::time::timeout(within, answer)
        .await
        .map_err(|_| NoAnswer {
            server: conn.server().to_owned(),
            seconds: within.as_secs(),
        })?
        .context("reading the server's answer")?;
    Ok(Answer {
        status,
        body: serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
    })
}

fn exit_for(answer: &Answer) -> ExitCode {
    match answer.status {
        200..=299 => ExitCode::SUCCESS,
        401 | 403 => ExitCode::from(7),
        404 => ExitCode::from(5),
        409 => ExitCode::from(4),
        400 | 413 | 422 => ExitCode::from(3),
        503 => ExitCode::from(6),
        _ => ExitCode::FAILURE,
    }
}

fn report_problem(answer: &Answer) {
    let code = answer.body["code"].as_str().unwrap_or("error");
    let detail = answer.body["detail"]
        .as_str()
        .map_or_else(|| answer.body.to_string(), str::to_owned);
    eprintln!("error ({} {code}): {detail}", answer.status);
}

fn build_body(m: &Mutation) -> anyhow::Result<Value> {
    let mut body = match &m.body {
        Some(text) => {
            let text = match text.strip_prefix('@') {
                Some(file) => {
                    std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?
                }
                None => text.clone(),
            };
            serde_json::from_str(&text).context("--body is not JSON")?
        }
        None => json!({}),
    };
    for field in &m.fields {
        let (key, value) = if let Some((k, v)) = field.split_once(":=") {
            (
                k,
                serde_json::from_str(v).with_context(|| format!("field {k}: not JSON"))?,
            )
        } else if let Some((k, v)) = field.split_once('=') {
            (k, Value::String(v.to_owned()))
        } else {
            anyhow::bail!("field `{field}` must be key=text or key:=json");
        };
        body[key] = value;
    }
    Ok(body)
}

fn mutation_headers(m: &Mutation) -> Vec<(String, String)> {
    let mut h = Vec::new();
    if let Some(k) = &m.key {
        h.push(("Idempotency-Key".to_owned(), k.clone()));
    }
    if let Some(n) = m.if_match {
        h.push(("If-Match".to_owned(), format!("\"{n}\"")));
    }
    h
}

pub(crate) fn finish(conn: &Conn, answer: &Answer, human: impl FnOnce(&Value)) -> ExitCode {
    if !(200..300).contains(&answer.status) {
        report_problem(answer);
    } else if conn.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&answer.body).unwrap_or_default()
        );
    } else {
        human(&answer.body);
    }
    exit_for(answer)
}

/// `ombud case --help`'s list of the case commands, from the command registry.
pub fn commands_help() -> String {
    let mut text = String::from(
        "Case commands (ombud case <command> <case> [-f key=text | -f key:=json]... [--body \
         JSON|@FILE] [--key IDEMPOTENCY-KEY] [--if-match N]; `ombud case <command> --help` \
         lists its fields):\n",
    );
    for spec in &ombud_service::input::COMMANDS[1..] {
        text.push_str(&format!("  {:<22} {}\n", spec.route, spec.summary));
    }
    text.push_str(
        "\nExit codes: 0 ok, 3 refused or invalid, 4 conflict, 5 not found, 6 unavailable or \
         unreachable, 7 not authenticated or permitted, 1 other.",
    );
    text
}

/// The fields of a command's body, from its JSON Schema: name, whether required, its type
/// (or the values it takes) and what it means.
pub fn fields_help(spec: &ombud_service::input::CommandSpec) -> String {
    let schema = (spec.schema)();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let mut text = String::new();
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            let kind = describe(&schema, property);
            let need = if required.contains(&name.as_str()) {
                "required"
            } else {
                "optional"
            };
            let what = property["description"]
                .as_str()
                .unwrap_or("")
                .replace('\n', " ");
            text.push_str(&format!("  {name:<20} {need:<8} {kind}\n"));
            if !what.is_empty() {
                text.push_str(&format!("  {:<29} {what}\n", ""));
            }
        }
    }
    text
}

/// A property's type as a person reads it: `text`, `a list of text`, or the values it takes.
fn describe(schema: &Value, property: &Value) -> String {
    let resolved = |p: &Value| -> Value {
        match p["$ref"].as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
            Some(name) => schema["$defs"][name].clone(),
            None => p.clone(),
        }
    };
    let mut p = resolved(property);
    // Option<T>: `anyOf: [T, null]`, or `type: [T, "null"]`.
    if let Some(first) = p["anyOf"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["type"] != "null"))
    {
        p = resolved(first);
    }
    let values: Vec<String> = match (p["enum"].as_array(), p["oneOf"].as_array()) {
        (Some(e), _) => e
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        (_, Some(o)) => o
            .iter()
            .filter_map(|v| {
                v["const"]
                    .as_str()
                    .or_else(|| v["enum"][0].as_str())
                    .map(str::to_owned)
            })
            .collect(),
        _ => Vec::new(),
    };
    if !values.is_empty() {
        return format!("one of: {}", values.join(", "));
    }
    let kind = match &p["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or_default(),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("string") => "text".into(),
        Some("boolean") => "true or false (-f key:=true)".into(),
        Some("integer") | Some("number") => "a number (-f key:=3)".into(),
        Some("array") => "a list (-f 'key:=[\"…\"]')".into(),
        Some("object") => "an object (--body, or -f 'key:={…}')".into(),
        _ => "JSON".into(),
    }
}

/// `ombud case <command> --help`: usage, what it does, its fields and an example.
fn command_help(spec: &ombud_service::input::CommandSpec) -> String {
    let route = spec.route;
    let mut example = format!("ombud case {route} <case>");
    if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(spec.example) {
        for (k, v) in fields {
            match v {
                Value::String(t) if !t.contains('\'') => {
                    example.push_str(&format!(" -f '{k}={t}'"))
                }
                other => example.push_str(&format!(" -f '{k}:={other}'")),
            }
        }
    }
    format!(
        "{summary}\n\nUsage: ombud case {route} <case> [-f key=text | -f key:=json]... \
         [--body JSON|@FILE] [--key IDEMPOTENCY-KEY] [--if-match N]\n\n\
         Fields of the body (POST /v1/cases/<case>/{route}):\n{fields}\n\
         Example:\n  {example}\n",
        summary = spec.summary,
        fields = fields_help(spec),
    )
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// `ombud case …`.
pub fn case(args: CaseArgs, top: &TopConn) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let conn = &args.conn.clone().under(top);
        match args.action {
            CaseAction::Report(m) => {
                let a = request(conn, "POST", "/v1/cases", &mutation_headers(&m), Some(&build_body(&m)?)).await?;
                Ok(finish(conn, &a, |b| {
                    println!("reported case {} ({}) at sequence {}", b["case_id"].as_str().unwrap_or("?"), b["reference"].as_str().unwrap_or("?"), b["seq"]);
                    if b["replayed"] == true {
                        println!("(a retry of an earlier report with this key: its first answer; nothing new was recorded)");
                    }
                }))
            }
            CaseAction::Command(words) => {
                let (command, rest) = words.split_first().context("a command name")?;
                let Some(spec) = ombud_service::input::command(command).filter(|c| c.route != "report") else {
                    anyhow::bail!("no case command `{command}` (known: {}; `ombud case --help` lists them)", ombud_service::input::ROUTES.join(", "));
                };

                let mut case = None;
                let mut m = Mutation { body: None, fields: Vec::new(), key: None, if_match: None };
                // The connection options may follow the command's words too (after wins).
                let mut conn = conn.clone();
                let mut it = rest.iter();
                while let Some(word) = it.next() {
                    let mut value = || it.next().cloned().with_context(|| format!("{word} needs a value"));
                    match word.as_str() {
                        "-f" | "--field" => m.fields.push(value()?),
                        "--body" => m.body = Some(value()?),
                        "--key" => m.key = Some(value()?),
                        "--if-match" => m.if_match = Some(value()?.parse().context("--if-match takes a number")?),
                        "--server" => conn.server = Some(value()?),
                        "--token" => conn.token = Some(value()?),
                        "--timeout" => conn.timeout = Some(value()?.parse().context("--timeout takes seconds")?),
                        "--json" => conn.json = true,
                        // In flag position only (a value `-h` of another option stays a value).
                        "--help" | "-h" => {
                            print!("{}", command_help(spec));
                            return Ok(ExitCode::SUCCESS);
                        }
                        w if case.is_none() && !w.starts_with('-') => case = Some(w.to_owned()),
                        w => anyhow::bail!("unexpected `{w}` (usage: ombud case {command} <case> [-f key=value]... [--body JSON|@FILE] [--key K] [--if-match N]; `ombud case {command} --help`)"),
                    }
                }
                let case = case.with_context(|| format!("usage: ombud case {command} <case> [-f key=value]..."))?;
                let path = format!("/v1/cases/{case}/{command}");
                let a = request(&conn, "POST", &path, &mutation_headers(&m), Some(&build_body(&m)?)).await?;
                Ok(finish(&conn, &a, |b| {
                    println!("{command}: recorded at sequence {} (case position {})", b["seq"], b["case_seq"]);
                    if b["replayed"] == true {
                        println!("(a retry of an earlier command with this key: its first answer; nothing new was recorded)");
                    }
                }))
            }
            CaseAction::Show { case } => {
                let a = request(conn, "GET", &format!("/v1/cases/{case}"), &[], None).await?;
                Ok(finish(conn, &a, |f| {
                    println!("{}  {}", f["reference"].as_str().unwrap_or("?"), f["case_id"].as_str().unwrap_or("?"));
                    println!("status     {}", f["state"]["status"].as_str().unwrap_or("?"));
                    println!("office     {}", f["office"].as_str().unwrap_or("?"));
                    println!("respondent {}", f["respondent"]["agency_name"].as_str().unwrap_or("?"));
                    println!("assignee   {}", f["state"]["assignee"].as_str().unwrap_or("-"));
                    if let Some(reporter) = f["reporter"].as_object() {
                        let confidential = if reporter["confidential"] == true { " (confidential)" } else { "" };
                        println!("reporter   {}{confidential}", shown(&reporter["identity"]));
                    }
                    println!("summary    {}", shown(&f["summary"]));
                    println!("timeline:");
                    for e in f["timeline"].as_array().into_iter().flatten() {
                        let text = if e["text"].is_null() { String::new() } else { shown(&e["text"]) };
                        println!("  {:>4}  {}  {:<24} {:<16} {text}", e["case_seq"], e["at"].as_str().unwrap_or(""), e["event_type"].as_str().unwrap_or(""), e["actor"].as_str().unwrap_or(""));
                    }
                }))
            }
            CaseAction::List { status, agency, assignee, overdue, agenda, pending_receipt, order, limit } => {
                let mut q = vec![format!("limit={limit}")];
                if pending_receipt {
                    q.push("pending_receipt=true".into());
                }
                for (k, v) in [("status", status), ("agency", agency), ("assignee", assignee), ("agenda", agenda), ("order", order)] {
                    if let Some(v) = v {
                        q.push(format!("{k}={v}"));
                    }
                }
                if overdue {
                    q.push("overdue=true".into());
                }
                let a = request(conn, "GET", &format!("/v1/cases?{}", q.join("&")), &[], None).await?;
                Ok(finish(conn, &a, |page| print_cases(page["items"].as_array())))
            }
            CaseAction::Queue => {
                let a = request(conn, "GET", "/v1/queue", &[], None).await?;
                Ok(finish(conn, &a, |items| print_cases(items.as_array())))
            }
            CaseAction::Deadlines { office, unit, assignee, within, overdue, proposed } => {
                let mut q = vec![format!("within_days={within}")];
                for (k, v) in [("office", office), ("unit", unit), ("assignee", assignee)] {
                    if let Some(v) = v {
                        q.push(format!("{k}={v}"));
                    }
                }
                if overdue {
                    q.push("overdue=true".into());
                }
                if proposed {
                    q.push("proposed=true".into());
                }
                let a = request(conn, "GET", &format!("/v1/deadlines?{}", q.join("&")), &[], None).await?;
                Ok(finish(conn, &a, |items| print_deadlines(items.as_array())))
            }
        }
    })
}

/// The deadline board as a table: due date, days left, clock, case, assignee, proposal.
fn print_deadlines(items: Option<&Vec<Value>>) {
    let items = items.map(Vec::as_slice).unwrap_or_default();
    if items.is_empty() {
        println!("no clocks due in that window");
        return;
    }
    println!(
        "{:<10}  {:>5}  {:<24} {:<28} {:<16} proposal",
        "due", "days", "clock", "reference", "assignee"
    );
    for item in items {
        let deadline = &item["deadline"];
        let proposal = match item["proposal"].as_object() {
            Some(p) => format!(
                "{} (#{}; `{}` carries it out, `dismiss-proposal` dismisses it)",
                p.get("action").and_then(Value::as_str).unwrap_or(""),
                p.get("seq").map(Value::to_string).unwrap_or_default(),
                p.get("command").and_then(Value::as_str).unwrap_or(""),
            ),
            None => String::new(),
        };
        println!(
            "{:<10}  {:>5}  {:<24} {:<28} {:<16} {proposal}",
            deadline["due_on"].as_str().unwrap_or(""),
            item["days_left"],
            deadline["clock"].as_str().unwrap_or(""),
            item["reference"].as_str().unwrap_or(""),
            item["assignee"].as_str().unwrap_or("-"),
        );
    }
}

/// A disclosed field for people: the text, the identity's parts, or why it is not shown.
fn shown(value: &Value) -> String {
    if let Some(text) = value.as_str() {
        return text.to_owned();
    }
    if value["erased"] == true {
        return format!(
            "[erased {} on request {}]",
            value["at"].as_str().unwrap_or(""),
            value["request_ref"].as_str().unwrap_or("?")
        );
    }
    if let Some(why) = value["redacted"].as_str() {
        return format!("[redacted: {why}]");
    }
    match value.as_object() {
        Some(parts) => parts
            .iter()
            .filter(|(k, _)| *k != "confidential")
            .map(|(k, v)| {
                format!(
                    "{k}: {}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        None => value.to_string(),
    }
}

fn print_cases(items: Option<&Vec<Value>>) {
    println!(
        "{:<28} {:<20} {:<32} {:<12} ASSIGNEE",
        "REFERENCE", "STATUS", "AGENCY", "NEXT DUE"
    );
    for s in items.into_iter().flatten() {
        println!(
            "{:<28} {:<20} {:<32} {:<12} {}",
            s["reference"].as_str().unwrap_or("?"),
            s["status"].as_str().unwrap_or("?"),
            s["agency"].as_str().unwrap_or("?"),
            s["next_due"].as_str().unwrap_or("-"),
            s["assignee"].as_str().unwrap_or("-"),
        );
    }
}

/// `ombud audit`.
pub fn audit(args: AuditArgs, top: &TopConn) -> anyhow::Result<ExitCode> {
    let conn = args.conn.clone().under(top);
    if let Some(action) = args.action {
        return crate::bundle::run(action, &conn);
    }
    let case = args.case.clone().unwrap_or_default();
    runtime()?.block_on(async {
        let conn = &conn;
        if args.verify {
            let a = request(conn, "GET", &format!("/v1/cases/{case}/verify"), &[], None).await?;
            let intact = a.body["verified"].as_bool() == Some(true);
            let code = finish(conn, &a, |v| {
                if intact {
                    println!(
                        "verified: {} events, head {} at sequence {}",
                        v["report"]["events"],
                        v["report"]["head_hash"].as_str().unwrap_or("?"),
                        v["report"]["head_seq"]
                    );
                    print_foreign(&v["report"]["foreign_messages"]);
                } else {
                    println!(
                        "BROKEN at sequence {}: {}",
                        v["broken_at_seq"],
                        v["why"].as_str().unwrap_or("?")
                    );
                }
            });
            return Ok(if a.status == 200 && !intact {
                ExitCode::from(8)
            } else {
                code
            });
        }
        let path = match &args.as_of {
            Some(at) => format!("/v1/cases/{case}/events?as_of={at}"),
            None => format!("/v1/cases/{case}/events"),
        };
        let a = request(conn, "GET", &path, &[], None).await?;
        Ok(finish(conn, &a, |t| {
            for e in t["events"].as_array().into_iter().flatten() {
                let ev = &e["event"];
                println!(
                    "{:>6}  {:>3}  {}  {:<36} {}",
                    e["seq"],
                    ev["caseseq"],
                    ev["time"].as_str().unwrap_or(""),
                    ev["type"].as_str().unwrap_or(""),
                    &e["hash"].as_str().unwrap_or("")
                        [..16.min(e["hash"].as_str().unwrap_or("").len())]
                );
            }
            print_foreign(&t["foreign_messages"]);
        }))
    })
}

/// `ombud dpo`.
pub fn dpo(args: DpoArgs, top: &TopConn) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let conn = &args.conn.clone().under(top);
        match args.action {
            DpoAction::AccessLog {
                case,
                actor,
                from,
                to,
                limit,
            } => {
                let mut q = vec![format!("limit={limit}")];
                for (k, v) in [("case", case), ("actor", actor), ("from", from), ("to", to)] {
                    if let Some(v) = v {
                        q.push(format!("{k}={v}"));
                    }
                }
                let a = request(
                    conn,
                    "GET",
                    &format!("/v1/access-log?{}", q.join("&")),
                    &[],
                    None,
                )
                .await?;
                Ok(finish(conn, &a, |b| {
                    println!(
                        "{:>6}  {:<27} {:<16} {:<12} {:<36} {:<18} ROUTE",
                        "SEQ", "AT", "ACTOR", "ROLE", "CASE", "FIELD"
                    );
                    for e in b["entries"].as_array().into_iter().flatten() {
                        println!(
                            "{:>6}  {:<27} {:<16} {:<12} {:<36} {:<18} {}",
                            e["seq"],
                            e["at"].as_str().unwrap_or(""),
                            e["actor"].as_str().unwrap_or(""),
                            e["role"].as_str().unwrap_or(""),
                            e["case_id"].as_str().unwrap_or("-"),
                            e["field"].as_str().unwrap_or(""),
                            e["route"].as_str().unwrap_or(""),
                        );
                    }
                }))
            }
            DpoAction::PersonCases => {
                let mut nik = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut nik)
                    .context("reading the NIK from standard input")?;
                let body = json!({ "nik": nik.trim() });
                let a = request(conn, "POST", "/v1/persons/cases", &[], Some(&body)).await?;
                Ok(finish(conn, &a, |b| print_cases(b["cases"].as_array())))
            }
        }
    })
}

/// Lists foreign messages (on the case's subjects, not written by ombud), if any.
fn print_foreign(list: &Value) {
    for f in list.as_array().into_iter().flatten() {
        println!(
            "FOREIGN message at sequence {} (not ombud's, not applied): {}",
            f["seq"],
            f["why"].as_str().unwrap_or("?")
        );
    }
}

/// `ombud status`.
pub fn status(args: StatusArgs, top: &TopConn) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let conn = &args.conn.clone().under(top);
        let a = request(conn, "GET", "/readyz", &[], None).await?;
        let ready = a.status == 200;
        if conn.json {
            println!("{}", serde_json::to_string_pretty(&a.body)?);
        } else {
            println!("ready: {ready}   log head: {}", a.body["log_head"]);
            println!(
                "{:<12} {:>10} {:>8} {:>10} {:>11} {:>8}  STATE",
                "PROJECTOR", "CHECKPOINT", "LAG", "EVENTS/S", "QUARANTINED", "FOREIGN"
            );
            for p in a.body["projectors"].as_array().into_iter().flatten() {
                println!(
                    "{:<12} {:>10} {:>8} {:>10.0} {:>11} {:>8}  {}{}",
                    p["name"].as_str().unwrap_or("?"),
                    p["checkpoint"].as_u64().unwrap_or(0),
                    p["lag"]
                        .as_u64()
                        .map_or_else(|| "?".to_owned(), |l| l.to_string()),
                    p["events_per_sec"].as_f64().unwrap_or(0.0),
                    p["quarantined"].as_u64().unwrap_or(0),
                    p["foreign"].as_u64().unwrap_or(0),
                    p["state"].as_str().unwrap_or("?"),
                    p["last_error"]
                        .as_str()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                );
            }
            let engine = &a.body["deadline_engine"];
            if engine.is_object() {
                let r = &engine["report"];
                println!(
                    "deadline engine: {} passes; last at {}: {} performed, {} proposed, {} \
                     reminders, {} already recorded, {} refused, {} failures",
                    engine["passes"],
                    engine["at"].as_str().unwrap_or("?"),
                    r["performed"],
                    r["proposed"],
                    r["reminders"],
                    r["already_recorded"],
                    r["refused"],
                    r["failures"].as_array().map_or(0, Vec::len)
                );
            } else {
                println!("deadline engine: no pass yet");
            }
        }
        Ok(if ready {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(6)
        })
    })
}
