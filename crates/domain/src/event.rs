//! Events: the facts that can happen to a case (DOMAIN §4), past tense, each with its data. The
//! data structs here are the wire contract's `data` object (field names, optionality, enums):
//! never change a shipped shape; raise the type's schema version in [`events!`] and map the
//! older shape in `ombud-envelope` (`legacy`). The envelope attributes (id, position, hash,
//! idempotency key...) are not the domain's business and live in `ombud-envelope`.
//!
//! Fields marked "v1 events only" are absent on events ombud writes today and present only on
//! events read from the v1 wire; `decide` never omits what they stand for.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::deadline::{ClockKind, Deadline};
use crate::ids::{ActorId, AgencyCode, CaseId, CaseReference, FormCode, OfficeCode, UnitCode};
use crate::letter::Letter;
use crate::role::Role;
use crate::sealed::Sealed;
use crate::taxonomy::*;
use crate::time::Timestamp;

/// One fact about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The case.
    pub case_id: CaseId,
    /// The office the case belonged to when this happened (the envelope's `source`).
    pub office: OfficeCode,
    /// When it was recorded (audit time; no legal clock starts from it).
    pub at: Timestamp,
    /// Who did it.
    pub actor: ActorId,
    /// In which role.
    pub role: Role,
    /// What happened.
    pub data: EventData,
}

/// The reporter as recorded: the confidentiality flag in clear, the identity sealed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterData {
    /// The reporter asked that their identity be kept secret (Pasal 24(2)).
    pub confidential: bool,
    /// Name, place and date of birth, NIK, contacts, address...: sealed as one JSON object.
    pub identity: Sealed,
}

/// The agency complained about. Public bodies, not persons: travels in clear.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Respondent {
    /// Code, e.g. `disdukcapil-kota-tasikmalaya`.
    pub agency_code: AgencyCode,
    /// Full name.
    pub agency_name: String,
    /// The unit or counter, e.g. `Layanan KTP-el`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The superior (Atasan Terlapor), e.g. `Wali Kota Tasikmalaya`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superior: Option<String>,
}

/// A decision on record: number and date (an IAPS decision, a pleno).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Its number or reference.
    pub number: String,
    /// Its date.
    pub date: NaiveDate,
}

/// `reported` (v2): a case was opened, on one of the intake tracks of DOMAIN §2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reported {
    /// The receiving office.
    pub office: OfficeCode,
    /// The reference printed on letters.
    pub reference: CaseReference,
    /// How the report arrived.
    pub channel: Channel,
    /// External tracking id (SP4N-LAPOR!).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// The intake type.
    pub track: Track,
    /// The office's receipt date (v1 events: the event's date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
    /// The reporter (absent for own-initiative cases; optional for a carbon copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterData>,
    /// The agency complained about (optional for a consultation or carbon copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent: Option<Respondent>,
    /// Alleged forms of maladministration (codes of `taxonomy_version`; none for a
    /// consultation).
    pub forms: Vec<FormCode>,
    /// The taxonomy version the forms were checked against.
    pub taxonomy_version: String,
    /// When it happened (local date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_date: Option<NaiveDate>,
    /// Whether the reporter complained to the agency first.
    pub prior_complaint: bool,
    /// What happened, or the copied letter's gist (sealed).
    pub summary: Sealed,
    /// The incident was older than the warning limit (2 years) at receipt: a warning.
    pub incident_age_warning: bool,
    /// Why a rapid response (RCO only, at least one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<RcoCriterion>,
    /// The decision opening an own-initiative investigation (IAPS only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The RCO service-target clock (RCO only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

/// `converted`: a consultation, carbon copy or rapid response became a report (or an IAPS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Converted {
    /// The new track (`regular` or `own_initiative`).
    pub track: Track,
    /// The reporter, if the case had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterData>,
    /// The respondent, if the case had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondent: Option<Respondent>,
    /// Alleged forms, if the case had none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<FormCode>,
    /// The IAPS decision (conversion to own initiative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// When it happened, if the case had no date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_date: Option<NaiveDate>,
    /// Whether the reporter complained to the agency first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_complaint: Option<bool>,
    /// The incident was older than the warning limit at the case's receipt.
    #[serde(default)]
    pub incident_age_warning: bool,
}

