//! # ombud-envelope: the bytes of an event, and why they can be trusted
//!
//! Everything about an event that downstream services and auditors rely on for years lives
//! here, apart from the meaning of the data (that is `ombud-domain`'s):
//!
//! - [`codec`]: the CloudEvents 1.0 structured-mode JSON body of an event, its extension
//!   attributes, deterministic encoding (decode → encode gives the same bytes) and decoding
//!   with upcasting of older schema versions ([`upcast`]) and the v1 types no longer written
//!   ([`legacy`]).
//! - [`subject`]: the subject scheme `ombud.case.<case_id>.<event_type>`.
//! - [`hash`]: SHA-256 of the exact body bytes, in hex (`Ombud-Hash` header, `prevhash`).
//! - [`mark`]: ombud's mark on an event (`Ombud-Mac`, HMAC-SHA256 under a deployment write
//!   key): what tells ombud's events from foreign messages on the stream.
//! - [`chain`]: verification of one case's stored events: position, previous hash, body hash,
//!   case id; the first broken link is reported precisely.
//! - [`seal`]: AEAD sealing of personal-data fields under per-case data keys, keys wrapped by
//!   a master key, and the [`KeyStore`](keystore::KeyStore) port with an in-memory store.
//! - [`blind`]: the keyed blind index of a NIK (HMAC-SHA256), for finding a person's cases
//!   without a plaintext index.
//! - [`schema`]: JSON Schemas of every event's `data` and of the envelope, generated from the
//!   Rust types (committed under `docs/schemas/`).
//!
//! This crate does no network or disk IO; the event log backends (`ombud-eventlog`) move the
//! bytes it makes.
#![forbid(unsafe_code)]

pub mod blind;
pub mod chain;
pub mod codec;
pub mod hash;
pub mod keystore;
pub mod legacy;
pub mod mark;
pub mod schema;
pub mod seal;
pub mod subject;
pub mod upcast;

pub use blind::{BlindIndex, BlindKey, NikError};
pub use chain::{verify_chain, BreakKind, ChainBreak, ChainHead, ChainVerifier, StoredEvent};
pub use codec::{decode, encode, DecodeError, EventMeta, RecordedEvent};
pub use hash::Sha256Hash;
pub use keystore::{KeyStore, KeyStoreError, MemoryKeyStore, StoredKey};
pub use legacy::LegacyType;
pub use mark::{Unmarked, WriteKey, WriteKeyError, WriteKeys, MAC_HEADER};
pub use seal::{DataKey, MasterKey, SealError, Unsealed, Vault, WrappedKey};
pub use upcast::{current_version, UpcastContext, Upcaster, Upcasters};
