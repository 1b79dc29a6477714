//! The agency dossier (`agencies`, one row per office and respondent agency: an office sees
//! its own dealings with an agency, never another office's): open and closed cases, by form
//! and by outcome, clarification answer times (a histogram in days; median and p90 at query
//! time), and compliance with corrective actions and recommendations.

use schemars::JsonSchema;
use std::collections::BTreeMap;

use ombud_domain::event::Conclusion;
use ombud_domain::taxonomy::ClosureReason;
use ombud_domain::{AgencyCode, EventData, OfficeCode};
use serde::{Deserialize, Serialize};

use crate::error::ProjectionError;
use crate::models::statistics::Contribution;
use crate::projector::Projected;
use crate::store::{Guarded, Trees};

/// Corrective-action or recommendation compliance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Compliance {
    /// Times it was asked for.
    pub required: u64,
    /// Carried out.
    pub implemented: u64,
    /// Carried out in part.
    pub partly: u64,
    /// Not carried out (recommendation not implemented, or corrective action escalated
    /// onward instead).
    pub not_implemented: u64,
}

/// The stored dossier of one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AgencyDossier {
    /// Last stream sequence applied.
    pub last_seq: u64,
    /// The office whose cases these are.
    pub office: OfficeCode,
    /// The agency.
    pub agency: AgencyCode,
    /// Its name as last reported.
    pub name: String,
    /// Open cases.
    pub open: u64,
    /// Closed cases.
    pub closed: u64,
    /// Reports per form.
    pub by_form: BTreeMap<String, u64>,
    /// Closures per reason.
    pub by_outcome: BTreeMap<String, u64>,
    /// Clarification answers by whole days taken (rounded up).
    pub clarification_answer_days: BTreeMap<u32, u64>,
    /// Corrective actions.
    pub corrective_action: Compliance,
    /// The respondent's reports on single corrective actions, by status (done, partial,
    /// none, refused).
    #[serde(default)]
    pub action_reports: BTreeMap<String, u64>,
    /// Recommendations.
    pub recommendation: Compliance,
}

