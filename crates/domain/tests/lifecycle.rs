//! Given/when/then tests of each command of DOMAIN v2: what it records when accepted, and each
//! condition and validation that refuses it (intake tracks, letters and receipt-dated clocks,
//! the LHP, summons, follow-up, closures, reopening, proposals).
#![allow(clippy::unwrap_used)]

mod support;

use ombud_domain::event::*;
use ombud_domain::state::LhpStage;
use ombud_domain::taxonomy::*;
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

fn close(reason: ClosureReason) -> CommandBody {
    CommandBody::Close {
        reason,
        pleno: None,
        letter: Some(letter()),
        note: None,
    }
}

fn letterless_close(reason: ClosureReason) -> CommandBody {
    CommandBody::Close {
        reason,
        pleno: None,
        letter: None,
        note: None,
    }
}

fn receipt(of: u64, on: &str) -> CommandBody {
    CommandBody::RecordLetterReceipt {
        letter_of: of,
        received_on: d(on),
    }
}

fn clarify(letter: Letter) -> CommandBody {
    CommandBody::RequestClarification {
        addressee: Addressee::Respondent,
        purpose: Purpose::Clarification,
        letter,
    }
}

// ---- intake ---------------------------------------------------------------------------------

#[test]
fn a_report_opens_a_received_case_dated_by_its_receipt() {
    let s = Scenario::new();
    let mut body = report_body();
    body.received_on = Some(d("2026-08-30"));
    let event = s
        .when(Role::Intake, CommandBody::Report(Box::new(body)))
        .unwrap();
    let EventData::Reported(r) = &event.data else {
        panic!()
    };
    assert_eq!(r.received_on, Some(d("2026-08-30")));
    assert_eq!(r.reference.as_str(), "JAWA-BARAT/2026/2D1E0F42");
    let state = evolve(CaseState::default(), &event);
    assert_eq!(state.status, Status::Received);
    assert_eq!(state.received_on, Some(d("2026-08-30")));
    // Without a date, today's.
    let EventData::Reported(r) = data(s.when(Role::Intake, report())) else {
        panic!()
    };
    assert_eq!(r.received_on, Some(d("2026-09-01")));
}

#[test]
fn each_track_opens_in_its_state() {
    for (track, role, status) in [
        (Track::Consultation, Role::Intake, Status::Registered),
        (Track::CarbonCopy, Role::Intake, Status::Registered),
        (Track::Regular, Role::Intake, Status::Received),
        (Track::RapidResponse, Role::Intake, Status::RapidResponse),
        (
            Track::OwnInitiative,
            Role::OfficeHead,
            Status::UnderExamination,
        ),
        (Track::OwnInitiative, Role::Member, Status::UnderExamination),
    ] {
        let mut s = Scenario::new();
        s.given(role, report_on(track));
        assert_eq!(s.state.status, status, "{track}");
    }
}

#[test]
fn who_reports_depends_on_the_track() {
    let s = Scenario::new();
    for (track, role) in [
        (Track::OwnInitiative, Role::Intake),
        (Track::Regular, Role::OfficeHead),
        (Track::CarbonCopy, Role::System),
        (Track::Regular, Role::Chair),
    ] {
        assert!(
            matches!(
                s.when(role, report_on(track)),
                Err(DomainError::NotPermitted { .. })
            ),
            "{role} reporting {track}"
        );
    }
}

#[test]
fn a_rapid_response_starts_its_service_target() {
    let mut s = Scenario::new();
    s.given(Role::Intake, report_on(Track::RapidResponse));
    let d3 = s.state.deadline(ClockKind::RcoService).unwrap();
    // 2026-09-01 is a Tuesday: three working days → Friday 4 September.
    assert_eq!(d3.due_on, d("2026-09-04"));
    assert_eq!(d3.unit, DayUnit::WorkingDays);
}

#[test]
fn each_track_carries_what_it_needs() {
    let s = Scenario::new();
    let with = |track: Track, f: &dyn Fn(&mut command::ReportCase)| {
        let CommandBody::Report(mut body) = report_on(track) else {
            unreachable!()
        };
        f(&mut body);
        let role = if track == Track::OwnInitiative {
            Role::OfficeHead
        } else {
            Role::Intake
        };
        validation_field(s.when(role, CommandBody::Report(body)))
    };
    assert_eq!(with(Track::Regular, &|b| b.forms.clear()), "forms");
    assert_eq!(
        with(Track::Regular, &|b| b.forms = vec![form("bribery")]),
        "forms"
    );
    assert_eq!(
        with(Track::Regular, &|b| b.forms = vec![form("undue_delay"); 2]),
        "forms"
    );
    assert_eq!(with(Track::Regular, &|b| b.reporter = None), "reporter");
    assert_eq!(with(Track::Regular, &|b| b.respondent = None), "respondent");
    assert_eq!(
        with(Track::Regular, &|b| b.channel = Channel::Sp4nLapor),
        "external_ref"
    );
    assert_eq!(
        with(Track::Regular, &|b| b.channel = Channel::OwnInitiative),
        "track"
    );
    assert_eq!(
        with(Track::Regular, &|b| b.criteria =
            vec![RcoCriterion::Emergency]),
        "criteria"
    );
    assert_eq!(
        with(Track::Regular, &|b| b.decision = Some(decision())),
        "decision"
    );
    assert_eq!(
        with(Track::Regular, &|b| b.received_on = Some(d("2026-09-02"))),
        "received_on"
    );
    assert_eq!(
        with(Track::Regular, &|b| {
            b.received_on = Some(d("2026-06-01"));
        }),
        "incident_date",
        "the incident (15 June) is after the receipt"
    );
    assert_eq!(
        with(Track::Regular, &|b| {
            if let Some(r) = b.respondent.as_mut() {
                r.agency_name = "  ".into();
            }
        }),
        "respondent.agency_name"
    );
    assert_eq!(
        with(Track::Regular, &|b| b.summary =
            sealed_under(KeyId::parse("other").unwrap(), 2)),
        "summary"
    );
    assert_eq!(
        with(Track::Consultation, &|b| b.forms =
            vec![form("undue_delay")]),
        "forms"
    );
    assert_eq!(
        with(Track::RapidResponse, &|b| b.criteria.clear()),
        "criteria"
    );
    assert_eq!(
        with(Track::OwnInitiative, &|b| b.decision = None),
        "decision"
    );
    assert_eq!(
        with(Track::OwnInitiative, &|b| b.reporter = Some(ReporterData {
            confidential: false,
            identity: sealed(1)
        })),
        "reporter"
    );
    // A carbon copy needs no reporter and no forms.
    assert!(s.when(Role::Intake, report_on(Track::CarbonCopy)).is_ok());
}

#[test]
fn an_old_incident_is_warned_about_not_refused() {
    let s = Scenario::new();
    let mut body = report_body();
    body.incident_date = Some(d("2024-08-31"));
    let EventData::Reported(r) = data(s.when(Role::Intake, CommandBody::Report(Box::new(body))))
    else {
        panic!()
    };
    assert!(r.incident_age_warning);
}

#[test]
fn a_consultation_converts_to_a_report_with_what_a_report_needs() {
    let mut s = Scenario::at(Status::Registered);
    let convert = |respondent: Option<Respondent>| {
        CommandBody::Convert(Box::new(command::ConvertCase {
            track: Track::Regular,
            reporter: None,
            respondent,
            forms: vec![form("undue_delay")],
            decision: None,
            incident_date: None,
            prior_complaint: None,
        }))
    };
    assert_eq!(
        validation_field(s.when(Role::Intake, convert(None))),
        "respondent"
    );
    s.given(Role::Intake, convert(Some(respondent())));
    assert_eq!(s.state.status, Status::Received);
    assert_eq!(s.state.track, Some(Track::Regular));
    assert_eq!(s.state.forms, vec![form("undue_delay")]);
}

