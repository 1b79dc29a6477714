//! The wire contract: golden fixtures of every event type (any change to the bytes fails),
//! byte-for-byte round trips, CloudEvents conformance checked by the stock Rust SDK, JSON
//! Schemas generated from the types and committed, and strict decoding with upcasting.
//!
//! After an intended change (a new type or version): `OMBUD_BLESS=1 cargo test -p
//! ombud-envelope --test wire`, then review the diff of `fixtures/` and `docs/schemas/`.
#![allow(clippy::unwrap_used)]

mod support;

use ombud_domain::event::ReporterData;
use ombud_domain::{EventData, EventType};
use ombud_envelope::codec::{decode, decode_with, encode};
use ombud_envelope::seal::open;
use ombud_envelope::upcast::{Upcaster, Upcasters};
use ombud_envelope::{schema, DecodeError};
use support::*;

fn fixture_path(event_type: EventType) -> std::path::PathBuf {
    fixtures_dir().join(format!("v1/{event_type}.json"))
}

fn fixture(event_type: EventType) -> Vec<u8> {
    let mut bytes = std::fs::read(fixture_path(event_type))
        .unwrap_or_else(|e| panic!("fixture for {event_type}: {e}"));
    assert_eq!(bytes.pop(), Some(b'\n'), "fixture ends with one newline");
    bytes
}

#[test]
fn every_event_type_encodes_exactly_as_its_golden_fixture() {
    for event_type in EventType::ALL {
        let encoded = encode(&sample_event(*event_type));
        if bless() {
            let mut text = encoded.clone();
            text.push(b'\n');
            std::fs::create_dir_all(fixtures_dir().join("v1")).unwrap();
            std::fs::write(fixture_path(*event_type), text).unwrap();
        }
        assert_eq!(
            String::from_utf8(encoded).unwrap(),
            String::from_utf8(fixture(*event_type)).unwrap(),
            "the wire shape of {event_type} changed"
        );
    }
    let files = std::fs::read_dir(fixtures_dir().join("v1"))
        .unwrap()
        .count();
    assert_eq!(
        files,
        EventType::ALL.len(),
        "one fixture per event type, no strays"
    );
}

#[test]
fn fixtures_decode_to_the_sample_and_re_encode_byte_for_byte() {
    for event_type in EventType::ALL {
        let bytes = fixture(*event_type);
        let decoded = decode(&bytes).unwrap_or_else(|e| panic!("{event_type}: {e}"));
        assert_eq!(decoded, sample_event(*event_type));
        assert_eq!(encode(&decoded), bytes, "{event_type} does not round-trip");
        assert_eq!(decoded.event.data.event_type(), *event_type);
    }
}

#[test]
fn fixtures_are_cloudevents_that_the_stock_sdk_parses() {
    use cloudevents::event::ExtensionValue;
    use cloudevents::AttributesReader;
    for event_type in EventType::ALL {
        let bytes = fixture(*event_type);
        let event: cloudevents::Event = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("the CloudEvents SDK rejects {event_type}: {e}"));
        assert_eq!(event.specversion(), cloudevents::event::SpecVersion::V10);
        assert_eq!(event.ty(), format!("ombud.case.{event_type}"));
        assert_eq!(event.source().to_string(), "/ombud/jawa-barat");
        assert_eq!(event.subject(), Some(case_id().to_string().as_str()));
        assert_eq!(event.datacontenttype(), Some("application/json"));
        assert!(event.time().is_some());
        let expected_seq = sample_event(*event_type).meta.case_seq as i64;
        assert_eq!(
            event.extension("caseseq"),
            Some(&ExtensionValue::Integer(expected_seq))
        );
        for attribute in [
            "schemaversion",
            "actor",
            "actorrole",
            "idempotencykey",
            "correlationid",
            "causationid",
            "commandhash",
        ] {
            assert!(
                event.extension(attribute).is_some(),
                "{event_type} lacks {attribute}"
            );
        }
        assert_eq!(
            event.extension("prevhash").is_some(),
            *event_type != EventType::Reported,
            "{event_type}: prevhash on all but a case's first event"
        );
    }
}

#[test]
fn committed_schemas_are_what_the_types_generate() {
    let dir = schemas_dir();
    for (path, text) in schema::schema_files() {
        let file = dir.join(&path);
        if bless() {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e} (run with OMBUD_BLESS=1)", file.display()));
        assert_eq!(
            committed, text,
            "{path} is stale: run with OMBUD_BLESS=1 and review"
        );
    }
}

fn validator(path: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(schemas_dir().join(path)).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{path} is not a schema: {e}"))
}

#[test]
fn every_fixture_validates_against_the_committed_schemas() {
    let envelope = validator("envelope.json");
    for event_type in EventType::ALL {
        let value: serde_json::Value = serde_json::from_slice(&fixture(*event_type)).unwrap();
        let errors: Vec<String> = envelope
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{event_type} envelope: {errors:?}");
        let data = validator(&format!("v1/{event_type}.json"));
        let errors: Vec<String> = data
            .iter_errors(&value["data"])
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{event_type} data: {errors:?}");
    }
}

