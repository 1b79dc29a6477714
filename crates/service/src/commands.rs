//! Command handling: authorize and decide in the domain, append with optimistic concurrency,
//! answer retries with the original result.
//!
//! Order: hash the plaintext input → (not a report) load the case, check that the actor may
//! take this action on it at all (role, office: another office's case reads as absent), and
//! only then answer a known idempotency key with its original receipt → seal the texts under the case's key → decide
//! → append at the loaded position (or at `If-Match`). A lost race (the case moved between
//! load and append) is decided again on the fresh state, with a short random pause, for up to
//! the retry budget (2 s from the first lost race), unless the caller gave `If-Match`: then
//! the conflict is theirs. Without `If-Match` a conflict is ombud's to retry.

use ombud_domain::{
    decide, Actor, CaseId, CaseReference, Command, DomainError, IdempotencyKey, KeyId,
};
use ombud_envelope::KeyStore;
use ombud_envelope::SealError;
use ombud_eventlog::{Append, Backend};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use crate::error::ServiceError;
use crate::input::CommandInput;
use crate::Service;

/// A command as the edge hands it over.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    /// The case (`None` for a report).
    pub case_id: Option<CaseId>,
    /// Who (from the bearer token).
    pub actor: Actor,
    /// `Idempotency-Key`.
    pub idempotency_key: Option<IdempotencyKey>,
    /// `If-Match`: the case position the caller saw.
    pub if_match: Option<u64>,
    /// A correlation id to carry into the event.
    pub correlation_id: Option<Uuid>,
    /// When it happened, for imports and the demo loader; `None` (always, from the HTTP API)
    /// means now.
    pub at: Option<ombud_domain::Timestamp>,
    /// What to do.
    pub input: CommandInput,
}

/// A recorded (or recognised) command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Outcome {
    /// The case.
    pub case_id: CaseId,
    /// Its reference.
    pub reference: Option<CaseReference>,
    /// Global stream sequence of the event.
    pub seq: u64,
    /// The event's position in its case.
    pub case_seq: u64,
    /// The event id.
    pub event_id: Uuid,
    /// True when this answers a retry of an already recorded command.
    pub replayed: bool,
    /// For a new report naming a NIK: how many other cases of the office the same person
    /// reported (found through the blind index).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier_reports: Option<u64>,
}

