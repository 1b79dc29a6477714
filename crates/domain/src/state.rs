//! [`CaseState`]: what `decide` needs to know about a case, folded from its events by
//! [`evolve`]. Owns the statuses of DOMAIN §4 ([`Status`], with the LHP's sub-stage
//! [`LhpStage`]), the clocks as they run or wait for a receipt ([`Clock`]), the letters on
//! record, and what each event does to them. `evolve` trusts its input (events were decided
//! before they were recorded) and never fails.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::deadline::{ClockKind, Deadline};
use crate::event::{Conclusion, Decision, Event, EventData, EventType, Respondent};
use crate::ids::{ActorId, CaseId, CaseReference, FormCode, KeyId, OfficeCode, UnitCode};
use crate::letter::Letter;
use crate::taxonomy::{
    vocabulary, ActionAddressee, ActionStatus, Assessment, Channel, ClosureReason,
    ImplementationReport, MediationOutcome, ProposedAction, SummonsParty, Track,
};

vocabulary!(
    /// Where a case is in its life.
    Status {
        Unreported = "unreported", "Belum dilaporkan", "Not reported";
        Registered = "registered", "Tercatat", "Registered";
        RapidResponse = "rapid_response", "Penanganan RCO", "Rapid response";
        Received = "received", "Verifikasi laporan", "Received (verification)";
        AwaitingCompletion = "awaiting_completion", "Menunggu kelengkapan", "Awaiting completion";
        UnderExamination = "under_examination", "Pemeriksaan", "Under examination";
        InMediation = "in_mediation", "Mediasi/konsiliasi", "In mediation";
        AwaitingReporterResponse = "awaiting_reporter_response", "Menunggu tanggapan Pelapor", "Awaiting the reporter's response";
        AwaitingClosure = "awaiting_closure", "Menunggu penutupan", "Awaiting closure";
        CorrectiveAction = "corrective_action", "Tindakan korektif", "Corrective action";
        InResolution = "in_resolution", "Resolusi dan Monitoring", "Resolution and monitoring";
        Recommendation = "recommendation", "Rekomendasi", "Recommendation";
        Closed = "closed", "Ditutup", "Closed";
    }
);

impl Status {
    /// The open states: reported and not closed.
    pub const OPEN: &'static [Status] = &[
        Status::Registered,
        Status::RapidResponse,
        Status::Received,
        Status::AwaitingCompletion,
        Status::UnderExamination,
        Status::InMediation,
        Status::AwaitingReporterResponse,
        Status::AwaitingClosure,
        Status::CorrectiveAction,
        Status::InResolution,
        Status::Recommendation,
    ];

    /// Every state of a reported case: open or closed.
    pub const REPORTED: &'static [Status] = &[
        Status::Registered,
        Status::RapidResponse,
        Status::Received,
        Status::AwaitingCompletion,
        Status::UnderExamination,
        Status::InMediation,
        Status::AwaitingReporterResponse,
        Status::AwaitingClosure,
        Status::CorrectiveAction,
        Status::InResolution,
        Status::Recommendation,
        Status::Closed,
    ];

    /// Whether the case is reported and not closed.
    pub fn is_open(self) -> bool {
        Status::OPEN.contains(&self)
    }
}

vocabulary!(
    /// What a case waits for from the office's heads (DOMAIN §10): the pleno, the approval of
    /// a proposed conclusion, the LHP's issue.
    Agenda {
        Pleno = "pleno", "Agenda pleno", "For the pleno";
        ConclusionToApprove = "conclusion_to_approve", "Rancangan LHP untuk disetujui", "Conclusion to approve";
        LhpToIssue = "lhp_to_issue", "LHP untuk disampaikan", "LHP to issue";
    }
);

vocabulary!(
    /// The LHP's sub-stage while under examination.
    LhpStage {
        None = "none", "Belum ada rancangan LHP", "No draft";
        Proposed = "proposed", "Rancangan LHP diajukan", "Draft proposed";
        Approved = "approved", "Rancangan LHP disetujui", "Draft approved";
    }
);

