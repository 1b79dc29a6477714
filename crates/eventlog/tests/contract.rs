//! The event log contract, run against both backends: a real nats-server (started per test on
//! a free loopback port with its own store) and a real sled database on disk. Each contract
//! function is generic over the backend; the macro at the bottom instantiates it twice.
//! Backend-specific behaviour (server restarts, stream setup, index repair) follows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use ombud_domain::event::{NoteAdded, Reported, ReporterData, Respondent};
use ombud_domain::sealed::Bytes;
use ombud_domain::*;
use ombud_envelope::{verify_chain, MasterKey, Sha256Hash, StoredEvent, Unsealed, Vault};
use ombud_eventlog::embedded::{EmbeddedBackend, EmbeddedConfig, SledKeyStore};
use ombud_eventlog::jetstream::{JetStreamBackend, JetStreamConfig, KvKeyStore, StreamSetup};
use ombud_eventlog::{Append, AsOf, Backend, EventLog, LogError};
use ombud_testkit::{NatsServer, TempDir};
use uuid::Uuid;

// ---- fixtures ------------------------------------------------------------------------------

/// The write keys of every log in these tests (logs reopened on one store share them, as
/// the processes of a deployment do).
fn keys() -> ombud_envelope::WriteKeys {
    ombud_envelope::WriteKeys::new(vec![
        ombud_envelope::WriteKey::new("local", [42; 32]).unwrap()
    ])
    .unwrap()
}

fn new_case() -> CaseId {
    CaseId::from_uuid(Uuid::now_v7())
}

fn sealed(case_id: CaseId, len: usize) -> Sealed {
    Sealed {
        key_id: KeyId::for_case(case_id),
        nonce: Bytes(vec![7; 24]),
        ciphertext: Bytes(vec![9; len]),
    }
}

fn at(minutes: i64) -> Timestamp {
    let base = Timestamp::parse("2026-09-01T02:00:00Z").unwrap();
    Timestamp::from_datetime(base.as_datetime() + chrono::Duration::minutes(minutes))
}

fn event(case_id: CaseId, minutes: i64, data: EventData) -> Event {
    Event {
        case_id,
        office: OfficeCode::parse("jawa-barat").unwrap(),
        at: at(minutes),
        actor: ActorId::parse("pvl.rina").unwrap(),
        role: Role::Intake,
        data,
    }
}

fn reported_with(case_id: CaseId, summary: Sealed) -> Event {
    event(
        case_id,
        0,
        EventData::Reported(Box::new(Reported {
            office: OfficeCode::parse("jawa-barat").unwrap(),
            reference: CaseReference::derive(
                &OfficeCode::parse("jawa-barat").unwrap(),
                2026,
                case_id,
            ),
            channel: Channel::WalkIn,
            external_ref: None,
            track: Track::Regular,
            received_on: None,
            reporter: Some(ReporterData {
                confidential: false,
                identity: sealed(case_id, 40),
            }),
            respondent: Some(Respondent {
                agency_code: AgencyCode::parse("bapenda-kota-tasikmalaya").unwrap(),
                agency_name: "Badan Pendapatan Daerah Kota Tasikmalaya".into(),
                unit: None,
                superior: None,
            }),
            forms: vec![FormCode::parse("undue_delay").unwrap()],
            taxonomy_version: "2026.1".into(),
            incident_date: None,
            prior_complaint: true,
            summary,
            incident_age_warning: false,
            criteria: Vec::new(),
            decision: None,
            deadline: None,
        })),
    )
}

fn reported(case_id: CaseId) -> Event {
    reported_with(case_id, sealed(case_id, 64))
}

fn note(case_id: CaseId, minutes: i64) -> Event {
    event(
        case_id,
        minutes,
        EventData::NoteAdded(NoteAdded {
            note: sealed(case_id, 16),
        }),
    )
}

fn append(event: Event, expected: u64, key: &str) -> Append {
    Append {
        event,
        expected,
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
        command_hash: Sha256Hash::of(key.as_bytes()),
        correlation_id: None,
        causation_id: Uuid::now_v7(),
    }
}

/// Appends a report and `notes` notes; returns the case.
async fn seed<B: Backend>(log: &EventLog<B>, notes: u64) -> CaseId {
    let case = new_case();
    log.append(append(reported(case), 0, &format!("r-{case}")))
        .await
        .unwrap();
    for i in 0..notes {
        log.append(append(
            note(case, i as i64 + 1),
            i + 1,
            &format!("n-{case}-{i}"),
        ))
        .await
        .unwrap();
    }
    case
}

async fn raw_case<B: Backend>(log: &EventLog<B>, case: CaseId) -> Vec<StoredEvent> {
    log.backend().read_case(case, 0).await.unwrap()
}

// ---- the contract --------------------------------------------------------------------------

async fn appended_events_read_back_verified_and_in_order<B: Backend>(log: Arc<EventLog<B>>) {
    let case = seed(&log, 4).await;
    let events = log.read_case(case).await.unwrap();
    assert_eq!(events.len(), 5);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.recorded.meta.case_seq, i as u64 + 1);
        assert_eq!(e.recorded.event.case_id, case);
    }
    assert!(events.windows(2).all(|w| w[0].stream_seq < w[1].stream_seq));
    assert_eq!(events[1].recorded.meta.prev_hash, Some(events[0].hash));
    let head = verify_chain(case, &raw_case(&log, case).await).unwrap();
    assert_eq!(head.case_seq, 5);
    let loaded = log.load(case).await.unwrap();
    assert_eq!(loaded.state.status, Status::Received);
    assert_eq!(loaded.state.version, 5);
    assert_eq!(log.head().await.unwrap(), events[4].stream_seq);
    let unknown = log.load(new_case()).await.unwrap();
    assert_eq!(unknown.state.status, Status::Unreported);
}

