//! The same server on PostgreSQL (a fresh schema per test) when it is reachable.

use sqlx::Connection;

use crate::helpers::spawn_with;

/// A database URL for a fresh schema, or `None` when PostgreSQL is not reachable and not required.
async fn fresh_schema_url() -> Option<String> {
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
