//! Components shared by pages; the `#[island]`s here are the only parts that ship as WASM.

pub mod application_form;
pub mod error_notice;
pub mod frame_bridge;
pub mod gosuslugi_signin;
pub mod service_catalog;
pub mod status_timeline;
