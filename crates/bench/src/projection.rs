//! The projection benchmark: fills a log with realistic cases (report, verification,
//! acceptance, clarification asked and answered, the LHP proposed, approved, notified and
//! issued, the corrective action reported, closure), then measures in
//! the same run the raw floor (replaying the log's feed without applying anything, and raw
//! batched sled writes of the same number of rows and bytes) against ombud's projectors
//! following the log from zero, and a full rebuild (time, peak memory, disk).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::NaiveDate;
use ombud_domain::command::ReportCase;
use ombud_domain::event::{
    ActionReport, Conclusion, CorrectiveAction, Decision, ReporterData, Respondent,
};
use ombud_domain::taxonomy::{
    ActionAddressee, ActionStatus, Addressee, AnswerOutcome, Channel, ClosureReason, Purpose,
    Track, VerificationStage,
};
use ombud_domain::{
    decide, ActorId, AgencyCode, CaseId, Command, CommandBody, FormCode, IdempotencyKey, KeyId,
    Letter, OfficeCode, Role, Rules, Timestamp, UnitCode, Via,
};
use ombud_envelope::{KeyStore, MasterKey, MemoryKeyStore, Sha256Hash, Vault};
use ombud_eventlog::{Append, Backend, EventLog};
use ombud_projection::{ProjectionConfig, ReadModels};
use ombud_testkit::TempDir;
use uuid::Uuid;

use crate::measure::settle;

/// Commands per case in the projection workload.
const STEPS: usize = 13;

fn actor(role: Role) -> ombud_domain::Actor {
    let id = match role {
        Role::Intake => "pvl.rina",
        Role::UnitHead => "kanit.dedi",
        Role::OfficeHead => "kepala.budi",
        _ => "riksa.siti",
    };
    ombud_domain::Actor {
        id: ActorId::parse(id).unwrap_or_else(|_| unreachable!()),
        role,
        office: OfficeCode::parse("jawa-barat").unwrap_or_else(|_| unreachable!()),
    }
}

