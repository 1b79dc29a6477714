//! The JetStream key store: wrapped data keys in a key-value bucket. Destroying a key purges
//! it: the bucket keeps only a purge marker, which reads as "destroyed" (never as "unknown"),
//! and a destroyed id is never re-created.

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation};
use async_nats::jetstream::stream::StorageType;
use ombud_domain::KeyId;
use ombud_envelope::{KeyStore, KeyStoreError, StoredKey, WrappedKey};

use super::JetStreamBackend;

/// Wrapped data keys in a JetStream key-value bucket.
#[derive(Debug, Clone)]
pub struct KvKeyStore {
    store: kv::Store,
}

fn unavailable(e: impl std::fmt::Display) -> KeyStoreError {
    KeyStoreError::Unavailable(e.to_string())
}

/// KV keys allow `[-/_=.a-zA-Z0-9]`; key ids may contain `:`, which never appears otherwise
/// as `=`, so the mapping is one-to-one.
fn kv_key(id: &KeyId) -> String {
    id.as_str().replace(':', "=")
}

/// Opens (or creates) the key-value bucket `bucket`: file storage, one revision per key, the
/// configured replicas, never lowered (a bucket is a stream named `KV_<bucket>`, kept like the
/// log).
pub(super) async fn open_bucket(
    backend: &JetStreamBackend,
    bucket: &str,
    description: &str,
) -> Result<kv::Store, async_nats::jetstream::context::CreateKeyValueError> {
    let config = backend.config();
    let stream = format!("KV_{bucket}");
    let replicas = match backend.setup_context().get_stream(&stream).await {
        Ok(existing) => super::kept_replicas(
            &stream,
            existing.cached_info().config.num_replicas,
            config.replicas,
        ),
        Err(_) => config.replicas,
    };
    backend
        .setup_context()
        .create_or_update_key_value(kv::Config {
            bucket: bucket.to_owned(),
            description: description.to_owned(),
            history: 1,
            storage: StorageType::File,
            num_replicas: replicas,
            ..Default::default()
        })
        .await?;
    // Used with the ordinary request timeout from here on.
    let store = backend.context().get_key_value(bucket).await.map_err(|e| {
        async_nats::jetstream::context::CreateKeyValueError::with_source(
            async_nats::jetstream::context::CreateKeyValueErrorKind::TimedOut,
            e,
        )
    })?;
    // A replicated bucket just created answers "no responders" until its group has a leader:
    // wait for a read to answer, so the first command does not get a 503.
    super::wait_until_readable(&format!("key-value bucket {bucket}"), || {
        let store = store.clone();
        async move {
            store
                .entry("ombud-ready-probe")
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
    })
    .await
    .map_err(|e| {
        async_nats::jetstream::context::CreateKeyValueError::with_source(
            async_nats::jetstream::context::CreateKeyValueErrorKind::TimedOut,
            e,
        )
    })?;
    Ok(store)
}

impl KvKeyStore {
    /// Opens (or creates) the bucket named in the backend's config.
    pub async fn open(backend: &JetStreamBackend) -> Result<Self, KeyStoreError> {
        let store = open_bucket(
            backend,
            &backend.config().key_bucket,
            "ombud data keys (wrapped by the master key)",
        )
        .await
        .map_err(unavailable)?;
        Ok(KvKeyStore { store })
    }

    async fn read(&self, id: &KeyId) -> Result<Option<StoredKey>, KeyStoreError> {
        let entry = self.store.entry(kv_key(id)).await.map_err(unavailable)?;
        match entry {
            None => Ok(None),
            Some(entry) => match entry.operation {
                Operation::Put => WrappedKey::from_bytes(&entry.value)
                    .map(|w| Some(StoredKey::Live(w)))
                    .map_err(|e| KeyStoreError::Corrupt {
                        id: id.clone(),
                        problem: e.to_string(),
                    }),
                Operation::Delete | Operation::Purge => Ok(Some(StoredKey::Destroyed)),
            },
        }
    }
}

impl KeyStore for KvKeyStore {
    async fn create(&self, id: &KeyId, wrapped: WrappedKey) -> Result<StoredKey, KeyStoreError> {
        if let Some(existing) = self.read(id).await? {
            return Ok(existing);
        }
        match self
            .store
            .create(kv_key(id), wrapped.to_bytes().into())
            .await
        {
            Ok(_) => Ok(StoredKey::Live(wrapped)),
            Err(e) if e.kind() == CreateErrorKind::AlreadyExists => {
                self.read(id).await?.ok_or_else(|| {
                    KeyStoreError::Unavailable("key vanished while being created".into())
                })
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn get(&self, id: &KeyId) -> Result<Option<StoredKey>, KeyStoreError> {
        self.read(id).await
    }

    async fn destroy(&self, id: &KeyId) -> Result<(), KeyStoreError> {
        self.store.purge(kv_key(id)).await.map_err(unavailable)
    }
}
