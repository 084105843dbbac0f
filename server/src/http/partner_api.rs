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

use super::{AppState, MAX_BODY_BYTES, error::ApiError, formats};
use crate::{
    audit::{AuditEvent, Outcome},
    gateway::{Caller, Refusal},
};

pub mod endpoints;
pub mod idempotency;
pub mod openapi;
pub mod webhook_endpoints;

pub const PREFIX: &str = "/api/v1";

/// Public documents under the prefix: no signature needed to read how to sign.
const UNSIGNED: [&str; 2] = ["/openapi.json", "/docs"];

/// The Partner API routes. Layers, outermost first: the check pipeline (and audit), errors
/// rendered in the client's format, idempotent POSTs, then the handler.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/ping", get(ping))
        .route("/oauth/revoke", post(revoke))
        .route("/oauth/introspect", post(introspect))
        .route("/services/list", get(endpoints::list_services))
        .route("/services/create", post(endpoints::create_listing))
        .route(
            "/services/status",
            get(endpoints::statuses).post(endpoints::set_status),
        )
        .route("/catalog/sync", post(endpoints::sync_catalog))
        .route("/pricing/update", post(endpoints::update_pricing))
        .route("/feedback/get", get(endpoints::feedback))
        .route(
            "/webhooks/endpoints",
            get(webhook_endpoints::list).post(webhook_endpoints::register),
        )
        .route(
            "/webhooks/endpoints/{endpoint_id}/rotate-secret",
            post(webhook_endpoints::rotate_secret),
        )
        .route(
            "/webhooks/endpoints/{endpoint_id}/deliveries",
            get(webhook_endpoints::deliveries),
        )
        .route(
            "/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver",
            post(webhook_endpoints::redeliver),
        )
        .route("/openapi.json", get(openapi::document))
        .route("/docs", get(openapi::page))
        .fallback(unknown_endpoint)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .layer(middleware::from_fn(formats::negotiated_errors))
        .layer(middleware::from_fn_with_state(state, checked))
}

fn request_id(request: &Request) -> Option<String> {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A refusal in the format the client accepts (JSON unless it asked for XML).
fn refusal_response(
    refusal: &Refusal,
    headers: &http::HeaderMap,
    request_id: Option<String>,
) -> Response {
    let format = formats::response_format(headers).unwrap_or(formats::Format::Json);
    let mut response =
        formats::DocumentError::new(refusal.status, refusal.code, refusal.message.clone())
            .into_response_for(format, request_id);
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
    let path = request
        .extensions()
        .get::<OriginalUri>()
        .map_or(request.uri().path(), |uri| uri.0.path());
    if request.method() == Method::GET && UNSIGNED.iter().any(|p| path == format!("{PREFIX}{p}")) {
        return next.run(request).await;
    }
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
            return refusal_response(&refusal, &parts.headers, request_id);
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
