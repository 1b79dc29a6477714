//! `ombud bench`: measured figures with the raw floor of the same run beside them.
//! `ombud bench api` runs the whole server in this process (HTTP API, service, projectors)
//! over the demo data set and measures commands over HTTP (one at a time and concurrent)
//! against the HTTP floor ([`crate::http_floor`]: the same server stack appending the same
//! bytes raw) and the raw log floor, and the investigators' queries (work queue, case list);
//! `ombud bench eventlog` is the event log and projection benchmark of `ombud-bench`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use ombud_app::{Application, Settings, TokenSource};
use ombud_bench::measure::{drive, ms, Run};
use ombud_bench::EVENTS_PER_CASE;
use ombud_domain::{Actor, ActorId, OfficeCode, Role};
use ombud_envelope::{MasterKey, Vault};
use ombud_eventlog::{AnyBackend, AnyKeyStore, EventLog};
use ombud_http::Tokens;
use ombud_testkit::{NatsServer, TempDir};

/// `ombud bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// The HTTP API over the demo data set: commands (report, then notes) one at a time and
    /// from concurrent clients, and the work-queue and case-list queries, beside the raw floor
    /// (raw JetStream publishes with the same headers and sizes; raw sled insert + flush).
    ///
    /// Example: `ombud bench api --commands 3000 --concurrency 32`
    Api(ApiArgs),
    /// The event log (ombud's append against raw publishes / raw sled writes) and, with
    /// `--projection N`, the projectors and a rebuild of N events against the raw floor.
    ///
    /// Example: `ombud bench eventlog --events 3000 --pipelined 30000`
    Eventlog(ombud_bench::Args),
    /// The live feed: many SSE clients on one process while events are appended at a fixed
    /// rate; delivery lag p50/p99/max against the same run with one client, every client
    /// checked to get every event once and in order, the stream's consumers on JetStream.
    ///
    /// Example: `ombud bench feed --clients 1000 --rate 1000 --seconds 5`
    Feed(crate::feed_bench::FeedArgs),
    /// The deadline engine: one pass over N open cases when nothing is due, one sending N
    /// reminders, one closing N cases whose completion clock ran out, beside N raw appends.
    ///
    /// Example: `ombud bench engine --cases 100000`
    Engine(crate::engine_bench::EngineArgs),
}

/// `ombud bench api` options.
#[derive(Debug, Args)]
struct ApiArgs {
    /// Commands per measurement (one at a time, then concurrent), in cases of a report and
    /// nine notes.
    #[arg(long, default_value_t = 2000)]
    commands: usize,
    /// Concurrent HTTP clients (one keep-alive connection each).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Requests per query measurement.
    #[arg(long, default_value_t = 300)]
    queries: usize,
    /// Cases in the demo data set loaded before measuring.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    demo_cases: usize,
    /// Seed of the demo data set.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Working-day calendar (default: the built-in one).
    #[arg(long, value_name = "FILE")]
    holidays: Option<std::path::PathBuf>,
    #[command(flatten)]
    backends: ombud_bench::Backends,
}

/// Runs `ombud bench`.
pub fn bench(args: BenchArgs) -> anyhow::Result<()> {
    crate::project::runtime()?.block_on(async {
        match args.what {
            What::Eventlog(args) => ombud_bench::run(args).await,
            What::Api(args) => api(args).await,
            What::Feed(args) => crate::feed_bench::feed(args).await,
            What::Engine(args) => crate::engine_bench::run(args).await,
        }
    })
}

/// What the raw floor writes to.
enum Floor {
    JetStream(Box<async_nats::jetstream::Context>),
    Sled,
}

impl Floor {
    /// `sizes`: the bytes of ombud's stored report and note events (sealed, enveloped).
    async fn run(
        &self,
        events: usize,
        concurrency: usize,
        sizes: (usize, usize),
    ) -> anyhow::Result<Run> {
        match self {
            Floor::JetStream(context) => {
                ombud_bench::floor::raw_jetstream(context, events, concurrency, sizes).await
            }
            Floor::Sled => ombud_bench::floor::raw_sled(events, concurrency, sizes).await,
        }
    }