async fn step<S: KeyStore>(
    vault: &Vault<S>,
    case: CaseId,
    n: usize,
    position: usize,
    day: NaiveDate,
) -> anyhow::Result<(Role, CommandBody)> {
    let letter = |received: bool| Letter {
        via: Via::Post,
        number: Some(format!("B/{n}/PW.13/{position}/2026")),
        date: day,
        received_on: received.then_some(day),
    };
    let key = KeyId::for_case(case);
    let seal = |field: &'static str, text: &'static str| {
        let key = key.clone();
        async move { vault.seal(&key, field, text.as_bytes()).await }
    };
    let agencies = [
        "disdukcapil-kota-tasikmalaya",
        "rsud-dr-soekardjo",
        "bapenda-kota-tasikmalaya",
        "dishub-kota-tasikmalaya",
    ];
    Ok(match position {
        0 => (
            Role::Intake,
            CommandBody::Report(Box::new(ReportCase {
                office: OfficeCode::parse("jawa-barat")?,
                channel: [Channel::WalkIn, Channel::Web, Channel::Letter][n % 3],
                external_ref: None,
                track: Track::Regular,
                reporter: Some(ReporterData {
                    confidential: false,
                    identity: seal(
                        "reporter.identity",
                        r#"{"name":"Asep Saepudin","nik":"3278010101800001"}"#,
                    )
                    .await?,
                }),
                received_on: None,
                respondent: Some(Respondent {
                    agency_code: AgencyCode::parse(agencies[n % agencies.len()])?,
                    agency_name: "Pemerintah Kota Tasikmalaya".into(),
                    unit: None,
                    superior: Some("Wali Kota Tasikmalaya".into()),
                }),
                forms: vec![FormCode::parse("undue_delay")?],
                incident_date: None,
                prior_complaint: true,
                summary: seal(
                    "summary",
                    "KTP-el tidak kunjung terbit setelah tiga bulan menunggu.",
                )
                .await?,
                criteria: Vec::new(),
                decision: None,
            })),
        ),
        1 | 2 => (
            Role::Intake,
            CommandBody::Verify {
                stage: if position == 1 {
                    VerificationStage::Formal
                } else {
                    VerificationStage::Material
                },
                passed: true,
                note: None,
            },
        ),
        3 => (
            Role::UnitHead,
            CommandBody::Accept {
                pleno: Decision {
                    number: format!("PLENO/{n}"),
                    date: day,
                },
                unit: UnitCode::parse("riksa-1")?,
                assignee: ActorId::parse(["riksa.siti", "riksa.agus", "riksa.dedi"][n % 3])?,
            },
        ),
        4 => (
            Role::Investigator,
            CommandBody::RequestClarification {
                addressee: Addressee::Respondent,
                purpose: Purpose::Clarification,
                letter: letter(true),
            },
        ),
        5 => (
            Role::Investigator,
            CommandBody::AnswerClarification {
                outcome: AnswerOutcome::Answered,
                received_on: Some(day),
                note: Some(seal("note", "Berkas sedang diproses di bidang pelayanan.").await?),
            },
        ),
        6 => (
            Role::Investigator,
            CommandBody::ProposeConclusion {
                conclusion: Conclusion::Found {
                    forms_found: vec![FormCode::parse("undue_delay")?],
                    corrective_actions: vec![CorrectiveAction {
                        id: "1".into(),
                        addressee: ActionAddressee::Respondent,
                        name: None,
                        action: seal(
                            "corrective_actions.action",
                            "Terbitkan KTP-el dalam 7 hari.",
                        )
                        .await?,
                    }],
                },
                summary: None,
            },
        ),
        7 => (
            Role::OfficeHead,
            CommandBody::ApproveConclusion { review_date: day },
        ),
        8 => (
            Role::Investigator,
            CommandBody::NotifyConclusion {
                letter: letter(true),
            },
        ),
        9 => (
            Role::Investigator,
            CommandBody::RecordReporterResponse {
                received_on: day,
                argued: false,
                note: None,
            },
        ),
        10 => (
            Role::OfficeHead,
            CommandBody::IssueLhp {
                letter: letter(true),
            },
        ),
        11 => (
            Role::Investigator,
            CommandBody::ReportCorrectiveAction {
                reports: vec![ActionReport {
                    action_id: "1".into(),
                    status: ActionStatus::Done,
                }],
                received_on: day,
                note: None,
            },
        ),
        12 => (
            Role::OfficeHead,
            CommandBody::Close {
                reason: ClosureReason::CorrectiveActionImplemented,
                pleno: None,
                letter: Some(letter(true)),
                note: None,
            },
        ),
        _ => (
            Role::Investigator,
            CommandBody::AddNote {
                note: seal("note", "Pelapor dihubungi; dokumen tambahan akan dikirim.").await?,
            },
        ),
    })
}

