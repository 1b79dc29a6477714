//! The rules of the case lifecycle: [`decide`] checks a command against the case's state and
//! either produces its one event or refuses with a typed [`DomainError`]. The checks run in a
//! fixed order so a refusal names the most basic problem: the role may do this at all → the
//! case exists (or, for a report, does not yet) → the actor's office owns the case → the
//! state allows it → the fields are valid → the conditions of `docs/procedure.md` hold. Who may
//! do what from where is data: [`permitted_roles`] and [`legal_states`].

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};

use crate::command::{Command, CommandBody, CommandKind, ReportCase};
use crate::deadline::{ClockKind, Deadline, Rules};
use crate::error::{DomainError, Requirement};
use crate::event::{
    Accepted, Assigned, ClarificationAnswered, ClarificationRequested, Closed, Completed,
    CompletionRequested, Concluded, ErasureApproved, ErasureRefused, ErasureRequested, Escalated,
    Event, EventData, Mediated, MediationStarted, NoteAdded, PersonalDataErased,
    RecommendationIssued, Reopened, Reported,
};
use crate::ids::{CaseReference, OfficeCode};
use crate::role::{Actor, Role};
use crate::state::{CaseState, Status};
use crate::taxonomy::{ClosureReason, EscalationKind, Finding, MediationOutcome, Track};

/// What a command asks to do, precise enough to say what was refused: escalations and
/// closures are named with their kind and reason, since each has its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A command other than `escalate` and `close`.
    Command(CommandKind),
    /// `escalate` of one kind.
    Escalate(EscalationKind),
    /// `close` with one reason.
    Close(ClosureReason),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Command(kind) => f.write_str(kind.describe()),
            Action::Escalate(kind) => write!(f, "escalate ({kind})"),
            Action::Close(reason) => write!(f, "close as {reason}"),
        }
    }
}

impl Action {
    /// The action a command body asks for.
    pub fn of(body: &CommandBody) -> Action {
        match body {
            CommandBody::Escalate { kind, .. } => Action::Escalate(*kind),
            CommandBody::Close { reason, .. } => Action::Close(*reason),
            other => Action::Command(other.kind()),
        }
    }

    /// Every action: each command, each escalation kind, each closure reason.
    pub fn all() -> Vec<Action> {
        let commands = CommandKind::ALL
            .iter()
            .filter(|k| !matches!(k, CommandKind::Escalate | CommandKind::Close))
            .map(|k| Action::Command(*k));
        let escalations = EscalationKind::ALL.iter().map(|k| Action::Escalate(*k));
        let closures = ClosureReason::ALL.iter().map(|r| Action::Close(*r));
        commands.chain(escalations).chain(closures).collect()
    }
}

use Role::{Chair, Dpo, Intake, Investigator, Supervisor, System};
use Status::{
    AwaitingCompletion, Closed as ClosedState, CorrectiveAction, InMediation, InResolution,
    Received, Recommendation, UnderExamination, Unreported,
};

const OPEN: &[Status] = Status::OPEN;
const OPEN_OR_CLOSED: &[Status] = Status::REPORTED;
/// Grounds found at verification (and possibly later in the examination).
const BEFORE_CONCLUSION: &[Status] = &[Received, AwaitingCompletion, UnderExamination];

