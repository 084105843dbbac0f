//! A citizen's way through a service page: sign in with Gosuslugi (popup), consent, the
//! application form, its timeline and feedback.
//!
//! All of it is rendered on the server as plain HTML — every section, every field with its
//! label, hint and message slot — and costs no WASM. One small island, [`CitizenFlow`], then
//! brings it to life in the browser (see `controller`): it shows the sections in turn, checks
//! each answer with the same Rust rules the server applies, saves drafts, uploads files,
//! submits and follows the status stream. Rendering the markup once on the server instead of
//! building it in WASM is what keeps the service page's bundle small.

use leptos::prelude::*;

use crate::{
    identifiers::IdentifierKind,
    lang::Lang,
    services::{AccountLevel, AttachmentRule, Field, FieldKind, FormSchema, ProfileField},
};

#[cfg(all(feature = "hydrate", feature = "service-page"))]
mod controller;

/// The message the sign-in popup posts; other types and versions are ignored.
pub const SIGNIN_MESSAGE: &str = "okno:signin";

/// Everything the flow shows, rendered on the server; sections start hidden and the island
/// reveals them. Everything is in the widget's language but the fields' hints, which the forms
/// have in Russian only and are marked so.
#[component]
pub fn CitizenFlowPage(
    popup_url: String,
    session: String,
    required_level: AccountLevel,
    service_code: String,
    consent_text: String,
    form: FormSchema,
    parent_origin: Option<String>,
    lang: Lang,
) -> impl IntoView {
    let fields = form
        .fields
        .iter()
        .map(|field| view! { <FormField field=field.clone() lang /> })
        .collect_view();
    let files = (form.attachments.max_files > 0)
        .then(|| view! { <Attachments rule=form.attachments.clone() lang /> });
    let too_low = match lang {
        Lang::Ru => format!(
            "Для этой услуги нужна {}. Подтвердить учётную запись можно в центре обслуживания, \
             в мобильном приложении банка или электронной подписью — после этого войдите ещё раз.",
            required_level.name_in_sentence_ru()
        ),
        Lang::En => format!(
            "This service needs {}. You can confirm your account at a service centre, in your \
             bank's mobile app or with an electronic signature, then sign in again.",
            required_level.name_in_sentence_en()
        ),
    };
    view! {
        <section class="signin" id="flow" aria-live="polite" data-testid="signin">
            <div id="flow-signin">
                <button type="button" class="signin-button" id="signin-button" data-testid="signin-button">
                    {lang.pick("Войти через Госуслуги", "Sign in with Gosuslugi")}
                </button>
                <p role="alert" id="signin-blocked" data-testid="signin-blocked" hidden>
                    {lang.pick("Браузер не открыл окно входа. ", "The browser blocked the sign-in window. ")}
                    <a href=popup_url.clone() target="_blank" rel="opener" data-testid="signin-fallback">
                        {lang.pick("Откройте вход в новой вкладке", "Open the sign-in in a new tab")}
                    </a>
                    {lang.pick(", а после входа вернитесь сюда.", ", then come back here.")}
                </p>
            </div>
            <p id="signed-in" data-testid="signed-in" hidden>
                {lang.pick("Вы вошли: ", "Signed in: ")} <span id="citizen-name"></span> " (" <span id="citizen-level"></span> ")"
            </p>
            <p role="alert" id="level-too-low" data-testid="level-too-low" hidden>{too_low}</p>
            <div id="flow-consent" hidden>
                <h2>{lang.pick("Согласие на обработку персональных данных", "Consent to the processing of personal data")}</h2>
                <p id="consent-text" data-testid="consent-text">{consent_text}</p>
                <button type="button" class="primary" id="consent-give" data-testid="consent-give">
                    {lang.pick("Согласен, продолжить", "I agree, continue")}
                </button>
            </div>
            <div id="flow-consented" hidden>
                <p data-testid="consent-given">
                    {lang.pick("Согласие дано ", "Consent given ")} <span id="consent-at"></span> " (№ " <span id="consent-id"></span> ")."
                </p>
                // Once consent is given, the text moves here, to be read again on request.
                <details id="consent-details">
                    <summary>{lang.pick("Текст согласия", "The consent's text")}</summary>
                </details>
            </div>
            <form class="application-form" id="application-form" novalidate data-testid="application-form" hidden>
                <h2>{lang.pick("Заявление", "Application")}</h2>
                <p class="form-note">
                    {lang.pick(
                        "Поля, отмеченные *, обязательны. Ответы сохраняются как черновик.",
                        "Fields marked * are required. Your answers are kept as a draft.",
                    )}
                </p>
                {fields}
                {files}
                <div id="form-failure"></div>
                <button type="submit" class="primary" id="submit" data-testid="submit">{submit_label(lang)}</button>
            </form>
            <Timeline lang />
            <div id="flow-failure"></div>
            <CitizenFlow popup_url session required_level service_code form parent_origin lang />
        </section>
    }
}

