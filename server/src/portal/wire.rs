//! The portal's JSON shapes (see the EPGU reference), shared by the client and the sandbox portal.

use serde::{Deserialize, Serialize};

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
