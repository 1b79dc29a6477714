//! Every transition rule of `docs/procedure.md` as two tables written out here, independently
//! of the tables in `decide`: which states each action is legal from, and which roles may take
//! it. Each cell is tried: a legal cell must never be refused as an invalid transition (or as
//! not permitted), an illegal one must be.
#![allow(clippy::unwrap_used)]

mod support;

use ombud_domain::*;
use support::*;

/// Columns: RG registered, RR rapid_response, RE received, AC awaiting_completion, UE
/// under_examination, IM in_mediation, AR awaiting_reporter_response, AW awaiting_closure, CA
/// corrective_action, IR in_resolution, RC recommendation, CL closed. `x` = legal (DOMAIN §4,
/// §5).
const STATES: &str = "
                                    RG RR RE AC UE IM AR AW CA IR RC CL
report                               .  .  .  .  .  .  .  .  .  .  .  .
convert                              x  x  .  .  .  .  .  .  .  .  .  .
record-verification                  .  .  x  .  .  .  .  .  .  .  .  .
request-completion                   .  .  x  .  .  .  .  .  .  .  .  .
complete                             .  .  .  x  .  .  .  .  .  .  .  .
accept                               .  .  x  .  .  .  .  .  .  .  .  .
classify                             x  x  x  x  x  x  x  .  x  x  x  .
assign                               x  x  x  x  x  x  x  .  x  x  x  .
transfer                             .  x  x  x  x  .  .  .  x  x  .  .
request-clarification                .  x  .  .  x  .  .  .  x  x  x  .
answer-clarification                 .  x  .  .  x  .  .  .  x  x  x  .
summon                               .  .  .  .  x  .  .  .  .  .  .  .
record-attendance                    .  .  .  .  x  .  .  .  .  .  .  .
record-absence                       .  .  .  .  x  .  .  .  .  .  .  .
request-police-assistance            .  .  .  .  x  .  .  .  .  .  .  .
record-activity                      .  .  .  .  x  .  .  .  x  x  x  .
start-mediation                      .  .  .  .  x  .  .  .  .  .  .  .
mediate                              .  .  .  .  .  x  .  .  .  .  .  .
propose-conclusion                   .  .  .  .  x  .  .  .  .  .  .  .
return-conclusion                    .  .  .  .  x  .  .  .  .  .  .  .
approve-conclusion                   .  .  .  .  x  .  .  .  .  .  .  .
notify-conclusion                    .  .  .  .  x  .  .  .  .  .  .  .
record-reporter-response             .  .  .  .  .  .  x  .  .  .  .  .
issue-lhp                            .  .  .  .  x  .  x  .  .  .  .  .
report-corrective-action             .  .  .  .  .  .  .  .  x  x  .  .
refer-to-resolution                  .  .  .  .  .  .  .  .  x  .  .  .
return-lhp-file                      .  .  .  .  .  .  .  .  .  x  .  .
complete-lhp-file                    .  .  .  .  .  .  .  .  .  x  .  .
refer-to-recommendation              .  .  .  .  .  .  .  .  .  x  .  .
recommend                            .  .  .  .  .  .  .  .  .  x  .  .
record-delivery                      .  .  .  .  .  .  .  .  .  .  x  .
report-implementation                .  .  .  .  .  .  .  .  .  .  x  .
assess-implementation                .  .  .  .  .  .  .  .  .  .  x  .
publish                              .  .  .  .  .  .  .  .  .  .  x  .
report-to-dpr-and-president          .  .  .  .  .  .  .  .  .  .  x  .
reopen                               .  .  .  .  .  .  .  x  .  .  .  x
record-letter-receipt                x  x  x  x  x  x  x  x  x  x  x  x
notes                                x  x  x  x  x  x  x  x  x  x  x  x
propose-action                       x  x  x  x  x  x  x  .  x  x  x  .
dismiss-proposal                     x  x  x  x  x  x  x  .  x  x  x  .
erase-personal-data                  x  x  x  x  x  x  x  x  x  x  x  x
request-erasure                      x  x  x  x  x  x  x  x  x  x  x  .
approve-erasure                      x  x  x  x  x  x  x  x  x  x  x  .
refuse-erasure                       x  x  x  x  x  x  x  x  x  x  x  .
close:consultation_only              x  .  .  .  .  .  .  .  .  .  .  .
close:carbon_copy_filed              x  .  .  .  .  .  .  .  .  .  .  .
close:rco_resolved                   .  x  .  .  .  .  .  .  .  .  .  .
close:incomplete_deemed_withdrawn    .  .  .  x  .  .  .  .  .  .  .  .
close:withdrawn_by_reporter          x  x  x  x  x  x  x  x  x  x  x  .
close:time_barred                    .  .  x  x  .  .  .  .  .  .  .  .
close:duplicate                      .  .  x  x  .  .  .  .  .  .  .  .
close:no_prior_complaint             .  .  x  x  .  .  .  .  .  .  .  .
close:transferred_out                .  x  x  .  .  .  .  .  .  .  .  .
close:outside_competence             .  x  x  .  .  .  .  .  .  .  .  .
close:sub_judice                     .  .  x  .  .  .  .  .  .  .  .  .
close:agency_still_handling          .  .  x  .  .  .  .  .  .  .  .  .
close:resolved_by_respondent         .  x  x  .  x  x  .  .  .  .  .  .
close:settled_by_mediation           .  .  .  .  x  .  .  .  .  .  .  .
close:no_maladministration           .  .  .  .  .  .  .  x  .  .  .  .
close:examination_stopped            .  .  .  .  .  .  .  x  .  .  .  .
close:corrective_action_implemented  .  .  .  .  .  .  .  .  x  .  .  .
close:resolved_in_resolution         .  .  .  .  .  .  .  .  .  x  .  .
close:recommendation_implemented     .  .  .  .  .  .  .  .  .  .  x  .
close:recommendation_partly_implemented .  .  .  .  .  .  .  .  .  .  x  .
close:recommendation_not_implemented .  .  .  .  .  .  .  .  .  .  x  .
";

