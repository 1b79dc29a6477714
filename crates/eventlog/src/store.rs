//! [`Store`]: the event log's storage on either backend, opened in one place. A [`Location`]
//! names the backend (a directory for the embedded log, a server for JetStream);
//! [`Store::open`] opens it with the key store, access log and person index beside it. The
//! layers above work with [`AnyBackend`] and [`AnyKeyStore`], so the embedded/JetStream choice
//! is made here once and nowhere else.

use std::sync::Arc;

use ombud_domain::{CaseId, KeyId};
use ombud_envelope::{KeyStore, KeyStoreError, StoredEvent, StoredKey, WrappedKey};

use crate::backend::{Outgoing, PublishFailure, Published};
use crate::embedded::{
    EmbeddedBackend, EmbeddedConfig, SledAccessLog, SledKeyStore, SledPersonIndex,
};
use crate::jetstream::{
    redact_url, JetStreamBackend, JetStreamConfig, KvKeyStore, KvPersonIndex, StreamAccessLog,
    StreamSetup,
};
use crate::{AccessLog, Backend, LogError, PersonIndex, Subscription};

/// Where the log is.
#[derive(Debug, Clone)]
pub enum Location {
    /// The embedded log (sled) in this directory.
    Embedded(EmbeddedConfig),
    /// A JetStream stream on these servers.
    JetStream(Box<JetStreamConfig>),
}

/// Either backend, behind one type.
#[derive(Debug, Clone)]
pub enum AnyBackend {
    /// The embedded log.
    Embedded(Arc<EmbeddedBackend>),
    /// NATS JetStream.
    JetStream(Arc<JetStreamBackend>),
}

/// Either backend's key store.
#[derive(Debug)]
pub enum AnyKeyStore {
    /// Keys in a sled tree beside the embedded log.
    Embedded(SledKeyStore),
    /// Keys in a JetStream key-value bucket.
    JetStream(Box<KvKeyStore>),
}

/// The opened storage: the log's backend and the stores beside it.
pub struct Store {
    /// The event log's backend.
    pub backend: AnyBackend,
    /// Wrapped data keys.
    pub keys: AnyKeyStore,
    /// Who opened a confidential identity.
    pub access_log: Arc<dyn AccessLog>,
    /// A person's cases by the blind index of the NIK.
    pub persons: Arc<dyn PersonIndex>,
    /// One line for the operator: which log this is and, on JetStream, what start-up did to
    /// the stream.
    pub description: String,
}

