//! Server functions the widget calls from the browser (and pages call during server rendering).

use leptos::prelude::*;

use crate::{catalog::CatalogPage, error::AppError};

/// The partner's service catalog filtered by `query`.
#[server(prefix = "/widget-api", endpoint = "catalog")]
pub async fn widget_catalog(
    publishable_key: String,
    query: String,
) -> Result<CatalogPage, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    backend.catalog(&publishable_key, &query).await
}
