//! Sealing personal data: each field is encrypted with XChaCha20-Poly1305 under the case's
//! data key, with the key id and the field name as associated data (a ciphertext cannot be
//! moved to another field or case unnoticed). Data keys are stored only wrapped by the master
//! key. The [`Vault`] puts it together over a [`KeyStore`]; once a key is destroyed, unsealing
//! yields [`Unsealed::Erased`], not an error, and the hash chain still verifies because hashes
//! cover ciphertext.

use std::fmt;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ombud_domain::sealed::Bytes;
use ombud_domain::{KeyId, Sealed};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::keystore::{KeyStore, KeyStoreError, StoredKey};

/// Length of an XChaCha20-Poly1305 nonce.
pub const NONCE_LEN: usize = 24;

/// Why sealing or unsealing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// No key was ever created under this id.
    #[error("no data key {0}")]
    UnknownKey(KeyId),
    /// The key was destroyed; nothing new can be sealed under it.
    #[error("data key {0} was destroyed")]
    KeyDestroyed(KeyId),
    /// Authentication failed: the ciphertext, nonce, key id or field was altered (or the
    /// master key is not the one that wrapped this key).
    #[error("authentication failed for {what}")]
    Tampered {
        /// Which field or key.
        what: String,
    },
    /// A master key or wrapped key has the wrong length or encoding.
    #[error("invalid key material: {0}")]
    InvalidKey(String),
    /// The plaintext was not the JSON expected.
    #[error("sealed field {field} does not hold the expected JSON: {problem}")]
    Json {
        /// The field.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// The key store failed.
    #[error(transparent)]
    Store(#[from] KeyStoreError),
}

/// The result of unsealing: the plaintext, or the marker that it was erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsealed<T> {
    /// The plaintext.
    Revealed(T),
    /// The data key was destroyed: the data is gone for good.
    Erased,
}

macro_rules! secret_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name([u8; 32]);

        impl $name {
            /// A fresh random key.
            pub fn generate() -> Self {
                $name(XChaCha20Poly1305::generate_key(&mut OsRng).into())
            }

            /// From raw bytes.
            pub const fn from_bytes(bytes: [u8; 32]) -> Self {
                $name(bytes)
            }

            /// Parses 64 hex digits.
            pub fn from_hex(text: &str) -> Result<Self, SealError> {
                crate::hash::Sha256Hash::parse_hex(text.trim())
                    .map(|h| $name(h.0))
                    .ok_or_else(|| SealError::InvalidKey(concat!(stringify!($name), " must be 64 hex digits").into()))
            }

            /// 64 hex digits (for writing a key file; never log it).
            pub fn to_hex(&self) -> String {
                crate::hash::Sha256Hash(self.0).to_hex()
            }

            fn cipher(&self) -> XChaCha20Poly1305 {
                XChaCha20Poly1305::new(&self.0.into())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

secret_key!(
    /// The key that wraps every data key; from config or `OMBUD__SECURITY__MASTER_KEY`.
    MasterKey
);
secret_key!(
    /// The key that seals one case's personal data.
    DataKey
);

/// A data key encrypted under the master key, as key stores hold it.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The encrypted key with its tag.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WrappedKey(..)")
    }
}

