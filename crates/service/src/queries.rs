//! Queries over the read models, within the actor's scope: intake, investigators and
//! the office's roles see their own office's cases only (another office's case reads as absent);
//! the chair, auditors and the DPO see every office. Personal data is opened at query time,
//! as the disclosure policy allows ([`crate::privacy`]); lists, queues and boards carry none. `min_seq` waits (bounded) for read-your-writes.

use std::time::Duration;

use chrono::NaiveDate;
use ombud_domain::{ActorId, AgencyCode, CaseId, OfficeCode, Role};
use ombud_envelope::KeyStore;
use ombud_eventlog::Backend;
use ombud_projection::models::agency_dossier::{self, DossierView};
use ombud_projection::models::case_index::{self, CaseFilter, CaseOrder, Page};
use ombud_projection::models::erasure_desk::{self, ErasureEntry, ErasureStage};
use ombud_projection::models::office_stats::{self, OfficeStatsView};
use ombud_projection::models::work_queue::{self, QueueItem};
use ombud_projection::models::{case_file, deadline_board};
use ombud_projection::{ProjectionError, ReadModels};

use crate::error::ServiceError;
use crate::Service;

/// A case list request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Which cases.
    pub filter: CaseFilter,
    /// Newest first or by due date.
    pub order: CaseOrder,
    /// From the previous page.
    pub cursor: Option<String>,
    /// Page size (1–500).
    pub limit: usize,
    /// The date overdue is judged on.
    pub today: NaiveDate,
    /// Read-your-writes.
    pub min_seq: Option<u64>,
}

/// How long a query waits for `min_seq`.
pub const READ_YOUR_WRITES_WAIT: Duration = Duration::from_secs(5);

/// A query waits at most this long for the read models to show every command this process
/// acknowledged before it (without `min_seq`; while the log is busy the projectors gather
/// events for up to `ProjectionConfig::gather`, and the wait ends that window at once). It
/// never fails on it: past the wait, with the read models further behind than
/// [`OWN_WRITES_LAG`] (catching up after a start), or with a projector stopped or failed,
/// the query answers as the models stand.
pub const OWN_WRITES_WAIT: Duration = Duration::from_millis(250);

/// See [`OWN_WRITES_WAIT`].
pub const OWN_WRITES_LAG: u64 = 10_000;

/// Whether `role` sees every office.
pub fn sees_all_offices(role: Role) -> bool {
    matches!(role, Role::Chair | Role::Auditor | Role::Dpo | Role::System)
}

/// The office a query is limited to, if any.
fn scope(actor: &ombud_domain::Actor) -> Option<OfficeCode> {
    (!sees_all_offices(actor.role)).then(|| actor.office.clone())
}

/// The office a per-office read is about: the actor's own (asking for another is forbidden),
/// or, for roles that see every office, the one they name (they must name one).
fn office_in_scope(
    actor: &ombud_domain::Actor,
    asked: Option<&OfficeCode>,
    what: &str,
) -> Result<OfficeCode, ServiceError> {
    match (scope(actor), asked) {
        (Some(own), Some(asked)) if own != *asked => Err(ServiceError::Forbidden(format!(
            "this token sees the {what} of its own office ({own}) only"
        ))),
        (Some(own), _) => Ok(own),
        (None, Some(asked)) => Ok(asked.clone()),
        (None, None) => Err(ServiceError::Invalid(format!(
            "name the office, e.g. ?office=jawa-barat (a {} sees every office)",
            actor.role
        ))),
    }
}

/// The read model a query answers from: it waits for that projector only, so one that
/// stopped or failed (the transparency log's tree, say) holds up no other query.
#[derive(Debug, Clone, Copy)]
enum Reads {
    /// Case files, lists and work queues.
    Cases,
    /// Office statistics and agency dossiers.
    Statistics,
}

impl Reads {
    async fn wait_for(
        self,
        models: &ReadModels,
        seq: u64,
        timeout: Duration,
    ) -> Result<(), ProjectionError> {
        match self {
            Reads::Cases => models.cases.wait_for(seq, timeout).await,
            Reads::Statistics => models.statistics.wait_for(seq, timeout).await,
        }
    }

    /// The projector's checkpoint, and whether it is following the log.
    fn applied(self, models: &ReadModels) -> (u64, bool) {
        match self {
            Reads::Cases => (models.cases.checkpoint(), models.cases.is_running()),
            Reads::Statistics => (
                models.statistics.checkpoint(),
                models.statistics.is_running(),
            ),
        }
    }
}

