//! [`ServiceError`]: every way a command or query can fail, with kinds the HTTP layer maps to
//! problem types and the CLI to exit codes. Nothing is written on any of them.

use ombud_domain::{CaseId, DomainError, IdempotencyKey};
use ombud_eventlog::LogError;
use ombud_projection::ProjectionError;

/// A refused or failed request. Exhaustive on purpose: the HTTP edge maps every variant to
/// its own status, and a new one does not compile until it is mapped.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The domain refused the command (role, office, state, validation, requirement).
    #[error(transparent)]
    Refused(#[from] DomainError),
    /// The case moved on: with `If-Match`, or after the bounded retries of a race.
    #[error("case {case} is at position {actual}, not {expected}")]
    Conflict {
        /// The case.
        case: CaseId,
        /// The position the command expected.
        expected: u64,
        /// Where the case is.
        actual: u64,
    },
    /// The idempotency key was used before for a different command.
    #[error("idempotency key {key} was already used for another command on case {case}")]
    IdempotencyKeyReused {
        /// The case.
        case: CaseId,
        /// The key.
        key: IdempotencyKey,
    },
    /// The actor's role may not use this query (the DPO's access log and person lookup).
    #[error("{0}")]
    Forbidden(String),
    /// No such case (or not visible to this actor: another office's case reads as absent).
    #[error("no case {0}")]
    NotFound(CaseId),
    /// The event log (or the key store beside it) cannot be reached or did not answer in time.
    /// Retrying with the same idempotency key is always safe: it never records twice.
    #[error("the event log is unavailable: {reason}")]
    Unavailable {
        /// What happened.
        reason: String,
        /// The command was sent to the log and not acknowledged in time: it may have been
        /// recorded (false: it certainly was not).
        maybe_recorded: bool,
    },
    /// Something that must never happen did: a data key missing from the key store without a
    /// recorded erasure, a sealed field under another case's key. Reported, never hidden.
    #[error("integrity incident: {0}")]
    Integrity(String),
    /// The request is malformed (beyond what the domain checks).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Read-your-writes: the read models did not reach the asked sequence in time.
    #[error(transparent)]
    NotYet(ProjectionError),
    /// The case's trail does not verify (an auditor's finding, not a retryable failure).
    #[error("case {case} is corrupt at stream sequence {seq}: {why}")]
    Corrupt {
        /// The case.
        case: CaseId,
        /// The first bad sequence.
        seq: u64,
        /// What is wrong.
        why: String,
    },
    /// Sealing or opening personal data failed (key store unreachable, wrong master key).
    #[error("personal data: {0}")]
    Sealing(ombud_envelope::SealError),
    /// The event log failed (storage, server): an operations problem; the cause is the source.
    #[error("internal error")]
    Log(#[source] LogError),
    /// The read models failed (storage): an operations problem; the cause is the source.
    #[error("internal error")]
    ReadModels(#[source] ProjectionError),
    /// Anything else: a bug or an operations problem.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    /// The error with its causes, outermost first: `internal error: event log: reading an
    /// event: …` (what the edge reports; a cause already in a message is not repeated).
    pub fn with_causes(&self) -> String {
        ombud_projection::with_causes(self)
    }
}

impl From<LogError> for ServiceError {
    fn from(e: LogError) -> Self {
        match e {
            LogError::Conflict {
                case,
                expected,
                actual,
            } => ServiceError::Conflict {
                case,
                expected,
                actual,
            },
            LogError::IdempotencyKeyReused { case, key, .. } => {
                ServiceError::IdempotencyKeyReused { case, key }
            }
            LogError::Unavailable { reason } => ServiceError::Unavailable {
                reason,
                maybe_recorded: false,
            },
            LogError::Corrupt { case, seq, why } => ServiceError::Corrupt { case, seq, why },
            LogError::TooLarge { size, limit } => ServiceError::Invalid(format!(
                "the event would be {size} bytes, over the log's limit of {limit}"
            )),
            other => ServiceError::Log(other),
        }
    }
}

impl From<ProjectionError> for ServiceError {
    fn from(e: ProjectionError) -> Self {
        match e {
            ProjectionError::NotYet { .. } => ServiceError::NotYet(e),
            ProjectionError::InvalidQuery(why) => ServiceError::Invalid(why),
            other => ServiceError::ReadModels(other),
        }
    }
}

impl From<ombud_envelope::SealError> for ServiceError {
    fn from(e: ombud_envelope::SealError) -> Self {
        use ombud_envelope::{KeyStoreError, SealError};
        match e {
            SealError::Store(KeyStoreError::Unavailable(reason)) => ServiceError::Unavailable {
                reason: format!("key store: {reason}"),
                maybe_recorded: false,
            },
            SealError::UnknownKey(id) => {
                tracing::error!(key = %id, "integrity incident: a data key is missing from the key store and no erasure was recorded");
                ServiceError::Integrity(format!(
                    "the data key {id} is missing from the key store, and no erasure of it was \
                     recorded"
                ))
            }
            other => ServiceError::Sealing(other),
        }
    }
}

impl ServiceError {
    /// This error, with an unavailable log marked as "may have been recorded" (the command
    /// was sent and its acknowledgement did not come).
    pub(crate) fn after_sending(self) -> Self {
        match self {
            ServiceError::Unavailable { reason, .. } => ServiceError::Unavailable {
                reason,
                maybe_recorded: true,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_failure_keeps_its_cause_to_the_edge() {
        let cause = std::io::Error::other("No space left on device");
        let e = ServiceError::from(LogError::failed("appending an event", cause));
        assert!(matches!(e, ServiceError::Log(_)), "{e:?}");
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("event log: appending an event"));
        assert_eq!(
            e.with_causes(),
            "internal error: event log: appending an event: No space left on device"
        );
    }
}
