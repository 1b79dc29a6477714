//! `ombud-bench`: ombud's event log measured against the raw floor in the same run.
//!
//! For each backend and durability setting, the same workload (cases of one report and nine
//! notes, bodies of the same sizes) runs twice: once as raw writes (async-nats publish with
//! the same optimistic-concurrency headers; sled insert + flush) and once through ombud
//! (seal the personal data, decide, envelope, hash, append with concurrency check and
//! idempotency). Printed: events/s, p50 and p99 latency, and ombud/raw ratios.

mod projection;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
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
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Events written one at a time (concurrency 1), per run.
    #[arg(long, default_value_t = 2000)]
    events: usize,
    /// Events written pipelined across many cases, per run.
    #[arg(long, default_value_t = 20000)]
    pipelined: usize,
    /// In-flight appends in the pipelined runs (one case per writer at a time).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Use this NATS server instead of starting two (default sync, and sync_interval: always).
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// Skip the embedded (sled) backend.
    #[arg(long)]
    skip_embedded: bool,
    /// Skip JetStream.
    #[arg(long)]
    skip_jetstream: bool,
    /// Alternating rounds per JetStream comparison: each round runs raw, ombud, ombud, raw on
    /// a share of the events, so drift during the run (stream growth, page cache, fsync
    /// timing) falls on both sides alike.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Run the projection benchmark with this many events (0: skip it).
    #[arg(long, value_name = "EVENTS", default_value_t = 0)]
    projection: usize,
    /// Skip the event-log benchmark (e.g. to run only `--projection`).
    #[arg(long)]
    skip_eventlog: bool,
    /// Only time ombud's CPU work per event (seal, decide, encode, hash, evolve), no IO.
    #[arg(long)]
    cpu_only: bool,
}

const EVENTS_PER_CASE: usize = 10;

/// One measured run.
struct Run {
    events: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// CPU time this process spent (user + system) during the run.
    cpu: Duration,
}

/// CPU time used by this process so far (from /proc; zero where unavailable).
fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

impl Run {
    /// Two halves of one measurement.
    fn empty() -> Run {
        Run {
            events: 0,
            elapsed: Duration::ZERO,
            latencies: Vec::new(),
            cpu: Duration::ZERO,
        }
    }

    fn merge(mut self, other: Run) -> Run {
        self.events += other.events;
        self.elapsed += other.elapsed;
        self.cpu += other.cpu;
        self.latencies.extend(other.latencies);
        self
    }