    /// The same log for the HTTP floor to append to.
    fn raw_log(&self) -> anyhow::Result<crate::http_floor::RawLog> {
        Ok(match self {
            Floor::JetStream(context) => crate::http_floor::RawLog::JetStream((**context).clone()),
            Floor::Sled => crate::http_floor::RawLog::sled()?,
        })
    }
}

async fn api(args: ApiArgs) -> anyhow::Result<()> {
    println!(
        "ombud bench api: server, service and projectors in this process, {} demo cases; \
         commands in cases of a report and {} notes over HTTP/1.1 keep-alive; latencies in ms",
        args.demo_cases,
        EVENTS_PER_CASE - 1
    );
    if !args.backends.skip_jetstream {
        measure(Which::JetStream, &args.backends, &args).await?;
    }
    if !args.backends.skip_embedded {
        measure(Which::Embedded, &args.backends, &args).await?;
    }
    Ok(())
}

/// Which backend a bench runs ombud on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Which {
    /// JetStream: on `--nats`, or a `nats-server` started for the bench.
    JetStream,
    /// The embedded log in a temporary directory.
    Embedded,
}

impl Which {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Which::JetStream => "jetstream",
            Which::Embedded => "embedded",
        }
    }
}

/// The bench's callers: one token per role it uses. The investigator is the demo's
/// `riksa.siti`, so the work queue it reads is a real one.
const TOKENS: [(Role, &str, &str); 4] = [
    (Role::Intake, "pvl.bench", "bench-intake"),
    (Role::Investigator, "riksa.siti", "bench-investigator"),
    (Role::OfficeHead, "kepala.bench", "bench-supervisor"),
    (Role::Auditor, "audit.bench", "bench-auditor"),
];

/// The whole server in this process (built by [`Application`], as `ombud serve` builds it),
/// on an ephemeral loopback port, with the demo data set loaded and the projectors caught up.
pub(crate) struct InProcess {
    pub addr: std::net::SocketAddr,
    pub log: Arc<EventLog<AnyBackend>>,
    pub vault: Arc<Vault<AnyKeyStore>>,
    stop: tokio::sync::watch::Sender<bool>,
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _data: TempDir,
    nats: Option<NatsServer>,
}

/// What [`InProcess::start`] needs besides the backend.
pub(crate) struct Setup<'a> {
    pub holidays: Option<&'a std::path::Path>,
    pub demo_cases: usize,
    pub seed: u64,
    pub feed: ombud_http::feed::FeedConfig,
}

impl InProcess {
    pub(crate) async fn start(
        which: Which,
        backends: &ombud_bench::Backends,
        setup: Setup<'_>,
    ) -> anyhow::Result<Self> {
        let data = TempDir::new("bench-data")?;
        let (nats, url) = match which {
            Which::JetStream => {
                let (server, url) = backends.nats_url()?;
                (server, Some(url))
            }
            Which::Embedded => (None, None),
        };
        let mut settings = Settings::from_config(ombud_app::config::load(None)?)?;
        settings.data = data.path().to_owned();
        settings.nats = url;
        settings.holidays = setup.holidays.map(ToOwned::to_owned);
        settings.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        settings.body_limit = 1 << 20;
        settings.feed = setup.feed;
        // Fresh secrets for the run (none written to, or warned about in, the data directory).
        let secret = || MasterKey::generate().to_hex();
        settings.security.master_key = secret();
        settings.security.blind_index_key = secret();
        settings.security.write_keys =
            ombud_app::config::WriteKeysSetting::Text(format!("bench:{}", secret()));
        let mut tokens = Tokens::default();
        for (role, id, token) in TOKENS {
            tokens.insert(
                token,
                Actor {
                    id: ActorId::parse(id)?,
                    role,
                    office: OfficeCode::parse("jawa-barat")?,
                },
            );
        }
        settings.tokens = TokenSource::Given(tokens);
        // The deadline engine would act on the demo's overdue clocks while the bench measures.
        settings.engine.default.enabled = false;
        let app = Application::build(settings).await?;
        crate::serve::load_demo(app.service(), setup.demo_cases, setup.seed).await?;
        app.catch_up(Duration::from_secs(300))
            .await
            .context("waiting for the projectors to catch up with the demo data")?;
        let (addr, log, vault) = (
            app.local_addr(),
            app.log().clone(),
            app.service().vault().clone(),
        );
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let mut stopped = shutdown.clone();
        let server = tokio::spawn(app.run_until_stopped(async move {
            stopped.changed().await.ok();
        }));
        Ok(InProcess {
            addr,
            log,
            vault,
            stop,
            shutdown,
            server,
            _data: data,
            nats,
        })
    }