/// `verified`: one of the two checks of a report, passed or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Verified {
    /// Formal or material.
    pub stage: VerificationStage,
    /// Whether it passed.
    pub passed: bool,
    /// The failed items or the ground (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `completion_requested` (v2): the reporter must supply missing items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionRequested {
    /// What is missing (sealed).
    pub missing: Sealed,
    /// The letter to the reporter (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<Letter>,
    /// The completion clock, once the reporter's receipt is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

/// `completed` (v2): the reporter supplied the missing items; stops the completion clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Completed {
    /// When the office received them (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
    /// Optional note (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `accepted` (v2): accepted for examination after the pleno.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The pleno that decided it (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pleno: Option<Decision>,
    /// The examination unit.
    pub unit: UnitCode,
    /// The investigator.
    pub assignee: ActorId,
}

/// `classified`: the case's classification (repeatable; the latest wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Classified {
    /// Alleged forms of maladministration.
    pub forms: Vec<FormCode>,
    /// Substance (reference data, e.g. `agraria`, `pendidikan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substance: Option<String>,
    /// Agency group (reference data, e.g. `pemerintah_daerah`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_group: Option<String>,
    /// Who the reporter is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_kind: Option<ReporterKind>,
    /// The reporter's proxy (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub represented_by: Option<Sealed>,
}

/// `assigned`: the assignee (investigator, or resmon in Resolusi dan Monitoring) changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assigned {
    /// The new assignee.
    pub assignee: ActorId,
    /// The new unit, if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitCode>,
}

/// `transferred`: Penyerahan Laporan to another office (PO 58/2023 Pasal 17); clears the
/// assignee and the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transferred {
    /// The receiving office.
    pub to_office: OfficeCode,
    /// Why (sealed).
    pub reason: Sealed,
}

/// `clarification_requested` (v2): a letter asking for clarification, documents or information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarificationRequested {
    /// 1 for the first letter, then 2, 3...
    pub round: u32,
    /// To whom.
    pub addressee: Addressee,
    /// What it asks for.
    pub purpose: Purpose,
    /// The letter.
    pub letter: Letter,
    /// The answer clock, once the addressee's receipt is known (v1 upcast `to_superior`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// v1 events only: the reason of an `escalated(to_superior)` (sealed as `reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `clarification_answered` (v2): the round was answered, or the right of answer lapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarificationAnswered {
    /// The round.
    pub round: u32,
    /// Answered or waived.
    pub outcome: AnswerOutcome,
    /// When the answer arrived (answered; v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
    /// Optional summary (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// A party summoned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Respondent or witness.
    pub kind: SummonsParty,
    /// A stable reference within the case (e.g. `kepala-dinas`), to count summons per party.
    pub party_ref: String,
    /// The person's name (sealed; v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Sealed>,
}

/// `summoned`: a summons per Pasal 31.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summoned {
    /// 1, 2, 3... within the case.
    pub summons: u32,
    /// Who.
    pub party: Party,
    /// The appointment, office-local (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_at: Option<NaiveDateTime>,
    /// The letter (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<Letter>,
    /// Why (sealed; v1 events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `summons_attended`: the party came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SummonsAttended {
    /// Which summons.
    pub summons: u32,
    /// What was said (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `summons_missed`: the party did not come, with or without a valid reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SummonsMissed {
    /// Which summons.
    pub summons: u32,
    /// The absence was excused (a valid reason resets the count of Pasal 31).
    pub valid_reason: bool,
    /// The reason given (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `police_assistance_requested`: penghadiran paksa (Pasal 31).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PoliceAssistanceRequested {
    /// The party to be brought (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_ref: Option<String>,
    /// The police unit addressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub police_unit: Option<String>,
    /// The letter (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<Letter>,
    /// Why (sealed; v1 events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `activity_recorded`: a field check, a meeting, or a Resmon activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityRecorded {
    /// Which activity.
    pub kind: ActivityKind,
    /// Its date.
    pub date: NaiveDate,
    /// Its outcome (sealed).
    pub outcome: Sealed,
}

