//! [`ReadModels`]: every projection of one process over one sled database (its own directory,
//! separate from the embedded event log: read models are disposable), run together, with
//! status, read-your-writes and rebuild by name. What `ombud serve`, `ombud status` and
//! `ombud rebuild` call.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ombud_eventlog::embedded::Flusher;
use ombud_eventlog::{Backend, EventLog};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::erasures::{self, ErasureHook};
use crate::error::ProjectionError;
use crate::feed;
use crate::models::cases::CasesProjector;
use crate::models::log_tree::LogTreeProjector;
use crate::models::statistics::StatisticsProjector;
use crate::runtime::{alongside, Projection, ProjectionConfig, RebuildReport};
use crate::status::ProjectorStatus;

/// The projections of one process.
#[derive(Debug, Clone)]
pub struct ReadModels {
    /// Case file, case index, work queue, deadline board.
    pub cases: Arc<Projection<CasesProjector>>,
    /// Agency dossier, office statistics.
    pub statistics: Arc<Projection<StatisticsProjector>>,
    /// The transparency log's Merkle tree over every message of the stream.
    pub log_tree: Arc<Projection<LogTreeProjector>>,
    db: sled::Db,
    flusher: Arc<Flusher>,
    /// The erasure follower's checkpoint.
    erasures: sled::Tree,
    config: ProjectionConfig,
}

/// The names of the projectors, for `rebuild` and `status`.
pub const PROJECTORS: &[&str] = &["cases", "statistics", "log_tree"];

impl ReadModels {
    /// Why the read models' database cannot write any more until it is opened again (a failed
    /// flush, or a projector stopped by a sled error: sled keeps the first I/O error), if so.
    pub fn failure(&self) -> Option<String> {
        self.flusher.failure()
    }

    /// Opens (creating) the read models in `dir`.
    pub fn open(dir: &Path, config: ProjectionConfig) -> Result<Self, ProjectionError> {
        let db = sled::Config::new().path(dir).flush_every_ms(None).open()?;
        let flusher = Arc::new(Flusher::new(db.clone()));
        Ok(ReadModels {
            cases: Arc::new(Projection::open(
                db.clone(),
                flusher.clone(),
                CasesProjector,
                config.clone(),
            )?),
            statistics: Arc::new(Projection::open(
                db.clone(),
                flusher.clone(),
                StatisticsProjector {
                    offices: config.offices.clone(),
                },
                config.clone(),
            )?),
            log_tree: Arc::new(Projection::open(
                db.clone(),
                flusher.clone(),
                LogTreeProjector,
                config.clone(),
            )?),
            erasures: db.open_tree("erasures")?,
            db,
            flusher,
            config,
        })
    }

