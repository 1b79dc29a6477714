//! [`Flusher`]: the one way the embedded log makes writes durable. Writers count their writes
//! ([`Flusher::wrote`]) and then wait for a flush that covers them ([`Flusher::flush`]).
//! Flushes run one at a time on the flusher's own thread, so sled never sees two flushes at
//! once: each flush covers everything written before it starts, so concurrent writers share
//! flushes (group commit), and when a flush ends with more asked for, the next one starts at
//! once, with no waiter to wake and schedule first. When a flush ends, it answers the waiters
//! it covered, and only those: the others sleep on to the flush that covers them. A flush
//! slower than the stall limit is reported, not waited on forever. A flusher can be given
//! writes to make at the start of each flush, and told when they are durable ([`FlushHook`]):
//! the embedded log's queued events, and its head.
//!
//! (An earlier version elected a leader among the waiters, which ran the flush on a blocking
//! thread. Between two flushes, a waiter had to be woken and scheduled before the next could
//! start: with 32 HTTP clients on two cores the flusher stood idle 34–43% of the time while
//! every append waited, and an append took 1.4–1.8 ms for flushes of 0.4 ms. And every flush
//! woke every waiter, covered or not.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::error::LogError;

/// How long a flush may take before it counts as a stall.
pub const STALL_LIMIT: Duration = Duration::from_secs(30);

/// Waiters kept before those that gave up are forgotten (far more than ever wait together
/// while flushes run: a flush answers every waiter it covers).
const FORGET_GONE_WAITERS_AT: usize = 4096;

/// Serialized, shared flushes of one sled database, made by a thread of its own (stopped,
/// after a last flush of anything asked for, when the flusher drops).
#[derive(Debug)]
pub struct Flusher {
    shared: Arc<Shared>,
    /// `None` if the thread could not start (then every flush fails).
    thread: Option<Thread>,
    /// [`STALL_LIMIT`], but in tests.
    stall_limit: Duration,
}

/// The flusher's thread.
#[derive(Debug)]
struct Thread {
    handle: std::thread::JoinHandle<()>,
    /// Disconnected when the thread ends (its sender goes with it; nothing is sent). In a
    /// mutex only to be `Sync`.
    ended: Mutex<std::sync::mpsc::Receiver<std::convert::Infallible>>,
}

#[derive(Debug)]
struct Shared {
    db: sled::Db,
    /// Writes made so far (a ticket per write).
    written: AtomicU64,
    /// Every ticket up to this one is durable.
    durable: AtomicU64,
    /// What the thread is asked to do, who waits for it, and whether it sleeps.
    wake: Mutex<Wake>,
    asked: Condvar,
    /// Held by the thread through each flush (a test holds it to stand for a slow flush).
    turn: Mutex<()>,
    /// The first failed flush: sled keeps an I/O error (a full disk) and fails every later
    /// write, so the database is unusable until it is opened again.
    failed: Mutex<Option<String>>,
    /// Writes each flush makes first, on the flusher's thread (covered by that flush).
    hook: Option<Hook>,
}

#[derive(Debug, Default)]
struct Wake {
    /// The highest ticket a waiter asked to have flushed.
    requested: u64,
    /// A flush that started with every ticket up to this one has ended (failed or not).
    attempted: u64,
    /// Who waits, for which ticket: answered `true` once it is durable, `false` if the flush
    /// that covered it failed.
    waiters: Vec<(u64, oneshot::Sender<bool>)>,
    /// The thread is waiting to be asked (so a request must wake it).
    sleeping: bool,
    /// The flusher is dropped: the thread flushes what is asked and ends.
    stop: bool,
}

/// What a request for a flush got: its answer now, or a wait for it.
enum Asked {
    Answered(bool),
    Waiting(oneshot::Receiver<bool>),
}

/// Writes a flush makes before it flushes (on the flush's thread, one flush at a time), and
/// what it announces once they are durable.
pub trait FlushHook: Send + Sync + 'static {
    /// Makes the writes; returns a mark of what is written by now. An error fails the flush
    /// and is kept as the flusher's [`Flusher::failure`] (later flushes still run: a hook
    /// whose writes cannot go on keeps failing them, as the embedded log's writer does).
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

