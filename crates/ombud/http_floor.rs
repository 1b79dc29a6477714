//! The HTTP floor of `ombud bench api`: the least an HTTP command can cost on ombud's server
//! stack. A minimal axum router served the way `ombud serve` serves (`ombud_http::serve`,
//! HTTP/1.1 keep-alive on a loopback listener) answers `POST /v1/cases` and
//! `POST /v1/cases/{id}/notes` by reading the request body and appending a body of ombud's
//! stored size raw: a JetStream publish with ombud's headers (message id, the case's
//! expected last sequence, hash and mark of the same size), or a sled insert and flush. It
//! checks no token, decides nothing, seals nothing; it answers a small JSON with the case id,
//! as ombud does, so the same client drives both and the ratio compares like with like.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use ombud_eventlog::embedded::Flusher;
use ombud_testkit::TempDir;
use serde_json::json;
use uuid::Uuid;

/// Where the floor appends.
pub enum RawLog {
    /// Publishes on this JetStream context (ombud's stream and subjects).
    JetStream(async_nats::jetstream::Context),
    /// Inserts into a fresh sled database, flushed before answering.
    Sled {
        _dir: TempDir,
        tree: sled::Tree,
        flusher: Arc<Flusher>,
        next: AtomicU64,
    },
}

impl RawLog {
    /// A fresh sled database in a temporary directory, flushed only when asked.
    pub fn sled() -> anyhow::Result<RawLog> {
        let dir = TempDir::new("bench-http-floor")?;
        let db = sled::Config::new()
            .path(dir.path())
            .flush_every_ms(None)
            .open()?;
        Ok(RawLog::Sled {
            tree: db.open_tree("events")?,
            flusher: Arc::new(Flusher::new(db)),
            next: AtomicU64::new(1),
            _dir: dir,
        })
    }
}

struct Floor {
    log: RawLog,
    /// The bodies appended for a report and for a note (ombud's stored sizes).
    report: Bytes,
    note: Bytes,
    /// Each case's last stream sequence (for the expected-last-sequence header).
    last: Mutex<HashMap<Uuid, u64>>,
}

#[derive(Debug)]
struct Failed(String);

impl IntoResponse for Failed {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.0).into_response()
    }
}

impl Floor {
    async fn append(&self, case: Uuid, event_type: &str, body: Bytes) -> Result<u64, Failed> {
        let failed = |e: &dyn std::fmt::Display| Failed(e.to_string());
        match &self.log {
            RawLog::JetStream(context) => {
                let expected = self
                    .last
                    .lock()
                    .map_err(|e| failed(&e))?
                    .get(&case)
                    .copied()
                    .unwrap_or(0);
                let headers = ombud_bench::floor::raw_headers(
                    &format!("floor-{}", Uuid::now_v7()),
                    expected,
                    &case.to_string(),
                );
                let ack = context
                    .publish_with_headers(format!("ombud.case.{case}.{event_type}"), headers, body)
                    .await
                    .map_err(|e| failed(&e))?
                    .await
                    .map_err(|e| failed(&e))?;
                self.last
                    .lock()
                    .map_err(|e| failed(&e))?
                    .insert(case, ack.sequence);
                Ok(ack.sequence)
            }
            RawLog::Sled {
                tree,
                flusher,
                next,
                ..
            } => {
                let seq = next.fetch_add(1, Ordering::Relaxed);
                tree.insert(seq.to_be_bytes(), body.as_ref())
                    .map_err(|e| failed(&e))?;
                flusher.wrote();
                flusher.flush().await.map_err(|e| failed(&e))?;
                Ok(seq)
            }
        }
    }
}

async fn report(State(floor): State<Arc<Floor>>, request: Bytes) -> Result<Response, Failed> {
    std::hint::black_box(request);
    let case = Uuid::now_v7();
    let seq = floor.append(case, "reported", floor.report.clone()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "case_id": case, "seq": seq, "case_seq": 1 })),
    )
        .into_response())
}

async fn note(
    State(floor): State<Arc<Floor>>,
    Path(case): Path<Uuid>,
    request: Bytes,
) -> Result<Response, Failed> {
    std::hint::black_box(request);
    let seq = floor.append(case, "note_added", floor.note.clone()).await?;
    Ok(Json(json!({ "case_id": case, "seq": seq })).into_response())
}

/// Serves the floor on a loopback port until `stop` changes; returns its address.
pub async fn serve(
    log: RawLog,
    sizes: (usize, usize),
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<(
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let floor = Arc::new(Floor {
        log,
        report: Bytes::from(vec![b'x'; sizes.0]),
        note: Bytes::from(vec![b'y'; sizes.1]),
        last: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/v1/cases", post(report))
        .route("/v1/cases/{id}/notes", post(note))
        .with_state(floor);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(ombud_http::serve::serve(
        Arc::new(listener),
        router,
        Default::default(),
        async move {
            stop.changed().await.ok();
        },
    ));
    Ok((addr, server))
}
