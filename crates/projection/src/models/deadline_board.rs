//! The deadline board and escalation candidates: every running clock of every open case, in
//! the `clocks` index (`due case clock` → the clock with its case's office, agency and
//! assignee). Due and overdue are judged at query time against the caller's date.

use chrono::NaiveDate;
use ombud_domain::taxonomy::ProposedAction;
use ombud_domain::{ActorId, AgencyCode, CaseId, CaseReference, Deadline, OfficeCode, UnitCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ProjectionError;
use crate::models::case_file::CaseFile;
use crate::rows::Rows;
use crate::store::{case_key, date_key, Trees};

/// A running clock on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClockEntry {
    /// The case.
    pub case_id: CaseId,
    /// Its reference.
    pub reference: CaseReference,
    /// Its office.
    pub office: OfficeCode,
    /// The respondent agency.
    pub agency: Option<AgencyCode>,
    /// The assigned investigator.
    pub assignee: Option<ActorId>,
    /// The examination unit.
    pub unit: Option<UnitCode>,
    /// The clock.
    pub deadline: Deadline,
    /// The deadline engine's open proposal about this clock, if any.
    pub proposal: Option<OpenProposal>,
}

/// An open proposal of the deadline engine, with the command that carries it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OpenProposal {
    /// The case position of its `action_proposed` event (what `dismiss-proposal` names).
    pub seq: u64,
    /// What is proposed.
    pub action: ProposedAction,
    /// The command a unit head or head of office runs to carry it out.
    pub command: String,
}

/// The board rows of a case file.
pub(crate) fn entries(file: &CaseFile) -> Vec<(Vec<u8>, ClockEntry)> {
    file.running_clocks()
        .into_iter()
        .map(|deadline| {
            let mut key = date_key(Some(deadline.due_on)).to_vec();
            key.extend_from_slice(&case_key(file.case_id));
            key.push(deadline.clock as u8);
            (
                key,
                ClockEntry {
                    case_id: file.case_id,
                    reference: file.reference.clone(),
                    office: file.office.clone(),
                    agency: file.respondent.as_ref().map(|r| r.agency_code.clone()),
                    assignee: file.state.assignee.clone(),
                    unit: file.state.unit.clone(),
                    proposal: file
                        .state
                        .open_proposals()
                        .find(|p| p.clock == deadline.clock)
                        .map(|p| OpenProposal {
                            seq: p.seq,
                            action: p.action,
                            command: ombud_domain::engine::command_for(p.action).to_owned(),
                        }),
                    deadline,
                },
            )
        })
        .collect()
}

/// Brings the board rows of a case from `old` to `new` (idempotent; an unchanged row is not
/// written again).
pub(crate) fn update(rows: &mut Rows<'_>, old: Vec<(Vec<u8>, ClockEntry)>, new: &CaseFile) {
    let fresh = entries(new);
    for (key, _) in &old {
        if !fresh.iter().any(|(k, _)| k == key) {
            rows.remove("clocks", key);
        }
    }
    for (key, entry) in fresh {
        if !old.iter().any(|(k, e)| *k == key && *e == entry) {
            rows.put("clocks", &key, entry);
        }
    }
}

/// A clock on the board, judged on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BoardItem {
    /// The clock.
    #[serde(flatten)]
    pub entry: ClockEntry,
    /// Days until due (negative when overdue).
    pub days_left: i64,
    /// Past due.
    pub overdue: bool,
}

/// Which clocks a board query lists (all of them unless narrowed).
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    /// Of one office.
    pub office: Option<OfficeCode>,
    /// Of one examination unit.
    pub unit: Option<UnitCode>,
    /// Of one assignee.
    pub assignee: Option<ActorId>,
    /// Only clocks past due.
    pub overdue_only: bool,
    /// Only clocks with an open proposal of the deadline engine.
    pub proposed_only: bool,
}

impl BoardFilter {
    fn admits(&self, entry: &ClockEntry, today: NaiveDate) -> bool {
        self.office.as_ref().is_none_or(|o| *o == entry.office)
            && self
                .unit
                .as_ref()
                .is_none_or(|u| Some(u) == entry.unit.as_ref())
            && self
                .assignee
                .as_ref()
                .is_none_or(|a| Some(a) == entry.assignee.as_ref())
            && (!self.overdue_only || entry.deadline.is_overdue_on(today))
            && (!self.proposed_only || entry.proposal.is_some())
    }
}

/// Running clocks due on or before `today + within_days` (overdue ones first), as `filter`
/// narrows them.
pub fn board(
    trees: &Trees,
    today: NaiveDate,
    within_days: u32,
    filter: &BoardFilter,
) -> Result<Vec<BoardItem>, ProjectionError> {
    let horizon = today
        .checked_add_days(chrono::Days::new(u64::from(within_days)))
        .unwrap_or(today);
    let end = date_key(Some(horizon)).to_vec();
    let mut out = Vec::new();
    for row in trees.tree("clocks").iter() {
        let (key, value) = row?;
        if key.get(..4).is_some_and(|d| d > end.as_slice()) {
            break;
        }
        let entry: ClockEntry =
            serde_json::from_slice(&value).map_err(|e| ProjectionError::BadRow {
                key: "clocks".into(),
                why: e.to_string(),
            })?;
        if !filter.admits(&entry, today) {
            continue;
        }
        let days_left = (entry.deadline.due_on - today).num_days();
        out.push(BoardItem {
            overdue: entry.deadline.is_overdue_on(today),
            days_left,
            entry,
        });
    }
    Ok(out)
}

/// Escalation candidates: clocks already past due on `today`.
pub fn escalation_candidates(
    trees: &Trees,
    today: NaiveDate,
    office: Option<&OfficeCode>,
) -> Result<Vec<BoardItem>, ProjectionError> {
    let yesterday = today.pred_opt().unwrap_or(today);
    let filter = BoardFilter {
        office: office.cloned(),
        ..BoardFilter::default()
    };
    Ok(board(trees, yesterday, 0, &filter)?
        .into_iter()
        .map(|mut item| {
            item.days_left = (item.entry.deadline.due_on - today).num_days();
            item.overdue = item.entry.deadline.is_overdue_on(today);
            item
        })
        .filter(|item| item.overdue)
        .collect())
}
