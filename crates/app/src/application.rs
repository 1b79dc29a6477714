//! [`Application`]: ombud assembled from its [`Settings`], in one place. `ombud serve`,
//! `ombud demo`, the benchmarks and the tests all build it here: the secrets are read (or
//! refused) first, then the log is opened on its backend with the stores beside it, the read
//! models and their projectors started, the tokens issued and the listener bound.
//! [`Application::run_until_stopped`] serves until a shutdown signal, ends every SSE feed,
//! waits for open requests at most the configured grace, then lets the projectors flush.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use ombud_domain::{DeadlinePolicy, Rules, WorkingCalendar};
use ombud_envelope::Vault;
use ombud_eventlog::embedded::EmbeddedConfig;
use ombud_eventlog::{AnyBackend, AnyKeyStore, EventLog, Location, Store};
use ombud_http::feed::{FeedConfig, FeedHub};
use ombud_http::serve::ServeLimits;
use ombud_http::{Api, BodyLimits};
use ombud_projection::{ProjectionConfig, ProjectionError, ReadModels};
use ombud_service::{Clock, Privacy, Service};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, NatsConfig, SecurityConfig};
use crate::tokens::{TokenReport, TokenSource};

/// The service on whichever backend the settings chose.
pub type AnyService = Service<AnyBackend, AnyKeyStore>;

/// The shipped holiday calendar (config/holidays.toml), built into the binary: the default
/// wherever ombud is started.
pub const BUILT_IN_HOLIDAYS: &str = include_str!("../../../config/holidays.toml");

/// What the application runs with: the configuration, then whatever a command-line flag or a
/// test changed.
#[derive(Clone)]
pub struct Settings {
    /// The data directory (embedded log, read models, local keys and tokens).
    pub data: PathBuf,
    /// NATS server URL(s); `None`: the embedded log in `data/log`.
    pub nats: Option<String>,
    /// `[nats]`.
    pub nats_config: NatsConfig,
    /// `[security]`.
    pub security: SecurityConfig,
    /// How long each clock runs.
    pub deadlines: DeadlinePolicy,
    /// A holiday calendar file; `None`: the built-in one.
    pub holidays: Option<PathBuf>,
    /// The register of offices (`None`: the built-in one).
    pub offices: Option<PathBuf>,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Request body limit in bytes.
    pub body_limit: usize,
    /// How long a request's body may take to arrive.
    pub body_read_timeout: Duration,
    /// How long open requests may run on after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Per-connection limits.
    pub limits: ServeLimits,
    /// The SSE feed's tuning.
    pub feed: FeedConfig,
    /// Who may call.
    pub tokens: TokenSource,
    /// The projectors' tuning.
    pub projection: ProjectionConfig,
    /// Where "now" comes from.
    pub clock: Clock,
    /// The deadline engine's settings.
    pub engine: ombud_service::deadline_engine::EngineSettings,
    /// Who signs in to the web interface with a password.
    pub users: ombud_http::web::session::Users,
    /// The transparency log's origin and key.
    pub log: crate::config::LogConfig,
}

impl Settings {
    /// The settings of `config`; refuses bad tokens, clocks and feed values before anything
    /// is opened.
    pub fn from_config(config: Config) -> anyhow::Result<Settings> {
        let listen = config
            .listen
            .parse()
            .with_context(|| format!("`listen = {:?}` is not an address", config.listen))?;
        let tokens = if config.auth.tokens.is_empty() {
            TokenSource::Local {
                office: config.auth.local_office.clone(),
                renew: false,
            }
        } else {
            crate::tokens::configured(&config.auth.tokens)?;
            TokenSource::Configured(config.auth.tokens.clone())
        };
        Ok(Settings {
            nats: config.nats.configured_url(),
            nats_config: config.nats.clone(),
            security: config.security.clone(),
            deadlines: config.deadlines.policy()?,
            holidays: (!config.holidays.as_os_str().is_empty()).then(|| config.holidays.clone()),
            offices: (!config.offices.as_os_str().is_empty()).then(|| config.offices.clone()),
            listen,
            body_limit: config.body_limit,
            body_read_timeout: Duration::from_secs(config.body_read_timeout_secs.max(1)),
            shutdown_grace: Duration::from_secs(config.shutdown_grace_secs),
            limits: ServeLimits {
                header_read_timeout: Duration::from_secs(config.header_read_timeout_secs.max(1)),
            },
            feed: config.feed.feed_config()?,
            tokens,
            projection: ProjectionConfig::default(),
            clock: ombud_service::system_clock(),
            engine: config.deadline_engine.settings()?,
            users: crate::tokens::users(&config.auth.users)?,
            log: config.log.clone(),
            data: config.data,
        })
    }

