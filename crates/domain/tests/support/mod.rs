//! Given/when/then helpers for the domain's tests: actors of each role, sealed placeholders,
//! a calendar with holidays, and a [`Scenario`] that drives one case through `decide` and
//! `evolve` the way the service will.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use ombud_domain::command::ReportCase;
use ombud_domain::event::{ReporterData, Respondent};
use ombud_domain::sealed::Bytes;
use ombud_domain::*;

pub const OFFICE: &str = "jawa-barat";
/// 2026-09-01 09:00 WIB.
pub const T0: &str = "2026-09-01T02:00:00Z";

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Rules with a holiday calendar: 2026-09-25 (a Friday) is a holiday in this test calendar.
pub fn rules() -> Arc<Rules> {
    let mut calendar = WorkingCalendar::weekends_only("test-2026.1");
    calendar.holidays.insert(d("2026-09-25"));
    calendar.holidays.insert(d("2026-10-01"));
    Arc::new(Rules {
        calendar,
        ..Rules::default()
    })
}

pub fn actor_in(role: Role, office: &str) -> Actor {
    ombud_testkit::people::actor(role, office)
}

pub fn actor(role: Role) -> Actor {
    actor_in(role, OFFICE)
}

pub fn case_id() -> CaseId {
    CaseId::parse("01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42").unwrap()
}

/// A placeholder ciphertext under the case's key (the domain never looks inside).
pub fn sealed(tag: u8) -> Sealed {
    sealed_under(KeyId::for_case(case_id()), tag)
}

pub fn sealed_under(key_id: KeyId, tag: u8) -> Sealed {
    Sealed {
        key_id,
        nonce: Bytes(vec![tag; 24]),
        ciphertext: Bytes(vec![tag; 20]),
    }
}

pub fn respondent() -> Respondent {
    Respondent {
        agency_code: AgencyCode::parse("disdukcapil-kota-tasikmalaya").unwrap(),
        agency_name: "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya".into(),
        unit: Some("Layanan KTP-el".into()),
        superior: Some("Wali Kota Tasikmalaya".into()),
    }
}

pub fn form(code: &str) -> FormCode {
    FormCode::parse(code).unwrap()
}

pub fn report_body() -> ReportCase {
    ReportCase {
        office: OfficeCode::parse(OFFICE).unwrap(),
        channel: Channel::WalkIn,
        external_ref: None,
        track: Track::Regular,
        received_on: None,
        reporter: Some(ReporterData {
            confidential: true,
            identity: sealed(1),
        }),
        respondent: Some(respondent()),
        forms: vec![form("undue_delay")],
        incident_date: Some(d("2026-06-15")),
        prior_complaint: true,
        summary: sealed(2),
        criteria: Vec::new(),
        decision: None,
    }
}

pub fn report() -> CommandBody {
    CommandBody::Report(Box::new(report_body()))
}

/// A report on another track, with what that track carries.
pub fn report_on(track: Track) -> CommandBody {
    let mut r = report_body();
    r.track = track;
    match track {
        Track::Consultation => {
            r.forms.clear();
            r.respondent = None;
        }
        Track::CarbonCopy => {
            r.forms.clear();
            r.reporter = None;
        }
        Track::RapidResponse => r.criteria = vec![taxonomy::RcoCriterion::Emergency],
        Track::OwnInitiative => {
            r.reporter = None;
            r.channel = Channel::OwnInitiative;
            r.decision = Some(decision());
        }
        Track::Regular => {}
    }
    CommandBody::Report(Box::new(r))
}

pub fn decision() -> event::Decision {
    event::Decision {
        number: "PLENO/2026/31".into(),
        date: d("2026-09-01"),
    }
}

/// A post letter dated `date`, received on `received` if given.
pub fn letter_on(date: &str, received: Option<&str>) -> Letter {
    Letter {
        via: Via::Post,
        number: Some("B/123/PW.13/IX/2026".into()),
        date: d(date),
        received_on: received.map(d),
    }
}

/// A post letter dated T0's day and received that day.
pub fn letter() -> Letter {
    letter_on("2026-09-01", Some("2026-09-01"))
}

pub fn found_conclusion() -> event::Conclusion {
    event::Conclusion::Found {
        forms_found: vec![form("undue_delay")],
        corrective_actions: vec![event::CorrectiveAction {
            id: "1".into(),
            addressee: taxonomy::ActionAddressee::Respondent,
            name: None,
            action: sealed(8),
        }],
    }
}

