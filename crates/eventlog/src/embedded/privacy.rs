//! The access log and the person index beside the embedded log, in its sled database and
//! flushed by its [`Flusher`](super::Flusher) before a write returns. The access log is the
//! tree `access_log` (key: big-endian position, value: the entry's JSON); the person index the
//! trees `person_index` (key: blind index ‖ case id) and `person_index_by_case` (key: case id,
//! value: blind index). Scans run on blocking threads.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use ombud_domain::CaseId;
use ombud_envelope::BlindIndex;

use super::{EmbeddedBackend, Flusher};
use crate::access_log::{self, AccessEntry, AccessLog, AccessQuery};
use crate::person_index::PersonIndex;
use crate::LogError;

fn storage(context: &str, e: impl std::fmt::Display) -> LogError {
    LogError::Unavailable {
        reason: format!("{context}: {e}"),
    }
}

async fn flush(flusher: &Flusher) -> Result<(), LogError> {
    flusher.wrote();
    flusher
        .flush()
        .await
        .map_err(|e| storage("flushing the embedded store", e))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, LogError> + Send + 'static,
) -> Result<T, LogError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| LogError::Storage(format!("a blocking read failed: {e}")))?
}

/// The access log in a sled tree.
#[derive(Debug, Clone)]
pub struct SledAccessLog {
    db: sled::Db,
    tree: sled::Tree,
    flusher: Arc<Flusher>,
}

impl SledAccessLog {
    /// The access log beside the embedded log.
    pub fn open(backend: &EmbeddedBackend) -> Result<Self, LogError> {
        Ok(SledAccessLog {
            db: backend.db().clone(),
            tree: backend
                .db()
                .open_tree("access_log")
                .map_err(|e| storage("opening the access log", e))?,
            flusher: backend.flusher(),
        })
    }
}

impl AccessLog for SledAccessLog {
    fn record<'a>(&'a self, entries: &'a [AccessEntry]) -> BoxFuture<'a, Result<(), LogError>> {
        Box::pin(async move {
            super::off_the_worker(|| {
                for entry in entries {
                    // Positions start at 1, like stream sequences.
                    let seq = self
                        .db
                        .generate_id()
                        .map_err(|e| storage("recording an access", e))?
                        + 1;
                    self.tree
                        .insert(seq.to_be_bytes(), access_log::encode(entry)?)
                        .map_err(|e| storage("recording an access", e))?;
                }
                Ok::<(), LogError>(())
            })?;
            flush(&self.flusher).await
        })
    }

    fn query<'a>(
        &'a self,
        query: &'a AccessQuery,
    ) -> BoxFuture<'a, Result<Vec<AccessEntry>, LogError>> {
        let (tree, query) = (self.tree.clone(), query.clone());
        Box::pin(blocking(move || {
            let mut out = Vec::new();
            for row in tree.iter() {
                if out.len() >= query.limit {
                    break;
                }
                let (key, value) = row.map_err(|e| storage("reading the access log", e))?;
                let seq = key
                    .as_ref()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| LogError::Storage("access log: a malformed key".into()))?;
                let entry = access_log::decode(seq, &value)?;
                if query.matches(&entry) {
                    out.push(entry);
                }
            }
            Ok(out)
        }))
    }
}

/// The person index in two sled trees.
#[derive(Debug, Clone)]
pub struct SledPersonIndex {
    by_person: sled::Tree,
    by_case: sled::Tree,
    flusher: Arc<Flusher>,
}

impl SledPersonIndex {
    /// The person index beside the embedded log.
    pub fn open(backend: &EmbeddedBackend) -> Result<Self, LogError> {
        let tree = |name: &str| {
            backend
                .db()
                .open_tree(name)
                .map_err(|e| storage("opening the person index", e))
        };
        Ok(SledPersonIndex {
            by_person: tree("person_index")?,
            by_case: tree("person_index_by_case")?,
            flusher: backend.flusher(),
        })
    }
}

fn row_key(person: &BlindIndex, case: CaseId) -> Vec<u8> {
    let mut key = person.0.to_vec();
    key.extend_from_slice(case.as_uuid().as_bytes());
    key
}

impl PersonIndex for SledPersonIndex {
    fn add<'a>(
        &'a self,
        person: &'a BlindIndex,
        case: CaseId,
    ) -> BoxFuture<'a, Result<(), LogError>> {
        Box::pin(async move {
            let write = |tree: &sled::Tree, key: Vec<u8>, value: &[u8]| {
                tree.insert(key, value)
                    .map_err(|e| storage("updating the person index", e))
            };
            super::off_the_worker(|| {
                write(&self.by_case, case.as_uuid().as_bytes().to_vec(), &person.0)?;
                write(&self.by_person, row_key(person, case), &[])
            })?;
            flush(&self.flusher).await
        })
    }

    fn cases<'a>(&'a self, person: &'a BlindIndex) -> BoxFuture<'a, Result<Vec<CaseId>, LogError>> {
        let (tree, prefix) = (self.by_person.clone(), person.0);
        Box::pin(blocking(move || {
            tree.scan_prefix(prefix)
                .map(|row| {
                    let (key, _) = row.map_err(|e| storage("reading the person index", e))?;
                    uuid::Uuid::from_slice(&key[32..])
                        .map(CaseId::from_uuid)
                        .map_err(|_| LogError::Storage("person index: a malformed key".into()))
                })
                .collect()
        }))
    }

    fn remove_case(&self, case: CaseId) -> BoxFuture<'_, Result<(), LogError>> {
        Box::pin(async move {
            let removed = super::off_the_worker(|| {
                let id = case.as_uuid().as_bytes().to_vec();
                let Some(person) = self
                    .by_case
                    .get(&id)
                    .map_err(|e| storage("reading the person index", e))?
                else {
                    return Ok(false);
                };
                let person: [u8; 32] = person.as_ref().try_into().map_err(|_| {
                    LogError::Storage("person index: a malformed case entry".into())
                })?;
                self.by_person
                    .remove(row_key(&BlindIndex(person), case))
                    .map_err(|e| storage("updating the person index", e))?;
                self.by_case
                    .remove(id)
                    .map_err(|e| storage("updating the person index", e))?;
                Ok::<bool, LogError>(true)
            })?;
            if removed {
                flush(&self.flusher).await?;
            }
            Ok(())
        })
    }
}
