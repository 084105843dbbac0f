//! The EPGU orders API of the sandbox portal: create, push (whole and chunked), details, cancel,
//! `getUpdatedAfter` and `getOrdersStatus`, in the real shapes and error codes.

use std::collections::HashMap;

use app::statuses::{self, DRAFT, PROVIDED};
use axum::{
    Json,
    extract::{Multipart, Path, Query, State, rejection::JsonRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use time::{
    Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset, format_description::BorrowedFormatItem,
    macros::format_description,
};

use super::{
    PortalRefusal, SandboxPortal, lock,
    orders::{ArchiveFile, MAX_ARCHIVE_BYTES, SandboxOrder, read_archive},
};
use crate::{
    portal::wire::{OrderCreated, OrderMeta, PORTAL_TIME, PushMeta},
    registry,
};

/// At most this many applications per citizen per service in `USER_WINDOW`.
const APPLICATIONS_PER_USER: usize = 20;
const USER_WINDOW: Duration = Duration::minutes(10);
/// A chunked push must finish within this time of its first chunk.
const CHUNK_WINDOW: Duration = Duration::minutes(5);
/// Every chunk but the last is at least this big.
const MIN_CHUNK_BYTES: usize = 5_000_000;
/// The sandbox keeps chunked uploads in memory; this caps one.
const MAX_CHUNKED_BYTES: usize = 500_000_000;

/// `updatedAfter`: `YYYY-MM-DDTHH:mm:ss.SSS`, Moscow time.
const UPDATED_AFTER: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]");

fn moscow() -> UtcOffset {
    UtcOffset::from_hms(3, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn portal_time(at: OffsetDateTime) -> String {
    at.to_offset(moscow())
        .format(PORTAL_TIME)
        .unwrap_or_default()
}

fn refusal(status: StatusCode, code: &'static str, message: impl Into<String>) -> PortalRefusal {
    PortalRefusal(status, code, message.into())
}

/// A region is an 11-digit OKATO code; like the real portal, the 2-digit form is accepted too.
fn valid_region(region: &str) -> bool {
    matches!(region.len(), 2 | 11) && region.bytes().all(|b| b.is_ascii_digit())
}

fn check_meta(meta: &OrderMeta) -> Result<(), PortalRefusal> {
    if !valid_region(&meta.region) {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "region: код ОКАТО из 11 цифр",
        ));
    }
    if registry::find(&meta.service_code).is_none() {
        let message = format!("Услуга {} не найдена", meta.service_code);
        return Err(refusal(StatusCode::NOT_FOUND, "service_not_found", message));
    }
    if meta.target_code != format!("-{}", meta.service_code) {
        let message = format!(
            "targetCode {} не относится к услуге {}",
            meta.target_code, meta.service_code
        );
        return Err(refusal(StatusCode::BAD_REQUEST, "bad_request", message));
    }
    Ok(())
}

/// Creates a draft order after the per-user limit check.
fn create(portal: &SandboxPortal, citizen: &str, meta: OrderMeta) -> Result<u64, PortalRefusal> {
    check_meta(&meta)?;
    let now = portal.clock.now();
    let mut orders = lock(&portal.orders);
    if orders.count_recent(citizen, &meta.service_code, now - USER_WINDOW) >= APPLICATIONS_PER_USER
    {
        let message = format!("Не более {APPLICATIONS_PER_USER} заявлений на услугу за 10 минут");
        return Err(refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "limitation_exception",
            message,
        ));
    }
    Ok(orders.create(meta, citizen, now))
}

/// `POST /api/gusmev/order`.
pub async fn create_order(
    State(portal): State<SandboxPortal>,
    headers: HeaderMap,
    body: Result<Json<OrderMeta>, JsonRejection>,
) -> Result<Json<OrderCreated>, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let Json(meta) = body?;
    Ok(Json(OrderCreated {
        order_id: create(&portal, &citizen, meta)?,
    }))
}

/// Reads all multipart fields into memory (the body limit bounds them).
async fn fields(mut multipart: Multipart) -> Result<HashMap<String, Vec<u8>>, PortalRefusal> {
    let mut fields = HashMap::new();
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|e| refusal(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| refusal(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
        fields.insert(name, bytes.to_vec());
    }
    Ok(fields)
}

fn text_field(fields: &HashMap<String, Vec<u8>>, name: &str) -> Result<String, PortalRefusal> {
    let bytes = fields.get(name).ok_or_else(|| {
        refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Нет поля {name}"),
        )
    })?;
    String::from_utf8(bytes.clone()).map_err(|_| {
        refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Поле {name} не в UTF-8"),
        )
    })
}

