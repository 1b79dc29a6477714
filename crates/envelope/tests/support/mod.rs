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

/// The data of each event type, as a realistic Tasikmalaya case would record it.
pub fn sample_data(event_type: EventType) -> (EventData, Role, &'static str) {
    use EventType as T;
    match event_type {
        T::Reported => (
            EventData::Reported(Box::new(Reported {
                office: OfficeCode::parse("jawa-barat").unwrap(),
                reference: CaseReference::derive(&OfficeCode::parse("jawa-barat").unwrap(), 2026, case_id()),
                channel: Channel::WalkIn,
                external_ref: None,
                track: Track::Regular,
                reporter: Some(ReporterData {
                    confidential: true,
                    identity: sealed("reporter.identity", REPORTER_JSON, 1),
                }),
                respondent: Respondent {
                    agency_code: AgencyCode::parse("disdukcapil-kota-tasikmalaya").unwrap(),
                    agency_name: "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya".into(),
                    unit: Some("Layanan KTP-el".into()),
                    superior: Some("Wali Kota Tasikmalaya".into()),
                },
                forms: vec![FormCode::parse("undue_delay").unwrap()],
                taxonomy_version: "2026.1".into(),
                incident_date: Some(date("2026-06-15")),
                prior_complaint: true,
                summary: sealed(
                    "summary",
                    "KTP-el pelapor belum dicetak sejak Juni 2026 meskipun sudah melakukan perekaman.",
                    2,
                ),
                incident_age_warning: false,
            })),
            Role::Intake,
            "pvl.rina",
        ),
        T::CompletionRequested => (
            EventData::CompletionRequested(CompletionRequested {
                missing: sealed("missing", "Salinan bukti pengaduan kepada Disdukcapil.", 3),
                deadline: deadline(ClockKind::Completion, "2026-09-01", "2026-10-01", 30, DayUnit::Days),
            }),
            Role::Intake,
            "pvl.rina",
        ),
        T::Completed => (
            EventData::Completed(Completed { note: Some(sealed("note", "Bukti pengaduan diterima.", 4)) }),
            Role::Intake,
            "pvl.rina",
        ),
        T::Accepted => (
            EventData::Accepted(Accepted {
                unit: UnitCode::parse("riksa-1").unwrap(),
                assignee: ActorId::parse("riksa.siti").unwrap(),
            }),
            Role::Supervisor,
            "kepala.budi",
        ),
        T::Assigned => (
            EventData::Assigned(Assigned {
                assignee: ActorId::parse("riksa.agus").unwrap(),
                unit: None,
            }),
            Role::Supervisor,
            "kepala.budi",
        ),
        T::ClarificationRequested => (
            EventData::ClarificationRequested(ClarificationRequested {
                round: 1,
                addressee: Addressee::Respondent,
                letter_number: "B/123/PW.13/IX/2026".into(),
                deadline: deadline(ClockKind::Clarification, "2026-09-07", "2026-09-21", 14, DayUnit::Days),
            }),
            Role::Investigator,
            "riksa.siti",
        ),
        T::ClarificationAnswered => (
            EventData::ClarificationAnswered(ClarificationAnswered { round: 1, note: None }),
            Role::Investigator,
            "riksa.siti",
        ),
        T::Escalated => (
            EventData::Escalated(Escalated {
                kind: EscalationKind::ToSuperior,
                reason: sealed("reason", "Klarifikasi tidak dijawab dalam 14 hari.", 5),
                target: Some("Wali Kota Tasikmalaya".into()),
            }),
            Role::Investigator,
            "riksa.siti",
        ),
        T::MediationStarted => (
            EventData::MediationStarted(MediationStarted { note: None }),
            Role::Investigator,
            "riksa.siti",
        ),
        T::Mediated => (
            EventData::Mediated(Mediated {
                outcome: MediationOutcome::Agreed,
                terms: Some(sealed("terms", "KTP-el dicetak dan diserahkan paling lambat 7 hari.", 6)),
            }),
            Role::Investigator,
            "riksa.siti",
        ),
        T::Concluded => (
            EventData::Concluded(Concluded {
                finding: Finding::Found,
                corrective_actions: Some(sealed(
                    "corrective_actions",
                    r#"["Mencetak KTP-el pelapor","Menyusun SOP antrean pencetakan"]"#,
                    7,
                )),
                deadline: Some(deadline(
                    ClockKind::CorrectiveAction,
                    "2026-10-01",
                    "2026-11-12",
                    30,
                    DayUnit::WorkingDays,
                )),
            }),
            Role::Investigator,
            "riksa.siti",
        ),
        T::RecommendationIssued => (
            EventData::RecommendationIssued(RecommendationIssued {
                addressee: "Wali Kota Tasikmalaya".into(),
                content: sealed("content", "Memerintahkan Kepala Disdukcapil melaksanakan tindakan korektif.", 8),
                deadline: deadline(ClockKind::Recommendation, "2026-12-01", "2027-01-30", 60, DayUnit::Days),
            }),
            Role::Chair,
            "ketua.ani",
        ),
        T::Closed => (
            EventData::Closed(Closed {
                reason: ClosureReason::SettledByMediation,
                note: Some(sealed("note", "Kesepakatan mediasi telah dilaksanakan.", 9)),
            }),
            Role::Investigator,
            "riksa.siti",
        ),
        T::Reopened => (
            EventData::Reopened(Reopened {
                reason: sealed("reason", "Pelapor menyampaikan KTP-el belum diterima.", 10),
            }),
            Role::Supervisor,
            "kepala.budi",
        ),
        T::NoteAdded => (
            EventData::NoteAdded(NoteAdded {
                note: sealed("note", "Pelapor dihubungi melalui telepon.", 11),
            }),
            Role::Investigator,
            "riksa.siti",
        ),
        T::PersonalDataErased => (
            EventData::PersonalDataErased(PersonalDataErased {
                key_id: key_id(),
                request_ref: "PDP/2027/014".into(),
            }),
            Role::Dpo,
            "dpo.joko",
        ),
        T::ErasureRequested => (
            EventData::ErasureRequested(ErasureRequested {
                request_ref: "PDP/2027/015".into(),
            }),
            Role::Dpo,
            "dpo.joko",
        ),
        T::ErasureApproved => (
            EventData::ErasureApproved(ErasureApproved {
                request_ref: "PDP/2027/015".into(),
            }),
            Role::Supervisor,
            "kepala.budi",
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
            Role::Supervisor,
            "kepala.budi",
        ),
    }
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
