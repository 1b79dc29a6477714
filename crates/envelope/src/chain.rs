//! Verification of one case's hash chain, as an auditor (or the event log, on every read)
//! does it: for each stored message in order, the body's SHA-256 must equal its `Ombud-Hash`
//! header, its `caseseq` must be the next position, its `prevhash` must be the hash of the
//! previous event, and its subject and body must name the case. Only the chain attributes are
//! read, never `data`, so verification works on events of any schema version and survives the
//! erasure of personal data (hashes cover ciphertext).

use std::borrow::Cow;
use std::fmt;

use ombud_domain::CaseId;
use serde::Deserialize;

use crate::hash::Sha256Hash;
use crate::subject::parse_subject;

/// One stored message of a case, as the event log returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Global position in the log (JetStream stream sequence).
    pub stream_seq: u64,
    /// The subject it was published on.
    pub subject: String,
    /// The `Ombud-Hash` header, as stored (absent if it was published without one).
    pub hash: Option<String>,
    /// The `Ombud-Mac` header, as stored (absent on a message ombud did not write).
    pub mac: Option<String>,
    /// The exact body bytes.
    pub body: Vec<u8>,
}

/// Where a verified chain ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChainHead {
    /// Number of events verified (the last `caseseq`).
    pub case_seq: u64,
    /// Hash of the last event (`None` for an empty case).
    pub hash: Option<Sha256Hash>,
    /// Stream sequence of the last event.
    pub stream_seq: u64,
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("broken chain at stream sequence {stream_seq} (case position {case_seq}): {kind}")]
pub struct ChainBreak {
    /// The stream sequence of the offending message.
    pub stream_seq: u64,
    /// The case position expected there.
    pub case_seq: u64,
    /// What is wrong.
    pub kind: BreakKind,
}

/// What is wrong with a link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakKind {
    /// `caseseq` is not the next position (an event missing, repeated or reordered).
    Gap {
        /// The position expected.
        expected: u64,
        /// The position found.
        found: u64,
    },
    /// `prevhash` does not name the previous event's hash.
    WrongPreviousHash {
        /// The previous event's hash (`None` before the first event).
        expected: Option<Sha256Hash>,
        /// What the body says.
        found: Option<String>,
    },
    /// The body's hash differs from its `Ombud-Hash` header: the body or header was altered.
    BodyHashMismatch {
        /// The header.
        header: String,
        /// The hash of the body.
        computed: Sha256Hash,
    },
    /// The message has no `Ombud-Hash` header.
    MissingHash,
    /// The subject or the body's `subject` names another case.
    CaseIdMismatch {
        /// The case verified.
        expected: CaseId,
        /// What the message says.
        found: String,
    },
    /// The body's `type` does not match the subject's last token.
    TypeMismatch {
        /// The subject's last token.
        subject: String,
        /// The body's `type`.
        body: String,
    },
    /// The body is not even a JSON object with the chain attributes.
    Undecodable {
        /// Why.
        problem: String,
    },
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakKind::Gap { expected, found } => {
                write!(f, "gap: expected case position {expected}, found {found}")
            }
            BreakKind::WrongPreviousHash { expected, found } => write!(
                f,
                "wrong previous hash: expected {}, found {}",
                expected.map_or("none".to_owned(), |h| h.to_hex()),
                found.as_deref().unwrap_or("none")
            ),
            BreakKind::BodyHashMismatch { header, computed } => write!(
                f,
                "body hash mismatch: header says {header}, body hashes to {computed}"
            ),
            BreakKind::MissingHash => f.write_str("no Ombud-Hash header"),
            BreakKind::CaseIdMismatch { expected, found } => {
                write!(f, "case id mismatch: expected {expected}, found {found}")
            }
            BreakKind::TypeMismatch { subject, body } => {
                write!(f, "type mismatch: subject says {subject}, body says {body}")
            }
            BreakKind::Undecodable { problem } => write!(f, "undecodable body: {problem}"),
        }
    }
}

impl BreakKind {
    /// Whether a message with a valid mark and this break is a *copy* of a genuine event put
    /// where it does not belong (an earlier position replayed, another case's or type's
    /// subject, headers not its own), rather than a sign that a genuine event is missing or
    /// the chain forked (a later position, a wrong previous hash at the next position, a
    /// body that is not even the chain's JSON). Anyone who can publish can make a copy, so a
    /// copy is foreign; the rest only ombud could have written, so it is corruption.
    pub fn is_copy(&self) -> bool {
        match self {
            BreakKind::Gap { expected, found } => found < expected,
            BreakKind::CaseIdMismatch { .. }
            | BreakKind::TypeMismatch { .. }
            | BreakKind::BodyHashMismatch { .. }
            | BreakKind::MissingHash => true,
            BreakKind::WrongPreviousHash { .. } | BreakKind::Undecodable { .. } => false,
        }
    }
}

/// The attributes the chain needs; everything else in the body is ignored here.
#[derive(Deserialize)]
struct ChainFields<'a> {
    #[serde(borrow)]
    subject: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    caseseq: u64,
    #[serde(default, borrow)]
    prevhash: Option<Cow<'a, str>>,
}

/// Verifies a case's events one at a time (for logs that stream them).
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    case_id: CaseId,
    head: ChainHead,
}

impl ChainVerifier {
    /// Starts verifying `case_id` from its first event.
    pub fn new(case_id: CaseId) -> Self {
        ChainVerifier {
            case_id,
            head: ChainHead::default(),
        }
    }

    /// Continues a chain already verified up to `head` (e.g. from a cache).
    pub fn resume(case_id: CaseId, head: ChainHead) -> Self {
        ChainVerifier { case_id, head }
    }