/// A draft order of this citizen that can still receive an archive.
fn own_draft(portal: &SandboxPortal, citizen: &str, order_id: u64) -> Result<(), PortalRefusal> {
    let order = portal.order(order_id).ok_or_else(|| {
        refusal(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Заявление {order_id} не найдено"),
        )
    })?;
    if order.citizen != citizen {
        return Err(refusal(
            StatusCode::FORBIDDEN,
            "order_access",
            "Заявление принадлежит другому пользователю",
        ));
    }
    if order.status_id() != DRAFT {
        return Err(refusal(
            StatusCode::CONFLICT,
            "push_denied",
            "Заявление уже отправлено",
        ));
    }
    Ok(())
}

/// Reads a pushed archive, or the portal's refusal with the processing code.
fn checked_archive(
    archive: &[u8],
    max: usize,
) -> Result<(Vec<ArchiveFile>, String), PortalRefusal> {
    read_archive(archive, max)
        .map_err(|e| refusal(StatusCode::BAD_REQUEST, "push_denied", e.to_string()))
}

/// `POST /api/gusmev/push`: multipart `meta` + `file` (a flat zip with `req.xml`).
pub async fn push(
    State(portal): State<SandboxPortal>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Json<OrderCreated>, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let fields = fields(multipart).await?;
    let meta: PushMeta = serde_json::from_str(&text_field(&fields, "meta")?)
        .map_err(|e| refusal(StatusCode::BAD_REQUEST, "bad_request", format!("meta: {e}")))?;
    let archive = fields
        .get("file")
        .ok_or_else(|| refusal(StatusCode::BAD_REQUEST, "bad_request", "Нет поля file"))?;
    // Check the archive before anything is created: a refused push leaves nothing behind.
    let (files, request) = checked_archive(archive, MAX_ARCHIVE_BYTES)?;
    let order_id = match meta.order_id {
        Some(order_id) => {
            own_draft(&portal, &citizen, order_id)?;
            order_id
        }
        None => create(&portal, &citizen, meta.meta)?,
    };
    lock(&portal.orders).push(order_id, files, &request, portal.clock.now());
    Ok(Json(OrderCreated { order_id }))
}

/// A chunked push in progress.
pub struct ChunkedUpload {
    citizen: String,
    next: u32,
    chunks: u32,
    started: OffsetDateTime,
    data: Vec<u8>,
}

fn number<T: std::str::FromStr>(
    fields: &HashMap<String, Vec<u8>>,
    name: &str,
) -> Result<T, PortalRefusal> {
    text_field(fields, name)?.trim().parse().map_err(|_| {
        refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Поле {name} должно быть числом"),
        )
    })
}

/// `POST /api/gusmev/push/chunked`: `orderId`, `file`, `chunk` (0…n-1), `chunks`; 206 until the last.
pub async fn push_chunked(
    State(portal): State<SandboxPortal>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let fields = fields(multipart).await?;
    let order_id: u64 = number(&fields, "orderId")?;
    let chunk: u32 = number(&fields, "chunk")?;
    let chunks: u32 = number(&fields, "chunks")?;
    let file = fields
        .get("file")
        .ok_or_else(|| refusal(StatusCode::BAD_REQUEST, "bad_request", "Нет поля file"))?;
    own_draft(&portal, &citizen, order_id)?;
    if chunks == 0 || chunk >= chunks {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "chunk должен быть от 0 до chunks-1",
        ));
    }
    let is_last = chunk + 1 == chunks;
    if file.len() > MAX_ARCHIVE_BYTES || (!is_last && file.len() < MIN_CHUNK_BYTES) {
        let message = format!(
            "Каждая часть, кроме последней, — от {MIN_CHUNK_BYTES} до {MAX_ARCHIVE_BYTES} байт"
        );
        return Err(refusal(StatusCode::BAD_REQUEST, "bad_request", message));
    }
    let now = portal.clock.now();
    let assembled = {
        let mut uploads = lock(&portal.uploads);
        if chunk == 0 {
            uploads.insert(
                order_id,
                ChunkedUpload {
                    citizen: citizen.clone(),
                    next: 0,
                    chunks,
                    started: now,
                    data: Vec::new(),
                },
            );
        }
        let upload = uploads
            .get_mut(&order_id)
            .filter(|u| u.citizen == citizen)
            .ok_or_else(|| {
                refusal(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "Загрузка частями начинается с chunk=0",
                )
            })?;
        if now - upload.started > CHUNK_WINDOW {
            uploads.remove(&order_id);
            return Err(refusal(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Все части нужно передать за 5 минут",
            ));
        }
        if chunk != upload.next || chunks != upload.chunks {
            let message = format!("Ожидалась часть {} из {}", upload.next, upload.chunks);
            return Err(refusal(StatusCode::BAD_REQUEST, "bad_request", message));
        }
        if upload.data.len() + file.len() > MAX_CHUNKED_BYTES {
            uploads.remove(&order_id);
            return Err(refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                "push_denied",
                "Архив слишком велик для песочницы",
            ));
        }
        upload.data.extend_from_slice(file);
        upload.next += 1;
        if !is_last {
            return Ok(
                (StatusCode::PARTIAL_CONTENT, Json(OrderCreated { order_id })).into_response(),
            );
        }
        uploads
            .remove(&order_id)
            .map(|u| u.data)
            .unwrap_or_default()
    };
    let (files, request) = checked_archive(&assembled, MAX_CHUNKED_BYTES)?;
    lock(&portal.orders).push(order_id, files, &request, portal.clock.now());
    Ok(Json(OrderCreated { order_id }).into_response())
}

