//! The access log and the person index on JetStream. The access log is a stream of its own
//! (`OMBUD_ACCESS`, subjects `ombud.access.<case id | none>`, file storage, no deletes, no
//! purges), appended with an acknowledged publish and read back with direct gets (no
//! consumer per query). The person index is a key-value bucket (`OMBUD_PERSONS`):
//! `p.<blind index>` holds the JSON list of the person's case ids, updated by compare-and-set,
//! and `c.<case id>` names the blind index of the case's reporter, so an erasure can drop the
//! entry without the plaintext.

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateErrorKind};
use async_nats::jetstream::stream::{
    Config as StreamConfig, DirectGetErrorKind, DiscardPolicy, RetentionPolicy, StorageType,
};
use futures_util::future::BoxFuture;
use ombud_domain::CaseId;
use ombud_envelope::BlindIndex;

use super::{kept_replicas, JetStreamBackend};
use crate::access_log::{self, AccessEntry, AccessLog, AccessQuery};
use crate::person_index::PersonIndex;
use crate::LogError;

/// The subjects of the access-log stream.
pub const ACCESS_SUBJECTS: &str = "ombud.access.>";

fn unavailable(context: &str, e: impl std::fmt::Display) -> LogError {
    LogError::Unavailable {
        reason: format!("{context}: {e}"),
    }
}

/// The access log in its own JetStream stream.
#[derive(Debug, Clone)]
pub struct StreamAccessLog {
    context: async_nats::jetstream::Context,
    stream: async_nats::jetstream::stream::Stream,
}

impl StreamAccessLog {
    /// Creates (or updates) the access-log stream named in the backend's config.
    pub async fn open(backend: &JetStreamBackend) -> Result<Self, LogError> {
        let config = backend.config();
        let setup = backend.setup_context();
        let replicas = match setup.get_stream(&config.access_stream).await {
            Ok(existing) => kept_replicas(
                &config.access_stream,
                existing.cached_info().config.num_replicas,
                config.replicas,
            ),
            Err(_) => config.replicas,
        };
        let wanted = StreamConfig {
            name: config.access_stream.clone(),
            description: Some("ombud access log: openings of confidential personal data".into()),
            subjects: vec![ACCESS_SUBJECTS.into()],
            retention: RetentionPolicy::Limits,
            discard: DiscardPolicy::New,
            storage: StorageType::File,
            num_replicas: replicas,
            deny_delete: true,
            deny_purge: true,
            allow_direct: true,
            ..Default::default()
        };
        match setup.get_stream(&config.access_stream).await {
            Ok(_) => setup
                .update_stream(&wanted)
                .await
                .map(drop)
                .map_err(|e| unavailable("updating the access-log stream", e))?,
            Err(_) => setup
                .create_stream(wanted)
                .await
                .map(drop)
                .map_err(|e| unavailable("creating the access-log stream", e))?,
        };
        // Appends and reads with the ordinary request timeout.
        let context = backend.context().clone();
        let stream = context
            .get_stream(&config.access_stream)
            .await
            .map_err(|e| unavailable("opening the access-log stream", e))?;
        Ok(StreamAccessLog { context, stream })
    }
}

impl AccessLog for StreamAccessLog {
    fn record<'a>(&'a self, entries: &'a [AccessEntry]) -> BoxFuture<'a, Result<(), LogError>> {
        Box::pin(async move {
            // Publish all, then wait for every acknowledgement: one round trip for a batch.
            let mut acks = Vec::with_capacity(entries.len());
            for entry in entries {
                let subject = format!("ombud.access.{}", access_log::case_token(entry.case_id));
                let ack = self
                    .context
                    .publish(subject, access_log::encode(entry)?.into())
                    .await
                    .map_err(|e| unavailable("recording an access", e))?;
                acks.push(ack);
            }
            for ack in acks {
                ack.await
                    .map_err(|e| unavailable("recording an access (no acknowledgement)", e))?;
            }
            Ok(())
        })
    }

    fn query<'a>(
        &'a self,
        query: &'a AccessQuery,
    ) -> BoxFuture<'a, Result<Vec<AccessEntry>, LogError>> {
        Box::pin(async move {
            let subject = match query.case_id {
                Some(case) => format!("ombud.access.{case}"),
                None => ACCESS_SUBJECTS.to_owned(),
            };
            let mut out = Vec::new();
            let mut next = 1;
            while out.len() < query.limit {
                let message = match self
                    .stream
                    .direct_get_next_for_subject(subject.as_str(), Some(next))
                    .await
                {
                    Ok(message) => message,
                    Err(e) if e.kind() == DirectGetErrorKind::NotFound => break,
                    Err(e) => return Err(unavailable("reading the access log", e)),
                };
                next = message.sequence + 1;
                let entry = access_log::decode(message.sequence, &message.payload)?;
                if query.matches(&entry) {
                    out.push(entry);
                }
            }
            Ok(out)
        })
    }
}

