//! The clocks of `docs/procedure.md` (reporter completion, clarification answer, corrective
//! action, recommendation implementation, incident age) and the [`Rules`] a decision needs:
//! the configurable lengths, the working-day calendar, the taxonomy and the office's UTC
//! offset. A due date is computed once, when its clock starts, and recorded in that event with the
//! calendar version; "overdue" is never stored, it is derived by comparing with the time of a
//! query.

use chrono::{Days, FixedOffset, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkingCalendar;
use crate::taxonomy::Taxonomy;

/// Which clock a deadline belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// The reporter completes the report (started by `completion_requested`).
    Completion,
    /// The respondent answers a clarification (started by `clarification_requested`).
    Clarification,
    /// The respondent carries out corrective action (started by `concluded` with `found`).
    CorrectiveAction,
    /// The superior implements a recommendation (started by `recommendation_issued`).
    Recommendation,
}

impl ClockKind {
    /// Every clock.
    pub const ALL: &'static [ClockKind] = &[
        ClockKind::Completion,
        ClockKind::Clarification,
        ClockKind::CorrectiveAction,
        ClockKind::Recommendation,
    ];

    /// The wire code.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClockKind::Completion => "completion",
            ClockKind::Clarification => "clarification",
            ClockKind::CorrectiveAction => "corrective_action",
            ClockKind::Recommendation => "recommendation",
        }
    }
}

impl std::fmt::Display for ClockKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a length counts calendar days or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayUnit {
    /// Every day counts.
    Days,
    /// Only working days of the calendar count.
    WorkingDays,
}

/// The length of one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockRule {
    /// How many units.
    pub length: u32,
    /// Calendar or working days.
    pub unit: DayUnit,
}

/// A running clock as recorded in the event that started it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// Which clock.
    pub clock: ClockKind,
    /// The local date the clock started.
    pub starts_on: NaiveDate,
    /// The last local day within the period; the day after it the clock is overdue.
    pub due_on: NaiveDate,
    /// The length used.
    pub length: u32,
    /// The unit used.
    pub unit: DayUnit,
    /// The working-day calendar version used.
    pub calendar_version: String,
}

impl Deadline {
    /// Whether the period has run out on `today` (a local date): overdue from the day after
    /// `due_on`.
    pub fn is_overdue_on(&self, today: NaiveDate) -> bool {
        today > self.due_on
    }
}

/// The configurable lengths of the clocks. Defaults: `docs/procedure.md`, "Clocks"; several are
/// marked "recalled, verify" in the research, which is why they are data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// Reporter completes the report: 30 days.
    pub completion: ClockRule,
    /// Respondent answers a clarification: 14 days.
    pub clarification: ClockRule,
    /// Respondent carries out corrective action: 30 working days.
    pub corrective_action: ClockRule,
    /// Superior implements a recommendation: 60 days.
    pub recommendation: ClockRule,
    /// An incident older than this many years at intake gets a warning (not a refusal).
    pub incident_age_warning_years: u32,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            completion: ClockRule {
                length: 30,
                unit: DayUnit::Days,
            },
            clarification: ClockRule {
                length: 14,
                unit: DayUnit::Days,
            },
            corrective_action: ClockRule {
                length: 30,
                unit: DayUnit::WorkingDays,
            },
            recommendation: ClockRule {
                length: 60,
                unit: DayUnit::Days,
            },
            incident_age_warning_years: 2,
        }
    }
}

impl DeadlinePolicy {
    /// The rule of one clock.
    pub fn rule(&self, clock: ClockKind) -> ClockRule {
        match clock {
            ClockKind::Completion => self.completion,
            ClockKind::Clarification => self.clarification,
            ClockKind::CorrectiveAction => self.corrective_action,
            ClockKind::Recommendation => self.recommendation,
        }
    }
}

/// Everything a decision needs besides the state and the command: deadline lengths, the
/// working-day calendar, the taxonomy and the offices' UTC offset (for local dates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Clock lengths.
    pub deadlines: DeadlinePolicy,
    /// Weekends and holidays.
    pub calendar: WorkingCalendar,
    /// Known forms of maladministration.
    pub taxonomy: Taxonomy,
    /// Offset of local time (WIB, UTC+7, by default).
    pub utc_offset: FixedOffset,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            deadlines: DeadlinePolicy::default(),
            calendar: WorkingCalendar::weekends_only("weekends-only"),
            taxonomy: Taxonomy::v1(),
            utc_offset: wib(),
        }
    }
}

/// Western Indonesia Time, UTC+7.
pub fn wib() -> FixedOffset {
    #[allow(clippy::expect_used)]
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is within chrono's offset range")
}

impl Rules {
    /// Starts `clock` on local date `start`: computes the due date with this calendar.
    /// `None` only when the date would overflow chrono's range.
    pub fn start_clock(&self, clock: ClockKind, start: NaiveDate) -> Option<Deadline> {
        let rule = self.deadlines.rule(clock);
        let due_on = match rule.unit {
            DayUnit::Days => start.checked_add_days(Days::new(u64::from(rule.length)))?,
            DayUnit::WorkingDays => self.calendar.add_working_days(start, rule.length)?,
        };
        Some(Deadline {
            clock,
            starts_on: start,
            due_on,
            length: rule.length,
            unit: rule.unit,
            calendar_version: self.calendar.version.clone(),
        })
    }
}