#[test]
fn a_rapid_response_converts_and_its_service_target_stops() {
    let mut s = Scenario::at(Status::RapidResponse);
    assert_eq!(s.state.running_clocks().len(), 1);
    s.given_action(Role::UnitHead, Action::Command(CommandKind::Convert));
    assert_eq!(s.state.status, Status::Received);
    assert!(s.state.running_clocks().is_empty());
}

#[test]
fn only_a_registered_case_becomes_an_own_initiative_investigation() {
    let iaps = |decision: Option<Decision>| {
        CommandBody::Convert(Box::new(command::ConvertCase {
            track: Track::OwnInitiative,
            reporter: None,
            respondent: Some(respondent()),
            forms: vec![form("undue_delay")],
            decision,
            incident_date: None,
            prior_complaint: None,
        }))
    };
    // A consultation has a reporter: it becomes a report, never an IAPS.
    let knl = Scenario::at(Status::Registered);
    assert_eq!(
        validation_field(knl.when(Role::OfficeHead, iaps(Some(decision())))),
        "reporter"
    );
    let mut s = Scenario::new();
    s.given(Role::Intake, report_on(Track::CarbonCopy));
    assert!(matches!(
        s.when(Role::Intake, iaps(Some(decision()))),
        Err(DomainError::NotPermitted { .. })
    ));
    assert_eq!(
        validation_field(s.when(Role::OfficeHead, iaps(None))),
        "decision"
    );
    s.given(Role::OfficeHead, iaps(Some(decision())));
    assert_eq!(s.state.status, Status::UnderExamination);
    assert_eq!(
        s.state.channel,
        Some(Channel::OwnInitiative),
        "the channel goes with the track"
    );
    let rco = Scenario::at(Status::RapidResponse);
    assert_eq!(
        validation_field(rco.when(Role::OfficeHead, iaps(Some(decision())))),
        "track"
    );
}

#[test]
fn acceptance_needs_both_checks_after_the_last_completion_and_a_form() {
    let mut s = Scenario::at(Status::Received);
    let accept = || body_for(Action::Command(CommandKind::Accept));
    assert_eq!(
        unmet(s.when(Role::UnitHead, accept())),
        Requirement::Verification {
            stage: VerificationStage::Formal
        }
    );
    s.given(
        Role::Intake,
        CommandBody::Verify {
            stage: VerificationStage::Formal,
            passed: true,
            note: None,
        },
    );
    assert_eq!(
        unmet(s.when(Role::UnitHead, accept())),
        Requirement::Verification {
            stage: VerificationStage::Material
        }
    );
    s.given(
        Role::Intake,
        CommandBody::Verify {
            stage: VerificationStage::Material,
            passed: true,
            note: None,
        },
    );
    // A completion after the formal check asks for it again.
    s.given_action(
        Role::Intake,
        Action::Command(CommandKind::RequestCompletion),
    );
    s.given_action(Role::Intake, Action::Command(CommandKind::Complete));
    assert_eq!(
        unmet(s.when(Role::UnitHead, accept())),
        Requirement::Verification {
            stage: VerificationStage::Formal
        }
    );
    s.verified();
    let EventData::Accepted(a) = s.given(Role::UnitHead, accept()).data else {
        panic!()
    };
    assert_eq!(a.pleno, Some(decision()));
    assert_eq!(s.state.status, Status::UnderExamination);
    // A converted carbon copy without forms cannot be accepted.
    let mut cc = Scenario::new();
    cc.given(Role::Intake, report_on(Track::CarbonCopy));
    cc.given(
        Role::UnitHead,
        CommandBody::Convert(Box::new(command::ConvertCase {
            track: Track::Regular,
            reporter: Some(ReporterData {
                confidential: false,
                identity: sealed(1),
            }),
            respondent: None,
            forms: Vec::new(),
            decision: None,
            incident_date: None,
            prior_complaint: None,
        })),
    );
    cc.verified();
    assert_eq!(unmet(cc.when(Role::UnitHead, accept())), Requirement::Forms);
}

#[test]
fn classification_can_be_revised_and_the_latest_wins() {
    let mut s = Scenario::at(Status::Received);
    let classify = |forms: Vec<FormCode>| CommandBody::Classify {
        forms,
        substance: None,
        agency_group: None,
        reporter_kind: Some(ReporterKind::Individual),
        represented_by: None,
    };
    s.given(
        Role::Intake,
        classify(vec![form("improper_request_for_payment")]),
    );
    s.given(
        Role::Intake,
        classify(vec![form("failure_to_serve"), form("undue_delay")]),
    );
    assert_eq!(
        s.state.forms,
        vec![form("failure_to_serve"), form("undue_delay")]
    );
    let empty = CommandBody::Classify {
        forms: Vec::new(),
        substance: None,
        agency_group: None,
        reporter_kind: None,
        represented_by: None,
    };
    assert_eq!(validation_field(s.when(Role::Intake, empty)), "forms");
    let bad = CommandBody::Classify {
        forms: Vec::new(),
        substance: Some("Agraria Dan".into()),
        agency_group: None,
        reporter_kind: None,
        represented_by: None,
    };
    assert_eq!(validation_field(s.when(Role::Intake, bad)), "substance");
}

// ---- letters and receipt-dated clocks --------------------------------------------------------

#[test]
fn a_completion_clock_waits_for_the_receipt_and_runs_from_it() {
    let mut s = Scenario::at(Status::Received);
    let request = CommandBody::RequestCompletion {
        missing: sealed(4),
        letter: letter_on("2026-09-01", None),
    };
    let EventData::CompletionRequested(r) = s.given(Role::Intake, request).data else {
        panic!()
    };
    assert_eq!(r.deadline, None, "pending receipt: no due date");
    assert!(s.state.running_clocks().is_empty());
    assert_eq!(s.state.pending_receipts().len(), 1);
    // Deemed withdrawal needs the period, which has not started.
    s.advance_days(60);
    assert_eq!(
        unmet(s.when(
            Role::System,
            letterless_close(ClosureReason::IncompleteDeemedWithdrawn)
        )),
        Requirement::ClockNotStarted {
            clock: ClockKind::Completion
        }
    );
    // The receipt (case position 2) starts 30 days from 4 September.
    let EventData::LetterReceived(l) = s.given(Role::Intake, receipt(2, "2026-09-04")).data else {
        panic!()
    };
    assert_eq!(l.deadline.as_ref().unwrap().due_on, d("2026-10-04"));
    assert_eq!(
        s.state.deadline(ClockKind::Completion).unwrap().due_on,
        d("2026-10-04")
    );
    assert!(s.state.pending_receipts().is_empty());
    // A second receipt of the same letter, or of a position without a letter, is refused.
    assert!(matches!(
        unmet(s.when(Role::Intake, receipt(2, "2026-09-05"))),
        Requirement::Letter { letter_of: 2, .. }
    ));
    assert!(matches!(
        unmet(s.when(Role::Intake, receipt(1, "2026-09-05"))),
        Requirement::Letter { letter_of: 1, .. }
    ));
}

