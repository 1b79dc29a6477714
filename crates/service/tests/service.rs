//! The use cases against a real event log (a fresh nats-server with JetStream, and the
//! embedded log) with real read models: idempotent retries, races with and without
//! `If-Match`, refusals that write nothing, sealing, office scope, audit.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use ombud_domain::*;
use ombud_envelope::{MasterKey, MemoryKeyStore, Vault};
use ombud_eventlog::jetstream::{JetStreamBackend, JetStreamConfig};
use ombud_eventlog::{Backend, EventLog};
use ombud_projection::{ProjectionConfig, ReadModels};
use ombud_service::input::*;
use ombud_service::{CommandInput, CommandRequest, Service, ServiceError};
use ombud_testkit::{NatsServer, TempDir};
use tokio::sync::watch;

type Svc<B> = Arc<Service<B, MemoryKeyStore>>;

/// The access log and person index of these tests: real sled stores in the test's directory.
fn privacy(dir: &TempDir) -> ombud_service::Privacy {
    use ombud_eventlog::embedded::{
        EmbeddedBackend, EmbeddedConfig, SledAccessLog, SledPersonIndex,
    };
    let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path().join("privacy"))).unwrap();
    ombud_service::Privacy {
        access_log: Arc::new(SledAccessLog::open(&backend).unwrap()),
        persons: Arc::new(SledPersonIndex::open(&backend).unwrap()),
        blind_key: ombud_envelope::BlindKey::generate(),
    }
}

fn service<B: Backend>(log: Arc<EventLog<B>>, dir: &TempDir) -> (Svc<B>, watch::Sender<bool>) {
    let models = ReadModels::open(&dir.path().join("views"), ProjectionConfig::default()).unwrap();
    let (stop, shutdown) = watch::channel(false);
    models.spawn(log.clone(), shutdown);
    let vault = Arc::new(Vault::new(MasterKey::generate(), MemoryKeyStore::new()));
    let at = Timestamp::parse("2026-09-01T02:00:00Z").unwrap();
    let service = Service::new(
        log,
        vault,
        Arc::new(Rules::default()),
        models,
        Arc::new(move || at),
        privacy(dir),
    );
    (Arc::new(service), stop)
}

macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod on_jetstream {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let server = ombud_testkit::NatsServer::start().unwrap();
                    let dir = ombud_testkit::TempDir::new("service").unwrap();
                    let log = super::jetstream(&server).await;
                    let (svc, _stop) = super::service(log, &dir);
                    super::$test(svc).await;
                }
            )+
        }
        mod on_embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let dir = ombud_testkit::TempDir::new("service").unwrap();
                    let backend = ombud_eventlog::embedded::EmbeddedBackend::open(
                        &ombud_eventlog::embedded::EmbeddedConfig::new(dir.path().join("log")),
                    )
                    .unwrap();
                    let log = std::sync::Arc::new(ombud_eventlog::EventLog::new(std::sync::Arc::new(backend), ombud_envelope::WriteKeys::generate()));
                    let (svc, _stop) = super::service(log, &dir);
                    super::$test(svc).await;
                }
            )+
        }
    };
}

async fn jetstream(server: &NatsServer) -> Arc<EventLog<Arc<JetStreamBackend>>> {
    let mut config = JetStreamConfig::new(server.url());
    config.request_timeout = Duration::from_secs(5);
    Arc::new(EventLog::new(
        Arc::new(JetStreamBackend::connect(config).await.unwrap().0),
        ombud_envelope::WriteKeys::generate(),
    ))
}

on_both_backends!(
    a_retried_report_returns_the_first_answer_and_records_once,
    a_retry_after_the_case_moved_on_still_gets_its_first_answer,
    a_key_reused_for_another_command_is_refused,
    concurrent_commands_without_if_match_are_all_recorded,
    concurrent_commands_with_the_same_if_match_let_exactly_one_through,
    refusals_write_nothing,
    personal_data_is_sealed_in_the_log_and_opened_for_the_case_file,
    another_office_sees_nothing_and_auditors_read_but_never_write,
    a_retried_key_is_answered_only_to_someone_who_may_act,
    a_sealed_field_opens_only_under_its_own_cases_key,
);