/// This citizen's order, with the portal's errors for the others.
fn own_order(
    portal: &SandboxPortal,
    citizen: &str,
    order_id: u64,
) -> Result<Option<SandboxOrder>, PortalRefusal> {
    match portal.order(order_id) {
        None => Ok(None),
        Some(order) if order.citizen != citizen => Err(refusal(
            StatusCode::FORBIDDEN,
            "order_access",
            "Заявление принадлежит другому пользователю",
        )),
        Some(order) => Ok(Some(order)),
    }
}

fn mime_type(file_name: &str) -> &'static str {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xml") {
        "application/xml"
    } else if lower.ends_with(".pdf") {
        "application/pdf"
    } else {
        "application/octet-stream"
    }
}

fn status_name(status_id: u32) -> &'static str {
    statuses::find(status_id).map_or("", |s| s.name_ru)
}

/// The order object as the portal describes it.
fn order_object(order: &SandboxOrder) -> Value {
    let history: Vec<Value> = order
        .history
        .iter()
        .map(|entry| {
            let is_final = statuses::is_final(entry.status_id);
            json!({
                "id": entry.id, "statusId": entry.status_id, "title": status_name(entry.status_id),
                "date": portal_time(entry.at), "orderId": order.id, "finalStatus": is_final,
                "cancelAllowed": !is_final, "hasResult": entry.status_id == PROVIDED,
                "sender": "ЕПГУ", "comment": entry.comment,
                "stateOrgStatusCode": null, "stateOrgStatusDescr": null,
            })
        })
        .collect();
    let files: Vec<Value> = order
        .files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let kind = if file.name == "req.xml" {
                "REQUEST"
            } else {
                "ATTACHMENT"
            };
            let mime = mime_type(&file.name);
            json!({
                "id": order.id * 100 + i as u64, "fileName": file.name, "mimeType": mime,
                "link": format!("/api/storage/v2/files/{}/{}/download", order.id, i),
                "hasDigitalSignature": false, "fileSize": file.content.len(), "type": kind,
            })
        })
        .collect();
    let service = registry::find(&order.meta.service_code);
    json!({
        "id": order.id,
        "orderStatusId": order.status_id(),
        "orderStatusName": status_name(order.status_id()),
        "closed": order.is_final(),
        "hasResult": order.status_id() == PROVIDED,
        "eserviceId": order.meta.service_code,
        "serviceTargetId": order.meta.target_code,
        "serviceName": service.map_or("", |s| s.title.as_str()),
        "userSelectedRegion": order.meta.region,
        "personType": "PERSON",
        "stateStructureName": service.map_or("", |s| s.agency.short_name_ru()),
        "orderDate": portal_time(order.created),
        "updated": portal_time(order.updated()),
        "statuses": history,
        "currentStatusHistory": history.last(),
        "orderAttachmentFiles": files,
        "orderResponseFiles": [],
    })
}

