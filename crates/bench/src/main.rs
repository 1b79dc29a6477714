//! `ombud-bench`: the benchmark binary; the benchmarks themselves are in the library (also
//! run by `ombud bench eventlog`).

use clap::Parser;

/// The same allocator as the `ombud` binary (the raw floor runs in this process too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Benchmark ombud's event log and projectors against raw JetStream and raw sled writes.
///
/// Example: `cargo run --release -p ombud-bench -- --events 2000 --pipelined 20000`
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    args: ombud_bench::Args,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    ombud_bench::run(Cli::parse().args).await
}
