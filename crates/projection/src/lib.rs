//! ombud's projections: the projector runtime ([`runtime`]) that feeds read models from the
//! event log into sled, crash-safe and poison-proof, and the read models investigators,
//! supervisors and dashboards query ([`models`]): case file, case index, work queue,
//! deadline board, agency dossier, office statistics. [`ReadModels`] runs them together, with
//! the erasure follower ([`erasures`]) that makes every process act on an erasure.
//!
//! See docs/architecture.md ("Projections") for the crash-safety argument.

#![forbid(unsafe_code)]

pub mod decoded;
pub mod erasures;
pub mod error;
pub mod feed;
pub mod models;
pub mod projector;
pub mod quarantine;
pub mod read_models;
pub mod rows;
pub mod runtime;
pub mod status;
pub mod store;

pub use erasures::ErasureHook;
pub use error::{ApplyError, ProjectionError};
pub use projector::{Projected, Projector};
pub use quarantine::QuarantinedEvent;
pub use read_models::{ReadModels, PROJECTORS};
pub use rows::Rows;
pub use runtime::{Projection, ProjectionConfig, RebuildReport};
pub use status::{ProjectorStatus, RebuildProgress, RunState};
pub use store::Trees;

/// An error with its causes, outermost first (`read model storage failed: IO error: …`), for
/// status and logs (a cause already in a message is not repeated).
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = e.source();
    }
    text
}

/// Query-side conversion of a row error (for a caller reading rows directly, such as the case
/// file): sled's errors stay their source.
pub fn error_from_apply(e: ApplyError) -> ProjectionError {
    match e {
        ApplyError::Storage(e) => ProjectionError::Sled(e),
        ApplyError::BadRow { key, why } => ProjectionError::BadRow { key, why },
        ApplyError::Invalid(why) => ProjectionError::Storage(why),
    }
}
