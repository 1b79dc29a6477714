//! [`DomainError`]: every way the domain refuses a command, typed so a caller can match on the
//! kind (and the HTTP layer map it to a status in one place). A refusal says what was refused
//! and why; the domain never panics on input.

use chrono::NaiveDate;

use crate::deadline::ClockKind;
use crate::decide::Action;
use crate::ids::OfficeCode;
use crate::role::Role;
use crate::state::Status;
use crate::taxonomy::Finding;

/// Why the domain refused a command. Nothing is recorded on any of these. Exhaustive on
/// purpose: a new kind of refusal must be mapped at every edge (HTTP status, CLI exit code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The command names a case that was never reported.
    #[error("no case has been reported under this id")]
    NoSuchCase,
    /// The role may never do this.
    #[error("the {role} role may not {action}")]
    NotPermitted {
        /// The actor's role.
        role: Role,
        /// What was refused.
        action: Action,
    },
    /// The actor's office does not own the case.
    #[error("a {role} of office {actor_office} may not act on a case of office {case_office}")]
    OutsideOffice {
        /// The actor's role.
        role: Role,
        /// The actor's office.
        actor_office: OfficeCode,
        /// The case's office.
        case_office: OfficeCode,
    },
    /// Not from this state.
    #[error("cannot {action}: the case is {state}")]
    InvalidTransition {
        /// The case's state.
        state: Status,
        /// What was refused.
        action: Action,
    },
    /// The state allows it, but a condition of `docs/procedure.md` is not met.
    #[error("cannot {action}: {requirement}")]
    Unmet {
        /// What was refused.
        action: Action,
        /// The condition not met.
        requirement: Requirement,
    },
    /// A field of the command is invalid.
    #[error("invalid {field}: {problem}")]
    Validation {
        /// The field, as named in the request body.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// A condition a command needs besides the state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Requirement {
    /// `settled_by_mediation` needs a mediation that ended `agreed`.
    #[error("no mediation agreement is on record")]
    AgreementOnRecord,
    /// A closure reason needs a particular conclusion.
    #[error("the examination must have concluded {needed}")]
    Conclusion {
        /// The conclusion needed.
        needed: Finding,
    },
    /// The examination was already concluded.
    #[error("the examination was already concluded ({0})")]
    AlreadyConcluded(Finding),
    /// Answering needs an outstanding clarification.
    #[error("no clarification is awaiting an answer")]
    OpenClarification,
    /// Police assistance needs three unanswered summons.
    #[error("police assistance needs {needed} unanswered summons, there are {have}")]
    UnansweredSummons {
        /// How many are needed.
        needed: u32,
        /// How many there are.
        have: u32,
    },
    /// A Recommendation needs a referral (`escalated` `to_recommendation`).
    #[error("the case was not referred for a recommendation")]
    ReferredForRecommendation,
    /// The referral was already made.
    #[error("the case was already referred for a recommendation")]
    AlreadyReferred,
    /// The period of a clock must have run out first.
    #[error("the {clock} period runs until {due_on}")]
    PeriodElapsed {
        /// The clock.
        clock: ClockKind,
        /// Its last day.
        due_on: NaiveDate,
    },
    /// Erasing personal data on an open case needs the head of office's approval.
    #[error("the case is open: erasure request `{request_ref}` must first be approved by the head of office (request-erasure, then approve-erasure)")]
    ErasureApproved {
        /// The request's reference.
        request_ref: String,
    },
    /// Deciding an erasure request needs a pending request of that reference.
    #[error("no erasure request `{request_ref}` is awaiting a decision")]
    PendingErasureRequest {
        /// The request's reference.
        request_ref: String,
    },
    /// An erasure request's requester may not decide it (four eyes).
    #[error("{requester} put erasure request `{request_ref}` and may not also decide it")]
    NotTheRequester {
        /// The request's reference.
        request_ref: String,
        /// Who put it.
        requester: crate::ids::ActorId,
    },
    /// The transfer's target must be another office.
    #[error("the case is already at office {0}")]
    DifferentOffice(OfficeCode),
}

impl DomainError {
    /// A validation error.
    pub fn validation(field: &'static str, problem: impl Into<String>) -> Self {
        DomainError::Validation {
            field,
            problem: problem.into(),
        }
    }
}
