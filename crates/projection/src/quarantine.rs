//! Poison events and foreign messages.
//!
//! A genuine event (it carries ombud's mark) that a projector cannot decode or apply is
//! recorded in the quarantine with its sequence and the reason, its case is held (its later
//! events are quarantined too, so the case's model never silently diverges), and every other
//! case flows on. A rebuild (after a fix: an upcaster, a bug fix) starts a clean quarantine
//! and retries them all.
//!
//! A foreign message (no valid mark, or a marked copy out of its case's chain) is recorded in
//! its own tree, never applied, and never holds its case: ombud did not write it.

use ombud_domain::CaseId;
use serde::{Deserialize, Serialize};

use crate::error::ApplyError;
use crate::rows::Rows;
use crate::store::{case_key, Trees};

/// One quarantined event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedEvent {
    /// Its stream sequence.
    pub stream_seq: u64,
    /// Its case, when the subject names one.
    pub case_id: Option<CaseId>,
    /// The subject it was published on.
    pub subject: String,
    /// Why it was not applied.
    pub reason: String,
}

/// Whether `seq` is already in quarantine (a replay must not rewrite its reason).
pub(crate) fn contains(rows: &mut Rows<'_>, seq: u64) -> Result<bool, ApplyError> {
    rows.contains("quarantine", &seq.to_be_bytes())
}

/// The first quarantined sequence of `case`, if the case is held.
pub(crate) fn held_since(rows: &mut Rows<'_>, case: CaseId) -> Result<Option<u64>, ApplyError> {
    rows.get("held", &case_key(case))
}

/// Quarantines an event and holds its case.
pub(crate) fn record(rows: &mut Rows<'_>, entry: &QuarantinedEvent) -> Result<(), ApplyError> {
    rows.put("quarantine", &entry.stream_seq.to_be_bytes(), entry.clone());
    if let Some(case) = entry.case_id {
        if !rows.contains("held", &case_key(case))? {
            rows.put("held", &case_key(case), entry.stream_seq);
        }
    }
    Ok(())
}

/// Records a foreign message (its case is not held).
pub(crate) fn record_foreign(rows: &mut Rows<'_>, entry: &QuarantinedEvent) {
    rows.put("foreign", &entry.stream_seq.to_be_bytes(), entry.clone());
}

/// Every quarantined event, oldest first.
pub fn list(trees: &Trees) -> Result<Vec<QuarantinedEvent>, ApplyError> {
    list_tree(trees, "quarantine")
}

/// Every foreign message, oldest first.
pub fn list_foreign(trees: &Trees) -> Result<Vec<QuarantinedEvent>, ApplyError> {
    list_tree(trees, "foreign")
}

fn list_tree(trees: &Trees, name: &str) -> Result<Vec<QuarantinedEvent>, ApplyError> {
    trees
        .tree(name)
        .iter()
        .map(|row| {
            let (_, value) = row?;
            serde_json::from_slice(&value).map_err(|e| ApplyError::BadRow {
                key: name.into(),
                why: e.to_string(),
            })
        })
        .collect()
}

/// Whether `case` is held (its model stopped at a quarantined event).
pub fn is_held(trees: &Trees, case: CaseId) -> Result<bool, ApplyError> {
    Ok(trees.tree("held").contains_key(case_key(case))?)
}
