//! The case index: a summary row per case (`summaries`) and two orderings (`by_reported`,
//! newest first; `by_due`, open cases by their next due date, cases without a running clock
//! last) for listing with filters and cursor pagination. Overdue is derived from the due date
//! and the query's date, never stored.

use chrono::NaiveDate;
use ombud_domain::state::Agenda;
use ombud_domain::taxonomy::{Channel, Track};
use ombud_domain::ClockKind;
use ombud_domain::{
    ActorId, AgencyCode, CaseId, CaseReference, FormCode, OfficeCode, Status, Timestamp,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decoded::Decoded;
use crate::error::{ApplyError, ProjectionError};
use crate::models::case_file::CaseFile;
use crate::rows::Rows;
use crate::store::{case_from_key, case_key, date_key, hex, unhex, Trees};

/// One line of a case list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CaseSummary {
    /// The case.
    pub case_id: CaseId,
    /// Its reference.
    pub reference: CaseReference,
    /// Its office.
    pub office: OfficeCode,
    /// Its status.
    pub status: Status,
    /// The respondent agency (a consultation or carbon copy may name none).
    pub agency: Option<AgencyCode>,
    /// The agency's name.
    pub agency_name: Option<String>,
    /// Forms of maladministration.
    pub forms: Vec<FormCode>,
    /// The assigned investigator.
    pub assignee: Option<ActorId>,
    /// How it was reported.
    pub channel: Channel,
    /// The intake track.
    pub track: Track,
    /// When it was reported.
    pub reported_at: Timestamp,
    /// The earliest due date of its running clocks.
    pub next_due: Option<NaiveDate>,
    /// The clock with that due date.
    pub next_clock: Option<ClockKind>,
    /// Position in the case (for ETags).
    pub case_seq: u64,
    /// What it waits for from the heads (a report past its response period is judged at query
    /// time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agenda: Option<Agenda>,
    /// The reporter answered (an LHP awaiting its issue); the response period otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_due: Option<NaiveDate>,
    /// Clocks waiting for their letter's receipt.
    #[serde(default)]
    pub pending_receipts: u32,
}

impl CaseSummary {
    /// The summary of a case file.
    pub fn of(file: &CaseFile) -> CaseSummary {
        let next = file
            .running_clocks()
            .into_iter()
            .min_by_key(|d| (d.due_on, d.clock));
        CaseSummary {
            case_id: file.case_id,
            reference: file.reference.clone(),
            office: file.office.clone(),
            status: file.state.status,
            agency: file.respondent.as_ref().map(|r| r.agency_code.clone()),
            agency_name: file.respondent.as_ref().map(|r| r.agency_name.clone()),
            forms: file.forms.clone(),
            assignee: file.state.assignee.clone(),
            channel: file.channel,
            track: file.track,
            reported_at: file.reported_at,
            next_due: next.as_ref().map(|d| d.due_on),
            next_clock: next.map(|d| d.clock),
            case_seq: file.state.version,
            agenda: file.state.agenda(),
            response_due: file
                .state
                .deadline(ClockKind::ReporterResponse)
                .map(|d| d.due_on),
            pending_receipts: u32::try_from(file.state.pending_receipts().len())
                .unwrap_or(u32::MAX),
        }
    }

    /// What the case waits for from the heads, judged on `today` (an unanswered report whose
    /// response period ran out waits for its LHP).
    pub fn agenda_on(&self, today: NaiveDate) -> Option<Agenda> {
        self.agenda.or_else(|| {
            (self.status == Status::AwaitingReporterResponse
                && self.response_due.is_some_and(|due| due < today))
            .then_some(Agenda::LhpToIssue)
        })
    }

    /// Whether a running clock is past due on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.next_due.is_some_and(|due| due < today)
    }
}

fn reported_key(s: &CaseSummary) -> Vec<u8> {
    let micros = s.reported_at.as_datetime().timestamp_micros();
    // Newest first: invert the (non-negative) time.
    let inverted = u64::MAX - u64::try_from(micros).unwrap_or(0);
    let mut key = inverted.to_be_bytes().to_vec();
    key.extend_from_slice(&case_key(s.case_id));
    key
}

fn due_key(s: &CaseSummary) -> Option<Vec<u8>> {
    s.status.is_open().then(|| {
        let mut key = date_key(s.next_due).to_vec();
        key.extend_from_slice(&case_key(s.case_id));
        key
    })
}

/// Brings the index rows of a case from `old` to `new` (idempotent). An index key `old`
/// already has is not written again: `old` was written after its keys, so they are stored.
pub(crate) fn update(rows: &mut Rows<'_>, old: Option<&CaseSummary>, new: CaseSummary) {
    let (old_due, new_due) = (old.and_then(due_key), due_key(&new));
    if old_due != new_due {
        if let Some(key) = old_due {
            rows.remove("by_due", &key);
        }
        if let Some(key) = new_due {
            rows.mark("by_due", &key);
        }
    }
    let reported = reported_key(&new);
    if old.map(reported_key).as_ref() != Some(&reported) {
        rows.mark("by_reported", &reported);
    }
    rows.put("summaries", &case_key(new.case_id), new);
}

