//! An application's timeline: the portal's statuses by their Russian names, updated live over
//! server-sent events (the browser resumes after a dropped connection from the last status it
//! saw), each new status told to the host page by id and code only; after a final status, a
//! short feedback form.

use leptos::prelude::*;

use crate::{
    applications::{MAX_FEEDBACK_CHARS, Receipt},
    components::error_notice::ErrorNotice,
    error::AppError,
};

#[component]
pub fn StatusTimeline(
    session: String,
    access_token: String,
    receipt: Receipt,
    /// The embedding page, told `status_changed`.
    parent_origin: Option<String>,
) -> impl IntoView {
    let statuses = RwSignal::new(receipt.timeline.clone());
    let application_id = receipt.application_id.clone();
    #[cfg(feature = "hydrate")]
    {
        let url = format!(
            "/widget-api/applications/{}/events?session={}&access={}",
            js_sys::encode_uri_component(&application_id),
            js_sys::encode_uri_component(&session),
            js_sys::encode_uri_component(&access_token),
        );
        let id = application_id.clone();
        browser::follow(&url, move |status: crate::applications::StatusView| {
            let newer =
                statuses.with_untracked(|s| s.last().is_none_or(|last| last.seq < status.seq));
            if !newer {
                return false;
            }
            if let Some(origin) = &parent_origin {
                crate::components::frame_bridge::tell_host(
                    origin,
                    "status_changed",
                    &id,
                    status.status_code,
                );
            }
            let is_final = status.is_final;
            statuses.update(|s| s.push(status));
            is_final
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &parent_origin;
    let decided = move || statuses.with(|s| s.last().is_some_and(|last| last.is_final));
    let entries = move || {
        statuses
            .get()
            .into_iter()
            .map(|status| {
                let at = status.at.replace('T', " ");
                let at = at.get(..16).unwrap_or(&at).to_owned();
                view! {
                    <li data-status=status.status_code class:final=status.is_final>
                        <time datetime=status.at.clone()>{at}</time>
                        " "
                        <span class="status-name">{status.name_ru}</span>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="timeline" aria-labelledby="timeline-title" data-testid="timeline">
            <h2 id="timeline-title" tabindex="-1">"Заявление принято"</h2>
            <p>
                "Номер заявления: " <strong data-testid="application-id">{application_id.clone()}</strong>
                ". Статус обновляется сам; эту страницу можно закрыть — он сохранится."
            </p>
            <ol class="statuses" aria-live="polite" data-testid="statuses">{entries}</ol>
            <Show when=decided>
                <FeedbackForm session=session.clone() access_token=access_token.clone() application_id=application_id.clone() />
            </Show>
        </section>
    }
}

#[component]
fn FeedbackForm(session: String, access_token: String, application_id: String) -> impl IntoView {
    let rating = RwSignal::new(0u8);
    let comment = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    let send = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if rating.get_untracked() == 0 {
            failure.set(Some(AppError::FeedbackInvalid));
            return;
        }
        let (session, token, id) = (
            session.clone(),
            access_token.clone(),
            application_id.clone(),
        );
        leptos::task::spawn_local(async move {
            match crate::widget_api::leave_feedback(
                session,
                token,
                id,
                rating.get_untracked(),
                comment.get_untracked(),
            )
            .await
            {
                Ok(()) => sent.set(true),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let stars = (1..=5u8)
        .map(|value| {
            let id = format!("rating-{value}");
            view! {
                <span class="choice">
                    <input type="radio" name="rating" id=id.clone() value=value
                        on:change=move |_| rating.set(value) />
                    <label for=id>{value}</label>
                </span>
            }
        })
        .collect_view();
    view! {
        <Show
            when=move || !sent.get()
            fallback=|| view! { <p role="status" data-testid="feedback-thanks">"Спасибо за отзыв!"</p> }
        >
            <form class="feedback" on:submit=send.clone() data-testid="feedback">
                <fieldset>
                    <legend>"Как прошла подача? Оцените от 1 до 5"</legend>
                    {stars.clone()}
                </fieldset>
                <label for="feedback-comment">"Комментарий (необязательно)"</label>
                <textarea id="feedback-comment" rows="3" maxlength=MAX_FEEDBACK_CHARS
                    on:input=move |event| comment.set(event_target_value(&event))></textarea>
                <button type="submit" class="primary" data-testid="feedback-send">"Отправить отзыв"</button>
                {move || failure.get().map(|error| view! { <ErrorNotice error /> })}
            </form>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{EventSource, MessageEvent};

    use crate::applications::StatusView;

    /// Follows the stream; `on_status` answers true once no further status can come, which
    /// closes it. The browser reconnects by itself, sending the last event id it saw.
    pub fn follow(url: &str, on_status: impl Fn(StatusView) -> bool + 'static) {
        let Ok(source) = EventSource::new(url) else {
            return;
        };
        let closing = source.clone();
        let listener = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(data) = event.data().as_string() else {
                return;
            };
            if let Ok(status) = serde_json::from_str::<StatusView>(&data)
                && on_status(status)
            {
                closing.close();
            }
        });
        let _ =
            source.add_event_listener_with_callback("status", listener.as_ref().unchecked_ref());
        // Lives as long as the page.
        listener.forget();
    }
}
