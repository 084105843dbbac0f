//! Guards `/w/{key}/…` and `/sandbox/{key}`: the key must be known and unrevoked, the embedding
//! origin allowed; every widget response carries `frame-ancestors` with exactly that partner's
//! origins, and every opening is audited.

use app::{
    components::error_notice::error_document,
    error::AppError,
    lang::Lang,
    partner::{Mode, PartnerView},
    theme::Theme,
};
use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header::CONTENT_SECURITY_POLICY},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};

use super::AppState;
use crate::{
    audit::{AuditEvent, Outcome},
    partners::{ResolvedPartner, origin::Origin},
    tokens::WidgetSession,
};

enum Guarded<'a> {
    Widget(&'a str),
    Sandbox(&'a str),
}

fn guarded(path: &str) -> Option<Guarded<'_>> {
    if let Some(rest) = path.strip_prefix("/w/") {
        return rest.split('/').next().map(Guarded::Widget);
    }
    path.strip_prefix("/sandbox/")
        .and_then(|rest| rest.split('/').next())
        .map(Guarded::Sandbox)
}

/// The `origin` query parameter the loader adds: the page that embeds the iframe.
fn parent_origin(request: &Request) -> Option<String> {
    let query = request.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "origin")
        .map(|(_, value)| value.into_owned())
}

/// The theme and the language the loader passes from the snippet (only well-formed values are
/// kept).
fn snippet_settings(request: &Request) -> (Theme, Lang) {
    let query = request.uri().query().unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let theme = Theme::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let lang = pairs.iter().find(|(name, _)| name == "lang");
    (
        theme,
        Lang::from_query(lang.map(|(_, value)| value.as_str())),
    )
}

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let Some(target) = guarded(&path) else {
        return next.run(request).await;
    };
    let (key, action) = match target {
        Guarded::Widget(key) => (key.to_owned(), "widget.open"),
        Guarded::Sandbox(key) => (key.to_owned(), "sandbox.open"),
    };
    let mut event = AuditEvent::new("browser", action, key.clone(), Outcome::Ok);
    event.request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    event.client_ip = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string());
    // A change behind the guard (the sandbox's fault form) records itself, durably.
    let is_page = request.method() == axum::http::Method::GET;
    let is_sandbox = action == "sandbox.open";
    let (theme, lang) = snippet_settings(&request);
    // okno's own sandbox page is in Russian, whatever its query says.
    let lang = if is_sandbox { Lang::Ru } else { lang };
    let response = match check(&state, &key, is_sandbox, theme, lang, request).await {
        Ok((request, policy)) => {
            let mut response = next.run(request).await;
            set_policy(&mut response, &policy);
            response
        }
        Err((error, ancestors)) => {
            event.outcome = Outcome::Refused(error.code().to_owned());
            refusal(error, ancestors.as_deref(), lang)
        }
    };
    // Opening a page changes nothing: its record need not be durable before the answer.
    if is_page || event.outcome != Outcome::Ok {
        state.audit.record_later(event);
    }
    response
}

/// The checks; on success the request carries the partner, with the CSP for its response.
async fn check(
    state: &AppState,
    key: &str,
    is_sandbox: bool,
    theme: Theme,
    lang: Lang,
    mut request: Request,
) -> Result<(Request, String), (AppError, Option<String>)> {
    let partner = state
        .partners
        .resolve(key)
        .await
        .map_err(|error| (error, None))?;
    if is_sandbox && partner.mode != Mode::Test {
        return Err((AppError::SandboxNeedsTestKey, None));
    }
    let ancestors = frame_ancestors(&partner, &state.okno_origin);
    let parent = match parent_origin(&request) {
        None => None,
        Some(claimed) => match Origin::parse(&claimed) {
            Ok(origin) if allowed(&partner, &state.okno_origin, &origin) => {
                Some(origin.to_string())
            }
            _ => {
                tracing::info!(partner = %partner.id, origin = %claimed, "embedding origin refused");
                return Err((AppError::OriginNotAllowed, Some(ancestors)));
            }
        },
    };
    let session = state
        .sessions
        .issue_widget_session(&WidgetSession {
            partner_id: partner.id.clone(),
            publishable_key: partner.publishable_key.clone(),
            origin: parent.clone().unwrap_or_else(|| state.okno_origin.clone()),
            mode: partner.mode,
        })
        .map_err(|error| {
            tracing::error!(%error, "widget session not issued");
            (AppError::Internal, None)
        })?;
    request.extensions_mut().insert(PartnerView {
        session: session.token,
        name: partner.name.clone(),
        publishable_key: partner.publishable_key.clone(),
        mode: partner.mode,
        parent_origin: parent,
        okno_origin: state.okno_origin.clone(),
        theme,
        lang,
    });
    // The sandbox page itself is okno's own and never framed; widget pages only by the partner.
    let policy = if is_sandbox {
        "frame-ancestors 'none'".to_owned()
    } else {
        ancestors
    };
    Ok((request, policy))
}

/// Whether `origin` may embed this partner's widget (okno's own origin only in test mode).
fn allowed(partner: &ResolvedPartner, okno_origin: &str, origin: &Origin) -> bool {
    partner.origins.iter().any(|allowed| allowed.allows(origin))
        || (partner.mode == Mode::Test && origin.to_string() == okno_origin)
}

/// `frame-ancestors` listing exactly the partner's origins, plus okno's own for test keys.
fn frame_ancestors(partner: &ResolvedPartner, okno_origin: &str) -> String {
    let mut sources: Vec<String> = partner.origins.iter().map(ToString::to_string).collect();
    if partner.mode == Mode::Test && !sources.iter().any(|source| source == okno_origin) {
        sources.push(okno_origin.to_owned());
    }
    if sources.is_empty() {
        "frame-ancestors 'none'".to_owned()
    } else {
        format!("frame-ancestors {}", sources.join(" "))
    }
}

fn set_policy(response: &mut Response, policy: &str) {
    match HeaderValue::from_str(policy) {
        Ok(value) => {
            response
                .headers_mut()
                .insert(CONTENT_SECURITY_POLICY, value);
        }
        Err(error) => tracing::error!(%error, "unrepresentable CSP header"),
    }
}

/// A bilingual error page with its status. Unknown and revoked keys are shown in any frame so the
/// site's owner sees what is wrong; a refused origin keeps the partner's `frame-ancestors`.
fn refusal(error: AppError, ancestors: Option<&str>, lang: Lang) -> Response {
    let status = match error {
        AppError::KeyUnknown => StatusCode::NOT_FOUND,
        AppError::KeyRevoked | AppError::OriginNotAllowed | AppError::SandboxNeedsTestKey => {
            StatusCode::FORBIDDEN
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut response = (status, Html(error_document(error, lang))).into_response();
    if let Some(policy) = ancestors {
        set_policy(&mut response, policy);
    }
    response
}
