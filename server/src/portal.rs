//! The gateway's client for the portal's HTTP APIs (EPGU orders and dictionaries), live or sandbox alike.

pub mod wire;

use std::time::Duration;

use app::{catalog::ServiceSummary, error::AppError, partner::Mode};
use reqwest::StatusCode;
use url::Url;

use wire::{DictionaryRequest, DictionaryResponse, OrderCreated, OrderMeta, PortalErrorBody};

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
