//! Who may act: the roles of DOMAIN §1 and the [`Actor`] a command names. Owns the rule of
//! office scope (intake, investigator, resmon, unit head and head of office act only on their
//! own office's cases; member, chair, auditor, DPO and system see all); which role may issue
//! which command is a rule of `decide`.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{ActorId, OfficeCode};
use crate::taxonomy::vocabulary;

vocabulary!(
    /// A role. `supervisor` is v1's and retired: valid on stored events, refused in config.
    Role {
        Intake = "intake", "Asisten Penerimaan dan Verifikasi Laporan (PVL)", "Intake assistant";
        Investigator = "investigator", "Asisten Pemeriksaan Laporan", "Investigator";
        Resmon = "resmon", "Asisten Resolusi dan Monitoring", "Resolution and monitoring assistant";
        UnitHead = "unit_head", "Kepala Keasistenan", "Head of unit";
        OfficeHead = "office_head", "Kepala Perwakilan", "Head of office";
        Member = "member", "Anggota Ombudsman", "Ombudsman member";
        Chair = "chair", "Ketua Ombudsman", "Chair";
        Auditor = "auditor", "Auditor", "Auditor";
        Dpo = "dpo", "Pejabat Pelindungan Data Pribadi", "Data protection officer";
        System = "system", "Sistem", "System";
        /// legacy: v1's head of office and unit head in one; no longer granted.
        Supervisor = "supervisor", "Supervisor (peran v1)", "Supervisor (v1 role)";
    }
);

impl Role {
    /// Roles that may be granted today (every role but the retired `supervisor`).
    pub const CURRENT: &'static [Role] = &[
        Role::Intake,
        Role::Investigator,
        Role::Resmon,
        Role::UnitHead,
        Role::OfficeHead,
        Role::Member,
        Role::Chair,
        Role::Auditor,
        Role::Dpo,
        Role::System,
    ];

    /// Whether the role is v1's and may no longer be granted.
    pub const fn is_retired(self) -> bool {
        matches!(self, Role::Supervisor)
    }

    /// Whether the role acts only within its own office.
    pub const fn is_office_scoped(self) -> bool {
        matches!(
            self,
            Role::Intake
                | Role::Investigator
                | Role::Resmon
                | Role::UnitHead
                | Role::OfficeHead
                | Role::Supervisor
        )
    }

    /// The office's heads: unit head and head of office.
    pub const fn is_head(self) -> bool {
        matches!(self, Role::UnitHead | Role::OfficeHead)
    }
}

/// Someone acting: who, in which role, from which office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Who.
    pub id: ActorId,
    /// In which role.
    pub role: Role,
    /// Their office (for office-scoped roles, the only one whose cases they see).
    pub office: OfficeCode,
}

impl Actor {
    /// Whether this actor may see and act on a case of `office` at all.
    pub fn may_access(&self, office: &OfficeCode) -> bool {
        !self.role.is_office_scoped() || &self.office == office
    }
}
