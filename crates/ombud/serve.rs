//! `ombud serve`: the HTTP API with the projectors, on the embedded log in `--data` by default
//! or on JetStream with `--nats`. Without configured tokens it listens on loopback only and
//! prints one generated token per role. Stops gracefully on SIGINT/SIGTERM: stops accepting,
//! finishes in-flight requests, then lets the projectors flush and checkpoint.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use ombud_domain::{Actor, ActorId, DeadlinePolicy, OfficeCode, Role, Rules, WorkingCalendar};
use ombud_envelope::{KeyStore, MasterKey, Vault};
use ombud_eventlog::embedded::{
    EmbeddedBackend, EmbeddedConfig, SledAccessLog, SledKeyStore, SledPersonIndex,
};
use ombud_eventlog::jetstream::{JetStreamBackend, KvKeyStore, KvPersonIndex, StreamAccessLog};
use ombud_eventlog::{Backend, EventLog};
use ombud_http::{router, Api, Tokens};
use ombud_service::{Privacy, Service};

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
    /// Cases in the demo data set.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    demo_cases: usize,
    /// Seed of the demo data set (the same seed gives the same cases).
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    seed: u64,
}

/// `ombud demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Cases to load.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    cases: usize,
    /// Seed (the same seed gives the same cases).
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    seed: u64,
}

/// The settings `serve` runs with: configuration, then flags.
struct Settings {
    data: PathBuf,
    nats: Option<String>,
    nats_config: crate::config::NatsConfig,
    deadlines: DeadlinePolicy,
    listen: SocketAddr,
    /// `None`: the built-in calendar.
    holidays: Option<PathBuf>,
    office: String,
    body_limit: usize,
    shutdown_grace: std::time::Duration,
    limits: ombud_http::serve::ServeLimits,
    feed: ombud_http::feed::FeedConfig,
    security: crate::config::SecurityConfig,
    tokens: Vec<crate::config::TokenConfig>,
    demo: bool,
    demo_cases: usize,
    seed: u64,
    /// Load the demo, bring the read models up to date, and stop (`ombud demo`).
    demo_only: bool,
}

fn settings(args: ServeArgs) -> anyhow::Result<Settings> {
    let config = crate::config::load(args.store.config.as_deref())?;
    let listen = match args.listen {
        Some(addr) => addr,
        None => config
            .listen
            .parse()
            .with_context(|| format!("`listen = {:?}` is not an address", config.listen))?,
    };
    // Refuse bad tokens before anything is opened or written.
    configured_tokens(&config.auth.tokens)?;
    Ok(Settings {
        data: args.store.data.unwrap_or(config.data),
        nats: args.store.nats.or_else(|| config.nats.configured_url()),
        nats_config: config.nats.clone(),
        deadlines: config.deadlines.policy()?,
        listen,
        holidays: args
            .store
            .holidays
            .or_else(|| (!config.holidays.as_os_str().is_empty()).then_some(config.holidays)),
        office: args.office.unwrap_or(config.auth.local_office),
        body_limit: args.body_limit.unwrap_or(config.body_limit),
        shutdown_grace: std::time::Duration::from_secs(config.shutdown_grace_secs),
        limits: ombud_http::serve::ServeLimits {
            header_read_timeout: std::time::Duration::from_secs(
                config.header_read_timeout_secs.max(1),
            ),
        },
        feed: config.feed.feed_config()?,
        security: config.security.clone(),
        tokens: config.auth.tokens,
        demo: args.demo,
        demo_cases: args.demo_cases,
        seed: args.seed,
        demo_only: false,
    })
}