/// Who may take each action on a case of the actor's own office (`jawa-barat`, not `pusat`),
/// in the first state the action is legal from, with the test's body (a report and a
/// conversion on the regular track); the auditor never writes. DOMAIN §1, §4, §5.
const ROLES: &str = "
report                               intake system
convert                              intake unit_head
record-verification                  intake
request-completion                   intake
complete                             intake
accept                               unit_head office_head
classify                             intake investigator unit_head
assign                               unit_head office_head
transfer                             office_head
request-clarification                intake investigator
answer-clarification                 intake investigator
summon                               investigator
record-attendance                    investigator
record-absence                       investigator
request-police-assistance            office_head
record-activity                      investigator resmon
start-mediation                      investigator
mediate                              investigator
propose-conclusion                   investigator
return-conclusion                    office_head
approve-conclusion                   office_head
notify-conclusion                    investigator
record-reporter-response             investigator
issue-lhp                            office_head
report-corrective-action             investigator resmon
refer-to-resolution                  unit_head office_head
return-lhp-file                      resmon
complete-lhp-file                    investigator
refer-to-recommendation              office_head
recommend                            chair
record-delivery                      resmon
report-implementation                resmon
assess-implementation                member chair
publish                              chair
report-to-dpr-and-president          chair
reopen                               office_head
record-letter-receipt                intake investigator resmon unit_head office_head
notes                                intake investigator resmon unit_head office_head member chair dpo
propose-action                       system
dismiss-proposal                     unit_head office_head
erase-personal-data                  dpo
request-erasure                      dpo
approve-erasure                      office_head
refuse-erasure                       office_head
close:consultation_only              intake
close:carbon_copy_filed              intake
close:rco_resolved                   unit_head
close:incomplete_deemed_withdrawn    intake system
close:withdrawn_by_reporter          intake unit_head office_head
close:time_barred                    unit_head office_head
close:duplicate                      unit_head office_head
close:no_prior_complaint             unit_head office_head
close:transferred_out                unit_head office_head
close:outside_competence             unit_head office_head
close:sub_judice                     unit_head office_head
close:agency_still_handling          unit_head office_head
close:resolved_by_respondent         unit_head office_head
close:settled_by_mediation           office_head
close:no_maladministration           office_head
close:examination_stopped            office_head
close:corrective_action_implemented  office_head
close:resolved_in_resolution         office_head
close:recommendation_implemented     member chair
close:recommendation_partly_implemented member chair
close:recommendation_not_implemented member chair
";

