//! The sandbox ESIA's browser side: the authorization request, the citizen chooser, consent, logout.

use std::collections::HashMap;

use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use time::OffsetDateTime;
use url::Url;

use super::{
    API_ORDER_SCOPE, AuthRequest, EsiaEmulator, EsiaError, IssuedCode, REQUEST_LIFETIME,
    SANDBOX_CLIENT_ID, SCOPES, TIMESTAMP_SKEW, errors, random_id,
};
use crate::{
    esia::{TIMESTAMP_FORMAT, signer::signed_string},
    sandbox::citizens::{AccountLevel, CITIZENS, find},
};

pub fn check_timestamp(esia: &EsiaEmulator, timestamp: &str) -> Result<(), EsiaError> {
    let at =
        OffsetDateTime::parse(timestamp, TIMESTAMP_FORMAT).map_err(|_| errors::BAD_TIMESTAMP)?;
    if (esia.now() - at).abs() > TIMESTAMP_SKEW {
        return Err(errors::BAD_TIMESTAMP);
    }
    Ok(())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — песочница ЕСИА</title></head><body><main>\
         <p><strong>Песочница ЕСИА okno</strong> — тестовые данные, не настоящие Госуслуги.</p>{body}</main></body></html>",
        title = escape(title)
    )
}

/// An error ESIA cannot safely send back to the client system: shown as a page.
fn error_page(error: EsiaError) -> Response {
    let body = format!(
        "<h1>Ошибка входа</h1><p data-testid=\"esia-error\" data-code=\"{}\">{}</p>",
        error.code,
        escape(&error.error_description())
    );
    (StatusCode::BAD_REQUEST, Html(page("Ошибка", &body))).into_response()
}

/// Sends the browser back to the client system with `error`, `error_description` and `state`.
fn redirect_error(redirect_uri: &str, error: EsiaError, state: &str) -> Response {
    let mut url = match Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return error_page(error),
    };
    url.query_pairs_mut()
        .append_pair("error", error.error)
        .append_pair("error_description", &error.error_description())
        .append_pair("state", state);
    Redirect::to(url.as_str()).into_response()
}

/// `GET /aas/oauth2/v2/ac`: checks the request and its `client_secret`, then shows the chooser.
pub async fn authorize(
    State(esia): State<EsiaEmulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |name: &str| {
        query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let (
        Some(client_id),
        Some(client_secret),
        Some(redirect_uri),
        Some(scope),
        Some(timestamp),
        Some(state),
        Some(response_type),
    ) = (
        get("client_id"),
        get("client_secret"),
        get("redirect_uri"),
        get("scope"),
        get("timestamp"),
        get("state"),
        get("response_type"),
    )
    else {
        return error_page(errors::MISSING_PARAMETER);
    };
    if client_id != SANDBOX_CLIENT_ID {
        return error_page(errors::UNKNOWN_CLIENT);
    }
    if !Url::parse(redirect_uri).is_ok_and(|url| matches!(url.scheme(), "http" | "https")) {
        return error_page(errors::BAD_REQUEST);
    }
    let message = signed_string(
        client_id,
        scope,
        get("scope_org").unwrap_or(""),
        timestamp,
        state,
        redirect_uri,
        None,
    );
    if !esia.signer.verify(&message, client_secret) {
        return error_page(errors::SECRET_WRONG);
    }
    if let Err(error) = check_timestamp(&esia, timestamp) {
        return redirect_error(redirect_uri, error, state);
    }
    if response_type != "code" {
        return redirect_error(redirect_uri, errors::BAD_REQUEST, state);
    }
    let scopes: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
    if scopes
        .iter()
        .any(|s| !SCOPES.iter().any(|(known, _)| known == s))
    {
        return redirect_error(redirect_uri, errors::INVALID_SCOPE, state);
    }
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) => None,
        (Some(challenge), Some("S256")) if (43..=128).contains(&challenge.len()) => {
            Some(challenge.to_owned())
        }
        _ => return redirect_error(redirect_uri, errors::BAD_REQUEST, state),
    };
    let permissions = match get("permissions").map(parse_permissions) {
        None => Vec::new(),
        Some(Some(permissions)) => permissions,
        Some(None) => return redirect_error(redirect_uri, errors::BAD_REQUEST, state),
    };
    let request_id = random_id();
    esia.lock().requests.insert(
        request_id.clone(),
        AuthRequest {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state: state.to_owned(),
            code_challenge,
            permissions,
            started: esia.now(),
        },
    );
    Html(page("Вход", &chooser(&request_id))).into_response()
}

/// Reads `permissions` (base64url JSON: `[{"sysname", "purposes": [{"sysname"}], …}]`) into
/// lines for the consent page; `None` when it is not in that shape.
fn parse_permissions(encoded: &str) -> Option<Vec<String>> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let json = URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).ok()?;
    let list: Vec<serde_json::Value> = serde_json::from_slice(&json).ok()?;
    list.iter()
        .map(|permission| {
            let sysname = permission.get("sysname")?.as_str()?;
            let purposes: Vec<&str> = permission
                .get("purposes")
                .and_then(|p| p.as_array())
                .map(|p| {
                    p.iter()
                        .filter_map(|x| x.get("sysname")?.as_str())
                        .collect()
                })
                .unwrap_or_default();
            Some(format!(
                "разрешение {sysname}, цели: {}",
                purposes.join(", ")
            ))
        })
        .collect()
}

