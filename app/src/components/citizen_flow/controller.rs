//! The browser side of the citizen flow: works on the server-rendered markup of
//! [`super::CitizenFlowPage`] by element id — shows its sections in turn, checks answers with
//! the shared rules, saves drafts, uploads files with progress, submits and follows the status
//! stream. Plain DOM calls instead of reactive views: the markup already exists, so nothing
//! here has to build it.

use std::{
    cell::{Cell, RefCell},
    collections::VecDeque,
    rc::Rc,
};

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{
    Document, Element, Event, EventSource, File, HtmlElement, HtmlInputElement, MessageEvent,
    ProgressEvent, XmlHttpRequest,
};

use super::SIGNIN_MESSAGE;
use crate::{
    applications::{AttachmentView, Receipt, StatusView, check_file, prefilled},
    citizen::SignedInCitizen,
    components::frame_bridge::{ask_full_screen, tell_host},
    consent::GivenConsent,
    error::AppError,
    services::{
        AccountLevel, FieldKind, FormSchema,
        values::{CalendarDate, FieldProblem, FormValues},
    },
    widget_api,
};

/// What the island was rendered with.
pub struct Setup {
    pub popup_url: String,
    pub session: String,
    pub required_level: AccountLevel,
    pub service_code: String,
    pub form: FormSchema,
    pub parent_origin: Option<String>,
}

struct Flow {
    setup: Setup,
    document: Document,
    /// The citizen's access token (carrying the consent once given).
    access: RefCell<String>,
    profile: RefCell<Option<crate::citizen::CitizenProfile>>,
    application_id: RefCell<Option<String>>,
    attached: Cell<usize>,
    submitting: Cell<bool>,
    /// The last status shown in the timeline.
    last_seq: Cell<i64>,
    /// One draft save at a time; a change during one asks for another after it.
    saving: Cell<bool>,
    save_again: Cell<bool>,
    /// One token renewal at a time: a refresh token works once.
    refreshing: Cell<bool>,
    /// Files waiting to upload, one after another (the form's file limit counts them).
    uploads: RefCell<VecDeque<File>>,
    uploading: Cell<bool>,
}

type Shared = Rc<Flow>;

/// The browser's local date, for "not after today".
fn today() -> CalendarDate {
    let now = js_sys::Date::new_0();
    CalendarDate::new(
        u16::try_from(now.get_full_year()).unwrap_or(1970),
        u8::try_from(now.get_month() + 1).unwrap_or(1),
        u8::try_from(now.get_date()).unwrap_or(1),
    )
    .unwrap_or(CalendarDate::UNIX_EPOCH)
}

fn on<T: JsCast>(target: &T, event: &str, handler: impl FnMut(Event) + 'static) {
    let closure = Closure::<dyn FnMut(Event)>::new(handler);
    if let Some(target) = target.dyn_ref::<web_sys::EventTarget>() {
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    }
    // Listeners live as long as the page.
    closure.forget();
}

