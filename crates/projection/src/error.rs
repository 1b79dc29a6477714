//! [`ProjectionError`]: what can go wrong running or querying a projection, with kinds a
//! caller can match. A poison event is not an error here: it is quarantined and the projector
//! moves on; these are the failures that stop a projector or fail a query.

use ombud_eventlog::LogError;

/// A projection failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectionError {
    /// sled failed (disk full, corruption, I/O error).
    #[error("read model storage failed")]
    Sled(#[from] sled::Error),
    /// The read models' machinery failed otherwise (a task that died, a missing tree).
    #[error("read model storage failed: {0}")]
    Storage(String),
    /// The event log failed in a way retrying will not fix.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A batch or flush took longer than the stall limit: something is hung (see the sled
    /// notes in docs/architecture.md). The projector stops loudly instead of hanging silently.
    #[error("projector {projector} stalled: {what} took longer than {seconds} s")]
    Stalled {
        /// The projector.
        projector: &'static str,
        /// What was running.
        what: &'static str,
        /// The stall limit.
        seconds: u64,
    },
    /// A read-your-writes wait ran out before the projector reached the sequence.
    #[error("projector {projector} reached sequence {reached}, not {wanted}, within {millis} ms")]
    NotYet {
        /// The projector.
        projector: &'static str,
        /// The sequence asked for.
        wanted: u64,
        /// The sequence reached.
        reached: u64,
        /// How long it waited.
        millis: u64,
    },
    /// A stored read-model row could not be read back (written by another version?).
    #[error("read model row {key} is unreadable: {why}")]
    BadRow {
        /// The row's tree and key.
        key: String,
        /// The decoder's complaint.
        why: String,
    },
    /// A query argument is invalid (bad cursor, unknown filter value).
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// Unsealing personal data failed (not an erased key: that reads as erased).
    #[error("unsealing personal data: {0}")]
    Seal(#[from] ombud_envelope::SealError),
}

/// Why a projector could not apply one event. [`ApplyError::Invalid`] quarantines the event;
/// [`ApplyError::Storage`] stops the batch (the event is fine, the disk is not).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The event cannot be applied (inconsistent with what the model holds, or a bug).
    #[error("{0}")]
    Invalid(String),
    /// sled failed.
    #[error("read model storage failed")]
    Storage(#[from] sled::Error),
    /// A stored row could not be decoded.
    #[error("read model row {key} is unreadable: {why}")]
    BadRow {
        /// The row's tree and key.
        key: String,
        /// The decoder's complaint.
        why: String,
    },
}
