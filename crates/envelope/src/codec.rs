//! The event body: a CloudEvents 1.0 structured-mode JSON object with ombud's extension
//! attributes, encoded deterministically (fixed attribute order, compact JSON, timestamps at
//! microsecond precision) so that decoding and re-encoding stored bytes gives the same bytes,
//! and decoded strictly (unknown attributes or fields are refused; older schema versions are
//! upcast first).

use ombud_domain::{
    ActorId, CaseId, Event, EventData, EventType, IdempotencyKey, OfficeCode, Role, Timestamp,
};
use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::hash::Sha256Hash;
use crate::legacy::{self, LegacyType};
use crate::subject::event_subject;
use crate::upcast::{current_version, UpcastContext, Upcasters};

/// `type` of every ombud event starts with this, followed by the event type's wire name.
pub const TYPE_PREFIX: &str = "ombud.case.";
/// `source` is this followed by the office code.
pub const SOURCE_PREFIX: &str = "/ombud/";
/// The CloudEvents version.
pub const SPEC_VERSION: &str = "1.0";
/// The content type of `data`.
pub const DATA_CONTENT_TYPE: &str = "application/json";

/// The envelope attributes of an event that are not part of the domain's [`Event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMeta {
    /// The event id (UUIDv7).
    pub id: Uuid,
    /// 1-based position of the event in its case.
    pub case_seq: u64,
    /// Hash of the previous event of the case; `None` exactly for the first.
    pub prev_hash: Option<Sha256Hash>,
    /// The idempotency key of the command (client's, or generated).
    pub idempotency_key: IdempotencyKey,
    /// Hash of the command, so a reused key with a different command is detected forever.
    pub command_hash: Sha256Hash,
    /// The request or workflow this belongs to (defaults to the command id).
    pub correlation_id: Uuid,
    /// The command (or event) that caused this event.
    pub causation_id: Uuid,
}

/// An event with its envelope attributes: what one stored message body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// Envelope attributes.
    pub meta: EventMeta,
    /// The domain event.
    pub event: Event,
    /// The v1 type the stored bytes carry, when the event is one ombud no longer writes
    /// (its `data` is the v2 event it stands for).
    pub upcast_from: Option<LegacyType>,
}

impl RecordedEvent {
    /// The subject the event is published on.
    pub fn subject(&self) -> String {
        event_subject(self.event.case_id, self.event.data.event_type())
    }

    /// The type name the stored bytes carry: the event's type, or its v1 legacy type.
    pub fn wire_type(&self) -> &'static str {
        match self.upcast_from {
            Some(legacy) => legacy.as_str(),
            None => self.event.data.event_type().as_str(),
        }
    }
}

/// Why bytes are not a decodable ombud event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not JSON, or not the envelope's shape (missing or unknown attributes, wrong types).
    #[error("not an ombud CloudEvent: {0}")]
    Malformed(String),
    /// An attribute has a value ombud does not write.
    #[error("attribute {attribute}: {problem}")]
    Attribute {
        /// The attribute.
        attribute: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The `type` names no event type this reader knows.
    #[error("unknown event type {0:?}")]
    UnknownEventType(String),
    /// Written by a newer ombud than this reader.
    #[error("{event_type} schema version {version} is newer than this reader's {newest}")]
    NewerSchemaVersion {
        /// The event type.
        event_type: EventType,
        /// The stored version.
        version: u32,
        /// The newest version this reader knows.
        newest: u32,
    },
    /// An older version this reader cannot upcast.
    #[error("no upcaster for {event_type} from schema version {version}")]
    NoUpcaster {
        /// The event type.
        event_type: EventType,
        /// The stored version.
        version: u32,
    },
    /// An upcaster refused the data.
    #[error("upcasting {event_type} from schema version {version}: {problem}")]
    Upcast {
        /// The event type.
        event_type: EventType,
        /// The version being upcast.
        version: u32,
        /// What went wrong.
        problem: String,
    },
    /// A v1 event type no longer written could not be read as its v2 event.
    #[error("reading v1 {event_type}: {problem}")]
    Legacy {
        /// The v1 type.
        event_type: &'static str,
        /// What went wrong.
        problem: String,
    },
    /// `data` does not match the event type's schema.
    #[error("data of {event_type}: {problem}")]
    Data {
        /// The event type.
        event_type: EventType,
        /// What is wrong.
        problem: String,
    },
}

