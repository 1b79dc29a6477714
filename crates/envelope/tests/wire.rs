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
    fixtures_dir().join(format!(
        "v{}/{event_type}.json",
        event_type.schema_version()
    ))
}

/// An event exactly as the first ombud wrote it (`fixtures/wire-v1/`, every v1 type, kept
/// forever byte for byte: v1 events stay readable).
fn v1_fixture(name: &str) -> Vec<u8> {
    let mut bytes = std::fs::read(fixtures_dir().join(format!("wire-v1/{name}.json")))
        .unwrap_or_else(|e| panic!("v1 fixture {name}: {e}"));
    assert_eq!(bytes.pop(), Some(b'\n'));
    bytes
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
            std::fs::create_dir_all(fixture_path(*event_type).parent().unwrap()).unwrap();
            std::fs::write(fixture_path(*event_type), text).unwrap();
        }
        assert_eq!(
            String::from_utf8(encoded).unwrap(),
            String::from_utf8(fixture(*event_type)).unwrap(),
            "the wire shape of {event_type} changed"
        );
    }
    // The current fixtures, one per type under its schema version, and the first wire's
    // fixtures (`wire-v1/`, frozen): nothing else.
    let mut expected: std::collections::BTreeSet<String> = EventType::ALL
        .iter()
        .map(|t| format!("v{}/{t}.json", t.schema_version()))
        .collect();
    let mut found = std::collections::BTreeSet::new();
    for dir in std::fs::read_dir(fixtures_dir()).unwrap() {
        let dir = dir.unwrap();
        let name = dir.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let file = format!("{name}/{}", file.unwrap().file_name().to_string_lossy());
            if name == "wire-v1" {
                expected.insert(file.clone());
            }
            found.insert(file);
        }
    }
    assert_eq!(
        found, expected,
        "one fixture per event type and shipped version, no strays"
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
        let data = validator(&format!(
            "v{}/{event_type}.json",
            event_type.schema_version()
        ));
        let errors: Vec<String> = data
            .iter_errors(&value["data"])
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{event_type} data: {errors:?}");
    }
}