#[test]
fn deemed_withdrawn_only_after_the_period_from_receipt() {
    let mut s = Scenario::at(Status::AwaitingCompletion);
    // body_for's letter was received on 1 September: due 1 October.
    s.advance_days(30);
    assert_eq!(
        unmet(s.when(
            Role::System,
            letterless_close(ClosureReason::IncompleteDeemedWithdrawn)
        )),
        Requirement::PeriodElapsed {
            clock: ClockKind::Completion,
            due_on: d("2026-10-01")
        }
    );
    s.advance_days(1);
    s.given(
        Role::System,
        letterless_close(ClosureReason::IncompleteDeemedWithdrawn),
    );
    assert_eq!(s.state.status, Status::Closed);
    // Reopened, the case goes back to verification, the run-out clock gone.
    s.given_action(Role::OfficeHead, Action::Command(CommandKind::Reopen));
    assert_eq!(s.state.status, Status::Received);
    assert!(s.state.clock(ClockKind::Completion).is_none());
}

#[test]
fn letters_obey_the_legal_dates() {
    let s = Scenario::at(Status::Received);
    let ask = |letter: Letter| CommandBody::RequestCompletion {
        missing: sealed(4),
        letter,
    };
    let mut unnumbered = letter();
    unnumbered.number = None;
    assert_eq!(
        validation_field(s.when(Role::Intake, ask(unnumbered))),
        "letter"
    );
    assert_eq!(
        validation_field(s.when(Role::Intake, ask(letter_on("2026-09-02", None)))),
        "letter",
        "dated after today"
    );
    assert_eq!(
        validation_field(s.when(
            Role::Intake,
            ask(letter_on("2026-09-01", Some("2026-08-31")))
        )),
        "letter",
        "received before its date"
    );
    let phone = Letter {
        via: Via::Phone,
        number: None,
        date: d("2026-09-01"),
        received_on: None,
    };
    // A call is received on its own date: the clock starts at once.
    let EventData::CompletionRequested(r) = data(s.when(Role::Intake, ask(phone.clone()))) else {
        panic!()
    };
    assert_eq!(r.letter.unwrap().received_on, Some(d("2026-09-01")));
    assert_eq!(r.deadline.unwrap().starts_on, d("2026-09-01"));
    let late_call = Letter {
        received_on: Some(d("2026-09-02")),
        ..phone
    };
    assert_eq!(
        validation_field(s.when(Role::Intake, ask(late_call))),
        "letter"
    );
}

#[test]
fn completion_is_not_received_before_the_request() {
    let mut s = Scenario::at(Status::Received);
    s.given(
        Role::Intake,
        CommandBody::RequestCompletion {
            missing: sealed(4),
            letter: letter(),
        },
    );
    let early = CommandBody::Complete {
        received_on: d("2026-08-31"),
        note: None,
    };
    assert_eq!(validation_field(s.when(Role::Intake, early)), "received_on");
}

// ---- examination ------------------------------------------------------------------------------

#[test]
fn clarification_rounds_run_from_receipt_and_later_rounds_have_their_own_length() {
    let mut s = Scenario::at(Status::UnderExamination);
    let mut rules = (*s.rules).clone();
    rules.deadlines.clarification_later_rounds = ClockRule {
        length: 7,
        unit: DayUnit::Days,
    };
    s.rules = std::sync::Arc::new(rules);
    let first = s.given(Role::Investigator, clarify(letter_on("2026-09-01", None)));
    let seq = s.state.version;
    let EventData::ClarificationRequested(c) = first.data else {
        panic!()
    };
    assert_eq!((c.round, c.deadline), (1, None));
    s.advance_days(3);
    s.given(Role::Intake, receipt(seq, "2026-09-03"));
    assert_eq!(
        s.state.deadline(ClockKind::Clarification).unwrap().due_on,
        d("2026-09-17")
    );
    // Waived only after the period.
    let waive = CommandBody::AnswerClarification {
        outcome: AnswerOutcome::Waived,
        received_on: None,
        note: None,
    };
    assert!(matches!(
        unmet(s.when(Role::Investigator, waive.clone())),
        Requirement::PeriodElapsed { .. }
    ));
    s.advance_days(14);
    s.given(Role::Investigator, waive);
    assert!(s.state.clock(ClockKind::Clarification).is_none());
    // The second round: 7 days from its receipt.
    let EventData::ClarificationRequested(c) = s
        .given(
            Role::Investigator,
            clarify(letter_on("2026-09-18", Some("2026-09-18"))),
        )
        .data
    else {
        panic!()
    };
    assert_eq!(c.round, 2);
    assert_eq!(c.deadline.unwrap().due_on, d("2026-09-25"));
    // An answer records its receipt, not before the letter; a waiver records none.
    let answer = |on: Option<&str>| CommandBody::AnswerClarification {
        outcome: AnswerOutcome::Answered,
        received_on: on.map(d),
        note: None,
    };
    assert_eq!(
        validation_field(s.when(Role::Investigator, answer(None))),
        "received_on"
    );
    assert_eq!(
        validation_field(s.when(Role::Investigator, answer(Some("2026-09-17")))),
        "received_on"
    );
    s.given(Role::Investigator, answer(Some("2026-09-18")));
    assert_eq!(
        unmet(s.when(Role::Investigator, answer(Some("2026-09-18")))),
        Requirement::OpenClarification
    );
}

fn summon(s: &mut Scenario, party: &str) -> u32 {
    let event = s.given(
        Role::Investigator,
        CommandBody::Summon {
            party: command::PartyInput {
                kind: SummonsParty::Respondent,
                party_ref: party.into(),
                name: sealed(9),
            },
            appointment_at: s
                .now
                .local_date(deadline::wib())
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            letter: letter_on(&s.now.local_date(deadline::wib()).to_string(), None),
        },
    );
    let EventData::Summoned(d) = event.data else {
        panic!()
    };
    d.summons
}

fn miss(s: &mut Scenario, number: u32, valid_reason: bool) {
    s.given(
        Role::Investigator,
        CommandBody::RecordAbsence {
            summons: number,
            valid_reason,
            note: None,
        },
    );
}

#[test]
fn police_assistance_needs_three_consecutive_unexcused_absences_of_the_party() {
    let mut s = Scenario::at(Status::UnderExamination);
    let police = |party: &str| CommandBody::RequestPoliceAssistance {
        party_ref: party.into(),
        police_unit: "Polda Jawa Barat".into(),
        letter: letter(),
    };
    let n1 = summon(&mut s, "kepala-dinas");
    miss(&mut s, n1, false);
    let n2 = summon(&mut s, "kepala-dinas");
    miss(&mut s, n2, true); // an excused absence resets the count
    for _ in 0..2 {
        let n = summon(&mut s, "kepala-dinas");
        miss(&mut s, n, false);
    }
    // Another party's absences do not count for this one.
    let other = summon(&mut s, "sekretaris");
    miss(&mut s, other, false);
    assert_eq!(
        unmet(s.when(Role::OfficeHead, police("kepala-dinas"))),
        Requirement::UnexcusedMisses {
            party_ref: "kepala-dinas".into(),
            needed: 3,
            have: 2
        }
    );
    // A written answer does not reset it.
    s.given(Role::Investigator, clarify(letter()));
    s.given_action(
        Role::Investigator,
        Action::Command(CommandKind::AnswerClarification),
    );
    let n = summon(&mut s, "kepala-dinas");
    miss(&mut s, n, false);
    assert_eq!(s.state.unexcused_misses("kepala-dinas"), 3);
    assert!(s.when(Role::OfficeHead, police("kepala-dinas")).is_ok());
    // Attending resets the count.
    let n = summon(&mut s, "kepala-dinas");
    s.given(
        Role::Investigator,
        CommandBody::RecordAttendance {
            summons: n,
            note: None,
        },
    );
    assert_eq!(s.state.unexcused_misses("kepala-dinas"), 0);
}

