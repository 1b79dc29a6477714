//! The DPO's erasure desk: every erasure request on record and every erasure done, across
//! cases, in the `erasures` index (`case request_ref` → the request with its case's reference,
//! office and where it stands), so the DPO and the heads who decide see what waits for them
//! without opening each case.

use ombud_domain::{ActorId, CaseId, CaseReference, OfficeCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ProjectionError;
use crate::models::case_file::CaseFile;
use crate::rows::Rows;
use crate::store::{case_from_key, Trees};

/// The index's tree.
pub(crate) const TREE: &str = "erasures";

/// Where an erasure request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErasureStage {
    /// Put by the DPO on an open case; the head of office has not decided.
    Pending,
    /// Approved: the DPO may erase under this reference.
    Approved,
    /// Refused by the head of office.
    Refused,
    /// The case's personal data was erased under this reference.
    Erased,
    /// Not carried out: the case's personal data was erased under another reference.
    Superseded,
}

/// One erasure request (or an erasure of a closed case, which needs none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErasureEntry {
    /// The case.
    pub case_id: CaseId,
    /// Its reference.
    pub reference: CaseReference,
    /// Its office.
    pub office: OfficeCode,
    /// The DPO's reference of the request.
    pub request_ref: String,
    /// Who put the request (none for an erasure of a closed case without one).
    pub requested_by: Option<ActorId>,
    /// Where it stands.
    pub stage: ErasureStage,
    /// Whether the case is open (a pending request is decided only then).
    pub open: bool,
}

fn key(case_id: CaseId, request_ref: &str) -> Vec<u8> {
    let mut key = crate::store::case_key(case_id).to_vec();
    key.extend_from_slice(request_ref.as_bytes());
    key
}

/// The desk's rows of a case file.
pub(crate) fn entries(file: &CaseFile) -> Vec<(Vec<u8>, ErasureEntry)> {
    let erased = file.erasure.as_ref().map(|e| e.request_ref.as_str());
    let entry = |request_ref: &str, requested_by: Option<ActorId>, stage| ErasureEntry {
        case_id: file.case_id,
        reference: file.reference.clone(),
        office: file.office.clone(),
        request_ref: request_ref.to_owned(),
        requested_by,
        stage,
        open: file.state.status.is_open(),
    };
    let mut out: Vec<(Vec<u8>, ErasureEntry)> = file
        .state
        .erasure_requests
        .iter()
        .map(|r| {
            let stage = match (erased, r.approved) {
                (Some(done), _) if done == r.request_ref => ErasureStage::Erased,
                (Some(_), Some(false)) => ErasureStage::Refused,
                (Some(_), _) => ErasureStage::Superseded,
                (None, None) => ErasureStage::Pending,
                (None, Some(true)) => ErasureStage::Approved,
                (None, Some(false)) => ErasureStage::Refused,
            };
            (
                key(file.case_id, &r.request_ref),
                entry(&r.request_ref, Some(r.requested_by.clone()), stage),
            )
        })
        .collect();
    if let Some(done) = erased {
        if !out.iter().any(|(_, e)| e.request_ref == done) {
            out.push((
                key(file.case_id, done),
                entry(done, None, ErasureStage::Erased),
            ));
        }
    }
    out
}

/// Brings the desk rows of a case from `old` to `new` (idempotent; an unchanged row is not
/// written again).
pub(crate) fn update(rows: &mut Rows<'_>, old: Vec<(Vec<u8>, ErasureEntry)>, new: &CaseFile) {
    let fresh = entries(new);
    for (key, _) in &old {
        if !fresh.iter().any(|(k, _)| k == key) {
            rows.remove(TREE, key);
        }
    }
    for (key, entry) in fresh {
        if !old.iter().any(|(k, e)| *k == key && *e == entry) {
            rows.put(TREE, &key, entry);
        }
    }
}

/// The requests on the desk, of `office` when given, in `stages` when given.
pub fn list(
    trees: &Trees,
    office: Option<&OfficeCode>,
    stages: Option<&[ErasureStage]>,
) -> Result<Vec<ErasureEntry>, ProjectionError> {
    let mut out = Vec::new();
    for row in trees.tree(TREE).iter() {
        let (key, value) = row?;
        if case_from_key(&key).is_none() {
            continue;
        }
        let entry: ErasureEntry =
            serde_json::from_slice(&value).map_err(|e| ProjectionError::BadRow {
                key: format!("{TREE} {}", crate::store::hex(&key)),
                why: e.to_string(),
            })?;
        if office.is_some_and(|o| *o != entry.office)
            || stages.is_some_and(|s| !s.contains(&entry.stage))
        {
            continue;
        }
        out.push(entry);
    }
    Ok(out)
}