fn actor(role: Role, office: &str) -> Actor {
    ombud_testkit::people::actor(role, office)
}

fn key(text: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey::parse(text).unwrap())
}

fn report_input() -> CommandInput {
    CommandInput::parse(
        "report",
        br#"{"office":"jawa-barat","channel":"walk_in",
             "reporter":{"name":"Asep Saepudin","nik":"3278010101800001","confidential":true},
             "respondent":{"agency_code":"disdukcapil-kota-tasikmalaya",
                           "agency_name":"Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya"},
             "forms":["undue_delay"],"prior_complaint":true,
             "summary":"KTP-el tidak kunjung terbit setelah tiga bulan."}"#,
    )
    .unwrap()
}

fn request(
    case_id: Option<CaseId>,
    who: Actor,
    k: Option<IdempotencyKey>,
    input: CommandInput,
) -> CommandRequest {
    CommandRequest {
        case_id,
        actor: who,
        idempotency_key: k,
        if_match: None,
        correlation_id: None,
        at: None,
        input,
    }
}

async fn reported<B: Backend>(svc: &Svc<B>) -> CaseId {
    svc.execute(request(
        None,
        actor(Role::Intake, "jawa-barat"),
        None,
        report_input(),
    ))
    .await
    .unwrap()
    .case_id
}

fn note(text: &str) -> CommandInput {
    CommandInput::AddNote(AddNoteInput { note: text.into() })
}

fn accept() -> CommandInput {
    CommandInput::parse(
        "accept",
        br#"{"pleno":{"number":"PLENO/2026/1","date":"2026-09-01"},"unit":"riksa-1","assignee":"riksa.siti"}"#,
    )
    .unwrap()
}

/// A report whose formal and material checks passed (3 events): ready to be accepted.
async fn verified<B: Backend>(svc: &Svc<B>) -> CaseId {
    let case = reported(svc).await;
    for stage in ["formal", "material"] {
        let input = CommandInput::parse(
            "record-verification",
            format!(r#"{{"stage":"{stage}","passed":true}}"#).as_bytes(),
        )
        .unwrap();
        svc.execute(request(
            Some(case),
            actor(Role::Intake, "jawa-barat"),
            None,
            input,
        ))
        .await
        .unwrap();
    }
    case
}

async fn a_retried_report_returns_the_first_answer_and_records_once<B: Backend>(svc: Svc<B>) {
    let intake = actor(Role::Intake, "jawa-barat");
    let first = svc
        .execute(request(
            None,
            intake.clone(),
            key("report-1"),
            report_input(),
        ))
        .await
        .unwrap();
    let again = svc
        .execute(request(None, intake, key("report-1"), report_input()))
        .await
        .unwrap();
    assert_eq!(again.case_id, first.case_id);
    assert_eq!((again.seq, again.event_id), (first.seq, first.event_id));
    assert!(again.replayed && !first.replayed);
    assert!(first.reference.is_some());
    assert_eq!(svc.log().read_case(first.case_id).await.unwrap().len(), 1);
    assert_eq!(svc.log().head().await.unwrap(), first.seq);
}

async fn a_retry_after_the_case_moved_on_still_gets_its_first_answer<B: Backend>(svc: Svc<B>) {
    let case = verified(&svc).await;
    let boss = actor(Role::OfficeHead, "jawa-barat");
    let first = svc
        .execute(request(Some(case), boss.clone(), key("accept-1"), accept()))
        .await
        .unwrap();
    svc.execute(request(
        Some(case),
        actor(Role::Investigator, "jawa-barat"),
        None,
        note("n"),
    ))
    .await
    .unwrap();
    // Accepting again would be refused now (the case is under examination): the retry must
    // still get the original answer.
    let again = svc
        .execute(request(Some(case), boss, key("accept-1"), accept()))
        .await
        .unwrap();
    assert_eq!((again.seq, again.case_seq), (first.seq, first.case_seq));
    assert!(again.replayed);
    assert_eq!(svc.log().read_case(case).await.unwrap().len(), 5);
}

async fn a_key_reused_for_another_command_is_refused<B: Backend>(svc: Svc<B>) {
    let case = reported(&svc).await;
    let who = actor(Role::Investigator, "jawa-barat");
    svc.execute(request(
        Some(case),
        who.clone(),
        key("k-1"),
        note("pertama"),
    ))
    .await
    .unwrap();
    let err = svc
        .execute(request(Some(case), who, key("k-1"), note("kedua")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::IdempotencyKeyReused { .. }),
        "{err}"
    );
    assert_eq!(svc.log().read_case(case).await.unwrap().len(), 2);
}

async fn concurrent_commands_without_if_match_are_all_recorded<B: Backend>(svc: Svc<B>) {
    let case = reported(&svc).await;
    let who = actor(Role::Investigator, "jawa-barat");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (svc, who) = (svc.clone(), who.clone());
            tokio::spawn(async move {
                svc.execute(request(
                    Some(case),
                    who,
                    None,
                    note(&format!("catatan {i}")),
                ))
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 20, "every legal command is recorded");
    let verified = svc.verify(&who, case).await.unwrap();
    assert_eq!(verified.events, 21, "and the chain verifies");
}

async fn concurrent_commands_with_the_same_if_match_let_exactly_one_through<B: Backend>(
    svc: Svc<B>,
) {
    let case = verified(&svc).await;
    let boss = actor(Role::OfficeHead, "jawa-barat");
    svc.execute(request(Some(case), boss.clone(), None, accept()))
        .await
        .unwrap();
    let investigator = actor(Role::Investigator, "jawa-barat");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (svc, who) = (svc.clone(), investigator.clone());
            tokio::spawn(async move {
                let input = CommandInput::parse(
                    "request-clarification",
                    br#"{"addressee":"superior","letter":{"via":"post","number":"B/1/PW.13/2026","date":"2026-09-01"}}"#,
                )
                .unwrap();
                let mut req = request(Some(case), who, None, input);
                req.if_match = Some(4);
                svc.execute(req).await
            })
        })
        .collect();
    let (mut ok, mut conflicts) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(ServiceError::Conflict {
                expected: 4,
                actual: 5,
                ..
            }) => conflicts += 1,
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 19));
    assert_eq!(svc.verify(&boss, case).await.unwrap().events, 5);
}

