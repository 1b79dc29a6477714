//! `GET /metrics` (Prometheus text format): commands by route and outcome, command latency
//! as a histogram, per projector its checkpoint, lag and quarantined events, and the live
//! feed's open clients and the clients it dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use ombud_projection::ProjectorStatus;

/// Latency bucket bounds, in seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Debug, Default)]
struct Inner {
    commands: BTreeMap<(String, String), u64>,
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

/// The API's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Records one command: its route, outcome (`ok` or a problem code) and duration.
    pub fn command(&self, route: &str, outcome: &str, took: Duration) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *inner
            .commands
            .entry((route.to_owned(), outcome.to_owned()))
            .or_insert(0) += 1;
        if inner.buckets.is_empty() {
            inner.buckets = vec![0; BUCKETS.len()];
        }
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                inner.buckets[i] += 1;
            }
        }
        inner.sum += secs;
        inner.count += 1;
    }

    /// The text exposition, with the projectors' status appended.
    pub fn render(&self, projectors: &[ProjectorStatus]) -> String {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = String::new();
        out.push_str("# HELP ombud_commands_total Commands handled, by route and outcome.\n");
        out.push_str("# TYPE ombud_commands_total counter\n");
        for ((route, outcome), n) in &inner.commands {
            let _ = writeln!(
                out,
                "ombud_commands_total{{command=\"{route}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str("# HELP ombud_command_seconds Command latency (decide + append).\n");
        out.push_str("# TYPE ombud_command_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let n = inner.buckets.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "ombud_command_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "ombud_command_seconds_bucket{{le=\"+Inf\"}} {}",
            inner.count
        );
        let _ = writeln!(out, "ombud_command_seconds_sum {}", inner.sum);
        let _ = writeln!(out, "ombud_command_seconds_count {}", inner.count);
        let mut gauge = |name: &str, help: &str, value: fn(&ProjectorStatus) -> Option<u64>| {
            let _ = writeln!(out, "# HELP ombud_projector_{name} {help}");
            let _ = writeln!(out, "# TYPE ombud_projector_{name} gauge");
            for p in projectors {
                if let Some(v) = value(p) {
                    let _ = writeln!(
                        out,
                        "ombud_projector_{name}{{projector=\"{}\"}} {v}",
                        p.name
                    );
                }
            }
        };
        gauge("checkpoint", "Last stream sequence applied.", |p| {
            Some(p.checkpoint)
        });
        gauge("lag", "Events behind the log head.", |p| p.lag);
        gauge("quarantined", "Events in quarantine.", |p| {
            Some(p.quarantined)
        });
        gauge(
            "foreign",
            "Foreign messages seen (without ombud's mark): never applied.",
            |p| Some(p.foreign),
        );
        out
    }
}

/// Appends the live feed's gauges: SSE clients open now, and dropped for being too slow.
pub fn render_feed(out: &mut String, clients: usize, dropped: u64) {
    out.push_str("# HELP ombud_feed_clients SSE clients of GET /v1/events open now.\n");
    out.push_str("# TYPE ombud_feed_clients gauge\n");
    let _ = writeln!(out, "ombud_feed_clients {clients}");
    out.push_str(
        "# HELP ombud_feed_dropped_total SSE clients dropped for falling too far behind.\n",
    );
    out.push_str("# TYPE ombud_feed_dropped_total counter\n");
    let _ = writeln!(out, "ombud_feed_dropped_total {dropped}");
}

/// Appends the queries' count of waits for this process's own writes.
pub fn render_reads(out: &mut String, own_writes_waits: u64) {
    out.push_str(
        "# HELP ombud_read_own_writes_waits_total Queries that waited (up to 250 ms) for the \
         read models to show a command this process acknowledged.\n",
    );
    out.push_str("# TYPE ombud_read_own_writes_waits_total counter\n");
    let _ = writeln!(out, "ombud_read_own_writes_waits_total {own_writes_waits}");
}
