//! okno's user interface and the domain it shares between the browser and the server.
#![recursion_limit = "256"]

pub mod applications;
pub mod catalog;
pub mod citizen;
pub mod components;
pub mod consent;
pub mod error;
pub mod identifiers;
pub mod lang;
pub mod pages;
pub mod partner;
pub mod query;
pub mod sandbox_info;
pub mod services;
pub mod statuses;
pub mod theme;
pub mod widget_api;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{MetaTags, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
    path,
};

/// The browser bundle a page loads: a service page's islands (sign-in, form, timeline) come in
/// their own bundle, so the catalog — what every visitor sees first — stays small.
pub fn bundle_for(path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["w", _, "services", code] if !code.is_empty() => "okno-service",
        _ => "okno",
    }
}

/// The HTML document around every page. Only islands (interactive parts) ship as WASM.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let options = {
        let mut options = options;
        if let Some(parts) = use_context::<http::request::Parts>() {
            options.output_name = bundle_for(parts.uri.path()).into();
        }
        options
    };
    let lang = partner::current_partner()
        .map(|partner| partner.lang)
        .unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href="/pkg/okno.css" />
                <link rel="icon" href="/favicon.ico" />
                <HydrationScripts options islands=true />
                <ThemeStyle />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The partner's theme from the snippet, as a `<style>` carrying the page's CSP nonce.
#[component]
fn ThemeStyle() -> impl IntoView {
    partner::current_partner()
        .and_then(|partner| partner.theme.css())
        .map(|css| view! { <style nonce=leptos::nonce::use_nonce()>{css}</style> })
}

/// The routes okno renders with Leptos; the HTTP layer guards `/w/…` and `/sandbox/…` first.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route
                    path=path!("/w/:key/services")
                    view=pages::widget_catalog::WidgetCatalog
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/w/:key/services/:code")
                    view=pages::widget_service::WidgetService
                    ssr=SsrMode::Async
                />
                <Route path=path!("/sandbox/:key") view=pages::sandbox::Sandbox ssr=SsrMode::Async />
                <Route path=StaticSegment("") view=pages::home::Home />
            </Routes>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::bundle_for;

    #[test]
    fn service_pages_load_the_service_bundle_and_the_rest_the_catalogs() {
        assert_eq!(
            bundle_for("/w/pk_test_a/services/10000000110"),
            "okno-service"
        );
        assert_eq!(bundle_for("/w/pk_test_a/services"), "okno");
        assert_eq!(bundle_for("/w/pk_test_a/services/"), "okno");
        assert_eq!(bundle_for("/sandbox/pk_test_a"), "okno");
        assert_eq!(bundle_for("/"), "okno");
    }
}
