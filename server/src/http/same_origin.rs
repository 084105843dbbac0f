//! CSRF defence for the widget's server functions (`/widget-api/…`): only okno's own pages
//! may call them, and every call is audited. The browser's `Origin` must be okno's origin;
//! without an `Origin`, the request must say `Sec-Fetch-Site: same-origin`. Anything else is
//! 403 `origin_not_allowed`.

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{AppState, error::ApiError};
use crate::audit::{AuditEvent, Outcome};

pub const WIDGET_API_PREFIX: &str = "/widget-api/";

fn allowed(request: &Request, okno_origin: &str) -> bool {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    match header("origin") {
        Some(origin) => origin == okno_origin,
        None => header("sec-fetch-site") == Some("same-origin"),
    }
}

pub async fn only_from_okno(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with(WIDGET_API_PREFIX) {
        return next.run(request).await;
    }
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if allowed(&request, &state.okno_origin) {
        // Every widget call is audited; reads need not wait for their record.
        let path = request.uri().path().to_owned();
        let response = next.run(request).await;
        let outcome = if response.status().is_success() {
            Outcome::Ok
        } else {
            Outcome::Failed(format!("http_{}", response.status().as_u16()))
        };
        let mut event = AuditEvent::new("browser", "widget_api.call", path, outcome);
        event.request_id = request_id;
        state.audit.record_later(event);
        return response;
    }
    let claimed = request
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_owned();
    let mut event = AuditEvent::new(
        format!("origin:{claimed}"),
        "widget_api.call",
        request.uri().path().to_owned(),
        Outcome::Refused("origin_not_allowed".to_owned()),
    );
    event.request_id.clone_from(&request_id);
    state.audit.record_later(event);
    ApiError {
        status: StatusCode::FORBIDDEN,
        code: "origin_not_allowed",
        message: "Widget calls are accepted only from okno's own pages.".to_owned(),
        request_id,
    }
    .into_response()
}