/// A std mutex's guard, poisoned or not (nothing here panics while holding one, and a flush's
/// panic is caught outside them).
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Flusher {
    /// The flusher of `db`.
    pub fn new(db: sled::Db) -> Self {
        Flusher::start(db, None)
    }

    /// The flusher of `db` whose every flush first runs `hook`'s writes and tells it when
    /// they are durable. A write recorded with [`Flusher::wrote`] before a flush starts is
    /// covered by it, so the hook may hold rows back until then: whatever it wrote is durable
    /// (and announced) when the flush returns.
    pub fn with_hook(db: sled::Db, hook: Arc<dyn FlushHook>) -> Self {
        Flusher::start(db, Some(Hook(hook)))
    }

    fn start(db: sled::Db, hook: Option<Hook>) -> Self {
        let shared = Arc::new(Shared {
            db,
            written: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            wake: Mutex::new(Wake::default()),
            asked: Condvar::new(),
            turn: Mutex::new(()),
            failed: Mutex::new(None),
            hook,
        });
        let runs = shared.clone();
        let (ends, ended) = std::sync::mpsc::channel::<std::convert::Infallible>();
        let thread = std::thread::Builder::new()
            .name("ombud-flush".into())
            .spawn(move || {
                let _ends = ends;
                runs.run();
            })
            .map(|handle| Thread {
                handle,
                ended: Mutex::new(ended),
            })
            .map_err(|e| {
                // No thread to flush on: every flush fails, with the reason.
                shared.note_failure(format!("the flusher's thread could not start: {e}"));
            })
            .ok();
        Flusher {
            shared,
            thread,
            stall_limit: STALL_LIMIT,
        }
    }

    /// Records that a write of this database failed (sled keeps the error: the database must
    /// be opened again), unless a failure is recorded already.
    pub fn note_failure(&self, why: String) {
        self.shared.note_failure(why);
    }

    /// Why the database failed for good, if a flush failed: it must be opened again (sled
    /// keeps the first I/O error and fails every later write).
    pub fn failure(&self) -> Option<String> {
        locked(&self.shared.failed).clone()
    }

    /// Test hook: a shorter stall limit.
    #[cfg(test)]
    fn stalling_after(mut self, limit: Duration) -> Self {
        self.stall_limit = limit;
        self
    }

    /// Test hook: holds the turn as a running flush would, until the guard drops.
    #[cfg(test)]
    pub(crate) fn hold_turn(&self) -> impl Drop + '_ {
        locked(&self.shared.turn)
    }

    /// Records that a write was made (call after the write, before [`Flusher::flush`]).
    pub fn wrote(&self) {
        self.shared.written.fetch_add(1, Ordering::SeqCst);
    }

    /// Returns once every write recorded so far is durable. The flush is asked for when this
    /// is called, so it happens even if the caller stops waiting (an HTTP client that hung
    /// up).
    pub fn flush(&self) -> impl std::future::Future<Output = Result<(), LogError>> + '_ {
        let mine = self.shared.written.load(Ordering::SeqCst);
        let asked = if self.shared.durable.load(Ordering::SeqCst) >= mine {
            Asked::Answered(true)
        } else if self.thread.is_none() {
            Asked::Answered(false)
        } else {
            self.shared.ask(mine)
        };
        async move {
            let durable = match asked {
                Asked::Answered(durable) => durable,
                Asked::Waiting(answer) => {
                    match tokio::time::timeout(self.stall_limit, answer).await {
                        Ok(Ok(durable)) => durable,
                        Ok(Err(_)) => {
                            return Err(LogError::Unavailable {
                                reason: "the embedded log's flusher is gone".into(),
                            })
                        }
                        Err(_) => {
                            let limit = self.stall_limit;
                            tracing::error!(
                                ?limit,
                                "embedded log flush stalled; appends are failing"
                            );
                            return Err(LogError::Unavailable {
                                reason: format!(
                                    "the embedded log's flush stalled for more than {limit:?}"
                                ),
                            });
                        }
                    }
                }
            };
            if durable {
                Ok(())
            } else {
                Err(LogError::Unavailable {
                    reason: format!(
                        "flushing the embedded log: {}",
                        self.failure()
                            .unwrap_or_else(|| "the flush failed".to_owned())
                    ),
                })
            }
        }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        locked(&self.shared.wake).stop = true;
        self.shared.asked.notify_one();
        let Some(thread) = self.thread.take() else {
            return;
        };
        let ended = thread
            .ended
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // At most the flush under way, and one of whatever was asked for after it; a flush
        // stalled past the limit is left to itself (and the database with it) rather than
        // hanging whoever drops the flusher.
        match ended.recv_timeout(self.stall_limit) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let limit = self.stall_limit;
                tracing::error!(?limit, "the embedded log's last flush stalled; leaving it");
            }
            Ok(never) => match never {},
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                if thread.handle.join().is_err() {
                    tracing::error!("the embedded log's flusher thread panicked");
                }
            }
        }
    }
}