/// `mediation_started` (v2): both parties asked for mediation or conciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediationStarted {
    /// Mediation or conciliation (v1 events: none, read as mediation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<MediationMethod>,
    /// Optional note (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `mediated`: mediation ended, agreed (terms on record) or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mediated {
    /// Agreed or failed.
    pub outcome: MediationOutcome,
    /// The agreed terms (sealed); present exactly when agreed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<Sealed>,
}

/// One corrective action of an LHP, addressed to someone (PO 48/2020 Pasal 25(2a)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectiveAction {
    /// Its id within the LHP (`1`, `2`...), named by reports on it.
    pub id: String,
    /// To whom.
    pub addressee: ActionAddressee,
    /// The official addressed, by name or office (sealed; v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Sealed>,
    /// What is to be done (sealed).
    pub action: Sealed,
}

/// The conclusion of an examination, as proposed, approved and issued in the LHP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "finding", rename_all = "snake_case", deny_unknown_fields)]
pub enum Conclusion {
    /// Maladministration found: the forms found and the corrective actions.
    Found {
        /// Forms of maladministration found (at least one).
        forms_found: Vec<FormCode>,
        /// The corrective actions (at least one).
        corrective_actions: Vec<CorrectiveAction>,
    },
    /// No maladministration found.
    NotFound,
    /// The examination is stopped on a ground of Pasal 36(1)(a)–(e).
    Stopped {
        /// The ground.
        ground: StopGround,
    },
}

impl Conclusion {
    /// Its finding.
    pub fn finding(&self) -> Finding {
        match self {
            Conclusion::Found { .. } => Finding::Found,
            Conclusion::NotFound => Finding::NotFound,
            Conclusion::Stopped { .. } => Finding::Stopped,
        }
    }
}

/// `conclusion_proposed`: the investigator proposes the LHP's conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConclusionProposed {
    /// The proposed conclusion.
    pub conclusion: Conclusion,
    /// The draft's gist (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Sealed>,
}

/// `conclusion_returned`: the head of office sent the draft back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConclusionReturned {
    /// Why (sealed).
    pub reason: Sealed,
}

/// `conclusion_approved`: the head of office approved the draft after the bedah laporan (PO
/// 48/2020 Pasal 25(4)); stops every examination clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConclusionApproved {
    /// The date of the bedah laporan.
    pub review_date: NaiveDate,
}

/// `conclusion_notified`: the approved conclusion went to the reporter (PO 48/2020 Pasal 25(5)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConclusionNotified {
    /// The letter to the reporter.
    pub letter: Letter,
    /// The reporter-response clock, once the receipt is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

/// `reporter_responded`: the reporter answered the notified conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterResponded {
    /// When the office received it.
    pub received_on: NaiveDate,
    /// The reporter argued with evidence: the examination resumes (PO 48/2020 Pasal 25(5a)).
    pub argued: bool,
    /// What was said (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `lhp_issued`: the LHP was issued to the Terlapor with the approved conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LhpIssued {
    /// The conclusion issued.
    pub conclusion: Conclusion,
    /// The letter to the Terlapor (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<Letter>,
    /// The corrective-action clock (found; once the Terlapor's receipt is known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

/// The respondent's report on one corrective action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionReport {
    /// The action's id in the LHP.
    pub action_id: String,
    /// Its status.
    pub status: ActionStatus,
}

/// `corrective_action_reported`: what the respondent reported on its corrective actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectiveActionReported {
    /// One report per action named.
    pub reports: Vec<ActionReport>,
    /// When the office received it.
    pub received_on: NaiveDate,
    /// Optional summary (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `referred_to_resolution`: to Resolusi dan Monitoring; clears the assignee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferredToResolution {
    /// Why.
    pub ground: ResolutionGround,
    /// Optional note (sealed; v1 events: the escalation's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `lhp_file_returned`: Resmon returned an incomplete LHP file (PO 58/2023 Pasal 54(4)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LhpFileReturned {
    /// What is missing (sealed).
    pub missing: Sealed,
}

