//! Who may act: the seven roles of `docs/procedure.md` and the [`Actor`] a command names. Owns
//! the rule of office scope (intake, investigator and supervisor act only on their own
//! office's cases); which role may issue which command is a rule of `decide`.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{ActorId, OfficeCode};

/// A role of the Ombudsman office (or the system itself).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Asisten PVL: receives and verifies reports.
    Intake,
    /// Asisten Riksa: examines the case.
    Investigator,
    /// Kepala Keasistenan / Kepala Perwakilan: accepts, approves closures and escalations.
    Supervisor,
    /// Ketua: alone issues a Recommendation.
    Chair,
    /// Reads and verifies everything; never writes.
    Auditor,
    /// Data protection officer: personal-data requests (erasure).
    Dpo,
    /// The deadline engine and system adapters (e.g. SP4N-LAPOR!).
    System,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[
        Role::Intake,
        Role::Investigator,
        Role::Supervisor,
        Role::Chair,
        Role::Auditor,
        Role::Dpo,
        Role::System,
    ];

    /// The wire code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Intake => "intake",
            Role::Investigator => "investigator",
            Role::Supervisor => "supervisor",
            Role::Chair => "chair",
            Role::Auditor => "auditor",
            Role::Dpo => "dpo",
            Role::System => "system",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.as_str() == code)
    }

    /// Whether this role sees and acts only on its own office's cases.
    pub const fn is_office_scoped(self) -> bool {
        matches!(self, Role::Intake | Role::Investigator | Role::Supervisor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The person (or system) issuing a command, as authenticated at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Recorded as the event's `actor`.
    pub id: ActorId,
    /// Recorded as the event's `actorrole`.
    pub role: Role,
    /// The office whose cases an office-scoped role may act on.
    pub office: OfficeCode,
}

impl Actor {
    /// Whether this actor may see or act on a case of `office`.
    pub fn may_access(&self, office: &OfficeCode) -> bool {
        !self.role.is_office_scoped() || &self.office == office
    }
}
