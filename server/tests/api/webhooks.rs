//! Webhooks end to end: a real receiver on loopback (allowed in test mode), signatures checked by
//! the Python `standardwebhooks` library, retries on the schedule, 410 disabling the endpoint.

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use server::{
    clock::{Clock, ManualClock, SystemClock},
    signatures::SigningKey,
    storage::ApplicationRecord,
};

use crate::helpers::{SignedCall, TestApp, spawn_with_clock};

#[derive(Clone, Default)]
struct Receiver {
    /// Status codes to answer, in order; 200 once they run out.
    script: Arc<Mutex<Vec<u16>>>,
    received: Arc<Mutex<Vec<(HeaderMap, String)>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    receiver
        .received
        .lock()
        .expect("lock")
        .push((headers, body));
    let mut script = receiver.script.lock().expect("lock");
    let status = if script.is_empty() {
        200
    } else {
        script.remove(0)
    };
    StatusCode::from_u16(status).expect("status")
}

async fn start_receiver(script: Vec<u16>) -> (String, Receiver) {
    let receiver = Receiver {
        script: Arc::new(Mutex::new(script)),
        ..Receiver::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hooks", listener.local_addr().expect("addr"));
    let app = Router::new()
        .route("/hooks", post(receive))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (url, receiver)
}

struct Setup {
    app: TestApp,
    clock: Arc<ManualClock>,
    partner_id: String,
    key_id: String,
    key: SigningKey,
    live_key_id: String,
    live_key: SigningKey,
}

async fn setup() -> Setup {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = spawn_with_clock(|_| {}, clock.clone()).await;
    let created = app.partner(&[]).await;
    app.storage
        .create_application(&ApplicationRecord {
            id: "app_w".to_owned(),
            partner_id: created.id.clone(),
            mode: "test".to_owned(),
            service_code: "10000000109".to_owned(),
            status_code: 17,
            created_at: 1,
            updated_at: 1,
        })
        .await
        .expect("application");
    Setup {
        app,
        clock,
        partner_id: created.id,
        key_id: created.key_id_test,
        key: SigningKey::Hmac(created.secret_key_test.into_bytes()),
        live_key_id: created.key_id_live,
        live_key: SigningKey::Hmac(created.secret_key_live.into_bytes()),
    }
}

impl Setup {
    async fn post(&self, path: &str, body: &str) -> (u16, serde_json::Value) {
        self.post_as(&self.key_id, &self.key, path, body).await
    }

    async fn post_as(
        &self,
        key_id: &str,
        key: &SigningKey,
        path: &str,
        body: &str,
    ) -> (u16, serde_json::Value) {
        let call = SignedCall {
            method: "POST",
            content_type: Some("application/json"),
            body: body.as_bytes(),
            ..SignedCall::get(path, key_id, key)
        };
        let response = self.app.send_signed(call, |_, _| {}).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Waits (without a fixed sleep) until `done` holds for the endpoint's deliveries.
    async fn until(
        &self,
        endpoint_id: &str,
        done: impl Fn(
            &[(
                server::storage::WebhookDeliveryRecord,
                Vec<server::storage::WebhookAttemptRecord>,
            )],
        ) -> bool,
    ) {
        for _ in 0..400 {
            let log = self
                .app
                .storage
                .webhook_deliveries(endpoint_id, 10)
                .await
                .expect("log");
            if done(&log) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("webhook deliveries never reached the expected state");
    }
}

#[tokio::test]
async fn a_status_change_is_delivered_signed_and_verifies_with_standardwebhooks() {
    let s = setup().await;
    let (url, receiver) = start_receiver(vec![]).await;
    let (status, endpoint) = s
        .post(
            "/api/v1/webhooks/endpoints",
            &format!(r#"{{"url":"{url}","event_types":["application.status_changed"]}}"#),
        )
        .await;
    assert_eq!(status, 201, "{endpoint}");
    let secret = endpoint["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    let endpoint_id = endpoint["endpoint_id"].as_str().expect("id").to_owned();

    let (status, _) = s
        .post(
            "/api/v1/services/status",
            r#"{"application_id":"app_w","status_code":21}"#,
        )
        .await;
    assert_eq!(status, 200);
    s.until(&endpoint_id, |log| {
        log.first().is_some_and(|(d, _)| d.state == "delivered")
    })
    .await;
    let (headers, body) = receiver.received.lock().expect("lock")[0].clone();
    let payload: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(payload["type"], "application.status_changed");
    assert_eq!(payload["data"]["application_id"], "app_w");
    assert!(
        !body.contains(&s.partner_id),
        "the partner gets ids and statuses only"
    );

    let Ok(python) = std::env::var("INTEROP_PYTHON") else {
        assert!(
            std::env::var("TEST_REQUIRE_INTEROP").as_deref() != Ok("1"),
            "INTEROP_PYTHON not set"
        );
        eprintln!("skipping standardwebhooks verification: INTEROP_PYTHON not set");
        return;
    };
    let verify = |secret: &str| {
        let input = serde_json::json!({
            "secret": secret,
            "headers": {
                "webhook-id": headers["webhook-id"].to_str().expect("id"),
                "webhook-timestamp": headers["webhook-timestamp"].to_str().expect("ts"),
                "webhook-signature": headers["webhook-signature"].to_str().expect("sig"),
            },
            "body": body,
        });
        let mut child = std::process::Command::new(&python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/interop/verify_webhook.py"
            ))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("write");
        child.wait_with_output().expect("wait").status.success()
    };
    assert!(verify(&secret), "standardwebhooks accepts okno's signature");
    assert!(
        !verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "and refuses another secret"
    );
}

#[tokio::test]
async fn failures_are_retried_on_the_schedule_until_delivered() {
    let s = setup().await;
    let (url, receiver) = start_receiver(vec![500, 503]).await;
    let (_, endpoint) = s
        .post(
            "/api/v1/webhooks/endpoints",
            &format!(r#"{{"url":"{url}","event_types":["application.status_changed"]}}"#),
        )
        .await;
    let endpoint_id = endpoint["endpoint_id"].as_str().expect("id").to_owned();
    let (status, _) = s
        .post(
            "/api/v1/services/status",
            r#"{"application_id":"app_w","status_code":21}"#,
        )
        .await;
    assert_eq!(status, 200);
    for attempts in [1, 2] {
        s.until(&endpoint_id, |log| {
            log.first().is_some_and(|(_, a)| a.len() == attempts)
        })
        .await;
        // The next attempt is due within the schedule's longest wait; move time past it.
        s.clock.advance(time::Duration::hours(7));
    }
    s.until(&endpoint_id, |log| {
        log.first().is_some_and(|(d, _)| d.state == "delivered")
    })
    .await;
    let log = s
        .app
        .storage
        .webhook_deliveries(&endpoint_id, 10)
        .await
        .expect("log");
    let outcomes: Vec<(Option<i64>, &str)> = log[0]
        .1
        .iter()
        .map(|a| (a.status_code, a.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (Some(500), "failed"),
            (Some(503), "failed"),
            (Some(200), "delivered")
        ]
    );
    assert_eq!(receiver.received.lock().expect("lock").len(), 3);
    let ids: Vec<String> = receiver
        .received
        .lock()
        .expect("lock")
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().expect("id").to_owned())
        .collect();
    assert!(
        ids.iter().all(|id| id == &ids[0]),
        "retries keep the message id for deduplication"
    );
}

#[tokio::test]
async fn a_receiver_answering_410_disables_its_endpoint() {
    let s = setup().await;
    let (gone_url, _gone) = start_receiver(vec![410]).await;
    let (_, gone) = s
        .post(
            "/api/v1/webhooks/endpoints",
            &format!(r#"{{"url":"{gone_url}","event_types":["application.status_changed"]}}"#),
        )
        .await;
    let gone_id = gone["endpoint_id"].as_str().expect("id").to_owned();
    let (status, _) = s
        .post(
            "/api/v1/services/status",
            r#"{"application_id":"app_w","status_code":2}"#,
        )
        .await;
    assert_eq!(status, 200);
    s.until(&gone_id, |log| {
        log.first().is_some_and(|(d, _)| d.state == "gone")
    })
    .await;
    let disabled = s
        .app
        .storage
        .webhook_endpoint(&gone_id)
        .await
        .expect("read")
        .expect("endpoint");
    assert!(disabled.disabled_at.is_some());
}

#[tokio::test]
async fn live_endpoints_on_private_addresses_are_refused() {
    let s = setup().await;
    let (status, body) = s
        .post(
            "/api/v1/webhooks/endpoints",
            r#"{"url":"ftp://example.org/x","event_types":["feedback.created"]}"#,
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("url"))
    );
    let (status, body) = s
        .post(
            "/api/v1/webhooks/endpoints",
            r#"{"url":"https://example.org/x","event_types":["nope"]}"#,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("unknown_event_type"))
    );
    for url in [
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "http://example.org/hooks",
    ] {
        let body = format!(r#"{{"url":"{url}","event_types":["feedback.created"]}}"#);
        let (status, refused) = s
            .post_as(
                &s.live_key_id,
                &s.live_key,
                "/api/v1/webhooks/endpoints",
                &body,
            )
            .await;
        assert_eq!(
            (status, refused["error"]["field"].as_str()),
            (422, Some("url")),
            "{url}: {refused}"
        );
    }
    let loopback = r#"{"url":"http://127.0.0.1:9/hooks","event_types":["feedback.created"]}"#;
    assert_eq!(
        s.post("/api/v1/webhooks/endpoints", loopback).await.0,
        201,
        "test mode may use loopback"
    );
}
