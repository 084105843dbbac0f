//! Refuses requests whose headers are larger than okno ever needs (431 `headers_too_large`),
//! before any other work; hyper's own limits are far looser.

use axum::{
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error::ApiError;

/// All header names and values together, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

pub async fn limit_headers(request: Request, next: Next) -> Response {
    let size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if size > MAX_HEADER_BYTES {
        return ApiError {
            status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            code: "headers_too_large",
            message: "The request headers are larger than 16 KiB; send fewer or shorter cookies and headers.".to_owned(),
            request_id: request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
        .into_response();
    }
    next.run(request).await
}
