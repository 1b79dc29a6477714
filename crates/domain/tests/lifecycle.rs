//! Given/when/then tests of each command: what it records when accepted, and each condition
//! and validation that refuses it.
#![allow(clippy::unwrap_used)]

mod support;

use ombud_domain::event::*;
use ombud_domain::*;
use support::*;

fn data(result: Result<Event, DomainError>) -> EventData {
    match result {
        Ok(event) => event.data,
        Err(e) => panic!("refused: {e}"),
    }
}

fn validation_field(result: Result<Event, DomainError>) -> &'static str {
    match result {
        Err(DomainError::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn unmet(result: Result<Event, DomainError>) -> Requirement {
    match result {
        Err(DomainError::Unmet { requirement, .. }) => requirement,
        other => panic!("expected an unmet requirement, got {other:?}"),
    }
}

// ---- report ---------------------------------------------------------------------------------

#[test]
fn report_opens_a_received_case_with_a_reference_and_the_actor() {
    let s = Scenario::new();
    let event = s.when(Role::Intake, report()).unwrap();
    assert_eq!(event.case_id, case_id());
    assert_eq!(event.office.as_str(), OFFICE);
    assert_eq!(event.actor.as_str(), "pvl.rina");
    assert_eq!(event.role, Role::Intake);
    let EventData::Reported(d) = &event.data else {
        panic!("{event:?}")
    };
    assert_eq!(d.reference.as_str(), "JAWA-BARAT/2026/2D1E0F42");
    assert_eq!(d.taxonomy_version, "2026.1");
    assert!(!d.incident_age_warning);
    let state = evolve(CaseState::default(), &event);
    assert_eq!(state.status, Status::Received);
    assert!(state.confidential);
    assert_eq!(state.data_key, Some(KeyId::for_case(case_id())));
    assert_eq!(state.version, 1);
}

#[test]
fn own_initiative_starts_under_examination_without_a_reporter() {
    let mut body = report_body();
    body.channel = Channel::OwnInitiative;
    body.track = Track::OwnInitiative;
    body.reporter = None;
    let mut s = Scenario::new();
    s.given(Role::Supervisor, CommandBody::Report(Box::new(body)));
    assert_eq!(s.state.status, Status::UnderExamination);
}

#[test]
fn a_supervisor_or_chair_reports_only_own_initiative_cases() {
    let s = Scenario::new();
    for role in [Role::Supervisor, Role::Chair] {
        assert!(matches!(
            s.when(role, report()),
            Err(DomainError::NotPermitted { .. })
        ));
    }
}

#[test]
fn an_old_incident_is_warned_about_not_refused() {
    let mut body = report_body();
    body.incident_date = Some(d("2024-08-31"));
    let EventData::Reported(r) =
        data(Scenario::new().when(Role::Intake, CommandBody::Report(Box::new(body))))
    else {
        panic!()
    };
    assert!(r.incident_age_warning);
    let mut body = report_body();
    body.incident_date = Some(d("2024-09-01"));
    let EventData::Reported(r) =
        data(Scenario::new().when(Role::Intake, CommandBody::Report(Box::new(body))))
    else {
        panic!()
    };
    assert!(
        !r.incident_age_warning,
        "exactly two years is not over two years"
    );
}

#[test]
fn report_validation_names_the_field() {
    let s = Scenario::new();
    let with = |f: &dyn Fn(&mut command::ReportCase)| {
        let mut body = report_body();
        f(&mut body);
        validation_field(s.when(Role::Intake, CommandBody::Report(Box::new(body))))
    };
    assert_eq!(with(&|b| b.forms.clear()), "forms");
    assert_eq!(
        with(&|b| b.forms = vec![FormCode::parse("bribery").unwrap()]),
        "forms"
    );
    assert_eq!(
        with(&|b| b.forms = vec![FormCode::parse("undue_delay").unwrap(); 2]),
        "forms"
    );
    assert_eq!(with(&|b| b.channel = Channel::Sp4nLapor), "external_ref");
    assert_eq!(
        with(&|b| b.incident_date = Some(d("2026-09-02"))),
        "incident_date"
    );
    assert_eq!(with(&|b| b.track = Track::OwnInitiative), "track");
    assert_eq!(with(&|b| b.channel = Channel::OwnInitiative), "track");
    assert_eq!(with(&|b| b.reporter = None), "reporter");
    assert_eq!(
        with(&|b| b.respondent.agency_name = "  ".into()),
        "respondent.agency_name"
    );
    assert_eq!(
        with(&|b| b.summary = sealed_under(KeyId::parse("other").unwrap(), 2)),
        "summary"
    );
}

#[test]
fn sp4n_reports_keep_their_tracking_id() {
    let mut body = report_body();
    body.channel = Channel::Sp4nLapor;
    body.external_ref = Some("LAPOR-6789012".into());
    let EventData::Reported(r) =
        data(Scenario::new().when(Role::Intake, CommandBody::Report(Box::new(body))))
    else {
        panic!()
    };
    assert_eq!(r.external_ref.as_deref(), Some("LAPOR-6789012"));
}

#[test]
fn a_case_is_reported_once() {
    let s = Scenario::at(Status::Received);
    assert_eq!(
        s.when(Role::Intake, report()),
        Err(DomainError::InvalidTransition {
            state: Status::Received,
            action: Action::Command(CommandKind::Report)
        })
    );
}

#[test]
fn intake_of_another_office_cannot_report_for_this_office() {
    let s = Scenario::new();
    assert!(matches!(
        s.when_by(actor_in(Role::Intake, "jawa-timur"), report()),
        Err(DomainError::OutsideOffice { .. })
    ));
}

// ---- completion -----------------------------------------------------------------------------

#[test]
fn completion_request_starts_a_thirty_day_clock_that_completion_stops() {
    let mut s = Scenario::at(Status::Received);
    let event = s.given(
        Role::Intake,
        CommandBody::RequestCompletion { missing: sealed(4) },
    );
    let EventData::CompletionRequested(d) = event.data else {
        panic!()
    };
    assert_eq!(d.deadline.clock, ClockKind::Completion);
    assert_eq!(d.deadline.starts_on, support::d("2026-09-01"));
    assert_eq!(d.deadline.due_on, support::d("2026-10-01"));
    assert_eq!(d.deadline.calendar_version, "test-2026.1");
    assert_eq!(s.state.status, Status::AwaitingCompletion);
    assert_eq!(s.state.running_clocks().len(), 1);
    s.given(Role::Intake, CommandBody::Complete { note: None });
    assert_eq!(s.state.status, Status::Received);
    assert!(s.state.running_clocks().is_empty());
}

#[test]
fn deemed_withdrawn_only_after_the_completion_period() {
    let mut s = Scenario::at(Status::AwaitingCompletion);
    let close = || CommandBody::Close {
        reason: ClosureReason::IncompleteDeemedWithdrawn,
        note: None,
    };
    s.advance_days(30);
    assert_eq!(
        unmet(s.when(Role::System, close())),
        Requirement::PeriodElapsed {
            clock: ClockKind::Completion,
            due_on: d("2026-10-01")
        }
    );
    s.advance_days(1);
    s.given(Role::System, close());
    assert_eq!(s.state.status, Status::Closed);
}

// ---- acceptance and assignment ---------------------------------------------------------------

#[test]
fn accept_names_unit_and_investigator_and_assign_changes_them() {
    let mut s = Scenario::at(Status::Received);
    s.given_action(Role::Supervisor, Action::Command(CommandKind::Accept));
    assert_eq!(s.state.status, Status::UnderExamination);
    assert_eq!(s.state.assignee.as_ref().unwrap().as_str(), "riksa.siti");
    s.given(
        Role::Supervisor,
        CommandBody::Assign {
            assignee: ActorId::parse("riksa.agus").unwrap(),
            unit: Some(UnitCode::parse("riksa-2").unwrap()),
        },
    );
    assert_eq!(s.state.assignee.as_ref().unwrap().as_str(), "riksa.agus");
    assert_eq!(s.state.unit.as_ref().unwrap().as_str(), "riksa-2");
    assert_eq!(s.state.status, Status::UnderExamination);
}

// ---- clarification and summons --------------------------------------------------------------

fn clarification() -> CommandBody {
    CommandBody::RequestClarification {
        addressee: Addressee::Respondent,
        letter_number: "B/123/PW.13/IX/2026".into(),
    }
}

#[test]
fn clarification_rounds_count_and_an_answer_stops_the_clock() {
    let mut s = Scenario::at(Status::UnderExamination);
    let EventData::ClarificationRequested(first) =
        s.given(Role::Investigator, clarification()).data
    else {
        panic!()
    };
    assert_eq!(first.round, 1);
    assert_eq!(first.deadline.due_on, d("2026-09-15"));
    s.advance_days(15);
    let EventData::ClarificationRequested(second) =
        s.given(Role::Investigator, clarification()).data
    else {
        panic!()
    };
    assert_eq!(second.round, 2);
    assert_eq!(
        s.state.clocks.clarification.as_ref().unwrap().due_on,
        d("2026-09-30")
    );
    let EventData::ClarificationAnswered(answer) = s
        .given(
            Role::Investigator,
            CommandBody::AnswerClarification {
                note: Some(sealed(5)),
            },
        )
        .data
    else {
        panic!()
    };
    assert_eq!(answer.round, 2);
    assert!(s.state.running_clocks().is_empty());
    assert_eq!(
        unmet(s.when(
            Role::Investigator,
            CommandBody::AnswerClarification { note: None }
        )),
        Requirement::OpenClarification
    );
}

#[test]
fn a_blank_letter_number_is_refused() {
    let s = Scenario::at(Status::UnderExamination);
    let body = CommandBody::RequestClarification {
        addressee: Addressee::Superior,
        letter_number: " ".into(),
    };
    assert_eq!(
        validation_field(s.when(Role::Investigator, body)),
        "letter_number"
    );
}

fn escalate(kind: EscalationKind, target: Option<&str>) -> CommandBody {
    CommandBody::Escalate {
        kind,
        reason: sealed(3),
        target: target.map(str::to_owned),
    }
}

#[test]
fn police_assistance_needs_three_unanswered_summons() {
    let mut s = Scenario::at(Status::UnderExamination);
    let police = || {
        escalate(
            EscalationKind::PoliceAssistance,
            Some("Polres Tasikmalaya Kota"),
        )
    };
    for have in 0..3 {
        assert_eq!(
            unmet(s.when(Role::Supervisor, police())),
            Requirement::UnansweredSummons { needed: 3, have }
        );
        s.given(Role::Investigator, escalate(EscalationKind::Summons, None));
    }
    assert!(s.when(Role::Supervisor, police()).is_ok());
    // An answer resets the count.
    s.given(Role::Investigator, clarification());
    s.given(
        Role::Investigator,
        CommandBody::AnswerClarification { note: None },
    );
    assert_eq!(s.state.unanswered_summons, 0);
    assert!(matches!(
        unmet(s.when(Role::Supervisor, police())),
        Requirement::UnansweredSummons { have: 0, .. }
    ));
}

#[test]
fn to_superior_records_the_target() {
    let s = Scenario::at(Status::CorrectiveAction);
    let EventData::Escalated(e) = data(s.when(
        Role::Investigator,
        escalate(EscalationKind::ToSuperior, Some("Wali Kota Tasikmalaya")),
    )) else {
        panic!()
    };
    assert_eq!(e.kind, EscalationKind::ToSuperior);
    assert_eq!(e.target.as_deref(), Some("Wali Kota Tasikmalaya"));
}

// ---- transfer --------------------------------------------------------------------------------

#[test]
fn transfer_moves_the_case_to_another_office() {
    let mut s = Scenario::at(Status::UnderExamination);
    assert_eq!(
        validation_field(s.when(
            Role::Supervisor,
            escalate(EscalationKind::TransferOffice, None)
        )),
        "target"
    );
    assert_eq!(
        validation_field(s.when(
            Role::Supervisor,
            escalate(EscalationKind::TransferOffice, Some("Kantor Pusat"))
        )),
        "target"
    );
    assert!(matches!(
        unmet(s.when(
            Role::Supervisor,
            escalate(EscalationKind::TransferOffice, Some(OFFICE))
        )),
        Requirement::DifferentOffice(_)
    ));
    let event = s.given(
        Role::Supervisor,
        escalate(EscalationKind::TransferOffice, Some("pusat")),
    );
    assert_eq!(
        event.office.as_str(),
        OFFICE,
        "the transfer itself is the old office's act"
    );
    assert_eq!(s.state.office.as_ref().unwrap().as_str(), "pusat");
    let note = CommandBody::AddNote { note: sealed(1) };
    assert!(matches!(
        s.when(Role::Investigator, note.clone()),
        Err(DomainError::OutsideOffice { .. })
    ));
    let by_pusat = s
        .when_by(actor_in(Role::Investigator, "pusat"), note)
        .unwrap();
    assert_eq!(by_pusat.office.as_str(), "pusat");
}

// ---- mediation -------------------------------------------------------------------------------

#[test]
fn an_agreed_mediation_records_terms_and_allows_settlement() {
    let mut s = Scenario::at(Status::InMediation);
    assert_eq!(
        validation_field(s.when(
            Role::Investigator,
            CommandBody::Mediate {
                outcome: MediationOutcome::Agreed,
                terms: None
            }
        )),
        "terms"
    );
    assert_eq!(
        validation_field(s.when(
            Role::Investigator,
            CommandBody::Mediate {
                outcome: MediationOutcome::Failed,
                terms: Some(sealed(2))
            }
        )),
        "terms"
    );
    s.given(
        Role::Investigator,
        CommandBody::Mediate {
            outcome: MediationOutcome::Agreed,
            terms: Some(sealed(2)),
        },
    );
    assert_eq!(s.state.status, Status::UnderExamination);
    assert!(s.state.agreement_on_record);
    s.given(
        Role::Investigator,
        CommandBody::Close {
            reason: ClosureReason::SettledByMediation,
            note: None,
        },
    );
    assert_eq!(s.state.status, Status::Closed);
}

#[test]
fn settlement_needs_an_agreement_on_record() {
    let mut s = Scenario::at(Status::InMediation);
    s.given(
        Role::Investigator,
        CommandBody::Mediate {
            outcome: MediationOutcome::Failed,
            terms: None,
        },
    );
    let settle = CommandBody::Close {
        reason: ClosureReason::SettledByMediation,
        note: None,
    };
    assert_eq!(
        unmet(s.when(Role::Investigator, settle)),
        Requirement::AgreementOnRecord
    );
}

// ---- conclusion ------------------------------------------------------------------------------

#[test]
fn a_finding_starts_thirty_working_days_across_weekends_and_holidays() {
    let mut s = Scenario::at(Status::UnderExamination);
    let EventData::Concluded(c) = s.given(Role::Investigator, found()).data else {
        panic!()
    };
    let deadline = c.deadline.unwrap();
    // From Tue 2026-09-01: 30 working days, skipping weekends and the test holidays
    // 2026-09-25 and 2026-10-01, end on Thu 2026-10-15.
    assert_eq!(deadline.unit, DayUnit::WorkingDays);
    assert_eq!(deadline.due_on, d("2026-10-15"));
    assert_eq!(s.state.status, Status::CorrectiveAction);
}

#[test]
fn conclusion_fields_match_the_finding_and_happen_once() {
    let mut s = Scenario::at(Status::UnderExamination);
    let found_without = CommandBody::Conclude {
        finding: Finding::Found,
        corrective_actions: None,
    };
    assert_eq!(
        validation_field(s.when(Role::Investigator, found_without)),
        "corrective_actions"
    );
    let not_found_with = CommandBody::Conclude {
        finding: Finding::NotFound,
        corrective_actions: Some(sealed(1)),
    };
    assert_eq!(
        validation_field(s.when(Role::Investigator, not_found_with)),
        "corrective_actions"
    );
    s.given(
        Role::Supervisor,
        CommandBody::Conclude {
            finding: Finding::NotFound,
            corrective_actions: None,
        },
    );
    assert_eq!(s.state.status, Status::UnderExamination);
    assert_eq!(
        unmet(s.when(Role::Investigator, found())),
        Requirement::AlreadyConcluded(Finding::NotFound)
    );
}

#[test]
fn closing_after_examination_needs_the_matching_conclusion() {
    let mut s = Scenario::at(Status::UnderExamination);
    let close = |reason| CommandBody::Close { reason, note: None };
    assert_eq!(
        unmet(s.when(
            Role::Investigator,
            close(ClosureReason::NoMaladministration)
        )),
        Requirement::Conclusion {
            needed: Finding::NotFound
        }
    );
    assert_eq!(
        unmet(s.when(Role::Investigator, close(ClosureReason::ExaminationStopped))),
        Requirement::Conclusion {
            needed: Finding::Stopped
        }
    );
    s.given(
        Role::Investigator,
        CommandBody::Conclude {
            finding: Finding::Stopped,
            corrective_actions: None,
        },
    );
    assert!(s
        .when(
            Role::Investigator,
            close(ClosureReason::NoMaladministration)
        )
        .is_err());
    s.given(Role::Investigator, close(ClosureReason::ExaminationStopped));
    assert_eq!(s.state.status, Status::Closed);
}

// ---- resolution and recommendation ---------------------------------------------------------

#[test]
fn resolution_stops_the_corrective_action_clock() {
    let mut s = Scenario::at(Status::CorrectiveAction);
    assert_eq!(s.state.running_clocks().len(), 1);
    s.given(
        Role::Supervisor,
        escalate(EscalationKind::ToResolution, None),
    );
    assert_eq!(s.state.status, Status::InResolution);
    assert!(s.state.running_clocks().is_empty());
}

#[test]
fn only_the_chair_recommends_and_only_after_a_referral() {
    let mut s = Scenario::at(Status::InResolution);
    let recommend = || CommandBody::Recommend {
        addressee: "Wali Kota Tasikmalaya".into(),
        content: sealed(5),
    };
    for role in [Role::Supervisor, Role::Investigator] {
        assert!(matches!(
            s.when(role, recommend()),
            Err(DomainError::NotPermitted { .. })
        ));
    }
    assert_eq!(
        unmet(s.when(Role::Chair, recommend())),
        Requirement::ReferredForRecommendation
    );
    s.given(
        Role::Supervisor,
        escalate(EscalationKind::ToRecommendation, None),
    );
    assert_eq!(
        unmet(s.when(
            Role::Chair,
            escalate(EscalationKind::ToRecommendation, None)
        )),
        Requirement::AlreadyReferred
    );
    let EventData::RecommendationIssued(r) = s.given(Role::Chair, recommend()).data else {
        panic!()
    };
    assert_eq!(r.deadline.due_on, d("2026-10-31"));
    assert_eq!(s.state.status, Status::Recommendation);
}

#[test]
fn publication_and_report_to_parliament_wait_for_the_sixty_days() {
    let mut s = Scenario::at(Status::Recommendation);
    for kind in [
        EscalationKind::Publication,
        EscalationKind::ReportToParliamentAndPresident,
    ] {
        assert_eq!(
            unmet(s.when(Role::Chair, escalate(kind, None))),
            Requirement::PeriodElapsed {
                clock: ClockKind::Recommendation,
                due_on: d("2026-10-31")
            }
        );
    }
    s.advance_days(61);
    s.given(Role::Chair, escalate(EscalationKind::Publication, None));
    s.given(
        Role::Chair,
        escalate(EscalationKind::ReportToParliamentAndPresident, None),
    );
    s.given(
        Role::Chair,
        CommandBody::Close {
            reason: ClosureReason::RecommendationNotImplemented,
            note: None,
        },
    );
    assert_eq!(s.state.status, Status::Closed);
}

// ---- closing, reopening, notes, erasure ------------------------------------------------------

#[test]
fn reopen_returns_to_the_state_before_closing() {
    let mut s = Scenario::at(Status::InMediation);
    s.given(
        Role::Investigator,
        CommandBody::Close {
            reason: ClosureReason::WithdrawnByReporter,
            note: Some(sealed(3)),
        },
    );
    assert!(s.state.running_clocks().is_empty());
    assert!(matches!(
        s.when(
            Role::Investigator,
            CommandBody::Reopen { reason: sealed(4) }
        ),
        Err(DomainError::NotPermitted { .. })
    ));
    s.given(Role::Supervisor, CommandBody::Reopen { reason: sealed(4) });
    assert_eq!(s.state.status, Status::InMediation);
}

#[test]
fn reopening_an_examination_lifts_its_earlier_conclusion() {
    let mut s = Scenario::at(Status::UnderExamination);
    s.given(
        Role::Investigator,
        CommandBody::Conclude {
            finding: Finding::NotFound,
            corrective_actions: None,
        },
    );
    s.given(
        Role::Investigator,
        CommandBody::Close {
            reason: ClosureReason::NoMaladministration,
            note: None,
        },
    );
    s.given(Role::Supervisor, CommandBody::Reopen { reason: sealed(4) });
    assert_eq!(s.state.conclusion, None);
    assert!(s.when(Role::Investigator, found()).is_ok());
}

#[test]
fn running_clocks_pause_while_closed_and_show_again_after_reopening() {
    let mut s = Scenario::at(Status::CorrectiveAction);
    s.given(
        Role::Supervisor,
        CommandBody::Close {
            reason: ClosureReason::WithdrawnByReporter,
            note: None,
        },
    );
    assert!(s.state.running_clocks().is_empty());
    s.given(Role::Supervisor, CommandBody::Reopen { reason: sealed(4) });
    assert_eq!(
        s.state.running_clocks()[0].clock,
        ClockKind::CorrectiveAction
    );
}

#[test]
fn notes_are_sealed_under_the_case_key() {
    let s = Scenario::at(Status::Closed);
    assert!(s
        .when(Role::Intake, CommandBody::AddNote { note: sealed(1) })
        .is_ok());
    let foreign = CommandBody::AddNote {
        note: sealed_under(KeyId::parse("k2").unwrap(), 1),
    };
    assert_eq!(validation_field(s.when(Role::Intake, foreign)), "note");
}

#[test]
fn erasure_names_the_case_key_and_happens_once() {
    let mut s = Scenario::at(Status::Closed);
    let erase = || CommandBody::ErasePersonalData {
        request_ref: "PDP/2026/001".into(),
    };
    let EventData::PersonalDataErased(e) = s.given(Role::Dpo, erase()).data else {
        panic!()
    };
    assert_eq!(e.key_id, KeyId::for_case(case_id()));
    assert!(s.state.personal_data_erased);
    assert_eq!(validation_field(s.when(Role::Dpo, erase())), "request_ref");
}

#[test]
fn refusals_say_what_and_why() {
    let s = Scenario::at(Status::Received);
    let err = s
        .when(Role::Investigator, escalate(EscalationKind::Summons, None))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot escalate (summons): the case is received"
    );
    let err = s
        .when(Role::Auditor, CommandBody::AddNote { note: sealed(1) })
        .unwrap_err();
    assert_eq!(err.to_string(), "the auditor role may not add a note");
}
