//! The widget's side of the embed protocol: tells the embedding page "ready" and its height.

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

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    use web_sys::{ResizeObserver, Window};

    use super::PROTOCOL_VERSION;

    pub fn start(parent_origin: &str) -> Result<(), JsValue> {
        let window = web_sys::window().ok_or("no window")?;
        let Some(parent) = window.parent()? else {
            return Ok(());
        };
        if parent == window {
            return Ok(()); // Opened directly, not framed: nobody to talk to.
        }
        let root = window
            .document()
            .and_then(|document| document.document_element())
            .ok_or("no document element")?;
        post(&parent, parent_origin, "ready", None)?;

        let origin = parent_origin.to_owned();
        let measured = root.clone();
        let on_resize = Closure::<dyn FnMut()>::new(move || {
            let height = measured.get_bounding_client_rect().height().ceil();
            let _ = post(&parent, &origin, "resize", Some(height));
        });
        let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref())?;
        observer.observe(&root);
        // The observer lives as long as the page; so does its callback.
        on_resize.forget();
        Ok(())
    }

    fn post(parent: &Window, origin: &str, kind: &str, height: Option<f64>) -> Result<(), JsValue> {
        let message = Object::new();
        Reflect::set(&message, &"okno".into(), &JsValue::from(1))?;
        Reflect::set(&message, &"v".into(), &JsValue::from(PROTOCOL_VERSION))?;
        Reflect::set(&message, &"type".into(), &kind.into())?;
        if let Some(height) = height {
            Reflect::set(&message, &"height".into(), &JsValue::from(height))?;
        }
        parent.post_message(&message, origin)
    }
}