    fn rate(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

fn print_header() {
    println!(
        "{:<10} {:<8} {:<10} {:>5} {:>7} | {:>10} {:>10} {:>6} | {:>8} {:>8} {:>6} | {:>8} {:>8} {:>6} | {:>7} {:>7}",
        "backend", "sync", "mode", "conc", "events", "raw ev/s", "ombud ev/s", "ratio", "raw p50", "omb p50", "ratio", "raw p99", "omb p99", "ratio", "raw cpu", "omb cpu"
    );
    println!("(latencies in ms; cpu = this process's CPU time per event in microseconds, server excluded)");
}

fn print_row(backend: &str, sync: &str, mode: &str, conc: usize, raw: &Run, ombud: &Run) {
    let (r50, o50, r99, o99) = (
        raw.percentile(0.5),
        ombud.percentile(0.5),
        raw.percentile(0.99),
        ombud.percentile(0.99),
    );
    println!(
        "{:<10} {:<8} {:<10} {:>5} {:>7} | {:>10.0} {:>10.0} {:>6.2} | {:>8} {:>8} {:>6.2} | {:>8} {:>8} {:>6.2} | {:>7.1} {:>7.1}",
        backend,
        sync,
        mode,
        conc,
        ombud.events,
        raw.rate(),
        ombud.rate(),
        ombud.rate() / raw.rate(),
        ms(r50),
        ms(o50),
        o50.as_secs_f64() / r50.as_secs_f64(),
        ms(r99),
        ms(o99),
        o99.as_secs_f64() / r99.as_secs_f64(),
        raw.cpu.as_secs_f64() * 1e6 / raw.events as f64,
        ombud.cpu.as_secs_f64() * 1e6 / ombud.events as f64,
    );
}

/// Runs `op(i)` for i in 0..events with `concurrency` writers; writer w takes indices
/// w, w+C, ... in whole cases, so each case is written by one writer, in order.
async fn drive<F, Fut>(events: usize, concurrency: usize, op: F) -> anyhow::Result<Run>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let cases = events / EVENTS_PER_CASE;
    let start = Instant::now();
    let cpu_start = process_cpu();
    let mut writers = Vec::new();
    for w in 0..concurrency {
        let op = op.clone();
        writers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut case = w;
            while case < cases {
                for position in 0..EVENTS_PER_CASE {
                    let t = Instant::now();
                    op(case, position).await?;
                    latencies.push(t.elapsed());
                }
                case += concurrency;
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(events);
    for writer in writers {
        latencies.extend(writer.await??);
    }
    Ok(Run {
        events: latencies.len(),
        elapsed: start.elapsed(),
        latencies,
        cpu: process_cpu().saturating_sub(cpu_start),
    })
}

fn actor(role: Role) -> Actor {
    Actor {
        id: ActorId::parse("bench.user").unwrap_or_else(|_| unreachable!()),
        role,
        office: OfficeCode::parse("jawa-barat").unwrap_or_else(|_| unreachable!()),
    }
}

/// The case ids of a run (fresh per run so runs do not collide).
fn case_ids(events: usize) -> Arc<Vec<CaseId>> {
    Arc::new(
        (0..events / EVENTS_PER_CASE + 1)
            .map(|_| CaseId::from_uuid(Uuid::now_v7()))
            .collect(),
    )
}

/// The command for position `position` of a case: a report first, then notes.
async fn command<S: KeyStore>(
    vault: &Vault<S>,
    rules: &Arc<Rules>,
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
            office: OfficeCode::parse("jawa-barat")?,
            channel: Channel::WalkIn,
            external_ref: None,
            track: Track::Regular,
            reporter: Some(ReporterData {
                confidential: false,
                identity,
            }),
            respondent: Respondent {
                agency_code: AgencyCode::parse("disdukcapil-kota-tasikmalaya")?,
                agency_name: "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya".into(),
                unit: Some("Layanan akta".into()),
                superior: Some("Wali Kota Tasikmalaya".into()),
            },
            forms: vec![FormCode::parse("improper_request_for_payment")?],
            incident_date: None,
            prior_complaint: true,
            summary,
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
        actor: actor(if position == 0 {
            Role::Intake
        } else {
            Role::Investigator
        }),
        at: Timestamp::parse("2026-09-01T02:00:00Z")?,
        rules: rules.clone(),
        body,
    })
}

/// ombud's path: seal, load (cached), decide, append.
async fn ombud_op<B: Backend, S: KeyStore>(
    log: &EventLog<B>,
    vault: &Vault<S>,
    rules: &Arc<Rules>,
    case_id: CaseId,
    position: usize,
) -> anyhow::Result<()> {
    let command = command(vault, rules, case_id, position).await?;
    // A report names a case id made just now: nothing to read (as the service does).
    let loaded = if position == 0 {
        log.assume_new(case_id)
    } else {
        log.load(case_id).await?
    };
    let event = decide(&loaded.state, command)?;
    log.append(Append {
        event,
        expected: loaded.head.case_seq,
        idempotency_key: IdempotencyKey::parse(&format!("{case_id}-{position}"))?,
        command_hash: Sha256Hash::of(format!("{case_id}-{position}").as_bytes()),
        correlation_id: None,
        causation_id: Uuid::now_v7(),
    })
    .await?;
    Ok(())
}

/// Body sizes ombud writes at a case's first and later positions, for the raw runs.
async fn body_sizes() -> anyhow::Result<(usize, usize)> {
    let dir = TempDir::new("bench-sizes")?;
    let backend = Arc::new(EmbeddedBackend::open(&EmbeddedConfig::new(
        dir.path().join("data"),
    ))?);
    let log = EventLog::new(backend.clone());
    let vault = Vault::new(MasterKey::generate(), SledKeyStore::open(&backend)?);
    let rules = Arc::new(Rules::default());
    let case = CaseId::from_uuid(Uuid::now_v7());
    vault.create_key(&KeyId::for_case(case)).await?;
    ombud_op(&log, &vault, &rules, case, 0).await?;
    ombud_op(&log, &vault, &rules, case, 1).await?;
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
    let log = Arc::new(EventLog::new(backend.clone()));
    let rules = Arc::new(Rules::default());
    let raw = backend.context().clone();
    let payloads = Arc::new((
        bytes::Bytes::from(vec![b'x'; sizes.0]),
        bytes::Bytes::from(vec![b'y'; sizes.1]),
    ));

    for (mode, events, concurrency) in [
        ("one-by-one", args.events, 1),
        ("pipelined", args.pipelined, args.concurrency),
    ] {
        // The stream grows during a run, which slows later writes a little: run raw, ombud,
        // ombud, raw (ABBA) and merge each side's halves so neither gains from going first.
        let rounds = args.rounds.max(1);
        let half = events / (2 * rounds);
        let raw_run = |events: usize| {
            // Raw: the same subjects, headers and body sizes, straight through async-nats.
            let cases = case_ids(events);
            let last = Arc::new(
                (0..cases.len())
                    .map(|_| std::sync::atomic::AtomicU64::new(0))
                    .collect::<Vec<_>>(),
            );
            let (raw, payloads) = (raw.clone(), payloads.clone());
            drive(events, concurrency, move |case, position| {
                let (raw, cases, last, payloads) =
                    (raw.clone(), cases.clone(), last.clone(), payloads.clone());
                async move {
                    let case_id = cases[case];
                    let mut headers = async_nats::HeaderMap::new();
                    headers.insert("Nats-Msg-Id", format!("raw-{case_id}-{position}").as_str());
                    let expected = last[case].load(std::sync::atomic::Ordering::Relaxed);
                    headers.insert(
                        "Nats-Expected-Last-Subject-Sequence",
                        expected.to_string().as_str(),
                    );
                    headers.insert(
                        "Nats-Expected-Last-Subject-Sequence-Subject",
                        format!("ombud.case.{case_id}.*").as_str(),
                    );
                    headers.insert(
                        "Ombud-Hash",
                        "0000000000000000000000000000000000000000000000000000000000000000",
                    );
                    let payload = if position == 0 {
                        payloads.0.clone()
                    } else {
                        payloads.1.clone()
                    };
                    let subject = format!(
                        "ombud.case.{case_id}.{}",
                        if position == 0 {
                            "reported"
                        } else {
                            "note_added"
                        }
                    );
                    let ack = raw
                        .publish_with_headers(subject, headers, payload)
                        .await?
                        .await?;
                    last[case].store(ack.sequence, std::sync::atomic::Ordering::Relaxed);
                    Ok(())
                }
            })
        };
        let ombud_run = |cases: Arc<Vec<CaseId>>, events: usize| {
            // ombud: seal, decide, envelope, hash, append (keys created beforehand).
            let (log, vault, rules) = (log.clone(), vault.clone(), rules.clone());
            drive(events, concurrency, move |case, position| {
                let (log, vault, rules, cases) =
                    (log.clone(), vault.clone(), rules.clone(), cases.clone());
                async move { ombud_op(&log, &vault, &rules, cases[case], position).await }
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
    Ok(())
}

async fn bench_embedded(args: &Args, sizes: (usize, usize)) -> anyhow::Result<()> {
    for (mode, events, concurrency) in [
        ("one-by-one", args.events, 1),
        ("pipelined", args.pipelined, args.concurrency),
    ] {
        // Raw: one sled insert of the same size per event, flushed before it counts.
        // Concurrent sled flushes can hang (see the embedded backend), so the floor flushes
        // the one safe way too: serialized, each flush covering every write before it.
        let dir = TempDir::new("bench-raw-sled")?;
        let db = sled::Config::new()
            .path(dir.path())
            .flush_every_ms(None)
            .open()?;
        let tree = db.open_tree("events")?;
        let flusher = Arc::new(ombud_eventlog::embedded::Flusher::new(db.clone()));
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let rows = Arc::new((vec![b'x'; sizes.0], vec![b'y'; sizes.1]));
        let raw_run = {
            let (flusher, tree, counter, rows) =
                (flusher.clone(), tree.clone(), counter.clone(), rows.clone());
            drive(events, concurrency, move |_case, position| {
                let (flusher, tree, counter, rows) =
                    (flusher.clone(), tree.clone(), counter.clone(), rows.clone());
                async move {
                    let seq = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let row = if position == 0 { &rows.0 } else { &rows.1 };
                    tree.insert(seq.to_be_bytes(), row.as_slice())?;
                    flusher.wrote();
                    flusher.flush().await?;
                    Ok(())
                }
            })
            .await?
        };
        drop((tree, flusher, db));

        let dir = TempDir::new("bench-ombud-sled")?;
        let backend = Arc::new(EmbeddedBackend::open(&EmbeddedConfig::new(dir.path()))?);
        let vault = Arc::new(Vault::new(
            MasterKey::generate(),
            SledKeyStore::open(&backend)?,
        ));
        let log = Arc::new(EventLog::new(backend));
        let rules = Arc::new(Rules::default());
        let cases = case_ids(events);
        create_keys(&vault, &cases).await?;
        let ombud_run = {
            let (log, vault, rules, cases) =
                (log.clone(), vault.clone(), rules.clone(), cases.clone());
            drive(events, concurrency, move |case, position| {
                let (log, vault, rules, cases) =
                    (log.clone(), vault.clone(), rules.clone(), cases.clone());
                async move { ombud_op(&log, &vault, &rules, cases[case], position).await }
            })
            .await?
        };
        print_row("embedded", "flush", mode, concurrency, &raw_run, &ombud_run);
    }
    Ok(())
}

/// Times the CPU part of ombud's append path, without any IO, per step.
async fn cpu_profile(events: usize) -> anyhow::Result<()> {
    let vault = Vault::new(MasterKey::generate(), ombud_envelope::MemoryKeyStore::new());
    let rules = Arc::new(Rules::default());
    let cases = case_ids(events);
    create_keys(&vault, &cases).await?;
    let (mut t_command, mut t_decide, mut t_encode, mut t_hash, mut t_evolve) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    for case in 0..events / EVENTS_PER_CASE {
        let mut state = CaseState::default();
        let mut prev = None;
        for position in 0..EVENTS_PER_CASE {
            let t = Instant::now();
            let command = command(&vault, &rules, cases[case], position).await?;
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
            };
            let body = ombud_envelope::encode(&recorded);
            t_encode += t.elapsed();
            let t = Instant::now();
            prev = Some(Sha256Hash::of(&body));
            t_hash += t.elapsed();
            let t = Instant::now();
            state = evolve(state, &recorded.event);
            t_evolve += t.elapsed();
        }
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / events as f64;
    println!(
        "cpu per event (us): seal+command {:.2}, decide {:.2}, envelope+encode {:.2}, hash {:.2}, evolve {:.2}",
        per(t_command), per(t_decide), per(t_encode), per(t_hash), per(t_evolve)
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
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
    if !args.skip_jetstream {
        let server = match &args.nats {
            Some(_) => None,
            None => Some(NatsServer::start().context("starting nats-server")?),
        };
        let url = args
            .nats
            .clone()
            .or_else(|| server.as_ref().map(NatsServer::url))
            .unwrap_or_default();
        let (backend, _) = JetStreamBackend::connect(JetStreamConfig::new(url)).await?;
        let log = Arc::new(EventLog::new(Arc::new(backend)));
        projection::bench("jetstream", log, args.projection, args.concurrency).await?;
    }
    if !args.skip_embedded {
        let dir = TempDir::new("bench-embedded-log")?;
        let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path().join("log")))?;
        let log = Arc::new(EventLog::new(Arc::new(backend)));
        projection::bench("embedded", log, args.projection, args.concurrency).await?;
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
    if !args.skip_jetstream {
        match &args.nats {
            Some(url) => bench_jetstream(args, url, "server", sizes).await?,
            None => {
                for (sync, policy) in [
                    ("default", SyncPolicy::Default),
                    ("always", SyncPolicy::Always),
                ] {
                    let server = NatsServer::start_with(NatsServerOptions {
                        sync: policy,
                        max_payload: None,
                    })
                    .context("starting nats-server")?;
                    bench_jetstream(args, &server.url(), sync, sizes).await?;
                }
            }
        }
    }
    if !args.skip_embedded {
        bench_embedded(args, sizes).await?;
    }
    Ok(())
}
