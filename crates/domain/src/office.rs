//! The register of offices (DOMAIN §1): every office a case may belong to, with its kind and
//! time zone (WIB, WITA, WIT). The case's office zone sets its legal dates, "today" and the
//! working days its clocks count; a report names a registered office and a transfer goes to
//! one. Versioned data, read from `config/offices.toml` (built in) or a file of the same shape.

use std::fmt;

use chrono::FixedOffset;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::OfficeCode;
use crate::taxonomy::vocabulary;

vocabulary!(
    /// An Indonesian time zone.
    Zone {
        Wib = "wib", "Waktu Indonesia Barat (WIB, UTC+7)", "Western Indonesia Time (UTC+7)";
        Wita = "wita", "Waktu Indonesia Tengah (WITA, UTC+8)", "Central Indonesia Time (UTC+8)";
        Wit = "wit", "Waktu Indonesia Timur (WIT, UTC+9)", "Eastern Indonesia Time (UTC+9)";
    }
);

impl Zone {
    /// The IANA name used in the register.
    pub const fn tz_name(self) -> &'static str {
        match self {
            Zone::Wib => "Asia/Jakarta",
            Zone::Wita => "Asia/Makassar",
            Zone::Wit => "Asia/Jayapura",
        }
    }

    /// Its offset from UTC (Indonesia keeps no daylight saving time).
    pub fn offset(self) -> FixedOffset {
        let hours = match self {
            Zone::Wib => 7,
            Zone::Wita => 8,
            Zone::Wit => 9,
        };
        #[allow(clippy::expect_used)]
        FixedOffset::east_opt(hours * 3600).expect("UTC+7..9 is within chrono's offset range")
    }
}

vocabulary!(
    /// The central office or a regional one.
    OfficeKind {
        Central = "central", "Kantor Pusat", "Head office";
        Regional = "regional", "Kantor Perwakilan", "Regional office";
    }
);

/// One office of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Office {
    /// Its code, e.g. `jawa-barat`.
    pub code: OfficeCode,
    /// Its name.
    pub name: String,
    /// Central or regional.
    pub kind: OfficeKind,
    /// Its time zone.
    pub zone: Zone,
}

/// The register, with its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OfficeRegister {
    /// The register's version (e.g. `ori-2026.1`).
    pub version: String,
    /// Every office.
    pub offices: Vec<Office>,
}

/// Why an office register file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("office register: {0}")]
pub struct RegisterError(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFile {
    version: String,
    #[serde(default)]
    office: Vec<OfficeEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeEntry {
    code: String,
    name: String,
    kind: OfficeKind,
    timezone: String,
}

/// The register shipped with ombud (`config/offices.toml`): Ombudsman RI's central office and
/// its 34 regional offices.
pub const BUILT_IN: &str = include_str!("../../../config/offices.toml");

impl OfficeRegister {
    /// Reads a register file: a `version` and `[[office]]` entries with `code`, `name`, `kind`
    /// (`central` or `regional`) and `timezone` (`Asia/Jakarta`, `Asia/Makassar` or
    /// `Asia/Jayapura`).
    pub fn from_toml(text: &str) -> Result<Self, RegisterError> {
        let file: RegisterFile = toml::from_str(text).map_err(|e| RegisterError(e.to_string()))?;
        if file.version.trim().is_empty() {
            return Err(RegisterError("`version` must not be empty".into()));
        }
        let mut offices: Vec<Office> = Vec::with_capacity(file.office.len());
        for entry in file.office {
            let code = OfficeCode::parse(&entry.code)
                .map_err(|e| RegisterError(format!("office `{}`: {e}", entry.code)))?;
            let zone = Zone::ALL
                .iter()
                .copied()
                .find(|z| z.tz_name() == entry.timezone)
                .ok_or_else(|| {
                    RegisterError(format!(
                        "office `{code}`: timezone `{}` is none of Asia/Jakarta, Asia/Makassar, \
                         Asia/Jayapura",
                        entry.timezone
                    ))
                })?;
            if offices.iter().any(|o| o.code == code) {
                return Err(RegisterError(format!("office `{code}` is listed twice")));
            }
            offices.push(Office {
                code,
                name: entry.name,
                kind: entry.kind,
                zone,
            });
        }
        if offices.is_empty() {
            return Err(RegisterError("no `[[office]]` is listed".into()));
        }
        Ok(OfficeRegister {
            version: file.version,
            offices,
        })
    }

    /// The built-in register.
    pub fn built_in() -> Self {
        #[allow(clippy::expect_used)]
        OfficeRegister::from_toml(BUILT_IN).expect("the built-in office register reads (tested)")
    }

    /// The office of `code`, if registered.
    pub fn get(&self, code: &OfficeCode) -> Option<&Office> {
        self.offices.iter().find(|o| &o.code == code)
    }

    /// The UTC offset of `code`'s office (WIB for an office not in the register: only events
    /// written before the register, or a register changed since, can name one).
    pub fn offset_of(&self, code: &OfficeCode) -> FixedOffset {
        self.get(code).map_or(Zone::Wib, |o| o.zone).offset()
    }
}

impl Default for OfficeRegister {
    fn default() -> Self {
        OfficeRegister::built_in()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_built_in_register_has_the_central_office_and_34_regional_ones_in_three_zones() {
        let r = OfficeRegister::built_in();
        assert_eq!(r.offices.len(), 35);
        let zone = |c: &str| r.get(&OfficeCode::parse(c).unwrap()).unwrap().zone;
        assert_eq!(zone("jawa-barat"), Zone::Wib);
        assert_eq!(zone("sulawesi-selatan"), Zone::Wita);
        assert_eq!(zone("papua"), Zone::Wit);
        assert_eq!(
            r.offset_of(&OfficeCode::parse("bali").unwrap()),
            FixedOffset::east_opt(8 * 3600).unwrap()
        );
    }

    #[test]
    fn bad_register_files_are_refused_with_the_reason() {
        let bad = |text: &str| OfficeRegister::from_toml(text).unwrap_err().to_string();
        assert!(bad("version = \"\"\n").contains("version"));
        assert!(bad("version = \"x\"\n").contains("no `[[office]]`"));
        let entry = |tz: &str| {
            format!(
                "version = \"x\"\n[[office]]\ncode = \"bali\"\nname = \"Bali\"\nkind = \"regional\"\ntimezone = \"{tz}\"\n"
            )
        };
        assert!(bad(&entry("Asia/Bangkok")).contains("Asia/Bangkok"));
        let twice = format!(
            "{}{}",
            entry("Asia/Makassar"),
            &entry("Asia/Makassar")[14..]
        );
        assert!(bad(&twice).contains("twice"), "{twice}");
    }
}
