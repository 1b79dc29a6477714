//! The [`Projector`] trait: what a read model implements to be fed by the runtime, and
//! [`Projected`], the verified, decoded event it is given.
//!
//! The runtime hands events in stream order, each at most once per generation under normal
//! running; after a crash it replays from the checkpoint, so `apply` must be idempotent per
//! row: write derived rows (indexes) first, guarded aggregate rows next, and the primary row
//! of the case last, skipping rows whose [`crate::store::Guarded::last_seq`] is at or beyond
//! the event.

use ombud_envelope::{RecordedEvent, Sha256Hash};

use crate::error::ApplyError;
use crate::rows::Rows;

/// A chain-verified, decoded event, with its place in the log.
#[derive(Debug, Clone)]
pub struct Projected<'a> {
    /// Global position (stream sequence).
    pub stream_seq: u64,
    /// The hash of its body.
    pub hash: Sha256Hash,
    /// The event with its envelope attributes.
    pub recorded: &'a RecordedEvent,
}

/// A read model fed from the event log.
pub trait Projector: Send + Sync + 'static {
    /// Its name (in status, metrics and tree names): lower case, no dots.
    const NAME: &'static str;
    /// The sled trees it writes (per generation), in write order: derived and aggregate
    /// trees first, the primary tree (whose rows guard the rest) last.
    const TREES: &'static [&'static str];
    /// Whether every row it writes belongs to a single case (no row shared between cases,
    /// like an aggregate). A large batch is then applied as independent partitions by case,
    /// on two threads.
    const PER_CASE_ROWS: bool = false;
    /// Whether it folds case events. Then the runtime verifies each case's hash chain for it,
    /// keeps a chain row per case, quarantines poison and holds its case. A model over the
    /// stream itself ([`Projector::every_message`] alone) says `false`: nothing is applied
    /// or quarantined for it, none of that work is done, and the messages it counts as
    /// foreign are those that [`LogMessage::genuine`] is `None` for.
    const FOLDS_CASES: bool = true;
    /// The shape of its rows. Raise it when the rows change meaning or keys: read models kept
    /// under another version are then not read; the projector starts a fresh generation and
    /// catches up from the start of the log by itself (a rebuild, without an operator).
    const VERSION: u32 = 1;

    /// Folds one event into the trees. Synchronous: it runs on a blocking thread.
    fn apply(&self, rows: &mut Rows<'_>, event: &Projected<'_>) -> Result<(), ApplyError>;

    /// Notes a foreign message on `case`'s subjects (never applied; the runtime records it
    /// itself). A model that shows cases may mark the case; the default does nothing. Must be
    /// idempotent: a replay after a crash notes it again.
    fn foreign(
        &self,
        _rows: &mut Rows<'_>,
        _case: ombud_domain::CaseId,
        _stream_seq: u64,
    ) -> Result<(), ApplyError> {
        Ok(())
    }

    /// Sees every message of the log in stream order, genuine or not, before it is judged: a
    /// model over the stream itself (the transparency log's tree). Must be idempotent (a
    /// replay after a crash shows it again); an error stops the projector.
    fn every_message(
        &self,
        _rows: &mut Rows<'_>,
        _message: &LogMessage<'_>,
    ) -> Result<(), ApplyError> {
        Ok(())
    }
}

/// A message of the log as [`Projector::every_message`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct LogMessage<'a> {
    /// Its stream sequence.
    pub stream_seq: u64,
    /// SHA-256 of its exact body bytes.
    pub body_hash: &'a Sha256Hash,
    /// For a message with ombud's valid mark that decodes as an event of the case its subject
    /// names: the case, its position in the case and the event type. `None`: foreign.
    pub genuine: Option<(ombud_domain::CaseId, u64, &'static str)>,
}
