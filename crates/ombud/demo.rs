//! The demo data set: about 2,000 cases of Ombudsman RI Perwakilan Jawa Barat against the
//! public services of Kota Tasikmalaya (and a few other cities), spread over every state and
//! path of `docs/procedure.md`, with realistic dates (January to November 2026; some clocks
//! overdue), forms, channels and Indonesian text. Deterministic for a given `--seed`. Loaded
//! through the service layer, command by command, exactly as the API would record them.

use std::sync::Arc;

use ombud_domain::taxonomy::{ClosureReason, EscalationKind};
use ombud_domain::{
    Action, Actor, ActorId, CommandKind, IdempotencyKey, OfficeCode, Role, Timestamp,
};
use ombud_envelope::KeyStore;
use ombud_eventlog::Backend;
use ombud_service::input::*;
use ombud_service::{CommandInput, CommandRequest, Service};
use serde_json::json;

/// Respondents: (code, name, superior).
const AGENCIES: &[(&str, &str, &str)] = &[
    (
        "disdukcapil-kota-tasikmalaya",
        "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya",
        "Wali Kota Tasikmalaya",
    ),
    (
        "rsud-dr-soekardjo",
        "RSUD dr. Soekardjo Kota Tasikmalaya",
        "Wali Kota Tasikmalaya",
    ),
    (
        "bapenda-kota-tasikmalaya",
        "Badan Pendapatan Daerah Kota Tasikmalaya",
        "Wali Kota Tasikmalaya",
    ),
    (
        "bpbd-kota-tasikmalaya",
        "Badan Penanggulangan Bencana Daerah Kota Tasikmalaya",
        "Wali Kota Tasikmalaya",
    ),
    (
        "dlh-kota-tasikmalaya",
        "Dinas Lingkungan Hidup Kota Tasikmalaya",
        "Wali Kota Tasikmalaya",
    ),
    (
        "dishub-kota-tasikmalaya",
        "Dinas Perhubungan Kota Tasikmalaya",
        "Wali Kota Tasikmalaya",
    ),
    (
        "mpp-kota-tasikmalaya",
        "Mal Pelayanan Publik Kota Tasikmalaya",
        "Wali Kota Tasikmalaya",
    ),
    (
        "kecamatan-cihideung",
        "Kecamatan Cihideung",
        "Wali Kota Tasikmalaya",
    ),
    (
        "kecamatan-tawang",
        "Kecamatan Tawang",
        "Wali Kota Tasikmalaya",
    ),
    (
        "kelurahan-yudanagara",
        "Kelurahan Yudanagara",
        "Camat Cihideung",
    ),
    (
        "kelurahan-empangsari",
        "Kelurahan Empangsari",
        "Camat Tawang",
    ),
    (
        "disdukcapil-kota-bandung",
        "Dinas Kependudukan dan Pencatatan Sipil Kota Bandung",
        "Wali Kota Bandung",
    ),
    (
        "rsud-dr-slamet-garut",
        "RSUD dr. Slamet Kabupaten Garut",
        "Bupati Garut",
    ),
    (
        "bpn-kota-bekasi",
        "Kantor Pertanahan Kota Bekasi",
        "Kepala Kantor Wilayah BPN Jawa Barat",
    ),
];

