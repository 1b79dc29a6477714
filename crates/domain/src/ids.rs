//! Newtypes for every id and code that crosses the edge: made once by parsing outside input,
//! then trusted everywhere inside. Owns the rules of what a well-formed id looks like, and the
//! derivation of a case id from an idempotency key (UUIDv5), so a retried report can never open
//! a second case.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a string is not a valid id or code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {problem}")]
pub struct IdParseError {
    /// Which kind of id was being parsed, e.g. `office code`.
    pub kind: &'static str,
    /// The rejected input (truncated to 80 characters).
    pub value: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

impl IdParseError {
    fn new(kind: &'static str, value: &str, problem: &'static str) -> Self {
        IdParseError {
            kind,
            value: value.chars().take(80).collect(),
            problem,
        }
    }
}

/// A case's identity: a UUID (v7 when opened without an idempotency key, v5 of the key when
/// opened with one).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct CaseId(Uuid);

/// Namespace of the UUIDv5 derivation of case ids from idempotency keys. Never change it:
/// retries across versions must land on the same case.
const CASE_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6f6d_6275_642d_4341_5345_2d49_4400_0001);

impl CaseId {
    /// Wraps an already generated UUID.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        CaseId(uuid)
    }

    /// The case id a `report` with this idempotency key opens: the same key always gives the
    /// same case, so a retried report cannot open a second one.
    pub fn for_idempotency_key(key: &IdempotencyKey) -> Self {
        CaseId(Uuid::new_v5(&CASE_ID_NAMESPACE, key.as_str().as_bytes()))
    }

    /// The UUID inside.
    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }

    /// Parses the hyphenated UUID form.
    pub fn parse(input: &str) -> Result<Self, IdParseError> {
        Uuid::try_parse(input)
            .map(CaseId)
            .map_err(|_| IdParseError::new("case id", input, "not a UUID"))
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl std::str::FromStr for CaseId {
    type Err = IdParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseId::parse(s)
    }
}

fn lower_kebab(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

fn actor_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_')
}

fn snake(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':')
}

fn visible_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $min:literal..=$max:literal, $allowed:expr, $rule:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, JsonSchema)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        // Written as its text, borrowed (`#[serde(into = "String")]` cloned it each time).
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl $name {
            /// Parses and validates outside input.
            pub fn parse(input: &str) -> Result<Self, IdParseError> {
                let len = input.chars().count();
                if !($min..=$max).contains(&len) {
                    return Err(IdParseError::new($kind, input, concat!("must be ", $min, " to ", $max, " characters")));
                }
                if !input.chars().all($allowed) {
                    return Err(IdParseError::new($kind, input, $rule));
                }
                Ok($name(input.to_owned()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdParseError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}

string_id!(
    /// An Ombudsman office: `pusat` (the central office) or a regional office such as
    /// `jawa-barat`. Lowercase kebab-case.
    OfficeCode, "office code", 2..=64, lower_kebab, "only a-z, 0-9 and '-' are allowed"
);
string_id!(
    /// A respondent agency, e.g. `disdukcapil-kota-tasikmalaya`. Lowercase kebab-case.
    AgencyCode, "agency code", 2..=96, lower_kebab, "only a-z, 0-9 and '-' are allowed"
);
string_id!(
    /// An examination unit inside an office, e.g. `riksa-1`. Lowercase kebab-case.
    UnitCode, "unit code", 1..=64, lower_kebab, "only a-z, 0-9 and '-' are allowed"
);
string_id!(
    /// Who acted: a staff account such as `riksa.siti`, or `system` for the deadline engine.
    ActorId, "actor id", 1..=64, actor_char, "only a-z, 0-9, '.', '_' and '-' are allowed"
);
string_id!(
    /// A form of maladministration as a code of the versioned taxonomy, e.g. `undue_delay`.
    FormCode, "form code", 2..=64, snake, "only a-z, 0-9 and '_' are allowed"
);
string_id!(
    /// Names the data key that seals a case's personal data (see `Sealed`).
    KeyId, "key id", 1..=128, key_char, "only A-Z, a-z, 0-9, '-', '.', '_' and ':' are allowed"
);
string_id!(
    /// The client's idempotency key of a command: the same key means "the same command again".
    IdempotencyKey, "idempotency key", 1..=128, visible_ascii, "only visible ASCII characters are allowed"
);

impl KeyId {
    /// The data key id of a case: one key seals all personal data of that case, so erasing the
    /// reporter destroys exactly that key.
    pub fn for_case(case_id: CaseId) -> KeyId {
        KeyId(format!("case:{case_id}"))
    }
}

/// The human reference of a case, as printed on letters: `<OFFICE>/<YEAR>/<8 hex>`, derived
/// from the office, the year it was reported and the case id (so no counter is needed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct CaseReference(String);

impl CaseReference {
    /// Derives the reference of a case.
    pub fn derive(office: &OfficeCode, year: i32, case_id: CaseId) -> Self {
        let simple = case_id.as_uuid().simple().to_string();
        let tail = &simple[simple.len() - 8..];
        CaseReference(format!(
            "{}/{year}/{}",
            office.as_str().to_uppercase(),
            tail.to_uppercase()
        ))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_reject_what_they_must() {
        assert!(OfficeCode::parse("jawa-barat").is_ok());
        assert!(OfficeCode::parse("Jawa Barat").is_err());
        assert!(OfficeCode::parse("j").is_err());
        assert!(ActorId::parse("riksa.siti").is_ok());
        assert!(ActorId::parse("").is_err());
        assert!(IdempotencyKey::parse("retry key").is_err());
        assert!(CaseId::parse("not-a-uuid").is_err());
        let err = FormCode::parse("Undue-Delay").unwrap_err();
        assert_eq!(err.kind, "form code");
    }

    #[test]
    fn case_id_from_key_is_stable_and_distinct() {
        let a = IdempotencyKey::parse("abc-1").unwrap();
        let b = IdempotencyKey::parse("abc-2").unwrap();
        assert_eq!(
            CaseId::for_idempotency_key(&a),
            CaseId::for_idempotency_key(&a)
        );
        assert_ne!(
            CaseId::for_idempotency_key(&a),
            CaseId::for_idempotency_key(&b)
        );
        assert_eq!(
            CaseId::for_idempotency_key(&a).as_uuid().get_version_num(),
            5
        );
    }

    #[test]
    fn reference_is_derived_from_office_year_and_id() {
        let id = CaseId::parse("01935c6e-0000-7000-8000-00000000abcd").unwrap();
        let office = OfficeCode::parse("jawa-barat").unwrap();
        assert_eq!(
            CaseReference::derive(&office, 2026, id).as_str(),
            "JAWA-BARAT/2026/0000ABCD"
        );
    }
}
