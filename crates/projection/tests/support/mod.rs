//! Test world for the projections: a real event log (JetStream on a fresh nats-server, or the
//! embedded sled log), a vault, and helpers that drive cases through `decide` and append the
//! events the way the service does, plus a random walk over every legal action.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ombud_domain::command::ReportCase;
use ombud_domain::decide::{legal_states, permitted_roles};
use ombud_domain::event::{
    ActionReport, Conclusion, CorrectiveAction, Decision, ReporterData, Respondent,
};
use ombud_domain::taxonomy::*;
use ombud_domain::*;
use ombud_envelope::{MasterKey, MemoryKeyStore, Sha256Hash, Vault};
use ombud_eventlog::embedded::{EmbeddedBackend, EmbeddedConfig};
use ombud_eventlog::jetstream::{JetStreamBackend, JetStreamConfig};
use ombud_eventlog::{Append, Backend, EventLog, Receipt};
use ombud_projection::{ProjectionConfig, ReadModels};
use ombud_testkit::{NatsServer, TempDir};

pub type Jet = Arc<JetStreamBackend>;
pub type Embedded = Arc<EmbeddedBackend>;

/// The write keys of the tests' logs, as `OMBUD__SECURITY__WRITE_KEYS` gives them to an
/// `ombud` process (every process of one deployment shares them).
pub const WRITE_KEYS: &str =
    "test:2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";

pub fn write_keys() -> ombud_envelope::WriteKeys {
    let (id, hex) = WRITE_KEYS.split_once(':').unwrap();
    ombud_envelope::WriteKeys::new(vec![ombud_envelope::WriteKey::from_hex(id, hex).unwrap()])
        .unwrap()
}

pub async fn jetstream_log() -> (NatsServer, Arc<EventLog<Jet>>) {
    let server = NatsServer::start().unwrap();
    let mut config = JetStreamConfig::new(server.url());
    config.request_timeout = Duration::from_secs(5);
    let backend = Arc::new(JetStreamBackend::connect(config).await.unwrap().0);
    (server, Arc::new(EventLog::new(backend, write_keys())))
}

pub fn embedded_log(dir: &TempDir) -> Arc<EventLog<Embedded>> {
    let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path().join("log"))).unwrap();
    Arc::new(EventLog::new(Arc::new(backend), write_keys()))
}

pub fn open_models(dir: &TempDir, name: &str) -> ReadModels {
    open_models_with(dir, name, ProjectionConfig::default())
}

/// Read models with a tuned configuration.
pub fn open_models_with(dir: &TempDir, name: &str, config: ProjectionConfig) -> ReadModels {
    ReadModels::open(&dir.path().join(name), config).unwrap()
}

/// The shipped holiday calendar.
pub fn shipped_rules() -> Arc<Rules> {
    let text = include_str!("../../../../config/holidays.toml");
    Arc::new(Rules {
        calendar: WorkingCalendar::from_toml(text).unwrap(),
        ..Rules::default()
    })
}

pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

