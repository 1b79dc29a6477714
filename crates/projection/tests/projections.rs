//! The projections against a real event log (a fresh nats-server with JetStream, and the
//! embedded sled log): a scripted scenario's read models, poison events, rebuilds (while
//! events arrive, and on thousands of random events), restart, read-your-writes and the stall
//! watchdog.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use ombud_domain::taxonomy::{Channel, ClosureReason};
use ombud_domain::*;
use ombud_eventlog::{Backend, EventLog};
use ombud_projection::models::case_index::{self, CaseFilter, CaseOrder};
use ombud_projection::models::{
    agency_dossier, case_file, deadline_board, office_stats, work_queue,
};
use ombud_projection::{ReadModels, RunState};
use ombud_testkit::TempDir;
use support::*;
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(20);

fn dumps(
    models: &ReadModels,
) -> (
    impl PartialEq + std::fmt::Debug,
    impl PartialEq + std::fmt::Debug,
    impl PartialEq + std::fmt::Debug,
) {
    (
        models.cases.trees().dump().unwrap(),
        models.statistics.trees().dump().unwrap(),
        models.log_tree.trees().dump().unwrap(),
    )
}

/// The stored transparency tree (leaves sixteen to a row, nodes at every fourth level, the
/// levels between folded on demand) answers as a tree that keeps every level in memory: the
/// root of every size, every leaf's inclusion, and every older size's consistency, each
/// proof checked by the independent verifier.
fn the_stored_tree_is_the_whole_tree(models: &ReadModels, size: u64) {
    use ombud_projection::models::log_tree::StoredTree;
    use ombud_tlog::merkle::{self, MemoryTree, Nodes as _};
    let trees = models.log_tree.trees();
    let stored = StoredTree::new(&trees);
    assert_eq!(stored.size().unwrap(), size);
    let mut memory = MemoryTree::default();
    for i in 0..size {
        memory.push(stored.node(0, i));
    }
    let root = merkle::root(&memory, size);
    for n in 1..=size {
        assert_eq!(
            stored.root(n).unwrap(),
            merkle::root(&memory, n),
            "root of {n}"
        );
    }
    for i in 0..size {
        let path = stored.inclusion_proof(i, size).unwrap().unwrap();
        ombud_tlog::verify_inclusion(i, size, &memory.node(0, i), &path, &root)
            .unwrap_or_else(|e| panic!("leaf {i}: {e}"));
    }
    for old in 1..size {
        let proof = stored.consistency_proof(old, size).unwrap().unwrap();
        ombud_tlog::verify_consistency(old, size, &merkle::root(&memory, old), &root, &proof)
            .unwrap_or_else(|e| panic!("{old} to {size}: {e}"));
    }
}

/// A clean rebuild of `log` into a fresh directory. Every batch is applied in partitions by
/// case (as large batches are), so comparing it with live models (small batches, applied
/// whole) also checks that partitioning changes nothing.
async fn clean_rebuild<B: Backend>(log: &EventLog<B>, dir: &TempDir, name: &str) -> ReadModels {
    let config = ombud_projection::ProjectionConfig {
        partition_from: 1,
        ..Default::default()
    };
    let models = open_models_with(dir, name, config);
    models.rebuild(log, None).await.unwrap();
    models
}

macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod on_jetstream {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let (_server, log) = super::jetstream_log().await;
                    let dir = ombud_testkit::TempDir::new("projection").unwrap();
                    super::$test(log, &dir).await;
                }
            )+
        }
        mod on_embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let dir = ombud_testkit::TempDir::new("projection").unwrap();
                    let log = super::embedded_log(&dir);
                    super::$test(log, &dir).await;
                }
            )+
        }
    };
}

on_both_backends!(
    a_scripted_office_reads_as_an_investigator_expects,
    a_rebuild_equals_the_live_model_on_random_events,
    a_rebuild_while_events_arrive_ends_equal_to_a_clean_one,
    a_restarted_projector_resumes_exactly,
    projectors_at_different_checkpoints_share_one_feed,
    read_your_writes_waits_for_the_sequence_or_times_out,
    erased_personal_data_reads_as_erased_in_the_case_file,
    the_bytes_written_per_event_do_not_grow_with_the_case,
);

