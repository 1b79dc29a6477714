//! Schema evolution: the current schema version of every event type, and the hook that turns
//! an older stored `data` into the current shape on read. A shipped shape never changes; a new
//! shape gets a new version and an [`Upcaster`] from the previous one. Fixtures of every
//! shipped version stay in the tests forever.

use ombud_domain::EventType;
use serde_json::Value;

/// The schema version new events of this type are written with. Every type is at version 1;
/// raise one here only together with an upcaster from the previous version and a new fixture.
pub const fn current_version(event_type: EventType) -> u32 {
    match event_type {
        EventType::Reported
        | EventType::CompletionRequested
        | EventType::Completed
        | EventType::Accepted
        | EventType::Assigned
        | EventType::ClarificationRequested
        | EventType::ClarificationAnswered
        | EventType::Escalated
        | EventType::MediationStarted
        | EventType::Mediated
        | EventType::Concluded
        | EventType::RecommendationIssued
        | EventType::Closed
        | EventType::Reopened
        | EventType::NoteAdded
        | EventType::PersonalDataErased
        | EventType::ErasureRequested
        | EventType::ErasureApproved
        | EventType::ErasureRefused => 1,
    }
}

/// Turns the `data` of `event_type` at `from_version` into the shape of `from_version + 1`.
pub type UpcastFn = fn(Value) -> Result<Value, String>;

/// One step of schema evolution.
#[derive(Debug, Clone, Copy)]
pub struct Upcaster {
    /// The event type it applies to.
    pub event_type: EventType,
    /// The version it reads; it writes `from_version + 1`.
    pub from_version: u32,
    /// The transformation.
    pub upcast: UpcastFn,
}

/// The upcasters a reader knows. [`Upcasters::shipped`] holds those of the versions ombud has
/// shipped (none yet: every type is at its first version).
#[derive(Debug, Clone, Default)]
pub struct Upcasters {
    steps: Vec<Upcaster>,
}

impl Upcasters {
    /// The upcasters of every shipped schema version.
    pub fn shipped() -> Self {
        Upcasters { steps: Vec::new() }
    }

    /// Adds a step (for a new version, or in tests).
    pub fn with(mut self, step: Upcaster) -> Self {
        self.steps.push(step);
        self
    }

    /// The step reading `event_type` at `version`, if any.
    pub fn step(&self, event_type: EventType, version: u32) -> Option<&Upcaster> {
        self.steps
            .iter()
            .find(|s| s.event_type == event_type && s.from_version == version)
    }
}
