//! The deadline engine (DOMAIN §8): ombud acting on its own clocks as the `system` actor,
//! through ordinary commands. One [`DeadlineEngine::pass`] reads the deadline board, loads
//! each case with a clock that ran out fresh from the log, asks the domain's
//! [`plan`](ombud_domain::engine::plan) what to do, and runs each act with its deterministic
//! idempotency key (`<case>:<clock>:<due date>`): a second engine on the same stream, or a
//! pass after a restart, is answered with the first event and records nothing. An act the
//! domain refuses (a person stopped the clock first) is skipped. The same pass sends the
//! reminders (N working days before a due date, and once overdue) to a [`Notify`] sink, each
//! once: the reminders sent are kept in the read models' database.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use chrono::{NaiveDate, NaiveTime};
use futures_util::StreamExt as _;
use ombud_domain::engine::{plan, ran_out, EngineAct, EnginePolicy};
use ombud_domain::{
    Actor, ActorId, CaseId, CaseReference, ClockKind, IdempotencyKey, OfficeCode, Role, Timestamp,
};
use ombud_envelope::KeyStore;
use ombud_eventlog::Backend;
use ombud_projection::models::deadline_board::{self, BoardFilter, ClockEntry};
use serde::Serialize;

use crate::error::ServiceError;
use crate::input::CommandInput;
use crate::{CommandRequest, Service};

/// The engine's actor id (role `system`, in the office of the case it acts on).
pub const ENGINE_ACTOR: &str = "deadline-engine";

/// Cases a pass acts on at the same time.
const CASES_AT_ONCE: usize = 16;

/// What the engine does in one office (`[deadline_engine]`, `[deadline_engine.offices.<code>]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeEngine {
    /// Whether the engine acts and reminds in this office at all.
    pub enabled: bool,
    /// The office-local time of its daily pass.
    pub run_at: NaiveTime,
    /// What it performs and what it only proposes, and the grace after a due date.
    pub policy: EnginePolicy,
    /// Remind this many working days before a due date (each threshold once).
    pub remind_before: Vec<u32>,
}

impl Default for OfficeEngine {
    fn default() -> Self {
        OfficeEngine {
            enabled: true,
            run_at: NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default(),
            policy: EnginePolicy::default(),
            remind_before: vec![3, 1],
        }
    }
}

/// The engine's settings: a default and per-office overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineSettings {
    /// For every office without its own entry.
    pub default: OfficeEngine,
    /// Offices with settings of their own.
    pub offices: HashMap<OfficeCode, OfficeEngine>,
}

impl EngineSettings {
    /// The settings of `office`.
    pub fn of(&self, office: &OfficeCode) -> &OfficeEngine {
        self.offices.get(office).unwrap_or(&self.default)
    }
}

/// Why a reminder is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reminder {
    /// The clock is due within this many working days (a configured threshold).
    DueSoon {
        /// The threshold crossed.
        within_working_days: u32,
    },
    /// The clock is past due.
    Overdue,
}

/// A reminder to the person responsible for a clock (published on
/// [`Notification::subject`], and on the SSE stream `GET /v1/notifications`). No personal
/// data: the case's reference, the clock and its due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// The same in every engine for the same reminder (a bridge dedupes on it).
    pub id: String,
    /// The case's office.
    pub office: OfficeCode,
    /// The assignee (`None`: the case has none; the office's heads are meant).
    pub to: Option<ActorId>,
    /// The case.
    pub case_id: CaseId,
    /// Its reference.
    pub reference: CaseReference,
    /// The clock.
    pub clock: ClockKind,
    /// Its due date.
    pub due_on: NaiveDate,
    /// Calendar days left on the office's date (negative once overdue).
    pub days_left: i64,
    /// Why.
    #[serde(flatten)]
    pub reminder: Reminder,
}

impl Notification {
    /// `ombud.notify.<office>.<assignee>` (`ombud.notify.<office>.unassigned` without one).
    pub fn subject(&self) -> String {
        match &self.to {
            Some(to) => format!("ombud.notify.{}.{to}", self.office),
            None => format!("ombud.notify.{}.unassigned", self.office),
        }
    }
}

/// Where reminders go (NATS, the SSE hub). A failed delivery is retried on the next pass.
pub trait Notify: Send + Sync {
    /// Delivers one reminder.
    fn notify(&self, note: &Notification) -> impl Future<Output = Result<(), String>> + Send;
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PassReport {
    /// Running clocks on the board within the reminder horizon.
    pub clocks_seen: usize,
    /// Cases with a clock that ran out, loaded from the log.
    pub cases_examined: usize,
    /// Acts performed (closures as deemed withdrawn).
    pub performed: usize,
    /// Proposals recorded.
    pub proposed: usize,
    /// Acts another engine (or an earlier pass) had recorded already.
    pub already_recorded: usize,
    /// Acts the domain refused (a person acted first): nothing recorded.
    pub refused: usize,
    /// Reminders sent.
    pub reminders: usize,
    /// What failed (the log or a sink unavailable); the next pass tries again.
    pub failures: Vec<String>,
}

/// What the engine did last, for `/readyz` and `ombud status`.
#[derive(Debug, Default)]
pub struct EngineStatus {
    last: std::sync::Mutex<Option<LastPass>>,
}

/// The engine's passes so far and the last one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LastPass {
    /// Passes since the process started.
    pub passes: u64,
    /// When the last one ran (the engine's "now").
    pub at: Option<Timestamp>,
    /// What it did.
    pub report: PassReport,
}

