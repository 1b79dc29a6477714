//! The case file: everything an investigator sees on one case (state with its letters,
//! summons and clocks, parties, forms, respondent and superior, office, assignee, transfers,
//! mediation, the LHP's conclusion and corrective actions, recommendation, closure, timeline), one row per case in `files`, and the
//! timeline as rows of its own in `timeline` (one per event, keyed by case and stream
//! sequence), so the bytes written per event do not grow with the case's length. Personal
//! data stays sealed in the rows ([`SealedField`]); the service opens it at query time, as
//! the disclosure policy allows.

use chrono::NaiveDate;
use ombud_domain::event::{Conclusion, ReporterData, Respondent};
use ombud_domain::state::evolve;
use ombud_domain::state::CaseState;
use ombud_domain::taxonomy::{
    ActionAddressee, ActionStatus, Channel, ClosureReason, Finding, MediationOutcome, StopGround,
    Track,
};
use ombud_domain::{
    ActorId, CaseId, CaseReference, Deadline, EventData, EventType, FormCode, OfficeCode, Role,
    Sealed, Timestamp,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use ombud_envelope::LegacyType;
#[cfg(test)]
use ombud_envelope::{RecordedEvent, Sha256Hash};

use crate::error::ApplyError;
use crate::projector::Projected;
use crate::store::{case_key, get, Guarded, Trees};

/// A sealed value with the field name it was sealed as (needed to open it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SealedField {
    /// The field name bound into the seal (e.g. `summary`, `reporter.identity`).
    pub field: String,
    /// The sealed bytes.
    pub sealed: Sealed,
}

fn sealed(field: &str, s: &Sealed) -> SealedField {
    SealedField {
        field: field.to_owned(),
        sealed: s.clone(),
    }
}

/// The reporter as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReporterRecord {
    /// Whether the reporter asked for confidentiality.
    pub confidential: bool,
    /// Name, NIK, contact: sealed.
    pub identity: SealedField,
}

/// A transfer to another office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TransferRecord {
    /// From which office.
    pub from_office: OfficeCode,
    /// To which.
    pub to_office: OfficeCode,
    /// When.
    pub at: Timestamp,
    /// By whom.
    pub actor: ActorId,
    /// Why (sealed).
    pub reason: SealedField,
}

/// The mediation record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MediationRecord {
    /// When it started.
    pub started_at: Timestamp,
    /// Its outcome, once ended.
    pub outcome: Option<MediationOutcome>,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// The agreed terms (sealed).
    pub terms: Option<SealedField>,
}

/// Where the LHP's conclusion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConclusionStage {
    /// Proposed by the investigator.
    Proposed,
    /// Approved by the head of office.
    Approved,
    /// Issued in the LHP.
    Issued,
}

/// One corrective action of the LHP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ActionRecord {
    /// Its id in the LHP.
    pub id: String,
    /// To whom.
    pub addressee: ActionAddressee,
    /// The official addressed (sealed).
    pub name: Option<SealedField>,
    /// What is to be done (sealed).
    pub action: SealedField,
    /// The latest status reported.
    pub status: Option<ActionStatus>,
}

/// The examination's conclusion (the LHP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConclusionRecord {
    /// Proposed, approved or issued.
    pub stage: ConclusionStage,
    /// Found, not found, stopped.
    pub finding: Finding,
    /// Forms of maladministration found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms_found: Vec<FormCode>,
    /// The ground of a stopped examination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<StopGround>,
    /// The corrective actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrective_actions: Vec<ActionRecord>,
    /// When it reached its stage.
    pub at: Timestamp,
}

impl ConclusionRecord {
    fn of(conclusion: &Conclusion, stage: ConclusionStage, at: Timestamp) -> Self {
        let (forms_found, ground, corrective_actions) = match conclusion {
            Conclusion::Found {
                forms_found,
                corrective_actions,
            } => (
                forms_found.clone(),
                None,
                corrective_actions
                    .iter()
                    .map(|a| ActionRecord {
                        id: a.id.clone(),
                        addressee: a.addressee,
                        name: a
                            .name
                            .as_ref()
                            .map(|n| sealed("corrective_actions.name", n)),
                        action: sealed("corrective_actions.action", &a.action),
                        status: None,
                    })
                    .collect(),
            ),
            Conclusion::NotFound => (Vec::new(), None, Vec::new()),
            Conclusion::Stopped { ground } => (Vec::new(), Some(*ground), Vec::new()),
        };
        ConclusionRecord {
            stage,
            finding: conclusion.finding(),
            forms_found,
            ground,
            corrective_actions,
            at,
        }
    }
}

/// The recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecommendationRecord {
    /// To whom.
    pub addressee: String,
    /// When.
    pub at: Timestamp,
    /// Its content (sealed).
    pub content: SealedField,
    /// The clock it started (delivery; v1: implementation).
    pub deadline: Deadline,
}

