//! `GET /v1/cases/{id}/bundle`: a case's evidence bundle (docs/audit.md, `ombud_tlog::bundle`)
//! as JSON, `{"case_id", "files": {<path>: <text>}}`, which `ombud audit export` writes out
//! as a directory. The events are read exactly as stored, after the same checks as the
//! trail (who may see the case, the chain verified); every proof leads to one checkpoint,
//! the latest, signed anew first when it does not yet cover the case's last event.

use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ombud_projection::models::log_tree::StoredTree;
use ombud_tlog::bundle::{self, BundleEvent};
use ombud_tlog::policy::Policy;
use serde_json::json;

use super::{auditors_only, catching_up, current, latest, storage};
use crate::{parse_case, Problem, Shared};

/// How long an export waits for the tree to reach the case's last event.
const TREE_WAIT: Duration = Duration::from_secs(5);

fn unreadable(why: String) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "corrupt_trail",
        "A stored event cannot be put in a bundle",
        why,
    )
}

/// The policy of this log: its key, its witnesses and their quorum.
pub(crate) fn policy(api: &crate::Api) -> String {
    let t = &api.transparency;
    let witnesses: Vec<_> = t
        .witnesses()
        .iter()
        .map(|w| (w.name.clone(), w.key.clone()))
        .collect();
    Policy::write(&t.signer().verifier(), &witnesses, t.quorum())
}

/// `GET /v1/cases/{id}/bundle`.
pub(crate) async fn export(
    State(api): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let actor = api.tokens.authenticate(&headers)?;
    auditors_only(&actor)?;
    let case_id = parse_case(&id)?;
    Ok(Json(build(&api, &actor, case_id).await?).into_response())
}

/// The bundle of `case_id` as `actor` may have it (an auditor or the chair): `{"case_id",
/// "files"}`. The web interface's audit page offers the same as a download.
pub(crate) async fn build(
    api: &crate::Api,
    actor: &ombud_domain::Actor,
    case_id: ombud_domain::CaseId,
) -> Result<serde_json::Value, Problem> {
    auditors_only(actor)?;
    let stored = api.service.stored_events(actor, case_id).await?;
    let last = stored.last().map_or(0, |m| m.stream_seq);
    // The tree follows the log a moment behind; wait (bounded) for the case's last event.
    let started = Instant::now();
    loop {
        let held = StoredTree::new(&api.service.models().log_tree.trees())
            .size()
            .map_err(storage)?;
        if held >= last {
            break;
        }
        if started.elapsed() > TREE_WAIT {
            return Err(catching_up(held, last));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut signed = latest(api).await?;
    if signed.checkpoint.size < last {
        signed = current(api).await?;
    }
    let size = signed.checkpoint.size;
    let trees = api.service.models().log_tree.trees();
    let tree = StoredTree::new(&trees);
    let held = tree.size().map_err(storage)?;
    if held < size {
        return Err(catching_up(held, size));
    }
    let mut events = Vec::with_capacity(stored.len());
    for m in stored {
        let json: serde_json::Value = serde_json::from_slice(&m.body)
            .map_err(|e| unreadable(format!("stream sequence {}: {e}", m.stream_seq)))?;
        let case_seq = json["caseseq"].as_u64();
        let event_type = json["type"]
            .as_str()
            .and_then(|t| t.strip_prefix("ombud.case."));
        let (Some(case_seq), Some(event_type)) = (case_seq, event_type) else {
            return Err(unreadable(format!(
                "stream sequence {}: no caseseq or type",
                m.stream_seq
            )));
        };
        let path = tree
            .inclusion_proof(m.stream_seq - 1, size)
            .map_err(storage)?
            .ok_or_else(|| catching_up(held, m.stream_seq))?;
        let mut headers = Vec::new();
        if let Some(hash) = &m.hash {
            headers.push((
                ombud_eventlog::jetstream::HASH_HEADER.to_owned(),
                hash.clone(),
            ));
        }
        if let Some(mac) = &m.mac {
            headers.push((ombud_envelope::mark::MAC_HEADER.to_owned(), mac.clone()));
        }
        events.push(BundleEvent {
            stream_seq: m.stream_seq,
            case_seq,
            event_type: event_type.to_owned(),
            body: m.body,
            headers,
            path,
        });
    }
    let case = case_id.to_string();
    let files = bundle::write(
        &case,
        &events,
        &signed.note,
        &policy(api),
        api.transparency.signer(),
    );
    let mut texts = serde_json::Map::new();
    for (path, bytes) in files {
        let text = String::from_utf8(bytes)
            .map_err(|_| unreadable(format!("{path} is not UTF-8 text")))?;
        texts.insert(path, text.into());
    }
    Ok(json!({ "case_id": case, "files": texts }))
}
