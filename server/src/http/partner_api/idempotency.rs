//! `Idempotency-Key` on Partner API POSTs: the same key with the same request replays the stored
//! answer (`Idempotent-Replayed: true`); with a different request → 409 `idempotency_conflict`;
//! while the first is still running → 409 `idempotency_in_progress`. Keys are kept 24 hours;
//! an answer okno failed to produce (5xx) frees the key for a retry.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header::CONTENT_TYPE},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::super::{
    AppState, MAX_BODY_BYTES,
    formats::{DocumentError, Negotiated},
};
use crate::{
    clock::unix_millis,
    gateway::Caller,
    storage::{IdempotencyClaim, StoredAnswer},
};

pub const HEADER: &str = "idempotency-key";

fn refuse(request: &Request, status: StatusCode, code: &'static str, message: &str) -> Response {
    let negotiated = Negotiated::from_headers(request.headers());
    DocumentError::new(status, code, message)
        .with_field(HEADER)
        .into_response_for(negotiated.format, negotiated.request_id)
}

pub async fn idempotent(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER).cloned() else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(key) if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            key.to_owned()
        }
        _ => {
            return refuse(
                &request,
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            );
        }
    };
    let Some(caller) = request.extensions().get::<Caller>().cloned() else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return DocumentError::body_too_large().into_response();
    };
    // The request is its method, path, query, content type and body.
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str());
    hash.update([0]);
    hash.update(parts.uri.path_and_query().map_or("", |pq| pq.as_str()));
    hash.update([0]);
    hash.update(
        parts
            .headers
            .get(CONTENT_TYPE)
            .map_or(&b""[..], HeaderValue::as_bytes),
    );
    hash.update([0]);
    hash.update(&bytes);
    let request_hash = hex::encode(hash.finalize());
    let request = Request::from_parts(parts, Body::from(bytes));
    let now = unix_millis(state.partner_api.clock.now());
    let claim = match state
        .storage
        .claim_idempotency_key(&caller.partner_id, &key, &request_hash, now)
        .await
    {
        Ok(claim) => claim,
        Err(error) => {
            tracing::error!(%error, "idempotency key not claimed");
            return DocumentError::internal().into_response();
        }
    };
    match claim {
        IdempotencyClaim::Conflict => refuse(
            &request,
            StatusCode::CONFLICT,
            "idempotency_conflict",
            "This Idempotency-Key was used for a different request; use a new key for a new request.",
        ),
        IdempotencyClaim::InProgress => refuse(
            &request,
            StatusCode::CONFLICT,
            "idempotency_in_progress",
            "The first request with this Idempotency-Key is still running; retry in a moment.",
        ),
        IdempotencyClaim::Replay(answer) => {
            let mut response = (
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK),
                answer.body,
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&answer.content_type) {
                response.headers_mut().insert(CONTENT_TYPE, value);
            }
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        IdempotencyClaim::Claimed => {
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
                let _ = state
                    .storage
                    .release_idempotency_key(&caller.partner_id, &key)
                    .await;
                return DocumentError::internal().into_response();
            };
            let stored = if parts.status.is_server_error() {
                state
                    .storage
                    .release_idempotency_key(&caller.partner_id, &key)
                    .await
            } else {
                let answer = StoredAnswer {
                    status: parts.status.as_u16(),
                    content_type: parts
                        .headers
                        .get(CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned(),
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                };
                state
                    .storage
                    .complete_idempotency_key(&caller.partner_id, &key, &answer)
                    .await
            };
            if let Err(error) = stored {
                tracing::error!(%error, "idempotent answer not stored");
            }
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}