/// A clock of the case: running with its due date, or pending the receipt of its letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Clock {
    /// Which clock.
    pub kind: ClockKind,
    /// The case position of the act whose letter starts it, if a letter does.
    pub letter_of: Option<u64>,
    /// The letter's date (or the act's date): a pending receipt is flagged some days after.
    pub sent_on: NaiveDate,
    /// The due date, once known; `None` = pending receipt.
    pub deadline: Option<Deadline>,
}

/// A letter sent by an act, with the act's position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LetterOnRecord {
    /// The case position of the act.
    pub seq: u64,
    /// The act's type.
    pub event_type: EventType,
    /// The letter, with its receipt once known.
    pub letter: Letter,
    /// The clock its receipt starts, if any.
    pub clock: Option<ClockKind>,
}

/// A summons and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SummonsOnRecord {
    /// Its number within the case.
    pub number: u32,
    /// Respondent or witness.
    pub kind: SummonsParty,
    /// The party's reference.
    pub party_ref: String,
    /// The appointment (office-local).
    pub appointment_at: Option<NaiveDateTime>,
    /// `None` while awaited; `Some(Attended)`, `Some(Missed { valid_reason })`.
    pub result: Option<SummonsResult>,
}

/// How a summons ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SummonsResult {
    /// The party came.
    Attended,
    /// The party did not come.
    Missed {
        /// With a valid reason.
        valid_reason: bool,
    },
}

/// A corrective action of the issued LHP and its latest reported status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ActionOnRecord {
    /// Its id.
    pub id: String,
    /// To whom.
    pub addressee: ActionAddressee,
    /// The latest status reported, if any.
    pub status: Option<ActionStatus>,
}

/// The Recommendation's follow-up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecommendationFollowUp {
    /// The addressee received it.
    pub delivered: bool,
    /// The superior's reports, in order.
    pub reports: Vec<ImplementationReport>,
    /// The latest assessment and whether the reasons were acceptable.
    pub assessment: Option<(Assessment, bool)>,
    /// Published (Pasal 38(4)).
    pub published: bool,
    /// Reported to the DPR and the President.
    pub reported_to_dpr: bool,
}

/// A proposal of the deadline engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Proposal {
    /// The case position of the `action_proposed` event.
    pub seq: u64,
    /// What.
    pub action: ProposedAction,
    /// The clock that ran out.
    pub clock: ClockKind,
    /// Its due date.
    pub due_on: NaiveDate,
    /// Dismissed by a person.
    pub dismissed: bool,
}

/// How and from where a case was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Closure {
    /// The ground.
    pub reason: ClosureReason,
    /// The state it was closed from.
    pub previous: Status,
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