impl Guarded for AgencyDossier {
    fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

impl AgencyDossier {
    /// An empty dossier.
    pub fn new(office: OfficeCode, agency: AgencyCode, name: String) -> Self {
        AgencyDossier {
            last_seq: 0,
            office,
            agency,
            name,
            open: 0,
            closed: 0,
            by_form: BTreeMap::new(),
            by_outcome: BTreeMap::new(),
            clarification_answer_days: BTreeMap::new(),
            corrective_action: Compliance::default(),
            action_reports: BTreeMap::new(),
            recommendation: Compliance::default(),
        }
    }
}

fn bump(n: &mut u64, delta: i64) {
    *n = n.saturating_add_signed(delta);
}

/// The key of an office's dossier of an agency.
pub fn dossier_key(office: &OfficeCode, agency: &AgencyCode) -> Vec<u8> {
    format!("{office}/{agency}").into_bytes()
}

/// Moves the open and closed counts across one event: the case's standing before it is taken
/// out, after it put in (each only where it is this row's office).
pub(crate) fn count(
    row: &mut AgencyDossier,
    before: Option<&Contribution>,
    after: Option<&Contribution>,
) {
    for (contribution, sign) in [(before, -1i64), (after, 1)] {
        if let Some(c) = contribution.filter(|c| c.office == row.office) {
            if c.status.is_open() {
                bump(&mut row.open, sign);
            } else {
                bump(&mut row.closed, sign);
            }
        }
    }
}

/// Records what the event itself says about the agency (in the dossier of the office that
/// has the case).
pub(crate) fn record(
    row: &mut AgencyDossier,
    event: &Projected,
    answered_after: Option<chrono::TimeDelta>,
) {
    match &event.recorded.event.data {
        EventData::Reported(r) => {
            if let Some(respondent) = &r.respondent {
                row.name.clone_from(&respondent.agency_name);
            }
            for form in &r.forms {
                *row.by_form.entry(form.as_str().to_owned()).or_insert(0) += 1;
            }
        }
        EventData::ClarificationAnswered(_) => {
            if let Some(taken) = answered_after {
                let secs = taken.num_seconds().max(0);
                let days = u32::try_from((secs + 86_399) / 86_400).unwrap_or(u32::MAX);
                *row.clarification_answer_days.entry(days).or_insert(0) += 1;
            }
        }
        EventData::LhpIssued(d) if matches!(d.conclusion, Conclusion::Found { .. }) => {
            row.corrective_action.required += 1;
        }
        EventData::ReferredToResolution(_) => {
            row.corrective_action.not_implemented += 1;
        }
        EventData::CorrectiveActionReported(d) => {
            for r in &d.reports {
                *row.action_reports
                    .entry(r.status.as_str().to_owned())
                    .or_insert(0) += 1;
            }
        }
        EventData::RecommendationIssued(_) => row.recommendation.required += 1,
        EventData::Closed(d) => {
            *row.by_outcome
                .entry(d.reason.as_str().to_owned())
                .or_insert(0) += 1;
            match d.reason {
                ClosureReason::CorrectiveActionImplemented => {
                    row.corrective_action.implemented += 1
                }
                ClosureReason::RecommendationImplemented => row.recommendation.implemented += 1,
                ClosureReason::RecommendationPartlyImplemented => row.recommendation.partly += 1,
                ClosureReason::RecommendationNotImplemented => {
                    row.recommendation.not_implemented += 1;
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// A dossier as shown.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DossierView {
    /// The counters.
    #[serde(flatten)]
    pub dossier: AgencyDossier,
    /// Median clarification answer time in days.
    pub clarification_median_days: Option<u32>,
    /// 90th percentile clarification answer time in days.
    pub clarification_p90_days: Option<u32>,
}

fn percentile(histogram: &BTreeMap<u32, u64>, p: f64) -> Option<u32> {
    let total: u64 = histogram.values().sum();
    if total == 0 {
        return None;
    }
    let rank = ((total as f64) * p).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (days, count) in histogram {
        seen += count;
        if seen >= rank {
            return Some(*days);
        }
    }
    histogram.keys().next_back().copied()
}

impl DossierView {
    fn of(dossier: AgencyDossier) -> Self {
        DossierView {
            clarification_median_days: percentile(&dossier.clarification_answer_days, 0.5),
            clarification_p90_days: percentile(&dossier.clarification_answer_days, 0.9),
            dossier,
        }
    }
}

/// `office`'s dossier of `agency`.
pub fn agency_dossier(
    trees: &Trees,
    office: &OfficeCode,
    agency: &AgencyCode,
) -> Result<Option<DossierView>, ProjectionError> {
    let row: Option<AgencyDossier> =
        crate::store::get(trees.tree("agencies"), &dossier_key(office, agency))
            .map_err(crate::error_from_apply)?;
    Ok(row.map(DossierView::of))
}

/// Every dossier, by office, then agency.
pub fn agencies(trees: &Trees) -> Result<Vec<DossierView>, ProjectionError> {
    trees
        .tree("agencies")
        .iter()
        .map(|row| {
            let (_, value) = row?;
            serde_json::from_slice::<AgencyDossier>(&value)
                .map(DossierView::of)
                .map_err(|e| ProjectionError::BadRow {
                    key: "agencies".into(),
                    why: e.to_string(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_day_histogram() {
        let mut h = BTreeMap::new();
        assert_eq!(percentile(&h, 0.5), None);
        // 1 day ×5, 3 days ×4, 14 days ×1
        h.insert(1, 5);
        h.insert(3, 4);
        h.insert(14, 1);
        assert_eq!(percentile(&h, 0.5), Some(1));
        assert_eq!(percentile(&h, 0.6), Some(3));
        assert_eq!(percentile(&h, 0.9), Some(3));
        assert_eq!(percentile(&h, 1.0), Some(14));
    }
}
