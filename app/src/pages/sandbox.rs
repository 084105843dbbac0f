//! `/sandbox/{key}`: a test partner's widget embedded through the real snippet, the snippet to
//! copy, the test citizens, the test data that picks status paths, and fault injection.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::error_notice::ErrorNotice,
    lang::Lang,
    partner::current_partner,
    sandbox_info::{FaultState, SandboxOverview},
    widget_api::load_sandbox_overview,
};

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
    let key = partner.publishable_key.clone();
    let overview = Suspend::new(async move {
        match load_sandbox_overview(key.clone()).await {
            Ok(overview) => view! { <Overview overview publishable_key=key /> }.into_any(),
            Err(error) => view! { <ErrorNotice error lang=Lang::Ru /> }.into_any(),
        }
    });
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
            <Suspense fallback=|| view! { <p>"Загрузка…"</p> }>{overview}</Suspense>
        </main>
    }
    .into_any()
}

#[component]
fn Overview(overview: SandboxOverview, publishable_key: String) -> impl IntoView {
    let citizens = overview
        .citizens
        .into_iter()
        .map(|c| {
            view! {
                <tr data-testid="test-citizen" data-oid=c.oid.clone()>
                    <td>{c.full_name}</td>
                    <td>{c.level}</td>
                    <td>{c.snils.unwrap_or_default()}</td>
                    <td>{c.inn.unwrap_or_default()}</td>
                    <td>{c.passport.unwrap_or_default()}</td>
                    <td>{c.phone.unwrap_or_default()}</td>
                    <td>{c.purpose}</td>
                </tr>
            }
        })
        .collect_view();
    let triggers = overview
        .triggers
        .into_iter()
        .map(|t| view! { <li><strong>{t.word}</strong>" — "{t.outcome}</li> })
        .collect_view();
    view! {
        <section aria-labelledby="citizens-title">
            <h2 id="citizens-title">"Тестовые граждане"</h2>
            <p>"Войдите через Госуслуги в виджете под любым из них. Все номера проходят проверку контрольных сумм."</p>
            <div class="table-scroll">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"ФИО"</th>
                            <th scope="col">"Учётная запись"</th>
                            <th scope="col">"СНИЛС"</th>
                            <th scope="col">"ИНН"</th>
                            <th scope="col">"Паспорт"</th>
                            <th scope="col">"Телефон"</th>
                            <th scope="col">"Для чего"</th>
                        </tr>
                    </thead>
                    <tbody>{citizens}</tbody>
                </table>
            </div>
        </section>
        <section aria-labelledby="paths-title">
            <h2 id="paths-title">"Как пройдёт заявление"</h2>
            <p>
                "После отправки статус меняется каждые " {overview.step_seconds}
                " с: 17 → 21 → 2 → 6 → 3 (услуга оказана). Другие пути выбирает слово в данных заявления, например в фамилии:"
            </p>
            <ul data-testid="triggers">{triggers}</ul>
        </section>
        <Faults faults=overview.faults publishable_key />
    }
}

#[component]
fn Faults(faults: Option<FaultState>, publishable_key: String) -> impl IntoView {
    let action = format!("/sandbox/{publishable_key}/faults");
    let current = faults.clone().unwrap_or(FaultState {
        latency_ms: 0,
        error_rate: 0.0,
        outage_remaining_seconds: 0,
    });
    let status = match faults {
        None => "Портал-песочница не отвечает.".to_owned(),
        Some(f) if f.outage_remaining_seconds > 0 => format!(
            "Сбой: портал недоступен ещё {} с.",
            f.outage_remaining_seconds
        ),
        Some(f) if f.latency_ms > 0 || f.error_rate > 0.0 => {
            format!(
                "Задержка {} мс, доля ошибок {:.0}%.",
                f.latency_ms,
                f.error_rate * 100.0
            )
        }
        Some(_) => "Сбоев нет.".to_owned(),
    };
    view! {
        <section aria-labelledby="faults-title" id="faults">
            <h2 id="faults-title">"Сбои портала"</h2>
            <p data-testid="fault-status" aria-live="polite">{status}</p>
            <form method="post" action=action class="faults-form">
                <label for="latency_ms">"Задержка ответа, мс"</label>
                <input id="latency_ms" name="latency_ms" type="number" min="0" max="60000" value=current.latency_ms />
                <label for="error_percent">"Доля ошибок 500, %"</label>
                <input id="error_percent" name="error_percent" type="number" min="0" max="100" value=(current.error_rate * 100.0).round() />
                <label for="outage_seconds">"Недоступен, секунд"</label>
                <input id="outage_seconds" name="outage_seconds" type="number" min="0" max="86400" value="0" />
                <button type="submit" data-testid="set-faults">"Применить"</button>
            </form>
        </section>
    }
}
