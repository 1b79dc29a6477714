//! ombud's use cases, between the edges (HTTP, CLI) and the parts (domain, event log, read
//! models): [`Service::execute`] runs a command (hash the plaintext, check its idempotency
//! key, seal, load, decide, append; retry a lost race a few times unless the caller pinned
//! the case position with `If-Match`), [`queries`] answers from the read models within the
//! actor's office scope, [`audit`] reads and verifies a case's trail, [`privacy`] applies the
//! disclosure policy, keeps the access log and the person index, and carries erasures out.

#![forbid(unsafe_code)]

pub mod audit;
pub mod commands;
pub mod deadline_engine;
pub mod error;
pub mod input;
pub mod privacy;
pub mod queries;

use std::sync::Arc;

use ombud_domain::{Rules, Timestamp};
use ombud_envelope::{KeyStore, Vault};
use ombud_eventlog::{Backend, EventLog};
use ombud_projection::ReadModels;

pub use commands::{CommandRequest, Outcome};
pub use error::ServiceError;
pub use input::CommandInput;
pub use privacy::Privacy;

/// Where "now" comes from (tests pin it).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        Timestamp::from_datetime(chrono::DateTime::<chrono::Utc>::from(
            std::time::SystemTime::now(),
        ))
    })
}

/// The use cases over one event log, vault and set of read models.
pub struct Service<B: Backend, S: KeyStore> {
    log: Arc<EventLog<B>>,
    vault: Arc<Vault<S>>,
    rules: Arc<Rules>,
    models: ReadModels,
    clock: Clock,
    privacy: Privacy,
    /// How long a command that keeps losing races (without `If-Match`) is retried.
    retry_budget: std::time::Duration,
    /// The stream sequence of the last command this process acknowledged: queries wait
    /// briefly for the read models to show it (`queries::OWN_WRITES_WAIT`).
    own_writes: Arc<std::sync::atomic::AtomicU64>,
    /// How many queries waited for this process's own writes (`/metrics`).
    own_writes_waits: Arc<std::sync::atomic::AtomicU64>,
}

impl<B: Backend, S: KeyStore> std::fmt::Debug for Service<B, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

/// Another handle on the same parts (every part is shared).
impl<B: Backend, S: KeyStore> Clone for Service<B, S> {
    fn clone(&self) -> Self {
        Service {
            log: self.log.clone(),
            vault: self.vault.clone(),
            rules: self.rules.clone(),
            models: self.models.clone(),
            clock: self.clock.clone(),
            privacy: self.privacy.clone(),
            retry_budget: self.retry_budget,
            own_writes: self.own_writes.clone(),
            own_writes_waits: self.own_writes_waits.clone(),
        }
    }
}

impl<B: Backend, S: KeyStore> Service<B, S> {
    /// A service over these parts.
    pub fn new(
        log: Arc<EventLog<B>>,
        vault: Arc<Vault<S>>,
        rules: Arc<Rules>,
        models: ReadModels,
        clock: Clock,
        privacy: Privacy,
    ) -> Self {
        Service {
            log,
            vault,
            rules,
            models,
            clock,
            privacy,
            retry_budget: std::time::Duration::from_secs(2),
            own_writes: Arc::default(),
            own_writes_waits: Arc::default(),
        }
    }

    /// The event log.
    pub fn log(&self) -> &Arc<EventLog<B>> {
        &self.log
    }

    /// The log's head, or `None` when the log cannot be reached or does not answer within
    /// `bound` (for health probes, which must answer in their own time).
    pub async fn log_head_within(&self, bound: std::time::Duration) -> Option<u64> {
        self.log.ensure_available().ok()?;
        tokio::time::timeout(bound, self.log.head())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// The rules in force (deadlines, calendar, taxonomy, the register of offices).
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// How many queries so far waited for the read models to show a command this process
    /// acknowledged (`queries::OWN_WRITES_WAIT`).
    pub fn own_writes_waits(&self) -> u64 {
        self.own_writes_waits
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The read models.
    pub fn models(&self) -> &ReadModels {
        &self.models
    }

    /// The vault.
    pub fn vault(&self) -> &Arc<Vault<S>> {
        &self.vault
    }

    /// Every closed vocabulary with its Indonesian and English labels, and the forms of
    /// maladministration of the taxonomy in force (`GET /v1/vocabulary`).
    pub fn vocabulary(&self) -> Vocabularies {
        let taxonomy = &self.rules.taxonomy;
        Vocabularies {
            taxonomy_version: taxonomy.version.clone(),
            forms: taxonomy
                .forms
                .iter()
                .map(|f| FormLabel {
                    code: f.code.as_str().to_owned(),
                    label_id: f.label_id.to_owned(),
                    label_en: f.label_en.to_owned(),
                })
                .collect(),
            vocabularies: ombud_domain::labels::vocabularies(),
        }
    }
}

/// The labels of every vocabulary (`GET /v1/vocabulary`).
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Vocabularies {
    /// The taxonomy version of `forms`.
    pub taxonomy_version: String,
    /// Forms of maladministration.
    pub forms: Vec<FormLabel>,
    /// Statuses, roles, event types, clocks and every closed vocabulary.
    pub vocabularies: Vec<ombud_domain::labels::Vocabulary>,
}

/// A form of maladministration with its labels.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct FormLabel {
    /// Its code.
    pub code: String,
    /// Indonesian.
    pub label_id: String,
    /// English.
    pub label_en: String,
}
