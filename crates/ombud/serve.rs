//! `ombud serve`: the HTTP API with the projectors, on the embedded log in `--data` by default
//! or on JetStream with `--nats`. Without configured tokens it listens on loopback only and
//! prints one generated token per role. Stops gracefully on SIGINT/SIGTERM: stops accepting,
//! finishes in-flight requests, then lets the projectors flush and checkpoint.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use ombud_domain::{Actor, ActorId, OfficeCode, Role, Rules, WorkingCalendar};
use ombud_envelope::{KeyStore, MasterKey, Vault};
use ombud_eventlog::embedded::{EmbeddedBackend, EmbeddedConfig, SledKeyStore};
use ombud_eventlog::jetstream::{JetStreamBackend, JetStreamConfig, KvKeyStore};
use ombud_eventlog::{Backend, EventLog};
use ombud_http::{router, Api, Tokens, DEFAULT_BODY_LIMIT};
use ombud_service::Service;

/// `ombud serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Data directory: the embedded log (`DIR/log`), read models (`DIR/views`), the local
    /// master key (`DIR/master.key`).
    #[arg(long, value_name = "DIR", default_value = "data", env = "OMBUD_DATA")]
    data: PathBuf,
    /// NATS server URL(s), comma separated: run on JetStream instead of the embedded log.
    #[arg(long, value_name = "URL", env = "OMBUD_NATS")]
    nats: Option<String>,
    /// Address to listen on (loopback only while tokens are generated).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Working-day calendar (holidays).
    #[arg(long, value_name = "FILE", default_value = "config/holidays.toml")]
    holidays: PathBuf,
    /// The office the generated local tokens act for.
    #[arg(long, value_name = "OFFICE", default_value = "jawa-barat")]
    office: String,
    /// Request body limit in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Load the demo data set (Perwakilan Jawa Barat, Kota Tasikmalaya) before serving, when
    /// the log is empty.
    #[arg(long)]
    demo: bool,
    /// Cases in the demo data set.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    demo_cases: usize,
    /// Seed of the demo data set (the same seed gives the same cases).
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    seed: u64,
}

fn master_key(data: &Path) -> anyhow::Result<MasterKey> {
    if let Ok(hex) = std::env::var("OMBUD__SECURITY__MASTER_KEY") {
        return MasterKey::from_hex(hex.trim())
            .context("OMBUD__SECURITY__MASTER_KEY is not a 64-digit hex key");
    }
    let path = data.join("master.key");
    if path.exists() {
        let hex = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return MasterKey::from_hex(hex.trim())
            .with_context(|| format!("{} is not a 64-digit hex key", path.display()));
    }
    let key = MasterKey::generate();
    std::fs::write(&path, key.to_hex()).with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "WARNING: generated a local master key in {} (fine for a laptop, never for production: \
         set OMBUD__SECURITY__MASTER_KEY and keep it out of the data directory)",
        path.display()
    );
    Ok(key)
}

fn rules(holidays: &Path) -> anyhow::Result<Rules> {
    let calendar = match std::fs::read_to_string(holidays) {
        Ok(text) => WorkingCalendar::from_toml(&text)
            .with_context(|| format!("reading the holiday calendar {}", holidays.display()))?,
        Err(_) => {
            eprintln!(
                "WARNING: no holiday calendar at {}: counting weekends only",
                holidays.display()
            );
            WorkingCalendar::weekends_only("weekends-only")
        }
    };
    Ok(Rules {
        calendar,
        ..Rules::default()
    })
}

/// One token per role for local use, printed once.
fn local_tokens(office: &str) -> anyhow::Result<(Tokens, Vec<String>)> {
    let office = OfficeCode::parse(office).context("--office")?;
    let mut tokens = Tokens::default();
    let mut lines = Vec::new();
    for (role, id) in [
        (Role::Intake, "pvl.local"),
        (Role::Investigator, "riksa.local"),
        (Role::Supervisor, "kepala.local"),
        (Role::Chair, "ketua.local"),
        (Role::Auditor, "audit.local"),
        (Role::Dpo, "dpo.local"),
    ] {
        let token = MasterKey::generate().to_hex();
        let token = format!("{}-{}", role.as_str(), &token[..32]);
        tokens.insert(
            &token,
            Actor {
                id: ActorId::parse(id)?,
                role,
                office: office.clone(),
            },
        );
        lines.push(format!("  {:<13} {id:<13} {token}", role.as_str()));
    }
    Ok((tokens, lines))
}

