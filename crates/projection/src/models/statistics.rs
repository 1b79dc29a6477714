//! The `statistics` projector: per case a small track row (`tracks`: the domain state and
//! what the aggregates need), and from it the agency dossiers (per office) and office
//! statistics. A case's
//! standing (office, status, open) is a *contribution*: each event takes the old one out and
//! puts the new one in, so transfers and reopenings count right. Order per event: aggregate
//! rows (each guarded by its own `last_seq`), then the track row last.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use ombud_domain::state::{evolve, CaseState};
use ombud_domain::{AgencyCode, EventData, OfficeCode, Status, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::ApplyError;
use crate::models::agency_dossier::{self, AgencyDossier};
use crate::models::office_stats::{self, OfficeStats};
use crate::projector::{Projected, Projector};
use crate::rows::Rows;
use crate::store::{case_key, is_new, Guarded};

/// What the statistics remember per case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTrack {
    /// Last stream sequence applied.
    pub last_seq: u64,
    /// The domain state.
    pub state: CaseState,
    /// The respondent agency (a consultation or carbon copy may name none).
    pub agency: Option<AgencyCode>,
    /// Its name.
    pub agency_name: String,
    /// Local date reported.
    pub reported_on: NaiveDate,
    /// When the open clarification request was sent.
    pub clarification_requested_at: Option<Timestamp>,
}

impl Guarded for CaseTrack {
    fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

/// A case's standing in the aggregates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// Its office.
    pub office: OfficeCode,
    /// Its status.
    pub status: Status,
    /// Local date reported.
    pub reported_on: NaiveDate,
    /// The buckets it counts in besides its status: track, substance, agency group, reporter
    /// kind, the finding issued and its forms found (each `vocabulary:value`).
    pub buckets: Vec<String>,
}

impl CaseTrack {
    fn contribution(&self) -> Option<Contribution> {
        let s = &self.state;
        let mut buckets = Vec::new();
        let mut push = |vocabulary: &str, value: Option<&str>| {
            if let Some(value) = value {
                buckets.push(format!("{vocabulary}:{value}"));
            }
        };
        push("track", s.track.map(|t| t.as_str()));
        push("substance", s.substance.as_deref());
        push("agency_group", s.agency_group.as_deref());
        push("reporter_kind", s.reporter_kind.map(|k| k.as_str()));
        push("finding", s.issued.as_ref().map(|c| c.finding().as_str()));
        if let Some(ombud_domain::event::Conclusion::Found { forms_found, .. }) = &s.issued {
            for form in forms_found {
                buckets.push(format!("form_found:{form}"));
            }
        }
        Some(Contribution {
            office: s.office.clone()?,
            status: s.status,
            reported_on: self.reported_on,
            buckets,
        })
    }
}

/// The agency dossier and office statistics projector; each case's office zone (from the
/// register of offices) dates its days.
#[derive(Debug, Default, Clone)]
pub struct StatisticsProjector {
    /// The register of offices.
    pub offices: std::sync::Arc<ombud_domain::OfficeRegister>,
}