/// Appends `cases` cases of [`STEPS`] events with `concurrency` writers; returns the head.
async fn fill<B: Backend>(
    log: &Arc<EventLog<B>>,
    cases: usize,
    concurrency: usize,
) -> anyhow::Result<u64> {
    let vault = Arc::new(Vault::new(MasterKey::generate(), MemoryKeyStore::new()));
    let rules = Arc::new(Rules::default());
    let base = Timestamp::parse("2026-09-01T02:00:00Z")?.as_datetime();
    let mut writers = Vec::new();
    for w in 0..concurrency {
        let (log, vault, rules) = (log.clone(), vault.clone(), rules.clone());
        writers.push(tokio::spawn(async move {
            let mut n = w;
            while n < cases {
                let case = CaseId::from_uuid(Uuid::now_v7());
                vault.create_key(&KeyId::for_case(case)).await?;
                for position in 0..STEPS {
                    let at = base
                        + chrono::Duration::minutes((n % 10_000) as i64)
                        + chrono::Duration::days(2 * position as i64);
                    let day =
                        Timestamp::from_datetime(at).local_date(ombud_domain::deadline::wib());
                    let (role, body) = step(&vault, case, n, position, day).await?;
                    let loaded = if position == 0 {
                        log.assume_new(case)
                    } else {
                        log.load(case).await?
                    };
                    let event = decide(
                        &loaded.state,
                        Command {
                            case_id: case,
                            actor: actor(role),
                            at: Timestamp::from_datetime(at),
                            rules: rules.clone(),
                            body,
                        },
                    )
                    .with_context(|| format!("step {position}"))?;
                    log.append(Append {
                        event,
                        expected: loaded.head.case_seq,
                        idempotency_key: IdempotencyKey::parse(&format!("{case}-{position}"))?,
                        command_hash: Sha256Hash::of(format!("{case}-{position}").as_bytes()),
                        correlation_id: None,
                        causation_id: Uuid::now_v7(),
                    })
                    .await?;
                }
                n += concurrency;
            }
            anyhow::Ok(())
        }));
    }
    for writer in writers {
        writer.await??;
    }
    Ok(log.head().await?)
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Resets the peak-memory mark (Linux), so a phase's peak can be read on its own.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The floor once: replay the log's feed without applying anything, then raw sled writes of
/// one row of the average event size per event, flushed in the projector's batches.
/// Returns (replay, writes, body bytes replayed).
async fn floor_once<B: Backend>(
    log: &EventLog<B>,
    total: u64,
) -> anyhow::Result<(Duration, Duration, u64)> {
    let t = Instant::now();
    let mut feed = log.subscribe(0).await?;
    let mut bytes = 0u64;
    let mut seen = 0u64;
    while seen < total {
        let event = feed.next().await.context("the feed ended early")??;
        bytes += event.body.len() as u64;
        seen += 1;
    }
    drop(feed);
    let replay = t.elapsed();
    let batch = ProjectionConfig::default().max_batch as u64;
    let writes = crate::floor::raw_sled_batched(
        total,
        usize::try_from(bytes / total.max(1)).unwrap_or(512),
        batch,
    )?;
    Ok((replay, writes, bytes))
}

/// The median of some durations (the upper one of an even count).
fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// Bytes the projectors (both) write for one event of a case, at the case's 10th, 100th and
/// 500th event: one case of a report and 499 notes, each event appended and applied alone, on
/// `log` (empty or not: the projectors first catch up with what it holds).
pub async fn row_growth<B: Backend>(backend: &str, log: Arc<EventLog<B>>) -> anyhow::Result<()> {
    const AT: [usize; 3] = [10, 100, 500];
    let dir = TempDir::new("bench-row-growth")?;
    let models = ReadModels::open(&dir.path().join("views"), ProjectionConfig::default())?;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let tasks = models.spawn(log.clone(), shutdown);
    models
        .wait_for(log.head().await?, Duration::from_secs(3600))
        .await?;
    let vault = Vault::new(MasterKey::generate(), MemoryKeyStore::new());
    let workload = crate::Workload::new()?;
    let case = CaseId::from_uuid(Uuid::now_v7());
    vault.create_key(&KeyId::for_case(case)).await?;
    let written = |models: &ReadModels| -> (u64, u64) {
        models.status(None).iter().fold((0, 0), |(r, b), s| {
            (r + s.rows_written, b + s.bytes_written)
        })
    };
    let mut found = Vec::new();
    for position in 0..AT[AT.len() - 1] {
        let (rows_before, bytes_before) = written(&models);
        crate::ombud_op(&log, &vault, &workload, case, position).await?;
        models
            .wait_for(log.head().await?, Duration::from_secs(60))
            .await?;
        if AT.contains(&(position + 1)) {
            let (rows, bytes) = written(&models);
            found.push((position + 1, rows - rows_before, bytes - bytes_before));
        }
    }
    stop.send(true).ok();
    for task in tasks {
        task.await??;
    }
    let text: Vec<String> = found
        .iter()
        .map(|(n, rows, bytes)| format!("event {n}: {bytes} bytes in {rows} rows"))
        .collect();
    let ratio = match (found.first(), found.last()) {
        (Some((_, _, first)), Some((_, _, last))) => *last as f64 / (*first).max(1) as f64,
        _ => 0.0,
    };
    println!(
        "projection {backend:<9} bytes written per event of one case (report + notes, each applied alone): {}; 500th/10th {ratio:.2}",
        text.join(", ")
    );
    Ok(())
}

/// Runs the projection benchmark on `log` with `events` events: the projectors follow the log
/// from zero, then the floor and a full rebuild alternate for `rounds` rounds (floor, rebuild,
/// floor, rebuild, ...), so drift in the machine (disk, page cache, the read models already on
/// disk) falls on both alike; the ratios use the medians.
pub async fn bench<B: Backend>(
    backend: &str,
    log: Arc<EventLog<B>>,
    events: usize,
    concurrency: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let rounds = rounds.max(1);
    let cases = events.div_ceil(STEPS);
    let t = Instant::now();
    let head = fill(&log, cases, concurrency).await?;
    let fill_time = t.elapsed();
    let total = head; // a fresh log: sequences 1..=head

    // For the record (not part of the floor): replaying the log with decoding each event.
    let t = Instant::now();
    let mut feed = log.subscribe(0).await?;
    for _ in 0..total {
        let event = feed.next().await.context("the feed ended early")??;
        std::hint::black_box(ombud_envelope::decode(&event.body)?);
    }
    drop(feed);
    let decoding = t.elapsed();

    // ombud: both projectors following the log from zero, until caught up.
    let dir = TempDir::new("bench-views")?;
    let models = ReadModels::open(&dir.path().join("views"), ProjectionConfig::default())?;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    settle().await;
    let t = Instant::now();
    let cpu = crate::measure::process_cpu();
    let tasks = models.spawn(log.clone(), shutdown);
    models.wait_for(head, Duration::from_secs(3600)).await?;
    let follow = t.elapsed();
    let follow_cpu = crate::measure::process_cpu().saturating_sub(cpu);
    stop.send(true).ok();
    for task in tasks {
        task.await??;
    }
    let (rows, row_bytes) = models.status(None).iter().fold((0u64, 0u64), |(r, b), s| {
        (r + s.rows_written, b + s.bytes_written)
    });

    // For the record: raw sled writes of the rows and bytes the projectors wrote.
    let volume_writes = crate::floor::raw_sled_batched(
        rows,
        usize::try_from(row_bytes / rows.max(1)).unwrap_or(512),
        ProjectionConfig::default().max_batch as u64,
    )?;

    // Full rebuilds (both projectors, fresh generations, swap), alternating with the floor.
    let (mut rebuilds, mut peak, mut quarantined) = (Vec::new(), 0f64, 0u64);
    let (mut floors, mut bytes) = (Vec::new(), 0);
    for _ in 0..rounds {
        settle().await;
        let (replay, writes, replayed) = floor_once(&log, total).await?;
        floors.push((replay, writes));
        bytes = replayed;
        settle().await;
        reset_peak_rss();
        let t = Instant::now();
        let cpu = crate::measure::process_cpu();
        let reports = models.rebuild(&log, None).await?;
        rebuilds.push((
            t.elapsed(),
            crate::measure::process_cpu().saturating_sub(cpu),
        ));
        peak = peak.max(peak_rss_mib().unwrap_or(0.0));
        quarantined = quarantined.max(reports.iter().map(|r| r.quarantined).sum());
        // The replaced generation is dropped in the background a moment after the swap:
        // wait for it, so the drop does not land in the next floor's time.
        let deadline = Instant::now() + Duration::from_secs(60);
        while models.generations_on_disk() > ombud_projection::PROJECTORS.len()
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let disk = models.size_on_disk()? as f64 / (1024.0 * 1024.0);

    // The transparency tree alone (issue 18: it keeps up at >= 0.8 of the floor, and its
    // rebuild takes <= 1.5x the floor's time): rebuilds of `log_tree` only, alternating with
    // the floor as above.
    let (mut tree_rebuilds, mut tree_floors) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        settle().await;
        let (replay, writes, _) = floor_once(&log, total).await?;
        tree_floors.push(replay + writes);
        settle().await;
        let t = Instant::now();
        models.rebuild(&log, Some("log_tree")).await?;
        tree_rebuilds.push(t.elapsed());
        let deadline = Instant::now() + Duration::from_secs(60);
        while models.generations_on_disk() > ombud_projection::PROJECTORS.len()
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let floor_times: Vec<Duration> = floors.iter().map(|(r, w)| *r + *w).collect();
    let floor = median(&floor_times);
    let rebuild = median(&rebuilds.iter().map(|(t, _)| *t).collect::<Vec<_>>());
    let rate = |d: Duration| total as f64 / d.as_secs_f64();
    let secs = |values: &[Duration]| {
        values
            .iter()
            .map(|d| format!("{:.2}", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "projection {backend:<9} events {total} (filled in {:.1} s, {:.0} ev/s; {} bytes/event)",
        fill_time.as_secs_f64(),
        rate(fill_time),
        bytes / total.max(1)
    );
    for (round, (replay, writes)) in floors.iter().enumerate() {
        println!(
            "  floor {}:    replay {:.0} ev/s ({:.2} s) + raw sled writes {:.0} ev/s ({:.2} s) = {:.0} ev/s ({:.2} s)",
            round + 1,
            rate(*replay),
            replay.as_secs_f64(),
            rate(*writes),
            writes.as_secs_f64(),
            rate(*replay + *writes),
            (*replay + *writes).as_secs_f64()
        );
    }
    println!(
        "  floor:      median of {} runs {:.2} s = {:.0} ev/s",
        floors.len(),
        floor.as_secs_f64(),
        rate(floor)
    );
    println!(
        "  (for the record: replay + decode alone {:.0} ev/s; the projectors wrote {rows} rows, {:.1} MiB; raw sled writes of that volume {:.2} s, so replay + those writes = {:.0} ev/s)",
        rate(decoding),
        row_bytes as f64 / (1024.0 * 1024.0),
        volume_writes.as_secs_f64(),
        rate(median(&floors.iter().map(|(r, _)| *r).collect::<Vec<_>>()) + volume_writes)
    );
    println!(
        "  projectors: {:.0} ev/s ({:.2} s, every projector (cases, statistics, log_tree) concurrently; this process used {:.2} s of CPU)  ratio {:.2} of floor",
        rate(follow),
        follow.as_secs_f64(),
        follow_cpu.as_secs_f64(),
        rate(follow) / rate(floor)
    );
    for (round, (time, cpu)) in rebuilds.iter().enumerate() {
        println!(
            "  rebuild {}:  {:.2} s ({:.0} ev/s; {:.2} s of CPU)  {:.2} of the floor run before it",
            round + 1,
            time.as_secs_f64(),
            rate(*time),
            cpu.as_secs_f64(),
            time.as_secs_f64() / floor_times[round].as_secs_f64()
        );
    }
    println!(
        "  rebuild:    median of {} runs {:.2} s ({}) = {:.0} ev/s  time ratio {:.2} of floor (medians); peak RSS {peak:.0} MiB; read models on disk {:.0} MiB; quarantined {quarantined}",
        rebuilds.len(),
        rebuild.as_secs_f64(),
        secs(&rebuilds.iter().map(|(t, _)| *t).collect::<Vec<_>>()),
        rate(rebuild),
        rebuild.as_secs_f64() / floor.as_secs_f64(),
        disk
    );
    let tree_floor = median(&tree_floors);
    let tree_rebuild = median(&tree_rebuilds);
    println!(
        "  log_tree alone: rebuild median of {} runs {:.2} s ({}) = {:.0} ev/s  ratio {:.2} of floor ({:.0} ev/s, median {:.2} s), time ratio {:.2}",
        tree_rebuilds.len(),
        tree_rebuild.as_secs_f64(),
        secs(&tree_rebuilds),
        rate(tree_rebuild),
        rate(tree_rebuild) / rate(tree_floor),
        rate(tree_floor),
        tree_floor.as_secs_f64(),
        tree_rebuild.as_secs_f64() / tree_floor.as_secs_f64()
    );
    Ok(())
}