const COLUMNS: [Status; 12] = [
    Status::Registered,
    Status::RapidResponse,
    Status::Received,
    Status::AwaitingCompletion,
    Status::UnderExamination,
    Status::InMediation,
    Status::AwaitingReporterResponse,
    Status::AwaitingClosure,
    Status::CorrectiveAction,
    Status::InResolution,
    Status::Recommendation,
    Status::Closed,
];

fn parse_action(name: &str) -> Action {
    if let Some(reason) = name.strip_prefix("close:") {
        return Action::Close(ClosureReason::parse(reason).unwrap());
    }
    let kind = CommandKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == name)
        .unwrap_or_else(|| panic!("unknown action {name}"));
    Action::Command(kind)
}

fn table(text: &str) -> Vec<(Action, Vec<&str>)> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("RG"))
        .map(|l| {
            let mut cells = l.split_whitespace();
            let action = parse_action(cells.next().unwrap());
            (action, cells.collect())
        })
        .collect()
}

#[test]
fn the_tables_cover_every_action() {
    let states: Vec<Action> = table(STATES).into_iter().map(|(a, _)| a).collect();
    let roles: Vec<Action> = table(ROLES).into_iter().map(|(a, _)| a).collect();
    for action in Action::all() {
        assert!(states.contains(&action), "{action} missing from STATES");
        assert!(roles.contains(&action), "{action} missing from ROLES");
    }
}

/// The first role allowed to take an action (from the test's own table).
fn allowed_role(action: Action) -> Role {
    let roles = table(ROLES);
    let (_, names) = roles.iter().find(|(a, _)| *a == action).unwrap();
    Role::parse(names[0]).unwrap()
}

#[test]
fn every_action_is_legal_exactly_in_its_states() {
    for (action, cells) in table(STATES) {
        assert_eq!(cells.len(), COLUMNS.len(), "row {action}");
        let role = allowed_role(action);
        for (status, cell) in COLUMNS.iter().zip(&cells) {
            let scenario = Scenario::at(*status);
            let result = scenario.when_action(role, action);
            let invalid = matches!(result, Err(DomainError::InvalidTransition { .. }));
            match *cell {
                "x" => assert!(
                    !invalid,
                    "{action} by {role} in {status} must be legal, got {result:?}"
                ),
                "." => assert!(
                    invalid,
                    "{action} by {role} in {status} must be an invalid transition, got {result:?}"
                ),
                other => panic!("bad cell {other}"),
            }
        }
    }
}

#[test]
fn only_report_is_possible_before_a_case_exists() {
    let scenario = Scenario::at(Status::Unreported);
    for action in Action::all() {
        let result = scenario.when_action(allowed_role(action), action);
        if action == Action::Command(CommandKind::Report) {
            assert!(result.is_ok(), "report must open a case: {result:?}");
        } else {
            assert_eq!(result, Err(DomainError::NoSuchCase), "{action}");
        }
    }
}

#[test]
fn every_action_is_permitted_exactly_to_its_roles() {
    for (action, allowed) in table(ROLES) {
        // A state the action is legal from, so only the role decides.
        let status = table(STATES)
            .into_iter()
            .find(|(a, _)| *a == action)
            .and_then(|(_, cells)| cells.iter().position(|c| *c == "x").map(|i| COLUMNS[i]))
            .unwrap_or(Status::Unreported);
        let scenario = Scenario::at(status);
        for role in Role::ALL {
            let result = scenario.when_action(*role, action);
            let refused = matches!(result, Err(DomainError::NotPermitted { .. }));
            if allowed.contains(&role.as_str()) {
                assert!(!refused, "{role} must be permitted to {action}: {result:?}");
            } else {
                assert_eq!(
                    result,
                    Err(DomainError::NotPermitted {
                        role: *role,
                        action
                    }),
                    "{role} must not be permitted to {action}"
                );
            }
        }
    }
}

