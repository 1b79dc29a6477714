//! The deadline engine as `ombud serve` runs it: where its reminders go ([`Notifier`]: the
//! process's SSE hub, and on JetStream the NATS subject `ombud.notify.<office>.<assignee>`),
//! and when it runs ([`run`]: one pass at start-up, which catches up on whatever came due while
//! no engine ran, then one a day per office at its `run_at`, office-local time).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use ombud_domain::OfficeCode;
use ombud_eventlog::{AnyBackend, AnyKeyStore};
use ombud_http::notifications::NotificationHub;
use ombud_service::deadline_engine::{DeadlineEngine, Notification, Notify, PassReport};
use tokio::sync::watch;

/// The engine of the application.
pub type Engine = DeadlineEngine<AnyBackend, AnyKeyStore>;

/// How often the scheduler looks at the offices' local times.
const LOOK_EVERY: Duration = Duration::from_secs(30);

/// Delivers reminders to the SSE hub and, when ombud runs on JetStream, to NATS (core NATS,
/// not stored; header `Ombud-Notification-Id` for a bridge to dedupe on when several
/// engines run).
#[derive(Clone)]
pub struct Notifier {
    hub: NotificationHub,
    nats: Option<async_nats::Client>,
}

impl Notifier {
    /// Reminders to `hub`, and to `nats` if given.
    pub fn new(hub: NotificationHub, nats: Option<async_nats::Client>) -> Self {
        Notifier { hub, nats }
    }
}

impl Notify for Notifier {
    async fn notify(&self, note: &Notification) -> Result<(), String> {
        if let Some(client) = &self.nats {
            let body = serde_json::to_vec(note).map_err(|e| e.to_string())?;
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Ombud-Notification-Id", note.id.as_str());
            client
                .publish_with_headers(note.subject(), headers, body.into())
                .await
                .map_err(|e| format!("publishing on {}: {e}", note.subject()))?;
        }
        self.hub.send(note);
        Ok(())
    }
}

/// Logs what a pass did (at info when it did anything, a warning per failure).
pub fn log_pass(report: &PassReport) {
    for failure in &report.failures {
        tracing::warn!("deadline engine: {failure}");
    }
    if report.performed + report.proposed + report.reminders + report.refused > 0 {
        tracing::info!(
            performed = report.performed,
            proposed = report.proposed,
            reminders = report.reminders,
            refused = report.refused,
            already_recorded = report.already_recorded,
            "deadline engine pass"
        );
    }
}

/// Runs the engine until `stop` turns true: a pass over every office now, then each office's
/// daily pass once its local time reaches `run_at`.
pub async fn run(
    engine: Arc<Engine>,
    notifier: Notifier,
    clock: ombud_service::Clock,
    offices: Arc<ombud_domain::OfficeRegister>,
    mut stop: watch::Receiver<bool>,
) {
    let now = clock();
    log_pass(&engine.pass(now, None, &notifier).await);
    // The offices whose pass ran today, by their local date.
    let mut ran: HashMap<OfficeCode, NaiveDate> = offices
        .offices
        .iter()
        .map(|o| (o.code.clone(), now.local_date(o.zone.offset())))
        .collect();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
        let now = clock();
        let due: Vec<OfficeCode> = offices
            .offices
            .iter()
            .filter(|o| {
                let settings = engine.settings().of(&o.code);
                let local = now.local_datetime(o.zone.offset());
                settings.enabled
                    && local.time() >= settings.run_at
                    && ran.get(&o.code) != Some(&local.date())
            })
            .map(|o| o.code.clone())
            .collect();
        if due.is_empty() {
            continue;
        }
        log_pass(&engine.pass(now, Some(&due), &notifier).await);
        for office in due {
            let zone = offices.offset_of(&office);
            ran.insert(office, now.local_date(zone));
        }
    }
}