impl Projector for StatisticsProjector {
    const NAME: &'static str = "statistics";
    const TREES: &'static [&'static str] = &["offices", "agencies", "tracks"];
    /// 4: cases by track, classification, finding and forms found; 3: the v2 procedure
    /// (optional respondents, the LHP); 2: dossiers per office and agency (1: per agency,
    /// across offices).
    const VERSION: u32 = 4;

    fn apply(&self, rows: &mut Rows<'_>, event: &Projected) -> Result<(), ApplyError> {
        let e = &event.recorded.event;
        let seq = event.stream_seq;
        let old: Option<CaseTrack> = rows.take("tracks", &case_key(e.case_id))?;
        if !is_new(old.as_ref(), seq) {
            if let Some(old) = old {
                rows.restore("tracks", &case_key(e.case_id), old);
            }
            return Ok(());
        }
        if matches!((&old, &e.data), (Some(_), EventData::Reported(_))) {
            if let Some(old) = old {
                rows.restore("tracks", &case_key(e.case_id), old);
            }
            return Err(ApplyError::Invalid(format!(
                "case {} is reported twice",
                e.case_id
            )));
        }
        let before = old.as_ref().and_then(CaseTrack::contribution);
        let mut new = match (old, &e.data) {
            (Some(track), _) => track,
            (None, EventData::Reported(r)) => CaseTrack {
                last_seq: 0,
                state: CaseState::default(),
                agency: r.respondent.as_ref().map(|r| r.agency_code.clone()),
                agency_name: r
                    .respondent
                    .as_ref()
                    .map(|r| r.agency_name.clone())
                    .unwrap_or_default(),
                reported_on: e.at.local_date(self.offices.offset_of(&e.office)),
                clarification_requested_at: None,
            },
            (None, other) => {
                return Err(ApplyError::Invalid(format!(
                    "case {} begins with `{}`, not `reported`",
                    e.case_id,
                    other.event_type()
                )))
            }
        };
        new.state = evolve(std::mem::take(&mut new.state), e);
        if let (None, Some(r)) = (&new.agency, &new.state.respondent) {
            // A conversion named the respondent.
            new.agency = Some(r.agency_code.clone());
            new.agency_name.clone_from(&r.agency_name);
        }
        let answered_after = match &e.data {
            EventData::ClarificationRequested(_) => {
                new.clarification_requested_at = Some(e.at);
                None
            }
            EventData::ClarificationAnswered(_) => new
                .clarification_requested_at
                .take()
                .map(|asked| e.at.as_datetime() - asked.as_datetime()),
            _ => None,
        };
        new.last_seq = seq;
        let after = new.contribution();

        // Office rows: the old office, the new one, and the one the event was recorded in.
        let offices: BTreeSet<OfficeCode> = [before.as_ref(), after.as_ref()]
            .into_iter()
            .flatten()
            .map(|c| c.office.clone())
            .chain([e.office.clone()])
            .collect();
        // Aggregate rows are taken (moved, not copied) and put back changed or unchanged.
        for office in offices {
            let key = office.as_str().as_bytes();
            let row: Option<OfficeStats> = rows.take("offices", key)?;
            if !is_new(row.as_ref(), seq) {
                if let Some(row) = row {
                    rows.restore("offices", key, row);
                }
                continue;
            }
            let mut row = row.unwrap_or_else(|| OfficeStats::new(office.clone()));
            let offset = self.offices.offset_of(&office);
            office_stats::apply(&mut row, before.as_ref(), after.as_ref(), event, offset);
            row.last_seq = seq;
            rows.put("offices", key, row);
        }

        // Dossier rows, per office and agency: the case's old office and new one (its counts
        // move), and the office that has the case now (what the event says goes there).
        let holder = after
            .as_ref()
            .map_or_else(|| e.office.clone(), |c| c.office.clone());
        let dossiers: BTreeSet<OfficeCode> = [before.as_ref(), after.as_ref()]
            .into_iter()
            .flatten()
            .map(|c| c.office.clone())
            .chain([holder.clone()])
            .collect();
        let agency = new.agency.clone();
        for office in dossiers.into_iter().filter(|_| agency.is_some()) {
            let Some(agency) = &agency else { continue };
            let key = agency_dossier::dossier_key(&office, agency);
            let row: Option<AgencyDossier> = rows.take("agencies", &key)?;
            if !is_new(row.as_ref(), seq) {
                if let Some(row) = row {
                    rows.restore("agencies", &key, row);
                }
                continue;
            }
            let mut row = row.unwrap_or_else(|| {
                AgencyDossier::new(office.clone(), agency.clone(), new.agency_name.clone())
            });
            agency_dossier::count(&mut row, before.as_ref(), after.as_ref());
            if office == holder {
                agency_dossier::record(&mut row, event, answered_after);
            }
            row.last_seq = seq;
            rows.put("agencies", &key, row);
        }

        rows.put("tracks", &case_key(e.case_id), new);
        Ok(())
    }
}
