//! `/w/{key}/services`: the catalog a citizen sees inside the partner's iframe.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    components::{
        error_notice::ErrorNotice, frame_bridge::FrameBridge, service_catalog::ServiceCatalog,
    },
    partner::{PartnerView, current_partner},
    widget_api::widget_catalog,
};

#[component]
pub fn WidgetCatalog() -> impl IntoView {
    let key = use_params_map().with_untracked(|params| params.get("key").unwrap_or_default());
    let query = use_query_map().with_untracked(|query| query.get("q").unwrap_or_default());
    let partner = current_partner();
    let session = partner
        .as_ref()
        .map(|p| p.session.clone())
        .unwrap_or_default();
    let frame_params = partner
        .as_ref()
        .map(PartnerView::frame_params)
        .unwrap_or_default();
    let lang = partner.as_ref().map(|p| p.lang).unwrap_or_default();
    let parent_origin = partner.and_then(|partner| partner.parent_origin);

    let catalog = {
        let key = key.clone();
        Suspend::new(async move {
            match widget_catalog(session.clone(), query).await {
                Ok(page) => view! {
                    <ServiceCatalog
                        publishable_key=key
                        session
                        services=page.services
                        query=page.query
                        frame_params
                        lang
                    />
                }
                .into_any(),
                Err(error) => {
                    #[cfg(feature = "ssr")]
                    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                        response.set_status(http::StatusCode::BAD_GATEWAY);
                    }
                    view! { <ErrorNotice error lang /> }.into_any()
                }
            }
        })
    };

    view! {
        <main class="widget" data-testid="widget">
            <Title text=lang.pick("Госуслуги — каталог услуг", "Gosuslugi — services") />
            <h1 class="widget-title">{lang.pick("Госуслуги", "Gosuslugi")}</h1>
            <Suspense fallback=move || view! { <p>{lang.pick("Загрузка…", "Loading…")}</p> }>{catalog}</Suspense>
            {parent_origin.map(|parent_origin| view! { <FrameBridge parent_origin /> })}
        </main>
    }
}