/// `prefix` followed by a value, serialized without building a String first.
struct Prefixed<'a, T>(&'static str, &'a T);

impl<T: std::fmt::Display> Serialize for Prefixed<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}{}", self.0, self.1))
    }
}

#[derive(Serialize)]
struct WireOut<'a> {
    specversion: &'static str,
    id: &'a Uuid,
    source: Prefixed<'a, OfficeCode>,
    #[serde(rename = "type")]
    ty: Prefixed<'a, EventType>,
    subject: &'a CaseId,
    time: &'a Timestamp,
    datacontenttype: &'static str,
    caseseq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    prevhash: Option<String>,
    schemaversion: u32,
    actor: &'a ActorId,
    actorrole: Role,
    idempotencykey: &'a IdempotencyKey,
    correlationid: &'a Uuid,
    causationid: &'a Uuid,
    commandhash: String,
    data: &'a EventData,
}

/// The envelope as read: text attributes borrowed from the body where they need no
/// unescaping (no copy), the data left raw until its type and version are known.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIn<'a> {
    #[serde(borrow)]
    specversion: Cow<'a, str>,
    id: Uuid,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    subject: Cow<'a, str>,
    time: Timestamp,
    #[serde(borrow)]
    datacontenttype: Cow<'a, str>,
    caseseq: u64,
    #[serde(default, borrow)]
    prevhash: Option<Cow<'a, str>>,
    schemaversion: u32,
    actor: ActorId,
    actorrole: Role,
    idempotencykey: IdempotencyKey,
    correlationid: Uuid,
    causationid: Uuid,
    #[serde(borrow)]
    commandhash: Cow<'a, str>,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// Encodes an event as its body bytes (compact JSON, fixed attribute order).
pub fn encode(recorded: &RecordedEvent) -> Vec<u8> {
    let RecordedEvent { meta, event, .. } = recorded;
    let event_type = event.data.event_type();
    let wire = WireOut {
        specversion: SPEC_VERSION,
        id: &meta.id,
        source: Prefixed(SOURCE_PREFIX, &event.office),
        ty: Prefixed(TYPE_PREFIX, &event_type),
        subject: &event.case_id,
        time: &event.at,
        datacontenttype: DATA_CONTENT_TYPE,
        caseseq: meta.case_seq,
        prevhash: meta.prev_hash.map(|h| h.to_hex()),
        schemaversion: current_version(event_type),
        actor: &event.actor,
        actorrole: event.role,
        idempotencykey: &meta.idempotency_key,
        correlationid: &meta.correlation_id,
        causationid: &meta.causation_id,
        commandhash: meta.command_hash.to_hex(),
        data: &event.data,
    };
    // Serializing these types cannot fail: every map key is a string and every value a plain
    // serde type; a failure would be a bug in this module, not bad input.
    #[allow(clippy::expect_used)]
    serde_json::to_vec(&wire).expect("an ombud event always serializes")
}

/// Decodes body bytes with the shipped upcasters.
pub fn decode(bytes: &[u8]) -> Result<RecordedEvent, DecodeError> {
    decode_with(bytes, &Upcasters::shipped())
}

