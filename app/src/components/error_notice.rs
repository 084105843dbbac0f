//! A refusal or failure shown to a citizen: Russian and English text plus the stable code.

use leptos::prelude::*;

use crate::error::AppError;

#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <div class="notice notice-error" role="alert" data-testid="error" data-code=error.code()>
            <p>{error.message_ru()}</p>
            <p lang="en">{error.message_en()}</p>
            <p class="notice-code">"Код: " <code>{error.code()}</code></p>
        </div>
    }
}

/// A whole HTML page for a refusal the server answers before any page renders (unknown key, …).
#[cfg(feature = "ssr")]
pub fn error_document(error: AppError) -> String {
    let notice = view! {
        <main class="widget">
            <ErrorNotice error />
        </main>
    };
    format!(
        "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>okno</title><link rel=\"stylesheet\" href=\"/pkg/okno.css\"></head><body>{}</body></html>",
        notice.to_html()
    )
}
