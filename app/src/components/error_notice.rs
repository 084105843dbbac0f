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

/// The same notice built in the browser, into `container` (emptied first; left empty for
/// `None`): for the parts of a page that change after it was rendered.
#[cfg(feature = "hydrate")]
pub fn show_in(
    document: &web_sys::Document,
    container: &web_sys::Element,
    error: Option<&AppError>,
) {
    container.set_text_content(None);
    let Some(error) = error else {
        return;
    };
    let element = |tag: &str, text: Option<&str>| {
        let made = document.create_element(tag).ok()?;
        made.set_text_content(text);
        Some(made)
    };
    let Some(notice) = element("div", None) else {
        return;
    };
    let _ = notice.set_attribute("class", "notice notice-error");
    let _ = notice.set_attribute("role", "alert");
    let _ = notice.set_attribute("data-testid", "error");
    let _ = notice.set_attribute("data-code", error.code());
    let lines = [
        element("p", Some(error.message_ru())),
        element("p", Some(error.message_en())),
        element("p", Some("Код: ")),
    ];
    let [Some(ru), Some(en), Some(code_line)] = lines else {
        return;
    };
    let _ = en.set_attribute("lang", "en");
    let _ = code_line.set_attribute("class", "notice-code");
    if let Some(code) = element("code", Some(error.code())) {
        let _ = code_line.append_child(&code);
    }
    for line in [ru, en, code_line] {
        let _ = notice.append_child(&line);
    }
    let _ = container.append_child(&notice);
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