#[test]
fn the_auditor_never_writes() {
    for status in COLUMNS {
        let scenario = Scenario::at(status);
        for action in Action::all() {
            assert!(
                matches!(
                    scenario.when_action(Role::Auditor, action),
                    Err(DomainError::NotPermitted {
                        role: Role::Auditor,
                        ..
                    }) | Err(DomainError::NoSuchCase)
                ),
                "auditor {action} in {status}"
            );
        }
    }
}

#[test]
fn office_scoped_roles_act_only_on_their_office_and_the_others_on_every_office() {
    let scenario = Scenario::at(Status::UnderExamination);
    let note = || CommandBody::AddNote { note: sealed(9) };
    for role in [
        Role::Intake,
        Role::Investigator,
        Role::Resmon,
        Role::UnitHead,
        Role::OfficeHead,
    ] {
        let result = scenario.when_by(actor_in(role, "jawa-timur"), note());
        assert!(
            matches!(result, Err(DomainError::OutsideOffice { .. })),
            "{role} of another office: {result:?}"
        );
        assert!(scenario.when_by(actor(role), note()).is_ok());
    }
    for role in [Role::Member, Role::Chair, Role::Dpo] {
        assert!(
            scenario.when_by(actor_in(role, "pusat"), note()).is_ok(),
            "{role}"
        );
    }
}

#[test]
fn the_retired_supervisor_role_may_do_nothing() {
    for status in COLUMNS {
        let scenario = Scenario::at(status);
        for action in Action::all() {
            assert!(
                matches!(
                    scenario.when_action(Role::Supervisor, action),
                    Err(DomainError::NotPermitted { .. }) | Err(DomainError::NoSuchCase)
                ),
                "supervisor {action} in {status}"
            );
        }
    }
}

/// The narrower rules: who asks for clarification where, and the member as head of office
/// on `pusat` cases only.
#[test]
fn clarification_is_asked_by_the_role_of_the_stage() {
    let ask = Action::Command(CommandKind::RequestClarification);
    let cases: &[(Status, &[Role])] = &[
        (Status::RapidResponse, &[Role::Intake, Role::Investigator]),
        (Status::UnderExamination, &[Role::Investigator]),
        (Status::CorrectiveAction, &[Role::Investigator]),
        (Status::InResolution, &[Role::Resmon]),
        (Status::Recommendation, &[Role::Resmon]),
    ];
    for (status, allowed) in cases {
        let scenario = Scenario::at(*status);
        for role in [Role::Intake, Role::Investigator, Role::Resmon] {
            let result = scenario.when_action(role, ask);
            let refused = matches!(result, Err(DomainError::NotPermitted { .. }));
            assert_eq!(
                refused,
                !allowed.contains(&role),
                "{role} asking for clarification in {status}: {result:?}"
            );
        }
    }
}

#[test]
fn a_member_acts_as_head_of_office_only_on_pusat_cases() {
    let mut on_pusat = Scenario::new();
    let mut report = report_body();
    report.office = OfficeCode::parse("pusat").unwrap();
    on_pusat.given_by(
        actor_in(Role::Intake, "pusat"),
        CommandBody::Report(Box::new(report)),
    );
    on_pusat.verified_by(actor_in(Role::Intake, "pusat"));
    let accept = body_for(Action::Command(CommandKind::Accept));
    on_pusat.given_by(actor_in(Role::UnitHead, "pusat"), accept);
    let transfer = CommandBody::Transfer {
        to_office: OfficeCode::parse("jawa-barat").unwrap(),
        reason: sealed(3),
    };
    assert!(on_pusat
        .when_by(actor_in(Role::Member, "pusat"), transfer.clone())
        .is_ok());
    let on_jabar = Scenario::at(Status::UnderExamination);
    let transfer = body_for(Action::Command(CommandKind::Transfer));
    assert!(matches!(
        on_jabar.when_by(actor_in(Role::Member, "pusat"), transfer),
        Err(DomainError::NotPermitted { .. })
    ));
}
