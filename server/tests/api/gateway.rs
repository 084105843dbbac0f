//! The Partner API's checks, end to end: each refusal with its exact code, and proof that a
//! refused request never reached the portal.

use app::partner::Mode;
use server::signatures::SigningKey;

use crate::helpers::{SignedCall, TestApp, spawn_app, spawn_with};

struct Signer {
    key_id: String,
    key: SigningKey,
    partner_id: String,
}

async fn test_signer(app: &TestApp) -> Signer {
    let partner = app.partner(&["https://shop.example"]).await;
    Signer {
        key_id: partner.key_id_test.clone(),
        key: SigningKey::Hmac(partner.secret_key_test.clone().into_bytes()),
        partner_id: partner.id,
    }
}

async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("json error");
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

/// Sends `call` tampered by `tamper`, expects `status`/`code`, and that the portal saw nothing.
async fn refused(
    app: &TestApp,
    call: SignedCall<'_>,
    tamper: impl FnOnce(&mut http::request::Parts, &mut Vec<u8>),
    expected: (u16, &str),
) {
    let before = app.portal_calls();
    let response = app.send_signed(call, tamper).await;
    assert_eq!(
        error_code(response).await,
        (expected.0, expected.1.to_owned())
    );
    assert_eq!(
        app.portal_calls(),
        before,
        "{}: nothing may reach the portal",
        expected.1
    );
}

#[tokio::test]
async fn a_signed_test_key_reaches_the_sandbox_and_a_live_key_never_does() {
    let app = spawn_app().await;
    let partner = app.partner(&[]).await;
    let test_key = SigningKey::Hmac(partner.secret_key_test.clone().into_bytes());
    let before = app.portal_calls();
    let response = app
        .send_signed(
            SignedCall::get("/api/v1/ping", &partner.key_id_test, &test_key),
            |_, _| {},
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["mode"], "test");
    assert_eq!(body["partner_id"], partner.id.as_str());
    assert_eq!(body["portal"], "reachable");
    assert!(
        app.portal_calls() > before,
        "the test key's call reached the sandbox"
    );

    let live_key = SigningKey::Hmac(partner.secret_key_live.clone().into_bytes());
    let before = app.portal_calls();
    let response = app
        .send_signed(
            SignedCall::get("/api/v1/ping", &partner.key_id_live, &live_key),
            |_, _| {},
        )
        .await;
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        (body["mode"].as_str(), body["portal"].as_str()),
        (Some("live"), Some("not_configured"))
    );
    assert_eq!(
        app.portal_calls(),
        before,
        "a live key never reaches the sandbox"
    );
}

