//! Who sees which personal data of a case (`docs/personal-data.md`): the disclosure
//! policy as one table of grants ([`GRANTS`]), and [`disclose`], the one decision every read
//! path (case file, CLI, exports) applies. Anything no grant opens is redacted with a typed
//! reason; erased data is never opened. Pure: the caller says who asks and how they stand to
//! the case; opening the seal and writing the access log are the service's business.

use crate::ids::OfficeCode;
use crate::role::{Actor, Role};
use crate::state::{CaseState, Status};

/// The classes of personal data a case holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The reporter's identity and contacts (name, NIK, phone, e-mail, address).
    ReporterIdentity,
    /// Every free text: the summary, notes, reasons, terms, corrective actions, content.
    FreeText,
}

impl Field {
    /// Every class.
    pub const ALL: &'static [Field] = &[ReporterIdentity, FreeText];
}

/// How the reader stands to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// The case's assignee, of the case's office.
    Assigned,
    /// Of the case's office, not its assignee.
    SameOffice,
    /// Of another office.
    OtherOffice,
}

impl Relation {
    /// Every relation.
    pub const ALL: &'static [Relation] = &[Assigned, SameOffice, OtherOffice];

    /// How `actor` stands to a case of `office` assigned to `assignee`.
    pub fn of(actor: &Actor, office: &OfficeCode, assignee: Option<&crate::ActorId>) -> Relation {
        if actor.office != *office {
            OtherOffice
        } else if assignee == Some(&actor.id) {
            Assigned
        } else {
            SameOffice
        }
    }
}

/// Where the case is, as far as disclosure cares: intake sees the reporter only until the
/// case is accepted for examination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Never accepted (received, awaiting completion, or closed from there).
    BeforeAcceptance,
    /// Accepted for examination (or opened as own initiative).
    Accepted,
}

impl Phase {
    /// Every phase.
    pub const ALL: &'static [Phase] = &[Phase::BeforeAcceptance, Phase::Accepted];

    /// The phase of `state`.
    pub fn of(state: &CaseState) -> Phase {
        let before = |s: Status| {
            matches!(
                s,
                Status::Registered
                    | Status::RapidResponse
                    | Status::Received
                    | Status::AwaitingCompletion
            )
        };
        let at_intake = match (state.status, &state.closure) {
            (Status::Closed, Some(closure)) => before(closure.previous),
            (status, _) => before(status),
        };
        if at_intake {
            Phase::BeforeAcceptance
        } else {
            Phase::Accepted
        }
    }
}

/// Why a field is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Redaction {
    /// The reader has no need to know it.
    NeedToKnow,
    /// The reporter asked for confidentiality and the reader is not among the few who may
    /// know who they are.
    Confidential,
}

impl Redaction {
    /// The wire code (`{"redacted": "<code>"}`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Redaction::NeedToKnow => "need_to_know",
            Redaction::Confidential => "confidential",
        }
    }
}

/// The decision for one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disclosure {
    /// Open it.
    Open,
    /// Open it, and record the opening in the access log first (a confidential reporter).
    OpenRecorded,
    /// Show the redaction marker instead.
    Redacted(Redaction),
    /// The case's personal data was erased: nobody sees it.
    Erased,
}

/// One grant of the policy: `role` may open `field` (of a confidential reporter or not) when
/// it stands to the case in one of `relations`, in one of `phases`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// What is opened.
    pub field: Field,
    /// For the reporter's identity: whether this grant is for a confidential reporter (free
    /// text grants hold either way).
    pub confidential: bool,
    /// Who.
    pub role: Role,
    /// Standing how to the case.
    pub relations: &'static [Relation],
    /// When.
    pub phases: &'static [Phase],
}

use Field::{FreeText, ReporterIdentity};
use Relation::{Assigned, OtherOffice, SameOffice};
use Role::{Chair, Dpo, Intake, Investigator, Member, OfficeHead, Resmon, UnitHead};

