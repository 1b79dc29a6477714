//! Every transition rule of `docs/procedure.md` as two tables written out here, independently
//! of the tables in `decide`: which states each action is legal from, and which roles may take
//! it. Each cell is tried: a legal cell must never be refused as an invalid transition (or as
//! not permitted), an illegal one must be.
#![allow(clippy::unwrap_used)]

mod support;

use ombud_domain::*;
use support::*;

/// Columns: RE received, AC awaiting_completion, UE under_examination, IM in_mediation,
/// CA corrective_action, IR in_resolution, RC recommendation, CL closed. `x` = legal.
const STATES: &str = "
report                                    .  .  .  .  .  .  .  .
request-completion                        x  .  .  .  .  .  .  .
complete                                  .  x  .  .  .  .  .  .
accept                                    x  .  .  .  .  .  .  .
assign                                    x  x  x  x  x  x  x  .
request-clarification                     .  .  x  .  .  .  .  .
answer-clarification                      .  .  x  .  .  .  .  .
start-mediation                           .  .  x  .  .  .  .  .
mediate                                   .  .  .  x  .  .  .  .
conclude                                  .  .  x  .  .  .  .  .
recommend                                 .  .  .  .  .  x  .  .
reopen                                    .  .  .  .  .  .  .  x
notes                                     x  x  x  x  x  x  x  x
erase-personal-data                       x  x  x  x  x  x  x  x
request-erasure                           x  x  x  x  x  x  x  .
approve-erasure                           x  x  x  x  x  x  x  .
refuse-erasure                            x  x  x  x  x  x  x  .
escalate:to_superior                      .  .  x  .  x  .  .  .
escalate:summons                          .  .  x  .  .  .  .  .
escalate:police_assistance                .  .  x  .  .  .  .  .
escalate:transfer_office                  x  x  x  .  .  .  .  .
escalate:to_resolution                    .  .  .  .  x  .  .  .
escalate:to_recommendation                .  .  .  .  .  x  .  .
escalate:publication                      .  .  .  .  .  .  x  .
escalate:report_to_parliament_and_president .  .  .  .  .  .  x  .
close:consultation_only                   x  x  .  .  .  .  .  .
close:incomplete_deemed_withdrawn         .  x  .  .  .  .  .  .
close:withdrawn_by_reporter               x  x  x  x  x  x  x  .
close:time_barred                         x  x  x  .  .  .  .  .
close:duplicate                           x  x  x  .  .  .  .  .
close:transferred_out                     x  x  x  .  .  .  .  .
close:outside_competence                  x  x  x  .  .  .  .  .
close:no_prior_complaint                  x  x  x  .  .  .  .  .
close:sub_judice                          x  x  x  .  .  .  .  .
close:agency_still_handling               x  x  x  .  .  .  .  .
close:settled_by_mediation                .  .  x  .  .  .  .  .
close:no_maladministration                .  .  x  .  .  .  .  .
close:examination_stopped                 .  .  x  .  .  .  .  .
close:corrective_action_implemented       .  .  .  .  x  .  .  .
close:resolved_in_resolution              .  .  .  .  .  x  .  .
close:recommendation_implemented          .  .  .  .  .  .  x  .
close:recommendation_partly_implemented   .  .  .  .  .  .  x  .
close:recommendation_not_implemented      .  .  .  .  .  .  x  .
";

/// Who may take each action (the "who" column of `docs/procedure.md`; auditor never writes).
const ROLES: &str = "
report                                    intake system
request-completion                        intake
complete                                  intake
accept                                    supervisor
assign                                    supervisor
request-clarification                     investigator
answer-clarification                      investigator
start-mediation                           investigator
mediate                                   investigator
conclude                                  investigator supervisor
recommend                                 chair
reopen                                    supervisor
notes                                     intake investigator supervisor chair dpo
erase-personal-data                       dpo
request-erasure                           dpo
approve-erasure                           supervisor
refuse-erasure                            supervisor
escalate:to_superior                      investigator supervisor
escalate:summons                          investigator supervisor
escalate:police_assistance                supervisor chair
escalate:transfer_office                  supervisor
escalate:to_resolution                    supervisor
escalate:to_recommendation                supervisor chair
escalate:publication                      chair
escalate:report_to_parliament_and_president chair
close:consultation_only                   supervisor
close:incomplete_deemed_withdrawn         supervisor system
close:withdrawn_by_reporter               investigator supervisor
close:time_barred                         supervisor
close:duplicate                           supervisor
close:transferred_out                     supervisor
close:outside_competence                  supervisor
close:no_prior_complaint                  supervisor
close:sub_judice                          supervisor
close:agency_still_handling               supervisor
close:settled_by_mediation                investigator supervisor
close:no_maladministration                investigator supervisor
close:examination_stopped                 investigator supervisor
close:corrective_action_implemented       supervisor
close:resolved_in_resolution              supervisor
close:recommendation_implemented          supervisor chair
close:recommendation_partly_implemented   supervisor chair
close:recommendation_not_implemented      supervisor chair
";

const COLUMNS: [Status; 8] = [
    Status::Received,
    Status::AwaitingCompletion,
    Status::UnderExamination,
    Status::InMediation,
    Status::CorrectiveAction,
    Status::InResolution,
    Status::Recommendation,
    Status::Closed,
];

fn parse_action(name: &str) -> Action {
    if let Some(kind) = name.strip_prefix("escalate:") {
        return Action::Escalate(EscalationKind::parse(kind).unwrap());
    }
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
        .filter(|l| !l.trim().is_empty())
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
    for role in [Role::Intake, Role::Investigator, Role::Supervisor] {
        let result = scenario.when_by(actor_in(role, "jawa-timur"), note());
        assert!(
            matches!(result, Err(DomainError::OutsideOffice { .. })),
            "{role} of another office: {result:?}"
        );
        assert!(scenario.when_by(actor(role), note()).is_ok());
    }
    for role in [Role::Chair, Role::Dpo] {
        assert!(
            scenario.when_by(actor_in(role, "pusat"), note()).is_ok(),
            "{role}"
        );
    }
}
