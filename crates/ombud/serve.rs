//! `ombud serve`: the HTTP API with the projectors, on the embedded log in `--data` by default
//! or on JetStream with `--nats`, assembled by [`ombud_app::Application`]. Without configured
//! tokens it listens on loopback only with one local token per role, shown when made and kept
//! (as hashes) in the data directory across restarts. Stops gracefully on SIGINT/SIGTERM: stops accepting,
//! finishes in-flight requests, then lets the projectors flush and checkpoint.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use ombud_app::{AnyService, Application, Settings, TokenReport, TokenSource};

/// Where ombud keeps its data, shared by `serve` and `demo` (each flag overrides the
/// configuration).
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// A config file overlaid on the built-in defaults (see config/default.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory: the embedded log (`DIR/log`), read models (`DIR/views`), the local
    /// master key (`DIR/master.key`). Default: `data`.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// NATS server URL(s), comma separated: run on JetStream instead of the embedded log.
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// Working-day calendar (holidays) to use instead of the built-in one (national holidays
    /// and cuti bersama 2025–2027, the shipped config/holidays.toml). The file must exist.
    #[arg(long, value_name = "FILE")]
    holidays: Option<PathBuf>,
}

/// `ombud serve` options (each flag overrides the configuration).
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on (loopback only while tokens are generated). Default:
    /// 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// The office the generated local tokens act for. Default: jawa-barat.
    #[arg(long, value_name = "OFFICE")]
    office: Option<String>,
    /// Request body limit in bytes. Default: 1 MiB.
    #[arg(long, value_name = "BYTES")]
    body_limit: Option<usize>,
    /// Load the demo data set (Perwakilan Jawa Barat, Kota Tasikmalaya) before serving, when
    /// the log is empty.
    #[arg(long)]
    demo: bool,
    /// Cases in the demo data set (550: about a year of Perwakilan Jawa Barat).
    #[arg(long, value_name = "N", default_value_t = 550)]
    demo_cases: usize,
    /// Seed of the demo data set (the same seed gives the same cases).
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    seed: u64,
    /// Without configured tokens: make new local tokens and show them (the ones kept from an
    /// earlier start stop working).
    #[arg(long)]
    new_local_tokens: bool,
}

/// `ombud demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Cases to load (550: about a year of Perwakilan Jawa Barat).
    #[arg(long, value_name = "N", default_value_t = 550)]
    cases: usize,
    /// Seed (the same seed gives the same cases).
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    seed: u64,
}

/// `ombud engine` options.
#[derive(Debug, Args)]
pub struct EngineArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// One pass now, printed as JSON, then exit (exit 1 when anything failed); without it, the
    /// start-up pass and then each office's daily pass until SIGINT/SIGTERM.
    #[arg(long)]
    once: bool,
}

/// The application's settings: the configuration, then the flags.
fn settings(
    store: StoreArgs,
    listen: Option<SocketAddr>,
    office: Option<String>,
) -> anyhow::Result<Settings> {
    let mut config = ombud_app::config::load(store.config.as_deref())?;
    if let Some(listen) = listen {
        config.listen = listen.to_string(); // a bad configured address is then never read
    }
    let mut settings = Settings::from_config(config)?;
    if let Some(data) = store.data {
        settings.data = data;
    }
    if let Some(nats) = store.nats {
        settings.nats = Some(nats);
    }
    if let Some(holidays) = store.holidays {
        settings.holidays = Some(holidays);
    }
    if let (Some(office), TokenSource::Local { office: local, .. }) = (office, &mut settings.tokens)
    {
        *local = office;
    }
    Ok(settings)
}

