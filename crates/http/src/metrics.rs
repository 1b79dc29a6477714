//! `GET /metrics` (Prometheus text format): commands by route and outcome, command latency
//! as a histogram, and per projector its checkpoint, lag and quarantined events.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

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
    pub fn render(&self, projectors: &[ombud_projection::ProjectorStatus]) -> String {
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
        out.push_str("# HELP ombud_projector_checkpoint Last stream sequence applied.\n");
        out.push_str("# TYPE ombud_projector_checkpoint gauge\n");
        for p in projectors {
            let _ = writeln!(
                out,
                "ombud_projector_checkpoint{{projector=\"{}\"}} {}",
                p.name, p.checkpoint
            );
        }
        out.push_str("# HELP ombud_projector_lag Events behind the log head.\n");
        out.push_str("# TYPE ombud_projector_lag gauge\n");
        for p in projectors {
            if let Some(lag) = p.lag {
                let _ = writeln!(out, "ombud_projector_lag{{projector=\"{}\"}} {lag}", p.name);
            }
        }
        out.push_str("# HELP ombud_projector_quarantined Events in quarantine.\n");
        out.push_str("# TYPE ombud_projector_quarantined gauge\n");
        for p in projectors {
            let _ = writeln!(
                out,
                "ombud_projector_quarantined{{projector=\"{}\"}} {}",
                p.name, p.quarantined
            );
        }
        out.push_str(
            "# HELP ombud_projector_foreign Foreign messages seen (without ombud's mark): never applied.\n",
        );
        out.push_str("# TYPE ombud_projector_foreign gauge\n");
        for p in projectors {
            let _ = writeln!(
                out,
                "ombud_projector_foreign{{projector=\"{}\"}} {}",
                p.name, p.foreign
            );
        }
        out
    }
}