#[test]
fn a_summons_has_one_result_not_before_its_appointment() {
    let mut s = Scenario::at(Status::UnderExamination);
    let future = CommandBody::Summon {
        party: command::PartyInput {
            kind: SummonsParty::Witness,
            party_ref: "saksi-1".into(),
            name: sealed(9),
        },
        appointment_at: d("2026-09-08").and_hms_opt(9, 0, 0).unwrap(),
        letter: letter(),
    };
    s.given(Role::Investigator, future);
    let attended = CommandBody::RecordAttendance {
        summons: 1,
        note: None,
    };
    assert!(matches!(
        unmet(s.when(Role::Investigator, attended.clone())),
        Requirement::Summons { summons: 1, .. }
    ));
    s.advance_days(7);
    s.given(Role::Investigator, attended.clone());
    assert!(matches!(
        unmet(s.when(Role::Investigator, attended)),
        Requirement::Summons { summons: 1, .. }
    ));
    let unknown = CommandBody::RecordAttendance {
        summons: 9,
        note: None,
    };
    assert!(matches!(
        unmet(s.when(Role::Investigator, unknown)),
        Requirement::Summons { summons: 9, .. }
    ));
}

#[test]
fn an_agreed_mediation_records_terms_and_allows_settlement() {
    let mut s = Scenario::at(Status::InMediation);
    let agreed = |terms: Option<Sealed>| CommandBody::Mediate {
        outcome: MediationOutcome::Agreed,
        terms,
    };
    assert_eq!(
        validation_field(s.when(Role::Investigator, agreed(None))),
        "terms"
    );
    s.given(Role::Investigator, agreed(Some(sealed(3))));
    assert!(s.state.agreement_on_record);
    s.given(Role::OfficeHead, close(ClosureReason::SettledByMediation));
    assert_eq!(s.state.status, Status::Closed);
    let without = Scenario::at(Status::UnderExamination);
    assert_eq!(
        unmet(without.when(Role::OfficeHead, close(ClosureReason::SettledByMediation))),
        Requirement::AgreementOnRecord
    );
}

#[test]
fn mediation_kinds_of_activity_belong_to_resolution() {
    let s = Scenario::at(Status::UnderExamination);
    let activity = |kind| CommandBody::RecordActivity {
        kind,
        date: d("2026-09-01"),
        outcome: sealed(10),
    };
    assert_eq!(
        validation_field(s.when(Role::Investigator, activity(ActivityKind::Facilitation))),
        "kind"
    );
    assert!(s
        .when(Role::Investigator, activity(ActivityKind::FieldCheck))
        .is_ok());
    let r = Scenario::at(Status::InResolution);
    assert!(r
        .when(Role::Resmon, activity(ActivityKind::Facilitation))
        .is_ok());
}

#[test]
fn a_transfer_clears_the_assignee_and_the_old_office_no_longer_acts() {
    let mut s = Scenario::at(Status::UnderExamination);
    assert!(s.state.assignee.is_some());
    let to = |office: &str| CommandBody::Transfer {
        to_office: OfficeCode::parse(office).unwrap(),
        reason: sealed(3),
    };
    assert_eq!(
        unmet(s.when(Role::OfficeHead, to(OFFICE))),
        Requirement::DifferentOffice(OfficeCode::parse(OFFICE).unwrap())
    );
    s.given(Role::OfficeHead, to("jakarta-raya"));
    assert_eq!(s.state.office.as_ref().unwrap().as_str(), "jakarta-raya");
    assert_eq!(
        (s.state.assignee.as_ref(), s.state.unit.as_ref()),
        (None, None)
    );
    assert!(matches!(
        s.when(Role::Investigator, CommandBody::AddNote { note: sealed(1) }),
        Err(DomainError::OutsideOffice { .. })
    ));
    assert!(s
        .when_by(
            actor_in(Role::Investigator, "jakarta-raya"),
            CommandBody::AddNote { note: sealed(1) }
        )
        .is_ok());
}

// ---- the LHP -----------------------------------------------------------------------------------

#[test]
fn a_proposed_conclusion_is_checked_against_its_finding() {
    let s = Scenario::at(Status::UnderExamination);
    let with = |f: &dyn Fn(&mut Conclusion)| {
        let mut c = found_conclusion();
        f(&mut c);
        validation_field(s.when(Role::Investigator, propose(c)))
    };
    let field = |f: &dyn Fn(&mut Vec<FormCode>, &mut Vec<CorrectiveAction>)| {
        with(&|c| {
            if let Conclusion::Found {
                forms_found,
                corrective_actions,
            } = c
            {
                f(forms_found, corrective_actions);
            }
        })
    };
    assert_eq!(field(&|f, _| f.clear()), "conclusion.forms_found");
    assert_eq!(field(&|_, a| a.clear()), "conclusion.corrective_actions");
    assert_eq!(
        field(&|_, a| a[0].addressee = ActionAddressee::Unspecified),
        "conclusion.corrective_actions.addressee"
    );
    assert_eq!(
        field(&|_, a| {
            let copy = a[0].clone();
            a.push(copy);
        }),
        "conclusion.corrective_actions.id"
    );
    assert_eq!(
        validation_field(s.when(
            Role::Investigator,
            propose(Conclusion::Stopped {
                ground: StopGround::Unspecified
            })
        )),
        "conclusion.ground"
    );
}

#[test]
fn the_lhp_is_proposed_returned_approved_notified_and_issued() {
    let mut s = Scenario::at(Status::UnderExamination);
    s.given(Role::Investigator, clarify(letter()));
    s.given(Role::Investigator, found());
    assert_eq!(s.state.lhp, LhpStage::Proposed);
    // While a draft is proposed the examination's acts wait.
    assert_eq!(
        unmet(s.when(Role::Investigator, clarify(letter()))),
        Requirement::Lhp {
            needed: LhpStage::None,
            have: LhpStage::Proposed
        }
    );
    assert!(matches!(
        unmet(s.when_action(
            Role::Investigator,
            Action::Command(CommandKind::NotifyConclusion)
        )),
        Requirement::Lhp { .. }
    ));
    s.given(
        Role::OfficeHead,
        CommandBody::ReturnConclusion { reason: sealed(11) },
    );
    assert_eq!(s.state.lhp, LhpStage::None);
    s.given(Role::Investigator, found());
    assert!(s.state.clock(ClockKind::Clarification).is_some());
    s.given_action(
        Role::OfficeHead,
        Action::Command(CommandKind::ApproveConclusion),
    );
    assert_eq!(s.state.lhp, LhpStage::Approved);
    assert!(
        s.state.clock(ClockKind::Clarification).is_none(),
        "approval stops the examination's clocks"
    );
    // A report's LHP is issued only after the reporter was notified.
    assert!(matches!(
        unmet(s.when_action(Role::OfficeHead, Action::Command(CommandKind::IssueLhp))),
        Requirement::Track(_)
    ));
    s.given(
        Role::Investigator,
        CommandBody::NotifyConclusion {
            letter: letter_on("2026-09-01", None),
        },
    );
    assert_eq!(s.state.status, Status::AwaitingReporterResponse);
    assert_eq!(
        unmet(s.when_action(Role::OfficeHead, Action::Command(CommandKind::IssueLhp))),
        Requirement::ClockNotStarted {
            clock: ClockKind::ReporterResponse
        }
    );
    let notified = s.state.version;
    s.advance_days(1);
    s.given(Role::Intake, receipt(notified, "2026-09-02"));
    assert_eq!(
        unmet(s.when_action(Role::OfficeHead, Action::Command(CommandKind::IssueLhp))),
        Requirement::ReporterResponse {
            due_on: d("2026-09-16")
        }
    );
    // The 14 days run out: the LHP may be issued without an answer.
    s.advance_days(15);
    let EventData::LhpIssued(l) = s
        .given(
            Role::OfficeHead,
            CommandBody::IssueLhp {
                letter: letter_on("2026-09-17", None),
            },
        )
        .data
    else {
        panic!()
    };
    assert_eq!(l.conclusion, found_conclusion());
    assert_eq!(
        l.deadline, None,
        "the corrective-action period waits for the Terlapor's receipt"
    );
    assert_eq!(s.state.status, Status::CorrectiveAction);
    let issued = s.state.version;
    s.given(Role::Intake, receipt(issued, "2026-09-17"));
    let d30 = s.state.deadline(ClockKind::CorrectiveAction).unwrap();
    assert_eq!(d30.unit, DayUnit::WorkingDays);
    // 30 working days after Thursday 17 September, skipping weekends and the holidays of
    // 25 September and 1 October: Monday 2 November.
    assert_eq!(d30.due_on, d("2026-11-02"));
}