const COMPLAINTS: &[(&str, &str)] = &[
    (
        "undue_delay",
        "KTP-el pelapor belum terbit walaupun sudah lebih dari tiga bulan sejak perekaman.",
    ),
    (
        "undue_delay",
        "Akta kelahiran anak pelapor tidak kunjung selesai tanpa kejelasan waktu.",
    ),
    (
        "improper_request_for_payment",
        "Petugas loket meminta uang tambahan agar berkas diproses lebih cepat.",
    ),
    (
        "failure_to_serve",
        "Pelapor tidak dilayani di loket karena sistem disebut sedang gangguan selama dua minggu.",
    ),
    (
        "procedural_deviation",
        "Pasien BPJS diminta membeli obat sendiri di luar rumah sakit.",
    ),
    (
        "incompetence",
        "Petugas tidak dapat menjelaskan persyaratan keberatan pajak bumi dan bangunan.",
    ),
    (
        "improper_conduct",
        "Petugas berkata kasar kepada pelapor saat menanyakan status permohonan.",
    ),
    (
        "abuse_of_authority",
        "Kendaraan pelapor diderek tanpa surat tilang dan tanpa penjelasan dasar hukumnya.",
    ),
    (
        "undue_delay",
        "Bantuan perbaikan rumah pascabencana belum diterima walaupun sudah diverifikasi.",
    ),
    (
        "failure_to_serve",
        "Sampah di lingkungan pelapor tidak diangkut selama tiga minggu meski sudah dilaporkan.",
    ),
    (
        "discrimination",
        "Pelapor disabilitas tidak mendapat loket prioritas dan diminta antre di lantai dua.",
    ),
    (
        "undue_delay",
        "Sertipikat tanah pelapor belum terbit lebih dari satu tahun setelah pengukuran.",
    ),
];

const NAMES: &[&str] = &[
    "Asep Saepudin",
    "Siti Aminah",
    "Dede Kurniawan",
    "Euis Rohaeti",
    "Ujang Sopandi",
    "Neneng Hasanah",
    "Yayan Suryana",
    "Rina Marlina",
    "Agus Setiawan",
    "Lilis Suryani",
    "Cecep Hidayat",
    "Wawan Gunawan",
];

/// A deterministic random source (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What a load did.
#[derive(Debug, Default)]
pub struct DemoReport {
    /// Cases reported.
    pub cases: usize,
    /// Commands recorded (reports included).
    pub commands: usize,
    /// Commands the domain refused (a path cut short; the case stays where it was).
    pub refused: usize,
    /// Cases per final status.
    pub by_status: std::collections::BTreeMap<String, usize>,
}

fn actor(role: Role) -> Actor {
    let id = match role {
        Role::Intake => "pvl.rina",
        Role::Investigator => "riksa.siti",
        Role::Supervisor => "kepala.budi",
        Role::Chair => "ketua.ani",
        Role::Auditor => "audit.dewi",
        Role::Dpo => "dpo.joko",
        Role::System => "system",
    };
    Actor {
        id: ActorId::parse(id).unwrap_or_else(|_| unreachable!("a valid literal id")),
        role,
        office: OfficeCode::parse("jawa-barat")
            .unwrap_or_else(|_| unreachable!("a valid literal office")),
    }
}

fn role_for(action: Action) -> Role {
    ombud_domain::decide::permitted_roles(action)
        .iter()
        .copied()
        .find(|r| !matches!(r, Role::System))
        .unwrap_or(Role::Supervisor)
}

/// Loads `cases` cases with `seed`, `concurrency` cases at a time; `progress` is told after
/// each case.
pub async fn load<B: Backend + 'static, S: KeyStore + 'static>(
    service: Arc<Service<B, S>>,
    cases: usize,
    seed: u64,
    concurrency: usize,
    progress: impl Fn(usize) + Send + Sync + 'static,
) -> anyhow::Result<DemoReport> {
    let progress = Arc::new(progress);
    let mut workers = Vec::new();
    for w in 0..concurrency.max(1) {
        let (service, progress) = (service.clone(), progress.clone());
        workers.push(tokio::spawn(async move {
            let mut report = DemoReport::default();
            let mut n = w;
            while n < cases {
                one_case(&service, seed, n, &mut report).await?;
                progress(n);
                n += concurrency.max(1);
            }
            anyhow::Ok(report)
        }));
    }
    let mut total = DemoReport::default();
    for worker in workers {
        let r = worker.await??;
        total.cases += r.cases;
        total.commands += r.commands;
        total.refused += r.refused;
        for (k, v) in r.by_status {
            *total.by_status.entry(k).or_default() += v;
        }
    }
    Ok(total)
}

