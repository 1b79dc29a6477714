//! Commands: one per event type, each naming what the actor asks for. A command carries its
//! actor, its time and the [`Rules`] in force, so `decide` needs nothing else. Personal data
//! arrives already sealed (the edge seals before deciding); everything else arrives parsed.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::deadline::Rules;
use crate::event::{ReporterData, Respondent};
use crate::ids::{ActorId, CaseId, FormCode, OfficeCode, UnitCode};
use crate::role::Actor;
use crate::sealed::Sealed;
use crate::taxonomy::{
    Addressee, Channel, ClosureReason, EscalationKind, Finding, MediationOutcome, Track,
};
use crate::time::Timestamp;

/// A request to change one case.
#[derive(Debug, Clone)]
pub struct Command {
    /// The case acted on (for `report`: the case to open).
    pub case_id: CaseId,
    /// Who asks.
    pub actor: Actor,
    /// When (becomes the event's time).
    pub at: Timestamp,
    /// Deadlines, calendar and taxonomy in force.
    pub rules: Arc<Rules>,
    /// What is asked.
    pub body: CommandBody,
}

/// What a command asks for; each variant produces the event of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandBody {
    /// Open a case → `reported`.
    Report(Box<ReportCase>),
    /// Ask the reporter for missing items → `completion_requested`.
    RequestCompletion {
        /// The missing items (sealed free text).
        missing: Sealed,
    },
    /// The reporter supplied them → `completed`.
    Complete {
        /// Optional note (sealed).
        note: Option<Sealed>,
    },
    /// Accept for examination → `accepted`.
    Accept {
        /// The examination unit.
        unit: UnitCode,
        /// The investigator.
        assignee: ActorId,
    },
    /// (Re)assign the investigator → `assigned`.
    Assign {
        /// The new investigator.
        assignee: ActorId,
        /// Optionally a new unit.
        unit: Option<UnitCode>,
    },
    /// Send a clarification letter → `clarification_requested`.
    RequestClarification {
        /// Respondent or its superior.
        addressee: Addressee,
        /// The outgoing letter's number.
        letter_number: String,
    },
    /// The clarification was answered → `clarification_answered`.
    AnswerClarification {
        /// Optional summary of the answer (sealed).
        note: Option<Sealed>,
    },
    /// Escalate → `escalated`.
    Escalate {
        /// Which escalation.
        kind: EscalationKind,
        /// Why (sealed).
        reason: Sealed,
        /// To whom: the superior, the police unit, or (for `transfer_office`) the office code.
        target: Option<String>,
    },
    /// Both parties asked for mediation → `mediation_started`.
    StartMediation {
        /// Optional note (sealed).
        note: Option<Sealed>,
    },
    /// Mediation ended → `mediated`.
    Mediate {
        /// Agreed or failed.
        outcome: MediationOutcome,
        /// The agreed terms (sealed); required when agreed.
        terms: Option<Sealed>,
    },
    /// The examination report → `concluded`.
    Conclude {
        /// Found, not found, or stopped.
        finding: Finding,
        /// Corrective actions (sealed list); required exactly when found.
        corrective_actions: Option<Sealed>,
    },
    /// The Chair's Recommendation → `recommendation_issued`.
    Recommend {
        /// The superior it is addressed to.
        addressee: String,
        /// Its content (sealed).
        content: Sealed,
    },
    /// Close → `closed`.
    Close {
        /// The legal ground.
        reason: ClosureReason,
        /// Optional note (sealed).
        note: Option<Sealed>,
    },
    /// Reopen a closed case → `reopened`.
    Reopen {
        /// Why (sealed).
        reason: Sealed,
    },
    /// An internal note → `note_added`.
    AddNote {
        /// The note (sealed).
        note: Sealed,
    },
    /// Record the erasure of the case's personal data → `personal_data_erased`. The caller
    /// destroys the data key after this event is recorded. On an open case only after the
    /// head of office approved the request of the same reference.
    ErasePersonalData {
        /// The DPO's reference of the data subject's request.
        request_ref: String,
    },
    /// Put a data subject's erasure request on an open case to the head of office →
    /// `erasure_requested`.
    RequestErasure {
        /// The DPO's reference of the request.
        request_ref: String,
    },
    /// The head of office approves an erasure request → `erasure_approved`.
    ApproveErasure {
        /// The request's reference.
        request_ref: String,
    },
    /// The head of office refuses an erasure request, with the reason → `erasure_refused`.
    RefuseErasure {
        /// The request's reference.
        request_ref: String,
        /// Why (sealed): e.g. the examination is a task in the public interest.
        reason: Sealed,
    },
}

