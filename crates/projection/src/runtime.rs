//! The projector runtime: [`Projection`] runs one [`Projector`] as a task that follows the
//! event log from its checkpoint + 1, applies events in batches on a blocking thread, and
//! moves its checkpoint only after the batch's rows are flushed. It verifies each case's hash
//! chain as it goes, quarantines poison events, rebuilds into a fresh generation and swaps it
//! in atomically, reports its status and lets callers wait for a sequence (read-your-writes).
//!
//! Batching: the feed ([`crate::feed`]) takes whatever is already waiting (up to `max_batch`)
//! after the first event, so a lone event is applied at once and a backlog in large batches;
//! it reads and decodes the log once for every projector it feeds. A watchdog turns a batch
//! or flush that takes longer than `stall_after` into [`ProjectionError::Stalled`].
//!
//! Flushing: a batch is readable (and `wait_for` returns) as soon as it is applied; its flush
//! may wait up to `flush_every` so that a trickle of single events (one per command) shares
//! one flush instead of an fsync each. The checkpoint on disk moves only after a flush that
//! covers its rows, so a crash replays what was not flushed, as it always could.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use ombud_envelope::{ChainHead, ChainVerifier, Sha256Hash};
use ombud_eventlog::embedded::Flusher;
use ombud_eventlog::{Backend, EventLog};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use crate::error::{ApplyError, ProjectionError};
use crate::feed::{self, Decoded, FeedItem};
use crate::projector::{LogMessage, Projected, Projector};
use crate::quarantine::{self, QuarantinedEvent};
use crate::rows::Rows;
use crate::status::{ProjectorStatus, Rate, RebuildProgress, RunState};
use crate::store::{case_key, tree_name, Trees};

/// Tuning of a projection.
#[derive(Debug, Clone)]
pub struct ProjectionConfig {
    /// Most events applied between two flushes.
    pub max_batch: usize,
    /// While the log is busy, the feed gathers a batch for this long after the previous one
    /// went out (a lone event after a quiet spell goes at once): under load each case's rows
    /// are then written once per window, not once per event. A read waiting for its own
    /// write ([`Projection::wait_for`], `min_seq`) ends the window at once. Zero: no
    /// gathering.
    pub gather: Duration,
    /// How a reader waiting for an event tells the feed to stop gathering; clones of one
    /// config (the projections and their feed) share it.
    pub hurry: feed::Hurry,
    /// A batch or flush taking longer than this is reported as a stall.
    pub stall_after: Duration,
    /// Wait before resubscribing after the log failed.
    pub retry_after: Duration,
    /// Batches of at least this many events are applied in two partitions by case on two
    /// threads, by projectors whose rows are all per case ([`Projector::PER_CASE_ROWS`]).
    pub partition_from: usize,
    /// Longest an applied batch waits for its flush (and the checkpoint on disk for it), so
    /// that batches arriving one after another share a flush. Zero: flush every batch.
    pub flush_every: Duration,
    /// The register of offices: each case's office zone dates the statistics.
    pub offices: Arc<ombud_domain::OfficeRegister>,
}

impl Default for ProjectionConfig {
    fn default() -> Self {
        ProjectionConfig {
            max_batch: 10_000,
            gather: Duration::from_millis(10),
            hurry: feed::Hurry::default(),
            stall_after: Duration::from_secs(30),
            retry_after: Duration::from_millis(500),
            partition_from: 2_048,
            flush_every: Duration::from_millis(50),
            offices: Arc::new(ombud_domain::OfficeRegister::built_in()),
        }
    }
}

/// Where a case's chain stands in a generation (written after the event's rows).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChainRow {
    case_seq: u64,
    /// Hex SHA-256 of the case's last applied event.
    hash: String,
    stream_seq: u64,
}

