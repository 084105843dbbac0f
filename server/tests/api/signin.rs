//! Citizens' sign-in for the widget: popup → sandbox ESIA (PKCE) → callback page with a one-time
//! code → the frame collects the profile and tokens. Driven over HTTP as the browser would.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden field") + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// Runs the popup's part for test citizen `oid`; returns the callback page.
pub async fn popup(app: &TestApp, key: &str, oid: &str, decision: &str) -> (u16, String) {
    let start = app
        .get(&format!(
            "/w/{key}/signin?origin=https%3A%2F%2Fshop.example"
        ))
        .await;
    assert_eq!(start.status(), 303, "the popup is sent to ESIA");
    let esia =
        url::Url::parse(start.headers()["location"].to_str().expect("location")).expect("url");
    assert!(
        esia.query_pairs()
            .any(|(k, v)| k == "code_challenge_method" && v == "S256"),
        "PKCE"
    );
    let page = app
        .http
        .get(esia.clone())
        .send()
        .await
        .expect("esia")
        .text()
        .await
        .expect("page");
    let request_id = hidden(&page, "request_id");
    let login = esia.join("/aas/oauth2/v2/ac/login").expect("url");
    app.http
        .post(login)
        .form(&[("request_id", request_id.as_str()), ("oid", oid)])
        .send()
        .await
        .expect("login");
    let consent = esia.join("/aas/oauth2/v2/ac/consent").expect("url");
    let back = app
        .http
        .post(consent)
        .form(&[
            ("request_id", request_id.as_str()),
            ("oid", oid),
            ("decision", decision),
        ])
        .send()
        .await
        .expect("consent");
    let callback = back.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(
        callback.starts_with(&format!("{}/signin/callback?", app.base)),
        "{callback}"
    );
    let response = app.http.get(callback).send().await.expect("callback");
    (
        response.status().as_u16(),
        response.text().await.expect("html"),
    )
}

pub fn one_time_code(page: &str) -> String {
    let start = page.find("\"code\":\"").expect("code in the page") + 8;
    page[start..].split('"').next().expect("code").to_owned()
}

pub async fn collect(app: &TestApp, session: &str, code: &str) -> (u16, Option<String>, Value) {
    let response = app
        .http
        .post(format!("{}/widget-api/signin/collect", app.base))
        .header("origin", app.base.clone())
        .form(&[("session", session), ("code", code)])
        .send()
        .await
        .expect("collect");
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (
        response.status().as_u16(),
        cookie,
        response.json().await.expect("json"),
    )
}

#[tokio::test]
async fn a_confirmed_citizen_signs_in_through_the_popup_and_the_frame_collects_once() {
    let app = spawn_app().await;
    let partner = app.partner(&["https://shop.example"]).await;
    let (status, page) = popup(&app, &partner.publishable_key_test, "1000299353", "allow").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("window.opener.postMessage") && page.contains(&format!("\"{}\"", app.base)),
        "posted only to okno's origin"
    );
    let code = one_time_code(&page);

    // Another partner's widget cannot collect it.
    let other = app.partner(&[]).await;
    let foreign = app.widget_session(&other.publishable_key_test).await;
    let session = app.widget_session(&partner.publishable_key_test).await;
    let (status, _, body) = collect(&app, &foreign, &code).await;
    assert!(status >= 400);
    assert_eq!(body["code"].as_str(), Some("signin_expired"));
    // The code was spent by that attempt: sign in again.
    let (_, page) = popup(&app, &partner.publishable_key_test, "1000299353", "allow").await;
    let code = one_time_code(&page);
    let (status, cookie, body) = collect(&app, &session, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["last_name"], "Иванова");
    assert_eq!(body["profile"]["level"], "confirmed");
    let access = body["access_token"].as_str().expect("token");
    let verified = app
        .sessions
        .verify_access(access)
        .await
        .expect("access token");
    assert!(
        verified.claims.citizen_id.starts_with("cit_")
            && !verified.claims.citizen_id.contains("1000299353"),
        "a pseudonym, not the ESIA id"
    );
    assert!(cookie.expect("refresh cookie").contains("Partitioned"));
    let (status, _, body) = collect(&app, &session, &code).await;
    assert!(status >= 400, "one use only");
    assert_eq!(body["code"].as_str(), Some("signin_expired"));

    // Consent before anything is sent: recorded, audited, and carried by a new access token.
    let consent_in = |token: String, lang: &'static str| {
        app.http
            .post(format!("{}/widget-api/consent", app.base))
            .header("origin", app.base.clone())
            .form(&[
                ("session", session.as_str()),
                ("access_token", token.as_str()),
                ("service_code", "10000000109"),
                ("lang", lang),
            ])
            .send()
    };
    let consent = |token: String| consent_in(token, "ru");
    let given: Value = consent(access.to_owned())
        .await
        .expect("consent")
        .json()
        .await
        .expect("json");
    let consent_id = given["consent_id"].as_str().expect("consent id");
    assert!(consent_id.starts_with("cns_"), "{given}");
    let text = given["text"].as_str().expect("text");
    assert!(
        text.contains("Test shop") && text.contains("СНИЛС") && text.contains("30 дней"),
        "{text}"
    );
    let carried = app
        .sessions
        .verify_access(given["access_token"].as_str().expect("token"))
        .await
        .expect("access");
    assert_eq!(carried.claims.consent_id, consent_id);
    assert!(carried.claims.has_scope("applications:submit"));
    let refused: Value = consent("forged".to_owned())
        .await
        .expect("consent")
        .json()
        .await
        .expect("json");
    assert_eq!(refused["code"], "signin_expired");
    // A widget in English shows the English text; the record names that text's own version.
    let english: Value = consent_in(access.to_owned(), "en")
        .await
        .expect("consent")
        .json()
        .await
        .expect("json");
    assert_eq!(english["version"], "2026-11.1-en", "{english}");
    let text = english["text"].as_str().expect("text");
    assert!(
        text.starts_with("I consent") && text.contains("Test shop") && text.contains("30 days"),
        "{text}"
    );
    let audited = app.storage.audit_page(0, 1_000).await.expect("audit");
    assert!(
        audited
            .iter()
            .any(|r| r.draft.action == "consent.give" && r.draft.target == consent_id)
    );

    // Nothing personal is stored in clear.
    let database = std::fs::read(app.data_dir().join("okno.db")).expect("db");
    let wal = std::fs::read(app.data_dir().join("okno.db-wal")).unwrap_or_default();
    for bytes in [database, wal] {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("Иванова") && !text.contains("526-018-159 61"));
    }
}

#[tokio::test]
async fn a_declined_or_replayed_callback_is_refused_with_its_code() {
    let app = spawn_app().await;
    let partner = app.partner(&["https://shop.example"]).await;
    let (status, page) = popup(&app, &partner.publishable_key_test, "1000299353", "deny").await;
    assert_eq!(status, 400);
    assert!(page.contains("data-code=\"signin_cancelled\""), "{page}");
    let replay = app.get("/signin/callback?code=x&state=never-issued").await;
    assert_eq!(replay.status(), 400);
    assert!(
        replay
            .text()
            .await
            .expect("html")
            .contains("data-code=\"signin_expired\"")
    );
    // A live key has no ESIA configured yet: a clear refusal, not a broken popup.
    let live = app
        .get(&format!("/w/{}/signin", partner.publishable_key_live))
        .await;
    assert_eq!(live.status(), 503);
}