impl<B: Backend, S: KeyStore> Service<B, S> {
    async fn caught_up(&self, reads: Reads, min_seq: Option<u64>) -> Result<(), ServiceError> {
        let models = self.models();
        if let Some(seq) = min_seq {
            reads.wait_for(models, seq, READ_YOUR_WRITES_WAIT).await?;
        }
        // What this process acknowledged is shown, whoever asks: a command, then a list.
        let own = self.own_writes.load(std::sync::atomic::Ordering::Acquire);
        let (applied, running) = reads.applied(models);
        if running && own > applied && own - applied <= OWN_WRITES_LAG {
            self.own_writes_waits
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = reads.wait_for(models, own, OWN_WRITES_WAIT).await;
        }
        Ok(())
    }

    /// The case file as the disclosure policy lets `actor` see it (opened, redacted or marked
    /// erased, field by field; confidential openings recorded as read through `route`).
    /// Returns it with its position (for `ETag`).
    pub async fn case_file(
        &self,
        actor: &ombud_domain::Actor,
        case_id: CaseId,
        min_seq: Option<u64>,
        route: &str,
    ) -> Result<(serde_json::Value, u64), ServiceError> {
        self.caught_up(Reads::Cases, min_seq).await?;
        let models = self.models().clone();
        let file = bounded_read(move || {
            case_file::get_file(&models.cases.trees(), case_id)
                .map_err(|e| ServiceError::ReadModels(ombud_projection::error_from_apply(e)))
        })
        .await?
        .ok_or(ServiceError::NotFound(case_id))?;
        if scope(actor).is_some_and(|office| office != file.office) {
            return Err(ServiceError::NotFound(case_id));
        }
        let case_seq = file.state.version;
        let shown = self.disclose(actor, &file, route).await?;
        Ok((shown, case_seq))
    }