async fn concurrent_appends_at_one_position_give_one_success_and_conflicts<B: Backend>(
    log: Arc<EventLog<B>>,
) {
    let case = seed(&log, 2).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let log = log.clone();
            tokio::spawn(async move {
                log.append(append(note(case, 10 + i), 3, &format!("c-{case}-{i}")))
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(receipt) => {
                assert_eq!(receipt.case_seq, 4);
                ok += 1;
            }
            Err(LogError::Conflict {
                expected, actual, ..
            }) => {
                assert_eq!((expected, actual), (3, 4));
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 1, "exactly one append wins");
    let stored = raw_case(&log, case).await;
    assert_eq!(stored.len(), 4);
    assert_eq!(verify_chain(case, &stored).unwrap().case_seq, 4);
}

async fn a_retried_append_returns_the_original_and_records_once<B: Backend + Clone>(
    log: Arc<EventLog<B>>,
) {
    let case = seed(&log, 1).await;
    // A second log over the same backend loads the case now, then goes stale: a retry through
    // it is decided on old state, as after a lost response.
    let stale = EventLog::new(log.backend().clone(), keys());
    stale.load(case).await.unwrap();
    let first = log
        .append(append(note(case, 5), 2, "retry-me"))
        .await
        .unwrap();
    assert!(!first.replayed);
    // Warm retry (same process, key in the cached history).
    let warm = log
        .append(append(note(case, 5), 2, "retry-me"))
        .await
        .unwrap();
    // Stale retry (publishes, meets the concurrency check or the dedupe window, catches up).
    let cold = stale
        .append(append(note(case, 5), 2, "retry-me"))
        .await
        .unwrap();
    for again in [warm, cold] {
        assert!(again.replayed);
        assert_eq!(
            (again.stream_seq, again.case_seq, again.event_id),
            (first.stream_seq, first.case_seq, first.event_id)
        );
    }
    // The same key with another command is refused, on both.
    let mut other = append(note(case, 6), 3, "retry-me");
    other.command_hash = Sha256Hash::of(b"a different command");
    for l in [&*log, &stale] {
        assert!(matches!(
            l.append(other.clone()).await,
            Err(LogError::IdempotencyKeyReused { original_seq, .. }) if original_seq == first.stream_seq
        ));
    }
    assert_eq!(raw_case(&log, case).await.len(), 3, "one event per command");
}

async fn a_retried_report_never_opens_a_second_case<B: Backend + Clone>(log: Arc<EventLog<B>>) {
    let key = IdempotencyKey::parse(&format!("report-{}", Uuid::now_v7())).unwrap();
    let case = CaseId::for_idempotency_key(&key);
    let stale = EventLog::new(log.backend().clone(), keys());
    stale.load(case).await.unwrap();
    let first = log
        .append(append(reported(case), 0, key.as_str()))
        .await
        .unwrap();
    let retry = stale
        .append(append(reported(case), 0, key.as_str()))
        .await
        .unwrap();
    assert!(retry.replayed);
    assert_eq!(retry.stream_seq, first.stream_seq);
    assert_eq!(CaseId::for_idempotency_key(&key), case);
    assert_eq!(raw_case(&log, case).await.len(), 1);
}

async fn a_stale_position_is_a_conflict_naming_the_actual_one<B: Backend + Clone>(
    log: Arc<EventLog<B>>,
) {
    let case = seed(&log, 0).await;
    let stale = EventLog::new(log.backend().clone(), keys());
    assert_eq!(stale.load(case).await.unwrap().head.case_seq, 1);
    log.append(append(note(case, 1), 1, "a")).await.unwrap();
    log.append(append(note(case, 2), 2, "b")).await.unwrap();
    // The warm copy is stale until an append proves it so...
    assert_eq!(stale.load(case).await.unwrap().head.case_seq, 1);
    assert_eq!(
        stale.append(append(note(case, 3), 1, "c")).await,
        Err(LogError::Conflict {
            case,
            expected: 1,
            actual: 3
        })
    );
    // ...after which it has caught up.
    assert_eq!(stale.load(case).await.unwrap().head.case_seq, 3);
    // Asking for a position beyond the case is a conflict too.
    assert!(matches!(
        log.append(append(note(case, 4), 9, "d")).await,
        Err(LogError::Conflict {
            expected: 9,
            actual: 3,
            ..
        })
    ));
}

async fn a_case_can_be_read_as_of_a_sequence_or_a_time<B: Backend>(log: Arc<EventLog<B>>) {
    let case = seed(&log, 3).await;
    let all = log.read_case(case).await.unwrap();
    let (events, state) = log
        .read_case_as_of(case, AsOf::Seq(all[1].stream_seq))
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(state.version, 2);
    let (events, _) = log.read_case_as_of(case, AsOf::Time(at(2))).await.unwrap();
    assert_eq!(events.len(), 3, "report at 0, notes at 1 and 2");
    let (events, state) = log.read_case_as_of(case, AsOf::Time(at(-1))).await.unwrap();
    assert!(events.is_empty());
    assert_eq!(state.status, Status::Unreported);
}

async fn a_subscription_delivers_everything_after_s_once_and_in_order<B: Backend>(
    log: Arc<EventLog<B>>,
) {
    let mut last = 0;
    for _ in 0..3 {
        let case = seed(&log, 3).await;
        last = log
            .read_case(case)
            .await
            .unwrap()
            .last()
            .unwrap()
            .stream_seq;
    }
    let start = log.head().await.unwrap() - 12; // 12 events were appended above
    let from = start + 5;
    let mut sub = log.subscribe(from).await.unwrap();
    let mut seen = Vec::new();
    while seen.last() != Some(&last) {
        let event = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push(event.stream_seq);
    }
    assert_eq!(seen, ((from + 1)..=last).collect::<Vec<_>>());
    // Live: new events arrive without polling.
    let case = seed(&log, 1).await;
    let expected = log.read_case(case).await.unwrap();
    for e in expected {
        let got = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(got.stream_seq, e.stream_seq);
        assert_eq!(Sha256Hash::of(&got.body), e.hash);
    }
}

async fn an_oversized_event_is_refused_and_writes_nothing<B: Backend>(log: Arc<EventLog<B>>) {
    let case = new_case();
    let head = log.head().await.unwrap();
    let huge = reported_with(case, sealed(case, 2 * 1024 * 1024));
    assert!(matches!(
        log.append(append(huge, 0, "huge")).await,
        Err(LogError::TooLarge { .. })
    ));
    assert_eq!(log.head().await.unwrap(), head);
    assert!(raw_case(&log, case).await.is_empty());
}

macro_rules! contract {
    ($($test:ident),+ $(,)?) => {
        mod on_jetstream {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let (_server, log) = super::jetstream_log().await;
                    super::$test(log).await;
                }
            )+
        }
        mod on_embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let (_dir, log) = super::embedded_log();
                    super::$test(log).await;
                }
            )+
        }
    };
}