/// What applying a batch did.
#[derive(Debug, Default, Clone, Copy)]
struct Applied {
    last_seq: u64,
    events: u64,
    quarantined: u64,
    foreign: u64,
    rows: u64,
    bytes: u64,
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RebuildReport {
    /// The projector.
    pub name: &'static str,
    /// The new generation now serving.
    pub generation: u64,
    /// Events replayed.
    pub events: u64,
    /// How long it took.
    pub seconds: f64,
    /// Events quarantined in the new generation.
    pub quarantined: u64,
}

#[derive(Debug)]
struct Inner {
    rate: Rate,
    state: RunState,
    last_error: Option<String>,
    rebuild: Option<RebuildProgress>,
    quarantined: u64,
    foreign: u64,
    rows_written: u64,
    bytes_written: u64,
}

/// A projector with its trees, checkpoint and status.
pub struct Projection<P: Projector> {
    db: sled::Db,
    flusher: Arc<Flusher>,
    projector: Arc<P>,
    config: ProjectionConfig,
    current: RwLock<Arc<Trees>>,
    /// Held while a batch is applied and checkpointed, and while a rebuild swaps.
    batch_lock: tokio::sync::Mutex<()>,
    rebuild_lock: tokio::sync::Mutex<()>,
    checkpoint: watch::Sender<u64>,
    /// Applied but not yet flushed: the generation and last sequence whose checkpoint row
    /// waits for the next flush.
    unflushed: Mutex<Option<(u64, u64)>>,
    /// When the last flush ended.
    flushed_at: Mutex<Instant>,
    inner: Mutex<Inner>,
}

impl<P: Projector> std::fmt::Debug for Projection<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projection")
            .field("name", &P::NAME)
            .field("checkpoint", &*self.checkpoint.borrow())
            .finish_non_exhaustive()
    }
}

const META_TREE: &str = "projections.meta";

/// Where the version of a projector's serving generation is kept.
fn version_key<P: Projector>() -> String {
    format!("version.{}", P::NAME)
}

