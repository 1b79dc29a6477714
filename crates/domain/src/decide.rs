//! The rules of the case lifecycle (DOMAIN §4, §5): [`decide`] checks a command against the
//! case's state and either produces its one event or refuses with a typed [`DomainError`]. The
//! checks run in a fixed order so a refusal names the most basic problem: the role may do this
//! at all → the case exists (or, for a report, does not yet) → the actor's office owns the case
//! → the state allows it → the role may do it in this state → the fields are valid → the
//! conditions hold. Who may do what from where is data: [`permitted_roles`], [`legal_states`]
//! and [`role_fits`].

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};

use crate::command::{Command, CommandBody, CommandKind, ConvertCase, PartyInput, ReportCase};
use crate::deadline::{ClockKind, Deadline, Rules};
use crate::error::{DomainError, Requirement};
use crate::event::*;
use crate::ids::{CaseReference, FormCode, OfficeCode};
use crate::letter::{legal_date, received_after, Letter};
use crate::role::{Actor, Role};
use crate::state::{CaseState, LhpStage, Status};
use crate::taxonomy::*;

/// What a command asks to do, precise enough to say what was refused: closures are named with
/// their reason, since each has its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A command other than `close`.
    Command(CommandKind),
    /// `close` with one reason.
    Close(ClosureReason),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Command(kind) => f.write_str(kind.describe()),
            Action::Close(reason) => write!(f, "close as {reason}"),
        }
    }
}

impl Action {
    /// The action a command body asks for.
    pub fn of(body: &CommandBody) -> Action {
        match body {
            CommandBody::Close { reason, .. } => Action::Close(*reason),
            other => Action::Command(other.kind()),
        }
    }

    /// Every action: each command and each closure reason.
    pub fn all() -> Vec<Action> {
        let commands = CommandKind::ALL
            .iter()
            .filter(|k| **k != CommandKind::Close)
            .map(|k| Action::Command(*k));
        let closures = ClosureReason::ALL.iter().map(|r| Action::Close(*r));
        commands.chain(closures).collect()
    }
}

use Role::{Chair, Dpo, Intake, Investigator, Member, OfficeHead, Resmon, System, UnitHead};
use Status::{
    AwaitingClosure, AwaitingCompletion, AwaitingReporterResponse, Closed as ClosedState,
    CorrectiveAction, InMediation, InResolution, RapidResponse, Received, Recommendation,
    Registered, UnderExamination, Unreported,
};

const OPEN: &[Status] = Status::OPEN;
/// Open, but not awaiting closure.
const OPEN_BUT_CLOSURE: &[Status] = &[
    Registered,
    RapidResponse,
    Received,
    AwaitingCompletion,
    UnderExamination,
    InMediation,
    AwaitingReporterResponse,
    CorrectiveAction,
    InResolution,
    Recommendation,
];
const OPEN_OR_CLOSED: &[Status] = Status::REPORTED;
const STAFF: &[Role] = &[Intake, Investigator, Resmon, UnitHead, OfficeHead];
/// The head of office, and a member acting as one on `pusat` cases.
const OFFICE_HEAD: &[Role] = &[OfficeHead, Member];
/// Who may close on a ground found before acceptance: heads before, the head of office after.
const CLOSING_HEADS: &[Role] = &[UnitHead, OfficeHead, Member];

/// The roles that may ever take an action. [`role_fits`] narrows some by state or office.
pub fn permitted_roles(action: Action) -> &'static [Role] {
    use CommandKind as K;
    match action {
        Action::Command(kind) => match kind {
            K::Report => &[Intake, System, OfficeHead, Member],
            K::Convert => &[Intake, UnitHead, OfficeHead, Member],
            K::Verify | K::RequestCompletion | K::Complete => &[Intake],
            K::Accept | K::Assign | K::ReferToResolution | K::DismissProposal => {
                &[UnitHead, OfficeHead, Member]
            }
            K::Classify => &[Intake, Investigator, UnitHead],
            K::Transfer
            | K::RequestPoliceAssistance
            | K::ReturnConclusion
            | K::ApproveConclusion
            | K::IssueLhp
            | K::ReferToRecommendation
            | K::Reopen
            | K::ApproveErasure
            | K::RefuseErasure => OFFICE_HEAD,
            K::RequestClarification | K::AnswerClarification => &[Investigator, Intake, Resmon],
            K::Summon
            | K::RecordAttendance
            | K::RecordAbsence
            | K::StartMediation
            | K::Mediate
            | K::ProposeConclusion
            | K::NotifyConclusion
            | K::RecordReporterResponse
            | K::CompleteLhpFile => &[Investigator],
            K::RecordActivity | K::ReportCorrectiveAction => &[Investigator, Resmon],
            K::ReturnLhpFile | K::RecordDelivery | K::ReportImplementation => &[Resmon],
            K::Recommend | K::Publish | K::ReportToDprAndPresident => &[Chair],
            K::AssessImplementation => &[Member, Chair],
            K::RecordLetterReceipt => STAFF,
            K::AddNote => &[
                Intake,
                Investigator,
                Resmon,
                UnitHead,
                OfficeHead,
                Member,
                Chair,
                Dpo,
            ],
            K::ProposeAction => &[System],
            K::ErasePersonalData | K::RequestErasure => &[Dpo],
            // Closures are permitted per reason.
            K::Close => &[],
        },
        Action::Close(reason) => match reason {
            ClosureReason::ConsultationOnly | ClosureReason::CarbonCopyFiled => &[Intake],
            ClosureReason::RcoResolved => &[UnitHead],
            ClosureReason::IncompleteDeemedWithdrawn => &[Intake, System],
            ClosureReason::WithdrawnByReporter => &[Intake, UnitHead, OfficeHead, Member],
            ClosureReason::TimeBarred
            | ClosureReason::Duplicate
            | ClosureReason::TransferredOut
            | ClosureReason::NoPriorComplaint
            | ClosureReason::SubJudice
            | ClosureReason::AgencyStillHandling
            | ClosureReason::ResolvedByRespondent
            | ClosureReason::OutsideCompetence => CLOSING_HEADS,
            ClosureReason::SettledByMediation
            | ClosureReason::NoMaladministration
            | ClosureReason::ExaminationStopped
            | ClosureReason::CorrectiveActionImplemented
            | ClosureReason::ResolvedInResolution => OFFICE_HEAD,
            ClosureReason::RecommendationImplemented
            | ClosureReason::RecommendationPartlyImplemented
            | ClosureReason::RecommendationNotImplemented => &[Chair, Member],
        },
    }
}

