//! Commands: one per event type, each naming what the actor asks for. A command carries its
//! actor, its time and the [`Rules`] in force, so `decide` needs nothing else. Personal data
//! arrives already sealed (the edge seals before deciding); everything else arrives parsed.

use std::fmt;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};

use crate::deadline::{ClockKind, Rules};
use crate::event::{ActionReport, Conclusion, Decision, ReporterData, Respondent};
use crate::ids::{ActorId, CaseId, FormCode, OfficeCode, UnitCode};
use crate::letter::Letter;
use crate::role::Actor;
use crate::sealed::Sealed;
use crate::taxonomy::*;
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

/// The report that opens a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCase {
    /// The office that receives it.
    pub office: OfficeCode,
    /// How it arrived.
    pub channel: Channel,
    /// External tracking id (required for `sp4n_lapor`).
    pub external_ref: Option<String>,
    /// The intake type.
    pub track: Track,
    /// The office's receipt date (default: today).
    pub received_on: Option<NaiveDate>,
    /// The reporter (none for own-initiative cases).
    pub reporter: Option<ReporterData>,
    /// The agency complained about.
    pub respondent: Option<Respondent>,
    /// Alleged forms of maladministration.
    pub forms: Vec<FormCode>,
    /// When the maladministration happened (local date).
    pub incident_date: Option<NaiveDate>,
    /// Whether the reporter complained to the agency first.
    pub prior_complaint: bool,
    /// What happened (sealed).
    pub summary: Sealed,
    /// RCO criteria.
    pub criteria: Vec<RcoCriterion>,
    /// The IAPS decision.
    pub decision: Option<Decision>,
}

/// A conversion of a consultation, carbon copy or rapid response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertCase {
    /// `regular` or `own_initiative`.
    pub track: Track,
    /// The reporter, if the case has none.
    pub reporter: Option<ReporterData>,
    /// The respondent, if the case has none.
    pub respondent: Option<Respondent>,
    /// Alleged forms, if the case has none.
    pub forms: Vec<FormCode>,
    /// The IAPS decision.
    pub decision: Option<Decision>,
    /// When it happened, if the case had no date.
    pub incident_date: Option<NaiveDate>,
    /// Whether the reporter complained to the agency first (a consultation did not say).
    pub prior_complaint: Option<bool>,
}

/// A party to summon, as the command names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyInput {
    /// Respondent or witness.
    pub kind: SummonsParty,
    /// Its reference within the case.
    pub party_ref: String,
    /// The person's name (sealed).
    pub name: Sealed,
}

/// Declares [`CommandKind`] with its route names and descriptions.
macro_rules! command_kinds {
    ($($variant:ident = $route:literal, $describe:literal;)+) => {
        /// The kind of a command, for errors, permissions and metrics.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CommandKind {
            $(#[doc = concat!("`", $route, "`")] $variant,)+
        }

        impl CommandKind {
            /// Every command kind.
            pub const ALL: &'static [CommandKind] = &[$(CommandKind::$variant,)+];

            /// The kebab-case name used in routes and the CLI.
            pub const fn as_str(self) -> &'static str {
                match self { $(CommandKind::$variant => $route,)+ }
            }

            /// What the command does, as a verb phrase for messages.
            pub const fn describe(self) -> &'static str {
                match self { $(CommandKind::$variant => $describe,)+ }
            }
        }
    };
}