const OWN_OFFICE: &[Relation] = &[Assigned, SameOffice];
const ANY_OFFICE: &[Relation] = &[Assigned, SameOffice, OtherOffice];
const ALWAYS: &[Phase] = &[Phase::BeforeAcceptance, Phase::Accepted];

/// The policy (`docs/personal-data.md`, DOMAIN §9): "assigned investigator" is the assignee
/// (a resmon in Resolusi dan Monitoring), "the office's supervisors" its unit head and head of
/// office, "head of office" the office_head (a member on `pusat` cases, whose own office is
/// `pusat`). The retired v1 `supervisor` is granted nothing. Everything not granted here is redacted: the
/// reporter's identity as `confidential` when the reporter asked for it, else `need_to_know`;
/// free text as `need_to_know`.
pub const GRANTS: &[Grant] = &[
    // The reporter's identity and contacts.
    Grant {
        field: ReporterIdentity,
        confidential: false,
        role: Intake,
        relations: OWN_OFFICE,
        phases: &[Phase::BeforeAcceptance],
    },
    Grant {
        field: ReporterIdentity,
        confidential: false,
        role: Investigator,
        relations: &[Assigned],
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: false,
        role: UnitHead,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: false,
        role: OfficeHead,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: false,
        role: Member,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: false,
        role: Resmon,
        relations: &[Assigned],
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: false,
        role: Dpo,
        relations: ANY_OFFICE,
        phases: ALWAYS,
    },
    // A confidential reporter: the assigned investigator, the head of office, the DPO.
    Grant {
        field: ReporterIdentity,
        confidential: true,
        role: Investigator,
        relations: &[Assigned],
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: true,
        role: OfficeHead,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: true,
        role: Member,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: true,
        role: Resmon,
        relations: &[Assigned],
        phases: ALWAYS,
    },
    Grant {
        field: ReporterIdentity,
        confidential: true,
        role: Dpo,
        relations: ANY_OFFICE,
        phases: ALWAYS,
    },
    // Free text: the staff of the case's office, and the chair.
    Grant {
        field: FreeText,
        confidential: false,
        role: Intake,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: FreeText,
        confidential: false,
        role: Investigator,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: FreeText,
        confidential: false,
        role: Resmon,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: FreeText,
        confidential: false,
        role: UnitHead,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: FreeText,
        confidential: false,
        role: OfficeHead,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: FreeText,
        confidential: false,
        role: Member,
        relations: OWN_OFFICE,
        phases: ALWAYS,
    },
    Grant {
        field: FreeText,
        confidential: false,
        role: Chair,
        relations: ANY_OFFICE,
        phases: ALWAYS,
    },
];

/// Whether `role`, standing `relation` to a case in `phase`, may open `field` of a case whose
/// reporter is (or is not) `confidential`, and whether the case's data was `erased`.
pub fn disclose(
    role: Role,
    field: Field,
    confidential: bool,
    relation: Relation,
    phase: Phase,
    erased: bool,
) -> Disclosure {
    if erased {
        return Disclosure::Erased;
    }
    // Free-text grants do not depend on the reporter's confidentiality.
    let wanted_confidential = field == ReporterIdentity && confidential;
    let granted = GRANTS.iter().any(|g| {
        g.field == field
            && g.confidential == wanted_confidential
            && g.role == role
            && g.relations.contains(&relation)
            && g.phases.contains(&phase)
    });
    match (granted, wanted_confidential) {
        (true, true) => Disclosure::OpenRecorded,
        (true, false) => Disclosure::Open,
        (false, true) => Disclosure::Redacted(Redaction::Confidential),
        (false, false) => Disclosure::Redacted(Redaction::NeedToKnow),
    }
}

/// [`disclose`] for `actor` reading `field` of the case in `state`.
pub fn disclose_for(actor: &Actor, state: &CaseState, field: Field) -> Disclosure {
    let relation = match &state.office {
        Some(office) => Relation::of(actor, office, state.assignee.as_ref()),
        None => OtherOffice,
    };
    disclose(
        actor.role,
        field,
        state.confidential,
        relation,
        Phase::of(state),
        state.personal_data_erased,
    )
}
