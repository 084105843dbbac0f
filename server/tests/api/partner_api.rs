//! The Partner API's endpoints in JSON and XML, with their refusals, idempotency and webhooks.

use server::{signatures::SigningKey, storage::ApplicationRecord};

use crate::helpers::{SignedCall, TestApp, spawn_app};

pub struct Partner {
    pub id: String,
    key_id: String,
    key: SigningKey,
    live_key_id: String,
    live_key: SigningKey,
}

pub async fn partner(app: &TestApp) -> Partner {
    let created = app.partner(&[]).await;
    Partner {
        id: created.id,
        key_id: created.key_id_test,
        key: SigningKey::Hmac(created.secret_key_test.into_bytes()),
        live_key_id: created.key_id_live,
        live_key: SigningKey::Hmac(created.secret_key_live.into_bytes()),
    }
}

/// A signed call with a body in `content_type`, answered in `accept`, with optional extra headers.
pub async fn call(
    app: &TestApp,
    p: &Partner,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let signed = SignedCall {
        method,
        content_type,
        body: body.as_bytes(),
        ..SignedCall::get(path, &p.key_id, &p.key)
    };
    let extra: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    app.send_signed(signed, move |parts, _| {
        for (name, value) in extra {
            parts.headers.insert(
                http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                value.parse().expect("value"),
            );
        }
    })
    .await
}

pub async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("json body"))
}

