//! The transparency log's routes (docs/audit.md): `GET /v1/log/vkey` (the log's verifier key,
//! C2SP signed-note form), `GET /v1/log/checkpoint` (the latest signed checkpoint, with its
//! witnesses' cosignatures), `GET /v1/log/proof?seq=&size=` (the inclusion proof of a stream
//! sequence's leaf), `GET /v1/log/consistency?old=&new=`, `GET /v1/log/tile/<L>/<N>[.p/<W>]`
//! and `GET /v1/log/tile/entries/<N>[.p/<W>]` (C2SP tlog-tiles) and `GET
//! /v1/cases/{id}/bundle` (a case's evidence bundle).
//! The tree is the `log_tree` projection; checkpoints are kept by [`Transparency`].

pub mod bundle;
pub mod tiles;
pub mod transparency;
mod witness_client;

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ombud_domain::Role;
use ombud_projection::models::log_tree::StoredTree;
use ombud_tlog::Checkpoint;
use serde::Deserialize;
use serde_json::json;

pub use transparency::{CheckpointError, Signed, Transparency, WitnessPeer};

use crate::{query, Problem, Shared};

/// Who may read the tree's checkpoints, proofs and bundles: the auditor and the chair.
pub(crate) fn auditors_only(actor: &ombud_domain::Actor) -> Result<(), Problem> {
    if matches!(actor.role, Role::Auditor | Role::Chair) {
        return Ok(());
    }
    Err(ombud_service::ServiceError::Forbidden(format!(
        "only auditors and the chair read the transparency log (this token's role is {})",
        actor.role
    ))
    .into())
}

/// Who may read the log's own routes (checkpoints, proofs, tiles): a monitor token
/// (`[log] monitor_tokens_sha256`), or an auditor's or the chair's token.
pub(crate) fn log_reader(api: &crate::Api, headers: &HeaderMap) -> Result<(), Problem> {
    if crate::auth::bearer(headers).is_ok_and(|t| api.transparency.is_monitor(t)) {
        return Ok(());
    }
    auditors_only(&api.tokens.authenticate(headers)?)
}

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

pub(crate) fn storage(e: impl std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "read_models_unavailable",
        "The transparency log cannot be read",
        e.to_string(),
    )
}

fn beyond(held: u64) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "beyond_the_tree",
        "The tree is not that large yet",
        format!("the tree holds {held} leaves"),
    )
}

/// The latest checkpoint, signing one first when there is none yet.
pub(crate) async fn latest(api: &crate::Api) -> Result<Arc<Signed>, Problem> {
    if let Some(signed) = api.transparency.latest() {
        return Ok(signed);
    }
    current(api).await
}

/// A checkpoint covering the tree as it stands now (signed now if the tree grew).
pub(crate) async fn current(api: &crate::Api) -> Result<Arc<Signed>, Problem> {
    match api.transparency.advance().await {
        Ok(Some(signed)) => Ok(signed),
        Ok(None) => Err(storage("no checkpoint yet")),
        Err(e) => Err(problem(e)),
    }
}

/// `GET /v1/log/vkey`.
pub(crate) async fn vkey(State(api): Shared, headers: HeaderMap) -> Result<Response, Problem> {
    api.tokens.authenticate(&headers)?;
    Ok(text(format!(
        "{}\n",
        api.transparency.signer().verifier().vkey()
    )))
}

/// A checkpoint of the first `size` leaves, signed now (no cosignatures), only while the
/// tree extends the latest checkpoint.
async fn signed_at(api: &crate::Api, size: u64) -> Result<(Checkpoint, String), Problem> {
    api.transparency.sign_at(size).await.map_err(problem)
}

fn problem(e: CheckpointError) -> Problem {
    match e {
        CheckpointError::Beyond { held } => beyond(held),
        CheckpointError::CatchingUp { held, size } => catching_up(held, size),
        e @ CheckpointError::Fork { .. } => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "log_forked",
            "The log refuses to sign: its tree does not extend its last checkpoint",
            e.to_string(),
        ),
        e => storage(e),
    }
}

