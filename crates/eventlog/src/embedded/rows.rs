//! The event rows of the embedded log: how an event is encoded, how events written together
//! share one sled row (a group), and how a sequence, a run or the rows after a point are read.
//!
//! sled's cost is mostly per insert (about 9 µs for a 1 KB row here, against about 2 µs per
//! event when six share a row), so the writer puts the events that wait together into group
//! rows of at most [`GROUP_BYTES`]. A group is keyed by its first sequence and a tag byte;
//! rows written before groups hold one event each under the bare 8-byte sequence and are
//! read as before, so a data directory from an older ombud reads unchanged. Groups stay
//! small because sled writes a leaf (up to 17 rows) larger than a quarter of its 512 KiB
//! segment as a blob file of its own.

use ombud_domain::CaseId;
use ombud_envelope::subject::parse_subject;
use ombud_envelope::{Sha256Hash, StoredEvent};

use crate::error::LogError;

/// The most bytes of events a group row holds (one larger event gets a row of its own).
pub(super) const GROUP_BYTES: usize = 6 * 1024;

/// The byte after the first sequence in a group row's key.
const GROUP_TAG: u8 = b'g';

/// The longest subject an event row can hold (its length shares 2 bytes with the mark flag).
pub(super) const MAX_SUBJECT_BYTES: usize = 0x7fff;

/// The longest mark an event row can hold.
pub(super) const MAX_MARK_BYTES: usize = u8::MAX as usize;

/// Set in an event's subject length when the event carries a mark (rows written before ombud
/// marked its events do not).
const MARKED: u16 = 0x8000;

/// The key of a single event's row (the layout before groups).
pub(super) fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// The key of a group row whose first event is `first`. It sorts after `seq_key(first)` and
/// before `seq_key(first + 1)`.
pub(super) fn group_key(first: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[..8].copy_from_slice(&first.to_be_bytes());
    key[8] = GROUP_TAG;
    key
}

/// The last 8 bytes of a key, as a sequence (the case index's keys end with one too).
pub(super) fn key_seq(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

/// One event: 32-byte hash, 2-byte subject length (high bit: a mark follows), subject, then
/// for a marked event a 1-byte mark length and the `Ombud-Mac` value, then the body.
pub(super) fn encode_event(
    subject: &str,
    hash: &Sha256Hash,
    mac: Option<&str>,
    body: &[u8],
) -> Vec<u8> {
    let mac = mac.filter(|m| m.len() <= usize::from(u8::MAX));
    let mut row = Vec::with_capacity(35 + subject.len() + mac.map_or(0, str::len) + body.len());
    row.extend_from_slice(&hash.0);
    let flag = if mac.is_some() { MARKED } else { 0 };
    row.extend_from_slice(&((subject.len() as u16) | flag).to_be_bytes());
    row.extend_from_slice(subject.as_bytes());
    if let Some(mac) = mac {
        row.push(mac.len() as u8);
        row.extend_from_slice(mac.as_bytes());
    }
    row.extend_from_slice(body);
    row
}

/// The event `seq` from its encoding.
pub(super) fn decode_event(seq: u64, row: &[u8]) -> Result<StoredEvent, LogError> {
    let bad = || LogError::Storage(format!("event row {seq} is malformed"));
    let hash: [u8; 32] = row
        .get(..32)
        .ok_or_else(bad)?
        .try_into()
        .map_err(|_| bad())?;
    let len = u16::from_be_bytes(
        row.get(32..34)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?,
    );
    let subject_end = 34 + usize::from(len & !MARKED);
    let subject =
        std::str::from_utf8(row.get(34..subject_end).ok_or_else(bad)?).map_err(|_| bad())?;
    let (mac, body_start) = if len & MARKED != 0 {
        let mac_len = usize::from(*row.get(subject_end).ok_or_else(bad)?);
        let mac_end = subject_end + 1 + mac_len;
        let mac = std::str::from_utf8(row.get(subject_end + 1..mac_end).ok_or_else(bad)?)
            .map_err(|_| bad())?;
        (Some(mac.to_owned()), mac_end)
    } else {
        (None, subject_end)
    };
    Ok(StoredEvent {
        stream_seq: seq,
        subject: subject.to_owned(),
        hash: Some(Sha256Hash(hash).to_hex()),
        mac,
        body: row.get(body_start..).ok_or_else(bad)?.to_vec(),
    })
}

/// The subject of an encoded event, without decoding the rest.
pub(super) fn event_subject(seq: u64, row: &[u8]) -> Result<&str, LogError> {
    let bad = || LogError::Storage(format!("event row {seq} is malformed"));
    let len = u16::from_be_bytes(
        row.get(32..34)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?,
    );
    std::str::from_utf8(
        row.get(34..34 + usize::from(len & !MARKED))
            .ok_or_else(bad)?,
    )
    .map_err(|_| bad())
}

/// A group row: a 4-byte count, then each event as a 4-byte length and its encoding.
pub(super) fn encode_group<'a>(events: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut events = events.peekable();
    let mut row = Vec::with_capacity(4 + events.peek().map_or(0, |e| e.len() + 4) * events.len());
    row.extend_from_slice(&(events.len() as u32).to_be_bytes());
    for event in events {
        row.extend_from_slice(&(event.len() as u32).to_be_bytes());
        row.extend_from_slice(event);
    }
    row
}