    /// Starts every projector following `log` through one shared feed (the log is read and
    /// decoded once for all); they stop when `shutdown` turns true. The tasks: the cases
    /// projector, the statistics projector, the feed.
    pub fn spawn<B: Backend>(
        &self,
        log: Arc<EventLog<B>>,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<JoinHandle<Result<(), ProjectionError>>> {
        self.spawn_with(log, shutdown, None)
    }

    /// [`ReadModels::spawn`], with the erasure follower running `hook` for every erasure
    /// (`docs/personal-data.md`, "Erasure": every process forgets an erased case's key), fed
    /// by the same feed.
    pub fn spawn_with<B: Backend>(
        &self,
        log: Arc<EventLog<B>>,
        shutdown: watch::Receiver<bool>,
        hook: Option<ErasureHook>,
    ) -> Vec<JoinHandle<Result<(), ProjectionError>>> {
        let (cases_tx, cases_rx) = mpsc::channel(feed::DEPTH);
        let (statistics_tx, statistics_rx) = mpsc::channel(feed::DEPTH);
        let (tree_tx, tree_rx) = mpsc::channel(feed::DEPTH);
        let mut from = self
            .cases
            .checkpoint()
            .min(self.statistics.checkpoint())
            .min(self.log_tree.checkpoint());
        let mut consumers = vec![cases_tx, statistics_tx, tree_tx];
        let mut tasks = vec![
            tokio::spawn(self.cases.clone().run_fed(cases_rx)),
            tokio::spawn(self.statistics.clone().run_fed(statistics_rx)),
            tokio::spawn(self.log_tree.clone().run_fed(tree_rx)),
        ];
        if let Some(hook) = hook {
            let (tx, rx) = mpsc::channel(feed::DEPTH);
            // A failed read of the checkpoint replays every erasure (the hook is idempotent).
            from = from.min(erasures::checkpoint(&self.erasures).unwrap_or(0));
            consumers.push(tx);
            tasks.push(tokio::spawn(erasures::follow(
                rx,
                self.erasures.clone(),
                self.flusher.clone(),
                hook,
            )));
        }
        let config = self.config.clone();
        tasks.push(tokio::spawn(async move {
            feed::run(&log, from, consumers, Some(shutdown), &config).await;
            Ok(())
        }));
        tasks
    }

    /// A tree of this database that is not a projection (rebuilds leave it alone): state a
    /// process keeps beside its read models, such as the deadline engine's reminders sent.
    pub fn side_tree(&self, name: &str) -> Result<sled::Tree, ProjectionError> {
        Ok(self.db.open_tree(name)?)
    }

    /// Makes every write to this database so far durable (through its one flusher).
    pub async fn flush(&self) -> Result<(), ProjectionError> {
        self.flusher.wrote();
        Ok(self.flusher.flush().await?)
    }

    /// Every projector's status against the log head `head`.
    pub fn status(&self, head: Option<u64>) -> Vec<ProjectorStatus> {
        vec![
            self.cases.status(head),
            self.statistics.status(head),
            self.log_tree.status(head),
        ]
    }

    /// Waits until every projector has reached `seq`, at most `timeout` in all.
    pub async fn wait_for(&self, seq: u64, timeout: Duration) -> Result<(), ProjectionError> {
        let deadline = tokio::time::Instant::now() + timeout;
        self.cases.wait_for(seq, timeout).await?;
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        self.statistics.wait_for(seq, left).await?;
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        self.log_tree.wait_for(seq, left).await
    }

    /// Rebuilds the projector `name`, or every one (concurrently) for `None`.
    pub async fn rebuild<B: Backend>(
        &self,
        log: &EventLog<B>,
        name: Option<&str>,
    ) -> Result<Vec<RebuildReport>, ProjectionError> {
        match name {
            None => {
                // One feed for all: the log is read and decoded once.
                let (cases_tx, cases_rx) = mpsc::channel(feed::DEPTH);
                let (statistics_tx, statistics_rx) = mpsc::channel(feed::DEPTH);
                let (tree_tx, tree_rx) = mpsc::channel(feed::DEPTH);
                let feed = feed::run(
                    log,
                    0,
                    vec![cases_tx, statistics_tx, tree_tx],
                    None,
                    &self.config,
                );
                let work = async {
                    tokio::join!(
                        self.cases.rebuild_fed(log, cases_rx),
                        self.statistics.rebuild_fed(log, statistics_rx),
                        self.log_tree.rebuild_fed(log, tree_rx)
                    )
                };
                let (cases, statistics, tree) = alongside(feed, work).await;
                Ok(vec![cases?, statistics?, tree?])
            }
            Some("cases") => Ok(vec![self.cases.rebuild(log).await?]),
            Some("statistics") => Ok(vec![self.statistics.rebuild(log).await?]),
            Some("log_tree") => Ok(vec![self.log_tree.rebuild(log).await?]),
            Some(other) => Err(ProjectionError::InvalidQuery(format!(
                "no projector `{other}` (known: {})",
                PROJECTORS.join(", ")
            ))),
        }
    }

    /// Generations of read-model trees in the database: one per projector, plus any a rebuild
    /// has replaced and not yet dropped (it drops them a moment after the swap).
    pub fn generations_on_disk(&self) -> usize {
        let mut generations = std::collections::BTreeSet::new();
        for name in self.db.tree_names() {
            let name = String::from_utf8_lossy(&name);
            let mut parts = name.splitn(3, '.');
            if let (Some(projector), Some(generation), Some(_)) =
                (parts.next(), parts.next(), parts.next())
            {
                if PROJECTORS.contains(&projector) && generation.starts_with('g') {
                    generations.insert((projector.to_owned(), generation.to_owned()));
                }
            }
        }
        generations.len()
    }

    /// Disk used by the read models, in bytes.
    pub fn size_on_disk(&self) -> Result<u64, ProjectionError> {
        Ok(self.db.size_on_disk()?)
    }
}
