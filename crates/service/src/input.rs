//! What callers send: one plaintext input per command ([`CommandInput`]), strict (unknown
//! fields are refused, so a typo never silently drops a reporter's protection). The service
//! hashes the plaintext (for idempotency) and then seals every free-text and personal field
//! under the case's key before the domain sees it.

use chrono::NaiveDate;
use ombud_domain::command::ReportCase;
use ombud_domain::event::{ReporterData, Respondent};
use ombud_domain::taxonomy::{
    Addressee, Channel, ClosureReason, EscalationKind, Finding, MediationOutcome, Track,
};
use ombud_domain::{ActorId, CommandBody, FormCode, KeyId, OfficeCode, Sealed, UnitCode};
use ombud_envelope::{KeyStore, Sha256Hash, Vault};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ServiceError;

/// The reporter, in clear (sealed by the service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterInput {
    /// Full name.
    pub name: String,
    /// NIK (national identity number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nik: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The reporter asked for confidentiality.
    #[serde(default)]
    pub confidential: bool,
}

/// `POST /v1/cases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// The office receiving it.
    pub office: OfficeCode,
    /// How it came in.
    pub channel: Channel,
    /// Regular (default) or fast track.
    #[serde(default)]
    pub track: Option<Track>,
    /// A reference in another system.
    #[serde(default)]
    pub external_ref: Option<String>,
    /// The reporter (absent for own-initiative cases).
    #[serde(default)]
    pub reporter: Option<ReporterInput>,
    /// The respondent agency.
    pub respondent: Respondent,
    /// Forms of maladministration.
    pub forms: Vec<FormCode>,
    /// When it happened.
    #[serde(default)]
    pub incident_date: Option<NaiveDate>,
    /// Whether the reporter complained to the agency first.
    #[serde(default)]
    pub prior_complaint: bool,
    /// What happened.
    pub summary: String,
}

/// A command with one required text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MissingInput {
    /// What the report lacks.
    pub missing: String,
}

/// A command with an optional note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// The note.
    #[serde(default)]
    pub note: Option<String>,
}

/// `notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddNoteInput {
    /// The note.
    pub note: String,
}

/// `accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The examining unit.
    pub unit: UnitCode,
    /// The investigator.
    pub assignee: ActorId,
}

/// `assign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// The investigator.
    pub assignee: ActorId,
    /// A new unit.
    #[serde(default)]
    pub unit: Option<UnitCode>,
}

/// `request-clarification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarificationInput {
    /// To the respondent (default) or its superior.
    #[serde(default)]
    pub addressee: Option<Addressee>,
    /// The letter's number.
    pub letter_number: String,
}

/// `escalate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateInput {
    /// Which step.
    pub kind: EscalationKind,
    /// Why.
    pub reason: String,
    /// Its target (superior, office...).
    #[serde(default)]
    pub target: Option<String>,
}

/// `mediate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediateInput {
    /// Agreed or failed.
    pub outcome: MediationOutcome,
    /// The agreed terms.
    #[serde(default)]
    pub terms: Option<String>,
}

/// `conclude`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcludeInput {
    /// Found, not found, stopped.
    pub finding: Finding,
    /// Corrective actions asked of the agency.
    #[serde(default)]
    pub corrective_actions: Option<Vec<String>>,
}

/// `recommend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendInput {
    /// To whom.
    pub addressee: String,
    /// The recommendation.
    pub content: String,
}

/// `close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// Why.
    pub reason: ClosureReason,
    /// A closing note.
    #[serde(default)]
    pub note: Option<String>,
}

/// `reopen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    /// Why.
    pub reason: String,
}

/// `erase-personal-data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseInput {
    /// The erasure request's reference.
    pub request_ref: String,
}

/// `request-erasure` and `approve-erasure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequestInput {
    /// The DPO's reference of the data subject's request.
    pub request_ref: String,
}

/// `refuse-erasure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseErasureInput {
    /// The request's reference.
    pub request_ref: String,
    /// Why the request is refused (e.g. the examination is in the public interest).
    pub reason: String,
}