/// The roles that may ever take an action. `report` by a supervisor or the chair is further
/// limited to own-initiative cases (checked in [`decide`]).
pub fn permitted_roles(action: Action) -> &'static [Role] {
    match action {
        Action::Command(kind) => match kind {
            CommandKind::Report => &[Intake, Supervisor, Chair, System],
            CommandKind::RequestCompletion | CommandKind::Complete => &[Intake],
            CommandKind::Accept | CommandKind::Assign | CommandKind::Reopen => &[Supervisor],
            CommandKind::RequestClarification
            | CommandKind::AnswerClarification
            | CommandKind::StartMediation
            | CommandKind::Mediate => &[Investigator],
            CommandKind::Conclude => &[Investigator, Supervisor],
            CommandKind::Recommend => &[Chair],
            CommandKind::AddNote => &[Intake, Investigator, Supervisor, Chair, Dpo],
            CommandKind::ErasePersonalData | CommandKind::RequestErasure => &[Dpo],
            // The head of office (v1's supervisor role).
            CommandKind::ApproveErasure | CommandKind::RefuseErasure => &[Supervisor],
            // Escalations and closures are permitted per kind and reason.
            CommandKind::Escalate | CommandKind::Close => &[],
        },
        Action::Escalate(kind) => match kind {
            EscalationKind::ToSuperior | EscalationKind::Summons => &[Investigator, Supervisor],
            EscalationKind::PoliceAssistance | EscalationKind::ToRecommendation => {
                &[Supervisor, Chair]
            }
            EscalationKind::TransferOffice | EscalationKind::ToResolution => &[Supervisor],
            EscalationKind::Publication | EscalationKind::ReportToParliamentAndPresident => {
                &[Chair]
            }
        },
        Action::Close(reason) => match reason {
            ClosureReason::WithdrawnByReporter
            | ClosureReason::SettledByMediation
            | ClosureReason::NoMaladministration
            | ClosureReason::ExaminationStopped => &[Investigator, Supervisor],
            ClosureReason::IncompleteDeemedWithdrawn => &[Supervisor, System],
            ClosureReason::ConsultationOnly
            | ClosureReason::TimeBarred
            | ClosureReason::Duplicate
            | ClosureReason::TransferredOut
            | ClosureReason::OutsideCompetence
            | ClosureReason::NoPriorComplaint
            | ClosureReason::SubJudice
            | ClosureReason::AgencyStillHandling
            | ClosureReason::CorrectiveActionImplemented
            | ClosureReason::ResolvedInResolution => &[Supervisor],
            ClosureReason::RecommendationImplemented
            | ClosureReason::RecommendationPartlyImplemented
            | ClosureReason::RecommendationNotImplemented => &[Supervisor, Chair],
        },
    }
}

/// The states an action may be taken from.
pub fn legal_states(action: Action) -> &'static [Status] {
    match action {
        Action::Command(kind) => match kind {
            CommandKind::Report => &[Unreported],
            CommandKind::RequestCompletion | CommandKind::Accept => &[Received],
            CommandKind::Complete => &[AwaitingCompletion],
            CommandKind::Assign => OPEN,
            CommandKind::RequestClarification
            | CommandKind::AnswerClarification
            | CommandKind::StartMediation
            | CommandKind::Conclude => &[UnderExamination],
            CommandKind::Mediate => &[InMediation],
            CommandKind::Recommend => &[InResolution],
            CommandKind::Reopen => &[ClosedState],
            CommandKind::AddNote | CommandKind::ErasePersonalData => OPEN_OR_CLOSED,
            CommandKind::RequestErasure
            | CommandKind::ApproveErasure
            | CommandKind::RefuseErasure => OPEN,
            CommandKind::Escalate => &[
                Received,
                AwaitingCompletion,
                UnderExamination,
                CorrectiveAction,
                InResolution,
                Recommendation,
            ],
            CommandKind::Close => OPEN,
        },
        Action::Escalate(kind) => match kind {
            EscalationKind::ToSuperior => &[UnderExamination, CorrectiveAction],
            EscalationKind::Summons | EscalationKind::PoliceAssistance => &[UnderExamination],
            EscalationKind::TransferOffice => BEFORE_CONCLUSION,
            EscalationKind::ToResolution => &[CorrectiveAction],
            EscalationKind::ToRecommendation => &[InResolution],
            EscalationKind::Publication | EscalationKind::ReportToParliamentAndPresident => {
                &[Recommendation]
            }
        },
        Action::Close(reason) => match reason {
            ClosureReason::WithdrawnByReporter => OPEN,
            ClosureReason::IncompleteDeemedWithdrawn => &[AwaitingCompletion],
            ClosureReason::ConsultationOnly => &[Received, AwaitingCompletion],
            ClosureReason::TimeBarred
            | ClosureReason::Duplicate
            | ClosureReason::TransferredOut
            | ClosureReason::OutsideCompetence
            | ClosureReason::NoPriorComplaint
            | ClosureReason::SubJudice
            | ClosureReason::AgencyStillHandling => BEFORE_CONCLUSION,
            ClosureReason::SettledByMediation
            | ClosureReason::NoMaladministration
            | ClosureReason::ExaminationStopped => &[UnderExamination],
            ClosureReason::CorrectiveActionImplemented => &[CorrectiveAction],
            ClosureReason::ResolvedInResolution => &[InResolution],
            ClosureReason::RecommendationImplemented
            | ClosureReason::RecommendationPartlyImplemented
            | ClosureReason::RecommendationNotImplemented => &[Recommendation],
        },
    }
}

