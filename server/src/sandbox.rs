//! The sandbox portal: a real HTTP service answering in the EPGU API's shapes, for test mode,
//! with the sandbox ESIA on the same host, scheduled status progression and fault injection.

pub mod citizens;
pub mod control;
mod dictionary;
pub mod esia;
mod limits;
pub mod orders;
mod orders_api;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, rejection::JsonRejection},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use time::Duration;
use tokio::{net::TcpListener, task::JoinHandle};

use crate::{clock::SharedClock, portal::wire::PortalErrorBody};
use control::Faults;
use esia::{API_ORDER_SCOPE, EsiaEmulator};
use limits::SystemLimit;
use orders::{MAX_ARCHIVE_BYTES, OrderBook, SandboxOrder};

/// The sandbox portal's state, shared by its handlers.
#[derive(Clone)]
pub struct SandboxPortal {
    orders: Arc<Mutex<OrderBook>>,
    esia: EsiaEmulator,
    faults: Arc<Mutex<Faults>>,
    limit: Arc<Mutex<SystemLimit>>,
    /// Chunked pushes in progress, by order id.
    uploads: Arc<Mutex<HashMap<u64, orders_api::ChunkedUpload>>>,
    /// EPGU API calls received, so tests can prove a refused request never reached the portal.
    api_calls: Arc<std::sync::atomic::AtomicU64>,
    clock: SharedClock,
}

/// An error in the portal's format: HTTP status plus `{"code","message"}`.
#[derive(Debug)]
pub struct PortalRefusal(StatusCode, &'static str, String);

impl IntoResponse for PortalRefusal {
    fn into_response(self) -> Response {
        let PortalRefusal(status, code, message) = self;
        (
            status,
            Json(PortalErrorBody {
                code: code.to_owned(),
                message,
            }),
        )
            .into_response()
    }
}

impl From<JsonRejection> for PortalRefusal {
    fn from(rejection: JsonRejection) -> Self {
        PortalRefusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            rejection.body_text(),
        )
    }
}

/// Locks shared test state; a poisoned lock only means another request panicked mid-update.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SandboxPortal {
    /// `step` is the time between scheduled status changes of a pushed order.
    pub fn new(base_url: String, clock: SharedClock, step: Duration) -> Self {
        SandboxPortal {
            orders: Arc::new(Mutex::new(OrderBook::new(step))),
            esia: EsiaEmulator::new(base_url, clock.clone()),
            faults: Arc::default(),
            limit: Arc::default(),
            uploads: Arc::default(),
            api_calls: Arc::default(),
            clock,
        }
    }

    /// The EPGU API (with fault injection and the per-system limit), the sandbox's control
    /// API, and on the same host the sandbox ESIA.
    pub fn router(self) -> Router {
        let esia = self.esia.clone().router();
        let api = Router::new()
            .route(
                "/api/nsi/v1/dictionary/{code}",
                post(dictionary::dictionary),
            )
            .route("/api/gusmev/order", post(orders_api::create_order))
            .route("/api/gusmev/push", post(orders_api::push))
            .route("/api/gusmev/push/chunked", post(orders_api::push_chunked))
            .route(
                "/api/gusmev/order/getUpdatedAfter",
                get(orders_api::updated_after),
            )
            .route(
                "/api/gusmev/order/getOrdersStatus",
                get(orders_api::orders_status),
            )
            .route("/api/gusmev/order/{order_id}", post(orders_api::details))
            .route(
                "/api/gusmev/order/{order_id}/cancel",
                post(orders_api::cancel),
            )
            .route(
                "/api/storage/v2/files/{order_id}/{index}/download",
                get(orders_api::download),
            )
            .layer(middleware::from_fn_with_state(
                self.clone(),
                control::inject_faults,
            ))
            .layer(middleware::from_fn_with_state(
                self.clone(),
                count_api_calls,
            ))
            // Room for a whole archive plus the multipart envelope.
            .layer(DefaultBodyLimit::max(MAX_ARCHIVE_BYTES + 1_000_000));
        Router::new()
            .merge(api)
            .merge(control::router())
            .with_state(self)
            .merge(esia)
    }

    /// How many EPGU API calls the sandbox has received.
    pub fn api_calls(&self) -> u64 {
        self.api_calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The ids of every order the sandbox holds.
    pub fn order_ids(&self) -> Vec<u64> {
        lock(&self.orders).all().map(|order| order.id).collect()
    }

    /// An order, if the sandbox has it (after applying the statuses that are due).
    pub fn order(&self, id: u64) -> Option<SandboxOrder> {
        let mut orders = lock(&self.orders);
        orders.advance(self.clock.now());
        orders.get(id).cloned()
    }

    /// The citizen behind a bearer token allowed to use the orders API, or the portal's refusal.
    fn citizen(&self, headers: &HeaderMap) -> Result<String, PortalRefusal> {
        let token = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .filter(|token| !token.trim().is_empty())
            .ok_or_else(|| {
                PortalRefusal(
                    StatusCode::UNAUTHORIZED,
                    "access_denied_user",
                    "Требуется маркер доступа ЕСИА (Authorization: Bearer)".to_owned(),
                )
            })?;
        let claims = self.esia.verify_access_token(token).map_err(|_| {
            PortalRefusal(
                StatusCode::UNAUTHORIZED,
                "access_denied_user",
                "Маркер доступа недействителен или истёк".to_owned(),
            )
        })?;
        if !claims.has_scope(API_ORDER_SCOPE) {
            return Err(PortalRefusal(
                StatusCode::FORBIDDEN,
                "access_denied_person_permissions",
                format!("Маркер не содержит разрешения {API_ORDER_SCOPE}"),
            ));
        }
        lock(&self.limit).admit(&claims.client_id, self.clock.now())?;
        Ok(claims.sbj_id)
    }
}