/// The state of one case, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CaseState {
    /// The case id (set by `reported`).
    pub case_id: Option<CaseId>,
    /// Where the case is.
    pub status: Status,
    /// The LHP's sub-stage (meaningful under examination).
    pub lhp: LhpStage,
    /// Number of events so far (the last event's `caseseq`).
    pub version: u64,
    /// The office handling the case now.
    pub office: Option<OfficeCode>,
    /// The reference on letters.
    pub reference: Option<CaseReference>,
    /// How it arrived.
    pub channel: Option<Channel>,
    /// The intake type.
    pub track: Option<Track>,
    /// The office's receipt date.
    pub received_on: Option<NaiveDate>,
    /// The IAPS decision.
    pub decision: Option<Decision>,
    /// Whether a reporter is on record.
    pub has_reporter: bool,
    /// Whether the reporter asked for confidentiality.
    pub confidential: bool,
    /// Whether the reporter complained to the agency first.
    pub prior_complaint: bool,
    /// The incident was more than two years before receipt.
    pub incident_age_warning: bool,
    /// The agency complained about.
    pub respondent: Option<Respondent>,
    /// Alleged forms of maladministration (the latest classification).
    pub forms: Vec<FormCode>,
    /// The substance (the latest classification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substance: Option<String>,
    /// The agency group (the latest classification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_group: Option<String>,
    /// Who the reporter is (the latest classification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_kind: Option<crate::taxonomy::ReporterKind>,
    /// The data key that seals this case's personal data.
    pub data_key: Option<KeyId>,
    /// The examination unit.
    pub unit: Option<UnitCode>,
    /// The assignee (investigator; resmon in Resolusi dan Monitoring).
    pub assignee: Option<ActorId>,
    /// The formal check passed (since the last completion); `None` = not done.
    pub formal_check: Option<bool>,
    /// The material check passed; `None` = not done.
    pub material_check: Option<bool>,
    /// Clarification rounds sent so far.
    pub clarification_rounds: u32,
    /// Summons sent, with their results.
    pub summons: Vec<SummonsOnRecord>,
    /// Police assistance requests, by party.
    pub police_requests: Vec<String>,
    /// A mediation ended with an agreement.
    pub agreement_on_record: bool,
    /// The conclusion proposed or approved (while the LHP is being drafted).
    pub draft: Option<Conclusion>,
    /// The reporter answered the notified conclusion (without arguing).
    pub reporter_answered: bool,
    /// The conclusion issued in the LHP.
    pub issued: Option<Conclusion>,
    /// The corrective actions of the issued LHP.
    pub actions: Vec<ActionOnRecord>,
    /// Monitoring records (reports and activities) in the corrective-action stage.
    pub monitoring_records: u32,
    /// Resmon returned the LHP file as incomplete, not yet completed.
    pub lhp_file_incomplete: bool,
    /// Referred to the chair for a Recommendation.
    pub referred_for_recommendation: bool,
    /// The Recommendation's follow-up, once issued.
    pub recommendation: Option<RecommendationFollowUp>,
    /// Letters sent by the case's acts.
    pub letters: Vec<LetterOnRecord>,
    /// The clocks started and not stopped.
    pub clocks: BTreeMap<ClockKind, Clock>,
    /// Proposals of the deadline engine.
    pub proposals: Vec<Proposal>,
    /// Set while closed.
    pub closure: Option<Closure>,
    /// The case's personal data was erased.
    pub personal_data_erased: bool,
    /// Erasure requests put to the head of office, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erasure_requests: Vec<ErasureRequest>,
}

impl Default for CaseState {
    fn default() -> Self {
        CaseState {
            case_id: None,
            status: Status::Unreported,
            lhp: LhpStage::None,
            version: 0,
            office: None,
            reference: None,
            channel: None,
            track: None,
            received_on: None,
            decision: None,
            has_reporter: false,
            confidential: false,
            prior_complaint: false,
            incident_age_warning: false,
            respondent: None,
            forms: Vec::new(),
            substance: None,
            agency_group: None,
            reporter_kind: None,
            data_key: None,
            unit: None,
            assignee: None,
            formal_check: None,
            material_check: None,
            clarification_rounds: 0,
            summons: Vec::new(),
            police_requests: Vec::new(),
            agreement_on_record: false,
            draft: None,
            reporter_answered: false,
            issued: None,
            actions: Vec::new(),
            monitoring_records: 0,
            lhp_file_incomplete: false,
            referred_for_recommendation: false,
            recommendation: None,
            letters: Vec::new(),
            clocks: BTreeMap::new(),
            proposals: Vec::new(),
            closure: None,
            personal_data_erased: false,
            erasure_requests: Vec::new(),
        }
    }
}

impl CaseState {
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

    /// The clocks running now, with due dates. None while closed, except the closure notice.
    pub fn running_clocks(&self) -> Vec<&Deadline> {
        self.live_clocks()
            .filter_map(|c| c.deadline.as_ref())
            .collect()
    }

    /// What the case waits for from the heads, if anything. A report whose reporter has not
    /// answered waits for the LHP only once the response period ran out: the case index judges
    /// that on the query's date.
    pub fn agenda(&self) -> Option<Agenda> {
        match self.status {
            Status::Received
                if self.formal_check == Some(true) && self.material_check == Some(true) =>
            {
                Some(Agenda::Pleno)
            }
            Status::UnderExamination if self.lhp == LhpStage::Proposed => {
                Some(Agenda::ConclusionToApprove)
            }
            Status::UnderExamination
                if self.lhp == LhpStage::Approved && self.track == Some(Track::OwnInitiative) =>
            {
                Some(Agenda::LhpToIssue)
            }
            Status::AwaitingReporterResponse if self.reporter_answered => Some(Agenda::LhpToIssue),
            _ => None,
        }
    }

