//! Reproducible sample events for the golden fixtures: one per event type, with real
//! ciphertext sealed under a fixed test key and fixed nonces (never do that outside tests).
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use chrono::NaiveDate;
use ombud_domain::event::*;
use ombud_domain::*;
use ombud_envelope::seal::seal_with_nonce;
use ombud_envelope::{DataKey, EventMeta, RecordedEvent, Sha256Hash};
use uuid::Uuid;

/// The fixtures' data key (test only): 32 bytes of 0x42.
pub fn fixture_key() -> DataKey {
    DataKey::from_bytes([0x42; 32])
}

pub fn case_id() -> CaseId {
    CaseId::parse("01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42").unwrap()
}

pub fn key_id() -> KeyId {
    KeyId::for_case(case_id())
}

pub fn sealed(field: &str, text: &str, nonce: u8) -> Sealed {
    seal_with_nonce(
        &fixture_key(),
        &key_id(),
        field,
        text.as_bytes(),
        [nonce; 24],
    )
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn deadline(clock: ClockKind, start: &str, due: &str, length: u32, unit: DayUnit) -> Deadline {
    Deadline {
        clock,
        starts_on: date(start),
        due_on: date(due),
        length,
        unit,
        calendar_version: "id-2026.1".into(),
    }
}

pub const REPORTER_JSON: &str = r#"{"name":"Siti Rahmawati","nik":"3278014506880001","phone":"+6281234567890","email":"siti.rahmawati@example.id","address":"Jl. Sutisna Senjaya No. 10, Tasikmalaya"}"#;

fn letter(date_: &str, received: Option<&str>) -> Letter {
    Letter {
        via: Via::Post,
        number: Some("B/123/PW.13/IX/2026".into()),
        date: date(date_),
        received_on: received.map(date),
    }
}

fn respondent() -> Respondent {
    Respondent {
        agency_code: AgencyCode::parse("disdukcapil-kota-tasikmalaya").unwrap(),
        agency_name: "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya".into(),
        unit: Some("Layanan KTP-el".into()),
        superior: Some("Wali Kota Tasikmalaya".into()),
    }
}

fn form(code: &str) -> FormCode {
    FormCode::parse(code).unwrap()
}

fn found(nonce: u8) -> Conclusion {
    Conclusion::Found {
        forms_found: vec![form("undue_delay")],
        corrective_actions: vec![CorrectiveAction {
            id: "1".into(),
            addressee: taxonomy::ActionAddressee::Respondent,
            name: Some(sealed(
                "corrective_actions.name",
                "Kepala Disdukcapil Kota Tasikmalaya",
                nonce,
            )),
            action: sealed(
                "corrective_actions.action",
                "Mencetak KTP-el pelapor dalam 7 hari.",
                nonce + 1,
            ),
        }],
    }
}

const INVESTIGATOR: (Role, &str) = (Role::Investigator, "riksa.siti");
const INTAKE: (Role, &str) = (Role::Intake, "pvl.rina");
const HEAD: (Role, &str) = (Role::OfficeHead, "kepala.budi");
const UNIT_HEAD: (Role, &str) = (Role::UnitHead, "kanit.dedi");
const RESMON: (Role, &str) = (Role::Resmon, "resmon.wati");
const CHAIR: (Role, &str) = (Role::Chair, "ketua.ani");

/// The data of each event type, as a realistic Tasikmalaya case would record it.
pub fn sample_data(event_type: EventType) -> (EventData, Role, &'static str) {
    use taxonomy::*;
    use EventType as T;
    let (data, (role, actor)) = match event_type {
        T::Reported => (
            EventData::Reported(Box::new(Reported {
                office: OfficeCode::parse("jawa-barat").unwrap(),
                reference: CaseReference::derive(&OfficeCode::parse("jawa-barat").unwrap(), 2026, case_id()),
                channel: Channel::WalkIn,
                external_ref: None,
                track: Track::Regular,
                received_on: Some(date("2026-08-31")),
                reporter: Some(ReporterData {
                    confidential: true,
                    identity: sealed("reporter.identity", REPORTER_JSON, 1),
                }),
                respondent: Some(respondent()),
                forms: vec![form("undue_delay")],
                taxonomy_version: "2026.1".into(),
                incident_date: Some(date("2026-06-15")),
                prior_complaint: true,
                summary: sealed(
                    "summary",
                    "KTP-el pelapor belum dicetak sejak Juni 2026 meskipun sudah melakukan perekaman.",
                    2,
                ),
                incident_age_warning: false,
                criteria: Vec::new(),
                decision: None,
                deadline: None,
            })),
            INTAKE,
        ),
        T::Converted => (
            EventData::Converted(Box::new(Converted {
                track: Track::Regular,
                reporter: None,
                respondent: Some(respondent()),
                forms: vec![form("undue_delay")],
                decision: None,
                incident_date: Some(date("2026-07-20")),
                prior_complaint: Some(true),
                incident_age_warning: false,
            })),
            UNIT_HEAD,
        ),
        T::Verified => (
            EventData::Verified(Verified {
                stage: VerificationStage::Formal,
                passed: false,
                note: Some(sealed("note", "Kronologi belum lengkap.", 20)),
            }),
            INTAKE,
        ),
        T::CompletionRequested => (
            EventData::CompletionRequested(CompletionRequested {
                missing: sealed("missing", "Salinan bukti pengaduan kepada Disdukcapil.", 3),
                letter: Some(letter("2026-09-01", Some("2026-09-02"))),
                deadline: Some(deadline(ClockKind::Completion, "2026-09-02", "2026-10-02", 30, DayUnit::Days)),
            }),
            INTAKE,
        ),
        T::Completed => (
            EventData::Completed(Completed {
                received_on: Some(date("2026-09-10")),
                note: Some(sealed("note", "Bukti pengaduan diterima.", 4)),
            }),
            INTAKE,
        ),
        T::Accepted => (
            EventData::Accepted(Accepted {
                pleno: Some(Decision { number: "PLENO/JBR/31/2026".into(), date: date("2026-09-14") }),
                unit: UnitCode::parse("riksa-1").unwrap(),
                assignee: ActorId::parse("riksa.siti").unwrap(),
            }),
            UNIT_HEAD,
        ),
        T::Classified => (
            EventData::Classified(Classified {
                forms: vec![form("undue_delay"), form("failure_to_serve")],
                substance: Some("administrasi_kependudukan".into()),
                agency_group: Some("pemerintah_daerah".into()),
                reporter_kind: Some(ReporterKind::Individual),
                represented_by: None,
            }),
            INTAKE,
        ),
        T::Assigned => (
            EventData::Assigned(Assigned {
                assignee: ActorId::parse("riksa.agus").unwrap(),
                unit: None,
            }),
            UNIT_HEAD,
        ),
        T::Transferred => (
            EventData::Transferred(Transferred {
                to_office: OfficeCode::parse("jakarta-raya").unwrap(),
                reason: sealed("reason", "Terlapor berkedudukan di Jakarta.", 21),
            }),
            HEAD,
        ),
        T::ClarificationRequested => (
            EventData::ClarificationRequested(ClarificationRequested {
                round: 1,
                addressee: Addressee::Respondent,
                purpose: Purpose::Clarification,
                letter: letter("2026-09-07", Some("2026-09-08")),
                deadline: Some(deadline(ClockKind::Clarification, "2026-09-08", "2026-09-22", 14, DayUnit::Days)),
                note: None,
            }),
            INVESTIGATOR,
        ),
        T::ClarificationAnswered => (
            EventData::ClarificationAnswered(ClarificationAnswered {
                round: 1,
                outcome: AnswerOutcome::Answered,
                received_on: Some(date("2026-09-18")),
                note: None,
            }),
            INVESTIGATOR,
        ),
        T::Summoned => (
            EventData::Summoned(Summoned {
                summons: 1,
                party: Party {
                    kind: SummonsParty::Respondent,
                    party_ref: "kepala-dinas".into(),
                    name: Some(sealed("party.name", "Kepala Disdukcapil Kota Tasikmalaya", 22)),
                },
                appointment_at: Some(date("2026-09-28").and_hms_opt(9, 0, 0).unwrap()),
                letter: Some(letter("2026-09-21", None)),
                note: None,
            }),
            INVESTIGATOR,
        ),
        T::SummonsAttended => (
            EventData::SummonsAttended(SummonsAttended { summons: 1, note: None }),
            INVESTIGATOR,
        ),
        T::SummonsMissed => (
            EventData::SummonsMissed(SummonsMissed {
                summons: 2,
                valid_reason: false,
                note: Some(sealed("note", "Tidak hadir tanpa keterangan.", 23)),
            }),
            INVESTIGATOR,
        ),
        T::PoliceAssistanceRequested => (
            EventData::PoliceAssistanceRequested(PoliceAssistanceRequested {
                party_ref: Some("kepala-dinas".into()),
                police_unit: Some("Polda Jawa Barat".into()),
                letter: Some(letter("2026-10-20", None)),
                note: None,
            }),
            HEAD,
        ),
        T::ActivityRecorded => (
            EventData::ActivityRecorded(ActivityRecorded {
                kind: ActivityKind::FieldCheck,
                date: date("2026-09-24"),
                outcome: sealed("outcome", "Antrean pencetakan KTP-el diperiksa di loket.", 24),
            }),
            INVESTIGATOR,
        ),
        T::MediationStarted => (
            EventData::MediationStarted(MediationStarted {
                method: Some(MediationMethod::Mediation),
                note: None,
            }),
            INVESTIGATOR,
        ),
        T::Mediated => (
            EventData::Mediated(Mediated {
                outcome: MediationOutcome::Agreed,
                terms: Some(sealed("terms", "KTP-el dicetak dan diserahkan paling lambat 7 hari.", 6)),
            }),
            INVESTIGATOR,
        ),
        T::ConclusionProposed => (
            EventData::ConclusionProposed(ConclusionProposed {
                conclusion: found(25),
                summary: Some(sealed("summary", "Penundaan berlarut pencetakan KTP-el terbukti.", 27)),
            }),
            INVESTIGATOR,
        ),
        T::ConclusionReturned => (
            EventData::ConclusionReturned(ConclusionReturned {
                reason: sealed("reason", "Analisis dasar hukum belum lengkap.", 28),
            }),
            HEAD,
        ),
        T::ConclusionApproved => (
            EventData::ConclusionApproved(ConclusionApproved { review_date: date("2026-10-05") }),
            HEAD,
        ),
        T::ConclusionNotified => (
            EventData::ConclusionNotified(ConclusionNotified {
                letter: letter("2026-10-06", Some("2026-10-08")),
                deadline: Some(deadline(ClockKind::ReporterResponse, "2026-10-08", "2026-10-22", 14, DayUnit::Days)),
            }),
            INVESTIGATOR,
        ),
        T::ReporterResponded => (
            EventData::ReporterResponded(ReporterResponded {
                received_on: date("2026-10-12"),
                argued: false,
                note: None,
            }),
            INVESTIGATOR,
        ),
        T::LhpIssued => (
            EventData::LhpIssued(LhpIssued {
                conclusion: found(25),
                letter: Some(letter("2026-10-14", Some("2026-10-15"))),
                deadline: Some(deadline(ClockKind::CorrectiveAction, "2026-10-15", "2026-11-26", 30, DayUnit::WorkingDays)),
            }),
            HEAD,
        ),
        T::CorrectiveActionReported => (
            EventData::CorrectiveActionReported(CorrectiveActionReported {
                reports: vec![ActionReport { action_id: "1".into(), status: ActionStatus::Partial }],
                received_on: date("2026-11-02"),
                note: None,
            }),
            INVESTIGATOR,
        ),
        T::ReferredToResolution => (
            EventData::ReferredToResolution(ReferredToResolution {
                ground: ResolutionGround::PeriodExpired,
                note: None,
            }),
            UNIT_HEAD,
        ),
        T::LhpFileReturned => (
            EventData::LhpFileReturned(LhpFileReturned {
                missing: sealed("missing", "Berita acara klarifikasi belum dilampirkan.", 29),
            }),
            RESMON,
        ),
        T::LhpFileCompleted => (EventData::LhpFileCompleted(Noted { note: None }), INVESTIGATOR),
        T::ReferredToRecommendation => (EventData::ReferredToRecommendation(Noted { note: None }), HEAD),
        T::RecommendationIssued => (
            EventData::RecommendationIssued(RecommendationIssued {
                addressee: "Wali Kota Tasikmalaya".into(),
                content: sealed("content", "Memerintahkan Kepala Disdukcapil melaksanakan tindakan korektif.", 8),
                letter: Some(letter("2026-12-01", None)),
                deadline: deadline(ClockKind::RecommendationDelivery, "2026-12-01", "2026-12-15", 14, DayUnit::Days),
            }),
            CHAIR,
        ),
        T::RecommendationDelivered => (
            EventData::RecommendationDelivered(RecommendationDelivered {
                received_on: date("2026-12-03"),
                deadline: deadline(ClockKind::SuperiorReport, "2026-12-03", "2027-02-01", 60, DayUnit::Days),
            }),
            RESMON,
        ),
        T::ImplementationReported => (
            EventData::ImplementationReported(ImplementationReported {
                report: ImplementationReport::Partial,
                letter: letter("2027-01-20", Some("2027-01-22")),
            }),
            RESMON,
        ),
        T::ImplementationAssessed => (
            EventData::ImplementationAssessed(ImplementationAssessed {
                assessment: Assessment::PartlyImplemented,
                reasons_acceptable: false,
                note: None,
            }),
            (Role::Member, "anggota.yeka"),
        ),
        T::Published => (EventData::Published(Noted { note: None }), CHAIR),
        T::ReportedToDprAndPresident => (
            EventData::ReportedToDprAndPresident(ReportedToDprAndPresident {
                letter: Some(letter("2027-02-10", None)),
                note: None,
            }),
            CHAIR,
        ),
        T::Closed => (
            EventData::Closed(Closed {
                reason: ClosureReason::SettledByMediation,
                pleno: None,
                ground: None,
                letter: Some(letter("2026-10-01", None)),
                deadline: Some(deadline(ClockKind::ClosureNotice, "2026-10-01", "2026-10-08", 7, DayUnit::Days)),
                note: Some(sealed("note", "Kesepakatan mediasi telah dilaksanakan.", 9)),
            }),
            HEAD,
        ),
        T::Reopened => (
            EventData::Reopened(Reopened {
                reason: sealed("reason", "Pelapor menyampaikan KTP-el belum diterima.", 10),
            }),
            HEAD,
        ),
        T::LetterReceived => (
            EventData::LetterReceived(LetterReceived {
                letter_of: 7,
                received_on: date("2026-09-08"),
                deadline: Some(deadline(ClockKind::Clarification, "2026-09-08", "2026-09-22", 14, DayUnit::Days)),
            }),
            INTAKE,
        ),
        T::NoteAdded => (
            EventData::NoteAdded(NoteAdded {
                note: sealed("note", "Pelapor dihubungi melalui telepon.", 11),
            }),
            INVESTIGATOR,
        ),
        T::ActionProposed => (
            EventData::ActionProposed(ActionProposed {
                action: ProposedAction::IssueLhp,
                clock: ClockKind::ReporterResponse,
                due_on: date("2026-10-22"),
            }),
            (Role::System, "system"),
        ),
        T::ProposalDismissed => (
            EventData::ProposalDismissed(ProposalDismissed {
                proposal: 20,
                reason: sealed("reason", "Pelapor menyampaikan tanggapan melalui telepon.", 30),
            }),
            UNIT_HEAD,
        ),
        T::PersonalDataErased => (
            EventData::PersonalDataErased(PersonalDataErased {
                key_id: key_id(),
                request_ref: "PDP/2027/014".into(),
            }),
            (Role::Dpo, "dpo.joko"),
        ),
        T::ErasureRequested => (
            EventData::ErasureRequested(ErasureRequest {
                request_ref: "PDP/2027/015".into(),
            }),
            (Role::Dpo, "dpo.joko"),
        ),
        T::ErasureApproved => (
            EventData::ErasureApproved(ErasureRequest {
                request_ref: "PDP/2027/015".into(),
            }),
            HEAD,
        ),
        T::ErasureRefused => (
            EventData::ErasureRefused(ErasureRefused {
                request_ref: "PDP/2027/016".into(),
                reason: sealed(
                    "reason",
                    "Pemeriksaan masih berjalan untuk kepentingan umum.",
                    12,
                ),
            }),
            HEAD,
        ),
    };
    (data, role, actor)
}

/// A complete recorded sample event of a type.
pub fn sample_event(event_type: EventType) -> RecordedEvent {
    let index = EventType::ALL
        .iter()
        .position(|t| *t == event_type)
        .unwrap() as u64;
    let (data, role, actor) = sample_data(event_type);
    let case_seq = if event_type == EventType::Reported {
        1
    } else {
        index + 2
    };
    RecordedEvent {
        meta: EventMeta {
            id: Uuid::from_u128(0x0193_5c6e_7d2b_7000_8000_0000_0000_0000 + u128::from(index)),
            case_seq,
            prev_hash: (case_seq > 1)
                .then(|| Sha256Hash::of(format!("event {}", case_seq - 1).as_bytes())),
            idempotency_key: IdempotencyKey::parse(&format!("fixture-{event_type}")).unwrap(),
            command_hash: Sha256Hash::of(format!("command {event_type}").as_bytes()),
            correlation_id: Uuid::from_u128(0x0193_5c6e_7d2a_7000_8000_0000_0000_00c0),
            causation_id: Uuid::from_u128(
                0x0193_5c6e_7d2a_7000_8000_0000_0000_0c00 + u128::from(index),
            ),
        },
        event: Event {
            case_id: case_id(),
            office: OfficeCode::parse("jawa-barat").unwrap(),
            at: Timestamp::parse("2026-09-01T03:04:05.123456Z").unwrap(),
            actor: ActorId::parse(actor).unwrap(),
            role,
            data,
        },
        upcast_from: None,
    }
}

pub fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn schemas_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas")
}

/// Whether tests should rewrite committed files instead of comparing (`OMBUD_BLESS=1`).
pub fn bless() -> bool {
    std::env::var_os("OMBUD_BLESS").is_some_and(|v| v == "1")
}

/// Runs a future that never waits on IO (the in-memory key store) to completion.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

/// Chains events as the event log would store them: positions 1..n, each naming the hash of
/// the one before, stream sequences 10, 20, 30...
pub fn store_chain(events: Vec<RecordedEvent>) -> Vec<ombud_envelope::StoredEvent> {
    let mut prev = None;
    events
        .into_iter()
        .enumerate()
        .map(|(i, mut rec)| {
            rec.meta.case_seq = i as u64 + 1;
            rec.meta.prev_hash = prev;
            let body = ombud_envelope::encode(&rec);
            let hash = Sha256Hash::of(&body);
            prev = Some(hash);
            ombud_envelope::StoredEvent {
                stream_seq: (i as u64 + 1) * 10,
                subject: rec.subject(),
                hash: Some(hash.to_hex()),
                mac: None,
                body,
            }
        })
        .collect()
}
