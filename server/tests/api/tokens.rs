//! okno's tokens over HTTP: the JWKS, partners' introspection and revocation (RFC 7662, 7009),
//! and the widget's refresh cookie rotated on every use.

use server::{
    signatures::SigningKey,
    tokens::{CitizenAccess, Mode, WidgetSession},
};

use crate::helpers::{SignedCall, TestApp, encode, spawn_app};

fn citizen(partner_id: &str) -> CitizenAccess {
    CitizenAccess {
        citizen_id: "cit_1".to_owned(),
        partner_id: partner_id.to_owned(),
        consent_id: "cns_1".to_owned(),
        scope: "applications:submit".to_owned(),
        mode: Mode::Test,
    }
}

async fn introspect(
    app: &TestApp,
    key_id: &str,
    key: &SigningKey,
    token: &str,
) -> serde_json::Value {
    let body = format!("token={}", encode(token));
    let call = SignedCall::form("/api/v1/oauth/introspect", body.as_bytes(), key_id, key);
    let response = app.send_signed(call, |_, _| {}).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

#[tokio::test]
async fn jwks_publishes_the_key_that_signs_and_the_next_one_before_it_does() {
    let app = spawn_app().await;
    let jwks: serde_json::Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("jwks");
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0]["kty"].as_str(), keys[0]["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    assert!(keys[0].get("d").is_none(), "never the private part");
    let current = keys[0]["kid"].as_str().expect("kid").to_owned();

    let rotated = app
        .sessions
        .rotate_signing_key(3_600)
        .await
        .expect("rotate");
    let jwks: serde_json::Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("jwks");
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&rotated.kid.as_str()) && kids.contains(&current.as_str()));
    // Until its time comes, tokens are still signed with the current key.
    let token = app
        .sessions
        .issue_widget_session(&WidgetSession {
            partner_id: "prt_x".to_owned(),
            publishable_key: "pk_test_x".to_owned(),
            origin: "https://shop.example".to_owned(),
            mode: Mode::Test,
        })
        .expect("token");
    let header = token.token.split('.').next().expect("header");
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(header["kid"], current.as_str());
}

#[tokio::test]
async fn partners_introspect_and_revoke_their_own_citizens_tokens_only() {
    let app = spawn_app().await;
    let partner = app.partner(&[]).await;
    let key = SigningKey::Hmac(partner.secret_key_test.clone().into_bytes());
    let other = app.partner(&[]).await;
    let other_key = SigningKey::Hmac(other.secret_key_test.clone().into_bytes());
    let sessions = app.sessions.clone();
    let tokens = sessions
        .start_citizen_session(&citizen(&partner.id))
        .await
        .expect("session");

    let active = introspect(&app, &partner.key_id_test, &key, &tokens.access.token).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], "cit_1");
    assert_eq!(active["client_id"], partner.id.as_str());
    let foreign = introspect(&app, &other.key_id_test, &other_key, &tokens.access.token).await;
    assert_eq!(
        foreign,
        serde_json::json!({ "active": false }),
        "another partner learns nothing"
    );

    // A widget token is not an access token, however validly signed.
    let widget = sessions
        .issue_widget_session(&WidgetSession {
            partner_id: partner.id.clone(),
            publishable_key: partner.publishable_key_test.clone(),
            origin: "https://shop.example".to_owned(),
            mode: Mode::Test,
        })
        .expect("widget token");
    let refused = sessions
        .verify_access(&widget.token)
        .await
        .err()
        .map(|e| e.code());
    assert_eq!(refused, Some("token_wrong_kind"));
    assert_eq!(
        introspect(&app, &partner.key_id_test, &key, &widget.token).await["active"],
        false
    );

    // Revocation by another partner does nothing; by the owner, it is effective at once.
    let body = format!("token={}", encode(&tokens.access.token));
    for (key_id, signing) in [
        (&other.key_id_test, &other_key),
        (&partner.key_id_test, &key),
    ] {
        let call = SignedCall::form("/api/v1/oauth/revoke", body.as_bytes(), key_id, signing);
        assert_eq!(app.send_signed(call, |_, _| {}).await.status(), 200);
        if key_id == &other.key_id_test {
            assert_eq!(
                introspect(&app, &partner.key_id_test, &key, &tokens.access.token).await["active"],
                true
            );
        }
    }
    assert_eq!(
        introspect(&app, &partner.key_id_test, &key, &tokens.access.token).await["active"],
        false
    );
    let revoked = sessions
        .verify_access(&tokens.access.token)
        .await
        .err()
        .map(|e| e.code());
    assert_eq!(revoked, Some("token_revoked"));

    // Revoking the refresh token ends the whole sign-in.
    let body = format!("token={}", encode(&tokens.refresh_token));
    let call = SignedCall::form(
        "/api/v1/oauth/revoke",
        body.as_bytes(),
        &partner.key_id_test,
        &key,
    );
    assert_eq!(app.send_signed(call, |_, _| {}).await.status(), 200);
    assert_eq!(
        sessions
            .refresh(&tokens.refresh_token)
            .await
            .err()
            .map(|e| e.code()),
        Some("token_revoked")
    );
}

#[tokio::test]
async fn the_refresh_cookie_rotates_and_a_reused_one_revokes_the_family() {
    let app = spawn_app().await;
    let partner = app.partner(&[]).await;
    let tokens = app
        .sessions
        .start_citizen_session(&citizen(&partner.id))
        .await
        .expect("session");
    let refresh = |cookie: String| {
        app.http
            .post(format!("{}/widget-api/session/refresh", app.base))
            .header("origin", app.base.clone())
            .header("cookie", format!("__Host-okno_refresh={cookie}"))
            .send()
    };

    let first = refresh(tokens.refresh_token.clone()).await.expect("send");
    assert_eq!(first.status(), 200);
    let set_cookie = first.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    for attribute in [
        "Secure",
        "HttpOnly",
        "SameSite=None",
        "Partitioned",
        "Path=/",
    ] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    let next = set_cookie
        .trim_start_matches("__Host-okno_refresh=")
        .split(';')
        .next()
        .expect("value")
        .to_owned();
    let body: serde_json::Value = first.json().await.expect("json");
    assert!(
        app.sessions
            .verify_access(body["access_token"].as_str().expect("t"))
            .await
            .is_ok()
    );

    // The old token again: someone holds a copy, so the whole family is revoked.
    let reused = refresh(tokens.refresh_token.clone()).await.expect("send");
    assert_eq!(reused.status(), 401);
    assert!(
        reused.headers()["set-cookie"]
            .to_str()
            .expect("a")
            .contains("Max-Age=0")
    );
    let code: serde_json::Value = reused.json().await.expect("json");
    assert_eq!(code["error"]["code"], "token_revoked");
    let after = refresh(next).await.expect("send");
    assert_eq!(
        after.status(),
        401,
        "the newest token of the family is revoked too"
    );

    let missing = app
        .http
        .post(format!("{}/widget-api/session/refresh", app.base))
        .header("origin", app.base.clone())
        .send()
        .await
        .expect("send");
    let code: serde_json::Value = missing.json().await.expect("json");
    assert_eq!(code["error"]["code"], "token_missing");
}