    /// Stops the server and the projectors; the nats-server started for the run (if any) is
    /// handed back, to stop once nothing else uses it.
    pub(crate) async fn stop(self) -> anyhow::Result<Option<NatsServer>> {
        self.stop.send(true).ok();
        self.server.await??;
        Ok(self.nats)
    }
}

async fn measure(
    which: Which,
    backends: &ombud_bench::Backends,
    args: &ApiArgs,
) -> anyhow::Result<()> {
    let running = InProcess::start(
        which,
        backends,
        Setup {
            holidays: args.holidays.as_deref(),
            demo_cases: args.demo_cases,
            seed: args.seed,
            feed: Default::default(),
        },
    )
    .await?;
    let addr = running.addr;
    let shutdown = running.shutdown.clone();
    let name = which.name();
    let floor = match running.log.backend().jetstream() {
        Some(backend) => Floor::JetStream(Box::new(backend.context().clone())),
        None => Floor::Sled,
    };

    println!(
        "{:<10} {:<32} {:>5} {:>6} | {:>9} {:>8} {:>8} | {:>9} {:>8} {:>8} | {:>6} {:>6}",
        "backend",
        "what",
        "conc",
        "n",
        "per s",
        "p50",
        "p99",
        "floor/s",
        "fl p50",
        "fl p99",
        "rate×",
        "p50×"
    );
    let sizes = ombud_bench::body_sizes().await?;
    let (floor_addr, floor_server) =
        crate::http_floor::serve(floor.raw_log()?, sizes, shutdown.clone()).await?;
    for concurrency in [1, args.concurrency] {
        // In turn: the raw log, the HTTP floor over it, ombud; each row's floor columns are
        // the one below it (ombud against the HTTP floor, the HTTP floor against the log).
        let raw = floor.run(args.commands, concurrency, sizes).await?;
        let http_floor = commands(floor_addr, args.commands, concurrency).await?;
        let ombud = commands(addr, args.commands, concurrency).await?;
        row(
            name,
            "commands (HTTP)",
            concurrency,
            &ombud,
            Some(&http_floor),
        );
        row(
            name,
            "  HTTP floor (raw append)",
            concurrency,
            &http_floor,
            Some(&raw),
        );
        println!(
            "{name:<10} {:<32} {concurrency:>5} {:>6} | commands against the raw log: rate× {:.2} p50× {:.2}",
            "  (raw log floor)",
            raw.events,
            ombud.rate() / raw.rate(),
            ombud.percentile(0.5).as_secs_f64() / raw.percentile(0.5).as_secs_f64()
        );
    }
    for (what, path, token) in [
        (
            "query: work queue",
            "/v1/queue".to_owned(),
            "bench-investigator",
        ),
        (
            "query: case list, page",
            "/v1/cases?limit=50".to_owned(),
            "bench-supervisor",
        ),
        (
            "query: overdue, by due date",
            "/v1/cases?overdue=true&order=due&limit=50".to_owned(),
            "bench-supervisor",
        ),
    ]
    .into_iter()
    .chain(case_file_query(addr).await?)
    {
        let items = count_items(addr, &path, token).await?;
        let what = format!("{what} ({items})");
        for concurrency in [1, args.concurrency] {
            let run = queries(addr, &path, token, args.queries, concurrency).await?;
            row(name, &what, concurrency, &run, None);
        }
    }

    // The web interface's pages (issue 17's budget: server time p95 <= 50 ms, <= 150 KB each
    // with its assets), one client at a time, signed in as the bench's investigator.
    let cookie = web_session(addr, "bench-investigator").await?;
    let head = web_session(addr, "bench-supervisor").await?;
    let mut case_pages: Vec<(String, String, &str)> = Vec::new();
    if let Some((_, path, _)) = case_file_query(addr).await? {
        let page = path.replacen("/v1", "", 1);
        case_pages.push(("/cases/{id}".to_owned(), page.clone(), cookie.as_str()));
        case_pages.push((
            "/cases/{id}/audit".to_owned(),
            format!("{page}/audit"),
            cookie.as_str(),
        ));
        let (status, body) = Connection::open(addr)
            .await?
            .send("GET", &path, "bench-investigator", "", b"")
            .await?;
        anyhow::ensure!(status == 200, "GET {path}: {status}");
        let file: serde_json::Value = serde_json::from_slice(&body)?;
        if let Some(agency) = file["respondent"]["agency_code"].as_str() {
            case_pages.push((
                "/agencies/{code}".to_owned(),
                format!("/agencies/{agency}"),
                cookie.as_str(),
            ));
        }
    }
    let plain = |path: &str, cookie: &str| (path.to_owned(), path.to_owned(), cookie.to_owned());
    let mut every_page: Vec<(String, String, String)> = vec![
        plain("/queue", &cookie),
        plain("/cases", &cookie),
        plain("/cases?order=due&overdue=true", &cookie),
        plain("/deadlines", &cookie),
        plain("/stats", &cookie),
        plain("/report", &head),
        plain("/agenda", &head),
        plain("/privacy", &head),
    ];
    every_page.extend(
        case_pages
            .into_iter()
            .map(|(label, path, cookie)| (label, path, cookie.to_owned())),
    );
    for (label, path, cookie) in every_page {
        let (run, bytes) = pages(addr, &path, &cookie, args.queries).await?;
        row(name, &format!("page {label}"), 1, &run, None);
        println!(
            "{name:<10} {:<32} {:>5} {:>6} | p95 {} ms; {:.1} KB + {:.1} KB of css",
            "  (server time, size)",
            1,
            run.events,
            ms(run.percentile(0.95)),
            bytes as f64 / 1024.0,
            CSS_BYTES as f64 / 1024.0
        );
    }

    transparency_log(addr, name, args.queries).await?;

    // Other requests while the read models are scanned: `/readyz` from one client while
    // `--concurrency` clients list cases with a filter nothing matches (every index row read).
    let scan = "/v1/cases?agency=no-such-agency&limit=50";
    let busy = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut scanners = Vec::new();
    for _ in 0..args.concurrency {
        let busy = busy.clone();
        let mut conn = Connection::open(addr).await?;
        scanners.push(tokio::spawn(async move {
            let mut scans = 0u64;
            while busy.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, _) = conn.send("GET", scan, "bench-supervisor", "", b"").await?;
                anyhow::ensure!(status == 200, "GET {scan}: {status}");
                scans += 1;
            }
            anyhow::Ok(scans)
        }));
    }
    let probe = queries(addr, "/readyz", "bench-supervisor", args.queries, 1).await?;
    busy.store(false, std::sync::atomic::Ordering::Relaxed);
    let mut scans = 0;
    for scanner in scanners {
        scans += scanner.await??;
    }
    let what = format!("/readyz, {} clients scanning", args.concurrency);
    row(name, &what, 1, &probe, None);
    println!(
        "{name:<10} {:<32} {:>5} {scans:>6} | (the scans that ran meanwhile: {scan})",
        "  (full scans meanwhile)", args.concurrency
    );

    let nats = running.stop().await?;
    floor_server.await??;
    // The floor's NATS context shares the server's client: dropped before the nats-server
    // stops, so its going is not reported as a lost connection.
    drop(floor);
    drop(nats); // the HTTP floor appended to it too
    Ok(())
}

