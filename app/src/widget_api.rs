//! Server functions the widget calls from the browser (and pages call during server rendering).

use leptos::prelude::*;

use crate::{
    applications::{Draft, Receipt, Resumed},
    catalog::CatalogPage,
    citizen::SignedInCitizen,
    consent::GivenConsent,
    error::AppError,
    lang::Lang,
    sandbox_info::SandboxOverview,
    services::{ServiceDescription, values::FormValues},
};

/// The partner's service catalog filtered by `query`, for the widget session `session`.
#[server(prefix = "/widget-api", endpoint = "catalog")]
pub async fn widget_catalog(session: String, query: String) -> Result<CatalogPage, AppError> {
    let backend = backend()?;
    backend
        .catalog(&session, &query)
        .await
        .inspect_err(answer_status)
}

/// The widget frame collects a finished sign-in with the one-time code the popup handed over;
/// the refresh token goes into the frame's partitioned `__Host-` cookie.
#[server(prefix = "/widget-api", endpoint = "signin/collect")]
pub async fn collect_signin(session: String, code: String) -> Result<SignedInCitizen, AppError> {
    let backend = backend()?;
    let (citizen, refresh_token) = backend
        .collect_signin(&session, &code)
        .await
        .inspect_err(answer_status)?;
    set_refresh_cookie(Some(&refresh_token));
    Ok(citizen)
}

/// Records the citizen's consent to send their data for this service (before anything is sent),
/// to the text the widget showed in `lang` (Russian when left out).
#[server(prefix = "/widget-api", endpoint = "consent")]
pub async fn give_consent(
    session: String,
    access_token: String,
    service_code: String,
    #[server(default)] lang: Lang,
) -> Result<GivenConsent, AppError> {
    let backend = backend()?;
    backend
        .give_consent(&session, &access_token, &service_code, lang)
        .await
        .inspect_err(answer_status)
}

/// After a reload: signs the citizen in again from the frame's refresh cookie (which rotates),
/// with the consent already given for the service, if any; `None` when there is no sign-in to
/// resume (no cookie, or it has ended — then the cookie is cleared).
#[server(prefix = "/widget-api", endpoint = "signin/resume")]
pub async fn resume_signin(
    session: String,
    service_code: String,
) -> Result<Option<Resumed>, AppError> {
    let backend = backend()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    let Some(token) = refresh_token_in(&parts.headers) else {
        return Ok(None);
    };
    let result = backend.resume(&session, token, &service_code).await;
    set_refresh_cookie(result.as_ref().ok().map(|(_, next)| next.as_str()));
    match result {
        Ok((resumed, _)) => Ok(Some(resumed)),
        Err(AppError::SigninExpired) => Ok(None),
        Err(error) => {
            answer_status(&error);
            Err(error)
        }
    }
}

/// The citizen's draft for the service: its application id and the answers saved so far.
#[server(prefix = "/widget-api", endpoint = "draft")]
pub async fn open_draft(
    session: String,
    access_token: String,
    service_code: String,
) -> Result<Draft, AppError> {
    let backend = backend()?;
    backend
        .open_draft(&session, &access_token, &service_code)
        .await
        .inspect_err(answer_status)
}

/// Saves the answers of a draft (sealed on the server), so a reload keeps them.
#[server(prefix = "/widget-api", endpoint = "draft/save")]
pub async fn save_draft(
    session: String,
    access_token: String,
    service_code: String,
    application_id: String,
    values: FormValues,
) -> Result<(), AppError> {
    let backend = backend()?;
    backend
        .save_draft(
            &session,
            &access_token,
            &service_code,
            &application_id,
            values,
        )
        .await
        .inspect_err(answer_status)
}

/// Submits the application; a repeat (double click, retry) answers the same receipt.
#[server(prefix = "/widget-api", endpoint = "submit")]
pub async fn submit_application(
    session: String,
    access_token: String,
    service_code: String,
    application_id: String,
    values: FormValues,
) -> Result<Receipt, AppError> {
    let backend = backend()?;
    backend
        .submit(
            &session,
            &access_token,
            &service_code,
            &application_id,
            values,
        )
        .await
        .inspect_err(answer_status)
}

/// The citizen's rating and comment once the application is decided.
#[server(prefix = "/widget-api", endpoint = "feedback")]
pub async fn leave_feedback(
    session: String,
    access_token: String,
    application_id: String,
    rating: u8,
    comment: String,
) -> Result<(), AppError> {
    let backend = backend()?;
    backend
        .leave_feedback(&session, &access_token, &application_id, rating, &comment)
        .await
        .inspect_err(answer_status)
}

/// The gateway's services, provided to every server function.
#[cfg(feature = "ssr")]
fn backend() -> Result<crate::backend::SharedBackend, AppError> {
    use_context::<crate::backend::SharedBackend>().ok_or(AppError::Internal)
}

/// Puts `token` in the frame's refresh cookie, or clears it when `None`.
#[cfg(feature = "ssr")]
fn set_refresh_cookie(token: Option<&str>) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(cookie) = http::HeaderValue::from_str(&refresh_cookie(token))
    {
        response.append_header(http::header::SET_COOKIE, cookie);
    }
}

/// Gives a refused call the HTTP status of its error (a server function answers 500 otherwise).
#[cfg(feature = "ssr")]
fn answer_status(error: &AppError) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.http_status())
    {
        response.set_status(status);
    }
}

/// The refresh token in a request's `Cookie` headers.
#[cfg(feature = "ssr")]
pub fn refresh_token_in(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == REFRESH_COOKIE)
        .map(|(_, value)| value)
}

/// The header carrying the widget session on calls that are not server functions (uploads).
pub const SESSION_HEADER: &str = "x-okno-session";
/// The header carrying an uploaded file's name, percent-encoded (UTF-8).
pub const FILE_NAME_HEADER: &str = "x-okno-file-name";

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
    let backend = backend()?;
    backend
        .sandbox_overview(&publishable_key)
        .await
        .inspect_err(answer_status)
}

/// One service's description (what it gives, deadline, fee, account level, documents).
#[server(prefix = "/widget-api", endpoint = "service")]
pub async fn load_service(
    publishable_key: String,
    code: String,
) -> Result<ServiceDescription, AppError> {
    let backend = backend()?;
    backend
        .service(&publishable_key, &code)
        .await
        .inspect_err(answer_status)
}