/// The states an action may be taken from.
pub fn legal_states(action: Action) -> &'static [Status] {
    use CommandKind as K;
    match action {
        Action::Command(kind) => match kind {
            K::Report => &[Unreported],
            K::Convert => &[Registered, RapidResponse],
            K::Verify | K::RequestCompletion | K::Accept => &[Received],
            K::Complete => &[AwaitingCompletion],
            K::AddNote => OPEN_OR_CLOSED,
            // Awaiting closure takes only its closure, reopening and notes (and letters'
            // receipts and the DPO's acts, which any state takes).
            K::Classify | K::Assign | K::ProposeAction | K::DismissProposal => OPEN_BUT_CLOSURE,
            K::Transfer => &[
                Received,
                AwaitingCompletion,
                RapidResponse,
                UnderExamination,
                CorrectiveAction,
                InResolution,
            ],
            K::RequestClarification | K::AnswerClarification => &[
                UnderExamination,
                RapidResponse,
                CorrectiveAction,
                InResolution,
                Recommendation,
            ],
            K::Summon
            | K::RecordAttendance
            | K::RecordAbsence
            | K::RequestPoliceAssistance
            | K::StartMediation
            | K::ProposeConclusion
            | K::ReturnConclusion
            | K::ApproveConclusion
            | K::NotifyConclusion => &[UnderExamination],
            K::RecordActivity => &[
                UnderExamination,
                CorrectiveAction,
                InResolution,
                Recommendation,
            ],
            K::Mediate => &[InMediation],
            K::RecordReporterResponse => &[AwaitingReporterResponse],
            K::IssueLhp => &[AwaitingReporterResponse, UnderExamination],
            K::ReportCorrectiveAction => &[CorrectiveAction, InResolution],
            K::ReferToResolution => &[CorrectiveAction],
            K::ReturnLhpFile | K::CompleteLhpFile | K::ReferToRecommendation | K::Recommend => {
                &[InResolution]
            }
            K::RecordDelivery
            | K::ReportImplementation
            | K::AssessImplementation
            | K::Publish
            | K::ReportToDprAndPresident => &[Recommendation],
            K::Reopen => &[ClosedState, AwaitingClosure],
            K::RecordLetterReceipt | K::ErasePersonalData => OPEN_OR_CLOSED,
            K::RequestErasure | K::ApproveErasure | K::RefuseErasure | K::Close => OPEN,
        },
        Action::Close(reason) => match reason {
            ClosureReason::ConsultationOnly | ClosureReason::CarbonCopyFiled => &[Registered],
            ClosureReason::RcoResolved => &[RapidResponse],
            ClosureReason::IncompleteDeemedWithdrawn => &[AwaitingCompletion],
            ClosureReason::WithdrawnByReporter => OPEN,
            ClosureReason::TimeBarred
            | ClosureReason::Duplicate
            | ClosureReason::NoPriorComplaint => &[Received, AwaitingCompletion],
            ClosureReason::TransferredOut | ClosureReason::OutsideCompetence => {
                &[Received, RapidResponse]
            }
            ClosureReason::SubJudice | ClosureReason::AgencyStillHandling => &[Received],
            ClosureReason::ResolvedByRespondent => {
                &[Received, RapidResponse, UnderExamination, InMediation]
            }
            ClosureReason::SettledByMediation => &[UnderExamination],
            ClosureReason::NoMaladministration | ClosureReason::ExaminationStopped => {
                &[AwaitingClosure]
            }
            ClosureReason::CorrectiveActionImplemented => &[CorrectiveAction],
            ClosureReason::ResolvedInResolution => &[InResolution],
            ClosureReason::RecommendationImplemented
            | ClosureReason::RecommendationPartlyImplemented
            | ClosureReason::RecommendationNotImplemented => &[Recommendation],
        },
    }
}

/// The narrower rules of who acts when, beyond [`permitted_roles`]: a member acts as head of
/// office only on `pusat` cases (but assesses, closes after a Recommendation and opens IAPS
/// anywhere); intake asks for clarification only in a rapid response, resmon only in
/// Resolusi dan Monitoring and after a Recommendation, the investigator before; before
/// acceptance the heads close, after it only the head of office; intake records a withdrawal
/// only before acceptance.
pub fn role_fits(action: Action, role: Role, state: &CaseState, case_office: &OfficeCode) -> bool {
    use CommandKind as K;
    let pusat = case_office.as_str() == "pusat";
    let member_anywhere = matches!(
        action,
        Action::Command(K::Report | K::Convert | K::AssessImplementation | K::AddNote)
            | Action::Close(
                ClosureReason::RecommendationImplemented
                    | ClosureReason::RecommendationPartlyImplemented
                    | ClosureReason::RecommendationNotImplemented
            )
    );
    if role == Member && !pusat && !member_anywhere {
        return false;
    }
    match action {
        Action::Command(K::RequestClarification | K::AnswerClarification) => match role {
            Intake => state.status == RapidResponse,
            Investigator => matches!(
                state.status,
                UnderExamination | RapidResponse | CorrectiveAction
            ),
            Resmon => matches!(state.status, InResolution | Recommendation),
            _ => false,
        },
        Action::Close(reason) => {
            let examined = state.examined();
            match reason {
                ClosureReason::WithdrawnByReporter => match role {
                    Intake => !examined,
                    UnitHead => !examined,
                    _ => true,
                },
                ClosureReason::RecommendationImplemented
                | ClosureReason::RecommendationPartlyImplemented
                | ClosureReason::RecommendationNotImplemented
                | ClosureReason::ConsultationOnly
                | ClosureReason::CarbonCopyFiled
                | ClosureReason::RcoResolved
                | ClosureReason::IncompleteDeemedWithdrawn => true,
                _ => role != UnitHead || !examined,
            }
        }
        _ => true,
    }
}

/// Longest free-standing clear-text field (names of agencies, letter numbers...).
const MAX_TEXT: usize = 200;

/// Whether `actor` may take `action` on an existing case at all: the role may take it, the
/// case exists, the actor's office owns it, and the role fits the case's state and office.
/// [`decide`] checks this first; the service checks it before answering a retried command
/// with its original receipt, so a retry is never answered to someone who could not have sent
/// it.
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
    let not_permitted = || DomainError::NotPermitted {
        role: actor.role,
        action,
    };

    // 1. The role may take this action at all (a report: on this track).
    if !permitted_roles(action).contains(&actor.role) {
        return Err(not_permitted());
    }
    if let CommandBody::Report(r) = &body {
        let ok = match r.track {
            Track::OwnInitiative => matches!(actor.role, OfficeHead | Member),
            Track::CarbonCopy => actor.role == Intake,
            Track::Consultation | Track::Regular | Track::RapidResponse => {
                matches!(actor.role, Intake | System)
            }
        };
        if !ok {
            return Err(not_permitted());
        }
    }
    if let CommandBody::Convert(c) = &body {
        let ok = match c.track {
            Track::OwnInitiative => matches!(actor.role, OfficeHead | Member),
            _ => matches!(actor.role, Intake | UnitHead),
        };
        if !ok {
            return Err(not_permitted());
        }
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

    // 4. The state allows it, and the role fits the state and the office.
    if !legal_states(action).contains(&state.status) {
        return Err(DomainError::InvalidTransition {
            state: state.status,
            action,
        });
    }
    if kind != CommandKind::Report && !role_fits(action, actor.role, state, &case_office) {
        return Err(not_permitted());
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

    // Legal dates are the case's office's (its time zone from the register).
    let today = at.local_date(rules.offices.offset_of(&case_office));
    let ctx = Ctx {
        state,
        rules: &rules,
        today,
        action,
    };

    // 6 and 7. Fields, then conditions; then the event.
    let data = ctx.event(body, case_id, &case_office, &actor)?;

    Ok(Event {
        case_id,
        office: case_office,
        at,
        actor: actor.id,
        role: actor.role,
        data,
    })
}

/// What the field and condition checks of one decision share.
struct Ctx<'a> {
    state: &'a CaseState,
    rules: &'a Rules,
    today: NaiveDate,
    action: Action,
}

