//! The catalog list with its search box: server-rendered, filtered through the server after hydration.

use leptos::prelude::*;

use crate::{
    catalog::ServiceSummary, components::error_notice::ErrorNotice, error::AppError, lang::Lang,
    query::query_string, widget_api::widget_catalog,
};

/// The search box and the list. Without JavaScript the box submits a plain GET form;
/// after hydration each keystroke asks the server (the full catalog never ships to the browser).
// An island in the server build and in the catalog's bundle only (see `app::bundle_for`).
#[cfg_attr(any(feature = "ssr", feature = "catalog-page"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "catalog-page")), component)]
pub fn ServiceCatalog(
    publishable_key: String,
    session: String,
    services: Vec<ServiceSummary>,
    query: String,
    /// What every page inside the frame passes on (the embedding origin, the theme, the language).
    frame_params: Vec<(String, String)>,
    lang: Lang,
) -> impl IntoView {
    let results = RwSignal::new(services);
    let current_query = RwSignal::new(query.clone());
    let failure = RwSignal::new(None::<AppError>);

    // Each service opens its page in the same frame; the embedding origin, theme and language
    // travel along.
    let link_prefix = format!("/w/{publishable_key}/services/");
    let link_query = query_string(&frame_params);
    let on_input = move |event| {
        let typed = event_target_value(&event);
        current_query.set(typed.clone());
        let session = session.clone();
        leptos::task::spawn_local(async move {
            let answer = widget_catalog(session, typed.clone()).await;
            // A slower answer to an older query must not overwrite a newer one.
            if current_query.get_untracked() != typed {
                return;
            }
            match answer {
                Ok(page) => {
                    results.set(page.services);
                    failure.set(None);
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };

    view! {
        <form method="get" role="search" class="catalog-search">
            <label for="catalog-query">{lang.pick("Найти услугу", "Find a service")}</label>
            <input
                id="catalog-query"
                name="q"
                type="search"
                autocomplete="off"
                placeholder=lang.pick("Например, пенсия", "A service's name, in Russian")
                value=query
                on:input=on_input
                data-testid="catalog-filter"
            />
            {frame_params
                .into_iter()
                .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                .collect_view()}
        </form>
        {move || failure.get().map(|error| view! { <ErrorNotice error lang /> })}
        <p class="catalog-count" aria-live="polite" data-testid="catalog-count">
            {move || format!("{}{}", lang.pick("Найдено услуг: ", "Services found: "), results.get().len())}
        </p>
        // Titles and agencies are the portal's, in Russian.
        <ul class="catalog-list" lang="ru" data-testid="catalog-list">
            <For each=move || results.get() key=|service| service.code.clone() let:service>
                <li class="service" data-testid="service" data-code=service.code.clone()>
                    <a
                        class="service-title"
                        href=format!("{link_prefix}{}{link_query}", service.code)
                    >
                        {service.title.clone()}
                    </a>
                    <span class="service-agency">{service.agency.clone()}</span>
                </li>
            </For>
        </ul>
    }
}