/// Brings the server-rendered flow to life; renders nothing itself. An island in the server
/// build and in the service page's bundle; elsewhere a plain component nothing uses, so the
/// catalog's bundle carries none of it.
#[cfg_attr(any(feature = "ssr", feature = "service-page"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "service-page")), component)]
fn CitizenFlow(
    /// `/w/{key}/signin?origin=…&scope=…`: where the popup starts.
    popup_url: String,
    session: String,
    required_level: AccountLevel,
    service_code: String,
    form: FormSchema,
    /// The embedding page, told `submitted` and `status_changed`.
    parent_origin: Option<String>,
    lang: Lang,
) -> impl IntoView {
    #[cfg(all(feature = "hydrate", feature = "service-page"))]
    controller::start(controller::Setup {
        popup_url,
        session,
        required_level,
        service_code,
        form,
        parent_origin,
        lang,
    });
    #[cfg(not(all(feature = "hydrate", feature = "service-page")))]
    let _ = (
        popup_url,
        session,
        required_level,
        service_code,
        form,
        parent_origin,
        lang,
    );
}

/// The submit button's words (the controller puts them back after sending).
pub fn submit_label(lang: Lang) -> &'static str {
    lang.pick("Отправить заявление", "Send the application")
}

#[component]
fn Timeline(lang: Lang) -> impl IntoView {
    let stars = (1..=5u8)
        .map(|value| {
            let id = format!("rating-{value}");
            view! {
                <span class="choice">
                    <input type="radio" name="rating" id=id.clone() value=value />
                    <label for=id>{value}</label>
                </span>
            }
        })
        .collect_view();
    view! {
        <section class="timeline" id="timeline" aria-labelledby="timeline-title" data-testid="timeline" hidden>
            <h2 id="timeline-title" tabindex="-1">{lang.pick("Заявление принято", "Application received")}</h2>
            <p>
                {lang.pick("Номер заявления: ", "Application number: ")}
                <strong id="application-id" data-testid="application-id"></strong>
                {lang.pick(
                    ". Статус обновляется сам; эту страницу можно закрыть — он сохранится.",
                    ". The status updates by itself; you may close this page, it will be kept.",
                )}
            </p>
            <ol class="statuses" id="statuses" aria-live="polite" data-testid="statuses"></ol>
            <form class="feedback" id="feedback" data-testid="feedback" hidden>
                <fieldset>
                    <legend>{lang.pick("Как прошла подача? Оцените от 1 до 5", "How did applying go? Rate it from 1 to 5")}</legend>
                    {stars}
                </fieldset>
                <label for="feedback-comment">{lang.pick("Комментарий (необязательно)", "Comment (optional)")}</label>
                <textarea id="feedback-comment" rows="3" maxlength=crate::applications::MAX_FEEDBACK_CHARS></textarea>
                <button type="submit" class="primary" data-testid="feedback-send">{lang.pick("Отправить отзыв", "Send feedback")}</button>
                <div id="feedback-failure"></div>
            </form>
            <p role="status" id="feedback-thanks" data-testid="feedback-thanks" hidden>{lang.pick("Спасибо за отзыв!", "Thank you for your feedback!")}</p>
            <button type="button" id="new-application" hidden>{lang.pick("Подать новое заявление", "File a new application")}</button>
        </section>
    }
}

/// The HTML `autocomplete` token for a prefilled field, so browsers and assistive tools know it.
fn autocomplete(field: &Field) -> &'static str {
    match field.prefill {
        Some(ProfileField::LastName) => "family-name",
        Some(ProfileField::FirstName) => "given-name",
        Some(ProfileField::MiddleName) => "additional-name",
        Some(ProfileField::BirthDate) => "bday",
        Some(ProfileField::MobilePhone) => "tel",
        Some(ProfileField::Email) => "email",
        Some(ProfileField::RegistrationAddress | ProfileField::ResidenceAddress) => {
            "street-address"
        }
        _ => "off",
    }
}

