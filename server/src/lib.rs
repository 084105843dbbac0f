//! okno's server: the HTTP gateway in front of the portal, the sandbox portal, storage and the CLI.

pub mod applications;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod digest;
pub mod esia;
pub mod gateway;
pub mod http;
pub mod partner_api;
pub mod partners;
pub mod portal;
pub mod registry;
pub mod sandbox;
pub mod sealing;
pub mod sessions;
pub mod signatures;
pub mod signin;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod tls;
pub mod tokens;
pub mod webhooks;
pub mod widget_backend;