fn row(backend: &str, what: &str, concurrency: usize, run: &Run, raw: Option<&Run>) {
    let (p50, p99) = (run.percentile(0.5), run.percentile(0.99));
    let (raw_rate, raw_p50, raw_p99, ratio_rate, ratio_p50) = match raw {
        Some(raw) => (
            format!("{:.0}", raw.rate()),
            ms(raw.percentile(0.5)),
            ms(raw.percentile(0.99)),
            format!("{:.2}", run.rate() / raw.rate()),
            format!(
                "{:.2}",
                p50.as_secs_f64() / raw.percentile(0.5).as_secs_f64()
            ),
        ),
        None => Default::default(),
    };
    println!(
        "{:<10} {:<32} {:>5} {:>6} | {:>9.0} {:>8} {:>8} | {:>9} {:>8} {:>8} | {:>6} {:>6}",
        backend,
        what,
        concurrency,
        run.events,
        run.rate(),
        ms(p50),
        ms(p99),
        raw_rate,
        raw_p50,
        raw_p99,
        ratio_rate,
        ratio_p50
    );
}

/// Commands over HTTP: each case a report (intake) then notes (investigator), one keep-alive
/// connection per client, every answer checked.
async fn commands(
    addr: std::net::SocketAddr,
    events: usize,
    concurrency: usize,
) -> anyhow::Result<Run> {
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    let cases = events / EVENTS_PER_CASE + 1;
    let ids: Arc<Vec<OnceLock<String>>> = Arc::new((0..cases).map(|_| OnceLock::new()).collect());
    let pool = Pool::connect(addr, concurrency).await?;
    drive(events, concurrency, move |case, position| {
        let (pool, ids, run_id) = (pool.clone(), ids.clone(), run_id.clone());
        async move {
            let mut conn = pool.take()?;
            let key = format!("bench-{run_id}-{case}-{position}");
            let answer = if position == 0 {
                conn.send("POST", "/v1/cases", "bench-intake", &key, &report(case))
                    .await?
            } else {
                let id = ids[case].get().context("the case's report went first")?;
                conn.send(
                    "POST",
                    &format!("/v1/cases/{id}/notes"),
                    "bench-investigator",
                    &key,
                    NOTE.as_bytes(),
                )
                .await?
            };
            pool.give(conn);
            if !(200..300).contains(&answer.0) {
                anyhow::bail!(
                    "the server answered {}: {}",
                    answer.0,
                    String::from_utf8_lossy(&answer.1)
                );
            }
            if position == 0 {
                let body: serde_json::Value = serde_json::from_slice(&answer.1)?;
                let id = body["case_id"]
                    .as_str()
                    .context("a report's answer names its case")?;
                ids[case].set(id.to_owned()).ok();
            }
            Ok(())
        }
    })
    .await
}