#[test]
fn the_schemas_reject_what_the_decoder_rejects() {
    let reported = validator("v2/reported.json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&fixture(EventType::Reported)).unwrap();
    value["data"]["confidental"] = true.into();
    assert!(
        !reported.is_valid(&value["data"]),
        "unknown fields are invalid"
    );
    let asked = validator("v2/clarification_requested.json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&fixture(EventType::ClarificationRequested)).unwrap();
    value["data"]["addressee"] = "the_press".into();
    assert!(
        !asked.is_valid(&value["data"]),
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

fn rename_text_to_note(
    mut data: serde_json::Value,
    _: &ombud_envelope::UpcastContext,
) -> Result<serde_json::Value, String> {
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

/// DOMAIN §7: every v1 event reads as the v2 model says.
#[test]
fn every_v1_fixture_decodes_into_the_v2_model() {
    use ombud_domain::event::*;
    use ombud_domain::taxonomy::*;
    use ombud_domain::ClockKind;
    // The types whose shape only grew read with the new fields absent.
    for t in [
        EventType::Reported,
        EventType::CompletionRequested,
        EventType::Completed,
        EventType::Accepted,
        EventType::MediationStarted,
        EventType::Closed,
    ] {
        let decoded = decode(&v1_fixture(t.as_str())).unwrap_or_else(|e| panic!("v1 {t}: {e}"));
        assert_eq!(decoded.event.data.event_type(), t);
        assert_eq!(decoded.upcast_from, None);
    }
    let EventData::Reported(r) = decode(&v1_fixture("reported")).unwrap().event.data else {
        panic!()
    };
    assert_eq!((r.received_on, r.respondent.is_some()), (None, true));
    // A v1 clarification: a post letter numbered as recorded, dated on the event's day.
    let EventData::ClarificationRequested(c) = decode(&v1_fixture("clarification_requested"))
        .unwrap()
        .event
        .data
    else {
        panic!()
    };
    assert_eq!(c.purpose, Purpose::Clarification);
    assert_eq!(c.letter.number.as_deref(), Some("B/123/PW.13/IX/2026"));
    assert_eq!(c.letter.date.to_string(), "2026-09-01");
    assert!(c.deadline.is_some(), "the v1 clock stands as recorded");
    let EventData::ClarificationAnswered(a) = decode(&v1_fixture("clarification_answered"))
        .unwrap()
        .event
        .data
    else {
        panic!()
    };
    assert_eq!((a.outcome, a.received_on), (AnswerOutcome::Answered, None));
    // The v1 implementation clock reads as the superior's report.
    let EventData::RecommendationIssued(r) = decode(&v1_fixture("recommendation_issued"))
        .unwrap()
        .event
        .data
    else {
        panic!()
    };
    assert_eq!(r.deadline.clock, ClockKind::SuperiorReport);
    assert_eq!(r.letter, None);
    // `concluded(found)` is the LHP issued, one action to an unspecified addressee holding the
    // v1 text.
    let concluded = decode(&v1_fixture("concluded")).unwrap();
    assert_eq!(
        concluded.upcast_from,
        Some(ombud_envelope::LegacyType::Concluded)
    );
    assert_eq!(concluded.wire_type(), "concluded");
    let EventData::LhpIssued(l) = concluded.event.data else {
        panic!()
    };
    let Conclusion::Found {
        corrective_actions, ..
    } = &l.conclusion
    else {
        panic!()
    };
    assert_eq!(corrective_actions.len(), 1);
    assert_eq!(
        corrective_actions[0].addressee,
        ActionAddressee::Unspecified
    );
    assert_eq!(
        String::from_utf8(
            open(
                &fixture_key(),
                &corrective_actions[0].action,
                "corrective_actions"
            )
            .unwrap()
        )
        .unwrap(),
        r#"["Mencetak KTP-el pelapor","Menyusun SOP antrean pencetakan"]"#
    );
    assert!(l.deadline.is_some());
    // `concluded(not_found|stopped)`: the LHP without corrective action, ground unspecified.
    let stopped = edit_v1("concluded", |v| {
        v["data"] = serde_json::json!({"finding": "stopped"});
    });
    let EventData::LhpIssued(l) = decode(&stopped).unwrap().event.data else {
        panic!()
    };
    assert_eq!(
        l.conclusion,
        Conclusion::Stopped {
            ground: StopGround::Unspecified
        }
    );
    // `escalated`, by kind.
    let escalated = |kind: &str, target: Option<&str>| {
        let bytes = edit_v1("escalated", |v| {
            v["data"]["kind"] = kind.into();
            match target {
                Some(t) => v["data"]["target"] = t.into(),
                None => {
                    v["data"].as_object_mut().unwrap().remove("target");
                }
            }
        });
        let decoded = decode(&bytes).unwrap_or_else(|e| panic!("escalated {kind}: {e}"));
        assert_eq!(decoded.wire_type(), "escalated");
        decoded.event.data
    };
    let EventData::ClarificationRequested(c) =
        escalated("to_superior", Some("Wali Kota Tasikmalaya"))
    else {
        panic!()
    };
    assert_eq!((c.addressee, c.deadline), (Addressee::Superior, None));
    assert!(
        matches!(escalated("summons", None), EventData::Summoned(s) if s.appointment_at.is_none())
    );
    assert!(matches!(
        escalated("police_assistance", Some("Polda Jawa Barat")),
        EventData::PoliceAssistanceRequested(p) if p.police_unit.as_deref() == Some("Polda Jawa Barat")
    ));
    assert!(matches!(
        escalated("transfer_office", Some("jakarta-raya")),
        EventData::Transferred(t) if t.to_office.as_str() == "jakarta-raya"
    ));
    assert!(matches!(
        escalated("to_resolution", None),
        EventData::ReferredToResolution(r) if r.ground == ResolutionGround::Legacy
    ));
    assert!(matches!(
        escalated("to_recommendation", None),
        EventData::ReferredToRecommendation(_)
    ));
    assert!(matches!(
        escalated("publication", None),
        EventData::Published(_)
    ));
    assert!(matches!(
        escalated("report_to_parliament_and_president", None),
        EventData::ReportedToDprAndPresident(_)
    ));
    // A v1 transfer to a target that is no office code is not an ombud event.
    let bad = edit_v1("escalated", |v| {
        v["data"]["kind"] = "transfer_office".into();
        v["data"]["target"] = "Kantor Lain".into();
    });
    assert!(matches!(
        decode(&bad),
        Err(DecodeError::Legacy {
            event_type: "escalated",
            ..
        })
    ));
    // Every other v1 fixture reads too.
    let mut first_wire = 0;
    for file in std::fs::read_dir(fixtures_dir().join("wire-v1")).unwrap() {
        first_wire += 1;
        let name = file
            .unwrap()
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".json")
            .to_owned();
        decode(&v1_fixture(&name)).unwrap_or_else(|e| panic!("v1 {name}: {e}"));
    }
    assert_eq!(first_wire, 19, "the first wire had 19 event types");
}

fn edit_v1(name: &str, f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(&v1_fixture(name)).unwrap();
    f(&mut value);
    serde_json::to_vec(&value).unwrap()
}