/// A batch of at least this many events is flushed at once (a backlog gains nothing by
/// waiting; a trickle of single events does).
const FLUSH_AT_ONCE: u64 = 256;
const CHECKPOINT_KEY: &[u8] = b"seq";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<P: Projector> Projection<P> {
    /// Opens the projection's active generation in `db` (creating generation 1), dropping
    /// trees of any other generation (left by an interrupted rebuild). `flusher` must be the
    /// one flusher of `db`: concurrent sled flushes can hang.
    pub fn open(
        db: sled::Db,
        flusher: Arc<Flusher>,
        projector: P,
        config: ProjectionConfig,
    ) -> Result<Self, ProjectionError> {
        let meta = db.open_tree(META_TREE)?;
        let active_key = format!("active.{}", P::NAME);
        let version_key = version_key::<P>();
        // Read models made before versions were recorded are version 1.
        let stored_version = match meta.get(&version_key)? {
            Some(bytes) => u32::from_be_bytes(bytes.as_ref().try_into().map_err(|_| {
                ProjectionError::BadRow {
                    key: version_key.clone(),
                    why: "not a 4-byte version".into(),
                }
            })?),
            None => 1,
        };
        let generation = match meta.get(&active_key)? {
            Some(bytes) => u64::from_be_bytes(bytes.as_ref().try_into().map_err(|_| {
                ProjectionError::BadRow {
                    key: active_key.clone(),
                    why: "not an 8-byte generation".into(),
                }
            })?),
            None => 0,
        };
        let generation = if generation == 0 || stored_version != P::VERSION {
            if generation > 0 {
                tracing::warn!(
                    projector = P::NAME,
                    stored = stored_version,
                    current = P::VERSION,
                    "the read model's rows are of another version: starting afresh and \
                     catching up from the start of the log"
                );
            }
            // A fresh, empty generation of this version; both keys change at once.
            let fresh = generation + 1;
            let mut batch = sled::Batch::default();
            batch.insert(active_key.as_bytes(), &fresh.to_be_bytes());
            batch.insert(version_key.as_bytes(), &P::VERSION.to_be_bytes());
            meta.apply_batch(batch)?;
            db.flush()?;
            fresh
        } else {
            generation
        };
        let prefix = format!("{}.g", P::NAME);
        let mine = format!("{}.g{generation}.", P::NAME);
        for name in db.tree_names() {
            let text = String::from_utf8_lossy(&name);
            if text.starts_with(&prefix) && !text.starts_with(&mine) {
                db.drop_tree(&name)?;
            }
        }
        let trees = Trees::open(&db, P::NAME, generation, P::TREES)?;
        let checkpoint = read_checkpoint(&trees)?;
        let quarantined = trees.tree("quarantine").len() as u64;
        let foreign = trees.tree("foreign").len() as u64;
        Ok(Projection {
            db,
            flusher,
            projector: Arc::new(projector),
            config,
            current: RwLock::new(Arc::new(trees)),
            batch_lock: tokio::sync::Mutex::new(()),
            rebuild_lock: tokio::sync::Mutex::new(()),
            checkpoint: watch::channel(checkpoint).0,
            unflushed: Mutex::new(None),
            flushed_at: Mutex::new(Instant::now()),
            inner: Mutex::new(Inner {
                rate: Rate::default(),
                state: RunState::Stopped,
                last_error: None,
                rebuild: None,
                quarantined,
                foreign,
                rows_written: 0,
                bytes_written: 0,
            }),
        })
    }

    /// The projector's name.
    pub fn name(&self) -> &'static str {
        P::NAME
    }

    /// The generation serving queries (cheap; hold it for the length of one query).
    pub fn trees(&self) -> Arc<Trees> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether its task is following the log (not stopped, not failed).
    pub fn is_running(&self) -> bool {
        lock(&self.inner).state == RunState::Running
    }

    /// Last stream sequence applied (readable now; on disk after the next flush, at most
    /// `flush_every` later).
    pub fn checkpoint(&self) -> u64 {
        *self.checkpoint.borrow()
    }

    /// Waits until the checkpoint reaches `seq` (read-your-writes), at most `timeout`.
    pub async fn wait_for(&self, seq: u64, timeout: Duration) -> Result<(), ProjectionError> {
        let mut rx = self.checkpoint.subscribe();
        if *rx.borrow() < seq {
            self.config.hurry.now();
        }
        let reached = tokio::time::timeout(timeout, rx.wait_for(|c| *c >= seq))
            .await
            .map(|r| r.is_ok());
        match reached {
            Ok(true) => Ok(()),
            _ => Err(ProjectionError::NotYet {
                projector: P::NAME,
                wanted: seq,
                reached: self.checkpoint(),
                millis: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            }),
        }
    }

    /// The projector's status; `head` is the log's last sequence if the caller has it.
    pub fn status(&self, head: Option<u64>) -> ProjectorStatus {
        let checkpoint = self.checkpoint();
        let inner = lock(&self.inner);
        ProjectorStatus {
            name: P::NAME,
            generation: self.trees().generation(),
            checkpoint,
            head,
            lag: head.map(|h| h.saturating_sub(checkpoint)),
            events_per_sec: inner.rate.per_sec(),
            quarantined: inner.quarantined,
            foreign: inner.foreign,
            state: inner.state,
            last_error: inner.last_error.clone(),
            rebuild: inner.rebuild.clone(),
            rows_written: inner.rows_written,
            bytes_written: inner.bytes_written,
        }
    }

    /// Every quarantined event of the serving generation.
    pub fn quarantined(&self) -> Result<Vec<QuarantinedEvent>, ProjectionError> {
        quarantine::list(&self.trees()).map_err(crate::error_from_apply)
    }

    /// Every foreign message the serving generation has seen (never applied).
    pub fn foreign(&self) -> Result<Vec<QuarantinedEvent>, ProjectionError> {
        quarantine::list_foreign(&self.trees()).map_err(crate::error_from_apply)
    }

    fn note_error(&self, error: &dyn std::error::Error) {
        lock(&self.inner).last_error = Some(crate::with_causes(error));
    }

    fn set_state(&self, state: RunState) {
        lock(&self.inner).state = state;
    }

    /// Follows the log until `shutdown` turns true (then flushes and returns `Ok`), or a
    /// storage failure or stall stops it (returned, and shown in status as failed). An
    /// unreachable log is retried, never fatal.
    pub async fn run<B: Backend>(
        self: Arc<Self>,
        log: Arc<EventLog<B>>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), ProjectionError> {
        let (tx, rx) = mpsc::channel(feed::DEPTH);
        let (from, config) = (self.checkpoint(), self.config.clone());
        let feed = tokio::spawn(async move {
            feed::run(&log, from, vec![tx], Some(shutdown), &config).await;
        });
        let result = self.run_fed(rx).await;
        feed.abort();
        result
    }

    /// Follows what a feed hands it until the feed ends (shutdown), then flushes.
    pub(crate) async fn run_fed(
        self: Arc<Self>,
        mut feed: mpsc::Receiver<FeedItem>,
    ) -> Result<(), ProjectionError> {
        self.set_state(RunState::Running);
        let result = self.follow(&mut feed).await;
        match &result {
            Ok(()) => self.set_state(RunState::Stopped),
            Err(e) => {
                let why = crate::with_causes(e);
                if matches!(e, ProjectionError::Sled(_)) {
                    // sled keeps an I/O error: the read models must be opened again.
                    self.flusher.note_failure(format!("{}: {why}", P::NAME));
                }
                tracing::error!(projector = P::NAME, error = %why, "projector stopped");
                self.note_error(e);
                self.set_state(RunState::Failed);
            }
        }
        result
    }

    async fn follow(&self, feed: &mut mpsc::Receiver<FeedItem>) -> Result<(), ProjectionError> {
        loop {
            let deferred = lock(&self.unflushed).is_some();
            let item = if deferred {
                let due = *lock(&self.flushed_at) + self.config.flush_every;
                tokio::select! {
                    item = feed.recv() => item,
                    _ = tokio::time::sleep_until(due.into()) => {
                        let _turn = self.batch_lock.lock().await;
                        self.flush_applied().await?;
                        continue;
                    }
                }
            } else {
                feed.recv().await
            };
            let Some(item) = item else { break };
            match item {
                FeedItem::Trouble(why) => self.note_error(&why),
                FeedItem::Batch(batch) => {
                    // The feed starts at the lowest checkpoint of the projectors it feeds.
                    let done = self.checkpoint();
                    let start = batch.partition_point(|d| d.stored.stream_seq <= done);
                    if start < batch.len() {
                        self.process(batch, start).await?;
                    }
                }
            }
        }
        self.final_flush().await
    }

    /// Flushes what was applied and writes its checkpoint row (made durable by the next
    /// flush). The caller holds `batch_lock`.
    async fn flush_applied(&self) -> Result<(), ProjectionError> {
        let pending = lock(&self.unflushed).take();
        self.flush().await?;
        *lock(&self.flushed_at) = Instant::now();
        if let Some((generation, seq)) = pending {
            let trees = self.trees();
            // A rebuild swapped generations meanwhile: the new one wrote its own checkpoint.
            if trees.generation() == generation {
                write_checkpoint(&trees, seq)?;
            }
        }
        Ok(())
    }

    /// Applies `batch[start..]` to the serving generation and moves the checkpoint; flushes
    /// now when the last flush is `flush_every` old (or the batch is large), else leaves the
    /// flush to the next batch or to `follow`'s timer.
    async fn process(&self, batch: Arc<Vec<Decoded>>, start: usize) -> Result<(), ProjectionError> {
        let _turn = self.batch_lock.lock().await;
        let trees = self.trees();
        let applied = self.apply_blocking(trees.clone(), batch, start).await?;
        {
            let mut unflushed = lock(&self.unflushed);
            let seq = unflushed.map_or(applied.last_seq, |(_, s)| s.max(applied.last_seq));
            *unflushed = Some((trees.generation(), seq));
        }
        let due = lock(&self.flushed_at).elapsed() >= self.config.flush_every;
        if due || applied.events >= FLUSH_AT_ONCE {
            self.flush_applied().await?;
        }
        let checkpoint = applied.last_seq;
        {
            let mut inner = lock(&self.inner);
            inner.rate.add(applied.events);
            inner.quarantined += applied.quarantined;
            inner.foreign += applied.foreign;
            inner.rows_written += applied.rows;
            inner.bytes_written += applied.bytes;
        }
        self.checkpoint.send_if_modified(|c| {
            let moved = checkpoint > *c;
            *c = (*c).max(checkpoint);
            moved
        });
        Ok(())
    }

    async fn apply_blocking(
        &self,
        trees: Arc<Trees>,
        batch: Arc<Vec<Decoded>>,
        start: usize,
    ) -> Result<Applied, ProjectionError> {
        let projector = self.projector.clone();
        let partition_from = self.config.partition_from;
        let task = tokio::task::spawn_blocking(move || {
            let events = batch.get(start..).unwrap_or_default();
            if P::PER_CASE_ROWS && events.len() >= partition_from {
                apply_partitioned(&*projector, &trees, events)
            } else {
                apply_events(&*projector, &trees, events.iter())
            }
        });
        match tokio::time::timeout(self.config.stall_after, task).await {
            Ok(Ok(result)) => result.map_err(crate::error_from_apply),
            Ok(Err(join)) => Err(ProjectionError::Storage(format!(
                "the apply task failed: {join}"
            ))),
            Err(_) => Err(ProjectionError::Stalled {
                projector: P::NAME,
                what: "applying a batch",
                seconds: self.config.stall_after.as_secs(),
            }),
        }
    }

    async fn flush(&self) -> Result<(), ProjectionError> {
        self.flusher.wrote();
        match tokio::time::timeout(self.config.stall_after, self.flusher.flush()).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(ProjectionError::Stalled {
                projector: P::NAME,
                what: "flushing read models",
                seconds: self.config.stall_after.as_secs(),
            }),
        }
    }

    async fn final_flush(&self) -> Result<(), ProjectionError> {
        let _turn = self.batch_lock.lock().await;
        self.flush_applied().await?;
        // The checkpoint row just written.
        self.flush().await
    }

    /// Rebuilds the model from the log into a fresh generation while the current one keeps
    /// serving (and, if running, following the log), then swaps it in atomically and drops
    /// the old trees. Progress shows in [`Projection::status`]. Quarantine starts empty: events
    /// that now apply (after a fix) leave it.
    pub async fn rebuild<B: Backend>(
        &self,
        log: &EventLog<B>,
    ) -> Result<RebuildReport, ProjectionError> {
        let (tx, rx) = mpsc::channel(feed::DEPTH);
        let feed = feed::run(log, 0, vec![tx], None, &self.config);
        alongside(feed, self.rebuild_fed(log, rx)).await
    }

    /// [`Projection::rebuild`] from a feed that starts at the log's beginning.
    pub(crate) async fn rebuild_fed<B: Backend>(
        &self,
        log: &EventLog<B>,
        mut feed: mpsc::Receiver<FeedItem>,
    ) -> Result<RebuildReport, ProjectionError> {
        let feed = &mut feed;
        let _one_at_a_time = self.rebuild_lock.lock().await;
        let started = Instant::now();
        let old = self.trees();
        let generation = old.generation() + 1;
        let fresh = Arc::new(Trees::open(&self.db, P::NAME, generation, P::TREES)?);
        for name in fresh.names() {
            fresh.tree(name).clear()?;
        }
        let target = log.head().await?;
        let mut progress = RebuildProgress {
            generation,
            done: 0,
            target,
            events_per_sec: 0.0,
            eta_secs: None,
        };
        lock(&self.inner).rebuild = Some(progress.clone());
        let result = self
            .replay_into(feed, &fresh, target, started, &mut progress)
            .await;
        let report = match result {
            Ok(report) => report,
            Err(e) => {
                lock(&self.inner).rebuild = None;
                for name in fresh.names() {
                    let _ = self.db.drop_tree(tree_name(P::NAME, generation, name));
                }
                return Err(e);
            }
        };
        // Drop the old generation once in-flight queries holding it are done.
        let db = self.db.clone();
        let old_names: Vec<String> = old
            .names()
            .map(|n| tree_name(P::NAME, old.generation(), n))
            .collect();
        drop(old);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            for name in old_names {
                let _ = db.drop_tree(name);
            }
        });
        Ok(report)
    }

    async fn next_batch(
        &self,
        feed: &mut mpsc::Receiver<FeedItem>,
    ) -> Result<Arc<Vec<Decoded>>, ProjectionError> {
        let wait = self.config.stall_after;
        match tokio::time::timeout(wait, feed.recv()).await {
            Ok(Some(FeedItem::Batch(batch))) => Ok(batch),
            Ok(Some(FeedItem::Trouble(e))) => Err(ProjectionError::Log(e)),
            Ok(None) => Err(ProjectionError::Storage(
                "the log feed ended during a rebuild".into(),
            )),
            Err(_) => Err(ProjectionError::Stalled {
                projector: P::NAME,
                what: "reading the log for a rebuild",
                seconds: wait.as_secs(),
            }),
        }
    }

    /// Applies the next batch of a rebuild's feed to `fresh`, adding to `tally`.
    async fn replay_batch(
        &self,
        feed: &mut mpsc::Receiver<FeedItem>,
        fresh: &Arc<Trees>,
        tally: &mut Applied,
    ) -> Result<(), ProjectionError> {
        let batch = self.next_batch(feed).await?;
        let applied = self.apply_blocking(fresh.clone(), batch, 0).await?;
        tally.last_seq = applied.last_seq;
        tally.events += applied.events;
        tally.quarantined += applied.quarantined;
        Ok(())
    }

    async fn replay_into(
        &self,
        feed: &mut mpsc::Receiver<FeedItem>,
        fresh: &Arc<Trees>,
        target: u64,
        started: Instant,
        progress: &mut RebuildProgress,
    ) -> Result<RebuildReport, ProjectionError> {
        let mut tally = Applied::default();
        // Catch up to the head seen at the start, while the live generation keeps serving.
        while tally.last_seq < target {
            self.replay_batch(feed, fresh, &mut tally).await?;
            let rate = tally.events as f64 / started.elapsed().as_secs_f64().max(1e-9);
            progress.done = tally.last_seq;
            progress.events_per_sec = rate;
            progress.eta_secs =
                (rate > 0.0).then(|| target.saturating_sub(tally.last_seq) as f64 / rate);
            lock(&self.inner).rebuild = Some(progress.clone());
        }
        self.flush().await?;
        // Pause the live task between batches, take in what it applied meanwhile, swap.
        let _turn = self.batch_lock.lock().await;
        let live = self.checkpoint();
        while tally.last_seq < live {
            self.replay_batch(feed, fresh, &mut tally).await?;
        }
        let (reached, done, quarantined) = (tally.last_seq, tally.events, tally.quarantined);
        write_checkpoint(fresh, reached)?;
        self.flush().await?;
        let meta = self.db.open_tree(META_TREE)?;
        let mut swap = sled::Batch::default();
        swap.insert(
            format!("active.{}", P::NAME).as_bytes(),
            &progress.generation.to_be_bytes(),
        );
        swap.insert(version_key::<P>().as_bytes(), &P::VERSION.to_be_bytes());
        meta.apply_batch(swap)?;
        self.flush().await?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        {
            let mut inner = lock(&self.inner);
            inner.rebuild = None;
            inner.quarantined = fresh.tree("quarantine").len() as u64;
            inner.foreign = fresh.tree("foreign").len() as u64;
        }
        self.checkpoint.send_if_modified(|c| {
            let moved = reached > *c;
            *c = (*c).max(reached);
            moved
        });
        Ok(RebuildReport {
            name: P::NAME,
            generation: progress.generation,
            events: done,
            seconds: started.elapsed().as_secs_f64(),
            quarantined,
        })
    }
}