command_kinds! {
    Report = "report", "report a case";
    Convert = "convert", "convert the case to a report";
    Verify = "record-verification", "record a verification";
    RequestCompletion = "request-completion", "request completion";
    Complete = "complete", "record completion";
    Accept = "accept", "accept for examination";
    Classify = "classify", "classify the case";
    Assign = "assign", "assign the case";
    Transfer = "transfer", "transfer the case to another office";
    RequestClarification = "request-clarification", "request clarification";
    AnswerClarification = "answer-clarification", "record a clarification answer";
    Summon = "summon", "summon a party";
    RecordAttendance = "record-attendance", "record that a summoned party came";
    RecordAbsence = "record-absence", "record that a summoned party did not come";
    RequestPoliceAssistance = "request-police-assistance", "request police assistance";
    RecordActivity = "record-activity", "record an activity";
    StartMediation = "start-mediation", "start mediation";
    Mediate = "mediate", "record a mediation outcome";
    ProposeConclusion = "propose-conclusion", "propose the conclusion";
    ReturnConclusion = "return-conclusion", "return the proposed conclusion";
    ApproveConclusion = "approve-conclusion", "approve the proposed conclusion";
    NotifyConclusion = "notify-conclusion", "notify the reporter of the conclusion";
    RecordReporterResponse = "record-reporter-response", "record the reporter's response";
    IssueLhp = "issue-lhp", "issue the LHP";
    ReportCorrectiveAction = "report-corrective-action", "record a corrective-action report";
    ReferToResolution = "refer-to-resolution", "refer to resolution and monitoring";
    ReturnLhpFile = "return-lhp-file", "return the LHP file as incomplete";
    CompleteLhpFile = "complete-lhp-file", "complete the LHP file";
    ReferToRecommendation = "refer-to-recommendation", "refer for a recommendation";
    Recommend = "recommend", "issue a recommendation";
    RecordDelivery = "record-delivery", "record the recommendation's delivery";
    ReportImplementation = "report-implementation", "record the superior's report";
    AssessImplementation = "assess-implementation", "assess the implementation";
    Publish = "publish", "publish the non-implementation";
    ReportToDprAndPresident = "report-to-dpr-and-president", "report to the DPR and the President";
    Close = "close", "close";
    Reopen = "reopen", "reopen";
    RecordLetterReceipt = "record-letter-receipt", "record a letter's receipt";
    AddNote = "notes", "add a note";
    ProposeAction = "propose-action", "propose an action";
    DismissProposal = "dismiss-proposal", "dismiss a proposal";
    ErasePersonalData = "erase-personal-data", "erase personal data";
    RequestErasure = "request-erasure", "request an erasure";
    ApproveErasure = "approve-erasure", "approve an erasure";
    RefuseErasure = "refuse-erasure", "refuse an erasure";
}