pub fn propose(conclusion: event::Conclusion) -> CommandBody {
    CommandBody::ProposeConclusion {
        conclusion,
        summary: None,
    }
}

/// A valid body for any action (fields chosen to pass validation where the state allows).
pub fn body_for(action: Action) -> CommandBody {
    use CommandKind as K;
    match action {
        Action::Close(reason) => CommandBody::Close {
            reason,
            pleno: Some(decision()),
            letter: Some(letter()),
            note: None,
        },
        Action::Command(kind) => match kind {
            K::Report => report(),
            K::Convert => CommandBody::Convert(Box::new(command::ConvertCase {
                track: Track::Regular,
                reporter: None,
                respondent: Some(respondent()),
                forms: vec![form("undue_delay")],
                decision: None,
                incident_date: None,
                prior_complaint: None,
            })),
            K::Verify => CommandBody::Verify {
                stage: taxonomy::VerificationStage::Formal,
                passed: true,
                note: None,
            },
            K::RequestCompletion => CommandBody::RequestCompletion {
                missing: sealed(4),
                letter: letter(),
            },
            K::Complete => CommandBody::Complete {
                received_on: d("2026-09-01"),
                note: None,
            },
            K::Accept => CommandBody::Accept {
                pleno: decision(),
                unit: UnitCode::parse("riksa-1").unwrap(),
                assignee: ActorId::parse("riksa.siti").unwrap(),
            },
            K::Classify => CommandBody::Classify {
                forms: vec![form("undue_delay")],
                substance: Some("administrasi_kependudukan".into()),
                agency_group: None,
                reporter_kind: None,
                represented_by: None,
            },
            K::Assign => CommandBody::Assign {
                assignee: ActorId::parse("riksa.agus").unwrap(),
                unit: None,
            },
            K::Transfer => CommandBody::Transfer {
                to_office: OfficeCode::parse("pusat").unwrap(),
                reason: sealed(3),
            },
            K::RequestClarification => CommandBody::RequestClarification {
                addressee: Addressee::Respondent,
                purpose: taxonomy::Purpose::Clarification,
                letter: letter(),
            },
            K::AnswerClarification => CommandBody::AnswerClarification {
                outcome: taxonomy::AnswerOutcome::Answered,
                received_on: Some(d("2026-09-01")),
                note: None,
            },
            K::Summon => CommandBody::Summon {
                party: command::PartyInput {
                    kind: taxonomy::SummonsParty::Respondent,
                    party_ref: "kepala-dinas".into(),
                    name: sealed(9),
                },
                appointment_at: d("2026-09-08").and_hms_opt(9, 0, 0).unwrap(),
                letter: letter(),
            },
            K::RecordAttendance => CommandBody::RecordAttendance {
                summons: 1,
                note: None,
            },
            K::RecordAbsence => CommandBody::RecordAbsence {
                summons: 1,
                valid_reason: false,
                note: None,
            },
            K::RequestPoliceAssistance => CommandBody::RequestPoliceAssistance {
                party_ref: "kepala-dinas".into(),
                police_unit: "Polda Jawa Barat".into(),
                letter: letter(),
            },
            K::RecordActivity => CommandBody::RecordActivity {
                kind: taxonomy::ActivityKind::FieldCheck,
                date: d("2026-09-01"),
                outcome: sealed(10),
            },
            K::StartMediation => CommandBody::StartMediation {
                method: taxonomy::MediationMethod::Mediation,
                note: None,
            },
            K::Mediate => CommandBody::Mediate {
                outcome: MediationOutcome::Failed,
                terms: None,
            },
            K::ProposeConclusion => propose(event::Conclusion::NotFound),
            K::ReturnConclusion => CommandBody::ReturnConclusion { reason: sealed(11) },
            K::ApproveConclusion => CommandBody::ApproveConclusion {
                review_date: d("2026-09-01"),
            },
            K::NotifyConclusion => CommandBody::NotifyConclusion { letter: letter() },
            K::RecordReporterResponse => CommandBody::RecordReporterResponse {
                received_on: d("2026-09-01"),
                argued: false,
                note: None,
            },
            K::IssueLhp => CommandBody::IssueLhp { letter: letter() },
            K::ReportCorrectiveAction => CommandBody::ReportCorrectiveAction {
                reports: vec![event::ActionReport {
                    action_id: "1".into(),
                    status: taxonomy::ActionStatus::Done,
                }],
                received_on: d("2026-09-01"),
                note: None,
            },
            K::ReferToResolution => CommandBody::ReferToResolution {
                ground: taxonomy::ResolutionGround::RefusedByRespondent,
                note: None,
            },
            K::ReturnLhpFile => CommandBody::ReturnLhpFile {
                missing: sealed(12),
            },
            K::CompleteLhpFile => CommandBody::CompleteLhpFile { note: None },
            K::ReferToRecommendation => CommandBody::ReferToRecommendation { note: None },
            K::Recommend => CommandBody::Recommend {
                addressee: "Wali Kota Tasikmalaya".into(),
                content: sealed(5),
                letter: letter(),
            },
            K::RecordDelivery => CommandBody::RecordDelivery {
                received_on: d("2026-09-01"),
            },
            K::ReportImplementation => CommandBody::ReportImplementation {
                report: taxonomy::ImplementationReport::Partial,
                letter: letter(),
            },
            K::AssessImplementation => CommandBody::AssessImplementation {
                assessment: taxonomy::Assessment::NotImplemented,
                reasons_acceptable: false,
                note: None,
            },
            K::Publish => CommandBody::Publish { note: None },
            K::ReportToDprAndPresident => CommandBody::ReportToDprAndPresident {
                letter: None,
                note: None,
            },
            K::Reopen => CommandBody::Reopen { reason: sealed(6) },
            K::RecordLetterReceipt => CommandBody::RecordLetterReceipt {
                letter_of: 2,
                received_on: d("2026-09-01"),
            },
            K::AddNote => CommandBody::AddNote { note: sealed(7) },
            K::ProposeAction => CommandBody::ProposeAction {
                action: taxonomy::ProposedAction::IssueLhp,
                clock: ClockKind::ReporterResponse,
            },
            K::DismissProposal => CommandBody::DismissProposal {
                proposal: 1,
                reason: sealed(13),
            },
            K::ErasePersonalData => CommandBody::ErasePersonalData {
                request_ref: "PDP/2026/001".into(),
            },
            K::RequestErasure => CommandBody::RequestErasure {
                request_ref: "PDP/2026/001".into(),
            },
            K::ApproveErasure => CommandBody::ApproveErasure {
                request_ref: "PDP/2026/001".into(),
            },
            K::RefuseErasure => CommandBody::RefuseErasure {
                request_ref: "PDP/2026/001".into(),
                reason: sealed(8),
            },
            K::Close => unreachable!("named by Action"),
        },
    }
}