/// One command's input, named by its route.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // each variant is its route's input
pub enum CommandInput {
    Report(Box<ReportInput>),
    RequestCompletion(MissingInput),
    Complete(NoteInput),
    Accept(AcceptInput),
    Assign(AssignInput),
    RequestClarification(ClarificationInput),
    AnswerClarification(NoteInput),
    Escalate(EscalateInput),
    StartMediation(NoteInput),
    Mediate(MediateInput),
    Conclude(ConcludeInput),
    Recommend(RecommendInput),
    Close(CloseInput),
    Reopen(ReopenInput),
    AddNote(AddNoteInput),
    ErasePersonalData(EraseInput),
    RequestErasure(ErasureRequestInput),
    ApproveErasure(ErasureRequestInput),
    RefuseErasure(RefuseErasureInput),
}

/// The case-command routes (`POST /v1/cases/{id}/<route>`), in the order of
/// `docs/procedure.md`.
pub const ROUTES: &[&str] = &[
    "request-completion",
    "complete",
    "accept",
    "assign",
    "request-clarification",
    "answer-clarification",
    "escalate",
    "start-mediation",
    "mediate",
    "conclude",
    "recommend",
    "close",
    "reopen",
    "notes",
    "erase-personal-data",
    "request-erasure",
    "approve-erasure",
    "refuse-erasure",
];

fn parse_json<T: serde::de::DeserializeOwned>(json: &[u8]) -> Result<T, ServiceError> {
    serde_json::from_slice(json).map_err(|e| ServiceError::Invalid(e.to_string()))
}

impl CommandInput {
    /// Parses the body of `route` (`report` for `POST /v1/cases`).
    pub fn parse(route: &str, json: &[u8]) -> Result<Self, ServiceError> {
        Ok(match route {
            "report" => CommandInput::Report(Box::new(parse_json(json)?)),
            "request-completion" => CommandInput::RequestCompletion(parse_json(json)?),
            "complete" => CommandInput::Complete(parse_json(json)?),
            "accept" => CommandInput::Accept(parse_json(json)?),
            "assign" => CommandInput::Assign(parse_json(json)?),
            "request-clarification" => CommandInput::RequestClarification(parse_json(json)?),
            "answer-clarification" => CommandInput::AnswerClarification(parse_json(json)?),
            "escalate" => CommandInput::Escalate(parse_json(json)?),
            "start-mediation" => CommandInput::StartMediation(parse_json(json)?),
            "mediate" => CommandInput::Mediate(parse_json(json)?),
            "conclude" => CommandInput::Conclude(parse_json(json)?),
            "recommend" => CommandInput::Recommend(parse_json(json)?),
            "close" => CommandInput::Close(parse_json(json)?),
            "reopen" => CommandInput::Reopen(parse_json(json)?),
            "notes" => CommandInput::AddNote(parse_json(json)?),
            "erase-personal-data" => CommandInput::ErasePersonalData(parse_json(json)?),
            "request-erasure" => CommandInput::RequestErasure(parse_json(json)?),
            "approve-erasure" => CommandInput::ApproveErasure(parse_json(json)?),
            "refuse-erasure" => CommandInput::RefuseErasure(parse_json(json)?),
            other => {
                return Err(ServiceError::Invalid(format!(
                    "no command `{other}` (known: report, {})",
                    ROUTES.join(", ")
                )))
            }
        })
    }

    /// What it asks to do, for authorization before anything is sealed or answered.
    pub fn action(&self) -> ombud_domain::Action {
        use ombud_domain::{Action, CommandKind as K};
        Action::Command(match self {
            CommandInput::Escalate(i) => return Action::Escalate(i.kind),
            CommandInput::Close(i) => return Action::Close(i.reason),
            CommandInput::Report(_) => K::Report,
            CommandInput::RequestCompletion(_) => K::RequestCompletion,
            CommandInput::Complete(_) => K::Complete,
            CommandInput::Accept(_) => K::Accept,
            CommandInput::Assign(_) => K::Assign,
            CommandInput::RequestClarification(_) => K::RequestClarification,
            CommandInput::AnswerClarification(_) => K::AnswerClarification,
            CommandInput::StartMediation(_) => K::StartMediation,
            CommandInput::Mediate(_) => K::Mediate,
            CommandInput::Conclude(_) => K::Conclude,
            CommandInput::Recommend(_) => K::Recommend,
            CommandInput::Reopen(_) => K::Reopen,
            CommandInput::AddNote(_) => K::AddNote,
            CommandInput::ErasePersonalData(_) => K::ErasePersonalData,
            CommandInput::RequestErasure(_) => K::RequestErasure,
            CommandInput::ApproveErasure(_) => K::ApproveErasure,
            CommandInput::RefuseErasure(_) => K::RefuseErasure,
        })
    }