fn property(element: &JsValue, name: &str) -> JsValue {
    Reflect::get(element, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn set_property(element: &JsValue, name: &str, value: JsValue) {
    let _ = Reflect::set(element, &JsValue::from_str(name), &value);
}

impl Flow {
    fn el(&self, id: &str) -> Option<Element> {
        self.document.get_element_by_id(id)
    }

    fn show(&self, id: &str, visible: bool) {
        if let Some(element) = self.el(id) {
            let _ = if visible {
                element.remove_attribute("hidden")
            } else {
                element.set_attribute("hidden", "")
            };
        }
    }

    fn set_text(&self, id: &str, text: &str) {
        if let Some(element) = self.el(id) {
            element.set_text_content(Some(text));
        }
    }

    fn append(&self, parent: &Element, tag: &str, text: &str) -> Option<Element> {
        let child = self.document.create_element(tag).ok()?;
        child.set_text_content(Some(text));
        parent.append_child(&child).ok()?;
        Some(child)
    }

    fn focus(&self, id: &str) {
        if let Some(element) = self.el(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let _ = element.focus();
        }
    }

    /// Shows `error` (Russian, English, code) in the container `id`, or clears it.
    fn notice(&self, id: &str, error: Option<&AppError>) {
        let Some(container) = self.el(id) else {
            return;
        };
        container.set_text_content(None);
        let Some(error) = error else {
            return;
        };
        let Ok(notice) = self.document.create_element("div") else {
            return;
        };
        let _ = notice.set_attribute("class", "notice notice-error");
        let _ = notice.set_attribute("role", "alert");
        let _ = notice.set_attribute("data-testid", "error");
        let _ = notice.set_attribute("data-code", error.code());
        self.append(&notice, "p", error.message_ru());
        if let Some(en) = self.append(&notice, "p", error.message_en()) {
            let _ = en.set_attribute("lang", "en");
        }
        if let Some(code) = self.append(&notice, "p", &format!("Код: {}", error.code())) {
            let _ = code.set_attribute("class", "notice-code");
        }
        let _ = container.append_child(&notice);
    }

    fn host(&self, kind: &str, application_id: &str, status: u32) {
        if let Some(origin) = &self.setup.parent_origin {
            tell_host(origin, kind, application_id, status);
        }
    }

    fn full_screen(&self, on: bool) {
        if let Some(origin) = &self.setup.parent_origin {
            ask_full_screen(origin, on);
        }
    }

    fn session(&self) -> String {
        self.setup.session.clone()
    }

    fn access(&self) -> String {
        self.access.borrow().clone()
    }

    /// The answers as the form shows them now.
    fn read_values(&self) -> FormValues {
        let mut values = FormValues::new();
        for field in &self.setup.form.fields {
            let name = &field.name;
            let value = match field.kind {
                FieldKind::Radio { .. } => self
                    .document
                    .query_selector(&format!("input[name=\"{name}\"]:checked"))
                    .ok()
                    .flatten()
                    .and_then(|e| e.get_attribute("value")),
                FieldKind::Checkbox => self
                    .el(&format!("f-{name}"))
                    .and_then(|e| property(&e, "checked").as_bool())
                    .and_then(|checked| checked.then(|| "true".to_owned())),
                _ => self
                    .el(&format!("f-{name}"))
                    .and_then(|e| property(&e, "value").as_string()),
            };
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                values.insert(name.clone(), value);
            }
        }
        values
    }

    fn write_values(&self, values: &FormValues) {
        for field in &self.setup.form.fields {
            let name = &field.name;
            let value = values.get(name).unwrap_or_default();
            match field.kind {
                FieldKind::Radio { .. } => {
                    if let Ok(Some(choice)) = self
                        .document
                        .query_selector(&format!("input[name=\"{name}\"][value=\"{value}\"]"))
                    {
                        set_property(&choice, "checked", JsValue::TRUE);
                    }
                }
                FieldKind::Checkbox => {
                    if let Some(element) = self.el(&format!("f-{name}")) {
                        set_property(&element, "checked", JsValue::from_bool(value == "true"));
                    }
                }
                _ => {
                    if let Some(element) = self.el(&format!("f-{name}")) {
                        set_property(&element, "value", JsValue::from_str(value));
                    }
                }
            }
        }
    }

    /// Shows the field's problem next to it (or clears it) and marks it invalid for assistive
    /// technology.
    fn show_problem(&self, name: &str, problem: Option<&FieldProblem>) {
        if let Some(slot) = self.el(&format!("e-{name}")) {
            slot.set_text_content(None);
            if let Some(problem) = problem {
                self.append(&slot, "span", &format!("{} ", problem.message_ru));
                if let Some(en) = self.append(&slot, "span", &problem.message_en) {
                    let _ = en.set_attribute("lang", "en");
                }
            }
        }
        let invalid = if problem.is_some() { "true" } else { "false" };
        let selector = format!("[name=\"{name}\"]");
        if let Ok(controls) = self.document.query_selector_all(&selector) {
            for i in 0..controls.length() {
                if let Some(control) = controls.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    let _ = control.set_attribute("aria-invalid", invalid);
                }
            }
        }
    }

    fn show_problems(&self, problems: &[FieldProblem]) {
        for field in &self.setup.form.fields {
            let problem = problems.iter().find(|p| p.field == field.name);
            self.show_problem(&field.name, problem);
        }
        if let Some(first) = problems.first() {
            let target = match self
                .setup
                .form
                .fields
                .iter()
                .find(|f| f.name == first.field)
            {
                Some(field) if matches!(field.kind, FieldKind::Radio { .. }) => {
                    format!("f-{}-0", first.field)
                }
                _ => format!("f-{}", first.field),
            };
            self.focus(&target);
        }
    }

    fn list_attachment(&self, file: &AttachmentView) {
        if let Some(list) = self.el("attached") {
            let kb = file.size_bytes.div_ceil(1024);
            self.append(&list, "li", &format!("{} ({kb} КБ)", file.name));
        }
        self.attached.set(self.attached.get() + 1);
    }
}

