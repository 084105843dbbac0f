//! The HTTP pipeline: routes, static files and the middleware stack in front of them.

pub mod applications;
pub mod deadline;
pub mod error;
pub mod formats;
pub mod header_limit;
pub mod health;
pub mod page_security;
pub mod partner_api;
pub mod same_origin;
pub mod sandbox_faults;
pub mod signin;
pub mod state;
pub mod tokens;
pub mod widget_guard;

use app::{App, backend::SharedBackend, shell};
use axum::{
    Router,
    http::{HeaderName, HeaderValue, header},
    middleware,
};
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::{Layer, ServiceBuilder};
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::{ServeDir, ServeFile},
    set_header::{SetResponseHeader, SetResponseHeaderLayer},
    trace::TraceLayer,
};

pub use state::AppState;

/// Largest request body okno accepts on any route: a 5 MiB attachment and a little more.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024 + 64 * 1024;
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let site_root = state.leptos.site_root.to_string();
    let backend: SharedBackend = state.widget.clone();
    let context = move || {
        provide_context(backend.clone());
        // Leptos' hydration scripts carry the nonce the strict CSP of this response names.
        let nonce = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<page_security::CspNonce>().cloned());
        if let Some(nonce) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
    };
    let render_app = {
        let options = state.leptos.clone();
        move || shell(options.clone())
    };
    let not_found =
        leptos_axum::render_app_to_stream_with_context(context.clone(), render_app.clone());

    // Outermost first: every request gets an id, is traced with it, answers with it, gets
    // okno's standard headers (HSTS too over TLS); the stack's own refusals become JSON errors;
    // oversized headers are refused; HTML gets the strict CSP with a fresh nonce; widget pages
    // are guarded (adding their frame-ancestors) and widget calls must come from okno's own
    // pages; then a deadline (longer for uploads) and a body cap. The Partner API adds its own
    // checks (partner_api).
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .option_layer(state.https.then(|| {
            SetResponseHeaderLayer::overriding(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            )
        }))
        .layer(middleware::from_fn(error::json_refusals))
        .layer(middleware::from_fn(header_limit::limit_headers))
        .layer(middleware::from_fn(page_security::strict_csp))
        .layer(middleware::from_fn_with_state(state.clone(), widget_guard::guard))
        .layer(middleware::from_fn_with_state(state.clone(), same_origin::only_from_okno))
        .layer(middleware::from_fn(deadline::deadline))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));

    Router::new()
        .merge(health::router())
        .merge(tokens::router())
        .merge(signin::router())
        .merge(applications::router())
        .nest(partner_api::PREFIX, partner_api::router(state.clone()))
        .route(
            "/sandbox/{key}/faults",
            axum::routing::post(sandbox_faults::set_faults),
        )
        .route_service(
            "/embed.js",
            short_cache(ServeFile::new(format!("{site_root}/embed.js")).precompressed_br()),
        )
        .route_service(
            "/favicon.ico",
            ServeFile::new(format!("{site_root}/favicon.ico")),
        )
        .nest_service(
            "/pkg",
            ServeDir::new(format!("{site_root}/pkg")).precompressed_br(),
        )
        .leptos_routes_with_context(&state, generate_route_list(App), context, render_app)
        .fallback(not_found)
        .layer(stack)
        .with_state(state)
}

/// The loader's URL never changes, so browsers must check back for a new version often.
fn short_cache<S>(service: S) -> SetResponseHeader<S, HeaderValue> {
    SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    )
    .layer(service)
}
