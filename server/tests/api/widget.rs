//! The widget path: key and origin checks, `frame-ancestors`, the catalog from the sandbox portal.

use serde_json::Value;

use crate::helpers::{encode, spawn_app, spawn_with};

fn csp(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_catalog_page_lists_the_sandbox_services_with_exactly_the_partners_origins() {
    let app = spawn_app().await;
    let partner = app
        .partner(&["https://shop.example", "https://*.bank.example"])
        .await;
    let response = app
        .get(&format!("/w/{}/services", partner.publishable_key_test))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        csp(&response),
        format!(
            "frame-ancestors https://*.bank.example https://shop.example {}",
            app.base
        )
    );
    let html = response.text().await.expect("html");
    assert!(html.contains("доставки пенсии") && html.contains("Выписка из ЕГРН"));
    assert_eq!(html.matches("data-testid=\"service\"").count(), 15);
}

#[tokio::test]
async fn live_keys_do_not_get_okno_in_frame_ancestors() {
    let app = spawn_app().await;
    let partner = app.partner(&["https://shop.example"]).await;
    let response = app
        .get(&format!("/w/{}/services", partner.publishable_key_live))
        .await;
    assert_eq!(csp(&response), "frame-ancestors https://shop.example");
}

#[tokio::test]
async fn a_partner_without_origins_cannot_be_framed_at_all_in_live_mode() {
    let app = spawn_app().await;
    let partner = app.partner(&[]).await;
    let response = app
        .get(&format!("/w/{}/services", partner.publishable_key_live))
        .await;
    assert_eq!(csp(&response), "frame-ancestors 'none'");
}

