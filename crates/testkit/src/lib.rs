//! # ombud-testkit: real parts for tests (dev-only)
//!
//! [`NatsServer`] starts a real `nats-server` with JetStream on a free loopback port and its own
//! temporary store, waits until JetStream is ready, and kills it and removes the store on drop
//! (in the style of async-nats' own test harness). It can kill and restart the same server on
//! the same store and port (fault tests), and [`NatsCluster`] starts three clustered nodes.
//! Nothing here is a mock: tests talk to the same binary production runs. [`http`] is the
//! tests' HTTP client (hyper's); [`people`] the actors every suite uses.
//!
//! The binary is `$NATS_SERVER_BIN` or `nats-server` on `PATH`; it must be 2.11 or newer
//! (per-case optimistic concurrency needs `Nats-Expected-Last-Subject-Sequence-Subject`).
#![forbid(unsafe_code)]

pub mod http;
mod nats;
pub mod people;
mod sled_lock;
mod tempdir;

pub use nats::{server_binary, NatsCluster, NatsError, NatsServer, NatsServerOptions, SyncPolicy};
pub use sled_lock::wait_for_sled_release;
pub use tempdir::TempDir;
