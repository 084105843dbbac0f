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
    // The embedding origin, the theme and the language travel from page to page in the frame.
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

/// A fact in English, with the service's Russian note (if any) after it, marked as Russian.
fn with_russian_note(words: Option<String>, note_ru: Option<String>) -> AnyView {
    match (words, note_ru) {
        (Some(words), Some(note)) => {
            view! { {words} " (" <span lang="ru">{note}</span> ")" }.into_any()
        }
        (Some(words), None) => words.into_any(),
        (None, Some(note)) => view! { <span lang="ru">{note}</span> }.into_any(),
        (None, None) => "No set term".into_any(),
    }
}

/// What the registry says about the service — its title, summary, documents and notes are in
/// Russian only, marked so — under okno's headings in the widget's language.
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
    let (deadline, fee) = match lang {
        Lang::Ru => (
            service.deadline.describe_ru().into_any(),
            service.fee.describe_ru().into_any(),
        ),
        Lang::En => (
            with_russian_note(
                service.deadline.terms_en(),
                service.deadline.note_ru.clone(),
            ),
            with_russian_note(Some(service.fee.amount_en()), service.fee.note_ru.clone()),
        ),
    };
    view! {
        <Title text=format!("{} — {}", service.title, lang.pick("Госуслуги", "Gosuslugi")) />
        <h1 lang="ru" data-testid="service-title">{service.title.clone()}</h1>
        <p class="service-agency">{lang.pick(service.agency.short_name_ru(), service.agency.name_en())}</p>
        <p lang="ru">{service.summary.clone()}</p>
        <dl class="service-facts" data-testid="service-facts">
            <dt>{lang.pick("Срок", "Term")}</dt>
            <dd>{deadline}</dd>
            <dt>{lang.pick("Стоимость", "Fee")}</dt>
            <dd>{fee}</dd>
            <dt>{lang.pick("Нужна", "Account needed")}</dt>
            <dd>{service.required_level.label(lang)}</dd>
            <dt>{lang.pick("Где", "Where")}</dt>
            {region}
        </dl>
        <h2>{lang.pick("Что понадобится", "What you will need")}</h2>
        <ul lang="ru" data-testid="service-documents">{documents}</ul>
    }
}