/// One case driven through decide/evolve, with a clock the test moves.
#[derive(Clone)]
pub struct Scenario {
    pub state: CaseState,
    pub events: Vec<Event>,
    pub now: Timestamp,
    pub rules: Arc<Rules>,
}

impl Scenario {
    pub fn new() -> Self {
        Scenario {
            state: CaseState::default(),
            events: Vec::new(),
            now: Timestamp::parse(T0).unwrap(),
            rules: rules(),
        }
    }

    /// A case reported and walked to `status` along the main path of `docs/procedure.md`.
    pub fn at(status: Status) -> Self {
        let mut s = Scenario::new();
        match status {
            Status::Unreported => return s,
            Status::Registered => {
                s.given(Role::Intake, report_on(Track::Consultation));
            }
            Status::RapidResponse => {
                s.given(Role::Intake, report_on(Track::RapidResponse));
            }
            Status::Closed => {
                s.given(Role::Intake, report());
                s.given(
                    Role::Intake,
                    CommandBody::Close {
                        reason: ClosureReason::WithdrawnByReporter,
                        pleno: None,
                        letter: None,
                        note: None,
                    },
                );
            }
            Status::Received | Status::AwaitingCompletion => {
                s.given(Role::Intake, report());
                if status == Status::AwaitingCompletion {
                    s.given_action(
                        Role::Intake,
                        Action::Command(CommandKind::RequestCompletion),
                    );
                }
            }
            _ => {
                s.examined();
                match status {
                    Status::UnderExamination => {}
                    Status::InMediation => s.given_action(
                        Role::Investigator,
                        Action::Command(CommandKind::StartMediation),
                    ),
                    Status::AwaitingClosure => {
                        s.lhp(event::Conclusion::NotFound);
                        s.responded_and_issued();
                    }
                    _ => {
                        s.lhp(found_conclusion());
                        if status != Status::AwaitingReporterResponse {
                            s.responded_and_issued();
                        }
                        if matches!(status, Status::InResolution | Status::Recommendation) {
                            s.given(
                                Role::Investigator,
                                CommandBody::ReportCorrectiveAction {
                                    reports: vec![event::ActionReport {
                                        action_id: "1".into(),
                                        status: taxonomy::ActionStatus::Refused,
                                    }],
                                    received_on: d("2026-09-01"),
                                    note: None,
                                },
                            );
                            s.given_action(
                                Role::UnitHead,
                                Action::Command(CommandKind::ReferToResolution),
                            );
                        }
                        if status == Status::Recommendation {
                            s.given_action(
                                Role::OfficeHead,
                                Action::Command(CommandKind::ReferToRecommendation),
                            );
                            s.given_action(Role::Chair, Action::Command(CommandKind::Recommend));
                        }
                    }
                }
            }
        }
        assert_eq!(s.state.status, status, "scenario did not reach {status}");
        s
    }

