//! The sandbox portal: a real HTTP service answering in the EPGU API's shapes, for test mode.

pub mod catalog;
pub mod citizens;
pub mod esia;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{Path, State, rejection::JsonRejection},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::{IntoResponse, Response},
    routing::post,
};
use tokio::{net::TcpListener, task::JoinHandle};

use crate::{
    clock::SharedClock,
    portal::{
        SERVICE_CATALOG_DICTIONARY,
        wire::{
            DictionaryAttribute, DictionaryItem, DictionaryRequest, DictionaryResponse,
            DictionaryStatus, OrderCreated, OrderMeta, PortalErrorBody,
        },
    },
};
use esia::{API_ORDER_SCOPE, EsiaEmulator};

/// First order id the sandbox hands out (the portal's ids are plain integers of this size).
const FIRST_ORDER_ID: u64 = 52_353_456;
const MAX_PAGE_SIZE: u32 = 1_000;

/// An order as the sandbox keeps it.
#[derive(Debug, Clone)]
pub struct SandboxOrder {
    pub meta: OrderMeta,
    /// The ESIA oid of the citizen who created it.
    pub citizen: String,
    /// Portal status id; 0 is "Черновик заявления" until the order is pushed.
    pub status_id: u32,
}

#[derive(Default)]
struct Orders {
    next_id: u64,
    by_id: HashMap<u64, SandboxOrder>,
}

/// The sandbox portal's state: its orders and the sandbox ESIA that issues its tokens.
#[derive(Clone)]
pub struct SandboxPortal {
    orders: Arc<Mutex<Orders>>,
    esia: EsiaEmulator,
}

/// An error in the portal's format: HTTP status plus `{"code","message"}`.
struct PortalRefusal(StatusCode, &'static str, String);

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

impl SandboxPortal {
    pub fn new(base_url: String, clock: SharedClock) -> Self {
        SandboxPortal {
            orders: Arc::default(),
            esia: EsiaEmulator::new(base_url, clock),
        }
    }

    /// The EPGU API and, on the same host, the sandbox ESIA.
    pub fn router(self) -> Router {
        let esia = self.esia.clone().router();
        Router::new()
            .route("/api/nsi/v1/dictionary/{code}", post(dictionary))
            .route("/api/gusmev/order", post(create_order))
            .with_state(self)
            .merge(esia)
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
        Ok(claims.sbj_id)
    }

    /// An order, if the sandbox has it.
    pub fn order(&self, id: u64) -> Option<SandboxOrder> {
        self.orders.lock().ok()?.by_id.get(&id).cloned()
    }
}

/// Starts a sandbox portal on `addr` (port 0 picks one); returns where it listens.
pub async fn spawn(
    addr: SocketAddr,
    clock: SharedClock,
) -> std::io::Result<(SocketAddr, SandboxPortal, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let portal = SandboxPortal::new(format!("http://{bound}"), clock);
    let router = portal.clone().router();
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "sandbox portal stopped");
        }
    });
    Ok((bound, portal, task))
}

async fn dictionary(
    Path(code): Path<String>,
    body: Result<Json<DictionaryRequest>, JsonRejection>,
) -> Result<Json<DictionaryResponse>, PortalRefusal> {
    let Json(request) = body?;
    if code != SERVICE_CATALOG_DICTIONARY {
        return Err(PortalRefusal(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Справочник {code} не найден"),
        ));
    }
    if request.page_num == 0 || request.page_size == 0 || request.page_size > MAX_PAGE_SIZE {
        return Err(PortalRefusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("pageNum starts at 1; pageSize is 1..={MAX_PAGE_SIZE}"),
        ));
    }
    let skip = (request.page_num as usize - 1).saturating_mul(request.page_size as usize);
    let items = catalog::SERVICES
        .iter()
        .skip(skip)
        .take(request.page_size as usize)
        .map(|service| DictionaryItem {
            value: service.code.to_owned(),
            parent_value: None,
            title: service.title.to_owned(),
            is_leaf: true,
            children: Vec::new(),
            attributes: vec![DictionaryAttribute {
                name: "agency".to_owned(),
                kind: "STRING".to_owned(),
                value: service.agency.to_owned(),
            }],
        })
        .collect();
    Ok(Json(DictionaryResponse {
        error: DictionaryStatus {
            code: 0,
            message: "operation completed".to_owned(),
        },
        field_errors: Vec::new(),
        total: catalog::SERVICES.len() as u64,
        items,
    }))
}

/// A region is an 11-digit OKATO code; like the real portal, the 2-digit form is accepted too.
fn valid_region(region: &str) -> bool {
    matches!(region.len(), 2 | 11) && region.bytes().all(|b| b.is_ascii_digit())
}

async fn create_order(
    State(portal): State<SandboxPortal>,
    headers: HeaderMap,
    body: Result<Json<OrderMeta>, JsonRejection>,
) -> Result<Json<OrderCreated>, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let Json(meta) = body?;
    if !valid_region(&meta.region) {
        return Err(PortalRefusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "region: код ОКАТО из 11 цифр".to_owned(),
        ));
    }
    if catalog::find(&meta.service_code).is_none() {
        return Err(PortalRefusal(
            StatusCode::NOT_FOUND,
            "service_not_found",
            format!("Услуга {} не найдена", meta.service_code),
        ));
    }
    if meta.target_code != format!("-{}", meta.service_code) {
        return Err(PortalRefusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!(
                "targetCode {} не относится к услуге {}",
                meta.target_code, meta.service_code
            ),
        ));
    }
    let mut orders = portal.orders.lock().map_err(|_| {
        PortalRefusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            String::new(),
        )
    })?;
    let order_id = FIRST_ORDER_ID + orders.next_id;
    orders.next_id += 1;
    orders.by_id.insert(
        order_id,
        SandboxOrder {
            meta,
            citizen,
            status_id: 0,
        },
    );
    Ok(Json(OrderCreated { order_id }))
}

#[cfg(test)]
pub mod test_flow;

#[cfg(test)]
mod tests {
    //! The sandbox portal over real HTTP, called through the gateway's own portal client.

    use super::*;
    use crate::portal::PortalError;
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
            (catalog::SERVICES.len() as u64, 5)
        );
        assert_eq!(page.error.message, "operation completed");
        let all = client.services().await.expect("services");
        assert_eq!(all.len(), catalog::SERVICES.len());
        assert!(
            all.iter()
                .any(|s| s.code == "10000000109" && s.agency == "СФР")
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
            (stored.status_id, stored.citizen.as_str()),
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
