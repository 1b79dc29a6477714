//! `ombud-bench`: ombud's event log measured against the raw floor in the same run.
//!
//! For each backend and durability setting, the same workload (cases of one report and nine
//! notes, bodies of the same sizes) runs twice: once as raw writes (async-nats publish with
//! the same optimistic-concurrency headers; sled insert + flush) and once through ombud
//! (seal the personal data, decide, envelope, hash, append with concurrency check and
//! idempotency). Printed: events/s, p50 and p99 latency, and ombud/raw ratios.

pub mod floor;
pub mod measure;
mod projection;

use floor::case_ids;
use measure::{drive, print_header, print_row, Run};

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ombud_domain::command::ReportCase;
use ombud_domain::event::{ReporterData, Respondent};
use ombud_domain::*;
use ombud_envelope::{KeyStore, MasterKey, Sha256Hash, Vault};
use ombud_eventlog::embedded::{EmbeddedBackend, EmbeddedConfig, SledKeyStore};
use ombud_eventlog::jetstream::{JetStreamBackend, JetStreamConfig, KvKeyStore};
use ombud_eventlog::{Append, Backend, EventLog};
use ombud_testkit::{NatsServer, NatsServerOptions, SyncPolicy, TempDir};
use uuid::Uuid;

/// Benchmark ombud's event log against raw JetStream and raw sled writes.
///
/// Example: `cargo run --release -p ombud-bench -- --events 2000 --pipelined 20000`
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Events written one at a time (concurrency 1), per run.
    #[arg(long, default_value_t = 2000)]
    events: usize,
    /// Events written pipelined across many cases, per run.
    #[arg(long, default_value_t = 20000)]
    pipelined: usize,
    /// In-flight appends in the pipelined runs (one case per writer at a time).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[command(flatten)]
    backends: Backends,
    /// Alternating rounds per JetStream comparison: each round runs raw, ombud, ombud, raw on
    /// a share of the events, so drift during the run (stream growth, page cache, fsync
    /// timing) falls on both sides alike.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Run the projection benchmark with this many events (0: skip it).
    #[arg(long, value_name = "EVENTS", default_value_t = 0)]
    projection: usize,
    /// Rounds of the projection benchmark's floor and full rebuild, alternating (floor,
    /// rebuild, floor, rebuild, ...); the ratios use the medians.
    #[arg(long, value_name = "N", default_value_t = 3)]
    projection_rounds: usize,
    /// Skip the event-log benchmark (e.g. to run only `--projection`).
    #[arg(long)]
    skip_eventlog: bool,
    /// Only time ombud's CPU work per event (seal, decide, encode, hash, evolve), no IO.
    #[arg(long)]
    cpu_only: bool,
}

/// Which backends a benchmark runs on.
#[derive(Debug, Clone, clap::Args)]
pub struct Backends {
    /// Use this NATS server (its stream gets the bench's events) instead of starting
    /// `nats-server`s from PATH in temporary directories (the event-log bench starts two:
    /// default sync, and `sync_interval: always`).
    #[arg(long, value_name = "URL")]
    pub nats: Option<String>,
    /// Skip the embedded (sled) backend.
    #[arg(long)]
    pub skip_embedded: bool,
    /// Skip JetStream.
    #[arg(long)]
    pub skip_jetstream: bool,
}

impl Backends {
    /// The NATS server to measure on: `--nats URL`, or a `nats-server` started from PATH in a
    /// temporary directory (kept running while the returned guard lives).
    pub fn nats_url(&self) -> anyhow::Result<(Option<NatsServer>, String)> {
        match &self.nats {
            Some(url) => Ok((None, url.clone())),
            None => {
                let server = NatsServer::start().context(
                    "starting nats-server for the JetStream figures (or pass --skip-jetstream)",
                )?;
                let url = server.url();
                Ok((Some(server), url))
            }
        }
    }
}

/// Events per case in the event-log workloads: a report, then notes.
pub const EVENTS_PER_CASE: usize = 10;

/// What the bench's client reuses from command to command: the rules, its actors, the time
/// and the report's plain fields, parsed once (parsing them is the client's work, not the
/// append path being measured).
#[derive(Debug, Clone)]
pub struct Workload {
    rules: Arc<Rules>,
    intake: Actor,
    investigator: Actor,
    at: Timestamp,
    office: OfficeCode,
    respondent: Respondent,
    forms: Vec<FormCode>,
}

