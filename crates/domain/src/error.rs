//! [`DomainError`]: every way the domain refuses a command, typed so a caller can match on the
//! kind (and the HTTP layer map it to a status in one place). A refusal says what was refused
//! and why; the domain never panics on input.

use chrono::NaiveDate;

use crate::deadline::ClockKind;
use crate::decide::Action;
use crate::ids::OfficeCode;
use crate::role::Role;
use crate::state::LhpStage;
use crate::state::Status;
use crate::taxonomy::{Finding, VerificationStage};

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
    /// `settled_by_mediation` needs an agreement.
    #[error("no mediation agreement is on record")]
    AgreementOnRecord,
    /// A closure after the LHP needs the LHP's finding.
    #[error("the LHP must have found: {needed}")]
    Conclusion {
        /// The finding needed.
        needed: Finding,
    },
    /// An answer needs an open clarification.
    #[error("no clarification is awaiting an answer")]
    OpenClarification,
    /// Police assistance needs three consecutive unexcused misses by the party (Pasal 31).
    #[error("police assistance needs {needed} consecutive unexcused absences of {party_ref}, there are {have}")]
    UnexcusedMisses {
        /// The party.
        party_ref: String,
        /// How many are needed.
        needed: u32,
        /// How many there are.
        have: u32,
    },
    /// A Recommendation needs a referral.
    #[error("the case was not referred for a recommendation")]
    ReferredForRecommendation,
    /// A second referral.
    #[error("the case was already referred for a recommendation")]
    AlreadyReferred,
    /// The act needs the period to have run out.
    #[error("the {clock} period runs until {due_on}")]
    PeriodElapsed {
        /// The clock.
        clock: ClockKind,
        /// Its last day.
        due_on: NaiveDate,
    },
    /// The act needs a clock that was never started, or waits for its letter's receipt.
    #[error("the {clock} period has not started (its letter's receipt is not recorded)")]
    ClockNotStarted {
        /// The clock.
        clock: ClockKind,
    },
    /// An erasure on an open case needs the head of office's approval.
    #[error("the case is open: erasure request `{request_ref}` must first be approved by the head of office (request-erasure, then approve-erasure)")]
    ErasureApproved {
        /// The request.
        request_ref: String,
    },
    /// A decision needs a pending request.
    #[error("no erasure request `{request_ref}` is awaiting a decision")]
    PendingErasureRequest {
        /// The request.
        request_ref: String,
    },
    /// The requester may not decide.
    #[error("{requester} put erasure request `{request_ref}` and may not also decide it")]
    NotTheRequester {
        /// The request.
        request_ref: String,
        /// Who put it.
        requester: crate::ids::ActorId,
    },
    /// A transfer goes to another office.
    #[error("the case is already at office {0}")]
    DifferentOffice(OfficeCode),
    /// Acceptance needs both checks passed (the formal one after the last completion).
    #[error("the {stage} verification must have passed{}", if *.stage == VerificationStage::Formal { " (after the last completion)" } else { "" })]
    Verification {
        /// The check.
        stage: VerificationStage,
    },
    /// Acceptance needs at least one alleged form.
    #[error("at least one alleged form of maladministration must be classified")]
    Forms,
    /// The LHP's sub-stage does not allow the act.
    #[error("the LHP draft must be {needed} (it is {have})")]
    Lhp {
        /// The stage needed.
        needed: LhpStage,
        /// The stage now.
        have: LhpStage,
    },
    /// The act is for own-initiative investigations only, or never for them.
    #[error("{0}")]
    Track(&'static str),
    /// The LHP is issued after the reporter answered or the response period ran out.
    #[error("the reporter has not responded and the response period runs until {due_on}")]
    ReporterResponse {
        /// The last day.
        due_on: NaiveDate,
    },
    /// Every corrective action must be reported done.
    #[error("corrective action {action_id} is not reported done")]
    ActionNotDone {
        /// The action.
        action_id: String,
    },
    /// `refused_by_respondent` needs an action whose latest status is refused.
    #[error("no corrective action's latest status is refused")]
    ActionRefused,
    /// `period_expired` needs a monitoring record.
    #[error("no monitoring record (corrective-action report or activity) is on record")]
    MonitoringRecord,
    /// Resmon acts wait while the LHP file is incomplete; a referral needs it complete.
    #[error("the LHP file was returned as incomplete and is not completed")]
    LhpFileIncomplete,
    /// `complete-lhp-file` needs a returned file.
    #[error("the LHP file was not returned")]
    LhpFileNotReturned,
    /// An assessment needs a report or the superior's period to have run out.
    #[error("the superior has not reported and the superior_report period has not run out")]
    ImplementationReport,
    /// Publication, the report to the DPR and the closures after a Recommendation need the
    /// matching assessment.
    #[error("the latest assessment must be {0}")]
    Assessment(&'static str),
    /// A summons result needs an awaited summons whose appointment has come.
    #[error("summons {summons}: {problem}")]
    Summons {
        /// The summons number.
        summons: u32,
        /// What is wrong.
        problem: &'static str,
    },
    /// A receipt needs a letter that was sent and not yet received.
    #[error("case position {letter_of}: {problem}")]
    Letter {
        /// The act's case position.
        letter_of: u64,
        /// What is wrong.
        problem: &'static str,
    },
    /// A closure ground whose condition does not hold.
    #[error("{0}")]
    Ground(&'static str),
    /// A proposal to dismiss must be open.
    #[error("no open proposal at case position {0}")]
    Proposal(u64),
    /// The Recommendation was already delivered.
    #[error("the recommendation was already delivered")]
    Delivered,
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
