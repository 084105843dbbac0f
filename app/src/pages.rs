//! One page per file.

pub mod home;
pub mod not_found;
pub mod sandbox;
pub mod widget_catalog;
pub mod widget_service;
