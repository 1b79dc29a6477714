//! `ombud`: the command-line entry point. Parses arguments and hands each subcommand to the
//! library crates; errors are reported here, with context, and turned into exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// mimalloc: glibc's malloc took about a fifth of the projectors' CPU time and fragmented
/// (measured in the projection bench: 1.5 GiB peak RSS against 0.9 GiB with mimalloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "bench")]
mod bench;
mod bundle;
mod client;
mod demo;
mod demo_data;
#[cfg(feature = "bench")]
mod engine_bench;
#[cfg(feature = "bench")]
mod feed_bench;
#[cfg(feature = "bench")]
mod http_floor;
mod progress;
mod project;
mod serve;
mod witness;

/// ombud: an event-sourced case manager for Ombudsman offices.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    long_about = None,
    after_help = "Diagnostics (a stream repaired, a projector stopped, a stalled flush, the log \
                  feed retrying) go to stderr; OMBUD_LOG sets how much: error, warn (default), \
                  info, debug, trace or off."
)]
struct Cli {
    #[command(flatten)]
    conn: client::TopConn,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print or write the JSON Schemas of the event envelope and of every event's data.
    ///
    /// Example: `ombud schemas --out ./schemas` writes envelope.json and v1/<event_type>.json.
    Schemas {
        /// Directory to write the schema files into (default: print one JSON object to stdout).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print the reference data: forms of maladministration and every closed vocabulary
    /// (statuses, roles, event types, clocks, channels, tracks, closure reasons and grounds,
    /// findings...), each code with its Indonesian and English label.
    Taxonomy,
    /// Run ombud: the HTTP API and the projectors, on the embedded log in `--data` (default
    /// `./data`) or on NATS JetStream with `--nats URL`. Prints where it listens and, at the
    /// first start without configured tokens, one bearer token per role (kept valid across
    /// restarts; `--new-local-tokens` for new ones).
    ///
    /// Example: `ombud serve` or `ombud serve --nats nats://127.0.0.1:4222`
    Serve(serve::ServeArgs),
    /// Load the demo data set (a year of Ombudsman RI Perwakilan Jawa Barat, January to
    /// November 2026: reports, consultations, rapid responses, carbon copies and
    /// own-initiative investigations against agencies across Jawa Barat, through every path of
    /// the procedure) into the log and the read models, without serving. Nothing is loaded when the
    /// log already holds events. `ombud serve --demo` does the same, then serves.
    ///
    /// The cases go through the service layer command by command (validation, decision,
    /// sealing, idempotency, hash chain), each at its own date in the past; the HTTP API
    /// stamps every command with the server's clock and takes no client time, so back-dated
    /// cases cannot be loaded through it.
    ///
    /// Example: `ombud demo --data ./data --cases 500 --seed 7`
    Demo(serve::DemoArgs),
    /// The deadline engine on its own (it also runs inside `ombud serve`): closes cases whose
    /// completion clock ran out, proposes what a person decides for the other clocks, and sends
    /// reminders, exactly once per clock and due date however many engines run
    /// (docs/deadlines.md). On JetStream beside the servers; on the embedded log only while no
    /// server holds the data directory.
    ///
    /// Example: `ombud engine --nats nats://127.0.0.1:4222 --once`
    Engine(serve::EngineArgs),
    /// Work on cases through a running server (`--server`, `--token` or OMBUD_SERVER,
    /// OMBUD_TOKEN): report, any command, show, list, queue.
    ///
    /// Example: `ombud case accept <case> -f unit=riksa-1 -f assignee=riksa.siti`
    Case(client::CaseArgs),
    /// An auditor's view of a case through a running server: its trail (`--as-of SEQ|TIME`) or
    /// `--verify` (exit 8 when the chain is broken); `export` writes its evidence bundle and
    /// `verify-bundle` checks one offline (exit 8 naming the file at fault).
    ///
    /// Example: `ombud audit <case> --verify`, `ombud audit export <case> --out DIR`,
    /// `ombud audit verify-bundle DIR --policy FILE`
    Audit(client::AuditArgs),
    /// Readiness and projector status of a running server.
    Status(client::StatusArgs),
    /// The data protection officer's tools, through a running server (DPO token):
    /// `access-log` (who opened a confidential reporter's identity) and `person-cases` (a
    /// person's cases by NIK, through the blind index; the lookup is logged). Erasure itself
    /// is a case command: `request-erasure`, then the head of office's `approve-erasure` (or
    /// `refuse-erasure`), then `erase-personal-data` (on a closed case directly).
    ///
    /// Example: `ombud dpo access-log --case <case>` or `echo 3278010101800001 | ombud dpo person-cases`
    Dpo(client::DpoArgs),
    /// Print the argon2id hash of a password read from standard input (its first line), for
    /// `password_argon2id` of a `[[auth.users]]` entry (the web interface's password sign-in).
    ///
    /// Example: `read -rs PW; printf '%s\n' "$PW" | ombud hash-password`
    HashPassword,
    /// The transparency log: `ombud log vkey [--config FILE] [--data DIR]` prints the verifier
    /// key of the log key that signs checkpoints (what an auditor or a witness trusts; also
    /// served at `GET /v1/log/vkey`).
    Log {
        #[command(subcommand)]
        action: LogAction,
    },
    /// Run a witness of transparency logs (C2SP tlog-witness), for an independent body to
    /// run beside an office: it cosigns each checkpoint consistent with the last it cosigned
    /// and refuses forks and rollbacks. Prints its verifier key (for `[[log.witnesses]]`).
    ///
    /// Example: `ombud witness --data ./witness --name witness.dprd.example --log "$(ombud log vkey)"`
    Witness(witness::WitnessArgs),
    /// Configuration: `ombud config show [--config FILE]` prints the effective configuration
    /// (defaults, file, OMBUD__ environment), secrets redacted.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Run the projectors on their own: follow the event log into the read models (case
    /// files, index, work queues, deadline board, agency dossiers, office statistics) until
    /// SIGINT/SIGTERM, printing their status as JSON lines.
    ///
    /// Example: `ombud project --nats nats://127.0.0.1:4222 --views ./data/views`
    Project(project::ProjectArgs),
    /// Rebuild the read models from the event log into fresh trees and swap them in,
    /// printing progress (events/s, ETA) to stderr and a JSON report per projector.
    ///
    /// Example: `ombud rebuild --nats nats://127.0.0.1:4222 --projector cases`
    Rebuild(project::RebuildArgs),
    /// Benchmarks, each beside the raw floor measured in the same run: `ombud bench api`
    /// (HTTP commands and queries over the demo data) and `ombud bench eventlog` (the event
    /// log; with `--projection N`, the projectors and a rebuild).
    ///
    /// Example: `ombud bench api` (build with `--release --features bench`; the default
    /// build leaves the benchmarks out)
    #[cfg(feature = "bench")]
    Bench(bench::BenchArgs),
}

#[derive(Debug, Subcommand)]
enum ConfigAction {
    /// Print the effective configuration, secrets redacted.
    Show {
        /// A config file overlaid on the built-in defaults.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum LogAction {
    /// Print the log's verifier key (`<origin>+<key id>+<base64 key>`).
    Vkey {
        /// A config file overlaid on the built-in defaults.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The data directory (where a generated log key is kept); default from the config.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = parse_cli();
    if let Err(error) = init_diagnostics() {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    let top = &cli.conn;
    let client_command = matches!(
        cli.command,
        Command::Case(_) | Command::Audit(_) | Command::Status(_) | Command::Dpo(_)
    );
    if !client_command && !top.given().is_empty() {
        eprintln!(
            "error: {} belong to the client commands (case, audit, status, dpo), not to this \
             one; `ombud serve` takes its tokens from [[auth.tokens]] (see ombud config show)",
            top.given().join(", ")
        );
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Case(args) => client::case(args, top),
        Command::Audit(args) => client::audit(args, top),
        Command::Status(args) => client::status(args, top),
        Command::Dpo(args) => client::dpo(args, top),
        other => run(other).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(error)
            if error.downcast_ref::<client::Unreachable>().is_some()
                || error.downcast_ref::<client::NoAnswer>().is_some() =>
        {
            eprintln!("error: {error:#}");
            ExitCode::from(6)
        }
        // `ombud taxonomy | head` closes the pipe early: that is not a failure.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Sends the library crates' diagnostics (`tracing` events) to stderr at the level `OMBUD_LOG`
/// names (default `warn`).
fn init_diagnostics() -> anyhow::Result<()> {
    use tracing_subscriber::filter::LevelFilter;
    let level = match std::env::var("OMBUD_LOG") {
        Ok(text) => text.trim().parse::<LevelFilter>().map_err(|_| {
            anyhow::anyhow!("OMBUD_LOG={text:?}: expected error, warn, info, debug, trace or off")
        })?,
        Err(_) => LevelFilter::WARN,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    Ok(())
}

/// The command line, with the help of `ombud case` generated from the command registry (the
/// commands and what each does; `ombud case report --help` lists the report's fields).
fn parse_cli() -> Cli {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let report = ombud_service::input::command("report").map(client::fields_help);
    let command = Cli::command().mut_subcommand("case", |case| {
        let case = case.after_help(client::commands_help());
        match report {
            Some(fields) => case.mut_subcommand("report", |r| {
                r.after_help(format!("Fields of the body (POST /v1/cases):\n{fields}"))
            }),
            None => case,
        }
    });
    let mut command = command;
    let matches = command.get_matches_mut();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut command).exit())
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Schemas { out: Some(dir) } => {
            for (path, text) in ombud_envelope::schema::schema_files() {
                let file = dir.join(&path);
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
                std::fs::write(&file, text)
                    .with_context(|| format!("writing {}", file.display()))?;
                println!("{}", file.display());
            }
            Ok(())
        }
        Command::Schemas { out: None } => {
            let mut all = serde_json::Map::new();
            for (path, text) in ombud_envelope::schema::schema_files() {
                let value: serde_json::Value = serde_json::from_str(&text)?;
                all.insert(path, value);
            }
            println!("{}", serde_json::to_string_pretty(&all)?);
            Ok(())
        }
        Command::Serve(args) => serve::serve(args),
        Command::Demo(args) => serve::demo(args),
        Command::Engine(args) => serve::engine(args),
        Command::HashPassword => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let password = line.trim_end_matches(['\r', '\n']);
            anyhow::ensure!(!password.is_empty(), "no password on standard input");
            println!(
                "{}",
                ombud_http::web::session::hash_password(password).map_err(anyhow::Error::msg)?
            );
            Ok(())
        }
        Command::Log {
            action: LogAction::Vkey { config, data },
        } => {
            let config = ombud_app::config::load(config.as_deref())?;
            let data = data.unwrap_or_else(|| config.data.clone());
            let signer = ombud_app::secrets::log_signer(&config.log, &data)?;
            println!("{}", signer.verifier().vkey());
            Ok(())
        }
        Command::Config {
            action: ConfigAction::Show { config },
        } => {
            print!(
                "{}",
                ombud_app::config::load(config.as_deref())?.redacted()?
            );
            Ok(())
        }
        Command::Witness(args) => witness::run(args),
        Command::Project(args) => project::project(args),
        Command::Rebuild(args) => project::rebuild(args),
        #[cfg(feature = "bench")]
        Command::Bench(args) => bench::bench(args),
        Command::Case(_) | Command::Audit(_) | Command::Status(_) | Command::Dpo(_) => {
            unreachable!("client commands are run in main")
        }
        Command::Taxonomy => {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let taxonomy = ombud_domain::Taxonomy::v1();
            writeln!(out, "forms (taxonomy {}):", taxonomy.version)?;
            for form in &taxonomy.forms {
                writeln!(
                    out,
                    "  {:<36} {} ({})",
                    form.code, form.label_id, form.label_en
                )?;
            }
            for vocabulary in ombud_domain::labels::vocabularies() {
                writeln!(out, "{}:", vocabulary.name)?;
                for l in vocabulary.values {
                    writeln!(out, "  {:<36} {} ({})", l.code, l.label_id, l.label_en)?;
                }
            }
            Ok(())
        }
    }
}
