//! [`EventLog`]: the contract every backend is used through. It turns a decided domain event
//! into a recorded one (position, previous hash, idempotency key, command hash), publishes it
//! under per-case optimistic concurrency, and reads cases back verified. A retried command is
//! recognised by its idempotency key, inside the backend's dedupe window and forever after
//! through the case's own history; either way the caller gets the original receipt.
//!
//! Every message read is judged before it is trusted: it must carry ombud's mark (`Ombud-Mac`
//! under one of the deployment's [`WriteKeys`]) and be the next link of the case's hash chain.
//! A message that is not is *foreign*: reported ([`ForeignMessage`]), never applied, and never
//! blocking the case, whose next event chains on its last genuine one.

use ombud_domain::{evolve, fold, CaseId, CaseState, Event, IdempotencyKey, Timestamp};
use ombud_envelope::codec::decode_with;
use ombud_envelope::subject::event_subject;
use ombud_envelope::{
    encode, BreakKind, ChainHead, ChainVerifier, EventMeta, RecordedEvent, Sha256Hash, StoredEvent,
    Unmarked, Upcasters, WriteKeys,
};
use uuid::Uuid;

use crate::backend::{Backend, Outgoing, PublishFailure, Published, Subscription};
use crate::cache::{lock, CaseCache, CaseEntry, KeyRecord, Slot};
use crate::error::LogError;

/// How many cases are kept warm by default.
pub const DEFAULT_CACHE_CASES: usize = 10_000;

/// A decided event to record.
#[derive(Debug, Clone)]
pub struct Append {
    /// The domain event (`decide`'s output).
    pub event: Event,
    /// The case position it was decided on (0 for a report).
    pub expected: u64,
    /// The command's idempotency key (client's, or generated).
    pub idempotency_key: IdempotencyKey,
    /// Hash of the command as the client sent it (before sealing), so a reused key with a
    /// different command is told apart from a retry.
    pub command_hash: Sha256Hash,
    /// The request or workflow; defaults to `causation_id`.
    pub correlation_id: Option<Uuid>,
    /// The command's id.
    pub causation_id: Uuid,
}

/// Where an event was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// Global stream sequence.
    pub stream_seq: u64,
    /// Position in the case.
    pub case_seq: u64,
    /// The event id.
    pub event_id: Uuid,
    /// SHA-256 of the event's body.
    pub hash: Sha256Hash,
    /// This is the original receipt of an earlier identical command (a retry), not a new event.
    pub replayed: bool,
}

/// A case as the log knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedCase {
    /// Its folded state (`Status::Unreported` for an unknown case).
    pub state: CaseState,
    /// Its verified chain head.
    pub head: ChainHead,
}

/// One verified, decoded event of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    /// Global stream sequence.
    pub stream_seq: u64,
    /// SHA-256 of its body.
    pub hash: Sha256Hash,
    /// The event with its envelope attributes.
    pub recorded: RecordedEvent,
}

/// A message on a case's subjects that is not one of its genuine events: without ombud's
/// valid mark, or marked but not the case's next link (a replayed copy of an event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignMessage {
    /// Its stream sequence.
    pub stream_seq: u64,
    /// Why it is foreign.
    pub why: Foreignness,
}

/// Why a message is foreign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Foreignness {
    /// It lacks a valid `Ombud-Mac`.
    #[error("{0}")]
    Unmarked(#[from] Unmarked),
    /// It is marked, but does not link into the case's chain (a copy of an event replayed).
    #[error("marked, but not the case's next event: {0}")]
    OutOfChain(BreakKind),
}

/// A case's whole trail: its genuine events, verified, and the foreign messages among them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trail {
    /// The genuine events, in order.
    pub events: Vec<LoggedEvent>,
    /// The foreign messages on the case's subjects, in stream order.
    pub foreign: Vec<ForeignMessage>,
}

/// A point in a case's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// Everything up to and including this stream sequence.
    Seq(u64),
    /// Everything that happened at or before this time.
    Time(Timestamp),
}

