//! Personal data at the service's edge (`docs/personal-data.md`): the case file as the
//! disclosure policy lets this reader see it ([`Service::case_file`] calls
//! [`Service::disclose`]), the access log of confidential openings (written before the
//! answer, queried by the DPO), the person index of blind NIKs (the DPO's lookup, intake's
//! "earlier reports"), and what an erasure does besides its event (destroy the key, drop the
//! index entries) in every process.
//!
//! Every sealed field of a case file is decided by [`ombud_domain::disclosure`]: erased →
//! `{"erased": true, "at", "request_ref"}`; not granted → `{"redacted": "need_to_know" |
//! "confidential"}`; granted → the plain text (a string), or the reporter's identity as an
//! object (`{"name": …, "nik": …}`). A confidential identity is opened only after its opening
//! is durably in the access log; if the log cannot be written, the read fails (503) and
//! nothing is disclosed.

use schemars::JsonSchema;
use std::sync::Arc;

use ombud_domain::disclosure::{self, Disclosure, Field};
use ombud_domain::Sealed;
use ombud_domain::{Actor, CaseId, KeyId, Role};
use ombud_envelope::{BlindIndex, BlindKey, KeyStore, Unsealed};
use ombud_eventlog::{AccessEntry, AccessLog, AccessQuery, Backend, PersonIndex};
use ombud_projection::models::case_file::CaseFile;
use ombud_projection::models::case_index::CaseSummary;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::ServiceError;
use crate::Service;

/// The stores and key personal data needs besides the vault.
#[derive(Debug, Clone)]
pub struct Privacy {
    /// Where openings of confidential identities are recorded.
    pub access_log: Arc<dyn AccessLog>,
    /// A person's cases by the blind index of their NIK.
    pub persons: Arc<dyn PersonIndex>,
    /// The key of the blind index.
    pub blind_key: BlindKey,
}

/// The field name the reporter's identity is sealed as.
const IDENTITY: &str = "reporter.identity";

/// The most access-log entries one query returns.
pub const ACCESS_LOG_LIMIT: usize = 10_000;

/// One case of a person, as the DPO's lookup lists it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PersonCase {
    /// The case and what the case index says of it (no personal data).
    #[serde(flatten)]
    pub case: CaseSummary,
}