/// The closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClosureRecord {
    /// Why.
    pub reason: ClosureReason,
    /// When.
    pub at: Timestamp,
    /// The closing note (sealed).
    pub note: Option<SealedField>,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TimelineEntry {
    /// Stream sequence.
    pub stream_seq: u64,
    /// Position in the case.
    pub case_seq: u64,
    /// What happened.
    pub event_type: EventType,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: ActorId,
    /// In which role.
    pub role: Role,
    /// The free text the event carries, if any (sealed).
    pub text: Option<SealedField>,
}

/// The case file row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseFile {
    /// Last stream sequence applied.
    pub last_seq: u64,
    /// The case.
    pub case_id: CaseId,
    /// Its reference number.
    pub reference: CaseReference,
    /// The office handling it now.
    pub office: OfficeCode,
    /// The domain state (status, clocks, assignee...), folded by the domain's own `evolve`.
    pub state: CaseState,
    /// When it was reported.
    pub reported_at: Timestamp,
    /// How.
    pub channel: Channel,
    /// The intake track.
    pub track: Track,
    /// The reporter (absent for own-initiative cases).
    pub reporter: Option<ReporterRecord>,
    /// The respondent agency and its superior (a consultation or carbon copy may name none).
    pub respondent: Option<Respondent>,
    /// Forms of maladministration.
    pub forms: Vec<FormCode>,
    /// The incident date, if given.
    pub incident_date: Option<NaiveDate>,
    /// The report summary (sealed).
    pub summary: SealedField,
    /// Transfers between offices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfers: Vec<TransferRecord>,
    /// Mediation, if any.
    pub mediation: Option<MediationRecord>,
    /// The conclusion, if any.
    pub conclusion: Option<ConclusionRecord>,
    /// The recommendation, if any.
    pub recommendation: Option<RecommendationRecord>,
    /// The closure, if closed.
    pub closure: Option<ClosureRecord>,
    /// Every event, in order. Stored in segment rows of their own in [`TIMELINE_TREE`] (the stored
    /// `files` row keeps it empty); [`get_file`] fills it in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
    /// When and on which request the case's personal data was erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erasure: Option<ErasureRecord>,
    /// Stream sequences of foreign messages published on the case's subjects (not written by
    /// ombud, never applied): an integrity incident to look into.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_messages: Vec<u64>,
}

/// The erasure of a case's personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErasureRecord {
    /// When it was recorded.
    pub at: Timestamp,
    /// The DPO's reference of the request.
    pub request_ref: String,
}

impl Guarded for CaseFile {
    fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

impl CaseFile {
    /// Clocks running now.
    pub fn running_clocks(&self) -> Vec<Deadline> {
        running_clocks(&self.state)
    }

    /// The earliest due date of the running clocks.
    pub fn next_due(&self) -> Option<NaiveDate> {
        self.running_clocks().iter().map(|d| d.due_on).min()
    }

    /// Refuses an event that cannot follow `previous`: a first event that is not a report, or
    /// a second report. (Chain-verified events never do; a forger's might.)
    pub fn check(previous: Option<&CaseFile>, event: &Projected) -> Result<(), ApplyError> {
        let e = &event.recorded.event;
        let is_report = matches!(e.data, EventData::Reported(_));
        match (previous.is_some(), is_report) {
            (false, true) | (true, false) => Ok(()),
            (true, true) => Err(ApplyError::Invalid(format!(
                "case {} is reported twice",
                e.case_id
            ))),
            (false, false) => Err(ApplyError::Invalid(format!(
                "case {} begins with `{}`, not `reported`",
                e.case_id,
                e.data.event_type()
            ))),
        }
    }

