//! The transparency log's routes (docs/audit.md): `GET /v1/log/vkey` (the log's verifier key,
//! C2SP signed-note form), `GET /v1/log/checkpoint` (a C2SP checkpoint of the tree as it
//! stands, signed by the log key) and `GET /v1/log/proof?seq=&size=` (the inclusion proof of
//! a stream sequence's leaf, with the signed checkpoint it leads to). The tree is the
//! `log_tree` projection; checkpoints are signed on demand, over sizes the tree holds, and
//! two checkpoints are always consistent because the tree only grows.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ombud_domain::Role;
use ombud_projection::models::log_tree::StoredTree;
use ombud_tlog::Checkpoint;
use serde::Deserialize;
use serde_json::json;

use crate::{query, Problem, Shared};

/// Who may read the tree's checkpoints and proofs: the auditor and the chair.
fn auditors_only(actor: &ombud_domain::Actor) -> Result<(), Problem> {
    if matches!(actor.role, Role::Auditor | Role::Chair) {
        return Ok(());
    }
    Err(ombud_service::ServiceError::Forbidden(format!(
        "only auditors and the chair read the transparency log (this token's role is {})",
        actor.role
    ))
    .into())
}

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn storage(e: impl std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "read_models_unavailable",
        "The transparency log cannot be read",
        e.to_string(),
    )
}

/// `GET /v1/log/vkey`.
pub(crate) async fn vkey(State(api): Shared, headers: HeaderMap) -> Result<Response, Problem> {
    api.tokens.authenticate(&headers)?;
    Ok(text(format!("{}\n", api.log_signer.verifier().vkey())))
}

/// The signed checkpoint of the first `size` leaves (the whole tree when `None`), with the
/// size it covers.
fn signed(api: &crate::Api, size: Option<u64>) -> Result<(Checkpoint, String), Problem> {
    let models = api.service.models();
    let trees = models.log_tree.trees();
    let tree = StoredTree::new(&trees);
    let held = tree.size().map_err(storage)?;
    let size = size.unwrap_or(held);
    if size > held {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "beyond_the_tree",
            "The tree is not that large yet",
            format!("the tree holds {held} leaves"),
        ));
    }
    let checkpoint = Checkpoint {
        origin: api.log_signer.verifier().name().to_owned(),
        size,
        root: tree.root(size).map_err(storage)?,
    };
    let note = checkpoint.sign(&api.log_signer);
    Ok((checkpoint, note))
}

/// `GET /v1/log/checkpoint`.
pub(crate) async fn checkpoint(
    State(api): Shared,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    auditors_only(&actor)?;
    let (_, note) = signed(&api, None)?;
    Ok(text(note))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProofParams {
    seq: u64,
    size: Option<u64>,
}

/// `GET /v1/log/proof?seq=&size=`.
pub(crate) async fn proof(
    State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<ProofParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    auditors_only(&actor)?;
    let p = query(q)?;
    let (checkpoint, note) = signed(&api, p.size)?;
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
    let models = api.service.models();
    let trees = models.log_tree.trees();
    let path = StoredTree::new(&trees)
        .inclusion_proof(index, checkpoint.size)
        .map_err(storage)?
        .unwrap_or_default();
    Ok(Json(json!({
        "index": index,
        "size": checkpoint.size,
        "path": path.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
        "checkpoint": note,
    }))
    .into_response())
}
