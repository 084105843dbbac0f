//! The sign-in popup's routes: `/w/{key}/signin` (behind the widget guard) sends the popup to
//! ESIA; `/signin/callback` takes it back and hands a one-time code to the widget frame over
//! postMessage. The frame trades that code with the `collect_signin` server function.

use app::{
    components::{citizen_flow::SIGNIN_MESSAGE, error_notice::error_document},
    error::AppError,
    lang::Lang,
    partner::PartnerView,
};
use axum::{
    Extension, Router,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::json;

use super::{AppState, page_security::CspNonce};
use crate::signin::SigninOrigin;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/w/{key}/signin", get(start))
        .route("/signin/callback", get(callback))
}

fn page_error(error: AppError, lang: Lang) -> Response {
    let status = match error {
        AppError::SigninExpired | AppError::SigninCancelled => StatusCode::BAD_REQUEST,
        AppError::ModeNotConfigured => StatusCode::SERVICE_UNAVAILABLE,
        AppError::EsiaUnavailable => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, Html(error_document(error, lang))).into_response()
}

#[derive(Deserialize)]
struct StartQuery {
    /// ESIA scopes the service needs, space-separated.
    scope: Option<String>,
}

/// The guard has checked the key and the embedding origin; the popup goes on to ESIA.
async fn start(
    State(state): State<AppState>,
    Extension(partner): Extension<PartnerView>,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(partner_id) = state
        .partners
        .resolve(&partner.publishable_key)
        .await
        .ok()
        .map(|p| p.id)
    else {
        return page_error(AppError::KeyUnknown, partner.lang);
    };
    let from = SigninOrigin {
        partner_id,
        publishable_key: partner.publishable_key.clone(),
        mode: partner.mode,
        origin: partner
            .parent_origin
            .clone()
            .unwrap_or_else(|| state.okno_origin.clone()),
    };
    match state.signin.start(&from, query.scope.as_deref()).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(error) => page_error(error, partner.lang),
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Back from ESIA: a small page that tells the frame that opened it (only on okno's own origin)
/// how the sign-in ended — the one-time code, or that the account is not confirmed — and closes.
async fn callback(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(oauth_state) = query.state.as_deref() else {
        return page_error(AppError::SigninExpired, Lang::Ru);
    };
    let finished = state
        .signin
        .finish(
            query.code.as_deref(),
            oauth_state,
            query.error.as_deref(),
            query.error_description.as_deref(),
        )
        .await;
    let (message, ru, en) = match finished {
        Ok(code) => (
            json!({ "type": SIGNIN_MESSAGE, "version": 1, "code": code }),
            "Вход выполнен. Вернитесь на страницу с заявлением — это окно закроется само.",
            "Signed in. Return to the page with the application; this window closes by itself.",
        ),
        Err(error @ AppError::AccountNotConfirmed) => (
            json!({ "type": SIGNIN_MESSAGE, "version": 1, "error": error.code() }),
            error.message_ru(),
            error.message_en(),
        ),
        // The stored attempt does not keep the widget's language: this page is in Russian
        // first with English beside it, like the success page below.
        Err(error) => return page_error(error, Lang::Ru),
    };
    let origin = json!(state.okno_origin);
    let html = format!(
        "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Вход через Госуслуги</title>\
         <link rel=\"stylesheet\" href=\"/pkg/okno.css\"></head><body><main class=\"widget\">\
         <p data-testid=\"signin-done\">{ru}</p><p lang=\"en\">{en}</p></main>\
         <script nonce=\"{}\">if (window.opener) {{ window.opener.postMessage({message}, {origin}); window.close(); }}</script>\
         </body></html>",
        nonce.0
    );
    let mut response = Html(html).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