impl EngineStatus {
    /// The passes so far (`None` before the first).
    pub fn last(&self) -> Option<LastPass> {
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn record(&self, at: Timestamp, report: &PassReport) {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let passes = last.as_ref().map_or(0, |l| l.passes) + 1;
        *last = Some(LastPass {
            passes,
            at: Some(at),
            report: report.clone(),
        });
    }
}

/// The deadline engine over one service.
pub struct DeadlineEngine<B: Backend, S: KeyStore> {
    service: Service<B, S>,
    settings: EngineSettings,
    sent: sled::Tree,
    actor_id: ActorId,
    status: std::sync::Arc<EngineStatus>,
}

impl<B: Backend, S: KeyStore> DeadlineEngine<B, S> {
    /// The engine of `service` under `settings`.
    pub fn new(service: Service<B, S>, settings: EngineSettings) -> Result<Self, ServiceError> {
        let sent = service
            .models()
            .side_tree("engine_reminders")
            .map_err(|e| ServiceError::Internal(format!("opening the reminders sent: {e}")))?;
        let actor_id = ActorId::parse(ENGINE_ACTOR)
            .map_err(|e| ServiceError::Internal(format!("the engine's actor id: {e}")))?;
        Ok(DeadlineEngine {
            service,
            settings,
            sent,
            actor_id,
            status: Default::default(),
        })
    }

    /// What it did last (shared: `/readyz` reads it).
    pub fn status(&self) -> std::sync::Arc<EngineStatus> {
        self.status.clone()
    }

    /// Its settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// The engine as the actor of an act in `office`.
    pub fn actor(&self, office: &OfficeCode) -> Actor {
        Actor {
            id: self.actor_id.clone(),
            role: Role::System,
            office: office.clone(),
        }
    }

    /// One pass at `now` over the offices in `only` (every enabled office when `None`): acts
    /// on the clocks that ran out and sends the reminders due.
    pub async fn pass<N: Notify>(
        &self,
        now: Timestamp,
        only: Option<&[OfficeCode]>,
        notify: &N,
    ) -> PassReport {
        let report = self.pass_inner(now, only, notify).await;
        self.status.record(now, &report);
        report
    }

    async fn pass_inner<N: Notify>(
        &self,
        now: Timestamp,
        only: Option<&[OfficeCode]>,
        notify: &N,
    ) -> PassReport {
        let mut report = PassReport::default();
        let rules = self.service.rules();
        let today_at = |office: &OfficeCode| now.local_date(rules.offices.offset_of(office));
        // One board scan for every office: from the east-most date, up to the farthest
        // reminder threshold.
        let latest = rules
            .offices
            .offices
            .iter()
            .map(|o| today_at(&o.code))
            .max();
        let Some(latest) = latest else {
            return report; // an empty register (refused at start-up): nothing to do
        };
        let farthest = std::iter::once(&self.settings.default)
            .chain(self.settings.offices.values())
            .flat_map(|o| o.remind_before.iter().copied())
            .max()
            .unwrap_or(0);
        let horizon = rules
            .calendar
            .add_working_days(latest, farthest)
            .map_or(0, |d| (d - latest).num_days().max(0) as u32);
        let models = self.service.models().clone();
        let board = tokio::task::spawn_blocking(move || {
            deadline_board::board(
                &models.cases.trees(),
                latest,
                horizon,
                &BoardFilter::default(),
            )
        })
        .await;
        let board = match board {
            Ok(Ok(board)) => board,
            Ok(Err(e)) => {
                report
                    .failures
                    .push(format!("reading the deadline board: {e}"));
                return report;
            }
            Err(e) => {
                report
                    .failures
                    .push(format!("reading the deadline board: {e}"));
                return report;
            }
        };

        let mut ran_out_cases: BTreeMap<CaseId, OfficeCode> = BTreeMap::new();
        let mut reminders = Vec::new();
        for item in board {
            let entry = item.entry;
            let office = &entry.office;
            if only.is_some_and(|only| !only.contains(office)) {
                continue;
            }
            let settings = self.settings.of(office);
            if !settings.enabled {
                continue;
            }
            report.clocks_seen += 1;
            let today = today_at(office);
            if ran_out(&entry.deadline, today, settings.policy.grace_days) {
                ran_out_cases.insert(entry.case_id, office.clone());
            }
            if let Some(reminder) = self.reminder(&entry, today, settings) {
                reminders.push(reminder);
            }
        }

        // Cases are independent: several at a time (each case's acts in order).
        let acted: Vec<PassReport> = futures_util::stream::iter(ran_out_cases)
            .map(|(case_id, office)| async move {
                let mut one = PassReport {
                    cases_examined: 1,
                    ..PassReport::default()
                };
                self.act_on(case_id, &office, now, today_at(&office), &mut one)
                    .await;
                one
            })
            .buffer_unordered(CASES_AT_ONCE)
            .collect()
            .await;
        for one in acted {
            report.cases_examined += one.cases_examined;
            report.performed += one.performed;
            report.proposed += one.proposed;
            report.already_recorded += one.already_recorded;
            report.refused += one.refused;
            report.failures.extend(one.failures);
        }

        for note in reminders {
            if self.sent.contains_key(note.id.as_bytes()).unwrap_or(false) {
                continue;
            }
            match notify.notify(&note).await {
                Ok(()) => {
                    if let Err(e) = self.sent.insert(note.id.as_bytes(), &[]) {
                        report
                            .failures
                            .push(format!("recording reminder {}: {e}", note.id));
                    }
                    report.reminders += 1;
                }
                Err(why) => report
                    .failures
                    .push(format!("sending reminder {}: {why}", note.id)),
            }
        }
        if report.reminders > 0 {
            if let Err(e) = self.service.models().flush().await {
                report
                    .failures
                    .push(format!("keeping the reminders sent: {e}"));
            }
        }
        report
    }

