//! The same server on PostgreSQL (a fresh schema per test) when it is reachable.

use sqlx::Connection;

use crate::helpers::spawn_with;

/// A database URL for a fresh schema, or `None` when PostgreSQL is not reachable and not required.
pub async fn fresh_schema_url() -> Option<String> {
    let base = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let required = std::env::var("TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let mut connection = match sqlx::PgConnection::connect(&base).await {
        Ok(connection) => connection,
        Err(error) if !required => {
            eprintln!("PostgreSQL not reachable ({error}); skipping");
            return None;
        }
        Err(error) => panic!("PostgreSQL required but not reachable: {error}"),
    };
    let schema = format!("okno_it_{}", rand::random::<u64>());
    // The schema name is built from a random number only.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut connection)
        .await
        .expect("schema");
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!(
        "{base}{separator}options=-c%20search_path%3D{schema}"
    ))
}

#[tokio::test]
async fn the_widget_works_on_postgres() {
    let Some(url) = fresh_schema_url().await else {
        return;
    };
    let app = spawn_with(|settings| settings.database_url = Some(url.into())).await;
    let partner = app.partner(&["https://shop.example"]).await;
    let response = app
        .get(&format!("/w/{}/services", partner.publishable_key_test))
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .expect("html")
            .contains("доставки пенсии")
    );
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.partners
        .revoke_key(&partner.publishable_key_test)
        .await
        .expect("revoke");
    assert_eq!(
        app.get(&format!("/w/{}/services", partner.publishable_key_test))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn signed_requests_nonces_and_refresh_families_work_on_postgres() {
    let Some(url) = fresh_schema_url().await else {
        return;
    };
    let app = spawn_with(|settings| settings.database_url = Some(url.into())).await;
    let partner = app.partner(&[]).await;
    let key = server::signatures::SigningKey::Hmac(partner.secret_key_test.clone().into_bytes());
    let mut sent = None;
    let call = || crate::helpers::SignedCall::get("/api/v1/ping", &partner.key_id_test, &key);
    let first = app
        .send_signed(call(), |parts, body| {
            sent = Some((parts.clone(), body.clone()))
        })
        .await;
    assert_eq!(first.status(), 200);
    let (parts, body) = sent.expect("captured");
    let replay = app
        .send_signed(call(), |p, b| {
            *p = parts;
            *b = body;
        })
        .await;
    let error: serde_json::Value = replay.json().await.expect("json");
    assert_eq!(error["error"]["code"], "nonce_replayed");

    let claims = server::tokens::CitizenAccess {
        citizen_id: "cit_pg".to_owned(),
        partner_id: partner.id.clone(),
        consent_id: "cns_pg".to_owned(),
        scope: "applications:submit".to_owned(),
        mode: server::tokens::Mode::Test,
    };
    let tokens = app
        .sessions
        .start_citizen_session(&claims)
        .await
        .expect("start");
    let next = app
        .sessions
        .refresh(&tokens.refresh_token)
        .await
        .expect("rotate");
    let reused = app.sessions.refresh(&tokens.refresh_token).await.err();
    assert_eq!(reused.map(|e| e.code()), Some("token_revoked"));
    let family = app.sessions.refresh(&next.refresh_token).await.err();
    assert_eq!(family.map(|e| e.code()), Some("token_revoked"));
    assert!(
        server::audit::verify(&app.storage)
            .await
            .expect("read")
            .is_ok()
    );
}

#[tokio::test]
async fn the_partner_api_works_on_postgres() {
    use crate::partner_api::{call, json, partner};
    let Some(url) = fresh_schema_url().await else {
        return;
    };
    let app = spawn_with(|settings| settings.database_url = Some(url.into())).await;
    let p = partner(&app).await;
    let body = r#"{"positions":[{"position_id":"p1","service_id":"10000000109"}]}"#;
    let key = [("idempotency-key", "pg-1")];
    let (status, first) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/catalog/sync",
            Some("application/json"),
            body,
            &key,
        )
        .await,
    )
    .await;
    assert_eq!((status, first["created"][0].as_str()), (200, Some("p1")));
    let replay = call(
        &app,
        &p,
        "POST",
        "/api/v1/catalog/sync",
        Some("application/json"),
        body,
        &key,
    )
    .await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let (_, again) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/catalog/sync",
            Some("application/json"),
            body,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        again,
        serde_json::json!({"created": [], "updated": [], "removed": []})
    );

    let (status, listing) = json(call(&app, &p, "POST", "/api/v1/services/create", Some("application/json"), r#"{"service_id":"10000000109","title":"t","description":"d","partner_reference":"r1"}"#, &[]).await).await;
    assert_eq!(status, 201);
    let id = listing["listing_id"].as_str().expect("id");
    let prices = format!(
        r#"{{"listings":[{{"listing_id":"{id}","periods":[{{"effective_from":"2026-01-01","amount_kopecks":100,"currency":"RUB"}}]}}]}}"#
    );
    let (status, _) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/pricing/update",
            Some("application/json"),
            &prices,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, dup) = json(call(&app, &p, "POST", "/api/v1/services/create", Some("application/json"), r#"{"service_id":"10000000109","title":"t","description":"d","partner_reference":"r1"}"#, &[]).await).await;
    assert_eq!(
        (status, dup["error"]["code"].as_str()),
        (409, Some("listing_exists"))
    );

    app.storage
        .create_application(&server::storage::ApplicationRecord {
            id: "app_pg".into(),
            partner_id: p.id.clone(),
            mode: "test".into(),
            service_code: "10000000109".into(),
            status_code: 17,
            created_at: 1,
            updated_at: 1,
        })
        .await
        .expect("application");
    let (status, _) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/webhooks/endpoints",
            Some("application/json"),
            r#"{"url":"http://127.0.0.1:9/hooks","event_types":["application.status_changed"]}"#,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let (status, set) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/services/status",
            Some("application/json"),
            r#"{"application_id":"app_pg","status_code":3}"#,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((status, set["status_code"].as_i64()), (200, Some(3)));
    let endpoints = app
        .storage
        .webhook_endpoints(&p.id)
        .await
        .expect("endpoints");
    let log = app
        .storage
        .webhook_deliveries(&endpoints[0].id, 10)
        .await
        .expect("log");
    assert_eq!(
        log.len(),
        1,
        "the status change was queued for the endpoint"
    );
    assert!(
        server::audit::verify(&app.storage)
            .await
            .expect("read")
            .is_ok()
    );
}