impl Workload {
    /// The bench's workload under the default rules.
    pub fn new() -> anyhow::Result<Self> {
        let office = OfficeCode::parse("jawa-barat")?;
        let actor = |role| -> anyhow::Result<Actor> {
            Ok(Actor {
                id: ActorId::parse("bench.user")?,
                role,
                office: office.clone(),
            })
        };
        Ok(Workload {
            rules: Arc::new(Rules::default()),
            intake: actor(Role::Intake)?,
            investigator: actor(Role::Investigator)?,
            at: Timestamp::parse("2026-09-01T02:00:00Z")?,
            respondent: Respondent {
                agency_code: AgencyCode::parse("disdukcapil-kota-tasikmalaya")?,
                agency_name: "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya".into(),
                unit: Some("Layanan akta".into()),
                superior: Some("Wali Kota Tasikmalaya".into()),
            },
            forms: vec![FormCode::parse("improper_request_for_payment")?],
            office,
        })
    }

    /// The command for position `position` of a case: a report first, then notes, with its
    /// personal data sealed.
    async fn command<S: KeyStore>(
        &self,
        vault: &Vault<S>,
        case_id: CaseId,
        position: usize,
    ) -> anyhow::Result<Command> {
        let key = KeyId::for_case(case_id);
        let body = if position == 0 {
            let identity = vault
                .seal(
                    &key,
                    "reporter.identity",
                    br#"{"name":"Asep Saepudin","nik":"3278010101800001","phone":"+6281311112222"}"#,
                )
                .await?;
            let summary = vault
                .seal(&key, "summary", "Petugas loket meminta biaya tambahan untuk penerbitan akta kelahiran tanpa dasar peraturan yang jelas.".as_bytes())
                .await?;
            CommandBody::Report(Box::new(ReportCase {
                office: self.office.clone(),
                channel: Channel::WalkIn,
                external_ref: None,
                track: Track::Regular,
                reporter: Some(ReporterData {
                    confidential: false,
                    identity,
                }),
                received_on: None,
                respondent: Some(self.respondent.clone()),
                forms: self.forms.clone(),
                incident_date: None,
                prior_complaint: true,
                summary,
                criteria: Vec::new(),
                decision: None,
            }))
        } else {
            CommandBody::AddNote {
                note: vault
                    .seal(
                        &key,
                        "note",
                        "Pelapor dihubungi, dokumen tambahan akan dikirim minggu depan.".as_bytes(),
                    )
                    .await?,
            }
        };
        Ok(Command {
            case_id,
            actor: if position == 0 {
                self.intake.clone()
            } else {
                self.investigator.clone()
            },
            at: self.at,
            rules: self.rules.clone(),
            body,
        })
    }
}

/// ombud's path: seal, load (cached), decide, append.
pub async fn ombud_op<B: Backend, S: KeyStore>(
    log: &EventLog<B>,
    vault: &Vault<S>,
    workload: &Workload,
    case_id: CaseId,
    position: usize,
) -> anyhow::Result<()> {
    ombud_append(log, vault, workload, case_id, position).await?;
    Ok(())
}

/// [`ombud_op`], answering the append's receipt.
pub async fn ombud_append<B: Backend, S: KeyStore>(
    log: &EventLog<B>,
    vault: &Vault<S>,
    workload: &Workload,
    case_id: CaseId,
    position: usize,
) -> anyhow::Result<ombud_eventlog::Receipt> {
    let command = workload.command(vault, case_id, position).await?;
    // A report names a case id made just now: nothing to read (as the service does).
    let loaded = if position == 0 {
        log.assume_new(case_id)
    } else {
        log.load(case_id).await?
    };
    let event = decide(&loaded.state, command)?;
    Ok(log
        .append(Append {
            event,
            expected: loaded.head.case_seq,
            idempotency_key: IdempotencyKey::parse(&format!("{case_id}-{position}"))?,
            command_hash: Sha256Hash::of(format!("{case_id}-{position}").as_bytes()),
            correlation_id: None,
            causation_id: Uuid::now_v7(),
        })
        .await?)
}

