//! Following erasures: every ombud process acts on each `personal_data_erased` it reads from
//! the log, through the [`ErasureHook`] its composition root gives (destroy the case's data key
//! where it is stored and in this process's cache, drop the person-index entries). The process
//! that recorded the erasure did so already before answering; the others (a second `serve`, a
//! `project` process) learn it here within a batch, and a crash between an erasure's append
//! and its effects is repaired at the next start, because this follower keeps its own
//! checkpoint (tree `erasures`, key `checkpoint`) and the shared feed starts at or below it.
//! The hook must be idempotent: an erasure can be acted on more than once.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use ombud_domain::{CaseId, EventData, KeyId};
use tokio::sync::mpsc;

use ombud_eventlog::embedded::Flusher;

use crate::error::ProjectionError;
use crate::feed::FeedItem;

/// What a process does when it learns of an erasure: `(case, its data key)`.
pub type ErasureHook =
    Arc<dyn Fn(CaseId, KeyId) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

const CHECKPOINT: &[u8] = b"checkpoint";

/// How long to wait before retrying a hook that failed (the key store was unreachable).
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// The follower's checkpoint in `tree` (0 when new).
pub(crate) fn checkpoint(tree: &sled::Tree) -> Result<u64, ProjectionError> {
    Ok(tree
        .get(CHECKPOINT)?
        .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0))
}

/// Follows `feed` until it ends, running `hook` for every erasure above the checkpoint.
pub(crate) async fn follow(
    mut feed: mpsc::Receiver<FeedItem>,
    tree: sled::Tree,
    flusher: Arc<Flusher>,
    hook: ErasureHook,
) -> Result<(), ProjectionError> {
    let mut done = checkpoint(&tree)?;
    while let Some(item) = feed.recv().await {
        let FeedItem::Batch(batch) = item else {
            continue;
        };
        let mut acted = false;
        for decoded in batch.iter().filter(|d| d.stored.stream_seq > done) {
            // A foreign message is never acted on: only ombud's own erasures destroy keys.
            let (Ok(()), Ok(recorded)) = (&decoded.mark, &decoded.recorded) else {
                continue;
            };
            let EventData::PersonalDataErased(erased) = &recorded.event.data else {
                continue;
            };
            let case = recorded.event.case_id;
            // Only ever the event's own case's key: a message naming another case's key is
            // not an erasure of that case.
            if erased.key_id != KeyId::for_case(case) {
                tracing::warn!(%case, seq = decoded.stored.stream_seq, "an erasure names another case's key; ignored");
                continue;
            }
            loop {
                match hook(case, erased.key_id.clone()).await {
                    Ok(()) => break,
                    Err(why) => {
                        tracing::warn!(%case, error = %why, "acting on an erasure failed; retrying");
                        if feed.is_closed() {
                            // Shutting down: the next start retries from the checkpoint.
                            return Ok(());
                        }
                        tokio::time::sleep(RETRY_AFTER).await;
                    }
                }
            }
            acted = true;
        }
        if let Some(last) = batch.last() {
            done = done.max(last.stored.stream_seq);
            tree.insert(CHECKPOINT, &done.to_be_bytes())?;
            if acted {
                flusher.wrote();
                flusher.flush().await.map_err(ProjectionError::Log)?;
            }
        }
    }
    Ok(())
}