/// The event log over a backend.
#[derive(Debug)]
pub struct EventLog<B> {
    backend: B,
    cache: CaseCache,
    upcasters: Upcasters,
    marks: WriteKeys,
    /// Messages at or below this stream sequence are accepted without a mark (a log written
    /// before ombud marked its events; 0: none).
    unmarked_through: u64,
    /// Foreign messages already warned about (each is logged once per process).
    warned: std::sync::Mutex<std::collections::HashSet<u64>>,
}

/// Reads of a case after the log refused an append for its position, before the refusal is
/// reported with whatever position the reads found (5, 10, ... ms apart: 150 ms at most).
const CATCH_UP_ATTEMPTS: u64 = 8;

impl<B: Backend> EventLog<B> {
    /// A log over `backend` that marks what it writes, and trusts only what is marked, with
    /// `marks`; it keeps up to [`DEFAULT_CACHE_CASES`] cases warm.
    pub fn new(backend: B, marks: WriteKeys) -> Self {
        Self::with_cache(backend, marks, DEFAULT_CACHE_CASES)
    }

    /// A log keeping up to `cases` cases warm.
    pub fn with_cache(backend: B, marks: WriteKeys, cases: usize) -> Self {
        EventLog {
            backend,
            cache: CaseCache::new(cases),
            upcasters: Upcasters::shipped(),
            marks,
            unmarked_through: 0,
            warned: Default::default(),
        }
    }

    /// Accepts messages up to stream sequence `seq` without a mark: the history of a log
    /// written before ombud marked its events (`security.accept_unmarked_through`).
    pub fn accept_unmarked_through(mut self, seq: u64) -> Self {
        self.unmarked_through = seq;
        self
    }

    /// The write keys.
    pub fn marks(&self) -> &WriteKeys {
        &self.marks
    }

    /// Whether a stored message carries ombud's valid mark (or predates marking).
    pub fn check_mark(&self, message: &StoredEvent) -> Result<(), Unmarked> {
        check_mark(&self.marks, self.unmarked_through, message)
    }

    /// This log's judgement of marks, to take to another thread (the projectors' feed).
    pub fn mark_check(&self) -> MarkCheck {
        MarkCheck {
            marks: self.marks.clone(),
            unmarked_through: self.unmarked_through,
        }
    }

    /// Judges the newest message of the log (at start-up): `Some` with why, when it does not
    /// carry this log's valid mark. Usually that means this process was not given the
    /// deployment's write keys (every event would then look foreign to it); it may also be a
    /// forgery, so callers warn rather than refuse to start.
    pub async fn newest_unmarked(&self) -> Result<Option<(u64, Unmarked)>, LogError> {
        let head = self.backend.head().await?;
        if head == 0 {
            return Ok(None);
        }
        let mut feed = self.backend.subscribe(head - 1).await?;
        let newest = tokio::time::timeout(std::time::Duration::from_secs(5), feed.next()).await;
        match newest {
            Ok(Some(Ok(message))) => Ok(self
                .check_mark(&message)
                .err()
                .map(|why| (message.stream_seq, why))),
            Ok(Some(Err(e))) => Err(e),
            Ok(None) | Err(_) => Ok(None),
        }
    }

