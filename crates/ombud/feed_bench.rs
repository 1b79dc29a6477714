//! `ombud bench feed`: the live feed (`GET /v1/events`) under load. The whole server runs in
//! this process (as `ombud bench api` runs it); raw HTTP/1.1 clients attach with
//! `Last-Event-ID` at the head, then events are appended at a fixed rate (ombud's append path:
//! seal, decide, append) while they listen. Per client it checks that every event arrived
//! once and in order; across clients it prints the delivery lag (from just before an event's
//! append to the read that carried it to the client) at p50, p99 and max, the same run with one
//! client as the floor, and on JetStream the stream's consumer count with every client on.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use ombud_bench::measure::ms;
use ombud_domain::{CaseId, KeyId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::bench::{InProcess, Setup, Which};

/// `ombud bench feed` options.
#[derive(Debug, Args)]
pub struct FeedArgs {
    /// SSE clients attached at once (a run with one client comes first, as the floor).
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Events appended per second while they listen.
    #[arg(long, default_value_t = 1000)]
    rate: usize,
    /// Seconds of appending.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Cases in the demo data set loaded before measuring.
    #[arg(long, value_name = "N", default_value_t = 200)]
    demo_cases: usize,
    /// Working-day calendar (default: the built-in one).
    #[arg(long, value_name = "FILE")]
    holidays: Option<std::path::PathBuf>,
    #[command(flatten)]
    backends: ombud_bench::Backends,
}

/// Writers appending concurrently (each on cases of its own), paced together at the rate.
const WRITERS: usize = 8;

/// Runs `ombud bench feed`.
pub async fn feed(args: FeedArgs) -> anyhow::Result<()> {
    println!(
        "ombud bench feed: server in this process; {} SSE clients from the head while {} events/s \
         are appended for {} s; lag = from just before an event's append to the read that \
         brought it to a client",
        args.clients, args.rate, args.seconds
    );
    let setup = || Setup {
        holidays: args.holidays.as_deref(),
        demo_cases: args.demo_cases,
        seed: 1,
        feed: ombud_http::feed::FeedConfig {
            per_token: args.clients + 1,
            ..Default::default()
        },
    };
    for (which, skip) in [
        (Which::JetStream, args.backends.skip_jetstream),
        (Which::Embedded, args.backends.skip_embedded),
    ] {
        if skip {
            continue;
        }
        let running = InProcess::start(which, &args.backends, setup()).await?;
        let context = running
            .log
            .backend()
            .jetstream()
            .map(|b| b.context().clone());
        for clients in [1, args.clients] {
            run(which.name(), &running, clients, &args, context.as_ref()).await?;
        }
        running.stop().await?;
    }
    Ok(())
}

/// What one client read: for each event, its offset from the head and when it arrived (µs
/// from the run's start).
type Arrivals = Vec<(u32, u32)>;

async fn run(
    name: &str,
    running: &InProcess,
    clients: usize,
    args: &FeedArgs,
    jetstream: Option<&async_nats::jetstream::Context>,
) -> anyhow::Result<()> {
    let head = running.log.head().await?;
    let total = args.rate * args.seconds as usize;
    let origin = Instant::now();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(clients.max(1));
    let mut readers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let stream = tokio::net::TcpStream::connect(running.addr).await?;
        let ready = ready_tx.clone();
        let within = Duration::from_secs(args.seconds + 60);
        readers.push(tokio::spawn(read_feed(
            stream, head, total, origin, ready, within,
        )));
    }
    drop(ready_tx);
    for _ in 0..clients {
        ready_rx
            .recv()
            .await
            .context("a client's feed did not start")?;
    }
    let consumers = match jetstream {
        Some(context) => Some(
            context
                .get_stream("OMBUD_CASES")
                .await?
                .info()
                .await?
                .state
                .consumer_count,
        ),
        None => None,
    };

    // The writers: each on cases of its own, together at `rate` events a second.
    let sent: Arc<Vec<OnceLock<u32>>> = Arc::new((0..total).map(|_| OnceLock::new()).collect());
    let workload = Arc::new(ombud_bench::Workload::new()?);
    let started = Instant::now();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let cases: Vec<CaseId> = (0..(total / WRITERS) / ombud_bench::EVENTS_PER_CASE + 2)
            .map(|_| CaseId::from_uuid(uuid::Uuid::now_v7()))
            .collect();
        for case in &cases {
            running.vault.create_key(&KeyId::for_case(*case)).await?;
        }
        let (log, vault, workload, sent) = (
            running.log.clone(),
            running.vault.clone(),
            workload.clone(),
            sent.clone(),
        );
        let rate = args.rate as f64;
        writers.push(tokio::spawn(async move {
            let mut k = 0usize;
            let mut i = w;
            while i < total {
                let due = started + Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(due.into()).await;
                let t0 = micros(origin.elapsed());
                let (case, position) = (
                    cases[k / ombud_bench::EVENTS_PER_CASE],
                    k % ombud_bench::EVENTS_PER_CASE,
                );
                let receipt =
                    ombud_bench::ombud_append(&log, &vault, &workload, case, position).await?;
                let at = usize::try_from(receipt.stream_seq - head - 1)?;
                sent.get(at)
                    .context("an event beyond the run's")?
                    .set(t0)
                    .ok();
                k += 1;
                i += WRITERS;
            }
            anyhow::Ok(())
        }));
    }
    for writer in writers {
        writer.await??;
    }
    let writing = started.elapsed();

    let mut lags = Vec::with_capacity(clients * total);
    let mut complete = 0usize;
    for reader in readers {
        let arrivals = reader.await??;
        let in_order = arrivals.len() == total
            && arrivals
                .iter()
                .enumerate()
                .all(|(i, (offset, _))| *offset as usize == i);
        if in_order {
            complete += 1;
        }
        for (offset, at) in arrivals {
            if let Some(t0) = sent.get(offset as usize).and_then(OnceLock::get) {
                lags.push(at.saturating_sub(*t0));
            }
        }
    }
    lags.sort_unstable();
    let pick = |q: f64| {
        let at = ((lags.len().max(1) - 1) as f64 * q) as usize;
        Duration::from_micros(u64::from(lags.get(at).copied().unwrap_or(0)))
    };
    println!(
        "{name:<10} feed: {clients:>5} clients, {total} events at {:.0}/s: delivery lag p50 {} p99 {} max {} ms; {complete}/{clients} clients got every event once, in order{}",
        total as f64 / writing.as_secs_f64(),
        ms(pick(0.5)),
        ms(pick(0.99)),
        ms(pick(1.0)),
        consumers
            .map(|n| format!("; consumers on the stream with them attached: {n}"))
            .unwrap_or_default()
    );
    Ok(())
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// One SSE client from `head`: signals `ready` once its feed has started, then records each
/// event's arrival until it has `total` of them (or `within` passes).
async fn read_feed(
    mut stream: tokio::net::TcpStream,
    head: u64,
    total: usize,
    origin: Instant,
    ready: tokio::sync::mpsc::Sender<()>,
    within: Duration,
) -> anyhow::Result<Arrivals> {
    let request = format!(
        "GET /v1/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer bench-auditor\r\nLast-Event-ID: {head}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut arrivals = Arrivals::with_capacity(total);
    let finder = memchr::memmem::Finder::new(b"\nid: ");
    let mut buffer = vec![0u8; 16 * 1024];
    // Bytes kept from the last read: a line split across two reads.
    let mut kept = 0usize;
    let mut started = false;
    let deadline = tokio::time::Instant::now() + within;
    while arrivals.len() < total {
        let n = match tokio::time::timeout_at(deadline, stream.read(&mut buffer[kept..])).await {
            Ok(read) => read?,
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let at = micros(origin.elapsed());
        let filled = kept + n;
        let data = &buffer[..filled];
        if !started {
            if data.len() < 12 {
                kept = filled;
                continue;
            }
            anyhow::ensure!(
                data.starts_with(b"HTTP/1.1 200"),
                "the feed answered {}",
                String::from_utf8_lossy(&data[..data.len().min(200)])
            );
            started = true;
            ready.send(()).await.ok();
        }
        let mut done = 0usize;
        for found in finder.find_iter(data) {
            let digits = found + 5;
            let Some(end) = memchr::memchr(b'\n', &data[digits..]) else {
                break; // the rest of the line comes with the next read
            };
            let seq: u64 = std::str::from_utf8(&data[digits..digits + end])?
                .trim()
                .parse()?;
            arrivals.push((u32::try_from(seq - head - 1)?, at));
            done = digits + end;
        }
        // Keep what may start a line not yet complete: at most the last 32 bytes.
        let from = done.max(filled.saturating_sub(32));
        buffer.copy_within(from..filled, 0);
        kept = filled - from;
    }
    Ok(arrivals)
}