/// Runs the server until SIGINT/SIGTERM.
pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = settings(args.store, args.listen, args.office)?;
    if let Some(limit) = args.body_limit {
        settings.body_limit = limit;
    }
    if args.new_local_tokens {
        match &mut settings.tokens {
            TokenSource::Local { renew, .. } => *renew = true,
            _ => anyhow::bail!(
                "--new-local-tokens: this configuration has [[auth.tokens]], so no local tokens \
                 are made"
            ),
        }
    }
    crate::project::runtime()?.block_on(async {
        let app = Application::build(settings).await?;
        let addr = app.local_addr();
        println!("ombud listening on http://{addr}");
        match app.tokens() {
            TokenReport::Configured(n) => println!("tokens: {n} configured"),
            TokenReport::New { file, tokens } => {
                println!(
                    "local tokens (role, actor, bearer token), shown once; kept as hashes in {} \
                     and valid across restarts:",
                    file.display()
                );
                for (role, actor, token) in tokens {
                    println!("  {role:<13} {actor:<13} {token}");
                }
            }
            TokenReport::Kept { file, count } => println!(
                "tokens: the {count} local tokens shown at an earlier start (hashes in {}); \
                 `ombud serve --new-local-tokens` makes new ones and shows them",
                file.display()
            ),
            TokenReport::Given => {}
        }
        if args.demo {
            let head = app.log().head().await?;
            if head > 0 {
                eprintln!("demo: the log already holds {head} events; not loading it again");
            } else {
                app.unavailable_while(
                    "ombud is loading the demo data set; try again in a moment",
                    load_demo(app.service(), args.demo_cases, args.seed),
                )
                .await?;
            }
        }
        println!("open http://{addr}/ in a browser and sign in with a token above");
        println!("try: curl -H 'Authorization: Bearer <token>' http://{addr}/v1/cases");
        app.run_until_stopped(crate::project::shutdown_signal())
            .await
    })
}

/// The settings of a command that opens the log and read models but serves nothing (`demo`,
/// `engine`): a moment's listener on an ephemeral loopback port, and no local tokens (nobody
/// calls it; the first `serve` makes and shows them).
fn serving_nothing(store: StoreArgs) -> anyhow::Result<Settings> {
    let mut settings = settings(store, Some(SocketAddr::from(([127, 0, 0, 1], 0))), None)?;
    settings.tokens = TokenSource::Given(ombud_http::Tokens::default());
    Ok(settings)
}

/// `ombud demo`: loads the demo data set into the log (and the read models) without serving.
pub fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let settings = serving_nothing(args.store)?;
    crate::project::runtime()?.block_on(async {
        let app = Application::build(settings).await?;
        let head = app.log().head().await?;
        if head > 0 {
            eprintln!("demo: the log already holds {head} events; not loading it again");
        } else {
            load_demo(app.service(), args.cases, args.seed).await?;
        }
        let head = app.catch_up(Duration::from_secs(600)).await?;
        app.stop().await?;
        eprintln!("demo: read models up to date at event {head}");
        Ok(())
    })
}

/// `ombud engine`: the deadline engine on its own, beside the log (on JetStream, next to the
/// `ombud serve` processes; on the embedded log, only while no server holds the directory).
pub fn engine(args: EngineArgs) -> anyhow::Result<()> {
    let settings = serving_nothing(args.store)?;
    crate::project::runtime()?.block_on(async {
        let app = Application::build(settings).await?;
        if !args.once {
            eprintln!("deadline engine running (SIGINT/SIGTERM stops it)");
            return app
                .run_engine_until(crate::project::shutdown_signal())
                .await;
        }
        app.catch_up(Duration::from_secs(600)).await?;
        let report = app.engine_pass().await;
        println!("{}", serde_json::to_string(&report)?);
        app.stop().await?;
        if !report.failures.is_empty() {
            anyhow::bail!(
                "the pass left {} failures (the next pass tries again): {}",
                report.failures.len(),
                report.failures.join("; ")
            );
        }
        Ok(())
    })
}

/// Loads the demo data set through `service`, with a progress bar and a one-line summary.
pub(crate) async fn load_demo(
    service: &AnyService,
    cases: usize,
    seed: u64,
) -> anyhow::Result<crate::demo::DemoReport> {
    let started = std::time::Instant::now();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let bar = crate::progress::Progress::new("demo cases", cases as u64);
    let report = crate::demo::load(Arc::new(service.clone()), cases, seed, 16, move |_| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        bar.set(n as u64);
    })
    .await?;
    eprintln!(
        "demo: {} cases, {} commands in {:.1} s ({} refused by the domain); by status: {:?}",
        report.cases,
        report.commands,
        started.elapsed().as_secs_f64(),
        report.refused,
        report.by_status
    );
    for refusal in &report.refusals {
        eprintln!("demo: refused: {refusal}");
    }
    let unreached = report.unreached();
    if unreached.is_empty() {
        eprintln!("demo: every command, closure ground and intake track reached");
    } else {
        eprintln!("demo: not reached: {}", unreached.join(", "));
    }
    Ok(report)
}