/// The person index in a JetStream key-value bucket.
#[derive(Debug, Clone)]
pub struct KvPersonIndex {
    store: kv::Store,
}

fn person_key(person: &BlindIndex) -> String {
    format!("p.{}", person.to_hex())
}

fn case_key(case: CaseId) -> String {
    format!("c.{case}")
}

fn parse_cases(bytes: &[u8]) -> Result<Vec<CaseId>, LogError> {
    serde_json::from_slice(bytes)
        .map_err(|e| LogError::Storage(format!("person index entry is unreadable: {e}")))
}

impl KvPersonIndex {
    /// Opens (or creates) the bucket named in the backend's config.
    pub async fn open(backend: &JetStreamBackend) -> Result<Self, LogError> {
        let store = super::keys::open_bucket(
            backend,
            &backend.config().person_bucket,
            "ombud person index (keyed blind index of the NIK → cases)",
        )
        .await
        .map_err(|e| unavailable("opening the person index bucket", e))?;
        Ok(KvPersonIndex { store })
    }

    /// Sets `key` to what `change` makes of its current list (compare-and-set, retried on a
    /// concurrent change); an empty list purges the key.
    async fn change(
        &self,
        key: &str,
        change: impl Fn(&mut Vec<CaseId>) -> bool,
    ) -> Result<(), LogError> {
        for _ in 0..100 {
            let entry = self
                .store
                .entry(key)
                .await
                .map_err(|e| unavailable("reading the person index", e))?;
            let (mut cases, revision) = match &entry {
                Some(e) if e.operation == Operation::Put => {
                    (parse_cases(&e.value)?, Some(e.revision))
                }
                Some(e) => (Vec::new(), Some(e.revision)),
                None => (Vec::new(), None),
            };
            if !change(&mut cases) {
                return Ok(());
            }
            if cases.is_empty() {
                return self
                    .store
                    .purge(key)
                    .await
                    .map_err(|e| unavailable("updating the person index", e));
            }
            let value = serde_json::to_vec(&cases)
                .map_err(|e| LogError::Storage(e.to_string()))?
                .into();
            let written = match revision {
                Some(revision) => match self.store.update(key, value, revision).await {
                    Ok(_) => true,
                    Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => false,
                    Err(e) => return Err(unavailable("updating the person index", e)),
                },
                None => match self.store.create(key, value).await {
                    Ok(_) => true,
                    Err(e) if e.kind() == CreateErrorKind::AlreadyExists => false,
                    Err(e) => return Err(unavailable("updating the person index", e)),
                },
            };
            if written {
                return Ok(());
            }
        }
        Err(unavailable(
            "updating the person index",
            "too many concurrent changes",
        ))
    }
}

impl PersonIndex for KvPersonIndex {
    fn add<'a>(
        &'a self,
        person: &'a BlindIndex,
        case: CaseId,
    ) -> BoxFuture<'a, Result<(), LogError>> {
        Box::pin(async move {
            // The reverse entry first: an erasure can then always find the forward one.
            self.store
                .put(case_key(case), person.to_hex().into())
                .await
                .map_err(|e| unavailable("updating the person index", e))?;
            self.change(&person_key(person), |cases| {
                if cases.contains(&case) {
                    false
                } else {
                    cases.push(case);
                    true
                }
            })
            .await
        })
    }

    fn cases<'a>(&'a self, person: &'a BlindIndex) -> BoxFuture<'a, Result<Vec<CaseId>, LogError>> {
        Box::pin(async move {
            match self
                .store
                .entry(person_key(person))
                .await
                .map_err(|e| unavailable("reading the person index", e))?
            {
                Some(e) if e.operation == Operation::Put => parse_cases(&e.value),
                _ => Ok(Vec::new()),
            }
        })
    }

    fn remove_case(&self, case: CaseId) -> BoxFuture<'_, Result<(), LogError>> {
        Box::pin(async move {
            let reverse = self
                .store
                .entry(case_key(case))
                .await
                .map_err(|e| unavailable("reading the person index", e))?;
            let Some(reverse) = reverse.filter(|e| e.operation == Operation::Put) else {
                return Ok(());
            };
            let person = std::str::from_utf8(&reverse.value)
                .ok()
                .and_then(BlindIndex::from_hex)
                .ok_or_else(|| LogError::Storage("person index: unreadable case entry".into()))?;
            self.change(&person_key(&person), |cases| {
                let before = cases.len();
                cases.retain(|c| *c != case);
                cases.len() != before
            })
            .await?;
            self.store
                .purge(case_key(case))
                .await
                .map_err(|e| unavailable("updating the person index", e))
        })
    }
}
