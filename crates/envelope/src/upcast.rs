//! Schema evolution: the hooks that turn an older stored `data` into the current shape on read
//! (DOMAIN §7). A shipped shape never changes; a new shape gets a new schema version (in
//! `ombud_domain::event`'s `events!` table) and an [`Upcaster`] from the previous one. Types
//! that are no longer written at all (`escalated`, `concluded`) are mapped to their v2 types by
//! [`crate::legacy`]. Fixtures of every shipped version stay in the tests forever.

use chrono::NaiveDate;
use ombud_domain::EventType;
use serde_json::{json, Value};

/// The schema version new events of this type are written with.
pub const fn current_version(event_type: EventType) -> u32 {
    event_type.schema_version()
}

/// What an upcaster may know about the event besides its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpcastContext {
    /// The event's date (office-local, WIB for v1 events): a v1 letter is dated on it.
    pub date: NaiveDate,
}

/// Turns the `data` of `event_type` at `from_version` into the shape of `from_version + 1`.
pub type UpcastFn = fn(Value, &UpcastContext) -> Result<Value, String>;

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
/// shipped.
#[derive(Debug, Clone, Default)]
pub struct Upcasters {
    steps: Vec<Upcaster>,
}

/// v1 → v2 where v2 only added optional fields: the v1 data reads as it is.
fn unchanged(data: Value, _: &UpcastContext) -> Result<Value, String> {
    Ok(data)
}

fn object(data: &mut Value) -> Result<&mut serde_json::Map<String, Value>, String> {
    data.as_object_mut()
        .ok_or_else(|| "data is not an object".to_owned())
}

/// `clarification_requested` v1 {round, addressee, letter_number, deadline} → v2: a post letter
/// with that number dated on the event's day, purpose `clarification`, the clock as recorded.
fn clarification_requested_v1(mut data: Value, cx: &UpcastContext) -> Result<Value, String> {
    let o = object(&mut data)?;
    let number = o.remove("letter_number").ok_or("no letter_number")?;
    o.insert("purpose".into(), "clarification".into());
    o.insert(
        "letter".into(),
        json!({"via": "post", "number": number, "date": cx.date}),
    );
    Ok(data)
}

/// `clarification_answered` v1 {round, note} → v2: outcome `answered`, receipt unknown.
fn clarification_answered_v1(mut data: Value, _: &UpcastContext) -> Result<Value, String> {
    object(&mut data)?.insert("outcome".into(), "answered".into());
    Ok(data)
}

impl Upcasters {
    /// The upcasters of every shipped schema version.
    pub fn shipped() -> Self {
        let step = |event_type, upcast| Upcaster {
            event_type,
            from_version: 1,
            upcast,
        };
        Upcasters {
            steps: vec![
                step(EventType::Reported, unchanged),
                step(EventType::CompletionRequested, unchanged),
                step(EventType::Completed, unchanged),
                step(EventType::Accepted, unchanged),
                step(EventType::MediationStarted, unchanged),
                step(EventType::RecommendationIssued, unchanged),
                step(EventType::Closed, unchanged),
                step(
                    EventType::ClarificationRequested,
                    clarification_requested_v1,
                ),
                step(EventType::ClarificationAnswered, clarification_answered_v1),
            ],
        }
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