fn configured_tokens(list: &[crate::config::TokenConfig]) -> anyhow::Result<Tokens> {
    let mut tokens = Tokens::default();
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for t in list {
        let role: Role = serde_json::from_value(serde_json::Value::String(t.role.clone()))
            .with_context(|| format!("token of {}: unknown role `{}`", t.actor, t.role))?;
        if t.token_sha256.len() != 64 || !t.token_sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            anyhow::bail!("token of {}: token_sha256 must be 64 hex digits", t.actor);
        }
        // The hash of nothing: made from an empty variable, it would let `Bearer ` in.
        const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        if t.token_sha256.eq_ignore_ascii_case(EMPTY) {
            anyhow::bail!(
                "token of {}: token_sha256 is the hash of an empty token (was the variable \
                 empty?)",
                t.actor
            );
        }
        // One token, one actor: a second entry with the same hash would silently replace the
        // first (and who acts would depend on the order of the file).
        if let Some(first) = seen.insert(t.token_sha256.to_ascii_lowercase(), &t.actor) {
            anyhow::bail!(
                "the tokens of {first} and {} have the same token_sha256: every token must be \
                 its own (generate another for one of them)",
                t.actor
            );
        }
        tokens.insert_hash(
            &t.token_sha256,
            Actor {
                id: ActorId::parse(&t.actor)
                    .with_context(|| format!("token actor `{}`", t.actor))?,
                role,
                office: OfficeCode::parse(&t.office)
                    .with_context(|| format!("token of {}: office `{}`", t.actor, t.office))?,
            },
        );
    }
    Ok(tokens)
}

/// The shipped holiday calendar (config/holidays.toml), built into the binary: the default
/// wherever ombud is started.
pub(crate) const BUILT_IN_HOLIDAYS: &str = include_str!("../../config/holidays.toml");

/// The domain's rules with the holiday calendar `holidays` (`None`: the built-in one); a
/// configured file that cannot be read or parsed stops ombud (every working-day clock would
/// change without it).
pub(crate) fn rules(holidays: Option<&Path>, deadlines: DeadlinePolicy) -> anyhow::Result<Rules> {
    let calendar = match holidays {
        None => WorkingCalendar::from_toml(BUILT_IN_HOLIDAYS)
            .context("the built-in holiday calendar")?,
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "reading the holiday calendar {} (`holidays` in the configuration, or \
                     --holidays; leave it empty for the built-in calendar)",
                    path.display()
                )
            })?;
            WorkingCalendar::from_toml(&text)
                .with_context(|| format!("reading the holiday calendar {}", path.display()))?
        }
    };
    Ok(Rules {
        calendar,
        deadlines,
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
    start(settings(args)?)
}

/// `ombud demo`: loads the demo data set into the log (and the read models) without serving.
pub fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let settings = Settings {
        demo_only: true,
        ..settings(ServeArgs {
            store: args.store,
            listen: None,
            office: None,
            body_limit: None,
            demo: true,
            demo_cases: args.cases,
            seed: args.seed,
        })?
    };
    start(settings)
}

fn start(args: Settings) -> anyhow::Result<()> {
    crate::project::runtime()?.block_on(async {
        std::fs::create_dir_all(&args.data)
            .with_context(|| format!("creating {}", args.data.display()))?;
        // Every secret is read (or refused) before the log is opened.
        let marks = crate::secrets::write_keys(&args.security, &args.data)?;
        let master = crate::secrets::master_key(&args.security, &args.data)?;
        let blind_key = crate::secrets::blind_index_key(&args.security, &args.data)?;
        let rules = Arc::new(rules(args.holidays.as_deref(), args.deadlines.clone())?);
        match &args.nats {
            Some(url) => {
                let (backend, setup) = JetStreamBackend::connect(args.nats_config.jetstream(url))
                    .await
                    .with_context(|| {
                        format!(
                            "connecting to NATS at {}",
                            ombud_eventlog::jetstream::redact_url(url)
                        )
                    })?;
                eprintln!(
                    "event log: JetStream at {} ({setup:?})",
                    ombud_eventlog::jetstream::redact_url(url)
                );
                let keys = KvKeyStore::open(&backend)
                    .await
                    .context("opening the key bucket")?;
                let privacy = Privacy {
                    access_log: Arc::new(
                        StreamAccessLog::open(&backend)
                            .await
                            .context("opening the access-log stream")?,
                    ),
                    persons: Arc::new(
                        KvPersonIndex::open(&backend)
                            .await
                            .context("opening the person-index bucket")?,
                    ),
                    blind_key,
                };
                run(
                    Arc::new(backend),
                    keys,
                    master,
                    marks,
                    privacy,
                    rules,
                    &args,
                )
                .await
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
                let privacy = Privacy {
                    access_log: Arc::new(
                        SledAccessLog::open(&backend).context("opening the access log")?,
                    ),
                    persons: Arc::new(
                        SledPersonIndex::open(&backend).context("opening the person index")?,
                    ),
                    blind_key,
                };
                run(backend, keys, master, marks, privacy, rules, &args).await
            }
        }
    })
}

