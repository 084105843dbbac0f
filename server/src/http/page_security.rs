//! A strict Content-Security-Policy on okno's own HTML pages: scripts only from okno or carrying
//! this response's nonce (Leptos puts it on its hydration scripts), WASM allowed, nothing inline
//! otherwise, no plugins, forms and connections only to okno. `frame-ancestors` is set apart,
//! per partner, by the widget guard; browsers enforce both policies.

use axum::{
    extract::Request,
    http::{HeaderValue, header::CONTENT_SECURITY_POLICY, header::CONTENT_TYPE},
    middleware::Next,
    response::Response,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// The nonce of the response being rendered (read by the Leptos context in `http::router`).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'"
    )
}

pub async fn strict_csp(mut request: Request, next: Next) -> Response {
    let nonce = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && let Ok(value) = HeaderValue::from_str(&policy(&nonce)) {
        response
            .headers_mut()
            .append(CONTENT_SECURITY_POLICY, value);
    }
    response
}
