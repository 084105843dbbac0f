//! The gateway's client for the portal's HTTP APIs (EPGU orders and dictionaries), live or sandbox alike.

pub mod wire;

use std::time::Duration;

use app::{catalog::ServiceSummary, error::AppError, partner::Mode};
use reqwest::StatusCode;
use url::Url;

use wire::{
    DictionaryRequest, DictionaryResponse, Order, OrderCreated, OrderDetailsEnvelope, OrderMeta,
    PortalErrorBody, PushMeta, StatusPage,
};

/// The dictionary through which the portal publishes the services okno can offer.
pub const SERVICE_CATALOG_DICTIONARY: &str = "EPGU_SERVICES";
/// Dictionary page size used when reading the catalog.
const CATALOG_PAGE_SIZE: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("portal timed out")]
    Timeout,
    #[error("portal unreachable: {0}")]
    Unreachable(String),
    #[error("portal refused with HTTP {status}: {code} {message}")]
    Refused {
        status: StatusCode,
        code: String,
        message: String,
    },
    #[error("portal answered in an unexpected shape: {0}")]
    Malformed(String),
}

impl From<reqwest::Error> for PortalError {
    fn from(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            PortalError::Timeout
        } else if error.is_decode() {
            PortalError::Malformed(error.to_string())
        } else {
            PortalError::Unreachable(error.without_url().to_string())
        }
    }
}

/// One portal's base URL and an HTTP client with timeouts.
#[derive(Clone, Debug)]
pub struct PortalClient {
    http: reqwest::Client,
    base: Url,
}