/// One stored row, split into its events: the first sequence and each event's encoding.
pub(super) struct Row<'a> {
    pub first: u64,
    pub events: Vec<&'a [u8]>,
}

impl<'a> Row<'a> {
    /// The row under `key`: a group (its tagged key) or a single event (a bare sequence).
    pub fn parse(key: &[u8], value: &'a [u8]) -> Result<Self, LogError> {
        match key.len() {
            8 => Ok(Row {
                first: key_seq(key).unwrap_or(0),
                events: vec![value],
            }),
            9 if key[8] == GROUP_TAG => {
                let first = key_seq(&key[..8]).unwrap_or(0);
                let bad =
                    || LogError::Storage(format!("the group row at event {first} is malformed"));
                let count = u32::from_be_bytes(
                    value
                        .get(..4)
                        .ok_or_else(bad)?
                        .try_into()
                        .map_err(|_| bad())?,
                );
                // The count comes from disk: a corrupt one must fail below, not allocate.
                let mut events = Vec::with_capacity((count as usize).min(value.len() / 4));
                let mut at = 4;
                for _ in 0..count {
                    let len = u32::from_be_bytes(
                        value
                            .get(at..at + 4)
                            .ok_or_else(bad)?
                            .try_into()
                            .map_err(|_| bad())?,
                    ) as usize;
                    events.push(value.get(at + 4..at + 4 + len).ok_or_else(bad)?);
                    at += 4 + len;
                }
                if at != value.len() || events.is_empty() {
                    return Err(bad());
                }
                Ok(Row { first, events })
            }
            _ => Err(LogError::Storage(format!(
                "the event log holds a row under a key of {} bytes",
                key.len()
            ))),
        }
    }

    /// The last sequence the row holds.
    pub fn last(&self) -> u64 {
        self.first.saturating_add(self.events.len() as u64 - 1)
    }

    /// The encoding of event `seq`, if this row holds it.
    pub fn event(&self, seq: u64) -> Option<&'a [u8]> {
        let at = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        self.events.get(at).copied()
    }
}

/// The stored row (its key and value) that would hold `seq`: the last one keyed at or before
/// it. Whether it does is for the caller to see in the parsed [`Row`].
fn row_at_or_before(
    events: &sled::Tree,
    seq: u64,
) -> Result<Option<(sled::IVec, sled::IVec)>, LogError> {
    events
        .range(..=group_key(seq))
        .next_back()
        .transpose()
        .map_err(|e| LogError::failed("reading an event", e))
}

/// The key of the row that holds `seq`, if one does.
fn key_of_row_holding(events: &sled::Tree, seq: u64) -> Result<Option<sled::IVec>, LogError> {
    let Some((key, value)) = row_at_or_before(events, seq)? else {
        return Ok(None);
    };
    let holds = Row::parse(&key, &value)?.event(seq).is_some();
    Ok(holds.then_some(key))
}