    /// The clocks waiting for the receipt of their letter.
    pub fn pending_receipts(&self) -> Vec<&Clock> {
        self.live_clocks()
            .filter(|c| c.deadline.is_none())
            .collect()
    }

    fn live_clocks(&self) -> impl Iterator<Item = &Clock> {
        let open = self.status.is_open();
        self.clocks
            .values()
            .filter(move |c| open || c.kind == ClockKind::ClosureNotice)
    }

    /// The clock of one kind, running or pending.
    pub fn clock(&self, kind: ClockKind) -> Option<&Clock> {
        self.clocks.get(&kind)
    }

    /// The running deadline of one kind.
    pub fn deadline(&self, kind: ClockKind) -> Option<&Deadline> {
        self.clocks.get(&kind).and_then(|c| c.deadline.as_ref())
    }

    /// The letter sent by the act at case position `seq`.
    pub fn letter_of(&self, seq: u64) -> Option<&LetterOnRecord> {
        self.letters.iter().find(|l| l.seq == seq)
    }

    /// The summons numbered `number`.
    pub fn summons_numbered(&self, number: u32) -> Option<&SummonsOnRecord> {
        self.summons.iter().find(|s| s.number == number)
    }

    /// Consecutive unexcused misses of the latest summons of `party_ref` (Pasal 31): attending
    /// or an excused miss resets the count; a written answer does not.
    pub fn unexcused_misses(&self, party_ref: &str) -> u32 {
        let mut count = 0;
        for s in self.summons.iter().filter(|s| s.party_ref == party_ref) {
            match s.result {
                Some(SummonsResult::Missed {
                    valid_reason: false,
                }) => count += 1,
                Some(SummonsResult::Missed { valid_reason: true })
                | Some(SummonsResult::Attended) => count = 0,
                None => {}
            }
        }
        count
    }

    /// The open proposal at case position `seq`.
    pub fn open_proposal(&self, seq: u64) -> Option<&Proposal> {
        self.open_proposals().find(|p| p.seq == seq)
    }

    /// The proposals still open (DOMAIN §8): listed until acted on, dismissed, or their clock
    /// stops (carrying out the act stops or restarts the clock, so its due date moves on).
    pub fn open_proposals(&self) -> impl Iterator<Item = &Proposal> {
        self.proposals.iter().filter(move |p| {
            !p.dismissed
                && self.status.is_open()
                && self.deadline(p.clock).map(|d| d.due_on) == Some(p.due_on)
        })
    }

    /// Whether the case was accepted for examination (or opened as an IAPS): closures after
    /// this need the head of office.
    pub fn examined(&self) -> bool {
        !matches!(
            self.closure.map(|c| c.previous).unwrap_or(self.status),
            Status::Registered
                | Status::RapidResponse
                | Status::Received
                | Status::AwaitingCompletion
                | Status::Unreported
        )
    }

    fn record_letter(
        &mut self,
        seq: u64,
        event_type: EventType,
        letter: &Letter,
        clock: Option<ClockKind>,
    ) {
        self.letters.push(LetterOnRecord {
            seq,
            event_type,
            letter: letter.clone(),
            clock,
        });
    }

    fn start(
        &mut self,
        kind: ClockKind,
        letter_of: Option<u64>,
        sent_on: NaiveDate,
        deadline: Option<&Deadline>,
    ) {
        self.clocks.insert(
            kind,
            Clock {
                kind,
                letter_of,
                sent_on,
                deadline: deadline.cloned(),
            },
        );
    }

    fn stop(&mut self, kind: ClockKind) {
        self.clocks.remove(&kind);
    }

    /// Stops every examination clock (approval of the conclusion; the LHP).
    fn stop_examination_clocks(&mut self) {
        self.stop(ClockKind::Clarification);
    }
}

