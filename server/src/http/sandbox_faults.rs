//! `POST /sandbox/{key}/faults`: the sandbox page's fault form, forwarded to the sandbox portal's
//! control API. Only okno's own pages may post it (the `Origin` must be okno's).

use app::{components::error_notice::error_document, error::AppError, lang::Lang};
use axum::{
    Form,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header::ORIGIN},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::AppState;
use crate::{
    audit::{AuditEvent, Outcome},
    sandbox::control::FaultRequest,
};

#[derive(Debug, Deserialize)]
pub struct FaultForm {
    latency_ms: u64,
    /// 0–100.
    error_percent: u8,
    outage_seconds: u64,
}

fn refuse(status: StatusCode, error: AppError) -> Response {
    // okno's own sandbox page is in Russian.
    (status, Html(error_document(error, Lang::Ru))).into_response()
}

/// Runs after the widget guard, which has checked that `key` is an unrevoked test key.
pub async fn set_faults(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    Form(form): Form<FaultForm>,
) -> Response {
    let same_origin =
        headers.get(ORIGIN).and_then(|o| o.to_str().ok()) == Some(state.okno_origin.as_str());
    if !same_origin {
        return refuse(StatusCode::FORBIDDEN, AppError::OriginNotAllowed);
    }
    let Some(control) = &state.widget.sandbox else {
        return refuse(StatusCode::BAD_GATEWAY, AppError::PortalUnavailable);
    };
    let request = FaultRequest {
        latency_ms: form.latency_ms,
        error_rate: f64::from(form.error_percent.min(100)) / 100.0,
        outage_seconds: form.outage_seconds,
    };
    let result = control.set_faults(&request).await;
    let outcome = match &result {
        Ok(_) => Outcome::Ok,
        Err(_) => Outcome::Failed(AppError::PortalUnavailable.code().to_owned()),
    };
    let mut event = AuditEvent::new(
        format!("partner-key:{key}"),
        "sandbox.faults",
        key.clone(),
        outcome,
    );
    event.request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // A state change is answered only once its record is durable.
    if state.audit.record(event).await.is_err() {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, AppError::Internal);
    }
    match result {
        Ok(_) => Redirect::to(&format!("/sandbox/{key}#faults")).into_response(),
        Err(error) => {
            tracing::warn!(%error, "sandbox faults not set");
            refuse(StatusCode::BAD_GATEWAY, AppError::PortalUnavailable)
        }
    }
}
