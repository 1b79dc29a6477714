//! The disclosure policy, every cell: role × field × confidential × relation × phase ×
//! erased, against `docs/personal-data.md` written out here independently of `GRANTS`.
#![allow(clippy::unwrap_used, missing_docs)]

use ombud_domain::disclosure::{disclose, Disclosure, Field, Phase, Redaction, Relation};
use ombud_domain::Role;

fn expected(
    role: Role,
    field: Field,
    confidential: bool,
    relation: Relation,
    phase: Phase,
) -> Disclosure {
    use Relation::*;
    let own_office = matches!(relation, Assigned | SameOffice);
    let open = match field {
        Field::ReporterIdentity => match role {
            Role::Intake => !confidential && own_office && phase == Phase::BeforeAcceptance,
            // The assignee: the investigator, or the resmon in Resolusi dan Monitoring.
            Role::Investigator | Role::Resmon => relation == Assigned,
            // "The office's supervisors" (unit head, head of office) see a non-confidential
            // reporter; a confidential one only the head of office (a member on pusat cases,
            // whose own office is pusat).
            Role::UnitHead => own_office && !confidential,
            Role::OfficeHead | Role::Member => own_office,
            Role::Dpo => true,
            Role::Chair | Role::Auditor | Role::System | Role::Supervisor => false,
        },
        Field::FreeText => match role {
            Role::Intake
            | Role::Investigator
            | Role::Resmon
            | Role::UnitHead
            | Role::OfficeHead
            | Role::Member => own_office,
            Role::Chair => true,
            Role::Auditor | Role::Dpo | Role::System | Role::Supervisor => false,
        },
    };
    let confidential_identity = field == Field::ReporterIdentity && confidential;
    match (open, confidential_identity) {
        (true, true) => Disclosure::OpenRecorded,
        (true, false) => Disclosure::Open,
        (false, true) => Disclosure::Redacted(Redaction::Confidential),
        (false, false) => Disclosure::Redacted(Redaction::NeedToKnow),
    }
}

#[test]
fn every_cell_of_the_policy_matches_design_section_10() {
    let mut cells = 0;
    for role in Role::ALL {
        for field in Field::ALL {
            for confidential in [false, true] {
                for relation in Relation::ALL {
                    for phase in Phase::ALL {
                        let cell = (*role, *field, confidential, *relation, *phase);
                        assert_eq!(
                            disclose(*role, *field, confidential, *relation, *phase, false),
                            expected(*role, *field, confidential, *relation, *phase),
                            "{cell:?}"
                        );
                        assert_eq!(
                            disclose(*role, *field, confidential, *relation, *phase, true),
                            Disclosure::Erased,
                            "erased: {cell:?}"
                        );
                        cells += 1;
                    }
                }
            }
        }
    }
    assert_eq!(cells, Role::ALL.len() * 2 * 2 * 3 * 2);
}
