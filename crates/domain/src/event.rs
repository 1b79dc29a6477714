//! Events: the 19 facts that can happen to a case, past tense, each with its data. The data
//! structs here are the wire contract's `data` object (field names, optionality, enums): never
//! change a shipped shape; add a schema version and an upcaster in `ombud-envelope` instead.
//! The envelope attributes (id, position, hash, idempotency key...) are not the domain's
//! business and live in `ombud-envelope`.

use std::fmt;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::deadline::Deadline;
use crate::ids::{ActorId, AgencyCode, CaseId, CaseReference, FormCode, OfficeCode, UnitCode};
use crate::role::Role;
use crate::sealed::Sealed;
use crate::taxonomy::{
    Addressee, Channel, ClosureReason, EscalationKind, Finding, MediationOutcome, Track,
};
use crate::time::Timestamp;

/// One fact about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The case.
    pub case_id: CaseId,
    /// The office the case belonged to when this happened (the envelope's `source`).
    pub office: OfficeCode,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor: ActorId,
    /// In which role.
    pub role: Role,
    /// What happened.
    pub data: EventData,
}

/// The event types, each with its data. Serialized untagged: the type travels beside the data
/// (CloudEvents `type`), not inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EventData {
    /// A case was opened.
    Reported(Box<Reported>),
    /// The reporter was asked to complete the report.
    CompletionRequested(CompletionRequested),
    /// The reporter completed it.
    Completed(Completed),
    /// Accepted for examination.
    Accepted(Accepted),
    /// The investigator was (re)assigned.
    Assigned(Assigned),
    /// A clarification letter was sent.
    ClarificationRequested(ClarificationRequested),
    /// The clarification was answered.
    ClarificationAnswered(ClarificationAnswered),
    /// The case was escalated.
    Escalated(Escalated),
    /// Mediation started.
    MediationStarted(MediationStarted),
    /// Mediation ended.
    Mediated(Mediated),
    /// The examination report concluded.
    Concluded(Concluded),
    /// The Chair issued a Recommendation.
    RecommendationIssued(RecommendationIssued),
    /// The case was closed.
    Closed(Closed),
    /// The case was reopened.
    Reopened(Reopened),
    /// An internal note was added.
    NoteAdded(NoteAdded),
    /// The case's personal data was erased (its data key is destroyed after this event).
    PersonalDataErased(PersonalDataErased),
    /// The DPO put a data subject's erasure request on an open case.
    ErasureRequested(ErasureRequested),
    /// The head of office approved an erasure request.
    ErasureApproved(ErasureApproved),
    /// The head of office refused an erasure request.
    ErasureRefused(ErasureRefused),
}

/// The reporter as recorded: the confidentiality flag in clear, the identity sealed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterData {
    /// The reporter asked that their identity be kept secret (the law requires it then).
    pub confidential: bool,
    /// Name, NIK, phone, email, address: sealed as one JSON object.
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
    /// The superior (atasan terlapor), e.g. `Wali Kota Tasikmalaya`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superior: Option<String>,
}

/// `reported`: a case was opened.
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
    /// The track.
    pub track: Track,
    /// The reporter (absent for own-initiative cases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterData>,
    /// The agency complained about.
    pub respondent: Respondent,
    /// Forms of maladministration (codes of `taxonomy_version`).
    pub forms: Vec<FormCode>,
    /// The taxonomy version the forms were checked against.
    pub taxonomy_version: String,
    /// When it happened (local date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_date: Option<NaiveDate>,
    /// Whether the reporter complained to the agency first.
    pub prior_complaint: bool,
    /// What happened (sealed).
    pub summary: Sealed,
    /// The incident was older than the warning limit (2 years) at intake: a warning, not a refusal.
    pub incident_age_warning: bool,
}

/// `completion_requested`: the reporter must supply missing items; starts the completion clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionRequested {
    /// What is missing (sealed).
    pub missing: Sealed,
    /// The completion clock.
    pub deadline: Deadline,
}

/// `completed`: the reporter supplied the missing items; stops the completion clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Completed {
    /// Optional note (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `accepted`: accepted for examination by a unit and an investigator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The examination unit.
    pub unit: UnitCode,
    /// The investigator.
    pub assignee: ActorId,
}

/// `assigned`: the investigator (and optionally the unit) changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assigned {
    /// The new investigator.
    pub assignee: ActorId,
    /// The new unit, if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitCode>,
}

/// `clarification_requested`: a letter to the respondent or its superior; starts the
/// clarification clock (a new round supersedes an unanswered one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarificationRequested {
    /// 1 for the first letter, then 2, 3...
    pub round: u32,
    /// Respondent or superior.
    pub addressee: Addressee,
    /// The letter's number.
    pub letter_number: String,
    /// The answer clock.
    pub deadline: Deadline,
}