pub fn start(setup: Setup) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let flow: Shared = Rc::new(Flow {
        setup,
        document,
        access: RefCell::new(String::new()),
        profile: RefCell::new(None),
        application_id: RefCell::new(None),
        attached: Cell::new(0),
        submitting: Cell::new(false),
        last_seq: Cell::new(0),
        saving: Cell::new(false),
        save_again: Cell::new(false),
        refreshing: Cell::new(false),
        uploads: RefCell::new(VecDeque::new()),
        uploading: Cell::new(false),
    });
    wire(&flow);
    let resuming = flow.clone();
    leptos::task::spawn_local(async move {
        // Back after a reload: the refresh cookie signs the citizen in again, if it can.
        let (session, code) = (resuming.session(), resuming.setup.service_code.clone());
        if let Ok(Some(resumed)) = widget_api::resume_signin(session, code).await {
            signed_in(&resuming, resumed.citizen);
            if let Some(given) = resumed.consent {
                consented(&resuming, &given, resumed.latest);
            }
        }
    });
}

fn wire(flow: &Shared) {
    let f = flow.clone();
    if let Some(button) = flow.el("signin-button") {
        on(&button, "click", move |_| {
            f.show("level-too-low", false);
            let opened = web_sys::window()
                .and_then(|w| {
                    w.open_with_url_and_target_and_features(
                        &f.setup.popup_url,
                        "okno-signin",
                        "popup,width=520,height=700",
                    )
                    .ok()
                    .flatten()
                })
                .is_some();
            f.show("signin-blocked", !opened);
        });
    }
    let f = flow.clone();
    if let Some(window) = web_sys::window() {
        on(&window, "message", move |event| {
            let Some(event) = event.dyn_ref::<MessageEvent>() else {
                return;
            };
            match signin_message(event) {
                Some(Ok(code)) => {
                    let f = f.clone();
                    leptos::task::spawn_local(async move {
                        match widget_api::collect_signin(f.session(), code).await {
                            Ok(citizen) => {
                                f.notice("flow-failure", None);
                                signed_in(&f, citizen);
                            }
                            Err(error) => f.notice("flow-failure", Some(&error)),
                        }
                    });
                }
                Some(Err(())) => f.show("level-too-low", true),
                None => {}
            }
        });
    }
    let f = flow.clone();
    if let Some(button) = flow.el("consent-give") {
        on(&button, "click", move |_| {
            let f = f.clone();
            leptos::task::spawn_local(async move {
                let code = f.setup.service_code.clone();
                match widget_api::give_consent(f.session(), f.access(), code).await {
                    Ok(given) => {
                        f.notice("flow-failure", None);
                        consented(&f, &given, None);
                    }
                    Err(error) => f.notice("flow-failure", Some(&error)),
                }
            });
        });
    }
    if let Some(form) = flow.el("application-form") {
        let f = flow.clone();
        on(&form, "change", move |event| {
            let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            if target.id() == "f-attachments" {
                upload_chosen(&f, &target);
            } else if let Some(name) = target.get_attribute("name") {
                answer_changed(&f, &name);
            }
        });
        let f = flow.clone();
        on(&form, "submit", move |event| {
            event.prevent_default();
            submit(&f);
        });
    }
    if let Some(form) = flow.el("feedback") {
        let f = flow.clone();
        on(&form, "submit", move |event| {
            event.prevent_default();
            send_feedback(&f);
        });
    }
    let f = flow.clone();
    if let Some(button) = flow.el("new-application") {
        on(&button, "click", move |_| {
            f.show("timeline", false);
            open_form(&f);
        });
    }
}

fn signed_in(flow: &Shared, citizen: SignedInCitizen) {
    let level = citizen.profile.level;
    flow.show("flow-signin", false);
    flow.set_text("citizen-name", &citizen.profile.display_name());
    flow.set_text("citizen-level", level.label_ru());
    flow.show("signed-in", true);
    *flow.access.borrow_mut() = citizen.access_token;
    *flow.profile.borrow_mut() = Some(citizen.profile);
    if flow.setup.required_level.allows(level) {
        flow.show("flow-consent", true);
    } else {
        flow.show("level-too-low", true);
    }
}