impl<B: Backend, S: KeyStore> Service<B, S> {
    /// Runs one command.
    pub async fn execute(&self, request: CommandRequest) -> Result<Outcome, ServiceError> {
        self.log.ensure_available()?;
        let command_hash = request.input.command_hash()?;
        let is_report = matches!(request.input, CommandInput::Report(_));
        let is_erasure = matches!(request.input, CommandInput::ErasePersonalData(_));
        let person = self.reporter_index(&request.input)?;
        let case_id = match (request.case_id, is_report, &request.idempotency_key) {
            (Some(id), false, _) => id,
            (None, true, Some(key)) => self.report_case_id(&request.actor, key),
            (None, true, None) => CaseId::from_uuid(Uuid::now_v7()),
            (Some(_), true, _) => {
                return Err(ServiceError::Invalid(
                    "a report names no case: its id is made by ombud".into(),
                ))
            }
            (None, false, _) => {
                return Err(ServiceError::Invalid(format!(
                    "`{}` needs a case id",
                    request.input.route()
                )))
            }
        };
        let key = match &request.idempotency_key {
            Some(key) => key.clone(),
            None => generated_key()?,
        };

        // A retry whose first try already moved the case on must get its first answer, not a
        // refusal decided on the new state.
        // The case as loaded for the first attempt (later attempts load it afresh).
        let mut first_load = None;
        if !is_report {
            // Who may act comes first: a retry is answered only to someone who could have
            // sent it, and another office's case reads as absent.
            let loaded = self.log.load(case_id).await?;
            match ombud_domain::authorize(&loaded.state, &request.actor, request.input.action()) {
                Ok(()) => {}
                // The case may have left the actor's office since the first try (a transfer):
                // the actor who recorded the command still gets its answer, nobody else.
                Err(DomainError::OutsideOffice { .. }) => {
                    return match self
                        .log
                        .recorded_by(
                            case_id,
                            &key,
                            command_hash,
                            &request.actor.id,
                            &request.actor.office,
                        )
                        .await?
                    {
                        Some(receipt) => self.outcome(case_id, receipt).await,
                        None => Err(ServiceError::NotFound(case_id)),
                    };
                }
                Err(refusal) => return Err(ServiceError::Refused(refusal)),
            }
            if let Some(receipt) = self.log.recorded(case_id, &key, command_hash).await? {
                if is_erasure {
                    // The first try may have stopped between its event and its effects.
                    self.erase_effects(case_id).await?;
                }
                return self.outcome(case_id, receipt).await;
            }
            first_load = Some(loaded);
        }
        let data_key = KeyId::for_case(case_id);
        if is_report {
            self.vault.create_key(&data_key).await?;
        }
        let body = match request.input.clone().seal(&self.vault, &data_key).await {
            Err(ServiceError::Sealing(SealError::KeyDestroyed(_))) => {
                return Err(ServiceError::Refused(DomainError::Validation {
                    field: "personal data",
                    problem: "this case's personal data was erased: no new personal data can \
                              be recorded on it"
                        .into(),
                }))
            }
            other => other?,
        };

        // The retry budget runs from the first lost race, not from the start: time spent
        // waiting for a slow log (just back from an outage, say) does not use it up.
        let mut first_conflict: Option<std::time::Instant> = None;
        let mut attempt: u32 = 0;
        let mut indexed = false;
        loop {
            attempt += 1;
            let loaded = match first_load.take() {
                Some(loaded) => loaded,
                None if is_report => self.log.assume_new(case_id),
                None => self.log.load(case_id).await?,
            };
            if let Some(expected) = request.if_match {
                if expected != loaded.head.case_seq {
                    return Err(ServiceError::Conflict {
                        case: case_id,
                        expected,
                        actual: loaded.head.case_seq,
                    });
                }
            }
            let decided = decide(
                &loaded.state,
                Command {
                    case_id,
                    actor: request.actor.clone(),
                    at: request.at.unwrap_or_else(|| (self.clock)()),
                    rules: self.rules.clone(),
                    body: body.clone(),
                },
            );
            let event = match decided {
                Ok(event) => event,
                Err(refusal) => {
                    // A retried report finds its case already reported: answer the retry.
                    if is_report && request.idempotency_key.is_some() {
                        if let Some(receipt) =
                            self.log.recorded(case_id, &key, command_hash).await?
                        {
                            return self.outcome(case_id, receipt).await;
                        }
                    }
                    return Err(if is_report {
                        refusal.into()
                    } else {
                        hide_other_office(case_id, refusal)
                    });
                }
            };
            if let (Some(person), false) = (&person, indexed) {
                self.index_reporter(person, case_id).await?;
                indexed = true;
            }
            let reference = loaded
                .state
                .reference
                .clone()
                .or_else(|| match &event.data {
                    ombud_domain::EventData::Reported(r) => Some(r.reference.clone()),
                    _ => None,
                });
            let appended = self
                .log
                .append(Append {
                    event,
                    expected: loaded.head.case_seq,
                    idempotency_key: key.clone(),
                    command_hash,
                    correlation_id: request.correlation_id,
                    causation_id: Uuid::now_v7(),
                })
                .await;
            if matches!(appended, Err(ombud_eventlog::LogError::Conflict { .. })) {
                first_conflict.get_or_insert_with(std::time::Instant::now);
            }
            match appended {
                Ok(receipt) => {
                    self.own_writes
                        .fetch_max(receipt.stream_seq, std::sync::atomic::Ordering::AcqRel);
                    let mut done = outcome(case_id, reference, receipt);
                    if is_erasure {
                        // Recorded: now make it true where it is stored. Should this fail, the
                        // erasure follower of every process retries until it holds (and repairs
                        // a crash here); the case reads as erased from its event either way.
                        if let Err(e) = self.erase_effects(case_id).await {
                            tracing::warn!(case = %case_id, error = %ombud_projection::with_causes(&e), "erasure recorded; destroying the key is left to the erasure follower");
                        }
                    }
                    if let Some(person) = &person {
                        // Recorded already: a failing lookup must not turn the answer into an
                        // error (a client would send the report again).
                        match self.earlier_reports(&request.actor, person, case_id).await {
                            Ok(count) => done.earlier_reports = Some(count),
                            Err(e) => {
                                tracing::warn!(case = %case_id, error = %ombud_projection::with_causes(&e), "report recorded; counting the reporter's earlier reports failed")
                            }
                        }
                    }
                    return Ok(done);
                }
                Err(ombud_eventlog::LogError::Conflict { .. })
                    if request.if_match.is_none()
                        && first_conflict.is_some_and(|t| t.elapsed() < self.retry_budget) =>
                {
                    // Lost a race: the log caught up with the case; decide again on it after
                    // a short random pause (so racing writers spread out).
                    let jitter = (Uuid::now_v7().as_u128() & 0xff) as u64;
                    let pause = jitter * u64::from(attempt.min(8)) * 8;
                    tokio::time::sleep(std::time::Duration::from_micros(pause)).await;
                    continue;
                }
                Err(e) => return Err(ServiceError::from(e).after_sending()),
            }
        }
    }

