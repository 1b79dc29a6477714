//! Hash-chain verification: a valid chain verifies, and each kind of broken link is reported
//! at the exact message where it happens. Erasing personal data never breaks the chain.
#![allow(clippy::unwrap_used)]

mod support;

use ombud_domain::{CaseId, EventData, EventType};
use ombud_envelope::keystore::MemoryKeyStore;
use ombud_envelope::{
    decode, encode, verify_chain, BreakKind, ChainBreak, MasterKey, Sha256Hash, StoredEvent,
    Unsealed, Vault,
};
use support::*;

fn chain() -> Vec<StoredEvent> {
    store_chain(EventType::ALL.iter().map(|t| sample_event(*t)).collect())
}

fn broken_at(events: &[StoredEvent]) -> ChainBreak {
    verify_chain(case_id(), events).expect_err("the chain must not verify")
}

#[test]
fn an_intact_chain_verifies_to_its_head() {
    let events = chain();
    let head = verify_chain(case_id(), &events).unwrap();
    assert_eq!(head.case_seq, EventType::ALL.len() as u64);
    assert_eq!(head.stream_seq, 10 * EventType::ALL.len() as u64);
    assert_eq!(
        head.hash,
        Some(Sha256Hash::of(&events[EventType::ALL.len() - 1].body))
    );
    assert_eq!(verify_chain(case_id(), &[]).unwrap().case_seq, 0);
}

#[test]
fn a_missing_event_is_a_gap_at_the_next_one() {
    let mut events = chain();
    events.remove(2);
    let broken = broken_at(&events);
    assert_eq!(broken.stream_seq, 40);
    assert_eq!(broken.case_seq, 3);
    assert_eq!(
        broken.kind,
        BreakKind::Gap {
            expected: 3,
            found: 4
        }
    );
}

#[test]
fn a_forged_event_with_a_consistent_hash_header_is_caught_by_the_next_link() {
    let mut events = chain();
    let mut forged = decode(&events[4].body).unwrap();
    forged.meta.prev_hash = Some(Sha256Hash::of(b"forged"));
    let body = encode(&forged);
    events[4].hash = Some(Sha256Hash::of(&body).to_hex());
    events[4].body = body;
    let broken = broken_at(&events);
    assert_eq!(broken.stream_seq, 50);
    assert!(
        matches!(broken.kind, BreakKind::WrongPreviousHash { .. }),
        "{broken}"
    );
}

#[test]
fn an_altered_body_does_not_match_its_hash() {
    let mut events = chain();
    let at = events[1].body.len() / 2;
    events[1].body[at] ^= 0x01;
    let broken = broken_at(&events);
    assert_eq!(broken.stream_seq, 20);
    assert!(
        matches!(broken.kind, BreakKind::BodyHashMismatch { .. }),
        "{broken}"
    );
}

#[test]
fn a_message_without_a_hash_header_is_refused() {
    let mut events = chain();
    events[0].hash = None;
    assert_eq!(broken_at(&events).kind, BreakKind::MissingHash);
}

#[test]
fn another_case_in_the_subject_or_the_body_is_a_case_mismatch() {
    let other = CaseId::parse("01935c6e-0000-7000-8000-000000000001").unwrap();
    let mut events = chain();
    events[3].subject = ombud_envelope::subject::event_subject(other, EventType::Assigned);
    assert!(matches!(
        broken_at(&events).kind,
        BreakKind::CaseIdMismatch { .. }
    ));

    let mut events = chain();
    let mut moved = decode(&events[0].body).unwrap();
    moved.event.case_id = other;
    let body = encode(&moved);
    events[0].hash = Some(Sha256Hash::of(&body).to_hex());
    events[0].body = body;
    assert!(matches!(
        broken_at(&events).kind,
        BreakKind::CaseIdMismatch { .. }
    ));
}

