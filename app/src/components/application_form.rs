//! The application form, rendered from the service's schema: one control per field kind, each
//! answer checked by the same Rust rules the server applies again, the problem shown next to
//! the field and announced to screen readers, answers saved as a draft (sealed on the server)
//! so a reload keeps them, and files attached with an upload progress bar.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::{
    applications::{AttachmentView, Receipt},
    citizen::CitizenProfile,
    components::error_notice::ErrorNotice,
    error::AppError,
    identifiers::IdentifierKind,
    services::{
        AttachmentRule, Choice, Field, FieldKind, FormSchema, ProfileField,
        values::{CalendarDate, FieldProblem, FormValues},
    },
};

/// What every request of the form carries.
#[derive(Clone)]
pub struct Caller {
    pub session: String,
    pub access_token: String,
    pub service_code: String,
}

type Problems = BTreeMap<String, FieldProblem>;

/// The citizen's date: the browser's local date; on the server (never for a real check), the
/// easternmost Russian date.
fn today() -> CalendarDate {
    #[cfg(feature = "hydrate")]
    {
        let now = js_sys::Date::new_0();
        let local = CalendarDate::new(
            u16::try_from(now.get_full_year()).unwrap_or(1970),
            u8::try_from(now.get_month() + 1).unwrap_or(1),
            u8::try_from(now.get_date()).unwrap_or(1),
        );
        if let Some(date) = local {
            return date;
        }
    }
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    CalendarDate::from_unix_seconds(
        seconds,
        crate::services::values::EASTERNMOST_RUSSIAN_UTC_OFFSET,
    )
    .unwrap_or(CalendarDate::UNIX_EPOCH)
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

/// The answers of the draft, with the profile's prefills where the draft has none.
fn prefilled(form: &FormSchema, draft: FormValues, profile: &CitizenProfile) -> FormValues {
    let mut values = draft;
    for field in &form.fields {
        if values.get(&field.name).is_none()
            && let Some(value) = field.prefill.and_then(|p| profile.prefill(p))
        {
            values.insert(field.name.clone(), value);
        }
    }
    values
}

fn problem_map(problems: Vec<FieldProblem>) -> Problems {
    problems
        .into_iter()
        .map(|problem| (problem.field.clone(), problem))
        .collect()
}

#[component]
pub fn ApplicationForm(
    caller: Caller,
    form: FormSchema,
    profile: CitizenProfile,
    on_submitted: Callback<Receipt>,
) -> impl IntoView {
    let values = RwSignal::new(FormValues::new());
    let problems = RwSignal::new(Problems::new());
    let application_id = RwSignal::new(None::<String>);
    let attachments = RwSignal::new(Vec::<AttachmentView>::new());
    let failure = RwSignal::new(None::<AppError>);
    let submitting = RwSignal::new(false);
    let rule = form.attachments.clone();
    let form = StoredValue::new(form);
    let caller = StoredValue::new(caller);

    {
        let profile = profile.clone();
        leptos::task::spawn_local(async move {
            let Caller {
                session,
                access_token,
                service_code,
            } = caller.get_value();
            match crate::widget_api::open_draft(session, access_token, service_code).await {
                Ok(draft) => {
                    values.set(form.with_value(|f| prefilled(f, draft.values, &profile)));
                    attachments.set(draft.attachments);
                    application_id.set(Some(draft.application_id));
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    }

    let save = move || {
        let Some(id) = application_id.get_untracked() else {
            return;
        };
        let Caller {
            session,
            access_token,
            service_code,
        } = caller.get_value();
        let answers = values.get_untracked();
        leptos::task::spawn_local(async move {
            if let Err(error) =
                crate::widget_api::save_draft(session, access_token, service_code, id, answers)
                    .await
            {
                failure.set(Some(error));
            }
        });
    };
    let changed = Callback::new(move |(name, value): (String, String)| {
        values.update(|v| {
            if value.is_empty() {
                v.remove(&name);
            } else {
                v.insert(name.clone(), value);
            }
        });
        let checked =
            form.with_value(|f| values.with_untracked(|v| f.validate_field(&name, v, today())));
        problems.update(|p| match checked {
            Ok(_) => {
                p.remove(&name);
            }
            Err(problem) => {
                p.insert(name.clone(), problem);
            }
        });
        save();
    });

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if submitting.get_untracked() {
            return; // A double click sends once; the server would answer the same receipt anyway.
        }
        let Some(id) = application_id.get_untracked() else {
            return;
        };
        let answers = values.get_untracked();
        if let Err(found) = form.with_value(|f| f.validate(&answers, today())) {
            let first = found.problems.first().map(|p| p.field.clone());
            problems.set(problem_map(found.problems));
            if let Some(name) = first {
                focus(&format!("f-{name}"));
            }
            return;
        }
        submitting.set(true);
        failure.set(None);
        let Caller {
            session,
            access_token,
            service_code,
        } = caller.get_value();
        leptos::task::spawn_local(async move {
            match crate::widget_api::submit_application(
                session,
                access_token,
                service_code,
                id,
                answers,
            )
            .await
            {
                Ok(receipt) => on_submitted.run(receipt),
                Err(AppError::FormInvalid { problems: found }) => {
                    problems.set(problem_map(found));
                }
                Err(error) => failure.set(Some(error)),
            }
            submitting.set(false);
        });
    };

    let fields = form
        .get_value()
        .fields
        .into_iter()
        .map(|field| view! { <FormField field values problems changed /> })
        .collect_view();
    let files = (rule.max_files > 0).then(|| {
        view! { <Attachments rule caller=caller.get_value() application_id attachments /> }
    });
    view! {
        <form class="application-form" novalidate on:submit=submit data-testid="application-form">
            <h2>"Заявление"</h2>
            <p class="form-note">"Поля, отмеченные *, обязательны. Ответы сохраняются как черновик."</p>
            {fields}
            {files}
            {move || failure.get().map(|error| view! { <ErrorNotice error /> })}
            <button type="submit" class="primary" disabled=move || submitting.get() data-testid="submit">
                {move || if submitting.get() { "Отправляем…" } else { "Отправить заявление" }}
            </button>
        </form>
    }
}

/// Moves keyboard focus to the element with this id (the first field with a problem).
fn focus(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

#[component]
fn FormField(
    field: Field,
    values: RwSignal<FormValues>,
    problems: RwSignal<Problems>,
    changed: Callback<(String, String)>,
) -> impl IntoView {
    let name = field.name.clone();
    let id = format!("f-{name}");
    let error_id = format!("e-{name}");
    let help_id = format!("h-{name}");
    let current = {
        let name = name.clone();
        move || values.with(|v| v.get(&name).unwrap_or_default().to_owned())
    };
    let invalid = {
        let name = name.clone();
        move || problems.with(|p| p.contains_key(&name)).to_string()
    };
    let described = if field.help_ru.is_some() {
        format!("{error_id} {help_id}")
    } else {
        error_id.clone()
    };
    let on_change = {
        let name = name.clone();
        move |event: leptos::ev::Event| changed.run((name.clone(), event_target_value(&event)))
    };
    let required_mark = field.required.then_some(" *");
    let label = view! { <label for=id.clone()>{field.label_ru.clone()}{required_mark}</label> };
    let control = match &field.kind {
        FieldKind::Radio { options } => {
            let choices = options
                .iter()
                .enumerate()
                .map(|(i, choice)| {
                    radio_choice(
                        &name,
                        i,
                        choice,
                        current.clone(),
                        on_change.clone(),
                        described.clone(),
                    )
                })
                .collect_view();
            return view! {
                <fieldset class="field" aria-describedby=described.clone() aria-invalid=invalid>
                    <legend id=id>{field.label_ru.clone()}{required_mark}</legend>
                    {field.help_ru.clone().map(|help| view! { <p class="field-help" id=help_id.clone()>{help}</p> })}
                    {choices}
                    <FieldMessage name=name.clone() error_id problems />
                </fieldset>
            }
            .into_any();
        }
        FieldKind::Select { options } => {
            let options = options
                .iter()
                .map(|choice| {
                    let value = choice.value.clone();
                    let selected = {
                        let current = current.clone();
                        let value = value.clone();
                        move || current() == value
                    };
                    view! { <option value=value selected=selected>{choice.label_ru.clone()}</option> }
                })
                .collect_view();
            view! {
                <select id=id.clone() name=name.clone() required=field.required aria-invalid=invalid
                    aria-describedby=described.clone() on:change=on_change>
                    <option value="">"— выберите —"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        FieldKind::Checkbox => {
            let checked = {
                let current = current.clone();
                move || current() == "true"
            };
            let name_for_change = name.clone();
            return view! {
                <div class="field field-checkbox">
                    <input type="checkbox" id=id.clone() name=name.clone() prop:checked=checked
                        aria-invalid=invalid aria-describedby=described.clone()
                        on:change=move |event| changed.run((name_for_change.clone(), event_target_checked(&event).to_string())) />
                    {label}
                    <FieldMessage name=name.clone() error_id problems />
                </div>
            }
            .into_any();
        }
        FieldKind::Text {
            multiline: true,
            max_len,
        } => view! {
            <textarea id=id.clone() name=name.clone() rows="4" maxlength=*max_len required=field.required
                prop:value=current aria-invalid=invalid aria-describedby=described.clone() on:change=on_change></textarea>
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
            let max = match kind {
                FieldKind::Date {
                    not_after_today: true,
                } => Some(today().to_string()),
                _ => None,
            };
            view! {
                <input type=input_type id=id.clone() name=name.clone() inputmode=mode max=max
                    autocomplete=autocomplete(&field) required=field.required prop:value=current
                    aria-invalid=invalid aria-describedby=described.clone() on:change=on_change />
            }
            .into_any()
        }
    };
    view! {
        <div class="field">
            {label}
            {field.help_ru.clone().map(|help| view! { <p class="field-help" id=help_id.clone()>{help}</p> })}
            {control}
            <FieldMessage name error_id problems />
        </div>
    }
    .into_any()
}

fn radio_choice(
    name: &str,
    index: usize,
    choice: &Choice,
    current: impl Fn() -> String + Send + Sync + 'static,
    on_change: impl Fn(leptos::ev::Event) + Clone + 'static,
    described: String,
) -> impl IntoView {
    let id = format!("f-{name}-{index}");
    let value = choice.value.clone();
    let checked = {
        let value = value.clone();
        move || current() == value
    };
    view! {
        <div class="choice">
            <input type="radio" id=id.clone() name=name.to_owned() value=value prop:checked=checked
                aria-describedby=described on:change=on_change />
            <label for=id>{choice.label_ru.clone()}</label>
        </div>
    }
}

/// The field's problem, in Russian and English, announced as it appears.
#[component]
fn FieldMessage(name: String, error_id: String, problems: RwSignal<Problems>) -> impl IntoView {
    let message = move || {
        problems.with(|p| {
            p.get(&name)
                .map(|problem| (problem.message_ru.clone(), problem.message_en.clone()))
        })
    };
    view! {
        <p class="field-error" id=error_id role="alert" data-testid="field-error">
            {move || message().map(|(ru, en)| view! { {ru} " " <span lang="en">{en}</span> })}
        </p>
    }
}

/// The files attached to the draft, and the picker that uploads more with a progress bar.
#[component]
fn Attachments(
    rule: AttachmentRule,
    caller: Caller,
    application_id: RwSignal<Option<String>>,
    attachments: RwSignal<Vec<AttachmentView>>,
) -> impl IntoView {
    let progress = RwSignal::new(None::<f64>);
    let failure = RwSignal::new(None::<AppError>);
    let accept = rule.mime_types.join(",");
    let legend = rule_label(&rule);
    let limit_mb = rule.max_bytes_each / (1024 * 1024);
    let hint = format!(
        "PDF, JPEG или PNG, до {limit_mb} МБ каждый, не больше {} файлов.",
        rule.max_files
    );
    let pick = move |event: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let Some(id) = application_id.get_untracked() else {
                return;
            };
            for file in browser::chosen_files(&event) {
                if let Err(error) = check_file(
                    &rule,
                    attachments.with_untracked(Vec::len),
                    file.size(),
                    &file.type_(),
                ) {
                    failure.set(Some(error));
                    continue;
                }
                failure.set(None);
                progress.set(Some(0.0));
                browser::upload(
                    &caller,
                    &id,
                    file,
                    move |share| progress.set(Some(share)),
                    move |result| {
                        progress.set(None);
                        match result {
                            Ok(view) => attachments.update(|a| a.push(view)),
                            Err(error) => failure.set(Some(error)),
                        }
                    },
                );
            }
            browser::clear_input(&event);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&event, &caller, &rule, application_id);
    };
    view! {
        <fieldset class="field attachments" data-testid="attachments">
            <legend>{legend}</legend>
            <p class="field-help" id="h-attachments">{hint}</p>
            <label for="f-attachments">"Выберите файлы"</label>
            <input type="file" id="f-attachments" accept=accept multiple
                aria-describedby="h-attachments e-attachments" on:change=pick data-testid="attachment-input" />
            <ul class="attached" data-testid="attached">
                {move || attachments.get().into_iter().map(|file| view! {
                    <li>{file.name} " (" {file.size_bytes.div_ceil(1024)} " КБ)"</li>
                }).collect_view()}
            </ul>
            {move || progress.get().map(|share| view! {
                <label for="upload-progress">"Загрузка файла"</label>
                <progress id="upload-progress" max="100" value=(share * 100.0).round() data-testid="upload-progress"></progress>
            })}
            <div id="e-attachments">{move || failure.get().map(|error| view! { <ErrorNotice error /> })}</div>
        </fieldset>
    }
}

fn rule_label(rule: &AttachmentRule) -> String {
    rule.label_ru
        .clone()
        .unwrap_or_else(|| "Документы".to_owned())
}

/// The form's rule for a file about to be uploaded (checked again on the server).
pub fn check_file(
    rule: &AttachmentRule,
    attached: usize,
    size: f64,
    content_type: &str,
) -> Result<(), AppError> {
    if attached >= usize::from(rule.max_files) {
        return Err(AppError::AttachmentsTooMany);
    }
    if size > f64::from(rule.max_bytes_each) {
        return Err(AppError::AttachmentTooLarge);
    }
    if !rule.mime_types.iter().any(|t| t == content_type) {
        return Err(AppError::AttachmentTypeNotAllowed);
    }
    Ok(())
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{File, HtmlInputElement, ProgressEvent, XmlHttpRequest};

    use super::Caller;
    use crate::{applications::AttachmentView, error::AppError};

    pub fn chosen_files(event: &leptos::ev::Event) -> Vec<File> {
        let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return Vec::new();
        };
        let Some(list) = input.files() else {
            return Vec::new();
        };
        (0..list.length()).filter_map(|i| list.item(i)).collect()
    }

    pub fn clear_input(event: &leptos::ev::Event) {
        if let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        {
            input.set_value("");
        }
    }

    fn encode(text: &str) -> String {
        js_sys::encode_uri_component(text).into()
    }

    /// Sends the file as the request body, reporting the share sent (0–1) as it goes.
    pub fn upload(
        caller: &Caller,
        application_id: &str,
        file: File,
        on_progress: impl Fn(f64) + 'static,
        on_done: impl FnOnce(Result<AttachmentView, AppError>) + 'static,
    ) {
        let transport = |detail: &str| AppError::Transport {
            detail: detail.to_owned(),
        };
        let Ok(request) = XmlHttpRequest::new() else {
            on_done(Err(transport("no XMLHttpRequest")));
            return;
        };
        let url = format!(
            "/widget-api/applications/{}/attachments?service={}",
            encode(application_id),
            encode(&caller.service_code)
        );
        let opened = request.open("POST", &url).and_then(|()| {
            request.set_request_header("x-okno-session", &caller.session)?;
            request
                .set_request_header("authorization", &format!("Bearer {}", caller.access_token))?;
            request.set_request_header("x-okno-file-name", &encode(&file.name()))?;
            request.set_request_header("content-type", &file.type_())
        });
        if opened.is_err() {
            on_done(Err(transport("cannot open the upload")));
            return;
        }
        let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                on_progress(event.loaded() / event.total());
            }
        });
        if let Ok(upload) = request.upload() {
            upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        }
        progress.forget();
        let finished = request.clone();
        let done = Closure::once_into_js(move || {
            let text = finished.response_text().ok().flatten().unwrap_or_default();
            let result = match finished.status() {
                Ok(201) => serde_json::from_str::<AttachmentView>(&text)
                    .map_err(|e| transport(&e.to_string())),
                Ok(0) | Err(_) => Err(transport("network")),
                Ok(_) => Err(serde_json::from_str::<AppError>(&text)
                    .unwrap_or_else(|e| transport(&e.to_string()))),
            };
            on_done(result);
        });
        request.set_onloadend(Some(done.unchecked_ref()));
        if request.send_with_opt_blob(Some(&file)).is_err() {
            // onloadend still fires and reports it.
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> AttachmentRule {
        AttachmentRule {
            max_files: 2,
            max_bytes_each: 5 * 1024 * 1024,
            mime_types: vec!["application/pdf".into(), "image/png".into()],
            label_ru: None,
        }
    }

    #[test]
    fn files_are_refused_before_upload_with_the_servers_codes() {
        assert_eq!(check_file(&rule(), 0, 1000.0, "application/pdf"), Ok(()));
        assert_eq!(
            check_file(&rule(), 0, 5.0 * 1024.0 * 1024.0 + 1.0, "application/pdf"),
            Err(AppError::AttachmentTooLarge)
        );
        assert_eq!(
            check_file(&rule(), 0, 10.0, "application/x-msdownload"),
            Err(AppError::AttachmentTypeNotAllowed)
        );
        assert_eq!(
            check_file(&rule(), 2, 10.0, "image/png"),
            Err(AppError::AttachmentsTooMany)
        );
    }

    fn field(name: &str, kind: FieldKind, prefill: ProfileField) -> Field {
        Field {
            name: name.into(),
            label_ru: name.into(),
            label_en: name.into(),
            help_ru: None,
            required: true,
            kind,
            prefill: Some(prefill),
        }
    }

    #[test]
    fn the_profile_fills_only_what_the_draft_lacks() {
        let text = FieldKind::Text {
            max_len: 100,
            multiline: false,
        };
        let snils = FieldKind::Identifier {
            identifier: IdentifierKind::Snils,
        };
        let form = FormSchema {
            version: 1,
            fields: vec![
                field("last_name", text, ProfileField::LastName),
                field("snils", snils, ProfileField::Snils),
            ],
            attachments: rule(),
        };
        let profile = CitizenProfile {
            last_name: Some("Иванова".into()),
            first_name: None,
            middle_name: None,
            birth_date: None,
            snils: Some("526-018-159 61".into()),
            level: crate::services::AccountLevel::Confirmed,
        };
        let draft: FormValues = [("last_name", "Петрова")].into_iter().collect();
        let values = prefilled(&form, draft, &profile);
        assert_eq!(
            values.get("last_name"),
            Some("Петрова"),
            "the citizen's own answer stays"
        );
        assert_eq!(values.get("snils"), Some("526-018-159 61"));
    }
}
