//! The citizen's way through a service page, as one island: "Войти через Госуслуги" opens the
//! sign-in popup on okno's origin and takes the one-time code it posts back (from okno's origin
//! only); a reload signs the citizen in again from the frame's refresh cookie. Then the account
//! level is checked (with advice when it is too low), consent is asked for and recorded, the
//! form is filled and submitted, and the application's timeline follows.

use leptos::prelude::*;

use crate::{
    applications::Receipt,
    citizen::SignedInCitizen,
    components::{
        application_form::{ApplicationForm, Caller},
        error_notice::ErrorNotice,
        status_timeline::StatusTimeline,
    },
    consent::GivenConsent,
    error::AppError,
    services::{AccountLevel, FormSchema},
};

/// The message the popup posts; other types and versions are ignored.
pub const SIGNIN_MESSAGE: &str = "okno:signin";

// An island in the server build and in the service page's bundle; elsewhere a plain component
// nothing uses, so the catalog's bundle carries none of it.
#[cfg_attr(any(feature = "ssr", feature = "service-page"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "service-page")), component)]
pub fn GosuslugiSignIn(
    /// `/w/{key}/signin?origin=…&scope=…`: where the popup starts.
    popup_url: String,
    session: String,
    required_level: AccountLevel,
    service_code: String,
    /// The consent text for this service and partner, as the server will record it.
    consent_text: String,
    form: FormSchema,
    /// The embedding page, told `submitted` and `status_changed`.
    parent_origin: Option<String>,
) -> impl IntoView {
    let citizen = RwSignal::new(None::<SignedInCitizen>);
    let consent = RwSignal::new(None::<GivenConsent>);
    let receipt = RwSignal::new(None::<Receipt>);
    let failure = RwSignal::new(None::<AppError>);
    let blocked = RwSignal::new(false);
    let not_confirmed = RwSignal::new(false);

    #[cfg(feature = "hydrate")]
    {
        let (resume_session, code) = (session.clone(), service_code.clone());
        leptos::task::spawn_local(async move {
            // Back after a reload: the refresh cookie signs the citizen in again, if it can.
            if let Ok(Some(resumed)) = crate::widget_api::resume_signin(resume_session, code).await
            {
                citizen.set(Some(resumed.citizen));
                consent.set(resumed.consent);
            }
        });
        let session = session.clone();
        let _listener =
            window_event_listener(
                leptos::ev::message,
                move |event| match browser::signin_message(&event) {
                    Some(browser::SigninMessage::Code(code)) => {
                        let session = session.clone();
                        leptos::task::spawn_local(async move {
                            match crate::widget_api::collect_signin(session, code).await {
                                Ok(signed_in) => {
                                    failure.set(None);
                                    citizen.set(Some(signed_in));
                                }
                                Err(error) => failure.set(Some(error)),
                            }
                        });
                    }
                    Some(browser::SigninMessage::NotConfirmed) => not_confirmed.set(true),
                    None => {}
                },
            );
    }
    let consent_session = session.clone();
    let consent_code = service_code.clone();
    let give = Callback::new(move |()| {
        let Some(token) = citizen.with_untracked(|c| c.as_ref().map(|c| c.access_token.clone()))
        else {
            return;
        };
        let (session, code) = (consent_session.clone(), consent_code.clone());
        leptos::task::spawn_local(async move {
            match crate::widget_api::give_consent(session, token, code).await {
                Ok(given) => {
                    failure.set(None);
                    consent.set(Some(given));
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    });
    let host = StoredValue::new(parent_origin);
    let submitted = Callback::new(move |done: Receipt| {
        #[cfg(feature = "hydrate")]
        if let Some(origin) = host.get_value() {
            let status = done.timeline.last().map_or(0, |s| s.status_code);
            crate::components::frame_bridge::tell_host(
                &origin,
                "submitted",
                &done.application_id,
                status,
            );
            crate::components::frame_bridge::ask_full_screen(&origin, false);
        }
        receipt.set(Some(done));
    });
    let consent_text = StoredValue::new(consent_text);
    let form = StoredValue::new(form);
    let flow_session = StoredValue::new(session);
    let service_code = StoredValue::new(service_code);

    let fallback_url = popup_url.clone();
    let open = {
        move |_| {
            not_confirmed.set(false);
            #[cfg(feature = "hydrate")]
            blocked.set(!browser::open_popup(&popup_url));
            #[cfg(not(feature = "hydrate"))]
            let _ = &popup_url;
        }
    };

    // What follows consent: the form, then the application's timeline.
    let application = move |given: GivenConsent, signed_in: SignedInCitizen| {
        let caller = Caller {
            session: flow_session.get_value(),
            access_token: given.access_token.clone(),
            service_code: service_code.get_value(),
        };
        #[cfg(feature = "hydrate")]
        if let Some(origin) = host.get_value() {
            crate::components::frame_bridge::ask_full_screen(&origin, true);
        }
        view! {
            <Show
                when=move || receipt.with(Option::is_some)
                fallback=move || view! {
                    <ApplicationForm caller=caller.clone() form=form.get_value() profile=signed_in.profile.clone() on_submitted=submitted />
                }
            >
                {
                    let token = given.access_token.clone();
                    move || receipt.get().map(|done| view! {
                        <StatusTimeline session=flow_session.get_value() access_token=token.clone() receipt=done parent_origin=host.get_value() />
                    })
                }
            </Show>
        }
    };

    view! {
        <section class="signin" aria-live="polite" data-testid="signin">
            <Show
                when=move || citizen.with(Option::is_some)
                fallback=move || {
                    let href = fallback_url.clone();
                    view! {
                        <button type="button" class="signin-button" on:click=open.clone() data-testid="signin-button">
                            "Войти через Госуслуги"
                        </button>
                        <Show when=move || blocked.get()>
                            <p role="alert" data-testid="signin-blocked">
                                "Браузер не открыл окно входа. "
                                <a href=href.clone() target="_blank" rel="opener" data-testid="signin-fallback">
                                    "Откройте вход в новой вкладке"
                                </a>
                                ", а после входа вернитесь сюда. "
                                <span lang="en">"The sign-in window was blocked: open it in a new tab, then come back."</span>
                            </p>
                        </Show>
                        <Show when=move || not_confirmed.get()>
                            <LevelAdvice required_level />
                        </Show>
                    }
                }
            >
                {move || {
                    citizen.get().map(|signed_in| {
                        let level = signed_in.profile.level;
                        view! {
                            <p data-testid="signed-in">
                                "Вы вошли: " {signed_in.profile.display_name()} " (" {level.label_ru()} ")"
                            </p>
                            {if required_level.allows(level) {
                                let text = consent_text.get_value();
                                view! {
                                    <Show
                                        when=move || consent.with(Option::is_some)
                                        fallback=move || view! {
                                            <h2>"Согласие на обработку персональных данных"</h2>
                                            <p data-testid="consent-text">{text.clone()}</p>
                                            <button type="button" class="primary" on:click=move |_| give.run(()) data-testid="consent-give">
                                                "Согласен, продолжить"
                                            </button>
                                        }
                                    >
                                        {
                                            let signed_in = signed_in.clone();
                                            move || consent.get().map(|given| view! {
                                                <p data-testid="consent-given">
                                                    "Согласие дано " {given.granted_at.replace('T', " ")} " (№ " {given.consent_id.clone()} ")."
                                                </p>
                                                <details>
                                                    <summary>"Текст согласия"</summary>
                                                    <p>{given.text.clone()}</p>
                                                </details>
                                                {application(given, signed_in.clone())}
                                            })
                                        }
                                    </Show>
                                }
                                .into_any()
                            } else {
                                view! { <LevelAdvice required_level /> }.into_any()
                            }}
                        }
                    })
                }}
            </Show>
            {move || failure.get().map(|error| view! { <ErrorNotice error /> })}
        </section>
    }
}

/// What a citizen whose account level is too low can do instead.
#[component]
fn LevelAdvice(required_level: AccountLevel) -> impl IntoView {
    view! {
        <p role="alert" data-testid="level-too-low">
            "Для этой услуги нужна " {required_level.name_in_sentence_ru()} ". "
            "Подтвердить учётную запись можно в центре обслуживания, в мобильном приложении банка "
            "или электронной подписью — после этого войдите ещё раз."
        </p>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::Reflect;
    use wasm_bindgen::JsValue;

    use super::SIGNIN_MESSAGE;

    /// How the popup says the sign-in ended.
    pub enum SigninMessage {
        /// The one-time code to collect the sign-in with.
        Code(String),
        /// ESIA refused: the account is not confirmed.
        NotConfirmed,
    }

    /// Opens the popup; false when the browser blocked it.
    pub fn open_popup(url: &str) -> bool {
        web_sys::window()
            .and_then(|window| {
                window
                    .open_with_url_and_target_and_features(
                        url,
                        "okno-signin",
                        "popup,width=520,height=700",
                    )
                    .ok()
                    .flatten()
            })
            .is_some()
    }

    /// A message from okno's own origin in the expected shape.
    pub fn signin_message(event: &web_sys::MessageEvent) -> Option<SigninMessage> {
        let own = web_sys::window()?.location().origin().ok()?;
        if event.origin() != own {
            return None;
        }
        let data = event.data();
        let field = |name: &str| Reflect::get(&data, &JsValue::from_str(name)).ok();
        if field("type")?.as_string()? != SIGNIN_MESSAGE || field("version")?.as_f64()? != 1.0 {
            return None;
        }
        if let Some(code) = field("code").and_then(|c| c.as_string()) {
            return Some(SigninMessage::Code(code));
        }
        (field("error")?.as_string()? == "account_not_confirmed")
            .then_some(SigninMessage::NotConfirmed)
    }
}
