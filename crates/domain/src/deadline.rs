//! The clocks of DOMAIN §6 and the [`Rules`] a decision needs: the configurable lengths, the
//! working-day calendar, the taxonomy and the office's UTC offset. A clock that runs from a
//! receipt starts only when the receipt date is known; its due date is computed once, in the
//! event that records the receipt, with the calendar version. "Overdue" is never stored: it is
//! derived by comparing with the date of a query.

use std::fmt;

use chrono::{Days, FixedOffset, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkingCalendar;
use crate::taxonomy::{vocabulary, Taxonomy};

vocabulary!(
    /// The legal clocks.
    ClockKind {
        Completion = "completion", "Kelengkapan laporan", "Report completion";
        Clarification = "clarification", "Jawaban klarifikasi", "Clarification answer";
        ReporterResponse = "reporter_response", "Tanggapan Pelapor atas LHP", "Reporter's response";
        CorrectiveAction = "corrective_action", "Tindakan korektif", "Corrective action";
        RecommendationDelivery = "recommendation_delivery", "Penyampaian Rekomendasi", "Recommendation delivery";
        /// v1's `recommendation` clock (60 days from issue) reads as this one.
        #[serde(alias = "recommendation")]
        SuperiorReport = "superior_report", "Laporan atasan Terlapor atas Rekomendasi", "Superior's report";
        ClosureNotice = "closure_notice", "Pemberitahuan penutupan", "Closure notice";
        RcoService = "rco_service", "Target layanan RCO", "Rapid-response service target";
    }
);

/// Calendar days or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayUnit {
    /// Calendar days.
    Days,
    /// Working days (weekends, national holidays and cuti bersama excluded).
    WorkingDays,
}

/// How long one clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockRule {
    /// How many units.
    pub length: u32,
    /// Days or working days.
    pub unit: DayUnit,
}

/// A started clock: when it started, when it is due, under which calendar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// Which clock.
    pub clock: ClockKind,
    /// The day it started (a receipt date, or the act's date).
    pub starts_on: NaiveDate,
    /// The last day of the period.
    pub due_on: NaiveDate,
    /// The length applied.
    pub length: u32,
    /// Its unit.
    pub unit: DayUnit,
    /// The working-day calendar version used.
    pub calendar_version: String,
}

impl Deadline {
    /// Whether the period has run out on `today` (the due date itself is still in time).
    pub fn is_overdue_on(&self, today: NaiveDate) -> bool {
        today > self.due_on
    }
}

/// The configured lengths (`[deadlines]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// The reporter completes the report (from receipt of the request).
    pub completion: ClockRule,
    /// The first clarification round is answered (from receipt).
    pub clarification: ClockRule,
    /// Later clarification rounds (their own setting).
    pub clarification_later_rounds: ClockRule,
    /// The reporter responds to the notified LHP (from receipt).
    pub reporter_response: ClockRule,
    /// The respondent carries out corrective action (from its receipt of the LHP).
    pub corrective_action: ClockRule,
    /// A Recommendation is delivered (from its signature).
    pub recommendation_delivery: ClockRule,
    /// The superior reports on a Recommendation (from receipt).
    pub superior_report: ClockRule,
    /// The closure letter is received (from its date).
    pub closure_notice: ClockRule,
    /// A rapid response is served (from the report's receipt).
    pub rco_service: ClockRule,
    /// A letter whose receipt is unknown this many days after its date is flagged.
    pub pending_receipt_flag_days: u32,
    /// Reports of incidents older than this many years get a warning at intake.
    pub incident_age_warning_years: u32,
}

const fn days(length: u32) -> ClockRule {
    ClockRule {
        length,
        unit: DayUnit::Days,
    }
}

const fn working_days(length: u32) -> ClockRule {
    ClockRule {
        length,
        unit: DayUnit::WorkingDays,
    }
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            completion: days(30),
            clarification: days(14),
            clarification_later_rounds: days(14),
            reporter_response: days(14),
            corrective_action: working_days(30),
            recommendation_delivery: days(14),
            superior_report: days(60),
            closure_notice: days(7),
            rco_service: working_days(3),
            pending_receipt_flag_days: 7,
            incident_age_warning_years: 2,
        }
    }
}

impl DeadlinePolicy {
    /// The rule of one clock (for clarification: the first round's).
    pub fn rule(&self, clock: ClockKind) -> ClockRule {
        match clock {
            ClockKind::Completion => self.completion,
            ClockKind::Clarification => self.clarification,
            ClockKind::ReporterResponse => self.reporter_response,
            ClockKind::CorrectiveAction => self.corrective_action,
            ClockKind::RecommendationDelivery => self.recommendation_delivery,
            ClockKind::SuperiorReport => self.superior_report,
            ClockKind::ClosureNotice => self.closure_notice,
            ClockKind::RcoService => self.rco_service,
        }
    }
}

/// Everything a decision needs besides the state: deadlines, calendar, taxonomy, offices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Clock lengths.
    pub deadlines: DeadlinePolicy,
    /// Working days.
    pub calendar: WorkingCalendar,
    /// Forms of maladministration.
    pub taxonomy: Taxonomy,
    /// The register of offices: each case's office sets its time zone (legal dates, "today").
    pub offices: crate::office::OfficeRegister,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            deadlines: DeadlinePolicy::default(),
            calendar: WorkingCalendar::weekends_only("weekends-only"),
            taxonomy: Taxonomy::v1(),
            offices: crate::office::OfficeRegister::built_in(),
        }
    }
}

/// UTC+7 (WIB, Western Indonesia Time).
pub fn wib() -> FixedOffset {
    #[allow(clippy::expect_used)]
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is within chrono's offset range")
}

impl Rules {
    /// Starts `clock` on `start` with its configured rule.
    pub fn start_clock(&self, clock: ClockKind, start: NaiveDate) -> Option<Deadline> {
        self.start_with(clock, self.deadlines.rule(clock), start)
    }

    /// Starts `clock` on `start` with `rule`.
    pub fn start_with(
        &self,
        clock: ClockKind,
        rule: ClockRule,
        start: NaiveDate,
    ) -> Option<Deadline> {
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
