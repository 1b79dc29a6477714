//! What callers send: one plaintext input per command ([`CommandInput`]), strict (unknown
//! fields are refused, so a typo never silently drops a reporter's protection). The service
//! hashes the plaintext (for idempotency) and then seals every free-text and personal field
//! under the case's key before the domain sees it.

use chrono::{NaiveDate, NaiveDateTime};
use ombud_domain::command::{ConvertCase, PartyInput, ReportCase};
use ombud_domain::event::{
    ActionReport, Conclusion, CorrectiveAction, Decision, ReporterData, Respondent,
};
use ombud_domain::taxonomy::*;
use ombud_domain::{
    Action, ActorId, ClockKind, CommandBody, FormCode, KeyId, Letter, OfficeCode, Sealed, UnitCode,
};
use ombud_envelope::{KeyStore, Sha256Hash, Vault};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ServiceError;

/// Seals the texts of one command under its case's key.
pub struct Sealer<'a, S: KeyStore> {
    vault: &'a Vault<S>,
    key: &'a KeyId,
}

impl<S: KeyStore> Sealer<'_, S> {
    async fn seal(&self, field: &'static str, text: String) -> Result<Sealed, ServiceError> {
        self.vault
            .seal(self.key, field, text.as_bytes())
            .await
            .map_err(ServiceError::from)
    }

    async fn opt(
        &self,
        field: &'static str,
        text: Option<String>,
    ) -> Result<Option<Sealed>, ServiceError> {
        match text {
            Some(t) => Ok(Some(self.seal(field, t).await?)),
            None => Ok(None),
        }
    }

    async fn reporter(
        &self,
        r: Option<ReporterInput>,
    ) -> Result<Option<ReporterData>, ServiceError> {
        match r {
            Some(r) => {
                let confidential = r.confidential;
                let identity =
                    serde_json::to_string(&r).map_err(|e| ServiceError::Internal(e.to_string()))?;
                Ok(Some(ReporterData {
                    confidential,
                    identity: self.seal("reporter.identity", identity).await?,
                }))
            }
            None => Ok(None),
        }
    }
}

/// One command's input: what it asks to do (for authorization before anything is sealed or
/// answered), and the domain's command body with every text sealed.
pub trait Input {
    /// What it asks to do.
    fn action(&self) -> Action;
    /// The domain's command body, every text sealed.
    fn body<S: KeyStore>(
        self,
        sealer: &Sealer<'_, S>,
    ) -> impl std::future::Future<Output = Result<CommandBody, ServiceError>>;
}

/// Declares input structs (strict: unknown fields are refused), with their [`Input`] impl.
macro_rules! input {
    ($(#[$doc:meta])* $name:ident => $kind:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty,)* } |$this:ident, $sealer:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl Input for $name {
            fn action(&self) -> Action {
                Action::Command(ombud_domain::CommandKind::$kind)
            }

            #[allow(unused_variables)]
            async fn body<S: KeyStore>(self, $sealer: &Sealer<'_, S>) -> Result<CommandBody, ServiceError> {
                let $this = self;
                Ok($body)
            }
        }
    };
}

/// The reporter, in clear (sealed by the service), per Pasal 24(1)(a).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterInput {
    /// Full name.
    pub name: String,
    /// NIK (national identity number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nik: Option<String>,
    /// Place of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_place: Option<String>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// Marital status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marital_status: Option<String>,
    /// Occupation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The reporter asked for confidentiality (Pasal 24(2)).
    #[serde(default)]
    pub confidential: bool,
}

input! {
    /// `POST /v1/cases`.
    ReportInput => Report {
        /// The office receiving it.
        office: OfficeCode,
        /// How it came in.
        channel: Channel,
        /// The intake type (default `regular`).
        #[serde(default)] track: Option<Track>,
        /// The office's receipt date (default: today).
        #[serde(default)] received_on: Option<NaiveDate>,
        /// A reference in another system (SP4N-LAPOR!).
        #[serde(default)] external_ref: Option<String>,
        /// The reporter (absent for own-initiative cases; optional for a carbon copy).
        #[serde(default)] reporter: Option<ReporterInput>,
        /// The respondent agency (optional for a consultation or carbon copy).
        #[serde(default)] respondent: Option<Respondent>,
        /// Alleged forms of maladministration (none for a consultation).
        #[serde(default)] forms: Vec<FormCode>,
        /// When it happened.
        #[serde(default)] incident_date: Option<NaiveDate>,
        /// Whether the reporter complained to the agency first.
        #[serde(default)] prior_complaint: bool,
        /// What happened (or the copied letter's gist).
        summary: String,
        /// Rapid response: why (emergency, threat_to_life, threat_to_right_to_live).
        #[serde(default)] criteria: Vec<RcoCriterion>,
        /// Own initiative: the decision (number, date).
        #[serde(default)] decision: Option<Decision>,
    } |i, s| CommandBody::Report(Box::new(ReportCase {
        office: i.office,
        channel: i.channel,
        external_ref: i.external_ref,
        track: i.track.unwrap_or(Track::Regular),
        received_on: i.received_on,
        reporter: s.reporter(i.reporter).await?,
        respondent: i.respondent,
        forms: i.forms,
        incident_date: i.incident_date,
        prior_complaint: i.prior_complaint,
        summary: s.seal("summary", i.summary).await?,
        criteria: i.criteria,
        decision: i.decision,
    }))
}