/// A command or event with an optional note and nothing else (`lhp_file_completed`,
/// `referred_to_recommendation`, `published`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Noted {
    /// Optional note (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `recommendation_issued` (v2): the Chair's Recommendation, dated at signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationIssued {
    /// The superior addressed.
    pub addressee: String,
    /// The Recommendation's content (sealed).
    pub content: Sealed,
    /// The signed letter (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<Letter>,
    /// The delivery clock (v1 events: the 60-day implementation clock, read as
    /// `superior_report`).
    pub deadline: Deadline,
}

/// `recommendation_delivered`: the addressee received the Recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationDelivered {
    /// When.
    pub received_on: NaiveDate,
    /// The superior's-report clock (Pasal 38(2)).
    pub deadline: Deadline,
}

/// `implementation_reported`: the superior's report on the Recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImplementationReported {
    /// Full, partial or none.
    pub report: ImplementationReport,
    /// The superior's letter (with its receipt date).
    pub letter: Letter,
}

/// `implementation_assessed`: the Ombudsman's assessment of the implementation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImplementationAssessed {
    /// The assessment.
    pub assessment: Assessment,
    /// Whether the reasons given for not implementing are acceptable (Pasal 38(4)).
    pub reasons_acceptable: bool,
    /// Optional note (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `reported_to_dpr_and_president`: the report of Pasal 38(4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedToDprAndPresident {
    /// The letter (v1 events: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<Letter>,
    /// Optional note (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `closed` (v2): closed with a legal ground.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Closed {
    /// The ground.
    pub reason: ClosureReason,
    /// The pleno that decided it (a report closed before acceptance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pleno: Option<Decision>,
    /// For `examination_stopped`: the LHP's ground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<StopGround>,
    /// The closure letter (every reason but KNL, tembusan, RCO and withdrawals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<Letter>,
    /// The closure-notice clock (with a letter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// Optional note (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `reopened`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reopened {
    /// Why (sealed).
    pub reason: Sealed,
}

/// `letter_received`: the receipt of a letter sent by an earlier act became known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LetterReceived {
    /// The case position (`caseseq`) of the act whose letter it is.
    pub letter_of: u64,
    /// When the addressee received it.
    pub received_on: NaiveDate,
    /// The clock it starts (or restarts), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

/// `note_added`: an internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteAdded {
    /// The note (sealed).
    pub note: Sealed,
}

/// `action_proposed`: the deadline engine proposes what a person decides (DOMAIN §8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionProposed {
    /// What.
    pub action: ProposedAction,
    /// The clock that ran out.
    pub clock: ClockKind,
    /// Its due date.
    pub due_on: NaiveDate,
}

/// `proposal_dismissed`: a person dismissed a proposal, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalDismissed {
    /// The case position of the `action_proposed` event.
    pub proposal: u64,
    /// Why (sealed).
    pub reason: Sealed,
}

/// `personal_data_erased`: the case's data key is to be destroyed (crypto-shredding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataErased {
    /// The key destroyed.
    pub key_id: crate::ids::KeyId,
    /// The DPO's reference of the request.
    pub request_ref: String,
}

/// `erasure_requested` / `erasure_approved`: a data subject's erasure request (UU 27/2022
/// Pasal 8) on an open case, and the head of office's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// The DPO's reference of the request.
    pub request_ref: String,
}

/// `erasure_refused`: the head of office refused the erasure request `request_ref` (UU
/// 27/2022 Pasal 15(1): processing in the public interest of state administration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRefused {
    /// The request's reference.
    pub request_ref: String,
    /// Why (sealed).
    pub reason: Sealed,
}