/// `GET /v1/log/checkpoint`.
pub(crate) async fn checkpoint(
    State(api): Shared,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    log_reader(&api, &headers)?;
    Ok(text(latest(&api).await?.note.clone()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProofParams {
    seq: u64,
    size: Option<u64>,
}

/// The checkpoint a proof leads to: the latest one, or one signed at `size`.
async fn proof_checkpoint(
    api: &crate::Api,
    size: Option<u64>,
    leaf_seq: u64,
) -> Result<(Checkpoint, String), Problem> {
    match size {
        Some(size) => signed_at(api, size).await,
        None => {
            let mut signed = latest(api).await?;
            if leaf_seq > signed.checkpoint.size {
                signed = current(api).await?;
            }
            Ok((signed.checkpoint.clone(), signed.note.clone()))
        }
    }
}

/// `GET /v1/log/proof?seq=&size=`.
pub(crate) async fn proof(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<ProofParams>, QueryRejection>,
) -> Result<Response, Problem> {
    log_reader(&api, &headers)?;
    let p = query(q)?;
    let (checkpoint, note) = proof_checkpoint(&api, p.size, p.seq).await?;
    let index = p
        .seq
        .checked_sub(1)
        .filter(|i| *i < checkpoint.size)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "beyond_the_tree",
                "No such leaf in the tree",
                format!(
                    "stream sequence {} is not among the {} leaves",
                    p.seq, checkpoint.size
                ),
            )
        })?;
    let trees = api.service.models().log_tree.trees();
    let tree = StoredTree::new(&trees);
    let held = tree.size().map_err(storage)?;
    if held < checkpoint.size {
        return Err(catching_up(held, checkpoint.size));
    }
    let path = tree
        .inclusion_proof(index, checkpoint.size)
        .map_err(storage)?
        .unwrap_or_default();
    Ok(Json(json!({
        "index": index,
        "size": checkpoint.size,
        "path": path.iter().map(transparency::b64).collect::<Vec<_>>(),
        "checkpoint": note,
    }))
    .into_response())
}

/// The tree is behind the kept checkpoint (a restart or a rebuild replaying the log).
pub(crate) fn catching_up(held: u64, size: u64) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "log_catching_up",
        "The tree is catching up with the log",
        format!("the tree holds {held} of the checkpoint's {size} leaves; retry shortly"),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsistencyParams {
    old: u64,
    new: Option<u64>,
}

/// `GET /v1/log/consistency?old=&new=`: the RFC 6962 consistency proof between two sizes
/// (`new` defaults to the latest checkpoint's), with the checkpoint of `new`.
pub(crate) async fn consistency(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<ConsistencyParams>, QueryRejection>,
) -> Result<Response, Problem> {
    log_reader(&api, &headers)?;
    let p = query(q)?;
    let (checkpoint, note) = match p.new {
        Some(new) => signed_at(&api, new).await?,
        None => {
            let signed = latest(&api).await?;
            (signed.checkpoint.clone(), signed.note.clone())
        }
    };
    if p.old > checkpoint.size {
        return Err(Problem::malformed(format!(
            "`old` {} is beyond `new` {}",
            p.old, checkpoint.size
        )));
    }
    let trees = api.service.models().log_tree.trees();
    let tree = StoredTree::new(&trees);
    let held = tree.size().map_err(storage)?;
    if held < checkpoint.size {
        return Err(catching_up(held, checkpoint.size));
    }
    let proof = if p.old == 0 || p.old == checkpoint.size {
        Vec::new()
    } else {
        tree.consistency_proof(p.old, checkpoint.size)
            .map_err(storage)?
            .unwrap_or_default()
    };
    Ok(Json(json!({
        "old": p.old,
        "new": checkpoint.size,
        "proof": proof.iter().map(transparency::b64).collect::<Vec<_>>(),
        "checkpoint": note,
    }))
    .into_response())
}