    /// Its route name.
    pub fn route(&self) -> &'static str {
        match self {
            CommandInput::Report(_) => "report",
            CommandInput::RequestCompletion(_) => "request-completion",
            CommandInput::Complete(_) => "complete",
            CommandInput::Accept(_) => "accept",
            CommandInput::Assign(_) => "assign",
            CommandInput::RequestClarification(_) => "request-clarification",
            CommandInput::AnswerClarification(_) => "answer-clarification",
            CommandInput::Escalate(_) => "escalate",
            CommandInput::StartMediation(_) => "start-mediation",
            CommandInput::Mediate(_) => "mediate",
            CommandInput::Conclude(_) => "conclude",
            CommandInput::Recommend(_) => "recommend",
            CommandInput::Close(_) => "close",
            CommandInput::Reopen(_) => "reopen",
            CommandInput::AddNote(_) => "notes",
            CommandInput::ErasePersonalData(_) => "erase-personal-data",
            CommandInput::RequestErasure(_) => "request-erasure",
            CommandInput::ApproveErasure(_) => "approve-erasure",
            CommandInput::RefuseErasure(_) => "refuse-erasure",
        }
    }

    fn canonical_json(&self) -> serde_json::Result<Vec<u8>> {
        match self {
            CommandInput::Report(i) => serde_json::to_vec(i),
            CommandInput::RequestCompletion(i) => serde_json::to_vec(i),
            CommandInput::Complete(i)
            | CommandInput::AnswerClarification(i)
            | CommandInput::StartMediation(i) => serde_json::to_vec(i),
            CommandInput::Accept(i) => serde_json::to_vec(i),
            CommandInput::Assign(i) => serde_json::to_vec(i),
            CommandInput::RequestClarification(i) => serde_json::to_vec(i),
            CommandInput::Escalate(i) => serde_json::to_vec(i),
            CommandInput::Mediate(i) => serde_json::to_vec(i),
            CommandInput::Conclude(i) => serde_json::to_vec(i),
            CommandInput::Recommend(i) => serde_json::to_vec(i),
            CommandInput::Close(i) => serde_json::to_vec(i),
            CommandInput::Reopen(i) => serde_json::to_vec(i),
            CommandInput::AddNote(i) => serde_json::to_vec(i),
            CommandInput::ErasePersonalData(i) => serde_json::to_vec(i),
            CommandInput::RequestErasure(i) | CommandInput::ApproveErasure(i) => {
                serde_json::to_vec(i)
            }
            CommandInput::RefuseErasure(i) => serde_json::to_vec(i),
        }
    }

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

    /// The domain's command body, every text sealed under `key`.
    pub async fn seal<S: KeyStore>(
        self,
        vault: &Vault<S>,
        key: &KeyId,
    ) -> Result<CommandBody, ServiceError> {
        let seal = |field: &'static str, text: String| async move {
            vault
                .seal(key, field, text.as_bytes())
                .await
                .map_err(ServiceError::from)
        };
        let seal_opt = |field: &'static str, text: Option<String>| async move {
            match text {
                Some(t) => Ok::<Option<Sealed>, ServiceError>(Some(seal(field, t).await?)),
                None => Ok(None),
            }
        };
        Ok(match self {
            CommandInput::Report(input) => {
                let ReportInput {
                    office,
                    channel,
                    track,
                    external_ref,
                    reporter,
                    respondent,
                    forms,
                    incident_date,
                    prior_complaint,
                    summary,
                } = *input;
                let reporter = match reporter {
                    Some(r) => {
                        let confidential = r.confidential;
                        let identity = serde_json::to_string(&r)
                            .map_err(|e| ServiceError::Internal(e.to_string()))?;
                        Some(ReporterData {
                            confidential,
                            identity: seal("reporter.identity", identity).await?,
                        })
                    }
                    None => None,
                };
                CommandBody::Report(Box::new(ReportCase {
                    office,
                    channel,
                    external_ref,
                    track: track.unwrap_or(Track::Regular),
                    reporter,
                    respondent,
                    forms,
                    incident_date,
                    prior_complaint,
                    summary: seal("summary", summary).await?,
                }))
            }
            CommandInput::RequestCompletion(i) => CommandBody::RequestCompletion {
                missing: seal("missing", i.missing).await?,
            },
            CommandInput::Complete(i) => CommandBody::Complete {
                note: seal_opt("note", i.note).await?,
            },
            CommandInput::Accept(i) => CommandBody::Accept {
                unit: i.unit,
                assignee: i.assignee,
            },
            CommandInput::Assign(i) => CommandBody::Assign {
                assignee: i.assignee,
                unit: i.unit,
            },
            CommandInput::RequestClarification(i) => CommandBody::RequestClarification {
                addressee: i.addressee.unwrap_or(Addressee::Respondent),
                letter_number: i.letter_number,
            },
            CommandInput::AnswerClarification(i) => CommandBody::AnswerClarification {
                note: seal_opt("note", i.note).await?,
            },
            CommandInput::Escalate(i) => CommandBody::Escalate {
                kind: i.kind,
                reason: seal("reason", i.reason).await?,
                target: i.target,
            },
            CommandInput::StartMediation(i) => CommandBody::StartMediation {
                note: seal_opt("note", i.note).await?,
            },
            CommandInput::Mediate(i) => CommandBody::Mediate {
                outcome: i.outcome,
                terms: seal_opt("terms", i.terms).await?,
            },
            CommandInput::Conclude(i) => CommandBody::Conclude {
                finding: i.finding,
                corrective_actions: seal_opt(
                    "corrective_actions",
                    i.corrective_actions.map(|list| list.join("\n")),
                )
                .await?,
            },
            CommandInput::Recommend(i) => CommandBody::Recommend {
                addressee: i.addressee,
                content: seal("content", i.content).await?,
            },
            CommandInput::Close(i) => CommandBody::Close {
                reason: i.reason,
                note: seal_opt("note", i.note).await?,
            },
            CommandInput::Reopen(i) => CommandBody::Reopen {
                reason: seal("reason", i.reason).await?,
            },
            CommandInput::AddNote(i) => CommandBody::AddNote {
                note: seal("note", i.note).await?,
            },
            CommandInput::ErasePersonalData(i) => CommandBody::ErasePersonalData {
                request_ref: i.request_ref,
            },
            CommandInput::RequestErasure(i) => CommandBody::RequestErasure {
                request_ref: i.request_ref,
            },
            CommandInput::ApproveErasure(i) => CommandBody::ApproveErasure {
                request_ref: i.request_ref,
            },
            CommandInput::RefuseErasure(i) => CommandBody::RefuseErasure {
                request_ref: i.request_ref,
                reason: seal("reason", i.reason).await?,
            },
        })
    }
}