/// Declares [`EventData`] and [`EventType`]: each type's variant, data, wire name, current
/// schema version and labels. Decoding and schemas come from here, so a new type is one line
/// (plus its data struct, its rule in `decide` and its effect in `evolve`).
macro_rules! events {
    ($($variant:ident($data:ty) = $name:literal, $version:literal, $id:literal, $en:literal;)+) => {
        /// The event types, each with its data. Serialized untagged: the type travels beside
        /// the data (CloudEvents `type`), not inside it.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(untagged)]
        pub enum EventData {
            $(#[doc = concat!("`", $name, "`: ", $en)] $variant($data),)+
        }

        /// The type of an event: the last token of its subject and of its CloudEvents `type`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventType {
            $(#[doc = concat!("`", $name, "`: ", $id)] $variant,)+
        }

        impl EventType {
            /// Every event type ombud writes.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)+];

            /// The wire name, e.g. `lhp_issued`.
            pub const fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $name,)+ }
            }

            /// Parses a wire name.
            pub fn parse(name: &str) -> Option<EventType> {
                match name { $($name => Some(EventType::$variant),)+ _ => None }
            }

            /// The schema version of the data ombud writes for this type.
            pub const fn schema_version(self) -> u32 {
                match self { $(EventType::$variant => $version,)+ }
            }

            /// The Indonesian label.
            pub const fn label_id(self) -> &'static str {
                match self { $(EventType::$variant => $id,)+ }
            }

            /// The English label.
            pub const fn label_en(self) -> &'static str {
                match self { $(EventType::$variant => $en,)+ }
            }

            /// The JSON Schema of this type's data at its current version.
            pub fn data_schema(self) -> schemars::Schema {
                match self { $(EventType::$variant => schemars::schema_for!($data),)+ }
            }
        }

        impl EventData {
            /// The type of this event.
            pub fn event_type(&self) -> EventType {
                match self { $(EventData::$variant(_) => EventType::$variant,)+ }
            }

            /// Reads the data of `event_type` at its current schema version from any serde
            /// deserializer (the codec passes JSON text or a JSON value).
            pub fn deserialize<'de, D: serde::Deserializer<'de>>(event_type: EventType, deserializer: D) -> Result<EventData, D::Error> {
                Ok(match event_type { $(EventType::$variant => EventData::$variant(<$data>::deserialize(deserializer)?),)+ })
            }
        }
    };
}

