//! Managing webhook endpoints over the Partner API: register (secret shown once), list, rotate
//! the secret with an overlap, read the delivery log, redeliver.

use axum::{
    Extension,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    super::{
        AppState,
        formats::{self, Document, DocumentError, Negotiated},
    },
    endpoints::{document_error, rfc3339},
};
use crate::{gateway::Caller, storage::WebhookEndpointRecord};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterEndpoint {
    /// Where to POST events: https and public in live mode; test mode may use http and private
    /// or loopback addresses.
    url: String,
    /// Any of `application.submitted`, `application.status_changed`, `consent.revoked`,
    /// `feedback.created`, `integration.suspended`.
    #[serde(with = "formats::list")]
    event_types: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Endpoint {
    endpoint_id: String,
    url: String,
    mode: String,
    event_types: Vec<String>,
    /// Set when okno stopped delivering (the receiver answered 410).
    disabled_at: Option<String>,
    disabled_reason: Option<String>,
    created_at: String,
}

impl From<WebhookEndpointRecord> for Endpoint {
    fn from(e: WebhookEndpointRecord) -> Self {
        Endpoint {
            endpoint_id: e.id,
            url: e.url,
            mode: e.mode,
            event_types: e
                .event_types
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            disabled_at: e.disabled_at.map(rfc3339),
            disabled_reason: e.disabled_reason,
            created_at: rfc3339(e.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointWithSecret {
    #[serde(flatten)]
    endpoint: Endpoint,
    /// `whsec_…`, shown this once: verify `webhook-signature` with it (Standard Webhooks).
    secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointList {
    items: Vec<Endpoint>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// Hours during which both secrets sign (default 24, at most 168).
    overlap_hours: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    attempt: i64,
    at: String,
    status_code: Option<i64>,
    latency_ms: i64,
    /// `delivered`, `failed` or `gone`.
    outcome: String,
    error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// The message id (`webhook-id`); receivers deduplicate by it.
    delivery_id: String,
    event_type: String,
    /// `pending`, `delivered`, `failed` (gave up after 3 days) or `gone`.
    state: String,
    next_attempt_at: Option<String>,
    attempts: Vec<Attempt>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    items: Vec<Delivery>,
}

#[utoipa::path(post, path = "/webhooks/endpoints", tag = "webhooks",
    request_body(content((RegisterEndpoint = "application/json"), (RegisterEndpoint = "application/xml"))),
    responses((status = 201, content((EndpointWithSecret = "application/json"), (EndpointWithSecret = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn register(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
    Document(request): Document<RegisterEndpoint>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let registered = state
        .outbox
        .register(
            &caller.partner_id,
            caller.mode,
            &request.url,
            &request.event_types,
        )
        .await
        .map_err(document_error)?;
    let body = EndpointWithSecret {
        endpoint: registered.endpoint.into(),
        secret: registered.secret,
    };
    Ok(formats::respond(
        format,
        StatusCode::CREATED,
        "endpoint",
        &body,
    ))
}

#[utoipa::path(get, path = "/webhooks/endpoints", tag = "webhooks",
    responses((status = 200, content((EndpointList = "application/json"), (EndpointList = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let endpoints = state
        .outbox
        .endpoints(&caller.partner_id, caller.mode)
        .await
        .map_err(document_error)?;
    let items = endpoints.into_iter().map(Into::into).collect();
    Ok(formats::respond(
        format,
        StatusCode::OK,
        "endpoints",
        &EndpointList { items },
    ))
}

#[utoipa::path(post, path = "/webhooks/endpoints/{endpoint_id}/rotate-secret", tag = "webhooks",
    params(("endpoint_id" = String, Path)),
    request_body(content((RotateSecret = "application/json"), (RotateSecret = "application/xml"))),
    responses((status = 200, content((EndpointWithSecret = "application/json"), (EndpointWithSecret = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(endpoint_id): Path<String>,
    negotiated: Negotiated,
    Document(request): Document<RotateSecret>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let hours = request.overlap_hours.unwrap_or(24);
    if !(0..=168).contains(&hours) {
        return Err(DocumentError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_range",
            "`overlap_hours` must be 0 to 168.",
        )
        .with_field("overlap_hours"));
    }
    let rotated = state
        .outbox
        .rotate_secret(
            &caller.partner_id,
            &endpoint_id,
            time::Duration::hours(hours),
        )
        .await
        .map_err(document_error)?;
    let body = EndpointWithSecret {
        endpoint: rotated.endpoint.into(),
        secret: rotated.secret,
    };
    Ok(formats::respond(format, StatusCode::OK, "endpoint", &body))
}

#[utoipa::path(get, path = "/webhooks/endpoints/{endpoint_id}/deliveries", tag = "webhooks",
    params(("endpoint_id" = String, Path)),
    responses((status = 200, content((DeliveryList = "application/json"), (DeliveryList = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(endpoint_id): Path<String>,
    negotiated: Negotiated,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let log = state
        .outbox
        .delivery_log(&caller.partner_id, &endpoint_id)
        .await
        .map_err(document_error)?;
    let items = log
        .into_iter()
        .map(|(d, attempts)| Delivery {
            delivery_id: d.id,
            event_type: d.event_type,
            state: d.state,
            next_attempt_at: d.next_attempt_at.map(rfc3339),
            attempts: attempts
                .into_iter()
                .map(|a| Attempt {
                    attempt: a.attempt,
                    at: rfc3339(a.at),
                    status_code: a.status_code,
                    latency_ms: a.latency_ms,
                    outcome: a.outcome,
                    error: a.error,
                })
                .collect(),
        })
        .collect();
    Ok(formats::respond(
        format,
        StatusCode::OK,
        "deliveries",
        &DeliveryList { items },
    ))
}

#[utoipa::path(post, path = "/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("endpoint_id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202, description = "Queued for an immediate attempt"), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn redeliver(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((endpoint_id, delivery_id)): Path<(String, String)>,
) -> Result<StatusCode, DocumentError> {
    state
        .outbox
        .redeliver(&caller.partner_id, &endpoint_id, &delivery_id)
        .await
        .map_err(document_error)?;
    Ok(StatusCode::ACCEPTED)
}
