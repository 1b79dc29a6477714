//! The working-day calendar: weekends plus a list of holidays (Indonesian national holidays
//! and cuti bersama), passed in as data and versioned, so a due date can always be recomputed
//! exactly as it was when its clock started (the version is recorded in that event).

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Weekends and holidays of one calendar version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    /// Recorded in every event that starts a clock, e.g. `id-2026.1`.
    pub version: String,
    /// Days off besides the weekend.
    pub holidays: BTreeSet<NaiveDate>,
}

/// Why a holiday file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("holiday calendar: {0}")]
pub struct CalendarError(pub String);

/// The shape of `config/holidays.toml`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    version: String,
    #[serde(default)]
    holidays: Vec<HolidayEntry>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    date: toml::value::Datetime,
    #[allow(dead_code)] // read for validation and for people; not needed to count days
    name: String,
    kind: HolidayKind,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum HolidayKind {
    National,
    CutiBersama,
}

impl WorkingCalendar {
    /// Reads a holiday file (`config/holidays.toml`): a `version` and `[[holidays]]` entries
    /// with `date` (a TOML local date), `name` and `kind` (`national` or `cuti_bersama`).
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let file: HolidayFile = toml::from_str(text).map_err(|e| CalendarError(e.to_string()))?;
        if file.version.trim().is_empty() {
            return Err(CalendarError("`version` must not be empty".into()));
        }
        let mut holidays = BTreeSet::new();
        for entry in file.holidays {
            let _ = entry.kind; // both kinds are days off
            let date = match (entry.date.date, entry.date.time) {
                (Some(d), None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                }
                _ => None,
            }
            .ok_or_else(|| {
                CalendarError(format!(
                    "holiday date `{}` is not a plain date like 2026-12-25",
                    entry.date
                ))
            })?;
            if !holidays.insert(date) {
                return Err(CalendarError(format!("holiday {date} is listed twice")));
            }
        }
        Ok(WorkingCalendar {
            version: file.version,
            holidays,
        })
    }

    /// A calendar with weekends only (no holidays).
    pub fn weekends_only(version: impl Into<String>) -> Self {
        WorkingCalendar {
            version: version.into(),
            holidays: BTreeSet::new(),
        }
    }

    /// Whether `day` is a working day (not Saturday, Sunday or a holiday).
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The date `n` working days after `start`: counting starts the day after `start`, and only
    /// working days count. `n = 0` gives `start`. `None` only past the end of time.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day.checked_add_days(Days::new(1))?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_shipped_holiday_file_loads() {
        let text = include_str!("../../../config/holidays.toml");
        let cal = WorkingCalendar::from_toml(text).unwrap();
        assert_eq!(cal.version, "id-2025-2027.1");
        assert!(cal.holidays.contains(&d("2026-12-25")));
        assert!(
            cal.holidays.contains(&d("2026-12-24")),
            "cuti bersama count too"
        );
        assert!(!cal.is_working_day(d("2026-08-17")));
        assert!(cal.is_working_day(d("2026-08-18")));
        for year in [2025, 2026, 2027] {
            assert!(cal.holidays.iter().filter(|h| h.year() == year).count() >= 15);
        }
    }

    #[test]
    fn bad_holiday_files_are_refused_with_the_reason() {
        let dup = "version = \"x\"\n[[holidays]]\ndate = 2026-01-01\nname = \"a\"\nkind = \"national\"\n[[holidays]]\ndate = 2026-01-01\nname = \"b\"\nkind = \"national\"\n";
        assert!(WorkingCalendar::from_toml(dup)
            .unwrap_err()
            .0
            .contains("twice"));
        let kind =
            "version = \"x\"\n[[holidays]]\ndate = 2026-01-01\nname = \"a\"\nkind = \"weekend\"\n";
        assert!(WorkingCalendar::from_toml(kind).is_err());
        let time = "version = \"x\"\n[[holidays]]\ndate = 2026-01-01T10:00:00\nname = \"a\"\nkind = \"national\"\n";
        assert!(WorkingCalendar::from_toml(time)
            .unwrap_err()
            .0
            .contains("plain date"));
        assert!(WorkingCalendar::from_toml("version = \"\"").is_err());
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let mut cal = WorkingCalendar::weekends_only("test");
        // Friday 2026-12-18 + 3 working days = Wed 2026-12-23 (skips Sat/Sun).
        assert_eq!(
            cal.add_working_days(d("2026-12-18"), 3),
            Some(d("2026-12-23"))
        );
        // With Christmas Eve and Christmas (Thu, Fri) off, +5 from Mon 21st lands on Wed 30th.
        cal.holidays.insert(d("2026-12-24"));
        cal.holidays.insert(d("2026-12-25"));
        assert_eq!(
            cal.add_working_days(d("2026-12-21"), 5),
            Some(d("2026-12-30"))
        );
        assert_eq!(
            cal.add_working_days(d("2026-12-21"), 0),
            Some(d("2026-12-21"))
        );
    }
}