contract!(
    appended_events_read_back_verified_and_in_order,
    concurrent_appends_at_one_position_give_one_success_and_conflicts,
    a_retried_append_returns_the_original_and_records_once,
    a_retried_report_never_opens_a_second_case,
    a_stale_position_is_a_conflict_naming_the_actual_one,
    a_case_can_be_read_as_of_a_sequence_or_a_time,
    a_subscription_delivers_everything_after_s_once_and_in_order,
    an_oversized_event_is_refused_and_writes_nothing,
);

// ---- backends ------------------------------------------------------------------------------

type Jet = Arc<JetStreamBackend>;
type Embedded = Arc<EmbeddedBackend>;

async fn connect(server: &NatsServer, tweak: impl FnOnce(&mut JetStreamConfig)) -> Jet {
    let mut config = JetStreamConfig::new(server.url());
    config.request_timeout = Duration::from_secs(2);
    tweak(&mut config);
    Arc::new(JetStreamBackend::connect(config).await.unwrap().0)
}

async fn jetstream_log() -> (NatsServer, Arc<EventLog<Jet>>) {
    let server = NatsServer::start().unwrap();
    let backend = connect(&server, |_| {}).await;
    (server, Arc::new(EventLog::new(backend, keys())))
}

fn embedded_log() -> (TempDir, Arc<EventLog<Embedded>>) {
    let dir = TempDir::new("embedded-log").unwrap();
    let backend = EmbeddedBackend::open(&EmbeddedConfig::new(dir.path().join("data"))).unwrap();
    (dir, Arc::new(EventLog::new(Arc::new(backend), keys())))
}

// ---- sealed personal data on each backend's key store ---------------------------------------