/// Whether the log holds event `seq` and it is an event of `case_id` (a case index entry is
/// checked against it).
pub(super) fn holds_event_of(
    events: &sled::Tree,
    seq: u64,
    case_id: CaseId,
) -> Result<bool, LogError> {
    let Some((key, value)) = row_at_or_before(events, seq)? else {
        return Ok(false);
    };
    let row = Row::parse(&key, &value)?;
    let Some(event) = row.event(seq) else {
        return Ok(false);
    };
    Ok(parse_subject(event_subject(seq, event)?).is_some_and(|(case, _)| case == case_id))
}

/// The event at `seq`.
pub(super) fn read_event(events: &sled::Tree, seq: u64) -> Result<StoredEvent, LogError> {
    let missing = || LogError::Storage(format!("event {seq} is missing from the log"));
    let (key, value) = row_at_or_before(events, seq)?.ok_or_else(missing)?;
    let row = Row::parse(&key, &value)?;
    decode_event(seq, row.event(seq).ok_or_else(missing)?)
}

/// The events `from..=to`, in order, from one range scan; stops at the first error (a
/// missing sequence included).
pub(super) fn read_run(
    events: &sled::Tree,
    from: u64,
    to: u64,
) -> Vec<Result<StoredEvent, LogError>> {
    let mut out = Vec::with_capacity(usize::try_from(to + 1 - from).unwrap_or(0).min(4096));
    let mut expected = from;
    let missing = |seq: u64| LogError::Storage(format!("event {seq} is missing"));
    let start = match key_of_row_holding(events, from) {
        Ok(Some(key)) => key,
        Ok(None) => {
            out.push(Err(missing(from)));
            return out;
        }
        Err(e) => {
            out.push(Err(e));
            return out;
        }
    };
    'rows: for item in events.range(start..) {
        let (key, value) = match item {
            Ok(item) => item,
            Err(e) => {
                out.push(Err(LogError::failed("reading an event", e)));
                return out;
            }
        };
        let row = match Row::parse(&key, &value) {
            Ok(row) => row,
            Err(e) => {
                out.push(Err(e));
                return out;
            }
        };
        if row.first > expected {
            break;
        }
        let end = row.last().min(to);
        while expected <= end {
            let event = row
                .event(expected)
                .ok_or_else(|| missing(expected))
                .and_then(|bytes| decode_event(expected, bytes));
            let failed = event.is_err();
            out.push(event);
            if failed {
                return out;
            }
            expected += 1;
        }
        if expected > to {
            break 'rows;
        }
    }
    if expected <= to {
        out.push(Err(missing(expected)));
    }
    out
}

