//! Sealing personal data: round trips, tamper detection, key wrapping, and erasure.
#![allow(clippy::unwrap_used)]

mod support;

use ombud_domain::KeyId;
use ombud_envelope::keystore::{KeyStore, MemoryKeyStore, StoredKey};
use ombud_envelope::seal::{open, seal};
use ombud_envelope::{DataKey, MasterKey, SealError, Unsealed, Vault, WrappedKey};
use support::block_on;

fn kid(s: &str) -> KeyId {
    KeyId::parse(s).unwrap()
}

#[test]
fn a_sealed_field_opens_only_as_itself() {
    let key = DataKey::generate();
    let sealed = seal(&key, &kid("case:a"), "summary", b"pungutan liar di loket");
    assert_eq!(
        open(&key, &sealed, "summary").unwrap(),
        b"pungutan liar di loket"
    );
    assert!(matches!(
        open(&key, &sealed, "note"),
        Err(SealError::Tampered { .. })
    ));
    assert!(open(&DataKey::generate(), &sealed, "summary").is_err());
    let mut moved = sealed.clone();
    moved.key_id = kid("case:b");
    assert!(
        open(&key, &moved, "summary").is_err(),
        "bound to its key id"
    );
    let mut flipped = sealed.clone();
    flipped.ciphertext.0[0] ^= 1;
    assert!(open(&key, &flipped, "summary").is_err());
    let mut short = sealed;
    short.nonce.0.pop();
    assert!(open(&key, &short, "summary").is_err());
}

#[test]
fn nonces_are_fresh_for_every_seal() {
    let key = DataKey::generate();
    let a = seal(&key, &kid("k"), "f", b"same");
    let b = seal(&key, &kid("k"), "f", b"same");
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.ciphertext, b.ciphertext);
}

#[test]
fn data_keys_are_stored_only_wrapped_and_need_the_master_key() {
    let master = MasterKey::generate();
    let vault = Vault::new(master.clone(), MemoryKeyStore::new());
    let key = block_on(vault.create_key(&kid("case:1"))).unwrap();
    let Some(StoredKey::Live(wrapped)) = block_on(vault.store().get(&kid("case:1"))).unwrap()
    else {
        panic!("no key stored")
    };
    assert_eq!(master.unwrap_key(&kid("case:1"), &wrapped).unwrap(), key);
    let raw = ombud_envelope::Sha256Hash::parse_hex(&key.to_hex())
        .unwrap()
        .0;
    assert!(
        !wrapped.to_bytes().windows(32).any(|w| w == raw),
        "stored in clear"
    );
    assert!(matches!(
        MasterKey::generate().unwrap_key(&kid("case:1"), &wrapped),
        Err(SealError::Tampered { .. })
    ));
    assert!(
        master.unwrap_key(&kid("case:2"), &wrapped).is_err(),
        "bound to its id"
    );
    assert_eq!(
        WrappedKey::from_bytes(&wrapped.to_bytes()).unwrap(),
        wrapped
    );
    assert!(WrappedKey::from_bytes(&[0; 10]).is_err());
}

#[test]
fn creating_a_key_twice_returns_the_first() {
    let vault = Vault::new(MasterKey::generate(), MemoryKeyStore::new());
    let first = block_on(vault.create_key(&kid("case:1"))).unwrap();
    let again = block_on(vault.create_key(&kid("case:1"))).unwrap();
    assert_eq!(first, again);
}

#[test]
fn a_destroyed_key_reads_as_erased_and_seals_nothing_new() {
    let vault = Vault::new(MasterKey::generate(), MemoryKeyStore::new());
    let id = kid("case:1");
    block_on(vault.create_key(&id)).unwrap();
    let sealed = block_on(vault.seal_json(&id, "reporter.identity", &("Ujang", "3278"))).unwrap();
    let back: Unsealed<(String, String)> =
        block_on(vault.unseal_json(&sealed, "reporter.identity")).unwrap();
    assert_eq!(back, Unsealed::Revealed(("Ujang".into(), "3278".into())));
    block_on(vault.destroy(&id)).unwrap();
    block_on(vault.destroy(&id)).unwrap();
    let erased: Unsealed<(String, String)> =
        block_on(vault.unseal_json(&sealed, "reporter.identity")).unwrap();
    assert_eq!(erased, Unsealed::Erased);
    assert_eq!(
        block_on(vault.seal(&id, "note", b"x")),
        Err(SealError::KeyDestroyed(id.clone()))
    );
    assert_eq!(
        block_on(vault.create_key(&id)),
        Err(SealError::KeyDestroyed(id))
    );
}

#[test]
fn an_unknown_key_is_an_error_not_an_erasure() {
    let vault = Vault::new(MasterKey::generate(), MemoryKeyStore::new());
    let sealed = seal(&DataKey::generate(), &kid("nobody"), "note", b"x");
    assert_eq!(
        block_on(vault.unseal(&sealed, "note")),
        Err(SealError::UnknownKey(kid("nobody")))
    );
}

#[test]
fn keys_never_print() {
    let master = MasterKey::generate();
    assert_eq!(format!("{master:?}"), "MasterKey(<redacted>)");
    assert_eq!(format!("{:?}", DataKey::generate()), "DataKey(<redacted>)");
    assert_eq!(MasterKey::from_hex(&master.to_hex()).unwrap(), master);
    assert!(MasterKey::from_hex("short").is_err());
}

#[test]
fn a_vault_caches_keys_briefly_and_forgets_destroyed_ones() {
    let master = MasterKey::generate();
    let store = std::sync::Arc::new(MemoryKeyStore::new());
    let writer = Vault::new(master.clone(), ArcStore(store.clone()));
    let reader = Vault::new(master.clone(), ArcStore(store.clone()));
    let uncached =
        Vault::new(master, ArcStore(store)).with_key_cache_ttl(std::time::Duration::ZERO);
    let id = kid("case:9");
    block_on(writer.create_key(&id)).unwrap();
    let sealed = block_on(writer.seal(&id, "note", b"x")).unwrap();
    assert!(matches!(
        block_on(reader.unseal(&sealed, "note")).unwrap(),
        Unsealed::Revealed(_)
    ));
    block_on(writer.destroy(&id)).unwrap();
    // The destroying vault and an uncached one see the erasure at once...
    assert_eq!(
        block_on(writer.unseal(&sealed, "note")).unwrap(),
        Unsealed::Erased
    );
    assert_eq!(
        block_on(uncached.unseal(&sealed, "note")).unwrap(),
        Unsealed::Erased
    );
    // ...another process's vault once it forgets (on the erasure event, or after the TTL).
    reader.forget(&id);
    assert_eq!(
        block_on(reader.unseal(&sealed, "note")).unwrap(),
        Unsealed::Erased
    );
}

/// A shared in-memory store, as two processes share one key bucket.
struct ArcStore(std::sync::Arc<MemoryKeyStore>);

impl KeyStore for ArcStore {
    async fn create(
        &self,
        id: &KeyId,
        wrapped: WrappedKey,
    ) -> Result<StoredKey, ombud_envelope::KeyStoreError> {
        self.0.create(id, wrapped).await
    }
    async fn get(&self, id: &KeyId) -> Result<Option<StoredKey>, ombud_envelope::KeyStoreError> {
        self.0.get(id).await
    }
    async fn destroy(&self, id: &KeyId) -> Result<(), ombud_envelope::KeyStoreError> {
        self.0.destroy(id).await
    }
}