events! {
    Reported(Box<Reported>) = "reported", 2, "Laporan diterima", "Reported";
    Converted(Box<Converted>) = "converted", 1, "Dialihkan menjadi laporan", "Converted";
    Verified(Verified) = "verified", 1, "Diverifikasi", "Verified";
    CompletionRequested(CompletionRequested) = "completion_requested", 2, "Permintaan kelengkapan", "Completion requested";
    Completed(Completed) = "completed", 2, "Dilengkapi", "Completed";
    Accepted(Accepted) = "accepted", 2, "Diterima untuk diperiksa", "Accepted";
    Classified(Classified) = "classified", 1, "Diklasifikasi", "Classified";
    Assigned(Assigned) = "assigned", 1, "Ditugaskan", "Assigned";
    Transferred(Transferred) = "transferred", 1, "Diserahkan ke kantor lain", "Transferred";
    ClarificationRequested(ClarificationRequested) = "clarification_requested", 2, "Permintaan klarifikasi", "Clarification requested";
    ClarificationAnswered(ClarificationAnswered) = "clarification_answered", 2, "Klarifikasi dijawab", "Clarification answered";
    Summoned(Summoned) = "summoned", 1, "Pemanggilan", "Summoned";
    SummonsAttended(SummonsAttended) = "summons_attended", 1, "Panggilan dihadiri", "Summons attended";
    SummonsMissed(SummonsMissed) = "summons_missed", 1, "Panggilan tidak dihadiri", "Summons missed";
    PoliceAssistanceRequested(PoliceAssistanceRequested) = "police_assistance_requested", 1, "Permintaan bantuan Kepolisian", "Police assistance requested";
    ActivityRecorded(ActivityRecorded) = "activity_recorded", 1, "Kegiatan dicatat", "Activity recorded";
    MediationStarted(MediationStarted) = "mediation_started", 2, "Mediasi/konsiliasi dimulai", "Mediation started";
    Mediated(Mediated) = "mediated", 1, "Mediasi/konsiliasi selesai", "Mediated";
    ConclusionProposed(ConclusionProposed) = "conclusion_proposed", 1, "Rancangan LHP diajukan", "Conclusion proposed";
    ConclusionReturned(ConclusionReturned) = "conclusion_returned", 1, "Rancangan LHP dikembalikan", "Conclusion returned";
    ConclusionApproved(ConclusionApproved) = "conclusion_approved", 1, "Rancangan LHP disetujui", "Conclusion approved";
    ConclusionNotified(ConclusionNotified) = "conclusion_notified", 1, "LHP diberitahukan kepada Pelapor", "Conclusion notified";
    ReporterResponded(ReporterResponded) = "reporter_responded", 1, "Tanggapan Pelapor", "Reporter responded";
    LhpIssued(LhpIssued) = "lhp_issued", 1, "LHP disampaikan", "LHP issued";
    CorrectiveActionReported(CorrectiveActionReported) = "corrective_action_reported", 1, "Laporan tindakan korektif", "Corrective action reported";
    ReferredToResolution(ReferredToResolution) = "referred_to_resolution", 1, "Diserahkan ke Resolusi dan Monitoring", "Referred to resolution";
    LhpFileReturned(LhpFileReturned) = "lhp_file_returned", 1, "Berkas LHP dikembalikan", "LHP file returned";
    LhpFileCompleted(Noted) = "lhp_file_completed", 1, "Berkas LHP dilengkapi", "LHP file completed";
    ReferredToRecommendation(Noted) = "referred_to_recommendation", 1, "Diusulkan untuk Rekomendasi", "Referred to recommendation";
    RecommendationIssued(RecommendationIssued) = "recommendation_issued", 2, "Rekomendasi diterbitkan", "Recommendation issued";
    RecommendationDelivered(RecommendationDelivered) = "recommendation_delivered", 1, "Rekomendasi diterima", "Recommendation delivered";
    ImplementationReported(ImplementationReported) = "implementation_reported", 1, "Laporan pelaksanaan Rekomendasi", "Implementation reported";
    ImplementationAssessed(ImplementationAssessed) = "implementation_assessed", 1, "Penilaian pelaksanaan Rekomendasi", "Implementation assessed";
    Published(Noted) = "published", 1, "Dipublikasikan", "Published";
    ReportedToDprAndPresident(ReportedToDprAndPresident) = "reported_to_dpr_and_president", 1, "Dilaporkan kepada DPR dan Presiden", "Reported to the DPR and the President";
    Closed(Closed) = "closed", 2, "Ditutup", "Closed";
    Reopened(Reopened) = "reopened", 1, "Dibuka kembali", "Reopened";
    LetterReceived(LetterReceived) = "letter_received", 1, "Surat diterima", "Letter received";
    NoteAdded(NoteAdded) = "note_added", 1, "Catatan", "Note added";
    ActionProposed(ActionProposed) = "action_proposed", 1, "Usulan tindakan", "Action proposed";
    ProposalDismissed(ProposalDismissed) = "proposal_dismissed", 1, "Usulan ditolak", "Proposal dismissed";
    PersonalDataErased(PersonalDataErased) = "personal_data_erased", 1, "Data pribadi dihapus", "Personal data erased";
    ErasureRequested(ErasureRequest) = "erasure_requested", 1, "Permintaan penghapusan data", "Erasure requested";
    ErasureApproved(ErasureRequest) = "erasure_approved", 1, "Penghapusan data disetujui", "Erasure approved";
    ErasureRefused(ErasureRefused) = "erasure_refused", 1, "Penghapusan data ditolak", "Erasure refused";
}

impl crate::labels::Labelled for EventType {
    const VOCABULARY: &'static str = "EventType";
    fn all() -> &'static [Self] {
        EventType::ALL
    }
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn label_id(self) -> &'static str {
        EventType::label_id(self)
    }
    fn label_en(self) -> &'static str {
        EventType::label_en(self)
    }
}

impl JsonSchema for EventType {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EventType".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        schemars::json_schema!({ "type": "string", "enum": names })
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        EventType::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event type `{name}`")))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Conclusion {
    fn sealed<'a>(&'a self, out: &mut Vec<(&'static str, &'a Sealed)>) {
        if let Conclusion::Found {
            corrective_actions, ..
        } = self
        {
            for a in corrective_actions {
                if let Some(name) = &a.name {
                    out.push(("corrective_actions.name", name));
                }
                out.push(("corrective_actions.action", &a.action));
            }
        }
    }
}

