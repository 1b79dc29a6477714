//! # ombud-domain: the life of a maladministration case, as pure functions
//!
//! A case is a left fold of its events: [`evolve`] applies one [`Event`] to a [`CaseState`];
//! [`decide`] checks one [`Command`] against the current state and either produces exactly one
//! event or refuses with a typed [`DomainError`]. Nothing here does IO, reads a clock, makes
//! random numbers or knows about NATS, sled or JSON bytes: time, ids, the actor and the
//! working-day calendar all arrive inside the command.
//!
//! # Layout
//! - [`ids`]: newtypes for ids and codes (case, office, agency, actor, key, idempotency key),
//!   parsed at the edge.
//! - [`time`]: [`Timestamp`], event time at microsecond precision.
//! - [`sealed`]: [`Sealed`], an encrypted personal-data field as the domain sees it (opaque).
//! - [`taxonomy`]: forms of maladministration and every closed vocabulary, as data.
//! - [`labels`]: the Indonesian and English labels of every vocabulary, in one list.
//! - [`role`]: who may act ([`Role`], [`Actor`]) and which offices they see.
//! - [`letter`]: letters and legal dates (receipt dates start the clocks).
//! - [`office`]: the register of offices and their time zones.
//! - [`calendar`]: the working-day calendar (weekends and holidays, versioned).
//! - [`deadline`]: the clocks of `docs/procedure.md` and how their due dates are computed.
//! - [`command`]: one command per event type.
//! - [`event`]: the event types and their data (the wire contract's `data`).
//! - [`state`]: [`CaseState`], [`Status`] and [`evolve`].
//! - [`disclosure`]: who sees which personal data (the policy table of `docs/personal-data.md`).
//! - [`decide`](mod@decide): the rules: who may do what, from which state, on which conditions.
//! - [`error`]: [`DomainError`], every refusal typed.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod command;
pub mod deadline;
pub mod decide;
pub mod disclosure;
pub mod engine;
pub mod error;
pub mod event;
pub mod ids;
pub mod labels;
pub mod letter;
pub mod office;
pub mod role;
pub mod sealed;
pub mod state;
pub mod taxonomy;
pub mod time;

pub use calendar::{CalendarError, WorkingCalendar};
pub use command::{Command, CommandBody, CommandKind};
pub use deadline::{ClockKind, ClockRule, DayUnit, Deadline, DeadlinePolicy, Rules};
pub use decide::{authorize, decide, Action};
pub use engine::{EngineAct, EnginePolicy, PlannedAct};
pub use error::{DomainError, Requirement};
pub use event::{Event, EventData, EventType};
pub use ids::{
    ActorId, AgencyCode, CaseId, CaseReference, FormCode, IdParseError, IdempotencyKey, KeyId,
    OfficeCode, UnitCode,
};
pub use letter::{Letter, Via};
pub use office::{Office, OfficeRegister, Zone};
pub use role::{Actor, Role};
pub use sealed::Sealed;
pub use state::{evolve, fold, CaseState, LhpStage, Status};
pub use taxonomy::{Addressee, Channel, ClosureReason, Finding, MediationOutcome, Taxonomy, Track};
pub use time::Timestamp;