/// Calls `each` with every event after `after`, in stored order: its sequence, the key of
/// its row, and its subject (for the checks and repairs at start-up; streamed, since a long
/// run can leave millions of events since the last start).
pub(super) fn each_event_after(
    events: &sled::Tree,
    after: u64,
    mut each: impl FnMut(u64, &sled::IVec, &str) -> Result<(), LogError>,
) -> Result<(), LogError> {
    let fail = |e: sled::Error| LogError::failed("reading the log at start-up", e);
    let start = key_of_row_holding(events, after + 1)?
        .unwrap_or_else(|| sled::IVec::from(&seq_key(after + 1)));
    for item in events.range(start..) {
        let (key, value) = item.map_err(fail)?;
        let row = Row::parse(&key, &value)?;
        for (at, event) in row.events.iter().enumerate() {
            let seq = row.first + at as u64;
            if seq > after {
                each(seq, &key, event_subject(seq, event)?)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn event(seq: u64, mac: Option<&str>) -> Vec<u8> {
        encode_event(
            &format!("ombud.case.x.e{seq}"),
            &Sha256Hash::of(b"body"),
            mac,
            format!("body {seq}").as_bytes(),
        )
    }

    /// Single rows (the layout before groups) and group rows read alike, side by side.
    fn mixed_log() -> sled::Tree {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let events = db.open_tree("events").unwrap();
        for seq in [1u64, 2] {
            events.insert(seq_key(seq), event(seq, None)).unwrap();
        }
        let group: Vec<Vec<u8>> = (3..=5).map(|seq| event(seq, Some("k1:mark"))).collect();
        events
            .insert(group_key(3), encode_group(group.iter().map(Vec::as_slice)))
            .unwrap();
        events.insert(seq_key(6), event(6, None)).unwrap();
        let group: Vec<Vec<u8>> = (7..=8).map(|seq| event(seq, None)).collect();
        events
            .insert(group_key(7), encode_group(group.iter().map(Vec::as_slice)))
            .unwrap();
        events
    }

    #[test]
    fn single_and_group_rows_read_as_one_sequence() {
        let events = mixed_log();
        for seq in 1..=8 {
            let read = read_event(&events, seq).unwrap();
            assert_eq!(read.stream_seq, seq);
            assert_eq!(read.subject, format!("ombud.case.x.e{seq}"));
            assert_eq!(read.body, format!("body {seq}").as_bytes());
            assert_eq!(read.mac.is_some(), (3..=5).contains(&seq), "{seq}");
        }
        assert!(read_event(&events, 9).is_err());
        assert!(read_event(&events, 0).is_err());

        for (from, to) in [(1, 8), (2, 4), (4, 4), (4, 7), (5, 8), (8, 8)] {
            let run = read_run(&events, from, to);
            let seqs: Vec<u64> = run.iter().map(|r| r.as_ref().unwrap().stream_seq).collect();
            assert_eq!(seqs, (from..=to).collect::<Vec<_>>(), "{from}..={to}");
        }
        let run = read_run(&events, 7, 9);
        assert_eq!(run.len(), 3);
        assert!(
            matches!(&run[2], Err(LogError::Storage(why)) if why.contains("event 9 is missing"))
        );

        let after = |after| {
            let mut seqs = Vec::new();
            each_event_after(&events, after, |seq, _, subject| {
                assert_eq!(subject, format!("ombud.case.x.e{seq}"));
                seqs.push(seq);
                Ok(())
            })
            .unwrap();
            seqs
        };
        assert_eq!(after(3), [4, 5, 6, 7, 8]);
        assert_eq!(after(0), (1..=8).collect::<Vec<_>>());
        assert!(after(8).is_empty());
    }

    #[test]
    fn a_gap_between_rows_is_reported_not_skipped() {
        let events = mixed_log();
        events.remove(seq_key(6)).unwrap();
        let run = read_run(&events, 4, 8);
        assert_eq!(run.len(), 3, "4, 5, then the gap at 6");
        assert!(
            matches!(&run[2], Err(LogError::Storage(why)) if why.contains("event 6 is missing"))
        );
        let run = read_run(&events, 6, 8);
        assert!(
            matches!(&run[0], Err(LogError::Storage(why)) if why.contains("event 6 is missing"))
        );
        assert!(read_event(&events, 6).is_err());
    }

    #[test]
    fn a_malformed_group_row_is_an_error_not_a_panic() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let events = db.open_tree("events").unwrap();
        let mut row = encode_group([event(1, None).as_slice()].into_iter());
        row.truncate(row.len() - 1);
        events.insert(group_key(1), row).unwrap();
        assert!(matches!(read_event(&events, 1), Err(LogError::Storage(_))));
        assert!(matches!(
            each_event_after(&events, 0, |_, _, _| Ok(())),
            Err(LogError::Storage(_))
        ));
        events.insert(group_key(1), vec![0, 0, 0, 0]).unwrap();
        assert!(matches!(read_event(&events, 1), Err(LogError::Storage(_))));
        // A count far past what the row holds (a damaged disk): an error, and no huge
        // allocation first.
        events
            .insert(group_key(1), vec![0xff, 0xff, 0xff, 0xff, 0, 0])
            .unwrap();
        assert!(matches!(read_event(&events, 1), Err(LogError::Storage(_))));
        // A group at the very end of the sequence space does not overflow.
        let last = encode_group([event(1, None).as_slice()].into_iter());
        events.insert(group_key(u64::MAX), last).unwrap();
        assert!(read_event(&events, u64::MAX).is_ok());
        // A count far past what the row holds (from a damaged disk): an error, no huge
        // allocation.
        events
            .insert(group_key(1), vec![0xff, 0xff, 0xff, 0xff, 0, 0])
            .unwrap();
        assert!(matches!(read_event(&events, 1), Err(LogError::Storage(_))));
        events
            .insert(
                group_key(u64::MAX),
                encode_group([event(1, None).as_slice()].into_iter()),
            )
            .unwrap();
        assert!(read_event(&events, u64::MAX).is_ok());
    }
}