    /// The head verified so far.
    pub fn head(&self) -> ChainHead {
        self.head
    }

    /// Verifies the next message and moves the head past it.
    pub fn push(&mut self, event: &StoredEvent) -> Result<Sha256Hash, ChainBreak> {
        let (subject_type, computed) = self.check_envelope(event, Sha256Hash::of(&event.body))?;
        let fields: ChainFields<'_> = serde_json::from_slice(&event.body).map_err(|e| {
            self.broken(
                event,
                BreakKind::Undecodable {
                    problem: e.to_string(),
                },
            )
        })?;
        if CaseId::parse(&fields.subject).ok() != Some(self.case_id) {
            return Err(self.broken(
                event,
                BreakKind::CaseIdMismatch {
                    expected: self.case_id,
                    found: fields.subject.into_owned(),
                },
            ));
        }
        let body_type = fields.ty.strip_prefix(crate::codec::TYPE_PREFIX);
        if body_type != Some(subject_type) {
            return Err(self.broken(
                event,
                BreakKind::TypeMismatch {
                    subject: subject_type.to_owned(),
                    body: fields.ty.into_owned(),
                },
            ));
        }
        let prev = fields.prevhash.as_deref().map(Sha256Hash::parse_hex);
        self.link(event, computed, fields.caseseq, prev, || {
            fields.prevhash.as_deref().map(str::to_owned)
        })
    }

    /// [`ChainVerifier::push`] for a message already decoded (by [`crate::decode`]): the same
    /// checks without parsing the body a second time.
    pub fn push_decoded(
        &mut self,
        event: &StoredEvent,
        decoded: &crate::RecordedEvent,
    ) -> Result<Sha256Hash, ChainBreak> {
        self.push_decoded_hashed(event, decoded, Sha256Hash::of(&event.body))
    }

    /// [`ChainVerifier::push_decoded`] with the SHA-256 of `event.body` already computed by
    /// the caller (`body_hash` must be `Sha256Hash::of(&event.body)`), for a reader that
    /// verifies the same event for several consumers.
    pub fn push_decoded_hashed(
        &mut self,
        event: &StoredEvent,
        decoded: &crate::RecordedEvent,
        body_hash: Sha256Hash,
    ) -> Result<Sha256Hash, ChainBreak> {
        let (subject_type, computed) = self.check_envelope(event, body_hash)?;
        if decoded.event.case_id != self.case_id {
            return Err(self.broken(
                event,
                BreakKind::CaseIdMismatch {
                    expected: self.case_id,
                    found: decoded.event.case_id.to_string(),
                },
            ));
        }
        let body_type = decoded.wire_type();
        if body_type != subject_type {
            return Err(self.broken(
                event,
                BreakKind::TypeMismatch {
                    subject: subject_type.to_owned(),
                    body: format!("{}{body_type}", crate::codec::TYPE_PREFIX),
                },
            ));
        }
        let prev = decoded.meta.prev_hash.map(Some);
        self.link(event, computed, decoded.meta.case_seq, prev, || {
            decoded.meta.prev_hash.map(|h| h.to_hex())
        })
    }

    fn broken(&self, event: &StoredEvent, kind: BreakKind) -> ChainBreak {
        ChainBreak {
            stream_seq: event.stream_seq,
            case_seq: self.head.case_seq + 1,
            kind,
        }
    }

    /// The subject names this case; the body matches its hash header. Returns the subject's
    /// event type and the body's hash.
    fn check_envelope<'e>(
        &self,
        event: &'e StoredEvent,
        computed: Sha256Hash,
    ) -> Result<(&'e str, Sha256Hash), ChainBreak> {
        let subject_type = match parse_subject(&event.subject) {
            Some((case, event_type)) if case == self.case_id => event_type,
            _ => {
                return Err(self.broken(
                    event,
                    BreakKind::CaseIdMismatch {
                        expected: self.case_id,
                        found: event.subject.clone(),
                    },
                ))
            }
        };
        match &event.hash {
            None => Err(self.broken(event, BreakKind::MissingHash)),
            Some(header) if Sha256Hash::parse_hex(header) != Some(computed) => Err(self.broken(
                event,
                BreakKind::BodyHashMismatch {
                    header: header.clone(),
                    computed,
                },
            )),
            Some(_) => Ok((subject_type, computed)),
        }
    }

    /// The position follows the head and the previous hash names the head's event.
    fn link(
        &mut self,
        event: &StoredEvent,
        computed: Sha256Hash,
        caseseq: u64,
        prev: Option<Option<Sha256Hash>>,
        prev_text: impl FnOnce() -> Option<String>,
    ) -> Result<Sha256Hash, ChainBreak> {
        let expected_seq = self.head.case_seq + 1;
        if caseseq != expected_seq {
            return Err(self.broken(
                event,
                BreakKind::Gap {
                    expected: expected_seq,
                    found: caseseq,
                },
            ));
        }
        let prev_ok = match (self.head.hash, prev) {
            (None, None) => true,
            (Some(expected), Some(Some(found))) => expected == found,
            _ => false,
        };
        if !prev_ok {
            return Err(self.broken(
                event,
                BreakKind::WrongPreviousHash {
                    expected: self.head.hash,
                    found: prev_text(),
                },
            ));
        }
        self.head = ChainHead {
            case_seq: expected_seq,
            hash: Some(computed),
            stream_seq: event.stream_seq,
        };
        Ok(computed)
    }
}

/// Verifies a case's stored events, in order, from its first.
pub fn verify_chain(case_id: CaseId, events: &[StoredEvent]) -> Result<ChainHead, ChainBreak> {
    let mut verifier = ChainVerifier::new(case_id);
    for event in events {
        verifier.push(event)?;
    }
    Ok(verifier.head())
}