fn read_checkpoint(trees: &Trees) -> Result<u64, ProjectionError> {
    Ok(match trees.tree("checkpoint").get(CHECKPOINT_KEY)? {
        Some(bytes) => {
            u64::from_be_bytes(
                bytes
                    .as_ref()
                    .try_into()
                    .map_err(|_| ProjectionError::BadRow {
                        key: "checkpoint".into(),
                        why: "not an 8-byte sequence".into(),
                    })?,
            )
        }
        None => 0,
    })
}

/// Moves the checkpoint forward (never back); returns where it stands.
fn write_checkpoint(trees: &Trees, seq: u64) -> Result<u64, ProjectionError> {
    let current = read_checkpoint(trees)?;
    if seq > current {
        trees
            .tree("checkpoint")
            .insert(CHECKPOINT_KEY, &seq.to_be_bytes())?;
        return Ok(seq);
    }
    Ok(current)
}

/// [`apply_events`] on two threads, each taking the events of half the cases (in stream
/// order). Sound only when no row is shared between cases: each case's rows are then read and
/// written by one thread, in the same order as unpartitioned.
fn apply_partitioned<P: Projector>(
    projector: &P,
    trees: &Trees,
    events: &[Decoded],
) -> Result<Applied, ApplyError> {
    let (mut odd, mut even) = (Vec::new(), Vec::new());
    for event in events {
        let lane = event
            .subject_case
            .map_or(0, |case| case.as_uuid().as_bytes()[15] & 1);
        if lane == 1 {
            odd.push(event);
        } else {
            even.push(event);
        }
    }
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(|| apply_events(projector, trees, odd.into_iter()));
        let mine = apply_events(projector, trees, even.into_iter());
        (mine, other.join())
    });
    let (a, b) = (
        a?,
        b.map_err(|_| ApplyError::Invalid("a partition of the batch panicked".into()))??,
    );
    Ok(Applied {
        last_seq: a.last_seq.max(b.last_seq),
        events: a.events + b.events,
        quarantined: a.quarantined + b.quarantined,
        foreign: a.foreign + b.foreign,
        rows: a.rows + b.rows,
        bytes: a.bytes + b.bytes,
    })
}

