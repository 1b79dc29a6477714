//! [`ProjectorStatus`]: what `ombud status`, `/readyz` and `/metrics` show per projector, and the
//! running counters behind it.

use schemars::JsonSchema;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::Serialize;

/// The state of a projector's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Not running (not started, or shut down).
    Stopped,
    /// Following the log.
    Running,
    /// Stopped by an error (see `last_error`); needs attention.
    Failed,
}

/// Progress of a rebuild.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RebuildProgress {
    /// The generation being built.
    pub generation: u64,
    /// Events replayed so far.
    pub done: u64,
    /// The stream head it is catching up to.
    pub target: u64,
    /// Replay rate.
    pub events_per_sec: f64,
    /// Estimated seconds left.
    pub eta_secs: Option<f64>,
}

/// One projector's status.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ProjectorStatus {
    /// The projector.
    pub name: &'static str,
    /// The generation serving queries.
    pub generation: u64,
    /// Last stream sequence durably applied.
    pub checkpoint: u64,
    /// The log's last sequence (when known).
    pub head: Option<u64>,
    /// `head - checkpoint`.
    pub lag: Option<u64>,
    /// Events applied per second over the last ~10 s.
    pub events_per_sec: f64,
    /// Events in quarantine.
    pub quarantined: u64,
    /// Foreign messages seen (without ombud's mark, or out of their case's chain): never
    /// applied, never holding a case.
    pub foreign: u64,
    /// Running, stopped or failed.
    pub state: RunState,
    /// The last error seen (log unavailable, stall...), if any.
    pub last_error: Option<String>,
    /// A rebuild in progress.
    pub rebuild: Option<RebuildProgress>,
    /// Read-model rows written by this process since it started (batches, not rebuilds).
    pub rows_written: u64,
    /// Bytes (keys + values) of those rows.
    pub bytes_written: u64,
}

/// Events-per-second over a sliding window of batch samples.
#[derive(Debug, Default)]
pub(crate) struct Rate {
    samples: VecDeque<(Instant, u64)>,
    total: u64,
}

const WINDOW: Duration = Duration::from_secs(10);

impl Rate {
    pub(crate) fn add(&mut self, events: u64) {
        let now = Instant::now();
        self.total += events;
        self.samples.push_back((now, self.total));
        while self
            .samples
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > WINDOW)
        {
            self.samples.pop_front();
        }
    }

    pub(crate) fn per_sec(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some((t0, n0)), Some((t1, n1))) if t1 > t0 => {
                (n1 - n0) as f64 / t1.duration_since(*t0).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}