/// `POST /api/gusmev/order/{orderId}`: 204 when there is no such order.
pub async fn details(
    State(portal): State<SandboxPortal>,
    Path(order_id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let Some(order) = own_order(&portal, &citizen, order_id)? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let body = json!({
        "code": "OK",
        "message": null,
        "messageId": format!("{:032x}", rand::random::<u128>()),
        "order": order_object(&order).to_string(),
    });
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
pub struct CancelQuery {
    reason: Option<String>,
}

/// `POST /api/gusmev/order/{orderId}/cancel?reason=…`.
pub async fn cancel(
    State(portal): State<SandboxPortal>,
    Path(order_id): Path<u64>,
    Query(query): Query<CancelQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let reason = query
        .reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| {
            refusal(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Укажите причину отмены (reason)",
            )
        })?;
    own_order(&portal, &citizen, order_id)?.ok_or_else(|| {
        refusal(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Заявление {order_id} не найдено"),
        )
    })?;
    match lock(&portal.orders).cancel(order_id, &reason, portal.clock.now()) {
        Some(true) => Ok(Json(json!({ "code": "OK", "message": null }))),
        Some(false) => Err(refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            "cancel_not_allowed",
            "Заявление в финальном статусе",
        )),
        None => Err(refusal(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Заявление {order_id} не найдено"),
        )),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    page_num: Option<usize>,
    page_size: Option<usize>,
    updated_after: Option<String>,
    order_ids: Option<String>,
}

fn found(order: &SandboxOrder) -> Value {
    json!({
        "orderId": order.id,
        "orderSearchStatus": "FOUND",
        "status": { "statusId": order.status_id(), "statusName": status_name(order.status_id()), "updated": portal_time(order.updated()) },
    })
}

fn page(query: &PageQuery, items: Vec<Value>) -> Result<Json<Value>, PortalRefusal> {
    let page_size = query.page_size.unwrap_or(20);
    if page_size == 0 || page_size > 1_000 {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "pageSize от 1 до 1000",
        ));
    }
    let total = items.len();
    let content: Vec<Value> = items
        .into_iter()
        .skip(query.page_num.unwrap_or(0) * page_size)
        .take(page_size)
        .collect();
    Ok(Json(
        json!({ "count": content.len(), "totalCount": total, "content": content }),
    ))
}

/// `GET /api/gusmev/order/getUpdatedAfter?pageNum=&pageSize=&updatedAfter=YYYY-MM-DDTHH:mm:ss.SSS`.
pub async fn updated_after(
    State(portal): State<SandboxPortal>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let text = query.updated_after.as_deref().ok_or_else(|| {
        refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Нет параметра updatedAfter",
        )
    })?;
    let after = PrimitiveDateTime::parse(text, UPDATED_AFTER)
        .map_err(|_| {
            refusal(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "updatedAfter: ГГГГ-ММ-ДДTчч:мм:сс.ммм",
            )
        })?
        .assume_offset(moscow());
    let mut orders: Vec<SandboxOrder> = {
        let mut book = lock(&portal.orders);
        book.advance(portal.clock.now());
        book.all()
            .filter(|o| o.citizen == citizen && o.updated() > after)
            .cloned()
            .collect()
    };
    orders.sort_by_key(|o| (o.updated(), o.id));
    page(&query, orders.iter().map(found).collect())
}

/// `GET /api/gusmev/order/getOrdersStatus?orderIds=1,2&pageNum=0&pageSize=5`.
pub async fn orders_status(
    State(portal): State<SandboxPortal>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let ids: Vec<u64> = query
        .order_ids
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            refusal(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "orderIds: номера через запятую",
            )
        })?;
    let items = ids
        .into_iter()
        .map(
            |id| match portal.order(id).filter(|o| o.citizen == citizen) {
                Some(order) => found(&order),
                None => json!({ "orderId": id, "orderSearchStatus": "NOT_FOUND", "status": null }),
            },
        )
        .collect();
    page(&query, items)
}

/// `GET /api/storage/v2/files/{objectId}/{objectType}/download`: a file of the citizen's order
/// (the sandbox uses the order id and the file's position in the archive).
pub async fn download(
    State(portal): State<SandboxPortal>,
    Path((order_id, index)): Path<(u64, usize)>,
    headers: HeaderMap,
) -> Result<Response, PortalRefusal> {
    let citizen = portal.citizen(&headers)?;
    let file = own_order(&portal, &citizen, order_id)?
        .and_then(|order| order.files.into_iter().nth(index))
        .ok_or_else(|| refusal(StatusCode::NOT_FOUND, "not_found", "Файл не найден"))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, mime_type(&file.name))],
        file.content,
    )
        .into_response())
}