/// Longest free-standing clear-text field (names of agencies, letter numbers...).
const MAX_TEXT: usize = 200;

/// Whether `actor` may take `action` on an existing case at all, whatever its state: the role
/// may take it, the case exists, and the actor's office owns it. [`decide`] checks this first;
/// the service checks it before answering a retried command with its original receipt, so a
/// retry is never answered to someone who could not have sent it.
pub fn authorize(state: &CaseState, actor: &Actor, action: Action) -> Result<(), DomainError> {
    if !permitted_roles(action).contains(&actor.role) {
        return Err(DomainError::NotPermitted {
            role: actor.role,
            action,
        });
    }
    let Some(case_office) = state.office.as_ref().filter(|_| state.status != Unreported) else {
        return Err(DomainError::NoSuchCase);
    };
    if !actor.may_access(case_office) {
        return Err(DomainError::OutsideOffice {
            role: actor.role,
            actor_office: actor.office.clone(),
            case_office: case_office.clone(),
        });
    }
    Ok(())
}

/// Decides a command against a case's state: exactly one event, or a typed refusal.
pub fn decide(state: &CaseState, command: Command) -> Result<Event, DomainError> {
    let Command {
        case_id,
        actor,
        at,
        rules,
        body,
    } = command;
    let action = Action::of(&body);
    let kind = body.kind();

    // 1. The role may take this action at all.
    let own_initiative = matches!(&body, CommandBody::Report(r) if r.track == Track::OwnInitiative);
    let role_ok = permitted_roles(action).contains(&actor.role)
        && !(kind == CommandKind::Report
            && matches!(actor.role, Supervisor | Chair)
            && !own_initiative);
    if !role_ok {
        return Err(DomainError::NotPermitted {
            role: actor.role,
            action,
        });
    }

    // 2. The case exists (or, for a report, does not yet).
    if kind == CommandKind::Report {
        if state.status != Unreported {
            return Err(DomainError::InvalidTransition {
                state: state.status,
                action,
            });
        }
    } else if state.status == Unreported {
        return Err(DomainError::NoSuchCase);
    }

    // 3. The actor's office owns the case.
    let case_office = match (&body, &state.office) {
        (CommandBody::Report(r), _) => r.office.clone(),
        (_, Some(office)) => office.clone(),
        (_, None) => return Err(DomainError::NoSuchCase),
    };
    if !actor.may_access(&case_office) {
        return Err(DomainError::OutsideOffice {
            role: actor.role,
            actor_office: actor.office.clone(),
            case_office,
        });
    }

    // 4. The state allows it.
    if !legal_states(action).contains(&state.status) {
        return Err(DomainError::InvalidTransition {
            state: state.status,
            action,
        });
    }

    // 5. Personal data is sealed under the case's one key, and an erased case takes none.
    check_sealing_key(state, &body)?;
    if state.personal_data_erased {
        if let Some((field, _)) = body.sealed_fields().first() {
            return Err(DomainError::validation(
                field,
                "this case's personal data was erased: no new personal data can be recorded on \
                 it (the command is possible without this text)",
            ));
        }
    }

    let today = at.local_date(rules.utc_offset);
    let start = |clock: ClockKind| -> Result<Deadline, DomainError> {
        rules
            .start_clock(clock, today)
            .ok_or_else(|| DomainError::validation("at", "the due date is out of range"))
    };
    let unmet = |requirement: Requirement| DomainError::Unmet {
        action,
        requirement,
    };

    // 6 and 7. Fields, then conditions; then the event.
    let data = match body {
        CommandBody::Report(report) => {
            EventData::Reported(Box::new(decide_report(*report, case_id, today, &rules)?))
        }
        CommandBody::RequestCompletion { missing } => {
            EventData::CompletionRequested(CompletionRequested {
                missing,
                deadline: start(ClockKind::Completion)?,
            })
        }
        CommandBody::Complete { note } => EventData::Completed(Completed { note }),
        CommandBody::Accept { unit, assignee } => EventData::Accepted(Accepted { unit, assignee }),
        CommandBody::Assign { assignee, unit } => EventData::Assigned(Assigned { assignee, unit }),
        CommandBody::RequestClarification {
            addressee,
            letter_number,
        } => {
            check_text("letter_number", &letter_number, 100)?;
            EventData::ClarificationRequested(ClarificationRequested {
                round: state.clarification_rounds.saturating_add(1),
                addressee,
                letter_number,
                deadline: start(ClockKind::Clarification)?,
            })
        }
        CommandBody::AnswerClarification { note } => {
            if state.clocks.clarification.is_none() {
                return Err(unmet(Requirement::OpenClarification));
            }
            EventData::ClarificationAnswered(ClarificationAnswered {
                round: state.clarification_rounds,
                note,
            })
        }
        CommandBody::Escalate {
            kind,
            reason,
            target,
        } => {
            if let Some(target) = &target {
                check_text("target", target, MAX_TEXT)?;
            }
            match kind {
                EscalationKind::TransferOffice => {
                    let target = target.as_deref().ok_or_else(|| {
                        DomainError::validation("target", "a transfer names the receiving office")
                    })?;
                    let office = OfficeCode::parse(target)
                        .map_err(|e| DomainError::validation("target", e.to_string()))?;
                    if office == case_office {
                        return Err(unmet(Requirement::DifferentOffice(office)));
                    }
                }
                EscalationKind::PoliceAssistance if state.unanswered_summons < 3 => {
                    return Err(unmet(Requirement::UnansweredSummons {
                        needed: 3,
                        have: state.unanswered_summons,
                    }));
                }
                EscalationKind::ToRecommendation if state.referred_for_recommendation() => {
                    return Err(unmet(Requirement::AlreadyReferred));
                }
                EscalationKind::Publication | EscalationKind::ReportToParliamentAndPresident => {
                    period_elapsed(state, ClockKind::Recommendation, today).map_err(unmet)?;
                }
                _ => {}
            }
            EventData::Escalated(Escalated {
                kind,
                reason,
                target,
            })
        }
        CommandBody::StartMediation { note } => {
            EventData::MediationStarted(MediationStarted { note })
        }
        CommandBody::Mediate { outcome, terms } => {
            match (outcome, &terms) {
                (MediationOutcome::Agreed, None) => {
                    return Err(DomainError::validation(
                        "terms",
                        "an agreement records its terms",
                    ))
                }
                (MediationOutcome::Failed, Some(_)) => return Err(DomainError::validation(
                    "terms",
                    "terms are recorded only for an agreement; use a note for a failed mediation",
                )),
                _ => {}
            }
            EventData::Mediated(Mediated { outcome, terms })
        }
        CommandBody::Conclude {
            finding,
            corrective_actions,
        } => {
            match (finding, &corrective_actions) {
                (Finding::Found, None) => {
                    return Err(DomainError::validation(
                        "corrective_actions",
                        "a finding of maladministration names the corrective actions",
                    ))
                }
                (Finding::NotFound | Finding::Stopped, Some(_)) => {
                    return Err(DomainError::validation(
                        "corrective_actions",
                        "corrective actions follow only a finding of maladministration",
                    ))
                }
                _ => {}
            }
            if let Some(earlier) = state.conclusion {
                return Err(unmet(Requirement::AlreadyConcluded(earlier)));
            }
            let deadline = match finding {
                Finding::Found => Some(start(ClockKind::CorrectiveAction)?),
                Finding::NotFound | Finding::Stopped => None,
            };
            EventData::Concluded(Concluded {
                finding,
                corrective_actions,
                deadline,
            })
        }
        CommandBody::Recommend { addressee, content } => {
            check_text("addressee", &addressee, MAX_TEXT)?;
            if !state.referred_for_recommendation() {
                return Err(unmet(Requirement::ReferredForRecommendation));
            }
            EventData::RecommendationIssued(RecommendationIssued {
                addressee,
                content,
                deadline: start(ClockKind::Recommendation)?,
            })
        }
        CommandBody::Close { reason, note } => {
            match reason {
                ClosureReason::SettledByMediation if !state.agreement_on_record => {
                    return Err(unmet(Requirement::AgreementOnRecord));
                }
                ClosureReason::NoMaladministration
                    if state.conclusion != Some(Finding::NotFound) =>
                {
                    return Err(unmet(Requirement::Conclusion {
                        needed: Finding::NotFound,
                    }));
                }
                ClosureReason::ExaminationStopped if state.conclusion != Some(Finding::Stopped) => {
                    return Err(unmet(Requirement::Conclusion {
                        needed: Finding::Stopped,
                    }));
                }
                ClosureReason::IncompleteDeemedWithdrawn => {
                    period_elapsed(state, ClockKind::Completion, today).map_err(unmet)?;
                }
                _ => {}
            }
            EventData::Closed(Closed { reason, note })
        }
        CommandBody::Reopen { reason } => EventData::Reopened(Reopened { reason }),
        CommandBody::AddNote { note } => EventData::NoteAdded(NoteAdded { note }),
        CommandBody::ErasePersonalData { request_ref } => {
            check_text("request_ref", &request_ref, 100)?;
            if state.personal_data_erased {
                return Err(DomainError::validation(
                    "request_ref",
                    "the personal data of this case is already erased",
                ));
            }
            let key_id = state.data_key.clone().ok_or(DomainError::NoSuchCase)?;
            // On an open case the law allows a refusal (UU 27/2022 Pasal 15(1)): the head of
            // office decides first.
            let approved = state
                .erasure_request(&request_ref)
                .is_some_and(|r| r.approved == Some(true));
            if state.status.is_open() && !approved {
                return Err(unmet(Requirement::ErasureApproved { request_ref }));
            }
            EventData::PersonalDataErased(PersonalDataErased {
                key_id,
                request_ref,
            })
        }
        CommandBody::RequestErasure { request_ref } => {
            check_text("request_ref", &request_ref, 100)?;
            if state.personal_data_erased {
                return Err(DomainError::validation(
                    "request_ref",
                    "the personal data of this case is already erased",
                ));
            }
            if state.erasure_request(&request_ref).is_some() {
                return Err(DomainError::validation(
                    "request_ref",
                    format!("erasure request `{request_ref}` was already put on this case"),
                ));
            }
            EventData::ErasureRequested(ErasureRequested { request_ref })
        }
        CommandBody::ApproveErasure { request_ref } => {
            check_text("request_ref", &request_ref, 100)?;
            check_erasure_decision(state, &actor, &request_ref).map_err(unmet)?;
            EventData::ErasureApproved(ErasureApproved { request_ref })
        }
        CommandBody::RefuseErasure {
            request_ref,
            reason,
        } => {
            check_text("request_ref", &request_ref, 100)?;
            check_erasure_decision(state, &actor, &request_ref).map_err(unmet)?;
            EventData::ErasureRefused(ErasureRefused {
                request_ref,
                reason,
            })
        }
    };

    Ok(Event {
        case_id,
        office: case_office,
        at,
        actor: actor.id,
        role: actor.role,
        data,
    })
}

