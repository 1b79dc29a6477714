//! `ombud bench engine`: passes of the deadline engine over many open cases, beside the raw
//! floor of the same run. N cases are reported and asked to complete their report (so each
//! has a running completion clock) through the service; then, with the application's clock
//! moved on, one pass when nothing is due (the board scan alone), one when every clock is
//! due within the reminder thresholds (N reminders), and one when every clock ran out (N
//! closures as deemed withdrawn). The floor: N raw appends of the closure's size at the
//! engine's concurrency, on the same log.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use futures_util::StreamExt as _;
use ombud_app::{Application, Settings, TokenSource};
use ombud_domain::{Actor, ActorId, OfficeCode, Role, Timestamp};
use ombud_envelope::MasterKey;
use ombud_service::{CommandInput, CommandRequest};
use ombud_testkit::TempDir;

use crate::bench::Which;

/// `ombud bench engine` options.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Open cases the passes run over.
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// Commands in flight while the cases are loaded.
    #[arg(long, default_value_t = 32)]
    load_concurrency: usize,
    #[command(flatten)]
    backends: ombud_bench::Backends,
}

/// Cases the engine acts on at once (its own setting) and the floor's concurrency.
const ENGINE_CONCURRENCY: usize = 16;

/// Runs `ombud bench engine`.
pub async fn run(args: EngineArgs) -> anyhow::Result<()> {
    println!(
        "ombud bench engine: {} open cases, each with a running completion clock; passes of \
         the deadline engine (service, log and read models in this process)",
        args.cases
    );
    println!(
        "{:<10} {:<34} {:>8} {:>9} {:>10} | {:>10} {:>6}",
        "backend", "pass", "acts", "seconds", "per s", "floor/s", "×floor"
    );
    if !args.backends.skip_jetstream {
        one(Which::JetStream, &args).await?;
    }
    if !args.backends.skip_embedded {
        one(Which::Embedded, &args).await?;
    }
    Ok(())
}

fn at(day: &str) -> anyhow::Result<i64> {
    let t = Timestamp::parse(&format!("{day}T02:00:00Z")).map_err(anyhow::Error::msg)?;
    Ok(chrono::DateTime::parse_from_rfc3339(&t.to_string())?.timestamp())
}

