//! Tracing set-up: human-readable logs on stderr, filtered by the `log` setting or `RUST_LOG`.

use tracing_subscriber::{EnvFilter, fmt};

/// Install the global subscriber once; later calls (tests) are ignored.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