/// Runs the server until SIGINT/SIGTERM.
pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    crate::project::runtime()?.block_on(async {
        std::fs::create_dir_all(&args.data)
            .with_context(|| format!("creating {}", args.data.display()))?;
        let master = master_key(&args.data)?;
        let rules = Arc::new(rules(&args.holidays)?);
        match &args.nats {
            Some(url) => {
                let (backend, setup) = JetStreamBackend::connect(JetStreamConfig::new(url))
                    .await
                    .with_context(|| format!("connecting to NATS at {url}"))?;
                eprintln!("event log: JetStream at {url} ({setup:?})");
                let keys = KvKeyStore::open(&backend)
                    .await
                    .context("opening the key bucket")?;
                run(Arc::new(backend), keys, master, rules, &args).await
            }
            None => {
                let path = args.data.join("log");
                let backend = Arc::new(
                    EmbeddedBackend::open(&EmbeddedConfig::new(&path)).with_context(|| {
                        format!(
                            "opening the embedded log in {} (is another ombud using it?)",
                            path.display()
                        )
                    })?,
                );
                eprintln!("event log: embedded, in {}", path.display());
                let keys = SledKeyStore::open(&backend).context("opening the key store")?;
                run(backend, keys, master, rules, &args).await
            }
        }
    })
}

async fn run<B: Backend + 'static, S: KeyStore + 'static>(
    backend: B,
    keys: S,
    master: MasterKey,
    rules: Arc<Rules>,
    args: &ServeArgs,
) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {} with generated tokens: configured tokens are not supported \
             yet, so ombud serve binds loopback only",
            args.listen
        );
    }
    let log = Arc::new(EventLog::new(backend));
    let views = crate::project::open_views(&args.data.join("views"))?;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let projectors = views.spawn(log.clone(), shutdown);
    let clock = ombud_service::system_clock();
    let vault = Arc::new(Vault::new(master, keys));
    if args.demo {
        let head = log.head().await?;
        if head > 0 {
            eprintln!("demo: the log already holds {head} events; not loading it again");
        } else {
            let loader = Arc::new(Service::new(
                log.clone(),
                vault.clone(),
                rules.clone(),
                views.clone(),
                clock.clone(),
            ));
            let total = args.demo_cases;
            let started = std::time::Instant::now();
            let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let counter = done.clone();
            let report = crate::demo::load(loader, total, args.seed, 16, move |_| {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n % 250 == 0 || n == total {
                    eprintln!("demo: {n}/{total} cases");
                }
            })
            .await?;
            eprintln!(
                "demo: {} cases, {} commands in {:.1} s ({} paths cut short by the domain); by status: {:?}",
                report.cases,
                report.commands,
                started.elapsed().as_secs_f64(),
                report.refused,
                report.by_status
            );
        }
    }
    let service = Service::new(log, vault, rules, views, clock.clone());
    let (tokens, lines) = local_tokens(&args.office)?;
    let api = Arc::new(Api {
        service,
        tokens,
        clock,
        metrics: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    println!("ombud listening on http://{}", listener.local_addr()?);
    println!("tokens for this run (role, actor, bearer token):");
    for line in lines {
        println!("{line}");
    }
    println!(
        "try: curl -H 'Authorization: Bearer <token>' http://{}/v1/cases",
        args.listen
    );
    axum::serve(listener, router(api, args.body_limit))
        .with_graceful_shutdown(crate::project::shutdown_signal())
        .await
        .context("serving HTTP")?;
    eprintln!("stopping: flushing the read models");
    stop.send(true).ok();
    for task in projectors {
        task.await??;
    }
    Ok(())
}
