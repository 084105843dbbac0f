//! okno's user interface and the domain it shares between the browser and the server.
#![recursion_limit = "256"]

pub mod applications;
pub mod catalog;
pub mod citizen;
pub mod components;
pub mod consent;
pub mod error;
pub mod identifiers;
pub mod pages;
pub mod partner;
pub mod sandbox_info;
pub mod services;
pub mod statuses;
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

/// The HTML document around every page. Only islands (interactive parts) ship as WASM.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="ru">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href="/pkg/okno.css" />
                <link rel="icon" href="/favicon.ico" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
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