    /// The case file after `event` (checked with [`CaseFile::check`] first).
    pub fn fold(previous: Option<CaseFile>, event: &Projected) -> Result<CaseFile, ApplyError> {
        let e = &event.recorded.event;
        let mut file = match (previous, &e.data) {
            (None, EventData::Reported(r)) => CaseFile {
                last_seq: 0,
                case_id: e.case_id,
                reference: r.reference.clone(),
                office: r.office.clone(),
                state: CaseState::default(),
                reported_at: e.at,
                channel: r.channel,
                track: r.track,
                reporter: r.reporter.as_ref().map(
                    |ReporterData {
                         confidential,
                         identity,
                     }| {
                        ReporterRecord {
                            confidential: *confidential,
                            identity: sealed("reporter.identity", identity),
                        }
                    },
                ),
                respondent: r.respondent.clone(),
                forms: r.forms.clone(),
                incident_date: r.incident_date,
                summary: sealed("summary", &r.summary),
                transfers: Vec::new(),
                mediation: None,
                conclusion: None,
                recommendation: None,
                closure: None,
                timeline: Vec::new(),
                erasure: None,
                foreign_messages: Vec::new(),
            },
            (None, other) => {
                return Err(ApplyError::Invalid(format!(
                    "case {} begins with `{}`, not `reported`",
                    e.case_id,
                    other.event_type()
                )))
            }
            (Some(_), EventData::Reported(_)) => {
                return Err(ApplyError::Invalid(format!(
                    "case {} is reported twice",
                    e.case_id
                )))
            }
            (Some(file), _) => file,
        };
        let office_before = file.state.office.clone();
        file.state = evolve(std::mem::take(&mut file.state), e);
        if let Some(office) = &file.state.office {
            file.office = office.clone();
        }
        file.forms.clone_from(&file.state.forms);
        let text = |field: &str, s: Option<&Sealed>| s.map(|s| sealed(field, s));
        // The timeline shows the event's first free text (not the identity of a person).
        // Texts of v1 events keep the field name they were sealed under.
        let legacy = event.recorded.upcast_from;
        let v1_name = |field: &'static str| -> &'static str {
            match legacy {
                Some(LegacyType::Escalated) => "reason",
                Some(LegacyType::Concluded) => "corrective_actions",
                None => field,
            }
        };
        let line_text = e
            .data
            .sealed_fields()
            .into_iter()
            .find(|(f, _)| {
                !matches!(
                    *f,
                    "reporter.identity" | "party.name" | "corrective_actions.name"
                )
            })
            .map(|(f, s)| sealed(v1_name(f), s));
        match &e.data {
            EventData::Transferred(d) => file.transfers.push(TransferRecord {
                from_office: office_before.unwrap_or_else(|| file.office.clone()),
                to_office: d.to_office.clone(),
                at: e.at,
                actor: e.actor.clone(),
                reason: sealed("reason", &d.reason),
            }),
            EventData::MediationStarted(_) => {
                file.mediation = Some(MediationRecord {
                    started_at: e.at,
                    outcome: None,
                    ended_at: None,
                    terms: None,
                });
            }
            EventData::Mediated(d) => {
                let record = file.mediation.get_or_insert(MediationRecord {
                    started_at: e.at,
                    outcome: None,
                    ended_at: None,
                    terms: None,
                });
                record.outcome = Some(d.outcome);
                record.ended_at = Some(e.at);
                record.terms = text("terms", d.terms.as_ref());
            }
            EventData::Converted(d) => {
                file.track = d.track;
                if let Some(r) = &d.respondent {
                    file.respondent = Some(r.clone());
                }
                if let Some(ReporterData {
                    confidential,
                    identity,
                }) = &d.reporter
                {
                    file.reporter = Some(ReporterRecord {
                        confidential: *confidential,
                        identity: sealed("reporter.identity", identity),
                    });
                }
            }
            EventData::ConclusionProposed(d) => {
                file.conclusion = Some(ConclusionRecord::of(
                    &d.conclusion,
                    ConclusionStage::Proposed,
                    e.at,
                ));
            }
            EventData::ConclusionApproved(_) => {
                if let Some(c) = file.conclusion.as_mut() {
                    c.stage = ConclusionStage::Approved;
                    c.at = e.at;
                }
            }
            EventData::ConclusionReturned(_) => file.conclusion = None,
            EventData::ReporterResponded(d) if d.argued => file.conclusion = None,
            EventData::LhpIssued(d) => {
                // The event's own sealed texts, with the forms found as the domain read them (a
                // v1 finding's are the alleged forms).
                let mut record = ConclusionRecord::of(&d.conclusion, ConclusionStage::Issued, e.at);
                if let Some(Conclusion::Found { forms_found, .. }) = &file.state.issued {
                    record.forms_found.clone_from(forms_found);
                }
                for a in &mut record.corrective_actions {
                    a.action.field = v1_name("corrective_actions.action").to_owned();
                }
                file.conclusion = Some(record);
            }
            EventData::CorrectiveActionReported(d) => {
                if let Some(c) = file.conclusion.as_mut() {
                    for r in &d.reports {
                        if let Some(a) = c
                            .corrective_actions
                            .iter_mut()
                            .find(|a| a.id == r.action_id)
                        {
                            a.status = Some(r.status);
                        }
                    }
                }
            }
            EventData::RecommendationIssued(d) => {
                file.recommendation = Some(RecommendationRecord {
                    addressee: d.addressee.clone(),
                    at: e.at,
                    content: sealed("content", &d.content),
                    deadline: d.deadline.clone(),
                });
            }
            EventData::Closed(d) => {
                file.closure = Some(ClosureRecord {
                    reason: d.reason,
                    at: e.at,
                    note: text("note", d.note.as_ref()),
                });
            }
            EventData::Reopened(_) => {
                file.closure = None;
                // A reopened examination may conclude again.
                if file.state.issued.is_none() {
                    file.conclusion = None;
                }
            }
            EventData::PersonalDataErased(d) => {
                file.erasure = Some(ErasureRecord {
                    at: e.at,
                    request_ref: d.request_ref.clone(),
                });
            }
            _ => {}
        }
        file.timeline.push(TimelineEntry {
            stream_seq: event.stream_seq,
            case_seq: event.recorded.meta.case_seq,
            event_type: e.data.event_type(),
            at: e.at,
            actor: e.actor.clone(),
            role: e.role,
            text: line_text,
        });
        file.last_seq = event.stream_seq;
        Ok(file)
    }
}

/// The clocks running in `state` (with due dates; none while closed but the closure notice).
pub fn running_clocks(state: &CaseState) -> Vec<Deadline> {
    state.running_clocks().into_iter().cloned().collect()
}

/// The tree of timeline lines: a case's lines in segments of [`SEGMENT_LINES`] (by the
/// event's position in the case), one row per segment. A segment is rewritten with each of
/// its lines, so the bytes an event writes stay bounded however long the case grows, and the
/// lines a batch adds to a case (a rebuild's, or a busy spell's) share a row or two instead
/// of one row each (a 200,000-event rebuild wrote 513,000 rows with a row per line).
pub const TIMELINE_TREE: &str = "timeline";

/// Lines per timeline segment.
pub const SEGMENT_LINES: u64 = 8;

/// A timeline segment's key: the case, then the segment's number (big-endian, so a case's
/// segments sort in order under its prefix). The line of the event at position `case_seq`
/// is in segment `(case_seq - 1) / SEGMENT_LINES`.
pub fn timeline_key(case_id: CaseId, case_seq: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(&case_key(case_id));
    key[16..].copy_from_slice(&(case_seq.saturating_sub(1) / SEGMENT_LINES).to_be_bytes());
    key
}

/// The case file of `case_id` with its timeline (personal data still sealed).
pub fn get_file(trees: &Trees, case_id: CaseId) -> Result<Option<CaseFile>, ApplyError> {
    let Some(mut file) = get::<CaseFile>(trees.tree("files"), &case_key(case_id))? else {
        return Ok(None);
    };
    let lines = trees.tree(TIMELINE_TREE);
    let inline = !file.timeline.is_empty();
    for item in lines.scan_prefix(case_key(case_id)) {
        let (key, row) = item?;
        let segment: Vec<TimelineEntry> =
            serde_json::from_slice(&row).map_err(|e| ApplyError::BadRow {
                key: format!("{TIMELINE_TREE}/{}", crate::store::hex(&key)),
                why: e.to_string(),
            })?;
        file.timeline.extend(segment);
    }
    if inline {
        // A row written before the timeline had rows of its own: merge the two.
        file.timeline.sort_by_key(|l| l.stream_seq);
        file.timeline.dedup_by_key(|l| l.stream_seq);
    }
    // A line past the row's position is of an event whose case row was not written yet (a
    // crash between the two writes; the replay writes both): not part of the file yet.
    let last = file.last_seq;
    file.timeline.retain(|l| l.stream_seq <= last);
    Ok(Some(file))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn wire_v1(name: &str) -> RecordedEvent {
        let path = format!(
            "{}/../envelope/fixtures/wire-v1/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.pop();
        ombud_envelope::decode(&bytes).unwrap()
    }

    /// A v1 case's texts keep the field names they were sealed under, so the case file can
    /// open them (a seal is bound to its field name).
    #[test]
    fn v1_texts_keep_their_sealed_field_names() {
        let mut file = None;
        for (seq, name) in [(1, "reported"), (2, "escalated"), (3, "concluded")] {
            let recorded = wire_v1(name);
            let projected = Projected {
                stream_seq: seq,
                hash: Sha256Hash::of(name.as_bytes()),
                recorded: &recorded,
            };
            file = Some(CaseFile::fold(file, &projected).unwrap());
        }
        let file = file.unwrap();
        let escalated = &file.timeline[1];
        assert_eq!(escalated.event_type, EventType::ClarificationRequested);
        assert_eq!(escalated.text.as_ref().unwrap().field, "reason");
        let conclusion = file.conclusion.as_ref().unwrap();
        assert_eq!(conclusion.stage, ConclusionStage::Issued);
        assert_eq!(
            conclusion.corrective_actions[0].action.field,
            "corrective_actions"
        );
        assert_eq!(
            file.timeline[2].text.as_ref().unwrap().field,
            "corrective_actions"
        );
        // Forms found of a v1 finding are the alleged forms.
        assert_eq!(conclusion.forms_found, file.forms);
    }
}
