//! The WASM entry point: hydrates the widget's islands; everything else is server-rendered.

// Links `app`, whose `#[island]` components export their hydrate functions from this module.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
