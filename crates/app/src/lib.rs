//! # ombud-app: the composition root
//!
//! Everything that turns a configuration into a running ombud, in one crate, so `ombud serve`,
//! `ombud demo`, `ombud project`, the benchmarks and the tests assemble it the same way:
//!
//! - [`config`]: the effective configuration (built-in defaults, a file, `OMBUD__` variables).
//! - [`secrets`]: the deployment's master, blind-index and write keys.
//! - [`tokens`]: configured bearer tokens, or local ones kept (as hashes) across restarts.
//! - [`application`]: [`Application`], built from [`Settings`]: the log on either backend,
//!   the service, the projectors and the HTTP API, with a bounded graceful shutdown.
#![forbid(unsafe_code)]

pub mod application;
pub mod config;
pub mod deadline_engine;
pub mod secrets;
pub mod tokens;

pub use application::{
    event_log, location, open_store, open_views, rules, AnyService, Application, Settings,
    BUILT_IN_HOLIDAYS,
};
pub use tokens::{TokenReport, TokenSource};