#[tokio::test]
async fn services_list_in_json_and_xml_with_filters_and_refusals() {
    let app = spawn_app().await;
    let p = partner(&app).await;
    let (status, body) = json(
        call(
            &app,
            &p,
            "GET",
            "/api/v1/services/list?per_page=5",
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(body["total"], 15);

    let xml = call(
        &app,
        &p,
        "GET",
        "/api/v1/services/list?agency=sfr",
        None,
        "",
        &[("accept", "application/xml")],
    )
    .await;
    assert_eq!(xml.status(), 200);
    assert!(
        xml.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/xml")
    );
    let text = xml.text().await.expect("xml");
    assert!(
        text.starts_with("<services>") || text.contains("<services>"),
        "{text}"
    );
    assert!(
        text.contains("<item>")
            && text.contains("<agency>sfr</agency>")
            && !text.contains("<agency>fns</agency>")
    );

    let (status, body) = json(
        call(
            &app,
            &p,
            "GET",
            "/api/v1/services/list?region=12",
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (422, Some("invalid_region"), Some("region"))
    );
    let refused = call(
        &app,
        &p,
        "GET",
        "/api/v1/services/list",
        None,
        "",
        &[("accept", "text/html")],
    )
    .await;
    assert_eq!(refused.status(), 406);
    let (status, body) = json(
        call(
            &app,
            &p,
            "GET",
            "/api/v1/services/list?bogus=1",
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
}

#[tokio::test]
async fn listings_pricing_and_their_field_errors() {
    let app = spawn_app().await;
    let p = partner(&app).await;
    let create = |body: &'static str, ct: &'static str| {
        let app = &app;
        let p = &p;
        async move {
            call(
                app,
                p,
                "POST",
                "/api/v1/services/create",
                Some(ct),
                body,
                &[],
            )
            .await
        }
    };
    let (status, listing) = json(create(r#"{"service_id":"10000000109","title":"Пенсия","description":"Поможем подать","deadline_days":10,"partner_reference":"sku-1"}"#, "application/json").await).await;
    assert_eq!(status, 201, "{listing}");
    let listing_id = listing["listing_id"].as_str().expect("id").to_owned();

    let xml = create("<listing><service_id>10000000109</service_id><title>Через XML</title><description>d</description></listing>", "application/xml").await;
    assert_eq!(xml.status(), 201);

    let (status, body) = json(
        create(
            r#"{"service_id":"nope","title":"t","description":"d"}"#,
            "application/json",
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (422, Some("unknown_service"), Some("service_id"))
    );
    let (status, body) = json(
        create(
            r#"{"service_id":"10000000109","title":"t","description":"d","extra":1}"#,
            "application/json",
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field"))
    );
    let (status, body) = json(create(r#"{"service_id":"10000000109","title":"t","description":"d","partner_reference":"sku-1"}"#, "application/json").await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("listing_exists"))
    );
    let (status, body) = json(create("{not json", "application/json").await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("malformed_body"))
    );
    assert_eq!(create("x", "text/plain").await.status(), 415);
    let long = create(
        Box::leak(
            format!(
                r#"{{"service_id":"10000000109","title":"{}","description":"d"}}"#,
                "я".repeat(201)
            )
            .into_boxed_str(),
        ),
        "application/json",
    )
    .await;
    let (status, body) = json(long).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("title"))
    );

    let price = |periods: &str| {
        format!(r#"{{"listings":[{{"listing_id":"{listing_id}","periods":[{periods}]}}]}}"#)
    };
    let ok = price(
        r#"{"effective_from":"2026-01-01","effective_to":"2026-06-30","amount_kopecks":150000,"currency":"RUB"},{"effective_from":"2026-07-01","amount_kopecks":0,"currency":"RUB","conditions":"бесплатно"}"#,
    );
    let (status, body) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/pricing/update",
            Some("application/json"),
            &ok,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["updated"][0].as_str()),
        (200, Some(listing_id.as_str()))
    );
    for (periods, code, field) in [
        (
            r#"{"effective_from":"2026-01-01","amount_kopecks":-1,"currency":"RUB"}"#,
            "negative_amount",
            "listings[0].periods[0].amount_kopecks",
        ),
        (
            r#"{"effective_from":"2026-01-01","effective_to":"2026-03-01","amount_kopecks":1,"currency":"RUB"},{"effective_from":"2026-02-01","amount_kopecks":1,"currency":"RUB"}"#,
            "overlapping_periods",
            "listings[0].periods[1]",
        ),
        (
            r#"{"effective_from":"2026-13-01","amount_kopecks":1,"currency":"RUB"}"#,
            "invalid_date",
            "listings[0].periods[0].effective_from",
        ),
        (
            r#"{"effective_from":"2026-01-01","amount_kopecks":1,"currency":"USD"}"#,
            "unsupported_currency",
            "listings[0].periods[0].currency",
        ),
    ] {
        let (status, body) = json(
            call(
                &app,
                &p,
                "POST",
                "/api/v1/pricing/update",
                Some("application/json"),
                &price(periods),
                &[],
            )
            .await,
        )
        .await;
        assert_eq!(
            (
                status,
                body["error"]["code"].as_str(),
                body["error"]["field"].as_str()
            ),
            (422, Some(code), Some(field))
        );
    }
    // Nothing of a refused update was applied.
    let stored = app.storage.prices(&listing_id).await.expect("prices");
    assert_eq!(stored.len(), 2);
}

#[tokio::test]
async fn catalog_sync_twice_is_a_no_op_and_idempotency_replays_or_conflicts() {
    let app = spawn_app().await;
    let p = partner(&app).await;
    let body = r#"{"positions":[{"position_id":"p1","service_id":"10000000109"},{"position_id":"p2","service_id":"10000000110","title":"Выплата"}]}"#;
    let (status, first) = json(
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
    assert_eq!(status, 200);
    assert_eq!(first["created"], serde_json::json!(["p1", "p2"]));
    let (_, second) = json(
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
        second,
        serde_json::json!({"created": [], "updated": [], "removed": []})
    );
    let xml = "<sync><positions><item><position_id>p1</position_id><service_id>10000000110</service_id></item></positions></sync>";
    let (_, third) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/catalog/sync",
            Some("application/xml"),
            xml,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        third,
        serde_json::json!({"created": [], "updated": ["p1"], "removed": ["p2"]})
    );
    let dup = r#"{"positions":[{"position_id":"p1","service_id":"10000000109"},{"position_id":"p1","service_id":"10000000109"}]}"#;
    let (status, body) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/catalog/sync",
            Some("application/json"),
            dup,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("positions[1].position_id"))
    );

    let key = [("idempotency-key", "order-42")];
    let body = r#"{"positions":[{"position_id":"p3","service_id":"10000000109"}]}"#;
    let first = call(
        &app,
        &p,
        "POST",
        "/api/v1/catalog/sync",
        Some("application/json"),
        body,
        &key,
    )
    .await;
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let first = first.text().await.expect("text");
    let again = call(
        &app,
        &p,
        "POST",
        "/api/v1/catalog/sync",
        Some("application/json"),
        body,
        &key,
    )
    .await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.expect("text"), first);
    let other = r#"{"positions":[]}"#;
    let (status, body) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/catalog/sync",
            Some("application/json"),
            other,
            &key,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("idempotency_conflict"))
    );
}

#[tokio::test]
async fn statuses_by_ids_and_cursor_and_setting_them_only_in_test_mode() {
    let app = spawn_app().await;
    let p = partner(&app).await;
    for (i, status) in [(1, 17), (2, 21)] {
        app.storage
            .create_application(&ApplicationRecord {
                id: format!("app_{i}"),
                partner_id: p.id.clone(),
                mode: "test".to_owned(),
                service_code: "10000000109".to_owned(),
                status_code: status,
                created_at: 1_000 + i,
                updated_at: 1_000 + i,
            })
            .await
            .expect("application");
    }
    let (_, page) = json(
        call(
            &app,
            &p,
            "GET",
            "/api/v1/services/status?limit=1",
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(page["items"][0]["application_id"], "app_1");
    let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
    let (_, next) = json(
        call(
            &app,
            &p,
            "GET",
            &format!("/api/v1/services/status?updated_after={cursor}"),
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(next["items"][0]["application_id"], "app_2");
    assert_eq!(
        next["items"][0]["status_name"],
        "Заявление отправлено в ведомство"
    );
    let (_, by_id) = json(
        call(
            &app,
            &p,
            "GET",
            "/api/v1/services/status?ids=app_2,app_unknown",
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(by_id["items"].as_array().map(Vec::len), Some(1));
    let (status, body) = json(
        call(
            &app,
            &p,
            "GET",
            "/api/v1/services/status?updated_after=%25%25",
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_cursor"))
    );

    let set = r#"{"application_id":"app_1","status_code":3}"#;
    let (status, body) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/services/status",
            Some("application/json"),
            set,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["status_code"].as_i64()), (200, Some(3)));
    let live = SignedCall {
        method: "POST",
        content_type: Some("application/json"),
        body: set.as_bytes(),
        ..SignedCall::get("/api/v1/services/status", &p.live_key_id, &p.live_key)
    };
    let (status, body) = json(app.send_signed(live, |_, _| {}).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden_in_live_mode"))
    );
    let unknown = r#"{"application_id":"app_9","status_code":3}"#;
    let (status, body) = json(
        call(
            &app,
            &p,
            "POST",
            "/api/v1/services/status",
            Some("application/json"),
            unknown,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("application_unknown"))
    );

    // The XML error document carries the same fields.
    let refused = call(
        &app,
        &p,
        "POST",
        "/api/v1/services/status",
        Some("application/xml"),
        "<x><application_id>app_1</application_id><status_code>999</status_code></x>",
        &[("accept", "application/xml")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.expect("xml");
    assert!(
        text.contains("<code>unknown_status</code>") && text.contains("<field>status_code</field>"),
        "{text}"
    );
}

#[tokio::test]
async fn feedback_is_cursor_paginated_and_the_openapi_document_is_public() {
    let app = spawn_app().await;
    let p = partner(&app).await;
    for i in 0..3 {
        let id = format!("app_f{i}");
        app.storage
            .create_application(&ApplicationRecord {
                id: id.clone(),
                partner_id: p.id.clone(),
                mode: "test".to_owned(),
                service_code: "10000000109".to_owned(),
                status_code: 3,
                created_at: 1,
                updated_at: 1,
            })
            .await
            .expect("application");
        app.storage
            .add_feedback(
                &server::storage::FeedbackRecord {
                    id: format!("fb_{i}"),
                    application_id: id,
                    partner_id: p.id.clone(),
                    rating: 5 - i,
                    comment: format!("отзыв {i}"),
                    created_at: 10 + i64::from(i),
                },
                &[],
            )
            .await
            .expect("feedback");
    }
    let (_, first) = json(
        call(
            &app,
            &p,
            "GET",
            "/api/v1/feedback/get?limit=2",
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let (_, rest) = json(
        call(
            &app,
            &p,
            "GET",
            &format!("/api/v1/feedback/get?cursor={cursor}"),
            None,
            "",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(rest["items"][0]["comment"], "отзыв 2");

    let spec: serde_json::Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("openapi");
    assert_eq!(spec["openapi"], "3.1.0");
    for path in [
        "/services/list",
        "/services/create",
        "/services/status",
        "/catalog/sync",
        "/pricing/update",
        "/feedback/get",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} documented");
    }
    let docs = app.get("/api/v1/docs").await.text().await.expect("docs");
    assert!(
        docs.contains("Signature-Input")
            && docs.contains("curl")
            && docs.contains("HTTPMessageSigner")
    );
}