/// Verifies and applies each event not yet applied in this generation.
fn apply_events<'e, P: Projector>(
    projector: &P,
    trees: &Trees,
    events: impl Iterator<Item = &'e Decoded>,
) -> Result<Applied, ApplyError> {
    let mut applied = Applied::default();
    let mut rows = Rows::new(trees);
    let rows = &mut rows;
    // Usually nothing is quarantined: then skip looking it up for every event.
    let mut quarantine_empty = trees.tree("quarantine").is_empty();
    for Decoded {
        stored,
        recorded,
        body_hash,
        mark,
        subject_case,
    } in events
    {
        let subject_case = *subject_case;
        applied.last_seq = applied.last_seq.max(stored.stream_seq);
        applied.events += 1;
        let entry = |case_id, reason: String| QuarantinedEvent {
            stream_seq: stored.stream_seq,
            case_id,
            subject: stored.subject.clone(),
            reason,
        };
        let genuine =
            crate::models::log_tree::genuine_of(subject_case, mark, recorded.as_ref().ok());
        projector.every_message(
            rows,
            &LogMessage {
                stream_seq: stored.stream_seq,
                body_hash,
                genuine,
            },
        )?;
        if !P::FOLDS_CASES {
            if genuine.is_none() {
                let why = not_genuine(mark, subject_case, recorded);
                note_foreign(projector, rows, &entry(subject_case, why))?;
                applied.foreign += 1;
            }
            continue;
        }
        if let Err(unmarked) = mark {
            note_foreign(projector, rows, &entry(subject_case, unmarked.to_string()))?;
            applied.foreign += 1;
            continue;
        }
        if !quarantine_empty && quarantine::contains(rows, stored.stream_seq)? {
            continue; // quarantined before a crash; keep its first reason
        }
        let Some(case_id) = subject_case else {
            note_foreign(
                projector,
                rows,
                &entry(None, "not a case event subject".into()),
            )?;
            applied.foreign += 1;
            continue;
        };
        let chain: Option<ChainRow> = rows.get("chain", &case_key(case_id))?;
        if chain
            .as_ref()
            .is_some_and(|c| c.stream_seq >= stored.stream_seq)
        {
            continue; // applied before a crash, replayed now
        }
        let held = if quarantine_empty {
            None
        } else {
            quarantine::held_since(rows, case_id)?
        };
        if let Some(since) = held {
            let reason = format!("case held since quarantined event {since}");
            quarantine::record(rows, &entry(Some(case_id), reason))?;
            applied.quarantined += 1;
            continue;
        }
        let head = match chain {
            None => ChainHead::default(),
            Some(c) => ChainHead {
                case_seq: c.case_seq,
                hash: Some(
                    Sha256Hash::parse_hex(&c.hash).ok_or_else(|| ApplyError::BadRow {
                        key: format!("chain/{case_id}"),
                        why: "not a hex SHA-256".into(),
                    })?,
                ),
                stream_seq: c.stream_seq,
            },
        };
        let mut verifier = ChainVerifier::resume(case_id, head);
        let linked = match recorded {
            Ok(recorded) => verifier
                .push_decoded_hashed(stored, recorded, *body_hash)
                .map(|hash| (hash, recorded)),
            // Marked but undecodable: judged by its raw chain attributes first (a copy out of
            // place is foreign even then), else it is ombud's own event that this reader
            // cannot read (a newer schema), and the case is held until a rebuild can.
            Err(reason) => match verifier.push(stored) {
                Err(broken) if broken.kind.is_copy() => Err(broken),
                _ => {
                    quarantine::record(rows, &entry(Some(case_id), reason.clone()))?;
                    quarantine_empty = false;
                    applied.quarantined += 1;
                    continue;
                }
            },
        };
        let projected = match linked {
            Ok((hash, recorded)) => Projected {
                stream_seq: stored.stream_seq,
                hash,
                recorded,
            },
            // Marked but a copy out of place (an event replayed on the bus): foreign.
            Err(broken) if broken.kind.is_copy() => {
                let why = format!("marked, but not the case's next event: {}", broken.kind);
                note_foreign(projector, rows, &entry(Some(case_id), why))?;
                applied.foreign += 1;
                continue;
            }
            // ombud's own event with a genuine one missing before it, or a fork: poison.
            Err(broken) => {
                quarantine::record(rows, &entry(Some(case_id), broken.to_string()))?;
                quarantine_empty = false;
                applied.quarantined += 1;
                continue;
            }
        };
        match projector.apply(rows, &projected) {
            Ok(()) => {}
            Err(ApplyError::Invalid(reason)) => {
                quarantine::record(rows, &entry(Some(case_id), reason))?;
                quarantine_empty = false;
                applied.quarantined += 1;
                continue;
            }
            Err(fatal) => return Err(fatal),
        }
        rows.put(
            "chain",
            &case_key(case_id),
            ChainRow {
                case_seq: projected.recorded.meta.case_seq,
                hash: projected.hash.to_hex(),
                stream_seq: stored.stream_seq,
            },
        );
    }
    let order: Vec<&'static str> = P::TREES
        .iter()
        .copied()
        .chain(["quarantine", "held", "foreign", "chain"])
        .collect();
    (applied.rows, applied.bytes) = std::mem::replace(rows, Rows::new(trees)).write(&order)?;
    Ok(applied)
}