#[test]
fn an_argued_response_reopens_the_examination() {
    let mut s = Scenario::at(Status::AwaitingReporterResponse);
    let respond = |argued| CommandBody::RecordReporterResponse {
        received_on: d("2026-09-01"),
        argued,
        note: None,
    };
    s.given(Role::Investigator, respond(true));
    assert_eq!(
        (s.state.status, s.state.lhp),
        (Status::UnderExamination, LhpStage::None)
    );
    assert!(matches!(
        unmet(s.when_action(Role::OfficeHead, Action::Command(CommandKind::IssueLhp))),
        Requirement::Lhp { .. }
    ));
    s.lhp(Conclusion::NotFound);
    s.given(Role::Investigator, respond(false));
    assert!(matches!(
        unmet(s.when(Role::Investigator, respond(false))),
        Requirement::Ground(_)
    ));
    s.given_action(Role::OfficeHead, Action::Command(CommandKind::IssueLhp));
    assert_eq!(s.state.status, Status::AwaitingClosure);
}

#[test]
fn an_own_initiative_lhp_is_issued_without_notifying_a_reporter() {
    let mut s = Scenario::new();
    s.given(Role::OfficeHead, report_on(Track::OwnInitiative));
    s.given(
        Role::Investigator,
        propose(Conclusion::Stopped {
            ground: StopGround::SubJudice,
        }),
    );
    s.given_action(
        Role::OfficeHead,
        Action::Command(CommandKind::ApproveConclusion),
    );
    assert!(matches!(
        unmet(s.when_action(
            Role::Investigator,
            Action::Command(CommandKind::NotifyConclusion)
        )),
        Requirement::Track(_)
    ));
    s.given_action(Role::OfficeHead, Action::Command(CommandKind::IssueLhp));
    assert_eq!(s.state.status, Status::AwaitingClosure);
    // The reporter's grounds do not apply to an IAPS.
    let mut t = Scenario::new();
    t.given(Role::OfficeHead, report_on(Track::OwnInitiative));
    assert!(matches!(
        unmet(t.when(
            Role::Investigator,
            propose(Conclusion::Stopped {
                ground: StopGround::NoPriorComplaint
            })
        )),
        Requirement::Track(_)
    ));
    assert!(matches!(
        unmet(t.when(Role::OfficeHead, close(ClosureReason::ResolvedByRespondent))),
        Requirement::Track(_)
    ));
}

#[test]
fn after_the_lhp_without_corrective_action_only_the_matching_closure_or_reopening() {
    let mut s = Scenario::at(Status::AwaitingClosure);
    assert_eq!(
        unmet(s.when(Role::OfficeHead, close(ClosureReason::ExaminationStopped))),
        Requirement::Conclusion {
            needed: Finding::Stopped
        }
    );
    assert!(matches!(
        s.when(Role::Investigator, clarify(letter())),
        Err(DomainError::InvalidTransition { .. })
    ));
    for closed_first in [true, false] {
        let mut reopened = s.clone();
        if closed_first {
            reopened.given(Role::OfficeHead, close(ClosureReason::NoMaladministration));
        }
        // Reopened straight from awaiting closure too (DOMAIN §4).
        reopened.given_action(Role::OfficeHead, Action::Command(CommandKind::Reopen));
        assert_eq!(
            (
                reopened.state.status,
                reopened.state.lhp,
                reopened.state.issued.is_none()
            ),
            (Status::UnderExamination, LhpStage::None, true),
            "closed first: {closed_first}"
        );
    }
    // Awaiting closure takes no classification or assignment.
    assert!(matches!(
        s.when_action(Role::UnitHead, Action::Command(CommandKind::Assign)),
        Err(DomainError::InvalidTransition { .. })
    ));
    // The stopped ground travels to the closure.
    let mut stopped = Scenario::at(Status::UnderExamination);
    stopped.lhp(Conclusion::Stopped {
        ground: StopGround::AgencyStillHandling,
    });
    stopped.responded_and_issued();
    let EventData::Closed(c) = stopped
        .given(Role::OfficeHead, close(ClosureReason::ExaminationStopped))
        .data
    else {
        panic!()
    };
    assert_eq!(c.ground, Some(StopGround::AgencyStillHandling));
    s.given(Role::OfficeHead, close(ClosureReason::NoMaladministration));
}

// ---- corrective action, resolution, recommendation ------------------------------------------

fn report_action(status: ActionStatus) -> CommandBody {
    CommandBody::ReportCorrectiveAction {
        reports: vec![ActionReport {
            action_id: "1".into(),
            status,
        }],
        received_on: d("2026-09-01"),
        note: None,
    }
}

#[test]
fn corrective_action_is_closed_when_every_action_is_done() {
    let mut s = Scenario::at(Status::CorrectiveAction);
    assert_eq!(
        unmet(s.when(
            Role::OfficeHead,
            close(ClosureReason::CorrectiveActionImplemented)
        )),
        Requirement::ActionNotDone {
            action_id: "1".into()
        }
    );
    let unknown = CommandBody::ReportCorrectiveAction {
        reports: vec![ActionReport {
            action_id: "7".into(),
            status: ActionStatus::Done,
        }],
        received_on: d("2026-09-01"),
        note: None,
    };
    assert_eq!(
        validation_field(s.when(Role::Investigator, unknown)),
        "reports"
    );
    s.given(Role::Investigator, report_action(ActionStatus::Partial));
    s.given(Role::Investigator, report_action(ActionStatus::Done));
    s.given(
        Role::OfficeHead,
        close(ClosureReason::CorrectiveActionImplemented),
    );
}