/// The report that opens a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCase {
    /// The office that receives it.
    pub office: OfficeCode,
    /// How it arrived.
    pub channel: Channel,
    /// External tracking id (required for `sp4n_lapor`).
    pub external_ref: Option<String>,
    /// Regular, rapid response or own initiative.
    pub track: Track,
    /// The reporter (absent only for own-initiative cases).
    pub reporter: Option<ReporterData>,
    /// The agency complained about.
    pub respondent: Respondent,
    /// One or more forms of maladministration.
    pub forms: Vec<FormCode>,
    /// When the maladministration happened (local date).
    pub incident_date: Option<NaiveDate>,
    /// Whether the reporter complained to the agency first.
    pub prior_complaint: bool,
    /// What happened (sealed).
    pub summary: Sealed,
}

/// The kind of a command, for errors, permissions and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandKind {
    /// `report`
    Report,
    /// `request-completion`
    RequestCompletion,
    /// `complete`
    Complete,
    /// `accept`
    Accept,
    /// `assign`
    Assign,
    /// `request-clarification`
    RequestClarification,
    /// `answer-clarification`
    AnswerClarification,
    /// `escalate`
    Escalate,
    /// `start-mediation`
    StartMediation,
    /// `mediate`
    Mediate,
    /// `conclude`
    Conclude,
    /// `recommend`
    Recommend,
    /// `close`
    Close,
    /// `reopen`
    Reopen,
    /// `notes`
    AddNote,
    /// `erase-personal-data`
    ErasePersonalData,
    /// `request-erasure`
    RequestErasure,
    /// `approve-erasure`
    ApproveErasure,
    /// `refuse-erasure`
    RefuseErasure,
}

impl CommandKind {
    /// Every command kind.
    pub const ALL: &'static [CommandKind] = &[
        CommandKind::Report,
        CommandKind::RequestCompletion,
        CommandKind::Complete,
        CommandKind::Accept,
        CommandKind::Assign,
        CommandKind::RequestClarification,
        CommandKind::AnswerClarification,
        CommandKind::Escalate,
        CommandKind::StartMediation,
        CommandKind::Mediate,
        CommandKind::Conclude,
        CommandKind::Recommend,
        CommandKind::Close,
        CommandKind::Reopen,
        CommandKind::AddNote,
        CommandKind::ErasePersonalData,
        CommandKind::RequestErasure,
        CommandKind::ApproveErasure,
        CommandKind::RefuseErasure,
    ];

    /// The kebab-case name used in routes and the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            CommandKind::Report => "report",
            CommandKind::RequestCompletion => "request-completion",
            CommandKind::Complete => "complete",
            CommandKind::Accept => "accept",
            CommandKind::Assign => "assign",
            CommandKind::RequestClarification => "request-clarification",
            CommandKind::AnswerClarification => "answer-clarification",
            CommandKind::Escalate => "escalate",
            CommandKind::StartMediation => "start-mediation",
            CommandKind::Mediate => "mediate",
            CommandKind::Conclude => "conclude",
            CommandKind::Recommend => "recommend",
            CommandKind::Close => "close",
            CommandKind::Reopen => "reopen",
            CommandKind::AddNote => "notes",
            CommandKind::ErasePersonalData => "erase-personal-data",
            CommandKind::RequestErasure => "request-erasure",
            CommandKind::ApproveErasure => "approve-erasure",
            CommandKind::RefuseErasure => "refuse-erasure",
        }
    }
}

