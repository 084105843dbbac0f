//! The Partner API (`/api/v1/…`): every request passes the gateway's checks on its raw bytes
//! before a handler runs, and is audited with its outcome; state-changing calls are answered
//! only once their record is durable. Also the token endpoints partners call (RFC 7009, 7662).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    Extension, Form, Json, Router,
    body::Body,
    extract::{ConnectInfo, OriginalUri, Request, State, rejection::FormRejection},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, MAX_BODY_BYTES, error::ApiError};
use crate::{
    audit::{AuditEvent, Outcome},
    gateway::{Caller, Refusal},
};

pub const PREFIX: &str = "/api/v1";

/// The Partner API routes, each behind the check pipeline.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/ping", get(ping))
        .route("/oauth/revoke", post(revoke))
        .route("/oauth/introspect", post(introspect))
        .fallback(unknown_endpoint)
        .layer(middleware::from_fn_with_state(state, checked))
}

fn request_id(request: &Request) -> Option<String> {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn refusal_response(refusal: &Refusal, request_id: Option<String>) -> Response {
    let mut response = ApiError {
        status: refusal.status,
        code: refusal.code,
        message: refusal.message.clone(),
        request_id,
    }
    .into_response();
    if let Some(seconds) = refusal.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Reads the whole body (the signature covers its exact bytes), runs the checks, then the
/// handler with the checked [`Caller`] in its extensions.
async fn checked(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let request_id = request_id(&request);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let action = format!(
        "api.{} {}",
        request.method(),
        request
            .extensions()
            .get::<OriginalUri>()
            .map_or(request.uri().path(), |uri| uri.0.path())
    );
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "body_too_large",
                message: "The request body is larger than 5 MiB.".to_owned(),
                request_id,
            }
            .into_response();
        }
    };
    // Under `nest` the path handlers see is stripped of `/api/v1`; the signature covers the
    // path the partner sent.
    let original = parts
        .extensions
        .get::<OriginalUri>()
        .map(|uri| uri.0.clone());
    let stripped = std::mem::replace(&mut parts.uri, original.unwrap_or_default());
    let checked = state.gateway.check(&parts, &bytes, peer).await;
    let full_path = std::mem::replace(&mut parts.uri, stripped)
        .path()
        .to_owned();
    let caller = match checked {
        Ok(caller) => caller,
        Err(refusal) => {
            let actor = refusal.key_id.as_ref().map_or_else(
                || format!("ip:{}", refusal.client_ip),
                |key| format!("key:{key}"),
            );
            let mut event = AuditEvent::new(
                actor,
                &action,
                full_path,
                Outcome::Refused(refusal.code.to_owned()),
            );
            event.request_id.clone_from(&request_id);
            event.client_ip = Some(refusal.client_ip.to_string());
            state.audit.record_later(event);
            return refusal_response(&refusal, request_id);
        }
    };
    let changes_state = !matches!(parts.method, Method::GET | Method::HEAD);
    parts.extensions.insert(caller.clone());
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    let outcome = if status.is_success() {
        Outcome::Ok
    } else if status.is_client_error() {
        Outcome::Refused(format!("http_{}", status.as_u16()))
    } else {
        Outcome::Failed(format!("http_{}", status.as_u16()))
    };
    let mut event = AuditEvent::new(
        format!("partner:{}", caller.partner_id),
        &action,
        caller.key_id.clone(),
        outcome,
    );
    event.request_id.clone_from(&request_id);
    event.client_ip = Some(caller.client_ip.to_string());
    if !changes_state {
        state.audit.record_later(event);
        return response;
    }
    match state.audit.record(event).await {
        Ok(_) => response,
        Err(_) => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "audit_unavailable",
            message: "The operation could not be recorded in the audit log; retry with the same Idempotency-Key.".to_owned(),
            request_id,
        }
        .into_response(),
    }
}

/// Unknown paths answer after the checks too, so probing them costs a valid signature.
async fn unknown_endpoint() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message:
            "There is no such Partner API endpoint; check the path against the API documentation."
                .to_owned(),
        request_id: None,
    }
}

/// Lets a partner check its signing and see which portal its key reaches.
async fn ping(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Json<Value> {
    let portal = match state.portals.for_mode(caller.mode) {
        Err(_) => "not_configured",
        Ok(client) => match client.services().await {
            Ok(_) => "reachable",
            Err(_) => "unreachable",
        },
    };
    Json(json!({
        "partner_id": caller.partner_id,
        "key_id": caller.key_id,
        "mode": caller.mode,
        "portal": portal,
    }))
}

/// The form of RFC 7009 and RFC 7662 requests. `token_type_hint` may be sent and is ignored:
/// okno tells its tokens apart by their shape.
#[derive(Deserialize)]
struct TokenForm {
    token: String,
}

fn token_form(form: Result<Form<TokenForm>, FormRejection>) -> Result<TokenForm, ApiError> {
    form.map(|Form(form)| form).map_err(|rejection| ApiError {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_request",
        message: format!(
            "Send an application/x-www-form-urlencoded body with a `token` field ({}).",
            rejection.body_text()
        ),
        request_id: None,
    })
}

fn internal(code: &'static str, request_id: Option<String>) -> ApiError {
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code,
        message: "okno could not complete this request; try again later.".to_owned(),
        request_id,
    }
}

/// RFC 7009: 200 whether or not the token was known (so it reveals nothing).
async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<StatusCode, ApiError> {
    let form = token_form(form)?;
    state
        .sessions
        .revoke(&form.token, &caller.partner_id)
        .await
        .map_err(|error| {
            tracing::error!(%error, "token revocation failed");
            internal("internal_error", None)
        })?;
    Ok(StatusCode::OK)
}

/// RFC 7662: what the token is, for the partner it was issued to.
async fn introspect(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Json<Value>, ApiError> {
    let form = token_form(form)?;
    state
        .sessions
        .introspect(&form.token, &caller.partner_id)
        .await
        .map(Json)
        .map_err(|error| {
            tracing::error!(%error, "token introspection failed");
            internal("internal_error", None)
        })
}
