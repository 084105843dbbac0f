//! okno's JSON error answer — `{"error":{"code","message","request_id"}}` with a stable code —
//! and the layer that gives the stack's own refusals (body too large, too slow) that shape.

use axum::{
    Json,
    extract::Request,
    http::{StatusCode, header::CONTENT_TYPE},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// An error answer of okno's HTTP APIs.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub request_id: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": { "code": self.code, "message": self.message, "request_id": self.request_id }
        });
        (self.status, Json(body)).into_response()
    }
}

/// The stack's plain-text refusals, as `ApiError`s.
fn known(status: StatusCode) -> Option<(&'static str, &'static str)> {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => Some((
            "body_too_large",
            "The request body is larger than 5 MiB; send less (files one at a time) and try again.",
        )),
        StatusCode::REQUEST_TIMEOUT => Some((
            "request_timeout",
            "The request took too long and was stopped; nothing was changed. Try again.",
        )),
        _ => None,
    }
}

/// Rewrites a body-limit or timeout refusal into the JSON error, keeping its status.
pub async fn json_refusals(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    // Errors already rendered as documents (JSON, or XML for the Partner API) stay as they are.
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("application/xml"));
    match known(response.status()) {
        Some((code, message)) if !is_json => ApiError {
            status: response.status(),
            code,
            message: message.to_owned(),
            request_id,
        }
        .into_response(),
        _ => response,
    }
}