fn decide_report(
    report: ReportCase,
    case_id: crate::ids::CaseId,
    today: NaiveDate,
    rules: &Rules,
) -> Result<Reported, DomainError> {
    let ReportCase {
        office,
        channel,
        external_ref,
        track,
        reporter,
        respondent,
        forms,
        incident_date,
        prior_complaint,
        summary,
    } = report;

    if forms.is_empty() {
        return Err(DomainError::validation(
            "forms",
            "name at least one form of maladministration",
        ));
    }
    for (i, form) in forms.iter().enumerate() {
        if !rules.taxonomy.knows_form(form) {
            return Err(DomainError::validation(
                "forms",
                format!(
                    "unknown form {form:?} (taxonomy {})",
                    rules.taxonomy.version
                ),
            ));
        }
        if forms[..i].contains(form) {
            return Err(DomainError::validation(
                "forms",
                format!("{form} is listed twice"),
            ));
        }
    }
    let own_channel = channel == crate::taxonomy::Channel::OwnInitiative;
    let own_track = track == Track::OwnInitiative;
    if own_channel != own_track {
        return Err(DomainError::validation(
            "track",
            "the own_initiative channel and the own_initiative track go together",
        ));
    }
    if reporter.is_none() && !own_track {
        return Err(DomainError::validation(
            "reporter",
            "a report names its reporter (only own-initiative cases have none)",
        ));
    }
    match (&external_ref, channel) {
        (None, crate::taxonomy::Channel::Sp4nLapor) => {
            return Err(DomainError::validation(
                "external_ref",
                "a report forwarded from SP4N-LAPOR! keeps its tracking id",
            ))
        }
        (Some(r), _) => check_text("external_ref", r, 100)?,
        (None, _) => {}
    }
    check_text("respondent.agency_name", &respondent.agency_name, MAX_TEXT)?;
    if let Some(unit) = &respondent.unit {
        check_text("respondent.unit", unit, MAX_TEXT)?;
    }
    if let Some(superior) = &respondent.superior {
        check_text("respondent.superior", superior, MAX_TEXT)?;
    }
    let incident_age_warning = match incident_date {
        Some(date) if date > today => {
            return Err(DomainError::validation(
                "incident_date",
                format!("{date} is after the date of the report ({today})"),
            ))
        }
        Some(date) => date
            .checked_add_months(Months::new(12 * rules.deadlines.incident_age_warning_years))
            .is_some_and(|limit| limit < today),
        None => false,
    };

    Ok(Reported {
        reference: CaseReference::derive(&office, today.year(), case_id),
        office,
        channel,
        external_ref,
        track,
        reporter,
        respondent,
        forms,
        taxonomy_version: rules.taxonomy.version.clone(),
        incident_date,
        prior_complaint,
        summary,
        incident_age_warning,
    })
}

