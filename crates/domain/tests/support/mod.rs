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

pub fn report_body() -> ReportCase {
    ReportCase {
        office: OfficeCode::parse(OFFICE).unwrap(),
        channel: Channel::WalkIn,
        external_ref: None,
        track: Track::Regular,
        reporter: Some(ReporterData {
            confidential: true,
            identity: sealed(1),
        }),
        respondent: Respondent {
            agency_code: AgencyCode::parse("disdukcapil-kota-tasikmalaya").unwrap(),
            agency_name: "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya".into(),
            unit: Some("Layanan KTP-el".into()),
            superior: Some("Wali Kota Tasikmalaya".into()),
        },
        forms: vec![FormCode::parse("undue_delay").unwrap()],
        incident_date: Some(d("2026-06-15")),
        prior_complaint: true,
        summary: sealed(2),
    }
}

pub fn report() -> CommandBody {
    CommandBody::Report(Box::new(report_body()))
}

/// A valid body for any action (fields chosen to pass validation where the state allows).
pub fn body_for(action: Action) -> CommandBody {
    match action {
        Action::Escalate(kind) => CommandBody::Escalate {
            kind,
            reason: sealed(3),
            target: match kind {
                EscalationKind::TransferOffice => Some("pusat".into()),
                _ => Some("Wali Kota Tasikmalaya".into()),
            },
        },
        Action::Close(reason) => CommandBody::Close { reason, note: None },
        Action::Command(kind) => match kind {
            CommandKind::Report => report(),
            CommandKind::RequestCompletion => CommandBody::RequestCompletion { missing: sealed(4) },
            CommandKind::Complete => CommandBody::Complete { note: None },
            CommandKind::Accept => CommandBody::Accept {
                unit: UnitCode::parse("riksa-1").unwrap(),
                assignee: ActorId::parse("riksa.siti").unwrap(),
            },
            CommandKind::Assign => CommandBody::Assign {
                assignee: ActorId::parse("riksa.agus").unwrap(),
                unit: None,
            },
            CommandKind::RequestClarification => CommandBody::RequestClarification {
                addressee: Addressee::Respondent,
                letter_number: "B/123/PW.13/IX/2026".into(),
            },
            CommandKind::AnswerClarification => CommandBody::AnswerClarification { note: None },
            CommandKind::StartMediation => CommandBody::StartMediation { note: None },
            CommandKind::Mediate => CommandBody::Mediate {
                outcome: MediationOutcome::Failed,
                terms: None,
            },
            CommandKind::Conclude => CommandBody::Conclude {
                finding: Finding::NotFound,
                corrective_actions: None,
            },
            CommandKind::Recommend => CommandBody::Recommend {
                addressee: "Wali Kota Tasikmalaya".into(),
                content: sealed(5),
            },
            CommandKind::Reopen => CommandBody::Reopen { reason: sealed(6) },
            CommandKind::AddNote => CommandBody::AddNote { note: sealed(7) },
            CommandKind::ErasePersonalData => CommandBody::ErasePersonalData {
                request_ref: "PDP/2026/001".into(),
            },
            CommandKind::RequestErasure => CommandBody::RequestErasure {
                request_ref: "PDP/2026/001".into(),
            },
            CommandKind::ApproveErasure => CommandBody::ApproveErasure {
                request_ref: "PDP/2026/001".into(),
            },
            CommandKind::RefuseErasure => CommandBody::RefuseErasure {
                request_ref: "PDP/2026/001".into(),
                reason: sealed(8),
            },
            CommandKind::Escalate | CommandKind::Close => unreachable!("named by Action"),
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
        if status == Status::Unreported {
            return s;
        }
        s.given(Role::Intake, report());
        match status {
            Status::Received => {}
            Status::AwaitingCompletion => s.given_action(
                Role::Intake,
                Action::Command(CommandKind::RequestCompletion),
            ),
            Status::Closed => {
                s.given(
                    Role::Supervisor,
                    CommandBody::Close {
                        reason: ClosureReason::WithdrawnByReporter,
                        note: None,
                    },
                );
            }
            _ => {
                s.given_action(Role::Supervisor, Action::Command(CommandKind::Accept));
                match status {
                    Status::UnderExamination => {}
                    Status::InMediation => s.given_action(
                        Role::Investigator,
                        Action::Command(CommandKind::StartMediation),
                    ),
                    _ => {
                        s.given(Role::Investigator, found());
                        if status != Status::CorrectiveAction {
                            s.given_action(
                                Role::Supervisor,
                                Action::Escalate(EscalationKind::ToResolution),
                            );
                            if status == Status::Recommendation {
                                s.given_action(
                                    Role::Supervisor,
                                    Action::Escalate(EscalationKind::ToRecommendation),
                                );
                                s.given_action(
                                    Role::Chair,
                                    Action::Command(CommandKind::Recommend),
                                );
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(s.state.status, status, "scenario did not reach {status}");
        s
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
}

pub fn found() -> CommandBody {
    CommandBody::Conclude {
        finding: Finding::Found,
        corrective_actions: Some(sealed(8)),
    }
}