#[test]
fn the_schemas_reject_what_the_decoder_rejects() {
    let reported = validator("v1/reported.json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&fixture(EventType::Reported)).unwrap();
    value["data"]["confidental"] = true.into();
    assert!(
        !reported.is_valid(&value["data"]),
        "unknown fields are invalid"
    );
    let escalated = validator("v1/escalated.json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&fixture(EventType::Escalated)).unwrap();
    value["data"]["kind"] = "to_the_press".into();
    assert!(
        !escalated.is_valid(&value["data"]),
        "unknown enum values are invalid"
    );
}

#[test]
fn sealed_fixture_fields_open_with_the_fixture_key_only_as_their_field() {
    let decoded = decode(&fixture(EventType::Reported)).unwrap();
    let EventData::Reported(reported) = decoded.event.data else {
        panic!()
    };
    let ReporterData { identity, .. } = reported.reporter.unwrap();
    let plain = open(&fixture_key(), &identity, "reporter.identity").unwrap();
    assert_eq!(String::from_utf8(plain).unwrap(), REPORTER_JSON);
    assert!(
        open(&fixture_key(), &identity, "summary").is_err(),
        "bound to its field"
    );
    let body = String::from_utf8(fixture(EventType::Reported)).unwrap();
    assert!(!body.contains("Siti Rahmawati") && !body.contains("3278014506880001"));
}

fn edit(event_type: EventType, f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(&fixture(event_type)).unwrap();
    f(&mut value);
    serde_json::to_vec(&value).unwrap()
}

#[test]
fn decoding_is_strict_and_says_why() {
    let unknown_attr = edit(EventType::NoteAdded, |v| v["ombudx"] = 1.into());
    assert!(matches!(
        decode(&unknown_attr),
        Err(DecodeError::Malformed(_))
    ));
    let unknown_field = edit(EventType::NoteAdded, |v| v["data"]["extra"] = 1.into());
    assert!(matches!(
        decode(&unknown_field),
        Err(DecodeError::Data {
            event_type: EventType::NoteAdded,
            ..
        })
    ));
    let newer = edit(EventType::NoteAdded, |v| v["schemaversion"] = 2.into());
    assert_eq!(
        decode(&newer),
        Err(DecodeError::NewerSchemaVersion {
            event_type: EventType::NoteAdded,
            version: 2,
            newest: 1
        })
    );
    let unknown_type = edit(EventType::NoteAdded, |v| {
        v["type"] = "ombud.case.teleported".into()
    });
    assert!(matches!(
        decode(&unknown_type),
        Err(DecodeError::UnknownEventType(_))
    ));
    let no_prev = edit(EventType::NoteAdded, |v| {
        v.as_object_mut().unwrap().remove("prevhash");
    });
    assert!(matches!(
        decode(&no_prev),
        Err(DecodeError::Attribute {
            attribute: "prevhash",
            ..
        })
    ));
    let wrong_spec = edit(EventType::NoteAdded, |v| v["specversion"] = "0.3".into());
    assert!(matches!(
        decode(&wrong_spec),
        Err(DecodeError::Attribute {
            attribute: "specversion",
            ..
        })
    ));
    let bad_source = edit(EventType::NoteAdded, |v| {
        v["source"] = "/elsewhere/x".into()
    });
    assert!(matches!(
        decode(&bad_source),
        Err(DecodeError::Attribute {
            attribute: "source",
            ..
        })
    ));
    assert!(matches!(
        decode(b"not json"),
        Err(DecodeError::Malformed(_))
    ));
}

fn rename_text_to_note(mut data: serde_json::Value) -> Result<serde_json::Value, String> {
    let object = data.as_object_mut().ok_or("data is not an object")?;
    let text = object.remove("text").ok_or("no text field")?;
    object.insert("note".into(), text);
    Ok(data)
}

#[test]
fn older_schema_versions_are_upcast_on_read() {
    // A pretend version 0 of note_added called its field `text`.
    let v0 = edit(EventType::NoteAdded, |v| {
        v["schemaversion"] = 0.into();
        let note = v["data"].as_object_mut().unwrap().remove("note").unwrap();
        v["data"]["text"] = note;
    });
    assert_eq!(
        decode(&v0),
        Err(DecodeError::NoUpcaster {
            event_type: EventType::NoteAdded,
            version: 0
        })
    );
    let upcasters = Upcasters::shipped().with(Upcaster {
        event_type: EventType::NoteAdded,
        from_version: 0,
        upcast: rename_text_to_note,
    });
    let decoded = decode_with(&v0, &upcasters).unwrap();
    assert_eq!(decoded, sample_event(EventType::NoteAdded));
}