#[test]
fn referral_to_resolution_needs_its_ground() {
    let mut s = Scenario::at(Status::CorrectiveAction);
    let refer = |ground| CommandBody::ReferToResolution { ground, note: None };
    assert_eq!(
        unmet(s.when(Role::UnitHead, refer(ResolutionGround::RefusedByRespondent))),
        Requirement::ActionRefused
    );
    assert!(matches!(
        unmet(s.when(Role::UnitHead, refer(ResolutionGround::PeriodExpired))),
        Requirement::PeriodElapsed { .. }
    ));
    assert_eq!(
        validation_field(s.when(Role::UnitHead, refer(ResolutionGround::Legacy))),
        "ground"
    );
    s.advance_days(60);
    assert_eq!(
        unmet(s.when(Role::UnitHead, refer(ResolutionGround::PeriodExpired))),
        Requirement::MonitoringRecord
    );
    s.given(Role::Investigator, report_action(ActionStatus::NotDone));
    s.given(Role::UnitHead, refer(ResolutionGround::PeriodExpired));
    assert_eq!(s.state.status, Status::InResolution);
    assert_eq!(s.state.assignee, None);
    assert!(s.state.clock(ClockKind::CorrectiveAction).is_none());
}

#[test]
fn an_incomplete_lhp_file_holds_resmon_and_the_referral() {
    let mut s = Scenario::at(Status::InResolution);
    assert_eq!(
        unmet(s.when_action(
            Role::Investigator,
            Action::Command(CommandKind::CompleteLhpFile)
        )),
        Requirement::LhpFileNotReturned
    );
    s.given_action(Role::Resmon, Action::Command(CommandKind::ReturnLhpFile));
    let activity = CommandBody::RecordActivity {
        kind: ActivityKind::Facilitation,
        date: d("2026-09-01"),
        outcome: sealed(10),
    };
    assert_eq!(
        unmet(s.when(Role::Resmon, activity.clone())),
        Requirement::LhpFileIncomplete
    );
    assert_eq!(
        unmet(s.when_action(
            Role::OfficeHead,
            Action::Command(CommandKind::ReferToRecommendation)
        )),
        Requirement::LhpFileIncomplete
    );
    s.given_action(
        Role::Investigator,
        Action::Command(CommandKind::CompleteLhpFile),
    );
    s.given(Role::Resmon, activity);
    s.given_action(
        Role::OfficeHead,
        Action::Command(CommandKind::ReferToRecommendation),
    );
    assert_eq!(
        unmet(s.when_action(
            Role::OfficeHead,
            Action::Command(CommandKind::ReferToRecommendation)
        )),
        Requirement::AlreadyReferred
    );
}

#[test]
fn only_a_referred_case_gets_a_recommendation_whose_clocks_follow_its_letters() {
    let mut s = Scenario::at(Status::InResolution);
    assert_eq!(
        unmet(s.when_action(Role::Chair, Action::Command(CommandKind::Recommend))),
        Requirement::ReferredForRecommendation
    );
    s.given_action(
        Role::OfficeHead,
        Action::Command(CommandKind::ReferToRecommendation),
    );
    let EventData::RecommendationIssued(r) = s
        .given_action_event(Role::Chair, Action::Command(CommandKind::Recommend))
        .data
    else {
        panic!()
    };
    // Delivery: 14 days from the signature.
    assert_eq!(r.deadline.clock, ClockKind::RecommendationDelivery);
    assert_eq!(r.deadline.due_on, d("2026-09-15"));
    s.advance_days(3);
    let EventData::RecommendationDelivered(dl) = s
        .given(
            Role::Resmon,
            CommandBody::RecordDelivery {
                received_on: d("2026-09-03"),
            },
        )
        .data
    else {
        panic!()
    };
    // The superior's 60 days from receipt.
    assert_eq!(dl.deadline.due_on, d("2026-11-02"));
    assert!(s.state.clock(ClockKind::RecommendationDelivery).is_none());
    assert_eq!(
        unmet(s.when(
            Role::Resmon,
            CommandBody::RecordDelivery {
                received_on: d("2026-09-04")
            }
        )),
        Requirement::Delivered
    );
}

#[test]
fn the_follow_up_of_a_recommendation_goes_report_assessment_sanction_closure() {
    let mut s = Scenario::at(Status::Recommendation);
    s.given(
        Role::Resmon,
        CommandBody::RecordDelivery {
            received_on: d("2026-09-01"),
        },
    );
    let assess = |assessment, reasons_acceptable| CommandBody::AssessImplementation {
        assessment,
        reasons_acceptable,
        note: None,
    };
    assert_eq!(
        unmet(s.when(Role::Member, assess(Assessment::NotImplemented, false))),
        Requirement::ImplementationReport
    );
    assert!(matches!(
        unmet(s.when_action(Role::Chair, Action::Command(CommandKind::Publish))),
        Requirement::PeriodElapsed { .. }
    ));
    let mut incoming = letter();
    incoming.received_on = None;
    let report = |letter| CommandBody::ReportImplementation {
        report: ImplementationReport::Partial,
        letter,
    };
    assert_eq!(
        validation_field(s.when(Role::Resmon, report(incoming))),
        "letter.received_on"
    );
    s.given(Role::Resmon, report(letter()));
    // Reasons acceptable: no sanction.
    s.given(Role::Member, assess(Assessment::PartlyImplemented, true));
    assert!(matches!(
        unmet(s.when_action(Role::Chair, Action::Command(CommandKind::Publish))),
        Requirement::Assessment(_)
    ));
    assert!(matches!(
        unmet(s.when(Role::Chair, close(ClosureReason::RecommendationImplemented))),
        Requirement::Assessment(_)
    ));
    s.given(Role::Chair, assess(Assessment::PartlyImplemented, false));
    s.given_action(Role::Chair, Action::Command(CommandKind::Publish));
    s.given_action(
        Role::Chair,
        Action::Command(CommandKind::ReportToDprAndPresident),
    );
    s.given(
        Role::Member,
        close(ClosureReason::RecommendationPartlyImplemented),
    );
    assert_eq!(s.state.status, Status::Closed);
}

#[test]
fn without_the_superiors_report_the_assessment_waits_for_its_sixty_days() {
    let mut s = Scenario::at(Status::Recommendation);
    s.given(
        Role::Resmon,
        CommandBody::RecordDelivery {
            received_on: d("2026-09-01"),
        },
    );
    let assess = CommandBody::AssessImplementation {
        assessment: Assessment::NotImplemented,
        reasons_acceptable: false,
        note: None,
    };
    s.advance_days(60);
    assert_eq!(
        unmet(s.when(Role::Chair, assess.clone())),
        Requirement::ImplementationReport
    );
    s.advance_days(1);
    s.given(Role::Chair, assess);
    s.given_action(Role::Chair, Action::Command(CommandKind::Publish));
}

// ---- closures and reopening -------------------------------------------------------------------

#[test]
fn a_report_closed_before_acceptance_names_its_pleno_and_sends_a_letter() {
    let s = Scenario::at(Status::Received);
    let closing = |pleno: Option<Decision>, letter: Option<Letter>| CommandBody::Close {
        reason: ClosureReason::OutsideCompetence,
        pleno,
        letter,
        note: None,
    };
    assert_eq!(
        validation_field(s.when(Role::UnitHead, closing(None, Some(super_letter())))),
        "pleno"
    );
    assert_eq!(
        validation_field(s.when(Role::UnitHead, closing(Some(decision()), None))),
        "letter"
    );
    assert!(s
        .when(
            Role::UnitHead,
            closing(Some(decision()), Some(super_letter()))
        )
        .is_ok());
    // A withdrawal sends no letter.
    assert_eq!(
        validation_field(s.when(Role::Intake, close(ClosureReason::WithdrawnByReporter))),
        "letter"
    );
    assert!(s
        .when(
            Role::Intake,
            letterless_close(ClosureReason::WithdrawnByReporter)
        )
        .is_ok());
}

fn super_letter() -> Letter {
    letter_on("2026-09-01", None)
}