/// Why the storage could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The log could not be opened: the NATS server could not be reached or the stream set
    /// up, or the embedded log's directory is in use or unreadable (the error says which,
    /// and where).
    #[error(transparent)]
    Log(#[from] LogError),
    /// A store beside the log could not be opened.
    #[error("opening the {what}")]
    Beside {
        /// Which store.
        what: &'static str,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

fn beside(what: &'static str) -> impl Fn(Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    move |source| StoreError::Beside { what, source }
}

impl Store {
    /// Opens the log at `location` and the stores beside it.
    pub async fn open(location: Location) -> Result<Store, StoreError> {
        let (backend, description) = AnyBackend::open(location).await?;
        let (keys, access_log, persons): (AnyKeyStore, Arc<dyn AccessLog>, Arc<dyn PersonIndex>) =
            match &backend {
                AnyBackend::Embedded(b) => (
                    AnyKeyStore::Embedded(
                        SledKeyStore::open(b).map_err(|e| beside("key store")(e.into()))?,
                    ),
                    Arc::new(SledAccessLog::open(b).map_err(|e| beside("access log")(e.into()))?),
                    Arc::new(
                        SledPersonIndex::open(b).map_err(|e| beside("person index")(e.into()))?,
                    ),
                ),
                AnyBackend::JetStream(b) => (
                    AnyKeyStore::JetStream(Box::new(
                        KvKeyStore::open(b)
                            .await
                            .map_err(|e| beside("key bucket")(e.into()))?,
                    )),
                    Arc::new(
                        StreamAccessLog::open(b)
                            .await
                            .map_err(|e| beside("access-log stream")(e.into()))?,
                    ),
                    Arc::new(
                        KvPersonIndex::open(b)
                            .await
                            .map_err(|e| beside("person-index bucket")(e.into()))?,
                    ),
                ),
            };
        Ok(Store {
            backend,
            keys,
            access_log,
            persons,
            description,
        })
    }
}

impl AnyBackend {
    /// Opens the log at `location` alone (for a reader that needs nothing beside it, such as a
    /// rebuild), with one line for the operator saying which log it is.
    pub async fn open(location: Location) -> Result<(AnyBackend, String), StoreError> {
        match location {
            Location::Embedded(config) => {
                let backend = EmbeddedBackend::open(&config)?;
                Ok((
                    AnyBackend::Embedded(Arc::new(backend)),
                    format!("embedded, in {}", config.path.display()),
                ))
            }
            Location::JetStream(config) => {
                let url = redact_url(&config.url);
                let (backend, setup) = JetStreamBackend::connect(*config).await?;
                let setup = match setup {
                    StreamSetup::Created => "stream created".to_owned(),
                    StreamSetup::Unchanged => "stream unchanged".to_owned(),
                    StreamSetup::Updated(changes) => {
                        format!("stream settings updated: {}", changes.join("; "))
                    }
                };
                Ok((
                    AnyBackend::JetStream(Arc::new(backend)),
                    format!("JetStream at {url} ({setup})"),
                ))
            }
        }
    }

    /// The embedded backend, when this is one.
    pub fn embedded(&self) -> Option<&Arc<EmbeddedBackend>> {
        match self {
            AnyBackend::Embedded(b) => Some(b),
            AnyBackend::JetStream(_) => None,
        }
    }

    /// The JetStream backend, when this is one.
    pub fn jetstream(&self) -> Option<&Arc<JetStreamBackend>> {
        match self {
            AnyBackend::JetStream(b) => Some(b),
            AnyBackend::Embedded(_) => None,
        }
    }

    /// `embedded` or `jetstream`.
    pub fn name(&self) -> &'static str {
        match self {
            AnyBackend::Embedded(_) => "embedded",
            AnyBackend::JetStream(_) => "jetstream",
        }
    }
}

impl Backend for AnyBackend {
    async fn publish(&self, message: Outgoing) -> Result<Published, PublishFailure> {
        match self {
            AnyBackend::Embedded(b) => b.publish(message).await,
            AnyBackend::JetStream(b) => b.publish(message).await,
        }
    }

    async fn read_case(&self, case_id: CaseId, after: u64) -> Result<Vec<StoredEvent>, LogError> {
        match self {
            AnyBackend::Embedded(b) => b.read_case(case_id, after).await,
            AnyBackend::JetStream(b) => b.read_case(case_id, after).await,
        }
    }

    async fn read_case_each<F>(&self, case_id: CaseId, after: u64, each: F) -> Result<(), LogError>
    where
        F: FnMut(StoredEvent) -> Result<(), LogError> + Send,
    {
        match self {
            AnyBackend::Embedded(b) => b.read_case_each(case_id, after, each).await,
            AnyBackend::JetStream(b) => b.read_case_each(case_id, after, each).await,
        }
    }

    async fn read_range(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, LogError> {
        match self {
            AnyBackend::Embedded(b) => b.read_range(after, limit).await,
            AnyBackend::JetStream(b) => b.read_range(after, limit).await,
        }
    }

    async fn subscribe(&self, after: u64) -> Result<Subscription, LogError> {
        match self {
            AnyBackend::Embedded(b) => b.subscribe(after).await,
            AnyBackend::JetStream(b) => b.subscribe(after).await,
        }
    }

    async fn head(&self) -> Result<u64, LogError> {
        match self {
            AnyBackend::Embedded(b) => b.head().await,
            AnyBackend::JetStream(b) => b.head().await,
        }
    }

    fn max_body_bytes(&self) -> usize {
        match self {
            AnyBackend::Embedded(b) => b.max_body_bytes(),
            AnyBackend::JetStream(b) => b.max_body_bytes(),
        }
    }

    fn available(&self) -> bool {
        match self {
            AnyBackend::Embedded(b) => b.available(),
            AnyBackend::JetStream(b) => b.available(),
        }
    }

    fn failure(&self) -> Option<String> {
        match self {
            AnyBackend::Embedded(b) => b.failure(),
            AnyBackend::JetStream(b) => b.failure(),
        }
    }
}

impl KeyStore for AnyKeyStore {
    async fn create(&self, id: &KeyId, wrapped: WrappedKey) -> Result<StoredKey, KeyStoreError> {
        match self {
            AnyKeyStore::Embedded(s) => s.create(id, wrapped).await,
            AnyKeyStore::JetStream(s) => s.create(id, wrapped).await,
        }
    }

    async fn get(&self, id: &KeyId) -> Result<Option<StoredKey>, KeyStoreError> {
        match self {
            AnyKeyStore::Embedded(s) => s.get(id).await,
            AnyKeyStore::JetStream(s) => s.get(id).await,
        }
    }

    async fn destroy(&self, id: &KeyId) -> Result<(), KeyStoreError> {
        match self {
            AnyKeyStore::Embedded(s) => s.destroy(id).await,
            AnyKeyStore::JetStream(s) => s.destroy(id).await,
        }
    }
}
