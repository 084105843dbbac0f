//! `/`: what this okno server is, for someone who opens it in a browser.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <main class="home">
            <Title text="okno" />
            <h1>"okno"</h1>
            <p>"Госуслуги на сайте партнёра: каталог услуг, вход через Госуслуги, подача и статус заявлений."</p>
            <p lang="en">"Gosuslugi services inside a partner's website."</p>
        </main>
    }
}