#[tokio::test]
async fn the_embedding_origin_must_be_in_the_list() {
    let app = spawn_app().await;
    let key = app
        .partner(&["https://shop.example", "https://*.bank.example"])
        .await
        .publishable_key_test;
    for allowed in [
        "https://shop.example",
        "https://online.bank.example",
        "HTTPS://SHOP.example:443",
    ] {
        let response = app
            .get(&format!("/w/{key}/services?origin={}", encode(allowed)))
            .await;
        assert_eq!(response.status(), 200, "{allowed}");
    }
    for refused in [
        "https://bank.example",
        "http://shop.example",
        "https://shop.example.evil",
        "null",
        "x",
    ] {
        let response = app
            .get(&format!("/w/{key}/services?origin={}", encode(refused)))
            .await;
        assert_eq!(response.status(), 403, "{refused}");
        assert_eq!(
            csp(&response),
            format!(
                "frame-ancestors https://*.bank.example https://shop.example {}",
                app.base
            )
        );
        let html = response.text().await.expect("html");
        assert!(
            html.contains("data-code=\"origin_not_allowed\""),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn unknown_and_revoked_keys_get_error_pages_in_both_languages() {
    let app = spawn_app().await;
    let unknown = app.get("/w/pk_test_nothing/services").await;
    assert_eq!(unknown.status(), 404);
    let html = unknown.text().await.expect("html");
    assert!(
        html.contains("key_unknown")
            && html.contains("Сообщите владельцу сайта")
            && html.contains("Tell the site's owner")
    );

    let key = app
        .partner(&["https://shop.example"])
        .await
        .publishable_key_test;
    assert_eq!(app.get(&format!("/w/{key}/services")).await.status(), 200);
    app.partners.revoke_key(&key).await.expect("revoke");
    let revoked = app.get(&format!("/w/{key}/services")).await;
    assert_eq!(
        revoked.status(),
        403,
        "revocation takes effect on the next request"
    );
    assert!(
        revoked
            .text()
            .await
            .expect("html")
            .contains("data-code=\"key_revoked\"")
    );
}

#[tokio::test]
async fn the_catalog_server_function_filters_and_rechecks_the_key() {
    let app = spawn_app().await;
    let key = app.partner(&[]).await.publishable_key_test;
    let session = app.widget_session(&key).await;
    let call = |session: String| {
        app.http
            .post(format!("{}/widget-api/catalog", app.base))
            .header("origin", app.base.clone())
            .form(&[("session", session.as_str()), ("query", "социальный фонд")])
            .send()
    };
    let found: Value = call(session.clone())
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> = found["services"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes, ["10000000109", "10000000110", "60080315"]);

    // A session is worth nothing forged, or once its key is revoked.
    let forged = format!("{}x", &session[..session.len() - 1]);
    let refused: Value = call(forged)
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(refused["code"], "session_invalid");
    let other = app.partner(&[]).await;
    let foreign = app.widget_session(&other.publishable_key_test).await;
    app.partners.revoke_key(&key).await.expect("revoke");
    let refused = call(session).await.expect("send");
    assert!(refused.status().is_server_error() || refused.status().is_client_error());
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["code"], "key_revoked");
    // A key's revocation does not touch another partner's sessions.
    assert_eq!(call(foreign).await.expect("send").status(), 200);
}

#[tokio::test]
async fn a_portal_outage_is_a_clear_502_not_an_empty_catalog() {
    let app = spawn_with(|settings| {
        settings.sandbox = false;
        settings.test_portal_url = Some("http://127.0.0.1:9/".parse().expect("url"));
        settings.portal_connect_timeout_ms = 500;
    })
    .await;
    let key = app.partner(&[]).await.publishable_key_test;
    let response = app.get(&format!("/w/{key}/services")).await;
    assert_eq!(response.status(), 502);
    assert!(
        response
            .text()
            .await
            .expect("html")
            .contains("data-code=\"portal_unavailable\"")
    );
}

#[tokio::test]
async fn live_keys_without_a_live_portal_are_refused_not_sent_to_the_sandbox() {
    let app = spawn_app().await;
    let key = app.partner(&[]).await.publishable_key_live;
    let response = app.get(&format!("/w/{key}/services")).await;
    assert_eq!(response.status(), 502);
    assert!(
        response
            .text()
            .await
            .expect("html")
            .contains("data-code=\"mode_not_configured\"")
    );
}

#[tokio::test]
async fn the_sandbox_page_shows_the_snippet_for_test_keys_only() {
    let app = spawn_app().await;
    let partner = app.partner(&["https://shop.example"]).await;
    let page = app
        .get(&format!("/sandbox/{}", partner.publishable_key_test))
        .await;
    assert_eq!(page.status(), 200);
    assert_eq!(csp(&page), "frame-ancestors 'none'");
    let html = page.text().await.expect("html");
    let snippet = format!(
        "&lt;script src=\"{}/embed.js\" data-okno-key=\"{}\" async&gt;&lt;/script&gt;",
        app.base, partner.publishable_key_test
    );
    assert!(html.contains(&snippet), "{html}");

    let live = app
        .get(&format!("/sandbox/{}", partner.publishable_key_live))
        .await;
    assert_eq!(live.status(), 403);
    assert!(
        live.text()
            .await
            .expect("html")
            .contains("sandbox_needs_test_key")
    );
}

#[tokio::test]
async fn widget_calls_are_accepted_only_from_okno_pages() {
    let app = spawn_app().await;
    let key = app
        .partner(&["https://shop.example"])
        .await
        .publishable_key_test;
    let session = app.widget_session(&key).await;
    let call = |headers: &[(&str, &str)]| {
        let mut request = app
            .http
            .post(format!("{}/widget-api/catalog", app.base))
            .form(&[("session", session.as_str()), ("query", "")]);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    for refused in [
        vec![("origin", "https://shop.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
        vec![],
    ] {
        let response = call(&refused).await.expect("send");
        assert_eq!(response.status(), 403, "{refused:?}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "origin_not_allowed", "{refused:?}");
    }
    let own = app.base.clone();
    assert_eq!(
        call(&[("origin", own.as_str())])
            .await
            .expect("send")
            .status(),
        200
    );
    assert_eq!(
        call(&[("sec-fetch-site", "same-origin")])
            .await
            .expect("send")
            .status(),
        200
    );
}

#[tokio::test]
async fn pages_carry_a_strict_csp_whose_nonce_is_on_the_hydration_script() {
    let app = spawn_app().await;
    let key = app
        .partner(&["https://shop.example"])
        .await
        .publishable_key_test;
    let response = app.get(&format!("/w/{key}/services")).await;
    let policies: Vec<String> = response
        .headers()
        .get_all("content-security-policy")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect();
    assert_eq!(policies.len(), 2, "{policies:?}");
    assert!(policies[0].starts_with("frame-ancestors "));
    let strict = &policies[1];
    assert!(
        strict.contains("object-src 'none'") && strict.contains("base-uri 'none'"),
        "{strict}"
    );
    let nonce = strict
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    let html = response.text().await.expect("html");
    assert!(
        html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")),
        "the hydration script carries it"
    );
    let again = app.get(&format!("/w/{key}/services")).await;
    let second = again
        .headers()
        .get_all("content-security-policy")
        .iter()
        .nth(1)
        .map(|v| v.to_str().expect("ascii").to_owned());
    assert_ne!(
        second.as_deref(),
        Some(strict.as_str()),
        "a fresh nonce per response"
    );
}

#[tokio::test]
async fn a_service_page_tells_deadline_fee_level_and_documents_and_links_keep_the_origin() {
    let app = spawn_app().await;
    let key = app
        .partner(&["https://shop.example"])
        .await
        .publishable_key_test;
    let origin = encode("https://shop.example");
    let catalog = app
        .get(&format!("/w/{key}/services?origin={origin}"))
        .await
        .text()
        .await
        .expect("html");
    let link = format!("href=\"/w/{key}/services/10000000804?origin=https%3A%2F%2Fshop.example\"");
    assert!(
        catalog.contains(&link),
        "catalog links carry the origin: {link}"
    );

    let page = app
        .get(&format!("/w/{key}/services/10000000804?origin={origin}"))
        .await;
    assert_eq!(page.status(), 200);
    assert!(csp(&page).starts_with("frame-ancestors https://shop.example"));
    let html = page.text().await.expect("html");
    for expected in [
        "Регистрация транспортного средства",
        "Срок",
        "Стоимость",
        "Подтверждённая учётная запись",
        "Что понадобится",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    assert!(
        html.contains(&format!(
            "href=\"/w/{key}/services?origin=https%3A%2F%2Fshop.example\""
        )),
        "back link"
    );

    let unknown = app.get(&format!("/w/{key}/services/99999999999")).await;
    assert_eq!(unknown.status(), 404);
    assert!(
        unknown
            .text()
            .await
            .expect("html")
            .contains("data-code=\"service_not_found\"")
    );
}