#[test]
fn the_closure_notice_runs_while_closed_until_the_letter_is_received() {
    let mut s = Scenario::at(Status::Received);
    s.given(
        Role::UnitHead,
        CommandBody::Close {
            reason: ClosureReason::Duplicate,
            pleno: Some(decision()),
            letter: Some(super_letter()),
            note: None,
        },
    );
    let notice = s.state.running_clocks();
    assert_eq!(notice.len(), 1);
    assert_eq!(
        (notice[0].clock, notice[0].due_on),
        (ClockKind::ClosureNotice, d("2026-09-08"))
    );
    let closed = s.state.version;
    s.advance_days(2);
    s.given(Role::Intake, receipt(closed, "2026-09-03"));
    assert!(s.state.running_clocks().is_empty());
}

#[test]
fn closure_grounds_need_their_facts() {
    let s = Scenario::at(Status::Received);
    let with_pleno = |reason| CommandBody::Close {
        reason,
        pleno: Some(decision()),
        letter: Some(letter()),
        note: None,
    };
    assert!(matches!(
        unmet(s.when(Role::UnitHead, with_pleno(ClosureReason::TimeBarred))),
        Requirement::Ground(_)
    ));
    assert!(matches!(
        unmet(s.when(Role::UnitHead, with_pleno(ClosureReason::NoPriorComplaint))),
        Requirement::Ground(_)
    ));
    let mut no_prior = report_body();
    no_prior.prior_complaint = false;
    no_prior.incident_date = Some(d("2024-01-01"));
    let mut t = Scenario::new();
    t.given(Role::Intake, CommandBody::Report(Box::new(no_prior)));
    assert!(t
        .when(Role::UnitHead, with_pleno(ClosureReason::NoPriorComplaint))
        .is_ok());
    assert!(t
        .when(Role::UnitHead, with_pleno(ClosureReason::TimeBarred))
        .is_ok());
}

#[test]
fn after_acceptance_only_the_head_of_office_closes() {
    let s = Scenario::at(Status::UnderExamination);
    for role in [Role::UnitHead, Role::Intake] {
        assert!(
            matches!(
                s.when(role, letterless_close(ClosureReason::WithdrawnByReporter)),
                Err(DomainError::NotPermitted { .. })
            ),
            "{role}"
        );
    }
    assert!(s
        .when(
            Role::OfficeHead,
            letterless_close(ClosureReason::WithdrawnByReporter)
        )
        .is_ok());
    assert!(matches!(
        s.when(Role::UnitHead, close(ClosureReason::ResolvedByRespondent)),
        Err(DomainError::NotPermitted { .. })
    ));
}

#[test]
fn reopening_returns_to_the_state_before_with_its_clocks_as_they_were() {
    let mut s = Scenario::at(Status::AwaitingCompletion);
    s.given(
        Role::Intake,
        letterless_close(ClosureReason::WithdrawnByReporter),
    );
    assert!(s.state.running_clocks().is_empty());
    s.advance_days(45);
    s.given_action(Role::OfficeHead, Action::Command(CommandKind::Reopen));
    assert_eq!(s.state.status, Status::AwaitingCompletion);
    let clock = s.state.deadline(ClockKind::Completion).unwrap();
    assert!(
        clock.is_overdue_on(d("2026-10-16")),
        "an expired clock stays expired"
    );
}

// ---- the deadline engine's proposals -------------------------------------------------------

#[test]
fn a_proposal_needs_a_run_out_clock_and_is_dismissed_once() {
    let mut s = Scenario::at(Status::AwaitingReporterResponse);
    let propose_issue = || CommandBody::ProposeAction {
        action: ProposedAction::IssueLhp,
        clock: ClockKind::ReporterResponse,
    };
    assert!(matches!(
        unmet(s.when(Role::System, propose_issue())),
        Requirement::PeriodElapsed { .. }
    ));
    assert_eq!(
        validation_field(s.when(
            Role::System,
            CommandBody::ProposeAction {
                action: ProposedAction::ConvertRco,
                clock: ClockKind::ReporterResponse
            }
        )),
        "clock",
        "a proposal follows its own clock"
    );
    assert_eq!(
        unmet(s.when(
            Role::System,
            CommandBody::ProposeAction {
                action: ProposedAction::ReferToResolution,
                clock: ClockKind::CorrectiveAction
            }
        )),
        Requirement::ClockNotStarted {
            clock: ClockKind::CorrectiveAction
        }
    );
    s.advance_days(15);
    let EventData::ActionProposed(p) = s.given(Role::System, propose_issue()).data else {
        panic!()
    };
    assert_eq!(p.due_on, d("2026-09-15"));
    let seq = s.state.version;
    let dismiss = |proposal| CommandBody::DismissProposal {
        proposal,
        reason: sealed(13),
    };
    assert_eq!(
        unmet(s.when(Role::UnitHead, dismiss(seq - 1))),
        Requirement::Proposal(seq - 1)
    );
    s.given(Role::UnitHead, dismiss(seq));
    assert_eq!(
        unmet(s.when(Role::UnitHead, dismiss(seq))),
        Requirement::Proposal(seq)
    );
    // The LHP may still be issued by a person.
    s.given_action(Role::OfficeHead, Action::Command(CommandKind::IssueLhp));
}

// ---- personal data ---------------------------------------------------------------------------

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
fn an_open_case_is_erased_only_after_the_head_of_office_approves() {
    let mut s = Scenario::at(Status::UnderExamination);
    let erase = || CommandBody::ErasePersonalData {
        request_ref: "PDP/2026/001".into(),
    };
    assert!(matches!(
        unmet(s.when(Role::Dpo, erase())),
        Requirement::ErasureApproved { .. }
    ));
    s.given_action(Role::Dpo, Action::Command(CommandKind::RequestErasure));
    s.given_action(
        Role::OfficeHead,
        Action::Command(CommandKind::ApproveErasure),
    );
    let EventData::PersonalDataErased(e) = s.given(Role::Dpo, erase()).data else {
        panic!()
    };
    assert_eq!(e.key_id, KeyId::for_case(case_id()));
    // An erased case takes no new personal data, and can be closed.
    assert_eq!(
        validation_field(s.when(Role::Investigator, found())),
        "corrective_actions.action"
    );
    s.given(
        Role::OfficeHead,
        letterless_close(ClosureReason::WithdrawnByReporter),
    );
}

#[test]
fn refusals_say_what_and_why() {
    let s = Scenario::at(Status::Received);
    let err = s
        .when_action(Role::Investigator, Action::Command(CommandKind::Summon))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot summon a party: the case is received"
    );
    let err = s
        .when(Role::Auditor, CommandBody::AddNote { note: sealed(1) })
        .unwrap_err();
    assert_eq!(err.to_string(), "the auditor role may not add a note");
}

// ---- offices -----------------------------------------------------------------------------------

