//! [`Flusher`]: the one way the embedded log makes writes durable. Writers count their writes
//! ([`Flusher::wrote`]) and then wait for a flush that covers them ([`Flusher::flush`]).
//! Flushes run one at a time on a blocking thread; whoever finds no flush running becomes the
//! leader and flushes everything written so far, so concurrent writers share flushes (group
//! commit) and sled never sees two flushes at once. When a flush ends, every waiter wakes at
//! once: those it covered return, the others elect the next leader. A flush slower than the
//! stall limit is reported, not waited on forever. A flusher can be given writes to make at
//! the start of each flush, and told when they are durable ([`FlushHook`]): the embedded
//! log's queued events, and its head.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::error::LogError;

/// How long a flush may take before it counts as a stall.
pub const STALL_LIMIT: Duration = Duration::from_secs(30);

/// Serialized, shared flushes of one sled database.
#[derive(Debug)]
pub struct Flusher {
    db: sled::Db,
    /// Writes made so far (a ticket per write).
    written: AtomicU64,
    /// The tickets known durable; every flush's end is announced here, a failed one too (so
    /// the waiters wake and one of them tries again).
    ended: Arc<watch::Sender<u64>>,
    /// Held by the running flush itself (moved into its blocking task), so a leader whose
    /// caller gave up cannot let a second flush start beside it.
    turn: Arc<tokio::sync::Mutex<()>>,
    /// The first failed flush: sled keeps an I/O error (a full disk) and fails every later
    /// write, so the database is unusable until it is opened again.
    failed: Arc<std::sync::Mutex<Option<String>>>,
    /// Writes each flush makes first, on its own thread (covered by that flush).
    hook: Option<Hook>,
}

/// Writes a flush makes before it flushes (on the flush's thread, one flush at a time), and
/// what it announces once they are durable.
pub trait FlushHook: Send + Sync + 'static {
    /// Makes the writes; returns a mark of what is written by now. An error fails the flush,
    /// and the flusher for good.
    fn write(&self) -> Result<u64, String>;
    /// The flush after [`FlushHook::write`] returned `mark` is done (called before the
    /// flush's waiters return).
    fn flushed(&self, mark: u64);
}

#[derive(Clone)]
struct Hook(Arc<dyn FlushHook>);

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlushHook")
    }
}

impl Flusher {
    /// The flusher of `db`.
    pub fn new(db: sled::Db) -> Self {
        Flusher {
            db,
            written: AtomicU64::new(0),
            ended: Arc::new(watch::Sender::new(0)),
            turn: Arc::new(tokio::sync::Mutex::new(())),
            failed: Arc::new(std::sync::Mutex::new(None)),
            hook: None,
        }
    }

    /// The flusher of `db` whose every flush first runs `hook`'s writes and tells it when
    /// they are durable. A write recorded with [`Flusher::wrote`] before a flush starts is
    /// covered by it, so the hook may hold rows back until then: whatever it wrote is durable
    /// (and announced) when the flush returns.
    pub fn with_hook(db: sled::Db, hook: Arc<dyn FlushHook>) -> Self {
        Flusher {
            hook: Some(Hook(hook)),
            ..Flusher::new(db)
        }
    }

    /// Records that a write of this database failed (sled keeps the error: the database must
    /// be opened again), unless a failure is recorded already.
    pub fn note_failure(&self, why: String) {
        self.failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_or_insert(why);
    }

