//! Tracing set-up: human-readable logs on stderr, filtered by the `log` setting or `RUST_LOG`.

use app::error::AppError;
use tracing_subscriber::{EnvFilter, fmt};

/// For `map_err`: logs an unexpected failure with what was being done, and answers
/// `AppError::Internal` (the citizen or partner sees a stable code, never the cause).
pub fn internal<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> AppError {
    move |error| {
        tracing::error!(%error, "{what}");
        AppError::Internal
    }
}

/// Install the global subscriber once; later calls (tests) are ignored.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
