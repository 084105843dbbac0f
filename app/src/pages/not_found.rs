//! The page for any path okno does not know.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="not-found">
            <Title text="Страница не найдена — okno" />
            <h1>"Страница не найдена"</h1>
            <p lang="en">"Page not found."</p>
        </main>
    }
}