/// Why a message is not a genuine event of the case its subject names (for a projector that
/// does not fold cases, see [`Projector::FOLDS_CASES`]).
fn not_genuine(
    mark: &Result<(), ombud_envelope::Unmarked>,
    subject_case: Option<ombud_domain::CaseId>,
    recorded: &Result<ombud_envelope::RecordedEvent, String>,
) -> String {
    match (mark, subject_case, recorded) {
        (Err(unmarked), _, _) => unmarked.to_string(),
        (_, None, _) => "not a case event subject".into(),
        (_, _, Err(reason)) => reason.clone(),
        (_, Some(case), Ok(r)) => format!(
            "its subject names case {case}, its body case {}",
            r.event.case_id
        ),
    }
}

/// Records a foreign message (never applied, never holding its case) and tells the projector,
/// so a model can show that its case has foreign messages.
fn note_foreign<P: Projector>(
    projector: &P,
    rows: &mut Rows<'_>,
    entry: &QuarantinedEvent,
) -> Result<(), ApplyError> {
    quarantine::record_foreign(rows, entry);
    match entry.case_id {
        Some(case) => projector.foreign(rows, case, entry.stream_seq),
        None => Ok(()),
    }
}

/// Runs `work` while `feed` feeds it; returns when `work` is done (a feed waiting for new
/// events would never end on its own).
pub(crate) async fn alongside<T>(
    feed: impl std::future::Future<Output = ()>,
    work: impl std::future::Future<Output = T>,
) -> T {
    tokio::pin!(feed, work);
    let mut feed_done = false;
    loop {
        tokio::select! {
            result = &mut work => return result,
            () = &mut feed, if !feed_done => feed_done = true,
        }
    }
}
