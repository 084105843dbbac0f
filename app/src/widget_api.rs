//! Server functions the widget calls from the browser (and pages call during server rendering).

use leptos::prelude::*;

use crate::{
    catalog::CatalogPage, error::AppError, sandbox_info::SandboxOverview,
    services::ServiceDescription,
};

/// The partner's service catalog filtered by `query`, for the widget session `session`.
#[server(prefix = "/widget-api", endpoint = "catalog")]
pub async fn widget_catalog(session: String, query: String) -> Result<CatalogPage, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    backend.catalog(&session, &query).await
}

/// What the sandbox page lists for a test key.
#[server(prefix = "/widget-api", endpoint = "sandbox")]
pub async fn load_sandbox_overview(publishable_key: String) -> Result<SandboxOverview, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    backend.sandbox_overview(&publishable_key).await
}

/// One service's description (what it gives, deadline, fee, account level, documents).
#[server(prefix = "/widget-api", endpoint = "service")]
pub async fn load_service(
    publishable_key: String,
    code: String,
) -> Result<ServiceDescription, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    backend.service(&publishable_key, &code).await
}
