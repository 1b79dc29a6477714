//! # ombud-eventlog: the only truth
//!
//! [`EventLog`] appends one event to a case at an expected case position, reads a case
//! (marks checked, chain-verified), reads a case as of a stream sequence or a time, subscribes to every event
//! after a global sequence, and reports the head. It keeps the promises that matter most:
//! nothing acknowledged is lost, a retried command never makes two events, two investigators
//! acting at once get a clear conflict, and a forged event is reported, never trusted.
//!
//! The contract logic (case cache, optimistic concurrency, idempotency, chain verification)
//! lives once, in [`EventLog`]; the backends only move bytes:
//!
//! - [`jetstream`]: NATS JetStream (production; what scales past one machine).
//! - [`embedded`]: a sled database in one process (the default with no NATS configured).
//!
//! Both pass the same contract test suite (`tests/contract.rs`). Each also provides a
//! [`KeyStore`](ombud_envelope::KeyStore) for the data keys that seal personal data.
//!
//! # Layout
//! - [`error`]: [`LogError`], the kinds a caller matches on.
//! - [`backend`]: the [`Backend`] port the two backends implement, and [`Subscription`].
//! - [`log`]: [`EventLog`], its requests and receipts.
//! - [`cache`]: recently used cases (state, chain head, idempotency keys).
//! - [`access_log`]: the [`AccessLog`] port (who opened a confidential identity) and its entries.
//! - [`person_index`]: the [`PersonIndex`] port (a person's cases by the blind index of the NIK).
//! - [`store`]: [`Store`], either backend opened with the stores beside it ([`AnyBackend`],
//!   [`AnyKeyStore`]): where the embedded/JetStream choice is made.
//!
//! Each backend also provides an access log and a person index beside its key store.
#![forbid(unsafe_code)]

pub mod access_log;
pub mod backend;
pub mod cache;
pub mod embedded;
pub mod error;
pub mod jetstream;
pub mod log;
pub mod person_index;
pub mod store;

pub use backend::{Backend, Subscription};

/// Events a subscription reads ahead of its consumer. A projector's batch is what is waiting,
/// so this bounds its batches while catching up (sized for batches of about 10,000 events,
/// about 10 MiB of bodies).
pub const SUBSCRIPTION_BUFFER: usize = 10_000;
pub use access_log::{AccessEntry, AccessLog, AccessQuery};
pub use error::{Cause, LogError};
pub use log::{
    Append, AsOf, EventLog, ForeignMessage, Foreignness, LoadedCase, LoggedEvent, MarkCheck,
    Receipt, Trail,
};
pub use person_index::PersonIndex;
pub use store::{AnyBackend, AnyKeyStore, Location, Store, StoreError};