/// Applies one event to a state. Never fails: events were decided before they were recorded.
pub fn evolve(mut state: CaseState, event: &Event) -> CaseState {
    state.version += 1;
    let seq = state.version;
    let day = event.at.local_date(crate::deadline::wib());
    let event_type = event.data.event_type();
    match &event.data {
        EventData::Reported(d) => {
            state.case_id = Some(event.case_id);
            state.status = match d.track {
                Track::Consultation | Track::CarbonCopy => Status::Registered,
                Track::Regular => Status::Received,
                // A v1 rapid response (no criteria, no service clock) kept v1's meaning: a
                // report under verification.
                Track::RapidResponse if d.criteria.is_empty() && d.deadline.is_none() => {
                    Status::Received
                }
                Track::RapidResponse => Status::RapidResponse,
                Track::OwnInitiative => Status::UnderExamination,
            };
            state.office = Some(d.office.clone());
            state.reference = Some(d.reference.clone());
            state.channel = Some(d.channel);
            state.track = Some(d.track);
            state.received_on = Some(d.received_on.unwrap_or(day));
            state.decision = d.decision.clone();
            state.has_reporter = d.reporter.is_some();
            state.confidential = d.reporter.as_ref().is_some_and(|r| r.confidential);
            state.prior_complaint = d.prior_complaint;
            state.incident_age_warning = d.incident_age_warning;
            state.respondent = d.respondent.clone();
            state.forms = d.forms.clone();
            state.data_key = Some(d.summary.key_id.clone());
            if let Some(deadline) = &d.deadline {
                state.start(deadline.clock, None, deadline.starts_on, Some(deadline));
            }
        }
        EventData::Converted(d) => {
            state.status = if d.track == Track::OwnInitiative {
                Status::UnderExamination
            } else {
                Status::Received
            };
            state.track = Some(d.track);
            if let Some(r) = &d.reporter {
                state.has_reporter = true;
                state.confidential = r.confidential;
            }
            if let Some(r) = &d.respondent {
                state.respondent = Some(r.clone());
            }
            if !d.forms.is_empty() {
                state.forms = d.forms.clone();
            }
            if d.decision.is_some() {
                state.decision = d.decision.clone();
            }
            if let Some(prior) = d.prior_complaint {
                state.prior_complaint = prior;
            }
            state.incident_age_warning |= d.incident_age_warning;
            if d.track == Track::OwnInitiative {
                // The channel own_initiative goes with the track (DOMAIN §2).
                state.channel = Some(Channel::OwnInitiative);
            }
            state.stop(ClockKind::RcoService);
        }
        EventData::Verified(d) => match d.stage {
            crate::taxonomy::VerificationStage::Formal => state.formal_check = Some(d.passed),
            crate::taxonomy::VerificationStage::Material => state.material_check = Some(d.passed),
        },
        EventData::CompletionRequested(d) => {
            state.status = Status::AwaitingCompletion;
            // A v1 request recorded no letter: it stands for one sent on the event's day, so
            // that its receipt can restart the clock (DOMAIN §7).
            let letter = d.letter.clone().unwrap_or_else(|| v1_letter(day));
            state.record_letter(seq, event_type, &letter, Some(ClockKind::Completion));
            state.start(
                ClockKind::Completion,
                Some(seq),
                letter.date,
                d.deadline.as_ref(),
            );
        }
        EventData::Completed(_) => {
            state.status = Status::Received;
            state.stop(ClockKind::Completion);
            state.formal_check = None;
        }
        EventData::Accepted(d) => {
            state.status = Status::UnderExamination;
            state.lhp = LhpStage::None;
            state.unit = Some(d.unit.clone());
            state.assignee = Some(d.assignee.clone());
        }
        EventData::Classified(d) => {
            if !d.forms.is_empty() {
                state.forms = d.forms.clone();
            }
            if d.substance.is_some() {
                state.substance = d.substance.clone();
            }
            if d.agency_group.is_some() {
                state.agency_group = d.agency_group.clone();
            }
            if d.reporter_kind.is_some() {
                state.reporter_kind = d.reporter_kind;
            }
        }
        EventData::Assigned(d) => {
            state.assignee = Some(d.assignee.clone());
            if let Some(unit) = &d.unit {
                state.unit = Some(unit.clone());
            }
        }
        EventData::Transferred(d) => {
            state.office = Some(d.to_office.clone());
            state.assignee = None;
            state.unit = None;
        }
        EventData::ClarificationRequested(d) => {
            state.clarification_rounds = state.clarification_rounds.max(d.round);
            state.record_letter(seq, event_type, &d.letter, Some(ClockKind::Clarification));
            // A new round supersedes an unanswered one. A letter already received without a
            // clock is a v1 `escalated(to_superior)`, which started none.
            if d.deadline.is_some() || d.letter.received_on.is_none() {
                state.start(
                    ClockKind::Clarification,
                    Some(seq),
                    d.letter.date,
                    d.deadline.as_ref(),
                );
            }
        }
        EventData::ClarificationAnswered(_) => state.stop(ClockKind::Clarification),
        EventData::Summoned(d) => {
            if let Some(letter) = &d.letter {
                state.record_letter(seq, event_type, letter, None);
            }
            state.summons.push(SummonsOnRecord {
                number: d.summons,
                kind: d.party.kind,
                party_ref: d.party.party_ref.clone(),
                appointment_at: d.appointment_at,
                result: None,
            });
        }
        EventData::SummonsAttended(d) => set_result(&mut state, d.summons, SummonsResult::Attended),
        EventData::SummonsMissed(d) => set_result(
            &mut state,
            d.summons,
            SummonsResult::Missed {
                valid_reason: d.valid_reason,
            },
        ),
        EventData::PoliceAssistanceRequested(d) => {
            if let Some(letter) = &d.letter {
                state.record_letter(seq, event_type, letter, None);
            }
            state
                .police_requests
                .push(d.party_ref.clone().unwrap_or_default());
        }
        EventData::ActivityRecorded(_) => {
            if state.status == Status::CorrectiveAction {
                state.monitoring_records += 1;
            }
        }
        EventData::MediationStarted(_) => state.status = Status::InMediation,
        EventData::Mediated(d) => {
            state.status = Status::UnderExamination;
            if d.outcome == MediationOutcome::Agreed {
                state.agreement_on_record = true;
            }
        }
        EventData::ConclusionProposed(d) => {
            state.lhp = LhpStage::Proposed;
            state.draft = Some(d.conclusion.clone());
        }
        EventData::ConclusionReturned(_) => {
            state.lhp = LhpStage::None;
            state.draft = None;
        }
        EventData::ConclusionApproved(_) => {
            state.lhp = LhpStage::Approved;
            state.stop_examination_clocks();
        }
        EventData::ConclusionNotified(d) => {
            state.status = Status::AwaitingReporterResponse;
            state.reporter_answered = false;
            state.record_letter(
                seq,
                event_type,
                &d.letter,
                Some(ClockKind::ReporterResponse),
            );
            state.start(
                ClockKind::ReporterResponse,
                Some(seq),
                d.letter.date,
                d.deadline.as_ref(),
            );
        }
        EventData::ReporterResponded(d) => {
            state.stop(ClockKind::ReporterResponse);
            if d.argued {
                state.status = Status::UnderExamination;
                state.lhp = LhpStage::None;
                state.draft = None;
            } else {
                state.reporter_answered = true;
            }
        }
        EventData::LhpIssued(d) => {
            // Every examination clock stops with the LHP (v1 `concluded` did the same).
            let running: Vec<ClockKind> = state.clocks.keys().copied().collect();
            for kind in running {
                state.stop(kind);
            }
            state.lhp = LhpStage::None;
            state.draft = None;
            let mut issued = d.conclusion.clone();
            // A v1 `concluded(found)` named no forms found: read as the alleged forms.
            if let Conclusion::Found { forms_found, .. } = &mut issued {
                if forms_found.is_empty() {
                    forms_found.clone_from(&state.forms);
                }
            }
            state.issued = Some(issued);
            if let Some(letter) = &d.letter {
                state.record_letter(seq, event_type, letter, Some(ClockKind::CorrectiveAction));
            }
            match &d.conclusion {
                Conclusion::Found {
                    corrective_actions, ..
                } => {
                    state.status = Status::CorrectiveAction;
                    state.monitoring_records = 0;
                    state.actions = corrective_actions
                        .iter()
                        .map(|a| ActionOnRecord {
                            id: a.id.clone(),
                            addressee: a.addressee,
                            status: None,
                        })
                        .collect();
                    if d.letter.is_none() && d.deadline.is_some() {
                        // A v1 finding: its letter stands for one sent on the event's day.
                        state.record_letter(
                            seq,
                            event_type,
                            &v1_letter(day),
                            Some(ClockKind::CorrectiveAction),
                        );
                    }
                    let sent_on = d.letter.as_ref().map_or(day, |l| l.date);
                    if d.letter.is_some() || d.deadline.is_some() {
                        state.start(
                            ClockKind::CorrectiveAction,
                            Some(seq),
                            sent_on,
                            d.deadline.as_ref(),
                        );
                    }
                }
                Conclusion::NotFound | Conclusion::Stopped { .. } => {
                    state.status = Status::AwaitingClosure;
                }
            }
        }
        EventData::CorrectiveActionReported(d) => {
            for report in &d.reports {
                if let Some(a) = state.actions.iter_mut().find(|a| a.id == report.action_id) {
                    a.status = Some(report.status);
                }
            }
            if state.status == Status::CorrectiveAction {
                state.monitoring_records += 1;
            }
        }
        EventData::ReferredToResolution(_) => {
            state.status = Status::InResolution;
            state.stop(ClockKind::CorrectiveAction);
            state.assignee = None;
        }
        EventData::LhpFileReturned(_) => state.lhp_file_incomplete = true,
        EventData::LhpFileCompleted(_) => state.lhp_file_incomplete = false,
        EventData::ReferredToRecommendation(_) => state.referred_for_recommendation = true,
        EventData::RecommendationIssued(d) => {
            state.status = Status::Recommendation;
            state.recommendation = Some(RecommendationFollowUp::default());
            if let Some(letter) = &d.letter {
                state.record_letter(seq, event_type, letter, None);
            }
            state.start(
                d.deadline.clock,
                None,
                d.deadline.starts_on,
                Some(&d.deadline),
            );
        }
        EventData::RecommendationDelivered(d) => {
            if let Some(r) = state.recommendation.as_mut() {
                r.delivered = true;
            }
            state.stop(ClockKind::RecommendationDelivery);
            state.start(
                ClockKind::SuperiorReport,
                None,
                d.received_on,
                Some(&d.deadline),
            );
        }
        EventData::ImplementationReported(d) => {
            if let Some(r) = state.recommendation.as_mut() {
                r.reports.push(d.report);
            }
            state.stop(ClockKind::SuperiorReport);
        }
        EventData::ImplementationAssessed(d) => {
            if let Some(r) = state.recommendation.as_mut() {
                r.assessment = Some((d.assessment, d.reasons_acceptable));
            }
        }
        EventData::Published(_) => {
            if let Some(r) = state.recommendation.as_mut() {
                r.published = true;
            }
        }
        EventData::ReportedToDprAndPresident(d) => {
            if let Some(letter) = &d.letter {
                state.record_letter(seq, event_type, letter, None);
            }
            if let Some(r) = state.recommendation.as_mut() {
                r.reported_to_dpr = true;
            }
        }
        EventData::Closed(d) => {
            state.closure = Some(Closure {
                reason: d.reason,
                previous: state.status,
            });
            state.status = Status::Closed;
            if let Some(letter) = &d.letter {
                state.record_letter(seq, event_type, letter, Some(ClockKind::ClosureNotice));
                if letter.received_on.is_none() {
                    state.start(
                        ClockKind::ClosureNotice,
                        Some(seq),
                        letter.date,
                        d.deadline.as_ref(),
                    );
                }
            }
        }
        EventData::Reopened(_) if state.status == Status::AwaitingClosure => {
            // The LHP without corrective action is undone: the examination resumes.
            state.issued = None;
            state.lhp = LhpStage::None;
            state.status = Status::UnderExamination;
            state.agreement_on_record = false;
        }
        EventData::Reopened(_) => {
            state.stop(ClockKind::ClosureNotice);
            if let Some(closure) = state.closure.take() {
                state.status = match (closure.reason, closure.previous) {
                    (ClosureReason::IncompleteDeemedWithdrawn, _) => {
                        // Back to verification: the completion period that ran out is over.
                        state.stop(ClockKind::Completion);
                        Status::Received
                    }
                    (_, Status::AwaitingClosure) => {
                        state.issued = None;
                        state.lhp = LhpStage::None;
                        Status::UnderExamination
                    }
                    (_, previous) => previous,
                };
                // Reopening resumes the examination: an earlier agreement no longer stands
                // (new facts are why a case is reopened).
                if state.status == Status::UnderExamination {
                    state.agreement_on_record = false;
                }
            }
        }
        EventData::LetterReceived(d) => {
            let clock = state
                .letters
                .iter_mut()
                .find(|l| l.seq == d.letter_of)
                .and_then(|l| {
                    l.letter.received_on = Some(d.received_on);
                    l.clock
                });
            match (clock, &d.deadline) {
                // Only the receipt of the current closure's letter stops its notice.
                (Some(ClockKind::ClosureNotice), _)
                    if state
                        .clock(ClockKind::ClosureNotice)
                        .is_some_and(|c| c.letter_of == Some(d.letter_of)) =>
                {
                    state.stop(ClockKind::ClosureNotice);
                }
                (Some(ClockKind::ClosureNotice), _) => {}
                (_, Some(deadline)) => {
                    let sent_on = state
                        .clocks
                        .get(&deadline.clock)
                        .map_or(deadline.starts_on, |c| c.sent_on);
                    state.start(deadline.clock, Some(d.letter_of), sent_on, Some(deadline));
                }
                _ => {}
            }
        }
        EventData::NoteAdded(_) => {}
        EventData::ActionProposed(d) => state.proposals.push(Proposal {
            seq,
            action: d.action,
            clock: d.clock,
            due_on: d.due_on,
            dismissed: false,
        }),
        EventData::ProposalDismissed(d) => {
            if let Some(p) = state.proposals.iter_mut().find(|p| p.seq == d.proposal) {
                p.dismissed = true;
            }
        }
        EventData::PersonalDataErased(_) => state.personal_data_erased = true,
        EventData::ErasureRequested(d) => state.erasure_requests.push(ErasureRequest {
            request_ref: d.request_ref.clone(),
            requested_by: event.actor.clone(),
            approved: None,
        }),
        EventData::ErasureApproved(d) => state.decide_erasure(&d.request_ref, true),
        EventData::ErasureRefused(d) => state.decide_erasure(&d.request_ref, false),
    }
    state.prune_clocks();
    state
}