#[tokio::test]
async fn every_broken_signature_is_refused_with_its_code_before_the_portal() {
    let app = spawn_app().await;
    let s = test_signer(&app).await;
    let ping = || SignedCall::get("/api/v1/ping?x=1", &s.key_id, &s.key);
    let form =
        |body: &'static [u8]| SignedCall::form("/api/v1/oauth/introspect", body, &s.key_id, &s.key);

    refused(
        &app,
        ping(),
        |parts, _| {
            parts.headers.remove("signature");
            parts.headers.remove("signature-input");
        },
        (401, "signature_missing"),
    )
    .await;
    refused(
        &app,
        ping(),
        |parts, _| {
            parts
                .headers
                .insert("signature", "sig1=::".parse().expect("h"));
        },
        (401, "signature_invalid"),
    )
    .await;
    refused(
        &app,
        ping(),
        |parts, _| {
            let value = parts.headers["signature"]
                .to_str()
                .expect("ascii")
                .to_owned();
            let truncated = format!("{}:", &value[..value.len() / 2]);
            parts
                .headers
                .insert("signature", truncated.parse().expect("h"));
        },
        (401, "signature_invalid"),
    )
    .await;
    refused(
        &app,
        ping(),
        |parts, _| {
            parts
                .headers
                .insert("signature-input", "sig1=(\"@method\"".parse().expect("h"));
        },
        (401, "signature_malformed"),
    )
    .await;
    refused(
        &app,
        SignedCall {
            created_offset: -400,
            ..ping()
        },
        |_, _| {},
        (401, "signature_expired"),
    )
    .await;
    refused(
        &app,
        SignedCall {
            created_offset: 120,
            ..ping()
        },
        |_, _| {},
        (401, "signature_not_yet_valid"),
    )
    .await;
    refused(
        &app,
        SignedCall {
            lifetime: 301,
            ..ping()
        },
        |_, _| {},
        (401, "signature_window_too_long"),
    )
    .await;
    refused(
        &app,
        form(b"token=abc"),
        |_, body| {
            *body = b"token=abd".to_vec();
        },
        (401, "digest_mismatch"),
    )
    .await;
    refused(
        &app,
        ping(),
        |parts, _| {
            parts.uri = parts
                .uri
                .to_string()
                .replace("/ping", "/pong")
                .parse()
                .expect("uri");
        },
        (401, "signature_invalid"),
    )
    .await;
    refused(
        &app,
        ping(),
        |parts, _| {
            parts.uri = parts
                .uri
                .to_string()
                .replace("x=1", "x=2")
                .parse()
                .expect("uri");
        },
        (401, "signature_invalid"),
    )
    .await;
    refused(
        &app,
        ping(),
        |parts, _| {
            // The partner's signing code dropped content-digest from the covered components.
            let input = parts.headers["signature-input"]
                .to_str()
                .expect("ascii")
                .replace(" \"content-digest\"", "");
            parts
                .headers
                .insert("signature-input", input.parse().expect("h"));
        },
        (401, "component_missing"),
    )
    .await;
    refused(
        &app,
        ping(),
        |parts, _| {
            // Claiming another algorithm than the key's: okno never takes it from the request.
            let input = parts.headers["signature-input"]
                .to_str()
                .expect("ascii")
                .to_owned()
                + ";alg=\"ed25519\"";
            parts
                .headers
                .insert("signature-input", input.parse().expect("h"));
        },
        (401, "signature_invalid"),
    )
    .await;

    let wrong = SigningKey::Hmac(b"sk_test_not-the-partners-secret".to_vec());
    refused(
        &app,
        SignedCall {
            key: &wrong,
            ..ping()
        },
        |_, _| {},
        (401, "signature_invalid"),
    )
    .await;
    refused(
        &app,
        SignedCall {
            key_id: "key_nobody",
            ..ping()
        },
        |_, _| {},
        (401, "key_unknown"),
    )
    .await;

    // Replaying a request that went through.
    let mut first = None;
    let response = app
        .send_signed(ping(), |parts, body| {
            first = Some((parts.clone(), body.clone()))
        })
        .await;
    assert_eq!(response.status(), 200);
    let (parts, body) = first.expect("captured");
    refused(
        &app,
        ping(),
        |p, b| {
            *p = parts;
            *b = body;
        },
        (401, "nonce_replayed"),
    )
    .await;

    // Refusals are recorded without waiting (they change nothing): poll until the last is in.
    let mut refusals = Vec::new();
    for _ in 0..100 {
        refusals = app
            .storage
            .audit_page(0, 1_000)
            .await
            .expect("page")
            .into_iter()
            .filter(|r| r.draft.action.starts_with("api.") && r.draft.outcome == "refused")
            .filter_map(|r| r.draft.error_code)
            .collect::<Vec<_>>();
        if refusals.iter().any(|code| code == "nonce_replayed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        refusals.contains(&"nonce_replayed".to_owned()),
        "refusals are audited: {refusals:?}"
    );
    assert!(
        server::audit::verify(&app.storage)
            .await
            .expect("read")
            .is_ok(),
        "the chain verifies"
    );
}

#[tokio::test]
async fn revoked_rotated_and_ed25519_keys() {
    let app = spawn_app().await;
    let s = test_signer(&app).await;
    let ping = |key_id, key| SignedCall::get("/api/v1/ping", key_id, key);

    // Rotation with an overlap: old and new both verify.
    let rotated = app
        .partners
        .rotate_secret_key(&s.partner_id, Mode::Test, time::Duration::hours(1))
        .await
        .expect("rotate");
    let new_key = SigningKey::Hmac(rotated.secret_key.clone().expect("secret").into_bytes());
    for (key_id, key) in [
        (s.key_id.as_str(), &s.key),
        (rotated.key_id.as_str(), &new_key),
    ] {
        assert_eq!(
            app.send_signed(ping(key_id, key), |_, _| {}).await.status(),
            200
        );
    }
    // Rotating again with no overlap retires both at once.
    let again = app
        .partners
        .rotate_secret_key(&s.partner_id, Mode::Test, time::Duration::ZERO)
        .await
        .expect("rotate");
    refused(
        &app,
        ping(&rotated.key_id, &new_key),
        |_, _| {},
        (401, "key_revoked"),
    )
    .await;
    let newest = SigningKey::Hmac(again.secret_key.clone().expect("secret").into_bytes());
    assert_eq!(
        app.send_signed(ping(&again.key_id, &newest), |_, _| {})
            .await
            .status(),
        200
    );

    // Revocation takes effect on the next request.
    app.partners
        .revoke_secret_key(&again.key_id)
        .await
        .expect("revoke");
    refused(
        &app,
        ping(&again.key_id, &newest),
        |_, _| {},
        (401, "key_revoked"),
    )
    .await;

    // A registered Ed25519 public key: the partner keeps the private key.
    let private = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let public = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        private.verifying_key().as_bytes(),
    );
    let added = app
        .partners
        .register_public_key(&s.partner_id, Mode::Test, &public, time::Duration::ZERO)
        .await
        .expect("register");
    assert!(added.secret_key.is_none());
    let ed = SigningKey::Ed25519(private);
    assert_eq!(
        app.send_signed(ping(&added.key_id, &ed), |_, _| {})
            .await
            .status(),
        200
    );
    let other = SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[8; 32]));
    refused(
        &app,
        ping(&added.key_id, &other),
        |_, _| {},
        (401, "signature_invalid"),
    )
    .await;
    // The HMAC secret cannot stand in for the pinned Ed25519 key.
    refused(
        &app,
        ping(&added.key_id, &s.key),
        |_, _| {},
        (401, "signature_invalid"),
    )
    .await;
}