async fn run<B: Backend + 'static, S: KeyStore + 'static>(
    backend: B,
    keys: S,
    master: MasterKey,
    marks: ombud_envelope::WriteKeys,
    privacy: Privacy,
    rules: Arc<Rules>,
    args: &Settings,
) -> anyhow::Result<()> {
    if !args.demo_only && args.tokens.is_empty() && !args.listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {} with generated tokens: configure [[auth.tokens]] to serve \
             beyond loopback",
            args.listen
        );
    }
    let log = Arc::new(
        EventLog::new(backend, marks)
            .accept_unmarked_through(args.security.accept_unmarked_through),
    );
    crate::secrets::warn_if_keys_differ(&log).await;
    let views = crate::project::open_views(&args.data.join("views"))?;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let clock = ombud_service::system_clock();
    let vault = Arc::new(Vault::new(master, keys));
    let service = Service::new(
        log.clone(),
        vault,
        rules,
        views.clone(),
        clock.clone(),
        privacy,
    );
    let projectors = views.spawn_with(log.clone(), shutdown, Some(service.erasure_hook()));
    if args.demo {
        let head = log.head().await?;
        if head > 0 {
            eprintln!("demo: the log already holds {head} events; not loading it again");
        } else {
            load_demo(Arc::new(service.clone()), args.demo_cases, args.seed).await?;
        }
    }
    if args.demo_only {
        let head = log.head().await?;
        views
            .wait_for(head, std::time::Duration::from_secs(600))
            .await
            .context("bringing the read models up to date")?;
        stop.send(true).ok();
        for task in projectors {
            task.await??;
        }
        eprintln!("demo: read models up to date at event {head}");
        return Ok(());
    }
    let (tokens, lines) = if args.tokens.is_empty() {
        local_tokens(&args.office)?
    } else {
        (configured_tokens(&args.tokens)?, Vec::new())
    };
    let api = Arc::new(Api {
        service,
        tokens,
        clock,
        metrics: Default::default(),
        feed: ombud_http::feed::FeedHub::new(args.feed.clone()),
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    println!("ombud listening on http://{}", listener.local_addr()?);
    if lines.is_empty() {
        println!("tokens: {} configured", args.tokens.len());
    } else {
        println!("tokens for this run (role, actor, bearer token):");
        for line in lines {
            println!("{line}");
        }
    }
    println!(
        "try: curl -H 'Authorization: Bearer <token>' http://{}/v1/cases",
        args.listen
    );
    let feeds = api.clone();
    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    let serving = ombud_http::serve::serve(
        listener,
        router(api, args.body_limit),
        args.limits,
        async move {
            crate::project::shutdown_signal().await;
            // Every SSE feed ends now: graceful shutdown waits for open responses.
            feeds.feed.close();
            signalled.send_replace(true);
        },
    );
    let grace = args.shutdown_grace;
    tokio::select! {
        served = serving => served.context("serving HTTP")?,
        () = async {
            let _ = on_signal.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => eprintln!(
            "stopping: requests still open after {} s (shutdown_grace_secs); closing them",
            grace.as_secs()
        ),
    }
    eprintln!("stopping: flushing the read models");
    stop.send(true).ok();
    for task in projectors {
        task.await??;
    }
    Ok(())
}

/// Loads the demo data set through `service`, with a progress bar and a one-line summary.
pub(crate) async fn load_demo<B: Backend + 'static, S: KeyStore + 'static>(
    service: Arc<Service<B, S>>,
    cases: usize,
    seed: u64,
) -> anyhow::Result<crate::demo::DemoReport> {
    let started = std::time::Instant::now();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let bar = crate::progress::Progress::new("demo cases", cases as u64);
    let report = crate::demo::load(service, cases, seed, 16, move |_| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        bar.set(n as u64);
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
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_calendar_is_the_shipped_one_with_its_holidays() {
        let rules = rules(None, DeadlinePolicy::default()).unwrap();
        let christmas = chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        assert!(!rules.calendar.is_working_day(christmas));
        let shipped =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/holidays.toml"))
                .unwrap();
        assert_eq!(BUILT_IN_HOLIDAYS, shipped);
    }
}