    /// Why the database failed for good, if a flush failed: it must be opened again (sled
    /// keeps the first I/O error and fails every later write).
    pub fn failure(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Test hook: holds the turn as a running flush would, until the guard drops (then it
    /// announces an end, as a flush does).
    #[cfg(test)]
    pub(crate) fn hold_turn(&self) -> impl Drop {
        struct Held(
            Option<tokio::sync::OwnedMutexGuard<()>>,
            Arc<watch::Sender<u64>>,
        );
        impl Drop for Held {
            fn drop(&mut self) {
                drop(self.0.take());
                self.1.send_modify(|_| {});
            }
        }
        let turn = self.turn.clone().try_lock_owned().ok();
        assert!(turn.is_some(), "a flush is running");
        Held(turn, self.ended.clone())
    }

    /// Records that a write was made (call after the write, before [`Flusher::flush`]).
    pub fn wrote(&self) {
        self.written.fetch_add(1, Ordering::SeqCst);
    }

    /// Returns once every write recorded so far is durable.
    ///
    /// (An earlier version queued writers on a first-come-first-served lock; a writer its
    /// predecessor's flush had already covered then waited out the next leader's whole flush
    /// before it could return, and the embedded log's concurrent appends went about 9 to a
    /// flush instead of 60.)
    pub async fn flush(&self) -> Result<(), LogError> {
        let mine = self.written.load(Ordering::SeqCst);
        match tokio::time::timeout(STALL_LIMIT, self.flush_through(mine)).await {
            Ok(result) => result,
            Err(_) => {
                tracing::error!(limit = ?STALL_LIMIT, "embedded log flush stalled; appends are failing");
                Err(LogError::Unavailable {
                    reason: format!(
                        "the embedded log's flush stalled for more than {STALL_LIMIT:?}"
                    ),
                })
            }
        }
    }

    async fn flush_through(&self, mine: u64) -> Result<(), LogError> {
        let mut ended = self.ended.subscribe();
        loop {
            if *ended.borrow_and_update() >= mine {
                return Ok(()); // a flush covered this write
            }
            let Ok(turn) = self.turn.clone().try_lock_owned() else {
                // A flush is running: wait for its end (one that ends after the check above
                // is not missed), then look again.
                if ended.changed().await.is_err() {
                    return Err(LogError::Unavailable {
                        reason: "the embedded log's flusher is gone".into(),
                    });
                }
                continue;
            };
            if *self.ended.borrow() >= mine {
                // Covered after all (a flush ended between the check and the lock). Others may
                // have found the turn taken meanwhile and be waiting for an end: wake them.
                drop(turn);
                self.ended.send_modify(|_| {});
                return Ok(());
            }
            let target = self.written.load(Ordering::SeqCst);
            let (db, ended, failed) = (self.db.clone(), self.ended.clone(), self.failed.clone());
            let hook = self.hook.clone();
            // The flush announces its own end, even if this caller is gone by then (an HTTP
            // client that hung up): the turn is released first, so a waiter it did not cover
            // can take it as soon as it wakes.
            let flush = tokio::task::spawn_blocking(move || {
                // A panic (in sled, say) is a failed flush: recorded and announced like one,
                // so no waiter sleeps out the stall limit and nothing after it is acknowledged.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mark = hook.as_ref().map_or(Ok(0), |hook| hook.0.write())?;
                    db.flush().map_err(|e| format!("a flush failed: {e}"))?;
                    if let Some(hook) = &hook {
                        hook.0.flushed(mark);
                    }
                    Ok(())
                }))
                .unwrap_or_else(|_| Err("a flush panicked".to_owned()));
                if let Err(e) = &result {
                    failed
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .get_or_insert_with(|| e.clone());
                }
                drop(turn);
                ended.send_modify(|durable| {
                    if result.is_ok() {
                        *durable = (*durable).max(target);
                    }
                });
                result
            });
            return match flush.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(LogError::Unavailable {
                    reason: format!("flushing the embedded log: {e}"),
                }),
                Err(e) => Err(LogError::Unavailable {
                    reason: format!("the flush task failed: {e}"),
                }),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// A leader whose caller gives up mid-flush (an HTTP client hanging up) must not strand
    /// the writers waiting for its flush to end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_leader_dropped_mid_flush_does_not_strand_the_waiters() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let flusher = Flusher::new(db.clone());
        let mut cx = Context::from_waker(Waker::noop());
        let big = vec![7u8; 1 << 20]; // so that a flush takes a while
        let mut exercised = 0;
        for round in 0..20u8 {
            db.insert([round], big.as_slice()).unwrap();
            flusher.wrote();
            let mut leader = Box::pin(flusher.flush());
            // Its first poll takes the turn and starts the flush (unless that flush already
            // ended within the poll: then this round shows nothing).
            if let Poll::Ready(result) = leader.as_mut().poll(&mut cx) {
                result.unwrap();
                continue;
            }
            db.insert([round, 1], &[round]).unwrap();
            flusher.wrote();
            let mut waiter = Box::pin(flusher.flush());
            let first = waiter.as_mut().poll(&mut cx);
            drop(leader);
            if let Poll::Ready(result) = first {
                result.unwrap();
                continue;
            }
            exercised += 1;
            tokio::time::timeout(Duration::from_secs(5), waiter)
                .await
                .expect("the waiter finishes although its leader is gone")
                .unwrap();
        }
        assert!(
            exercised > 0,
            "no round left a waiter behind a dropped leader"
        );
    }

    /// A hook that panics (as sled might) fails the flush like an I/O error: the caller gets
    /// an error at once, not a hang until the stall limit, and the failure is kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_hook_fails_the_flush_instead_of_hanging_it() {
        struct Panics;
        impl FlushHook for Panics {
            fn write(&self) -> Result<u64, String> {
                panic!("a write that panics");
            }
            fn flushed(&self, _: u64) {}
        }
        let db = sled::Config::new().temporary(true).open().unwrap();
        let flusher = Flusher::with_hook(db, Arc::new(Panics));
        for _ in 0..2 {
            flusher.wrote();
            let result = tokio::time::timeout(Duration::from_secs(5), flusher.flush())
                .await
                .expect("the flush ends");
            assert!(
                matches!(result, Err(LogError::Unavailable { .. })),
                "{result:?}"
            );
        }
        assert!(flusher.failure().unwrap().contains("panicked"));
    }
}
