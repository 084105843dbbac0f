//! Server functions the widget calls from the browser (and pages call during server rendering).

use leptos::prelude::*;

use crate::{catalog::CatalogPage, error::AppError, sandbox_info::SandboxOverview};

/// The partner's service catalog filtered by `query`.
#[server(prefix = "/widget-api", endpoint = "catalog")]
pub async fn widget_catalog(
    publishable_key: String,
    query: String,
) -> Result<CatalogPage, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    backend.catalog(&publishable_key, &query).await
}

/// What the sandbox page lists for a test key.
#[server(prefix = "/widget-api", endpoint = "sandbox")]
pub async fn load_sandbox_overview(publishable_key: String) -> Result<SandboxOverview, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    backend.sandbox_overview(&publishable_key).await
}