/// Body sizes ombud writes at a case's first and later positions, for the raw runs.
pub async fn body_sizes() -> anyhow::Result<(usize, usize)> {
    let dir = TempDir::new("bench-sizes")?;
    let backend = Arc::new(EmbeddedBackend::open(&EmbeddedConfig::new(
        dir.path().join("data"),
    ))?);
    let log = EventLog::new(backend.clone(), ombud_envelope::WriteKeys::generate());
    let vault = Vault::new(MasterKey::generate(), SledKeyStore::open(&backend)?);
    let workload = Workload::new()?;
    let case = CaseId::from_uuid(Uuid::now_v7());
    vault.create_key(&KeyId::for_case(case)).await?;
    ombud_op(&log, &vault, &workload, case, 0).await?;
    ombud_op(&log, &vault, &workload, case, 1).await?;
    let events = backend.read_case(case, 0).await?;
    Ok((events[0].body.len(), events[1].body.len()))
}

async fn create_keys<S: KeyStore>(vault: &Vault<S>, cases: &[CaseId]) -> anyhow::Result<()> {
    for case in cases {
        vault.create_key(&KeyId::for_case(*case)).await?;
    }
    Ok(())
}

async fn bench_jetstream(
    args: &Args,
    url: &str,
    sync: &str,
    sizes: (usize, usize),
) -> anyhow::Result<()> {
    let (backend, _) = JetStreamBackend::connect(JetStreamConfig::new(url)).await?;
    let backend = Arc::new(backend);
    let keys = KvKeyStore::open(&backend).await?;
    let vault = Arc::new(Vault::new(MasterKey::generate(), keys));
    let log = Arc::new(EventLog::new(
        backend.clone(),
        ombud_envelope::WriteKeys::generate(),
    ));
    let workload = Arc::new(Workload::new()?);
    let raw = backend.context().clone();

    for (mode, events, concurrency) in [
        ("one-by-one", args.events, 1),
        ("pipelined", args.pipelined, args.concurrency),
    ] {
        // The stream grows during a run, which slows later writes a little: run raw, ombud,
        // ombud, raw (ABBA) and merge each side's halves so neither gains from going first.
        let rounds = args.rounds.max(1);
        let half = events / (2 * rounds);
        let raw_run = |events: usize| floor::raw_jetstream(&raw, events, concurrency, sizes);
        let ombud_run = |cases: Arc<Vec<CaseId>>, events: usize| {
            // ombud: seal, decide, envelope, hash, append (keys created beforehand).
            let (log, vault, workload) = (log.clone(), vault.clone(), workload.clone());
            drive(events, concurrency, move |case, position| {
                let (log, vault, workload, cases) =
                    (log.clone(), vault.clone(), workload.clone(), cases.clone());
                async move { ombud_op(&log, &vault, &workload, cases[case], position).await }
            })
        };
        let (mut raw_total, mut ombud_total) = (Run::empty(), Run::empty());
        for _ in 0..rounds {
            let (first, second) = (case_ids(half), case_ids(half));
            create_keys(&vault, &first).await?;
            create_keys(&vault, &second).await?;
            raw_total = raw_total.merge(raw_run(half).await?);
            ombud_total = ombud_total.merge(ombud_run(first, half).await?);
            ombud_total = ombud_total.merge(ombud_run(second, half).await?);
            raw_total = raw_total.merge(raw_run(half).await?);
        }
        print_row(
            "jetstream",
            sync,
            mode,
            concurrency,
            &raw_total,
            &ombud_total,
        );
    }
    cold_loads(&log, &vault, &workload, sync).await
}

/// Cases of this many events in the cold-load measurement.
const COLD_CASE_EVENTS: usize = 20;

