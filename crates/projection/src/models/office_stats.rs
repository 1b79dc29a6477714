//! Office statistics (`offices`, one row per office): intake by month and channel, cases per
//! state, open cases by reporting date (ageing buckets are derived at query time), closure
//! reasons, findings (found / not found rate), and cases by track, classification (substance,
//! agency group, reporter kind), finding and forms found (DOMAIN §10).

use schemars::JsonSchema;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use ombud_domain::{EventData, OfficeCode};
use serde::{Deserialize, Serialize};

use crate::error::ProjectionError;
use crate::models::statistics::Contribution;
use crate::projector::Projected;
use crate::store::{Guarded, Trees};

/// The stored counters of one office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OfficeStats {
    /// Last stream sequence applied.
    pub last_seq: u64,
    /// The office.
    pub office: OfficeCode,
    /// Reports received per local month (`YYYY-MM`) and channel.
    pub intake: BTreeMap<String, BTreeMap<String, u64>>,
    /// Cases per status (closed included).
    pub per_state: BTreeMap<String, u64>,
    /// Open cases per local reporting date.
    pub open_by_reported_on: BTreeMap<NaiveDate, u64>,
    /// Closures per reason.
    pub closure_reasons: BTreeMap<String, u64>,
    /// Conclusions per finding.
    pub findings: BTreeMap<String, u64>,
    /// Cases (closed included) by their current track, substance, agency group, reporter
    /// kind, the finding of their LHP and its forms found: `vocabulary:value` → count (e.g.
    /// `track:rapid_response`, `form_found:undue_delay`).
    #[serde(default)]
    pub by: BTreeMap<String, u64>,
}

impl Guarded for OfficeStats {
    fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

impl OfficeStats {
    /// Empty counters.
    pub fn new(office: OfficeCode) -> Self {
        OfficeStats {
            last_seq: 0,
            office,
            intake: BTreeMap::new(),
            per_state: BTreeMap::new(),
            open_by_reported_on: BTreeMap::new(),
            closure_reasons: BTreeMap::new(),
            findings: BTreeMap::new(),
            by: BTreeMap::new(),
        }
    }
}

fn add<K: Ord>(map: &mut BTreeMap<K, u64>, key: K, delta: i64) {
    match map.entry(key) {
        std::collections::btree_map::Entry::Occupied(mut e) => {
            let n = e.get().saturating_add_signed(delta);
            if n == 0 {
                e.remove();
            } else {
                e.insert(n);
            }
        }
        std::collections::btree_map::Entry::Vacant(e) => {
            if delta > 0 {
                e.insert(delta.unsigned_abs());
            }
        }
    }
}

/// Moves the office's counters across one event.
pub(crate) fn apply(
    row: &mut OfficeStats,
    before: Option<&Contribution>,
    after: Option<&Contribution>,
    event: &Projected,
    offset: chrono::FixedOffset,
) {
    for (contribution, sign) in [(before, -1i64), (after, 1)] {
        let Some(c) = contribution.filter(|c| c.office == row.office) else {
            continue;
        };
        add(&mut row.per_state, c.status.as_str().to_owned(), sign);
        for bucket in &c.buckets {
            add(&mut row.by, bucket.clone(), sign);
        }
        if c.status.is_open() {
            add(&mut row.open_by_reported_on, c.reported_on, sign);
        }
    }
    let e = &event.recorded.event;
    if e.office != row.office {
        return;
    }
    match &e.data {
        EventData::Reported(r) => {
            let month = e.at.local_date(offset).format("%Y-%m").to_string();
            add(
                row.intake.entry(month).or_default(),
                r.channel.as_str().to_owned(),
                1,
            );
        }
        EventData::Closed(d) => add(&mut row.closure_reasons, d.reason.as_str().to_owned(), 1),
        EventData::LhpIssued(d) => add(
            &mut row.findings,
            d.conclusion.finding().as_str().to_owned(),
            1,
        ),
        _ => {}
    }
}

/// Office statistics as shown, judged on a date.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct OfficeStatsView {
    /// The counters.
    #[serde(flatten)]
    pub stats: OfficeStats,
    /// Open cases by age: `0-30`, `31-60`, `61-90`, `91-180`, `181+` days.
    pub ageing: BTreeMap<&'static str, u64>,
    /// Found / (found + not found), when any was concluded.
    pub found_rate: Option<f64>,
}

/// The age buckets, in days.
pub const AGEING_BUCKETS: &[(&str, i64)] = &[
    ("0-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("91-180", 180),
    ("181+", i64::MAX),
];

/// The statistics of `office` on `today`.
pub fn office_stats(
    trees: &Trees,
    office: &OfficeCode,
    today: NaiveDate,
) -> Result<Option<OfficeStatsView>, ProjectionError> {
    let row: Option<OfficeStats> =
        crate::store::get(trees.tree("offices"), office.as_str().as_bytes())
            .map_err(crate::error_from_apply)?;
    Ok(row.map(|stats| {
        let mut ageing: BTreeMap<&'static str, u64> =
            AGEING_BUCKETS.iter().map(|(name, _)| (*name, 0)).collect();
        for (day, count) in &stats.open_by_reported_on {
            let age = (today - *day).num_days();
            if let Some((name, _)) = AGEING_BUCKETS.iter().find(|(_, max)| age <= *max) {
                *ageing.entry(name).or_insert(0) += count;
            }
        }
        let found = stats.findings.get("found").copied().unwrap_or(0);
        let not_found = stats.findings.get("not_found").copied().unwrap_or(0);
        OfficeStatsView {
            found_rate: (found + not_found > 0).then(|| found as f64 / (found + not_found) as f64),
            ageing,
            stats,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_drop_keys_that_reach_zero_and_never_go_negative() {
        let mut m = BTreeMap::new();
        add(&mut m, "open", 1);
        add(&mut m, "open", 1);
        add(&mut m, "open", -1);
        assert_eq!(m.get("open"), Some(&1));
        add(&mut m, "open", -1);
        assert!(m.is_empty(), "zero counts are not kept");
        add(&mut m, "closed", -1);
        assert!(m.is_empty(), "a removal of nothing adds nothing");
    }

    #[test]
    fn ageing_buckets_cover_every_age_in_order() {
        let limits: Vec<i64> = AGEING_BUCKETS.iter().map(|(_, max)| *max).collect();
        assert!(limits.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(limits.last(), Some(&i64::MAX));
    }
}
