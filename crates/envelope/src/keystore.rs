//! The [`KeyStore`] port: where wrapped data keys live (a JetStream KV bucket or a sled tree in
//! `ombud-eventlog`; [`MemoryKeyStore`] here, for tests). A store only ever sees keys wrapped
//! by the master key. Destroying a key leaves a tombstone, so "erased" stays distinguishable
//! from "never existed".

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use ombud_domain::KeyId;

use crate::seal::WrappedKey;

/// What a store holds under a key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredKey {
    /// The wrapped key.
    Live(WrappedKey),
    /// The key was destroyed (crypto-shredded).
    Destroyed,
}

/// Why a key store could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyStoreError {
    /// The store cannot be reached; nothing changed; safe to retry.
    #[error("key store unavailable: {0}")]
    Unavailable(String),
    /// The stored value is unreadable.
    #[error("key store entry {id} is corrupt: {problem}")]
    Corrupt {
        /// The key id.
        id: KeyId,
        /// What is wrong.
        problem: String,
    },
}

/// Stores wrapped data keys by id.
pub trait KeyStore: Send + Sync {
    /// Stores `wrapped` under `id` unless something is stored there already; returns what is
    /// stored afterwards (so concurrent creators agree on one key).
    fn create(
        &self,
        id: &KeyId,
        wrapped: WrappedKey,
    ) -> impl Future<Output = Result<StoredKey, KeyStoreError>> + Send;

    /// What is stored under `id`; `None` if nothing ever was.
    fn get(
        &self,
        id: &KeyId,
    ) -> impl Future<Output = Result<Option<StoredKey>, KeyStoreError>> + Send;

    /// Destroys the key under `id`, leaving a tombstone. Destroying twice is fine.
    fn destroy(&self, id: &KeyId) -> impl Future<Output = Result<(), KeyStoreError>> + Send;
}

/// A key store in memory, for tests and tools.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<KeyId, StoredKey>>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    // A std mutex is right here: it is held for a map operation, never across an await.
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<KeyId, StoredKey>) -> T) -> T {
        let mut keys = match self.keys.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut keys)
    }
}

impl KeyStore for MemoryKeyStore {
    async fn create(&self, id: &KeyId, wrapped: WrappedKey) -> Result<StoredKey, KeyStoreError> {
        Ok(self.with(|keys| {
            keys.entry(id.clone())
                .or_insert(StoredKey::Live(wrapped))
                .clone()
        }))
    }

    async fn get(&self, id: &KeyId) -> Result<Option<StoredKey>, KeyStoreError> {
        Ok(self.with(|keys| keys.get(id).cloned()))
    }

    async fn destroy(&self, id: &KeyId) -> Result<(), KeyStoreError> {
        self.with(|keys| keys.insert(id.clone(), StoredKey::Destroyed));
        Ok(())
    }
}
