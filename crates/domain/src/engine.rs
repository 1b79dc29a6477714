//! What the deadline engine (DOMAIN §8) does with one case on one day: a pure plan from the
//! case's state, the office's policy and the date. The engine *performs* only the closure as
//! deemed withdrawn once the completion clock ran out (when the office lets it); for every
//! other clock that ran out it *proposes* what a person decides. It never plans twice for the
//! same clock and due date: a proposal already on the case (open or dismissed) settles it, and
//! each act carries the deterministic idempotency key `<case>:<clock>:<due date>`, so a second
//! engine, or a restart, answers with the first event instead of making another.

use chrono::NaiveDate;

use crate::deadline::{ClockKind, Deadline};
use crate::ids::CaseId;
use crate::state::CaseState;
use crate::taxonomy::ProposedAction;

/// What an office lets the engine do (`[deadline_engine]`, per office).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnginePolicy {
    /// Close as `incomplete_deemed_withdrawn` when the completion clock ran out (false:
    /// propose the closure instead).
    pub auto_close_deemed_withdrawn: bool,
    /// Days after the due date before the engine acts (0: the day after the due date).
    pub grace_days: u32,
}

impl Default for EnginePolicy {
    fn default() -> Self {
        EnginePolicy {
            auto_close_deemed_withdrawn: true,
            grace_days: 0,
        }
    }
}

/// What the engine does about one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineAct {
    /// Close the case as deemed withdrawn (the one act the engine performs itself).
    CloseDeemedWithdrawn,
    /// Record `action_proposed` for a person to carry out or dismiss.
    Propose(ProposedAction),
}

/// One planned act: about which clock, due when, doing what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedAct {
    /// The clock that ran out.
    pub clock: ClockKind,
    /// Its due date.
    pub due_on: NaiveDate,
    /// The act.
    pub act: EngineAct,
}

impl PlannedAct {
    /// The act's idempotency key, the same in every engine: `<case>:<clock>:<due date>`.
    pub fn idempotency_key(&self, case_id: CaseId) -> String {
        format!("{case_id}:{}:{}", self.clock, self.due_on)
    }
}

/// The command (route name) a person runs to carry out a proposal.
pub fn command_for(action: ProposedAction) -> &'static str {
    match action {
        ProposedAction::NextClarificationRound => "request-clarification",
        ProposedAction::Summons => "summon",
        ProposedAction::IssueLhp => "issue-lhp",
        ProposedAction::ReferToResolution => "refer-to-resolution",
        ProposedAction::PoliceRequest => "request-police-assistance",
        ProposedAction::AssessImplementation => "assess-implementation",
        ProposedAction::ConvertRco => "convert",
        ProposedAction::CloseDeemedWithdrawn => "close",
    }
}

/// Whether `deadline` has run out on `today`, counting `grace_days` after its due date.
pub fn ran_out(deadline: &Deadline, today: NaiveDate, grace_days: u32) -> bool {
    deadline
        .due_on
        .checked_add_days(chrono::Days::new(u64::from(grace_days)))
        .is_some_and(|last| today > last)
}

/// What the engine does with `state` on `today` under `policy`: at most one act per clock
/// that ran out, none for a clock already proposed on at its due date, none on a closed case.
pub fn plan(state: &CaseState, today: NaiveDate, policy: &EnginePolicy) -> Vec<PlannedAct> {
    if !state.status.is_open() {
        return Vec::new();
    }
    state
        .running_clocks()
        .into_iter()
        .filter(|d| ran_out(d, today, policy.grace_days))
        .filter(|d| {
            !state
                .proposals
                .iter()
                .any(|p| p.clock == d.clock && p.due_on == d.due_on)
        })
        .filter_map(|d| {
            let act = match d.clock {
                ClockKind::Completion if policy.auto_close_deemed_withdrawn => {
                    EngineAct::CloseDeemedWithdrawn
                }
                ClockKind::Completion => EngineAct::Propose(ProposedAction::CloseDeemedWithdrawn),
                ClockKind::Clarification => EngineAct::Propose(after_clarification(state)),
                ClockKind::ReporterResponse => EngineAct::Propose(ProposedAction::IssueLhp),
                ClockKind::CorrectiveAction => {
                    EngineAct::Propose(ProposedAction::ReferToResolution)
                }
                ClockKind::SuperiorReport => {
                    EngineAct::Propose(ProposedAction::AssessImplementation)
                }
                ClockKind::RcoService => EngineAct::Propose(ProposedAction::ConvertRco),
                // Reminders only: nothing in DOMAIN §8 follows these clocks.
                ClockKind::RecommendationDelivery | ClockKind::ClosureNotice => return None,
            };
            Some(PlannedAct {
                clock: d.clock,
                due_on: d.due_on,
                act,
            })
        })
        .collect()
}