impl Ctx<'_> {
    fn unmet(&self, requirement: Requirement) -> DomainError {
        DomainError::Unmet {
            action: self.action,
            requirement,
        }
    }

    /// The clock started by a letter's receipt: `None` while the receipt is unknown.
    fn clock_from_receipt(
        &self,
        clock: ClockKind,
        letter: &Letter,
    ) -> Result<Option<Deadline>, DomainError> {
        letter
            .received_on
            .map(|day| self.start(clock, day))
            .transpose()
    }

    fn start(&self, clock: ClockKind, day: NaiveDate) -> Result<Deadline, DomainError> {
        self.start_round(
            clock,
            day,
            self.state.clarification_rounds.saturating_add(1),
        )
    }

    /// Starts `clock`; a clarification clock of `round` 2 or later has its own length.
    fn start_round(
        &self,
        clock: ClockKind,
        day: NaiveDate,
        round: u32,
    ) -> Result<Deadline, DomainError> {
        let rule = if clock == ClockKind::Clarification && round >= 2 {
            self.rules.deadlines.clarification_later_rounds
        } else {
            self.rules.deadlines.rule(clock)
        };
        self.rules
            .start_with(clock, rule, day)
            .ok_or_else(|| DomainError::validation("at", "the due date is out of range"))
    }

    /// The clock has run out today.
    fn elapsed(&self, clock: ClockKind) -> Result<(), DomainError> {
        match self.state.deadline(clock) {
            Some(d) if d.is_overdue_on(self.today) => Ok(()),
            Some(d) => Err(self.unmet(Requirement::PeriodElapsed {
                clock,
                due_on: d.due_on,
            })),
            None => Err(self.unmet(Requirement::ClockNotStarted { clock })),
        }
    }

    fn lhp(&self, needed: LhpStage) -> Result<(), DomainError> {
        if self.state.status == UnderExamination && self.state.lhp != needed {
            return Err(self.unmet(Requirement::Lhp {
                needed,
                have: self.state.lhp,
            }));
        }
        Ok(())
    }

    fn letter(&self, field: &'static str, letter: Letter) -> Result<Letter, DomainError> {
        letter.checked(field, self.today)
    }

    fn forms(
        &self,
        field: &'static str,
        forms: &[FormCode],
        at_least_one: bool,
    ) -> Result<(), DomainError> {
        if at_least_one && forms.is_empty() {
            return Err(DomainError::validation(
                field,
                "name at least one form of maladministration",
            ));
        }
        for (i, form) in forms.iter().enumerate() {
            if !self.rules.taxonomy.knows_form(form) {
                return Err(DomainError::validation(
                    field,
                    format!(
                        "unknown form {form:?} (taxonomy {})",
                        self.rules.taxonomy.version
                    ),
                ));
            }
            if forms[..i].contains(form) {
                return Err(DomainError::validation(
                    field,
                    format!("{form} is listed twice"),
                ));
            }
        }
        Ok(())
    }

    fn iaps(&self) -> bool {
        self.state.track == Some(Track::OwnInitiative)
    }

    fn event(
        &self,
        body: CommandBody,
        case_id: crate::ids::CaseId,
        case_office: &OfficeCode,
        actor: &Actor,
    ) -> Result<EventData, DomainError> {
        use CommandBody as B;
        let state = self.state;
        let today = self.today;
        Ok(match body {
            B::Report(report) => EventData::Reported(Box::new(self.report(*report, case_id)?)),
            B::Convert(c) => EventData::Converted(Box::new(self.convert(*c)?)),
            B::Verify {
                stage,
                passed,
                note,
            } => EventData::Verified(Verified {
                stage,
                passed,
                note,
            }),
            B::RequestCompletion { missing, letter } => {
                let letter = self.letter("letter", letter)?;
                EventData::CompletionRequested(CompletionRequested {
                    missing,
                    deadline: self.clock_from_receipt(ClockKind::Completion, &letter)?,
                    letter: Some(letter),
                })
            }
            B::Complete { received_on, note } => {
                let sent = state
                    .clock(ClockKind::Completion)
                    .map_or(received_on, |c| c.sent_on);
                received_after("received_on", received_on, sent, today)?;
                EventData::Completed(Completed {
                    received_on: Some(received_on),
                    note,
                })
            }
            B::Accept {
                pleno,
                unit,
                assignee,
            } => {
                self.decision("pleno", &pleno)?;
                if state.formal_check != Some(true) {
                    return Err(self.unmet(Requirement::Verification {
                        stage: VerificationStage::Formal,
                    }));
                }
                if state.material_check != Some(true) {
                    return Err(self.unmet(Requirement::Verification {
                        stage: VerificationStage::Material,
                    }));
                }
                if state.forms.is_empty() {
                    return Err(self.unmet(Requirement::Forms));
                }
                EventData::Accepted(Accepted {
                    pleno: Some(pleno),
                    unit,
                    assignee,
                })
            }
            B::Classify {
                forms,
                substance,
                agency_group,
                reporter_kind,
                represented_by,
            } => {
                self.forms("forms", &forms, false)?;
                for (field, v) in [("substance", &substance), ("agency_group", &agency_group)] {
                    if let Some(v) = v {
                        check_code(field, v)?;
                    }
                }
                if forms.is_empty()
                    && substance.is_none()
                    && agency_group.is_none()
                    && reporter_kind.is_none()
                    && represented_by.is_none()
                {
                    return Err(DomainError::validation(
                        "forms",
                        "a classification sets at least one of forms, substance, agency_group, \
                         reporter_kind, represented_by",
                    ));
                }
                EventData::Classified(Classified {
                    forms,
                    substance,
                    agency_group,
                    reporter_kind,
                    represented_by,
                })
            }
            B::Assign { assignee, unit } => EventData::Assigned(Assigned { assignee, unit }),
            B::Transfer { to_office, reason } => {
                if self.rules.offices.get(&to_office).is_none() {
                    return Err(DomainError::validation(
                        "to_office",
                        format!(
                            "{to_office} is not in the register of offices ({})",
                            self.rules.offices.version
                        ),
                    ));
                }
                if &to_office == case_office {
                    return Err(self.unmet(Requirement::DifferentOffice(to_office)));
                }
                if actor.role == Member
                    && case_office.as_str() == "pusat"
                    && to_office.as_str() == "pusat"
                {
                    return Err(self.unmet(Requirement::DifferentOffice(to_office)));
                }
                EventData::Transferred(Transferred { to_office, reason })
            }
            B::RequestClarification {
                addressee,
                purpose,
                letter,
            } => {
                self.lhp(LhpStage::None)?;
                self.resmon_waits(actor)?;
                let letter = self.letter("letter", letter)?;
                EventData::ClarificationRequested(ClarificationRequested {
                    round: state.clarification_rounds.saturating_add(1),
                    addressee,
                    purpose,
                    deadline: self.clock_from_receipt(ClockKind::Clarification, &letter)?,
                    letter,
                    note: None,
                })
            }
            B::AnswerClarification {
                outcome,
                received_on,
                note,
            } => {
                self.lhp(LhpStage::None)?;
                self.resmon_waits(actor)?;
                let Some(clock) = state.clock(ClockKind::Clarification) else {
                    return Err(self.unmet(Requirement::OpenClarification));
                };
                match (outcome, received_on) {
                    (AnswerOutcome::Answered, None) => {
                        return Err(DomainError::validation(
                            "received_on",
                            "an answer records when it was received",
                        ))
                    }
                    (AnswerOutcome::Answered, Some(day)) => {
                        received_after("received_on", day, clock.sent_on, today)?
                    }
                    (AnswerOutcome::Waived, Some(_)) => {
                        return Err(DomainError::validation(
                            "received_on",
                            "a waived right of answer received nothing",
                        ))
                    }
                    // Waived: "tidak menggunakan hak jawab", only after the period.
                    (AnswerOutcome::Waived, None) => self.elapsed(ClockKind::Clarification)?,
                }
                EventData::ClarificationAnswered(ClarificationAnswered {
                    round: state.clarification_rounds,
                    outcome,
                    received_on,
                    note,
                })
            }
            B::Summon {
                party,
                appointment_at,
                letter,
            } => {
                self.lhp(LhpStage::None)?;
                let PartyInput {
                    kind,
                    party_ref,
                    name,
                } = party;
                check_code("party.party_ref", &party_ref)?;
                let letter = self.letter("letter", letter)?;
                if appointment_at.date() < letter.date {
                    return Err(DomainError::validation(
                        "appointment_at",
                        "the appointment is before the letter's date",
                    ));
                }
                let number = u32::try_from(state.summons.len())
                    .unwrap_or(u32::MAX)
                    .saturating_add(1);
                EventData::Summoned(Summoned {
                    summons: number,
                    party: Party {
                        kind,
                        party_ref,
                        name: Some(name),
                    },
                    appointment_at: Some(appointment_at),
                    letter: Some(letter),
                    note: None,
                })
            }
            B::RecordAttendance { summons, note } => {
                self.lhp(LhpStage::None)?;
                self.summons_result(summons)?;
                EventData::SummonsAttended(SummonsAttended { summons, note })
            }
            B::RecordAbsence {
                summons,
                valid_reason,
                note,
            } => {
                self.lhp(LhpStage::None)?;
                self.summons_result(summons)?;
                EventData::SummonsMissed(SummonsMissed {
                    summons,
                    valid_reason,
                    note,
                })
            }
            B::RequestPoliceAssistance {
                party_ref,
                police_unit,
                letter,
            } => {
                self.lhp(LhpStage::None)?;
                check_code("party_ref", &party_ref)?;
                check_text("police_unit", &police_unit, MAX_TEXT)?;
                let have = state.unexcused_misses(&party_ref);
                if have < 3 {
                    return Err(self.unmet(Requirement::UnexcusedMisses {
                        party_ref,
                        needed: 3,
                        have,
                    }));
                }
                EventData::PoliceAssistanceRequested(PoliceAssistanceRequested {
                    party_ref: Some(party_ref),
                    police_unit: Some(police_unit),
                    letter: Some(self.letter("letter", letter)?),
                    note: None,
                })
            }
            B::RecordActivity {
                kind,
                date,
                outcome,
            } => {
                self.lhp(LhpStage::None)?;
                legal_date("date", date, today)?;
                let resolution_only = matches!(
                    kind,
                    ActivityKind::Mediation
                        | ActivityKind::Conciliation
                        | ActivityKind::Facilitation
                );
                if resolution_only && state.status != InResolution {
                    return Err(DomainError::validation(
                        "kind",
                        format!("a {kind} activity is recorded in resolution and monitoring only (mediation under examination is start-mediation)"),
                    ));
                }
                self.resmon_waits(actor)?;
                EventData::ActivityRecorded(ActivityRecorded {
                    kind,
                    date,
                    outcome,
                })
            }
            B::StartMediation { method, note } => {
                self.lhp(LhpStage::None)?;
                EventData::MediationStarted(MediationStarted {
                    method: Some(method),
                    note,
                })
            }
            B::Mediate { outcome, terms } => {
                match (outcome, &terms) {
                    (MediationOutcome::Agreed, None) => {
                        return Err(DomainError::validation("terms", "an agreement records its terms"))
                    }
                    (MediationOutcome::Failed, Some(_)) => {
                        return Err(DomainError::validation(
                            "terms",
                            "terms are recorded only for an agreement; use a note for a failed mediation",
                        ))
                    }
                    _ => {}
                }
                EventData::Mediated(Mediated { outcome, terms })
            }
            B::ProposeConclusion {
                conclusion,
                summary,
            } => {
                self.lhp(LhpStage::None)?;
                self.conclusion(&conclusion)?;
                EventData::ConclusionProposed(ConclusionProposed {
                    conclusion,
                    summary,
                })
            }
            B::ReturnConclusion { reason } => {
                self.lhp(LhpStage::Proposed)?;
                EventData::ConclusionReturned(ConclusionReturned { reason })
            }
            B::ApproveConclusion { review_date } => {
                self.lhp(LhpStage::Proposed)?;
                legal_date("review_date", review_date, today)?;
                EventData::ConclusionApproved(ConclusionApproved { review_date })
            }
            B::NotifyConclusion { letter } => {
                self.lhp(LhpStage::Approved)?;
                if self.iaps() {
                    return Err(self.unmet(Requirement::Track(
                        "an own-initiative investigation has no reporter to notify: issue the LHP",
                    )));
                }
                let letter = self.letter("letter", letter)?;
                EventData::ConclusionNotified(ConclusionNotified {
                    deadline: self.clock_from_receipt(ClockKind::ReporterResponse, &letter)?,
                    letter,
                })
            }
            B::RecordReporterResponse {
                received_on,
                argued,
                note,
            } => {
                let sent = state
                    .clock(ClockKind::ReporterResponse)
                    .map_or(received_on, |c| c.sent_on);
                received_after("received_on", received_on, sent, today)?;
                if state.reporter_answered {
                    return Err(self.unmet(Requirement::Ground(
                        "the reporter's response is already recorded",
                    )));
                }
                EventData::ReporterResponded(ReporterResponded {
                    received_on,
                    argued,
                    note,
                })
            }
            B::IssueLhp { letter } => {
                let Some(conclusion) = state.draft.clone() else {
                    return Err(self.unmet(Requirement::Lhp {
                        needed: LhpStage::Approved,
                        have: state.lhp,
                    }));
                };
                if state.status == UnderExamination {
                    if !self.iaps() {
                        return Err(self.unmet(Requirement::Track(
                            "the LHP of a report is issued after the reporter was notified (notify-conclusion)",
                        )));
                    }
                    self.lhp(LhpStage::Approved)?;
                } else if !state.reporter_answered {
                    match state.deadline(ClockKind::ReporterResponse) {
                        Some(d) if d.is_overdue_on(today) => {}
                        Some(d) => {
                            return Err(
                                self.unmet(Requirement::ReporterResponse { due_on: d.due_on })
                            )
                        }
                        None => {
                            return Err(self.unmet(Requirement::ClockNotStarted {
                                clock: ClockKind::ReporterResponse,
                            }))
                        }
                    }
                }
                let letter = self.letter("letter", letter)?;
                let deadline = match conclusion {
                    Conclusion::Found { .. } => {
                        self.clock_from_receipt(ClockKind::CorrectiveAction, &letter)?
                    }
                    _ => None,
                };
                EventData::LhpIssued(LhpIssued {
                    conclusion,
                    letter: Some(letter),
                    deadline,
                })
            }
            B::ReportCorrectiveAction {
                reports,
                received_on,
                note,
            } => {
                self.resmon_waits(actor)?;
                let issued = state
                    .letters
                    .iter()
                    .rev()
                    .find(|l| l.event_type == EventType::LhpIssued)
                    .map(|l| l.letter.date);
                match issued {
                    Some(date) => received_after("received_on", received_on, date, today)?,
                    None => legal_date("received_on", received_on, today)?,
                }
                if reports.is_empty() {
                    return Err(DomainError::validation(
                        "reports",
                        "report on at least one corrective action",
                    ));
                }
                for (i, r) in reports.iter().enumerate() {
                    if !state.actions.iter().any(|a| a.id == r.action_id) {
                        return Err(DomainError::validation(
                            "reports",
                            format!("the LHP has no corrective action {:?}", r.action_id),
                        ));
                    }
                    if reports[..i].iter().any(|o| o.action_id == r.action_id) {
                        return Err(DomainError::validation(
                            "reports",
                            format!("corrective action {:?} is reported twice", r.action_id),
                        ));
                    }
                }
                EventData::CorrectiveActionReported(CorrectiveActionReported {
                    reports,
                    received_on,
                    note,
                })
            }
            B::ReferToResolution { ground, note } => {
                match ground {
                    ResolutionGround::PeriodExpired => {
                        self.elapsed(ClockKind::CorrectiveAction)?;
                        if state.monitoring_records == 0 {
                            return Err(self.unmet(Requirement::MonitoringRecord));
                        }
                    }
                    ResolutionGround::RefusedByRespondent => {
                        if !state.actions.iter().any(|a| a.status == Some(ActionStatus::Refused)) {
                            return Err(self.unmet(Requirement::ActionRefused));
                        }
                    }
                    ResolutionGround::Legacy => {
                        return Err(DomainError::validation(
                            "ground",
                            "`legacy` is the ground of v1 events only: name period_expired or refused_by_respondent",
                        ))
                    }
                }
                EventData::ReferredToResolution(ReferredToResolution { ground, note })
            }
            B::ReturnLhpFile { missing } => {
                if state.lhp_file_incomplete {
                    return Err(self.unmet(Requirement::LhpFileIncomplete));
                }
                EventData::LhpFileReturned(LhpFileReturned { missing })
            }
            B::CompleteLhpFile { note } => {
                if !state.lhp_file_incomplete {
                    return Err(self.unmet(Requirement::LhpFileNotReturned));
                }
                EventData::LhpFileCompleted(Noted { note })
            }
            B::ReferToRecommendation { note } => {
                if state.lhp_file_incomplete {
                    return Err(self.unmet(Requirement::LhpFileIncomplete));
                }
                if state.referred_for_recommendation {
                    return Err(self.unmet(Requirement::AlreadyReferred));
                }
                EventData::ReferredToRecommendation(Noted { note })
            }
            B::Recommend {
                addressee,
                content,
                letter,
            } => {
                check_text("addressee", &addressee, MAX_TEXT)?;
                if !state.referred_for_recommendation {
                    return Err(self.unmet(Requirement::ReferredForRecommendation));
                }
                let letter = self.letter("letter", letter)?;
                // The delivery clock runs from the signature (the letter's date).
                let deadline = self.start(ClockKind::RecommendationDelivery, letter.date)?;
                EventData::RecommendationIssued(RecommendationIssued {
                    addressee,
                    content,
                    letter: Some(letter),
                    deadline,
                })
            }
            B::RecordDelivery { received_on } => {
                if state.recommendation.as_ref().is_some_and(|r| r.delivered) {
                    return Err(self.unmet(Requirement::Delivered));
                }
                let sent = state
                    .clock(ClockKind::RecommendationDelivery)
                    .map_or(received_on, |c| c.sent_on);
                received_after("received_on", received_on, sent, today)?;
                EventData::RecommendationDelivered(RecommendationDelivered {
                    received_on,
                    deadline: self.start(ClockKind::SuperiorReport, received_on)?,
                })
            }
            B::ReportImplementation { report, letter } => {
                if !state.recommendation.as_ref().is_some_and(|r| r.delivered) {
                    return Err(self.unmet(Requirement::Ground(
                        "the Recommendation's delivery is not recorded (record-delivery)",
                    )));
                }
                let letter = self.letter("letter", letter)?;
                if letter.received_on.is_none() {
                    return Err(DomainError::validation(
                        "letter.received_on",
                        "an incoming letter records when it was received",
                    ));
                }
                EventData::ImplementationReported(ImplementationReported { report, letter })
            }
            B::AssessImplementation {
                assessment,
                reasons_acceptable,
                note,
            } => {
                let reported = state
                    .recommendation
                    .as_ref()
                    .is_some_and(|r| !r.reports.is_empty());
                let ran_out = state
                    .deadline(ClockKind::SuperiorReport)
                    .is_some_and(|d| d.is_overdue_on(today));
                if !reported && !ran_out {
                    return Err(self.unmet(Requirement::ImplementationReport));
                }
                EventData::ImplementationAssessed(ImplementationAssessed {
                    assessment,
                    reasons_acceptable,
                    note,
                })
            }
            B::Publish { note } => {
                self.sanction_grounds()?;
                EventData::Published(Noted { note })
            }
            B::ReportToDprAndPresident { letter, note } => {
                self.sanction_grounds()?;
                let letter = letter.map(|l| self.letter("letter", l)).transpose()?;
                EventData::ReportedToDprAndPresident(ReportedToDprAndPresident { letter, note })
            }
            B::Close {
                reason,
                pleno,
                letter,
                note,
            } => self.close(reason, pleno, letter, note, actor)?,
            B::Reopen { reason } => EventData::Reopened(Reopened { reason }),
            B::RecordLetterReceipt {
                letter_of,
                received_on,
            } => {
                let problem = |problem| self.unmet(Requirement::Letter { letter_of, problem });
                let Some(record) = state.letter_of(letter_of) else {
                    return Err(problem("no act there sent a letter"));
                };
                if record.letter.received_on.is_some() {
                    return Err(problem("its receipt is already recorded"));
                }
                if record.clock == Some(ClockKind::ClosureNotice)
                    && state
                        .clock(ClockKind::ClosureNotice)
                        .and_then(|c| c.letter_of)
                        != Some(letter_of)
                {
                    return Err(problem(
                        "the letter of an earlier closure: the case was reopened since",
                    ));
                }
                received_after("received_on", received_on, record.letter.date, today)?;
                // The clock its receipt starts, if that clock is still the letter's: pending
                // receipt, or (a v1 clock, dated from the act) restarted from the receipt as
                // DOMAIN §7 says. The clarification round was counted when it was sent.
                let deadline = match record.clock {
                    Some(clock) if clock != ClockKind::ClosureNotice => state
                        .clock(clock)
                        .filter(|c| c.letter_of == Some(letter_of))
                        .map(|_| self.start_round(clock, received_on, state.clarification_rounds))
                        .transpose()?,
                    _ => None,
                };
                EventData::LetterReceived(LetterReceived {
                    letter_of,
                    received_on,
                    deadline,
                })
            }
            B::AddNote { note } => EventData::NoteAdded(NoteAdded { note }),
            B::ProposeAction { action, clock } => {
                // Each proposal follows the clock whose running out calls for it (DOMAIN §8).
                let follows = match action {
                    ProposedAction::NextClarificationRound
                    | ProposedAction::Summons
                    | ProposedAction::PoliceRequest => clock == ClockKind::Clarification,
                    ProposedAction::IssueLhp => clock == ClockKind::ReporterResponse,
                    ProposedAction::ReferToResolution => clock == ClockKind::CorrectiveAction,
                    ProposedAction::AssessImplementation => clock == ClockKind::SuperiorReport,
                    ProposedAction::ConvertRco => clock == ClockKind::RcoService,
                    ProposedAction::CloseDeemedWithdrawn => clock == ClockKind::Completion,
                };
                if !follows {
                    return Err(DomainError::validation(
                        "clock",
                        format!("{action} does not follow the {clock} clock"),
                    ));
                }
                let Some(deadline) = state.deadline(clock) else {
                    return Err(self.unmet(Requirement::ClockNotStarted { clock }));
                };
                if !deadline.is_overdue_on(today) {
                    return Err(self.unmet(Requirement::PeriodElapsed {
                        clock,
                        due_on: deadline.due_on,
                    }));
                }
                EventData::ActionProposed(ActionProposed {
                    action,
                    clock,
                    due_on: deadline.due_on,
                })
            }
            B::DismissProposal { proposal, reason } => {
                if state.open_proposal(proposal).is_none() {
                    return Err(self.unmet(Requirement::Proposal(proposal)));
                }
                EventData::ProposalDismissed(ProposalDismissed { proposal, reason })
            }
            B::ErasePersonalData { request_ref } => {
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
                    return Err(self.unmet(Requirement::ErasureApproved { request_ref }));
                }
                EventData::PersonalDataErased(PersonalDataErased {
                    key_id,
                    request_ref,
                })
            }
            B::RequestErasure { request_ref } => {
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
                EventData::ErasureRequested(ErasureRequest { request_ref })
            }
            B::ApproveErasure { request_ref } => {
                check_text("request_ref", &request_ref, 100)?;
                check_erasure_decision(state, actor, &request_ref).map_err(|r| self.unmet(r))?;
                EventData::ErasureApproved(ErasureRequest { request_ref })
            }
            B::RefuseErasure {
                request_ref,
                reason,
            } => {
                check_text("request_ref", &request_ref, 100)?;
                check_erasure_decision(state, actor, &request_ref).map_err(|r| self.unmet(r))?;
                EventData::ErasureRefused(ErasureRefused {
                    request_ref,
                    reason,
                })
            }
        })
    }

    /// Whether the incident is older than the warning limit at `received_on` (Pasal 24(3));
    /// an incident after the receipt is refused.
    fn incident_age(
        &self,
        incident_date: Option<NaiveDate>,
        received_on: NaiveDate,
    ) -> Result<bool, DomainError> {
        match incident_date {
            Some(date) if date > received_on => Err(DomainError::validation(
                "incident_date",
                format!("{date} is after the case's receipt ({received_on})"),
            )),
            Some(date) => Ok(date
                .checked_add_months(Months::new(
                    12 * self.rules.deadlines.incident_age_warning_years,
                ))
                .is_some_and(|limit| limit < received_on)),
            None => Ok(false),
        }
    }

    /// An own-initiative investigation names its decision; nothing else has one.
    fn iaps_decision(&self, decision: Option<&Decision>, own: bool) -> Result<(), DomainError> {
        match (decision, own) {
            (None, true) => Err(DomainError::validation(
                "decision",
                "an own-initiative investigation names its decision (number and date)",
            )),
            (Some(_), false) => Err(DomainError::validation(
                "decision",
                "a decision is for own-initiative investigations only",
            )),
            (Some(d), true) => self.decision("decision", d),
            (None, false) => Ok(()),
        }
    }

    fn decision(&self, field: &'static str, d: &Decision) -> Result<(), DomainError> {
        check_text(field, &d.number, 100)?;
        legal_date(field, d.date, self.today)
    }

    /// Resmon acts in Resolusi dan Monitoring wait while the LHP file is incomplete.
    fn resmon_waits(&self, actor: &Actor) -> Result<(), DomainError> {
        if actor.role == Resmon
            && self.state.status == InResolution
            && self.state.lhp_file_incomplete
        {
            return Err(self.unmet(Requirement::LhpFileIncomplete));
        }
        Ok(())
    }

    fn summons_result(&self, number: u32) -> Result<(), DomainError> {
        let problem = |problem| {
            self.unmet(Requirement::Summons {
                summons: number,
                problem,
            })
        };
        let Some(s) = self.state.summons_numbered(number) else {
            return Err(problem("no such summons"));
        };
        if s.result.is_some() {
            return Err(problem("its result is already recorded"));
        }
        if s.appointment_at.is_some_and(|at| at.date() > self.today) {
            return Err(problem("its appointment has not come yet"));
        }
        Ok(())
    }

    fn conclusion(&self, c: &Conclusion) -> Result<(), DomainError> {
        match c {
            Conclusion::Found {
                forms_found,
                corrective_actions,
            } => {
                self.forms("conclusion.forms_found", forms_found, true)?;
                if corrective_actions.is_empty() {
                    return Err(DomainError::validation(
                        "conclusion.corrective_actions",
                        "a finding of maladministration names at least one corrective action",
                    ));
                }
                for (i, a) in corrective_actions.iter().enumerate() {
                    check_code("conclusion.corrective_actions.id", &a.id)?;
                    if a.addressee == ActionAddressee::Unspecified {
                        return Err(DomainError::validation(
                            "conclusion.corrective_actions.addressee",
                            "name the addressee: respondent, superior or related_agency",
                        ));
                    }
                    if corrective_actions[..i].iter().any(|o| o.id == a.id) {
                        return Err(DomainError::validation(
                            "conclusion.corrective_actions.id",
                            format!("{:?} is used twice", a.id),
                        ));
                    }
                }
            }
            Conclusion::NotFound => {}
            Conclusion::Stopped { ground } => {
                if *ground == StopGround::Unspecified {
                    return Err(DomainError::validation(
                        "conclusion.ground",
                        "name the ground of Pasal 36(1)(a)–(e)",
                    ));
                }
                if self.iaps()
                    && matches!(
                        ground,
                        StopGround::NoPriorComplaint | StopGround::ResolvedByRespondent
                    )
                {
                    return Err(self.unmet(Requirement::Track(
                        "an own-initiative investigation has no reporter: this ground is the reporter's",
                    )));
                }
            }
        }
        Ok(())
    }

    /// Publication and the report to the DPR and the President: the superior's period ran out
    /// and the latest assessment is partly or not implemented, reasons not acceptable
    /// (Pasal 38(4)).
    fn sanction_grounds(&self) -> Result<(), DomainError> {
        let follow = self.state.recommendation.as_ref();
        let reported = follow.is_some_and(|r| !r.reports.is_empty());
        if !reported {
            self.elapsed(ClockKind::SuperiorReport)?;
        }
        match follow.and_then(|r| r.assessment) {
            Some((Assessment::PartlyImplemented | Assessment::NotImplemented, false)) => Ok(()),
            _ => Err(self.unmet(Requirement::Assessment(
                "partly_implemented or not_implemented, with the reasons not acceptable",
            ))),
        }
    }

    fn close(
        &self,
        reason: ClosureReason,
        pleno: Option<Decision>,
        letter: Option<Letter>,
        note: Option<crate::sealed::Sealed>,
        actor: &Actor,
    ) -> Result<EventData, DomainError> {
        let state = self.state;
        let reporter_based = matches!(
            reason,
            ClosureReason::WithdrawnByReporter
                | ClosureReason::IncompleteDeemedWithdrawn
                | ClosureReason::NoPriorComplaint
                | ClosureReason::ResolvedByRespondent
                | ClosureReason::SettledByMediation
                | ClosureReason::TimeBarred
        );
        if reporter_based && self.iaps() {
            return Err(self.unmet(Requirement::Track(
                "an own-initiative investigation has no reporter: this ground is the reporter's",
            )));
        }
        let mut ground = None;
        match (reason, state.track) {
            (ClosureReason::ConsultationOnly, Some(t)) if t != Track::Consultation => {
                return Err(self.unmet(Requirement::Track(
                    "only a consultation (KNL) closes as consultation_only",
                )));
            }
            (ClosureReason::CarbonCopyFiled, Some(t)) if t != Track::CarbonCopy => {
                return Err(
                    self.unmet(Requirement::Track("only a carbon copy (tembusan) is filed"))
                );
            }
            _ => {}
        }
        match reason {
            ClosureReason::SettledByMediation if !state.agreement_on_record => {
                return Err(self.unmet(Requirement::AgreementOnRecord));
            }
            ClosureReason::NoMaladministration
                if !matches!(state.issued, Some(Conclusion::NotFound)) =>
            {
                return Err(self.unmet(Requirement::Conclusion {
                    needed: Finding::NotFound,
                }));
            }
            ClosureReason::ExaminationStopped => match &state.issued {
                Some(Conclusion::Stopped { ground: g }) => ground = Some(*g),
                _ => {
                    return Err(self.unmet(Requirement::Conclusion {
                        needed: Finding::Stopped,
                    }))
                }
            },
            ClosureReason::IncompleteDeemedWithdrawn => self.elapsed(ClockKind::Completion)?,
            ClosureReason::TimeBarred if !state.incident_age_warning => {
                return Err(self.unmet(Requirement::Ground(
                    "the incident is not more than 2 years before the report's receipt (Pasal 24(3))",
                )));
            }
            ClosureReason::NoPriorComplaint if state.prior_complaint => {
                return Err(self.unmet(Requirement::Ground(
                    "the report says the reporter complained to the respondent first",
                )));
            }
            ClosureReason::CorrectiveActionImplemented => {
                if let Some(a) = state
                    .actions
                    .iter()
                    .find(|a| a.status != Some(ActionStatus::Done))
                {
                    return Err(self.unmet(Requirement::ActionNotDone {
                        action_id: a.id.clone(),
                    }));
                }
            }
            ClosureReason::RecommendationImplemented
            | ClosureReason::RecommendationPartlyImplemented
            | ClosureReason::RecommendationNotImplemented => {
                let (needed, name) = match reason {
                    ClosureReason::RecommendationImplemented => {
                        (Assessment::Implemented, "implemented")
                    }
                    ClosureReason::RecommendationPartlyImplemented => {
                        (Assessment::PartlyImplemented, "partly_implemented")
                    }
                    _ => (Assessment::NotImplemented, "not_implemented"),
                };
                let latest = state.recommendation.as_ref().and_then(|r| r.assessment);
                if latest.map(|(a, _)| a) != Some(needed) {
                    return Err(self.unmet(Requirement::Assessment(name)));
                }
            }
            _ => {}
        }
        // A report closed by a head before acceptance names the pleno that decided it.
        let by_pleno =
            state.track == Some(Track::Regular) && !state.examined() && actor.role.is_head();
        match (&pleno, by_pleno) {
            (None, true) => {
                return Err(DomainError::validation(
                    "pleno",
                    "a report closed before acceptance names the pleno that decided it",
                ))
            }
            (Some(p), _) => self.decision("pleno", p)?,
            (None, false) => {}
        }
        // The closure letter: every ground but KNL, tembusan, RCO and withdrawals.
        let letterless = matches!(
            reason,
            ClosureReason::ConsultationOnly
                | ClosureReason::CarbonCopyFiled
                | ClosureReason::RcoResolved
                | ClosureReason::WithdrawnByReporter
                | ClosureReason::IncompleteDeemedWithdrawn
        );
        let letter = match (letter, letterless) {
            (None, false) => {
                return Err(DomainError::validation(
                    "letter",
                    format!("closing as {reason} sends a closure letter (Pasal 36(2)): give it"),
                ))
            }
            (Some(_), true) => {
                return Err(DomainError::validation(
                    "letter",
                    format!("closing as {reason} sends no closure letter"),
                ))
            }
            (Some(l), false) => Some(self.letter("letter", l)?),
            (None, true) => None,
        };
        // The closure notice runs from the letter's date until its receipt is recorded.
        let deadline = match &letter {
            Some(l) if l.received_on.is_none() => {
                Some(self.start(ClockKind::ClosureNotice, l.date)?)
            }
            _ => None,
        };
        Ok(EventData::Closed(Closed {
            reason,
            ground,
            letter,
            deadline,
            note,
            pleno,
        }))
    }

    fn report(
        &self,
        report: ReportCase,
        case_id: crate::ids::CaseId,
    ) -> Result<Reported, DomainError> {
        let ReportCase {
            office,
            channel,
            external_ref,
            track,
            received_on,
            reporter,
            respondent,
            forms,
            incident_date,
            prior_complaint,
            summary,
            criteria,
            decision,
        } = report;
        if self.rules.offices.get(&office).is_none() {
            return Err(DomainError::validation(
                "office",
                format!(
                    "{office} is not in the register of offices ({})",
                    self.rules.offices.version
                ),
            ));
        }
        let today = self.today;
        let received_on = received_on.unwrap_or(today);
        legal_date("received_on", received_on, today)?;

        let own_channel = channel == Channel::OwnInitiative;
        let own_track = track == Track::OwnInitiative;
        if own_channel != own_track {
            return Err(DomainError::validation(
                "track",
                "the own_initiative channel and the own_initiative track go together",
            ));
        }
        // What each track carries (DOMAIN §2).
        let complaint = matches!(track, Track::Regular | Track::RapidResponse);
        self.forms("forms", &forms, complaint || own_track)?;
        if track == Track::Consultation && !forms.is_empty() {
            return Err(DomainError::validation(
                "forms",
                "a consultation (KNL) has no forms",
            ));
        }
        match (&reporter, track) {
            (None, Track::Regular | Track::RapidResponse | Track::Consultation) => {
                return Err(DomainError::validation(
                    "reporter",
                    "a report names its reporter (only own-initiative cases and carbon copies have none)",
                ))
            }
            (Some(_), Track::OwnInitiative) => {
                return Err(DomainError::validation(
                    "reporter",
                    "an own-initiative investigation has no reporter",
                ))
            }
            _ => {}
        }
        if respondent.is_none() && (complaint || own_track) {
            return Err(DomainError::validation(
                "respondent",
                "name the agency reported",
            ));
        }
        match (criteria.is_empty(), track) {
            (true, Track::RapidResponse) => {
                return Err(DomainError::validation(
                    "criteria",
                    "a rapid response names at least one criterion: emergency, threat_to_life, threat_to_right_to_live",
                ))
            }
            (false, t) if t != Track::RapidResponse => {
                return Err(DomainError::validation("criteria", "criteria are for rapid responses only"))
            }
            _ => {}
        }
        self.iaps_decision(decision.as_ref(), own_track)?;
        match (&external_ref, channel) {
            (None, Channel::Sp4nLapor) => {
                return Err(DomainError::validation(
                    "external_ref",
                    "a report forwarded from SP4N-LAPOR! keeps its tracking id",
                ))
            }
            (Some(r), _) => check_text("external_ref", r, 100)?,
            (None, _) => {}
        }
        if let Some(r) = &respondent {
            check_respondent(r)?;
        }
        let incident_age_warning = self.incident_age(incident_date, received_on)?;
        let deadline = match track {
            Track::RapidResponse => Some(self.start(ClockKind::RcoService, received_on)?),
            _ => None,
        };
        Ok(Reported {
            reference: CaseReference::derive(&office, received_on.year(), case_id),
            office,
            channel,
            external_ref,
            track,
            received_on: Some(received_on),
            reporter,
            respondent,
            forms,
            taxonomy_version: self.rules.taxonomy.version.clone(),
            incident_date,
            prior_complaint,
            summary,
            incident_age_warning,
            criteria,
            decision,
            deadline,
        })
    }

    fn convert(&self, c: ConvertCase) -> Result<Converted, DomainError> {
        let state = self.state;
        let ConvertCase {
            track,
            reporter,
            respondent,
            forms,
            decision,
            incident_date,
            prior_complaint,
        } = c;
        match (track, state.status) {
            (Track::Regular, _) => {}
            (Track::OwnInitiative, Registered) => {}
            _ => {
                return Err(DomainError::validation(
                    "track",
                    "a case converts to a report (regular) or, from registered, to an own-initiative investigation",
                ))
            }
        }
        self.forms("forms", &forms, false)?;
        if let Some(r) = &respondent {
            check_respondent(r)?;
        }
        let own = track == Track::OwnInitiative;
        if own && (reporter.is_some() || state.has_reporter) {
            return Err(DomainError::validation(
                "reporter",
                "an own-initiative investigation has no reporter: convert a case with a \
                 reporter to a report (regular)",
            ));
        }
        let received_on = state.received_on.unwrap_or(self.today);
        let incident_age_warning = self.incident_age(incident_date, received_on)?;
        if respondent.is_none() && state.respondent.is_none() {
            return Err(DomainError::validation(
                "respondent",
                "name the agency reported",
            ));
        }
        if own && forms.is_empty() && state.forms.is_empty() {
            return Err(DomainError::validation(
                "forms",
                "name at least one form of maladministration",
            ));
        }
        self.iaps_decision(decision.as_ref(), own)?;
        Ok(Converted {
            track,
            reporter,
            respondent,
            forms,
            decision,
            incident_date,
            prior_complaint,
            incident_age_warning,
        })
    }
}

fn check_respondent(r: &Respondent) -> Result<(), DomainError> {
    check_text("respondent.agency_name", &r.agency_name, MAX_TEXT)?;
    if let Some(unit) = &r.unit {
        check_text("respondent.unit", unit, MAX_TEXT)?;
    }
    if let Some(superior) = &r.superior {
        check_text("respondent.superior", superior, MAX_TEXT)?;
    }
    Ok(())
}

/// A short code (a party or action reference, a reference-data code): 1–64 of `a-z 0-9 - _ .`.
fn check_code(field: &'static str, code: &str) -> Result<(), DomainError> {
    let ok = (1..=64).contains(&code.len())
        && code.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        });
    if !ok {
        return Err(DomainError::validation(
            field,
            format!("{code:?} is not a code: 1–64 of a-z, 0-9, '-', '_', '.'"),
        ));
    }
    Ok(())
}

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

/// All sealed fields of a command use the case's data key (for a report: one key for all).
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
pub(crate) fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), DomainError> {
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
