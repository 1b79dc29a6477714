//! The subject scheme every event is published on: `ombud.case.<case_id>.<event_type>`.
//! Downstream services filter on it server-side (`ombud.case.*.escalated`,
//! `ombud.case.<id>.>`); per-case optimistic concurrency is scoped to `ombud.case.<id>.*`.

use ombud_domain::{CaseId, EventType};

/// The prefix of every case subject.
pub const PREFIX: &str = "ombud.case";

/// The subject of one event, e.g. `ombud.case.01935c6e-….escalated`.
pub fn event_subject(case_id: CaseId, event_type: EventType) -> String {
    format!("{PREFIX}.{case_id}.{event_type}")
}

/// The filter matching every event of one case (`ombud.case.<id>.*`).
pub fn case_filter(case_id: CaseId) -> String {
    format!("{PREFIX}.{case_id}.*")
}

/// The filter matching every event of every case (`ombud.case.>`).
pub fn all_cases_filter() -> String {
    format!("{PREFIX}.>")
}

/// Splits a subject into its case id and its last token (the event type's wire name, which a
/// newer writer may have extended). `None` when it is not an ombud case subject.
pub fn parse_subject(subject: &str) -> Option<(CaseId, &str)> {
    let rest = subject.strip_prefix(PREFIX)?.strip_prefix('.')?;
    let (case, event_type) = rest.split_once('.')?;
    if event_type.is_empty() || event_type.contains('.') {
        return None;
    }
    Some((CaseId::parse(case).ok()?, event_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_round_trip() {
        let id = CaseId::parse("01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42").unwrap();
        let s = event_subject(id, EventType::LhpIssued);
        assert_eq!(
            s,
            "ombud.case.01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42.lhp_issued"
        );
        assert_eq!(parse_subject(&s), Some((id, "lhp_issued")));
        assert_eq!(parse_subject("ombud.case.not-a-uuid.escalated"), None);
        assert_eq!(parse_subject("other.case.x.y"), None);
        assert_eq!(
            case_filter(id),
            "ombud.case.01935c6e-7d2a-7c41-9a3e-5b7c2d1e0f42.*"
        );
    }
}
