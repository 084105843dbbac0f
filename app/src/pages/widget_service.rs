//! `/w/{key}/services/{code}`: one service inside the partner's iframe — what it gives, how long
//! it takes, what it costs, which Gosuslugi account it needs and which documents to have ready.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    components::{
        citizen_flow::CitizenFlowPage, error_notice::ErrorNotice, frame_bridge::FrameBridge,
    },
    consent::consent_text,
    lang::Lang,
    partner::{PartnerView, current_partner},
    query::query_string,
    services::{RegionRule, ServiceDescription},
    widget_api::load_service,
};

#[component]
pub fn WidgetService() -> impl IntoView {
    let (key, code) = use_params_map().with_untracked(|params| {
        (
            params.get("key").unwrap_or_default(),
            params.get("code").unwrap_or_default(),
        )
    });
    let partner = current_partner();
    let session = partner
        .as_ref()
        .map(|p| p.session.clone())
        .unwrap_or_default();
    let partner_name = partner.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let lang = partner.as_ref().map(|p| p.lang).unwrap_or_default();
    // The embedding origin and the theme travel from page to page inside the frame.
    let frame_params = partner
        .as_ref()
        .map(PartnerView::frame_params)
        .unwrap_or_default();
    let parent_origin = partner.and_then(|partner| partner.parent_origin);
    let host = parent_origin.clone();
    let back = format!("/w/{key}/services{}", query_string(&frame_params));
    let signin = format!("/w/{key}/signin");
    let service = Suspend::new(async move {
        match load_service(key, code).await {
            Ok(service) => {
                let mut popup_params = frame_params.clone();
                popup_params.push(("scope".to_owned(), service.required_scopes().join(" ")));
                let popup_url = format!("{signin}{}", query_string(&popup_params));
                let required_level = service.required_level;
                let consent_text = consent_text(lang, &partner_name, &service);
                let service_code = service.code.clone();
                let form = service.form.clone();
                view! {
                    <ServiceDetails service lang />
                    <CitizenFlowPage popup_url session=session.clone() required_level service_code consent_text form parent_origin=host.clone() lang />
                }
                .into_any()
            }
            Err(error) => {
                #[cfg(feature = "ssr")]
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    let status = match error {
                        crate::error::AppError::ServiceNotFound => http::StatusCode::NOT_FOUND,
                        _ => http::StatusCode::BAD_GATEWAY,
                    };
                    response.set_status(status);
                }
                view! { <ErrorNotice error lang /> }.into_any()
            }
        }
    });
    view! {
        <main class="widget" data-testid="widget">
            <p>
                <a href=back data-testid="back">{lang.pick("← Все услуги", "← All services")}</a>
            </p>
            <Suspense fallback=move || view! { <p>{lang.pick("Загрузка…", "Loading…")}</p> }>{service}</Suspense>
            {parent_origin.map(|parent_origin| view! { <FrameBridge parent_origin /> })}
        </main>
    }
}

/// What the portal publishes about the service (in Russian, marked so) under okno's headings in
/// the widget's language.
#[component]
fn ServiceDetails(service: ServiceDescription, lang: Lang) -> impl IntoView {
    let region = match &service.regions {
        RegionRule::AllRussia => {
            view! { <dd>{lang.pick("Вся Россия", "All of Russia")}</dd> }.into_any()
        }
        RegionRule::Regions { note_ru, .. } => {
            view! { <dd lang="ru">{note_ru.clone()}</dd> }.into_any()
        }
    };
    let documents = service
        .documents
        .iter()
        .map(|document| view! { <li>{document.clone()}</li> })
        .collect_view();
    let level = service.required_level;
    view! {
        <Title text=format!("{} — {}", service.title, lang.pick("Госуслуги", "Gosuslugi")) />
        <h1 lang="ru" data-testid="service-title">{service.title.clone()}</h1>
        <p class="service-agency">{lang.pick(service.agency.short_name_ru(), service.agency.name_en())}</p>
        <p lang="ru">{service.summary.clone()}</p>
        <dl class="service-facts" data-testid="service-facts">
            <dt>{lang.pick("Срок", "Term")}</dt>
            <dd>{lang.pick(service.deadline.describe_ru(), service.deadline.describe_en())}</dd>
            <dt>{lang.pick("Стоимость", "Fee")}</dt>
            <dd>{lang.pick(service.fee.describe_ru(), service.fee.describe_en())}</dd>
            <dt>{lang.pick("Нужна", "Account needed")}</dt>
            <dd>{lang.pick(level.label_ru(), level.label_en())}</dd>
            <dt>{lang.pick("Где", "Where")}</dt>
            {region}
        </dl>
        <h2>{lang.pick("Что понадобится", "What you will need")}</h2>
        <ul lang="ru" data-testid="service-documents">{documents}</ul>
    }
}