impl<B: Backend, S: KeyStore> Service<B, S> {
    /// The case file `file` as `actor` may see it, read through `route`; confidential
    /// openings are recorded in the access log before it is returned.
    pub(crate) async fn disclose(
        &self,
        actor: &Actor,
        file: &CaseFile,
        route: &str,
    ) -> Result<Value, ServiceError> {
        let mut value =
            serde_json::to_value(file).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let erased = file
            .erasure
            .as_ref()
            .map(|e| json!({"erased": true, "at": e.at, "request_ref": e.request_ref}));
        let mut recorded = Vec::new();
        let mut opened = Vec::new();
        for (path, field) in sealed_fields(&value) {
            let class = if field == IDENTITY {
                Field::ReporterIdentity
            } else {
                Field::FreeText
            };
            let shown = match disclosure::disclose_for(actor, &file.state, class) {
                Disclosure::Erased => erased.clone().unwrap_or_else(|| json!({"erased": true})),
                Disclosure::Redacted(why) => json!({"redacted": why.as_str()}),
                grant @ (Disclosure::Open | Disclosure::OpenRecorded) => {
                    if grant == Disclosure::OpenRecorded {
                        recorded.push(field.clone());
                    }
                    opened.push((path, field));
                    continue;
                }
            };
            set(&mut value, &path, shown);
        }
        if !recorded.is_empty() {
            let entries: Vec<AccessEntry> = recorded
                .into_iter()
                .map(|field| self.access_entry(actor, Some(file.case_id), field, route))
                .collect();
            self.privacy.access_log.record(&entries).await?;
        }
        for (path, field) in opened {
            let sealed: Sealed = at(&value, &path)
                .and_then(|node| serde_json::from_value(node["sealed"].clone()).ok())
                .ok_or_else(|| ServiceError::Internal(format!("sealed field {field}")))?;
            // Opened only under its own case's key: a field sealed under another case's key
            // (a forged or copied event) would otherwise show that case's person here.
            if sealed.key_id != KeyId::for_case(file.case_id) {
                tracing::error!(case = %file.case_id, field, key = %sealed.key_id, "integrity incident: a sealed field of the case names another case's key; not opened");
                set(
                    &mut value,
                    &path,
                    json!({"withheld": "sealed under another case's key (integrity incident)"}),
                );
                continue;
            }
            let shown = match self.vault().unseal(&sealed, &field).await? {
                Unsealed::Revealed(bytes) if field == IDENTITY => serde_json::from_slice(&bytes)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into())),
                Unsealed::Revealed(bytes) => Value::String(String::from_utf8_lossy(&bytes).into()),
                // Destroyed by an erasure the read model has not applied yet.
                Unsealed::Erased => erased.clone().unwrap_or_else(|| json!({"erased": true})),
            };
            set(&mut value, &path, shown);
        }
        Ok(value)
    }

    fn access_entry(
        &self,
        actor: &Actor,
        case_id: Option<CaseId>,
        field: String,
        route: &str,
    ) -> AccessEntry {
        AccessEntry {
            seq: 0,
            at: (self.clock)(),
            actor: actor.id.clone(),
            role: actor.role,
            actor_office: actor.office.clone(),
            case_id,
            field,
            route: route.to_owned(),
        }
    }

    /// The access log, for the DPO only.
    pub async fn access_log(
        &self,
        actor: &Actor,
        mut query: AccessQuery,
    ) -> Result<Vec<AccessEntry>, ServiceError> {
        only_the_dpo(actor, "read the access log")?;
        query.limit = query.limit.clamp(1, ACCESS_LOG_LIMIT);
        Ok(self.privacy.access_log.query(&query).await?)
    }

    /// The cases of the person with this NIK, for the DPO only; the lookup is recorded in the
    /// access log (one entry per case found, or one without a case).
    pub async fn person_cases(
        &self,
        actor: &Actor,
        nik: &str,
        route: &str,
    ) -> Result<Vec<PersonCase>, ServiceError> {
        only_the_dpo(actor, "look a person up")?;
        let person = self.privacy.blind_key.index(nik).map_err(|e| {
            ServiceError::Refused(ombud_domain::DomainError::validation("nik", e.to_string()))
        })?;
        let cases = self.privacy.persons.cases(&person).await?;
        let models = self.models().clone();
        // The case rows are read on a blocking thread, like every read-model query.
        let mut found = crate::queries::off_the_runtime(move || {
            let trees = models.cases.trees();
            let mut found = Vec::new();
            for case in cases {
                // The index is written before the report's append: a report that failed left
                // an entry for a case that does not exist.
                if let Some(file) = ombud_projection::models::case_file::get_file(&trees, case)
                    .map_err(|e| ServiceError::ReadModels(ombud_projection::error_from_apply(e)))?
                {
                    found.push(PersonCase {
                        case: CaseSummary::of(&file),
                    });
                }
            }
            Ok(found)
        })
        .await?;
        found.sort_by_key(|c| c.case.reported_at);
        let entries: Vec<AccessEntry> = if found.is_empty() {
            vec![self.access_entry(actor, None, "person.nik".into(), route)]
        } else {
            found
                .iter()
                .map(|c| self.access_entry(actor, Some(c.case.case_id), "person.nik".into(), route))
                .collect()
        };
        self.privacy.access_log.record(&entries).await?;
        Ok(found)
    }

    /// The blind index of a new report's reporter, if it names a NIK (refused when the NIK
    /// is not one).
    pub(crate) fn reporter_index(
        &self,
        input: &crate::CommandInput,
    ) -> Result<Option<BlindIndex>, ServiceError> {
        let crate::CommandInput::Report(report) = input else {
            return Ok(None);
        };
        let Some(nik) = report.reporter.as_ref().and_then(|r| r.nik.as_deref()) else {
            return Ok(None);
        };
        self.privacy.blind_key.index(nik).map(Some).map_err(|e| {
            ServiceError::Refused(ombud_domain::DomainError::validation(
                "reporter.nik",
                e.to_string(),
            ))
        })
    }

    /// Indexes the reporter of a new case (before its report is appended: an entry of a
    /// report that then failed names no case and is skipped by every lookup).
    pub(crate) async fn index_reporter(
        &self,
        person: &BlindIndex,
        case: CaseId,
    ) -> Result<(), ServiceError> {
        Ok(self.privacy.persons.add(person, case).await?)
    }

    /// How many other cases of `actor`'s office the person reported.
    pub(crate) async fn earlier_reports(
        &self,
        actor: &Actor,
        person: &BlindIndex,
        case: CaseId,
    ) -> Result<u64, ServiceError> {
        let mut earlier = 0;
        for other in self.privacy.persons.cases(person).await? {
            if other == case {
                continue;
            }
            // From the log (its cache), not the read models, which may not have the
            // previous report yet.
            if self.log().load(other).await?.state.office.as_ref() == Some(&actor.office) {
                earlier += 1;
            }
        }
        Ok(earlier)
    }

    /// What an erasure does besides its event: the case's key destroyed where it is stored and
    /// in this process, its person-index entries dropped. Idempotent.
    pub async fn erase_effects(&self, case: CaseId) -> Result<(), ServiceError> {
        self.vault().destroy(&KeyId::for_case(case)).await?;
        self.privacy.persons.remove_case(case).await?;
        Ok(())
    }

    /// The hook the erasure follower runs in this process (see
    /// [`ombud_projection::erasures`]).
    pub fn erasure_hook(&self) -> ombud_projection::ErasureHook
    where
        B: 'static,
        S: 'static,
    {
        let service = self.clone();
        Arc::new(move |case, _key| {
            let service = service.clone();
            Box::pin(async move { service.erase_effects(case).await.map_err(|e| e.to_string()) })
        })
    }
}

fn only_the_dpo(actor: &Actor, what: &str) -> Result<(), ServiceError> {
    if actor.role == Role::Dpo {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "only the DPO may {what} (this token's role is {})",
            actor.role
        )))
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every `{"field", "sealed"}` object in `value`, with its path and field name.
fn sealed_fields(value: &Value) -> Vec<(Vec<Step>, String)> {
    let mut found = Vec::new();
    let mut stack: Vec<(Vec<Step>, &Value)> = vec![(Vec::new(), value)];
    while let Some((path, node)) = stack.pop() {
        match node {
            Value::Object(map)
                if map.len() == 2 && map.contains_key("field") && map.contains_key("sealed") =>
            {
                let field = map["field"].as_str().unwrap_or_default().to_owned();
                found.push((path, field));
            }
            Value::Object(map) => {
                for (key, child) in map {
                    let mut p = path.clone();
                    p.push(Step::Key(key.clone()));
                    stack.push((p, child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(Step::Index(i));
                    stack.push((p, child));
                }
            }
            _ => {}
        }
    }
    found
}

fn at<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get(k),
        Step::Index(i) => v.get(i),
    })
}

fn set(value: &mut Value, path: &[Step], shown: Value) {
    let node = path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get_mut(k),
        Step::Index(i) => v.get_mut(*i),
    });
    if let Some(node) = node {
        *node = shown;
    }
}