pub fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A small deterministic random source (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub struct World<B: Backend> {
    pub log: Arc<EventLog<B>>,
    pub vault: Arc<Vault<MemoryKeyStore>>,
    pub rules: Arc<Rules>,
    pub now: Timestamp,
    pub cases: HashMap<CaseId, CaseState>,
    pub order: Vec<CaseId>,
    pub last_seq: u64,
    counter: u64,
}

pub const AGENCIES: &[(&str, &str)] = &[
    (
        "disdukcapil-kota-tasikmalaya",
        "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya",
    ),
    ("rsud-dr-soekardjo", "RSUD dr. Soekardjo Kota Tasikmalaya"),
    (
        "bapenda-kota-tasikmalaya",
        "Badan Pendapatan Daerah Kota Tasikmalaya",
    ),
];

impl<B: Backend> World<B> {
    pub fn new(log: Arc<EventLog<B>>, rules: Arc<Rules>) -> Self {
        World {
            log,
            vault: Arc::new(Vault::new(MasterKey::generate(), MemoryKeyStore::new())),
            rules,
            now: ts("2026-09-01T02:00:00Z"),
            cases: HashMap::new(),
            order: Vec::new(),
            last_seq: 0,
            counter: 0,
        }
    }

    pub fn advance_days(&mut self, days: i64) {
        self.now = Timestamp::from_datetime(self.now.as_datetime() + chrono::Duration::days(days));
    }

    pub fn advance_hours(&mut self, hours: i64) {
        self.now =
            Timestamp::from_datetime(self.now.as_datetime() + chrono::Duration::hours(hours));
    }

    pub async fn seal(&self, case: CaseId, field: &str, text: &str) -> Sealed {
        self.vault
            .seal(&KeyId::for_case(case), field, text.as_bytes())
            .await
            .unwrap()
    }

    fn actor(role: Role, office: &OfficeCode) -> Actor {
        ombud_testkit::people::actor(role, office.as_str())
    }

    pub async fn report(
        &mut self,
        office: &str,
        agency: usize,
        forms: &[&str],
        channel: Channel,
    ) -> CaseId {
        self.advance_hours(1); // distinct reporting times: a stable newest-first order
        let case = CaseId::from_uuid(uuid::Uuid::now_v7());
        self.vault.create_key(&KeyId::for_case(case)).await.unwrap();
        let (code, name) = AGENCIES[agency % AGENCIES.len()];
        let body = CommandBody::Report(Box::new(ReportCase {
            office: OfficeCode::parse(office).unwrap(),
            channel,
            external_ref: None,
            track: Track::Regular,
            received_on: None,
            reporter: Some(ReporterData {
                confidential: false,
                identity: self
                    .seal(
                        case,
                        "reporter.identity",
                        r#"{"name":"Asep Saepudin","nik":"3278010101800001"}"#,
                    )
                    .await,
            }),
            respondent: Some(Respondent {
                agency_code: AgencyCode::parse(code).unwrap(),
                agency_name: name.into(),
                unit: None,
                superior: Some("Wali Kota Tasikmalaya".into()),
            }),
            forms: forms.iter().map(|f| FormCode::parse(f).unwrap()).collect(),
            incident_date: None,
            prior_complaint: true,
            summary: self
                .seal(
                    case,
                    "summary",
                    "KTP-el tidak kunjung terbit setelah tiga bulan.",
                )
                .await,
            criteria: Vec::new(),
            decision: None,
        }));
        self.cases.insert(case, CaseState::default());
        self.order.push(case);
        self.command(case, Role::Intake, body).await.unwrap();
        case
    }

    /// Decides `body` as `role` and appends it; returns the receipt or the refusal.
    pub async fn command(
        &mut self,
        case: CaseId,
        role: Role,
        body: CommandBody,
    ) -> Result<Receipt, String> {
        let state = self.cases.get(&case).cloned().unwrap_or_default();
        let office = state
            .office
            .clone()
            .or_else(|| match &body {
                CommandBody::Report(r) => Some(r.office.clone()),
                _ => None,
            })
            .unwrap();
        let command = Command {
            case_id: case,
            actor: Self::actor(role, &office),
            at: self.now,
            rules: self.rules.clone(),
            body,
        };
        let hash = Sha256Hash::of(format!("{:?}", command.body).as_bytes());
        let event = decide(&state, command).map_err(|e| e.to_string())?;
        self.counter += 1;
        let receipt = self
            .log
            .append(Append {
                event: event.clone(),
                expected: state.version,
                idempotency_key: IdempotencyKey::parse(&format!("k{}", self.counter)).unwrap(),
                command_hash: hash,
                correlation_id: None,
                causation_id: uuid::Uuid::now_v7(),
            })
            .await
            .map_err(|e| e.to_string())?;
        self.cases.insert(case, evolve(state, &event));
        self.last_seq = self.last_seq.max(receipt.stream_seq);
        Ok(receipt)
    }

    pub fn status(&self, case: CaseId) -> Status {
        self.cases[&case].status
    }

    /// Today at the office (WIB).
    pub fn today(&self) -> chrono::NaiveDate {
        self.now.local_date(deadline::wib())
    }

    /// A post letter dated and received today.
    pub fn letter(&self) -> Letter {
        Letter {
            via: Via::Post,
            number: Some("B/123/PW.13/IX/2026".into()),
            date: self.today(),
            received_on: Some(self.today()),
        }
    }

    /// A body for `action` on `case`, sealing its free text.
    pub async fn body(&self, case: CaseId, action: Action) -> CommandBody {
        use CommandKind as K;
        let s = |field: &'static str, text: &'static str| async move {
            self.seal(case, field, text).await
        };
        let today = self.today();
        let pleno = Decision {
            number: "PLENO/2026/1".into(),
            date: today,
        };
        match action {
            Action::Close(reason) => {
                let letterless = matches!(
                    reason,
                    ClosureReason::ConsultationOnly
                        | ClosureReason::CarbonCopyFiled
                        | ClosureReason::RcoResolved
                        | ClosureReason::WithdrawnByReporter
                        | ClosureReason::IncompleteDeemedWithdrawn
                );
                CommandBody::Close {
                    reason,
                    pleno: Some(pleno),
                    letter: (!letterless).then(|| self.letter()),
                    note: Some(s("note", "Laporan ditutup.").await),
                }
            }
            Action::Command(kind) => match kind {
                K::Convert => CommandBody::Convert(Box::new(command::ConvertCase {
                    track: Track::Regular,
                    reporter: None,
                    respondent: None,
                    forms: Vec::new(),
                    decision: None,
                    incident_date: None,
                    prior_complaint: None,
                })),
                K::Verify => CommandBody::Verify {
                    stage: VerificationStage::Formal,
                    passed: true,
                    note: None,
                },
                K::RequestCompletion => CommandBody::RequestCompletion {
                    missing: s("missing", "Fotokopi KTP dan bukti pengajuan.").await,
                    letter: self.letter(),
                },
                K::Complete => CommandBody::Complete {
                    received_on: today,
                    note: None,
                },
                K::Accept => CommandBody::Accept {
                    pleno,
                    unit: UnitCode::parse("riksa-1").unwrap(),
                    assignee: ActorId::parse("riksa.siti").unwrap(),
                },
                K::Classify => CommandBody::Classify {
                    forms: vec![FormCode::parse("undue_delay").unwrap()],
                    substance: None,
                    agency_group: None,
                    reporter_kind: Some(ReporterKind::Individual),
                    represented_by: None,
                },
                K::Assign => CommandBody::Assign {
                    assignee: ActorId::parse("riksa.agus").unwrap(),
                    unit: None,
                },
                K::Transfer => CommandBody::Transfer {
                    to_office: OfficeCode::parse("jakarta-raya").unwrap(),
                    reason: s("reason", "Terlapor berkedudukan di Jakarta.").await,
                },
                K::RequestClarification => CommandBody::RequestClarification {
                    addressee: Addressee::Respondent,
                    purpose: Purpose::Clarification,
                    letter: self.letter(),
                },
                K::AnswerClarification => CommandBody::AnswerClarification {
                    outcome: AnswerOutcome::Answered,
                    received_on: Some(today),
                    note: Some(s("note", "Terlapor menjawab: berkas sedang diproses.").await),
                },
                K::Summon => CommandBody::Summon {
                    party: command::PartyInput {
                        kind: SummonsParty::Respondent,
                        party_ref: "kepala-dinas".into(),
                        name: s("party.name", "Kepala Dinas").await,
                    },
                    appointment_at: today.and_hms_opt(9, 0, 0).unwrap(),
                    letter: self.letter(),
                },
                K::RecordAttendance => CommandBody::RecordAttendance {
                    summons: 1,
                    note: None,
                },
                K::RecordAbsence => CommandBody::RecordAbsence {
                    summons: 1,
                    valid_reason: false,
                    note: None,
                },
                K::RequestPoliceAssistance => CommandBody::RequestPoliceAssistance {
                    party_ref: "kepala-dinas".into(),
                    police_unit: "Polda Jawa Barat".into(),
                    letter: self.letter(),
                },
                K::RecordActivity => CommandBody::RecordActivity {
                    kind: ActivityKind::FieldCheck,
                    date: today,
                    outcome: s("outcome", "Pemeriksaan lapangan.").await,
                },
                K::StartMediation => CommandBody::StartMediation {
                    method: MediationMethod::Mediation,
                    note: None,
                },
                K::Mediate => CommandBody::Mediate {
                    outcome: MediationOutcome::Agreed,
                    terms: Some(s("terms", "KTP-el terbit dalam 7 hari.").await),
                },
                K::ProposeConclusion => CommandBody::ProposeConclusion {
                    conclusion: Conclusion::Found {
                        forms_found: vec![FormCode::parse("undue_delay").unwrap()],
                        corrective_actions: vec![CorrectiveAction {
                            id: "1".into(),
                            addressee: ActionAddressee::Respondent,
                            name: None,
                            action: s("corrective_actions.action", "Terbitkan KTP-el pelapor.")
                                .await,
                        }],
                    },
                    summary: None,
                },
                K::ReturnConclusion => CommandBody::ReturnConclusion {
                    reason: s("reason", "Lengkapi analisis.").await,
                },
                K::ApproveConclusion => CommandBody::ApproveConclusion { review_date: today },
                K::NotifyConclusion => CommandBody::NotifyConclusion {
                    letter: self.letter(),
                },
                K::RecordReporterResponse => CommandBody::RecordReporterResponse {
                    received_on: today,
                    argued: false,
                    note: None,
                },
                K::IssueLhp => CommandBody::IssueLhp {
                    letter: self.letter(),
                },
                K::ReportCorrectiveAction => CommandBody::ReportCorrectiveAction {
                    reports: vec![ActionReport {
                        action_id: "1".into(),
                        status: ActionStatus::Done,
                    }],
                    received_on: today,
                    note: None,
                },
                K::ReferToResolution => CommandBody::ReferToResolution {
                    ground: ResolutionGround::RefusedByRespondent,
                    note: None,
                },
                K::ReturnLhpFile => CommandBody::ReturnLhpFile {
                    missing: s("missing", "Berita acara.").await,
                },
                K::CompleteLhpFile => CommandBody::CompleteLhpFile { note: None },
                K::ReferToRecommendation => CommandBody::ReferToRecommendation { note: None },
                K::Recommend => CommandBody::Recommend {
                    addressee: "Wali Kota Tasikmalaya".into(),
                    content: s("content", "Berikan sanksi kepada petugas.").await,
                    letter: self.letter(),
                },
                K::RecordDelivery => CommandBody::RecordDelivery { received_on: today },
                K::ReportImplementation => CommandBody::ReportImplementation {
                    report: ImplementationReport::Full,
                    letter: self.letter(),
                },
                K::AssessImplementation => CommandBody::AssessImplementation {
                    assessment: Assessment::Implemented,
                    reasons_acceptable: true,
                    note: None,
                },
                K::Publish => CommandBody::Publish { note: None },
                K::ReportToDprAndPresident => CommandBody::ReportToDprAndPresident {
                    letter: None,
                    note: None,
                },
                K::Reopen => CommandBody::Reopen {
                    reason: s("reason", "Ada bukti baru.").await,
                },
                K::RecordLetterReceipt => CommandBody::RecordLetterReceipt {
                    letter_of: 2,
                    received_on: today,
                },
                K::AddNote => CommandBody::AddNote {
                    note: s("note", "Pelapor dihubungi.").await,
                },
                K::ProposeAction => CommandBody::ProposeAction {
                    action: ProposedAction::IssueLhp,
                    clock: ClockKind::ReporterResponse,
                },
                K::DismissProposal => CommandBody::DismissProposal {
                    proposal: 1,
                    reason: s("reason", "Tidak perlu.").await,
                },
                K::ErasePersonalData => CommandBody::ErasePersonalData {
                    request_ref: "PDP/2026/001".into(),
                },
                K::RequestErasure => CommandBody::RequestErasure {
                    request_ref: "PDP/2026/001".into(),
                },
                K::ApproveErasure => CommandBody::ApproveErasure {
                    request_ref: "PDP/2026/001".into(),
                },
                K::RefuseErasure => CommandBody::RefuseErasure {
                    request_ref: "PDP/2026/001".into(),
                    reason: s("reason", "Pemeriksaan masih berjalan.").await,
                },
                K::Report | K::Close => {
                    unreachable!("reports and named actions are built elsewhere")
                }
            },
        }
    }

    /// Both checks and acceptance (the pleno): under examination.
    pub async fn accept(&mut self, case: CaseId) -> Receipt {
        for stage in [VerificationStage::Formal, VerificationStage::Material] {
            let verify = CommandBody::Verify {
                stage,
                passed: true,
                note: None,
            };
            self.command(case, Role::Intake, verify).await.unwrap();
        }
        self.act(case, Action::Command(CommandKind::Accept)).await
    }

    /// The LHP with a finding of maladministration: proposed, approved, notified, answered,
    /// issued (its letter received the same day): corrective action.
    pub async fn found(&mut self, case: CaseId) -> Receipt {
        for kind in [
            CommandKind::ProposeConclusion,
            CommandKind::ApproveConclusion,
            CommandKind::NotifyConclusion,
            CommandKind::RecordReporterResponse,
        ] {
            self.act(case, Action::Command(kind)).await;
        }
        self.act(case, Action::Command(CommandKind::IssueLhp)).await
    }

    /// Runs `action` as the first role allowed to; panics if refused.
    pub async fn act(&mut self, case: CaseId, action: Action) -> Receipt {
        match self.try_act(case, action).await {
            Ok(r) => r,
            Err(e) => panic!("{action:?} on {} refused: {e}", self.status(case)),
        }
    }

    pub async fn try_act(&mut self, case: CaseId, action: Action) -> Result<Receipt, String> {
        let body = self.body(case, action).await;
        let mut last = String::from("no role may");
        for role in permitted_roles(action) {
            if *role == Role::System {
                continue;
            }
            match self.command(case, *role, body.clone()).await {
                Ok(r) => return Ok(r),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// `steps` random legal commands over a growing set of cases, time moving on.
    pub async fn random_walk(&mut self, rng: &mut Rng, steps: usize) {
        let actions: Vec<Action> = Action::all()
            .into_iter()
            .filter(|a| {
                !matches!(
                    a,
                    Action::Command(CommandKind::Report | CommandKind::ErasePersonalData)
                )
            })
            .collect();
        for _ in 0..steps {
            self.advance_hours(rng.below(30) as i64);
            if self.order.is_empty() || rng.below(6) == 0 {
                let offices = ["jawa-barat", "jawa-barat", "jakarta-raya"];
                let forms = [
                    "undue_delay",
                    "improper_request_for_payment",
                    "failure_to_serve",
                ];
                let channel = [Channel::WalkIn, Channel::Web, Channel::Letter][rng.below(3)];
                self.report(
                    offices[rng.below(3)],
                    rng.below(3),
                    &[forms[rng.below(3)]],
                    channel,
                )
                .await;
                continue;
            }
            let case = self.order[rng.below(self.order.len())];
            let status = self.status(case);
            let legal: Vec<Action> = actions
                .iter()
                .copied()
                .filter(|a| legal_states(*a).contains(&status))
                .collect();
            for _ in 0..4 {
                if legal.is_empty() {
                    break;
                }
                let action = legal[rng.below(legal.len())];
                if self.try_act(case, action).await.is_ok() {
                    break;
                }
            }
        }
    }
}
