//! The auditor's view of a case: its whole trail read fresh from the log and verified link by
//! link from the first event (each message's mark checked: foreign messages are named with
//! their sequence and why, never counted as the case's), or the case as it stood at a stream
//! sequence or a time.

use ombud_domain::{CaseId, CaseState, Timestamp};
use ombud_envelope::KeyStore;
use ombud_eventlog::{AsOf, Backend, ForeignMessage, Trail};
use schemars::JsonSchema;
use serde::Serialize;

use crate::error::ServiceError;
use crate::queries::sees_all_offices;
use crate::Service;

/// A verified trail.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Verification {
    /// The case.
    pub case_id: CaseId,
    /// Events verified.
    pub events: u64,
    /// The hash of the last event (hex).
    pub head_hash: Option<String>,
    /// The stream sequence of the last event.
    pub head_seq: u64,
    /// Messages on the case's subjects that ombud did not write (or that are out of the
    /// chain): not part of the trail, and an incident to look into.
    pub foreign_messages: Vec<ForeignView>,
}

/// A foreign message, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ForeignView {
    /// Its stream sequence.
    pub seq: u64,
    /// Why it is not the case's.
    pub why: String,
}

impl From<&ForeignMessage> for ForeignView {
    fn from(f: &ForeignMessage) -> Self {
        ForeignView {
            seq: f.stream_seq,
            why: f.why.to_string(),
        }
    }
}

/// How far back an audit reads: a stream sequence or a time, or the end of an office day
/// (resolved in the case's office zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOfQuery {
    /// A sequence or an instant.
    At(AsOf),
    /// Through the end of this day at the case's office.
    EndOfDay(chrono::NaiveDate),
}

impl<B: Backend, S: KeyStore> Service<B, S> {
    async fn trail_checked(
        &self,
        actor: &ombud_domain::Actor,
        case_id: CaseId,
        as_of: Option<AsOfQuery>,
    ) -> Result<Trail, ServiceError> {
        self.log().ensure_available()?;
        let trail = match self.log().read_trail(case_id).await {
            Ok(trail) => trail,
            Err(e) => {
                let e = ServiceError::from(e);
                // A broken chain says that the case exists, where it breaks and why: only to
                // those who may see the case (judged on the read models, the trail being
                // unreadable).
                if matches!(e, ServiceError::Corrupt { .. }) && !sees_all_offices(actor.role) {
                    let summary = ombud_projection::models::case_index::summary(
                        &self.models().cases.trees(),
                        case_id,
                    )
                    .ok()
                    .flatten();
                    if summary.is_none_or(|s| s.office != actor.office) {
                        return Err(ServiceError::NotFound(case_id));
                    }
                }
                return Err(e);
            }
        };
        let mut events = trail.events;
        let as_of = match as_of {
            None => None,
            Some(AsOfQuery::At(at)) => Some(at),
            Some(AsOfQuery::EndOfDay(day)) => {
                // A day of the office that received the case, in its zone.
                let office = events
                    .iter()
                    .map(|e| &e.recorded.event.office)
                    .next()
                    .cloned();
                let offset = office.map_or_else(ombud_domain::deadline::wib, |o| {
                    self.rules().offices.offset_of(&o)
                });
                let end = Timestamp::parse_instant_or_day(&day.to_string(), offset, true)
                    .map_err(|e| ServiceError::Invalid(format!("`as_of`: {e}")))?;
                Some(AsOf::Time(end))
            }
        };
        if let Some(at) = as_of {
            events.retain(|e| match at {
                AsOf::Seq(seq) => e.stream_seq <= seq,
                AsOf::Time(time) => e.recorded.event.at <= time,
            });
        }
        let Some(first) = events.first() else {
            return Err(ServiceError::NotFound(case_id));
        };
        // The office the case belongs to now (a transfer moves it).
        let office = ombud_domain::fold(events.iter().map(|e| &e.recorded.event))
            .office
            .unwrap_or_else(|| first.recorded.event.office.clone());
        if !sees_all_offices(actor.role) && actor.office != office {
            return Err(ServiceError::NotFound(case_id));
        }
        Ok(Trail {
            events,
            foreign: trail.foreign,
        })
    }

    /// Every genuine event of the case (or up to `as_of`), chain-verified, personal data
    /// sealed, and the foreign messages found on its subjects.
    pub async fn trail(
        &self,
        actor: &ombud_domain::Actor,
        case_id: CaseId,
        as_of: Option<AsOfQuery>,
    ) -> Result<Trail, ServiceError> {
        self.trail_checked(actor, case_id, as_of).await
    }

    /// The case's genuine events exactly as stored (body bytes and headers), for an evidence
    /// bundle: the same checks as [`Service::trail`] (who may see it, the chain verified), then
    /// the stored messages of those events, in order.
    pub async fn stored_events(
        &self,
        actor: &ombud_domain::Actor,
        case_id: CaseId,
    ) -> Result<Vec<ombud_envelope::StoredEvent>, ServiceError> {
        let trail = self.trail_checked(actor, case_id, None).await?;
        let genuine: std::collections::HashSet<u64> =
            trail.events.iter().map(|e| e.stream_seq).collect();
        let mut stored = self
            .log()
            .backend()
            .read_case(case_id, 0)
            .await
            .map_err(ServiceError::from)?;
        stored.retain(|m| genuine.contains(&m.stream_seq));
        if stored.len() != genuine.len() {
            return Err(ServiceError::Invalid(format!(
                "case {case_id}: the log changed while it was read; retry"
            )));
        }
        Ok(stored)
    }

    /// The case's state as of a stream sequence or a time.
    pub async fn state_as_of(
        &self,
        actor: &ombud_domain::Actor,
        case_id: CaseId,
        as_of: AsOfQuery,
    ) -> Result<CaseState, ServiceError> {
        let events = self
            .trail_checked(actor, case_id, Some(as_of))
            .await?
            .events;
        Ok(ombud_domain::fold(events.iter().map(|e| &e.recorded.event)))
    }

    /// Verifies the whole chain of the case from its first event.
    pub async fn verify(
        &self,
        actor: &ombud_domain::Actor,
        case_id: CaseId,
    ) -> Result<Verification, ServiceError> {
        let trail = self.trail_checked(actor, case_id, None).await?;
        let last = trail.events.last();
        Ok(Verification {
            case_id,
            events: trail.events.len() as u64,
            head_hash: last.map(|e| e.hash.to_hex()),
            head_seq: last.map_or(0, |e| e.stream_seq),
            foreign_messages: trail.foreign.iter().map(ForeignView::from).collect(),
        })
    }
}

/// `as_of` from a query parameter: a stream sequence (digits), an RFC 3339 time, or a date
/// (the trail through the end of that day at the case's office, in its zone).
pub fn parse_as_of(text: &str) -> Result<AsOfQuery, ServiceError> {
    if let Ok(seq) = text.parse::<u64>() {
        return Ok(AsOfQuery::At(AsOf::Seq(seq)));
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(AsOfQuery::EndOfDay(day));
    }
    Timestamp::parse_instant_or_day(text, ombud_domain::deadline::wib(), true)
        .map(|t| AsOfQuery::At(AsOf::Time(t)))
        .map_err(|e| {
            ServiceError::Invalid(format!(
                "`as_of` must be a stream sequence (e.g. 120), a date or a time: {e}"
            ))
        })
}
