//! The sandbox page's lists and its fault form, end to end through the sandbox portal.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_sandbox_page_lists_test_citizens_and_the_status_triggers() {
    let app = spawn_app().await;
    let key = app.partner(&[]).await.publishable_key_test;
    let html = app
        .get(&format!("/sandbox/{key}"))
        .await
        .text()
        .await
        .expect("html");
    assert_eq!(html.matches("data-testid=\"test-citizen\"").count(), 4);
    assert!(html.contains("526-018-159 61") && html.contains("Подтверждённая учётная запись"));
    assert!(html.contains("Отказов") && html.contains("Исправлений"));
    assert!(html.contains("Сбоев нет."));
}

#[tokio::test]
async fn the_fault_form_takes_the_sandbox_portal_down_and_back() {
    let app = spawn_app().await;
    let key = app.partner(&[]).await.publishable_key_test;
    let post = |origin: Option<String>, outage: &str| {
        let mut request = app
            .http
            .post(format!("{}/sandbox/{key}/faults", app.base))
            .form(&[
                ("latency_ms", "0"),
                ("error_percent", "0"),
                ("outage_seconds", outage),
            ]);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };

    let forged = post(Some("https://evil.example".into()), "60")
        .await
        .expect("send");
    assert_eq!(forged.status(), 403);
    assert!(
        forged
            .text()
            .await
            .expect("html")
            .contains("origin_not_allowed")
    );
    assert_eq!(
        post(None, "60").await.expect("send").status(),
        403,
        "no Origin, no change"
    );
    assert_eq!(app.get("/readyz").await.status(), 200);

    let done = post(Some(app.base.clone()), "60").await.expect("send");
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], format!("/sandbox/{key}#faults"));
    assert_eq!(
        app.get("/readyz").await.status(),
        503,
        "the sandbox portal is down now"
    );
    let page = app
        .get(&format!("/sandbox/{key}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("Сбой: портал недоступен"));
    let widget = app.get(&format!("/w/{key}/services")).await;
    assert_eq!(widget.status(), 502);

    assert_eq!(
        post(Some(app.base.clone()), "0")
            .await
            .expect("send")
            .status(),
        303
    );
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn live_keys_cannot_touch_the_sandbox() {
    let app = spawn_app().await;
    let key = app.partner(&[]).await.publishable_key_live;
    let response = app
        .http
        .post(format!("{}/sandbox/{key}/faults", app.base))
        .header("origin", app.base.clone())
        .form(&[
            ("latency_ms", "0"),
            ("error_percent", "0"),
            ("outage_seconds", "60"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 403);
    assert_eq!(app.get("/readyz").await.status(), 200);
}