    /// Where the log is.
    pub fn location(&self) -> Location {
        location(self.nats.as_deref(), &self.nats_config, &self.data)
    }
}

/// The log on JetStream at `nats` (with `[nats]`), else the embedded one in `data/log`.
pub fn location(nats: Option<&str>, nats_config: &NatsConfig, data: &Path) -> Location {
    match nats {
        Some(url) => Location::JetStream(Box::new(nats_config.jetstream(url))),
        None => Location::Embedded(EmbeddedConfig::new(data.join("log"))),
    }
}

/// Opens the log at `location` with the stores beside it, saying which log it is on stderr.
pub async fn open_store(location: Location) -> anyhow::Result<Store> {
    let store = Store::open(location).await?;
    eprintln!("event log: {}", store.description);
    Ok(store)
}

/// The log over `backend`, marking and judging with the deployment's write keys (read or
/// refused here), with the start-up check of the newest event's mark.
pub async fn event_log(
    backend: AnyBackend,
    security: &SecurityConfig,
    data: &Path,
) -> anyhow::Result<Arc<EventLog<AnyBackend>>> {
    let marks = crate::secrets::write_keys(security, data)?;
    let log = Arc::new(
        EventLog::new(backend, marks).accept_unmarked_through(security.accept_unmarked_through),
    );
    crate::secrets::warn_if_keys_differ(&log).await;
    Ok(log)
}

/// The transparency log's checkpoints and witnesses, from `[log]`.
fn transparency(
    log: &crate::config::LogConfig,
    signer: Arc<ombud_tlog::Signer>,
    tree: Arc<ombud_projection::Projection<ombud_projection::models::log_tree::LogTreeProjector>>,
    data: &Path,
) -> anyhow::Result<ombud_http::log::Transparency> {
    anyhow::ensure!(
        log.checkpoint_interval.is_finite() && log.checkpoint_interval >= 0.1,
        "[log] checkpoint_interval = {}: give the seconds between checkpoints, at least 0.1",
        log.checkpoint_interval
    );
    let mut witnesses = Vec::new();
    for (i, w) in log.witnesses.iter().enumerate() {
        let key = ombud_tlog::cosignature::CosignatureVerifier::parse(w.vkey.trim())
            .with_context(|| format!("[[log.witnesses]] #{} ({:?}): vkey", i + 1, w.name))?;
        anyhow::ensure!(
            !w.name.is_empty() && !w.name.contains(char::is_whitespace) && w.name != "none",
            "[[log.witnesses]] #{}: name {:?} must be one word, not `none`",
            i + 1,
            w.name
        );
        anyhow::ensure!(
            w.url.starts_with("http://"),
            "[[log.witnesses]] {:?}: url {:?} must start with http:// (reach a remote witness \
             through a TLS tunnel on this host)",
            w.name,
            w.url
        );
        witnesses.push(ombud_http::log::WitnessPeer {
            name: w.name.clone(),
            url: w.url.trim_end_matches('/').to_owned(),
            key,
        });
    }
    let quorum = match log.witness_quorum {
        0 => witnesses.len(),
        q => {
            anyhow::ensure!(
                q <= witnesses.len(),
                "[log] witness_quorum = {q}, but only {} witnesses are configured",
                witnesses.len()
            );
            q
        }
    };
    for hash in &log.monitor_tokens_sha256 {
        anyhow::ensure!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "[log] monitor_tokens_sha256: {hash:?} is not a hex SHA-256 (printf %s \"$TOKEN\" | \
             sha256sum)"
        );
    }
    Ok(
        ombud_http::log::Transparency::open(signer, tree, data, witnesses, quorum)
            .context("the transparency log's checkpoints")?
            .with_monitors(log.monitor_tokens_sha256.iter().cloned()),
    )
}