#[test]
fn a_case_belongs_to_a_registered_office_whose_time_zone_dates_it() {
    let mut s = Scenario::new();
    // 16:30 UTC: 23:30 in Bandung (WIB), already 00:30 the next day in Denpasar (WITA).
    s.now = Timestamp::parse("2026-09-01T16:30:00Z").unwrap();
    let on = |office: &str| {
        let mut body = report_body();
        body.office = OfficeCode::parse(office).unwrap();
        CommandBody::Report(Box::new(body))
    };
    let received = |result: Result<Event, DomainError>| match data(result) {
        EventData::Reported(r) => r.received_on,
        _ => None,
    };
    assert_eq!(
        received(s.when_by(actor_in(Role::Intake, OFFICE), on(OFFICE))),
        Some(d("2026-09-01"))
    );
    assert_eq!(
        received(s.when_by(actor_in(Role::Intake, "bali"), on("bali"))),
        Some(d("2026-09-02"))
    );
    assert_eq!(
        validation_field(s.when_by(actor_in(Role::Intake, "atlantis"), on("atlantis"))),
        "office"
    );
    let e = Scenario::at(Status::UnderExamination);
    let transfer = CommandBody::Transfer {
        to_office: OfficeCode::parse("atlantis").unwrap(),
        reason: sealed(3),
    };
    assert_eq!(
        validation_field(e.when(Role::OfficeHead, transfer)),
        "to_office"
    );
}

#[test]
fn a_ground_of_one_intake_type_does_not_close_another() {
    let knl = Scenario::at(Status::Registered);
    assert!(matches!(
        unmet(knl.when(
            Role::Intake,
            letterless_close(ClosureReason::CarbonCopyFiled)
        )),
        Requirement::Track(_)
    ));
    assert!(knl
        .when(
            Role::Intake,
            letterless_close(ClosureReason::ConsultationOnly)
        )
        .is_ok());
    let mut cc = Scenario::new();
    cc.given(Role::Intake, report_on(Track::CarbonCopy));
    assert!(matches!(
        unmet(cc.when(
            Role::Intake,
            letterless_close(ClosureReason::ConsultationOnly)
        )),
        Requirement::Track(_)
    ));
}

#[test]
fn leaving_a_state_stops_its_clocks() {
    // A clarification started in a rapid response stops when the case becomes a report.
    let mut s = Scenario::at(Status::RapidResponse);
    s.given(Role::Intake, clarify(letter()));
    assert!(s.state.clock(ClockKind::Clarification).is_some());
    s.given_action(Role::UnitHead, Action::Command(CommandKind::Convert));
    assert_eq!(s.state.status, Status::Received);
    assert!(s.state.clocks.is_empty(), "{:?}", s.state.clocks);
    // A mediation stops the examination's clarification clock.
    let mut m = Scenario::at(Status::UnderExamination);
    m.given(Role::Investigator, clarify(letter()));
    m.given_action(
        Role::Investigator,
        Action::Command(CommandKind::StartMediation),
    );
    assert!(m.state.clock(ClockKind::Clarification).is_none());
}

#[test]
fn only_the_current_closure_letter_stops_the_closure_notice() {
    let mut s = Scenario::at(Status::Received);
    let duplicate = || CommandBody::Close {
        reason: ClosureReason::Duplicate,
        pleno: Some(decision()),
        letter: Some(letter_on("2026-09-01", None)),
        note: None,
    };
    s.given(Role::UnitHead, duplicate());
    let first = s.state.version;
    s.given_action(Role::OfficeHead, Action::Command(CommandKind::Reopen));
    s.given(Role::UnitHead, duplicate());
    s.advance_days(1);
    assert!(matches!(
        unmet(s.when(Role::Intake, receipt(first, "2026-09-02"))),
        Requirement::Letter { .. }
    ));
    s.given(Role::Intake, receipt(s.state.version, "2026-09-02"));
    assert!(s.state.running_clocks().is_empty());
}

#[test]
fn resmon_waits_for_a_returned_file_before_asking_for_clarification() {
    let mut s = Scenario::at(Status::InResolution);
    s.given_action(Role::Resmon, Action::Command(CommandKind::ReturnLhpFile));
    assert_eq!(
        unmet(s.when(Role::Resmon, clarify(letter()))),
        Requirement::LhpFileIncomplete
    );
}

/// DOMAIN §7: a v1 clock (dated from the act, its letter's receipt unknown) stands until a
/// receipt restarts it from that day.
#[test]
fn a_v1_clarification_clock_restarts_from_its_letters_receipt() {
    let mut s = Scenario::at(Status::UnderExamination);
    // As a v1 event reads: a post letter dated on the event's day, no receipt, the clock
    // recorded from that day.
    let v1 = Event {
        case_id: case_id(),
        office: OfficeCode::parse(OFFICE).unwrap(),
        at: s.now,
        actor: ActorId::parse("riksa.siti").unwrap(),
        role: Role::Investigator,
        data: EventData::ClarificationRequested(ClarificationRequested {
            round: 1,
            addressee: Addressee::Respondent,
            purpose: Purpose::Clarification,
            letter: letter_on("2026-09-01", None),
            deadline: s
                .rules
                .start_clock(ClockKind::Clarification, d("2026-09-01")),
            note: None,
        }),
    };
    s.state = evolve(s.state.clone(), &v1);
    let seq = s.state.version;
    assert_eq!(
        s.state.deadline(ClockKind::Clarification).unwrap().due_on,
        d("2026-09-15")
    );
    s.advance_days(4);
    s.given(Role::Intake, receipt(seq, "2026-09-04"));
    assert_eq!(
        s.state.deadline(ClockKind::Clarification).unwrap().due_on,
        d("2026-09-18")
    );
}

#[test]
fn a_conversion_adds_the_incident_date_and_the_prior_complaint_a_report_needs() {
    let mut s = Scenario::at(Status::Registered);
    let convert = |incident: &str| {
        CommandBody::Convert(Box::new(command::ConvertCase {
            track: Track::Regular,
            reporter: None,
            respondent: Some(respondent()),
            forms: vec![form("undue_delay")],
            decision: None,
            incident_date: Some(d(incident)),
            prior_complaint: Some(false),
        }))
    };
    assert_eq!(
        validation_field(s.when(Role::Intake, convert("2026-09-02"))),
        "incident_date"
    );
    s.given(Role::Intake, convert("2024-01-10"));
    assert!(s.state.incident_age_warning && !s.state.prior_complaint);
    let close = |reason| CommandBody::Close {
        reason,
        pleno: Some(decision()),
        letter: Some(letter()),
        note: None,
    };
    assert!(s
        .when(Role::UnitHead, close(ClosureReason::TimeBarred))
        .is_ok());
    assert!(s
        .when(Role::UnitHead, close(ClosureReason::NoPriorComplaint))
        .is_ok());
}

/// DOMAIN §7: a v1 completion request recorded no letter; it stands for one sent on the
/// event's day, whose receipt restarts the clock from that day.
#[test]
fn a_v1_completion_clock_restarts_from_the_receipt_of_the_letter_it_stands_for() {
    let mut s = Scenario::at(Status::Received);
    let v1 = Event {
        case_id: case_id(),
        office: OfficeCode::parse(OFFICE).unwrap(),
        at: s.now,
        actor: ActorId::parse("pvl.rina").unwrap(),
        role: Role::Intake,
        data: EventData::CompletionRequested(CompletionRequested {
            missing: sealed(4),
            letter: None,
            deadline: s.rules.start_clock(ClockKind::Completion, d("2026-09-01")),
        }),
    };
    s.state = evolve(s.state.clone(), &v1);
    let seq = s.state.version;
    assert_eq!(
        s.state.deadline(ClockKind::Completion).unwrap().due_on,
        d("2026-10-01")
    );
    s.advance_days(5);
    assert!(matches!(
        unmet(s.when(Role::Intake, receipt(seq - 1, "2026-09-06"))),
        Requirement::Letter { .. }
    ));
    s.given(Role::Intake, receipt(seq, "2026-09-06"));
    assert_eq!(
        s.state.deadline(ClockKind::Completion).unwrap().due_on,
        d("2026-10-06")
    );
}