/// The transparency log (issue 18's budget: an inclusion proof p50 <= 1 ms; a 50-event case's
/// bundle exported in <= 100 ms and verified in <= 50 ms): a case of 50 events written, then
/// its proofs and bundle read as an auditor, and the bundle verified offline in process.
async fn transparency_log(
    addr: std::net::SocketAddr,
    name: &str,
    requests: usize,
) -> anyhow::Result<()> {
    let mut conn = Connection::open(addr).await?;
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    let (status, body) = conn
        .send(
            "POST",
            "/v1/cases",
            "bench-intake",
            &format!("tlog-{run_id}"),
            &report(7),
        )
        .await?;
    anyhow::ensure!(status == 201, "report: {status}");
    let answer: serde_json::Value = serde_json::from_slice(&body)?;
    let case = answer["case_id"].as_str().context("a case id")?.to_owned();
    for i in 1..50 {
        let (status, body) = conn
            .send(
                "POST",
                &format!("/v1/cases/{case}/notes"),
                "bench-investigator",
                &format!("tlog-{run_id}-{i}"),
                NOTE.as_bytes(),
            )
            .await?;
        anyhow::ensure!(
            status == 200,
            "note: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    let path = format!("/v1/cases/{case}/bundle");
    let (status, body) = conn.send("GET", &path, "bench-auditor", "", b"").await?;
    anyhow::ensure!(
        status == 200,
        "bundle: {status} {}",
        String::from_utf8_lossy(&body)
    );
    let bundle: serde_json::Value = serde_json::from_slice(&body)?;
    let files: ombud_tlog::bundle::Files = bundle["files"]
        .as_object()
        .context("the bundle's files")?
        .iter()
        .map(|(p, t)| {
            (
                p.clone(),
                t.as_str().unwrap_or_default().as_bytes().to_vec(),
            )
        })
        .collect();
    let proof = queries(addr, "/v1/log/proof?seq=1", "bench-auditor", requests, 1).await?;
    row(name, "log: inclusion proof", 1, &proof, None);
    let export = queries(addr, &path, "bench-auditor", 50, 1).await?;
    row(name, "log: bundle of 50 events", 1, &export, None);
    let mut verify = Vec::with_capacity(50);
    for _ in 0..50 {
        let started = std::time::Instant::now();
        let verified = ombud_tlog::bundle::verify(&files, None, &[])
            .map_err(|e| anyhow::anyhow!("the bundle does not verify: {e}"))?;
        verify.push(started.elapsed());
        anyhow::ensure!(verified.events == 50, "{} events", verified.events);
    }
    verify.sort_unstable();
    println!(
        "{name:<10} {:<32} {:>5} {:>6} | p50 {} ms, p99 {} ms ({:.1} KB in {} files)",
        "log: verify that bundle offline",
        1,
        verify.len(),
        ms(verify[verify.len() / 2]),
        ms(verify[verify.len() * 99 / 100]),
        body.len() as f64 / 1024.0,
        files.len()
    );
    Ok(())
}

/// How many items one answer of `path` lists (a JSON array, or an object's `items`).
async fn count_items(addr: std::net::SocketAddr, path: &str, token: &str) -> anyhow::Result<usize> {
    let (status, body) = Connection::open(addr)
        .await?
        .send("GET", path, token, "", b"")
        .await?;
    anyhow::ensure!(status == 200, "GET {path}: {status}");
    let value: serde_json::Value = serde_json::from_slice(&body)?;
    let items = value.as_array().or_else(|| value["items"].as_array());
    Ok(items.map_or(0, Vec::len))
}

/// The case file of the first case in the bench investigator's work queue (one she is
/// assigned to, so her read opens the reporter's identity), if the queue is not empty.
async fn case_file_query(
    addr: std::net::SocketAddr,
) -> anyhow::Result<Option<(&'static str, String, &'static str)>> {
    let (status, body) = Connection::open(addr)
        .await?
        .send("GET", "/v1/queue", "bench-investigator", "", b"")
        .await?;
    anyhow::ensure!(status == 200, "GET /v1/queue: {status}");
    let queue: serde_json::Value = serde_json::from_slice(&body)?;
    Ok(queue[0]["case_id"].as_str().map(|id| {
        (
            "query: case file, assigned",
            format!("/v1/cases/{id}"),
            "bench-investigator",
        )
    }))
}

/// `requests` GETs of `path`, every answer checked to be a 200.
async fn queries(
    addr: std::net::SocketAddr,
    path: &str,
    token: &'static str,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<Run> {
    let pool = Pool::connect(addr, concurrency).await?;
    let path: Arc<str> = path.into();
    // `drive` hands out whole "cases" of EVENTS_PER_CASE operations; a query is one.
    let requests = requests.div_ceil(EVENTS_PER_CASE) * EVENTS_PER_CASE;
    drive(requests, concurrency, move |_, _| {
        let (pool, path) = (pool.clone(), path.clone());
        async move {
            let mut conn = pool.take()?;
            let (status, body) = conn.send("GET", &path, token, "", b"").await?;
            pool.give(conn);
            anyhow::ensure!(
                status == 200 && body.len() > 2,
                "GET {path}: {status} {}",
                String::from_utf8_lossy(&body)
            );
            Ok(())
        }
    })
    .await
}

/// A report by a reporter of its own (each case's NIK differs: the person index is keyed by
/// it, and one NIK on every report would make them all contend on one index entry).
fn report(case: usize) -> Vec<u8> {
    REPORT
        .replace(
            "3278010101800001",
            &format!("3278{:012}", case % 1_000_000_000_000),
        )
        .into_bytes()
}

const REPORT: &str = r#"{"office":"jawa-barat","channel":"walk_in",
"reporter":{"name":"Asep Saepudin","nik":"3278010101800001","phone":"+6281311112222"},
"respondent":{"agency_code":"disdukcapil-kota-tasikmalaya",
"agency_name":"Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya","unit":"Layanan akta",
"superior":"Wali Kota Tasikmalaya"},
"forms":["improper_request_for_payment"],"prior_complaint":true,
"summary":"Petugas loket meminta biaya tambahan untuk penerbitan akta kelahiran tanpa dasar peraturan yang jelas."}"#;

const NOTE: &str = r#"{"note":"Pelapor dihubungi, dokumen tambahan akan dikirim minggu depan."}"#;

/// Keep-alive connections shared by the clients of one measurement (at least one per client,
/// so taking one never waits).
#[derive(Clone)]
struct Pool(Arc<Mutex<Vec<Connection>>>);

impl Pool {
    async fn connect(addr: std::net::SocketAddr, n: usize) -> anyhow::Result<Pool> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            conns.push(Connection::open(addr).await?);
        }
        Ok(Pool(Arc::new(Mutex::new(conns))))
    }

    fn take(&self) -> anyhow::Result<Connection> {
        self.0
            .lock()
            .map_err(|_| anyhow::anyhow!("a client panicked"))?
            .pop()
            .context("more clients than connections")
    }

    fn give(&self, conn: Connection) {
        if let Ok(mut conns) = self.0.lock() {
            conns.push(conn);
        }
    }
}

