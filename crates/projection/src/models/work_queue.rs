//! The work queue: per assignee, open cases ordered by the next due date (overdue first,
//! cases without a running clock last), from the `queue` index (`assignee 0x00 due case`).

use chrono::NaiveDate;
use ombud_domain::ActorId;
use schemars::JsonSchema;
use serde::Serialize;

use crate::error::ProjectionError;
use crate::models::case_index::{summary, CaseSummary};
use crate::rows::Rows;
use crate::store::{case_from_key, case_key, date_key, Trees};

fn queue_key(s: &CaseSummary) -> Option<Vec<u8>> {
    let assignee = s.assignee.as_ref()?;
    s.status.is_open().then(|| {
        let mut key = assignee.as_str().as_bytes().to_vec();
        key.push(0);
        key.extend_from_slice(&date_key(s.next_due));
        key.extend_from_slice(&case_key(s.case_id));
        key
    })
}

/// Brings the queue row of a case from `old` to `new` (idempotent; an unchanged key is not
/// written again).
pub(crate) fn update(rows: &mut Rows<'_>, old: Option<&CaseSummary>, new: &CaseSummary) {
    let (old_key, new_key) = (old.and_then(queue_key), queue_key(new));
    if old_key == new_key {
        return;
    }
    if let Some(key) = old_key {
        rows.remove("queue", &key);
    }
    if let Some(key) = new_key {
        rows.mark("queue", &key);
    }
}

/// One line of a work queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct QueueItem {
    /// The case.
    #[serde(flatten)]
    pub case: CaseSummary,
    /// Days until the next due date (negative when overdue).
    pub days_left: Option<i64>,
    /// Whether a clock is past due.
    pub overdue: bool,
}

/// `assignee`'s open cases, next due first, judged on `today`.
pub fn work_queue(
    trees: &Trees,
    assignee: &ActorId,
    today: NaiveDate,
) -> Result<Vec<QueueItem>, ProjectionError> {
    let mut prefix = assignee.as_str().as_bytes().to_vec();
    prefix.push(0);
    let mut out = Vec::new();
    for row in trees.tree("queue").scan_prefix(prefix) {
        let (key, _) = row?;
        let Some(case_id) = case_from_key(&key) else {
            continue;
        };
        if let Some(case) = summary(trees, case_id).map_err(crate::error_from_apply)? {
            out.push(QueueItem {
                days_left: case.next_due.map(|d| (d - today).num_days()),
                overdue: case.is_overdue(today),
                case,
            });
        }
    }
    Ok(out)
}