    /// The case a report opens under `key`: a UUIDv5 of the actor's office and the key under
    /// a namespace derived from the deployment's secret (so nobody can compute a case id
    /// from a guessable key, and two offices' keys never meet).
    fn report_case_id(&self, actor: &Actor, key: &IdempotencyKey) -> CaseId {
        let secret = self
            .privacy
            .blind_key
            .derive("ombud/v1/report-case-ids", &[]);
        let mut namespace = [0u8; 16];
        namespace.copy_from_slice(&secret[..16]);
        let name = format!("{}\n{}", actor.office, key.as_str());
        CaseId::from_uuid(Uuid::new_v5(&Uuid::from_bytes(namespace), name.as_bytes()))
    }

    /// The outcome of a recognised retry (the case's reference read from the log's cache).
    async fn outcome(
        &self,
        case_id: CaseId,
        receipt: ombud_eventlog::Receipt,
    ) -> Result<Outcome, ServiceError> {
        let reference = self.log.load(case_id).await?.state.reference;
        Ok(outcome(case_id, reference, receipt))
    }
}

fn outcome(
    case_id: CaseId,
    reference: Option<CaseReference>,
    receipt: ombud_eventlog::Receipt,
) -> Outcome {
    Outcome {
        case_id,
        reference,
        seq: receipt.stream_seq,
        case_seq: receipt.case_seq,
        event_id: receipt.event_id,
        replayed: receipt.replayed,
        earlier_reports: None,
    }
}

/// Another office's case reads as absent to a command, as it does to a query (a report naming
/// another office than the actor's is the actor's own mistake, and says so).
fn hide_other_office(case_id: CaseId, refusal: DomainError) -> ServiceError {
    match refusal {
        DomainError::OutsideOffice { .. } => ServiceError::NotFound(case_id),
        other => ServiceError::Refused(other),
    }
}

/// A key for a command sent without one: unique, so it never matches another command.
fn generated_key() -> Result<IdempotencyKey, ServiceError> {
    IdempotencyKey::parse(&format!("auto-{}", Uuid::now_v7()))
        .map_err(|e| ServiceError::Internal(format!("generating an idempotency key: {e}")))
}