fn chooser(request_id: &str) -> String {
    let mut body = String::from("<h1>Войти как тестовый гражданин</h1><ul>");
    for citizen in CITIZENS {
        body.push_str(&format!(
            "<li><form method=\"post\" action=\"/aas/oauth2/v2/ac/login\">\
             <input type=\"hidden\" name=\"request_id\" value=\"{request_id}\">\
             <input type=\"hidden\" name=\"oid\" value=\"{oid}\">\
             <button type=\"submit\" data-testid=\"esia-citizen-{oid}\">{name}</button> \
             — {level}. {purpose}</form></li>",
            oid = citizen.oid,
            name = escape(&citizen.full_name()),
            level = citizen.level.label_ru(),
            purpose = escape(citizen.purpose),
        ));
    }
    body.push_str("</ul>");
    body
}

#[derive(Deserialize)]
pub struct LoginForm {
    request_id: String,
    oid: String,
}

/// `POST …/login`: the citizen picked an account; confirmed-only requests stop other levels.
pub async fn login(State(esia): State<EsiaEmulator>, Form(form): Form<LoginForm>) -> Response {
    let Some(request) = live_request(&esia, &form.request_id, false) else {
        return error_page(errors::INVALID_GRANT);
    };
    let Some(citizen) = find(&form.oid) else {
        return error_page(errors::BAD_REQUEST);
    };
    if request.scopes.iter().any(|s| s == API_ORDER_SCOPE)
        && citizen.level != AccountLevel::Confirmed
    {
        esia.lock().requests.remove(&form.request_id);
        return redirect_error(&request.redirect_uri, errors::NOT_CONFIRMED, &request.state);
    }
    let mut items = String::new();
    for scope in &request.scopes {
        let text = SCOPES
            .iter()
            .find(|(known, _)| known == scope)
            .map_or(scope.as_str(), |(_, t)| t);
        items.push_str(&format!("<li>{}</li>", escape(text)));
    }
    for permission in &request.permissions {
        items.push_str(&format!(
            "<li data-testid=\"esia-permission\">{}</li>",
            escape(permission)
        ));
    }
    let body = format!(
        "<h1>Предоставление прав доступа</h1><p>Система {client} запрашивает доступ к данным \
         {name}:</p><ul data-testid=\"esia-scopes\">{items}</ul>\
         <form method=\"post\" action=\"/aas/oauth2/v2/ac/consent\">\
         <input type=\"hidden\" name=\"request_id\" value=\"{request_id}\">\
         <input type=\"hidden\" name=\"oid\" value=\"{oid}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\" data-testid=\"esia-allow\">Предоставить</button> \
         <button type=\"submit\" name=\"decision\" value=\"deny\" data-testid=\"esia-deny\">Отказать</button></form>",
        client = escape(&request.client_id),
        name = escape(&citizen.full_name()),
        request_id = escape(&form.request_id),
        oid = citizen.oid,
    );
    Html(page("Права доступа", &body)).into_response()
}

/// A sign-in still within its lifetime; `take` removes it (it can be finished only once).
fn live_request(esia: &EsiaEmulator, id: &str, take: bool) -> Option<AuthRequest> {
    let now = esia.now();
    let mut state = esia.lock();
    let request = if take {
        state.requests.remove(id)?
    } else {
        state.requests.get(id)?.clone()
    };
    (now - request.started <= REQUEST_LIFETIME).then_some(request)
}

#[derive(Deserialize)]
pub struct ConsentForm {
    request_id: String,
    oid: String,
    decision: String,
}

/// `POST …/consent`: allowed → a single-use code back to the client system; denied → 007004.
pub async fn consent(State(esia): State<EsiaEmulator>, Form(form): Form<ConsentForm>) -> Response {
    let Some(request) = live_request(&esia, &form.request_id, true) else {
        return error_page(errors::INVALID_GRANT);
    };
    if form.decision != "allow" || find(&form.oid).is_none() {
        return redirect_error(&request.redirect_uri, errors::DENIED, &request.state);
    }
    let Ok(mut url) = Url::parse(&request.redirect_uri) else {
        return error_page(errors::BAD_REQUEST);
    };
    let code = random_id();
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &request.state);
    let issued = IssuedCode {
        request,
        oid: form.oid,
        issued: esia.now(),
    };
    esia.lock().codes.insert(code, issued);
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
pub struct LogoutQuery {
    client_id: Option<String>,
    redirect_url: Option<String>,
}

/// `GET /idp/ext/Logout`: ends the client's refresh grants and returns to `redirect_url`.
/// (The sandbox keeps no browser session: every sign-in shows the chooser.)
pub async fn logout(
    State(esia): State<EsiaEmulator>,
    Query(query): Query<LogoutQuery>,
) -> Response {
    if let Some(client_id) = &query.client_id {
        esia.lock()
            .refresh
            .retain(|_, grant| &grant.client_id != client_id);
    }
    match query
        .redirect_url
        .as_deref()
        .filter(|url| Url::parse(url).is_ok())
    {
        Some(url) => Redirect::to(url).into_response(),
        None => Html(page("Выход", "<h1>Вы вышли</h1>")).into_response(),
    }
}