impl CommandKind {
    /// Its name in Indonesian, as a heading (the web interface's actions).
    pub const fn label_id(self) -> &'static str {
        match self {
            CommandKind::Report => "Catat laporan",
            CommandKind::Convert => "Jadikan laporan",
            CommandKind::Verify => "Catat verifikasi",
            CommandKind::RequestCompletion => "Minta kelengkapan laporan",
            CommandKind::Complete => "Catat kelengkapan laporan",
            CommandKind::Accept => "Terima untuk pemeriksaan",
            CommandKind::Classify => "Klasifikasikan laporan",
            CommandKind::Assign => "Tugaskan pemeriksa",
            CommandKind::Transfer => "Limpahkan ke perwakilan lain",
            CommandKind::RequestClarification => "Minta klarifikasi",
            CommandKind::AnswerClarification => "Catat jawaban klarifikasi",
            CommandKind::Summon => "Panggil pihak",
            CommandKind::RecordAttendance => "Catat kehadiran",
            CommandKind::RecordAbsence => "Catat ketidakhadiran",
            CommandKind::RequestPoliceAssistance => "Minta bantuan Kepolisian",
            CommandKind::RecordActivity => "Catat kegiatan pemeriksaan",
            CommandKind::StartMediation => "Mulai mediasi atau konsiliasi",
            CommandKind::Mediate => "Catat hasil mediasi",
            CommandKind::ProposeConclusion => "Usulkan kesimpulan",
            CommandKind::ReturnConclusion => "Kembalikan usulan kesimpulan",
            CommandKind::ApproveConclusion => "Setujui kesimpulan",
            CommandKind::NotifyConclusion => "Beritahukan kesimpulan kepada Pelapor",
            CommandKind::RecordReporterResponse => "Catat tanggapan Pelapor",
            CommandKind::IssueLhp => "Terbitkan LHP",
            CommandKind::ReportCorrectiveAction => "Catat laporan tindakan korektif",
            CommandKind::ReferToResolution => "Serahkan ke Resolusi dan Monitoring",
            CommandKind::ReturnLhpFile => "Kembalikan berkas LHP",
            CommandKind::CompleteLhpFile => "Lengkapi berkas LHP",
            CommandKind::ReferToRecommendation => "Ajukan untuk Rekomendasi",
            CommandKind::Recommend => "Terbitkan Rekomendasi",
            CommandKind::RecordDelivery => "Catat penyampaian Rekomendasi",
            CommandKind::ReportImplementation => "Catat laporan atasan terlapor",
            CommandKind::AssessImplementation => "Nilai pelaksanaan Rekomendasi",
            CommandKind::Publish => "Publikasikan ketidakpatuhan",
            CommandKind::ReportToDprAndPresident => "Laporkan kepada DPR dan Presiden",
            CommandKind::Close => "Tutup laporan",
            CommandKind::Reopen => "Buka kembali laporan",
            CommandKind::RecordLetterReceipt => "Catat penerimaan surat",
            CommandKind::AddNote => "Tambah catatan",
            CommandKind::ProposeAction => "Usulkan tindakan",
            CommandKind::DismissProposal => "Abaikan usulan",
            CommandKind::ErasePersonalData => "Hapus data pribadi",
            CommandKind::RequestErasure => "Ajukan penghapusan data pribadi",
            CommandKind::ApproveErasure => "Setujui penghapusan data pribadi",
            CommandKind::RefuseErasure => "Tolak penghapusan data pribadi",
        }
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a command asks for; each variant produces the event named in its doc.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // fields are documented on the events they become
pub enum CommandBody {
    /// → `reported`
    Report(Box<ReportCase>),
    /// → `converted`
    Convert(Box<ConvertCase>),
    /// → `verified`
    Verify {
        stage: VerificationStage,
        passed: bool,
        note: Option<Sealed>,
    },
    /// → `completion_requested`
    RequestCompletion { missing: Sealed, letter: Letter },
    /// → `completed`
    Complete {
        received_on: NaiveDate,
        note: Option<Sealed>,
    },
    /// → `accepted`
    Accept {
        pleno: Decision,
        unit: UnitCode,
        assignee: ActorId,
    },
    /// → `classified`
    Classify {
        forms: Vec<FormCode>,
        substance: Option<String>,
        agency_group: Option<String>,
        reporter_kind: Option<ReporterKind>,
        represented_by: Option<Sealed>,
    },
    /// → `assigned`
    Assign {
        assignee: ActorId,
        unit: Option<UnitCode>,
    },
    /// → `transferred`
    Transfer {
        to_office: OfficeCode,
        reason: Sealed,
    },
    /// → `clarification_requested`
    RequestClarification {
        addressee: Addressee,
        purpose: Purpose,
        letter: Letter,
    },
    /// → `clarification_answered`
    AnswerClarification {
        outcome: AnswerOutcome,
        received_on: Option<NaiveDate>,
        note: Option<Sealed>,
    },
    /// → `summoned`
    Summon {
        party: PartyInput,
        appointment_at: NaiveDateTime,
        letter: Letter,
    },
    /// → `summons_attended`
    RecordAttendance { summons: u32, note: Option<Sealed> },
    /// → `summons_missed`
    RecordAbsence {
        summons: u32,
        valid_reason: bool,
        note: Option<Sealed>,
    },
    /// → `police_assistance_requested`
    RequestPoliceAssistance {
        party_ref: String,
        police_unit: String,
        letter: Letter,
    },
    /// → `activity_recorded`
    RecordActivity {
        kind: ActivityKind,
        date: NaiveDate,
        outcome: Sealed,
    },
    /// → `mediation_started`
    StartMediation {
        method: MediationMethod,
        note: Option<Sealed>,
    },
    /// → `mediated`
    Mediate {
        outcome: MediationOutcome,
        terms: Option<Sealed>,
    },
    /// → `conclusion_proposed`
    ProposeConclusion {
        conclusion: Conclusion,
        summary: Option<Sealed>,
    },
    /// → `conclusion_returned`
    ReturnConclusion { reason: Sealed },
    /// → `conclusion_approved`
    ApproveConclusion { review_date: NaiveDate },
    /// → `conclusion_notified`
    NotifyConclusion { letter: Letter },
    /// → `reporter_responded`
    RecordReporterResponse {
        received_on: NaiveDate,
        argued: bool,
        note: Option<Sealed>,
    },
    /// → `lhp_issued`
    IssueLhp { letter: Letter },
    /// → `corrective_action_reported`
    ReportCorrectiveAction {
        reports: Vec<ActionReport>,
        received_on: NaiveDate,
        note: Option<Sealed>,
    },
    /// → `referred_to_resolution`
    ReferToResolution {
        ground: ResolutionGround,
        note: Option<Sealed>,
    },
    /// → `lhp_file_returned`
    ReturnLhpFile { missing: Sealed },
    /// → `lhp_file_completed`
    CompleteLhpFile { note: Option<Sealed> },
    /// → `referred_to_recommendation`
    ReferToRecommendation { note: Option<Sealed> },
    /// → `recommendation_issued`
    Recommend {
        addressee: String,
        content: Sealed,
        letter: Letter,
    },
    /// → `recommendation_delivered`
    RecordDelivery { received_on: NaiveDate },
    /// → `implementation_reported`
    ReportImplementation {
        report: ImplementationReport,
        letter: Letter,
    },
    /// → `implementation_assessed`
    AssessImplementation {
        assessment: Assessment,
        reasons_acceptable: bool,
        note: Option<Sealed>,
    },
    /// → `published`
    Publish { note: Option<Sealed> },
    /// → `reported_to_dpr_and_president`
    ReportToDprAndPresident {
        letter: Option<Letter>,
        note: Option<Sealed>,
    },
    /// → `closed`
    Close {
        reason: ClosureReason,
        pleno: Option<Decision>,
        letter: Option<Letter>,
        note: Option<Sealed>,
    },
    /// → `reopened`
    Reopen { reason: Sealed },
    /// → `letter_received`
    RecordLetterReceipt {
        letter_of: u64,
        received_on: NaiveDate,
    },
    /// → `note_added`
    AddNote { note: Sealed },
    /// → `action_proposed` (the deadline engine)
    ProposeAction {
        action: ProposedAction,
        clock: ClockKind,
    },
    /// → `proposal_dismissed`
    DismissProposal { proposal: u64, reason: Sealed },
    /// → `personal_data_erased`: the caller destroys the data key after it is recorded. On an
    /// open case only after the head of office approved the request of the same reference.
    ErasePersonalData { request_ref: String },
    /// → `erasure_requested`
    RequestErasure { request_ref: String },
    /// → `erasure_approved`
    ApproveErasure { request_ref: String },
    /// → `erasure_refused`
    RefuseErasure { request_ref: String, reason: Sealed },
}

impl CommandBody {
    /// The kind of this command.
    pub fn kind(&self) -> CommandKind {
        use CommandBody as B;
        use CommandKind as K;
        match self {
            B::Report(_) => K::Report,
            B::Convert(_) => K::Convert,
            B::Verify { .. } => K::Verify,
            B::RequestCompletion { .. } => K::RequestCompletion,
            B::Complete { .. } => K::Complete,
            B::Accept { .. } => K::Accept,
            B::Classify { .. } => K::Classify,
            B::Assign { .. } => K::Assign,
            B::Transfer { .. } => K::Transfer,
            B::RequestClarification { .. } => K::RequestClarification,
            B::AnswerClarification { .. } => K::AnswerClarification,
            B::Summon { .. } => K::Summon,
            B::RecordAttendance { .. } => K::RecordAttendance,
            B::RecordAbsence { .. } => K::RecordAbsence,
            B::RequestPoliceAssistance { .. } => K::RequestPoliceAssistance,
            B::RecordActivity { .. } => K::RecordActivity,
            B::StartMediation { .. } => K::StartMediation,
            B::Mediate { .. } => K::Mediate,
            B::ProposeConclusion { .. } => K::ProposeConclusion,
            B::ReturnConclusion { .. } => K::ReturnConclusion,
            B::ApproveConclusion { .. } => K::ApproveConclusion,
            B::NotifyConclusion { .. } => K::NotifyConclusion,
            B::RecordReporterResponse { .. } => K::RecordReporterResponse,
            B::IssueLhp { .. } => K::IssueLhp,
            B::ReportCorrectiveAction { .. } => K::ReportCorrectiveAction,
            B::ReferToResolution { .. } => K::ReferToResolution,
            B::ReturnLhpFile { .. } => K::ReturnLhpFile,
            B::CompleteLhpFile { .. } => K::CompleteLhpFile,
            B::ReferToRecommendation { .. } => K::ReferToRecommendation,
            B::Recommend { .. } => K::Recommend,
            B::RecordDelivery { .. } => K::RecordDelivery,
            B::ReportImplementation { .. } => K::ReportImplementation,
            B::AssessImplementation { .. } => K::AssessImplementation,
            B::Publish { .. } => K::Publish,
            B::ReportToDprAndPresident { .. } => K::ReportToDprAndPresident,
            B::Close { .. } => K::Close,
            B::Reopen { .. } => K::Reopen,
            B::RecordLetterReceipt { .. } => K::RecordLetterReceipt,
            B::AddNote { .. } => K::AddNote,
            B::ProposeAction { .. } => K::ProposeAction,
            B::DismissProposal { .. } => K::DismissProposal,
            B::ErasePersonalData { .. } => K::ErasePersonalData,
            B::RequestErasure { .. } => K::RequestErasure,
            B::ApproveErasure { .. } => K::ApproveErasure,
            B::RefuseErasure { .. } => K::RefuseErasure,
        }
    }

