//! Integration tests: the real `okno` server on port 0 with a fresh database each, over HTTP.
// Test code: a failed expectation is meant to stop the test.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod helpers;

mod applications;
mod audit;

mod gateway;
mod health;
mod partner_api;
mod postgres;
mod sandbox_page;
mod signin;
mod tls;
mod tokens;
mod webhooks;
mod widget;
