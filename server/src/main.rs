//! The `okno` binary: parse the command line, then hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::cli::run(server::cli::Cli::parse()).await
}