    /// Every sealed field of the command with its field name (all must use the case's key).
    pub fn sealed_fields<'a>(&'a self) -> Vec<(&'static str, &'a Sealed)> {
        use CommandBody as B;
        let mut out: Vec<(&'static str, &'a Sealed)> = Vec::new();
        let opt = |out: &mut Vec<(&'static str, &'a Sealed)>,
                   name: &'static str,
                   s: &'a Option<Sealed>| {
            if let Some(s) = s {
                out.push((name, s));
            }
        };
        match self {
            B::Report(r) => {
                if let Some(p) = &r.reporter {
                    out.push(("reporter.identity", &p.identity));
                }
                out.push(("summary", &r.summary));
            }
            B::Convert(c) => {
                if let Some(p) = &c.reporter {
                    out.push(("reporter.identity", &p.identity));
                }
            }
            B::RequestCompletion { missing, .. } | B::ReturnLhpFile { missing } => {
                out.push(("missing", missing))
            }
            B::Classify { represented_by, .. } => opt(&mut out, "represented_by", represented_by),
            B::Transfer { reason, .. }
            | B::ReturnConclusion { reason }
            | B::Reopen { reason }
            | B::DismissProposal { reason, .. }
            | B::RefuseErasure { reason, .. } => out.push(("reason", reason)),
            B::Summon { party, .. } => out.push(("party.name", &party.name)),
            B::RecordActivity { outcome, .. } => out.push(("outcome", outcome)),
            B::Mediate { terms, .. } => opt(&mut out, "terms", terms),
            B::ProposeConclusion {
                conclusion,
                summary,
            } => {
                if let Conclusion::Found {
                    corrective_actions, ..
                } = conclusion
                {
                    for a in corrective_actions {
                        opt(&mut out, "corrective_actions.name", &a.name);
                        out.push(("corrective_actions.action", &a.action));
                    }
                }
                opt(&mut out, "summary", summary);
            }
            B::Recommend { content, .. } => out.push(("content", content)),
            B::AddNote { note } => out.push(("note", note)),
            B::Verify { note, .. }
            | B::Complete { note, .. }
            | B::AnswerClarification { note, .. }
            | B::RecordAttendance { note, .. }
            | B::RecordAbsence { note, .. }
            | B::StartMediation { note, .. }
            | B::RecordReporterResponse { note, .. }
            | B::ReportCorrectiveAction { note, .. }
            | B::ReferToResolution { note, .. }
            | B::CompleteLhpFile { note }
            | B::ReferToRecommendation { note }
            | B::AssessImplementation { note, .. }
            | B::Publish { note }
            | B::ReportToDprAndPresident { note, .. }
            | B::Close { note, .. } => opt(&mut out, "note", note),
            B::Accept { .. }
            | B::Assign { .. }
            | B::RequestClarification { .. }
            | B::RequestPoliceAssistance { .. }
            | B::ApproveConclusion { .. }
            | B::NotifyConclusion { .. }
            | B::IssueLhp { .. }
            | B::RecordDelivery { .. }
            | B::ReportImplementation { .. }
            | B::RecordLetterReceipt { .. }
            | B::ProposeAction { .. }
            | B::ErasePersonalData { .. }
            | B::RequestErasure { .. }
            | B::ApproveErasure { .. } => {}
        }
        out
    }
}