input! {
    /// `convert`.
    ConvertInput => Convert {
        /// `regular` (a report) or `own_initiative` (from registered).
        track: Track,
        /// The reporter, if the case has none.
        #[serde(default)] reporter: Option<ReporterInput>,
        /// The respondent, if the case has none.
        #[serde(default)] respondent: Option<Respondent>,
        /// Alleged forms, if the case has none.
        #[serde(default)] forms: Vec<FormCode>,
        /// Own initiative: the decision.
        #[serde(default)] decision: Option<Decision>,
        /// When it happened, if the case had no date.
        #[serde(default)] incident_date: Option<NaiveDate>,
        /// Whether the reporter complained to the agency first.
        #[serde(default)] prior_complaint: Option<bool>,
    } |i, s| CommandBody::Convert(Box::new(ConvertCase {
        track: i.track,
        reporter: s.reporter(i.reporter).await?,
        respondent: i.respondent,
        forms: i.forms,
        decision: i.decision,
        incident_date: i.incident_date,
        prior_complaint: i.prior_complaint,
    }))
}

input! {
    /// `verify`.
    VerifyInput => Verify {
        /// `formal` or `material`.
        stage: VerificationStage,
        /// Whether it passed.
        passed: bool,
        /// The failed items or the ground.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::Verify { stage: i.stage, passed: i.passed, note: s.opt("note", i.note).await? }
}

input! {
    /// `request-completion`.
    RequestCompletionInput => RequestCompletion {
        /// What the report lacks.
        missing: String,
        /// The letter to the reporter (`received_on` once known starts the 30 days).
        letter: Letter,
    } |i, s| CommandBody::RequestCompletion { missing: s.seal("missing", i.missing).await?, letter: i.letter }
}

input! {
    /// `complete`.
    CompleteInput => Complete {
        /// When the office received the missing items.
        received_on: NaiveDate,
        /// A note.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::Complete { received_on: i.received_on, note: s.opt("note", i.note).await? }
}

input! {
    /// `accept`.
    AcceptInput => Accept {
        /// The pleno that decided it (reference and date).
        pleno: Decision,
        /// The examining unit.
        unit: UnitCode,
        /// The investigator.
        assignee: ActorId,
    } |i, s| CommandBody::Accept { pleno: i.pleno, unit: i.unit, assignee: i.assignee }
}

input! {
    /// `classify` (repeatable; the latest wins).
    ClassifyInput => Classify {
        /// Alleged forms.
        #[serde(default)] forms: Vec<FormCode>,
        /// Substance (e.g. `agraria`, `pendidikan`).
        #[serde(default)] substance: Option<String>,
        /// Agency group (e.g. `pemerintah_daerah`).
        #[serde(default)] agency_group: Option<String>,
        /// Who the reporter is.
        #[serde(default)] reporter_kind: Option<ReporterKind>,
        /// The reporter's proxy.
        #[serde(default)] represented_by: Option<String>,
    } |i, s| CommandBody::Classify {
        forms: i.forms,
        substance: i.substance,
        agency_group: i.agency_group,
        reporter_kind: i.reporter_kind,
        represented_by: s.opt("represented_by", i.represented_by).await?,
    }
}

input! {
    /// `assign`.
    AssignInput => Assign {
        /// The investigator (or resmon in resolution).
        assignee: ActorId,
        /// A new unit.
        #[serde(default)] unit: Option<UnitCode>,
    } |i, s| CommandBody::Assign { assignee: i.assignee, unit: i.unit }
}

input! {
    /// `transfer`.
    TransferInput => Transfer {
        /// The receiving office.
        to_office: OfficeCode,
        /// Why.
        reason: String,
    } |i, s| CommandBody::Transfer { to_office: i.to_office, reason: s.seal("reason", i.reason).await? }
}

input! {
    /// `request-clarification`.
    RequestClarificationInput => RequestClarification {
        /// To whom (default `respondent`).
        #[serde(default)] addressee: Option<Addressee>,
        /// What it asks for (default `clarification`).
        #[serde(default)] purpose: Option<Purpose>,
        /// The letter (`received_on` once known starts the 14 days).
        letter: Letter,
    } |i, s| CommandBody::RequestClarification {
        addressee: i.addressee.unwrap_or(Addressee::Respondent),
        purpose: i.purpose.unwrap_or(Purpose::Clarification),
        letter: i.letter,
    }
}

input! {
    /// `answer-clarification`.
    AnswerClarificationInput => AnswerClarification {
        /// `answered` (default) or `waived` (the right of answer lapsed, after the period).
        #[serde(default)] outcome: Option<AnswerOutcome>,
        /// When the answer arrived (answered).
        #[serde(default)] received_on: Option<NaiveDate>,
        /// Its gist.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::AnswerClarification {
        outcome: i.outcome.unwrap_or(AnswerOutcome::Answered),
        received_on: i.received_on,
        note: s.opt("note", i.note).await?,
    }
}

/// A party to summon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyIn {
    /// `respondent` or `witness`.
    pub kind: SummonsParty,
    /// Its reference within the case (e.g. `kepala-dinas`).
    pub party_ref: String,
    /// The person's name.
    pub name: String,
}

input! {
    /// `summon` (Pasal 31).
    SummonInput => Summon {
        /// Who.
        party: PartyIn,
        /// The appointment (office-local, e.g. `2026-09-14T09:00:00`).
        appointment_at: NaiveDateTime,
        /// The summons letter.
        letter: Letter,
    } |i, s| CommandBody::Summon {
        party: PartyInput { kind: i.party.kind, party_ref: i.party.party_ref, name: s.seal("party.name", i.party.name).await? },
        appointment_at: i.appointment_at,
        letter: i.letter,
    }
}

input! {
    /// `record-attendance`.
    RecordAttendanceInput => RecordAttendance {
        /// The summons number.
        summons: u32,
        /// What was said.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::RecordAttendance { summons: i.summons, note: s.opt("note", i.note).await? }
}

input! {
    /// `record-absence`.
    RecordAbsenceInput => RecordAbsence {
        /// The summons number.
        summons: u32,
        /// Whether the absence had a valid reason.
        valid_reason: bool,
        /// The reason given.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::RecordAbsence { summons: i.summons, valid_reason: i.valid_reason, note: s.opt("note", i.note).await? }
}

input! {
    /// `request-police-assistance` (penghadiran paksa).
    PoliceAssistanceInput => RequestPoliceAssistance {
        /// The party to be brought.
        party_ref: String,
        /// The police unit addressed.
        police_unit: String,
        /// The letter.
        letter: Letter,
    } |i, s| CommandBody::RequestPoliceAssistance { party_ref: i.party_ref, police_unit: i.police_unit, letter: i.letter }
}

input! {
    /// `record-activity`.
    RecordActivityInput => RecordActivity {
        /// `field_check`, `meeting`; in resolution also `mediation`, `conciliation`, `facilitation`.
        kind: ActivityKind,
        /// Its date.
        date: NaiveDate,
        /// Its outcome.
        outcome: String,
    } |i, s| CommandBody::RecordActivity { kind: i.kind, date: i.date, outcome: s.seal("outcome", i.outcome).await? }
}

input! {
    /// `start-mediation`.
    StartMediationInput => StartMediation {
        /// `mediation` (default) or `conciliation`.
        #[serde(default)] method: Option<MediationMethod>,
        /// A note.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::StartMediation { method: i.method.unwrap_or(MediationMethod::Mediation), note: s.opt("note", i.note).await? }
}

input! {
    /// `mediate`.
    MediateInput => Mediate {
        /// `agreed` or `failed`.
        outcome: MediationOutcome,
        /// The agreed terms.
        #[serde(default)] terms: Option<String>,
    } |i, s| CommandBody::Mediate { outcome: i.outcome, terms: s.opt("terms", i.terms).await? }
}

/// A corrective action, in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionIn {
    /// Its id within the LHP (`1`, `2`...).
    pub id: String,
    /// `respondent`, `superior` or `related_agency`.
    pub addressee: ActionAddressee,
    /// The official addressed.
    #[serde(default)]
    pub name: Option<String>,
    /// What is to be done.
    pub action: String,
}

/// A conclusion, in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "finding", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConclusionIn {
    /// Maladministration found.
    Found {
        /// Forms found.
        forms_found: Vec<FormCode>,
        /// Corrective actions.
        corrective_actions: Vec<ActionIn>,
    },
    /// No maladministration.
    NotFound,
    /// Stopped on a ground of Pasal 36(1)(a)–(e).
    Stopped {
        /// The ground.
        ground: StopGround,
    },
}

input! {
    /// `propose-conclusion`.
    ProposeConclusionInput => ProposeConclusion {
        /// The conclusion: `{"finding":"found","forms_found":[...],"corrective_actions":[...]}`,
        /// `{"finding":"not_found"}` or `{"finding":"stopped","ground":"..."}`.
        conclusion: ConclusionIn,
        /// The draft's gist.
        #[serde(default)] summary: Option<String>,
    } |i, s| {
        let conclusion = match i.conclusion {
            ConclusionIn::Found { forms_found, corrective_actions } => {
                let mut actions = Vec::with_capacity(corrective_actions.len());
                for a in corrective_actions {
                    actions.push(CorrectiveAction {
                        id: a.id,
                        addressee: a.addressee,
                        name: s.opt("corrective_actions.name", a.name).await?,
                        action: s.seal("corrective_actions.action", a.action).await?,
                    });
                }
                Conclusion::Found { forms_found, corrective_actions: actions }
            }
            ConclusionIn::NotFound => Conclusion::NotFound,
            ConclusionIn::Stopped { ground } => Conclusion::Stopped { ground },
        };
        CommandBody::ProposeConclusion { conclusion, summary: s.opt("summary", i.summary).await? }
    }
}

input! {
    /// `return-conclusion`.
    ReturnConclusionInput => ReturnConclusion {
        /// Why.
        reason: String,
    } |i, s| CommandBody::ReturnConclusion { reason: s.seal("reason", i.reason).await? }
}

input! {
    /// `approve-conclusion`.
    ApproveConclusionInput => ApproveConclusion {
        /// The date of the bedah laporan.
        review_date: NaiveDate,
    } |i, s| CommandBody::ApproveConclusion { review_date: i.review_date }
}

input! {
    /// `notify-conclusion`, `issue-lhp`.
    LetterInput => NotifyConclusion {
        /// The letter.
        letter: Letter,
    } |i, s| CommandBody::NotifyConclusion { letter: i.letter }
}

/// `issue-lhp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueLhpInput {
    /// The letter to the Terlapor (`received_on` once known starts the corrective-action
    /// period).
    pub letter: Letter,
}

impl Input for IssueLhpInput {
    fn action(&self) -> Action {
        Action::Command(ombud_domain::CommandKind::IssueLhp)
    }

    async fn body<S: KeyStore>(self, _: &Sealer<'_, S>) -> Result<CommandBody, ServiceError> {
        Ok(CommandBody::IssueLhp {
            letter: self.letter,
        })
    }
}

input! {
    /// `record-reporter-response`.
    ReporterResponseInput => RecordReporterResponse {
        /// When the office received it.
        received_on: NaiveDate,
        /// The reporter argued with evidence (the examination resumes).
        argued: bool,
        /// Its gist.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::RecordReporterResponse { received_on: i.received_on, argued: i.argued, note: s.opt("note", i.note).await? }
}

input! {
    /// `report-corrective-action`.
    CorrectiveActionInput => ReportCorrectiveAction {
        /// One report per action: `{"action_id":"1","status":"done"}`.
        reports: Vec<ActionReport>,
        /// When the office received the report.
        received_on: NaiveDate,
        /// Its gist.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::ReportCorrectiveAction { reports: i.reports, received_on: i.received_on, note: s.opt("note", i.note).await? }
}

input! {
    /// `refer-to-resolution`.
    ReferToResolutionInput => ReferToResolution {
        /// `period_expired` or `refused_by_respondent`.
        ground: ResolutionGround,
        /// A note.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::ReferToResolution { ground: i.ground, note: s.opt("note", i.note).await? }
}

input! {
    /// `return-lhp-file`.
    ReturnLhpFileInput => ReturnLhpFile {
        /// What the file lacks.
        missing: String,
    } |i, s| CommandBody::ReturnLhpFile { missing: s.seal("missing", i.missing).await? }
}

input! {
    /// `complete-lhp-file`.
    CompleteLhpFileInput => CompleteLhpFile {
        /// A note.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::CompleteLhpFile { note: s.opt("note", i.note).await? }
}

input! {
    /// `refer-to-recommendation`.
    ReferToRecommendationInput => ReferToRecommendation {
        /// A note.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::ReferToRecommendation { note: s.opt("note", i.note).await? }
}

input! {
    /// `recommend`.
    RecommendInput => Recommend {
        /// To whom (the superior).
        addressee: String,
        /// The recommendation.
        content: String,
        /// The signed letter (its date starts the delivery period).
        letter: Letter,
    } |i, s| CommandBody::Recommend { addressee: i.addressee, content: s.seal("content", i.content).await?, letter: i.letter }
}

input! {
    /// `record-delivery`.
    RecordDeliveryInput => RecordDelivery {
        /// When the addressee received the Recommendation.
        received_on: NaiveDate,
    } |i, s| CommandBody::RecordDelivery { received_on: i.received_on }
}

input! {
    /// `report-implementation`.
    ReportImplementationInput => ReportImplementation {
        /// `full`, `partial` or `none`.
        report: ImplementationReport,
        /// The superior's letter, with `received_on`.
        letter: Letter,
    } |i, s| CommandBody::ReportImplementation { report: i.report, letter: i.letter }
}

input! {
    /// `assess-implementation`.
    AssessImplementationInput => AssessImplementation {
        /// `implemented`, `partly_implemented` or `not_implemented`.
        assessment: Assessment,
        /// Whether the reasons given are acceptable (Pasal 38(4)).
        reasons_acceptable: bool,
        /// A note.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::AssessImplementation { assessment: i.assessment, reasons_acceptable: i.reasons_acceptable, note: s.opt("note", i.note).await? }
}

input! {
    /// `publish`.
    PublishInput => Publish {
        /// A note.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::Publish { note: s.opt("note", i.note).await? }
}

input! {
    /// `report-to-dpr-and-president`.
    ReportToDprInput => ReportToDprAndPresident {
        /// The letter.
        #[serde(default)] letter: Option<Letter>,
        /// A note.
        #[serde(default)] note: Option<String>,
    } |i, s| CommandBody::ReportToDprAndPresident { letter: i.letter, note: s.opt("note", i.note).await? }
}

/// `close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// The ground.
    pub reason: ClosureReason,
    /// The pleno that decided it (a report closed by a head before acceptance).
    #[serde(default)]
    pub pleno: Option<Decision>,
    /// The closure letter (every ground but KNL, tembusan, RCO and withdrawals).
    #[serde(default)]
    pub letter: Option<Letter>,
    /// A closing note.
    #[serde(default)]
    pub note: Option<String>,
}

impl Input for CloseInput {
    fn action(&self) -> Action {
        Action::Close(self.reason)
    }

    async fn body<S: KeyStore>(self, s: &Sealer<'_, S>) -> Result<CommandBody, ServiceError> {
        Ok(CommandBody::Close {
            reason: self.reason,
            pleno: self.pleno,
            letter: self.letter,
            note: s.opt("note", self.note).await?,
        })
    }
}

input! {
    /// `reopen`.
    ReopenInput => Reopen {
        /// Why.
        reason: String,
    } |i, s| CommandBody::Reopen { reason: s.seal("reason", i.reason).await? }
}

input! {
    /// `record-letter-receipt`.
    LetterReceiptInput => RecordLetterReceipt {
        /// The case position (`case_seq`) of the act that sent the letter.
        letter_of: u64,
        /// When the addressee received it.
        received_on: NaiveDate,
    } |i, s| CommandBody::RecordLetterReceipt { letter_of: i.letter_of, received_on: i.received_on }
}

input! {
    /// `notes`.
    AddNoteInput => AddNote {
        /// The note.
        note: String,
    } |i, s| CommandBody::AddNote { note: s.seal("note", i.note).await? }
}

input! {
    /// `propose-action` (the deadline engine).
    ProposeActionInput => ProposeAction {
        /// What to propose.
        action: ProposedAction,
        /// The clock that ran out.
        clock: ClockKind,
    } |i, s| CommandBody::ProposeAction { action: i.action, clock: i.clock }
}

input! {
    /// `dismiss-proposal`.
    DismissProposalInput => DismissProposal {
        /// The case position of the proposal.
        proposal: u64,
        /// Why.
        reason: String,
    } |i, s| CommandBody::DismissProposal { proposal: i.proposal, reason: s.seal("reason", i.reason).await? }
}

input! {
    /// `erase-personal-data`.
    EraseInput => ErasePersonalData {
        /// The erasure request's reference.
        request_ref: String,
    } |i, s| CommandBody::ErasePersonalData { request_ref: i.request_ref }
}

input! {
    /// `request-erasure`.
    RequestErasureInput => RequestErasure {
        /// The DPO's reference of the data subject's request.
        request_ref: String,
    } |i, s| CommandBody::RequestErasure { request_ref: i.request_ref }
}

input! {
    /// `approve-erasure`.
    ApproveErasureInput => ApproveErasure {
        /// The request's reference.
        request_ref: String,
    } |i, s| CommandBody::ApproveErasure { request_ref: i.request_ref }
}

input! {
    /// `refuse-erasure`.
    RefuseErasureInput => RefuseErasure {
        /// The request's reference.
        request_ref: String,
        /// Why (e.g. the examination is in the public interest).
        reason: String,
    } |i, s| CommandBody::RefuseErasure { request_ref: i.request_ref, reason: s.seal("reason", i.reason).await? }
}

/// Declares the command registry: for each command its route, its input type, a one-line
/// summary and an example body. From it come [`CommandInput`] (one variant per command),
/// [`COMMANDS`] (what the HTTP routes, the OpenAPI document, the CLI's `--help` and the docs
/// test read), [`ROUTES`], parsing, the route of an input and its canonical JSON. A new
/// command is its domain code and one entry here: a variant without its domain mapping
/// (its [`Input`] impl) does not compile, and an example that does not parse, or a command the
/// docs or the CLI do not list, fails a test.
macro_rules! registry {
    ($( $variant:ident ( $input:ty ) = $route:literal : $summary:literal , $example:literal ; )+) => {
        /// One command's input, named by its route.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[allow(missing_docs)] // each variant is its route's input
        pub enum CommandInput {
            $( $variant($input), )+
        }

        /// Every command: `report` (`POST /v1/cases`), then the case commands
        /// (`POST /v1/cases/{id}/<route>`) in the order of `docs/procedure.md`.
        pub const COMMANDS: &[CommandSpec] = &[
            $( CommandSpec {
                route: $route,
                summary: $summary,
                example: $example,
                schema: || serde_json::to_value(schemars::schema_for!($input)).unwrap_or_default(),
            }, )+
        ];

        impl CommandInput {
            /// Parses the body of `route` (`report` for `POST /v1/cases`).
            pub fn parse(route: &str, json: &[u8]) -> Result<Self, ServiceError> {
                Ok(match route {
                    $( $route => CommandInput::$variant(parse_json(json)?), )+
                    other => {
                        return Err(ServiceError::Invalid(format!(
                            "no command `{other}` (known: report, {})",
                            ROUTES.join(", ")
                        )))
                    }
                })
            }

            /// Its route name.
            pub fn route(&self) -> &'static str {
                match self {
                    $( CommandInput::$variant(_) => $route, )+
                }
            }

            fn canonical_json(&self) -> serde_json::Result<Vec<u8>> {
                match self {
                    $( CommandInput::$variant(i) => serde_json::to_vec(i), )+
                }
            }

            /// What it asks to do, for authorization before anything is sealed or answered.
            pub fn action(&self) -> Action {
                match self {
                    $( CommandInput::$variant(i) => i.action(), )+
                }
            }

            /// The domain's command body, every text sealed under `key`.
            pub async fn seal<S: KeyStore>(self, vault: &Vault<S>, key: &KeyId) -> Result<CommandBody, ServiceError> {
                let sealer = Sealer { vault, key };
                match self {
                    $( CommandInput::$variant(i) => i.body(&sealer).await, )+
                }
            }
        }
    };
}

/// One entry of the command registry.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// Its route: `report`, or `POST /v1/cases/{id}/<route>`.
    pub route: &'static str,
    /// What it does, in a line.
    pub summary: &'static str,
    /// An example body (a test parses it).
    pub example: &'static str,
    /// The JSON Schema of its body.
    pub schema: fn() -> serde_json::Value,
}

registry! {
    Report(Box<ReportInput>) = "report":
        "Report a new case: a report, consultation (KNL), carbon copy, rapid response (RCO) or own-initiative investigation",
        r#"{"office":"jawa-barat","channel":"walk_in","received_on":"2026-08-03","reporter":{"name":"Asep Saepudin","nik":"3278010101800001","confidential":true},"respondent":{"agency_code":"disdukcapil-kota-tasikmalaya","agency_name":"Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya","superior":"Wali Kota Tasikmalaya"},"forms":["undue_delay"],"incident_date":"2026-05-01","prior_complaint":true,"summary":"KTP-el tidak kunjung terbit setelah tiga bulan."}"#;
    Convert(Box<ConvertInput>) = "convert":
        "Convert a consultation, carbon copy or rapid response into a report (or an own-initiative investigation)",
        r#"{"track":"regular","forms":["undue_delay"]}"#;
    Verify(VerifyInput) = "record-verification":
        "Record the formal or material verification of a report",
        r#"{"stage":"formal","passed":true}"#;
    RequestCompletion(RequestCompletionInput) = "request-completion":
        "Ask the reporter to complete the report (the completion clock runs from the letter's receipt)",
        r#"{"missing":"Fotokopi KTP dan bukti pengajuan","letter":{"via":"whatsapp","date":"2026-08-10"}}"#;
    Complete(CompleteInput) = "complete":
        "Record that the reporter completed the report",
        r#"{"received_on":"2026-08-20","note":"Dokumen diterima lengkap"}"#;
    Accept(AcceptInput) = "accept":
        "Accept the report for examination after the pleno (unit head or head of office)",
        r#"{"pleno":{"number":"PLENO/2026/31","date":"2026-08-24"},"unit":"riksa-1","assignee":"riksa.siti"}"#;
    Classify(ClassifyInput) = "classify":
        "Classify the case: alleged forms, substance, agency group, reporter kind (the latest wins)",
        r#"{"forms":["undue_delay"],"substance":"administrasi_kependudukan","agency_group":"pemerintah_daerah","reporter_kind":"individual"}"#;
    Assign(AssignInput) = "assign":
        "Assign the case to another investigator (or resmon, or unit)",
        r#"{"assignee":"riksa.agus","unit":"riksa-2"}"#;
    Transfer(TransferInput) = "transfer":
        "Transfer the case to another office (Penyerahan Laporan; head of office)",
        r#"{"to_office":"jakarta-raya","reason":"Terlapor berkedudukan di Jakarta"}"#;
    RequestClarification(RequestClarificationInput) = "request-clarification":
        "Send a request for clarification, documents or information (the clock runs from receipt)",
        r#"{"addressee":"respondent","purpose":"clarification","letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10","received_on":"2026-08-12"}}"#;
    AnswerClarification(AnswerClarificationInput) = "answer-clarification":
        "Record the answer to the clarification (or that the right of answer lapsed)",
        r#"{"outcome":"answered","received_on":"2026-08-20","note":"Jawaban tertulis diterima"}"#;
    Summon(SummonInput) = "summon":
        "Summon the respondent or a witness (Pasal 31)",
        r#"{"party":{"kind":"respondent","party_ref":"kepala-dinas","name":"Kepala Dinas Dukcapil"},"appointment_at":"2026-09-14T09:00:00","letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10"}}"#;
    RecordAttendance(RecordAttendanceInput) = "record-attendance":
        "Record that a summoned party came",
        r#"{"summons":1,"note":"Hadir dan memberi keterangan"}"#;
    RecordAbsence(RecordAbsenceInput) = "record-absence":
        "Record that a summoned party did not come, with or without a valid reason",
        r#"{"summons":1,"valid_reason":false}"#;
    RequestPoliceAssistance(PoliceAssistanceInput) = "request-police-assistance":
        "Ask the police to bring a party who missed three summons without a valid reason (head of office)",
        r#"{"party_ref":"kepala-dinas","police_unit":"Polda Jawa Barat","letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10"}}"#;
    RecordActivity(RecordActivityInput) = "record-activity":
        "Record a field check, meeting or (in resolution) mediation, conciliation or facilitation",
        r#"{"kind":"field_check","date":"2026-08-15","outcome":"Antrean layanan KTP-el diperiksa"}"#;
    StartMediation(StartMediationInput) = "start-mediation":
        "Open a mediation or conciliation both parties asked for",
        r#"{"method":"mediation","note":"Mediasi dijadwalkan"}"#;
    Mediate(MediateInput) = "mediate":
        "Record the mediation's outcome",
        r#"{"outcome":"agreed","terms":"KTP-el diterbitkan dalam 7 hari"}"#;
    ProposeConclusion(ProposeConclusionInput) = "propose-conclusion":
        "Propose the LHP's conclusion, with the forms found and corrective actions (investigator)",
        r#"{"conclusion":{"finding":"found","forms_found":["undue_delay"],"corrective_actions":[{"id":"1","addressee":"respondent","action":"Terbitkan KTP-el pelapor"}]}}"#;
    ReturnConclusion(ReturnConclusionInput) = "return-conclusion":
        "Return the proposed conclusion to the investigator (head of office)",
        r#"{"reason":"Kronologi belum lengkap"}"#;
    ApproveConclusion(ApproveConclusionInput) = "approve-conclusion":
        "Approve the proposed conclusion after the bedah laporan (head of office)",
        r#"{"review_date":"2026-10-05"}"#;
    NotifyConclusion(LetterInput) = "notify-conclusion":
        "Notify the reporter of the approved conclusion (14 days to respond from receipt)",
        r#"{"letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10"}}"#;
    RecordReporterResponse(ReporterResponseInput) = "record-reporter-response":
        "Record the reporter's response to the conclusion (argued: the examination resumes)",
        r#"{"received_on":"2026-10-12","argued":false}"#;
    IssueLhp(IssueLhpInput) = "issue-lhp":
        "Issue the LHP to the respondent (head of office)",
        r#"{"letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10","received_on":"2026-08-12"}}"#;
    ReportCorrectiveAction(CorrectiveActionInput) = "report-corrective-action":
        "Record the respondent's report on its corrective actions",
        r#"{"reports":[{"action_id":"1","status":"done"}],"received_on":"2026-11-02"}"#;
    ReferToResolution(ReferToResolutionInput) = "refer-to-resolution":
        "Refer to Resolusi dan Monitoring: the period ran out, or the respondent refused",
        r#"{"ground":"period_expired"}"#;
    ReturnLhpFile(ReturnLhpFileInput) = "return-lhp-file":
        "Return an incomplete LHP file (resmon)",
        r#"{"missing":"Berita acara klarifikasi"}"#;
    CompleteLhpFile(CompleteLhpFileInput) = "complete-lhp-file":
        "Complete the returned LHP file (investigator)",
        r#"{"note":"Berita acara dilampirkan"}"#;
    ReferToRecommendation(ReferToRecommendationInput) = "refer-to-recommendation":
        "Refer the case to the chair for a Recommendation (head of office)",
        r#"{"note":"Tindakan korektif tidak dilaksanakan"}"#;
    Recommend(RecommendInput) = "recommend":
        "Issue a Recommendation (the chair alone)",
        r#"{"addressee":"Wali Kota Tasikmalaya","content":"Menerbitkan KTP-el pelapor dan memperbaiki SOP","letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10"}}"#;
    RecordDelivery(RecordDeliveryInput) = "record-delivery":
        "Record that the addressee received the Recommendation (starts the superior's 60 days)",
        r#"{"received_on":"2026-08-13"}"#;
    ReportImplementation(ReportImplementationInput) = "report-implementation":
        "Record the superior's report on the Recommendation",
        r#"{"report":"partial","letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10","received_on":"2026-08-12"}}"#;
    AssessImplementation(AssessImplementationInput) = "assess-implementation":
        "Assess the Recommendation's implementation (member or chair)",
        r#"{"assessment":"not_implemented","reasons_acceptable":false}"#;
    Publish(PublishInput) = "publish":
        "Publish that the Recommendation was not implemented (Pasal 38(4); the chair)",
        r#"{"note":"Dimuat dalam laporan tahunan"}"#;
    ReportToDprAndPresident(ReportToDprInput) = "report-to-dpr-and-president":
        "Report the non-implementation to the DPR and the President (Pasal 38(4); the chair)",
        r#"{"letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10"}}"#;
    Close(CloseInput) = "close":
        "Close the case on one of the closure grounds",
        r#"{"reason":"corrective_action_implemented","letter":{"via":"post","number":"B/123/LM.01/VIII/2026","date":"2026-08-10"},"note":"KTP-el telah diterbitkan"}"#;
    Reopen(ReopenInput) = "reopen":
        "Reopen a closed case (head of office)",
        r#"{"reason":"Pelapor menyampaikan bukti baru"}"#;
    RecordLetterReceipt(LetterReceiptInput) = "record-letter-receipt":
        "Record when a letter sent by an earlier act was received (starts its clock)",
        r#"{"letter_of":4,"received_on":"2026-08-12"}"#;
    AddNote(AddNoteInput) = "notes":
        "Add a note to the case's timeline",
        r#"{"note":"Pelapor dihubungi melalui telepon"}"#;
    ProposeAction(ProposeActionInput) = "propose-action":
        "Propose what a person decides after a clock ran out (the deadline engine)",
        r#"{"action":"issue_lhp","clock":"reporter_response"}"#;
    DismissProposal(DismissProposalInput) = "dismiss-proposal":
        "Dismiss a proposal of the deadline engine, with the reason (unit head or head of office)",
        r#"{"proposal":9,"reason":"Terlapor sudah menjawab melalui telepon"}"#;
    ErasePersonalData(EraseInput) = "erase-personal-data":
        "Erase the case's personal data (DPO; an approved request, or a closed case)",
        r#"{"request_ref":"DPO/2026/017"}"#;
    RequestErasure(RequestErasureInput) = "request-erasure":
        "Put an erasure request to the head of office (DPO, open cases)",
        r#"{"request_ref":"DPO/2026/017"}"#;
    ApproveErasure(ApproveErasureInput) = "approve-erasure":
        "Approve a pending erasure request (head of office, not its requester)",
        r#"{"request_ref":"DPO/2026/017"}"#;
    RefuseErasure(RefuseErasureInput) = "refuse-erasure":
        "Refuse a pending erasure request, with the reason",
        r#"{"request_ref":"DPO/2026/017","reason":"Pemeriksaan masih berjalan demi kepentingan umum"}"#;
}

/// The case-command routes (`POST /v1/cases/{id}/<route>`): every command of [`COMMANDS`]
/// but `report`, in its order.
pub const ROUTES: &[&str] = &{
    let mut routes = [""; COMMANDS.len() - 1];
    let mut i = 1;
    while i < COMMANDS.len() {
        routes[i - 1] = COMMANDS[i].route;
        i += 1;
    }
    routes
};

/// The registry entry of `route`.
pub fn command(route: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.route == route)
}

fn parse_json<T: serde::de::DeserializeOwned>(json: &[u8]) -> Result<T, ServiceError> {
    serde_json::from_slice(json).map_err(|e| ServiceError::Invalid(e.to_string()))
}

impl CommandInput {
    /// SHA-256 of the route and the plaintext input (before sealing, whose nonces differ on
    /// every try): the same command always hashes the same.
    pub fn command_hash(&self) -> Result<Sha256Hash, ServiceError> {
        let mut bytes = self.route().as_bytes().to_vec();
        bytes.push(b'\n');
        bytes.extend(
            self.canonical_json()
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
        );
        Ok(Sha256Hash::of(&bytes))
    }
}

/// The JSON Schema of the request body of `route` (`report` for `POST /v1/cases`).
pub fn body_schema(route: &str) -> Option<serde_json::Value> {
    command(route).map(|c| (c.schema)())
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn every_registered_example_parses_as_its_command() {
        for spec in COMMANDS {
            let input = CommandInput::parse(spec.route, spec.example.as_bytes())
                .unwrap_or_else(|e| panic!("the example of `{}` parses: {e}", spec.route));
            assert_eq!(input.route(), spec.route);
            let schema = (spec.schema)();
            assert!(
                schema["properties"].is_object(),
                "`{}` has a body schema: {schema}",
                spec.route
            );
            assert!(!spec.summary.is_empty());
        }
        assert_eq!(COMMANDS[0].route, "report");
        let rest: Vec<&str> = COMMANDS[1..].iter().map(|c| c.route).collect();
        assert_eq!(ROUTES, rest.as_slice());
    }

    #[test]
    fn the_procedure_documents_every_command() {
        let doc = include_str!("../../../docs/procedure.md");
        for spec in &COMMANDS[1..] {
            assert!(
                doc.contains(&format!("`{}`", spec.route)),
                "docs/procedure.md lists `{}`",
                spec.route
            );
        }
    }
}