/// The stylesheet every page loads (its only asset).
pub(crate) const CSS_BYTES: usize = ombud_http::web::page::CSS.len();

/// Signs in on the web interface with `token`; returns the `Cookie` header of the session.
async fn web_session(addr: std::net::SocketAddr, token: &str) -> anyhow::Result<String> {
    let form =
        ombud_testkit::http::request(&addr.to_string(), "GET", "/signin", &[], vec![]).await?;
    let set = form
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ombud_signin="))
        .context("the sign-in page sets its CSRF cookie")?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let csrf = set.trim_start_matches("ombud_signin=").to_owned();
    let body = format!("_csrf={csrf}&token={token}");
    let signed = ombud_testkit::http::request(
        &addr.to_string(),
        "POST",
        "/signin",
        &[
            ("cookie", &set),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        body.into_bytes(),
    )
    .await?;
    anyhow::ensure!(
        signed.status == 303,
        "signing in answered {}",
        signed.status
    );
    let session = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ombud_session="))
        .context("signing in sets the session cookie")?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(session)
}

/// `requests` GETs of the page `path` on one keep-alive connection with the session `cookie`,
/// every answer checked to be a 200 page; returns the run and the largest page's size.
async fn pages(
    addr: std::net::SocketAddr,
    path: &str,
    cookie: &str,
    requests: usize,
) -> anyhow::Result<(Run, usize)> {
    use http_body_util::BodyExt as _;
    let mut conn = Connection::open(addr).await?;
    let mut latencies = Vec::with_capacity(requests);
    let mut largest = 0;
    let cpu = ombud_bench::measure::process_cpu();
    let started = std::time::Instant::now();
    for _ in 0..requests {
        let request = hyper::Request::builder()
            .uri(path)
            .header(hyper::header::HOST, "bench")
            .header(hyper::header::COOKIE, cookie)
            .body(http_body_util::Full::new(bytes::Bytes::new()))?;
        let at = std::time::Instant::now();
        conn.0.ready().await?;
        let response = conn.0.send_request(request).await?;
        let status = response.status().as_u16();
        let page = response.into_body().collect().await?.to_bytes();
        latencies.push(at.elapsed());
        anyhow::ensure!(
            status == 200 && page.starts_with(b"<!doctype html>"),
            "GET {path}: {status}"
        );
        largest = largest.max(page.len());
    }
    Ok((
        Run {
            events: requests,
            elapsed: started.elapsed(),
            latencies,
            cpu: ombud_bench::measure::process_cpu().saturating_sub(cpu),
        },
        largest,
    ))
}

/// One HTTP/1.1 keep-alive connection (hyper's client, as the CLI's).
struct Connection(hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>);

impl Connection {
    async fn open(addr: std::net::SocketAddr) -> anyhow::Result<Connection> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Connection(sender))
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        idempotency_key: &str,
        body: &[u8],
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        use http_body_util::BodyExt as _;
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, "bench")
            .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(hyper::header::CONTENT_TYPE, "application/json");
        if !idempotency_key.is_empty() {
            request = request.header("idempotency-key", idempotency_key);
        }
        let request = request.body(http_body_util::Full::new(bytes::Bytes::copy_from_slice(
            body,
        )))?;
        self.0.ready().await?;
        let response = self.0.send_request(request).await?;
        let status = response.status().as_u16();
        let answer = response.into_body().collect().await?.to_bytes();
        Ok((status, answer.to_vec()))
    }
}
