//! [`CaseState`]: what `decide` needs to know about a case, folded from its events by
//! [`evolve`]. Owns the states of `docs/procedure.md` ([`Status`]) and what each event does to
//! them. `evolve` trusts its input (events were decided before they were recorded) and never
//! fails.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::deadline::{ClockKind, Deadline};
use crate::event::{Event, EventData, Respondent};
use crate::ids::{ActorId, CaseId, CaseReference, FormCode, KeyId, OfficeCode, UnitCode};
use crate::taxonomy::{Channel, ClosureReason, EscalationKind, Finding, MediationOutcome, Track};

/// Where a case is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing recorded yet under this case id.
    Unreported,
    /// Laporan diterima: awaiting verification and acceptance.
    Received,
    /// The reporter must complete the report.
    AwaitingCompletion,
    /// Pemeriksaan: clarifications, summons, conclusion.
    UnderExamination,
    /// Mediation at the parties' request.
    InMediation,
    /// Maladministration found; the respondent has 30 working days to act.
    CorrectiveAction,
    /// Resolusi dan Monitoring.
    InResolution,
    /// A Recommendation is out; 60 days to implement.
    Recommendation,
    /// Closed with a reason (may be reopened).
    Closed,
}

impl Status {
    /// Every status.
    pub const ALL: &'static [Status] = &[
        Status::Unreported,
        Status::Received,
        Status::AwaitingCompletion,
        Status::UnderExamination,
        Status::InMediation,
        Status::CorrectiveAction,
        Status::InResolution,
        Status::Recommendation,
        Status::Closed,
    ];

    /// The open states: reported and not closed.
    pub const OPEN: &'static [Status] = &[
        Status::Received,
        Status::AwaitingCompletion,
        Status::UnderExamination,
        Status::InMediation,
        Status::CorrectiveAction,
        Status::InResolution,
        Status::Recommendation,
    ];

    /// Every state of a reported case: open or closed.
    pub const REPORTED: &'static [Status] = &[
        Status::Received,
        Status::AwaitingCompletion,
        Status::UnderExamination,
        Status::InMediation,
        Status::CorrectiveAction,
        Status::InResolution,
        Status::Recommendation,
        Status::Closed,
    ];

    /// The wire code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Unreported => "unreported",
            Status::Received => "received",
            Status::AwaitingCompletion => "awaiting_completion",
            Status::UnderExamination => "under_examination",
            Status::InMediation => "in_mediation",
            Status::CorrectiveAction => "corrective_action",
            Status::InResolution => "in_resolution",
            Status::Recommendation => "recommendation",
            Status::Closed => "closed",
        }
    }

    /// Whether the case is reported and not closed.
    pub fn is_open(self) -> bool {
        Status::OPEN.contains(&self)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The clocks a case has started; a clock stops by being set back to `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Clocks {
    /// Reporter completion.
    pub completion: Option<Deadline>,
    /// Clarification answer (the current round).
    pub clarification: Option<Deadline>,
    /// Corrective action.
    pub corrective_action: Option<Deadline>,
    /// Recommendation implementation.
    pub recommendation: Option<Deadline>,
}

impl Clocks {
    /// The clock of one kind.
    pub fn get(&self, kind: ClockKind) -> Option<&Deadline> {
        match kind {
            ClockKind::Completion => self.completion.as_ref(),
            ClockKind::Clarification => self.clarification.as_ref(),
            ClockKind::CorrectiveAction => self.corrective_action.as_ref(),
            ClockKind::Recommendation => self.recommendation.as_ref(),
        }
    }
}

/// How and from where a case was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Closure {
    /// The ground.
    pub reason: ClosureReason,
    /// The state it was closed from (restored by `reopened`).
    pub previous: Status,
}

/// The state of one case, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CaseState {
    /// The case id (set by `reported`).
    pub case_id: Option<CaseId>,
    /// Where the case is.
    pub status: Status,
    /// Number of events so far (the last event's `caseseq`).
    pub version: u64,
    /// The office handling the case now.
    pub office: Option<OfficeCode>,
    /// The reference on letters.
    pub reference: Option<CaseReference>,
    /// How it arrived.
    pub channel: Option<Channel>,
    /// The track.
    pub track: Option<Track>,
    /// Whether the reporter asked for confidentiality.
    pub confidential: bool,
    /// The agency complained about.
    pub respondent: Option<Respondent>,
    /// Forms of maladministration.
    pub forms: Vec<FormCode>,
    /// The data key that seals this case's personal data.
    pub data_key: Option<KeyId>,
    /// The examination unit.
    pub unit: Option<UnitCode>,
    /// The investigator.
    pub assignee: Option<ActorId>,
    /// Clarification rounds sent so far.
    pub clarification_rounds: u32,
    /// Summons since the respondent last answered.
    pub unanswered_summons: u32,
    /// Every escalation, in order.
    pub escalations: Vec<EscalationKind>,
    /// A mediation ended with an agreement.
    pub agreement_on_record: bool,
    /// The examination's conclusion.
    pub conclusion: Option<Finding>,
    /// The clocks started so far (running while the case is open).
    pub clocks: Clocks,
    /// Set while closed.
    pub closure: Option<Closure>,
    /// The case's personal data was erased.
    pub personal_data_erased: bool,
    /// Erasure requests put to the head of office, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erasure_requests: Vec<ErasureRequest>,
}

/// An erasure request on an open case and the head of office's decision on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErasureRequest {
    /// The DPO's reference.
    pub request_ref: String,
    /// Who put it (may not decide it).
    pub requested_by: ActorId,
    /// `None` while pending; `Some(true)` approved, `Some(false)` refused.
    pub approved: Option<bool>,
}

impl Default for CaseState {
    fn default() -> Self {
        CaseState {
            case_id: None,
            status: Status::Unreported,
            version: 0,
            office: None,
            reference: None,
            channel: None,
            track: None,
            confidential: false,
            respondent: None,
            forms: Vec::new(),
            data_key: None,
            unit: None,
            assignee: None,
            clarification_rounds: 0,
            unanswered_summons: 0,
            escalations: Vec::new(),
            agreement_on_record: false,
            conclusion: None,
            clocks: Clocks::default(),
            closure: None,
            personal_data_erased: false,
            erasure_requests: Vec::new(),
        }
    }
}

impl CaseState {
    /// Whether the case was referred to the Chair for a Recommendation.
    pub fn referred_for_recommendation(&self) -> bool {
        self.escalations.contains(&EscalationKind::ToRecommendation)
    }

    /// The erasure request `request_ref`, if one was put.
    pub fn erasure_request(&self, request_ref: &str) -> Option<&ErasureRequest> {
        self.erasure_requests
            .iter()
            .rev()
            .find(|r| r.request_ref == request_ref)
    }

    fn decide_erasure(&mut self, request_ref: &str, approved: bool) {
        if let Some(request) = self
            .erasure_requests
            .iter_mut()
            .rev()
            .find(|r| r.request_ref == request_ref)
        {
            request.approved = Some(approved);
        }
    }

    /// The clocks running now: none while closed or unreported.
    pub fn running_clocks(&self) -> Vec<&Deadline> {
        if !self.status.is_open() {
            return Vec::new();
        }
        ClockKind::ALL
            .iter()
            .filter_map(|k| self.clocks.get(*k))
            .collect()
    }
}

/// Applies one event to a state. Never fails: events were decided before they were recorded.
pub fn evolve(mut state: CaseState, event: &Event) -> CaseState {
    state.version += 1;
    match &event.data {
        EventData::Reported(d) => {
            state.case_id = Some(event.case_id);
            state.status = if d.track == Track::OwnInitiative {
                Status::UnderExamination
            } else {
                Status::Received
            };
            state.office = Some(d.office.clone());
            state.reference = Some(d.reference.clone());
            state.channel = Some(d.channel);
            state.track = Some(d.track);
            state.confidential = d.reporter.as_ref().is_some_and(|r| r.confidential);
            state.respondent = Some(d.respondent.clone());
            state.forms = d.forms.clone();
            state.data_key = Some(d.summary.key_id.clone());
        }
        EventData::CompletionRequested(d) => {
            state.status = Status::AwaitingCompletion;
            state.clocks.completion = Some(d.deadline.clone());
        }
        EventData::Completed(_) => {
            state.status = Status::Received;
            state.clocks.completion = None;
        }
        EventData::Accepted(d) => {
            state.status = Status::UnderExamination;
            state.unit = Some(d.unit.clone());
            state.assignee = Some(d.assignee.clone());
        }
        EventData::Assigned(d) => {
            state.assignee = Some(d.assignee.clone());
            if let Some(unit) = &d.unit {
                state.unit = Some(unit.clone());
            }
        }
        EventData::ClarificationRequested(d) => {
            state.clarification_rounds = d.round;
            state.clocks.clarification = Some(d.deadline.clone());
        }
        EventData::ClarificationAnswered(_) => {
            state.clocks.clarification = None;
            state.unanswered_summons = 0;
        }
        EventData::Escalated(d) => {
            state.escalations.push(d.kind);
            match d.kind {
                EscalationKind::Summons => state.unanswered_summons += 1,
                EscalationKind::ToResolution => {
                    state.status = Status::InResolution;
                    state.clocks.corrective_action = None;
                }
                EscalationKind::TransferOffice => {
                    if let Some(office) =
                        d.target.as_deref().and_then(|t| OfficeCode::parse(t).ok())
                    {
                        state.office = Some(office);
                    }
                }
                EscalationKind::ToSuperior
                | EscalationKind::PoliceAssistance
                | EscalationKind::ToRecommendation
                | EscalationKind::Publication
                | EscalationKind::ReportToParliamentAndPresident => {}
            }
        }
        EventData::MediationStarted(_) => state.status = Status::InMediation,
        EventData::Mediated(d) => {
            state.status = Status::UnderExamination;
            if d.outcome == MediationOutcome::Agreed {
                state.agreement_on_record = true;
            }
        }
        EventData::Concluded(d) => {
            state.conclusion = Some(d.finding);
            if d.finding == Finding::Found {
                state.status = Status::CorrectiveAction;
                state.clocks.clarification = None;
                state.clocks.corrective_action = d.deadline.clone();
            }
        }
        EventData::RecommendationIssued(d) => {
            state.status = Status::Recommendation;
            state.clocks.recommendation = Some(d.deadline.clone());
        }
        EventData::Closed(d) => {
            state.closure = Some(Closure {
                reason: d.reason,
                previous: state.status,
            });
            state.status = Status::Closed;
        }
        EventData::Reopened(_) => {
            if let Some(closure) = state.closure.take() {
                state.status = closure.previous;
                // Reopening resumes the examination: an earlier conclusion or agreement no
                // longer stands (new facts are why a case is reopened).
                if closure.previous == Status::UnderExamination {
                    state.conclusion = None;
                    state.agreement_on_record = false;
                }
            }
        }
        EventData::NoteAdded(_) => {}
        EventData::PersonalDataErased(_) => state.personal_data_erased = true,
        EventData::ErasureRequested(d) => state.erasure_requests.push(ErasureRequest {
            request_ref: d.request_ref.clone(),
            requested_by: event.actor.clone(),
            approved: None,
        }),
        EventData::ErasureApproved(d) => state.decide_erasure(&d.request_ref, true),
        EventData::ErasureRefused(d) => state.decide_erasure(&d.request_ref, false),
    }
    state
}

/// Folds a case's events, in order, from nothing.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> CaseState {
    events.into_iter().fold(CaseState::default(), evolve)
}