/// The read models in `path` (created if missing).
pub fn open_views(path: &Path, config: ProjectionConfig) -> anyhow::Result<ReadModels> {
    std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
    ReadModels::open(path, config).with_context(|| {
        format!(
            "opening the read models in {} (is another ombud process using them?)",
            path.display()
        )
    })
}

/// The domain's rules with the holiday calendar `holidays` (`None`: the built-in one); a
/// configured file that cannot be read or parsed stops ombud (every working-day clock would
/// change without it).
pub fn rules(holidays: Option<&Path>, deadlines: DeadlinePolicy) -> anyhow::Result<Rules> {
    rules_with(holidays, None, deadlines)
}

/// [`rules`] with the register of offices `offices` (`None`: the built-in one); a configured
/// file that cannot be read stops ombud.
pub fn rules_with(
    holidays: Option<&Path>,
    offices: Option<&Path>,
    deadlines: DeadlinePolicy,
) -> anyhow::Result<Rules> {
    let offices = match offices {
        None => ombud_domain::OfficeRegister::built_in(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "reading the register of offices {} (`offices` in the configuration; leave \
                     it empty for the built-in register)",
                    path.display()
                )
            })?;
            ombud_domain::OfficeRegister::from_toml(&text)
                .with_context(|| format!("reading the register of offices {}", path.display()))?
        }
    };
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
        offices,
        ..Rules::default()
    })
}

/// ombud, assembled: the service over the log, the projectors running, the API with its
/// tokens, and a bound listener.
pub struct Application {
    api: Arc<Api>,
    log: Arc<EventLog<AnyBackend>>,
    views: ReadModels,
    listener: Arc<tokio::net::TcpListener>,
    addr: SocketAddr,
    /// What it was built from (to build it again after its storage failed).
    settings: Settings,
    tokens: TokenReport,
    stop: watch::Sender<bool>,
    projectors: Vec<JoinHandle<Result<(), ProjectionError>>>,
    engine: Arc<crate::deadline_engine::Engine>,
    notifier: crate::deadline_engine::Notifier,
    body: BodyLimits,
    limits: ServeLimits,
    shutdown_grace: Duration,
}

