//! The portal's JSON shapes (see the EPGU reference), shared by the client and the sandbox portal.

use serde::{Deserialize, Serialize};
use time::{format_description::BorrowedFormatItem, macros::format_description};

/// The portal's timestamps: `2023-11-02T07:27:22.586+0300`.
pub const PORTAL_TIME: &[BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory][offset_minute]"
);

/// Body of `POST /api/nsi/v1/dictionary/{code}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DictionaryRequest {
    pub tree_filtering: String,
    pub parent_ref_item_value: String,
    pub page_num: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DictionaryResponse {
    pub error: DictionaryStatus,
    pub field_errors: Vec<serde_json::Value>,
    pub total: u64,
    pub items: Vec<DictionaryItem>,
}

/// The dictionary API reports success in-band: code 0, "operation completed".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DictionaryStatus {
    pub code: i64,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DictionaryItem {
    pub value: String,
    pub parent_value: Option<String>,
    pub title: String,
    pub is_leaf: bool,
    pub children: Vec<DictionaryItem>,
    pub attributes: Vec<DictionaryAttribute>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DictionaryAttribute {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

impl DictionaryItem {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }
}

/// `meta` of an order: `{"region":"45000000000","serviceCode":"10000000109","targetCode":"-10000000109"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderMeta {
    pub region: String,
    pub service_code: String,
    pub target_code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    pub order_id: u64,
}

/// The portal's error body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortalErrorBody {
    pub code: String,
    pub message: String,
}

/// A push's `meta`: the order's meta, plus the draft to push into when there is one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushMeta {
    #[serde(flatten)]
    pub meta: OrderMeta,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<u64>,
}

/// `POST /api/gusmev/order/{orderId}`: the order travels as an escaped JSON string.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderDetailsEnvelope {
    pub code: String,
    pub message: Option<String>,
    pub message_id: String,
    pub order: String,
}

/// The fields of the portal's order object okno reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: u64,
    pub order_status_id: u32,
    pub order_status_name: String,
    pub closed: bool,
    pub has_result: bool,
    pub eservice_id: String,
    pub service_target_id: String,
    pub updated: String,
    pub statuses: Vec<OrderStatusEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusEntry {
    pub id: u64,
    pub status_id: u32,
    pub title: String,
    pub date: String,
    pub final_status: bool,
    pub comment: String,
}

/// A page of `getUpdatedAfter` / `getOrdersStatus`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusPage {
    pub count: usize,
    pub total_count: usize,
    pub content: Vec<OrderSearchResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSearchResult {
    pub order_id: u64,
    /// `FOUND` or `NOT_FOUND`.
    pub order_search_status: String,
    pub status: Option<OrderStatusSummary>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusSummary {
    pub status_id: u32,
    pub status_name: String,
    pub updated: String,
}
