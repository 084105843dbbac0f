//! Server functions the widget calls from the browser (and pages call during server rendering).

use leptos::prelude::*;

use crate::{
    catalog::CatalogPage, citizen::SignedInCitizen, consent::GivenConsent, error::AppError,
    sandbox_info::SandboxOverview, services::ServiceDescription,
};

/// The partner's service catalog filtered by `query`, for the widget session `session`.
#[server(prefix = "/widget-api", endpoint = "catalog")]
pub async fn widget_catalog(session: String, query: String) -> Result<CatalogPage, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    backend.catalog(&session, &query).await
}

/// The widget frame collects a finished sign-in with the one-time code the popup handed over;
/// the refresh token goes into the frame's partitioned `__Host-` cookie.
#[server(prefix = "/widget-api", endpoint = "signin/collect")]
pub async fn collect_signin(session: String, code: String) -> Result<SignedInCitizen, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    let (citizen, refresh_token) = backend.collect_signin(&session, &code).await?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(cookie) = http::HeaderValue::from_str(&refresh_cookie(Some(&refresh_token)))
    {
        response.append_header(http::header::SET_COOKIE, cookie);
    }
    Ok(citizen)
}

/// Records the citizen's consent to send their data for this service (before anything is sent).
#[server(prefix = "/widget-api", endpoint = "consent")]
pub async fn give_consent(
    session: String,
    access_token: String,
    service_code: String,
) -> Result<GivenConsent, AppError> {
    let backend = use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)?;
    backend
        .give_consent(&session, &access_token, &service_code)
        .await
}

/// The citizen's refresh cookie: `__Host-` (Secure, Path=/, no Domain), HttpOnly, and
/// `SameSite=None; Partitioned` so it works inside a partner's iframe without being a
/// tracking cookie.
pub const REFRESH_COOKIE: &str = "__Host-okno_refresh";
/// How long a sign-in lasts without being used, in seconds.
pub const REFRESH_SECONDS: i64 = 8 * 60 * 60;

/// The `Set-Cookie` value carrying `token`, or clearing the cookie when `None`.
pub fn refresh_cookie(token: Option<&str>) -> String {
    let (value, max_age) = match token {
        Some(token) => (token, REFRESH_SECONDS),
        None => ("", 0),
    };
    format!(
        "{REFRESH_COOKIE}={value}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned; Max-Age={max_age}"
    )
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