    /// Plans and runs the acts on one case, judged on its state fresh from the log.
    async fn act_on(
        &self,
        case_id: CaseId,
        office: &OfficeCode,
        now: Timestamp,
        today: NaiveDate,
        report: &mut PassReport,
    ) {
        let state = match self.service.log().load(case_id).await {
            Ok(loaded) => loaded.state,
            Err(e) => {
                report.failures.push(format!("loading case {case_id}: {e}"));
                return;
            }
        };
        let policy = self.settings.of(office).policy;
        for act in plan(&state, today, &policy) {
            let (route, body) = match act.act {
                EngineAct::CloseDeemedWithdrawn => (
                    "close",
                    serde_json::json!({"reason": "incomplete_deemed_withdrawn"}),
                ),
                EngineAct::Propose(action) => (
                    "propose-action",
                    serde_json::json!({"action": action, "clock": act.clock}),
                ),
            };
            let input = match CommandInput::parse(route, body.to_string().as_bytes()) {
                Ok(input) => input,
                Err(e) => {
                    report.failures.push(format!("{route} on {case_id}: {e}"));
                    continue;
                }
            };
            let key = match IdempotencyKey::parse(&act.idempotency_key(case_id)) {
                Ok(key) => key,
                Err(e) => {
                    report.failures.push(format!("{route} on {case_id}: {e}"));
                    continue;
                }
            };
            let request = CommandRequest {
                case_id: Some(case_id),
                actor: self.actor(office),
                idempotency_key: Some(key),
                if_match: None,
                correlation_id: None,
                at: Some(now),
                input,
            };
            match self.service.execute(request).await {
                Ok(outcome) if outcome.replayed => report.already_recorded += 1,
                Ok(_) => match act.act {
                    EngineAct::CloseDeemedWithdrawn => report.performed += 1,
                    EngineAct::Propose(_) => report.proposed += 1,
                },
                // A person acted first (the clock stopped, the case moved on or away).
                Err(ServiceError::Refused(_) | ServiceError::NotFound(_)) => report.refused += 1,
                Err(e) => report
                    .failures
                    .push(format!("{route} on case {case_id}: {e}")),
            }
        }
    }

    /// The reminder `entry` calls for on `today`, if any: the tightest threshold crossed, or
    /// overdue.
    fn reminder(
        &self,
        entry: &ClockEntry,
        today: NaiveDate,
        settings: &OfficeEngine,
    ) -> Option<Notification> {
        let due = entry.deadline.due_on;
        let reminder = if today > due {
            Reminder::Overdue
        } else {
            let left = working_days_between(&self.service.rules().calendar, today, due);
            let threshold = settings
                .remind_before
                .iter()
                .copied()
                .filter(|n| left <= *n)
                .min()?;
            Reminder::DueSoon {
                within_working_days: threshold,
            }
        };
        let why = match reminder {
            Reminder::Overdue => "overdue".to_owned(),
            Reminder::DueSoon {
                within_working_days,
            } => format!("due-in-{within_working_days}"),
        };
        Some(Notification {
            id: format!("{}:{}:{due}:{why}", entry.case_id, entry.deadline.clock),
            office: entry.office.clone(),
            to: entry.assignee.clone(),
            case_id: entry.case_id,
            reference: entry.reference.clone(),
            clock: entry.deadline.clock,
            due_on: due,
            days_left: (due - today).num_days(),
            reminder,
        })
    }
}

/// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
fn working_days_between(
    calendar: &ombud_domain::WorkingCalendar,
    from: NaiveDate,
    to: NaiveDate,
) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| calendar.is_working_day(*d))
        .count() as u32
}
