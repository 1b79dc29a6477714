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

impl WorkingCalendar {
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
