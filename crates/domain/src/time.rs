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

    /// The calendar date of this instant at a fixed UTC offset (offices keep local dates).
    pub fn local_date(&self, offset: chrono::FixedOffset) -> NaiveDate {
        self.0.with_timezone(&offset).date_naive()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
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
    fn local_date_uses_the_offset() {
        let t = Timestamp::parse("2026-09-01T20:00:00Z").unwrap();
        let wib = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
        assert_eq!(t.local_date(wib).to_string(), "2026-09-02");
    }
}
