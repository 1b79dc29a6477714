//! A progress bar for long work (demo load, rebuild) on stderr: redrawn in place on a
//! terminal, one line per tenth otherwise (logs stay readable).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

/// A bar counting up to `total`.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: u64,
    started: Instant,
    tty: bool,
    last_tenth: Mutex<u64>,
    /// The count at the first `set` (work done before the bar appeared is not in its rate).
    base: Mutex<Option<u64>>,
}

impl Progress {
    /// A bar for `total` units of `label`.
    pub fn new(label: &str, total: u64) -> Self {
        Progress {
            label: label.to_owned(),
            total: total.max(1),
            started: Instant::now(),
            tty: std::io::stderr().is_terminal(),
            last_tenth: Mutex::new(u64::MAX),
            base: Mutex::new(None),
        }
    }

    /// Shows `done` of the total.
    pub fn set(&self, done: u64) {
        let done = done.min(self.total);
        let base = *self
            .base
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_or_insert(done.saturating_sub(1));
        let seen = done - base.min(done);
        let elapsed = self.started.elapsed().as_secs_f64();
        // A rate needs something to measure: until then it reads 0 (and the ETA is not shown).
        let rate = if seen > 1 && elapsed > 0.05 {
            seen as f64 / elapsed
        } else {
            0.0
        };
        let eta = if rate > 0.0 {
            format!("{:.0} s", (self.total - done) as f64 / rate)
        } else {
            "?".to_owned()
        };
        if self.tty {
            let width = 30usize;
            let filled = (done * width as u64 / self.total) as usize;
            eprint!(
                "\r{} [{}{}] {done}/{} {:.0}/s ETA {} ",
                self.label,
                "=".repeat(filled),
                " ".repeat(width - filled),
                self.total,
                rate,
                eta
            );
            if done == self.total {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        } else {
            let tenth = done * 10 / self.total;
            let mut last = self
                .last_tenth
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *last != tenth {
                *last = tenth;
                eprintln!("{}: {done}/{} ({:.0}/s)", self.label, self.total, rate);
            }
        }
    }
}
