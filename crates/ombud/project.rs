//! `ombud project` and `ombud rebuild`: the projector service on its own (following the event
//! log into the read models, printing its status) and an offline rebuild with progress. Both
//! run on JetStream (`--nats URL`) or on the embedded log (`--data DIR`, when no server holds
//! it).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use ombud_envelope::KeyStore;
use ombud_eventlog::{AnyBackend, Backend, EventLog, PersonIndex, Store};
use ombud_projection::{ErasureHook, ProjectionConfig, ReadModels};
use tokio::sync::watch;

/// Where the log and the read models are: flags first, then the configuration `ombud serve`
/// reads (defaults, `--config FILE`, `OMBUD__` environment), so both find the same log.
#[derive(Debug, Args)]
pub struct Source {
    /// A config file overlaid on the built-in defaults; its `data` and `[nats]` are used.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// NATS server URL(s), comma separated: follow the JetStream log. Default: `nats.url`;
    /// when that is empty too, the embedded log in `--data`.
    #[arg(long, value_name = "URL", env = "OMBUD_NATS")]
    nats: Option<String>,
    /// Data directory: the embedded log in `DIR/log`, read models in `DIR/views`. Default:
    /// the configuration's `data` (`data` unless set).
    #[arg(long, value_name = "DIR", env = "OMBUD_DATA")]
    data: Option<PathBuf>,
    /// Read-model directory (default: `DATA/views`).
    #[arg(long, value_name = "DIR")]
    views: Option<PathBuf>,
}

/// A [`Source`] with the configuration applied.
struct Resolved {
    nats: Option<String>,
    nats_config: ombud_app::config::NatsConfig,
    security: ombud_app::config::SecurityConfig,
    data: PathBuf,
    views: PathBuf,
}

impl Source {
    fn resolve(self) -> anyhow::Result<Resolved> {
        let config = ombud_app::config::load(self.config.as_deref())?;
        let data = self.data.unwrap_or(config.data);
        Ok(Resolved {
            nats: self.nats.or_else(|| config.nats.configured_url()),
            nats_config: config.nats,
            security: config.security,
            views: self.views.unwrap_or_else(|| data.join("views")),
            data,
        })
    }
}

/// `ombud project` options.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    #[command(flatten)]
    source: Source,
    /// Print every projector's status as one JSON line this often (seconds; 0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    status_every: f64,
}

/// `ombud rebuild` options.
#[derive(Debug, Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    source: Source,
    /// Only this projector (`cases` or `statistics`); default: all.
    #[arg(long, value_name = "NAME")]
    projector: Option<String>,
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The log of `source` with the stores beside it.
async fn open(source: &Resolved) -> anyhow::Result<(Arc<EventLog<AnyBackend>>, Store)> {
    let store = ombud_app::open_store(ombud_app::location(
        source.nats.as_deref(),
        &source.nats_config,
        &source.data,
    ))
    .await?;
    let log = ombud_app::event_log(store.backend.clone(), &source.security, &source.data).await?;
    Ok((log, store))
}

/// Runs the projectors until SIGINT/SIGTERM.
pub fn project(args: ProjectArgs) -> anyhow::Result<()> {
    let source = args.source.resolve()?;
    runtime()?.block_on(async {
        let views = ombud_app::open_views(&source.views, ProjectionConfig::default())?;
        let (log, store) = open(&source).await?;
        let hook = erasure_hook(store.keys, store.persons);
        follow(log, views, hook, args.status_every).await
    })
}

/// What this process does on an erasure: destroy the case's key in the store and drop its
/// person-index entries (it holds no unwrapped keys to forget).
fn erasure_hook<K: KeyStore + 'static>(keys: K, persons: Arc<dyn PersonIndex>) -> ErasureHook {
    let keys = Arc::new(keys);
    Arc::new(move |case, key| {
        let (keys, persons) = (keys.clone(), persons.clone());
        Box::pin(async move {
            keys.destroy(&key).await.map_err(|e| e.to_string())?;
            persons.remove_case(case).await.map_err(|e| e.to_string())
        })
    })
}

async fn follow<B: Backend>(
    log: Arc<EventLog<B>>,
    views: ReadModels,
    hook: ErasureHook,
    status_every: f64,
) -> anyhow::Result<()> {
    let (stop, shutdown) = watch::channel(false);
    let tasks = views.spawn_with(log.clone(), shutdown, Some(hook));
    let every = (status_every > 0.0).then(|| Duration::from_secs_f64(status_every));
    let signal = shutdown_signal();
    tokio::pin!(signal);
    loop {
        let tick = async {
            match every {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = &mut signal => break,
            () = tick => {
                let head = log.head().await.ok();
                println!("{}", serde_json::to_string(&views.status(head))?);
            }
        }
        if tasks.iter().any(|t| t.is_finished()) {
            break; // a projector failed: report it below
        }
    }
    stop.send(true).ok();
    let mut failed = None;
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failed = Some(anyhow::Error::new(e)),
            Err(e) => failed = Some(anyhow::Error::new(e)),
        }
    }
    let head = log.head().await.ok();
    println!("{}", serde_json::to_string(&views.status(head))?);
    match failed {
        Some(e) => Err(e.context("a projector stopped")),
        None => Ok(()),
    }
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Rebuilds the read models from the log, printing progress to stderr.
pub fn rebuild(args: RebuildArgs) -> anyhow::Result<()> {
    let source = args.source.resolve()?;
    runtime()?.block_on(async {
        let views = ombud_app::open_views(&source.views, ProjectionConfig::default())?;
        // A rebuild reads the log and nothing beside it.
        let (backend, description) = AnyBackend::open(ombud_app::location(
            source.nats.as_deref(),
            &source.nats_config,
            &source.data,
        ))
        .await?;
        eprintln!("event log: {description}");
        let log = ombud_app::event_log(backend, &source.security, &source.data).await?;
        rebuild_from(log, views, args.projector).await
    })
}

async fn rebuild_from<B: Backend>(
    log: Arc<EventLog<B>>,
    views: ReadModels,
    projector: Option<String>,
) -> anyhow::Result<()> {
    let progress = {
        let views = views.clone();
        tokio::spawn(async move {
            let mut bar: Option<crate::progress::Progress> = None;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let (done, target) = views
                    .status(None)
                    .iter()
                    .filter_map(|s| s.rebuild.as_ref())
                    .fold((0, 0), |(d, t), r| (d + r.done, t + r.target));
                if target > 0 {
                    bar.get_or_insert_with(|| {
                        crate::progress::Progress::new("rebuild (events, all projectors)", target)
                    })
                    .set(done);
                }
            }
        })
    };
    let reports = views.rebuild(&log, projector.as_deref()).await;
    progress.abort();
    for report in reports.context("rebuilding the read models")? {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(())
}