/// The statuses a clock runs in (DOMAIN §6: a clock also stops when its state is left).
fn runs_in(clock: ClockKind, status: Status) -> bool {
    use Status as S;
    match clock {
        ClockKind::Completion => status == S::AwaitingCompletion,
        ClockKind::Clarification => matches!(
            status,
            S::RapidResponse
                | S::UnderExamination
                | S::CorrectiveAction
                | S::InResolution
                | S::Recommendation
        ),
        ClockKind::ReporterResponse => status == S::AwaitingReporterResponse,
        ClockKind::CorrectiveAction => status == S::CorrectiveAction,
        ClockKind::RecommendationDelivery | ClockKind::SuperiorReport => {
            status == S::Recommendation
        }
        ClockKind::ClosureNotice => status == S::Closed,
        ClockKind::RcoService => status == S::RapidResponse,
    }
}

impl CaseState {
    /// Drops every clock that does not run in the current status. A closed case keeps its
    /// clocks (hidden; reopening shows them again, the expired ones expired).
    fn prune_clocks(&mut self) {
        let status = self.status;
        if status == Status::Closed {
            return;
        }
        self.clocks.retain(|kind, _| runs_in(*kind, status));
    }
}

/// The letter a v1 act that started a clock stands for: sent on the event's day, details not
/// recorded.
fn v1_letter(day: NaiveDate) -> Letter {
    Letter {
        via: crate::letter::Via::Post,
        number: None,
        date: day,
        received_on: None,
    }
}

fn set_result(state: &mut CaseState, number: u32, result: SummonsResult) {
    if let Some(s) = state.summons.iter_mut().find(|s| s.number == number) {
        s.result = Some(result);
    }
}

/// Folds a case's events, in order, from nothing.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> CaseState {
    events.into_iter().fold(CaseState::default(), evolve)
}