/// The summary of one case.
pub fn summary(trees: &Trees, case_id: CaseId) -> Result<Option<CaseSummary>, ApplyError> {
    // The queries read the same summaries over and over: decoded once per change of the row
    // (a work queue of 50 cases spent about half its time parsing them).
    static DECODED: std::sync::OnceLock<Decoded<CaseSummary>> = std::sync::OnceLock::new();
    let key = case_key(case_id);
    let tree = trees.tree("summaries");
    let Some(bytes) = tree.get(key.as_slice())? else {
        return Ok(None);
    };
    DECODED
        .get_or_init(Decoded::default)
        .get(&key, &bytes, |b| serde_json::from_slice(b))
        .map(Some)
        .map_err(|e| ApplyError::BadRow {
            key: crate::store::describe_key(tree, &key),
            why: e.to_string(),
        })
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFilter {
    /// Only these statuses.
    pub status: Option<Vec<Status>>,
    /// Only this office.
    pub office: Option<OfficeCode>,
    /// Only this respondent agency.
    pub agency: Option<AgencyCode>,
    /// Only cases with this form.
    pub form: Option<FormCode>,
    /// Only this assignee.
    pub assignee: Option<ActorId>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this track.
    pub track: Option<Track>,
    /// Only overdue (true) or not overdue (false) cases.
    pub overdue: Option<bool>,
    /// Reported on or after.
    pub reported_from: Option<Timestamp>,
    /// Reported before.
    pub reported_to: Option<Timestamp>,
    /// Only cases waiting for this from the heads (judged on the query's date).
    #[serde(default)]
    pub agenda: Option<Agenda>,
    /// Only cases with (true) or without (false) a letter whose receipt is awaited.
    #[serde(default)]
    pub pending_receipt: Option<bool>,
}

impl CaseFilter {
    /// Whether `s` passes, judged on `today`.
    pub fn matches(&self, s: &CaseSummary, today: NaiveDate) -> bool {
        self.status.as_ref().is_none_or(|v| v.contains(&s.status))
            && self.office.as_ref().is_none_or(|o| *o == s.office)
            && self
                .agency
                .as_ref()
                .is_none_or(|a| s.agency.as_ref() == Some(a))
            && self.form.as_ref().is_none_or(|f| s.forms.contains(f))
            && self
                .assignee
                .as_ref()
                .is_none_or(|a| s.assignee.as_ref() == Some(a))
            && self.channel.is_none_or(|c| c == s.channel)
            && self.track.is_none_or(|t| t == s.track)
            && self.overdue.is_none_or(|o| o == s.is_overdue(today))
            && self.reported_from.is_none_or(|t| s.reported_at >= t)
            && self.reported_to.is_none_or(|t| s.reported_at < t)
            && self.agenda.is_none_or(|a| s.agenda_on(today) == Some(a))
            && self
                .pending_receipt
                .is_none_or(|p| p == (s.pending_receipts > 0))
    }
}

/// The order of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseOrder {
    /// Newest reported first (every case).
    #[default]
    Newest,
    /// Open cases, earliest due date first (overdue first; no running clock last).
    Due,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Page {
    /// The cases.
    pub items: Vec<CaseSummary>,
    /// Pass back as `cursor` for the next page; `None` at the end.
    pub next_cursor: Option<String>,
}

/// Lists cases matching `filter` in `order`, `limit` at a time, after `cursor`.
pub fn list(
    trees: &Trees,
    filter: &CaseFilter,
    order: CaseOrder,
    cursor: Option<&str>,
    limit: usize,
    today: NaiveDate,
) -> Result<Page, ProjectionError> {
    let index = match order {
        CaseOrder::Newest => trees.tree("by_reported"),
        CaseOrder::Due => trees.tree("by_due"),
    };
    let start = match cursor {
        Some(c) => {
            let mut key = unhex(c)
                .filter(|k| k.len() > 16)
                .ok_or_else(|| ProjectionError::InvalidQuery(format!("bad cursor `{c}`")))?;
            key.push(0); // strictly after the cursor
            key
        }
        None => Vec::new(),
    };
    let limit = limit.max(1);
    let mut items = Vec::new();
    let mut last_key = None;
    for row in index.range(start..) {
        let (key, _) = row?;
        let Some(case_id) = case_from_key(&key) else {
            continue;
        };
        let Some(s) = summary(trees, case_id).map_err(crate::error_from_apply)? else {
            continue;
        };
        if filter.matches(&s, today) {
            if items.len() == limit {
                return Ok(Page {
                    items,
                    next_cursor: last_key.map(|k: sled::IVec| hex(&k)),
                });
            }
            items.push(s);
            last_key = Some(key);
        }
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}
