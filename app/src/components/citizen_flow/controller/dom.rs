//! DOM helpers of the flow's controller: listeners, properties, sections shown and hidden,
//! text, focus and error notices — by element id on the server-rendered markup.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{Element, Event, HtmlElement};

use super::Flow;
use crate::{components::error_notice, error::AppError};

pub(super) fn on<T: JsCast>(target: &T, event: &str, handler: impl FnMut(Event) + 'static) {
    let closure = Closure::<dyn FnMut(Event)>::new(handler);
    if let Some(target) = target.dyn_ref::<web_sys::EventTarget>() {
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    }
    // Listeners live as long as the page.
    closure.forget();
}

pub(super) fn property(element: &JsValue, name: &str) -> JsValue {
    Reflect::get(element, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn set_property(element: &JsValue, name: &str, value: JsValue) {
    let _ = Reflect::set(element, &JsValue::from_str(name), &value);
}

pub(super) fn set_property_opt(element: Option<&Element>, name: &str, value: f64) {
    if let Some(element) = element {
        set_property(element, name, JsValue::from_f64(value));
    }
}

impl Flow {
    pub(super) fn el(&self, id: &str) -> Option<Element> {
        self.document.get_element_by_id(id)
    }

    pub(super) fn show(&self, id: &str, visible: bool) {
        if let Some(element) = self.el(id) {
            let _ = if visible {
                element.remove_attribute("hidden")
            } else {
                element.set_attribute("hidden", "")
            };
        }
    }

    pub(super) fn set_text(&self, id: &str, text: &str) {
        if let Some(element) = self.el(id) {
            element.set_text_content(Some(text));
        }
    }

    pub(super) fn append(&self, parent: &Element, tag: &str, text: &str) -> Option<Element> {
        let child = self.document.create_element(tag).ok()?;
        child.set_text_content(Some(text));
        parent.append_child(&child).ok()?;
        Some(child)
    }

    pub(super) fn focus(&self, id: &str) {
        if let Some(element) = self.el(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let _ = element.focus();
        }
    }

    /// Shows `error` in the container `id`, or clears it.
    pub(super) fn notice(&self, id: &str, error: Option<&AppError>) {
        if let Some(container) = self.el(id) {
            error_notice::show_in(&self.document, &container, error, self.setup.lang);
        }
    }
}
