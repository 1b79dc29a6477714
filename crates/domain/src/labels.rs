//! Labels of every closed vocabulary, status, role and event type: the wire code with its
//! Indonesian (`label_id`, the default) and English (`label_en`) label, listed in one place
//! ([`vocabularies`]) so the API, the CLI and the docs show the same words.

use serde::Serialize;

/// A closed set whose values have labels.
pub trait Labelled: Copy + 'static {
    /// The vocabulary's name, e.g. `ClosureReason`.
    const VOCABULARY: &'static str;
    /// Every value.
    fn all() -> &'static [Self];
    /// The wire code.
    fn code(self) -> &'static str;
    /// The Indonesian label.
    fn label_id(self) -> &'static str;
    /// The English label.
    fn label_en(self) -> &'static str;
}

/// One value with its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Label {
    /// The wire code.
    pub code: &'static str,
    /// Indonesian.
    pub label_id: &'static str,
    /// English.
    pub label_en: &'static str,
}

/// One vocabulary with its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Vocabulary {
    /// Its name, e.g. `ClosureReason`.
    pub name: &'static str,
    /// Its values in order.
    pub values: Vec<Label>,
}

/// The labels of one value.
pub fn label<T: Labelled>(value: T) -> Label {
    Label {
        code: value.code(),
        label_id: value.label_id(),
        label_en: value.label_en(),
    }
}

fn vocabulary<T: Labelled>() -> Vocabulary {
    Vocabulary {
        name: T::VOCABULARY,
        values: T::all().iter().map(|v| label(*v)).collect(),
    }
}

/// Every labelled vocabulary of the domain.
pub fn vocabularies() -> Vec<Vocabulary> {
    use crate::taxonomy::*;
    vec![
        vocabulary::<crate::state::Status>(),
        vocabulary::<crate::state::LhpStage>(),
        vocabulary::<crate::state::Agenda>(),
        vocabulary::<crate::role::Role>(),
        vocabulary::<crate::event::EventType>(),
        vocabulary::<crate::deadline::ClockKind>(),
        vocabulary::<crate::letter::Via>(),
        vocabulary::<Channel>(),
        vocabulary::<Track>(),
        vocabulary::<RcoCriterion>(),
        vocabulary::<ClosureReason>(),
        vocabulary::<StopGround>(),
        vocabulary::<Finding>(),
        vocabulary::<Addressee>(),
        vocabulary::<Purpose>(),
        vocabulary::<AnswerOutcome>(),
        vocabulary::<SummonsParty>(),
        vocabulary::<ActivityKind>(),
        vocabulary::<MediationMethod>(),
        vocabulary::<MediationOutcome>(),
        vocabulary::<ActionAddressee>(),
        vocabulary::<ActionStatus>(),
        vocabulary::<ResolutionGround>(),
        vocabulary::<ImplementationReport>(),
        vocabulary::<Assessment>(),
        vocabulary::<VerificationStage>(),
        vocabulary::<ReporterKind>(),
        vocabulary::<ProposedAction>(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_both_labels_and_a_unique_code() {
        for v in vocabularies() {
            let mut codes = std::collections::HashSet::new();
            for l in &v.values {
                assert!(
                    !l.label_id.is_empty() && !l.label_en.is_empty(),
                    "{}.{}",
                    v.name,
                    l.code
                );
                assert!(codes.insert(l.code), "{}.{} twice", v.name, l.code);
            }
        }
    }
}