impl Application {
    /// Builds ombud from `settings`. Nothing is opened before every secret and token is read
    /// (or refused); local tokens are refused beyond loopback.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Self::assemble(settings, None).await
    }

    /// [`Application::build`], on `listener` when given (a rebuild keeps its listener).
    async fn assemble(
        settings: Settings,
        listener: Option<Arc<tokio::net::TcpListener>>,
    ) -> anyhow::Result<Application> {
        if matches!(settings.tokens, TokenSource::Local { .. })
            && !settings.listen.ip().is_loopback()
        {
            anyhow::bail!(
                "refusing to listen on {} with generated tokens: configure [[auth.tokens]] to \
                 serve beyond loopback",
                settings.listen
            );
        }
        let data = &settings.data;
        std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
        // Every secret is read (or refused) before the log is opened.
        crate::secrets::write_keys(&settings.security, data)?;
        let master = crate::secrets::master_key(&settings.security, data)?;
        let blind_key = crate::secrets::blind_index_key(&settings.security, data)?;
        let log_signer = Arc::new(crate::secrets::log_signer(&settings.log, data)?);
        let rules = Arc::new(rules_with(
            settings.holidays.as_deref(),
            settings.offices.as_deref(),
            settings.deadlines.clone(),
        )?);
        for office in settings.engine.offices.keys() {
            if rules.offices.get(office).is_none() {
                anyhow::bail!(
                    "[deadline_engine.offices.{office}]: `{office}` is not in the register of \
                     offices"
                );
            }
        }
        let (tokens, report, pending) = crate::tokens::issue(&settings.tokens, data)?;

        let store = open_store(settings.location()).await?;
        let log = event_log(store.backend, &settings.security, data).await?;
        // The read models date each case in its office's zone, from the same register.
        let projection = ProjectionConfig {
            offices: Arc::new(rules.offices.clone()),
            ..settings.projection.clone()
        };
        let views = open_views(&data.join("views"), projection)?;
        let transparency = Arc::new(transparency(
            &settings.log,
            log_signer,
            views.log_tree.clone(),
            data,
        )?);
        let (stop, shutdown) = watch::channel(false);
        let service = Service::new(
            log.clone(),
            Arc::new(Vault::new(master, store.keys)),
            rules,
            views.clone(),
            settings.clock.clone(),
            Privacy {
                access_log: store.access_log,
                persons: store.persons,
                blind_key,
            },
        );
        let projectors = views.spawn_with(log.clone(), shutdown, Some(service.erasure_hook()));
        let engine = Arc::new(
            crate::deadline_engine::Engine::new(service.clone(), settings.engine.clone())
                .context("starting the deadline engine")?,
        );
        let notifications = ombud_http::notifications::NotificationHub::default();
        let notifier = crate::deadline_engine::Notifier::new(
            notifications.clone(),
            log.backend().jetstream().map(|js| js.context().client()),
        );
        let api = Arc::new(Api {
            service,
            tokens,
            clock: settings.clock.clone(),
            metrics: Default::default(),
            feed: FeedHub::new(settings.feed.clone()),
            notifications,
            engine: engine.status(),
            // Secure cookies wherever the browser does not talk to loopback.
            web: ombud_http::web::session::WebSessions::new(
                !settings.listen.ip().is_loopback(),
                settings.users.clone(),
            ),
            transparency,
        });
        let listener = match listener {
            Some(listener) => listener,
            None => Arc::new(
                tokio::net::TcpListener::bind(settings.listen)
                    .await
                    .with_context(|| format!("listening on {}", settings.listen))?,
            ),
        };
        let addr = listener.local_addr()?;
        // Last: nothing can stop the start any more, so new tokens are kept (and shown).
        if let Some(pending) = pending {
            pending.keep()?;
        }
        Ok(Application {
            api,
            log,
            views,
            listener,
            addr,
            tokens: report,
            stop,
            projectors,
            engine,
            notifier,
            body: BodyLimits {
                max_bytes: settings.body_limit,
                read_timeout: settings.body_read_timeout,
            },
            limits: settings.limits,
            shutdown_grace: settings.shutdown_grace,
            settings,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The use cases (to load the demo data set through, or to call from a test).
    pub fn service(&self) -> &AnyService {
        &self.api.service
    }

    /// The event log.
    pub fn log(&self) -> &Arc<EventLog<AnyBackend>> {
        &self.log
    }

    /// The read models.
    pub fn views(&self) -> &ReadModels {
        &self.views
    }

    /// What was done about tokens (to tell the operator).
    pub fn tokens(&self) -> &TokenReport {
        &self.tokens
    }

    /// The HTTP routes, to call in process.
    pub fn router(&self) -> axum::Router {
        ombud_http::router(self.api.clone(), self.body)
    }

    /// One pass of the deadline engine at the application's "now" over every office (what
    /// `serve` runs at start-up and daily; `ombud engine --once`).
    pub async fn engine_pass(&self) -> ombud_service::deadline_engine::PassReport {
        self.engine
            .pass((self.settings.clock)(), None, &self.notifier)
            .await
    }

    /// Runs the deadline engine without serving HTTP (`ombud engine`): its start-up pass once
    /// the read models caught up, then each office's daily pass, until `shutdown`; then the
    /// projectors flush and stop.
    pub async fn run_engine_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        self.catch_up(ENGINE_WAITS_FOR_VIEWS).await?;
        let engine = tokio::spawn(crate::deadline_engine::run(
            self.engine.clone(),
            self.notifier.clone(),
            self.settings.clock.clone(),
            Arc::new(self.api.service.rules().offices.clone()),
            self.stop.subscribe(),
        ));
        shutdown.await;
        engine.abort();
        stop_projectors(self.stop, self.projectors).await
    }

    /// Waits until the read models have applied the log's head, at most `timeout`.
    pub async fn catch_up(&self, timeout: Duration) -> anyhow::Result<u64> {
        let head = self.log.head().await?;
        self.views
            .wait_for(head, timeout)
            .await
            .context("bringing the read models up to date")?;
        Ok(head)
    }

    /// Serves until `shutdown` completes; then every SSE feed ends, open requests get at most
    /// the shutdown grace, and the projectors flush and stop.
    ///
    /// When the storage fails for good meanwhile (an embedded database after an I/O error
    /// such as a full disk: the log's or the read models'), it closes everything it opened,
    /// answers every request on the same listener with 503 `log_unavailable` while it tries to
    /// open it all again (every [`REOPEN_EVERY`]), and serves again once that works: it
    /// recovers by itself once the disk has room, without a restart. Should the old storage
    /// stay held (a task that never ended) for [`HELD_AT_MOST`], it returns an error instead,
    /// for a supervisor to restart the process.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (signal, stopping) = watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            signal.send_replace(true);
        });
        let mut app = self;
        loop {
            let (settings, listener, answerer) = match app.serve_until(stopping.clone()).await? {
                Served::Stopped => return Ok(()),
                Served::StorageFailed {
                    settings,
                    listener,
                    answerer,
                } => (settings, listener, answerer),
            };
            match reopen(*settings, listener, answerer, stopping.clone()).await? {
                Some(next) => app = next,
                None => return Ok(()),
            }
        }
    }

    /// Serves until the shutdown signal (then stops, flushing the read models) or until the
    /// storage fails for good (then answers 503 at once, closes everything, and hands back
    /// what rebuilds it).
    async fn serve_until(self, mut stopping: watch::Receiver<bool>) -> anyhow::Result<Served> {
        let engine = if self.settings.engine.default.enabled
            || self.settings.engine.offices.values().any(|o| o.enabled)
        {
            let run = crate::deadline_engine::run(
                self.engine.clone(),
                self.notifier.clone(),
                self.settings.clock.clone(),
                Arc::new(self.api.service.rules().offices.clone()),
                self.stop.subscribe(),
            );
            let (log, views) = (self.log.clone(), self.views.clone());
            Some(tokio::spawn(async move {
                // The start-up pass reads the deadline board: let the read models catch up
                // first (a rebuild, a long outage), or it would miss what came due meanwhile.
                if let Ok(head) = log.head().await {
                    let _ = views.wait_for(head, ENGINE_WAITS_FOR_VIEWS).await;
                }
                run.await;
            }))
        } else {
            None
        };
        // The transparency log's checkpoints, signed while the tree grows, sent to witnesses.
        tokio::spawn(self.api.transparency.clone().run(
            Duration::from_secs_f64(self.settings.log.checkpoint_interval.clamp(0.1, 86_400.0)),
            self.stop.subscribe(),
        ));
        // Readers' own pull consumers (the shipped bus config routes their requests here).
        if let Some(js) = self.log.backend().jetstream() {
            let config = js.config();
            let readers = ombud_eventlog::jetstream::reader_consumers::ReaderConsumers::new(
                js.context().clone(),
                config.stream.clone(),
                config.reader_consumer_limit,
                config.request_timeout,
            );
            tokio::spawn(readers.run(self.stop.subscribe()));
        }
        let feeds = self.api.clone();
        let failed: Arc<std::sync::Mutex<Option<(String, Answerer)>>> = Arc::default();
        let (log, views, noted) = (self.log.clone(), self.views.clone(), failed.clone());
        let (listener, limits) = (self.listener.clone(), self.limits);
        let (ended, mut on_end) = watch::channel(false);
        let serving = ombud_http::serve::serve(
            self.listener.clone(),
            ombud_http::router(self.api.clone(), self.body),
            self.limits,
            async move {
                tokio::select! {
                    _ = stopping.wait_for(|s| *s) => {}
                    why = storage_failure(&log, &views) => {
                        // This server stops accepting now; the 503 answerer takes over the
                        // listener at once, while open requests finish. Its answers come
                        // before any token is checked, so they say what happens, not the
                        // storage's error (paths and all: that goes to the operator's log).
                        let answerer = Answerer::start(
                            listener,
                            limits,
                            "ombud is opening its storage again after a failure; retry shortly",
                        );
                        *noted.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                            Some((why, answerer));
                    }
                }
                // Every SSE feed ends now: graceful shutdown waits for open responses.
                feeds.feed.close();
                ended.send_replace(true);
            },
        );
        let grace = self.shutdown_grace;
        tokio::select! {
            served = serving => served.context("serving HTTP")?,
            () = async {
                let _ = on_end.wait_for(|s| *s).await;
                tokio::time::sleep(grace).await;
            } => eprintln!(
                "stopping: requests still open after {} s (shutdown_grace_secs); closing them",
                grace.as_secs()
            ),
        }
        // The engine stops with the server (an act cut short is safe: its next pass uses the
        // same idempotency key).
        if let Some(engine) = engine {
            engine.abort();
        }
        let failure = failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some((why, answerer)) = failure else {
            eprintln!("stopping: flushing the read models");
            return stop_projectors(self.stop, self.projectors)
                .await
                .map(|()| Served::Stopped);
        };
        eprintln!(
            "ERROR: the storage failed ({why}); closing the log and the read models, answering \
             503 until they open again (every {} s)",
            REOPEN_EVERY.as_secs()
        );
        // What the projectors say as they stop is the failure already reported.
        self.stop.send(true).ok();
        for task in self.projectors {
            if let Ok(Err(e)) = task.await {
                eprintln!(
                    "  a projector stopped: {}",
                    ombud_projection::with_causes(&e)
                );
            }
        }
        let Application {
            settings, listener, ..
        } = self;
        Ok(Served::StorageFailed {
            settings: Box::new(settings),
            listener,
            answerer,
        })
    }

    /// Runs `work` (loading the demo data set, say) before serving, while every request is
    /// answered 503 `log_unavailable` with `detail` (clients that come early are told, not
    /// left waiting on an unanswered port).
    pub async fn unavailable_while<T>(&self, detail: &str, work: impl Future<Output = T>) -> T {
        let answerer = Answerer::start(self.listener.clone(), self.limits, detail);
        let out = work.await;
        answerer.finish(self.shutdown_grace).await;
        out
    }

    /// Stops without serving: the projectors flush and stop.
    pub async fn stop(self) -> anyhow::Result<()> {
        stop_projectors(self.stop, self.projectors).await
    }
}