impl PortalClient {
    pub fn new(
        base: Url,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self, PortalError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(connect_timeout)
            .user_agent(concat!("okno/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PortalError::Unreachable(e.to_string()))?;
        Ok(PortalClient { http, base })
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Result<Url, PortalError> {
        self.base
            .join(path)
            .map_err(|e| PortalError::Malformed(e.to_string()))
    }

    /// Reads one page of a dictionary (`POST /api/nsi/v1/dictionary/{code}`, no auth).
    pub async fn dictionary_page(
        &self,
        code: &str,
        page_num: u32,
        page_size: u32,
    ) -> Result<DictionaryResponse, PortalError> {
        let request = DictionaryRequest {
            tree_filtering: "ONELEVEL".to_owned(),
            parent_ref_item_value: String::new(),
            page_num,
            page_size,
        };
        let response = self
            .http
            .post(self.url(&format!("api/nsi/v1/dictionary/{code}"))?)
            .json(&request)
            .send()
            .await?;
        let page: DictionaryResponse = decode(response).await?;
        if page.error.code != 0 {
            return Err(PortalError::Refused {
                status: StatusCode::OK,
                code: page.error.code.to_string(),
                message: page.error.message,
            });
        }
        Ok(page)
    }

    /// The whole service catalog, page by page.
    pub async fn services(&self) -> Result<Vec<ServiceSummary>, PortalError> {
        let mut services = Vec::new();
        for page_num in 1.. {
            let page = self
                .dictionary_page(SERVICE_CATALOG_DICTIONARY, page_num, CATALOG_PAGE_SIZE)
                .await?;
            let received = page.items.len();
            services.extend(page.items.into_iter().map(|item| ServiceSummary {
                agency: item.attribute("agency").unwrap_or_default().to_owned(),
                code: item.value,
                title: item.title,
            }));
            if received == 0 || services.len() as u64 >= page.total {
                break;
            }
        }
        Ok(services)
    }

    /// Creates an order (`POST /api/gusmev/order`) on behalf of the citizen whose ESIA token is given.
    pub async fn create_order(&self, token: &str, meta: &OrderMeta) -> Result<u64, PortalError> {
        let response = self
            .http
            .post(self.url("api/gusmev/order")?)
            .bearer_auth(token)
            .json(meta)
            .send()
            .await?;
        Ok(decode::<OrderCreated>(response).await?.order_id)
    }

    /// Pushes a flat zip with `req.xml` (`POST /api/gusmev/push`), into `meta.order_id`'s draft
    /// or a new order.
    pub async fn push(
        &self,
        token: &str,
        meta: &PushMeta,
        archive: Vec<u8>,
    ) -> Result<u64, PortalError> {
        let meta =
            serde_json::to_string(meta).map_err(|e| PortalError::Malformed(e.to_string()))?;
        let file = reqwest::multipart::Part::bytes(archive)
            .file_name("archive.zip")
            .mime_str("application/zip")
            .map_err(|e| PortalError::Malformed(e.to_string()))?;
        let form = reqwest::multipart::Form::new()
            .text("meta", meta)
            .part("file", file);
        let response = self
            .http
            .post(self.url("api/gusmev/push")?)
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await?;
        Ok(decode::<OrderCreated>(response).await?.order_id)
    }

    /// Sends one part of a chunked push; `Ok(true)` once the portal has the whole archive (200),
    /// `Ok(false)` for an accepted intermediate part (206).
    pub async fn push_chunk(
        &self,
        token: &str,
        order_id: u64,
        chunk: u32,
        chunks: u32,
        bytes: Vec<u8>,
    ) -> Result<bool, PortalError> {
        let file = reqwest::multipart::Part::bytes(bytes).file_name("archive.zip");
        let form = reqwest::multipart::Form::new()
            .text("orderId", order_id.to_string())
            .text("chunk", chunk.to_string())
            .text("chunks", chunks.to_string())
            .part("file", file);
        let url = self.url("api/gusmev/push/chunked")?;
        let response = self
            .http
            .post(url)
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await?;
        let complete = response.status() == StatusCode::OK;
        decode::<OrderCreated>(response).await?;
        Ok(complete)
    }

    /// The order with its status history; `None` when the portal does not know it (204).
    pub async fn order(&self, token: &str, order_id: u64) -> Result<Option<Order>, PortalError> {
        let url = self.url(&format!("api/gusmev/order/{order_id}"))?;
        let response = self.http.post(url).bearer_auth(token).send().await?;
        if response.status() == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        let envelope: OrderDetailsEnvelope = decode(response).await?;
        serde_json::from_str(&envelope.order)
            .map(Some)
            .map_err(|e| PortalError::Malformed(e.to_string()))
    }

    /// Cancels an order, giving the portal the `reason` it demands.
    pub async fn cancel(
        &self,
        token: &str,
        order_id: u64,
        reason: &str,
    ) -> Result<(), PortalError> {
        let mut url = self.url(&format!("api/gusmev/order/{order_id}/cancel"))?;
        url.query_pairs_mut().append_pair("reason", reason);
        let response = self.http.post(url).bearer_auth(token).send().await?;
        decode::<serde_json::Value>(response).await.map(|_| ())
    }

    /// Orders updated after `updated_after` (`YYYY-MM-DDTHH:mm:ss.SSS`, Moscow time), one page.
    pub async fn updated_after(
        &self,
        token: &str,
        updated_after: &str,
        page_num: u32,
        page_size: u32,
    ) -> Result<StatusPage, PortalError> {
        let mut url = self.url("api/gusmev/order/getUpdatedAfter")?;
        url.query_pairs_mut()
            .append_pair("pageNum", &page_num.to_string())
            .append_pair("pageSize", &page_size.to_string())
            .append_pair("updatedAfter", updated_after);
        decode(self.http.get(url).bearer_auth(token).send().await?).await
    }

    /// Current statuses of the given orders, one page.
    pub async fn orders_status(
        &self,
        token: &str,
        order_ids: &[u64],
        page_num: u32,
        page_size: u32,
    ) -> Result<StatusPage, PortalError> {
        let ids: Vec<String> = order_ids.iter().map(u64::to_string).collect();
        let mut url = self.url("api/gusmev/order/getOrdersStatus")?;
        url.query_pairs_mut()
            .append_pair("orderIds", &ids.join(","))
            .append_pair("pageNum", &page_num.to_string())
            .append_pair("pageSize", &page_size.to_string());
        decode(self.http.get(url).bearer_auth(token).send().await?).await
    }
}

/// Reads a success body, or turns the portal's `{"code","message"}` error body into `Refused`.
async fn decode<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, PortalError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response.json().await?);
    }
    let body = response.bytes().await.unwrap_or_default();
    let error: PortalErrorBody =
        serde_json::from_slice(&body).unwrap_or_else(|_| PortalErrorBody {
            code: "unknown".to_owned(),
            message: String::from_utf8_lossy(&body).chars().take(200).collect(),
        });
    Err(PortalError::Refused {
        status,
        code: error.code,
        message: error.message,
    })
}

/// The portal for each mode: test keys reach the sandbox, live keys the live portal.
#[derive(Clone, Debug, Default)]
pub struct Portals {
    pub test: Option<PortalClient>,
    pub live: Option<PortalClient>,
}

impl Portals {
    pub fn for_mode(&self, mode: Mode) -> Result<&PortalClient, AppError> {
        match mode {
            Mode::Test => self.test.as_ref(),
            Mode::Live => self.live.as_ref(),
        }
        .ok_or(AppError::ModeNotConfigured)
    }
}