/// Counts every EPGU API call the sandbox receives.
async fn count_api_calls(
    axum::extract::State(portal): axum::extract::State<SandboxPortal>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    portal
        .api_calls
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    next.run(request).await
}

/// Starts a sandbox portal on `addr` (port 0 picks one); returns where it listens.
pub async fn spawn(
    addr: SocketAddr,
    clock: SharedClock,
    step: Duration,
) -> std::io::Result<(SocketAddr, SandboxPortal, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let portal = SandboxPortal::new(format!("http://{bound}"), clock, step);
    let router = portal.clone().router();
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "sandbox portal stopped");
        }
    });
    Ok((bound, portal, task))
}

#[cfg(test)]
mod contract_tests;
#[cfg(test)]
pub mod test_flow;

#[cfg(test)]
mod tests {
    //! The sandbox portal over real HTTP, called through the gateway's own portal client.

    use super::*;
    use crate::portal::PortalError;
    use crate::portal::{SERVICE_CATALOG_DICTIONARY, wire::OrderMeta};
    use orders::FIRST_ORDER_ID;
    use test_flow::{Sandbox, start};

    fn meta(code: &str, target: &str) -> OrderMeta {
        OrderMeta {
            region: "45000000000".into(),
            service_code: code.into(),
            target_code: target.into(),
        }
    }

    #[tokio::test]
    async fn the_catalog_is_read_page_by_page() {
        let Sandbox { portal: client, .. } = start().await;
        let page = client
            .dictionary_page(SERVICE_CATALOG_DICTIONARY, 2, 5)
            .await
            .expect("page");
        assert_eq!(
            (page.total, page.items.len()),
            (crate::registry::all().len() as u64, 5)
        );
        assert_eq!(page.error.message, "operation completed");
        let all = client.services().await.expect("services");
        assert_eq!(all.len(), crate::registry::all().len());
        assert!(
            all.iter()
                .any(|s| s.code == "10000000109" && s.agency == "Социальный фонд России")
        );
    }

    #[tokio::test]
    async fn an_unknown_dictionary_is_not_found() {
        let Sandbox { portal: client, .. } = start().await;
        let error = client.dictionary_page("NOPE", 1, 10).await.err();
        assert!(
            matches!(error, Some(PortalError::Refused { status, ref code, .. })
            if status == StatusCode::NOT_FOUND && code == "not_found")
        );
    }

    #[tokio::test]
    async fn a_signed_in_citizen_creates_an_order_in_the_real_shape() {
        let sandbox = start().await;
        let tokens = sandbox
            .sign_in("1000299353", &format!("openid {API_ORDER_SCOPE}"))
            .await
            .expect("sign in");
        let id = sandbox
            .portal
            .create_order(&tokens.access_token, &meta("10000000109", "-10000000109"))
            .await
            .expect("order");
        assert_eq!(id, FIRST_ORDER_ID);
        let stored = sandbox.state.order(id).expect("stored");
        assert_eq!(
            (stored.status_id(), stored.citizen.as_str()),
            (0, "1000299353")
        );
        let next = sandbox
            .portal
            .create_order(&tokens.access_token, &meta("60080315", "-60080315"))
            .await
            .expect("order");
        assert_eq!(next, FIRST_ORDER_ID + 1);
    }

    #[tokio::test]
    async fn order_refusals_carry_the_portals_codes() {
        let sandbox = start().await;
        let token = sandbox
            .sign_in("1000299353", &format!("openid {API_ORDER_SCOPE}"))
            .await
            .expect("sign in")
            .access_token;
        let no_permission = sandbox
            .sign_in("1000299353", "openid fullname")
            .await
            .expect("sign in")
            .access_token;
        let cases = [
            (
                "",
                meta("10000000109", "-10000000109"),
                StatusCode::UNAUTHORIZED,
                "access_denied_user",
            ),
            (
                "forged.token.value",
                meta("10000000109", "-10000000109"),
                StatusCode::UNAUTHORIZED,
                "access_denied_user",
            ),
            (
                no_permission.as_str(),
                meta("10000000109", "-10000000109"),
                StatusCode::FORBIDDEN,
                "access_denied_person_permissions",
            ),
            (
                token.as_str(),
                meta("99999", "-99999"),
                StatusCode::NOT_FOUND,
                "service_not_found",
            ),
            (
                token.as_str(),
                meta("10000000109", "-10000000110"),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                token.as_str(),
                OrderMeta {
                    region: "45x".into(),
                    ..meta("10000000109", "-10000000109")
                },
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
        ];
        for (token, meta, want_status, want_code) in cases {
            match sandbox.portal.create_order(token, &meta).await {
                Err(PortalError::Refused { status, code, .. }) => {
                    assert_eq!(
                        (status, code.as_str()),
                        (want_status, want_code),
                        "{meta:?}"
                    );
                }
                other => panic!("{meta:?}: expected a refusal, got {other:?}"),
            }
        }
        assert!(
            sandbox.state.order(FIRST_ORDER_ID).is_none(),
            "a refused order must not be stored"
        );
    }

    #[tokio::test]
    async fn malformed_json_gets_a_portal_error_body() {
        let sandbox = start().await;
        let token = sandbox
            .sign_in("1000299353", &format!("openid {API_ORDER_SCOPE}"))
            .await
            .expect("sign in")
            .access_token;
        let response = reqwest::Client::new()
            .post(
                sandbox
                    .portal
                    .base_url()
                    .join("api/gusmev/order")
                    .expect("url"),
            )
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: PortalErrorBody = response.json().await.expect("portal error body");
        assert_eq!(body.code, "bad_request");
    }
}