async fn one(which: Which, args: &EngineArgs) -> anyhow::Result<()> {
    let data = TempDir::new("bench-engine")?;
    let (nats, url) = match which {
        Which::JetStream => {
            let (server, url) = args.backends.nats_url()?;
            (server, Some(url))
        }
        Which::Embedded => (None, None),
    };
    let seconds = Arc::new(AtomicI64::new(at("2026-09-01")?));
    let mut settings = Settings::from_config(ombud_app::config::load(None)?)?;
    settings.data = data.path().to_owned();
    settings.nats = url;
    settings.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let secret = || MasterKey::generate().to_hex();
    settings.security.master_key = secret();
    settings.security.blind_index_key = secret();
    settings.security.write_keys =
        ombud_app::config::WriteKeysSetting::Text(format!("bench:{}", secret()));
    settings.tokens = TokenSource::Given(ombud_http::Tokens::default());
    let clock = seconds.clone();
    settings.clock = Arc::new(move || {
        let at =
            chrono::DateTime::from_timestamp(clock.load(Ordering::SeqCst), 0).unwrap_or_default();
        Timestamp::from_datetime(at)
    });
    let app = Application::build(settings).await?;

    let intake = Actor {
        id: ActorId::parse("pvl.bench")?,
        role: Role::Intake,
        office: OfficeCode::parse("jawa-barat")?,
    };
    let started = Instant::now();
    let service = app.service().clone();
    let failures: Vec<anyhow::Error> = futures_util::stream::iter(0..args.cases)
        .map(|n| {
            let (service, intake) = (service.clone(), intake.clone());
            async move { load_case(&service, &intake, n).await.err() }
        })
        .buffer_unordered(args.load_concurrency)
        .filter_map(|e| async move { e })
        .collect()
        .await;
    if let Some(first) = failures.into_iter().next() {
        return Err(first.context("loading the bench's cases"));
    }
    app.catch_up(Duration::from_secs(3600)).await?;
    eprintln!(
        "{}: {} cases loaded ({} commands) and projected in {:.1} s",
        which.name(),
        args.cases,
        2 * args.cases,
        started.elapsed().as_secs_f64()
    );

    let floor = match app.log().backend().jetstream() {
        Some(js) => {
            ombud_bench::floor::raw_jetstream(
                js.context(),
                args.cases,
                ENGINE_CONCURRENCY,
                (600, 600),
            )
            .await?
        }
        None => ombud_bench::floor::raw_sled(args.cases, ENGINE_CONCURRENCY, (600, 600)).await?,
    };
    let floor_rate = floor.events as f64 / floor.elapsed.as_secs_f64();

    for (day, what, acts) in [
        ("2026-09-11", "nothing due (board scan)", None),
        (
            "2026-09-28",
            "every clock due soon (reminders)",
            Some("reminders"),
        ),
        (
            "2026-10-02",
            "every clock ran out (closures)",
            Some("performed"),
        ),
    ] {
        seconds.store(at(day)?, Ordering::SeqCst);
        app.catch_up(Duration::from_secs(3600)).await?;
        let started = Instant::now();
        let report = app.engine_pass().await;
        let elapsed = started.elapsed();
        if !report.failures.is_empty() {
            anyhow::bail!(
                "the engine pass failed {} times, first: {}",
                report.failures.len(),
                report.failures[0]
            );
        }
        let n = match acts {
            Some("reminders") => report.reminders,
            Some(_) => report.performed,
            None => report.clocks_seen,
        };
        let rate = n as f64 / elapsed.as_secs_f64();
        let (floor_col, ratio) = if acts == Some("performed") {
            (
                format!("{floor_rate:.0}"),
                format!("{:.2}", rate / floor_rate),
            )
        } else {
            (String::new(), String::new())
        };
        println!(
            "{:<10} {:<34} {:>8} {:>9.3} {:>10.0} | {:>10} {:>6}",
            which.name(),
            what,
            n,
            elapsed.as_secs_f64(),
            rate,
            floor_col,
            ratio
        );
    }
    app.stop().await?;
    drop(nats);
    Ok(())
}

/// One case: a report, then a completion request whose letter arrived the same day.
async fn load_case(
    service: &ombud_app::AnyService,
    intake: &Actor,
    n: usize,
) -> anyhow::Result<()> {
    let report = serde_json::json!({
        "office": "jawa-barat", "channel": "walk_in", "track": "regular",
        "reporter": { "name": "Pelapor Bench", "nik": format!("3278{n:012}") },
        "respondent": { "agency_code": "disdukcapil-kota-tasikmalaya",
                        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya" },
        "forms": ["undue_delay"], "prior_complaint": true,
        "summary": "KTP-el tidak kunjung terbit."
    });
    let request = |case_id,
                   route: &str,
                   body: serde_json::Value,
                   key: String|
     -> anyhow::Result<CommandRequest> {
        Ok(CommandRequest {
            case_id,
            actor: intake.clone(),
            idempotency_key: Some(ombud_domain::IdempotencyKey::parse(&key)?),
            if_match: None,
            correlation_id: None,
            at: None,
            input: CommandInput::parse(route, body.to_string().as_bytes())?,
        })
    };
    let reported = service
        .execute(request(
            None,
            "report",
            report,
            format!("bench-engine-{n}"),
        )?)
        .await?;
    let letter = serde_json::json!({"missing": "Fotokopi KTP.",
        "letter": {"via": "post", "number": "B/1/PW.13/2026", "date": "2026-09-01", "received_on": "2026-09-01"}});
    service
        .execute(request(
            Some(reported.case_id),
            "request-completion",
            letter,
            format!("bench-engine-{n}-completion"),
        )?)
        .await?;
    Ok(())
}