async fn one_case<B: Backend, S: KeyStore>(
    service: &Service<B, S>,
    seed: u64,
    n: usize,
    report: &mut DemoReport,
) -> anyhow::Result<()> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n as u64 + 1));
    for _ in 0..3 {
        rng.next();
    }
    // Reported between 5 January and 20 November 2026, in office hours (WIB).
    let day = 4 + rng.below(320) as i64;
    let mut now = Timestamp::parse("2026-01-01T01:00:00Z")?.as_datetime()
        + chrono::Duration::days(day)
        + chrono::Duration::minutes(rng.below(420) as i64);
    let (agency, agency_name, superior) = AGENCIES[rng.below(AGENCIES.len())];
    let (form, summary) = COMPLAINTS[rng.below(COMPLAINTS.len())];
    let name = NAMES[rng.below(NAMES.len())];
    let channel = [
        "walk_in", "web", "letter", "phone", "email", "walk_in", "web",
    ][rng.below(7)];
    let input = CommandInput::parse(
        "report",
        &serde_json::to_vec(&json!({
            "office": "jawa-barat", "channel": channel,
            "reporter": { "name": name, "nik": format!("3278{:012}", rng.next() % 1_000_000_000_000),
                          "phone": format!("+62812{:08}", rng.next() % 100_000_000),
                          "confidential": rng.below(5) == 0 },
            "respondent": { "agency_code": agency, "agency_name": agency_name, "superior": superior },
            "forms": [form], "prior_complaint": rng.below(6) != 0,
            "incident_date": (now - chrono::Duration::days(20 + rng.below(200) as i64)).date_naive(),
            "summary": summary,
        }))?,
    )?;
    let key = IdempotencyKey::parse(&format!("demo-{seed}-{n}"))?;
    let outcome = service
        .execute(CommandRequest {
            case_id: None,
            actor: actor(Role::Intake),
            idempotency_key: Some(key),
            if_match: None,
            correlation_id: None,
            at: Some(Timestamp::from_datetime(now)),
            input,
        })
        .await?;
    report.cases += 1;
    report.commands += 1;
    let case = outcome.case_id;

    // A path through the process, chosen by weight; every step a few days after the last.
    let path = pick_path(&mut rng);
    let mut step = 0;
    for action in path {
        step += 1;
        now += chrono::Duration::days(2 + rng.below(12) as i64)
            + chrono::Duration::minutes(rng.below(300) as i64);
        if now > Timestamp::parse("2026-11-27T09:00:00Z")?.as_datetime() {
            break; // the future has not happened yet
        }
        let input = input_for(action, &mut rng)?;
        let result = service
            .execute(CommandRequest {
                case_id: Some(case),
                actor: actor(role_for(action)),
                idempotency_key: Some(IdempotencyKey::parse(&format!("demo-{seed}-{n}-{step}"))?),
                if_match: None,
                correlation_id: None,
                at: Some(Timestamp::from_datetime(now)),
                input,
            })
            .await;
        match result {
            Ok(_) => report.commands += 1,
            Err(ombud_service::ServiceError::Refused(_)) => {
                report.refused += 1;
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let status = service.log().load(case).await?.state.status;
    *report
        .by_status
        .entry(status.as_str().to_owned())
        .or_default() += 1;
    Ok(())
}

fn pick_path(rng: &mut Rng) -> Vec<Action> {
    use Action::{Close, Command as C, Escalate as E};
    use CommandKind::*;
    let accept = [C(Accept)];
    let paths: &[(u32, &[Action])] = &[
        (6, &[]),                     // just received
        (6, &[C(RequestCompletion)]), // awaiting completion
        (
            3,
            &[C(RequestCompletion), C(Complete), C(Accept), C(AddNote)],
        ),
        (
            3,
            &[
                C(RequestCompletion),
                Close(ClosureReason::IncompleteDeemedWithdrawn),
            ],
        ),
        (5, &[Close(ClosureReason::WithdrawnByReporter)]),
        (4, &[Close(ClosureReason::OutsideCompetence)]),
        (2, &[Close(ClosureReason::Duplicate)]),
        (3, &[Close(ClosureReason::NoPriorComplaint)]),
        (8, &[C(Accept), C(RequestClarification)]), // clarification running
        (
            6,
            &[
                C(Accept),
                C(RequestClarification),
                C(AnswerClarification),
                C(AddNote),
            ],
        ),
        (
            6,
            &[
                C(Accept),
                C(RequestClarification),
                C(AnswerClarification),
                C(Conclude),
            ],
        ), // found → corrective action
        (
            6,
            &[
                C(Accept),
                C(RequestClarification),
                C(AnswerClarification),
                C(Conclude),
                Close(ClosureReason::CorrectiveActionImplemented),
            ],
        ),
        (
            4,
            &[C(Accept), C(Conclude), E(EscalationKind::ToResolution)],
        ),
        (
            3,
            &[
                C(Accept),
                C(Conclude),
                E(EscalationKind::ToResolution),
                Close(ClosureReason::ResolvedInResolution),
            ],
        ),
        (
            3,
            &[
                C(Accept),
                C(Conclude),
                E(EscalationKind::ToResolution),
                E(EscalationKind::ToRecommendation),
                C(Recommend),
            ],
        ),
        (
            2,
            &[
                C(Accept),
                C(Conclude),
                E(EscalationKind::ToResolution),
                E(EscalationKind::ToRecommendation),
                C(Recommend),
                Close(ClosureReason::RecommendationImplemented),
            ],
        ),
        (
            1,
            &[
                C(Accept),
                C(Conclude),
                E(EscalationKind::ToResolution),
                E(EscalationKind::ToRecommendation),
                C(Recommend),
                Close(ClosureReason::RecommendationPartlyImplemented),
            ],
        ),
        (
            1,
            &[
                C(Accept),
                C(Conclude),
                E(EscalationKind::ToResolution),
                E(EscalationKind::ToRecommendation),
                C(Recommend),
                Close(ClosureReason::RecommendationNotImplemented),
            ],
        ),
        (4, &[C(Accept), C(StartMediation)]),
        (
            5,
            &[
                C(Accept),
                C(StartMediation),
                C(Mediate),
                Close(ClosureReason::SettledByMediation),
            ],
        ),
        (
            3,
            &[
                C(Accept),
                C(RequestClarification),
                E(EscalationKind::ToSuperior),
                C(AddNote),
            ],
        ),
        (
            2,
            &[
                C(Accept),
                C(RequestClarification),
                E(EscalationKind::Summons),
            ],
        ),
        (3, &[C(Accept), C(Assign), C(AddNote), C(AddNote)]),
        (
            3,
            &[
                C(Accept),
                C(RequestClarification),
                C(AnswerClarification),
                Close(ClosureReason::AgencyStillHandling),
            ],
        ),
        (
            2,
            &[
                Close(ClosureReason::WithdrawnByReporter),
                C(Reopen),
                C(Accept),
            ],
        ),
        // A data subject asks for erasure while the examination runs: refused, or approved
        // and carried out.
        (1, &[C(Accept), C(RequestErasure), C(RefuseErasure)]),
        (
            1,
            &[
                C(Accept),
                C(RequestErasure),
                C(ApproveErasure),
                C(ErasePersonalData),
            ],
        ),
    ];
    let total: u32 = paths.iter().map(|(w, _)| w).sum();
    let mut pick = (rng.next() % u64::from(total)) as u32;
    for (weight, path) in paths {
        if pick < *weight {
            return path.to_vec();
        }
        pick -= weight;
    }
    accept.to_vec()
}

fn input_for(action: Action, rng: &mut Rng) -> anyhow::Result<CommandInput> {
    use CommandKind::*;
    let notes = [
        "Pelapor dihubungi melalui telepon; dokumen pendukung akan dikirim.",
        "Terlapor meminta waktu tambahan untuk menyiapkan jawaban.",
        "Tim pemeriksa melakukan investigasi lapangan ke lokasi layanan.",
        "Pelapor menyampaikan bahwa layanan sudah mulai diproses.",
    ];
    let note = notes[rng.below(notes.len())];
    Ok(match action {
        Action::Escalate(kind) => CommandInput::Escalate(EscalateInput {
            kind,
            reason: "Terlapor tidak menindaklanjuti permintaan klarifikasi dalam batas waktu."
                .into(),
            target: Some("Wali Kota Tasikmalaya".into()),
        }),
        Action::Close(reason) => CommandInput::Close(CloseInput {
            reason,
            note: Some("Laporan ditutup sesuai hasil pemeriksaan.".into()),
        }),
        Action::Command(kind) => match kind {
            RequestCompletion => CommandInput::RequestCompletion(MissingInput {
                missing: "Fotokopi KTP pelapor dan bukti pengajuan layanan.".into(),
            }),
            Complete => CommandInput::Complete(NoteInput {
                note: Some("Pelapor melengkapi dokumen.".into()),
            }),
            Accept => CommandInput::parse(
                "accept",
                format!(
                    r#"{{"unit":"riksa-{}","assignee":"{}"}}"#,
                    1 + rng.below(2),
                    ["riksa.siti", "riksa.agus", "riksa.dedi", "riksa.lina"][rng.below(4)]
                )
                .as_bytes(),
            )?,
            Assign => CommandInput::parse("assign", br#"{"assignee":"riksa.agus"}"#)?,
            RequestClarification => CommandInput::RequestClarification(ClarificationInput {
                addressee: None,
                letter_number: format!("B/{}/PW.13/2026", 100 + rng.below(900)),
            }),
            AnswerClarification => CommandInput::AnswerClarification(NoteInput {
                note: Some(
                    "Terlapor menjelaskan bahwa blanko sempat habis; layanan dipercepat.".into(),
                ),
            }),
            StartMediation => CommandInput::StartMediation(NoteInput::default()),
            Mediate => CommandInput::Mediate(MediateInput {
                outcome: ombud_domain::taxonomy::MediationOutcome::Agreed,
                terms: Some("Terlapor menyelesaikan layanan dalam tujuh hari kerja.".into()),
            }),
            Conclude => CommandInput::Conclude(ConcludeInput {
                finding: ombud_domain::taxonomy::Finding::Found,
                corrective_actions: Some(vec![
                    "Menyelesaikan layanan pelapor.".into(),
                    "Menegur petugas dan memperbaiki standar pelayanan.".into(),
                ]),
            }),
            Recommend => CommandInput::Recommend(RecommendInput {
                addressee: "Wali Kota Tasikmalaya".into(),
                content: "Memberikan sanksi kepada petugas dan memperbaiki sistem antrean.".into(),
            }),
            Reopen => CommandInput::Reopen(ReopenInput {
                reason: "Pelapor menyampaikan bukti baru.".into(),
            }),
            AddNote => CommandInput::AddNote(AddNoteInput { note: note.into() }),
            ErasePersonalData => CommandInput::ErasePersonalData(EraseInput {
                request_ref: "PDP/2026/001".into(),
            }),
            RequestErasure | ApproveErasure => {
                let input = ErasureRequestInput {
                    request_ref: "PDP/2026/001".into(),
                };
                if kind == RequestErasure {
                    CommandInput::RequestErasure(input)
                } else {
                    CommandInput::ApproveErasure(input)
                }
            }
            RefuseErasure => CommandInput::RefuseErasure(RefuseErasureInput {
                request_ref: "PDP/2026/001".into(),
                reason: "Pemeriksaan masih berjalan; data diperlukan untuk kepentingan umum \
                         dalam penyelenggaraan negara (UU 27/2022 Pasal 15 ayat 1)."
                    .into(),
            }),
            Report | Escalate | Close => anyhow::bail!("not a path step: {kind:?}"),
        },
    })
}