/// After an unanswered clarification: a second round first, then a summons; police
/// assistance once a summoned party missed three times in a row without a valid reason
/// (Pasal 31) and no request for that party is on record.
fn after_clarification(state: &CaseState) -> ProposedAction {
    let absent = state.summons.iter().any(|s| {
        state.unexcused_misses(&s.party_ref) >= 3 && !state.police_requests.contains(&s.party_ref)
    });
    if absent {
        ProposedAction::PoliceRequest
    } else if state.clarification_rounds >= 2 {
        ProposedAction::Summons
    } else {
        ProposedAction::NextClarificationRound
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Clock, Proposal, Status};

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    fn with_clock(status: Status, clock: ClockKind, due: &str) -> CaseState {
        let mut state = CaseState {
            status,
            ..CaseState::default()
        };
        state.clocks.insert(
            clock,
            Clock {
                kind: clock,
                letter_of: None,
                sent_on: day("2026-01-01"),
                deadline: Some(Deadline {
                    clock,
                    starts_on: day("2026-01-01"),
                    due_on: day(due),
                    length: 30,
                    unit: crate::deadline::DayUnit::Days,
                    calendar_version: "test".into(),
                }),
            },
        );
        state
    }

    #[test]
    fn the_completion_clock_closes_or_proposes_by_policy_and_only_after_the_grace() {
        let state = with_clock(
            Status::AwaitingCompletion,
            ClockKind::Completion,
            "2026-02-01",
        );
        let policy = EnginePolicy::default();
        assert!(
            plan(&state, day("2026-02-01"), &policy).is_empty(),
            "due, not run out"
        );
        let acts = plan(&state, day("2026-02-02"), &policy);
        assert_eq!(acts.len(), 1);
        assert_eq!(acts[0].act, EngineAct::CloseDeemedWithdrawn);
        assert_eq!(acts[0].due_on, day("2026-02-01"));
        let graced = EnginePolicy {
            grace_days: 2,
            ..policy
        };
        assert!(plan(&state, day("2026-02-03"), &graced).is_empty());
        assert_eq!(plan(&state, day("2026-02-04"), &graced).len(), 1);
        let propose = EnginePolicy {
            auto_close_deemed_withdrawn: false,
            ..policy
        };
        assert_eq!(
            plan(&state, day("2026-03-01"), &propose)[0].act,
            EngineAct::Propose(ProposedAction::CloseDeemedWithdrawn)
        );
    }

    #[test]
    fn a_proposal_for_the_same_clock_and_due_date_settles_it_even_dismissed() {
        let mut state = with_clock(
            Status::AwaitingReporterResponse,
            ClockKind::ReporterResponse,
            "2026-02-01",
        );
        let acts = plan(&state, day("2026-02-10"), &EnginePolicy::default());
        assert_eq!(acts[0].act, EngineAct::Propose(ProposedAction::IssueLhp));
        state.proposals.push(Proposal {
            seq: 9,
            action: ProposedAction::IssueLhp,
            clock: ClockKind::ReporterResponse,
            due_on: day("2026-02-01"),
            dismissed: true,
        });
        assert!(plan(&state, day("2026-02-10"), &EnginePolicy::default()).is_empty());
        // A new due date of the same clock (a later round) is a new matter.
        state.proposals[0].due_on = day("2026-01-15");
        assert_eq!(
            plan(&state, day("2026-02-10"), &EnginePolicy::default()).len(),
            1
        );
    }

    /// Every act the plan makes is one the domain lets the `system` actor record: each
    /// proposal follows its clock, and the closure meets its ground.
    #[test]
    fn every_planned_act_is_accepted_by_decide() {
        use crate::command::{Command, CommandBody};
        use crate::decide::decide;
        use crate::event::EventData;
        use crate::role::{Actor, Role};
        use crate::taxonomy::ClosureReason;
        let office = crate::ids::OfficeCode::parse("jawa-barat").unwrap_or_else(|e| panic!("{e}"));
        let case = CaseId::from_uuid(uuid::Uuid::nil());
        let at =
            crate::time::Timestamp::parse("2026-03-01T02:00:00Z").unwrap_or_else(|e| panic!("{e}"));
        let cases = [
            (Status::AwaitingCompletion, ClockKind::Completion, true),
            (Status::AwaitingCompletion, ClockKind::Completion, false),
            (Status::UnderExamination, ClockKind::Clarification, false),
            (
                Status::AwaitingReporterResponse,
                ClockKind::ReporterResponse,
                false,
            ),
            (Status::CorrectiveAction, ClockKind::CorrectiveAction, false),
            (Status::CorrectiveAction, ClockKind::SuperiorReport, false),
            (Status::RapidResponse, ClockKind::RcoService, false),
        ];
        for (status, clock, auto_close) in cases {
            let mut state = with_clock(status, clock, "2026-02-01");
            state.case_id = Some(case);
            state.office = Some(office.clone());
            let policy = EnginePolicy {
                auto_close_deemed_withdrawn: auto_close,
                grace_days: 0,
            };
            let acts = plan(&state, day("2026-03-01"), &policy);
            assert_eq!(acts.len(), 1, "{clock}: {acts:?}");
            let body = match acts[0].act {
                EngineAct::CloseDeemedWithdrawn => CommandBody::Close {
                    reason: ClosureReason::IncompleteDeemedWithdrawn,
                    pleno: None,
                    letter: None,
                    note: None,
                },
                EngineAct::Propose(action) => CommandBody::ProposeAction { action, clock },
            };
            let command = Command {
                case_id: case,
                actor: Actor {
                    id: crate::ids::ActorId::parse("deadline-engine")
                        .unwrap_or_else(|e| panic!("{e}")),
                    role: Role::System,
                    office: office.clone(),
                },
                at,
                rules: std::sync::Arc::new(crate::deadline::Rules::default()),
                body,
            };
            match decide(&state, command) {
                Ok(event) => match (&event.data, acts[0].act) {
                    (EventData::Closed(_), EngineAct::CloseDeemedWithdrawn) => {}
                    (EventData::ActionProposed(p), EngineAct::Propose(action)) => {
                        assert_eq!(
                            (p.action, p.clock, p.due_on),
                            (action, clock, day("2026-02-01"))
                        );
                    }
                    (other, act) => panic!("{clock}: {act:?} made {other:?}"),
                },
                Err(e) => panic!(
                    "{clock} ({status}): the domain refused {:?}: {e}",
                    acts[0].act
                ),
            }
        }
    }

    #[test]
    fn clarification_goes_round_two_then_summons_and_closed_cases_get_nothing() {
        let mut state = with_clock(
            Status::UnderExamination,
            ClockKind::Clarification,
            "2026-02-01",
        );
        state.clarification_rounds = 1;
        let next = |s: &CaseState| plan(s, day("2026-03-01"), &EnginePolicy::default());
        assert_eq!(
            next(&state)[0].act,
            EngineAct::Propose(ProposedAction::NextClarificationRound)
        );
        state.clarification_rounds = 2;
        assert_eq!(
            next(&state)[0].act,
            EngineAct::Propose(ProposedAction::Summons)
        );
        state.status = Status::Closed;
        assert!(next(&state).is_empty());
        let act = PlannedAct {
            clock: ClockKind::Clarification,
            due_on: day("2026-02-01"),
            act: EngineAct::Propose(ProposedAction::Summons),
        };
        let case = CaseId::from_uuid(uuid::Uuid::nil());
        assert_eq!(
            act.idempotency_key(case),
            format!("{case}:clarification:2026-02-01")
        );
    }
}
