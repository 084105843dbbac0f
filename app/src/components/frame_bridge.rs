//! The widget's side of the embed protocol: marks its own document `data-okno-hydrated` and
//! tells the embedding page "ready" (both once every island on the page is live: the bridge is
//! the page's last island and starts in an effect, after hydration), its height, when
//! it wants the whole screen (narrow viewports), and an application's opaque id and status when
//! it is submitted or changes — never personal data.

use leptos::prelude::*;

/// Version of the messages exchanged with `embed.js`; both sides ignore other versions.
pub const PROTOCOL_VERSION: u32 = 1;

/// Renders nothing; once hydrated, posts `{okno: 1, v, type, height}` messages to the parent,
/// addressed to its exact origin (already checked against the partner's allow-list).
#[island]
pub fn FrameBridge(parent_origin: String) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Err(error) = browser::start(&parent_origin) {
            leptos::logging::warn!("okno: embed bridge not started: {error:?}");
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = parent_origin;
}

/// Tells the embedding page about an application: `submitted` or `status_changed`, with its
/// opaque id and status code only.
#[cfg(feature = "hydrate")]
pub fn tell_host(parent_origin: &str, kind: &str, application_id: &str, status: u32) {
    let fields = [
        ("application_id", application_id.into()),
        ("status", status.into()),
    ];
    if let Err(error) = browser::post_to_parent(parent_origin, kind, &fields) {
        leptos::logging::warn!("okno: could not tell the host page: {error:?}");
    }
}

/// Asks the embedding page for the whole screen (while a form is open) or gives it back; the
/// loader grants it on narrow viewports only.
#[cfg(feature = "hydrate")]
pub fn ask_full_screen(parent_origin: &str, on: bool) {
    let _ = browser::post_to_parent(parent_origin, "fullscreen", &[("on", on.into())]);
}

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    use web_sys::{ResizeObserver, Window};

    use super::PROTOCOL_VERSION;

    pub fn start(parent_origin: &str) -> Result<(), JsValue> {
        let window = web_sys::window().ok_or("no window")?;
        let root = window
            .document()
            .and_then(|document| document.document_element())
            .ok_or("no document element")?;
        // This document's own mark that its islands are live (the loader's `data-okno-ready`
        // on the iframe outlives a navigation inside the frame; this one does not).
        root.set_attribute("data-okno-hydrated", "")?;
        if framing_parent(&window)?.is_none() {
            return Ok(()); // Opened directly, not framed: nobody to talk to.
        }
        post_to_parent(parent_origin, "ready", &[])?;

        let origin = parent_origin.to_owned();
        let measured = root.clone();
        let on_resize = Closure::<dyn FnMut()>::new(move || {
            let height = measured.get_bounding_client_rect().height().ceil();
            let _ = post_to_parent(&origin, "resize", &[("height", JsValue::from(height))]);
        });
        let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref())?;
        observer.observe(&root);
        // The observer lives as long as the page; so does its callback.
        on_resize.forget();
        Ok(())
    }

    /// The page framing this one, if it is framed.
    fn framing_parent(window: &Window) -> Result<Option<Window>, JsValue> {
        Ok(window.parent()?.filter(|parent| parent != window))
    }

    /// Posts `{okno: 1, v, type, …fields}` to the parent, if the widget is framed.
    pub fn post_to_parent(
        origin: &str,
        kind: &str,
        fields: &[(&str, JsValue)],
    ) -> Result<(), JsValue> {
        let window = web_sys::window().ok_or("no window")?;
        let Some(parent) = framing_parent(&window)? else {
            return Ok(());
        };
        let message = Object::new();
        Reflect::set(&message, &"okno".into(), &JsValue::from(1))?;
        Reflect::set(&message, &"v".into(), &JsValue::from(PROTOCOL_VERSION))?;
        Reflect::set(&message, &"type".into(), &kind.into())?;
        for (name, value) in fields {
            Reflect::set(&message, &(*name).into(), value)?;
        }
        parent.post_message(&message, origin)
    }
}