impl EventData {
    /// Every sealed field of the event with its field name.
    pub fn sealed_fields<'a>(&'a self) -> Vec<(&'static str, &'a Sealed)> {
        let mut out: Vec<(&'static str, &'a Sealed)> = Vec::new();
        let opt = |out: &mut Vec<_>, name: &'static str, s: &'a Option<Sealed>| {
            if let Some(s) = s {
                out.push((name, s));
            }
        };
        match self {
            EventData::Reported(d) => {
                if let Some(r) = &d.reporter {
                    out.push(("reporter.identity", &r.identity));
                }
                out.push(("summary", &d.summary));
            }
            EventData::Converted(d) => {
                if let Some(r) = &d.reporter {
                    out.push(("reporter.identity", &r.identity));
                }
            }
            EventData::CompletionRequested(d) => out.push(("missing", &d.missing)),
            EventData::ClarificationRequested(d) => opt(&mut out, "reason", &d.note),
            EventData::Classified(d) => opt(&mut out, "represented_by", &d.represented_by),
            EventData::Transferred(d) => out.push(("reason", &d.reason)),
            EventData::Summoned(d) => {
                opt(&mut out, "party.name", &d.party.name);
                opt(&mut out, "note", &d.note);
            }
            EventData::ActivityRecorded(d) => out.push(("outcome", &d.outcome)),
            EventData::Mediated(d) => opt(&mut out, "terms", &d.terms),
            EventData::ConclusionProposed(d) => {
                d.conclusion.sealed(&mut out);
                opt(&mut out, "summary", &d.summary);
            }
            EventData::LhpIssued(d) => d.conclusion.sealed(&mut out),
            EventData::ConclusionReturned(ConclusionReturned { reason })
            | EventData::Reopened(Reopened { reason })
            | EventData::ProposalDismissed(ProposalDismissed { reason, .. })
            | EventData::ErasureRefused(ErasureRefused { reason, .. }) => {
                out.push(("reason", reason))
            }
            EventData::LhpFileReturned(d) => out.push(("missing", &d.missing)),
            EventData::RecommendationIssued(d) => out.push(("content", &d.content)),
            EventData::NoteAdded(d) => out.push(("note", &d.note)),
            EventData::Verified(Verified { note, .. })
            | EventData::Completed(Completed { note, .. })
            | EventData::ClarificationAnswered(ClarificationAnswered { note, .. })
            | EventData::SummonsAttended(SummonsAttended { note, .. })
            | EventData::SummonsMissed(SummonsMissed { note, .. })
            | EventData::PoliceAssistanceRequested(PoliceAssistanceRequested { note, .. })
            | EventData::MediationStarted(MediationStarted { note, .. })
            | EventData::ReporterResponded(ReporterResponded { note, .. })
            | EventData::CorrectiveActionReported(CorrectiveActionReported { note, .. })
            | EventData::ReferredToResolution(ReferredToResolution { note, .. })
            | EventData::LhpFileCompleted(Noted { note })
            | EventData::ReferredToRecommendation(Noted { note })
            | EventData::Published(Noted { note })
            | EventData::ImplementationAssessed(ImplementationAssessed { note, .. })
            | EventData::ReportedToDprAndPresident(ReportedToDprAndPresident { note, .. })
            | EventData::Closed(Closed { note, .. }) => opt(&mut out, "note", note),
            EventData::Accepted(_)
            | EventData::Assigned(_)
            | EventData::ConclusionApproved(_)
            | EventData::ConclusionNotified(_)
            | EventData::RecommendationDelivered(_)
            | EventData::ImplementationReported(_)
            | EventData::LetterReceived(_)
            | EventData::ActionProposed(_)
            | EventData::PersonalDataErased(_)
            | EventData::ErasureRequested(_)
            | EventData::ErasureApproved(_) => {}
        }
        out
    }
}
