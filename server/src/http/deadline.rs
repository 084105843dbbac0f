//! Request deadlines: 30 s for every request but a file upload, which gets 10 minutes — a
//! 5 MiB scan over a slow mobile connection takes minutes, and its body is read inside the
//! handler. Past the deadline the answer is 408 (`request_timeout`).

use std::time::Duration;

use axum::{
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The deadline of an ordinary request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The deadline of an attachment upload.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The deadline for a request to `path`.
pub fn deadline_for(path: &str) -> Duration {
    if super::applications::is_upload(path) {
        UPLOAD_TIMEOUT
    } else {
        REQUEST_TIMEOUT
    }
}

pub async fn deadline(request: Request, next: Next) -> Response {
    let limit = deadline_for(request.uri().path());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uploads_get_the_long_deadline() {
        assert_eq!(
            deadline_for("/widget-api/applications/app_1/attachments"),
            UPLOAD_TIMEOUT
        );
        assert_eq!(deadline_for("/widget-api/submit"), REQUEST_TIMEOUT);
        assert_eq!(deadline_for("/api/v1/services/list"), REQUEST_TIMEOUT);
        assert_eq!(
            deadline_for("/widget-api/applications/app_1/events"),
            REQUEST_TIMEOUT
        );
    }
}