impl WrappedKey {
    /// `nonce || ciphertext`, for storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.nonce.to_vec();
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses `nonce || ciphertext`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        if bytes.len() <= NONCE_LEN {
            return Err(SealError::InvalidKey("wrapped key too short".into()));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let mut n = [0u8; NONCE_LEN];
        n.copy_from_slice(nonce);
        Ok(WrappedKey {
            nonce: n,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

fn wrap_aad(id: &KeyId) -> Vec<u8> {
    format!("ombud/v1/wrap|{id}").into_bytes()
}

fn field_aad(id: &KeyId, field: &str) -> Vec<u8> {
    format!("ombud/v1/seal|{id}|{field}").into_bytes()
}

impl MasterKey {
    /// Wraps a data key for storage under `id`.
    pub fn wrap(&self, id: &KeyId, key: &DataKey) -> WrappedKey {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = wrap_aad(id);
        // Encryption fails only for messages beyond the cipher's length limit (~256 GiB); a
        // 32-byte key is far below it.
        #[allow(clippy::expect_used)]
        let ciphertext = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: &key.0,
                    aad: &aad,
                },
            )
            .expect("a 32-byte key is within the cipher's limits");
        WrappedKey {
            nonce: nonce.into(),
            ciphertext,
        }
    }

    /// Unwraps a data key stored under `id`.
    pub fn unwrap_key(&self, id: &KeyId, wrapped: &WrappedKey) -> Result<DataKey, SealError> {
        let aad = wrap_aad(id);
        let plain = self
            .cipher()
            .decrypt(
                XNonce::from_slice(&wrapped.nonce),
                Payload {
                    msg: &wrapped.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Tampered {
                what: format!("data key {id} (wrong master key?)"),
            })?;
        let bytes: [u8; 32] = plain
            .try_into()
            .map_err(|_| SealError::InvalidKey(format!("data key {id} is not 32 bytes")))?;
        Ok(DataKey(bytes))
    }
}

/// Seals `plaintext` as `field` under `key` (id `key_id`) with a fresh nonce.
pub fn seal(key: &DataKey, key_id: &KeyId, field: &str, plaintext: &[u8]) -> Sealed {
    seal_with_nonce(key, key_id, field, plaintext, fresh_nonce())
}

/// A nonce never used before: 16 random bytes drawn once per process, then a 64-bit counter.
///
/// XChaCha20-Poly1305 needs nonces that never repeat under one key, not unpredictable ones; its
/// 192-bit nonce leaves room for a random prefix (two processes collide with probability
/// 2^-128) plus a counter (unique within the process). This saves a `getrandom` system call
/// per sealed field on the append path.
fn fresh_nonce() -> [u8; NONCE_LEN] {
    static PREFIX: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let random: [u8; NONCE_LEN] = XChaCha20Poly1305::generate_nonce(&mut OsRng).into();
        let mut prefix = [0u8; 16];
        prefix.copy_from_slice(&random[..16]);
        prefix
    });
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut nonce = [0u8; NONCE_LEN];
    nonce[..16].copy_from_slice(prefix);
    nonce[16..].copy_from_slice(&count.to_be_bytes());
    nonce
}

/// Seals with a given nonce. Only for reproducible fixtures: a nonce must never repeat under
/// one key.
pub fn seal_with_nonce(
    key: &DataKey,
    key_id: &KeyId,
    field: &str,
    plaintext: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Sealed {
    let aad = field_aad(key_id, field);
    // As in `wrap`: only plaintexts beyond ~256 GiB can fail; request bodies are limited far
    // below that at the edge.
    #[allow(clippy::expect_used)]
    let ciphertext = key
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .expect("plaintext within the cipher's limits");
    Sealed {
        key_id: key_id.clone(),
        nonce: Bytes(nonce.to_vec()),
        ciphertext: Bytes(ciphertext),
    }
}

/// Opens a sealed `field` with its data key.
pub fn open(key: &DataKey, sealed: &Sealed, field: &str) -> Result<Vec<u8>, SealError> {
    let tampered = || SealError::Tampered {
        what: format!("sealed field {field}"),
    };
    if sealed.nonce.0.len() != NONCE_LEN {
        return Err(tampered());
    }
    let aad = field_aad(&sealed.key_id, field);
    key.cipher()
        .decrypt(
            XNonce::from_slice(&sealed.nonce.0),
            Payload {
                msg: &sealed.ciphertext.0,
                aad: &aad,
            },
        )
        .map_err(|_| tampered())
}

/// Seals and unseals personal data with data keys kept wrapped in a [`KeyStore`].
///
/// Unwrapped keys are cached in memory for a short time (`key_cache_ttl`, 60 s by default) so
/// that sealing is not a key-store round trip per field. Destroying a key through this vault
/// drops it from the cache at once; another process's vault forgets it within the TTL.
#[derive(Debug)]
pub struct Vault<S> {
    master: MasterKey,
    store: S,
    cache: std::sync::Mutex<std::collections::HashMap<KeyId, (DataKey, std::time::Instant)>>,
    key_cache_ttl: std::time::Duration,
}

/// Most keys kept unwrapped at once (the cache is cleared when it grows past this).
const KEY_CACHE_CAPACITY: usize = 10_000;

impl<S: KeyStore> Vault<S> {
    /// A vault over `store`, wrapping keys with `master`.
    pub fn new(master: MasterKey, store: S) -> Self {
        Vault {
            master,
            store,
            cache: std::sync::Mutex::new(std::collections::HashMap::new()),
            key_cache_ttl: std::time::Duration::from_secs(60),
        }
    }

    /// Sets how long an unwrapped key may be reused without asking the store (0 disables).
    pub fn with_key_cache_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.key_cache_ttl = ttl;
        self
    }

    // A std mutex: held for a map operation, never across an await.
    fn cached(&self, id: &KeyId) -> Option<DataKey> {
        let cache = match self.cache.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        cache
            .get(id)
            .filter(|(_, at)| at.elapsed() < self.key_cache_ttl)
            .map(|(key, _)| key.clone())
    }

    fn remember(&self, id: &KeyId, key: Option<&DataKey>) {
        let mut cache = match self.cache.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        match key {
            Some(key) if !self.key_cache_ttl.is_zero() => {
                if cache.len() >= KEY_CACHE_CAPACITY {
                    cache.clear();
                }
                cache.insert(id.clone(), (key.clone(), std::time::Instant::now()));
            }
            _ => {
                cache.remove(id);
            }
        }
    }

    /// The key store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Creates the data key `id`, or returns it if it exists (a retried report reuses its key).
    pub async fn create_key(&self, id: &KeyId) -> Result<DataKey, SealError> {
        let fresh = DataKey::generate();
        match self.store.create(id, self.master.wrap(id, &fresh)).await? {
            StoredKey::Live(wrapped) => {
                let key = self.master.unwrap_key(id, &wrapped)?;
                self.remember(id, Some(&key));
                Ok(key)
            }
            StoredKey::Destroyed => Err(SealError::KeyDestroyed(id.clone())),
        }
    }

    /// The data key `id`: `None` if destroyed.
    pub async fn data_key(&self, id: &KeyId) -> Result<Option<DataKey>, SealError> {
        if let Some(key) = self.cached(id) {
            return Ok(Some(key));
        }
        match self.store.get(id).await? {
            Some(StoredKey::Live(wrapped)) => {
                let key = self.master.unwrap_key(id, &wrapped)?;
                self.remember(id, Some(&key));
                Ok(Some(key))
            }
            Some(StoredKey::Destroyed) => {
                self.remember(id, None);
                Ok(None)
            }
            None => Err(SealError::UnknownKey(id.clone())),
        }
    }

    /// Seals `plaintext` as `field` under the data key `id`.
    pub async fn seal(
        &self,
        id: &KeyId,
        field: &str,
        plaintext: &[u8],
    ) -> Result<Sealed, SealError> {
        let key = self
            .data_key(id)
            .await?
            .ok_or_else(|| SealError::KeyDestroyed(id.clone()))?;
        Ok(seal(&key, id, field, plaintext))
    }

    /// Seals a value as JSON.
    pub async fn seal_json<T: Serialize>(
        &self,
        id: &KeyId,
        field: &str,
        value: &T,
    ) -> Result<Sealed, SealError> {
        let bytes = serde_json::to_vec(value).map_err(|e| SealError::Json {
            field: field.to_owned(),
            problem: e.to_string(),
        })?;
        self.seal(id, field, &bytes).await
    }

    /// Unseals `field`: the plaintext, or [`Unsealed::Erased`] if its key was destroyed.
    pub async fn unseal(
        &self,
        sealed: &Sealed,
        field: &str,
    ) -> Result<Unsealed<Vec<u8>>, SealError> {
        match self.data_key(&sealed.key_id).await? {
            Some(key) => open(&key, sealed, field).map(Unsealed::Revealed),
            None => Ok(Unsealed::Erased),
        }
    }

    /// Unseals a JSON value.
    pub async fn unseal_json<T: DeserializeOwned>(
        &self,
        sealed: &Sealed,
        field: &str,
    ) -> Result<Unsealed<T>, SealError> {
        match self.unseal(sealed, field).await? {
            Unsealed::Revealed(bytes) => serde_json::from_slice(&bytes)
                .map(Unsealed::Revealed)
                .map_err(|e| SealError::Json {
                    field: field.to_owned(),
                    problem: e.to_string(),
                }),
            Unsealed::Erased => Ok(Unsealed::Erased),
        }
    }

    /// Destroys the data key `id`: everything sealed under it reads as erased from now on.
    pub async fn destroy(&self, id: &KeyId) -> Result<(), SealError> {
        self.remember(id, None);
        self.store.destroy(id).await.map_err(SealError::from)?;
        self.remember(id, None);
        Ok(())
    }

    /// Forgets a cached key (e.g. when another process recorded its destruction).
    pub fn forget(&self, id: &KeyId) {
        self.remember(id, None);
    }
}
