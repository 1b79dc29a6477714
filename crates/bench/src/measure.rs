//! Measuring: one run's events, wall time, per-event latencies and this process's CPU time;
//! percentiles; a driver that runs whole cases over N concurrent writers.

use std::time::{Duration, Instant};

use crate::EVENTS_PER_CASE;

/// One measured run.
pub struct Run {
    /// Events (or requests) measured.
    pub events: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// One latency per event.
    pub latencies: Vec<Duration>,
    /// CPU time this process spent (user + system) during the run.
    pub cpu: Duration,
}

/// CPU time used by this process so far (from /proc; zero where unavailable).
pub fn process_cpu() -> Duration {
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
    pub fn empty() -> Run {
        Run {
            events: 0,
            elapsed: Duration::ZERO,
            latencies: Vec::new(),
            cpu: Duration::ZERO,
        }
    }

    /// Adds another run (the halves of one alternating measurement).
    pub fn merge(mut self, other: Run) -> Run {
        self.events += other.events;
        self.elapsed += other.elapsed;
        self.cpu += other.cpu;
        self.latencies.extend(other.latencies);
        self
    }

    /// Events per second.
    pub fn rate(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency at quantile `p` (0..=1).
    pub fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    }
}

/// Milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

pub(crate) fn print_header() {
    println!(
        "{:<10} {:<8} {:<10} {:>5} {:>7} | {:>10} {:>10} {:>6} | {:>8} {:>8} {:>6} | {:>8} {:>8} {:>6} | {:>7} {:>7}",
        "backend", "sync", "mode", "conc", "events", "raw ev/s", "ombud ev/s", "ratio", "raw p50", "omb p50", "ratio", "raw p99", "omb p99", "ratio", "raw cpu", "omb cpu"
    );
    println!("(latencies in ms; cpu = this process's CPU time per event in microseconds, server excluded)");
}

pub(crate) fn print_row(
    backend: &str,
    sync: &str,
    mode: &str,
    conc: usize,
    raw: &Run,
    ombud: &Run,
) {
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
pub async fn drive<F, Fut>(events: usize, concurrency: usize, op: F) -> anyhow::Result<Run>
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

/// Lets the disk settle before a measured phase: writes back what earlier phases left dirty in
/// the page cache (`sync`), so one phase's write-back does not land in the next one's time.
pub async fn settle() {
    let _ = tokio::process::Command::new("sync").status().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
}