    /// Logs a foreign message once per process.
    pub fn warn_foreign(&self, subject: &str, foreign: &ForeignMessage) {
        let first = match self.warned.lock() {
            Ok(mut warned) => warned.insert(foreign.stream_seq),
            Err(poisoned) => poisoned.into_inner().insert(foreign.stream_seq),
        };
        if first {
            tracing::warn!(
                seq = foreign.stream_seq,
                subject,
                why = %foreign.why,
                "a foreign message on the event stream: not applied (who can publish on the bus?)"
            );
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// `Unavailable` at once when the storage cannot be reached right now (a lost server
    /// connection), instead of after a timeout.
    pub fn ensure_available(&self) -> Result<(), LogError> {
        if self.backend.available() {
            Ok(())
        } else {
            Err(LogError::Unavailable {
                reason: "not connected to the event log (reconnecting)".into(),
            })
        }
    }

    /// The state and head of a case, from the cache when warm (a stale entry is caught by the
    /// next append's concurrency check).
    pub async fn load(&self, case_id: CaseId) -> Result<LoadedCase, LogError> {
        let slot = self.synced_slot(case_id).await?;
        let entry = lock(&slot);
        Ok(LoadedCase {
            state: entry.state.clone(),
            head: entry.head,
        })
    }

    /// The receipt of the command recorded under `key` in `case_id`, if any: the original
    /// result for a retry (`replayed: true`), or `IdempotencyKeyReused` when the key was used
    /// for a different command. Callers check this before deciding, so a retry whose effect
    /// has already moved the case on still gets its original answer.
    pub async fn recorded(
        &self,
        case_id: CaseId,
        key: &IdempotencyKey,
        command_hash: Sha256Hash,
    ) -> Result<Option<Receipt>, LogError> {
        let slot = self.synced_slot(case_id).await?;
        let entry = lock(&slot);
        replay(case_id, &entry, key, command_hash)
    }

    /// [`EventLog::recorded`], answered only when `actor` of `office` is the one who recorded
    /// it, in that office (for a retry whose case has since left the office: a transfer).
    pub async fn recorded_by(
        &self,
        case_id: CaseId,
        key: &IdempotencyKey,
        command_hash: Sha256Hash,
        actor: &ombud_domain::ActorId,
        office: &ombud_domain::OfficeCode,
    ) -> Result<Option<Receipt>, LogError> {
        let slot = self.synced_slot(case_id).await?;
        let entry = lock(&slot);
        match entry.keys.get(key) {
            Some(record) if &record.actor == actor && &record.office == office => {
                replay(case_id, &entry, key, command_hash)
            }
            _ => Ok(None),
        }
    }

    /// A case whose id the caller has just made (a report): known if cached, otherwise assumed
    /// empty without reading the log. If it exists after all (a retried report), the append's
    /// concurrency check finds out and the retry is recognised by its idempotency key.
    pub fn assume_new(&self, case_id: CaseId) -> LoadedCase {
        match self.cache.slot(&case_id) {
            Some(slot) => {
                let entry = lock(&slot);
                LoadedCase {
                    state: entry.state.clone(),
                    head: entry.head,
                }
            }
            None => LoadedCase {
                state: CaseState::default(),
                head: ChainHead::default(),
            },
        }
    }

    /// Records a decided event at `expected + 1`, or returns the original receipt if the same
    /// command (same idempotency key and command hash) was recorded before.
    pub async fn append(&self, request: Append) -> Result<Receipt, LogError> {
        let Append {
            event,
            expected,
            idempotency_key,
            command_hash,
            correlation_id,
            causation_id,
        } = request;
        let case_id = event.case_id;
        let slot = match self.cache.slot(&case_id) {
            Some(slot) if lock(&slot).synced => slot,
            // A first event: optimistically empty; the concurrency check guards the guess.
            _ if expected == 0 => self.cache.slot_or_insert(case_id),
            _ => self.synced_slot(case_id).await?,
        };
        let check = |entry: &CaseEntry| -> Result<Option<Receipt>, LogError> {
            replay(case_id, entry, &idempotency_key, command_hash)
        };

        let (mut head, mut seen) = {
            let entry = lock(&slot);
            if let Some(receipt) = check(&entry)? {
                return Ok(receipt);
            }
            (entry.head, entry.seen)
        };
        if expected > head.case_seq {
            // Our copy may be behind: catch up before judging.
            self.catch_up(case_id, &slot).await?;
            let entry = lock(&slot);
            if let Some(receipt) = check(&entry)? {
                return Ok(receipt);
            }
            (head, seen) = (entry.head, entry.seen);
        }
        if expected != head.case_seq {
            return Err(LogError::Conflict {
                case: case_id,
                expected,
                actual: head.case_seq,
            });
        }

        let recorded = RecordedEvent {
            meta: EventMeta {
                id: Uuid::now_v7(),
                case_seq: expected + 1,
                prev_hash: head.hash,
                idempotency_key,
                command_hash,
                correlation_id: correlation_id.unwrap_or(causation_id),
                causation_id,
            },
            event,
            upcast_from: None,
        };
        let body = encode(&recorded);
        let limit = self.backend.max_body_bytes();
        if body.len() > limit {
            return Err(LogError::TooLarge {
                size: body.len(),
                limit,
            });
        }
        let hash = Sha256Hash::of(&body);
        let mut outgoing = Outgoing {
            case_id,
            subject: event_subject(case_id, recorded.event.data.event_type()),
            mac: self.marks.sign(&body),
            body: body.into(),
            hash,
            // Keyed, so nobody who can publish can take a command's id before it lands.
            msg_id: self.marks.message_id(&[
                case_id.as_uuid().as_bytes(),
                recorded.meta.idempotency_key.as_str().as_bytes(),
            ]),
            expected_last_seq: seen,
        };
        // Foreign messages landing on the case between our read and our append move its last
        // sequence without moving its chain: the same event is then published again after
        // them, a bounded number of times.
        let mut republished = 0u64;
        loop {
            match self
                .publish_once(&slot, &recorded, head, outgoing.clone())
                .await?
            {
                Attempt::Done(receipt) => return Ok(receipt),
                Attempt::AfterForeign(last) if republished < CATCH_UP_ATTEMPTS => {
                    republished += 1;
                    outgoing.expected_last_seq = last;
                }
                Attempt::AfterForeign(_) => {
                    return Err(LogError::Unavailable {
                        reason: format!(
                            "foreign messages kept arriving on case {case_id} while appending; \
                             nothing was recorded by this try"
                        ),
                    })
                }
            }
        }
    }

    /// Publishes `outgoing` (the encoded `recorded`, decided on `head`) once, and settles
    /// what the log answered.
    async fn publish_once(
        &self,
        slot: &Slot,
        recorded: &RecordedEvent,
        head: ChainHead,
        outgoing: Outgoing,
    ) -> Result<Attempt, LogError> {
        let case_id = outgoing.case_id;
        let hash = outgoing.hash;
        let expected = recorded.meta.case_seq - 1;
        let expected_last = outgoing.expected_last_seq;
        let command_hash = recorded.meta.command_hash;
        match self.backend.publish(outgoing).await {
            Ok(Published {
                stream_seq,
                duplicate: false,
            }) => {
                let receipt = Receipt {
                    stream_seq,
                    case_seq: recorded.meta.case_seq,
                    event_id: recorded.meta.id,
                    hash,
                    replayed: false,
                };
                let mut entry = lock(slot);
                // Unless a concurrent catch-up already folded this event in, fold it now.
                if entry.head == head {
                    entry.state = evolve(std::mem::take(&mut entry.state), &recorded.event);
                    entry.head = ChainHead {
                        case_seq: receipt.case_seq,
                        hash: Some(hash),
                        stream_seq,
                    };
                    entry.seen = entry.seen.max(stream_seq);
                    entry
                        .keys
                        .entry(recorded.meta.idempotency_key.clone())
                        .or_insert(KeyRecord {
                            command_hash,
                            receipt,
                            actor: recorded.event.actor.clone(),
                            office: recorded.event.office.clone(),
                        });
                    // The log accepted our guess of the case's past: the entry is true now.
                    entry.synced = true;
                }
                Ok(Attempt::Done(receipt))
            }
            // A retry the log recognised, or a concurrency failure (which a single server also
            // answers to a retry of a message it already holds): catch up and look again.
            Ok(Published {
                duplicate: true, ..
            })
            | Err(PublishFailure::WrongLastSequence) => {
                // The log holds something past our position (or our own earlier try). On a
                // cluster a read right after the refusal can still miss it for a moment: read
                // again, briefly, until the case has moved or the key is found.
                let mut attempt = 0u64;
                loop {
                    attempt += 1;
                    self.catch_up(case_id, slot).await?;
                    let settled = {
                        let entry = lock(slot);
                        match replay(
                            case_id,
                            &entry,
                            &recorded.meta.idempotency_key,
                            command_hash,
                        )? {
                            Some(receipt) => Some(Ok(Attempt::Done(receipt))),
                            // Only foreign messages came in between: the chain still ends
                            // where the event was decided.
                            None if entry.head == head && entry.seen > expected_last => {
                                Some(Ok(Attempt::AfterForeign(entry.seen)))
                            }
                            None if entry.head.case_seq > expected
                                || attempt >= CATCH_UP_ATTEMPTS =>
                            {
                                Some(Err(LogError::Conflict {
                                    case: case_id,
                                    expected,
                                    actual: entry.head.case_seq,
                                }))
                            }
                            None => None,
                        }
                    };
                    if let Some(result) = settled {
                        return result;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                }
            }
            Err(PublishFailure::Failed(error)) => Err(error),
        }
    }

    /// Every genuine event of a case, read fresh from the log and verified from the first.
    pub async fn read_case(&self, case_id: CaseId) -> Result<Vec<LoggedEvent>, LogError> {
        Ok(self.read_trail(case_id).await?.events)
    }

    /// A case's whole trail read fresh from the log: its genuine events, verified from the
    /// first, and the foreign messages among them.
    pub async fn read_trail(&self, case_id: CaseId) -> Result<Trail, LogError> {
        let mut entry = CaseEntry::default();
        let mut verifier = ChainVerifier::new(case_id);
        let mut events = Vec::new();
        self.backend
            .read_case_each(case_id, 0, |message| {
                if let Some(event) = self.apply(case_id, &mut entry, &mut verifier, message)? {
                    events.push(event);
                }
                Ok(())
            })
            .await?;
        entry.synced = true;
        let foreign = entry.foreign.clone();
        self.cache.offer(case_id, entry);
        Ok(Trail { events, foreign })
    }

    /// A case's events up to a stream sequence or a time, and its state then.
    pub async fn read_case_as_of(
        &self,
        case_id: CaseId,
        as_of: AsOf,
    ) -> Result<(Vec<LoggedEvent>, CaseState), LogError> {
        let mut events = self.read_case(case_id).await?;
        events.retain(|e| match as_of {
            AsOf::Seq(seq) => e.stream_seq <= seq,
            AsOf::Time(at) => e.recorded.event.at <= at,
        });
        let state = fold(events.iter().map(|e| &e.recorded.event));
        Ok((events, state))
    }

    /// Up to `limit` stored messages after global sequence `after`, in order, as stored now
    /// (marked or not: check each with [`EventLog::check_mark`]). A read, never a consumer.
    pub async fn read_range(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, LogError> {
        self.backend.read_range(after, limit).await
    }

    /// Every stored message after global sequence `after`, then new ones as they arrive.
    pub async fn subscribe(&self, after: u64) -> Result<Subscription, LogError> {
        self.backend.subscribe(after).await
    }

    /// The last global sequence.
    pub async fn head(&self) -> Result<u64, LogError> {
        self.backend.head().await
    }

    /// The slot of a case, caught up from the log unless it is cached and synced.
    async fn synced_slot(&self, case_id: CaseId) -> Result<Slot, LogError> {
        let slot = self.cache.slot_or_insert(case_id);
        if !lock(&slot).synced {
            self.catch_up(case_id, &slot).await?;
        }
        Ok(slot)
    }

    /// Reads what the log holds for the case beyond what the slot has seen and folds it in.
    /// Each message is folded in as it arrives, so the checks and decoding of one overlap
    /// with the read of the next.
    async fn catch_up(&self, case_id: CaseId, slot: &Slot) -> Result<(), LogError> {
        let after = lock(slot).seen;
        self.backend
            .read_case_each(case_id, after, |message| {
                let mut entry = lock(slot);
                // Another task may have moved the entry on while we were reading; the chain
                // goes on from wherever the entry is now.
                if message.stream_seq <= entry.seen {
                    return Ok(());
                }
                let mut verifier = ChainVerifier::resume(case_id, entry.head);
                self.apply(case_id, &mut entry, &mut verifier, message)
                    .map(|_| ())
            })
            .await?;
        lock(slot).synced = true;
        Ok(())
    }

    /// Judges one message of the case and, when it is genuine, folds it in. A foreign message
    /// is noted on the entry and skipped (`None`); a genuine one that cannot be decoded (a
    /// newer schema, say) stops the read as `Corrupt`.
    fn apply(
        &self,
        case_id: CaseId,
        entry: &mut CaseEntry,
        verifier: &mut ChainVerifier,
        message: StoredEvent,
    ) -> Result<Option<LoggedEvent>, LogError> {
        let corrupt = |why: String| LogError::Corrupt {
            case: case_id,
            seq: message.stream_seq,
            why,
        };
        // A marked message is decoded once and its chain checked on the decoded fields. One
        // that does not decode is judged on the body's own chain fields, so that a copy out
        // of place is still foreign and only a genuine event in the chain is corrupt.
        let judged = match self.check_mark(&message) {
            Err(unmarked) => Err(Foreignness::Unmarked(unmarked)),
            Ok(()) => {
                let checked = match decode_with(&message.body, &self.upcasters) {
                    Ok(recorded) => verifier
                        .push_decoded(&message, &recorded)
                        .map(|hash| (hash, recorded)),
                    Err(undecodable) => match verifier.push(&message) {
                        Ok(_) => return Err(corrupt(undecodable.to_string())),
                        Err(broken) => Err(broken),
                    },
                };
                match checked {
                    Ok(judged) => Ok(judged),
                    // A copy of a genuine event out of place: anyone could have put it there.
                    Err(broken) if broken.kind.is_copy() => {
                        Err(Foreignness::OutOfChain(broken.kind))
                    }
                    // ombud's own event, but a genuine one is missing before it, or the chain
                    // forks: never skipped, never built upon.
                    Err(broken) => return Err(corrupt(broken.kind.to_string())),
                }
            }
        };
        // Judged: seen from here on. (A corrupt message is not: the entry stays where it
        // was, so the next read stops at it again instead of building past it.)
        entry.seen = entry.seen.max(message.stream_seq);
        let (hash, recorded) = match judged {
            Ok(judged) => judged,
            Err(why) => {
                let foreign = ForeignMessage {
                    stream_seq: message.stream_seq,
                    why,
                };
                self.warn_foreign(&message.subject, &foreign);
                if !entry
                    .foreign
                    .iter()
                    .any(|f| f.stream_seq == foreign.stream_seq)
                {
                    entry.foreign.push(foreign);
                }
                return Ok(None);
            }
        };
        entry.state = evolve(std::mem::take(&mut entry.state), &recorded.event);
        entry.head = verifier.head();
        let receipt = Receipt {
            stream_seq: message.stream_seq,
            case_seq: recorded.meta.case_seq,
            event_id: recorded.meta.id,
            hash,
            replayed: false,
        };
        entry
            .keys
            .entry(recorded.meta.idempotency_key.clone())
            .or_insert(KeyRecord {
                command_hash: recorded.meta.command_hash,
                receipt,
                actor: recorded.event.actor.clone(),
                office: recorded.event.office.clone(),
            });
        Ok(Some(LoggedEvent {
            stream_seq: message.stream_seq,
            hash,
            recorded,
        }))
    }
}

/// The judgement of marks of an [`EventLog`], owned (see [`EventLog::mark_check`]).
#[derive(Debug, Clone)]
pub struct MarkCheck {
    marks: WriteKeys,
    unmarked_through: u64,
}

impl MarkCheck {
    /// Whether a stored message carries ombud's valid mark (or predates marking).
    pub fn check(&self, message: &StoredEvent) -> Result<(), Unmarked> {
        check_mark(&self.marks, self.unmarked_through, message)
    }
}

fn check_mark(
    marks: &WriteKeys,
    unmarked_through: u64,
    message: &StoredEvent,
) -> Result<(), Unmarked> {
    if message.stream_seq <= unmarked_through && message.mac.is_none() {
        return Ok(());
    }
    marks
        .verify(message.mac.as_deref(), &message.body)
        .map(|_| ())
}

/// What one publish came to.
enum Attempt {
    /// Recorded (or recognised as recorded before).
    Done(Receipt),
    /// Refused because foreign messages moved the case's last sequence to this one.
    AfterForeign(u64),
}

/// The original receipt if the key is in the case's history with the same command.
fn replay(
    case_id: CaseId,
    entry: &CaseEntry,
    key: &IdempotencyKey,
    command_hash: Sha256Hash,
) -> Result<Option<Receipt>, LogError> {
    match entry.keys.get(key) {
        Some(record) if record.command_hash == command_hash => Ok(Some(Receipt {
            replayed: true,
            ..record.receipt
        })),
        Some(record) => Err(LogError::IdempotencyKeyReused {
            case: case_id,
            key: key.clone(),
            original_seq: record.receipt.stream_seq,
        }),
        None => Ok(None),
    }
}
