//! The embedded key store: wrapped data keys in a sled tree beside the log. One key per row,
//! written with a single-key compare-and-swap (no transaction); destroying leaves a tombstone.

use ombud_domain::KeyId;
use ombud_envelope::{KeyStore, KeyStoreError, StoredKey, WrappedKey};

const LIVE: u8 = 1;
const DESTROYED: u8 = 0;

/// Wrapped data keys in a sled tree.
#[derive(Debug, Clone)]
pub struct SledKeyStore {
    flusher: std::sync::Arc<super::Flusher>,
    tree: sled::Tree,
}

fn unavailable(e: impl std::fmt::Display) -> KeyStoreError {
    KeyStoreError::Unavailable(e.to_string())
}

impl SledKeyStore {
    /// The key store beside the embedded log (tree `data_keys`), flushed by its flusher.
    pub fn open(backend: &super::EmbeddedBackend) -> Result<Self, KeyStoreError> {
        Ok(SledKeyStore {
            flusher: backend.flusher(),
            tree: backend.db().open_tree("data_keys").map_err(unavailable)?,
        })
    }

    async fn flush(&self) -> Result<(), KeyStoreError> {
        self.flusher.wrote();
        self.flusher.flush().await.map_err(unavailable)
    }

    fn parse(id: &KeyId, value: &[u8]) -> Result<StoredKey, KeyStoreError> {
        match value.split_first() {
            Some((&LIVE, wrapped)) => WrappedKey::from_bytes(wrapped)
                .map(StoredKey::Live)
                .map_err(|e| KeyStoreError::Corrupt {
                    id: id.clone(),
                    problem: e.to_string(),
                }),
            Some((&DESTROYED, _)) => Ok(StoredKey::Destroyed),
            _ => Err(KeyStoreError::Corrupt {
                id: id.clone(),
                problem: "unknown row tag".into(),
            }),
        }
    }
}

impl KeyStore for SledKeyStore {
    async fn create(&self, id: &KeyId, wrapped: WrappedKey) -> Result<StoredKey, KeyStoreError> {
        let mut row = vec![LIVE];
        row.extend_from_slice(&wrapped.to_bytes());
        let swapped = super::off_the_worker(|| {
            self.tree
                .compare_and_swap(id.as_str(), None as Option<&[u8]>, Some(row))
        });
        let stored = match swapped.map_err(unavailable)? {
            Ok(()) => StoredKey::Live(wrapped),
            Err(current) => match current.current {
                Some(existing) => Self::parse(id, &existing)?,
                None => StoredKey::Live(wrapped),
            },
        };
        self.flush().await?;
        Ok(stored)
    }

    async fn get(&self, id: &KeyId) -> Result<Option<StoredKey>, KeyStoreError> {
        match super::off_the_worker(|| self.tree.get(id.as_str())).map_err(unavailable)? {
            Some(value) => Self::parse(id, &value).map(Some),
            None => Ok(None),
        }
    }

    async fn destroy(&self, id: &KeyId) -> Result<(), KeyStoreError> {
        super::off_the_worker(|| self.tree.insert(id.as_str(), &[DESTROYED]))
            .map_err(unavailable)?;
        self.flush().await
    }
}