/// The clock must have run out: `today` is after its last day.
fn period_elapsed(
    state: &CaseState,
    clock: ClockKind,
    today: NaiveDate,
) -> Result<(), Requirement> {
    match state.clocks.get(clock) {
        Some(deadline) if deadline.is_overdue_on(today) => Ok(()),
        Some(deadline) => Err(Requirement::PeriodElapsed {
            clock,
            due_on: deadline.due_on,
        }),
        // A state that allows the action always has its clock; refuse rather than guess.
        None => Err(Requirement::PeriodElapsed {
            clock,
            due_on: today,
        }),
    }
}

/// All sealed fields of a command use the case's data key (for a report: one key for all).
/// An erasure request is decided once, by someone other than its requester.
fn check_erasure_decision(
    state: &CaseState,
    actor: &Actor,
    request_ref: &str,
) -> Result<(), Requirement> {
    match state.erasure_request(request_ref) {
        Some(r) if r.approved.is_none() && r.requested_by == actor.id => {
            Err(Requirement::NotTheRequester {
                request_ref: request_ref.to_owned(),
                requester: r.requested_by.clone(),
            })
        }
        Some(r) if r.approved.is_none() => Ok(()),
        _ => Err(Requirement::PendingErasureRequest {
            request_ref: request_ref.to_owned(),
        }),
    }
}