#[test]
fn a_subject_that_names_another_type_than_the_body_is_refused() {
    let mut events = chain();
    events[2].subject = ombud_envelope::subject::event_subject(case_id(), EventType::Closed);
    assert!(matches!(
        broken_at(&events).kind,
        BreakKind::TypeMismatch { .. }
    ));
}

#[test]
fn garbage_with_a_matching_hash_is_undecodable() {
    let mut events = chain();
    events[1].body = b"garbage".to_vec();
    events[1].hash = Some(Sha256Hash::of(b"garbage").to_hex());
    let broken = broken_at(&events);
    assert_eq!(broken.stream_seq, 20);
    assert!(matches!(broken.kind, BreakKind::Undecodable { .. }));
    assert!(broken.to_string().contains("stream sequence 20"));
}

#[test]
fn destroying_the_key_erases_personal_data_and_the_chain_still_verifies() {
    let vault = Vault::new(MasterKey::generate(), MemoryKeyStore::new());
    let key = block_on(vault.create_key(&key_id())).unwrap();
    let mut events = Vec::new();
    for event_type in [EventType::Reported, EventType::NoteAdded] {
        let mut rec = sample_event(event_type);
        if let EventData::NoteAdded(note) = &mut rec.event.data {
            note.note = ombud_envelope::seal::seal(&key, &key_id(), "note", b"Catatan rahasia");
        }
        events.push(rec);
    }
    let stored = store_chain(events);
    let note = match decode(&stored[1].body).unwrap().event.data {
        EventData::NoteAdded(n) => n.note,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        block_on(vault.unseal(&note, "note")).unwrap(),
        Unsealed::Revealed(b"Catatan rahasia".to_vec())
    );
    block_on(vault.destroy(&key_id())).unwrap();
    assert_eq!(
        block_on(vault.unseal(&note, "note")).unwrap(),
        Unsealed::Erased
    );
    assert_eq!(verify_chain(case_id(), &stored).unwrap().case_seq, 2);
}

/// `push_decoded` (for callers that decode anyway) judges every link as `push` does.
#[test]
fn verifying_decoded_events_finds_the_same_breaks() {
    use ombud_envelope::ChainVerifier;
    let judge = |events: &[StoredEvent]| {
        let mut raw = ChainVerifier::new(case_id());
        let mut decoded = ChainVerifier::new(case_id());
        for event in events {
            let a = raw.push(event);
            let b = match decode(&event.body) {
                Ok(recorded) => decoded.push_decoded(event, &recorded),
                Err(_) => continue,
            };
            assert_eq!(a, b, "at stream sequence {}", event.stream_seq);
            if a.is_err() {
                return a.map(|_| ());
            }
        }
        Ok(())
    };
    assert_eq!(judge(&chain()), Ok(()));
    let mut gap = chain();
    gap.remove(2);
    assert!(matches!(
        judge(&gap).unwrap_err().kind,
        BreakKind::Gap { .. }
    ));
    let mut forged = chain();
    let mut event = decode(&forged[4].body).unwrap();
    event.meta.prev_hash = Some(Sha256Hash::of(b"forged"));
    let body = encode(&event);
    forged[4].hash = Some(Sha256Hash::of(&body).to_hex());
    forged[4].body = body;
    assert!(matches!(
        judge(&forged).unwrap_err().kind,
        BreakKind::WrongPreviousHash { .. }
    ));
    let mut tampered = chain();
    tampered[6].hash = Some(Sha256Hash::of(b"other").to_hex());
    assert!(matches!(
        judge(&tampered).unwrap_err().kind,
        BreakKind::BodyHashMismatch { .. }
    ));
    let mut moved = chain();
    let (prefix, _) = moved[3].subject.rsplit_once('.').unwrap();
    moved[3].subject = format!("{prefix}.closed");
    assert!(matches!(
        judge(&moved).unwrap_err().kind,
        BreakKind::TypeMismatch { .. }
    ));
}
