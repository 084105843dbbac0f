//! The Partner API's OpenAPI 3.1 document, generated from the handlers (utoipa), served at
//! `/api/v1/openapi.json`, and a readable page at `/api/v1/docs` that explains signing.

use axum::{
    Json,
    http::{HeaderValue, header},
    response::{Html, IntoResponse, Response},
};
use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

use super::{endpoints, webhook_endpoints};

/// The error document every refusal carries (in JSON; the same fields as XML elements).
#[derive(Serialize, ToSchema)]
pub struct ErrorDocument {
    error: ErrorBody,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine code, e.g. `signature_expired`, `invalid_field`.
    code: String,
    /// What is wrong and how to fix it.
    message: String,
    /// The field at fault, as a path (`positions[2].service_id`).
    field: Option<String>,
    request_id: Option<String>,
}

struct Signing;

impl Modify for Signing {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "message_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Signature",
                "RFC 9421 HTTP Message Signature with `Signature-Input` and `Content-Digest`; see the description above.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "okno Partner API", version = "1", description = include_str!("signing.md")),
    servers((url = "/api/v1")),
    paths(
        endpoints::list_services, endpoints::create_listing, endpoints::statuses, endpoints::set_status,
        endpoints::sync_catalog, endpoints::update_pricing, endpoints::feedback,
        webhook_endpoints::register, webhook_endpoints::list, webhook_endpoints::rotate_secret,
        webhook_endpoints::deliveries, webhook_endpoints::redeliver,
    ),
    components(schemas(ErrorDocument, ErrorBody)),
    modifiers(&Signing),
    tags((name = "services"), (name = "applications"), (name = "catalog"), (name = "webhooks")),
)]
pub struct PartnerApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(PartnerApiDoc::openapi())
}

/// A plain page: the signing guide, then every endpoint (no scripts, so the strict CSP holds).
pub async fn page() -> Response {
    let spec = PartnerApiDoc::openapi();
    let mut body = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>okno Partner API</title>\
         <style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}\
         pre{background:#f4f4f4;padding:1rem;overflow:auto}code{background:#f4f4f4}</style></head><body>\
         <h1>okno Partner API</h1><p>Machine-readable: <a href=\"openapi.json\">openapi.json</a> (OpenAPI 3.1).</p><pre>",
    );
    body.push_str(&escape(include_str!("signing.md")));
    body.push_str("</pre><h2>Endpoints</h2><ul>");
    for (path, item) in &spec.paths.paths {
        for (method, operation) in [("GET", &item.get), ("POST", &item.post)] {
            if let Some(operation) = operation {
                body.push_str(&format!(
                    "<li><code>{method} /api/v1{}</code> — {}</li>",
                    escape(path),
                    escape(
                        operation
                            .description
                            .as_deref()
                            .or(operation.summary.as_deref())
                            .unwrap_or("")
                    )
                ));
            }
        }
    }
    body.push_str("</ul></body></html>");
    let mut response = Html(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
