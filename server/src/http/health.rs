//! `/healthz` (the process answers) and `/readyz` (the database and the portals answer too).

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use serde_json::{Value, json};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(live))
        .route("/readyz", get(ready))
}

async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = state
        .storage
        .ping()
        .await
        .map_err(|error| error.to_string());
    let mut checks = serde_json::Map::new();
    checks.insert("database".into(), outcome(&database));
    let mut all_ok = database.is_ok();
    for (name, portal) in [
        ("portal_test", &state.portals.test),
        ("portal_live", &state.portals.live),
    ] {
        if let Some(portal) = portal {
            let answer = portal
                .dictionary_page(crate::portal::SERVICE_CATALOG_DICTIONARY, 1, 1)
                .await;
            let answer = answer.map(|_| ()).map_err(|error| error.to_string());
            all_ok &= answer.is_ok();
            checks.insert(name.into(), outcome(&answer));
        }
    }
    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let label = if all_ok { "ready" } else { "not_ready" };
    (status, Json(json!({ "status": label, "checks": checks })))
}

fn outcome(result: &Result<(), String>) -> Value {
    match result {
        Ok(()) => json!("ok"),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            json!("failing")
        }
    }
}