impl CommandKind {
    /// What the command does, as a verb phrase for messages.
    pub const fn describe(self) -> &'static str {
        match self {
            CommandKind::Report => "report a case",
            CommandKind::RequestCompletion => "request completion",
            CommandKind::Complete => "record completion",
            CommandKind::Accept => "accept for examination",
            CommandKind::Assign => "assign an investigator",
            CommandKind::RequestClarification => "request clarification",
            CommandKind::AnswerClarification => "record a clarification answer",
            CommandKind::Escalate => "escalate",
            CommandKind::StartMediation => "start mediation",
            CommandKind::Mediate => "record a mediation outcome",
            CommandKind::Conclude => "conclude the examination",
            CommandKind::Recommend => "issue a recommendation",
            CommandKind::Close => "close",
            CommandKind::Reopen => "reopen",
            CommandKind::AddNote => "add a note",
            CommandKind::ErasePersonalData => "erase personal data",
            CommandKind::RequestErasure => "request an erasure",
            CommandKind::ApproveErasure => "approve an erasure",
            CommandKind::RefuseErasure => "refuse an erasure",
        }
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CommandBody {
    /// The kind of this command.
    pub fn kind(&self) -> CommandKind {
        match self {
            CommandBody::Report(_) => CommandKind::Report,
            CommandBody::RequestCompletion { .. } => CommandKind::RequestCompletion,
            CommandBody::Complete { .. } => CommandKind::Complete,
            CommandBody::Accept { .. } => CommandKind::Accept,
            CommandBody::Assign { .. } => CommandKind::Assign,
            CommandBody::RequestClarification { .. } => CommandKind::RequestClarification,
            CommandBody::AnswerClarification { .. } => CommandKind::AnswerClarification,
            CommandBody::Escalate { .. } => CommandKind::Escalate,
            CommandBody::StartMediation { .. } => CommandKind::StartMediation,
            CommandBody::Mediate { .. } => CommandKind::Mediate,
            CommandBody::Conclude { .. } => CommandKind::Conclude,
            CommandBody::Recommend { .. } => CommandKind::Recommend,
            CommandBody::Close { .. } => CommandKind::Close,
            CommandBody::Reopen { .. } => CommandKind::Reopen,
            CommandBody::AddNote { .. } => CommandKind::AddNote,
            CommandBody::ErasePersonalData { .. } => CommandKind::ErasePersonalData,
            CommandBody::RequestErasure { .. } => CommandKind::RequestErasure,
            CommandBody::ApproveErasure { .. } => CommandKind::ApproveErasure,
            CommandBody::RefuseErasure { .. } => CommandKind::RefuseErasure,
        }
    }

    /// Every sealed field of the command with its field name (all must use the case's key).
    pub fn sealed_fields<'a>(&'a self) -> Vec<(&'static str, &'a Sealed)> {
        let mut out = Vec::new();
        let mut push = |name: &'static str, s: Option<&'a Sealed>| {
            if let Some(s) = s {
                out.push((name, s));
            }
        };
        match self {
            CommandBody::Report(r) => {
                push(
                    "reporter.identity",
                    r.reporter.as_ref().map(|p| &p.identity),
                );
                push("summary", Some(&r.summary));
            }
            CommandBody::RequestCompletion { missing } => push("missing", Some(missing)),
            CommandBody::Complete { note }
            | CommandBody::AnswerClarification { note }
            | CommandBody::StartMediation { note } => push("note", note.as_ref()),
            CommandBody::Escalate { reason, .. } => push("reason", Some(reason)),
            CommandBody::Mediate { terms, .. } => push("terms", terms.as_ref()),
            CommandBody::Conclude {
                corrective_actions, ..
            } => push("corrective_actions", corrective_actions.as_ref()),
            CommandBody::Recommend { content, .. } => push("content", Some(content)),
            CommandBody::Close { note, .. } => push("note", note.as_ref()),
            CommandBody::Reopen { reason } => push("reason", Some(reason)),
            CommandBody::AddNote { note } => push("note", Some(note)),
            CommandBody::RefuseErasure { reason, .. } => push("reason", Some(reason)),
            CommandBody::Accept { .. }
            | CommandBody::Assign { .. }
            | CommandBody::RequestClarification { .. }
            | CommandBody::ErasePersonalData { .. }
            | CommandBody::RequestErasure { .. }
            | CommandBody::ApproveErasure { .. } => {}
        }
        out
    }
}
