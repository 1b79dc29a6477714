//! JSON Schemas for subscribers, generated from the Rust types so they cannot drift: one per
//! event type's `data` (per schema version) and one for the envelope. They are committed under
//! `docs/schemas/`; a test fails when the committed files differ from what the types generate.

use ombud_domain::{ActorId, EventType, IdempotencyKey, Role, Timestamp};
use schemars::{schema_for, JsonSchema, Schema};
use uuid::Uuid;

use crate::upcast::current_version;

/// The schema of `data` for an event type at its current version.
pub fn data_schema(event_type: EventType) -> Schema {
    let mut schema = event_type.data_schema();
    schema.insert(
        "title".into(),
        format!(
            "data of ombud.case.{event_type} (schema version {})",
            current_version(event_type)
        )
        .into(),
    );
    schema
}

/// The CloudEvents 1.0 envelope every ombud event uses (`data` is described per type).
#[derive(JsonSchema)]
#[schemars(
    title = "ombud event (CloudEvents 1.0, structured JSON)",
    deny_unknown_fields
)]
#[allow(dead_code)]
struct Envelope {
    /// Always `1.0`.
    #[schemars(extend("const" = "1.0"))]
    specversion: String,
    /// Event id (UUIDv7).
    id: Uuid,
    /// The office whose case it is: `/ombud/<office>`.
    #[schemars(extend("pattern" = "^/ombud/[a-z0-9-]{2,64}$"))]
    source: String,
    /// `ombud.case.<event_type>`; the last token is also the subject's last token.
    #[serde(rename = "type")]
    #[schemars(extend("pattern" = "^ombud\\.case\\.[a-z_]+$"))]
    ty: String,
    /// The case id.
    subject: Uuid,
    /// When it happened (RFC 3339, UTC, microseconds).
    time: Timestamp,
    /// Always `application/json`.
    #[schemars(extend("const" = "application/json"))]
    datacontenttype: String,
    /// 1-based position of the event in its case.
    #[schemars(extend("minimum" = 1))]
    caseseq: u64,
    /// SHA-256 (hex) of the previous event's body in this case; absent on the first.
    #[schemars(extend("pattern" = "^[0-9a-f]{64}$"))]
    prevhash: Option<String>,
    /// Schema version of `data`.
    #[schemars(extend("minimum" = 1))]
    schemaversion: u32,
    /// Who acted.
    actor: ActorId,
    /// In which role.
    actorrole: Role,
    /// The command's idempotency key.
    idempotencykey: IdempotencyKey,
    /// The request or workflow this belongs to.
    correlationid: Uuid,
    /// The command or event that caused this one.
    causationid: Uuid,
    /// SHA-256 (hex) of the command.
    #[schemars(extend("pattern" = "^[0-9a-f]{64}$"))]
    commandhash: String,
    /// The event's data; see the schema of its type.
    data: serde_json::Map<String, serde_json::Value>,
}

/// The envelope's schema.
pub fn envelope_schema() -> Schema {
    schema_for!(Envelope)
}

/// Every schema file under `docs/schemas/`: relative path and pretty JSON text.
pub fn schema_files() -> Vec<(String, String)> {
    let pretty = |schema: &Schema| {
        let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
        text.push('\n');
        text
    };
    let mut files = vec![("envelope.json".to_owned(), pretty(&envelope_schema()))];
    for event_type in EventType::ALL {
        files.push((
            format!("v{}/{event_type}.json", current_version(*event_type)),
            pretty(&data_schema(*event_type)),
        ));
    }
    files
}
