//! Attachments in the browser: each chosen file checked against the form's rule, then sent one
//! after another as the request body with a progress bar, and listed once stored.

use wasm_bindgen::JsCast;
use web_sys::{Element, File, HtmlInputElement, ProgressEvent, XmlHttpRequest};

use super::{
    Flow, Shared,
    dom::{on, set_property_opt},
    refresh_access,
};
use crate::{
    applications::{AttachmentView, check_file},
    error::AppError,
    query::percent_encode,
    widget_api::{FILE_NAME_HEADER, SESSION_HEADER},
};

impl Flow {
    /// How many files the draft holds (the list shows each).
    fn attached(&self) -> usize {
        self.el("attached")
            .map_or(0, |list| list.child_element_count() as usize)
    }

    pub(super) fn list_attachment(&self, file: &AttachmentView) {
        if let Some(list) = self.el("attached") {
            let kb = file.size_bytes.div_ceil(1024);
            let unit = self.setup.lang.pick("КБ", "KB");
            self.append(&list, "li", &format!("{} ({kb} {unit})", file.name));
        }
    }
}

pub(super) fn upload_chosen(flow: &Shared, input: &Element) {
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
        let taken = flow.attached() + flow.uploads.borrow().len();
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
    let url = format!(
        "/widget-api/applications/{}/attachments?service={}",
        percent_encode(application_id),
        percent_encode(&flow.setup.service_code)
    );
    let opened = request.open("POST", &url).and_then(|()| {
        request.set_request_header(SESSION_HEADER, &flow.setup.session)?;
        request.set_request_header("authorization", &format!("Bearer {}", flow.access()))?;
        request.set_request_header(FILE_NAME_HEADER, &percent_encode(&file.name()))?;
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
    let retry = file.clone();
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
        f.uploading.set(false);
        match result {
            Ok(view) => f.list_attachment(&view),
            // The 10-minute token ran out: renew it, then send the file again.
            Err(AppError::SigninExpired) => {
                let f = f.clone();
                let file = retry.clone();
                leptos::task::spawn_local(async move {
                    if refresh_access(&f).await {
                        f.uploads.borrow_mut().push_front(file);
                        next_upload(&f);
                    } else {
                        f.notice("e-attachments", Some(&AppError::SigninExpired));
                    }
                });
                return;
            }
            Err(error) => f.notice("e-attachments", Some(&error)),
        }
        next_upload(&f);
    });
    // A failed send still ends in loadend, which reports it.
    let _ = request.send_with_opt_blob(Some(&file));
}