/// Cold loads of 20-event cases: ombud (a log with nothing cached reads the case, checks every
/// mark and link, decodes and folds it) against the raw floor (the backend's read of the same
/// messages, bytes only), alternating case by case.
async fn cold_loads<S: KeyStore>(
    log: &EventLog<Arc<JetStreamBackend>>,
    vault: &Vault<S>,
    workload: &Workload,
    sync: &str,
) -> anyhow::Result<()> {
    const CASES: usize = 200;
    let cases: Vec<CaseId> = (0..CASES)
        .map(|_| CaseId::from_uuid(Uuid::now_v7()))
        .collect();
    create_keys(vault, &cases).await?;
    for case in cases.iter() {
        for position in 0..COLD_CASE_EVENTS {
            ombud_op(log, vault, workload, *case, position).await?;
        }
    }
    let (mut raw, mut ombud) = (Vec::with_capacity(CASES), Vec::with_capacity(CASES));
    for case in cases.iter() {
        let started = Instant::now();
        let messages = log.backend().read_case(*case, 0).await?;
        raw.push(started.elapsed());
        anyhow::ensure!(
            messages.len() == COLD_CASE_EVENTS,
            "the raw read missed events"
        );
        let cold = EventLog::with_cache(log.backend().clone(), log.marks().clone(), 1);
        let started = Instant::now();
        let loaded = cold.load(*case).await?;
        ombud.push(started.elapsed());
        anyhow::ensure!(
            loaded.head.case_seq == COLD_CASE_EVENTS as u64,
            "the cold load missed events"
        );
    }
    let p = |v: &mut Vec<Duration>, q: f64| {
        v.sort();
        v[((v.len() - 1) as f64 * q) as usize]
    };
    let (r50, r99, o50, o99) = (
        p(&mut raw, 0.5),
        p(&mut raw, 0.99),
        p(&mut ombud, 0.5),
        p(&mut ombud, 0.99),
    );
    println!(
        "jetstream  {sync:<8} cold load of a {COLD_CASE_EVENTS}-event case, {CASES} cases (ms): raw p50 {} p99 {} | ombud p50 {} p99 {} | p50 ratio {:.2}",
        measure::ms(r50),
        measure::ms(r99),
        measure::ms(o50),
        measure::ms(o99),
        o50.as_secs_f64() / r50.as_secs_f64().max(1e-9)
    );
    Ok(())
}

async fn bench_embedded(args: &Args, sizes: (usize, usize)) -> anyhow::Result<()> {
    for (mode, events, concurrency) in [
        ("one-by-one", args.events, 1),
        ("pipelined", args.pipelined, args.concurrency),
    ] {
        // Each phase starts on a settled disk (the previous phase's write-back done), so
        // neither side pays for the other's.
        measure::settle().await;
        let raw_run = floor::raw_sled(events, concurrency, sizes).await?;

        let dir = TempDir::new("bench-ombud-sled")?;
        let backend = Arc::new(EmbeddedBackend::open(&EmbeddedConfig::new(dir.path()))?);
        let vault = Arc::new(Vault::new(
            MasterKey::generate(),
            SledKeyStore::open(&backend)?,
        ));
        let log = Arc::new(EventLog::new(
            backend,
            ombud_envelope::WriteKeys::generate(),
        ));
        let workload = Arc::new(Workload::new()?);
        let cases = case_ids(events);
        create_keys(&vault, &cases).await?;
        measure::settle().await;
        let ombud_run = {
            let (log, vault, workload, cases) =
                (log.clone(), vault.clone(), workload.clone(), cases.clone());
            drive(events, concurrency, move |case, position| {
                let (log, vault, workload, cases) =
                    (log.clone(), vault.clone(), workload.clone(), cases.clone());
                async move { ombud_op(&log, &vault, &workload, cases[case], position).await }
            })
            .await?
        };
        drop((log, vault, workload, dir));
        // The floor again after ombud, and the faster of its two runs counts: drift in the
        // machine during the run then cannot flatter ombud.
        measure::settle().await;
        let raw_after = floor::raw_sled(events, concurrency, sizes).await?;
        println!(
            "  (embedded {mode}: raw floor before ombud {:.0} ev/s, after {:.0} ev/s; the faster counts)",
            raw_run.rate(),
            raw_after.rate()
        );
        let floor = if raw_after.rate() > raw_run.rate() {
            &raw_after
        } else {
            &raw_run
        };
        print_row("embedded", "flush", mode, concurrency, floor, &ombud_run);
    }
    Ok(())
}