fn consented(flow: &Shared, given: &GivenConsent, latest: Option<Receipt>) {
    *flow.access.borrow_mut() = given.access_token.clone();
    flow.show("flow-consent", false);
    flow.set_text("consent-at", &given.granted_at.replace('T', " "));
    flow.set_text("consent-id", &given.consent_id);
    if let (Some(text), Some(details)) = (flow.el("consent-text"), flow.el("consent-details")) {
        let _ = details.append_child(&text);
    }
    flow.show("flow-consented", true);
    match latest {
        Some(receipt) => show_timeline(flow, receipt),
        None => open_form(flow),
    }
}

fn open_form(flow: &Shared) {
    flow.show("application-form", true);
    flow.full_screen(true);
    let f = flow.clone();
    leptos::task::spawn_local(async move {
        let code = f.setup.service_code.clone();
        match widget_api::open_draft(f.session(), f.access(), code).await {
            Ok(draft) => {
                let profile = f.profile.borrow().clone();
                let values = match profile {
                    Some(profile) => prefilled(&f.setup.form, draft.values, &profile),
                    None => draft.values,
                };
                f.write_values(&values);
                if let Some(list) = f.el("attached") {
                    list.set_text_content(None);
                }
                f.attached.set(0);
                for file in &draft.attachments {
                    f.list_attachment(file);
                }
                *f.application_id.borrow_mut() = Some(draft.application_id);
            }
            Err(error) => f.notice("form-failure", Some(&error)),
        }
    });
}

