//! `POST /api/nsi/v1/dictionary/{code}`: the portal's dictionaries; the sandbox publishes its
//! service catalog as one.

use axum::{
    Json,
    extract::{Path, rejection::JsonRejection},
    http::StatusCode,
};

use super::PortalRefusal;
use crate::portal::{
    SERVICE_CATALOG_DICTIONARY,
    wire::{
        DictionaryAttribute, DictionaryItem, DictionaryRequest, DictionaryResponse,
        DictionaryStatus,
    },
};
use crate::registry;

const MAX_PAGE_SIZE: u32 = 1_000;

pub async fn dictionary(
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
    let items = registry::all()
        .iter()
        .skip(skip)
        .take(request.page_size as usize)
        .map(|service| DictionaryItem {
            value: service.code.clone(),
            parent_value: None,
            title: service.title.clone(),
            is_leaf: true,
            children: Vec::new(),
            attributes: [
                ("agency", service.agency.short_name_ru().to_owned()),
                ("summary", service.summary.clone()),
                ("deadline", service.deadline.describe_ru()),
                ("fee", service.fee.describe_ru()),
                (
                    "requiredLevel",
                    service.required_level.label_ru().to_owned(),
                ),
            ]
            .into_iter()
            .map(|(name, value)| DictionaryAttribute {
                name: name.to_owned(),
                kind: "STRING".to_owned(),
                value,
            })
            .collect(),
        })
        .collect();
    Ok(Json(DictionaryResponse {
        error: DictionaryStatus {
            code: 0,
            message: "operation completed".to_owned(),
        },
        field_errors: Vec::new(),
        total: registry::all().len() as u64,
        items,
    }))
}
