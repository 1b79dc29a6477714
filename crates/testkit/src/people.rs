//! The test suites' people: one actor per role, with the same names in every suite (the
//! intake officer is always `pvl.rina`, the investigator `riksa.siti`), so a failure reads the
//! same wherever it comes from.

use ombud_domain::{Actor, ActorId, OfficeCode, Role};

/// The actor id of `role` in the tests.
pub fn actor_id(role: Role) -> &'static str {
    match role {
        Role::Intake => "pvl.rina",
        Role::Investigator => "riksa.siti",
        Role::Resmon => "resmon.wati",
        Role::UnitHead => "kanit.dedi",
        Role::OfficeHead | Role::Supervisor => "kepala.budi",
        Role::Member => "anggota.yeka",
        Role::Chair => "ketua.ani",
        Role::Auditor => "audit.dewi",
        Role::Dpo => "dpo.joko",
        Role::System => "system",
    }
}

/// The tests' `role` in `office`.
///
/// # Panics
/// On an office code that is not one (a bug in the test).
pub fn actor(role: Role, office: &str) -> Actor {
    named(actor_id(role), role, office)
}

/// Someone else: `id` as `role` in `office`.
///
/// # Panics
/// On an id or office code that is not one (a bug in the test).
pub fn named(id: &str, role: Role, office: &str) -> Actor {
    Actor {
        id: ActorId::parse(id).expect("a test actor id"),
        role,
        office: OfficeCode::parse(office).expect("a test office code"),
    }
}