/// How often a failed storage is tried again.
pub const REOPEN_EVERY: Duration = Duration::from_secs(1);

/// How long the deadline engine's start-up pass waits for the read models to catch up.
const ENGINE_WAITS_FOR_VIEWS: Duration = Duration::from_secs(300);

/// How long the failed storage may stay held (by a task that never ended) before ombud stops,
/// so that a supervisor restarts it: reopening cannot work while the old handles live.
pub const HELD_AT_MOST: Duration = Duration::from_secs(30);

/// How a serving ended.
enum Served {
    /// On the shutdown signal.
    Stopped,
    /// The storage failed for good: everything was closed; this rebuilds it, while the
    /// answerer says 503.
    StorageFailed {
        settings: Box<Settings>,
        listener: Arc<tokio::net::TcpListener>,
        answerer: Answerer,
    },
}

/// Answers every request with 503 on the listener while the storage is opened again.
struct Answerer {
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Answerer {
    fn start(listener: Arc<tokio::net::TcpListener>, limits: ServeLimits, why: &str) -> Answerer {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(ombud_http::serve::serve(
            listener,
            ombud_http::unavailable_router(why.to_owned()),
            limits,
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            },
        ));
        Answerer { stop, task }
    }

    /// Stops answering: it stops accepting at once; its open answers get at most `grace`.
    async fn finish(self, grace: Duration) {
        self.stop.send_replace(true);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            task.abort();
        }
    }
}

