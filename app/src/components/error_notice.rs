//! A refusal or failure shown to a citizen: the message in the widget's language, then in the
//! other one (marked with its `lang`), plus the stable code.

use leptos::prelude::*;

use crate::{error::AppError, lang::Lang};

fn code_label(lang: Lang) -> &'static str {
    lang.pick("Код: ", "Code: ")
}

#[component]
pub fn ErrorNotice(error: AppError, lang: Lang) -> impl IntoView {
    let [(_, first), (other, second)] = lang.both(error.message_ru(), error.message_en());
    view! {
        <div class="notice notice-error" role="alert" data-testid="error" data-code=error.code()>
            <p>{first}</p>
            <p lang=other.tag()>{second}</p>
            <p class="notice-code">{code_label(lang)} <code>{error.code()}</code></p>
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
    lang: Lang,
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
    let [(_, first), (other, second)] = lang.both(error.message_ru(), error.message_en());
    let lines = [
        element("p", Some(first)),
        element("p", Some(second)),
        element("p", Some(code_label(lang))),
    ];
    let [Some(first), Some(second), Some(code_line)] = lines else {
        return;
    };
    let _ = second.set_attribute("lang", other.tag());
    let _ = code_line.set_attribute("class", "notice-code");
    if let Some(code) = element("code", Some(error.code())) {
        let _ = code_line.append_child(&code);
    }
    for line in [first, second, code_line] {
        let _ = notice.append_child(&line);
    }
    let _ = container.append_child(&notice);
}

/// A whole HTML page for a refusal the server answers before any page renders (unknown key, …).
#[cfg(feature = "ssr")]
pub fn error_document(error: AppError, lang: Lang) -> String {
    let notice = view! {
        <main class="widget">
            <ErrorNotice error lang />
        </main>
    };
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>okno</title><link rel=\"stylesheet\" href=\"/pkg/okno.css\"></head><body>{}</body></html>",
        lang.tag(),
        notice.to_html()
    )
}
