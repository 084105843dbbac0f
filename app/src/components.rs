//! Components shared by pages; the `#[island]`s here are the only parts that ship as WASM.

pub mod citizen_flow;
pub mod error_notice;
pub mod frame_bridge;
pub mod service_catalog;