    /// Reported, both checks passed, accepted: under examination.
    pub fn examined(&mut self) -> &mut Self {
        self.given(Role::Intake, report());
        self.verified();
        self.given_action(Role::UnitHead, Action::Command(CommandKind::Accept));
        self
    }

    /// Both checks passed.
    pub fn verified(&mut self) -> &mut Self {
        self.verified_by(actor(Role::Intake))
    }

    /// Both checks passed, by `intake`.
    pub fn verified_by(&mut self, intake: Actor) -> &mut Self {
        for stage in [
            taxonomy::VerificationStage::Formal,
            taxonomy::VerificationStage::Material,
        ] {
            self.given_by(
                intake.clone(),
                CommandBody::Verify {
                    stage,
                    passed: true,
                    note: None,
                },
            );
        }
        self
    }

    /// Proposed, approved and notified: awaiting the reporter's response.
    pub fn lhp(&mut self, conclusion: event::Conclusion) -> &mut Self {
        self.given(Role::Investigator, propose(conclusion));
        self.given_action(
            Role::OfficeHead,
            Action::Command(CommandKind::ApproveConclusion),
        );
        self.given_action(
            Role::Investigator,
            Action::Command(CommandKind::NotifyConclusion),
        );
        self
    }

    /// The reporter answered and the LHP was issued.
    pub fn responded_and_issued(&mut self) -> &mut Self {
        self.given_action(
            Role::Investigator,
            Action::Command(CommandKind::RecordReporterResponse),
        );
        self.given_action(Role::OfficeHead, Action::Command(CommandKind::IssueLhp));
        self
    }

    pub fn advance_days(&mut self, days: i64) -> &mut Self {
        self.now = Timestamp::from_datetime(self.now.as_datetime() + Duration::days(days));
        self
    }

    pub fn command(&self, actor: Actor, body: CommandBody) -> Command {
        Command {
            case_id: case_id(),
            actor,
            at: self.now,
            rules: self.rules.clone(),
            body,
        }
    }

    /// Decides without recording.
    pub fn when_by(&self, actor: Actor, body: CommandBody) -> Result<Event, DomainError> {
        decide(&self.state, self.command(actor, body))
    }

    pub fn when(&self, role: Role, body: CommandBody) -> Result<Event, DomainError> {
        self.when_by(actor(role), body)
    }

    pub fn when_action(&self, role: Role, action: Action) -> Result<Event, DomainError> {
        self.when(role, body_for(action))
    }

    /// Decides and records; the command must be accepted.
    pub fn given_by(&mut self, actor: Actor, body: CommandBody) -> Event {
        let event = match self.when_by(actor, body.clone()) {
            Ok(event) => event,
            Err(e) => panic!(
                "given {:?} in {} was refused: {e}",
                body.kind(),
                self.state.status
            ),
        };
        self.state = evolve(self.state.clone(), &event);
        self.events.push(event.clone());
        event
    }

    pub fn given(&mut self, role: Role, body: CommandBody) -> Event {
        self.given_by(actor(role), body)
    }

    pub fn given_action(&mut self, role: Role, action: Action) {
        self.given(role, body_for(action));
    }

    pub fn given_action_event(&mut self, role: Role, action: Action) -> Event {
        self.given(role, body_for(action))
    }
}

pub fn found() -> CommandBody {
    propose(found_conclusion())
}