// ---- rows that do not grow -------------------------------------------------------------------

/// A case's 200th note writes no more than its first notes (the timeline's lines are in
/// segment rows of their own; the case row was once rewritten whole, growing with every
/// line), and the case file still shows every line in order.
async fn the_bytes_written_per_event_do_not_grow_with_the_case<B: Backend>(
    log: Arc<EventLog<B>>,
    dir: &TempDir,
) {
    use ombud_projection::models::case_file::{timeline_key, SEGMENT_LINES, TIMELINE_TREE};
    use ombud_projection::store::case_key;
    let models = open_models(dir, "views");
    let (stop, shutdown) = watch::channel(false);
    let tasks = models.spawn(log.clone(), shutdown);
    let mut w = World::new(log.clone(), shipped_rules());
    w.now = ts("2026-12-01T02:00:00Z");
    let case = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;
    let mut per_note = Vec::new();
    for _ in 0..200 {
        let written = models.cases.status(None).bytes_written;
        let receipt = w.act(case, Action::Command(CommandKind::AddNote)).await;
        models.wait_for(receipt.stream_seq, WAIT).await.unwrap();
        per_note.push(models.cases.status(None).bytes_written - written);
    }
    // A note rewrites its timeline segment (up to eight lines): what a note writes cycles
    // with its place in the segment, but never exceeds what the first segments' notes wrote.
    let early = per_note[..24].iter().max().copied().unwrap_or(0);
    let late = per_note[100..].iter().max().copied().unwrap_or(0);
    assert!(
        late <= early + 64,
        "notes 101 to 200 wrote up to {late} bytes, the first 24 up to {early}: rows grow with \
         the case"
    );
    let segments = models
        .cases
        .trees()
        .tree(TIMELINE_TREE)
        .scan_prefix(case_key(case))
        .count();
    assert_eq!(
        segments,
        201usize.div_ceil(SEGMENT_LINES as usize),
        "the lines share rows"
    );
    let file = case_file::get_file(&models.cases.trees(), case)
        .unwrap()
        .unwrap();
    assert_eq!(file.timeline.len(), 201);
    let seqs: Vec<u64> = file.timeline.iter().map(|l| l.stream_seq).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    assert_eq!(seqs, sorted, "the timeline is in stream order");
    assert_eq!(file.timeline[0].event_type, EventType::Reported);
    stop.send(true).unwrap();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    // A case row from before the lines had rows of their own (the timeline inline, some lines
    // only there) reads the same, and its next event moves its lines out.
    let trees = models.cases.trees();
    let row = serde_json::to_vec(&file).unwrap();
    trees.tree("files").insert(case_key(case), row).unwrap();
    for line in &file.timeline[..96] {
        trees
            .tree(TIMELINE_TREE)
            .remove(timeline_key(case, line.case_seq))
            .unwrap();
    }
    let merged = case_file::get_file(&trees, case).unwrap().unwrap();
    assert_eq!(merged.timeline, file.timeline, "the same lines, once each");
    let (stop, shutdown) = watch::channel(false);
    let tasks = models.spawn(log.clone(), shutdown);
    let receipt = w.act(case, Action::Command(CommandKind::AddNote)).await;
    models.wait_for(receipt.stream_seq, WAIT).await.unwrap();
    let stored: serde_json::Value =
        serde_json::from_slice(&trees.tree("files").get(case_key(case)).unwrap().unwrap()).unwrap();
    assert!(stored.get("timeline").is_none(), "the lines moved out");
    let after = case_file::get_file(&trees, case).unwrap().unwrap();
    assert_eq!(after.timeline.len(), 202);
    assert_eq!(after.timeline[..201], file.timeline[..]);
    stop.send(true).unwrap();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

// ---- the scripted office ---------------------------------------------------------------------

async fn a_scripted_office_reads_as_an_investigator_expects<B: Backend>(
    log: Arc<EventLog<B>>,
    dir: &TempDir,
) {
    let models = open_models(dir, "views");
    let (stop, shutdown) = watch::channel(false);
    let tasks = models.spawn(log.clone(), shutdown);
    let mut w = World::new(log.clone(), shipped_rules());
    let close = |r| Action::Close(r);
    let cmd = Action::Command;

    // 1. Found, corrective action carried out.
    w.now = ts("2026-12-01T02:00:00Z");
    let a = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;
    w.accept(a).await;
    w.now = ts("2026-12-14T02:00:00Z"); // Monday 14 Dec 2026, 09:00 WIB
    w.found(a).await;
    // 2. Found, corrective action still running across the year-end holidays.
    let b = w
        .report(
            "jawa-barat",
            0,
            &["undue_delay", "failure_to_serve"],
            Channel::Web,
        )
        .await;
    w.accept(b).await;
    w.found(b).await;
    w.now = ts("2027-01-05T02:00:00Z");
    w.act(a, cmd(CommandKind::ReportCorrectiveAction)).await;
    w.act(a, close(ClosureReason::CorrectiveActionImplemented))
        .await;
    // 3. Resolution, recommendation, implemented.
    let c = w
        .report(
            "jawa-barat",
            1,
            &["improper_request_for_payment"],
            Channel::Letter,
        )
        .await;
    w.accept(c).await;
    w.found(c).await;
    let refused = CommandBody::ReportCorrectiveAction {
        reports: vec![event::ActionReport {
            action_id: "1".into(),
            status: taxonomy::ActionStatus::Refused,
        }],
        received_on: w.today(),
        note: None,
    };
    w.command(c, Role::Investigator, refused).await.unwrap();
    w.act(c, cmd(CommandKind::ReferToResolution)).await;
    w.act(c, cmd(CommandKind::ReferToRecommendation)).await;
    w.act(c, cmd(CommandKind::Recommend)).await;
    // 4. Mediation agreed, settled.
    let d = w
        .report("jawa-barat", 1, &["improper_conduct"], Channel::WalkIn)
        .await;
    w.accept(d).await;
    w.act(d, cmd(CommandKind::StartMediation)).await;
    w.act(d, cmd(CommandKind::Mediate)).await;
    w.act(d, close(ClosureReason::SettledByMediation)).await;
    // 5. Incomplete report: completion clock runs (30 calendar days).
    let e = w.report("jawa-barat", 2, &["other"], Channel::Web).await;
    w.act(e, cmd(CommandKind::RequestCompletion)).await;
    // 6. Completed, accepted, reassigned.
    let f = w
        .report("jawa-barat", 2, &["undue_delay"], Channel::WalkIn)
        .await;
    w.act(f, cmd(CommandKind::RequestCompletion)).await;
    w.act(f, cmd(CommandKind::Complete)).await;
    w.accept(f).await;
    w.act(f, cmd(CommandKind::Assign)).await;
    // 7. Withdrawn.
    let g = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::Letter)
        .await;
    w.act(g, close(ClosureReason::WithdrawnByReporter)).await;
    // 8. Clarification asked, answered 5 days later.
    let h = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;
    w.accept(h).await;
    w.act(h, cmd(CommandKind::RequestClarification)).await;
    w.advance_days(5);
    w.act(h, cmd(CommandKind::AnswerClarification)).await;
    // 9. Clarification asked, never answered (overdue later).
    let i = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;
    w.accept(i).await;
    w.act(i, cmd(CommandKind::RequestClarification)).await;
    // 10. Another office's case.
    let j = w
        .report("jakarta-raya", 0, &["undue_delay"], Channel::Web)
        .await;
    w.accept(j).await;
    // 11. Closed and reopened.
    let k = w
        .report("jawa-barat", 1, &["partiality"], Channel::WalkIn)
        .await;
    w.act(k, close(ClosureReason::WithdrawnByReporter)).await;
    let reopened = w.try_act(k, cmd(CommandKind::Reopen)).await;
    // 12. A note only.
    let l = w.report("jawa-barat", 2, &["other"], Channel::Web).await;
    w.act(l, cmd(CommandKind::AddNote)).await;

    models.wait_for(w.last_seq, WAIT).await.unwrap();
    let cases = models.cases.trees();
    let stats = models.statistics.trees();

    // The case file: state, clocks (due across the holidays), timeline, sealed parties.
    let file_b = case_file::get_file(&cases, b).unwrap().unwrap();
    assert_eq!(file_b.state.status, Status::CorrectiveAction);
    let clocks = file_b.running_clocks();
    assert_eq!(clocks.len(), 1);
    assert_eq!(clocks[0].clock, ClockKind::CorrectiveAction);
    // 30 working days after Mon 14 Dec 2026, skipping weekends and, in config/holidays.toml,
    // 24 Dec (cuti bersama), 25 Dec, 1 Jan and 5 Jan 2027: Fri 29 Jan 2027 (25 Jan without).
    assert_eq!(clocks[0].due_on, date("2027-01-29"));
    assert_eq!(clocks[0].calendar_version, "id-2025-2027.1");
    let types: Vec<_> = file_b.timeline.iter().map(|t| t.event_type).collect();
    assert_eq!(
        types,
        [
            EventType::Reported,
            EventType::Verified,
            EventType::Verified,
            EventType::Accepted,
            EventType::ConclusionProposed,
            EventType::ConclusionApproved,
            EventType::ConclusionNotified,
            EventType::ReporterResponded,
            EventType::LhpIssued,
        ]
    );
    assert!(file_b.conclusion.is_some());
    let raw = serde_json::to_string(&file_b).unwrap();
    assert!(!raw.contains("Asep"), "personal data is sealed at rest");
    let open = |field: &case_file::SealedField| {
        let vault = w.vault.clone();
        let field = field.clone();
        async move {
            match vault.unseal(&field.sealed, &field.field).await.unwrap() {
                ombud_envelope::Unsealed::Revealed(bytes) => String::from_utf8(bytes).unwrap(),
                ombud_envelope::Unsealed::Erased => panic!("{} is erased", field.field),
            }
        }
    };
    let reporter = file_b.reporter.as_ref().unwrap();
    assert!(open(&reporter.identity).await.contains("Asep"));
    assert!(open(&file_b.summary).await.contains("KTP-el"));

    let file_c = case_file::get_file(&cases, c).unwrap().unwrap();
    assert_eq!(file_c.state.status, Status::Recommendation);
    assert_eq!(
        file_c.conclusion.as_ref().map(|c| c.stage),
        Some(case_file::ConclusionStage::Issued)
    );
    assert!(file_c.recommendation.is_some());
    let file_d = case_file::get_file(&cases, d).unwrap().unwrap();
    assert_eq!(file_d.state.status, Status::Closed);
    assert!(file_d.mediation.as_ref().unwrap().outcome.is_some());
    assert_eq!(
        file_d.closure.as_ref().unwrap().reason,
        ClosureReason::SettledByMediation
    );
    let file_k = case_file::get_file(&cases, k).unwrap().unwrap();
    assert_eq!(reopened.is_ok(), file_k.state.status.is_open());

    // The index: filters, pagination, order.
    let today = date("2027-01-06");
    let jabar = CaseFilter {
        office: Some(OfficeCode::parse("jawa-barat").unwrap()),
        ..CaseFilter::default()
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = case_index::list(
            &cases,
            &jabar,
            CaseOrder::Newest,
            cursor.as_deref(),
            4,
            today,
        )
        .unwrap();
        seen.extend(page.items.iter().map(|s| s.case_id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<CaseId> = [l, k, i, h, g, f, e, d, c, b, a].into();
    assert_eq!(seen, expected, "newest first, every page, no repeats");
    let closed = CaseFilter {
        status: Some(vec![Status::Closed]),
        ..jabar.clone()
    };
    let closed_ids: Vec<_> = case_index::list(&cases, &closed, CaseOrder::Newest, None, 50, today)
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.case_id)
        .collect();
    let mut want_closed = vec![g, d, a];
    if reopened.is_err() {
        want_closed.insert(0, k);
    }
    assert_eq!(closed_ids, want_closed);
    let by_form = CaseFilter {
        form: Some(FormCode::parse("failure_to_serve").unwrap()),
        ..CaseFilter::default()
    };
    assert_eq!(
        case_index::list(&cases, &by_form, CaseOrder::Newest, None, 50, today)
            .unwrap()
            .items
            .len(),
        1
    );
    // Overdue: the unanswered clarification (14 days from 5 Jan) is not yet; the completion
    // request of case e (30 days from 5 Jan) is not yet; on 1 Mar both are.
    let overdue = CaseFilter {
        overdue: Some(true),
        ..jabar.clone()
    };
    assert!(
        case_index::list(&cases, &overdue, CaseOrder::Due, None, 50, today)
            .unwrap()
            .items
            .is_empty()
    );
    let later = date("2027-03-01");
    let late: Vec<_> = case_index::list(&cases, &overdue, CaseOrder::Due, None, 50, later)
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.case_id)
        .collect();
    assert!(
        late.contains(&i) && late.contains(&e) && late.contains(&b),
        "{late:?}"
    );
    assert!(case_index::list(
        &cases,
        &CaseFilter::default(),
        CaseOrder::Newest,
        Some("zz"),
        5,
        today
    )
    .is_err());

    // The work queue of riksa.siti: open, assigned to her, next due first, no clock last.
    let siti = ActorId::parse("riksa.siti").unwrap();
    let queue = work_queue::work_queue(&cases, &siti, today).unwrap();
    let queued: Vec<_> = queue.iter().map(|q| q.case.case_id).collect();
    assert!(!queued.contains(&f), "f was reassigned to riksa.agus");
    assert!(
        !queued.contains(&a) && !queued.contains(&d),
        "closed cases leave the queue"
    );
    let dues: Vec<_> = queue.iter().map(|q| q.case.next_due).collect();
    let mut sorted = dues.clone();
    sorted.sort_by_key(|d| d.map_or((1, None), |d| (0, Some(d))));
    assert_eq!(dues, sorted, "ordered by next due date, none last");
    assert_eq!(
        work_queue::work_queue(&cases, &ActorId::parse("riksa.agus").unwrap(), today)
            .unwrap()
            .iter()
            .map(|q| q.case.case_id)
            .collect::<Vec<_>>(),
        vec![f]
    );

    // The deadline board and escalation candidates, judged at query time.
    let board = deadline_board::board(&cases, today, 60, &Default::default()).unwrap();
    let on_board: Vec<_> = board
        .iter()
        .map(|b| (b.entry.case_id, b.entry.deadline.clock))
        .collect();
    assert!(on_board.contains(&(i, ClockKind::Clarification)));
    assert!(on_board.contains(&(e, ClockKind::Completion)));
    assert!(
        !on_board.iter().any(|(case, _)| *case == h),
        "answered clarification stops its clock"
    );
    assert!(deadline_board::escalation_candidates(&cases, today, None)
        .unwrap()
        .is_empty());
    let candidates = deadline_board::escalation_candidates(&cases, later, None).unwrap();
    assert!(candidates.iter().all(|c| c.overdue && c.days_left < 0));
    assert!(candidates.iter().any(|c| c.entry.case_id == i));

    // The agency dossiers, per office: Jawa Barat's dealings with Disdukcapil are its own,
    // Jakarta Raya's case against it (j) is in Jakarta Raya's.
    let jawa_barat = OfficeCode::parse("jawa-barat").unwrap();
    let jakarta = OfficeCode::parse("jakarta-raya").unwrap();
    let disduk_code = AgencyCode::parse(AGENCIES[0].0).unwrap();
    let disduk = agency_dossier::agency_dossier(&stats, &jawa_barat, &disduk_code)
        .unwrap()
        .unwrap();
    assert_eq!(disduk.dossier.office, jawa_barat);
    assert_eq!(disduk.dossier.open + disduk.dossier.closed, 5); // a b g h i
    assert_eq!(disduk.dossier.closed, 2); // a, g
    assert_eq!(disduk.dossier.corrective_action.required, 2); // a, b
    assert_eq!(disduk.dossier.corrective_action.implemented, 1); // a
    assert_eq!(disduk.clarification_median_days, Some(5));
    assert_eq!(disduk.dossier.by_form.get("undue_delay"), Some(&5));
    let theirs = agency_dossier::agency_dossier(&stats, &jakarta, &disduk_code)
        .unwrap()
        .unwrap();
    assert_eq!((theirs.dossier.open, theirs.dossier.closed), (1, 0)); // j
    assert_eq!(theirs.dossier.by_form.get("undue_delay"), Some(&1));
    let rsud_code = AgencyCode::parse(AGENCIES[1].0).unwrap();
    assert!(
        agency_dossier::agency_dossier(&stats, &jakarta, &rsud_code)
            .unwrap()
            .is_none(),
        "Jakarta Raya has no case against the RSUD"
    );
    let rsud = agency_dossier::agency_dossier(&stats, &jawa_barat, &rsud_code)
        .unwrap()
        .unwrap();
    assert_eq!(rsud.dossier.recommendation.required, 1);
    assert_eq!(
        rsud.dossier.by_outcome.get("settled_by_mediation"),
        Some(&1)
    );

    // Office statistics.
    let jb = office_stats::office_stats(&stats, &OfficeCode::parse("jawa-barat").unwrap(), today)
        .unwrap()
        .unwrap();
    let intake: u64 = jb.stats.intake.values().flat_map(|m| m.values()).sum();
    assert_eq!(intake, 11);
    assert_eq!(jb.stats.per_state.values().sum::<u64>(), 11);
    assert_eq!(jb.stats.per_state.get("corrective_action"), Some(&1));
    assert_eq!(jb.stats.findings.get("found"), Some(&3));
    assert_eq!(jb.found_rate, Some(1.0));
    let open: u64 = jb.ageing.values().sum();
    assert_eq!(
        open,
        jb.stats
            .per_state
            .iter()
            .filter(|(s, _)| *s != "closed")
            .map(|(_, n)| n)
            .sum::<u64>()
    );
    let jr = office_stats::office_stats(&stats, &OfficeCode::parse("jakarta-raya").unwrap(), today)
        .unwrap()
        .unwrap();
    assert_eq!(jr.stats.per_state.values().sum::<u64>(), 1);

    // And a clean rebuild reads the same.
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let clean = clean_rebuild(&log, dir, "clean").await;
    assert_eq!(dumps(&models), dumps(&clean));
}

// ---- rebuilds --------------------------------------------------------------------------------

async fn a_rebuild_equals_the_live_model_on_random_events<B: Backend>(
    log: Arc<EventLog<B>>,
    dir: &TempDir,
) {
    let models = open_models(dir, "views");
    let (stop, shutdown) = watch::channel(false);
    let tasks = models.spawn(log.clone(), shutdown);
    let mut w = World::new(log.clone(), shipped_rules());
    w.random_walk(&mut Rng::new(7), 2_500).await;
    assert!(w.last_seq >= 2_000, "only {} events", w.last_seq);
    models.wait_for(w.last_seq, WAIT).await.unwrap();
    let live = dumps(&models);
    the_stored_tree_is_the_whole_tree(&models, w.last_seq);
    // Rebuild in place (swap) and into a fresh directory: both equal the live model.
    let reports = models.rebuild(&log, None).await.unwrap();
    assert!(reports
        .iter()
        .all(|r| r.generation == 2 && r.quarantined == 0));
    assert_eq!(dumps(&models), live);
    // The replaced generation is dropped a moment after the swap.
    assert!(models.generations_on_disk() >= ombud_projection::PROJECTORS.len());
    let deadline = tokio::time::Instant::now() + WAIT;
    while models.generations_on_disk() > ombud_projection::PROJECTORS.len() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "old generation kept"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let clean = clean_rebuild(&log, dir, "clean").await;
    assert_eq!(dumps(&clean), live);
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

async fn a_rebuild_while_events_arrive_ends_equal_to_a_clean_one<B: Backend>(
    log: Arc<EventLog<B>>,
    dir: &TempDir,
) {
    let models = open_models(dir, "views");
    let (stop, shutdown) = watch::channel(false);
    let tasks = models.spawn(log.clone(), shutdown);
    let mut w = World::new(log.clone(), shipped_rules());
    let mut rng = Rng::new(11);
    w.random_walk(&mut rng, 800).await;
    let writer = tokio::spawn(async move {
        w.random_walk(&mut rng, 800).await;
        w
    });
    let reports = models.rebuild(&log, None).await.unwrap();
    assert!(reports.iter().all(|r| r.generation == 2));
    let w = writer.await.unwrap();
    models.wait_for(w.last_seq, WAIT).await.unwrap();
    let clean = clean_rebuild(&log, dir, "clean").await;
    assert_eq!(dumps(&models), dumps(&clean));
    let status = models.status(Some(w.last_seq));
    assert!(status
        .iter()
        .all(|s| s.generation == 2 && s.lag == Some(0) && s.rebuild.is_none()));
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

/// The shared feed starts at the lower checkpoint: the projector behind catches up from its
/// own, the one ahead skips what it has (not applied twice: its rows equal a clean rebuild).
async fn projectors_at_different_checkpoints_share_one_feed<B: Backend>(
    log: Arc<EventLog<B>>,
    dir: &TempDir,
) {
    let mut w = World::new(log.clone(), shipped_rules());
    let mut rng = Rng::new(5);
    w.random_walk(&mut rng, 300).await;
    let models = open_models(dir, "views");
    // Only the cases projector runs for a while: statistics stays at zero.
    let (stop, shutdown) = watch::channel(false);
    let alone = tokio::spawn(models.cases.clone().run(log.clone(), shutdown));
    models.cases.wait_for(w.last_seq, WAIT).await.unwrap();
    stop.send(true).unwrap();
    alone.await.unwrap().unwrap();
    let ahead = models.cases.checkpoint();
    assert_eq!(ahead, w.last_seq);
    assert_eq!(models.statistics.checkpoint(), 0);

    w.random_walk(&mut rng, 200).await;
    let (stop, shutdown) = watch::channel(false);
    let tasks = models.spawn(log.clone(), shutdown);
    models.wait_for(w.last_seq, WAIT).await.unwrap();
    assert!(w.last_seq > ahead);
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let clean = clean_rebuild(&log, dir, "clean").await;
    assert_eq!(dumps(&models), dumps(&clean));
}

async fn a_restarted_projector_resumes_exactly<B: Backend>(log: Arc<EventLog<B>>, dir: &TempDir) {
    let mut w = World::new(log.clone(), shipped_rules());
    let mut rng = Rng::new(3);
    for round in 0..3 {
        let models = open_models(dir, "views");
        let (stop, shutdown) = watch::channel(false);
        let tasks = models.spawn(log.clone(), shutdown);
        w.random_walk(&mut rng, 300).await;
        models.wait_for(w.last_seq, WAIT).await.unwrap();
        assert!(
            models
                .status(None)
                .iter()
                .all(|s| s.state == RunState::Running),
            "round {round}"
        );
        stop.send(true).unwrap();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert!(models
            .status(None)
            .iter()
            .all(|s| s.state == RunState::Stopped));
        w.random_walk(&mut rng, 100).await; // written while no projector runs
    }
    let models = open_models(dir, "views");
    let (_stop, shutdown) = watch::channel(false);
    let _tasks = models.spawn(log.clone(), shutdown);
    models.wait_for(w.last_seq, WAIT).await.unwrap();
    let clean = clean_rebuild(&log, dir, "clean").await;
    assert_eq!(dumps(&models), dumps(&clean));
}

/// Read models kept under another version of a projector's rows (here: statistics made
/// before dossiers were per office) are not read: the projector starts a fresh generation,
/// catches up from the start of the log by itself, and ends equal to a clean rebuild.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_models_of_another_version_start_afresh_and_catch_up() {
    let dir = TempDir::new("projection-version").unwrap();
    let log = embedded_log(&dir);
    let mut w = World::new(log.clone(), shipped_rules());
    let mut rng = Rng::new(11);
    let generation = {
        let models = open_models(&dir, "views");
        let (stop, shutdown) = watch::channel(false);
        let tasks = models.spawn(log.clone(), shutdown);
        w.random_walk(&mut rng, 200).await;
        models.wait_for(w.last_seq, WAIT).await.unwrap();
        stop.send(true).unwrap();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        models.statistics.trees().generation()
    };
    // As an older ombud left them: the statistics' rows recorded as version 1.
    {
        ombud_testkit::wait_for_sled_release(&dir.path().join("views"));
        let db = sled::open(dir.path().join("views")).unwrap();
        db.open_tree("projections.meta")
            .unwrap()
            .insert("version.statistics", &1u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    ombud_testkit::wait_for_sled_release(&dir.path().join("views"));
    let models = open_models(&dir, "views");
    assert_eq!(
        models.statistics.trees().generation(),
        generation + 1,
        "a fresh generation"
    );
    assert_eq!(
        models.statistics.checkpoint(),
        0,
        "it starts from the beginning of the log"
    );
    assert!(
        models.cases.checkpoint() > 0,
        "the cases projector is untouched"
    );
    let (_stop, shutdown) = watch::channel(false);
    let _tasks = models.spawn(log.clone(), shutdown);
    models.wait_for(w.last_seq, WAIT).await.unwrap();
    let clean = clean_rebuild(&log, &dir, "clean").await;
    assert_eq!(dumps(&models), dumps(&clean));
}

async fn read_your_writes_waits_for_the_sequence_or_times_out<B: Backend>(
    log: Arc<EventLog<B>>,
    dir: &TempDir,
) {
    let models = open_models(dir, "views");
    let (_stop, shutdown) = watch::channel(false);
    let _tasks = models.spawn(log.clone(), shutdown);
    let mut w = World::new(log.clone(), shipped_rules());
    let case = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;
    let receipt = w.accept(case).await;
    models.wait_for(receipt.stream_seq, WAIT).await.unwrap();
    let summary = case_index::summary(&models.cases.trees(), case)
        .unwrap()
        .unwrap();
    assert_eq!(
        summary.status,
        Status::UnderExamination,
        "the write is visible after the wait"
    );
    let err = models
        .wait_for(receipt.stream_seq + 100, Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ombud_projection::ProjectionError::NotYet { wanted, .. } if wanted == receipt.stream_seq + 100),
        "{err}"
    );
}

async fn erased_personal_data_reads_as_erased_in_the_case_file<B: Backend>(
    log: Arc<EventLog<B>>,
    dir: &TempDir,
) {
    let models = open_models(dir, "views");
    let (_stop, shutdown) = watch::channel(false);
    let _tasks = models.spawn(log.clone(), shutdown);
    let mut w = World::new(log.clone(), shipped_rules());
    let case = w
        .report("jawa-barat", 0, &["undue_delay"], Channel::WalkIn)
        .await;
    w.act(case, Action::Command(CommandKind::AddNote)).await;
    // A closed case: the DPO erases without the head of office's approval.
    w.act(case, Action::Close(ClosureReason::WithdrawnByReporter))
        .await;
    let receipt = w
        .act(case, Action::Command(CommandKind::ErasePersonalData))
        .await;
    w.vault.destroy(&KeyId::for_case(case)).await.unwrap();
    models.wait_for(receipt.stream_seq, WAIT).await.unwrap();
    let file = case_file::get_file(&models.cases.trees(), case)
        .unwrap()
        .unwrap();
    assert!(file.state.personal_data_erased);
    let erasure = file
        .erasure
        .as_ref()
        .expect("the case file records the erasure");
    assert_eq!(erasure.request_ref, "PDP/2026/001");
    let note = file.timeline[1].text.as_ref().unwrap();
    for sealed in [
        &file.reporter.as_ref().unwrap().identity,
        &file.summary,
        note,
    ] {
        assert_eq!(
            w.vault.unseal(&sealed.sealed, &sealed.field).await.unwrap(),
            ombud_envelope::Unsealed::Erased
        );
    }
    assert_eq!(file.timeline.len(), 4, "the trail itself stays");
}
