//! [`LogError`]: every way the event log can fail, as kinds a caller can match. The HTTP layer
//! maps them to statuses in one place; the service decides which are worth a retry.

use ombud_domain::{CaseId, IdempotencyKey};

/// Why the event log could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// Someone else appended to the case first: it is at `actual`, not at `expected`.
    #[error("case {case} is at position {actual}, not {expected}: it changed since it was read")]
    Conflict {
        /// The case.
        case: CaseId,
        /// The position the command was decided on.
        expected: u64,
        /// The position the case is at.
        actual: u64,
    },
    /// The idempotency key was already used on this case for a different command.
    #[error("idempotency key {key} was already used on case {case} for a different command (event at stream sequence {original_seq})")]
    IdempotencyKeyReused {
        /// The case.
        case: CaseId,
        /// The key.
        key: IdempotencyKey,
        /// Stream sequence of the event the key recorded.
        original_seq: u64,
    },
    /// The log could not be reached or did not confirm in time. The append was not
    /// acknowledged; retrying with the same idempotency key is safe (it can never record twice).
    #[error("event log unavailable: {reason}")]
    Unavailable {
        /// What happened.
        reason: String,
    },
    /// A stored event of the case fails verification or decoding.
    #[error("case {case} is corrupt at stream sequence {seq}: {why}")]
    Corrupt {
        /// The case.
        case: CaseId,
        /// Stream sequence of the offending message.
        seq: u64,
        /// What is wrong.
        why: String,
    },
    /// The encoded event exceeds the log's message size limit.
    #[error("event of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The log refused or failed for another reason (setup, a malformed stored row).
    #[error("event log: {0}")]
    Storage(String),
    /// The storage or the server failed (an I/O error, a server's refusal): `context` says
    /// what was being done, `source` why it failed.
    #[error("event log: {context}")]
    Failed {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: Cause,
    },
}

/// The underlying error of a [`LogError::Failed`], shared (a log error is cloned to every
/// waiter of a failed append) and compared by its message.
#[derive(Clone)]
pub struct Cause(std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// Keeps `error` as a cause.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Cause(std::sync::Arc::from(error.into()))
    }
}

impl std::fmt::Debug for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0) || self.to_string() == other.to_string()
    }
}

impl Eq for Cause {}

impl LogError {
    /// A failure of the storage or server while doing `context`, `source` kept as its cause.
    pub fn failed(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        LogError::Failed {
            context: context.into(),
            source: Cause::new(source),
        }
    }

    /// Whether retrying the same request (same idempotency key) may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, LogError::Unavailable { .. })
    }
}
