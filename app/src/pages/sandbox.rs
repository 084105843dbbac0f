//! `/sandbox/{key}`: a test partner's widget embedded through the real snippet, with the snippet to copy.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::partner::current_partner;

/// The exact snippet a partner pastes into its page.
pub fn embed_snippet(okno_origin: &str, publishable_key: &str) -> String {
    format!(
        r#"<script src="{okno_origin}/embed.js" data-okno-key="{publishable_key}" async></script>"#
    )
}

#[component]
pub fn Sandbox() -> impl IntoView {
    let Some(partner) = current_partner() else {
        return view! { <p>"Песочница недоступна."</p> }.into_any();
    };
    let snippet = embed_snippet(&partner.okno_origin, &partner.publishable_key);
    let embed_src = format!("{}/embed.js", partner.okno_origin);
    view! {
        <main class="sandbox">
            <Title text="Песочница okno" />
            <h1>"Песочница okno: " {partner.name.clone()}</h1>
            <p>
                "Так виджет выглядит на вашем сайте. Режим: " <strong>{partner.mode.as_str()}</strong>
                ". Вставьте этот код на страницу сайта, адрес которого указан в списке разрешённых:"
            </p>
            <pre class="snippet" data-testid="snippet"><code>{snippet}</code></pre>
            <section class="sandbox-frame" aria-label="Виджет на странице партнёра">
                <script src=embed_src data-okno-key=partner.publishable_key async></script>
            </section>
        </main>
    }
    .into_any()
}
