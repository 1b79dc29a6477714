//! Foreign messages and poison events never stop a projector. A message ombud did not write
//! (published around it, with a raw client, without a valid mark) is foreign: recorded with
//! its sequence and reason, never applied, its case not held, and the case file says so. A
//! marked event the projector cannot decode or apply is poison: quarantined, its case held,
//! and every other case flows on; status shows both; a rebuild judges them the same way. And
//! a hung batch becomes a loud `Stalled` error, never a silent hang.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use ombud_domain::taxonomy::Channel;
use ombud_domain::*;
use ombud_envelope::subject::event_subject;
use ombud_envelope::Sha256Hash;
use ombud_eventlog::backend::Outgoing;
use ombud_eventlog::embedded::Flusher;
use ombud_eventlog::{Backend, EventLog};
use ombud_projection::models::{case_file, case_index};
use ombud_projection::quarantine;
use ombud_projection::{
    ApplyError, Projected, Projection, ProjectionConfig, ProjectionError, Projector, Rows, RunState,
};
use ombud_testkit::TempDir;
use support::*;
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(20);

async fn foreign_messages_are_skipped_poison_is_quarantined_and_other_cases_flow<B: Backend>(
    log: Arc<EventLog<B>>,
    dir: &TempDir,
    inject: impl AsyncFn(CaseId, u64, Vec<u8>, Option<String>) -> u64,
) {
    let models = open_models(dir, "views");
    let (stop, shutdown) = watch::channel(false);
    let tasks = models.spawn(log.clone(), shutdown);
    let mut w = World::new(log.clone(), shipped_rules());
    let forged_on = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;
    let last = w.accept(forged_on).await;
    let poisoned = w
        .report("jawa-barat", 1, &["undue_delay"], Channel::Web)
        .await;

    // Bytes ombud did not write (no mark): foreign. The case is not held: the next genuine
    // command is recorded after the foreign message and applied.
    let garbage = b"{\"specversion\":\"1.0\",\"this is\":\"not an ombud event\"".to_vec();
    let foreign_seq = inject(forged_on, last.stream_seq, garbage.clone(), None).await;
    let note = w
        .act(forged_on, Action::Command(CommandKind::AddNote))
        .await;
    assert!(note.stream_seq > foreign_seq);

    // The same bytes under ombud's own mark: a genuine event this reader cannot decode (as
    // one of a newer schema would be) is poison, quarantined, and its case held.
    let poisoned_last = log.read_case(poisoned).await.unwrap()[0].stream_seq;
    let mark = log.marks().sign(&garbage);
    let poison_seq = inject(poisoned, poisoned_last, garbage, Some(mark)).await;

    // Other cases flow on after both.
    let other = w
        .report("jakarta-raya", 2, &["other"], Channel::Letter)
        .await;
    assert!(w.last_seq > poison_seq);
    models.wait_for(w.last_seq, WAIT).await.unwrap();

    for status in models.status(Some(w.last_seq)) {
        // The transparency tree folds no case: both messages are foreign leaves of it, and
        // it holds nothing back.
        let expected = if status.name == "log_tree" {
            (0, 2)
        } else {
            (1, 1)
        };
        assert_eq!((status.quarantined, status.foreign), expected, "{status:?}");
        assert_eq!(status.state, RunState::Running);
        assert_eq!(status.lag, Some(0));
    }
    let tree_foreign: Vec<u64> = models
        .log_tree
        .foreign()
        .unwrap()
        .iter()
        .map(|f| f.stream_seq)
        .collect();
    assert_eq!(tree_foreign, [foreign_seq, poison_seq]);
    assert!(models.log_tree.quarantined().unwrap().is_empty());
    let foreign = models.cases.foreign().unwrap();
    assert_eq!(foreign.len(), 1);
    assert_eq!(
        (foreign[0].stream_seq, foreign[0].case_id),
        (foreign_seq, Some(forged_on))
    );
    assert!(foreign[0].reason.contains("Ombud-Mac"), "{foreign:?}");
    let held = models.cases.quarantined().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].stream_seq, poison_seq);
    assert_eq!(held[0].case_id, Some(poisoned));
    assert!(!held[0].reason.is_empty());
    let cases = models.cases.trees();
    assert!(quarantine::is_held(&cases, poisoned).unwrap());
    assert!(!quarantine::is_held(&cases, forged_on).unwrap());
    // The case with the foreign message is current and says it has one.
    let file = case_file::get_file(&cases, forged_on).unwrap().unwrap();
    assert_eq!(
        file.timeline.len(),
        5,
        "report, two checks, accept, note; the foreign message not"
    );
    assert_eq!(file.foreign_messages, [foreign_seq]);
    assert!(case_index::summary(&cases, other).unwrap().is_some());

    // A rebuild judges them again the same way; nothing else is lost.
    let reports = models.rebuild(&log, None).await.unwrap();
    assert!(
        reports
            .iter()
            .all(|r| r.quarantined == u64::from(r.name != "log_tree")),
        "{reports:?}"
    );
    assert_eq!(
        models.cases.quarantined().unwrap()[0].stream_seq,
        poison_seq
    );
    assert_eq!(models.cases.foreign().unwrap()[0].stream_seq, foreign_seq);
    let file = case_file::get_file(&models.cases.trees(), forged_on)
        .unwrap()
        .unwrap();
    assert_eq!(file.foreign_messages, [foreign_seq]);
    assert!(case_index::summary(&models.cases.trees(), other)
        .unwrap()
        .is_some());
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_jetstream_a_raw_publish_is_foreign_and_marked_garbage_is_quarantined() {
    let (_server, log) = jetstream_log().await;
    let dir = TempDir::new("poison").unwrap();
    let context = log.backend().context().clone();
    foreign_messages_are_skipped_poison_is_quarantined_and_other_cases_flow(
        log,
        &dir,
        async |case, _last, body, mark| {
            // A raw client: the subject is a case's, the body is not an event.
            let subject = event_subject(case, EventType::NoteAdded);
            let mut headers = async_nats::HeaderMap::new();
            // An honest hash header, as ombud's own (undecodable) event would carry.
            headers.insert("Ombud-Hash", Sha256Hash::of(&body).to_hex().as_str());
            if let Some(mark) = mark {
                headers.insert(ombud_envelope::MAC_HEADER, mark.as_str());
            }
            context
                .publish_with_headers(subject, headers, body.into())
                .await
                .unwrap()
                .await
                .unwrap()
                .sequence
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_embedded_a_raw_write_is_foreign_and_marked_garbage_is_quarantined() {
    let dir = TempDir::new("poison").unwrap();
    let log = embedded_log(&dir);
    let backend = log.backend().clone();
    foreign_messages_are_skipped_poison_is_quarantined_and_other_cases_flow(
        log,
        &dir,
        async |case, last, body, mark| {
            // Past ombud's append: a body with a valid hash header but no event in it.
            let published = backend
                .publish(Outgoing {
                    case_id: case,
                    subject: event_subject(case, EventType::NoteAdded),
                    hash: Sha256Hash::of(&body),
                    mac: mark.unwrap_or_default(),
                    body: body.into(),
                    msg_id: format!("{case}:poison"),
                    expected_last_seq: last,
                })
                .await
                .unwrap();
            published.stream_seq
        },
    )
    .await;
}

/// A projector whose apply hangs (as a stalled sled call would).
struct Hangs;

impl Projector for Hangs {
    const NAME: &'static str = "hangs";
    const TREES: &'static [&'static str] = &["rows"];

    fn apply(&self, _rows: &mut Rows<'_>, _event: &Projected) -> Result<(), ApplyError> {
        std::thread::sleep(Duration::from_millis(600));
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_batch_is_a_loud_stall_error_not_a_silent_hang() {
    let dir = TempDir::new("stall").unwrap();
    let log = embedded_log(&dir);
    let mut w = World::new(log.clone(), shipped_rules());
    w.report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;

    let db = sled::Config::new()
        .path(dir.path().join("views"))
        .flush_every_ms(None)
        .open()
        .unwrap();
    let config = ProjectionConfig {
        stall_after: Duration::from_millis(100),
        ..ProjectionConfig::default()
    };
    let projection =
        Arc::new(Projection::open(db.clone(), Arc::new(Flusher::new(db)), Hangs, config).unwrap());
    let (_stop, shutdown) = watch::channel(false);
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        projection.clone().run(log.clone(), shutdown),
    )
    .await
    .expect("the watchdog must end the run, not hang");
    assert!(
        matches!(
            result,
            Err(ProjectionError::Stalled {
                projector: "hangs",
                ..
            })
        ),
        "{result:?}"
    );
    let status = projection.status(None);
    assert_eq!(status.state, RunState::Failed);
    assert!(status.last_error.unwrap().contains("stalled"));
    assert_eq!(
        status.checkpoint, 0,
        "nothing checkpointed past a stalled batch"
    );
}

/// A forged second report that chains correctly (right position, right previous hash) is
/// refused by the read models, quarantined, and does not cost the case what it had: even when
/// the genuine report sits in the same batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_chained_second_report_is_quarantined_without_losing_the_first() {
    let dir = TempDir::new("forged-report").unwrap();
    let log = embedded_log(&dir);
    let mut w = World::new(log.clone(), shipped_rules());
    let case = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;
    let first = log.read_case(case).await.unwrap().remove(0);
    let mut forged = first.recorded.clone();
    forged.meta.case_seq = 2;
    forged.meta.prev_hash = Some(first.hash);
    forged.meta.id = uuid::Uuid::now_v7();
    let body = ombud_envelope::encode(&forged);
    let seq = log
        .backend()
        .publish(Outgoing {
            case_id: case,
            subject: event_subject(case, EventType::Reported),
            hash: Sha256Hash::of(&body),
            // Marked: as if ombud itself had written it (a bug); the read model still refuses.
            mac: log.marks().sign(&body),
            body: body.into(),
            msg_id: format!("{case}:forged"),
            expected_last_seq: first.stream_seq,
        })
        .await
        .unwrap()
        .stream_seq;

    // Started after both were written: one batch holds the report and the forgery.
    let models = open_models(&dir, "views");
    let (_stop, shutdown) = watch::channel(false);
    let _tasks = models.spawn(log.clone(), shutdown);
    models.wait_for(seq, WAIT).await.unwrap();
    for status in models.status(Some(seq)) {
        // The transparency tree keeps every message as a leaf: it judges none.
        let expected = if status.name == "log_tree" { 0 } else { 1 };
        assert_eq!(status.quarantined, expected, "{status:?}");
    }
    let held = models.cases.quarantined().unwrap();
    assert!(held[0].reason.contains("reported twice"), "{held:?}");
    let file = case_file::get_file(&models.cases.trees(), case)
        .unwrap()
        .unwrap();
    assert_eq!(file.timeline.len(), 1, "the genuine report is kept");
    let stats = ombud_projection::models::office_stats::office_stats(
        &models.statistics.trees(),
        &OfficeCode::parse("jawa-barat").unwrap(),
        date("2026-09-02"),
    )
    .unwrap()
    .unwrap();
    assert_eq!(stats.stats.per_state.values().sum::<u64>(), 1);
}
