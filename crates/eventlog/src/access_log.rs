//! The access log: who opened a confidential reporter's identity (or looked a person up by
//! NIK), when, on which case, through which route. Entries are appended durably before the
//! answer that discloses anything is given, and never changed. [`AccessLog`] is the port;
//! JetStream keeps the entries in a stream of their own ([`crate::jetstream::StreamAccessLog`]),
//! the embedded log in a sled tree beside its events ([`crate::embedded::SledAccessLog`]).

use futures_util::future::BoxFuture;
use ombud_domain::{ActorId, CaseId, OfficeCode, Role, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::LogError;

/// One opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessEntry {
    /// Its position in the access log (set by the store; 0 before it is stored).
    #[serde(default)]
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: ActorId,
    /// In which role.
    pub role: Role,
    /// The actor's office.
    pub actor_office: OfficeCode,
    /// The case (absent for a person lookup that found nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// What was opened: `reporter.identity`, or `person.nik` for a lookup by NIK.
    pub field: String,
    /// Through which door, e.g. `GET /v1/cases/{id}`.
    pub route: String,
}

/// Which entries a query wants (every filter optional; `to` is exclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessQuery {
    /// Only this case.
    pub case_id: Option<CaseId>,
    /// Only this actor.
    pub actor: Option<ActorId>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub to: Option<Timestamp>,
    /// At most this many (the oldest first).
    pub limit: usize,
}

impl AccessQuery {
    /// Whether `entry` is wanted (the store may pre-filter by case).
    pub fn matches(&self, entry: &AccessEntry) -> bool {
        self.case_id.is_none_or(|c| entry.case_id == Some(c))
            && self.actor.as_ref().is_none_or(|a| entry.actor == *a)
            && self.from.is_none_or(|f| entry.at >= f)
            && self.to.is_none_or(|t| entry.at < t)
    }
}

/// Where access entries are kept.
pub trait AccessLog: Send + Sync + std::fmt::Debug {
    /// Appends `entries` durably (in order); returns only once all are stored.
    fn record<'a>(&'a self, entries: &'a [AccessEntry]) -> BoxFuture<'a, Result<(), LogError>>;

    /// The entries `query` wants, oldest first.
    fn query<'a>(
        &'a self,
        query: &'a AccessQuery,
    ) -> BoxFuture<'a, Result<Vec<AccessEntry>, LogError>>;
}

/// The subject token of an entry's case (`none` for a lookup that found nothing).
pub(crate) fn case_token(case: Option<CaseId>) -> String {
    case.map_or_else(|| "none".to_owned(), |c| c.to_string())
}

pub(crate) fn encode(entry: &AccessEntry) -> Result<Vec<u8>, LogError> {
    serde_json::to_vec(entry).map_err(|e| LogError::Storage(format!("access entry: {e}")))
}

pub(crate) fn decode(seq: u64, bytes: &[u8]) -> Result<AccessEntry, LogError> {
    let mut entry: AccessEntry = serde_json::from_slice(bytes)
        .map_err(|e| LogError::Storage(format!("access log entry {seq} is unreadable: {e}")))?;
    entry.seq = seq;
    Ok(entry)
}
