//! The raw floor every ombud figure is compared with, measured in the same run: async-nats
//! publishes with the same subjects, optimistic-concurrency headers (and hash and mark headers of the
//! same size) and body sizes as ombud's
//! appends, and sled inserts of the same sizes, each flushed before it counts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ombud_domain::CaseId;
use ombud_testkit::TempDir;
use uuid::Uuid;

use crate::measure::{drive, Run};
use crate::EVENTS_PER_CASE;

/// The case ids of a run of `events` events in cases of [`EVENTS_PER_CASE`] (one more case
/// than they fill; fresh per run so runs do not collide).
pub fn case_ids(events: usize) -> Arc<Vec<CaseId>> {
    Arc::new(
        (0..events / EVENTS_PER_CASE + 1)
            .map(|_| CaseId::from_uuid(Uuid::now_v7()))
            .collect(),
    )
}

/// Raw JetStream: `events` publishes in cases of [`EVENTS_PER_CASE`] (a `reported` of
/// `sizes.0` bytes, then `note_added`s of `sizes.1` bytes) over `concurrency` writers, each
/// with `Nats-Msg-Id` and the per-case expected-last-sequence headers, awaiting every ack.
pub async fn raw_jetstream(
    raw: &async_nats::jetstream::Context,
    events: usize,
    concurrency: usize,
    sizes: (usize, usize),
) -> anyhow::Result<Run> {
    let payloads = Arc::new((
        bytes::Bytes::from(vec![b'x'; sizes.0]),
        bytes::Bytes::from(vec![b'y'; sizes.1]),
    ));
    let cases = case_ids(events);
    let last = Arc::new(
        (0..cases.len())
            .map(|_| AtomicU64::new(0))
            .collect::<Vec<_>>(),
    );
    let raw = raw.clone();
    drive(events, concurrency, move |case, position| {
        let (raw, cases, last, payloads) =
            (raw.clone(), cases.clone(), last.clone(), payloads.clone());
        async move {
            let case_id = cases[case];
            let expected = last[case].load(Ordering::Relaxed);
            let headers = raw_headers(
                &format!("raw-{case_id}-{position}"),
                expected,
                &case_id.to_string(),
            );
            let (payload, event_type) = if position == 0 {
                (payloads.0.clone(), "reported")
            } else {
                (payloads.1.clone(), "note_added")
            };
            let ack = raw
                .publish_with_headers(
                    format!("ombud.case.{case_id}.{event_type}"),
                    headers,
                    payload,
                )
                .await?
                .await?;
            last[case].store(ack.sequence, Ordering::Relaxed);
            Ok(())
        }
    })
    .await
}

/// The headers of a raw publish, of the same shape and size as ombud's: message id, the
/// case's expected last sequence and its subject filter, a hash and a mark (computing those
/// is ombud's cost, not the floor's).
pub fn raw_headers(msg_id: &str, expected: u64, case_id: &str) -> async_nats::HeaderMap {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", msg_id);
    headers.insert(
        "Nats-Expected-Last-Subject-Sequence",
        expected.to_string().as_str(),
    );
    headers.insert(
        "Nats-Expected-Last-Subject-Sequence-Subject",
        format!("ombud.case.{case_id}.*").as_str(),
    );
    headers.insert(
        "Ombud-Hash",
        "0000000000000000000000000000000000000000000000000000000000000000",
    );
    headers.insert(
        "Ombud-Mac",
        "local:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    );
    headers
}

/// Raw sled: one insert of the same size per event into a fresh database, flushed before it
/// counts. Concurrent sled flushes can hang (see the embedded backend), so the floor flushes
/// the one safe way too: serialized, each flush covering every write before it.
pub async fn raw_sled(
    events: usize,
    concurrency: usize,
    sizes: (usize, usize),
) -> anyhow::Result<Run> {
    let (_dir, db) = fresh_sled("bench-raw-sled")?;
    let tree = db.open_tree("events")?;
    let flusher = Arc::new(ombud_eventlog::embedded::Flusher::new(db.clone()));
    let counter = Arc::new(AtomicU64::new(0));
    let rows = Arc::new((vec![b'x'; sizes.0], vec![b'y'; sizes.1]));
    let run = {
        let (flusher, tree) = (flusher.clone(), tree.clone());
        drive(events, concurrency, move |_case, position| {
            let (flusher, tree, counter, rows) =
                (flusher.clone(), tree.clone(), counter.clone(), rows.clone());
            async move {
                let seq = counter.fetch_add(1, Ordering::Relaxed);
                let row = if position == 0 { &rows.0 } else { &rows.1 };
                tree.insert(seq.to_be_bytes(), row.as_slice())?;
                flusher.wrote();
                flusher.flush().await?;
                Ok(())
            }
        })
        .await?
    };
    drop((tree, flusher, db));
    Ok(run)
}

/// Raw sled, batched like a projector: `rows` inserts of `row_size` bytes into a fresh
/// database, flushed every `batch` rows and at the end. Returns the time taken.
pub fn raw_sled_batched(
    rows: u64,
    row_size: usize,
    batch: u64,
) -> anyhow::Result<std::time::Duration> {
    let (_dir, db) = fresh_sled("bench-floor")?;
    let tree = db.open_tree("rows")?;
    let row = vec![b'r'; row_size];
    let started = std::time::Instant::now();
    for n in 1..=rows {
        tree.insert(n.to_be_bytes(), row.as_slice())?;
        if n % batch.max(1) == 0 {
            db.flush()?;
        }
    }
    db.flush()?;
    Ok(started.elapsed())
}

/// A fresh sled database in a temporary directory (removed when the guard drops), flushed
/// only when asked, as ombud's stores are.
fn fresh_sled(label: &str) -> anyhow::Result<(TempDir, sled::Db)> {
    let dir = TempDir::new(label)?;
    let db = sled::Config::new()
        .path(dir.path())
        .flush_every_ms(None)
        .open()?;
    Ok((dir, db))
}