async fn refusals_write_nothing<B: Backend>(svc: Svc<B>) {
    let case = reported(&svc).await;
    let head = svc.log().head().await.unwrap();
    // Wrong role, invalid transition, stale If-Match, bad input.
    let auditor = actor(Role::Auditor, "jawa-barat");
    let err = svc
        .execute(request(Some(case), auditor, None, note("x")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::Refused(DomainError::NotPermitted { .. })),
        "{err}"
    );
    let inv = actor(Role::Investigator, "jawa-barat");
    let conclude = CommandInput::parse(
        "propose-conclusion",
        br#"{"conclusion":{"finding":"not_found"}}"#,
    )
    .unwrap();
    let err = svc
        .execute(request(Some(case), inv.clone(), None, conclude))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Refused(_)), "{err}");
    let mut stale = request(Some(case), inv.clone(), None, note("x"));
    stale.if_match = Some(7);
    assert!(matches!(
        svc.execute(stale).await.unwrap_err(),
        ServiceError::Conflict { actual: 1, .. }
    ));
    assert!(matches!(
        CommandInput::parse("notes", br#"{"note":"x","confidental":true}"#).unwrap_err(),
        ServiceError::Invalid(_)
    ));
    assert!(matches!(
        CommandInput::parse("close", br#"{"reason":"no_such_reason"}"#).unwrap_err(),
        ServiceError::Invalid(_)
    ));
    let unknown = CaseId::from_uuid(uuid::Uuid::now_v7());
    let err = svc
        .execute(request(Some(unknown), inv, None, note("x")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::Refused(DomainError::NoSuchCase)),
        "{err}"
    );
    assert_eq!(svc.log().head().await.unwrap(), head, "nothing was written");
}

async fn personal_data_is_sealed_in_the_log_and_opened_for_the_case_file<B: Backend>(svc: Svc<B>) {
    let intake = actor(Role::Intake, "jawa-barat");
    let outcome = svc
        .execute(request(None, intake.clone(), None, report_input()))
        .await
        .unwrap();
    for event in svc.log().read_case(outcome.case_id).await.unwrap() {
        let body = ombud_envelope::encode(&event.recorded);
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("Asep")
                && !text.contains("3278010101800001")
                && !text.contains("KTP-el")
        );
    }
    let (file, case_seq) = svc
        .case_file(&intake, outcome.case_id, Some(outcome.seq), "test")
        .await
        .unwrap();
    assert_eq!(case_seq, 1);
    // A confidential reporter: not even intake sees who it is; the DPO does.
    assert_eq!(file["reporter"]["identity"]["redacted"], "confidential");
    assert_eq!(file["reporter"]["confidential"], true);
    let dpo = actor(Role::Dpo, "jawa-barat");
    let (file, _) = svc
        .case_file(&dpo, outcome.case_id, None, "test")
        .await
        .unwrap();
    assert_eq!(file["reporter"]["identity"]["name"], "Asep Saepudin");
    assert_eq!(file["reporter"]["identity"]["nik"], "3278010101800001");
}