/// One field: label, hint (Russian only, marked so), control and the slot its message appears
/// in (announced).
#[component]
fn FormField(field: Field, lang: Lang) -> impl IntoView {
    let label = lang.pick(&field.label_ru, &field.label_en).clone();
    let name = field.name.clone();
    let id = format!("f-{name}");
    let error_id = format!("e-{name}");
    let help_id = format!("h-{name}");
    let described = if field.help_ru.is_some() {
        format!("{error_id} {help_id}")
    } else {
        error_id.clone()
    };
    let mark = field.required.then_some(" *");
    let help = field
        .help_ru
        .clone()
        .map(|help| view! { <p class="field-help" lang="ru" id=help_id.clone()>{help}</p> });
    let message =
        view! { <p class="field-error" id=error_id role="alert" data-testid="field-error"></p> };
    match &field.kind {
        FieldKind::Radio { options } => {
            let choices = options
                .iter()
                .enumerate()
                .map(|(i, choice)| {
                    let choice_id = format!("f-{name}-{i}");
                    view! {
                        <div class="choice">
                            <input type="radio" id=choice_id.clone() name=name.clone() value=choice.value.clone()
                                aria-describedby=described.clone() />
                            <label for=choice_id>{lang.pick(&choice.label_ru, &choice.label_en).clone()}</label>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="field" id=id data-field=name.clone()>
                    <legend>{label}{mark}</legend>
                    {help}
                    {choices}
                    {message}
                </fieldset>
            }
            .into_any()
        }
        FieldKind::Checkbox => view! {
            <div class="field field-checkbox">
                <input type="checkbox" id=id.clone() name=name.clone() aria-invalid="false" aria-describedby=described />
                <label for=id>{label}{mark}</label>
                {help}
                {message}
            </div>
        }
        .into_any(),
        kind => {
            let control = match kind {
                FieldKind::Select { options } => {
                    let options = options
                        .iter()
                        .map(|c| view! { <option value=c.value.clone()>{lang.pick(&c.label_ru, &c.label_en).clone()}</option> })
                        .collect_view();
                    view! {
                        <select id=id.clone() name=name.clone() required=field.required aria-invalid="false"
                            aria-describedby=described>
                            <option value="">{lang.pick("— выберите —", "— choose —")}</option>
                            {options}
                        </select>
                    }
                    .into_any()
                }
                FieldKind::Text {
                    multiline: true,
                    max_len,
                } => view! {
                    <textarea id=id.clone() name=name.clone() rows="4" maxlength=*max_len required=field.required
                        aria-invalid="false" aria-describedby=described></textarea>
                }
                .into_any(),
                kind => {
                    let (input_type, mode) = match kind {
                        FieldKind::Date { .. } => ("date", None),
                        FieldKind::Email => ("email", None),
                        FieldKind::Number { .. } => ("text", Some("numeric")),
                        FieldKind::Identifier {
                            identifier: IdentifierKind::Phone,
                        } => ("tel", None),
                        FieldKind::Identifier { .. } => ("text", Some("numeric")),
                        _ => ("text", None),
                    };
                    view! {
                        <input type=input_type id=id.clone() name=name.clone() inputmode=mode
                            autocomplete=autocomplete(&field) required=field.required aria-invalid="false"
                            aria-describedby=described />
                    }
                    .into_any()
                }
            };
            view! {
                <div class="field">
                    <label for=id>{label}{mark}</label>
                    {help}
                    {control}
                    {message}
                </div>
            }
            .into_any()
        }
    }
}

/// The files attached to the draft, and the picker that uploads more with a progress bar.
#[component]
fn Attachments(rule: AttachmentRule, lang: Lang) -> impl IntoView {
    let limit_mb = rule.max_bytes_each / (1024 * 1024);
    let files = rule.max_files;
    let hint = match lang {
        Lang::Ru => {
            format!("PDF, JPEG или PNG, до {limit_mb} МБ каждый, не больше {files} файлов.")
        }
        Lang::En => format!("PDF, JPEG or PNG, up to {limit_mb} MB each, at most {files} files."),
    };
    let legend = match rule.label_ru.clone() {
        Some(label) => view! { <legend lang="ru">{label}</legend> }.into_any(),
        None => view! { <legend>{lang.pick("Документы", "Documents")}</legend> }.into_any(),
    };
    view! {
        <fieldset class="field attachments" data-testid="attachments">
            {legend}
            <p class="field-help" id="h-attachments">{hint}</p>
            <label for="f-attachments">{lang.pick("Выберите файлы", "Choose files")}</label>
            <input type="file" id="f-attachments" accept=rule.mime_types.join(",") multiple
                aria-describedby="h-attachments e-attachments" data-testid="attachment-input" />
            <ul class="attached" id="attached" data-testid="attached"></ul>
            <div id="upload" hidden>
                <label for="upload-progress">{lang.pick("Загрузка файла", "Uploading the file")}</label>
                <progress id="upload-progress" max="100" value="0" data-testid="upload-progress"></progress>
            </div>
            <div id="e-attachments"></div>
        </fieldset>
    }
}