impl Shared {
    fn note_failure(&self, why: String) {
        locked(&self.failed).get_or_insert(why);
    }

    /// Asks the thread to flush every ticket up to `ticket`: answered at once if a flush that
    /// covered it has ended, else a wait for the flush that will.
    fn ask(&self, ticket: u64) -> Asked {
        let mut wake = locked(&self.wake);
        if wake.attempted >= ticket {
            return Asked::Answered(self.durable.load(Ordering::SeqCst) >= ticket);
        }
        if wake.waiters.len() >= FORGET_GONE_WAITERS_AT {
            // Only while a flush hangs do waiters pile up: forget those that gave up (their
            // tickets stay requested, so their writes are still flushed).
            wake.waiters.retain(|(_, answer)| !answer.is_closed());
        }
        let (answer, answered) = oneshot::channel();
        wake.waiters.push((ticket, answer));
        wake.requested = wake.requested.max(ticket);
        if wake.sleeping {
            wake.sleeping = false;
            drop(wake);
            self.asked.notify_one();
        }
        Asked::Waiting(answered)
    }

    /// The flusher's thread: waits to be asked, flushes, answers, until stopped.
    fn run(&self) {
        loop {
            {
                let mut wake = locked(&self.wake);
                while wake.requested <= wake.attempted {
                    if wake.stop {
                        return;
                    }
                    wake.sleeping = true;
                    wake = self
                        .asked
                        .wait(wake)
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                }
                wake.sleeping = false;
            }
            self.flush_once();
        }
    }