async fn another_office_sees_nothing_and_auditors_read_but_never_write<B: Backend>(svc: Svc<B>) {
    let case = reported(&svc).await;
    let seq = svc.log().head().await.unwrap();
    let elsewhere = actor(Role::Investigator, "jakarta-raya");
    assert!(matches!(
        svc.case_file(&elsewhere, case, Some(seq), "test")
            .await
            .unwrap_err(),
        ServiceError::NotFound(_)
    ));
    assert!(matches!(
        svc.verify(&elsewhere, case).await.unwrap_err(),
        ServiceError::NotFound(_)
    ));
    let query = ombud_service::queries::ListQuery {
        filter: Default::default(),
        order: Default::default(),
        cursor: None,
        limit: 50,
        today: chrono::NaiveDate::from_ymd_opt(2026, 9, 2).unwrap(),
        min_seq: Some(seq),
    };
    let page = svc.list_cases(&elsewhere, query.clone()).await.unwrap();
    let chair = actor(Role::Chair, "pusat");
    assert_eq!(svc.list_cases(&chair, query).await.unwrap().items.len(), 1);
    assert!(page.items.is_empty());
    let err = svc
        .execute(request(Some(case), elsewhere, None, note("x")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::NotFound(c) if c == case),
        "{err}"
    );

    let auditor = actor(Role::Auditor, "pusat");
    assert!(svc
        .case_file(&auditor, case, Some(seq), "test")
        .await
        .is_ok());
    assert_eq!(svc.verify(&auditor, case).await.unwrap().events, 1);
    let trail = svc.trail(&auditor, case, None).await.unwrap();
    assert_eq!(trail.events.len(), 1);
}

