//! What every handler can reach: the services, never a raw database handle.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    audit::AuditLog, gateway::Gateway, partner_api::PartnerApi, partners::Partners,
    portal::Portals, sessions::Sessions, signin::SignIn, storage::SharedStorage,
    webhooks::outbox::Outbox, widget_backend::WidgetService,
};

#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub partners: Arc<Partners>,
    pub portals: Arc<Portals>,
    pub widget: Arc<WidgetService>,
    /// Only for readiness checks.
    pub storage: SharedStorage,
    pub audit: AuditLog,
    /// The Partner API's check pipeline.
    pub gateway: Arc<Gateway>,
    pub sessions: Arc<Sessions>,
    pub partner_api: Arc<PartnerApi>,
    pub outbox: Arc<Outbox>,
    pub signin: Arc<SignIn>,
    /// okno's own public origin, e.g. `http://127.0.0.1:3000`.
    pub okno_origin: String,
    /// Served over TLS: responses carry HSTS.
    pub https: bool,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
