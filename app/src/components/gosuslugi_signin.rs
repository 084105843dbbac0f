//! "Войти через Госуслуги": opens the sign-in popup on okno's origin, takes the one-time code it
//! posts back (from okno's origin only), collects the sign-in and shows who is signed in — or,
//! when the service needs a higher account level, what the citizen can do about it — then asks
//! for consent (which data, to whom, why, how long) and records it.

use leptos::prelude::*;

use crate::{
    citizen::SignedInCitizen, components::error_notice::ErrorNotice, consent::GivenConsent,
    error::AppError, services::AccountLevel,
};

/// The message the popup posts; other types and versions are ignored.
pub const SIGNIN_MESSAGE: &str = "okno:signin";

#[island]
pub fn GosuslugiSignIn(
    /// `/w/{key}/signin?origin=…&scope=…`: where the popup starts.
    popup_url: String,
    session: String,
    required_level: AccountLevel,
    service_code: String,
    /// The consent text for this service and partner, as the server will record it.
    consent_text: String,
) -> impl IntoView {
    let citizen = RwSignal::new(None::<SignedInCitizen>);
    let consent = RwSignal::new(None::<GivenConsent>);
    let failure = RwSignal::new(None::<AppError>);
    let blocked = RwSignal::new(false);

    #[cfg(feature = "hydrate")]
    {
        let session = session.clone();
        let _listener = window_event_listener(leptos::ev::message, move |event| {
            let Some(code) = browser::signin_code(&event) else {
                return;
            };
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
        });
    }
    let consent_session = session.clone();
    let give = Callback::new(move |()| {
        let Some(token) = citizen.with_untracked(|c| c.as_ref().map(|c| c.access_token.clone()))
        else {
            return;
        };
        let (session, code) = (consent_session.clone(), service_code.clone());
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
    #[cfg(not(feature = "hydrate"))]
    let _ = &session;
    let consent_text = StoredValue::new(consent_text);

    let fallback_url = popup_url.clone();
    let open = {
        move |_| {
            #[cfg(feature = "hydrate")]
            blocked.set(!browser::open_popup(&popup_url));
            #[cfg(not(feature = "hydrate"))]
            let _ = &popup_url;
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
                                            <button type="button" on:click=move |_| give.run(()) data-testid="consent-give">
                                                "Согласен, продолжить"
                                            </button>
                                        }
                                    >
                                        {move || consent.get().map(|given| view! {
                                            <p data-testid="consent-given">
                                                "Согласие дано " {given.granted_at.replace('T', " ")} " (№ " {given.consent_id.clone()} ")."
                                            </p>
                                            <details>
                                                <summary>"Текст согласия"</summary>
                                                <p>{given.text.clone()}</p>
                                            </details>
                                        })}
                                    </Show>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <p role="alert" data-testid="level-too-low">
                                        "Для этой услуги нужна " {required_level.name_in_sentence_ru()} ". "
                                        "Подтвердить учётную запись можно в центре обслуживания, в мобильном приложении банка "
                                        "или электронной подписью — после этого войдите ещё раз."
                                    </p>
                                }
                                .into_any()
                            }}
                        }
                    })
                }}
            </Show>
            {move || failure.get().map(|error| view! { <ErrorNotice error /> })}
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::Reflect;
    use wasm_bindgen::JsValue;

    use super::SIGNIN_MESSAGE;

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

    /// The one-time code of a message from okno's own origin in the expected shape.
    pub fn signin_code(event: &web_sys::MessageEvent) -> Option<String> {
        let own = web_sys::window()?.location().origin().ok()?;
        if event.origin() != own {
            return None;
        }
        let data = event.data();
        let field = |name: &str| Reflect::get(&data, &JsValue::from_str(name)).ok();
        if field("type")?.as_string()? != SIGNIN_MESSAGE || field("version")?.as_f64()? != 1.0 {
            return None;
        }
        field("code")?.as_string()
    }
}
