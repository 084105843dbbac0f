//! The page for any path okno does not know.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::partner::current_partner;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    // Inside a widget frame, in the widget's language; the other language follows, marked.
    let lang = current_partner().map(|p| p.lang).unwrap_or_default();
    let [(_, first), (other, second)] = lang.both("Страница не найдена", "Page not found");
    view! {
        <main class="not-found">
            <Title text=format!("{first} — okno") />
            <h1>{first}</h1>
            <p lang=other.tag()>{second}"."</p>
        </main>
    }
}