async fn erasure_keeps_the_chain<B: Backend, S: ombud_envelope::KeyStore>(
    log: &EventLog<B>,
    store: S,
) {
    let vault = Vault::new(MasterKey::generate(), store);
    let case = new_case();
    let key = KeyId::for_case(case);
    vault.create_key(&key).await.unwrap();
    let summary = vault
        .seal(&key, "summary", b"Diminta uang pelicin Rp 500.000")
        .await
        .unwrap();
    log.append(append(reported_with(case, summary.clone()), 0, "erase-1"))
        .await
        .unwrap();
    assert_eq!(
        vault.unseal(&summary, "summary").await.unwrap(),
        Unsealed::Revealed(b"Diminta uang pelicin Rp 500.000".to_vec())
    );
    vault.destroy(&key).await.unwrap();
    let events = log.read_case(case).await.unwrap();
    let EventData::Reported(stored) = &events[0].recorded.event.data else {
        panic!()
    };
    assert_eq!(
        vault.unseal(&stored.summary, "summary").await.unwrap(),
        Unsealed::Erased
    );
    assert_eq!(
        verify_chain(case, &raw_case(log, case).await)
            .unwrap()
            .case_seq,
        1
    );
    assert!(matches!(
        vault.create_key(&key).await,
        Err(ombud_envelope::SealError::KeyDestroyed(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jetstream_key_bucket_erases_personal_data() {
    let (_server, log) = jetstream_log().await;
    let store = KvKeyStore::open(log.backend()).await.unwrap();
    erasure_keeps_the_chain(&log, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sled_key_tree_erases_personal_data() {
    let (_dir, log) = embedded_log();
    let store = SledKeyStore::open(log.backend()).unwrap();
    erasure_keeps_the_chain(&log, store).await;
}

// ---- forged events ----------------------------------------------------------------------------

/// A body for position `case_seq` of `case`, naming `prev` as the previous hash.
fn forged_body(case: CaseId, case_seq: u64, prev: Option<Sha256Hash>) -> Vec<u8> {
    ombud_envelope::encode(&ombud_envelope::RecordedEvent {
        meta: ombud_envelope::EventMeta {
            id: Uuid::now_v7(),
            case_seq,
            prev_hash: prev,
            idempotency_key: IdempotencyKey::parse("forged").unwrap(),
            command_hash: Sha256Hash::of(b"forged"),
            correlation_id: Uuid::now_v7(),
            causation_id: Uuid::now_v7(),
        },
        event: note(case, 99),
        upcast_from: None,
    })
}

/// How a test publishes a message ombud did not write: `(case, body, Ombud-Hash, Ombud-Mac)`,
/// answering its stream sequence.
trait PublishRaw: AsyncFn(CaseId, Vec<u8>, String, Option<String>) -> u64 {}
impl<F: AsyncFn(CaseId, Vec<u8>, String, Option<String>) -> u64> PublishRaw for F {}

async fn foreign_messages_are_reported_skipped_and_never_block_their_case<B: Backend + Clone>(
    log: &EventLog<B>,
    publish_raw: impl PublishRaw,
) {
    use ombud_eventlog::Foreignness;
    let case = seed(log, 2).await;
    let other = seed(log, 1).await;
    let genuine = log.read_case(case).await.unwrap();
    let last = genuine[2].hash;

    // A well-formed next event with the right previous hash and an honest hash header, but
    // no mark; the same under a key of the forger's own (same id, other secret); bytes that
    // are not an event at all; and a marked copy of a genuine event, replayed.
    let body = forged_body(case, 4, Some(last));
    let hash = Sha256Hash::of(&body).to_hex();
    let unmarked = publish_raw(case, body.clone(), hash.clone(), None).await;
    let forger = ombud_envelope::WriteKeys::generate();
    let wrong_key = publish_raw(case, body.clone(), hash, Some(forger.sign(&body))).await;
    let junk = b"{not an event".to_vec();
    let malformed = publish_raw(case, junk.clone(), Sha256Hash::of(&junk).to_hex(), None).await;
    let raw = raw_case(log, case).await;
    let copy = raw[1].clone();
    let replayed = publish_raw(case, copy.body, copy.hash.unwrap(), copy.mac).await;

    let trail = log.read_trail(case).await.unwrap();
    assert_eq!(trail.events, genuine, "the genuine trail is unchanged");
    let seqs: Vec<u64> = trail.foreign.iter().map(|f| f.stream_seq).collect();
    assert_eq!(seqs, [unmarked, wrong_key, malformed, replayed]);
    for f in &trail.foreign[..3] {
        assert!(matches!(f.why, Foreignness::Unmarked(_)), "{f:?}");
    }
    assert!(
        matches!(trail.foreign[3].why, Foreignness::OutOfChain(_)),
        "{:?}",
        trail.foreign[3]
    );
    assert_eq!(
        log.read_case(other).await.unwrap().len(),
        2,
        "other cases read fine"
    );

    // The next genuine command chains on the last genuine event, from a cold log too.
    let cold = EventLog::new(log.backend().clone(), log.marks().clone());
    let receipt = cold
        .append(append(note(case, 5), 3, "after-forgery"))
        .await
        .unwrap();
    assert_eq!(receipt.case_seq, 4);
    let events = cold.read_case(case).await.unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(events[3].recorded.meta.prev_hash, Some(last));

    // A foreign message landing between a warm log's read and its append: the append goes
    // through after it, once.
    let warm = EventLog::new(log.backend().clone(), log.marks().clone());
    assert_eq!(warm.load(case).await.unwrap().head.case_seq, 4);
    let body = forged_body(case, 5, Some(events[3].hash));
    publish_raw(case, body.clone(), Sha256Hash::of(&body).to_hex(), None).await;
    let receipt = warm
        .append(append(note(case, 6), 4, "after-race"))
        .await
        .unwrap();
    assert_eq!((receipt.case_seq, receipt.replayed), (5, false));
    let trail = warm.read_trail(case).await.unwrap();
    assert_eq!(trail.events.len(), 5);
    assert_eq!(trail.foreign.len(), 5);
    // A retry of the same command is still recognised.
    let again = warm
        .append(append(note(case, 6), 4, "after-race"))
        .await
        .unwrap();
    assert!(again.replayed);
}

/// A marked event this reader cannot decode (a newer ombud wrote it): out of place it is a
/// copy anyone could have put there, so foreign and skipped; at the case's next position it
/// is a genuine event this reader cannot fold, so the case reads as corrupt, warm or cold,
/// and is never built upon.
async fn a_marked_event_of_a_newer_schema_is_corrupt_only_in_its_chain<B: Backend + Clone>(
    log: &EventLog<B>,
    publish_raw: impl PublishRaw,
) {
    use ombud_eventlog::Foreignness;
    let case = seed(log, 1).await;
    let genuine = log.read_case(case).await.unwrap();
    let newer = |case_seq, prev| {
        let mut body: serde_json::Value =
            serde_json::from_slice(&forged_body(case, case_seq, Some(prev))).unwrap();
        body["schemaversion"] = serde_json::json!(99);
        serde_json::to_vec(&body).unwrap()
    };
    let publish_marked = async |body: Vec<u8>| {
        let (hash, mac) = (Sha256Hash::of(&body).to_hex(), log.marks().sign(&body));
        publish_raw(case, body, hash, Some(mac)).await
    };

    let out_of_place = publish_marked(newer(2, genuine[0].hash)).await;
    let trail = log.read_trail(case).await.unwrap();
    assert_eq!(trail.events, genuine, "the genuine trail is unchanged");
    assert_eq!(trail.foreign.len(), 1, "{:?}", trail.foreign);
    assert_eq!(trail.foreign[0].stream_seq, out_of_place);
    assert!(
        matches!(trail.foreign[0].why, Foreignness::OutOfChain(_)),
        "{:?}",
        trail.foreign[0]
    );
    let cold = EventLog::new(log.backend().clone(), log.marks().clone());
    assert_eq!(cold.load(case).await.unwrap().head.case_seq, 2);

    let in_chain = publish_marked(newer(3, genuine[1].hash)).await;
    let cold = EventLog::new(log.backend().clone(), log.marks().clone());
    for read in [
        log.read_trail(case).await.map(|_| ()),
        cold.load(case).await.map(|_| ()),
    ] {
        match read {
            Err(LogError::Corrupt { seq, why, .. }) => {
                assert_eq!(seq, in_chain);
                assert!(why.contains("newer than this reader"), "{why}");
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    assert!(matches!(
        cold.append(append(note(case, 4), 3, "on-newer")).await,
        Err(LogError::Corrupt { .. })
    ));
}

/// Keys rotate: a log whose signing key is new, with the old one kept, reads every earlier
/// event as genuine and marks new ones with the new key; a log that dropped the old key finds
/// the trail corrupt (so keys are only ever retired, never dropped, while events under them
/// matter).
async fn events_under_a_rotated_out_key_still_verify<B: Backend + Clone>(log: &EventLog<B>) {
    let case = seed(log, 2).await;
    let old = log.marks().signing().clone();
    let new = ombud_envelope::WriteKey::generate("k2").unwrap();
    let rotated = EventLog::new(
        log.backend().clone(),
        ombud_envelope::WriteKeys::new(vec![new.clone(), old]).unwrap(),
    );
    assert_eq!(rotated.read_case(case).await.unwrap().len(), 3);
    rotated
        .append(append(note(case, 9), 3, "rotated"))
        .await
        .unwrap();
    let raw = raw_case(log, case).await;
    assert!(
        raw[3].mac.as_deref().unwrap().starts_with("k2:"),
        "{:?}",
        raw[3].mac
    );
    assert!(raw[2]
        .mac
        .as_deref()
        .unwrap()
        .starts_with(&format!("{}:", log.marks().signing().id())));
    let trail = rotated.read_trail(case).await.unwrap();
    assert_eq!((trail.events.len(), trail.foreign.len()), (4, 0));

    let dropped = EventLog::new(
        log.backend().clone(),
        ombud_envelope::WriteKeys::new(vec![new]).unwrap(),
    );
    // The three events under the dropped key are foreign to it, so the fourth (marked with
    // the key it has) is a genuine event with its predecessors missing: corruption at its
    // sequence, not another foreign message and not a case to build upon.
    match dropped.read_trail(case).await {
        Err(LogError::Corrupt { seq, why, .. }) => {
            assert_eq!(seq, raw[3].stream_seq);
            assert!(why.contains("gap"), "{why}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(matches!(
        dropped.append(append(note(case, 10), 4, "on-broken")).await,
        Err(LogError::Corrupt { .. })
    ));
}

/// A log written before ombud marked its events: with `accept_unmarked_through` at its last
/// sequence, the old unmarked history reads as genuine and new events chain on it; past that
/// sequence an unmarked message is foreign again; without the setting the old history is not
/// trusted at all.
async fn a_log_from_before_marking_keeps_its_history<B: Backend + Clone>(
    log: &EventLog<B>,
    publish_raw: impl PublishRaw,
) {
    // The old history: a report and a note, as an earlier ombud wrote them (no mark).
    let case = new_case();
    let mut prev = None;
    let mut last_seq = 0;
    for (case_seq, event) in [(1, reported(case)), (2, note(case, 1))] {
        let body = ombud_envelope::encode(&ombud_envelope::RecordedEvent {
            meta: ombud_envelope::EventMeta {
                id: Uuid::now_v7(),
                case_seq,
                prev_hash: prev,
                idempotency_key: IdempotencyKey::parse(&format!("old-{case_seq}")).unwrap(),
                command_hash: Sha256Hash::of(b"old"),
                correlation_id: Uuid::now_v7(),
                causation_id: Uuid::now_v7(),
            },
            event,
            upcast_from: None,
        });
        let hash = Sha256Hash::of(&body);
        last_seq = publish_raw(case, body, hash.to_hex(), None).await;
        prev = Some(hash);
    }
    let upgraded =
        EventLog::new(log.backend().clone(), log.marks().clone()).accept_unmarked_through(last_seq);
    let trail = upgraded.read_trail(case).await.unwrap();
    assert_eq!((trail.events.len(), trail.foreign.len()), (2, 0));
    let receipt = upgraded
        .append(append(note(case, 2), 2, "after-upgrade"))
        .await
        .unwrap();
    assert_eq!(receipt.case_seq, 3);
    // An unmarked message after the upgrade is foreign, however well it chains.
    let forged = forged_body(case, 4, Some(receipt.hash));
    let late = publish_raw(case, forged.clone(), Sha256Hash::of(&forged).to_hex(), None).await;
    let trail = upgraded.read_trail(case).await.unwrap();
    assert_eq!(trail.events.len(), 3);
    assert_eq!(
        trail
            .foreign
            .iter()
            .map(|f| f.stream_seq)
            .collect::<Vec<_>>(),
        [late]
    );
    // Without the setting, nothing of the old history is trusted.
    let strict = EventLog::new(log.backend().clone(), log.marks().clone());
    assert!(
        strict.read_trail(case).await.is_err(),
        "the marked third event follows no genuine one"
    );
}

/// The subject a raw publisher puts `body` on: its case's, with the type the body names
/// (`note_added` for bytes that name none).
fn raw_subject(case: CaseId, body: &[u8]) -> String {
    let named = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned));
    match named.as_deref().and_then(|t| t.strip_prefix("ombud.case.")) {
        Some(event_type) => format!("ombud.case.{case}.{event_type}"),
        None => ombud_envelope::subject::event_subject(case, EventType::NoteAdded),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jetstream_foreign_messages_by_a_raw_client_never_block_a_case() {
    let (server, log) = jetstream_log().await;
    let raw = async_nats::jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let publish = async |case, body: Vec<u8>, hash: String, mac: Option<String>| {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Ombud-Hash", hash.as_str());
        if let Some(mac) = mac {
            headers.insert("Ombud-Mac", mac.as_str());
        }
        raw.publish_with_headers(raw_subject(case, &body), headers, body.into())
            .await
            .unwrap()
            .await
            .unwrap()
            .sequence
    };
    foreign_messages_are_reported_skipped_and_never_block_their_case(&log, &publish).await;
    a_marked_event_of_a_newer_schema_is_corrupt_only_in_its_chain(&log, &publish).await;
    events_under_a_rotated_out_key_still_verify(&log).await;
    a_log_from_before_marking_keeps_its_history(&log, &publish).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_foreign_messages_written_under_the_log_never_block_a_case() {
    let (_dir, log) = embedded_log();
    let backend = log.backend().clone();
    let publish = async |case, body: Vec<u8>, hash: String, mac: Option<String>| {
        let last = backend
            .read_case(case, 0)
            .await
            .unwrap()
            .last()
            .map_or(0, |m| m.stream_seq);
        backend
            .publish(ombud_eventlog::backend::Outgoing {
                case_id: case,
                subject: raw_subject(case, &body),
                hash: Sha256Hash::parse_hex(&hash).unwrap(),
                // An empty mark is stored as none, as an earlier ombud's rows are.
                mac: mac.unwrap_or_default(),
                body: body.into(),
                msg_id: format!("forged-{}", Uuid::now_v7()),
                expected_last_seq: last,
            })
            .await
            .unwrap()
            .stream_seq
    };
    foreign_messages_are_reported_skipped_and_never_block_their_case(&log, &publish).await;
    a_marked_event_of_a_newer_schema_is_corrupt_only_in_its_chain(&log, &publish).await;
    events_under_a_rotated_out_key_still_verify(&log).await;
    a_log_from_before_marking_keeps_its_history(&log, &publish).await;
}

// ---- JetStream: faults, restarts, stream setup, the dedupe window, a cluster ---------------

/// The consumers the server holds on the stream.
async fn consumers(log: &EventLog<Jet>) -> usize {
    let mut stream = log
        .backend()
        .context()
        .get_stream("OMBUD_CASES")
        .await
        .unwrap();
    stream.info().await.unwrap().state.consumer_count
}

/// Reads take no consumer: 16 writers contending on one case (every lost race is a catch-up
/// read) and 1,000 cases verified from a cold log leave the stream's consumer count where it
/// was (a consumer per read used to linger 30 s each, and past the server's 1,000 per stream
/// every office got 503s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_create_no_consumers_under_contention_or_mass_verification() {
    let (_server, log) = jetstream_log().await;
    let case = seed(&log, 0).await;
    let before = consumers(&log).await;

    let writers: Vec<_> = (0..16)
        .map(|w| {
            let log = log.clone();
            tokio::spawn(async move {
                let mut conflicts = 0u32;
                for i in 0..5 {
                    loop {
                        let expected = log.load(case).await.unwrap().head.case_seq;
                        let key = format!("w{w}-{i}");
                        match log.append(append(note(case, 1), expected, &key)).await {
                            Ok(_) => break,
                            Err(LogError::Conflict { .. }) => conflicts += 1,
                            Err(other) => panic!("{other:?}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let mut conflicts = 0;
    for writer in writers {
        conflicts += writer.await.unwrap();
    }
    assert!(conflicts > 0, "the writers did contend");
    assert_eq!(log.read_case(case).await.unwrap().len(), 81);
    assert_eq!(consumers(&log).await, before, "contention took consumers");

    let mut cases = Vec::new();
    for _ in 0..1000 {
        let id = new_case();
        log.append(append(reported(id), 0, &format!("r-{id}")))
            .await
            .unwrap();
        cases.push(id);
    }
    let cold = EventLog::new(log.backend().clone(), log.marks().clone());
    for id in &cases {
        let trail = cold.read_trail(*id).await.unwrap();
        assert_eq!(trail.events.len(), 1);
    }
    assert_eq!(consumers(&log).await, before, "verification took consumers");

    // A case longer than one batch of the read reads whole and in order.
    let long = seed(&log, 299).await;
    let events = cold.read_case(long).await.unwrap();
    assert_eq!(events.len(), 300);
    assert!(events
        .iter()
        .enumerate()
        .all(|(i, e)| e.recorded.meta.case_seq == i as u64 + 1));
    assert_eq!(consumers(&log).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_while_the_server_is_down_is_unavailable_and_nothing_acknowledged_is_lost() {
    let mut server = NatsServer::start().unwrap();
    let backend = connect(&server, |c| c.request_timeout = Duration::from_millis(800)).await;
    let log = EventLog::new(backend.clone(), keys());
    let case = seed(&log, 3).await;
    let before = raw_case(&log, case).await;

    server.kill();
    let failed = log.append(append(note(case, 10), 4, "during-outage")).await;
    assert!(
        matches!(failed, Err(LogError::Unavailable { .. })),
        "{failed:?}"
    );
    assert!(failed.unwrap_err().is_retryable());

    server.restart().unwrap();
    // The client reconnects by itself; the retry with the same key goes through once.
    let receipt = loop {
        match log.append(append(note(case, 10), 4, "during-outage")).await {
            Ok(receipt) => break receipt,
            Err(LogError::Unavailable { .. }) => tokio::task::yield_now().await,
            Err(other) => panic!("{other:?}"),
        }
    };
    assert_eq!(receipt.case_seq, 5);
    let after = raw_case(&log, case).await;
    assert_eq!(
        &after[..4],
        &before[..],
        "every acknowledged event is still there"
    );
    assert_eq!(after.len(), 5);
    assert_eq!(verify_chain(case, &after).unwrap().case_seq, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_resumes_across_a_server_restart_without_gaps_or_repeats() {
    let mut server = NatsServer::start().unwrap();
    let backend = connect(&server, |c| c.request_timeout = Duration::from_millis(800)).await;
    let log = EventLog::new(backend, keys());
    let case = seed(&log, 4).await;
    let mut sub = log.subscribe(2).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(sub.next().await.unwrap().unwrap().stream_seq);
    }
    server.restart().unwrap();
    let more = loop {
        match log.append(append(note(case, 20), 5, "after-restart")).await {
            Ok(receipt) => break receipt,
            Err(LogError::Unavailable { .. }) => tokio::task::yield_now().await,
            Err(other) => panic!("{other:?}"),
        }
    };
    while seen.last() != Some(&more.stream_seq) {
        let next = tokio::time::timeout(Duration::from_secs(20), sub.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push(next.stream_seq);
    }
    assert_eq!(seen, (3..=more.stream_seq).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_jetstream_is_refused_with_a_clear_message() {
    let server = NatsServer::start_with(ombud_testkit::NatsServerOptions {
        jetstream: false,
        ..Default::default()
    })
    .unwrap();
    let refused = JetStreamBackend::connect(JetStreamConfig::new(server.url())).await;
    match refused {
        Err(e @ LogError::Failed { .. }) => {
            let why = e.to_string();
            assert!(
                why.contains("JetStream is not available") && why.contains("-js"),
                "{why}"
            );
            assert!(
                std::error::Error::source(&e).is_some(),
                "the server's answer is kept as the cause"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_is_created_kept_and_repaired_when_it_drifts() {
    let server = NatsServer::start().unwrap();
    let config = JetStreamConfig::new(server.url());
    let (backend, setup) = JetStreamBackend::connect(config.clone()).await.unwrap();
    assert_eq!(setup, StreamSetup::Created);
    let (_, setup) = JetStreamBackend::connect(config.clone()).await.unwrap();
    assert_eq!(setup, StreamSetup::Unchanged);
    let mut drifted = backend.desired_stream();
    // (The server itself refuses to lift deny_delete or deny_purge once set.)
    drifted.allow_direct = false;
    drifted.duplicate_window = Duration::from_secs(30);
    backend.context().update_stream(&drifted).await.unwrap();
    let (_, setup) = JetStreamBackend::connect(config).await.unwrap();
    let StreamSetup::Updated(changed) = setup else {
        panic!("{setup:?}")
    };
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(changed.iter().any(|c| c.starts_with("allow_direct")));
    assert!(changed.iter().any(|c| c.starts_with("duplicate_window")));
    let info = backend.context().get_stream("OMBUD_CASES").await.unwrap();
    assert!(info.cached_info().config.deny_delete && info.cached_info().config.deny_purge);
    assert!(info.cached_info().config.allow_direct);
    assert_eq!(info.cached_info().config.max_messages_per_subject, -1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_the_dedupe_window_still_returns_the_original() {
    let server = NatsServer::start().unwrap();
    let backend = connect(&server, |c| c.duplicate_window = Duration::from_secs(1)).await;
    let log = EventLog::new(backend.clone(), keys());
    let stale = EventLog::new(backend, keys());
    let case = seed(&log, 0).await;
    stale.load(case).await.unwrap();
    let first = log
        .append(append(note(case, 1), 1, "late-retry"))
        .await
        .unwrap();
    // Let the server forget the message id: only the case's history can recognise it now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let late = stale
        .append(append(note(case, 1), 1, "late-retry"))
        .await
        .unwrap();
    assert!(late.replayed);
    assert_eq!(late.stream_seq, first.stream_seq);
    let cold = EventLog::new(log.backend().clone(), keys());
    let again = cold
        .append(append(note(case, 1), 1, "late-retry"))
        .await
        .unwrap();
    assert_eq!(again.stream_seq, first.stream_seq);
    assert_eq!(raw_case(&log, case).await.len(), 2);
}

/// Retries `attempt` while it is `Unavailable` (a cluster still settling: nothing recorded,
/// safe to retry, as a caller would), until `deadline`.
async fn until_available<T, F, Fut>(deadline: std::time::Instant, what: &str, attempt: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, LogError>>,
{
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(e @ LogError::Unavailable { .. }) => {
                eprintln!("waiting for {what}: {e}");
                assert!(std::time::Instant::now() < deadline, "never {what}: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_three_node_cluster_retries_and_races_behave_the_same() {
    let cluster = ombud_testkit::NatsCluster::start().unwrap();
    let mut config = JetStreamConfig::new(cluster.url());
    config.replicas = 3;
    // A fresh cluster elects its meta leader first; until then stream creation is unavailable.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let backend = loop {
        match JetStreamBackend::connect(config.clone()).await {
            Ok((backend, _)) => break Arc::new(backend),
            Err(
                e @ (LogError::Unavailable { .. } | LogError::Storage(_) | LogError::Failed { .. }),
            ) => {
                eprintln!("cluster not ready: {e}");
                assert!(
                    std::time::Instant::now() < deadline,
                    "cluster never became ready: {e}"
                );
                tokio::task::yield_now().await
            }
            Err(other) => panic!("{other:?}"),
        }
    };
    let log = Arc::new(EventLog::new(backend.clone(), keys()));
    // The new stream may not be known on every node yet: an append is then `Unavailable`
    // (nothing recorded, safe to retry), and a caller retries it with the same key.
    let case = new_case();
    until_available(deadline, "the stream taking an append", || {
        log.append(append(reported(case), 0, &format!("r-{case}")))
    })
    .await;
    log.append(append(note(case, 1), 1, &format!("n-{case}-0")))
        .await
        .unwrap();
    let stale = EventLog::new(backend, keys());
    // The stream's own replica group may still be settling: a reader is then `Unavailable`
    // (safe to retry), which is what a caller would do.
    until_available(deadline, "the stream serving a reader", || stale.load(case)).await;
    let first = log
        .append(append(note(case, 3), 2, "cluster-retry"))
        .await
        .unwrap();
    let retry = stale
        .append(append(note(case, 3), 2, "cluster-retry"))
        .await
        .unwrap();
    assert_eq!((retry.replayed, retry.stream_seq), (true, first.stream_seq));
    KvKeyStore::open(log.backend()).await.unwrap();
    concurrent_appends_at_one_position_give_one_success_and_conflicts(log).await;

    // A process started with the single-node default (replicas 1) must not strip the
    // cluster's redundancy: the stream and the key bucket keep their three replicas.
    let mut reader = JetStreamConfig::new(cluster.url());
    reader.replicas = 1;
    let (one, setup) = JetStreamBackend::connect(reader).await.unwrap();
    assert_eq!(setup, StreamSetup::Unchanged);
    KvKeyStore::open(&one).await.unwrap();
    for stream in ["OMBUD_CASES", "KV_OMBUD_KEYS"] {
        let info = one.context().get_stream(stream).await.unwrap();
        assert_eq!(info.cached_info().config.num_replicas, 3, "{stream}");
    }
}

// ---- embedded: restart, index repair, the directory lock ------------------------------------

/// Appends write their rows side by side, so a crash can leave a row past one that was never
/// written. Such a row was never acknowledged (an append waits for every sequence before its
/// own): reopening removes it with its index entry, and the log goes on gap-free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_removes_the_unacknowledged_rows_past_a_gap() {
    let dir = TempDir::new("embedded-gap").unwrap();
    let config = EmbeddedConfig::new(dir.path().join("data"));
    let (case, events) = {
        let log = EventLog::new(EmbeddedBackend::open(&config).unwrap(), keys());
        let case = seed(&log, 3).await;
        (case, log.read_case(case).await.unwrap())
    };
    let last = events.last().unwrap().stream_seq;
    // What a crash can leave: the row of `last + 2` (with its index entry) but not `last + 1`.
    let stray = new_case();
    ombud_testkit::wait_for_sled_release(&config.path);
    {
        let db = sled::open(&config.path).unwrap();
        let subject = format!("ombud.case.{stray}.reported");
        let mut row = vec![0u8; 32];
        row.extend_from_slice(&(subject.len() as u16).to_be_bytes());
        row.extend_from_slice(subject.as_bytes());
        row.extend_from_slice(b"{}");
        db.open_tree("events")
            .unwrap()
            .insert((last + 2).to_be_bytes(), row)
            .unwrap();
        let mut index_key = stray.as_uuid().as_bytes().to_vec();
        index_key.extend_from_slice(&(last + 2).to_be_bytes());
        db.open_tree("case_index")
            .unwrap()
            .insert(index_key, &[])
            .unwrap();
        db.flush().unwrap();
    }
    ombud_testkit::wait_for_sled_release(&config.path);
    let log = EventLog::new(EmbeddedBackend::open(&config).unwrap(), keys());
    assert_eq!(
        log.head().await.unwrap(),
        last,
        "the stray row is not part of the log"
    );
    assert!(log.read_case(stray).await.unwrap().is_empty());
    assert_eq!(log.read_case(case).await.unwrap(), events);
    let receipt = log
        .append(append(note(case, 9), 4, "after-the-gap"))
        .await
        .unwrap();
    assert_eq!(receipt.stream_seq, last + 1);
    let mut sub = log.subscribe(0).await.unwrap();
    for seq in 1..=last + 1 {
        assert_eq!(sub.next().await.unwrap().unwrap().stream_seq, seq);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_log_survives_reopening_and_repairs_its_case_index() {
    let dir = TempDir::new("embedded-reopen").unwrap();
    let config = EmbeddedConfig::new(dir.path().join("data"));
    let (case, events) = {
        let log = EventLog::new(EmbeddedBackend::open(&config).unwrap(), keys());
        let case = seed(&log, 5).await;
        (case, log.read_case(case).await.unwrap())
    };
    // Reopened, the log indexes the events whose entries were still in memory at the stop
    // (the index writes its entries out in spills): the case reads whole, and its index is
    // now stored.
    {
        let log = EventLog::new(EmbeddedBackend::open(&config).unwrap(), keys());
        assert_eq!(log.read_case(case).await.unwrap(), events);
    }
    ombud_testkit::wait_for_sled_release(&config.path);
    // Lose the stored index and its mark, as a crash before they were durable would.
    {
        let db = sled::open(&config.path).unwrap();
        let index = db.open_tree("case_index").unwrap();
        assert!(!index.is_empty(), "the start wrote the index out");
        index.clear().unwrap();
        let meta = db.open_tree("meta").unwrap();
        meta.insert("indexed_up_to", &0u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    ombud_testkit::wait_for_sled_release(&config.path);
    let log = EventLog::new(EmbeddedBackend::open(&config).unwrap(), keys());
    assert_eq!(log.read_case(case).await.unwrap(), events);
    assert_eq!(log.head().await.unwrap(), events.last().unwrap().stream_seq);
    let receipt = log
        .append(append(note(case, 9), 6, "after-reopen"))
        .await
        .unwrap();
    assert_eq!(receipt.stream_seq, events.last().unwrap().stream_seq + 1);
}

#[test]
fn a_second_process_cannot_open_a_held_data_directory() {
    let dir = TempDir::new("embedded-lock").unwrap();
    let config = EmbeddedConfig::new(dir.path().join("data"));
    let _held = EmbeddedBackend::open(&config).unwrap();
    // sled locks the directory per process; the same process sees the same lock.
    match EmbeddedBackend::open(&config) {
        Err(LogError::Storage(message)) => assert!(message.contains("in use"), "{message}"),
        Ok(_) => panic!("opened a held directory"),
        Err(other) => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_embedded_appends_never_stall() {
    // Concurrent sled flush_async calls were seen to hang forever at this kind of load; the
    // embedded log serializes its flushes. A stall fails this test through the timeout.
    // Rows are written side by side, so a subscriber reading all along must still see every
    // sequence once, in order, and each acknowledged one must already be within the head.
    let (_dir, log) = embedded_log();
    let mut sub = log.subscribe(0).await.unwrap();
    let reader = tokio::spawn(async move {
        let mut next = 1;
        while next <= 64 * 4 * 10 {
            let event = sub.next().await.unwrap().unwrap();
            assert_eq!(event.stream_seq, next, "a gap or a repeat in the feed");
            next += 1;
        }
    });
    let writers: Vec<_> = (0..64)
        .map(|w| {
            let log = log.clone();
            tokio::spawn(async move {
                for _ in 0..4 {
                    let case = new_case();
                    log.append(append(reported(case), 0, &format!("s-{w}-{case}")))
                        .await?;
                    for i in 0..9 {
                        let receipt = log
                            .append(append(
                                note(case, i + 1),
                                i as u64 + 1,
                                &format!("s-{w}-{case}-{i}"),
                            ))
                            .await?;
                        assert!(log.head().await? >= receipt.stream_seq);
                    }
                }
                Ok::<_, LogError>(())
            })
        })
        .collect();
    let all = async {
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(120), all)
        .await
        .expect("embedded appends stalled");
    assert_eq!(log.head().await.unwrap(), 64 * 4 * 10);
    tokio::time::timeout(Duration::from_secs(30), reader)
        .await
        .expect("the feed delivered everything")
        .unwrap();
}