/// Resolves when the storage cannot go on without being opened again: the log says so, or
/// the read models' database does (a failed flush, a projector stopped by a sled error).
async fn storage_failure(log: &EventLog<AnyBackend>, views: &ReadModels) -> String {
    loop {
        if let Some(why) = ombud_eventlog::Backend::failure(log.backend()) {
            return format!("the event log: {why}");
        }
        if let Some(why) = views.failure() {
            return format!("the read models: {why}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Opens the application again on `listener`, every [`REOPEN_EVERY`], while `answerer` says
/// 503; `None` when the shutdown signal came first. Fails when the old storage stays held for
/// [`HELD_AT_MOST`].
async fn reopen(
    mut settings: Settings,
    listener: Arc<tokio::net::TcpListener>,
    answerer: Answerer,
    mut stopping: watch::Receiver<bool>,
) -> anyhow::Result<Option<Application>> {
    // The tokens stay those of the first start (kept ones are read again, never renewed).
    if let TokenSource::Local { renew, .. } = &mut settings.tokens {
        *renew = false;
    }
    let grace = settings.shutdown_grace;
    let started = tokio::time::Instant::now();
    let mut last_error = String::new();
    let reopened = loop {
        if *stopping.borrow() {
            break None;
        }
        match Application::assemble(settings.clone(), Some(listener.clone())).await {
            Ok(app) => break Some(app),
            Err(e) => {
                let text = format!("{e:#}");
                if text.contains("in use by another process") && started.elapsed() > HELD_AT_MOST {
                    answerer.finish(grace).await;
                    anyhow::bail!(
                        "the failed storage is still held open after {} s, so it cannot be \
                         opened again in this process; stopping, for a supervisor to restart \
                         ombud ({text})",
                        HELD_AT_MOST.as_secs()
                    );
                }
                if text != last_error {
                    eprintln!("  reopening failed, trying again: {text}");
                    last_error = text;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(REOPEN_EVERY) => {}
            _ = stopping.wait_for(|s| *s) => {}
        }
    };
    answerer.finish(grace).await;
    if reopened.is_some() {
        eprintln!("the storage works again: serving");
    }
    Ok(reopened)
}

async fn stop_projectors(
    stop: watch::Sender<bool>,
    projectors: Vec<JoinHandle<Result<(), ProjectionError>>>,
) -> anyhow::Result<()> {
    stop.send(true).ok();
    for task in projectors {
        task.await
            .context("a projector task")?
            .context("a projector stopped")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_built_in_calendar_is_the_shipped_one_with_its_holidays() {
        let rules = rules(None, DeadlinePolicy::default()).unwrap();
        let christmas = chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        assert!(!rules.calendar.is_working_day(christmas));
        let shipped = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../config/holidays.toml"
        ))
        .unwrap();
        assert_eq!(BUILT_IN_HOLIDAYS, shipped);
    }
}
