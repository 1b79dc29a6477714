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

/// Declares the command registry: for each command its route, its input type, a one-line
/// summary and an example body. From it come [`CommandInput`] (one variant per command),
/// [`COMMANDS`] (what the HTTP routes, the OpenAPI document, the CLI's `--help` and the docs
/// test read), [`ROUTES`], parsing, the route of an input and its canonical JSON. A new
/// command is its domain code and one entry here: a variant without its domain mapping
/// (`action`, `seal`) does not compile, and an example that does not parse, or a command the
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
        "Report a new case (intake; supervisor or chair for own-initiative cases)",
        r#"{"office":"jawa-barat","channel":"walk_in","reporter":{"name":"Asep Saepudin","nik":"3278010101800001","confidential":true},"respondent":{"agency_code":"disdukcapil-kota-tasikmalaya","agency_name":"Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya","superior":"Wali Kota Tasikmalaya"},"forms":["undue_delay"],"incident_date":"2026-08-01","summary":"KTP-el tidak kunjung terbit setelah tiga bulan."}"#;
    RequestCompletion(MissingInput) = "request-completion":
        "Ask the reporter to complete the report (starts the completion clock)",
        r#"{"missing":"Fotokopi KTP dan bukti pengajuan"}"#;
    Complete(NoteInput) = "complete":
        "Record that the reporter completed the report",
        r#"{"note":"Dokumen diterima lengkap"}"#;
    Accept(AcceptInput) = "accept":
        "Accept the report for examination and assign it (head of office)",
        r#"{"unit":"riksa-1","assignee":"riksa.siti"}"#;
    Assign(AssignInput) = "assign":
        "Assign the case to another investigator (or unit)",
        r#"{"assignee":"riksa.agus","unit":"riksa-2"}"#;
    RequestClarification(ClarificationInput) = "request-clarification":
        "Send the respondent a request for clarification (starts the clarification clock)",
        r#"{"letter_number":"B/123/LM.01/VIII/2026","addressee":"respondent"}"#;
    AnswerClarification(NoteInput) = "answer-clarification":
        "Record the respondent's answer to the clarification",
        r#"{"note":"Jawaban tertulis diterima"}"#;
    Escalate(EscalateInput) = "escalate":
        "Escalate: to the superior, a summons, police assistance, resolution, publication and more",
        r#"{"kind":"to_superior","reason":"Tidak ada tanggapan atas permintaan klarifikasi","target":"Wali Kota Tasikmalaya"}"#;
    StartMediation(NoteInput) = "start-mediation":
        "Open a mediation between reporter and respondent",
        r#"{"note":"Mediasi dijadwalkan"}"#;
    Mediate(MediateInput) = "mediate":
        "Record the mediation's outcome",
        r#"{"outcome":"agreed","terms":"KTP-el diterbitkan dalam 7 hari"}"#;
    Conclude(ConcludeInput) = "conclude":
        "Conclude the examination: maladministration found or not (with corrective actions)",
        r#"{"finding":"found","corrective_actions":["Terbitkan KTP-el pelapor"]}"#;
    Recommend(RecommendInput) = "recommend":
        "Issue a Recommendation (the chair alone)",
        r#"{"addressee":"Wali Kota Tasikmalaya","content":"Menerbitkan KTP-el pelapor dan memperbaiki SOP"}"#;
    Close(CloseInput) = "close":
        "Close the case on one of the closure grounds",
        r#"{"reason":"corrective_action_implemented","note":"KTP-el telah diterbitkan"}"#;
    Reopen(ReopenInput) = "reopen":
        "Reopen a closed case (head of office)",
        r#"{"reason":"Pelapor menyampaikan bukti baru"}"#;
    AddNote(AddNoteInput) = "notes":
        "Add a note to the case's timeline",
        r#"{"note":"Pelapor dihubungi melalui telepon"}"#;
    ErasePersonalData(EraseInput) = "erase-personal-data":
        "Erase the case's personal data (DPO; an approved request, or a closed case)",
        r#"{"request_ref":"DPO/2026/017"}"#;
    RequestErasure(ErasureRequestInput) = "request-erasure":
        "Put an erasure request to the head of office (DPO, open cases)",
        r#"{"request_ref":"DPO/2026/017"}"#;
    ApproveErasure(ErasureRequestInput) = "approve-erasure":
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
