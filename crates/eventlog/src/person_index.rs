//! The person index: which cases a person (known by the keyed blind index of their NIK, never
//! by the NIK itself) reported. It lets the DPO answer a data subject and intake see earlier
//! reports, with no plaintext index anywhere. Erasure drops a case's entries. [`PersonIndex`] is
//! the port; JetStream keeps it in a key-value bucket ([`crate::jetstream::KvPersonIndex`]),
//! the embedded log in two sled trees ([`crate::embedded::SledPersonIndex`]).

use futures_util::future::BoxFuture;
use ombud_domain::CaseId;
use ombud_envelope::BlindIndex;

use crate::LogError;

/// Where the person index is kept.
pub trait PersonIndex: Send + Sync + std::fmt::Debug {
    /// Records that `person` reported `case` (idempotent). Durable when it returns.
    fn add<'a>(
        &'a self,
        person: &'a BlindIndex,
        case: CaseId,
    ) -> BoxFuture<'a, Result<(), LogError>>;

    /// The cases of `person`, in no particular order.
    fn cases<'a>(&'a self, person: &'a BlindIndex) -> BoxFuture<'a, Result<Vec<CaseId>, LogError>>;

    /// Drops every entry of `case` (idempotent). Durable when it returns.
    fn remove_case(&self, case: CaseId) -> BoxFuture<'_, Result<(), LogError>>;
}