/// Times the CPU part of ombud's append path, without any IO, per step.
async fn cpu_profile(events: usize) -> anyhow::Result<()> {
    let vault = Vault::new(MasterKey::generate(), ombud_envelope::MemoryKeyStore::new());
    let workload = Workload::new()?;
    let cases = case_ids(events);
    create_keys(&vault, &cases).await?;
    let marks = ombud_envelope::WriteKeys::generate();
    let (
        mut t_command,
        mut t_decide,
        mut t_encode,
        mut t_hash,
        mut t_mac,
        mut t_check,
        mut t_evolve,
    ) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    let mut body_bytes = 0usize;
    for case in 0..events / EVENTS_PER_CASE {
        let mut state = CaseState::default();
        let mut prev = None;
        for position in 0..EVENTS_PER_CASE {
            let t = Instant::now();
            let command = workload.command(&vault, cases[case], position).await?;
            t_command += t.elapsed();
            let t = Instant::now();
            let event = decide(&state, command)?;
            t_decide += t.elapsed();
            let t = Instant::now();
            let recorded = ombud_envelope::RecordedEvent {
                meta: ombud_envelope::EventMeta {
                    id: Uuid::now_v7(),
                    case_seq: state.version + 1,
                    prev_hash: prev,
                    idempotency_key: IdempotencyKey::parse("k")?,
                    command_hash: Sha256Hash::of(b"c"),
                    correlation_id: Uuid::now_v7(),
                    causation_id: Uuid::now_v7(),
                },
                event,
                upcast_from: None,
            };
            let body = ombud_envelope::encode(&recorded);
            t_encode += t.elapsed();
            let t = Instant::now();
            prev = Some(Sha256Hash::of(&body));
            t_hash += t.elapsed();
            // ombud's mark: made once on append, checked on every read.
            let t = Instant::now();
            let mac = marks.sign(&body);
            t_mac += t.elapsed();
            let t = Instant::now();
            marks
                .verify(Some(&mac), &body)
                .map_err(|e| anyhow::anyhow!("the mark just made does not verify: {e}"))?;
            t_check += t.elapsed();
            body_bytes += body.len();
            let t = Instant::now();
            state = evolve(state, &recorded.event);
            t_evolve += t.elapsed();
        }
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / events as f64;
    println!(
        "cpu per event (us): seal+command {:.2}, decide {:.2}, envelope+encode {:.2}, hash {:.2}, \
         mark (Ombud-Mac) {:.2}, mark check {:.2}, evolve {:.2}; mean body {} bytes",
        per(t_command),
        per(t_decide),
        per(t_encode),
        per(t_hash),
        per(t_mac),
        per(t_check),
        per(t_evolve),
        body_bytes / events.max(1)
    );
    Ok(())
}

/// Runs the benchmarks `args` ask for, printing their tables to stdout.
pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.cpu_only {
        return cpu_profile(args.pipelined).await;
    }
    if !args.skip_eventlog {
        bench_eventlog(&args).await?;
    }
    if args.projection > 0 {
        bench_projections(&args).await?;
    }
    Ok(())
}

async fn bench_projections(args: &Args) -> anyhow::Result<()> {
    if !args.backends.skip_jetstream {
        let (_server, url) = args.backends.nats_url()?;
        let (backend, _) = JetStreamBackend::connect(JetStreamConfig::new(url)).await?;
        let log = Arc::new(EventLog::new(
            Arc::new(backend),
            ombud_envelope::WriteKeys::generate(),
        ));
        projection::bench(
            "jetstream",
            log.clone(),
            args.projection,
            args.concurrency,
            args.projection_rounds,
        )
        .await?;
        projection::row_growth("jetstream", log).await?;
    }
    if !args.backends.skip_embedded {
        let dir = TempDir::new("bench-embedded-log")?;
        let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path().join("log")))?;
        let log = Arc::new(EventLog::new(
            Arc::new(backend),
            ombud_envelope::WriteKeys::generate(),
        ));
        projection::bench(
            "embedded",
            log.clone(),
            args.projection,
            args.concurrency,
            args.projection_rounds,
        )
        .await?;
        projection::row_growth("embedded", log).await?;
    }
    Ok(())
}

async fn bench_eventlog(args: &Args) -> anyhow::Result<()> {
    let sizes = body_sizes().await.context("measuring ombud's body sizes")?;
    println!(
        "ombud-bench: cases of {EVENTS_PER_CASE} events (a report of {} bytes, then notes of {} bytes); \
         ombud = seal + decide + envelope + hash + append with concurrency check and idempotency; \
         data keys created before timing",
        sizes.0, sizes.1
    );
    print_header();
    if !args.backends.skip_jetstream {
        match &args.backends.nats {
            Some(url) => bench_jetstream(args, url, "server", sizes).await?,
            None => {
                for (sync, policy) in [
                    ("default", SyncPolicy::Default),
                    ("always", SyncPolicy::Always),
                ] {
                    let server = NatsServer::start_with(NatsServerOptions {
                        sync: policy,
                        ..NatsServerOptions::default()
                    })
                    .context("starting nats-server")?;
                    bench_jetstream(args, &server.url(), sync, sizes).await?;
                }
            }
        }
    }
    if !args.backends.skip_embedded {
        bench_embedded(args, sizes).await?;
    }
    Ok(())
}