/// The citizen's access token lasts 10 minutes; a long form outlives it. Signs the citizen in
/// again from the refresh cookie and takes the new consent-carrying token; false when that
/// is not possible (the citizen must sign in again).
async fn refresh_access(flow: &Shared) -> bool {
    if flow.refreshing.replace(true) {
        return false; // Another call is renewing it; this one reports its refusal.
    }
    let code = flow.setup.service_code.clone();
    let resumed = widget_api::resume_signin(flow.session(), code).await;
    flow.refreshing.set(false);
    match resumed {
        Ok(Some(resumed)) => match resumed.consent {
            Some(given) => {
                *flow.access.borrow_mut() = given.access_token;
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn save_draft(flow: &Shared) {
    if flow.saving.replace(true) {
        flow.save_again.set(true);
        return;
    }
    let f = flow.clone();
    leptos::task::spawn_local(async move {
        loop {
            let Some(id) = f.application_id.borrow().clone() else {
                break;
            };
            let values = f.read_values();
            let save = || {
                let code = f.setup.service_code.clone();
                widget_api::save_draft(f.session(), f.access(), code, id.clone(), values.clone())
            };
            let mut saved = save().await;
            if saved == Err(AppError::SigninExpired) && refresh_access(&f).await {
                saved = save().await;
            }
            if let Err(error) = saved {
                f.notice("form-failure", Some(&error));
            }
            if !f.save_again.replace(false) {
                break;
            }
        }
        f.saving.set(false);
    });
}

fn answer_changed(flow: &Shared, name: &str) {
    if flow
        .setup
        .form
        .fields
        .iter()
        .all(|field| field.name != name)
    {
        return;
    }
    let values = flow.read_values();
    let checked = flow.setup.form.validate_field(name, &values, today());
    flow.show_problem(name, checked.as_ref().err());
    save_draft(flow);
}

fn submit(flow: &Shared) {
    if flow.submitting.get() {
        return; // A double click sends once; the server would answer the same receipt anyway.
    }
    let Some(id) = flow.application_id.borrow().clone() else {
        return;
    };
    let values = flow.read_values();
    if let Err(found) = flow.setup.form.validate(&values, today()) {
        flow.show_problems(&found.problems);
        return;
    }
    flow.show_problems(&[]);
    flow.submitting.set(true);
    flow.set_text("submit", "Отправляем…");
    flow.notice("form-failure", None);
    let f = flow.clone();
    leptos::task::spawn_local(async move {
        let send = || {
            let code = f.setup.service_code.clone();
            widget_api::submit_application(
                f.session(),
                f.access(),
                code,
                id.clone(),
                values.clone(),
            )
        };
        let mut sent = send().await;
        if sent == Err(AppError::SigninExpired) && refresh_access(&f).await {
            sent = send().await;
        }
        f.submitting.set(false);
        f.set_text("submit", "Отправить заявление");
        match sent {
            Ok(receipt) => {
                let status = receipt.timeline.last().map_or(0, |s| s.status_code);
                f.host("submitted", &receipt.application_id, status);
                f.full_screen(false);
                show_timeline(&f, receipt);
            }
            Err(AppError::FormInvalid { problems }) => f.show_problems(&problems),
            Err(error) => f.notice("form-failure", Some(&error)),
        }
    });
}

fn show_timeline(flow: &Shared, receipt: Receipt) {
    flow.show("application-form", false);
    flow.show("feedback", false);
    flow.show("feedback-thanks", false);
    flow.set_text("application-id", &receipt.application_id);
    if let Some(list) = flow.el("statuses") {
        list.set_text_content(None);
    }
    flow.last_seq.set(0);
    let mut decided = false;
    for status in &receipt.timeline {
        decided = add_status(flow, status);
    }
    flow.show("timeline", true);
    flow.focus("timeline-title");
    if decided {
        flow.show("feedback", true);
        flow.show("new-application", true);
    } else {
        follow(flow, &receipt.application_id);
    }
}

/// Adds a status to the timeline; true when it is final.
fn add_status(flow: &Shared, status: &StatusView) -> bool {
    flow.last_seq.set(status.seq);
    if let Some(list) = flow.el("statuses")
        && let Some(item) = flow.append(&list, "li", "")
    {
        let _ = item.set_attribute("data-status", &status.status_code.to_string());
        if status.is_final {
            let _ = item.set_attribute("class", "final");
        }
        let at = status.at.replace('T', " ");
        if let Some(time) = flow.append(&item, "time", at.get(..16).unwrap_or(&at)) {
            let _ = time.set_attribute("datetime", &status.at);
        }
        flow.append(&item, "span", &format!(" {}", status.name_ru));
    }
    status.is_final
}

/// Follows the status stream; the browser reconnects by itself, sending the last event id it
/// saw, so no status is missed.
fn follow(flow: &Shared, application_id: &str) {
    let encode = |text: &str| String::from(js_sys::encode_uri_component(text));
    let url = format!(
        "/widget-api/applications/{}/events?session={}&access={}&after={}",
        encode(application_id),
        encode(&flow.setup.session),
        encode(&flow.access()),
        flow.last_seq.get(),
    );
    let Ok(source) = EventSource::new(&url) else {
        return;
    };
    let f = flow.clone();
    let id = application_id.to_owned();
    let closing = source.clone();
    on(&source, "status", move |event| {
        let Some(data) = event
            .dyn_ref::<MessageEvent>()
            .and_then(|e| e.data().as_string())
        else {
            return;
        };
        let Ok(status) = serde_json::from_str::<StatusView>(&data) else {
            return;
        };
        if status.seq <= f.last_seq.get() {
            return;
        }
        f.host("status_changed", &id, status.status_code);
        if add_status(&f, &status) {
            closing.close();
            f.show("feedback", true);
            f.show("new-application", true);
        }
    });
    // The browser reconnects by itself after a dropped connection; it gives up only when
    // refused (the 10-minute access token ran out): then renew it and open a new stream.
    let f = flow.clone();
    let id = application_id.to_owned();
    let watched = source.clone();
    on(&source, "error", move |_| {
        if watched.ready_state() != EventSource::CLOSED {
            return;
        }
        let (f, id) = (f.clone(), id.clone());
        leptos::task::spawn_local(async move {
            if refresh_access(&f).await {
                follow(&f, &id);
            }
        });
    });
}

fn send_feedback(flow: &Shared) {
    let rating = flow
        .document
        .query_selector("input[name=\"rating\"]:checked")
        .ok()
        .flatten()
        .and_then(|e| e.get_attribute("value"))
        .and_then(|v| v.parse::<u8>().ok());
    let Some(rating) = rating else {
        flow.notice("feedback-failure", Some(&AppError::FeedbackInvalid));
        return;
    };
    let comment = flow
        .el("feedback-comment")
        .and_then(|e| property(&e, "value").as_string())
        .unwrap_or_default();
    let id = flow
        .el("application-id")
        .and_then(|e| e.text_content())
        .unwrap_or_default();
    let f = flow.clone();
    leptos::task::spawn_local(async move {
        match widget_api::leave_feedback(f.session(), f.access(), id, rating, comment).await {
            Ok(()) => {
                f.show("feedback", false);
                f.show("feedback-thanks", true);
            }
            Err(error) => f.notice("feedback-failure", Some(&error)),
        }
    });
}

fn upload_chosen(flow: &Shared, input: &Element) {
    let Some(input) = input.dyn_ref::<HtmlInputElement>() else {
        return;
    };
    let files: Vec<File> = input
        .files()
        .map(|list| (0..list.length()).filter_map(|i| list.item(i)).collect())
        .unwrap_or_default();
    input.set_value("");
    for file in files {
        let rule = &flow.setup.form.attachments;
        let taken = flow.attached.get() + flow.uploads.borrow().len();
        if let Err(error) = check_file(rule, taken, file.size(), &file.type_()) {
            flow.notice("e-attachments", Some(&error));
            continue;
        }
        flow.notice("e-attachments", None);
        flow.uploads.borrow_mut().push_back(file);
    }
    next_upload(flow);
}

/// Starts the next waiting upload unless one is running.
fn next_upload(flow: &Shared) {
    if flow.uploading.get() {
        return;
    }
    let Some(id) = flow.application_id.borrow().clone() else {
        return;
    };
    let Some(file) = flow.uploads.borrow_mut().pop_front() else {
        return;
    };
    flow.uploading.set(true);
    upload(flow, &id, file);
}

/// Sends the file as the request body, with a progress bar while it goes.
fn upload(flow: &Shared, application_id: &str, file: File) {
    let transport = |detail: &str| AppError::Transport {
        detail: detail.to_owned(),
    };
    let Ok(request) = XmlHttpRequest::new() else {
        flow.uploading.set(false);
        flow.notice("e-attachments", Some(&transport("no XMLHttpRequest")));
        return;
    };
    let encode = |text: &str| String::from(js_sys::encode_uri_component(text));
    let url = format!(
        "/widget-api/applications/{}/attachments?service={}",
        encode(application_id),
        encode(&flow.setup.service_code)
    );
    let opened = request.open("POST", &url).and_then(|()| {
        request.set_request_header("x-okno-session", &flow.setup.session)?;
        request.set_request_header("authorization", &format!("Bearer {}", flow.access()))?;
        request.set_request_header("x-okno-file-name", &encode(&file.name()))?;
        request.set_request_header("content-type", &file.type_())
    });
    if opened.is_err() {
        flow.uploading.set(false);
        flow.notice("e-attachments", Some(&transport("cannot open the upload")));
        return;
    }
    let progress = flow.el("upload-progress");
    set_property_opt(progress.as_ref(), "value", 0.0);
    flow.show("upload", true);
    if let Ok(upload) = request.upload() {
        on(&upload, "progress", move |event| {
            if let Some(event) = event.dyn_ref::<ProgressEvent>()
                && event.length_computable()
                && event.total() > 0.0
            {
                set_property_opt(
                    progress.as_ref(),
                    "value",
                    (event.loaded() / event.total() * 100.0).round(),
                );
            }
        });
    }
    let f = flow.clone();
    let finished = request.clone();
    on(&request, "loadend", move |_| {
        f.show("upload", false);
        let text = finished.response_text().ok().flatten().unwrap_or_default();
        let result = match finished.status() {
            Ok(201) => {
                serde_json::from_str::<AttachmentView>(&text).map_err(|e| transport(&e.to_string()))
            }
            Ok(0) | Err(_) => Err(transport("network")),
            Ok(_) => Err(serde_json::from_str::<AppError>(&text)
                .unwrap_or_else(|e| transport(&e.to_string()))),
        };
        match result {
            Ok(view) => f.list_attachment(&view),
            Err(error) => f.notice("e-attachments", Some(&error)),
        }
        f.uploading.set(false);
        next_upload(&f);
    });
    // A failed send still ends in loadend, which reports it.
    let _ = request.send_with_opt_blob(Some(&file));
}

fn set_property_opt(element: Option<&Element>, name: &str, value: f64) {
    if let Some(element) = element {
        set_property(element, name, JsValue::from_f64(value));
    }
}

/// How the popup says the sign-in ended: the one-time code, or `Err` when ESIA refused an
/// account that is not confirmed. Only messages from okno's own origin in the expected shape.
fn signin_message(event: &MessageEvent) -> Option<Result<String, ()>> {
    let own = web_sys::window()?.location().origin().ok()?;
    if event.origin() != own {
        return None;
    }
    let data = event.data();
    if property(&data, "type").as_string()? != SIGNIN_MESSAGE
        || property(&data, "version").as_f64()? != 1.0
    {
        return None;
    }
    if let Some(code) = property(&data, "code").as_string() {
        return Some(Ok(code));
    }
    (property(&data, "error").as_string()? == "account_not_confirmed").then_some(Err(()))
}