/// `clarification_answered`: stops the clarification clock and resets unanswered summons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarificationAnswered {
    /// The round answered.
    pub round: u32,
    /// Optional summary (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `escalated`: one of the escalation kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalated {
    /// Which escalation.
    pub kind: EscalationKind,
    /// Why (sealed).
    pub reason: Sealed,
    /// To whom: a superior, a police unit, or for `transfer_office` the new office code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// `mediation_started`: both parties asked for mediation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediationStarted {
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

/// `concluded`: the examination report; `found` starts the corrective-action clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Concluded {
    /// Found, not found or stopped.
    pub finding: Finding,
    /// The corrective actions (sealed list); present exactly when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrective_actions: Option<Sealed>,
    /// The corrective-action clock; present exactly when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

/// `recommendation_issued`: the Chair's Recommendation to the superior; starts its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationIssued {
    /// The superior addressed.
    pub addressee: String,
    /// The Recommendation's content (sealed).
    pub content: Sealed,
    /// The implementation clock.
    pub deadline: Deadline,
}

/// `closed`: closed with a legal ground.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Closed {
    /// The ground.
    pub reason: ClosureReason,
    /// Optional note (sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Sealed>,
}

/// `reopened`: back to the state before closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reopened {
    /// Why (sealed).
    pub reason: Sealed,
}

/// `note_added`: an internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteAdded {
    /// The note (sealed).
    pub note: Sealed,
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

/// `erasure_requested`: a data subject's erasure request (UU 27/2022 Pasal 8), put to the head
/// of office because the case is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequested {
    /// The DPO's reference of the request.
    pub request_ref: String,
}

/// `erasure_approved`: the head of office approved the erasure request `request_ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureApproved {
    /// The request's reference.
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

/// Declares [`EventType`] with its wire names.
macro_rules! event_types {
    ($($variant:ident = $name:literal;)+) => {
        /// The type of an event: the last token of its subject and of its CloudEvents `type`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventType {
            $(#[doc = concat!("`", $name, "`")] $variant,)+
        }

        impl EventType {
            /// Every event type.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)+];

            /// The wire name, e.g. `escalated`.
            pub const fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $name,)+ }
            }

            /// Parses a wire name.
            pub fn parse(name: &str) -> Option<EventType> {
                match name { $($name => Some(EventType::$variant),)+ _ => None }
            }
        }

        impl EventData {
            /// The type of this event.
            pub fn event_type(&self) -> EventType {
                match self { $(EventData::$variant(_) => EventType::$variant,)+ }
            }
        }
    };
}

event_types! {
    Reported = "reported";
    CompletionRequested = "completion_requested";
    Completed = "completed";
    Accepted = "accepted";
    Assigned = "assigned";
    ClarificationRequested = "clarification_requested";
    ClarificationAnswered = "clarification_answered";
    Escalated = "escalated";
    MediationStarted = "mediation_started";
    Mediated = "mediated";
    Concluded = "concluded";
    RecommendationIssued = "recommendation_issued";
    Closed = "closed";
    Reopened = "reopened";
    NoteAdded = "note_added";
    PersonalDataErased = "personal_data_erased";
    ErasureRequested = "erasure_requested";
    ErasureApproved = "erasure_approved";
    ErasureRefused = "erasure_refused";
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

impl EventData {
    /// Every sealed field of the event with its field name.
    pub fn sealed_fields<'a>(&'a self) -> Vec<(&'static str, &'a Sealed)> {
        let mut out = Vec::new();
        let mut push = |name: &'static str, s: Option<&'a Sealed>| {
            if let Some(s) = s {
                out.push((name, s));
            }
        };
        match self {
            EventData::Reported(d) => {
                push(
                    "reporter.identity",
                    d.reporter.as_ref().map(|r| &r.identity),
                );
                push("summary", Some(&d.summary));
            }
            EventData::CompletionRequested(d) => push("missing", Some(&d.missing)),
            EventData::Completed(Completed { note })
            | EventData::ClarificationAnswered(ClarificationAnswered { note, .. })
            | EventData::MediationStarted(MediationStarted { note })
            | EventData::Closed(Closed { note, .. }) => push("note", note.as_ref()),
            EventData::Escalated(d) => push("reason", Some(&d.reason)),
            EventData::Mediated(d) => push("terms", d.terms.as_ref()),
            EventData::Concluded(d) => push("corrective_actions", d.corrective_actions.as_ref()),
            EventData::RecommendationIssued(d) => push("content", Some(&d.content)),
            EventData::Reopened(d) => push("reason", Some(&d.reason)),
            EventData::NoteAdded(d) => push("note", Some(&d.note)),
            EventData::ErasureRefused(d) => push("reason", Some(&d.reason)),
            EventData::Accepted(_)
            | EventData::Assigned(_)
            | EventData::ClarificationRequested(_)
            | EventData::PersonalDataErased(_)
            | EventData::ErasureRequested(_)
            | EventData::ErasureApproved(_) => {}
        }
        out
    }
}
