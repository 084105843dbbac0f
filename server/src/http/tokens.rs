//! Token endpoints browsers and verifiers reach: okno's JWKS, and the widget's refresh of a
//! citizen's tokens from its `__Host-` refresh cookie (partitioned, so no third-party cookie).

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use super::{AppState, error::ApiError};
use crate::sessions::CitizenTokens;

pub use app::widget_api::{REFRESH_COOKIE, refresh_cookie, refresh_token_in};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/widget-api/session/refresh", post(refresh))
}

async fn jwks(State(state): State<AppState>) -> Response {
    let mut response = Json(state.sessions.jwks()).into_response();
    // Short, so a rotation's next key reaches verifiers well before it signs.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

fn access_body(tokens: &CitizenTokens) -> Value {
    json!({
        "access_token": tokens.access.token,
        "token_type": "Bearer",
        "expires_at": tokens.access.expires_at,
    })
}

/// Trades the refresh cookie for a new access token and a new cookie. A reused refresh
/// token revokes its family; the answer then clears the cookie.
async fn refresh(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = refresh_token_in(&headers) else {
        return ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "token_missing",
            message: "Sign in with Gosuslugi again.".to_owned(),
            request_id: None,
        }
        .into_response();
    };
    match state.sessions.refresh(token).await {
        Ok(tokens) => {
            let mut response = Json(access_body(&tokens)).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&refresh_cookie(Some(&tokens.refresh_token)))
            {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            let status = if error.code() == "internal_error" {
                tracing::error!(%error, "refresh failed");
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::UNAUTHORIZED
            };
            let mut response = ApiError {
                status,
                code: error.code(),
                message: "Your Gosuslugi sign-in has ended; sign in again.".to_owned(),
                request_id: None,
            }
            .into_response();
            if let Ok(cookie) = HeaderValue::from_str(&refresh_cookie(None)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
    }
}
