//! [`ReadModels`]: every projection of one process over one sled database (its own directory,
//! separate from the embedded event log: read models are disposable), run together, with
//! status, read-your-writes and rebuild by name. What `ombud serve`, `ombud status` and
//! `ombud rebuild` call.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ombud_eventlog::embedded::Flusher;
use ombud_eventlog::{Backend, EventLog};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::ProjectionError;
use crate::models::cases::CasesProjector;
use crate::models::statistics::StatisticsProjector;
use crate::runtime::{Projection, ProjectionConfig, RebuildReport};
use crate::status::ProjectorStatus;

/// The projections of one process.
#[derive(Debug, Clone)]
pub struct ReadModels {
    /// Case file, case index, work queue, deadline board.
    pub cases: Arc<Projection<CasesProjector>>,
    /// Agency dossier, office statistics.
    pub statistics: Arc<Projection<StatisticsProjector>>,
    db: sled::Db,
}

/// The names of the projectors, for `rebuild` and `status`.
pub const PROJECTORS: &[&str] = &["cases", "statistics"];

impl ReadModels {
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
                flusher,
                StatisticsProjector,
                config,
            )?),
            db,
        })
    }

    /// Starts every projector following `log`; they stop when `shutdown` turns true.
    pub fn spawn<B: Backend>(
        &self,
        log: Arc<EventLog<B>>,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<JoinHandle<Result<(), ProjectionError>>> {
        vec![
            tokio::spawn(self.cases.clone().run(log.clone(), shutdown.clone())),
            tokio::spawn(self.statistics.clone().run(log, shutdown)),
        ]
    }

    /// Every projector's status against the log head `head`.
    pub fn status(&self, head: Option<u64>) -> Vec<ProjectorStatus> {
        vec![self.cases.status(head), self.statistics.status(head)]
    }

    /// Waits until every projector has reached `seq`, at most `timeout` in all.
    pub async fn wait_for(&self, seq: u64, timeout: Duration) -> Result<(), ProjectionError> {
        let deadline = tokio::time::Instant::now() + timeout;
        self.cases.wait_for(seq, timeout).await?;
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        self.statistics.wait_for(seq, left).await
    }

    /// Rebuilds the projector `name`, or every one (concurrently) for `None`.
    pub async fn rebuild<B: Backend>(
        &self,
        log: &EventLog<B>,
        name: Option<&str>,
    ) -> Result<Vec<RebuildReport>, ProjectionError> {
        match name {
            None => {
                let (cases, statistics) =
                    tokio::join!(self.cases.rebuild(log), self.statistics.rebuild(log));
                Ok(vec![cases?, statistics?])
            }
            Some("cases") => Ok(vec![self.cases.rebuild(log).await?]),
            Some("statistics") => Ok(vec![self.statistics.rebuild(log).await?]),
            Some(other) => Err(ProjectionError::InvalidQuery(format!(
                "no projector `{other}` (known: {})",
                PROJECTORS.join(", ")
            ))),
        }
    }

    /// Disk used by the read models, in bytes.
    pub fn size_on_disk(&self) -> Result<u64, ProjectionError> {
        Ok(self.db.size_on_disk()?)
    }
}