#[tokio::test]
async fn networks_rates_and_bursts_of_failures() {
    let app = spawn_with(|settings| {
        settings.rate_limit_partner_per_minute = 3;
        settings.anomaly_failure_limit = 4;
        settings.trusted_proxies = vec!["127.0.0.1/32".to_owned()];
    })
    .await;
    let s = test_signer(&app).await;
    let ping = || SignedCall::get("/api/v1/ping", &s.key_id, &s.key);

    app.partners
        .set_networks(&s.partner_id, &["203.0.113.0/24".to_owned()])
        .await
        .expect("networks");
    refused(&app, ping(), |_, _| {}, (403, "ip_not_allowed")).await;
    // okno's trusted proxy (loopback here) vouches for the client's address.
    let via_proxy = app
        .send_signed(ping(), |parts, _| {
            parts
                .headers
                .insert("x-forwarded-for", "203.0.113.9".parse().expect("h"));
        })
        .await;
    assert_eq!(via_proxy.status(), 200);
    app.partners
        .set_networks(&s.partner_id, &[])
        .await
        .expect("clear");

    // Three a minute: the fourth call waits.
    assert_eq!(app.send_signed(ping(), |_, _| {}).await.status(), 200);
    assert_eq!(app.send_signed(ping(), |_, _| {}).await.status(), 200);
    let limited = app.send_signed(ping(), |_, _| {}).await;
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("a")
        .parse()
        .expect("n");
    assert!((1..=60).contains(&retry_after));
    assert_eq!(error_code(limited).await.1, "rate_limited");

    // A burst of bad signatures from one address blocks it, even for good ones, and alerts.
    let attacker = || SignedCall::get("/api/v1/ping", "key_guess", &s.key);
    for _ in 0..4 {
        let response = app
            .send_signed(attacker(), |parts, _| {
                parts
                    .headers
                    .insert("x-forwarded-for", "198.51.100.66".parse().expect("h"));
            })
            .await;
        assert_eq!(error_code(response).await.1, "key_unknown");
    }
    let blocked = app
        .send_signed(attacker(), |parts, _| {
            parts
                .headers
                .insert("x-forwarded-for", "198.51.100.66".parse().expect("h"));
        })
        .await;
    assert!(blocked.headers().contains_key("retry-after"));
    assert_eq!(
        error_code(blocked).await,
        (429, "blocked_suspicious".to_owned())
    );
    // The alert is stored for the operator (written in the background).
    let mut alerts = Vec::new();
    for _ in 0..50 {
        alerts = app.storage.alerts(0).await.expect("alerts");
        if !alerts.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        alerts.first().map(|a| a.subject.as_str()),
        Some("ip:198.51.100.66")
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let s = test_signer(&app).await;
    let big = vec![b'a'; server::http::MAX_BODY_BYTES + 1];
    let call = SignedCall::form("/api/v1/oauth/revoke", &big, &s.key_id, &s.key);
    refused(&app, call, |_, _| {}, (413, "body_too_large")).await;
}