fn check_sealing_key(state: &CaseState, body: &CommandBody) -> Result<(), DomainError> {
    let fields = body.sealed_fields();
    let expected = match (&state.data_key, fields.first()) {
        (Some(key), _) => key,
        (None, Some((_, first))) => &first.key_id,
        (None, None) => return Ok(()),
    };
    for (field, sealed) in fields {
        if &sealed.key_id != expected {
            return Err(DomainError::validation(
                field,
                format!(
                    "sealed under key {}, but this case's personal data is sealed under {expected}",
                    sealed.key_id
                ),
            ));
        }
    }
    Ok(())
}

/// Free text in clear (names, letter numbers): not blank, not too long, no control characters.
fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::validation(field, "must not be blank"));
    }
    if text.chars().count() > max {
        return Err(DomainError::validation(
            field,
            format!("at most {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(DomainError::validation(
            field,
            "must not contain control characters",
        ));
    }
    if let Some(c) = text.chars().find(|c| is_invisible_format(*c)) {
        return Err(DomainError::validation(
            field,
            format!(
                "must not contain invisible formatting characters (found U+{:04X}): text printed \
                 on a letter must read as it is stored",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// Characters that change how text is shown without showing themselves: bidirectional
/// overrides, embeddings and isolates (`ABC`, U+202E, `FED` prints as `ABCDEF`),
/// directional marks, zero-width spaces and joiners, the word joiner, the soft hyphen, line
/// and paragraph separators, variation selectors, tag characters and the byte order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{2029}' // line and paragraph separators
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FE00}'..='\u{FE0F}' // variation selectors
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E007F}' // tag characters (hidden text)
    )
}