    /// One flush of everything written so far; answers the waiters it covered.
    fn flush_once(&self) {
        let turn = locked(&self.turn);
        let target = self.written.load(Ordering::SeqCst);
        // A panic (in sled, say) is a failed flush: recorded and answered like one, so no
        // waiter sleeps out the stall limit and nothing after it is acknowledged.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mark = self.hook.as_ref().map_or(Ok(0), |hook| hook.0.write())?;
            self.db
                .flush()
                .map_err(|e| format!("a flush failed: {e}"))?;
            if let Some(hook) = &self.hook {
                hook.0.flushed(mark);
            }
            Ok(())
        }))
        .unwrap_or_else(|_| Err("a flush panicked".to_owned()));
        drop(turn);
        match &result {
            Ok(()) => {
                self.durable.fetch_max(target, Ordering::SeqCst);
            }
            Err(e) => self.note_failure(e.clone()),
        }
        let covered: Vec<_> = {
            let mut wake = locked(&self.wake);
            wake.attempted = wake.attempted.max(target);
            let (covered, waiting) = std::mem::take(&mut wake.waiters)
                .into_iter()
                .partition(|(ticket, _)| *ticket <= target);
            wake.waiters = waiting;
            covered
        };
        for (_, answer) in covered {
            // A waiter that gave up is gone: nothing to tell it.
            let _ = answer.send(result.is_ok());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// A writer whose caller gives up mid-flush (an HTTP client hanging up) must not strand
    /// the writers waiting beside it (an earlier version made such a writer the flush's
    /// leader).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_writer_dropped_mid_flush_does_not_strand_the_others() {
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

    /// A flush is asked for when `flush` is called: a caller that never waits for it (gone
    /// before its first poll) still has its write made durable, with nobody else flushing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flush_asked_for_is_made_though_nobody_waits() {
        struct Marks(Mutex<std::sync::mpsc::Sender<u64>>, AtomicU64);
        impl FlushHook for Marks {
            fn write(&self) -> Result<u64, String> {
                Ok(self.1.fetch_add(1, Ordering::SeqCst) + 1)
            }
            fn flushed(&self, mark: u64) {
                let _ = self.0.lock().unwrap().send(mark);
            }
        }
        let (flushed, marks) = std::sync::mpsc::channel();
        let db = sled::Config::new().temporary(true).open().unwrap();
        let hook = Arc::new(Marks(Mutex::new(flushed), AtomicU64::new(0)));
        let flusher = Flusher::with_hook(db.clone(), hook.clone());
        db.insert(b"k", b"v").unwrap();
        flusher.wrote();
        drop(flusher.flush());
        let mark = marks
            .recv_timeout(Duration::from_secs(5))
            .expect("no flush was made");
        assert_eq!(mark, 1);
        // Covered now: a second call returns at once, without another flush.
        flusher.flush().await.unwrap();
        assert_eq!(hook.1.load(Ordering::SeqCst), 1);
        assert!(marks.try_recv().is_err(), "a second flush was made");
    }

    /// A write made while a flush runs is not answered by that flush (which started before
    /// it), only by the next: nothing is acknowledged before it is durable.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_made_during_a_flush_waits_for_the_next() {
        use std::sync::mpsc;
        struct Gate {
            entered: Mutex<mpsc::Sender<u64>>,
            open: Mutex<mpsc::Receiver<()>>,
            flushes: AtomicU64,
        }
        impl FlushHook for Gate {
            fn write(&self) -> Result<u64, String> {
                let n = self.flushes.fetch_add(1, Ordering::SeqCst) + 1;
                self.entered.lock().unwrap().send(n).unwrap();
                self.open.lock().unwrap().recv().unwrap();
                Ok(n)
            }
            fn flushed(&self, _: u64) {}
        }
        let (entered, entering) = mpsc::channel();
        let (opener, opened) = mpsc::channel();
        let gate = Arc::new(Gate {
            entered: Mutex::new(entered),
            open: Mutex::new(opened),
            flushes: AtomicU64::new(0),
        });
        let db = sled::Config::new().temporary(true).open().unwrap();
        let flusher = Flusher::with_hook(db, gate.clone());
        // Dropped before the flusher (which joins its thread), so a failing test ends.
        let open = opener;
        let within = Duration::from_secs(5);

        flusher.wrote();
        let first = flusher.flush();
        assert_eq!(
            entering.recv_timeout(within).unwrap(),
            1,
            "the first flush runs"
        );
        flusher.wrote();
        let mut second = Box::pin(flusher.flush());
        open.send(()).unwrap();
        tokio::time::timeout(within, first).await.unwrap().unwrap();
        assert_eq!(
            entering.recv_timeout(within).unwrap(),
            2,
            "the next flush starts with nobody to elect"
        );
        let mut cx = Context::from_waker(Waker::noop());
        assert!(
            second.as_mut().poll(&mut cx).is_pending(),
            "answered before the flush that covers it ended"
        );
        open.send(()).unwrap();
        tokio::time::timeout(within, second).await.unwrap().unwrap();
        assert_eq!(gate.flushes.load(Ordering::SeqCst), 2);
    }

    /// A flush that hangs (as sled once did) fails its waiters at the stall limit, and
    /// dropping the flusher then returns at the limit too instead of hanging its caller.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_hung_flush_fails_its_waiters_and_does_not_hang_the_drop() {
        struct Hangs(Mutex<std::sync::mpsc::Receiver<()>>);
        impl FlushHook for Hangs {
            fn write(&self) -> Result<u64, String> {
                let _ = self.0.lock().unwrap().recv();
                Ok(0)
            }
            fn flushed(&self, _: u64) {}
        }
        let (release, hung) = std::sync::mpsc::channel();
        let db = sled::Config::new().temporary(true).open().unwrap();
        let limit = Duration::from_millis(200);
        let flusher =
            Flusher::with_hook(db, Arc::new(Hangs(Mutex::new(hung)))).stalling_after(limit);
        flusher.wrote();
        let result = tokio::time::timeout(Duration::from_secs(5), flusher.flush())
            .await
            .expect("the waiter gives up at the stall limit");
        assert!(
            matches!(&result, Err(LogError::Unavailable { reason }) if reason.contains("stalled")),
            "{result:?}"
        );
        // Dropped on a thread of its own, so a drop that hangs fails the test, not hangs it.
        let (dropped, done) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            drop(flusher);
            let _ = dropped.send(started.elapsed());
        });
        let took = done.recv_timeout(Duration::from_secs(5));
        release.send(()).unwrap(); // lets the flush end
        let took = took.expect("the drop hung on the stalled flush");
        assert!(
            took >= limit,
            "the drop waited for the flush first ({took:?})"
        );
    }

    /// While a flush hangs, callers that give up are forgotten rather than piling up, and
    /// their writes are still flushed once it ends.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiters_that_gave_up_during_a_hang_are_forgotten_but_their_writes_flushed() {
        struct Hangs(
            Mutex<std::sync::mpsc::Receiver<()>>,
            AtomicU64,
            Mutex<std::sync::mpsc::Sender<()>>,
        );
        impl FlushHook for Hangs {
            fn write(&self) -> Result<u64, String> {
                if self.1.fetch_add(1, Ordering::SeqCst) == 0 {
                    let _ = self.2.lock().unwrap().send(());
                    let _ = self.0.lock().unwrap().recv();
                }
                Ok(0)
            }
            fn flushed(&self, _: u64) {}
        }
        let (release, hung) = std::sync::mpsc::channel();
        let db = sled::Config::new().temporary(true).open().unwrap();
        let (entered, entering) = std::sync::mpsc::channel();
        let hook = Arc::new(Hangs(
            Mutex::new(hung),
            AtomicU64::new(0),
            Mutex::new(entered),
        ));
        let flusher = Flusher::with_hook(db, hook.clone());
        flusher.wrote();
        drop(flusher.flush()); // the flush that hangs
        entering
            .recv_timeout(Duration::from_secs(5))
            .expect("the first flush started");
        let gave_up = 3 * FORGET_GONE_WAITERS_AT;
        for _ in 0..gave_up {
            flusher.wrote();
            drop(flusher.flush());
        }
        let kept = locked(&flusher.shared.wake).waiters.len();
        assert!(kept <= FORGET_GONE_WAITERS_AT, "{kept} waiters kept");
        release.send(()).unwrap();
        // One more flush covers every ticket: the forgotten ones were still asked for.
        let asked = locked(&flusher.shared.wake).requested;
        assert_eq!(asked, 1 + gave_up as u64);
        tokio::time::timeout(Duration::from_secs(5), flusher.flush())
            .await
            .expect("the flushes after the hang end")
            .unwrap();
        assert!(flusher.shared.durable.load(Ordering::SeqCst) > gave_up as u64);
    }

    /// Dropping the flusher makes the flush asked for last, and stops its thread.
    #[test]
    fn a_dropped_flusher_makes_what_was_asked_and_lets_the_database_go() {
        let dir = ombud_testkit::TempDir::new("flusher-drop").unwrap();
        {
            let db = sled::Config::new()
                .path(dir.path())
                .flush_every_ms(None)
                .open()
                .unwrap();
            let flusher = Flusher::new(db.clone());
            db.insert(b"k", b"v").unwrap();
            flusher.wrote();
            drop(flusher.flush());
            drop(flusher);
        }
        // The thread is gone with its handle on the database: it opens again (sled locks its
        // directory while any handle is alive, and its own I/O threads let go a moment after
        // the last), holding the write.
        ombud_testkit::wait_for_sled_release(dir.path());
        let db = sled::open(dir.path()).unwrap();
        assert_eq!(db.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
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