/// Who may act is checked before a retried key is answered: an auditor or another office
/// presenting the key of a recorded command gets the refusal a fresh command would (another
/// office: the case reads as absent), never the original receipt; and a report's case id
/// depends on the office, so another office's report under the same key opens its own case
/// instead of answering with the first office's.
async fn a_retried_key_is_answered_only_to_someone_who_may_act<B: Backend>(svc: Svc<B>) {
    let case = reported(&svc).await;
    let boss = actor(Role::OfficeHead, "jawa-barat");
    let first = svc
        .execute(request(
            Some(case),
            boss.clone(),
            key("note-7"),
            note("catatan"),
        ))
        .await
        .unwrap();
    let again = svc
        .execute(request(Some(case), boss, key("note-7"), note("catatan")))
        .await
        .unwrap();
    assert!(again.replayed, "the same actor's retry gets its receipt");

    let auditor = actor(Role::Auditor, "jawa-barat");
    let refused = svc
        .execute(request(Some(case), auditor, key("note-7"), note("catatan")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            ServiceError::Refused(DomainError::NotPermitted { .. })
        ),
        "{refused}"
    );
    let other = actor(Role::OfficeHead, "jakarta-raya");
    let refused = svc
        .execute(request(Some(case), other, key("note-7"), note("catatan")))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ServiceError::NotFound(c) if c == case),
        "{refused}"
    );
    assert!(!refused.to_string().contains("jawa-barat"), "{refused}");
    assert_eq!(svc.log().read_case(case).await.unwrap().len(), 2);
    assert_eq!(first.seq, again.seq);

    // A transfer's own retry, after the case left the supervisor's office, still gets its
    // answer; another supervisor of the old office does not.
    let transfer = || {
        CommandInput::parse(
            "transfer",
            br#"{"to_office":"jakarta-raya","reason":"wilayah kerja Jakarta"}"#,
        )
        .unwrap()
    };
    let boss = actor(Role::OfficeHead, "jawa-barat");
    let moved = svc
        .execute(request(Some(case), boss.clone(), key("move-1"), transfer()))
        .await
        .unwrap();
    let again = svc
        .execute(request(Some(case), boss, key("move-1"), transfer()))
        .await
        .unwrap();
    assert!(again.replayed && again.seq == moved.seq, "{again:?}");
    let colleague = Actor {
        id: ActorId::parse("kepala.lain").unwrap(),
        ..actor(Role::OfficeHead, "jawa-barat")
    };
    let refused = svc
        .execute(request(Some(case), colleague, key("move-1"), transfer()))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ServiceError::NotFound(c) if c == case),
        "{refused}"
    );

    // The same report key in two offices: two cases, neither answered with the other's.
    let jabar = svc
        .execute(request(
            None,
            actor(Role::Intake, "jawa-barat"),
            key("lapor-1"),
            report_input(),
        ))
        .await
        .unwrap();
    let jakarta_input = CommandInput::parse(
        "report",
        br#"{"office":"jakarta-raya","channel":"walk_in",
             "reporter":{"name":"Budi Santoso","confidential":false},
             "respondent":{"agency_code":"rsud-tarakan","agency_name":"RSUD Tarakan"},
             "forms":["undue_delay"],"prior_complaint":false,
             "summary":"Diminta biaya tidak resmi."}"#,
    )
    .unwrap();
    let jakarta = svc
        .execute(request(
            None,
            actor(Role::Intake, "jakarta-raya"),
            key("lapor-1"),
            jakarta_input,
        ))
        .await
        .unwrap();
    assert_ne!(jabar.case_id, jakarta.case_id);
    assert!(!jakarta.replayed);
    // ...and nobody can compute either id from the key.
    assert_ne!(
        jabar.case_id,
        CaseId::for_idempotency_key(&IdempotencyKey::parse("lapor-1").unwrap())
    );
}

/// A `reported` event of one case that carries another case's sealed fields (written past
/// the domain, under ombud's own mark, as a bug or a stolen key would) never shows the other
/// case's person: fields open only under their own case's key.
async fn a_sealed_field_opens_only_under_its_own_cases_key<B: Backend>(svc: Svc<B>) {
    let original = reported(&svc).await;
    let mut copied = svc.log().read_case(original).await.unwrap()[0]
        .recorded
        .event
        .clone();
    let other = CaseId::from_uuid(uuid::Uuid::now_v7());
    copied.case_id = other;
    let receipt = svc
        .log()
        .append(ombud_eventlog::Append {
            event: copied,
            expected: 0,
            idempotency_key: IdempotencyKey::parse("copied").unwrap(),
            command_hash: ombud_envelope::Sha256Hash::of(b"copied"),
            correlation_id: None,
            causation_id: uuid::Uuid::now_v7(),
        })
        .await
        .unwrap();
    let dpo = actor(Role::Dpo, "jawa-barat");
    let (file, _) = svc
        .case_file(&dpo, other, Some(receipt.stream_seq), "test")
        .await
        .unwrap();
    let text = file.to_string();
    assert!(!text.contains("Asep"), "{text}");
    assert!(
        file["reporter"]["identity"]["withheld"]
            .as_str()
            .is_some_and(|w| w.contains("another case")),
        "{file}"
    );
    // The genuine case still opens for the DPO.
    let (file, _) = svc.case_file(&dpo, original, None, "test").await.unwrap();
    assert_eq!(file["reporter"]["identity"]["name"], "Asep Saepudin");
}
