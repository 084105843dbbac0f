//! The browser side of the citizen flow: works on the server-rendered markup of
//! [`super::CitizenFlowPage`] by element id — shows its sections in turn (sign-in, consent,
//! form, timeline) and keeps the citizen's access token fresh. Plain DOM calls instead of
//! reactive views: the markup already exists, so nothing here has to build it. The form, the
//! uploads and the timeline have their own modules.

mod dom;
mod form;
mod timeline;
mod uploads;

use std::{
    cell::{Cell, RefCell},
    collections::VecDeque,
    future::Future,
    rc::Rc,
};

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, File, MessageEvent};

use super::SIGNIN_MESSAGE;
use crate::{
    applications::Receipt,
    citizen::SignedInCitizen,
    components::frame_bridge::{ask_full_screen, tell_host},
    consent::{GivenConsent, version_lang},
    error::AppError,
    lang::Lang,
    services::{AccountLevel, FormSchema},
    widget_api,
};
use dom::{on, property};
use form::{answer_changed, open_form, submit};
use timeline::{send_feedback, show_timeline};
use uploads::upload_chosen;

/// What the island was rendered with.
pub struct Setup {
    pub popup_url: String,
    pub session: String,
    pub required_level: AccountLevel,
    pub service_code: String,
    pub form: FormSchema,
    pub parent_origin: Option<String>,
    pub lang: Lang,
}

struct Flow {
    setup: Setup,
    document: Document,
    /// The citizen's access token (carrying the consent once given).
    access: RefCell<String>,
    profile: RefCell<Option<crate::citizen::CitizenProfile>>,
    application_id: RefCell<Option<String>>,
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

impl Flow {
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
                let given = authed(&f, |access| {
                    widget_api::give_consent(f.session(), access, code.clone(), f.setup.lang)
                })
                .await;
                match given {
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
    flow.set_text("citizen-level", level.label(flow.setup.lang));
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
    // The words of the recorded consent: after a reload it may have been given in the other
    // language.
    flow.set_text("consent-text", &given.text);
    if let Some(text) = flow.el("consent-text") {
        let _ = text.set_attribute("lang", version_lang(&given.version).tag());
    }
    if let (Some(text), Some(details)) = (flow.el("consent-text"), flow.el("consent-details")) {
        let _ = details.append_child(&text);
    }
    flow.show("flow-consented", true);
    match latest {
        Some(receipt) => show_timeline(flow, receipt),
        None => open_form(flow),
    }
}

/// The citizen's access token lasts 10 minutes; a long form outlives it. Signs the citizen in
/// again from the refresh cookie and takes the new token (carrying the consent, if given);
/// false when that is not possible (the citizen must sign in again).
async fn refresh_access(flow: &Shared) -> bool {
    if flow.refreshing.replace(true) {
        return false; // Another call is renewing it; this one reports its refusal.
    }
    let code = flow.setup.service_code.clone();
    let resumed = widget_api::resume_signin(flow.session(), code).await;
    flow.refreshing.set(false);
    let Ok(Some(resumed)) = resumed else {
        return false;
    };
    *flow.access.borrow_mut() = match resumed.consent {
        Some(given) => given.access_token,
        None => resumed.citizen.access_token,
    };
    true
}

/// Runs a call that carries the citizen's access token; refused because the token ran out, it
/// renews the token once and runs the call again. Every call the flow makes goes through here.
async fn authed<T, Fut>(flow: &Shared, call: impl Fn(String) -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    let first = call(flow.access()).await;
    if matches!(first, Err(AppError::SigninExpired)) && refresh_access(flow).await {
        return call(flow.access()).await;
    }
    first
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
