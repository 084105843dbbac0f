//! Liveness, readiness, the standard headers, limits and shutdown.

use serde_json::Value;

use crate::helpers::{spawn_app, spawn_with};

#[tokio::test]
async fn healthz_answers_and_readyz_checks_database_and_portal() {
    let app = spawn_app().await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["portal_test"], "ok");
}

#[tokio::test]
async fn readyz_is_503_when_the_portal_does_not_answer() {
    let app = spawn_with(|settings| {
        settings.sandbox = false;
        settings.test_portal_url = Some("http://127.0.0.1:9/".parse().expect("url"));
        settings.portal_connect_timeout_ms = 500;
    })
    .await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.expect("json");
    assert_eq!(body["checks"]["portal_test"], "failing");
    assert_eq!(body["checks"]["database"], "ok");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_nosniff() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    let id = response.headers().get("x-request-id").expect("request id");
    assert_eq!(id.len(), 36, "a UUID");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn an_unknown_path_is_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Страница не найдена")
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!("{}/widget-api/catalog", app.base))
        .header("origin", app.base.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; server::http::MAX_BODY_BYTES + 1])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 413);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_owned();
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "body_too_large");
    assert_eq!(body["error"]["request_id"], request_id);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("5 MiB"))
    );
}

#[tokio::test]
async fn the_loader_is_served_with_a_short_cache() {
    let app = spawn_app().await;
    let response = app.get("/embed.js").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("data-okno-key")
    );
}

#[tokio::test]
async fn shutdown_finishes_and_stops_accepting() {
    let mut app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
    let refused = app.http.get(format!("{}/healthz", app.base)).send().await;
    assert!(refused.is_err(), "the port must be closed after shutdown");
}

#[tokio::test]
async fn oversized_headers_are_refused_with_431() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(format!("{}/healthz", app.base))
        .header("cookie", "a".repeat(17 * 1024))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 431);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "headers_too_large");
}
