//! The form in the browser: answers read from and written to the server-rendered fields,
//! each checked by the shared rules as the citizen leaves it, saved as a draft (one save at a
//! time), and submitted.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

use super::{
    Flow, Shared, authed,
    dom::{property, set_property},
    timeline::show_timeline,
};
use crate::{
    applications::prefilled,
    components::citizen_flow::submit_label,
    error::AppError,
    services::{
        FieldKind,
        values::{CalendarDate, FieldProblem, FormValues},
    },
    widget_api,
};

/// The browser's local date, for "not after today".
pub(super) fn today() -> CalendarDate {
    let now = js_sys::Date::new_0();
    CalendarDate::new(
        u16::try_from(now.get_full_year()).unwrap_or(1970),
        u8::try_from(now.get_month() + 1).unwrap_or(1),
        u8::try_from(now.get_date()).unwrap_or(1),
    )
    .unwrap_or(CalendarDate::UNIX_EPOCH)
}

impl Flow {
    /// The answers as the form shows them now.
    pub(super) fn read_values(&self) -> FormValues {
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

    pub(super) fn write_values(&self, values: &FormValues) {
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
    pub(super) fn show_problem(&self, name: &str, problem: Option<&FieldProblem>) {
        if let Some(slot) = self.el(&format!("e-{name}")) {
            slot.set_text_content(None);
            if let Some(problem) = problem {
                // The widget's language first, then the other, marked with its tag.
                let [(_, first), (other, second)] =
                    (self.setup.lang).both(&problem.message_ru, &problem.message_en);
                self.append(&slot, "span", &format!("{first} "));
                if let Some(second) = self.append(&slot, "span", second) {
                    let _ = second.set_attribute("lang", other.tag());
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

    pub(super) fn show_problems(&self, problems: &[FieldProblem]) {
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
}

pub(super) fn open_form(flow: &Shared) {
    flow.show("application-form", true);
    flow.full_screen(true);
    let f = flow.clone();
    leptos::task::spawn_local(async move {
        let code = f.setup.service_code.clone();
        let draft = authed(&f, |access| {
            widget_api::open_draft(f.session(), access, code.clone())
        })
        .await;
        match draft {
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
                for file in &draft.attachments {
                    f.list_attachment(file);
                }
                *f.application_id.borrow_mut() = Some(draft.application_id);
            }
            Err(error) => f.notice("form-failure", Some(&error)),
        }
    });
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
            let saved = authed(&f, |access| {
                let code = f.setup.service_code.clone();
                widget_api::save_draft(f.session(), access, code, id.clone(), values.clone())
            })
            .await;
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

pub(super) fn answer_changed(flow: &Shared, name: &str) {
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

pub(super) fn submit(flow: &Shared) {
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
    flow.set_text("submit", flow.setup.lang.pick("Отправляем…", "Sending…"));
    flow.notice("form-failure", None);
    let f = flow.clone();
    leptos::task::spawn_local(async move {
        let sent = authed(&f, |access| {
            let code = f.setup.service_code.clone();
            widget_api::submit_application(f.session(), access, code, id.clone(), values.clone())
        })
        .await;
        f.submitting.set(false);
        f.set_text("submit", submit_label(f.setup.lang));
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