/// The JSON Schema of the request body of `route` (`report` for `POST /v1/cases`).
pub fn body_schema(route: &str) -> Option<serde_json::Value> {
    let schema = match route {
        "report" => schemars::schema_for!(ReportInput),
        "request-completion" => schemars::schema_for!(MissingInput),
        "complete" | "answer-clarification" | "start-mediation" => schemars::schema_for!(NoteInput),
        "accept" => schemars::schema_for!(AcceptInput),
        "assign" => schemars::schema_for!(AssignInput),
        "request-clarification" => schemars::schema_for!(ClarificationInput),
        "escalate" => schemars::schema_for!(EscalateInput),
        "mediate" => schemars::schema_for!(MediateInput),
        "conclude" => schemars::schema_for!(ConcludeInput),
        "recommend" => schemars::schema_for!(RecommendInput),
        "close" => schemars::schema_for!(CloseInput),
        "reopen" => schemars::schema_for!(ReopenInput),
        "notes" => schemars::schema_for!(AddNoteInput),
        "erase-personal-data" => schemars::schema_for!(EraseInput),
        "request-erasure" | "approve-erasure" => schemars::schema_for!(ErasureRequestInput),
        "refuse-erasure" => schemars::schema_for!(RefuseErasureInput),
        _ => return None,
    };
    serde_json::to_value(schema).ok()
}
