//! The sandbox's control API (test mode only, it exists only in the sandbox): fault injection —
//! added latency, an error rate, a full outage for a time window — and moving an order to any
//! status. Reliability tests and the sandbox page drive it over HTTP.

use axum::{
    Json, Router,
    extract::{Path, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use app::sandbox_info::FaultState;

use super::{PortalRefusal, SandboxPortal, lock};

/// The faults currently injected into the sandbox's EPGU API.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub latency_ms: u64,
    /// Share of requests answered 500, from 0 to 1.
    pub error_rate: f64,
    pub outage_until: Option<OffsetDateTime>,
}

/// `PUT /sandbox-api/faults` body.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    #[serde(default)]
    pub latency_ms: u64,
    #[serde(default)]
    pub error_rate: f64,
    #[serde(default)]
    pub outage_seconds: u64,
}

const MAX_LATENCY_MS: u64 = 60_000;
const MAX_OUTAGE_SECONDS: u64 = 86_400;

pub fn router() -> Router<SandboxPortal> {
    Router::new()
        .route(
            "/sandbox-api/faults",
            get(read_faults).put(set_faults).delete(clear_faults),
        )
        .route("/sandbox-api/orders/{order_id}/status", post(set_status))
}

fn state(portal: &SandboxPortal) -> FaultState {
    let faults = lock(&portal.faults).clone();
    let remaining = faults.outage_until.map_or(0, |until| {
        (until - portal.clock.now()).whole_seconds().max(0)
    });
    FaultState {
        latency_ms: faults.latency_ms,
        error_rate: faults.error_rate,
        outage_remaining_seconds: remaining,
    }
}

async fn read_faults(State(portal): State<SandboxPortal>) -> Json<FaultState> {
    Json(state(&portal))
}

async fn set_faults(
    State(portal): State<SandboxPortal>,
    body: Result<Json<FaultRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<FaultState>, PortalRefusal> {
    let Json(request) = body?;
    if !(0.0..=1.0).contains(&request.error_rate)
        || request.latency_ms > MAX_LATENCY_MS
        || request.outage_seconds > MAX_OUTAGE_SECONDS
    {
        return Err(PortalRefusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!(
                "error_rate 0..1, latency_ms ≤ {MAX_LATENCY_MS}, outage_seconds ≤ {MAX_OUTAGE_SECONDS}"
            ),
        ));
    }
    let outage = i64::try_from(request.outage_seconds).unwrap_or(0);
    *lock(&portal.faults) = Faults {
        latency_ms: request.latency_ms,
        error_rate: request.error_rate,
        outage_until: (outage > 0).then(|| portal.clock.now() + Duration::seconds(outage)),
    };
    tracing::info!(?request, "sandbox faults set");
    Ok(Json(state(&portal)))
}

async fn clear_faults(State(portal): State<SandboxPortal>) -> Json<FaultState> {
    *lock(&portal.faults) = Faults::default();
    Json(state(&portal))
}

/// Applies the injected faults to an EPGU API request.
pub async fn inject_faults(
    State(portal): State<SandboxPortal>,
    request: Request,
    next: Next,
) -> Response {
    let faults = lock(&portal.faults).clone();
    if faults
        .outage_until
        .is_some_and(|until| portal.clock.now() < until)
    {
        return PortalRefusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "internal_error",
            "Портал недоступен (сбой в песочнице)".to_owned(),
        )
        .into_response();
    }
    if faults.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.latency_ms)).await;
    }
    if faults.error_rate > 0.0 && rand::random::<f64>() < faults.error_rate {
        return PortalRefusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Внутренняя ошибка (сбой в песочнице)".to_owned(),
        )
        .into_response();
    }
    next.run(request).await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusRequest {
    status_id: u32,
    #[serde(default)]
    comment: String,
}

/// `POST /sandbox-api/orders/{id}/status`: moves an order to any portal status now.
async fn set_status(
    State(portal): State<SandboxPortal>,
    Path(order_id): Path<u64>,
    body: Result<Json<StatusRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, PortalRefusal> {
    let Json(request) = body?;
    if app::statuses::find(request.status_id).is_none() {
        return Err(PortalRefusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Нет статуса {}", request.status_id),
        ));
    }
    let now = portal.clock.now();
    let mut orders = lock(&portal.orders);
    orders.advance(now);
    if orders.set_status(order_id, request.status_id, &request.comment, now) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(PortalRefusal(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Заявление {order_id} не найдено"),
        ))
    }
}

/// The gateway's client for the sandbox's control API (the sandbox page's fault form uses it).
#[derive(Clone, Debug)]
pub struct SandboxControl {
    http: reqwest::Client,
    base: url::Url,
}

impl SandboxControl {
    pub fn new(http: reqwest::Client, base: url::Url) -> Self {
        SandboxControl { http, base }
    }

    fn faults_url(&self) -> Result<url::Url, crate::portal::PortalError> {
        self.base
            .join("sandbox-api/faults")
            .map_err(|e| crate::portal::PortalError::Malformed(e.to_string()))
    }

    pub async fn faults(&self) -> Result<FaultState, crate::portal::PortalError> {
        Ok(self
            .http
            .get(self.faults_url()?)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Moves a sandbox order to `status_id` now (what a test-mode status change asks for).
    pub async fn set_order_status(
        &self,
        order_id: u64,
        status_id: u32,
    ) -> Result<(), crate::portal::PortalError> {
        let url = self
            .base
            .join(&format!("sandbox-api/orders/{order_id}/status"))
            .map_err(|e| crate::portal::PortalError::Malformed(e.to_string()))?;
        self.http
            .post(url)
            .json(&serde_json::json!({ "statusId": status_id }))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    pub async fn set_faults(
        &self,
        request: &FaultRequest,
    ) -> Result<FaultState, crate::portal::PortalError> {
        let response = self
            .http
            .put(self.faults_url()?)
            .json(request)
            .send()
            .await?;
        Ok(response.error_for_status()?.json().await?)
    }
}
