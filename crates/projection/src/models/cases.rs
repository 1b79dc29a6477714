//! The `cases` projector: folds each event into the case file and keeps the case index, the
//! work queues, the deadline board and the erasure desk in step with it. Write order (crash-safe replay):
//! derived rows first (idempotent: the index rows and the event's timeline line), the case
//! file row last (its `last_seq` guards the rest).

use crate::error::ApplyError;
use crate::models::case_file::{timeline_key, CaseFile, TimelineEntry, TIMELINE_TREE};
use crate::models::case_index::{self, CaseSummary};
use crate::models::{deadline_board, erasure_desk, work_queue};
use crate::projector::{Projected, Projector};
use crate::rows::Rows;
use crate::store::{case_key, is_new};

/// The case file, case index, work queue and deadline board projector.
#[derive(Debug, Default, Clone, Copy)]
pub struct CasesProjector;

impl Projector for CasesProjector {
    const NAME: &'static str = "cases";
    const TREES: &'static [&'static str] = &[
        "summaries",
        "by_reported",
        "by_due",
        "queue",
        "clocks",
        erasure_desk::TREE,
        TIMELINE_TREE,
        "files",
    ];
    const PER_CASE_ROWS: bool = true;
    /// 6: timeline lines in segments of eight; 5: the erasure desk; 4: board rows with the unit and the engine's open proposal; 3: case summaries with
    /// the heads' agenda and pending receipts; 2: the v2 procedure (letters, the LHP, optional
    /// respondents); 1: v1.
    const VERSION: u32 = 6;

    fn apply(&self, rows: &mut Rows<'_>, event: &Projected) -> Result<(), ApplyError> {
        let case_id = event.recorded.event.case_id;
        let old: Option<CaseFile> = rows.take("files", &case_key(case_id))?;
        if !is_new(old.as_ref(), event.stream_seq) {
            if let Some(old) = old {
                rows.restore("files", &case_key(case_id), old);
            }
            return Ok(());
        }
        if let Err(refused) = CaseFile::check(old.as_ref(), event) {
            if let Some(old) = old {
                rows.restore("files", &case_key(case_id), old);
            }
            return Err(refused);
        }
        let old_summary = old.as_ref().map(CaseSummary::of);
        let old_clocks = old
            .as_ref()
            .map(deadline_board::entries)
            .unwrap_or_default();
        let old_erasures = old.as_ref().map(erasure_desk::entries).unwrap_or_default();
        let mut new = CaseFile::fold(old, event)?;
        // The new line (and, for a row from before lines had rows of their own, every line)
        // goes to its segment: the case row written per event stays the same size. A line
        // already there (an event applied again after a crash) is not added twice.
        for line in std::mem::take(&mut new.timeline) {
            let key = timeline_key(case_id, line.case_seq);
            let mut segment: Vec<TimelineEntry> =
                rows.take(TIMELINE_TREE, &key)?.unwrap_or_default();
            if !segment.iter().any(|l| l.stream_seq == line.stream_seq) {
                segment.push(line);
                segment.sort_by_key(|l| l.stream_seq);
            }
            rows.put(TIMELINE_TREE, &key, segment);
        }
        let new_summary = CaseSummary::of(&new);
        work_queue::update(rows, old_summary.as_ref(), &new_summary);
        case_index::update(rows, old_summary.as_ref(), new_summary);
        deadline_board::update(rows, old_clocks, &new);
        erasure_desk::update(rows, old_erasures, &new);
        rows.put("files", &case_key(case_id), new);
        Ok(())
    }

    fn foreign(
        &self,
        rows: &mut Rows<'_>,
        case: ombud_domain::CaseId,
        stream_seq: u64,
    ) -> Result<(), ApplyError> {
        let Some(mut file) = rows.get::<CaseFile>("files", &case_key(case))? else {
            return Ok(()); // no such case: nothing to mark
        };
        if !file.foreign_messages.contains(&stream_seq) {
            file.foreign_messages.push(stream_seq);
            rows.put("files", &case_key(case), file);
        }
        Ok(())
    }
}
