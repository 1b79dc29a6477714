//! [`Timestamp`]: the time of an event, in UTC at microsecond precision, so that it encodes to
//! exactly one RFC 3339 string and decodes back to the same value (the wire must round-trip
//! byte for byte). The domain never reads a clock: times arrive in commands.

use std::fmt;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant, UTC, truncated to microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, JsonSchema)]
#[schemars(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Wraps a UTC time, dropping anything finer than a microsecond.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Timestamp(at.trunc_subsecs(6))
    }

    /// Parses RFC 3339 (any offset; converted to UTC, truncated to microseconds).
    pub fn parse(input: &str) -> Result<Self, chrono::ParseError> {
        DateTime::parse_from_rfc3339(input).map(|t| Timestamp::from_datetime(t.with_timezone(&Utc)))
    }

    /// The instant as chrono's type.
    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// The first instant of `date` at a fixed UTC offset (an office's day begins at its
    /// local midnight).
    pub fn start_of_day(date: NaiveDate, offset: chrono::FixedOffset) -> Self {
        let midnight = date.and_time(chrono::NaiveTime::MIN);
        let local = midnight - chrono::Duration::seconds(i64::from(offset.local_minus_utc()));
        Timestamp::from_datetime(local.and_utc())
    }

    /// An instant given as RFC 3339, or a plain date (`2026-11-01`) read as an office day at
    /// `offset`: its first instant, or with `through_the_day` its last (microsecond).
    pub fn parse_instant_or_day(
        input: &str,
        offset: chrono::FixedOffset,
        through_the_day: bool,
    ) -> Result<Self, String> {
        if let Ok(at) = Timestamp::parse(input) {
            return Ok(at);
        }
        match NaiveDate::parse_from_str(input, "%Y-%m-%d") {
            Ok(date) if through_the_day => Ok(Timestamp::from_datetime(
                Timestamp::start_of_day(date, offset).as_datetime() + chrono::Duration::days(1)
                    - chrono::Duration::microseconds(1),
            )),
            Ok(date) => Ok(Timestamp::start_of_day(date, offset)),
            Err(_) => Err(format!(
                "{input:?} is neither a date like 2026-11-01 (an office day, WIB) nor a time \
                 like 2026-11-01T02:00:00Z (RFC 3339)"
            )),
        }
    }

    /// The calendar date of this instant at a fixed UTC offset (offices keep local dates).
    pub fn local_date(&self, offset: chrono::FixedOffset) -> NaiveDate {
        self.0.with_timezone(&offset).date_naive()
    }

    /// The wall-clock date and time of this instant at a fixed UTC offset.
    pub fn local_datetime(&self, offset: chrono::FixedOffset) -> chrono::NaiveDateTime {
        self.0.with_timezone(&offset).naive_local()
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, written digit by digit (this is on every event's
    /// encoding path; chrono's general formatter allocates).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        let t = self.0;
        let year = t.year();
        if !(0..=9999).contains(&year) {
            return f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        }
        let mut buf = *b"0000-00-00T00:00:00.000000Z";
        let mut put = |at: usize, width: usize, mut value: u32| {
            for i in (0..width).rev() {
                buf[at + i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, year.unsigned_abs());
        put(5, 2, t.month());
        put(8, 2, t.day());
        put(11, 2, t.hour());
        put(14, 2, t.minute());
        // A leap second is carried in the nanoseconds (>= 1e9): show it as second 60.
        let nanos = t.nanosecond();
        put(17, 2, t.second() + nanos / 1_000_000_000);
        put(20, 6, (nanos % 1_000_000_000) / 1_000);
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_micros_and_z_and_parses_back() {
        let t = Timestamp::parse("2026-09-01T10:15:30.123456789+07:00").unwrap();
        assert_eq!(t.to_string(), "2026-09-01T03:15:30.123456Z");
        assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
    }

    #[test]
    fn the_fast_format_agrees_with_chrono() {
        for text in [
            "2026-09-01T03:15:30.000001Z",
            "1999-12-31T23:59:59.999999Z",
            "2027-01-30T00:00:00Z",
            "0001-01-01T00:00:00.5Z",
        ] {
            let t = Timestamp::parse(text).unwrap();
            let chrono = t
                .as_datetime()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            assert_eq!(t.to_string(), chrono);
        }
    }

    #[test]
    fn local_date_uses_the_offset() {
        let t = Timestamp::parse("2026-09-01T20:00:00Z").unwrap();
        let wib = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
        assert_eq!(t.local_date(wib).to_string(), "2026-09-02");
    }
}
