//! The six Partner API endpoints: documents in JSON or XML, one call into `PartnerApi` each.

use axum::{
    Extension,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
    response::Response,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::{
    AppState,
    formats::{self, Document, DocumentError, Negotiated},
};
use crate::{
    gateway::Caller,
    partner_api::{
        Refusal, RefusalKind,
        listings::{ListingPrices, NewListing, NewPricePeriod, ServiceQuery},
    },
    storage::{ApplicationRecord, CatalogPosition},
};

/// A refusal as the error document, with the HTTP status its kind calls for.
pub fn document_error(refusal: Refusal) -> DocumentError {
    let status = match refusal.kind {
        RefusalKind::BadRequest => StatusCode::BAD_REQUEST,
        RefusalKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalKind::NotFound => StatusCode::NOT_FOUND,
        RefusalKind::Conflict => StatusCode::CONFLICT,
        RefusalKind::Forbidden => StatusCode::FORBIDDEN,
        RefusalKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let error = DocumentError::new(status, refusal.code, refusal.message);
    match refusal.field {
        Some(field) => error.with_field(field),
        None => error,
    }
}

/// A query string that does not parse: 400 with the reason.
pub fn query_error(rejection: QueryRejection) -> DocumentError {
    DocumentError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        format!("The query string is not valid: {}", rejection.body_text()),
    )
}

pub use crate::clock::rfc3339_millis as rfc3339;

// ---- GET /services/list ----

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ServiceListQuery {
    /// Only this agency's services, e.g. `fns`, `sfr`.
    agency: Option<String>,
    /// Only services available in this region: an 11-digit OKATO code.
    #[param(pattern = "^[0-9]{11}$", example = "45286560000")]
    region: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceItem {
    /// The service id (the portal's service code) other calls take.
    service_id: String,
    /// The partner's title for it, or the registry's.
    title: String,
    /// The registry's title, in Russian.
    original_title: String,
    agency: String,
    summary: String,
    /// `simplified`, `standard` or `confirmed`: the Gosuslugi account level it needs.
    required_level: String,
    /// OKATO prefixes it is limited to; empty when available everywhere in Russia.
    regions: Vec<String>,
    /// Its place in the partner's order.
    position: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    items: Vec<ServiceItem>,
    page: u32,
    per_page: u32,
    total: u32,
}

#[utoipa::path(get, path = "/services/list", tag = "services", params(ServiceListQuery),
    responses((status = 200, content((ServiceList = "application/json"), (ServiceList = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn list_services(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
    query: Result<Query<ServiceListQuery>, QueryRejection>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let Query(query) = query.map_err(query_error)?;
    let page = state
        .partner_api
        .list_services(
            &caller,
            &ServiceQuery {
                agency: query.agency,
                region: query.region,
                page: query.page,
                per_page: query.per_page,
            },
        )
        .await
        .map_err(document_error)?;
    let items = page
        .items
        .into_iter()
        .map(|item| ServiceItem {
            service_id: item.service.code.clone(),
            title: item.title,
            original_title: item.service.title.clone(),
            agency: serde_json::to_value(item.service.agency)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            summary: item.service.summary.clone(),
            required_level: serde_json::to_value(item.service.required_level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            regions: match &item.service.regions {
                app::services::RegionRule::AllRussia => Vec::new(),
                app::services::RegionRule::Regions { okato_prefixes, .. } => okato_prefixes.clone(),
            },
            position: item.position,
        })
        .collect();
    let body = ServiceList {
        items,
        page: page.page,
        per_page: page.per_page,
        total: page.total,
    };
    Ok(formats::respond(format, StatusCode::OK, "services", &body))
}

// ---- POST /services/create ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateListing {
    /// A `service_id` from `/services/list`.
    #[schema(example = "10000000109")]
    service_id: String,
    /// 1–200 characters.
    #[schema(min_length = 1, max_length = 200, example = "Оформим пенсию за вас")]
    title: String,
    /// 1–4000 characters.
    #[schema(min_length = 1, max_length = 4000)]
    description: String,
    /// How many days the service takes, as the partner shows it (1–365).
    #[schema(minimum = 1, maximum = 365)]
    deadline_days: Option<i64>,
    /// The partner's own id for the listing (1–100 characters, unique per mode).
    #[schema(min_length = 1, max_length = 100)]
    partner_reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Listing {
    listing_id: String,
    service_id: String,
    title: String,
    description: String,
    deadline_days: Option<i64>,
    partner_reference: Option<String>,
    created_at: String,
}

#[utoipa::path(post, path = "/services/create", tag = "services",
    request_body(content((CreateListing = "application/json"), (CreateListing = "application/xml"))),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the stored answer for a repeated request (kept 24 h)")),
    responses((status = 201, content((Listing = "application/json"), (Listing = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn create_listing(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
    Document(request): Document<CreateListing>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let listing = state
        .partner_api
        .create_listing(
            &caller,
            &NewListing {
                service_id: request.service_id,
                title: request.title,
                description: request.description,
                deadline_days: request.deadline_days,
                partner_reference: request.partner_reference,
            },
        )
        .await
        .map_err(document_error)?;
    let body = Listing {
        listing_id: listing.id,
        service_id: listing.service_code,
        title: listing.title,
        description: listing.description,
        deadline_days: listing.deadline_days,
        partner_reference: listing.partner_reference,
        created_at: rfc3339(listing.created_at),
    };
    Ok(formats::respond(
        format,
        StatusCode::CREATED,
        "listing",
        &body,
    ))
}

// ---- GET/POST /services/status ----

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// Comma-separated application ids (up to 500); when given, `updated_after` is ignored.
    ids: Option<String>,
    /// The `next_cursor` of the previous page; absent to start from the beginning.
    updated_after: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationStatus {
    application_id: String,
    service_id: String,
    /// The portal's status code (`statusId`).
    status_code: i32,
    /// Its name in Russian, as the portal shows it.
    status_name: String,
    updated_at: String,
}

impl From<ApplicationRecord> for ApplicationStatus {
    fn from(a: ApplicationRecord) -> Self {
        ApplicationStatus {
            status_name: u32::try_from(a.status_code)
                .ok()
                .and_then(app::statuses::find)
                .map(|s| s.name_ru.to_owned())
                .unwrap_or_default(),
            application_id: a.id,
            service_id: a.service_code,
            status_code: a.status_code,
            updated_at: rfc3339(a.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusList {
    items: Vec<ApplicationStatus>,
    /// Pass as `updated_after` to read on; absent when this page was empty.
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/services/status", tag = "applications", params(StatusQuery),
    responses((status = 200, content((StatusList = "application/json"), (StatusList = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn statuses(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let Query(query) = query.map_err(query_error)?;
    let ids: Option<Vec<String>> = query.ids.map(|ids| {
        ids.split(',')
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
            .collect()
    });
    let page = state
        .partner_api
        .statuses(
            &caller,
            ids.as_deref(),
            query.updated_after.as_deref(),
            query.limit,
        )
        .await
        .map_err(document_error)?;
    let body = StatusList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(formats::respond(format, StatusCode::OK, "statuses", &body))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    application_id: String,
    /// A portal status code, e.g. 3 (Услуга оказана).
    #[schema(example = 3)]
    status_code: i64,
}

#[utoipa::path(post, path = "/services/status", tag = "applications",
    description = "Sets an application's status. Test mode only, to drive the sandbox; a live key gets 403 `forbidden_in_live_mode`.",
    request_body(content((SetStatus = "application/json"), (SetStatus = "application/xml"))),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the stored answer for a repeated request (kept 24 h)")),
    responses((status = 200, content((ApplicationStatus = "application/json"), (ApplicationStatus = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn set_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
    Document(request): Document<SetStatus>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let updated = state
        .partner_api
        .set_status(&caller, &request.application_id, request.status_code)
        .await
        .map_err(document_error)?;
    Ok(formats::respond(
        format,
        StatusCode::OK,
        "application",
        &ApplicationStatus::from(updated),
    ))
}

// ---- POST /catalog/sync ----

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// The partner's product position id (1–100 characters, unique in the request).
    #[schema(min_length = 1, max_length = 100, example = "sku-1")]
    position_id: String,
    #[schema(example = "10000000109")]
    service_id: String,
    /// The position's title on the partner's platform.
    #[schema(min_length = 1, max_length = 200)]
    title: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogSync {
    /// The complete list: positions not in it are removed.
    #[serde(with = "formats::list")]
    positions: Vec<Position>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResult {
    created: Vec<String>,
    updated: Vec<String>,
    removed: Vec<String>,
}

#[utoipa::path(post, path = "/catalog/sync", tag = "catalog",
    description = "Makes the partner's product positions exactly the list sent; sending the same list again changes nothing.",
    request_body(content((CatalogSync = "application/json"), (CatalogSync = "application/xml"))),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the stored answer for a repeated request (kept 24 h)")),
    responses((status = 200, content((SyncResult = "application/json"), (SyncResult = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn sync_catalog(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
    Document(request): Document<CatalogSync>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let positions: Vec<CatalogPosition> = request
        .positions
        .into_iter()
        .map(|p| CatalogPosition {
            position_id: p.position_id,
            service_code: p.service_id,
            title: p.title,
        })
        .collect();
    let outcome = state
        .partner_api
        .sync_catalog(&caller, &positions)
        .await
        .map_err(document_error)?;
    let body = SyncResult {
        created: outcome.created,
        updated: outcome.updated,
        removed: outcome.removed,
    };
    Ok(formats::respond(format, StatusCode::OK, "sync", &body))
}

// ---- POST /pricing/update ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricePeriodDocument {
    /// First day, `YYYY-MM-DD`.
    #[schema(format = Date, example = "2026-12-01")]
    effective_from: String,
    /// Last day (inclusive); absent: open-ended.
    #[schema(format = Date)]
    effective_to: Option<String>,
    /// The fee in kopecks, zero or more.
    #[schema(minimum = 0, example = 150000)]
    amount_kopecks: i64,
    /// Always `RUB`.
    #[schema(pattern = "^RUB$", example = "RUB")]
    currency: String,
    #[schema(max_length = 2000)]
    conditions: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingPricing {
    listing_id: String,
    /// The listing's complete schedule; periods must not overlap.
    #[serde(with = "formats::list")]
    periods: Vec<PricePeriodDocument>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingUpdate {
    #[serde(with = "formats::list")]
    listings: Vec<ListingPricing>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PricingResult {
    updated: Vec<String>,
}

#[utoipa::path(post, path = "/pricing/update", tag = "catalog",
    description = "Replaces the price schedule of each listing given, all or nothing. Negative amounts and overlapping periods are refused.",
    request_body(content((PricingUpdate = "application/json"), (PricingUpdate = "application/xml"))),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the stored answer for a repeated request (kept 24 h)")),
    responses((status = 200, content((PricingResult = "application/json"), (PricingResult = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn update_pricing(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
    Document(request): Document<PricingUpdate>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let updates: Vec<ListingPrices> = request
        .listings
        .into_iter()
        .map(|l| ListingPrices {
            listing_id: l.listing_id,
            periods: l
                .periods
                .into_iter()
                .map(|p| NewPricePeriod {
                    effective_from: p.effective_from,
                    effective_to: p.effective_to,
                    amount_kopecks: p.amount_kopecks,
                    currency: p.currency,
                    conditions: p.conditions,
                })
                .collect(),
        })
        .collect();
    let updated = state
        .partner_api
        .update_prices(&caller, &updates)
        .await
        .map_err(document_error)?;
    Ok(formats::respond(
        format,
        StatusCode::OK,
        "pricing",
        &PricingResult { updated },
    ))
}

// ---- GET /feedback/get ----

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedbackQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackItem {
    feedback_id: String,
    application_id: String,
    /// 1 to 5.
    rating: i32,
    comment: String,
    created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackList {
    items: Vec<FeedbackItem>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/feedback/get", tag = "applications", params(FeedbackQuery),
    responses((status = 200, content((FeedbackList = "application/json"), (FeedbackList = "application/xml"))), (status = "4XX", body = super::openapi::ErrorDocument)),
    security(("message_signature" = [])))]
pub async fn feedback(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    negotiated: Negotiated,
    query: Result<Query<FeedbackQuery>, QueryRejection>,
) -> Result<Response, DocumentError> {
    let format = negotiated.check().map_err(|r| r.error)?;
    let Query(query) = query.map_err(query_error)?;
    let page = state
        .partner_api
        .feedback(&caller, query.cursor.as_deref(), query.limit)
        .await
        .map_err(document_error)?;
    let items = page
        .items
        .into_iter()
        .map(|f| FeedbackItem {
            feedback_id: f.id,
            application_id: f.application_id,
            rating: f.rating,
            comment: f.comment,
            created_at: rfc3339(f.created_at),
        })
        .collect();
    Ok(formats::respond(
        format,
        StatusCode::OK,
        "feedback",
        &FeedbackList {
            items,
            next_cursor: page.next_cursor,
        },
    ))
}
