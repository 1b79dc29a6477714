//! [`ServiceError`]: every way a command or query can fail, with kinds the HTTP layer maps to
//! problem types and the CLI to exit codes. Nothing is written on any of them.

use ombud_domain::{CaseId, DomainError, IdempotencyKey};
use ombud_eventlog::LogError;
use ombud_projection::ProjectionError;

/// A refused or failed request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// The event log cannot be reached: nothing was recorded; retrying with the same key is
    /// safe.
    #[error("the event log is unavailable: {0}")]
    Unavailable(String),
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
    /// Anything else (storage): a bug or an operations problem.
    #[error("internal error: {0}")]
    Internal(String),
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
            LogError::Unavailable { reason } => ServiceError::Unavailable(reason),
            LogError::Corrupt { case, seq, why } => ServiceError::Corrupt { case, seq, why },
            LogError::TooLarge { size, limit } => ServiceError::Invalid(format!(
                "the event would be {size} bytes, over the log's limit of {limit}"
            )),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<ProjectionError> for ServiceError {
    fn from(e: ProjectionError) -> Self {
        match e {
            ProjectionError::NotYet { .. } => ServiceError::NotYet(e),
            ProjectionError::InvalidQuery(why) => ServiceError::Invalid(why),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<ombud_envelope::SealError> for ServiceError {
    fn from(e: ombud_envelope::SealError) -> Self {
        ServiceError::Sealing(e)
    }
}
