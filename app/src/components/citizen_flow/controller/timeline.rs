//! The application's timeline in the browser: statuses from the receipt, then each new one
//! from the server-sent event stream (told to the host page), and the feedback form after a
//! final status.

use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};

use super::{
    Shared, authed,
    dom::{on, property},
    refresh_access,
};
use crate::{
    applications::{Receipt, StatusView},
    error::AppError,
    query::percent_encode,
    widget_api,
};

pub(super) fn show_timeline(flow: &Shared, receipt: Receipt) {
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
        let name = flow.setup.lang.pick(&status.name_ru, &status.name_en);
        flow.append(&item, "span", &format!(" {name}"));
    }
    status.is_final
}

/// Follows the status stream; the browser reconnects by itself, sending the last event id it
/// saw, so no status is missed.
fn follow(flow: &Shared, application_id: &str) {
    let url = format!(
        "/widget-api/applications/{}/events?session={}&access={}&after={}",
        percent_encode(application_id),
        percent_encode(&flow.setup.session),
        percent_encode(&flow.access()),
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

pub(super) fn send_feedback(flow: &Shared) {
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
        let sent = authed(&f, |access| {
            widget_api::leave_feedback(f.session(), access, id.clone(), rating, comment.clone())
        })
        .await;
        match sent {
            Ok(()) => {
                f.show("feedback", false);
                f.show("feedback-thanks", true);
            }
            Err(error) => f.notice("feedback-failure", Some(&error)),
        }
    });
}