/// Decodes body bytes, upcasting older schema versions with `upcasters`.
pub fn decode_with(bytes: &[u8], upcasters: &Upcasters) -> Result<RecordedEvent, DecodeError> {
    let wire: WireIn =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if wire.specversion != SPEC_VERSION {
        return Err(attribute(
            "specversion",
            format!("{:?} is not 1.0", wire.specversion),
        ));
    }
    if wire.datacontenttype != DATA_CONTENT_TYPE {
        return Err(attribute(
            "datacontenttype",
            format!("{:?} is not application/json", wire.datacontenttype),
        ));
    }
    let type_name = wire.ty.strip_prefix(TYPE_PREFIX).ok_or_else(|| {
        attribute(
            "type",
            format!("{:?} does not start with {TYPE_PREFIX}", wire.ty),
        )
    })?;
    let office = wire
        .source
        .strip_prefix(SOURCE_PREFIX)
        .ok_or_else(|| {
            attribute(
                "source",
                format!("{:?} does not start with {SOURCE_PREFIX}", wire.source),
            )
        })
        .and_then(|o| OfficeCode::parse(o).map_err(|e| attribute("source", e.to_string())))?;
    let case_id = CaseId::parse(&wire.subject).map_err(|e| attribute("subject", e.to_string()))?;
    if wire.caseseq == 0 {
        return Err(attribute("caseseq", "positions start at 1".into()));
    }
    let prev_hash = match &wire.prevhash {
        None => None,
        Some(text) => Some(
            Sha256Hash::parse_hex(text)
                .ok_or_else(|| attribute("prevhash", "not 64 hex digits".into()))?,
        ),
    };
    if (wire.caseseq == 1) != prev_hash.is_none() {
        return Err(attribute(
            "prevhash",
            "present on every event except a case's first".into(),
        ));
    }
    let command_hash = Sha256Hash::parse_hex(&wire.commandhash)
        .ok_or_else(|| attribute("commandhash", "not 64 hex digits".into()))?;
    let cx = UpcastContext {
        date: wire.time.local_date(ombud_domain::deadline::wib()),
    };
    let (data, upcast_from) = match EventType::parse(type_name) {
        Some(event_type) => (
            decode_data(event_type, wire.schemaversion, wire.data, upcasters, &cx)?,
            None,
        ),
        None => {
            let legacy = LegacyType::parse(type_name)
                .ok_or_else(|| DecodeError::UnknownEventType(wire.ty.to_string()))?;
            let data = legacy::decode(legacy, wire.schemaversion, wire.data.get(), &cx).map_err(
                |problem| DecodeError::Legacy {
                    event_type: legacy.as_str(),
                    problem,
                },
            )?;
            (data, Some(legacy))
        }
    };

    Ok(RecordedEvent {
        meta: EventMeta {
            id: wire.id,
            case_seq: wire.caseseq,
            prev_hash,
            idempotency_key: wire.idempotencykey,
            command_hash,
            correlation_id: wire.correlationid,
            causation_id: wire.causationid,
        },
        event: Event {
            case_id,
            office,
            at: wire.time,
            actor: wire.actor,
            role: wire.actorrole,
            data,
        },
        upcast_from,
    })
}

fn attribute(attribute: &'static str, problem: String) -> DecodeError {
    DecodeError::Attribute { attribute, problem }
}

fn decode_data(
    event_type: EventType,
    version: u32,
    raw: &RawValue,
    upcasters: &Upcasters,
    cx: &UpcastContext,
) -> Result<EventData, DecodeError> {
    let newest = current_version(event_type);
    let problem = |e: serde_json::Error| DecodeError::Data {
        event_type,
        problem: e.to_string(),
    };
    if version == newest {
        let mut de = serde_json::Deserializer::from_str(raw.get());
        let data = EventData::deserialize(event_type, &mut de).map_err(problem)?;
        de.end().map_err(problem)?;
        return Ok(data);
    }
    if version > newest {
        return Err(DecodeError::NewerSchemaVersion {
            event_type,
            version,
            newest,
        });
    }
    let mut value: serde_json::Value = serde_json::from_str(raw.get()).map_err(problem)?;
    for from in version..newest {
        let step = upcasters
            .step(event_type, from)
            .ok_or(DecodeError::NoUpcaster {
                event_type,
                version: from,
            })?;
        value = (step.upcast)(value, cx).map_err(|problem| DecodeError::Upcast {
            event_type,
            version: from,
            problem,
        })?;
    }
    EventData::deserialize(event_type, value).map_err(problem)
}