    /// A page of cases; the office filter is forced to the actor's office when scoped.
    pub async fn list_cases(
        &self,
        actor: &ombud_domain::Actor,
        query: ListQuery,
    ) -> Result<Page, ServiceError> {
        self.caught_up(Reads::Cases, query.min_seq).await?;
        let mut filter = query.filter;
        if let Some(office) = scope(actor) {
            if filter.office.as_ref().is_some_and(|o| *o != office) {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
            filter.office = Some(office);
        }
        let models = self.models().clone();
        off_the_runtime(move || {
            Ok(case_index::list(
                &models.cases.trees(),
                &filter,
                query.order,
                query.cursor.as_deref(),
                query.limit.clamp(1, 500),
                query.today,
            )?)
        })
        .await
    }

    /// The work queue of `assignee` (the actor's own unless a head or the chair asks).
    pub async fn queue(
        &self,
        actor: &ombud_domain::Actor,
        assignee: Option<&ActorId>,
        today: NaiveDate,
        min_seq: Option<u64>,
    ) -> Result<Vec<QueueItem>, ServiceError> {
        self.caught_up(Reads::Cases, min_seq).await?;
        let whose = match assignee {
            Some(other) if *other != actor.id => {
                if !matches!(
                    actor.role,
                    Role::UnitHead | Role::OfficeHead | Role::Member | Role::Chair
                ) {
                    return Err(ServiceError::Forbidden(
                        "only the unit head, the head of office, a member and the chair see \
                         another person's queue"
                            .into(),
                    ));
                }
                other.clone()
            }
            _ => actor.id.clone(),
        };
        let office = scope(actor);
        let models = self.models().clone();
        bounded_read(move || {
            Ok(
                work_queue::work_queue(&models.cases.trees(), &whose, today)?
                    .into_iter()
                    .filter(|item| office.as_ref().is_none_or(|o| *o == item.case.office))
                    .collect(),
            )
        })
        .await
    }

    /// Running clocks due within `within_days` (overdue first), as `filter` narrows them, in
    /// the actor's scope: their own office (naming another is forbidden), or any office for
    /// roles that see every office.
    pub async fn deadline_board(
        &self,
        actor: &ombud_domain::Actor,
        today: NaiveDate,
        within_days: u32,
        mut filter: deadline_board::BoardFilter,
    ) -> Result<Vec<deadline_board::BoardItem>, ServiceError> {
        match (scope(actor), &filter.office) {
            (Some(own), Some(asked)) if own != *asked => {
                return Err(ServiceError::Forbidden(format!(
                    "the deadline board of another office ({asked}) is not yours to read"
                )))
            }
            (Some(own), _) => filter.office = Some(own),
            (None, _) => {}
        }
        let models = self.models().clone();
        off_the_runtime(move || {
            Ok(deadline_board::board(
                &models.cases.trees(),
                today,
                within_days,
                &filter,
            )?)
        })
        .await
    }

    /// An office's dossier of an agency (the actor's own office, or `office` for roles that
    /// see every office), once the read models hold `min_seq`.
    pub async fn agency(
        &self,
        actor: &ombud_domain::Actor,
        code: &AgencyCode,
        office: Option<&OfficeCode>,
        min_seq: Option<u64>,
    ) -> Result<Option<DossierView>, ServiceError> {
        let office = office_in_scope(actor, office, "agency dossiers")?;
        self.caught_up(Reads::Statistics, min_seq).await?;
        let (models, code) = (self.models().clone(), code.clone());
        off_the_runtime(move || {
            Ok(agency_dossier::agency_dossier(
                &models.statistics.trees(),
                &office,
                &code,
            )?)
        })
        .await
    }

    /// The statistics of the actor's office (or `office`, for roles that see every office),
    /// once the read models hold `min_seq`.
    pub async fn stats(
        &self,
        actor: &ombud_domain::Actor,
        office: Option<&OfficeCode>,
        today: NaiveDate,
        min_seq: Option<u64>,
    ) -> Result<Option<OfficeStatsView>, ServiceError> {
        let office = office_in_scope(actor, office, "statistics")?;
        self.caught_up(Reads::Statistics, min_seq).await?;
        let models = self.models().clone();
        off_the_runtime(move || {
            Ok(office_stats::office_stats(
                &models.statistics.trees(),
                &office,
                today,
            )?)
        })
        .await
    }
}

/// Runs a read bounded by one case or one person's queue (a few sled lookups and the JSON of
/// a few dozen rows, tens of microseconds) where it is asked, on the async worker: the hop to
/// a blocking thread and back costs more than the read (two thread wake-ups, measured as
/// the largest share of a work-queue request's time). Scans whose length depends on the
/// data ([`off_the_runtime`]) never run here.
pub(crate) async fn bounded_read<T>(
    read: impl FnOnce() -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    read()
}

/// Whether `role` may see the erasure desk: the DPO and the heads who decide requests.
pub fn erasure_desk_allowed(role: Role) -> Result<(), ServiceError> {
    if matches!(
        role,
        Role::Dpo | Role::OfficeHead | Role::Member | Role::Chair
    ) {
        return Ok(());
    }
    Err(ServiceError::Forbidden(format!(
        "only the DPO and the heads who decide erasure requests see the erasure desk (this \
         token's role is {role})"
    )))
}

impl<B: Backend, K: KeyStore> Service<B, K> {
    /// The erasure desk: erasure requests and erasures, in `stages` when given. The DPO sees
    /// every office's; a head of office, a member and the chair (who decide requests) their
    /// scope's; everyone else is refused. Nothing personal is in it.
    pub async fn erasure_desk(
        &self,
        actor: &ombud_domain::Actor,
        stages: Option<Vec<ErasureStage>>,
        min_seq: Option<u64>,
    ) -> Result<Vec<ErasureEntry>, ServiceError> {
        erasure_desk_allowed(actor.role)?;
        self.caught_up(Reads::Cases, min_seq).await?;
        let office = scope(actor);
        let models = self.models().clone();
        off_the_runtime(move || {
            Ok(erasure_desk::list(
                &models.cases.trees(),
                office.as_ref(),
                stages.as_deref(),
            )?)
        })
        .await
    }
}

/// Read-model queries running at once; more wait their turn (asynchronously), so scans
/// cannot fill the machine's cores and starve the async workers either.
const READS_AT_ONCE: usize = 4;
static READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(READS_AT_ONCE);

/// Runs a read of the read models (sled lookups and scans, JSON decoding) on a blocking
/// thread, at most [`READS_AT_ONCE`] at a time: a long scan never holds one of the few async
/// workers every other request needs. The read takes the serving generation when it runs
/// (not while it waits its turn: a rebuild may have swapped it meanwhile), and holds its turn
/// until it ends, even if the caller gave up.
pub(crate) async fn off_the_runtime<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ServiceError> {
    let turn = READS
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(format!("the read-model queries closed: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        read()
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("a read-model query failed: {e}")))?
}
