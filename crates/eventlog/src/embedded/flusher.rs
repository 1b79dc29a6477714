//! [`Flusher`]: the one way the embedded log makes writes durable. Writers count their writes
//! ([`Flusher::wrote`]) and then wait for a flush that covers them ([`Flusher::flush`]).
//! Flushes run one at a time on a blocking thread; whoever holds the turn flushes everything
//! written so far, so concurrent writers share flushes (group commit) and sled never sees two
//! flushes at once. A flush slower than the stall limit is reported, not waited on forever.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::LogError;

/// How long a flush may take before it counts as a stall.
pub const STALL_LIMIT: Duration = Duration::from_secs(30);

/// Serialized, shared flushes of one sled database.
#[derive(Debug)]
pub struct Flusher {
    db: sled::Db,
    /// Writes made so far (a ticket per write).
    written: AtomicU64,
    /// The turn to flush, holding the number of writes known durable.
    turn: tokio::sync::Mutex<u64>,
}

impl Flusher {
    /// The flusher of `db`.
    pub fn new(db: sled::Db) -> Self {
        Flusher {
            db,
            written: AtomicU64::new(0),
            turn: tokio::sync::Mutex::new(0),
        }
    }

    /// Records that a write was made (call after the write, before [`Flusher::flush`]).
    pub fn wrote(&self) {
        self.written.fetch_add(1, Ordering::SeqCst);
    }

    /// Returns once every write recorded so far is durable.
    pub async fn flush(&self) -> Result<(), LogError> {
        let mine = self.written.load(Ordering::SeqCst);
        let work = async {
            let mut durable = self.turn.lock().await;
            if *durable >= mine {
                return Ok(()); // someone else's flush covered this write
            }
            let target = self.written.load(Ordering::SeqCst);
            let db = self.db.clone();
            tokio::task::spawn_blocking(move || db.flush())
                .await
                .map_err(|e| LogError::Unavailable {
                    reason: format!("the flush task failed: {e}"),
                })?
                .map_err(|e| LogError::Unavailable {
                    reason: format!("flushing the embedded log: {e}"),
                })?;
            *durable = target;
            Ok(())
        };
        match tokio::time::timeout(STALL_LIMIT, work).await {
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
}
